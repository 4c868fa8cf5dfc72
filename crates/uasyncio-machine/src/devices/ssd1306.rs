//! The Solomon SSD1306 OLED controller with a 128×64 panel, on I2C or SPI,
//! from its datasheet: the command set, the 1 KiB GDDRAM (8 pages of 128
//! columns, one byte = 8 rows) in its three addressing modes, and the picture
//! the panel shows.

use std::cell::RefCell;
use std::rc::Rc;

use crate::target::{Device, I2cTarget, Nack, SpiTarget};

/// The panel's size in pixels.
pub const WIDTH: usize = 128;
/// The panel's height in pixels.
pub const HEIGHT: usize = 64;
const PAGES: usize = HEIGHT / 8;

/// A simulated SSD1306 128×64: a handle to its memory and settings.
///
/// On I2C the first byte of each write is a control byte (`0x00`: commands
/// follow, `0x40`: data follows; with bit 7 set, one byte then another
/// control byte). On SPI the D/C pin says which: low commands, high data.
///
/// [`picture`](Ssd1306::picture) is what the panel shows, taking the display
/// on/off, inversion, "entire display on", the start line, and the segment
/// and COM remaps into account; the panel is mounted the way the `ssd1306`
/// crate's `Rotate0` expects (segment remap and reversed COM scan show
/// GDDRAM upright). Scrolling, contrast and the display offset are kept but
/// do not change the picture.
///
/// ```
/// use uasyncio_machine::devices::Ssd1306;
/// use uasyncio_machine::target::I2cTarget;
/// let oled = Ssd1306::i2c();
/// oled.write(0, &[0x00, 0xaf, 0xa1, 0xc8]).unwrap(); // display on, upright
/// oled.write(0, &[0x40, 0xff]).unwrap(); // column 0 of page 0: 8 rows lit
/// let picture = oled.picture();
/// assert!((0..8).all(|y| picture[y][0]) && !picture[8][0] && !picture[0][1]);
/// ```
#[derive(Clone)]
pub struct Ssd1306 {
    state: Rc<RefCell<State>>,
}

struct State {
    ram: [u8; WIDTH * PAGES],
    /// The SPI data/command GPIO (`None` on I2C).
    dc: Option<u8>,
    /// 0 horizontal, 1 vertical, 2 page (the reset default).
    mode: u8,
    columns: (usize, usize),
    pages: (usize, usize),
    column: usize,
    page: usize,
    on: bool,
    inverted: bool,
    entire_on: bool,
    segment_remap: bool,
    com_reversed: bool,
    start_line: usize,
    contrast: u8,
    /// A command waiting for its arguments.
    command: Vec<u8>,
}

impl Ssd1306 {
    /// An SSD1306 on I2C (wire it at 0x3C or 0x3D), just reset.
    ///
    /// ```
    /// use uasyncio_machine::devices::Ssd1306;
    /// assert!(!Ssd1306::i2c().is_on());
    /// ```
    pub fn i2c() -> Ssd1306 {
        Ssd1306::with_dc(None)
    }

    /// An SSD1306 on SPI whose D/C pin is GPIO `dc`.
    ///
    /// ```
    /// use uasyncio_machine::devices::Ssd1306;
    /// assert!(Ssd1306::spi(16).picture().iter().flatten().all(|lit| !lit));
    /// ```
    pub fn spi(dc: u8) -> Ssd1306 {
        Ssd1306::with_dc(Some(dc))
    }

    fn with_dc(dc: Option<u8>) -> Ssd1306 {
        let state = State {
            ram: [0; WIDTH * PAGES],
            dc,
            mode: 2,
            columns: (0, WIDTH - 1),
            pages: (0, PAGES - 1),
            column: 0,
            page: 0,
            on: false,
            inverted: false,
            entire_on: false,
            segment_remap: false,
            com_reversed: false,
            start_line: 0,
            contrast: 0x7f,
            command: Vec::new(),
        };
        Ssd1306 { state: Rc::new(RefCell::new(state)) }
    }

    /// Whether the display is on (command `0xAF`).
    pub fn is_on(&self) -> bool {
        self.state.borrow().on
    }

    /// The contrast (command `0x81`).
    pub fn contrast(&self) -> u8 {
        self.state.borrow().contrast
    }

    /// The GDDRAM: page `p`, column `c` at `p * 128 + c`, bit `n` = row `8p + n`.
    pub fn ram(&self) -> Vec<u8> {
        self.state.borrow().ram.to_vec()
    }

    /// What the panel shows: 64 rows of 128 pixels, `true` = lit.
    pub fn picture(&self) -> Vec<Vec<bool>> {
        let s = self.state.borrow();
        (0..HEIGHT)
            .map(|y| {
                (0..WIDTH)
                    .map(|x| {
                        if !s.on {
                            return false;
                        }
                        if s.entire_on {
                            return true;
                        }
                        let column = if s.segment_remap { x } else { WIDTH - 1 - x };
                        let row = (if s.com_reversed { y } else { HEIGHT - 1 - y } + s.start_line) % HEIGHT;
                        let lit = s.ram[(row / 8) * WIDTH + column] >> (row % 8) & 1 == 1;
                        lit != s.inverted
                    })
                    .collect()
            })
            .collect()
    }
}

/// How many argument bytes follow each command byte.
fn arguments(command: u8) -> usize {
    match command {
        0x81 | 0x20 | 0xa8 | 0xd3 | 0xd5 | 0xd9 | 0xda | 0xdb | 0x8d | 0xad => 1,
        0x21 | 0x22 | 0xa3 => 2,
        0x29 | 0x2a => 5,
        0x26 | 0x27 => 6,
        _ => 0,
    }
}

impl State {
    fn command_byte(&mut self, byte: u8) {
        self.command.push(byte);
        if self.command.len() <= arguments(self.command[0]) {
            return;
        }
        let command = std::mem::take(&mut self.command);
        match command[..] {
            [0x81, contrast] => self.contrast = contrast,
            [0x20, mode] => self.mode = mode & 0x03,
            [0x21, start, end] => {
                self.columns = (usize::from(start & 0x7f), usize::from(end & 0x7f));
                self.column = self.columns.0;
            }
            [0x22, start, end] => {
                self.pages = (usize::from(start & 0x07), usize::from(end & 0x07));
                self.page = self.pages.0;
            }
            [c @ 0x00..=0x0f] => self.column = (self.column & 0xf0) | usize::from(c),
            [c @ 0x10..=0x1f] => self.column = (self.column & 0x0f) | (usize::from(c & 0x07) << 4),
            [c @ 0x40..=0x7f] => self.start_line = usize::from(c & 0x3f),
            [c @ 0xb0..=0xb7] => self.page = usize::from(c & 0x07),
            [0xa0] => self.segment_remap = false,
            [0xa1] => self.segment_remap = true,
            [0xc0] => self.com_reversed = false,
            [0xc8] => self.com_reversed = true,
            [0xa4] => self.entire_on = false,
            [0xa5] => self.entire_on = true,
            [0xa6] => self.inverted = false,
            [0xa7] => self.inverted = true,
            [0xae] => self.on = false,
            [0xaf] => self.on = true,
            _ => {} // timing, charge pump, scrolling: no effect on the picture
        }
    }

    fn data_byte(&mut self, byte: u8) {
        self.ram[self.page * WIDTH + self.column] = byte;
        let (c0, c1) = self.columns;
        let (p0, p1) = self.pages;
        match self.mode {
            0 => {
                self.column += 1;
                if self.column > c1 {
                    self.column = c0;
                    self.page = if self.page >= p1 { p0 } else { self.page + 1 };
                }
            }
            1 => {
                self.page += 1;
                if self.page > p1 {
                    self.page = p0;
                    self.column = if self.column >= c1 { c0 } else { self.column + 1 };
                }
            }
            _ => self.column = (self.column + 1) % WIDTH,
        }
    }
}

impl Device for Ssd1306 {
    fn name(&self) -> String {
        "SSD1306".into()
    }

    fn picture(&self) -> Option<Vec<Vec<bool>>> {
        Some(Ssd1306::picture(self))
    }
}

impl I2cTarget for Ssd1306 {
    fn write(&self, _now_us: u64, bytes: &[u8]) -> Result<(), Nack> {
        let mut state = self.state.borrow_mut();
        let mut rest = bytes;
        while let [control, tail @ ..] = rest {
            let data = control & 0x40 != 0;
            let (now, later) = if control & 0x80 != 0 { tail.split_at(tail.len().min(1)) } else { (tail, &[][..]) };
            for &byte in now {
                if data { state.data_byte(byte) } else { state.command_byte(byte) }
            }
            rest = later;
        }
        Ok(())
    }

    fn read(&self, _now_us: u64, buf: &mut [u8]) -> Result<(), Nack> {
        // The status byte: bit 6 set while the display is off.
        buf.fill(if self.is_on() { 0x00 } else { 0x40 });
        Ok(())
    }
}

impl SpiTarget for Ssd1306 {
    fn exchange(&self, _now_us: u64, level: &dyn Fn(u8) -> Option<bool>, mosi: &[u8], miso: &mut [u8]) {
        let mut state = self.state.borrow_mut();
        let data = state.dc.and_then(level) == Some(true);
        for &byte in mosi {
            if data { state.data_byte(byte) } else { state.command_byte(byte) }
        }
        miso.fill(0xff); // the SSD1306 has no MISO on SPI
    }
}

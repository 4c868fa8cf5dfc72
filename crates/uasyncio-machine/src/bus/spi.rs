//! `machine.SPI`: a controller on an SPI bus, and a device on it with its
//! chip-select pin (embedded-hal's `SpiBus` and `SpiDevice`).

use embedded_hal::spi::Operation;

use super::{BusError, bits_us};
use crate::board::Board;
use crate::pin::Pin;
use crate::trace::{Transaction, Transfer};

/// An SPI controller, as MicroPython's `machine.SPI`: `Spi::new(1,
/// 10_000_000, Pin::get(14), Pin::get(13), Pin::get(12))` is `SPI(1,
/// baudrate=10000000, sck=Pin(14), mosi=Pin(13), miso=Pin(12))`.
///
/// A handle (clones share the bus). It implements `SpiBus` (blocking and
/// async): each byte takes 8 clocks at the baud rate and goes to the device
/// whose chip select is low then; with none low the transfer fails
/// ([`BusError::NoDeviceSelected`]). For a driver that wants an `SpiDevice`,
/// wrap it with its chip-select pin in [`SpiDevice`].
///
/// ```
/// use uasyncio_machine::{Board, Pin, Spi, devices::Ssd1306, run_virtual_for};
/// use embedded_hal_async::spi::SpiBus;
/// let board = Board::esp32().install();
/// board.attach_spi(1, Some(5), Ssd1306::spi(16));
/// run_virtual_for(&board, 1.0, || async {
///     let mut spi = Spi::new(1, 1_000_000, Pin::get(14), Pin::get(13), Pin::get(12));
///     let cs = Pin::new(5, Pin::OUT);
///     cs.off();
///     spi.write(&[0xaf]).await.unwrap(); // display on: one byte, 8 µs at 1 MHz
///     cs.on();
///     assert_eq!(uasyncio::now_us(), 8);
/// });
/// ```
#[derive(Clone, Debug)]
pub struct Spi {
    id: u8,
    baudrate: u32,
    board: Board,
    name: String,
}

impl Spi {
    /// SPI bus `id` (ESP32: 1 or 2; Pico: 0 or 1) clocked at `baudrate` Hz
    /// on `sck`, `mosi`, `miso`. The pins serve the bus alone from now on.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Spi};
    /// Board::esp32().install();
    /// Spi::new(3, 1_000_000, Pin::get(14), Pin::get(13), Pin::get(12)); // panics: SPI(3) doesn't exist ...
    /// ```
    pub fn new(id: u8, baudrate: u32, sck: Pin, mosi: Pin, miso: Pin) -> Spi {
        let board = sck.board().clone();
        let ids: &[u8] = if board.desc().name == "ESP32" { &[1, 2] } else { &[0, 1] };
        assert!(ids.contains(&id), "SPI({id}) doesn't exist: the {} has SPI{ids:?}", board.desc().name);
        assert!(baudrate > 0, "SPI baudrate must be above 0 Hz, e.g. 1000000");
        let holder = format!("SPI({id})");
        assert!(!board.bus_in_use(&holder), "{holder} is already set up: deinit() it first, or share the handle");
        board.claim(sck.id(), format!("{holder} as SCK"), true);
        board.claim(mosi.id(), format!("{holder} as MOSI"), true);
        board.claim(miso.id(), format!("{holder} as MISO"), false);
        Spi { id, baudrate, board, name: format!("SPI{id}") }
    }

    /// The clock in Hz.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Spi};
    /// Board::pico().install();
    /// assert_eq!(Spi::new(0, 8_000_000, Pin::get(18), Pin::get(19), Pin::get(16)).baudrate(), 8_000_000);
    /// ```
    pub fn baudrate(&self) -> u32 {
        self.baudrate
    }

    /// Gives the pins back as GPIOs (`spi.deinit()`).
    pub fn deinit(self) {
        self.board.release_pins(&format!("SPI({})", self.id));
    }

    /// The µs `n` bytes take.
    fn duration_us(&self, n: usize) -> u64 {
        bits_us(8 * n as u64, self.baudrate)
    }

    /// Sends `mosi` to the selected device and returns its MISO bytes, at
    /// the time the bytes have gone; recorded.
    fn exchange(&self, mosi: &[u8], start: u64, end: u64, at: u64) -> Result<Vec<u8>, BusError> {
        let selected = self.board.spi_selected(self.id);
        let mut miso = vec![0xff; mosi.len()];
        let (target, result) = match selected.as_slice() {
            [] => (None, Err(BusError::NoDeviceSelected { bus: self.name.clone() })),
            [(cs, device)] => {
                let board = self.board.clone();
                device.exchange(at, &move |gpio| board.level(gpio), mosi, &mut miso);
                (*cs, Ok(()))
            }
            many => {
                let selected = many.iter().filter_map(|(cs, _)| *cs).collect();
                (None, Err(BusError::Contention { bus: self.name.clone(), selected }))
            }
        };
        let error = result.as_ref().err().map(|e| match e {
            BusError::NoDeviceSelected { .. } => "no chip select low".to_string(),
            _ => "several chip selects low".to_string(),
        });
        let mut transfers = vec![Transfer::Write(mosi.to_vec())];
        if result.is_ok() && miso.iter().any(|&b| b != 0xff) {
            transfers.push(Transfer::Read(miso.clone()));
        }
        let bus = self.name.clone();
        self.board.record_transaction(Transaction { bus, start_us: start, end_us: end, target, transfers, error });
        result.map(|()| miso)
    }

    /// One exchange on the bus, the bus already held: takes its time.
    async fn exchange_held(&self, mosi: &[u8]) -> Result<Vec<u8>, BusError> {
        let start = self.board.now_us();
        uasyncio::sleep_us(self.duration_us(mosi.len())).await;
        let end = self.board.now_us();
        self.exchange(mosi, start, end, end)
    }

    /// One exchange, holding the bus meanwhile.
    async fn exchange_async(&self, mosi: &[u8]) -> Result<Vec<u8>, BusError> {
        let lock = self.board.bus_lock(&self.name);
        let _held = lock.acquire().await;
        self.exchange_held(mosi).await
    }

    /// One exchange that cannot wait: refused while a task holds the bus.
    fn exchange_blocking(&self, mosi: &[u8], held: bool) -> Result<Vec<u8>, BusError> {
        if !held && self.board.bus_lock(&self.name).locked() {
            return Err(BusError::Busy { bus: self.name.clone() });
        }
        let start = self.board.now_us();
        self.exchange(mosi, start, start + self.duration_us(mosi.len()), start)
    }
}

/// `transfer(read, write)`: clocks the longer of the two; `write` padded
/// with zeros.
fn padded(read: usize, write: &[u8]) -> Vec<u8> {
    let mut mosi = write.to_vec();
    mosi.resize(read.max(write.len()), 0);
    mosi
}

fn fill(read: &mut [u8], miso: &[u8]) {
    read.copy_from_slice(&miso[..read.len()]);
}

impl embedded_hal::spi::ErrorType for Spi {
    type Error = BusError;
}

impl embedded_hal_async::spi::SpiBus for Spi {
    async fn read(&mut self, words: &mut [u8]) -> Result<(), BusError> {
        let miso = self.exchange_async(&vec![0; words.len()]).await?;
        fill(words, &miso);
        Ok(())
    }

    async fn write(&mut self, words: &[u8]) -> Result<(), BusError> {
        self.exchange_async(words).await.map(drop)
    }

    async fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), BusError> {
        let miso = self.exchange_async(&padded(read.len(), write)).await?;
        fill(read, &miso);
        Ok(())
    }

    async fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), BusError> {
        let miso = self.exchange_async(words).await?;
        words.copy_from_slice(&miso);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), BusError> {
        Ok(())
    }
}

impl embedded_hal::spi::SpiBus for Spi {
    fn read(&mut self, words: &mut [u8]) -> Result<(), BusError> {
        let miso = self.exchange_blocking(&vec![0; words.len()], false)?;
        fill(words, &miso);
        Ok(())
    }

    fn write(&mut self, words: &[u8]) -> Result<(), BusError> {
        self.exchange_blocking(words, false).map(drop)
    }

    fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), BusError> {
        let miso = self.exchange_blocking(&padded(read.len(), write), false)?;
        fill(read, &miso);
        Ok(())
    }

    fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), BusError> {
        let miso = self.exchange_blocking(words, false)?;
        words.copy_from_slice(&miso);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BusError> {
        Ok(())
    }
}

/// A device on an [`Spi`] bus with its chip-select pin: embedded-hal's
/// `SpiDevice` (blocking and async).
///
/// A transaction holds the bus from chip select low to high, so devices
/// shared by several tasks never interleave their bytes (the `SpiDevice`
/// contract): a second task's transaction waits for the first to end. The
/// chip-select pin is an ordinary GPIO output, recorded in the trace.
///
/// ```
/// use embedded_hal_async::spi::SpiDevice as _;
/// use uasyncio_machine::{Board, Pin, Spi, SpiDevice, devices::Ssd1306, run_virtual_for};
/// let board = Board::esp32().install();
/// board.attach_spi(2, Some(5), Ssd1306::spi(16));
/// run_virtual_for(&board, 1.0, || async {
///     let spi = Spi::new(2, 8_000_000, Pin::get(18), Pin::get(23), Pin::get(19));
///     let mut oled = SpiDevice::new(spi, Pin::new(5, Pin::OUT));
///     oled.write(&[0xaf]).await.unwrap();
/// });
/// assert_eq!(board.trace().edges_of(5), [(0, true), (0, false), (1, true)]);
/// ```
#[derive(Debug)]
pub struct SpiDevice {
    spi: Spi,
    cs: Pin,
}

impl SpiDevice {
    /// The device selected by `cs` on `spi`; `cs` is driven high (idle).
    pub fn new(spi: Spi, cs: Pin) -> SpiDevice {
        cs.init(Pin::OUT, None);
        cs.on();
        SpiDevice { spi, cs }
    }

    /// The chip-select pin.
    pub fn cs(&self) -> &Pin {
        &self.cs
    }

    fn finish(&self) {
        self.cs.on();
        let now = self.spi.board.now_us();
        for (cs, device) in self.spi.board.spi_devices(self.spi.id) {
            if cs == Some(self.cs.id()) {
                device.deselect(now);
            }
        }
    }
}

impl embedded_hal::spi::ErrorType for SpiDevice {
    type Error = BusError;
}

impl embedded_hal_async::spi::SpiDevice for SpiDevice {
    async fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), BusError> {
        let lock = self.spi.board.bus_lock(&self.spi.name);
        let _held = lock.acquire().await;
        self.cs.off();
        let mut result = Ok(());
        for op in operations.iter_mut() {
            let done = match op {
                Operation::Read(words) => self.spi.exchange_held(&vec![0; words.len()]).await.map(|m| fill(words, &m)),
                Operation::Write(words) => self.spi.exchange_held(words).await.map(drop),
                Operation::Transfer(read, write) => {
                    self.spi.exchange_held(&padded(read.len(), write)).await.map(|m| fill(read, &m))
                }
                Operation::TransferInPlace(words) => {
                    self.spi.exchange_held(words).await.map(|m| words.copy_from_slice(&m))
                }
                Operation::DelayNs(ns) => {
                    uasyncio::sleep_us(ns.div_ceil(1000)).await;
                    Ok(())
                }
            };
            if done.is_err() {
                result = done;
                break;
            }
        }
        self.finish();
        result
    }
}

impl embedded_hal::spi::SpiDevice for SpiDevice {
    /// Blocking: a `DelayNs` cannot let the clock move and is skipped.
    fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), BusError> {
        if self.spi.board.bus_lock(&self.spi.name).locked() {
            return Err(BusError::Busy { bus: self.spi.name.clone() });
        }
        self.cs.off();
        let mut result = Ok(());
        for op in operations.iter_mut() {
            let done = match op {
                Operation::Read(words) => {
                    self.spi.exchange_blocking(&vec![0; words.len()], true).map(|m| fill(words, &m))
                }
                Operation::Write(words) => self.spi.exchange_blocking(words, true).map(drop),
                Operation::Transfer(read, write) => {
                    self.spi.exchange_blocking(&padded(read.len(), write), true).map(|m| fill(read, &m))
                }
                Operation::TransferInPlace(words) => {
                    self.spi.exchange_blocking(words, true).map(|m| words.copy_from_slice(&m))
                }
                Operation::DelayNs(_) => Ok(()),
            };
            if done.is_err() {
                result = done;
                break;
            }
        }
        self.finish();
        result
    }
}

//! The buses' side of the board: which pins a bus has claimed, which
//! simulated devices are wired to each bus, each bus's lock (one
//! transaction at a time), and what is on its way to each UART's RX line.
//! The controllers (`bus`) and the devices (`devices`) are built on this.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use uasyncio::{Lock, ThreadSafeFlag};

use super::Board;
use crate::target::{Device, I2cTarget, SpiTarget, UartPeer};
use crate::trace::Transaction;

/// The RX FIFO of a UART by default, in bytes (MicroPython's `rxbuf`).
pub(crate) const DEFAULT_RXBUF: usize = 256;
/// A UART's baud rate until its constructor sets one.
pub(crate) const DEFAULT_BAUD: u32 = 115_200;

/// An SPI device with its chip-select GPIO (`None`: tied low).
pub(crate) type SpiWiring = (Option<u8>, Rc<dyn SpiTarget>);

/// Everything on the board's buses.
#[derive(Default)]
pub(super) struct Buses {
    /// GPIO → who holds it, e.g. `"I2C(0) as SDA"`.
    claims: BTreeMap<u8, String>,
    i2c: BTreeMap<(u8, u8), Rc<dyn I2cTarget>>,
    spi: BTreeMap<u8, Vec<SpiWiring>>,
    uart: BTreeMap<u8, Rc<dyn UartPeer>>,
    lines: BTreeMap<u8, UartLine>,
    locks: BTreeMap<String, Rc<Lock>>,
    /// Every device in the order attached, with where it is: `"I2C0 0x76"`.
    devices: Vec<(String, Rc<dyn Device>)>,
}

/// What has reached, or is on its way to, one UART's RX line.
pub(crate) struct UartLine {
    /// Bytes still on the wire, with the time each arrives, in order.
    arriving: VecDeque<(u64, u8)>,
    /// Bytes in the RX FIFO.
    fifo: VecDeque<u8>,
    capacity: usize,
    /// Bytes that arrived to a full FIFO: lost.
    lost: usize,
    pub(crate) baud: u32,
    /// Set when bytes are sent towards the line, for a reader that waits.
    pub(crate) flag: Rc<ThreadSafeFlag>,
}

impl Default for UartLine {
    fn default() -> Self {
        UartLine {
            arriving: VecDeque::new(),
            fifo: VecDeque::new(),
            capacity: DEFAULT_RXBUF,
            lost: 0,
            baud: DEFAULT_BAUD,
            flag: Rc::new(ThreadSafeFlag::new()),
        }
    }
}

impl UartLine {
    /// The time one byte takes on the wire (8N1: ten bits), in µs.
    pub(crate) fn byte_us(&self) -> f64 {
        10e6 / f64::from(self.baud)
    }

    /// Moves the bytes that have arrived by `now` into the FIFO; those that
    /// find it full are lost (as a hardware FIFO overrun loses them).
    fn settle(&mut self, now: u64) {
        while let Some(&(t, byte)) = self.arriving.front() {
            if t > now {
                break;
            }
            self.arriving.pop_front();
            if self.fifo.len() < self.capacity {
                self.fifo.push_back(byte);
            } else {
                self.lost += 1;
            }
        }
    }
}

impl Board {
    /// Wires a simulated I2C device to bus `bus` at 7-bit `address` (pass a
    /// clone of the device's handle; keep one to set its quantities).
    ///
    /// ```
    /// use uasyncio_machine::{Board, devices::Bme280};
    /// let board = Board::esp32().install();
    /// board.attach_i2c(0, 0x76, Bme280::new());
    /// assert_eq!(board.devices()[0].0, "I2C0 0x76");
    /// ```
    pub fn attach_i2c(&self, bus: u8, address: u8, device: impl I2cTarget + 'static) {
        assert!(address < 0x80, "an I2C address has 7 bits: 0x00 to 0x7f, not {address:#x}");
        let device = Rc::new(device);
        let mut state = self.state.borrow_mut();
        let buses = &mut state.buses;
        if buses.i2c.insert((bus, address), device.clone()).is_some() {
            panic!("I2C{bus} already has a device at {address:#04x}: two devices cannot share an address");
        }
        buses.devices.push((format!("I2C{bus} {address:#04x}"), device));
    }

    /// Wires a simulated SPI device to bus `bus`, selected while GPIO `cs` is
    /// low (`None`: its chip select is tied low, always selected).
    ///
    /// ```
    /// use uasyncio_machine::{Board, devices::Ssd1306};
    /// let board = Board::esp32().install();
    /// board.attach_spi(1, Some(5), Ssd1306::spi(16));
    /// assert_eq!(board.devices()[0].0, "SPI1 CS5");
    /// ```
    pub fn attach_spi(&self, bus: u8, cs: Option<u8>, device: impl SpiTarget + 'static) {
        if let Some(cs) = cs {
            self.check_gpio(cs);
        }
        let device = Rc::new(device);
        let mut state = self.state.borrow_mut();
        let place = match cs {
            Some(cs) => format!("SPI{bus} CS{cs}"),
            None => format!("SPI{bus}"),
        };
        state.buses.spi.entry(bus).or_default().push((cs, device.clone()));
        state.buses.devices.push((place, device));
    }

    /// Wires a peer (a loopback, a console) to UART `id`'s TX and RX lines.
    ///
    /// ```
    /// use uasyncio_machine::{Board, devices::Loopback};
    /// let board = Board::esp32().install();
    /// board.attach_uart(2, Loopback::new());
    /// assert_eq!(board.devices()[0].0, "UART2");
    /// ```
    pub fn attach_uart(&self, id: u8, peer: impl UartPeer + 'static) {
        let peer = Rc::new(peer);
        let mut state = self.state.borrow_mut();
        if state.buses.uart.insert(id, peer.clone()).is_some() {
            panic!("UART{id} already has a peer: one peer per UART");
        }
        state.buses.devices.push((format!("UART{id}"), peer));
    }

    /// Every simulated device with where it is wired (`"I2C0 0x76"`), in
    /// the order attached (for the live view and the dashboard).
    ///
    /// ```
    /// use uasyncio_machine::{Board, devices::Htu21d};
    /// let board = Board::esp32().install();
    /// board.attach_i2c(0, 0x40, Htu21d::new());
    /// assert_eq!(board.devices()[0].1.name(), "HTU21D");
    /// ```
    pub fn devices(&self) -> Vec<(String, Rc<dyn Device>)> {
        self.state.borrow().buses.devices.clone()
    }

    /// Sends `bytes` from the outside world to UART `id`'s RX line, one after
    /// the other at the UART's baud rate, the first arriving one byte time
    /// from now (what a console peer types).
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::esp32().install();
    /// board.uart_send(1, b"hi");
    /// assert_eq!(board.uart_waiting(1), 0); // still on the wire at t = 0
    /// ```
    pub fn uart_send(&self, id: u8, bytes: &[u8]) {
        let mut state = self.state.borrow_mut();
        let now = state.tick();
        let line = state.buses.lines.entry(id).or_default();
        let start = line.arriving.back().map_or(now, |&(t, _)| t.max(now)) as f64;
        let byte_us = line.byte_us();
        for (i, &byte) in bytes.iter().enumerate() {
            line.arriving.push_back(((start + byte_us * (i + 1) as f64).round() as u64, byte));
        }
        line.flag.set();
    }

    /// How many bytes wait in UART `id`'s RX FIFO now.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// assert_eq!(Board::esp32().install().uart_waiting(0), 0);
    /// ```
    pub fn uart_waiting(&self, id: u8) -> usize {
        let mut state = self.state.borrow_mut();
        let now = state.now();
        let line = state.buses.lines.entry(id).or_default();
        line.settle(now);
        line.fifo.len()
    }

    // ---- for the buses (crate-internal) ----

    /// Panics if `gpio` is held by a bus: a pin serves one peripheral.
    pub(crate) fn check_unclaimed(&self, gpio: u8) {
        if let Some(holder) = self.state.borrow().buses.claims.get(&gpio) {
            panic!(
                "Pin({gpio}) is used by {holder}: a pin serves one peripheral at a time; \
                 pick another pin, or deinit() the bus first"
            );
        }
    }

    /// Hands `gpio` to a bus as `holder` (`"I2C(0) as SDA"`): it stops being a
    /// GPIO until [`Board::release_pins`].
    pub(crate) fn claim(&self, gpio: u8, holder: String, output: bool) {
        self.check_gpio(gpio);
        self.check_unclaimed(gpio);
        if output && self.is_input_only(gpio) {
            panic!("Pin({gpio}) can only be an input: it cannot be {holder}");
        }
        let mut state = self.state.borrow_mut();
        state.pins.remove(&gpio);
        state.buses.claims.insert(gpio, holder);
    }

    /// Gives back every pin that `prefix` (`"I2C(0)"`) holds.
    pub(crate) fn release_pins(&self, prefix: &str) {
        self.state.borrow_mut().buses.claims.retain(|_, holder| !holder.starts_with(prefix));
    }

    /// Whether any pin is claimed by a holder starting with `prefix`.
    pub(crate) fn bus_in_use(&self, prefix: &str) -> bool {
        self.state.borrow().buses.claims.values().any(|holder| holder.starts_with(prefix))
    }

    /// The lock that keeps `bus`'s transactions one at a time.
    pub(crate) fn bus_lock(&self, bus: &str) -> Rc<Lock> {
        self.state.borrow_mut().buses.locks.entry(bus.to_string()).or_insert_with(|| Rc::new(Lock::new())).clone()
    }

    pub(crate) fn i2c_target(&self, bus: u8, address: u8) -> Option<Rc<dyn I2cTarget>> {
        self.state.borrow().buses.i2c.get(&(bus, address)).cloned()
    }

    /// The SPI devices on `bus` selected now (chip select low, or tied low).
    pub(crate) fn spi_selected(&self, bus: u8) -> Vec<SpiWiring> {
        let devices = self.state.borrow().buses.spi.get(&bus).cloned().unwrap_or_default();
        devices.into_iter().filter(|(cs, _)| cs.is_none_or(|cs| self.level(cs) == Some(false))).collect()
    }

    /// Every SPI device on `bus` with its chip select.
    pub(crate) fn spi_devices(&self, bus: u8) -> Vec<SpiWiring> {
        self.state.borrow().buses.spi.get(&bus).cloned().unwrap_or_default()
    }

    pub(crate) fn uart_peer(&self, id: u8) -> Option<Rc<dyn UartPeer>> {
        self.state.borrow().buses.uart.get(&id).cloned()
    }

    /// Sets UART `id`'s baud rate and RX FIFO size; returns its RX flag.
    pub(crate) fn uart_setup(&self, id: u8, baud: u32, rxbuf: usize) -> Rc<ThreadSafeFlag> {
        let mut state = self.state.borrow_mut();
        let line = state.buses.lines.entry(id).or_default();
        line.baud = baud;
        line.capacity = rxbuf;
        line.flag.clone()
    }

    /// Puts `byte` on UART `id`'s RX line, arriving at `at_us`.
    pub(crate) fn uart_arrive(&self, id: u8, at_us: u64, byte: u8) {
        let mut state = self.state.borrow_mut();
        let line = state.buses.lines.entry(id).or_default();
        line.arriving.push_back((at_us, byte));
        line.arriving.make_contiguous().sort_by_key(|&(t, _)| t);
        line.flag.set();
    }

    /// Takes up to `buf.len()` bytes from UART `id`'s RX FIFO; returns how many.
    pub(crate) fn uart_take(&self, id: u8, buf: &mut [u8]) -> usize {
        let mut state = self.state.borrow_mut();
        let now = state.now();
        let line = state.buses.lines.entry(id).or_default();
        line.settle(now);
        let n = buf.len().min(line.fifo.len());
        for (slot, byte) in buf.iter_mut().zip(line.fifo.drain(..n)) {
            *slot = byte;
        }
        n
    }

    /// When the next byte still on the wire reaches UART `id`, if any.
    pub(crate) fn uart_next_arrival(&self, id: u8) -> Option<u64> {
        self.state.borrow().buses.lines.get(&id).and_then(|line| line.arriving.front().map(|&(t, _)| t))
    }

    /// The bytes lost to a full RX FIFO on UART `id`.
    pub(crate) fn uart_lost(&self, id: u8) -> usize {
        let mut state = self.state.borrow_mut();
        let now = state.now();
        let line = state.buses.lines.entry(id).or_default();
        line.settle(now);
        line.lost
    }

    /// Records a finished bus transaction.
    pub(crate) fn record_transaction(&self, transaction: Transaction) {
        self.state.borrow_mut().recorder.record_transaction(transaction);
    }

    /// The time on the board's clock now (µs).
    pub(crate) fn now_us(&self) -> u64 {
        self.state.borrow_mut().tick()
    }
}

//! `machine.I2C`: a controller on the board's I2C bus.

use embedded_hal::i2c::{Operation, SevenBitAddress};

use super::{BusError, bits_us};
use crate::board::Board;
use crate::pin::Pin;
use crate::trace::{Transaction, Transfer};

/// An I2C controller, as MicroPython's `machine.I2C`.
///
/// `I2c::new(0, Pin::get(22), Pin::get(21), 400_000)` is
/// `I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)`. A handle: clones share
/// the bus, and a transaction holds it until it ends, so two tasks' transfers
/// never interleave. Each part of a transaction takes its clocks at `freq`
/// (a START, 9 clocks for the address and for each byte with its ACK, a
/// STOP). Implements `embedded_hal_async::i2c::I2c` and the blocking
/// `embedded_hal::i2c::I2c`.
///
/// ```
/// use uasyncio_machine::{Board, I2c, Pin, devices::Bme280, run_virtual_for};
/// let board = Board::esp32().install();
/// board.attach_i2c(0, 0x76, Bme280::new());
/// run_virtual_for(&board, 1.0, || async {
///     let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 100_000);
///     assert_eq!(i2c.scan().await, [0x76]);
///     let t0 = uasyncio::now_us();
///     assert_eq!(i2c.readfrom_mem(0x76, 0xd0, 1).await.unwrap(), [0x60]); // chip id
///     assert_eq!(uasyncio::now_us() - t0, 390); // 39 clocks at 100 kHz
/// });
/// ```
#[derive(Clone, Debug)]
pub struct I2c {
    id: u8,
    freq: u32,
    board: Board,
    name: String,
}

impl I2c {
    /// I2C bus `id` (0 or 1) on `scl` and `sda` at `freq` Hz (typically
    /// 100 kHz or 400 kHz). The pins serve the bus alone from now on.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, I2c, Pin};
    /// Board::esp32().install();
    /// let _i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
    /// Pin::new(21, Pin::OUT); // panics: Pin(21) is used by I2C(0) as SDA: ...
    /// ```
    pub fn new(id: u8, scl: Pin, sda: Pin, freq: u32) -> I2c {
        assert!(id <= 1, "I2C({id}) doesn't exist: the board has I2C(0) and I2C(1)");
        assert!(freq > 0, "I2C freq must be above 0 Hz, e.g. 100000 or 400000");
        let board = scl.board().clone();
        let holder = format!("I2C({id})");
        assert!(!board.bus_in_use(&holder), "{holder} is already set up: deinit() it first, or share the handle");
        board.claim(scl.id(), format!("{holder} as SCL"), true);
        board.claim(sda.id(), format!("{holder} as SDA"), true);
        I2c { id, freq, board, name: format!("I2C{id}") }
    }

    /// The bus frequency in Hz.
    ///
    /// ```
    /// use uasyncio_machine::{Board, I2c, Pin};
    /// Board::esp32().install();
    /// assert_eq!(I2c::new(1, Pin::get(25), Pin::get(26), 400_000).freq(), 400_000);
    /// ```
    pub fn freq(&self) -> u32 {
        self.freq
    }

    /// Gives the pins back as GPIOs (`i2c.deinit()`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, I2c, Pin};
    /// Board::esp32().install();
    /// I2c::new(0, Pin::get(22), Pin::get(21), 400_000).deinit();
    /// Pin::new(21, Pin::OUT).on();
    /// ```
    pub fn deinit(self) {
        self.board.release_pins(&format!("I2C({})", self.id));
    }

    /// The addresses that acknowledge (`i2c.scan()`), each probed with an
    /// empty write.
    pub async fn scan(&self) -> Vec<u8> {
        let mut found = Vec::new();
        for address in 0x08..0x78 {
            if self.run(address, &mut []).await.is_ok() {
                found.push(address);
            }
        }
        found
    }

    /// Reads `n` bytes from `address` (`i2c.readfrom(addr, n)`).
    pub async fn readfrom(&self, address: u8, n: usize) -> Result<Vec<u8>, BusError> {
        let mut buf = vec![0; n];
        self.run(address, &mut [Operation::Read(&mut buf)]).await?;
        Ok(buf)
    }

    /// Writes `bytes` to `address` (`i2c.writeto(addr, buf)`).
    pub async fn writeto(&self, address: u8, bytes: &[u8]) -> Result<(), BusError> {
        self.run(address, &mut [Operation::Write(bytes)]).await
    }

    /// Reads `n` bytes from register `register` of `address`
    /// (`i2c.readfrom_mem(addr, reg, n)`): the register written, then read
    /// after a repeated START.
    pub async fn readfrom_mem(&self, address: u8, register: u8, n: usize) -> Result<Vec<u8>, BusError> {
        let mut buf = vec![0; n];
        self.run(address, &mut [Operation::Write(&[register]), Operation::Read(&mut buf)]).await?;
        Ok(buf)
    }

    /// Writes `bytes` to register `register` of `address`
    /// (`i2c.writeto_mem(addr, reg, buf)`).
    pub async fn writeto_mem(&self, address: u8, register: u8, bytes: &[u8]) -> Result<(), BusError> {
        let mut data = Vec::with_capacity(bytes.len() + 1);
        data.push(register);
        data.extend_from_slice(bytes);
        self.writeto(address, &data).await
    }

    /// The µs a transaction starting at `start` takes: per part a START (or
    /// repeated START), the address and each byte with its ACK (9 clocks
    /// each); then a STOP; plus the time a device holds SCL low before a read
    /// (clock stretching, e.g. an HTU21D's hold-master measurement). An
    /// address nobody acknowledges ends there: START, address, STOP.
    fn duration_us(&self, address: u8, operations: &[Operation<'_>], start: u64) -> u64 {
        let Some(device) = self.board.i2c_target(self.id, address) else {
            return bits_us(1 + 9 + 1, self.freq);
        };
        let (mut clocks, mut stretch) = (0, 0);
        for op in operations {
            clocks += 1 + 9;
            let bytes = match op {
                Operation::Read(buf) => {
                    stretch += device.read_stretch_us(start + bits_us(clocks, self.freq) + stretch);
                    buf.len()
                }
                Operation::Write(buf) => buf.len(),
            };
            clocks += 9 * bytes as u64;
        }
        if operations.is_empty() {
            clocks += 1 + 9;
        }
        bits_us(clocks + 1, self.freq) + stretch
    }

    /// One transaction, holding the bus from start to end.
    async fn run(&self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), BusError> {
        let lock = self.board.bus_lock(&self.name);
        let _held = lock.acquire().await;
        let start = self.board.now_us();
        uasyncio::sleep_us(self.duration_us(address, operations, start)).await;
        let end = self.board.now_us();
        self.exchange(address, operations, start, end, end)
    }

    /// A transaction that cannot wait: refused if a task holds the bus.
    fn run_blocking(&self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), BusError> {
        if self.board.bus_lock(&self.name).locked() {
            return Err(BusError::Busy { bus: self.name.clone() });
        }
        let start = self.board.now_us();
        self.exchange(address, operations, start, start + self.duration_us(address, operations, start), start)
    }

    /// The device's side of a transaction, as the device sees it at `at`
    /// (its end; a blocking transfer's start); recorded from `start` to `end`.
    fn exchange(
        &self,
        address: u8,
        operations: &mut [Operation<'_>],
        start: u64,
        end: u64,
        at: u64,
    ) -> Result<(), BusError> {
        let mut transfers = Vec::new();
        let outcome = match self.board.i2c_target(self.id, address) {
            None => Err("no device at this address"),
            Some(device) => {
                let mut outcome = Ok(());
                for op in operations.iter_mut() {
                    let done = match op {
                        Operation::Write(bytes) => device.write(at, bytes).map(|()| Transfer::Write(bytes.to_vec())),
                        Operation::Read(buf) => device.read(at, buf).map(|()| Transfer::Read(buf.to_vec())),
                    };
                    match done {
                        Ok(transfer) => transfers.push(transfer),
                        Err(nack) => {
                            outcome = Err(nack.0);
                            break;
                        }
                    }
                }
                device.stop(at);
                outcome
            }
        };
        let error = outcome.err().map(|why| format!("NACK: {why}"));
        let bus = self.name.clone();
        self.board.record_transaction(Transaction {
            bus,
            start_us: start,
            end_us: end,
            target: Some(address),
            transfers,
            error,
        });
        outcome.map_err(|why| BusError::Nack { bus: self.name.clone(), address, why })
    }
}

impl embedded_hal::i2c::ErrorType for I2c {
    type Error = BusError;
}

impl embedded_hal_async::i2c::I2c<SevenBitAddress> for I2c {
    async fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), BusError> {
        self.run(address, operations).await
    }
}

impl embedded_hal::i2c::I2c<SevenBitAddress> for I2c {
    fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), BusError> {
        self.run_blocking(address, operations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_only_the_attached_addresses() {
        let board = Board::esp32().install();
        board.attach_i2c(0, 0x76, crate::devices::Bme280::new());
        board.attach_i2c(0, 0x40, crate::devices::Htu21d::new());
        let i2c = I2c::new(0, Pin::get(22), Pin::get(21), 400_000);
        let found = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let seen = found.clone();
        crate::run_virtual_for(&board, 1.0, move || async move { *seen.borrow_mut() = i2c.scan().await });
        assert_eq!(*found.borrow(), [0x40, 0x76]);
    }
}

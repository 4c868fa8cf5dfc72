//! `machine.UART`: a serial port, 8N1, with an RX FIFO that overflows as
//! hardware does.

use std::cell::Cell;
use std::rc::Rc;

use uasyncio::ThreadSafeFlag;

use crate::board::{Board, DEFAULT_RXBUF};
use crate::pin::Pin;
use crate::trace::{Transaction, Transfer};

/// A UART, as MicroPython's `machine.UART`: `Uart::new(2, 115_200,
/// Pin::get(17), Pin::get(16))` is `UART(2, baudrate=115200, tx=Pin(17),
/// rx=Pin(16))`.
///
/// Each byte takes 10 bit times (8N1) on the wire. [`write`](Uart::write)
/// queues bytes for sending and returns at once, as MicroPython's does; what
/// the peer ([`Board::attach_uart`]) sends back, or the world sends
/// ([`Board::uart_send`]), lands in an RX FIFO of 256 bytes
/// (see [`Uart::set_rxbuf`]): bytes arriving while it is full are lost, and
/// counted ([`Uart::lost`]). With the `embedded-io` feature (on by default)
/// it implements `embedded_io_async::{Read, Write}`: a read waits for the
/// first byte, a write until its bytes have left.
///
/// ```
/// use uasyncio_machine::{Board, Pin, Uart, devices::Loopback, run_virtual_for};
/// let board = Board::esp32().install();
/// board.attach_uart(2, Loopback::new());
/// run_virtual_for(&board, 1.0, || async {
///     let uart = Uart::new(2, 9600, Pin::get(17), Pin::get(16));
///     assert_eq!(uart.write(b"hi"), 2);
///     assert_eq!(uart.any(), 0);
///     uasyncio::sleep_ms(3).await; // two bytes at 9600 baud: 2.08 ms
///     assert_eq!(uart.any(), 2);
///     assert_eq!(uart.read(10), Some(b"hi".to_vec()));
/// });
/// ```
#[derive(Clone, Debug)]
pub struct Uart {
    id: u8,
    baudrate: u32,
    board: Board,
    name: String,
    flag: Rc<ThreadSafeFlag>,
    /// When the transmitter is free again (µs, fractional bit times kept).
    tx_free_at: Rc<Cell<f64>>,
}

impl Uart {
    /// UART `id` (ESP32: 0–2; Pico: 0–1) at `baudrate` on `tx` and `rx`. The
    /// pins serve the UART alone from now on.
    ///
    /// ```should_panic
    /// use uasyncio_machine::{Board, Pin, Uart};
    /// Board::esp32().install();
    /// Uart::new(1, 9600, Pin::get(36), Pin::get(16)); // panics: Pin(36) can only be an input ...
    /// ```
    pub fn new(id: u8, baudrate: u32, tx: Pin, rx: Pin) -> Uart {
        let board = tx.board().clone();
        let count = if board.desc().name == "ESP32" { 3 } else { 2 };
        assert!(id < count, "UART({id}) doesn't exist: the {} has UART(0) to UART({})", board.desc().name, count - 1);
        assert!(baudrate > 0, "UART baudrate must be above 0, e.g. 115200");
        let holder = format!("UART({id})");
        assert!(!board.bus_in_use(&holder), "{holder} is already set up: deinit() it first, or share the handle");
        board.claim(tx.id(), format!("{holder} as TX"), true);
        board.claim(rx.id(), format!("{holder} as RX"), false);
        let flag = board.uart_setup(id, baudrate, DEFAULT_RXBUF);
        Uart { id, baudrate, board, name: format!("UART{id}"), flag, tx_free_at: Rc::new(Cell::new(0.0)) }
    }

    /// Sets the size of the RX FIFO in bytes (MicroPython's `rxbuf=`).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Uart};
    /// let board = Board::esp32().install();
    /// let uart = Uart::new(1, 9600, Pin::get(4), Pin::get(5));
    /// uart.set_rxbuf(2);
    /// board.uart_send(1, b"abc");
    /// ```
    pub fn set_rxbuf(&self, bytes: usize) {
        assert!(bytes > 0, "an RX buffer must hold at least 1 byte");
        self.board.uart_setup(self.id, self.baudrate, bytes);
    }

    /// The baud rate.
    pub fn baudrate(&self) -> u32 {
        self.baudrate
    }

    /// Gives the pins back as GPIOs (`uart.deinit()`).
    pub fn deinit(self) {
        self.board.release_pins(&format!("UART({})", self.id));
    }

    fn byte_us(&self) -> f64 {
        10e6 / f64::from(self.baudrate)
    }

    /// Sends `bytes` (`uart.write(buf)`): they leave one after the other from
    /// when the transmitter is free; returns how many (all).
    pub fn write(&self, bytes: &[u8]) -> usize {
        let now = self.board.now_us();
        let start = self.tx_free_at.get().max(now as f64);
        let byte_us = self.byte_us();
        let peer = self.board.uart_peer(self.id);
        for (i, &byte) in bytes.iter().enumerate() {
            let at = (start + byte_us * (i + 1) as f64).round() as u64;
            if let Some(reply) = peer.as_ref().and_then(|peer| peer.receive(at, byte)) {
                self.board.uart_arrive(self.id, at, reply);
            }
        }
        let end = start + byte_us * bytes.len() as f64;
        self.tx_free_at.set(end);
        let (start_us, end_us) = (start.round() as u64, end.round() as u64);
        let transfers = vec![Transfer::Write(bytes.to_vec())];
        let bus = self.name.clone();
        self.board.record_transaction(Transaction { bus, start_us, end_us, target: None, transfers, error: None });
        bytes.len()
    }

    /// How many bytes can be read now (`uart.any()`).
    pub fn any(&self) -> usize {
        self.board.uart_waiting(self.id)
    }

    /// Up to `n` bytes that have arrived, or `None` if none has
    /// (`uart.read(n)`).
    pub fn read(&self, n: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0; n];
        let got = self.readinto(&mut buf);
        (got > 0).then(|| {
            buf.truncate(got);
            buf
        })
    }

    /// Reads what has arrived into `buf` (`uart.readinto(buf)`); returns how
    /// many bytes (0 if none).
    pub fn readinto(&self, buf: &mut [u8]) -> usize {
        let n = self.board.uart_take(self.id, buf);
        if n > 0 {
            let now = self.board.now_us();
            let transfers = vec![Transfer::Read(buf[..n].to_vec())];
            let bus = self.name.clone();
            self.board.record_transaction(Transaction {
                bus,
                start_us: now,
                end_us: now,
                target: None,
                transfers,
                error: None,
            });
        }
        n
    }

    /// Waits for at least one byte, then reads what has arrived into `buf`.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Uart, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.at(0.5, |b| b.uart_send(1, b"ok"));
    /// run_virtual_for(&board, 1.0, || async {
    ///     let uart = Uart::new(1, 10_000, Pin::get(4), Pin::get(5));
    ///     let mut buf = [0; 8];
    ///     assert_eq!(uart.read_async(&mut buf).await, 1); // the first byte, 1 ms after 0.5 s
    ///     assert_eq!(uasyncio::now_us(), 501_000);
    /// });
    /// ```
    pub async fn read_async(&self, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        loop {
            let n = self.readinto(buf);
            if n > 0 {
                return n;
            }
            match self.board.uart_next_arrival(self.id) {
                Some(at) => uasyncio::sleep_us(at.saturating_sub(uasyncio::now_us())).await,
                None => self.flag.wait().await,
            }
        }
    }

    /// The bytes lost so far because they arrived to a full RX FIFO (an
    /// overrun: the program read too slowly).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, Uart, run_virtual_for};
    /// let board = Board::esp32().install();
    /// run_virtual_for(&board, 1.0, || async {
    ///     let uart = Uart::new(1, 115_200, Pin::get(4), Pin::get(5));
    ///     uart.set_rxbuf(4);
    ///     Board::current().uart_send(1, b"0123456789");
    ///     uasyncio::sleep_ms(10).await;
    ///     assert_eq!((uart.read(16), uart.lost()), (Some(b"0123".to_vec()), 6));
    /// });
    /// ```
    pub fn lost(&self) -> usize {
        self.board.uart_lost(self.id)
    }
}

#[cfg(feature = "embedded-io")]
impl embedded_io_async::ErrorType for Uart {
    type Error = super::BusError;
}

#[cfg(feature = "embedded-io")]
impl embedded_io_async::Read for Uart {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, super::BusError> {
        Ok(self.read_async(buf).await)
    }
}

#[cfg(feature = "embedded-io")]
impl embedded_io_async::Write for Uart {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, super::BusError> {
        let n = Uart::write(self, buf);
        embedded_io_async::Write::flush(self).await?;
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), super::BusError> {
        let free_at = self.tx_free_at.get().ceil() as u64;
        uasyncio::sleep_us(free_at.saturating_sub(uasyncio::now_us())).await;
        Ok(())
    }
}

//! What can be wired to a UART: a loopback (TX to RX) and a line console.

use std::cell::RefCell;
use std::rc::Rc;

use crate::target::{Device, UartPeer};

/// TX wired to RX: every byte the board sends comes back as it arrives.
///
/// ```
/// use uasyncio_machine::devices::Loopback;
/// use uasyncio_machine::target::UartPeer;
/// assert_eq!(Loopback::new().receive(0, b'x'), Some(b'x'));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Loopback;

impl Loopback {
    /// A loopback wire.
    pub fn new() -> Loopback {
        Loopback
    }
}

impl Device for Loopback {
    fn name(&self) -> String {
        "loopback".into()
    }
}

impl UartPeer for Loopback {
    fn receive(&self, _at_us: u64, byte: u8) -> Option<u8> {
        Some(byte)
    }
}

/// A terminal on the UART: collects what the board sends, line by line, with
/// the time each line ended. What it types is sent with
/// [`Board::uart_send`](crate::Board::uart_send).
///
/// ```
/// use uasyncio_machine::devices::Console;
/// use uasyncio_machine::target::UartPeer;
/// let console = Console::new();
/// for &b in b"ok\r\nnext" {
///     console.receive(1_000, b);
/// }
/// assert_eq!(console.lines(), [(1_000, "ok".to_string())]);
/// assert_eq!(console.partial(), "next");
/// ```
#[derive(Clone, Default)]
pub struct Console {
    state: Rc<RefCell<Received>>,
}

/// What a console has received: complete lines, and the line under way.
#[derive(Default)]
struct Received {
    lines: Vec<(u64, String)>,
    partial: Vec<u8>,
}

impl Console {
    /// A console with nothing received yet.
    pub fn new() -> Console {
        Console::default()
    }

    /// The complete lines received (without `\r\n`), with when each ended.
    pub fn lines(&self) -> Vec<(u64, String)> {
        self.state.borrow().lines.clone()
    }

    /// What has arrived since the last line ended.
    pub fn partial(&self) -> String {
        String::from_utf8_lossy(&self.state.borrow().partial).into_owned()
    }
}

impl Device for Console {
    fn name(&self) -> String {
        "console".into()
    }
}

impl UartPeer for Console {
    fn receive(&self, at_us: u64, byte: u8) -> Option<u8> {
        let mut state = self.state.borrow_mut();
        match byte {
            b'\n' => {
                let line = String::from_utf8_lossy(&state.partial).trim_end_matches('\r').to_string();
                state.partial.clear();
                state.lines.push((at_us, line));
            }
            _ => state.partial.push(byte),
        }
        None
    }
}

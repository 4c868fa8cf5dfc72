//! The board's buses, as MicroPython's `machine.I2C`, `machine.SPI` and
//! `machine.UART`, implementing embedded-hal 1.0 and embedded-hal-async:
//!
//! - `i2c`: [`I2c`], 7-bit addresses, a NACK for an absent device;
//! - `spi`: [`Spi`] (an `SpiBus`) and [`SpiDevice`] (the bus with a
//!   chip-select pin, one transaction at a time);
//! - `uart`: [`Uart`], `read`/`write`/`any` and embedded-io-async.
//!
//! A transfer takes the time its bits take at the bus speed, so a task doing
//! I/O yields as on hardware; each transaction is recorded in the
//! [`Trace`](crate::trace::Trace). The pins a bus is given serve it alone
//! until [`I2c::deinit`] (and friends).
//!
//! The blocking embedded-hal traits are implemented too, for drivers that
//! know no other; they cannot let the clock move, so a blocking transfer
//! happens at once for the device and the caller, and is recorded with the
//! duration it would take.

mod i2c;
mod spi;
mod uart;

use std::fmt;

pub use i2c::I2c;
pub use spi::{Spi, SpiDevice};
pub use uart::Uart;

/// Why a bus transfer failed (the error of every bus trait here).
///
/// ```
/// use uasyncio_machine::BusError;
/// let e = BusError::Nack { bus: "I2C0".into(), address: 0x42, why: "no device at this address" };
/// assert_eq!(e.to_string(), "I2C0: address 0x42 not acknowledged (no device at this address)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusError {
    /// An I2C device did not acknowledge: absent (a wrong address), or busy
    /// (an HTU21D mid-conversion NACKs a read).
    Nack {
        /// The bus, e.g. `"I2C0"`.
        bus: String,
        /// The 7-bit address.
        address: u8,
        /// Why, as the device model says.
        why: &'static str,
    },
    /// A blocking transfer was asked while a task's transfer holds the bus.
    Busy {
        /// The bus.
        bus: String,
    },
    /// An SPI transfer with no chip select low: no device listens.
    NoDeviceSelected {
        /// The bus, e.g. `"SPI1"`.
        bus: String,
    },
    /// An SPI transfer with two devices selected at once: they would both
    /// drive MISO.
    Contention {
        /// The bus.
        bus: String,
        /// The chip-select GPIOs held low.
        selected: Vec<u8>,
    },
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusError::Nack { bus, address, why } => {
                write!(f, "{bus}: address {address:#04x} not acknowledged ({why})")
            }
            BusError::Busy { bus } => write!(
                f,
                "{bus} is in the middle of another task's transfer: a blocking transfer cannot wait; \
                 use the async traits, or one task per bus"
            ),
            BusError::NoDeviceSelected { bus } => write!(
                f,
                "{bus}: transfer with no chip select low, so no device listens; drive the device's CS pin \
                 low around the transfer, or use SpiDevice, which does"
            ),
            BusError::Contention { bus, selected } => {
                write!(f, "{bus}: chip selects {selected:?} are low together: only one device may be selected")
            }
        }
    }
}

impl std::error::Error for BusError {}

impl embedded_hal::i2c::Error for BusError {
    fn kind(&self) -> embedded_hal::i2c::ErrorKind {
        use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
        match self {
            BusError::Nack { .. } => ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address),
            BusError::Busy { .. } => ErrorKind::ArbitrationLoss,
            _ => ErrorKind::Other,
        }
    }
}

impl embedded_hal::spi::Error for BusError {
    fn kind(&self) -> embedded_hal::spi::ErrorKind {
        embedded_hal::spi::ErrorKind::Other
    }
}

#[cfg(feature = "embedded-io")]
impl embedded_io_async::Error for BusError {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        embedded_io_async::ErrorKind::Other
    }
}

/// The µs that `bits` take at `hz`, rounded up.
fn bits_us(bits: u64, hz: u32) -> u64 {
    (bits * 1_000_000).div_ceil(u64::from(hz))
}

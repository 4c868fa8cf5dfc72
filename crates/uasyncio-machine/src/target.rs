//! What a simulated device on a bus answers: the device side of I2C, SPI
//! and UART, as the buses (`bus`) drive it and the devices (`devices`)
//! implement it. Nothing here knows the board: a device is told the time,
//! and on SPI the levels of the board's pins, by the bus that calls it.

/// The device did not acknowledge (I2C NACK): absent, busy converting, or
/// refusing the byte.
///
/// ```
/// use uasyncio_machine::target::Nack;
/// assert_eq!(Nack("converting").0, "converting");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nack(pub &'static str);

/// What every simulated device tells the live view and the dashboard: its
/// name, its physical quantities, and the picture it shows if it is a display.
pub trait Device {
    /// A name for the view, e.g. `"BME280"`.
    fn name(&self) -> String;

    /// The quantities the outside world sets on it, `(name, value, unit)`,
    /// e.g. `("temperature", 21.5, "°C")`.
    fn quantities(&self) -> Vec<(&'static str, f64, &'static str)> {
        Vec::new()
    }

    /// Sets quantity `index` of [`Device::quantities`] (from the live view).
    fn set_quantity(&self, _index: usize, _value: f64) {}

    /// The picture a display shows now, one `Vec<bool>` per row (lit =
    /// `true`); `None` for a device that is not a display.
    fn picture(&self) -> Option<Vec<Vec<bool>>> {
        None
    }
}

/// A device on an I2C bus at a 7-bit address.
///
/// The bus calls [`write`](I2cTarget::write) and [`read`](I2cTarget::read)
/// for each part of a transaction at the time it ends, then
/// [`stop`](I2cTarget::stop).
pub trait I2cTarget: Device {
    /// The controller wrote `bytes` after the address.
    fn write(&self, now_us: u64, bytes: &[u8]) -> Result<(), Nack>;

    /// The controller reads `buf.len()` bytes.
    fn read(&self, now_us: u64, buf: &mut [u8]) -> Result<(), Nack>;

    /// How long the device holds SCL low before a read that starts at
    /// `at_us` (clock stretching); 0 by default.
    fn read_stretch_us(&self, _at_us: u64) -> u64 {
        0
    }

    /// The transaction ended (STOP).
    fn stop(&self, _now_us: u64) {}
}

/// A device on an SPI bus, selected by a chip-select pin held low.
pub trait SpiTarget: Device {
    /// Exchanges bytes while selected: `mosi` is what the controller sends,
    /// `miso` (as long) is filled with what the device sends back (it reads
    /// `0xff` where the device leaves MISO alone). `level` tells the level of
    /// any GPIO, e.g. a display's data/command pin.
    fn exchange(&self, now_us: u64, level: &dyn Fn(u8) -> Option<bool>, mosi: &[u8], miso: &mut [u8]);

    /// Chip select went high again.
    fn deselect(&self, _now_us: u64) {}
}

/// What is wired to a UART's TX and RX lines.
pub trait UartPeer: Device {
    /// The board sent `byte`, which arrived at `at_us`; returns the bytes the
    /// peer sends back at once (a loopback returns it).
    fn receive(&self, at_us: u64, byte: u8) -> Option<u8>;
}

impl std::fmt::Debug for dyn Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

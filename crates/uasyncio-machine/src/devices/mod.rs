//! Simulated devices for the board's buses, each modelled on its datasheet's
//! register map or command set, their physical quantities set by the world
//! (a script's [`Board::at`](crate::Board::at), a test, the live view):
//!
//! | device | bus | model |
//! |---|---|---|
//! | [`Bme280`] | I2C (0x76/0x77) | Bosch BME280: id, reset, trim registers, forced and normal mode, shadowed data registers, conversion time from the oversampling |
//! | [`Htu21d`] | I2C (0x40) | TE HTU21D(F): no-hold measurements NACKed until done, CRC-8, user register, soft reset |
//! | [`Ssd1306`] | I2C (0x3C) or SPI (+ D/C pin) | Solomon SSD1306 128×64 OLED: the command set, GDDRAM and its addressing modes, the picture it shows |
//! | [`Loopback`], [`Console`] | UART | TX wired to RX; a terminal that collects lines and types some back |
//!
//! Each is a handle (cheap to clone): attach one clone to the board
//! ([`Board::attach_i2c`](crate::Board::attach_i2c) …), keep another to set
//! its quantities or look at it.

mod bme280;
mod htu21d;
mod ssd1306;
mod uart_peers;

pub use bme280::Bme280;
pub use htu21d::Htu21d;
pub use ssd1306::Ssd1306;
pub use uart_peers::{Console, Loopback};

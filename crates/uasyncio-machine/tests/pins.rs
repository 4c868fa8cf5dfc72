//! The board without its default features: pins, debounced inputs,
//! interrupts, embedded-hal, bad input. One test binary: each file is a
//! module (`cargo test -p uasyncio-machine --test pins switches::`).

#[path = "bad_input.rs"]
mod bad_input;
#[path = "board.rs"]
mod board;
#[path = "embedded_hal.rs"]
mod embedded_hal;
#[path = "inputs.rs"]
mod inputs;
#[path = "irq.rs"]
mod irq;
#[path = "switches.rs"]
mod switches;

// Shared by the modules above: the helpers and the examples they run.
mod common;

//! A simulated MicroPython `machine` board for the `uasyncio` runtime.
//!
//! [`Pin`], [`Pwm`] and [`Adc`] are shaped like MicroPython's `machine.Pin`,
//! `machine.PWM` and `machine.ADC`, so a tutorial translates line by line. A
//! [`Board`] (an ESP32 or a Raspberry Pi Pico) records every level and duty
//! change with its time on the runtime clock, and plays the outside world —
//! button presses, a potentiometer — as ordinary tasks on the same clock. The
//! record ([`trace::Trace`]) is what the timeline tests assert, what
//! [`vcd`] and [`svg`] write, and what [`view`] shows live in the terminal.
//!
//! The buses [`I2c`], [`Spi`] (with [`SpiDevice`]) and [`Uart`] are
//! MicroPython's `machine.I2C`, `machine.SPI` and `machine.UART`; simulated
//! [`devices`] wired to them (a BME280, an HTU21D, an SSD1306 OLED, a UART
//! loopback or console) answer as their datasheets say, so crates.io drivers
//! run on them unchanged, and every transaction is in the trace.
//!
//! # Two LEDs
//!
//! ```no_run
//! use uasyncio::{create_task, sleep};
//! use uasyncio_machine::{Board, Pin, cli::App};
//!
//! async fn blink(led: Pin, period: f64) {
//!     loop {
//!         led.toggle();
//!         sleep(period).await;
//!     }
//! }
//!
//! fn main() {
//!     App::new(Board::esp32()).run_forever(|| async {
//!         create_task(blink(Pin::new(14, Pin::OUT), 0.5));
//!         create_task(blink(Pin::new(12, Pin::OUT), 1.0));
//!     });
//! }
//! ```
//!
//! # Running a program
//!
//! `uasyncio::run(main())` works as `asyncio.run(main())` does: with no
//! board installed, [`Board::current`] installs an ESP32 that says so on
//! standard error and prints every pin change with its time. [`cli::App`]
//! adds the live view and the flags below. Every runner ([`cli::App::run`],
//! [`cli::App::run_forever`], [`run_virtual_for`], [`run_program`]) takes
//! what `uasyncio::run` takes — a future, `main()` — or the `async fn` or
//! closure to call for it ([`IntoMain`]). With [`Ending::MainReturns`]
//! (`App::run`) the run is over the moment `main` returns: a task due at
//! that same instant does not run, as with `uasyncio::run` and MicroPython.
//! The live view then says `program ended at …` and stays until `q`; a
//! task's panic is printed on the console as it happens
//! ([`Board::print_failures_of`]). See also `docs/porting.md`, five
//! MicroPython programs side by side with Rust.
//!
//! In a terminal this shows the board live; piped, or with `--plain`, it
//! prints each change (`   0.500 s  GPIO14 -> 0`); `--virtual --duration 10`
//! runs ten simulated seconds at once; `--vcd FILE` and `--svg FILE` write the
//! waveform (see [`cli`]). The same program in virtual time, as a test:
//!
//! ```
//! use uasyncio::{create_task, sleep};
//! use uasyncio_machine::{Board, Pin, run_virtual_for};
//!
//! async fn blink(led: Pin, period: f64) {
//!     loop {
//!         led.toggle();
//!         sleep(period).await;
//!     }
//! }
//!
//! let board = Board::esp32().install();
//! run_virtual_for(&board, 2.0, || async {
//!     create_task(blink(Pin::new(14, Pin::OUT), 0.5));
//!     create_task(blink(Pin::new(12, Pin::OUT), 1.0));
//! });
//! let trace = board.trace();
//! let ms = |gpio| trace.edges_of(gpio).iter().map(|(t, _)| t / 1000).collect::<Vec<_>>();
//! assert_eq!(ms(14), [0, 500, 1000, 1500, 2000]);
//! assert_eq!(ms(12), [0, 1000, 2000]);
//! ```
//!
//! # From a MicroPython tutorial to Rust
//!
//! | MicroPython | Rust |
//! |---|---|
//! | `from machine import Pin, PWM, ADC` | `use uasyncio_machine::{self as machine, Adc, Pin, Pwm};` |
//! | `Pin(14, Pin.OUT)` | [`Pin::new(14, Pin::OUT)`](Pin::new) |
//! | `Pin(15, Pin.IN, Pin.PULL_UP)` | [`Pin::with_pull(15, Pin::IN, Pin::PULL_UP)`](Pin::with_pull) |
//! | `Pin(14)` (as configured) | [`Pin::get(14)`](Pin::get) |
//! | `pin.value()` | [`pin.value()`](Pin::value) (a `bool`) |
//! | `pin.value(1)`, `pin.value(not pin.value())` | [`pin.set_value(1)`](Pin::set_value), `pin.set_value(!pin.value())` |
//! | `pin.on()`, `pin.off()`, `pin.toggle()` | the same |
//! | `pin.irq(handler, trigger=Pin.IRQ_FALLING)` | [`pin.irq(handler, Pin::IRQ_FALLING)`](Pin::irq) |
//! | `PWM(Pin(5), freq=5000)` | [`Pwm::new(Pin::new(5, Pin::OUT), 5000)`](Pwm::new) |
//! | `pwm.duty(512)`, `pwm.duty()` | [`pwm.set_duty(512)`](Pwm::set_duty), [`pwm.duty()`](Pwm::duty) (10 bits) |
//! | `pwm.duty_u16(x)`, `pwm.freq(f)` | [`pwm.set_duty_u16(x)`](Pwm::set_duty_u16), [`pwm.set_freq(f)`](Pwm::set_freq) |
//! | `ADC(Pin(36))` | [`Adc::new(Pin::new(36, Pin::IN))`](Adc::new) |
//! | `adc.atten(ADC.ATTN_11DB)`, `adc.width(ADC.WIDTH_10BIT)` | [`adc.atten(Adc::ATTN_11DB)`](Adc::atten), [`adc.width(Adc::WIDTH_10BIT)`](Adc::width) |
//! | `adc.read()`, `adc.read_u16()`, `adc.read_uv()` | the same |
//! | `I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)` | [`I2c::new(0, Pin::get(22), Pin::get(21), 400_000)`](I2c::new) |
//! | `i2c.scan()`, `i2c.readfrom_mem(addr, reg, n)`, `i2c.writeto(addr, buf)` | [`i2c.scan().await`](I2c::scan), [`i2c.readfrom_mem(addr, reg, n).await?`](I2c::readfrom_mem), [`i2c.writeto(addr, buf).await?`](I2c::writeto) |
//! | `SPI(1, baudrate=10000000, sck=Pin(14), mosi=Pin(13), miso=Pin(12))` | [`Spi::new(1, 10_000_000, Pin::get(14), Pin::get(13), Pin::get(12))`](Spi::new); a driver's `SpiDevice`: [`SpiDevice::new(spi, Pin::new(5, Pin::OUT))`](SpiDevice::new) |
//! | `UART(2, baudrate=115200, tx=Pin(17), rx=Pin(16))` | [`Uart::new(2, 115_200, Pin::get(17), Pin::get(16))`](Uart::new) |
//! | `uart.write(b)`, `uart.any()`, `uart.read(n)` | the same ([`Uart::write`], [`Uart::any`], [`Uart::read`]); `await` a byte: [`uart.read_async(&mut buf)`](Uart::read_async) |
//! | a sensor, a display on the bus | [`board.attach_i2c(0, 0x76, Bme280::new())`](Board::attach_i2c), [`Board::attach_spi`], [`Board::attach_uart`]; see [`devices`] |
//! | `print(x)` | [`machine::println!("{x}")`](println!) (recorded with its time) |
//! | `asyncio.create_task(f())`, `await asyncio.sleep(0.5)`, `sleep_ms(40)` | `uasyncio::create_task(f())`, `sleep(0.5).await`, `sleep_ms(40).await` |
//! | `utime.ticks_ms()`, `utime.ticks_diff(a, b)` | `uasyncio::time::ticks_ms()`, `uasyncio::time::ticks_diff(a, b)` |
//! | a `global` shared by tasks | an `Rc<Cell<_>>` handed to each task; a global `Lock`, `Event`, `Queue`: `static LOCK: uasyncio::Local<Lock> = Local::new(Lock::new);` |
//! | `asyncio.run(main())` | `uasyncio::run(main())` (no board installed: an ESP32 that prints each pin change, see [`Board::current`]), or with the live view [`cli::App::new(board).run(main())`](cli::App::run) |
//! | `loop.create_task(main()); loop.run_forever()` | [`cli::App::new(board).run_forever(main)`](cli::App::run_forever) |
//! | the board on your desk | [`Board::esp32().install()`](Board::install), [`Board::pico()`](Board::pico) |
//! | pressing the button, turning the pot | [`board.press_at(15, 1.0, 0.1)`](Board::press_at), [`board.set_pot_at(36, 2.0, 0.5)`](Board::set_pot_at); live: [`Board::press`], [`Board::set_pot`] |
//! | a real button that chatters, a rotary encoder | [`board.press_bouncing_at(15, 1.0, 0.1, 3.0)`](Board::press_bouncing_at), [`board.turn_encoder_at(33, 25, 1.0, 4, 0.002)`](Board::turn_encoder_at) |
//! | peterhinch's `Switch(pin)`, `Pushbutton(pin)`, `ESwitch`, `EButton` | [`Switch::new(pin)`](Switch::new), [`Pushbutton::new(pin)`](Pushbutton::new), [`ESwitch`], [`EButton`] |
//! | peterhinch's `Encoder(px, py, div=4)`, `AADC(adc)` | [`Encoder::with_config(x, y, EncoderConfig { div: 4, .. })`](Encoder::with_config), [`Aadc::new(adc)`](Aadc::new) |
//!
//! Mistakes panic with MicroPython's kind of message: `invalid pin: 99`,
//! `Pin(2) doesn't have ADC capabilities`, `duty must be from 0 to 1023, not
//! 1024`, `Pin(15) is an input: …`, `Pin(36) can only be an input`; a
//! switch, button or encoder on an output pin, `Pin(25) is an output (Out):
//! a switch, button or encoder reads an input, e.g. Pin::with_pull(25,
//! Pin::IN, Pin::PULL_UP)`.
//!
//! # The tutorials
//!
//! Each is an example (`examples/`), run with `cargo run -p uasyncio-machine
//! --example NAME [-- --virtual --plain]`, and a timeline test (`tests/NAME.rs`)
//! that runs the very same `main_task`:
//!
//! | example | tutorial |
//! |---|---|
//! | `two_leds` | two LEDs toggling every 0.5 s and 1 s (ESP32 GPIO 14, 12) |
//! | `brightness` | a PWM LED (GPIO 5) blinking 1 s on/off at the brightness of a pot (GPIO 36) read every 100 ms |
//! | `button_queue` | the time between button presses (Pico GPIO 15) through a queue to the blinking LED (GPIO 25) |
//! | `lecture_lab` | red every 1 s, green every 0.25 s for 10 s; then a button turns the LED off |
//! | `coroutine_basics` | a coroutine returning 42; sequential versus concurrent; a counter behind a `Lock` |
//! | `sensor_logger` | a BME280 on I2C read every second through `bme280-rs`, printed and drawn on an SSD1306 through `ssd1306` |
//! | `button_debounced` | `button_queue` with a [`Pushbutton`] on the board's chattering button: each press seen as it makes |
//! | `lecture_lab_switch` | `lecture_lab` with a [`Switch`]: the LED off the moment the contact makes |
//! | `brightness_aadc` | `brightness` with an [`Aadc`]: the duty follows the pot the moment it moves |
//!
//! # embedded-hal
//!
//! [`Pin`] implements embedded-hal 1.0 `digital::{InputPin, OutputPin,
//! StatefulOutputPin}` and embedded-hal-async 1.0 `digital::Wait`; [`Pwm`]
//! implements `pwm::SetDutyCycle`; [`Delay`] is an embedded-hal-async
//! `delay::DelayNs` on uasyncio timers. The buses: [`I2c`] implements
//! `i2c::I2c`, [`Spi`] `spi::SpiBus` and [`SpiDevice`] `spi::SpiDevice`, each
//! both blocking and async; [`Uart`] implements `embedded_io_async::{Read,
//! Write}`. A driver written against those traits runs on the simulated board
//! unchanged: `tests/drivers.rs` runs `bme280-rs` 0.4, `htu21df-sensor` 0.1
//! (through `embedded-hal-compat`) and `ssd1306` 0.10 with
//! `embedded-graphics` against the simulated [`devices`].
//!
//! # Debounced inputs
//!
//! peterhinch's `primitives` for pins, generic over embedded-hal
//! `InputPin` + `Wait` (any pin; [`Polled`] samples one without `Wait`):
//! [`Switch`], [`Pushbutton`] (press, release, long press at 1000 ms,
//! double click within 400 ms, `suppress`, debounce 50 ms), [`ESwitch`],
//! [`EButton`], the quadrature [`Encoder`], and [`Aadc`] (await the ADC
//! entering or leaving a band). Each waits for its pin to change instead of
//! polling it, acts at once, and ignores the chatter for the debounce time.
//! They are in the core (no default features needed).
//!
//! ```
//! use uasyncio_machine::{Board, Pin, Pushbutton, run_virtual_for};
//! let board = Board::pico().install();
//! board.press_bouncing_at(15, 0.1, 0.1, 3.0);
//! board.press_bouncing_at(15, 0.4, 0.1, 3.0);
//! run_virtual_for(&board, 1.0, || async {
//!     let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
//!     button.on_double(|| uasyncio_machine::println!("double at {} ms", uasyncio::time::ticks_ms()));
//!     uasyncio::sleep(1).await;
//! });
//! assert_eq!(board.trace().printed(), ["double at 400 ms"]);
//! ```
//!
//! # Features
//!
//! On by default, for the tutorial examples: `cli` ([`cli::App`], the
//! examples' command line, with the three others), `view` (the live terminal
//! view, on ratatui and crossterm), `vcd` and `svg` (the waveform writers),
//! and `embedded-io` (the UART's embedded-io-async traits). A
//! driver author who needs only the pins turns them off; the board, [`Pin`],
//! [`Pwm`], [`Adc`], [`Delay`], the buses, the devices, the trace and the
//! runners stay, on
//! embedded-hal, embedded-hal-async and the runtime alone:
//!
//! ```toml
//! uasyncio-machine = { version = "0.1", default-features = false }
//! ```

mod adc;
mod board;
mod bus;
#[cfg(feature = "cli")]
pub mod cli;
mod contacts;
#[cfg(feature = "http")]
pub mod dashboard;
mod delay;
pub mod devices;
mod inputs;
mod pin;
mod pwm;
mod run;
#[cfg(feature = "svg")]
pub mod svg;
pub mod target;
pub mod trace;
#[cfg(feature = "vcd")]
pub mod vcd;
#[cfg(feature = "view")]
pub mod view;

pub use adc::{Adc, Atten};
pub use board::{Board, BoardDesc, Echo, PinMode, Pull, format_time, plain, plain_transaction};
pub use bus::{BusError, I2c, Spi, SpiDevice, Uart};
pub use delay::Delay;
pub use inputs::{
    Aadc, AadcError, ButtonConfig, EButton, ESwitch, Encoder, EncoderConfig, InputError, Polled, Pushbutton, Switch,
};
pub use pin::{IntoLevel, Pin, PinError, Trigger, WaitForLevel};
pub use pwm::{DUTY_MAX, Pwm, PwmError};
pub use run::{Ending, IntoMain, main_kind, run_on, run_program, run_virtual_for};

/// Prints a line on the board's console ([`Board::print`]): recorded with its
/// time in the trace, and echoed to standard output.
///
/// ```
/// use uasyncio_machine::Board;
/// let board = Board::esp32().install();
/// uasyncio_machine::println!("delay {} ms", 700);
/// assert_eq!(board.trace().printed(), ["delay 700 ms"]);
/// ```
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::Board::current().print(::std::format!($($arg)*))
    };
}

/// The README's code blocks, compiled as doc tests so they stay true.
#[doc = include_str!("../../../README.md")]
#[cfg(all(doctest, feature = "cli"))]
pub struct ReadmeDoctests;

/// `docs/porting.md`'s programs, compiled as doc tests so they stay true.
#[doc = include_str!("../../../docs/porting.md")]
#[cfg(all(doctest, feature = "cli"))]
pub struct PortingDoctests;

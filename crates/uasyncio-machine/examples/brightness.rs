//! Tutorial 2: blink with brightness control (ESP32).
//!
//! An LED on PWM pin GPIO 5 (5 kHz) blinks 1 s on, 1 s off. A second task
//! reads a potentiometer on ADC pin GPIO 36 every 100 ms and maps the 12-bit
//! reading (0–4095) to a 10-bit duty (0–1023): the brightness of the on phase,
//! applied at once while the LED is on.
//!
//! The same program in MicroPython, compared with this one by
//! `tests/micropython.rs`: `tests/micropython/brightness.py`.
//!
//! ```text
//! cargo run -p uasyncio-machine --example brightness              # keys move the pot
//! cargo run -p uasyncio-machine --example brightness -- --virtual --plain
//! ```

use std::cell::Cell;
use std::rc::Rc;

use uasyncio::{create_task, sleep, sleep_ms};
use uasyncio_machine::{Adc, Board, Pin, Pwm, cli::App};

/// The globals of the Python program: the brightness read from the pot, and
/// whether the blink is in its on phase.
#[derive(Default)]
pub struct Shared {
    brightness: Cell<u16>,
    led_on: Cell<bool>,
}

async fn blink_led(led: Rc<Pwm>, shared: Rc<Shared>) {
    loop {
        shared.led_on.set(true);
        led.set_duty(shared.brightness.get());
        sleep(1).await;
        shared.led_on.set(false);
        led.set_duty(0);
        sleep(1).await;
    }
}

async fn read_pot(pot: Adc, led: Rc<Pwm>, shared: Rc<Shared>) {
    loop {
        let pot_value = pot.read(); // 0–4095
        let brightness = (u32::from(pot_value) * 1023 / 4095) as u16;
        shared.brightness.set(brightness);
        if shared.led_on.get() {
            led.set_duty(brightness);
        }
        sleep_ms(100).await;
    }
}

pub async fn main_task() {
    let led = Rc::new(Pwm::new(Pin::new(5, Pin::OUT), 5000));
    let pot = Adc::new(Pin::new(36, Pin::IN));
    pot.atten(Adc::ATTN_11DB); // full range: 0–3.3 V
    let shared = Rc::new(Shared::default());
    create_task(read_pot(pot, led.clone(), shared.clone()));
    create_task(blink_led(led, shared));
}

#[allow(dead_code)]
fn main() {
    let board = Board::esp32();
    board.label(5, "led");
    board.label(36, "pot");
    App::new(board)
        .demo(|board| {
            board.set_pot_at(36, 0.0, 0.25);
            board.set_pot_at(36, 2.5, 0.5);
            board.set_pot_at(36, 4.5, 1.0);
            board.set_pot_at(36, 7.3, 0.1);
        })
        .run_forever(main_task);
}

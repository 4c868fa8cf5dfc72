//! Tutorial 2, blink with brightness control, with an asynchronous ADC
//! (ESP32).
//!
//! An LED on PWM pin GPIO 5 (5 kHz) blinks 1 s on, 1 s off, as in
//! `brightness`. Instead of reading the potentiometer (ADC pin GPIO 36)
//! every 100 ms, a task awaits an `Aadc` until the reading moves by more
//! than one step of the duty, and maps it to the brightness at once.
//!
//! ```text
//! cargo run -p uasyncio-machine --example brightness_aadc              # keys move the pot
//! cargo run -p uasyncio-machine --example brightness_aadc -- --virtual --plain
//! ```

use std::cell::Cell;
use std::rc::Rc;

use uasyncio::{create_task, sleep};
use uasyncio_machine::{Aadc, Adc, Board, Pin, Pwm, cli::App};

/// A change of the pot, on the `read_u16` scale, that moves the duty: 64 is
/// 4 counts of the 12-bit reading, about one step of the 10-bit duty.
const STEP: u16 = 64;

/// The brightness read from the pot, and whether the blink is on.
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

/// The 12-bit reading (0–4095) of a `read_u16` value, mapped to the 10-bit
/// duty (0–1023) as `brightness` maps it.
fn duty_of(value: u16) -> u16 {
    (u32::from(value >> 4) * 1023 / 4095) as u16
}

async fn follow_pot(pot: Aadc, led: Rc<Pwm>, shared: Rc<Shared>) {
    shared.brightness.set(duty_of(pot.read_u16()));
    loop {
        let brightness = duty_of(pot.change(STEP).await);
        shared.brightness.set(brightness);
        if shared.led_on.get() {
            led.set_duty(brightness);
        }
    }
}

pub async fn main_task() {
    let led = Rc::new(Pwm::new(Pin::new(5, Pin::OUT), 5000));
    let adc = Adc::new(Pin::new(36, Pin::IN));
    adc.atten(Adc::ATTN_11DB); // full range: 0–3.3 V
    let shared = Rc::new(Shared::default());
    create_task(follow_pot(Aadc::new(adc), led.clone(), shared.clone()));
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

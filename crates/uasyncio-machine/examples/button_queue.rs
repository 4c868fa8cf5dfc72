//! Tutorial 3: button and queue (Raspberry Pi Pico).
//!
//! A button on GPIO 15 (pull-up: it reads 0 while pressed) is polled every
//! 40 ms. The time between presses, in ms and capped at 2000, is printed and
//! put on a queue; the blink task toggles the on-board LED (GPIO 25), waiting
//! the latest delay taken from the queue between toggles.
//!
//! The same program in MicroPython, compared with this one by
//! `tests/micropython.rs`: `tests/micropython/button_queue.py`.
//!
//! ```text
//! cargo run -p uasyncio-machine --example button_queue            # press the button with a key
//! cargo run -p uasyncio-machine --example button_queue -- --virtual --plain
//! ```

use std::rc::Rc;

use uasyncio::time::{ticks_diff, ticks_ms}; // utime.ticks_ms, utime.ticks_diff
use uasyncio::{Queue, create_task, sleep, sleep_ms};
use uasyncio_machine::{self as machine, Board, Pin, cli::App};

/// Toggles the LED, waiting the latest delay from the queue in between.
///
/// The Python original starts with a delay of 0, which toggles the LED as
/// fast as the loop turns; here the LED waits for the first measured delay.
async fn blink(led: Pin, q: Rc<Queue<i32>>) {
    let mut delay_ms = q.get().await;
    loop {
        if !q.empty() {
            delay_ms = q.get().await;
        }
        led.toggle();
        sleep_ms(delay_ms).await;
    }
}

/// Returns on a button press: the pin read 1, then 0 (active low).
async fn wait_button(btn: &Pin) {
    let mut btn_prev = btn.value();
    while btn.value() || btn.value() == btn_prev {
        btn_prev = btn.value();
        sleep(0.04).await;
    }
}

pub async fn main_task() {
    let led = Pin::new(25, Pin::OUT);
    let btn = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    // Queue for passing messages
    let q = Rc::new(Queue::new(0));
    create_task(blink(led, q.clone()));
    let mut timestamp = ticks_ms();
    loop {
        // Calculate the time between button presses
        wait_button(&btn).await;
        let new_time = ticks_ms();
        let delay_time = ticks_diff(new_time, timestamp).min(2000);
        timestamp = new_time;
        machine::println!("{delay_time}");
        // Send the calculated time to the blink task
        q.put(delay_time).await;
    }
}

/// `asyncio.run(main())`
#[allow(dead_code)]
fn main() {
    let board = Board::pico();
    board.label(25, "led");
    board.label(15, "button");
    App::new(board)
        .demo(|board| {
            for at in [1.0, 1.72, 2.44, 3.16, 6.5, 7.3] {
                board.press_at(15, at, 0.1);
            }
        })
        .run(main_task);
}

//! Tutorial 3, done properly: the button and queue program with a debounced
//! `Pushbutton` (Raspberry Pi Pico).
//!
//! `button_queue` polls the button every 40 ms, as the tutorial does, so it
//! measures the time between presses to the poll. Here the press is waited
//! on: a `Pushbutton` on GPIO 15 (pull-up: pressed reads 0) reports each
//! press the moment the contact makes, once however it chatters. The time
//! between presses, in ms and capped at 2000, is printed and put on a queue;
//! the blink task toggles the on-board LED (GPIO 25), waiting the latest
//! delay taken from the queue between toggles.
//!
//! ```text
//! cargo run -p uasyncio-machine --example button_debounced            # press the button with a key
//! cargo run -p uasyncio-machine --example button_debounced -- --virtual --plain
//! ```

use std::rc::Rc;

use uasyncio::time::{ticks_diff, ticks_ms};
use uasyncio::{Queue, create_task, sleep_ms};
use uasyncio_machine::{self as machine, Board, Pin, Pushbutton, cli::App};

/// Toggles the LED, waiting the latest delay from the queue in between
/// (as in `button_queue`).
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

pub async fn main_task() {
    let led = Pin::new(25, Pin::OUT);
    let button = Pushbutton::new(Pin::with_pull(15, Pin::IN, Pin::PULL_UP));
    let pressed = button.press_event();
    let q = Rc::new(Queue::new(0));
    create_task(blink(led, q.clone()));
    let mut timestamp = ticks_ms();
    loop {
        pressed.wait().await;
        pressed.clear();
        let new_time = ticks_ms();
        let delay_time = ticks_diff(new_time, timestamp).min(2000);
        timestamp = new_time;
        machine::println!("{delay_time}");
        q.put(delay_time).await;
    }
}

#[allow(dead_code)]
fn main() {
    let board = Board::pico();
    board.label(25, "led");
    board.label(15, "button");
    App::new(board)
        .demo(|board| {
            // Real contacts: each press chatters for 3 ms as it makes and breaks.
            for at in [1.0, 1.72, 2.44, 3.16, 6.5, 7.3] {
                board.press_bouncing_at(15, at, 0.1, 3.0);
            }
        })
        .run(main_task);
}

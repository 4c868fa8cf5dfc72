//! Tutorial 1: two LEDs blinking at different rates (ESP32).
//!
//! The green LED on GPIO 14 toggles every 0.5 s, the blue one on GPIO 12
//! every 1 s. `main` starts both blinkers with `create_task` and returns; the
//! loop runs forever.
//!
//! The same program in MicroPython, compared with this one by
//! `tests/micropython.rs`: `tests/micropython/two_leds.py`.
//!
//! ```text
//! cargo run -p uasyncio-machine --example two_leds
//! cargo run -p uasyncio-machine --example two_leds -- --virtual --duration 3
//! ```

use uasyncio::{create_task, sleep};
use uasyncio_machine::{Board, Pin, cli::App};

/// `green_led.value(not green_led.value())`, then `await asyncio.sleep(0.5)`.
async fn blink_green_led(green_led: Pin) {
    loop {
        green_led.set_value(!green_led.value());
        sleep(0.5).await;
    }
}

async fn blink_blue_led(blue_led: Pin) {
    loop {
        blue_led.set_value(!blue_led.value());
        sleep(1).await;
    }
}

/// Creates the tasks for blinking the two LEDs concurrently.
pub async fn main_task() {
    let green_led = Pin::new(14, Pin::OUT);
    let blue_led = Pin::new(12, Pin::OUT);
    create_task(blink_green_led(green_led));
    create_task(blink_blue_led(blue_led));
}

/// `loop = asyncio.get_event_loop(); loop.create_task(main()); loop.run_forever()`
#[allow(dead_code)]
fn main() {
    let board = Board::esp32();
    board.label(14, "green");
    board.label(12, "blue");
    App::new(board).run_forever(main_task);
}

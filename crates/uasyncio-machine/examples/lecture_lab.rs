//! Tutorial 4: the lecture lab (ESP32).
//!
//! Part 1: the red LED (GPIO 25) blinks every 1 s and the green one (GPIO 26)
//! every 0.25 s, for 10 s. Part 2, button-gated: the red LED is on until the
//! button on GPIO 27 (pull-up, polled every 20 ms) is pressed, then off.
//!
//! The same program in MicroPython, compared with this one by
//! `tests/micropython.rs`: `tests/micropython/lecture_lab.py`.
//!
//! ```text
//! cargo run -p uasyncio-machine --example lecture_lab             # press the button with a key
//! cargo run -p uasyncio-machine --example lecture_lab -- --virtual --plain
//! ```

use std::rc::Rc;

use uasyncio::{Event, create_task, sleep, sleep_ms};
use uasyncio_machine::{self as machine, Board, Pin, cli::App};

async fn blink(led: Pin, period: f64) {
    loop {
        led.toggle();
        sleep(period).await;
    }
}

/// Polls the button every 20 ms; sets `pressed` once it reads 0.
async fn watch_button(button: Pin, pressed: Rc<Event>) {
    while button.value() {
        sleep_ms(20).await;
    }
    pressed.set();
}

/// Keeps the LED on until the button is pressed.
async fn gated_led(led: Pin, pressed: Rc<Event>) {
    led.on();
    pressed.wait().await;
    led.off();
}

pub async fn main_task() {
    let red = Pin::new(25, Pin::OUT);
    let green = Pin::new(26, Pin::OUT);
    let button = Pin::with_pull(27, Pin::IN, Pin::PULL_UP);

    // Part 1: two blinkers for 10 s.
    let red_task = create_task(blink(red.clone(), 1.0));
    let green_task = create_task(blink(green, 0.25));
    sleep(10).await;
    red_task.cancel();
    green_task.cancel();
    machine::println!("part 2: press the button");

    // Part 2: the button turns the LED off.
    let pressed = Rc::new(Event::new());
    create_task(watch_button(button, pressed.clone()));
    gated_led(red, pressed).await;
    machine::println!("button pressed: LED off");
}

/// `asyncio.run(main())`
#[allow(dead_code)]
fn main() {
    let board = Board::esp32();
    board.label(25, "red");
    board.label(26, "green");
    board.label(27, "button");
    App::new(board).demo(|board| board.press_at(27, 12.0, 0.2)).default_duration(13.0).run(main_task);
}

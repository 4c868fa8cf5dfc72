//! Tutorial 4, the lecture lab, with a debounced `Switch` (ESP32).
//!
//! Part 1 as in `lecture_lab`: the red LED (GPIO 25) blinks every 1 s and the
//! green one (GPIO 26) every 0.25 s, for 10 s. Part 2: the red LED is on
//! until the button on GPIO 27 (pull-up) closes; instead of polling it every
//! 20 ms, a `Switch` waits on the pin and sets its close event the moment
//! the contact makes.
//!
//! ```text
//! cargo run -p uasyncio-machine --example lecture_lab_switch            # press the button with a key
//! cargo run -p uasyncio-machine --example lecture_lab_switch -- --virtual --plain
//! ```

use uasyncio::{create_task, sleep};
use uasyncio_machine::{self as machine, Board, Pin, Switch, cli::App};

async fn blink(led: Pin, period: f64) {
    loop {
        led.toggle();
        sleep(period).await;
    }
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

    // Part 2: the switch turns the LED off.
    let switch = Switch::new(button);
    let closed = switch.close_event();
    red.on();
    closed.wait().await;
    red.off();
    machine::println!("button pressed: LED off");
}

#[allow(dead_code)]
fn main() {
    let board = Board::esp32();
    board.label(25, "red");
    board.label(26, "green");
    board.label(27, "button");
    App::new(board).demo(|board| board.press_bouncing_at(27, 12.0, 0.2, 3.0)).default_duration(13.0).run(main_task);
}

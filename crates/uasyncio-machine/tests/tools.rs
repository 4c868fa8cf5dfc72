//! Everything that runs through `cli::App` or the waveform writers: the
//! tutorials' timelines, their MicroPython twins, the drivers on the buses,
//! the live view's screen, VCD and SVG, the runners. One test binary: each
//! file is a module (`cargo test -p uasyncio-machine --test tools two_leds::`).

#[path = "brightness.rs"]
mod brightness;
#[path = "brightness_aadc.rs"]
mod brightness_aadc;
#[path = "buses.rs"]
mod buses;
#[path = "button_debounced.rs"]
mod button_debounced;
#[path = "button_queue.rs"]
mod button_queue;
#[path = "coroutine_basics.rs"]
mod coroutine_basics;
#[path = "drivers.rs"]
mod drivers;
#[path = "lecture_lab.rs"]
mod lecture_lab;
#[path = "lecture_lab_switch.rs"]
mod lecture_lab_switch;
#[path = "micropython.rs"]
mod micropython;
#[path = "run_main.rs"]
mod run_main;
#[path = "sensor_logger.rs"]
mod sensor_logger;
#[path = "two_leds.rs"]
mod two_leds;
#[path = "viz_svg.rs"]
mod viz_svg;
#[path = "viz_vcd.rs"]
mod viz_vcd;
#[path = "viz_view.rs"]
mod viz_view;

// Shared by the modules above: the helpers and the examples they run.
mod common;
/// The examples, each run by its timeline test and its MicroPython twin.
#[path = "../examples"]
mod examples {
    pub mod brightness;
    pub mod brightness_aadc;
    pub mod button_debounced;
    pub mod button_queue;
    pub mod coroutine_basics;
    pub mod lecture_lab;
    pub mod lecture_lab_switch;
    pub mod sensor_logger;
    pub mod two_leds;
}

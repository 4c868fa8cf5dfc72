//! A MicroPython program run the obvious ways: `uasyncio::run(main())`
//! with no board set up shows its pins; `App::run` takes what `run` takes;
//! the run ends the moment `main` returns.

use crate::common;

use std::process::Command;

use common::edges_ms;
use uasyncio::{create_task, sleep};
use uasyncio_machine::cli::{App, Options};
use uasyncio_machine::{Board, Ending, Pin, run_program, run_virtual_for};

/// Blinks GPIO 14 every second; returns after 3 s, when a toggle is due too.
async fn main_task() {
    create_task(async {
        let led = Pin::new(14, Pin::OUT);
        loop {
            led.toggle();
            sleep(1).await;
        }
    });
    sleep(3).await;
}

const CHILD: &str = "UASYNCIO_MACHINE_TEST_CHILD";

/// Runs the test `name` of this binary again in a child process, where
/// `child` runs instead of the test, and returns the lines the child printed
/// with a time (`   0.000 s  …`) and its standard error.
fn in_child(name: &str, child: fn()) -> Option<(Vec<String>, String)> {
    if std::env::var_os(CHILD).is_some() {
        child();
        return None;
    }
    // The test's full name: its module path in this binary, then its own.
    let name = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    };
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // (libtest's `test NAME ... ` may share the first line.)
    let stdout = String::from_utf8(out.stdout).unwrap();
    let timed = stdout.lines().filter(|l| l.contains(" s  ")).map(|l| l.rsplit("... ").next().unwrap().to_string());
    Some((timed.collect(), String::from_utf8(out.stderr).unwrap()))
}

#[test]
fn uasyncio_run_with_no_board_installed_prints_each_pin_change() {
    // The program exactly as a MicroPython user writes it, on a virtual
    // clock so that the times printed are exact.
    let child = || {
        uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
        uasyncio::run(main_task());
    };
    let Some((changes, stderr)) = in_child("uasyncio_run_with_no_board_installed_prints_each_pin_change", child) else {
        return;
    };
    assert_eq!(
        changes,
        ["   0.000 s  GPIO14 -> 0", "   0.000 s  GPIO14 -> 1", "   1.000 s  GPIO14 -> 0", "   2.000 s  GPIO14 -> 1"]
    );
    assert!(
        stderr.contains("uasyncio-machine: no board installed, using an ESP32 that prints each pin change"),
        "{stderr}"
    );
}

#[test]
fn plain_output_shows_the_signals_the_svg_and_vcd_show_on_one_scale() {
    // brightness's set-up: a pot at a quarter, read through Pin(36, IN),
    // and a PWM LED made from a digital pin.
    let child = || {
        let board = Board::esp32().install();
        board.label(36, "pot");
        board.set_pot_at(36, 0.0, 0.25);
        let options = Options { virtual_time: true, plain: true, duration: Some(0.5), ..Options::default() };
        let trace = App::new(board)
            .run_with(&options, Ending::MainReturns, async {
                let _pot = uasyncio_machine::Adc::new(Pin::new(36, Pin::IN));
                let led = uasyncio_machine::Pwm::new(Pin::new(5, Pin::OUT), 5000);
                led.set_duty_u16(16384);
            })
            .unwrap();
        let names: Vec<&str> = trace.signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pot", "GPIO5"]);
    };
    let Some((lines, _)) = in_child("plain_output_shows_the_signals_the_svg_and_vcd_show_on_one_scale", child) else {
        return;
    };
    assert_eq!(
        lines,
        [
            "   0.000 s  pot -> adc 16384/65535 (0.83 V)",
            "   0.000 s  GPIO5 -> duty 0/65535 (0.0 %)",
            "   0.000 s  GPIO5 -> duty 16384/65535 (25.0 %)",
        ]
    );
}

#[test]
fn an_installed_board_echoes_only_printed_lines() {
    let board = Board::esp32().install();
    assert_eq!(board.echo(), uasyncio_machine::Echo::Lines);
}

#[test]
fn app_run_takes_a_future_an_async_fn_or_a_closure() {
    let options = Options { virtual_time: true, ..Options::default() };
    let run = |app: App| app.run_with(&options, Ending::MainReturns, main_task()).unwrap();
    let future = run(App::new(Board::esp32()));
    let async_fn = App::new(Board::esp32()).run_with(&options, Ending::MainReturns, main_task).unwrap();
    let closure = App::new(Board::esp32())
        .run_with(&options, Ending::MainReturns, || async {
            uasyncio_machine::println!("a closure");
            main_task().await;
        })
        .unwrap();
    assert_eq!(closure.printed(), ["a closure"]);
    for trace in [&future, &async_fn, &closure] {
        assert_eq!(edges_ms(trace, 14), [(0, 1), (1000, 0), (2000, 1)]);
        assert_eq!(trace.end_us, 3_000_000);
    }
}

#[test]
fn when_main_returns_the_tasks_due_at_that_instant_do_not_run() {
    // uasyncio::run_virtual, as MicroPython's asyncio.run: main's sleep(3)
    // was due first, so the run is over before the toggle due at 3 s.
    let board = Board::esp32().install();
    uasyncio::run_virtual(main_task());
    let reference = edges_ms(&board.trace(), 14);
    assert_eq!(reference, [(0, 1), (1000, 0), (2000, 1)]);

    let options = Options { virtual_time: true, duration: Some(10.0), ..Options::default() };
    let trace = App::new(Board::esp32()).run_with(&options, Ending::MainReturns, main_task).unwrap();
    assert_eq!(edges_ms(&trace, 14), reference);
    assert_eq!(trace.end_us, 3_000_000);

    let board = Board::esp32().install();
    let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    assert_eq!(run_program(&event_loop, &board, None, Ending::MainReturns, main_task), 3_000_000);
    assert_eq!(edges_ms(&board.trace(), 14), reference);
    assert_eq!(board.main_returned_us(), Some(3_000_000));
}

#[test]
fn run_forever_keeps_the_tasks_until_the_duration_and_includes_its_last_instant() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 3.0, main_task());
    assert_eq!(edges_ms(&board.trace(), 14), [(0, 1), (1000, 0), (2000, 1), (3000, 0)]);
    assert_eq!(board.main_returned_us(), None);
}

/// MicroPython's globals: `lock = Lock()`, `q = Queue()` … at module level.
mod globals {
    use uasyncio::{
        Event, Local, Lock, Message, Queue, RingbufQueue, Semaphore, ThreadSafeFlag, create_task, sleep_ms,
    };
    use uasyncio_machine::{Board, Pin, run_virtual_for};

    static LOCK: Local<Lock> = Local::new(Lock::new);
    static DONE: Local<Event> = Local::new(Event::new);
    static PRESSES: Local<Queue<u64>> = Local::new(|| Queue::new(0));
    static SLOTS: Local<Semaphore> = Local::new(|| Semaphore::new(1));
    static RING: Local<RingbufQueue<u8>> = Local::new(|| RingbufQueue::new(4));
    static LAST: Local<Message<u64>> = Local::new(Message::new);
    // Already `Sync`: a plain static.
    static IRQ: ThreadSafeFlag = ThreadSafeFlag::new();

    async fn watch() {
        loop {
            IRQ.wait().await;
            PRESSES.put(uasyncio::now_us() / 1000).await;
        }
    }

    async fn log() {
        for _ in 0..2 {
            let ms = PRESSES.get().await;
            let _guard = LOCK.acquire().await;
            let _slot = SLOTS.acquire().await;
            RING.put(1).await;
            LAST.set(ms);
            uasyncio_machine::println!("press at {ms} ms");
        }
        DONE.set();
    }

    #[test]
    fn primitives_in_statics_work_as_micropython_globals() {
        let board = Board::pico().install();
        board.press_at(15, 0.2, 0.1);
        board.press_at(15, 0.5, 0.1);
        run_virtual_for(&board, 1.0, async {
            let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
            button.irq(|_| IRQ.set(), Pin::IRQ_FALLING);
            create_task(watch());
            create_task(log());
            DONE.wait().await;
            sleep_ms(1).await;
            uasyncio_machine::println!("last {} ms, ring {}", LAST.value().unwrap(), RING.qsize());
        });
        assert_eq!(board.trace().printed(), ["press at 200 ms", "press at 500 ms", "last 500 ms, ring 2"]);
    }
}

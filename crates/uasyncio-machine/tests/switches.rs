//! peterhinch's `v3/primitives/tests/switches.py`, restated on the simulated
//! Pico: the switch or button between GPIO 15 (the script's X1) and ground,
//! GPIO 16 (X2) grounded to end the test, four LEDs on GPIO 10–13 (the
//! Pyboard's red, green, yellow and blue). The script needs a Pyboard and a
//! hand on the button, so there is no recording: the presses are scripted,
//! with chattering contacts, and the LEDs' timelines are stated here.

use crate::common;

use std::cell::Cell;
use std::rc::Rc;

use common::edges_ms;
use uasyncio::{Event, create_task, sleep_ms};
use uasyncio_machine::{Board, ButtonConfig, EButton, ESwitch, Pin, Pushbutton, Switch, run_virtual_for};

const X1: u8 = 15;
const X2: u8 = 16;
const RED: u8 = 10;
const GREEN: u8 = 11;
const YELLOW: u8 = 12;
const BLUE: u8 = 13;

fn led(gpio: u8) -> Pin {
    Pin::new(gpio, Pin::OUT)
}

/// `pulse(led, ms)`: on, `ms` later off.
fn pulse(gpio: u8, ms: u32) -> impl FnMut() + 'static {
    move || {
        create_task(async move {
            let led = led(gpio);
            led.on();
            sleep_ms(ms).await;
            led.off();
        });
    }
}

/// `toggle(led)`.
fn toggle(gpio: u8) -> impl FnMut() + 'static {
    move || led(gpio).toggle()
}

/// `evt_pulse(event, led)`: each time the event is set, a 500 ms pulse.
async fn evt_pulse(event: Rc<Event>, gpio: u8) {
    let led = led(gpio);
    loop {
        event.clear();
        event.wait().await;
        led.on();
        sleep_ms(500).await;
        led.off();
    }
}

/// `killer(obj)`: polls X2 every 50 ms; once it is grounded, `obj` is
/// dropped (`deinit`).
async fn killer<T>(obj: T) {
    let pin = Pin::with_pull(X2, Pin::IN, Pin::PULL_UP);
    while pin.value() {
        sleep_ms(50).await;
    }
    drop(obj);
}

fn board_with(gestures: &[(f64, f64)]) -> Board {
    let board = Board::pico().install();
    for &(at, hold) in gestures {
        board.press_bouncing_at(X1, at, hold, 3.0);
    }
    board.press_at(X2, 9.0, 0.2); // end the test
    board.press_bouncing_at(X1, 9.5, 0.1, 3.0); // after deinit: nothing
    board
}

/// The edges of the red, green, yellow and blue LEDs, in ms.
fn leds(board: &Board) -> [Vec<(u64, u8)>; 4] {
    let trace = board.trace();
    [RED, GREEN, YELLOW, BLUE].map(|gpio| edges_ms(&trace, gpio))
}

fn x1() -> Pin {
    Pin::with_pull(X1, Pin::IN, Pin::PULL_UP)
}

/// Two closes: 1.0–1.5 s and 3.0–5.0 s.
const SWITCH_GESTURES: [(f64, f64); 2] = [(1.0, 0.5), (3.0, 2.0)];

#[test]
fn test_sw_close_pulses_green_open_pulses_red() {
    let board = board_with(&SWITCH_GESTURES);
    run_virtual_for(&board, 10.0, || async {
        let sw = Switch::new(x1());
        sw.on_close(pulse(GREEN, 1000));
        sw.on_open(pulse(RED, 1000));
        killer(sw).await;
    });
    assert_eq!(
        leds(&board),
        [
            vec![(1500, 1), (2500, 0), (5000, 1), (6000, 0)],
            vec![(1000, 1), (2000, 0), (3000, 1), (4000, 0)],
            vec![],
            vec![]
        ]
    );
}

#[test]
fn test_swcb_close_toggles_red_open_toggles_green() {
    let board = board_with(&SWITCH_GESTURES);
    run_virtual_for(&board, 10.0, || async {
        let sw = Switch::new(x1());
        sw.on_close(toggle(RED));
        sw.on_open(toggle(GREEN));
        killer(sw).await;
    });
    assert_eq!(leds(&board), [vec![(1000, 1), (3000, 0)], vec![(1500, 1), (5000, 0)], vec![], vec![]]);
}

#[test]
fn test_sw_event_close_pulses_red_open_pulses_green() {
    let board = board_with(&SWITCH_GESTURES);
    run_virtual_for(&board, 10.0, || async {
        let sw = Switch::new(x1());
        let tasks = [create_task(evt_pulse(sw.close_event(), RED)), create_task(evt_pulse(sw.open_event(), GREEN))];
        killer(sw).await;
        for task in tasks {
            task.cancel();
        }
    });
    assert_eq!(
        leds(&board),
        [
            vec![(1000, 1), (1500, 0), (3000, 1), (3500, 0)],
            vec![(1500, 1), (2000, 0), (5000, 1), (5500, 0)],
            vec![],
            vec![]
        ]
    );
}

/// A click at 1.0 s, a double click at 3.0 and 3.3 s, a long press from
/// 5.0 s to 6.5 s.
const BUTTON_GESTURES: [(f64, f64); 4] = [(1.0, 0.1), (3.0, 0.1), (3.3, 0.1), (5.0, 1.5)];

fn test_btn(suppress: bool) -> [Vec<(u64, u8)>; 4] {
    let board = board_with(&BUTTON_GESTURES);
    run_virtual_for(&board, 10.0, move || async move {
        let config = ButtonConfig { suppress, ..ButtonConfig::default() };
        let pb = Pushbutton::with_config(x1(), config);
        pb.on_press(pulse(RED, 1000));
        pb.on_release(pulse(GREEN, 1000));
        pb.on_double(pulse(YELLOW, 1000));
        pb.on_long(pulse(BLUE, 1000));
        killer(pb).await;
    });
    leds(&board)
}

#[test]
fn test_btn_press_red_release_green_double_yellow_long_blue() {
    // Pulses of one LED that overlap (the presses at 3.0 and 3.3 s) show
    // as one: on at the first, off at the first's end.
    assert_eq!(
        test_btn(false),
        [
            vec![(1000, 1), (2000, 0), (3000, 1), (4000, 0), (5000, 1), (6000, 0)],
            vec![(1100, 1), (2100, 0), (3100, 1), (4100, 0), (6500, 1), (7500, 0)],
            vec![(3300, 1), (4300, 0)],
            vec![(6000, 1), (7000, 0)],
        ]
    );
}

#[test]
fn test_btn_suppressed_one_of_release_double_and_long_per_gesture() {
    // Only the click's release, once no second click came (1.0 + 0.4 s).
    assert_eq!(
        test_btn(true),
        [
            vec![(1000, 1), (2000, 0), (3000, 1), (4000, 0), (5000, 1), (6000, 0)],
            vec![(1400, 1), (2400, 0)],
            vec![(3300, 1), (4300, 0)],
            vec![(6000, 1), (7000, 0)],
        ]
    );
}

#[test]
fn test_btncb_callbacks_toggle_the_leds() {
    let board = board_with(&BUTTON_GESTURES);
    run_virtual_for(&board, 10.0, || async {
        let pb = Pushbutton::new(x1());
        pb.on_press(toggle(RED));
        pb.on_release(toggle(GREEN));
        pb.on_double(toggle(YELLOW));
        pb.on_long(toggle(BLUE));
        killer(pb).await;
    });
    assert_eq!(
        leds(&board),
        [
            vec![(1000, 1), (3000, 0), (3300, 1), (5000, 0)],
            vec![(1100, 1), (3100, 0), (3400, 1), (6500, 0)],
            vec![(3300, 1)],
            vec![(6000, 1)],
        ]
    );
}

#[test]
fn btn_dynamic_a_long_press_changes_the_functions() {
    let board = board_with(&[(1.0, 1.5), (4.0, 0.1)]);
    run_virtual_for(&board, 10.0, || async {
        let pb = Rc::new(Pushbutton::new(x1()));
        pb.on_press(pulse(RED, 1000));
        pb.on_release(pulse(GREEN, 1000));
        pb.on_double(pulse(YELLOW, 1000));
        let weak = Rc::downgrade(&pb);
        pb.on_long(move || {
            // setup(pb, blue, red, green, yellow, 2000)
            if let Some(pb) = weak.upgrade() {
                pb.on_press(pulse(BLUE, 2000));
                pb.on_release(pulse(RED, 2000));
                pb.on_double(pulse(GREEN, 2000));
                pb.on_long(pulse(YELLOW, 2000));
            }
        });
        killer(pb).await;
    });
    // The first press pulses red; its long press (2.0 s) changes the
    // functions, so its release (2.5 s) pulses red for 2 s, the press at
    // 4.0 s pulses blue for 2 s, and its release's red pulse (4.1 s) is
    // hidden by the one already lit.
    assert_eq!(
        leds(&board),
        [vec![(1000, 1), (2000, 0), (2500, 1), (4500, 0)], vec![], vec![], vec![(4000, 1), (6000, 0)]]
    );
}

#[test]
fn btn_event_each_event_pulses_its_led_for_500_ms() {
    let board = board_with(&BUTTON_GESTURES);
    run_virtual_for(&board, 10.0, || async {
        let pb = Pushbutton::new(x1());
        let events = [
            (pb.press_event(), RED),
            (pb.release_event(), GREEN),
            (pb.double_event(), YELLOW),
            (pb.long_event(), BLUE),
        ];
        let tasks = events.map(|(event, gpio)| create_task(evt_pulse(event, gpio)));
        killer(pb).await;
        for task in tasks {
            task.cancel();
        }
    });
    // An event set again while its pulse runs (the second press and
    // release of the double click) is cleared when the pulse ends: lost.
    assert_eq!(
        leds(&board),
        [
            vec![(1000, 1), (1500, 0), (3000, 1), (3500, 0), (5000, 1), (5500, 0)],
            vec![(1100, 1), (1600, 0), (3100, 1), (3600, 0), (6500, 1), (7000, 0)],
            vec![(3300, 1), (3800, 0)],
            vec![(6000, 1), (6500, 0)],
        ]
    );
}

// ---- event_test.py test_switches(): EButton and ESwitch, self-checking ----

/// The script's Y1 (the input) linked to Y2 (an output the test drives):
/// here the outside world drives Y1.
const Y1: u8 = 20;

/// `pulse(ms)`: the link driven to the closed level (polarity 1: 0) for `ms`.
async fn link_pulse(board: Board, ms: u32) {
    board.drive(Y1, Some(false));
    sleep_ms(ms).await;
    board.drive(Y1, Some(true));
}

/// `monitor(evt, v)`: adds `v` to the tally each time `obj`'s event is set.
fn monitor<T: 'static>(obj: &Rc<T>, event: fn(&T) -> &Event, v: u32, val: &Rc<Cell<u32>>) -> uasyncio::Task<()> {
    let (obj, val) = (obj.clone(), val.clone());
    create_task(async move {
        let event = event(&obj);
        loop {
            event.wait().await;
            event.clear();
            val.set(val.get() + v);
        }
    })
}

fn expect(v: u32, e: u32) {
    if v == e {
        uasyncio_machine::println!("Pass");
    } else {
        uasyncio_machine::println!("Fail: expected 0x{e:04x} got 0x{v:04x}");
    }
}

/// `btest(btn, verbose=False, supp)`: each event of the button counts in its
/// own 3 bits: press 0x1, release 0x8, double 0x40, long 0x200.
async fn btest(board: &Board, btn: Rc<EButton>, supp: bool) {
    let val = Rc::new(Cell::new(0));
    let events: [fn(&EButton) -> &Event; 4] = [EButton::press, EButton::release, EButton::double, EButton::long];
    let tasks: Vec<_> =
        events.into_iter().enumerate().map(|(n, event)| monitor(&btn, event, 1 << (3 * n), &val)).collect();
    sleep_ms(1000).await;
    uasyncio_machine::println!("Start short press test");
    link_pulse(board.clone(), 100).await;
    sleep_ms(1000).await;
    expect(val.get(), 0x09);

    val.set(0);
    sleep_ms(1000).await;
    uasyncio_machine::println!("Start long press test");
    link_pulse(board.clone(), 2000).await;
    sleep_ms(4000).await;
    expect(val.get(), if supp { 0x208 } else { 0x209 });

    for (title, second) in [("Start double press test", 100), ("Start double press, 2nd press long, test", 2000)] {
        val.set(0);
        sleep_ms(1000).await;
        uasyncio_machine::println!("{title}");
        link_pulse(board.clone(), 100).await;
        sleep_ms(100).await;
        link_pulse(board.clone(), second).await;
        sleep_ms(4000).await;
        expect(val.get(), if supp { 0x48 } else { 0x52 });
    }
    for task in tasks {
        task.cancel();
    }
}

#[test]
fn event_test_test_switches_every_check_passes() {
    let board = Board::pico().install();
    board.drive(Y1, Some(true)); // Pin("Y2", Pin.OUT, value=1)
    let b = board.clone();
    run_virtual_for(&board, 60.0, move || async move {
        let pin = || Pin::new(Y1, Pin::IN);
        uasyncio_machine::println!("Testing EButton.");
        uasyncio_machine::println!("Testing with suppress == False");
        let btn = Rc::new(EButton::new(pin()));
        btest(&b, btn, false).await; // the last Rc: deinit
        uasyncio_machine::println!("");
        uasyncio_machine::println!("Testing with suppress == True");
        let btn = Rc::new(EButton::try_with_config(pin(), ButtonConfig::suppressed()).unwrap());
        btest(&b, btn, true).await;
        uasyncio_machine::println!("");
        uasyncio_machine::println!("Testing ESwitch");
        let sw = Rc::new(ESwitch::try_new(pin(), true).unwrap());
        let val = Rc::new(Cell::new(0));
        let tasks = [monitor(&sw, ESwitch::open, 1, &val), monitor(&sw, ESwitch::close, 1 << 3, &val)];
        create_task(link_pulse(b.clone(), 2000));
        uasyncio_machine::println!("Switch closure");
        sleep_ms(1000).await;
        expect(val.get(), 0x08);
        sleep_ms(4000).await;
        uasyncio_machine::println!("Switch open");
        expect(val.get(), 0x09);
        for task in tasks {
            task.cancel();
        }
        uasyncio_machine::println!("All tests passed.");
    });
    let block = [
        "Start short press test",
        "Pass",
        "Start long press test",
        "Pass",
        "Start double press test",
        "Pass",
        "Start double press, 2nd press long, test",
        "Pass",
    ];
    let mut expected = vec!["Testing EButton.", "Testing with suppress == False"];
    expected.extend(block);
    expected.extend(["", "Testing with suppress == True"]);
    expected.extend(block);
    expected.extend(["", "Testing ESwitch", "Switch closure", "Pass", "Switch open", "Pass", "All tests passed."]);
    assert_eq!(board.trace().printed(), expected);
}

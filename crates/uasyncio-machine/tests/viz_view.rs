//! The live view's screen, drawn into a ratatui buffer without a terminal.

use crate::common;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;

use common::signal;
use uasyncio_machine::trace::{SignalId, SignalInfo, SignalKind, Value};
use uasyncio_machine::view::{BoardView, render};

/// Two LEDs (one lit), a PWM LED at 61 %, a potentiometer at half, a button.
fn board_state() -> Vec<(SignalInfo, Value)> {
    vec![
        (signal(0, "GPIO14", 14, SignalKind::Digital), Value::Level(true)),
        (signal(1, "GPIO12", 12, SignalKind::Digital), Value::Level(false)),
        (signal(2, "GPIO5", 5, SignalKind::Pwm), Value::Duty(40000)),
        (signal(3, "pot", 36, SignalKind::Analog), Value::Analog(32768)),
        (signal(4, "button", 15, SignalKind::Digital), Value::Level(true)),
    ]
}

fn rows(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (area.top()..area.bottom()).map(|y| (area.left()..area.right()).map(|x| buf[(x, y)].symbol()).collect()).collect()
}

#[test]
fn the_screen_shows_leds_pwm_pot_button_and_printed_lines() {
    let area = Rect::new(0, 0, 72, 12);
    let mut buf = Buffer::empty(area);
    let lines = [(1_250_000, "pressed after 1250 ms".to_string())];
    render(&board_state(), &lines, 3_250_000, area, &mut buf);
    assert_eq!(
        rows(&buf),
        [
            "┌ uasyncio board ───────────────────────────────────────── t = 3.250 s ┐",
            "│  GPIO14  GPIO 14  ● on                                               │",
            "│  GPIO12  GPIO 12  ○ off                                              │",
            "│  GPIO5   GPIO 5   ▓  61% duty  40000/65535                           │",
            "│  pot     GPIO 36  ██████████50%             32768/65535  1.65 V      │",
            "│  button  GPIO 15  [  released]  reads 1                              │",
            "└──────────────────────────────────────────────────────────────────────┘",
            "┌ printed ─────────────────────────────────────────────────────────────┐",
            "│   1.250 s  pressed after 1250 ms                                     │",
            "│                                                                      │",
            "└──────────────────────────────────────────────────────────────────────┘",
            " space press/release · enter click · ←/→ pot · ↑/↓ choose · q quit      ",
        ]
    );
}

#[test]
fn a_lit_led_is_bright_yellow_and_a_dark_one_grey() {
    let area = Rect::new(0, 0, 64, 12);
    let mut buf = Buffer::empty(area);
    render(&board_state(), &[], 0, area, &mut buf);
    let lit = &buf[(20, 1)];
    assert_eq!((lit.symbol(), lit.fg), ("●", Color::Rgb(255, 255, 0)));
    assert!(lit.modifier.contains(Modifier::BOLD));
    let dark = &buf[(20, 2)];
    assert_eq!((dark.symbol(), dark.fg), ("○", Color::DarkGray));
    // The PWM LED at 61 % glows in between: 80 + 175 * 0.61.
    let pwm = &buf[(20, 3)];
    assert_eq!((pwm.symbol(), pwm.fg), ("▓", Color::Rgb(187, 187, 0)));
}

#[test]
fn pwm_brightness_picks_the_glyph() {
    let glyph_at = |duty: u16| {
        let state = [(signal(0, "GPIO5", 5, SignalKind::Pwm), Value::Duty(duty))];
        let area = Rect::new(0, 0, 40, 6);
        let mut buf = Buffer::empty(area);
        render(&state, &[], 0, area, &mut buf);
        buf[(20, 1)].symbol().to_string()
    };
    let glyphs: Vec<String> = [0, 10_000, 20_000, 40_000, 65_535].map(glyph_at).into();
    assert_eq!(glyphs, ["○", "░", "▒", "▓", "●"]);
}

#[test]
fn the_gauge_shows_the_potentiometer_in_percent() {
    for (value, text) in [(0, "0%"), (16384, "25%"), (65535, "100%")] {
        let state = [(signal(0, "pot", 36, SignalKind::Analog), Value::Analog(value))];
        let area = Rect::new(0, 0, 70, 6);
        let mut buf = Buffer::empty(area);
        render(&state, &[], 0, area, &mut buf);
        let row = &rows(&buf)[1];
        assert!(row.contains(text) && row.contains(&format!("{value}/65535")), "{row}");
    }
}

#[test]
fn a_held_button_shows_pressed_and_the_selection_is_marked() {
    let state = board_state();
    let area = Rect::new(0, 0, 64, 12);
    let mut buf = Buffer::empty(area);
    BoardView::new(&state, &[], 0).buttons([15]).pressed([15]).selected(Some(SignalId(4))).render(area, &mut buf);
    assert_eq!(rows(&buf)[5], "│▶ button  GPIO 15  [▼ pressed ]  reads 1                      │");
}

#[test]
fn only_the_newest_printed_lines_that_fit_are_shown() {
    let lines: Vec<(u64, String)> = (1..=5).map(|i| (i * 100_000, format!("line {i}"))).collect();
    let area = Rect::new(0, 0, 40, 9); // signals box 3 rows, help 1: 3 printed rows
    let mut buf = Buffer::empty(area);
    render(&[], &lines, 0, area, &mut buf);
    assert_eq!(
        rows(&buf)[3..8],
        [
            "┌ printed ─────────────────────────────┐",
            "│   0.300 s  line 3                    │",
            "│   0.400 s  line 4                    │",
            "│   0.500 s  line 5                    │",
            "└──────────────────────────────────────┘",
        ]
    );
    assert_eq!(rows(&buf)[1], "│  no pins configured yet              │");
}

#[test]
fn an_led_named_after_a_colour_glows_in_it() {
    let state = [
        (signal(0, "green", 14, SignalKind::Digital), Value::Level(true)),
        (signal(1, "red", 5, SignalKind::Pwm), Value::Duty(32768)),
    ];
    let area = Rect::new(0, 0, 40, 6);
    let mut buf = Buffer::empty(area);
    render(&state, &[], 0, area, &mut buf);
    assert_eq!((buf[(20, 1)].symbol(), buf[(20, 1)].fg), ("●", Color::Rgb(64, 255, 64)));
    // Half duty: each channel at (80 + 175 * 0.5) / 255 of full.
    assert_eq!((buf[(20, 2)].symbol(), buf[(20, 2)].fg), ("▓", Color::Rgb(168, 42, 42)));
}

#[test]
fn a_pin_turned_into_pwm_gets_one_row_showing_the_pwm() {
    let state = [
        (signal(0, "GPIO5", 5, SignalKind::Digital), Value::Level(false)),
        (signal(1, "GPIO14", 14, SignalKind::Digital), Value::Level(false)),
        (signal(2, "GPIO5_PWM", 5, SignalKind::Pwm), Value::Duty(65535)),
    ];
    let area = Rect::new(0, 0, 50, 7);
    let mut buf = Buffer::empty(area);
    render(&state, &[], 0, area, &mut buf);
    assert_eq!(
        rows(&buf)[..4],
        [
            "┌ uasyncio board ─────────────────── t = 0.000 s ┐",
            "│  GPIO5_PWM  GPIO 5   ● 100% duty  65535/65535  │",
            "│  GPIO14     GPIO 14  ○ off                     │",
            "└────────────────────────────────────────────────┘",
        ]
    );
}

#[test]
fn the_keys_line_names_only_what_the_board_has_and_says_when_the_program_ended() {
    let two_leds = &board_state()[..2];
    let keys_line = |view: BoardView| {
        let area = Rect::new(0, 0, 72, 8);
        let mut buf = Buffer::empty(area);
        view.render(area, &mut buf);
        rows(&buf).last().unwrap().trim_end().to_string()
    };
    assert_eq!(keys_line(BoardView::new(two_leds, &[], 0)), " q quit");
    let one_button = [board_state()[4].clone()];
    assert_eq!(keys_line(BoardView::new(&one_button, &[], 0)), " space press/release · enter click · q quit");
    assert_eq!(
        keys_line(BoardView::new(two_leds, &[], 12_000_000).ended(Some(10_000_000))),
        " program ended at 10.000 s (main returned) · q quit"
    );
}

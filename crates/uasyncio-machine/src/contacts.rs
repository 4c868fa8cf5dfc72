//! Real contacts for the scripted outside world: a push button whose
//! contacts chatter when they make and break, and a rotary encoder turned
//! edge by edge.

use crate::board::Board;

/// Time between the edges of a chattering contact.
const BOUNCE_STEP_S: f64 = 0.0005;

impl Board {
    /// Scripts a press of the button on `gpio` at `at` seconds, held for
    /// `hold` seconds, with contacts that chatter for `chatter_ms` when they
    /// make and when they break: the level flips every 0.5 ms until it
    /// settles, `chatter_ms` after the first edge (so a 3 ms chatter is 7
    /// edges: make, break, make, break, make, break, make).
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_bouncing_at(15, 1.0, 0.5, 1.0);
    /// run_virtual_for(&board, 2.0, || async {
    ///     let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// });
    /// let edges: Vec<_> = board.trace().edges_of(15).iter().map(|&(t, level)| (t, u8::from(level))).collect();
    /// assert_eq!(edges, [
    ///     (1_000_000, 0), (1_000_500, 1), (1_001_000, 0),  // make, chattering for 1 ms
    ///     (1_500_000, 1), (1_500_500, 0), (1_501_000, 1),  // break, the same
    /// ]);
    /// ```
    ///
    /// Panics if `hold` is not longer than the chatter (the contact would
    /// break before it made) or `chatter_ms` is negative.
    pub fn press_bouncing_at(&self, gpio: u8, at: f64, hold: f64, chatter_ms: f64) {
        self.check_gpio(gpio);
        assert!(chatter_ms >= 0.0, "a contact's chatter must be 0 ms or more, not {chatter_ms} ms");
        assert!(
            hold * 1000.0 > chatter_ms,
            "a bouncing press must be held longer than it chatters: {hold} s held, {chatter_ms} ms of chatter"
        );
        let flips = (chatter_ms / 1000.0 / BOUNCE_STEP_S).round() as u32;
        for (start, pressed) in [(at, true), (at + hold, false)] {
            for i in 0..=flips {
                let contact = pressed == (i % 2 == 0);
                self.at(
                    start + f64::from(i) * BOUNCE_STEP_S,
                    move |b| {
                        if contact { b.press(gpio) } else { b.release(gpio) }
                    },
                );
            }
        }
    }

    /// Turns a rotary encoder on channels `a` and `b` by one edge now:
    /// clockwise (`true`: A leads B) or back. The encoder's contacts are
    /// switches to ground, pressed and released as buttons are; the edge is
    /// the one that follows the levels the two pins read.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin};
    /// let board = Board::esp32().install();
    /// let a = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    /// let b = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    /// let mut seen = vec![];
    /// for _ in 0..4 {
    ///     board.turn_encoder(33, 25, true);
    ///     seen.push((u8::from(a.value()), u8::from(b.value())));
    /// }
    /// assert_eq!(seen, [(0, 1), (0, 0), (1, 0), (1, 1)]); // one full cycle, A first
    /// ```
    pub fn turn_encoder(&self, a: u8, b: u8, clockwise: bool) {
        let level = |gpio| self.level(gpio).unwrap_or(true);
        let in_step = level(a) == level(b);
        // Clockwise, A moves to differ from B, then B follows it.
        let gpio = if in_step == clockwise { a } else { b };
        if self.is_pressed(gpio) { self.release(gpio) } else { self.press(gpio) }
    }

    /// Scripts `edges` edges of a rotary encoder on channels `a` and `b`
    /// from `at` seconds, `step` seconds apart: clockwise if `edges` is
    /// positive, back if negative (see [`Board::turn_encoder`]). An encoder
    /// with a detent per full cycle moves 4 edges per click.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.turn_encoder_at(33, 25, 0.1, 4, 0.01);
    /// run_virtual_for(&board, 1.0, || async {
    ///     let _a = Pin::with_pull(33, Pin::IN, Pin::PULL_UP);
    ///     let _b = Pin::with_pull(25, Pin::IN, Pin::PULL_UP);
    /// });
    /// let ms = |gpio| board.trace().edges_of(gpio).iter().map(|(t, _)| t / 1000).collect::<Vec<_>>();
    /// assert_eq!((ms(33), ms(25)), (vec![100, 120], vec![110, 130]));
    /// ```
    pub fn turn_encoder_at(&self, a: u8, b: u8, at: f64, edges: i32, step: f64) {
        self.check_gpio(a);
        self.check_gpio(b);
        assert_ne!(a, b, "an encoder's channels A and B must be two different pins, not both GPIO {a}");
        assert!(step > 0.0, "an encoder's edges must be some time apart, not {step} s");
        for i in 0..edges.unsigned_abs() {
            self.at(at + f64::from(i) * step, move |board| board.turn_encoder(a, b, edges > 0));
        }
    }
}

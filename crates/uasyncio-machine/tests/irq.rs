//! Pin interrupts: handlers run at the edge, on the runtime clock.

use std::cell::RefCell;
use std::rc::Rc;

use uasyncio_machine::{Board, Pin, run_virtual_for};

#[test]
fn a_handler_sees_the_edges_its_trigger_selects() {
    let board = Board::pico().install();
    board.press_at(15, 0.2, 0.1);
    board.press_at(15, 0.5, 0.1);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    run_virtual_for(&board, 1.0, move || async move {
        let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        button.irq(
            move |pin| log.borrow_mut().push((uasyncio::now_us() / 1000, pin.value())),
            Pin::IRQ_FALLING | Pin::IRQ_RISING,
        );
    });
    assert_eq!(*seen.borrow(), [(200, false), (300, true), (500, false), (600, true)]);
}

#[test]
fn a_handler_may_drive_another_pin() {
    let board = Board::pico().install();
    board.press_at(15, 0.25, 0.1);
    board.press_at(15, 0.75, 0.1);
    run_virtual_for(&board, 1.0, || async {
        let led = Pin::new(25, Pin::OUT);
        let button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        button.irq(move |_| led.toggle(), Pin::IRQ_FALLING);
    });
    assert_eq!(board.trace().edges_of(25), [(250_000, true), (750_000, false)]);
}

#[test]
fn an_output_pin_interrupts_on_its_own_writes() {
    let board = Board::esp32().install();
    let count = Rc::new(RefCell::new(0));
    let counter = count.clone();
    run_virtual_for(&board, 1.0, move || async move {
        let led = Pin::new(14, Pin::OUT);
        led.irq(move |_| *counter.borrow_mut() += 1, Pin::IRQ_RISING);
        // Three toggles a round: rising, falling, rising, then the other way.
        for _ in 0..6 {
            led.toggle();
            led.toggle();
            led.toggle();
            uasyncio::sleep_ms(10).await;
        }
    });
    assert_eq!(*count.borrow(), 9);
}

#[test]
fn the_first_configuration_is_no_edge_but_a_pull_change_is() {
    let board = Board::pico().install();
    let fired = Rc::new(RefCell::new(0));
    let counter = fired.clone();
    let button = Pin::new(15, Pin::IN); // reads 0: no edge from nothing
    button.irq(move |_| *counter.borrow_mut() += 1, Pin::IRQ_RISING);
    button.init(Pin::IN, Some(Pin::PULL_UP)); // floating 0 → pulled up: a real rising edge
    assert_eq!(*fired.borrow(), 1);
    board.press(15);
    board.release(15);
    assert_eq!(*fired.borrow(), 2);
}

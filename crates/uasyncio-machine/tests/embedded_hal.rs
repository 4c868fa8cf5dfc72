//! The board's pins through the embedded-hal 1.0 and embedded-hal-async 1.0
//! traits, as a generic driver sees them.

use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use embedded_hal::pwm::SetDutyCycle;
use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::digital::Wait;
use uasyncio_machine::{Board, Delay, Pin, Pwm, run_virtual_for};

/// A driver written against the traits only: blinks `times` times.
async fn blink<P: StatefulOutputPin, D: DelayNs>(led: &mut P, delay: &mut D, times: u32) -> Result<(), P::Error> {
    for _ in 0..times {
        led.toggle()?;
        delay.delay_ms(100).await;
    }
    Ok(())
}

/// Counts the presses of an active-low button until `count` are seen.
async fn count_presses<B: Wait + InputPin>(button: &mut B, count: u32) -> Result<u32, B::Error> {
    let mut seen = 0;
    while seen < count {
        button.wait_for_falling_edge().await?;
        seen += 1;
    }
    Ok(seen)
}

#[test]
fn an_output_driver_toggles_on_the_uasyncio_clock() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 1.0, || async {
        let mut led = Pin::new(14, Pin::OUT);
        blink(&mut led, &mut Delay, 4).await.unwrap();
        assert!(!led.is_set_high().unwrap());
        led.set_high().unwrap();
        assert!(led.is_high().unwrap());
    });
    let edges: Vec<_> = board.trace().edges_of(14);
    assert_eq!(edges, [(0, true), (100_000, false), (200_000, true), (300_000, false), (400_000, true)]);
}

#[test]
fn wait_for_edges_and_levels() {
    let board = Board::pico().install();
    board.press_at(15, 0.2, 0.1);
    board.press_at(15, 0.5, 0.1);
    board.press_at(15, 0.8, 0.1);
    run_virtual_for(&board, 1.0, || async {
        let mut button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        // Already high: returns at once.
        Wait::wait_for_high(&mut button).await.unwrap();
        assert_eq!(uasyncio::now_us(), 0);
        assert_eq!(count_presses(&mut button, 2).await.unwrap(), 2);
        assert_eq!(uasyncio::now_us(), 500_000);
        Wait::wait_for_rising_edge(&mut button).await.unwrap();
        assert_eq!(uasyncio::now_us(), 600_000);
        Wait::wait_for_any_edge(&mut button).await.unwrap();
        assert_eq!(uasyncio::now_us(), 800_000);
        Wait::wait_for_high(&mut button).await.unwrap();
        assert_eq!(uasyncio::now_us(), 900_000);
        uasyncio_machine::println!("done");
    });
    assert_eq!(board.trace().printed(), ["done"]);
}

#[test]
fn a_waiter_on_an_output_sees_another_tasks_writes() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 1.0, || async {
        let led = Pin::new(14, Pin::OUT);
        let writer = led.clone();
        uasyncio::create_task(async move {
            uasyncio::sleep_ms(300).await;
            writer.on();
        });
        led.wait_for_rising_edge().await;
        uasyncio_machine::println!("on at {} ms", uasyncio::now_us() / 1000);
    });
    assert_eq!(board.trace().printed(), ["on at 300 ms"]);
}

#[test]
fn delay_ns_rounds_up_to_whole_microseconds() {
    let board = Board::esp32().install();
    run_virtual_for(&board, 1.0, || async {
        Delay.delay_ns(1).await;
        assert_eq!(uasyncio::now_us(), 1);
        Delay.delay_us(9).await;
        assert_eq!(uasyncio::now_us(), 10);
    });
}

#[test]
fn pwm_duty_cycle_on_the_16_bit_scale() {
    Board::esp32().install();
    let mut led = Pwm::new(Pin::new(5, Pin::OUT), 5000);
    assert_eq!(led.max_duty_cycle(), 65535);
    led.set_duty_cycle_fully_on().unwrap();
    assert_eq!(led.duty(), 1023);
    led.set_duty_cycle_fraction(1, 4).unwrap();
    assert_eq!(led.duty_u16(), 16383);
    led.set_duty_cycle_fully_off().unwrap();
    assert_eq!(led.duty(), 0);
}

//! An embedded-hal-async delay on the uasyncio clock.

/// `embedded_hal_async::delay::DelayNs` on uasyncio timers: a driver written
/// for embedded-hal-async sleeps like any other task (other tasks run
/// meanwhile). Rounds up to whole µs.
///
/// ```
/// use embedded_hal_async::delay::DelayNs;
/// use uasyncio_machine::{Board, Delay, run_virtual_for};
/// let board = Board::esp32().install();
/// run_virtual_for(&board, 1.0, || async {
///     Delay.delay_ms(250).await;
///     assert_eq!(uasyncio::now_us(), 250_000);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Delay;

impl embedded_hal_async::delay::DelayNs for Delay {
    async fn delay_ns(&mut self, ns: u32) {
        uasyncio::sleep_us(ns.div_ceil(1000)).await;
    }

    async fn delay_us(&mut self, us: u32) {
        uasyncio::sleep_us(us).await;
    }

    async fn delay_ms(&mut self, ms: u32) {
        uasyncio::sleep_ms(ms).await;
    }
}

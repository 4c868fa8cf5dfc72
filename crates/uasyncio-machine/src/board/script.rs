//! Scripted stimuli: the outside world's actions at set times (a button
//! pressed at 1.0 s for 0.1 s, a potentiometer turned at 2.0 s), played by an
//! ordinary task on the runtime's clock.

use std::future::Future;
use std::rc::Rc;

use super::world::fraction_to_u16;
use super::{Board, secs_to_us};

/// One scripted action of the outside world.
#[derive(Clone)]
pub(super) enum Action {
    Press(u8),
    Release(u8),
    Drive(u8, Option<bool>),
    SetAdc(u8, u16),
    Call(Rc<dyn Fn(&Board)>),
}

impl Board {
    /// Scripts a button press: held down on `gpio` from `at` seconds (on the
    /// runtime clock) for `hold` seconds. The script is played by
    /// [`Board::play_script`], which the runners start.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::pico().install();
    /// board.press_at(15, 1.0, 0.1);
    /// run_virtual_for(&board, 2.0, || async {
    ///     let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
    /// });
    /// assert_eq!(board.trace().edges_of(15), [(1_000_000, false), (1_100_000, true)]);
    /// ```
    pub fn press_at(&self, gpio: u8, at: f64, hold: f64) {
        self.check_gpio(gpio);
        let (start, end) = (secs_to_us(at), secs_to_us(at + hold));
        let mut state = self.state.borrow_mut();
        state.script.push((start, Action::Press(gpio)));
        state.script.push((end, Action::Release(gpio)));
    }

    /// Scripts a potentiometer move on `gpio` to `fraction` (0.0–1.0) at `at`
    /// seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.set_pot_at(36, 0.5, 1.0);
    /// run_virtual_for(&board, 1.0, || async {});
    /// assert_eq!(board.adc_u16(36), 65535);
    /// ```
    pub fn set_pot_at(&self, gpio: u8, at: f64, fraction: f64) {
        self.check_gpio(gpio);
        let value = fraction_to_u16(fraction);
        let action = Action::SetAdc(gpio, value);
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Keeps, of the script so far, only where it sets the potentiometers at
    /// the start (`set_pot_at(gpio, 0.0, …)`): the live view starts from the
    /// demo's setting, then the user turns them.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn keep_starting_pots(&self) {
        self.state.borrow_mut().script.retain(|(t_us, action)| *t_us == 0 && matches!(action, Action::SetAdc(..)));
    }

    /// Scripts an outside drive of `gpio` (see [`Board::drive`]) at `at` seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, Pin, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.drive_at(4, 0.25, Some(true));
    /// run_virtual_for(&board, 1.0, || async {
    ///     Pin::new(4, Pin::IN).wait_for_high().await;
    ///     assert_eq!(uasyncio::now_us(), 250_000);
    /// });
    /// ```
    pub fn drive_at(&self, gpio: u8, at: f64, level: Option<bool>) {
        self.check_gpio(gpio);
        let action = Action::Drive(gpio, level);
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Scripts any action on the board at `at` seconds.
    ///
    /// ```
    /// use uasyncio_machine::{Board, run_virtual_for};
    /// let board = Board::esp32().install();
    /// board.at(0.5, |b| b.print("half a second"));
    /// run_virtual_for(&board, 1.0, || async {});
    /// assert_eq!(board.trace().lines, [(500_000, "half a second".to_string())]);
    /// ```
    pub fn at(&self, at: f64, action: impl Fn(&Board) + 'static) {
        let action = Action::Call(Rc::new(action));
        self.state.borrow_mut().script.push((secs_to_us(at), action));
    }

    /// Plays the scripted outside world: an ordinary task body that sleeps
    /// until each scripted time and acts. Times already past act at once.
    ///
    /// ```
    /// use uasyncio_machine::Board;
    /// let board = Board::pico().install();
    /// board.press_at(15, 0.1, 0.1);
    /// let world = board.play_script();
    /// uasyncio::run_virtual(world);
    /// assert!(!board.is_pressed(15));
    /// ```
    pub fn play_script(&self) -> impl Future<Output = ()> + 'static {
        let board = self.clone();
        let mut script = std::mem::take(&mut board.state.borrow_mut().script);
        script.sort_by_key(|(t, _)| *t);
        async move {
            for (t, action) in script {
                let now = uasyncio::now_us();
                if t > now {
                    uasyncio::sleep_us(t - now).await;
                }
                match action {
                    Action::Press(gpio) => board.press(gpio),
                    Action::Release(gpio) => board.release(gpio),
                    Action::Drive(gpio, level) => board.drive(gpio, level),
                    Action::SetAdc(gpio, value) => board.set_adc_u16(gpio, value),
                    Action::Call(f) => f(&board),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Adc, Board, Pin, run_virtual_for};

    #[test]
    fn the_live_view_keeps_only_the_demo_s_starting_pot_settings() {
        let board = Board::esp32().install();
        board.set_pot_at(36, 0.0, 0.25);
        board.set_pot_at(36, 2.5, 0.5);
        board.press_at(15, 0.0, 0.1);
        board.keep_starting_pots();
        run_virtual_for(&board, 5.0, || async {
            let _pot = Adc::new(Pin::new(36, Pin::IN));
            let _button = Pin::with_pull(15, Pin::IN, Pin::PULL_UP);
        });
        assert_eq!(board.adc_u16(36), 16384);
        assert!(!board.is_pressed(15));
    }
}

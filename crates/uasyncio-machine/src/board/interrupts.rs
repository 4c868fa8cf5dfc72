//! Edges: each pin's level changes counted for the tasks waiting on them
//! ([`Pin::wait_for_falling_edge`](crate::Pin::wait_for_falling_edge) and the
//! other waits), and the interrupt handlers they trigger
//! ([`Pin::irq`](crate::Pin::irq)).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::task::Waker;

use super::Board;

/// A pin interrupt handler ([`Pin::irq`](crate::Pin::irq)), called with the
/// board and the GPIO whose edge triggered it. It is handed the board rather
/// than holding it, so a board that keeps it holds no handle to itself.
pub(super) type IrqHandler = Rc<dyn Fn(&Board, u8)>;
/// Trigger bits of [`Pin::IRQ_FALLING`](crate::Pin::IRQ_FALLING) and
/// [`Pin::IRQ_RISING`](crate::Pin::IRQ_RISING).
pub(crate) const IRQ_FALLING: u8 = 1;
pub(crate) const IRQ_RISING: u8 = 2;

/// The edges seen on one GPIO.
#[derive(Default)]
struct EdgeWatch {
    /// The last level noted (`None` before the pin was first seen).
    level: Option<bool>,
    rising: u64,
    falling: u64,
    wakers: Vec<Waker>,
}

/// The edges of every GPIO, and the interrupt handlers.
#[derive(Default)]
pub(super) struct Interrupts {
    edges: BTreeMap<u8, EdgeWatch>,
    /// The trigger bits and the handler, by GPIO.
    handlers: BTreeMap<u8, (u8, IrqHandler)>,
    /// Handlers triggered by the last change, run once the board's state is
    /// released (see `Board::run_irqs`).
    fired: Vec<(u8, IrqHandler)>,
}

impl Interrupts {
    /// Counts an edge if `gpio`'s level differs from the last one noted
    /// (the first level noted is no edge), wakes its waiters, and queues its
    /// interrupt handler if the edge triggers it.
    pub(super) fn note_level(&mut self, gpio: u8, level: bool) {
        let watch = self.edges.entry(gpio).or_default();
        let before = watch.level.replace(level);
        if before == Some(level) {
            return;
        }
        for waker in watch.wakers.drain(..) {
            waker.wake();
        }
        if before.is_none() {
            return;
        }
        let edge = if level {
            watch.rising += 1;
            IRQ_RISING
        } else {
            watch.falling += 1;
            IRQ_FALLING
        };
        if let Some((trigger, handler)) = self.handlers.get(&gpio)
            && trigger & edge != 0
        {
            self.fired.push((gpio, handler.clone()));
        }
    }
}

impl Board {
    /// Rising and falling edges counted on `gpio` so far; registers `waker`
    /// to be woken at the next level change.
    pub(crate) fn watch_edges(&self, gpio: u8, waker: Option<&Waker>) -> (u64, u64) {
        let mut state = self.state.borrow_mut();
        let watch = state.interrupts.edges.entry(gpio).or_default();
        if let Some(waker) = waker
            && !watch.wakers.iter().any(|w| w.will_wake(waker))
        {
            watch.wakers.push(waker.clone());
        }
        (watch.rising, watch.falling)
    }

    /// Sets (or with `None` removes) the interrupt handler of `gpio`.
    pub(crate) fn set_irq(&self, gpio: u8, irq: Option<(u8, IrqHandler)>) {
        let mut state = self.state.borrow_mut();
        let handlers = &mut state.interrupts.handlers;
        match irq {
            Some(irq) => handlers.insert(gpio, irq),
            None => handlers.remove(&gpio),
        };
    }

    /// Runs the interrupt handlers the last change triggered, outside the
    /// state's borrow (a handler may use the board).
    pub(super) fn run_irqs(&self) {
        loop {
            let fired = std::mem::take(&mut self.state.borrow_mut().interrupts.fired);
            if fired.is_empty() {
                return;
            }
            for (gpio, handler) in fired {
                handler(self, gpio);
            }
        }
    }
}

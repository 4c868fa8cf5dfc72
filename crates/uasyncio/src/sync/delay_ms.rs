//! `DelayMs`: a retriggerable software timer (peterhinch's
//! `primitives.Delay_ms`).

use alloc::boxed::Box;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::time::Duration;

use super::event::{Event, EventWait};
use crate::task::TaskRef;

/// A duration [`DelayMs::try_trigger_ms`] refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayError {
    /// A negative number of milliseconds (peterhinch's silently uses the
    /// default duration instead).
    Negative(i64),
    /// More milliseconds than [`DelayMs::MAX_MS`] (about 49.7 days).
    TooLong(i64),
}

impl fmt::Display for DelayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DelayError::Negative(ms) => {
                write!(f, "DelayMs: {ms} ms is negative; give 0 or more milliseconds (trigger() for the default)")
            }
            DelayError::TooLong(ms) => {
                write!(f, "DelayMs: {ms} ms is longer than the longest delay, {} ms (about 49.7 days)", DelayMs::MAX_MS)
            }
        }
    }
}

impl core::error::Error for DelayError {}

/// A software timer that runs out `duration` ms after its last trigger
/// (peterhinch's `Delay_ms`): a watchdog, a "no activity" timeout, a long
/// press detector.
///
/// [`trigger`](Self::trigger) (re)starts it; each trigger moves the end
/// to `now + duration`, later or earlier. When it runs out it sets its
/// event ([`wait`](Self::wait) returns; [`clear`](Self::clear) resets it)
/// and then calls the callback, if any. [`stop`](Self::stop) cancels a
/// running timer and clears the event; [`running`](Self::running) says
/// whether it is counting down.
///
/// Retriggering is cheap: it writes the new end time and wakes nothing
/// unless the end moves earlier. One task (started by [`new`](Self::new),
/// ended when the `DelayMs` is dropped, Python's `deinit`) sleeps to the
/// end and checks it then. Nothing allocates per trigger or per wait.
///
/// Not for interrupts or other threads (peterhinch's `trigger` may be
/// called from a hard ISR): have the interrupt set a
/// [`ThreadSafeFlag`](crate::ThreadSafeFlag) and a task call `trigger`.
///
/// # No `cs` variant
///
/// Unlike the primitives of [`sync::cs`](crate::sync::cs), a `DelayMs` has
/// no critical-section variant and cannot be a `static`: it is not only
/// state but a task of one loop (made by [`new`](Self::new), sleeping to
/// the end), and its durations are counted on that loop's clock (a
/// virtual clock, a board's timer), which another thread or an interrupt
/// handler does not see. What they can do is signal a task of that loop,
/// which restarts the timer:
///
/// ```
/// use std::rc::Rc;
/// use uasyncio::{DelayMs, ThreadSafeFlag};
/// static FED: ThreadSafeFlag = ThreadSafeFlag::new(); // set by an interrupt or a thread
///
/// uasyncio::run_virtual(async {
///     let watchdog = Rc::new(DelayMs::new(500));
///     let w = watchdog.clone();
///     uasyncio::create_task(async move {
///         loop {
///             FED.wait().await;
///             w.trigger(); // on the loop that owns the timer
///         }
///     });
///     FED.set(); // fed at 0 ms
///     uasyncio::sleep_ms(300).await;
///     std::thread::spawn(|| FED.set()).join().unwrap(); // fed at 300 ms, from a thread
///     watchdog.wait().await;
///     assert_eq!(uasyncio::time::ticks_ms(), 800);
/// });
/// ```
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let fired_at = Rc::new(Cell::new(0));
///     let f = fired_at.clone();
///     let watchdog = uasyncio::DelayMs::with_callback(500, move || f.set(uasyncio::time::ticks_ms()));
///     for _ in 0..10 {
///         watchdog.trigger(); // fed every 100 ms: never runs out
///         uasyncio::sleep_ms(100).await;
///     }
///     assert!(watchdog.running());
///     watchdog.wait().await; // not fed any more
///     assert_eq!(uasyncio::time::ticks_ms(), 1400);
///     uasyncio::sleep(0).await;
///     assert_eq!(fired_at.get(), 1400);
/// });
/// ```
pub struct DelayMs {
    shared: Rc<Shared>,
    timer: TaskRef,
}

struct Shared {
    default_ms: u32,
    /// The end, in loop microseconds, while running.
    deadline: Cell<Option<u64>>,
    /// The end the timer task sleeps towards (None: it waits for a trigger).
    sleeping_until: Cell<Option<u64>>,
    /// Wakes the timer task when the end moves earlier than its sleep.
    kick: Event,
    expired: Event,
    callback: RefCell<Option<Box<dyn FnMut()>>>,
    /// The callback was replaced or removed (perhaps by itself, while it ran).
    callback_changed: Cell<bool>,
}

impl DelayMs {
    /// The longest delay: `u32::MAX` ms, about 49.7 days.
    pub const MAX_MS: u32 = u32::MAX;

    /// A stopped timer whose [`trigger`](Self::trigger) runs for
    /// `duration_ms` (peterhinch's default is 1000 ms).
    ///
    /// # Panics
    /// Outside a running loop: the timer's task needs one (as
    /// `create_task` does).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(1000);
    ///     assert!(!d.running());
    /// });
    /// ```
    pub fn new(duration_ms: u32) -> Self {
        let shared = Rc::new(Shared {
            default_ms: duration_ms,
            deadline: Cell::new(None),
            sleeping_until: Cell::new(None),
            kick: Event::new(),
            expired: Event::new(),
            callback: RefCell::new(None),
            callback_changed: Cell::new(false),
        });
        let timer = crate::create_task(run_timer(shared.clone())).task_ref();
        DelayMs { shared, timer }
    }

    /// A stopped timer that calls `callback` each time it runs out. To run
    /// a coroutine then (peterhinch's `Delay_ms(coro)`), call
    /// [`create_task`](crate::create_task) in the callback.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let runs = Rc::new(Cell::new(0));
    ///     let r = runs.clone();
    ///     let d = uasyncio::DelayMs::with_callback(50, move || r.set(r.get() + 1));
    ///     d.trigger();
    ///     uasyncio::sleep_ms(60).await;
    ///     assert_eq!(runs.get(), 1);
    /// });
    /// ```
    pub fn with_callback(duration_ms: u32, callback: impl FnMut() + 'static) -> Self {
        let delay = DelayMs::new(duration_ms);
        delay.set_callback(callback);
        delay
    }

    /// Replaces the callback (peterhinch's `callback(func)`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(10);
    ///     d.set_callback(|| println!("timed out"));
    /// });
    /// ```
    pub fn set_callback(&self, callback: impl FnMut() + 'static) {
        *self.shared.callback.borrow_mut() = Some(Box::new(callback));
        self.shared.callback_changed.set(true);
    }

    /// Removes the callback.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::with_callback(10, || unreachable!());
    ///     d.remove_callback();
    ///     d.trigger();
    ///     d.wait().await;
    /// });
    /// ```
    pub fn remove_callback(&self) {
        *self.shared.callback.borrow_mut() = None;
        self.shared.callback_changed.set(true);
    }

    /// The duration [`trigger`](Self::trigger) uses.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     assert_eq!(uasyncio::DelayMs::new(250).duration_ms(), 250);
    /// });
    /// ```
    pub fn duration_ms(&self) -> u32 {
        self.shared.default_ms
    }

    /// (Re)starts the timer for its default duration.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(100);
    ///     d.trigger();
    ///     d.wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 100);
    /// });
    /// ```
    pub fn trigger(&self) {
        self.trigger_ms(self.shared.default_ms);
    }

    /// (Re)starts the timer to run out `ms` milliseconds from now; 0 runs
    /// it out at the loop's next step. (peterhinch's `trigger(0)` means
    /// "the default duration": that is [`trigger`](Self::trigger) here.)
    /// A negative duration does not compile; for one computed at run time
    /// see [`try_trigger_ms`](Self::try_trigger_ms).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(1000);
    ///     d.trigger_ms(5000);
    ///     uasyncio::sleep_ms(1000).await;
    ///     d.trigger_ms(200); // shortened: runs out at 1200 ms
    ///     d.wait().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 1200);
    /// });
    /// ```
    pub fn trigger_ms(&self, ms: u32) {
        let shared = &self.shared;
        let deadline = crate::time::now_us() + u64::from(ms) * 1000;
        shared.deadline.set(Some(deadline));
        if shared.sleeping_until.get().is_none_or(|until| deadline < until) {
            shared.kick.set();
        }
    }

    /// [`trigger_ms`](Self::trigger_ms) for a duration of any integer type.
    ///
    /// # Errors
    /// A negative duration or one over [`MAX_MS`](Self::MAX_MS): the timer
    /// is left as it was.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(1000);
    ///     assert_eq!(d.try_trigger_ms(-5), Err(uasyncio::DelayError::Negative(-5)));
    ///     assert!(!d.running(), "a refused trigger changes nothing");
    ///     assert_eq!(d.try_trigger_ms(20), Ok(()));
    /// });
    /// ```
    pub fn try_trigger_ms(&self, ms: impl Into<i64>) -> Result<(), DelayError> {
        let ms = ms.into();
        let ms =
            u32::try_from(ms).map_err(|_| if ms < 0 { DelayError::Negative(ms) } else { DelayError::TooLong(ms) })?;
        self.trigger_ms(ms);
        Ok(())
    }

    /// Stops a running timer (its callback will not run) and clears its
    /// event.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::with_callback(100, || unreachable!("stopped"));
    ///     d.trigger();
    ///     uasyncio::sleep_ms(50).await;
    ///     d.stop();
    ///     uasyncio::sleep_ms(100).await;
    ///     assert!(!d.running());
    /// });
    /// ```
    pub fn stop(&self) {
        self.shared.deadline.set(None);
        self.shared.expired.clear();
    }

    /// True from a trigger until the timer runs out or is stopped
    /// (peterhinch's `running()` and `__call__`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(10);
    ///     d.trigger();
    ///     assert!(d.running());
    /// });
    /// ```
    pub fn running(&self) -> bool {
        self.shared.deadline.get().is_some()
    }

    /// Waits until the timer runs out (returns at once if it has run out
    /// and its event was not cleared since).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(30);
    ///     d.trigger();
    ///     d.wait().await;
    ///     assert!(!d.running());
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        self.shared.expired.wait()
    }

    /// True if the timer ran out and its event was not cleared since.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(0);
    ///     d.trigger();
    ///     d.wait().await;
    ///     assert!(d.is_set());
    /// });
    /// ```
    pub fn is_set(&self) -> bool {
        self.shared.expired.is_set()
    }

    /// Clears the "ran out" event.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let d = uasyncio::DelayMs::new(0);
    ///     d.trigger();
    ///     d.wait().await;
    ///     d.clear();
    ///     assert!(!d.is_set());
    /// });
    /// ```
    pub fn clear(&self) {
        self.shared.expired.clear();
    }
}

impl Drop for DelayMs {
    /// Ends the timer's task (peterhinch's `deinit`).
    fn drop(&mut self) {
        self.timer.cancel();
    }
}

impl fmt::Debug for DelayMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayMs")
            .field("duration_ms", &self.shared.default_ms)
            .field("running", &self.running())
            .field("expired", &self.is_set())
            .finish()
    }
}

/// The timer's task: sleep to the end; at the end, check that it did not
/// move (a retrigger) and run out.
async fn run_timer(shared: Rc<Shared>) {
    loop {
        let Some(deadline) = shared.deadline.get() else {
            shared.sleeping_until.set(None);
            shared.kick.wait().await;
            shared.kick.clear();
            continue;
        };
        let now = crate::time::now_us();
        if now < deadline {
            shared.sleeping_until.set(Some(deadline));
            let _ = crate::wait_for(shared.kick.wait(), Duration::from_micros(deadline - now)).await;
            shared.kick.clear();
            continue;
        }
        shared.deadline.set(None);
        shared.expired.set();
        // Taken out while it runs, so the callback may use the timer.
        let callback = shared.callback.borrow_mut().take();
        if let Some(mut callback) = callback {
            shared.callback_changed.set(false);
            callback();
            if !shared.callback_changed.get() {
                *shared.callback.borrow_mut() = Some(callback);
            }
        }
    }
}

//! Clocks and idling: the [`Platform`] trait and its host implementations.
//!
//! The lowest layer: it depends on nothing in the crate. Public as
//! `uasyncio::time::{Platform, VirtualClock, SystemClock}`.

use portable_atomic::{AtomicBool, AtomicU64, Ordering};

/// What the event loop needs from the machine it runs on: a clock, a way to
/// idle, and a way to be woken from elsewhere.
///
/// A board support package implements this once (a hardware timer for
/// `now_us`, "wait for interrupt" for `wait`, and an event/flag for
/// `notify`); the host has [`SystemClock`] (the real clock) and
/// [`VirtualClock`] (deterministic time). An OS I/O poller is another
/// implementation: its `wait` blocks in the poller with a timeout.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use uasyncio::Platform;
///
/// /// A clock that only moves when the loop idles: one tick per wait.
/// struct Stepper(AtomicU64);
///
/// impl Platform for Stepper {
///     fn now_us(&self) -> u64 {
///         self.0.load(Ordering::Relaxed)
///     }
///     fn wait(&self, deadline_us: Option<u64>) {
///         let deadline = deadline_us.expect("nothing to wait for");
///         self.0.fetch_max(deadline, Ordering::Relaxed);
///     }
///     fn notify(&self) {}
/// }
///
/// let event_loop = uasyncio::new_event_loop_with(Stepper(AtomicU64::new(0)));
/// event_loop.run_until_complete(uasyncio::sleep_ms(250));
/// assert_eq!(event_loop.time_us(), 250_000);
/// ```
pub trait Platform: Send + Sync + 'static {
    /// Monotonic time in microseconds.
    fn now_us(&self) -> u64;

    /// Idles until `deadline_us` has passed, or until [`notify`](Self::notify)
    /// has been called since the previous `wait` returned; `None` means no
    /// timer is pending (only a notification can end the wait). May return
    /// early: the loop checks again and calls `wait` once more.
    fn wait(&self, deadline_us: Option<u64>);

    /// Makes the current or next [`wait`](Self::wait) return. Called from
    /// other threads and interrupt handlers.
    fn notify(&self);

    /// The clock's tick in µs: timers due within one tick may share one
    /// idle wait. 1 (the default): every idle wait ends at the earliest
    /// deadline exactly.
    ///
    /// With a tick `t > 1`, when the loop has nothing to run it asks
    /// [`wait`](Self::wait) for the latest deadline that falls in the same
    /// tick as the earliest one (ticks end at the multiples of `t`, counting
    /// from 0 on [`now_us`](Self::now_us)): one wake-up then fires every
    /// timer due in that tick, in deadline order, equal deadlines in the
    /// order they were armed. (With more than 64 timers due in the tick the
    /// loop does not look for the latest: the wait ends at the tick's end.)
    /// A timer alone in its tick is waited for exactly. No timer ever fires
    /// before its deadline, and none is made later than the end of its
    /// tick, i.e. by less than `t` (on top of the platform's own wake-up
    /// latency). Only idle waits are affected: while tasks run, the loop
    /// fires every timer as soon as it is due, as before.
    ///
    /// [`SystemClock`] has a 1 ms tick (MicroPython's `ticks_ms`: its
    /// `sleep_ms` deadlines are whole ticks anyway), [`VirtualClock`] the
    /// default 1, so virtual timelines are exact.
    ///
    /// ```
    /// use uasyncio::Platform;
    /// assert_eq!(uasyncio::VirtualClock::new().tick_us(), 1);
    /// assert_eq!(uasyncio::SystemClock::new().tick_us(), 1_000);
    /// ```
    fn tick_us(&self) -> u64 {
        1
    }

    /// Called when every due task has only yielded (`sleep(0)`) for a whole
    /// round while a timer is pending at `deadline_us`: the loop is spinning.
    /// A real clock moves on by itself and ignores this (the default); a
    /// virtual clock jumps to the deadline, as real time would have passed.
    fn spinning_until(&self, deadline_us: u64) {
        let _ = deadline_us;
    }

    /// The OS poller sockets on this loop register with, whose
    /// [`wait`](crate::stream::IoQueue::wait) this platform's `wait` must
    /// block in. [`SystemClock`] makes one on first use; the default (and
    /// [`VirtualClock`]) has none, and opening a socket on such a loop
    /// fails with this error: real sockets need real time (the in-memory
    /// streams of [`stream::memory`](crate::stream::memory) run on virtual time).
    ///
    /// ```
    /// use uasyncio::Platform;
    /// let error = uasyncio::VirtualClock::new().io_queue().unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::Unsupported);
    /// assert!(uasyncio::SystemClock::new().io_queue().is_ok());
    /// ```
    #[cfg(feature = "std")]
    fn io_queue(&self) -> std::io::Result<&crate::io_queue::IoQueue> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this event loop's platform has no I/O poller (a VirtualClock?): real sockets need the real clock \
             (uasyncio::run, new_event_loop); on virtual time use uasyncio::stream::memory",
        ))
    }
}

/// A notification flag with a blocking wait (std) for the host platforms.
#[derive(Default)]
struct Signal {
    notified: AtomicBool,
    #[cfg(feature = "std")]
    lock: std::sync::Mutex<()>,
    #[cfg(feature = "std")]
    condvar: std::sync::Condvar,
}

impl Signal {
    fn notify(&self) {
        self.notified.store(true, Ordering::Release);
        #[cfg(feature = "std")]
        {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.condvar.notify_all();
        }
    }

    fn take(&self) -> bool {
        self.notified.swap(false, Ordering::AcqRel)
    }

    /// Blocks until notified, or for at most `timeout_us` (std only).
    #[cfg(feature = "std")]
    fn wait(&self, timeout_us: Option<u64>) {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.take() {
            return;
        }
        match timeout_us {
            None => drop(self.condvar.wait(guard)),
            Some(us) => drop(self.condvar.wait_timeout(guard, std::time::Duration::from_micros(us))),
        }
        self.take();
    }
}

/// Deterministic time for tests and simulations.
///
/// The clock starts at 0 and only moves when the loop would otherwise idle:
/// it then jumps straight to the next deadline. Ten seconds of blinking run
/// in microseconds of real time, with the same result every run.
///
/// ```
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// let elapsed = event_loop.run_until_complete(async {
///     let start = uasyncio::time::now_us();
///     uasyncio::sleep(10).await;
///     uasyncio::time::now_us() - start
/// });
/// assert_eq!(elapsed, 10_000_000);
/// ```
#[derive(Default)]
pub struct VirtualClock {
    now: AtomicU64,
    signal: Signal,
}

impl VirtualClock {
    /// A virtual clock at time 0.
    ///
    /// ```
    /// use uasyncio::Platform;
    /// assert_eq!(uasyncio::VirtualClock::new().now_us(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl Platform for VirtualClock {
    fn now_us(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }

    fn wait(&self, deadline_us: Option<u64>) {
        if self.signal.take() {
            return;
        }
        match deadline_us {
            Some(deadline) => {
                self.now.fetch_max(deadline, Ordering::AcqRel);
            }
            // Only something outside the loop can wake it: block for real.
            #[cfg(feature = "std")]
            None => self.signal.wait(None),
            #[cfg(not(feature = "std"))]
            None => panic!(
                "VirtualClock: the loop waits for an outside event, but without `std` nothing \
                 can deliver one; use the board's own Platform"
            ),
        }
    }

    fn notify(&self) {
        self.signal.notify();
    }

    fn spinning_until(&self, deadline_us: u64) {
        self.now.fetch_max(deadline_us, Ordering::AcqRel);
    }
}

/// The real monotonic clock of the host (`std::time::Instant`), in µs since
/// the clock was made. Its `wait` sleeps on a condition variable that
/// [`notify`](Platform::notify) (e.g. a `ThreadSafeFlag` set on another
/// thread) interrupts.
///
/// Its [tick](Platform::tick_us) is 1 ms: when the loop idles, timers due
/// within the same millisecond share one wake-up, at the latest of their
/// deadlines, so a timer fires up to 1 ms late (never early) when a later
/// one falls due in its millisecond (a wake-up is a system call and a
/// context switch, which cost more than the timers it serves). A timer
/// alone in its millisecond is waited for exactly.
/// [`with_tick_us`](Self::with_tick_us) picks another tick (1: every idle
/// wait ends at its deadline, for `sleep_us` deadlines that must not wait
/// for one another).
///
/// ```
/// use uasyncio::Platform;
/// let clock = uasyncio::SystemClock::new();
/// let t0 = clock.now_us();
/// clock.wait(Some(t0 + 1_000));
/// assert!(clock.now_us() >= t0 + 1_000);
/// ```
#[cfg(feature = "std")]
pub struct SystemClock {
    start: std::time::Instant,
    signal: Signal,
    /// The poller, made when the first socket is opened on the loop; from
    /// then on `wait` blocks in it and `notify` goes through it as well.
    io: std::sync::OnceLock<crate::io_queue::IoQueue>,
    tick_us: u64,
}

#[cfg(feature = "std")]
impl SystemClock {
    /// A clock reading 0 now.
    ///
    /// ```
    /// use uasyncio::Platform;
    /// assert!(uasyncio::SystemClock::new().now_us() < 1_000_000);
    /// ```
    pub fn new() -> Self {
        Self::with_tick_us(Self::TICK_US)
    }

    /// The default tick: 1 ms.
    pub const TICK_US: u64 = 1_000;

    /// A clock reading 0 now with a tick of `tick_us` µs: idle waits
    /// coalesce timers due within the same tick (see
    /// [`Platform::tick_us`]); 0 and 1 both mean no coalescing: every idle
    /// wait ends at its deadline.
    ///
    /// ```
    /// use uasyncio::{Platform, SystemClock};
    /// assert_eq!(SystemClock::with_tick_us(1).tick_us(), 1);
    /// assert_eq!(SystemClock::with_tick_us(0).tick_us(), 1);
    ///
    /// // Every idle wait of this loop ends at its deadline.
    /// let event_loop = uasyncio::new_event_loop_with(SystemClock::with_tick_us(1));
    /// event_loop.run_until_complete(uasyncio::sleep_us(200));
    /// ```
    pub fn with_tick_us(tick_us: u64) -> Self {
        SystemClock {
            start: std::time::Instant::now(),
            signal: Signal::default(),
            io: std::sync::OnceLock::new(),
            tick_us: tick_us.max(1),
        }
    }
}

#[cfg(feature = "std")]
impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl Platform for SystemClock {
    fn now_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn wait(&self, deadline_us: Option<u64>) {
        if let Some(io) = self.io.get() {
            // Pairs with the fence in `notify`: a notify that found no
            // poller yet has set the signal, and this sees it.
            portable_atomic::fence(Ordering::SeqCst);
            if self.signal.take() {
                return;
            }
            let timeout = deadline_us.map(|d| std::time::Duration::from_micros(d.saturating_sub(self.now_us())));
            io.wait(timeout);
            self.signal.take();
            return;
        }
        match deadline_us {
            None => self.signal.wait(None),
            Some(deadline) => {
                let now = self.now_us();
                if deadline > now {
                    self.signal.wait(Some(deadline - now));
                } else {
                    self.signal.take();
                }
            }
        }
    }

    fn tick_us(&self) -> u64 {
        self.tick_us
    }

    fn notify(&self) {
        self.signal.notify();
        portable_atomic::fence(Ordering::SeqCst);
        if let Some(io) = self.io.get() {
            io.notify();
        }
    }

    fn io_queue(&self) -> std::io::Result<&crate::io_queue::IoQueue> {
        if let Some(io) = self.io.get() {
            return Ok(io);
        }
        let made = crate::io_queue::IoQueue::new()?;
        // A queue made by a racing thread is dropped here (the first one stays).
        Ok(self.io.get_or_init(|| made))
    }
}

//! [`Local`]: a primitive in a `static`, owned by the first thread that uses it.

use core::cell::OnceCell;
use core::fmt;
use core::ops::Deref;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A value for a `static`, such as a [`Lock`](crate::Lock),
/// [`Event`](crate::Event) or [`Queue`](crate::Queue) that tasks share the
/// way MicroPython programs share a global: made on first use by `init`,
/// and owned by the first thread that uses it (the one running the event
/// loop). Derefs to the value: `LOCK.acquire()`, `QUEUE.get()`. (Its own
/// functions are associated ones, [`Local::is_mine(&LOCK)`](Local::is_mine),
/// so that they never hide the value's methods.)
///
/// The primitives are single-threaded (`!Sync`), so a plain `static LOCK:
/// Lock` is refused; `Local` is `Sync` because it lets only its owner
/// thread reach the value: any other thread that tries panics, saying so.
/// Nothing changes for the primitives themselves (no atomics or locking on
/// their path); the check on each access is one thread-local read and one
/// atomic load. Needs the `std` feature (it tells threads apart).
///
/// `Local` is for the common case, a global used by one loop's tasks. For a
/// `static` on `no_std` (no threads to tell apart), or one that interrupt
/// handlers or other threads also use, take the critical-section
/// primitives of [`sync::cs`](crate::sync::cs) instead: `static READY:
/// cs::Event = cs::Event::new();` is `Sync`, and its `set` (a `cs::Queue`'s
/// `put_nowait`, a `cs::Semaphore`'s `release`...) may be called from
/// anywhere, at the cost of a critical section per operation.
///
/// ```
/// use uasyncio::{Event, Local, Lock, Queue, create_task, sleep_ms};
///
/// static LOCK: Local<Lock> = Local::new(Lock::new);
/// static READY: Local<Event> = Local::new(Event::new);
/// static QUEUE: Local<Queue<u32>> = Local::new(|| Queue::new(4));
///
/// async fn producer() {
///     for i in 0..3 {
///         let _guard = LOCK.acquire().await;
///         QUEUE.put(i).await;
///         sleep_ms(10).await;
///     }
///     READY.set();
/// }
///
/// let got = uasyncio::run_virtual(async {
///     create_task(producer());
///     READY.wait().await;
///     let mut got = Vec::new();
///     while let Ok(item) = QUEUE.get_nowait() {
///         got.push(item);
///     }
///     got
/// });
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Local<T> {
    /// The owner thread's number (see `thread_number`), 0 until first use.
    owner: AtomicUsize,
    init: fn() -> T,
    value: OnceCell<T>,
}

// SAFETY: a `Local` hands out its value (`deref`) only on its owner thread,
// the first to deref it: the `owner` compare-exchange admits one
// thread for the whole life of the process, as thread numbers are never
// reused. So `value` (and `T`, which may be `!Sync` and `!Send`) is only
// ever touched by that thread, as with a `thread_local!`; the other threads
// only read `owner`, an atomic. A `Local` (not a `static`) dropped on
// another thread than its owner forgets its value rather than drop it
// there (see `Drop`): a `T` made and used on one thread is never dropped on
// another.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    /// A `Local` whose value `init` makes on first use, e.g.
    /// `Local::new(Lock::new)` or `Local::new(|| Queue::new(8))`.
    ///
    /// ```
    /// static FLAG: uasyncio::Local<uasyncio::Event> = uasyncio::Local::new(uasyncio::Event::new);
    /// assert!(!FLAG.is_set());
    /// ```
    pub const fn new(init: fn() -> T) -> Local<T> {
        Local { owner: AtomicUsize::new(0), init, value: OnceCell::new() }
    }

    /// The value, made now if this is its first use; this thread becomes
    /// its owner if it has none.
    ///
    /// # Panics
    /// On any thread but the owner.
    fn value(this: &Self) -> &T {
        let me = thread_number();
        match this.owner.compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {}
            Err(owner) if owner == me => {}
            Err(_) => panic!(
                "uasyncio::Local: this value belongs to the thread that first used it (the one running its event \
                 loop); another thread may not touch it. Across threads, use a ThreadSafeFlag or a channel"
            ),
        }
        this.value.get_or_init(this.init)
    }

    /// Whether this thread may use the value: it owns it, or nobody does yet.
    ///
    /// ```
    /// use uasyncio::{Local, Lock};
    /// static LOCK: Local<Lock> = Local::new(Lock::new);
    /// assert!(Local::is_mine(&LOCK));
    /// let _ = LOCK.locked(); // this thread owns it now
    /// assert!(std::thread::spawn(|| !Local::is_mine(&LOCK)).join().unwrap());
    /// // Another thread that touches it panics:
    /// let touched = std::thread::spawn(|| std::panic::catch_unwind(|| LOCK.locked()).is_ok());
    /// assert!(!touched.join().unwrap());
    /// ```
    pub fn is_mine(this: &Self) -> bool {
        let owner = this.owner.load(Ordering::Acquire);
        owner == 0 || owner == thread_number()
    }
}

impl<T> Drop for Local<T> {
    /// Drops the value on its owner thread; on any other thread (a `Local`
    /// on a scope's stack that a scoped thread used first) the value is
    /// leaked instead, since a `!Send` value (an `Rc` whose clones that
    /// thread still holds) must not be dropped away from its thread.
    fn drop(&mut self) {
        let owner = *self.owner.get_mut();
        let mine = owner == 0 || THREAD_NUMBER.try_with(|number| *number == owner).unwrap_or(false);
        if !mine && let Some(value) = self.value.take() {
            core::mem::forget(value);
        }
    }
}

impl<T> Deref for Local<T> {
    type Target = T;

    fn deref(&self) -> &T {
        Local::value(self)
    }
}

impl<T> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local").field("owner", &self.owner.load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

/// This thread's number: 1, 2, … in the order threads first ask; never
/// reused, unlike an address or an OS thread id.
/// The next thread number to hand out (0 is "no owner yet").
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(1);

std::thread_local! {
    static THREAD_NUMBER: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

fn thread_number() -> usize {
    THREAD_NUMBER.with(|number| *number)
}

#[cfg(test)]
mod tests {
    use core::cell::Cell;

    use super::Local;

    #[test]
    fn a_second_thread_is_refused_and_the_owner_keeps_the_value() {
        static COUNT: Local<Cell<u32>> = Local::new(|| Cell::new(7));
        COUNT.set(8);
        let refused = std::thread::spawn(|| std::panic::catch_unwind(|| COUNT.get()).is_err()).join().unwrap();
        assert!(refused);
        assert_eq!(COUNT.get(), 8);
        assert!(Local::is_mine(&COUNT));
    }

    #[test]
    fn a_local_dropped_away_from_its_owner_thread_leaks_its_value_there() {
        use core::marker::PhantomData;
        use std::sync::atomic::{AtomicBool, Ordering};
        static DROPPED: AtomicBool = AtomicBool::new(false);
        // `!Send`, as an `Rc` is, but owning no heap (Miri and LSan check leaks).
        struct Flag(PhantomData<*const ()>);
        impl Drop for Flag {
            fn drop(&mut self) {
                DROPPED.store(true, Ordering::SeqCst);
            }
        }
        let local = Local::new(|| Flag(PhantomData));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _ = &local.0;
            });
        });
        assert!(!Local::is_mine(&local));
        drop(local);
        assert!(!DROPPED.load(Ordering::SeqCst), "the value was made on the scoped thread: not dropped here");
        let owned = Local::new(|| Flag(PhantomData));
        let _ = &owned.0;
        drop(owned);
        assert!(DROPPED.load(Ordering::SeqCst), "on its owner thread the value is dropped");
    }
}

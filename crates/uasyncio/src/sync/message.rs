//! `Message`: an `Event` that carries a value and may be set from another
//! thread or an interrupt (peterhinch's `threadsafe.Message`).

use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use critical_section::Mutex;

use super::waitlist::{WaitKey, WaitList};
use crate::raw::ExternalWaiter;
use crate::raw::mutex::CriticalSectionRawMutex;

/// An event with a payload, settable from anywhere (peterhinch's `Message`).
///
/// [`set`](Self::set) stores a value and wakes every waiting task, in the
/// order they started waiting; [`wait`](Self::wait) returns the value (at
/// once while the message is set). Like an [`Event`](crate::Event) it stays
/// set until [`clear`](Self::clear): a waiter woken by `set` returns even if
/// the message is cleared before it runs, and the value stays readable with
/// [`value`](Self::value) after `clear`.
///
/// `set` may be called from another thread or an interrupt handler: the
/// state lives in a [`critical_section`] and waking goes through the loop's
/// inbox. `new` is `const`, so a message can be a `static`. A task waiting
/// for a message counts as waiting on the outside world: a loop with nothing
/// else to do idles for it (as for a [`ThreadSafeFlag`](crate::ThreadSafeFlag))
/// instead of reporting a deadlock.
///
/// ```
/// use std::sync::Arc;
/// let reading = Arc::new(uasyncio::Message::new());
/// let sensor = reading.clone();
/// let thread = std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(10));
///     sensor.set(21.5);
/// });
/// let got = uasyncio::new_event_loop().run_until_complete(async move { reading.wait().await });
/// assert_eq!(got, 21.5);
/// thread.join().unwrap();
/// ```
pub struct Message<T> {
    state: Mutex<RefCell<State<T>>>,
}

struct State<T> {
    value: Option<T>,
    is_set: bool,
    waiters: WaitList<CriticalSectionRawMutex>,
}

impl<T> Default for Message<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Message<T> {
    /// A clear message with no value.
    ///
    /// ```
    /// static READY: uasyncio::Message<u32> = uasyncio::Message::new();
    /// assert!(!READY.is_set());
    /// ```
    pub const fn new() -> Self {
        Message { state: Mutex::new(RefCell::new(State { value: None, is_set: false, waiters: WaitList::new() })) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State<T>) -> R) -> R {
        critical_section::with(|cs| f(&mut self.state.borrow_ref_mut(cs)))
    }

    /// Stores `value`, sets the message and wakes every waiter. Safe from
    /// any thread or interrupt handler. The previous value is dropped.
    ///
    /// ```
    /// let m = uasyncio::Message::new();
    /// m.set("first");
    /// m.set("second");
    /// assert_eq!(m.value(), Some("second"));
    /// ```
    pub fn set(&self, value: T) {
        let old = self.with(|state| {
            let old = state.value.replace(value);
            state.is_set = true;
            state.waiters.notify_all();
            old
        });
        // Outside the critical section: a value's destructor may take time.
        drop(old);
    }

    /// Clears the message; later `wait`s block until the next `set`. The
    /// value is kept.
    ///
    /// ```
    /// let m = uasyncio::Message::new();
    /// m.set(1);
    /// m.clear();
    /// assert!(!m.is_set());
    /// assert_eq!(m.value(), Some(1));
    /// ```
    pub fn clear(&self) {
        self.with(|state| state.is_set = false);
    }

    /// True while the message is set.
    ///
    /// ```
    /// let m = uasyncio::Message::new();
    /// m.set(());
    /// assert!(m.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.with(|state| state.is_set)
    }

    /// A copy of the last value set, if any.
    ///
    /// ```
    /// let m = uasyncio::Message::<i32>::new();
    /// assert_eq!(m.value(), None);
    /// ```
    pub fn value(&self) -> Option<T>
    where
        T: Clone,
    {
        self.with(|state| state.value.clone())
    }

    /// Waits until the message is set and returns (a copy of) its value;
    /// Python's `await message`, and each step of `async for data in
    /// message`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let m = Rc::new(uasyncio::Message::new());
    ///     let m2 = m.clone();
    ///     uasyncio::create_task(async move {
    ///         uasyncio::sleep_ms(40).await;
    ///         m2.set(7);
    ///     });
    ///     assert_eq!(m.wait().await, 7);
    ///     assert_eq!(uasyncio::time::ticks_ms(), 40);
    /// });
    /// ```
    pub fn wait(&self) -> MessageWait<'_, T>
    where
        T: Clone,
    {
        MessageWait { message: self, key: None, counted: ExternalWaiter::new() }
    }

    /// Tasks waiting now.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.with(|state| state.waiters.len())
    }
}

impl<T> fmt::Debug for Message<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (is_set, waiters) = self.with(|state| (state.is_set, state.waiters.len()));
        f.debug_struct("Message").field("is_set", &is_set).field("waiters", &waiters).finish()
    }
}

/// The future of [`Message::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct MessageWait<'a, T> {
    message: &'a Message<T>,
    key: Option<WaitKey>,
    counted: ExternalWaiter,
}

impl<T: Clone> Future for MessageWait<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        let key = &mut this.key;
        let got = this.message.with(|state| match *key {
            None if state.is_set => state.value.clone(),
            None => {
                *key = Some(state.waiters.push(cx.waker()));
                None
            }
            Some(k) if state.waiters.take_notified(k, cx.waker()) => {
                *key = None;
                state.value.clone()
            }
            Some(_) => None,
        });
        match got {
            Some(value) => {
                this.counted.uncount();
                Poll::Ready(value)
            }
            None => {
                this.counted.count_on_running_loop(super::external::RUNNING);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for MessageWait<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key {
            self.message.with(|state| state.waiters.remove(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn a_cancelled_waiter_leaves_the_wait_list() {
        crate::run_virtual(async {
            let m = std::rc::Rc::new(Message::<u8>::new());
            let waiter = {
                let m = m.clone();
                crate::create_task(async move { m.wait().await })
            };
            crate::sleep(0).await;
            assert_eq!(m.waiting(), 1);
            waiter.cancel();
            crate::sleep(0).await;
            assert_eq!(m.waiting(), 0);
            m.set(3);
        });
    }

    #[test]
    fn a_message_and_its_wait_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Message<u32>>();
        send_sync::<super::MessageWait<'static, u32>>();
    }
}

//! `RingbufQueue`: a fixed-size queue whose producer never waits: when it
//! is full the oldest item goes (peterhinch's `primitives.RingbufQueue`).

use alloc::collections::VecDeque;
use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use critical_section::Mutex;

use super::queue::QueueEmpty;
use super::waitlist::{WaitKey, WaitList};
use crate::raw::ExternalWaiter;
use crate::raw::mutex::CriticalSectionRawMutex;

/// A fixed-capacity FIFO that overwrites its oldest item when full
/// (peterhinch's `RingbufQueue`).
///
/// [`put_nowait`](Self::put_nowait) never waits and never fails: on a full
/// queue it drops the oldest item and hands it back. It may be called from
/// another thread or an interrupt handler (every operation runs in a
/// [`critical_section`]; the buffer is allocated once, by
/// [`new`](Self::new)), and wakes a task waiting in [`get`](Self::get).
/// [`put`](Self::put) is the polite producer: it waits while the queue is
/// full. Waiters are served in the order they started waiting.
///
/// Since a put may come from outside the loop, a task waiting in `get` or
/// `put` counts as waiting on the outside world (as for a
/// [`ThreadSafeFlag`](crate::ThreadSafeFlag)): a loop with nothing else to
/// do idles for it instead of reporting a deadlock. Between tasks of one
/// loop only, a [`Queue`](crate::Queue) keeps that report.
///
/// Unlike peterhinch's, whose buffer of N slots holds N-1 items, a queue
/// made with capacity N holds N items.
///
/// ```
/// use std::sync::Arc;
/// let q = Arc::new(uasyncio::RingbufQueue::new(4));
/// let producer = q.clone();
/// let thread = std::thread::spawn(move || {
///     for i in 0..6 {
///         let _ = producer.put_nowait(i); // 0 and 1 are overwritten
///     }
/// });
/// thread.join().unwrap();
/// uasyncio::new_event_loop().run_until_complete(async move {
///     let mut got = Vec::new();
///     while let Ok(item) = q.get_nowait() {
///         got.push(item);
///     }
///     assert_eq!(got, [2, 3, 4, 5]);
/// });
/// ```
pub struct RingbufQueue<T> {
    state: Mutex<RefCell<Ring<T>>>,
    capacity: usize,
}

struct Ring<T> {
    items: VecDeque<T>,
    getters: WaitList<CriticalSectionRawMutex>,
    putters: WaitList<CriticalSectionRawMutex>,
}

impl<T> RingbufQueue<T> {
    /// A queue holding at most `capacity` items; the buffer is allocated now.
    ///
    /// # Panics
    /// If `capacity` is 0: such a queue could hold nothing.
    ///
    /// ```
    /// let q: uasyncio::RingbufQueue<u8> = uasyncio::RingbufQueue::new(8);
    /// assert_eq!(q.capacity(), 8);
    /// ```
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "RingbufQueue::new(0): the capacity must be at least 1 item");
        RingbufQueue {
            state: Mutex::new(RefCell::new(Ring {
                items: VecDeque::with_capacity(capacity),
                getters: WaitList::new(),
                putters: WaitList::new(),
            })),
            capacity,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Ring<T>) -> R) -> R {
        critical_section::with(|cs| f(&mut self.state.borrow_ref_mut(cs)))
    }

    /// The most items the queue holds.
    ///
    /// ```
    /// assert_eq!(uasyncio::RingbufQueue::<()>::new(3).capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of items in the queue.
    ///
    /// ```
    /// let q = uasyncio::RingbufQueue::new(2);
    /// let _ = q.put_nowait('a');
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.with(|ring| ring.items.len())
    }

    /// True if the queue holds no item.
    ///
    /// ```
    /// assert!(uasyncio::RingbufQueue::<u8>::new(1).empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True if the queue holds `capacity` items (the next `put_nowait`
    /// overwrites).
    ///
    /// ```
    /// let q = uasyncio::RingbufQueue::new(1);
    /// let _ = q.put_nowait(1);
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.qsize() == self.capacity
    }

    /// Adds an item without waiting. On a full queue the oldest item is
    /// dropped from the queue and returned (peterhinch's raises
    /// `IndexError` after overwriting; ignore the value to accept the loss).
    /// Safe from another thread or an interrupt handler.
    ///
    /// ```
    /// let q = uasyncio::RingbufQueue::new(2);
    /// assert_eq!(q.put_nowait(1), None);
    /// assert_eq!(q.put_nowait(2), None);
    /// assert_eq!(q.put_nowait(3), Some(1), "1 was the oldest");
    /// assert_eq!(q.get_nowait(), Ok(2));
    /// ```
    pub fn put_nowait(&self, item: T) -> Option<T> {
        self.with(|ring| {
            let lost = if ring.items.len() == self.capacity { ring.items.pop_front() } else { None };
            ring.items.push_back(item);
            ring.getters.notify_one();
            lost
        })
    }

    /// Takes the oldest item without waiting, or `QueueEmpty` (peterhinch's
    /// raises `IndexError`).
    ///
    /// ```
    /// let q = uasyncio::RingbufQueue::<u8>::new(2);
    /// assert_eq!(q.get_nowait(), Err(uasyncio::QueueEmpty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        self.with(|ring| {
            let item = ring.items.pop_front().ok_or(QueueEmpty)?;
            ring.putters.notify_one();
            Ok(item)
        })
    }

    /// A copy of the oldest item, left in the queue.
    ///
    /// ```
    /// let q = uasyncio::RingbufQueue::new(2);
    /// let _ = q.put_nowait(7);
    /// assert_eq!(q.peek(), Ok(7));
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn peek(&self) -> Result<T, QueueEmpty>
    where
        T: Clone,
    {
        self.with(|ring| ring.items.front().cloned().ok_or(QueueEmpty))
    }

    /// Takes the oldest item, waiting while the queue is empty (Python's
    /// `await q.get()`, and each step of `async for item in q`).
    ///
    /// ```
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let q = Rc::new(uasyncio::RingbufQueue::new(4));
    ///     let q2 = q.clone();
    ///     uasyncio::create_task(async move {
    ///         uasyncio::sleep_ms(20).await;
    ///         let _ = q2.put_nowait("hello");
    ///     });
    ///     assert_eq!(q.get().await, "hello");
    ///     assert_eq!(uasyncio::time::ticks_ms(), 20);
    /// });
    /// ```
    pub fn get(&self) -> RingbufGet<'_, T> {
        RingbufGet { queue: self, key: None, counted: ExternalWaiter::new() }
    }

    /// Adds an item, waiting while the queue is full (so nothing is
    /// overwritten).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let q = uasyncio::RingbufQueue::new(1);
    ///     q.put(1).await;
    ///     assert!(q.full());
    /// });
    /// ```
    pub fn put(&self, item: T) -> RingbufPut<'_, T> {
        RingbufPut { queue: self, item: Some(item), key: None, counted: ExternalWaiter::new() }
    }

    /// Tasks waiting in `get` and in `put`.
    #[cfg(test)]
    fn waiting(&self) -> (usize, usize) {
        self.with(|ring| (ring.getters.len(), ring.putters.len()))
    }
}

impl<T> fmt::Debug for RingbufQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (qsize, getters, putters) = self.with(|ring| (ring.items.len(), ring.getters.len(), ring.putters.len()));
        f.debug_struct("RingbufQueue")
            .field("qsize", &qsize)
            .field("capacity", &self.capacity)
            .field("getters", &getters)
            .field("putters", &putters)
            .finish()
    }
}

/// The future of [`RingbufQueue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct RingbufGet<'a, T> {
    queue: &'a RingbufQueue<T>,
    key: Option<WaitKey>,
    counted: ExternalWaiter,
}

impl<T> Future for RingbufGet<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        let key = &mut this.key;
        let got = this.queue.with(|ring| {
            if let Some(k) = *key {
                if !ring.getters.take_notified(k, cx.waker()) {
                    return None;
                }
                *key = None;
            }
            match ring.items.pop_front() {
                Some(item) => {
                    ring.putters.notify_one();
                    Some(item)
                }
                None => {
                    *key = Some(ring.getters.push(cx.waker()));
                    None
                }
            }
        });
        match got {
            Some(item) => {
                this.counted.uncount();
                Poll::Ready(item)
            }
            None => {
                // A put from another thread or an interrupt may wake us.
                this.counted.count_on_running_loop(super::external::RUNNING);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for RingbufGet<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key {
            self.queue.with(|ring| {
                if ring.getters.remove(k) {
                    // Woken for an item we will not take: pass it on.
                    ring.getters.notify_one();
                }
            });
        }
    }
}

/// The future of [`RingbufQueue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct RingbufPut<'a, T> {
    queue: &'a RingbufQueue<T>,
    item: Option<T>,
    key: Option<WaitKey>,
    counted: ExternalWaiter,
}

impl<T> Unpin for RingbufPut<'_, T> {}

impl<T> Future for RingbufPut<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let capacity = this.queue.capacity;
        let (key, item) = (&mut this.key, &mut this.item);
        let done = this.queue.with(|ring| {
            if let Some(k) = *key {
                if !ring.putters.take_notified(k, cx.waker()) {
                    return false;
                }
                *key = None;
            }
            if ring.items.len() < capacity {
                ring.items.push_back(item.take().expect("RingbufPut polled after completion"));
                ring.getters.notify_one();
                true
            } else {
                *key = Some(ring.putters.push(cx.waker()));
                false
            }
        });
        if done {
            this.counted.uncount();
            Poll::Ready(())
        } else {
            // A get from another thread may make room.
            this.counted.count_on_running_loop(super::external::RUNNING);
            Poll::Pending
        }
    }
}

impl<T> Drop for RingbufPut<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key {
            self.queue.with(|ring| {
                if ring.putters.remove(k) {
                    ring.putters.notify_one();
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RingbufQueue;

    #[test]
    fn a_cancelled_getter_and_putter_leave_their_wait_lists() {
        let q = std::rc::Rc::new(RingbufQueue::new(1));
        crate::run_virtual({
            let q = q.clone();
            async move {
                let getter = {
                    let q = q.clone();
                    crate::create_task(async move { q.get().await })
                };
                crate::sleep(0).await;
                assert_eq!(q.waiting(), (1, 0));
                getter.cancel();
                crate::sleep(0).await;
                assert_eq!(q.waiting(), (0, 0));
                assert_eq!(q.put_nowait(1), None);
                let putter = {
                    let q = q.clone();
                    crate::create_task(async move { q.put(2).await })
                };
                crate::sleep(0).await;
                assert_eq!(q.waiting(), (0, 1));
                putter.cancel();
                crate::sleep(0).await;
                assert_eq!(q.waiting(), (0, 0));
                assert_eq!(q.get_nowait(), Ok(1));
                assert!(q.empty(), "the cancelled put added nothing");
            }
        });
    }
}

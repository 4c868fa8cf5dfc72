//! `Queue`: a FIFO between tasks, bounded or not, with `task_done`/`join`.

use alloc::collections::VecDeque;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};
use crate::raw::mutex::sealed::Waiter;
use crate::raw::mutex::{Mutex, NoopRawMutex, RawMutex};

/// [`Queue::put_nowait`] on a full queue; gives the item back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is full")
    }
}

impl<T> core::error::Error for QueueFull<T> {}

/// [`Queue::get_nowait`] on an empty queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is empty")
    }
}

impl core::error::Error for QueueEmpty {}

/// A first-in first-out queue between tasks (the community `Queue`
/// primitive, with CPython's `task_done`/`join`).
///
/// `Queue::new(0)` is unbounded; otherwise [`put`](Self::put) waits while the
/// queue is full and [`get`](Self::get) waits while it is empty.
///
/// `uasyncio::Queue<T>` is this type with [`NoopRawMutex`]: single-threaded,
/// not `Sync`. [`cs::Queue<T>`](crate::sync::cs::Queue) (with a
/// [`CriticalSectionRawMutex`](crate::sync::raw_mutex::CriticalSectionRawMutex))
/// is `Sync` for `T: Send` and its `put_nowait`, `get_nowait` and
/// `task_done` may be called from an interrupt handler or another thread;
/// a task waiting in it counts as waiting on the outside world (its loop
/// idles rather than reporting a deadlock. A `static` one is made with
/// [`const_new`](Self::const_new).
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let q = Rc::new(uasyncio::Queue::new(2));
///     let producer = {
///         let q = q.clone();
///         uasyncio::create_task(async move {
///             for i in 0..5 {
///                 q.put(i).await;
///             }
///         })
///     };
///     let mut got = Vec::new();
///     for _ in 0..5 {
///         got.push(q.get().await);
///     }
///     producer.await.unwrap();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
/// });
/// ```
pub struct Queue<T, M: RawMutex = NoopRawMutex> {
    state: Mutex<M, State<T, M>>,
}

struct State<T, M> {
    maxsize: usize,
    items: RefCell<VecDeque<T>>,
    getters: RefCell<WaitList<M>>,
    putters: RefCell<WaitList<M>>,
    unfinished: Cell<usize>,
    joiners: RefCell<WaitList<M>>,
}

impl<T, M: RawMutex> State<T, M> {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.borrow().len() >= self.maxsize
    }

    #[inline]
    fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        if self.full() {
            return Err(QueueFull(item));
        }
        self.items.borrow_mut().push_back(item);
        self.unfinished.set(self.unfinished.get() + 1);
        self.getters.borrow_mut().notify_one();
        Ok(())
    }

    #[inline]
    fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let item = self.items.borrow_mut().pop_front().ok_or(QueueEmpty)?;
        self.putters.borrow_mut().notify_one();
        Ok(item)
    }
}

impl<T, M: RawMutex> Queue<T, M> {
    /// A queue holding at most `maxsize` items; 0 means unbounded.
    ///
    /// ```
    /// let q: uasyncio::Queue<u8> = uasyncio::Queue::new(0);
    /// assert_eq!(q.maxsize(), 0);
    /// let shared: uasyncio::sync::cs::Queue<u8> = uasyncio::sync::cs::Queue::new(4);
    /// assert_eq!(shared.maxsize(), 4);
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                maxsize,
                items: RefCell::new(VecDeque::with_capacity(maxsize.min(1024))),
                getters: RefCell::new(WaitList::new()),
                putters: RefCell::new(WaitList::new()),
                unfinished: Cell::new(0),
                joiners: RefCell::new(WaitList::new()),
            }),
        }
    }

    /// Like [`new`](Self::new), but `const`, so the queue can be a
    /// `static` (a [`cs::Queue`](crate::sync::cs::Queue) fed by an
    /// interrupt handler, say): it starts with no buffer, which the first
    /// `put` allocates and which grows as needed up to `maxsize` items.
    ///
    /// ```
    /// static EVENTS: uasyncio::sync::cs::Queue<u8> = uasyncio::sync::cs::Queue::const_new(4);
    /// EVENTS.put_nowait(1).unwrap();
    /// assert_eq!(EVENTS.get_nowait(), Ok(1));
    /// ```
    pub const fn const_new(maxsize: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                maxsize,
                items: RefCell::new(VecDeque::new()),
                getters: RefCell::new(WaitList::new()),
                putters: RefCell::new(WaitList::new()),
                unfinished: Cell::new(0),
                joiners: RefCell::new(WaitList::new()),
            }),
        }
    }

    /// The bound given to [`new`](Self::new) (0 = unbounded).
    ///
    /// ```
    /// assert_eq!(uasyncio::Queue::<i32>::new(8).maxsize(), 8);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.state.lock(|s| s.maxsize)
    }

    /// Number of items in the queue.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(0);
    /// q.put_nowait('a').unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.state.lock(|s| s.items.borrow().len())
    }

    /// True if the queue holds no item.
    ///
    /// ```
    /// assert!(uasyncio::Queue::<()>::new(1).empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.state.lock(|s| s.items.borrow().is_empty())
    }

    /// True if the queue is bounded and holds `maxsize` items.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.state.lock(|s| s.full())
    }

    /// Adds an item without waiting, or gives it back in `QueueFull`. On a
    /// [`cs::Queue`](crate::sync::cs::Queue), safe from an interrupt handler
    /// or another thread.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(1);
    /// assert_eq!(q.put_nowait(1), Ok(()));
    /// assert_eq!(q.put_nowait(2), Err(uasyncio::QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        self.state.lock(|s| s.put_nowait(item))
    }

    /// Takes the first item without waiting, or `QueueEmpty`. On a
    /// [`cs::Queue`](crate::sync::cs::Queue), safe from an interrupt handler
    /// or another thread.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(0);
    /// assert_eq!(q.get_nowait(), Err(uasyncio::QueueEmpty));
    /// q.put_nowait("x").unwrap();
    /// assert_eq!(q.get_nowait(), Ok("x"));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        self.state.lock(|s| s.get_nowait())
    }

    /// Adds an item, waiting while the queue is full.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let q = uasyncio::Queue::new(0);
    ///     q.put(5).await;
    ///     assert_eq!(q.get().await, 5);
    /// });
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, M> {
        Put { queue: self, item: Some(item), key: None, counted: M::Waiter::new() }
    }

    /// Takes the first item, waiting while the queue is empty.
    ///
    /// ```
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let q = Rc::new(uasyncio::Queue::new(0));
    ///     let q2 = q.clone();
    ///     uasyncio::create_task(async move {
    ///         uasyncio::sleep_ms(50).await;
    ///         q2.put_nowait(9).unwrap();
    ///     });
    ///     assert_eq!(q.get().await, 9);
    ///     assert_eq!(uasyncio::time::ticks_ms(), 50);
    /// });
    /// ```
    pub fn get(&self) -> Get<'_, T, M> {
        Get { queue: self, key: None, counted: M::Waiter::new() }
    }

    /// Marks one item taken with `get` as processed (for [`join`](Self::join)).
    ///
    /// # Panics
    /// If called more times than items were put ("task_done() called too many times").
    ///
    /// ```
    /// let q = uasyncio::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// q.task_done();
    /// ```
    pub fn task_done(&self) {
        let n = self.state.lock(|s| {
            let n = s.unfinished.get();
            if n > 0 {
                s.unfinished.set(n - 1);
                if n == 1 {
                    s.joiners.borrow_mut().notify_all();
                }
            }
            n
        });
        // Outside the critical section of a `cs::Queue`.
        assert!(n > 0, "task_done() called too many times: more calls than items put in the queue");
    }

    /// Waits until every item put has been marked with [`task_done`](Self::task_done).
    ///
    /// ```
    /// use std::rc::Rc;
    /// uasyncio::run_virtual(async {
    ///     let q = Rc::new(uasyncio::Queue::new(0));
    ///     q.put_nowait(1).unwrap();
    ///     let worker = q.clone();
    ///     uasyncio::create_task(async move {
    ///         let _ = worker.get().await;
    ///         uasyncio::sleep_ms(30).await;
    ///         worker.task_done();
    ///     });
    ///     q.join().await;
    ///     assert_eq!(uasyncio::time::ticks_ms(), 30);
    /// });
    /// ```
    pub fn join(&self) -> Join<'_, T, M> {
        Join { queue: self, key: None, counted: M::Waiter::new() }
    }
}

impl<T, M: RawMutex> fmt::Debug for Queue<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").field("qsize", &self.qsize()).field("maxsize", &self.maxsize()).finish()
    }
}

/// Polls "try `attempt`, else wait in `list` for a notification, then retry"
/// (called under the queue's lock, so a `put_nowait` from an interrupt
/// cannot slip between the attempt and the wait), and counts the waiter on
/// the loop while it waits.
#[inline]
fn poll_waiting<R, M: RawMutex, W: Waiter>(
    list: &RefCell<WaitList<M>>,
    key: &mut Option<WaitKey>,
    counted: &mut W,
    cx: &mut Context<'_>,
    attempt: impl FnOnce() -> Option<R>,
) -> Poll<R> {
    if let Some(k) = *key {
        if !list.borrow_mut().take_notified(k, cx.waker()) {
            counted.count_on_running_loop(super::external::RUNNING);
            return Poll::Pending;
        }
        *key = None;
    }
    match attempt() {
        Some(r) => {
            counted.uncount();
            Poll::Ready(r)
        }
        None => {
            *key = Some(list.borrow_mut().push(cx.waker()));
            counted.count_on_running_loop(super::external::RUNNING);
            Poll::Pending
        }
    }
}

/// Leaves `list`; a notification we received but will not use goes on to
/// the next waiter.
fn leave<M: RawMutex>(list: &RefCell<WaitList<M>>, key: WaitKey) {
    let mut waiters = list.borrow_mut();
    if waiters.remove(key) {
        waiters.notify_one();
    }
}

/// The future of [`Queue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, M: RawMutex = NoopRawMutex> {
    queue: &'a Queue<T, M>,
    item: Option<T>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<T, M: RawMutex> Unpin for Put<'_, T, M> {}

impl<T, M: RawMutex> Future for Put<'_, T, M> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let item = &mut this.item;
        let (key, counted) = (&mut this.key, &mut this.counted);
        this.queue.state.lock(|s| {
            poll_waiting(&s.putters, key, counted, cx, || {
                let value = item.take().expect("Put polled after completion");
                match s.put_nowait(value) {
                    Ok(()) => Some(()),
                    Err(QueueFull(value)) => {
                        *item = Some(value);
                        None
                    }
                }
            })
        })
    }
}

impl<T, M: RawMutex> Drop for Put<'_, T, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.queue.state.lock(|s| leave(&s.putters, key));
        }
    }
}

/// The future of [`Queue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, M: RawMutex = NoopRawMutex> {
    queue: &'a Queue<T, M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<T, M: RawMutex> Unpin for Get<'_, T, M> {}

impl<T, M: RawMutex> Future for Get<'_, T, M> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let (key, counted) = (&mut this.key, &mut this.counted);
        this.queue.state.lock(|s| poll_waiting(&s.getters, key, counted, cx, || s.get_nowait().ok()))
    }
}

impl<T, M: RawMutex> Drop for Get<'_, T, M> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.queue.state.lock(|s| leave(&s.getters, key));
        }
    }
}

/// The future of [`Queue::join`].
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, M: RawMutex = NoopRawMutex> {
    queue: &'a Queue<T, M>,
    key: Option<WaitKey>,
    counted: M::Waiter,
}

impl<T, M: RawMutex> Unpin for Join<'_, T, M> {}

impl<T, M: RawMutex> Future for Join<'_, T, M> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let key = &mut this.key;
        let counted = &mut this.counted;
        this.queue
            .state
            .lock(|s| poll_waiting(&s.joiners, key, counted, cx, || (s.unfinished.get() == 0).then_some(())))
    }
}

impl<T, M: RawMutex> Drop for Join<'_, T, M> {
    fn drop(&mut self) {
        if let Some(k) = self.key {
            self.queue.state.lock(|s| s.joiners.borrow_mut().remove(k));
        }
    }
}

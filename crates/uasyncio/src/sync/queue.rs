//! `Queue`: a FIFO between tasks, bounded or not, with `task_done`/`join`.

use alloc::collections::VecDeque;
use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::waitlist::{WaitKey, WaitList};

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
pub struct Queue<T> {
    items: RefCell<VecDeque<T>>,
    maxsize: usize,
    getters: RefCell<WaitList>,
    putters: RefCell<WaitList>,
    unfinished: Cell<usize>,
    joiners: RefCell<WaitList>,
}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items; 0 means unbounded.
    ///
    /// ```
    /// let q: uasyncio::Queue<u8> = uasyncio::Queue::new(0);
    /// assert_eq!(q.maxsize(), 0);
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Queue {
            items: RefCell::new(VecDeque::with_capacity(maxsize.min(1024))),
            maxsize,
            getters: RefCell::new(WaitList::new()),
            putters: RefCell::new(WaitList::new()),
            unfinished: Cell::new(0),
            joiners: RefCell::new(WaitList::new()),
        }
    }

    /// The bound given to [`new`](Self::new) (0 = unbounded).
    ///
    /// ```
    /// assert_eq!(uasyncio::Queue::<i32>::new(8).maxsize(), 8);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Number of items in the queue.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(0);
    /// q.put_nowait('a').unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.items.borrow().len()
    }

    /// True if the queue holds no item.
    ///
    /// ```
    /// assert!(uasyncio::Queue::<()>::new(1).empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    /// True if the queue is bounded and holds `maxsize` items.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.maxsize > 0 && self.items.borrow().len() >= self.maxsize
    }

    /// Adds an item without waiting, or gives it back in `QueueFull`.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(1);
    /// assert_eq!(q.put_nowait(1), Ok(()));
    /// assert_eq!(q.put_nowait(2), Err(uasyncio::QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        if self.full() {
            return Err(QueueFull(item));
        }
        self.items.borrow_mut().push_back(item);
        self.unfinished.set(self.unfinished.get() + 1);
        self.getters.borrow_mut().notify_one();
        Ok(())
    }

    /// Takes the first item without waiting, or `QueueEmpty`.
    ///
    /// ```
    /// let q = uasyncio::Queue::new(0);
    /// assert_eq!(q.get_nowait(), Err(uasyncio::QueueEmpty));
    /// q.put_nowait("x").unwrap();
    /// assert_eq!(q.get_nowait(), Ok("x"));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let item = self.items.borrow_mut().pop_front().ok_or(QueueEmpty)?;
        self.putters.borrow_mut().notify_one();
        Ok(item)
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
    pub fn put(&self, item: T) -> Put<'_, T> {
        Put { queue: self, item: Some(item), key: None }
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
    pub fn get(&self) -> Get<'_, T> {
        Get { queue: self, key: None }
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
        let n = self.unfinished.get();
        assert!(n > 0, "task_done() called too many times: more calls than items put in the queue");
        self.unfinished.set(n - 1);
        if n == 1 {
            self.joiners.borrow_mut().notify_all();
        }
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
    pub fn join(&self) -> Join<'_, T> {
        Join { queue: self, key: None }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").field("qsize", &self.qsize()).field("maxsize", &self.maxsize).finish()
    }
}

/// Polls "try `attempt`, else wait in `list` for a notification, then retry".
fn poll_waiting<R>(
    list: &RefCell<WaitList>,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
    mut attempt: impl FnMut() -> Option<R>,
) -> Poll<R> {
    if let Some(k) = *key {
        if !list.borrow_mut().take_notified(k, cx.waker()) {
            return Poll::Pending;
        }
        *key = None;
    }
    match attempt() {
        Some(r) => Poll::Ready(r),
        None => {
            *key = Some(list.borrow_mut().push(cx.waker()));
            Poll::Pending
        }
    }
}

/// Leaves `list`; a notification we received but will not use goes on to
/// the next waiter.
fn leave(list: &RefCell<WaitList>, key: Option<WaitKey>) {
    if let Some(k) = key {
        let mut waiters = list.borrow_mut();
        if waiters.remove(k) {
            waiters.notify_one();
        }
    }
}

/// The future of [`Queue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T> {
    queue: &'a Queue<T>,
    item: Option<T>,
    key: Option<WaitKey>,
}

impl<T> Unpin for Put<'_, T> {}

impl<T> Future for Put<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let queue = this.queue;
        let item = &mut this.item;
        poll_waiting(&queue.putters, &mut this.key, cx, || {
            let value = item.take().expect("Put polled after completion");
            match queue.put_nowait(value) {
                Ok(()) => Some(()),
                Err(QueueFull(value)) => {
                    *item = Some(value);
                    None
                }
            }
        })
    }
}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        leave(&self.queue.putters, self.key);
    }
}

/// The future of [`Queue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T> {
    queue: &'a Queue<T>,
    key: Option<WaitKey>,
}

impl<T> Future for Get<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let queue = self.queue;
        poll_waiting(&queue.getters, &mut self.key, cx, || queue.get_nowait().ok())
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        leave(&self.queue.getters, self.key);
    }
}

/// The future of [`Queue::join`].
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T> {
    queue: &'a Queue<T>,
    key: Option<WaitKey>,
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let queue = self.queue;
        poll_waiting(&queue.joiners, &mut self.key, cx, || (queue.unfinished.get() == 0).then_some(()))
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key {
            self.queue.joiners.borrow_mut().remove(k);
        }
    }
}

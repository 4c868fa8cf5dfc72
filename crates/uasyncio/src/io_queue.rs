//! MicroPython's `_io_queue`: the OS poller the loop's idle wait blocks in
//! (std only). Below both the platform (`time`), whose `wait` blocks here,
//! and the streams, whose sockets register here; it sees the loop only
//! through [`IoWaiters`] (the loop's `Remote`), which counts the tasks
//! parked on sockets: nothing here names a module above it.
//!
//! The poller is mio's (epoll, kqueue, IOCP): a wait is one `epoll_wait`,
//! and a wake from another thread one `eventfd` write. Every socket is
//! registered once, edge-triggered for both directions,
//! when it is made, and taken out when it is dropped. Its slot records
//! what the poller last said (readable, writable) and which task waits for
//! each direction. A read or write is tried first; only `WouldBlock`
//! clears the readiness bit and parks the task, and the next edge
//! reported by the poller wakes it. Events are dispatched only from the
//! loop's own idle wait (or its non-blocking look between steps, see
//! `Remote::add_io_waiter`), on the loop's thread, so no edge can fall
//! between a `WouldBlock` and the park that follows it.
//!
//! Nothing here allocates per wait: the events buffer is made once, a
//! parked waker is cloned only when it changes, and the loop that counts
//! the waiter is held by an `Arc` clone.

use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::io;
use std::sync::Arc;
use std::sync::Mutex;

/// The OS poller behind the loop's idle wait (MicroPython's `_io_queue`),
/// owned by the loop's [`Platform`](crate::Platform).
///
/// [`SystemClock`](crate::SystemClock) makes one the first time a socket
/// is opened on its loop; its [`wait`](crate::Platform::wait) then blocks
/// in [`IoQueue::wait`] with the timeout to the next timer, and its
/// [`notify`](crate::Platform::notify) (a `ThreadSafeFlag` set on another
/// thread, a waker from afar) is [`IoQueue::notify`]. A platform of one's
/// own does the same to carry sockets: own an `IoQueue`, return it from
/// [`Platform::io_queue`](crate::Platform::io_queue), wait and notify through it.
///
/// ```
/// use std::time::Duration;
/// let queue = uasyncio::stream::IoQueue::new()?;
/// queue.notify();
/// queue.wait(Some(Duration::from_secs(5))); // returns at once: notified
/// # std::io::Result::Ok(())
/// ```
pub struct IoQueue {
    poll: Mutex<mio::Poll>,
    /// `poll`'s registry, usable while another thread's `wait` holds `poll`.
    registry: mio::Registry,
    waker: mio::Waker,
    events: Mutex<mio::Events>,
    slots: Mutex<slab::Slab<Slot>>,
}

/// The token of the queue's own waker (no slot has it).
const NOTIFY: mio::Token = mio::Token(usize::MAX);

/// A direction a task may wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// What the queue knows about one socket.
struct Slot {
    /// The poller's last word: an edge seen and no `WouldBlock` (or short
    /// read or write) since. A connection starts ready (try first: a
    /// request is often there by the time it is accepted); a listener and
    /// a connect in progress wait for their first edge (MicroPython's
    /// accept task, too, waits for the poller before its first accept).
    ready: [bool; 2],
    /// The poller reported an error or a reset: a short read reads on, to
    /// report it (see `errored`).
    errored: bool,
    /// The poller reported an error or the peer's close (EOF): readiness is
    /// no longer cleared, every read returns at once.
    closed: bool,
    waiters: [Option<Waiter>; 2],
}

/// What a parked task counts on: its loop (the loop's `Remote`), which
/// idles rather than report a deadlock while the count is not zero, and
/// looks at the poller between steps.
pub(crate) trait IoWaiters: Send + Sync {
    /// Counts one more task parked on a socket.
    fn add_io_waiter(&self);
    /// Uncounts a task counted by `add_io_waiter`.
    fn remove_io_waiter(&self);
}

/// A parked task, counted as an I/O waiter on its loop (so that loop idles
/// rather than report a deadlock, and looks at the poller between steps).
struct Waiter {
    waker: Waker,
    remote: Arc<dyn IoWaiters>,
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.remote.remove_io_waiter();
    }
}

impl IoQueue {
    /// A new queue with its own OS poller (an epoll instance and an
    /// `eventfd` for [`notify`](Self::notify) on Linux).
    ///
    /// # Errors
    /// What the OS says when the poller cannot be made (`EMFILE` when the
    /// process is out of file descriptors).
    ///
    /// ```
    /// let queue = uasyncio::stream::IoQueue::new()?;
    /// # drop(queue);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> io::Result<IoQueue> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), NOTIFY)?;
        Ok(IoQueue {
            poll: Mutex::new(poll),
            registry,
            waker,
            events: Mutex::new(mio::Events::with_capacity(256)),
            slots: Mutex::new(slab::Slab::new()),
        })
    }

    /// Blocks until a registered socket is ready, [`notify`](Self::notify)
    /// is called, or `timeout` has passed (`None`: no timeout), and wakes
    /// the tasks waiting for what became ready. `Some(Duration::ZERO)`
    /// only looks.
    ///
    /// ```
    /// let queue = uasyncio::stream::IoQueue::new()?;
    /// queue.wait(Some(std::time::Duration::ZERO)); // nothing registered: returns at once
    /// # std::io::Result::Ok(())
    /// ```
    pub fn wait(&self, timeout: Option<Duration>) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut poll = self.poll.lock().unwrap_or_else(|e| e.into_inner());
            // An error (EINTR included) leaves the events empty: the loop
            // looks again at its next idle wait.
            if poll.poll(&mut events, timeout).is_err() {
                events.clear();
            }
        }
        for event in events.iter() {
            if event.token() == NOTIFY {
                continue;
            }
            let woken = {
                let mut slots = self.slots();
                let Some(slot) = slots.get_mut(event.token().0) else { continue };
                // Errors and hang-ups read as both: the waiter's next read
                // or write reports them.
                let errored = event.is_error() || event.is_write_closed();
                let trouble = errored || event.is_read_closed();
                slot.errored |= errored;
                slot.closed |= trouble;
                let mut woken: [Option<Waiter>; 2] = [None, None];
                if event.is_readable() || trouble {
                    slot.ready[0] = true;
                    woken[0] = slot.waiters[0].take();
                }
                if event.is_writable() || trouble {
                    slot.ready[1] = true;
                    woken[1] = slot.waiters[1].take();
                }
                woken
            };
            // Woken outside the slots' lock: a waker is user code.
            for waiter in woken.into_iter().flatten() {
                waiter.waker.wake_by_ref();
            }
        }
    }

    /// Makes the current or next [`wait`](Self::wait) return. Any thread.
    ///
    /// ```
    /// let queue = std::sync::Arc::new(uasyncio::stream::IoQueue::new()?);
    /// let q = queue.clone();
    /// std::thread::spawn(move || q.notify()).join().unwrap();
    /// queue.wait(None); // returns: notified
    /// # std::io::Result::Ok(())
    /// ```
    pub fn notify(&self) {
        // Fails only if the eventfd is gone, i.e. never in practice.
        let _ = self.waker.wake();
    }

    /// Registers `source` (non-blocking) for both directions under `key`.
    pub(crate) fn register(&self, source: &mut impl mio::event::Source, key: usize) -> io::Result<()> {
        self.registry.register(source, mio::Token(key), mio::Interest::READABLE | mio::Interest::WRITABLE)
    }

    /// Takes `source` out of the poller (before it is closed).
    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) {
        // A failure means it is no longer registered: nothing to undo.
        let _ = self.registry.deregister(source);
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, slab::Slab<Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new socket; `ready`: whether operations are tried
    /// before the poller's first word (see `Slot::ready`).
    pub(crate) fn insert_slot(&self, ready: bool) -> usize {
        self.slots().insert(Slot { ready: [ready, ready], errored: false, closed: false, waiters: [None, None] })
    }

    pub(crate) fn remove_slot(&self, key: usize) {
        let slot = self.slots().try_remove(key);
        // Its waiters (uncounted on drop) go outside the lock.
        drop(slot);
    }

    /// Runs `op` (a non-blocking read, write, accept or connect check) if
    /// the socket may be ready for `dir`; on `WouldBlock`, parks the task
    /// until the poller reports the next edge.
    ///
    /// `first`: the wait's first poll. A read (or accept) always yields
    /// once, as MicroPython's `yield _io_queue.queue_read(s)` does: if the
    /// socket is known to be ready already, the task goes to the back of
    /// the tasks due (timers due run first) and tries on its next poll.
    /// That costs a task switch, never a syscall. (A write needs none:
    /// `StreamWriter::drain` yields before it writes.)
    pub(crate) fn poll_io<T>(
        &self,
        key: usize,
        dir: Direction,
        cx: &mut Context<'_>,
        first: bool,
        mut op: impl FnMut() -> io::Result<T>,
        running_loop: impl FnOnce() -> Arc<dyn IoWaiters>,
    ) -> Poll<io::Result<T>> {
        let d = dir as usize;
        loop {
            let ready = self.slots().get(key).is_some_and(|slot| slot.ready[d]);
            if ready && first && dir == Direction::Read {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if ready {
                match op() {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if let Some(slot) = self.slots().get_mut(key) {
                            slot.ready[d] = false;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    done => {
                        self.unpark(key, dir);
                        return Poll::Ready(done);
                    }
                }
            }
            return self.park(key, dir, cx, running_loop);
        }
    }

    fn park<T>(
        &self,
        key: usize,
        dir: Direction,
        cx: &mut Context<'_>,
        running_loop: impl FnOnce() -> Arc<dyn IoWaiters>,
    ) -> Poll<io::Result<T>> {
        let d = dir as usize;
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(key) else {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, "the socket is closed")));
        };
        match &mut slot.waiters[d] {
            Some(waiter) => {
                if !waiter.waker.will_wake(cx.waker()) {
                    waiter.waker = cx.waker().clone();
                }
            }
            empty => {
                let remote = running_loop();
                remote.add_io_waiter();
                *empty = Some(Waiter { waker: cx.waker().clone(), remote });
            }
        }
        Poll::Pending
    }

    /// Whether the poller has reported an error or reset on the socket:
    /// a read that got less than it asked for then reads once more, so a
    /// reset is reported as MicroPython's stream read reports it (its read
    /// goes on until it has `n` bytes or would block).
    pub(crate) fn errored(&self, key: usize) -> bool {
        self.slots().get(key).is_some_and(|slot| slot.errored)
    }

    /// Forgets that the socket is ready for `dir`: a read or write that
    /// did less than asked found the kernel's buffer empty (or full), so
    /// the next one would only get `WouldBlock`; the next edge says when.
    pub(crate) fn clear_ready(&self, key: usize, dir: Direction) {
        if let Some(slot) = self.slots().get_mut(key)
            && !slot.closed
        {
            slot.ready[dir as usize] = false;
        }
    }

    /// Takes a parked waiter out (its future was dropped, or is done): a
    /// cancelled wait leaves nothing in the queue.
    pub(crate) fn unpark(&self, key: usize, dir: Direction) {
        let waiter = self.slots().get_mut(key).and_then(|slot| slot.waiters[dir as usize].take());
        drop(waiter);
    }

    /// How many sockets are registered, and how many tasks wait on them.
    ///
    /// ```
    /// let queue = uasyncio::stream::IoQueue::new()?;
    /// assert_eq!(queue.stats(), uasyncio::stream::IoStats { sockets: 0, waiting: 0 });
    /// # std::io::Result::Ok(())
    /// ```
    pub fn stats(&self) -> IoStats {
        let slots = self.slots();
        let waiting = slots.iter().map(|(_, s)| s.waiters.iter().flatten().count()).sum();
        IoStats { sockets: slots.len(), waiting }
    }
}

/// What an [`IoQueue`] holds: see [`io_stats`](crate::stream::io_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoStats {
    /// Sockets registered (open listeners and connections).
    pub sockets: usize,
    /// Tasks parked on them (waiting to read, write, accept or connect).
    pub waiting: usize,
}

impl core::fmt::Debug for IoQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IoQueue").field("sockets", &self.slots().len()).finish_non_exhaustive()
    }
}

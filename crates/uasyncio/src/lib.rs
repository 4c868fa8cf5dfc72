//! MicroPython's `asyncio` (uasyncio) scheduler for Rust.
//!
//! A single-threaded, cooperative event loop with MicroPython's semantics and
//! names: tasks run in the order they become due, `create_task` queues a task
//! to run once the current task yields, `run(main)` returns as soon as `main`
//! finishes. The core is `no_std` + `alloc`; the `std` feature (on by default)
//! adds the real clock, panic capture and wakeups from other threads.
//!
//! ```
//! use uasyncio::{create_task, sleep};
//!
//! async fn blink(name: &'static str, period: f64, times: u32) -> u32 {
//!     for _ in 0..times {
//!         sleep(period).await; // toggle an LED here
//!     }
//!     times
//! }
//!
//! // Virtual time: the 2 seconds of blinking take no real time.
//! let toggles = uasyncio::run_virtual(async {
//!     let fast = create_task(blink("GPIO14", 0.5, 4));
//!     let slow = create_task(blink("GPIO12", 1.0, 2));
//!     fast.await.unwrap() + slow.await.unwrap()
//! });
//! assert_eq!(toggles, 6);
//! ```
//!
//! # From MicroPython to Rust
//!
//! | MicroPython | `uasyncio::` |
//! |---|---|
//! | `asyncio.run(coro)` | [`run`]`(fut)` (or [`run_virtual`] on a virtual clock) |
//! | `asyncio.create_task(coro)` | [`create_task`]`(fut)` → [`Task<T>`], [`create_task_named`] |
//! | `asyncio.current_task()` | [`current_task`]`()` → [`TaskRef`] |
//! | `await asyncio.sleep(0.25)` / `sleep_ms(250)` | [`sleep`]`(0.25).await` / [`sleep_ms`]`(250).await` |
//! | `asyncio.gather(*aws, return_exceptions=…)` | [`gather()`], [`gather_return_exceptions`], [`gather!`] |
//! | `asyncio.wait_for(aw, t)` / `wait_for_ms` | [`wait_for`]`(fut, t)` / [`wait_for_ms`] → `Result<_, TimeoutError>` |
//! | `task.cancel()`, `task.done()`, `await task` | [`Task::cancel`], [`Task::done`], `task.await` → `Result<T, TaskError>` |
//! | `Event`, `ThreadSafeFlag`, `Lock` | [`Event`], [`ThreadSafeFlag`], [`Lock`] (`acquire().await` gives a guard) |
//! | `Queue` (community primitive) | [`Queue`] with [`QueueFull`] / [`QueueEmpty`] |
//! | peterhinch's `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] (over-release is [`OverReleased`]) |
//! | peterhinch's `Condition`, `Barrier` | [`Condition`] (notify on its guard), [`Barrier`] |
//! | peterhinch's `RingbufQueue`, `Message` | [`RingbufQueue`], [`Message`] (both settable from other threads) |
//! | peterhinch's `Delay_ms`, `Broker` | [`DelayMs`], [`Broker`] with [`Agent`]s |
//! | peterhinch's `WaitAny`, `WaitAll`, `ELO` | [`WaitAny`], [`WaitAll`] over [`Waitable`]s, [`Elo`] |
//! | `get_event_loop()`, `new_event_loop()` | [`get_event_loop`], [`new_event_loop`], [`new_event_loop_with`] → [`EventLoop`] |
//! | `loop.set_exception_handler(h)` | [`EventLoop::set_exception_handler`] with an [`ExceptionHandler`] |
//! | `time.ticks_ms/ticks_add/ticks_diff` | [`time::ticks_ms`], [`time::ticks_add`], [`time::ticks_diff`] |
//! | `asyncio.open_connection(host, port)` | `open_connection(host, port)` → `(StreamReader, StreamWriter)` (with `std`) |
//! | `asyncio.start_server(cb, host, port, backlog)` | `start_server`, `start_server_with_backlog` → [`Server`] (with `std`) |
//! | `Stream.read/readexactly/readline/readinto`, `read(-1)` | [`StreamReader::read`], [`readexactly`](StreamReader::readexactly), [`readline`](StreamReader::readline), [`readinto`](StreamReader::readinto), [`read_to_end`](StreamReader::read_to_end) |
//! | `Stream.write/drain/close/wait_closed` | [`StreamWriter::write`], [`drain`](StreamWriter::drain), [`close`](StreamWriter::close), [`wait_closed`](StreamWriter::wait_closed) |
//! | streams on virtual time | [`stream::memory`]: in-memory pipes and network |
//!
//! # What is different in Rust
//!
//! - **Cancellation drops the future.** `cancel()` makes the loop drop the
//!   task's future at its current `await` the next time it reaches the task;
//!   destructors run then, like `finally`. A task cannot catch its own
//!   cancellation and carry on.
//! - **Results are `Result`s.** Awaiting a [`Task`] gives `Ok(value)` or
//!   `Err(TaskError::Cancelled | TaskError::Panicked(message))`. A panic
//!   (with `std`) fails only its task; one nobody awaits reaches the loop's
//!   exception handler one scheduling round later. A panic in the main
//!   future propagates out of [`run`].
//! - **Handles are single-owner.** A [`Task<T>`] is awaited by one owner;
//!   others hold a clonable [`TaskRef`] (cancel, done, id, name). Dropping a
//!   `Task<T>` detaches the task.
//! - **Time is pluggable.** Every loop runs on a [`Platform`]: the real
//!   [`SystemClock`], a deterministic [`VirtualClock`] that jumps to the next
//!   deadline whenever the loop would idle, or a board's own clock.
//! - **Loops are per thread.** Each thread has its own current loop; only
//!   [`ThreadSafeFlag::set`] (and wakers) may be used from other threads.
//! - **A loop's end is its tasks' end.** [`EventLoop::close`],
//!   [`new_event_loop`] (for the loop it replaces) and the drop of a loop's
//!   last [`EventLoop`] handle cancel every task still on it (destructors
//!   run) and release it. What would leave a task that can never run is
//!   refused with a panic that says so: `create_task` on a closed loop or
//!   from a destructor run while a loop discards its tasks, `close()` while
//!   the loop runs (also from a loop nested in one of its tasks), and
//!   running a loop inside a destructor it runs.
//! - **Awaiting links one loop.** A task awaiting another task's handle is
//!   linked to it while it is suspended there: cancelling it is forwarded
//!   to the awaited task, and dropping the handle mid-await cancels that
//!   task. The link ends as soon as the awaiting task is resumed (so after
//!   `wait_for(&mut task, t)` has timed out, dropping `task` detaches it),
//!   and tasks of two different loops are never linked (awaiting works,
//!   nothing is forwarded). Cancelling a chain of awaiting tasks, however
//!   long, or tasks awaiting each other, takes no recursion and returns.
//! - **No deadlock hangs.** MicroPython idles forever when nothing can wake the
//!   main task; here `run` panics with a message saying so. "Nothing can wake
//!   it" means no task is due, no timer is pending and no
//!   [`ThreadSafeFlag`] or socket is being waited on: to wake a task from another
//!   thread, use a `ThreadSafeFlag` (a bare waker sent to another thread
//!   works too, but only while the loop has something else pending).
//!
//! # Allocation
//!
//! A task is one cell: its header (64 bytes on 64-bit targets), its future
//! and its result. With `std`, cells of up to 512 bytes come from a pool kept
//! by the loop: one size class per 8 bytes, each cut from chunks of its own
//! (8 cells, then twice as many each time, up to 16 KiB), and a cell is
//! recycled for the next task of its size when its task and handles are gone.
//! So spawning seldom reaches the global allocator, and the pool keeps its
//! high-water mark until the loop and every task of it are gone (the
//! `EventLoop` dropped, or replaced by [`new_event_loop`]; a `Task`,
//! `TaskRef` or waker kept from an old loop keeps that loop's pool). Without
//! `std` (where an interrupt may drop a task's last waker) each cell is one
//! allocation from the global allocator.
//!
//! Polling, sleeping, waiting on any primitive of [`sync`] (an [`Event`],
//! [`Lock`], [`Queue`], [`Semaphore`], [`Condition`], [`Barrier`],
//! [`RingbufQueue`], [`Message`], [`DelayMs`], [`WaitAny`] …) and waking
//! allocate nothing once the loop's queues and the primitive's wait list
//! have grown to their peak size. The loop's tables (its task registry, its timer heap) grow by an
//! eighth at a time rather than doubling, and keep their peak size.
//!
//! A sleeping task costs its cell and one 16-byte timer-heap entry: a sleep
//! polled by its own task keeps its timer's order and position in the task's
//! header. Other sleeps (a task's second timer, as in [`wait_for`] around a
//! sleep, or a sleep polled through a combinator that uses a waker of its
//! own) also take a reused slot holding their waker. A task handle awaited
//! through such a combinator boxes that waker (an allocation each time the
//! combinator's waker changes); awaited from a task, it does not.
//!
//! # Code size without `std`
//!
//! What a small chip does not use is not linked: without `std` panics abort,
//! so the machinery that turns a task's panic into its outcome and reports
//! it is compiled out. The `#[inline]` hints on the scheduler's, the queues'
//! and the timers' hot paths apply with `std` only (they keep the host's
//! instruction counts); without it the compiler's own heuristics choose, which
//! at opt-level `"s"` keeps one copy of each (about 1.3 KB less flash for
//! `firmware/two-leds-uasyncio`).
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

/// `panic!` for misuse, with the whole message (what went wrong and what to
/// do instead) with `std`, and a short one without it: on a small chip each
/// message is flash, and the short one still says what went wrong.
macro_rules! misuse {
    ($full:literal, $short:literal $(,)?) => {{
        #[cfg(feature = "std")]
        panic!($full);
        #[cfg(not(feature = "std"))]
        panic!($short);
    }};
}

pub mod funcs;
#[cfg(feature = "std")]
mod io_queue;
mod platform;
mod raw;
mod runtime;
pub mod stream;
pub mod sync;
pub mod time;

// `crate::task` is the task handles' old home (kept for code that names it).
#[allow(unused_imports)]
pub(crate) use runtime::task;

pub use funcs::{TimeoutError, gather, gather_return_exceptions, wait_for, wait_for_ms};
pub use runtime::task::{Task, TaskError, TaskId, TaskRef};
pub use runtime::{
    EventLoop, ExceptionContext, ExceptionHandler, create_task, create_task_named, current_task, get_event_loop,
    new_event_loop, new_event_loop_with, run, run_virtual, try_current_task,
};
pub use stream::{Server, StreamReader, StreamWriter};
#[cfg(feature = "std")]
pub use stream::{open_connection, start_server, start_server_with_backlog};
#[cfg(feature = "std")]
pub use sync::Local;
pub use sync::{
    Agent, Barrier, BoundedSemaphore, Broker, Condition, DelayError, DelayMs, Elo, Event, Lock, LockGuard, Message,
    NotSubscribed, OverReleased, Queue, QueueEmpty, QueueFull, RingbufQueue, Semaphore, ThreadSafeFlag, TopicPattern,
    WaitAll, WaitAny, Waitable,
};
#[cfg(feature = "std")]
pub use time::SystemClock;
pub use time::{Platform, VirtualClock, now_us, sleep, sleep_ms, sleep_us};

//! The MicroPython asyncio tests whose scenario needs something outside the
//! loop's thread: `asyncio_threadsafeflag`, `asyncio_event_queue` and
//! `asyncio_iterator_event` (MicroPython uses `micropython.schedule`, a soft
//! interrupt; here it is an OS thread). These run on the real clock and assert
//! the order of the printed lines, never timings.
//!
//! Every line is logged on the loop's thread, so the order is deterministic
//! whatever the other thread's timing.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use uasyncio::{Event, ThreadSafeFlag, create_task, run, sleep};

mod common;
use common::{Log, lines};

/// Sets `flag` from a new OS thread after `delay`, the stand-in for
/// MicroPython's soft interrupt (`micropython.schedule`).
fn set_from_thread(flag: &Arc<ThreadSafeFlag>, delay: Duration) -> thread::JoinHandle<()> {
    let flag = flag.clone();
    thread::spawn(move || {
        thread::sleep(delay);
        flag.set();
    })
}

async fn flag_task(log: Log, id: u32, flag: Arc<ThreadSafeFlag>) {
    log.p(format!("task {id}"));
    flag.wait().await;
    log.p(format!("task {id} done"));
}

/// `asyncio_threadsafeflag` part 1: a task waits; main sets the flag from the
/// loop and yields; the woken task runs after main's next step.
async fn set_in_loop(l: Log, flag: Arc<ThreadSafeFlag>) {
    let t = create_task(flag_task(l.clone(), 1, flag.clone()));
    l.p("yield");
    sleep(0).await;
    l.p("set event");
    flag.set();
    l.p("yield");
    sleep(0).await;
    l.p("wait task");
    t.await.unwrap();
}

const SET_IN_LOOP: &[&str] = &["yield", "task 1", "set event", "yield", "wait task", "task 1 done"];

/// Part 2: the flag is set from another thread (done before main yields, as
/// MicroPython's scheduled callback would be).
async fn set_from_other_thread(l: Log, flag: Arc<ThreadSafeFlag>) {
    let t = create_task(flag_task(l.clone(), 2, flag.clone()));
    l.p("yield");
    sleep(0).await;
    l.p("set event");
    set_from_thread(&flag, Duration::ZERO).join().unwrap();
    l.p("yield");
    sleep(0).await;
    l.p("wait task");
    t.await.unwrap();
}

const SET_FROM_OTHER_THREAD: &[&str] = &["yield", "task 2", "set event", "yield", "wait task", "task 2 done"];

/// Part 3: the flag is already set when the task waits: the wait returns at once.
async fn already_set(l: Log, flag: Arc<ThreadSafeFlag>) {
    l.p("set event");
    flag.set();
    let t = create_task(flag_task(l.clone(), 3, flag.clone()));
    l.p("yield");
    sleep(0).await;
    l.p("wait task");
    t.await.unwrap();
}

const ALREADY_SET: &[&str] = &["set event", "yield", "task 3", "task 3 done", "wait task"];

/// Part 4: set, cleared (the next wait blocks), then set once the task waits.
async fn set_clear_set(l: Log, flag: Arc<ThreadSafeFlag>) {
    l.p("set event");
    flag.set();
    l.p("yield");
    sleep(0).await;
    l.p("clear event");
    flag.clear();
    l.p("yield");
    sleep(0).await;
    let t = create_task(flag_task(l.clone(), 4, flag.clone()));
    l.p("yield");
    sleep(0).await;
    l.p("set event");
    flag.set();
    l.p("yield");
    sleep(0).await;
    l.p("wait task");
    t.await.unwrap();
}

const SET_CLEAR_SET: &[&str] = &[
    "set event",
    "yield",
    "clear event",
    "yield",
    "yield",
    "task 4",
    "set event",
    "yield",
    "wait task",
    "task 4 done",
];

/// `asyncio_threadsafeflag`, all four parts in MicroPython's order. In
/// MicroPython a flag set on the loop's own thread wakes its waiter at the
/// loop's next I/O poll, i.e. after the setter has yielded, so the setter's
/// next line comes first.
#[test]
fn asyncio_threadsafeflag() {
    let log = Log::default();
    let l = log.clone();
    run(async move {
        let flag = Arc::new(ThreadSafeFlag::new());
        set_in_loop(l.clone(), flag.clone()).await;
        l.p("----");
        set_from_other_thread(l.clone(), flag.clone()).await;
        l.p("----");
        already_set(l.clone(), flag.clone()).await;
        l.p("----");
        set_clear_set(l.clone(), flag.clone()).await;
    });
    let sep: &[&str] = &["----"];
    let expected = [SET_IN_LOOP, sep, SET_FROM_OTHER_THREAD, sep, ALREADY_SET, sep, SET_CLEAR_SET].concat();
    assert_eq!(log.take(), lines(&expected));
}

/// `asyncio_threadsafeflag`, the parts that do not set the flag on the loop's
/// thread while its waiter is blocked: set from another thread, and already
/// set before the wait.
#[test]
fn asyncio_threadsafeflag_other_thread_and_preset() {
    let log = Log::default();
    let l = log.clone();
    run(async move {
        let flag = Arc::new(ThreadSafeFlag::new());
        set_from_other_thread(l.clone(), flag.clone()).await;
        l.p("----");
        already_set(l.clone(), flag.clone()).await;
    });
    let sep: &[&str] = &["----"];
    assert_eq!(log.take(), lines(&[SET_FROM_OTHER_THREAD, sep, ALREADY_SET].concat()));
}

/// Waits for `flag` (set by another thread), logs `line`, then runs `then`:
/// the bridge from "an interrupt fired" to a loop-only primitive such as
/// `Event`, which, unlike MicroPython's, cannot be set from outside the loop.
async fn bridge(log: Log, flag: Arc<ThreadSafeFlag>, line: &'static str, then: impl FnOnce()) {
    flag.wait().await;
    log.p(line);
    then();
}

/// `asyncio_event_queue`: main waits on an event while nothing else is
/// runnable and no timer is armed (the loop's queue is empty); the loop must
/// keep waiting until something outside it sets the event 100 ms later,
/// rather than give up.
///
/// MicroPython sets the `Event` from a soft interrupt; a Rust `Event` is not
/// `Sync`, so the other thread sets a `ThreadSafeFlag` and a bridge task
/// (itself blocked, not runnable) sets the event.
#[test]
fn asyncio_event_queue() {
    let log = Log::default();
    let l = log.clone();
    run(async move {
        l.p("main started");
        // foo()
        l.p("foo waiting");
        let ev = Rc::new(Event::new());
        let flag = Arc::new(ThreadSafeFlag::new());
        let ev2 = ev.clone();
        let _bridge =
            create_task(bridge(l.clone(), flag.clone(), "asyncio still pending, unlocking event", move || ev2.set()));
        let watchdog = set_from_thread(&flag, Duration::from_millis(100));
        ev.wait().await;
        l.p("foo done");
        watchdog.join().unwrap();
        l.p("main done");
    });
    assert_eq!(
        log.take(),
        lines(&["main started", "foo waiting", "asyncio still pending, unlocking event", "foo done", "main done",])
    );
}

/// A stream of messages delivered through an `Event`, consumed like
/// MicroPython's `async for` (an `AsyncIterator` is not stable Rust, so the
/// iteration is `while let Some(m) = it.next().await`).
struct Messages {
    message: RefCell<Option<String>>,
    ev: Event,
}

impl Messages {
    async fn next(&self) -> Option<String> {
        self.ev.wait().await;
        self.ev.clear();
        self.message.borrow_mut().take()
    }

    fn fetch_data(&self, message: Option<String>) {
        *self.message.borrow_mut() = message;
        self.ev.set();
    }
}

/// `asyncio_iterator_event`: main iterates over messages a task delivers every
/// 0.1 s through an event; after the third, nothing is runnable and no timer
/// is armed while main waits for the next one; the loop keeps waiting until
/// something outside it (500 ms in MicroPython, here a thread woken once the
/// feeder is done) ends the iteration.
#[test]
fn asyncio_iterator_event() {
    let log = Log::default();
    let l = log.clone();
    run(async move {
        let ai = Rc::new(Messages { message: RefCell::new(None), ev: Event::new() });
        let (fed_all, fed_all_rx) = mpsc::channel::<()>();
        let feeder_ai = ai.clone();
        let _feeder = create_task(async move {
            for x in 0..3 {
                sleep(0.1).await;
                feeder_ai.fetch_data(Some(format!("bar {x}")));
            }
            fed_all.send(()).unwrap();
        });
        let flag = Arc::new(ThreadSafeFlag::new());
        let bridge_ai = ai.clone();
        let _bridge = create_task(bridge(
            l.clone(),
            flag.clone(),
            "good: asyncio iterator is still pending, exiting",
            move || bridge_ai.fetch_data(None),
        ));
        let watchdog_flag = flag.clone();
        let watchdog = thread::spawn(move || {
            fed_all_rx.recv().unwrap();
            thread::sleep(Duration::from_millis(100));
            watchdog_flag.set();
        });
        while let Some(message) = ai.next().await {
            l.p(message);
        }
        l.p("end main");
        watchdog.join().unwrap();
    });
    assert_eq!(
        log.take(),
        lines(&["bar 0", "bar 1", "bar 2", "good: asyncio iterator is still pending, exiting", "end main",])
    );
}

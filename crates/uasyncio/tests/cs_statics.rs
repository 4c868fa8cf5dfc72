//! The critical-section primitives (`uasyncio::sync::cs`) as `static`s fed
//! from other OS threads while tasks await them, on the real clock (the
//! threads run on their own): every item arrives, in order, and every set
//! wakes its waiters. A loop whose only task waits on one idles for the
//! other thread instead of reporting a deadlock.

use std::sync::mpsc;

use uasyncio::create_task;
use uasyncio::sync::cs;

const ITEMS: u32 = 200;

static SAMPLES: cs::Queue<u32> = cs::Queue::const_new(4);

/// A thread puts 200 numbers into a bounded static queue (retrying while
/// it is full) while a task takes them with `get().await`: the task gets
/// exactly 0..200, in order, and the queue ends empty.
#[test]
fn a_static_queue_fed_from_a_thread_delivers_every_item_in_order() {
    let producer = std::thread::spawn(|| {
        let mut full = 0u32;
        for i in 0..ITEMS {
            let mut item = i;
            while let Err(uasyncio::QueueFull(back)) = SAMPLES.put_nowait(item) {
                item = back;
                full += 1;
                std::thread::yield_now();
            }
        }
        full
    });
    let got = uasyncio::new_event_loop().run_until_complete(async {
        let mut got = Vec::new();
        for _ in 0..ITEMS {
            got.push(SAMPLES.get().await);
        }
        got
    });
    producer.join().unwrap();
    assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
    assert!(SAMPLES.empty());
}

static READY: cs::Event = cs::Event::new();

/// Two tasks wait for a static event that a thread sets once the loop tells
/// it they wait: both wake, in the order they started waiting, and the
/// event stays set.
#[test]
fn a_static_event_set_from_a_thread_wakes_its_waiting_tasks() {
    let (waiting_tx, waiting_rx) = mpsc::channel::<()>();
    let setter = std::thread::spawn(move || {
        waiting_rx.recv().unwrap();
        READY.set();
    });
    let order = uasyncio::new_event_loop().run_until_complete(async move {
        let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let tasks: Vec<_> = ["first", "second"]
            .into_iter()
            .map(|name| {
                let order = order.clone();
                create_task(async move {
                    READY.wait().await;
                    order.borrow_mut().push(name);
                })
            })
            .collect();
        uasyncio::sleep(0).await; // both are waiting now
        assert!(!READY.is_set());
        waiting_tx.send(()).unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        order.take()
    });
    setter.join().unwrap();
    assert_eq!(order, ["first", "second"]);
    assert!(READY.is_set());
}

const ROUNDS: usize = 20;
static ROUND: [cs::Event; ROUNDS] = [const { cs::Event::new() }; ROUNDS];
static WAITING: cs::Queue<(usize, usize)> = cs::Queue::const_new(0);
static DONE: cs::Queue<(usize, usize)> = cs::Queue::const_new(0);

/// Takes `n` items from a static queue on this (non-loop) thread.
fn take(queue: &cs::Queue<(usize, usize)>, n: usize) -> Vec<(usize, usize)> {
    let mut items = Vec::new();
    while items.len() < n {
        match queue.get_nowait() {
            Ok(item) => items.push(item),
            Err(uasyncio::QueueEmpty) => std::thread::yield_now(),
        }
    }
    items.sort();
    items
}

/// Static events shared by two loops on two threads: round after round
/// each loop's task says it is about to wait, a third thread sets that
/// round's event, and both tasks report the round through a static queue.
#[test]
fn loops_on_two_threads_wait_for_one_static_event() {
    let loops: Vec<_> = (0..2)
        .map(|id| {
            std::thread::spawn(move || {
                uasyncio::new_event_loop().run_until_complete(async move {
                    for (round, event) in ROUND.iter().enumerate() {
                        WAITING.put_nowait((id, round)).unwrap();
                        event.wait().await;
                        DONE.put_nowait((id, round)).unwrap();
                    }
                })
            })
        })
        .collect();
    for (round, event) in ROUND.iter().enumerate() {
        assert_eq!(take(&WAITING, 2), [(0, round), (1, round)]);
        std::thread::sleep(std::time::Duration::from_millis(1)); // most likely parked by now
        event.set();
        assert_eq!(take(&DONE, 2), [(0, round), (1, round)]);
    }
    for l in loops {
        l.join().unwrap();
    }
    assert!(WAITING.empty() && DONE.empty());
}

static PERMITS: cs::Semaphore = cs::Semaphore::new(0);
static TAKEN: cs::Queue<u32> = cs::Queue::const_new(0);

/// Two permits released from this thread before any loop exists are free;
/// then a thread releases three more, each once the loop's task has taken
/// the previous one (so each goes straight to the waiting task): the task
/// gets five permits, in order, and none is left over.
#[test]
fn a_static_semaphore_released_from_a_thread_gives_the_task_every_permit() {
    PERMITS.release();
    PERMITS.release();
    assert_eq!(PERMITS.available(), 2);
    let releaser = std::thread::spawn(|| {
        let mut seen = Vec::new();
        for n in 3..=5 {
            // Wait until the task reports permit n - 1, then give permit n.
            loop {
                match TAKEN.get_nowait() {
                    Ok(got) => {
                        seen.push(got);
                        if got == n - 1 {
                            break;
                        }
                    }
                    Err(uasyncio::QueueEmpty) => std::thread::yield_now(),
                }
            }
            PERMITS.release();
        }
        seen
    });
    uasyncio::new_event_loop().run_until_complete(async {
        for n in 1..=5 {
            PERMITS.acquire().await.forget();
            TAKEN.put_nowait(n).unwrap();
        }
    });
    assert_eq!(releaser.join().unwrap(), [1, 2, 3, 4]);
    assert_eq!(TAKEN.get_nowait(), Ok(5));
    assert_eq!(PERMITS.available(), 0);
}

static BUS: cs::Lock = cs::Lock::new();
static HELD: cs::Event = cs::Event::new();
static LOG: cs::Queue<&str> = cs::Queue::const_new(0);

/// A task on one thread's loop takes a static lock and, holding it, sets a
/// static event; a task on another thread's loop waits for that event and
/// then for the lock, which it gets only once the first releases it (20 ms
/// later): the log reads "a got", "a releases", "b got".
#[test]
fn a_static_lock_excludes_tasks_of_loops_on_two_threads() {
    let a = std::thread::spawn(|| {
        uasyncio::new_event_loop().run_until_complete(async {
            let guard = BUS.acquire().await;
            LOG.put_nowait("a got").unwrap();
            HELD.set();
            // Real time, for b to ask for the lock meanwhile; the order of
            // the log does not depend on it.
            std::thread::sleep(std::time::Duration::from_millis(20));
            LOG.put_nowait("a releases").unwrap();
            drop(guard);
        })
    });
    let b = std::thread::spawn(|| {
        uasyncio::new_event_loop().run_until_complete(async {
            HELD.wait().await;
            let _guard = BUS.acquire().await;
            LOG.put_nowait("b got").unwrap();
        })
    });
    a.join().unwrap();
    b.join().unwrap();
    let log: Vec<&str> = std::iter::from_fn(|| LOG.get_nowait().ok()).collect();
    assert_eq!(log, ["a got", "a releases", "b got"]);
    assert!(!BUS.locked());
}

/// The `cs` primitives are `Sync` (a `Queue` of `Send` items), and the
/// futures of their waits are `Send`: a task on a multi-threaded executor
/// may hold one.
#[test]
fn the_cs_primitives_are_sync_and_their_waits_send() {
    fn sync<T: Sync + Send>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    static CONDITION: cs::Condition = cs::Condition::new();
    static BOUNDED: cs::BoundedSemaphore = cs::BoundedSemaphore::new(1);
    sync(&READY);
    sync(&SAMPLES);
    sync(&BUS);
    sync(&PERMITS);
    sync(&BOUNDED);
    sync(&CONDITION);
    send(&READY.wait());
    send(&SAMPLES.get());
    send(&SAMPLES.put(1));
    send(&SAMPLES.join());
    send(&BUS.acquire());
    send(&PERMITS.acquire());
    send(&CONDITION.acquire());
}

// ---- Barrier, WaitAny, WaitAll ----

use std::sync::atomic::{AtomicBool, Ordering};

/// `fut`, calling `first` once its first poll is over: for a wait, once it
/// is counted and in the wait list (or done), so a thread told by `first`
/// acts on a task that really waits.
async fn after_first_poll<F: std::future::Future + Unpin>(mut fut: F, first: impl FnOnce()) -> F::Output {
    let mut first = Some(first);
    std::future::poll_fn(move |cx| {
        let poll = std::pin::Pin::new(&mut fut).poll(cx);
        if let Some(first) = first.take() {
            first();
        }
        poll
    })
    .await
}

const MEET_ROUNDS: usize = 4;
static MEET: cs::Barrier = cs::Barrier::new(3);
static MEET_GO: [cs::Event; MEET_ROUNDS] = [const { cs::Event::new() }; MEET_ROUNDS];
/// Who has arrived, per round (a task's report of round r may come after
/// the other task's of round r + 1: the one that trips reports last).
static MEET_ARRIVED: [cs::Queue<usize>; MEET_ROUNDS] = [const { cs::Queue::const_new(0) }; MEET_ROUNDS];
static MEET_DONE: cs::Queue<(usize, usize)> = cs::Queue::const_new(0);

/// Set when a loop thread of the barrier test panics (a loop that reported
/// a deadlock, say), so the test fails instead of waiting for it for ever.
static MEET_LOOP_PANICKED: AtomicBool = AtomicBool::new(false);

/// Sets [`MEET_LOOP_PANICKED`] if dropped by a panic.
struct PanicAlarm;

impl Drop for PanicAlarm {
    fn drop(&mut self) {
        if std::thread::panicking() {
            MEET_LOOP_PANICKED.store(true, Ordering::SeqCst);
        }
    }
}

/// Takes one item from a static queue on this (non-loop) thread; panics
/// if `failed` says the thread that should put it has panicked.
fn take_from<T>(queue: &cs::Queue<T>, failed: &AtomicBool) -> T {
    loop {
        if let Ok(item) = queue.get_nowait() {
            return item;
        }
        assert!(!failed.load(Ordering::SeqCst), "a loop thread panicked: see its panic above");
        std::thread::yield_now();
    }
}

/// Two items from `queue` (see [`take_from`]), sorted.
fn take_two<T: Ord>(queue: &cs::Queue<T>, failed: &AtomicBool) -> [T; 2] {
    let mut items = [take_from(queue, failed), take_from(queue, failed)];
    items.sort();
    items
}

/// A static barrier of 3 parties met, round after round, by a task on each
/// of two loops on two threads and by `trigger` from this thread. In even
/// rounds both tasks wait first and the trigger trips it (true); in odd
/// rounds the trigger comes first (false, the barrier busy), then the tasks
/// come and the second of them trips it. Every round both tasks pass,
/// each loop idling meanwhile, and the barrier ends free.
#[test]
fn a_static_barrier_is_met_by_tasks_of_two_loops_and_a_thread() {
    let loops: Vec<_> = (0..2)
        .map(|id| {
            std::thread::spawn(move || {
                let _alarm = PanicAlarm;
                uasyncio::new_event_loop().run_until_complete(async move {
                    for round in 0..MEET_ROUNDS {
                        if round % 2 == 1 {
                            MEET_GO[round].wait().await;
                        }
                        after_first_poll(MEET.wait(), || MEET_ARRIVED[round].put_nowait(id).unwrap()).await;
                        MEET_DONE.put_nowait((id, round)).unwrap();
                    }
                })
            })
        })
        .collect();
    let mut trips = Vec::new();
    for round in 0..MEET_ROUNDS {
        if round % 2 == 0 {
            assert_eq!(take_two(&MEET_ARRIVED[round], &MEET_LOOP_PANICKED), [0, 1]);
            assert!(MEET.busy());
            trips.push(MEET.trigger());
        } else {
            assert!(!MEET.busy());
            trips.push(MEET.trigger());
            assert!(MEET.busy());
            MEET_GO[round].set();
            assert_eq!(take_two(&MEET_ARRIVED[round], &MEET_LOOP_PANICKED), [0, 1]);
        }
        assert_eq!(take_two(&MEET_DONE, &MEET_LOOP_PANICKED), [(0, round), (1, round)]);
    }
    for l in loops {
        l.join().unwrap();
    }
    assert_eq!(trips, [true, false, true, false]);
    assert!(!MEET.busy());
    assert!(MEET_ARRIVED.iter().all(cs::Queue::empty) && MEET_DONE.empty());
}

static PAIR: cs::Barrier = cs::Barrier::new(2);

/// A task waits at a static barrier of 2 and times out: its arrival is
/// taken back (the barrier is free again), so a thread's trigger then
/// does not trip it; a second trigger does.
#[test]
fn a_static_barrier_takes_back_the_arrival_of_a_cancelled_waiter() {
    let timed_out = uasyncio::new_event_loop().run_until_complete(async {
        let result = uasyncio::wait_for_ms(PAIR.wait(), 5).await;
        (result.is_err(), PAIR.busy())
    });
    assert_eq!(timed_out, (true, false));
    let trips = std::thread::spawn(|| (PAIR.trigger(), PAIR.busy(), PAIR.trigger())).join().unwrap();
    assert_eq!(trips, (false, true, true));
    assert!(!PAIR.busy());
}

static ANY_STOP: cs::Event = cs::Event::new();
static ANY_FLAG: uasyncio::ThreadSafeFlag = uasyncio::ThreadSafeFlag::new();
static ANY_DATA: uasyncio::Message<u32> = uasyncio::Message::new();
type AnyMembers = (&'static cs::Event, &'static uasyncio::ThreadSafeFlag, &'static uasyncio::Message<u32>);
static ANY: cs::WaitAny<AnyMembers> = cs::WaitAny::new((&ANY_STOP, &ANY_FLAG, &ANY_DATA));
static ANY_WAITING: cs::Queue<usize> = cs::Queue::const_new(0);
static ANY_FIRED: cs::Queue<usize> = cs::Queue::const_new(0);

/// A task waits on a static `cs::WaitAny` of a `cs::Event`, a
/// `ThreadSafeFlag` and a `Message`, three times; each time, once it waits,
/// another thread sets one member (the message, then the flag, then the
/// event): the waits give 2, 1, 0, which that thread also reads from
/// `event()`; the task clears the members after each.
#[test]
fn a_static_wait_any_is_woken_by_a_member_set_from_a_thread() {
    let setter = std::thread::spawn(|| {
        let mut seen = Vec::new();
        for round in 0..3 {
            assert_eq!(take_from(&ANY_WAITING, &AtomicBool::new(false)), round);
            match round {
                0 => ANY_DATA.set(7),
                1 => ANY_FLAG.set(),
                _ => ANY_STOP.set(),
            }
            let fired = take_from(&ANY_FIRED, &AtomicBool::new(false));
            seen.push((fired, ANY.event()));
        }
        seen
    });
    let fired = uasyncio::new_event_loop().run_until_complete(async {
        let mut fired = Vec::new();
        for round in 0..3 {
            let index = after_first_poll(ANY.wait(), || ANY_WAITING.put_nowait(round).unwrap()).await;
            ANY.clear();
            fired.push(index);
            ANY_FIRED.put_nowait(index).unwrap();
        }
        fired
    });
    assert_eq!(fired, [2, 1, 0]);
    assert_eq!(setter.join().unwrap(), [(2, Some(2)), (1, Some(1)), (0, Some(0))]);
    assert_eq!(ANY_DATA.value(), Some(7)); // cleared, the value stays
    assert!(!ANY_STOP.is_set() && !ANY_DATA.is_set());
}

static ALL_A: cs::Event = cs::Event::new();
static ALL_B: uasyncio::Message<&str> = uasyncio::Message::new();
static ALL: cs::WaitAll<(&cs::Event, &uasyncio::Message<&str>)> = cs::WaitAll::new((&ALL_A, &ALL_B));

/// A task waits on a static `cs::WaitAll` of an event and a message that
/// another thread, once the task waits, sets one after the other (the
/// event cleared again at once: it still counts): the wait ends after
/// both, and the task reads the message's value.
#[test]
fn a_static_wait_all_ends_once_a_thread_has_set_every_member() {
    let (waiting_tx, waiting_rx) = mpsc::channel::<()>();
    let setter = std::thread::spawn(move || {
        waiting_rx.recv().unwrap();
        ALL_A.set();
        ALL_A.clear();
        std::thread::sleep(std::time::Duration::from_millis(1));
        ALL_B.set("both");
    });
    let value = uasyncio::new_event_loop().run_until_complete(async move {
        after_first_poll(ALL.wait(), move || waiting_tx.send(()).unwrap()).await;
        ALL_B.value()
    });
    setter.join().unwrap();
    assert_eq!(value, Some("both"));
    assert!(!ALL_A.is_set());
}

/// `cs::Barrier`, a `cs::WaitAny` and a `cs::WaitAll` of `Sync` members
/// are `Sync` and `Send`, and so are the futures of their waits.
#[test]
fn the_cs_barrier_wait_any_and_wait_all_are_sync_and_their_waits_send() {
    fn sync<T: Sync + Send>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    sync(&MEET);
    sync(&ANY);
    sync(&ALL);
    send(&MEET.wait());
    send(&ANY.wait());
    send(&ALL.wait());
}

// ---- Broker, Elo ----

static NEWS: cs::Broker<&str, u32> = cs::Broker::new();
static INBOX: cs::Queue<(&str, u32)> = cs::Queue::const_new(4);
static NEWS_FLAG: uasyncio::ThreadSafeFlag = uasyncio::ThreadSafeFlag::new();

/// A thread subscribes a static bounded queue to "temperature" on a static
/// broker and publishes 0..50 to it (again while the full queue loses it),
/// each after a "humidity" reading nobody subscribed to, while a task of
/// this thread's loop drains the queue with `get().await` up to the last
/// one: the task gets
/// exactly ("temperature", 0..50), in order, and nothing of "humidity".
/// Then the thread subscribes a static flag and unsubscribes the queue:
/// the next publish sets the flag and leaves the queue empty.
#[test]
fn a_static_broker_published_to_from_a_thread_feeds_a_static_queue_in_order() {
    let publisher = std::thread::spawn(|| {
        assert!(NEWS.subscribe("temperature", &INBOX));
        let mut humidity_lost = 0;
        for i in 0..ITEMS / 4 {
            humidity_lost += NEWS.publish("humidity", 1000 + i);
            while NEWS.publish("temperature", i) == 1 {
                std::thread::yield_now(); // the queue was full: lost, publish again
            }
        }
        humidity_lost
    });
    let got = uasyncio::new_event_loop().run_until_complete(async {
        let mut got = Vec::new();
        while got.last() != Some(&("temperature", ITEMS / 4 - 1)) {
            got.push(INBOX.get().await);
        }
        got
    });
    assert_eq!(publisher.join().unwrap(), 0, "nobody subscribed to humidity: nothing lost");
    assert_eq!(got, (0..ITEMS / 4).map(|i| ("temperature", i)).collect::<Vec<_>>());
    std::thread::spawn(|| {
        assert!(NEWS.subscribe("temperature", &NEWS_FLAG));
        assert_eq!(NEWS.unsubscribe(&"temperature", &INBOX), Ok(()));
        assert_eq!(NEWS.publish("temperature", 99), 0);
    })
    .join()
    .unwrap();
    uasyncio::run_virtual(async { NEWS_FLAG.wait().await }); // set by that publish
    assert!(INBOX.empty());
    assert_eq!(NEWS.subscriptions(), 1);
}

static RELAY: cs::Broker<&str, u32> = cs::Broker::new();
static RELAYED: cs::Queue<(&str, u32)> = cs::Queue::const_new(0);

/// An agent that, given ("in", n), subscribes [`RELAYED`] to "out" (once)
/// and publishes ("out", n * 10) on the broker delivering to it.
struct Relay;

impl uasyncio::Agent<&'static str, u32> for Relay {
    fn put(&self, topic: &&'static str, message: &u32) -> bool {
        RELAYED.put_nowait((topic, *message)).unwrap();
        RELAY.subscribe("out", &RELAYED);
        RELAY.publish("out", message * 10);
        true
    }
}

static RELAY_AGENT: Relay = Relay;

/// Agents may use the broker that delivers to them (neither locked nor
/// borrowed meanwhile), from any thread: a thread publishes ("in", 1) and
/// ("in", 2) to an agent that records the message, subscribes a queue to
/// "out" (a duplicate the second time) and publishes ("out", n * 10). The
/// queue reads in, out, in, out: each inner publish completes first.
#[test]
fn an_agent_of_a_static_broker_subscribes_and_publishes_while_it_is_delivered_to() {
    assert!(RELAY.subscribe("in", &RELAY_AGENT));
    std::thread::spawn(|| {
        assert_eq!(RELAY.publish("in", 1), 0);
        assert_eq!(RELAY.publish("in", 2), 0);
    })
    .join()
    .unwrap();
    let got: Vec<_> = std::iter::from_fn(|| RELAYED.get_nowait().ok()).collect();
    assert_eq!(got, [("in", 1), ("out", 10), ("in", 2), ("out", 20)]);
    assert_eq!(RELAY.subscriptions(), 2, "in -> relay, out -> queue (once)");
}

static JOB: cs::Elo<u32> = cs::Elo::new();
static JOB_LOG: cs::Queue<String> = cs::Queue::const_new(0);

/// Logs, when dropped, which thread dropped it.
struct LogDrop;

impl Drop for LogDrop {
    fn drop(&mut self) {
        let thread = std::thread::current().name().unwrap_or("?").to_string();
        JOB_LOG.put_nowait(format!("job dropped on {thread}")).unwrap();
    }
}

/// Waits (on a plain thread) for the next line of [`JOB_LOG`].
fn next_line() -> String {
    loop {
        match JOB_LOG.get_nowait() {
            Ok(line) => return line,
            Err(uasyncio::QueueEmpty) => std::thread::yield_now(),
        }
    }
}

/// A static `Elo`, started by a task on the "owner" thread's loop (a job
/// that would sleep 10 s), is waited on by a task of the "waiter"
/// thread's loop and cancelled from a third thread once the job runs: the
/// job is dropped on the owner's thread (tasks are not sent) before the
/// `Elo` is set, the waiter gets `Err(Cancelled)`, the owner sees the
/// `Elo` set; a cancel then is
/// `Ok(false)`, and so is a start `Err(AlreadyWatching)`.
#[test]
fn a_static_elo_started_on_one_loop_is_waited_on_from_another_and_cancelled_from_a_third_thread() {
    assert_eq!(JOB.cancel(), Err(uasyncio::sync::NotWatching), "nothing to cancel yet");
    let owner = std::thread::Builder::new()
        .name("owner".into())
        .spawn(|| {
            uasyncio::new_event_loop().run_until_complete(async {
                JOB.start(async {
                    let _log = LogDrop;
                    JOB_LOG.put_nowait("job started".into()).unwrap();
                    // Real time; cancelled at once. 10 s, so that a cancel
                    // never carried out shows as Ok(7) rather than a hang.
                    uasyncio::sleep(10).await;
                    7
                })
                .unwrap();
                JOB.wait().await;
                JOB_LOG.put_nowait(format!("owner saw the end: set {}", JOB.is_set())).unwrap();
            })
        })
        .unwrap();
    let waiter = std::thread::spawn(|| uasyncio::new_event_loop().run_until_complete(JOB.result()));
    assert_eq!(next_line(), "job started");
    let canceller = std::thread::spawn(|| JOB.cancel());
    assert_eq!(canceller.join().unwrap(), Ok(true));
    assert_eq!(waiter.join().unwrap(), Err(uasyncio::TaskError::Cancelled));
    owner.join().unwrap();
    assert_eq!(next_line(), "job dropped on owner");
    assert_eq!(next_line(), "owner saw the end: set true");
    assert_eq!(JOB.cancel(), Ok(false), "ended");
    uasyncio::run_virtual(async {
        assert_eq!(JOB.start(async { 8 }), Err(uasyncio::sync::AlreadyWatching));
    });
    assert!(JOB_LOG.empty());
}

static ORPHAN: cs::Elo<()> = cs::Elo::new();

/// A static `Elo` whose owning loop is closed while its task runs ends
/// with `Err(Cancelled)`: a task of another thread's loop, waiting for it,
/// gets that.
#[test]
fn a_static_elo_whose_loop_is_closed_ends_cancelled() {
    let waiter = std::thread::spawn(|| uasyncio::new_event_loop().run_until_complete(ORPHAN.result()));
    let owner = uasyncio::new_event_loop();
    owner.run_until_complete(async {
        ORPHAN.start(uasyncio::sleep(3600)).unwrap();
        uasyncio::sleep(0).await; // the task sleeps now
    });
    assert!(!ORPHAN.is_set());
    owner.close(); // cancels its tasks: the job and the Elo's watcher
    assert!(ORPHAN.is_set());
    assert_eq!(waiter.join().unwrap(), Err(uasyncio::TaskError::Cancelled));
}

static LATER: cs::Elo<u32> = cs::Elo::new();

/// A cancel before a start does nothing and is not kept: the job started
/// afterwards runs to its end (5 ms of virtual time) and gives its value.
#[test]
fn a_cancel_before_a_static_elo_is_started_is_refused_and_not_kept() {
    assert_eq!(LATER.cancel(), Err(uasyncio::sync::NotWatching));
    assert!(!LATER.watching());
    let outcome = uasyncio::run_virtual(async {
        LATER
            .start(async {
                uasyncio::sleep_ms(5).await;
                5
            })
            .unwrap();
        let outcome = LATER.result().await;
        (outcome, uasyncio::time::ticks_ms())
    });
    assert_eq!(outcome, (Ok(5), 5));
}

/// The static broker and `Elo` are `Sync`, and the future of an `Elo`'s
/// wait is `Send`.
#[test]
fn the_cs_broker_and_elo_are_sync_and_an_elo_wait_send() {
    fn sync<T: Sync + Send>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    sync(&NEWS);
    sync(&JOB);
    send(&JOB.wait());
}

// ---- what a static keeps of the loops that used it ----

/// A virtual clock that counts its drops: a loop's platform is dropped
/// with the last of its memory (its task cells hold its `Remote`, which
/// holds the platform).
struct CountedClock {
    clock: uasyncio::VirtualClock,
    dropped: &'static std::sync::atomic::AtomicUsize,
}

impl uasyncio::Platform for CountedClock {
    fn now_us(&self) -> u64 {
        self.clock.now_us()
    }
    fn wait(&self, deadline_us: Option<u64>) {
        self.clock.wait(deadline_us)
    }
    fn notify(&self) {
        self.clock.notify()
    }
}

impl Drop for CountedClock {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

static WOKEN: cs::Event = cs::Event::new();
static HANDOFF: cs::Queue<u32> = cs::Queue::const_new(1);
static GATE: cs::Semaphore = cs::Semaphore::new(0);
static CLOCKS_DROPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Three loops, one after another, each with a task that waits on static
/// cs primitives (an event, a queue's `get`, a semaphore's `acquire`) and
/// is woken there. A static is never dropped, so whatever it kept of a
/// waiter would keep that loop allocated for good. The thread keeps its
/// last loop installed until another replaces it; once replaced, each
/// loop's platform is dropped (0, 1, 2, then 3 of them): the statics keep
/// no waker of a task that was woken.
#[test]
fn static_primitives_keep_nothing_of_the_loops_that_waited_on_them() {
    let dropped = || CLOCKS_DROPPED.load(std::sync::atomic::Ordering::SeqCst);
    for round in 1..=3u32 {
        let event_loop = uasyncio::new_event_loop_with(CountedClock {
            clock: uasyncio::VirtualClock::new(),
            dropped: &CLOCKS_DROPPED,
        });
        assert_eq!(dropped(), round as usize - 1, "the loops before round {round} are gone");
        event_loop.run_until_complete(async move {
            WOKEN.clear();
            let waiter = create_task(async move {
                WOKEN.wait().await;
                let got = HANDOFF.get().await;
                GATE.acquire().await.forget();
                got
            });
            // Each time, the waiter has waited 1 ms on the next primitive.
            uasyncio::sleep_ms(1).await;
            WOKEN.set();
            uasyncio::sleep_ms(1).await;
            HANDOFF.put_nowait(round).unwrap();
            uasyncio::sleep_ms(1).await;
            GATE.release();
            assert_eq!(waiter.await, Ok(round));
        });
    }
    drop(uasyncio::new_event_loop());
    assert_eq!(dropped(), 3, "every loop is gone");
}

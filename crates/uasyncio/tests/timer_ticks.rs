//! Idle waits and the platform's tick (`Platform::tick_us`): timers due
//! within one tick share one wake-up at the latest of their deadlines, none
//! fires early, equal deadlines fire in the order they were armed, a timer
//! alone in its tick is waited for exactly, and a tick of 1
//! (`VirtualClock`) changes nothing.
//!
//! The clock here is virtual (it jumps to whatever deadline the loop waits
//! for) and records those deadlines, so every wait the loop asks for is
//! seen with its exact value.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use uasyncio::time::now_us;
use uasyncio::{EventLoop, Platform, create_task, new_event_loop_with, sleep_us};

/// Virtual time with a tick: `wait` jumps to its deadline and records it.
struct TickClock {
    tick: u64,
    now: AtomicU64,
    waits: Mutex<Vec<u64>>,
}

impl Platform for TickClock {
    fn now_us(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }
    fn wait(&self, deadline_us: Option<u64>) {
        let deadline = deadline_us.expect("these tests always have a timer pending when they idle");
        self.waits.lock().unwrap().push(deadline);
        self.now.fetch_max(deadline, Ordering::Relaxed);
    }
    fn notify(&self) {}
    fn spinning_until(&self, deadline_us: u64) {
        self.now.fetch_max(deadline_us, Ordering::Relaxed);
    }
    fn tick_us(&self) -> u64 {
        self.tick
    }
}

/// Runs `main` on a loop over a [`TickClock`] with `tick`; returns its
/// output and the deadlines of the idle waits, in order.
fn run_with_tick<T: 'static>(tick: u64, main: impl AsyncFnOnce() -> T + 'static) -> (T, Vec<u64>) {
    let clock = std::sync::Arc::new(TickClock { tick, now: AtomicU64::new(0), waits: Mutex::default() });
    let event_loop: EventLoop = new_event_loop_with(SharedClock(clock.clone()));
    let out = event_loop.run_until_complete(main());
    let waits = clock.waits.lock().unwrap().clone();
    (out, waits)
}

/// Lets the test keep a handle on the clock the loop owns.
struct SharedClock(std::sync::Arc<TickClock>);

impl Platform for SharedClock {
    fn now_us(&self) -> u64 {
        self.0.now_us()
    }
    fn wait(&self, deadline_us: Option<u64>) {
        self.0.wait(deadline_us);
    }
    fn notify(&self) {
        self.0.notify();
    }
    fn spinning_until(&self, deadline_us: u64) {
        self.0.spinning_until(deadline_us);
    }
    fn tick_us(&self) -> u64 {
        self.0.tick_us()
    }
}

/// Sleeps: `(name, µs)`, each in a task of its own, created in this order;
/// returns `(name, deadline, time it woke)` in the order they woke.
async fn sleepers(sleeps: &[(&'static str, u64)]) -> Vec<(&'static str, u64, u64)> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let start = now_us();
    let tasks: Vec<_> = sleeps
        .iter()
        .map(|&(name, us)| {
            let log = log.clone();
            create_task(async move {
                sleep_us(us).await;
                log.borrow_mut().push((name, start + us, now_us()));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    Rc::try_unwrap(log).unwrap().into_inner()
}

const SCENARIO: [(&str, u64); 9] = [
    ("a", 900),
    ("b", 250),
    ("c", 100),
    ("d", 250),
    ("e", 1_500),
    ("f", 2_999),
    ("g", 2_300),
    ("h", 2_600),
    ("i", 3_000),
];

#[test]
fn timers_within_one_tick_share_one_wait_until_the_latest_in_deadline_then_fifo_order() {
    let (woke, waits) = run_with_tick(1_000, async || sleepers(&SCENARIO).await);
    // c, b, d, a fall due in the first tick (up to 1 000 included): one
    // wait, to the latest of them; e is alone in its tick: waited for
    // exactly; g, h, f, i share the third (2 001 to 3 000).
    assert_eq!(waits, [900, 1_500, 3_000]);
    assert_eq!(
        woke,
        [
            ("c", 100, 900),
            ("b", 250, 900),
            ("d", 250, 900), // equal deadlines: in the order they were armed
            ("a", 900, 900),
            ("e", 1_500, 1_500),
            ("g", 2_300, 3_000),
            ("h", 2_600, 3_000),
            ("f", 2_999, 3_000),
            ("i", 3_000, 3_000),
        ]
    );
}

#[test]
fn a_tick_of_one_waits_for_every_deadline_exactly() {
    let (woke, waits) = run_with_tick(1, async || sleepers(&SCENARIO).await);
    assert_eq!(waits, [100, 250, 900, 1_500, 2_300, 2_600, 2_999, 3_000]);
    let exact: Vec<_> = woke.iter().map(|&(name, deadline, _)| (name, deadline, deadline)).collect();
    assert_eq!(woke, exact);
    let order: String = woke.iter().map(|w| w.0).collect();
    assert_eq!(order, "cbdaeghfi");
}

#[test]
fn virtual_clock_timelines_stay_exact() {
    let woke = uasyncio::run_virtual(sleepers(&SCENARIO));
    let exact: Vec<_> = woke.iter().map(|&(name, deadline, _)| (name, deadline, deadline)).collect();
    assert_eq!(woke, exact);
}

/// The bench's workload: 1 000 sleepers of pseudo-random 1-50 ms,
/// distinct µs deadlines. One wait per millisecond tick that holds a
/// deadline (to the latest in it), none before a due timer, each timer
/// fired within its own tick.
#[test]
fn a_thousand_distinct_deadlines_take_one_wait_per_tick() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let delays: Vec<u64> = (0..1_000)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            1_000 + state.wrapping_mul(0x2545_F491_4F6C_DD1D) % 49_001
        })
        .collect();
    let (woke, waits) = run_with_tick(1_000, {
        let delays = delays.clone();
        async move || {
            let tasks: Vec<_> = delays
                .iter()
                .map(|&us| {
                    create_task(async move {
                        sleep_us(us).await;
                        (us, now_us())
                    })
                })
                .collect();
            let mut woke = Vec::new();
            for task in tasks {
                woke.push(task.await.unwrap());
            }
            woke
        }
    });
    let mut ticks: Vec<u64> = delays.iter().map(|us| us.div_ceil(1_000)).collect();
    ticks.sort_unstable();
    ticks.dedup();
    assert_eq!(ticks.len(), 49, "the deadlines fill every tick from 1 to 50 ms");
    // The latest deadline of each tick.
    let latest = |tick: u64| delays.iter().copied().filter(|us| us.div_ceil(1_000) == tick).max().unwrap();
    assert_eq!(waits, ticks.iter().map(|&t| latest(t)).collect::<Vec<_>>());
    for (us, at) in woke {
        assert_eq!(at, latest(us.div_ceil(1_000)), "a timer due at {us} fires with the latest of its tick");
    }
}

#[test]
fn a_wait_never_ends_before_the_earliest_deadline() {
    // Deadlines on and just after a tick's boundary: 2 000 is the end of
    // its own tick, 2 001 starts the next one.
    let (woke, waits) =
        run_with_tick(1_000, async || sleepers(&[("a", 2_000), ("b", 2_001), ("c", 2_999), ("d", 3_000)]).await);
    assert_eq!(waits, [2_000, 3_000]);
    assert_eq!(woke, [("a", 2_000, 2_000), ("b", 2_001, 3_000), ("c", 2_999, 3_000), ("d", 3_000, 3_000)]);
}

#[test]
fn with_more_than_64_timers_due_in_a_tick_the_wait_ends_at_its_end() {
    // 65 timers between 1 and 65 µs: the loop does not look through them
    // all for the latest, it waits until the tick's end; 64 it does.
    let many: Vec<(&str, u64)> = (1..=65).map(|us| ("t", us)).collect();
    let (woke, waits) = run_with_tick(1_000, async move || sleepers(&many).await);
    assert_eq!(waits, [1_000]);
    assert!(woke.iter().all(|&(_, _, at)| at == 1_000));
    let deadlines: Vec<u64> = woke.iter().map(|w| w.1).collect();
    assert_eq!(deadlines, (1..=65).collect::<Vec<_>>(), "fired in deadline order");

    let fewer: Vec<(&str, u64)> = (1..=64).map(|us| ("t", us)).collect();
    let (_, waits) = run_with_tick(1_000, async move || sleepers(&fewer).await);
    assert_eq!(waits, [64]);
}

//! Zero allocation per poll, per sleep, per wait of every primitive and per lock hand-off
//! once the loop's queues have grown (SPEC §2), counted by a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `n` rounds natively; a tenth under Miri, which checks the memory
/// accesses of the same code paths (any allocation still shows up).
fn rounds(n: u32) -> u32 {
    if cfg!(miri) { n / 10 } else { n }
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Runs 4 tasks doing `rounds` rounds of `step` each, twice on the same
/// loop, and returns the allocations of the second run: the first one grows
/// the loop's queues to their high-water mark.
fn allocations_in_steady_state<F, Fut>(rounds: u32, step: F) -> u64
where
    F: Fn(u32) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = ()>,
{
    uasyncio::run_virtual(async move {
        run_tasks(rounds, step.clone()).await;
        run_tasks(rounds, step).await
    })
}

/// Starts the tasks (that allocates: one allocation per task), lets them all
/// reach the start line, then counts what the rounds themselves allocate.
async fn run_tasks<F, Fut>(rounds: u32, step: F) -> u64
where
    F: Fn(u32) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let start = Rc::new(uasyncio::Event::new());
    let mut tasks = Vec::with_capacity(4);
    for id in 0..4 {
        let (step, start) = (step.clone(), start.clone());
        tasks.push(uasyncio::create_task(async move {
            start.wait().await;
            for _ in 0..rounds {
                step(id).await;
            }
        }));
    }
    uasyncio::sleep(0).await;
    let before = allocations();
    start.set();
    for t in tasks {
        t.await.unwrap();
    }
    allocations() - before
}

#[test]
fn yielding_allocates_nothing() {
    assert_eq!(allocations_in_steady_state(rounds(1000), |_| uasyncio::sleep(0)), 0);
}

#[test]
fn sleeping_allocates_nothing() {
    assert_eq!(allocations_in_steady_state(rounds(1000), |id| uasyncio::sleep_ms(1 + id % 3)), 0);
}

#[test]
fn event_waits_allocate_nothing() {
    let event = Rc::new(uasyncio::Event::new());
    // Task 0 sets and clears the event every millisecond; the others wait on it.
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let event = event.clone();
        async move {
            if id == 0 {
                uasyncio::sleep_ms(1).await;
                event.set();
                event.clear();
            } else {
                event.wait().await;
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn lock_hand_offs_allocate_nothing() {
    let lock = Rc::new(uasyncio::Lock::new());
    let counted = allocations_in_steady_state(rounds(500), move |_| {
        let lock = lock.clone();
        async move {
            let _guard = lock.acquire().await;
            uasyncio::sleep(0).await; // others queue up and get it handed over
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn queue_traffic_allocates_nothing() {
    let queue = Rc::new(uasyncio::Queue::new(2));
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let queue = queue.clone();
        async move {
            if id % 2 == 0 {
                queue.put(id).await;
            } else {
                let _ = queue.get().await;
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn wait_for_allocates_nothing() {
    let counted = allocations_in_steady_state(rounds(500), |_| async {
        let _ = uasyncio::wait_for_ms(uasyncio::sleep_ms(2), 1).await;
    });
    assert_eq!(counted, 0);
}

#[test]
fn semaphore_hand_offs_allocate_nothing() {
    let sema = Rc::new(uasyncio::Semaphore::new(2));
    let counted = allocations_in_steady_state(rounds(500), move |_| {
        let sema = sema.clone();
        async move {
            let _permit = sema.acquire().await;
            uasyncio::sleep(0).await;
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn condition_waits_and_notifies_allocate_nothing() {
    let cond = Rc::new(uasyncio::Condition::new());
    // Task 0 notifies every millisecond; the others wait.
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let cond = cond.clone();
        async move {
            if id == 0 {
                uasyncio::sleep_ms(1).await;
                cond.acquire().await.notify_all();
            } else {
                let guard = cond.acquire().await;
                drop(guard.wait().await);
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn barrier_rounds_allocate_nothing() {
    let barrier = Rc::new(uasyncio::Barrier::with_action(4, || {}));
    let counted = allocations_in_steady_state(rounds(500), move |_| {
        let barrier = barrier.clone();
        async move { barrier.wait().await }
    });
    assert_eq!(counted, 0);
}

#[test]
fn ringbuf_queue_traffic_allocates_nothing() {
    let queue = Rc::new(uasyncio::RingbufQueue::new(2));
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let queue = queue.clone();
        async move {
            if id % 2 == 0 {
                queue.put(id).await;
            } else {
                let _ = queue.get().await;
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn message_waits_allocate_nothing() {
    let message = Rc::new(uasyncio::Message::new());
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let message = message.clone();
        async move {
            if id == 0 {
                uasyncio::sleep_ms(1).await;
                message.set(id);
                message.clear();
            } else {
                let _ = message.wait().await;
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn delay_retriggers_and_waits_allocate_nothing() {
    // Made outside the counted rounds (its task is one allocation).
    let counted = uasyncio::run_virtual(async {
        let delay = Rc::new(uasyncio::DelayMs::new(5));
        let step = move |id: u32| {
            let delay = delay.clone();
            async move {
                if id == 0 {
                    for _ in 0..10 {
                        delay.trigger(); // retriggered before it runs out
                        uasyncio::sleep_ms(1).await;
                    }
                    delay.trigger_ms(0);
                }
                delay.wait().await;
                uasyncio::sleep(0).await;
                delay.clear();
            }
        };
        run_tasks(rounds(100), step.clone()).await;
        run_tasks(rounds(100), step).await
    });
    assert_eq!(counted, 0);
}

#[test]
fn wait_any_and_wait_all_allocate_nothing() {
    let events = Rc::new([uasyncio::Event::new(), uasyncio::Event::new()]);
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let events = events.clone();
        async move {
            if id == 0 {
                uasyncio::sleep_ms(1).await;
                events[0].set();
                events[1].set();
                events[0].clear();
                events[1].clear();
            } else if id == 1 {
                uasyncio::WaitAll::new([&events[0], &events[1]]).wait().await;
            } else {
                uasyncio::WaitAny::new((&events[0], &events[1])).wait().await;
            }
        }
    });
    assert_eq!(counted, 0);
}

#[test]
fn broker_publishing_to_a_queue_and_an_event_allocates_nothing() {
    let broker = Rc::new(uasyncio::Broker::<u32, u32>::new());
    let queue = Rc::new(uasyncio::Queue::new(4));
    let event = Rc::new(uasyncio::Event::new());
    broker.subscribe(1, queue.clone());
    broker.subscribe(1, event.clone());
    let counted = allocations_in_steady_state(rounds(500), move |id| {
        let (broker, queue) = (broker.clone(), queue.clone());
        async move {
            if id == 0 {
                broker.publish(1, id);
                uasyncio::sleep(0).await;
            } else if id == 1 {
                let _ = queue.get().await;
            } else {
                uasyncio::sleep(0).await;
            }
        }
    });
    assert_eq!(counted, 0);
}

static CS_EVENT: uasyncio::sync::cs::Event = uasyncio::sync::cs::Event::new();

#[test]
fn cs_event_waits_allocate_nothing() {
    // As `event_waits_allocate_nothing`, on a static critical-section event
    // (its waiters also count themselves on the loop: no allocation either).
    let counted = allocations_in_steady_state(rounds(500), |id| async move {
        if id == 0 {
            uasyncio::sleep_ms(1).await;
            CS_EVENT.set();
            CS_EVENT.clear();
        } else {
            CS_EVENT.wait().await;
        }
    });
    assert_eq!(counted, 0);
}

static CS_QUEUE: uasyncio::sync::cs::Queue<u32> = uasyncio::sync::cs::Queue::const_new(2);

#[test]
fn cs_queue_traffic_allocates_nothing() {
    let counted = allocations_in_steady_state(rounds(500), |id| async move {
        if id % 2 == 0 {
            CS_QUEUE.put(id).await;
        } else {
            let _ = CS_QUEUE.get().await;
        }
    });
    assert_eq!(counted, 0);
}

static CS_LOCK: uasyncio::sync::cs::Lock = uasyncio::sync::cs::Lock::new();
static CS_SEMAPHORE: uasyncio::sync::cs::Semaphore = uasyncio::sync::cs::Semaphore::new(2);

#[test]
fn cs_lock_and_semaphore_hand_offs_allocate_nothing() {
    let counted = allocations_in_steady_state(rounds(500), |id| async move {
        if id % 2 == 0 {
            let _guard = CS_LOCK.acquire().await;
            uasyncio::sleep(0).await;
        } else {
            let _permit = CS_SEMAPHORE.acquire().await;
            uasyncio::sleep(0).await;
        }
    });
    assert_eq!(counted, 0);
}

static CS_BARRIER: uasyncio::sync::cs::Barrier = uasyncio::sync::cs::Barrier::new(4);

#[test]
fn cs_barrier_rounds_allocate_nothing() {
    // As `barrier_rounds_allocate_nothing`, on a static critical-section
    // barrier (no action; its waiters count themselves on the loop).
    let counted = allocations_in_steady_state(rounds(500), |_| CS_BARRIER.wait());
    assert_eq!(counted, 0);
}

static CS_EVENTS: [uasyncio::sync::cs::Event; 2] = [const { uasyncio::sync::cs::Event::new() }; 2];
static CS_ANY: uasyncio::sync::cs::WaitAny<(&uasyncio::sync::cs::Event, &uasyncio::sync::cs::Event)> =
    uasyncio::sync::cs::WaitAny::new((&CS_EVENTS[0], &CS_EVENTS[1]));
static CS_ALL: uasyncio::sync::cs::WaitAll<[&uasyncio::sync::cs::Event; 2]> =
    uasyncio::sync::cs::WaitAll::new([&CS_EVENTS[0], &CS_EVENTS[1]]);

#[test]
fn cs_wait_any_and_wait_all_allocate_nothing() {
    // As `wait_any_and_wait_all_allocate_nothing`, on statics of cs events.
    let counted = allocations_in_steady_state(rounds(500), |id| async move {
        if id == 0 {
            uasyncio::sleep_ms(1).await;
            CS_EVENTS.iter().for_each(uasyncio::sync::cs::Event::set);
            CS_EVENTS.iter().for_each(uasyncio::sync::cs::Event::clear);
        } else if id == 1 {
            CS_ALL.wait().await;
        } else {
            CS_ANY.wait().await;
        }
    });
    assert_eq!(counted, 0);
}

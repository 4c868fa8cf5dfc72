//! Zero allocation per poll, per sleep, per event wait and per lock hand-off
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

//! MicroPython's `asyncio_heaplock`: scheduling tasks and `sleep_ms` must not
//! allocate. MicroPython locks its heap; here a counting global allocator
//! counts the allocations made on the test's thread while the "heap lock" is
//! held. This file is its own test binary so the allocator affects nothing
//! else.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use uasyncio::{EventLoop, VirtualClock, create_task, new_event_loop_with, sleep_ms};

/// Counts allocations made on a thread between [`heap_lock`] and
/// [`heap_unlock`].
struct CountingAlloc;

std::thread_local! {
    static LOCKED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    let locked = LOCKED.try_with(Cell::get).unwrap_or(false);
    if locked {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments; the
// bookkeeping touches only const-initialised thread-locals (no allocation).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// MicroPython's `micropython.heap_lock()`, as a count rather than an error.
fn heap_lock() {
    ALLOCATIONS.with(|n| n.set(0));
    LOCKED.with(|l| l.set(true));
}

/// Ends the "heap lock"; gives the number of allocations made under it.
fn heap_unlock() -> usize {
    LOCKED.with(|l| l.set(false));
    ALLOCATIONS.with(Cell::get)
}

/// A transcript that does not allocate while it has spare capacity: lines are
/// static strings.
type Log = Rc<RefCell<Vec<&'static str>>>;

/// Prints one of `lines` (MicroPython prints `id, i`) every `ms`.
async fn task(log: Log, lines: &'static [&'static str], ms: u32) {
    for line in lines {
        log.borrow_mut().push(line);
        sleep_ms(ms).await;
    }
}

/// The `asyncio_heaplock` scenario on `lp`: with two tasks started (printing
/// every 100 ms and every 250 ms), main runs under a heap lock: it prints,
/// sleeps 5 ms, prints, sleeps 350 ms, prints. Gives the transcript and the
/// number of allocations made under the lock.
fn scenario(lp: &EventLoop) -> (Vec<&'static str>, usize) {
    let log: Log = Rc::new(RefCell::new(Vec::with_capacity(64)));
    let l = log.clone();
    let allocations = lp.run_until_complete(async move {
        let t1 = create_task(task(l.clone(), &["1 0", "1 1", "1 2", "1 3"], 100));
        let t2 = create_task(task(l.clone(), &["2 0", "2 1"], 250));
        heap_lock();
        l.borrow_mut().push("start");
        sleep_ms(5).await;
        l.borrow_mut().push("sleep");
        sleep_ms(350).await;
        l.borrow_mut().push("finish");
        let allocations = heap_unlock();
        // Leave nothing behind for the next run.
        t1.await.unwrap();
        t2.await.unwrap();
        allocations
    });
    let lines = log.borrow().clone();
    (lines, allocations)
}

const EXPECTED: [&str; 9] = ["start", "1 0", "2 0", "sleep", "1 1", "1 2", "2 1", "1 3", "finish"];

/// `asyncio_heaplock`: the interleaving is MicroPython's, and once the loop
/// has run the scenario once (its queues have grown to their high-water
/// mark), running it again allocates nothing under the lock: not switching
/// tasks, not `sleep_ms`, not waking from a timer.
///
/// Left out: the `StreamWriter.write` part (our streams wrap sockets; there is
/// no user-supplied stream object to write to).
#[test]
fn asyncio_heaplock() {
    let lp = new_event_loop_with(VirtualClock::new());
    let (first, first_allocations) = scenario(&lp);
    assert_eq!(first, EXPECTED);
    let (second, allocations) = scenario(&lp);
    assert_eq!(second, EXPECTED);
    assert_eq!(allocations, 0, "allocations under the lock in steady state (first run: {first_allocations})");
    eprintln!("first run: {first_allocations} allocations under the lock");
}

//! A counting allocator for the tests that measure what a scenario keeps
//! allocated (`soundness.rs`, `model.rs`). It counts only the threads that
//! ask for it (`count_this_thread`), so the tests running in parallel in a
//! binary, and proptest's runner, do not disturb a measurement. A test file
//! installs it with `#[global_allocator] static ALLOCATOR: Counting = Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

pub struct Counting;

/// Bytes allocated and not yet freed by the counted threads.
static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

pub fn count_this_thread() {
    COUNTED.with(|c| c.set(true));
}

pub fn live_bytes() -> isize {
    LIVE.load(Ordering::SeqCst)
}

fn delta(bytes: usize) -> isize {
    isize::try_from(bytes).expect("an allocation fits in isize")
}

// SAFETY: every call is forwarded to `System` unchanged; the counting only
// reads a const thread-local (no allocation) and updates an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counted() {
            LIVE.fetch_add(delta(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counted() {
            LIVE.fetch_add(delta(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        if counted() {
            LIVE.fetch_sub(delta(layout.size()), Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's arguments.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counted() {
            LIVE.fetch_add(delta(new_size) - delta(layout.size()), Ordering::Relaxed);
        }
        p
    }
}

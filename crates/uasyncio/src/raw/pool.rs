//! Task cells come from a pool kept by their loop.
//!
//! A program spawns tasks of a handful of sizes, over and over. Asking the
//! global allocator for each cell costs more than the rest of a spawn and
//! join together (with glibc, ~300 instructions per cell when many are alive
//! at once), and on a small heap it fragments. The pool carves cells out of
//! 16 KiB chunks, one size class per 16 bytes up to 512, and keeps freed
//! cells on a free list per class for the next spawn of that size.
//!
//! Ownership: the pool lives in the loop's `Remote`, which every task holds,
//! so it outlives every cell it handed out; its chunks go back to the
//! global allocator when the `Remote` goes (the loop and all its tasks are
//! gone). Until then the pool keeps its high-water mark of cells.
//!
//! Threads: only the loop's own thread allocates and recycles (the caller
//! says so with `on_owner_thread`); a cell whose last reference goes away on
//! another thread is not recycled, and its memory returns with its chunk.
//! Without `std` every cell comes from the global allocator (an interrupt
//! may free one, and there is no thread to tell apart).

use alloc::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};

/// Size granularity and alignment of the pooled cells.
const GRAIN: usize = 16;
/// Number of classes: cells up to `GRAIN * CLASSES` bytes are pooled.
const CLASSES: usize = 32;
/// Bytes per chunk.
const CHUNK: usize = 16 * 1024;

struct FreeCell {
    next: *mut FreeCell,
}

#[derive(Clone, Copy)]
struct Class {
    /// Recycled cells of this class.
    free: *mut FreeCell,
    /// The unused rest of the class's current chunk.
    bump: *mut u8,
    end: *mut u8,
}

struct State {
    classes: [Class; CLASSES],
    chunks: Vec<NonNull<u8>>,
}

/// Per-loop pool of task cells (see the module documentation).
pub(crate) struct CellPool {
    state: UnsafeCell<State>,
}

// SAFETY: `state` is touched only by `alloc`/`free`, whose callers guarantee
// they run on the loop's own thread (one thread, and neither calls out to
// other code while it holds the borrow), and by `Drop`, which has the pool
// to itself.
unsafe impl Sync for CellPool {}
// SAFETY: as above; the raw pointers are into chunks the pool owns.
unsafe impl Send for CellPool {}

fn chunk_layout() -> Layout {
    // CHUNK and GRAIN are constants that make a valid layout.
    Layout::from_size_align(CHUNK, GRAIN).unwrap_or_else(|_| unreachable!())
}

impl CellPool {
    pub(crate) fn new() -> CellPool {
        let empty = Class { free: ptr::null_mut(), bump: ptr::null_mut(), end: ptr::null_mut() };
        CellPool { state: UnsafeCell::new(State { classes: [empty; CLASSES], chunks: Vec::new() }) }
    }

    /// The class of a cell layout, if cells of that layout are pooled.
    #[inline]
    pub(crate) fn class_of(layout: Layout) -> Option<usize> {
        let size = layout.size();
        (size != 0 && size <= GRAIN * CLASSES && layout.align() <= GRAIN).then(|| size.div_ceil(GRAIN) - 1)
    }

    /// A cell of `class` (from [`class_of`](Self::class_of)).
    ///
    /// # Safety
    /// The caller runs on the thread of the pool's loop.
    #[inline]
    pub(crate) unsafe fn alloc(&self, class: usize) -> NonNull<u8> {
        // SAFETY: loop thread only (caller), and nothing below re-enters.
        let state = unsafe { &mut *self.state.get() };
        let c = &mut state.classes[class];
        if let Some(cell) = NonNull::new(c.free) {
            // SAFETY: free-list entries are recycled cells of this class,
            // each holding the link written by `free`.
            c.free = unsafe { cell.as_ref() }.next;
            return cell.cast();
        }
        let size = (class + 1) * GRAIN;
        if (c.end as usize) - (c.bump as usize) < size {
            // SAFETY: the layout has a non-zero size.
            let chunk =
                NonNull::new(unsafe { alloc(chunk_layout()) }).unwrap_or_else(|| handle_alloc_error(chunk_layout()));
            state.chunks.push(chunk);
            let c = &mut state.classes[class];
            c.bump = chunk.as_ptr();
            // SAFETY: one past the end of the chunk.
            c.end = unsafe { chunk.as_ptr().add(CHUNK) };
        }
        let c = &mut state.classes[class];
        let cell = c.bump;
        // SAFETY: `size` bytes fit before `end` (checked above).
        c.bump = unsafe { cell.add(size) };
        // SAFETY: inside a live chunk, so not null.
        unsafe { NonNull::new_unchecked(cell) }
    }

    /// Recycles a cell of `class`, whose contents have been dropped.
    ///
    /// # Safety
    /// `cell` came from `alloc(class)` of this pool and is not used again;
    /// the caller runs on the thread of the pool's loop.
    #[inline]
    pub(crate) unsafe fn free(&self, cell: NonNull<u8>, class: usize) {
        // SAFETY: loop thread only (caller), and nothing below re-enters.
        let state = unsafe { &mut *self.state.get() };
        let c = &mut state.classes[class];
        let cell = cell.cast::<FreeCell>();
        // SAFETY: the cell is at least GRAIN bytes, aligned, and unused.
        unsafe { cell.as_ptr().write(FreeCell { next: c.free }) };
        c.free = cell.as_ptr();
    }
}

impl Drop for CellPool {
    fn drop(&mut self) {
        for chunk in self.state.get_mut().chunks.drain(..) {
            // SAFETY: allocated in `alloc` with this layout; every cell in it
            // is gone (the pool outlives its cells).
            unsafe { dealloc(chunk.as_ptr(), chunk_layout()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_to_16_bytes_and_stop_at_512() {
        let class = |size, align| CellPool::class_of(Layout::from_size_align(size, align).unwrap());
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(16, 8), Some(0));
        assert_eq!(class(17, 8), Some(1));
        assert_eq!(class(112, 16), Some(6));
        assert_eq!(class(512, 8), Some(31));
        assert_eq!(class(513, 8), None, "too big: the global allocator");
        assert_eq!(class(64, 32), None, "over-aligned: the global allocator");
        assert_eq!(class(0, 1), None);
    }

    #[test]
    fn cells_are_distinct_aligned_and_recycled_last_in_first_out() {
        let pool = CellPool::new();
        let class = CellPool::class_of(Layout::new::<[u64; 14]>()).unwrap();
        // Enough cells to need several chunks.
        // SAFETY: this thread is the pool's only user.
        let cells: Vec<NonNull<u8>> = (0..1000).map(|_| unsafe { pool.alloc(class) }).collect();
        let mut addresses: Vec<usize> = cells.iter().map(|c| c.as_ptr() as usize).collect();
        assert!(addresses.iter().all(|a| a % GRAIN == 0));
        addresses.sort_unstable();
        assert!(addresses.windows(2).all(|w| w[1] - w[0] >= 112), "cells overlap");
        for (i, cell) in cells.iter().enumerate() {
            // SAFETY: each cell is valid for 112 bytes and ours.
            unsafe { cell.as_ptr().cast::<[u64; 14]>().write([i as u64; 14]) };
        }
        for (i, cell) in cells.iter().enumerate() {
            // SAFETY: as above.
            assert_eq!(unsafe { cell.as_ptr().cast::<[u64; 14]>().read() }, [i as u64; 14]);
        }
        // SAFETY: no pool call is in progress.
        let chunks = unsafe { &*pool.state.get() }.chunks.len();
        assert_eq!(chunks, 1000usize.div_ceil(CHUNK / 112));
        // SAFETY: the cells came from this pool and class, and are not used again.
        unsafe {
            pool.free(cells[3], class);
            pool.free(cells[7], class);
            assert_eq!(pool.alloc(class), cells[7]);
            assert_eq!(pool.alloc(class), cells[3]);
        }
        // SAFETY: no pool call is in progress.
        let after = unsafe { &*pool.state.get() }.chunks.len();
        assert_eq!(after, chunks, "recycling took no new chunk");
    }
}

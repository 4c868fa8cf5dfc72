//! Task cells come from a pool kept by their loop.
//!
//! A program spawns tasks of a handful of sizes, over and over. Asking the
//! global allocator for each cell costs more than the rest of a spawn and
//! join together (with glibc, ~300 instructions per cell when many are alive
//! at once), and on a small heap it fragments. The pool has one size class
//! per 8 bytes up to 512; each class carves its cells out of chunks of its
//! own, the first holding 8 cells and each next one twice as many, up to
//! 16 KiB, and keeps freed cells on a free list for the next spawn of that
//! size.
//!
//! Ownership: the pool lives in the loop's `Remote`, which every task holds,
//! so it outlives every cell it handed out; its chunks go back to the
//! global allocator when the `Remote` goes (the loop and all its tasks are
//! gone). Until then the pool keeps its high-water mark of cells.
//!
//! Threads: only the loop's own thread allocates and recycles (the callers
//! guarantee it). A cell whose last reference goes away on another thread
//! (a waker kept by an I/O or timer thread) is handed back through a
//! locked list ([`give_back`](CellPool::give_back)), which the loop's thread
//! empties into the free lists the next time a class runs out of free
//! cells: such cells are recycled too, and the pool stays at its high-water
//! mark. Without `std` every cell comes from the global allocator (an
//! interrupt may free one, and there is no thread to tell apart).

use super::sync::{AtomicBool, Lock, Ordering};
use alloc::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use alloc::vec::Vec;
use core::cell::{Cell, UnsafeCell};
use core::ptr::{self, NonNull};

/// Size granularity of the classes (and the alignment every cell gets).
const GRAIN: usize = 8;
/// Number of classes: cells up to `GRAIN * CLASSES` bytes are pooled. None
/// without `std`, where no cell is pooled (see above): the pool takes no memory.
const CLASSES: usize = if cfg!(feature = "std") { 64 } else { 0 };
/// The largest alignment served (16-aligned cells use a class whose size
/// is a multiple of 16, in 16-aligned chunks).
const MAX_ALIGN: usize = 16;
/// Cells in a class's first chunk.
const FIRST_CHUNK_CELLS: usize = 8;
/// Bytes in a chunk once a class has grown (a single cell may exceed it).
const MAX_CHUNK: usize = 16 * 1024;

struct FreeCell {
    next: *mut FreeCell,
}

/// A cell handed back from another thread, waiting in [`CellPool::returned`].
struct ReturnedCell {
    next: *mut ReturnedCell,
    class: usize,
}

#[derive(Clone, Copy)]
struct Class {
    /// Recycled cells of this class.
    free: *mut FreeCell,
    /// The unused rest of the class's current chunk.
    bump: *mut u8,
    end: *mut u8,
    /// Cells the next chunk holds.
    next_chunk_cells: usize,
}

struct State {
    classes: [Class; CLASSES],
    chunks: Vec<(NonNull<u8>, Layout)>,
}

/// Per-loop pool of task cells (see the module documentation).
pub(crate) struct CellPool {
    state: UnsafeCell<State>,
    /// Cells released on other threads (a list through the cells' own
    /// memory), for the loop's thread to recycle.
    returned: Lock<Cell<*mut ReturnedCell>>,
    /// `returned` is not empty (read without the lock when a class runs dry).
    any_returned: AtomicBool,
}

// SAFETY: `state` is touched only by `alloc`/`free`, whose callers guarantee
// they run on the loop's own thread (one thread, and neither calls out to
// other code while it holds the borrow), and by `Drop`, which has the pool
// to itself. `returned` is behind a lock (`sync::Lock`), and the cells on
// it belong to nobody else.
unsafe impl Sync for CellPool {}
// SAFETY: as above; the raw pointers are into chunks the pool owns.
unsafe impl Send for CellPool {}

impl CellPool {
    pub(crate) fn new() -> CellPool {
        let empty = Class {
            free: ptr::null_mut(),
            bump: ptr::null_mut(),
            end: ptr::null_mut(),
            next_chunk_cells: FIRST_CHUNK_CELLS,
        };
        CellPool {
            state: UnsafeCell::new(State { classes: [empty; CLASSES], chunks: Vec::new() }),
            returned: Lock::new(Cell::new(ptr::null_mut())),
            any_returned: AtomicBool::new(false),
        }
    }

    /// The class of a cell layout, if cells of that layout are pooled.
    #[inline]
    pub(crate) const fn class_of(layout: Layout) -> Option<usize> {
        let align = layout.align();
        // A 16-aligned cell takes a class whose size is a multiple of 16: the
        // cells of such a class, carved from 16-aligned chunks, all are.
        let size = if align > GRAIN { layout.size().next_multiple_of(MAX_ALIGN) } else { layout.size() };
        if size == 0 || size > GRAIN * CLASSES || align > MAX_ALIGN {
            return None;
        }
        Some(size.div_ceil(GRAIN) - 1)
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
        if self.any_returned.load(Ordering::Relaxed) {
            // SAFETY: loop thread (caller); `state` is not borrowed across the call.
            if let Some(cell) = unsafe { self.reclaim(class) } {
                return cell;
            }
        }
        // SAFETY: loop thread only (caller).
        let state = unsafe { &mut *self.state.get() };
        let c = &mut state.classes[class];
        let size = (class + 1) * GRAIN;
        if (c.end as usize) - (c.bump as usize) < size {
            state.new_chunk(class, size);
        }
        let c = &mut state.classes[class];
        let cell = c.bump;
        // SAFETY: `size` bytes fit before `end` (a new chunk holds one cell at least).
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

    /// Hands back a cell of `class` whose last reference went away on a
    /// thread other than the loop's: the loop's thread recycles it later.
    ///
    /// # Safety
    /// `cell` came from `alloc(class)` of this pool, its contents have been
    /// dropped, and it is not used again. Any thread.
    pub(crate) unsafe fn give_back(&self, cell: NonNull<u8>, class: usize) {
        const { assert!(core::mem::size_of::<ReturnedCell>() <= 2 * GRAIN) };
        debug_assert!(class >= 1, "a task cell is larger than a returned-cell link");
        let cell = cell.cast::<ReturnedCell>();
        self.returned.with(|list| {
            // SAFETY: the cell is at least 16 bytes (every task cell is:
            // it starts with its header), aligned to GRAIN, and ours.
            unsafe { cell.as_ptr().write(ReturnedCell { next: list.get(), class }) };
            list.set(cell.as_ptr());
            self.any_returned.store(true, Ordering::Relaxed);
        });
    }

    /// Moves the cells handed back by other threads to their free lists, and
    /// takes one of `class` if there is one.
    ///
    /// # Safety
    /// The caller runs on the thread of the pool's loop and holds no borrow
    /// of `state`.
    #[cold]
    #[inline(never)]
    unsafe fn reclaim(&self, class: usize) -> Option<NonNull<u8>> {
        let mut list = self.returned.with(|list| {
            self.any_returned.store(false, Ordering::Relaxed);
            list.replace(ptr::null_mut())
        });
        while let Some(cell) = NonNull::new(list) {
            // SAFETY: `give_back` wrote the link; the lock made it visible.
            let ReturnedCell { next, class } = unsafe { cell.as_ptr().read() };
            list = next;
            // SAFETY: the cell came from `alloc(class)` of this pool and
            // nobody uses it (`give_back`); loop thread (caller).
            unsafe { self.free(cell.cast(), class) };
        }
        // SAFETY: loop thread (caller); the borrow ends here.
        let c = unsafe { &mut (*self.state.get()).classes[class] };
        let cell = NonNull::new(c.free)?;
        // SAFETY: a free-list entry, as in `alloc`.
        c.free = unsafe { cell.as_ref() }.next;
        Some(cell.cast())
    }
}

impl State {
    #[cold]
    #[inline(never)]
    fn new_chunk(&mut self, class: usize, size: usize) {
        let c = &mut self.classes[class];
        let cells = c.next_chunk_cells.min(MAX_CHUNK / size).max(1);
        c.next_chunk_cells = cells * 2;
        let layout = Layout::from_size_align(cells * size, MAX_ALIGN).unwrap_or_else(|_| unreachable!());
        // SAFETY: the layout has a non-zero size.
        let chunk = NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout));
        c.bump = chunk.as_ptr();
        // SAFETY: one past the end of the chunk.
        c.end = unsafe { chunk.as_ptr().add(layout.size()) };
        self.chunks.push((chunk, layout));
    }
}

impl Drop for CellPool {
    fn drop(&mut self) {
        for (chunk, layout) in self.state.get_mut().chunks.drain(..) {
            // SAFETY: allocated in `new_chunk` with this layout; every cell in
            // it is gone (the pool outlives its cells).
            unsafe { dealloc(chunk.as_ptr(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk_bytes(pool: &CellPool) -> Vec<usize> {
        // SAFETY: no pool call is in progress.
        unsafe { &*pool.state.get() }.chunks.iter().map(|(_, l)| l.size()).collect()
    }

    #[test]
    fn classes_round_up_to_8_bytes_and_stop_at_512() {
        let class = |size, align| CellPool::class_of(Layout::from_size_align(size, align).unwrap());
        assert_eq!(class(1, 1), Some(0));
        assert_eq!(class(8, 8), Some(0));
        assert_eq!(class(9, 8), Some(1));
        assert_eq!(class(104, 8), Some(12));
        assert_eq!(class(104, 16), Some(13), "16-aligned: a class of a multiple of 16 bytes");
        assert_eq!(class(512, 8), Some(63));
        assert_eq!(class(513, 8), None, "too big: the global allocator");
        assert_eq!(class(64, 32), None, "over-aligned: the global allocator");
        assert_eq!(class(0, 1), None);
    }

    #[test]
    fn cells_are_distinct_aligned_and_recycled_last_in_first_out() {
        let pool = CellPool::new();
        let class = CellPool::class_of(Layout::new::<[u64; 13]>()).unwrap();
        // Enough cells to need several chunks.
        // SAFETY: this thread is the pool's only user.
        let cells: Vec<NonNull<u8>> = (0..1000).map(|_| unsafe { pool.alloc(class) }).collect();
        let mut addresses: Vec<usize> = cells.iter().map(|c| c.as_ptr() as usize).collect();
        assert!(addresses.iter().all(|a| a % GRAIN == 0));
        addresses.sort_unstable();
        assert!(addresses.windows(2).all(|w| w[1] - w[0] >= 104), "cells overlap");
        for (i, cell) in cells.iter().enumerate() {
            // SAFETY: each cell is valid for 104 bytes and ours.
            unsafe { cell.as_ptr().cast::<[u64; 13]>().write([i as u64; 13]) };
        }
        for (i, cell) in cells.iter().enumerate() {
            // SAFETY: as above.
            assert_eq!(unsafe { cell.as_ptr().cast::<[u64; 13]>().read() }, [i as u64; 13]);
        }
        // Chunks of 8, 16, 32, 64, 128 cells, then 16 KiB (157 cells) each.
        let chunks = chunk_bytes(&pool);
        assert_eq!(&chunks[..6], &[8 * 104, 16 * 104, 32 * 104, 64 * 104, 128 * 104, 157 * 104]);
        assert_eq!(chunks.len(), 5 + (1000 - 248usize).div_ceil(157));
        // SAFETY: the cells came from this pool and class, and are not used again.
        unsafe {
            pool.free(cells[3], class);
            pool.free(cells[7], class);
            assert_eq!(pool.alloc(class), cells[7]);
            assert_eq!(pool.alloc(class), cells[3]);
        }
        assert_eq!(chunk_bytes(&pool), chunks, "recycling took no new chunk");
    }

    #[test]
    fn sixteen_byte_aligned_cells_are_aligned() {
        #[repr(align(16))]
        struct Wide(#[allow(dead_code)] [u8; 40]);
        let pool = CellPool::new();
        let class = CellPool::class_of(Layout::new::<Wide>()).unwrap();
        for _ in 0..100 {
            // SAFETY: this thread is the pool's only user.
            let cell = unsafe { pool.alloc(class) };
            assert_eq!(cell.as_ptr() as usize % 16, 0);
        }
    }
}

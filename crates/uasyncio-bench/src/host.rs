//! What the host's hardware charges for the two things executors pay for and
//! cannot hide: an uncontended atomic read-modify-write (reference counts,
//! thread-safe queues and wakers) and a miss all the way to memory (a task
//! cell or a timer entry not touched lately). Printed next to the ratios and
//! written to the JSON's `host` object, so that a figure from one machine can
//! be read against another's.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::cpu_clock_ns;

/// The host's figures, ns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HostFigures {
    /// One uncontended `fetch_add` (`lock xadd` on x86-64), back to back on
    /// one cache line the thread owns.
    pub atomic_rmw_ns: f64,
    /// One dependent load from a random line of a buffer far larger than the
    /// caches (memory latency plus, mostly, a TLB miss).
    pub cache_miss_ns: f64,
}

/// Measures the host: each figure the best of three runs, by the thread's CPU
/// time. `quick` uses smaller buffers and loops (a smoke run).
pub fn measure(quick: bool) -> HostFigures {
    let (rmw_ops, buffer_bytes, steps) =
        if quick { (2_000_000, 32 << 20, 500_000) } else { (20_000_000, 256 << 20, 4_000_000) };
    let atomic_rmw_ns = (0..3).map(|_| atomic_rmw(rmw_ops)).fold(f64::INFINITY, f64::min);
    let chain = Chain::new(buffer_bytes);
    let cache_miss_ns = (0..3).map(|_| chain.chase(steps)).fold(f64::INFINITY, f64::min);
    HostFigures { atomic_rmw_ns, cache_miss_ns }
}

fn thread_ns() -> u64 {
    cpu_clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// ns per `fetch_add` over `ops` of them on one counter, each result used (a
/// `lock xadd`, as a reference-count increment that checks for overflow).
/// Each depends on the last (same location), so this is the instruction's
/// latency, which is what a reference count on a task's path costs.
fn atomic_rmw(ops: usize) -> f64 {
    let counter = AtomicU64::new(0);
    let counter = black_box(&counter);
    let start = thread_ns();
    for _ in 0..ops {
        black_box(counter.fetch_add(1, Ordering::Relaxed));
    }
    let ns = thread_ns() - start;
    black_box(counter.load(Ordering::Relaxed));
    ns as f64 / ops as f64
}

/// One cache line per node; `next` is the index of the following node of a
/// single random cycle through all of them (Sattolo's shuffle), so that
/// every load depends on the one before and the prefetcher cannot guess.
#[repr(align(64))]
#[derive(Clone, Copy)]
struct Node {
    next: usize,
}

struct Chain {
    nodes: Vec<Node>,
}

impl Chain {
    fn new(bytes: usize) -> Chain {
        let n = bytes / size_of::<Node>();
        let mut order: Vec<usize> = (0..n).collect();
        // xorshift64*: deterministic, no dependency.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for i in (1..n).rev() {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let j = (state.wrapping_mul(0x9E37_79B9_7F4A_7C15) % i as u64) as usize;
            order.swap(i, j);
        }
        let mut nodes = vec![Node { next: 0 }; n];
        for k in 0..n {
            nodes[order[k]].next = order[(k + 1) % n];
        }
        Chain { nodes }
    }

    /// ns per step over `steps` dependent loads.
    fn chase(&self, steps: usize) -> f64 {
        let mut at = 0;
        let start = thread_ns();
        for _ in 0..steps {
            at = self.nodes[at].next;
        }
        let ns = thread_ns() - start;
        black_box(at);
        ns as f64 / steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_is_one_cycle_through_every_node() {
        let chain = Chain::new(64 * 1000);
        let mut seen = vec![false; chain.nodes.len()];
        let mut at = 0;
        for _ in 0..chain.nodes.len() {
            assert!(!seen[at], "node {at} visited twice: the chain is not one cycle");
            seen[at] = true;
            at = chain.nodes[at].next;
        }
        assert_eq!(at, 0);
        assert!(seen.iter().all(|&s| s));
    }
}

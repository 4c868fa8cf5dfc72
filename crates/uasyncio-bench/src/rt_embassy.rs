//! embassy-executor on the host (`platform-std`, `executor-thread`) with the
//! embassy-time std driver and embassy-sync primitives; the shared
//! [`LocalFlag`] and [`LocalQueue`] for the executor-only columns.
//!
//! Embassy tasks live in static pools sized at compile time (the
//! `#[embassy_executor::task(pool_size = N)]` model) and have no join handle:
//! a task reports completion through a counter or a `Signal`. Workloads whose
//! task count fits a static pool run; the others are skipped with the reason.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use embassy_executor::{Executor, Spawner};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::channel::Channel;
use embassy_sync::signal::Signal;
use embassy_time::Timer;

use crate::common::{self, LocalFlag, LocalQueue, Outcome, Sizes, Stopwatch, Workload, YieldNow, ns_per_op};

/// The largest static pool a workload gets (spawn_join_batch, timers). Embassy
/// finds a free slot by scanning its pool from the start, so spawning N tasks
/// that are all alive costs O(N²): measured here at N = 100 000, ~500 µs per
/// task, 50 s per run. Larger runs are skipped for that reason.
const BIG_POOL: usize = 1_000;

/// Tasks still running; the executor stops when it reaches zero.
static REMAINING: AtomicUsize = AtomicUsize::new(0);

const SCAN_REASON: &str = "spawning from a static pool scans it for a free slot, O(N^2) for N live \
     tasks (~500 us/task at N=100 000); pools here hold 1 000";

type JoinSignal = Signal<NoopRawMutex, usize>;

/// Runs a fresh executor until [`REMAINING`] drops to zero. The executor must
/// be `'static` and cannot be dropped, so each run leaks one (a few bytes).
///
/// Returns `clock` started inside the running executor, just before `init`
/// spawns the tasks (as the other runtimes start it inside their main task).
fn run_until_done(tasks: usize, clock: fn() -> Stopwatch, init: impl FnOnce(Spawner)) -> Stopwatch {
    REMAINING.store(tasks, Ordering::SeqCst);
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    let mut start = None;
    executor.run_until(
        |sp| {
            start = Some(clock());
            init(sp);
        },
        || REMAINING.load(Ordering::Acquire) == 0,
    );
    start.expect("the executor ran init")
}

fn finished() {
    REMAINING.fetch_sub(1, Ordering::AcqRel);
}

#[embassy_executor::task(pool_size = 64)]
async fn yielder(rounds: usize) {
    for _ in 0..rounds {
        YieldNow::new().await;
    }
    finished();
}

#[embassy_executor::task]
async fn spawn_seq_main(spawner: Spawner, n: usize, join: &'static JoinSignal) {
    for i in 0..n {
        spawner.spawn(trivial(join, i).unwrap());
        black_box(join.wait().await);
    }
    finished();
}

/// One slot is enough: a task's slot is free again as soon as it returns.
#[embassy_executor::task]
async fn trivial(join: &'static JoinSignal, value: usize) {
    join.signal(value);
}

static BATCH_LEFT: AtomicUsize = AtomicUsize::new(0);

#[embassy_executor::task]
async fn spawn_batch_main(spawner: Spawner, n: usize, all_done: &'static JoinSignal) {
    BATCH_LEFT.store(n, Ordering::SeqCst);
    for i in 0..n {
        spawner.spawn(batch_member(all_done, i).unwrap());
    }
    black_box(all_done.wait().await);
    finished();
}

#[embassy_executor::task(pool_size = BIG_POOL)]
async fn batch_member(all_done: &'static JoinSignal, value: usize) {
    black_box(value);
    if BATCH_LEFT.fetch_sub(1, Ordering::AcqRel) == 1 {
        all_done.signal(value);
    }
}

type Flag = Signal<NoopRawMutex, ()>;

#[embassy_executor::task]
async fn pinger(n: usize, ping: &'static Flag, pong: &'static Flag) {
    for _ in 0..n {
        ping.signal(());
        pong.wait().await;
    }
    finished();
}

#[embassy_executor::task]
async fn ponger(n: usize, ping: &'static Flag, pong: &'static Flag) {
    for _ in 0..n {
        ping.wait().await;
        pong.signal(());
    }
    finished();
}

type ItemChannel = Channel<NoopRawMutex, usize, 64>;

#[embassy_executor::task]
async fn producer(n: usize, channel: &'static ItemChannel) {
    for i in 0..n {
        channel.send(i).await;
    }
    finished();
}

#[embassy_executor::task]
async fn consumer(n: usize, channel: &'static ItemChannel) {
    for _ in 0..n {
        black_box(channel.receive().await);
    }
    finished();
}

#[embassy_executor::task]
async fn local_pinger(n: usize, ping: &'static LocalFlag, pong: &'static LocalFlag) {
    common::pinger(n, ping, pong).await;
    finished();
}

#[embassy_executor::task]
async fn local_ponger(n: usize, ping: &'static LocalFlag, pong: &'static LocalFlag) {
    common::ponger(n, ping, pong).await;
    finished();
}

#[embassy_executor::task]
async fn local_producer(n: usize, queue: &'static LocalQueue<usize>) {
    common::producer(n, queue).await;
    finished();
}

#[embassy_executor::task]
async fn local_consumer(n: usize, queue: &'static LocalQueue<usize>) {
    common::consumer(n, queue).await;
    finished();
}

#[embassy_executor::task(pool_size = BIG_POOL)]
async fn sleeper(us: u64) {
    Timer::after_micros(us).await;
    finished();
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Measures one workload on embassy.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    let ops = s.ops(w);
    let thread = Stopwatch::start;
    let start = match w {
        Workload::Yield => {
            assert!(s.yield_tasks <= 64, "the yielder pool holds 64 tasks");
            let rounds = s.yield_rounds;
            run_until_done(s.yield_tasks, thread, |sp| {
                for _ in 0..s.yield_tasks {
                    sp.spawn(yielder(rounds).unwrap());
                }
            })
        }
        Workload::SpawnJoinSeq => {
            let join = leak(JoinSignal::new());
            run_until_done(1, thread, |sp| sp.spawn(spawn_seq_main(sp, ops, join).unwrap()))
        }
        Workload::SpawnJoinBatch => {
            if ops > BIG_POOL {
                return Outcome::Skipped(SCAN_REASON);
            }
            let all_done = leak(JoinSignal::new());
            run_until_done(1, thread, |sp| sp.spawn(spawn_batch_main(sp, ops, all_done).unwrap()))
        }
        Workload::PingPong => {
            let (ping, pong) = (leak(Flag::new()), leak(Flag::new()));
            run_until_done(2, thread, |sp| {
                sp.spawn(ponger(ops, ping, pong).unwrap());
                sp.spawn(pinger(ops, ping, pong).unwrap());
            })
        }
        Workload::PingPongLocal => {
            let (ping, pong) = (leak(LocalFlag::default()), leak(LocalFlag::default()));
            run_until_done(2, thread, |sp| {
                sp.spawn(local_pinger(ops, ping, pong).unwrap());
                sp.spawn(local_ponger(ops, ping, pong).unwrap());
            })
        }
        Workload::QueueLocal => {
            let queue = leak(LocalQueue::new(s.queue_capacity));
            run_until_done(2, thread, |sp| {
                sp.spawn(local_producer(ops, queue).unwrap());
                sp.spawn(local_consumer(ops, queue).unwrap());
            })
        }
        Workload::Queue => {
            assert_eq!(s.queue_capacity, 64, "the embassy channel is sized 64");
            let channel = leak(ItemChannel::new());
            run_until_done(2, thread, |sp| {
                sp.spawn(producer(ops, channel).unwrap());
                sp.spawn(consumer(ops, channel).unwrap());
            })
        }
        Workload::Timers(_) => {
            if ops > BIG_POOL {
                return Outcome::Skipped(SCAN_REASON);
            }
            let delays = common::delays_us(ops);
            run_until_done(ops, Stopwatch::start_process, |sp| {
                for &us in &delays {
                    sp.spawn(sleeper(us).unwrap());
                }
            })
        }
        Workload::MemoryPerTask | Workload::RssPerTask => {
            return Outcome::Skipped("tasks are static, no heap per task");
        }
    };
    Outcome::Measured(ns_per_op(start, ops))
}

async fn sleeper_body(us: u64) {
    Timer::after_micros(us).await;
    finished();
}

fn task_storage_size<F: std::future::Future + 'static>(_: &F) -> usize {
    size_of::<embassy_executor::raw::TaskStorage<F>>()
}

/// Bytes of one static task slot holding a sleeping task like [`sleeper`]'s.
pub fn static_bytes_per_sleeping_task() -> usize {
    task_storage_size(&sleeper_body(0))
}

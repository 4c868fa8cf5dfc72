//! What every runtime's benchmark shares: the workloads and their sizes, the
//! measuring instruments (wall clock, process CPU clock, counting allocator),
//! and small executor-agnostic futures (`YieldNow`, `LocalFlag`, `LocalQueue`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::task::{Context, Poll, Waker};

/// One benchmark workload (one row of the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `tasks` tasks each yield `rounds` times; cost per poll.
    Yield,
    /// Create and await trivial tasks one at a time; cost per task.
    SpawnJoinSeq,
    /// Create all trivial tasks first, then await them all; cost per task.
    SpawnJoinBatch,
    /// Two tasks alternate through the runtime's own event primitive (the
    /// main side as the runtime runs it); cost per round trip.
    PingPong,
    /// Two tasks alternate through the same hand-written local flag
    /// ([`LocalFlag`]) on every executor, both sides spawned as tasks: the
    /// executor alone; cost per round trip.
    PingPongLocal,
    /// Producer and consumer through the runtime's bounded queue of 64; cost
    /// per item.
    Queue,
    /// Producer and consumer through the same hand-written local queue
    /// ([`LocalQueue`]) on every executor, both spawned as tasks; cost per item.
    QueueLocal,
    /// N tasks sleep once each; process CPU time per timer. The index selects
    /// the size from [`Sizes::timers`].
    Timers(usize),
    /// Heap bytes per idle sleeping task.
    MemoryPerTask,
    /// Resident memory per idle sleeping task, in a process of its own.
    RssPerTask,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 12] = [
        Workload::Yield,
        Workload::SpawnJoinSeq,
        Workload::SpawnJoinBatch,
        Workload::PingPong,
        Workload::PingPongLocal,
        Workload::Queue,
        Workload::QueueLocal,
        Workload::Timers(0),
        Workload::Timers(1),
        Workload::Timers(2),
        Workload::MemoryPerTask,
        Workload::RssPerTask,
    ];

    /// The stable name used in the table and the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Yield => "yield",
            Workload::SpawnJoinSeq => "spawn_join_seq",
            Workload::SpawnJoinBatch => "spawn_join_batch",
            Workload::PingPong => "pingpong",
            Workload::PingPongLocal => "pingpong_local",
            Workload::Queue => "queue",
            Workload::QueueLocal => "queue_local",
            Workload::Timers(0) => "timers_1k",
            Workload::Timers(1) => "timers_100k",
            Workload::Timers(_) => "timers_1m",
            Workload::MemoryPerTask => "memory_per_task",
            Workload::RssPerTask => "rss_per_task",
        }
    }

    /// The workload called `name`, if any.
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The unit of the figure reported for this workload.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::Yield => "ns/op",
            Workload::SpawnJoinSeq | Workload::SpawnJoinBatch => "ns/task",
            Workload::PingPong | Workload::PingPongLocal => "ns/round_trip",
            Workload::Queue | Workload::QueueLocal => "ns/item",
            Workload::Timers(_) => "cpu_ns/timer",
            Workload::MemoryPerTask | Workload::RssPerTask => "bytes/task",
        }
    }

    /// Whether the figure is a time (measured in rounds, after a warm-up)
    /// rather than a count of bytes (measured once).
    pub fn is_timed(self) -> bool {
        !matches!(self, Workload::MemoryPerTask | Workload::RssPerTask)
    }
}

/// How big each workload is. `full()` is the real benchmark, `quick()` a smoke
/// run that finishes in seconds.
#[derive(Clone, Debug)]
pub struct Sizes {
    /// Tasks in the yield workload.
    pub yield_tasks: usize,
    /// Yields per task in the yield workload.
    pub yield_rounds: usize,
    /// Tasks created and awaited one at a time.
    pub spawn_seq: usize,
    /// Tasks created at once, then awaited.
    pub spawn_batch: usize,
    /// Round trips in pingpong and pingpong_local.
    pub pingpong: usize,
    /// Items through the queue in queue and queue_local.
    pub queue: usize,
    /// Queue capacity.
    pub queue_capacity: usize,
    /// Number of timers for timers_1k, timers_100k, timers_1m.
    pub timers: [usize; 3],
    /// Sleeping tasks in the memory workload.
    pub memory_tasks: usize,
    /// Sleeping tasks in the resident-memory workload.
    pub rss_tasks: usize,
    /// Rounds over all workloads; each timed cell is measured once per round.
    pub rounds: usize,
}

impl Sizes {
    /// The sizes named in the benchmark's brief.
    pub fn full() -> Self {
        Sizes {
            yield_tasks: 64,
            yield_rounds: 20_000,
            spawn_seq: 200_000,
            spawn_batch: 100_000,
            pingpong: 1_000_000,
            queue: 1_000_000,
            queue_capacity: 64,
            timers: [1_000, 100_000, 1_000_000],
            memory_tasks: 100_000,
            rss_tasks: 1_000_000,
            rounds: 9,
        }
    }

    /// Tiny sizes for a smoke run (CI): every code path, no meaningful speed.
    pub fn quick() -> Self {
        Sizes {
            yield_tasks: 8,
            yield_rounds: 200,
            spawn_seq: 2_000,
            spawn_batch: 1_000,
            pingpong: 10_000,
            queue: 10_000,
            queue_capacity: 64,
            timers: [100, 1_000, 10_000],
            memory_tasks: 1_000,
            rss_tasks: 10_000,
            rounds: 3,
        }
    }

    /// These sizes with workload `w` set to `ops` operations (for counting
    /// instructions at two sizes). Yield keeps its task count, so `ops` must
    /// be a multiple of it.
    pub fn with_ops(mut self, w: Workload, ops: usize) -> Self {
        match w {
            Workload::Yield => {
                assert!(
                    ops > 0 && ops.is_multiple_of(self.yield_tasks),
                    "--ops {ops} for yield: give a positive multiple of its {} tasks",
                    self.yield_tasks
                );
                self.yield_rounds = ops / self.yield_tasks;
            }
            Workload::SpawnJoinSeq => self.spawn_seq = ops,
            Workload::SpawnJoinBatch => self.spawn_batch = ops,
            Workload::PingPong | Workload::PingPongLocal => self.pingpong = ops,
            Workload::Queue | Workload::QueueLocal => self.queue = ops,
            Workload::Timers(i) => self.timers[i] = ops,
            Workload::MemoryPerTask => self.memory_tasks = ops,
            Workload::RssPerTask => self.rss_tasks = ops,
        }
        self
    }

    /// The operation count of a workload (what the total is divided by).
    pub fn ops(&self, w: Workload) -> usize {
        match w {
            Workload::Yield => self.yield_tasks * self.yield_rounds,
            Workload::SpawnJoinSeq => self.spawn_seq,
            Workload::SpawnJoinBatch => self.spawn_batch,
            Workload::PingPong | Workload::PingPongLocal => self.pingpong,
            Workload::Queue | Workload::QueueLocal => self.queue,
            Workload::Timers(i) => self.timers[i],
            Workload::MemoryPerTask => self.memory_tasks,
            Workload::RssPerTask => self.rss_tasks,
        }
    }
}

/// What one runtime gave for one workload.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The per-operation figure, in the workload's unit.
    Measured(f64),
    /// The runtime cannot run this workload; the reason is printed.
    Skipped(&'static str),
}

/// Longest sleep in the timer workloads, in microseconds (50 ms).
pub const MAX_TIMER_US: u64 = 50_000;
/// Shortest sleep in the timer workloads, in microseconds (1 ms).
pub const MIN_TIMER_US: u64 = 1_000;
/// How long the tasks of the memory workload sleep: long enough that all of
/// them are still asleep when the live bytes are read.
pub const MEMORY_SLEEP_MS: u64 = 500;

/// The same pseudo-random sleep lengths, in µs within 1–50 ms, for every
/// runtime: `delays_us(n)[i]` is task `i`'s sleep.
pub fn delays_us(n: usize) -> Vec<u64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            // xorshift64*: deterministic, no dependency.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            MIN_TIMER_US + r % (MAX_TIMER_US - MIN_TIMER_US + 1)
        })
        .collect()
}

/// Times a workload by CPU time (user + system).
///
/// [`start`](Self::start) reads the calling thread's clock, for the
/// throughput workloads: every runtime here runs them on the calling thread.
/// On an idle machine that equals wall time for these CPU-bound loops; on a
/// busy one it leaves out the time the thread sat preempted by other
/// processes. [`start_process`](Self::start_process) reads the whole
/// process's, for the timers (embassy's alarm thread counts too). Either also
/// reads `getrusage` (the thread's or the process's), so that the run's
/// minor faults and context switches can be checked ([`take_last_run`]).
#[derive(Clone, Copy)]
pub struct Stopwatch {
    clock: libc::clockid_t,
    who: libc::c_int,
    start_ns: u64,
    start_usage: Usage,
}

impl Stopwatch {
    /// Starts timing the calling thread's CPU time now.
    pub fn start() -> Self {
        Self::on(libc::CLOCK_THREAD_CPUTIME_ID, libc::RUSAGE_THREAD)
    }

    /// Starts timing the process's CPU time (all threads) now.
    pub fn start_process() -> Self {
        Self::on(libc::CLOCK_PROCESS_CPUTIME_ID, libc::RUSAGE_SELF)
    }

    fn on(clock: libc::clockid_t, who: libc::c_int) -> Self {
        let start_usage = Usage::read(who);
        Stopwatch { clock, who, start_ns: cpu_clock_ns(clock), start_usage }
    }
}

/// What one timed run cost besides its figure: CPU time, minor page faults and
/// context switches between [`Stopwatch`]'s start and [`ns_per_op`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// CPU time of the timed window, ns.
    pub cpu_ns: u64,
    /// Minor page faults (a fresh page touched).
    pub minor_faults: u64,
    /// Voluntary context switches (the thread blocked: normal for timers).
    pub voluntary_switches: u64,
    /// Involuntary context switches (the thread was preempted).
    pub involuntary_switches: u64,
    /// Whether these count every thread of the process (the timers) rather
    /// than the one running the workload.
    pub whole_process: bool,
}

impl RunStats {
    /// Whether the run was visibly disturbed, and so worth redoing: more than
    /// one minor fault per 10 000 operations (plus 16), or the thread
    /// preempted more than about once per 20 ms of CPU time (plus two). A
    /// fault costs 1–35 µs on this project's VM, a preemption leaves the
    /// caches to another process. Preemptions are not held against a
    /// whole-process run: there a runtime's own threads (embassy's alarm
    /// thread) preempt each other.
    pub fn disturbed(&self, ops: usize) -> bool {
        let preempted = !self.whole_process && self.involuntary_switches > 2 + self.cpu_ns / 20_000_000;
        preempted || self.minor_faults > 16 + ops as u64 / 10_000
    }

    /// How disturbed the run was, to pick the least disturbed of several:
    /// faults and preemptions, the latter not for whole-process runs.
    pub fn disturbance(&self) -> u64 {
        self.minor_faults + if self.whole_process { 0 } else { self.involuntary_switches }
    }
}

#[derive(Clone, Copy, Default)]
struct Usage {
    minor_faults: u64,
    voluntary: u64,
    involuntary: u64,
}

impl Usage {
    fn read(who: libc::c_int) -> Usage {
        // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `ru` is valid and writable; RUSAGE_THREAD and RUSAGE_SELF
        // are both supported by Linux.
        let rc = unsafe { libc::getrusage(who, &mut ru) };
        assert_eq!(rc, 0, "getrusage({who}) failed");
        Usage { minor_faults: ru.ru_minflt as u64, voluntary: ru.ru_nvcsw as u64, involuntary: ru.ru_nivcsw as u64 }
    }
}

thread_local! {
    static LAST_RUN: Cell<Option<RunStats>> = const { Cell::new(None) };
}

/// The [`RunStats`] of the last run timed on this thread, taken (the next call
/// returns `None` until another run is timed).
pub fn take_last_run() -> Option<RunStats> {
    LAST_RUN.with(Cell::take)
}

/// Nanoseconds per operation over `ops` operations since `start`; also keeps
/// the run's [`RunStats`] for [`take_last_run`].
pub fn ns_per_op(start: Stopwatch, ops: usize) -> f64 {
    let cpu_ns = cpu_clock_ns(start.clock) - start.start_ns;
    let usage = Usage::read(start.who);
    let stats = RunStats {
        cpu_ns,
        minor_faults: usage.minor_faults - start.start_usage.minor_faults,
        voluntary_switches: usage.voluntary - start.start_usage.voluntary,
        involuntary_switches: usage.involuntary - start.start_usage.involuntary,
        whole_process: start.who == libc::RUSAGE_SELF,
    };
    LAST_RUN.with(|last| last.set(Some(stats)));
    cpu_ns as f64 / ops as f64
}

/// The current reading of CPU clock `clock`, ns.
pub fn cpu_clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; both clock ids are ones
    // every Linux supports.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime({clock}) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A global allocator that, while counting is switched on, keeps the net
/// number of bytes allocated (requested sizes, not malloc's own overhead).
/// Off by default so the timed workloads pay only one relaxed load.
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are side bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts counting live heap bytes from zero.
pub fn start_counting() {
    LIVE_BYTES.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
}

/// Stops counting; returns the net bytes allocated since [`start_counting`].
pub fn stop_counting() -> isize {
    COUNTING.store(false, Ordering::SeqCst);
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// Yields once: wakes itself and returns `Pending`, then `Ready` (the same as
/// `futures_lite::future::yield_now` and `embassy_futures::yield_now`).
pub struct YieldNow(bool);

impl YieldNow {
    /// A fresh yield point.
    pub fn new() -> Self {
        YieldNow(false)
    }
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Remembers one waker, cloning only when it changes.
#[derive(Default)]
struct WakerSlot(Cell<Option<Waker>>);

impl WakerSlot {
    fn register(&self, waker: &Waker) {
        let old = self.0.take();
        let keep = match old {
            Some(w) if w.will_wake(waker) => w,
            _ => waker.clone(),
        };
        self.0.set(Some(keep));
    }

    fn wake(&self) {
        if let Some(w) = self.0.take() {
            w.wake();
        }
    }
}

/// A hand-written single-threaded auto-clearing flag with one waiter: the
/// least an executor-agnostic "event" can be. Used where a runtime has no
/// local event primitive of its own (LocalPool) and by the floor.
#[derive(Default)]
pub struct LocalFlag {
    set: Cell<bool>,
    waiter: WakerSlot,
}

impl LocalFlag {
    /// Raises the flag and wakes the waiter.
    pub fn set(&self) {
        self.set.set(true);
        self.waiter.wake();
    }

    /// Waits until the flag is raised, then lowers it.
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.set.replace(false) {
                Poll::Ready(())
            } else {
                self.waiter.register(cx.waker());
                Poll::Pending
            }
        })
    }
}

/// A hand-written single-threaded bounded queue with one producer and one
/// consumer; used by the floor.
pub struct LocalQueue<T> {
    items: RefCell<VecDeque<T>>,
    capacity: usize,
    producer: WakerSlot,
    consumer: WakerSlot,
}

impl<T> LocalQueue<T> {
    /// An empty queue holding at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        LocalQueue {
            items: RefCell::new(VecDeque::with_capacity(capacity)),
            capacity,
            producer: WakerSlot::default(),
            consumer: WakerSlot::default(),
        }
    }

    /// Puts `item`, waiting while the queue is full.
    pub async fn put(&self, item: T) {
        let mut item = Some(item);
        std::future::poll_fn(|cx| {
            let mut items = self.items.borrow_mut();
            if items.len() < self.capacity {
                items.push_back(item.take().expect("put polled after completion"));
                drop(items);
                self.consumer.wake();
                Poll::Ready(())
            } else {
                self.producer.register(cx.waker());
                Poll::Pending
            }
        })
        .await
    }

    /// Takes the oldest item, waiting while the queue is empty.
    pub async fn get(&self) -> T {
        std::future::poll_fn(|cx| {
            let popped = self.items.borrow_mut().pop_front();
            match popped {
                Some(item) => {
                    self.producer.wake();
                    Poll::Ready(item)
                }
                None => {
                    self.consumer.register(cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }
}

/// How a runtime starts a task nobody will join (the memory workload's).
pub trait SpawnDetached {
    /// Spawns `fut` and lets it run on its own.
    fn spawn_detached<F: std::future::Future<Output = ()> + 'static>(&self, fut: F);
}

/// The memory workload, the same on every runtime: `ops` detached tasks each
/// sleep [`MEMORY_SLEEP_MS`] (through `sleep_ms`, which must capture nothing,
/// so the task futures are the same size everywhere). The heap bytes are
/// counted from before the first spawn until every task has started its
/// sleep; returns them per task, after letting the tasks finish.
pub async fn memory_per_task<S, Z>(ops: usize, spawner: &S, sleep_ms: impl Fn(u64) -> Z + Copy + 'static) -> f64
where
    S: SpawnDetached,
    Z: std::future::Future + 'static,
{
    use std::cell::Cell;
    use std::rc::Rc;

    let started = Rc::new(Cell::new(0usize));
    let finished = Rc::new(Cell::new(0usize));
    start_counting();
    for _ in 0..ops {
        let (started, finished) = (started.clone(), finished.clone());
        spawner.spawn_detached(async move {
            started.set(started.get() + 1);
            let _ = sleep_ms(MEMORY_SLEEP_MS).await;
            finished.set(finished.get() + 1);
        });
    }
    while started.get() < ops {
        let _ = sleep_ms(1).await;
    }
    let bytes = stop_counting();
    assert_eq!(finished.get(), 0, "memory: tasks woke before the reading");
    while finished.get() < ops {
        let _ = sleep_ms(5).await;
    }
    bytes as f64 / ops as f64
}

/// pingpong_local's first side: raises `ping`, waits for `pong`, `n` times.
/// The same code on every executor (and the floor).
pub async fn pinger(n: usize, ping: &LocalFlag, pong: &LocalFlag) {
    for _ in 0..n {
        ping.set();
        pong.wait().await;
    }
}

/// pingpong_local's second side: waits for `ping`, raises `pong`, `n` times.
pub async fn ponger(n: usize, ping: &LocalFlag, pong: &LocalFlag) {
    for _ in 0..n {
        ping.wait().await;
        pong.set();
    }
}

/// queue_local's producer: puts `0..n` into `queue`.
pub async fn producer(n: usize, queue: &LocalQueue<usize>) {
    for i in 0..n {
        queue.put(i).await;
    }
}

/// queue_local's consumer: takes `n` items from `queue`.
pub async fn consumer(n: usize, queue: &LocalQueue<usize>) {
    for _ in 0..n {
        std::hint::black_box(queue.get().await);
    }
}

/// How long the tasks of the resident-memory workload sleep: they are never
/// meant to wake (the measuring process exits after the reading).
pub const RSS_SLEEP_MS: u64 = 600_000;

/// The resident set of this process, bytes (`/proc/self/statm`).
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("/proc/self/statm has no resident field: {statm:?}"));
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page as u64
}

/// The resident-memory workload, the same on every runtime and run in a
/// process of its own (so earlier workloads' freed heap does not hide the
/// growth): `ops` detached tasks each sleep [`RSS_SLEEP_MS`]; returns the growth
/// of the resident set from before the first spawn until every task has
/// started its sleep, per task. The tasks are left asleep.
pub async fn rss_per_task<S, Z>(ops: usize, spawner: &S, sleep_ms: impl Fn(u64) -> Z + Copy + 'static) -> f64
where
    S: SpawnDetached,
    Z: std::future::Future + 'static,
{
    use std::rc::Rc;

    let started = Rc::new(Cell::new(0usize));
    let before = resident_bytes();
    for _ in 0..ops {
        let started = started.clone();
        spawner.spawn_detached(async move {
            started.set(started.get() + 1);
            let _ = sleep_ms(RSS_SLEEP_MS).await;
        });
    }
    while started.get() < ops {
        let _ = sleep_ms(1).await;
    }
    (resident_bytes() - before) as f64 / ops as f64
}

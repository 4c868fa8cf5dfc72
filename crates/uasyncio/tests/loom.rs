//! Loom models of the cross-thread protocol: wakes, `ThreadSafeFlag::set`,
//! the critical-section primitives' `set`/`put_nowait`/`release` and last
//! releases of a task on another thread, against the loop's own steps, in
//! every interleaving (up to a preemption bound).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p uasyncio --test loom --release
//! ```
//!
//! Under `--cfg loom` the runtime's atomics, locks, thread-locals and the
//! task state word are loom's (`src/raw/sync.rs`), so loom sees every
//! access of the protocol (the `cs` primitives' critical section is one
//! global loom mutex): a lost wake shows as a loom deadlock (the loop
//! idles in the platform's wait with nothing left to notify it) or as the
//! "uasyncio deadlock" panic, a read of a task's state not ordered after the
//! loop's last write as a causality violation, a leaked loop as a leaked
//! loom `Arc`. `LOOM_MAX_PREEMPTIONS` overrides the bounds set here (5,
//! and 3 for the model with three threads).
#![cfg(loom)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread::{self, JoinHandle};
use uasyncio::sync::cs;
use uasyncio::{EventLoop, Platform, ThreadSafeFlag, create_task};

/// The preemption bound of the models (`LOOM_MAX_PREEMPTIONS` overrides it
/// for all): the models are small, and explored this far in about a second.
const PREEMPTIONS: usize = 5;

/// Runs `model` in every interleaving loom explores within [`PREEMPTIONS`].
fn check(model: impl Fn() + Send + Sync + 'static) {
    check_within(PREEMPTIONS, model);
}

/// Runs `model` in every interleaving loom explores within `preemptions`.
fn check_within(preemptions: usize, model: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.max_branches = builder.max_branches.max(100_000);
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        model();
    });
    println!("{} executions explored", runs.load(std::sync::atomic::Ordering::Relaxed));
}

/// A platform made of loom primitives: the idle wait with no deadline
/// blocks on a loom condition variable until `notify` (so a wake that never
/// notifies is a loom deadlock); time is virtual (a deadline is reached at
/// once). It holds a loom `Arc`, so a loop that is never freed (its
/// `Remote` kept alive by a task cell) is reported as a leak, and counts
/// its own drop.
struct LoomPlatform {
    now: std::sync::atomic::AtomicU64,
    notified: Mutex<bool>,
    condvar: Condvar,
    dropped: Arc<AtomicUsize>,
}

impl LoomPlatform {
    fn new(dropped: Arc<AtomicUsize>) -> LoomPlatform {
        LoomPlatform {
            now: std::sync::atomic::AtomicU64::new(0),
            notified: Mutex::new(false),
            condvar: Condvar::new(),
            dropped,
        }
    }
}

impl Platform for LoomPlatform {
    fn now_us(&self) -> u64 {
        self.now.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn wait(&self, deadline_us: Option<u64>) {
        match deadline_us {
            Some(deadline) => {
                self.now.fetch_max(deadline, std::sync::atomic::Ordering::Relaxed);
            }
            None => {
                let mut notified = self.notified.lock().unwrap();
                while !*notified {
                    notified = self.condvar.wait(notified).unwrap();
                }
                *notified = false;
            }
        }
    }

    fn notify(&self) {
        *self.notified.lock().unwrap() = true;
        self.condvar.notify_one();
    }
}

impl Drop for LoomPlatform {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A fresh loop on a [`LoomPlatform`], installed as the thread's loop;
/// the counter tells when its platform (so its `Remote`, so its pool and
/// every task cell) is gone.
fn new_loop() -> (EventLoop, Arc<AtomicUsize>) {
    let dropped = Arc::new(AtomicUsize::new(0));
    (uasyncio::new_event_loop_with(LoomPlatform::new(dropped.clone())), dropped)
}

/// What a [`Probe`] does with a clone of its waker on its first poll.
type OnFirstPoll = Box<dyn FnOnce(Waker)>;

/// A task's future, of a size of its own (so its cells are a pool class
/// of their own: nothing else the models spawn is recycled into them).
/// It records its address when polled (it lives in its task's cell, so
/// equal addresses mean a recycled cell) and counts its drops, which must
/// happen on the loop's thread (raw I4).
struct Probe {
    on_first_poll: Option<OnFirstPoll>,
    /// Return `Pending` on the first poll (and `Ready` on the next one).
    pend_once: bool,
    polls: u32,
    address: Rc<Cell<usize>>,
    drops: Rc<Cell<usize>>,
    loop_thread: thread::ThreadId,
    _size: [u64; 24],
}

impl Probe {
    fn new(address: &Rc<Cell<usize>>, drops: &Rc<Cell<usize>>) -> Probe {
        Probe {
            on_first_poll: None,
            pend_once: false,
            polls: 0,
            address: address.clone(),
            drops: drops.clone(),
            loop_thread: thread::current().id(),
            _size: [0; 24],
        }
    }

    fn on_first_poll(mut self, pend_once: bool, f: impl FnOnce(Waker) + 'static) -> Probe {
        self.on_first_poll = Some(Box::new(f));
        self.pend_once = pend_once;
        self
    }
}

impl Future for Probe {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let this = self.get_mut();
        this.address.set(this as *const Probe as usize);
        this.polls += 1;
        if this.polls == 1 {
            if let Some(f) = this.on_first_poll.take() {
                f(cx.waker().clone());
            }
            if this.pend_once {
                return Poll::Pending;
            }
        }
        Poll::Ready(this.polls)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        assert_eq!(thread::current().id(), self.loop_thread, "a task's future was dropped off its loop's thread");
        self.drops.set(self.drops.get() + 1);
    }
}

/// Yields once to the loop (the loop drains its inbox before the next step).
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// The join handle of a thread spawned inside a task, for the model to join.
type Spawned = Rc<RefCell<Option<JoinHandle<()>>>>;

fn join(spawned: &Spawned) {
    spawned.borrow_mut().take().expect("the thread was spawned").join().unwrap();
}

/// How the other thread uses the waker it was handed.
#[derive(Clone, Copy, Debug)]
enum Use {
    /// `wake()`: the wake consumes the waker (its reference).
    Wake,
    /// `wake_by_ref()`, then the flag, then the waker's drop.
    WakeByRefThenDrop,
    /// Only drop it.
    Drop,
}

fn use_waker(waker: Waker, how: Use) {
    match how {
        Use::Wake => waker.wake(),
        Use::WakeByRefThenDrop => {
            waker.wake_by_ref();
            drop(waker);
        }
        Use::Drop => drop(waker),
    }
}

/// Model 1: a task hands a clone of its waker to another thread, which
/// wakes it and then sets a `ThreadSafeFlag` the main task waits on (so the
/// loop idles for an outside event, not into the deadlock check), and drops
/// the waker (possibly the task's last reference: the loop may have
/// finished the task already). The wake is never lost (the task runs a
/// second time and completes), its future is dropped once, on the loop's
/// thread, and its cell is recycled by the next spawn of the same size,
/// whichever thread released it last.
fn woken_from_afar(how: Use) {
    check(move || {
        let (event_loop, _) = new_loop();
        let address = Rc::new(Cell::new(0));
        let drops = Rc::new(Cell::new(0));
        let spawned: Spawned = Rc::default();
        let flag = Arc::new(ThreadSafeFlag::new());
        let (a, d, s, f) = (address.clone(), drops.clone(), spawned.clone(), flag.clone());
        let polls = event_loop.run_until_complete(async move {
            let task = create_task(Probe::new(&a, &d).on_first_poll(true, move |waker| {
                *s.borrow_mut() = Some(thread::spawn(move || {
                    let kept = match how {
                        Use::Wake => {
                            waker.wake();
                            None
                        }
                        Use::WakeByRefThenDrop | Use::Drop => {
                            waker.wake_by_ref();
                            Some(waker)
                        }
                    };
                    f.set();
                    drop(kept);
                }));
            }));
            flag.wait().await;
            task.await.unwrap()
        });
        assert_eq!(polls, 2, "the task ran again after its wake");
        join(&spawned);
        assert_eq!(drops.get(), 1);
        let first = address.get();
        // The cell came back to the pool (from whichever thread released
        // it): the next task of that size gets it.
        let again = Rc::new(Cell::new(0));
        let (a, d) = (again.clone(), drops.clone());
        event_loop.run_until_complete(async move { create_task(Probe::new(&a, &d)).await.unwrap() });
        assert_eq!(again.get(), first, "the cell was not recycled");
        assert_eq!(drops.get(), 2);
    });
}

#[test]
fn a_wake_from_another_thread_runs_the_task_and_its_cell_is_recycled() {
    woken_from_afar(Use::Wake);
}

#[test]
fn a_wake_by_ref_then_a_drop_on_another_thread_runs_the_task_and_its_cell_is_recycled() {
    woken_from_afar(Use::WakeByRefThenDrop);
}

/// Model 1b: two threads each get a clone of a task's waker, wake it and
/// set their own flag (the main task waits on both), concurrently: the two
/// wakes may land together in the inbox, or one after the task has
/// finished; the two releases race each other and the loop's. The task
/// runs exactly twice, its future is dropped once, and its cell is freed
/// once and recycled.
#[test]
fn wakes_from_two_threads_run_the_task_once_and_free_it_once() {
    // Three threads: 107 503 executions within 3 preemptions (~10 s), 1.7
    // million within 4.
    check_within(3, || {
        let (event_loop, _) = new_loop();
        let address = Rc::new(Cell::new(0));
        let drops = Rc::new(Cell::new(0));
        let spawned: Rc<RefCell<Vec<JoinHandle<()>>>> = Rc::default();
        let flags = [Arc::new(ThreadSafeFlag::new()), Arc::new(ThreadSafeFlag::new())];
        let (a, d, s, f) = (address.clone(), drops.clone(), spawned.clone(), flags.clone());
        let polls = event_loop.run_until_complete(async move {
            let task = create_task(Probe::new(&a, &d).on_first_poll(true, move |waker| {
                for flag in f {
                    let waker = waker.clone();
                    s.borrow_mut().push(thread::spawn(move || {
                        waker.wake();
                        flag.set();
                    }));
                }
            }));
            for flag in &flags {
                flag.wait().await;
            }
            task.await.unwrap()
        });
        assert_eq!(polls, 2);
        for thread in spawned.take() {
            thread.join().unwrap();
        }
        assert_eq!(drops.get(), 1);
        let again = Rc::new(Cell::new(0));
        let (a, d) = (again.clone(), drops.clone());
        event_loop.run_until_complete(async move { create_task(Probe::new(&a, &d)).await.unwrap() });
        assert_eq!(again.get(), address.get(), "the cell was not recycled");
    });
}

/// Model 2: a `ThreadSafeFlag` set from another thread while a task waits
/// on it (the main task, or a task the main task awaits), the set landing
/// anywhere from before the first wait to during the loop's idle wait: the
/// run completes, never with the deadlock panic, and the wait cleared the
/// flag.
fn flag_set_from_afar(waiter_is_main: bool) {
    check(move || {
        let (event_loop, _) = new_loop();
        let flag = Arc::new(ThreadSafeFlag::new());
        let setter = {
            let flag = flag.clone();
            thread::spawn(move || flag.set())
        };
        let f = flag.clone();
        event_loop.run_until_complete(async move {
            if waiter_is_main {
                f.wait().await;
            } else {
                create_task(async move { f.wait().await }).await.unwrap();
            }
        });
        setter.join().unwrap();
        assert_eq!(format!("{:?}", *flag), "ThreadSafeFlag { set: false }", "the wait cleared the flag");
    });
}

#[test]
fn a_flag_set_from_another_thread_ends_the_main_tasks_wait() {
    flag_set_from_afar(true);
}

#[test]
fn a_flag_set_from_another_thread_ends_a_child_tasks_wait() {
    flag_set_from_afar(false);
}

/// Model 2b: the flag is set from another thread while the task waiting on
/// it is cancelled (its wait is dropped, taking its waker back under the
/// flag's lock, while `set` may be taking that waker to wake it); then the
/// main task waits on the same flag. However the set and the cancellation
/// interleave, the waiter ends cancelled, and the main task's wait ends
/// (the set is never lost to the cancelled waiter): no deadlock panic.
#[test]
fn a_flag_set_racing_the_cancellation_of_its_waiter_is_not_lost() {
    check(|| {
        let (event_loop, _) = new_loop();
        let flag = Arc::new(ThreadSafeFlag::new());
        let spawned: Spawned = Rc::default();
        let s = spawned.clone();
        event_loop.run_until_complete(async move {
            let f = flag.clone();
            let waiter = create_task(async move { f.wait().await });
            yield_now().await; // the waiter registers its waker
            let f = flag.clone();
            *s.borrow_mut() = Some(thread::spawn(move || f.set()));
            assert!(waiter.cancel());
            assert!(waiter.await.unwrap_err().is_cancelled());
            flag.wait().await;
        });
        join(&spawned);
    });
}

/// A platform whose `notify` and idle `wait` do not synchronise with each
/// other: a relaxed flag, as a board's "set a flag, send an event" may be
/// (the trait asks only that a wait ends after a notify). Its wait spins,
/// yielding to loom; once `quiet` is set nothing will notify any more, so
/// a wait that finds no notification then would spin forever: the model
/// fails there, with the wake lost.
struct WeakPlatform {
    notified: loom::sync::atomic::AtomicBool,
    quiet: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Platform for WeakPlatform {
    fn now_us(&self) -> u64 {
        0
    }

    fn wait(&self, deadline_us: Option<u64>) {
        assert_eq!(deadline_us, None, "these models arm no timer");
        // Swaps, not a store and a swap: see `raw::sync::AtomicBool`.
        while !self.notified.swap(false, Ordering::Relaxed) {
            assert!(
                !self.quiet.load(std::sync::atomic::Ordering::Relaxed),
                "the loop waits for a notification that will never come (a lost wake)"
            );
            thread::yield_now();
        }
    }

    fn notify(&self) {
        self.notified.swap(true, Ordering::Relaxed);
    }
}

/// Model 2c: model 2 on a [`WeakPlatform`]: the loop must find the wake in
/// its inbox without relying on the platform's wait to order it after the
/// set (it asks the inbox under its lock before idling).
#[test]
fn a_flag_set_from_another_thread_is_not_lost_on_a_weakly_ordered_platform() {
    check(|| {
        // A std atomic: loom runs one thread at a time, so it tells what happened.
        let quiet = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let platform = WeakPlatform { notified: loom::sync::atomic::AtomicBool::new(false), quiet: quiet.clone() };
        let event_loop = uasyncio::new_event_loop_with(platform);
        let flag = Arc::new(ThreadSafeFlag::new());
        let setter = {
            let flag = flag.clone();
            thread::spawn(move || {
                flag.set();
                quiet.store(true, std::sync::atomic::Ordering::Relaxed);
            })
        };
        let f = flag.clone();
        event_loop.run_until_complete(async move { f.wait().await });
        setter.join().unwrap();
    });
}

/// Model 3: a task's waker goes to another thread, which uses it while the
/// loop finishes its run, is closed, dropped and replaced: the wake lands in
/// the open inbox (the task runs, or is discarded), in the inbox of a
/// closed loop (emptied when the loop goes) or is refused. Whatever the
/// order, the future is dropped once, on the loop's thread, and once the
/// thread is done nothing of the old loop is left: its platform (held by
/// the loop and by its `Remote`, which every cell holds) is dropped.
fn used_after_the_loop_is_gone(how: Use) {
    check(move || {
        let (event_loop, platform_dropped) = new_loop();
        let address = Rc::new(Cell::new(0));
        let drops = Rc::new(Cell::new(0));
        let spawned: Spawned = Rc::default();
        let (a, d, s, gone) = (address.clone(), drops.clone(), spawned.clone(), platform_dropped.clone());
        event_loop.run_until_complete(async move {
            // Detached: the waker on the other thread and the registry hold it.
            drop(create_task(Probe::new(&a, &d).on_first_poll(true, move |waker| {
                *s.borrow_mut() = Some(thread::spawn(move || {
                    // The waker holds the cell, which holds the loop's
                    // `Remote` (and its platform): not freed yet, however
                    // far the loop's end has gone.
                    assert_eq!(gone.load(Ordering::Acquire), 0, "the loop was freed under a live waker");
                    use_waker(waker, how);
                }));
            })));
            yield_now().await;
        });
        event_loop.close();
        drop(event_loop);
        // Replaces the thread's loop: the old one is dropped here.
        let (replacement, _) = new_loop();
        join(&spawned);
        assert_eq!(drops.get(), 1, "the future was dropped once");
        assert_eq!(platform_dropped.load(Ordering::Relaxed), 1, "the old loop is still alive (leaked)");
        drop(replacement);
    });
}

#[test]
fn a_wake_racing_the_loops_end_leaks_nothing() {
    used_after_the_loop_is_gone(Use::Wake);
}

#[test]
fn a_waker_dropped_racing_the_loops_end_leaks_nothing() {
    used_after_the_loop_is_gone(Use::Drop);
}

/// Model 4: a finished task's last reference (a waker kept by another
/// thread) goes on that thread while the loop spawns a task of the same
/// size: the pool's list of handed-back cells against its allocation. The
/// two tasks spawned (one racing the release, one after it) get distinct
/// cells, one of which is the finished task's: it was recycled, whichever
/// came first.
fn released_while_spawning(how: Use) {
    check(move || {
        let (event_loop, _) = new_loop();
        let drops = Rc::new(Cell::new(0));
        let d = drops.clone();
        let (first, racing, after) = event_loop.run_until_complete(async move {
            let spawned: Spawned = Rc::default();
            let s = spawned.clone();
            let first = Rc::new(Cell::new(0));
            // Finishes on its first poll, having handed a waker to the thread.
            let task = create_task(Probe::new(&first, &d).on_first_poll(false, move |waker| {
                *s.borrow_mut() = Some(thread::spawn(move || use_waker(waker, how)));
            }));
            assert_eq!(task.await, Ok(1));
            // The waker on the thread holds the cell now (or nothing does).
            let racing = Rc::new(Cell::new(0));
            let racing_task = create_task(Probe::new(&racing, &d));
            yield_now().await;
            join(&spawned);
            // A wake that reached the inbox is released at the next step.
            yield_now().await;
            let after = Rc::new(Cell::new(0));
            let after_task = create_task(Probe::new(&after, &d));
            assert_eq!(after_task.await, Ok(1));
            assert_eq!(racing_task.await, Ok(1));
            (first.get(), racing.get(), after.get())
        });
        assert_ne!(racing, after, "two live tasks got the same cell");
        assert!(first == racing || first == after, "the released cell was not recycled");
        assert_eq!(drops.get(), 3);
    });
}

#[test]
fn a_last_release_on_another_thread_racing_a_spawn_recycles_the_cell() {
    released_while_spawning(Use::Drop);
}

#[test]
fn a_wake_of_a_finished_task_racing_a_spawn_recycles_the_cell() {
    released_while_spawning(Use::Wake);
}

/// Model 5: a static-style `cs::Event` (shared here through a loom `Arc`,
/// so each execution starts clear) set from another thread while a task
/// waits on it (the main task, or a task the main task awaits), the set
/// landing anywhere from before the first wait to during the loop's idle
/// wait, its wake taken inside the critical section: the run completes,
/// never with the deadlock panic (the waiter counts as waiting on the
/// outside world), and the event stays set.
fn cs_event_set_from_afar(waiter_is_main: bool) {
    check(move || {
        let (event_loop, _) = new_loop();
        let event = Arc::new(cs::Event::new());
        let setter = {
            let event = event.clone();
            thread::spawn(move || event.set())
        };
        let e = event.clone();
        event_loop.run_until_complete(async move {
            if waiter_is_main {
                e.wait().await;
            } else {
                create_task(async move { e.wait().await }).await.unwrap();
            }
        });
        setter.join().unwrap();
        assert_eq!(format!("{:?}", *event), "Event { is_set: true, waiters: 0 }");
    });
}

#[test]
fn a_cs_event_set_from_another_thread_ends_the_main_tasks_wait() {
    cs_event_set_from_afar(true);
}

#[test]
fn a_cs_event_set_from_another_thread_ends_a_child_tasks_wait() {
    cs_event_set_from_afar(false);
}

/// Model 5b: the `cs::Event` is set from another thread while the task
/// waiting on it is cancelled (its wait leaves the wait list under the
/// critical section while `set` may be waking it), then the main task
/// waits on the same event. However they interleave, the waiter ends
/// cancelled, the main task's wait ends, and no waiter is left listed.
#[test]
fn a_cs_event_set_racing_the_cancellation_of_its_waiter_is_not_lost() {
    check(|| {
        let (event_loop, _) = new_loop();
        let event = Arc::new(cs::Event::new());
        let spawned: Spawned = Rc::default();
        let s = spawned.clone();
        let e = event.clone();
        event_loop.run_until_complete(async move {
            let w = e.clone();
            let waiter = create_task(async move { w.wait().await });
            yield_now().await; // the waiter is listed
            let w = e.clone();
            *s.borrow_mut() = Some(thread::spawn(move || w.set()));
            assert!(waiter.cancel());
            assert!(waiter.await.unwrap_err().is_cancelled());
            e.wait().await;
        });
        join(&spawned);
        assert_eq!(format!("{:?}", *event), "Event { is_set: true, waiters: 0 }");
    });
}

/// Model 6: a `cs::Queue` of capacity 1 between a producer thread and a
/// task: the thread puts two items without waiting, retrying while the
/// queue is full (it yields to loom, so the task runs), while the task
/// awaits `get` twice. The task receives both, in order, whatever the
/// interleaving of the puts with its waits and the loop's idle wait.
#[test]
fn a_cs_queue_fed_from_another_thread_delivers_both_items_in_order() {
    check(|| {
        let (event_loop, _) = new_loop();
        let queue = Arc::new(cs::Queue::new(1));
        let producer = {
            let queue = queue.clone();
            thread::spawn(move || {
                for item in [1u32, 2] {
                    while queue.put_nowait(item).is_err() {
                        thread::yield_now();
                    }
                }
            })
        };
        let q = queue.clone();
        let got = event_loop.run_until_complete(async move { [q.get().await, q.get().await] });
        producer.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

/// Model 7: a `cs::Lock` shared by the main tasks of two loops, each on
/// its own thread, each holding the lock across a yield to its loop. The
/// one that waits idles its loop (its wait counts as one on the outside
/// world) until the other's guard, dropped on the other thread, wakes it.
/// Whatever the interleaving, the lock is never held twice at once, both
/// runs complete (no lost wake, no deadlock panic) and it ends free.
#[test]
fn a_cs_lock_shared_by_loops_on_two_threads_has_one_holder_at_a_time() {
    check(|| {
        let lock = Arc::new(cs::Lock::new());
        let holders = Arc::new(AtomicUsize::new(0));
        let run = |lock: Arc<cs::Lock>, holders: Arc<AtomicUsize>| {
            let (event_loop, _) = new_loop();
            event_loop.run_until_complete(async move {
                let _guard = lock.acquire().await;
                assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "the lock has two holders");
                yield_now().await;
                holders.fetch_sub(1, Ordering::SeqCst);
            });
        };
        let other = {
            let (lock, holders) = (lock.clone(), holders.clone());
            thread::spawn(move || run(lock, holders))
        };
        run(lock.clone(), holders.clone());
        other.join().unwrap();
        assert!(!lock.locked());
    });
}

/// Model 8: a `cs::Barrier` of two parties: the main task waits at it while
/// another thread triggers it (arrives without waiting), the trigger
/// landing anywhere from before the task's arrival to during the loop's
/// idle wait. The task's arrival and its place in the wait list are taken
/// under one critical section, so the trip is never lost between them:
/// the wait ends (no deadlock panic) and the barrier is ready for the next
/// round, with nobody left waiting.
#[test]
fn a_cs_barrier_triggered_from_another_thread_releases_its_waiting_task() {
    check(|| {
        let (event_loop, _) = new_loop();
        let barrier = Arc::new(cs::Barrier::new(2));
        let trigger = {
            let barrier = barrier.clone();
            thread::spawn(move || barrier.trigger())
        };
        let b = barrier.clone();
        event_loop.run_until_complete(async move { b.wait().await });
        trigger.join().unwrap(); // either arrival may be the one that trips it
        assert_eq!(format!("{:?}", *barrier), "Barrier { parties: 2, remaining: 2, waiters: 0 }");
    });
}

/// Model 9: a `cs::WaitAny` of a `cs::Event` and a `ThreadSafeFlag`, the
/// flag set from another thread while the main task waits on both: the
/// wait ends with the flag's index (the event is never set), and `event()`
/// tells the same.
#[test]
fn a_cs_wait_any_ends_with_the_member_set_from_another_thread() {
    check(|| {
        let (event_loop, _) = new_loop();
        let any = Arc::new(cs::WaitAny::new((cs::Event::new(), ThreadSafeFlag::new())));
        let setter = {
            let any = any.clone();
            thread::spawn(move || any.members().1.set())
        };
        let a = any.clone();
        let fired = event_loop.run_until_complete(async move { a.wait().await });
        setter.join().unwrap();
        assert_eq!((fired, any.event()), (1, Some(1)));
    });
}

/// Model 10: a `cs::Elo` started by the main task on its loop, watching a
/// task that never ends by itself, cancelled from another thread while the
/// main task waits for its outcome: the request reaches the watcher (on
/// the owning loop, which alone touches the task) however it interleaves
/// with the start, the watcher's wait and the loop's idle wait, and the
/// outcome is `Err(Cancelled)`. The `Elo` is leaked (`start` takes
/// `&'static`), as a `static` is never dropped: loom's leak check then
/// tells that it keeps nothing of the loop (no waker of a woken task).
#[test]
fn a_cs_elo_cancelled_from_another_thread_ends_cancelled() {
    check(|| {
        let (event_loop, _) = new_loop();
        let job: &'static cs::Elo<()> = Box::leak(Box::new(cs::Elo::new()));
        let outcome = event_loop.run_until_complete(async move {
            job.start(std::future::pending()).unwrap();
            let canceller = thread::spawn(move || job.cancel());
            let outcome = job.result().await;
            assert_eq!(canceller.join().unwrap(), Ok(true));
            outcome
        });
        assert_eq!(outcome, Err(uasyncio::TaskError::Cancelled));
    });
}

//! Sleeps polled in unusual ways still wake on time, on the virtual clock.
//!
//! A sleep polled with its own task's waker uses the timer kept in the task
//! itself; every other sleep keeps a waker of its own. These tests move
//! sleeps between the two: polled through a combinator's waker, moved to
//! another task, outliving the task that armed it, several in one task.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use uasyncio::time::{Sleep, ticks_ms};
use uasyncio::{create_task, run_virtual, sleep_ms};

/// Polls `fut` once, whatever it returns.
async fn poll_once<F: Future + Unpin>(fut: &mut F) {
    poll_fn(|cx| {
        let _ = Pin::new(&mut *fut).poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// The waker a [`WakeGated`] polls its future with: it records the wake and
/// passes it on to the task.
#[derive(Default)]
struct Gate {
    woken: AtomicBool,
    wakes: AtomicU32,
    task: Mutex<Option<Waker>>,
}

impl Wake for Gate {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.wakes.fetch_add(1, Ordering::SeqCst);
        if let Some(task) = self.task.lock().unwrap().as_ref() {
            task.wake_by_ref();
        }
    }
}

/// A combinator like `FuturesUnordered`: it polls its future with a waker
/// of its own, and polls it again only once that waker was woken.
struct WakeGated<F> {
    inner: Pin<Box<F>>,
    gate: Arc<Gate>,
    polled: bool,
}

impl<F> WakeGated<F> {
    fn new(inner: F) -> Self {
        WakeGated { inner: Box::pin(inner), gate: Arc::default(), polled: false }
    }
}

impl<F: Future> Future for WakeGated<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        *self.gate.task.lock().unwrap() = Some(cx.waker().clone());
        if self.polled && !self.gate.woken.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        self.polled = true;
        let waker = Waker::from(self.gate.clone());
        self.inner.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

/// Armed with the task's own waker, then polled only through a
/// combinator's: the combinator's waker is the one woken at the deadline.
#[test]
fn a_sleep_moved_under_a_combinator_wakes_the_combinator() {
    let (at, wakes) = run_virtual(async {
        let mut nap = sleep_ms(10);
        poll_once(&mut nap).await;
        sleep_ms(3).await;
        let gated = WakeGated::new(nap);
        let gate = gated.gate.clone();
        gated.await;
        (ticks_ms(), gate.wakes.load(Ordering::SeqCst))
    });
    assert_eq!((at, wakes), (10, 1));
}

/// A sleep first polled through a combinator keeps the combinator's waker.
#[test]
fn a_sleep_inside_a_combinator_finishes_at_its_deadline() {
    let at = run_virtual(async {
        WakeGated::new(sleep_ms(25)).await;
        ticks_ms()
    });
    assert_eq!(at, 25);
}

/// Task A arms a sleep and hands it to task B: B is woken at its deadline;
/// A's own sleep is not disturbed by the timer it left behind.
#[test]
fn a_sleep_handed_to_another_task_wakes_that_task() {
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let l = log.clone();
    run_virtual(async move {
        let slot: Rc<RefCell<Option<Sleep>>> = Rc::default();
        let (give, take) = (slot.clone(), slot);
        let (la, lb) = (l.clone(), l);
        let a = create_task(async move {
            let mut nap = sleep_ms(10);
            poll_once(&mut nap).await;
            *give.borrow_mut() = Some(nap);
            sleep_ms(30).await;
            la.borrow_mut().push(format!("a slept until {}", ticks_ms()));
        });
        let b = create_task(async move {
            sleep_ms(1).await;
            let nap = take.borrow_mut().take().expect("a handed its sleep over");
            nap.await;
            lb.borrow_mut().push(format!("b's handed sleep ended at {}", ticks_ms()));
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(*log.borrow(), ["b's handed sleep ended at 10", "a slept until 30"]);
}

/// A task that ends with an armed sleep in its result: the sleep still
/// ends at its deadline when the task's awaiter awaits it.
#[test]
#[allow(clippy::async_yields_async)] // the point: the task returns the armed sleep
fn a_sleep_outliving_the_task_that_armed_it_still_wakes_on_time() {
    let at = run_virtual(async {
        let task = create_task(async {
            let mut nap = sleep_ms(40);
            poll_once(&mut nap).await;
            nap
        });
        let nap = task.await.unwrap();
        assert_eq!(ticks_ms(), 0);
        nap.await;
        ticks_ms()
    });
    assert_eq!(at, 40);
}

/// A task that ends without dropping an armed sleep (its destructor never
/// runs): nothing fires into the finished task, and the loop goes on with
/// its other timers.
#[test]
fn a_forgotten_armed_sleep_leaves_no_timer_behind() {
    let at = run_virtual(async {
        create_task(async {
            // Large enough that the task's memory is its own allocation,
            // freed when the task goes (a use after free shows under Miri).
            let ballast = [7u8; 1024];
            let mut nap = std::mem::ManuallyDrop::new(sleep_ms(5));
            poll_once(&mut *nap).await;
            std::hint::black_box(&ballast);
        })
        .await
        .unwrap();
        // Spawn enough tasks to reuse the finished task's memory.
        for _ in 0..4 {
            create_task(async { sleep_ms(7).await }).await.unwrap();
        }
        sleep_ms(20).await;
        ticks_ms()
    });
    assert_eq!(at, 48);
}

/// Timers of equal deadline fire in the order they were armed, whichever
/// kind each is: a task's own timer, or the second timer of a task.
#[test]
fn equal_deadlines_fire_in_arming_order_across_both_kinds_of_timer() {
    let log: Rc<RefCell<Vec<&str>>> = Rc::default();
    let l = log.clone();
    run_virtual(async move {
        let mut tasks = Vec::new();
        for (name, second) in [("one", false), ("two", true), ("three", false), ("four", true)] {
            let l = l.clone();
            tasks.push(create_task(async move {
                // `second`: a longer sleep holds the task's own timer, so
                // the sleep below is the task's second timer.
                let mut holder = sleep_ms(50);
                if second {
                    poll_once(&mut holder).await;
                }
                sleep_ms(10).await;
                l.borrow_mut().push(name);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), ["one", "two", "three", "four"]);
}

/// A task handle awaited through a combinator's waker: the combinator's
/// waker is woken when the task ends.
#[test]
fn a_task_awaited_through_a_combinator_wakes_the_combinator() {
    let (value, wakes) = run_virtual(async {
        let task = create_task(async {
            sleep_ms(15).await;
            7
        });
        let gated = WakeGated::new(task);
        let gate = gated.gate.clone();
        let value = gated.await.unwrap();
        (value, gate.wakes.load(Ordering::SeqCst))
    });
    assert_eq!((value, wakes), (7, 1));
}

/// A waker whose wake panics.
struct Boom;

impl Wake for Boom {
    fn wake(self: Arc<Self>) {
        panic!("boom: this waker panics when woken");
    }
}

/// A timer fires and the waker it wakes panics. The panic leaves the run,
/// and the loop, run again, queues wakes in their usual order: the firing
/// ended with the panic (before, the loop stayed in "a timer is firing" and
/// put every woken task at the front).
#[test]
fn a_wake_that_panics_while_its_timer_fires_leaves_the_queue_in_order() {
    let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    let escaped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        event_loop.run_until_complete(async {
            let mut sleep = Box::pin(sleep_ms(5));
            let boom = Waker::from(Arc::new(Boom));
            poll_fn(|_| {
                let _ = sleep.as_mut().poll(&mut Context::from_waker(&boom));
                Poll::<()>::Pending
            })
            .await;
        })
    }));
    let message = escaped.expect_err("the panic of the wake leaves run_until_complete");
    assert_eq!(message.downcast_ref::<&str>(), Some(&"boom: this waker panics when woken"));

    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    event_loop.run_until_complete(async move {
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let log = l.clone();
                create_task(async move {
                    for round in 0..2 {
                        log.borrow_mut().push(format!("{name}{round}"));
                        sleep_ms(0).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), ["a0", "b0", "c0", "a1", "b1", "c1"]);
}

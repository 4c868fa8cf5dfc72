//! Wakeups from other OS threads, on the real clock: none may be lost, and
//! the loop must leave its idle wait for each.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use uasyncio::{ThreadSafeFlag, create_task};

/// Four threads each set their own flag 500 times, each time waiting until
/// the loop has taken the previous one: 2000 handshakes, none lost.
#[test]
fn thread_safe_flags_from_four_threads_lose_no_wakeup() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 500;
    let flags: Vec<Arc<ThreadSafeFlag>> = (0..THREADS).map(|_| Arc::new(ThreadSafeFlag::new())).collect();
    let taken: Vec<Arc<AtomicUsize>> = (0..THREADS).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let setters: Vec<_> = (0..THREADS)
        .map(|i| {
            let (flag, taken) = (flags[i].clone(), taken[i].clone());
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    flag.set();
                    while taken.load(Ordering::Acquire) <= round {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let totals = uasyncio::new_event_loop().run_until_complete(async move {
        let waiters: Vec<_> = (0..THREADS)
            .map(|i| {
                let (flag, taken) = (flags[i].clone(), taken[i].clone());
                create_task(async move {
                    for _ in 0..ROUNDS {
                        flag.wait().await;
                        taken.fetch_add(1, Ordering::Release);
                    }
                    taken.load(Ordering::Acquire)
                })
            })
            .collect();
        let mut totals = Vec::new();
        for w in waiters {
            totals.push(w.await.unwrap());
        }
        totals
    });
    for s in setters {
        s.join().unwrap();
    }
    assert_eq!(totals, vec![ROUNDS; THREADS]);
}

/// A future that hands its waker to another thread and is woken from there:
/// the wake goes through the loop's inbox (not the loop-thread fast path).
struct WokenElsewhere {
    sent: Option<mpsc::Sender<Waker>>,
    woken: Arc<AtomicUsize>,
}

impl Future for WokenElsewhere {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if let Some(tx) = self.sent.take() {
            tx.send(cx.waker().clone()).unwrap();
            return Poll::Pending;
        }
        match self.woken.load(Ordering::Acquire) {
            0 => Poll::Pending,
            n => Poll::Ready(n),
        }
    }
}

#[test]
fn a_waker_woken_on_another_thread_resumes_its_task() {
    let (tx, rx) = mpsc::channel::<Waker>();
    let woken = Arc::new(AtomicUsize::new(0));
    let flag = woken.clone();
    let thread = std::thread::spawn(move || {
        let waker = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        flag.store(1, Ordering::Release);
        waker.wake();
    });
    // The task is woken only from the other thread; the loop has a pending
    // timer so it idles on the real clock until the inbox wakes it.
    let result = uasyncio::new_event_loop().run_until_complete(async move {
        let keepalive = create_task(uasyncio::sleep(5));
        let n = WokenElsewhere { sent: Some(tx), woken }.await;
        keepalive.cancel();
        n
    });
    thread.join().unwrap();
    assert_eq!(result, 1);
}

/// A second task waiting on the same `ThreadSafeFlag` is a clear error.
#[test]
fn a_second_waiter_on_a_thread_safe_flag_is_refused() {
    let outcome = uasyncio::run_virtual(async {
        let flag = Arc::new(ThreadSafeFlag::new());
        let f1 = flag.clone();
        let first = create_task(async move { f1.wait().await });
        uasyncio::sleep(0).await;
        let f2 = flag.clone();
        let second = create_task(async move { f2.wait().await }).await;
        flag.set();
        first.await.unwrap();
        second
    });
    let Err(uasyncio::TaskError::Panicked(message)) = outcome else { panic!("expected a panic, got {outcome:?}") };
    assert!(message.starts_with("ThreadSafeFlag: another task is already waiting"), "{message}");
}

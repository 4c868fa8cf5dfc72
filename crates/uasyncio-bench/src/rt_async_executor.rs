//! async-executor: a `LocalExecutor` driven by `async_io::block_on`, with
//! async-io `Timer`s, an event-listener based flag and `async_channel`; the
//! shared [`LocalFlag`] and [`LocalQueue`] for the executor-only columns.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use async_executor::LocalExecutor;
use async_io::Timer;
use event_listener::{Event, listener};

use crate::common::{
    self, LocalFlag, LocalQueue, Outcome, Sizes, SpawnDetached, Stopwatch, Workload, YieldNow, ns_per_op,
};

/// Runs the `async move` body, which names the executor `$ex`, on a fresh
/// `LocalExecutor` driven by `async_io::block_on`.
macro_rules! block_on {
    (|$ex:ident| $body:expr) => {{
        let executor = LocalExecutor::new();
        let $ex = &executor;
        async_io::block_on($ex.run($body))
    }};
}

/// An auto-clearing flag on top of `event_listener::Event`: the usual way to
/// build an event with the smol family.
#[derive(Default)]
struct EventFlag {
    set: Cell<bool>,
    event: Event,
}

impl EventFlag {
    fn set(&self) {
        self.set.set(true);
        self.event.notify(1);
    }

    async fn wait(&self) {
        loop {
            if self.set.replace(false) {
                return;
            }
            listener!(self.event => l);
            if self.set.replace(false) {
                return;
            }
            l.await;
        }
    }
}

/// Measures one workload on async-executor.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    let ops = s.ops(w);
    let figure = match w {
        Workload::Yield => block_on!(|ex| async move {
            let start = Stopwatch::start();
            let tasks: Vec<_> = (0..s.yield_tasks)
                .map(|_| {
                    let rounds = s.yield_rounds;
                    ex.spawn(async move {
                        for _ in 0..rounds {
                            YieldNow::new().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await;
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinSeq => block_on!(|ex| async move {
            let start = Stopwatch::start();
            for i in 0..ops {
                black_box(ex.spawn(async move { i }).await);
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinBatch => block_on!(|ex| async move {
            let start = Stopwatch::start();
            let tasks: Vec<_> = (0..ops).map(|i| ex.spawn(async move { i })).collect();
            for t in tasks {
                black_box(t.await);
            }
            ns_per_op(start, ops)
        }),
        Workload::PingPong => block_on!(|ex| async move {
            let ping = Rc::new(EventFlag::default());
            let pong = Rc::new(EventFlag::default());
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let ponger = ex.spawn(async move {
                for _ in 0..ops {
                    a.wait().await;
                    b.set();
                }
            });
            for _ in 0..ops {
                ping.set();
                pong.wait().await;
            }
            ponger.await;
            ns_per_op(start, ops)
        }),
        Workload::PingPongLocal => block_on!(|ex| async move {
            let (ping, pong) = (Rc::new(LocalFlag::default()), Rc::new(LocalFlag::default()));
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let pinger = ex.spawn(async move { common::pinger(ops, &a, &b).await });
            let ponger = ex.spawn(async move { common::ponger(ops, &ping, &pong).await });
            pinger.await;
            ponger.await;
            ns_per_op(start, ops)
        }),
        Workload::QueueLocal => block_on!(|ex| async move {
            let queue = Rc::new(LocalQueue::new(s.queue_capacity));
            let start = Stopwatch::start();
            let q = queue.clone();
            let producer = ex.spawn(async move { common::producer(ops, &q).await });
            let consumer = ex.spawn(async move { common::consumer(ops, &queue).await });
            producer.await;
            consumer.await;
            ns_per_op(start, ops)
        }),
        Workload::Queue => block_on!(|ex| async move {
            let (tx, rx) = async_channel::bounded(s.queue_capacity);
            let start = Stopwatch::start();
            let producer = ex.spawn(async move {
                for i in 0..ops {
                    tx.send(i).await.unwrap();
                }
            });
            for _ in 0..ops {
                black_box(rx.recv().await.unwrap());
            }
            producer.await;
            ns_per_op(start, ops)
        }),
        Workload::Timers(_) => block_on!(|ex| async move {
            let delays = common::delays_us(ops);
            let start = Stopwatch::start_process();
            let tasks: Vec<_> = delays
                .iter()
                .map(|&us| {
                    ex.spawn(async move {
                        Timer::after(Duration::from_micros(us)).await;
                    })
                })
                .collect();
            for t in tasks {
                t.await;
            }
            ns_per_op(start, ops)
        }),
        Workload::MemoryPerTask => {
            block_on!(|ex| common::memory_per_task(ops, ex, |ms| Timer::after(Duration::from_millis(ms))))
        }
        Workload::RssPerTask => {
            block_on!(|ex| common::rss_per_task(ops, ex, |ms| Timer::after(Duration::from_millis(ms))))
        }
    };
    Outcome::Measured(figure)
}

impl SpawnDetached for LocalExecutor<'_> {
    fn spawn_detached<F: Future<Output = ()> + 'static>(&self, fut: F) {
        self.spawn(fut).detach();
    }
}

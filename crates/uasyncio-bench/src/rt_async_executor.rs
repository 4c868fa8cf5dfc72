//! async-executor: a `LocalExecutor` driven by `async_io::block_on`, with
//! async-io `Timer`s, an event-listener based flag and `async_channel`.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use async_executor::LocalExecutor;
use async_io::Timer;
use event_listener::{Event, listener};

use crate::common::{self, MEMORY_SLEEP_MS, Outcome, Sizes, Stopwatch, Workload, YieldNow, ns_per_op};

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
            let cpu = common::process_cpu_ns();
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
            (common::process_cpu_ns() - cpu) as f64 / ops as f64
        }),
        Workload::MemoryPerTask => block_on!(|ex| async move {
            let started = Rc::new(Cell::new(0usize));
            let finished = Rc::new(Cell::new(0usize));
            common::start_counting();
            for _ in 0..ops {
                let (started, finished) = (started.clone(), finished.clone());
                ex.spawn(async move {
                    started.set(started.get() + 1);
                    Timer::after(Duration::from_millis(MEMORY_SLEEP_MS)).await;
                    finished.set(finished.get() + 1);
                })
                .detach();
            }
            while started.get() < ops {
                Timer::after(Duration::from_millis(1)).await;
            }
            let bytes = common::stop_counting();
            assert_eq!(finished.get(), 0, "memory: tasks woke before the reading");
            while finished.get() < ops {
                Timer::after(Duration::from_millis(5)).await;
            }
            bytes as f64 / ops as f64
        }),
    };
    Outcome::Measured(figure)
}

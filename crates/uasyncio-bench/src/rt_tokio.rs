//! tokio: a current-thread runtime with a `LocalSet` (`spawn_local`), its own
//! `yield_now`, `Notify`, `mpsc::channel` and `time::sleep`; the shared
//! [`LocalFlag`] and [`LocalQueue`] for the executor-only columns.

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::{LocalSet, spawn_local};

use crate::common::{self, LocalFlag, LocalQueue, Outcome, Sizes, SpawnDetached, Stopwatch, Workload, ns_per_op};

/// Runs `main` on a fresh current-thread runtime with a `LocalSet`.
fn block_on<F: Future>(main: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("tokio runtime");
    LocalSet::new().block_on(&rt, main)
}

/// Measures one workload on tokio.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    let ops = s.ops(w);
    let figure = match w {
        Workload::Yield => block_on(async {
            let start = Stopwatch::start();
            let handles: Vec<_> = (0..s.yield_tasks)
                .map(|_| {
                    let rounds = s.yield_rounds;
                    spawn_local(async move {
                        for _ in 0..rounds {
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinSeq => block_on(async {
            let start = Stopwatch::start();
            for i in 0..ops {
                black_box(spawn_local(async move { i }).await.unwrap());
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinBatch => block_on(async {
            let start = Stopwatch::start();
            let handles: Vec<_> = (0..ops).map(|i| spawn_local(async move { i })).collect();
            for h in handles {
                black_box(h.await.unwrap());
            }
            ns_per_op(start, ops)
        }),
        Workload::PingPong => block_on(async {
            let ping = Rc::new(Notify::new());
            let pong = Rc::new(Notify::new());
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let ponger = spawn_local(async move {
                for _ in 0..ops {
                    a.notified().await;
                    b.notify_one();
                }
            });
            for _ in 0..ops {
                ping.notify_one();
                pong.notified().await;
            }
            ponger.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::PingPongLocal => block_on(async {
            let (ping, pong) = (Rc::new(LocalFlag::default()), Rc::new(LocalFlag::default()));
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let pinger = spawn_local(async move { common::pinger(ops, &a, &b).await });
            let ponger = spawn_local(async move { common::ponger(ops, &ping, &pong).await });
            pinger.await.unwrap();
            ponger.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::QueueLocal => block_on(async {
            let queue = Rc::new(LocalQueue::new(s.queue_capacity));
            let start = Stopwatch::start();
            let q = queue.clone();
            let producer = spawn_local(async move { common::producer(ops, &q).await });
            let consumer = spawn_local(async move { common::consumer(ops, &queue).await });
            producer.await.unwrap();
            consumer.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::Queue => block_on(async {
            let (tx, mut rx) = mpsc::channel(s.queue_capacity);
            let start = Stopwatch::start();
            let producer = spawn_local(async move {
                for i in 0..ops {
                    tx.send(i).await.unwrap();
                }
            });
            for _ in 0..ops {
                black_box(rx.recv().await.unwrap());
            }
            producer.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::Timers(_) => block_on(async {
            let delays = common::delays_us(ops);
            let start = Stopwatch::start_process();
            let handles: Vec<_> =
                delays.iter().map(|&us| spawn_local(tokio::time::sleep(Duration::from_micros(us)))).collect();
            for h in handles {
                h.await.unwrap();
            }
            ns_per_op(start, ops)
        }),
        Workload::MemoryPerTask => {
            block_on(common::memory_per_task(ops, &Spawner, |ms| tokio::time::sleep(Duration::from_millis(ms))))
        }
        Workload::RssPerTask => {
            block_on(common::rss_per_task(ops, &Spawner, |ms| tokio::time::sleep(Duration::from_millis(ms))))
        }
    };
    Outcome::Measured(figure)
}

struct Spawner;

impl SpawnDetached for Spawner {
    fn spawn_detached<F: Future<Output = ()> + 'static>(&self, fut: F) {
        // Dropping the JoinHandle detaches the task.
        drop(spawn_local(fut));
    }
}

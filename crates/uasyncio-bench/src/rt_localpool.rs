//! futures' `LocalPool`: `spawn_local_with_handle` for joinable tasks, the
//! hand-written [`LocalFlag`] for pingpong (and pingpong_local),
//! `futures::channel::mpsc` for the queue, [`LocalQueue`] for queue_local.
//! It has no timers, so the timer and memory workloads are skipped.

use std::hint::black_box;
use std::rc::Rc;

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use futures::{SinkExt, StreamExt};

use crate::common::{self, LocalFlag, LocalQueue, Outcome, Sizes, Stopwatch, Workload, YieldNow, ns_per_op};

/// Measures one workload on futures' LocalPool.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    let ops = s.ops(w);
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let figure = match w {
        Workload::Yield => pool.run_until(async move {
            let start = Stopwatch::start();
            let handles: Vec<_> = (0..s.yield_tasks)
                .map(|_| {
                    let rounds = s.yield_rounds;
                    spawner
                        .spawn_local_with_handle(async move {
                            for _ in 0..rounds {
                                YieldNow::new().await;
                            }
                        })
                        .unwrap()
                })
                .collect();
            for h in handles {
                h.await;
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinSeq => pool.run_until(async move {
            let start = Stopwatch::start();
            for i in 0..ops {
                black_box(spawner.spawn_local_with_handle(async move { i }).unwrap().await);
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinBatch => pool.run_until(async move {
            let start = Stopwatch::start();
            let handles: Vec<_> =
                (0..ops).map(|i| spawner.spawn_local_with_handle(async move { i }).unwrap()).collect();
            for h in handles {
                black_box(h.await);
            }
            ns_per_op(start, ops)
        }),
        Workload::PingPong => pool.run_until(async move {
            let ping = Rc::new(LocalFlag::default());
            let pong = Rc::new(LocalFlag::default());
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let ponger = spawner
                .spawn_local_with_handle(async move {
                    for _ in 0..ops {
                        a.wait().await;
                        b.set();
                    }
                })
                .unwrap();
            for _ in 0..ops {
                ping.set();
                pong.wait().await;
            }
            ponger.await;
            ns_per_op(start, ops)
        }),
        Workload::PingPongLocal => pool.run_until(async move {
            let (ping, pong) = (Rc::new(LocalFlag::default()), Rc::new(LocalFlag::default()));
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let pinger = spawner.spawn_local_with_handle(async move { common::pinger(ops, &a, &b).await }).unwrap();
            let ponger =
                spawner.spawn_local_with_handle(async move { common::ponger(ops, &ping, &pong).await }).unwrap();
            pinger.await;
            ponger.await;
            ns_per_op(start, ops)
        }),
        Workload::QueueLocal => pool.run_until(async move {
            let queue = Rc::new(LocalQueue::new(s.queue_capacity));
            let start = Stopwatch::start();
            let q = queue.clone();
            let producer = spawner.spawn_local_with_handle(async move { common::producer(ops, &q).await }).unwrap();
            let consumer = spawner.spawn_local_with_handle(async move { common::consumer(ops, &queue).await }).unwrap();
            producer.await;
            consumer.await;
            ns_per_op(start, ops)
        }),
        Workload::Queue => pool.run_until(async move {
            // mpsc::channel(n) holds n items plus one per sender.
            let (mut tx, mut rx) = futures::channel::mpsc::channel(s.queue_capacity - 1);
            let start = Stopwatch::start();
            let producer = spawner
                .spawn_local_with_handle(async move {
                    for i in 0..ops {
                        tx.send(i).await.unwrap();
                    }
                })
                .unwrap();
            for _ in 0..ops {
                black_box(rx.next().await.unwrap());
            }
            producer.await;
            ns_per_op(start, ops)
        }),
        Workload::Timers(_) | Workload::MemoryPerTask | Workload::RssPerTask => {
            return Outcome::Skipped("LocalPool has no timers");
        }
    };
    Outcome::Measured(figure)
}

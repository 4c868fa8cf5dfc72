//! Our runtime, `uasyncio`: `create_task`, `sleep_ms(0)` as the yield, two
//! `Event`s for pingpong, `Queue::new(64)`, `sleep_us` for the timers; the
//! shared [`LocalFlag`] and [`LocalQueue`] for the executor-only columns.

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;

use uasyncio::{Event, Queue, create_task, sleep_ms, sleep_us};

use crate::common::{self, LocalFlag, LocalQueue, Outcome, Sizes, SpawnDetached, Stopwatch, Workload, ns_per_op};

/// Runs `main` on a fresh event loop (the old loop's tasks are discarded).
fn block_on<F: Future + 'static>(main: F) -> F::Output {
    uasyncio::new_event_loop().run_until_complete(main)
}

/// Measures one workload on uasyncio.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    let ops = s.ops(w);
    let (tasks, rounds, capacity) = (s.yield_tasks, s.yield_rounds, s.queue_capacity);
    let figure = match w {
        Workload::Yield => block_on(async move {
            let start = Stopwatch::start();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    create_task(async move {
                        for _ in 0..rounds {
                            sleep_ms(0).await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinSeq => block_on(async move {
            let start = Stopwatch::start();
            for i in 0..ops {
                black_box(create_task(async move { i }).await.unwrap());
            }
            ns_per_op(start, ops)
        }),
        Workload::SpawnJoinBatch => block_on(async move {
            let start = Stopwatch::start();
            let handles: Vec<_> = (0..ops).map(|i| create_task(async move { i })).collect();
            for h in handles {
                black_box(h.await.unwrap());
            }
            ns_per_op(start, ops)
        }),
        Workload::PingPong => block_on(async move {
            let ping = Rc::new(Event::new());
            let pong = Rc::new(Event::new());
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let ponger = create_task(async move {
                for _ in 0..ops {
                    a.wait().await;
                    a.clear();
                    b.set();
                }
            });
            for _ in 0..ops {
                ping.set();
                pong.wait().await;
                pong.clear();
            }
            ponger.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::PingPongLocal => block_on(async move {
            let (ping, pong) = (Rc::new(LocalFlag::default()), Rc::new(LocalFlag::default()));
            let start = Stopwatch::start();
            let (a, b) = (ping.clone(), pong.clone());
            let pinger = create_task(async move { common::pinger(ops, &a, &b).await });
            let ponger = create_task(async move { common::ponger(ops, &ping, &pong).await });
            pinger.await.unwrap();
            ponger.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::QueueLocal => block_on(async move {
            let queue = Rc::new(LocalQueue::new(capacity));
            let start = Stopwatch::start();
            let q = queue.clone();
            let producer = create_task(async move { common::producer(ops, &q).await });
            let consumer = create_task(async move { common::consumer(ops, &queue).await });
            producer.await.unwrap();
            consumer.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::Queue => block_on(async move {
            let queue = Rc::new(Queue::new(capacity));
            let start = Stopwatch::start();
            let q = queue.clone();
            let producer = create_task(async move {
                for i in 0..ops {
                    q.put(i).await;
                }
            });
            for _ in 0..ops {
                black_box(queue.get().await);
            }
            producer.await.unwrap();
            ns_per_op(start, ops)
        }),
        Workload::Timers(_) => block_on(async move {
            let delays = common::delays_us(ops);
            let start = Stopwatch::start_process();
            let handles: Vec<_> = delays.iter().map(|&us| create_task(sleep_us(us))).collect();
            for h in handles {
                h.await.unwrap();
            }
            ns_per_op(start, ops)
        }),
        Workload::MemoryPerTask => block_on(common::memory_per_task(ops, &Spawner, |ms: u64| sleep_ms(ms))),
        Workload::RssPerTask => block_on(common::rss_per_task(ops, &Spawner, |ms: u64| sleep_ms(ms))),
    };
    Outcome::Measured(figure)
}

struct Spawner;

impl SpawnDetached for Spawner {
    fn spawn_detached<F: Future<Output = ()> + 'static>(&self, fut: F) {
        // Dropping the Task handle detaches the task.
        drop(create_task(fut));
    }
}

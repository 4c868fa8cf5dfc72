//! The floor: the same futures with no executor at all, polled round-robin
//! with a no-op waker. What is left is the cost of the work itself (the state
//! machines, the allocation of a boxed future, the hand-written flag or
//! queue), the part no runtime can remove.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::common::{self, LocalFlag, LocalQueue, Outcome, Sizes, Stopwatch, Workload, YieldNow, ns_per_op};

type BoxedTask = Pin<Box<dyn Future<Output = ()>>>;

/// Polls every future in turn until all have finished.
fn round_robin(mut futures: Vec<BoxedTask>) {
    let mut cx = Context::from_waker(Waker::noop());
    while !futures.is_empty() {
        futures.retain_mut(|f| f.as_mut().poll(&mut cx).is_pending());
    }
}

/// Measures one workload on the floor.
pub fn measure(w: Workload, s: &Sizes) -> Outcome {
    match w {
        Workload::Yield => {
            let futures = (0..s.yield_tasks)
                .map(|_| {
                    let rounds = s.yield_rounds;
                    Box::pin(async move {
                        for _ in 0..rounds {
                            YieldNow::new().await;
                        }
                    }) as BoxedTask
                })
                .collect();
            let start = Stopwatch::start();
            round_robin(futures);
            Outcome::Measured(ns_per_op(start, s.ops(w)))
        }
        Workload::SpawnJoinSeq => {
            let mut cx = Context::from_waker(Waker::noop());
            let start = Stopwatch::start();
            for i in 0..s.spawn_seq {
                // black_box keeps the allocation: without it the optimiser removes
                // the box and the poll, and the floor would be zero.
                let mut f: Pin<Box<dyn Future<Output = usize>>> = black_box(Box::pin(async move { i }));
                match f.as_mut().poll(&mut cx) {
                    Poll::Ready(v) => {
                        black_box(v);
                    }
                    Poll::Pending => unreachable!("a trivial future is ready at once"),
                }
            }
            Outcome::Measured(ns_per_op(start, s.ops(w)))
        }
        Workload::SpawnJoinBatch => {
            let mut cx = Context::from_waker(Waker::noop());
            let start = Stopwatch::start();
            let mut futures: Vec<Pin<Box<dyn Future<Output = usize>>>> = (0..s.spawn_batch)
                .map(|i| Box::pin(async move { i }) as Pin<Box<dyn Future<Output = usize>>>)
                .collect();
            for f in &mut futures {
                if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                    black_box(v);
                }
            }
            drop(futures);
            Outcome::Measured(ns_per_op(start, s.ops(w)))
        }
        // The floor's flag and queue are the local ones already: the same
        // futures serve the idiomatic and the executor-only rows.
        Workload::PingPong | Workload::PingPongLocal => {
            let ping = Rc::new(LocalFlag::default());
            let pong = Rc::new(LocalFlag::default());
            let n = s.pingpong;
            let (a, b) = (ping.clone(), pong.clone());
            let pinger = Box::pin(async move { common::pinger(n, &a, &b).await }) as BoxedTask;
            let ponger = Box::pin(async move { common::ponger(n, &ping, &pong).await }) as BoxedTask;
            let start = Stopwatch::start();
            round_robin(vec![pinger, ponger]);
            Outcome::Measured(ns_per_op(start, s.ops(w)))
        }
        Workload::Queue | Workload::QueueLocal => {
            let queue = Rc::new(LocalQueue::new(s.queue_capacity));
            let n = s.queue;
            let q = queue.clone();
            let producer = Box::pin(async move { common::producer(n, &q).await }) as BoxedTask;
            let consumer = Box::pin(async move { common::consumer(n, &queue).await }) as BoxedTask;
            let start = Stopwatch::start();
            round_robin(vec![producer, consumer]);
            Outcome::Measured(ns_per_op(start, s.ops(w)))
        }
        Workload::Timers(_) => Outcome::Skipped("no clock without a runtime"),
        Workload::MemoryPerTask | Workload::RssPerTask => Outcome::Skipped("no tasks without a runtime"),
    }
}

//! peterhinch's primitives on the virtual clock: the exact order of
//! wake-ups, what a cancelled waiter leaves behind (nothing: every wait
//! list is checked through `Debug`), and bad input.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

use uasyncio::{
    Barrier, BoundedSemaphore, Broker, Condition, DelayError, DelayMs, Event, Message, NotSubscribed, OverReleased,
    Queue, RingbufQueue, Semaphore, TaskError, WaitAll, WaitAny, create_task, run_virtual, sleep, sleep_ms,
    time::ticks_ms,
};

type Log = Rc<RefCell<Vec<String>>>;

fn log() -> Log {
    Rc::default()
}

fn push(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

fn lines(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload.downcast_ref::<String>().cloned().or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string())).unwrap()
}

// ---------------------------------------------------------------- Semaphore

#[test]
fn semaphore_permits_go_to_waiters_in_arrival_order_and_a_cancelled_waiter_passes_its_permit_on() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let sema = Rc::new(Semaphore::new(1));
            let holder = sema.acquire().await;
            let mut tasks = Vec::new();
            for name in ["a", "b", "c"] {
                let (sema, out) = (sema.clone(), out.clone());
                tasks.push(create_task(async move {
                    let _permit = sema.acquire().await;
                    push(&out, format!("{name} at {}", ticks_ms()));
                    sleep_ms(10).await;
                }));
            }
            sleep(0).await;
            assert_eq!(format!("{sema:?}"), "Semaphore { available: 0, waiters: 3 }");
            drop(holder); // handed to a, which has not run yet
            tasks[0].cancel(); // a is cancelled holding the hand-off: b gets it
            sleep_ms(5).await;
            assert_eq!(format!("{sema:?}"), "Semaphore { available: 0, waiters: 1 }");
            for t in tasks.drain(1..) {
                t.await.unwrap();
            }
            assert_eq!(tasks.pop().unwrap().await, Err(TaskError::Cancelled));
            assert_eq!(format!("{sema:?}"), "Semaphore { available: 1, waiters: 0 }");
        }
    });
    assert_eq!(lines(&out), ["b at 0", "c at 10"]);
}

#[test]
fn a_bounded_semaphore_refuses_an_over_release_and_keeps_its_count() {
    run_virtual(async {
        let sema = BoundedSemaphore::new(2);
        assert_eq!(sema.release(), Err(OverReleased { bound: 2 }));
        assert_eq!(sema.available(), 2);
        sema.acquire().await.forget();
        assert_eq!(sema.available(), 1);
        assert_eq!(sema.release(), Ok(()));
        let err = sema.release().unwrap_err();
        assert_eq!(
            err.to_string(),
            "semaphore released more than acquired: all 2 permits are already free (release only a permit taken \
             with `acquire` and forgotten)"
        );
        assert_eq!(sema.available(), 2);
    });
}

// ---------------------------------------------------------------- Condition

#[test]
fn condition_notify_wakes_the_newest_waiters_first_and_they_take_the_lock_in_that_order() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let cond = Rc::new(Condition::new());
            for n in 0..4 {
                let (cond, out) = (cond.clone(), out.clone());
                create_task(async move {
                    let guard = cond.acquire().await;
                    let _guard = guard.wait().await;
                    push(&out, format!("{n} woken at {}", ticks_ms()));
                    sleep_ms(1).await; // holds the lock meanwhile
                });
            }
            sleep(0).await;
            assert_eq!(cond.waiting(), 4);
            sleep_ms(10).await;
            cond.acquire().await.notify(2);
            sleep_ms(10).await;
            cond.acquire().await.notify_all();
            sleep_ms(10).await;
            assert_eq!(cond.waiting(), 0);
        }
    });
    assert_eq!(lines(&out), ["3 woken at 10", "2 woken at 11", "1 woken at 20", "0 woken at 21"]);
}

#[test]
fn a_condition_waiter_cancelled_after_its_notification_passes_it_to_the_next_newest() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let cond = Rc::new(Condition::new());
            let mut tasks = Vec::new();
            for n in 0..3 {
                let (cond, out) = (cond.clone(), out.clone());
                tasks.push(create_task(async move {
                    let guard = cond.acquire().await;
                    let _guard = guard.wait().await;
                    push(&out, format!("{n} woken"));
                }));
            }
            sleep(0).await;
            cond.acquire().await.notify(1); // to 2
            tasks[2].cancel();
            sleep(0).await;
            sleep(0).await;
            assert_eq!(cond.waiting(), 1, "2 left, 1 took its notification, 0 waits");
            assert!(!cond.locked());
            tasks[0].cancel();
            sleep(0).await;
            assert_eq!(cond.waiting(), 0, "a cancelled waiter leaves the wait list");
        }
    });
    assert_eq!(lines(&out), ["1 woken"]);
}

// ------------------------------------------------------------------ Barrier

#[test]
fn a_barrier_trips_on_its_last_party_runs_its_action_first_and_is_reusable() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let o = out.clone();
            let barrier = Rc::new(Barrier::with_action(3, move || push(&o, format!("trip at {}", ticks_ms()))));
            let mut tasks = Vec::new();
            for (name, ms) in [("a", 10), ("b", 20), ("c", 30)] {
                let (barrier, out) = (barrier.clone(), out.clone());
                tasks.push(create_task(async move {
                    for round in 0..2 {
                        sleep_ms(ms).await;
                        barrier.wait().await;
                        push(&out, format!("{name} through {round} at {}", ticks_ms()));
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        }
    });
    assert_eq!(
        lines(&out),
        [
            "trip at 30",
            "c through 0 at 30",
            "a through 0 at 30",
            "b through 0 at 30",
            "trip at 60",
            "c through 1 at 60",
            "a through 1 at 60",
            "b through 1 at 60",
        ]
    );
}

#[test]
fn a_barrier_waiter_cancelled_before_the_trip_takes_its_arrival_back() {
    run_virtual(async {
        let barrier = Rc::new(Barrier::new(2));
        let b = barrier.clone();
        let early = create_task(async move { b.wait().await });
        sleep(0).await;
        assert!(barrier.busy());
        assert_eq!(format!("{barrier:?}"), "Barrier { parties: 2, remaining: 1, waiters: 1 }");
        early.cancel();
        sleep(0).await;
        assert_eq!(format!("{barrier:?}"), "Barrier { parties: 2, remaining: 2, waiters: 0 }");
        assert!(!barrier.trigger(), "one arrival is not enough any more");
        assert!(barrier.trigger());
    });
}

#[test]
fn a_barrier_of_zero_parties_is_refused() {
    let message = panic_message(|| drop(Barrier::new(0)));
    assert_eq!(message, "Barrier::new(0): a barrier needs at least 1 party; give the number of tasks that meet at it");
}

// ------------------------------------------------------------- RingbufQueue

#[test]
fn a_ringbuf_queue_overwrites_its_oldest_item_and_serves_getters_in_order() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let q = Rc::new(RingbufQueue::new(3));
            for name in ["g1", "g2"] {
                let (q, out) = (q.clone(), out.clone());
                create_task(async move {
                    let item = q.get().await;
                    push(&out, format!("{name} got {item}"));
                });
            }
            sleep(0).await;
            assert_eq!(format!("{q:?}"), "RingbufQueue { qsize: 0, capacity: 3, getters: 2, putters: 0 }");
            assert_eq!(q.put_nowait(1), None);
            assert_eq!(q.put_nowait(2), None);
            sleep(0).await;
            for i in 3..=7 {
                let lost = q.put_nowait(i);
                push(&out, format!("put {i}, lost {lost:?}"));
            }
            assert_eq!(q.peek(), Ok(5));
            assert_eq!(
                (q.get_nowait(), q.get_nowait(), q.get_nowait(), q.get_nowait()),
                (Ok(5), Ok(6), Ok(7), Err(uasyncio::QueueEmpty))
            );
        }
    });
    assert_eq!(
        lines(&out),
        [
            "g1 got 1",
            "g2 got 2",
            "put 3, lost None",
            "put 4, lost None",
            "put 5, lost None",
            "put 6, lost Some(3)",
            "put 7, lost Some(4)"
        ]
    );
}

#[test]
fn a_ringbuf_queue_of_zero_capacity_is_refused() {
    let message = panic_message(|| drop(RingbufQueue::<u8>::new(0)));
    assert_eq!(message, "RingbufQueue::new(0): the capacity must be at least 1 item");
}

#[test]
fn a_thread_filling_a_ringbuf_queue_wakes_the_loop_waiting_in_get() {
    let q = Arc::new(RingbufQueue::new(4));
    let producer = q.clone();
    let got = uasyncio::new_event_loop().run_until_complete(async move {
        let thread = std::thread::spawn(move || {
            for i in 0..3 {
                std::thread::sleep(std::time::Duration::from_millis(5));
                assert_eq!(producer.put_nowait(i), None);
            }
        });
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(q.get().await); // nothing else pending: the loop idles, no deadlock report
        }
        thread.join().unwrap();
        got
    });
    assert_eq!(got, [0, 1, 2]);
}

// ------------------------------------------------------------------ Message

#[test]
fn a_message_wakes_every_waiter_in_order_with_its_value_even_if_cleared_meanwhile() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let m = Rc::new(Message::new());
            let mut tasks = Vec::new();
            for n in 0..3 {
                let (m, out) = (m.clone(), out.clone());
                tasks.push(create_task(async move {
                    let v = m.wait().await;
                    push(&out, format!("{n} got {v} at {}", ticks_ms()));
                }));
            }
            sleep_ms(10).await;
            tasks[1].cancel();
            sleep(0).await;
            assert_eq!(format!("{m:?}"), "Message { is_set: false, waiters: 2 }");
            m.set("hello");
            m.clear();
            sleep(0).await;
            assert_eq!(format!("{m:?}"), "Message { is_set: false, waiters: 0 }");
            assert_eq!(m.value(), Some("hello"));
        }
    });
    assert_eq!(lines(&out), ["0 got hello at 10", "2 got hello at 10"]);
}

#[test]
fn a_message_set_from_another_thread_wakes_all_its_waiters() {
    let m = Arc::new(Message::new());
    let setter = m.clone();
    let got = uasyncio::new_event_loop().run_until_complete(async move {
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let m = m.clone();
            tasks.push(create_task(async move { m.wait().await }));
        }
        let thread = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            setter.set(7u32);
        });
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        thread.join().unwrap();
        got
    });
    assert_eq!(got, [7, 7, 7]);
}

// ------------------------------------------------------------------ DelayMs

#[test]
fn retriggering_a_delay_ten_thousand_times_runs_its_callback_once_at_the_last_end() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let o = out.clone();
            let d = DelayMs::with_callback(50, move || push(&o, format!("fired at {}", ticks_ms())));
            for _ in 0..10_000 {
                d.trigger();
                sleep_ms(1).await;
            }
            assert!(d.running());
            d.wait().await;
            push(&out, format!("waiter at {}", ticks_ms()));
            d.trigger_ms(5);
            d.stop();
            sleep_ms(100).await;
        }
    });
    assert_eq!(lines(&out), ["fired at 10049", "waiter at 10049"]);
}

#[test]
fn a_delay_refuses_negative_and_absurd_durations_and_stays_as_it_was() {
    run_virtual(async {
        let d = DelayMs::new(100);
        d.trigger_ms(30);
        assert_eq!(d.try_trigger_ms(-1), Err(DelayError::Negative(-1)));
        assert_eq!(d.try_trigger_ms(i64::from(u32::MAX) + 1), Err(DelayError::TooLong(4_294_967_296)));
        assert_eq!(
            DelayError::Negative(-1).to_string(),
            "DelayMs: -1 ms is negative; give 0 or more milliseconds (trigger() for the default)"
        );
        assert_eq!(
            DelayError::TooLong(4_294_967_296).to_string(),
            "DelayMs: 4294967296 ms is longer than the longest delay, 4294967295 ms (about 49.7 days)"
        );
        d.wait().await;
        assert_eq!(ticks_ms(), 30, "the refused triggers left the 30 ms one alone");
        d.trigger_ms(DelayMs::MAX_MS); // long, but no overflow
        assert!(d.running());
        d.stop();
    });
}

// ------------------------------------------------------------------- Broker

#[test]
fn a_broker_delivers_in_subscription_order_and_reports_losses_and_bad_unsubscribes() {
    let out = log();
    run_virtual({
        let out = out.clone();
        async move {
            let broker: Broker<&str, u32> = Broker::new();
            let o = out.clone();
            let first = Rc::new(move |t: &&str, m: &u32| push(&o, format!("first {t} {m}")));
            let q = Rc::new(Queue::new(1));
            let event = Rc::new(Event::new());
            broker.subscribe("t", first.clone());
            broker.subscribe("t", q.clone());
            broker.subscribe("other", event.clone());
            assert_eq!(broker.publish("t", 1), 0);
            assert_eq!(broker.publish("t", 2), 1, "the queue was full");
            assert_eq!(q.get_nowait(), Ok(("t", 1)));
            assert!(!event.is_set());
            assert_eq!(broker.unsubscribe(&"t", &event), Err(NotSubscribed::Agent));
            assert_eq!(broker.unsubscribe(&"nope", &event), Err(NotSubscribed::Topic));
            assert_eq!(broker.unsubscribe(&"t", &first), Ok(()));
            broker.publish("t", 3);
            broker.publish("other", 0);
            assert!(event.is_set());
        }
    });
    assert_eq!(lines(&out), ["first t 1", "first t 2"]);
}

// --------------------------------------------------------- WaitAny, WaitAll

#[test]
fn a_cancelled_wait_any_over_a_wait_all_leaves_every_wait_list() {
    run_virtual(async {
        let e: Rc<[Rc<Event>; 3]> = Rc::new(std::array::from_fn(|_| Rc::new(Event::new())));
        let any = Rc::new(WaitAny::new((e[0].clone(), WaitAll::new((e[1].clone(), e[2].clone())))));
        let a = any.clone();
        let waiter = create_task(async move { a.wait().await });
        sleep(0).await;
        assert!(e.iter().all(|e| format!("{e:?}").ends_with("waiters: 1 }")));
        e[1].set(); // half of the WaitAll
        sleep(0).await;
        waiter.cancel();
        sleep(0).await;
        assert!(e.iter().all(|e| format!("{e:?}").ends_with("waiters: 0 }")), "{e:?}");
        assert_eq!(any.event(), None);
        e[2].set();
        assert_eq!(any.wait().await, 1, "both halves set: the WaitAll fires");
    });
}

#[test]
fn wait_any_reports_the_lowest_index_of_the_members_set_when_it_looks() {
    run_virtual(async {
        let (a, b, c) = (Event::new(), Event::new(), Event::new());
        c.set();
        b.set();
        let any = WaitAny::new([&a, &b, &c]);
        assert_eq!(any.wait().await, 1);
        any.clear();
        assert!(!b.is_set() && !c.is_set());
    });
}

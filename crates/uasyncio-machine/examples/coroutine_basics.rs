//! Tutorial 5: coroutine basics.
//!
//! A coroutine that returns 42; two coroutines awaited one after the other
//! (3 s) and then concurrently (2 s); a counter shared by three tasks,
//! protected by a `Lock`.
//!
//! The same program in MicroPython, compared with this one by
//! `tests/micropython.rs`: `tests/micropython/coroutine_basics.py`.
//!
//! ```text
//! cargo run -p uasyncio-machine --example coroutine_basics -- --virtual
//! ```

use std::cell::Cell;
use std::rc::Rc;

use uasyncio::{Lock, create_task, gather, sleep};
use uasyncio_machine::{self as machine, Board, cli::App};

async fn answer() -> i32 {
    42
}

async fn work(name: &str, secs: u64) -> u64 {
    machine::println!("{name}: start");
    sleep(secs).await;
    machine::println!("{name}: done after {secs} s");
    secs
}

/// Adds 1 to the counter `times` times; each read-modify-write holds the lock
/// across an `await`, so no other task can interleave.
async fn add(lock: Rc<Lock>, counter: Rc<Cell<u32>>, times: u32) {
    for _ in 0..times {
        let _guard = lock.acquire().await;
        let value = counter.get();
        sleep(0).await; // another task would run here
        counter.set(value + 1);
    }
}

fn elapsed(start_us: u64) -> f64 {
    (uasyncio::now_us() - start_us) as f64 / 1e6
}

pub async fn main_task() {
    // A coroutine returning a value.
    let value = answer().await;
    machine::println!("answer() returned {value}");

    // Sequential: 1 s then 2 s.
    let start = uasyncio::now_us();
    work("a", 1).await;
    work("b", 2).await;
    machine::println!("sequential: {:.1} s", elapsed(start));

    // Concurrent: both at once.
    let start = uasyncio::now_us();
    let (a, b) = gather!(work("a", 1), work("b", 2)).await.expect("no task failed");
    machine::println!("concurrent: {:.1} s, results {a} and {b}", elapsed(start));

    // A shared counter protected by a lock.
    let lock = Rc::new(Lock::new());
    let counter = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..3).map(|_| create_task(add(lock.clone(), counter.clone(), 100))).collect();
    for task in tasks {
        task.await.expect("no task failed");
    }
    machine::println!("counter: {}", counter.get());
}

/// `asyncio.run(main())`
#[allow(dead_code)]
fn main() {
    App::new(Board::esp32()).run(main_task);
}

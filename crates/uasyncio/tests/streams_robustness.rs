//! Robustness on loopback: a thousand connections on one loop, a slow
//! client among fast ones, a 10 MB line against a line limit (memory
//! measured), clients that vanish. Every loop is bounded; nothing asserts
//! on wall-clock time. (Running out of file descriptors on accept is in
//! `streams_emfile.rs`: it changes the process's limit.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use uasyncio::stream::io_stats;
use uasyncio::{
    StreamReader, StreamWriter, ThreadSafeFlag, create_task, new_event_loop, open_connection, sleep_ms, start_server,
};

/// Counts the bytes allocated now and at the peak (the 10 MB line test).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the allocation counters are process-wide.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn watchdog(secs: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(secs));
        eprintln!("watchdog: a robustness test still runs after {secs} s: it hangs");
        std::process::abort();
    });
}

/// Raises the soft limit on open files to at least `want` (up to the hard limit).
fn raise_nofile(want: u64) -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit write or read the struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < want {
            limit.rlim_cur = want.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    limit.rlim_cur
}

async fn echo_lines(mut reader: StreamReader, mut writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            return;
        }
        writer.write(&line);
        if writer.drain().await.is_err() {
            return;
        }
    }
}

/// Waits (bounded) until `done()` holds, looking every 10 ms.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        sleep_ms(10).await;
    }
    panic!("{what}: not after 1000 looks");
}

#[test]
fn a_thousand_connections_are_held_open_on_one_loop() {
    const CLIENTS: usize = 1000;
    let _serial = serial();
    watchdog(120);
    let limit = raise_nofile(4 * CLIENTS as u64 + 64);
    assert!(limit >= 2 * CLIENTS as u64 + 16, "the fd limit ({limit}) is too low for {CLIENTS} connections");
    let (peak, echoed, after) = new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server_with_backlog(echo_lines, "127.0.0.1", 0, 1024).await.unwrap();
        let port = server.local_addr().port();
        let mut clients = Vec::with_capacity(CLIENTS);
        for _ in 0..CLIENTS {
            clients.push(open_connection("127.0.0.1", port).await.unwrap());
        }
        // Every connection answers while all are open.
        for (i, (_, writer)) in clients.iter_mut().enumerate() {
            writer.write(format!("{i}\n").as_bytes());
            writer.drain().await.unwrap();
        }
        let mut echoed = 0;
        for (i, (reader, _)) in clients.iter_mut().enumerate() {
            if reader.readline().await.unwrap() == format!("{i}\n").as_bytes() {
                echoed += 1;
            }
        }
        let peak = io_stats().sockets;
        for (_, mut writer) in clients {
            writer.close();
            writer.wait_closed().await.unwrap();
        }
        eventually("the handlers ended", || io_stats().sockets == 1).await;
        server.close();
        server.wait_closed().await;
        (peak, echoed, io_stats())
    });
    assert_eq!(peak, 2 * CLIENTS + 1, "client and server ends, and the listener");
    assert_eq!(echoed, CLIENTS);
    assert_eq!(after, uasyncio::stream::IoStats { sockets: 0, waiting: 0 });
}

#[test]
fn a_client_sending_a_byte_every_100_ms_does_not_delay_the_others() {
    let _serial = serial();
    watchdog(60);
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    new_event_loop().run_until_complete(async move {
        let server = start_server(echo_lines, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let sl = l.clone();
        let slow = create_task(async move {
            let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
            for b in b"slow line\n" {
                writer.write(&[*b]);
                writer.drain().await.unwrap();
                sleep_ms(100).await;
            }
            reader.readline().await.unwrap();
            sl.borrow_mut().push("slow client done".to_string());
        });
        sleep_ms(150).await; // the slow client is mid-line
        for i in 0..20 {
            let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
            writer.write(b"quick\n");
            writer.drain().await.unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"quick\n");
            l.borrow_mut().push(format!("fast client {i} done"));
        }
        slow.await.unwrap();
        server.close();
        server.wait_closed().await;
    });
    let log = log.borrow();
    assert_eq!(log.len(), 21);
    assert_eq!(log[20], "slow client done", "all 20 fast clients were served while the slow one sent its line");
}

#[test]
fn a_10_mb_line_against_a_line_limit_keeps_memory_bounded() {
    const LIMIT: usize = 64 * 1024;
    const LINE: usize = 10 * 1024 * 1024;
    let _serial = serial();
    watchdog(120);
    let (outcome, sent, peak_growth) = new_event_loop().run_until_complete(async {
        let outcome = Rc::new(RefCell::new(String::new()));
        let o = outcome.clone();
        let server = start_server(
            move |mut reader: StreamReader, mut writer: StreamWriter| {
                let o = o.clone();
                async move {
                    match reader.readline_limit(LIMIT).await {
                        Ok(line) => *o.borrow_mut() = format!("a line of {} bytes", line.len()),
                        Err(e) => *o.borrow_mut() = format!("{:?}", e.kind()),
                    }
                    writer.close();
                    let _ = writer.wait_closed().await;
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        // Garbage without a newline, 64 KiB at a time, until the server hangs up.
        let (_reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
        let chunk = vec![b'#'; 64 * 1024];
        let mut sent = 0;
        while sent < LINE {
            writer.write(&chunk);
            if writer.drain().await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        let peak_growth = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        server.close();
        server.wait_closed().await;
        let outcome = outcome.borrow().clone();
        (outcome, sent, peak_growth)
    });
    assert_eq!(outcome, "InvalidData");
    assert!(sent < LINE, "the server hung up before the 10 MB were sent ({sent} bytes went)");
    // The line limit, a read buffer, the client's chunk and its queue: far below 10 MB.
    assert!(peak_growth < 1024 * 1024, "memory grew by {peak_growth} bytes while a 10 MB line came in");
}

#[test]
fn clients_that_connect_and_vanish_leave_nothing_behind() {
    let _serial = serial();
    watchdog(60);
    let after = new_event_loop().run_until_complete(async {
        let server = start_server(echo_lines, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        // Plain blocking clients on a thread: connect, maybe send half a line, vanish.
        let done = Arc::new(ThreadSafeFlag::new());
        let d = done.clone();
        std::thread::spawn(move || {
            for i in 0..50 {
                let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                if i % 2 == 0 {
                    s.write_all(b"half a li").unwrap();
                }
                if i % 3 == 0 {
                    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO)); // a reset
                }
                drop(s);
            }
            // One that stays to prove the server still serves.
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"still serving\n").unwrap();
            let mut buf = [0; 14];
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"still serving\n");
            d.set();
        });
        done.wait().await;
        eventually("every handler ended", || io_stats().sockets == 1).await;
        let after = io_stats();
        server.close();
        server.wait_closed().await;
        after
    });
    assert_eq!(after, uasyncio::stream::IoStats { sockets: 1, waiting: 1 }, "only the listener is left");
}

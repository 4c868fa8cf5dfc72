//! TCP streams on the loop's poller: the API, bad input, cancellation at
//! every await, failures, and how the loop idles and reports deadlocks
//! with sockets. Loopback only; no assertion on wall-clock time.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use uasyncio::stream::{IoStats, io_stats};
use uasyncio::{
    Event, StreamReader, StreamWriter, ThreadSafeFlag, create_task, new_event_loop, open_connection, sleep, sleep_ms,
    start_server, wait_for, wait_for_ms,
};

/// Aborts the test process if a test runs far longer than it can (a hang
/// must fail the run, not stall it).
fn watchdog(secs: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(secs));
        eprintln!("watchdog: a stream test still runs after {secs} s: it hangs");
        std::process::abort();
    });
}

fn run<F: Future + 'static>(fut: F) -> F::Output {
    watchdog(60);
    new_event_loop().run_until_complete(fut)
}

/// An echo server's handler: each line back, until EOF.
async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
    loop {
        match reader.readline().await {
            Ok(line) if !line.is_empty() => {
                writer.write(&line);
                if writer.drain().await.is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

#[test]
fn an_echo_over_localhost_ipv4_and_ipv6_on_a_free_port() {
    let out = run(async {
        let mut got = Vec::new();
        for host in ["127.0.0.1", "localhost", "::1"] {
            let server = start_server(echo, host, 0).await.unwrap();
            let addr = server.local_addr();
            assert_ne!(addr.port(), 0, "port 0 binds a free port");
            let (mut reader, mut writer) = open_connection(host, addr.port()).await.unwrap();
            assert_eq!(writer.peer_addr(), Some(addr));
            assert_eq!(reader.peer_addr(), Some(addr));
            writer.write(b"one\ntwo\n");
            writer.drain().await.unwrap();
            got.push(reader.readline().await.unwrap());
            got.push(reader.readline().await.unwrap());
            writer.close();
            writer.wait_closed().await.unwrap();
            server.close();
            server.wait_closed().await;
            got.push(format!("{}", addr.is_ipv6()).into_bytes());
        }
        got.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>()
    });
    assert_eq!(out, ["one\n", "two\n", "false", "one\n", "two\n", "false", "one\n", "two\n", "true"]);
}

#[test]
fn each_connection_runs_in_its_own_task_and_the_server_sees_the_client_address() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    run(async move {
        let server = start_server(
            move |mut reader: StreamReader, mut writer: StreamWriter| {
                let s = s.clone();
                async move {
                    let me = uasyncio::current_task();
                    let line = reader.readline().await.unwrap();
                    s.borrow_mut().push((me.id(), writer.peer_addr().unwrap().ip().is_loopback()));
                    writer.write(&line);
                    writer.drain().await.unwrap();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        for i in 0..3 {
            let (mut r, mut w) = open_connection("127.0.0.1", port).await.unwrap();
            w.write(format!("{i}\n").as_bytes());
            w.drain().await.unwrap();
            assert_eq!(r.readline().await.unwrap(), format!("{i}\n").as_bytes());
        }
        server.close();
        server.wait_closed().await;
    });
    let seen = seen.borrow();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|(_, loopback)| *loopback));
    assert!(seen[0].0 != seen[1].0 && seen[1].0 != seen[2].0, "three handler tasks");
}

#[test]
fn bad_input_gives_clear_errors() {
    let lines = run(async {
        let mut lines = Vec::new();
        // Unknown host: the resolver's error, without blocking the loop.
        let e = open_connection("no-such-host.invalid", 80).await.unwrap_err();
        lines.push(format!("unknown host: {}", e.kind() != ErrorKind::Other || !e.to_string().is_empty()));
        // Refused: nothing listens on a port just freed.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = open_connection("127.0.0.1", port).await.unwrap_err();
        lines.push(format!("refused: {:?}", e.kind()));
        // Port in use.
        let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
        let e = start_server(echo, "127.0.0.1", server.local_addr().port()).await.unwrap_err();
        lines.push(format!("in use: {:?}", e.kind()));
        // A second wait_closed returns at once.
        server.close();
        server.wait_closed().await;
        server.wait_closed().await;
        lines.push("second wait_closed: returned".into());
        // Reading and writing after close.
        let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) = open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.close();
        writer.wait_closed().await.unwrap();
        let e = reader.read(10).await.unwrap_err();
        lines.push(format!("read after close: {:?}: {e}", e.kind()));
        writer.write(b"x");
        let e = writer.drain().await.unwrap_err();
        lines.push(format!("drain after close: {:?}", e.kind()));
        writer.wait_closed().await.unwrap();
        lines.push("close twice: ok".into());
        server.close();
        server.wait_closed().await;
        lines
    });
    assert_eq!(
        lines,
        [
            "unknown host: true",
            "refused: ConnectionRefused",
            "in use: AddrInUse",
            "second wait_closed: returned",
            "read after close: NotConnected: the stream is closed (wait_closed() was called)",
            "drain after close: NotConnected",
            "close twice: ok",
        ]
    );
}

#[test]
fn real_sockets_on_a_virtual_clock_are_refused_with_the_rule() {
    let e = uasyncio::run_virtual(async { start_server(echo, "127.0.0.1", 0).await.unwrap_err() });
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("real sockets need the real clock"), "{e}");
    let e = uasyncio::run_virtual(async { open_connection("127.0.0.1", 1).await.unwrap_err() });
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[test]
fn cancelling_a_task_at_every_socket_await_leaves_nothing_registered() {
    let report = run(async {
        let mut report = Vec::new();
        let server = start_server(
            |reader: StreamReader, writer: StreamWriter| async move {
                // Holds the connection open and reads nothing.
                let _keep = (reader, writer);
                sleep(3600).await;
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        report.push(("server only", io_stats()));

        // read: cancelled by a timeout; the socket stays usable.
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
        assert!(wait_for_ms(reader.read(10), 30).await.is_err());
        sleep(0).await;
        report.push(("read cancelled", io_stats()));

        // readline in a task that is cancelled.
        let task = create_task(async move {
            let _ = reader.readline().await;
        });
        sleep_ms(20).await;
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        report.push(("readline task cancelled", io_stats()));

        // drain against a peer that never reads: the send buffer fills up.
        let big = vec![b'x'; 64 << 20];
        writer.write(&big);
        assert!(wait_for_ms(writer.drain(), 50).await.is_err());
        report.push(("drain cancelled", io_stats()));
        drop(writer);

        // accept: the server's own task, cancelled by close.
        server.close();
        server.wait_closed().await;
        sleep(0).await;
        report.push(("server closed", io_stats()));
        report
    });
    let stats = |sockets, waiting| IoStats { sockets, waiting };
    assert_eq!(
        report,
        [
            // the accept task waits
            ("server only", stats(1, 1)),
            // listener, client end, the server's end (its handler sleeps)
            ("read cancelled", stats(3, 1)),
            // the writer half keeps the client's socket open
            ("readline task cancelled", stats(3, 1)),
            // the send buffers filled up, the drain waited, and was cancelled
            ("drain cancelled", stats(3, 1)),
            // the handler's end is left
            ("server closed", stats(1, 0)),
        ]
    );
}

#[test]
fn cancelling_a_connect_in_progress_leaves_nothing_registered() {
    // A listener with a full backlog that never accepts: the kernel drops
    // further SYNs, so a connect to it stays in progress until cancelled.
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<_> = (0..4)
        .map(|_| {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            let _ = s.connect(&addr.into());
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let (timed_out, stats) = run(async move {
        let r = wait_for_ms(open_connection("127.0.0.1", addr.port()), 100).await;
        sleep(0).await;
        (r.is_err(), io_stats())
    });
    drop(fillers);
    assert!(timed_out, "the connect finished: the backlog was not full");
    assert_eq!(stats, IoStats { sockets: 0, waiting: 0 });
}

#[test]
fn a_reset_fails_only_its_own_handler_and_the_server_goes_on() {
    let lines = Rc::new(RefCell::new(Vec::new()));
    let l = lines.clone();
    run(async move {
        let hl = l.clone();
        let server = start_server(
            move |mut reader: StreamReader, mut writer: StreamWriter| {
                let l = hl.clone();
                async move {
                    let first = reader.readline().await.unwrap();
                    sleep_ms(100).await; // the peer resets meanwhile
                    writer.write(&first);
                    let result = async {
                        writer.drain().await?;
                        reader.read(100).await
                    }
                    .await;
                    match result {
                        Err(e) => l.borrow_mut().push(format!("handler: {:?}", e.kind())),
                        Ok(data) => l.borrow_mut().push(format!("handler: read {data:?}")),
                    }
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        // A blocking peer on a thread: sends a line, then resets.
        let done = Arc::new(ThreadSafeFlag::new());
        let d = done.clone();
        std::thread::spawn(move || {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into()).unwrap();
            s.set_linger(Some(Duration::ZERO)).unwrap();
            s.send(b"hello\nmore").unwrap();
            std::thread::sleep(Duration::from_millis(30));
            drop(s);
            d.set();
        });
        done.wait().await;
        sleep_ms(200).await;
        // Another connection is served as before.
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"still here\n");
        writer.drain().await.unwrap();
        let line = reader.readline().await.unwrap();
        l.borrow_mut().push(format!("other: {}", String::from_utf8(line).unwrap().trim()));
        server.close();
        server.wait_closed().await;
    });
    let lines = lines.borrow();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        ["handler: ConnectionReset", "handler: BrokenPipe"].contains(&lines[0].as_str()),
        "the reset reached the handler as an error: {lines:?}"
    );
    assert_eq!(lines[1], "other: still here");
}

#[test]
fn a_panicking_handler_fails_only_its_task_and_is_reported() {
    let reported = Rc::new(RefCell::new(Vec::new()));
    let r = reported.clone();
    let event_loop = new_event_loop();
    watchdog(60);
    event_loop.set_exception_handler(Some(Rc::new(move |_, ctx: &uasyncio::ExceptionContext| {
        r.borrow_mut().push(format!("{}: {}", ctx.message, ctx.error));
    })));
    let answer = event_loop.run_until_complete(async {
        let server = start_server(
            |mut reader: StreamReader, mut writer: StreamWriter| async move {
                let line = reader.readline().await.unwrap();
                if line == b"boom\n" {
                    panic!("bad request");
                }
                writer.write(&line);
                writer.drain().await.unwrap();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        let (mut r1, mut w1) = open_connection("127.0.0.1", port).await.unwrap();
        w1.write(b"boom\n");
        w1.drain().await.unwrap();
        // The failed handler's task is gone: its end of the socket with it (EOF).
        let eof = r1.read(10).await.unwrap();
        let (mut r2, mut w2) = open_connection("127.0.0.1", port).await.unwrap();
        w2.write(b"fine\n");
        w2.drain().await.unwrap();
        let fine = r2.readline().await.unwrap();
        server.close();
        server.wait_closed().await;
        (eof, fine)
    });
    assert_eq!(answer, (vec![], b"fine\n".to_vec()));
    assert_eq!(*reported.borrow(), ["Task exception wasn't retrieved: task panicked: bad request"]);
}

#[test]
fn close_stops_accepting_at_once_and_wait_closed_returns_when_the_accept_task_ended() {
    let out = run(async {
        let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        server.close();
        let ended_before_wait = server.task().done();
        server.wait_closed().await;
        let refused = open_connection("127.0.0.1", port).await.unwrap_err().kind();
        (ended_before_wait, server.task().done(), refused)
    });
    assert_eq!(out, (false, true, ErrorKind::ConnectionRefused));
}

#[test]
fn a_loop_whose_tasks_wait_on_sockets_idles_in_the_poller_and_a_flag_set_elsewhere_wakes_it() {
    // The main task waits on a flag another thread sets after 50 ms, while a
    // server waits for connections: the loop blocks in the poller (not a
    // deadlock) and the flag's notify ends the wait.
    let woke = run(async {
        let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
        let flag = Arc::new(ThreadSafeFlag::new());
        let f = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            f.set();
        });
        flag.wait().await;
        server.close();
        server.wait_closed().await;
        true
    });
    assert!(woke);
}

#[test]
fn a_main_task_nothing_can_wake_is_still_a_deadlock_after_sockets_closed() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        run(async {
            let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
            server.close();
            server.wait_closed().await;
            Event::new().wait().await; // never set, and no socket left
        })
    }));
    let payload = result.unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|m| m.to_string()))
        .unwrap_or_default();
    assert!(message.starts_with("uasyncio deadlock"), "{message}");
}

#[test]
fn busy_tasks_do_not_starve_the_sockets() {
    // One task yields forever; an echo round trip still completes.
    let out = run(async {
        let spinner = create_task(async {
            loop {
                sleep(0).await;
            }
        });
        let server = start_server(echo, "127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) = open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"through\n");
        writer.drain().await.unwrap();
        let line = wait_for(reader.readline(), 10).await.unwrap().unwrap();
        spinner.cancel();
        server.close();
        server.wait_closed().await;
        line
    });
    assert_eq!(out, b"through\n");
}

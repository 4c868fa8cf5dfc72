//! MicroPython's own network tests, ported: `tests/net_hosted/asyncio_loopback.py`,
//! `asyncio_start_server.py` and the `tests/multi_net/asyncio_tcp_*.py`
//! pairs (both instances in one process, each with its own lines). Each
//! test prints the lines of the `.exp` file, in its order. Fixed ports of
//! the originals (8000, 8080) become free ones chosen by the OS (the lines
//! still name the original port), so tests can run in parallel.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use uasyncio::{Event, StreamReader, StreamWriter, open_connection, start_server, wait_for};

/// The lines a test instance prints.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn say(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }
    fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Python's `repr` of a bytes object.
fn py(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

fn real_loop() -> uasyncio::EventLoop {
    uasyncio::new_event_loop()
}

/// A port free now (bound to 0, then let go), for tests that bind one port repeatedly.
fn free_port() -> u16 {
    std::net::TcpListener::bind("0.0.0.0:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn asyncio_loopback() {
    let log = Log::default();
    let l = log.clone();
    real_loop().run_until_complete(async move {
        l.say("create server on 0.0.0.0:8080");
        let hl = l.clone();
        let server = start_server(
            move |mut reader: StreamReader, mut writer: StreamWriter| {
                let l = hl.clone();
                async move {
                    l.say("handler reading");
                    uasyncio::sleep(0.1).await;
                    let data = reader.readexactly(100).await.unwrap();
                    l.say(format!("handler got {} bytes", data.len()));
                    l.say("handler writing");
                    writer.write(&data);
                    writer.drain().await.unwrap();
                    l.say("handler closing");
                    writer.close();
                    writer.wait_closed().await.unwrap();
                    l.say("handler closed");
                }
            },
            "0.0.0.0",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addr().port();
        l.say("server started");
        l.say("client open_connection to 127.0.0.1:8080");
        let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
        let data_in = [b'A'; 100];
        l.say("client writing");
        writer.write(&data_in);
        writer.drain().await.unwrap();
        uasyncio::sleep(0.1).await;
        l.say("client reading");
        let data = reader.readexactly(100).await.unwrap();
        l.say(format!("client got {} bytes", data.len()));
        assert_eq!(data, data_in);
        l.say("client closing");
        writer.close();
        writer.wait_closed().await.unwrap();
        l.say("client closed");
        // `async with server:` closes and waits on the way out.
        server.close();
        server.wait_closed().await;
        l.say("server closed");
    });
    assert_eq!(
        log.lines(),
        [
            "create server on 0.0.0.0:8080",
            "server started",
            "client open_connection to 127.0.0.1:8080",
            "client writing",
            "handler reading",
            "client reading",
            "handler got 100 bytes",
            "handler writing",
            "handler closing",
            "handler closed",
            "client got 100 bytes",
            "client closing",
            "client closed",
            "server closed",
        ]
    );
}

#[test]
fn asyncio_start_server() {
    let log = Log::default();
    let l = log.clone();
    let port = free_port();
    real_loop().run_until_complete(async move {
        let none = |_: StreamReader, _: StreamWriter| async {};
        l.say("create server1");
        let server1 = start_server(none, "0.0.0.0", port).await.unwrap();
        l.say("create server2");
        match start_server(none, "0.0.0.0", port).await {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => l.say("OSError"),
            other => panic!("a second server on the port: {other:?}"),
        }
        l.say("sleep");
        uasyncio::sleep(0).await;
        server1.close();
        server1.wait_closed().await;
        l.say("create server3");
        let server3 = start_server(none, "0.0.0.0", port).await.unwrap();
        // `async with server3: raise OSError`: closed on the way out, the error goes on.
        let raised: std::io::Result<()> = Err(std::io::Error::other("raised"));
        server3.close();
        server3.wait_closed().await;
        if raised.is_err() {
            l.say("OSError");
        }
        l.say("create server4");
        let server4 = start_server(none, "0.0.0.0", port).await.unwrap();
        server4.close();
        server4.wait_closed().await;
        l.say("server4 closed");
        for num_sleep in 0..5 {
            l.say(format!("sleep {num_sleep}"));
            let tl = l.clone();
            let t = uasyncio::create_task(async move {
                tl.say(format!("create task server {num_sleep}"));
                let srv = start_server(none, "0.0.0.0", port).await.unwrap();
                srv.wait_closed().await;
                tl.say("task finished");
            });
            for _ in 0..num_sleep {
                uasyncio::sleep(0).await;
            }
            t.cancel();
            match t.await {
                Err(e) if e.is_cancelled() => l.say("CancelledError"),
                other => panic!("the task ended otherwise: {other:?}"),
            }
        }
        l.say("done");
    });
    assert_eq!(
        log.lines(),
        [
            "create server1",
            "create server2",
            "OSError",
            "sleep",
            "create server3",
            "OSError",
            "create server4",
            "server4 closed",
            "sleep 0",
            "CancelledError",
            "sleep 1",
            "create task server 1",
            "CancelledError",
            "sleep 2",
            "create task server 2",
            "CancelledError",
            "sleep 3",
            "create task server 3",
            "CancelledError",
            "sleep 4",
            "create task server 4",
            "CancelledError",
            "done",
        ]
    );
}

/// The multi_net shape: instance0 runs a server whose handler sets `ev`
/// when done and waits for it (10 s at most); instance1, a client started
/// once the server runs. Returns the lines of each.
fn multi_net<H, HF, C, CF>(handler: H, client: C) -> (Vec<String>, Vec<String>)
where
    H: Fn(Log, Rc<Event>, StreamReader, StreamWriter) -> HF + 'static,
    HF: Future<Output = ()> + 'static,
    C: FnOnce(Log, u16) -> CF + 'static,
    CF: Future<Output = ()> + 'static,
{
    let (server_log, client_log) = (Log::default(), Log::default());
    let (sl, cl) = (server_log.clone(), client_log.clone());
    real_loop().run_until_complete(async move {
        let ev = Rc::new(Event::new());
        let (hl, hev) = (sl.clone(), ev.clone());
        let server =
            start_server(move |r: StreamReader, w: StreamWriter| handler(hl.clone(), hev.clone(), r, w), "0.0.0.0", 0)
                .await
                .unwrap();
        let port = server.local_addr().port();
        let client = uasyncio::create_task(client(cl, port));
        // `async with server: await asyncio.wait_for(ev.wait(), 10)`
        wait_for(ev.wait(), 10).await.expect("the handler set the event within 10 s");
        server.close();
        server.wait_closed().await;
        client.await.unwrap();
        sl.say("(server done)");
    });
    let mut server_lines = server_log.lines();
    assert_eq!(server_lines.pop().as_deref(), Some("(server done)"));
    (server_lines, client_log.lines())
}

use std::future::Future;

#[test]
fn asyncio_tcp_server_client() {
    let (server, client) = multi_net(
        |l, ev, mut reader, mut writer| async move {
            let _peer = writer.peer_addr().expect("peername");
            let data = reader.read(100).await.unwrap();
            l.say(format!("echo: {}", py(&data)));
            writer.write(&data);
            writer.drain().await.unwrap();
            l.say("close");
            writer.close();
            writer.wait_closed().await.unwrap();
            l.say("done");
            ev.set();
        },
        |l, port| async move {
            l.say("server running");
            let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
            let message = b"client data";
            l.say(format!("write: {}", py(message)));
            writer.write(message);
            writer.drain().await.unwrap();
            let data = reader.read(100).await.unwrap();
            l.say(format!("read: {}", py(&data)));
        },
    );
    // "server running" is instance0's line, printed before the client starts.
    assert_eq!(client[0], "server running");
    assert_eq!(server, ["echo: b'client data'", "close", "done"]);
    assert_eq!(client[1..], ["write: b'client data'", "read: b'client data'"]);
}

/// The server of readall and readexactly: `a`, a second later `b`, `c` (and `d`).
async fn send_slowly(l: Log, ev: Rc<Event>, mut writer: StreamWriter, parts: &[&[u8]]) {
    for (i, part) in parts.iter().enumerate() {
        writer.write(part);
        writer.drain().await.unwrap();
        if i == 0 {
            uasyncio::sleep(1).await;
        }
    }
    l.say("close");
    writer.close();
    writer.wait_closed().await.unwrap();
    l.say("done");
    ev.set();
}

#[test]
fn asyncio_tcp_readall() {
    let (server, client) = multi_net(
        |l, ev, _reader, writer| send_slowly(l, ev, writer, &[b"a", b"b", b"c"]),
        |l, port| async move {
            let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
            l.say(py(&reader.read_to_end().await.unwrap()));
            l.say(py(&reader.read_to_end().await.unwrap())); // should be empty
            l.say(py(&reader.read(1).await.unwrap())); // should be empty
        },
    );
    assert_eq!(server, ["close", "done"]);
    assert_eq!(client, ["b'abc'", "b''", "b''"]);
}

#[test]
fn asyncio_tcp_readexactly() {
    let (server, client) = multi_net(
        |l, ev, _reader, writer| send_slowly(l, ev, writer, &[b"a", b"b", b"c", b"d"]),
        |l, port| async move {
            let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
            l.say(py(&reader.readexactly(2).await.unwrap()));
            l.say(py(&reader.readexactly(0).await.unwrap()));
            l.say(py(&reader.readexactly(1).await.unwrap()));
            match reader.readexactly(2).await {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => l.say("EOFError"),
                other => l.say(format!("{other:?}")),
            }
            l.say(py(&reader.readexactly(0).await.unwrap()));
        },
    );
    assert_eq!(server, ["close", "done"]);
    assert_eq!(client, ["b'ab'", "b''", "b'c'", "EOFError", "b''"]);
}

/// readinto's two `TypeError` lines (an int, no argument) are type errors
/// at compile time in Rust: not portable, so not printed.
#[test]
fn asyncio_tcp_readinto() {
    let (server, client) = multi_net(
        |l, ev, _reader, mut writer| async move {
            writer.write(b"ab");
            writer.drain().await.unwrap();
            writer.write(b"c");
            writer.drain().await.unwrap();
            l.say("close");
            writer.close();
            writer.wait_closed().await.unwrap();
            l.say("done");
            ev.set();
        },
        |l, port| async move {
            let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
            let mut ba = [0u8; 2];
            let n = reader.readinto(&mut ba).await.unwrap();
            l.say(n.to_string());
            l.say(format!("bytearray({})", py(&ba[..n])));
            let mut a = [0i8; 2];
            let mut raw = [0u8; 2];
            let n = reader.readinto(&mut raw).await.unwrap();
            for (to, from) in a.iter_mut().zip(raw) {
                *to = from as i8;
            }
            l.say(n.to_string());
            l.say(format!("array('b', {:?})", &a[..n]));
        },
    );
    assert_eq!(server, ["close", "done"]);
    assert_eq!(client, ["2", "bytearray(b'ab')", "1", "array('b', [99])"]);
}

#[test]
fn asyncio_tcp_close_write() {
    let (server, client) = multi_net(
        |l, ev, mut reader, mut writer| async move {
            writer.write(b"x");
            writer.drain().await.unwrap();
            l.say(format!("read: {}", py(&reader.read(100).await.unwrap())));
            l.say("close");
            writer.close();
            writer.wait_closed().await.unwrap();
            l.say("done");
            ev.set();
        },
        |l, port| async move {
            let (mut reader, mut writer) = open_connection("127.0.0.1", port).await.unwrap();
            l.say(format!("read: {}", py(&reader.read(1).await.unwrap())));
            l.say("close");
            writer.close();
            writer.wait_closed().await.unwrap();
            l.say("write");
            writer.write(b"x");
            match writer.drain().await {
                Err(_) => l.say("OSError"),
                Ok(()) => l.say("written after close"),
            }
        },
    );
    assert_eq!(server, ["read: b''", "close", "done"]);
    assert_eq!(client, ["read: b'x'", "close", "write", "OSError"]);
}

#[test]
fn asyncio_tcp_client_rst() {
    let (server, client) = multi_net(
        |l, ev, mut reader, mut writer| async move {
            let data = reader.read(10).await.unwrap(); // should succeed
            l.say(py(&data));
            uasyncio::sleep(0.2).await; // wait for the client to drop the connection
            match reader.read(100).await {
                Ok(data) => {
                    l.say(py(&data));
                    writer.close();
                    writer.wait_closed().await.unwrap();
                }
                Err(e) => l.say(format!("OSError {}", e.raw_os_error().unwrap_or(-1))),
            }
            ev.set();
        },
        |_l, port| async move {
            // instance1 is a plain blocking socket: on a thread of its own here.
            let peer = std::thread::spawn(move || {
                let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
                s.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into()).unwrap();
                s.set_linger(Some(Duration::ZERO)).unwrap();
                s.send(b"GET / HTTP/1.0\r\n\r\n").unwrap();
                std::thread::sleep(Duration::from_millis(100));
                drop(s); // a TCP RST, since linger is on with a zero timeout
            });
            let done = std::sync::Arc::new(uasyncio::ThreadSafeFlag::new());
            let d = done.clone();
            std::thread::spawn(move || {
                peer.join().unwrap();
                d.set();
            });
            done.wait().await;
        },
    );
    assert_eq!(server, ["b'GET / HTTP'", "OSError 104"]);
    assert!(client.is_empty());
}

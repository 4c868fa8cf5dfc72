//! Stream workloads over loopback TCP (issue 12, item 8): echo round trips
//! on one connection, echo throughput over 100 connections, and accept +
//! one request + close. Server and clients run on the same single-threaded
//! runtime, so the figure is the running thread's CPU time (user + system:
//! the syscalls count) for both ends, per operation.
//!
//! Peers: tokio (current-thread runtime, `LocalSet`, `TcpListener` /
//! `TcpStream`) and smol's stack (async-executor's `LocalExecutor` on
//! async-io's `Async<TcpListener>` / `Async<TcpStream>`); the real
//! MicroPython runs `micropython/net.py`, scaled down.

use std::future::Future;
use std::rc::Rc;

use crate::common::{Stopwatch, ns_per_op};

/// Bytes per echo message.
pub const MESSAGE: usize = 64;

/// One stream workload (one row of the streams table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetWorkload {
    /// One connection, 64-byte messages echoed one at a time; per round trip.
    EchoRtt,
    /// 100 connections echoing 64-byte messages at once; per message.
    Echo100,
    /// Connect, send one request line, read the answer, close; per connection.
    AcceptRequestClose,
}

impl NetWorkload {
    /// Every stream workload, in table order.
    pub const ALL: [NetWorkload; 3] = [NetWorkload::EchoRtt, NetWorkload::Echo100, NetWorkload::AcceptRequestClose];

    /// The stable name used in the table and the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            NetWorkload::EchoRtt => "echo_rtt",
            NetWorkload::Echo100 => "echo_100",
            NetWorkload::AcceptRequestClose => "accept_close",
        }
    }

    /// The unit of the figure.
    pub fn unit(self) -> &'static str {
        match self {
            NetWorkload::EchoRtt => "cpu_ns/round_trip",
            NetWorkload::Echo100 => "cpu_ns/message",
            NetWorkload::AcceptRequestClose => "cpu_ns/connection",
        }
    }

    /// The target, ours ÷ the best Rust peer.
    pub fn target(self) -> f64 {
        match self {
            NetWorkload::EchoRtt | NetWorkload::Echo100 => 0.9,
            NetWorkload::AcceptRequestClose => 1.0,
        }
    }
}

/// The sizes of the stream workloads.
#[derive(Clone, Copy, Debug)]
pub struct NetSizes {
    /// Round trips on the one connection.
    pub rtt: usize,
    /// Connections of the throughput workload.
    pub connections: usize,
    /// Messages per connection of the throughput workload.
    pub per_connection: usize,
    /// Connections accepted, served and closed.
    pub accepts: usize,
}

impl NetSizes {
    /// The full run.
    pub fn full() -> Self {
        NetSizes { rtt: 20_000, connections: 100, per_connection: 200, accepts: 2_000 }
    }

    /// A smoke run.
    pub fn quick() -> Self {
        NetSizes { rtt: 500, connections: 10, per_connection: 20, accepts: 50 }
    }

    /// What the total is divided by.
    pub fn ops(&self, w: NetWorkload) -> usize {
        match w {
            NetWorkload::EchoRtt => self.rtt,
            NetWorkload::Echo100 => self.connections * self.per_connection,
            NetWorkload::AcceptRequestClose => self.accepts,
        }
    }
}

/// The request and the answer of `accept_close`.
const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n";
const ANSWER: &[u8] = b"HTTP/1.0 200 OK\r\n\r\nhello\n";

/// Measures one stream workload on one runtime.
pub type NetMeasure = fn(NetWorkload, &NetSizes) -> f64;

/// The runtimes of this table, in the order they run within a round.
pub const RUNTIMES: [(&str, NetMeasure); 4] =
    [("uasyncio", uasyncio_measure), ("tokio", tokio_measure), ("smol", smol_measure), ("floor", floor_measure)];

// ---------------------------------------------------------------------------
// uasyncio

fn uasyncio_measure(w: NetWorkload, s: &NetSizes) -> f64 {
    use embedded_io_async::Read as _;
    use uasyncio::{StreamReader, StreamWriter};

    async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
        let mut buf = [0u8; 4096];
        loop {
            match reader.readinto(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    writer.write(&buf[..n]);
                    if writer.drain().await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    async fn answer(mut reader: StreamReader, mut writer: StreamWriter) {
        if reader.readline().await.is_ok() {
            writer.write(ANSWER);
            let _ = writer.wait_closed().await;
        }
    }

    async fn client(port: u16, messages: usize) {
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        let message = [b'x'; MESSAGE];
        let mut back = [0u8; MESSAGE];
        for _ in 0..messages {
            writer.write(&message);
            writer.drain().await.unwrap();
            reader.read_exact(&mut back).await.unwrap();
        }
    }

    let s = *s;
    uasyncio::new_event_loop().run_until_complete(async move {
        match w {
            NetWorkload::EchoRtt | NetWorkload::Echo100 => {
                let server = uasyncio::start_server_with_backlog(echo, "127.0.0.1", 0, 1024).await.unwrap();
                let port = server.local_addr().port();
                let (clients, each) =
                    if w == NetWorkload::EchoRtt { (1, s.rtt) } else { (s.connections, s.per_connection) };
                let start = Stopwatch::start();
                let tasks: Vec<_> = (0..clients).map(|_| uasyncio::create_task(client(port, each))).collect();
                for t in tasks {
                    t.await.unwrap();
                }
                let figure = ns_per_op(start, s.ops(w));
                server.close();
                server.wait_closed().await;
                figure
            }
            NetWorkload::AcceptRequestClose => {
                let server = uasyncio::start_server_with_backlog(answer, "127.0.0.1", 0, 1024).await.unwrap();
                let port = server.local_addr().port();
                let start = Stopwatch::start();
                for _ in 0..s.accepts {
                    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
                    writer.write(REQUEST);
                    writer.drain().await.unwrap();
                    let got = reader.read_to_end().await.unwrap();
                    assert_eq!(got, ANSWER);
                }
                let figure = ns_per_op(start, s.accepts);
                server.close();
                server.wait_closed().await;
                figure
            }
        }
    })
}

// ---------------------------------------------------------------------------
// tokio

fn tokio_block_on<F: Future>(main: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().expect("tokio runtime");
    tokio::task::LocalSet::new().block_on(&rt, main)
}

fn tokio_measure(w: NetWorkload, s: &NetSizes) -> f64 {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::spawn_local;

    let s = *s;
    tokio_block_on(async move {
        let listener = Rc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let port = listener.local_addr().unwrap().port();
        let accepting = {
            let listener = listener.clone();
            spawn_local(async move {
                loop {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    spawn_local(async move {
                        if w == NetWorkload::AcceptRequestClose {
                            let (r, mut wr) = stream.split();
                            let mut line = Vec::new();
                            tokio::io::BufReader::new(r).read_until(b'\n', &mut line).await.unwrap();
                            wr.write_all(ANSWER).await.unwrap();
                            return;
                        }
                        let mut buf = [0u8; 4096];
                        loop {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => {
                                    if stream.write_all(&buf[..n]).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    });
                }
            })
        };
        async fn client(port: u16, messages: usize) {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let message = [b'x'; MESSAGE];
            let mut back = [0u8; MESSAGE];
            for _ in 0..messages {
                stream.write_all(&message).await.unwrap();
                stream.read_exact(&mut back).await.unwrap();
            }
        }
        let figure = match w {
            NetWorkload::EchoRtt | NetWorkload::Echo100 => {
                let (clients, each) =
                    if w == NetWorkload::EchoRtt { (1, s.rtt) } else { (s.connections, s.per_connection) };
                let start = Stopwatch::start();
                let tasks: Vec<_> = (0..clients).map(|_| spawn_local(client(port, each))).collect();
                for t in tasks {
                    t.await.unwrap();
                }
                ns_per_op(start, s.ops(w))
            }
            NetWorkload::AcceptRequestClose => {
                let start = Stopwatch::start();
                for _ in 0..s.accepts {
                    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    stream.write_all(REQUEST).await.unwrap();
                    let mut got = Vec::new();
                    stream.read_to_end(&mut got).await.unwrap();
                    assert_eq!(got, ANSWER);
                }
                ns_per_op(start, s.accepts)
            }
        };
        accepting.abort();
        figure
    })
}

// ---------------------------------------------------------------------------
// smol: async-executor on async-io

fn smol_measure(w: NetWorkload, s: &NetSizes) -> f64 {
    use async_executor::LocalExecutor;
    use async_io::Async;
    use futures::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    use std::net::{TcpListener, TcpStream};

    let s = *s;
    let ex = Rc::new(LocalExecutor::new());
    let ex2 = ex.clone();
    async_io::block_on(ex.run(async move {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let port = listener.get_ref().local_addr().unwrap().port();
        let ex3 = ex2.clone();
        let accepting = ex2.spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                ex3.spawn(async move {
                    if w == NetWorkload::AcceptRequestClose {
                        let mut line = Vec::new();
                        let mut reader = futures::io::BufReader::new(&mut stream);
                        reader.read_until(b'\n', &mut line).await.unwrap();
                        stream.write_all(ANSWER).await.unwrap();
                        return;
                    }
                    let mut buf = [0u8; 4096];
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                if stream.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                })
                .detach();
            }
        });
        async fn client(port: u16, messages: usize) {
            let mut stream = Async::<TcpStream>::connect(([127, 0, 0, 1], port)).await.unwrap();
            let message = [b'x'; MESSAGE];
            let mut back = [0u8; MESSAGE];
            for _ in 0..messages {
                stream.write_all(&message).await.unwrap();
                stream.read_exact(&mut back).await.unwrap();
            }
        }
        let figure = match w {
            NetWorkload::EchoRtt | NetWorkload::Echo100 => {
                let (clients, each) =
                    if w == NetWorkload::EchoRtt { (1, s.rtt) } else { (s.connections, s.per_connection) };
                let start = Stopwatch::start();
                let tasks: Vec<_> = (0..clients).map(|_| ex2.spawn(client(port, each))).collect();
                for t in tasks {
                    t.await;
                }
                ns_per_op(start, s.ops(w))
            }
            NetWorkload::AcceptRequestClose => {
                let start = Stopwatch::start();
                for _ in 0..s.accepts {
                    let mut stream = Async::<TcpStream>::connect(([127, 0, 0, 1], port)).await.unwrap();
                    stream.write_all(REQUEST).await.unwrap();
                    let mut got = Vec::new();
                    stream.read_to_end(&mut got).await.unwrap();
                    assert_eq!(got, ANSWER);
                }
                ns_per_op(start, s.accepts)
            }
        };
        drop(accepting);
        figure
    }))
}

// ---------------------------------------------------------------------------
// floor: the same exchange with no runtime

/// The kernel's share, measured: the workload's exchange written straight
/// on the system calls, with no runtime, no tasks and no buffering. Echo:
/// non-blocking sockets registered edge-triggered for reading and writing
/// (as mio registers ours), one `epoll_wait` whenever nothing is left to
/// do, then `recv`/`send` on what it reported: the calls an event loop
/// cannot avoid. accept_close: blocking calls (loopback has every answer
/// ready, so none sleeps), which need no readiness wait at all.
///
/// Ours ÷ tokio can go no lower than this column ÷ tokio while ours makes
/// the same calls.
fn floor_measure(w: NetWorkload, s: &NetSizes) -> f64 {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    if w == NetWorkload::AcceptRequestClose {
        let start = Stopwatch::start();
        for _ in 0..s.accepts {
            let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let (mut server, _) = listener.accept().unwrap();
            client.write_all(REQUEST).unwrap();
            let mut line = [0u8; 64];
            let n = server.read(&mut line).unwrap();
            assert_eq!(&line[..n], REQUEST);
            server.write_all(ANSWER).unwrap();
            drop(server);
            let mut got = Vec::new();
            client.read_to_end(&mut got).unwrap();
            assert_eq!(got, ANSWER);
        }
        return ns_per_op(start, s.accepts);
    }

    let (connections, each) = if w == NetWorkload::EchoRtt { (1, s.rtt) } else { (s.connections, s.per_connection) };
    // SAFETY (bench code, FFI): epoll_create1 takes no pointers.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1: {}", std::io::Error::last_os_error());
    // Token 2i: connection i's client end, 2i + 1: its server end.
    let mut ends = Vec::with_capacity(2 * connections);
    for _ in 0..connections {
        let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (server, _) = listener.accept().unwrap();
        ends.push(client);
        ends.push(server);
    }
    for (token, end) in ends.iter().enumerate() {
        end.set_nonblocking(true).unwrap();
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
            u64: token as u64,
        };
        // SAFETY (bench code, FFI): `event` outlives the call.
        let r = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, end.as_raw_fd(), &mut event) };
        assert_eq!(r, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
    }
    let send = |fd: i32, bytes: &[u8]| {
        // SAFETY (bench code, FFI): `bytes` is valid for its length.
        let n = unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
        assert_eq!(n, bytes.len() as isize, "send: {}", std::io::Error::last_os_error());
    };
    let message = [b'x'; MESSAGE];
    let mut buf = [0u8; 4096];
    // Per connection: messages still to send, bytes of the answer received.
    let mut left = vec![each; connections];
    let mut got = vec![0usize; connections];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let start = Stopwatch::start();
    for (i, left) in left.iter_mut().enumerate() {
        send(ends[2 * i].as_raw_fd(), &message);
        *left -= 1;
    }
    let mut done = 0;
    while done < connections {
        // SAFETY (bench code, FFI): `events` holds 256 entries.
        let n = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), 256, -1) };
        assert!(n >= 0, "epoll_wait: {}", std::io::Error::last_os_error());
        for event in &events[..n as usize] {
            let token = event.u64 as usize;
            if event.events & libc::EPOLLIN as u32 == 0 {
                continue;
            }
            let fd = ends[token].as_raw_fd();
            // Edge-triggered: read until a short read says the socket is empty.
            loop {
                // SAFETY (bench code, FFI): `buf` is valid for its length.
                let r = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
                if r < 0 {
                    let e = std::io::Error::last_os_error();
                    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "recv: {e}");
                    break;
                }
                let r = r as usize;
                let conn = token / 2;
                if token % 2 == 1 {
                    send(fd, &buf[..r]);
                } else {
                    got[conn] += r;
                    if got[conn] == MESSAGE {
                        got[conn] = 0;
                        if left[conn] == 0 {
                            done += 1;
                        } else {
                            left[conn] -= 1;
                            send(fd, &message);
                        }
                    }
                }
                if r < buf.len() {
                    break;
                }
            }
        }
    }
    let figure = ns_per_op(start, s.ops(w));
    // SAFETY (bench code, FFI): `epoll` is ours and closed once.
    unsafe { libc::close(epoll) };
    figure
}

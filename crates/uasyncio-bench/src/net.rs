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
pub const RUNTIMES: [(&str, NetMeasure); 3] =
    [("uasyncio", uasyncio_measure), ("tokio", tokio_measure), ("smol", smol_measure)];

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

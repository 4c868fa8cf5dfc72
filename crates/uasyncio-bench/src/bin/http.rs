//! Requests per second of a small JSON route with keep-alive: uasyncio-web
//! on uasyncio against axum (hyper) on tokio's current-thread runtime.
//!
//! ```text
//! cargo run --release -p uasyncio-bench --bin http            # 3 rounds, ~20 s once built
//! cargo run --release -p uasyncio-bench --bin http -- --requests 20000 --connections 8 --rounds 1
//! ```
//!
//! Each server runs on a thread of its own (one core's worth of work); one
//! load thread with blocking sockets keeps `--connections` keep-alive
//! connections busy, one request in flight on each. The figure is
//! requests per CPU-second of the server's thread (its own
//! `CLOCK_THREAD_CPUTIME_ID`, read by a `/cpu` route on that thread
//! before and after the measured requests), so the load generator and the
//! other processes on the machine do not count; wall-clock requests/s is
//! shown beside it. Best of the rounds, servers alternating.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Instant;

const BODY: &str = r#"{"message":"Hello, World!"}"#;

/// The CPU time of the calling thread, in ns (as the bench's `common::cpu_clock_ns`).
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is
    // a clock every Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Uasyncio,
    Axum,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Uasyncio => "uasyncio-web (uasyncio)",
            Server::Axum => "axum 0.8 (tokio current-thread)",
        }
    }
}

/// Starts `server` on a thread; returns its port once it listens.
fn start(server: Server) -> u16 {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || match server {
        Server::Uasyncio => uasyncio::run(async move {
            let app = uasyncio_web::App::new()
                .limits(uasyncio_web::Limits { max_connections: 1024, ..Default::default() })
                .get("/json", |_| async { uasyncio_web::Response::bytes("application/json", BODY.as_bytes().to_vec()) })
                .get("/cpu", |_| async { thread_cpu_ns().to_string() });
            let server = app.serve("127.0.0.1", 0).await.unwrap();
            tx.send(server.local_addr().port()).unwrap();
            server.wait_closed().await;
        }),
        Server::Axum => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                use axum::routing::get;
                let app = axum::Router::new()
                    .route("/json", get(|| async { ([("content-type", "application/json")], BODY) }))
                    .route("/cpu", get(|| async { thread_cpu_ns().to_string() }));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        }
    });
    rx.recv().expect("the server thread started")
}

/// A keep-alive client connection with its read buffer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn { stream, buf: Vec::with_capacity(4096) }
    }

    fn send(&mut self, path: &str) {
        let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
        self.stream.write_all(request.as_bytes()).unwrap();
    }

    /// Reads one response; returns its body.
    fn receive(&mut self) -> Vec<u8> {
        let mut chunk = [0u8; 4096];
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut response = httparse::Response::new(&mut headers);
            if let Ok(httparse::Status::Complete(head)) = response.parse(&self.buf) {
                assert_eq!(response.code, Some(200));
                let length: usize = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                    .expect("a Content-Length");
                if self.buf.len() >= head + length {
                    let body = self.buf[head..head + length].to_vec();
                    self.buf.drain(..head + length);
                    return body;
                }
            }
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the server closed a keep-alive connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The server thread's CPU time, asked over `conn`.
fn server_cpu_ns(conn: &mut Conn) -> u64 {
    conn.send("/cpu");
    String::from_utf8(conn.receive()).unwrap().parse().unwrap()
}

/// `requests` requests over `connections` connections, one in flight on
/// each; returns (requests per server CPU-second, requests per wall second).
fn measure(port: u16, connections: usize, requests: usize) -> (f64, f64) {
    let mut conns: Vec<Conn> = (0..connections).map(|_| Conn::open(port)).collect();
    let rounds = requests / connections;
    // Warm up.
    for _ in 0..rounds / 10 + 1 {
        round(&mut conns);
    }
    let cpu_before = server_cpu_ns(&mut conns[0]);
    let wall = Instant::now();
    for _ in 0..rounds {
        round(&mut conns);
    }
    let wall = wall.elapsed().as_secs_f64();
    let cpu = (server_cpu_ns(&mut conns[0]) - cpu_before) as f64 / 1e9;
    let done = (rounds * connections) as f64;
    (done / cpu, done / wall)
}

fn round(conns: &mut [Conn]) {
    for c in conns.iter_mut() {
        c.send("/json");
    }
    for c in conns.iter_mut() {
        assert_eq!(c.receive(), BODY.as_bytes());
    }
}

fn main() {
    let mut requests = 50_000;
    let mut connections = 16;
    let mut rounds = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{arg} needs a number"));
        match arg.as_str() {
            "--requests" => requests = value(),
            "--connections" => connections = value(),
            "--rounds" => rounds = value(),
            other => panic!("unknown option {other:?}: --requests N, --connections N, --rounds N"),
        }
    }
    let servers = [Server::Uasyncio, Server::Axum];
    let ports: Vec<u16> = servers.iter().map(|&s| start(s)).collect();
    let mut best = [(0.0f64, 0.0f64); 2];
    for _ in 0..rounds {
        for (i, &port) in ports.iter().enumerate() {
            let (per_cpu, per_wall) = measure(port, connections, requests);
            best[i].0 = best[i].0.max(per_cpu);
            best[i].1 = best[i].1.max(per_wall);
        }
    }
    println!(
        "GET /json ({} bytes), keep-alive, {connections} connections, {requests} requests, best of {rounds}",
        BODY.len()
    );
    println!("| server | requests per server CPU-second | requests/s (wall) |");
    println!("|---|---|---|");
    for (i, server) in servers.iter().enumerate() {
        println!("| {} | {:.0} | {:.0} |", server.name(), best[i].0, best[i].1);
    }
    println!("ratio uasyncio-web / axum per CPU-second: {:.2}", best[0].0 / best[1].0);
}

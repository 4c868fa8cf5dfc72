//! TCP on the loop's poller: `open_connection`, `start_server`, and the
//! socket transports under `StreamReader` / `StreamWriter`.

use crate::raw::sync::Arc;
use alloc::rc::Rc;
use core::cell::Cell;
use core::future::Future;
use core::net::SocketAddr;
use core::pin::Pin;
use core::task::{Context, Poll};
use mio::net::{TcpListener, TcpStream};
use std::io::{self, Read as _, Write as _};

use super::buffered::{Close, PeerAddr, StreamReader, StreamWriter};
use super::resolve::resolve;
use super::server::{Server, Shared};
use crate::io_queue::Direction;
use crate::io_queue::IoQueue;
use crate::time::Platform;

/// A socket registered with its loop's I/O queue: its slot there and its
/// registration in the poller live exactly as long as the socket (the slot
/// goes first: events still pending for it are then skipped).
struct Socket<S: mio::event::Source> {
    source: S,
    platform: Arc<dyn Platform>,
    key: usize,
}

impl<S: mio::event::Source> Socket<S> {
    /// Registers `source`; `ready`: whether operations are tried before
    /// the poller's first word (a connection; not a listener or a connect).
    fn new(mut source: S, platform: Arc<dyn Platform>, ready: bool) -> io::Result<Socket<S>> {
        let queue = platform.io_queue()?;
        let key = queue.insert_slot(ready);
        if let Err(error) = queue.register(&mut source, key) {
            queue.remove_slot(key);
            return Err(error);
        }
        Ok(Socket { source, platform, key })
    }

    fn get(&self) -> &S {
        &self.source
    }

    fn key(&self) -> usize {
        self.key
    }

    fn queue(&self) -> &IoQueue {
        self.platform.io_queue().expect("a registered socket's platform has its I/O queue")
    }
}

impl<S: mio::event::Source> Drop for Socket<S> {
    fn drop(&mut self) {
        let queue = self.platform.io_queue().expect("a registered socket's platform has its I/O queue");
        queue.remove_slot(self.key);
        queue.deregister(&mut self.source);
    }
}

/// How long the accept task waits after a failed accept (out of file
/// descriptors) before it tries again.
const ACCEPT_RETRY_MS: u64 = 100;

/// The default listen backlog (MicroPython's `start_server(…, backlog=5)`).
pub const DEFAULT_BACKLOG: i32 = 5;

/// A connected socket, shared by its reader and writer halves.
struct Conn {
    socket: Socket<TcpStream>,
    peer: SocketAddr,
    /// `wait_closed` was called: the socket is shut down both ways.
    closed: Cell<bool>,
}

impl Conn {
    fn check_open(&self) -> io::Result<()> {
        if self.closed.get() {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "the stream is closed (wait_closed() was called)"));
        }
        Ok(())
    }
}

/// The reading half of a TCP socket: an `embedded_io_async::Read` whose
/// reads wait on the loop's poller. The transport of a [`StreamReader`].
pub struct TcpReader {
    conn: Rc<Conn>,
}

/// The writing half of a TCP socket: an `embedded_io_async::Write`. The
/// transport of a [`StreamWriter`].
pub struct TcpWriter {
    conn: Rc<Conn>,
}

/// A wait on a registered socket: runs `op` once the poller says the
/// socket may be ready. Dropped before it completes (its task cancelled),
/// it takes its task out of the socket's slot: nothing is left behind.
struct IoWait<'a, S: mio::event::Source, F> {
    socket: &'a Socket<S>,
    dir: Direction,
    op: F,
    /// Polled before (the first poll yields if the socket is ready already).
    polled: bool,
    parked: bool,
}

impl<S: mio::event::Source, T, F: FnMut(&S) -> io::Result<T> + Unpin> Future for IoWait<'_, S, F> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let this = self.get_mut();
        let socket = this.socket;
        let op = &mut this.op;
        let first = !this.polled;
        this.polled = true;
        let polled = socket.queue().poll_io(socket.key(), this.dir, cx, first, || op(socket.get()), running_remote);
        this.parked = polled.is_pending();
        polled
    }
}

/// The remote of the loop polling now, which a parked socket wait counts on.
fn running_remote() -> std::sync::Arc<dyn crate::io_queue::IoWaiters> {
    crate::runtime::context::with_running(|core| core.remote.clone() as std::sync::Arc<dyn crate::io_queue::IoWaiters>).expect(
        "a uasyncio stream was polled outside a uasyncio event loop; await it from a task of the loop that opened it",
    )
}

impl<S: mio::event::Source, F> Drop for IoWait<'_, S, F> {
    fn drop(&mut self) {
        if self.parked {
            self.socket.queue().unpark(self.socket.key(), self.dir);
        }
    }
}

fn wait_io<S: mio::event::Source, T, F: FnMut(&S) -> io::Result<T> + Unpin>(
    socket: &Socket<S>,
    dir: Direction,
    op: F,
) -> IoWait<'_, S, F> {
    IoWait { socket, dir, op, polled: false, parked: false }
}

impl embedded_io::ErrorType for TcpReader {
    type Error = io::Error;
}

impl embedded_io::ErrorType for TcpWriter {
    type Error = io::Error;
}

impl embedded_io_async::Read for TcpReader {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn.check_open()?;
        if buf.is_empty() {
            return Ok(0);
        }
        let socket = &self.conn.socket;
        let mut got = wait_io(socket, Direction::Read, |mut s: &TcpStream| s.read(buf)).await?;
        // After an error or reset edge, read on to what is left: the reset
        // then fails this read, as in MicroPython (whose read goes on until
        // it has all it asked for or would block).
        while got > 0 && got < buf.len() && socket.queue().errored(socket.key()) {
            match socket.get().read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(more) => got += more,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if got < buf.len() {
            // The kernel's buffer is empty: the next read waits for an edge
            // without trying (and failing) first.
            socket.queue().clear_ready(socket.key(), Direction::Read);
        }
        Ok(got)
    }
}

impl embedded_io_async::Write for TcpWriter {
    async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.conn.check_open()?;
        if buf.is_empty() {
            return Ok(0);
        }
        let socket = &self.conn.socket;
        let sent = wait_io(socket, Direction::Write, |mut s: &TcpStream| s.write(buf)).await?;
        if sent < buf.len() {
            // The kernel's buffer is full: wait for the next edge.
            socket.queue().clear_ready(socket.key(), Direction::Write);
        }
        Ok(sent)
    }

    async fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Close for TcpWriter {
    fn close(&mut self) {
        if !self.conn.closed.replace(true) {
            // The peer reads EOF; the descriptor goes when both halves do.
            let _ = self.conn.socket.get().shutdown(std::net::Shutdown::Both);
        }
    }
}

impl PeerAddr for TcpReader {
    fn peer_addr(&self) -> Option<SocketAddr> {
        Some(self.conn.peer)
    }
}

impl PeerAddr for TcpWriter {
    fn peer_addr(&self) -> Option<SocketAddr> {
        Some(self.conn.peer)
    }
}

impl core::fmt::Debug for TcpReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TcpReader").field("peer", &self.conn.peer).finish_non_exhaustive()
    }
}

impl core::fmt::Debug for TcpWriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TcpWriter").field("peer", &self.conn.peer).finish_non_exhaustive()
    }
}

/// The platform of the loop running now, whose poller sockets register with.
fn running_platform() -> io::Result<Arc<dyn Platform>> {
    crate::runtime::context::with_running(|core| core.platform.clone())
        .ok_or_else(|| io::Error::other("uasyncio sockets are opened from a task of a running event loop"))
}

fn halves(
    stream: TcpStream,
    peer: SocketAddr,
    platform: Arc<dyn Platform>,
) -> io::Result<(StreamReader, StreamWriter)> {
    let conn = Rc::new(Conn { socket: Socket::new(stream, platform, true)?, peer, closed: Cell::new(false) });
    Ok((StreamReader::new(TcpReader { conn: conn.clone() }), StreamWriter::new(TcpWriter { conn })))
}

/// Opens a TCP connection to `host:port` without blocking the loop
/// (MicroPython's `asyncio.open_connection`): the name is resolved on a
/// helper thread (an IP literal needs none), each address is tried in
/// turn, and the connect waits on the loop's poller.
///
/// # Errors
/// The resolver's error for an unknown host, `ConnectionRefused` when
/// nothing listens, `Unsupported` on a loop without an I/O poller (a
/// [`VirtualClock`](crate::VirtualClock): use
/// [`stream::memory`](crate::stream::memory) there), or what the OS says.
///
/// ```no_run
/// uasyncio::run(async {
///     let (mut reader, mut writer) = uasyncio::open_connection("localhost", 8765).await?;
///     writer.write(b"hello\n");
///     writer.drain().await?;
///     println!("{:?}", reader.readline().await?);
///     writer.close();
///     writer.wait_closed().await
/// })
/// .unwrap();
/// ```
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    let platform = running_platform()?;
    platform.io_queue()?;
    let addrs = resolve(host, port).await?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name resolved to no address");
    for addr in addrs {
        match connect(addr, platform.clone()).await {
            Ok(streams) => return Ok(streams),
            Err(error) => last = error,
        }
    }
    Err(last)
}

async fn connect(addr: SocketAddr, platform: Arc<dyn Platform>) -> io::Result<(StreamReader, StreamWriter)> {
    // Non-blocking: the connect is in progress when this returns.
    let stream = TcpStream::connect(addr)?;
    let registered = Socket::new(stream, platform, false)?;
    // Writable once the connect is over; its outcome is the socket's error.
    // The poller's first writable edge (or error) ends the connect; the
    // socket's pending error says how.
    wait_io(&registered, Direction::Write, |s: &TcpStream| match s.take_error()? {
        Some(error) => Err(error),
        None => Ok(()),
    })
    .await?;
    let conn = Rc::new(Conn { socket: registered, peer: addr, closed: Cell::new(false) });
    Ok((StreamReader::new(TcpReader { conn: conn.clone() }), StreamWriter::new(TcpWriter { conn })))
}

/// Listens on `host:port` (port 0: a free one, see [`Server::local_addr`])
/// and runs `handler(reader, writer)` as a new task for each connection
/// (MicroPython's `asyncio.start_server`, backlog 5). Binds with address
/// reuse; yields once so that the accept task has started on return.
///
/// A handler that panics fails only its own task (the loop's exception
/// handler reports it); the server goes on.
///
/// # Errors
/// `AddrInUse` if another socket listens on the port, the resolver's error
/// for an unknown host, `Unsupported` on a loop without an I/O poller.
///
/// ```
/// uasyncio::run(async {
///     let server = uasyncio::start_server(
///         |mut reader, mut writer| async move {
///             let line = reader.readline().await.unwrap();
///             writer.write(&line);
///             writer.drain().await.unwrap();
///         },
///         "127.0.0.1",
///         0,
///     )
///     .await?;
///     let port = server.local_addr().port();
///     let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await?;
///     writer.write(b"echo\n");
///     writer.drain().await?;
///     assert_eq!(reader.readline().await?, b"echo\n");
///     server.close();
///     server.wait_closed().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_server<H, Fut>(handler: H, host: &str, port: u16) -> io::Result<Server>
where
    H: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    start_server_with_backlog(handler, host, port, DEFAULT_BACKLOG).await
}

/// [`start_server`] with the listen backlog given (how many connections
/// the OS queues before the accept task takes them).
///
/// ```
/// uasyncio::run(async {
///     let server = uasyncio::start_server_with_backlog(|_, _| async {}, "localhost", 0, 128).await?;
///     assert!(server.local_addr().ip().is_loopback());
///     server.close();
///     server.wait_closed().await;
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_server_with_backlog<H, Fut>(
    mut handler: H,
    host: &str,
    port: u16,
    backlog: i32,
) -> io::Result<Server>
where
    H: FnMut(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let platform = running_platform()?;
    platform.io_queue()?;
    let addr = *resolve(host, port)
        .await?
        .first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the host name resolved to no address"))?;
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    let listener = TcpListener::from_std(socket.into());
    let local_addr = listener.local_addr()?;
    let listener = Socket::new(listener, platform.clone(), false)?;
    let accept = move |shared: Rc<Shared>| async move {
        loop {
            match wait_io(&listener, Direction::Read, |s: &TcpListener| s.accept()).await {
                Ok((stream, peer)) => match halves(stream, peer, platform.clone()) {
                    Ok((reader, writer)) => drop(crate::create_task(handler(reader, writer))),
                    Err(error) => report_accept_error(&shared, &error),
                },
                // The client gave up before we took it: nothing to do.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(error) => {
                    report_accept_error(&shared, &error);
                    crate::sleep_ms(ACCEPT_RETRY_MS).await;
                }
            }
        }
    };
    Server::start_with(accept, local_addr).await
}

fn report_accept_error(shared: &Shared, error: &io::Error) {
    shared.accept_errors.set(shared.accept_errors.get() + 1);
    std::eprintln!("uasyncio: start_server: accept failed: {error}; retrying in {ACCEPT_RETRY_MS} ms");
}

/// The running loop's sockets and the tasks waiting on them (all zero on a
/// loop that never opened a socket, or outside a loop): for diagnostics,
/// and for tests that check nothing is left behind.
///
/// ```
/// uasyncio::run(async {
///     assert_eq!(uasyncio::stream::io_stats().sockets, 0);
///     let server = uasyncio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap();
///     assert_eq!(uasyncio::stream::io_stats(), uasyncio::stream::IoStats { sockets: 1, waiting: 1 });
///     server.close();
///     server.wait_closed().await;
///     assert_eq!(uasyncio::stream::io_stats().sockets, 0);
/// });
/// ```
pub fn io_stats() -> crate::io_queue::IoStats {
    crate::runtime::context::with_running(|core| core.platform.io_queue().map(IoQueue::stats).unwrap_or_default())
        .unwrap_or_default()
}

//! In-memory streams: a duplex pair with the socket streams' API, and a
//! network of them, for servers and clients on the virtual clock.
//!
//! Nothing here touches the OS, so a loop on a
//! [`VirtualClock`](crate::VirtualClock) runs them deterministically: time
//! jumps to the next timer whenever every task waits, and a task waiting on
//! a pipe nobody will write to is a deadlock the loop reports. Real sockets
//! are refused on a virtual clock (see
//! [`Platform::io_queue`](crate::Platform::io_queue)): the loop could not
//! know whether bytes are about to arrive before it jumps time ahead.
//!
//! ```
//! use uasyncio::stream::memory::MemoryNetwork;
//! let out = uasyncio::run_virtual(async {
//!     let net = MemoryNetwork::new();
//!     let server = net
//!         .start_server(
//!             |mut reader, mut writer| async move {
//!                 let line = reader.readline().await.unwrap();
//!                 uasyncio::sleep(1).await; // one virtual second to answer
//!                 writer.write(&line);
//!                 writer.drain().await.unwrap();
//!             },
//!             7,
//!         )
//!         .await
//!         .unwrap();
//!     let (mut reader, mut writer) = net.open_connection(7).await.unwrap();
//!     writer.write(b"echo\n");
//!     writer.drain().await.unwrap();
//!     let line = reader.readline().await.unwrap();
//!     server.close();
//!     server.wait_closed().await;
//!     (line, uasyncio::time::ticks_ms())
//! });
//! assert_eq!(out, (b"echo\n".to_vec(), 1000));
//! ```

use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::Rc;
use core::cell::RefCell;
use core::future::{Future, poll_fn};
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::task::{Poll, Waker};

use embedded_io::ErrorKind;

use super::Error;
use super::buffered::{Close, PeerAddr, StreamError, StreamReader, StreamWriter};
use super::server::Server;

/// How many bytes a pipe holds before its writer waits (a socket's buffer, roughly).
pub const PIPE_CAPACITY: usize = 64 * 1024;

/// One direction: bytes in flight, and who waits on either end.
#[derive(Default)]
struct Pipe {
    data: VecDeque<u8>,
    /// The writing end closed: the reader gets EOF once `data` is read.
    write_closed: bool,
    /// The reading end closed: writes fail (`BrokenPipe`).
    read_closed: bool,
    /// The connection was reset: both ends fail (`ConnectionReset`).
    reset: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Pipe {
    fn wake_both(&mut self) {
        if let Some(w) = self.reader.take() {
            w.wake();
        }
        if let Some(w) = self.writer.take() {
            w.wake();
        }
    }
}

fn park(slot: &mut Option<Waker>, waker: &Waker) {
    if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
        *slot = Some(waker.clone());
    }
}

/// The reading end of an in-memory pipe: an `embedded_io_async::Read`.
pub struct PipeReader {
    incoming: Rc<RefCell<Pipe>>,
    peer: Option<SocketAddr>,
}

/// The writing end of an in-memory pipe: an `embedded_io_async::Write`.
pub struct PipeWriter {
    outgoing: Rc<RefCell<Pipe>>,
    incoming: Option<Rc<RefCell<Pipe>>>,
    peer: Option<SocketAddr>,
}

/// A one-way pipe: what the writer writes, the reader reads.
///
/// ```
/// use embedded_io_async::{Read, Write};
/// uasyncio::run_virtual(async {
///     let (mut tx, mut rx) = uasyncio::stream::memory::pipe();
///     tx.write_all(b"abc").await.unwrap();
///     let mut buf = [0; 8];
///     assert_eq!(rx.read(&mut buf).await.unwrap(), 3);
/// });
/// ```
pub fn pipe() -> (PipeWriter, PipeReader) {
    let pipe = Rc::new(RefCell::new(Pipe::default()));
    (PipeWriter { outgoing: pipe.clone(), incoming: None, peer: None }, PipeReader { incoming: pipe, peer: None })
}

/// An in-memory connection: two ends, each a `(StreamReader, StreamWriter)`
/// as [`open_connection`](crate::open_connection) gives, what one end
/// writes the other reads.
///
/// ```
/// uasyncio::run_virtual(async {
///     let ((mut a_in, mut a_out), (mut b_in, mut b_out)) = uasyncio::stream::memory::duplex();
///     a_out.write(b"to b\n");
///     a_out.drain().await.unwrap();
///     b_out.write(b"to a\n");
///     b_out.drain().await.unwrap();
///     assert_eq!(b_in.readline().await.unwrap(), b"to b\n");
///     assert_eq!(a_in.readline().await.unwrap(), b"to a\n");
/// });
/// ```
pub fn duplex() -> (End, End) {
    duplex_with(None, None)
}

/// One end of a [`duplex`] connection.
pub type End = (StreamReader<PipeReader>, StreamWriter<PipeWriter>);

fn duplex_with(a_peer: Option<SocketAddr>, b_peer: Option<SocketAddr>) -> (End, End) {
    let a_to_b = Rc::new(RefCell::new(Pipe::default()));
    let b_to_a = Rc::new(RefCell::new(Pipe::default()));
    let a = (
        StreamReader::new(PipeReader { incoming: b_to_a.clone(), peer: a_peer }),
        StreamWriter::new(PipeWriter { outgoing: a_to_b.clone(), incoming: Some(b_to_a.clone()), peer: a_peer }),
    );
    let b = (
        StreamReader::new(PipeReader { incoming: a_to_b.clone(), peer: b_peer }),
        StreamWriter::new(PipeWriter { outgoing: b_to_a, incoming: Some(a_to_b), peer: b_peer }),
    );
    (a, b)
}

fn err(kind: ErrorKind, what: &'static str) -> Error {
    <Error as StreamError>::new(kind, what)
}

fn closed_error() -> Error {
    err(ErrorKind::NotConnected, "the stream is closed (wait_closed() was called)")
}

fn reset_error() -> Error {
    err(ErrorKind::ConnectionReset, "connection reset by peer")
}

impl PipeWriter {
    /// Resets the connection (a TCP RST): both ends' pending and later
    /// reads and writes fail with `ConnectionReset`.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let ((_, mut a_out), (mut b_in, _)) = uasyncio::stream::memory::duplex();
    ///     a_out.get_mut().reset();
    ///     let error = b_in.read(10).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    /// });
    /// ```
    pub fn reset(&mut self) {
        for pipe in core::iter::once(&self.outgoing).chain(self.incoming.as_ref()) {
            let mut pipe = pipe.borrow_mut();
            pipe.reset = true;
            pipe.wake_both();
        }
    }
}

impl embedded_io::ErrorType for PipeReader {
    type Error = Error;
}

impl embedded_io::ErrorType for PipeWriter {
    type Error = Error;
}

impl embedded_io_async::Read for PipeReader {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        poll_fn(|cx| {
            let mut pipe = self.incoming.borrow_mut();
            if pipe.reset {
                return Poll::Ready(Err(reset_error()));
            }
            if pipe.read_closed {
                return Poll::Ready(Err(closed_error()));
            }
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            if pipe.data.is_empty() {
                if pipe.write_closed {
                    return Poll::Ready(Ok(0));
                }
                park(&mut pipe.reader, cx.waker());
                return Poll::Pending;
            }
            let n = pipe.data.len().min(buf.len());
            for (to, from) in buf.iter_mut().zip(pipe.data.drain(..n)) {
                *to = from;
            }
            if let Some(w) = pipe.writer.take() {
                w.wake();
            }
            Poll::Ready(Ok(n))
        })
        .await
    }
}

impl embedded_io_async::Write for PipeWriter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        poll_fn(|cx| {
            let mut pipe = self.outgoing.borrow_mut();
            if pipe.reset {
                return Poll::Ready(Err(reset_error()));
            }
            if pipe.write_closed {
                return Poll::Ready(Err(closed_error()));
            }
            if pipe.read_closed {
                return Poll::Ready(Err(err(ErrorKind::BrokenPipe, "the peer closed the stream")));
            }
            let room = PIPE_CAPACITY - pipe.data.len();
            if room == 0 && !buf.is_empty() {
                park(&mut pipe.writer, cx.waker());
                return Poll::Pending;
            }
            let n = room.min(buf.len());
            pipe.data.extend(&buf[..n]);
            if let Some(w) = pipe.reader.take() {
                w.wake();
            }
            Poll::Ready(Ok(n))
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl Close for PipeWriter {
    fn close(&mut self) {
        let mut out = self.outgoing.borrow_mut();
        out.write_closed = true;
        out.wake_both();
        drop(out);
        if let Some(incoming) = &self.incoming {
            let mut incoming = incoming.borrow_mut();
            incoming.read_closed = true;
            incoming.wake_both();
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        // The reader sees EOF, as when a socket's last handle goes.
        let mut out = self.outgoing.borrow_mut();
        out.write_closed = true;
        out.wake_both();
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut incoming = self.incoming.borrow_mut();
        incoming.read_closed = true;
        incoming.wake_both();
    }
}

impl PeerAddr for PipeReader {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }
}

impl PeerAddr for PipeWriter {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }
}

impl core::fmt::Debug for PipeReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PipeReader").field("peer", &self.peer).finish_non_exhaustive()
    }
}

impl core::fmt::Debug for PipeWriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PipeWriter").field("peer", &self.peer).finish_non_exhaustive()
    }
}

/// A listening port of a [`MemoryNetwork`].
#[derive(Default)]
struct Listener {
    backlog: VecDeque<End>,
    acceptor: Option<Waker>,
}

#[derive(Default)]
struct Ports {
    listening: BTreeMap<u16, Rc<RefCell<Listener>>>,
    next_ephemeral: u16,
}

/// An in-memory network on 127.0.0.1: [`start_server`](Self::start_server)
/// listens on a port, [`open_connection`](Self::open_connection) connects
/// to it, and the streams are [`duplex`] pipes. Cheap to clone (clones
/// share the network).
///
/// ```
/// uasyncio::run_virtual(async {
///     let net = uasyncio::stream::memory::MemoryNetwork::new();
///     let error = net.open_connection(80).await.unwrap_err();
///     assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
/// });
/// ```
#[derive(Clone, Default)]
pub struct MemoryNetwork {
    ports: Rc<RefCell<Ports>>,
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const EPHEMERAL_FIRST: u16 = 49152;

impl MemoryNetwork {
    /// An empty network.
    ///
    /// ```
    /// let _net = uasyncio::stream::memory::MemoryNetwork::new();
    /// ```
    pub fn new() -> MemoryNetwork {
        MemoryNetwork::default()
    }

    fn ephemeral_port(ports: &mut Ports) -> Option<u16> {
        for _ in 0..=(u16::MAX - EPHEMERAL_FIRST) {
            let port = ports.next_ephemeral.max(EPHEMERAL_FIRST);
            ports.next_ephemeral = port.checked_add(1).unwrap_or(EPHEMERAL_FIRST);
            if !ports.listening.contains_key(&port) {
                return Some(port);
            }
        }
        None
    }

    /// Listens on `port` (0: a free one, see [`Server::local_addr`]) and
    /// runs `handler(reader, writer)` as a new task for each connection,
    /// as [`start_server`](crate::start_server) does with sockets.
    ///
    /// # Errors
    /// `AddrInUse` if a server of this network listens on `port` already.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
    ///     assert_eq!(server.local_addr().port(), 49152);
    ///     let again = net.start_server(|_, _| async {}, 49152).await.unwrap_err();
    ///     assert_eq!(again.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    pub async fn start_server<H, Fut>(&self, mut handler: H, port: u16) -> Result<Server, Error>
    where
        H: FnMut(StreamReader<PipeReader>, StreamWriter<PipeWriter>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let listener = Rc::new(RefCell::new(Listener::default()));
        let port = {
            let mut ports = self.ports.borrow_mut();
            let port = match port {
                0 => Self::ephemeral_port(&mut ports)
                    .ok_or_else(|| err(ErrorKind::AddrInUse, "every port of the memory network is taken"))?,
                port if ports.listening.contains_key(&port) => {
                    return Err(err(ErrorKind::AddrInUse, "a server listens on this port of the memory network"));
                }
                port => port,
            };
            ports.listening.insert(port, listener.clone());
            port
        };
        let unlisten = Unlisten { ports: self.ports.clone(), port };
        let accept = async move {
            let _unlisten = unlisten;
            loop {
                let (reader, writer) = poll_fn(|cx| {
                    let mut listener = listener.borrow_mut();
                    match listener.backlog.pop_front() {
                        Some(end) => Poll::Ready(end),
                        None => {
                            park(&mut listener.acceptor, cx.waker());
                            Poll::Pending
                        }
                    }
                })
                .await;
                drop(crate::create_task(handler(reader, writer)));
            }
        };
        Server::start(accept, SocketAddr::new(LOCALHOST, port)).await
    }

    /// Connects to the server listening on `port` of this network.
    ///
    /// # Errors
    /// `ConnectionRefused` if nothing listens there.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let _server = net.start_server(|_, _| async {}, 80).await.unwrap();
    ///     let (_reader, writer) = net.open_connection(80).await.unwrap();
    ///     assert_eq!(writer.peer_addr().unwrap().to_string(), "127.0.0.1:80");
    /// });
    /// ```
    pub async fn open_connection(&self, port: u16) -> Result<End, Error> {
        let (listener, client_port) = {
            let mut ports = self.ports.borrow_mut();
            let listener =
                ports.listening.get(&port).cloned().ok_or_else(|| {
                    err(ErrorKind::ConnectionRefused, "connection refused: nothing listens on this port")
                })?;
            let client_port = Self::ephemeral_port(&mut ports).unwrap_or(0);
            (listener, client_port)
        };
        let (client, server) =
            duplex_with(Some(SocketAddr::new(LOCALHOST, port)), Some(SocketAddr::new(LOCALHOST, client_port)));
        {
            let mut listener = listener.borrow_mut();
            listener.backlog.push_back(server);
            if let Some(w) = listener.acceptor.take() {
                w.wake();
            }
        }
        // A connect takes a round trip: let the server's accept task run.
        crate::sleep(0).await;
        Ok(client)
    }
}

/// Frees the port when the accept task ends; connections not yet accepted
/// are dropped (their clients read EOF).
struct Unlisten {
    ports: Rc<RefCell<Ports>>,
    port: u16,
}

impl Drop for Unlisten {
    fn drop(&mut self) {
        let listener = self.ports.borrow_mut().listening.remove(&self.port);
        drop(listener);
    }
}

impl core::fmt::Debug for MemoryNetwork {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ports: alloc::vec::Vec<u16> = self.ports.borrow().listening.keys().copied().collect();
        f.debug_struct("MemoryNetwork").field("listening", &ports).finish()
    }
}

//! The stream core: `StreamReader` and `StreamWriter` over any transport
//! that implements `embedded_io_async` (a TCP socket here, an in-memory
//! pipe, an embassy-net or smoltcp socket on a board). Buffering,
//! `readline`, `readexactly` and `read_to_end` live here, free of the OS.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;

use embedded_io::ErrorKind;
use embedded_io_async::{Read, Write};

/// How much a [`StreamReader`] reads from its transport at a time when it
/// must look ahead (`readline`), and how much a [`StreamWriter`] collects
/// before an `embedded_io_async` `write` sends it.
pub const BUFFER_SIZE: usize = 4096;

/// What the stream core needs from a transport's error type: making the
/// errors it reports itself (a short `readexactly`, a line over its limit,
/// a closed stream).
///
/// Implemented for `std::io::Error` and for [`embedded_io::ErrorKind`] (a
/// board's transport can use `ErrorKind` as its error type, or map its own
/// into it).
///
/// ```
/// use uasyncio::stream::StreamError;
/// let error = <std::io::Error as StreamError>::new(embedded_io::ErrorKind::BrokenPipe, "gone");
/// assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
/// assert_eq!(error.to_string(), "gone");
/// ```
pub trait StreamError: embedded_io::Error + Sized {
    /// An error of `kind`, saying `what` happened.
    fn new(kind: ErrorKind, what: &'static str) -> Self;

    /// The stream ended before what was asked for (`embedded_io`'s kinds
    /// have no EOF: `Other` unless the type has one).
    fn eof(what: &'static str) -> Self {
        Self::new(ErrorKind::Other, what)
    }
}

impl StreamError for ErrorKind {
    fn new(kind: ErrorKind, _what: &'static str) -> Self {
        kind
    }
}

#[cfg(feature = "std")]
impl StreamError for std::io::Error {
    fn new(kind: ErrorKind, what: &'static str) -> Self {
        std::io::Error::new(kind.into(), what)
    }

    fn eof(what: &'static str) -> Self {
        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what)
    }
}

/// What a transport knows about its far end (a TCP peer's address).
///
/// ```
/// use uasyncio::stream::PeerAddr;
/// let ((reader, _), _) = uasyncio::stream::memory::duplex();
/// assert_eq!(reader.peer_addr(), None); // a bare pipe has no address
/// ```
pub trait PeerAddr {
    /// The peer's address, if the transport has one.
    fn peer_addr(&self) -> Option<SocketAddr>;
}

/// Closing a transport for good (MicroPython's `Stream.wait_closed`
/// closes the socket): both directions end, the peer reads EOF.
///
/// ```
/// use uasyncio::stream::Close;
/// let ((_, mut writer), _) = uasyncio::stream::memory::duplex();
/// writer.get_mut().close();
/// ```
pub trait Close {
    /// Closes both directions. Further reads and writes fail.
    fn close(&mut self);
}

#[cfg(feature = "std")]
type DefaultReader = super::tcp::TcpReader;
#[cfg(not(feature = "std"))]
type DefaultReader = super::memory::PipeReader;
#[cfg(feature = "std")]
type DefaultWriter = super::tcp::TcpWriter;
#[cfg(not(feature = "std"))]
type DefaultWriter = super::memory::PipeWriter;

/// The reading half of a stream (MicroPython's `Stream`, as a reader).
///
/// `R` is the transport: with `std` it defaults to a TCP socket (what
/// [`open_connection`](crate::open_connection) and
/// [`start_server`](crate::start_server) give), without `std` to an
/// in-memory pipe; any `embedded_io_async::Read` works. It implements
/// `embedded_io_async::{Read, BufRead}` itself, so crates written against
/// those traits read from it.
///
/// ```
/// use uasyncio::stream::memory::duplex;
/// uasyncio::run_virtual(async {
///     let ((mut reader, _), (_, mut writer)) = duplex();
///     writer.write(b"GET / HTTP/1.0\r\n\r\n");
///     writer.drain().await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"GET / HTTP/1.0\r\n");
///     assert_eq!(reader.readexactly(2).await.unwrap(), b"\r\n");
/// });
/// ```
pub struct StreamReader<R = DefaultReader> {
    inner: R,
    /// Read ahead but not yet handed out: `buf[start..end]`. Empty (no
    /// allocation) until a `readline` first looks ahead.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl<R> StreamReader<R> {
    /// A reader over `transport`.
    ///
    /// ```
    /// let ((_, _), (_, _)) = uasyncio::stream::memory::duplex();
    /// let (a, b) = uasyncio::stream::memory::pipe();
    /// let reader = uasyncio::StreamReader::new(b);
    /// # drop((a, reader));
    /// ```
    pub fn new(transport: R) -> StreamReader<R> {
        StreamReader { inner: transport, buf: Box::default(), start: 0, end: 0 }
    }

    /// The transport.
    ///
    /// ```
    /// let ((reader, _), _) = uasyncio::stream::memory::duplex();
    /// let _pipe: &uasyncio::stream::memory::PipeReader = reader.get_ref();
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The transport, mutably (bytes read ahead stay in the reader).
    ///
    /// ```
    /// let ((mut reader, _), _) = uasyncio::stream::memory::duplex();
    /// let _pipe = reader.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Bytes read from the transport and not yet handed out.
    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume_buffered(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Hands out up to `out.len()` buffered bytes.
    fn take_buffered(&mut self, out: &mut [u8]) -> usize {
        let n = self.buffered().len().min(out.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.consume_buffered(n);
        n
    }
}

impl<R: PeerAddr> StreamReader<R> {
    /// The peer's address (MicroPython's `get_extra_info("peername")`).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let _server = net.start_server(|_, _| async {}, 80).await.unwrap();
    ///     let (reader, _) = net.open_connection(80).await.unwrap();
    ///     assert_eq!(reader.peer_addr().unwrap().port(), 80);
    /// });
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }
}

impl<R> StreamReader<R>
where
    R: Read,
    R::Error: StreamError,
{
    /// Waits for data and returns one chunk of at most `n` bytes; empty at
    /// EOF (MicroPython's `read(n)`).
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     writer.write(b"hello");
    ///     writer.drain().await.unwrap();
    ///     assert_eq!(reader.read(3).await.unwrap(), b"hel");
    ///     assert_eq!(reader.read(100).await.unwrap(), b"lo");
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    ///     assert_eq!(reader.read(100).await.unwrap(), b"");
    /// });
    /// ```
    pub async fn read(&mut self, n: usize) -> Result<Vec<u8>, R::Error> {
        if !self.buffered().is_empty() || n == 0 {
            let take = self.buffered().len().min(n);
            let out = self.buffered()[..take].to_vec();
            self.consume_buffered(take);
            return Ok(out);
        }
        let mut out = vec![0; n];
        let got = self.inner.read(&mut out).await?;
        out.truncate(got);
        Ok(out)
    }

    /// Reads until EOF (MicroPython's `read()` / `read(-1)`).
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     uasyncio::create_task(async move {
    ///         for part in [&b"a"[..], b"b", b"c"] {
    ///             writer.write(part);
    ///             writer.drain().await.unwrap();
    ///             uasyncio::sleep(1).await;
    ///         }
    ///         writer.close();
    ///         writer.wait_closed().await.unwrap();
    ///     });
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"abc");
    ///     assert_eq!(uasyncio::time::ticks_ms(), 3000);
    /// });
    /// ```
    pub async fn read_to_end(&mut self) -> Result<Vec<u8>, R::Error> {
        let mut out = self.buffered().to_vec();
        self.consume_buffered(out.len());
        let mut chunk = [0u8; 512];
        loop {
            let got = self.inner.read(&mut chunk).await?;
            if got == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..got]);
        }
    }

    /// Reads exactly `n` bytes (MicroPython's `readexactly`).
    ///
    /// # Errors
    /// `UnexpectedEof` if the peer closes the stream first (MicroPython
    /// raises `EOFError`); what was read is lost, as there.
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     writer.write(b"abc");
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    ///     assert_eq!(reader.readexactly(2).await.unwrap(), b"ab");
    ///     let error = reader.readexactly(2).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, R::Error> {
        let mut out = vec![0; n];
        let mut filled = self.take_buffered(&mut out);
        while filled < n {
            let got = self.inner.read(&mut out[filled..]).await?;
            if got == 0 {
                return Err(R::Error::eof("readexactly: the peer closed the stream before that many bytes came (EOF)"));
            }
            filled += got;
        }
        Ok(out)
    }

    /// Reads through the next `\n` (kept), or to EOF: the partial line at
    /// EOF, empty after it (MicroPython's `readline`).
    ///
    /// A line has no length limit here: a peer that sends no `\n` makes it
    /// grow without bound. Servers facing the network use
    /// [`readline_limit`](Self::readline_limit).
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     writer.write(b"one\ntwo");
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    ///     assert_eq!(reader.readline().await.unwrap(), b"one\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"two");
    ///     assert_eq!(reader.readline().await.unwrap(), b"");
    /// });
    /// ```
    pub async fn readline(&mut self) -> Result<Vec<u8>, R::Error> {
        self.readline_limit(usize::MAX).await
    }

    /// [`readline`](Self::readline) with at most `limit` bytes in a line
    /// (its `\n` included): memory stays bounded whatever the peer sends.
    ///
    /// # Errors
    /// `InvalidData` once the line is longer than `limit`; the bytes read
    /// of it are dropped and the stream stands in the middle of that line
    /// (close it, or skip to the next `\n`).
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     writer.write(b"short\nthis line is far too long\n");
    ///     writer.drain().await.unwrap();
    ///     assert_eq!(reader.readline_limit(8).await.unwrap(), b"short\n");
    ///     let error = reader.readline_limit(8).await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    /// });
    /// ```
    pub async fn readline_limit(&mut self, limit: usize) -> Result<Vec<u8>, R::Error> {
        let mut line = Vec::new();
        loop {
            let buffered = self.buffered();
            let (take, complete) = match buffered.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buffered.len(), false),
            };
            if line.len().saturating_add(take) > limit {
                self.consume_buffered(take);
                return Err(R::Error::new(ErrorKind::InvalidData, "readline: the line is longer than its limit"));
            }
            line.extend_from_slice(&buffered[..take]);
            self.consume_buffered(take);
            if complete {
                return Ok(line);
            }
            if self.buf.is_empty() {
                self.buf = vec![0; BUFFER_SIZE].into_boxed_slice();
            }
            let got = self.inner.read(&mut self.buf).await?;
            if got == 0 {
                return Ok(line);
            }
            self.start = 0;
            self.end = got;
        }
    }

    /// Waits for data and reads at most `buf.len()` bytes into `buf`;
    /// returns how many (0 at EOF). MicroPython's `readinto`.
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((mut reader, _), (_, mut writer)) = duplex();
    ///     writer.write(b"abc");
    ///     writer.drain().await.unwrap();
    ///     let mut buf = [0u8; 2];
    ///     assert_eq!(reader.readinto(&mut buf).await.unwrap(), 2);
    ///     assert_eq!(&buf, b"ab");
    /// });
    /// ```
    pub async fn readinto(&mut self, buf: &mut [u8]) -> Result<usize, R::Error> {
        if !self.buffered().is_empty() || buf.is_empty() {
            return Ok(self.take_buffered(buf));
        }
        self.inner.read(buf).await
    }
}

impl<R: embedded_io::ErrorType> embedded_io::ErrorType for StreamReader<R> {
    type Error = R::Error;
}

/// The `embedded_io_async` reads (the ones ecosystem crates make, often a
/// few bytes at a time) go through the reader's buffer when they ask for
/// less than it holds, as `std::io::BufReader` does: one transport read
/// then serves several, and a read that leaves the socket empty tells the
/// poller so, sparing the failing `recv` the next read would make. (The
/// MicroPython-named reads, `read(n)` and `readinto`, read the transport
/// directly, as MicroPython's do: a reset after the data is then reported
/// the same way.)
impl<R: Read> Read for StreamReader<R> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if !self.buffered().is_empty() || buf.is_empty() {
            return Ok(self.take_buffered(buf));
        }
        if buf.len() >= BUFFER_SIZE {
            return self.inner.read(buf).await;
        }
        if self.buf.is_empty() {
            self.buf = vec![0; BUFFER_SIZE].into_boxed_slice();
        }
        let got = self.inner.read(&mut self.buf).await?;
        self.start = 0;
        self.end = got;
        Ok(self.take_buffered(buf))
    }
}

impl<R: Read> embedded_io_async::BufRead for StreamReader<R> {
    async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        if self.buffered().is_empty() {
            if self.buf.is_empty() {
                self.buf = vec![0; BUFFER_SIZE].into_boxed_slice();
            }
            let got = self.inner.read(&mut self.buf).await?;
            self.start = 0;
            self.end = got;
        }
        Ok(self.buffered())
    }

    fn consume(&mut self, amt: usize) {
        self.consume_buffered(amt.min(self.end - self.start));
    }
}

impl<R> core::fmt::Debug for StreamReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamReader").field("buffered", &(self.end - self.start)).finish_non_exhaustive()
    }
}

/// The writing half of a stream (MicroPython's `Stream`, as a writer).
///
/// [`write`](Self::write) only buffers; [`drain`](Self::drain) sends.
/// It implements `embedded_io_async::Write` itself, so crates written
/// against that trait write to it.
///
/// ```
/// use uasyncio::stream::memory::duplex;
/// uasyncio::run_virtual(async {
///     let ((mut reader, _), (_, mut writer)) = duplex();
///     writer.write(b"ping\n");
///     writer.drain().await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"ping\n");
/// });
/// ```
pub struct StreamWriter<W = DefaultWriter> {
    inner: W,
    out: Vec<u8>,
    closed: bool,
}

impl<W> StreamWriter<W> {
    /// A writer over `transport`.
    ///
    /// ```
    /// let (a, _b) = uasyncio::stream::memory::pipe();
    /// let writer = uasyncio::StreamWriter::new(a);
    /// # drop(writer);
    /// ```
    pub fn new(transport: W) -> StreamWriter<W> {
        StreamWriter { inner: transport, out: Vec::new(), closed: false }
    }

    /// Queues `buf` to be sent by the next [`drain`](Self::drain); never
    /// waits (MicroPython's `write`, which sends what it can at once; here
    /// the sending is all done by `drain`).
    ///
    /// ```
    /// let ((_, mut writer), _) = uasyncio::stream::memory::duplex();
    /// writer.write(b"queued");
    /// assert_eq!(writer.pending(), 6);
    /// ```
    pub fn write(&mut self, buf: &[u8]) {
        self.out.extend_from_slice(buf);
    }

    /// How many bytes [`write`](Self::write) queued that no `drain` sent yet.
    ///
    /// ```
    /// let ((_, writer), _) = uasyncio::stream::memory::duplex();
    /// assert_eq!(writer.pending(), 0);
    /// ```
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// Marks the stream as closing: [`wait_closed`](Self::wait_closed)
    /// closes it (MicroPython's `close` likewise does nothing by itself).
    ///
    /// ```
    /// let ((_, mut writer), _) = uasyncio::stream::memory::duplex();
    /// writer.close();
    /// ```
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// The transport.
    ///
    /// ```
    /// let ((_, writer), _) = uasyncio::stream::memory::duplex();
    /// let _pipe: &uasyncio::stream::memory::PipeWriter = writer.get_ref();
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The transport, mutably.
    ///
    /// ```
    /// let ((_, mut writer), _) = uasyncio::stream::memory::duplex();
    /// let _pipe = writer.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: PeerAddr> StreamWriter<W> {
    /// The peer's address (MicroPython's `get_extra_info("peername")`).
    ///
    /// ```
    /// let ((_, writer), _) = uasyncio::stream::memory::duplex();
    /// assert!(writer.peer_addr().is_none());
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }
}

impl<W> StreamWriter<W>
where
    W: Write,
    W::Error: StreamError,
{
    /// Sends everything [`write`](Self::write) queued, waiting as the
    /// transport needs. Always yields once first, even with nothing
    /// queued, so a loop of `write` + `drain` cannot starve other tasks
    /// (as MicroPython's).
    ///
    /// # Errors
    /// The transport's (`BrokenPipe`, `ConnectionReset`, a closed stream);
    /// what was queued is dropped then.
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((_, mut writer), ((mut reader, _))) = duplex();
    ///     writer.write(b"x");
    ///     writer.drain().await.unwrap();
    ///     assert_eq!(writer.pending(), 0);
    ///     assert_eq!(reader.read(1).await.unwrap(), b"x");
    /// });
    /// ```
    pub async fn drain(&mut self) -> Result<(), W::Error> {
        crate::sleep(0).await;
        self.send_queued().await
    }

    async fn send_queued(&mut self) -> Result<(), W::Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let sent = self.inner.write_all(&self.out).await;
        self.out.clear();
        sent?;
        self.inner.flush().await
    }
}

impl<W> StreamWriter<W>
where
    W: Write + Close,
    W::Error: StreamError,
{
    /// Sends what is still queued, then closes the stream: both directions
    /// end, the peer reads EOF, and later reads, writes and drains on this
    /// stream fail (MicroPython's `wait_closed`, which closes the socket).
    /// Closing a closed stream does nothing.
    ///
    /// # Errors
    /// The transport's, if the queued bytes could not be sent (the stream
    /// is closed all the same).
    ///
    /// ```
    /// use uasyncio::stream::memory::duplex;
    /// uasyncio::run_virtual(async {
    ///     let ((_, mut writer), (mut reader, _)) = duplex();
    ///     writer.write(b"bye");
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"bye");
    /// });
    /// ```
    pub async fn wait_closed(&mut self) -> Result<(), W::Error> {
        self.closed = true;
        let sent = self.send_queued().await;
        self.inner.close();
        sent
    }
}

impl<W: embedded_io::ErrorType> embedded_io::ErrorType for StreamWriter<W> {
    type Error = W::Error;
}

impl<W: Write> Write for StreamWriter<W> {
    /// Queues `buf` (all of it); sends once [`BUFFER_SIZE`] bytes are queued.
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if self.out.is_empty() && buf.len() >= BUFFER_SIZE {
            return self.inner.write(buf).await;
        }
        self.out.extend_from_slice(buf);
        if self.out.len() >= BUFFER_SIZE {
            let sent = self.inner.write_all(&self.out).await;
            self.out.clear();
            sent?;
        }
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        let sent = self.inner.write_all(&self.out).await;
        self.out.clear();
        sent?;
        self.inner.flush().await
    }
}

impl<W> core::fmt::Debug for StreamWriter<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamWriter")
            .field("pending", &self.out.len())
            .field("closing", &self.closed)
            .finish_non_exhaustive()
    }
}

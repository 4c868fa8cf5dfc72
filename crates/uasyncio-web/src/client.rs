//! A small HTTP/1.1 client (one request per connection), for webhooks:
//! [`post_json`] over TCP ([`Tcp`]) or the runtime's in-memory network
//! (the [`Connect`] impl for `MemoryNetwork`, for tests on virtual time).
//!
//! URLs are parsed by the `http` crate, responses by `httparse`.

use std::io;

use embedded_io_async::{Read, Write};
use serde::Serialize;
use uasyncio::stream::memory::{MemoryNetwork, PipeReader, PipeWriter};
use uasyncio::stream::{Close, StreamError};
use uasyncio::{StreamReader, StreamWriter};

/// How to open a connection to `host:port`.
///
/// ```
/// use uasyncio_web::client::{Connect, Tcp};
/// uasyncio::run(async {
///     let refused = Tcp.connect("127.0.0.1", 1).await;
///     assert!(refused.is_err());
/// });
/// ```
#[allow(async_fn_in_trait)]
pub trait Connect {
    /// The reading half's transport.
    type Reader: Read<Error = io::Error>;
    /// The writing half's transport.
    type Writer: Write<Error = io::Error> + Close;

    /// Opens a connection.
    ///
    /// # Errors
    /// Whatever the transport says (refused, unreachable, …).
    async fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> io::Result<(StreamReader<Self::Reader>, StreamWriter<Self::Writer>)>;
}

/// TCP through [`uasyncio::open_connection`] (needs the real clock).
///
/// ```
/// let _tcp = uasyncio_web::client::Tcp;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Tcp;

impl Connect for Tcp {
    type Reader = uasyncio::stream::TcpReader;
    type Writer = uasyncio::stream::TcpWriter;

    async fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> io::Result<(StreamReader<Self::Reader>, StreamWriter<Self::Writer>)> {
        uasyncio::open_connection(host, port).await
    }
}

/// The in-memory network: the host is ignored, the port is the server's.
impl Connect for MemoryNetwork {
    type Reader = PipeReader;
    type Writer = PipeWriter;

    async fn connect(
        &self,
        _host: &str,
        port: u16,
    ) -> io::Result<(StreamReader<PipeReader>, StreamWriter<PipeWriter>)> {
        self.open_connection(port).await
    }
}

/// A response: its status and body.
///
/// ```
/// let reply = uasyncio_web::client::Reply { status: 204, body: Vec::new() };
/// assert!(reply.is_success());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A 2xx status.
    ///
    /// ```
    /// assert!(!uasyncio_web::client::Reply { status: 500, body: vec![] }.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// POSTs `value` as JSON to `url` (`http://host[:port]/path`) and reads
/// the response (`Connection: close`).
///
/// # Errors
/// `InvalidInput` for a URL that is not `http://…` with a host; the
/// transport's error (refused, reset); `InvalidData` for a response that
/// does not parse. Bound the time with `uasyncio::wait_for`.
///
/// ```
/// use uasyncio_web::{App, client};
/// uasyncio::run(async {
///     let app = App::new().post("/hook", |req| async move { format!("got {} bytes", req.body().len()) });
///     let server = app.serve("127.0.0.1", 0).await.unwrap();
///     let url = format!("http://127.0.0.1:{}/hook", server.local_addr().port());
///     let reply = client::post_json(&client::Tcp, &url, &serde_json::json!({"pot": 1})).await.unwrap();
///     assert_eq!((reply.status, reply.body), (200, b"got 9 bytes".to_vec()));
///     server.close();
/// });
/// ```
pub async fn post_json<C: Connect, T: Serialize + ?Sized>(connector: &C, url: &str, value: &T) -> io::Result<Reply> {
    let uri: http::Uri = url.parse().map_err(|e| invalid_input(format!("{url:?} is not a URL: {e}")))?;
    if uri.scheme_str() != Some("http") {
        return Err(invalid_input(format!("{url:?}: only http:// URLs are supported")));
    }
    let host = uri.host().ok_or_else(|| invalid_input(format!("{url:?} has no host")))?;
    let port = uri.port_u16().unwrap_or(80);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let body = serde_json::to_vec(value).map_err(|e| invalid_input(format!("the body does not serialize: {e}")))?;
    let (mut reader, mut writer) = connector.connect(host, port).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    writer.write(head.as_bytes());
    writer.write(&body);
    writer.drain().await?;
    let reply = read_reply(&mut reader).await;
    writer.close();
    let _ = writer.wait_closed().await;
    reply
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Reads a response to the end of the connection; at most 1 MiB.
async fn read_reply<R: Read>(reader: &mut StreamReader<R>) -> io::Result<Reply>
where
    R::Error: StreamError + Into<io::Error>,
{
    const MAX: usize = 1 << 20;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        let n = reader.readinto(&mut chunk).await.map_err(Into::into)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the response is over 1 MiB"));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(&buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed inside the response head"));
        }
        Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("malformed response: {e}"))),
    };
    let status = parsed.code.unwrap_or(0);
    let length = parsed
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok());
    let mut body = buf.split_off(head_len);
    if let Some(length) = length {
        body.truncate(length);
    }
    Ok(Reply { status, body })
}

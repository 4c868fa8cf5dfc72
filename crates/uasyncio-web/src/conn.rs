//! One connection: read a request (httparse), run its handler as a task,
//! write the response; again while keep-alive lasts.

use std::cell::Cell;
use std::fmt::Write as _;
use std::rc::Rc;

use embedded_io_async::{Read, Write};
use uasyncio::stream::{Close, PeerAddr, StreamError};
use uasyncio::{StreamReader, StreamWriter, TaskError};

use crate::response::{Body, reason};
use crate::{App, Found, HttpError, IntoResponse, Limits, Request, Response, bump};

/// The server's counters, shared by its connections.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) open: Cell<usize>,
    pub(crate) connections: Cell<u64>,
    pub(crate) requests: Cell<u64>,
    pub(crate) panics: Cell<u64>,
}

/// Counts a connection open while it lives.
struct Open(Rc<Counters>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.set(self.0.open.get() - 1);
    }
}

/// Why no request was read.
enum NoRequest {
    /// The client closed (or reset) the connection, or sent part of a head
    /// then closed: nothing to answer.
    Closed,
    /// Answer with this error, then close.
    Refuse(HttpError),
}

/// A request and whether the connection stays open after its response.
struct Incoming {
    request: Request,
    keep_alive: bool,
    head_only: bool,
    /// HTTP/1.1: streamed bodies are chunked. HTTP/1.0 has no chunks: a
    /// streamed body is sent as it comes and ends with the connection.
    http11: bool,
}

pub(crate) async fn serve<R, W>(
    app: Rc<App>,
    counters: Rc<Counters>,
    mut reader: StreamReader<R>,
    mut writer: StreamWriter<W>,
) where
    R: Read + PeerAddr,
    R::Error: StreamError,
    W: Write + Close,
    W::Error: StreamError,
{
    bump(&counters.connections);
    counters.open.set(counters.open.get() + 1);
    let _open = Open(counters.clone());
    let limits = app.limits;
    if counters.open.get() > limits.max_connections {
        let busy = HttpError::new(503, "too many connections; try again later");
        let _ = send(&mut writer, busy.into_response(), CLOSE).await;
        bump(&counters.requests);
        writer.close();
        let _ = writer.wait_closed().await;
        return;
    }
    let peer = reader.peer_addr();
    // What was read beyond the last request (a pipelined next one).
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let read = uasyncio::wait_for_ms(read_request(&mut reader, &mut buf, &limits), limits.idle_timeout_ms).await;
        let incoming = match read {
            Ok(Ok(incoming)) => incoming,
            Ok(Err(NoRequest::Closed)) => break,
            Ok(Err(NoRequest::Refuse(error))) => {
                bump(&counters.requests);
                let _ = send(&mut writer, error.into_response(), CLOSE).await;
                break;
            }
            Err(uasyncio::TimeoutError) => {
                // Idle between requests: just close. Part of a request: 408.
                if !buf.is_empty() {
                    bump(&counters.requests);
                    let late = HttpError::new(408, "the request took too long to arrive");
                    let _ = send(&mut writer, late.into_response(), CLOSE).await;
                }
                break;
            }
        };
        let Incoming { mut request, mut keep_alive, head_only, http11 } = incoming;
        request.peer = peer;
        let response = dispatch(&app, &counters, request).await;
        bump(&counters.requests);
        if !http11 && matches!(response.body, Body::Stream(_)) {
            keep_alive = false;
        }
        let framing = Framing { keep_alive, head_only, chunked: http11 };
        if send(&mut writer, response, framing).await.is_err() || !keep_alive {
            break;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

/// Finds the route and runs its handler as a task; a panic gives 500.
async fn dispatch(app: &App, counters: &Counters, mut request: Request) -> Response {
    match app.find(&request.method, &request.path) {
        Found::Route(handler, params) => {
            request.params = params;
            let (method, path) = (request.method.clone(), request.path.clone());
            match uasyncio::create_task(handler(request)).await {
                Ok(response) => response,
                Err(TaskError::Panicked(message)) => {
                    bump(&counters.panics);
                    eprintln!("uasyncio-web: the handler of {method} {path} panicked: {message}; answered 500");
                    HttpError::new(500, "the handler failed").into_response()
                }
                Err(TaskError::Cancelled) => HttpError::new(503, "the handler was cancelled").into_response(),
            }
        }
        Found::OtherMethods(allowed) => HttpError::new(405, format!("{} is not allowed here", request.method))
            .into_response()
            .with_header("Allow", &allowed.join(", ")),
        Found::Nothing => HttpError::new(404, format!("nothing at {}", request.path)).into_response(),
    }
}

/// Reads one request: the head into `buf` until httparse has it whole,
/// then the body by its `Content-Length`. Leaves what follows in `buf`.
async fn read_request<R>(
    reader: &mut StreamReader<R>,
    buf: &mut Vec<u8>,
    limits: &Limits,
) -> Result<Incoming, NoRequest>
where
    R: Read,
    R::Error: StreamError,
{
    let mut chunk = [0u8; 2048];
    let (head_len, mut incoming, content_length) = loop {
        if !buf.is_empty()
            && let Some(parsed) = parse_head(buf, limits)?
        {
            break parsed;
        }
        if buf.len() >= limits.max_header_bytes {
            return Err(too_large(buf, limits));
        }
        let n = reader.readinto(&mut chunk).await.map_err(|_| NoRequest::Closed)?;
        if n == 0 {
            return Err(NoRequest::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    if head_len > limits.max_header_bytes {
        return Err(too_large(buf, limits));
    }
    buf.drain(..head_len);
    if content_length > limits.max_body_bytes {
        let message = format!("the body ({content_length} bytes) is over the limit of {} bytes", limits.max_body_bytes);
        return Err(NoRequest::Refuse(HttpError::new(413, message)));
    }
    while buf.len() < content_length {
        let n = reader.readinto(&mut chunk).await.map_err(|_| NoRequest::Closed)?;
        if n == 0 {
            return Err(NoRequest::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    incoming.request.body = buf.drain(..content_length).collect();
    Ok(incoming)
}

/// 414 if the request line alone is over the header limit, else 431.
fn too_large(buf: &[u8], limits: &Limits) -> NoRequest {
    match buf.iter().position(|&b| b == b'\n') {
        Some(end) if end < limits.max_header_bytes => {
            NoRequest::Refuse(HttpError::new(431, "the request's headers are too large"))
        }
        _ => NoRequest::Refuse(HttpError::new(414, "the request line is too long")),
    }
}

/// Parses the head in `buf`: `None` while it is incomplete, else its length,
/// the request (without body) and the body's length.
fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<(usize, Incoming, usize)>, NoRequest> {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(NoRequest::Refuse(HttpError::new(431, "the request has too many headers")));
        }
        Err(e) => return Err(NoRequest::Refuse(HttpError::bad_request(format!("malformed request: {e}")))),
    };
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version) else {
        return Err(NoRequest::Refuse(HttpError::bad_request("malformed request line")));
    };
    let mut header_list = Vec::with_capacity(parsed.headers.len());
    for h in parsed.headers.iter() {
        let Ok(value) = std::str::from_utf8(h.value) else {
            return Err(NoRequest::Refuse(HttpError::bad_request(format!("header {} is not UTF-8", h.name))));
        };
        header_list.push((h.name.to_string(), value.trim().to_string()));
    }
    let header = |name: &str| header_list.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    if header("Transfer-Encoding").is_some() {
        return Err(NoRequest::Refuse(HttpError::new(
            501,
            "chunked request bodies are not supported; send Content-Length",
        )));
    }
    let content_length = match header("Content-Length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| NoRequest::Refuse(HttpError::bad_request(format!("Content-Length {v:?} is not a number"))))?,
    };
    let connection = header("Connection").map(str::to_ascii_lowercase);
    let keep_alive = match version {
        1 => connection.as_deref() != Some("close"),
        _ => connection.as_deref() == Some("keep-alive"),
    };
    let (path, query) = crate::request::split_target(target);
    let request = Request {
        method: method.to_string(),
        path,
        query,
        headers: header_list,
        body: Vec::new(),
        params: Vec::new(),
        peer: None,
    };
    let head_only = method == "HEAD";
    Ok(Some((head_len, Incoming { request, keep_alive, head_only, http11: version == 1 }, content_length)))
}

/// Writes `response`; streamed bodies chunk by chunk. An error means the
/// client has gone.
/// How a response goes on the wire.
#[derive(Clone, Copy)]
struct Framing {
    keep_alive: bool,
    head_only: bool,
    /// Streamed bodies in chunks (else raw, ended by closing).
    chunked: bool,
}

const CLOSE: Framing = Framing { keep_alive: false, head_only: false, chunked: true };

async fn send<W>(writer: &mut StreamWriter<W>, response: Response, framing: Framing) -> Result<(), ()>
where
    W: Write,
    W::Error: StreamError,
{
    let Framing { keep_alive, head_only, chunked } = framing;
    let Response { status, headers, body } = response;
    let mut head = String::with_capacity(128);
    let _ = write!(head, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in &headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    match &body {
        Body::Bytes(b) => {
            let _ = write!(head, "Content-Length: {}\r\n", b.len());
        }
        Body::Static(b) => {
            let _ = write!(head, "Content-Length: {}\r\n", b.len());
        }
        Body::Stream(_) if chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
        Body::Stream(_) => {}
    }
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    writer.write(head.as_bytes());
    match body {
        _ if head_only => {}
        Body::Bytes(b) => writer.write(&b),
        Body::Static(b) => writer.write(b),
        Body::Stream(mut next) => {
            writer.drain().await.map_err(drop)?;
            while let Some(chunk) = next().await {
                if chunk.is_empty() {
                    continue;
                }
                if chunked {
                    writer.write(format!("{:x}\r\n", chunk.len()).as_bytes());
                    writer.write(&chunk);
                    writer.write(b"\r\n");
                } else {
                    writer.write(&chunk);
                }
                writer.drain().await.map_err(drop)?;
            }
            if chunked {
                writer.write(b"0\r\n\r\n");
            }
        }
    }
    writer.drain().await.map_err(drop)
}

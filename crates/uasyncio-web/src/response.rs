//! What a handler returns: [`Response`], or anything [`IntoResponse`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

/// Produces a streamed body's next chunk; `None` ends the body.
pub(crate) type NextChunk = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Option<Vec<u8>>>>>>;

pub(crate) enum Body {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    Stream(NextChunk),
}

/// An HTTP response: a status, headers and a body (bytes, or a stream sent
/// with chunked transfer encoding as it is produced).
///
/// `Content-Length`, `Transfer-Encoding` and `Connection` are the server's:
/// it writes them.
///
/// ```
/// use uasyncio_web::Response;
/// let response = Response::text("LED is on").with_header("X-Pin", "14");
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
/// assert_eq!(response.body_bytes(), Some(&b"LED is on"[..]));
/// ```
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Response {
    /// An empty response with `status`.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::new(204).status(), 204);
    /// ```
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Body::Bytes(Vec::new()) }
    }

    /// 200 with a `text/plain` body.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::text("hi").body_bytes(), Some(&b"hi"[..]));
    /// ```
    pub fn text(text: impl Into<String>) -> Response {
        Response::bytes("text/plain; charset=utf-8", text.into().into_bytes())
    }

    /// 200 with a `text/html` body.
    ///
    /// ```
    /// let page = uasyncio_web::Response::html("<h1>Board</h1>");
    /// assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    /// ```
    pub fn html(html: impl Into<String>) -> Response {
        Response::bytes("text/html; charset=utf-8", html.into().into_bytes())
    }

    /// 200 with `value` as a JSON body.
    ///
    /// ```
    /// let response = uasyncio_web::Response::json(&serde_json::json!({"gpio": 14, "level": 1}));
    /// assert_eq!(response.body_bytes(), Some(&br#"{"gpio":14,"level":1}"#[..]));
    /// assert_eq!(response.header("content-type"), Some("application/json"));
    /// ```
    ///
    /// A value that does not serialize (a map with non-string keys) gives a 500.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response::bytes("application/json", body),
            Err(e) => HttpError::new(500, format!("the response does not serialize to JSON: {e}")).into_response(),
        }
    }

    /// 200 with `body` of `content_type`.
    ///
    /// ```
    /// let response = uasyncio_web::Response::bytes("application/octet-stream", vec![0, 1]);
    /// assert_eq!(response.body_bytes(), Some(&[0, 1][..]));
    /// ```
    pub fn bytes(content_type: &str, body: Vec<u8>) -> Response {
        Response::new(200).with_header("Content-Type", content_type).with_body(Body::Bytes(body))
    }

    /// 200 with a file embedded in the program (`include_str!`/`include_bytes!`);
    /// nothing is copied.
    ///
    /// ```
    /// static PAGE: &str = "<p>hello</p>";
    /// let response = uasyncio_web::Response::embedded("text/html", PAGE.as_bytes());
    /// assert_eq!(response.body_bytes(), Some(PAGE.as_bytes()));
    /// ```
    pub fn embedded(content_type: &str, body: &'static [u8]) -> Response {
        Response::new(200).with_header("Content-Type", content_type).with_body(Body::Static(body))
    }

    /// 200 with the file at `path` read from disk, its content type guessed
    /// from its extension; 404 if it cannot be read. The read blocks the
    /// loop while it lasts (`std::fs`): for the small files of a board's
    /// page; embed them ([`embedded`](Self::embedded)) where you can.
    ///
    /// ```
    /// let response = uasyncio_web::Response::file("Cargo.toml");
    /// assert_eq!(response.status(), 200);
    /// assert_eq!(uasyncio_web::Response::file("no/such/file").status(), 404);
    /// ```
    pub fn file(path: impl AsRef<std::path::Path>) -> Response {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(body) => {
                let mime = mime_guess::from_path(path).first_or_octet_stream();
                Response::bytes(mime.essence_str(), body)
            }
            Err(_) => HttpError::new(404, "Not Found").into_response(),
        }
    }

    /// 302 Found to `location`.
    ///
    /// ```
    /// let response = uasyncio_web::Response::redirect("/dashboard");
    /// assert_eq!((response.status(), response.header("location")), (302, Some("/dashboard")));
    /// ```
    pub fn redirect(location: &str) -> Response {
        Response::new(302).with_header("Location", location)
    }

    /// A body streamed as `next` produces it: each `Some(chunk)` is sent at
    /// once (chunked transfer encoding), `None` ends the response. If the
    /// client goes away the stream is dropped at the next chunk.
    ///
    /// ```
    /// let mut left = 3;
    /// let response = uasyncio_web::Response::stream("text/plain", move || {
    ///     left -= 1;
    ///     let chunk = (left >= 0).then(|| format!("{left}\n").into_bytes());
    ///     async move { chunk }
    /// });
    /// assert_eq!(response.body_bytes(), None); // not known in advance
    /// ```
    pub fn stream<F, Fut>(content_type: &str, mut next: F) -> Response
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = Option<Vec<u8>>> + 'static,
    {
        let next: NextChunk = Box::new(move || Box::pin(next()));
        Response::new(200).with_header("Content-Type", content_type).with_body(Body::Stream(next))
    }

    /// A Server-Sent Events stream (`text/event-stream`): each event `next`
    /// produces is sent as it comes; `None` ends the stream. In the page:
    /// `new EventSource(url).onmessage = e => …`.
    ///
    /// ```
    /// use uasyncio_web::{Response, SseEvent};
    /// let response = Response::sse(|| async {
    ///     uasyncio::sleep_ms(100).await;
    ///     Some(SseEvent::data("tick"))
    /// });
    /// assert_eq!(response.header("content-type"), Some("text/event-stream"));
    /// ```
    pub fn sse<F, Fut>(mut next: F) -> Response
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = Option<SseEvent>> + 'static,
    {
        let next: NextChunk = Box::new(move || {
            let event = next();
            Box::pin(async move { event.await.map(|e| e.to_string().into_bytes()) })
        });
        Response::new(200)
            .with_header("Content-Type", "text/event-stream")
            .with_header("Cache-Control", "no-cache")
            .with_body(Body::Stream(next))
    }

    /// The same response with another status.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::text("made").with_status(201).status(), 201);
    /// ```
    pub fn with_status(mut self, status: u16) -> Response {
        self.status = status;
        self
    }

    /// The same response with one more header (a header of that name is
    /// replaced).
    ///
    /// ```
    /// let response = uasyncio_web::Response::text("x").with_header("Content-Type", "text/csv");
    /// assert_eq!(response.header("content-type"), Some("text/csv"));
    /// ```
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn with_body(mut self, body: Body) -> Response {
        self.body = body;
        self
    }

    /// The status code.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::new(404).status(), 404);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The header called `name` (case-insensitive).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::redirect("/").header("LOCATION"), Some("/"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body, unless it is streamed.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Response::new(204).body_bytes(), Some(&[][..]));
    /// ```
    pub fn body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(b) => Some(b),
            Body::Static(b) => Some(b),
            Body::Stream(_) => None,
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("status", &self.status).field("headers", &self.headers).finish_non_exhaustive()
    }
}

/// One Server-Sent Event: `data` lines, and optionally an `event` name and an `id`.
///
/// ```
/// use uasyncio_web::SseEvent;
/// assert_eq!(SseEvent::data("a\nb").event("pins").to_string(), "event: pins\ndata: a\ndata: b\n\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    event: Option<String>,
    id: Option<String>,
    data: String,
}

impl SseEvent {
    /// An event carrying `data` (several lines are sent as several `data:` lines).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::SseEvent::data("1").to_string(), "data: 1\n\n");
    /// ```
    pub fn data(data: impl Into<String>) -> SseEvent {
        SseEvent { event: None, id: None, data: data.into() }
    }

    /// An event carrying `value` as JSON (`JSON.parse(e.data)` in the page).
    ///
    /// ```
    /// let event = uasyncio_web::SseEvent::json(&serde_json::json!({"led": true}));
    /// assert_eq!(event.to_string(), "data: {\"led\":true}\n\n");
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> SseEvent {
        SseEvent::data(serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string())))
    }

    /// The same event with a name (`addEventListener(name, …)` in the page).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::SseEvent::data("x").event("pin").to_string(), "event: pin\ndata: x\n\n");
    /// ```
    pub fn event(mut self, name: &str) -> SseEvent {
        self.event = Some(name.replace(['\r', '\n'], ""));
        self
    }

    /// The same event with an id (the browser sends it back as
    /// `Last-Event-ID` when it reconnects).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::SseEvent::data("x").id("7").to_string(), "id: 7\ndata: x\n\n");
    /// ```
    pub fn id(mut self, id: &str) -> SseEvent {
        self.id = Some(id.replace(['\r', '\n'], ""));
        self
    }
}

/// The event in the `text/event-stream` format.
impl fmt::Display for SseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(event) = &self.event {
            writeln!(f, "event: {event}")?;
        }
        if let Some(id) = &self.id {
            writeln!(f, "id: {id}")?;
        }
        for line in self.data.split('\n') {
            writeln!(f, "data: {}", line.trim_end_matches('\r'))?;
        }
        writeln!(f)
    }
}

/// An error a handler returns (or the server sends): a 4xx/5xx status and
/// a message, sent as `text/plain`.
///
/// ```
/// use uasyncio_web::{HttpError, IntoResponse};
/// let error = HttpError::new(404, "no such pin");
/// let response = error.into_response();
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.body_bytes(), Some(&b"no such pin\n"[..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    status: u16,
    message: String,
}

impl HttpError {
    /// An error with `status` and `message`.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::HttpError::new(409, "busy").status(), 409);
    /// ```
    pub fn new(status: u16, message: impl Into<String>) -> HttpError {
        HttpError { status, message: message.into() }
    }

    /// 400 Bad Request with `message`.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::HttpError::bad_request("no").status(), 400);
    /// ```
    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(400, message)
    }

    /// The status code.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::HttpError::new(418, "teapot").status(), 418);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message.
    ///
    /// ```
    /// assert_eq!(uasyncio_web::HttpError::new(418, "teapot").message(), "teapot");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, reason(self.status), self.message)
    }
}

impl std::error::Error for HttpError {}

/// What a handler may return.
///
/// ```
/// use uasyncio_web::{HttpError, IntoResponse};
/// assert_eq!("hi".into_response().status(), 200);
/// assert_eq!((201, "made").into_response().status(), 201);
/// assert_eq!(serde_json::json!([1, 2]).into_response().body_bytes(), Some(&b"[1,2]"[..]));
/// let failed: Result<&str, HttpError> = Err(HttpError::new(409, "busy"));
/// assert_eq!(failed.into_response().status(), 409);
/// ```
pub trait IntoResponse {
    /// The response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        Response::json(&self)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        Response::text(format!("{}\n", self.message)).with_status(self.status)
    }
}

impl<R: IntoResponse> IntoResponse for (u16, R) {
    fn into_response(self) -> Response {
        self.1.into_response().with_status(self.0)
    }
}

impl<R: IntoResponse, E: IntoResponse> IntoResponse for Result<R, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

/// The reason phrase of `status`.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

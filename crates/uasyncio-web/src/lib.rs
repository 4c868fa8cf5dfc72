//! A small Microdot-style web framework on uasyncio's streams.
//!
//! Routes with a method and path parameters, query strings, headers, bodies
//! (bounded by a limit), JSON, static and embedded files, redirects,
//! streamed responses and Server-Sent Events, keep-alive, and the limits a
//! server on a small board needs (header size, body size, connections,
//! idle timeout), each answered with the status a browser expects.
//!
//! ```
//! use uasyncio_web::{App, Request, Response};
//!
//! uasyncio::run(async {
//!     let app = App::new()
//!         .get("/", |_| async { Response::html("<h1>Board</h1>") })
//!         .get("/pins/<int:gpio>", |req: Request| async move {
//!             let gpio: u8 = req.param_as("gpio")?;
//!             Ok::<_, uasyncio_web::HttpError>(Response::json(&serde_json::json!({"gpio": gpio, "level": 1})))
//!         });
//!     let server = app.serve("127.0.0.1", 0).await.unwrap();
//!     let port = server.local_addr().port();
//!     let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
//!     writer.write(b"GET /pins/14 HTTP/1.1\r\nHost: board\r\nConnection: close\r\n\r\n");
//!     writer.drain().await.unwrap();
//!     let response = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
//!     assert!(response.starts_with("HTTP/1.1 200 OK\r\n"));
//!     assert!(response.ends_with(r#"{"gpio":14,"level":1}"#));
//!     server.close();
//!     server.wait_closed().await;
//! });
//! ```
//!
//! # How it is built
//!
//! Requests are parsed by [`httparse`] (hyper's parser: zero-copy, fuzzed,
//! maintained); this crate only reads bytes into a bounded buffer until
//! httparse says the head is complete, then reads the body by its
//! `Content-Length`. picoserve (which also runs on these streams, see the
//! runtime's `tests/streams_ecosystem.rs`) was the other choice; it was not
//! taken because its handlers are typed extractor chains with their own
//! routing, it gives no hook to answer a panicking handler with a 500, and
//! its limits are compile-time buffer sizes rather than the 413/431/408
//! answers asked for here. With httparse the whole server is the
//! connection loop in `conn.rs`.
//!
//! Each connection is a task (the stream server's); each request's handler
//! runs as a task of its own, awaited by the connection: a handler that
//! panics ends only that task, the connection answers 500 and goes on, and
//! so does the server (the runtime catches the panic of a task and keeps
//! its loop running, see `uasyncio::TaskError::Panicked`).
//!
//! Path patterns, as in Microdot: `/pins/<gpio>` (one segment),
//! `/pins/<int:gpio>` (digits only), `/static/<path:rest>` (the rest of the
//! path). A path that matches a route of another method gets 405 with
//! `Allow`; `HEAD` runs the `GET` route and sends no body.

#![warn(missing_docs)]

pub mod client;
mod conn;
mod request;
mod response;

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;

pub use request::{Request, RequestBuilder};
pub use response::{HttpError, IntoResponse, Response, SseEvent};

/// The bounds the server keeps whatever clients send.
///
/// ```
/// let limits = uasyncio_web::Limits { max_body_bytes: 1024, ..uasyncio_web::Limits::default() };
/// let _app = uasyncio_web::App::new().limits(limits);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The request line and headers together, in bytes; more gets 431
    /// (a request line alone that long: 414).
    pub max_header_bytes: usize,
    /// Headers in one request; more gets 431.
    pub max_headers: usize,
    /// A body's `Content-Length`; more gets 413 (the body is not read).
    pub max_body_bytes: usize,
    /// Connections served at once; one more gets 503 and is closed.
    pub max_connections: usize,
    /// How long a connection may wait for a whole request (from the end of
    /// the last response, or from accepting it), in ms: an idle keep-alive
    /// connection is closed then, a slow one (slowloris) gets 408 and is
    /// closed.
    pub idle_timeout_ms: u64,
}

impl Default for Limits {
    /// 8 KiB of head, 32 headers, 64 KiB of body, 16 connections, 10 s.
    ///
    /// ```
    /// let limits = uasyncio_web::Limits::default();
    /// assert_eq!((limits.max_header_bytes, limits.max_connections, limits.idle_timeout_ms), (8192, 16, 10_000));
    /// ```
    fn default() -> Limits {
        Limits {
            max_header_bytes: 8192,
            max_headers: 32,
            max_body_bytes: 64 * 1024,
            max_connections: 16,
            idle_timeout_ms: 10_000,
        }
    }
}

type Handler = Rc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response>>>>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Int(String),
    Rest(String),
}

struct Route {
    method: String,
    pattern: Vec<Segment>,
    handler: Handler,
}

/// Splits a pattern (`/pins/<int:gpio>`) into segments.
fn parse_pattern(pattern: &str) -> Vec<Segment> {
    assert!(pattern.starts_with('/'), "route pattern {pattern:?} must start with '/'");
    let segments: Vec<Segment> = pattern[1..]
        .split('/')
        .map(|s| match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
            Some(inner) => match inner.split_once(':') {
                None => Segment::Param(inner.to_string()),
                Some(("int", name)) => Segment::Int(name.to_string()),
                Some(("path", name)) => Segment::Rest(name.to_string()),
                Some((kind, _)) => {
                    panic!("route pattern {pattern:?}: unknown parameter type {kind:?} (use <name>, <int:name> or <path:name>)")
                }
            },
            None => Segment::Literal(s.to_string()),
        })
        .collect();
    if let Some(i) = segments.iter().position(|s| matches!(s, Segment::Rest(_))) {
        assert!(i + 1 == segments.len(), "route pattern {pattern:?}: <path:…> must be the last segment");
    }
    segments
}

/// The parameters if `path` matches `pattern`.
fn match_path(pattern: &[Segment], path: &str) -> Option<Vec<(String, String)>> {
    let path = path.strip_prefix('/')?;
    let mut parts = path.split('/');
    let mut params = Vec::new();
    for (i, segment) in pattern.iter().enumerate() {
        if let Segment::Rest(name) = segment {
            let rest: Vec<&str> = path.split('/').skip(i).collect();
            params.push((name.clone(), rest.join("/")));
            return Some(params);
        }
        let part = parts.next()?;
        match segment {
            Segment::Literal(l) if l == part => {}
            Segment::Param(name) if !part.is_empty() => params.push((name.clone(), part.to_string())),
            Segment::Int(name) if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => {
                params.push((name.clone(), part.to_string()));
            }
            _ => return None,
        }
    }
    parts.next().is_none().then_some(params)
}

/// What the router found for a request.
pub(crate) enum Found {
    Route(Handler, Vec<(String, String)>),
    /// The path is known under these other methods.
    OtherMethods(Vec<String>),
    Nothing,
}

/// A web application: its routes, static directories and limits. Build it,
/// then [`serve`](App::serve) it (or give it connections with
/// [`serve_connection`](App::serve_connection)).
///
/// ```
/// use uasyncio_web::{App, Response};
/// let _app = App::new()
///     .get("/", |_| async { Response::redirect("/index.html") })
///     .embedded("/index.html", "text/html", b"<h1>hello</h1>")
///     .post("/led", |req| async move { format!("LED {}", req.text().unwrap_or("?")) });
/// ```
pub struct App {
    routes: Vec<Route>,
    static_dirs: Vec<(Vec<Segment>, PathBuf)>,
    limits: Limits,
}

impl Default for App {
    fn default() -> App {
        App::new()
    }
}

impl App {
    /// An application without routes (every request gets 404), with the
    /// default [`Limits`].
    ///
    /// ```
    /// let _app = uasyncio_web::App::new();
    /// ```
    pub fn new() -> App {
        App { routes: Vec::new(), static_dirs: Vec::new(), limits: Limits::default() }
    }

    /// The same application with other limits.
    ///
    /// ```
    /// let app = uasyncio_web::App::new().limits(uasyncio_web::Limits { idle_timeout_ms: 500, ..Default::default() });
    /// # drop(app);
    /// ```
    pub fn limits(mut self, limits: Limits) -> App {
        self.limits = limits;
        self
    }

    /// Routes `method` requests for paths matching `pattern` to `handler`
    /// (see the [crate] docs for patterns). Routes are tried in the
    /// order added.
    ///
    /// # Panics
    /// If `pattern` does not start with `/`, has an unknown parameter type,
    /// or a `<path:…>` that is not last.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().route("PATCH", "/pwm/<int:gpio>", |req| async move {
    ///     format!("duty of {} set", req.param("gpio").unwrap())
    /// });
    /// ```
    pub fn route<F, Fut, R>(mut self, method: &str, pattern: &str, handler: F) -> App
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: IntoResponse,
    {
        let handler: Handler = Rc::new(move |req| {
            let fut = handler(req);
            Box::pin(async move { fut.await.into_response() })
        });
        self.routes.push(Route { method: method.to_ascii_uppercase(), pattern: parse_pattern(pattern), handler });
        self
    }

    /// A `GET` route (also answering `HEAD`).
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().get("/hello/<name>", |req| async move {
    ///     format!("hello {}", req.param("name").unwrap())
    /// });
    /// ```
    pub fn get<F, Fut, R>(self, pattern: &str, handler: F) -> App
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: IntoResponse,
    {
        self.route("GET", pattern, handler)
    }

    /// A `POST` route.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().post("/echo", |req| async move { req.body().to_vec().len().to_string() });
    /// ```
    pub fn post<F, Fut, R>(self, pattern: &str, handler: F) -> App
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: IntoResponse,
    {
        self.route("POST", pattern, handler)
    }

    /// A `PUT` route.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().put("/pot", |_| async { "set" });
    /// ```
    pub fn put<F, Fut, R>(self, pattern: &str, handler: F) -> App
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: IntoResponse,
    {
        self.route("PUT", pattern, handler)
    }

    /// A `DELETE` route.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().delete("/log", |_| async { "cleared" });
    /// ```
    pub fn delete<F, Fut, R>(self, pattern: &str, handler: F) -> App
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: IntoResponse,
    {
        self.route("DELETE", pattern, handler)
    }

    /// Serves `body` (embedded in the program, e.g. `include_str!("page.html").as_bytes()`)
    /// at `path` for `GET`.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().embedded("/app.js", "text/javascript", b"console.log(1)");
    /// ```
    pub fn embedded(self, path: &str, content_type: &'static str, body: &'static [u8]) -> App {
        self.get(path, move |_| async move { Response::embedded(content_type, body) })
    }

    /// Serves the files under `dir` at `prefix` (`/static` serves
    /// `dir/app.css` as `/static/app.css`), for `GET` requests no route
    /// took. A path with a `..` segment gets 404.
    ///
    /// ```
    /// let _app = uasyncio_web::App::new().static_dir("/static", "assets");
    /// ```
    pub fn static_dir(mut self, prefix: &str, dir: impl Into<PathBuf>) -> App {
        let pattern = format!("{}/<path:file>", prefix.trim_end_matches('/'));
        self.static_dirs.push((parse_pattern(&pattern), dir.into()));
        self
    }

    pub(crate) fn find(&self, method: &str, path: &str) -> Found {
        let wanted = if method == "HEAD" { "GET" } else { method };
        let mut others = Vec::new();
        for route in &self.routes {
            if let Some(params) = match_path(&route.pattern, path) {
                if route.method == wanted {
                    return Found::Route(route.handler.clone(), params);
                }
                if !others.contains(&route.method) {
                    others.push(route.method.clone());
                }
            }
        }
        if wanted == "GET" {
            for (pattern, dir) in &self.static_dirs {
                if let Some(params) = match_path(pattern, path) {
                    let file = &params[0].1;
                    if file.split('/').any(|s| s == ".." || s.is_empty()) {
                        continue;
                    }
                    let path = dir.join(file);
                    let handler: Handler = Rc::new(move |_| {
                        let path = path.clone();
                        Box::pin(async move { Response::file(path) })
                    });
                    return Found::Route(handler, Vec::new());
                }
            }
        }
        if others.is_empty() { Found::Nothing } else { Found::OtherMethods(others) }
    }

    /// Listens on `host:port` (port 0: a free one; a listen backlog of 128)
    /// and serves each connection as a task on the running loop, until
    /// [`WebServer::close`]. HTTP/1.1 streams are chunked; to an HTTP/1.0
    /// client a streamed body is sent as it comes and ends with the
    /// connection.
    ///
    /// # Errors
    /// As [`uasyncio::start_server`]: the address is in use, the host does
    /// not resolve, or the loop has no I/O poller (a virtual clock).
    ///
    /// ```
    /// uasyncio::run(async {
    ///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
    ///     assert_ne!(server.local_addr().port(), 0);
    ///     server.close();
    ///     server.wait_closed().await;
    /// });
    /// ```
    pub async fn serve(self, host: &str, port: u16) -> io::Result<WebServer> {
        let app = Rc::new(self);
        let stats = Rc::new(conn::Counters::default());
        let (handler_app, handler_stats) = (app.clone(), stats.clone());
        let server = uasyncio::start_server_with_backlog(
            move |reader, writer| conn::serve(handler_app.clone(), handler_stats.clone(), reader, writer),
            host,
            port,
            128,
        )
        .await?;
        Ok(WebServer { server, stats })
    }

    /// Serves on the runtime's in-memory network at `port` (tests on
    /// virtual time: a webhook receiver, a board's page).
    ///
    /// # Errors
    /// `AddrInUse` if something listens on `port` already.
    ///
    /// ```
    /// use uasyncio::stream::memory::MemoryNetwork;
    /// let reply = uasyncio::run_virtual(async {
    ///     let net = MemoryNetwork::new();
    ///     let app = uasyncio_web::App::new().post("/hook", |_| async { "thanks" });
    ///     let server = app.serve_memory(&net, 80).await.unwrap();
    ///     let reply = uasyncio_web::client::post_json(&net, "http://hooks/hook", &[1, 2]).await.unwrap();
    ///     server.close();
    ///     reply
    /// });
    /// assert_eq!((reply.status, reply.body), (200, b"thanks".to_vec()));
    /// ```
    pub async fn serve_memory(
        self,
        net: &uasyncio::stream::memory::MemoryNetwork,
        port: u16,
    ) -> io::Result<uasyncio::Server> {
        let app = Rc::new(self);
        let counters = Rc::new(conn::Counters::default());
        net.start_server(move |reader, writer| conn::serve(app.clone(), counters.clone(), reader, writer), port).await
    }

    /// Serves one connection given as its two halves (any transport: the
    /// runtime's in-memory network, a board's socket), until the client
    /// closes it or a limit does. [`serve`](App::serve) calls this for
    /// each TCP connection.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use uasyncio::stream::memory::duplex;
    /// let response = uasyncio::run_virtual(async {
    ///     let app = Rc::new(uasyncio_web::App::new().get("/", |_| async { "hi" }));
    ///     let ((server_reader, server_writer), (mut reader, mut writer)) = duplex();
    ///     uasyncio::create_task(app.serve_connection(server_reader, server_writer));
    ///     writer.write(b"GET / HTTP/1.0\r\n\r\n");
    ///     writer.drain().await.unwrap();
    ///     reader.read_to_end().await.unwrap()
    /// });
    /// assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    /// assert!(response.ends_with(b"\r\n\r\nhi"));
    /// ```
    pub async fn serve_connection<R, W>(
        self: Rc<Self>,
        reader: uasyncio::StreamReader<R>,
        writer: uasyncio::StreamWriter<W>,
    ) where
        R: embedded_io_async::Read + uasyncio::stream::PeerAddr,
        R::Error: uasyncio::stream::StreamError,
        W: embedded_io_async::Write + uasyncio::stream::Close,
        W::Error: uasyncio::stream::StreamError,
    {
        conn::serve(self, Rc::new(conn::Counters::default()), reader, writer).await;
    }
}

/// A running web server ([`App::serve`]).
///
/// ```
/// uasyncio::run(async {
///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
///     assert_eq!(server.stats().requests, 0);
///     server.close();
///     server.wait_closed().await;
/// });
/// ```
pub struct WebServer {
    server: uasyncio::Server,
    stats: Rc<conn::Counters>,
}

/// What a [`WebServer`] has done so far.
///
/// ```
/// let stats = uasyncio_web::Stats::default();
/// assert_eq!((stats.connections_open, stats.requests, stats.handler_panics), (0, 0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub connections_open: usize,
    /// Connections accepted in all (refused ones included).
    pub connections: u64,
    /// Requests answered (errors included).
    pub requests: u64,
    /// Handlers that panicked (each answered 500).
    pub handler_panics: u64,
}

impl WebServer {
    /// The address it listens on.
    ///
    /// ```
    /// uasyncio::run(async {
    ///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
    ///     assert!(server.local_addr().ip().is_loopback());
    ///     server.close();
    /// });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Stops accepting connections (those open go on).
    ///
    /// ```
    /// uasyncio::run(async {
    ///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
    ///     server.close();
    ///     server.wait_closed().await;
    /// });
    /// ```
    pub fn close(&self) {
        self.server.close();
    }

    /// Waits until the server has stopped accepting.
    ///
    /// ```
    /// uasyncio::run(async {
    ///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
    ///     server.close();
    ///     server.wait_closed().await;
    /// });
    /// ```
    pub async fn wait_closed(&self) {
        self.server.wait_closed().await;
    }

    /// The counters so far.
    ///
    /// ```
    /// uasyncio::run(async {
    ///     let server = uasyncio_web::App::new().serve("127.0.0.1", 0).await.unwrap();
    ///     assert_eq!(server.stats().connections_open, 0);
    ///     server.close();
    /// });
    /// ```
    pub fn stats(&self) -> Stats {
        self.stats.snapshot()
    }
}

impl conn::Counters {
    fn snapshot(&self) -> Stats {
        Stats {
            connections_open: self.open.get(),
            connections: self.connections.get(),
            requests: self.requests.get(),
            handler_panics: self.panics.get(),
        }
    }
}

/// Adds one to a counter.
fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_literals_params_ints_and_rests() {
        let p = parse_pattern("/pins/<int:gpio>/level");
        assert_eq!(match_path(&p, "/pins/14/level"), Some(vec![("gpio".into(), "14".into())]));
        assert_eq!(match_path(&p, "/pins/x/level"), None);
        assert_eq!(match_path(&p, "/pins/14"), None);
        assert_eq!(match_path(&p, "/pins/14/level/more"), None);
        let p = parse_pattern("/static/<path:file>");
        assert_eq!(match_path(&p, "/static/css/a.css"), Some(vec![("file".into(), "css/a.css".into())]));
        assert_eq!(match_path(&parse_pattern("/"), "/"), Some(vec![]));
        assert_eq!(match_path(&parse_pattern("/<name>"), "/"), None);
    }

    #[test]
    #[should_panic(expected = "unknown parameter type \"float\"")]
    fn an_unknown_parameter_type_is_refused() {
        parse_pattern("/<float:x>");
    }
}

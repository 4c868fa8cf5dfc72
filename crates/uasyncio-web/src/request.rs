//! What a handler gets: [`Request`].

use std::net::SocketAddr;
use std::str::FromStr;

use serde::de::DeserializeOwned;

use crate::response::HttpError;

/// One HTTP request, read whole (head and body) before the handler runs.
///
/// Handlers take it by value; [`App::route`](crate::App::route) fills in the
/// path parameters.
///
/// ```
/// use uasyncio_web::Request;
/// let request = Request::builder("GET", "/pins/14?level=1").header("Accept", "text/plain").build();
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.path(), "/pins/14");
/// assert_eq!(request.query("level"), Some("1"));
/// assert_eq!(request.header("accept"), Some("text/plain"));
/// ```
#[derive(Clone, Debug)]
pub struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) peer: Option<SocketAddr>,
}

impl Request {
    /// A request built by hand, to call a handler directly (tests) or to
    /// describe one. `target` is the path with its query string, if any.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("POST", "/led").body("on").build();
    /// assert_eq!(request.body(), b"on");
    /// ```
    pub fn builder(method: &str, target: &str) -> RequestBuilder {
        let (path, query) = split_target(target);
        RequestBuilder(Request {
            method: method.to_string(),
            path,
            query,
            headers: Vec::new(),
            body: Vec::new(),
            params: Vec::new(),
            peer: None,
        })
    }

    /// The method, as sent (`"GET"`, `"POST"`, …).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Request::builder("PUT", "/").build().method(), "PUT");
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, percent-decoded, without the query string.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/a%20b?x=1").build();
    /// assert_eq!(request.path(), "/a b");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The first value of the query parameter `name` (decoded), if given.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/?duty=50&name=a+b").build();
    /// assert_eq!(request.query("duty"), Some("50"));
    /// assert_eq!(request.query("name"), Some("a b"));
    /// assert_eq!(request.query("missing"), None);
    /// ```
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// All query parameters, decoded, in order.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/?a=1&a=2").build();
    /// assert_eq!(request.query_pairs(), [("a".to_string(), "1".to_string()), ("a".into(), "2".into())]);
    /// ```
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The path parameter `name` of the route (`/pins/<gpio>` gives `gpio`).
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").param("gpio", "14").build();
    /// assert_eq!(request.param("gpio"), Some("14"));
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The path parameter `name` parsed as a `T`.
    ///
    /// # Errors
    /// A 400 [`HttpError`] saying which parameter was missing or did not parse.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").param("gpio", "14").build();
    /// assert_eq!(request.param_as::<u8>("gpio"), Ok(14));
    /// assert_eq!(request.param_as::<u8>("duty").unwrap_err().status(), 400);
    /// ```
    pub fn param_as<T: FromStr>(&self, name: &str) -> Result<T, HttpError> {
        let value = self.param(name).ok_or_else(|| HttpError::bad_request(format!("no path parameter {name:?}")))?;
        value.parse().map_err(|_| HttpError::bad_request(format!("path parameter {name}={value:?} does not parse")))
    }

    /// The query parameter `name` parsed as a `T`.
    ///
    /// # Errors
    /// A 400 [`HttpError`] saying which parameter was missing or did not parse.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/pot?value=30000").build();
    /// assert_eq!(request.query_as::<u16>("value"), Ok(30000));
    /// assert_eq!(request.query_as::<u16>("other").unwrap_err().status(), 400);
    /// ```
    pub fn query_as<T: FromStr>(&self, name: &str) -> Result<T, HttpError> {
        let value = self.query(name).ok_or_else(|| HttpError::bad_request(format!("no query parameter {name:?}")))?;
        value.parse().map_err(|_| HttpError::bad_request(format!("query parameter {name}={value:?} does not parse")))
    }

    /// The first header called `name` (case-insensitive).
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").header("Content-Type", "text/plain").build();
    /// assert_eq!(request.header("content-type"), Some("text/plain"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// All headers, in the order sent.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").header("X-A", "1").build();
    /// assert_eq!(request.headers().len(), 1);
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body (empty without one).
    ///
    /// ```
    /// assert!(uasyncio_web::Request::builder("GET", "/").build().body().is_empty());
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text.
    ///
    /// # Errors
    /// A 400 [`HttpError`] if it is not UTF-8.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("POST", "/").body("hi").build();
    /// assert_eq!(request.text(), Ok("hi"));
    /// ```
    pub fn text(&self) -> Result<&str, HttpError> {
        std::str::from_utf8(&self.body).map_err(|_| HttpError::bad_request("the body is not UTF-8"))
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// A 400 [`HttpError`] with serde_json's message if it is not valid JSON
    /// for a `T`.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("POST", "/").body(r#"{"duty": 50}"#).build();
    /// let value: serde_json::Value = request.json().unwrap();
    /// assert_eq!(value["duty"], 50);
    /// assert_eq!(uasyncio_web::Request::builder("POST", "/").body("{").build().json::<serde_json::Value>().unwrap_err().status(), 400);
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::bad_request(format!("invalid JSON body: {e}")))
    }

    /// The body parsed as an HTML form (`application/x-www-form-urlencoded`).
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("POST", "/").body("led=on&x=a+b").build();
    /// assert_eq!(request.form(), [("led".to_string(), "on".to_string()), ("x".into(), "a b".into())]);
    /// ```
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The client's address (`None` for a transport without one).
    ///
    /// ```
    /// assert_eq!(uasyncio_web::Request::builder("GET", "/").build().peer_addr(), None);
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }
}

/// Builds a [`Request`] by hand: see [`Request::builder`].
///
/// ```
/// let request = uasyncio_web::Request::builder("GET", "/").header("Host", "board").build();
/// assert_eq!(request.header("host"), Some("board"));
/// ```
#[derive(Debug)]
pub struct RequestBuilder(Request);

impl RequestBuilder {
    /// Adds a header.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").header("X-Pin", "14").build();
    /// assert_eq!(request.header("x-pin"), Some("14"));
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> RequestBuilder {
        self.0.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("POST", "/").body(vec![1, 2]).build();
    /// assert_eq!(request.body(), [1, 2]);
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.0.body = body.into();
        self
    }

    /// Sets a path parameter (as a route would).
    ///
    /// ```
    /// let request = uasyncio_web::Request::builder("GET", "/").param("id", "7").build();
    /// assert_eq!(request.param("id"), Some("7"));
    /// ```
    pub fn param(mut self, name: &str, value: &str) -> RequestBuilder {
        self.0.params.push((name.to_string(), value.to_string()));
        self
    }

    /// The request.
    ///
    /// ```
    /// let _request = uasyncio_web::Request::builder("GET", "/").build();
    /// ```
    pub fn build(self) -> Request {
        self.0
    }
}

/// Splits a request target into its decoded path and query pairs.
pub(crate) fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
    (path, form_urlencoded::parse(query.as_bytes()).into_owned().collect())
}

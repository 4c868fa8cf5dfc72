//! An ecosystem crate written against `embedded_io_async` runs on this
//! loop unchanged: picoserve (a no_std HTTP server, as on an ESP32 or a
//! Pico) serves requests through `StreamReader` / `StreamWriter`, over
//! loopback TCP and over the in-memory network on virtual time.
//!
//! picoserve wants a socket it can split into halves, and a timer: the
//! glue below is all a user writes (about what picoserve's own tokio and
//! embassy glue is).

use std::rc::Rc;

use embedded_io_async::{Read, Write as _};
use picoserve::routing::get;
use uasyncio::{StreamReader, StreamWriter};

/// picoserve's runtime marker for this loop.
struct Uasyncio;

struct Timer;

impl picoserve::Timer<Uasyncio> for Timer {
    async fn delay(&self, duration: picoserve::time::Duration) {
        uasyncio::sleep_ms(duration.as_millis()).await;
    }
}

/// A connection as picoserve sees it.
struct Socket<R, W>(StreamReader<R>, StreamWriter<W>);

/// picoserve's write half: its `write_with` fills a buffer, sent by `write_all`.
struct WriteHalf<'a, W>(&'a mut StreamWriter<W>);

impl<W: embedded_io::ErrorType> embedded_io::ErrorType for WriteHalf<'_, W> {
    type Error = W::Error;
}

impl<W: embedded_io_async::Write> embedded_io_async::Write for WriteHalf<'_, W> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        embedded_io_async::Write::write(self.0, buf).await
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        embedded_io_async::Write::flush(self.0).await
    }
}

impl<W: embedded_io_async::Write> picoserve::io::Write for WriteHalf<'_, W> {
    async fn write_with<F: FnOnce(picoserve::mem::BorrowedCursor<'_>) -> T, T>(
        &mut self,
        f: F,
    ) -> Result<T, Self::Error> {
        let mut buffer = [0; 1024];
        let mut buffer = picoserve::mem::BorrowedBuffer::new(&mut buffer);
        let output = f(buffer.unfilled());
        self.0.write_all(buffer.filled()).await?;
        Ok(output)
    }
}

impl<R, W> picoserve::io::Socket<Uasyncio> for Socket<R, W>
where
    R: embedded_io_async::Read<Error = std::io::Error>,
    W: embedded_io_async::Write<Error = std::io::Error> + uasyncio::stream::Close,
{
    type Error = std::io::Error;
    type ReadHalf<'a>
        = &'a mut StreamReader<R>
    where
        Self: 'a;
    type WriteHalf<'a>
        = WriteHalf<'a, W>
    where
        Self: 'a;

    fn split(&mut self) -> (Self::ReadHalf<'_>, Self::WriteHalf<'_>) {
        (&mut self.0, WriteHalf(&mut self.1))
    }

    async fn abort<T: picoserve::Timer<Uasyncio>>(
        self,
        _: &picoserve::Timeouts,
        _: &T,
    ) -> Result<(), picoserve::Error<Self::Error>> {
        Ok(())
    }

    async fn shutdown<T: picoserve::Timer<Uasyncio>>(
        mut self,
        _: &picoserve::Timeouts,
        _: &T,
    ) -> Result<(), picoserve::Error<Self::Error>> {
        self.1.close();
        self.1.wait_closed().await.map_err(picoserve::Error::Write)
    }
}

fn app() -> picoserve::Router<impl picoserve::routing::PathRouter> {
    picoserve::Router::new().route("/", get(async || "Hello from uasyncio")).route("/led", get(async || "LED is on"))
}

/// Serves one connection with picoserve.
async fn serve<R, W>(
    app: Rc<picoserve::Router<impl picoserve::routing::PathRouter>>,
    reader: StreamReader<R>,
    writer: StreamWriter<W>,
) where
    R: embedded_io_async::Read<Error = std::io::Error>,
    W: embedded_io_async::Write<Error = std::io::Error> + uasyncio::stream::Close,
{
    let config = picoserve::Config::const_default();
    let mut http_buffer = [0; 2048];
    let served = picoserve::Server::custom(&app, Timer, &config, &mut http_buffer).serve(Socket(reader, writer)).await;
    served.expect("picoserve served the connection");
}

/// The status line and body of an HTTP response.
fn status_and_body(response: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    (head.lines().next().unwrap().trim_end().to_string(), body.to_string())
}

#[test]
fn picoserve_serves_http_over_loopback_tcp() {
    let responses = uasyncio::new_event_loop().run_until_complete(async {
        let app = Rc::new(app());
        let server = uasyncio::start_server(move |r, w| serve(app.clone(), r, w), "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let mut responses = Vec::new();
        for path in ["/", "/led", "/missing"] {
            let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
            writer.write(format!("GET {path} HTTP/1.1\r\nHost: board\r\nConnection: close\r\n\r\n").as_bytes());
            writer.drain().await.unwrap();
            responses.push(status_and_body(&reader.read_to_end().await.unwrap()));
        }
        server.close();
        server.wait_closed().await;
        responses
    });
    assert_eq!(responses[0], ("HTTP/1.1 200".into(), "Hello from uasyncio".into()));
    assert_eq!(responses[1], ("HTTP/1.1 200".into(), "LED is on".into()));
    assert_eq!(responses[2].0, "HTTP/1.1 404");
}

#[test]
fn picoserve_serves_http_over_the_memory_network_on_virtual_time() {
    let (response, now_ms) = uasyncio::run_virtual(async {
        let net = uasyncio::stream::memory::MemoryNetwork::new();
        let app = Rc::new(app());
        let server = net.start_server(move |r, w| serve(app.clone(), r, w), 80).await.unwrap();
        let (mut reader, mut writer) = net.open_connection(80).await.unwrap();
        // A slow client: the request line, then the rest 2 s later.
        writer.write(b"GET /led HTTP/1.1\r\n");
        writer.drain().await.unwrap();
        uasyncio::sleep(2).await;
        writer.write(b"Host: board\r\nConnection: close\r\n\r\n");
        writer.drain().await.unwrap();
        let mut response = Vec::new();
        let mut chunk = [0; 256];
        loop {
            let n = Read::read(&mut reader, &mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            response.extend_from_slice(&chunk[..n]);
        }
        server.close();
        server.wait_closed().await;
        (status_and_body(&response), uasyncio::time::ticks_ms())
    });
    assert_eq!(response, ("HTTP/1.1 200".into(), "LED is on".into()));
    assert_eq!(now_ms, 2000);
}

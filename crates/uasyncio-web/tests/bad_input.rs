//! What clients get wrong, on the real loop over loopback TCP: each gets
//! its status (or a closed connection), and the server goes on serving.

mod common;

use common::{exchange, get, read_response, run};
use uasyncio_web::{App, Limits, Response};

fn app(limits: Limits) -> App {
    App::new()
        .limits(limits)
        .get("/", |_| async { "ok" })
        .post("/upload", |req| async move { format!("{} bytes", req.body().len()) })
        .get("/big", |_| async { Response::bytes("application/octet-stream", vec![b'x'; 8 << 20]) })
}

fn small() -> Limits {
    Limits {
        max_header_bytes: 1024,
        max_body_bytes: 100,
        max_connections: 4,
        idle_timeout_ms: 300,
        ..Limits::default()
    }
}

/// Sends `request`, returns the status and whether the server then closed.
async fn status_then_closed(port: u16, request: &[u8]) -> (u16, bool) {
    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
    writer.write(request);
    // The server may answer and close before all of a large request is
    // sent: a failed drain is fine, the answer is read all the same.
    let _ = writer.drain().await;
    let got = read_response(&mut reader).await.expect("an answer");
    let closed = read_response(&mut reader).await.is_none();
    (got.status, closed)
}

#[test]
fn each_bad_request_gets_its_status_and_a_closed_connection_and_the_server_goes_on() {
    let (answers, after) = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let long_header = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(2000));
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(2000));
        let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X: 1\r\n".repeat(40));
        let requests: Vec<(&str, Vec<u8>)> = vec![
            ("malformed request line", b"HELLO THERE\r\n\r\n".to_vec()),
            ("bad version", b"GET / HTTP/7.5\r\n\r\n".to_vec()),
            ("header without colon", b"GET / HTTP/1.1\r\nHost\r\n\r\n".to_vec()),
            ("oversized header", long_header.into_bytes()),
            ("oversized request line", long_line.into_bytes()),
            ("too many headers", many_headers.into_bytes()),
            ("body over the limit", b"POST /upload HTTP/1.1\r\nContent-Length: 101\r\n\r\n".to_vec()),
            ("bad content length", b"POST /upload HTTP/1.1\r\nContent-Length: ten\r\n\r\n".to_vec()),
            ("chunked body", b"POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()),
        ];
        let mut answers = Vec::new();
        for (what, request) in requests {
            answers.push((what, status_then_closed(port, &request).await));
        }
        let after = get(port, "/").await;
        server.close();
        (answers, after)
    });
    assert_eq!(
        answers,
        [
            ("malformed request line", (400, true)),
            ("bad version", (400, true)),
            ("header without colon", (400, true)),
            ("oversized header", (431, true)),
            ("oversized request line", (414, true)),
            ("too many headers", (431, true)),
            ("body over the limit", (413, true)),
            ("bad content length", (400, true)),
            ("chunked body", (501, true)),
        ]
    );
    assert_eq!((after.status, after.text()), (200, "ok"));
}

#[test]
fn a_body_within_the_limit_is_read_whole_and_bytes_past_it_are_the_next_request() {
    let (first, second) = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        // A body longer than its Content-Length: the extra bytes are read as
        // the next request, which is malformed.
        writer.write(b"POST /upload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello, and more\r\n\r\n");
        writer.drain().await.unwrap();
        let first = read_response(&mut reader).await.unwrap();
        let second = read_response(&mut reader).await.unwrap();
        server.close();
        (first, second)
    });
    assert_eq!((first.status, first.text()), (200, "5 bytes"));
    assert_eq!(second.status, 400);
}

#[test]
fn a_slowloris_client_gets_408_and_is_closed_after_the_idle_timeout() {
    let (answer, closed, after) = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        // A byte every 100 ms: never a whole head within 300 ms.
        let trickle = uasyncio::create_task(async move {
            for byte in b"GET / HTTP/1.1\r\nHost: a-very-slow-client\r\n" {
                writer.write(&[*byte]);
                if writer.drain().await.is_err() {
                    break;
                }
                uasyncio::sleep_ms(100).await;
            }
        });
        let answer = read_response(&mut reader).await.unwrap();
        let closed = read_response(&mut reader).await.is_none();
        trickle.cancel();
        let after = get(port, "/").await;
        server.close();
        (answer.status, closed, after.status)
    });
    assert_eq!((answer, closed, after), (408, true, 200));
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let (first, rest) = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"GET / HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let first = read_response(&mut reader).await.unwrap();
        // Nothing more is sent: the server closes without an answer.
        let rest = reader.read_to_end().await.unwrap();
        server.close();
        (first.text().to_string(), rest)
    });
    assert_eq!((first.as_str(), rest.len()), ("ok", 0));
}

#[test]
fn unknown_routes_get_404() {
    let got = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let got = get(server.local_addr().port(), "/nowhere?x=1").await;
        server.close();
        got
    });
    assert_eq!((got.status, got.text()), (404, "nothing at /nowhere\n"));
}

#[test]
fn a_client_closing_mid_response_does_not_stop_the_server() {
    let (head, open_after, after) = run(async {
        let server = app(small()).serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let head = {
            let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
            writer.write(b"GET /big HTTP/1.1\r\n\r\n");
            writer.drain().await.unwrap();
            let head = reader.readline().await.unwrap();
            let _ = reader.read(1000).await.unwrap();
            // 8 MiB on its way, 1 kB read: close (the server's writes fail).
            writer.close();
            let _ = writer.wait_closed().await;
            head
        };
        uasyncio::sleep_ms(200).await;
        let open_after = server.stats().connections_open;
        let after = get(port, "/").await;
        server.close();
        (head, open_after, after)
    });
    assert_eq!(head, b"HTTP/1.1 200 OK\r\n");
    assert_eq!(open_after, 0, "the server's side of the connection is closed");
    assert_eq!((after.status, after.text()), (200, "ok"));
}

#[test]
fn connections_over_the_limit_get_503() {
    let (refused, served) = run(async {
        let limits = Limits { max_connections: 2, ..small() };
        let server = app(limits).serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let a = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        let b = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        uasyncio::sleep_ms(20).await;
        let refused = exchange(port, b"GET / HTTP/1.1\r\n\r\n").await;
        drop((a, b));
        uasyncio::sleep_ms(50).await;
        let served = get(port, "/").await;
        server.close();
        (refused.status, served.status)
    });
    assert_eq!((refused, served), (503, 200));
}

//! The framework on the real loop over loopback TCP: routing, parameters,
//! JSON, files, redirects, streams, keep-alive, panics.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::{exchange, get, read_response, run};
use serde_json::{Value, json};
use uasyncio_web::{App, HttpError, Request, Response, SseEvent};

fn board_app() -> App {
    App::new()
        .get("/", |_| async { Response::redirect("/index.html") })
        .embedded("/index.html", "text/html; charset=utf-8", b"<h1>board</h1>")
        .get("/pins/<int:gpio>", |req: Request| async move {
            let gpio: u8 = req.param_as("gpio")?;
            let verbose = req.query("verbose") == Some("1");
            Ok::<_, HttpError>(Response::json(&json!({"gpio": gpio, "level": 1, "verbose": verbose})))
        })
        .get("/hello/<name>", |req: Request| async move { format!("hello {}", req.param("name").unwrap()) })
        .post("/pwm", |req: Request| async move {
            let body: Value = req.json()?;
            let duty = body["duty"].as_u64().ok_or_else(|| HttpError::bad_request("duty must be a number"))?;
            Ok::<_, HttpError>((201, Response::json(&json!({"duty": duty, "by": req.header("user-agent")}))))
        })
        .get("/panic", |_| async {
            panic!("the sensor is unplugged");
            #[allow(unreachable_code)]
            "never"
        })
        .static_dir("/files", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn routes_path_parameters_query_strings_and_json() {
    let got = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let pin = get(port, "/pins/14?verbose=1").await;
        let hello = get(port, "/hello/pico%20w").await;
        let post = exchange(
            port,
            b"POST /pwm HTTP/1.1\r\nHost: b\r\nUser-Agent: test\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"duty\": 50}",
        )
        .await;
        let not_a_number = get(port, "/pins/led").await;
        let wrong_method = exchange(port, b"DELETE /pwm HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n").await;
        server.close();
        (pin, hello, post, not_a_number, wrong_method)
    });
    let (pin, hello, post, not_a_number, wrong_method) = got;
    assert_eq!((pin.status, pin.header("content-type")), (200, Some("application/json")));
    assert_eq!(pin.text(), r#"{"gpio":14,"level":1,"verbose":true}"#);
    assert_eq!((hello.status, hello.text()), (200, "hello pico w"));
    assert_eq!((post.status, post.text()), (201, r#"{"by":"test","duty":50}"#));
    assert_eq!((not_a_number.status, not_a_number.text()), (404, "nothing at /pins/led\n"));
    assert_eq!((wrong_method.status, wrong_method.header("allow")), (405, Some("POST")));
}

#[test]
fn invalid_json_gets_400_with_the_parser_message() {
    let got = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let got = exchange(
            server.local_addr().port(),
            b"POST /pwm HTTP/1.1\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{duty:1",
        )
        .await;
        let _ = port;
        server.close();
        got
    });
    assert_eq!(got.status, 400);
    assert!(got.text().starts_with("invalid JSON body: key must be a string"), "{}", got.text());
}

#[test]
fn redirects_embedded_and_static_files_and_head() {
    let got = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let root = get(port, "/").await;
        let page = get(port, "/index.html").await;
        let file = get(port, "/files/Cargo.toml").await;
        let escape = get(port, "/files/../Cargo.toml").await;
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"HEAD /index.html HTTP/1.1\r\nConnection: close\r\n\r\n");
        writer.drain().await.unwrap();
        let head = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
        server.close();
        (root, page, file, escape, head)
    });
    let (root, page, file, escape, head) = got;
    assert_eq!((root.status, root.header("location")), (302, Some("/index.html")));
    assert_eq!((page.status, page.text()), (200, "<h1>board</h1>"));
    assert_eq!(file.status, 200);
    assert!(file.text().starts_with("[package]\nname = \"uasyncio-web\""));
    assert_eq!(escape.status, 404);
    // HEAD: the GET route's headers, no body.
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.ends_with("Content-Length: 14\r\nConnection: close\r\n\r\n"), "{head}");
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection_then_closes_on_request() {
    let (first, second, after, stats) = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"GET /hello/a HTTP/1.1\r\nHost: b\r\n\r\n");
        writer.drain().await.unwrap();
        let first = read_response(&mut reader).await.unwrap();
        writer.write(b"GET /hello/b HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
        writer.drain().await.unwrap();
        let second = read_response(&mut reader).await.unwrap();
        let after = reader.read_to_end().await.unwrap();
        let stats = server.stats();
        server.close();
        (first, second, after, stats)
    });
    assert_eq!((first.text(), first.header("connection")), ("hello a", Some("keep-alive")));
    assert_eq!((second.text(), second.header("connection")), ("hello b", Some("close")));
    assert!(after.is_empty(), "the server closed after Connection: close");
    assert_eq!((stats.connections, stats.requests), (1, 2));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let texts = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"GET /hello/1 HTTP/1.1\r\n\r\nGET /hello/2 HTTP/1.1\r\n\r\nGET /hello/3 HTTP/1.1\r\nConnection: close\r\n\r\n");
        writer.drain().await.unwrap();
        let mut texts = Vec::new();
        while let Some(got) = read_response(&mut reader).await {
            texts.push(got.text().to_string());
        }
        server.close();
        texts
    });
    assert_eq!(texts, ["hello 1", "hello 2", "hello 3"]);
}

#[test]
fn a_panicking_handler_gets_500_and_the_connection_and_server_go_on() {
    let (panicked, next, other, stats) = run(async {
        let server = board_app().serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"GET /panic HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let panicked = read_response(&mut reader).await.unwrap();
        writer.write(b"GET /hello/again HTTP/1.1\r\nConnection: close\r\n\r\n");
        writer.drain().await.unwrap();
        let next = read_response(&mut reader).await.unwrap();
        let other = get(port, "/hello/other").await;
        let stats = server.stats();
        server.close();
        (panicked, next, other, stats)
    });
    assert_eq!((panicked.status, panicked.text()), (500, "the handler failed\n"));
    assert_eq!(next.text(), "hello again");
    assert_eq!(other.text(), "hello other");
    assert_eq!(stats.handler_panics, 1);
}

#[test]
fn streamed_responses_and_server_sent_events_arrive_chunk_by_chunk() {
    let (stream, events, old) = run(async {
        let app = App::new()
            .get("/count", |_| async {
                let mut n = 0;
                Response::stream("text/plain", move || {
                    n += 1;
                    let chunk = (n <= 3).then(|| format!("{n}\n").into_bytes());
                    async move { chunk }
                })
            })
            .get("/events", |_| async {
                let mut n = 0;
                Response::sse(move || {
                    n += 1;
                    async move {
                        uasyncio::sleep_ms(10).await;
                        (n <= 2).then(|| SseEvent::json(&json!({"n": n})).event("tick"))
                    }
                })
            });
        let server = app.serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let stream = get(port, "/count").await;
        let events = get(port, "/events").await;
        // HTTP/1.0 has no chunks: the body as it comes, ended by the close.
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"GET /count HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        writer.drain().await.unwrap();
        let old = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
        server.close();
        (stream, events, old)
    });
    assert_eq!((stream.header("transfer-encoding"), stream.text()), (Some("chunked"), "1\n2\n3\n"));
    assert_eq!(events.header("content-type"), Some("text/event-stream"));
    assert_eq!(events.text(), "event: tick\ndata: {\"n\":1}\n\nevent: tick\ndata: {\"n\":2}\n\n");
    assert!(old.ends_with("\r\nConnection: close\r\n\r\n1\n2\n3\n"), "{old}");
    assert!(!old.contains("Transfer-Encoding"), "{old}");
}

#[test]
fn an_event_stream_ends_when_its_client_goes_away() {
    let (dropped_before, dropped_after, open_after) = run(async {
        /// Counts the event streams dropped.
        struct Flag(Rc<Cell<u32>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let dropped = Rc::new(Cell::new(0));
        let flag_source = dropped.clone();
        let app = App::new().get("/events", move |_| {
            let flag = Flag(flag_source.clone());
            async move {
                Response::sse(move || {
                    let _keep = &flag;
                    async {
                        uasyncio::sleep_ms(20).await;
                        Some(SseEvent::data("tick"))
                    }
                })
            }
        });
        let server = app.serve("127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"GET /events HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let first = reader.readline().await.unwrap();
        assert_eq!(first, b"HTTP/1.1 200 OK\r\n");
        let dropped_before = dropped.get();
        writer.close();
        writer.wait_closed().await.unwrap();
        // The next events' writes fail: the stream is dropped.
        uasyncio::sleep_ms(200).await;
        let open_after = server.stats().connections_open;
        server.close();
        (dropped_before, dropped.get(), open_after)
    });
    assert_eq!((dropped_before, dropped_after, open_after), (0, 1, 0));
}

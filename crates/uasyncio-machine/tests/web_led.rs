//! `examples/web_led.rs` over loopback TCP: the ON and OFF buttons switch
//! GPIO 2, the page and the JSON say so.

#[path = "../examples/web_led.rs"]
mod example;

use std::rc::Rc;

use uasyncio_machine::{Board, Pin};

/// Sends `request` (`METHOD PATH`) and returns the status, the Location header and the body.
async fn call(port: u16, request: &str) -> (u16, Option<String>, String) {
    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
    writer.write(
        format!("{request} HTTP/1.1\r\nHost: esp32\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    writer.drain().await.unwrap();
    let response = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let location = head.lines().find_map(|l| l.strip_prefix("Location: ")).map(str::to_string);
    (head[9..12].parse().unwrap(), location, body.to_string())
}

#[test]
fn the_on_and_off_buttons_switch_the_led_and_the_page_shows_it() {
    let board = Board::esp32().install();
    let got = uasyncio::run(async {
        let led = Rc::new(Pin::new(2, Pin::OUT));
        let server = example::app(led.clone()).serve("127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let first = call(port, "GET /").await;
        let on = call(port, "POST /led/on").await;
        let level_on = led.value();
        let page_on = call(port, "GET /").await;
        let api_on = call(port, "GET /api/led").await;
        let off = call(port, "POST /led/off").await;
        let level_off = led.value();
        let api_off = call(port, "GET /api/led").await;
        let get_on = call(port, "GET /led/on").await;
        server.close();
        (first, on, level_on, page_on, api_on, off, level_off, api_off, get_on)
    });
    let (first, on, level_on, page_on, api_on, off, level_off, api_off, get_on) = got;
    assert_eq!(first.0, 200);
    assert!(first.2.contains(r#"GPIO 2 is <strong id="state" class="off">OFF</strong>"#));
    assert!(first.2.contains(r#"<form method="post" action="/led/on""#));
    assert_eq!((on.0, on.1.as_deref(), level_on), (303, Some("/"), true));
    assert!(page_on.2.contains(r#"class="on">ON</strong>"#));
    assert_eq!(api_on.2, r#"{"on":true}"#);
    assert_eq!((off.0, level_off), (303, false));
    assert_eq!(api_off.2, r#"{"on":false}"#);
    // Switching takes a POST (a link preview's GET must not switch it).
    assert_eq!((get_on.0, get_on.1.as_deref()), (405, None));
    let edges: Vec<bool> = board.trace().edges_of(2).iter().map(|e| e.1).collect();
    assert_eq!(edges, [true, false]);
}

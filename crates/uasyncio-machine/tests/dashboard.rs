//! The dashboard's HTTP interface without a browser, on the real loop over
//! loopback: its state, its event stream, its controls, and what they refuse.

use serde_json::Value;
use uasyncio_machine::cli::Options;
use uasyncio_machine::dashboard::{self, Clock};
use uasyncio_machine::{Adc, Board, Pin, Pwm};

/// Sends `request` and returns the status and the body.
async fn call(port: u16, request: &str) -> (u16, String) {
    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
    writer.write(format!("{request} HTTP/1.0\r\n\r\n").as_bytes());
    writer.drain().await.unwrap();
    let response = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_string())
}

fn pin(state: &Value, gpio: u64) -> &Value {
    state["pins"].as_array().unwrap().iter().find(|p| p["gpio"] == gpio).unwrap()
}

fn board() -> Board {
    let board = Board::esp32().install();
    board.label(14, "button");
    board.label(36, "pot");
    board.label(5, "led");
    board
}

#[test]
fn the_controls_press_click_and_turn_and_the_state_shows_it() {
    let board = board();
    let b = board.clone();
    let got = uasyncio::run(async move {
        let button = Pin::with_pull(14, Pin::IN, Pin::PULL_UP);
        let _pot = Adc::new(Pin::new(36, Pin::IN));
        let led = Pwm::new(Pin::new(5, Pin::OUT), 1000);
        led.set_duty_u16(16384);
        let server = dashboard::serve(b.clone(), Clock::Real, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let (status, body) = call(port, "GET /api/state").await;
        assert_eq!(status, 200);
        let before: Value = serde_json::from_str(&body).unwrap();
        let pressed = call(port, "POST /api/press/14").await;
        let reads_pressed = button.value();
        let released = call(port, "POST /api/release/14").await;
        let reads_released = button.value();
        let clicked = call(port, "POST /api/click/14").await;
        let reads_in_click = button.value();
        uasyncio::sleep_ms(200).await;
        let reads_after_click = button.value();
        let turned = call(port, "POST /api/adc/36?value=40000").await;
        let adc = b.adc_u16(36);
        let not_a_button = call(port, "POST /api/press/5").await;
        let not_an_adc = call(port, "POST /api/adc/14?value=1").await;
        let no_value = call(port, "POST /api/adc/36").await;
        let page = call(port, "GET /").await;
        server.close();
        (
            before,
            pressed,
            reads_pressed,
            released,
            reads_released,
            clicked.0,
            reads_in_click,
            reads_after_click,
            turned,
            adc,
            not_a_button,
            not_an_adc,
            no_value,
            page,
        )
    });
    let (
        before,
        pressed,
        reads_pressed,
        released,
        reads_released,
        clicked,
        in_click,
        after_click,
        turned,
        adc,
        not_a_button,
        not_an_adc,
        no_value,
        page,
    ) = got;
    assert_eq!((before["clock"].as_str(), before["board"].as_str()), (Some("real"), Some("ESP32")));
    assert_eq!(pin(&before, 14)["button"], true);
    assert_eq!(pin(&before, 14)["pressed"], false);
    assert_eq!((pin(&before, 5)["kind"].as_str(), pin(&before, 5)["value"].as_u64()), (Some("pwm"), Some(16384)));
    assert_eq!(pin(&before, 36)["kind"], "analog");
    assert_eq!(pressed.0, 200);
    let after_press: Value = serde_json::from_str(&pressed.1).unwrap();
    assert_eq!(pin(&after_press, 14)["pressed"], true);
    assert!(!reads_pressed, "pressed, the pulled-up pin reads 0");
    assert_eq!((released.0, reads_released), (200, true));
    assert_eq!((clicked, in_click, after_click), (200, false, true), "a click holds the button 150 ms");
    assert_eq!((turned.0, adc), (200, 40000));
    assert_eq!(not_a_button, (404, "GPIO 5 is not a button (a digital input) of this program\n".to_string()));
    assert_eq!(not_an_adc, (404, "GPIO 14 is not an ADC input of this program\n".to_string()));
    assert_eq!(no_value, (400, "no query parameter \"value\"\n".to_string()));
    assert_eq!(page.0, 200);
    assert!(page.1.contains("<script src=\"/dashboard.js\">"), "the page, embedded");
}

#[test]
fn the_event_stream_sends_the_state_at_once_and_then_each_change() {
    let board = board();
    let b = board.clone();
    let events = uasyncio::run(async move {
        let led = Pin::new(2, Pin::OUT);
        let server = dashboard::serve(b, Clock::Real, "127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"GET /api/events HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let mut levels = Vec::new();
        for turn in 0..3 {
            // Skip to the next `data:` line (chunk sizes and blank lines between).
            let line = loop {
                let line = reader.readline().await.unwrap();
                if let Some(data) = line.strip_prefix(b"data: ") {
                    break data.to_vec();
                }
            };
            let state: Value = serde_json::from_slice(&line).unwrap();
            levels.push(pin(&state, 2)["value"].as_u64().unwrap());
            if turn < 2 {
                led.toggle();
            }
        }
        server.close();
        levels
    });
    assert_eq!(events, [0, 65535, 0]);
}

#[test]
fn after_a_virtual_run_the_page_shows_the_end_state_and_refuses_controls() {
    let board = board();
    uasyncio_machine::run_virtual_for(&board, 2.0, || async {
        let _button = Pin::with_pull(14, Pin::IN, Pin::PULL_UP);
        uasyncio_machine::println!("done");
    });
    let b = board.clone();
    // A fresh loop on the real clock (the thread's loop is the virtual one).
    let (state, refused) = uasyncio::new_event_loop().run_until_complete(async move {
        let server = dashboard::serve(b, Clock::VirtualFinished, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let state = call(port, "GET /api/state").await;
        let refused = call(port, "POST /api/click/14").await;
        server.close();
        (state, refused)
    });
    let state: Value = serde_json::from_str(&state.1).unwrap();
    assert_eq!((state["clock"].as_str(), state["now_ms"].as_u64()), (Some("virtual"), Some(2000)));
    assert_eq!(state["lines"][0]["text"], "done");
    assert_eq!(refused.0, 409);
}

#[test]
fn the_http_option_takes_host_and_port() {
    let parse = |args: &[&str]| Options::parse_from(args.iter().map(|s| s.to_string()));
    assert_eq!(parse(&["--http", "127.0.0.1:8080"]).unwrap().http.as_deref(), Some("127.0.0.1:8080"));
    assert_eq!(parse(&["--http", "[::1]:80"]).unwrap().http.as_deref(), Some("[::1]:80"));
    assert_eq!(
        parse(&["--http", "8080"]),
        Err("--http needs HOST:PORT (e.g. 127.0.0.1:8080), not \"8080\"".to_string())
    );
    assert_eq!(parse(&["--http"]), Err("--http needs a value".to_string()));
}

#[test]
fn bad_requests_to_the_dashboard_leave_the_program_running() {
    let board = board();
    let answers = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let got = answers.clone();
    let b = board.clone();
    let event_loop = uasyncio::new_event_loop();
    uasyncio_machine::run_on(&event_loop, &board, Some(0.5), move || async move {
        uasyncio::create_task(async {
            let led = Pin::new(2, Pin::OUT);
            loop {
                led.toggle();
                uasyncio::sleep_ms(50).await;
            }
        });
        let _pot = Adc::new(Pin::new(36, Pin::IN));
        let server = dashboard::serve(b, Clock::Real, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addr().port();
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(10_000));
        for request in [
            "HELLO\r\n\r\n",
            big.as_str(),
            "GET /nothing HTTP/1.0\r\n\r\n",
            "POST /api/adc/36?value=70000 HTTP/1.0\r\n\r\n",
        ] {
            let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
            writer.write(request.as_bytes());
            let _ = writer.drain().await;
            let response = reader.read_to_end().await.unwrap_or_default();
            got.borrow_mut().push(String::from_utf8_lossy(&response).get(9..12).unwrap_or("").to_string());
        }
        // A client that leaves in the middle of the event stream.
        let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"GET /api/events HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let _ = reader.readline().await.unwrap();
        writer.close();
        let _ = writer.wait_closed().await;
    });
    assert_eq!(*answers.borrow(), ["400", "431", "404", "400"]);
    // Toggling every 50 ms for 0.5 s all along (real time: allow a few late).
    let toggles = board.trace().edges_of(2).len();
    assert!(toggles >= 8, "the LED toggled {toggles} times in 0.5 s");
}

#[test]
fn after_a_virtual_run_the_event_stream_replays_it_at_real_speed() {
    let board = board();
    uasyncio_machine::run_virtual_for(&board, 1.0, || async {
        let led = Pin::new(2, Pin::OUT);
        loop {
            led.toggle();
            uasyncio::sleep_ms(300).await;
        }
    });
    let b = board.clone();
    let events = uasyncio::new_event_loop().run_until_complete(async move {
        let server = dashboard::serve(b, Clock::VirtualFinished, "127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        writer.write(b"GET /api/events HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        // (replay time, LED level, its changes so far), until the end.
        let mut events: Vec<(u64, u64, u64)> = Vec::new();
        loop {
            let line = reader.readline().await.unwrap();
            let Some(data) = line.strip_prefix(b"data: ") else { continue };
            let state: Value = serde_json::from_slice(data).unwrap();
            assert_eq!((state["clock"].as_str(), state["replay"]["end_ms"].as_u64()), (Some("virtual"), Some(1000)));
            let led = pin(&state, 2);
            let t = state["replay"]["t_ms"].as_u64().unwrap();
            events.push((t, led["value"].as_u64().unwrap(), led["changes"].as_u64().unwrap()));
            if t >= 1000 {
                break;
            }
        }
        server.close();
        events
    });
    // The record: off then on at 0, off at 0.3 s, on at 0.6, off at 0.9 s;
    // each event shows the level of its replay time.
    for &(t, level, changes) in &events {
        let toggles = (t / 300 + 1).min(4);
        assert_eq!((level, changes), (if toggles % 2 == 1 { 65535 } else { 0 }, toggles), "at {t} ms of the replay");
    }
    assert!(events.len() >= 10, "an event every 40 ms for 1 s: {}", events.len());
    assert!(events[0].0 < 100, "it starts at the start: {events:?}");
}

//! The notifier assignment (`examples/notifier.rs`): a webhook receiver (a
//! uasyncio-web app) on the in-memory network, on virtual time, so the
//! times of the POSTs are exact; and once over loopback TCP on the real clock.

#[path = "../examples/notifier.rs"]
mod example;

use std::cell::RefCell;
use std::rc::Rc;

use example::Config;
use serde_json::Value;
use uasyncio::stream::memory::MemoryNetwork;
use uasyncio_machine::{Board, run_virtual_for};
use uasyncio_web::{App, HttpError};

/// What the receiver got: (time in ms, body).
type Received = Rc<RefCell<Vec<(u64, Value)>>>;

/// A webhook receiver at port 80 recording what it gets.
async fn receiver(net: &MemoryNetwork, received: Received) -> uasyncio::Server {
    let app = App::new().post("/notify", move |req| {
        let received = received.clone();
        async move {
            received.borrow_mut().push((uasyncio::now_us() / 1000, req.json()?));
            Ok::<_, HttpError>("ok")
        }
    });
    app.serve_memory(net, 80).await.unwrap()
}

fn board() -> Board {
    let board = Board::esp32().install();
    board.set_adc_u16(39, 14894); // 0.75 V: 25 °C
    board.set_pot_at(36, 0.0, 0.5);
    board.set_pot_at(36, 90.0, 1.0);
    board
}

/// The readings' times in s, and their pot values.
fn times_s(body: &Value) -> Vec<u64> {
    body["readings"].as_array().unwrap().iter().map(|r| r["t_ms"].as_u64().unwrap() / 1000).collect()
}

#[test]
fn every_minute_the_readings_of_that_minute_are_posted_as_json() {
    let board = board();
    let received: Received = Rc::default();
    let r = received.clone();
    run_virtual_for(&board, 185.0, move || async move {
        let net = MemoryNetwork::new();
        let _server = receiver(&net, r).await;
        example::start(net, Config::default());
    });
    let received = received.borrow();
    let at: Vec<u64> = received.iter().map(|(t, _)| *t).collect();
    assert_eq!(at, [60_000, 120_000, 180_000]);
    // A reading each second; each one posted once, in order.
    let first = times_s(&received[0].1);
    assert_eq!(first, (0..60).collect::<Vec<_>>());
    assert_eq!(times_s(&received[1].1), (60..120).collect::<Vec<_>>());
    assert_eq!(times_s(&received[2].1), (120..180).collect::<Vec<_>>());
    let reading = &received[0].1["readings"][0];
    assert_eq!((reading["pot"].as_u64(), reading["temperature_c"].as_f64()), (Some(32768), Some(25.0)));
    // The pot turned up at 90 s: the second minute's readings show it from then.
    let pots: Vec<u64> =
        received[1].1["readings"].as_array().unwrap().iter().map(|r| r["pot"].as_u64().unwrap()).collect();
    assert_eq!((pots[29], pots[30]), (32768, 65535));
    assert_eq!(received[0].1["dropped"], 0);
    assert_eq!(
        board.trace().lines.iter().map(|(t, l)| (t / 1000, l.as_str())).collect::<Vec<_>>(),
        [(60_000, "sent 60 readings"), (120_000, "sent 60 readings"), (180_000, "sent 60 readings")]
    );
}

#[test]
fn while_the_receiver_is_down_the_readings_wait_and_the_backlog_is_delivered_after() {
    let board = board();
    let received: Received = Rc::default();
    let r = received.clone();
    run_virtual_for(&board, 245.0, move || async move {
        let net = MemoryNetwork::new();
        let server = receiver(&net, r.clone()).await;
        example::start(net.clone(), Config::default());
        // Down from 90 s to 200 s.
        uasyncio::sleep(90).await;
        server.close();
        server.wait_closed().await;
        uasyncio::sleep(110).await;
        let _again = receiver(&net, r).await;
    });
    let received = received.borrow();
    let at: Vec<u64> = received.iter().map(|(t, _)| *t).collect();
    // 120 s fails; retries after 1, 2, 4, 8, 16, 30 s: 121, 123, 127, 135, 151, 181, then 211 s.
    assert_eq!(at, [60_000, 211_000, 240_000]);
    // Nothing lost, nothing twice: 60–210 s at 211 s, then 211–239 s (a
    // reading due at the instant of a POST goes with the next one).
    assert_eq!(times_s(&received[1].1), (60..=210).collect::<Vec<_>>());
    assert_eq!(times_s(&received[2].1), (211..240).collect::<Vec<_>>());
    let lines: Vec<(u64, String)> = board.trace().lines.iter().map(|(t, l)| (t / 1000, l.clone())).collect();
    assert_eq!(
        lines[1],
        (
            120_000,
            "POST failed (connection refused: nothing listens on this port); 60 readings kept, retrying in 1000 ms"
                .to_string()
        )
    );
    let retries: Vec<u64> = lines[1..8].iter().map(|(t, _)| t / 1000).collect();
    assert_eq!(retries, [120, 121, 123, 127, 135, 151, 181]);
    assert!(lines[7].1.ends_with("retrying in 30000 ms"), "{:?}", lines[7]);
    assert_eq!(lines[8], (211_000, "sent 151 readings".to_string()));
}

#[test]
fn a_full_backlog_drops_the_oldest_readings_and_says_so() {
    let board = board();
    let received: Received = Rc::default();
    let r = received.clone();
    run_virtual_for(&board, 185.0, move || async move {
        let net = MemoryNetwork::new();
        example::start(net.clone(), Config { max_backlog: 100, ..Config::default() });
        // No receiver until 110 s.
        uasyncio::sleep(110).await;
        let _server = receiver(&net, r).await;
    });
    let received = received.borrow();
    assert_eq!(received.len(), 2);
    // The next minute's POST carries what came after, the reading taken
    // while the last POST was under way included.
    assert_eq!((received[1].0, times_s(&received[1].1)), (180_000, (121..180).collect::<Vec<_>>()));
    assert_eq!(received[1].1["dropped"], 1);
    let (at, body) = &received[0];
    // 60 s failed; retries at 61, 63, 67, 75, 91 s failed, at 121 s (after 30 s) it is delivered.
    assert_eq!(*at, 121_000);
    // Readings 0–120 s were taken, 100 kept: 0–20 s dropped.
    assert_eq!(body["dropped"], 21);
    assert_eq!(times_s(body), (21..=120).collect::<Vec<_>>());
    let trace = board.trace();
    let drops: Vec<&str> =
        trace.lines.iter().map(|(_, l)| l.as_str()).filter(|l| l.starts_with("backlog full")).collect();
    // One more at 121 s, while the POST was under way (the reading of 21 s,
    // which that POST carries).
    assert_eq!(drops.len(), 22);
    assert_eq!(drops[0], "backlog full (100 readings): dropped the reading of 0.000 s");
}

#[test]
fn a_receiver_that_does_not_answer_times_out_and_the_post_is_retried() {
    let board = board();
    let received: Received = Rc::default();
    let r = received.clone();
    run_virtual_for(&board, 75.0, move || async move {
        let net = MemoryNetwork::new();
        let calls = Rc::new(std::cell::Cell::new(0));
        let app = App::new().post("/notify", move |req| {
            let (received, calls) = (r.clone(), calls.clone());
            async move {
                calls.set(calls.get() + 1);
                if calls.get() == 1 {
                    uasyncio::sleep(3600).await; // hangs: the client's timeout ends it
                }
                received.borrow_mut().push((uasyncio::now_us() / 1000, req.json()?));
                Ok::<_, HttpError>("ok")
            }
        });
        let _server = app.serve_memory(&net, 80).await.unwrap();
        example::start(net, Config::default());
    });
    let lines: Vec<(u64, String)> = board.trace().lines.iter().map(|(t, l)| (t / 1000, l.clone())).collect();
    assert_eq!(
        lines[0],
        (65_000, "POST failed (no answer within 5000 ms); 65 readings kept, retrying in 1000 ms".to_string())
    );
    assert_eq!(lines[1], (66_000, "sent 66 readings".to_string()));
    assert_eq!(received.borrow().iter().map(|(t, _)| *t).collect::<Vec<_>>(), [66_000]);
}

#[test]
fn over_loopback_tcp_every_reading_arrives_once() {
    let board = Board::esp32().install();
    let received: Received = Rc::default();
    let r = received.clone();
    let event_loop = uasyncio::new_event_loop();
    uasyncio_machine::run_on(&event_loop, &board, Some(0.45), move || async move {
        let app = App::new().post("/notify", move |req| {
            let received = r.clone();
            async move {
                received.borrow_mut().push((uasyncio::now_us() / 1000, req.json()?));
                Ok::<_, HttpError>("ok")
            }
        });
        let server = app.serve("127.0.0.1", 0).await.unwrap();
        let url = format!("http://127.0.0.1:{}/notify", server.local_addr().port());
        let config = Config { url, sample_ms: 10, post_every_ms: 100, ..Config::default() };
        example::start(uasyncio_web::client::Tcp, config);
    });
    let received = received.borrow();
    assert!(received.len() >= 3, "a POST each 100 ms for 450 ms: {} arrived", received.len());
    let all: Vec<u64> = received
        .iter()
        .flat_map(|(_, body)| {
            body["readings"].as_array().unwrap().iter().map(|r| r["t_ms"].as_u64().unwrap()).collect::<Vec<_>>()
        })
        .collect();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(all, sorted, "in order, none twice");
    assert!(all.len() >= 25, "about 10 readings per POST: {}", all.len());
}

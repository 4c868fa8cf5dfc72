//! Tutorial 1's assignment: read the sensors every second, notify over HTTP
//! every minute (ESP32).
//!
//! A potentiometer on ADC GPIO 36 and a TMP36 temperature sensor on ADC
//! GPIO 39 (10 mV per °C, 0.5 V at 0 °C) are read every second into a
//! backlog. Every minute the backlog is POSTed as JSON to a webhook (IFTTT,
//! a Telegram bot's relay, …):
//!
//! ```json
//! {"readings": [{"t_ms": 0, "pot": 32768, "temperature_c": 25.0}, …], "dropped": 0}
//! ```
//!
//! A POST that fails or takes longer than the timeout (5 s) is retried
//! after 1 s, then 2, 4, … up to 30 s; readings go on into the backlog
//! meanwhile, and each attempt sends all of it. The backlog is bounded
//! (600 readings, 10 minutes): past that the oldest reading is dropped,
//! and the program prints which; the next POST says how many were (a
//! reading dropped while the POST carrying it is under way is counted
//! though it may arrive).
//!
//! ```text
//! cargo run -p uasyncio-machine --example notifier -- --webhook http://127.0.0.1:8000/hook
//! cargo run -p uasyncio-machine --example notifier -- --virtual      # a receiver in memory, 3 simulated minutes
//! ```
//!
//! Without `--webhook` the webhook is a receiver on the runtime's in-memory
//! network that prints what it gets (so it also runs on virtual time).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use serde_json::json;
use uasyncio::{sleep_ms, wait_for_ms};
use uasyncio_machine::{self as machine, Adc, Board, Ending, Pin, cli::App, cli::Options};
use uasyncio_web::client::{Connect, post_json};

/// What the program is told.
#[derive(Clone, Debug)]
pub struct Config {
    /// The webhook, `http://host[:port]/path`.
    pub url: String,
    /// Between readings.
    pub sample_ms: u64,
    /// Between notifications.
    pub post_every_ms: u64,
    /// A POST that takes longer has failed.
    pub timeout_ms: u64,
    /// The first wait before a retry; it doubles each time…
    pub backoff_first_ms: u64,
    /// …up to this.
    pub backoff_max_ms: u64,
    /// Readings kept at most while the webhook cannot be reached.
    pub max_backlog: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            url: "http://hooks/notify".into(),
            sample_ms: 1000,
            post_every_ms: 60_000,
            timeout_ms: 5000,
            backoff_first_ms: 1000,
            backoff_max_ms: 30_000,
            max_backlog: 600,
        }
    }
}

/// One reading of the sensors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub t_ms: u64,
    pub pot: u16,
    pub temperature_c: f64,
}

/// The readings not yet delivered, and how many were dropped since the last delivery.
#[derive(Default)]
struct Backlog {
    readings: VecDeque<Reading>,
    dropped: u64,
}

/// Milliseconds since the start (not wrapping, unlike `ticks_ms`).
fn now_ms() -> u64 {
    uasyncio::now_us() / 1000
}

/// A TMP36's temperature from its ADC reading (0–3.3 V on the `read_u16` scale).
fn tmp36_celsius(raw: u16) -> f64 {
    let volts = f64::from(raw) * 3.3 / 65535.0;
    ((volts - 0.5) * 100.0 * 10.0).round() / 10.0
}

/// Adds `reading`, dropping the oldest past `max` (and saying so).
fn keep(backlog: &mut Backlog, reading: Reading, max: usize) {
    backlog.readings.push_back(reading);
    if backlog.readings.len() > max {
        let oldest = backlog.readings.pop_front().expect("over its bound, the backlog is not empty");
        backlog.dropped += 1;
        machine::println!("backlog full ({max} readings): dropped the reading of {:.3} s", oldest.t_ms as f64 / 1000.0);
    }
}

/// Reads the sensors every `sample_ms` into the backlog, dropping the
/// oldest reading when it is full.
async fn sample(pot: Adc, sensor: Adc, backlog: Rc<RefCell<Backlog>>, config: Rc<Config>) {
    loop {
        let reading = Reading { t_ms: now_ms(), pot: pot.read_u16(), temperature_c: tmp36_celsius(sensor.read_u16()) };
        keep(&mut backlog.borrow_mut(), reading, config.max_backlog);
        sleep_ms(config.sample_ms).await;
    }
}

/// Every `post_every_ms`, POSTs the backlog until it is delivered,
/// retrying with backoff.
async fn notify<C: Connect>(connector: C, backlog: Rc<RefCell<Backlog>>, config: Rc<Config>) {
    let mut next_ms = config.post_every_ms;
    loop {
        sleep_ms(next_ms.saturating_sub(now_ms())).await;
        let mut backoff_ms = config.backoff_first_ms;
        loop {
            let (batch, dropped) = {
                let backlog = backlog.borrow();
                (backlog.readings.iter().copied().collect::<Vec<_>>(), backlog.dropped)
            };
            let readings: Vec<_> =
                batch.iter().map(|r| json!({"t_ms": r.t_ms, "pot": r.pot, "temperature_c": r.temperature_c})).collect();
            let body = json!({"readings": readings, "dropped": dropped});
            let failure = match wait_for_ms(post_json(&connector, &config.url, &body), config.timeout_ms).await {
                Ok(Ok(reply)) if reply.is_success() => None,
                Ok(Ok(reply)) => Some(format!("the webhook answered {}", reply.status)),
                Ok(Err(e)) => Some(e.to_string()),
                Err(uasyncio::TimeoutError) => Some(format!("no answer within {} ms", config.timeout_ms)),
            };
            let Some(why) = failure else {
                // Readings taken (or dropped) while the POST was under way
                // are not the ones sent: remove by time, not by count.
                let mut backlog = backlog.borrow_mut();
                if let Some(last) = batch.last() {
                    backlog.readings.retain(|r| r.t_ms > last.t_ms);
                }
                backlog.dropped -= dropped;
                machine::println!("sent {} readings", batch.len());
                break;
            };
            let pending = backlog.borrow().readings.len();
            machine::println!("POST failed ({why}); {pending} readings kept, retrying in {backoff_ms} ms");
            sleep_ms(backoff_ms).await;
            backoff_ms = (backoff_ms * 2).min(config.backoff_max_ms);
        }
        // The next whole period (a long outage skips those it overran).
        let now = now_ms();
        while next_ms <= now {
            next_ms += config.post_every_ms;
        }
    }
}

/// Starts the sampler and the notifier (their tasks run until the program ends).
pub fn start<C: Connect + 'static>(connector: C, config: Config) {
    let config = Rc::new(config);
    let pot = Adc::new(Pin::new(36, Pin::IN));
    pot.atten(Adc::ATTN_11DB);
    let sensor = Adc::new(Pin::new(39, Pin::IN));
    sensor.atten(Adc::ATTN_11DB);
    let backlog = Rc::new(RefCell::new(Backlog::default()));
    uasyncio::create_task(sample(pot, sensor, backlog.clone(), config.clone()));
    uasyncio::create_task(notify(connector, backlog, config));
}

/// A webhook receiver on the in-memory network that prints what it gets.
async fn memory_receiver(net: uasyncio::stream::memory::MemoryNetwork) {
    let app = uasyncio_web::App::new().post("/notify", |req| async move {
        let body: serde_json::Value = req.json()?;
        let readings = body["readings"].as_array().map_or(0, Vec::len);
        let last = &body["readings"][readings.saturating_sub(1)];
        machine::println!("webhook: {readings} readings, the last {} °C, pot {}", last["temperature_c"], last["pot"]);
        Ok::<_, uasyncio_web::HttpError>("ok")
    });
    let _server = app.serve_memory(&net, 80).await.expect("port 80 of a fresh in-memory network is free");
}

/// `--webhook URL`, and the rest for [`Options`].
fn parse_args() -> (Option<String>, Options) {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let webhook = args.iter().position(|a| a == "--webhook").map(|i| {
        let url = args.get(i + 1).cloned().unwrap_or_else(|| {
            eprintln!("notifier: --webhook needs a URL (http://host:port/path)");
            std::process::exit(2);
        });
        args.drain(i..i + 2);
        url
    });
    match Options::parse_from(args) {
        Ok(options) => (webhook, options),
        Err(message) => {
            eprintln!(
                "notifier: {message}\nusage: notifier [--webhook URL] [options] (see --help of the other examples)"
            );
            std::process::exit(2);
        }
    }
}

#[allow(dead_code)]
fn main() {
    let (webhook, options) = parse_args();
    if webhook.is_some() && options.virtual_time {
        eprintln!("notifier: --webhook needs real sockets, which a virtual clock has not: leave out --virtual");
        std::process::exit(2);
    }
    let board = Board::esp32();
    board.label(36, "pot");
    board.label(39, "tmp36");
    let app = App::new(board).default_duration(181.0).demo(|board| {
        board.set_adc_u16(39, 14894); // 0.75 V: 25 °C
        board.set_pot_at(36, 0.0, 0.5);
        board.set_pot_at(36, 70.0, 0.8);
        board.set_pot_at(36, 130.0, 0.2);
    });
    let outcome = app.run_with(&options, Ending::Forever, move || async move {
        match webhook {
            Some(url) => start(uasyncio_web::client::Tcp, Config { url, ..Config::default() }),
            None => {
                let net = uasyncio::stream::memory::MemoryNetwork::new();
                memory_receiver(net.clone()).await;
                start(net, Config::default());
            }
        }
    });
    if let Err(message) = outcome {
        eprintln!("notifier: {message}");
        std::process::exit(1);
    }
}

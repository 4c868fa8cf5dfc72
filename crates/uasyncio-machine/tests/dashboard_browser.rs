//! The dashboard in a real browser: headless Chromium, driven through
//! chromedriver (WebDriver) by fantoccini, loads the page of `button_queue`
//! and of `brightness` served by `--http` beside the program on its loop.
//!
//! - `button_queue`: the LED on GPIO 25 waits for a first delay; the test
//!   clicks the page's button control, sees the LED toggle, clicks again
//!   720 ms later and sees the printed delay (≈ 720 ms, in steps of the
//!   program's 40 ms polling) become the LED's blink period as the page
//!   shows it.
//! - `brightness`: clicking the potentiometer slider's middle and pressing
//!   End move it; the page then shows the PWM duty follow (50 %, 100 %).
//!
//! These run on the real clock (a browser does), so their checks allow for
//! scheduling jitter: ± 100 ms on the period.
//!
//! Without Chromium the test prints why on stderr and passes, unless
//! `UASYNCIO_REQUIRE_BROWSER=1` (CI), which makes it fail instead. It
//! looks for `chromium` and `chromedriver` on the PATH (or the paths in
//! `CHROMIUM` and `CHROMEDRIVER`). The screenshot goes to
//! `target/dashboard.png`, and with `UASYNCIO_UPDATE_SCREENSHOT=1` to
//! `docs/dashboard.png` (the README's) too.

#[path = "../examples/button_queue.rs"]
mod button_queue;

#[path = "../examples/brightness.rs"]
mod brightness;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use serde_json::{Value, json};
use uasyncio_machine::Board;
use uasyncio_machine::Ending;
use uasyncio_machine::cli::{App, Options};

/// An example's `main_task`.
type Main = fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>>;

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `name` on the PATH, or the path in the environment variable `var`.
fn find_program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a board program with `--http` on a thread of its own (its own
/// loop), for `secs`; returns the dashboard's URL.
fn start_program(secs: f64, program: fn() -> (Board, Main)) -> String {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let options = Options { http: Some(addr.clone()), duration: Some(secs), ..Options::default() };
    std::thread::spawn(move || {
        let (board, main) = program();
        App::new(board).run_with(&options, Ending::Forever, main).unwrap();
    });
    // Up once it accepts.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the dashboard did not come up at {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
    format!("http://{addr}/")
}

fn button_queue_program() -> (Board, Main) {
    let board = Board::pico();
    board.label(25, "led");
    board.label(15, "button");
    (board, || Box::pin(button_queue::main_task()))
}

fn brightness_program() -> (Board, Main) {
    let board = Board::esp32();
    board.label(5, "led");
    board.label(36, "pot");
    (board, || Box::pin(brightness::main_task()))
}

/// Evaluates `script` (a JS expression) in the page.
async fn eval(client: &Client, script: &str) -> Value {
    client.execute(&format!("return ({script});"), vec![]).await.unwrap()
}

/// Waits (up to `secs`) until `script` gives something other than null/false; returns it.
async fn wait_for(client: &Client, secs: u64, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let value = eval(client, script).await;
        if !(value.is_null() || value == json!(false)) {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "waited {secs} s for {what} ({script}); the page shows: {}",
            page_text(client).await
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn page_text(client: &Client) -> String {
    eval(client, "document.body.innerText").await.as_str().unwrap_or_default().to_string()
}

#[test]
fn the_dashboard_in_headless_chromium_shows_the_board_live_and_its_controls_act() {
    let required = std::env::var("UASYNCIO_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        let message = "dashboard_browser: chromium and chromedriver are not both installed \
                       (apt-get install chromium chromium-driver, or set CHROMIUM and CHROMEDRIVER)";
        if required {
            panic!("{message}; UASYNCIO_REQUIRE_BROWSER=1 asks for the browser test");
        }
        // Straight to the process's stderr: the harness captures `eprintln!`.
        let _ = writeln!(std::io::stderr(), "{message}: SKIPPED");
        return;
    };
    let driver_port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", chromedriver.display())),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", driver_port)).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=900,640"],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .expect("a chromium session through chromedriver");
        let outcome = async {
            button_queue_in_the_browser(&client).await;
            brightness_in_the_browser(&client).await;
        };
        outcome.await;
        client.close().await.unwrap();
    });
    drop(driver);
}

async fn button_queue_in_the_browser(client: &Client) {
    let url = start_program(30.0, button_queue_program);
    client.goto(&url).await.unwrap();
    wait_for(client, 10, "the live connection", "document.getElementById('link').textContent === 'connected'").await;
    // The page says which clock it shows.
    wait_for(client, 5, "the clock", "document.getElementById('clock').textContent === 'real time: live'").await;
    let led = "document.getElementById('pin-25')";
    wait_for(client, 5, "the LED's card", led).await;
    // Before any press the LED waits for its first delay: dark.
    assert_eq!(eval(client, &format!("{led}.dataset.value")).await, "0");
    assert_eq!(eval(client, "document.querySelector('#pin-15 .name').textContent").await, "button");

    let button = client.find(Locator::Id("click-15")).await.unwrap();
    let clicked = Instant::now();
    button.click().await.unwrap();
    // The first delay is the time since the start (capped at 2 s): the LED goes on.
    wait_for(client, 5, "the LED to light", &format!("{led}.dataset.value === '65535'")).await;
    let first_line =
        wait_for(client, 5, "the first printed delay", "document.querySelector('#lines li span')?.textContent").await;
    let first: i64 = first_line.as_str().unwrap().parse().unwrap();
    assert!((0..=2000).contains(&first), "the first delay is the time since the start, at most 2000: {first}");

    // 720 ms after the first click (both measured from when they are sent), the second.
    tokio::time::sleep_until((clicked + Duration::from_millis(720)).into()).await;
    let late = clicked.elapsed().as_millis();
    button.click().await.unwrap();
    let second = wait_for(
        client,
        5,
        "the second printed delay",
        "document.querySelectorAll('#lines li span').length >= 2 && document.querySelectorAll('#lines li span')[1].textContent",
    )
    .await;
    let second: i64 = second.as_str().unwrap().parse().unwrap();
    assert!((600..=900).contains(&second), "clicks {late} ms apart: the program measured {second} ms");

    // The blink task takes the new delay at its next toggle (after at most
    // the first delay): the page then shows the LED toggling every `second` ms.
    let period = wait_for(
        client,
        8,
        "the blink period to follow the second delay",
        &format!(
            "(() => {{ const i = +{led}.dataset.interval; return {led}.dataset.interval !== '' && Math.abs(i - {second}) <= 100 ? i : null; }})()"
        ),
    )
    .await;
    let period = period.as_i64().unwrap();
    // It stays there: two more toggles at that period.
    let changes = |v: Value| v.as_str().unwrap_or("").parse::<u64>().unwrap_or(0);
    let seen =
        changes(eval(client, &format!("{led}.querySelector('.detail').textContent.match(/(\\d+) changes/)[1]")).await);
    wait_for(
        client,
        5,
        "two more toggles",
        &format!("+{led}.querySelector('.detail').textContent.match(/(\\d+) changes/)[1] >= {}", seen + 2),
    )
    .await;
    let interval = eval(client, &format!("+{led}.dataset.interval")).await.as_i64().unwrap();
    assert!((interval - second).abs() <= 100, "the LED toggles every {interval} ms, the delay is {second} ms");
    let detail = eval(client, &format!("{led}.querySelector('.detail').textContent")).await;
    assert!(detail.as_str().unwrap().starts_with("toggles every "), "{detail}");
    eprintln!("button_queue: clicks {late} ms apart, printed {second}, LED period {period} then {interval} ms");

    // The screenshot for the README, with the LED lit.
    wait_for(client, 3, "the LED lit for the screenshot", &format!("{led}.dataset.value === '65535'")).await;
    let png = client.screenshot().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = vec![root.join("target/dashboard.png")];
    if std::env::var("UASYNCIO_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        paths.push(root.join("docs/dashboard.png"));
    }
    for path in paths {
        std::fs::write(&path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

async fn brightness_in_the_browser(client: &Client) {
    let url = start_program(30.0, brightness_program);
    client.goto(&url).await.unwrap();
    wait_for(client, 10, "the live connection", "document.getElementById('link').textContent === 'connected'").await;
    wait_for(client, 5, "the potentiometer slider", "document.getElementById('adc-36')").await;
    let pwm = "document.getElementById('pin-5')";
    wait_for(client, 5, "the LED as a PWM output", &format!("{pwm} && {pwm}.dataset.kind === 'pwm'")).await;
    // The pot starts at 0: the on phase is dark too.
    let slider = client.find(Locator::Id("adc-36")).await.unwrap();
    // A click in the slider's middle: half way.
    slider.click().await.unwrap();
    let pot = wait_for(client, 3, "the pot at half way", "(() => { const v = +document.getElementById('pin-36').dataset.value; return v > 28000 && v < 37000 ? v : null; })()").await;
    // The on phase shows it within 2 s (1 s on, 1 s off; read every 100 ms).
    let half = wait_for(
        client,
        4,
        "the duty at half",
        &format!("(() => {{ const v = +{pwm}.dataset.value; return v > 0 ? v : null; }})()"),
    )
    .await;
    let expected = pot.as_f64().unwrap() / 65535.0;
    let duty = half.as_f64().unwrap() / 65535.0;
    assert!((duty - expected).abs() < 0.02, "pot at {expected:.3}, duty {duty:.3}");
    let shown = eval(client, &format!("{pwm}.querySelector('.value').textContent")).await;
    let percent: u32 =
        shown.as_str().unwrap().strip_prefix("duty ").and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
    assert!((45..=55).contains(&percent), "the page shows {shown}");
    // End: the pot at the top, the duty at full.
    slider.send_keys(&Key::End.to_string()).await.unwrap();
    wait_for(client, 3, "the pot at the top", "document.getElementById('pin-36').dataset.value === '65535'").await;
    wait_for(client, 4, "the duty at full", &format!("{pwm}.dataset.value === '65535'")).await;
    assert_eq!(eval(client, &format!("{pwm}.querySelector('.value').textContent")).await, "duty 100 % (65535)");
}

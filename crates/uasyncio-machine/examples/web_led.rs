//! The classic ESP32 web-server tutorial: a page with ON and OFF buttons
//! for the LED on GPIO 2, served by a Microdot-style app (uasyncio-web) on
//! the same loop as the board.
//!
//! ```text
//! cargo run -p uasyncio-machine --example web_led                    # http://127.0.0.1:8000/
//! cargo run -p uasyncio-machine --example web_led -- --listen 0.0.0.0:8000 --http 127.0.0.1:8080
//! ```
//!
//! | route | does |
//! |---|---|
//! | `GET /` | the page: the LED's state, an ON and an OFF button |
//! | `POST /led/on`, `POST /led/off` | switch it, then back to the page (303) |
//! | `GET /api/led` | `{"on": true}` |
//!
//! With `--http` the board's dashboard runs beside it (another port).

use std::rc::Rc;

use serde_json::json;
use uasyncio_machine::{Board, Ending, Pin, cli::App, cli::Options};
use uasyncio_web::{App as WebApp, Response};

/// The page, with the LED's state.
fn page(on: bool) -> Response {
    let (state, class) = if on { ("ON", "on") } else { ("OFF", "off") };
    Response::html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ESP32 web server</title>
<style>
body {{ font-family: system-ui, sans-serif; text-align: center; margin-top: 40px; }}
button {{ font-size: 22px; padding: 12px 36px; margin: 8px; border: 0; border-radius: 6px; color: #fff; }}
.on {{ background: #2e9e4f; }} .off {{ background: #555; }}
</style></head>
<body>
<h1>ESP32 web server</h1>
<p>GPIO 2 is <strong id="state" class="{class}">{state}</strong></p>
<form method="post" action="/led/on" style="display:inline"><button class="on" id="on">ON</button></form>
<form method="post" action="/led/off" style="display:inline"><button class="off" id="off">OFF</button></form>
</body></html>
"#
    ))
}

/// The web application for `led`.
pub fn app(led: Rc<Pin>) -> WebApp {
    let (on, off, api) = (led.clone(), led.clone(), led.clone());
    WebApp::new()
        .get("/", move |_| {
            let on = led.value();
            async move { page(on) }
        })
        .post("/led/on", move |_| {
            on.on();
            async { Response::redirect("/").with_status(303) }
        })
        .post("/led/off", move |_| {
            off.off();
            async { Response::redirect("/").with_status(303) }
        })
        .get("/api/led", move |_| {
            let on = api.value();
            async move { Response::json(&json!({ "on": on })) }
        })
}

/// Serves the page at `host:port` until the program ends.
pub async fn main_task(host: String, port: u16) {
    let led = Rc::new(Pin::new(2, Pin::OUT));
    match app(led).serve(&host, port).await {
        Ok(server) => eprintln!("web_led: http://{}/", server.local_addr()),
        Err(e) => {
            eprintln!("web_led: cannot listen on {host}:{port}: {e}");
            uasyncio::get_event_loop().stop();
        }
    }
}

#[allow(dead_code)]
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut listen = "127.0.0.1:8000".to_string();
    if let Some(i) = args.iter().position(|a| a == "--listen") {
        let Some(addr) = args.get(i + 1).cloned() else {
            eprintln!("web_led: --listen needs HOST:PORT");
            std::process::exit(2);
        };
        listen = addr;
        args.drain(i..i + 2);
    }
    let Some((host, port)) = listen.rsplit_once(':').and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
    else {
        eprintln!("web_led: --listen needs HOST:PORT, not {listen:?}");
        std::process::exit(2);
    };
    let options = Options::parse_from(args).unwrap_or_else(|message| {
        eprintln!("web_led: {message}");
        std::process::exit(2);
    });
    if options.virtual_time {
        eprintln!("web_led: a web server needs the real clock (a virtual clock has no sockets): leave out --virtual");
        std::process::exit(2);
    }
    let board = Board::esp32();
    board.label(2, "led");
    // Until Ctrl-C (a day) unless --duration says.
    let outcome =
        App::new(board).default_duration(86_400.0).run_with(&options, Ending::Forever, move || main_task(host, port));
    if let Err(message) = outcome {
        eprintln!("web_led: {message}");
        std::process::exit(1);
    }
}

//! The board on the web: the dashboard's HTTP interface (`--http`), the
//! dashboard in a real browser, and the web examples (`notifier`,
//! `web_led`). One test binary: each file is a module
//! (`cargo test -p uasyncio-machine --test web dashboard_browser::`).

#[path = "dashboard.rs"]
mod dashboard;
#[path = "dashboard_browser.rs"]
mod dashboard_browser;
#[path = "notifier.rs"]
mod notifier;
#[path = "web_led.rs"]
mod web_led;

//! The timeouts on virtual time, over the runtime's in-memory network: a
//! slow client and an idle keep-alive connection are closed exactly when
//! the idle timeout says.

use uasyncio::stream::memory::MemoryNetwork;
use uasyncio_web::{App, Limits};

fn app() -> App {
    App::new().limits(Limits { idle_timeout_ms: 500, ..Limits::default() }).get("/", |_| async { "ok" })
}

#[test]
fn a_slowloris_client_gets_408_at_the_idle_timeout_exactly() {
    let (response, at_ms) = uasyncio::run_virtual(async {
        let net = MemoryNetwork::new();
        let server = app().serve_memory(&net, 80).await.unwrap();
        let (mut reader, mut writer) = net.open_connection(80).await.unwrap();
        let trickle = uasyncio::create_task(async move {
            for byte in b"GET / HTTP/1.1\r\nHost: slow\r\n" {
                writer.write(&[*byte]);
                if writer.drain().await.is_err() {
                    break;
                }
                uasyncio::sleep_ms(100).await;
            }
        });
        let response = reader.read_to_end().await.unwrap();
        let at_ms = uasyncio::time::ticks_ms();
        trickle.cancel();
        server.close();
        (String::from_utf8(response).unwrap(), at_ms)
    });
    assert!(response.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{response}");
    assert_eq!(at_ms, 500);
}

#[test]
fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout_after_its_last_response() {
    let (first, at_ms) = uasyncio::run_virtual(async {
        let net = MemoryNetwork::new();
        let server = app().serve_memory(&net, 80).await.unwrap();
        let (mut reader, mut writer) = net.open_connection(80).await.unwrap();
        uasyncio::sleep_ms(300).await;
        writer.write(b"GET / HTTP/1.1\r\n\r\n");
        writer.drain().await.unwrap();
        let all = reader.read_to_end().await.unwrap();
        let at_ms = uasyncio::time::ticks_ms();
        server.close();
        (String::from_utf8(all).unwrap(), at_ms)
    });
    assert!(first.starts_with("HTTP/1.1 200 OK\r\n") && first.ends_with("\r\n\r\nok"), "{first}");
    // Answered at 300 ms, closed 500 ms later.
    assert_eq!(at_ms, 800);
}

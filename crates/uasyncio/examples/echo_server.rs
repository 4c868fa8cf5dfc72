//! An echo server: every line a client sends comes back, each connection
//! handled by a task of its own, on one loop.
//!
//! ```text
//! cargo run -p uasyncio --example echo_server -- --port 8765
//! nc localhost 8765        # in another terminal; type lines
//! ```
//!
//! Lines are capped at 4 KiB (`readline_limit`): a client sending a longer
//! one is told so and disconnected, so no client can make the server's
//! memory grow without bound. `--host` picks the address (default
//! `0.0.0.0`, all IPv4 interfaces; `::` for IPv6).

use std::cell::Cell;
use std::rc::Rc;

use uasyncio::{StreamReader, StreamWriter};

const MAX_LINE: usize = 4096;

async fn serve(id: u64, mut reader: StreamReader, mut writer: StreamWriter) {
    let peer = writer.peer_addr().map_or_else(|| "?".to_string(), |a| a.to_string());
    println!("connection {id} from {peer}");
    let mut lines = 0u64;
    let why = loop {
        match reader.readline_limit(MAX_LINE).await {
            Ok(line) if line.is_empty() => break "closed by the client".to_string(),
            Ok(line) => {
                lines += 1;
                writer.write(&line);
                if let Err(e) = writer.drain().await {
                    break format!("write failed: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                writer.write(format!("line longer than {MAX_LINE} bytes: bye\n").as_bytes());
                break "line too long".to_string();
            }
            Err(e) => break format!("read failed: {e}"),
        }
    };
    writer.close();
    let _ = writer.wait_closed().await;
    println!("connection {id} from {peer} ended after {lines} lines: {why}");
}

fn main() -> std::io::Result<()> {
    let mut host = "0.0.0.0".to_string();
    let mut port: u16 = 8765;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args.next().and_then(|p| p.parse().ok()).expect("--port takes a number (0: any free port)")
            }
            "--host" => host = args.next().expect("--host takes an address or a name"),
            other => {
                eprintln!("unknown argument {other:?}; usage: echo_server [--host ADDR] [--port N]");
                std::process::exit(2);
            }
        }
    }
    uasyncio::run(async move {
        let next_id = Rc::new(Cell::new(1u64));
        let server = uasyncio::start_server(
            move |reader, writer| {
                let id = next_id.replace(next_id.get() + 1);
                serve(id, reader, writer)
            },
            &host,
            port,
        )
        .await?;
        println!("echo server listening on {} (Ctrl-C to stop)", server.local_addr());
        server.wait_closed().await;
        Ok(())
    })
}

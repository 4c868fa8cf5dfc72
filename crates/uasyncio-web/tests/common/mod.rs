//! A raw HTTP client for the tests: bytes out, responses parsed with httparse.

#![allow(dead_code)]

use uasyncio::StreamReader;

/// A response as the client saw it.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// Reads one response (`None` at EOF before any byte of it).
pub async fn read_response(reader: &mut StreamReader) -> Option<Got> {
    let mut head = Vec::new();
    loop {
        let line = reader.readline().await.ok()?;
        if line.is_empty() {
            assert!(head.is_empty(), "EOF inside a response head: {:?}", String::from_utf8_lossy(&head));
            return None;
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    assert!(parsed.parse(&head).unwrap().is_complete());
    let status = parsed.code.unwrap();
    let headers: Vec<(String, String)> =
        parsed.headers.iter().map(|h| (h.name.to_string(), String::from_utf8(h.value.to_vec()).unwrap())).collect();
    let mut got = Got { status, headers, body: Vec::new() };
    if got.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = reader.readline().await.unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&size).unwrap().trim(), 16).unwrap();
            let chunk = reader.readexactly(size + 2).await.unwrap();
            if size == 0 {
                break;
            }
            got.body.extend_from_slice(&chunk[..size]);
        }
    } else {
        let len: usize = got.header("content-length").map_or(0, |v| v.parse().unwrap());
        got.body = reader.readexactly(len).await.unwrap();
    }
    Some(got)
}

/// Opens a connection to `port`, sends `request` and reads one response.
pub async fn exchange(port: u16, request: &[u8]) -> Got {
    let (mut reader, mut writer) = uasyncio::open_connection("127.0.0.1", port).await.unwrap();
    writer.write(request);
    writer.drain().await.unwrap();
    read_response(&mut reader).await.expect("a response")
}

/// `GET path` with `Connection: close`.
pub async fn get(port: u16, path: &str) -> Got {
    exchange(port, format!("GET {path} HTTP/1.1\r\nHost: board\r\nConnection: close\r\n\r\n").as_bytes()).await
}

/// Runs `body` on a real loop, failing (not hanging) after 10 s.
pub fn run<T: 'static>(body: impl Future<Output = T> + 'static) -> T {
    uasyncio::run(async move { uasyncio::wait_for(body, 10).await.expect("the test took over 10 s: something hangs") })
}

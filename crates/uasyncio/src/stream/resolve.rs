//! Name resolution that does not block the loop.

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex};

use crate::sync::ThreadSafeFlag;

/// The addresses of `host:port`. An IP literal (and the empty host, as
/// "any address") is answered at once; a name is looked up by the OS
/// resolver on a helper thread, which sets a [`ThreadSafeFlag`] the task
/// waits on (MicroPython's `getaddrinfo` blocks the loop instead). A task
/// cancelled meanwhile leaves the thread to finish alone.
pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if host.is_empty() {
        return Ok(alloc::vec![SocketAddr::new(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED), port)]);
    }
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(alloc::vec![SocketAddr::new(ip, port)]);
    }
    let done = Arc::new(ThreadSafeFlag::new());
    let answer: Arc<Mutex<Option<io::Result<Vec<SocketAddr>>>>> = Arc::default();
    let (flag, slot, name) = (done.clone(), answer.clone(), alloc::string::String::from(host));
    std::thread::Builder::new().name("uasyncio-resolve".into()).spawn(move || {
        let found = (name.as_str(), port).to_socket_addrs().map(Iterator::collect);
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
        flag.set();
    })?;
    done.wait().await;
    let found = answer.lock().unwrap_or_else(|e| e.into_inner()).take();
    found.unwrap_or_else(|| Err(io::Error::other("the resolver thread ended without an answer")))
}

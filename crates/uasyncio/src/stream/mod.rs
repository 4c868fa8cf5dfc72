//! Streams: MicroPython's `extmod/asyncio/stream.py` and its I/O queue.
//!
//! - [`StreamReader`] / [`StreamWriter`] (the stream core, in
//!   `buffered.rs`): buffering, `read`, `readline`, `readexactly`,
//!   `read_to_end`, `readinto`, `write` + `drain`, `close` +
//!   `wait_closed`, over any `embedded_io_async` transport; no OS in
//!   sight, so a board plugs in its own socket (embassy-net, smoltcp).
//! - [`memory`]: in-memory pipes and a network of them, for servers and
//!   clients on the virtual clock.
//! - With `std`: TCP ([`open_connection`],
//!   [`start_server`], [`Server`]) on the OS poller
//!   ([`IoQueue`], owned by the loop's [`Platform`](crate::Platform)). The
//!   loop's idle wait blocks in that poller with the timeout to the next
//!   timer, and is woken early by a [`ThreadSafeFlag`](crate::ThreadSafeFlag)
//!   set on another thread (the poller's notify). While tasks are parked on
//!   sockets and others keep the loop busy, the loop also looks at the
//!   poller, without waiting, every 61 steps; with no task parked on a
//!   socket this costs nothing per step.
//!
//! A task parked on a socket counts as one that something outside the loop
//! may wake: a loop whose tasks wait on sockets idles in the poller, it is
//! not deadlocked; one where nothing at all can wake the main task still
//! is reported. Real sockets need real time: on a loop whose platform has
//! no poller (a [`VirtualClock`](crate::VirtualClock)), opening one fails
//! with `Unsupported`, since such a loop would jump time past bytes about
//! to arrive; the in-memory streams run there instead.

mod buffered;
pub mod memory;
#[cfg(feature = "std")]
mod resolve;
mod server;
#[cfg(feature = "std")]
mod tcp;

#[cfg(feature = "std")]
pub use crate::io_queue::{IoQueue, IoStats};
pub use buffered::{BUFFER_SIZE, Close, PeerAddr, StreamError, StreamReader, StreamWriter};
pub use server::Server;
#[cfg(feature = "std")]
pub use tcp::{
    DEFAULT_BACKLOG, TcpReader, TcpWriter, io_stats, open_connection, start_server, start_server_with_backlog,
};

/// The error type of the in-memory streams: `std::io::Error` with `std`,
/// [`embedded_io::ErrorKind`] without.
#[cfg(feature = "std")]
pub type Error = std::io::Error;
/// The error type of the in-memory streams: `std::io::Error` with `std`,
/// [`embedded_io::ErrorKind`] without.
#[cfg(not(feature = "std"))]
pub type Error = embedded_io::ErrorKind;

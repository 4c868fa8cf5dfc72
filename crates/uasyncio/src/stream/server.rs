//! `Server`: a running accept task (MicroPython's `asyncio.Server`).

use alloc::rc::Rc;
use core::cell::Cell;
use core::future::Future;
use core::net::SocketAddr;

use crate::sync::Event;
use crate::task::TaskRef;

/// A listening server, as [`start_server`](crate::start_server) (or
/// [`MemoryNetwork::start_server`](super::memory::MemoryNetwork::start_server))
/// gives: its accept task runs each connection's handler as a task of its own.
///
/// Dropping the `Server` does not stop it (as in MicroPython): call
/// [`close`](Self::close).
///
/// ```
/// uasyncio::run_virtual(async {
///     let net = uasyncio::stream::memory::MemoryNetwork::new();
///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
///     server.close();
///     server.wait_closed().await;
///     assert!(net.open_connection(server.local_addr().port()).await.is_err());
/// });
/// ```
pub struct Server {
    accept: TaskRef,
    local_addr: SocketAddr,
    shared: Rc<Shared>,
}

pub(crate) struct Shared {
    /// Set when the accept task has ended (its listener is closed then).
    closed: Event,
    /// Connections the accept task failed to take (`EMFILE`, …).
    pub(crate) accept_errors: Cell<u64>,
}

/// Sets the server's `closed` event however the accept task ends.
struct ClosedOnDrop(Rc<Shared>);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        self.0.closed.set();
    }
}

impl Server {
    /// Starts `accept` (the accept loop, owning the listener) as a task and
    /// yields once so it runs before the caller goes on (MicroPython's
    /// `start_server` does too). If the caller is cancelled at that yield,
    /// the accept task is cancelled with it.
    pub(crate) async fn start<F>(accept: F, local_addr: SocketAddr) -> Result<Server, super::Error>
    where
        F: Future<Output = ()> + 'static,
    {
        Self::start_with(|_| accept, local_addr).await
    }

    /// [`start`](Self::start) with an accept loop that reports to the server's shared state.
    pub(crate) async fn start_with<F>(
        accept: impl FnOnce(Rc<Shared>) -> F,
        local_addr: SocketAddr,
    ) -> Result<Server, super::Error>
    where
        F: Future<Output = ()> + 'static,
    {
        let shared = Rc::new(Shared { closed: Event::new(), accept_errors: Cell::new(0) });
        let guard = ClosedOnDrop(shared.clone());
        let body = accept(shared.clone());
        let task = crate::create_task(async move {
            let _guard = guard;
            body.await;
        });
        let server = Server { accept: task.task_ref(), local_addr, shared };
        drop(task);
        let mut cancel_if_dropped = CancelOnDrop(Some(server.accept.clone()));
        crate::sleep(0).await;
        cancel_if_dropped.0 = None;
        Ok(server)
    }

    /// Stops accepting: the accept task is cancelled and its listening
    /// socket closed (connections already accepted go on). Closing twice
    /// does nothing.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
    ///     server.close();
    ///     server.close();
    ///     server.wait_closed().await;
    /// });
    /// ```
    pub fn close(&self) {
        self.accept.cancel();
    }

    /// Waits until the accept task has ended (after [`close`](Self::close),
    /// or if the task was cancelled otherwise). Returns at once when it has
    /// already ended, however many times it is called.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
    ///     server.close();
    ///     server.wait_closed().await;
    ///     server.wait_closed().await; // a second wait: at once
    /// });
    /// ```
    ///
    /// As awaiting the accept task in MicroPython: a `wait_closed` dropped
    /// before the server has closed (its task cancelled, a `wait_for`
    /// timed out) cancels the accept task, and the server closes.
    pub async fn wait_closed(&self) {
        let mut linked = CancelOnDrop(Some(self.accept.clone()));
        self.shared.closed.wait().await;
        linked.0 = None;
    }

    /// The address the server listens on (the port it was given, or the
    /// free port the OS chose for port 0).
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 8080).await.unwrap();
    ///     assert_eq!(server.local_addr().to_string(), "127.0.0.1:8080");
    /// });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How many connections the accept task could not take (the process
    /// out of file descriptors, `EMFILE`, and the like). Each is reported
    /// on stderr; accepting resumes 100 ms later.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
    ///     assert_eq!(server.accept_errors(), 0);
    /// });
    /// ```
    pub fn accept_errors(&self) -> u64 {
        self.shared.accept_errors.get()
    }

    /// The accept task.
    ///
    /// ```
    /// uasyncio::run_virtual(async {
    ///     let net = uasyncio::stream::memory::MemoryNetwork::new();
    ///     let server = net.start_server(|_, _| async {}, 0).await.unwrap();
    ///     assert!(!server.task().done());
    /// });
    /// ```
    pub fn task(&self) -> &TaskRef {
        &self.accept
    }
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("closed", &self.shared.closed.is_set())
            .finish_non_exhaustive()
    }
}

/// Cancels the accept task unless disarmed (the starter was cancelled).
struct CancelOnDrop(Option<TaskRef>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.cancel();
        }
    }
}

//! A socket registered with the OS poller: the stream layer's one `unsafe`
//! call (`polling::Poller::add`) and the guarantee it needs.
//!
//! `Poller::add` is unsafe because the poller must not outlive its
//! knowledge of the descriptor: a descriptor closed while still registered
//! may be reused by another file, whose events the poller would then report
//! under the old key. [`Registered`] owns the socket and takes it out of
//! the poller before the socket itself is dropped, so a registration lives
//! exactly as long as its socket.

use crate::raw::sync::Arc;
use std::io;

use crate::stream::IoQueue;
use crate::time::Platform;

/// A socket in the poller of its loop's platform, under `key`.
pub(crate) struct Registered<S: polling::AsSource> {
    /// Declared first: dropped (closed) only after `drop` took it out of the poller.
    source: S,
    /// The platform whose [`IoQueue`] holds the registration (kept alive by us).
    platform: Arc<dyn Platform>,
    key: usize,
}

impl<S: polling::AsSource> Registered<S>
where
    for<'a> &'a S: polling::AsRawSource,
{
    /// Registers `source` (already non-blocking) in edge-triggered mode for
    /// both directions, under a fresh slot of the platform's queue.
    pub(crate) fn new(source: S, platform: Arc<dyn Platform>) -> io::Result<Registered<S>> {
        let queue = platform.io_queue()?;
        let key = queue.insert_slot();
        // SAFETY: `source` moves into the `Registered` returned below (or is
        // dropped here after a failed add, which registered nothing); its
        // `Drop` deletes it from this same poller before `source` is closed,
        // and the `Arc` keeps the poller alive until then.
        let added = unsafe { queue.poller().add_with_mode(&source, polling::Event::all(key), polling::PollMode::Edge) };
        if let Err(error) = added {
            queue.remove_slot(key);
            return Err(error);
        }
        Ok(Registered { source, platform, key })
    }
}

impl<S: polling::AsSource> Registered<S> {
    /// The socket.
    pub(crate) fn get(&self) -> &S {
        &self.source
    }

    /// The slot of the queue that tracks this socket's readiness.
    pub(crate) fn key(&self) -> usize {
        self.key
    }

    /// The queue the socket is registered with.
    pub(crate) fn queue(&self) -> &IoQueue {
        self.platform.io_queue().expect("a registered socket's platform has its I/O queue")
    }
}

impl<S: polling::AsSource> Drop for Registered<S> {
    fn drop(&mut self) {
        let queue = self.queue();
        // A failure here means the descriptor is already gone from the
        // poller (it was never reported under this key again): nothing to do.
        let _ = queue.poller().delete(&self.source);
        queue.remove_slot(self.key);
    }
}

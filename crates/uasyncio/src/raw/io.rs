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

/// A socket in `poller`, edge-triggered for both directions, under `key`.
pub(crate) struct Registered<S: polling::AsSource> {
    /// Declared first: dropped (closed) only after `drop` took it out of the poller.
    source: S,
    /// Kept alive by us until the socket is out of it.
    poller: Arc<polling::Poller>,
}

impl<S: polling::AsSource> Registered<S>
where
    for<'a> &'a S: polling::AsRawSource,
{
    /// Registers `source` (already non-blocking) under `key`.
    pub(crate) fn new(source: S, poller: Arc<polling::Poller>, key: usize) -> io::Result<Registered<S>> {
        // SAFETY: `source` moves into the `Registered` returned below (or is
        // dropped here after a failed add, which registered nothing); its
        // `Drop` deletes it from this same poller, kept alive by the `Arc`,
        // before `source` is closed.
        unsafe { poller.add_with_mode(&source, polling::Event::all(key), polling::PollMode::Edge)? };
        Ok(Registered { source, poller })
    }
}

impl<S: polling::AsSource> Registered<S> {
    /// The socket.
    pub(crate) fn get(&self) -> &S {
        &self.source
    }
}

impl<S: polling::AsSource> Drop for Registered<S> {
    fn drop(&mut self) {
        // A failure means the descriptor is no longer in the poller: nothing to undo.
        let _ = self.poller.delete(&self.source);
    }
}

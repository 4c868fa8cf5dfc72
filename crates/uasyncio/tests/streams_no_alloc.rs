//! No allocation per readiness wait: once a connection is warmed up, echo
//! round trips over loopback (each a park on the poller, an idle wait in
//! it, a wake) allocate nothing, on either end. Its own test binary: the
//! counting allocator is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use embedded_io_async::Read as _;
use uasyncio::{StreamReader, StreamWriter};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same layout, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
    let mut buf = [0u8; 256];
    while let Ok(n) = reader.readinto(&mut buf).await {
        if n == 0 {
            return;
        }
        writer.write(&buf[..n]);
        if writer.drain().await.is_err() {
            return;
        }
    }
}

#[test]
fn echo_round_trips_over_loopback_allocate_nothing_once_warm() {
    let allocations = uasyncio::new_event_loop().run_until_complete(async {
        let server = uasyncio::start_server(echo, "127.0.0.1", 0).await.unwrap();
        let (mut reader, mut writer) =
            uasyncio::open_connection("127.0.0.1", server.local_addr().port()).await.unwrap();
        let message = [7u8; 64];
        let mut back = [0u8; 64];
        let mut round_trip = async |reader: &mut StreamReader, writer: &mut StreamWriter| {
            writer.write(&message);
            writer.drain().await.unwrap();
            reader.read_exact(&mut back).await.unwrap();
            assert_eq!(back, message);
        };
        for _ in 0..100 {
            round_trip(&mut reader, &mut writer).await;
        }
        ALLOCATIONS.store(0, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        for _ in 0..1000 {
            round_trip(&mut reader, &mut writer).await;
        }
        COUNTING.store(false, Ordering::Relaxed);
        let allocations = ALLOCATIONS.load(Ordering::Relaxed);
        server.close();
        server.wait_closed().await;
        allocations
    });
    assert_eq!(allocations, 0, "allocations in 1000 warm echo round trips");
}

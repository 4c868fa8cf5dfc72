//! Zero allocation per press, per debounce and per encoder edge, once the
//! inputs run, counted by a global allocator. The pins are a contact of
//! this test's own (an embedded-hal `InputPin` + `Wait` that allocates
//! nothing), so what is counted is the inputs and the runtime alone (the
//! simulated board records every change, which allocates).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use embedded_hal::digital::{ErrorType, InputPin};
use embedded_hal_async::digital::Wait;
use uasyncio::{ThreadSafeFlag, sleep_ms, sleep_us};
use uasyncio_machine::{ButtonConfig, EButton, Encoder, EncoderConfig, Pushbutton, Switch};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// A contact to ground on a pulled-up pin: high while open.
#[derive(Default)]
struct Wire {
    low: Cell<bool>,
    changed: ThreadSafeFlag,
}

/// The pin side of a `Wire`.
#[derive(Clone, Default)]
struct Contact(Rc<Wire>);

impl Contact {
    fn set_low(&self, low: bool) {
        self.0.low.set(low);
        self.0.changed.set();
    }

    fn toggle(&self) {
        self.set_low(!self.0.low.get());
    }

    async fn until(&self, low: bool) {
        while self.0.low.get() != low {
            self.0.changed.wait().await;
        }
    }
}

impl ErrorType for Contact {
    type Error = Infallible;
}

impl InputPin for Contact {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        Ok(!self.0.low.get())
    }

    fn is_low(&mut self) -> Result<bool, Infallible> {
        Ok(self.0.low.get())
    }
}

impl Wait for Contact {
    async fn wait_for_high(&mut self) -> Result<(), Infallible> {
        self.until(false).await;
        Ok(())
    }

    async fn wait_for_low(&mut self) -> Result<(), Infallible> {
        self.until(true).await;
        Ok(())
    }

    async fn wait_for_rising_edge(&mut self) -> Result<(), Infallible> {
        self.until(true).await;
        self.until(false).await;
        Ok(())
    }

    async fn wait_for_falling_edge(&mut self) -> Result<(), Infallible> {
        self.until(false).await;
        self.until(true).await;
        Ok(())
    }

    async fn wait_for_any_edge(&mut self) -> Result<(), Infallible> {
        let low = self.0.low.get();
        self.until(!low).await;
        Ok(())
    }
}

/// A press with 3 ms of chatter, held `hold_ms`, then `gap_ms` open.
async fn chattering_press(contact: &Contact, hold_ms: u32, gap_ms: u32) {
    for _ in 0..7 {
        contact.toggle();
        sleep_us(500).await;
    }
    sleep_ms(hold_ms).await;
    for _ in 0..7 {
        contact.toggle();
        sleep_us(500).await;
    }
    sleep_ms(gap_ms).await;
}

/// One click, one double click, one long press.
async fn gestures(contact: &Contact) {
    chattering_press(contact, 100, 600).await;
    chattering_press(contact, 100, 100).await;
    chattering_press(contact, 100, 600).await;
    chattering_press(contact, 1200, 600).await;
}

/// The allocations of rounds 10 to 50 of `round`, the first ten growing
/// the loop's queues.
async fn steady(mut round: impl AsyncFnMut()) -> u64 {
    for _ in 0..10 {
        round().await;
    }
    let before = allocations();
    for _ in 0..40 {
        round().await;
    }
    allocations() - before
}

fn counter() -> (Rc<Cell<u32>>, impl FnMut() + 'static) {
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    (count, move || c.set(c.get() + 1))
}

#[test]
fn a_pushbutton_allocates_nothing_per_press_release_double_or_long() {
    let (allocated, counts) = uasyncio::run_virtual(async {
        let contact = Contact::default();
        let button = Pushbutton::with_config(contact.clone(), ButtonConfig::suppressed());
        let (presses, f) = counter();
        button.on_press(f);
        let (releases, f) = counter();
        button.on_release(f);
        let (doubles, f) = counter();
        button.on_double(f);
        let (longs, f) = counter();
        button.on_long(f);
        let allocated = steady(async || gestures(&contact).await).await;
        (allocated, [presses.get(), releases.get(), doubles.get(), longs.get()])
    });
    assert_eq!(
        counts,
        [200, 50, 50, 50],
        "four presses per round; with suppress one of release, double, long per gesture"
    );
    assert_eq!(allocated, 0);
}

#[test]
fn an_ebutton_allocates_nothing_per_gesture() {
    let (allocated, doubles) = uasyncio::run_virtual(async {
        let contact = Contact::default();
        let button = Rc::new(EButton::new(contact.clone()));
        let doubles = Rc::new(Cell::new(0));
        let (b, d) = (button.clone(), doubles.clone());
        uasyncio::create_task(async move {
            loop {
                b.double().wait().await;
                b.double().clear();
                d.set(d.get() + 1);
            }
        });
        let allocated = steady(async || gestures(&contact).await).await;
        (allocated, doubles.get())
    });
    assert_eq!(doubles, 50);
    assert_eq!(allocated, 0);
}

#[test]
fn a_switch_allocates_nothing_per_change() {
    let (allocated, closes) = uasyncio::run_virtual(async {
        let contact = Contact::default();
        let switch = Switch::new(contact.clone());
        let (closes, f) = counter();
        switch.on_close(f);
        let allocated = steady(async || chattering_press(&contact, 100, 100).await).await;
        (allocated, closes.get())
    });
    assert_eq!(closes, 50);
    assert_eq!(allocated, 0);
}

#[test]
fn an_encoder_allocates_nothing_per_edge_or_report() {
    let (allocated, value) = uasyncio::run_virtual(async {
        let (a, b) = (Contact::default(), Contact::default());
        let encoder = Encoder::with_config(a.clone(), b.clone(), EncoderConfig { div: 4, ..EncoderConfig::default() });
        let (reports, f) = counter();
        let mut f = f;
        encoder.on_change(move |_, _| f());
        let allocated = steady(async || {
            // One detent clockwise: A falls, B falls, A rises, B rises.
            for contact in [&a, &b, &a, &b] {
                contact.toggle();
                sleep_ms(2).await;
            }
            sleep_ms(200).await;
        })
        .await;
        assert_eq!(reports.get(), 50);
        (allocated, encoder.value())
    });
    assert_eq!(value, 50);
    assert_eq!(allocated, 0);
}

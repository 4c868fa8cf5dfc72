//! Running a program on a board: the outside world's script, the program, and
//! an optional end time, all as tasks of one event loop.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use uasyncio::EventLoop;

use crate::board::Board;

/// Runs `main` on `board` in virtual time for `secs` seconds, then returns
/// (the board's trace ends at `secs`). The board is installed and its script
/// played ([`Board::play_script`]). Changes at exactly `secs` are included.
///
/// This is how the timeline tests run the tutorials: ten simulated seconds
/// take a few milliseconds.
///
/// ```
/// use uasyncio_machine::{Board, Pin, run_virtual_for};
/// let board = Board::esp32().install();
/// run_virtual_for(&board, 2.0, || async {
///     let led = Pin::new(14, Pin::OUT);
///     loop {
///         led.toggle();
///         uasyncio::sleep(0.5).await;
///     }
/// });
/// let edges: Vec<u64> = board.trace().edges_of(14).iter().map(|e| e.0 / 1000).collect();
/// assert_eq!(edges, [0, 500, 1000, 1500, 2000]);
/// ```
pub fn run_virtual_for<M>(board: &Board, secs: f64, main: impl IntoMain<M>) {
    let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
    run_on(&event_loop, board, Some(secs), main);
}

/// How a run ends, besides its duration: MicroPython's two ways to run a
/// program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `asyncio.run(main())`: when `main` returns, even if other tasks are
    /// still pending.
    MainReturns,
    /// `loop.create_task(main()); loop.run_forever()`: when the loop is
    /// stopped, or nothing can run any more.
    Forever,
}

/// Runs `main` on `board` on `event_loop` as MicroPython's
/// `loop.create_task(main()); loop.run_forever()`: until `secs` seconds have
/// passed if given, else until the loop is stopped or nothing can run any
/// more. Returns the end time in µs.
///
/// ```
/// use uasyncio_machine::{Board, Pin, run_on};
/// let board = Board::esp32().install();
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// let end_us = run_on(&event_loop, &board, None, || async {
///     Pin::new(14, Pin::OUT).on();
///     uasyncio::sleep(3).await;
/// });
/// assert_eq!(end_us, 3_000_000); // nothing could run any more
/// ```
pub fn run_on<M>(event_loop: &EventLoop, board: &Board, secs: Option<f64>, main: impl IntoMain<M>) -> u64 {
    run_program(event_loop, board, secs, Ending::Forever, main)
}

/// Runs `main` on `board` on `event_loop` until `ending` says, or until
/// `secs` seconds have passed if given. Returns the end time in µs.
///
/// ```
/// use uasyncio_machine::{Board, Ending, Pin, run_program};
/// let board = Board::esp32().install();
/// let event_loop = uasyncio::new_event_loop_with(uasyncio::VirtualClock::new());
/// let end_us = run_program(&event_loop, &board, Some(10.0), Ending::MainReturns, || async {
///     uasyncio::create_task(async {
///         loop {
///             uasyncio::sleep(1).await; // left pending, as asyncio.run leaves it
///         }
///     });
///     uasyncio::sleep(2.5).await;
/// });
/// assert_eq!(end_us, 2_500_000);
/// assert_eq!(board.trace().end_us, 2_500_000);
/// ```
pub fn run_program<M>(
    event_loop: &EventLoop,
    board: &Board,
    secs: Option<f64>,
    ending: Ending,
    main: impl IntoMain<M>,
) -> u64 {
    let Some(secs) = secs else {
        let end_us = run_until(event_loop, board, ending, main, None::<std::future::Pending<()>>);
        board.finish(end_us);
        return end_us;
    };
    let end_us = crate::board::secs_to_us(secs);
    let stopper = async move {
        let now = uasyncio::now_us();
        uasyncio::sleep_us(end_us.saturating_sub(now)).await;
        // Let the tasks due at the same instant run first.
        uasyncio::sleep_ms(0).await;
    };
    let stopped_us = run_until(event_loop, board, ending, main, Some(stopper));
    // On the real clock the loop stops a little after `end_us`: report the
    // duration asked for, unless the program ended before.
    let end_us = stopped_us.min(end_us);
    board.finish(end_us);
    end_us
}

/// Runs `main` and the board's script on `event_loop` until `ending` says or
/// `stopper` finishes. Returns the end time in µs; the caller closes the
/// board's record with it (`Board::finish`).
///
/// With [`Ending::MainReturns`] the run returns the moment `main` does, as
/// `uasyncio::run` (and MicroPython's `asyncio.run`) do: tasks due at that
/// same instant do not run. A panic in `main` then propagates, as
/// `asyncio.run` raises `main`'s exception.
pub(crate) fn run_until<M, S>(
    event_loop: &EventLoop,
    board: &Board,
    ending: Ending,
    main: impl IntoMain<M>,
    stopper: Option<S>,
) -> u64
where
    S: Future<Output = ()> + 'static,
{
    board.clone().install();
    event_loop.create_task(board.play_script());
    let main = main.into_main();
    let ended = board.clone();
    let main = async move {
        main.await;
        if ending == Ending::MainReturns {
            ended.note_main_returned();
        }
    };
    match ending {
        Ending::MainReturns => event_loop.run_until_complete(first_of(main, stopper)),
        Ending::Forever => {
            event_loop.create_task(main);
            if let Some(stopper) = stopper {
                event_loop.create_task(async move {
                    stopper.await;
                    uasyncio::get_event_loop().stop();
                });
            }
            event_loop.run_forever();
        }
    }
    event_loop.time_us()
}

/// Finishes when `main` does, or when `stopper` does if there is one.
async fn first_of(main: impl Future<Output = ()>, stopper: Option<impl Future<Output = ()>>) {
    let mut main = pin!(main);
    let mut stopper = pin!(stopper);
    poll_fn(|cx| {
        if main.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        match stopper.as_mut().as_pin_mut() {
            Some(stopper) => stopper.poll(cx),
            None => Poll::Pending,
        }
    })
    .await
}

/// What the runners ([`run_virtual_for`], [`run_program`], [`cli::App::run`](crate::cli::App::run)
/// …) accept as the program's `main`: what `uasyncio::run` accepts — a
/// future such as `main_task()` — or something to call for it: an `async fn`
/// (`main_task`) or a closure (`|| async { … }`). Called, it is called once
/// the board is installed.
///
/// `M` is [`main_kind::Future`] or [`main_kind::Call`], told apart by the
/// compiler: nothing to write.
///
/// ```
/// use uasyncio_machine::{Board, Pin, run_virtual_for};
/// async fn main_task() {
///     Pin::new(14, Pin::OUT).on();
/// }
/// let board = Board::esp32().install();
/// run_virtual_for(&board, 1.0, main_task()); // a future, as for uasyncio::run
/// run_virtual_for(&board, 1.0, main_task); // the async fn itself
/// run_virtual_for(&board, 1.0, || async { Pin::new(12, Pin::OUT).on() }); // a closure
/// assert_eq!(board.level(14), Some(true));
/// assert_eq!(board.level(12), Some(true));
/// ```
pub trait IntoMain<M> {
    /// The program's main task.
    type Main: Future<Output = ()> + 'static;
    /// The future to run as the main task.
    fn into_main(self) -> Self::Main;
}

/// The two kinds of [`IntoMain`]: a future, or a function returning one.
pub mod main_kind {
    /// `main` is a future (`main_task()`), run as it is.
    #[derive(Debug)]
    pub enum Future {}
    /// `main` is called for its future (`main_task`, `|| async { … }`).
    #[derive(Debug)]
    pub enum Call {}
}

impl<Fut> IntoMain<main_kind::Future> for Fut
where
    Fut: Future<Output = ()> + 'static,
{
    type Main = Fut;
    fn into_main(self) -> Fut {
        self
    }
}

impl<F, Fut> IntoMain<main_kind::Call> for F
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    type Main = Fut;
    fn into_main(self) -> Fut {
        self()
    }
}

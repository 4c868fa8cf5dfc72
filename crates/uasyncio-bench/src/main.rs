//! Side-by-side benchmark of `uasyncio` against tokio, async-executor, embassy,
//! futures' LocalPool and the real MicroPython, plus a no-runtime floor.
//!
//! `cargo run --release -p uasyncio-bench -- [--quick] [--json FILE]`
//!
//! Each workload runs on every runtime in the same process run; the table shows
//! the cost per operation and, for each peer, the ratio ours/peer. See the
//! crate's README for what each workload measures.

mod common;
mod floor;
mod host;
mod method;
mod micropython;
mod net;
mod rt_async_executor;
mod rt_embassy;
mod rt_localpool;
mod rt_tokio;
mod rt_uasyncio;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{Outcome, RunStats, Sizes, Workload};
use host::HostFigures;
use method::{Results, Spread, Summary};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

/// Our runtime's column name.
const OURS: &str = "uasyncio";
/// The Rust peers, whose best result is the yardstick of each target.
const RUST_PEERS: [&str; 4] = ["tokio", "async-executor", "embassy", "futures-localpool"];
/// Every column, in table order.
const COLUMNS: [&str; 7] = [OURS, "tokio", "async-executor", "embassy", "futures-localpool", "micropython", "floor"];

type Measure = fn(Workload, &Sizes) -> Outcome;

/// The in-process runtimes, in the order they run in the first round (each
/// later round starts one place further on).
const IN_PROCESS: [(&str, Measure); 6] = [
    (OURS, rt_uasyncio::measure),
    ("tokio", rt_tokio::measure),
    ("async-executor", rt_async_executor::measure),
    ("embassy", rt_embassy::measure),
    ("futures-localpool", rt_localpool::measure),
    ("floor", floor::measure),
];

/// Timed runs of one cell after the first when the first is disturbed.
const MAX_REDOS: usize = 2;

const USAGE: &str = "usage: uasyncio-bench [--quick] [--json FILE] [--only COLUMN] [--workload NAME] [--ops N] \
                     [--once] (--workload streams: the three stream workloads)";

struct Args {
    quick: bool,
    json: Option<String>,
    /// Run only this column (for profiling one runtime).
    only: Option<String>,
    /// Run only this executor workload.
    workload: Option<Workload>,
    /// Run only this stream workload (or `streams`: the three of them).
    net_workload: Option<String>,
    /// Operations for the selected workload instead of its usual size.
    ops: Option<usize>,
    /// One timed run per cell: one round, no warm-up, no redo, no host
    /// figures (for profiling and counting instructions).
    once: bool,
    /// Internal: measure the resident-memory workload for this column in this
    /// process, print the figure and exit.
    rss_child: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        quick: false,
        json: None,
        only: None,
        workload: None,
        net_workload: None,
        ops: None,
        once: false,
        rss_child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().unwrap_or_else(|| panic!("{a} needs {what} ({USAGE})"));
        match a.as_str() {
            "--quick" => args.quick = true,
            "--once" => args.once = true,
            "--json" => args.json = Some(value("a file name")),
            "--only" => args.only = Some(value("a column name")),
            "--rss-child" => args.rss_child = Some(value("a column name")),
            "--workload" => {
                let name = value("a workload name");
                let net_names: Vec<_> = net::NetWorkload::ALL.iter().map(|w| w.name()).collect();
                if name == "streams" || net_names.contains(&name.as_str()) {
                    args.net_workload = Some(name);
                } else {
                    let mut names: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
                    names.extend(net_names);
                    names.push("streams");
                    args.workload = Some(
                        Workload::from_name(&name)
                            .unwrap_or_else(|| panic!("unknown workload {name:?}: give one of {}", names.join(", "))),
                    );
                }
            }
            "--ops" => {
                let n = value("a count");
                args.ops = Some(n.parse().unwrap_or_else(|_| panic!("--ops {n:?}: give a positive whole number")));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other:?} ({USAGE})"),
        }
    }
    if args.ops.is_some() && args.workload.is_none() {
        panic!("--ops sets the size of one executor workload: give --workload NAME too (not a stream workload)");
    }
    args
}

/// Everything measured for one row.
struct Row {
    workload: Workload,
    /// One entry per round.
    rounds: Vec<Results>,
    /// Per column, the stats of each kept timed run.
    stats: BTreeMap<&'static str, Vec<RunStats>>,
    /// Per column, how many timed runs were redone.
    redone: BTreeMap<&'static str, usize>,
    /// Figures measured once, outside the rounds (MicroPython).
    extra: Results,
}

impl Row {
    fn summary(&self) -> Summary {
        let mut s = Summary::of(&self.rounds, OURS, &RUST_PEERS);
        let ours = s.medians.get(OURS).copied();
        for (&c, &v) in &self.extra {
            s.medians.insert(c, v);
            s.figures.insert(c, Spread { median: v, min: v, max: v });
            // MicroPython's tiny timer runs can come out at zero (wall time
            // minus the sleep): a figure, but no ratio.
            if let Some(o) = ours.filter(|_| v > 0.0) {
                s.paired.insert(c, Spread { median: o / v, min: o / v, max: o / v });
            }
        }
        s
    }
}

fn main() {
    let args = parse_args();
    let mut sizes = if args.quick { Sizes::quick() } else { Sizes::full() };
    if let (Some(w), Some(n)) = (args.workload, args.ops) {
        sizes = sizes.with_ops(w, n);
    }
    if let Some(column) = &args.rss_child {
        rss_child(column, &sizes);
        return;
    }
    keep_freed_memory();
    let wanted = |column: &str| args.only.as_deref().is_none_or(|o| o == column);
    let rounds = if args.once { 1 } else { sizes.rounds };
    let host = (!args.once && args.only.is_none()).then(|| {
        eprint!("host figures: ");
        let h = host::measure(args.quick);
        eprintln!("atomic RMW {:.1} ns, cache miss {:.1} ns", h.atomic_rmw_ns, h.cache_miss_ns);
        h
    });

    let mut notes: Vec<String> = Vec::new();
    // (runtime, reason) -> the workloads it skipped for that reason.
    let mut skips: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    let mut skip = |name: &'static str, why: &'static str, w: Workload| {
        let skipped = skips.entry((name, why)).or_default();
        if !skipped.contains(&w.name()) {
            skipped.push(w.name());
        }
    };
    let mut rows: Vec<Row> = Workload::ALL
        .into_iter()
        .filter(|w| args.net_workload.is_none() && args.workload.is_none_or(|only| only == *w))
        .map(|workload| Row {
            workload,
            rounds: Vec::new(),
            stats: BTreeMap::new(),
            redone: BTreeMap::new(),
            extra: Results::new(),
        })
        .collect();
    // A 1M-timer run takes seconds, and 100k-timer runs wait 50 ms each.
    let rounds_of = |w: Workload| match w {
        Workload::Timers(2) => 1,
        Workload::Timers(1) => rounds.min(3),
        _ => rounds,
    };
    // Whole rounds over every workload rather than back-to-back repetitions:
    // a burst of load from other jobs then spoils one round, not every
    // repetition of the workload it hits.
    let executor_rounds = if rows.iter().any(|r| r.workload.is_timed()) { rounds } else { 0 };
    for round in 0..executor_rounds {
        eprint!("round {}/{rounds}:", round + 1);
        for row in rows.iter_mut().filter(|r| r.workload.is_timed()) {
            let w = row.workload;
            if round >= rounds_of(w) {
                continue;
            }
            eprint!(" {}", w.name());
            let mut results = Results::new();
            for (name, measure) in method::rotated(&IN_PROCESS, round) {
                if !wanted(name) {
                    continue;
                }
                if !args.once {
                    // The untimed warm-up: the runtime's code and the heap
                    // it grows are warm when the timed run starts.
                    let _ = measure(w, &sizes);
                    let _ = common::take_last_run();
                }
                let timed = || (measure(w, &sizes), common::take_last_run());
                let (outcome, redone) = timed_cell(timed, sizes.ops(w), args.once);
                if redone > 0 {
                    *row.redone.entry(name).or_default() += redone;
                }
                match outcome {
                    Err(why) => skip(name, why, w),
                    Ok((v, stats)) => {
                        results.insert(name, v);
                        row.stats.entry(name).or_default().push(stats);
                    }
                }
            }
            row.rounds.push(results);
        }
        eprintln!();
    }
    // The counts: once each, memory in this process, resident memory in a
    // fresh process per runtime.
    for row in rows.iter_mut().filter(|r| !r.workload.is_timed()) {
        let mut results = Results::new();
        for (name, measure) in IN_PROCESS {
            if !wanted(name) {
                continue;
            }
            let outcome = match row.workload {
                Workload::RssPerTask => rss_in_child(name, &args),
                w => measure(w, &sizes),
            };
            match outcome {
                Outcome::Measured(v) => {
                    results.insert(name, v);
                }
                Outcome::Skipped(why) => skip(name, why, row.workload),
            }
        }
        row.rounds.push(results);
    }
    for ((name, why), workloads) in &skips {
        notes.push(format!("{name} skips {}: {why}", workloads.join(", ")));
    }
    notes.push(format!(
        "embassy memory: no heap per task; its static slot for a sleeping task is {} bytes",
        rt_embassy::static_bytes_per_sleeping_task()
    ));

    // The stream workloads: their own rounds, their own table.
    let net_sizes = if args.quick { net::NetSizes::quick() } else { net::NetSizes::full() };
    let net_workloads: Vec<net::NetWorkload> = net::NetWorkload::ALL
        .into_iter()
        .filter(|w| {
            args.workload.is_none() && args.net_workload.as_deref().is_none_or(|n| n == w.name() || n == "streams")
        })
        .collect();
    let mut net_rows: Vec<(net::NetWorkload, Results)> = net_workloads.iter().map(|w| (*w, Results::new())).collect();
    let net_reps = if args.once { 1 } else { sizes.rounds.min(3) };
    for round in 0..if net_rows.is_empty() { 0 } else { net_reps } {
        eprint!("streams round {}/{net_reps}:", round + 1);
        for (w, row) in net_rows.iter_mut() {
            eprint!(" {}", w.name());
            for (name, measure) in net::RUNTIMES {
                if wanted(name) {
                    let v = measure(*w, &net_sizes);
                    let best = row.entry(name).or_insert(v);
                    *best = best.min(v);
                }
            }
        }
        eprintln!();
    }

    // Found as the tests find it; the bench never installs it.
    match micropython_oracle::find().filter(|_| wanted("micropython")) {
        Some(binary) => {
            let binary = binary.canonicalize().unwrap_or(binary);
            eprintln!("micropython: {}", binary.display());
            let plan = micropython::Plan::new(args.quick);
            let results = plan.run(&binary);
            for row in &mut rows {
                if let Some(v) = results.get(row.workload.name()) {
                    row.extra.insert("micropython", *v);
                }
            }
            for (w, row) in &mut net_rows {
                if let Some(v) = results.get(w.name()) {
                    row.insert("micropython", *v);
                }
            }
            notes.extend(plan.notes);
        }
        None => notes.push(format!("micropython not found ({}): column skipped", micropython_oracle::LOOKED_AT)),
    }

    let summaries: Vec<(Workload, Summary)> = rows.iter().map(|r| (r.workload, r.summary())).collect();
    if !rows.is_empty() {
        print_table(&rows, &summaries, &sizes, args.quick, rounds, host, &notes);
    }
    if !net_rows.is_empty() {
        print_net_table(&net_rows, &net_sizes, net_reps);
    }
    if let Some(path) = args.json {
        std::fs::write(&path, to_json(&summaries, &sizes, rounds, host)).expect("write the JSON file");
        println!("wrote {path}");
    }
}

/// One timed cell: runs `timed` (the workload, then its [`RunStats`]) until a
/// run is not visibly disturbed, at most `1 + MAX_REDOS` times (once with
/// `once`), and keeps the least disturbed run. Returns the kept figure and
/// stats (or the runtime's reason to skip) and the number of runs redone.
fn timed_cell(
    mut timed: impl FnMut() -> (Outcome, Option<RunStats>),
    ops: usize,
    once: bool,
) -> (Result<(f64, RunStats), &'static str>, usize) {
    let mut kept: Option<(f64, RunStats)> = None;
    let mut redone = 0;
    for attempt in 0..=MAX_REDOS {
        let (v, stats) = match timed() {
            (Outcome::Skipped(why), _) => return (Err(why), redone),
            (Outcome::Measured(v), stats) => (v, stats.unwrap_or_default()),
        };
        if kept.is_none_or(|(_, k)| stats.disturbance() < k.disturbance()) {
            kept = Some((v, stats));
        }
        if once || attempt == MAX_REDOS || !stats.disturbed(ops) {
            break;
        }
        redone += 1;
    }
    (Ok(kept.expect("at least one run")), redone)
}

/// Memory a measurement frees stays with the process (glibc neither trims the
/// heap's top nor maps big blocks separately), the same for every runtime: a
/// fresh runtime per measurement otherwise takes thousands of minor faults to
/// grow its pools again, at 1-35 µs each on this project's VM.
fn keep_freed_memory() {
    // SAFETY: mallopt only changes glibc's tuning; called before any thread
    // other than main exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

/// In the child process: the resident-memory figure of `column`, printed.
fn rss_child(column: &str, sizes: &Sizes) {
    let (_, measure) = IN_PROCESS
        .iter()
        .find(|(name, _)| *name == column)
        .unwrap_or_else(|| panic!("--rss-child {column:?}: not an in-process column"));
    match measure(Workload::RssPerTask, sizes) {
        Outcome::Measured(v) => println!("measured {v}"),
        Outcome::Skipped(why) => println!("skipped {why}"),
    }
}

/// Runs the resident-memory workload for `column` in a fresh process of this
/// program.
fn rss_in_child(column: &'static str, args: &Args) -> Outcome {
    let exe = std::env::current_exe().expect("the path of this program");
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--rss-child", column]);
    if args.quick {
        cmd.arg("--quick");
    }
    if let (Some(w), Some(n)) = (args.workload, args.ops) {
        cmd.args(["--workload", w.name(), "--ops", &n.to_string()]);
    }
    let out = cmd.output().expect("run the resident-memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    if let Some(v) = line.strip_prefix("measured ").and_then(|v| v.parse().ok()) {
        return Outcome::Measured(v);
    }
    if let Some(why) = line.strip_prefix("skipped ") {
        // Once per runtime and run: a few bytes.
        return Outcome::Skipped(Box::leak(why.to_string().into_boxed_str()));
    }
    panic!(
        "the resident-memory child for {column} failed ({}): {text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A target: a ratio and its limit.
struct Target {
    /// What the ratio is taken against, for the verdict's text.
    against: String,
    ratio: Spread,
    limit: Option<f64>,
}

impl Target {
    fn text(&self) -> String {
        let Spread { median, min, max } = self.ratio;
        let spread = if min == max { String::new() } else { format!(" [{min:.2}-{max:.2}]") };
        match self.limit {
            Some(limit) => format!("{median:.2}{spread} of {} <= {limit}: {}", self.against, met(median <= limit)),
            None => format!("{median:.2}{spread} of {}", self.against),
        }
    }
}

/// The target against the best Rust peer (or tokio, or our own 1k-timer
/// cost) for a row, if it has one.
fn peer_target(w: Workload, summaries: &[(Workload, Summary)], s: &Summary) -> Option<Target> {
    let ours = s.medians.get(OURS).copied()?;
    let best = |limit: f64| -> Option<Target> {
        Some(Target { against: format!("best ({})", s.best_peer_name?), ratio: s.best_peer?, limit: Some(limit) })
    };
    let tokio = |limit: Option<f64>| -> Option<Target> {
        Some(Target { against: "tokio".into(), ratio: *s.paired.get("tokio")?, limit })
    };
    match w {
        Workload::Yield | Workload::PingPong | Workload::Queue => best(0.8),
        // Published beside the idiomatic rows; issue 15 sets no target.
        Workload::PingPongLocal | Workload::QueueLocal => Some(Target { limit: None, ..best(0.0)? }),
        Workload::SpawnJoinSeq | Workload::SpawnJoinBatch => best(0.5),
        Workload::MemoryPerTask | Workload::RssPerTask => tokio(Some(0.5)),
        Workload::Timers(0) => tokio(Some(1.0)),
        Workload::Timers(i) => {
            let small = summaries.iter().find(|(w, _)| *w == Workload::Timers(0))?.1.medians.get(OURS).copied()?;
            let r = ours / small;
            Some(Target {
                against: "timers_1k".into(),
                ratio: Spread { median: r, min: r, max: r },
                limit: (i == 2).then_some(2.0),
            })
        }
    }
}

/// Ours against the floor (paired by round), with the target where issue 15
/// set one.
fn floor_target(w: Workload, rows: &[Row]) -> Option<Target> {
    let row = rows.iter().find(|r| r.workload == w)?;
    let ratios: Vec<f64> = row.rounds.iter().filter_map(|r| Some(r.get(OURS)? / r.get("floor")?)).collect();
    let limit = match w {
        Workload::Yield => Some(1.5),
        Workload::SpawnJoinSeq => Some(5.0),
        _ => None,
    };
    Some(Target { against: "floor".into(), ratio: Spread::of(&ratios)?, limit })
}

fn met(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}

fn print_table(
    rows: &[Row],
    summaries: &[(Workload, Summary)],
    sizes: &Sizes,
    quick: bool,
    rounds: usize,
    host: Option<HostFigures>,
    notes: &[String],
) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nuasyncio-bench ({} run): cost per operation, median of {rounds} rounds (timers_100k: {}, timers_1m and \
         the memory rows: 1); runtime order rotated every round, one untimed warm-up per cell, a disturbed run \
         redone (up to {MAX_REDOS} times); in brackets the median over rounds of ours/peer within each round",
        if quick { "quick" } else { "full" },
        rounds.min(3),
    );
    match host {
        Some(h) => {
            let _ = writeln!(
                out,
                "host: uncontended atomic RMW {:.1} ns, cache miss (dependent load, random line of a buffer far \
                 beyond the caches) {:.1} ns",
                h.atomic_rmw_ns, h.cache_miss_ns
            );
        }
        None => {
            let _ = writeln!(out, "host: not measured (--once or --only)");
        }
    }
    let _ = writeln!(out);
    let _ = write!(out, "{:<17} {:<14} {:>9}", "workload", "unit", "N");
    for c in COLUMNS {
        let _ = write!(out, " {c:>17}");
    }
    let _ = writeln!(out, "  target against the best peer | against the floor");
    for (w, s) in summaries {
        let _ = write!(out, "{:<17} {:<14} {:>9}", w.name(), w.unit(), sizes.ops(*w));
        for c in COLUMNS {
            let cell = match (s.medians.get(c), s.paired.get(c)) {
                (Some(v), Some(r)) if c != OURS => format!("{} ({:.2})", fmt_num(*v), r.median),
                (Some(v), _) => fmt_num(*v),
                (None, _) => "-".into(),
            };
            let _ = write!(out, " {cell:>17}");
        }
        let peer = peer_target(*w, summaries, s).map(|t| t.text()).unwrap_or_default();
        let floor = floor_target(*w, rows).map(|t| t.text()).unwrap_or_default();
        let _ = writeln!(out, "  {peer} | {floor}");
    }
    let _ = writeln!(
        out,
        "\nper cell: spread of the figure over rounds ((max-min)/median, %), then minor faults / involuntary \
         context switches per timed run (median), then +redone runs\n"
    );
    let _ = write!(out, "{:<17}", "workload");
    for c in COLUMNS.iter().filter(|c| **c != "micropython") {
        let _ = write!(out, " {c:>17}");
    }
    let _ = writeln!(out);
    for (row, (_, s)) in rows.iter().zip(summaries).filter(|(r, _)| r.workload.is_timed()) {
        let _ = write!(out, "{:<17}", row.workload.name());
        for c in COLUMNS.iter().filter(|c| **c != "micropython") {
            let cell = match (s.figures.get(c), row.stats.get(c)) {
                (Some(f), Some(stats)) => {
                    let faults: Vec<f64> = stats.iter().map(|x| x.minor_faults as f64).collect();
                    let switches: Vec<f64> = stats.iter().map(|x| x.involuntary_switches as f64).collect();
                    let mut cell = format!(
                        "{:.0}% {:.0}/{:.0}",
                        100.0 * (f.max - f.min) / f.median,
                        method::median(&faults).unwrap_or(0.0),
                        method::median(&switches).unwrap_or(0.0)
                    );
                    if let Some(n) = row.redone.get(c) {
                        let _ = write!(cell, " +{n}");
                    }
                    cell
                }
                _ => "-".into(),
            };
            let _ = write!(out, " {cell:>17}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "yield, spawn_join, pingpong, queue: CPU time of the running thread per operation");
    let _ = writeln!(
        out,
        "pingpong_local, queue_local: the same hand-written local flag / queue on every executor, both sides \
         spawned as tasks (the executor alone); pingpong, queue: each runtime's own primitives, as used"
    );
    let _ = writeln!(
        out,
        "timers: process CPU time (user+system, all threads) from the first spawn to the last join, per timer"
    );
    let _ =
        writeln!(out, "memory: net heap bytes (counting allocator, requested sizes) while the tasks sleep, per task");
    let _ = writeln!(
        out,
        "rss: growth of the resident set (/proc/self/statm) of a fresh process while the tasks sleep, per task"
    );
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    print!("{out}");
}

/// The stream workloads' table: ours ÷ each peer, and the target against
/// the best Rust peer (tokio or smol).
fn print_net_table(rows: &[(net::NetWorkload, Results)], sizes: &net::NetSizes, reps: usize) {
    const NET_COLUMNS: [&str; 5] = ["uasyncio", "tokio", "smol", "floor", "micropython"];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nstreams over loopback TCP (server and clients on one thread): CPU time of the thread (user + system) per \
         operation, best of {reps}; ratio ours/peer in brackets\n"
    );
    let _ = write!(out, "{:<13} {:<18} {:>6}", "workload", "unit", "N");
    for c in NET_COLUMNS {
        let _ = write!(out, " {c:>17}");
    }
    let _ = writeln!(out, "  target");
    for (w, row) in rows {
        let _ = write!(out, "{:<13} {:<18} {:>6}", w.name(), w.unit(), sizes.ops(*w));
        let ours = row.get(OURS).copied();
        for c in NET_COLUMNS {
            let cell = match (row.get(c), ours) {
                (Some(v), Some(o)) if c != OURS => format!("{} ({:.2})", fmt_num(*v), o / v),
                (Some(v), _) => fmt_num(*v),
                (None, _) => "-".into(),
            };
            let _ = write!(out, " {cell:>17}");
        }
        let best =
            ["tokio", "smol"].iter().filter_map(|p| row.get(p).map(|v| (*p, *v))).min_by(|a, b| a.1.total_cmp(&b.1));
        let verdict = match (ours, best) {
            (Some(o), Some((peer, p))) => {
                let floor =
                    row.get("floor").map(|f| format!("; the floor is {:.2} of {peer}", f / p)).unwrap_or_default();
                format!("{:.2} of best ({peer}) <= {}: {}{floor}", o / p, w.target(), met(o / p <= w.target()))
            }
            _ => "no result".into(),
        };
        let _ = writeln!(out, "  {verdict}");
    }
    let _ = writeln!(
        out,
        "echo: {}-byte messages; echo_100: {} connections x {} messages; accept_close: connect, one request line, \
         the answer, close\nfloor: the same exchange on the system calls alone, no runtime (echo: edge-triggered \
         epoll_wait + recv/send, the calls an event loop cannot avoid; accept_close: blocking calls, no readiness wait)",
        net::MESSAGE,
        sizes.connections,
        sizes.per_connection
    );
    print!("{out}");
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn json_spread(s: Option<Spread>, peer: Option<&str>) -> String {
    match s {
        None => "null".into(),
        Some(Spread { median, min, max }) => {
            let peer = peer.map(|p| format!("\"peer\": \"{p}\", ")).unwrap_or_default();
            format!("{{{peer}\"median\": {median:.3}, \"min\": {min:.3}, \"max\": {max:.3}}}")
        }
    }
}

fn to_json(summaries: &[(Workload, Summary)], sizes: &Sizes, rounds: usize, host: Option<HostFigures>) -> String {
    let mut s = String::from("{");
    match host {
        Some(h) => {
            let _ = write!(
                s,
                "\"host\": {{\"atomic_rmw_ns\": {:.2}, \"cache_miss_ns\": {:.2}}}, ",
                h.atomic_rmw_ns, h.cache_miss_ns
            );
        }
        None => s.push_str("\"host\": null, "),
    }
    let _ = write!(s, "\"rounds\": {rounds}, \"workloads\": [");
    for (i, (w, summary)) in summaries.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(
            s,
            "{{\"name\": \"{}\", \"unit\": \"{}\", \"n\": {}, \"results\": {{",
            w.name(),
            w.unit(),
            sizes.ops(*w)
        );
        let mut first = true;
        for c in COLUMNS {
            if let Some(v) = summary.medians.get(c) {
                if !first {
                    s.push_str(", ");
                }
                first = false;
                let _ = write!(s, "\"{c}\": {v:.2}");
            }
        }
        s.push_str("}, \"floor\": ");
        match summary.medians.get("floor") {
            Some(v) => {
                let _ = write!(s, "{v:.2}");
            }
            None => s.push_str("null"),
        }
        s.push_str(", \"spread\": {");
        let mut first = true;
        for c in COLUMNS {
            if let Some(f) = summary.figures.get(c) {
                if !first {
                    s.push_str(", ");
                }
                first = false;
                let _ = write!(s, "\"{c}\": [{:.2}, {:.2}]", f.min, f.max);
            }
        }
        let _ = write!(s, "}}, \"ratio_best_peer\": {}}}", json_spread(summary.best_peer, summary.best_peer_name));
    }
    s.push_str("]}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(figures: &[(&'static str, f64)]) -> Results {
        figures.iter().copied().collect()
    }

    #[test]
    fn json_keeps_the_schema_and_adds_floor_spread_ratio_and_host() {
        let rounds = [
            round(&[(OURS, 30.0), ("tokio", 100.0), ("floor", 6.0)]),
            round(&[(OURS, 32.0), ("tokio", 80.0), ("floor", 6.2)]),
        ];
        let summaries = [
            (Workload::Yield, Summary::of(&rounds, OURS, &RUST_PEERS)),
            (Workload::Timers(2), Summary::of(&[], OURS, &RUST_PEERS)),
        ];
        let host = HostFigures { atomic_rmw_ns: 4.8, cache_miss_ns: 101.25 };
        let json = to_json(&summaries, &Sizes::full(), 9, Some(host));
        assert_eq!(
            json,
            "{\"host\": {\"atomic_rmw_ns\": 4.80, \"cache_miss_ns\": 101.25}, \"rounds\": 9, \"workloads\": [\
             {\"name\": \"yield\", \"unit\": \"ns/op\", \"n\": 1280000, \"results\": \
             {\"uasyncio\": 31.00, \"tokio\": 90.00, \"floor\": 6.10}, \"floor\": 6.10, \
             \"spread\": {\"uasyncio\": [30.00, 32.00], \"tokio\": [80.00, 100.00], \"floor\": [6.00, 6.20]}, \
             \"ratio_best_peer\": {\"peer\": \"tokio\", \"median\": 0.350, \"min\": 0.300, \"max\": 0.400}}, \
             {\"name\": \"timers_1m\", \"unit\": \"cpu_ns/timer\", \"n\": 1000000, \"results\": {}, \
             \"floor\": null, \"spread\": {}, \"ratio_best_peer\": null}]}\n"
        );
    }

    #[test]
    fn verdict_compares_with_the_best_rust_peer_of_each_round_not_the_floor() {
        let rounds = [
            round(&[(OURS, 40.0), ("tokio", 100.0), ("embassy", 50.0), ("floor", 5.0)]),
            round(&[(OURS, 40.0), ("tokio", 45.0), ("embassy", 50.0), ("floor", 5.0)]),
            round(&[(OURS, 36.0), ("tokio", 100.0), ("embassy", 40.0), ("floor", 5.0)]),
        ];
        let s = Summary::of(&rounds, OURS, &RUST_PEERS);
        let summaries = [(Workload::Yield, s.clone())];
        let target = peer_target(Workload::Yield, &summaries, &s).unwrap();
        assert_eq!(target.text(), "0.89 [0.80-0.90] of best (embassy) <= 0.8: MISSED");
        let rows = [Row {
            workload: Workload::Yield,
            rounds: rounds.to_vec(),
            stats: BTreeMap::new(),
            redone: BTreeMap::new(),
            extra: Results::new(),
        }];
        assert_eq!(floor_target(Workload::Yield, &rows).unwrap().text(), "8.00 [7.20-8.00] of floor <= 1.5: MISSED");
    }

    #[test]
    fn a_disturbed_run_is_redone_at_most_twice_and_the_least_disturbed_kept() {
        let run = |faults: u64| RunStats { cpu_ns: 1_000_000, minor_faults: faults, ..RunStats::default() };
        let script = |faults: Vec<u64>| {
            let mut runs = faults.into_iter().enumerate();
            move || {
                let (i, f) = runs.next().expect("no more runs than the script");
                (Outcome::Measured(i as f64), Some(run(f)))
            }
        };
        // Calm at once: one run.
        assert_eq!(timed_cell(script(vec![0]), 1_000, false), (Ok((0.0, run(0))), 0));
        // Disturbed, then calm: the calm one.
        assert_eq!(timed_cell(script(vec![500, 3]), 1_000, false), (Ok((1.0, run(3))), 1));
        // Disturbed three times: the least disturbed of the three, no fourth run.
        assert_eq!(timed_cell(script(vec![500, 90, 300]), 1_000, false), (Ok((1.0, run(90))), 2));
        // --once: never redone.
        assert_eq!(timed_cell(script(vec![500]), 1_000, true), (Ok((0.0, run(500))), 0));
        let skipped = || (Outcome::Skipped("no timers"), None);
        assert_eq!(timed_cell(skipped, 1_000, false), (Err("no timers"), 0));
    }

    #[test]
    fn a_run_with_many_faults_or_preemptions_is_disturbed() {
        let calm = RunStats {
            cpu_ns: 10_000_000,
            minor_faults: 3,
            voluntary_switches: 40,
            involuntary_switches: 1,
            whole_process: false,
        };
        assert!(!calm.disturbed(1_000_000));
        assert!(RunStats { minor_faults: 200, ..calm }.disturbed(1_000_000));
        assert!(RunStats { involuntary_switches: 3, ..calm }.disturbed(1_000_000));
        // A long run may be preempted more often.
        assert!(!RunStats { cpu_ns: 100_000_000, involuntary_switches: 7, ..calm }.disturbed(1_000_000));
        // A runtime's own threads preempt each other; faults still count.
        let timers = RunStats { involuntary_switches: 700, whole_process: true, ..calm };
        assert!(!timers.disturbed(1_000));
        assert!(RunStats { minor_faults: 200, ..timers }.disturbed(1_000));
    }

    #[test]
    fn timer_delays_are_deterministic_and_within_1_to_50_ms() {
        let a = common::delays_us(10_000);
        assert_eq!(a, common::delays_us(10_000));
        assert!(a.iter().all(|&us| (1_000..=50_000).contains(&us)));
        assert!(a.iter().any(|&us| us < 5_000) && a.iter().any(|&us| us > 45_000));
    }
}

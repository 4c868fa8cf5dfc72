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
mod micropython;
mod net;
mod rt_async_executor;
mod rt_embassy;
mod rt_localpool;
mod rt_tokio;
mod rt_uasyncio;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{Outcome, Sizes, Workload};

#[global_allocator]
static ALLOC: common::CountingAlloc = common::CountingAlloc;

/// Our runtime's column name.
const OURS: &str = "uasyncio";
/// The Rust peers, whose best result is the yardstick of each target.
const RUST_PEERS: [&str; 4] = ["tokio", "async-executor", "embassy", "futures-localpool"];
/// Every column, in table order.
const COLUMNS: [&str; 7] = [OURS, "tokio", "async-executor", "embassy", "futures-localpool", "micropython", "floor"];

type Measure = fn(Workload, &Sizes) -> Outcome;

/// The in-process runtimes, in the order they run within each repetition.
const IN_PROCESS: [(&str, Measure); 6] = [
    (OURS, rt_uasyncio::measure),
    ("tokio", rt_tokio::measure),
    ("async-executor", rt_async_executor::measure),
    ("embassy", rt_embassy::measure),
    ("futures-localpool", rt_localpool::measure),
    ("floor", floor::measure),
];

struct Args {
    quick: bool,
    json: Option<String>,
    /// Run only this column (for profiling one runtime).
    only: Option<String>,
    /// Run only this workload.
    workload: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args { quick: false, json: None, only: None, workload: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--json" => args.json = Some(it.next().expect("--json needs a file name")),
            "--only" => args.only = Some(it.next().expect("--only needs a column name")),
            "--workload" => args.workload = Some(it.next().expect("--workload needs a name")),
            "-h" | "--help" => {
                println!(
                    "usage: uasyncio-bench [--quick] [--json FILE] [--only COLUMN] [--workload NAME] \
                     (--workload streams: the three stream workloads)"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other:?} (usage: [--quick] [--json FILE])"),
        }
    }
    args
}

/// One row: workload → column → figure.
type Results = BTreeMap<&'static str, f64>;

fn main() {
    let args = parse_args();
    let sizes = if args.quick { Sizes::quick() } else { Sizes::full() };
    let mut notes: Vec<String> = Vec::new();
    // (runtime, reason) -> the workloads it skipped for that reason.
    let mut skips: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();

    let wanted = |column: &str| args.only.as_deref().is_none_or(|o| o == column);
    let workloads: Vec<Workload> =
        Workload::ALL.into_iter().filter(|w| args.workload.as_deref().is_none_or(|n| n == w.name())).collect();
    // Memory is a count, not a time; the 1M-timer run is long: once each.
    let reps_of = |w: Workload| match w {
        Workload::MemoryPerTask | Workload::Timers(2) => 1,
        Workload::Timers(_) => sizes.reps.min(3),
        _ => sizes.reps,
    };
    let mut rows: Vec<(Workload, Results)> = workloads.iter().map(|w| (*w, Results::new())).collect();
    // Whole rounds over every workload rather than back-to-back repetitions:
    // a burst of load from other jobs then spoils one round, not every
    // repetition of the workload it hits; each cell keeps its best.
    for round in 0..sizes.reps {
        eprint!("round {}/{}:", round + 1, sizes.reps);
        for (w, row) in rows.iter_mut() {
            if round >= reps_of(*w) {
                continue;
            }
            eprint!(" {}", w.name());
            for (name, measure) in IN_PROCESS {
                if !wanted(name) {
                    continue;
                }
                match measure(*w, &sizes) {
                    Outcome::Measured(v) => {
                        let best = row.entry(name).or_insert(v);
                        *best = best.min(v);
                    }
                    Outcome::Skipped(why) => {
                        let skipped = skips.entry((name, why)).or_default();
                        if !skipped.contains(&w.name()) {
                            skipped.push(w.name());
                        }
                    }
                }
            }
        }
        eprintln!();
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
        .filter(|w| args.workload.as_deref().is_none_or(|n| n == w.name() || n == "streams"))
        .collect();
    let mut net_rows: Vec<(net::NetWorkload, Results)> = net_workloads.iter().map(|w| (*w, Results::new())).collect();
    let net_reps = sizes.reps.min(3);
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
            for (w, row) in &mut rows {
                if let Some(v) = results.get(w.name()) {
                    row.insert("micropython", *v);
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

    if !rows.is_empty() {
        print_table(&rows, &sizes, args.quick, &notes);
    }
    if !net_rows.is_empty() {
        print_net_table(&net_rows, &net_sizes, net_reps);
    }
    if let Some(path) = args.json {
        std::fs::write(&path, to_json(&rows)).expect("write the JSON file");
        println!("wrote {path}");
    }
}

/// The target for a row: a readable verdict, or `None` if the row has none.
fn verdict(w: Workload, rows: &[(Workload, Results)], row: &Results) -> Option<String> {
    let ours = row.get(OURS).copied();
    let best_peer = RUST_PEERS.iter().filter_map(|p| row.get(p).map(|v| (*p, *v))).min_by(|a, b| a.1.total_cmp(&b.1));
    let against_best = |limit: f64| -> String {
        match (ours, best_peer) {
            (Some(o), Some((peer, p))) => {
                let r = o / p;
                format!("{:.2} of best ({peer}) <= {limit}: {}", r, met(r <= limit))
            }
            _ => "no result".into(),
        }
    };
    match w {
        Workload::Yield | Workload::PingPong | Workload::Queue => Some(against_best(0.8)),
        Workload::SpawnJoinSeq | Workload::SpawnJoinBatch => Some(against_best(0.5)),
        Workload::MemoryPerTask => Some(match (ours, row.get("tokio")) {
            (Some(o), Some(t)) => {
                let r = o / t;
                format!("{r:.2} of tokio <= 0.5: {}", met(r <= 0.5))
            }
            _ => "no result".into(),
        }),
        Workload::Timers(i) => {
            let small = rows.iter().find(|(w, _)| *w == Workload::Timers(0)).and_then(|(_, r)| r.get(OURS).copied());
            match (ours, small) {
                (Some(o), Some(s)) if i == 2 => {
                    let r = o / s;
                    Some(format!("{r:.2}x of timers_1k <= 2: {}", met(r <= 2.0)))
                }
                (Some(o), Some(s)) => Some(format!("{:.2}x of timers_1k", o / s)),
                _ => None,
            }
        }
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}

fn print_table(rows: &[(Workload, Results)], sizes: &Sizes, quick: bool, notes: &[String]) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nuasyncio-bench ({} run): cost per operation, best of {} rounds over all workloads (timers_1k/100k: {}, timers_1m and \
         memory: 1); ratio ours/peer in brackets\n",
        if quick { "quick" } else { "full" },
        sizes.reps,
        sizes.reps.min(3)
    );
    let _ = write!(out, "{:<17} {:<14} {:>9}", "workload", "unit", "N");
    for c in COLUMNS {
        let _ = write!(out, " {c:>17}");
    }
    let _ = writeln!(out, "  target");
    for (w, row) in rows {
        let _ = write!(out, "{:<17} {:<14} {:>9}", w.name(), w.unit(), sizes.ops(*w));
        let ours = row.get(OURS).copied();
        for c in COLUMNS {
            let cell = match (row.get(c), ours) {
                (Some(v), Some(o)) if c != OURS => format!("{} ({:.2})", fmt_num(*v), o / v),
                (Some(v), _) => fmt_num(*v),
                (None, _) => "-".into(),
            };
            let _ = write!(out, " {cell:>17}");
        }
        let _ = writeln!(out, "  {}", verdict(*w, rows, row).unwrap_or_default());
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "yield, spawn_join, pingpong, queue: CPU time of the running thread per operation");
    let _ = writeln!(
        out,
        "timers: process CPU time (user+system, all threads) from the first spawn to the last join, per timer"
    );
    let _ =
        writeln!(out, "memory: net heap bytes (counting allocator, requested sizes) while the tasks sleep, per task");
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    print!("{out}");
}

/// The stream workloads' table: ours ÷ each peer, and the target against
/// the best Rust peer (tokio or smol).
fn print_net_table(rows: &[(net::NetWorkload, Results)], sizes: &net::NetSizes, reps: usize) {
    const NET_COLUMNS: [&str; 4] = ["uasyncio", "tokio", "smol", "micropython"];
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
                format!("{:.2} of best ({peer}) <= {}: {}", o / p, w.target(), met(o / p <= w.target()))
            }
            _ => "no result".into(),
        };
        let _ = writeln!(out, "  {verdict}");
    }
    let _ = writeln!(
        out,
        "echo: {}-byte messages; echo_100: {} connections x {} messages; accept_close: connect, one request line, \
         the answer, close",
        net::MESSAGE,
        sizes.connections,
        sizes.per_connection
    );
    print!("{out}");
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn to_json(rows: &[(Workload, Results)]) -> String {
    let mut s = String::from("{\"workloads\": [");
    for (i, (w, row)) in rows.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{{\"name\": \"{}\", \"unit\": \"{}\", \"results\": {{", w.name(), w.unit());
        let mut first = true;
        for c in COLUMNS {
            if let Some(v) = row.get(c) {
                if !first {
                    s.push_str(", ");
                }
                first = false;
                let _ = write!(s, "\"{c}\": {v:.2}");
            }
        }
        s.push_str("}}");
    }
    s.push_str("]}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_one_entry_per_workload_and_leaves_out_missing_columns() {
        let mut row = Results::new();
        row.insert(OURS, 31.0);
        row.insert("tokio", 99.5);
        row.insert("floor", 6.1);
        let json = to_json(&[(Workload::Yield, row), (Workload::Timers(2), Results::new())]);
        assert_eq!(
            json,
            "{\"workloads\": [{\"name\": \"yield\", \"unit\": \"ns/op\", \"results\": \
             {\"uasyncio\": 31.00, \"tokio\": 99.50, \"floor\": 6.10}}, \
             {\"name\": \"timers_1m\", \"unit\": \"cpu_ns/timer\", \"results\": {}}]}\n"
        );
    }

    #[test]
    fn verdict_compares_with_the_best_rust_peer_not_the_floor() {
        let mut row = Results::new();
        row.insert(OURS, 40.0);
        row.insert("tokio", 100.0);
        row.insert("embassy", 50.0);
        row.insert("floor", 5.0);
        let rows = vec![(Workload::Yield, row.clone())];
        assert_eq!(verdict(Workload::Yield, &rows, &row).unwrap(), "0.80 of best (embassy) <= 0.8: MET");
    }

    #[test]
    fn timer_delays_are_deterministic_and_within_1_to_50_ms() {
        let a = common::delays_us(10_000);
        assert_eq!(a, common::delays_us(10_000));
        assert!(a.iter().all(|&us| (1_000..=50_000).contains(&us)));
        assert!(a.iter().any(|&us| us < 5_000) && a.iter().any(|&us| us > 45_000));
    }
}

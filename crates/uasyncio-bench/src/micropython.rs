//! The real MicroPython, running the scripts in `micropython/` (same workloads,
//! scaled down where they would take too long; every figure is per operation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the MicroPython scripts live.
fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("micropython")
}

/// One script run: the script, its arguments, the heap it needs.
struct Job {
    script: &'static str,
    args: Vec<String>,
    heap: Option<&'static str>,
}

/// The sizes MicroPython runs at, and what each result line means.
pub struct Plan {
    jobs: Vec<Job>,
    /// Printed under the table: where MicroPython's sizes differ from Rust's.
    pub notes: Vec<String>,
}

impl Plan {
    /// The scaled-down sizes for a full or a quick run.
    pub fn new(quick: bool) -> Plan {
        let (yield_tasks, yield_rounds, seq, batch, pingpong, queue, t1k, t100k, memory) = if quick {
            (8, 50, 500, 500, 500, 500, 100, 1_000, 1_000)
        } else {
            (64, 1_000, 20_000, 10_000, 20_000, 20_000, 1_000, 10_000, 10_000)
        };
        // Stream workloads: round trips, connections x messages, accepts.
        let net = if quick { (100, 5, 10, 20) } else { (2_000, 20, 20, 200) };
        let jobs = vec![
            Job { script: "yield.py", args: vec![yield_tasks.to_string(), yield_rounds.to_string()], heap: None },
            Job { script: "spawn_join.py", args: vec![seq.to_string(), batch.to_string()], heap: Some("16M") },
            Job { script: "pingpong.py", args: vec![pingpong.to_string()], heap: None },
            Job { script: "queue.py", args: vec![queue.to_string(), "64".into()], heap: None },
            Job { script: "timers.py", args: vec![t1k.to_string(), "timers_1k".into()], heap: Some("16M") },
            Job { script: "timers.py", args: vec![t100k.to_string(), "timers_100k".into()], heap: Some("16M") },
            Job { script: "memory_per_task.py", args: vec![memory.to_string()], heap: Some("16M") },
            Job {
                script: "net.py",
                args: vec![
                    free_port_pair().to_string(),
                    net.0.to_string(),
                    net.1.to_string(),
                    net.2.to_string(),
                    net.3.to_string(),
                ],
                heap: Some("16M"),
            },
        ];
        let notes = vec![
            format!(
                "micropython runs scaled down: yield {yield_tasks}x{yield_rounds}, spawn_join {seq}/{batch}, \
                 pingpong {pingpong}, queue {queue}, timers_1k N={t1k}, timers_100k N={t100k}, \
                 memory N={memory}; timers_1m skipped (its timer cost grows with N: ~75 s at N=100 000)"
            ),
            format!(
                "micropython streams (wall time; no CPU clock there) scaled down: echo_rtt {}, echo_100 as {} \
                 connections x {} messages, accept_close {}",
                net.0, net.1, net.2, net.3
            ),
            "micropython timers: wall time minus the 50 ms sleep (it has no CPU clock); queue: \
             the usual Event-based community Queue"
                .to_string(),
        ];
        Plan { jobs, notes }
    }

    /// Runs every script; returns workload name → figure. Failures are printed
    /// and leave the workload out.
    pub fn run(&self, binary: &Path) -> HashMap<String, f64> {
        let mut results = HashMap::new();
        for job in &self.jobs {
            let mut cmd = Command::new(binary);
            if let Some(heap) = job.heap {
                cmd.arg("-X").arg(format!("heapsize={heap}"));
            }
            cmd.arg(job.script).args(&job.args).current_dir(script_dir()).stdout(Stdio::piped()).stderr(Stdio::piped());
            let (stdout, failure) = run_with_timeout(cmd, Duration::from_secs(300));
            for line in stdout.lines() {
                let mut words = line.split_whitespace();
                if let (Some("RESULT"), Some(name), Some(value)) = (words.next(), words.next(), words.next())
                    && let Ok(v) = value.parse::<f64>()
                {
                    results.insert(name.to_string(), v);
                }
            }
            if let Some(e) = failure {
                eprintln!("note: micropython {} failed: {e}", job.script);
            }
        }
        results
    }
}

/// A port that is free now, whose successor is free too (net.py listens on both).
fn free_port_pair() -> u16 {
    loop {
        let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = a.local_addr().expect("its address").port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// Runs `cmd`, killing it after `limit`; returns its stdout and, if it
/// failed, why (with the end of its output: MicroPython prints tracebacks on
/// stdout).
fn run_with_timeout(mut cmd: Command, limit: Duration) -> (String, Option<String>) {
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return (String::new(), Some(e.to_string())),
    };
    let start = Instant::now();
    let mut timed_out = false;
    while let Ok(None) = child.try_wait() {
        if start.elapsed() > limit {
            let _ = child.kill();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = match child.wait_with_output() {
        Ok(out) => out,
        Err(e) => return (String::new(), Some(e.to_string())),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let failure = if timed_out {
        Some(format!("timed out after {limit:?}"))
    } else if !out.status.success() {
        let tail: Vec<&str> = stdout.lines().rev().take(1).collect();
        Some(format!("{}: {} {}", out.status, tail.join(""), String::from_utf8_lossy(&out.stderr).trim()))
    } else {
        None
    };
    (stdout, failure)
}

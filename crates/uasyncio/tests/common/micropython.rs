//! The real MicroPython, run from tests: one runner for every test that
//! compares with it (the differential scenarios, the twins of the ported
//! MicroPython tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The MicroPython to compare with, or `None` (said on stderr) when the
/// comparison is switched off with `UASYNCIO_SKIP_DIFFERENTIAL=1`.
///
/// # Panics
/// If MicroPython is neither found nor installable: a test that must
/// compare never passes without comparing.
pub fn oracle(what: &str) -> Option<PathBuf> {
    if micropython_oracle::skipped() {
        eprintln!("SKIPPED: {what} not compared with MicroPython ({}=1)", micropython_oracle::SKIP_VARIABLE);
        return None;
    }
    Some(micropython_oracle::find_or_install().unwrap_or_else(|e| panic!("{e}")))
}

/// Runs one Python scenario, killing it if it hangs (MicroPython's loop spins
/// forever when its main task can never be woken).
pub fn run(micropython: &Path, script: &Path) -> Vec<String> {
    const LIMIT: Duration = Duration::from_secs(30);
    // One MicroPython at a time: parallel runs compete for the CPU and make the
    // real-clock timings late.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut child = Command::new(micropython)
        .arg(script)
        .env("UASYNCIO_TEST_PORT", free_port().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e} (check $MICROPYTHON, or run scripts/setup-micropython.sh)",
                micropython.display()
            )
        });
    let started = Instant::now();
    while child.try_wait().expect("waiting for micropython").is_none() {
        if started.elapsed() > LIMIT {
            child.kill().ok();
            panic!("{} did not finish within {LIMIT:?}", script.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("reading micropython output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} {} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        micropython.display(),
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// A localhost TCP port nothing listens on now, for a scenario's server
/// (`UASYNCIO_TEST_PORT`): a fixed port would collide with another run of
/// the suite on the same machine.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a localhost port for a scenario");
    listener.local_addr().expect("the bound port").port()
}

/// A minimal line diff (longest common subsequence), enough for short outputs.
pub fn line_diff(a: &[String], b: &[String]) -> String {
    let (n, m) = (a.len(), b.len());
    // common[i][j]: length of the LCS of a[i..] and b[j..].
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if a[i] == b[j] { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out += &format!("  {}\n", a[i]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || common[i][j + 1] >= common[i + 1][j]) {
            out += &format!("+ {}\n", b[j]);
            j += 1;
        } else {
            out += &format!("- {}\n", a[i]);
            i += 1;
        }
    }
    out
}

/// The directory of the Python twins of the ported MicroPython tests.
pub fn twin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("mp_twins")
}

/// How many times a twin whose output differs is run again (MicroPython runs
/// on the real clock, and a loaded machine can make a timed run late).
const ATTEMPTS: usize = 3;

/// Checks a ported test's expected lines against the real MicroPython:
/// `tests/mp_twins/<name>.py` is our own Python statement of the same
/// scenario, and what MicroPython prints for it must be `expected`, line for
/// line. Skipped (said on stderr) with `UASYNCIO_SKIP_DIFFERENTIAL=1`.
pub fn check_twin(name: &str, expected: &[String]) {
    let script = twin_dir().join(format!("{name}.py"));
    assert!(script.is_file(), "{name}: no Python twin at {}", script.display());
    let Some(micropython) = oracle(&format!("the expected lines of {name}")) else { return };
    let mut theirs = run(&micropython, &script);
    for _ in 1..ATTEMPTS {
        if theirs == expected {
            break;
        }
        theirs = run(&micropython, &script);
    }
    assert!(
        theirs == expected,
        "{name}: the expected lines differ from what MicroPython prints for tests/mp_twins/{name}.py\n\
         --- MicroPython\n+++ expected (the Rust test)\n{}",
        line_diff(&theirs, expected)
    );
}

/// The ported MicroPython tests (`fn asyncio_*` in the `mp_*.rs` files run
/// on the virtual clock) and the twins in `tests/mp_twins/` match one to
/// one, and each test checks its twin: no expected line is only pasted by
/// hand. `mp_threads.rs` and `mp_heaplock.rs` (real threads, a counting
/// allocator) are not among them, nor `mp_net_conformance.rs` (real
/// sockets on the real clock; MicroPython's `multi_net` tests run as two
/// instances, so their `.exp` lines are the oracle, and the stream
/// scenarios of `tests/differential/` run on the real MicroPython);
/// `lock_scenario.py` is a module two twins import.
pub fn assert_every_port_has_a_twin() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut ports = Vec::new();
    for entry in std::fs::read_dir(&tests_dir).expect("tests/ exists") {
        let path = entry.expect("a directory entry").path();
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_owned();
        if !(file.starts_with("mp_") && file.ends_with(".rs"))
            || file == "mp_threads.rs"
            || file == "mp_heaplock.rs"
            || file == "mp_net_conformance.rs"
        {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a test file");
        for test in source.split("#[test]\nfn ").skip(1) {
            let name = test.split('(').next().unwrap_or_default().to_owned();
            if name.starts_with("asyncio_") {
                assert!(
                    test.contains(&format!("\"{name}\"")),
                    "{file}: {name} does not check its twin (assert_printed or check_twin with its own name)"
                );
                ports.push(name);
            }
        }
    }
    ports.sort();
    let mut twins: Vec<String> = std::fs::read_dir(twin_dir())
        .expect("tests/mp_twins exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "py").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .filter(|name| name != "lock_scenario")
        .collect();
    twins.sort();
    assert_eq!(twins, ports, "every ported test has a twin in tests/mp_twins/, and back");
    assert!(ports.len() >= 29, "{} ports found", ports.len());
}

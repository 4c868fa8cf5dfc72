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
# The firmware workspace (firmware/) builds into the same directory.
export CARGO_TARGET_DIR="$target_dir"
# Firmware builds map the checkout's and the registry's absolute paths (kept
# in panic locations) to fixed ones, so that the firmware's size and layout do
# not depend on where the repository was cloned (the footprint's figures and
# ceiling are compared across machines). Set only inside the firmware
# subshells: the host builds keep their flags and their cache.
firmware_rustflags="--remap-path-prefix=$repo_root=/uasyncio --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src=/registry"

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

step "the simulated board's timelines of the shared tutorial programs (pin firmware/expected/*.txt)"
cargo test -p uasyncio-tutorials

step "QEMU (apt: qemu-system-arm, qemu-system-misc)"
if ! command -v qemu-system-arm >/dev/null || ! command -v qemu-system-riscv32 >/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    # A qemu-utils from bookworm-backports (this machine image ships one)
    # requires the matching qemu-system-*: take that suite, telling apt
    # about it first if it does not know it.
    if apt-cache policy qemu-utils 2>/dev/null | grep -q '~bpo' &&
        ! apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
        # The same archive as the machine's own bookworm entry, suite
        # bookworm-backports.
        awk 'BEGIN { RS = ""; ORS = "\n\n" } /Suites:[^\n]*bookworm( |$|-updates)/ {
                sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print; exit }' \
            /etc/apt/sources.list.d/debian.sources |
            $sudo_cmd tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
        $sudo_cmd apt-get update -qq
    fi
    if apt-cache policy qemu-utils 2>/dev/null | grep -q '~bpo' &&
        apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
        $sudo_cmd apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-arm qemu-system-misc
    else
        $sudo_cmd apt-get install -y -qq --no-install-recommends qemu-system-arm qemu-system-misc
    fi
fi
qemu-system-arm --version | head -1
qemu-system-riscv32 --version | head -1

# The firmware is a workspace of its own (firmware/Cargo.toml), excluded from
# the host workspace; it shares CARGO_TARGET_DIR with it.
# thumbv6m too: its code runs on QEMU's Cortex-M3 (ARMv6-M is a subset of
# ARMv7-M), and exercises the runtime's paths for chips without
# compare-and-swap (critical-section atomics, portable-atomic-util's Arc).
# The footprint firmwares (two_leds alone, on uasyncio and on embassy) are
# built for thumbv7m only.
step "Cortex-M firmware: clippy and build (thumbv7m-none-eabi and thumbv6m-none-eabi, release; footprint firmwares on thumbv7m)"
(
    cd firmware
    export RUSTFLAGS="$firmware_rustflags"
    cargo fmt --check
    for target in thumbv7m-none-eabi thumbv6m-none-eabi; do
        cargo clippy --release --target "$target" -p uasyncio-cortex-m -p firmware-common -p lm3s6965-board \
            -p lm3s6965-tutorials -- -D warnings
        cargo build --release --target "$target" -p lm3s6965-tutorials
    done
    footprint_crates=(-p two-leds-uasyncio -p two-leds-embassy)
    cargo clippy --release --target thumbv7m-none-eabi "${footprint_crates[@]}" -- -D warnings
    cargo build --release --target thumbv7m-none-eabi "${footprint_crates[@]}"
    # In a cargo run of its own: its timer queue's feature would otherwise
    # unify into two-leds-embassy's build (see lm3s6965-board's features).
    cargo clippy --release --target thumbv7m-none-eabi -p two-leds-async-task -- -D warnings
    cargo build --release --target thumbv7m-none-eabi -p two-leds-async-task
)

# run_firmware NAME QEMU-COMMAND...: runs it (40 s at most, standard input
# as given) into $target_dir/NAME.log, prints its output, fails unless it
# exits 0 having printed `done`, and (unless IDLE_CHECK=0: emulated time)
# checks that it idled: QEMU's own CPU time would be the whole run if the
# firmware polled instead of sleeping.
run_firmware() {
    local name="$1"
    shift
    local log="$target_dir/$name.log"
    local status=0 user_s sys_s real_s
    local TIMEFORMAT='%U %S %R'
    { time timeout 40 "$@" >"$log" 2>&1 || status=$?; } 2>"$log.time"
    cat "$log"
    read -r user_s sys_s real_s <"$log.time"
    echo "qemu: ${real_s}s wall, ${user_s}s user + ${sys_s}s system CPU"
    if [ "$status" != 0 ]; then
        echo "baremetal: $name exited with status $status (124: it did not finish in 40 s)"
        return 1
    fi
    grep -q '^done at ' "$log" || { echo "baremetal: $name did not print 'done'"; return 1; }
    [ "${IDLE_CHECK:-1}" = 0 ] && return 0
    awk -v u="$user_s" -v s="$sys_s" -v r="$real_s" -v name="$name" 'BEGIN {
        if (u + s > 0.5 * r) { printf "baremetal: QEMU was busy %.0f%% of the run: %s does not idle\n", 100 * (u + s) / r, name; exit 1 }
    }'
}

# far_deadline LOG WAKE: the firmware's bad-input check ran: a sleep(u64::MAX)
# was the only timer while an interrupt (WAKE, as printed) woke the loop.
far_deadline() {
    if ! grep -q "^[0-9]* us far deadline pending, woken by $2\$" "$1"; then
        echo "baremetal: no wake by $2 with a far deadline pending in $1"
        return 1
    fi
    echo "far deadline: the loop idled on sleep(u64::MAX) and woke for $2"
}

# early_flag LOG: the firmware's other bad-input check ran: a ThreadSafeFlag
# set by an interrupt before the loop existed made the first wait return.
early_flag() {
    if ! grep -q "^[0-9]* us early flag: set by an interrupt before the loop existed\$" "$1"; then
        echo "baremetal: the flag set before the loop existed was not seen in $1"
        return 1
    fi
    echo "early flag: set by an interrupt before the loop existed, seen by the first wait"
}

# cs_statics LOG [GAP_MS]: the critical-section primitives as statics fed by
# the timer interrupt: a cs::Queue's three items taken by a task in order,
# one per interrupt (item n from interrupt n), then a cs::Event set by the
# fourth interrupt woke it; with GAP_MS, each line GAP_MS after the last
# (within 1 %, emulated time).
cs_statics() {
    awk -v gap="${2:-0}" -v file="$1" '
        / us cs queue item [0-9]*: interrupt [0-9]*$/ { got = got sprintf("item %s from %s; ", substr($6, 1, length($6) - 1), $8); times[++n] = $1 }
        / us cs event set by interrupt [0-9]*$/ { got = got sprintf("event by %s", $8); times[++n] = $1 }
        END {
            want = "item 1 from 1; item 2 from 2; item 3 from 3; event by 4"
            if (got != want) { printf "baremetal: cs statics in %s: got \"%s\", expected \"%s\"\n", file, got, want; exit 1 }
            for (i = 2; i <= n; i++) {
                ms = (times[i] - times[i - 1]) / 1000
                if (gap > 0 && (ms < gap * 0.99 || ms > gap * 1.01)) { printf "baremetal: cs statics in %s: %.1f ms between lines, expected %d\n", file, ms, gap; exit 1 }
                if (ms <= 0) { printf "baremetal: cs statics in %s: time went back\n", file; exit 1 }
            }
            print "cs statics: 3 queue items put by the timer interrupt (1, 2, 3, in order), then the event it set, woke the task"
        }' "$1"
}

# footprint ELF: flash (vectors, code, read-only data, initialised data) and
# static RAM (initialised and zeroed data, including the 16 KiB heap), from
# the section sizes (information only; no budget is enforced yet).
footprint() {
    size -A "$1" | awk -v name="$(basename "$1")" '
        $1 ~ /^\.(vector_table|init|trap|text|rodata|data|sdata)$/ { flash += $2 }
        $1 ~ /^\.(data|sdata|bss|sbss|uninit)$/ { ram += $2 }
        END { printf "footprint %s: %d B flash, %d B static RAM (16384 B of it the heap)\n", name, flash, ram }'
}

# lecture_lab's button is pressed at 12.01 s and polled every 20 ms: the LED
# goes off at the first poll after the press, 12.02 s on the simulated board,
# up to 10 ms earlier on a poll grid that has drifted (each wake is late).
lecture_lab_checks="--early-ms 10 --early-from-us 12010000"

# A task polling every P ms sleeps P ms from its last wake, which comes at
# the first SysTick millisecond after its deadline: each period takes up to
# 1 ms more than on the simulated board, and the poll grid drifts. An
# outside change (the pot, a button press) is seen at the first poll after
# it, up to one poll period before or after the simulated board sees it, and
# button_queue's measured delays are off by as much.
# brightness: the pot polled every 100 ms (its blink edges come 1 ms late).
brightness_checks="--late-ms 100"
# button_queue: the button polled every 40 ms from its first press (1.01 s)
# on; the delays it prints are measured on that grid.
button_queue_checks="--early-ms 41 --early-from-us 1010000 --late-ms 41 --number-ms 41"

lm3s6965=(qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic
    -semihosting-config enable=on,target=native)

# Emulated time: with -icount (one instruction per ns, no sleeping) QEMU's
# clocks follow the instructions run, not the host, and jump over idle
# time: the run takes a fraction of a second and its times do not depend on
# the host's load, so the checks are tight.
step "Cortex-M firmware (thumbv7m, thumbv6m) under qemu-system-arm -machine lm3s6965evb, emulated time (-icount): two_leds + timer interrupt flag + far deadline + cs statics + lecture_lab, then brightness + button_queue + coroutine_basics"
# The GPTM's period in emulated time depends on QEMU's model of it: QEMU 7.2
# (Debian bookworm) fires the 700 ms timer every 350 ms under -icount while
# SysTick keeps the programmed rate; QEMU 10 (bookworm-backports) fires it
# at 700 ms. The real-time run below checks 700 ms on every version.
qemu_major="$(qemu-system-arm --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')"
icount_timer_ms=700
if [ "${qemu_major:-0}" -lt 8 ]; then
    icount_timer_ms=350
fi
echo "QEMU $qemu_major: the GPTM timer's flags are expected ${icount_timer_ms} ms apart in emulated time"
for target in thumbv7m-none-eabi thumbv6m-none-eabi; do
    echo "--- built for $target"
    IDLE_CHECK=0 run_firmware "lm3s6965-tutorials-icount-$target" "${lm3s6965[@]}" -icount shift=0,sleep=off \
        -kernel "$target_dir/$target/release/lm3s6965-tutorials" </dev/null
    python3 firmware/compare_timeline.py firmware/expected/two_leds.txt \
        "$target_dir/lm3s6965-tutorials-icount-$target.log" \
        --late-ms 10 --timer-ms "$icount_timer_ms" --timer-flags 5 --timer-tolerance 0.01
    far_deadline "$target_dir/lm3s6965-tutorials-icount-$target.log" "timer interrupt 6"
    early_flag "$target_dir/lm3s6965-tutorials-icount-$target.log"
    cs_statics "$target_dir/lm3s6965-tutorials-icount-$target.log" "$icount_timer_ms"
    python3 firmware/compare_timeline.py firmware/expected/lecture_lab.txt \
        "$target_dir/lm3s6965-tutorials-icount-$target.log" $lecture_lab_checks --late-ms 50
    # Tutorials 2, 3 and 5 (emulated time only: real time adds nothing the
    # runs above do not check, and would take 14 s).
    more_log="$target_dir/more-tutorials-icount-$target.log"
    IDLE_CHECK=0 run_firmware "more-tutorials-icount-$target" "${lm3s6965[@]}" -icount shift=0,sleep=off \
        -kernel "$target_dir/$target/release/more-tutorials" </dev/null
    python3 firmware/compare_timeline.py firmware/expected/brightness.txt "$more_log" --section brightness \
        $brightness_checks
    python3 firmware/compare_timeline.py firmware/expected/button_queue.txt "$more_log" --section button_queue \
        $button_queue_checks
    python3 firmware/compare_timeline.py firmware/expected/coroutine_basics.txt "$more_log" \
        --section coroutine_basics --late-ms 10
done

# Real time: the firmware sleeps in WFI between deadlines (QEMU's CPU time
# shows it), SysTick keeps the host's pace.
step "Cortex-M firmware (thumbv7m) under qemu-system-arm -machine lm3s6965evb, real time: two_leds + timer interrupt flag + far deadline + cs statics + lecture_lab"
run_firmware lm3s6965-tutorials "${lm3s6965[@]}" \
    -kernel "$target_dir/thumbv7m-none-eabi/release/lm3s6965-tutorials" </dev/null
# Real time on a shared host: wakes are later than in emulated time (the
# emulator waits for the host), and lateness adds up over a blinker's periods.
python3 firmware/compare_timeline.py firmware/expected/two_leds.txt "$target_dir/lm3s6965-tutorials.log" \
    --late-ms 100 --timer-ms 700 --timer-flags 5
far_deadline "$target_dir/lm3s6965-tutorials.log" "timer interrupt 6"
early_flag "$target_dir/lm3s6965-tutorials.log"
cs_statics "$target_dir/lm3s6965-tutorials.log"
python3 firmware/compare_timeline.py firmware/expected/lecture_lab.txt "$target_dir/lm3s6965-tutorials.log" \
    $lecture_lab_checks --late-ms 100
footprint "$target_dir/thumbv7m-none-eabi/release/lm3s6965-tutorials"

# The footprint: two_leds alone on uasyncio (emulated time: a fraction of a
# second) and on embassy-executor + embassy-time (real time: embassy's
# thread executor idles in WFE, which QEMU runs as a busy loop, so under
# -icount its 5 s would be 5 billion instructions; it also makes QEMU busy
# in real time, so no idle check); and on async-task's heap tasks with
# embassy-time (the floor of heap tasks; it idles in WFI: emulated time).
# Same pins, prints, panic handler, profile; the three timelines compared
# with the simulated board's.
step "footprint: two_leds on uasyncio, on embassy and on async-task (thumbv7m, qemu-system-arm -machine lm3s6965evb), heap exhaustion"
fw="$target_dir/thumbv7m-none-eabi/release"
IDLE_CHECK=0 run_firmware two-leds-uasyncio "${lm3s6965[@]}" -icount shift=0,sleep=off -kernel "$fw/two-leds-uasyncio" </dev/null
python3 firmware/compare_timeline.py firmware/expected/two_leds.txt "$target_dir/two-leds-uasyncio.log" --late-ms 10
IDLE_CHECK=0 run_firmware two-leds-embassy "${lm3s6965[@]}" -kernel "$fw/two-leds-embassy" </dev/null
python3 firmware/compare_timeline.py firmware/expected/two_leds.txt "$target_dir/two-leds-embassy.log" --late-ms 100
IDLE_CHECK=0 run_firmware two-leds-async-task "${lm3s6965[@]}" -icount shift=0,sleep=off -kernel "$fw/two-leds-async-task" </dev/null
python3 firmware/compare_timeline.py firmware/expected/two_leds.txt "$target_dir/two-leds-async-task.log" --late-ms 10
python3 firmware/footprint.py "$fw/two-leds-uasyncio" "$target_dir/two-leds-uasyncio.log" \
    "$fw/two-leds-embassy" "$target_dir/two-leds-embassy.log" \
    "$fw/two-leds-async-task" "$target_dir/two-leds-async-task.log"
# Bad input: the heap runs out (tasks created until an allocation fails):
# a panic that says so, over semihosting, and exit status 1.
oom_log="$target_dir/out-of-heap.log"
oom_status=0
timeout 40 "${lm3s6965[@]}" -icount shift=0,sleep=off -kernel "$fw/out-of-heap" </dev/null >"$oom_log" 2>&1 || oom_status=$?
cat "$oom_log"
if [ "$oom_status" != 1 ] ||
    ! grep -q '^heap exhausted: [0-9]* B (align [0-9]*) asked with [0-9]* of 1024 B in use; give the firmware a larger heap arena$' "$oom_log" ||
    ! grep -q '^task 2 created, ' "$oom_log"; then
    echo "baremetal: heap exhaustion did not end in its panic message and exit status 1 (status $oom_status)"
    exit 1
fi
echo "heap exhaustion: a panic saying so, exit status 1"

step "RISC-V firmware: clippy and build (riscv32imac-unknown-none-elf, release)"
(
    cd firmware
    export RUSTFLAGS="$firmware_rustflags"
    cargo clippy --release --target riscv32imac-unknown-none-elf -p uasyncio-riscv -p qemu-virt-board \
        -p firmware-common -p qemu-virt-riscv-tutorials -- -D warnings
    cargo build --release --target riscv32imac-unknown-none-elf -p qemu-virt-riscv-tutorials
)

# Tutorials 2, 3 and 5 in emulated time: with mtimecmp set to each deadline
# the loop wakes on time (no tick), so the poll grids do not drift and the
# checks are tight: every event within 5 ms after the simulated board's.
step "RISC-V firmware under qemu-system-riscv32 -machine virt, emulated time (-icount): brightness + button_queue + coroutine_basics"
rv_more_log="$target_dir/more-tutorials-riscv.log"
IDLE_CHECK=0 run_firmware more-tutorials-riscv qemu-system-riscv32 -machine virt -bios none -nographic \
    -icount shift=0,sleep=off -kernel "$target_dir/riscv32imac-unknown-none-elf/release/more-tutorials" </dev/null
for program in brightness button_queue coroutine_basics; do
    python3 firmware/compare_timeline.py "firmware/expected/$program.txt" "$rv_more_log" --section "$program" --late-ms 5
done

step "RISC-V firmware under qemu-system-riscv32 -machine virt: two_leds + UART interrupt flag + far deadline + lecture_lab"
# Types `a` at 1 s and `b` at 2 s on the serial console, and `c` at 6.5 s
# for the far-deadline check; stdin stays open until after the run (which
# ends with lecture_lab, about 18.5 s in).
{ sleep 1; printf a; sleep 1; printf b; sleep 4.5; printf c; sleep 14; } |
    run_firmware qemu-virt-riscv-tutorials qemu-system-riscv32 -machine virt -bios none -nographic \
        -kernel "$target_dir/riscv32imac-unknown-none-elf/release/qemu-virt-riscv-tutorials"
rv_log="$target_dir/qemu-virt-riscv-tutorials.log"
python3 firmware/compare_timeline.py firmware/expected/two_leds.txt "$rv_log" --late-ms 100
python3 firmware/compare_timeline.py firmware/expected/lecture_lab.txt "$rv_log" $lecture_lab_checks --late-ms 100
# One wake per byte typed, in order (each a second apart, so never merged).
if [ "$(grep -c ' us uart flag ' "$rv_log")" != 2 ] ||
    ! grep -q " us uart flag 1 after byte 1 'a'$" "$rv_log" ||
    ! grep -q " us uart flag 2 after byte 2 'b'$" "$rv_log"; then
    echo "baremetal: the UART task did not wake once for each byte typed"
    exit 1
fi
echo "uart flags: 2, one per byte typed"
far_deadline "$rv_log" "byte 'c'"
footprint "$target_dir/riscv32imac-unknown-none-elf/release/qemu-virt-riscv-tutorials"

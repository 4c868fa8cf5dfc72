#!/usr/bin/env python3
"""Compares the timeline a firmware printed under QEMU with the simulated board's.

    compare_timeline.py EXPECTED LOG [--section NAME] [--late-ms N]
                        [--early-ms E --early-from-us T] [--number-ms M]
                        [--timer-ms P --timer-flags K [--timer-tolerance F]]

EXPECTED holds `<us> us <signal> <value>` lines: a pin's edges (`GPIO14 1`)
or the program's printed lines (`print <text>`), from firmware/expected/*.txt,
pinned by crates/uasyncio-tutorials/tests/ against the simulated board. LOG
is what the firmware printed (with other lines, ignored). Per signal of
EXPECTED, the values must be the same in the same order, each at or after
its simulated time (a sleep never ends early) and at most --late-ms after it
(real time under an emulator: each wake is a little late, and a blinker's
lateness adds up over its periods). Signals are compared separately: events
due at the same instant may come in either order on a real clock.

From --early-from-us on, an event may also come up to --early-ms before its
simulated time: events that follow an outside input (a button pressed at a
fixed time, read by a poll every 20 ms) come at the first poll after it,
and the firmware's poll grid has drifted from the simulated one.

With --section NAME, only the part of LOG after its `NAME from <us> us`
line is read, up to the next such line of another program (a firmware runs
several programs, each printing its times from its own start).

With --number-ms M, a printed line that is a number (a time measured by
the program, as button_queue's delays between presses) matches an expected
number within M: the firmware's poll grid drifts from the simulated one.

With --timer-ms, the log must also hold `<us> us timer flag <n> after
interrupt <n>` for n = 1..K: the task awaiting the interrupt's flag woke once
per interrupt, each time before the next. Their spacing on the loop's clock
is printed, and checked to be P ms within a fraction F when --timer-tolerance
is given: only under `-icount` (emulated time), because in real time QEMU
loses SysTick ticks when the host stalls the emulator for over a millisecond
(the exception is raised again before the core could take it), so the loop's
clock falls behind the timer's.
"""
import argparse
import re
import sys

EDGE = re.compile(r"^(\d+) us (\S+) (.+)$")
SECTION = re.compile(r"^(\S+) from \d+ us$")
FLAG = re.compile(r"^(\d+) us timer flag (\d+) after interrupt (\d+)$")


def edges(lines):
    per_pin = {}
    for line in lines:
        m = EDGE.match(line.strip())
        if m:
            per_pin.setdefault(m[2], []).append((int(m[1]), m[3]))
    return per_pin


def same_value(got, want, number_ms):
    """Equal, or (with number_ms) both whole numbers at most number_ms apart."""
    if got == want:
        return True
    if number_ms is not None and got.isdigit() and want.isdigit():
        return abs(int(got) - int(want)) <= number_ms
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expected")
    parser.add_argument("log")
    parser.add_argument("--late-ms", type=float, default=50.0)
    parser.add_argument("--early-ms", type=float, default=0.0)
    parser.add_argument("--early-from-us", type=int, default=0)
    parser.add_argument("--section")
    parser.add_argument("--number-ms", type=float)
    parser.add_argument("--timer-ms", type=float)
    parser.add_argument("--timer-flags", type=int, default=0)
    parser.add_argument("--timer-tolerance", type=float)
    args = parser.parse_args()
    log = open(args.log).read().splitlines()
    if args.section:
        starts = [i for i, line in enumerate(log) if SECTION.match(line.strip())]
        mine = [i for i in starts if SECTION.match(log[i].strip())[1] == args.section]
        if not mine:
            print(f"MISMATCH: no '{args.section} from <us> us' line in {args.log}")
            return 1
        after = [i for i in starts if i > mine[0]]
        log = log[mine[0] + 1 : after[0] if after else len(log)]
    expected = edges(open(args.expected).read().splitlines())
    actual = edges(log)
    errors = []
    missing = sorted(set(expected) - set(actual))
    if missing:
        errors.append(f"signals never printed: {missing}")
    worst = 0.0
    for pin, want in expected.items():
        got = actual.get(pin, [])
        if not all(same_value(a, b, args.number_ms) for (_, a), (_, b) in zip(got, want)) or len(got) != len(want):
            errors.append(f"{pin}: levels {[l for _, l in got]}, expected {[l for _, l in want]}")
            continue
        for (t_got, level), (t_want, _) in zip(got, want):
            late_ms = (t_got - t_want) / 1000
            worst = max(worst, late_ms)
            early_ms = args.early_ms if t_want >= args.early_from_us else 0
            if not -early_ms <= late_ms <= args.late_ms:
                errors.append(f"{pin} -> {level}: at {t_got} us, expected {t_want} us (-{early_ms}..+{args.late_ms} ms)")
    n_edges = sum(len(v) for v in expected.values())
    print(f"timeline: {n_edges} events on {len(expected)} signals, latest {worst:.3f} ms after the simulated time")
    if args.timer_ms:
        matches = [m for m in map(FLAG.match, log) if m]
        flags = [(int(m[1]), int(m[2])) for m in matches]
        interrupts = [int(m[3]) for m in matches]
        if [n for _, n in flags] != list(range(1, args.timer_flags + 1)) or interrupts != [n for _, n in flags]:
            errors.append(f"timer flags: printed {[n for _, n in flags]} after interrupts {interrupts}, expected 1..{args.timer_flags} after 1..{args.timer_flags}")
        else:
            gaps = [(b - a) / 1000 for (a, _), (b, _) in zip(flags, flags[1:])]
            print(f"timer flags: {len(flags)}, {' '.join(f'{g:.1f}' for g in gaps)} ms apart")
            for gap in gaps:
                if args.timer_tolerance is not None and abs(gap - args.timer_ms) > args.timer_ms * args.timer_tolerance:
                    errors.append(f"timer flags {gap} ms apart, expected {args.timer_ms} ms within {args.timer_tolerance:.0%}")
    for error in errors:
        print("MISMATCH:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

# Shared helpers for the MicroPython side of the benchmark.
# Each script prints "RESULT <workload> <figure>" lines that the Rust runner reads.
import time


def report(name, value):
    print("RESULT", name, "%.1f" % value)


def now_us():
    return time.ticks_us()


def per_op_ns(start_us, ops):
    return time.ticks_diff(time.ticks_us(), start_us) * 1000 / ops


def delay_ms(i):
    # A fixed pseudo-random sleep in 1..50 ms for task i (the same for every run).
    return 1 + ((i * 2654435761) >> 7) % 50

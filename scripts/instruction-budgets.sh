#!/usr/bin/env bash
# Deterministic regression gates: instructions per operation of our runtime,
# counted by valgrind's callgrind, against the budgets in
# crates/uasyncio-bench/instruction-budgets.txt.
#
#   bash scripts/instruction-budgets.sh            # check; exit 1 if a budget is exceeded
#   bash scripts/instruction-budgets.sh --update   # rewrite the budgets: today's figures + 3 %
#
# Each workload runs twice under callgrind (`uasyncio-bench --once --only
# uasyncio --workload W --ops N`), at N = ops_small and ops_large; the
# difference of the two totals divided by the difference of N is the cost of
# one operation inside the timed loop, without process start-up, the loop's
# construction or anything else that does not grow with N.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

budgets=crates/uasyncio-bench/instruction-budgets.txt
headroom=1.03
update=false
case "${1:-}" in
    "") ;;
    --update) update=true ;;
    *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (Debian/Ubuntu: apt-get install -y valgrind)" >&2
    exit 1
fi

cargo build --release -q -p uasyncio-bench
bin="${CARGO_TARGET_DIR:-target}/release/uasyncio-bench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# instructions W N: callgrind's total for one run of workload W at N operations.
instructions() {
    local out="$tmp/callgrind.$1.$2"
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$bin" --once --only uasyncio --workload "$1" --ops "$2" >"$tmp/stdout" 2>"$tmp/stderr"; then
        echo "callgrind run of $1 at $2 operations failed:" >&2
        cat "$tmp/stderr" >&2
        exit 1
    fi
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

failed=0
new_budgets=$(mktemp)
grep '^#' "$budgets" >"$new_budgets"
printf '%-17s %12s %10s  %s\n' workload "instr/op" budget verdict
while read -r workload small large budget; do
    case "$workload" in "" | "#"*) continue ;; esac
    a=$(instructions "$workload" "$small")
    b=$(instructions "$workload" "$large")
    per_op=$(awk -v a="$a" -v b="$b" -v s="$small" -v l="$large" 'BEGIN { printf "%.1f", (b - a) / (l - s) }')
    if $update; then
        budget=$(awk -v x="$per_op" -v h="$headroom" 'BEGIN { printf "%.1f", int(x * h * 10 + 0.999) / 10 }')
        verdict="budget set"
    elif awk -v x="$per_op" -v b="$budget" 'BEGIN { exit !(x > b) }'; then
        verdict="EXCEEDED: $per_op instructions per operation, budget $budget"
        failed=1
    else
        verdict=ok
    fi
    printf '%-17s %12s %10s  %s\n' "$workload" "$per_op" "$budget" "$verdict"
    printf '%-17s %9s  %9s  %6s\n' "$workload" "$small" "$large" "$budget" >>"$new_budgets"
done < <(grep -v '^#' "$budgets")

if $update; then
    mv "$new_budgets" "$budgets"
    echo "wrote $budgets"
else
    rm -f "$new_budgets"
fi
if [ "$failed" -ne 0 ]; then
    echo "an instruction budget is exceeded (see above): make the change cheaper, or, if the cost is" \
        "deliberate, say why in the commit and run: bash scripts/instruction-budgets.sh --update" >&2
    exit 1
fi

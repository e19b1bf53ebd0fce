#!/usr/bin/env bash
# Shows that no test depends on the tests that ran before it.
#
#   Scripts/test-orders.sh [forward | reverse | shuffle:SEED]...   (default: reverse shuffle:1)
#
# XCTest on Linux runs a bundle's tests in one fixed order and has no option to change it
# (`--filter` keeps the bundle's order). So this runs the whole suite once in one process, then
# every test alone in a process of its own, the processes in each order asked for (reversed, or
# shuffled with a seed), and fails naming every test whose result (passed, failed, skipped)
# differs from the one-process run. A test that leaned on a setting or a file left by an earlier
# test fails alone; one that breaks a later test shows in the one-process run.
set -euo pipefail
cd "$(dirname "$0")/.."
orders=("$@")
[ ${#orders[@]} -gt 0 ] || orders=(reverse shuffle:1)

swift build --build-tests >/dev/null
bundle=$(swift build --show-bin-path)/HeedPackageTests.xctest
work=$(mktemp -d "${TMPDIR:-/tmp}/heed-test-orders.XXXXXX")
trap 'rm -rf "$work"' EXIT

# `Class.test result` lines of an XCTest log, sorted.
results() { sed -n "s/^Test Case '\([^']*\)' \(passed\|failed\|skipped\).*/\1 \2/p" "$1" | sort; }

"$bundle" >"$work/whole.log" 2>&1 || true
results "$work/whole.log" >"$work/whole.txt"
swift test --skip-build --disable-swift-testing --list-tests 2>/dev/null >"$work/tests.txt"
count=$(wc -l <"$work/tests.txt")
echo "test-orders: $count tests; one process: $(grep -c ' passed$' "$work/whole.txt") passed," \
     "$(grep -c ' failed$' "$work/whole.txt") failed, $(grep -c ' skipped$' "$work/whole.txt") skipped"

status=0
for order in "${orders[@]}"; do
    case "$order" in
        forward) cp "$work/tests.txt" "$work/order.txt" ;;
        reverse) tac "$work/tests.txt" >"$work/order.txt" ;;
        shuffle:*)
            awk -v seed="${order#shuffle:}" 'BEGIN { srand(seed) } { printf "%.12f\t%s\n", rand(), $0 }' "$work/tests.txt" \
                | sort -n | cut -f2 >"$work/order.txt" ;;
        *) echo "test-orders: unknown order '$order' (forward, reverse or shuffle:SEED)" >&2; exit 2 ;;
    esac
    : >"$work/alone.log"
    while read -r test; do
        "$bundle" "$test" >>"$work/alone.log" 2>&1 || true
    done <"$work/order.txt"
    results "$work/alone.log" >"$work/alone.txt"
    if diff -u "$work/whole.txt" "$work/alone.txt" >"$work/diff.txt"; then
        echo "test-orders: $order, each test alone: the same $count results as in one process"
    else
        echo "test-orders: $order, each test alone: results differ from the one-process run:" >&2
        grep '^[-+][^-+]' "$work/diff.txt" >&2 || true
        status=1
    fi
done
exit $status

#!/usr/bin/env bash
# Fails when an XCTest log shows a skipped test that the allow-list does not allow, naming each.
#
#   Scripts/check-skips.sh LOGFILE [ALLOW_LIST]     (default ALLOW_LIST: .ci/allowed-skips)
#
# Reads XCTest's lines `Test Case 'Class.testName' skipped`. The allow-list holds one
# `Class.testName` per line, optionally followed by `unless-cpu:FLAG[,FLAG…]`: such a skip is
# allowed only on a CPU whose flags (CPUINFO, default /proc/cpuinfo) lack one of the FLAGs.
# `#` starts a comment. A log in which no test case ran fails too.
set -euo pipefail

log=${1:?usage: check-skips.sh LOGFILE [ALLOW_LIST]}
allow=${2:-"$(cd "$(dirname "$0")/.." && pwd)/.ci/allowed-skips"}
cpuinfo=${CPUINFO:-/proc/cpuinfo}

if ! grep -q "^Test Case '" "$log"; then
    echo "check-skips: no XCTest test case ran according to $log" >&2
    exit 1
fi

flags=" $(grep -m1 '^flags' "$cpuinfo" 2>/dev/null | cut -d: -f2) "

# Whether the skip of test $1 is allowed.
allowed() {
    local name condition flag
    while read -r name condition; do
        [ "$name" = "$1" ] || continue
        case "$condition" in
            "") return 0 ;;
            unless-cpu:*)
                for flag in $(tr ',' ' ' <<<"${condition#unless-cpu:}"); do
                    [[ "$flags" == *" $flag "* ]] || return 0
                done ;;
            *) echo "check-skips: unknown condition '$condition' for $name in $allow" >&2 ;;
        esac
    done < <(sed -e 's/#.*//' "$allow")
    return 1
}

skipped=$(sed -n "s/^Test Case '\([^']*\)' skipped.*/\1/p" "$log" | sort -u)
unexpected=()
for test in $skipped; do
    if allowed "$test"; then
        echo "check-skips: allowed skip: $test"
    else
        unexpected+=("$test")
    fi
done

if [ ${#unexpected[@]} -gt 0 ]; then
    echo "check-skips: ${#unexpected[@]} test(s) skipped that $allow does not allow here:" >&2
    for test in "${unexpected[@]}"; do
        reason=$(grep -m1 -F "$test : Test skipped" "$log" | sed 's/.*Test skipped - //' || true)
        echo "  $test${reason:+: $reason}" >&2
    done
    exit 1
fi
echo "check-skips: no unexpected skip in $log"

#!/usr/bin/env bash
# Mutation checks of the test suite: makes each mistake below in a scratch copy of the working
# tree, runs the tests that should catch it, and reports whether they failed. Exits non-zero
# when a mutation survives (its tests pass), cannot be applied, does not build, runs no test,
# or when the unmutated copy does not pass those tests in the first place.
#
#   Scripts/mutations.sh
#
# MUTATION_SCRATCH (default ${TMPDIR:-/tmp}/heed-mutations) holds the copy (heed/) and its build;
# it is kept between runs, so only the first build is a full one. The source tree is never
# modified. KERAS_GOLDEN_DIR (default ../shared/keras-golden beside the package) is the golden
# data; the copy sees it at its own default place too.
set -euo pipefail
# The mutated code and its tests do not touch heed serve: leave its HTTP packages out of the copy.
export HEED_WITHOUT_SERVER=1

root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${MUTATION_SCRATCH:-${TMPDIR:-/tmp}/heed-mutations}
golden=$(cd "${KERAS_GOLDEN_DIR:-$root/../shared/keras-golden}" && pwd)
copy=$scratch/heed
mkdir -p "$copy" "$scratch/shared"
ln -sfn "$golden" "$scratch/shared/keras-golden"
export KERAS_GOLDEN_DIR=$golden

# The copy: every tracked or untracked, not ignored file of the working tree, and the pinned
# dependency versions; unchanged files are left alone so that the build stays incremental.
files=$(cd "$root" && git ls-files -co --exclude-standard && if [ -f Package.resolved ]; then echo Package.resolved; fi)
(cd "$copy" && find . -path ./.build -prune -o -type f -print | sed 's|^\./||') | while read -r f; do
    grep -qxF -- "$f" <<<"$files" || rm -f "$copy/$f"
done
while read -r f; do
    [ -f "$root/$f" ] || continue
    if ! cmp -s "$root/$f" "$copy/$f"; then
        mkdir -p "$(dirname "$copy/$f")"
        cp "$root/$f" "$copy/$f"
    fi
done <<<"$files"

work=$(mktemp -d "${TMPDIR:-/tmp}/heed-mutation-run.XXXXXX")
mutated=""
restore() {
    if [ -n "$mutated" ]; then cp "$root/$mutated" "$copy/$mutated"; fi
    rm -rf "$work"
}
trap restore EXIT

build() {
    swift build --build-tests --package-path "$copy" --scratch-path "$copy/.build" >"$work/build.log" 2>&1
}

# Runs the tests matching $1 with the extra environment assignments that follow; sets `outcome`
# to passed, failed or "no test ran".
run_tests() {
    local filter=$1
    shift
    local status=0
    env "$@" swift test --disable-swift-testing --skip-build --package-path "$copy" --scratch-path "$copy/.build" \
        --filter "$filter" >"$work/test.log" 2>&1 || status=$?
    if grep -q "Executed 0 tests" "$work/test.log" && ! grep -q "^Test Case '" "$work/test.log"; then
        outcome="no test ran"
    elif [ "$status" -eq 0 ]; then
        outcome=passed
    else
        outcome=failed
    fi
}

problems=0
report() {  # name, tests, result, ok
    printf '%-58s %-60s %s\n' "$1" "$2" "$3"
    [ "$4" = ok ] || problems=$((problems + 1))
}

# The first failure of the last test run, to show what caught a mutation.
first_failure() {
    local line
    line=$(grep -m1 -E ": error: |: failed - |error: " "$work/test.log" | sed -E 's|^.*/Tests/||' | cut -c1-200 || true)
    [ -z "$line" ] || echo "    first failure: $line"
}

# Replaces the literal text $2 by $3 in file $1 of the copy.
mutate() {
    local file=$1 from=$2 to=$3 content
    grep -qF -- "$from" "$copy/$file" || return 1
    content=$(<"$copy/$file")
    mutated=$file
    printf '%s\n' "${content//"$from"/"$to"}" >"$copy/$file"
}

# A mutation of file $2 ($3 → $4) that the tests matching $5 must catch, with extra environment.
check_code() {
    local name=$1 file=$2 from=$3 to=$4 filter=$5
    shift 5
    if ! mutate "$file" "$from" "$to"; then
        report "$name" "$filter" "NOT APPLIED: text not found in $file" bad
        return
    fi
    if ! build; then
        report "$name" "$filter" "BUILD FAILED (see below)" bad
        tail -20 "$work/build.log"
    else
        run_tests "$filter" "$@"
        case $outcome in
            failed) report "$name" "$filter" "caught" ok; first_failure ;;
            passed) report "$name" "$filter" "SURVIVED" bad ;;
            *) report "$name" "$filter" "NOT CAUGHT: $outcome" bad ;;
        esac
    fi
    cp "$root/$file" "$copy/$file"
    mutated=""
}

# A mutation of the environment alone that the tests matching $2 must catch.
check_environment() {
    local name=$1 filter=$2
    shift 2
    run_tests "$filter" "$@"
    case $outcome in
        failed) report "$name" "$filter" "caught" ok; first_failure ;;
        passed) report "$name" "$filter" "SURVIVED" bad ;;
        *) report "$name" "$filter" "NOT CAUGHT: $outcome" bad ;;
    esac
}

echo "building the unmutated copy in $copy"
if ! build; then
    tail -20 "$work/build.log"
    echo "the unmutated copy does not build" >&2
    exit 1
fi
printf '%-58s %-60s %s\n' mutation tests result
for filter in KerasConformanceTests DotProductAttentionGoldenTests AdamGoldenTests \
    AutodiffTests.testGradientCheckHarnessCatchesAWrongPullback FlashAttentionWorkSplitTests FlashAttentionTests; do
    run_tests "$filter"
    if [ "$outcome" = passed ]; then
        report "(none: the unmutated copy)" "$filter" "passes" ok
    else
        report "(none: the unmutated copy)" "$filter" "$outcome (must pass)" bad
    fi
done

# (a) The golden data is not found: an empty KERAS_GOLDEN_DIR must fail each golden test class
# rather than skip, and a KERAS_GOLDEN_DIR nobody reads must fail too.
empty=$work/empty-golden
mkdir -p "$empty"
for filter in KerasConformanceTests DotProductAttentionGoldenTests AdamGoldenTests; do
    check_environment "a. KERAS_GOLDEN_DIR is an empty folder" "$filter" KERAS_GOLDEN_DIR="$empty"
done
check_code "a. the KERAS_GOLDEN_DIR lookup is dropped" Tests/HeedTests/Golden/KerasConformanceTests.swift \
    'environment["KERAS_GOLDEN_DIR"]' 'environment["KERAS_GOLDEN_DIR_UNREAD"]' KerasConformanceTests

# (b) The gradient check stops catching a wrong pullback: the harness test's wrong pullback made
# right, and the harness's tolerance widened until it accepts the wrong one.
check_code "b. the harness test's wrong pullback (3x) is right (2x)" Tests/HeedTests/AutodiffTests.swift \
    'derivative: { x, _ in 3 * x }' 'derivative: { x, _ in 2 * x }' \
    AutodiffTests.testGradientCheckHarnessCatchesAWrongPullback
check_code "b. the gradient check's tolerance is widened by 1" Tests/HeedTests/GradientCheck.swift \
    '<= 1e-5 + 1e-3 * abs(numeric))' '<= 1e-5 + 1e-3 * abs(numeric) + 1)' \
    AutodiffTests.testGradientCheckHarnessCatchesAWrongPullback

# (c) index.json loses one case: a copy of the golden folder (links to its case files) whose
# index lists every case but the first.
short=$work/short-golden
mkdir -p "$short"
for f in "$golden"/*; do ln -s "$f" "$short/$(basename "$f")"; done
rm "$short/index.json"
python3 - "$golden/index.json" "$short/index.json" <<'PY'
import json, sys
index = json.load(open(sys.argv[1]))
index["cases"] = index["cases"][1:]
json.dump(index, open(sys.argv[2], "w"), indent=1)
PY
check_environment "c. index.json lists every case but the first" KerasConformanceTests KERAS_GOLDEN_DIR="$short"

# (d) The tiled backward pass drops the dQ of every worker but the first: the work-split tests
# are meant to catch it; the tiled kernels' tests against the composite twin are run too.
for filter in FlashAttentionWorkSplitTests FlashAttentionTests; do
    check_code "d. per-worker dQ copies are not added into dQ" Sources/Heed/Kernels/FlashAttention.swift \
        'for i in 0..<count { dq[i] += src[i] }' 'for i in 0..<0 { dq[i] += src[i] }' "$filter"
done

# (e) The bag model's naive Bayes ratios: the other classes' denominator counts every class, and
# the ratios join the graph (a gradient is computed for weights that are never trained).
check_code "e. the other classes' total keeps the class itself" Sources/HeedModels/Models/BagClassifier.swift \
    '(alpha * tokens + all - totals[c])' '(alpha * tokens + all)' BagClassifierTests
check_code "e. the ratios are gathered with the graph on" Sources/HeedModels/Models/BagClassifier.swift \
    'let r = try withoutGrad { try ratios.value.gatheringRows(ids) }' 'let r = try ratios.value.gatheringRows(ids)' \
    BagClassifierTests

# (f) A query that sees no key (MultiHeadAttention's query mask) keeps its scores unpenalised, in
# the tiled kernels or in the OpenBLAS ones.
check_code "f. the tiled kernels do not hide the keys of a query that sees none" Sources/CHeedSupport/heed_flash_impl.h \
    'long hidden = p->query_sees && !p->query_sees[mb * p->tq + i] ? 0 : p->causal' 'long hidden = p->causal' FlashAttentionTests
check_code "f. the OpenBLAS kernels do not hide the keys of a query that sees none" Sources/Heed/Kernels/AttentionKernel.swift \
    'let end = blind ? 0 : causal' 'let end = blind ? kEnd : causal' FlashAttentionTests

if [ "$problems" -gt 0 ]; then
    echo "$problems check(s) above went wrong" >&2
    exit 1
fi
echo "every mutation was caught"

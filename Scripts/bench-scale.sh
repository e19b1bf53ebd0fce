#!/usr/bin/env bash
# Streamed training on IMDb repeated 10× and 100× (about 0.66 and 6.6 GB): rows per second of
# each pass over the file, training steps per second against the in-memory path on the 10×
# file, resident memory at the start and the peak, and the cache's reuse.
#
# Usage: Scripts/bench-scale.sh [IMDB_Dataset.csv]   (SCALES="10 100", STEPS=300, OUT=out/scale)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${HEED_DATA:-../shared/datasets/imdb/IMDB_Dataset.csv}}
SCALES=${SCALES:-10 100}
STEPS=${STEPS:-300}
OUT=${OUT:-out/scale}
[ -f "$DATA" ] || { echo "IMDb data not found at $DATA (pass its path)"; exit 1; }
swift build -c release --product heed >/dev/null 2>&1 || swift build -c release --product heed
HEED="$(swift build -c release --show-bin-path)/heed"
mkdir -p "$OUT"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"

# Samples the resident memory of PID every half second into FILE (kB, one per line).
sample_rss() {
    local pid=$1 file=$2
    : >"$file"
    while kill -0 "$pid" 2>/dev/null; do
        awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null >>"$file" || true
        sleep 0.5
    done
}

# Runs heed train with the given options; prints seconds, first and peak RSS and the step rate.
run() {
    local label=$1; shift
    local log="$OUT/$label.log" rss="$OUT/$label.rss"
    local start=$(date +%s.%N)
    "$HEED" train "$@" --quiet >"$log" 2>&1 &
    local pid=$!
    sample_rss "$pid" "$rss" &
    local sampler=$!
    wait "$pid" || { echo "$label failed:"; tail -5 "$log"; exit 1; }
    wait "$sampler" 2>/dev/null || true
    local end=$(date +%s.%N)
    local first=$(head -1 "$rss") peak=$(sort -n "$rss" | tail -1)
    local step=$(grep -o '[0-9.]*ms/step' "$log" | tail -1)
    printf '| %s | %.0f s | %s MB | %s MB | %s |\n' "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" \
        "$((${first:-0} / 1024))" "$((${peak:-0} / 1024))" "${step:-?}"
}

for scale in $SCALES; do
    file="$OUT/imdb-x$scale.csv"
    if [ ! -f "$file" ]; then
        echo "writing $file (IMDb × $scale)"
        { head -1 "$DATA"; for _ in $(seq "$scale"); do tail -n +2 "$DATA"; done; } >"$file"
    fi
    rows=$((50000 * scale))
    common=(--data "$file" --text-column review --label-column sentiment --train-rows "1-$((rows - 1000))"
            --test-rows "$((rows - 999))-$rows" --vocab-size 10000 --max-len 200 --embed-dim 64 --epochs 1
            --batch-size 32 --steps-per-epoch "$STEPS" --threads "$(nproc)")
    rm -rf "$OUT/cache-x$scale" "$OUT"/model-x"$scale"*
    echo
    echo "IMDb × $scale: $(du -m "$file" | cut -f1) MB, $rows rows; $STEPS training steps of 32"
    echo "| run | wall time | RSS at start | peak RSS | training step |"
    echo "|---|---|---|---|---|"
    run "x$scale-stream" "${common[@]}" --stream --cache-dir "$OUT/cache-x$scale" --out "$OUT/model-x$scale-stream"
    grep -E '^heed: (scanning rows|counting tokens|encoding)' "$OUT/x$scale-stream.log" >"$OUT/x$scale-passes.txt" || true
    run "x$scale-stream-reused" "${common[@]}" --stream --cache-dir "$OUT/cache-x$scale" --out "$OUT/model-x$scale-reused"
    grep -q "reusing the id cache" "$OUT/x$scale-stream-reused.log" || { echo "the cache was not reused"; exit 1; }
    if [ "$scale" -le 10 ]; then
        run "x$scale-memory" "${common[@]}" --out "$OUT/model-x$scale-memory"
        cmp -s "$OUT/model-x$scale-stream/model.safetensors" "$OUT/model-x$scale-memory/model.safetensors" \
            && echo "(streamed and in-memory weights: bit-identical)" \
            || echo "(streamed and in-memory weights DIFFER)"
    fi
    echo "passes over the file:"
    sed 's/^heed: /  /' "$OUT/x$scale-passes.txt"
    du -sh "$OUT/cache-x$scale" | awk '{print "id cache: " $1}'
done

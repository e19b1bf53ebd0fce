#!/usr/bin/env bash
# The IMDb Transformer over several seeds, in Heed and in tf.keras back to back per seed (the
# same recipe: Benchmarks/reference/keras_imdb.py --model transformer), then each one's mean and
# standard deviation of the test accuracy.
#
# Usage: Scripts/transformer-seeds.sh [IMDB_Dataset.csv]
#   SEEDS="42 1 2 3 4 5 6 7 8 9"  HEED_BIN=.build/release  BENCH_VENV=.venv-bench
#   SKIP_KERAS=1 runs Heed alone; OUT=out/transformer-seeds keeps logs and model folders.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${HEED_DATA:-../shared/datasets/imdb/IMDB_Dataset.csv}}
SEEDS=${SEEDS:-42 1 2 3 4 5 6 7 8 9}
HEED_BIN=${HEED_BIN:-$(swift build -c release --show-bin-path)}
BENCH_VENV=${BENCH_VENV:-.venv-bench}
OUT=${OUT:-out/transformer-seeds}
[ -f "$DATA" ] || { echo "IMDb data not found at $DATA (pass its path)"; exit 1; }
mkdir -p "$OUT"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
printf '%-6s %-8s %-8s\n' seed heed tf.keras
heed_all="" keras_all=""
for seed in $SEEDS; do
    "$HEED_BIN/heed" train --data "$DATA" --text-column review --label-column sentiment \
        --train-rows 1-25000 --test-rows 25001-50000 --model transformer --embed-dim 64 --num-heads 2 \
        --key-dim 32 --ff-dim 128 --blocks 1 --dropout 0.1 --epochs 3 --batch-size 32 \
        --learning-rate 0.001 --seed "$seed" --out "$OUT/heed-$seed" >"$OUT/heed-$seed.log" 2>&1 \
        || { tail -5 "$OUT/heed-$seed.log"; exit 1; }
    heed=$(sed -n 's/^test accuracy: \([0-9.]*\).*/\1/p' "$OUT/heed-$seed.log" | tail -1)
    keras=-
    if [ "${SKIP_KERAS:-0}" != 1 ]; then
        "$BENCH_VENV/bin/python" Benchmarks/reference/keras_imdb.py "$DATA" --model transformer --seed "$seed" \
            >"$OUT/keras-$seed.log" 2>&1 || { tail -5 "$OUT/keras-$seed.log"; exit 1; }
        keras=$(sed -n 's/.*: test accuracy \([0-9.]*\).*/\1/p' "$OUT/keras-$seed.log" | tail -1)
        keras_all+="$keras "
    fi
    heed_all+="$heed "
    printf '%-6s %-8s %-8s\n' "$seed" "$heed" "$keras"
done
summary() {
    echo "$2" | tr ' ' '\n' | awk -v name="$1" 'NF { n++; s += $1; q += $1 * $1 }
        END { if (n > 1) printf "%s: %d seeds, mean %.4f, sd %.4f\n", name, n, s / n, sqrt((q - s * s / n) / (n - 1)) }'
}
summary heed "$heed_all"
summary tf.keras "$keras_all"

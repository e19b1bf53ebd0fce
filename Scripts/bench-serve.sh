#!/usr/bin/env bash
# `make bench-serve`: heed serve against tf.keras behind FastAPI + uvicorn, driven by wrk over
# loopback, then a soak of heed serve with its resident memory at the start and the end.
#
# 1. Trains the IMDb text classifier (the `make demo` recipe) into BENCH_MODEL unless that folder
#    exists, then starts `heed serve --log-level warning` (standard error, which then holds only
#    warnings and errors, goes to BENCH_LOG_DIR/heed-serve.log).
# 2. wrk (one thread, Benchmarks/serve/predict.lua) POSTs the IMDb test split's reviews, read
#    from the CSV at start-up, to /v1/models/imdb:predict: 1 text per request, then 8, each at
#    1, 8 and 64 connections, BENCH_SECONDS each, after WARMUP_SECONDS of warm-up.
# 3. The same against Benchmarks/reference/serve_keras.py (tf.keras, FastAPI, uvicorn with one
#    worker process per core) on the same machine, heed serve stopped meanwhile. SKIP_PYTHON=1
#    leaves it out.
# 4. Starts heed serve afresh and soaks it at 64 connections, SOAK_TEXTS texts per request, for
#    SOAK_SECONDS, sampling VmRSS (/proc/PID/status) every RSS_INTERVAL seconds.
#
# Progress goes to standard error; the Markdown tables go to standard output.
# Needs: HEED_BIN (the release build's bin folder), wrk, curl, and for step 3 BENCH_VENV with
# tensorflow, tf_keras, fastapi and uvicorn (the Makefile target installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${HEED_DATA:-../shared/datasets/imdb/IMDB_Dataset.csv}
HEED_BIN=${HEED_BIN:-.build/release}
BENCH_MODEL=${BENCH_MODEL:-out/bench-serve-model}
BENCH_KERAS_MODEL=${BENCH_KERAS_MODEL:-out/bench-serve-keras}
BENCH_LOG_DIR=${BENCH_LOG_DIR:-out/bench-serve-logs}
BENCH_VENV=${BENCH_VENV:-.venv-bench}
BENCH_SECONDS=${BENCH_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-3}
SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_TEXTS=${SOAK_TEXTS:-1}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-64}
RSS_INTERVAL=${RSS_INTERVAL:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-1 8 64}
TEXTS_PER_REQUEST=${BENCH_TEXTS:-1 8}
HEED_PORT=${HEED_PORT:-8090}
KERAS_PORT=${KERAS_PORT:-8091}
KERAS_WORKERS=${KERAS_WORKERS:-$(nproc)}
SKIP_PYTHON=${SKIP_PYTHON:-0}
# Extra `heed serve` options, e.g. "--batch-delay-ms 0" (default: its own defaults).
HEED_SERVE_ARGS=${HEED_SERVE_ARGS:-}
LUA=Benchmarks/serve/predict.lua
MODEL_NAME=imdb

say() { echo "bench-serve: $*" >&2; }
die() { say "error: $*"; exit 1; }

command -v wrk >/dev/null || die "wrk is missing (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl is missing"
[ -f "$DATA" ] || die "IMDb data not found at $DATA; set HEED_DATA to IMDB_Dataset.csv"
[ -x "$HEED_BIN/heed" ] && [ -x "$HEED_BIN/heed-serve" ] || die "no release build in $HEED_BIN (swift build -c release)"
mkdir -p "$BENCH_LOG_DIR"

SERVER_PID=
SAMPLER_PID=
cleanup() {
    if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# User plus system CPU seconds of a process so far.
cpu_seconds() {
    awk -v ticks="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.1f", ($12 + $13) / ticks }' "/proc/$1/stat" 2>/dev/null || echo "?"
}
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# Fails unless the port is free.
port_free() { ! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

# Stops the server with SIGTERM and sets STOP_STATUS to its exit status.
STOP_STATUS=
stop_server() {
    STOP_STATUS=0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || STOP_STATUS=$?
    SERVER_PID=
}

# The sum of a Prometheus metric's samples whose line matches the regular expression $2 and, when
# given, not $3.
metric_sum() {
    curl -s "http://127.0.0.1:$HEED_PORT/metrics" | awk -v name="$1" -v match_="$2" -v skip="${3:-}" '
        index($0, name "{") == 1 && $0 ~ match_ && (skip == "" || $0 !~ skip) { sum += $NF }
        END { printf "%d\n", sum }'
}

# One wrk run: label, port, connections, texts per request, seconds. Appends a table row to ROWS
# and sets LAST_REQUESTS to the requests answered.
ROWS=()
LAST_REQUESTS=0
run_wrk() {
    local server=$1 port=$2 connections=$3 texts=$4 seconds=$5 out
    out=$(wrk -t 1 -c "$connections" -d "${seconds}s" --timeout 10s --latency -s "$LUA" \
        "http://127.0.0.1:$port" -- "$DATA" "$texts" 25001 2000 "$MODEL_NAME" 2>&1) \
        || die "wrk failed against $server: $out"
    local result
    result=$(grep '^RESULT ' <<<"$out") || die "wrk printed no RESULT line: $out"
    echo "$out" >>"$BENCH_LOG_DIR/wrk.log"
    ROWS+=("$(awk -v server="$server" -v c="$connections" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        rps = v["requests"] / v["seconds"]
        socket = v["connect"] + v["read"] + v["write"] + v["timeout"]
        printf "| %s | %d | %d | %.0f | %.0f | %.2f | %.2f | %d | %d |\n", server, v["texts_per_request"], c,
            rps, rps * v["texts_per_request"], v["p50_ms"], v["p99_ms"], v["non200"], socket
    }' <<<"$result")")
    LAST_REQUESTS=$(sed 's/.* requests=\([0-9]*\) .*/\1/' <<<"$result")
}

# Waits until the file holds a `listening on` line, or fails if the process ends first.
wait_listening() {
    local file=$1 pid=$2 waited=0
    until grep -q '^listening on ' "$file" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die "the server exited before listening; see $BENCH_LOG_DIR"
        sleep 0.2
        waited=$((waited + 1))
        [ "$waited" -lt 600 ] || die "the server did not listen within 120 s"
    done
}

start_heed() {
    port_free "$HEED_PORT" || die "port $HEED_PORT is taken; set HEED_PORT"
    : >"$BENCH_LOG_DIR/heed-serve.out"
    # shellcheck disable=SC2086 # HEED_SERVE_ARGS is a list of options
    "$HEED_BIN/heed" serve --model "$MODEL_NAME=$BENCH_MODEL" --port "$HEED_PORT" --log-level warning $HEED_SERVE_ARGS \
        >>"$BENCH_LOG_DIR/heed-serve.out" 2>>"$BENCH_LOG_DIR/heed-serve.log" &
    SERVER_PID=$!
    wait_listening "$BENCH_LOG_DIR/heed-serve.out" "$SERVER_PID"
}

# A two-review request must come back 200 with two predictions.
check_predict() {
    local port=$1 body answer
    body='{"instances": ["A moving, beautifully shot film; the cast is superb.", "Dull plot, wooden acting, a waste of two hours."]}'
    answer=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -d "$body" \
        "http://127.0.0.1:$port/v1/models/$MODEL_NAME:predict") || true
    [ "$(tail -n1 <<<"$answer")" = 200 ] || die "the check request on port $port failed: $answer"
    [ "$(grep -o '"label"' <<<"$answer" | wc -l)" = 2 ] || die "the check request on port $port did not get two predictions: $answer"
    say "check on port $port: $(head -n1 <<<"$answer")"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
say "$cpu, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The model.
if [ -f "$BENCH_MODEL/config.json" ]; then
    say "reusing the model in $BENCH_MODEL"
else
    say "training the IMDb text classifier into $BENCH_MODEL (log: $BENCH_LOG_DIR/train.log)"
    rm -rf "$BENCH_MODEL.partial"
    "$HEED_BIN/heed" train --data "$DATA" --text-column review --label-column sentiment \
        --train-rows 1-25000 --test-rows 25001-50000 --model text --vocab-size 10000 --max-len 200 --embed-dim 64 \
        --epochs 3 --batch-size 32 --learning-rate 0.001 --seed 42 --out "$BENCH_MODEL.partial" \
        >"$BENCH_LOG_DIR/train.log" 2>&1 || { tail -n 20 "$BENCH_LOG_DIR/train.log" >&2; die "training failed"; }
    mv "$BENCH_MODEL.partial" "$BENCH_MODEL"
fi
: >"$BENCH_LOG_DIR/heed-serve.log"
: >"$BENCH_LOG_DIR/wrk.log"

# 2. heed serve.
start_heed
say "heed serve is listening on port $HEED_PORT (pid $SERVER_PID, $(mb "$(rss_kb "$SERVER_PID")") MB resident)"
check_predict "$HEED_PORT"
run_wrk warmup "$HEED_PORT" 8 1 "$WARMUP_SECONDS" >/dev/null
ROWS=()
ok_before=$(metric_sum heed_requests_total 'predict.*status="200"')
other_before=$(metric_sum heed_requests_total 'predict' 'status="200"')
texts_before=$(metric_sum heed_texts_total '')
client_texts=0
for texts in $TEXTS_PER_REQUEST; do
    for connections in $CONNECTIONS; do
        say "heed serve: $texts text(s) per request, $connections connection(s), ${BENCH_SECONDS} s"
        run_wrk "heed serve" "$HEED_PORT" "$connections" "$texts" "$BENCH_SECONDS"
        client_texts=$((client_texts + LAST_REQUESTS * texts))
    done
done
ok_after=$(metric_sum heed_requests_total 'predict.*status="200"')
other_after=$(metric_sum heed_requests_total 'predict' 'status="200"')
texts_after=$(metric_sum heed_texts_total '')
heed_rss_after=$(rss_kb "$SERVER_PID")
stop_server
heed_status=$STOP_STATUS
SERVER_CHECK="heed serve's /metrics over these runs: $((ok_after - ok_before)) predict answers 200, \
$((other_after - other_before)) other; heed_texts_total +$((texts_after - texts_before)) \
(wrk counted $client_texts texts in answered requests); $(mb "$heed_rss_after") MB resident after them; \
exit status $heed_status after SIGTERM."

# 3. tf.keras behind FastAPI + uvicorn.
KERAS_NOTE="tf.keras: skipped (SKIP_PYTHON=1)."
if [ "$SKIP_PYTHON" != 1 ]; then
    python=$BENCH_VENV/bin/python
    [ -x "$python" ] || die "no Python environment at $BENCH_VENV (make bench-serve creates it); SKIP_PYTHON=1 skips this part"
    port_free "$KERAS_PORT" || die "port $KERAS_PORT is taken; set KERAS_PORT"
    say "starting tf.keras + FastAPI + uvicorn ($KERAS_WORKERS workers) on port $KERAS_PORT (log: $BENCH_LOG_DIR/serve-keras.log)"
    # Emptied here, not by the server's redirection, which could come after the first look at it.
    : >"$BENCH_LOG_DIR/serve-keras.log"
    "$python" Benchmarks/reference/serve_keras.py --data "$DATA" --model-dir "$BENCH_KERAS_MODEL" \
        --port "$KERAS_PORT" --workers "$KERAS_WORKERS" >>"$BENCH_LOG_DIR/serve-keras.log" 2>&1 &
    SERVER_PID=$!
    # Ready once every worker has printed `worker PID ready` (training comes first when
    # BENCH_KERAS_MODEL holds no model yet).
    for _ in $(seq 6000); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "serve_keras.py exited; see $BENCH_LOG_DIR/serve-keras.log"
        [ "$(grep -c '^worker [0-9]* ready$' "$BENCH_LOG_DIR/serve-keras.log")" -lt "$KERAS_WORKERS" ] || break
        sleep 0.2
    done
    worker_pids=$(sed -n 's/^worker \([0-9]*\) ready$/\1/p' "$BENCH_LOG_DIR/serve-keras.log")
    [ "$(wc -w <<<"$worker_pids")" -ge "$KERAS_WORKERS" ] || die "the uvicorn workers were not ready within 20 minutes"
    check_predict "$KERAS_PORT"
    run_wrk warmup "$KERAS_PORT" 8 1 "$WARMUP_SECONDS"
    unset 'ROWS[-1]'
    for texts in $TEXTS_PER_REQUEST; do
        for connections in $CONNECTIONS; do
            say "tf.keras: $texts text(s) per request, $connections connection(s), ${BENCH_SECONDS} s"
            run_wrk "tf.keras + FastAPI" "$KERAS_PORT" "$connections" "$texts" "$BENCH_SECONDS"
        done
    done
    keras_rss=0
    keras_cpu=()
    for pid in $worker_pids; do
        keras_rss=$((keras_rss + $(rss_kb "$pid")))
        keras_cpu+=("$(cpu_seconds "$pid")")
    done
    stop_server
    keras_status=$STOP_STATUS
    KERAS_NOTE="tf.keras $("$python" -c 'import importlib.metadata as m; print(m.version("tensorflow"))'), \
$KERAS_WORKERS uvicorn workers ($(mb "$keras_rss") MB resident together after the runs; CPU seconds \
of each: ${keras_cpu[*]}); exit status $keras_status after SIGTERM."
fi

# 4. The soak.
start_heed
idle_rss=$(rss_kb "$SERVER_PID")
check_predict "$HEED_PORT"
run_wrk warmup "$HEED_PORT" "$SOAK_CONNECTIONS" "$SOAK_TEXTS" "$WARMUP_SECONDS"
unset 'ROWS[-1]'
start_rss=$(rss_kb "$SERVER_PID")
(
    while sleep "$RSS_INTERVAL"; do echo "$(date +%s) $(rss_kb "$SERVER_PID")"; done
) >"$BENCH_LOG_DIR/soak-rss.txt" &
SAMPLER_PID=$!
say "soak: $SOAK_CONNECTIONS connections, $SOAK_TEXTS text(s) per request, $SOAK_SECONDS s (RSS every $RSS_INTERVAL s: $BENCH_LOG_DIR/soak-rss.txt)"
run_wrk "heed serve, soak" "$HEED_PORT" "$SOAK_CONNECTIONS" "$SOAK_TEXTS" "$SOAK_SECONDS"
end_rss=$(rss_kb "$SERVER_PID")
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=
peak_rss=$(awk -v end="$end_rss" 'BEGIN { peak = end } $2 > peak { peak = $2 } END { print peak }' "$BENCH_LOG_DIR/soak-rss.txt")
stop_server
soak_status=$STOP_STATUS
log_lines=$(wc -l <"$BENCH_LOG_DIR/heed-serve.log")

# The tables.
echo "## heed serve and tf.keras + FastAPI over loopback"
echo
echo "$cpu, $(nproc) cores; wrk 1 thread over loopback, ${BENCH_SECONDS} s per row after ${WARMUP_SECONDS} s of warm-up;"
echo "IMDb test reviews rotating; heed serve options: ${HEED_SERVE_ARGS:-the defaults}; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo
echo "| server | texts/request | connections | requests/s | texts/s | p50 ms | p99 ms | non-200 | socket errors |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "- $SERVER_CHECK"
echo "- $KERAS_NOTE"
echo
echo "## heed serve soak"
echo
echo "| connections | texts/request | seconds | RSS idle MB | RSS at start MB | RSS at end MB | RSS peak MB | exit status |"
echo "|---|---|---|---|---|---|---|---|"
echo "| $SOAK_CONNECTIONS | $SOAK_TEXTS | $SOAK_SECONDS | $(mb "$idle_rss") | $(mb "$start_rss") | $(mb "$end_rss") | $(mb "$peak_rss") | $soak_status |"
echo
echo "heed serve's standard error (--log-level warning): $log_lines lines in $BENCH_LOG_DIR/heed-serve.log."

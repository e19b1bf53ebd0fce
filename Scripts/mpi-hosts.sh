#!/usr/bin/env bash
# Several hosts on one machine for Open MPI: each host is a network namespace (heed-a,
# heed-b, ...) with its own address on 10.77.0.0/24, its own /etc/hosts and its own host name,
# joined by veth links to a bridge in a namespace of its own (heed-sw). Nothing leaves the
# machine. `mpirun` runs in heed-a and starts the other hosts' daemons through
# Scripts/mpi-netns-agent.sh (in place of ssh); ranks on different hosts talk over TCP only.
#
#   Scripts/mpi-hosts.sh up [HOSTS]                 make HOSTS hosts (default 2)
#   Scripts/mpi-hosts.sh down                       remove them, their processes and links
#   Scripts/mpi-hosts.sh run RANKS_PER_HOST PROGRAM [ARGS...]
#                                                   mpirun PROGRAM on every host made
#   Scripts/mpi-hosts.sh test PROGRAM               up, the checks below, down (exit 1 on a failure)
#   Scripts/mpi-hosts.sh bench PROGRAM              up, samples/s on 1 and 2 hosts, down
#
# PROGRAM is heed-mpi-train (Distributed/). Needs root, iproute2 and Open MPI. One set of hosts
# exists at a time: `test` and `bench` hold a lock for their whole run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AGENT="$ROOT/Scripts/mpi-netns-agent.sh"
SUBNET=10.77.0
SWITCH=heed-sw
LOCK=/run/heed-mpi-hosts.lock
# Host names: heed-a, heed-b, ...
LETTERS=abcdefghijklmnopqrstuvwxyz
host_name() { echo "heed-${LETTERS:$1:1}"; }
made_hosts() { ip netns list | awk '{print $1}' | grep -E '^heed-[a-z]$' | sort || true; }

die() { echo "mpi-hosts: $*" >&2; exit 1; }

up() {
    local count=${1:-2}
    [ "$(id -u)" = 0 ] || die "run as root (network namespaces need it)"
    command -v ip >/dev/null || die "ip is missing: apt-get install -y iproute2"
    command -v mpirun >/dev/null || die "mpirun is missing: apt-get install -y openmpi-bin libopenmpi-dev"
    down
    ip netns add "$SWITCH"
    ip -n "$SWITCH" link add br0 type bridge
    ip -n "$SWITCH" link set br0 up
    ip -n "$SWITCH" link set lo up
    local hosts="127.0.0.1 localhost"$'\n'
    for i in $(seq 0 $((count - 1))); do
        hosts+="$SUBNET.$((i + 1)) $(host_name "$i")"$'\n'
    done
    for i in $(seq 0 $((count - 1))); do
        local name; name=$(host_name "$i")
        ip netns add "$name"
        # The veth pair is made inside the host's namespace, its other end moved to the switch:
        # no link ever exists in the machine's own namespace.
        ip -n "$name" link add eth0 type veth peer name "port-$name"
        ip -n "$name" link set "port-$name" netns "$SWITCH"
        ip -n "$SWITCH" link set "port-$name" master br0 up
        ip -n "$name" addr add "$SUBNET.$((i + 1))/24" dev eth0
        ip -n "$name" link set eth0 up
        ip -n "$name" link set lo up
        # A peer that stops answering is noticed in seconds rather than the default 15 minutes:
        # keepalive probes on idle connections, few retransmissions on busy ones.
        ip netns exec "$name" sysctl -q -w net.ipv4.tcp_keepalive_time=1 net.ipv4.tcp_keepalive_intvl=1 \
            net.ipv4.tcp_keepalive_probes=3 net.ipv4.tcp_retries2=3
        # `ip netns exec` shows /etc/netns/NAME/hosts as /etc/hosts: every host knows the others.
        mkdir -p "/etc/netns/$name"
        printf '%s' "$hosts" >"/etc/netns/$name/hosts"
    done
    # heed-a reaches every other host by name: a connection to a closed port is refused at
    # once (a host out of reach would time out).
    for i in $(seq 1 $((count - 1))); do
        local answer; answer=$(ip netns exec heed-a timeout 3 bash -c "echo >/dev/tcp/$(host_name "$i")/9" 2>&1 || true)
        [[ "$answer" == *refused* ]] || die "heed-a cannot reach $(host_name "$i"): ${answer:-no answer in 3 s}"
    done
    echo "mpi-hosts: $count hosts up: $(made_hosts | tr '\n' ' ')(bridge in $SWITCH, $SUBNET.0/24)"
}

down() {
    local name
    for name in $(made_hosts) $(ip netns list | awk '{print $1}' | grep -x "$SWITCH" || true); do
        # Processes left in a namespace (a daemon cut off by a downed link) go with it.
        ip netns pids "$name" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$name"
        rm -rf "/etc/netns/$name"
    done
}

# mpirun across the hosts made by `up`, RANKS_PER_HOST ranks on each, filled host by host
# (ranks 0..k-1 on heed-a, then heed-b, ...).
run() {
    local per_host=$1; shift
    local hosts; hosts=$(made_hosts)
    [ -n "$hosts" ] || die "no hosts: run '$0 up' first"
    local hostfile; hostfile=$(mktemp /tmp/heed-hostfile.XXXXXX)
    for name in $hosts; do echo "$name slots=$per_host"; done >"$hostfile"
    local count; count=$(echo "$hosts" | wc -l)
    local status=0
    ip netns exec heed-a unshare --uts /bin/sh -c 'hostname heed-a && exec "$@"' sh \
        mpirun --allow-run-as-root --hostfile "$hostfile" -np $((per_host * count)) --map-by slot \
        --mca plm_rsh_agent "$AGENT" --mca plm_rsh_no_tree_spawn 1 \
        --mca oob_tcp_if_include "$SUBNET.0/24" --mca btl_tcp_if_include "$SUBNET.0/24" \
        --mca pml ob1 --mca btl tcp,vader,self \
        --mca oob_tcp_keepalive_time 1 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3 \
        ${MPI_HOSTS_MPIRUN_OPTIONS:-} "$@" || status=$?
    rm -f "$hostfile"
    return $status
}

# --- checks --------------------------------------------------------------------------------

FAILURES=0
CHECKS=0
check() {
    local what=$1; shift
    CHECKS=$((CHECKS + 1))
    if "$@"; then echo "  ok    $what"; else echo "  FAIL  $what"; FAILURES=$((FAILURES + 1)); fi
}
# The value of KEY in the `RESULT key=value` lines of FILE.
result() { grep -o "RESULT.* $2=[^ ]*\|RESULT $2=[^ ]*" "$1" | tail -1 | sed "s/.*$2=//"; }
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
equal() { [ -n "$1" ] && [ "$1" = "$2" ]; }
contains() { grep -q -- "$2" "$1"; }

# The equivalence of `heed-mpi-train equivalence` across hosts: every rank holds the same
# weights, within 1e-5 (relative) of one process at the combined batch, same validation.
equivalence() {
    local per_host=$1 optimizer=$2 exchange=$3 out="$WORK/equivalence-$1-$2-$3"
    echo "$(made_hosts | wc -l) hosts x $per_host ranks, $optimizer, $exchange exchange:"
    MPI_HOSTS_MPIRUN_OPTIONS=--display-map run "$per_host" "$PROGRAM" equivalence --optimizer "$optimizer" \
        --exchange "$exchange" --batch 8 --steps 3 >"$out" 2>"$out.err" || { cat "$out.err" >&2; check "job exits 0" false; return; }
    check "ranks on heed-b (mpirun's map)" contains "$out" "Data for node: heed-b"
    check "every rank holds the same weights" equal "$(result "$out" ranks_identical)" 1
    check "6 steps on each side" equal "$(result "$out" distributed_steps)" "$(result "$out" steps)"
    check "max |a-b|/max|b| per weight <= 1e-5 ($(result "$out" max_relative_difference))" \
        at_most "$(result "$out" max_relative_difference)" 1e-5
    # Per element, relative to the element itself: with two ranks each gradient element is one
    # sum a + b, as in one process up to rounding; with four, MPI adds four partial sums in an
    # order of its own, and Adam's m / sqrt(v) lifts that rounding in elements whose gradients
    # are tiny (2.8e-5 seen), while the per-weight bound above stays at 1e-5.
    local element_bound=1e-5
    [ "$per_host" -gt 1 ] && element_bound=1e-4
    check "max |a-b|/|b| per element <= $element_bound ($(result "$out" max_elementwise_relative_difference))" \
        at_most "$(result "$out" max_elementwise_relative_difference)" $element_bound
    check "same validation accuracy as one process" \
        equal "$(result "$out" distributed_val_accuracy)" "$(result "$out" single_val_accuracy)"
    if [ "$exchange" = overlapped ]; then
        check "overlapped exchange bit-identical to the fused one" equal "$(result "$out" fused_identical)" 1
    fi
}

# A link taken down in the middle of training: the job ends within seconds naming the rank it
# lost, the last checkpoint loads, and a new job on both hosts resumes from it.
link_down() {
    echo "link of heed-b taken down during training (2 hosts x 1 rank, collectives time out after 2 s):"
    local folder="$WORK/fault" out="$WORK/fault.out"
    rm -rf "$folder"
    run 1 "$PROGRAM" fault --how none --checkpoint "$folder" --timeout 2 >"$out" 2>"$out.err" &
    local job=$!
    local waited=0
    # Two checkpoints written: training is under way across the hosts.
    # (grep -c prints 0 and fails when nothing matches yet.)
    until [ -f "$folder/checkpoint.safetensors" ] && [ "$(grep -c '^Epoch' "$out" 2>/dev/null || true)" -ge 2 ]; do
        sleep 0.2; waited=$((waited + 1))
        [ $waited -lt 600 ] && kill -0 $job 2>/dev/null || { cat "$out.err" >&2; check "training starts across the hosts" false; return; }
    done
    ip -n heed-b link set eth0 down
    local start; start=$(date +%s.%N)
    local status=0 ended=0
    for _ in $(seq 1 300); do kill -0 $job 2>/dev/null || { ended=1; break; }; sleep 0.1; done
    [ $ended = 1 ] || { kill -9 $job 2>/dev/null; }
    wait $job || status=$?
    local seconds; seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    check "the job ends within 30 s of the link going down (${seconds} s)" equal $ended 1
    check "the job exits with an error (status $status)" test "$status" -ne 0
    check "the error names the unreachable rank: $(grep -o 'waited [^:]*rank 1' "$out.err" | head -1)" \
        contains "$out.err" "without an answer from rank 1"
    # Processes cut off on heed-b (its daemon, rank 1) are ended before the next job.
    ip netns pids heed-b | xargs -r kill -9 2>/dev/null || true
    local epoch; epoch=$("$PROGRAM" verify-checkpoint --checkpoint "$folder/checkpoint.safetensors" 2>"$WORK/verify.err" \
        | sed -n 's/RESULT checkpoint_epoch=//p')
    check "the last checkpoint loads (epoch $epoch)" test "${epoch:--1}" -ge 1
    ip -n heed-b link set eth0 up
    run 1 "$PROGRAM" resume --checkpoint "$folder/checkpoint.safetensors" --epochs $((epoch + 2)) \
        >"$WORK/resume.out" 2>"$WORK/resume.err" || cat "$WORK/resume.err" >&2
    check "two hosts resume from it (epochs $(result "$WORK/resume.out" resumed_epochs))" \
        equal "$(result "$WORK/resume.out" resumed_epochs)" "$epoch,$((epoch + 1))"
}

nothing_left() {
    check "no namespace left" test -z "$(ip netns list | grep -E '^heed-' || true)"
    check "no veth or bridge left in the machine's namespace" test -z "$(ip -o link | grep -E 'heed-|port-heed' || true)"
    check "no /etc/netns entry left" test -z "$(ls /etc/netns 2>/dev/null | grep -E '^heed-' || true)"
}

test_hosts() {
    echo "Open MPI $(mpirun --version | head -1 | awk '{print $NF}'), $(nproc) cores"
    up 2
    equivalence 1 adam fused
    equivalence 1 sgd overlapped
    equivalence 2 adam overlapped
    equivalence 2 sgd fused
    link_down
    down
    nothing_left
    echo "$((CHECKS - FAILURES)) of $CHECKS checks passed"
    [ $FAILURES = 0 ]
}

# Samples per second of `heed-mpi-train bench` (release build): one rank, two ranks on one
# host (shared memory between them), and one rank on each of two hosts (TCP over the veth
# links), at the same batch per rank.
bench_hosts() {
    local models=${MODELS:-mlp text}
    echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; Open MPI $(mpirun --version | head -1 | awk '{print $NF}')"
    for model in $models; do
        local extra=(--model "$model" --threads 1 --exchange fused --rounds "${ROUNDS:-5}")
        [ "$model" = text ] && extra+=(--bucket-kb 1)
        up 1
        echo "== $model, 1 host x 1 rank"; run 1 "$PROGRAM" bench "${extra[@]}" | grep RESULT
        echo "== $model, 1 host x 2 ranks"; run 2 "$PROGRAM" bench "${extra[@]}" | grep RESULT
        up 2
        echo "== $model, 2 hosts x 1 rank"; run 1 "$PROGRAM" bench "${extra[@]}" | grep RESULT
    done
    down
}

with_hosts() {
    exec 9>"$LOCK"
    flock -w 600 9 || die "another run holds $LOCK"
    WORK=$(mktemp -d /tmp/heed-mpi-hosts.XXXXXX)
    trap 'down; rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
    "$@"
}

command=${1:-}
shift || true
case "$command" in
    up) up "$@" ;;
    down) down ;;
    run) [ $# -ge 2 ] || die "usage: $0 run RANKS_PER_HOST PROGRAM [ARGS...]"; run "$@" ;;
    test) PROGRAM=${1:?usage: $0 test PROGRAM}; with_hosts test_hosts ;;
    bench) PROGRAM=${1:?usage: $0 bench PROGRAM}; with_hosts bench_hosts ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

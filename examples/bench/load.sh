#!/usr/bin/env bash
# The load benchmark: throughput and latency of GET /open (no token) against
# GET /hs, /rs and /es (HS256, RS256, ES256 tokens) on the warden-bench server,
# and GET /noop, /open behind a request guard that does nothing (what Rocket
# charges for any guard).
# The three tokens are the same size, and /open is sent one too (it reads no
# token): every request is the same bytes but for the path, so the ratios
# measure what the server does with the token, not what receiving it costs.
#
# The server runs pinned to one core, wrk (one thread) pinned to another, on
# 127.0.0.1. Each round visits every route (a warm-up that is not counted,
# then a timed run); the table gives, per route, the median req/s of the
# rounds, p50 and p99 from that median round, and req/s as a ratio of /open's.
#
# Settings, from the environment:
#   WARDEN_BENCH_DURATION      seconds per timed run               (10)
#   WARDEN_BENCH_WARMUP        seconds of warm-up per run           (2)
#   WARDEN_BENCH_ROUNDS        rounds; the median of them is shown  (3)
#   WARDEN_BENCH_CONNECTIONS   wrk connections                      (16)
#   WARDEN_BENCH_CACHE         on | off: off sets token_cache_size = 0 on
#                              every bench validator (the cold path) (on)
#   WARDEN_BENCH_PORT          port on 127.0.0.1                    (8088)
#   WARDEN_BENCH_SERVER_CPU    core the server is pinned to         (0)
#   WARDEN_BENCH_LOAD_CPU      core wrk is pinned to                (1)
#   WARDEN_BENCH_JOBS          cargo build -j value                 (cargo's)
#   WARDEN_BENCH_OPEN_TOKEN    on | off: off sends /open no token   (on)
# ROCKET_CONFIG and other ROCKET_* variables reach the server as usual
# (ROCKET_WORKERS=2, say); with WARDEN_BENCH_CACHE=off, ROCKET_JWT is set here.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) fails it
export LC_ALL=C # awk and sort: a dot for decimals

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

duration=${WARDEN_BENCH_DURATION:-10}
warmup=${WARDEN_BENCH_WARMUP:-2}
rounds=${WARDEN_BENCH_ROUNDS:-3}
connections=${WARDEN_BENCH_CONNECTIONS:-16}
cache=${WARDEN_BENCH_CACHE:-on}
open_token=${WARDEN_BENCH_OPEN_TOKEN:-on}
port=${WARDEN_BENCH_PORT:-8088}
server_cpu=${WARDEN_BENCH_SERVER_CPU:-0}
load_cpu=${WARDEN_BENCH_LOAD_CPU:-1}
routes=(open noop hs rs es)
reporter=examples/bench/report.lua
base="http://127.0.0.1:${port}"

die() {
    echo "load.sh: $*" >&2
    exit 1
}

for setting in duration warmup rounds connections port server_cpu load_cpu; do
    [[ ${!setting} =~ ^[0-9]+$ ]] || die "$setting must be a whole number, not '${!setting}'"
done
((duration > 0 && rounds > 0 && connections > 0)) || die "duration, rounds and connections must be > 0"

case $cache in
on) ;;
off)
    # Merged by figment over Rocket.toml: the validated-token cache off.
    export ROCKET_JWT='{validators={bench_hs={token_cache_size=0},bench_rs={token_cache_size=0},bench_es={token_cache_size=0}}}'
    ;;
*) die "WARDEN_BENCH_CACHE must be on or off, not '$cache'" ;;
esac
[[ $open_token == on || $open_token == off ]] ||
    die "WARDEN_BENCH_OPEN_TOKEN must be on or off, not '$open_token'"

# --- tools -----------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    echo "load.sh: installing wrk from Debian" >&2
    as_root=()
    if (($(id -u) != 0)); then
        as_root=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get install -y wrk ||
        { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y wrk; }
fi
command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin the processes"
command -v curl >/dev/null || die "curl is needed to check the routes before measuring"

jobs=()
if [[ -n ${WARDEN_BENCH_JOBS:-} ]]; then
    jobs=(-j "$WARDEN_BENCH_JOBS")
fi
cargo build --release -p warden-bench "${jobs[@]}"
bin="${CARGO_TARGET_DIR:-target}/release/warden-bench"
[[ -x $bin ]] || die "no binary at $bin"

# --- tokens and server -----------------------------------------------------

declare -A tokens
while IFS='=' read -r route token; do
    tokens[$route]=$token
done < <("$bin" tokens)
for route in hs rs es; do
    [[ -n ${tokens[$route]:-} ]] || die "warden-bench tokens printed no token for /$route"
done

if curl -s -o /dev/null "$base/"; then
    die "something already answers on $base: set WARDEN_BENCH_PORT"
fi

server_pid=
server_log=$(mktemp)
stop_server() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap 'stop_server; rm -f "$server_log"' EXIT

# The server's own output goes to a file, shown if it fails to start.
ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT=$port taskset -c "$server_cpu" "$bin" >"$server_log" 2>&1 &
server_pid=$!

# Poll until /open answers (50 ms apart, 30 s at most), or the server dies.
for ((try = 0; ; try++)); do
    if curl -s -o /dev/null "$base/open"; then
        break
    fi
    kill -0 "$server_pid" 2>/dev/null || die "the server exited before answering:
$(cat "$server_log")"
    ((try < 600)) || die "the server did not answer on $base within 30 s"
    sleep 0.05
done

# Other work on the machine skews the numbers: the report shows the load.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# auth_args ROUTE: sets `auth` to the header option ROUTE's requests carry.
auth_args() {
    auth=()
    if [[ $1 != open && $1 != noop ]]; then
        auth=(-H "Authorization: Bearer ${tokens[$1]}")
    elif [[ $open_token == on ]]; then
        auth=(-H "Authorization: Bearer ${tokens[hs]}")
    fi
}
# Every route must answer 200 before it is measured: a 401 is fast too.
for route in "${routes[@]}"; do
    auth_args "$route"
    code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$base/$route")
    [[ $code == 200 ]] || die "GET /$route answered $code, not 200, before measuring"
done

# --- measurement -----------------------------------------------------------

# run ROUTE SECONDS: one wrk run; prints the reporter's fields as
# "requests duration_us p50_us p99_us status socket".
run() {
    local out auth
    auth_args "$1"
    out=$(taskset -c "$load_cpu" wrk -t1 -c"$connections" -d"${2}s" --latency \
        -s "$reporter" "${auth[@]}" "$base/$1")
    awk '$1 == "WARDEN_BENCH" {
            for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%s ", kv[2] }
            print ""; found = 1
         }
         END { exit !found }' <<<"$out" || die "no result line in wrk's output for /$1:
$out"
}

declare -A rps p50 p99
socket_errors=0
for ((round = 0; round < rounds; round++)); do
    # Start each round at the next route, so no route always runs first.
    for ((i = 0; i < ${#routes[@]}; i++)); do
        route=${routes[(round + i) % ${#routes[@]}]}
        echo "round $((round + 1))/$rounds: /$route" >&2
        if ((warmup > 0)); then
            run "$route" "$warmup" >/dev/null
        fi
        result=$(run "$route" "$duration")
        read -r requests duration_us p50_us p99_us status socket <<<"$result"
        ((status == 0)) || die "/$route: $status answers were not 2xx during the run"
        socket_errors=$((socket_errors + socket))
        rps[$route,$round]=$(awk -v n="$requests" -v us="$duration_us" 'BEGIN { printf "%.1f", n * 1e6 / us }')
        p50[$route,$round]=$p50_us
        p99[$route,$round]=$p99_us
    done
done

# --- report ----------------------------------------------------------------

stop_server

# median_round ROUTE: the round whose req/s is the median (the lower middle
# one for an even number of rounds).
median_round() {
    for ((r = 0; r < rounds; r++)); do
        echo "${rps[$1,$r]} $r"
    done | sort -n | awk -v m="$(((rounds - 1) / 2))" 'NR == m + 1 { print $2 }'
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "rocket_warden load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, ${cpu_model:-unknown CPU model}; $(rustc --version)"
echo "server:  warden-bench (release) on CPU $server_cpu; validated-token cache $cache"
echo "load:    wrk -t1 -c$connections on CPU $load_cpu; $rounds round(s) x ${duration} s per route (+${warmup} s warm-up each)"
echo "tokens:  ${#tokens[hs]}/${#tokens[rs]}/${#tokens[es]} bytes (hs/rs/es); /open sent one: $open_token"
echo "load average before the runs (1, 5, 15 min): $load_before; the runs want an idle machine"
echo
open_rps=${rps[open,$(median_round open)]}
echo "(latencies in µs; ratio: req/s over /open's)"
printf '%-6s %10s %9s %9s %7s   %s\n' route req/s p50 p99 ratio "req/s per round"
for route in "${routes[@]}"; do
    m=$(median_round "$route")
    all=()
    for ((r = 0; r < rounds; r++)); do
        all+=("${rps[$route,$r]}")
    done
    ratio=$(awk -v a="${rps[$route,$m]}" -v b="$open_rps" 'BEGIN { printf "%.2f", a / b }')
    printf '%-6s %10.0f %9s %9s %7s   %s\n' "/$route" "${rps[$route,$m]}" \
        "${p50[$route,$m]}" "${p99[$route,$m]}" "$ratio" "${all[*]}"
done
if ((socket_errors > 0)); then
    echo "note: wrk counted $socket_errors socket errors (connect/read/write/timeout) in the timed runs"
fi

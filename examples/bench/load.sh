#!/usr/bin/env bash
# The load benchmark: throughput, latency and server CPU per request of
# GET /open (no token read) against GET /hs, /rs and /es (HS256, RS256, ES256
# tokens) on the warden-bench server, GET /noop, /open behind a request
# guard that does nothing (what Rocket charges for any guard), and GET
# /floor, /open behind a guard that takes the token out of the
# Authorization header and checks nothing else (the floor of any token
# guard: what a route pays before a token is verified at all).
# The three tokens are the same size, and /open is sent one too (it reads no
# token): every request is the same bytes but for the path, so the ratios
# measure what the server does with the token, not what receiving it costs.
# What receiving it costs is the row /open-bare: /open sent no token.
# With WARDEN_BENCH_OPEN_TOKEN=off, /open is sent no token and there is no
# /open-bare row (it would be the same requests); the ratios of /hs, /rs and
# /es then include receiving the 700 bytes.
#
# The servers run pinned to one core, wrk (one thread) pinned to another, on
# 127.0.0.1. Each round visits every route (a warm-up that is not counted,
# then a timed run). Immediately before and after each timed run, the
# server's CPU time (user + system, all its threads, from /proc/PID/stat) is
# read: the difference over the requests wrk counted is the server's CPU per
# request, which other work on the machine barely moves where it moves req/s
# (a server that waits for its core serves fewer requests, but each costs the
# same CPU). Per route, the table gives the median req/s of the rounds, p50
# and p99 from that median round, req/s as a ratio of /open's, the median
# server CPU per request (µs) and its ratio (/open's CPU per request over the
# route's: like the req/s ratio, 1.00 is "as cheap as /open", lower is
# worse), each ratio also "paired": the median of the route's ratios to
# /open's in the same round, which a machine that changes speed from round
# to round moves less; then every round's req/s and CPU per request.
#
# Peers (WARDEN_BENCH_PEERS=on): the same routes, answering the same body to
# the same tokens (same issuer, audience, algorithms, secret and keys, read
# from examples/bench/Rocket.toml), served by two other stacks kept outside
# the Cargo workspace in examples/bench/peers/: Rocket with a plain
# jsonwebtoken::decode guard (rocket-jsonwebtoken), and axum with
# jwt-authorizer layers (axum-jwt-authorizer); one Tokio worker each. They
# are built in release into ${CARGO_TARGET_DIR:-target}/peers. All three
# servers are started at once, pinned to the same core, on three ports (the
# port, +1, +2): only one is under load at a time, and the idle ones wait on
# their sockets. Each round visits every route, and for each route every
# server in turn (starting with another server each round), so slow drift of
# the machine hits all servers alike. One table per server, its ratios over
# its own /open, then the req/s and CPU ratios of /hs, /rs and /es side by
# side. The peers have no validated-token cache: they verify every signature
# (WARDEN_BENCH_CACHE=off is the like-for-like comparison of that path), and
# WARDEN_BENCH_CACHE, ROCKET_CONFIG and the other ROCKET_* variables reach
# warden-bench only.
#
# With the defaults a run takes about 9 minutes, about 26 with the peers
# (rounds x routes x servers x (warm-up + duration)).
#
# Settings, from the environment:
#   WARDEN_BENCH_DURATION      seconds per timed run               (10)
#   WARDEN_BENCH_WARMUP        seconds of warm-up per run           (2)
#   WARDEN_BENCH_ROUNDS        rounds; the median of them is shown  (7)
#   WARDEN_BENCH_CONNECTIONS   wrk connections                      (16)
#   WARDEN_BENCH_CACHE         on | off: off sets token_cache_size = 0 on
#                              every bench validator (the cold path) (on)
#   WARDEN_BENCH_PORT          port on 127.0.0.1; the peers take the
#                              next two                             (8088)
#   WARDEN_BENCH_SERVER_CPU    core the servers are pinned to       (0)
#   WARDEN_BENCH_LOAD_CPU      core wrk is pinned to                (1)
#   WARDEN_BENCH_JOBS          cargo build -j value                 (cargo's)
#   WARDEN_BENCH_OPEN_TOKEN    on | off: off sends /open no token   (on)
#   WARDEN_BENCH_PEERS         on | off: on also measures the peers (off)
#   WARDEN_BENCH_PACE_MS       0 | N: with N > 0, each wrk connection waits
#                              N ms after each answer before it asks
#                              again (wrk's delay()), so every route and
#                              server is offered about the same load,
#                              connections x 1000 / N req/s at most,
#                              instead of as much as it can take (0)
# Paced runs answer a question closed-loop runs cannot: at saturation a
# slower route also leaves wrk idle more often, and the server's sends then
# wake it (work the kernel charges to the server), so CPU per request grows
# with more than the route's own work. At one offered load below every
# server's capacity each request pays the same wake-ups on every route; the
# difference to /open (the "over /open" rows) is then what the route adds.
# ROCKET_CONFIG and other ROCKET_* variables reach warden-bench as usual
# (ROCKET_WORKERS=2, say); with WARDEN_BENCH_CACHE=off, ROCKET_JWT is set here.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) fails it
export LC_ALL=C # awk and sort: a dot for decimals

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=examples/bench/servers.sh
source examples/bench/servers.sh

duration=${WARDEN_BENCH_DURATION:-10}
warmup=${WARDEN_BENCH_WARMUP:-2}
rounds=${WARDEN_BENCH_ROUNDS:-7}
connections=${WARDEN_BENCH_CONNECTIONS:-16}
cache=${WARDEN_BENCH_CACHE:-on}
open_token=${WARDEN_BENCH_OPEN_TOKEN:-on}
peers=${WARDEN_BENCH_PEERS:-off}
port=${WARDEN_BENCH_PORT:-8088}
pace=${WARDEN_BENCH_PACE_MS:-0}
server_cpu=${WARDEN_BENCH_SERVER_CPU:-0}
load_cpu=${WARDEN_BENCH_LOAD_CPU:-1}
reporter=examples/bench/report.lua

die() {
    echo "load.sh: $*" >&2
    exit 1
}

for setting in duration warmup rounds connections port server_cpu load_cpu pace; do
    [[ ${!setting} =~ ^[0-9]+$ ]] || die "$setting must be a whole number, not '${!setting}'"
done
((duration > 0 && rounds > 0 && connections > 0)) || die "duration, rounds and connections must be > 0"

case $cache in
on) ;;
off)
    # Merged by figment over Rocket.toml: the validated-token cache off.
    export ROCKET_JWT=$cache_off_jwt
    ;;
*) die "WARDEN_BENCH_CACHE must be on or off, not '$cache'" ;;
esac
case $open_token in
# /open-bare is /open sent no token: what receiving the token costs.
on) routes=(open open-bare noop floor hs rs es) ;;
off) routes=(open noop floor hs rs es) ;;
*) die "WARDEN_BENCH_OPEN_TOKEN must be on or off, not '$open_token'" ;;
esac

# The servers: warden-bench, then (WARDEN_BENCH_PEERS=on) the peers, each on
# its own port.
declare -A ports bins pids
case $peers in
off) servers=(warden) ;;
on) servers=(warden rocket-jwt axum-jwt) ;;
*) die "WARDEN_BENCH_PEERS must be on or off, not '$peers'" ;;
esac
for ((i = 0; i < ${#servers[@]}; i++)); do
    ports[${servers[i]}]=$((port + i))
done
((port > 0 && port + ${#servers[@]} - 1 <= 65535)) ||
    die "WARDEN_BENCH_PORT must leave room for ${#servers[@]} port(s) between 1 and 65535, not '$port'"

# Server CPU time is read in clock ticks from /proc.
[[ -r /proc/self/stat ]] || die "/proc is needed to read the server's CPU time"
clk_tck=$(getconf CLK_TCK)
if ! [[ $clk_tck =~ ^[0-9]+$ ]] || ((clk_tck == 0)); then
    die "getconf CLK_TCK gave '$clk_tck', not a number of clock ticks per second"
fi

# --- tools -----------------------------------------------------------------

install_from_debian wrk wrk
command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin the processes"
command -v curl >/dev/null || die "curl is needed to check the routes before measuring"

build_servers

# --- tokens and servers ----------------------------------------------------

read_tokens

for server in "${servers[@]}"; do
    if curl -s -o /dev/null "http://127.0.0.1:${ports[$server]}/"; then
        die "something already answers on 127.0.0.1:${ports[$server]}: set WARDEN_BENCH_PORT"
    fi
done

logs=$(mktemp -d)
# stop_servers: stops every server this script started.
stop_servers() {
    local server
    for server in "${!pids[@]}"; do
        if kill -0 "${pids[$server]}" 2>/dev/null; then
            kill "${pids[$server]}"
            wait "${pids[$server]}" 2>/dev/null || true
        fi
    done
}
trap 'stop_servers; rm -rf "$logs"' EXIT

# start_server SERVER: starts SERVER pinned to the server core, on its port,
# its own output to a file (shown if it fails to start), and polls until its
# /open answers (50 ms apart, 30 s at most), or it dies.
start_server() {
    local server=$1 try
    local log="$logs/$server.log"
    case $server in
    warden)
        ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT=${ports[$server]} \
            taskset -c "$server_cpu" "${bins[$server]}" >"$log" 2>&1 &
        ;;
    *) taskset -c "$server_cpu" "${bins[$server]}" "${ports[$server]}" >"$log" 2>&1 & ;;
    esac
    pids[$server]=$!
    for ((try = 0; ; try++)); do
        if curl -s -o /dev/null "http://127.0.0.1:${ports[$server]}/open"; then
            break
        fi
        kill -0 "${pids[$server]}" 2>/dev/null || die "${label[$server]} exited before answering:
$(cat "$log")"
        ((try < 600)) || die "${label[$server]} did not answer on port ${ports[$server]} within 30 s"
        sleep 0.05
    done
}

# auth_args ROUTE: sets `auth` to the header option ROUTE's requests carry.
auth_args() {
    auth=()
    case $1 in
    open-bare) ;;
    floor) auth=(-H "Authorization: Bearer ${tokens[hs]}") ;;
    open | noop)
        if [[ $open_token == on ]]; then
            auth=(-H "Authorization: Bearer ${tokens[hs]}")
        fi
        ;;
    *) auth=(-H "Authorization: Bearer ${tokens[$1]}") ;;
    esac
}

# url SERVER ROUTE: the URL ROUTE is requested at (/open-bare is /open).
url() {
    echo "http://127.0.0.1:${ports[$1]}/${2%-bare}"
}

for server in "${servers[@]}"; do
    start_server "$server"
    # Every route must answer 200 before it is measured: a 401 is fast too.
    for route in "${routes[@]}"; do
        auth_args "$route"
        code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$(url "$server" "$route")")
        [[ $code == 200 ]] ||
            die "${label[$server]}: GET /$route answered $code, not 200, before measuring"
    done
done

# --- measurement -----------------------------------------------------------

# cpu_ticks PID: the user + system CPU time of process PID so far, all its
# threads, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after
# the command name, which may hold spaces, in field 2).
cpu_ticks() {
    local stat fields
    stat=$(<"/proc/$1/stat") || die "process $1 (a server) is gone"
    read -ra fields <<<"${stat##*) }"
    echo $((fields[11] + fields[12]))
}

# run SERVER ROUTE SECONDS: one wrk run against SERVER, with the server's CPU
# time read just before and after it; prints the reporter's fields and the
# ticks as "requests duration_us p50_us p99_us status socket ticks".
run() {
    local out auth before after
    auth_args "$2"
    before=$(cpu_ticks "${pids[$1]}")
    out=$(WARDEN_BENCH_PACE_MS=$pace taskset -c "$load_cpu" wrk -t1 -c"$connections" -d"${3}s" --latency \
        -s "$reporter" "${auth[@]}" "$(url "$1" "$2")")
    after=$(cpu_ticks "${pids[$1]}")
    awk -v ticks=$((after - before)) '$1 == "WARDEN_BENCH" {
            for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%s ", kv[2] }
            print ticks; found = 1
         }
         END { exit !found }' <<<"$out" || die "no result line in wrk's output for /$2 on ${label[$1]}:
$out"
}

# Other work on the machine skews the numbers: the report shows the load.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Results by "server,route,round": req/s, p50, p99, server CPU µs/request.
declare -A rps p50 p99 cpu
socket_errors=0
for ((round = 0; round < rounds; round++)); do
    # Start each round at the next route and the next server, so none
    # always runs first.
    for ((i = 0; i < ${#routes[@]}; i++)); do
        route=${routes[(round + i) % ${#routes[@]}]}
        for ((j = 0; j < ${#servers[@]}; j++)); do
            server=${servers[(round + j) % ${#servers[@]}]}
            echo "round $((round + 1))/$rounds: /$route on ${label[$server]}" >&2
            if ((warmup > 0)); then
                run "$server" "$route" "$warmup" >/dev/null
            fi
            result=$(run "$server" "$route" "$duration")
            read -r requests duration_us p50_us p99_us status socket ticks <<<"$result"
            ((status == 0)) || die "/$route on ${label[$server]}: $status answers were not 2xx during the run"
            ((requests > 0)) || die "/$route on ${label[$server]}: wrk counted no request"
            socket_errors=$((socket_errors + socket))
            key=$server,$route,$round
            rps[$key]=$(awk -v n="$requests" -v us="$duration_us" 'BEGIN { printf "%.1f", n * 1e6 / us }')
            p50[$key]=$p50_us
            p99[$key]=$p99_us
            cpu[$key]=$(awk -v t="$ticks" -v hz="$clk_tck" -v n="$requests" \
                'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
        done
    done
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ----------------------------------------------------------------

stop_servers

# median_round SERVER ROUTE: the round whose req/s is the median (the lower
# middle one for an even number of rounds).
median_round() {
    for ((r = 0; r < rounds; r++)); do
        echo "${rps[$1,$2,$r]} $r"
    done | sort -n | awk -v m="$(((rounds - 1) / 2))" 'NR == m + 1 { print $2 }'
}

# median_cpu SERVER ROUTE: the median of the rounds' CPU per request (the
# lower middle one for an even number of rounds).
median_cpu() {
    for ((r = 0; r < rounds; r++)); do
        echo "${cpu[$1,$2,$r]}"
    done | sort -n | awk -v m="$(((rounds - 1) / 2))" 'NR == m + 1 { print }'
}

# paired_ratio SERVER ROUTE rps|cpu: the median over the rounds of the
# route's ratio to /open's in the same round (req/s: the route's over
# /open's; cpu: /open's over the route's), two decimals. A machine whose
# speed changes between rounds moves it less than the ratio of the medians:
# each round's routes run within seconds of each other.
paired_ratio() {
    local r
    for ((r = 0; r < rounds; r++)); do
        case $3 in
        rps) echo "${rps[$1,$2,$r]} ${rps[$1,open,$r]}" ;;
        cpu) echo "${cpu[$1,open,$r]} ${cpu[$1,$2,$r]}" ;;
        esac
    done | awk '{ printf "%.6f\n", $1 / $2 }' | sort -n |
        awk -v m="$(((rounds - 1) / 2))" 'NR == m + 1 { printf "%.2f", $1 }'
}

# ratio A B: A / B, two decimals.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# Per "server,route": the median round's req/s, the median CPU per request,
# and their ratios (req/s over /open's; /open's CPU per request over the
# route's), for the tables and the comparison.
declare -A med_rps med_cpu rps_ratio cpu_ratio rps_paired cpu_paired
for server in "${servers[@]}"; do
    for route in "${routes[@]}"; do
        med_rps[$server,$route]=${rps[$server,$route,$(median_round "$server" "$route")]}
        med_cpu[$server,$route]=$(median_cpu "$server" "$route")
    done
    for route in "${routes[@]}"; do
        rps_ratio[$server,$route]=$(ratio "${med_rps[$server,$route]}" "${med_rps[$server,open]}")
        cpu_ratio[$server,$route]=$(ratio "${med_cpu[$server,open]}" "${med_cpu[$server,$route]}")
        rps_paired[$server,$route]=$(paired_ratio "$server" "$route" rps)
        cpu_paired[$server,$route]=$(paired_ratio "$server" "$route" cpu)
    done
done

# report_server SERVER: SERVER's table, then its per-round figures.
report_server() {
    local server=$1 route m r all
    echo "${label[$server]}"
    printf '%-10s %9s %7s %7s %6s %7s %9s %6s %7s\n' route req/s p50 p99 ratio paired "cpu/req" ratio paired
    for route in "${routes[@]}"; do
        m=$(median_round "$server" "$route")
        printf '%-10s %9.0f %7s %7s %6s %7s %9s %6s %7s\n' "/$route" "${med_rps[$server,$route]}" \
            "${p50[$server,$route,$m]}" "${p99[$server,$route,$m]}" "${rps_ratio[$server,$route]}" \
            "${rps_paired[$server,$route]}" "${med_cpu[$server,$route]}" "${cpu_ratio[$server,$route]}" \
            "${cpu_paired[$server,$route]}"
    done
    echo "  req/s per round"
    for route in "${routes[@]}"; do
        all=()
        for ((r = 0; r < rounds; r++)); do
            all+=("${rps[$server,$route,$r]}")
        done
        printf '  %-10s %s\n' "/$route" "${all[*]}"
    done
    echo "  server CPU per request per round (µs)"
    for route in "${routes[@]}"; do
        all=()
        for ((r = 0; r < rounds; r++)); do
            all+=("${cpu[$server,$route,$r]}")
        done
        printf '  %-10s %s\n' "/$route" "${all[*]}"
    done
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "rocket_warden load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, ${cpu_model:-unknown CPU model}; $(rustc --version)"
echo "server:  warden-bench (release) on CPU $server_cpu; validated-token cache $cache"
if [[ $peers == on ]]; then
    echo "peers:   rocket + jsonwebtoken, axum + jwt-authorizer (release; no token cache), also on CPU $server_cpu"
    echo "         (all three run throughout, each idle but while it is measured)"
fi
echo "load:    wrk -t1 -c$connections on CPU $load_cpu; $rounds round(s) x ${duration} s per route (+${warmup} s warm-up each)"
if ((pace > 0)); then
    echo "         paced: each connection waits $pace ms after each answer (at most $((connections * 1000 / pace)) req/s offered)"
fi
echo "tokens:  ${#tokens[hs]}/${#tokens[rs]}/${#tokens[es]} bytes (hs/rs/es); /open sent one: $open_token"
echo "load average (1, 5, 15 min): before the runs $load_before, after $load_after; the runs want an idle machine"
echo
echo "(latencies in µs; cpu/req: µs of server CPU per request, the median of the rounds;"
echo " ratios: req/s over /open's, and /open's cpu/req over the route's: 1.00 is as cheap as /open;"
echo " paired: the median of the same ratios taken round by round)"
for server in "${servers[@]}"; do
    echo
    report_server "$server"
done
if [[ $peers == on ]]; then
    echo
    echo "side by side: req/s ratio / CPU ratio, each over its own server's /open (paired in brackets)"
    printf '%-18s' ""
    for server in "${servers[@]}"; do
        printf '%28s' "${label[$server]}"
    done
    echo
    printf '%-18s' "/open req/s"
    for server in "${servers[@]}"; do
        printf '%28.0f' "${med_rps[$server,open]}"
    done
    echo
    printf '%-18s' "/open cpu/req"
    for server in "${servers[@]}"; do
        printf '%28s' "${med_cpu[$server,open]}"
    done
    echo
    for route in hs rs es; do
        printf '%-18s' "/$route"
        for server in "${servers[@]}"; do
            printf '%28s' "${rps_ratio[$server,$route]} / ${cpu_ratio[$server,$route]} (${rps_paired[$server,$route]} / ${cpu_paired[$server,$route]})"
        done
        echo
    done
    echo "server CPU per request over its own /open's (µs)"
    for route in hs rs es; do
        printf '%-18s' "/$route"
        for server in "${servers[@]}"; do
            printf '%28s' "$(awk -v a="${med_cpu[$server,$route]}" -v b="${med_cpu[$server,open]}" \
                'BEGIN { printf "%+.2f", a - b }')"
        done
        echo
    done
    if [[ $cache == on ]]; then
        echo "note: rocket_warden's validated-token cache is on and the peers have none;"
        echo "      WARDEN_BENCH_CACHE=off compares every server verifying every signature"
    fi
fi
if ((socket_errors > 0)); then
    echo "note: wrk counted $socket_errors socket errors (connect/read/write/timeout) in the timed runs"
fi

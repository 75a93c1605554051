#!/usr/bin/env bash
# Instructions and simulated cache misses per request, inside the servers of
# the load benchmark: what each route costs the server, counted rather than
# timed, so that another process on the machine cannot move the figures.
#
# Each server (warden-bench, and with WARDEN_BENCH_PEERS=on the two peers of
# examples/bench/peers/) runs under valgrind's callgrind, with its cache and
# branch simulation. For each route, curl sends a warm-up of requests on one
# keep-alive connection, then callgrind's counters are zeroed, the measured
# requests are sent on another connection, and the counters are dumped. A
# route's figures are those counts over the number of requests: instructions
# executed (Ir), level-1 instruction-cache misses (I1), level-1 data-cache
# misses (D1, reads and writes), and mispredicted branches (conditional and
# indirect), with the simulated caches of valgrind (its defaults for this CPU:
# the first lines of each callgrind file say which). Then each route's figures
# over its server's /open, and for the Rocket servers the request guard alone
# (inclusive: see guard() below). Every request carries the
# HS256 token, /open and /floor too (as load.sh does by default), so only what
# the server does with the token differs between routes.
#
# Simulated misses are not time: they say where code and data no longer fit,
# which a tight loop (the guard benchmark) hides and the load benchmark's
# timings show only through noise. docs/PERFORMANCE.md has a run.
#
# Settings, from the environment:
#   WARDEN_BENCH_REQUESTS      measured requests per route          (2000)
#   WARDEN_BENCH_CACHE         on | off, as load.sh                 (off)
#   WARDEN_BENCH_PEERS         on | off: also the two peers          (on)
#   WARDEN_BENCH_PORT          first port on 127.0.0.1               (8098)
#   WARDEN_BENCH_JOBS          cargo build -j value                 (cargo's)
#   WARDEN_BENCH_KEEP          a directory to keep the callgrind files in
#                              (callgrind_annotate reads them); else
#                              they are removed
# The cache is off by default: the peers have none, and a cache hit's work is
# a few thousand instructions.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) fails it

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=examples/bench/servers.sh
source examples/bench/servers.sh

requests=${WARDEN_BENCH_REQUESTS:-2000}
cache=${WARDEN_BENCH_CACHE:-off}
peers=${WARDEN_BENCH_PEERS:-on}
port=${WARDEN_BENCH_PORT:-8098}
keep=${WARDEN_BENCH_KEEP:-}
routes=(open floor hs rs es)

die() {
    echo "instructions.sh: $*" >&2
    exit 1
}

[[ $requests =~ ^[0-9]+$ ]] && ((requests > 0)) || die "WARDEN_BENCH_REQUESTS must be a whole number > 0"
[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port + 2 <= 65535)) || die "WARDEN_BENCH_PORT must be a port"
case $cache in
on) ;;
off) export ROCKET_JWT=$cache_off_jwt ;;
*) die "WARDEN_BENCH_CACHE must be on or off, not '$cache'" ;;
esac

declare -A bins
case $peers in
off) servers=(warden) ;;
on) servers=(warden rocket-jwt axum-jwt) ;;
*) die "WARDEN_BENCH_PEERS must be on or off, not '$peers'" ;;
esac

# --- tools -----------------------------------------------------------------

install_from_debian callgrind_control valgrind
command -v curl >/dev/null || die "curl is needed to send the requests"

build_servers

read_tokens

work=$(mktemp -d)
pid=
stop_server() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    pid=
}
trap 'stop_server; rm -rf "$work"' EXIT

# send ROUTE PORT COUNT: sends COUNT requests for ROUTE on one
# keep-alive connection, and fails unless every one was answered 200.
send() {
    local route=$1 server_port=$2 count=$3 token statuses
    token=${tokens[hs]}
    case $route in rs | es) token=${tokens[$route]} ;; esac
    local config="$work/curl-$route"
    for ((i = 0; i < count; i++)); do
        printf 'url = "http://127.0.0.1:%s/%s"\noutput = /dev/null\n' "$server_port" "$route"
    done >"$config"
    statuses=$(curl -s -w '%{http_code}\n' -H "Authorization: Bearer $token" -K "$config" | sort -u)
    [[ $statuses == 200 ]] || die "/$route answered $(echo "$statuses" | tr '\n' ' ')"
}

# measure SERVER PORT: runs SERVER under callgrind and leaves one dump per
# route in $work/SERVER.
measure() {
    local server=$1 server_port=$2 dir="$work/$1"
    mkdir -p "$dir"
    local callgrind=(valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes
        --callgrind-out-file="$dir/callgrind.out")
    case $server in
    warden)
        ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT=$server_port \
            "${callgrind[@]}" "${bins[$server]}" >"$dir/log" 2>&1 &
        ;;
    *) "${callgrind[@]}" "${bins[$server]}" "$server_port" >"$dir/log" 2>&1 & ;;
    esac
    pid=$!
    local try
    for ((try = 0; ; try++)); do
        curl -s -o /dev/null "http://127.0.0.1:$server_port/open" && break
        kill -0 "$pid" 2>/dev/null || die "${label[$server]} exited before answering:
$(cat "$dir/log")"
        ((try < 1200)) || die "${label[$server]} did not answer within 60 s"
        sleep 0.05
    done
    for route in "${routes[@]}"; do
        send "$route" "$server_port" $((requests / 10 + 10)) # warm-up
        callgrind_control -z "$pid" >/dev/null
        send "$route" "$server_port" "$requests"
        callgrind_control -d "$route" "$pid" >/dev/null
    done
    stop_server
    # The dumps are numbered in the order of the routes.
    local n=1
    for route in "${routes[@]}"; do
        mv "$dir/callgrind.out.$n" "$dir/$route.out"
        n=$((n + 1))
    done
}

# counts FILE: Ir I1 D1 mispredicts per request, from a dump's totals.
counts() {
    awk -v n="$requests" '
        /^events:/ { for (i = 2; i <= NF; i++) col[$i] = i - 1 }
        /^totals:/ {
            printf "%.0f %.0f %.0f %.0f\n", $(col["Ir"] + 1) / n, $(col["I1mr"] + 1) / n,
                ($(col["D1mr"] + 1) + $(col["D1mw"] + 1)) / n, ($(col["Bcm"] + 1) + $(col["Bim"] + 1)) / n
        }' "$1"
}

# guard FILE: the same counts for the route's request guard, inclusive, or
# nothing. For the peers, the costliest `FromRequest` future of the dump. For
# rocket_warden, whose guards do what needs no waiting before handing Rocket a
# future: `guard::guard` (that work, and the boxing of the future) and the
# future of what had to wait (`finish_shared` or `finish_check`), each
# counted once.
guard() {
    callgrind_annotate --inclusive=yes --threshold=100 --show=Ir,I1mr,D1mr,D1mw,Bcm,Bim "$1" 2>/dev/null |
        awk -v n="$requests" '
        function add(    line, v, i) {
            line = $0
            gsub(/\([^)]*\)/, "", line) # the percentages
            gsub(",", "", line)
            split(line, v)
            for (i = 1; i <= 6; i++) sum[i] += (v[i] == "." ? 0 : v[i])
            found = 1
        }
        /FromRequest>::from_request::\{\{closure\}\}/ { add(); exit }
        /rocket_warden::guard::guard \[/ && !now++ { add() }
        /rocket_warden::guard::finish_shared.*\{\{closure\}\} \[/ && !shared++ { add() }
        /rocket_warden::guard::finish_check.*\{\{closure\}\} \[/ && !check++ { add() }
        END {
            if (found) printf "%.0f %.0f %.0f %.0f\n", sum[1] / n, sum[2] / n, (sum[3] + sum[4]) / n, (sum[5] + sum[6]) / n
        }'
}

echo "rocket_warden per-request counts under callgrind, $(date -u '+%Y-%m-%d %H:%M') UTC"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(rustc --version)"
echo "$(valgrind --version); validated-token cache: $cache; $requests requests per route after $((requests / 10 + 10)) of warm-up"
for ((s = 0; s < ${#servers[@]}; s++)); do
    measure "${servers[s]}" $((port + s))
done
first=$(ls "$work/warden"/*.out | head -1)
echo "$(grep -m1 '^desc: I1 cache' "$first" | cut -c7-); $(grep -m1 '^desc: D1 cache' "$first" | cut -c7-)"
echo
echo "(per request: Ir instructions, I1 and D1 level-1 misses, Bm mispredicted branches)"
for server in "${servers[@]}"; do
    echo
    echo "${label[$server]}"
    printf '%-8s %9s %6s %6s %6s  | over /open: %8s %6s %6s %6s\n' route Ir I1 D1 Bm Ir I1 D1 Bm
    read -r o_ir o_i1 o_d1 o_bm < <(counts "$work/$server/open.out")
    for route in "${routes[@]}"; do
        read -r ir i1 d1 bm < <(counts "$work/$server/$route.out")
        printf '%-8s %9s %6s %6s %6s  |             %+8d %+6d %+6d %+6d\n' "/$route" "$ir" "$i1" "$d1" "$bm" \
            $((ir - o_ir)) $((i1 - o_i1)) $((d1 - o_d1)) $((bm - o_bm))
    done
    if [[ $server != axum-jwt ]]; then
        for route in hs rs es; do
            read -r ir i1 d1 bm < <(guard "$work/$server/$route.out") || continue
            printf '%-8s %9s %6s %6s %6s  (the request guard alone)\n' "/$route" "$ir" "$i1" "$d1" "$bm"
        done
    fi
done
if [[ -n $keep ]]; then
    mkdir -p "$keep"
    cp -r "$work"/* "$keep"/
    echo
    echo "callgrind files kept in $keep"
fi

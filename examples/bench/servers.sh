# shellcheck shell=bash
# Sourced, not run, by load.sh and instructions.sh: the servers they measure
# and the tools they need, set up alike. The caller defines `die MESSAGE`,
# sets `servers` (warden, and rocket-jwt and axum-jwt for the peers) and
# declares the associative array `bins`, and runs from the repository root.
# What it sets for the caller: `label`, `cache_off_jwt`, `bins` and `tokens`.

# The servers' names in reports.
declare -gA label=([warden]="rocket_warden" [rocket-jwt]="rocket + jsonwebtoken" [axum-jwt]="axum + jwt-authorizer")

# Merged by figment over Rocket.toml: the validated-token cache off on every
# bench validator (the peers have none).
cache_off_jwt='{validators={bench_hs={token_cache_size=0},bench_rs={token_cache_size=0},bench_es={token_cache_size=0}}}'

# install_from_debian COMMAND PACKAGE: installs PACKAGE with apt-get (through
# sudo unless root) when COMMAND is missing.
install_from_debian() {
    local command=$1 package=$2
    command -v "$command" >/dev/null && return
    echo "${0##*/}: installing $package from Debian" >&2
    local as_root=()
    if (($(id -u) != 0)); then
        as_root=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get install -y "$package" ||
        { "${as_root[@]}" apt-get update && "${as_root[@]}" apt-get install -y "$package"; }
}

# build_servers: builds warden-bench in release and, when `servers` holds
# them, the peers; sets `bins` to the binaries. WARDEN_BENCH_JOBS is cargo's
# -j.
build_servers() {
    local jobs=() peer_target server
    if [[ -n ${WARDEN_BENCH_JOBS:-} ]]; then
        jobs=(-j "$WARDEN_BENCH_JOBS")
    fi
    cargo build --release -p warden-bench "${jobs[@]}"
    bins[warden]="${CARGO_TARGET_DIR:-target}/release/warden-bench"
    if [[ " ${servers[*]} " == *" rocket-jwt "* ]]; then
        # Outside the workspace, with their own lock files: one shared target
        # directory beside the workspace's build.
        peer_target="${CARGO_TARGET_DIR:-target}/peers"
        for peer in rocket-jsonwebtoken axum-jwt-authorizer; do
            cargo build --release --locked "${jobs[@]}" --target-dir "$peer_target" \
                --manifest-path "examples/bench/peers/$peer/Cargo.toml"
        done
        bins[rocket-jwt]="$peer_target/release/bench-peer-rocket-jsonwebtoken"
        bins[axum-jwt]="$peer_target/release/bench-peer-axum-jwt-authorizer"
    fi
    for server in "${servers[@]}"; do
        [[ -x ${bins[$server]} ]] || die "no binary at ${bins[$server]}"
    done
}

# read_tokens: sets the associative array `tokens` to warden-bench's token
# for each protected route (hs, rs, es), from `warden-bench tokens`.
read_tokens() {
    local route token
    declare -gA tokens=()
    while IFS='=' read -r route token; do
        tokens[$route]=$token
    done < <("${bins[warden]}" tokens)
    for route in hs rs es; do
        [[ -n ${tokens[$route]:-} ]] || die "warden-bench tokens printed no token for /$route"
    done
}

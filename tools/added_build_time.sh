#!/usr/bin/env bash
# The `cargo build` time that `include_nestml!` of model files adds to a crate, as a user sees
# it: a scratch library crate depending on this repository's `nestml` with `std` (warm
# dependency cache), built once without the models and then with them; wall and CPU time
# (user + sys) of the second build, best of N runs (each run touches the source so that only
# the crate itself rebuilds). A library compiles every public item, so the figure includes all
# the code the macro generates (neuron, population, synapse types), used or not.
#
#   bash tools/added_build_time.sh [--release] [--runs N] MODEL.nestml...
#
# Paths are relative to the repository root (e.g. ../shared/nestml-models/synapses/stdp_synapse.nestml).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile=()
runs=3
models=()
while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=(--release); shift ;;
        --runs) runs="$2"; shift 2 ;;
        *) models+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
    esac
done
[ ${#models[@]} -gt 0 ] || { echo "usage: $0 [--release] [--runs N] MODEL.nestml..." >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "scratch"
version = "0.1.0"
edition = "2021"

[dependencies]
nestml = { path = "$repo/crates/nestml", default-features = false, features = ["std"] }

[workspace]
TOML
cp "$repo/Cargo.lock" "$work/Cargo.lock"
export CARGO_TARGET_DIR="$work/target"

build() { # prints "wall cpu" of one build of the crate
    touch "$work/src/lib.rs"
    /usr/bin/time -f "%e %U %S" -o "$work/time" cargo build -q "${profile[@]}" --manifest-path "$work/Cargo.toml" >/dev/null
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time"
}

best() { # best wall (and its cpu) of $runs builds
    for _ in $(seq "$runs"); do build; done | sort -n | head -1
}

echo '' > "$work/src/lib.rs"
cargo build -q "${profile[@]}" --manifest-path "$work/Cargo.toml" # dependencies, once
read -r base_wall base_cpu < <(best)

{
    for m in "${models[@]}"; do echo "nestml::include_nestml!(\"$m\");"; done
} > "$work/src/lib.rs"
cargo build -q "${profile[@]}" --manifest-path "$work/Cargo.toml" # the models compile
read -r with_wall with_cpu < <(best)

echo "crate alone:      ${base_wall} s wall, ${base_cpu} s CPU"
echo "with the models:  ${with_wall} s wall, ${with_cpu} s CPU"
awk -v a="$with_wall" -v b="$base_wall" -v c="$with_cpu" -v d="$base_cpu" 'BEGIN { printf "added:            %.2f s wall, %.2f s CPU (best of '"$runs"', %s)\n", a - b, c - d, "'"${profile[*]:-debug}"'" }'

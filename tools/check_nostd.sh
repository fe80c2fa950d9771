#!/bin/sh
# Builds crates/nestml-nostd's `#![no_std]` `#![no_main]` binary alone (so that no other
# workspace member unifies `std` into the runtime) under the `nostd` profile (panic = abort)
# and runs it: the build fails if anything links `std`, the binary must not import C's
# allocator, and the run exits 0 only if the neurons give the expected results.
set -eu
cd "$(dirname "$0")/.."
cargo build -p nestml-nostd --profile nostd --features binary "$@"
bin="${CARGO_TARGET_DIR:-target}/nostd/nestml-nostd"
if nm -D "$bin" | grep -E ' U (malloc|calloc|realloc|posix_memalign|aligned_alloc)@'; then
    echo "$bin imports an allocator" >&2
    exit 1
fi
"$bin"
echo "== $bin allocates nothing and exited with 0"

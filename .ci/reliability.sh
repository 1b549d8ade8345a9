#!/usr/bin/env bash
# Bounded fuzzing: every target in fuzz/ for FUZZ_SECONDS (default 30) each, from the
# committed seed corpus. Needs a nightly compiler and cargo-fuzz; installs both.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-30}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cargo +nightly fuzz build
for target in $(cargo +nightly fuzz list); do
    corpus=$(mktemp -d)
    cp -r "corpus/$target/." "$corpus/" 2>/dev/null || true
    echo "fuzz: $target for ${seconds}s"
    log="$corpus.log"
    if ! cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target found a failure (input saved under fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
    rm -rf "$corpus" "$log"
done

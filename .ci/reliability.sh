#!/usr/bin/env bash
# The bounded reliability checks of issue 7 (docs/reliability.md has the longer runs and
# the figures), about ten minutes on a 2-core machine from a cold cache:
#
#   1. tests/bad_input.rs       the CLI's bad-input matrix (exit 2, one line, no output)
#      tests/persistence.rs     power cuts at every flash operation of every save, bit flips
#      tests/long_run.rs        NN_LONG_RUN_STEPS (default 1,000,000) online training steps
#      (release builds, so the full series run; `cargo test` runs shorter ones in debug)
#   2. firmware/nopanic/check.sh  link-time proof that training and inference cannot panic
#   3. every fuzz target in fuzz/ for FUZZ_SECONDS (default 30) each, from the committed
#      seed corpus; needs a nightly compiler and cargo-fuzz (installed when missing)
#
# Every part runs even when an earlier one fails; the script fails at the end if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
seconds=${FUZZ_SECONDS:-30}
export NN_LONG_RUN_STEPS=${NN_LONG_RUN_STEPS:-1000000}
failures=()
step() { printf '\n--> reliability: %s\n' "$*"; }
fail() {
    echo "reliability: FAILED: $*" >&2
    failures+=("$*")
}

step "bad input, power cuts and bit flips, long run (release)"
log=$(mktemp)
if cargo test --release -p nn-tests --test bad_input --test persistence --test long_run -- --nocapture >"$log" 2>&1; then
    grep -E '^(bad |data that|loss and|unwritable|power cuts|bit flips|page-marker|long run: [0-9]+ steps)' "$log"
else
    tail -n 80 "$log"
    fail "tests/bad_input.rs, persistence.rs or long_run.rs"
fi
rm -f "$log"

step "no panic path on the device (firmware/nopanic)"
firmware/nopanic/check.sh || fail "firmware/nopanic/check.sh"

step "fuzzing: every target for ${seconds}s"
if (
    set -e
    cd fuzz
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
    cargo +nightly fuzz build
); then
    for target in $(cd fuzz && cargo +nightly fuzz list); do
        corpus=$(mktemp -d)
        cp -r "fuzz/corpus/$target/." "$corpus/" 2>/dev/null || true
        echo "fuzz: $target for ${seconds}s"
        log="$corpus.log"
        if ! (cd fuzz && cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1; then
            tail -n 60 "$log"
            fail "fuzz target $target (input saved under fuzz/artifacts/$target/)"
        fi
        grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
        grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true
        rm -rf "$corpus" "$log"
    done
else
    fail "building the fuzz targets"
fi

if [ ${#failures[@]} -gt 0 ]; then
    printf '\nreliability: %d part(s) failed:\n' "${#failures[@]}" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
fi
printf '\nreliability: all parts passed\n'

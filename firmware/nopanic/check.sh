#!/usr/bin/env bash
# Link-time proof that nn-core's training step and inference have no reachable panic on
# either core (see src/main.rs), and proof that the check bites:
#
#   1. release builds for thumbv7em-none-eabihf and thumbv6m-none-eabi must link;
#   2. the `prove-the-check` build (one out-of-bounds index added) must NOT link, and
#      must fail on the missing `nn_core_panic_is_reachable` symbol.
#
# When step 1 fails, the binary is rebuilt with `find-panics` (a looping handler) and
# every call into core's panic machinery is listed with its nn-core source line.
# Usage: check.sh [--find]   (--find: only list the panic sites of both builds)
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
# This package alone (so nothing else's features reach it), for the C baseline's cores
# (../cores.toml), in a target directory of its own beside the boards' builds.
export CARGO_TARGET_DIR="$PWD/../target/exact-cores"
build() { cargo build --release -p nn-fw-nopanic --config ../cores.toml "$@"; }
targets=(thumbv7em-none-eabihf thumbv6m-none-eabi)
symbol=nn_core_panic_is_reachable
failed=0

llvm_bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
objdump="$llvm_bin/llvm-objdump"
addr2line=$(command -v arm-none-eabi-addr2line || true)

# Lists the calls into core::panicking / slice index failures in the find-panics build.
find_sites() {
    local target=$1 elf="$CARGO_TARGET_DIR/$1/release/nopanic"
    build --quiet --target "$target" --features find-panics
    if [ ! -x "$objdump" ]; then
        echo "  (llvm-objdump missing: rustup component add llvm-tools)"
        return
    fi
    "$objdump" -d --demangle --no-show-raw-insn "$elf" |
        awk '/>:$/ { fn = $2 } /\tbl?(\.w)?\t.*<core::(panicking|slice::index|option|result)::/ && fn !~ /^<core::/ {
                 sub(":", "", $1); print $1, fn }' |
        while read -r addr fn; do
            if [ -n "$addr2line" ]; then
                where=$("$addr2line" -e "$elf" -i -f -C "0x$addr" | paste - - | grep -v '/rustc/' | head -3 |
                    awk -F'\t' '{ printf "%s%s (%s)", (NR > 1 ? " <- " : ""), $2, $1 }')
            else
                where="in $fn (install binutils-arm-none-eabi for source lines)"
            fi
            echo "  panic path at 0x$addr: $where"
        done
}

if [ "${1:-}" = "--find" ]; then
    for t in "${targets[@]}"; do
        echo "nopanic: panic paths in the $t build:"
        find_sites "$t"
    done
    exit 0
fi

for t in "${targets[@]}"; do
    log=$(mktemp)
    if build --target "$t" >"$log" 2>&1; then
        size=$("$llvm_bin/llvm-size" "$CARGO_TARGET_DIR/$t/release/nopanic" 2>/dev/null | awk 'NR == 2 { print $1 }' || true)
        echo "nopanic: $t links: no reachable panic in the training step, inference, features or codec${size:+ (text $size bytes)}"
    elif grep -q "undefined symbol: $symbol" "$log"; then
        echo "nopanic: $t: a panic is reachable (undefined symbol $symbol); the panic paths:" >&2
        find_sites "$t" >&2
        failed=1
    else
        cat "$log" >&2
        echo "nopanic: $t: the build failed for another reason" >&2
        failed=1
    fi
    rm -f "$log"
done

# The check must bite: one deliberate out-of-bounds index must stop the link.
log=$(mktemp)
if build --target "${targets[0]}" --features prove-the-check >"$log" 2>&1; then
    echo "nopanic: the prove-the-check build linked: the check does not detect a reachable panic" >&2
    failed=1
elif grep -q "undefined symbol: $symbol" "$log"; then
    echo "nopanic: prove-the-check (one out-of-bounds index added) fails to link, as it must: undefined symbol $symbol"
else
    cat "$log" >&2
    echo "nopanic: the prove-the-check build failed for another reason than the missing symbol" >&2
    failed=1
fi
rm -f "$log"
exit "$failed"

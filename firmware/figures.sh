#!/usr/bin/env bash
# Measures every figure of docs/firmware.md and prints them (about a minute):
#   bash firmware/figures.sh
# Flash and RAM (llvm-size), then for each QEMU core the first boot's summary (accuracy,
# instructions per training step, peak stack), the instruction-counter calibration and
# the --user session, then the held-out accuracy over seeds 1-12 on the host.
set -euo pipefail
cd "$(dirname "$0")"
export NN_FLASH=target/figures-flash.img
size=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-size

cargo build -q --release
cargo build -q --release --target thumbv6m-none-eabi --bin qemu
echo "== flash and RAM (llvm-size)"
"$size" target/thumbv7em-none-eabihf/release/qemu target/thumbv7em-none-eabihf/release/microbit-v2 \
    target/thumbv6m-none-eabi/release/qemu

for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    echo "== $target"
    rm -f "$NN_FLASH"
    cargo run -q --release --target "$target" --bin qemu -- --fresh --calibrate | grep -E "^(calibrate|eval|summary)"
    cargo run -q --release --target "$target" --bin qemu -- --user | grep -E "^summary"
done
rm -f "$NN_FLASH"

echo "== held-out accuracy over seeds 1-12 (host)"
(cd .. && cargo test -q -p nn-core --release --lib accuracy_across_seeds -- --ignored --nocapture 2>/dev/null |
    grep -E "^seeds")

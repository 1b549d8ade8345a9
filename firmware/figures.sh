#!/usr/bin/env bash
# Measures every figure of docs/firmware.md and prints them (about three minutes):
#   bash firmware/figures.sh
# Flash and RAM (llvm-size), then for each QEMU core the first boot's summary (accuracy,
# instructions per training step, peak stack), the instruction-counter calibration, the
# --user session, the --faults session and the CI-sized long run (with its wall-clock
# time), then on the host the held-out accuracy over seeds 1-12 and the host side of the
# long runs. The million-step long run (11 to 18 minutes on the M4F) is not run here:
#   cargo run --release --bin qemu -- --long-run=1000000
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
    cargo run -q --release --target "$target" --bin qemu -- --faults | grep -E "^(eval|faults: injected|summary)"
    case $target in thumbv7em*) steps=40000 ;; *) steps=5000 ;; esac
    start=$(date +%s.%N)
    cargo run -q --release --target "$target" --bin qemu -- --long-run=$steps | grep -E "^longrun: (step|peak|steps)"
    echo "long run of $steps steps: $(echo "$(date +%s.%N) - $start" | bc) s wall clock"
done
rm -f "$NN_FLASH"

echo "== long runs on the host (the device must end with the same model_crc)"
for args in 40000 5000 "2000 --faults" 1000000; do
    # shellcheck disable=SC2086
    cargo run -q --release -p nn-learn --example longrun --target "$(rustc -vV | sed -n 's/^host: //p')" -- $args
done

echo "== held-out accuracy over seeds 1-12 (host)"
cargo test -q -p nn-learn --release --lib --target "$(rustc -vV | sed -n 's/^host: //p')" accuracy_across_seeds \
    -- --ignored --nocapture 2>/dev/null | grep -E "^seeds"

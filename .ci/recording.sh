#!/usr/bin/env bash
# Record → replay → verify-device, end to end (issue 12): the QEMU firmware's recording
# mode prints nnrec lines through semihosting on both cores, `nn record --from-log` turns
# the log into a recording file, which must equal the committed one (the session is
# deterministic); `nn replay` learns from it on the host, and `nn verify-device
# --recording` replays it on the emulated Cortex-M4F and compares every parameter bit for
# bit; the same for a real recording (BasicMotions). Needs the release images
# (firmware/ci.sh) and the release `nn`.
set -euo pipefail
cd "$(dirname "$0")/.."
nn=target/release/nn
[ -x "$nn" ] || cargo build --release -p nn-host-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # machine cpu image
    timeout 300 qemu-system-arm -machine "$1" -cpu "$2" -nographic -monitor none -serial none -icount shift=0 \
        -semihosting-config enable=on,target=native -kernel "$3" -append --record
}
run mps2-an386 cortex-m4 firmware/target/thumbv7em-none-eabihf/release/qemu >"$work/m4f.log"
run microbit cortex-m0 firmware/target/thumbv6m-none-eabi/release/qemu >"$work/m0.log"
for core in m4f m0; do
    "$nn" record --from-log "$work/$core.log" -o "$work/$core.csv"
    # The committed file is this output with one source comment after the first line.
    if ! diff <(sed 2d data/recordings/qemu_gestures.csv) "$work/$core.csv" >/dev/null; then
        echo "recording: the $core recording differs from data/recordings/qemu_gestures.csv" >&2
        exit 1
    fi
    echo "recording: $core's --record log converts to data/recordings/qemu_gestures.csv, byte for byte"
done
"$nn" replay data/recordings/qemu_gestures.csv --window 32 --hop 32
"$nn" verify-device --recording data/recordings/qemu_gestures.csv --window 32 --hop 16
"$nn" verify-device --recording data/recordings/basicmotions_ci.csv

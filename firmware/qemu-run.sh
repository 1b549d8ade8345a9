#!/bin/sh
# Cargo runner for the firmware (see .cargo/config.toml):
#   qemu-run.sh ELF [guest options...]
# - `qemu` built for thumbv7em-none-eabihf runs on QEMU mps2-an386 (Cortex-M4F),
#   built for thumbv6m-none-eabi on QEMU microbit (Cortex-M0);
# - the device benchmarks (`steps`, `xor`) run on mps2-an386, and their Cortex-M0 code on
#   mps2-an385 (a Cortex-M3 runs ARMv6-M code instruction for instruction, and microbit's
#   16 KiB of RAM are too little for the `wide` network);
# - `microbit-v2` is flashed to a real board with probe-rs.
# Guest options go to the firmware through semihosting (SYS_GET_CMDLINE).
# Environment: QEMU_TIMEOUT (seconds, default 300), NN_FLASH (flash image file,
# default target/<triple>/nn-flash.img), QEMU_LOG (file for -d guest_errors,unimp).
set -eu
elf=$1
shift
case "$(basename "$elf")" in
microbit-v2*)
    if ! command -v probe-rs >/dev/null 2>&1; then
        echo "qemu-run.sh: microbit-v2 runs on a real board: install probe-rs (see firmware/README.md)" >&2
        exit 2
    fi
    exec probe-rs run --chip nRF52833_xxAA "$elf"
    ;;
esac
if ! command -v qemu-system-arm >/dev/null 2>&1; then
    echo "qemu-run.sh: qemu-system-arm not found (apt-get install qemu-system-arm)" >&2
    exit 2
fi
case "$elf" in
*thumbv6m-none-eabi/*/steps | *thumbv6m-none-eabi/*/xor) machine="-machine mps2-an385 -cpu cortex-m3" ;;
*thumbv6m-none-eabi*) machine="-machine microbit -cpu cortex-m0" ;;
*) machine="-machine mps2-an386 -cpu cortex-m4" ;;
esac
flash=${NN_FLASH:-$(dirname "$(dirname "$elf")")/nn-flash.img}
log=${QEMU_LOG:-/dev/null}
# -icount shift=0: one instruction per virtual nanosecond, so SysTick counts
# instructions exactly and every run is deterministic.
# shellcheck disable=SC2086
exec timeout --foreground -k 5 "${QEMU_TIMEOUT:-300}" qemu-system-arm $machine -nographic \
    -monitor none -serial none -icount shift=0 \
    -semihosting-config enable=on,target=native \
    -d guest_errors,unimp -D "$log" \
    -kernel "$elf" -append "--flash=$flash $*"

#!/usr/bin/env bash
# Everything CI checks for the firmware, from a fresh Debian machine with rustup:
#   bash firmware/ci.sh
# 1. installs qemu-system-arm if it is missing (apt-get);
# 2. checks formatting, clippy and the docs, and runs the host tests of the board-independent
#    glue (driver wiring with embedded-hal-mock, the simulated LSM303AGR under the real
#    driver);
# 3. builds every board binary (thumbv7em-none-eabihf) and the Cortex-M0 demo
#    (thumbv6m-none-eabi);
# 4. Cortex-M4F under QEMU mps2-an386: first boot trains (accuracy >= 0.9), second boot
#    resumes the model from the flash file, a power cut in the middle of saving another
#    model leaves a good one loadable, so do write and erase errors and a worn-out flash
#    (--flash-fail, --flash-worn), a flash full of foreign data is taken over, and
#    --verify matches the host bit for bit, and a hung I2C bus after a save (--hang) is
#    ended by the machine's watchdog, after which the model resumes from flash;
# 5. Cortex-M0 under QEMU microbit: the same first and second boot, and --verify;
# 6. on both, the micro:bit's interaction (buttons -> labels -> train -> predict) with a
#    simulated user, and a HardFault ends the run with a non-zero exit code (4);
# 7. on both, sensor faults (--faults: failed transfers, a chip off the bus that comes
#    back reset, no new data, stuck and saturated output): the session must skip and
#    recover, never stop, and still reach 0.9; and a bounded long run (--long-run N:
#    N online training steps, LONG_RUN_M4F / LONG_RUN_M0) whose accuracy, finiteness,
#    peak stack and RAM must hold, and whose final model must be the host's bit for bit.
# Every QEMU run is wrapped in `timeout` (QEMU_TIMEOUT seconds, default 240) and its
# guest-error log is checked (a stack overflow on these machines shows up as an invalid
# write, not as a fault). Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

passed=0
failed=0
ok() {
    echo "ok: $*"
    passed=$((passed + 1))
}
bad() {
    echo "FAILED: $*"
    failed=$((failed + 1))
}
finish() {
    echo "firmware: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

if ! command -v qemu-system-arm >/dev/null 2>&1; then
    echo "== installing qemu-system-arm"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends qemu-system-arm; } >/dev/null; then
        bad "apt-get install qemu-system-arm"
        finish
    fi
fi
qemu-system-arm --version | head -n 1

export QEMU_TIMEOUT=${QEMU_TIMEOUT:-240}
# Online steps of the long runs (about a minute on the M4F, half a minute on the M0, on a
# busy CI machine of the usual kind; the million-step run is in docs/firmware.md).
LONG_RUN_M4F=${LONG_RUN_M4F:-40000}
LONG_RUN_M0=${LONG_RUN_M0:-5000}
out=target/ci
rm -rf "$out"
mkdir -p "$out"
host=$(rustc -vV | sed -n 's/^host: //p')

echo "== lint"
if cargo fmt --check >"$out/fmt.txt" 2>&1; then ok "cargo fmt --check"; else bad "cargo fmt --check (see $out/fmt.txt)"; fi
# The boards; the tools one by one, as they are built; nn-learn without the simulator;
# then the host side (nn-learn's tests and examples, the memory.x placer).
if cargo clippy --release -- -D warnings >"$out/clippy.txt" 2>&1 &&
    cargo clippy --release -p nn-fw-bench -- -D warnings >>"$out/clippy.txt" 2>&1 &&
    cargo clippy --release -p nn-fw-nopanic -- -D warnings >>"$out/clippy.txt" 2>&1 &&
    cargo clippy --release -p nn-learn -- -D warnings >>"$out/clippy.txt" 2>&1 &&
    cargo clippy -p nn-fw-microbit-v2 -- -D warnings >>"$out/clippy.txt" 2>&1 &&
    cargo clippy -p nn-learn -p memory-map --all-targets --target "$host" -- -D warnings >>"$out/clippy.txt" 2>&1; then
    ok "cargo clippy -D warnings (thumbv7em-none-eabihf: boards, tools, nn-learn alone, the micro:bit's debug build with panic-probe; host: tests, placer)"
else
    bad "cargo clippy (see $out/clippy.txt)"
fi

if RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps -p nn-learn -p memory-map --features nn-learn/sim --target "$host" >"$out/doc.txt" 2>&1; then
    ok "cargo doc -D warnings (nn-learn with sim, memory-map)"
else
    bad "cargo doc (see $out/doc.txt)"
fi

echo "== host tests ($host)"
cargo test -p nn-learn --target "$host" >"$out/host-tests.txt" 2>&1
code=$?
grep -E "^test result|FAILED|panicked" "$out/host-tests.txt"
if [ "$code" -eq 0 ]; then ok "host tests of nn-learn"; else bad "host tests of nn-learn (see $out/host-tests.txt)"; fi

echo "== host reference for --verify"
if cargo run -q -p nn-learn --example reference --target "$host" >"$out/host-reference.txt" 2>"$out/host-reference.err"; then
    ok "host reference: $(tail -n 1 "$out/host-reference.txt")"
else
    bad "host reference (see $out/host-reference.err)"
fi

echo "== build"
build() {
    cargo build --release "$@" >"$out/build.txt" 2>&1
    local code=$?
    tail -n 3 "$out/build.txt"
    if [ "$code" -eq 0 ]; then ok "cargo build --release $*"; else bad "cargo build --release $*"; finish; fi
}
build # every binary (qemu, microbit-v2) for thumbv7em-none-eabihf
build --target thumbv6m-none-eabi --bin qemu

# run NAME TARGET EXPECTED_EXIT [GUEST OPTIONS...]: one QEMU boot, output in $out/NAME.txt.
run() {
    local name=$1 target=$2 expect=$3
    shift 3
    local flash="$out/flash-$target.img" log="$out/$name.qemu.log" code
    echo "== $name: $target ${*:-(no options)}"
    NN_FLASH="$flash" QEMU_LOG="$log" cargo run -q --release --target "$target" --bin qemu -- "$@" \
        >"$out/$name.txt" 2>"$out/$name.err"
    code=$?
    grep -E "^(boot|train: (skipped|epoch +[0-9]+ loss [0-9.]+ \(last\))|persist|power-cut|hang|summary|error|panic|hardfault|faults: injected|longrun: (steps|VIOLATION))" "$out/$name.txt"
    if [ "$code" -ne "$expect" ]; then
        bad "$name exited $code, expected $expect (see $out/$name.txt, $out/$name.err)"
        return 1
    fi
    # Reads of addresses 0x0/0x4 at reset are QEMU's own (microbit); writes are ours.
    if grep -E "unimplemented device write|Invalid write" "$log" >/dev/null 2>&1; then
        bad "$name: invalid memory write (stack overflow?), see $log"
        return 1
    fi
    ok "$name exited $code"
}

field() { sed -n "s/^summary: .*\b$2=\([^ ]*\).*/\1/p" "$out/$1.txt"; }

check_accuracy() {
    local acc
    acc=$(field "$1" accuracy)
    if [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }'; then
        ok "$1 accuracy $acc >= 0.9"
    else
        bad "$1 accuracy '${acc}' below 0.9"
    fi
}

# The painted stack must not have been used to its last word (the M0 has 16 KiB of RAM).
check_stack() {
    local peak size
    peak=$(field "$1" peak_stack)
    size=$(field "$1" stack_size)
    if [ -n "$peak" ] && [ -n "$size" ] && [ "$peak" -lt "$size" ]; then
        ok "$1 peak stack $peak of $size bytes"
    else
        bad "$1 peak stack '$peak' of '$size' bytes"
    fi
}

check_field() {
    local got
    got=$(field "$1" "$2")
    if [ "$got" = "$3" ]; then ok "$1 $2=$got"; else bad "$1 $2='$got', expected '$3'"; fi
}

# Every kind of fault was met and survived: windows skipped, failed transfers retried,
# time-outs, stuck and saturated windows, re-initialisations.
check_faults() {
    local name=$1 kind n missing=""
    for kind in skipped recovered timeouts stuck saturated reinits; do
        n=$(field "$name" "$kind")
        [ -n "$n" ] && [ "$n" -gt 0 ] || missing="$missing $kind=${n:-?}"
    done
    if [ -z "$missing" ]; then
        ok "$name met every fault kind: $(sed -n 's/^faults: injected .* \/ met //p' "$out/$name.txt")"
    else
        bad "$name did not meet every fault kind:$missing"
    fi
}

lfield() { sed -n "s/^longrun: steps=.*\b$2=\([^ ]*\).*/\1/p" "$out/$1.txt"; }

# A long run: no violation, the same peak stack after 1 % of the steps as at the end,
# and the final model bit-identical to the host's run of the same steps.
check_longrun() {
    local name=$1 steps=$2 faults=${3:-} first end want got
    first=$(lfield "$name" stack_first)
    end=$(lfield "$name" stack_end)
    if [ "$(lfield "$name" violations)" = 0 ] && [ -n "$first" ] && [ "$first" = "$end" ]; then
        ok "$name: $steps steps, accuracy $(lfield "$name" accuracy_first) after 1 % and $(lfield "$name" accuracy_end) at the end, peak stack $first = $end bytes, static RAM $(lfield "$name" static_ram) bytes, no heap"
    else
        bad "$name: violations=$(lfield "$name" violations) stack $first -> $end"
    fi
    # shellcheck disable=SC2086
    want=$(cargo run -q -p nn-learn --example longrun --target "$host" -- "$steps" $faults 2>"$out/$name.host.err" |
        sed -n 's/.*model_crc=\(0x[0-9a-f]*\).*/\1/p')
    got=$(lfield "$name" model_crc)
    if [ -n "$got" ] && [ "$got" = "$want" ]; then
        ok "$name final model identical to the host's (model_crc=$got)"
    else
        bad "$name final model $got, host $want (see $out/$name.host.err)"
    fi
}

check_params() {
    if [ "$(grep -c '^param ' "$out/$1.txt")" -gt 0 ] &&
        diff <(grep '^param ' "$out/$1.txt") <(grep '^param ' "$out/host-reference.txt") >"$out/$1.diff"; then
        ok "$1 parameters bit-identical to the host ($(grep -c '^param ' "$out/$1.txt") params)"
    else
        bad "$1 parameters differ from the host (see $out/$1.diff)"
    fi
}

for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    case $target in thumbv7em*) core=m4f ;; *) core=m0 ;; esac
    rm -f "$out/flash-$target.img"
    if run "$core-boot1" "$target" 0 --fresh; then
        check_accuracy "$core-boot1"
        check_field "$core-boot1" source trained
        check_stack "$core-boot1"
    fi
    crc=$(field "$core-boot1" model_crc)
    if run "$core-boot2" "$target" 0; then
        check_accuracy "$core-boot2"
        check_field "$core-boot2" source flash
        check_field "$core-boot2" model_crc "$crc"
    fi
    if [ "$core" = m4f ]; then
        # Train another model (seed 7) and cut the power during its save: at the first
        # flash operation, in the middle, and at the last one (a save is about 110 word
        # writes). The next boot must resume a good model: the first one, or (only when
        # the cut came after the new record was complete) the new one.
        cp "$out/flash-$target.img" "$out/flash-base.img"
        for cut in 0 60 109; do
            cp "$out/flash-base.img" "$out/flash-$target.img"
            run "$core-powercut-$cut" "$target" 3 --retrain --seed=7 --cut-after=$cut
            new=$(sed -n 's/^persist: saving the model .*crc=\(0x[0-9a-f]*\)).*/\1/p' "$out/$core-powercut-$cut.txt")
            if run "$core-boot3-$cut" "$target" 0; then
                check_field "$core-boot3-$cut" source flash
                got=$(field "$core-boot3-$cut" model_crc)
                if [ "$got" = "$crc" ] || { [ "$cut" -gt 100 ] && [ -n "$new" ] && [ "$got" = "$new" ]; }; then
                    ok "$core-boot3-$cut resumed a good model ($got; old $crc, new $new)"
                else
                    bad "$core-boot3-$cut resumed $got (old $crc, new $new)"
                fi
            fi
        done
        # Flash errors, not power cuts, while saving another model (seed 7): a write
        # error in the middle is retried (the half being written is erased and written
        # again) and the new model is kept; a write error and then an erase error on
        # the retry, or a flash that refuses every write (worn out) from the first or
        # the 60th operation, fails the save, which says so (failed_saves=1); the next
        # boot must resume the old model.
        for fault in fail=60 fail=60,61 worn=0 worn=60; do
            name="$core-flashfault-${fault/,/-}"
            cp "$out/flash-base.img" "$out/flash-$target.img"
            if run "$name" "$target" 0 --retrain --seed=7 "--flash-$fault"; then
                new=$(sed -n 's/^persist: saving the model .*crc=\(0x[0-9a-f]*\)).*/\1/p' "$out/$name.txt")
                if [ "$fault" = fail=60 ]; then want=0 resume=$new; else want=1 resume=$crc; fi
                check_field "$name" failed_saves "$want"
                if run "$name-next" "$target" 0; then
                    check_field "$name-next" source flash
                    check_field "$name-next" model_crc "$resume"
                fi
            fi
        done
        # Flash holding another program's data (all zeros here, which sequential-storage
        # reports as corrupted): the board must train, save over it and resume next time.
        head -c 16384 /dev/zero >"$out/flash-$target.img"
        if run "$core-foreign" "$target" 0; then
            check_field "$core-foreign" source trained
        fi
        if run "$core-foreign-next" "$target" 0; then
            check_field "$core-foreign-next" source flash
            check_field "$core-foreign-next" model_crc "$crc"
        fi
        # A hung I2C bus (a transfer that never ends, as the nRF52 HAL's TWIM waits when a
        # slave holds the bus): after training and saving, --hang arms mps2-an386's
        # watchdog and hangs the simulated bus. The watchdog must reset the machine, and
        # the boot after it resume the model from flash and finish the session.
        rm -f "$out/flash-$target.img"
        if run "$core-hang" "$target" 0 --hang; then
            boots=$(grep -c '^nn-fw:' "$out/$core-hang.txt")
            if [ "$boots" = 2 ] && grep -q '^hang: watchdog armed' "$out/$core-hang.txt"; then
                ok "$core-hang: the bus hung after the save, the watchdog reset the machine, 2 boots"
            else
                bad "$core-hang: expected a hang and 2 boots, saw $boots boots (see $out/$core-hang.txt)"
            fi
            check_field "$core-hang" source flash
            check_field "$core-hang" model_crc "$crc"
        fi
    fi
    if run "$core-verify" "$target" 0 --verify; then
        check_params "$core-verify"
    fi
    # The micro:bit's interaction (nn_learn::learner) with a simulated user pressing
    # the buttons: trains after 15 windows per class, then must recognise >= 85 %.
    run "$core-user" "$target" 0 --user
    # The failure path: an undefined instruction must end the run with exit code 4.
    run "$core-hardfault" "$target" 4 --fault
    # Sensor faults injected at random all through the session (flash untouched): the
    # firmware skips, retries and sets the sensor up again, and still learns.
    if run "$core-faults" "$target" 0 --faults; then
        check_accuracy "$core-faults"
        check_field "$core-faults" faults on
        check_faults "$core-faults"
    fi
    # A bounded long run: online training, one step per window through the sensor path.
    if [ "$core" = m4f ]; then steps=$LONG_RUN_M4F; else steps=$LONG_RUN_M0; fi
    if run "$core-longrun" "$target" 0 --long-run="$steps"; then
        check_longrun "$core-longrun" "$steps"
    fi
    if [ "$core" = m4f ]; then
        # The long run with faults injected too.
        if run "$core-longrun-faults" "$target" 0 --long-run=2000 --faults; then
            check_longrun "$core-longrun-faults" 2000 --faults
        fi
    fi
done
same_model() {
    local m4 m0
    m4=$(field "m4f-$1" model_crc)
    m0=$(field "m0-$1" model_crc)
    if [ -n "$m4" ] && [ "$m4" = "$m0" ]; then
        ok "Cortex-M4F and Cortex-M0 trained the same model in $1 (model_crc=$m4)"
    else
        bad "model_crc differs between Cortex-M4F ($m4) and Cortex-M0 ($m0) in $1"
    fi
}
same_model boot1
same_model faults
finish

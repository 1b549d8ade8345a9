#!/usr/bin/env bash
# bench/device.sh - the device table of docs/performance.md (issue 6), from scratch:
#
#   - instructions per training step of nn-core (firmware/bench, `steps`) and of the plain-C
#     baseline (../shared/bench/device/ref_mlp_m4.c, built here from ../shared) on the
#     emulated Cortex-M4F (QEMU mps2-an386) and Cortex-M0 code (thumbv6m, run on mps2-an385:
#     QEMU's one Cortex-M0 machine, microbit, has 16 KiB of RAM, too little for `wide`; the
#     Cortex-M3 executes ARMv6-M code instruction for instruction, so the counts are those of
#     the M0 code), counted exactly by ../shared/tools/qemu-insncount (built here);
#   - flash of the minimal XOR trainer (firmware/bench, `xor`) by symbol, beside the C xor
#     trainer (../shared/bench/device/xor_only_m4.c); RAM and peak stack of a training step.
#
#   bash bench/device.sh            # prints the tables, keeps everything in $OUT
#   OUT=/tmp/dev bash bench/device.sh
#   FEATURES=<cargo features> NN=<nn built with them> OUT=/tmp/dev-x bash bench/device.sh
#                                   # firmware/bench built with these cargo features (issue 14
#                                   # measured nn-core's former fast-math feature this way)
#
# Needs (installed with apt-get when missing, as root): qemu-system-arm, gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, gcc; and the pinned Rust toolchain with its thumb targets and
# llvm-tools (rust-toolchain.toml).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
CDIR=$SHARED/bench/device
OUT=${OUT:-$ROOT/target/bench-device}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -f "$CDIR/ref_mlp_m4.c" ] || { echo "device.sh: $CDIR/ref_mlp_m4.c not found (set SHARED=)" >&2; exit 2; }

# ---- tools ----------------------------------------------------------------------------------
need=0
for t in qemu-system-arm arm-none-eabi-gcc gcc; do command -v $t >/dev/null || need=1; done
[ -e /usr/lib/arm-none-eabi/lib/thumb/v7e-m+fp/hard/libm.a ] || need=1
if [ $need = 1 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends qemu-system-arm gcc-arm-none-eabi \
        libnewlib-arm-none-eabi gcc libc6-dev >/dev/null
fi
LLVM=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | awk '/^host/{print $2}')/bin
[ -x "$LLVM/llvm-nm" ] || rustup component add llvm-tools >/dev/null
{
    qemu-system-arm --version | head -1
    arm-none-eabi-gcc --version | head -1
    echo "newlib $(dpkg-query -W -f='${Version}' libnewlib-arm-none-eabi 2>/dev/null || echo '?')"
    rustc --version
} > "$OUT/versions.txt"

# ---- the counting plugins (QEMU plugin API v1; built from ../shared at run time) ------------
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$OUT/libinsncount.so" "$SHARED/tools/qemu-insncount/insncount.c"
# The same plugin plus one address range (here: the exp), from the C baseline's directory.
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$OUT/libinsncount_range.so" "$CDIR/insncount_range.c"

# ---- the C baseline, for each core ----------------------------------------------------------
M4="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb"
M0="-mcpu=cortex-m0 -mthumb -mfloat-abi=soft"
cbuild() { # NAME ARCH CFLAGS SOURCE
    local name=$1 arch=$2 cflags=$3 src=$4
    arm-none-eabi-gcc $arch -Wall $cflags -fno-tree-loop-distribute-patterns -c "$CDIR/startup.c" -o "$OUT/$name.startup.o"
    arm-none-eabi-gcc $arch -Wall $cflags -c "$CDIR/$src" -o "$OUT/$name.o"
    arm-none-eabi-gcc $arch -nostartfiles -T "$CDIR/mps2_an386.ld" -Wl,--gc-sections \
        -o "$OUT/$name.elf" "$OUT/$name.startup.o" "$OUT/$name.o" -lm
}
cbuild c-m4-O2 "$M4" "-O2" ref_mlp_m4.c
cbuild c-m4-O2-nocontract "$M4" "-O2 -ffp-contract=off" ref_mlp_m4.c
cbuild c-m0-O2 "$M0" "-O2" ref_mlp_m4.c
cbuild c-xor-m4-O2 "$M4" "-O2 -DNO_PRINT -Wno-unused-variable" xor_only_m4.c
cbuild c-xor-m0-O2 "$M0" "-O2 -DNO_PRINT -Wno-unused-variable" xor_only_m4.c

# ---- nn-core's device benchmarks -------------------------------------------------------------
# The firmware workspace's nn-fw-bench alone (nothing else's features reach it), for the
# C baseline's cores (firmware/cores.toml), in a target directory of its own.
(
    cd "$ROOT/firmware"
    for t in thumbv7em-none-eabihf thumbv6m-none-eabi; do
        CARGO_TARGET_DIR="$OUT/rust" cargo build --quiet --release -p nn-fw-bench --config cores.toml --target $t ${FEATURES:+--features "$FEATURES"}
    done
)
R4=$OUT/rust/thumbv7em-none-eabihf/release
R0=$OUT/rust/thumbv6m-none-eabi/release

# ---- runs -------------------------------------------------------------------------------------
machine() { case $1 in m4) echo "-cpu cortex-m4 -machine mps2-an386" ;; m0) echo "-cpu cortex-m3 -machine mps2-an385" ;; esac; }
addr() { "$LLVM/llvm-nm" "$1" | awk -v s="$2" '$3 == s { print "0x" $1; exit }'; }
# The exp's address range: [__libm_start, __libm_end) in the C builds (their linker script puts
# libm first); in the Rust ones nn-core's own nn_core::exp::exp (one out-of-line copy on the
# Cortex-M), or libm::math::expf::expf in builds from before nn-core had its own.
range() {
    if [ -n "$(addr "$1" __libm_start)" ]; then
        echo "lo=$(addr "$1" __libm_start),hi=$(addr "$1" __libm_end)"
    else
        local lo size
        read -r lo size <<< "$("$LLVM/llvm-nm" -S "$1" | awk '/libm4math4expf4expf|7nn_core3exp3exp17h/ { print $1, $2; exit }')"
        printf 'lo=0x%x,hi=0x%x' $((0x$lo)) $((0x$lo + 0x$size))
    fi
}
count() { # NAME ELF CORE -> $OUT/NAME.counts: "net n total in_exp"
    local name=$1 elf=$2 core=$3 r
    r=$(range "$elf")
    timeout 300 qemu-system-arm $(machine "$core") -nographic -semihosting-config enable=on,target=native \
        -plugin "$OUT/libinsncount_range.so,start=$(addr "$elf" bench_start),end=$(addr "$elf" bench_end),$r" \
        -d plugin -D "$OUT/$name.plugin.log" -kernel "$elf" > "$OUT/$name.out" 2>&1 ||
        { echo "device.sh: $name failed under QEMU"; cat "$OUT/$name.out"; exit 1; }
    grep -q '^DONE' "$OUT/$name.out" || { echo "device.sh: no DONE from $name"; exit 1; }
    [ "$(grep -c '^MEASURE' "$OUT/$name.out")" = "$(grep -c '^insns start->end' "$OUT/$name.plugin.log")" ] ||
        { echo "device.sh: $name: labels and counts do not pair"; exit 1; }
    paste -d' ' <(grep '^MEASURE' "$OUT/$name.out") <(grep '^insns start->end' "$OUT/$name.plugin.log") |
        awk '$2 == "step" { print $3, $4, $7, $9 }' > "$OUT/$name.counts"
    [ "$(wc -l < "$OUT/$name.counts")" = 8 ] || { echo "device.sh: $name: labels and counts do not pair"; exit 1; }
}
count c-m4-O2 "$OUT/c-m4-O2.elf" m4
count c-m4-O2-nocontract "$OUT/c-m4-O2-nocontract.elf" m4
count c-m0-O2 "$OUT/c-m0-O2.elf" m0
count rust-m4 "$R4/steps" m4
count rust-m0 "$R0/steps" m0
# Determinism: a second run of the nn-core M4 build gives the same counts.
cp "$OUT/rust-m4.counts" "$OUT/rust-m4.counts.first"
count rust-m4 "$R4/steps" m4
cmp -s "$OUT/rust-m4.counts" "$OUT/rust-m4.counts.first" || { echo "device.sh: counts differ between runs"; exit 1; }
# Cross-check: the unmodified shared plugin gives the same totals.
timeout 300 qemu-system-arm $(machine m4) -nographic -semihosting-config enable=on,target=native \
    -plugin "$OUT/libinsncount.so,start=$(addr "$R4/steps" bench_start),end=$(addr "$R4/steps" bench_end)" \
    -d plugin -D "$OUT/rust-m4.shared.log" -kernel "$R4/steps" > /dev/null 2>&1
cmp -s <(grep '^insns' "$OUT/rust-m4.shared.log" | awk '{print $3}') <(awk '{print $3}' "$OUT/rust-m4.counts") ||
    { echo "device.sh: the shared plugin's totals differ"; exit 1; }
# The XOR trainers learn XOR (exit status 0: all four rows right after 10,000 epochs).
for core in m4 m0; do
    elf=$R4/xor; [ $core = m0 ] && elf=$R0/xor
    timeout 300 qemu-system-arm $(machine $core) -nographic -semihosting-config enable=on,target=native \
        -kernel "$elf" > /dev/null 2>&1 || { echo "device.sh: the $core XOR trainer failed (exit $?)"; exit 1; }
done

# Bit for bit: the parameters after 1000 steps from the seed-1 weights (FNV-1a of their
# bits) on both cores, and on the host from `nn bench` (NN=path, or the release build of
# this tree when its `nn` has `bench`).
grep '^PARAMS' "$OUT/rust-m4.out" | awk '{ print $2, $3 }' > "$OUT/params-m4.txt"
grep '^PARAMS' "$OUT/rust-m0.out" | awk '{ print $2, $3 }' > "$OUT/params-m0.txt"
cmp -s "$OUT/params-m4.txt" "$OUT/params-m0.txt" || { echo "device.sh: the M4F and M0 parameters differ"; exit 1; }
NN=${NN:-$ROOT/target/release/nn}
if [ ! -x "$NN" ]; then (cd "$ROOT" && cargo build --quiet --release -p nn-host-cli --bin nn) || true; fi
: > "$OUT/params-host.txt"
for net in xor mazur mid wide; do
    h=$("$NN" bench --net $net --seconds 0.01 --json 2>/dev/null | tail -1 |
        sed -n 's/.*"params_fnv1a_after_1000_steps":"\([0-9a-f]*\)".*/\1/p') || true
    echo "$net ${h:-unavailable}" >> "$OUT/params-host.txt"
done
if grep -q unavailable "$OUT/params-host.txt"; then
    HOSTCHECK="host: \`nn bench\` unavailable (see nn-host-cli/NN_BENCH_NOTE.md); M4F and M0 agree"
elif cmp -s "$OUT/params-host.txt" "$OUT/params-m4.txt"; then
    HOSTCHECK="host (x86-64, vectorised sigmoid), Cortex-M4F and Cortex-M0: identical"
else
    echo "device.sh: the host's parameters differ from the device's"; paste "$OUT/params-host.txt" "$OUT/params-m4.txt"; exit 1
fi

# ---- tables -----------------------------------------------------------------------------------
per_step() { # FILE NET -> "total in_exp" per step: (count(101) - count(1)) / 100
    awk -v net="$2" '$1 == net { t[$2] = $3; r[$2] = $4 }
        END { printf "%.2f %.2f", (t[101] - t[1]) / 100, (r[101] - r[1]) / 100 }' "$1"
}
{
echo "Tools: $(paste -sd';' "$OUT/versions.txt" | sed 's/;/; /g')"
echo
echo "### Instructions per training step (QEMU, exact; (count(101) - count(1)) / 100)"
echo
echo "| core | net | C -O2 | C -O2 -ffp-contract=off | nn-core | nn-core / C -O2 | in exp: C / nn-core |"
echo "|---|---|---|---|---|---|---|"
for core in m4 m0; do
    for net in xor mazur mid wide; do
        read -r c ce <<< "$(per_step "$OUT/c-$core-O2.counts" $net)"
        if [ $core = m4 ]; then read -r cn _ <<< "$(per_step "$OUT/c-m4-O2-nocontract.counts" $net)"; else cn="(no FPU: same)"; fi
        read -r r re <<< "$(per_step "$OUT/rust-$core.counts" $net)"
        label="Cortex-M4F"; [ $core = m0 ] && label="Cortex-M0 (soft float)"
        awk -v l="$label" -v n=$net -v c=$c -v cn="$cn" -v r=$r -v ce=$ce -v re=$re \
            'BEGIN { printf "| %s | %s | %s | %s | %s | **%.3f** | %s / %s |\n", l, n, c, cn, r, r / c, ce, re }'
    done
done
echo
echo "### Host and device bit for bit: FNV-1a of the parameters after 1000 steps from the seed-1 weights"
echo
echo "| net | host (nn bench) | Cortex-M4F | Cortex-M0 |"
echo "|---|---|---|---|"
paste -d' ' "$OUT/params-host.txt" "$OUT/params-m4.txt" "$OUT/params-m0.txt" | awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $4, $6 }'
echo
echo "$HOSTCHECK."
echo
echo "### RAM and peak stack of one training step (nn-core; stack by painting, bytes)"
echo
echo "| core | net | parameters | scratch | RAM (parameters + training state) | peak stack of a step |"
echo "|---|---|---|---|---|---|"
for core in m4 m0; do
    label="Cortex-M4F"; [ $core = m0 ] && label="Cortex-M0"
    grep '^STACK' "$OUT/rust-$core.out" | awk -v l="$label" '{ printf "| %s | %s | %d | %d | %d | %d |\n", l, $2, $7, $9, $5, $3 }'
done
echo
echo "### Flash of the minimal XOR trainer (firmware/bench/src/bin/xor.rs, release), by symbol"
echo
for core in m4 m0; do
    elf=$R4/xor; label="Cortex-M4F (thumbv7em-none-eabihf)"; celf=$OUT/c-xor-m4-O2.elf
    [ $core = m0 ] && { elf=$R0/xor; label="Cortex-M0 (thumbv6m-none-eabi)"; celf=$OUT/c-xor-m0-O2.elf; }
    echo "#### $label"
    echo
    echo '```'
    "$LLVM/llvm-size" "$elf" | sed "s#$OUT/##"
    echo '```'
    echo
    echo "| part | symbols | bytes |"
    echo "|---|---|---|"
    "$LLVM/llvm-nm" -S -C --size-sort -t d "$elf" | awk '
        $3 ~ /^[tTrR]$/ && $2 + 0 > 0 {
            name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name); size = $2 + 0
            short = name; sub(/::h[0-9a-f]+$/, "", short)
            if (name ~ /^nn_core::exp::/ || name ~ /^libm::/) p = 3
            else if (name ~ /^(xor_step|xor_init)$/ || name ~ /^nn_core::/ || name ~ /init_net/) p = 1
            else if (name == "xor_forward") p = 2
            else if (name ~ /compiler_builtins::float|__aeabi_f|__aeabi_i2f|__aeabi_ui2f|__clzsi2|__aeabi_lmul|__aeabi_d/) p = 4
            else p = 5
            bytes[p] += size; syms[p] = syms[p] (syms[p] == "" ? "" : ", ") short " " size
        }
        END { split("nn-core: training (sgd_step, initialisation, finiteness confirmation)|nn-core: forward pass (the trained net in use)|the exp (nn_core::exp::exp; libm::expf in builds from before nn-core had its own)|soft-float runtime (compiler-builtins)|start-up, vector table, main loop, exit", label, "|")
              for (p = 1; p <= 5; p++) if (p in bytes) printf "| %s | %s | %d |\n", label[p], syms[p], bytes[p]
              printf "| nn-core: training + forward pass | | %d |\n", bytes[1] + bytes[2]
              printf "| **nn-core in all (training + forward pass + the exp)** | | **%d** |\n", bytes[1] + bytes[2] + bytes[3] }'
    echo
    echo "C xor trainer for the same core (xor_only_m4.c, -O2), for comparison:"
    echo
    echo '```'
    arm-none-eabi-size "$celf" | sed "s#$OUT/##"
    arm-none-eabi-nm -S --size-sort -t d "$celf" | awk '$4 ~ /^(xor_step|main|expf|__ieee754_expf|__aeabi_fadd|__aeabi_fmul|__aeabi_fdiv|__aeabi_fsub)$/ { printf "%s %d\n", $4, $2 }'
    echo '```'
    echo
done
} | tee "$OUT/device.md"

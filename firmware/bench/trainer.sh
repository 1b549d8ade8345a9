#!/usr/bin/env bash
# Instructions per step of nn-core's Trainer beside the fused sgd_step (src/bin/trainer.rs)
# and of whole-network against last-layer training (src/bin/finetune.rs), on the
# Cortex-M4F (QEMU mps2-an386) and the Cortex-M0 code (mps2-an385), counted exactly by
# shared/tools/qemu-insncount. Prints markdown tables.
#   bash firmware/bench/trainer.sh [BIN...]     (default: trainer finetune)
# Environment: SHARED (default ../shared beside the repository), OUT (build directory).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
OUT=${OUT:-$ROOT/target/bench-trainer}
BINS=${*:-trainer finetune}
mkdir -p "$OUT"
command -v qemu-system-arm >/dev/null || { echo "trainer.sh: qemu-system-arm not found" >&2; exit 2; }
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$OUT/libinsncount.so" "$SHARED/tools/qemu-insncount/insncount.c"
LLVM=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | awk '/^host/{print $2}')/bin
(
    cd "$ROOT/firmware"
    for t in thumbv7em-none-eabihf thumbv6m-none-eabi; do
        for b in $BINS; do
            CARGO_TARGET_DIR="$OUT/rust" cargo build --quiet --release -p nn-fw-bench --config cores.toml --target $t --bin "$b"
        done
    done
)
addr() { "$LLVM/llvm-nm" "$1" | awk -v s="$2" '$3 == s { print "0x" $1; exit }'; }
for b in $BINS; do
    for core in m4 m0; do
        case $core in
        m4) elf=$OUT/rust/thumbv7em-none-eabihf/release/$b; machine="-cpu cortex-m4 -machine mps2-an386"; label="Cortex-M4F" ;;
        m0) elf=$OUT/rust/thumbv6m-none-eabi/release/$b; machine="-cpu cortex-m3 -machine mps2-an385"; label="Cortex-M0" ;;
        esac
        # shellcheck disable=SC2086
        timeout 600 qemu-system-arm $machine -nographic -semihosting-config enable=on,target=native \
            -plugin "$OUT/libinsncount.so,start=$(addr "$elf" bench_start),end=$(addr "$elf" bench_end)" \
            -d plugin -D "$OUT/$b-$core.plugin.log" -kernel "$elf" > "$OUT/$b-$core.out" 2>&1 ||
            { echo "trainer.sh: $b on $core failed"; cat "$OUT/$b-$core.out"; exit 1; }
        grep -q '^DONE' "$OUT/$b-$core.out" || { echo "trainer.sh: no DONE from $b on $core"; exit 1; }
        [ "$(grep -c '^MEASURE' "$OUT/$b-$core.out")" = "$(grep -c '^insns start->end' "$OUT/$b-$core.plugin.log")" ] ||
            { echo "trainer.sh: $b on $core: labels and counts do not pair"; exit 1; }
        paste -d' ' <(grep '^MEASURE' "$OUT/$b-$core.out") <(grep '^insns start->end' "$OUT/$b-$core.plugin.log") |
            awk -v core="$label" '{ k = $2 " " $3; c[k, $4] = $7; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
                END { for (i = 1; i <= n; i++) { k = order[i]; printf "%s %s %.2f\n", core, k, (c[k, 101] - c[k, 1]) / 100 } }' \
            > "$OUT/$b-$core.steps"
    done
done
for b in $BINS; do
    echo
    echo "#### $b: instructions per step ((count(101) - count(1)) / 100)"
    echo
    case $b in
    trainer)
        echo "| core | net | sgd_step (fused) | Trainer, SGD | Trainer SGD / fused | Trainer, momentum | Trainer, Adam |"
        echo "|---|---|---|---|---|---|---|"
        cat "$OUT/$b-m4.steps" "$OUT/$b-m0.steps" | awk '
            { core = $1 " " $2; if ($2 != "Cortex-M4F" && $2 != "Cortex-M0") core = $1; }
            { n = NF; net = $(n - 2); s = $(n - 1); v = $n; key = core "|" net; x[key, s] = v;
              if (!(key in seen)) { seen[key] = 1; order[++m] = key } }
            END { for (i = 1; i <= m; i++) { k = order[i]; split(k, p, "|");
                f = x[k, "fused"]; t = x[k, "trainer-sgd"];
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", p[1], p[2], (f == "" ? "–" : f), t,
                    (f == "" ? "–" : sprintf("**%.3f**", t / f)), x[k, "trainer-momentum"], (x[k, "trainer-adam"] == "" ? "–" : x[k, "trainer-adam"]) } }'
        ;;
    *)
        echo "| core | net | optimiser | whole network | last layer | last / whole |"
        echo "|---|---|---|---|---|---|"
        cat "$OUT/$b-m4.steps" "$OUT/$b-m0.steps" | awk '
            { n = NF; core = $1; for (j = 2; j <= n - 3; j++) core = core " " $j; net = $(n - 2); s = $(n - 1); v = $n;
              split(s, q, ":"); key = core "|" net "|" q[2]; x[key, q[1]] = v;
              if (!(key in seen)) { seen[key] = 1; order[++m] = key } }
            END { for (i = 1; i <= m; i++) { k = order[i]; split(k, p, "|");
                printf "| %s | %s | %s | %s | %s | **%.3f** |\n", p[1], p[2], p[3], x[k, "whole"], x[k, "last"], x[k, "last"] / x[k, "whole"] } }'
        ;;
    esac
    grep -h '^PARAMS\|^RAM' "$OUT/$b-m4.out" > "$OUT/$b-m4.params" || true
    grep -h '^PARAMS\|^RAM' "$OUT/$b-m0.out" > "$OUT/$b-m0.params" || true
    if cmp -s "$OUT/$b-m4.params" "$OUT/$b-m0.params"; then
        echo
        echo "Parameters after 1000 steps (FNV-1a) and RAM, identical on the M4F and the M0:"
        echo
        sed 's/^/    /' "$OUT/$b-m4.params"
    else
        echo "trainer.sh: $b: the M4F and M0 parameters differ"; paste "$OUT/$b-m4.params" "$OUT/$b-m0.params"; exit 1
    fi
done

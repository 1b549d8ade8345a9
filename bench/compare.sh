#!/usr/bin/env bash
# bench/compare.sh - the host table of docs/performance.md (issue 6): steps per second of
# `nn bench` divided by the plain-C baseline's, measured side by side in one run.
#
#   bash bench/compare.sh                 # 2 s per timed run, 3 rounds, all four nets
#   SECONDS_PER_RUN=1 ROUNDS=5 NETS="mid wide" bash bench/compare.sh
#
# The baseline is built here from ../shared/bench/ref_mlp.c exactly as its README and the
# issue say (gcc -std=c11 -O2 ... -lm); `nn` is built in release. For each net and round
# the two run one after the other (C, then nn, then the next round), each reporting the
# median of five timed runs of process CPU time (the C harness: CLOCK_PROCESS_CPUTIME_ID;
# nn bench: the thread's CPU time), so the load of other jobs does not enter and both see
# the same machine state. The ratio is the median over the rounds of nn / C.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
OUT=${OUT:-$ROOT/target/bench-compare}
S=${SECONDS_PER_RUN:-2}
ROUNDS=${ROUNDS:-3}
NETS=${NETS:-xor mazur mid wide}
mkdir -p "$OUT"
[ -f "$SHARED/bench/ref_mlp.c" ] || { echo "compare.sh: $SHARED/bench/ref_mlp.c not found (set SHARED=)" >&2; exit 2; }

gcc -std=c11 -O2 -o "$OUT/ref_mlp_O2" "$SHARED/bench/ref_mlp.c" -lm
if [ -z "${NN:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --release -p nn-host-cli --bin nn)
    NN=$ROOT/target/release/nn
fi
if ! "$NN" bench --net mazur --seconds 0.01 --json 2>/dev/null | tail -1 | grep -q '"steps_per_s"'; then
    echo "compare.sh: '$NN bench' does not report steps_per_s" >&2
    exit 2
fi

c_rate() { "$OUT/ref_mlp_O2" "$1" time "$S" | awk '{ for (i = 1; i < NF; i++) if ($i == "cpu_steps_per_s") print $(i + 2) }'; }
nn_rate() { "$NN" bench --net "$1" --seconds "$S" --json | tail -1 | sed 's/.*"steps_per_s":\([^,}]*\).*/\1/'; }

{
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; $(gcc --version | head -1); $(rustc --version)"
    echo "Each figure: median of 5 timed runs of >= ${S} s CPU time; ratio: median over $ROUNDS interleaved rounds."
    echo
    echo "| net | C baseline (gcc -std=c11 -O2), steps/s | nn bench, steps/s | nn / C |"
    echo "|---|---|---|---|"
} | tee "$OUT/compare.md"
for net in $NETS; do
    : > "$OUT/$net.rounds"
    for _ in $(seq "$ROUNDS"); do
        c=$(c_rate "$net")
        r=$(nn_rate "$net")
        echo "$c $r" >> "$OUT/$net.rounds"
    done
    sort -g -k1 "$OUT/$net.rounds" | awk -v net="$net" '
        { c[NR] = $1; r[NR] = $2; q[NR] = $2 / $1 }
        END {
            n = NR
            # medians (n is small: sort the ratios by insertion)
            for (i = 2; i <= n; i++) for (j = i; j > 1 && q[j] < q[j - 1]; j--) { t = q[j]; q[j] = q[j - 1]; q[j - 1] = t }
            for (i = 2; i <= n; i++) for (j = i; j > 1 && r[j] < r[j - 1]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
            m = int((n + 1) / 2)
            printf "| %s | %.3g | %.3g | **%.2f** (rounds %.2f to %.2f) |\n", net, c[m], r[m], q[m], q[1], q[n]
        }' | tee -a "$OUT/compare.md"
done

#!/usr/bin/env bash
# bench/compare.sh - the host table of docs/performance.md (issue 6): steps per second of
# `nn bench` divided by the plain-C baseline's, measured side by side in one run.
#
#   bash bench/compare.sh                 # 2 s per timed run, 3 rounds, all four nets
#   SECONDS_PER_RUN=1 ROUNDS=5 NETS="mid wide" bash bench/compare.sh
#   ALSO="before=/tmp/old/nn other=/tmp/other/nn" bash bench/compare.sh   # more builds of nn,
#                                         # each timed in the same rounds, one column each
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

# Extra builds of nn (label=path), each run right after `nn` in every round.
read -r -a ALSO_LIST <<< "${ALSO:-}"
for a in "${ALSO_LIST[@]}"; do
    if ! "${a#*=}" bench --net mazur --seconds 0.01 --json 2>/dev/null | tail -1 | grep -q '"steps_per_s"'; then
        echo "compare.sh: '${a#*=} bench' (ALSO ${a%%=*}) does not report steps_per_s" >&2
        exit 2
    fi
done
alt_header=""
alt_rule=""
for a in "${ALSO_LIST[@]}"; do
    alt_header="$alt_header ${a%%=*}, steps/s | ${a%%=*} / C |"
    alt_rule="$alt_rule---|---|"
done

c_rate() { "$OUT/ref_mlp_O2" "$1" time "$S" | awk '{ for (i = 1; i < NF; i++) if ($i == "cpu_steps_per_s") print $(i + 2) }'; }
nn_rate() { "${2:-$NN}" bench --net "$1" --seconds "$S" --json | tail -1 | sed 's/.*"steps_per_s":\([^,}]*\).*/\1/'; }

{
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; $(gcc --version | head -1); $(rustc --version)"
    echo "Each figure: median of 5 timed runs of >= ${S} s CPU time; ratio: median over $ROUNDS interleaved rounds."
    echo
    echo "| net | C baseline (gcc -std=c11 -O2), steps/s | nn bench, steps/s | nn / C |$alt_header"
    echo "|---|---|---|---|$alt_rule"
} | tee "$OUT/compare.md"
for net in $NETS; do
    : > "$OUT/$net.rounds"
    for _ in $(seq "$ROUNDS"); do
        c=$(c_rate "$net")
        r=$(nn_rate "$net")
        line="$c $r"
        for a in "${ALSO_LIST[@]}"; do line="$line $(nn_rate "$net" "${a#*=}")"; done
        echo "$line" >> "$OUT/$net.rounds"
    done
    # Column k (2 = nn, 3... = ALSO): median rate and median, lowest and highest ratio to C.
    sort -g -k1 "$OUT/$net.rounds" | awk -v net="$net" '
        function isort(a, n,    i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j] < a[j - 1]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
        { c[NR] = $1; for (k = 2; k <= NF; k++) { r[k, NR] = $k; q[k, NR] = $k / $1 }; cols = NF }
        END {
            n = NR; m = int((n + 1) / 2)
            printf "| %s | %.3g |", net, c[m]
            for (k = 2; k <= cols; k++) {
                for (i = 1; i <= n; i++) { rr[i] = r[k, i]; qq[i] = q[k, i] }
                isort(rr, n); isort(qq, n)
                printf " %.3g | **%.2f** (rounds %.2f to %.2f) |", rr[m], qq[m], qq[1], qq[n]
            }
            printf "\n"
        }' | tee -a "$OUT/compare.md"
done

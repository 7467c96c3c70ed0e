#!/usr/bin/env bash
# End-to-end benchmark of `fazhi run` (issue 4): MB/s, reports/s, peak memory, time per stage,
# the ratio to `rg -c '[0-9]'` over the same files, the --threads 1 → 2 speed-up, and a check
# that thread counts and reruns give byte-identical tables.
#
#   bench/run.sh                 # 50 MB and 200 MB corpora, 3 runs each (median)
#   SIZES="200" RUNS=5 bench/run.sh
#
# Corpora are generated once by examples/gen_corpus.rs and cached in $FAZHI_BENCH_DIR
# (default: /tmp/fazhi-bench); outputs go there too. Uses $CARGO_TARGET_DIR if set.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"50 200"}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
BENCH_DIR=${FAZHI_BENCH_DIR:-/tmp/fazhi-bench}
TARGET=${CARGO_TARGET_DIR:-target}
FAZHI=$TARGET/release/fazhi
GEN=$TARGET/release/examples/gen_corpus
mkdir -p "$BENCH_DIR"

need() { # need <command> <apt package>
    command -v "$1" >/dev/null 2>&1 && return
    echo "== installing $2" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$2" >/dev/null; else sudo apt-get install -y -qq "$2" >/dev/null; fi
}
need rg ripgrep
[ -x /usr/bin/time ] || need /usr/bin/time time
need python3 python3

echo "== build (release)"
cargo build --release --quiet --bin fazhi --example gen_corpus

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# run_fazhi <corpus> <out> <threads>: prints "wall_s max_rss_kb user_s sys_s".
run_fazhi() {
    rm -rf "$2"
    /usr/bin/time -f "%e %M %U %S" -o "$BENCH_DIR/time.txt" \
        "$FAZHI" --quiet run --input "$1" --output "$2" --threads "$3" >/dev/null 2>"$BENCH_DIR/stderr.txt" ||
        { cat "$BENCH_DIR/stderr.txt" >&2; exit 1; }
    tail -1 "$BENCH_DIR/time.txt"
}

# tables_equal <dir a> <dir b>: every Parquet file byte-identical (manifest.json holds timings).
tables_equal() {
    local a=$1 b=$2 n=0
    while IFS= read -r f; do
        cmp -s "$a/$f" "$b/$f" || { echo "DIFFERENT: $f"; return 1; }
        n=$((n + 1))
    done < <(cd "$a" && find . -name '*.parquet' | sort)
    [ "$(cd "$a" && find . -name '*.parquet' | wc -l)" = "$(cd "$b" && find . -name '*.parquet' | wc -l)" ] ||
        { echo "DIFFERENT file sets"; return 1; }
    echo "identical ($n Parquet files)"
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== $("$FAZHI" --version 2>/dev/null || echo fazhi), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

for mb in $SIZES; do
    corpus=$BENCH_DIR/corpus-${mb}mb-seed$SEED
    if [ ! -f "$corpus/.done" ]; then
        echo "== generating $corpus"
        rm -rf "$corpus"
        "$GEN" --mb "$mb" --out "$corpus" --seed "$SEED"
        touch "$corpus/.done"
    fi
    files=$(find "$corpus" -type f ! -name .done | wc -l)
    bytes=$(find "$corpus" -type f ! -name .done -printf '%s\n' | awk '{s+=$1} END {print s}')
    echo
    echo "=== ${mb} MB corpus: $files files, $bytes bytes ($corpus)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

    # Warm the page cache, then time rg the same way as fazhi.
    rg -c '[0-9]' "$corpus" >/dev/null || true
    rg_times=()
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e" -o "$BENCH_DIR/time.txt" rg -c '[0-9]' "$corpus" >/dev/null || true
        rg_times+=("$(tail -1 "$BENCH_DIR/time.txt")")
    done
    rg_med=$(printf '%s\n' "${rg_times[@]}" | median)

    declare -A walls=() rss=() cpu=()
    for t in 2 1; do
        w=() r=() c=()
        for k in $(seq "$RUNS"); do
            read -r wall maxrss user sys < <(run_fazhi "$corpus" "$BENCH_DIR/out-${mb}-t$t-r$k" "$t")
            w+=("$wall") r+=("$maxrss") c+=("$(awk "BEGIN {print $user + $sys}")")
        done
        walls[$t]=$(printf '%s\n' "${w[@]}" | median)
        rss[$t]=$(printf '%s\n' "${r[@]}" | sort -g | tail -1)
        cpu[$t]=$(printf '%s\n' "${c[@]}" | median)
        echo "threads $t: wall ${w[*]} s (median ${walls[$t]}), user+sys CPU median ${cpu[$t]} s, peak RSS max $((${rss[$t]} / 1024)) MB"
    done
    echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

    python3 - "$bytes" "$files" "${walls[2]}" "${walls[1]}" "$rg_med" "${rss[2]}" "${cpu[2]}" \
        "$BENCH_DIR/out-${mb}-t2-r1/manifest.json" <<'EOF'
import json, sys
b, n, w2, w1, rg, rss, cpu = (float(x) for x in sys.argv[1:8])
m = json.load(open(sys.argv[8]))
print(f"end to end (--threads 2, median): {b / 1e6 / w2:.1f} MB/s, {n / w2:.0f} reports/s, {w2:.2f} s")
print(f"CPU cost: {cpu:.2f} s user+sys -> {b / 1e6 / cpu:.1f} MB per CPU-second (moves less with load than wall time, but moves)")
print(f"rg -c '[0-9]' (median): {rg:.2f} s -> fazhi / rg = {w2 / max(rg, 1e-3):.1f}x")
print(f"--threads 1: {w1:.2f} s -> speed-up with 2 threads: {w1 / w2:.2f}x")
print(f"peak RSS: {rss / 1024:.0f} MB")
st = m.get("stage_seconds", {})
total = sum(st.values()) or 1
print("seconds per stage (manifest stage_seconds, run 1: time inside each stage summed over threads;\n wall time, so it includes preemption when the machine is loaded; compare the shares):")
for k, v in st.items():
    print(f"  {k:<10} {v:7.3f} s  {100 * v / total:5.1f} %  {b / 1e6 / v if v else float('inf'):8.0f} MB/s per thread")
print(f"  wall_seconds in manifest: {m.get('wall_seconds', 0):.2f}")
EOF
    echo -n "tables --threads 1 vs --threads 2: "; tables_equal "$BENCH_DIR/out-${mb}-t1-r1" "$BENCH_DIR/out-${mb}-t2-r1"
    echo -n "tables run 1 vs run 2 (--threads 2): "; tables_equal "$BENCH_DIR/out-${mb}-t2-r1" "$BENCH_DIR/out-${mb}-t2-r2"
    echo "PEAK_RSS_KB_${mb}=${rss[2]}"
done

#!/usr/bin/env bash
# The nightly rerun figure (issue 5): a full run over a corpus, then 1% of its reports changed,
# 1% added and 1% deleted, then an incremental rerun into the same OUT. Prints wall and
# user+sys CPU of both (median of $RUNS), their ratio (target: rerun <= 25% of the full run),
# the manifest's reused/added/changed/removed counts and how many row-group units were copied,
# and checks that the rerun's tables are byte-identical to a fresh full run's.
#
#   bench/rerun.sh                       # 50 MB corpus, 5 runs each
#   MB=200 RUNS=3 bench/rerun.sh
#
# The corpus is generated once by examples/gen_corpus.rs into $FAZHI_BENCH_DIR (default
# /tmp/fazhi-bench) and copied before it is changed; outputs go there too. Uses
# $CARGO_TARGET_DIR if set. On a loaded machine compare the CPU figures, not the wall ones.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${MB:-50}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
THREADS=${THREADS:-2}
BENCH_DIR=${FAZHI_BENCH_DIR:-/tmp/fazhi-bench}
TARGET=${CARGO_TARGET_DIR:-target}
FAZHI=$TARGET/release/fazhi
GEN=$TARGET/release/examples/gen_corpus
mkdir -p "$BENCH_DIR"

if [ -z "${NO_BUILD:-}" ]; then
    echo "== build (release)"
    cargo build --release --quiet --bin fazhi --example gen_corpus
fi

corpus=$BENCH_DIR/corpus-${MB}mb-seed$SEED
if [ ! -f "$corpus/.done" ]; then
    echo "== generating $corpus"
    rm -rf "$corpus"
    "$GEN" --mb "$MB" --out "$corpus" --seed "$SEED"
    touch "$corpus/.done"
fi
work=$BENCH_DIR/rerun-${MB}mb
rm -rf "$work"
mkdir -p "$work"
cp -r "$corpus" "$work/in"
rm -f "$work/in/.done"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# timed <out>: runs fazhi on $work/in into <out>; prints "wall cpu".
timed() {
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" \
        "$FAZHI" --quiet run --input "$work/in" --output "$1" --threads "$THREADS" >/dev/null 2>"$work/stderr.txt" ||
        { cat "$work/stderr.txt" >&2; exit 1; }
    tail -1 "$work/time.txt" | awk '{print $1, $2 + $3}'
}

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
fw=() fc=()
for k in $(seq "$RUNS"); do
    rm -rf "$work/base"
    read -r w c < <(timed "$work/base")
    fw+=("$w") fc+=("$c")
done
echo "full run:  wall ${fw[*]} s, cpu ${fc[*]} s"

# 1% changed (digits rewritten), 1% deleted, 1% added (a new name, another report's text with
# its digits rewritten), spread evenly over the sorted paths: the three kinds apart from each
# other, so that they touch as many units of rows as they can.
python3 - "$work/in" <<'EOF'
import os, sys
root = sys.argv[1]
files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
n = len(files)
k = max(1, n // 100)
step = n // k
def rotate(b, r):
    return bytes((0x30 + (c - 0x30 + r) % 10) if 0x30 <= c <= 0x39 else c for c in b)
for j in range(k):
    changed = files[j * step]
    deleted = files[j * step + step // 3]
    model = files[j * step + 2 * step // 3]
    p = os.path.join(root, changed)
    data = open(p, "rb").read()
    open(p, "wb").write(rotate(data, 3))
    os.remove(os.path.join(root, deleted))
    stem, ext = os.path.splitext(model)
    data = open(os.path.join(root, model), "rb").read()
    open(os.path.join(root, f"{stem}_added{j}{ext}"), "wb").write(rotate(data, 7))
print(f"{n} reports: {k} changed, {k} deleted, {k} added")
EOF

rw=() rc=()
for k in $(seq "$RUNS"); do
    rm -rf "$work/out"
    cp -a "$work/base" "$work/out"
    read -r w c < <(timed "$work/out")
    rw+=("$w") rc+=("$c")
done
echo "rerun:     wall ${rw[*]} s, cpu ${rc[*]} s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work/fresh"
timed "$work/fresh" >/dev/null

python3 - "$(printf '%s\n' "${fw[@]}" | median)" "$(printf '%s\n' "${fc[@]}" | median)" \
    "$(printf '%s\n' "${rw[@]}" | median)" "$(printf '%s\n' "${rc[@]}" | median)" "$work/out/manifest.json" <<'EOF'
import json, sys
fw, fc, rw, rc = (float(x) for x in sys.argv[1:5])
m = json.load(open(sys.argv[5]))
print(f"median full run {fw:.3f} s wall, {fc:.3f} s cpu; rerun {rw:.3f} s wall, {rc:.3f} s cpu")
print(f"RERUN/FULL: wall {100 * rw / fw:.1f} %, cpu {100 * rc / fc:.1f} %  (target <= 25 %)")
inc = m.get("incremental", {})
print("manifest incremental:", json.dumps(inc, ensure_ascii=False))
EOF
n=0
for f in $(cd "$work/fresh" && find . -name '*.parquet' | sort); do
    cmp -s "$work/fresh/$f" "$work/out/$f" || { echo "DIFFERENT from a fresh run: $f"; exit 1; }
    n=$((n + 1))
done
echo "rerun tables byte-identical to a fresh run's ($n Parquet files)"

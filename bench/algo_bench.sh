#!/bin/sh
# algo_bench.sh [ROWS] — built-in algorithms against scikit-learn (issue 6).
#
# Generates ROWS (default 1,000,000) x 20 numeric features with binary labels
# from a known linear model plus logistic noise (bench/algo_driver.c gen), then
# times, with the file in the page cache, both sides reading the same CSV:
#   sagetty  — bench/algo_driver.c fit: sg_xy_load + linear-learner
#              binary_classifier (lbfgs, defaults)
#   peer     — bench/algo_peer.py with Debian's /usr/bin/python3:
#              pandas.read_csv + LogisticRegression(solver="lbfgs")
# Each side runs RUNS times (default 3); the median wall times of load and
# training are reported, plus accuracy on the training rows and peak RSS
# (/usr/bin/time) against the size of the dense float64 matrix.
#
# Environment: BUILDDIR (where libsgcore.a is), BENCH_DIR (scratch; default
# /tmp/sagetty-algo-bench), RUNS, THREADS (default: online cores).
# Not part of `make check`.
set -eu

rows=${1:-1000000}
d=20
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-algo-bench}
runs=${RUNS:-3}
threads=${THREADS:-$(nproc)}
py=/usr/bin/python3
cc=${CC:-cc}
mkdir -p "$work"

[ -f "$build/libsgcore.a" ] || { echo "algo_bench: build libsgcore.a first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "algo_bench: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }
$py -c 'import sklearn, pandas' 2>/dev/null ||
	{ echo "algo_bench: install python3-sklearn python3-pandas" >&2; exit 2; }

libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto openblas lapacke xgboost)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/algo_driver" \
	"$here/algo_driver.c" "$build/libsgcore.a" $libs

data=$work/binary-$rows.csv
if [ ! -s "$data" ]; then
	echo "== generating $rows rows x $d features"
	"$work/algo_driver" gen "$rows" "$d" 7 "$data.tmp" && mv "$data.tmp" "$data"
fi
cat "$data" > /dev/null

# one LABEL CMD... — appends "load train acc rss" to $work/LABEL.runs
one() {
	label=$1
	shift
	/usr/bin/time -f "%M" -o "$work/time.out" "$@" > "$work/$label.json"
	$py -c "
import json, sys
r = json.load(open('$work/$label.json'))
print(r['load_s'], r['train_s'], r['accuracy'], open('$work/time.out').read().split()[-1])
" >> "$work/$label.runs"
}
rm -f "$work/sagetty.runs" "$work/sklearn.runs"
i=0
while [ $i -lt "$runs" ]; do
	OPENBLAS_NUM_THREADS=$threads one sagetty "$work/algo_driver" fit "$data" "$threads"
	OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads one sklearn $py "$here/algo_peer.py" "$data"
	i=$((i + 1))
done

$py - "$work" "$rows" "$d" <<'PY'
import statistics as S, sys
work, rows, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    r = [list(map(float, l.split())) for l in open(f"{work}/{name}.runs")]
    return {k: S.median(x[i] for x in r) for i, k in enumerate(["load", "train", "acc", "rss"])}
a, b = load("sagetty"), load("sklearn")
matrix_mb = rows * d * 8 / 1e6
print(f"{'':22}{'sagetty':>10}{'sklearn':>10}{'ratio':>8}")
for k, label in (("train", "algorithm only (s)"), ("load", "read CSV (s)")):
    print(f"{label:22}{a[k]:10.3f}{b[k]:10.3f}{a[k] / b[k]:8.2f}")
ea, eb = a["load"] + a["train"], b["load"] + b["train"]
print(f"{'end to end (s)':22}{ea:10.3f}{eb:10.3f}{ea / eb:8.2f}")
print(f"{'accuracy (%)':22}{a['acc'] * 100:10.3f}{b['acc'] * 100:10.3f}{(a['acc'] - b['acc']) * 100:+8.3f}")
print(f"{'peak RSS (MB)':22}{a['rss'] / 1e3:10.1f}{b['rss'] / 1e3:10.1f}")
print(f"peak RSS / dense float64 matrix ({matrix_mb:.0f} MB): sagetty {a['rss'] / 1e3 / matrix_mb:.2f}x, "
      f"sklearn {b['rss'] / 1e3 / matrix_mb:.2f}x")
PY

# Quality on small real datasets (those shipped with python3-sklearn), the
# same split on both sides.
if [ -x "$build/sagetty" ]; then
	echo
	$py "$here/algo_quality.py" "$build/sagetty" "$work/quality"
fi

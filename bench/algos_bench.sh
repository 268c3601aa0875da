#!/bin/sh
# algos_bench.sh [ROWS] — kmeans, pca, knn and xgboost against scikit-learn and the
# Python xgboost package (issue 6).
#
# Data: ROWS (default 1,000,000) x 20 numeric features with binary labels, made
# by the same generator as bench/algo_bench.sh (bench/algo_driver.c gen, seed 7),
# plus 10,000 query rows (seed 8) for knn and xgboost predictions.  Both sides
# read the same CSV (sagetty: sg_xy_load; peer: pandas.read_csv), RUNS times
# (default 1), alternating; medians are reported:
#   kmeans   k=10, k-means++, n_init=1, max_iter 300, tol 1e-4 (both sides)
#   pca      5 components (sklearn: PCA defaults, i.e. its randomized solver)
#   knn      k=5 classifier, brute force; 10,000 queries predicted
#   xgboost  100 rounds, hist, binary:logistic, train metric every round
# "algorithm" is training (+ the 10,000 predictions for knn); "end to end"
# adds reading the CSV.  Quality is printed side by side: inertia and
# iterations, explained variance (against the exact eigenvalues of the sample
# covariance), accuracy on the queries.  Then iris, wine and breast_cancer from
# Debian's python3-sklearn, split the same way for both (bench/algos_small.py).
#
# Environment: BUILDDIR (where libsgcore.a is), BENCH_DIR (scratch; default
# /tmp/sagetty-algos-bench), RUNS, THREADS (default: online cores).
# Not part of `make check`.
set -eu

rows=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-algos-bench}
runs=${RUNS:-1}
threads=${THREADS:-$(nproc)}
py=/usr/bin/python3
cc=${CC:-cc}
mkdir -p "$work/small"

[ -f "$build/libsgcore.a" ] || { echo "algos_bench: build libsgcore.a first" >&2; exit 2; }
$py -c 'import sklearn, pandas, xgboost' 2>/dev/null ||
	{ echo "algos_bench: install python3-sklearn python3-pandas python3-xgboost" >&2; exit 2; }

libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto openblas lapacke xgboost)"
for drv in algo_driver algos_driver; do
	# shellcheck disable=SC2086
	"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/$drv" \
		"$here/$drv.c" "$build/libsgcore.a" $libs
done

data=$work/binary-$rows.csv
queries=$work/queries-10000.csv
[ -s "$data" ] || "$work/algo_driver" gen "$rows" 20 7 "$data"
[ -s "$queries" ] || "$work/algo_driver" gen 10000 20 8 "$queries"
cat "$data" > /dev/null

hps_kmeans="k=10,n_init=1,eval_metrics=ssd"
hps_pca="num_components=5"
hps_knn="k=5,predictor_type=classifier"
hps_xgboost="num_round=100,objective=binary:logistic,tree_method=hist"

export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
for algo in kmeans pca knn xgboost; do
	rm -f "$work/$algo.sagetty" "$work/$algo.peer"
	eval "hps=\$hps_$algo"
	i=0
	while [ $i -lt "$runs" ]; do
		"$work/algos_driver" "$algo" "$data" "$hps" "$threads" "$queries" >> "$work/$algo.sagetty"
		$py "$here/algos_peer.py" "$algo" "$data" "$queries" "$threads" >> "$work/$algo.peer"
		i=$((i + 1))
	done
done

$py - "$work" <<'PY'
import json, statistics as S, sys
work = sys.argv[1]
def runs(algo, side):
    return [json.loads(l) for l in open(f"{work}/{algo}.{side}")]
def med(rs, key):
    return S.median(r.get(key, 0.0) for r in rs)
print(f"{'':30}{'sagetty':>10}{'peer':>10}{'ratio':>8}")
for algo in ("kmeans", "pca", "knn", "xgboost"):
    a, b = runs(algo, "sagetty"), runs(algo, "peer")
    alg_a = med(a, "train_s") + (med(a, "predict_s") if algo == "knn" else 0)
    alg_b = med(b, "train_s") + (med(b, "predict_s") if algo == "knn" else 0)
    e2e_a, e2e_b = alg_a + med(a, "load_s"), alg_b + med(b, "load_s")
    print(f"{algo + ': algorithm (s)':30}{alg_a:10.3f}{alg_b:10.3f}{alg_a / alg_b:8.2f}")
    print(f"{algo + ': end to end (s)':30}{e2e_a:10.3f}{e2e_b:10.3f}{e2e_a / e2e_b:8.2f}")
    if algo == "kmeans":
        ia, ib = med(a, "inertia"), med(b, "inertia")
        print(f"  inertia {ia:.8g} vs {ib:.8g}, rel diff {(ia - ib) / ib:+.2e}")
        print(f"{'  iterations (s per iteration)':30}{med(a, 'iterations'):10.0f}{med(b, 'iterations'):10.0f}"
              f"   {alg_a / max(med(a, 'iterations'), 1):.4f} vs {alg_b / max(med(b, 'iterations'), 1):.4f}")
    if algo == "pca":
        ev, exact, peer = a[0]["explained_variance"], b[0]["explained_variance_exact"], b[0]["explained_variance"]
        worst = max(abs(x - e) / e for x, e in zip(ev, exact))
        worst_p = max(abs(x - e) / e for x, e in zip(peer, exact))
        print(f"  explained variance vs exact: sagetty max rel err {worst:.1e}, sklearn {worst_p:.1e}")
        print(f"  sagetty {[round(x, 9) for x in ev]}")
        print(f"  exact   {[round(x, 9) for x in exact]}")
    if algo in ("knn", "xgboost"):
        print(f"{'  accuracy on 10k queries':30}{med(a, 'accuracy'):10.4f}{med(b, 'accuracy'):10.4f}")
PY

echo "== small real datasets (same 70/30 stratified split on both sides)"
$py "$here/algos_small.py" write "$work/small"
$py "$here/algos_small.py" run "$work/small" > "$work/small.peer"
for name in iris wine breast_cancer; do
	tr=$work/small/$name-train.csv
	te=$work/small/$name-test.csv
	k=$($py -c "import json,sys; print([r['classes'] for r in map(json.loads, open('$work/small.peer')) if r['dataset'] == '$name'][0])")
	obj=multi:softprob
	[ "$k" -eq 2 ] && obj=binary:logistic
	{
		printf '{"dataset": "%s", "knn": ' "$name"
		"$work/algos_driver" knn "$tr" "k=5,predictor_type=classifier" 1 "$te" | tr -d '\n'
		printf ', "xgboost": '
		"$work/algos_driver" xgboost "$tr" "num_round=50,objective=$obj" 1 "$te" | tr -d '\n'
		printf ', "kmeans": '
		"$work/algos_driver" kmeans "$tr" "k=$k,n_init=10,eval_metrics=ssd" 1 | tr -d '\n'
		printf ', "pca": '
		"$work/algos_driver" pca "$tr" "num_components=2" 1 | tr -d '\n'
		printf '}\n'
	} >> "$work/small.sagetty.tmp"
done
mv "$work/small.sagetty.tmp" "$work/small.sagetty"
$py - "$work" <<'PY'
import json, sys
work = sys.argv[1]
peer = {r["dataset"]: r for r in map(json.loads, open(f"{work}/small.peer"))}
print(f"{'dataset':15}{'knn acc':>16}{'xgboost acc':>16}{'kmeans inertia':>26}{'pca ratio (2)':>28}")
for r in map(json.loads, open(f"{work}/small.sagetty")):
    p = peer[r["dataset"]]
    print(f"{r['dataset']:15}{r['knn']['accuracy']:8.4f}{p['knn_accuracy']:8.4f}"
          f"{r['xgboost']['accuracy']:8.4f}{p['xgboost_accuracy']:8.4f}"
          f"{r['kmeans']['inertia']:13.6g}{p['kmeans_inertia']:13.6g}"
          f"  {sum(r['pca']['explained_variance_ratio']):.10f} {sum(p['pca_ratio']):.10f}")
print("(each column: sagetty, then the peer)")
PY

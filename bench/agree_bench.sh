#!/bin/sh
# agree_bench.sh [ANNOTATIONS] — agreement statistics and Dawid–Skene
# consolidation (core/agree.h) at scale.
#
# Builds bench/agree_driver.c against the built libsgcore.a and times
# sg_agree_compute (majority vote, percent agreement, Cohen's kappa for every
# annotator pair, Fleiss' kappa, Krippendorff's alpha, per-annotator counts,
# median seconds and consensus agreement, and EM to convergence) on
# ANNOTATIONS records (default 1,000,000) in three shapes, median of 5.
# Target (labeling issue): ≤ 2 s for 1M annotations; the ratio printed is
# time / target (below 1 is within it).
#
# The peer: scikit-learn's cohen_kappa_score (Debian's python3-sklearn, run
# with /usr/bin/python3) on the same annotations — the kappa of annotators
# 0 and 1 must match sagetty's, and its time for every pair is printed.
#
# Environment: BUILDDIR (where libsgcore.a is; default: the source tree),
# BENCH_DIR (default /tmp/sagetty-agree-bench).  Not part of `make check`.
set -eu

n=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-agree-bench}
cc=${CC:-cc}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$work"

if [ ! -f "$build/libsgcore.a" ]; then
	echo "agree_bench: $build/libsgcore.a not found: run 'make libsgcore.a' first (or set BUILDDIR)" >&2
	exit 2
fi
libs="-lm $(pkg-config --libs jansson 2>/dev/null || echo -ljansson)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/agree_driver" \
	"$here/agree_driver.c" "$build/libsgcore.a" $libs

status=0
# labels annotators per-item
for shape in "5 40 4" "2 10 5" "20 300 3"; do
	# shellcheck disable=SC2086
	set -- $shape
	echo "== $n annotations, $1 labels, $2 annotators, $3 per item"
	extra=
	[ "$shape" = "5 40 4" ] && extra=$work/data.csv
	# shellcheck disable=SC2086
	"$work/agree_driver" "$n" "$1" "$2" "$3" $extra | tee "$work/out.txt"
	awk '/^seconds/ { r = $2 / 2.0; printf "   median %.3f s, ratio to the 2 s target %.2f\n", $2, r;
			  if (r > 1) exit 1 }' "$work/out.txt" || status=1
	if [ -n "$extra" ]; then
		ours=$(awk '/^pair01/ { print $5 }' "$work/out.txt")
		if "$py" -c 'import sklearn, pandas' 2>/dev/null; then
			"$py" "$here/agree_peer.py" "$extra" | tee "$work/peer.txt"
			theirs=$(awk '/^peer_pair01/ { print $3 }' "$work/peer.txt")
			awk -v a="$ours" -v b="$theirs" 'BEGIN { d = a - b; if (d < 0) d = -d;
				printf "   Cohen kappa 0-1: sagetty %s, scikit-learn %s, |diff| %.2g\n", a, b, d;
				exit d > 1e-9 }' || status=1
		else
			echo "   (scikit-learn not available with $py: peer skipped)"
		fi
		rm -f "$extra"
	fi
done
[ $status -eq 0 ] && echo "== within target, kappa matches the peer" || echo "== FAILED"
exit $status

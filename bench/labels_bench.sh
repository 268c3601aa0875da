#!/bin/sh
# labels_bench.sh [ROWS] — labeling at scale (issue: Labeling, targets).
#
# Builds bench/labels_driver.c against the built libsgcore.a and runs it on
# a fresh ROWS-row dataset (default 1,000,000) with three annotators' earlier
# work (about 1.2 annotations a row; see the driver's comment), then prints
# each figure against its target:
#   queue selection for the next item       p99 ≤ 1 ms  (1M rows, 3 annotators)
#   keypress to next item, data side        p99 ≤ 5 ms  (save + next + read the row;
#                                                        drawing is the Label view's)
#   consolidation (EM) and all agreement    ≤ 2 s      over ~1.2M annotations
#
# Environment: BUILDDIR (where libsgcore.a is; default: the source tree),
# BENCH_DIR (default /tmp/sagetty-labels-bench).  Not part of `make check`.
set -eu

rows=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-labels-bench}
cc=${CC:-cc}

if [ ! -f "$build/libsgcore.a" ]; then
	echo "labels_bench: $build/libsgcore.a not found: run 'make libsgcore.a' first (or set BUILDDIR)" >&2
	exit 2
fi
rm -rf "$work"
mkdir -p "$work"
libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto openblas lapacke 2>/dev/null || true)"
xgb=$(pkg-config --libs xgboost 2>/dev/null || echo -lxgboost)
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/labels_driver" \
	"$here/labels_driver.c" "$build/libsgcore.a" $libs $xgb $(pkg-config --libs libzmq 2>/dev/null || true)

echo "== $rows rows, 3 annotators, k = 3"
"$work/labels_driver" "$work" "$rows" > "$work/result.txt"
cat "$work/result.txt"
grep -q '^queue_p99' "$work/result.txt" || { echo "labels_bench: the driver gave no figures" >&2; exit 1; }
echo "== against the targets (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
awk '
function ratio(name, v, target) { printf("%-28s %9.3f ms   target %6g ms   ratio %.3f%s\n", name, v, target, v / target, (v > target ? "  OVER" : "")); if (v > target) over = 1 }
/^queue_p50/ { ratio("queue selection p50", $2, 1) }
/^queue_p99/ { ratio("queue selection p99", $2, 1) }
/^keypress_p50/ { ratio("keypress to next p50", $2, 5) }
/^keypress_p99/ { ratio("keypress to next p99", $2, 5) }
/^keypress_noidle_p99/ { printf "%-28s %9.3f ms   (checkpoints inside saves; for reference)\n", "keypress, no idle, p99", $2 }
/^consolidate_em / { ratio("consolidation (EM) + stats", $2, 2000) }
/^queue_cpu_p99|^keypress_cpu_p99/ { printf "%-28s %9.3f ms   (CPU time of the thread: the work without waiting for a core)\n", $1, $2 }
END { print (over ? "== some figures are over target" : "== all within target") }
' "$work/result.txt"
[ -n "${KEEP:-}" ] || rm -rf "$work/data.csv" "$work/store.db"*

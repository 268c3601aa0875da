#!/bin/sh
# runs_bench.sh [RUNS] — the Experiments pane's queries at scale.
#
# Builds bench/runs_driver.c against the built libsgcore.a, creates a store
# with RUNS runs (default 10,000) × 20 params × 20 metrics × 10 points each
# (kept between runs in BENCH_DIR), and times, median and worst of 7:
#   first screen — open the store, list the keys, count, fetch 50 rows with
#                  10 columns (5 params, 5 metric summaries)
#   sort / filter / scroll / group — count + the 50 visible rows after each
#   plain        — every run's params and metric summaries read one run at a
#                  time through run.h (what a table that loads everything does)
# Targets (issue 4): first screen ≤ 100 ms; sorting or filtering ≤ 100 ms.
#
# Environment: BUILDDIR (where libsgcore.a is; default: the source tree),
# BENCH_DIR (default /tmp/sagetty-runs-bench).  Not part of `make check`.
set -eu

runs=${1:-10000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-runs-bench}
cc=${CC:-cc}
mkdir -p "$work"

if [ ! -f "$build/libsgcore.a" ]; then
	echo "runs_bench: $build/libsgcore.a not found: run 'make libsgcore.a' first (or set BUILDDIR)" >&2
	exit 2
fi
libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto 2>/dev/null || true)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/runs_driver" \
	"$here/runs_driver.c" "$build/libsgcore.a" $libs

store=$work/runs-$runs.db
if [ ! -s "$store" ]; then
	echo "== generating $runs runs × 20 params × 20 metrics × 10 points"
	rm -f "$store" "$store-wal" "$store-shm"
	t0=$(date +%s)
	"$work/runs_driver" gen "$store.tmp" "$runs" 20 20 10
	mv "$store.tmp" "$store"
	rm -f "$store.tmp-wal" "$store.tmp-shm"
	echo "   $(($(date +%s) - t0)) s, $(du -h "$store" | cut -f1)"
fi
cat "$store" > /dev/null   # into the page cache

echo "== $runs runs: median and worst of 7 (ms), rows"
"$work/runs_driver" bench "$store" | tee "$work/result.txt"
awk '
/^first screen/ { if ($(NF-2) > 100) bad = bad "\n  first screen " $(NF-2) " ms > 100 ms" }
/^sort|^filter/ { if ($(NF-2) > 100) bad = bad "\n  " $0 }
END { if (bad != "") { print "== over target:" bad; exit 1 } else print "== all within the 100 ms targets" }
' "$work/result.txt"

#!/bin/sh
# experiments_bench.sh [RUNS] — the Experiments pane's speed targets.
#
# Builds bench/experiments_bench.c against the tree's libsgtui.a and
# libsgcore.a, makes a workspace with RUNS runs (default 10,000) × 20 params
# × 20 metrics × 10 points (kept between runs in BENCH_DIR), and drives the
# app state machine on the memory surface at 80x24:
#   open      app_new (all four panes) → the Experiments pane drawn
#   pane      the Experiments pane alone: init → first screen   (≤ 100 ms)
#   sort      ] / [ on a metric column + redraw                  (≤ 100 ms)
#   filter    :filter EXPR + redraw                              (≤ 100 ms)
#   move/page/jump  j, PgDn, :goto RANDOM + redraw (p50/p99)
#   sjump     :goto RANDOM while sorted by a metric
#
# Environment: BUILDDIR (default: the source tree), BENCH_DIR (default
# /tmp/sagetty-exp-bench).  Not part of `make check`.
set -eu

runs=${1:-10000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-exp-bench}
cc=${CC:-cc}
mkdir -p "$work"

for f in libsgtui.a libsgcore.a sagetty Makefile; do
	if [ ! -f "$build/$f" ]; then
		echo "experiments_bench: $build/$f not found: run 'make' first (or set BUILDDIR)" >&2
		exit 2
	fi
done
# the libraries the tree links with, from its own Makefile
libs=$(printf 'include Makefile\nprint-libs:\n\t@echo $(CORE_LIBS) $(NCURSES_LIBS)\n' |
	make -s -C "$build" -f - print-libs)
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" $(pkg-config --cflags ncursesw) \
	-o "$work/experiments_bench" "$here/experiments_bench.c" "$build/libsgtui.a" \
	"$build/libsgcore.a" $libs

ws=$work/ws-$runs
if [ ! -e "$ws/.done" ]; then
	rm -rf "$ws"
	"$build/sagetty" init "$ws" > /dev/null
	echo "== generating $runs runs × 20 params × 20 metrics × 10 points"
	t0=$(date +%s)
	"$work/experiments_bench" gen "$ws" "$runs"
	echo "   $(($(date +%s) - t0)) s, store $(du -m "$ws/.sagetty" | tail -1 | cut -f1) MB"
	touch "$ws/.done"
fi
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
cat "$ws/.sagetty/"* > /dev/null 2>&1 || true
"$work/experiments_bench" run "$ws"

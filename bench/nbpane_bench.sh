#!/bin/sh
# nbpane_bench.sh — the Notebooks pane's speed target, in one command.
#
# Builds bench/nbpane_driver.c against the tree's libsgtui.a and
# libsgcore.a and runs the app state machine on the memory surface at
# 80x24 on a 1,000-cell notebook (a quarter markdown, the rest code with
# outputs): Enter → the notebook's first screen drawn (target ≤ 100 ms),
# then G, PgDn and typing in the cell editor, each + redraw.  The peer is
# the Jupyter server's share of opening the same file (Python nbformat:
# read + validate, with Debian's /usr/bin/python3), which a browser then
# still has to render; the ratio printed is ours / the peer's.
#
# Environment: BUILDDIR (default: the source tree), BENCH_DIR (default
# /tmp/sagetty-nbpane-bench), CELLS (default 1000), REPEATS (default 20).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-nbpane-bench}
cells=${CELLS:-1000}
reps=${REPEATS:-20}
cc=${CC:-cc}
py=/usr/bin/python3

for lib in libsgtui.a libsgcore.a sagetty; do
	if [ ! -f "$build/$lib" ]; then
		echo "nbpane_bench: $build/$lib not found: run 'make' first (or set BUILDDIR)" >&2
		exit 2
	fi
done
rm -rf "$work"
mkdir -p "$work/run"
chmod 700 "$work/run"
# no kernel of the user's is looked up or found
XDG_RUNTIME_DIR=$work/run
export XDG_RUNTIME_DIR

libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto libzmq openblas lapacke xgboost ncursesw)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" $(pkg-config --cflags ncursesw jansson) \
	-o "$work/nbpane_driver" "$here/nbpane_driver.c" "$build/libsgtui.a" "$build/libsgcore.a" $libs

"$build/sagetty" init "$work/ws" > /dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 }') GB RAM"
echo "== $cells cells, 80x24, $reps repeats"
"$work/nbpane_driver" "$work/ws" "$cells" "$reps" | tee "$work/ours.txt"
ours=$(awk '/^open_p50_ms/ { print $2 }' "$work/ours.txt")
if "$py" -c 'import nbformat' 2>/dev/null; then
	peer=$("$py" "$here/nbpane_peer.py" "$work/ws/a.ipynb" "$reps" | awk '{ print $2 }')
	echo "peer (nbformat read + validate) open_p50_ms $peer"
	awk -v o="$ours" -v p="$peer" 'BEGIN { printf "ratio ours/peer %.2f (below 1: faster)\n", o / p }'
else
	echo "peer skipped: $py has no nbformat (apt-get install python3-nbformat)"
fi
awk -v o="$ours" 'BEGIN { if (o <= 100) print "target: open <= 100 ms: met"; else print "target: open <= 100 ms: MISSED" }'

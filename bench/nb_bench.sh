#!/bin/sh
# nb_bench.sh [CELLS] — notebook open and cell-level diff at scale.
#
# Builds bench/nb_driver.c against the built libsgcore.a, writes two versions
# of a CELLS-cell notebook (default 1,000: 70% code cells with stream output,
# a third with an HTML table result, one in 20 with a 20 kB PNG; B edits
# ~10% of the cells, adds and removes 2%, moves 1%), and times, median and
# worst of 9:
#   open — sg_nb_load: read + parse into the model (ids checked, sources joined)
#   diff — sg_nbdiff of A and B plus a line diff of every changed source
#   merge3 — sg_nb_merge3(A, A with every 7th cell edited, B): a save that
#            finds B on disk
#   diff-by-source — sg_nbdiff when A and B share no ids (percent scripts)
# and, as the peer, Debian's python3-nbformat `nbformat.read(f, as_version=4)`
# on the same file (in-process timing, interpreter start-up excluded),
# printing the ratio.  Targets: open ≤ 100 ms, diff ≤ 50 ms for 1,000 cells.
#
# Environment: BUILDDIR (where libsgcore.a is; default: the source tree),
# BENCH_DIR (default /tmp/sagetty-nb-bench), PYTHON (default
# /usr/bin/python3).  Not part of `make check`.
set -eu

cells=${1:-1000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-nb-bench}
py=${PYTHON:-/usr/bin/python3}
cc=${CC:-cc}
mkdir -p "$work"

if [ ! -f "$build/libsgcore.a" ]; then
	echo "nb_bench: $build/libsgcore.a not found: run 'make libsgcore.a' first (or set BUILDDIR)" >&2
	exit 2
fi
libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto libzmq 2>/dev/null || true)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/nb_driver" \
	"$here/nb_driver.c" "$build/libsgcore.a" $libs

a=$work/a-$cells.ipynb
b=$work/b-$cells.ipynb
"$work/nb_driver" gen "$a" "$b" "$cells"
echo "== $cells cells: $(du -h "$a" | cut -f1) ($(wc -c < "$a") bytes)"
cat "$a" "$b" > /dev/null   # into the page cache

"$work/nb_driver" open "$a" | tee "$work/open.txt"
"$work/nb_driver" diff "$a" "$b" | tee "$work/diff.txt"

peer=
if [ -x "$py" ] && "$py" -c 'import nbformat' 2>/dev/null; then
	peer=$("$py" - "$a" <<'PY'
import sys, time, nbformat
times = []
for _ in range(9):
    t0 = time.perf_counter()
    with open(sys.argv[1], encoding='utf-8') as f:
        nb = nbformat.read(f, as_version=4)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print("%.2f %.2f %d" % (times[4], times[-1], len(nb.cells)))
PY
)
	echo "nbformat.read $(echo "$peer" | cut -d' ' -f1) $(echo "$peer" | cut -d' ' -f2) ms (python3-nbformat $("$py" -c 'import nbformat; print(nbformat.__version__)'), $(echo "$peer" | cut -d' ' -f3) cells)"
else
	echo "== no python3-nbformat at $py: no peer figure"
fi

open_ms=$(awk '/^open/ { print $2 }' "$work/open.txt")
diff_ms=$(awk '/^diff [0-9]/ { print $2 }' "$work/diff.txt")
if [ -n "$peer" ]; then
	echo "$open_ms $(echo "$peer" | cut -d' ' -f1)" |
		awk '{ printf "== open: sagetty %.2f ms, nbformat.read %.2f ms: %.1fx faster\n", $1, $2, $2 / $1 }'
fi
awk -v o="$open_ms" -v d="$diff_ms" -v n="$cells" 'BEGIN {
	bad = ""
	if (n == 1000 && o > 100) bad = bad "\n  open " o " ms > 100 ms"
	if (n == 1000 && d > 50) bad = bad "\n  diff " d " ms > 50 ms"
	if (bad != "") { print "== over target:" bad; exit 1 }
	print "== within the targets (open <= 100 ms, diff <= 50 ms at 1,000 cells)"
}'

#!/bin/sh
# tui_bench.sh — the Data pane's speed targets, in one command.
#
# Builds bench/tui_bench.c against the tree's libsgtui.a and libsgcore.a,
# generates a 1M-row (~80 MB) and a 10M-row (~800 MB) mixed CSV with
# bench/gencsv.c, and for each, with the file in the page cache, runs the
# app state machine on the memory surface at 80x24:
#   first     open → first screen of rows drawn        (target ≤ 50 ms)
#   page      PgDn + redraw, 1,000 times               (target ≤ 16 ms)
#   jump      :goto RANDOM + redraw, 1,000 times        (target ≤ 16 ms)
#   end       G / g + redraw                           (target ≤ 16 ms)
#   peak RSS  of the whole process (target ≤ 1.5x the file)
# then, in a real terminal (tmux, 80x24), the time from launching sagetty to
# the dataset list, and from Enter to the table's first screen, polled with
# capture-pane every 5 ms (so ±5 ms plus tmux's own latency).
#
# Environment: BUILDDIR (default: the source tree), BENCH_DIR (default
# /tmp/sagetty-tui-bench), ROWS_BIG (default 10000000; 0 skips it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-tui-bench}
big=${ROWS_BIG:-10000000}
cc=${CC:-cc}
mkdir -p "$work"

for lib in libsgtui.a libsgcore.a sagetty; do
	if [ ! -f "$build/$lib" ]; then
		echo "tui_bench: $build/$lib not found: run 'make' first (or set BUILDDIR)" >&2
		exit 2
	fi
done

libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto ncursesw)"
"$cc" -O2 -o "$work/gencsv" "$here/gencsv.c"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" $(pkg-config --cflags ncursesw) \
	-o "$work/tui_bench" "$here/tui_bench.c" "$build/libsgtui.a" "$build/libsgcore.a" $libs

ws=$work/ws
if [ ! -d "$ws/.sagetty" ]; then
	mkdir -p "$ws"
	"$build/sagetty" init "$ws" > /dev/null
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 }') GB RAM"

# bench ROWS — generates (once) and measures one file.
bench() {
	rows=$1
	data=$work/mixed-$rows.csv
	if [ ! -s "$data" ]; then
		echo "== generating $rows rows"
		"$work/gencsv" "$rows" > "$data.tmp" && mv "$data.tmp" "$data"
	fi
	cat "$data" > /dev/null
	size=$(stat -c %s "$data")
	echo "== $data: $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') MB, $rows rows"
	/usr/bin/time -f "%M" -o "$work/rss.out" "$work/tui_bench" "$ws" "$data" 1000 \
		> "$work/out-$rows.txt" 2> "$work/err-$rows.txt"
	cat "$work/out-$rows.txt"
	rss=$(cat "$work/rss.out")
	awk -v k="$rss" -v s="$size" 'BEGIN { printf "peak RSS (time): %.0f MB = %.2fx the file\n", k / 1024, k * 1024 / s }'
}

bench 1000000
[ "$big" -gt 0 ] && bench "$big"

# ---- a real terminal --------------------------------------------------------
if ! command -v tmux > /dev/null 2>&1; then
	echo "tmux not installed: terminal check skipped"
	exit 0
fi
data=$work/mixed-1000000.csv
(cd "$ws" && "$build/sagetty" data add "$data" --name mixed > /dev/null 2>&1 || true)
sock=sgtb$$
tm() { tmux -L "$sock" "$@"; }
ms() { date +%s%3N; }
# wait_for TEXT — waits (5 ms polls, 10 s at most) for TEXT on screen.
wait_for() {
	i=0
	while [ $i -lt 2000 ]; do
		tm capture-pane -p -t bench 2> /dev/null | grep -qF -- "$1" && return 0
		sleep 0.005; i=$((i + 1))
	done
	return 1
}
t0=$(ms)
tm new-session -d -s bench -x 80 -y 24 "cd '$ws' && LANG=C.UTF-8 TERM=tmux-256color '$build/sagetty'"
wait_for "LINEAGE"
t1=$(ms)
tm send-keys -t bench Enter
wait_for "row 1/"
t2=$(ms)
tm send-keys -t bench q
tm kill-server 2> /dev/null || true
echo "terminal: launch → dataset list $((t1 - t0)) ms; Enter → first table screen $((t2 - t1)) ms (tmux, 80x24, 1M rows)"

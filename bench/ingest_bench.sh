#!/bin/sh
# ingest_bench.sh [POINTS] — metric ingestion, in one command.
#
# Builds bench/ingest_driver.c against the built libsgcore.a and measures,
# each the median of 3 runs on a fresh store (POINTS points, default
# 1,000,000, over 10 keys, a NaN every 1000th):
#   batched   sg_ingest: 8,192-point BEGIN IMMEDIATE batches, summary folded
#             in C once per key per batch
#   plain     a plain SQLite loop: one prepared INSERT per point in one
#             transaction, with the per-row summary trigger of schema v1-v2
#             (the same rows in the same table with the same summary kept:
#             the fair peer)
#   bare      the same loop keeping no summary (a ceiling, for reference)
# and, from a separate process through `sagetty runs exec` (wall time of the
# whole command: start, the program, the last flush, finishing the run):
#   protocol  the driver writing "KEY VALUE step=N" lines to
#             $SAGETTY_METRICS_FD through stdio
#   python    Debian's python3 with python/sagetty_log.py, one log_metric call
#             per point (POINTS/5 points)
# Prints points/s and the ratios.  Environment: BUILDDIR (default: the source
# tree), BENCH_DIR (default /tmp/sagetty-ingest-bench).  Not part of make check.
set -eu

points=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-ingest-bench}
cc=${CC:-cc}
py=/usr/bin/python3
mkdir -p "$work"
if [ ! -f "$build/libsgcore.a" ] || [ ! -x "$build/sagetty" ]; then
	echo "ingest_bench: build first (make), or set BUILDDIR" >&2
	exit 2
fi
libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto 2>/dev/null || true)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/ingest_driver" \
	"$here/ingest_driver.c" "$build/libsgcore.a" $libs

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
echo "== $points points, 10 keys, store in $work ($(df -T "$work" | awk 'NR == 2 { print $2 }'))"

# median3 MODE — points/s, the median of 3 runs of the driver.
median3() {
	for i in 1 2 3; do
		"$work/ingest_driver" "$1" "$work/store.db" "$points" 10 | cut -d' ' -f3
	done | sort -n | sed -n 2p
}
batched=$(median3 ingest)
plain=$(median3 plain)
bare=$(median3 bare)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "batched (sg_ingest):            $batched points/s"
echo "plain loop + v2 summary trigger: $plain points/s   -> batched is $(ratio "$batched" "$plain")x"
echo "plain loop, no summary:          $bare points/s   -> batched is $(ratio "$batched" "$bare")x"

# exec_rate LABEL N PROGRAM... — points/s of a tracked program logging N points.
ws=$work/ws
rm -rf "$ws"
"$build/sagetty" init "$ws" > /dev/null
exec_rate() {
	label=$1 n=$2
	shift 2
	best=
	for i in 1 2 3; do
		t0=$(date +%s.%N)
		"$build/sagetty" -w "$ws" runs exec --quiet --no-echo --name "$label" -- "$@" > /dev/null
		t1=$(date +%s.%N)
		r=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
		best="$best $r"
	done
	got=$(sqlite3 "$ws/.sagetty/store.db" "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = '$label'")
	if [ "$got" -ne $((3 * n)) ]; then
		echo "ingest_bench: $label stored $got points, expected $((3 * n))" >&2
		exit 1
	fi
	printf '%s\n' $best | sort -n | sed -n 2p
}
proto=$(exec_rate protocol "$points" "$work/ingest_driver" writer - "$points" 10)
echo "line protocol via runs exec:     $proto points/s (a C writer through stdio)"
pyn=$((points / 5))
cat > "$work/helper.py" <<PYEOF
import sagetty_log as sg
for i in range($pyn):
    sg.log_metric("loss", 1.0 / (i + 1), step=i)
PYEOF
pyrate=$(exec_rate python "$pyn" "$py" "$work/helper.py")
echo "python helper via runs exec:     $pyrate points/s ($pyn log_metric calls)"

#!/bin/sh
# train_bench.sh [JOBS] [LINES] [SECONDS] — training jobs (issue 5), the three targets:
#   start     `sagetty train` started → the job's program exec'd (validation,
#             run and tree created, double fork, supervisor exec, store open,
#             queue slot, tracker spawn), JOBS jobs one at a time (default 20);
#             target ≤ 50 ms
#   parse     the supervisor's line path — pipe, stdout.log, 5 metric regexes,
#             batched points — on LINES lines of a tracked `cat` (default
#             2,000,000); target ≥ 200,000 lines/s
#   overhead  a job printing 1,000 lines/s (one write each) for SECONDS (default
#             10): its supervisor's CPU from /proc/PID/stat; target ≤ 2 % of a core
# Builds bench/train_driver.c against the built libsgcore.a.  Environment:
# BUILDDIR (default: the source tree), BENCH_DIR (default /tmp/sagetty-train-bench).
# Not part of make check.
set -eu

jobs=${1:-20}
lines=${2:-2000000}
secs=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-train-bench}
cc=${CC:-cc}
if [ ! -f "$build/libsgcore.a" ] || [ ! -x "$build/sagetty" ]; then
	echo "train_bench: build first (make), or set BUILDDIR" >&2
	exit 2
fi
mkdir -p "$work"
# XGBoost, OpenBLAS and libzmq are opened on first use (core/dynlib.h), not linked.
libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto 2>/dev/null || true)"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/train_driver" \
	"$here/train_driver.c" "$build/libsgcore.a" $libs
"$cc" -std=c11 -D_GNU_SOURCE -O2 -DTRAIN_PROBE -o "$work/train_probe" "$here/train_driver.c"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== workspace in $work ($(df -T "$work" | awk 'NR == 2 { print $2 }'))"
ws=$work/ws
rm -rf "$ws"
"$build/sagetty" init "$ws" >/dev/null
echo "set max-jobs 4" >> "$ws/.sagetty/config"

"$work/train_driver" latency "$build/sagetty" "$ws" "$jobs" "$work/train_probe"
# The supervisor's own part: from its sg_job_supervise (after its exec and
# store open) to the program's exec, from supervisor.log and exec_time.
for d in "$ws"/.sagetty/runs/*/; do
	up=$(grep -o 'up at [0-9.]*' "$d/supervisor.log" 2>/dev/null | cut -d' ' -f3)
	ex=$(cat "$d/output/data/exec_time" 2>/dev/null || true)
	[ -n "$up" ] && [ -n "$ex" ] && awk -v a="$up" -v b="$ex" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
done | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "supervisor part (%d jobs): median %.1f ms, max %.1f ms\n", NR, v[int((NR + 1) / 2)], v[NR] }'
"$work/train_driver" parse "$ws" "$lines"
"$work/train_driver" overhead "$build/sagetty" "$ws" "$secs"

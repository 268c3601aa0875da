#!/bin/sh
# csv_bench.sh [ROWS] — the CSV engine against VisiData, in one command.
#
# Generates a mixed-type CSV (default 1,000,000 rows, about 80 MB) with
# bench/gencsv.c, builds bench/csv_driver.c against the built libsgcore.a,
# and times, with the file in the page cache:
#   first  — open until the first 50 rows are parsed (the first screen)
#   index  — open and index the whole file
#   stats  — statistics of every column   vs  vd: open-file + describe-sheet
#            (as opened, all strings; and again with the numeric and date
#            columns typed, which is what gives VisiData's mean and stdev)
#   freq   — frequencies of one column     vs  vd: open-file + freq-col
# Wall time is the median of 3 runs for sagetty (1 run for VisiData, which is
# slow); peak RSS comes from /usr/bin/time.  Prints ratios at the end.
#
# Environment: BUILDDIR (where libsgcore.a is; default: the source tree),
# BENCH_DIR (scratch folder; default /tmp/sagetty-csv-bench), VD (default vd;
# "none" skips VisiData).  Not part of `make check`.
set -eu

rows=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-csv-bench}
vd=${VD:-vd}
cc=${CC:-cc}
mkdir -p "$work"

if [ ! -f "$build/libsgcore.a" ]; then
	echo "csv_bench: $build/libsgcore.a not found: run 'make libsgcore.a' first (or set BUILDDIR)" >&2
	exit 2
fi
if [ ! -x /usr/bin/time ]; then
	echo "csv_bench: /usr/bin/time not found (apt-get install time)" >&2
	exit 2
fi

libs="-lcsv -lm -pthread $(pkg-config --libs sqlite3 libgit2 jansson libcrypto 2>/dev/null || true)"
"$cc" -O2 -o "$work/gencsv" "$here/gencsv.c"
# shellcheck disable=SC2086
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/csv_driver" \
	"$here/csv_driver.c" "$build/libsgcore.a" $libs

data=$work/mixed-$rows.csv
if [ ! -s "$data" ]; then
	echo "== generating $rows rows"
	"$work/gencsv" "$rows" > "$data.tmp" && mv "$data.tmp" "$data"
fi
size=$(stat -c %s "$data")
cat "$data" > /dev/null   # into the page cache, for every tool alike

# run LABEL CMD... — runs once under /usr/bin/time; sets wall and rss (KB).
run() {
	label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/time.out" "$@" > "$work/$label.out" 2> "$work/$label.err" || {
		echo "csv_bench: $label failed:" >&2
		tail -n 5 "$work/$label.err" >&2
		exit 1
	}
	wall=$(cut -d' ' -f1 "$work/time.out")
	rss=$(cut -d' ' -f2 "$work/time.out")
}

# median3 LABEL CMD... — the median wall time of 3 runs, the largest RSS.
median3() {
	label=$1
	shift
	walls=
	maxrss=0
	for i in 1 2 3; do
		run "$label" "$@"
		walls="$walls $wall"
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
	done
	wall=$(printf '%s\n' $walls | sort -n | sed -n 2p)
	rss=$maxrss
}

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
times_file() { awk -v k="$1" -v s="$size" 'BEGIN { printf "%.2f", k * 1024 / s }'; }

echo "== data: $data ($(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') MB, $rows rows)"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# The driver's own timer for the first screen (process start-up excluded).
run first "$work/csv_driver" first "$data"
first_ms=$(awk '{ printf "%.1f", $2 * 1000 }' "$work/first.out")
median3 index "$work/csv_driver" index "$data"
index_s=$wall; index_rss=$rss
median3 stats "$work/csv_driver" stats "$data"
stats_s=$wall; stats_rss=$rss
median3 freq "$work/csv_driver" freq "$data" category
freq_s=$wall; freq_rss=$rss

echo "first screen: sagetty ${first_ms} ms"
echo "index:        sagetty ${index_s} s, peak RSS $(mb "$index_rss") MB ($(times_file "$index_rss")x the file)"
echo "stats:        sagetty ${stats_s} s, peak RSS $(mb "$stats_rss") MB ($(times_file "$stats_rss")x the file)"
echo "freq:         sagetty ${freq_s} s, peak RSS $(mb "$freq_rss") MB ($(times_file "$freq_rss")x the file)"

if [ "$vd" = none ] || ! command -v "$vd" > /dev/null 2>&1; then
	echo "VisiData not run (apt-get install visidata, or VD=none was set)"
	exit 0
fi
sheet=$(basename "$data" .csv)
# vd -b replays the commands and exits; -o saves the last sheet, which makes
# it compute every cell of the describe and frequency sheets.
cat > "$work/describe.vdj" <<EOF
{"sheet": "", "col": "", "row": "", "longname": "open-file", "input": "$data", "keystrokes": "o", "comment": null}
{"sheet": "$sheet", "col": "", "row": "", "longname": "describe-sheet", "input": "", "keystrokes": "I", "comment": null}
EOF
# The same statistics sagetty computes need typed columns in VisiData (its
# describe gives mean, stdev and median only for numbers): a second run types
# the numeric and date columns first, as a user wanting them would.
{
	echo "{\"sheet\": \"\", \"col\": \"\", \"row\": \"\", \"longname\": \"open-file\", \"input\": \"$data\", \"keystrokes\": \"o\", \"comment\": null}"
	for ct in id:type-int zip:type-int age:type-int score:type-float price:type-float signup:type-date; do
		echo "{\"sheet\": \"$sheet\", \"col\": \"${ct%%:*}\", \"row\": \"\", \"longname\": \"${ct#*:}\", \"input\": \"\", \"keystrokes\": \"\", \"comment\": null}"
	done
	echo "{\"sheet\": \"$sheet\", \"col\": \"\", \"row\": \"\", \"longname\": \"describe-sheet\", \"input\": \"\", \"keystrokes\": \"I\", \"comment\": null}"
} > "$work/describe_typed.vdj"
cat > "$work/freq.vdj" <<EOF
{"sheet": "", "col": "", "row": "", "longname": "open-file", "input": "$data", "keystrokes": "o", "comment": null}
{"sheet": "$sheet", "col": "category", "row": "", "longname": "freq-col", "input": "", "keystrokes": "Shift+F", "comment": null}
EOF
echo "== VisiData $("$vd" --version 2>&1 | head -n 1)"
run vd_stats "$vd" -b -p "$work/describe.vdj" -o "$work/vd_describe.tsv"
vd_stats_s=$wall; vd_stats_rss=$rss
run vd_typed "$vd" -b -p "$work/describe_typed.vdj" -o "$work/vd_describe_typed.tsv"
vd_typed_s=$wall; vd_typed_rss=$rss
run vd_freq "$vd" -b -p "$work/freq.vdj" -o "$work/vd_freq.tsv"
vd_freq_s=$wall; vd_freq_rss=$rss

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }'; }
echo "stats: sagetty ${stats_s} s, visidata ${vd_stats_s} s, ratio $(ratio "$vd_stats_s" "$stats_s")"
echo "stats (visidata with typed columns): sagetty ${stats_s} s, visidata ${vd_typed_s} s, ratio $(ratio "$vd_typed_s" "$stats_s"), visidata peak $(mb "$vd_typed_rss") MB"
echo "freq:  sagetty ${freq_s} s, visidata ${vd_freq_s} s, ratio $(ratio "$vd_freq_s" "$freq_s")"
echo "peak RSS (stats): sagetty $(mb "$stats_rss") MB ($(times_file "$stats_rss")x the file), visidata $(mb "$vd_stats_rss") MB ($(times_file "$vd_stats_rss")x), ratio $(ratio "$vd_stats_rss" "$stats_rss")"
echo "peak RSS (freq):  sagetty $(mb "$freq_rss") MB, visidata $(mb "$vd_freq_rss") MB ($(times_file "$vd_freq_rss")x)"

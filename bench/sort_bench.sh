#!/bin/sh
# sort_bench.sh [SRCDIR [BUILDDIR [ROWS]]] — times sg_view_sort on a numeric
# and a string column and sg_view_filter with a typical expression on a
# generated mixed-type CSV (1M rows, ~80 MB), against VisiData doing the
# same in batch mode (vd -b -p script.vdj), and prints the ratios.
# BUILDDIR must hold a built libsgcore.a (run make first).
set -eu

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
build=${2:-$src}
rows=${3:-1000000}
cc=${CC:-cc}
work=${BENCH_DIR:-/tmp/sagetty-sort-bench}
mkdir -p "$work"

echo "== building gencsv and view_driver"
"$cc" -O2 -o "$work/gencsv" "$src/bench/gencsv.c"
"$cc" -std=c11 -D_GNU_SOURCE -O2 -I "$src" -I "$build" -o "$work/view_driver" \
	"$src/bench/view_driver.c" "$build/libsgcore.a" -lcsv -lpthread -lm

csv=$work/bench.csv
if [ ! -f "$csv" ] || [ ! -f "$csv.$rows" ]; then  # the marker names the row count
	echo "== generating $rows rows"
	"$work/gencsv" "$rows" > "$csv"
	rm -f "$csv".[0-9]*
	: > "$csv.$rows"
fi
size=$(wc -c < "$csv")
echo "   $csv: $((size / 1000000)) MB"

# Best of three runs by total time: "work_seconds total_seconds peak_kb"
# (sagetty's own timings and /usr/bin/time's peak memory of that run).
ours() {
	best=
	for _ in 1 2 3; do
		out=$(/usr/bin/time -f "%M" "$work/view_driver" "$@" 2> "$work/time.err")
		total=$(echo "$out" | awk '{print $2}')
		secs=$(echo "$out" | awk '{print $3}')
		kb=$(tail -n 1 "$work/time.err")
		if [ -z "$best" ] || awk "BEGIN{exit !($total < $best)}"; then
			best=$total bsecs=$secs bkb=$kb
		fi
	done
	echo "$bsecs $best $bkb"
}

vd_run() {
	script=$work/$1.vdj
	/usr/bin/time -f "%e %M" vd -b -p "$script" > /dev/null 2> "$work/vd.err" || {
		echo "vd failed:" >&2; tail -n 5 "$work/vd.err" >&2; exit 1; }
	tail -n 1 "$work/vd.err"
}

sheet=$(basename "$csv" .csv)
open='{"longname": "open-file", "input": "'$csv'", "keystrokes": "o"}'
cat > "$work/vd_sort_num.vdj" <<VDJ
$open
{"sheet": "$sheet", "col": "score", "row": "", "longname": "type-float", "input": "", "keystrokes": "%"}
{"sheet": "$sheet", "col": "score", "row": "", "longname": "sort-asc", "input": "", "keystrokes": "["}
VDJ
cat > "$work/vd_sort_str.vdj" <<VDJ
$open
{"sheet": "$sheet", "col": "name", "row": "", "longname": "sort-asc", "input": "", "keystrokes": "["}
VDJ
cat > "$work/vd_filter.vdj" <<VDJ
$open
{"sheet": "$sheet", "col": "", "row": "", "longname": "select-expr", "input": "age != '' and int(age) > 30 and city == 'Seoul'", "keystrokes": "z|"}
{"sheet": "$sheet", "col": "", "row": "", "longname": "dup-selected", "input": "", "keystrokes": "\""}
VDJ

measure() {  # name, vd script, driver args...
	name=$1 script=$2
	shift 2
	set -- $(ours "$@")
	secs=$1 total=$2 kb=$3
	set -- $(vd_run "$script")
	printf '%-22s sagetty %6.3f s work, %6.3f s total, %4d MB   visidata %6.2f s, %4d MB   %5.1fx faster\n' \
		"$name" "$secs" "$total" "$((kb / 1024))" "$1" "$(($2 / 1024))" \
		"$(awk "BEGIN{print $1 / $total}")"
}

echo "== timing (sagetty: best of 3; work = after the index, total = from open; visidata: one run, load + work; ratio on totals)"
measure "sort by score (float)" vd_sort_num sort "$csv" score
measure "sort by name (string)" vd_sort_str sort "$csv" name
measure "filter age>30 & Seoul" vd_filter filter "$csv" 'age > 30 and city == "Seoul"'
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(vd --version 2>/dev/null | head -n 1)"

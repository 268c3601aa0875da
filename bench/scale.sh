#!/bin/sh
# scale.sh [-v] [TARGET [PATTERN]] — every parser's fuzz entry point on
# pathological inputs (bytes and short units repeated, a valid document
# repeated, deep nesting, a notebook of many cells, a 256 KiB JSON string,
# CSV field or line) at 16, 64 and 256 KiB, with the time ratios; "SUPER"
# marks a ratio well over the size ratio (see bench/scale.c).
#
# Builds bench/scale.c and the harnesses in tests/fuzz/ (their libFuzzer
# entry renamed away) against the built libsgcore.a and libsgtui.a, -O2
# without sanitizers.  Environment: BUILDDIR (where the libraries are;
# default: the source tree), BENCH_DIR (default /tmp/sagetty-scale-bench).
# Not part of `make check`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BUILDDIR:-$src}
work=${BENCH_DIR:-/tmp/sagetty-scale-bench}
cc=${CC:-cc}
mkdir -p "$work/obj"

for lib in libsgcore.a libsgtui.a; do
	if [ ! -f "$build/$lib" ]; then
		echo "scale: $build/$lib not found: run 'make libsgcore.a libsgtui.a' first (or set BUILDDIR)" >&2
		exit 2
	fi
done
pkgs="sqlite3 libgit2 jansson libcrypto openblas lapacke xgboost ncursesw"
# shellcheck disable=SC2086
cflags="-std=c11 -D_GNU_SOURCE -O2 -I $src -I $build -I $src/tests/fuzz $(pkg-config --cflags $pkgs 2>/dev/null || true)"
objects=
# compile OBJ SOURCE [FLAGS...] — one harness, its libFuzzer entry renamed so
# that all of them link into one program.
compile() {
	obj=$work/obj/$1.o; source=$2; shift 2
	# shellcheck disable=SC2086
	"$cc" $cflags -DSG_FUZZ_NO_MAIN -DLLVMFuzzerTestOneInput="sg_scale_entry_$(basename "$obj" .o)" \
		"$@" -c "$source" -o "$obj"
	objects="$objects $obj"
}
f=$src/tests/fuzz
compile targets "$f/fuzz_targets.c"
compile csv_target "$f/fuzz_csv_target.c"
for h in expr recipe metricline runquery rules ansi pysyntax markdown editor labelscheme \
	labeltext model nb kernel; do
	compile "$h" "$f/fuzz_$h.c"
done
# shellcheck disable=SC2086
"$cc" $cflags -o "$work/scale" "$here/scale.c" $objects "$build/libsgtui.a" "$build/libsgcore.a" \
	$(pkg-config --libs $pkgs 2>/dev/null || true) -lcsv -lm -pthread
cd "$work"
exec "$work/scale" "$@"

#!/bin/sh
# run.sh SRCDIR BUILDDIR SECONDS — build the libFuzzer harnesses for the
# theme, keymap and config parsers (and, below, recipes) with Debian's clang (ASan + UBSan) into
# BUILDDIR/fuzz/, then run each for SECONDS over a copy of its corpus in
# SRCDIR/tests/corpus/.  Exits non-zero when a harness fails to build or a
# run finds a crash (the reproducer is left in BUILDDIR/fuzz/).
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 SRCDIR BUILDDIR SECONDS" >&2
	exit 2
fi
src=$1
build=$2
seconds=$3
cc=${FUZZ_CC:-clang}
out=$build/fuzz

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi
mkdir -p "$out"

# The compiled-in defaults: make's builtin.c when there is one, else our own.
builtin=$build/builtin.c
if [ ! -f "$builtin" ]; then
	builtin=$out/builtin.c
	sh "$src/build-aux/embed.sh" \
		sg_builtin_theme "$src/themes/default.theme" \
		sg_builtin_keymap "$src/themes/default.keymap" > "$builtin"
fi

core="conf action theme keymap config error util"
sources=
for f in $core; do
	sources="$sources $src/core/$f.c"
done

status=0
for target in theme keymap config; do
	bin=$out/fuzz_$target
	echo "== fuzz_$target: building"
	# -D_GNU_SOURCE: core/util.c uses POSIX calls that -std=c11 hides.
	# shellcheck disable=SC2086
	"$cc" -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-DFUZZ_TARGET="$target" -I "$src" -I "$build" \
		"$src/tests/fuzz/fuzz_main.c" "$src/tests/fuzz/fuzz_targets.c" \
		$sources "$builtin" -o "$bin"

	# libFuzzer adds what it finds to the corpus folder: fuzz a copy so the
	# source tree only changes when someone copies new cases in on purpose.
	corpus=$out/corpus-$target
	rm -rf "$corpus"
	mkdir -p "$corpus"
	cp "$src/tests/corpus/$target"/* "$corpus"/ 2>/dev/null || true

	echo "== fuzz_$target: running for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$corpus" \
		> "$out/$target.log" 2>&1; then
		echo "== fuzz_$target: FAILED (see $out/$target.log)" >&2
		tail -n 40 "$out/$target.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^Done' "$out/$target.log" || true
	fi
done
# Harnesses with their own LLVMFuzzerTestOneInput over the CSV engine and
# jansson: fuzz_NAME.c, corpus tests/corpus/NAME/.
engine="csvfile colstats recipe error util"
engine_sources=
for f in $engine; do
	engine_sources="$engine_sources $src/core/$f.c"
done
for target in recipe; do
	bin=$out/fuzz_$target
	echo "== fuzz_$target: building"
	# shellcheck disable=SC2086
	"$cc" -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I "$src" -I "$build" "$src/tests/fuzz/fuzz_$target.c" $engine_sources \
		$(pkg-config --cflags --libs jansson) -lcsv -lpthread -lm -o "$bin"
	corpus=$out/corpus-$target
	rm -rf "$corpus"
	mkdir -p "$corpus"
	cp "$src/tests/corpus/$target"/* "$corpus"/ 2>/dev/null || true
	echo "== fuzz_$target: running for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$corpus" \
		> "$out/$target.log" 2>&1; then
		echo "== fuzz_$target: FAILED (see $out/$target.log)" >&2
		tail -n 40 "$out/$target.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^Done' "$out/$target.log" || true
	fi
done
exit $status

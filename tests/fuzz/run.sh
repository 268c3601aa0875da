#!/bin/sh
# run.sh SRCDIR BUILDDIR SECONDS — build the libFuzzer harnesses of every
# parser (themes, keymaps, config, CSV, filter expressions, recipes, metric
# lines, run queries, rules, model files, notebooks, kernel messages, Python
# and markdown text, label schemes, the Label view's text, nb run's YAML
# parameters) with Debian's clang
# (ASan + UBSan) into BUILDDIR/fuzz/, then run each over a copy of its corpus in
# SRCDIR/tests/corpus/NAME/: for SECONDS each, or, with FUZZ_RUNS=N in the
# environment, for N inputs from seed 1 (reproducible, for CI).  Exits
# non-zero when a harness fails to build or a run finds a crash (the
# reproducer is left in BUILDDIR/fuzz/).
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

# The core sources every harness links, compiled once with the sanitizers
# and libFuzzer's coverage hooks.
core="conf action theme keymap config error util regex csvfile colstats expr recipe metricline metricdef"
core="$core store schema run runquery runquery_where"
core="$core rules rules_spec"
core="$core ansi"
core="$core textbuf pysyntax mdtext"
core="$core labelscheme"
core="$core lex"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
flags="$flags $(pkg-config --cflags jansson sqlite3) -I $src -I $build"
objects=
mkdir -p "$out/obj"
for f in $core; do
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/core/$f.c" \
		-o "$out/obj/$f.o"
	objects="$objects $out/obj/$f.o"
done
# shellcheck disable=SC2086
"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$builtin" -o "$out/obj/builtin.o"
objects="$objects $out/obj/builtin.o"

# build NAME HARNESS-SOURCES... — one fuzzer binary.
build() {
	name=$1; shift
	echo "== fuzz_$name: building"
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer,address,undefined "$@" $objects \
		$(pkg-config --libs jansson sqlite3) -lcsv -lpthread -lm -o "$out/fuzz_$name"
}

# fuzz NAME — runs it over a copy of its corpus: libFuzzer adds what it
# finds to the corpus folder, and the source tree should only change when
# someone copies new cases in on purpose.
fuzz() {
	name=$1
	corpus=$out/corpus-$name
	rm -rf "$corpus"
	mkdir -p "$corpus"
	cp "$src/tests/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	# FUZZ_RUNS=N: a fixed number of inputs from a fixed seed instead of a
	# time budget, so a CI run gives the same verdict for the same commit.
	if [ -n "${FUZZ_RUNS:-}" ]; then
		budget="-runs=$FUZZ_RUNS -seed=1"
		echo "== fuzz_$name: $FUZZ_RUNS inputs from seed 1"
	else
		budget="-max_total_time=$seconds"
		echo "== fuzz_$name: running for ${seconds}s"
	fi
	# shellcheck disable=SC2086
	if ! "$out/fuzz_$name" $budget -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" "$corpus" \
		> "$out/$name.log" 2>&1; then
		echo "== fuzz_$name: FAILED (see $out/$name.log)" >&2
		tail -n 40 "$out/$name.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^Done' "$out/$name.log" || true
	fi
}

status=0
f=$src/tests/fuzz
for name in theme keymap config; do
	build "$name" -DFUZZ_TARGET="$name" "$f/fuzz_main.c" "$f/fuzz_targets.c"
	fuzz "$name"
done
build csv "$f/fuzz_csv.c" "$f/fuzz_csv_target.c"
fuzz csv
build expr "$f/fuzz_expr.c"
fuzz expr
build recipe "$f/fuzz_recipe.c"
fuzz recipe
build metricline "$f/fuzz_metricline.c"
fuzz metricline
build runquery "$f/fuzz_runquery.c"
fuzz runquery
build rules "$f/fuzz_rules.c"
fuzz rules
build ansi "$f/fuzz_ansi.c"
fuzz ansi
build pysyntax "$f/fuzz_pysyntax.c"
fuzz pysyntax
build markdown "$f/fuzz_markdown.c"
fuzz markdown
# The cell editor on key sessions: the widget and its memory surface.
for t in editor surface; do
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/tui/$t.c" -o "$out/obj/tui_$t.o"
done
build editor "$f/fuzz_editor.c" "$out/obj/tui_editor.o" "$out/obj/tui_surface.o"
fuzz editor
build labelscheme "$f/fuzz_labelscheme.c"
fuzz labelscheme
# The Label view's text model and filter line: tui/label_text.c and the
# surface it measures and draws with (the memory backend, no curses).
for t in label_text surface; do
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/tui/$t.c" \
		-o "$out/obj/tui_$t.o"
done
build labeltext "$f/fuzz_labeltext.c" "$out/obj/tui_label_text.o" "$out/obj/tui_surface.o"
fuzz labeltext
# Model folders and hyperparameters: the algorithm sources and their libraries.
algo_objects=
for a in algo algo_data algo_job algo_linear algo_kmeans algo_pca algo_knn algo_xgboost \
	dynlib blas_load xgb_load \
	algo_par lbfgs metrics_eval; do
	# shellcheck disable=SC2086
	"$cc" $flags $(pkg-config --cflags openblas lapacke xgboost) \
		-fsanitize=fuzzer-no-link,address,undefined -c "$src/core/$a.c" -o "$out/obj/$a.o"
	algo_objects="$algo_objects $out/obj/$a.o"
done
echo "== fuzz_model: building"
# shellcheck disable=SC2086
"$cc" $flags -fsanitize=fuzzer,address,undefined "$f/fuzz_model.c" $algo_objects $objects \
	$(pkg-config --libs jansson sqlite3 openblas lapacke xgboost) -lcsv -lpthread -lm \
	-o "$out/fuzz_model"
fuzz model
# Notebooks: the .ipynb and percent-format readers (with the writers, the
# diff and the merge their invariants exercise).
nb_objects=
for n in nbformat nbpercent nbdiff; do
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/core/$n.c" -o "$out/obj/$n.o"
	nb_objects="$nb_objects $out/obj/$n.o"
done
for name in ipynb percent; do
	# shellcheck disable=SC2086
	build "$name" -DFUZZ_NB="$name" "$f/fuzz_nb.c" $nb_objects
	fuzz "$name"
done
# Kernels: kernel.json and Jupyter wire messages (HMAC from libcrypto; output
# text from the notebook format).
kernel_objects=
for k in kernelspec kernel_wire; do
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/core/$k.c" -o "$out/obj/$k.o"
	kernel_objects="$kernel_objects $out/obj/$k.o"
done
for name in kernelspec kernelmsg; do
	echo "== fuzz_$name: building"
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer,address,undefined -DFUZZ_TARGET="$name" "$f/fuzz_kernel.c" \
		$kernel_objects $nb_objects $objects $(pkg-config --libs jansson sqlite3 libcrypto) -lcsv -lpthread -lm \
		-o "$out/fuzz_$name"
	fuzz "$name"
done
# The YAML parameters of nb run (libyaml), injected into a notebook.
# shellcheck disable=SC2086
"$cc" $flags -fsanitize=fuzzer-no-link,address,undefined -c "$src/core/nbparams.c" \
	-o "$out/obj/nbparams.o"
# (nbrun.c writes the Python literals; it links the kernel client.)
# (libzmq is opened on first use: zmq_load, over dynlib from the algorithms.)
for k in nbrun kernel zmq_load; do
	# shellcheck disable=SC2086
	"$cc" $flags $(pkg-config --cflags libzmq) -fsanitize=fuzzer-no-link,address,undefined \
		-c "$src/core/$k.c" -o "$out/obj/$k.o"
done
echo "== fuzz_nbparams: building"
# shellcheck disable=SC2086
"$cc" $flags -fsanitize=fuzzer,address,undefined -DFUZZ_NBPARAMS "$f/fuzz_nbparams.c" \
	"$out/obj/nbparams.o" "$out/obj/nbrun.o" "$out/obj/kernel.o" "$out/obj/zmq_load.o" \
	"$out/obj/dynlib.o" $kernel_objects $nb_objects \
	$objects $(pkg-config --libs jansson sqlite3 libcrypto yaml-0.1) -lcsv -lpthread -lm -ldl \
	-o "$out/fuzz_nbparams"
fuzz nbparams
exit $status

#!/bin/sh
# setup.sh — install what sagetty needs on Debian 12, build it, and then:
#
#   ./setup.sh            install packages, bootstrap autotools, configure and build in build/
#   ./setup.sh demo [DIR] … then open the workbench on a demo workspace (default ~/sagetty-demo)
#   ./setup.sh check      … then run the whole test suite (make check)
#   ./setup.sh sanitize   … build in build-san/ with ASan+UBSan and run the suite there
#   ./setup.sh distcheck  … then make distcheck
#
# The binary is build/sagetty.  Builds happen outside the source folder so the
# normal and the sanitizer builds can live side by side.
# Safe to re-run: packages already installed are skipped, and the build is
# incremental.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool autoconf-archive pkg-config git
  libncurses-dev libsqlite3-dev libgit2-dev libcsv-dev libcmocka-dev libjansson-dev libssl-dev
  libopenblas-dev liblapacke-dev libxgboost-dev python3-sklearn python3-xgboost python3-pandas
  sqlite3 tmux clang libclang-rt-14-dev python3-nbformat passwd
  libzmq3-dev python3-ipykernel python3-nbclient
  libyaml-dev"

say() { printf '==> %s\n' "$*"; }

install_packages() {
	missing=""
	for p in $PACKAGES; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$status" in *" installed") ;; *) missing="$missing $p" ;; esac
	done
	[ -z "$missing" ] && return 0
	say "installing Debian packages:$missing"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install:$missing" >&2; exit 1; }
		sudo="sudo"
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

jobs() { nproc 2>/dev/null || echo 2; }

bootstrap() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		say "bootstrapping autotools"
		autoreconf -fi
	fi
	if [ -f config.status ]; then
		echo "setup.sh: the source folder is configured in place; run 'make distclean' first" >&2
		exit 1
	fi
}

# build_in DIR CONFIGURE-OPTIONS... — configure (when needed) and build in DIR.
build_in() {
	dir=$1; shift
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
		say "configuring in $dir/"
		(cd "$dir" && ../configure "$@")
	fi
	say "building in $dir/"
	make -C "$dir" -j"$(jobs)"
}

# check_in DIR [ENV...] — the whole suite; the log of failures on error.
check_in() {
	dir=$1; shift
	env "$@" make -C "$dir" -j"$(jobs)" check || {
		tail -n 200 "$dir/test-suite.log" 2>/dev/null; exit 1; }
}

install_packages
mode=${1:-build}
[ $# -gt 0 ] && shift
bootstrap
case "$mode" in
build) build_in build --enable-werror ;;
demo)
	build_in build --enable-werror
	dir=${1:-"$HOME/sagetty-demo"}
	exec build/sagetty demo "$dir" ;;
check)
	build_in build --enable-werror
	check_in build ;;
sanitize)
	build_in build-san --enable-sanitizers --enable-werror
	check_in build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ;;
distcheck)
	build_in build --enable-werror
	make -C build -j"$(jobs)" distcheck ;;
*)
	echo "usage: ./setup.sh [build|demo [DIR]|check|sanitize|distcheck]" >&2
	exit 2 ;;
esac

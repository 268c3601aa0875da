#!/bin/sh
# setup.sh — install what sagetty needs on Debian 12, build it, and then:
#
#   ./setup.sh            install packages, bootstrap autotools, configure, build
#   ./setup.sh demo [DIR] … then open the workbench on a demo workspace (default ~/sagetty-demo)
#   ./setup.sh check      … then run the whole test suite (make check)
#   ./setup.sh sanitize   … build in build-san/ with ASan+UBSan and run the suite there
#   ./setup.sh distcheck  … then make distcheck
#
# Safe to re-run: packages already installed are skipped, and the build is
# incremental.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool autoconf-archive pkg-config git
  libncurses-dev libsqlite3-dev libgit2-dev libcsv-dev libcmocka-dev libjansson-dev libssl-dev
  sqlite3 tmux clang libclang-rt-14-dev python3-nbformat passwd"

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

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		say "bootstrapping autotools"
		autoreconf -fi
	fi
	if [ ! -f Makefile ] || [ configure -nt config.status ]; then
		say "configuring"
		./configure --enable-werror
	fi
	say "building"
	make -j"$(jobs)"
}

sanitize() {
	mkdir -p build-san
	cd build-san
	if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
		../configure --enable-sanitizers --enable-werror
	fi
	make -j"$(jobs)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -j"$(jobs)" check || { cat test-suite.log 2>/dev/null | tail -200; exit 1; }
}

install_packages
mode=${1:-build}
[ $# -gt 0 ] && shift
case "$mode" in
build) build ;;
demo)
	build
	dir=${1:-"$HOME/sagetty-demo"}
	exec ./sagetty demo "$dir" ;;
check)
	build
	make -j"$(jobs)" check || { cat test-suite.log 2>/dev/null | tail -200; exit 1; } ;;
sanitize)
	[ -x configure ] || build
	sanitize ;;
distcheck)
	build
	make -j"$(jobs)" distcheck ;;
*)
	echo "usage: ./setup.sh [build|demo [DIR]|check|sanitize|distcheck]" >&2
	exit 2 ;;
esac

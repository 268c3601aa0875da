# lib.sh — shared by the end-to-end tests (sourced; POSIX sh).
# The harness exports SAGETTY (the built binary) and SG_TOP_SRCDIR.
set -u
: "${SAGETTY:?run through make check}"
: "${SG_TOP_SRCDIR:?run through make check}"
# Out-of-tree builds give "build/.."; tests compare paths, so resolve it.
SG_TOP_SRCDIR=$(cd "$SG_TOP_SRCDIR" && pwd -P)
TEST_NAME=$(basename "$0" .test)
T=$(mktemp -d "${TMPDIR:-/tmp}/sagetty-$TEST_NAME-XXXXXX")
chmod 0755 "$T"
CLEANUPS=""
cleanup() {
	for c in $CLEANUPS; do "$c" || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
# Keep the user's own config and themes out of the tests.
HOME="$T/home"; mkdir -p "$HOME"; export HOME
unset SAGETTY_THEMES NO_COLOR || true

FAILS=0
fail() {
	echo "FAIL: $*" >&2; FAILS=$((FAILS + 1))
	fail_screens >&2
}
# fail_screens — in a test driving tmux (its server on socket $SOCK), what
# each window shows, so a failed check says what it saw.
fail_screens() {
	[ -n "${SOCK:-}" ] && command -v tmux >/dev/null || return 0
	tmux -L "$SOCK" list-panes -a -F '#{session_name}:#{window_index}.#{pane_index} #{window_name}' \
		2>/dev/null | while read -r target name; do
		case "$target" in keep:*) continue ;; esac
		echo "--- screen of $target ($name) at the failure:"
		tmux -L "$SOCK" capture-pane -p -t "$target" 2>/dev/null
	done
}
pass() { echo "ok: $*"; }
# check DESCRIPTION COMMAND... — passes when the command succeeds.
check() { desc=$1; shift; if "$@"; then pass "$desc"; else fail "$desc"; fi; }
# expect_status N DESCRIPTION COMMAND... — runs the command, stdout/stderr to
# $T/out and $T/err, and checks the exit status.
expect_status() {
	want=$1; desc=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" -eq "$want" ]; then pass "$desc (exit $got)"
	else fail "$desc: exit $got, wanted $want; stderr: $(head -c 500 "$T/err")"; fi
}
# wait_until SECONDS COMMAND... — runs COMMAND every 0.1 s until it
# succeeds (0) or SECONDS pass (1): for a condition only the awaited state
# makes true, never a fixed sleep.
wait_until() {
	wu_n=$(($1 * 10)); shift
	wu_i=0
	while [ $wu_i -lt $wu_n ]; do
		"$@" && return 0
		sleep 0.1; wu_i=$((wu_i + 1))
	done
	"$@"
}
# contains FILE TEXT — fixed-string match.
contains() { grep -qF -- "$2" "$1"; }
finish() {
	if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi
	exit 0
}

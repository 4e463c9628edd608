# lib.sh - what the tmux tests share (sourced by tests/e2e/*.t.sh): a private
# tmux server, a temporary directory, ok/not ok lines, polling waits with
# deadlines (never a blind sleep), and starting the binary at a fixed size.
# Sets BIN, SOCK, TMP, failed; removes everything on exit.

BIN=${SNAPSCOPE_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/snapscope}
SOCK=snapscope-test-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/snapscope-e2e-XXXXXX")
STORE=$TMP/store.db
failed=0

tm() { tmux -u -L "$SOCK" "$@"; }
cleanup() {
	tm kill-server >/dev/null 2>&1
	# A server that exits on its own can leave its socket file behind.
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=$((failed + 1))
	if [ -n "${2:-}" ]; then
		# The screen as it was, for whoever reads the failure.
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

screen() { tm capture-pane -p -t "$1" 2>/dev/null; }
now_ms() { date +%s%3N; }

# wait_for TARGET TEXT [SECONDS]: poll until TEXT (fixed string) is on screen.
wait_for() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		screen "$1" | grep -qF -- "$2" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_re TARGET REGEX [SECONDS]: poll until a line matches REGEX (ERE).
wait_re() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		screen "$1" | grep -qE -- "$2" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_gone TARGET TEXT [SECONDS]: poll until TEXT is no longer on screen.
wait_gone() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		screen "$1" | grep -qF -- "$2" || return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_file PATH [SECONDS]: poll until PATH exists.
wait_file() {
	local deadline=$(($(now_ms) + ${2:-5} * 1000))
	while [ ! -s "$1" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# expect NAME TARGET TEXT: ok when TEXT shows up in time.
expect() {
	if wait_for "$2" "$3"; then ok "$1"; else not_ok "$1" "$(screen "$2")"; fi
}

# expect_re NAME TARGET REGEX: ok when a line matching REGEX shows up in time.
expect_re() {
	if wait_re "$2" "$3"; then ok "$1"; else not_ok "$1" "$(screen "$2")"; fi
}

# start TARGET COLS ROWS ARGS...: run the binary in a new detached session;
# its exit status lands in $TMP/TARGET.exit.
start() {
	local target=$1 cols=$2 rows=$3
	shift 3
	local cmd
	cmd=$(printf '%q ' "$BIN" "$@")
	cmd="$cmd; echo EXIT=\$? > $(printf '%q' "$TMP/$target.exit")"
	tm new-session -d -s "$target" -x "$cols" -y "$rows" \
		env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 ${EXTRA_ENV:-} bash -c "$cmd"
}

alive() { [ ! -e "$TMP/$1.exit" ] && tm has-session -t "$1" 2>/dev/null; }

# quit TARGET NAME: press q and expect exit status 0.
quit() {
	tm send-keys -t "$1" q
	if wait_file "$TMP/$1.exit" && grep -qx 'EXIT=0' "$TMP/$1.exit"; then
		ok "$2"
	else
		not_ok "$2" "$(cat "$TMP/$1.exit" 2>/dev/null || echo 'still running')"
	fi
}

# require_tools: tmux and the binary, or stop with "not ok".
require_tools() {
	if ! command -v tmux >/dev/null 2>&1; then
		not_ok "tmux is installed (make deps installs it)"
		exit 1
	fi
	if [ ! -x "$BIN" ]; then
		not_ok "snapscope binary at $BIN"
		exit 1
	fi

}

# start_server: one server for the whole script, kept alive between
# browsers (without exit-empty off it quits with its last session and the
# next new-session can race its exit).
start_server() { tm start-server \; set -g exit-empty off; }

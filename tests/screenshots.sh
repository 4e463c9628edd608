#!/usr/bin/env bash
# screenshots.sh - real PNG screenshots of the browser for the README
# (`make screenshots`): xterm on a virtual X server (Xvfb) runs snapscope
# on a deterministic demo store, xdotool types the keys, ImageMagick's
# `import` photographs the xterm window into screenshots/.
#
#   tests/screenshots.sh [NAME...]     all shots, or only the ones named
#
# Environment: SNAPSCOPE_BIN (default build/snapscope), SCREENSHOTS_DIR
# (default screenshots/), SNAPSCOPE_THEMES (default the repository's themes/).
#
# Each shot gets a fresh xterm, so that one view failing cannot spoil the
# next.  Nothing is timed blindly: the script waits for the X server's
# socket, for the window to be mapped, and for the picture to settle (two
# identical captures in a row); every wait has a deadline.  A shot whose
# keys do not change the picture (the view does not exist yet) is reported
# and not written, rather than saving a photo of the wrong screen.  Exit
# status: 0 when every shot asked for was written, 1 otherwise.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SNAPSCOPE_BIN:-$ROOT/build/snapscope}
OUT=${SCREENSHOTS_DIR:-$ROOT/screenshots}
export SNAPSCOPE_THEMES=${SNAPSCOPE_THEMES:-$ROOT/themes}

COLS=120
ROWS=36
FONT='DejaVu Sans Mono'
FONT_SIZE=11
# The demo's clock, so that the times in the pictures do not change from
# one run to the next (used when `demo` offers --end).
DEMO_END=2026-11-25T14:00:00Z

PACKAGES="xvfb xterm imagemagick xdotool x11-utils fonts-dejavu-core"

log() { echo "screenshots: $*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { date +%s%3N; }

# ---- packages ------------------------------------------------------------------

have_all() {
	command -v Xvfb >/dev/null && command -v xterm >/dev/null &&
		command -v import >/dev/null && command -v convert >/dev/null &&
		command -v xdotool >/dev/null && command -v xwininfo >/dev/null &&
		fc-list 2>/dev/null | grep -qi 'DejaVu Sans Mono'
}

if ! have_all; then
	# As the Makefile's deps step: install as root, otherwise say how.
	if [ "$(id -u)" = 0 ]; then
		log "installing $PACKAGES"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $PACKAGES >/dev/null; } || die "apt-get failed"
		have_all || die "still missing a tool or the DejaVu Sans Mono font after installing"
	else
		die "missing tools; run as root:  apt-get install -y $PACKAGES"
	fi
fi
[ -x "$BIN" ] || die "no snapscope binary at $BIN (make build/snapscope)"
# Absolute: the browser runs from the store's directory (below).
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ---- clean-up --------------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snapscope-shots-XXXXXX")
XVFB_PID=
XTERM_PID=
cleanup() {
	[ -n "$XTERM_PID" ] && kill "$XTERM_PID" 2>/dev/null
	if [ -n "$XVFB_PID" ]; then
		kill "$XVFB_PID" 2>/dev/null
		wait "$XVFB_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the X server ------------------------------------------------------------------

# The first display number with neither a lock file nor a socket; a race
# with another server starting at the same moment shows as Xvfb dying, and
# the next number is tried.
start_xvfb() {
	local n
	for n in $(seq 90 189); do
		[ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
		Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp -noreset >"$TMP/xvfb.log" 2>&1 &
		XVFB_PID=$!
		local deadline=$(($(now_ms) + 10000))
		while [ "$(now_ms)" -lt "$deadline" ]; do
			if ! kill -0 "$XVFB_PID" 2>/dev/null; then
				break
			fi
			if [ -S "/tmp/.X11-unix/X$n" ] && xwininfo -display ":$n" -root >/dev/null 2>&1; then
				export DISPLAY=":$n"
				return 0
			fi
			sleep 0.1
		done
		kill "$XVFB_PID" 2>/dev/null
		wait "$XVFB_PID" 2>/dev/null
		XVFB_PID=
	done
	return 1
}
start_xvfb || die "could not start Xvfb ($(tail -3 "$TMP/xvfb.log" 2>/dev/null))"
log "Xvfb on $DISPLAY"

# ---- the demo store -----------------------------------------------------------------

# The browser shows the store's path as it was given; run from its
# directory and name it relatively, so the pictures do not show a random
# temporary directory.
STORE=demo.db
demo_args=(--steps 120 --seed 1)
if "$BIN" demo --help 2>&1 | grep -q -- '--end'; then
	demo_args+=(--end "$DEMO_END")
else
	log "note: demo has no --end yet; the times shown are today's"
fi
(cd "$TMP" && "$BIN" --store "$STORE" demo "${demo_args[@]}") >/dev/null 2>"$TMP/demo.err" ||
	die "demo failed: $(cat "$TMP/demo.err")"

# For the watch shot: a "service" whose state is the demo's newest plus one
# deploy marker, down for a moment first (capture errors, shown as
# !N on the snapshot that followed them), then polled while it stays the
# same, so the screen is steady with the live indicator on.
newest=$(cd "$TMP" && "$BIN" --store "$STORE" list demo --reverse --limit 1 | awk 'NR == 2 { print $1 }')
(cd "$TMP" && "$BIN" --store "$STORE" show "$newest" --compact | sed 's/^{/{"deploy":"v2.4",/' > live.json)
cat > "$TMP/live.sh" <<'EOF2'
#!/bin/sh
[ -e down ] && { echo "curl: (7) Failed to connect to localhost port 8080" >&2; exit 7; }
cat live.json
EOF2
chmod +x "$TMP/live.sh"
(cd "$TMP" && touch down && { "$BIN" --store "$STORE" watch demo --every 100ms --headless -- ./live.sh 2>/dev/null &
	pid=$!; sleep 0.6; rm -f down; sleep 0.6; kill -TERM "$pid"; wait "$pid"; })

# ---- one xterm ---------------------------------------------------------------------------

WID=

# open_xterm COLOURS ARGS...: xterm running `snapscope ARGS...`; COLOURS is
# "dark" or "light" (the terminal's own background).  Sets WID.
open_xterm() {
	local scheme=$1
	shift
	local fg=grey85 bg='#1c1c1c'
	if [ "$scheme" = light ]; then
		fg=black
		bg=white
	fi
	WID=
	# -class: a name of our own to find the window by; utf8 and a fixed
	# TrueType font so that box drawing and ellipses look right; no
	# blinking cursor to make two captures differ; bold text in bold
	# type, not in xterm's brighter colour (bold black on cyan would turn
	# grey, as it does not in most terminals of today).
	(cd "$TMP" && exec xterm -class SnapscopeShot -title snapscope -geometry "${COLS}x${ROWS}+0+0" \
		-u8 -fa "$FONT" -fs "$FONT_SIZE" -fg "$fg" -bg "$bg" -bw 0 -b 4 \
		-xrm '*cursorBlink: false' -xrm '*scrollBar: false' \
		-xrm '*boldColors: false' \
		-e env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		SNAPSCOPE_THEMES="$SNAPSCOPE_THEMES" "$BIN" --store "$STORE" "$@") \
		>"$TMP/xterm.log" 2>&1 &
	XTERM_PID=$!
	local deadline=$(($(now_ms) + 10000))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		kill -0 "$XTERM_PID" 2>/dev/null || break
		WID=$(xdotool search --onlyvisible --class SnapscopeShot 2>/dev/null | head -1)
		[ -n "$WID" ] && break
		sleep 0.1
	done
	if [ -z "$WID" ]; then
		log "xterm did not open a window: $(tail -3 "$TMP/xterm.log")"
		return 1
	fi
	# No window manager: keyboard focus goes where we put it (xdotool
	# types through XTEST to the focused window; xterm ignores the
	# synthetic events `xdotool key --window` would send).
	xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
	xdotool mousemove --window "$WID" 20 20
	return 0
}

close_xterm() {
	[ -n "$XTERM_PID" ] || return 0
	if kill -0 "$XTERM_PID" 2>/dev/null; then
		xdotool key --clearmodifiers q 2>/dev/null
		local deadline=$(($(now_ms) + 3000))
		while kill -0 "$XTERM_PID" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
			sleep 0.05
		done
		kill "$XTERM_PID" 2>/dev/null
	fi
	wait "$XTERM_PID" 2>/dev/null
	XTERM_PID=
	WID=
}

# A fingerprint of the window's pixels.
pixels() { import -window "$WID" rgb:- 2>/dev/null | md5sum | cut -d' ' -f1; }

# settle: wait until two captures 150 ms apart are identical and the window
# is not one flat colour; prints the fingerprint.
settle() {
	local deadline=$(($(now_ms) + 10000)) last="" cur colours
	while [ "$(now_ms)" -lt "$deadline" ]; do
		sleep 0.15
		cur=$(pixels)
		if [ -n "$cur" ] && [ "$cur" = "$last" ]; then
			colours=$(import -window "$WID" -format '%k' info:- 2>/dev/null)
			if [ "${colours:-0}" -gt 2 ]; then
				echo "$cur"
				return 0
			fi
		fi
		last=$cur
	done
	return 1
}

# keys KEY...: xdotool key names ("m", "k", "question", "Tab", "Return");
# one at a time, each given a moment to be read.
keys() {
	local k
	for k in "$@"; do
		xdotool key --clearmodifiers "$k"
		sleep 0.08
	done
}

# type_text TEXT: a string typed as is.
type_text() { xdotool type --clearmodifiers --delay 30 "$1"; }

# snap FILE: the window into FILE, without the timestamps ImageMagick
# would otherwise write into it (so that an unchanged screen gives an
# unchanged file).
snap() {
	import -window "$WID" -strip -define png:exclude-chunks=date,time "png:$1.tmp" 2>"$TMP/import.err" &&
		mv "$1.tmp" "$1"
}

# ---- the shots -----------------------------------------------------------------------------

made=()
missing=()

# shot NAME SCHEME "ARGS" "SETUP-KEYS" "VIEW-KEYS": open the browser with
# ARGS, press SETUP-KEYS (to get somewhere), then VIEW-KEYS (to open the
# view the shot is of) — which must change the picture — and save it.
# Keys are words for keys(); a word "text:..." is typed as a string.
press() {
	local w
	for w in $1; do
		case $w in
		text:*) type_text "${w#text:}" ;;
		*) keys "$w" ;;
		esac
	done
}

shot() {
	local name=$1 scheme=$2 args=$3 setup=$4 view=$5
	local file="$OUT/$name.png"
	# shellcheck disable=SC2086 # ARGS is a word list on purpose
	if ! open_xterm "$scheme" $args; then
		missing+=("$name (xterm)")
		return
	fi
	local before after
	if ! before=$(settle); then
		log "$name: the browser did not draw a steady screen"
		missing+=("$name (no steady screen)")
		close_xterm
		return
	fi
	press "$setup"
	if [ -n "$view" ]; then
		before=$(settle) || before=""
		press "$view"
	fi
	if ! after=$(settle); then
		missing+=("$name (no steady screen after the keys)")
	elif [ -n "$view" ] && [ "$after" = "$before" ]; then
		log "$name: '$view' changed nothing on screen; the view is not there yet"
		missing+=("$name (keys '$view' do nothing yet)")
	elif ! kill -0 "$XTERM_PID" 2>/dev/null; then
		missing+=("$name (the browser exited)")
	elif snap "$file"; then
		made+=("$file")
		log "wrote $file"
	else
		missing+=("$name (import: $(cat "$TMP/import.err"))")
	fi
	close_xterm
}

mkdir -p "$OUT" || die "cannot create $OUT"

WANTED=" $* "
run_shot() {
	if [ "$#" -gt 0 ] && { [ "$WANTED" = "  " ] || [[ "$WANTED" == *" $1 "* ]]; }; then
		shot "$@"
	fi
}

# The timeline a few snapshots back from the newest, the state beside it
# with its tree expanded (E), the focus back on the timeline.
run_shot timeline-detail dark "browse demo" "k k k k k Tab E Tab" ""
# Mark one snapshot, move four back, diff them side by side.
run_shot diff dark "browse demo" "k k m k k k k" "d"
# The history of one numeric value, found with / in the state pane.
run_shot history dark "browse demo" "Tab slash text:tokens_used Return" "H"
# The help overlay, from the action table.
run_shot help dark "browse demo" "" "question"
# watch: the same service polled live, the indicator on the title row.
run_shot watch dark "watch demo --every 5s -- ./live.sh" "" ""
# The light theme on a light terminal, the state pane in focus, its tree
# expanded and the cursor on a value.
run_shot light-theme light "--theme light browse demo" "k k k Tab E j j j" ""

echo
echo "screenshots written (${#made[@]}):"
for f in "${made[@]}"; do echo "  $f"; done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "screenshots not made (${#missing[@]}):"
	for m in "${missing[@]}"; do echo "  $m"; done
	exit 1
fi
exit 0

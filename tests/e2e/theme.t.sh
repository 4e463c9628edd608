#!/usr/bin/env bash
# theme.t.sh - colour themes in a real terminal: tmux runs the browser with
# --theme, $SNAPSCOPE_THEME, a bad theme, NO_COLOR, and `T` cycling; the
# colours come back as SGR sequences from `capture-pane -e`.  Every wait
# polls the screen with a deadline, never a blind sleep.  Prints
# "ok - NAME" / "not ok - NAME" (and "# SKIP ..." for what the browser does
# not offer yet); exits 1 when anything failed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The repository's themes, wherever the binary and the current directory are.
export SNAPSCOPE_THEMES=${SNAPSCOPE_THEMES:-$ROOT/themes}
. "$ROOT/tests/e2e/lib.sh"

skip() { echo "# SKIP $1"; }

# The screen with its attributes and colours as SGR sequences.
screen_sgr() { tm capture-pane -p -e -t "$1" 2>/dev/null; }

# An SGR sequence that sets a foreground or background colour: 30-37, 38;...,
# 40-47, 48;..., 90-97, 100-107 anywhere in its parameter list.
COLOR_SGR=$'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m'

# wait_sgr TARGET TEXT [SECONDS]: poll until the raw screen holds TEXT.
wait_sgr() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		screen_sgr "$1" | grep -qF -- "$2" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# wait_status TARGET TEXT [SECONDS]: poll until the bottom line holds TEXT.
wait_status() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		screen "$1" | tail -n 1 | grep -qF -- "$2" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

expect_status() {
	if wait_status "$2" "$3"; then ok "$1"; else not_ok "$1" "$(screen "$2")"; fi
}

# start_themed TARGET ARGS...: run the binary at 100x30 in a new detached session,
# stderr to $TMP/TARGET.err, exit status to $TMP/TARGET.exit.
start_themed() {
	local target=$1
	shift
	local cmd
	cmd=$(printf '%q ' "$BIN" "$@")
	cmd="$cmd 2>$(printf '%q' "$TMP/$target.err"); echo EXIT=\$? > $(printf '%q' "$TMP/$target.exit")"
	tm new-session -d -s "$target" -x 100 -y 30 \
		env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 SNAPSCOPE_THEMES="$SNAPSCOPE_THEMES" \
		${EXTRA_ENV:-} bash -c "$cmd"
}

# refused TARGET NAME TEXT: the browser exits with status 2, saying TEXT.
refused() {
	if ! wait_file "$TMP/$1.exit"; then
		not_ok "$2" "still running: $(screen "$1")"
	elif ! grep -qx 'EXIT=2' "$TMP/$1.exit"; then
		not_ok "$2" "$(cat "$TMP/$1.exit") $(cat "$TMP/$1.err")"
	elif ! grep -qF -- "$3" "$TMP/$1.err"; then
		not_ok "$2" "stderr: $(cat "$TMP/$1.err")"
	else
		ok "$2"
	fi
}

if ! command -v tmux >/dev/null 2>&1; then
	not_ok "tmux is installed (make deps installs it)"
	exit 1
fi
if [ ! -x "$BIN" ]; then
	not_ok "snapscope binary at $BIN"
	exit 1
fi

# The browser picks up themes once tui/ calls theme_init(); until then
# these checks would test nothing but the absence of the feature.
if ! grep -q 'theme_init(' $(ls "$ROOT"/tui/*.c | grep -v '/theme\.c$'); then
	skip "themes: the browser does not call theme_init() yet"
	exit 0
fi

# exit-empty off: the server outlives its sessions (no race with the next
# new-session); remain-on-exit: a pane keeps what the browser left on the
# terminal after it exits, so a refusal can be checked for a clean screen.
tm start-server \; set -g exit-empty off \; set -g remain-on-exit on

if "$BIN" --store "$STORE" demo --steps 20 >/dev/null 2>"$TMP/demo.err"; then
	ok "demo fills a store"
else
	not_ok "demo fills a store" "$(cat "$TMP/demo.err")"
	exit 1
fi

# ---- a shipped theme by name ------------------------------------------------

# light.theme's title bar is colour 231 on 25: tmux reports it as 48;5;25.
start_themed light --store "$STORE" --theme light browse demo
expect "--theme light: the browser opens" light "seq 20 (20/20)"
if wait_sgr light '48;5;25'; then
	ok "--theme light: its colours are on screen"
else
	not_ok "--theme light: its colours are on screen" "$(screen_sgr light | cat -v | head -3)"
fi
quit light "q quits the light-themed browser with status 0"

EXTRA_ENV=SNAPSCOPE_THEME=light start_themed envtheme --store "$STORE" browse demo
expect "\$SNAPSCOPE_THEME=light: the browser opens" envtheme "seq 20 (20/20)"
if wait_sgr envtheme '48;5;25'; then
	ok "\$SNAPSCOPE_THEME chooses the theme too"
else
	not_ok "\$SNAPSCOPE_THEME chooses the theme too" "$(screen_sgr envtheme | cat -v | head -3)"
fi
quit envtheme "q quits with status 0 (\$SNAPSCOPE_THEME)"

# ---- a theme file by path -----------------------------------------------------

printf '# only the title\ncolor title 201 default bold\n' >"$TMP/pink.theme"
start_themed path --store "$STORE" --theme "$TMP/pink.theme" browse demo
expect "--theme PATH: the browser opens" path "seq 20 (20/20)"
if wait_sgr path '38;5;201'; then
	ok "--theme PATH: the file's colour is on screen"
else
	not_ok "--theme PATH: the file's colour is on screen" "$(screen_sgr path | cat -v | head -3)"
fi
quit path "q quits with status 0 (theme path)"

# ---- refusals ------------------------------------------------------------------

start_themed nosuch --store "$STORE" --theme nosuch browse demo
refused nosuch "--theme nosuch: exit 2 naming the theme" "unknown theme 'nosuch'"

printf '# a theme\ncolor title black cyan\n\ncolor mark purpel default bold\n' >"$TMP/bad.theme"
start_themed bad --store "$STORE" --theme "$TMP/bad.theme" browse demo
refused bad "a bad line: exit 2 naming file and line" "$TMP/bad.theme:4: unknown colour 'purpel'"
if [ "$(wc -l <"$TMP/bad.err")" -eq 1 ]; then
	ok "a bad theme: one line on stderr"
else
	not_ok "a bad theme: one line on stderr" "$(cat "$TMP/bad.err")"
fi

# A refused theme leaves the terminal as it was: the shell's screen, not
# the browser's, in the pane.
if screen bad | grep -qF "seq 20"; then
	not_ok "a refused theme does not leave the browser on screen" "$(screen bad)"
else
	ok "a refused theme does not leave the browser on screen"
fi

# ---- NO_COLOR ----------------------------------------------------------------------

EXTRA_ENV=NO_COLOR=1 start_themed mono --store "$STORE" --theme high-contrast browse demo
expect "NO_COLOR with --theme high-contrast: the browser opens" mono "seq 20 (20/20)"
raw=$(screen_sgr mono)
if printf '%s' "$raw" | grep -qE "$COLOR_SGR"; then
	not_ok "NO_COLOR wins over the theme: no colour SGR" "$(printf '%s' "$raw" | cat -v | head -5)"
elif ! printf '%s' "$raw" | grep -qF $'\e['; then
	# Attributes only, but attributes still: the title is reverse video.
	not_ok "NO_COLOR still shows attributes" "$(printf '%s' "$raw" | cat -v | head -5)"
else
	ok "NO_COLOR wins over the theme: attributes, no colour SGR"
fi
quit mono "q quits the NO_COLOR browser with status 0"

# ---- T cycles live ----------------------------------------------------------------

if ! grep -q 'theme_next(' $(ls "$ROOT"/tui/*.c | grep -v '/theme\.c$'); then
	skip "T cycles themes: the browser does not call theme_next() yet"
	exit $((failed > 0))
fi

start_themed cycle --store "$STORE" browse demo
expect "default theme: the browser opens" cycle "seq 20 (20/20)"
if screen cycle | grep -qF "high-contrast"; then
	not_ok "no theme name on screen before T" "$(screen cycle)"
fi
tm send-keys -t cycle T
expect_status "T: the status line names light" cycle "theme: light"
if wait_sgr cycle '48;5;25'; then
	ok "T: light's colours replace the default ones"
else
	not_ok "T: light's colours replace the default ones" "$(screen_sgr cycle | cat -v | head -3)"
fi
tm send-keys -t cycle T
expect_status "T again: the status line names high-contrast" cycle "theme: high-contrast"
tm send-keys -t cycle T
expect_status "T again: the status line names mono" cycle "theme: mono"
# mono.theme has no colour at all; give the redraw a moment to land first.
deadline=$(($(now_ms) + 5000))
while screen_sgr cycle | grep -qE "$COLOR_SGR" && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.05
done
if screen_sgr cycle | grep -qE "$COLOR_SGR"; then
	not_ok "T to mono: no colour left on screen" "$(screen_sgr cycle | cat -v | head -5)"
else
	ok "T to mono: no colour left on screen"
fi
tm send-keys -t cycle T
expect_status "T again: back to default" cycle "theme: default"
# The default theme's colours are back, light's are gone.
deadline=$(($(now_ms) + 5000))
while :; do
	raw=$(screen_sgr cycle)
	if printf '%s' "$raw" | grep -qE "$COLOR_SGR" && ! printf '%s' "$raw" | grep -qF '48;5;25'; then
		ok "T to default: the default colours are back"
		break
	fi
	if [ "$(now_ms)" -ge "$deadline" ]; then
		not_ok "T to default: the default colours are back" "$(printf '%s' "$raw" | cat -v | head -5)"
		break
	fi
	sleep 0.05
done
if alive cycle; then ok "cycling keeps the browser running"; else not_ok "cycling keeps the browser running"; fi
quit cycle "q quits after cycling with status 0"

exit $((failed > 0))

#!/usr/bin/env bash
# tree.t.sh - the detail pane's folding JSON tree in a real terminal: tmux
# runs `snapscope browse`, keys go in with send-keys, the screen comes back
# with capture-pane.  Space, h/l, E/C fold and unfold; `/` searches and n/N
# step through the matches; the focused node's path is on the status line;
# the fold state follows the selection through the timeline; untrusted text
# shows escaped; a large state opens and pages; resizing does not crash.
# Every wait polls the screen with a deadline, never a blind sleep.
# Prints "ok - NAME" / "not ok - NAME"; exits 1 when anything failed.
set -u
. "$(dirname "$0")/lib.sh"
SOCK=snapscope-tree-$$ # a server of its own (cleanup reads SOCK at exit)
require_tools
start_server

status_line() { screen "$1" | tail -n 1; }

# wait_status TARGET TEXT [SECONDS]: poll until the status line (the last
# row) holds TEXT followed by a blank: a path, not the start of a longer one.
wait_status() {
	local deadline=$(($(now_ms) + ${3:-5} * 1000))
	while :; do
		status_line "$1" | grep -qF -- "$2 " && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# expect_slow NAME TARGET TEXT SECONDS: expect with a longer deadline.
expect_slow() {
	if wait_for "$2" "$3" "$4"; then ok "$1"; else not_ok "$1" "$(screen "$2")"; fi
}
expect_gone() {
	if wait_gone "$2" "$3"; then ok "$1"; else not_ok "$1" "$(screen "$2")"; fi
}
expect_status() {
	if wait_status "$2" "$3"; then ok "$1"; else not_ok "$1" "$(status_line "$2")"; fi
}

# ---- the store -----------------------------------------------------------------

if ! "$BIN" --store "$STORE" demo --steps 30 >/dev/null 2>"$TMP/demo.err"; then
	not_ok "demo fills a store" "$(cat "$TMP/demo.err")"
	exit 1
fi
# Two states of one session with the same paths and other values, the
# second with an escape sequence in a string.
cap() { printf '%s' "$2" | "$BIN" --store "$STORE" capture "$1" - >/dev/null 2>>"$TMP/cap.err"; }
cap tree '{"alpha": {"beta": {"gamma": "first value"}}, "list": [10, 20, 30], "zeta": "last"}' &&
cap tree '{"alpha": {"beta": {"gamma": "deep value"}}, "list": [10, 20, 30], "note": "\u001b[31mred", "zeta": "last"}' ||
	not_ok "capture the tree states" "$(cat "$TMP/cap.err")"

# ---- folding ---------------------------------------------------------------------

start t 120 40 --store "$STORE" browse tree
expect "the newest state shows as a tree, top level open" t '"alpha": {…}'
tm send-keys -t t Tab
expect_status "Tab focuses the tree: the root's path on the status line" t " ."
tm send-keys -t t j
expect_status "j moves the focus: its path on the status line" t ".alpha"
tm send-keys -t t Space
expect "Space opens the focused object" t '"beta": {…}'
tm send-keys -t t j l
expect "l opens the focused object" t '"gamma": "deep value"'
expect_status "the path follows the focus down" t ".alpha.beta"
tm send-keys -t t h
expect "h closes the focused object" t '"beta": {…}'
tm send-keys -t t h
expect_status "h on a closed node goes to its parent" t ".alpha"
tm send-keys -t t Space
expect "Space closes the focused object again" t '"alpha": {…}'

tm send-keys -t t E
expect "E expands everything" t '"gamma": "deep value"'
expect "E opens arrays too" t '10,'
tm send-keys -t t C
expect_gone "C collapses everything" t '"gamma": "deep value"'
expect "C leaves the top level open" t '"list": […], 3 items'

# ---- search ------------------------------------------------------------------------

tm send-keys -t t / g a m m a Enter
expect_status "/ finds a key inside closed objects" t ".alpha.beta.gamma"
expect "the match's ancestors are opened" t '"gamma": "deep value"'
tm send-keys -t t C g / 0 Enter
expect_status "/ finds a number" t ".list[0]"
tm send-keys -t t n
expect_status "n goes to the next match" t ".list[1]"
tm send-keys -t t n n
expect_status "n wraps around to the first match" t ".list[0]"
tm send-keys -t t N
expect_status "N goes to the previous match, wrapping" t ".list[2]"
tm send-keys -t t / n o w h e r e Enter
expect "a search without a match says so" t "not found: nowhere"

# ---- untrusted text ----------------------------------------------------------------

expect "an escape sequence in a state value shows as \\u001b" t '"note": "\u001b[31mred"'
raw=$(tm capture-pane -p -e -t t)
if printf '%s' "$raw" | grep -qF $'\e[31mred'; then
	not_ok "no raw escape sequence reaches the terminal" "$raw"
else
	ok "no raw escape sequence reaches the terminal"
fi

# ---- the view follows the selection ------------------------------------------------

tm send-keys -t t g / g a m m a Enter
expect_status "focus on .alpha.beta.gamma" t ".alpha.beta.gamma"
tm send-keys -t t Tab k
expect "the previous snapshot shows with the same nodes open" t '"gamma": "first value"'
tm send-keys -t t Tab
expect_status "the focus stays on the same path in the other snapshot" t ".alpha.beta.gamma"

# The browser's H asks the pane for the focused node's path.
tm send-keys -t t H
expect "H opens the history of the focused value" t "history of .alpha.beta.gamma"
tm send-keys -t t Escape
expect_status "Esc comes back to the tree, the focus kept" t ".alpha.beta.gamma"

# ---- any size ------------------------------------------------------------------------

tm resize-window -t t -x 20 -y 6
sleep 0.2 # nothing specific to wait for at 20x6
if alive t; then ok "survives 20x6"; else not_ok "survives 20x6" "$(cat "$TMP/t.exit" 2>/dev/null)"; fi
tm send-keys -t t j k
tm resize-window -t t -x 120 -y 40
expect "back at 120x40 the tree is back" t '"gamma": "first value"'
expect_status "back at 120x40 the focus is kept" t ".alpha.beta.gamma"
quit t "q quits with status 0"

# ---- the demo at 80x24 ------------------------------------------------------------

start d 80 24 --store "$STORE" browse demo
expect "the demo state shows as a tree" d '"agents": […], 6 items'
tm send-keys -t d Tab j j
expect_status "the demo: focus on .agents" d ".agents"
tm send-keys -t d Space j l
expect "the demo: an agent opens" d '"name": "planner-1"'
expect_status "the demo: the path of the first agent" d ".agents[0]"
tm send-keys -t d Tab k
expect "the demo: the previous snapshot keeps the agent open" d '"name": "planner-1"'
quit d "q quits the demo with status 0"

# ---- a large state -------------------------------------------------------------------

# 300,000 elements: the tree opens without flattening them, the array
# opens, and G goes to its end at once.
{ printf '{"big": ['; seq -s, 0 299999 | tr -d '\n'; printf '], "after": true}'; } >"$TMP/big.json"
if "$BIN" --store "$STORE" capture big "$TMP/big.json" >/dev/null 2>"$TMP/big.err"; then
	start b 120 40 --store "$STORE" browse big
	expect_slow "a large state opens folded" b '"big": […], 300000 items' 20
	tm send-keys -t b Tab j Space G
	expect_slow "G after opening the large array shows its end" b '299999' 10
	tm send-keys -t b k k k # over the root's }, "after" and the array's ]
	expect_status "the path of the last element" b ".big[299999]"
	quit b "q quits the large state with status 0"
else
	not_ok "capture a large state" "$(cat "$TMP/big.err")"
fi

exit $((failed > 0))

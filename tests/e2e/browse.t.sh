#!/usr/bin/env bash
# browse.t.sh - the browser in a real terminal: tmux runs `snapscope browse`
# at a fixed size, keys go in with send-keys, the screen comes back with
# capture-pane.  Every wait polls the screen with a deadline, never a blind
# sleep.  Prints "ok - NAME" / "not ok - NAME"; exits 1 when anything failed.
set -u

. "$(dirname "$0")/lib.sh"
require_tools
start_server

# ---- a demo session ----------------------------------------------------------

if "$BIN" --store "$STORE" demo --steps 40 >/dev/null 2>"$TMP/demo.err"; then
	ok "demo fills a store"
else
	not_ok "demo fills a store" "$(cat "$TMP/demo.err")"
	exit 1
fi

start main 120 40 --store "$STORE" browse demo
expect "the timeline opens on the newest snapshot" main "seq 40 (40/40)"
scr=$(screen main)
if printf '%s\n' "$scr" | grep -q '^ demo - 40 snapshots'; then
	ok "the title names the session"
else
	not_ok "the title names the session" "$scr"
fi
# Rows: the mark column, a time, then the seq; the newest (40) and the one before it (39).
if printf '%s\n' "$scr" | grep -qE '^[ A][0-9]{2}:[0-9]{2}:[0-9]{2} +40 \+[0-9]+ ~[0-9]+ -[0-9]+' &&
   printf '%s\n' "$scr" | grep -qE '^[ A][0-9]{2}:[0-9]{2}:[0-9]{2} +39 '; then
	ok "timeline rows show time, seq and change counts"
else
	not_ok "timeline rows show time, seq and change counts" "$scr"
fi
if printf '%s\n' "$scr" | grep -qF '"agents": ['; then
	ok "the state pane shows the demo state"
else
	not_ok "the state pane shows the demo state" "$scr"
fi
if printf '%s\n' "$scr" | grep -qF 'snapshot #40  seq 40'; then
	ok "the state pane starts with the metadata"
else
	not_ok "the state pane starts with the metadata" "$scr"
fi

tm send-keys -t main g
expect "g selects the first snapshot" main "seq 1 (1/40)"
tm send-keys -t main j j j
expect "j moves the selection down" main "seq 4 (4/40)"
expect "the state follows the selection" main "snapshot #4  seq 4"
tm send-keys -t main Down k Up
expect "arrows and k move too" main "seq 3 (3/40)"
tm send-keys -t main G
expect "G selects the last snapshot" main "seq 40 (40/40)"
tm send-keys -t main PPage
expect "PgUp moves a page up" main "seq 2 (2/40)"
tm send-keys -t main C-f
expect "Ctrl-F moves a page down" main "seq 40 (40/40)"
tm send-keys -t main k
expect "k from the end" main "seq 39 (39/40)"

# Keys in the state pane move in the state and leave the selection alone.
tm send-keys -t main Tab
expect "Tab focuses the state pane" main "[state]"
tm send-keys -t main j j
sleep 0.2 # a key that must change nothing has nothing to wait for
if screen main | grep -qF "seq 39 (39/40)" && screen main | grep -qF "snapshot #39  seq 39"; then
	ok "j moves in the state, not in the timeline"
else
	not_ok "j moves in the state, not in the timeline" "$(screen main)"
fi
tm send-keys -t main g
expect "g goes back to the top of the state" main "snapshot #39  seq 39"
tm send-keys -t main Tab
expect "Tab goes back to the timeline" main "[timeline]"

tm send-keys -t main '?'
expect "? opens the help" main "Help - Esc closes"
expect "the help lists actions from the action table" main "Switch focus between the panes"
tm send-keys -t main Escape
if wait_gone main "Help - Esc closes"; then ok "Esc closes the help"; else not_ok "Esc closes the help" "$(screen main)"; fi
if alive main; then ok "Esc in the help does not quit"; else not_ok "Esc in the help does not quit"; fi

# ---- any size ---------------------------------------------------------------

tm resize-window -t main -x 20 -y 6
expect "at 20x6 the timeline still shows" main "seq 39"
tm resize-window -t main -x 12 -y 3
expect "below the minimum: a too-small notice" main "too small"
tm resize-window -t main -x 19 -y 4
expect "just below the minimum: terminal too small" main "terminal too small"
tm resize-window -t main -x 1 -y 1
sleep 0.2 # nothing to wait for at 1x1: give the resize a moment to land
if alive main; then ok "survives 1x1"; else not_ok "survives 1x1" "$(cat "$TMP/main.exit" 2>/dev/null)"; fi
tm resize-window -t main -x 120 -y 40
expect "back at 120x40 the selection is kept" main "seq 39 (39/40)"
expect "back at 120x40 the state is back" main '"agents": ['
tm resize-window -t main -x 80 -y 24
expect "at 80x24 the status line shows" main "seq 39 (39/40)"
scr=$(screen main)
if printf '%s\n' "$scr" | grep -qE '^[ A][0-9]{2}:[0-9]{2}:[0-9]{2} +39 .*│' &&
   [ "$(printf '%s\n' "$scr" | wc -l)" -eq 24 ]; then
	ok "at 80x24 both panes show side by side"
else
	not_ok "at 80x24 both panes show side by side" "$scr"
fi
tm send-keys -t main j
expect "keys work after resizing" main "seq 40 (40/40)"
quit main "q quits with status 0"

# ---- untrusted text ---------------------------------------------------------

printf '%s' '{"note": "\u001b[31mred", "tag": "ok"}' |
	"$BIN" --store "$STORE" capture esc - --desc $'tab\there' >/dev/null 2>"$TMP/cap.err" ||
	not_ok "capture a state with an escape sequence" "$(cat "$TMP/cap.err")"
start esc 120 40 --store "$STORE" browse esc
expect "an escape sequence in the state shows escaped" esc '"note": "\u001b[31mred"'
expect "a tab in a description shows escaped in the timeline" esc 'tab\there'
raw=$(tm capture-pane -p -e -t esc)
if printf '%s' "$raw" | grep -qF $'\e[31mred'; then
	not_ok "no raw escape sequence reaches the terminal" "$raw"
else
	ok "no raw escape sequence reaches the terminal"
fi
quit esc "q quits the second browser with status 0"

# ---- a damaged snapshot -------------------------------------------------------

# Break the recorded checksum of one snapshot behind snapscope's back: the
# state no longer matches it, and the browser must say "damaged", not show it.
BAD=$TMP/bad.db
bad_id=$(printf '%s' '{"secret": "should not be shown"}' | "$BIN" --store "$BAD" capture bad - 2>"$TMP/bad.err")
sql="UPDATE snapshots SET checksum = '$(printf '0%.0s' $(seq 64))' WHERE id = ${bad_id:-0}"
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$BAD" "$sql"
elif command -v python3 >/dev/null 2>&1; then
	python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$BAD" "$sql"
else
	echo "# skipped the damaged-snapshot checks: neither sqlite3 nor python3 to damage a store"
	bad_id=
fi
if [ -n "$bad_id" ]; then
	start bad 100 30 --store "$BAD" browse bad
	expect "a damaged snapshot says damaged" bad "damaged: "
	if screen bad | grep -qF "should not be shown"; then
		not_ok "a damaged snapshot's state is never shown" "$(screen bad)"
	else
		ok "a damaged snapshot's state is never shown"
	fi
	quit bad "q quits with status 0 after showing damage"
fi

# ---- NO_COLOR ---------------------------------------------------------------

EXTRA_ENV=NO_COLOR=1 start mono 100 30 --store "$STORE" browse demo
expect "NO_COLOR: the browser opens" mono "seq 40 (40/40)"
raw=$(tm capture-pane -p -e -t mono)
# Any SGR setting a foreground or background colour (30-37, 38;..., 40-47,
# 48;..., 90-97, 100-107).
if printf '%s' "$raw" | grep -qE $'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m'; then
	not_ok "NO_COLOR: no colours, attributes only" "$(printf '%s' "$raw" | cat -v | head -5)"
else
	ok "NO_COLOR: no colours, attributes only"
fi
quit mono "q quits the NO_COLOR browser with status 0"

# ---- no session given: the most recent one ----------------------------------

start pick 100 30 --store "$STORE" browse
expect "without a name the most recently written session opens" pick " esc - 1 snapshot"
quit pick "q quits with status 0 (picked session)"

# ---- an empty store ---------------------------------------------------------

# The command line refuses to create a store just to browse it; an in-memory
# store is one that exists and holds no session.
start empty 100 30 --store :memory: browse
expect "an empty store says how to start" empty "no snapshots yet"
tm send-keys -t empty j G Tab
if alive empty && screen empty | grep -qF "snapscope demo"; then
	ok "keys on the empty screen do nothing harmful"
else
	not_ok "keys on the empty screen do nothing harmful" "$(screen empty)"
fi
quit empty "q quits the empty screen with status 0"

# ---- a session that does not exist -------------------------------------------

start nosuch 100 30 --store "$STORE" browse nosuch
if wait_file "$TMP/nosuch.exit" && ! grep -qx 'EXIT=0' "$TMP/nosuch.exit"; then
	ok "an unknown session ends with a non-zero status"
else
	not_ok "an unknown session ends with a non-zero status" "$(cat "$TMP/nosuch.exit" 2>/dev/null)"
fi
"$BIN" --store "$STORE" browse nosuch >/dev/null 2>"$TMP/nosuch.err" </dev/null
rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/nosuch.err")" -eq 1 ] && grep -qF nosuch "$TMP/nosuch.err"; then
	ok "an unknown session: one line on stderr naming it"
else
	not_ok "an unknown session: one line on stderr naming it" "status $rc: $(cat "$TMP/nosuch.err")"
fi

exit $((failed > 0))

#!/usr/bin/env bash
# bigstate.t.sh - a state of tens of megabytes is read off the UI thread
# (tui/loader.c): while the pane says "loading snapshot #N…" the browser
# still answers keys (? opens the help, Esc closes it), then the tree
# appears; a read the user stepped away from never replaces the selected
# state; q while a load runs still quits cleanly (after the read finishes).
# Every wait polls the screen with a deadline, never a blind sleep.
# Prints "ok - NAME" / "not ok - NAME"; exits 1 when anything failed.
set -u
. "$(dirname "$0")/lib.sh"
SOCK=snapscope-bigstate-$$ # a server of its own (cleanup reads SOCK at exit)
require_tools
start_server

if ! command -v python3 >/dev/null 2>&1; then
	not_ok "python3 is installed (it writes the large state)"
	exit 1
fi

# ~40 MB of compact JSON: 400000 objects with a 64-byte string each, so
# reading it (inflate, parse, checksum) takes a noticeable time.
python3 - "$TMP/big.json" <<'PY'
import json, sys
items = [{"i": i, "name": "item-%07d" % i, "pad": "x" * 64} for i in range(400000)]
with open(sys.argv[1], "w") as f:
    json.dump({"items": items, "after": True}, f, separators=(",", ":"))
PY
size=$(stat -c %s "$TMP/big.json")
if [ "$size" -lt 30000000 ]; then
	not_ok "the large state is over 30 MB" "$size bytes"
	exit 1
fi
ok "wrote a large state of $size bytes"

cap() { printf '%s' "$2" | "$BIN" --store "$STORE" capture "$1" - >/dev/null 2>>"$TMP/cap.err"; }
cap big '{"small": "before"}' &&
	"$BIN" --store "$STORE" capture big "$TMP/big.json" >/dev/null 2>>"$TMP/cap.err" &&
	cap big '{"small": "after"}' ||
	{ not_ok "capture the states" "$(cat "$TMP/cap.err")"; exit 1; }

# ---- open, stay responsive, show the tree -----------------------------------

start b 120 40 --store "$STORE" browse big
expect 'the newest (small) state shows at once' b '"small": "after"'
tm send-keys -t b k
expect "k selects the large state: the pane says it is loading" b 'loading snapshot #2…'
# The keys go in while the pane still says loading: the UI thread is free.
# The help covers the pane; once it is closed the notice must still be
# there, so the help came and went while the state was being read.
t0=$(now_ms)
tm send-keys -t b '?'
if wait_for b 'Help - Esc closes' 1; then
	ok "? opens the help within 1 s while the state loads ($(($(now_ms) - t0)) ms)"
else
	not_ok "? opens the help within 1 s while the state loads" "$(screen b)"
fi
tm send-keys -t b Escape
if wait_gone b 'Help - Esc closes' 1 && screen b | grep -qF 'loading snapshot #2…'; then
	ok "Esc closes the help while the state still loads"
else
	not_ok "Esc closes the help while the state still loads" "$(screen b)"
fi
t0=$(now_ms)
expect_tree() {
	if wait_for b "$2" 30; then
		ok "$1 ($(($(now_ms) - t0)) ms)"
	else
		not_ok "$1" "$(screen b)"
	fi
}
expect_tree "the tree of the large state appears" '"items": […], 400000 items'
if screen b | grep -qF 'loading snapshot'; then
	not_ok "the loading notice is gone" "$(screen b)"
else
	ok "the loading notice is gone"
fi

# ---- stepping through: the last selection wins -----------------------------

tm send-keys -t b j
expect 'j steps to the small state' b '"small": "after"'
t0=$(now_ms)
tm send-keys -t b k
expect_tree "k steps back to the large state's tree" '"items": […], 400000 items'
quit b "q quits with status 0"

# A fresh browser: step onto the large state and off it before it is read.
# The read finishes meanwhile; its result is stale and must not show.  The
# only way to see that something does not happen is to watch for a while:
# WATCH_S, longer than the read takes here (about 2 s, 3 s under ASan).
WATCH_S=${WATCH_S:-6}
start s 120 40 --store "$STORE" browse big
expect 'a fresh browser opens' s '"small": "after"'
tm send-keys -t s k
expect "k selects the large state: loading" s 'loading snapshot #2…'
tm send-keys -t s k
expect 'k while it loads selects the first state at once' s '"small": "before"'
if wait_for s '400000 items' "$WATCH_S" || ! screen s | grep -qF '"small": "before"'; then
	not_ok "the stale read does not replace the selected state" "$(screen s)"
else
	ok "the stale read does not replace the selected state (${WATCH_S} s)"
fi
t0=$(now_ms)
tm send-keys -t s j
if wait_for s '"items": […], 400000 items' 30; then
	ok "j back to the large state shows its tree ($(($(now_ms) - t0)) ms)"
else
	not_ok "j back to the large state shows its tree" "$(screen s)"
fi
quit s "q quits the second browser with status 0"

# ---- quitting while a load is in progress --------------------------------------

start q 120 40 --store "$STORE" browse big
expect 'the browser opens' q '"small": "after"'
tm send-keys -t q k
expect "the large state is loading" q 'loading snapshot #2…'
# The exit waits for the read in progress (ss_get cannot be interrupted),
# after the terminal is restored: a longer deadline than lib.sh's quit.
t0=$(now_ms)
tm send-keys -t q q
if wait_file "$TMP/q.exit" 30 && grep -qx 'EXIT=0' "$TMP/q.exit"; then
	ok "q while a state loads quits with status 0 ($(($(now_ms) - t0)) ms)"
else
	not_ok "q while a state loads quits with status 0" "$(cat "$TMP/q.exit" 2>/dev/null || echo 'still running')"
fi

[ "$failed" -eq 0 ]

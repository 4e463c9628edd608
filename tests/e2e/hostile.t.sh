#!/usr/bin/env bash
# hostile.t.sh - untrusted text in a real terminal (issue 6): a state whose
# keys and values carry escape sequences (clear screen, set the window
# title, colours) and bidi controls, a description with a tab, capture error
# reasons that are a command's hostile stderr.  The browser, its diff view
# and `watch` in the browser must show all of it escaped (`\u001b`), never
# send it: the pane (captured with and without attributes) holds no raw
# sequence from the data, and the terminal title never changes.
set -u
. "$(dirname "$0")/lib.sh"
require_tools
start_server
cd "$TMP" || exit 1

check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

# no_raw TARGET NAME: neither capture of the pane holds a byte sequence that
# came raw from the data.
no_raw() {
	local plain attrs
	plain=$(tm capture-pane -p -t "$1")
	attrs=$(tm capture-pane -p -e -t "$1")
	if printf '%s' "$attrs" | grep -qF -e $'\e[2J' -e $'\e]0;' -e $'\e[?1049h' -e $'\e[31mred' ||
	   printf '%s' "$plain" | grep -qF -e $'\xe2\x80\xae' -e $'\xe2\x81\xa6' -e $'\xc2\x9b' -e $'\a' -e $'\e'; then
		not_ok "$2" "$attrs"
	else
		ok "$2"
	fi
}

title_of() { tm display -p -t "$1" '#{pane_title}'; }

capture() {
	printf '%s' "$2" | "$BIN" --store "$STORE" capture "$1" - "${@:3}" >/dev/null 2>>"$TMP/cap.err"
}

A='{"k\u001b[2J": "v\u001b]0;pwned-title\u0007", "bidi\u202e": "abc\u202edef\u2066x\u2069", "c1\u009b": "csi\u009b31m", "note": "\u001b[31mred", "same": 1}'
B='{"k\u001b[2J": "w\u001b]0;pwned-again\u0007", "bidi\u202e": "abc\u202edef\u2066y\u2069", "c1\u009b": "csi\u009b32m", "note": "\u001b[31mred", "new\u001b[K": "\u001b[?1049h", "same": 1}'
if capture esc "$A" --desc $'first\tstate' && capture esc "$B"; then
	ok "hostile states are captured"
else
	not_ok "hostile states are captured" "$(cat "$TMP/cap.err")"
fi

# Capture errors whose reason is a hostile stderr, between B and C.
"$BIN" --store "$STORE" watch esc --every 200ms --headless -- \
	sh -c "printf '\\033[2J\\033]0;pwn-reason\\a\\342\\200\\256evil' >&2; exit 3" 2>"$TMP/w.err" &
wpid=$!
deadline=$(($(now_ms) + 5000))
until grep -q "capture error" "$TMP/w.err" 2>/dev/null || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.05; done
sleep 0.3
kill -TERM "$wpid"
wait "$wpid"
check "headless: the capture error line is escaped" \
	'grep -qF "capture error: exit status 3: \u001b[2J\u001b]0;pwn-reason\u0007\u202eevil" "$TMP/w.err"' "$(cat "$TMP/w.err")"
check "headless: no raw ESC on stderr" '! grep -q $'"'"'\e'"'"' "$TMP/w.err"'
C='{"k\u001b[2J": "w", "same": 2}'
capture esc "$C" || not_ok "capture C" "$(cat "$TMP/cap.err")"

# ---- the browser ------------------------------------------------------------
start br 140 40 --store "$STORE" browse esc
wait_for br "esc" 5
title0=$(title_of br)
tm send-keys -t br g
expect "the timeline shows the description's tab escaped" br 'first\tstate'
tm send-keys -t br Tab
expect "a key with an escape sequence shows escaped" br '"k\u001b[2J"'
expect "a value that sets the title shows escaped" br '\u001b]0;pwned-title\u0007'
expect "bidi overrides in keys and values show escaped" br '"bidi\u202e": "abc\u202edef\u2066x\u2069"'
expect "a C1 control shows escaped" br '\u009b31m'
no_raw br "state pane: no raw sequence reaches the terminal"
check "state pane: the terminal title is unchanged" '[ "$(title_of br)" = "$title0" ]' "$(title_of br)"

# C, with the capture errors before it and their reasons.
tm send-keys -t br Tab G
expect "the errors before C are counted" br "capture errors before this"
expect "a capture error reason shows escaped" br '\u001b]0;pwn-reason\u0007\u202eevil'
no_raw br "capture errors: no raw sequence reaches the terminal"

# The diff view of A -> B.
tm send-keys -t br g m j d
expect "the diff view shows the added key escaped" br 'new\u001b[K'
expect "the diff view shows the changed value escaped" br '\u001b]0;pwned-again\u0007'
no_raw br "diff view: no raw sequence reaches the terminal"
check "diff view: the terminal title is unchanged" '[ "$(title_of br)" = "$title0" ]' "$(title_of br)"
check "diff view: no 'pwn' in the title" '! title_of br | grep -q pwn' "$(title_of br)"
tm send-keys -t br Escape
quit br "q quits the browser with status 0"

# ---- watch in the browser: the live error line --------------------------------
start live 140 40 --store "$STORE" watch esc --every 200ms -- \
	sh -c "printf '\\033[2J\\033]0;pwn-live\\a\\342\\200\\256live' >&2; exit 3"
expect "watch: the failing capture shows, escaped" live 'failing since'
expect "watch: its reason shows escaped" live 'exit status 3: \u001b[2J\u001b]0;pwn-live'
no_raw live "watch: no raw sequence reaches the terminal"
check "watch: no 'pwn' in the title" '! title_of live | grep -q pwn' "$(title_of live)"
quit live "q quits watch with status 0"

"$BIN" --store "$STORE" verify >"$TMP/v.out" 2>&1
vrc=$?
check "the store verifies" '[ "$vrc" -eq 0 ] && grep -q "all intact" "$TMP/v.out"' "$(cat "$TMP/v.out")"

[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# actions.t.sh - issue 4 as a new user meets it, in a real terminal (tmux)
# at 120x40 and 80x24: mark two snapshots and diff them, open a value's
# history, go to an id and a time, filter, tag/describe/pin from the keyboard
# and find it through the command line afterwards, delete with a question,
# watch another process's captures appear (follow), resize with a view open,
# and leave the terminal as it was on q and on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"
require_tools
start_server

if "$BIN" --store "$STORE" demo --steps 40 >/dev/null 2>"$TMP/demo.err"; then
	ok "demo fills a store"
else
	not_ok "demo fills a store" "$(cat "$TMP/demo.err")"
	exit 1
fi

# has TARGET TEXT NAME / lacks TARGET TEXT NAME: the screen right now.
has() { if screen "$1" | grep -qF -- "$2"; then ok "$3"; else not_ok "$3" "$(screen "$1")"; fi; }
gone() { if wait_gone "$1" "$2"; then ok "$3"; else not_ok "$3" "$(screen "$1")"; fi; }
# type TARGET TEXT: literal text, then Enter.
type_line() { tm send-keys -t "$1" -l -- "$2"; tm send-keys -t "$1" Enter; }

# ---- mark, diff, history: at both sizes -------------------------------------

for size in 120x40 80x24; do
	cols=${size%x*} rows=${size#*x}
	t=d$cols
	start "$t" "$cols" "$rows" --store "$STORE" browse demo
	expect "$size: opens on the newest, following" "$t" "seq 40 (40/40)"
	has "$t" "follow" "$size: follow is on at start"
	tm send-keys -t "$t" k k m
	expect "$size: m marks A" "$t" "A=#38"
	tm send-keys -t "$t" k k k d
	expect "$size: d diffs A against the selection" "$t" "diff #38 → #35"
	expect "$size: the diff shows both sides" "$t" "-    \"captured_at\""
	tm send-keys -t "$t" Escape
	gone "$t" "diff #38" "$size: Esc closes the diff"
	expect "$size: back on the same selection" "$t" "seq 35 (35/40)"
	tm send-keys -t "$t" Escape
	gone "$t" "A=#38" "$size: Esc in the timeline clears the mark"
	tm send-keys -t "$t" d
	expect "$size: d without a mark diffs against the previous one" "$t" "diff #34 → #35"
	tm resize-window -t "$t" -x 20 -y 6
	sleep 0.2 # nothing to wait for at 20x6 but the resize itself
	tm resize-window -t "$t" -x "$cols" -y "$rows"
	expect "$size: the diff survives 20x6 and back" "$t" "diff #34 → #35"
	tm send-keys -t "$t" q
	gone "$t" "diff #34" "$size: q closes the diff, not the browser"

	# H on a numeric value: the state's tree, down to .resources.cpu.
	tm send-keys -t "$t" G Tab j j j j j j l j
	expect "$size: the state pane focuses .resources.cpu" "$t" ".resources.cpu"
	tm send-keys -t "$t" H
	expect "$size: H opens the value's history" "$t" "history of .resources.cpu - 40 changes"
	has "$t" "▁" "$size: a numeric history has a sparkline"
	has "$t" " → " "$size: history rows show old → new"
	tm send-keys -t "$t" k k Enter
	expect "$size: Enter in the history goes to that snapshot" "$t" "seq 38 (38/40)"
	gone "$t" "history of" "$size: and closes the history"
	quit "$t" "$size: q quits with status 0"
done

# ---- mouse and themes ------------------------------------------------------------

# SGR mouse reports (tmux passes them on once the browser asked for the
# mouse): button 0 press/release at column;row (1-based), 64/65 the wheel.
mouse() { tm send-keys -t "$1" -l $'\e[<'"$2;$3;$4M"; [ "$2" -lt 64 ] && tm send-keys -t "$1" -l $'\e[<'"$2;$3;$4m"; true; }

start mouse 120 40 --store "$STORE" browse demo
expect "mouse: opens" mouse "seq 40 (40/40)"
mouse mouse 0 5 6 # screen row 5: the window's fifth row, seq 3 + 4
expect "mouse: a click selects the row under it" mouse "seq 7 (7/40)"
mouse mouse 65 5 6
expect "mouse: the wheel scrolls down" mouse "seq 10 (10/40)"
mouse mouse 64 5 6
expect "mouse: and up" mouse "seq 7 (7/40)"
mouse mouse 0 80 10
expect "mouse: a click in the state focuses it" mouse "[state]"
tm send-keys -t mouse T
expect "T: switches to the next theme" mouse "theme: light"
quit mouse "mouse: q quits with status 0"

# ---- go to, filter -------------------------------------------------------------

start nav 120 40 --store "$STORE" browse demo
expect "goto: opens" nav "seq 40 (40/40)"
tm send-keys -t nav :
type_line nav "#5"
expect "goto: #5 selects snapshot 5" nav "seq 5 (5/40)"
has nav "state of #5" "goto: the state follows"
tm send-keys -t nav :
type_line nav "12"
expect "goto: a bare id of the session" nav "seq 12 (12/40)"
when=$("$BIN" --store "$STORE" show 30 --meta | sed -n 's/^created_at: *//p' | head -1)
tm send-keys -t nav :
type_line nav "$(TZ=UTC date -d "$when" '+%Y-%m-%d %H:%M:%S' 2>/dev/null || echo "$when")"
expect "goto: a time selects the nearest snapshot" nav "seq 30 (30/40)"
tm send-keys -t nav :
type_line nav "no such time"
expect "goto: a bad time says so" nav "not an id of this session or a time"
tm send-keys -t nav f
type_line nav "tag:incident"
expect "filter: by tag" nav "filter: tag:incident"
has nav "(filtered)" "filter: the title says filtered"
n=$("$BIN" --store "$STORE" list demo --tag incident --json | grep -c '"id"')
expect "filter: the count is the command line's" nav "($n/$n)"
tm send-keys -t nav f C-u Enter
expect "filter: an empty filter clears it" nav "filter cleared"
quit nav "goto and filter: q quits with status 0"

# ---- edits from the keyboard, checked through the command line ------------------

start edit 80 24 --store "$STORE" browse demo
expect "edit: opens" edit "seq 40 (40/40)"
tm send-keys -t edit k t
type_line edit "needs-review"
expect "edit: t tags" edit "tagged #39 needs-review"
tm send-keys -t edit e C-u
type_line edit "the moment it broke"
expect "edit: e describes" edit "described #39"
tm send-keys -t edit p
expect "edit: p pins" edit "pinned #39"
meta=$("$BIN" --store "$STORE" show 39 --meta 2>&1)
if printf '%s' "$meta" | grep -qF needs-review &&
   printf '%s' "$meta" | grep -qF "the moment it broke" &&
   printf '%s' "$meta" | grep -qiE 'pinned: *(yes|true)'; then
	ok "edit: show --meta sees the tag, the description and the pin"
else
	not_ok "edit: show --meta sees the tag, the description and the pin" "$meta"
fi
row=$("$BIN" --store "$STORE" list demo --json | grep '"id":39,')
if printf '%s' "$row" | grep -qF '"needs-review"' && printf '%s' "$row" | grep -qF '"pinned":true'; then
	ok "edit: list --json sees them too"
else
	not_ok "edit: list --json sees them too" "$row"
fi
tm send-keys -t edit u
expect "edit: u offers the tags" edit "untag #39 (needs-review): needs-review"
tm send-keys -t edit Enter
expect "edit: u untags" edit "untagged #39 needs-review"
tm send-keys -t edit D
expect "edit: D asks, and says it is pinned" edit "delete #39 (it is pinned)? (y/N)"
tm send-keys -t edit n
expect "edit: n keeps it" edit "not deleted"
if "$BIN" --store "$STORE" show 39 --meta >/dev/null 2>&1; then
	ok "edit: still there after n"
else
	not_ok "edit: still there after n"
fi
tm send-keys -t edit D y
expect "edit: y deletes" edit "deleted #39"
expect "edit: the timeline counts one less" edit "(39/39)"
if "$BIN" --store "$STORE" show 39 --meta >/dev/null 2>&1; then
	not_ok "edit: show no longer finds the deleted snapshot"
else
	ok "edit: show no longer finds the deleted snapshot"
fi
quit edit "edit: q quits with status 0"

# ---- live: another process captures while the browser runs ---------------------

printf '{"n": 1}' | "$BIN" --store "$STORE" capture live - >/dev/null
start live 100 30 --store "$STORE" browse live
expect "live: opens" live "seq 1 (1/1)"
printf '{"n": 2}' | "$BIN" --store "$STORE" capture live - >/dev/null
expect "live: a capture by another process appears and is followed" live "seq 2 (2/2)" 5
tm send-keys -t live k
expect "live: moving away stops following" live "seq 1 (1/2)"
printf '{"n": 3}' | "$BIN" --store "$STORE" capture live - >/dev/null
expect "live: without follow the new row is counted, the selection stays" live "seq 1 (1/3)" 5
tm send-keys -t live F
expect "live: F follows again, to the newest" live "seq 3 (3/3)"
has live "follow" "live: the status line says follow"
quit live "live: q quits with status 0"

# ---- the terminal as it was: q and SIGTERM ---------------------------------------

# start_tty TARGET: run the browser between two `stty -g`, its pid in a
# file, and keep the pane open afterwards to look at it.
start_tty() {
	local target=$1 cmd
	cmd="stty -g > $TMP/$target.before; sh -c 'echo \$\$ > $TMP/$target.pid; exec $(printf '%q ' "$BIN" --store "$STORE" browse demo)'; echo EXIT=\$? > $TMP/$target.exit; stty -g > $TMP/$target.after; exec sleep 60"
	tm new-session -d -s "$target" -x 100 -y 30 \
		env TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 bash -c "$cmd"
}

terminal_restored() {
	local target=$1 name=$2
	if wait_file "$TMP/$target.after" && cmp -s "$TMP/$target.before" "$TMP/$target.after" &&
	   [ "$(tm display-message -p -t "$target" '#{alternate_on}')" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "stty before: $(cat "$TMP/$target.before" 2>/dev/null) after: $(cat "$TMP/$target.after" 2>/dev/null)"
	fi
}

start_tty tq
expect "tty: the browser opens" tq "seq 40 (39/39)"
tm send-keys -t tq q
terminal_restored tq "q: the terminal modes and the main screen are back"
grep -qx 'EXIT=0' "$TMP/tq.exit" && ok "q: exit status 0" || not_ok "q: exit status 0" "$(cat "$TMP/tq.exit")"

start_tty tt
expect "tty: the browser opens again" tt "seq 40 (39/39)"
kill -TERM "$(cat "$TMP/tt.pid")"
terminal_restored tt "SIGTERM: the terminal is restored"
grep -qx 'EXIT=143' "$TMP/tt.exit" && ok "SIGTERM: ends as killed by SIGTERM (143)" ||
	not_ok "SIGTERM: ends as killed by SIGTERM (143)" "$(cat "$TMP/tt.exit")"

start_tty ti
expect "tty: the browser opens a third time" ti "seq 40 (39/39)"
kill -INT "$(cat "$TMP/ti.pid")"
terminal_restored ti "SIGINT: the terminal is restored"
grep -qx 'EXIT=130' "$TMP/ti.exit" && ok "SIGINT: ends as interrupted (130)" ||
	not_ok "SIGINT: ends as interrupted (130)" "$(cat "$TMP/ti.exit")"

exit $((failed > 0))

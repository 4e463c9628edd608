#!/usr/bin/env bash
# watch.t.sh - `snapscope watch` as a user runs it (issue 5): a command that
# prints a state, polled every 200ms, headless and in the browser.  Changes
# only are recorded; a command that fails (the "server" is down) shows as
# capture errors and capture resumes when it is back; --file follows a file
# rewritten in place and replaced by rename; retention keeps its limit;
# SIGTERM and q end it with status 0; SIGKILL loses nothing committed; a
# command that hangs is killed at its timeout with its whole process group.
set -u
. "$(dirname "$0")/lib.sh"
require_tools
start_server
cd "$TMP" || exit 1

count() { "$BIN" --store "$STORE" list "$1" --json 2>/dev/null |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo -1; }

# wait_count SESSION N [SECONDS]: poll until the session holds N snapshots.
wait_count() {
	local deadline=$(($(now_ms) + ${3:-10} * 1000))
	while [ "$(count "$1")" != "$2" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# wait_line FILE REGEX [SECONDS]: poll until a line of FILE matches.
wait_line() {
	local deadline=$(($(now_ms) + ${3:-10} * 1000))
	until grep -qE -- "$2" "$1" 2>/dev/null; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

# The "server": prints state.json unless the file `down` exists.
cat > server.sh <<'EOF'
#!/bin/sh
[ -e down ] && { echo "curl: (7) Failed to connect to localhost port 8080" >&2; exit 7; }
cat state.json
EOF
chmod +x server.sh

# ---- headless ---------------------------------------------------------------
echo '{"status":"starting","workers":1}' > state.json
"$BIN" --store "$STORE" watch api --every 200ms --headless -- ./server.sh 2> headless.err &
pid=$!
check "headless watch captures the first state" 'wait_count api 1' "$(cat headless.err)"
check "it announces what it watches" 'grep -q "watching api every 200ms: ./server.sh" headless.err' "$(cat headless.err)"
sleep 0.7
check "an unchanged state is not stored again" '[ "$(count api)" = 1 ]'
echo '{"status":"running","workers":2}' > state.json
check "a change is captured" 'wait_count api 2'
touch down
check "a failing command is a capture error line" \
	'wait_line headless.err "capture error: exit status 7: curl: \(7\) Failed to connect"' "$(cat headless.err)"
echo '{"status":"running","workers":3}' > state.json
sleep 0.5
check "no snapshot while it fails" '[ "$(count api)" = 2 ]'
rm down
check "capture resumes when the command works again" 'wait_count api 3'
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM stops it with status 0" '[ "$rc" = 0 ]' "rc=$rc $(tail -3 headless.err)"
check "it says what it did" 'grep -qE "api: 3 captured, [0-9]+ unchanged, [1-9][0-9]* capture error" headless.err' "$(tail -3 headless.err)"
check "every snapshot reads back and verify passes" '"$BIN" --store "$STORE" verify api >/dev/null 2>&1'

# ---- the browser -------------------------------------------------------------
echo '{"status":"idle","queue":[]}' > state.json
start tui 120 30 --store "$STORE" watch api --every 200ms -- ./server.sh
expect "the browser opens on the watched session" tui "api"
expect_re "a live indicator shows capture running" tui "live|every 200ms"
expect "the new state appears live" tui '"idle"'
echo '{"status":"busy","queue":[1]}' > state.json
expect "the next change appears live too" tui '"busy"'
tm send-keys -t tui P
expect_re "P pauses capture" tui "[Pp]aused"
echo '{"status":"busy","queue":[1,2]}' > state.json
sleep 0.6
n_paused=$(count api)
tm send-keys -t tui c
check "c captures now, also while paused" 'wait_count api $((n_paused + 1))'
tm send-keys -t tui P
touch down
expect_re "errors show in the browser" tui "exit status 7|failing"
rm down
quit tui "q ends watch with status 0"

# SIGTERM to the browser: the terminal comes back and watch still exits 0.
start tui2 100 24 --store "$STORE" watch api --every 200ms -- ./server.sh
expect "the browser opens again" tui2 "api"
shell_pid=$(tm list-panes -t tui2 -F '#{pane_pid}')
kill -TERM "$(pgrep -P "$shell_pid" -x snapscope)"
if wait_file "$TMP/tui2.exit" && grep -qx 'EXIT=0' "$TMP/tui2.exit"; then
	ok "SIGTERM ends the watching browser with status 0"
else
	not_ok "SIGTERM ends the watching browser with status 0" "$(cat "$TMP/tui2.exit" 2>/dev/null)"
fi

# ---- --file: rewritten in place and replaced by rename -------------------------
echo '{"v":1}' > file.json
# Polls 500ms apart: the half-written moment below (0.1s) can meet at most
# one poll, which must not report it; a file still broken at the next poll
# would be reported, as it should.
"$BIN" --store "$STORE" watch filed --every 500ms --headless --file file.json 2> file.err &
pid=$!
check "--file captures the file" 'wait_count filed 1'
echo '{"v":2}' > file.json
check "a file rewritten in place is captured" 'wait_count filed 2'
echo '{"v":3}' > file.json.tmp && mv file.json.tmp file.json
check "a file replaced by rename is captured" 'wait_count filed 3'
printf '{"v":' > file.json
sleep 0.1
printf '4}' >> file.json
check "a file written in two steps is captured once, whole" 'wait_count filed 4'
sleep 1
check "the half-written moment was not recorded as an error" '! grep -q "capture error" file.err' "$(cat file.err)"
kill -INT "$pid"
wait "$pid"
check "SIGINT stops it with status 0" '[ $? = 0 ]'

# ---- retention -------------------------------------------------------------------
cat > counter.sh <<'EOF'
#!/bin/sh
n=$(cat n 2>/dev/null || echo 0); n=$((n + 1)); echo $n > n
echo "{\"n\": $n}"
EOF
chmod +x counter.sh
"$BIN" --store "$STORE" watch kept --every 100ms --max-count 3 --headless -- ./counter.sh 2> kept.err &
pid=$!
wait_line kept.err "captured snapshot" 10
sleep 1.5
kill -TERM "$pid"
wait "$pid"
check "retention keeps the session at its max-count" '[ "$(count kept)" -le 3 ] && [ "$(cat n)" -gt 5 ]' "count $(count kept), polls $(cat n)"
check "the limit is stored with the session" '"$BIN" --store "$STORE" session kept | grep -qE "max.count.*3"' "$("$BIN" --store "$STORE" session kept 2>&1)"
check "retention left every snapshot readable" '"$BIN" --store "$STORE" verify kept >/dev/null 2>&1'

# ---- SIGKILL loses nothing committed ----------------------------------------------
rm -f n
for round in 1 2 3 4 5; do
	"$BIN" --store "$STORE" watch killed --every 100ms --headless --keep-unchanged -- ./counter.sh 2>> killed.err &
	pid=$!
	sleep "0.$((RANDOM % 9 + 1))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
done
ids=$(sed -n 's/.*captured snapshot \([0-9]*\)$/\1/p' killed.err)
lost=0
for id in $ids; do
	"$BIN" --store "$STORE" show "$id" >/dev/null 2>&1 || lost=$((lost + 1))
done
check "every snapshot reported before SIGKILL reads back ($(echo $ids | wc -w) reported)" '[ -n "$ids" ] && [ $lost = 0 ]'
check "verify passes after the kills" '"$BIN" --store "$STORE" verify >/dev/null 2>&1'

# ---- a hanging command -----------------------------------------------------------
"$BIN" --store "$STORE" watch hang --every 300ms --timeout 200ms --headless -- sh -c 'sleep 31.4159 & sleep 31.4159' 2> hang.err &
pid=$!
check "a command past its timeout is a capture error" 'wait_line hang.err "timed out after 200ms"' "$(cat hang.err)"
kill -TERM "$pid"
wait "$pid"
sleep 0.2
check "its whole process group was killed: nothing left running" '! pgrep -f "sleep 31.4159" >/dev/null'

[ "$failed" -eq 0 ]

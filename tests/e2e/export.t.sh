#!/usr/bin/env bash
# export.t.sh - `x` in the browser (issue 4), in a real terminal (tmux): the
# selected snapshot under the offered name in the current directory, the
# marked range after an overwrite question answered y, a refusal answered
# n that leaves the file alone, and the filtered list under a typed name.
# Each file must be a complete JSON export (parsed with python3), mode 0600,
# holding exactly the snapshots the status line counted.
set -u
. "$(dirname "$0")/lib.sh"
require_tools
start_server
# The browser's current directory is where `x` writes by default: the
# test's own (tmux starts new sessions in its client's directory).
cd "$TMP" || exit 1

if "$BIN" --store "$STORE" demo --steps 40 >/dev/null 2>"$TMP/demo.err"; then
	ok "demo fills a store"
else
	not_ok "demo fills a store" "$(cat "$TMP/demo.err")"
	exit 1
fi

type_line() { tm send-keys -t "$1" -l -- "$2"; tm send-keys -t "$1" Enter; }

# ids FILE: the snapshot ids of an export, comma-separated, or "invalid".
ids() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "snapscope-export" and d["version"] == 1
print(",".join(str(s["id"]) for s in d["snapshots"]))' "$1" 2>/dev/null || echo invalid
}

# check NAME WANT FILE: the export's ids are WANT.
check_ids() {
	local got
	got=$(ids "$3")
	if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1" "ids: $got, want $2"; fi
}

OUT=$TMP/snapscope-export.json
start ex 120 40 --store "$STORE" browse demo
expect "opens on the newest" ex "seq 40 (40/40)"

tm send-keys -t ex x
expect "x asks for a file name about the selection" ex "export #40 to: "
expect "the name offered is snapscope-export.json" ex "snapscope-export.json"
tm send-keys -t ex Enter
expect "the status line says what was written" ex "exported 1 snapshot to snapscope-export.json"
if wait_file "$OUT"; then ok "the file exists in the current directory"; else not_ok "the file exists in the current directory"; fi
if grep -qF '"format":"snapscope-export"' "$OUT"; then ok "it is an export"; else not_ok "it is an export" "$(head -c 300 "$OUT")"; fi
check_ids "it parses as JSON and holds the selected snapshot" "40" "$OUT"
mode=$(stat -c %a "$OUT")
if [ "$mode" = 600 ]; then ok "created with mode 0600"; else not_ok "created with mode 0600" "mode $mode"; fi

# The marked range, from A down to the selection: the file exists now.
tm send-keys -t ex k k m
expect "m marks A" ex "A=#38"
tm send-keys -t ex k k x
expect "x offers the marked range" ex "export #38 to #36 to: "
tm send-keys -t ex Enter
expect "an existing file asks first" ex "overwrite? (y/N)"
tm send-keys -t ex n
expect "n keeps the file" ex "not exported"
check_ids "the file is unchanged" "40" "$OUT"
tm send-keys -t ex x Enter
expect "asks again" ex "overwrite? (y/N)"
tm send-keys -t ex y
expect "y overwrites with the range" ex "exported 3 snapshots to snapscope-export.json"
check_ids "the range is A to the selection, inclusive, in time order" "36,37,38" "$OUT"

# The filtered list, under a name typed over the offered one.
tm send-keys -t ex Escape
expect "Esc clears the mark" ex "mark cleared"
tm send-keys -t ex f
type_line ex "tag:incident"
expect "filter: by tag" ex "filter: tag:incident"
want=$("$BIN" --store "$STORE" list demo --tag incident --json | python3 -c '
import json, sys
print(",".join(str(r["id"]) for r in json.load(sys.stdin)))')
n=$(printf '%s' "$want" | tr ',' '\n' | grep -c .)
tm send-keys -t ex x
expect "x offers the filtered list" ex "export the filtered list ($n) to: "
tm send-keys -t ex C-u
type_line ex "incident.json"
expect "the filtered list is exported" ex "exported $n snapshot"
check_ids "it holds exactly the filtered snapshots" "$want" "$TMP/incident.json"

# A directory that does not exist: an error on the status line, no file.
tm send-keys -t ex x C-u
type_line ex "nodir/x.json"
expect "a missing directory is an error naming it" ex "directory nodir does not exist"
if [ -z "$(find "$TMP" -name '.*.tmp')" ]; then ok "no temporary file is left"; else not_ok "no temporary file is left" "$(ls -la "$TMP")"; fi
quit ex "q quits with status 0"

exit $((failed > 0))

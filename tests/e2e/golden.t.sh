#!/usr/bin/env bash
# golden.t.sh - exact screens of the browser in scripted mode (tui/script.h):
# each tests/golden/NAME.keys runs on a fresh copy of a deterministic demo
# store, and every screen it dumps must equal tests/golden/<dump name>.
# UPDATE_GOLDEN=1 writes the dumps into tests/golden instead (review them
# with git diff).  Prints "ok - NAME" / "not ok - NAME"; exits 1 on failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${SNAPSCOPE_BIN:-$root/build/snapscope}
GOLDEN=$root/tests/golden
TMP=$(mktemp -d "${TMPDIR:-/tmp}/snapscope-golden-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=$((failed + 1))
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
}

# A fixed clock, zone and locale: the screens show times and box lines.
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset NO_COLOR SNAPSCOPE_THEME SNAPSCOPE_SCRIPT

if ! "$BIN" --store "$TMP/base.db" demo --steps 40 --seed 1 \
	--end 2026-11-25T14:00:00Z >/dev/null 2>"$TMP/demo.err"; then
	not_ok "a deterministic demo store" "$(cat "$TMP/demo.err")"
	exit 1
fi

for keys in "$GOLDEN"/*.keys; do
	name=$(basename "$keys" .keys)
	work=$TMP/$name
	mkdir -p "$work"
	# Each script edits its own copy.  The demo process has exited, so its
	# WAL was checkpointed into the file; a -wal left behind goes along.
	cp "$TMP/base.db" "$work/store.db"
	[ -e "$TMP/base.db-wal" ] && cp "$TMP/base.db-wal" "$work/store.db-wal"
	if ! (cd "$work" && "$BIN" --store store.db browse demo --script "$keys") \
		>"$work/out" 2>&1; then
		not_ok "$name: the script runs to the end" "$(cat "$work/out")"
		continue
	fi
	for dump in $(sed -n 's/^:dump //p' "$keys"); do
		if [ -n "${UPDATE_GOLDEN:-}" ]; then
			cp "$work/$dump" "$GOLDEN/$dump"
			ok "$name: $dump written"
		elif [ ! -e "$GOLDEN/$dump" ]; then
			not_ok "$name: $dump has a golden file (UPDATE_GOLDEN=1 writes it)"
		elif d=$(diff -u "$GOLDEN/$dump" "$work/$dump"); then
			ok "$name: $dump"
		else
			not_ok "$name: $dump" "$d"
		fi
	done
done

exit $((failed > 0))

#!/usr/bin/env bash
# run.sh - run every tests/e2e/*.t.sh and sum their results.
#
# Each script prints "ok - NAME" / "not ok - NAME" lines and exits non-zero
# when anything failed.  A script that dies without saying "not ok" (a crash,
# a syntax error) still counts as one failure, so nothing fails silently.
# The last line is "N passed, N failed", alone; the exit status is non-zero
# when anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export SNAPSCOPE_BIN="${SNAPSCOPE_BIN:-$root/build/snapscope}"

passed=0
failed=0
found=0
for t in "$here"/*.t.sh; do
	[ -e "$t" ] || continue
	found=1
	echo "# $(basename "$t")"
	out=$(bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $(basename "$t") exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
if [ "$found" -eq 0 ]; then
	echo "not ok - no tests found in $here"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Capture every version of the real JSON histories under ../shared/data (when
# they are there) one process per snapshot, as a git scraper would, then check
# that each snapshot reads back exactly: the checksum snapscope recorded must
# equal SHA-256 of Python's canonical form of the original state (DESIGN.md's
# definition, computed independently here), `show` must print the same JSON
# value, and `verify` must pass.  Then delete every third snapshot and check
# that all others still read back (deletes re-base the deltas).
#
# Usage: tests/real/roundtrip.sh [DATA_DIR]   (default ../shared/data)
# Needs python3.  Prints "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SNAPSCOPE_BIN:-$here/build/snapscope}
data=${1:-$here/../shared/data}
command -v python3 >/dev/null || { echo "roundtrip: python3 is needed"; exit 2; }
shopt -s nullglob
sets=("$data"/real-*/versions.jsonl.gz)
if [ ${#sets[@]} -eq 0 ]; then
	echo "roundtrip: no real histories under $data; nothing to do"
	echo "0 passed, 0 failed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }

for set in "${sets[@]}"; do
	name=$(basename "$(dirname "$set")")
	dir=$work/$name
	mkdir -p "$dir"
	# One file per version, as the scraper wrote it, plus the expected checksums.
	python3 - "$set" "$dir" <<'PY'
import gzip, hashlib, json, sys
src, out = sys.argv[1], sys.argv[2]
with gzip.open(src, "rt", encoding="utf-8") as f, open(out + "/expected", "w") as exp:
    for i, line in enumerate(f):
        state = json.loads(line)["state"]
        text = json.dumps(state, indent=2, ensure_ascii=False)
        open("%s/v%05d.json" % (out, i), "w", encoding="utf-8").write(text)
        canon = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        exp.write(hashlib.sha256(canon).hexdigest() + "\n")
PY
	store=$dir/store.db
	start=$(date +%s)
	for f in "$dir"/v*.json; do
		"$bin" --store "$store" capture "$name" "$f" >/dev/null
	done
	secs=$(( $(date +%s) - start ))
	n=$(wc -l < "$dir/expected")
	echo "$name: captured $n versions in ${secs}s"
	"$bin" --store "$store" stats "$name" | sed 's/^/  /'
	"$bin" --store "$store" list "$name" --json > "$dir/list.json"
	ok_sums() {
		python3 - "$dir/list.json" "$dir/expected" <<'PY'
import json, sys
got = [row["checksum"] for row in json.load(open(sys.argv[1]))]
want = open(sys.argv[2]).read().split()
bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
if len(got) != len(want) or bad:
    print("checksums differ at", bad[:10], len(got), len(want)); sys.exit(1)
PY
	}
	check ok_sums && echo "ok - $name: every recorded checksum equals Python's canonical SHA-256" \
		|| echo "not ok - $name: checksums"
	ok_show() {
		python3 - "$bin" "$store" "$dir" <<'PY'
import json, subprocess, sys, glob
bin, store, d = sys.argv[1:4]
rows = json.load(open(d + "/list.json"))
files = sorted(glob.glob(d + "/v*.json"))
for i in list(range(0, len(rows), 37)) + [len(rows) - 1]:
    out = subprocess.run([bin, "--store", store, "show", str(rows[i]["id"])],
                         check=True, capture_output=True).stdout
    if json.loads(out) != json.load(open(files[i])):
        print("show differs for version", i); sys.exit(1)
PY
	}
	check ok_show && echo "ok - $name: show prints the captured state" || echo "not ok - $name: show"
	check "$bin" --store "$store" verify "$name" >/dev/null && echo "ok - $name: verify" \
		|| echo "not ok - $name: verify"
	# Delete every third snapshot; everything left must still verify.
	python3 -c 'import json,sys; print(" ".join(str(r["id"]) for r in json.load(open(sys.argv[1]))[1::3]))' \
		"$dir/list.json" > "$dir/victims"
	check "$bin" --store "$store" delete $(cat "$dir/victims") && echo "ok - $name: deleted every third" \
		|| echo "not ok - $name: delete"
	check "$bin" --store "$store" verify "$name" >/dev/null \
		&& echo "ok - $name: verify after deletes" || echo "not ok - $name: verify after deletes"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

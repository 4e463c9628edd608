#!/bin/sh
# seed.sh OUT - seed corpora for the libFuzzer targets, under OUT/NAME.
#
# From the project's own data: the states of tests/data/diff.test (alone,
# and old/new as a patch pair), the golden screens and key scripts, states
# and patches of a small `snapscope demo` store, exports of it (JSON, and
# binary when the program knows that format), hand-written patch pairs and
# edge cases.  Each seed is stored under the SHA-1 of its content: running
# this again adds nothing twice and never removes what fuzzing found.
# (Exports hold times, so they are added once per corpus: OUT/.exports-NAME
# marks it; delete it to add them again.)
# Needs SNAPSCOPE_BIN (the gcc-built program); python3 only for the zlib
# seeds of fuzz_blob (skipped without it).
set -eu

out=${1:?usage: seed.sh OUTDIR}
bin=${SNAPSCOPE_BIN:-build/snapscope}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export TZ=UTC LC_ALL=C

# add TARGET FILE: copy FILE into OUT/TARGET under its hash.
add() {
	mkdir -p "$out/$1"
	h=$(sha1sum < "$2" | cut -c1-40)
	[ -e "$out/$1/$h" ] || cp "$2" "$out/$1/$h"
}
# add_text TARGET TEXT (printf format, so \000 and \xNN-free octal work)
n=0
add_text() {
	n=$((n + 1))
	printf "$2" > "$tmp/t$n"
	add "$1" "$tmp/t$n"
}
# add_pair TARGET FILE1 FILE2: FILE1 NUL FILE2
add_pair() {
	n=$((n + 1))
	{ cat "$2"; printf '\000'; cat "$3"; } > "$tmp/t$n"
	add "$1" "$tmp/t$n"
}

mkdir -p "$out"

# ---- tests/data/diff.test: every JSON line; consecutive state pairs -------
prev=
i=0
grep -E '^[][{"0-9tfn-]' "$root/tests/data/diff.test" | while IFS= read -r line; do
	i=$((i + 1))
	printf '%s' "$line" > "$tmp/dt$i"
	add state "$tmp/dt$i"
	add escape "$tmp/dt$i"
	if [ -n "$prev" ]; then add_pair patch "$prev" "$tmp/dt$i"; fi
	prev=$tmp/dt$i
done

# ---- golden screens and key scripts: text for the terminal escape ---------
for f in "$root"/tests/golden/*.screen "$root"/tests/golden/*.keys; do
	[ -f "$f" ] || continue
	head -c 2048 "$f" > "$tmp/g"
	add escape "$tmp/g"
done

# ---- hand-written states, texts and patch pairs ---------------------------
add_text state '{}'
add_text state '[]'
add_text state 'null'
add_text state '{"a":1,"b":[true,false,null],"c":{"d":"e"}}'
add_text state '{"n":[0,-0,1.5,-2.25e-7,1E5,1e22,9223372036854775807,-9223372036854775808,0.1]}'
add_text state '{"s":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/","k\\u0001":"x"}'
add_text state '{"a":1,"a":2}'
add_text state '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'
add_text state '{"bidi":"\342\200\256abc","c1":"\302\233"}'
add_text escape 'plain text'
add_text escape '\033[31mred\033[0m\r\n\t\177'
add_text escape '\342\200\256evil\342\200\254 \342\200\250 \330\234'
add_text escape 'caf\303\251 \360\237\230\200 \344\270\255 e\314\201'
add_text escape '\300\200 \355\240\200 \364\220\200\200 \377\376 \302'
add_text escape '\\x41 \\u001b back\\slash'

add_text patch '{"a":1}\000[{"op":"replace","path":"/a","value":2}]'
add_text patch '{"a":[1,2,3]}\000[{"op":"add","path":"/a/-","value":4},{"op":"remove","path":"/a/0"}]'
add_text patch '{"a":{"b":1}}\000[{"op":"move","from":"/a/b","path":"/c"},{"op":"copy","from":"/c","path":"/d"}]'
add_text patch '{"a":1}\000[{"op":"test","path":"/a","value":1},{"op":"test","path":"/a","value":2}]'
add_text patch '{"a~b":{"c/d":1}}\000[{"op":"remove","path":"/a~0b/c~1d"}]'
add_text patch '[1,2]\000[{"op":"replace","path":"","value":{"x":null}}]'
add_text patch '{"a":[]}\000[{"op":"add","path":"/a/01","value":1},{"op":"add","path":"/a/1","value":1}]'
add_text patch '{"a":{"b":[1]}}\000[{"op":"move","from":"/a","path":"/a/b/0"}]'
add_text patch '{"a":1}\000{"a":null,"b":{"c":[1,{"id":2}]}}'
add_text patch '[{"id":1,"v":1},{"id":2,"v":2},{"id":3,"v":3}]\000[{"id":3,"v":3},{"id":1,"v":9}]'
add_text patch '{"agents":[{"name":"a","s":1},{"name":"b","s":2}]}\000{"agents":[{"name":"b","s":3},{"name":"c","s":1},{"name":"a","s":1}]}'

# fuzz_blob input: codec byte, raw size (4 bytes, little-endian), data.
add_text blob '\000\005\000\000\000hello'
add_text blob '\000\000\000\000\000'
add_text blob '\002\001\000\000\000x'
add_text blob '\001\377\377\017\000x'
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/blob" <<'PY'
import os, struct, sys, zlib
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
samples = [b"", b"a", b'{"a":1,"b":[1,2,3]}' * 20, bytes(range(256)), b"x" * 4096]
for i, s in enumerate(samples):
    z = zlib.compress(s, 6)
    for j, (size, body) in enumerate([(len(s), z), (len(s) + 1, z), (len(s), z[:-3]),
                                      (len(s), z + b"junk")]):
        with open(os.path.join(d, "%d_%d" % (i, j)), "wb") as f:
            f.write(b"\x01" + struct.pack("<I", size) + body)
PY
	for f in "$tmp"/blob/*; do add blob "$f"; done
fi

# ---- a small demo store: states, patches, exports -------------------------
if [ -x "$bin" ]; then
	db=$tmp/demo.db
	"$bin" --store "$db" demo --steps 6 --seed 1 --end 2026-11-25T14:00:00Z >/dev/null
	for id in 1 2 3 4 5 6; do
		"$bin" --store "$db" show "$id" --compact > "$tmp/s$id.json"
		add state "$tmp/s$id.json"
	done
	"$bin" --store "$db" show 3 > "$tmp/pretty.json" && add state "$tmp/pretty.json"
	for id in 1 2 3 4 5; do
		next=$((id + 1))
		"$bin" --store "$db" diff "$id" "$next" --format patch --compact > "$tmp/p$id.json" || true
		add_pair patch "$tmp/s$id.json" "$tmp/p$id.json"
		add_pair patch "$tmp/s$id.json" "$tmp/s$next.json"
		"$bin" --store "$db" diff "$id" "$next" > "$tmp/d$id.txt" || true
		add escape "$tmp/d$id.txt"
	done

	# A store of tiny states (small seeds mutate faster) with the fields an
	# export carries: two sessions, tags, a pin, a description.
	tiny=$tmp/tiny.db
	printf '{"a":1}' | "$bin" --store "$tiny" capture one --tag t1 --desc 'first' >/dev/null
	printf '{"a":2,"b":[1,2]}' | "$bin" --store "$tiny" capture one --pin >/dev/null
	printf '{"a":2,"b":[1,2,3],"c":{"d":"\\u00e9"}}' | "$bin" --store "$tiny" capture one >/dev/null
	printf '[]' | "$bin" --store "$tiny" capture two --tag x --tag y >/dev/null
	# A session configuration (ignore rules, array keys, retention, keyframes)
	# for the import's config checks, and a few deltas between keyframes.
	"$bin" --store "$tiny" session one --every 5s --max-age 7d --max-count 100 --keep-hourly 3 \
		--keep-daily 2 --ignore '/b/*' --array-key /agents=name --keyframe-every 2 \
		--delete-tagged >/dev/null 2>&1 || echo "seed.sh: 'session one ...' failed" >&2
	for k in 1 2 3; do
		printf '{"a":3,"agents":[{"name":"n%s","s":%s},{"name":"m","s":1}]}' "$k" "$k" |
			"$bin" --store "$tiny" capture one >/dev/null
	done

	# export FMT FILE [ARGS...] from the tiny store (DB=... for another)
	export_to() {
		fmt=$1 file=$2
		shift 2
		"$bin" --store "${DB:-$tiny}" export --format "$fmt" --force -o "$file" "$@" \
			>/dev/null 2>&1 || return 1
	}
	for fmt in json binary; do
		t=import_$fmt
		if ! export_to "$fmt" "$tmp/tiny.$fmt"; then
			echo "seed.sh: 'export --format $fmt' failed; no $t seeds from exports" >&2
			continue
		fi
		# Exports carry the export time (and the tiny store's capture
		# times): made once per corpus, or every run would add new seeds.
		[ -e "$out/.exports-$t" ] && continue
		add "$t" "$tmp/tiny.$fmt"
		export_to "$fmt" "$tmp/two.$fmt" two && add "$t" "$tmp/two.$fmt"
		export_to "$fmt" "$tmp/id1.$fmt" --id 1 && add "$t" "$tmp/id1.$fmt"
		# Two real demo states (a keyframe and a delta when the format keeps
		# deltas); the whole demo is left out: its size would become
		# libFuzzer's -max_len and slow every mutation.
		DB=$db export_to "$fmt" "$tmp/demo23.$fmt" --id 2 --id 3 && add "$t" "$tmp/demo23.$fmt"
		: > "$out/.exports-$t"
	done
else
	echo "seed.sh: $bin not found; no demo, show or export seeds" >&2
fi

for t in state escape patch blob import_json import_binary; do
	c=0; [ -d "$out/$t" ] && c=$(ls "$out/$t" | wc -l)
	printf 'seed.sh: %-14s %s files\n' "$t" "$c"
done

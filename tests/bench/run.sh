#!/usr/bin/env bash
# tests/bench/run.sh - drive `make bench` / `make bench-quick`: generate the
# histories, run build/bench/bench on each workload, write the results.
#
#   tests/bench/run.sh full|quick
#
# Environment (all optional):
#   BENCH_CHANGE_PCT   percent of leaves changed per generated step (default 1)
#   BENCH_BIG_STEPS    snapshots of the ~20 MB workload in full mode (default
#                      20: `git gc --aggressive` on 40 such states took 184 s
#                      and 1.8 GiB here, and grows faster than linearly; the
#                      1 MB x 500 workload's gc alone took 332 s)
#   BENCH_REAL_STEPS   cap on versions of each real history (default 200 in
#                      full mode, 40 in quick mode; 0 = all)
#   BENCH_DATA         where the real histories live (default ../shared/data,
#                      next to the repository; skipped with a note when absent)
#   TMPDIR             where the temporary repositories and stores go
#
# Output: stdout and build/bench/results.md (written whole at the end, so an
# interrupted run leaves the previous results alone).  Temporary files are
# removed on exit, whatever happens.
set -euo pipefail

mode=${1:-quick}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin=$root/build/snapscope
gen=$root/build/bench/gen
bench=$root/build/bench/bench
results=$root/build/bench/results.md
pct=${BENCH_CHANGE_PCT:-1}
data=${BENCH_DATA:-$root/../shared/data}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/snapscope-bench.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

# Run private copies: a rebuild of build/ during a long run (other work in
# the tree) must not swap or remove a binary between two calls.
mkdir "$tmp/bin"
cp "$bin" "$gen" "$bench" "$tmp/bin/"
bin=$tmp/bin/snapscope
gen=$tmp/bin/gen
bench=$tmp/bin/bench
out=$tmp/results.md

# name bytes steps samples, per mode.  Steps and samples were chosen by
# measuring on a 2-core machine: full stays well under 30 minutes.
case $mode in
full)
	workloads=("gen-10KB 10000 500 100" "gen-1MB 1000000 500 100"
	           "gen-20MB 20000000 ${BENCH_BIG_STEPS:-20} 10")
	# All versions would add ~10 minutes of `git gc --aggressive` alone.
	real_steps=${BENCH_REAL_STEPS:-200}
	real_samples=50
	;;
quick)
	workloads=("gen-10KB 10000 60 20" "gen-1MB 1000000 20 8")
	real_steps=${BENCH_REAL_STEPS:-40}
	real_samples=8
	;;
*)
	echo "usage: $0 full|quick" >&2
	exit 2
	;;
esac

target="make bench"
[ "$mode" = quick ] && target="make bench-quick"
started=$(date +%s)
{
	echo "# snapscope vs git scraping ($mode)"
	echo
	echo "Measured by \`$target\` on $(date -u +%Y-%m-%dT%H:%MZ); every figure below comes from this run."
	echo
	echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)," \
	     "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)"
	echo "- kernel: $(uname -sr)"
	echo "- $(git --version); SQLite $("$bench" sqlite-version); $("$bin" --version 2>&1 | head -n1)"
	echo "- generated states: $pct % of leaves changed per step, plus tasks and memory entries inserted"
	echo "  into and removed from the middle of their arrays and the message log rotated (seeded)"
	echo "- git: a fresh repository per workload, \`git add\` and \`git commit\` as two processes per"
	echo "  snapshot (gc.auto=0), then \`git gc --aggressive --prune=now\`; both tools are given the"
	echo "  same file, pretty-printed (two-space indent) as git scrapers commit it"
	echo "- times are wall-clock per call, including process start-up where a process is run;"
	echo "  in-process rows are calls into libsnapscope; ratio < 1 means snapscope is smaller/faster"
} >"$out"
cat "$out"

run_workload() { # name input field steps samples note
	local name=$1 input=$2 field=$3 steps=$4 samples=$5 note=$6 dir
	dir=$(mktemp -d "$tmp/$name.XXXXXX")
	local args=(run --name "$name" --input "$input" --steps "$steps" --samples "$samples"
	            --snapscope "$bin" --tmp "$dir" --seed 7)
	[ -n "$field" ] && args+=(--field "$field")
	[ -n "$note" ] && args+=(--note "$note")
	"$bench" "${args[@]}" | tee -a "$out"
	rm -rf "$dir"
}

for w in "${workloads[@]}"; do
	read -r name bytes steps samples <<<"$w"
	jsonl=$tmp/$name.jsonl
	info=$("$gen" --bytes "$bytes" --steps "$steps" --change-pct "$pct" --seed 1 -o "$jsonl" 2>&1)
	echo "$info" >&2
	info=${info%% -> *}
	run_workload "$name" "$jsonl" "" "$steps" "$samples" \
		"Generated multi-agent state (${info#gen: }; plus array insertions, removals and log rotation)."
	rm -f "$jsonl"
done

for real in real-ca-fires real-pge-outages; do
	input=$data/$real/versions.jsonl.gz
	if [ ! -r "$input" ]; then
		printf '\n### %s\n\nskipped: %s is not present (the real histories are optional).\n' \
			"$real" "$input" | tee -a "$out"
		continue
	fi
	what="all versions"
	[ "$real_steps" -gt 0 ] && what="the first $real_steps versions"
	run_workload "$real" "$input" state "$real_steps" "$real_samples" \
		"Real git-scraped history ($real, $what), each line's \`.state\`."
done

printf '\nTotal bench time: %ss.\n' "$(($(date +%s) - started))" | tee -a "$out"
mkdir -p "$(dirname "$results")"
cp "$out" "$results.tmp"
mv "$results.tmp" "$results"
echo "results: $results" >&2

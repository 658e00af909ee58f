#!/bin/sh
# Benchmarks package hashindex at bank scale: build time, resident memory,
# single-core lookups/s at radius 31 (median of several rounds, by the wall
# clock and by the searching thread's CPU time) and the brute-force rate, on a
# random and on a clustered (near-duplicate family) bank, next to the
# reference figures in notes/PDQ.md.
# Usage: bench/hashindex.sh [-n 10000000] [other indexbench flags]
# With BASE=<git revision> in the environment it also builds that revision's
# indexbench and runs it right after the current one on each bank shape, so
# that old and new are measured under the same load (pass only flags both
# know; -rounds is new).
# Needs about 1.5 GiB of memory at 10M and a few minutes on two cores.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/indexbench" ./bench/cmd/indexbench
if [ -n "${BASE:-}" ]; then
	mkdir "$tmp/base"
	git archive "$BASE" go.mod go.sum hashindex bench/cmd/indexbench | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/indexbench-base" ./bench/cmd/indexbench)
fi
for data in random clustered; do
	echo "== $data"
	"$tmp/indexbench" -data "$data" "$@"
	echo
	if [ -n "${BASE:-}" ]; then
		echo "== $data, BASE=$BASE"
		"$tmp/indexbench-base" -data "$data" "$@"
		echo
	fi
done

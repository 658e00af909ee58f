#!/bin/sh
# Benchmarks package hashindex at bank scale: build time, resident memory,
# single-core lookups/s at radius 31 and the brute-force rate, on a random and
# on a clustered (near-duplicate family) bank, next to the reference figures
# in notes/PDQ.md. Usage: bench/hashindex.sh [-n 10000000] [other indexbench flags]
# Needs about 1.5 GiB of memory at 10M and a few minutes on two cores.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/indexbench
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./bench/cmd/indexbench
for data in random clustered; do
	echo "== $data"
	"$bin" -data "$data" "$@"
	echo
done

#!/usr/bin/env bash
# Queue benchmark (issue 5): N synthetic subjects (default one million) in a
# fresh SQLite database and, when one can be had, PostgreSQL; the real web
# server on loopback; p50/p99/max of the queue's first page, filtered pages
# and the API, one request at a time, beside the 50 ms p99 target. Then the
# assessor, timed twice beside the 30 s target: the first assessment of
# every subject (each moves in the queue: the worst case), and the built-in
# policy applied anew under a new version (every subject re-assessed and
# given a new assessment). Each with its CPU time and I/O, which unlike the
# wall time do not depend on what else the machine is doing.
#
#   bench/queue.sh                  # N=1000000
#   N=100000 bench/queue.sh         # a smaller run
#   SAFEGUARD_BENCH_POSTGRES=postgres://… bench/queue.sh   # an existing server
set -euo pipefail
N=${N:-1000000}
REQUESTS=${REQUESTS:-300}
REPO=$(cd "$(dirname "$0")/.." && pwd)
bin=$(mktemp -d)/queuebench
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$REPO" && go build -o "$bin" ./bench/cmd/queuebench)
echo "== SQLite"
"$bin" -n "$N" -requests "$REQUESTS"
pg=${SAFEGUARD_BENCH_POSTGRES:-}
pgdir=""
if [ -z "$pg" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	pgdir=$(mktemp -d)
	eval "$("$REPO/scripts/pg-start" "$pgdir")"
	pg=$SAFEGUARD_TEST_POSTGRES
	trap 'rm -rf "$(dirname "$bin")"; "$REPO/scripts/pg-stop" "$pgdir"' EXIT
fi
if [ -n "$pg" ]; then
	echo
	echo "== PostgreSQL"
	"$bin" -n "$N" -requests "$REQUESTS" -db "$pg"
else
	echo "(no PostgreSQL: set SAFEGUARD_BENCH_POSTGRES or install postgresql)"
fi

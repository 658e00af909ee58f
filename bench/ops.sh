#!/usr/bin/env bash
# Operations load benchmark (issue 6): 45 forces record actions through
# the API at a combined 200 requests a second for 60 s (5% of them retried
# with the same Idempotency-Key) while 20 coordinators hold the live
# page's event stream open, against `safeguard serve` on SQLite and on
# PostgreSQL. bench/cmd/opsload seeds each fresh database, runs the load
# and checks: no request fails, every action is stored exactly once, every
# stream receives every action once. It prints p50/p99/max request latency
# and the delay from an answer to its event on the streams.
#
#   bench/ops.sh                          # 200 req/s for 60 s
#   RATE=100 DURATION=20s bench/ops.sh    # a smaller run
#   SAFEGUARD_BENCH_POSTGRES=postgres://… bench/ops.sh   # an existing server
#
# PostgreSQL: SAFEGUARD_BENCH_POSTGRES names a server whose database is
# used as the base for a fresh one; otherwise scripts/pg-start starts a
# throwaway cluster when the PostgreSQL binaries are installed.
set -euo pipefail

RATE=${RATE:-200}
DURATION=${DURATION:-60s}
FORCES=${FORCES:-45}
STREAMS=${STREAMS:-20}
ROOT=${ROOT:-/tmp/safeguard-bench-ops}
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$ROOT"

echo "building safeguard and opsload" >&2
(cd "$REPO" && go build -o "$ROOT/safeguard" ./cmd/safeguard && go build -o "$ROOT/opsload" ./bench/cmd/opsload)
echo "$(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg)" >&2

status=0
load() {
	"$ROOT/opsload" -safeguard "$ROOT/safeguard" -db "$2" -key "$ROOT/key" -label "$1" \
		-rate "$RATE" -duration "$DURATION" -forces "$FORCES" -streams "$STREAMS" || status=1
}

rm -f "$ROOT"/ops.db* "$ROOT/key"
load SQLite "sqlite:$ROOT/ops.db"
rm -f "$ROOT"/ops.db*

. "$REPO/bench/postgres.sh"
with_postgres "sgops_$$" load PostgreSQL
echo "target: $RATE req/s for $DURATION from $FORCES forces, $STREAMS live streams; no failures, every action once, every event on every stream" >&2
exit $status

#!/usr/bin/env bash
# Ingest benchmark: `safeguard ingest` of N synthetic referrals (JSON lines,
# about three identifiers and two IP events each, identifiers repeating
# across referrals from a pool of fictional people) into a fresh database
# holding a synthetic ISP lease table (referralgen -leases, imported with
# `safeguard attribution import` before the clock starts; its time is
# printed apart), on SQLite and, when one can be had, on PostgreSQL. The
# timed run ingests, links and attributes. Prints referrals/s and peak
# RSS beside the target.
#
#   bench/ingest.sh                 # N=1000000
#   N=100000 bench/ingest.sh        # a smaller run
#   SAFEGUARD_BIN=./safeguard bench/ingest.sh    # time a binary built earlier
#   SAFEGUARD_BENCH_POSTGRES=postgres://… bench/ingest.sh   # an existing server
#
# PostgreSQL: SAFEGUARD_BENCH_POSTGRES names a server whose database is
# used as the base for a fresh one; otherwise scripts/pg-start starts a
# throwaway cluster when the PostgreSQL binaries are installed, and
# scripts/pg-stop removes it afterwards. SQLITE_PRAGMAS adds URL pragmas
# for a second SQLite run (none by default).
#
# It also times the floor under the SQLite run (bench/cmd/ingestfloor):
# the same file's rows and index entries stored bare into the same schema,
# already linked, with no lookups, linking decisions, encryption or audit.
# No ingest of this schema on this driver can be faster than that row.
#
# Target (issue 4): one million referrals ingested, linked and attributed
# in <= 60 s on SQLite on two cores.
set -euo pipefail

N=${N:-1000000}
ROOT=${ROOT:-/tmp/safeguard-bench-ingest}
REPO=$(cd "$(dirname "$0")/.." && pwd)
SQLITE_PRAGMAS=${SQLITE_PRAGMAS-}
mkdir -p "$ROOT"

if [ -n "${SAFEGUARD_BIN:-}" ]; then
	cp "$SAFEGUARD_BIN" "$ROOT/safeguard"
else
	echo "building safeguard" >&2
	(cd "$REPO" && go build -o "$ROOT/safeguard" ./cmd/safeguard)
fi
FILE=$ROOT/referrals-v2-$N.jsonl
LEASES=$ROOT/leases-v2-$N.csv
if [ ! -s "$FILE" ] || [ ! -s "$LEASES" ]; then
	echo "generating $N referrals in $FILE and their leases in $LEASES" >&2
	(cd "$REPO" && go run ./bench/cmd/referralgen -n "$N" -leases "$LEASES.tmp") >"$FILE.tmp"
	mv "$FILE.tmp" "$FILE"
	mv "$LEASES.tmp" "$LEASES"
fi
echo "$N referrals, $(($(stat -c %s "$FILE") >> 20)) MB; $(($(wc -l <"$LEASES") - 1)) leases; $(nproc) cores; load average $(cut -d' ' -f1 /proc/loadavg)" >&2

export SAFEGUARD_KEY_FILE=$ROOT/key
rm -f "$SAFEGUARD_KEY_FILE"

# read_time FILE: wall (s), cpu (user + system s) and rss (KB) from the
# report of /usr/bin/time -v in FILE, which it removes.
read_time() {
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$1")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$1")
	cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$1")
	rm -f "$1"
}

# add_row LABEL IMPORT: a result row from wall, cpu and rss.
add_row() {
	results+=("$(printf '%-30s %9.1f %9.1f %12.0f %10.0f %14.1f %9s %6s' "$1" "$wall" "$cpu" "$(echo "$N / $wall" | bc -l)" \
		"$((rss / 1024))" "$(echo "1000000 * $wall / $N" | bc -l)" "$2" "$(cut -d' ' -f1 /proc/loadavg)")")
}

# run LABEL URL: migrate a fresh database, time one ingest, check the
# summary and print a result row.
results=()
run() {
	local label=$1 url=$2 out summary accepted imported t0
	"$ROOT/safeguard" migrate --db "$url" >/dev/null 2>&1
	t0=$(date +%s.%N)
	"$ROOT/safeguard" attribution import --db "$url" --kind isp "$LEASES" >/dev/null
	imported=$(echo "$(date +%s.%N) - $t0" | bc -l)
	out=$(mktemp)
	echo "$label: leases imported in $(printf '%.1f' "$imported") s; ingesting (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
	/usr/bin/time -v -o "$out" "$ROOT/safeguard" ingest --db "$url" "$FILE" >"$ROOT/summary.json"
	summary=$(head -c 300 "$ROOT/summary.json")
	accepted=$(sed -n 's/.*"accepted":\([0-9]*\).*/\1/p' "$ROOT/summary.json")
	[ "$accepted" = "$N" ] || { echo "$label: summary $summary, want $N accepted" >&2; exit 1; }
	read_time "$out"
	add_row "$label" "$(printf '%.1f' "$imported")"
}

rm -f "$ROOT"/bench.db*
run "SQLite" "sqlite:$ROOT/bench.db"
rm -f "$ROOT"/bench.db*
(cd "$REPO" && go build -o "$ROOT/ingestfloor" ./bench/cmd/ingestfloor)
"$ROOT/safeguard" migrate --db "sqlite:$ROOT/bench.db" >/dev/null 2>&1
echo "SQLite floor: storing the same rows bare (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
out=$(mktemp)
/usr/bin/time -v -o "$out" "$ROOT/ingestfloor" -db "$ROOT/bench.db" "$FILE" >&2
read_time "$out"
add_row "SQLite floor (rows bare)" ""
if [ -n "$SQLITE_PRAGMAS" ]; then
	rm -f "$ROOT"/bench.db*
	run "SQLite + $SQLITE_PRAGMAS" "sqlite:$ROOT/bench.db?_pragma=$SQLITE_PRAGMAS"
fi
rm -f "$ROOT"/bench.db*

. "$REPO/bench/postgres.sh"
with_postgres "sgbench_$$" run PostgreSQL

printf '\n%-30s %9s %9s %12s %10s %14s %9s %6s\n' "database" "wall s" "CPU s" "referrals/s" "peak MB" "s per million" "import s" "load"
for r in "${results[@]}"; do echo "$r"; done
printf '%-30s %9s %9s %12s %10s %14s\n' "target (SQLite, 2 cores)" "" "" "16667" "bounded" "<= 60"
echo
echo "wall, CPU, referrals/s and peak MB are of 'safeguard ingest': store, link"
echo "and attribute; the lease import before it is timed apart (import s)."
echo "The floor row stores the same rows bare (bench/cmd/ingestfloor): a lower"
echo "bound for any ingest into this schema with this SQLite driver."
echo "load is the 1-minute load average when the run ended."

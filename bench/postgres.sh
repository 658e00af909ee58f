# Sourced by the benchmarks for their PostgreSQL run (needs REPO and ROOT).
#
# with_postgres NAME CMD ARGS… runs CMD ARGS… URL, URL naming a fresh
# database NAME on SAFEGUARD_BENCH_POSTGRES's server or, when that is
# unset and the PostgreSQL binaries are installed, on a throwaway cluster
# under $ROOT/pg that is stopped when the script exits. The database is
# dropped afterwards. Without a server or psql it says so and skips.
with_postgres() {
	local name=$1
	shift
	local base=${SAFEGUARD_BENCH_POSTGRES:-}
	if [ -z "$base" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
		pgdir=$ROOT/pg # global: the exit trap reads it
		"$REPO/scripts/pg-stop" "$pgdir" >/dev/null 2>&1 || true
		eval "$("$REPO/scripts/pg-start" "$pgdir")"
		base=$SAFEGUARD_TEST_POSTGRES
		trap '"$REPO/scripts/pg-stop" "$pgdir"' EXIT
	fi
	if [ -z "$base" ] || ! command -v psql >/dev/null; then
		echo "no PostgreSQL (set SAFEGUARD_BENCH_POSTGRES, or install the server and psql): skipped" >&2
		return 0
	fi
	local psqlurl=${base%%\?*}
	psql -q "$psqlurl" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1
	"$@" "$(echo "$base" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$name#")"
	psql -q "$psqlurl" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
}

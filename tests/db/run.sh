#!/usr/bin/env bash
# tests/db/run.sh: the SQL suite. A throwaway cluster and database, every migration applied
# by `cca migrate`, the sample data by `cca seed`, then pgTAP files through pg_prove, and the
# libpq store's own test binary against the same database.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/results
dir=$(mktemp -d /tmp/cca-dbtest.XXXXXX)
trap 'scripts/pg.sh destroy "$dir" >/dev/null 2>&1' EXIT
log=build/results/db.log
fail() { echo "db: setup failed: $*"; echo "0 1" > build/results/db; exit 1; }
scripts/vector_ensure.sh || fail "vector extension"
scripts/pg.sh start "$dir" || fail "cluster start"
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
createdb -h "$sock" -U cca_super cca || fail createdb
export CCA_DATABASE_URL=$url
./cca migrate > "$log" 2>&1 || { cat "$log"; fail "cca migrate"; }
./cca seed >> "$log" 2>&1 || { cat "$log"; fail "cca seed"; }
./cca ingest --source sample-kb assets/kb >> "$log" 2>&1 || { cat "$log"; fail "cca ingest"; }
# the demo role, as scripts/setup_db.sh makes it (13_admin tests what it may do)
psql "$url" -XAtqc "select cca_demo_role_setup('cca_demo')" >> "$log" 2>&1 || fail "demo role"
out=$(pg_prove -v -h "$sock" -U cca_super -d cca tests/db/*.sql 2>&1); rc=$?
printf '%s\n' "$out" >> "$log"
passed=$(grep -cE '^ok ' <<<"$out"); failed=$(grep -cE '^not ok ' <<<"$out")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
printf '%s\n' "$out" | grep -E '^(not ok|# |Failed|tests/db/.*(Dubious|Failed|Wstat))' | head -60
printf '%s\n' "$out" | tail -3
pg_store_test=build/debug/tests/test_pg_store
if [ -x "$pg_store_test" ]; then
    out=$(CCA_TEST_DATABASE_URL=$url CMOCKA_MESSAGE_OUTPUT=TAP "$pg_store_test" 2>&1); rc=$?
    printf '%s\n' "$out" >> "$log"
    ok=$(grep -cE '^ok ' <<<"$out"); bad=$(grep -cE '^not ok ' <<<"$out")
    [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    printf '%s\n' "$out" | grep -E '^not ok' | head
    echo "  test_pg_store (live database): $ok passed, $bad failed"
    passed=$((passed + ok)); failed=$((failed + bad))
fi
# scripts/pg.sh's sizing of this cluster (restarts it once)
out=$(tests/db/pg_sizing.sh "$dir" 2>&1)
printf '%s\n' "$out" >> "$log"
ok=$(grep -cE '^ok ' <<<"$out"); bad=$(grep -cE '^not ok ' <<<"$out")
[ "$ok" -eq 0 ] && bad=$((bad + 1))
printf '%s\n' "$out" | grep -E '^not ok' | head
echo "  pg_sizing.sh (scripts/pg.sh): $ok passed, $bad failed"
passed=$((passed + ok)); failed=$((failed + bad))
echo "$passed $failed" > build/results/db
echo "db: $passed passed, $failed failed (log: $log)"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# bench_audience.sh: what restricted content (018) costs retrieval. Not a test: prints
# figures, asserts nothing. Part of `make bench`.
#
# A throwaway cluster (scripts/pg.sh start $BENCH_DIR), or the server at $BENCH_URL (a
# superuser connection string, e.g. the pgvector sandbox's `sandbox.sh DIR url`), gets a
# database migrated by ./cca migrate and seeded (./cca seed: the sample people). Then
# $DOCS documents of $PER_DOC passages (10,000 by default) with random unit embeddings of
# 1536 dimensions, and for each case:
#   no RLS      every document for everyone, as the superuser (row-level security bypassed)
#   open        every document for everyone
#   30% hr      30 % of the documents (every third, plus a few) for role:hr_manager only
# $QUERIES calls of match_passages(q, 0.0, 5) as the learner alice (SET ROLE, so row-level
# security applies) are timed on the server (clock_timestamp() around each call, 3 warm-up
# calls not counted), with the same random query vectors in both cases. Printed: p50/p95,
# the smallest number of rows a call returned (5 = k was always met), how many restricted
# rows came back (0: none may), and the plan of one call's inner query as alice.
#
# Environment: DOCS (1000), PER_DOC (10), QUERIES (100), BENCH_DIR (/tmp/cca-bench-aud),
# BENCH_URL (use that server instead of a private cluster), KEEP=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${DOCS:-1000}
per_doc=${PER_DOC:-10}
queries=${QUERIES:-100}
dir=${BENCH_DIR:-/tmp/cca-bench-aud}
keep=${KEEP:-0}
[ -x ./cca ] || make -s cca

if [ -n "${BENCH_URL:-}" ]; then
    url=$BENCH_URL
    cleanup() { :; }
else
    scripts/vector_ensure.sh
    scripts/pg.sh start "$dir" >/dev/null
    url=$(scripts/pg.sh url "$dir")
    cleanup() { if [ "$keep" != 1 ]; then scripts/pg.sh destroy "$dir" >/dev/null; fi; }
fi
trap cleanup EXIT
export PGOPTIONS="-c client_min_messages=warning"
with_db() { # URL with dbname=$1 instead of any other
    printf '%s dbname=%s' "$(printf '%s' "$url" | sed 's/dbname=[^ ]*//')" "$1"
}
admin=$(with_db postgres)
db=$(with_db cca_bench_aud)
psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "DROP DATABASE IF EXISTS cca_bench_aud" \
    -c "CREATE DATABASE cca_bench_aud"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$db" "$@"; }
CCA_DATABASE_URL=$db ./cca migrate > /dev/null
CCA_DATABASE_URL=$db ./cca seed > /dev/null
echo "bench_audience: $(q -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname IN ('vector', 'cca_vector')"), $((docs * per_doc)) passages, $queries calls of match_passages(q, 0.0, 5) as a learner"

t0=$(date +%s.%N)
q <<SQL
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
CREATE FUNCTION bench_unit_vector(i int) RETURNS vector LANGUAGE sql VOLATILE AS \$\$
    SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector(1536))
      FROM generate_series(1, 1536) WHERE i IS NOT NULL
\$\$;
SELECT setseed(0.18);
INSERT INTO learning_content (id, title, content, content_type)
SELECT 'bench-' || d, 'Bench document ' || d, 'Generated text ' || d, 'reference'
FROM generate_series(1, $docs) d;
INSERT INTO content_passages (id, content_id, ordinal, body, embedding)
SELECT 'bench-' || d || '-' || o, 'bench-' || d, o, 'Passage ' || o || ' of document ' || d,
       bench_unit_vector(d * 100 + o)
FROM generate_series(1, $docs) d, generate_series(0, $per_doc - 1) o;
CREATE TABLE bench_queries AS SELECT i, bench_unit_vector(i) AS v FROM generate_series(-2, $queries) i;
GRANT SELECT ON bench_queries TO PUBLIC;

CREATE FUNCTION bench_match(OUT p50_ms float8, OUT p95_ms float8, OUT min_rows int,
                            OUT restricted_rows int)
LANGUAGE plpgsql AS \$\$
DECLARE
    t0 timestamptz;
    times float8[] := '{}';
    n int;
    r record;
    qv record;
BEGIN
    min_rows := NULL;
    restricted_rows := 0;
    FOR qv IN SELECT * FROM bench_queries ORDER BY i LOOP
        t0 := clock_timestamp();
        n := 0;
        FOR r IN SELECT * FROM match_passages(qv.v, 0.0, 5) LOOP
            n := n + 1;
            restricted_rows := restricted_rows + (r.audience IS NOT NULL)::int;
        END LOOP;
        IF qv.i > 0 THEN
            times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
            min_rows := least(coalesce(min_rows, n), n);
        END IF;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY x)
      INTO p50_ms, p95_ms FROM unnest(times) x;
END
\$\$;
CREATE FUNCTION bench_plan() RETURNS SETOF text LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM cca_hnsw_tune(5, false);
    RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ' || cca_match_sql('passages', false)
        USING (SELECT v FROM bench_queries WHERE i = 1), 5, NULL::text[], 0.0::float8;
END
\$\$;
SQL
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  load %.1f s\n", b - a }'

run_case() { # NAME [ROLE]: as the learner alice, or as ROLE (the superuser: no RLS at all)
    local name=$1 role=${2:-cca_u_alice}
    q -c "VACUUM ANALYZE content_passages" -c "VACUUM ANALYZE learning_content" \
      -c "SELECT pg_prewarm('content_passages')" > /dev/null
    local res
    res=$(q -c "SET ROLE $role" -F ' ' -c "SELECT round(p50_ms::numeric, 2), round(p95_ms::numeric, 2), min_rows, restricted_rows FROM bench_match()")
    read -r p50 p95 minr restr <<< "$res"
    printf '  %-8s p50 %7s ms  p95 %7s ms  rows >= %s  restricted rows returned %s  (%s%% of passages restricted)\n' \
        "$name" "$p50" "$p95" "$minr" "$restr" \
        "$(q -c "SELECT round(100.0 * count(*) FILTER (WHERE readers <> '{everyone}') / count(*)) FROM content_passages")"
}
run_case "no RLS" "$(q -c "SELECT current_user")"
run_case open
q -c "UPDATE learning_content SET audience = '{role:hr_manager}' WHERE id LIKE 'bench-%' AND (substr(id, 7)::int % 10) IN (0, 3, 6)" > /dev/null
run_case "30% hr"
echo "  plan of the inner query as alice (30% restricted):"
q -c "SET ROLE cca_u_alice" -c "SELECT * FROM bench_plan()" | sed -E "s/'\[[^]]*\]'/'[q]'/; s/^/    /"
if [ "$keep" = 1 ]; then
    echo "  kept: $db"
else
    psql -X -q "$admin" -c "DROP DATABASE cca_bench_aud" 2>/dev/null || true
fi

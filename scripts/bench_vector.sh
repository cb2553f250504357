#!/usr/bin/env bash
# bench_vector.sh: exact top-5 cosine search over N random unit vectors of 1536 dimensions.
# Not a test: prints figures, asserts nothing. Part of `make bench`.
#
# On a private cluster (scripts/pg.sh start $BENCH_DIR) it loads, for each case, a table shaped
# like content_passages (id text primary key, embedding vector(1536)), then times $QUERIES
# queries with a fresh random query vector each:
#   topk   SELECT id, 1 - (embedding <=> q) FROM t ORDER BY embedding <=> q LIMIT 5
#   match  the same with match_documents' threshold filter: WHERE 1 - (embedding <=> q) > 0.0
# Timing is per query with clock_timestamp() in a plpgsql loop on the server, so it includes
# planning and execution but not the network; 3 warm-up queries are not counted.
#
# Environment:
#   BENCH_CASES  "N:storage ..." (storage: plain = ALTER COLUMN SET STORAGE PLAIN, as CCA's
#                schema does; default = the type's storage, out-of-line TOAST like pgvector)
#                default: "10000:plain 10000:default 100000:plain"
#   QUERIES      timed queries per case (default 50)
#   BENCH_DIR    cluster folder (default /tmp/cca-bench); KEEP=1 keeps it afterwards
#   VECTOR_EXT   extension to use (default: vector if available, else cca_vector)
#   BENCH_SHARED_BUFFERS  shared_buffers of the bench cluster (default 1GB). Each table is
#                read into shared buffers with pg_prewarm before timing, as on a server sized
#                for its embeddings. A sequential scan of a table bigger than a quarter of
#                shared_buffers goes through a small ring buffer and reads every page from the
#                OS cache instead: set 256MB (pg.sh's default) to measure that case.
set -euo pipefail
cd "$(dirname "$0")/.."

cases=${BENCH_CASES:-"10000:plain 10000:default 100000:plain"}
queries=${QUERIES:-50}
dir=${BENCH_DIR:-/tmp/cca-bench}
keep=${KEEP:-0}
dims=1536

scripts/vector_ensure.sh
shared_buffers=${BENCH_SHARED_BUFFERS:-1GB}
scripts/pg.sh start "$dir"
export PGHOST="$dir/run" PGUSER=cca_super PGDATABASE=cca_bench
export PGOPTIONS="-c client_min_messages=warning"
if [ "$(psql -X -At -d postgres -c "SELECT current_setting('shared_buffers') = '$shared_buffers'")" != t ]; then
    psql -X -q -d postgres -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'"
    scripts/pg.sh stop "$dir"
    scripts/pg.sh start "$dir"
fi
cleanup() {
    if [ "$keep" != 1 ]; then scripts/pg.sh destroy "$dir"; fi
}
trap cleanup EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

psql_q -d postgres -c "DROP DATABASE IF EXISTS cca_bench" -c "CREATE DATABASE cca_bench"
ext=${VECTOR_EXT:-}
if [ -z "$ext" ]; then
    if [ "$(psql_q -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")" = 1 ]; then
        ext=vector
    else
        ext=cca_vector
    fi
fi
psql_q -c "CREATE EXTENSION $ext" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm"

psql_q <<SQL
-- a random unit vector: i only keeps the subquery from being evaluated once
CREATE FUNCTION bench_unit_vector(i int) RETURNS vector LANGUAGE sql VOLATILE AS \$\$
    SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector($dims))
      FROM generate_series(1, $dims) WHERE i IS NOT NULL
\$\$;

CREATE FUNCTION bench_query(tbl regclass, nq int, with_filter bool,
                            OUT p50_ms float8, OUT p95_ms float8)
LANGUAGE plpgsql AS \$\$
DECLARE
    q vector;
    t0 timestamptz;
    times float8[] := '{}';
    sql text := format('SELECT id, 1 - (embedding <=> \$1) AS similarity FROM %s %s '
                       'ORDER BY embedding <=> \$1 LIMIT 5', tbl,
                       CASE WHEN with_filter THEN 'WHERE 1 - (embedding <=> \$1) > 0.0' ELSE '' END);
    r record;
BEGIN
    FOR i IN -2 .. nq LOOP
        q := bench_unit_vector(i);
        t0 := clock_timestamp();
        FOR r IN EXECUTE sql USING q LOOP END LOOP;
        IF i > 0 THEN
            times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
        END IF;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY x)
      INTO p50_ms, p95_ms FROM unnest(times) x;
END \$\$;
SQL

echo "vector_bench: extension $ext $(psql_q -c "SELECT extversion FROM pg_extension WHERE extname = '$ext'")," \
     "kernel $(psql_q -c "SELECT cca_vector_kernel()" 2>/dev/null || echo n/a)," \
     "$(nproc) CPUs, shared_buffers $shared_buffers, $queries queries per case, $dims dimensions"
printf '%-8s %-8s %8s %10s %9s %9s %9s %9s\n' rows storage load_s size topk_p50 topk_p95 match_p50 match_p95
for c in $cases; do
    n=${c%%:*}
    storage=${c#*:}
    tbl="bench_${n}_${storage}"
    psql_q -c "CREATE TABLE $tbl (id text PRIMARY KEY, embedding vector($dims))"
    if [ "$storage" = plain ]; then
        psql_q -c "ALTER TABLE $tbl ALTER COLUMN embedding SET STORAGE PLAIN"
    fi
    t0=$(date +%s.%N)
    psql_q -c "INSERT INTO $tbl SELECT 'p' || i, bench_unit_vector(i) FROM generate_series(1, $n) i" \
           -c "VACUUM ANALYZE $tbl"
    t1=$(date +%s.%N)
    size=$(psql_q -c "SELECT pg_size_pretty(pg_total_relation_size('$tbl'))")
    psql_q -c "SELECT pg_prewarm('$tbl')" -c "SELECT pg_prewarm(reltoastrelid) FROM pg_class
                WHERE oid = '$tbl'::regclass AND reltoastrelid <> 0" >/dev/null
    topk=$(psql_q -F ' ' -c "SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1) FROM bench_query('$tbl', $queries, false)")
    match=$(psql_q -F ' ' -c "SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1) FROM bench_query('$tbl', $queries, true)")
    printf '%-8s %-8s %8.1f %10s %9s %9s %9s %9s\n' "$n" "$storage" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$size" ${topk} ${match}
    psql_q -c "DROP TABLE $tbl"
done

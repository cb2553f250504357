#!/usr/bin/env bash
# bench_vector.sh: exact top-5 cosine search over N random unit vectors of 1536 dimensions.
# Not a test: prints figures, asserts nothing. Part of `make bench`.
#
# On a private cluster (scripts/pg.sh start $BENCH_DIR) it loads, for each case, a table shaped
# like content_passages (id text primary key, embedding vector(1536)), then times $QUERIES
# queries with a fresh random query vector each:
#   topk   SELECT id, 1 - (embedding <=> q) FROM t ORDER BY embedding <=> q LIMIT 5
#   match  the same with match_documents' threshold filter: WHERE 1 - (embedding <=> q) > 0.0
#   c      (cca_vector 1.3) the same top 5 through cca_exact_top, the heap scan in C that the
#          fallback's exact path uses (migration 030): its tids, then those rows ranked by
#          <=> in SQL; run between topk and match, so old and new alternate
# Timing is per query with clock_timestamp() in a plpgsql loop on the server, so it includes
# planning and execution but not the network; 3 warm-up queries are not counted. Serial plans
# (max_parallel_workers_per_gather = 0, as match_documents runs).
#
# Environment:
#   BENCH_CASES  "N:storage ..." (storage: plain = ALTER COLUMN SET STORAGE PLAIN, as CCA's
#                schema does; default = the type's storage, out-of-line TOAST like pgvector)
#                default: "10000:plain 10000:default 100000:plain"
#   BENCH_SCHEMA_ROWS  row counts for match_documents on the real schema (default "10000 100000")
#   QUERIES      timed queries per case (default 50)
#   BENCH_DIR    cluster folder (default /tmp/cca-bench); KEEP=1 keeps it afterwards
#   VECTOR_EXT   extension to use (default: vector if available, else cca_vector)
#   The server is sized as `make run` sizes its own (scripts/pg.sh, resized after each load,
#                as scripts/setup_db.sh does after an ingest). Each table is then read into
#                shared buffers with pg_prewarm before timing (a warm table: the kernel's
#                figure; bench_vector_index.sh times cold new sessions).
#
# Then the real thing on the real schema: a database `cca` in the same cluster, migrated with
# `./cca migrate` (built with make when missing), where for each N of BENCH_SCHEMA_ROWS
# (default "10000 100000") learning_content holds N rows (content_type 'reference', a random
# unit embedding) and $QUERIES calls of SELECT * FROM match_documents(q, 0.0, 5) are timed the
# same way, once as the superuser and once as a learner (SET ROLE to the login role of a user
# made with cca_user_create, so row-level security applies). The random vectors are generated
# once into a staging table: load_s is the INSERT into learning_content (its indexes, the
# generated tsvector) plus VACUUM ANALYZE, not the random number generation. Both roles use
# the same query vectors, and the table is read into shared buffers (pg_prewarm) first. It
# prints the load time, pg_total_relation_size('learning_content'), p50/p95 per role, the mean
# CPU time of the backend per call (from /proc/self/stat; unlike the wall-clock figures it
# hardly grows when other processes compete for the CPUs; marked * for a parallel plan, whose
# workers are not counted: the superuser's plan may be parallel, the learner's is not since the
# row-level security helpers are parallel-unsafe), the rows each call returned, and the plan
# of one call's inner query (EXPLAIN (ANALYZE, BUFFERS) of cca_match_sql's text, run as
# match_documents runs it: cca_vector_exact's heap scan in C on the fallback with cca_vector 1.3
# (migration 030), else a top-N heapsort over a sequential scan; an HNSW index scan on
# pgvector). On the fallback with 1.3 the learner's calls are then timed twice more: through
# the SQL scan (SET cca.vector_exact_scan = sql, the path before 030) and through C again. BENCH_SCHEMA_ROWS="" skips this part, BENCH_CASES="" the first.
set -euo pipefail
cd "$(dirname "$0")/.."

cases=${BENCH_CASES-"10000:plain 10000:default 100000:plain"}
schema_rows=${BENCH_SCHEMA_ROWS-"10000 100000"}
queries=${QUERIES:-50}
maxn=0
for n in $schema_rows; do
    case "$n" in
    '' | *[!0-9]*) echo "bench_vector: bad row count '$n' in BENCH_SCHEMA_ROWS" >&2; exit 2 ;;
    esac
    if [ "$n" -gt "$maxn" ]; then maxn=$n; fi
done
dir=${BENCH_DIR:-/tmp/cca-bench}
keep=${KEEP:-0}
dims=1536

scripts/vector_ensure.sh
scripts/pg.sh start "$dir"
url=$(scripts/pg.sh url "$dir")
sock=${url#host=}; sock=${sock%% *}
export PGHOST="$sock" PGUSER=cca_super PGDATABASE=cca_bench
export PGOPTIONS="-c client_min_messages=warning"
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
                            OUT p50_ms float8, OUT p95_ms float8, c_scan bool DEFAULT false)
LANGUAGE plpgsql AS \$\$
DECLARE
    q vector;
    t0 timestamptz;
    times float8[] := '{}';
    sql text := format('SELECT id, 1 - (embedding <=> \$1) AS similarity FROM %s %s '
                       'ORDER BY embedding <=> \$1 LIMIT 5', tbl,
                       CASE WHEN with_filter THEN 'WHERE 1 - (embedding <=> \$1) > 0.0' ELSE '' END);
    csql text := format('SELECT id, 1 - (embedding <=> \$1) AS similarity FROM %s WHERE ctid = ANY (\$2) '
                        'ORDER BY embedding <=> \$1, id LIMIT 5', tbl);
    tids tid[];
    r record;
BEGIN
    -- serial plans, as match_documents runs (019)
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
    FOR i IN -2 .. nq LOOP
        q := bench_unit_vector(i);
        t0 := clock_timestamp();
        IF c_scan THEN
            EXECUTE 'SELECT cca_exact_top(\$1, ''embedding'', \$2, 5)' INTO tids USING tbl, q;
            FOR r IN EXECUTE csql USING q, tids LOOP END LOOP;
        ELSE
            FOR r IN EXECUTE sql USING q LOOP END LOOP;
        END IF;
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
     "$(nproc) CPUs, shared_buffers sized by pg.sh after each load, $queries queries per case, $dims dimensions"
has_c=$(psql_q -c "SELECT count(*) FROM pg_proc WHERE proname = 'cca_exact_top'")
[ -z "$cases" ] || printf '%-8s %-8s %8s %10s %9s %9s %9s %9s %9s %9s\n' \
    rows storage load_s size topk_p50 topk_p95 c_p50 c_p95 match_p50 match_p95
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
    scripts/pg.sh resize "$dir" >/dev/null
    psql_q -c "SELECT pg_prewarm('$tbl')" -c "SELECT pg_prewarm(reltoastrelid) FROM pg_class
                WHERE oid = '$tbl'::regclass AND reltoastrelid <> 0" >/dev/null
    topk=$(psql_q -F ' ' -c "SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1) FROM bench_query('$tbl', $queries, false)")
    ctop="- -"
    if [ "$has_c" = 1 ]; then
        ctop=$(psql_q -F ' ' -c "SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1) FROM bench_query('$tbl', $queries, false, true)")
    fi
    match=$(psql_q -F ' ' -c "SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1) FROM bench_query('$tbl', $queries, true)")
    printf '%-8s %-8s %8.1f %10s %9s %9s %9s %9s %9s %9s\n' "$n" "$storage" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$size" ${topk} ${ctop} ${match}
    psql_q -c "DROP TABLE $tbl"
done

[ -n "$schema_rows" ] || exit 0

# --- match_documents on the real schema -------------------------------------------------------
[ -x ./cca ] || make -s
learner=cca_u_bench_learner
clk_tck=$(getconf CLK_TCK)
export PGDATABASE=cca
psql_q -d postgres -c "DROP DATABASE IF EXISTS cca"
createdb cca
# The database named by the cluster's conninfo; a user's CCA_USER must not redirect it.
env -u CCA_USER CCA_DATABASE_URL="$url" ./cca migrate >/dev/null
ext=$(psql_q -c "SELECT extname FROM pg_extension WHERE extname IN ('vector', 'cca_vector')")

t0=$(date +%s.%N)
psql_q >/dev/null <<SQL
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
CREATE SCHEMA bench;
CREATE FUNCTION bench.unit_vector(i int) RETURNS vector LANGUAGE sql VOLATILE AS \$\$
    SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector($dims))
      FROM generate_series(1, $dims) WHERE i IS NOT NULL
\$\$;
-- The documents' embeddings (staging, so that the timed load is the INSERT alone) and the
-- query vectors, the same for both roles; queries -2 .. 0 are the warm-up.
CREATE UNLOGGED TABLE bench.vectors (vi int PRIMARY KEY, v vector($dims));
ALTER TABLE bench.vectors ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO bench.vectors SELECT i, bench.unit_vector(i) FROM generate_series(1, $maxn) i;
CREATE TABLE bench.queries (qi int PRIMARY KEY, q vector($dims));
INSERT INTO bench.queries SELECT i, bench.unit_vector(i) FROM generate_series(-2, $queries) i;
VACUUM ANALYZE bench.vectors;
VACUUM ANALYZE bench.queries;

-- CPU time (user + system, in clock ticks) this backend has used so far. On a shared machine
-- the wall-clock time of a call grows with the other load; its CPU time much less so.
CREATE FUNCTION bench.cpu_ticks() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$\$
    SELECT f[12]::bigint + f[13]::bigint
      FROM (SELECT string_to_array(substring(pg_read_file('/proc/self/stat')
                                             FROM '^.*\\)\\s+(.*)\$'), ' ') AS f) s
\$\$;

-- Server-side time of each call of match_documents(q, 0.0, 5), planning included, and the mean
-- CPU time per timed call.
CREATE FUNCTION bench.time_match(nq int, OUT p50_ms float8, OUT p95_ms float8,
                                 OUT min_rows int, OUT max_rows int, OUT cpu_ms float8)
LANGUAGE plpgsql AS \$\$
DECLARE
    qv vector;
    t0 timestamptz;
    t float8;
    n int;
    c0 bigint;
    times float8[] := '{}';
    counts int[] := '{}';
    r record;
BEGIN
    FOR i IN -2 .. nq LOOP
        IF i = 1 THEN
            c0 := bench.cpu_ticks();
        END IF;
        SELECT bq.q INTO STRICT qv FROM bench.queries bq WHERE bq.qi = i;
        n := 0;
        t0 := clock_timestamp();
        FOR r IN SELECT * FROM public.match_documents(qv, 0.0, 5) LOOP
            n := n + 1;
        END LOOP;
        t := extract(epoch FROM clock_timestamp() - t0) * 1000;
        IF i > 0 THEN
            times := times || t;
            counts := counts || n;
        END IF;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY x)
      INTO p50_ms, p95_ms FROM unnest(times) x;
    cpu_ms := (bench.cpu_ticks() - c0) * (1000.0 / $clk_tck) / nq;
    SELECT min(c), max(c) INTO min_rows, max_rows FROM unnest(counts) c;
END \$\$;

-- The plan of one call's inner query, executed as match_documents runs it (EXECUTE with the
-- values, so the LIMIT is known at plan time).
CREATE FUNCTION bench.explain_match() RETURNS SETOF text LANGUAGE plpgsql AS \$\$
DECLARE
    qv vector;
    line text;
BEGIN
    SELECT bq.q INTO STRICT qv FROM bench.queries bq WHERE bq.qi = 1;
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) '
                        || public.cca_match_sql('documents', false)
        USING qv, 5, NULL::text[], 0.0::float8
    LOOP
        RETURN NEXT line;
    END LOOP;
END \$\$;

-- A learner: a users row linked to a login role in cca_learner; row-level security applies.
SELECT cca_user_create('bench.learner@example.com', 'Bench Learner', 'learner', 'Engineering',
                       '$learner');
GRANT USAGE ON SCHEMA bench TO $learner;
GRANT SELECT ON bench.queries TO $learner;
REVOKE EXECUTE ON FUNCTION bench.cpu_ticks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bench.time_match(int), bench.explain_match(), bench.cpu_ticks()
    TO $learner;
SQL
t1=$(date +%s.%N)
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
shape() {
    local workers
    workers=$(grep -o 'Workers Launched: [0-9]*' <<<"$1" | head -1 | cut -d' ' -f3)
    if grep -q 'Function Scan on cca_vector_exact' <<<"$1"; then
        echo "cca_vector_exact (the heap scan in C, migration 030)"
    elif grep -q 'top-N heapsort' <<<"$1"; then
        echo "top-N heapsort${workers:+ (parallel, $workers workers)}"
    elif grep -q 'Index Scan' <<<"$1"; then
        echo "index scan ($(grep -o 'Index Scan using [a-z_]*' <<<"$1" | head -1 | cut -d' ' -f4))"
    else
        echo "neither a top-N heapsort nor an index scan"
    fi
}

echo
storage=$(psql_q -c "SELECT CASE attstorage WHEN 'p' THEN 'plain' WHEN 'm' THEN 'main'
                      WHEN 'e' THEN 'external' ELSE 'extended' END FROM pg_attribute
                     WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding'")
echo "match_documents(q, 0.0, 5) on the real schema: database cca after ./cca migrate,"
echo "extension $ext, embedding storage $storage; $queries calls per role after 3 warm-up;"
echo "p50/p95: server-side wall-clock time per call; cpu: mean backend CPU time per call (all ms);"
echo "learner: SET ROLE $learner (row-level security on)"
echo "$maxn document + $((queries + 3)) query vectors generated in $(secs "$t0" "$t1") s;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
printf '%-8s %8s %10s %8s %8s %8s %11s %11s %11s %9s\n' rows load_s size \
    su_p50 su_p95 su_cpu learner_p50 learner_p95 learner_cpu rows/call
plans=""
parallel=0
exact_rows=""
# the fallback's exact path in C (cca_vector 1.3, migration 030)
has_exact=$(psql_q -c "SELECT count(*) FROM pg_proc WHERE proname = 'cca_vector_exact_candidates'
                       AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'cca_exact_top')")
for n in $schema_rows; do
    psql_q -c "TRUNCATE learning_content CASCADE"
    t0=$(date +%s.%N)
    psql_q -c "INSERT INTO learning_content (id, title, content, content_type, embedding)
               SELECT 'bench-' || v.vi, 'Benchmark reference ' || v.vi,
                      'Synthetic reference document ' || v.vi || ' with a random unit embedding.',
                      'reference', v.v
                 FROM bench.vectors v WHERE v.vi <= $n" \
           -c "VACUUM ANALYZE learning_content"
    t1=$(date +%s.%N)
    size=$(psql_q -c "SELECT pg_size_pretty(pg_total_relation_size('learning_content'))")
    scripts/pg.sh resize "$dir" >/dev/null
    psql_q -c "SELECT pg_prewarm('learning_content')" >/dev/null
    timed="SELECT round(p50_ms::numeric, 1), round(p95_ms::numeric, 1), min_rows, max_rows,
                  round(cpu_ms::numeric, 1) FROM bench.time_match($queries)"
    su=$(psql_q -F ' ' -c "$timed")
    le=$(psql_q -F ' ' -c "SET ROLE $learner" -c "$timed")
    if [ "$has_exact" = 1 ]; then
        # the same calls through the SQL scan, then the C scan again: old and new alternate
        lsql=$(psql_q -F ' ' -c "SET ROLE $learner" -c "SET cca.vector_exact_scan = sql" -c "$timed")
        lc2=$(psql_q -F ' ' -c "SET ROLE $learner" -c "$timed")
        read -r a50 a95 _ _ acpu <<<"$lsql"
        read -r b50 b95 _ _ bcpu <<<"$lc2"
        exact_rows+=$(printf '%-8s %9s %9s %9s   %9s %9s %9s' "$n" "$a50" "$a95" "$acpu" "$b50" "$b95" "$bcpu")$'\n'
    fi
    read -r su50 su95 sumin sumax sucpu <<<"$su"
    read -r le50 le95 lemin lemax lecpu <<<"$le"
    rows="$sumin-$sumax/$lemin-$lemax"
    if [ "$sumin" = "$sumax" ] && [ "$lemin" = "$lemax" ]; then rows="$sumin/$lemin"; fi
    plan_su=$(psql_q -c "SELECT * FROM bench.explain_match()")
    plan_le=$(psql_q -c "SET ROLE $learner" -c "SELECT * FROM bench.explain_match()")
    # A parallel plan's workers are other processes: their CPU time is not in the figure.
    if grep -q 'Workers Launched' <<<"$plan_su"; then sucpu="$sucpu*"; parallel=1; fi
    if grep -q 'Workers Launched' <<<"$plan_le"; then lecpu="$lecpu*"; parallel=1; fi
    printf '%-8s %8s %10s %8s %8s %8s %11s %11s %11s %9s\n' "$n" "$(secs "$t0" "$t1")" "$size" \
        "$su50" "$su95" "$sucpu" "$le50" "$le95" "$lecpu" "$rows"
    plans+=$'\n'"inner query plan at $n rows: superuser $(shape "$plan_su"),"
    plans+=" learner $(shape "$plan_le"); as the learner (q abbreviated):"$'\n'
    plans+=$(sed -e "s/'\[[^]]*\]'::vector/'[q]'::vector/g" -e 's/^/    /' <<<"$plan_le")
done
if [ "$parallel" = 1 ]; then
    echo "* a parallel plan: the CPU time of its worker processes is not counted (leader only)"
fi
if [ -n "$exact_rows" ]; then
    echo
    echo "learner, the SQL scan (SET cca.vector_exact_scan = sql, as before 030), run right after"
    echo "the row above, then the heap scan in C again (p50, p95, cpu: ms):"
    printf '%-8s %9s %9s %9s   %9s %9s %9s\n' rows sql_p50 sql_p95 sql_cpu c_p50 c_p95 c_cpu
    printf '%s' "$exact_rows"
fi
echo "$plans"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

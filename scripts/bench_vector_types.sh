#!/usr/bin/env bash
# bench_vector_types.sh: what halfvec storage and a binary_quantize prefilter buy for exact top-5
# cosine search over N clustered unit vectors of 1536 dimensions, against exact search on vector.
# Not a test: prints figures, asserts nothing. Part of `make bench`.
#
# Targets, each with the same data and the same queries:
#   fallback  cca_vector on a private cluster (scripts/pg.sh). The extension comes from the
#             system server (scripts/vector_ensure.sh), or with CCA_VECTOR_PGROOT=DIR from a
#             relocated copy of the server under DIR with this build installed into it
#             (scripts/vector_private_install.sh), leaving the system server alone.
#   pgvector  real pgvector, when ../shared/pgvector/sandbox.sh exists (or PGVECTOR_SANDBOX_SH):
#             its relocated copy in PGVECTOR_SANDBOX (default /tmp/cca-pgvector-sandbox).
#             PGVECTOR=0 skips it.
# Data (generated in SQL from a hash, so every target gets the same floats): 100 cluster centres
# with coordinates uniform in [-0.5, 0.5]; row i is centre i % 100 plus uniform noise of 0.75
# times that amplitude, normalised (cosine to its centre about 0.8, to a neighbour in the same
# cluster about 0.64, across clusters about 0). Queries are new points drawn the same way.
# Tables: bt_vec (id, v vector(1536)), bt_half (id, h halfvec(1536)), bt_bits (id, b bit(1536)
# = binary_quantize(v)), all with PLAIN storage (one 6 KB vector per page, two halfvecs), read
# into shared buffers (pg_prewarm) before timing.
# Cases (each timed over $QUERIES queries after 3 warm-up ones, server side, planning included):
#   vector         SELECT id FROM bt_vec ORDER BY v <=> q LIMIT 5: the reference (recall 1)
#   halfvec        SELECT id FROM bt_half ORDER BY h <=> q::halfvec(1536) LIMIT 5
#   bits C+rerank  the exact top 5 among C candidates by Hamming distance on the narrow bt_bits
#                  (C = each of CANDIDATES):
#                  SELECT id FROM bt_vec WHERE id = ANY (ARRAY(SELECT id FROM bt_bits
#                    ORDER BY b <~> binary_quantize(q)::bit(1536) LIMIT C)) ORDER BY v <=> q LIMIT 5
#   expr C+rerank  the same with the candidates from the expression on the vector table:
#                    ORDER BY binary_quantize(v)::bit(1536) <~> binary_quantize(q)::bit(1536)
#                  (C = the largest of CANDIDATES): an exact scan of bt_vec on the fallback; on
#                  pgvector the same SQL is then run again, for each C, with an HNSW index on
#                  that expression (hnsw.ef_search = C), and the bits SQL with an HNSW index on
#                  bt_bits.b
# Figures: the size of the table (or index) the case scans, p50/p95 wall-clock ms per query,
# the mean CPU ms per query of the backend (from /proc/self/stat: much less sensitive to other
# load than the wall clock), recall@5 against the vector case. Plans are serial
# (max_parallel_workers_per_gather = 0) unless BENCH_PARALLEL=1.
#
# Environment: BENCH_ROWS (default 100000), QUERIES (50), CANDIDATES ("50 200 1000"),
# BENCH_DIR (/tmp/cca-bench-types, the fallback cluster), BENCH_SHARED_BUFFERS (1GB), KEEP=1
# keeps the clusters (and their data: rerunning with the same BENCH_ROWS skips the load).
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${BENCH_ROWS:-100000}
queries=${QUERIES:-50}
candidates=${CANDIDATES:-"50 200 1000"}
clk_tck=$(getconf CLK_TCK)
# serial plans unless BENCH_PARALLEL=1: on a few shared CPUs parallel workers mostly add
# noise, and the CPU column counts the backend alone
serial="SET LOCAL max_parallel_workers_per_gather = 0;"
[ "${BENCH_PARALLEL:-0}" = 1 ] && serial=""
dir=${BENCH_DIR:-/tmp/cca-bench-types}
shared_buffers=${BENCH_SHARED_BUFFERS:-1GB}
keep=${KEEP:-0}
sandbox_sh=${PGVECTOR_SANDBOX_SH:-}
if [ -z "$sandbox_sh" ]; then
    for d in ../shared/pgvector ../../shared/pgvector; do
        [ -x "$d/sandbox.sh" ] && { sandbox_sh="$d/sandbox.sh"; break; }
    done
fi
sandbox=${PGVECTOR_SANDBOX:-/tmp/cca-pgvector-sandbox}
dims=1536

psql_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# --- per target ---------------------------------------------------------------------------------
# bench_target NAME EXT CONNINFO: loads the data (unless already there) and runs the cases.
bench_target() {
    local name=$1 ext=$2 conn=$3
    local sql
    if [ "$(psql_q "$conn" -c "SELECT current_setting('shared_buffers') = '$shared_buffers'")" != t ]; then
        echo "$name: shared_buffers is $(psql_q "$conn" -c "SHOW shared_buffers"), not $shared_buffers" >&2
        return 1
    fi
    psql_q "$conn" -c "CREATE EXTENSION IF NOT EXISTS $ext" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm"
    if [ "$(psql_q "$conn" -c "SELECT count(*) FROM pg_class WHERE relname = 'bt_done'")" = 1 ] &&
       [ "$(psql_q "$conn" -c "SELECT rows FROM bt_done")" = "$rows" ]; then
        echo "$name: reusing the $rows rows loaded before"
    else
        local t0 t1
        t0=$(date +%s)
        psql_q "$conn" >/dev/null <<SQL
DROP TABLE IF EXISTS bt_done, bt_vec, bt_half, bt_bits, bt_q, bt_centers, bt_runs;
-- uniform in [-0.5, 0.5], from a hash of x: the same on every server
CREATE OR REPLACE FUNCTION bt_u(x bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  \$\$ SELECT (hashint8(x) & 2147483647)::float8 / 2147483647 - 0.5 \$\$;
CREATE TABLE bt_centers AS
  SELECT c, array_agg(bt_u(c * 2000 + d) ORDER BY d) AS a
    FROM generate_series(1, 100) c, generate_series(1, $dims) d GROUP BY c;
-- a point of cluster cid, normalised in double precision (not by the extension, whose
-- rounding may differ) and then rounded to real
CREATE OR REPLACE FUNCTION bt_point(cid int, seed bigint) RETURNS real[] LANGUAGE sql STABLE AS \$\$
  WITH x AS (SELECT d, e + 0.75 * bt_u(seed * 2000 + d) AS x
               FROM bt_centers cen, unnest(cen.a) WITH ORDINALITY AS u(e, d) WHERE cen.c = cid)
  SELECT array_agg((x / (SELECT sqrt(sum(x * x)) FROM x))::real ORDER BY d) FROM x
\$\$;
CREATE TABLE bt_vec (id int PRIMARY KEY, v vector($dims));
ALTER TABLE bt_vec ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO bt_vec SELECT i, bt_point(i % 100 + 1, 1000000 + i) FROM generate_series(1, $rows) i;
CREATE TABLE bt_half (id int PRIMARY KEY, h halfvec($dims));
ALTER TABLE bt_half ALTER COLUMN h SET STORAGE PLAIN;
INSERT INTO bt_half SELECT id, v FROM bt_vec;
CREATE TABLE bt_bits (id int PRIMARY KEY, b bit($dims));
INSERT INTO bt_bits SELECT id, binary_quantize(v) FROM bt_vec;
CREATE TABLE bt_q (qi int PRIMARY KEY, v vector($dims));
INSERT INTO bt_q SELECT j, bt_point((j * 37 + 1000) % 100 + 1, 9000000 + j) FROM generate_series(-2, $queries) j;
VACUUM ANALYZE bt_vec;
VACUUM ANALYZE bt_half;
VACUUM ANALYZE bt_bits;
VACUUM ANALYZE bt_q;
CREATE TABLE bt_done AS SELECT $rows AS rows;
SQL
        t1=$(date +%s)
        echo "$name: loaded $rows rows in $((t1 - t0)) s"
    fi
    psql_q "$conn" >/dev/null <<'SQL'
DROP INDEX IF EXISTS bt_vec_bq_hnsw;
DROP INDEX IF EXISTS bt_bits_hnsw;
DROP TABLE IF EXISTS bt_runs;
CREATE TABLE bt_runs (case_name text, qi int, ms float8, ids int[], cpu_ticks bigint);
-- CPU time (user + system, in clock ticks) this backend has used so far: unlike the wall-clock
-- time it hardly grows when other processes compete for the CPUs
CREATE OR REPLACE FUNCTION bt_cpu_ticks() RETURNS bigint LANGUAGE sql AS $$
    SELECT f[12]::bigint + f[13]::bigint
      FROM (SELECT string_to_array(substring(pg_read_file('/proc/self/stat')
                                             FROM '^.*\)\s+(.*)$'), ' ') AS f) s
$$;
-- times each query of bt_q with the statement sql ($1 = the query vector), planning included
CREATE OR REPLACE FUNCTION bt_time(case_name text, sql text, nq int, setup text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    q vector;
    t0 timestamptz;
    t float8;
    c0 bigint;
    ids int[];
BEGIN
    IF btrim(setup) <> '' THEN
        EXECUTE setup;
    END IF;
    FOR i IN -2 .. nq LOOP
        SELECT v INTO STRICT q FROM bt_q WHERE qi = i;
        c0 := bt_cpu_ticks();
        t0 := clock_timestamp();
        EXECUTE 'SELECT array_agg(id) FROM (' || sql || ') s' INTO ids USING q;
        t := extract(epoch FROM clock_timestamp() - t0) * 1000;
        IF i > 0 THEN
            INSERT INTO bt_runs VALUES (case_name, i, t, ids, bt_cpu_ticks() - c0);
        END IF;
    END LOOP;
END $$;
SELECT pg_prewarm('bt_vec'), pg_prewarm('bt_half'), pg_prewarm('bt_bits'),
       pg_prewarm('bt_vec_pkey'), pg_prewarm('bt_bits_pkey');
SQL
    run_case() {   # run_case NAME SIZE_EXPR SQL [SETUP]
        psql_q "$conn" -c "SELECT bt_time('$1', \$q\$$3\$q\$, $queries, '$serial ${4:-}')" >/dev/null
        psql_q "$conn" -F '|' -c "
            SELECT '$name', '$1', pg_size_pretty($2)::text,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 1),
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY r.ms)::numeric, 1),
                   round(avg(r.cpu_ticks) * 1000.0 / $clk_tck, 1),
                   round(avg((SELECT count(*) FROM unnest(r.ids) x WHERE x = ANY (e.ids)) / 5.0), 3)
              FROM bt_runs r JOIN bt_runs e ON e.case_name = 'vector' AND e.qi = r.qi
             WHERE r.case_name = '$1'" |
            while IFS='|' read -r t c size p50 p95 cpu rec; do
                printf '%-9s %-22s %10s %8s %8s %8s %9s\n' "$t" "$c" "$size" "$p50" "$p95" "$cpu" "$rec"
            done
    }
    run_case vector "pg_relation_size('bt_vec')" \
        "SELECT id FROM bt_vec ORDER BY v <=> \$1 LIMIT 5"
    run_case halfvec "pg_relation_size('bt_half')" \
        "SELECT id FROM bt_half ORDER BY h <=> \$1::halfvec($dims) LIMIT 5"
    bits_sql() {
        echo "SELECT id FROM bt_vec WHERE id = ANY (ARRAY(SELECT id FROM bt_bits
               ORDER BY b <~> binary_quantize(\$1)::bit($dims) LIMIT $1)) ORDER BY v <=> \$1 LIMIT 5"
    }
    for c in $candidates; do
        run_case "bits $c+rerank" "pg_relation_size('bt_bits')" "$(bits_sql "$c")"
    done
    expr_sql() {
        echo "SELECT id FROM bt_vec WHERE id = ANY (ARRAY(SELECT id FROM bt_vec
               ORDER BY binary_quantize(v)::bit($dims) <~> binary_quantize(\$1)::bit($dims) LIMIT $1))
              ORDER BY v <=> \$1 LIMIT 5"
    }
    local maxc
    maxc=$(tr ' ' '\n' <<<"$candidates" | sort -n | tail -1)
    run_case "expr $maxc+rerank" "pg_relation_size('bt_vec')" "$(expr_sql "$maxc")"
    if [ "$ext" = vector ]; then
        local t0 t1
        t0=$(date +%s)
        psql_q "$conn" -c "SET maintenance_work_mem = '512MB'" \
            -c "CREATE INDEX bt_vec_bq_hnsw ON bt_vec USING hnsw ((binary_quantize(v)::bit($dims)) bit_hamming_ops)" \
            -c "SELECT pg_prewarm('bt_vec_bq_hnsw')" >/dev/null
        t1=$(date +%s)
        for c in $candidates; do
            run_case "expr $c+rerank hnsw" "pg_relation_size('bt_vec_bq_hnsw')" "$(expr_sql "$c")" \
                "SET LOCAL hnsw.ef_search = $((c > 40 ? c : 40));"
        done
        echo "$name: the HNSW index on binary_quantize(v)::bit($dims) took $((t1 - t0)) s to build"
        # the narrow table's column indexed the same way: the 'bits' SQL, served by the index
        psql_q "$conn" -c "DROP INDEX bt_vec_bq_hnsw" -c "SET maintenance_work_mem = '512MB'" \
            -c "CREATE INDEX bt_bits_hnsw ON bt_bits USING hnsw (b bit_hamming_ops)" \
            -c "SELECT pg_prewarm('bt_bits_hnsw')" >/dev/null
        for c in $candidates; do
            run_case "bits $c+rerank hnsw" "pg_relation_size('bt_bits_hnsw')" "$(bits_sql "$c")" \
                "SET LOCAL hnsw.ef_search = $((c > 40 ? c : 40));"
        done
        psql_q "$conn" -c "DROP INDEX bt_bits_hnsw"
    fi
}

# plans of the bit cases, to show what runs (a top-N sort over the narrow table, then an
# index scan by id)
show_plan() {
    local conn=$1
    psql_q "$conn" -c "BEGIN" -c "$serial" -c "EXPLAIN (COSTS OFF) SELECT id FROM bt_vec WHERE id = ANY (ARRAY(SELECT id FROM bt_bits
        ORDER BY b <~> binary_quantize((SELECT v FROM bt_q WHERE qi = 1))::bit($dims) LIMIT 50))
        ORDER BY v <=> (SELECT v FROM bt_q WHERE qi = 1) LIMIT 5" -c "COMMIT" | sed 's/^/    /'
}

echo "bench_vector_types: $rows clustered unit vectors of $dims dimensions, $queries queries per" \
     "case after 3 warm-up, shared_buffers $shared_buffers, $(nproc) CPUs, load average" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-22s %10s %8s %8s %8s %9s\n' target case size p50_ms p95_ms cpu_ms recall@5

# --- fallback -----------------------------------------------------------------------------------
fb_dir=$dir/fallback
if [ -n "${CCA_VECTOR_PGROOT:-}" ]; then
    CCA_PG_BINDIR=$(scripts/vector_private_install.sh "$CCA_VECTOR_PGROOT")
    export CCA_PG_BINDIR
else
    scripts/vector_ensure.sh
fi
cleanup() {
    if [ "$keep" != 1 ]; then
        scripts/pg.sh destroy "$fb_dir" >/dev/null 2>&1 || true
        if [ -n "${pv_conn:-}" ]; then
            psql_q "${pv_conn% dbname=*} dbname=postgres" -c "DROP DATABASE IF EXISTS bench" || true
            "$sandbox_sh" "$sandbox" stop || true
        fi
    fi
}
trap cleanup EXIT
scripts/pg.sh start "$fb_dir"
fb_url=$(scripts/pg.sh url "$fb_dir")
fb_sock=${fb_url#host=}; fb_sock=${fb_sock%% *}
if [ "$(psql_q -h "$fb_sock" -U cca_super -d postgres -c "SHOW shared_buffers")" != "$shared_buffers" ]; then
    psql_q -h "$fb_sock" -U cca_super -d postgres -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'"
    scripts/pg.sh stop "$fb_dir" && scripts/pg.sh start "$fb_dir"
fi
psql_q -h "$fb_sock" -U cca_super -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1 ||
    createdb -h "$fb_sock" -U cca_super bench
fb_conn="host=$fb_sock user=cca_super dbname=bench"
bench_target fallback cca_vector "$fb_conn"
fb_kernels="$(psql_q "$fb_conn" -c "SELECT cca_vector_kernel() || ', halfvec ' || cca_halfvec_kernel()")"

# --- pgvector -------------------------------------------------------------------------------------
if [ "${PGVECTOR:-1}" != 0 ] && [ -n "$sandbox_sh" ]; then
    pv_conn=$("$sandbox_sh" "$sandbox" start | tail -1)
    if [ "$(psql_q "$pv_conn" -c "SHOW shared_buffers")" != "$shared_buffers" ]; then
        psql_q "$pv_conn" -c "ALTER SYSTEM SET shared_buffers = '$shared_buffers'"
        "$sandbox_sh" "$sandbox" stop
        pv_conn=$("$sandbox_sh" "$sandbox" start | tail -1)
    fi
    psql_q "$pv_conn" -c "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1 ||
        psql_q "$pv_conn" -c "CREATE DATABASE bench"
    pv_conn="${pv_conn% dbname=*} dbname=bench"
    bench_target pgvector vector "$pv_conn"
    echo "pgvector: $(psql_q "$pv_conn" -c "SELECT 'vector ' || extversion FROM pg_extension WHERE extname = 'vector'")"
else
    echo "pgvector: skipped (no sandbox.sh in ../shared/pgvector, or PGVECTOR=0)"
fi
echo "fallback: cca_vector $(psql_q "$fb_conn" -c "SELECT extversion FROM pg_extension WHERE extname = 'cca_vector'"), kernels $fb_kernels"
echo "plan of 'bits 50+rerank' on the fallback:"
show_plan "$fb_conn"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

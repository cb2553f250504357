#!/usr/bin/env bash
# bench_pgvector.sh [SANDBOX]: scripts/bench_vector_index.sh on real pgvector, for anyone with
# pgvector: the same calls and the same table (scripts/bench_table.sh: rows, mode, role,
# session, server and wall p50/p95, recall) as the fallback's in `make bench`, for every role
# (admin, trainer, HR, learner), then recall and latency per hnsw.ef_search.
#
# The server: by default a private cluster made by scripts/pg.sh (so with `make run`'s
# settings: pg.sh sizes it from the machine's memory and the data, as for scripts/setup_db.sh) from the PostgreSQL
# binaries of pgvector's sandbox (../shared/pgvector/sandbox.sh SANDBOX, default
# /tmp/cca-pgvector: a relocated PostgreSQL copy with pgvector built in, never the system
# server), in BENCH_DIR (default /tmp/cca-bench-pgvector); CCA_PG_BINDIR=DIR instead for any
# other PostgreSQL binaries that have pgvector. BENCH_URL=conninfo (a superuser) for a server
# of your own (its settings are yours).
#
#   BENCH_DATA=text (default): real text embedded by the local embedder (scripts/bench_load_text.sh,
#       `cca ingest`, which prints passages/s with and without the index build) and 200
#       questions of tests/eval as queries; clustered: bench_vector_index.sh's synthetic vectors.
#   BENCH_ROWS (default 100000), QUERIES (default 50), KEEP=1 as for bench_vector_index.sh.
#   EF_SWEEP="40 100 ..." the ef_search values of the sweep ("" to skip it).
#   HNSW_M, HNSW_EF_CONSTRUCTION: the HNSW graph (migration 028's settings cca.hnsw_m and
#       cca.hnsw_ef_construction, default 32 and 128; pgvector's own defaults are 16 and 64),
#       given to every session through PGOPTIONS: the load builds the index with them, and a
#       kept database (KEEP=1) whose index has other options is rebuilt before the timed calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_ROWS=${BENCH_ROWS:-100000}
export BENCH_ROLES=${BENCH_ROLES:-grace erin carol alice}
data=${BENCH_DATA:-text}
if [ -n "${HNSW_M:-}${HNSW_EF_CONSTRUCTION:-}" ]; then
    export PGOPTIONS="${PGOPTIONS:-} -c cca.hnsw_m=${HNSW_M:-32} -c cca.hnsw_ef_construction=${HNSW_EF_CONSTRUCTION:-128}"
fi
keep=${KEEP:-0}
if [ -z "${BENCH_URL:-}" ] && [ -z "${CCA_PG_BINDIR:-}" ]; then
    sandbox=../shared/pgvector/sandbox.sh
    [ -x "$sandbox" ] || sandbox=/work/shared/pgvector/sandbox.sh
    [ -x "$sandbox" ] || { echo "bench_pgvector: no BENCH_URL, no CCA_PG_BINDIR and no pgvector sandbox" >&2; exit 2; }
    sbdir=$(realpath -m "${1:-/tmp/cca-pgvector}")
    # builds the relocated copy on first use; its own cluster is not used
    "$sandbox" "$sbdir" start >/dev/null
    "$sandbox" "$sbdir" stop
    export CCA_PG_BINDIR=$sbdir/usr/lib/postgresql/15/bin
fi
[ -n "${BENCH_URL:-}" ] || export BENCH_DIR=${BENCH_DIR:-/tmp/cca-bench-pgvector}
[ "$data" = text ] && export BENCH_LOAD=scripts/bench_load_text.sh
[ -x ./cca ] || make -s
# bench_vector_index.sh keeps the cluster; this script removes it at the end (unless KEEP=1)
KEEP=1 scripts/bench_vector_index.sh
if [ -n "${BENCH_URL:-}" ]; then
    url="$BENCH_URL dbname=cca_bench_index"
else
    url="$(scripts/pg.sh url "$BENCH_DIR" | sed 's/dbname=cca/dbname=cca_bench_index/')"
fi
if [ "$(psql -X -At "$url" -c "SELECT count(*) FROM pg_extension WHERE extname = 'vector'")" != 1 ]; then
    echo "bench_pgvector: that server has no pgvector (the table above is the fallback's)" >&2; exit 2
fi

# recall and latency per ef_search, as the learner, through match_passages (the setting
# cca.hnsw_ef_search overrides 025's choice); k = 5, 20, 200 and 20 with a type filter
sweep=${EF_SWEEP-40 100 200 400 600 800 1000}
if [ -n "$sweep" ]; then
    learner=$(psql -X -At "$url" -c "SELECT db_role FROM users WHERE email = 'alice@example.com'")
    psql -X -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<SQL
CREATE TABLE IF NOT EXISTS bench.sweep (ef int, k int, types text, qi int, ms float8, ids text[]);
TRUNCATE bench.sweep;
GRANT INSERT ON bench.sweep TO PUBLIC;
SET max_parallel_workers_per_gather = 0;
INSERT INTO bench.truth
  SELECT 'passages', k, types, qi, bench.exact('passages', v, k, CASE WHEN types = '' THEN NULL ELSE ARRAY[types] END)
  FROM bench.q, (VALUES (5, ''), (20, ''), (200, ''), (20, 'tutorial')) c(k, types)
  WHERE qi <= ${QUERIES:-50} ON CONFLICT DO NOTHING;
SQL
    for ef in $sweep; do
        psql -X -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<SQL
SET ROLE $learner;
SET cca.hnsw_ef_search = $ef;
DO \$\$ DECLARE r record; c record; t0 timestamptz; got text[]; BEGIN
  FOR c IN SELECT * FROM (VALUES (5, ''), (20, ''), (200, ''), (20, 'tutorial')) x(k, types) LOOP
    FOR r IN SELECT qi, v FROM bench.q WHERE qi <= ${QUERIES:-50} ORDER BY qi LOOP
      t0 := clock_timestamp();
      got := ARRAY(SELECT passage_id FROM match_passages(r.v, -2.0, c.k,
                   CASE WHEN c.types = '' THEN NULL ELSE ARRAY[c.types] END));
      INSERT INTO bench.sweep VALUES ($ef, c.k, c.types, r.qi,
        extract(epoch FROM clock_timestamp() - t0) * 1000, got);
    END LOOP;
  END LOOP; END \$\$;
SQL
    done
    echo "bench_pgvector: recall and latency per hnsw.ef_search (learner, match_passages, warm session," \
         "$(psql -X -At "$url" -c "SELECT count(*) FROM content_passages") passages; load $(cut -d' ' -f1-3 /proc/loadavg))"
    psql -X -q "$url" -P footer=off <<'SQL'
SELECT 'k=' || s.k || CASE WHEN s.types <> '' THEN ' ' || s.types ELSE '' END AS query, s.ef AS ef_search,
       round(avg((SELECT count(*) FROM unnest(s.ids) x WHERE x = ANY (t.ids))::numeric
                 / greatest(cardinality(t.ids), 1)), 3) AS recall,
       round(min((SELECT count(*) FROM unnest(s.ids) x WHERE x = ANY (t.ids))::numeric
                 / greatest(cardinality(t.ids), 1)), 2) AS worst,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms)::numeric, 1) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY s.ms)::numeric, 1) AS p95_ms,
       min(cardinality(s.ids)) AS min_rows
FROM bench.sweep s JOIN bench.truth t ON t.kind = 'passages' AND t.k = s.k AND t.types = s.types AND t.qi = s.qi
GROUP BY s.k, s.types, s.ef ORDER BY s.types, s.k, s.ef;
SQL
fi
if [ "$keep" != 1 ] && [ -z "${BENCH_URL:-}" ]; then scripts/pg.sh destroy "$BENCH_DIR" >/dev/null; fi

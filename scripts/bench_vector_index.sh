#!/usr/bin/env bash
# bench_vector_index.sh: match_documents / match_passages on the real schema, as a learner,
# exact against indexed (the fallback's IVF lists, or pgvector's HNSW), with recall. Prints
# figures; asserts nothing. Part of `make bench`.
#
# Data: BENCH_ROWS passages (default 100000) in BENCH_ROWS / 10 documents (every sixth document
# a 'tutorial', the rest 'reference'), clustered unit vectors of 1536 dimensions (100 cluster
# centres; cosine about 0.64 between two points of a cluster, about 0 across), the documents'
# embeddings the same way. Generated in SQL from a hash, so every target gets the same floats.
# Loaded as the bootstrap superuser, like `cca ingest`; then cca_vector_index_maintain() (the
# fallback builds its lists; nothing to do on pgvector) and VACUUM ANALYZE.
#
# Timed: $QUERIES calls per case (default 50; new points of random clusters), each in its own
# psql process and so its own session (as every `cca ask` is), as a learner and as an admin
# (SET ROLE to the person's login role: row-level security applies). Cases: documents k=5,
# passages k=20, passages k=20 with a type filter (tutorial: a sixth of the rows), passages
# k=200. Modes: `index`, the default path (the fallback's IVF lists once built, pgvector's
# HNSW), and `exact` (SET cca.vector_exact = on, the exact scan that stays available).
#   server_ms  the call inside the server (clock_timestamp around it: planning + execution)
#   wall_ms    the whole psql process: start, connect, SET ROLE, the call, exit
#   recall     |result ∩ exact| / k, per call, against exact search as the superuser
# Server settings: sized by `scripts/pg.sh resize`, as `make run` sizes its server; nothing is
# prewarmed.
#
#   target: default the fallback on a private cluster (BENCH_DIR, default /tmp/cca-bench-index;
#           CCA_PG_BINDIR as for scripts/pg.sh); BENCH_URL=conninfo (a superuser) for any other
#           server, e.g. pgvector's sandbox (scripts/bench_pgvector.sh).
#   KEEP=1 keeps the cluster and its data (a rerun with the same BENCH_ROWS skips the load).
#   BENCH_ROLES: the people to call as (default "grace alice": admin, learner).
#   BENCH_LOAD=PROGRAM: loads the data instead (PROGRAM URL ROWS; it creates schema bench with
#           bench.q (qi, v), the query vectors 1..200; scripts/bench_pgvector.sh BENCH_DATA=text).
#   The table: scripts/bench_table.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${BENCH_ROWS:-100000}
queries=${QUERIES:-50}
dims=1536
keep=${KEEP:-0}
[ -x ./cca ] || make -s
if [ -n "${BENCH_URL:-}" ]; then
    base=$BENCH_URL
    cleanup() { :; }
else
    dir=${BENCH_DIR:-/tmp/cca-bench-index}
    [ -n "${CCA_PG_BINDIR:-}" ] || scripts/vector_ensure.sh
    scripts/pg.sh start "$dir" >/dev/null
    base=$(scripts/pg.sh url "$dir")
    base=${base/dbname=cca/dbname=postgres}
    cleanup() { [ "$keep" = 1 ] || scripts/pg.sh destroy "$dir" >/dev/null; }
fi
trap cleanup EXIT
db=cca_bench_index
url="$base dbname=$db"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

loaded=$(psql_q "$base" -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")
if [ "$loaded" = 1 ] && { [ "$(psql_q "$url" -c "SELECT count(*) FROM content_passages" 2>/dev/null)" = "$rows" ] ||
   [ "$(psql_q "$url" -c "SELECT obj_description(to_regnamespace('bench'))" 2>/dev/null)" = "rows=$rows ${BENCH_LOAD:-}" ]; }; then
    echo "bench_vector_index: reusing $rows passages"
    # brings the indexes up to date: nothing, unless pgvector's HNSW was built with other
    # options than this session's (028: cca.hnsw_m / cca.hnsw_ef_construction, e.g. through
    # PGOPTIONS as bench_pgvector.sh's HNSW_M sets them): then it is rebuilt
    t1=$(date +%s.%N)
    built=$(psql_q "$url" -c "SELECT cca_vector_index_maintain()->'built'")
    t2=$(date +%s.%N)
    case $built in
        *idx_*) echo "bench_vector_index: rebuilt $built in $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s" ;;
    esac
else
    psql_q "$base" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    env -u CCA_USER CCA_DATABASE_URL="$url" ./cca migrate >/dev/null
    env -u CCA_USER CCA_DATABASE_URL="$url" ./cca seed >/dev/null
    t0=$(date +%s.%N)
    if [ -n "${BENCH_LOAD:-}" ]; then "$BENCH_LOAD" "$url" "$rows"; else
    psql_q "$url" >/dev/null <<SQL
CREATE SCHEMA bench;
CREATE FUNCTION bench.u(x bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
  \$\$ SELECT (hashint8(x) & 2147483647)::float8 / 2147483647 - 0.5 \$\$;
CREATE TABLE bench.centers AS
  SELECT c, array_agg(bench.u(c * 2000 + d) ORDER BY d) AS a
    FROM generate_series(1, 100) c, generate_series(1, $dims) d GROUP BY c;
CREATE FUNCTION bench.point(cid int, seed bigint) RETURNS vector LANGUAGE sql STABLE AS \$\$
  WITH x AS (SELECT d, e + 0.75 * bench.u(seed * 2000 + d) AS x
               FROM bench.centers cen, unnest(cen.a) WITH ORDINALITY AS u(e, d) WHERE cen.c = cid)
  SELECT array_agg((x / (SELECT sqrt(sum(x * x)) FROM x))::real ORDER BY d)::vector($dims) FROM x
\$\$;
SELECT cca_vector_bulk_begin();
DELETE FROM learning_content;
INSERT INTO learning_content (id, title, content, content_type, embedding)
  SELECT 'bd' || i, 'Document ' || i, 'Body of document ' || i,
         CASE WHEN i % 6 = 0 THEN 'tutorial' ELSE 'reference' END,
         bench.point(i % 100 + 1, 5000000 + i)
    FROM generate_series(1, $rows / 10) i;
INSERT INTO content_passages (id, content_id, ordinal, title, heading, body, embedding)
  SELECT 'bp' || i, 'bd' || (i / 10 + 1), i % 10, 'Document', 'Section ' || i % 10, 'Passage ' || i,
         bench.point((i * 7) % 100 + 1, 1000000 + i)
    FROM generate_series(0, $rows - 1) i;
CREATE TABLE bench.q (qi int PRIMARY KEY, v vector($dims));
ALTER TABLE bench.q ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO bench.q SELECT j, bench.point((j * 37 + 1000) % 100 + 1, 9000000 + j)
  FROM generate_series(1, 200) j;
SQL
    fi
    t1=$(date +%s.%N)
    psql_q "$url" -c "SELECT cca_vector_index_maintain()" >/dev/null
    t2=$(date +%s.%N)
    psql_q "$url" -c "VACUUM ANALYZE learning_content" -c "VACUUM ANALYZE content_passages"
    echo "bench_vector_index: loaded $rows passages in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b-a}') s," \
         "index build (cca_vector_index_maintain) $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s"
    psql_q "$url" -c "SELECT kind, lists, built_rows, probe_rows, round(recall::numeric, 3) AS recall
                      FROM cca_index.state ORDER BY kind" | sed 's/^/bench_vector_index: lists /'
fi
# the server sized as `make run` sizes it (scripts/pg.sh resize restarts it when that changes);
# a server of BENCH_URL is measured with its own settings
[ -n "${BENCH_URL:-}" ] || scripts/pg.sh resize "$dir" >/dev/null

ext=$(psql_q "$url" -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname IN ('vector', 'cca_vector')")
learner=$(psql_q "$url" -c "SELECT db_role FROM users WHERE email = 'alice@example.com'")
psql_q "$url" >/dev/null <<'SQL'
CREATE OR REPLACE FUNCTION bench.exact(kind text, q vector, k int, types text[]) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT CASE kind WHEN 'documents' THEN
    ARRAY(SELECT id FROM learning_content WHERE embedding IS NOT NULL
            AND (types IS NULL OR content_type = ANY (types)) ORDER BY (embedding <=> q) + 0, id LIMIT k)
  ELSE
    ARRAY(SELECT p.id FROM content_passages p
           WHERE p.embedding IS NOT NULL AND (types IS NULL OR p.content_type = ANY (types))
           ORDER BY (p.embedding <=> q) + 0, p.id LIMIT k) END
$$;
CREATE TABLE IF NOT EXISTS bench.truth (kind text, k int, types text, qi int, ids text[],
                                        PRIMARY KEY (kind, k, types, qi));
DROP TABLE IF EXISTS bench.runs, bench.wall;
CREATE TABLE bench.runs (mode text, sess text, who text, kind text, k int, types text, qi int,
                         ms float8, ids text[]);
CREATE TABLE bench.wall (mode text, sess text, who text, kind text, k int, types text, qi int,
                         us bigint);
GRANT USAGE ON SCHEMA bench TO PUBLIC;
GRANT SELECT ON bench.q TO PUBLIC;
GRANT SELECT, INSERT ON bench.runs TO PUBLIC;
SQL
cases="documents:5: passages:20: passages:20:tutorial passages:200:"
# the exact answers (superuser, no RLS; every row is the learner's to read)
for c in $cases; do
    IFS=: read -r kind k types <<<"$c"
    tarr=$([ -n "$types" ] && echo "ARRAY['$types']" || echo "NULL::text[]")
    psql_q "$url" -c "SET max_parallel_workers_per_gather = 0" -c "INSERT INTO bench.truth
        SELECT '$kind', $k, '$types', qi, bench.exact('$kind', v, $k, $tarr) FROM bench.q
        WHERE qi <= $queries ON CONFLICT DO NOTHING"
done

# sess=new: one psql process (a new session) per call; sess=warm: one session for all the
# calls of a case, after two warm-up calls (queries 101 and 102, not counted)
wall=$(mktemp)
call_sql() {  # mode who kind k types qi fn cols tarr
    printf "DO \$\$ DECLARE t0 timestamptz; ids text[]; q vector; BEGIN
      SELECT v INTO q FROM bench.q WHERE qi = %s; t0 := clock_timestamp();
      SELECT array_agg(%s) INTO ids FROM %s(q, -2.0, %s, %s);
      INSERT INTO bench.runs VALUES ('%s', '%s', '%s', '%s', %s, '%s', %s,
        extract(epoch FROM clock_timestamp() - t0) * 1000, ids); END \$\$;\n" \
      "$6" "$8" "$7" "$4" "$9" "$1" "$sess" "$2" "$3" "$4" "$5" "$6"
}
run_mode() {
    local mode=$1 who=$2 sess=$3 role kind k types tarr fn cols t0 t1 sets
    role=$(psql_q "$url" -c "SELECT db_role FROM users WHERE email = '$who@example.com'")
    sets="SET ROLE $role;"
    [ "$mode" = exact ] && sets="$sets SET cca.vector_exact = on;"
    for c in $cases; do
        IFS=: read -r kind k types <<<"$c"
        tarr=$([ -n "$types" ] && echo "ARRAY['$types']" || echo "NULL::text[]")
        if [ "$kind" = documents ]; then fn=match_documents; cols=id; else fn=match_passages; cols=passage_id; fi
        if [ "$sess" = warm ]; then
            { echo "$sets"
              for qi in 101 102 $(seq 1 "$queries"); do
                  call_sql "$mode" "$who" "$kind" "$k" "$types" "$qi" "$fn" "$cols" "$tarr"
              done; } | psql_q "$url"
            continue
        fi
        for qi in $(seq 1 "$queries"); do
            t0=$(date +%s%N)
            { echo "$sets"; call_sql "$mode" "$who" "$kind" "$k" "$types" "$qi" "$fn" "$cols" "$tarr"; } |
                psql_q "$url"
            t1=$(date +%s%N)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$sess" "$who" "$kind" "$k" "$types" "$qi" \
                "$(( (t1 - t0) / 1000 ))" >> "$wall"
        done
    done
}
echo "bench_vector_index: $ext, $rows passages, $queries queries per case, shared_buffers" \
     "$(psql_q "$url" -c "SHOW shared_buffers"), each call a new session"
for who in ${BENCH_ROLES:-grace alice}; do
    for sess in new warm; do
        run_mode exact $who $sess
        run_mode index $who $sess
    done
done
psql_q "$url" -c "\\copy bench.wall FROM '$wall'"
rm -f "$wall"
. scripts/bench_table.sh
bench_table "$url"

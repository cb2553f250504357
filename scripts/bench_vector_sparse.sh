#!/usr/bin/env bash
# bench_vector_sparse.sh: match_documents / match_passages on real local-embedder vectors, as a
# learner and an admin, through the default path (024's columnar copy for a sparse question,
# else 019's IVF lists if calibrated, else exact) against exact search (cca.vector_exact). Prints
# figures; asserts nothing. Part of `make bench`.
#
# Data: the synthetic knowledge base of bench_ask.sh (scripts/bench_corpus.sh) of BENCH_PASSAGES
# passages (default 100000), ingested by `cca ingest` with the local embedder (the ingest rate
# and the wall clock of the whole command, its index maintenance included, are printed), then
# the copies rebuilt once more with cca_vector_columns_build() to time the build alone.
# Queries: the questions of tests/eval (131; QUERIES of them, default 50), embedded by the same
# embedder (tests/eval/embed_lines.c, as `cca ask` embeds a question). Printed with them: the
# non-zero dimensions of the questions and of the passages (what the columnar path relies on).
#
# Timed on the server (clock_timestamp() around each call: planning + execution), as the person
# (SET ROLE to the login role: row-level security applies):
#   session new   one psql process per call (as every `cca ask`), default path only
#   session warm  one session per case, after two warm-up calls
#   path          which path the default took (columnar / ivf / exact), per call
#   recall@5, recall@20   |result[1:k] ∩ exact[1:k]| / k against exact search as the superuser
# Server settings: sized by `scripts/pg.sh resize` after the load, as `make run` sizes its server.
#   BENCH_DIR=DIR keeps the cluster, corpus and database in DIR (a rerun reuses them)
#   CCA_PG_BINDIR as for scripts/pg.sh (a private build of cca_vector)
set -euo pipefail
cd "$(dirname "$0")/.."
want=${BENCH_PASSAGES:-100000}
queries=${QUERIES:-50}
[ -x ./cca ] || make -s
if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
    cleanup() { :; }
else
    work=$(mktemp -d /tmp/cca-bench-sparse-XXXXXX)
    cleanup() { scripts/pg.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
fi
trap cleanup EXIT
scripts/bench_corpus.sh "$work" "$want"
[ -n "${CCA_PG_BINDIR:-}" ] || scripts/vector_ensure.sh >/dev/null
if [ -f "$(pg_config --sharedir)/extension/vector.control" ] && [ -z "${CCA_PG_BINDIR:-}" ]; then
    echo "bench_vector_sparse: real pgvector installed: the fallback's columnar path is not used"
    exit 0
fi
scripts/pg.sh start "$work/pg" >/dev/null
url=$(scripts/pg.sh url "$work/pg")
sock=${url#host=}; sock=${sock%% *}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
# no statement timeout for psql's builds and truth scans (a BENCH_DIR shared with bench_ask.sh
# has the 15 s database default of scaleout_env.sh's pool; cca sets its own after connecting)
export PGOPTIONS="-c client_min_messages=warning -c statement_timeout=0"
psql_q -h "$sock" -U cca_super -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'cca'" |
    grep -q 1 || createdb -h "$sock" -U cca_super cca
export CCA_DATABASE_URL="$url"
unset CCA_USER CCA_CONFIG
cfg="$work/bench.ini"
printf '[embeddings]\nprovider = local\n[llm]\nprovider = none\n' > "$cfg"
./cca --config "$cfg" migrate >/dev/null
[ "$(psql_q "$url" -c 'SELECT count(*) FROM users')" != 0 ] || ./cca --config "$cfg" seed >/dev/null

# 1. Ingest (idempotent: a rerun on the same corpus adds nothing)
t0=$(date +%s.%N)
./cca --config "$cfg" ingest --json "$work/corpus" > "$work/ingest.json"
t1=$(date +%s.%N)
psql_q "$url" -c "VACUUM ANALYZE content_passages" -c "VACUUM ANALYZE learning_content"
perl -MJSON::PP -e '
    my ($wall) = @ARGV;
    my $s = decode_json(do { local $/; <STDIN> });
    if ($s->{passages} > 0) {
        printf "bench_vector_sparse: ingest %d passages: %.0f passages/s (read, chunk, embed, store);" .
               " the whole cca ingest with its index maintenance %.1f s = %.0f passages/s\n",
            $s->{passages}, $s->{passages_per_s}, $wall, $s->{passages} / $wall;
    } else {
        print "bench_vector_sparse: corpus already ingested\n";
    }' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" < "$work/ingest.json"
scripts/pg.sh resize "$work/pg" >/dev/null
psql_q "$url" -c "SELECT 'bench_vector_sparse: columnar build (cca_vector_columns_build) ' || string_agg(
        format('%s: %s rows, %s s, candidates %s, calibrated recall@10 %s', e->>'kind', e->>'rows',
               e->>'seconds', coalesce(e->>'candidates', 'none (not used)'), e->>'recall'), '; ')
    FROM jsonb_array_elements(cca_vector_columns_build()) e"
psql_q "$url" -c "SELECT 'bench_vector_sparse: IVF lists (019) ' || coalesce(string_agg(format('%s: probe_rows %s, calibrated recall@10 %s',
        kind, coalesce(probe_rows::text, 'none (not used)'), round(recall::numeric, 3)), '; '), 'not built')
    FROM cca_index.state"

# 2. The questions and their vectors
grep -hv '^#' tests/eval/questions.tsv tests/eval/questions_heldout.tsv | cut -f1 | awk NF > "$work/q.txt"
scripts/embed_questions.sh "$work" < "$work/q.txt" | awk '{print NR "\t" $0}' > "$work/q.tsv"
psql_q "$url" >/dev/null <<SQL
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.q (qi int PRIMARY KEY, v vector);
\\copy bench.q FROM '$work/q.tsv'
CREATE TABLE bench.truth (kind text, k int, qi int, ids text[]);
CREATE TABLE bench.runs (mode text, sess text, who text, kind text, k int, qi int, path text,
                         ms float8, ids text[]);
GRANT USAGE ON SCHEMA bench TO PUBLIC;
GRANT SELECT ON bench.q TO PUBLIC;
GRANT INSERT ON bench.runs TO PUBLIC;
SET max_parallel_workers_per_gather = 0;
INSERT INTO bench.truth SELECT 'documents', 5, qi, ARRAY(SELECT id FROM learning_content
    WHERE embedding IS NOT NULL ORDER BY (embedding <=> q.v) + 0, id LIMIT 5) FROM bench.q q WHERE qi <= $queries;
INSERT INTO bench.truth SELECT 'passages', 20, qi, ARRAY(SELECT id FROM content_passages
    WHERE embedding IS NOT NULL ORDER BY (embedding <=> q.v) + 0, id LIMIT 20) FROM bench.q q WHERE qi <= $queries;
SQL
psql_q "$url" -c "SELECT format('bench_vector_sparse: non-zero dimensions of %s: questions p50 %s max %s;'
        ' passages (1,000 sampled) p5 %s p50 %s; documents p50 %s', (SELECT vector_dims(v) FROM bench.q LIMIT 1),
        (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY cardinality(cca_nonzero_dims(v))) FROM bench.q),
        (SELECT max(cardinality(cca_nonzero_dims(v))) FROM bench.q),
        percentile_disc(0.05) WITHIN GROUP (ORDER BY n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n),
        (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY cardinality(cca_nonzero_dims(embedding)))
           FROM learning_content WHERE embedding IS NOT NULL))
    FROM (SELECT cardinality(cca_nonzero_dims(embedding)) n FROM content_passages
          WHERE embedding IS NOT NULL ORDER BY random() LIMIT 1000) s"

# 3. The calls
call_sql() {  # mode sess who kind k qi
    local fn=match_passages col=passage_id
    [ "$4" = documents ] && { fn=match_documents; col=id; }
    printf "DO \$\$ DECLARE t0 timestamptz; ids text[]; q vector; path text; BEGIN
      SELECT v INTO q FROM bench.q WHERE qi = %s;
      path := CASE WHEN current_setting('cca.vector_exact', true) = 'on' THEN 'exact'
                   WHEN cca_vector_col_candidates('%s', q, %s) IS NOT NULL THEN 'columnar'
                   WHEN cca_vector_probes('%s', q, %s) IS NOT NULL THEN 'ivf' ELSE 'exact' END;
      t0 := clock_timestamp();
      SELECT array_agg(%s) INTO ids FROM %s(q, -2.0, %s);
      INSERT INTO bench.runs VALUES ('%s', '%s', '%s', '%s', %s, %s, path,
        extract(epoch FROM clock_timestamp() - t0) * 1000, ids); END \$\$;\n" \
      "$6" "${4:0:1}" "$5" "${4:0:1}" "$5" "$col" "$fn" "$5" "$1" "$2" "$3" "$4" "$5" "$6"
}
run_case() {  # mode sess who kind k
    local role sets
    role=$(psql_q "$url" -c "SELECT db_role FROM users WHERE email = '$3@example.com'")
    sets="SET ROLE $role;"
    [ "$1" = exact ] && sets="$sets SET cca.vector_exact = on;"
    if [ "$2" = warm ]; then
        { echo "$sets"
          for qi in 101 102 $(seq 1 "$queries"); do call_sql "$1" "$2" "$3" "$4" "$5" "$qi"; done
        } | psql_q "$url" >/dev/null
    else
        for qi in $(seq 1 "$queries"); do
            { echo "$sets"; call_sql "$1" "$2" "$3" "$4" "$5" "$qi"; } | psql_q "$url" >/dev/null
        done
    fi
}
echo "bench_vector_sparse: $(psql_q "$url" -c "SELECT extname || ' ' || extversion FROM pg_extension
      WHERE extname IN ('vector', 'cca_vector')"), $queries questions per case, shared_buffers" \
     "$(psql_q "$url" -c "SHOW shared_buffers"), load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
for who in alice grace; do
    for c in documents:5 passages:20; do
        IFS=: read -r kind k <<<"$c"
        run_case exact warm "$who" "$kind" "$k"
        run_case index warm "$who" "$kind" "$k"
        run_case index new "$who" "$kind" "$k"
    done
done
psql -X -q "$url" -P footer=off <<SQL
SELECT (SELECT count(*) FROM content_passages) AS rows,
       r.kind || ' k=' || r.k AS query, string_agg(DISTINCT r.path, '+') AS mode,
       CASE r.who WHEN 'alice' THEN 'learner' ELSE 'admin' END AS role, r.sess AS session,
       count(*) AS calls,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 1) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY r.ms)::numeric, 1) AS p95_ms,
       round(avg((SELECT count(*) FROM unnest(r.ids[1:5]) x WHERE x = ANY (t.ids[1:5]))::numeric / 5), 3)
           AS "recall@5",
       CASE WHEN r.k >= 20 THEN round(avg((SELECT count(*) FROM unnest(r.ids[1:20]) x
                                           WHERE x = ANY (t.ids[1:20]))::numeric / 20), 3)::text
            ELSE '' END AS "recall@20"
FROM bench.runs r JOIN bench.truth t USING (kind, k, qi)
WHERE r.qi <= $queries
GROUP BY r.kind, r.k, r.mode, r.who, r.sess
ORDER BY r.kind, r.k, r.who DESC, r.sess DESC, r.mode DESC;
SQL
echo "bench_vector_sparse: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# bench_table.sh: sourced by scripts/bench_vector_index.sh and scripts/bench_pgvector.sh, so
# that the fallback's and pgvector's figures come out in one table.
#
# bench_table URL: prints, from the bench schema of the database at URL (bench.runs: one row
# per call with its server time and ids; bench.truth: exact search's ids per query;
# bench.wall: the whole psql process per call, new sessions only), one row per query, mode,
# role and session:
#   rows        passages (or documents, for match_documents) in the table
#   mode        exact (SET cca.vector_exact = on) or index (the default path)
#   role        learner / hr / trainer / admin (row-level security applies)
#   server p50/p95  the call inside the server (planning + execution), ms
#   wall p50/p95    exec to exit of a psql process per call (new sessions), ms
#   recall      |result ∩ exact| / k, mean over the calls; min_rows the fewest rows returned
bench_table() {
    psql -X -q "$1" -P footer=off <<'SQL'
SELECT CASE WHEN r.kind = 'documents' THEN (SELECT count(*) FROM learning_content WHERE embedding IS NOT NULL)
            ELSE (SELECT count(*) FROM content_passages WHERE embedding IS NOT NULL) END AS rows,
       r.kind || ' k=' || r.k || CASE WHEN r.types <> '' THEN ' ' || r.types ELSE '' END AS query,
       r.mode,
       CASE r.who WHEN 'alice' THEN 'learner' WHEN 'carol' THEN 'hr' WHEN 'erin' THEN 'trainer'
                  WHEN 'grace' THEN 'admin' ELSE r.who END AS role,
       r.sess AS session, count(*) AS calls,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 1) AS server_p50,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY r.ms)::numeric, 1) AS server_p95,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY w.us / 1000.0)::numeric, 1) AS wall_p50,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY w.us / 1000.0)::numeric, 1) AS wall_p95,
       round(avg((SELECT count(*) FROM unnest(r.ids) x WHERE x = ANY (t.ids))::numeric
                 / greatest(cardinality(t.ids), 1)), 3) AS recall,
       min(coalesce(cardinality(r.ids), 0)) AS min_rows
FROM bench.runs r JOIN bench.truth t USING (kind, k, types, qi)
LEFT JOIN bench.wall w USING (mode, sess, who, kind, k, types, qi)
WHERE r.qi <= 100
GROUP BY r.kind, r.k, r.types, r.mode, r.who, r.sess
ORDER BY r.kind, r.k, r.types, r.who DESC, r.sess, r.mode;
SQL
}

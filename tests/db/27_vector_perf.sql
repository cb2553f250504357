-- 27_vector_perf: what 027 changes for `cca ask` at scale. The word statistics take the
-- collection's counts for a caller tagged 'everyone' only while no passage is restricted (and
-- count the caller's readable passages again as soon as one is); the retrieval functions run
-- without JIT.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(11);

-- a knowledge base without restricted passages (the seed may have some: removed here)
DELETE FROM content_passages WHERE NOT (readers @> ARRAY['everyone']);
DELETE FROM learning_content WHERE NOT (readers @> ARRAY['everyone']);
SELECT is((SELECT count(*)::int FROM content_passages WHERE NOT (readers @> ARRAY['everyone'])), 0,
          'no restricted passage left');

CREATE TEMP TABLE words AS
    SELECT ARRAY(SELECT DISTINCT w FROM (
        SELECT unnest(tsvector_to_array(tsv)) AS w FROM content_passages ORDER BY id LIMIT 40) x
        ORDER BY w LIMIT 60) AS w;
GRANT SELECT ON words TO PUBLIC;
CREATE TEMP TABLE super_stats AS SELECT * FROM passage_term_stats((SELECT w FROM words));
GRANT SELECT ON super_stats TO PUBLIC;

SET LOCAL ROLE cca_u_bob;
SELECT cmp_ok((SELECT count(*)::int FROM super_stats WHERE df > 0), '>=', 20,
              'the sample has words that occur (the comparison is not vacuous)');
SELECT results_eq($$SELECT ord, df, n FROM passage_term_stats((SELECT w FROM words)) ORDER BY ord$$,
                  $$SELECT ord, df, n FROM super_stats ORDER BY ord$$,
                  'nothing restricted: a learner''s word statistics are the collection''s');
RESET ROLE;

-- one restricted document with a word of its own: the learner's counts leave it out again
INSERT INTO learning_content (id, title, content, content_type, audience, created_by)
VALUES ('vp-hr', 'Pay bands zqvecperfhr', 'The zqvecperfhr pay bands.', 'reference',
        '{role:hr_manager}', '00000000-0000-4000-8000-000000000005');
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
VALUES ('vp-hr-1', 'vp-hr', 0, 'Pay bands zqvecperfhr', 'The zqvecperfhr pay bands.');
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqvecperfhr'])), 1::float8,
          'the superuser counts the restricted word');
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqvecperfhr'])), 0::float8,
          'with a restricted passage a learner does not count its word');
RESET ROLE;

-- the exact query sorts ids and distances, then fetches the k rows: the same rows, in the same
-- order, with the same similarity as ranking the table directly (pgvector: its exact path)
DO $$
BEGIN
    PERFORM set_config('cca.vector_exact',
                       CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
                            THEN 'on' ELSE 'off' END, true);
END
$$;
CREATE TEMP TABLE qvec AS
    SELECT embedding AS v FROM content_passages WHERE embedding IS NOT NULL ORDER BY id LIMIT 1;
GRANT SELECT ON qvec TO PUBLIC;
SET LOCAL ROLE cca_u_bob;
SELECT results_eq(
    $$SELECT m.passage_id, round(m.similarity::numeric, 12)
      FROM qvec, match_passages(qvec.v, -2, 7) m$$,
    $$SELECT p.id, round((1 - (p.embedding <=> qvec.v))::numeric, 12) FROM qvec, content_passages p
      WHERE p.embedding IS NOT NULL ORDER BY p.embedding <=> qvec.v, p.id LIMIT 7$$,
    'match_passages as a learner: the exact top 7, in order, with their similarities');
SELECT is((SELECT count(*)::int FROM qvec, match_passages(qvec.v, -2, 7, ARRAY['tutorial']) m
           WHERE m.content_type = 'tutorial'),
          (SELECT least(count(*), 7)::int FROM content_passages
           WHERE content_type = 'tutorial' AND embedding IS NOT NULL),
          '... with a type filter: k rows of that type whenever k exist');
SELECT results_eq(
    $$SELECT m.id, round(m.similarity::numeric, 12) FROM qvec, match_documents(qvec.v, -2, 5) m$$,
    $$SELECT c.id, round((1 - (c.embedding <=> qvec.v))::numeric, 12) FROM qvec, learning_content c
      WHERE c.embedding IS NOT NULL ORDER BY c.embedding <=> qvec.v, c.id LIMIT 5$$,
    'match_documents as a learner: the exact top 5');
SELECT cmp_ok((SELECT count(*)::int FROM qvec, match_passages(qvec.v, -2, 7) m), '=', 7,
              '(the comparison has 7 rows)');
RESET ROLE;

-- the check is one probe of the partial index, not a scan of the table (the predicates match;
-- on the small test table the planner would rather scan it, so sequential scans are off here)
SET LOCAL enable_seqscan = off;
CREATE FUNCTION pg_temp.explain_lines() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) SELECT NOT EXISTS (SELECT 1 FROM public.content_passages p'
        ' WHERE NOT (p.readers OPERATOR(pg_catalog.@>) ARRAY[''everyone'']))';
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.explain_lines() TO PUBLIC;
SET LOCAL ROLE cca_owner;
SELECT ok((SELECT string_agg(x, E'\n') FROM (
              SELECT * FROM pg_temp.explain_lines()) e(x)) ~ 'idx_content_passages_restricted',
          'the restricted-passage check reads idx_content_passages_restricted');
RESET ROLE;
RESET enable_seqscan;

SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE oid IN ('match_documents(vector, float, int, text[])'::regprocedure,
                         'match_passages(vector, float, int, text[])'::regprocedure,
                         'cca_vector_nearest("char", vector, integer, text[])'::regprocedure,
                         'search_passages(text, text[], int)'::regprocedure,
                         'passage_term_stats(text[])'::regprocedure)
             AND 'jit=off' = ANY (proconfig)), 5,
          'the five retrieval functions run with jit = off');

SELECT * FROM finish();
ROLLBACK;

-- 23_review_due: the passage retrievers say when a passage's document is past its review-by
-- date (023), so an answer citing it can say "due for review". Four documents share a unique
-- word and a vector: review-by yesterday, today, in a month, and none; an HR-only one is due
-- too. As a learner and an HR manager, through both retrievers: the flag is true for
-- yesterday and today only; restricted content stays hidden (row-level security); the vector
-- retriever returns what cca_match_sql returns (pgvector's index or the fallback's lists or
-- the exact scan), in the same order, exact search or not; the functions keep their settings
-- and privileges.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(18);

CREATE FUNCTION pg_temp.v(i int, x float8) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT (SELECT array_agg(CASE WHEN g = i THEN x ELSE 0 END::real ORDER BY g)
            FROM generate_series(1, 1536) g)::vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.v(int, float8) TO PUBLIC;

INSERT INTO learning_content (id, title, content, content_type, review_by, audience, embedding)
VALUES
    ('rd-past', 'Expired zqreviewdue guide', 'The zqreviewdue rules as of last year.', 'reference',
     current_date - 1, '{}', pg_temp.v(7, 1)),
    ('rd-today', 'Today zqreviewdue guide', 'The zqreviewdue rules due today.', 'reference',
     current_date, '{}', pg_temp.v(7, 1)),
    ('rd-future', 'Fresh zqreviewdue guide', 'The zqreviewdue rules, checked recently.', 'reference',
     current_date + 30, '{}', pg_temp.v(7, 1)),
    ('rd-none', 'Undated zqreviewdue guide', 'The zqreviewdue rules without a date.', 'reference',
     NULL, '{}', pg_temp.v(7, 1)),
    ('rd-hr', 'HR zqreviewdue guide', 'The zqreviewdue rules for HR only.', 'reference',
     current_date - 5, '{role:hr_manager}', pg_temp.v(7, 1));
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'rdp-' || substr(id, 4), id, 0, 'Rules', content, pg_temp.v(7, 1)
FROM learning_content WHERE id LIKE 'rd-%';
ANALYZE content_passages;

-- the ids cca_match_sql('passages', false) returns, in its order (what match_passages wraps)
CREATE FUNCTION pg_temp.wrapped_ids(q vector, k int) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'SELECT w.id FROM (' || cca_match_sql('passages', false) || ') w'
        USING q, k, NULL::text[], 0.5::float8;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.wrapped_ids(vector, int) TO PUBLIC;

SELECT ok(pg_get_function_result('match_passages(vector, float, int, text[])'::regprocedure)
          ~ 'audience text, review_due boolean\)$',
          'match_passages returns review_due as its last column, after the audience');
SELECT ok(pg_get_function_result('search_passages(text, text[], int)'::regprocedure)
          ~ 'audience text, review_due boolean\)$',
          'search_passages returns review_due as its last column, after the audience');

SET LOCAL ROLE cca_u_alice;
SELECT results_eq(
    $$SELECT passage_id, review_due FROM match_passages(pg_temp.v(7, 1), 0.5, 10)
      WHERE passage_id LIKE 'rdp-%' ORDER BY passage_id$$,
    $$VALUES ('rdp-future', false), ('rdp-none', false), ('rdp-past', true), ('rdp-today', true)$$,
    'vector retrieval: due yesterday and today, not in a month nor without a date');
SELECT results_eq(
    $$SELECT passage_id, review_due FROM search_passages('zqreviewdue rules')
      WHERE passage_id LIKE 'rdp-%' ORDER BY passage_id$$,
    $$VALUES ('rdp-future', false), ('rdp-none', false), ('rdp-past', true), ('rdp-today', true)$$,
    'full-text retrieval: the same flags');
SELECT results_eq(
    $$SELECT passage_id FROM match_passages(pg_temp.v(7, 1), 0.5, 10)$$,
    $$SELECT * FROM pg_temp.wrapped_ids(pg_temp.v(7, 1), 10)$$,
    'match_passages returns the rows of cca_match_sql in its order (distance, then id)');
SELECT results_eq(
    $$SELECT passage_id, content_id, title, content_type, source_path, heading, body,
             round(similarity::numeric, 6), audience FROM match_passages(pg_temp.v(7, 1), 0.5, 10)
      WHERE passage_id LIKE 'rdp-%' ORDER BY passage_id$$,
    $$SELECT p.id, p.content_id, lc.title, lc.content_type, lc.source_path, p.heading, p.body,
             1.000000::numeric, NULL::text
      FROM content_passages p JOIN learning_content lc ON lc.id = p.content_id
      WHERE p.id IN ('rdp-future', 'rdp-none', 'rdp-past', 'rdp-today') ORDER BY p.id$$,
    '... with every other column as before');
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(7, 1), 0.5, 10)
           WHERE passage_id = 'rdp-hr'), 0,
          'a learner never sees the HR-only passage through vector retrieval');
SELECT is((SELECT count(*)::int FROM search_passages('zqreviewdue') WHERE passage_id = 'rdp-hr'), 0,
          '... nor through full-text retrieval');
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(7, 1), 0.5, 2)), 2,
          'match_passages still honours the count');
SELECT is((SELECT count(*)::int FROM match_passages(NULL, 0.5, 2)), 0,
          'match_passages without a query returns nothing');
RESET ROLE;

-- exact search (cca.vector_exact) gives the same rows and flags as the default path: on the
-- fallback with its lists built (the default path then goes through cca_vector_nearest), on
-- pgvector through the HNSW index
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN pass('pgvector: the HNSW index is the default path')
    ELSE is(jsonb_typeof(cca_vector_index_build(NULL, 8)), 'array', 'fallback: the lists are built')
    END;
SELECT ok(EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') OR cca_vector_index_built('p'),
          '... so the default path goes through them (cca_vector_nearest)');
SET LOCAL ROLE cca_u_alice;
CREATE TEMP TABLE default_path AS
    SELECT passage_id, review_due FROM match_passages(pg_temp.v(7, 1), 0.5, 10);
SET LOCAL cca.vector_exact = on;
SELECT results_eq(
    $$SELECT passage_id, review_due FROM match_passages(pg_temp.v(7, 1), 0.5, 10)$$,
    $$SELECT passage_id, review_due FROM default_path$$,
    'exact search and the default path agree on rows, order and flags');
SET LOCAL cca.vector_exact = off;
RESET ROLE;

SET LOCAL ROLE cca_u_carol;
SELECT results_eq(
    $$SELECT passage_id, review_due FROM match_passages(pg_temp.v(7, 1), 0.5, 10)
      WHERE passage_id = 'rdp-hr'$$,
    $$VALUES ('rdp-hr', true)$$,
    'an HR manager, in its audience, gets the HR-only passage flagged as due');
RESET ROLE;

-- settings and privileges ----------------------------------------------------------------
SELECT ok(NOT p.prosecdef AND p.proconfig @> ARRAY['max_parallel_workers_per_gather=0']
          AND p.proconfig @> ARRAY['search_path=pg_catalog, public, pg_temp'],
          'match_passages runs as the caller, serially, with a fixed search_path (019)')
FROM pg_proc p WHERE p.oid = 'match_passages(vector, float, int, text[])'::regprocedure;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
          OR p.proconfig @> ARRAY['enable_sort=off'],
          'with pgvector, match_passages keeps enable_sort off (019)')
FROM pg_proc p WHERE p.oid = 'match_passages(vector, float, int, text[])'::regprocedure;
SELECT ok(has_function_privilege('cca_learner', 'match_passages(vector, float, int, text[])', 'EXECUTE')
          AND has_function_privilege('cca_learner', 'search_passages(text, text[], int)', 'EXECUTE'),
          'learners may run both retrievers');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_proc p, aclexplode(p.proacl) a
                      WHERE p.oid IN ('match_passages(vector, float, int, text[])'::regprocedure,
                                      'search_passages(text, text[], int)'::regprocedure)
                        AND a.grantee = 0),
          '... and PUBLIC may not');

SELECT * FROM finish();
ROLLBACK;

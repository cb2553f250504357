-- 24_vector_columnar: 024's columnar path of the fallback. On 300 dense passages (random unit
-- vectors, as the local embedder's passages are dense) the copy is built and calibrated; a
-- learner's sparse query goes through it (cca_vector_col_candidates is called) and returns
-- exact search's rows; inserts, updates and deletes are seen at once; rows that row-level
-- security hides never come back and k rows still do; a type filter returns k rows whenever k
-- exist; dense queries and other embedders are not served from the copy; the copy stays
-- private. On pgvector the path does not exist: the checks pass as skipped.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(23);

CREATE FUNCTION pg_temp.fallback() RETURNS boolean LANGUAGE sql AS
    $$ SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
              AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'cca_column_top') $$;
-- pgvector: match_passages is HNSW, approximate; the exact-equality checks below are the
-- fallback's (pgvector's own path: 19_vector_index, 25_pgvector_path)
CREATE FUNCTION pg_temp.hnsw() RETURNS boolean LANGUAGE sql AS
    $$ SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') $$;
-- a sparse query: `nnz` dimensions chosen by seed, values +-1 (like hashed features), unit
CREATE FUNCTION pg_temp.sparse(seed int, nnz int DEFAULT 40) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT l2_normalize((SELECT array_agg(CASE WHEN (hashint4(g * 7919 + seed) & 1023) < nnz * 1024 / 1536
                                               THEN CASE WHEN hashint4(g + seed * 31) & 1 = 0 THEN 1 ELSE -1 END
                                               ELSE 0 END::real ORDER BY g)
                         FROM generate_series(1, 1536) g)::vector)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.sparse(int, int) TO PUBLIC;
CREATE FUNCTION pg_temp.ids(q vector, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY(SELECT passage_id FROM match_passages(q, -2.0, k, types)) $$;
GRANT EXECUTE ON FUNCTION pg_temp.ids(vector, int, text[]) TO PUBLIC;
CREATE FUNCTION pg_temp.exact_ids(q vector, k int) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                 ORDER BY embedding <=> q, id LIMIT k)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.exact_ids(vector, int) TO PUBLIC;
CREATE FUNCTION pg_temp.col_calls() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
    WHERE funcname = 'cca_vector_col_candidates'
$$;
GRANT EXECUTE ON FUNCTION pg_temp.col_calls() TO PUBLIC;

-- A world of our own: 30 documents (3 'tutorial'), 10 passages each, dense random unit
-- vectors; one hidden HR-only document whose passage is the nearest to query 1.
DELETE FROM learning_content;
SELECT setseed(0.24);
INSERT INTO learning_content (id, title, content, content_type, embedding)
SELECT 'd' || i, 'Doc ' || i, 'Body ' || i,
       CASE WHEN i IN (3, 17, 29) THEN 'tutorial' ELSE 'reference' END,
       (SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector(1536))
        FROM generate_series(1, 1536) WHERE i IS NOT NULL)
FROM generate_series(1, 30) i;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p' || i || '-' || j, 'd' || i, j, 'H', 'Passage ' || i || '-' || j,
       (SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector(1536))
        FROM generate_series(1, 1536) WHERE i * 100 + j IS NOT NULL)
FROM generate_series(1, 30) i, generate_series(0, 9) j;
INSERT INTO learning_content (id, title, content, content_type, audience, state)
VALUES ('d-hr', 'Salary bands', 'HR only', 'reference', '{role:hr_manager}', 'published');
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
VALUES ('p-hr', 'd-hr', 0, 'Bands', 'HR only', pg_temp.sparse(1));
ANALYZE learning_content;
ANALYZE content_passages;

-- 1. Build -------------------------------------------------------------------------------------
SELECT CASE WHEN pg_temp.fallback()
    THEN is((SELECT jsonb_agg(jsonb_build_object('kind', e->'kind', 'rows', e->'rows', 'columns', e->'columns',
                                                 'calibrated', (e->>'candidates')::int > 0
                                                               AND (e->>'recall')::float8 >= 0.98))
             FROM jsonb_array_elements(cca_vector_columns_build()) e),
            '[{"kind": "p", "rows": 301, "columns": true, "calibrated": true},
              {"kind": "d", "rows": 30, "columns": true, "calibrated": true}]',
            'fallback: the copies are built and calibrated (a candidate count reaching recall@10 0.98)')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.fallback()
    THEN is((SELECT count(*)::int FROM cca_index.cols WHERE kind = 'p'), 1536,
            'fallback: one block per dimension (301 rows fit in one)')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.fallback()
    THEN ok(cca_vector_index_built('p') AND cca_match_sql('passages', false) ~ 'cca_vector_nearest',
            'fallback: match_passages goes through cca_vector_nearest')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;

-- 2. A learner's query -----------------------------------------------------------------------
SET LOCAL track_functions = 'all';
CREATE TEMP TABLE calls AS SELECT pg_temp.col_calls() AS n;
GRANT SELECT ON calls TO PUBLIC;
SET LOCAL ROLE cca_u_alice;
SELECT is(pg_temp.ids(pg_temp.sparse(5), 10), pg_temp.exact_ids(pg_temp.sparse(5), 10),
          'a learner''s sparse query: the same 10 passages, in the same order, as exact search');
SELECT CASE WHEN pg_temp.fallback()
    THEN ok(pg_temp.col_calls() > (SELECT n FROM calls), 'fallback: it went through the columnar copy')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.hnsw() THEN pass('columnar: (pgvector: approximate)')
    ELSE is((SELECT count(*)::int FROM generate_series(10, 29) s
           WHERE pg_temp.ids(pg_temp.sparse(s), 5) = pg_temp.exact_ids(pg_temp.sparse(s), 5)), 20,
          '20 more sparse queries: top-5 equal to exact search (recall 1 on this set)') END;
SELECT CASE WHEN pg_temp.fallback()
    THEN ok(cardinality(cca_vector_col_candidates('p', pg_temp.sparse(5), 5)) >= 25
            AND cca_vector_col_candidates('p', pg_temp.sparse(5, 1000), 5) IS NULL
            AND cca_vector_col_candidates('p', '[1,2,3]', 5) IS NULL,
            'fallback: candidates for a sparse query; none for a dense one or another dimension')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.hnsw() THEN pass('columnar: (pgvector: approximate)')
    ELSE is(pg_temp.ids(pg_temp.sparse(5, 1000), 10), pg_temp.exact_ids(pg_temp.sparse(5, 1000), 10),
          'a dense query is answered exactly') END;

-- 3. Row-level security: the HR-only passage is the nearest to query 1, never the learner's --
SELECT ok(NOT 'p-hr' = ANY (pg_temp.ids(pg_temp.sparse(1), 5)) AND cardinality(pg_temp.ids(pg_temp.sparse(1), 5)) = 5,
          'a passage row-level security hides is never returned, and k rows still are');
RESET ROLE;
SELECT is((pg_temp.exact_ids(pg_temp.sparse(1), 1))[1], 'p-hr', '(it is the nearest of all)');
SET LOCAL ROLE cca_u_carol;
SELECT is((pg_temp.ids(pg_temp.sparse(1), 1))[1], 'p-hr', 'an HR manager gets it first');
SET LOCAL ROLE cca_u_alice;

-- 4. The type filter ----------------------------------------------------------------------------
SELECT is(cardinality(pg_temp.ids(pg_temp.sparse(6), 20, ARRAY['tutorial'])), 20,
          'a type filter returns k rows whenever k exist');
SELECT is(cardinality(pg_temp.ids(pg_temp.sparse(6), 50, ARRAY['tutorial'])), 30,
          'and every row of that type when fewer exist');
SELECT ok((SELECT bool_and(content_type = 'tutorial') FROM match_passages(pg_temp.sparse(6), -2.0, 20, ARRAY['tutorial'])),
          'only rows of that type');
RESET ROLE;

-- 5. Writes are seen at once ----------------------------------------------------------------
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
VALUES ('p-new', 'd1', 99, 'H', 'New', pg_temp.sparse(7));
SET LOCAL ROLE cca_u_alice;
SELECT is((pg_temp.ids(pg_temp.sparse(7), 1))[1], 'p-new', 'a passage inserted a moment ago is the nearest at once');
RESET ROLE;
UPDATE content_passages SET embedding = pg_temp.sparse(8) WHERE id = 'p2-3';
SET LOCAL ROLE cca_u_alice;
SELECT is((pg_temp.ids(pg_temp.sparse(8), 1))[1], 'p2-3', 'a passage whose embedding changed is found by its new one');
RESET ROLE;
DELETE FROM content_passages WHERE id = 'p-new';
SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.hnsw()
    THEN ok(NOT 'p-new' = ANY (pg_temp.ids(pg_temp.sparse(7), 5)) AND cardinality(pg_temp.ids(pg_temp.sparse(7), 5)) = 5,
            'a deleted passage is gone at once (pgvector: and 5 rows)')
    ELSE is(pg_temp.ids(pg_temp.sparse(7), 5), pg_temp.exact_ids(pg_temp.sparse(7), 5), 'a deleted passage is gone at once') END;
RESET ROLE;
SELECT CASE WHEN pg_temp.fallback()
    THEN is(cca_index.col_append('p'), 1::bigint, 'fallback: appending the pending rows adds p2-3 (p-new is gone)')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.fallback()
    THEN ok(NOT EXISTS (SELECT 1 FROM cca_index.col_pending)
            AND (SELECT array_agg(pos) FROM cca_index.col_rows WHERE kind = 'p' AND id = 'p2-3') = '{301}',
            'fallback: nothing is pending; p2-3 has a new position only')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.hnsw() THEN pass('columnar: (pgvector: approximate)')
    ELSE is(pg_temp.ids(pg_temp.sparse(8), 10), pg_temp.exact_ids(pg_temp.sparse(8), 10),
          'after the append: still exact search''s 10') END;

-- 6. Private ----------------------------------------------------------------------------------
SELECT throws_ok('SELECT count(*) FROM cca_index.cols', '42501', NULL, 'a learner cannot read the copy');
SELECT throws_ok('SELECT cca_vector_columns_build()', '42501', NULL, 'nor build it');
RESET ROLE;

-- 7. Another embedder (a reindex retypes the column without row triggers): not used
INSERT INTO cca_settings (key, value) VALUES ('embed_model', 'another-model')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
SELECT CASE WHEN pg_temp.fallback()
    THEN ok(cca_vector_col_candidates('p', pg_temp.sparse(5), 5) IS NULL AND NOT cca_vector_index_built('p'),
            'fallback: after a change of embedder the copy is not used')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;

SELECT * FROM finish();
ROLLBACK;

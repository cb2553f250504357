-- 30_vector_exact: 030's exact path of the fallback (cca_vector 1.3: cca_exact_top's heap scan
-- in C, candidates by tid from a definer, ranked as the caller). match_passages and
-- match_documents with SET cca.vector_exact = on must return exactly the rows and order of the
-- SQL scan run as the same caller (`ORDER BY embedding <=> q, id LIMIT k`, the policies
-- applied): on random passages with NULL and zero embeddings, repeated vectors, rows inserted,
-- updated and deleted in the same transaction, 40 hidden passages nearer to a query than any
-- readable one (the definer skips them: 031), a type filter, and k larger than the table. On pgvector
-- (or cca_vector < 1.3) the C path does not exist: its checks pass as skipped, the equality
-- checks still run on the exact SQL scan.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(20);

CREATE FUNCTION pg_temp.c_path() RETURNS boolean LANGUAGE sql AS
    $$ SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
              AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'cca_exact_top') $$;
-- a dense unit vector from a seed (no random(): the same on every run)
CREATE FUNCTION pg_temp.dense(seed int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
    SELECT l2_normalize((SELECT array_agg(((hashint4(g * 7919 + seed * 104729) % 1000) / 1000.0)::real ORDER BY g)
                         FROM generate_series(1, 1536) g)::vector)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.dense(int) TO PUBLIC;
-- the path under test, and the SQL scan, both as the current role
CREATE FUNCTION pg_temp.ids(q vector, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY(SELECT passage_id FROM match_passages(q, -2.0, k, types)) $$;
GRANT EXECUTE ON FUNCTION pg_temp.ids(vector, int, text[]) TO PUBLIC;
CREATE FUNCTION pg_temp.exact_ids(q vector, k int, types text[] DEFAULT NULL) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                   AND (types IS NULL OR content_type = ANY (types))
                 ORDER BY embedding <=> q, id LIMIT k)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.exact_ids(vector, int, text[]) TO PUBLIC;
CREATE FUNCTION pg_temp.doc_ids(q vector, k int) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY(SELECT id FROM match_documents(q, -2.0, k)) $$;
GRANT EXECUTE ON FUNCTION pg_temp.doc_ids(vector, int) TO PUBLIC;
CREATE FUNCTION pg_temp.exact_doc_ids(q vector, k int) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM learning_content WHERE embedding IS NOT NULL
                 ORDER BY embedding <=> q, id LIMIT k)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.exact_doc_ids(vector, int) TO PUBLIC;
-- how many queries of 12 give the same ids as the SQL scan
CREATE FUNCTION pg_temp.agree(k int, types text[] DEFAULT NULL) RETURNS int LANGUAGE sql AS $$
    SELECT count(*)::int FROM generate_series(1, 12) s
     WHERE pg_temp.ids(pg_temp.dense(s), k, types) = pg_temp.exact_ids(pg_temp.dense(s), k, types)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.agree(int, text[]) TO PUBLIC;
CREATE FUNCTION pg_temp.calls() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
    WHERE funcname = 'cca_vector_exact_candidates'
$$;
GRANT EXECUTE ON FUNCTION pg_temp.calls() TO PUBLIC;

-- A world of our own: 40 documents (4 'tutorial'), 10 passages each, dense pseudo-random
-- vectors; every 37th passage without an embedding, every 53rd the zero vector, 6 passages
-- sharing one vector (ties); an HR-only document of 40 passages nearer to query 1 than any other.
DELETE FROM learning_content;
INSERT INTO learning_content (id, title, content, content_type, embedding)
SELECT 'd' || i, 'Doc ' || i, 'Body ' || i,
       CASE WHEN i % 10 = 3 THEN 'tutorial' ELSE 'reference' END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE pg_temp.dense(5000 + i) END
FROM generate_series(1, 40) i;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p' || i || '-' || j, 'd' || i, j, 'H', 'Passage ' || i || '-' || j,
       CASE WHEN (i * 10 + j) % 37 = 0 THEN NULL
            WHEN (i * 10 + j) % 53 = 0 THEN array_fill(0::real, ARRAY[1536])::vector
            WHEN (i * 10 + j) % 67 = 0 THEN pg_temp.dense(4242)
            ELSE pg_temp.dense(1000 + i * 10 + j) END
FROM generate_series(1, 40) i, generate_series(0, 9) j;
INSERT INTO learning_content (id, title, content, content_type, audience, state)
VALUES ('d-hr', 'Salary bands', 'HR only', 'reference', '{role:hr_manager}', 'published');
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p-hr-' || j, 'd-hr', j, 'Bands', 'HR only',
       l2_normalize(pg_temp.dense(1) + pg_temp.dense(1) + pg_temp.dense(1) + pg_temp.dense(1) + pg_temp.dense(9000 + j))
FROM generate_series(0, 39) j;
ANALYZE learning_content;
ANALYZE content_passages;
SET LOCAL cca.vector_exact = on;
SET LOCAL track_functions = 'all';

-- 1. The query text -------------------------------------------------------------------------
SELECT CASE WHEN pg_temp.c_path()
    THEN ok(cca_match_sql('passages', false) ~ 'cca_vector_exact'
            AND cca_match_sql('documents', true) ~ 'cca_vector_exact',
            'fallback: the exact path goes through cca_vector_exact')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;

-- 2. A learner: the same rows and order as the SQL scan as the learner ----------------------
CREATE TEMP TABLE c0 AS SELECT pg_temp.calls() AS n;
GRANT SELECT ON c0 TO PUBLIC;
SET LOCAL ROLE cca_u_alice;
SELECT is(pg_temp.agree(5), 12, 'a learner, k = 5: 12 queries, the SQL scan''s ids in its order');
SELECT is(pg_temp.agree(1), 12, 'k = 1');
SELECT is(pg_temp.agree(37), 12, 'k = 37');
SELECT CASE WHEN pg_temp.c_path()
    THEN ok(pg_temp.calls() > (SELECT n FROM c0), 'fallback: through the heap scan in C')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT is(pg_temp.ids(pg_temp.dense(4242), 8), pg_temp.exact_ids(pg_temp.dense(4242), 8),
          'six passages share the query''s vector: the ties come by id');
-- (pgvector's SQL scan takes any three of the tie: LIMIT inside, before the order by id)
SELECT CASE WHEN pg_temp.c_path()
    THEN is(pg_temp.ids(pg_temp.dense(4242), 3), pg_temp.exact_ids(pg_temp.dense(4242), 3),
            'fallback: and the first three of the tie by id when k cuts it')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT ok(NOT EXISTS (SELECT 1 FROM match_passages(pg_temp.dense(7), -2.0, 1000) m
                       JOIN content_passages p ON p.id = m.passage_id WHERE p.embedding IS NULL),
          'no passage without an embedding');

CREATE TEMP TABLE c1 AS SELECT pg_temp.calls() AS n;
GRANT SELECT ON c1 TO PUBLIC;
SET LOCAL cca.vector_exact_scan = sql;
SELECT CASE WHEN pg_temp.c_path()
    THEN ok(pg_temp.agree(5) = 12 AND pg_temp.calls() = (SELECT n FROM c1),
            'fallback: SET cca.vector_exact_scan = sql: the same rows, through the SQL scan only')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
RESET cca.vector_exact_scan;

-- 3. k larger than the table: every readable embedded passage, in order -----------------------
-- (match_passages returns them by similarity, descending: a zero vector's NaN comes first there)
SELECT is(pg_temp.ids(pg_temp.dense(3), 1000),
          ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                ORDER BY 1 - (embedding <=> pg_temp.dense(3)) DESC, id),
          'k = 1000 > rows: all of them, in the SQL scan''s order');
SELECT is(cardinality(pg_temp.ids(pg_temp.dense(3), 1000)),
          (SELECT count(*)::int FROM content_passages WHERE embedding IS NOT NULL), '(their count)');

-- 4. Row-level security: 40 hidden passages are the nearest to query 1 ---------------------------
SELECT ok(pg_temp.ids(pg_temp.dense(1), 5) = pg_temp.exact_ids(pg_temp.dense(1), 5)
          AND NOT EXISTS (SELECT 1 FROM unnest(pg_temp.ids(pg_temp.dense(1), 5)) i WHERE i LIKE 'p-hr%')
          AND cardinality(pg_temp.ids(pg_temp.dense(1), 5)) = 5,
          'a learner gets exactly their readable top 5; no hidden passage');
SELECT CASE WHEN pg_temp.c_path()
    THEN ok((SELECT count(*)::int FROM content_passages
              WHERE ctid = ANY (cca_vector_exact_candidates('p', pg_temp.dense(1), 30, NULL))) = 30
            AND cardinality(cca_vector_exact_candidates('p', pg_temp.dense(1), 30, NULL)) = 30,
            'fallback: the 30 nearest are all hidden, but the definer''s 30 tids are readable ones (031)')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT CASE WHEN pg_temp.c_path()
    THEN throws_ok($$SELECT cca_exact_top('content_passages', 'embedding', pg_temp.dense(1), 5)$$,
                   '42501', NULL, 'fallback: a learner cannot run the scan itself')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
RESET ROLE;
SET LOCAL ROLE cca_u_carol;
SELECT is(pg_temp.ids(pg_temp.dense(1), 5), pg_temp.exact_ids(pg_temp.dense(1), 5),
          'an HR manager gets the hidden passages (the same as the SQL scan)');
RESET ROLE;

-- 5. The type filter ----------------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT is(pg_temp.agree(7, ARRAY['tutorial']), 12, 'a type filter: the SQL scan''s rows');
SELECT is(cardinality(pg_temp.ids(pg_temp.dense(2), 100, ARRAY['tutorial'])),
          cardinality(pg_temp.exact_ids(pg_temp.dense(2), 100, ARRAY['tutorial'])),
          'and every row of that type when fewer than k exist');
RESET ROLE;

-- 6. The same transaction: inserted, updated and deleted rows -----------------------------------
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
VALUES ('p-new', 'd1', 99, 'H', 'New', pg_temp.dense(777));
UPDATE content_passages SET embedding = pg_temp.dense(778) WHERE id = 'p2-3';
DELETE FROM content_passages WHERE id IN ('p4-4', 'p5-5');
SET LOCAL ROLE cca_u_alice;
SELECT ok((pg_temp.ids(pg_temp.dense(777), 1))[1] = 'p-new' AND (pg_temp.ids(pg_temp.dense(778), 1))[1] = 'p2-3',
          'a passage inserted or changed a moment ago is found at once');
SELECT ok(pg_temp.ids(pg_temp.dense(1044), 3) = pg_temp.exact_ids(pg_temp.dense(1044), 3)
          AND NOT 'p4-4' = ANY (pg_temp.ids(pg_temp.dense(1044), 3)),
          'a deleted passage is gone');

-- 7. match_documents ----------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM generate_series(1, 6) s
            WHERE pg_temp.doc_ids(pg_temp.dense(s), 4) = pg_temp.exact_doc_ids(pg_temp.dense(s), 4)), 6,
          'match_documents: the SQL scan''s documents');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

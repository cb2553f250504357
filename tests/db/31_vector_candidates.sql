-- 31_vector_candidates: 031's candidate definers return nothing about rows the caller may not
-- read. A learner calling cca_vector_exact_candidates (030) or cca_vector_col_candidates (024)
-- directly, with the vector of a restricted passage or document, gets no tid or id of any
-- restricted row, and as many candidates as if the restricted rows did not exist; the
-- learner's match_passages / match_documents are still exactly the SQL scan as the learner; an
-- HR manager gets the HR rows but not a draft; an admin and the tables' owner get everything;
-- a role linked to nobody gets nothing. On pgvector (or cca_vector < 1.3 / < 1.2) the definers
-- are not used: their checks pass as skipped, the equality checks run on the SQL scan.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(24);

CREATE ROLE cca_test_cand_stranger IN ROLE cca_learner;
CREATE FUNCTION pg_temp.c_path() RETURNS boolean LANGUAGE sql AS
    $$ SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
              AND to_regprocedure('cca_exact_top(regclass,name,vector,integer,name,text[],name,text[])') IS NOT NULL $$;
CREATE FUNCTION pg_temp.col_path() RETURNS boolean LANGUAGE sql AS
    $$ SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
              AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'cca_column_top') $$;
GRANT EXECUTE ON FUNCTION pg_temp.c_path(), pg_temp.col_path() TO PUBLIC;
-- a sparse query (as 24_vector_columnar): `nnz` dimensions by seed, values +-1, unit
CREATE FUNCTION pg_temp.sparse(seed int, nnz int DEFAULT 40) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT l2_normalize((SELECT array_agg(CASE WHEN (hashint4(g * 7919 + seed) & 1023) < nnz * 1024 / 1536
                                               THEN CASE WHEN hashint4(g + seed * 31) & 1 = 0 THEN 1 ELSE -1 END
                                               ELSE 0 END::real ORDER BY g)
                         FROM generate_series(1, 1536) g)::vector)
$$;
-- a dense unit vector from a seed (as 30_vector_exact)
CREATE FUNCTION pg_temp.dense(seed int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
    SELECT l2_normalize((SELECT array_agg(((hashint4(g * 7919 + seed * 104729) % 1000) / 1000.0)::real ORDER BY g)
                         FROM generate_series(1, 1536) g)::vector)
$$;
-- f * v (no such operator)
CREATE FUNCTION pg_temp.times(f real, v vector) RETURNS vector LANGUAGE sql IMMUTABLE AS
    $$ SELECT (SELECT array_agg(x * f ORDER BY o) FROM unnest(v::real[]) WITH ORDINALITY u(x, o))::vector $$;
GRANT EXECUTE ON FUNCTION pg_temp.sparse(int, int), pg_temp.dense(int), pg_temp.times(real, vector) TO PUBLIC;
-- match_passages / match_documents and the SQL scan, as the current role
CREATE FUNCTION pg_temp.ids(q vector, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY(SELECT passage_id FROM match_passages(q, -2.0, k, types)) $$;
CREATE FUNCTION pg_temp.exact_ids(q vector, k int, types text[] DEFAULT NULL) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                   AND (types IS NULL OR content_type = ANY (types))
                 ORDER BY embedding <=> q, id LIMIT k)
$$;
CREATE FUNCTION pg_temp.doc_ids(q vector, k int) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY(SELECT id FROM match_documents(q, -2.0, k)) $$;
CREATE FUNCTION pg_temp.exact_doc_ids(q vector, k int) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM learning_content WHERE embedding IS NOT NULL
                 ORDER BY embedding <=> q, id LIMIT k)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.ids(vector, int, text[]), pg_temp.exact_ids(vector, int, text[]),
    pg_temp.doc_ids(vector, int), pg_temp.exact_doc_ids(vector, int) TO PUBLIC;

-- A world of our own: 30 documents, 10 passages each, dense pseudo-random unit vectors; an
-- HR-only document and a trainer's draft, 20 passages each, all nearer to the HR passage
-- p-hr-0's vector (sparse(1)) and to dense(1) than any readable passage; the HR document's
-- own embedding is the nearest to dense(2).
DELETE FROM learning_content;
INSERT INTO learning_content (id, title, content, content_type, embedding)
SELECT 'd' || i, 'Doc ' || i, 'Body ' || i,
       CASE WHEN i % 10 = 3 THEN 'tutorial' ELSE 'reference' END, pg_temp.dense(5000 + i)
FROM generate_series(1, 30) i;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p' || i || '-' || j, 'd' || i, j, 'H', 'Passage ' || i || '-' || j,
       pg_temp.dense(1000 + i * 10 + j)
FROM generate_series(1, 30) i, generate_series(0, 9) j;
INSERT INTO learning_content (id, title, content, content_type, audience, state, created_by, embedding)
VALUES ('d-hr', 'Salary bands', 'HR only', 'reference', '{role:hr_manager}', 'published', NULL,
        l2_normalize(pg_temp.times(8, pg_temp.dense(2)) + pg_temp.dense(77))),
       ('d-draft', 'Reorg plan', 'Draft', 'reference', '{}', 'draft',
        '00000000-0000-4000-8000-000000000006', l2_normalize(pg_temp.times(6, pg_temp.dense(2)) + pg_temp.dense(78)));
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p-' || c || '-' || j, 'd-' || c, j, 'Secret', 'Secret',
       CASE WHEN c = 'hr' AND j = 0 THEN pg_temp.sparse(1)
            ELSE l2_normalize(pg_temp.times(6, pg_temp.sparse(1)) + pg_temp.times(6, pg_temp.dense(1)) + pg_temp.dense(9000 + j)
                              + CASE c WHEN 'hr' THEN pg_temp.dense(11) ELSE pg_temp.dense(12) END) END
FROM unnest(ARRAY['hr', 'draft']) c, generate_series(0, 19) j;
ANALYZE learning_content;
ANALYZE content_passages;
-- the restricted rows, their ids and tids (no update follows: the tids stay)
CREATE TEMP TABLE hidden AS
    SELECT 'p' AS kind, id, ctid AS t, readers FROM content_passages WHERE NOT readers @> '{everyone}'
    UNION ALL
    SELECT 'd', id, ctid, readers FROM learning_content WHERE NOT readers @> '{everyone}';
GRANT SELECT ON hidden TO PUBLIC;
-- how many of a definer's ids / tids are restricted rows (of `who`: NULL = any restricted row)
CREATE FUNCTION pg_temp.hidden_ids(ids text[]) RETURNS int LANGUAGE sql AS
    $$ SELECT count(*)::int FROM hidden h WHERE h.id = ANY (ids) $$;
CREATE FUNCTION pg_temp.hidden_tids(k text, tids tid[]) RETURNS int LANGUAGE sql AS
    $$ SELECT count(*)::int FROM hidden h WHERE h.kind = k AND h.t = ANY (tids) $$;
GRANT EXECUTE ON FUNCTION pg_temp.hidden_ids(text[]), pg_temp.hidden_tids(text, tid[]) TO PUBLIC;
CREATE FUNCTION pg_temp.hr_vec() RETURNS vector LANGUAGE sql AS
    $$ SELECT pg_temp.sparse(1) $$;
GRANT EXECUTE ON FUNCTION pg_temp.hr_vec() TO PUBLIC;
SET LOCAL cca.vector_exact = on;

-- 1. The exact path's definer ------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM content_passages p
            WHERE p.ctid = ANY (cca_vector_exact_candidates('p', pg_temp.hr_vec(), 30, NULL))
              AND NOT p.readers @> '{everyone}'),
          CASE WHEN pg_temp.c_path() THEN 30 ELSE 0 END,
          'the superuser: the 30 nearest to the HR passage''s vector are the 40 restricted ones');
SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(pg_temp.hidden_tids('p', cca_vector_exact_candidates('p', pg_temp.hr_vec(), 30, NULL)), 0,
            'fallback: a learner asking with the HR passage''s vector gets no tid of a restricted row')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(cardinality(cca_vector_exact_candidates('p', pg_temp.hr_vec(), 30, NULL)), 30,
            'fallback: ... and 30 tids, all readable (the restricted rows take no place)')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT CASE WHEN pg_temp.c_path()
    THEN is((SELECT count(*)::int FROM content_passages p
              WHERE p.ctid = ANY (cca_vector_exact_candidates('p', pg_temp.hr_vec(), 30, NULL))), 30,
            'fallback: ... which the learner can read')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(pg_temp.hidden_tids('p', cca_vector_exact_candidates('p', pg_temp.dense(1), 500, ARRAY['reference'])), 0,
            'fallback: with a type filter, and k larger than the table: no restricted tid')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(pg_temp.hidden_tids('d', cca_vector_exact_candidates('d', pg_temp.dense(2), 5, NULL)), 0,
            'fallback: documents: no tid of the HR document or the draft')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT is(pg_temp.ids(pg_temp.hr_vec(), 10), pg_temp.exact_ids(pg_temp.hr_vec(), 10),
          'the learner''s match_passages: the SQL scan''s rows as the learner');
SELECT is((SELECT count(*)::int FROM generate_series(1, 8) s
            WHERE pg_temp.ids(pg_temp.dense(s), 7) = pg_temp.exact_ids(pg_temp.dense(s), 7)
              AND pg_temp.ids(pg_temp.dense(s), 3, ARRAY['tutorial']) = pg_temp.exact_ids(pg_temp.dense(s), 3, ARRAY['tutorial'])),
          8, '8 more queries, with and without a type filter: the same');
SELECT is(pg_temp.doc_ids(pg_temp.dense(2), 4), pg_temp.exact_doc_ids(pg_temp.dense(2), 4),
          'match_documents: the same');
RESET ROLE;

-- 2. Who reads more ----------------------------------------------------------------------------
SET LOCAL ROLE cca_u_dave;
SELECT CASE WHEN pg_temp.c_path()
    THEN ok((SELECT count(*) FROM hidden h WHERE h.kind = 'p'
               AND h.t = ANY (cca_vector_exact_candidates('p', pg_temp.hr_vec(), 25, NULL))
               AND h.readers @> '{role:hr_manager}') = 20
            AND (SELECT count(*) FROM hidden h WHERE h.kind = 'p'
                   AND h.t = ANY (cca_vector_exact_candidates('p', pg_temp.hr_vec(), 25, NULL))
                   AND NOT h.readers @> '{role:hr_manager}') = 0,
            'fallback: an HR manager gets the 20 HR passages, not the draft''s')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT is(pg_temp.ids(pg_temp.hr_vec(), 25), pg_temp.exact_ids(pg_temp.hr_vec(), 25),
          'the HR manager''s match_passages: the SQL scan''s rows');
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(pg_temp.hidden_tids('p', cca_vector_exact_candidates('p', pg_temp.hr_vec(), 40, NULL)), 40,
            'fallback: an admin gets everything (the 40 restricted passages)')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT ok(pg_temp.ids(pg_temp.hr_vec(), 45) = pg_temp.exact_ids(pg_temp.hr_vec(), 45)
          AND pg_temp.doc_ids(pg_temp.dense(2), 4) = pg_temp.exact_doc_ids(pg_temp.dense(2), 4),
          'the admin''s match_passages and match_documents: the SQL scan''s rows');
RESET ROLE;
SET LOCAL ROLE cca_owner;
SELECT ok(pg_temp.ids(pg_temp.hr_vec(), 45) = pg_temp.exact_ids(pg_temp.hr_vec(), 45)
          AND cardinality(pg_temp.ids(pg_temp.hr_vec(), 45)) = 45,
          'the tables'' owner (not bound by the policies): the SQL scan''s rows');
RESET ROLE;
SET LOCAL ROLE cca_test_cand_stranger;
SELECT CASE WHEN pg_temp.c_path()
    THEN is(cca_vector_exact_candidates('p', pg_temp.hr_vec(), 10, NULL), '{}'::tid[],
            'fallback: a role linked to nobody gets no tid')
    ELSE pass('exact: (pgvector or cca_vector < 1.3)') END;
SELECT is(pg_temp.ids(pg_temp.hr_vec(), 10), '{}'::text[], '... and no passage');
RESET ROLE;

-- 3. The columnar path's definer (024's copy, built over these rows) ------------------------------
RESET cca.vector_exact;
SELECT CASE WHEN pg_temp.col_path()
    THEN ok((SELECT bool_and(e->>'columns' = 'true' AND (e->>'candidates')::int > 0)
             FROM jsonb_array_elements(cca_vector_columns_build('passages')) e),
            'fallback: the passages'' columnar copy is built and calibrated')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
CREATE TEMP TABLE cand_n AS
    SELECT greatest(candidates, 3 * 5) AS n FROM cca_index.col_state WHERE kind = 'p';
GRANT SELECT ON cand_n TO PUBLIC;
SELECT CASE WHEN pg_temp.col_path()
    THEN ok(pg_temp.hidden_ids(cca_vector_col_candidates('p', pg_temp.hr_vec(), 5)) > 0,
            'fallback: the superuser''s candidates hold restricted passages')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.col_path()
    THEN is(pg_temp.hidden_ids(cca_vector_col_candidates('p', pg_temp.hr_vec(), 5)), 0,
            'fallback: a learner asking the copy with the HR passage''s vector gets no restricted id')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.col_path()
    THEN is(cardinality(cca_vector_col_candidates('p', pg_temp.hr_vec(), 5)), (SELECT n FROM cand_n),
            'fallback: ... and as many ids as with no restricted row (the count tells nothing)')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT CASE WHEN pg_temp.col_path()
    THEN is(pg_temp.hidden_ids(cca_vector_col_candidates('p', pg_temp.sparse(3), 5, true)), 0,
            'fallback: another query, typed: no restricted id')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
SELECT is(pg_temp.ids(pg_temp.hr_vec(), 5), pg_temp.exact_ids(pg_temp.hr_vec(), 5),
          'the learner''s match_passages through the copy: exact search''s rows');
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
SELECT CASE WHEN pg_temp.col_path()
    THEN ok(pg_temp.hidden_ids(cca_vector_col_candidates('p', pg_temp.hr_vec(), 5)) > 0,
            'fallback: an admin''s candidates hold the restricted passages')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
RESET ROLE;
-- a pending row (inserted after the build): only for those who may read it
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
VALUES ('p-hr-new', 'd-hr', 99, 'Secret', 'Secret', pg_temp.sparse(1));
INSERT INTO hidden SELECT 'p', id, ctid, readers FROM content_passages WHERE id = 'p-hr-new';
SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.col_path()
    THEN is(pg_temp.hidden_ids(cca_vector_col_candidates('p', pg_temp.hr_vec(), 5)), 0,
            'fallback: a pending restricted row is not among a learner''s candidates')
    ELSE pass('columnar: (pgvector or cca_vector < 1.2)') END;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

-- 03_search: vector retrieval (match_documents, match_passages) and full-text search
-- (search_learning_content, search_passages), including the query plan on the exact fallback
-- (030: cca_vector_exact's heap scan) or pgvector (HNSW index scan). Runs as the learner
-- alice: RLS applies.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(48);

-- A 1536-dimension vector with component i = x and component j = y, others 0.
CREATE FUNCTION pg_temp.v(i int, x float8, j int DEFAULT 2, y float8 DEFAULT 0) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT (SELECT array_agg(CASE WHEN g = i THEN x WHEN g = j THEN y ELSE 0 END::real ORDER BY g)
            FROM generate_series(1, 1536) g)::vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.v(int, float8, int, float8) TO PUBLIC;

-- A world of our own: documents other than the seed's (e.g. from `cca ingest`) and every
-- other embedding are gone in this transaction. Similarity to e1 of (1, t) is 1/sqrt(1 + t^2).
DELETE FROM learning_content WHERE id NOT LIKE 'content-%';
UPDATE learning_content SET embedding = NULL;
DELETE FROM content_passages;
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 0.0) WHERE id = 'content-python-variables';   -- 1.000
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 0.3) WHERE id = 'content-db-normalization';   -- 0.958
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 0.6) WHERE id = 'content-ml-overview';        -- 0.857
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 1.0) WHERE id = 'content-data-visualization'; -- 0.707
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 2.0) WHERE id = 'content-scrum';              -- 0.447
UPDATE learning_content SET embedding = pg_temp.v(1, -1)        WHERE id = 'content-js-es6';             -- -1
UPDATE learning_content SET embedding = pg_temp.v(1, 1, 2, 0.1) WHERE id = 'content-react-lifecycle';    -- 0.995

SELECT has_function('public', 'match_documents', ARRAY['vector', 'double precision', 'integer', 'text[]'],
                    'match_documents(vector, float, int, text[]) exists');
SELECT has_function('public', 'match_passages', ARRAY['vector', 'double precision', 'integer', 'text[]'],
                    'match_passages exists');
SELECT has_function('public', 'search_learning_content', ARRAY['text', 'text[]', 'integer'],
                    'search_learning_content exists');
SELECT has_function('public', 'search_passages', ARRAY['text', 'text[]', 'integer'],
                    'search_passages exists');
SELECT is(provolatile::text, 's', p.proname || ' is STABLE (not VOLATILE)')
FROM pg_proc p WHERE p.proname IN ('match_documents', 'match_passages', 'search_learning_content',
                                   'search_passages')
  AND p.pronamespace = 'public'::regnamespace;

SET LOCAL ROLE cca_u_alice;

-- match_documents ---------------------------------------------------------------------------
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1), 0.0, 10)$$,
                  ARRAY['content-python-variables', 'content-react-lifecycle',
                        'content-db-normalization', 'content-ml-overview',
                        'content-data-visualization', 'content-scrum'],
                  'match_documents orders by similarity and drops non-positive similarity at threshold 0');
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1), 0.7, 3)$$,
                  ARRAY['content-python-variables', 'content-react-lifecycle', 'content-db-normalization'],
                  'match_count limits the rows');
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1), 0.9)$$,
                  ARRAY['content-python-variables', 'content-react-lifecycle', 'content-db-normalization'],
                  'match_threshold drops rows at or below it (defaults: count 5)');
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1))$$,
                  ARRAY['content-python-variables', 'content-react-lifecycle',
                        'content-db-normalization', 'content-ml-overview', 'content-data-visualization'],
                  'defaults: threshold 0.7, count 5');
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1), 0.0, 5, ARRAY['reference'])$$,
                  ARRAY['content-db-normalization', 'content-data-visualization'],
                  'content_types filters, still ordered');
SELECT results_eq($$SELECT id FROM match_documents(pg_temp.v(1, 1), 0.0, 2, ARRAY['tutorial'])$$,
                  ARRAY['content-python-variables', 'content-react-lifecycle'],
                  'a type filter still returns match_count rows');
SELECT is((SELECT round(similarity::numeric, 4) FROM match_documents(pg_temp.v(1, 1), 0.0, 5)
           WHERE id = 'content-data-visualization'), 0.7071,
          'similarity is 1 - cosine distance');
SELECT is((SELECT count(*)::int FROM match_documents(pg_temp.v(1, 1), 0.0, 0)), 0,
          'match_count 0 returns nothing');
SELECT is((SELECT count(*)::int FROM match_documents(pg_temp.v(1, 1), 0.0, NULL)), 0,
          'match_count NULL returns nothing (never an unbounded scan)');
SELECT is((SELECT count(*)::int FROM match_documents(pg_temp.v(7, 1), 0.0, 5)), 0,
          'an orthogonal query matches nothing above 0');
SELECT results_eq($$SELECT id, title, content_type, metadata->>'difficulty'
                    FROM match_documents(pg_temp.v(1, 1), 0.99, 1)$$,
                  $$SELECT id, title, content_type, metadata->>'difficulty' FROM learning_content
                    WHERE id = 'content-python-variables'$$,
                  'match_documents returns the spec''s columns');
SELECT is((SELECT count(*)::int FROM match_documents(NULL, 0.0, 5)), 0,
          'a NULL query vector returns nothing');

-- match_passages ----------------------------------------------------------------------------
RESET ROLE;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding) VALUES
    ('p-var-1', 'content-python-variables', 0, 'Creating variables', 'A variable is created when you assign.', pg_temp.v(1, 1)),
    ('p-var-2', 'content-python-variables', 1, 'Types', 'Python infers the type.', pg_temp.v(1, 1, 2, 0.5)),
    ('p-norm-1', 'content-db-normalization', 0, NULL, 'Normal forms 1NF 2NF 3NF.', pg_temp.v(1, 1, 2, 0.2)),
    ('p-scrum-1', 'content-scrum', 0, 'Roles', 'Product Owner, Scrum Master.', pg_temp.v(1, 1, 2, 3.0)),
    ('p-noemb', 'content-scrum', 1, 'Events', 'Sprint, Daily Scrum.', NULL);
SET LOCAL ROLE cca_u_alice;
SELECT results_eq($$SELECT passage_id FROM match_passages(pg_temp.v(1, 1), 0.5, 10)$$,
                  ARRAY['p-var-1', 'p-norm-1', 'p-var-2'],
                  'match_passages orders passages by similarity and honours the threshold');
SELECT results_eq($$SELECT passage_id FROM match_passages(pg_temp.v(1, 1), 0.0, 2)$$,
                  ARRAY['p-var-1', 'p-norm-1'], 'match_passages honours the count');
SELECT results_eq($$SELECT passage_id FROM match_passages(pg_temp.v(1, 1), 0.0, 10, ARRAY['reference'])$$,
                  ARRAY['p-norm-1'], 'match_passages filters by the document''s type');
SELECT results_eq($$SELECT content_id, title, content_type, heading FROM match_passages(pg_temp.v(1, 1), 0.0, 1)$$,
                  $$VALUES ('content-python-variables', 'Python Variables', 'tutorial', 'Creating variables')$$,
                  'match_passages returns the document''s id, title and type with the heading');

-- the plan ----------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.explain_lines(sql text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || sql;
END
$$;
CREATE FUNCTION pg_temp.plan_of(sql text, has_types boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    out text := '';
    cfg text;
BEGIN
    -- under the settings match_documents / match_passages run with (019: enable_sort off on
    -- pgvector, serial plans): their SET clauses, applied for this transaction
    FOR cfg IN SELECT unnest(p.proconfig) FROM pg_proc p
               WHERE p.oid = 'public.match_documents(vector, float, int, text[])'::regprocedure LOOP
        PERFORM set_config(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1), true);
    END LOOP;
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ' || sql
        USING pg_temp.v(1, 1), 1, CASE WHEN has_types THEN ARRAY['tutorial'] END, 0.0::float8
    LOOP
        out := out || line || E'\n';
    END LOOP;
    RETURN out;
END
$$;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN matches(pg_temp.plan_of(cca_match_sql('documents', false), false),
                 'Index Scan using idx_learning_content_embedding',
                 'match_documents uses the HNSW index (pgvector)')
    ELSE matches(pg_temp.plan_of(cca_match_sql('documents', false), false),
                 'Function Scan on cca_vector_exact',
                 'match_documents takes cca_vector_exact (exact fallback, 030)') END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN matches(pg_temp.plan_of(cca_match_sql('documents', true), true),
                 'Index Scan using idx_learning_content_embedding',
                 'match_documents with a type filter uses the HNSW index (pgvector)')
    ELSE matches(pg_temp.plan_of(cca_match_sql('documents', true), true),
                 'Function Scan on cca_vector_exact',
                 'match_documents with a type filter takes cca_vector_exact') END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN matches(pg_temp.plan_of(cca_match_sql('passages', false), false),
                 'Index Scan using idx_content_passages_embedding',
                 'match_passages uses the HNSW index (pgvector)')
    ELSE matches(pg_temp.plan_of(cca_match_sql('passages', false), false),
                 'Function Scan on cca_vector_exact',
                 'match_passages takes cca_vector_exact (exact fallback)') END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN matches(cca_match_sql('documents', false), 'ORDER BY lc.embedding <=> \$1 LIMIT \$2\)',
                 'the inner query orders by distance ascending with the LIMIT inside')
    ELSE matches(cca_match_sql('documents', false),
                 'cca_vector_exact\(''d'', \$1, \$2, NULL::text\[\]\) n JOIN .* ORDER BY n.distance, n.id LIMIT \$2\)',
                 'the inner query: the k nearest by distance ascending, the LIMIT inside') END;
SELECT doesnt_match(cca_match_sql('documents', false), 'WHERE .*1 - .*LIMIT',
                    'the threshold is not applied before the LIMIT');

-- full-text search --------------------------------------------------------------------------
RESET ROLE;
INSERT INTO learning_content (id, title, content, content_type) VALUES
    ('ft-title', 'Zorblax Handbook', 'How the team works.', 'reference'),
    ('ft-body', 'Team practices', 'zorblax zorblax zorblax appears three times in this body text.', 'tutorial'),
    ('ft-none', 'Unrelated', 'Nothing to see here.', 'tutorial'),
    ('ft-two', 'Quarterly planning', 'Expense reports are filed with the finance tool.', 'reference');
INSERT INTO content_passages (id, content_id, ordinal, heading, body) VALUES
    ('fp-1', 'ft-two', 0, 'Expenses', 'Expense reports are filed with the finance tool within 30 days.'),
    ('fp-2', 'ft-two', 1, 'Travel', 'Book travel through the portal.'),
    ('fp-3', 'ft-title', 0, 'Onboarding', 'New hires meet their buddy.');
SET LOCAL ROLE cca_u_alice;

SELECT results_eq($$SELECT id FROM search_learning_content('zorblax')$$,
                  ARRAY['ft-title', 'ft-body'],
                  'search_learning_content ranks a title match above a body match with more hits');
SELECT ok((SELECT relevance_score FROM search_learning_content('zorblax') WHERE id = 'ft-title')
          > (SELECT relevance_score FROM search_learning_content('zorblax') WHERE id = 'ft-body'),
          'relevance_score is higher for the title match');
SELECT results_eq($$SELECT id FROM search_learning_content('zorblax', ARRAY['tutorial'])$$,
                  ARRAY['ft-body'], 'search_learning_content filters by type');
SELECT is((SELECT count(*)::int FROM search_learning_content('zorblax', NULL, 1)), 1,
          'search_learning_content honours limit_count');
SELECT is((SELECT count(*)::int FROM search_learning_content('zorblax -handbook')), 1,
          'web-search syntax: -word excludes');
SELECT is((SELECT count(*)::int FROM search_learning_content('')), 0,
          'an empty query finds nothing');
SELECT results_eq($$SELECT id FROM search_learning_content('zorblaxes')$$,
                  ARRAY['ft-title', 'ft-body'], 'words are stemmed (zorblaxes ~ zorblax)');

SELECT is((SELECT passage_id FROM search_passages('How do I file my expense claims?') LIMIT 1), 'fp-1',
          'search_passages finds a passage although some question words are absent (OR query)');
SELECT results_eq($$SELECT passage_id, content_id, title, heading FROM search_passages('expense travel portal')$$,
                  $$VALUES ('fp-2', 'ft-two', 'Quarterly planning', 'Travel'),
                           ('fp-1', 'ft-two', 'Quarterly planning', 'Expenses')$$,
                  'search_passages ranks the passage with more matching words first and returns document data');
SELECT is((SELECT passage_id FROM search_passages('zorblax onboarding') LIMIT 1), 'fp-3',
          'the document title is searchable in its passages');
SELECT is((SELECT count(*)::int FROM search_passages('expense', ARRAY['tutorial'])), 0,
          'search_passages filters by type');
SELECT is((SELECT count(*)::int FROM search_passages('the and of')), 0,
          'a query of stop words finds nothing');
SELECT is((SELECT count(*)::int FROM search_passages('expense travel', NULL, 1)), 1,
          'search_passages honours limit_count');
SELECT lives_ok($$SELECT * FROM search_passages('it''s a "quoted" & | ! : ( ) <-> test\')$$,
                'operators and quotes in the question are just text');

-- The GIN index serves a caller under RLS only with the leakproof OPERATOR(public.@@)
SET LOCAL enable_seqscan = off;
SELECT matches((SELECT string_agg(l, E'\n') FROM pg_temp.explain_lines(
                  $$SELECT * FROM learning_content lc
                    WHERE lc.tsv OPERATOR(public.@@) websearch_to_tsquery('english', 'zorblax')$$) l),
               'Index Cond: .*idx_learning_content_tsv|Bitmap Index Scan on idx_learning_content_tsv',
               'a learner''s full-text match uses the GIN index despite RLS');
SELECT matches((SELECT string_agg(l, E'\n') FROM pg_temp.explain_lines(
                  $$SELECT * FROM content_passages p
                    WHERE p.tsv OPERATOR(public.@@) to_tsquery('english', 'expense | travel')$$) l),
               'Bitmap Index Scan on idx_content_passages_tsv',
               'a learner''s passage search uses the GIN index despite RLS');
SELECT doesnt_match((SELECT string_agg(l, E'\n') FROM pg_temp.explain_lines(
                  $$SELECT * FROM learning_content lc
                    WHERE lc.tsv @@ websearch_to_tsquery('english', 'zorblax')$$) l),
               'idx_learning_content_tsv',
               '(the built-in @@ is not leakproof: under RLS it cannot use the index)');
RESET enable_seqscan;
SELECT ok(prosrc ~ 'OPERATOR\(public\.@@\)', proname || ' matches with the leakproof operator')
FROM pg_proc WHERE proname IN ('search_learning_content', 'search_passages')
  AND pronamespace = 'public'::regnamespace;

SELECT * FROM finish();
ROLLBACK;

-- 16_reindex: reindexing to another embedder beside the live index (016). Only admins run it;
-- the new embeddings go to a side table of the new dimension, batch by batch, resumable;
-- retrieval keeps using the old column until the switch, which is refused while a passage is
-- missing and then swaps everything (passages, documents as the normalised mean, settings) in
-- one transaction, audited; abort forgets the run and keeps the old index.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(42);

CREATE FUNCTION pg_temp.unit(dim int, hot int) RETURNS text LANGUAGE sql AS $$
    SELECT '[' || string_agg(CASE WHEN i = hot THEN '1' ELSE '0' END, ',' ORDER BY i) || ']'
    FROM generate_series(1, dim) i $$;
CREATE FUNCTION pg_temp.coltype(t regclass) RETURNS text LANGUAGE sql AS $$
    SELECT format_type(atttypid, atttypmod) FROM pg_attribute
    WHERE attrelid = t AND attname = 'embedding' $$;

-- A known starting point: every passage has a 1536-dimensional embedding of "cca-local-v1".
UPDATE content_passages SET embedding = array_fill(0.5::real, ARRAY[1536])::vector;
INSERT INTO cca_settings (key, value) VALUES ('embed_dim', '1536'), ('embed_model', 'cca-local-v1')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
DELETE FROM cca_settings WHERE key LIKE 'reindex.%';
CREATE TEMP TABLE n AS SELECT count(*)::int AS passages FROM content_passages;
GRANT SELECT ON n TO PUBLIC;

SELECT has_function('public', 'cca_reindex_begin', ARRAY['integer', 'text'], 'cca_reindex_begin');
SELECT has_function('public', 'cca_reindex_finish', 'cca_reindex_finish');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname LIKE 'reindex%_as'
           AND pronamespace = 'cca_auth'::regnamespace
           AND (NOT prosecdef OR NOT proconfig @> ARRAY['search_path=pg_catalog, public, pg_temp'])),
          0, 'every definer body pins its search_path');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.proname LIKE 'cca_reindex%'
           AND has_function_privilege('public', p.oid, 'EXECUTE')), 0,
          'PUBLIC may execute none of them');

-- who may
SET LOCAL ROLE cca_u_alice;
SELECT lives_ok($$SELECT cca_reindex_state()$$, 'a learner may read the state (doctor)');
SELECT is((cca_reindex_state() ->> 'active')::boolean, false, 'no reindex in progress');
SELECT throws_ok($$SELECT cca_reindex_begin(8, 'fake')$$, '42501', NULL, 'a learner cannot start one');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT throws_ok($$SELECT cca_reindex_begin(8, 'fake')$$, '42501', NULL, 'nor a trainer');
SELECT throws_ok($$SELECT cca_reindex_abort()$$, '42501', NULL, 'nor abort one');
RESET ROLE;

SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$SELECT * FROM cca_reindex_todo(5)$$, '55000', NULL,
                 'no passages to embed before a run starts');
SELECT throws_ok($$SELECT cca_reindex_begin(0, 'fake')$$, '22023', NULL, 'dimension 0 is refused');
SELECT throws_ok($$SELECT cca_reindex_begin(8, ' ')$$, '22023', NULL, 'an empty model is refused');
SELECT is(cca_reindex_begin(8, 'fake-embed') - 'started_at',
          jsonb_build_object('active', true, 'model', 'fake-embed', 'dim', 8, 'done', 0,
                             'total', (SELECT passages FROM n), 'resumed', false,
                             'current', '{"model": "cca-local-v1", "dim": 1536}'::jsonb),
          'an admin starts a run to fake-embed (8)');
RESET ROLE;
SELECT is(pg_temp.coltype('cca_auth.content_passages_next'), 'vector(8)',
          'the side table has the new dimension');
SELECT is(pg_temp.coltype('content_passages'), 'vector(1536)', 'the live column is untouched');
SELECT ok(NOT has_table_privilege('cca_admin', 'cca_auth.content_passages_next', 'SELECT'),
          'no client reads the side table directly');

SET LOCAL ROLE cca_u_grace;
SELECT is((SELECT count(*)::int FROM cca_reindex_todo(10)), 10, 'a batch of passages to embed');
SELECT is(cca_reindex_put(ARRAY(SELECT id FROM cca_reindex_todo(10)),
                          ARRAY(SELECT pg_temp.unit(8, 1) FROM generate_series(1, 10))),
          10, 'ten new embeddings stored');
SELECT throws_like($$SELECT cca_reindex_put(ARRAY(SELECT id FROM cca_reindex_todo(1)),
                                            ARRAY[pg_temp.unit(3, 1)])$$,
                   '%dimensions%', 'an embedding of another dimension is refused');
SELECT throws_ok($$SELECT cca_reindex_put(ARRAY['a', 'b'], ARRAY[pg_temp.unit(8, 1)])$$,
                 '22023', NULL, 'ids and vectors must pair up');
SELECT is(cca_reindex_put(ARRAY['no-such-passage'], ARRAY[pg_temp.unit(8, 1)]), 0,
          'an unknown passage is skipped');
SELECT is((cca_reindex_state() ->> 'done')::int, 10, 'progress: 10 done');
SELECT is((SELECT count(*)::int FROM cca_reindex_todo(1000)), (SELECT passages FROM n) - 10,
          'the rest is still to do');

-- interrupted: begin again with the same target resumes, keeping what was done
SELECT is((cca_reindex_begin(8, 'fake-embed') ->> 'resumed')::boolean, true,
          'the same target resumes');
SELECT is((cca_reindex_state() ->> 'done')::int, 10, 'and keeps the 10 done');

-- the old index keeps answering meanwhile, and the switch waits for every passage
SELECT ok((SELECT count(*) FROM match_passages(array_fill(0.5::real, ARRAY[1536])::vector, -1, 3)) = 3,
          'retrieval still answers from the old 1536-dimensional index');
SELECT throws_ok($$SELECT cca_reindex_finish()$$, '55000', NULL,
                 'the switch is refused while passages are missing');
SELECT lives_ok($$SELECT cca_reindex_put(ARRAY(SELECT id FROM cca_reindex_todo(1000)),
                     ARRAY(SELECT pg_temp.unit(8, 1 + (row_number() OVER ())::int % 8)
                           FROM cca_reindex_todo(1000)))$$, 'the rest embedded');
SELECT is((cca_reindex_finish() - 'started_at') ->> 'active', 'false', 'the switch is done');
RESET ROLE;

SELECT is(pg_temp.coltype('content_passages'), 'vector(8)', 'passages are vector(8) now');
SELECT is(pg_temp.coltype('learning_content'), 'vector(8)', 'documents too');
SELECT is((SELECT count(*)::int FROM content_passages WHERE embedding IS NULL), 0,
          'every passage has its new embedding');
SELECT is((SELECT count(*)::int FROM learning_content lc WHERE embedding IS NULL
           AND EXISTS (SELECT 1 FROM content_passages p WHERE p.content_id = lc.id)), 0,
          'every document with passages has a vector');
SELECT ok((SELECT bool_and(abs(sqrt((SELECT sum(x * x) FROM unnest(embedding::real[]) x)) - 1) < 1e-5)
           FROM learning_content WHERE embedding IS NOT NULL),
          'document vectors are unit length (the normalised mean)');
SELECT results_eq($$SELECT value FROM cca_settings WHERE key IN ('embed_dim', 'embed_model') ORDER BY key$$,
                  $$VALUES ('8'), ('fake-embed')$$, 'the new embedder is recorded');
SELECT is((SELECT count(*)::int FROM cca_settings WHERE key LIKE 'reindex.%'), 0,
          'the run is forgotten');
SELECT is(to_regclass('cca_auth.content_passages_next'), NULL, 'the side table is dropped');
SELECT is((SELECT user_id FROM audit_log WHERE action = 'reindexed' ORDER BY created_at DESC LIMIT 1),
          (SELECT id FROM users WHERE email = 'grace@example.com'),
          'the switch is audited with the admin who made it');
SELECT ok((SELECT count(*) FROM match_passages(pg_temp.unit(8, 2)::vector, -1, 3)) = 3,
          'retrieval answers from the new index');

-- abort: a run started and dropped leaves the index as it was
SET LOCAL ROLE cca_u_grace;
SELECT lives_ok($$SELECT cca_reindex_begin(16, 'other')$$, 'another run starts');
SELECT is((cca_reindex_abort() ->> 'active')::boolean, false, 'abort forgets it');
RESET ROLE;
SELECT is(pg_temp.coltype('content_passages'), 'vector(8)', 'and the live index stays');

SELECT * FROM finish();
ROLLBACK;

-- 10_embed_meta: the embedding dimension and model are recorded; a different embedder is
-- refused with CC001 once embeddings exist; the dimension follows the embedder while nothing
-- is stored; cca_reset_embeddings (admins) starts over.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(24);

-- Start from "nothing embedded yet" (ingest may have run before the tests).
UPDATE learning_content SET embedding = NULL;
UPDATE content_passages SET embedding = NULL;
DELETE FROM cca_settings WHERE key = 'embed_model';
UPDATE cca_settings SET value = '1536' WHERE key = 'embed_dim';

SELECT has_function('public', 'cca_set_embed_meta', ARRAY['integer', 'text'], 'cca_set_embed_meta(int, text)');
SELECT has_function('public', 'cca_reset_embeddings', ARRAY['integer', 'text'], 'cca_reset_embeddings(int, text)');

SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$SELECT cca_set_embed_meta(1536, 'local-hash-v1')$$, 'a trainer records the embedder');
SELECT results_eq($$SELECT key, value FROM cca_settings WHERE key LIKE 'embed%' ORDER BY key$$,
                  $$VALUES ('embed_dim', '1536'), ('embed_model', 'local-hash-v1')$$,
                  'dimension and model are recorded');
RESET ROLE;
UPDATE learning_content SET embedding = array_fill(0.5::real, ARRAY[1536])::vector
WHERE id = 'content-scrum';
SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$SELECT cca_set_embed_meta(1536, 'local-hash-v1')$$, 'the same embedder is accepted again');
SELECT throws_ok($$SELECT cca_set_embed_meta(1536, 'text-embedding-3-small')$$, 'CC001', NULL,
                 'another model is refused once embeddings are stored');
SELECT throws_like($$SELECT cca_set_embed_meta(768, 'local-hash-v1')$$, '%run `cca reindex`%',
                   'another dimension is refused, and the message says to run cca reindex');
SELECT throws_ok($$SELECT cca_set_embed_meta(0, 'x')$$, '22023', NULL, 'dimension 0 is invalid');
SELECT throws_ok($$SELECT cca_set_embed_meta(1536, '')$$, '22023', NULL, 'an empty model name is invalid');
SELECT throws_ok($$SELECT cca_reset_embeddings(1536, 'x')$$, '42501', NULL, 'a trainer cannot reset embeddings');
RESET ROLE;
SET LOCAL ROLE cca_u_alice;
SELECT throws_ok($$SELECT cca_set_embed_meta(1536, 'local-hash-v1')$$, '42501', NULL,
                 'a learner cannot record an embedder');
SELECT throws_ok($$UPDATE cca_settings SET value = 'x'$$, '42501', NULL, 'nor write the settings directly');
RESET ROLE;

-- nothing stored: a new dimension retypes the columns
UPDATE learning_content SET embedding = NULL;
SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$SELECT cca_set_embed_meta(8, 'tiny-model')$$,
                'with no embedding stored, a different dimension is accepted');
RESET ROLE;
SELECT is(format_type(atttypid, atttypmod), 'vector(8)', 'learning_content.embedding is now vector(8)')
FROM pg_attribute WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding';
SELECT is(format_type(atttypid, atttypmod), 'vector(8)', 'content_passages.embedding is now vector(8)')
FROM pg_attribute WHERE attrelid = 'content_passages'::regclass AND attname = 'embedding';
SELECT is(attstorage::text, 'p', '... still PLAIN')
FROM pg_attribute WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding';
SELECT is((SELECT value FROM cca_settings WHERE key = 'embed_dim'), '8', 'embed_dim is 8');
UPDATE learning_content SET embedding = '[1,0,0,0,0,0,0,0]' WHERE id = 'content-scrum';
SELECT throws_ok($$UPDATE learning_content SET embedding = '[1,0,0]' WHERE id = 'content-scrum'$$,
                 NULL, 'a vector of the wrong dimension is rejected');
SET LOCAL ROLE cca_u_alice;
SELECT results_eq($$SELECT id FROM match_documents('[1,0,0,0,0,0,0,0]', 0.5, 5)$$, ARRAY['content-scrum'],
                  'retrieval works at the new dimension');
RESET ROLE;

-- reindex: an admin starts over with another model and dimension
SET LOCAL ROLE cca_u_grace;
SELECT lives_ok($$SELECT cca_reset_embeddings(1536, 'text-embedding-3-small')$$,
                'an admin resets the embeddings');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM learning_content WHERE embedding IS NOT NULL), 0,
          'every embedding is cleared');
SELECT is(format_type(atttypid, atttypmod), 'vector(1536)', 'the column is vector(1536) again')
FROM pg_attribute WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding';
SELECT results_eq($$SELECT value FROM cca_settings WHERE key LIKE 'embed%' ORDER BY key$$,
                  $$VALUES ('1536'), ('text-embedding-3-small')$$, 'the new embedder is recorded');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'reset_embeddings'), 1,
          'the reset is audited');

SELECT * FROM finish();
ROLLBACK;

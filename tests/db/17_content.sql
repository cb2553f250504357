-- 17_content: the Content tab's database half (013): saves with optimistic concurrency,
-- passages kept (with their embeddings) when unchanged, trainers confined to their own content
-- and assessments, the feedback loop that never tells a trainer who asked, review dates,
-- archiving, and assessment authoring with validation. Tested as erin and frank (trainers),
-- alice and bob (learners) and grace (admin).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(57);

-- the API -------------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE pronamespace = 'public'::regnamespace AND prosecdef
             AND proname LIKE 'cca\_content%'), 0,
          'every public content function runs as the caller (SECURITY INVOKER)');
SELECT ok(NOT has_function_privilege('cca_learner', 'cca_content_list()', 'EXECUTE')
          AND NOT has_function_privilege('cca_learner', 'cca_content_feedback(text)', 'EXECUTE')
          AND NOT has_function_privilege('cca_hr_manager', 'cca_content_save(text,integer,jsonb)', 'EXECUTE'),
          'learners and HR managers cannot call the authoring functions');
SELECT ok(has_function_privilege('cca_learner', 'cca_message_feedback(text,boolean,text)', 'EXECUTE'),
          'learners may give feedback');
SELECT has_table('public', 'message_feedback', 'message_feedback exists');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'message_feedback'::regclass),
          'message_feedback has row-level security');

-- fixtures (as the superuser) -----------------------------------------------------------------
INSERT INTO learning_content (id, title, content, content_type, created_by) VALUES
    ('t-erin', 'Erin travel rules', 'Hotels up to 150 EUR.', 'reference',
     '00000000-0000-4000-8000-000000000005'),
    ('t-frank', 'Frank meal rules', 'Meals up to 30 EUR.', 'reference',
     '00000000-0000-4000-8000-000000000006');
INSERT INTO content_passages (id, content_id, ordinal, heading, body) VALUES
    ('t-erin-p0', 't-erin', 0, 'Hotels', 'Hotels up to 150 EUR.'),
    ('t-frank-p0', 't-frank', 0, 'Meals', 'Meals up to 30 EUR.');
INSERT INTO conversations (id, user_id) VALUES ('t-conv', '00000000-0000-4000-8000-000000000001');
INSERT INTO chat_messages (id, user_id, conversation_id, message, response, status, sources) VALUES
    ('t-msg1', '00000000-0000-4000-8000-000000000001', 't-conv', 'my secret question about hotels',
     'Hotels are paid up to 150 EUR [1].', 'answered',
     '[{"content_id": "t-erin", "passage_id": "t-erin-p0", "title": "Erin travel rules", "passage": "Hotels up to 150 EUR."}]'),
    ('t-msg2', '00000000-0000-4000-8000-000000000001', 't-conv', 'meals?',
     'Meals up to 30 EUR [1].', 'answered',
     '[{"content_id": "t-frank", "passage_id": "t-frank-p0", "title": "Frank meal rules", "passage": "Meals up to 30 EUR."}]'),
    ('t-msg3', '00000000-0000-4000-8000-000000000001', 't-conv', 'pending one', NULL, 'pending', NULL);
UPDATE content_passages SET embedding = (SELECT embedding FROM content_passages
                                         WHERE embedding IS NOT NULL LIMIT 1)
WHERE id = 't-erin-p0';

-- versions ------------------------------------------------------------------------------------
SELECT is((SELECT version FROM learning_content WHERE id = 't-erin'), 1, 'a new item is version 1');
UPDATE learning_content SET version = 40 WHERE id = 't-erin';
SELECT is((SELECT version FROM learning_content WHERE id = 't-erin'), 1,
          'the version is the server''s: a writer cannot set it');

-- erin edits her own content --------------------------------------------------------------------
SET LOCAL ROLE cca_u_erin;
SELECT is((SELECT (x->>'can_edit')::boolean FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-erin'), true, 'erin''s list: her item is editable');
SELECT is((SELECT (x->>'can_edit')::boolean FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-frank'), false, '... frank''s is read-only');
SELECT is((SELECT x->>'owner' FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-frank'), 'Frank Novak', '... and names its owner');
SELECT is((SELECT (x->>'cited_30d')::int FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-erin'), 1, 'the list counts the answers that cited an item (30 days)');
SELECT is(cca_content_get('t-erin')->>'body', 'Hotels up to 150 EUR.', 'erin opens her item');
CREATE TEMP TABLE saved AS
SELECT cca_content_save('t-erin', 1, '{"title": "Erin travel rules", "content_type": "reference",
    "body": "# Intro\n\nRead this.\n\n# Hotels\n\nHotels up to 150 EUR.", "difficulty": "beginner",
    "skills": ["skill-pm"], "review_by": "2000-01-01",
    "passages": [{"heading": "Intro", "body": "Read this."},
                 {"heading": "Hotels", "body": "Hotels up to 150 EUR."}]}') AS r;
SELECT is((SELECT (r->>'version')::int FROM saved), 2, 'her save is version 2');
SELECT is((SELECT (r->>'kept')::int FROM saved), 1, 'the unchanged passage is kept');
SELECT is((SELECT jsonb_array_length(r->'pending') FROM saved), 1,
          'only the new passage is left to embed');
SELECT is((SELECT id FROM content_passages WHERE content_id = 't-erin' AND ordinal = 1), 't-erin-p0',
          'the kept passage keeps its row (id) though it moved to ordinal 1');
SELECT ok((SELECT embedding IS NOT NULL FROM content_passages WHERE id = 't-erin-p0'),
          '... and its embedding');
SELECT is((SELECT updated_by FROM learning_content WHERE id = 't-erin'),
          '00000000-0000-4000-8000-000000000005', 'the change records erin as its author');
SELECT is((SELECT cca_content_save('t-erin', 1, '{"title": "Stale", "content_type": "reference",
               "body": "old text", "passages": [{"body": "old text"}]}')->>'conflict'), 'true',
          'a save from version 1 after version 2 is refused as a conflict');
SELECT is((SELECT cca_content_save('t-erin', 1, '{"title": "Stale", "content_type": "reference",
               "body": "old text", "passages": [{"body": "old text"}]}')->'current'->>'body'),
          E'# Intro\n\nRead this.\n\n# Hotels\n\nHotels up to 150 EUR.',
          '... and returns the current text to compare and merge');
SELECT is((SELECT title FROM learning_content WHERE id = 't-erin'), 'Erin travel rules',
          '... writing nothing');
SELECT is((SELECT cca_content_embed(ARRAY[(SELECT r->'pending'->0->>'id' FROM saved)],
                                    ARRAY[(SELECT embedding::text FROM content_passages
                                           WHERE id = 't-erin-p0')])), 1,
          'erin stores the embedding of the new passage');
SELECT is((SELECT count(*)::int FROM content_passages WHERE content_id = 't-erin' AND embedding IS NULL),
          0, '... and the item is fully embedded');
SELECT is((SELECT (x->>'is_due')::boolean FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-erin'), true, 'an item past its review date is flagged');
SELECT throws_ok($$SELECT cca_content_save('t-erin', 2, '{"title": " ", "content_type": "reference", "body": "x"}')$$,
                 '22023', 'title: a title is required', 'a blank title is refused with a clear message');
SELECT throws_ok($$SELECT cca_content_save('t-erin', 2, '{"title": "T", "content_type": "poem", "body": "x"}')$$,
                 '22023', NULL, 'an unknown type is refused');

-- erin cannot touch frank's ----------------------------------------------------------------------
SELECT throws_ok($$SELECT cca_content_save('t-frank', 1, '{"title": "Mine now", "content_type": "reference",
                     "body": "x", "passages": [{"body": "x"}]}')$$,
                 '42501', 'this content is not yours: you can read it but not change it',
                 'erin cannot save frank''s content');
SELECT throws_ok($$SELECT cca_content_archive('t-frank', 1, true)$$, '42501', NULL,
                 'erin cannot archive frank''s content');
SELECT throws_ok($$SELECT cca_content_delete('t-frank', 1)$$, '42501', NULL,
                 'erin cannot delete frank''s content');
SELECT is((SELECT cca_content_embed(ARRAY['t-frank-p0'], ARRAY[(SELECT embedding::text FROM content_passages
                                                                 WHERE id = 't-erin-p0')])), 0,
          'erin cannot set the embedding of frank''s passage');
SELECT throws_ok($$SELECT cca_content_feedback('t-frank')$$, '42501', NULL,
                 'erin cannot read the feedback on frank''s content');
SELECT is((SELECT count(*)::int FROM message_feedback), 0, 'erin reads no learner''s feedback rows');
RESET ROLE;
SELECT is((SELECT content FROM learning_content WHERE id = 't-frank'), 'Meals up to 30 EUR.',
          'as the superuser: frank''s content is untouched');

-- feedback: alice marks answers; erin sees what is hers, never who ----------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT lives_ok($$SELECT cca_message_feedback('t-msg1', false, E'wrong \x1b[31m amount')$$,
                'alice marks an answer as not helpful, with a reason');
SELECT lives_ok($$SELECT cca_message_feedback('t-msg2', true)$$, 'and another as helpful');
SELECT throws_ok($$SELECT cca_message_feedback('t-msg3', false)$$, 'P0002', NULL,
                 'a question without an answer cannot be marked');
SELECT is((SELECT reason FROM message_feedback WHERE message_id = 't-msg1'), 'wrong  [31m amount',
          'the reason is stored without control characters');
SELECT throws_ok($$SELECT cca_content_list()$$, '42501', NULL, 'a learner cannot list content as an author');
RESET ROLE;
SET LOCAL ROLE cca_u_bob;
SELECT throws_ok($$SELECT cca_message_feedback('t-msg1', true)$$, 'P0002', NULL,
                 'bob cannot mark alice''s answer');
SELECT is((SELECT count(*)::int FROM message_feedback), 0, 'bob sees no one else''s feedback');
SELECT throws_ok($$INSERT INTO message_feedback (message_id, helpful) VALUES ('t-msg2', false)$$,
                 '42501', NULL, 'bob cannot insert feedback on alice''s answer directly');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT is((SELECT (x->>'unhelpful')::int FROM jsonb_array_elements(cca_content_list()->'items') x
           WHERE x->>'id' = 't-erin'), 1, 'erin''s list counts the thumbs-down on her item');
SELECT is(jsonb_array_length(cca_content_feedback('t-erin')->'items'), 1,
          'erin sees the unhelpful answer that cited her item');
SELECT is(cca_content_feedback('t-erin')->'items'->0->>'passage_id', 't-erin-p0',
          '... with the passage it cited');
SELECT ok(NOT (cca_content_feedback('t-erin')::text ~ '(00000000-0000-4000-8000-000000000001|Alice|alice|secret question|t-msg1|t-conv)'),
          '... and nothing about who asked: no id, name, question, message or conversation');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE id LIKE 't-msg%'), 0,
          'erin still cannot read the learner''s chat messages');
RESET ROLE;

-- archiving ------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$SELECT cca_content_archive('t-erin', 2, true)$$, 'erin archives her item');
SELECT is((SELECT count(*)::int FROM content_passages WHERE content_id = 't-erin'), 0,
          'an archived item leaves retrieval (no passages)');
SELECT throws_ok($$SELECT cca_content_delete('t-erin', 2)$$, 'CC001', NULL,
                 'a delete from a stale version is refused');
SELECT lives_ok($$SELECT cca_content_delete('t-erin', 3)$$, 'erin deletes her own item');
RESET ROLE;

-- assessments authoring -------------------------------------------------------------------------
SET LOCAL ROLE cca_u_frank;
SELECT throws_ok($$SELECT cca_assessment_authoring_save(NULL, NULL, '{"title": "Q", "time_limit": 10,
                     "questions": [{"question": "Pick", "options": ["only one"], "correct": 0}]}')$$,
                 '22023', 'question 1: at least two options', 'a question needs two options');
SELECT throws_ok($$SELECT cca_assessment_authoring_save(NULL, NULL, '{"title": "Q", "time_limit": 0,
                     "questions": [{"question": "Pick", "options": ["a", "b"], "correct": 0}]}')$$,
                 '22023', 'time limit: a positive number of minutes', 'the time limit must be positive');
SELECT throws_ok($$SELECT cca_assessment_authoring_save(NULL, NULL, '{"title": "Q", "time_limit": 5,
                     "questions": [{"question": "Pick", "options": ["a", "b"]}]}')$$,
                 '22023', 'question 1: choose the correct answer', 'a correct answer must be chosen');
CREATE TEMP TABLE fq AS
SELECT cca_assessment_authoring_save(NULL, NULL, '{"title": "Frank quiz", "time_limit": 5,
    "passing_score": 50, "max_attempts": 2, "review_policy": "after_submit",
    "questions": [{"question": "2+2?", "options": ["3", "4"], "correct": 1, "explanation": "Count."}]}') AS r;
SELECT is((SELECT correct FROM assessment_keys WHERE assessment_id = (SELECT r->>'id' FROM fq)), 1,
          'frank''s new assessment: the key went to assessment_keys');
SELECT ok(NOT ((SELECT questions FROM assessments WHERE id = (SELECT r->>'id' FROM fq))::text ~ 'correct'),
          '... and not into the questions learners read');
RESET ROLE;
GRANT SELECT ON fq TO PUBLIC;
SET LOCAL ROLE cca_u_erin;
SELECT ok(NOT (cca_assessment_authoring_get((SELECT r->>'id' FROM fq))::text ~ '"correct"'),
          'erin reads frank''s assessment without its key');
SELECT throws_ok($$SELECT cca_assessment_authoring_save((SELECT r->>'id' FROM fq), now(),
                     '{"title": "Mine", "time_limit": 5, "questions": [{"question": "x", "options": ["a", "b"], "correct": 0}]}')$$,
                 '42501', NULL, 'erin cannot edit frank''s assessment');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

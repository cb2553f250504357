-- 05_rls_learner: a learner (alice) reads and changes only her own rows, even with
-- hand-written SQL; cannot raise her role or move department; sees no answer key, audit or
-- analytics data.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(71);

SET LOCAL ROLE cca_u_alice;

-- identity ----------------------------------------------------------------------------------
SELECT results_eq($$SELECT id, email, role, department, db_role FROM cca_whoami()$$,
                  $$VALUES ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'learner',
                            'Engineering', 'cca_u_alice')$$,
                  'cca_whoami returns the caller''s row');
SELECT is(cca_auth.uid(), '00000000-0000-4000-8000-000000000001', 'cca_auth.uid() is alice');
SELECT is(cca_auth.role(), 'authenticated', 'cca_auth.role() is authenticated');
SELECT is(cca_auth.app_role(), 'learner', 'cca_auth.app_role() is learner');
SELECT is(cca_auth.department(), 'Engineering', 'cca_auth.department()');
SELECT is(auth.uid(), cca_auth.uid(), 'auth.uid() (the spec''s name) agrees');
SELECT is(auth.role(), 'authenticated', 'auth.role() agrees');
SELECT lives_ok($$SET LOCAL cca.user_id = '00000000-0000-4000-8000-000000000002'$$,
                'a client may set any custom setting ...');
SELECT is(cca_auth.uid(), '00000000-0000-4000-8000-000000000001', '... the identity does not change');

-- users -------------------------------------------------------------------------------------
SELECT results_eq($$SELECT email FROM users$$, ARRAY['alice@example.com'], 'she sees only her own profile');
SELECT is((SELECT count(*)::int FROM users WHERE email = 'bob@example.com'), 0,
          'another learner''s profile is invisible, even by key');
WITH u AS (UPDATE users SET name = 'pwned' WHERE email = 'bob@example.com' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'updating another profile changes nothing');
SELECT lives_ok($$UPDATE users SET name = 'Alice M.', preferences = '{"theme": "light"}'
                  WHERE id = cca_auth.uid()$$, 'she updates her own name and preferences');
SELECT throws_ok($$UPDATE users SET role = 'admin' WHERE id = cca_auth.uid()$$, '42501', NULL,
                 'she cannot raise her role');
SELECT throws_ok($$UPDATE users SET department = 'Sales' WHERE id = cca_auth.uid()$$, '42501', NULL,
                 'she cannot move department');
SELECT throws_ok($$UPDATE users SET db_role = 'cca_u_grace' WHERE id = cca_auth.uid()$$, '42501', NULL,
                 'she cannot re-point her login role');
SELECT throws_ok($$UPDATE users SET email = 'grace@example.com' WHERE id = cca_auth.uid()$$, '42501', NULL,
                 'she cannot change her email');
SELECT throws_ok($$UPDATE users SET id = 'x' WHERE id = cca_auth.uid()$$, '42501', NULL,
                 'she cannot change her id');
SELECT throws_ok($$INSERT INTO users (email, name, role) VALUES ('evil@example.com', 'Evil', 'admin')$$,
                 '42501', NULL, 'she cannot create users');
SELECT throws_ok($$DELETE FROM users$$, '42501', NULL, 'she cannot delete users');
SELECT throws_ok($$SELECT cca_user_add('evil@example.com', 'Evil', 'admin', 'IT')$$, '42501', NULL,
                 'she cannot call cca_user_add');
SELECT throws_ok($$SELECT cca_user_set_role('alice@example.com', 'admin')$$, '42501', NULL,
                 'she cannot call cca_user_set_role');
SELECT throws_ok($$SELECT cca_auth.user_set_role_as('cca_u_grace', 'alice@example.com', 'admin')$$,
                 '42501', NULL, 'nor its definer body with an admin''s role name');

-- chat --------------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM chat_messages), 4, 'she sees her 4 messages');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE user_id <> cca_auth.uid()), 0,
          'and no one else''s');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE id = 'msg-bob-1'), 0,
          'another learner''s message is invisible by key');
SELECT is((SELECT count(*)::int FROM conversations WHERE user_id <> cca_auth.uid()), 0,
          'another learner''s conversations are invisible');
WITH u AS (UPDATE chat_messages SET response = 'pwned' WHERE id = 'msg-bob-1' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'updating another learner''s message changes nothing');
SELECT throws_ok($$INSERT INTO chat_messages (user_id, message)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'forged')$$,
                 '42501', NULL, 'she cannot write a message as someone else');
SELECT throws_ok($$INSERT INTO conversations (user_id) VALUES ('00000000-0000-4000-8000-000000000002')$$,
                 '42501', NULL, 'she cannot open a conversation as someone else');
SELECT throws_ok($$INSERT INTO chat_messages (message, conversation_id) VALUES ('x', 'conv-bob-planning')$$,
                 '23503', NULL, 'she cannot add to another learner''s conversation');
SELECT lives_ok($$INSERT INTO chat_messages (message, conversation_id)
                  VALUES ('What is Scrum?', 'conv-alice-ml')$$,
                'she stores her own question (user_id defaults to her, the id is the server''s)');
SELECT lives_ok($$UPDATE chat_messages SET status = 'answered', response = 'An agile framework [1].',
                  confidence = 0.7, sources = '[]', processing_time = 900, is_offline = true,
                  abstain = false WHERE message = 'What is Scrum?'$$,
                'she stores the answer to it');
SELECT throws_ok($$UPDATE chat_messages SET user_id = '00000000-0000-4000-8000-000000000002'
                   WHERE message = 'What is Scrum?'$$, '42501', NULL, 'she cannot give a message away');
SELECT throws_ok($$UPDATE chat_messages SET message = 'rewritten' WHERE message = 'What is Scrum?'$$,
                 '42501', NULL, 'a stored question cannot be rewritten');
SELECT throws_ok($$DELETE FROM chat_messages WHERE message = 'What is Scrum?'$$, '42501', NULL,
                 'messages cannot be deleted by the client');

SELECT lives_ok($$INSERT INTO conversations (title) VALUES ('Agile')$$,
                'she opens a conversation of her own');
SELECT lives_ok($$UPDATE conversations SET title = 'Agile basics' WHERE title = 'Agile'$$,
                'she renames her own conversation');
WITH u AS (UPDATE conversations SET title = 'pwned' WHERE id = 'conv-bob-planning' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'renaming another learner''s conversation changes nothing');

-- progress ----------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM learning_progress), 4, 'she sees her 4 progress rows');
SELECT is((SELECT count(*)::int FROM learning_progress WHERE user_id <> cca_auth.uid()), 0,
          'and no one else''s');
WITH u AS (UPDATE learning_progress SET progress = 0 WHERE id = 'lp-bob-pm' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'updating another learner''s progress changes nothing');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, skill_id, progress)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'skill-react', 100)$$,
                 '42501', NULL, 'she cannot write progress for someone else');
SELECT throws_ok($$UPDATE learning_progress SET user_id = '00000000-0000-4000-8000-000000000002'
                   WHERE id = 'lp-alice-data'$$, '42501', NULL, 'she cannot hand her progress over');
SELECT throws_ok($$UPDATE learning_progress SET completed_at = now() WHERE id = 'lp-alice-data'$$,
                 '42501', NULL, 'completed_at is the server''s');
SELECT lives_ok($$UPDATE learning_progress SET progress = 80 WHERE id = 'lp-alice-data'$$,
                'she updates her own progress');
SELECT lives_ok($$INSERT INTO learning_progress (skill_id, progress) VALUES ('skill-react', 10)$$,
                'she starts a new skill');

-- recommendations, results, keys, logs -------------------------------------------------------
SELECT is((SELECT count(*)::int FROM recommendations WHERE user_id <> cca_auth.uid()), 0,
          'she sees only her recommendations');
WITH u AS (UPDATE recommendations SET clicked = true
                      WHERE user_id = '00000000-0000-4000-8000-000000000002' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'she cannot click for someone else');
SELECT lives_ok($$INSERT INTO recommendations (type, item_id, score, reason)
                  VALUES ('skill', 'skill-ml', 0.3, 'shown on the dashboard')$$,
                'she records a recommendation she was shown');
SELECT throws_ok($$INSERT INTO recommendations (user_id, type, item_id, score)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'skill', 'skill-ml', 0.3)$$,
                 '42501', NULL, 'but not for someone else');
SELECT throws_ok($$UPDATE recommendations SET score = 1 WHERE user_id = cca_auth.uid()$$, '42501', NULL,
                 'she can mark clicks but not rescore');
SELECT results_eq($$SELECT assessment_id, score FROM assessment_results$$,
                  $$VALUES ('assess-python-basics', 100::float8)$$, 'she sees only her own result');
SELECT throws_ok($$INSERT INTO assessment_results (user_id, assessment_id, score)
                   VALUES (cca_auth.uid(), 'assess-ml-concepts', 100)$$, '42501', NULL,
                 'she cannot write a result directly');
SELECT throws_ok($$UPDATE assessment_results SET score = 100$$, '42501', NULL,
                 'she cannot change a result');
SELECT is((SELECT count(*)::int FROM assessment_attempts WHERE user_id <> cca_auth.uid()), 0,
          'she sees only her own attempts');
SELECT throws_ok($$SELECT * FROM assessment_keys$$, '42501', NULL, 'the answer keys are out of reach');
SELECT throws_ok($$SELECT * FROM audit_log$$, '42501', NULL, 'audit_log is for admins');
SELECT throws_ok($$SELECT * FROM analytics_events$$, '42501', NULL, 'analytics_events is for admins');
SELECT throws_ok($$INSERT INTO audit_log (table_name, record_id, action) VALUES ('x', 'y', 'z')$$,
                 '42501', NULL, 'nobody inserts audit rows by hand');
SELECT throws_ok($$INSERT INTO analytics_events (event_type) VALUES ('x')$$, '42501', NULL,
                 'nobody inserts analytics events by hand');
SELECT throws_ok($$SELECT * FROM department_dashboard()$$, '42501', NULL,
                 'the department dashboard is not for learners');

-- content and views -------------------------------------------------------------------------
SELECT ok((SELECT count(*) FROM learning_content) >= 10, 'she reads all learning content');
SELECT ok((SELECT count(*) FROM skills) >= 10 AND (SELECT count(*) FROM courses) >= 8,
          'she reads skills and courses');
SELECT throws_ok($$INSERT INTO learning_content (title, content, content_type) VALUES ('t', 'c', 'tutorial')$$,
                 '42501', NULL, 'a learner does not write content');
SELECT throws_ok($$UPDATE skills SET name = 'x'$$, '42501', NULL, 'a learner does not edit the catalogue');
SELECT results_eq($$SELECT email FROM user_learning_dashboard$$, ARRAY['alice@example.com'],
                  'user_learning_dashboard shows only her');
SELECT is((SELECT sum(total_recommendations)::int FROM recommendation_analytics), 4,
          'recommendation_analytics aggregates only her recommendations');
SELECT is((SELECT value FROM cca_settings WHERE key = 'embed_dim') IS NOT NULL, true,
          'she can read the embedding settings');
SELECT throws_ok($$UPDATE cca_settings SET value = '3' WHERE key = 'embed_dim'$$, '42501', NULL,
                 'she cannot change them');

RESET ROLE;
SELECT is((SELECT name FROM users WHERE email = 'bob@example.com'), 'Bob Chen',
          'afterwards, as the superuser: bob''s profile is untouched');

SELECT * FROM finish();
ROLLBACK;

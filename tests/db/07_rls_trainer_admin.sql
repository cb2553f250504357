-- 07_rls_trainer_admin: trainers write content and assessments and change only their own;
-- admins read and manage everything; a role not linked to any user sees nothing.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(56);

INSERT INTO content_passages (id, content_id, ordinal, body)
VALUES ('p-frank', 'content-ml-overview', 900, 'Supervised learning uses labels.');

-- trainer erin -------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$INSERT INTO learning_content (id, title, content, content_type)
                  VALUES ('erin-new', 'Giving feedback', 'Be specific and kind.', 'lesson')$$,
                'a trainer creates content');
SELECT is((SELECT created_by FROM learning_content WHERE id = 'erin-new'),
          '00000000-0000-4000-8000-000000000005', '... recorded as hers');
SELECT throws_ok($$INSERT INTO learning_content (title, content, content_type, created_by)
                   VALUES ('t', 'c', 'lesson', '00000000-0000-4000-8000-000000000006')$$,
                 '42501', NULL, 'a trainer cannot create content in another trainer''s name');
SELECT lives_ok($$UPDATE learning_content SET content = 'Be specific, timely and kind.' WHERE id = 'erin-new'$$,
                'a trainer edits her own content');
WITH u AS (UPDATE learning_content SET content = 'defaced' WHERE id = 'content-ml-overview' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot edit another trainer''s content');
WITH u AS (DELETE FROM learning_content WHERE id = 'content-ml-overview' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot delete another trainer''s content');
WITH u AS (UPDATE learning_content SET content = 'defaced' WHERE id = 'content-db-normalization' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot edit content without an author');
SELECT throws_ok($$UPDATE learning_content SET created_by = '00000000-0000-4000-8000-000000000006'
                   WHERE id = 'erin-new'$$, '42501', NULL,
                 'a trainer cannot hand content to someone else');
SELECT lives_ok($$INSERT INTO content_passages (content_id, ordinal, body) VALUES ('erin-new', 0, 'Be specific.')$$,
                'a trainer adds passages to her own document');
SELECT throws_ok($$INSERT INTO content_passages (content_id, ordinal, body)
                   VALUES ('content-ml-overview', 99, 'planted')$$, '42501', NULL,
                 'a trainer cannot add passages to another trainer''s document');
SELECT lives_ok($$DELETE FROM learning_content WHERE id = 'erin-new'$$, 'a trainer deletes her own content');

SELECT lives_ok($$INSERT INTO assessments (id, title, time_limit, questions) VALUES ('erin-quiz', 'Feedback quiz', 10,
                  '[{"id": "f1", "question": "Feedback should be?", "options": ["vague", "specific"], "correct": 1}]')$$,
                'a trainer creates an assessment with its answer key');
SELECT results_eq($$SELECT question_id, correct FROM assessment_keys WHERE assessment_id = 'erin-quiz'$$,
                  $$VALUES ('f1', 1)$$, 'she reads the key of her own assessment');
SELECT is((SELECT count(*)::int FROM assessment_keys WHERE assessment_id = 'assess-ml-concepts'), 0,
          'she does not read another trainer''s answer key');
WITH u AS (UPDATE assessments SET title = 'x' WHERE id = 'assess-ml-concepts' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot edit another trainer''s assessment');
SELECT throws_ok($$INSERT INTO assessment_keys VALUES ('assess-ml-concepts', 'q1', 3)$$, '42501', NULL,
                 'a trainer cannot rewrite another trainer''s answer key');
SELECT is((SELECT count(*)::int FROM assessment_results), 3,
          'a trainer sees the results of her own assessments (python basics x2, PM x1)');
SELECT is((SELECT count(*)::int FROM users), 1, 'a trainer sees only her own profile');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE user_id <> cca_auth.uid()), 0,
          'a trainer reads no one else''s chat');
SELECT throws_ok($$UPDATE skills SET name = 'x'$$, '42501', NULL, 'the catalogue is the admins''');
SELECT lives_ok($$UPDATE assessments SET description = 'Short quiz' WHERE id = 'erin-quiz'$$,
                'a trainer edits her own assessment');
WITH u AS (DELETE FROM assessments WHERE id = 'assess-ml-concepts' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot delete another trainer''s assessment');
WITH u AS (UPDATE content_passages SET body = 'defaced' WHERE id = 'p-frank' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot edit another trainer''s passages');
WITH u AS (DELETE FROM content_passages WHERE id = 'p-frank' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'a trainer cannot delete another trainer''s passages');
RESET ROLE;

SET LOCAL ROLE cca_u_frank;
SELECT is((SELECT count(*)::int FROM assessment_results), 0,
          'frank sees no results: nobody took his assessment');
SELECT is((SELECT count(*)::int FROM assessment_keys WHERE assessment_id = 'erin-quiz'), 0,
          'frank does not read erin''s key');
RESET ROLE;
SELECT is((SELECT content FROM learning_content WHERE id = 'content-ml-overview'),
          'Machine learning is a subset of artificial intelligence that focuses on algorithms that can learn from data. It includes supervised learning, unsupervised learning, and reinforcement learning approaches.',
          'as the superuser: frank''s content is untouched');

-- admin grace ---------------------------------------------------------------------------------
CREATE TEMP TABLE totals AS
SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM chat_messages) AS msgs,
       (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM analytics_events) AS events,
       (SELECT count(*)::int FROM learning_progress) AS progress,
       (SELECT count(*)::int FROM conversations) AS convs,
       (SELECT count(*)::int FROM assessment_results) AS results,
       (SELECT count(*)::int FROM assessment_attempts) AS attempts,
       (SELECT count(*)::int FROM recommendations) AS recs;
GRANT SELECT ON totals TO PUBLIC;
SET LOCAL ROLE cca_u_grace;
SELECT is((SELECT count(*)::int FROM users), (SELECT users FROM totals), 'an admin sees every user');
SELECT is((SELECT count(*)::int FROM chat_messages), (SELECT msgs FROM totals),
          'an admin reads every chat message (support)');
SELECT is((SELECT count(*)::int FROM audit_log), (SELECT audit FROM totals), 'an admin reads the audit log');
SELECT is((SELECT count(*)::int FROM analytics_events), (SELECT events FROM totals),
          'an admin reads the analytics events');
SELECT is((SELECT count(*)::int FROM learning_progress), (SELECT progress FROM totals),
          'an admin reads all progress');
SELECT lives_ok($$UPDATE users SET department = 'Platform' WHERE email = 'alice@example.com'$$,
                'an admin moves a person to another department');
SELECT throws_ok($$UPDATE users SET role = 'admin' WHERE email = 'alice@example.com'$$, '42501', NULL,
                 'an admin changes roles only through cca_user_set_role');
SELECT lives_ok($$UPDATE learning_content SET title = 'ML Overview' WHERE id = 'content-ml-overview'$$,
                'an admin edits any content');
SELECT lives_ok($$UPDATE skills SET description = 'Python, the language' WHERE id = 'skill-python'$$,
                'an admin edits the catalogue');
SELECT is((SELECT count(*)::int FROM assessment_keys) > 0, true, 'an admin reads answer keys');
SELECT is((SELECT count(*)::int FROM department_dashboard()), (SELECT users FROM totals),
          'an admin''s department dashboard covers everybody');
SELECT is((SELECT count(*)::int FROM conversations), (SELECT convs FROM totals),
          'an admin reads every conversation');
SELECT is((SELECT count(*)::int FROM assessment_results), (SELECT results FROM totals),
          'an admin reads every result');
SELECT is((SELECT count(*)::int FROM assessment_attempts), (SELECT attempts FROM totals),
          'an admin reads every attempt');
SELECT is((SELECT count(*)::int FROM recommendations), (SELECT recs FROM totals),
          'an admin reads every recommendation');
SELECT lives_ok($$UPDATE assessments SET passing_score = 60 WHERE id = 'assess-ml-concepts'$$,
                'an admin edits any assessment');
SELECT lives_ok($$INSERT INTO content_passages (content_id, ordinal, body)
                  VALUES ('content-scrum', 901, 'Sprints last two weeks.')$$,
                'an admin adds passages to any document');
SELECT lives_ok($$INSERT INTO courses (id, title, difficulty) VALUES ('admin-course', 'Admin course', 'advanced')$$,
                'an admin adds a course');
SELECT lives_ok($$DELETE FROM learning_content WHERE id = 'content-ml-overview'$$,
                'an admin deletes any content');
RESET ROLE;

-- a role not linked to any user ---------------------------------------------------------------
CREATE ROLE cca_test_stranger LOGIN IN ROLE cca_learner;
CREATE ROLE cca_test_nogroup LOGIN;
SET LOCAL ROLE cca_test_stranger;
SELECT is((SELECT count(*)::int FROM cca_whoami()), 0, 'an unlinked role has no identity');
SELECT is(cca_auth.uid(), NULL, '... no uid');
SELECT is(cca_auth.role(), 'anon', '... and is anon');
SELECT is((SELECT count(*)::int FROM users) + (SELECT count(*)::int FROM learning_progress)
          + (SELECT count(*)::int FROM chat_messages) + (SELECT count(*)::int FROM conversations)
          + (SELECT count(*)::int FROM recommendations) + (SELECT count(*)::int FROM assessment_results)
          + (SELECT count(*)::int FROM assessment_attempts), 0,
          'an unlinked role sees no personal data');
SELECT is((SELECT count(*)::int FROM learning_content) + (SELECT count(*)::int FROM content_passages)
          + (SELECT count(*)::int FROM skills) + (SELECT count(*)::int FROM courses)
          + (SELECT count(*)::int FROM assessments), 0,
          'an unlinked role sees no content, catalogue or assessment either');
SELECT is((SELECT count(*)::int FROM search_learning_content('python')), 0,
          'its searches find nothing');
SELECT is((SELECT count(*)::int FROM user_learning_dashboard), 0, 'its dashboard is empty');
SELECT throws_ok($$INSERT INTO chat_messages (message) VALUES ('hello')$$, '42501', NULL,
                 'it cannot store a message (no user to own it)');
SELECT throws_ok($$SELECT * FROM start_assessment('assess-python-basics')$$, '42501', NULL,
                 'it cannot start an assessment');
RESET ROLE;
SET LOCAL ROLE cca_test_nogroup;
SELECT throws_ok($$SELECT count(*) FROM users$$, '42501', NULL,
                 'a role in no CCA group has no privilege at all');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

-- 02_triggers_views: the triggers fire and the three views exist, answer, and run with the
-- caller's rights.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(51);

-- they exist ------------------------------------------------------------------------------
SELECT has_trigger('public', t.tbl, t.trg, 'trigger ' || t.trg)
FROM (VALUES ('users', 'update_users_updated_at'),
             ('learning_content', 'update_learning_content_updated_at'),
             ('skills', 'update_skills_updated_at'), ('courses', 'update_courses_updated_at'),
             ('learning_progress', 'update_learning_progress_updated_at'),
             ('assessments', 'update_assessments_updated_at'),
             ('conversations', 'update_conversations_updated_at'),
             ('chat_messages', 'update_chat_messages_updated_at'),
             ('learning_progress', 'learning_progress_completion_trigger'),
             ('learning_progress', 'learning_progress_audit_trigger'),
             ('chat_messages', 'chat_message_processing_trigger'),
             ('chat_messages', 'chat_message_finished_trigger'),
             ('assessments', 'assessments_extract_keys_trigger'),
             ('users', 'users_guard_identity_trigger')) AS t(tbl, trg);
SELECT has_view('public', v, 'view ' || v)
FROM unnest(ARRAY['user_learning_dashboard', 'learning_content_search',
                  'recommendation_analytics']) AS v;
SELECT ok((SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class
           WHERE oid = ('public.' || v)::regclass), v || ' is security_invoker')
FROM unnest(ARRAY['user_learning_dashboard', 'learning_content_search',
                  'recommendation_analytics']) AS v;

-- updated_at ------------------------------------------------------------------------------
UPDATE skills SET updated_at = now() - interval '1 day', created_at = now() - interval '1 day'
WHERE id = 'skill-react';
-- now() is the transaction start: compare with the value the trigger must not keep.
UPDATE skills SET description = 'changed' WHERE id = 'skill-react';
SELECT is((SELECT updated_at FROM skills WHERE id = 'skill-react'), now(),
          'updating a skill sets updated_at');
UPDATE users SET updated_at = now() - interval '1 day' WHERE email = 'ivan@example.com';
UPDATE users SET name = 'Ivan P.' WHERE email = 'ivan@example.com';
SELECT is((SELECT updated_at FROM users WHERE email = 'ivan@example.com'), now(),
          'updating a user sets updated_at');

-- progress completion ------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM audit_log WHERE record_id = 'lp-alice-data'), 0,
          'no audit row before completion');
UPDATE learning_progress SET progress = 100 WHERE id = 'lp-alice-data';
SELECT isnt((SELECT completed_at FROM learning_progress WHERE id = 'lp-alice-data'), NULL,
            'reaching 100 sets completed_at');
SELECT is((SELECT count(*)::int FROM audit_log
           WHERE record_id = 'lp-alice-data' AND action = 'completed'
             AND table_name = 'learning_progress'
             AND subject_id = '00000000-0000-4000-8000-000000000001' AND user_id IS NULL
             AND changes->>'skill_id' = 'skill-data-analysis'), 1,
          'completion writes one audit_log row with the skill, about alice (the superuser did it: no actor)');
UPDATE learning_progress SET level = 3 WHERE id = 'lp-alice-data';
SELECT is((SELECT count(*)::int FROM audit_log WHERE record_id = 'lp-alice-data'), 1,
          'another update of a completed row writes no second completion');
UPDATE learning_progress SET progress = 90 WHERE id = 'lp-alice-data';
SELECT is((SELECT completed_at FROM learning_progress WHERE id = 'lp-alice-data'), NULL,
          'dropping below 100 clears completed_at');
SELECT is((SELECT count(*)::int FROM audit_log
           WHERE record_id = 'lp-alice-data' AND action = 'reopened'), 1,
          '... and is audited as reopened');
INSERT INTO learning_progress (id, user_id, course_id, progress)
VALUES ('lp-test-insert100', '00000000-0000-4000-8000-000000000009', 'course-react', 100);
SELECT isnt((SELECT completed_at FROM learning_progress WHERE id = 'lp-test-insert100'), NULL,
            'a row inserted at 100 is completed');
SELECT is((SELECT count(*)::int FROM audit_log
           WHERE record_id = 'lp-test-insert100' AND action = 'completed'), 1,
          '... and audited');
INSERT INTO learning_progress (id, user_id, course_id, progress, completed_at)
VALUES ('lp-test-insert50', '00000000-0000-4000-8000-000000000009', 'course-agile-pm', 50, now());
SELECT is((SELECT completed_at FROM learning_progress WHERE id = 'lp-test-insert50'), NULL,
          'an unfinished row cannot carry a completed_at');

-- chat messages -----------------------------------------------------------------------------
UPDATE users SET updated_at = now() - interval '1 day' WHERE email = 'heidi@example.com';
INSERT INTO conversations (id, user_id) VALUES ('conv-test', '00000000-0000-4000-8000-000000000008');
INSERT INTO chat_messages (id, user_id, conversation_id, message)
VALUES ('msg-test', '00000000-0000-4000-8000-000000000008', 'conv-test',
        E'  What is\n the   React lifecycle?  ');
SELECT is((SELECT count(*)::int FROM analytics_events
           WHERE event_type = 'chat_message' AND metadata->>'message_id' = 'msg-test'
             AND user_id = '00000000-0000-4000-8000-000000000008'
             AND (metadata->>'has_response')::boolean = false), 1,
          'a new message logs one chat_message analytics event');
SELECT is((SELECT updated_at FROM users WHERE email = 'heidi@example.com'), now(),
          'a new message records user activity (users.updated_at)');
SELECT is((SELECT title FROM conversations WHERE id = 'conv-test'), 'What is the React lifecycle?',
          'the first question becomes the conversation title, whitespace folded');
INSERT INTO chat_messages (user_id, conversation_id, message)
VALUES ('00000000-0000-4000-8000-000000000008', 'conv-test', 'Second question');
SELECT is((SELECT title FROM conversations WHERE id = 'conv-test'), 'What is the React lifecycle?',
          'later questions keep the title');
UPDATE chat_messages SET status = 'answered', response = 'Mounting, updating, unmounting',
       confidence = 0.8, processing_time = 1200, is_offline = false, abstain = false,
       sources = '[{"content_id": "content-react-lifecycle"}]'
WHERE id = 'msg-test';
SELECT is((SELECT count(*)::int FROM analytics_events
           WHERE event_type = 'chat_message_finished' AND metadata->>'message_id' = 'msg-test'
             AND metadata->>'status' = 'answered' AND (metadata->>'source_count')::int = 1), 1,
          'finishing a pending message logs chat_message_finished');
UPDATE chat_messages SET response = 'edited' WHERE id = 'msg-test';
UPDATE chat_messages SET status = 'failed' WHERE id = 'msg-test';
SELECT is((SELECT count(*)::int FROM analytics_events
           WHERE event_type = 'chat_message_finished' AND metadata->>'message_id' = 'msg-test'), 1,
          'only the transition from pending is logged');
SELECT throws_ok($$INSERT INTO chat_messages (user_id, conversation_id, message)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'conv-test', 'hijack')$$,
                 '23503', NULL, 'a message cannot join another person''s conversation');

-- passages carry the document title ----------------------------------------------------------
INSERT INTO content_passages (id, content_id, ordinal, heading, body, title)
VALUES ('p-test', 'content-scrum', 900, 'Roles', 'The Scrum Master serves the team.', 'spoofed');
SELECT is((SELECT title FROM content_passages WHERE id = 'p-test'), 'Scrum Framework',
          'a passage takes its document''s title');
UPDATE learning_content SET title = 'Scrum in Practice' WHERE id = 'content-scrum';
SELECT is((SELECT title FROM content_passages WHERE id = 'p-test'), 'Scrum in Practice',
          'renaming a document renames its passages');
SELECT ok((SELECT tsv @@ to_tsquery('english', 'practice') FROM content_passages WHERE id = 'p-test'),
          '... and their search vector');

-- views answer ------------------------------------------------------------------------------
SELECT is((SELECT completed_skills FROM user_learning_dashboard
           WHERE email = 'alice@example.com'), 1,
          'user_learning_dashboard counts completed skills');
SELECT is((SELECT total_courses FROM user_learning_dashboard
           WHERE email = 'alice@example.com'), 2,
          'user_learning_dashboard counts courses');
SELECT is((SELECT recent_messages FROM user_learning_dashboard
           WHERE email = 'alice@example.com'), 4::bigint,
          'user_learning_dashboard counts recent messages');
SELECT is((SELECT overall_progress FROM user_learning_dashboard
           WHERE email = 'grace@example.com'), 0::float8,
          'a user without progress has a dashboard row with zeros');
SELECT is((SELECT difficulty_level FROM learning_content_search
           WHERE id = 'content-course-python-fundamentals'), 'beginner',
          'learning_content_search shows a course''s difficulty');
SELECT is((SELECT duration FROM learning_content_search
           WHERE id = 'content-course-python-fundamentals'), 480,
          '... and its duration');
SELECT is((SELECT difficulty_level FROM learning_content_search
           WHERE id = 'content-skill-database-design'), '2',
          '... and a skill''s level');
SELECT is((SELECT difficulty_level FROM learning_content_search
           WHERE id = 'content-python-variables'), NULL,
          '... and nothing for a tutorial');
SELECT results_eq($$SELECT total_recommendations, clicks, click_rate FROM recommendation_analytics
                    WHERE item_id = 'course-agile-pm'$$,
                  $$VALUES (1::bigint, 1::bigint, 100::float8)$$,
                  'recommendation_analytics counts clicks and the click rate');
SELECT ok(pg_get_viewdef('recommendation_analytics'::regclass) !~* 'order by',
          'recommendation_analytics has no ORDER BY');

SELECT * FROM finish();
ROLLBACK;

-- 06_rls_hr: an HR manager sees exactly the people, progress and results of their own
-- department, aggregate dashboards of it, and no chat text at all.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(26);

-- carol (HR, Engineering) has a chat message of her own; alice and heidi are her people.
INSERT INTO chat_messages (id, user_id, message)
VALUES ('msg-carol-1', '00000000-0000-4000-8000-000000000003', 'How do I run a review?');
CREATE TEMP TABLE expected AS
SELECT (SELECT array_agg(email ORDER BY email) FROM users WHERE department = 'Engineering') AS eng,
       (SELECT array_agg(email ORDER BY email) FROM users WHERE department = 'Sales') AS sales,
       (SELECT count(*)::int FROM learning_progress lp JOIN users u ON u.id = lp.user_id
        WHERE u.department = 'Engineering') AS eng_progress,
       (SELECT count(*)::int FROM assessment_results r JOIN users u ON u.id = r.user_id
        WHERE u.department = 'Engineering') AS eng_results;
GRANT SELECT ON expected TO PUBLIC;

SET LOCAL ROLE cca_u_carol;
SELECT is((SELECT array_agg(email ORDER BY email) FROM users), (SELECT eng FROM expected),
          'HR sees exactly the people of their department');
SELECT is((SELECT count(*)::int FROM users WHERE department <> 'Engineering'), 0,
          'HR sees nobody of another department');
SELECT is((SELECT count(*)::int FROM users WHERE email = 'bob@example.com'), 0,
          'a Sales learner is invisible to Engineering HR, even by key');
SELECT is((SELECT count(*)::int FROM learning_progress), (SELECT eng_progress FROM expected),
          'HR reads the progress of their department');
SELECT is((SELECT count(*)::int FROM learning_progress lp
           WHERE lp.user_id IN ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000009')),
          0, 'HR reads no progress of another department');
SELECT is((SELECT count(*)::int FROM assessment_results), (SELECT eng_results FROM expected),
          'HR reads the assessment results of their department');
SELECT is((SELECT count(*)::int FROM assessment_results WHERE id = 'result-bob-pm'), 0,
          'HR reads no result of another department');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE user_id <> cca_auth.uid()), 0,
          'HR reads no chat message of anyone else, not even their department');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE id = 'msg-alice-1'), 0,
          'a department member''s message is invisible by key');
SELECT is((SELECT count(*)::int FROM chat_messages), 1, 'HR reads their own messages');
SELECT is((SELECT count(*)::int FROM conversations WHERE user_id <> cca_auth.uid()), 0,
          'HR reads no one else''s conversations');
SELECT is((SELECT count(*)::int FROM recommendations WHERE user_id <> cca_auth.uid()), 0,
          'HR reads no one else''s recommendations');
WITH u AS (UPDATE learning_progress SET progress = 0 WHERE id = 'lp-alice-data' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'HR cannot change a department member''s progress');
WITH u AS (UPDATE users SET name = 'x' WHERE email = 'alice@example.com' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'HR cannot change a department member''s profile');
SELECT throws_ok($$UPDATE users SET department = 'Engineering' WHERE email = 'bob@example.com'$$,
                 '42501', NULL, 'HR cannot move people between departments');
SELECT throws_ok($$SELECT * FROM audit_log$$, '42501', NULL, 'HR does not read the audit log');

-- the aggregate dashboard
SELECT is((SELECT array_agg(email ORDER BY email) FROM department_dashboard()),
          (SELECT eng FROM expected), 'department_dashboard lists exactly their department');
SELECT results_eq($$SELECT total_items, completed_items, chat_messages_7d, assessments_taken
                    FROM department_dashboard() WHERE email = 'alice@example.com'$$,
                  $$VALUES (4, 2, 4, 1)$$,
                  'department_dashboard gives counts (chat activity as a number only)');
SELECT ok(pg_get_function_result('department_dashboard()'::regprocedure) !~ '\m(message|response|sources)\M',
          'department_dashboard has no column for chat text');
SELECT is((SELECT count(*)::int FROM user_learning_dashboard), 3,
          'user_learning_dashboard shows their department');
SELECT is((SELECT recent_messages FROM user_learning_dashboard WHERE email = 'alice@example.com'), 0::bigint,
          '... without chat data of others (RLS applies inside the view)');
RESET ROLE;

-- dave (HR, Sales)
SET LOCAL ROLE cca_u_dave;
SELECT is((SELECT array_agg(email ORDER BY email) FROM users), (SELECT sales FROM expected),
          'Sales HR sees exactly Sales');
SELECT results_eq($$SELECT assessment_id FROM assessment_results$$, ARRAY['assess-pm-fundamentals'],
                  'Sales HR sees the Sales results only');
SELECT is((SELECT count(*)::int FROM department_dashboard() WHERE department <> 'Sales'), 0,
          'Sales HR''s dashboard has no other department');
RESET ROLE;

-- an HR manager without a department sees no department
UPDATE users SET department = NULL WHERE email = 'dave@example.com';
SET LOCAL ROLE cca_u_dave;
SELECT results_eq($$SELECT email FROM users$$, ARRAY['dave@example.com'],
                  'an HR manager without a department sees only themselves');
SELECT is((SELECT count(*)::int FROM department_dashboard()), 0,
          '... and an empty dashboard');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

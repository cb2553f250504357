-- 15_department: the Department tab and the knowledge-gap report (012). An HR manager sees
-- exactly their department (figures checked against independent SQL), never another one even
-- when naming it, never a chat text; aggregates over fewer than 5 people are hidden; learners
-- and trainers are refused (trainers may read knowledge gaps); a knowledge-gap topic needs 5
-- different askers and no question text leaves through any function.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(79);

-- ---------------------------------------------------------------------------------------
-- Data: Engineering grows to 8 people (alice, carol, heidi + eng4..eng8); Sales stays at 3.
-- ---------------------------------------------------------------------------------------
INSERT INTO users (id, email, name, role, department) VALUES
('eng4', 'eng4@example.com', 'Eve Four', 'learner', 'Engineering'),
('eng5', 'eng5@example.com', 'Finn Five', 'learner', 'Engineering'),
('eng6', 'eng6@example.com', 'Gil Six', 'learner', 'Engineering'),
('eng7', 'eng7@example.com', 'Hana Seven', 'learner', 'Engineering'),
('eng8', 'eng8@example.com', 'Ida Eight', 'learner', 'Engineering');

-- course-python-fundamentals: 5 Engineering learners (alice already 100); advanced-js: heidi only
INSERT INTO learning_progress (id, user_id, course_id, progress, started_at) VALUES
('t-heidi-py', '00000000-0000-4000-8000-000000000008', 'course-python-fundamentals', 30,
    now() - interval '8 days'),
('t-eng4-py', 'eng4', 'course-python-fundamentals', 100, now() - interval '20 days'),
('t-eng5-py', 'eng5', 'course-python-fundamentals', 50, now() - interval '10 days'),
('t-eng6-py', 'eng6', 'course-python-fundamentals', 0, now() - interval '50 days');
INSERT INTO learning_progress (id, user_id, skill_id, level, progress, started_at) VALUES
('t-eng5-py-skill', 'eng5', 'skill-python', 3, 70, now() - interval '10 days');
-- eng6's row has not moved for 50 days
UPDATE learning_progress SET updated_at = now() - interval '50 days' WHERE id = 't-eng6-py';

-- assess-python-basics: 5 Engineering takers (alice 100, heidi 50 seeded), 3 pass
INSERT INTO assessment_results (id, user_id, assessment_id, score, completed_at, time_taken) VALUES
('t-r-eng4', 'eng4', 'assess-python-basics', 80, now() - interval '1 day', 600),
('t-r-eng5', 'eng5', 'assess-python-basics', 60, now() - interval '1 day', 900),
('t-r-eng6', 'eng6', 'assess-python-basics', 90, now() - interval '40 days', 300);
UPDATE assessment_results SET completed_at = now() - interval '2 days' WHERE id = 't-r-eng6';
-- heidi failed once by score, once by running out of time: failed twice
INSERT INTO assessment_attempts (user_id, assessment_id, started_at, deadline, status)
VALUES ('00000000-0000-4000-8000-000000000008', 'assess-python-basics', now() - interval '6 days',
        now() - interval '6 days' + interval '30 minutes', 'expired');

-- mandatory: python fundamentals for Engineering (overdue), PM for Sales (overdue, not ours),
-- agile for everybody (not yet due)
INSERT INTO course_requirements (course_id, department, due_at) VALUES
('course-python-fundamentals', 'Engineering', now() - interval '1 day'),
('course-pm-fundamentals', 'Sales', now() - interval '1 day'),
('course-agile-pm', NULL, now() + interval '30 days');

-- ---------------------------------------------------------------------------------------
-- Knowledge-gap questions. "vpn" is asked by 9 people (7 Engineering, 2 Sales); "zanzibar"
-- by 4. Every message carries a phrase of its own (qzx...), which must never come out.
-- ---------------------------------------------------------------------------------------
INSERT INTO chat_messages (id, user_id, message, status, abstain, confidence, created_at)
SELECT 'gap-vpn-' || u.n, u.id, 'Why does the VPN disconnect during calls? qzx' || u.word,
       'answered', u.n <> 3, CASE WHEN u.n = 3 THEN 0.2 ELSE 0 END, now()
FROM (VALUES (1, '00000000-0000-4000-8000-000000000001', 'alpha'),
             (2, '00000000-0000-4000-8000-000000000008', 'bravo'),
             (3, 'eng4', 'charlie'), (4, 'eng5', 'delta'), (5, 'eng6', 'echo'),
             (6, '00000000-0000-4000-8000-000000000002', 'foxtrot'),
             (7, '00000000-0000-4000-8000-000000000009', 'golf')) AS u(n, id, word);
INSERT INTO chat_messages (id, user_id, message, status, abstain, confidence, created_at) VALUES
('gap-vpn-8', 'eng7', 'VPN password reset qzxhotel', 'answered', true, 0, now()),
('gap-vpn-9', '00000000-0000-4000-8000-000000000003', 'vpn certificate expired qzxindia',
    'answered', true, 0, now()),
-- alice again, two months ago: a month with one asker stays hidden
('gap-vpn-old', '00000000-0000-4000-8000-000000000001', 'vpn again qzxjuliet', 'answered', true,
    0, now() - interval '2 months'),
-- confident answers and failed requests are not gaps
('gap-vpn-ok', '00000000-0000-4000-8000-000000000007', 'vpn setup guide qzxkilo', 'answered',
    false, 0.9, now()),
('gap-vpn-failed', '00000000-0000-4000-8000-000000000004', 'vpn timeout qzxlima', 'failed', NULL, NULL, now()),
('gap-zan-1', '00000000-0000-4000-8000-000000000001', 'Zanzibar office opening hours qzxmike',
    'answered', true, 0, now()),
('gap-zan-2', '00000000-0000-4000-8000-000000000008', 'Zanzibar office opening hours qzxnovember',
    'answered', true, 0, now()),
('gap-zan-3', '00000000-0000-4000-8000-000000000002', 'Zanzibar office opening hours qzxoscar',
    'answered', true, 0, now()),
('gap-zan-4', '00000000-0000-4000-8000-000000000009', 'Zanzibar office opening hours qzxpapa',
    'answered', false, 0.1, now());

-- Independent figures, computed straight from the tables as the superuser.
CREATE TEMP TABLE expected AS
WITH eng AS (SELECT id FROM users WHERE department = 'Engineering'),
act AS (
    SELECT user_id, started_at AS at FROM learning_progress WHERE user_id IN (SELECT id FROM eng)
    UNION ALL SELECT user_id, updated_at FROM learning_progress WHERE user_id IN (SELECT id FROM eng)
    UNION ALL SELECT user_id, completed_at FROM learning_progress WHERE user_id IN (SELECT id FROM eng)
    UNION ALL SELECT user_id, created_at FROM chat_messages WHERE user_id IN (SELECT id FROM eng)
    UNION ALL SELECT user_id, completed_at FROM assessment_results WHERE user_id IN (SELECT id FROM eng)
    UNION ALL SELECT user_id, started_at FROM assessment_attempts WHERE user_id IN (SELECT id FROM eng)
)
SELECT
    (SELECT array_agg(email ORDER BY email) FROM users WHERE department = 'Engineering') AS eng_emails,
    (SELECT count(*) FROM eng) AS eng_people,
    (SELECT count(DISTINCT user_id) FROM act WHERE at >= now() - interval '30 days') AS active_30d,
    (SELECT round(100.0 * count(*) FILTER (WHERE progress >= 100) / count(*), 1)
     FROM learning_progress WHERE user_id IN (SELECT id FROM eng)) AS completion,
    (SELECT count(*) FROM assessment_results WHERE user_id IN (SELECT id FROM eng)
       AND completed_at >= now() - interval '30 days') AS taken_30d,
    (SELECT count(*) FROM assessment_results r JOIN assessments a ON a.id = r.assessment_id
     WHERE r.user_id IN (SELECT id FROM eng) AND r.completed_at >= now() - interval '30 days'
       AND r.score >= a.passing_score) AS passed_30d,
    (SELECT count(*) FROM learning_progress WHERE user_id IN (SELECT id FROM eng)
       AND course_id = 'course-python-fundamentals') AS py_learners,
    (SELECT count(*) FROM learning_progress WHERE user_id IN (SELECT id FROM eng)
       AND course_id = 'course-python-fundamentals' AND progress >= 100) AS py_completed;
CREATE TEMP TABLE expected_progress AS
SELECT u.id, u.name, round(avg(lp.progress)::numeric, 1) AS progress, count(lp.id) AS items
FROM users u LEFT JOIN learning_progress lp ON lp.user_id = u.id
WHERE u.department = 'Engineering' GROUP BY u.id, u.name;
-- every output an HR manager or a trainer gets, collected for the privacy checks
CREATE TEMP TABLE outputs (who text, what text, body text);
GRANT SELECT ON expected, expected_progress TO PUBLIC;
GRANT SELECT, INSERT ON outputs TO PUBLIC;

-- ---------------------------------------------------------------------------------------
-- HR manager carol (Engineering)
-- ---------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_carol;
-- department_report is department_overview's document plus the people and "needs attention"
CREATE TEMP TABLE ov AS SELECT department_report() AS j;
SELECT is((SELECT department_overview() FROM ov), (SELECT j - 'people' - 'needs_attention' FROM ov),
          'the JSON export is the overview document plus the people');
SELECT is((SELECT j->>'department' FROM ov), 'Engineering', 'HR gets their own department by default');
SELECT is((SELECT array_agg(email ORDER BY email) FROM department_people(limit_count => 1000)),
          (SELECT eng_emails FROM expected), 'the people table lists exactly their department');
SELECT is((SELECT (j#>>'{headline,people,value}')::int FROM ov), (SELECT eng_people::int FROM expected),
          'headline: people');
SELECT is((SELECT (j#>>'{headline,active_learners,value}')::int FROM ov),
          (SELECT active_30d::int FROM expected), 'headline: active learners in 30 days');
SELECT is((SELECT (j#>>'{headline,avg_completion,value}')::numeric FROM ov),
          (SELECT completion FROM expected), 'headline: average completion');
SELECT is((SELECT (j#>>'{headline,assessments_taken,value}')::int FROM ov),
          (SELECT taken_30d::int FROM expected), 'headline: assessments taken in 30 days');
SELECT is((SELECT (j#>>'{headline,assessments_passed,value}')::int FROM ov),
          (SELECT passed_30d::int FROM expected), 'headline: assessments passed in 30 days');
SELECT ok((SELECT j->'headline' ?& ARRAY['people', 'active_learners', 'avg_completion',
                                         'assessments_taken', 'assessments_passed',
                                         'time_spent_minutes']
                  AND j#>'{headline,active_learners}' ?& ARRAY['value', 'previous', 'change']
           FROM ov), 'every headline figure has a value, a previous value and a change');
SELECT is((SELECT jsonb_array_length(j#>'{charts,weekly_activity,events}') FROM ov), 12,
          'weekly activity: 12 numbers');
SELECT ok((SELECT (j#>>'{charts,weekly_activity,events,11}')::int > 0 FROM ov),
          '... the last week has the activity just recorded');
SELECT results_eq(
    $$SELECT (e->>'learners')::int, (e->>'completed')::int, (e->>'suppressed')::boolean
      FROM ov, jsonb_array_elements(j#>'{charts,completion_by_course}') e
      WHERE e->>'course_id' = 'course-python-fundamentals'$$,
    $$SELECT py_learners::int, py_completed::int, false FROM expected$$,
    'completion by course: learners and completions of a course with 5 learners');
SELECT is((SELECT e->>'mandatory_due_at' IS NOT NULL
           FROM ov, jsonb_array_elements(j#>'{charts,completion_by_course}') e
           WHERE e->>'course_id' = 'course-python-fundamentals'), true,
          '... shows its due date as a mandatory course');
SELECT results_eq(
    $$SELECT e->'learners', (e->>'suppressed')::boolean
      FROM ov, jsonb_array_elements(j#>'{charts,completion_by_course}') e
      WHERE e->>'course_id' = 'course-advanced-js'$$,
    $$VALUES ('null'::jsonb, true)$$,
    'a course with one learner in the department is hidden (min group size)');
SELECT results_eq(
    $$SELECT (e->>'takers')::int, (e->>'passed')::int, (e->>'pass_rate')::numeric
      FROM ov, jsonb_array_elements(j#>'{charts,assessment_pass_rates}') e
      WHERE e->>'assessment_id' = 'assess-python-basics'$$,
    $$VALUES (5, 3, 60.0)$$, 'pass rate per assessment');
SELECT is((SELECT count(*)::int FROM ov, jsonb_array_elements(j#>'{charts,skills_matrix,people}') p),
          (SELECT eng_people::int FROM expected), 'skills matrix: one row per person');
SELECT is((SELECT p->'levels'->(SELECT (n - 1)::int FROM jsonb_array_elements(j#>'{charts,skills_matrix,skills}')
                                   WITH ORDINALITY s(v, n) WHERE v->>'skill_id' = 'skill-python')
           FROM ov, jsonb_array_elements(j#>'{charts,skills_matrix,people}') p
           WHERE p->>'user_id' = 'eng5'), '3'::jsonb, '... with the level of each skill');
-- needs attention
SELECT ok((SELECT r @> '[{"reason": "failed_twice", "assessment_id": "assess-python-basics", "failures": 2}]'
           FROM ov, jsonb_array_elements(j->'needs_attention') a, LATERAL (SELECT a->'reasons' AS r) x
           WHERE a->>'user_id' = '00000000-0000-4000-8000-000000000008'),
          'needs attention: failed the same assessment twice (a fail and a timed-out attempt)');
SELECT ok((SELECT a->'reasons' @> '[{"reason": "inactive"}]'
           FROM ov, jsonb_array_elements(j->'needs_attention') a WHERE a->>'user_id' = 'eng8'),
          'needs attention: no activity in 30 days');
SELECT is((SELECT array_agg(a->>'user_id' ORDER BY a->>'user_id')
           FROM ov, jsonb_array_elements(j->'needs_attention') a
           WHERE a->'reasons' @> '[{"reason": "overdue", "course_id": "course-python-fundamentals"}]'),
          (SELECT array_agg(u.id ORDER BY u.id) FROM users u WHERE u.department = 'Engineering'
             AND NOT EXISTS (SELECT 1 FROM learning_progress lp WHERE lp.user_id = u.id
                             AND lp.course_id = 'course-python-fundamentals' AND lp.progress >= 100)),
          'needs attention: overdue mandatory course, exactly those who have not completed it');
SELECT is((SELECT count(*)::int FROM ov, jsonb_array_elements(j->'needs_attention') a,
                  jsonb_array_elements(a->'reasons') r
           WHERE r->>'course_id' IN ('course-pm-fundamentals', 'course-agile-pm')), 0,
          '... not another department''s requirement nor one not yet due');
-- filters
SELECT is((SELECT jsonb_array_length(department_overview(NULL, 'year', 'course-python-fundamentals')
                                     #>'{charts,completion_by_course}')), 1,
          'course filter: completion by course shows that course');
SELECT is((SELECT progress FROM department_people(course_id => 'course-python-fundamentals')
           WHERE user_id = 'eng5'), 50::float8,
          'course filter: a person''s progress is their progress on that course');
SELECT is((SELECT jsonb_array_length(department_overview(NULL, 'quarter', NULL, 'skill-python')
                                     #>'{charts,skills_matrix,skills}')), 1,
          'skill filter: the matrix shows that skill');
SELECT throws_ok($$SELECT department_overview(NULL, 'fortnight')$$, '22023', NULL,
                 'an unknown period is refused');
SELECT throws_ok($$SELECT department_overview(NULL, '30d', 'no-such-course')$$, 'P0002', NULL,
                 'an unknown course filter is refused');
-- people table: search, sort, paging
SELECT results_eq($$SELECT name, total_count FROM department_people(search => 'HEIDI')$$,
                  $$VALUES ('Heidi Braun', 1)$$, 'people: case-insensitive search');
SELECT is((SELECT array_agg(name) FROM department_people(sort_by => 'progress', descending => true)),
          (SELECT array_agg(name ORDER BY progress DESC NULLS LAST, lower(name)) FROM expected_progress),
          'people: sorted by progress, highest first');
SELECT results_eq($$SELECT name, total_count FROM department_people(limit_count => 2, offset_count => 2)$$,
                  $$SELECT name, 8 FROM expected_progress ORDER BY lower(name) LIMIT 2 OFFSET 2$$,
                  'people: a page with the total count');
SELECT is((SELECT count(*)::int FROM department_people(attention_only => true) WHERE attention = '[]'),
          0, 'people: "needs attention" only');
SELECT set_eq($$SELECT user_id, attention FROM department_people(attention_only => true)$$,
              $$SELECT a->>'user_id' AS id, a->'reasons' AS r
                FROM ov, jsonb_array_elements(j->'needs_attention') a$$,
              '... the same people and reasons as the export''s needs_attention');
SELECT throws_ok($$SELECT * FROM department_people(sort_by => 'email; DROP TABLE users')$$, '22023',
                 NULL, 'people: an unknown sort column is refused');
SELECT is((SELECT count(*)::int FROM department_people(search => '%')), 0,
          'people: the search text is literal (a % matches no name)');
-- person detail
SELECT is((SELECT department_person('eng5')#>>'{user,email}'), 'eng5@example.com',
          'person detail of someone in the department');
SELECT ok((SELECT d ?& ARRAY['courses', 'skills', 'results', 'attempts', 'attention']
           FROM department_person('00000000-0000-4000-8000-000000000008') d),
          '... with progress, skills and results');
-- another department: refused even when the client asks for it
SELECT throws_ok($$SELECT department_overview('Sales')$$, '42501', NULL,
                 'HR naming another department: refused');
SELECT throws_ok($$SELECT * FROM department_people('Sales')$$, '42501', NULL, '... people table too');
SELECT throws_ok($$SELECT department_report('Sales')$$, '42501', NULL, '... JSON export too');
SELECT throws_ok($$SELECT * FROM department_report_rows('Sales')$$, '42501', NULL,
                 '... CSV export too');
SELECT throws_ok($$SELECT department_person('00000000-0000-4000-8000-000000000002')$$, 'P0002', NULL,
                 '... and a person of another department is "not found"');
SELECT lives_ok($$SELECT department_overview('Engineering')$$, 'naming their own department works');
SELECT is(department_list(), '[{"department": "Engineering", "people": 8}]'::jsonb,
          'department_list: only their own department');
-- CSV rows against independent SQL
CREATE TEMP TABLE csv AS SELECT * FROM department_report_rows();
SELECT set_eq($$SELECT subject_id, value::numeric FROM csv WHERE section = 'people' AND metric = 'progress'
                AND value IS NOT NULL$$,
              $$SELECT id, progress FROM expected_progress WHERE progress IS NOT NULL$$,
              'CSV: each person''s progress');
SELECT is((SELECT count(*)::int FROM csv WHERE section = 'people' AND metric = 'email'),
          (SELECT eng_people::int FROM expected), 'CSV: one people block per person');
SELECT results_eq($$SELECT value::int FROM csv WHERE section = 'completion_by_course'
                    AND subject_id = 'course-python-fundamentals' AND metric IN ('learners', 'completed')
                    ORDER BY metric DESC$$,
                  $$VALUES ((SELECT py_learners::int FROM expected)), ((SELECT py_completed::int FROM expected))$$,
                  'CSV: completion by course');
SELECT results_eq($$SELECT value::numeric FROM csv WHERE section = 'headline'
                    AND metric IN ('assessments_taken', 'avg_completion') ORDER BY metric$$,
                  $$SELECT taken_30d::numeric FROM expected UNION ALL SELECT completion FROM expected$$,
                  'CSV: headline figures');
SELECT is((SELECT count(*)::int FROM csv WHERE section = 'weekly_activity' AND metric = 'events'), 12,
          'CSV: 12 weeks');
SELECT is((SELECT count(*)::int FROM csv WHERE section = 'needs_attention' AND metric = 'failed_twice'
             AND subject_id = '00000000-0000-4000-8000-000000000008' AND value = '2'), 1,
          'CSV: needs attention');
-- collect every output for the privacy checks
INSERT INTO outputs SELECT 'carol', 'overview', department_overview()::text;
INSERT INTO outputs SELECT 'carol', 'overview/year', department_overview(NULL, 'year')::text;
INSERT INTO outputs SELECT 'carol', 'report', department_report()::text;
INSERT INTO outputs SELECT 'carol', 'rows', string_agg(r::text, E'\n') FROM department_report_rows() r;
INSERT INTO outputs SELECT 'carol', 'people', string_agg(p::text, E'\n') FROM department_people() p;
INSERT INTO outputs SELECT 'carol', 'person ' || p.user_id, department_person(p.user_id)::text
FROM department_people() p;
INSERT INTO outputs SELECT 'carol', 'list', department_list()::text;
INSERT INTO outputs SELECT 'carol', 'dashboard', string_agg(d::text, E'\n') FROM department_dashboard() d;
INSERT INTO outputs SELECT 'carol', 'user_learning_dashboard', string_agg(d::text, E'\n')
FROM user_learning_dashboard d;
RESET ROLE;

-- ---------------------------------------------------------------------------------------
-- Knowledge gaps
-- ---------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_erin;
SELECT is((knowledge_gaps_refresh()->>'refreshed')::boolean, true, 'a trainer refreshes the summary');
CREATE TEMP TABLE kg AS SELECT knowledge_gaps() AS j;
SELECT is((SELECT j->>'scope' FROM kg), 'company', 'a trainer sees the whole company');
SELECT results_eq(
    $$SELECT (t->>'askers')::int, (t->>'questions')::int FROM kg, jsonb_array_elements(j->'topics') t
      WHERE t->>'topic' = 'vpn'$$,
    $$VALUES (9, 10)$$,
    'a topic asked by 9 people: shown, refused and low-confidence questions counted, confident ones not');
SELECT is((SELECT count(*)::int FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' IN ('zanzibar', 'offic', 'open', 'hour')
              OR t->'terms' ?| ARRAY['zanzibar', 'offic', 'open', 'hour']), 0,
          'a topic asked by 4 people is hidden, with all its words');
SELECT ok((SELECT t->'terms' @> '["disconnect", "call"]' FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' = 'vpn'), 'related terms asked by 5 or more people come with the topic');
SELECT is((SELECT count(*)::int FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' IN ('disconnect', 'call')), 0,
          '... and are not listed again as topics of their own');
SELECT is((SELECT t->'departments' FROM kg, jsonb_array_elements(j->'topics') t WHERE t->>'topic' = 'vpn'),
          '[{"department": "Engineering", "askers": 7, "questions": 8}]'::jsonb,
          'per department: Engineering (7 askers); Sales (2 askers) is not shown');
SELECT ok((SELECT jsonb_array_length(t->'nearest_content') > 0
                  AND (SELECT bool_and(lc.tsv @@ to_tsquery('english', 'vpn | disconnect | call'))
                       FROM jsonb_array_elements(t->'nearest_content') n
                       JOIN learning_content lc ON lc.id = n->>'content_id')
           FROM kg, jsonb_array_elements(j->'topics') t WHERE t->>'topic' = 'vpn'),
          'the nearest existing content is named (documents that mention the topic''s terms)');
SELECT is((SELECT jsonb_array_length(t->'by_month') FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' = 'vpn'), 12, 'counts over time: 12 months');
SELECT is((SELECT t->'by_month'->11 FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' = 'vpn'), '9'::jsonb, '... this month');
SELECT is((SELECT t->'by_month'->9 FROM kg, jsonb_array_elements(j->'topics') t
           WHERE t->>'topic' = 'vpn'), 'null'::jsonb, '... a month with one asker is hidden');
SELECT is((SELECT count(*)::int FROM knowledge_gaps('Engineering') k, jsonb_array_elements(k->'topics') t
           WHERE t->>'topic' = 'vpn' AND (t->>'askers')::int = 7), 1,
          'a trainer can narrow the report to a department');
SELECT throws_ok($$SELECT department_overview()$$, '42501', NULL,
                 'a trainer cannot read the Department tab');
SELECT throws_ok($$SELECT * FROM gap_questions$$, '42501', NULL,
                 'a trainer cannot read the stored question terms');
INSERT INTO outputs SELECT 'erin', 'gaps', knowledge_gaps()::text;
INSERT INTO outputs SELECT 'erin', 'gaps/year', knowledge_gaps(NULL, 'year')::text;
INSERT INTO outputs SELECT 'erin', 'gaps/30d', knowledge_gaps(NULL, '30d')::text;
INSERT INTO outputs SELECT 'erin', 'gaps/eng', knowledge_gaps('Engineering')::text;
INSERT INTO outputs SELECT 'erin', 'gaps/sales', knowledge_gaps('Sales')::text;
INSERT INTO outputs SELECT 'erin', 'refresh', knowledge_gaps_refresh()::text;
RESET ROLE;

SET LOCAL ROLE cca_u_carol;
SELECT results_eq($$SELECT k->>'scope', (t->>'askers')::int FROM knowledge_gaps() k,
                    jsonb_array_elements(k->'topics') t WHERE t->>'topic' = 'vpn'$$,
                  $$VALUES ('Engineering', 7)$$, 'HR sees the gaps of their own department');
SELECT throws_ok($$SELECT knowledge_gaps('Sales')$$, '42501', NULL,
                 'HR cannot read another department''s gaps');
SELECT throws_ok($$SELECT * FROM gap_topic_stats$$, '42501', NULL, 'HR cannot read the summary tables');
INSERT INTO outputs SELECT 'carol', 'gaps', knowledge_gaps()::text;
INSERT INTO outputs SELECT 'carol', 'gaps/year', knowledge_gaps(NULL, 'year')::text;
RESET ROLE;

SET LOCAL ROLE cca_u_dave;
SELECT is((SELECT jsonb_array_length(knowledge_gaps()->'topics')), 0,
          'Sales HR: two Sales askers make no topic');
RESET ROLE;

-- privacy: no question text, no answer text, no asker's name in anything they got
SELECT ok((SELECT count(*) FROM outputs) >= 20 AND (SELECT bool_and(body IS NOT NULL) FROM outputs),
          'the privacy checks below look at every output collected');
SELECT ok((SELECT count(*) FROM outputs WHERE body ~ 'vpn') >= 6,
          '... and those outputs do carry topics (the check below can fail)');
SELECT is((SELECT array_agg(DISTINCT who || ':' || what) FROM outputs WHERE body ~* 'qzx'), NULL,
          'no planted phrase of any question reaches an HR manager or a trainer');
SELECT is((SELECT array_agg(DISTINCT who || ':' || what) FROM outputs o, chat_messages m
           WHERE strpos(lower(o.body), lower(m.message)) > 0
              OR (m.response IS NOT NULL AND strpos(lower(o.body), lower(m.response)) > 0)), NULL,
          'no stored question or answer text appears in any output');
SELECT is((SELECT array_agg(DISTINCT who || ':' || what) FROM outputs
           WHERE who = 'erin' AND body ~* '(Alice|Heidi|Eve Four|Finn Five|Gil Six|Bob Chen|Ivan|example\.com)'),
          NULL, 'the knowledge-gap report names nobody');

-- ---------------------------------------------------------------------------------------
-- Admin, learner, forged identity
-- ---------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_grace;
SELECT is((SELECT department_overview('Sales')->>'department'), 'Sales', 'an admin picks any department');
SELECT results_eq($$SELECT (department_overview('Sales')#>>'{headline,active_learners,suppressed}')::boolean,
                           department_overview('Sales')#>'{headline,active_learners,value}'$$,
                  $$VALUES (true, 'null'::jsonb)$$,
                  'a department of 3 people: aggregates hidden below the minimum group size');
SELECT throws_ok($$SELECT department_overview('Atlantis')$$, 'P0002', NULL, 'an unknown department');
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(department_list())), 
          (SELECT count(DISTINCT department)::int FROM users), 'department_list: every department for an admin');
RESET ROLE;

SET LOCAL ROLE cca_u_alice;
SELECT throws_ok($$SELECT department_overview()$$, '42501', NULL, 'a learner is refused the Department tab');
SELECT throws_ok($$SELECT knowledge_gaps()$$, '42501', NULL, '... and the knowledge gaps');
SELECT throws_ok($$SELECT cca_auth.department_overview_for('cca_u_carol', NULL, '30d', NULL, NULL)$$,
                 '42501', NULL, '... and the definer body');
RESET ROLE;

-- dave (HR, Sales) logged in for real, passing carol's role name to the definer body
SET LOCAL SESSION AUTHORIZATION cca_u_dave;
SELECT throws_ok($$SELECT cca_auth.department_overview_for('cca_u_carol', 'Engineering', '30d', NULL, NULL)$$,
                 '42501', NULL, 'an HR manager cannot borrow another HR manager''s identity');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;

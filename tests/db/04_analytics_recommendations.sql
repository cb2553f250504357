-- 04_analytics_recommendations: get_user_learning_analytics counts correctly (and always
-- answers one row); generate_recommendations follows the prerequisite rules, the limit and the
-- difficulty order.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(32);

SELECT has_function('public', 'get_user_learning_analytics', ARRAY['text'], 'get_user_learning_analytics(text)');
SELECT has_function('public', 'generate_recommendations', ARRAY['text', 'integer'], 'generate_recommendations(text, int)');

INSERT INTO users (id, email, name, role, department) VALUES
    ('u-tess', 'tess@example.com', 'Tess', 'learner', 'QA'),
    ('u-empty', 'empty@example.com', 'Empty', 'learner', 'QA');
INSERT INTO skills (id, name, category, level, prerequisites) VALUES
    ('t-a', 'Test Skill A', 'Testing', 1, '{}'),
    ('t-b', 'Test Skill B', NULL, 2, '{t-a}'),
    ('t-c', 'Test Skill C', 'Testing', 3, '{t-a,t-b}'),
    ('t-d', 'Test Skill D', 'Testing', 2, '{t-a}');
INSERT INTO courses (id, title, difficulty, prerequisites) VALUES
    ('tc-1', 'Test Course 1', 'beginner', '{t-a}'),
    ('tc-2', 'Test Course 2', 'intermediate', '{tc-1,t-b}'),
    ('tc-3', 'Test Course 3', 'advanced', '{}'),
    ('tc-4', 'AAA Advanced Topics', 'advanced', '{}');
INSERT INTO learning_progress (user_id, skill_id, course_id, progress, started_at, completed_at, updated_at) VALUES
    ('u-tess', 't-a', NULL, 100, now() - interval '1 day 10 hours', now() - interval '1 day', now()),
    ('u-tess', 't-b', NULL, 50, now() - interval '2 days', NULL, now() - interval '10 days'),
    ('u-tess', NULL, 'tc-3', 30, now() - interval '3 days', NULL, now()),
    ('u-tess', NULL, 'tc-1', 100, now() - interval '50 days', now() - interval '40 days', now() - interval '40 days');
INSERT INTO chat_messages (user_id, message, created_at) VALUES
    ('u-tess', 'recent', now() - interval '1 day'), ('u-tess', 'old', now() - interval '8 days');
INSERT INTO recommendations (user_id, type, item_id, score) VALUES ('u-tess', 'skill', 't-c', 0.3);

-- analytics ---------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT total_skills, completed_skills, total_courses, completed_courses, total_progress
      FROM get_user_learning_analytics('u-tess')$$,
    $$VALUES (2, 1, 2, 1, 70::float8)$$,
    'analytics counts skills, courses, completions and the average progress');
SELECT is((SELECT recent_activity FROM get_user_learning_analytics('u-tess')),
          '{"recent_messages": 1, "recent_progress": 2, "recent_recommendations": 1}'::jsonb,
          'recent_activity counts the last 7 days');
SELECT is((SELECT skill_distribution FROM get_user_learning_analytics('u-tess')),
          '{"Testing": 1, "Uncategorized": 1}'::jsonb,
          'skill_distribution per category; a NULL category does not break it');
SELECT is((SELECT round(learning_velocity::numeric, 3) FROM get_user_learning_analytics('u-tess')),
          10.000, 'learning_velocity: average hours to complete, last 30 days only');
SELECT is((SELECT count(*)::int FROM get_user_learning_analytics('u-empty')), 1,
          'a user without progress still gets exactly one row');
SELECT results_eq(
    $$SELECT total_skills, completed_skills, total_courses, completed_courses, total_progress,
             skill_distribution, learning_velocity
      FROM get_user_learning_analytics('u-empty')$$,
    $$VALUES (0, 0, 0, 0, 0::float8, '{}'::jsonb, NULL::float8)$$,
    '... with zeros');
SELECT is((SELECT count(*)::int FROM get_user_learning_analytics('no-such-user')), 1,
          'an unknown id gets one row of zeros too');

-- recommendations: prerequisite rules ------------------------------------------------------
CREATE TEMP TABLE recs AS SELECT * FROM generate_recommendations('u-tess', 100);
SELECT ok(NOT EXISTS (SELECT 1 FROM recs WHERE id IN ('t-a', 'tc-1')),
          'completed skills and courses are not recommended');
SELECT results_eq($$SELECT score, reason FROM recs WHERE id = 't-b'$$,
                  $$VALUES (0.85::float8, 'Continue developing this skill')$$,
                  'a skill in progress: continue');
SELECT results_eq($$SELECT score, reason FROM recs WHERE id = 't-d'$$,
                  $$VALUES (0.9::float8, 'Prerequisites met - ready to learn')$$,
                  'a skill whose prerequisites are all completed is ready (highest score)');
SELECT results_eq($$SELECT score, reason FROM recs WHERE id = 't-c'$$,
                  $$VALUES (0.3::float8, 'Complete the prerequisites first: Test Skill B')$$,
                  'a skill with an unmet prerequisite scores low and names it');
SELECT results_eq($$SELECT score, reason FROM recs WHERE id = 'tc-3'$$,
                  $$VALUES (0.8::float8, 'Continue this course')$$,
                  'a course in progress: continue');
SELECT results_eq($$SELECT score, reason FROM recs WHERE id = 'tc-2'$$,
                  $$VALUES (0.25::float8, 'Complete the prerequisites first: Test Skill B')$$,
                  'a course with unmet prerequisites (course done, skill not) scores low');
SELECT results_eq($$SELECT score FROM recs WHERE id = 'course-python-fundamentals'$$,
                  $$VALUES (0.55::float8)$$, 'a course without prerequisites: neutral score');
SELECT ok((SELECT score FROM recs WHERE id = 't-d') > (SELECT score FROM recs WHERE id = 'skill-python'),
          'ready skills outrank foundational ones');
SELECT ok((SELECT score FROM recs WHERE id = 'skill-python') > (SELECT score FROM recs WHERE id = 't-c'),
          'foundational skills outrank blocked ones');
SELECT ok(NOT EXISTS (SELECT 1 FROM recs WHERE score < 0 OR score > 1),
          'scores are within [0, 1] (the recommendations table CHECK)');
SELECT is((SELECT array_agg(id) FROM (SELECT id FROM recs LIMIT 3) x),
          ARRAY['t-d', 't-b', 'tc-3'], 'ordered by score descending');
SELECT ok((SELECT bool_and(type IN ('skill', 'course')) FROM recs), 'type is skill or course');
UPDATE learning_progress SET progress = 100 WHERE user_id = 'u-tess' AND skill_id = 't-b';
SELECT results_eq($$SELECT score, reason FROM generate_recommendations('u-tess', 100) WHERE id = 't-c'$$,
                  $$VALUES (0.9::float8, 'Prerequisites met - ready to learn')$$,
                  'completing the last prerequisite makes the skill ready');

-- limit and mix ----------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM generate_recommendations('u-empty', 1)), 1,
          'limit 1 gives one row (the spec''s limit_count / 2 gave none)');
SELECT is((SELECT count(*)::int FROM generate_recommendations('u-empty', 0)), 0, 'limit 0 gives none');
SELECT is((SELECT count(*)::int FROM generate_recommendations('u-empty')), 10, 'default limit is 10');
SELECT results_eq($$SELECT type, count(*)::int FROM generate_recommendations('u-empty', 4)
                    GROUP BY type ORDER BY type$$,
                  $$VALUES ('course', 2), ('skill', 2)$$, 'both kinds are offered');
SELECT is((SELECT count(*)::int FROM generate_recommendations('u-empty', 100) WHERE type = 'skill')
          + (SELECT count(*)::int FROM generate_recommendations('u-empty', 100) WHERE type = 'course'),
          (SELECT count(*)::int FROM skills) + (SELECT count(*)::int FROM courses),
          'a large limit fills from both kinds (nothing dropped by a per-kind cap)');
SELECT is((SELECT id FROM generate_recommendations('u-empty', 2) WHERE type = 'course'),
          'course-pm-fundamentals',
          'among equal scores a beginner course is chosen before an advanced one (not alphabetical difficulty)');
SELECT is((SELECT id FROM generate_recommendations('u-empty', 2) WHERE type = 'skill'),
          'skill-communication', 'among equal scores the lower-level skill comes first');

-- it runs as the caller ---------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT total_skills FROM get_user_learning_analytics('00000000-0000-4000-8000-000000000002')), 0,
          'a learner asking for another learner''s analytics sees nothing of theirs');
SELECT is((SELECT total_skills FROM get_user_learning_analytics('00000000-0000-4000-8000-000000000001')), 2,
          'a learner gets their own analytics');
SELECT ok(NOT EXISTS (SELECT 1 FROM generate_recommendations('00000000-0000-4000-8000-000000000001', 50)
                      WHERE id IN ('skill-python', 'course-python-fundamentals')),
          'a learner''s own completions are excluded from their recommendations');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

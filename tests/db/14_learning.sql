-- 14_learning: the learner's own screens (011): reading progress written through RLS by the
-- learner's own role (the spec's triggers fire), positions that persist, the course roll-up,
-- the Progress tab document and its empty state, stored recommendations with reasons that can
-- be opened (click, analytics) and dismissed for good, and the chat's summary of one's own
-- learning, tested as two learners.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(86);

-- the API -------------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE pronamespace = 'public'::regnamespace AND NOT prosecdef
             AND proname IN ('cca_learning_dashboard', 'cca_reader_open', 'cca_record_reading',
                             'cca_recommendations', 'cca_recommendation_open',
                             'cca_recommendation_dismiss', 'cca_learning_summary',
                             'cca_recommendation_candidates')), 8,
          'the eight learning API functions exist and run as the caller (SECURITY INVOKER)');
SELECT ok(has_function_privilege('cca_learner', 'cca_record_reading(text,integer,integer,boolean,double precision)', 'EXECUTE')
          AND has_function_privilege('cca_learner', 'cca_learning_dashboard()', 'EXECUTE'),
          'learners may call them');
SELECT ok(NOT has_function_privilege('cca_admin', 'cca_seed_scale(numeric)', 'EXECUTE')
          AND NOT has_function_privilege('cca_learner', 'cca_seed_scale(numeric)', 'EXECUTE'),
          'the company generator is for the superuser only');
SELECT has_table('public', 'course_contents', 'course_contents exists');
SELECT has_table('public', 'learning_time', 'learning_time exists');

-- fixtures (as the superuser) -------------------------------------------------------------------
SELECT lives_ok($$SELECT cca_user_create('newbie@example.com', 'Nora Newbie', 'learner',
                                         'Engineering', 'cca_u_test_newbie')$$,
                'a new employee without any progress');
-- Pandas builds on Python Programming, which alice completed
INSERT INTO skills (id, name, category, level, prerequisites)
VALUES ('t-pandas', 'Pandas', 'Technical', 2, '{skill-python}');
CREATE TEMP TABLE fixture AS
SELECT (SELECT id FROM recommendations WHERE user_id = '00000000-0000-4000-8000-000000000002'
        ORDER BY created_at, id LIMIT 1) AS bob_rec;
GRANT SELECT ON fixture TO PUBLIC;

-- reading as alice ------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT lives_ok($$SELECT cca_record_reading('content-data-visualization', 50, 40)$$,
                'alice reads a lesson: position 50, 40 seconds');
SELECT results_eq($$SELECT (d->'progress'->>'read_position')::int, (d->'progress'->>'time_spent')::int,
                           round((d->'progress'->>'progress')::numeric, 1)
                    FROM cca_reader_open('content-data-visualization') d$$,
                  $$SELECT 50, 40, round(50 * 100.0 / char_length(content), 1)
                    FROM learning_content WHERE id = 'content-data-visualization'$$,
                  'the reader reopens where she stopped, with her time and progress');
SELECT lives_ok($$SELECT cca_record_reading('content-data-visualization', 20, 30)$$,
                'she scrolls back and reads on for 30 seconds');
SELECT results_eq($$SELECT read_position, time_spent, round(progress::numeric, 1)
                    FROM learning_progress WHERE content_id = 'content-data-visualization'$$,
                  $$SELECT 20, 70, round(50 * 100.0 / char_length(content), 1)
                    FROM learning_content WHERE id = 'content-data-visualization'$$,
                  'the position follows her, the time adds up, progress is not lowered');
SELECT is((SELECT user_id FROM learning_progress WHERE content_id = 'content-data-visualization'),
          '00000000-0000-4000-8000-000000000001', 'the row is hers (written through RLS)');
SELECT is((SELECT sum(seconds)::int FROM learning_time
           WHERE content_id = 'content-data-visualization' AND day = current_date), 70,
          'today''s reading time is recorded');
SELECT is((SELECT progress FROM learning_progress WHERE id = 'lp-alice-course-data'), 40::float8,
          'the roll-up never lowers her course (40 stays above the lesson''s 29)');
SELECT is((cca_reader_open('content-python-variables')->'course'->>'index')::int, 2,
          'the reader knows the lesson''s place in its course');
SELECT is(cca_reader_open('content-python-variables')->'course'->'prev'->>'content_id',
          'content-course-python-fundamentals', '... and the previous lesson');

-- the Progress tab while the course is in progress
SELECT is((SELECT e->'next'->>'content_id'
           FROM jsonb_array_elements(cca_learning_dashboard()->'in_progress') e
           WHERE e->>'id' = 'course-data-analysis-python'),
          'content-data-visualization', 'in progress: her course, and what comes next');
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(cca_learning_dashboard()->'in_progress') e
           WHERE e->>'type' = 'content'), 0,
          'a lesson of a course is shown through its course, not twice');
SELECT is(jsonb_array_length(cca_learning_dashboard()->'weekly_time'), 12, 'twelve weeks of time');
SELECT is((cca_learning_dashboard()->'weekly_time'->11->>'seconds')::int, 70,
          'the current week (last) holds today''s 70 seconds');
SELECT is((cca_learning_dashboard()->'weekly_time'->11->>'week_start')::date,
          date_trunc('week', current_date::timestamp)::date, '... and starts on this Monday');
SELECT is((SELECT sum((e->>'seconds')::int)::int
           FROM jsonb_array_elements(cca_learning_dashboard()->'weekly_time') e), 70,
          'the other weeks are zeros');
SELECT is((cca_learning_dashboard()->'summary'->>'streak_days')::int, 1, 'a one-day streak');
SELECT results_eq($$SELECT e->>'name', (e->>'level')::int, (e->>'completed')::boolean
                    FROM jsonb_array_elements(cca_learning_dashboard()->'skills') e
                    ORDER BY e->>'name'$$,
                  $$VALUES ('Data Analysis', 1, false), ('Python Programming', 2, true)$$,
                  'her skills with their levels');
SELECT results_eq($$SELECT e->>'id', (e->>'score')::float8, (e->>'passing_score')::float8,
                           (e->>'passed')::boolean
                    FROM jsonb_array_elements(cca_learning_dashboard()->'assessments') e$$,
                  $$VALUES ('assess-python-basics', 100::float8, 70::float8, true)$$,
                  'her assessment result against its pass mark');
SELECT results_eq($$SELECT (s->>'courses_completed')::int, (s->>'courses_in_progress')::int,
                           (s->>'skills_completed')::int, (s->>'items_tracked')::int
                    FROM (SELECT cca_learning_dashboard()->'summary' AS s) x$$,
                  $$VALUES (1, 1, 1, 4)$$, 'summary counts (a course lesson is not an extra item)');
SELECT is(cca_learning_dashboard()->'start_here', '[]'::jsonb,
          'no "start here" for someone who has started');

-- mark as complete: the course rolls up and completes, the spec's triggers fire
SELECT lives_ok($$SELECT cca_record_reading('content-data-visualization', NULL, 10, true)$$,
                'she marks the lesson as complete');
SELECT results_eq($$SELECT progress, completed_at IS NOT NULL, read_position
                    FROM learning_progress WHERE content_id = 'content-data-visualization'$$,
                  $$VALUES (100::float8, true, 20)$$,
                  'the lesson is complete (completed_at by the trigger), position kept');
SELECT results_eq($$SELECT progress, completed_at IS NOT NULL FROM learning_progress
                    WHERE id = 'lp-alice-course-data'$$,
                  $$VALUES (100::float8, true)$$,
                  'its only lesson done: her course is rolled up to 100 and completed');
SELECT is((cca_learning_dashboard()->'summary'->>'courses_completed')::int, 2,
          'the Progress tab counts the completed course');

-- what she cannot do
SELECT throws_ok($$INSERT INTO learning_progress (user_id, content_id, progress)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'content-scrum', 50)$$,
                 '42501', NULL, 'she cannot write reading progress for bob');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, course_id, progress)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'course-agile-pm', 100)$$,
                 '42501', NULL, 'she cannot complete a course for bob');
WITH u AS (UPDATE learning_progress SET progress = 100 WHERE id = 'lp-bob-course-pm' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'marking bob''s course complete changes nothing');
SELECT throws_ok($$UPDATE learning_progress SET completed_at = now()
                   WHERE id = 'lp-alice-course-data'$$,
                 '42501', NULL, 'she cannot set completed_at directly');
SELECT throws_ok($$INSERT INTO learning_progress (content_id, progress, completed_at)
                   VALUES ('content-scrum', 10, now())$$,
                 '42501', NULL, '... nor insert it');
SELECT throws_ok($$INSERT INTO learning_time (user_id, content_id, seconds)
                   VALUES ('00000000-0000-4000-8000-000000000002', 'content-scrum', 600)$$,
                 '42501', NULL, 'she cannot add reading time for bob');
SELECT throws_ok($$INSERT INTO learning_time (content_id, day, seconds)
                   VALUES ('content-scrum', current_date - 3, 600)$$,
                 '42501', NULL, 'the day of reading time is the server''s');
SELECT throws_ok($$INSERT INTO course_contents (course_id, content_id, ordinal)
                   VALUES ('course-react', 'content-scrum', 5)$$,
                 '42501', NULL, 'a learner does not edit a course''s lessons');
SELECT throws_ok($$SELECT cca_record_reading('content-scrum', 0, -5)$$, '22023', NULL,
                 'negative seconds are refused');
SELECT throws_ok($$SELECT cca_record_reading('content-scrum', 0, 90000)$$, '22023', NULL,
                 'more than a day of seconds in one call is refused');
SELECT throws_ok($$SELECT cca_record_reading('content-scrum', -1, 5)$$, '22023', NULL,
                 'a negative position is refused');
SELECT throws_ok($$SELECT cca_record_reading('no-such-content', 0, 5)$$, 'P0002', NULL,
                 'unknown content');
SELECT throws_ok($$SELECT cca_reader_open('no-such-content')$$, 'P0002', NULL,
                 'the reader says so too');

-- recommendations ---------------------------------------------------------------------------------
CREATE TEMP TABLE recs1 AS
SELECT e->>'id' AS id, e->>'item_id' AS item_id, e->>'reason' AS reason
FROM jsonb_array_elements(cca_recommendations(true)->'items') e;
SELECT ok((SELECT count(*) FROM recs1) >= 5, 'a refresh offers her several recommendations');
SELECT is((SELECT count(*)::int FROM recs1 WHERE coalesce(btrim(reason), '') = ''), 0,
          'each with a reason');
SELECT is((SELECT reason FROM recs1 WHERE item_id = 't-pandas'),
          'You finished Python Programming; Pandas builds on it.',
          'the reason says in plain words what it builds on');
SELECT ok((SELECT reason FROM recs1 WHERE item_id = 'skill-data-analysis')
          LIKE 'Your goal "machine learning" needs Data Analysis before Machine Learning%',
          'a skill gap towards her goal is explained');
SELECT ok(NOT EXISTS (SELECT 1 FROM recs1 WHERE item_id IN ('skill-python', 'course-python-fundamentals',
                                                          'course-data-analysis-python')),
          'nothing she completed is recommended');
SELECT is((SELECT count(*)::int FROM recommendations
           WHERE retired_at IS NULL AND dismissed_at IS NULL),
          (SELECT count(*)::int FROM recs1), 'they are stored in recommendations (the active ones)');
SELECT is((SELECT count(*)::int FROM recommendations
           WHERE retired_at IS NOT NULL AND reason IN ('Continue this course',
                 'Related to your goal: machine learning',
                 'Complete the prerequisites first: Data Analysis')), 3,
          'her older recommendations are retired, not deleted (their clicks still count)');
SELECT is((SELECT array_agg(e->>'id' ORDER BY e->>'id')
           FROM jsonb_array_elements(cca_recommendations(true)->'items') e),
          (SELECT array_agg(id ORDER BY id) FROM recs1),
          'a refresh with nothing new keeps the same rows');

-- dismiss: it does not come back
SELECT is((cca_recommendation_dismiss((SELECT id FROM recs1 WHERE item_id = 't-pandas'))->>'dismissed')::int,
          1, 'she dismisses Pandas');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(cca_recommendations(false)->'items') e
                      WHERE e->>'item_id' = 't-pandas'), 'it is gone from the list');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(cca_recommendations(true)->'items') e
                      WHERE e->>'item_id' = 't-pandas'), '... also after a refresh');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(cca_recommendations(true, 50)->'items') e
                      WHERE e->>'item_id' = 't-pandas'), '... and a second, long refresh');
UPDATE recommendations SET dismissed_at = NULL WHERE item_id = 't-pandas';
SELECT is((SELECT count(*)::int FROM recommendations
           WHERE item_id = 't-pandas' AND dismissed_at IS NULL), 0,
          'a dismissal cannot be undone by hand');

-- open: the click is recorded
SELECT is(cca_recommendation_open((SELECT id FROM recs1 WHERE item_id = 'course-pm-fundamentals'))
              ->'open'->>'content_id',
          'content-project-planning', 'opening a course recommendation leads to its first lesson');
SELECT results_eq($$SELECT clicked, clicked_at IS NOT NULL FROM recommendations
                    WHERE id = (SELECT id FROM recs1 WHERE item_id = 'course-pm-fundamentals')$$,
                  $$VALUES (true, true)$$, 'the click is stored');
SELECT results_eq($$SELECT clicks::int, total_recommendations::int FROM recommendation_analytics
                    WHERE item_id = 'course-pm-fundamentals'$$,
                  $$VALUES (1, 1)$$, 'recommendation_analytics shows the click-through');
SELECT throws_ok($$SELECT cca_recommendation_open((SELECT bob_rec FROM fixture))$$, 'P0002', NULL,
                 'she cannot open bob''s recommendation');
SELECT throws_ok($$SELECT cca_recommendation_dismiss((SELECT bob_rec FROM fixture))$$, 'P0002', NULL,
                 '... nor dismiss it');
SELECT results_eq($$SELECT (e->>'type'), (e->>'title') FROM jsonb_array_elements(cca_learning_summary()->'top_recommendations') e LIMIT 1$$,
                  $$SELECT (e->>'type'), (e->>'title') FROM jsonb_array_elements(cca_recommendations(false)->'items') e LIMIT 1$$,
                  'the chat summary cites her top recommendation');

-- bob reads the same lesson ------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE cca_u_bob;
SELECT lives_ok($$SELECT cca_record_reading('content-data-visualization', 100, 30)$$,
                'bob reads the same lesson for 30 seconds');
SELECT is((SELECT count(*)::int FROM learning_progress WHERE content_id = 'content-data-visualization'),
          1, 'he sees only his own reading row');
SELECT is((cca_reader_open('content-data-visualization')->'progress'->>'time_spent')::int, 30,
          'his reader shows his time, not alice''s');

-- the chat summary: only the caller's figures --------------------------------------------------------
SELECT ok(cca_learning_summary()->>'text' LIKE 'Learning summary of Bob Chen%', 'bob''s summary is his');
SELECT is(cca_learning_summary()->'time_this_month',
          '[{"topic": "Data Analysis with Python", "seconds": 30}]'::jsonb,
          'his time this month is his 30 seconds');
SELECT results_eq($$SELECT e->>'title', (e->>'score')::float8, (e->>'passing_score')::float8
                    FROM jsonb_array_elements(cca_learning_summary()->'failed_assessments') e$$,
                  $$VALUES ('Project Management Fundamentals', 0::float8, 65::float8)$$,
                  'his failed assessment, with its pass mark');
SELECT ok(cca_learning_summary()->>'text' LIKE '%Assessments below the pass mark: Project Management Fundamentals 0 (pass mark 65)%',
          '... also in the text the chat quotes');
SELECT ok(cca_learning_summary()->>'text' NOT LIKE '%Alice%'
          AND cca_learning_summary()->>'text' NOT LIKE '%Python Basics%',
          'nothing of alice''s in it');
RESET ROLE;
SET LOCAL ROLE cca_u_alice;
SELECT is((cca_learning_summary()->'figures'->>'time_this_month_seconds')::int, 80,
          'alice''s summary has her 80 seconds, not bob''s');
SELECT is((cca_learning_summary()->'figures'->>'courses_completed')::int,
          (cca_learning_dashboard()->'summary'->>'courses_completed')::int,
          'the summary''s figures are the dashboard''s');
SELECT is(jsonb_array_length(cca_learning_summary()->'failed_assessments'), 0, 'she failed none');
SELECT ok(cca_learning_summary()->>'text' NOT LIKE '%Bob%'
          AND cca_learning_summary()->>'text' NOT LIKE '%pass mark%',
          'nothing of bob''s in hers');

-- the empty state ----------------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE cca_u_test_newbie;
SELECT results_eq($$SELECT (s->>'items_tracked')::int, (s->>'overall_completion')::numeric,
                           (s->>'streak_days')::int
                    FROM (SELECT cca_learning_dashboard()->'summary' AS s) x$$,
                  $$VALUES (0, 0::numeric, 0)$$, 'a new employee: zeros');
SELECT is((SELECT array_agg((e->>'seconds')::int) FROM jsonb_array_elements(cca_learning_dashboard()->'weekly_time') e),
          array_fill(0, ARRAY[12]), '... twelve weeks of zero time');
SELECT ok(jsonb_array_length(cca_learning_dashboard()->'start_here') BETWEEN 3 AND 5,
          '... and "start here" suggestions');
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(cca_learning_dashboard()->'start_here') e
           WHERE coalesce(e->>'reason', '') = ''
              OR EXISTS (SELECT 1 FROM skills s WHERE s.id = e->>'id' AND cardinality(s.prerequisites) > 0)
              OR EXISTS (SELECT 1 FROM courses c WHERE c.id = e->>'id' AND cardinality(c.prerequisites) > 0)),
          0, 'each with a reason, none with prerequisites');
SELECT is(cca_learning_dashboard()->'start_here'->0->'open'->>'content_id',
          'content-project-planning', 'the first one opens a beginner course''s first lesson');
RESET ROLE;
SET LOCAL ROLE cca_learner;
SELECT throws_ok($$SELECT cca_learning_dashboard()$$, '42501', NULL,
                 'a role not linked to a person gets no dashboard');
RESET ROLE;

-- afterwards, as the superuser ---------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM audit_log
           WHERE table_name = 'learning_progress' AND action = 'completed'
             AND record_id = 'lp-alice-course-data'), 1,
          'the course completion was audited by the spec''s trigger');
SELECT is((SELECT count(*)::int FROM audit_log
           WHERE table_name = 'learning_progress' AND action = 'completed'
             AND changes->>'content_id' = 'content-data-visualization'), 1,
          '... and the lesson''s, naming the content');
SELECT is((SELECT count(*)::int FROM analytics_events
           WHERE event_type = 'recommendation_clicked'
             AND user_id = '00000000-0000-4000-8000-000000000001'
             AND metadata->>'item_id' = 'course-pm-fundamentals'), 1,
          'the click is an analytics event');
SELECT is((SELECT count(*)::int FROM analytics_events
           WHERE event_type = 'recommendation_dismissed' AND metadata->>'item_id' = 't-pandas'), 1,
          'so is the dismissal');
SELECT results_eq($$SELECT progress, completed_at IS NULL FROM learning_progress WHERE id = 'lp-bob-course-pm'$$,
                  $$VALUES (50::float8, true)$$, 'bob''s course is untouched');
SELECT is((SELECT total_progress FROM get_user_learning_analytics('00000000-0000-4000-8000-000000000001')),
          (SELECT avg(progress) FROM learning_progress
           WHERE user_id = '00000000-0000-4000-8000-000000000001' AND content_id IS NULL),
          'get_user_learning_analytics averages skills and courses, not lessons');

SELECT * FROM finish();
ROLLBACK;

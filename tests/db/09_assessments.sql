-- 09_assessments: learners never read answer keys by any path; attempts are started and
-- scored on the server, against the server clock, with a grace period, and give exactly one
-- result even when two sessions submit at once.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(45);

-- Stands in for "the transaction that submitted the attempt has committed" (see scoring).
CREATE FUNCTION pg_temp.settle(attempt text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public AS $$
    UPDATE public.assessment_attempts
    SET submit_xid = (SELECT min(xmin::text::bigint) FROM public.schema_migrations)::text::xid8
    WHERE id = attempt
$$;

SELECT has_function('public', 'start_assessment', ARRAY['text'], 'start_assessment(text)');
SELECT has_function('public', 'submit_assessment', ARRAY['text', 'jsonb'], 'submit_assessment(text, jsonb)');
SELECT is((SELECT count(*)::int FROM assessments WHERE questions::text ~ '"correct"'), 0,
          'no stored question carries its answer');
SELECT is((SELECT count(*)::int FROM assessment_keys WHERE assessment_id = 'assess-python-basics'), 2,
          'the keys were moved to assessment_keys');

-- no path to the key for a learner ----------------------------------------------------------------
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT count(*)::int FROM assessments, jsonb_path_query(questions, 'strict $.**.correct')), 0,
          'JSON path over the questions finds no "correct"');
SELECT is((SELECT count(*)::int FROM assessments WHERE questions @> '[{"correct": 1}]'
              OR questions @> '[{"correct": 0}]' OR questions @> '[{"correct": 2}]'), 0,
          'containment probes find no "correct"');
SELECT is((SELECT count(*)::int FROM assessments, jsonb_array_elements(questions) q WHERE q ? 'correct'), 0,
          'the ? operator finds no "correct" key');
SELECT throws_ok($$SELECT correct FROM assessment_keys$$, '42501', NULL, 'the key table is not readable');
SELECT ok(NOT has_column_privilege('cca_learner', 'assessment_keys', 'correct', 'SELECT')
          AND NOT has_column_privilege('cca_hr_manager', 'assessment_keys', 'correct', 'SELECT'),
          'no column privilege on the key for learners or HR');
SELECT is((SELECT count(*)::int FROM information_schema.columns
           WHERE column_name = 'correct' AND table_schema = 'public'
             AND table_name <> 'assessment_keys'), 0,
          'no view or other table exposes a column named correct');
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE has_function_privilege('cca_learner', p.oid, 'EXECUTE')
             AND pg_get_userbyid(p.proowner) = 'cca_owner'
             AND (p.prosrc ~* 'assessment_keys' AND p.proname NOT IN ('submit_assessment_as',
                                                                     'assessments_extract_keys'))), 0,
          'no function a learner may call reads the keys, except scoring');
CREATE TEMP TABLE started AS SELECT * FROM start_assessment('assess-python-basics');
GRANT SELECT ON started TO PUBLIC;
SELECT is((SELECT questions::text ~ '"correct"' FROM started), false,
          'start_assessment hands out questions without answers');
SELECT is((SELECT jsonb_array_length(questions) FROM started), 2, '... all of them');
SELECT ok((SELECT deadline = started_at + interval '30 minutes' FROM started),
          'the deadline is the start plus the time limit (server clock)');
SELECT ok((SELECT abs(extract(epoch FROM started_at - clock_timestamp())) < 5 FROM started),
          'the start time is the server''s clock_timestamp()');
SELECT is((SELECT attempt_id FROM start_assessment('assess-python-basics')),
          (SELECT attempt_id FROM started), 'starting again resumes the same attempt');
SELECT is((SELECT count(*)::int FROM assessment_attempts WHERE status = 'open'), 1,
          'one open attempt');

-- scoring ----------------------------------------------------------------------------------------
-- (009) submit_assessment returns no score; the result is scored by a later transaction once
-- the submitting one has committed. pg_temp.settle stands in for that commit: it gives the
-- attempt the id of a committed transaction (tests/db/12 proves the real commit and rollback).
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM started), '[1, 1]')$$,
                 '22023', NULL, 'answers must be an object');
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM started),
                                                   '{"q1": 1, "q2": "x"}')$$,
                 '22023', 'question q2: "x" is not an option index (a whole number from 0 to 3)',
                 'a junk answer is refused, naming the question');
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM started),
                                                   '{"q1": 1, "q9": 1}')$$,
                 '22023', 'question q9 is not part of this assessment',
                 'an answer to a question the assessment does not have is refused');
SELECT is((SELECT s ? 'score' FROM submit_assessment((SELECT attempt_id FROM started),
                                                     '{"q1": 1, "q2": 0}') s),
          false, 'submitting returns no score');
RESET ROLE;
SELECT pg_temp.settle((SELECT attempt_id FROM started));
SET LOCAL ROLE cca_u_bob;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'passed')::boolean, (r->>'correct_count')::int,
                           (r->>'question_count')::int
                    FROM assessment_result((SELECT attempt_id FROM started)) r$$,
                  $$VALUES (50::float8, false, 1, 2)$$,
                  'once committed: half right scores 50 and fails the 70 pass mark');
SELECT is((SELECT answers FROM assessment_results WHERE assessment_id = 'assess-python-basics'),
          '{"q1": 1, "q2": 0}'::jsonb, 'the stored answers are the attempt''s answers');
SELECT ok((SELECT time_taken BETWEEN 0 AND 5 FROM assessment_results
           WHERE assessment_id = 'assess-python-basics'), 'time_taken is measured by the server');
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM started), '{"q1": 1, "q2": 1}')$$,
                 'CC003', NULL, 'a second submission of the attempt is refused');
SELECT throws_ok($$SELECT * FROM start_assessment('assess-python-basics')$$, 'CC003', NULL,
                 'a completed assessment cannot be started again (no key brute force)');
SELECT is((SELECT count(*)::int FROM assessment_results WHERE assessment_id = 'assess-python-basics'), 1,
          'exactly one result');
SELECT is((SELECT status FROM assessment_attempts WHERE id = (SELECT attempt_id FROM started)), 'submitted',
          'the attempt is marked submitted');
RESET ROLE;

SET LOCAL ROLE cca_u_ivan;
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM started), '{}')$$, 'P0002', NULL,
                 'another person''s attempt cannot be submitted');
CREATE TEMP TABLE ivan_pm AS SELECT attempt_id FROM start_assessment('assess-pm-fundamentals');
SELECT lives_ok($$SELECT submit_assessment((SELECT attempt_id FROM ivan_pm), '{"q1": 2}')$$,
                'ivan submits');
RESET ROLE;
SELECT pg_temp.settle((SELECT attempt_id FROM ivan_pm));
SET LOCAL ROLE cca_u_ivan;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'passed')::boolean, (r->>'correct_count')::int,
                           (r->>'question_count')::int
                    FROM assessment_result((SELECT attempt_id FROM ivan_pm)) r$$,
                  $$VALUES (100::float8, true, 1, 1)$$, 'all right scores 100 and passes');
SELECT throws_ok($$SELECT * FROM start_assessment('no-such-assessment')$$, 'P0002', NULL,
                 'an unknown assessment is reported');
RESET ROLE;

-- the clock ---------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_ivan;
CREATE TEMP TABLE late AS SELECT * FROM start_assessment('assess-python-basics');
RESET ROLE;
UPDATE assessment_attempts SET started_at = clock_timestamp() - interval '30 minutes 10 seconds',
                               deadline = clock_timestamp() - interval '10 seconds'
WHERE id = (SELECT attempt_id FROM late);
SET LOCAL ROLE cca_u_ivan;
SELECT lives_ok($$SELECT submit_assessment((SELECT attempt_id FROM late), '{"q1": 1, "q2": 1}')$$,
                'answers sent 10 s after the deadline are within the grace');
RESET ROLE;
SELECT pg_temp.settle((SELECT attempt_id FROM late));
SET LOCAL ROLE cca_u_ivan;
SELECT is((SELECT (assessment_result((SELECT attempt_id FROM late))->>'score')::float8), 100::float8,
          '... and count');
RESET ROLE;

SET LOCAL ROLE cca_u_heidi;
CREATE TEMP TABLE too_late AS SELECT * FROM start_assessment('assess-ml-concepts');
RESET ROLE;
UPDATE assessment_attempts SET started_at = clock_timestamp() - interval '46 minutes',
                               deadline = clock_timestamp() - interval '31 seconds'
WHERE id = (SELECT attempt_id FROM too_late);
SET LOCAL ROLE cca_u_heidi;
SELECT throws_ok($$SELECT * FROM submit_assessment((SELECT attempt_id FROM too_late), '{"q1": 0}')$$,
                 'CC002', NULL, 'answers after the deadline plus grace are refused');
SELECT is((SELECT count(*)::int FROM assessment_results WHERE assessment_id = 'assess-ml-concepts'), 0,
          '... and store no result');
-- (009) time up means submitted with what was saved: the attempt counts.
SELECT is((SELECT assessment_state((SELECT attempt_id FROM too_late))->>'status'), 'expired',
          'the server closes the attempt whose time is up (marked expired)');
RESET ROLE;
SELECT pg_temp.settle((SELECT attempt_id FROM too_late));
SET LOCAL ROLE cca_u_heidi;
SELECT throws_ok($$SELECT * FROM start_assessment('assess-ml-concepts')$$, 'CC003', NULL,
                 'an expired attempt used the only attempt: no new one');
SELECT is((SELECT (assessment_result((SELECT attempt_id FROM too_late))->>'score')::float8), 0::float8,
          '... and scores what was saved (nothing)');
RESET ROLE;
SELECT is(cca_assessment_grace(), interval '30 seconds', 'the grace is 30 seconds');

-- trainers' keys --------------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO assessments (title, questions) VALUES ('bad',
                   '[{"id": "a", "options": ["x", "y"], "correct": 5}]')$$, '22023', NULL,
                 'a key must index one of the options');
SELECT throws_ok($$INSERT INTO assessments (title, questions) VALUES ('bad',
                   '[{"id": "a", "options": ["x"]}, {"id": "a", "options": ["y"]}]')$$, '22023', NULL,
                 'question ids are unique');
INSERT INTO assessments (id, title, questions) VALUES ('t-quiz', 'Quiz',
    '[{"id": "a", "options": ["x", "y"], "correct": 1}, {"options": ["u", "v"], "correct": 0}]');
SELECT is((SELECT questions->1->>'id' FROM assessments WHERE id = 't-quiz'), 'q2',
          'a question without an id gets one');
UPDATE assessments SET questions = '[{"id": "a", "question": "reworded", "options": ["x", "y"]}]'
WHERE id = 't-quiz';
SELECT results_eq($$SELECT question_id, correct FROM assessment_keys WHERE assessment_id = 't-quiz'$$,
                  $$VALUES ('a', 1)$$,
                  'editing a question without "correct" keeps its key; a removed question loses its key');

-- two sessions submit at once --------------------------------------------------------------------
-- Two real connections (dblink): the first submits inside an open transaction and holds the
-- attempt's row lock; the second submits and must wait; when the first commits, the second is
-- refused. The committed rows are removed at the end.
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE FUNCTION pg_temp.race() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
    attempt text;
    waited boolean := false;
    second_error text;
    results integer;
    pid2 integer;
BEGIN
    PERFORM dblink_connect('race1', conn);
    PERFORM dblink_connect('race2', conn);
    PERFORM dblink_exec('race1', 'SET ROLE cca_u_ivan');
    PERFORM dblink_exec('race2', 'SET ROLE cca_u_ivan');
    SELECT p INTO pid2 FROM dblink('race2', 'SELECT pg_backend_pid()') AS t(p integer);
    SELECT a INTO attempt FROM dblink('race1',
        'SELECT attempt_id FROM start_assessment(''assess-ml-concepts'')') AS t(a text);
    PERFORM dblink_exec('race1', 'BEGIN');
    PERFORM * FROM dblink('race1', format('SELECT submit_assessment(%L, %L)::text',
                                          attempt, '{"q1": 1}')) AS t(s text);
    PERFORM dblink_send_query('race2', format('SELECT submit_assessment(%L, %L)::text',
                                              attempt, '{"q1": 0}'));
    FOR i IN 1..500 LOOP
        -- pg_locks is live (pg_stat_activity would be a snapshot per transaction)
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pid2 AND NOT granted) INTO waited;
        EXIT WHEN waited;
        PERFORM pg_sleep(0.01);
    END LOOP;
    PERFORM dblink_exec('race1', 'COMMIT');
    BEGIN
        PERFORM * FROM dblink_get_result('race2') AS t(s text);
    EXCEPTION WHEN OTHERS THEN
        second_error := SQLERRM;
    END;
    PERFORM dblink_get_result('race2', false);
    -- committed: the next call scores it
    PERFORM * FROM dblink('race1', format('SELECT assessment_result(%L)::text', attempt))
        AS t(r text);
    SELECT n INTO results FROM dblink('race1',
        'SELECT count(*)::int FROM assessment_results WHERE assessment_id = ''assess-ml-concepts''')
        AS t(n integer);
    PERFORM dblink_exec('race1', 'RESET ROLE');
    PERFORM dblink_exec('race1', format(
        'DELETE FROM analytics_events WHERE metadata->>''attempt_id'' = %L;'
        ' DELETE FROM assessment_attempts WHERE id = %L;'
        ' DELETE FROM assessment_results WHERE assessment_id = ''assess-ml-concepts'''
        ' AND user_id = ''00000000-0000-4000-8000-000000000009''', attempt, attempt));
    PERFORM dblink_disconnect('race1');
    PERFORM dblink_disconnect('race2');
    RETURN format('waited=%s results=%s second=%s', waited, results,
                  coalesce(second_error, 'accepted'));
END
$$;
SELECT matches(pg_temp.race(), '^waited=t results=1 second=.*already submitted',
               'concurrent submissions: the second waits for the first and is refused; one result');

SELECT * FROM finish();
ROLLBACK;

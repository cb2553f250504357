-- 12_assessment_attempts: timed assessments from the terminal (009): the list, start and
-- resume, answers saved one by one, the server's deadline, results and review policies,
-- progress on a pass; and the hardening fixes: no score is observable before the submission
-- is committed (savepoint, error-after and outer-rollback attacks), and bad answers are
-- refused. Runs as learners. The dblink part commits through real connections and deletes
-- what it wrote.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(109);

-- helpers ------------------------------------------------------------------------------------
-- "SQLSTATE: message" of a statement, or "ok".
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- Stands in for "the transaction that submitted the attempt has committed": gives the
-- attempt the id of a committed transaction. Section "defect 1" proves the real thing.
CREATE FUNCTION pg_temp.settle(attempt text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public AS $$
    UPDATE public.assessment_attempts
    SET submit_xid = (SELECT min(xmin::text::bigint) FROM public.schema_migrations)::text::xid8
    WHERE id = attempt
$$;
CREATE TEMP TABLE ids (name text PRIMARY KEY, id text);
GRANT SELECT, INSERT, UPDATE ON ids TO PUBLIC;
CREATE FUNCTION pg_temp.id(n text) RETURNS text LANGUAGE sql AS $$
    SELECT id FROM pg_temp.ids WHERE name = n $$;
CREATE FUNCTION pg_temp.keep(n text, v text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO pg_temp.ids VALUES (n, v) ON CONFLICT (name) DO UPDATE SET id = EXCLUDED.id $$;

-- A canary assessment whose explanations carry a marker: any path that shows them before the
-- review policy allows is a key leak (explanations are key material, like "correct").
INSERT INTO assessments (id, title, time_limit, passing_score, max_attempts, review_policy,
                         questions, created_by)
VALUES ('t-canary', 'Canary', 10, 100, 2, 'after_close',
        '[{"id": "c1", "question": "One?", "options": ["a", "b", "c"], "correct": 2,
           "explanation": "KEYMARK-c1"},
          {"id": "c2", "question": "Two?", "options": ["a", "b"], "correct": 0,
           "explanation": "KEYMARK-c2"}]',
        '00000000-0000-4000-8000-000000000005');

-- Every relation a learner may read, scanned row by row for the marker.
CREATE FUNCTION pg_temp.tables_showing_marker() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n integer;
    hits text[] := '{}';
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
             WHERE c.relnamespace IN ('public'::regnamespace, 'cca_auth'::regnamespace)
               AND c.relkind IN ('r', 'v', 'm')
               AND has_table_privilege(current_user, c.oid, 'SELECT') LOOP
        EXECUTE format('SELECT count(*) FROM %s t WHERE t::text LIKE ''%%KEYMARK%%''', r.rel)
            INTO n;
        IF n > 0 THEN
            hits := hits || r.rel::text;
        END IF;
    END LOOP;
    RETURN hits;
END
$$;
-- Every CCA function the caller may execute whose arguments are text/integer/boolean/jsonb,
-- called with the canary attempt and assessment ids (role_name: the caller), each call rolled
-- back; returns the ones whose output shows the marker, and how many answered at all.
CREATE FUNCTION pg_temp.functions_showing_marker(attempt text, OUT leaks text[],
                                                 OUT answered integer)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    variant text;
    args text;
    stmt text;
    output text;
BEGIN
    leaks := '{}';
    answered := 0;
    FOR f IN SELECT p.oid, p.oid::regprocedure::text AS sig, p.proargtypes::oid[] AS types,
                    coalesce(p.proargnames, '{}') AS names
             FROM pg_proc p
             WHERE pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prokind = 'f'
               AND p.prorettype <> 'trigger'::regtype
               AND has_function_privilege(current_user, p.oid, 'EXECUTE')
               AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) t
                               WHERE t NOT IN ('text'::regtype, 'integer'::regtype,
                                               'boolean'::regtype, 'jsonb'::regtype)) LOOP
        FOREACH variant IN ARRAY ARRAY[attempt, 't-canary'] LOOP
            SELECT coalesce(string_agg(CASE
                       -- (proargtypes as oid[] starts at 0, proargnames at 1)
                       WHEN f.names[i - array_lower(f.types, 1) + 1] = 'role_name'
                           THEN quote_literal(current_user)
                       WHEN f.types[i] = 'text'::regtype THEN quote_literal(variant)
                       WHEN f.types[i] = 'integer'::regtype THEN '0'
                       WHEN f.types[i] = 'boolean'::regtype THEN 'true'
                       ELSE '''{}''::jsonb' END, ', ' ORDER BY i), '')
            INTO args FROM generate_subscripts(f.types, 1) i;
            stmt := format('SELECT coalesce(string_agg(t::text, ''|''), '''') FROM %s(%s) t',
                           f.oid::regproc, args);
            BEGIN
                EXECUTE stmt INTO output;
                answered := answered + 1;
                IF output LIKE '%KEYMARK%' THEN
                    leaks := leaks || f.sig;
                END IF;
                RAISE EXCEPTION 'undo' USING ERRCODE = 'CC999';
            EXCEPTION WHEN OTHERS THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
END
$$;

-- settings and seed ----------------------------------------------------------------------------
INSERT INTO assessments (id, title, questions) VALUES ('t-defaults', 'Defaults',
    '[{"id": "d1", "options": ["x", "y"], "correct": 0}]');
SELECT results_eq($$SELECT max_attempts, review_policy, layout FROM assessments WHERE id = 't-defaults'$$,
                  $$VALUES (1, 'after_close', 'one_per_page')$$,
                  'defaults: one attempt, answers shown after close, one question per page');
SELECT throws_ok($$UPDATE assessments SET review_policy = 'sometimes' WHERE id = 't-defaults'$$,
                 '23514', NULL, 'the review policy is one of never, after_submit, after_close');
SELECT throws_ok($$UPDATE assessments SET max_attempts = 0 WHERE id = 't-defaults'$$,
                 '23514', NULL, 'at least one attempt');
SELECT is((SELECT count(*)::int FROM assessments WHERE questions::text ~ '"explanation"'), 0,
          'no stored question carries its explanation (it is key material)');
SELECT is((SELECT explanation FROM assessment_keys WHERE assessment_id = 't-canary' AND question_id = 'c1'),
          'KEYMARK-c1', 'explanations are kept with the keys');
SELECT throws_ok($$INSERT INTO assessments (title, questions) VALUES ('x',
                   '[{"id": "a", "options": ["x"], "explanation": "free answer"}]')$$,
                 '22023', 'question a: an explanation needs a "correct" answer',
                 'an explanation without a key is refused');
SET LOCAL ROLE cca_u_erin;
WITH u AS (UPDATE assessments SET max_attempts = 3, review_policy = 'after_submit', layout = 'all_on_one'
           WHERE id = 'assess-python-basics' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 1, 'a trainer sets the settings of her own assessment');
WITH u AS (UPDATE assessments SET max_attempts = 9 WHERE id = 'assess-ml-concepts' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, '... not those of another trainer''s');
RESET ROLE;
UPDATE assessments SET max_attempts = 1, review_policy = 'after_close', layout = 'one_per_page'
WHERE id = 'assess-python-basics';

-- the list -----------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
CREATE TEMP TABLE alice_list AS
    SELECT x AS item FROM jsonb_array_elements(assessment_list()->'assessments') x;
SELECT ok((SELECT count(*) FROM alice_list
           WHERE item->>'status' = 'available' AND (item->>'question_count')::int >= 4) >= 3,
          'seed: alice can take at least three assessments of four questions or more');
SELECT is((SELECT count(DISTINCT item->>'review_policy')::int FROM alice_list
           WHERE item->>'status' = 'available' AND (item->>'question_count')::int >= 4), 3,
          '... with the three review policies');
SELECT ok((SELECT bool_and(item ?& ARRAY['id', 'title', 'skill', 'difficulty', 'question_count',
                                         'time_limit_minutes', 'pass_mark', 'max_attempts',
                                         'attempts_used', 'attempts_left', 'best_score', 'passed',
                                         'review_policy', 'layout', 'status', 'open_attempt',
                                         'attempts'])
           FROM alice_list), 'every list item has the documented fields');
SELECT results_eq($$SELECT item->>'status', (item->>'best_score')::float8, (item->>'attempts_used')::int,
                           (item->>'attempts_left')::int, jsonb_array_length(item->'attempts')
                    FROM alice_list WHERE item->>'id' = 'assess-python-basics'$$,
                  $$VALUES ('passed', 100::float8, 1, 0, 1)$$,
                  'a passed assessment: best score, attempts used and left, past attempts');
SELECT results_eq($$SELECT item->>'status', item->'skill'->>'name', (item->>'time_limit_minutes')::int,
                           (item->>'pass_mark')::float8, (item->>'attempts_left')::int, item->>'layout'
                    FROM alice_list WHERE item->>'id' = 'assess-sql-practice'$$,
                  $$VALUES ('available', 'Database Design', 15, 60::float8, 3, 'all_on_one')$$,
                  'an available assessment: skill, time limit, pass mark, attempts left, layout');
RESET ROLE;
UPDATE assessments SET opens_at = now() + interval '1 day' WHERE id = 't-defaults';
UPDATE assessments SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 day'
WHERE id = 'assess-ml-concepts';
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(assessment_list()->'assessments') x
           WHERE x->>'id' IN ('t-defaults', 'assess-ml-concepts')), 0,
          'assessments not open yet, or closed, are not listed');
SELECT throws_ok($$SELECT assessment_start('t-defaults')$$, '55000', NULL,
                 'an assessment cannot be started before it opens');
SELECT throws_ok($$SELECT assessment_start('assess-ml-concepts')$$, '55000', NULL,
                 '... nor after it closed');
RESET ROLE;
UPDATE assessments SET opens_at = NULL, closes_at = NULL WHERE id = 'assess-ml-concepts';

-- start, save, resume ----------------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
CREATE TEMP TABLE s1 AS SELECT assessment_start('assess-sql-practice') AS doc;
SELECT pg_temp.keep('sql1', (SELECT doc->>'attempt_id' FROM s1));
SELECT results_eq($$SELECT doc->>'status', (doc->>'resumed')::boolean, (doc->>'attempt_no')::int,
                           jsonb_array_length(doc->'questions'), (doc->>'answered_count')::int
                    FROM s1$$,
                  $$VALUES ('open', false, 1, 5, 0)$$, 'start opens attempt 1 with five questions');
SELECT ok((SELECT (doc->>'deadline')::timestamptz - (doc->>'started_at')::timestamptz = interval '15 minutes'
              AND (doc->>'seconds_left')::numeric BETWEEN 895 AND 900
              AND abs(extract(epoch FROM (doc->>'server_now')::timestamptz - clock_timestamp())) < 5
           FROM s1), 'the server gives its deadline, its now and the seconds left');
SELECT is((SELECT count(*)::int FROM s1, jsonb_array_elements(doc->'questions') q
           WHERE q ?| ARRAY['correct', 'correct_answer', 'explanation']), 0,
          'the questions come without keys or explanations');
SELECT is((SELECT (save_answer(pg_temp.id('sql1'), 'q1', 1))->>'answer')::int, 1,
          'save_answer stores the choice on the server');
SELECT is((SELECT (flag_question(pg_temp.id('sql1'), 'q2', true))->>'flagged')::boolean, true,
          'flag_question marks a question for review');
SELECT lives_ok($$SELECT save_answer(pg_temp.id('sql1'), 'q3', 0), save_answer(pg_temp.id('sql1'), 'q3', 2)$$,
                'the choice of q3 is changed');
-- "kill -9": nothing but the attempt id is needed to come back.
CREATE TEMP TABLE s2 AS SELECT assessment_start('assess-sql-practice') AS doc;
SELECT results_eq($$SELECT s2.doc->>'attempt_id', s2.doc->>'deadline', (s2.doc->>'resumed')::boolean
                    FROM s2$$,
                  $$SELECT pg_temp.id('sql1'), (SELECT doc->>'deadline' FROM s1), true$$,
                  'reopening resumes the same attempt with the same deadline');
SELECT results_eq($$SELECT q->>'id', (q->>'answer')::int, (q->>'flagged')::boolean
                    FROM s2, jsonb_array_elements(doc->'questions') q WHERE q->>'id' IN ('q1', 'q2', 'q3')
                    ORDER BY 1$$,
                  $$VALUES ('q1', 1, false), ('q2', NULL::int, true), ('q3', 2, false)$$,
                  '... with the answers and flags already saved (last write wins)');
SELECT results_eq($$SELECT (d->>'answered_count')::int, (d->>'flagged_count')::int, d->>'status'
                    FROM assessment_state(pg_temp.id('sql1')) d$$,
                  $$VALUES (2, 1, 'open')$$, 'assessment_state counts answers and flags');
SELECT is((SELECT save_answer(pg_temp.id('sql1'), 'q3', NULL)->'answer'), 'null'::jsonb,
          'a NULL choice clears the answer');

-- defect 2: bad answers are refused ------------------------------------------------------------
SELECT is(pg_temp.err($$SELECT save_answer(pg_temp.id('sql1'), 'q1', 99)$$),
          '22023: question q1: 99 is not an option index (a whole number from 0 to 3)',
          'an out-of-range answer is refused, naming the question');
SELECT is(pg_temp.err($$SELECT save_answer(pg_temp.id('sql1'), 'q1', -1)$$),
          '22023: question q1: -1 is not an option index (a whole number from 0 to 3)',
          'a negative answer is refused');
SELECT is(pg_temp.err($$SELECT save_answer(pg_temp.id('sql1'), 'q42', 0)$$),
          '22023: question q42 is not part of this assessment',
          'an answer to a question that is not in the attempt is refused');
SELECT is(pg_temp.err($$SELECT flag_question(pg_temp.id('sql1'), 'zz', true)$$),
          '22023: question zz is not part of this assessment', '... and so is a flag');
SELECT is((SELECT array_agg(payload ORDER BY payload) FROM unnest(ARRAY[
               '{"q1": 99}', '{"q1": -1}', '{"q1": "NaN"}', '{"q1": 0.0}', '{"q1": 1.5}',
               '{"q1": "1"}', '{"q1": true}', '{"q1": [1]}', '{"q1": {"i": 1}}',
               '{"q1": 12345678901234567890}'
           ]) AS payload
           WHERE pg_temp.err(format('SELECT submit_assessment(%L, %L)', pg_temp.id('sql1'), payload))
                 !~ '^22023: question q1: .* is not an option index'),
          NULL, 'submitted answers 99, -1, "NaN", 0.0, 1.5, "1", true, [1], {}, 2^64 are all refused (22023, naming q1)');
SELECT is(pg_temp.err(format('SELECT submit_assessment(%L, %L)', pg_temp.id('sql1'), '{"q1": 1, "nope": 0}')),
          '22023: question nope is not part of this assessment', 'an unknown question id is refused');
SELECT results_eq($$SELECT d->>'status', (SELECT (q->>'answer')::int FROM jsonb_array_elements(d->'questions') q
                                          WHERE q->>'id' = 'q1')
                    FROM assessment_state(pg_temp.id('sql1')) d$$,
                  $$VALUES ('open', 1)$$, 'a refused submission changes nothing (all or nothing)');

-- another person ----------------------------------------------------------------------------------
RESET ROLE;
SET LOCAL ROLE cca_u_bob;
SELECT is(left(pg_temp.err($$SELECT save_answer(pg_temp.id('sql1'), 'q1', 0)$$), 5), 'P0002',
          'bob cannot answer in alice''s attempt');
SELECT is(left(pg_temp.err($$SELECT submit_assessment(pg_temp.id('sql1'))$$), 5), 'P0002',
          '... nor submit it');
SELECT is(left(pg_temp.err($$SELECT assessment_state(pg_temp.id('sql1'))$$), 5), 'P0002',
          '... nor read it');
SELECT is(left(pg_temp.err($$SELECT assessment_result(pg_temp.id('sql1'))$$), 5), 'P0002',
          '... nor its result');
SELECT is((SELECT count(*)::int FROM assessment_answers WHERE attempt_id = pg_temp.id('sql1')), 0,
          '... nor read its answers');
RESET ROLE;
SET LOCAL ROLE cca_u_alice;
SELECT throws_ok($$INSERT INTO assessment_answers (attempt_id, question_id, choice)
                   VALUES (pg_temp.id('sql1'), 'q5', 1)$$, '42501', NULL,
                 'answers are written only through save_answer');
SELECT throws_ok($$UPDATE assessment_attempts SET submit_xid = '3', deadline = NULL
                   WHERE id = pg_temp.id('sql1')$$, '42501', NULL,
                 'a learner cannot forge the closing transaction or move the deadline');
RESET ROLE;

-- defect 1: no score before the submission is committed ------------------------------------------
SET LOCAL ROLE cca_u_alice;
-- the savepoint attack
SAVEPOINT guess;
SELECT is((SELECT s ?| ARRAY['score', 'passed', 'correct_count', 'review']
           FROM submit_assessment(pg_temp.id('sql1'), '{"q2": 1, "q3": 0, "q4": 1, "q5": 1}') s), false,
          'savepoint attack: submit returns no score');
SELECT results_eq($$SELECT (r->>'result_ready')::boolean, r ?| ARRAY['score', 'passed', 'review']
                    FROM assessment_result(pg_temp.id('sql1')) r$$,
                  $$VALUES (false, false)$$,
                  '... the result of an uncommitted submission is not ready (no score, no review)');
SELECT is((SELECT score FROM assessment_attempts WHERE id = pg_temp.id('sql1')), NULL,
          '... the attempt row has no score');
SELECT is((SELECT count(*)::int FROM assessment_results WHERE assessment_id = 'assess-sql-practice'), 0,
          '... no result row exists');
SELECT is((SELECT x->>'status' FROM jsonb_array_elements(assessment_list()->'assessments') x
           WHERE x->>'id' = 'assess-sql-practice'), 'result_pending',
          '... the list says the result is pending');
SELECT is((SELECT (assessment_sweep()->>'scored')::int), 0, '... a sweep does not score it');
SELECT is(pg_temp.err($$SELECT assessment_start('assess-sql-practice')$$),
          '55000: the previous attempt at assess-sql-practice is submitted but not committed: commit, then start again',
          '... and no new attempt can reveal whether it passed');
ROLLBACK TO SAVEPOINT guess;
SELECT results_eq($$SELECT d->>'status', (d->>'answered_count')::int FROM assessment_state(pg_temp.id('sql1')) d$$,
                  $$VALUES ('open', 1)$$, '... rolled back: the attempt is open with its saved answers only');
-- an error raised after reading: whatever was readable ends up in the message
CREATE FUNCTION pg_temp.peek_then_fail(attempt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM submit_assessment(attempt, '{"q2": 1}');
    RAISE EXCEPTION 'seen: % / % / %', assessment_result(attempt),
        (SELECT row_to_json(t) FROM assessment_attempts t WHERE t.id = attempt),
        (SELECT count(*) FROM assessment_results WHERE assessment_id = 'assess-sql-practice');
EXCEPTION WHEN raise_exception THEN
    RETURN SQLERRM;
END
$$;
SELECT doesnt_match(pg_temp.peek_then_fail(pg_temp.id('sql1')), '"score": ?[0-9]|/ [1-9][0-9]*$',
                    'error-after attack: nothing read before the error shows a score or a result row');
SELECT is((SELECT assessment_state(pg_temp.id('sql1'))->>'status'), 'open', '... and the attempt is still open');

-- the outer-rollback attack, with real transactions (and two sessions on one attempt)
RESET ROLE;
CREATE FUNCTION pg_temp.real_sessions() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
    attempt text;
    other text;
    out jsonb := '{}';
    v text;
BEGIN
    PERFORM dblink_connect('t1', conn);
    PERFORM dblink_connect('t2', conn);
    PERFORM dblink_exec('t1', 'SET ROLE cca_u_alice');
    PERFORM dblink_exec('t2', 'SET ROLE cca_u_alice');
    SELECT a INTO attempt FROM dblink('t1',
        'SELECT assessment_start(''assess-agile-scrum'')->>''attempt_id''') AS t(a text);
    SELECT a INTO other FROM dblink('t2',
        'SELECT assessment_start(''assess-agile-scrum'')->>''attempt_id''') AS t(a text);
    out := out || jsonb_build_object('same_attempt', attempt = other);
    PERFORM * FROM dblink('t1', format('SELECT save_answer(%L, ''q1'', 0)::text', attempt)) AS t(x text);
    PERFORM * FROM dblink('t2', format('SELECT save_answer(%L, ''q1'', 1)::text', attempt)) AS t(x text);
    SELECT x INTO v FROM dblink('t1', format(
        'SELECT q->>''answer'' FROM jsonb_array_elements(assessment_state(%L)->''questions'') q WHERE q->>''id'' = ''q1''',
        attempt)) AS t(x text);
    out := out || jsonb_build_object('q1_after_both', v);
    -- the attack: submit, read everything, roll back
    PERFORM dblink_exec('t1', 'BEGIN');
    PERFORM * FROM dblink('t1', format('SELECT submit_assessment(%L, %L)::text', attempt,
                                       '{"q2": 0, "q3": 0, "q4": 0}')) AS t(x text);
    SELECT x INTO v FROM dblink('t1', format(
        'SELECT assessment_result(%L)::text || coalesce((SELECT score::text FROM assessment_attempts WHERE id = %L), ''-'')'
        || ' || (SELECT count(*) FROM assessment_results WHERE assessment_id = ''assess-agile-scrum'')',
        attempt, attempt)) AS t(x text);
    PERFORM dblink_exec('t1', 'ROLLBACK');
    out := out || jsonb_build_object('inside_rolled_back', v);
    SELECT x INTO v FROM dblink('t2', format('SELECT assessment_state(%L)->>''status''', attempt)) AS t(x text);
    out := out || jsonb_build_object('status_after_rollback', v);
    -- the honest way: submit (committed), then ask
    PERFORM * FROM dblink('t1', format('SELECT submit_assessment(%L, %L)::text', attempt,
                                       '{"q2": 0, "q3": 0, "q4": 0}')) AS t(x text);
    SELECT x::jsonb INTO v FROM dblink('t2', format('SELECT assessment_result(%L)::text', attempt)) AS t(x text);
    out := out || jsonb_build_object('committed_result', v::jsonb);
    PERFORM * FROM dblink('t2', format('SELECT save_answer(%L, ''q4'', 1)::text', attempt), false)
        AS t(x text);
    out := out || jsonb_build_object('save_after_submit', dblink_error_message('t2'));
    PERFORM dblink_disconnect('t1');
    PERFORM dblink_disconnect('t2');
    RETURN out;
EXCEPTION WHEN OTHERS THEN
    out := out || jsonb_build_object('error', SQLERRM);
    IF 't1' = ANY (coalesce(dblink_get_connections(), '{}')) THEN
        PERFORM dblink_disconnect('t1');
    END IF;
    IF 't2' = ANY (coalesce(dblink_get_connections(), '{}')) THEN
        PERFORM dblink_exec('t2', 'RESET ROLE');
        PERFORM dblink_disconnect('t2');
    END IF;
    RETURN out;
END
$$;
-- Rows the real sessions commit are deleted by cleanup() at the end of this section.
CREATE FUNCTION pg_temp.cleanup() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
BEGIN
    PERFORM dblink_connect('clean', conn);
    PERFORM dblink_exec('clean',
        'DELETE FROM analytics_events WHERE metadata->>''assessment_id'' = ''assess-agile-scrum'';'
        ' DELETE FROM assessment_attempts WHERE assessment_id = ''assess-agile-scrum'';'
        ' DELETE FROM assessment_results WHERE assessment_id = ''assess-agile-scrum''');
    PERFORM dblink_disconnect('clean');
END
$$;
CREATE TEMP TABLE real AS SELECT pg_temp.real_sessions() AS r;
SELECT pg_temp.cleanup();
SELECT is((SELECT r->>'error' FROM real), NULL, 'the real sessions ran');
SELECT is((SELECT (r->>'same_attempt')::boolean FROM real), true, 'two terminals share one attempt');
SELECT is((SELECT r->>'q1_after_both' FROM real), '1', '... and the last write wins');
SELECT unalike((SELECT r->>'inside_rolled_back' FROM real), '%"score"%',
              'outer-rollback attack: no score inside the submitting transaction');
SELECT alike((SELECT r->>'inside_rolled_back' FROM real), '%"result_ready": false%-0',
            '... the result is not ready, the attempt has no score, no result row exists');
SELECT is((SELECT r->>'status_after_rollback' FROM real), 'open', '... rolled back: the attempt is open again');
SELECT results_eq($$SELECT (r->'committed_result'->>'result_ready')::boolean,
                           (r->'committed_result'->>'score')::float8,
                           (r->'committed_result'->>'passed')::boolean,
                           (r->'committed_result'->>'review_available')::boolean
                    FROM real$$,
                  $$VALUES (true, 50::float8, false, false)$$,
                  'committed: the next call scores it (2 of 4, fails 75); after_close hides the review while attempts are left');
SELECT alike((SELECT r->>'save_after_submit' FROM real), '%already submitted%',
            'editing answers after a committed submit is refused');
SELECT is((SELECT count(*)::int FROM assessment_attempts WHERE assessment_id = 'assess-agile-scrum'), 0,
          'the committed rows were removed');

-- results and review policies ----------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT lives_ok($$SELECT submit_assessment(pg_temp.id('sql1'), '{"q2": 1, "q4": 1}')$$,
                'alice submits attempt 1 of the practice quiz');
SELECT is(left(pg_temp.err($$SELECT submit_assessment(pg_temp.id('sql1'))$$), 5), 'CC003',
          'submitting twice is refused');
SELECT is(left(pg_temp.err($$SELECT save_answer(pg_temp.id('sql1'), 'q5', 1)$$), 5), 'CC003',
          'editing an answer after submit is refused');
SELECT is(left(pg_temp.err($$SELECT flag_question(pg_temp.id('sql1'), 'q5', true)$$), 5), 'CC003',
          '... and so is flagging');
RESET ROLE;
SELECT pg_temp.settle(pg_temp.id('sql1'));
SET LOCAL ROLE cca_u_alice;
CREATE TEMP TABLE r1 AS SELECT assessment_result(pg_temp.id('sql1')) AS r;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'passed')::boolean, (r->>'correct_count')::int,
                           (r->>'question_count')::int, (r->>'attempts_left')::int, r->>'closed_by'
                    FROM r1$$,
                  $$VALUES (60::float8, true, 3, 5, 0, 'learner')$$,
                  'result: 3 of 5 is 60, passes the 60 pass mark; a pass leaves no attempts');
SELECT ok((SELECT (r->>'time_used_seconds')::int BETWEEN 0 AND 10 FROM r1), 'time used is measured by the server');
SELECT results_eq($$SELECT q->>'id', (q->>'answer')::int, (q->>'correct_answer')::int, (q->>'is_correct')::boolean,
                           q->>'explanation' IS NOT NULL, (q->>'flagged')::boolean
                    FROM r1, jsonb_array_elements(r->'review') q ORDER BY 1$$,
                  $$VALUES ('q1', 1, 1, true, true, false), ('q2', 1, 1, true, true, true),
                           ('q3', NULL::int, 0, false, true, false), ('q4', 1, 1, true, true, false),
                           ('q5', NULL::int, 1, false, true, false)$$,
                  'after_submit: the review gives each answer, the correct one and the explanation');
SELECT results_eq($$SELECT progress, level, completed_at IS NOT NULL FROM learning_progress
                    WHERE skill_id = 'skill-database-design'$$,
                  $$VALUES (100::float8, 1, true)$$,
                  'a pass records the skill as completed at the certified level (Progress tab)');
SELECT is((SELECT count(*)::int FROM generate_recommendations(cca_auth.uid(), 50) WHERE id = 'skill-database-design'), 0,
          '... so recommendations no longer suggest it');
SELECT is(left(pg_temp.err($$SELECT assessment_start('assess-sql-practice')$$), 5), 'CC003',
          'a passed assessment cannot be started again');
SELECT is((SELECT x->>'status' FROM jsonb_array_elements(assessment_list()->'assessments') x
           WHERE x->>'id' = 'assess-sql-practice'), 'passed', 'the list shows it passed');

-- never: the certification shows the score and never the answers; skill level goes up
CREATE TEMP TABLE cert AS SELECT assessment_start('assess-data-analysis-cert')->>'attempt_id' AS id;
SELECT lives_ok($$SELECT submit_assessment((SELECT id FROM cert), '{"q1": 1, "q2": 1, "q3": 0, "q4": 1}')$$,
                'alice submits the certification');
RESET ROLE;
SELECT pg_temp.settle((SELECT id FROM cert));
SET LOCAL ROLE cca_u_alice;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'passed')::boolean, (r->>'review_available')::boolean,
                           r->'review', r->>'review_note'
                    FROM assessment_result((SELECT id FROM cert)) r$$,
                  $$VALUES (100::float8, true, false, 'null'::jsonb, 'this assessment does not show its answers')$$,
                  'never: score and pass, no review even after passing');
SELECT results_eq($$SELECT progress, level FROM learning_progress WHERE skill_id = 'skill-data-analysis'$$,
                  $$VALUES (100::float8, 2)$$,
                  'the pass raises her data analysis progress (60 -> 100) and level (1 -> 2)');
SELECT is((SELECT completed_skills FROM get_user_learning_analytics(cca_auth.uid())), 3,
          '... and her analytics count it as a completed skill');
RESET ROLE;

-- after_close, attempts, and the canary ----------------------------------------------------------
SET LOCAL ROLE cca_u_heidi;
SELECT pg_temp.keep('can1', assessment_start('t-canary')->>'attempt_id');
SELECT lives_ok($$SELECT save_answer(pg_temp.id('can1'), 'c1', 0)$$, 'heidi answers the canary');
SELECT is(pg_temp.tables_showing_marker(), '{}'::text[],
          'open attempt: no table or view a learner can read shows key material');
SELECT results_eq($$SELECT leaks, answered > 10 FROM pg_temp.functions_showing_marker(pg_temp.id('can1'))$$,
                  $$VALUES ('{}'::text[], true)$$,
                  'open attempt: no function a learner can call shows key material');
SELECT lives_ok($$SELECT submit_assessment(pg_temp.id('can1'))$$, 'heidi submits');
SELECT is(pg_temp.tables_showing_marker(), '{}'::text[], 'submitted, not committed: no table shows it');
SELECT is((SELECT leaks FROM pg_temp.functions_showing_marker(pg_temp.id('can1'))), '{}'::text[],
          '... no function shows it');
RESET ROLE;
SELECT pg_temp.settle(pg_temp.id('can1'));
SET LOCAL ROLE cca_u_heidi;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'review_available')::boolean, r->'review',
                           r->>'review_note', (r->>'attempts_left')::int
                    FROM assessment_result(pg_temp.id('can1')) r$$,
                  $$VALUES (0::float8, false, 'null'::jsonb,
                            'answers are shown once you pass or have used all 2 attempts', 1)$$,
                  'after_close: a failed attempt with one left shows the score, not the answers');
SELECT is((SELECT leaks FROM pg_temp.functions_showing_marker(pg_temp.id('can1'))), '{}'::text[],
          'scored, policy not met: no function shows key material');
SELECT is(pg_temp.tables_showing_marker(), '{}'::text[], '... nor any table or view');
SELECT pg_temp.keep('can2', assessment_start('t-canary')->>'attempt_id');
SELECT is((SELECT (d->>'attempt_no')::int FROM assessment_state(pg_temp.id('can2')) d), 2, 'a second attempt');
SELECT is((SELECT r->>'review_note' FROM assessment_result(pg_temp.id('can1')) r),
          'answers are not shown while an attempt is in progress', 'never during an attempt');
SELECT lives_ok($$SELECT submit_assessment(pg_temp.id('can2'), '{"c1": 2}')$$, 'heidi submits attempt 2');
SELECT is((SELECT r->'review' FROM assessment_result(pg_temp.id('can1')) r), 'null'::jsonb,
          'all attempts used but the last one not committed: still no review (a rollback would reopen it)');
SELECT is(left(pg_temp.err($$SELECT assessment_start('t-canary')$$), 5), '55000',
          'no third start while the second is uncommitted');
RESET ROLE;
SELECT pg_temp.settle(pg_temp.id('can2'));
SET LOCAL ROLE cca_u_heidi;
SELECT is(pg_temp.err($$SELECT assessment_start('t-canary')$$),
          'CC003: assessment t-canary is already completed: all 2 attempt(s) used',
          'starting more attempts than allowed is refused');
SELECT results_eq($$SELECT (r->>'review_available')::boolean, jsonb_array_length(r->'review'),
                           r->'review'->0->>'explanation', (r->'review'->0->>'answer')::int
                    FROM assessment_result(pg_temp.id('can1')) r$$,
                  $$VALUES (true, 2, 'KEYMARK-c1', 0)$$,
                  'after_close: every attempt used, past attempts become reviewable');
SELECT is((SELECT (r->>'best_score')::float8 FROM assessment_result(pg_temp.id('can2')) r), 50::float8,
          'the result gives the best score');
SELECT is((SELECT array_agg(x ORDER BY x) FROM pg_temp.functions_showing_marker(pg_temp.id('can1')) f,
                  unnest(f.leaks) x),
          ARRAY['assessment_result(text)', 'cca_auth.assessment_result_as(text,text)'],
          'control: the probe sees the review once the policy allows it, and only there');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT is(pg_temp.tables_showing_marker(), ARRAY['assessment_keys'],
          'control: the table scan finds the marker where it is (the trainer''s own keys)');
RESET ROLE;
SELECT is((SELECT score FROM assessment_results WHERE assessment_id = 't-canary'), 50::float8,
          'assessment_results keeps the best attempt (one row per person, as the spec)');

-- functions that can reach the keys --------------------------------------------------------------
-- Every function whose body reads assessment_keys, directly or through other CCA functions
-- (by name), that a learner may execute: each is covered above. A new one fails this test.
WITH RECURSIVE readers(oid, name) AS (
    SELECT p.oid, p.proname::text FROM pg_proc p
    WHERE pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prosrc ~* '\massessment_keys\M'
    UNION
    SELECT p.oid, p.proname::text FROM pg_proc p JOIN readers r ON p.prosrc ~ ('\m' || r.name || '\M')
    WHERE pg_get_userbyid(p.proowner) = 'cca_owner')
SELECT is((SELECT array_agg(DISTINCT oid::regprocedure::text ORDER BY oid::regprocedure::text) FROM readers
           WHERE has_function_privilege('cca_learner', oid, 'EXECUTE')
             AND (SELECT prorettype FROM pg_proc WHERE pg_proc.oid = readers.oid) <> 'trigger'::regtype),
          ARRAY['assessment_list()', 'assessment_result(text)', 'assessment_start(text)',
                'assessment_state(text)', 'assessment_sweep()',
                'cca_auth.assessment_list_as(text)', 'cca_auth.assessment_result_as(text,text)',
                'cca_auth.assessment_start_as(text,text)', 'cca_auth.assessment_state_as(text,text)',
                'cca_auth.assessment_sweep_as(text)', 'cca_auth.start_assessment_as(text,text)',
                'start_assessment(text)'],
          'the learner-callable functions that can reach the keys are exactly the audited ones');
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
           WHERE p.prosrc ~ '\massessment_review\M' AND p.proname <> 'assessment_review'),
          ARRAY['cca_auth.assessment_result_as(text,text)'],
          'only assessment_result builds a review (after its policy check)');
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
           WHERE pg_get_userbyid(p.proowner) = 'cca_owner'
             AND p.proname IN ('assessment_score', 'assessment_review', 'assessment_score_pending',
                               'assessment_expire', 'assessment_key_size', 'assessment_state_doc')
             AND (has_function_privilege('cca_learner', p.oid, 'EXECUTE')
                  OR has_function_privilege('cca_admin', p.oid, 'EXECUTE'))), NULL,
          'the internal scoring and review helpers are not callable by any group');

-- the deadline, the suspended client and the sweep --------------------------------------------------
SET LOCAL ROLE cca_u_bob;
SELECT pg_temp.keep('bob', assessment_start('assess-sql-practice')->>'attempt_id');
SELECT lives_ok($$SELECT save_answer(pg_temp.id('bob'), 'q1', 1), save_answer(pg_temp.id('bob'), 'q2', 1)$$,
                'bob answers two questions');
RESET ROLE;
-- the laptop was suspended for 17 minutes
UPDATE assessment_attempts SET started_at = now() - interval '17 minutes',
                               deadline = now() - interval '2 minutes'
WHERE id = pg_temp.id('bob');
SET LOCAL ROLE cca_u_bob;
SELECT is(left(pg_temp.err($$SELECT save_answer(pg_temp.id('bob'), 'q3', 0)$$), 5), 'CC002',
          'suspended past the deadline: a late answer is refused whatever the client thinks');
SELECT is(left(pg_temp.err($$SELECT submit_assessment(pg_temp.id('bob'), '{"q3": 0}')$$), 5), 'CC002',
          '... and so is a late submission');
SELECT is((SELECT count(*)::int FROM assessment_attempts WHERE id = pg_temp.id('bob') AND status = 'open'), 1,
          'the attempt is still open in the table until something touches it');
SELECT is((SELECT (assessment_sweep()->>'closed')::int), 1, 'bob''s sweep closes his own expired attempt');
SELECT results_eq($$SELECT d->>'status', (d->>'seconds_left')::numeric, (d->>'answered_count')::int
                    FROM assessment_state(pg_temp.id('bob')) d$$,
                  $$VALUES ('expired', 0::numeric, 2)$$,
                  '... submitted with the answers saved before the deadline');
RESET ROLE;
SELECT pg_temp.settle(pg_temp.id('bob'));
SET LOCAL ROLE cca_u_bob;
SELECT results_eq($$SELECT (r->>'score')::float8, r->>'closed_by', (r->>'time_used_seconds')::int,
                           (r->>'attempts_left')::int
                    FROM assessment_result(pg_temp.id('bob')) r$$,
                  $$VALUES (40::float8, 'timeout', 900, 2)$$,
                  'scored on the saved answers (2 of 5), time used is the limit, two attempts left');
RESET ROLE;
-- somebody else's attempt is swept by an admin, not by another learner
SET LOCAL ROLE cca_u_ivan;
SELECT pg_temp.keep('ivan', assessment_start('assess-agile-scrum')->>'attempt_id');
RESET ROLE;
UPDATE assessment_attempts SET deadline = clock_timestamp() - interval '1 minute'
WHERE id = pg_temp.id('ivan');
SET LOCAL ROLE cca_u_heidi;
SELECT is((SELECT (assessment_sweep()->>'closed')::int), 0, 'a learner''s sweep leaves others'' attempts alone');
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
SELECT ok((SELECT (assessment_sweep()->>'closed')::int) >= 1, 'an admin''s sweep closes everybody''s expired attempts');
RESET ROLE;
SELECT results_eq($$SELECT status, closed_by, score FROM assessment_attempts WHERE id = pg_temp.id('ivan')$$,
                  $$VALUES ('expired', 'timeout', NULL::float8)$$,
                  '... closed now, scored by a later transaction');
SELECT ok((SELECT (assessment_sweep()->>'closed')::int) >= 0, 'the superuser (cron) may sweep too');
SET LOCAL ROLE cca_u_heidi;
SELECT is(pg_temp.err($$SELECT assessment_list()$$), 'ok', 'the list still works after all that');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

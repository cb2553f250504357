-- 009_assessment_attempts: timed assessments taken from the terminal (issue "Assessments",
-- database half) and two hardening fixes.
--
-- * Per-assessment settings: max_attempts, review_policy, layout, the skill a pass certifies,
--   an optional opening window.
-- * Every choice is saved on the server as it is made (assessment_answers); an attempt
--   survives a crash or a second terminal; the server closes attempts whose time is up.
-- * Fix 1 (keys leaking through a rolled-back submit): submitting no longer scores. An attempt
--   is scored only by a LATER transaction than the one that closed it, after that one has
--   committed (assessment_attempts.submit_xid, pg_xact_status). Whatever a client does with
--   savepoints, an outer ROLLBACK or an error raised afterwards, no score, result row,
--   progress change or review exists inside the transaction that closed the attempt, so
--   nothing about the key can be observed and then undone.
-- * Fix 2 (bad answers were scored): an answer must be a whole-number index of one of the
--   question's options, or null; an unknown question id is refused. SQLSTATE 22023, the
--   message names the question.
--
-- The client API is one function per screen read returning one jsonb document, and one
-- function per write; each is documented at its definition and in tests/db/README.md
-- "Assessments API". Errors: 42501 not a CCA user, P0002 no such assessment/attempt (or not
-- yours), 22023 bad input, CC002 time is up, CC003 already submitted / no attempts left /
-- already passed, 55000 not open / previous submission not committed yet.
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Settings (trainers set them on their own assessments, admins on any: existing policies)
-- ---------------------------------------------------------------------------------------
ALTER TABLE assessments
    -- attempts a person may make; passing ends the assessment for them
    ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1
        CHECK (max_attempts >= 1 AND max_attempts <= 100),
    -- when a person may see the correct answers and explanations of their submitted attempts:
    -- never; after_submit (each scored attempt); after_close (once they passed, used every
    -- attempt, or the assessment closed). Never while one of their attempts is open.
    ADD COLUMN review_policy TEXT NOT NULL DEFAULT 'after_close'
        CHECK (review_policy IN ('never', 'after_submit', 'after_close')),
    ADD COLUMN layout TEXT NOT NULL DEFAULT 'one_per_page'
        CHECK (layout IN ('one_per_page', 'all_on_one')),
    -- the skill a pass certifies, and at which level (NULL: the skill's own level)
    ADD COLUMN skill_id TEXT REFERENCES skills(id) ON DELETE SET NULL,
    ADD COLUMN skill_level INTEGER CHECK (skill_level >= 1 AND skill_level <= 5),
    -- optional window; an open attempt's deadline never passes closes_at
    ADD COLUMN opens_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN closes_at TIMESTAMP WITH TIME ZONE,
    ADD CONSTRAINT assessments_window
        CHECK (opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at);
CREATE INDEX idx_assessments_skill ON assessments (skill_id);

-- Explanations are part of the key: they give the answer away.
ALTER TABLE assessment_keys ADD COLUMN explanation TEXT;

ALTER TABLE assessment_attempts
    ADD COLUMN attempt_no INTEGER CHECK (attempt_no >= 1),
    -- who closed it: the learner (submit) or the server at the deadline ('timeout')
    ADD COLUMN closed_by TEXT CHECK (closed_by IN ('learner', 'timeout')),
    -- the top-level transaction that closed it; NULL for attempts closed before 009
    ADD COLUMN submit_xid XID8,
    -- the score, set by a later transaction once the closing one has committed
    ADD COLUMN score FLOAT CHECK (score >= 0 AND score <= 100),
    ADD COLUMN correct_count INTEGER CHECK (correct_count >= 0),
    ADD COLUMN question_count INTEGER CHECK (question_count >= 0),
    ADD COLUMN passed BOOLEAN,
    ADD COLUMN time_taken INTEGER CHECK (time_taken >= 0), -- seconds
    ADD COLUMN scored_at TIMESTAMP WITH TIME ZONE;
-- status keeps 007's values: 'open'; 'submitted' (by the learner); 'expired' (closed by the
-- server at its deadline with the answers saved until then, and scored like a submission).
CREATE UNIQUE INDEX assessment_attempts_number
    ON assessment_attempts (user_id, assessment_id, attempt_no);
CREATE INDEX idx_assessment_attempts_due ON assessment_attempts (deadline)
    WHERE status = 'open';
CREATE INDEX idx_assessment_attempts_unscored ON assessment_attempts (user_id)
    WHERE status <> 'open' AND scored_at IS NULL;

-- One row per question answered or flagged in an attempt; last write wins.
CREATE TABLE assessment_answers (
    attempt_id TEXT NOT NULL REFERENCES assessment_attempts(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    choice INTEGER CHECK (choice >= 0), -- NULL: not answered (cleared, or only flagged)
    flagged BOOLEAN NOT NULL DEFAULT false,
    saved_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (attempt_id, question_id)
);

-- Attempts are numbered per person and assessment (seed and legacy rows too).
CREATE FUNCTION assessment_attempts_number() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.attempt_no IS NULL THEN
        SELECT coalesce(max(t.attempt_no), 0) + 1 INTO NEW.attempt_no
        FROM assessment_attempts t
        WHERE t.user_id = NEW.user_id AND t.assessment_id = NEW.assessment_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assessment_attempts_number_trigger BEFORE INSERT ON assessment_attempts
    FOR EACH ROW EXECUTE FUNCTION assessment_attempts_number();

-- 007's trigger, now also moving "explanation" into assessment_keys. A question written with
-- "correct" (re)sets its key; "explanation" (a string or null) sets the explanation, and a
-- question sent without it keeps the stored one. An explanation needs a key.
CREATE OR REPLACE FUNCTION assessments_extract_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q jsonb;
    n integer := 0;
    qid text;
    ids text[] := '{}';
    bad boolean;
    has_expl boolean;
    public_questions jsonb := '[]'::jsonb;
BEGIN
    IF NEW.questions IS NULL THEN
        DELETE FROM assessment_keys WHERE assessment_id = NEW.id;
        RETURN NEW;
    END IF;
    IF jsonb_typeof(NEW.questions) <> 'array' THEN
        RAISE EXCEPTION 'assessments.questions must be a JSON array' USING ERRCODE = '22023';
    END IF;
    FOR q IN SELECT value FROM jsonb_array_elements(NEW.questions) LOOP
        n := n + 1;
        IF jsonb_typeof(q) <> 'object' THEN
            RAISE EXCEPTION 'question % is not a JSON object', n USING ERRCODE = '22023';
        END IF;
        qid := coalesce(q->>'id', 'q' || n);
        IF qid = ANY (ids) THEN
            RAISE EXCEPTION 'question id % appears twice', qid USING ERRCODE = '22023';
        END IF;
        ids := ids || qid;
        IF q ? 'options' AND jsonb_typeof(q->'options') <> 'array' THEN
            RAISE EXCEPTION 'question %: "options" must be an array', qid USING ERRCODE = '22023';
        END IF;
        has_expl := q ? 'explanation';
        IF has_expl AND jsonb_typeof(q->'explanation') NOT IN ('string', 'null') THEN
            RAISE EXCEPTION 'question %: "explanation" must be text', qid USING ERRCODE = '22023';
        END IF;
        IF q ? 'correct' THEN
            bad := jsonb_typeof(q->'correct') <> 'number' OR (q->>'correct') !~ '^[0-9]{1,6}$';
            IF NOT bad AND jsonb_typeof(q->'options') = 'array' THEN
                bad := (q->>'correct')::integer >= jsonb_array_length(q->'options');
            END IF;
            IF bad THEN
                RAISE EXCEPTION 'question %: "correct" must be the index of one of its options',
                    qid USING ERRCODE = '22023';
            END IF;
            INSERT INTO assessment_keys AS k (assessment_id, question_id, correct, explanation)
            VALUES (NEW.id, qid, (q->>'correct')::integer, q->>'explanation')
            ON CONFLICT (assessment_id, question_id) DO UPDATE
                SET correct = EXCLUDED.correct,
                    explanation = CASE WHEN has_expl THEN EXCLUDED.explanation
                                       ELSE k.explanation END;
        ELSIF has_expl THEN
            UPDATE assessment_keys k SET explanation = q->>'explanation'
            WHERE k.assessment_id = NEW.id AND k.question_id = qid;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'question %: an explanation needs a "correct" answer', qid
                    USING ERRCODE = '22023';
            END IF;
        END IF;
        public_questions := public_questions
            || jsonb_build_array((q - 'correct' - 'explanation') || jsonb_build_object('id', qid));
    END LOOP;
    DELETE FROM assessment_keys WHERE assessment_id = NEW.id AND NOT (question_id = ANY (ids));
    NEW.questions := public_questions;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Internal helpers (owner only: no grant; called from the definer bodies below)
-- ---------------------------------------------------------------------------------------

-- The caller's users row, or 42501.
CREATE FUNCTION cca_auth.assessment_caller(role_name text) RETURNS users
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users;
BEGIN
    SELECT u.* INTO me FROM users u
    WHERE u.id = (SELECT i.id FROM cca_auth.identity(role_name) i);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database role is not linked to a CCA user' USING ERRCODE = '42501';
    END IF;
    RETURN me;
END
$$;

-- True when the transaction that closed an attempt has committed and is not the current one
-- (NULL: closed before migration 009). A row closed by another transaction is only visible
-- once that transaction committed (MVCC); the one case left is the caller's own transaction,
-- subtransactions included: pg_current_xact_id() is the top-level id.
CREATE FUNCTION cca_auth.assessment_close_committed(x xid8) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT x IS NULL
        OR (x IS DISTINCT FROM pg_current_xact_id_if_assigned()
            AND coalesce(pg_xact_status(x), 'committed') = 'committed')
$$;

-- Closes the open attempts whose deadline plus grace has passed (of one person and/or one
-- assessment, NULL: all), with the answers saved so far. submitted_at is the deadline.
CREATE FUNCTION cca_auth.assessment_expire(p_user_id text, p_assessment_id text,
                                           now_ts timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    WITH closed AS (
        UPDATE assessment_attempts t
        SET status = 'expired', closed_by = 'timeout', submitted_at = t.deadline,
            submit_xid = pg_current_xact_id()
        WHERE t.status = 'open' AND t.deadline IS NOT NULL
          AND now_ts > t.deadline + cca_assessment_grace()
          AND (p_user_id IS NULL OR t.user_id = p_user_id)
          AND (p_assessment_id IS NULL OR t.assessment_id = p_assessment_id)
        RETURNING t.id, t.user_id, t.assessment_id),
    logged AS (
        INSERT INTO analytics_events (event_type, user_id, metadata)
        SELECT 'assessment_timed_out', c.user_id,
               jsonb_build_object('assessment_id', c.assessment_id, 'attempt_id', c.id)
        FROM closed c
        RETURNING 1)
    SELECT count(*)::integer INTO n FROM logged;
    RETURN n;
END
$$;

-- Scores one closed attempt if its closing transaction has committed and it is not scored
-- yet: stores the score on the attempt, keeps the person's best result in
-- assessment_results (one row per person and assessment, as the spec), and on a pass marks
-- the assessment's skill completed at the certified level in learning_progress. Returns
-- whether it scored now. Reads the keys.
CREATE FUNCTION cca_auth.assessment_score(p_attempt_id text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    att assessment_attempts;
    a assessments;
    n_total integer;
    n_right integer;
    kept jsonb;
    v_score float8;
    v_passed boolean;
    v_time integer;
    v_result text;
    award integer;
BEGIN
    SELECT t.* INTO att FROM assessment_attempts t WHERE t.id = p_attempt_id FOR UPDATE;
    IF NOT FOUND OR att.status = 'open' OR att.scored_at IS NOT NULL
       OR NOT cca_auth.assessment_close_committed(att.submit_xid) THEN
        RETURN false;
    END IF;
    SELECT x.* INTO a FROM assessments x WHERE x.id = att.assessment_id;
    SELECT count(*)::integer, (count(*) FILTER (WHERE s.choice = k.correct))::integer
    INTO n_total, n_right
    FROM assessment_keys k
    LEFT JOIN assessment_answers s ON s.attempt_id = att.id AND s.question_id = k.question_id
    WHERE k.assessment_id = a.id;
    SELECT coalesce(jsonb_object_agg(s.question_id, s.choice), '{}'::jsonb) INTO kept
    FROM assessment_answers s WHERE s.attempt_id = att.id AND s.choice IS NOT NULL;
    v_score := CASE WHEN n_total > 0 THEN round(100.0 * n_right / n_total, 2) ELSE 0 END;
    v_passed := n_total > 0 AND v_score >= coalesce(a.passing_score, 70);
    v_time := greatest(0, floor(extract(epoch FROM
                  least(att.submitted_at, coalesce(att.deadline, att.submitted_at))
                  - att.started_at)))::integer;

    INSERT INTO assessment_results AS r (user_id, assessment_id, score, answers, completed_at,
                                         time_taken)
    VALUES (att.user_id, a.id, v_score, kept, att.submitted_at, v_time)
    ON CONFLICT ON CONSTRAINT unique_user_assessment DO UPDATE
        SET score = EXCLUDED.score, answers = EXCLUDED.answers,
            completed_at = EXCLUDED.completed_at, time_taken = EXCLUDED.time_taken
        WHERE EXCLUDED.score > r.score
    RETURNING r.id INTO v_result;
    IF v_result IS NULL THEN
        SELECT r.id INTO v_result FROM assessment_results r
        WHERE r.user_id = att.user_id AND r.assessment_id = a.id;
    END IF;
    UPDATE assessment_attempts t
    SET score = v_score, correct_count = n_right, question_count = n_total, passed = v_passed,
        time_taken = v_time, scored_at = clock_timestamp(), result_id = v_result
    WHERE t.id = att.id;

    IF v_passed AND a.skill_id IS NOT NULL THEN
        award := coalesce(a.skill_level, (SELECT s.level FROM skills s WHERE s.id = a.skill_id), 1);
        UPDATE learning_progress lp
        SET progress = 100, level = greatest(coalesce(lp.level, 1), award)
        WHERE lp.user_id = att.user_id AND lp.skill_id = a.skill_id
          AND (coalesce(lp.progress, 0) < 100 OR coalesce(lp.level, 1) < award);
        INSERT INTO learning_progress (user_id, skill_id, level, progress)
        VALUES (att.user_id, a.skill_id, award, 100)
        ON CONFLICT (user_id, skill_id) WHERE skill_id IS NOT NULL DO NOTHING;
    END IF;
    INSERT INTO analytics_events (event_type, user_id, metadata)
    VALUES ('assessment_scored', att.user_id,
            jsonb_build_object('assessment_id', a.id, 'attempt_id', att.id, 'score', v_score,
                               'passed', v_passed));
    RETURN true;
END
$$;

-- Scores every closed, unscored attempt (of one person and/or assessment; NULL: all) whose
-- closing transaction has committed.
CREATE FUNCTION cca_auth.assessment_score_pending(p_user_id text, p_assessment_id text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    FOR r IN SELECT t.id FROM assessment_attempts t
             WHERE t.status <> 'open' AND t.scored_at IS NULL
               AND (p_user_id IS NULL OR t.user_id = p_user_id)
               AND (p_assessment_id IS NULL OR t.assessment_id = p_assessment_id)
             ORDER BY t.started_at, t.id LOOP
        IF cca_auth.assessment_score(r.id) THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

-- One person's standing on one assessment. unsettled: attempts open, or closed by a
-- transaction that is not committed (the caller's own).
CREATE FUNCTION cca_auth.assessment_standing(p_user_id text, p_assessment_id text)
RETURNS TABLE (attempts_used integer, open_attempt_id text, best_score float8,
               passed boolean, unsettled integer, unscored integer)
LANGUAGE sql SECURITY DEFINER ROWS 1 SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT count(*)::integer,
           max(t.id) FILTER (WHERE t.status = 'open'),
           max(t.score)::float8,
           coalesce(bool_or(t.passed), false),
           (count(*) FILTER (WHERE t.status = 'open'
                             OR NOT cca_auth.assessment_close_committed(t.submit_xid)))::integer,
           (count(*) FILTER (WHERE t.status <> 'open' AND t.scored_at IS NULL))::integer
    FROM assessment_attempts t
    WHERE t.user_id = p_user_id AND t.assessment_id = p_assessment_id
$$;

-- How many questions of an assessment have a key (only the number).
CREATE FUNCTION cca_auth.assessment_key_size(p_assessment_id text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT count(*)::integer FROM assessment_keys k WHERE k.assessment_id = p_assessment_id $$;

-- Seconds from now_ts to a deadline, never below 0 (NULL: no deadline), millisecond precision.
CREATE FUNCTION cca_auth.assessment_seconds_left(deadline timestamptz, now_ts timestamptz)
RETURNS numeric
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT greatest(0, round(extract(epoch FROM deadline - now_ts), 3)) $$;

-- The attempt-state document (see assessment_state). No key, no explanation, no score.
CREATE FUNCTION cca_auth.assessment_state_doc(p_attempt_id text, now_ts timestamptz)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'attempt_id', t.id, 'assessment_id', a.id, 'title', a.title,
        'description', a.description, 'attempt_no', t.attempt_no,
        'max_attempts', a.max_attempts, 'status', t.status,
        'started_at', t.started_at, 'deadline', t.deadline, 'server_now', now_ts,
        'seconds_left', CASE WHEN t.status <> 'open' THEN 0
                             ELSE cca_auth.assessment_seconds_left(t.deadline, now_ts) END,
        'grace_seconds', extract(epoch FROM cca_assessment_grace())::integer,
        'time_limit_minutes', a.time_limit, 'pass_mark', a.passing_score,
        'layout', a.layout, 'review_policy', a.review_policy,
        'question_count', coalesce(jsonb_array_length(a.questions), 0),
        'answered_count', (SELECT count(*) FROM assessment_answers s
                           WHERE s.attempt_id = t.id AND s.choice IS NOT NULL),
        'flagged_count', (SELECT count(*) FROM assessment_answers s
                          WHERE s.attempt_id = t.id AND s.flagged),
        'questions', coalesce((
            SELECT jsonb_agg((q.value - 'correct' - 'explanation')
                             || jsonb_build_object('answer', s.choice,
                                                   'flagged', coalesce(s.flagged, false))
                             ORDER BY q.ord)
            FROM jsonb_array_elements(a.questions) WITH ORDINALITY AS q(value, ord)
            LEFT JOIN assessment_answers s
                   ON s.attempt_id = t.id AND s.question_id = q.value->>'id'), '[]'::jsonb),
        'result_ready', t.scored_at IS NOT NULL)
    FROM assessment_attempts t
    JOIN assessments a ON a.id = t.assessment_id
    WHERE t.id = p_attempt_id
$$;

-- Checks one answer against the public questions and returns it as an integer (NULL: no
-- answer). An answer is a JSON whole number 0..options-1 or null; anything else is 22023 and
-- the message names the question.
CREATE FUNCTION cca_auth.assessment_check_answer(questions jsonb, question_id text, answer jsonb)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q jsonb;
    n_options integer;
BEGIN
    SELECT x.value INTO q FROM jsonb_array_elements(coalesce(questions, '[]')) x
    WHERE x.value->>'id' = question_id;
    IF q IS NULL THEN
        RAISE EXCEPTION 'question % is not part of this assessment', coalesce(question_id, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF answer IS NULL OR jsonb_typeof(answer) = 'null' THEN
        RETURN NULL;
    END IF;
    n_options := CASE WHEN jsonb_typeof(q->'options') = 'array'
                      THEN jsonb_array_length(q->'options') ELSE 0 END;
    IF jsonb_typeof(answer) <> 'number' OR answer::text !~ '^(0|[1-9][0-9]{0,8})$'
       OR answer::text::bigint >= n_options THEN
        RAISE EXCEPTION 'question %: % is not an option index (a whole number from 0 to %)',
            question_id, left(answer::text, 40), n_options - 1
            USING ERRCODE = '22023';
    END IF;
    RETURN answer::text::integer;
END
$$;

-- Saves an answer and/or a flag on one question of an open attempt of the caller, within the
-- deadline plus grace. Refusals: P0002, CC003 (closed), CC002 (time is up), 22023 (answer).
CREATE FUNCTION cca_auth.assessment_put(me_id text, p_attempt_id text, p_question_id text,
                                        set_answer boolean, answer jsonb,
                                        set_flag boolean, flag boolean, now_ts timestamptz)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    att assessment_attempts;
    v_choice integer;
BEGIN
    -- FOR SHARE: saves run side by side; a submit (FOR UPDATE) waits for them and a save
    -- arriving after a committed submit sees it closed.
    SELECT t.* INTO att FROM assessment_attempts t WHERE t.id = p_attempt_id FOR SHARE;
    IF NOT FOUND OR att.user_id <> me_id THEN
        RAISE EXCEPTION 'no attempt %', p_attempt_id USING ERRCODE = 'P0002';
    END IF;
    IF att.status = 'expired' THEN
        RAISE EXCEPTION 'time is up: attempt % was submitted at its deadline', p_attempt_id
            USING ERRCODE = 'CC002';
    ELSIF att.status <> 'open' THEN
        RAISE EXCEPTION 'attempt % was already submitted', p_attempt_id USING ERRCODE = 'CC003';
    END IF;
    IF att.deadline IS NOT NULL AND now_ts > att.deadline + cca_assessment_grace() THEN
        RAISE EXCEPTION 'time is up: the attempt ended at % (plus % grace)',
            att.deadline, cca_assessment_grace() USING ERRCODE = 'CC002';
    END IF;
    v_choice := cca_auth.assessment_check_answer(
        (SELECT a.questions FROM assessments a WHERE a.id = att.assessment_id),
        p_question_id, answer);
    INSERT INTO assessment_answers AS s (attempt_id, question_id, choice, flagged, saved_at)
    VALUES (att.id, p_question_id, CASE WHEN set_answer THEN v_choice END,
            set_flag AND coalesce(flag, false), now_ts)
    ON CONFLICT (attempt_id, question_id) DO UPDATE
        SET choice = CASE WHEN set_answer THEN EXCLUDED.choice ELSE s.choice END,
            flagged = CASE WHEN set_flag THEN EXCLUDED.flagged ELSE s.flagged END,
            saved_at = EXCLUDED.saved_at;
END
$$;

-- The review of one attempt: each question with the learner's answer, the correct one and
-- the explanation. Reads the keys; only assessment_result calls it, after its policy check.
CREATE FUNCTION cca_auth.assessment_review(p_attempt_id text) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', q.value->>'id', 'question', q.value->'question',
               'options', q.value->'options', 'answer', s.choice,
               'correct_answer', k.correct,
               'is_correct', s.choice IS NOT NULL AND s.choice = k.correct,
               'explanation', k.explanation, 'flagged', coalesce(s.flagged, false))
           ORDER BY q.ord), '[]'::jsonb)
    FROM assessment_attempts t
    JOIN assessments a ON a.id = t.assessment_id
    CROSS JOIN LATERAL jsonb_array_elements(a.questions) WITH ORDINALITY AS q(value, ord)
    LEFT JOIN assessment_keys k ON k.assessment_id = a.id AND k.question_id = q.value->>'id'
    LEFT JOIN assessment_answers s ON s.attempt_id = t.id AND s.question_id = q.value->>'id'
    WHERE t.id = p_attempt_id
$$;

-- ---------------------------------------------------------------------------------------
-- The API. Each public function is SECURITY INVOKER and passes current_user to a definer
-- body in cca_auth (the identity check applies, see 004). Times are the server's
-- clock_timestamp(); timestamps are ISO 8601 strings with offset.
-- ---------------------------------------------------------------------------------------

-- assessment_list() -> jsonb. Closes the caller's attempts whose time is up and scores the
-- committed ones first. Lists every assessment open now (opens_at/closes_at) or already
-- attempted by the caller, by title:
-- {"server_now": ts,
--  "assessments": [{"id", "title", "description", "difficulty",
--     "skill": {"id", "name", "level"} | null, "question_count", "time_limit_minutes" (null:
--     none), "pass_mark", "max_attempts", "attempts_used", "attempts_left", "best_score"
--     (null: none scored), "passed", "review_policy", "layout", "opens_at", "closes_at",
--     "status": "available" | "in_progress" | "result_pending" | "passed" |
--               "no_attempts_left" | "closed",
--     "open_attempt": {"attempt_id", "deadline", "seconds_left"} | null,
--     "attempts": [{"attempt_id", "attempt_no", "status", "started_at", "submitted_at",
--                   "result_ready", "score", "passed"}]}]}
-- (score/passed of an attempt are null until its result is ready.)
CREATE FUNCTION cca_auth.assessment_list_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
    doc jsonb;
BEGIN
    PERFORM cca_auth.assessment_expire(me.id, NULL, now_ts);
    PERFORM cca_auth.assessment_score_pending(me.id, NULL);
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', a.id, 'title', a.title, 'description', a.description,
               'difficulty', a.difficulty,
               'skill', CASE WHEN sk.id IS NOT NULL THEN jsonb_build_object(
                            'id', sk.id, 'name', sk.name,
                            'level', coalesce(a.skill_level, sk.level)) END,
               'question_count', coalesce(jsonb_array_length(a.questions), 0),
               'time_limit_minutes', a.time_limit, 'pass_mark', a.passing_score,
               'max_attempts', a.max_attempts, 'attempts_used', st.attempts_used,
               'attempts_left', CASE WHEN st.passed THEN 0
                                     ELSE greatest(a.max_attempts - st.attempts_used, 0) END,
               'best_score', st.best_score, 'passed', st.passed,
               'review_policy', a.review_policy, 'layout', a.layout,
               'opens_at', a.opens_at, 'closes_at', a.closes_at,
               'status', CASE WHEN st.open_attempt_id IS NOT NULL THEN 'in_progress'
                              WHEN st.unsettled > 0 OR st.unscored > 0 THEN 'result_pending'
                              WHEN st.passed THEN 'passed'
                              WHEN st.attempts_used >= a.max_attempts THEN 'no_attempts_left'
                              WHEN a.closes_at IS NOT NULL AND a.closes_at <= now_ts
                                  THEN 'closed'
                              ELSE 'available' END,
               'open_attempt', (SELECT jsonb_build_object(
                                    'attempt_id', o.id, 'deadline', o.deadline,
                                    'seconds_left',
                                    cca_auth.assessment_seconds_left(o.deadline, now_ts))
                                FROM assessment_attempts o WHERE o.id = st.open_attempt_id),
               'attempts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                       'attempt_id', t.id, 'attempt_no', t.attempt_no,
                                       'status', t.status, 'started_at', t.started_at,
                                       'submitted_at', t.submitted_at,
                                       'result_ready', t.scored_at IS NOT NULL,
                                       'score', t.score, 'passed', t.passed)
                                   ORDER BY t.attempt_no), '[]'::jsonb)
                            FROM assessment_attempts t
                            WHERE t.user_id = me.id AND t.assessment_id = a.id))
           ORDER BY a.title, a.id), '[]'::jsonb)
    INTO doc
    FROM assessments a
    LEFT JOIN skills sk ON sk.id = a.skill_id
    CROSS JOIN LATERAL cca_auth.assessment_standing(me.id, a.id) st
    WHERE st.attempts_used > 0
       OR ((a.opens_at IS NULL OR a.opens_at <= now_ts)
           AND (a.closes_at IS NULL OR a.closes_at > now_ts));
    RETURN jsonb_build_object('server_now', now_ts, 'assessments', doc);
END
$$;

CREATE FUNCTION assessment_list() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.assessment_list_as(current_user::text) $$;

-- assessment_start(assessment_id text) -> jsonb: the assessment_state document of the
-- caller's open attempt (resumed, same deadline and answers) or of a new one, plus
-- "resumed": bool. The deadline is the server's start + time_limit (never after closes_at);
-- the client counts down from "seconds_left" with its own monotonic clock.
-- Refusals: P0002 unknown assessment; 55000 not open yet / closed, or the previous
-- submission of this assessment is not committed yet (commit it first); CC003 already passed
-- or every attempt used; 22023 the assessment has no answer key.
CREATE FUNCTION cca_auth.assessment_start_as(role_name text, p_assessment_id text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
    a assessments;
    st record;
    att_id text;
    resumed boolean := true;
BEGIN
    SELECT x.* INTO a FROM assessments x WHERE x.id = p_assessment_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no assessment %', p_assessment_id USING ERRCODE = 'P0002';
    END IF;
    -- Two terminals starting at once get the same attempt.
    PERFORM pg_advisory_xact_lock(hashtext('cca_attempt'), hashtext(me.id || '/' || a.id));
    PERFORM cca_auth.assessment_expire(me.id, a.id, now_ts);
    PERFORM cca_auth.assessment_score_pending(me.id, a.id);
    SELECT * INTO st FROM cca_auth.assessment_standing(me.id, a.id);
    att_id := st.open_attempt_id;
    IF att_id IS NULL THEN
        resumed := false;
        IF st.unsettled > 0 THEN
            RAISE EXCEPTION 'the previous attempt at % is submitted but not committed: commit, then start again',
                a.id USING ERRCODE = '55000';
        END IF;
        IF st.passed THEN
            RAISE EXCEPTION 'assessment % is already completed: you passed it', a.id
                USING ERRCODE = 'CC003';
        END IF;
        IF st.attempts_used >= a.max_attempts THEN
            RAISE EXCEPTION 'assessment % is already completed: all % attempt(s) used',
                a.id, a.max_attempts USING ERRCODE = 'CC003';
        END IF;
        IF a.opens_at IS NOT NULL AND now_ts < a.opens_at THEN
            RAISE EXCEPTION 'assessment % opens at %', a.id, a.opens_at USING ERRCODE = '55000';
        END IF;
        IF a.closes_at IS NOT NULL AND now_ts >= a.closes_at THEN
            RAISE EXCEPTION 'assessment % closed at %', a.id, a.closes_at USING ERRCODE = '55000';
        END IF;
        IF cca_auth.assessment_key_size(a.id) = 0 THEN
            RAISE EXCEPTION 'assessment % has no answer key', a.id USING ERRCODE = '22023';
        END IF;
        INSERT INTO assessment_attempts AS t (user_id, assessment_id, started_at, deadline)
        VALUES (me.id, a.id, now_ts,
                CASE WHEN a.time_limit IS NOT NULL OR a.closes_at IS NOT NULL
                     THEN least(now_ts + a.time_limit * interval '1 minute', a.closes_at) END)
        RETURNING t.id INTO att_id;
        INSERT INTO analytics_events (event_type, user_id, metadata)
        VALUES ('assessment_started', me.id,
                jsonb_build_object('assessment_id', a.id, 'attempt_id', att_id));
    END IF;
    RETURN cca_auth.assessment_state_doc(att_id, now_ts) || jsonb_build_object('resumed', resumed);
END
$$;

CREATE FUNCTION assessment_start(assessment_id text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.assessment_start_as(current_user::text, $1) $$;

-- 007's start_assessment keeps its signature (table) on top of assessment_start.
CREATE OR REPLACE FUNCTION cca_auth.start_assessment_as(role_name text, p_assessment_id text)
RETURNS TABLE (attempt_id text, started_at timestamptz, deadline timestamptz, questions jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_id text := cca_auth.assessment_start_as(role_name, p_assessment_id)->>'attempt_id';
BEGIN
    RETURN QUERY SELECT t.id, t.started_at, t.deadline, coalesce(a.questions, '[]'::jsonb)
                 FROM assessment_attempts t JOIN assessments a ON a.id = t.assessment_id
                 WHERE t.id = v_id;
END
$$;

-- assessment_state(attempt_id text) -> jsonb: everything the attempt screen needs to draw or
-- resume, without keys. Closes the attempt first if its time is up.
-- {"attempt_id", "assessment_id", "title", "description", "attempt_no", "max_attempts",
--  "status": "open" | "submitted" | "expired", "started_at", "deadline" (null: no limit),
--  "server_now", "seconds_left" (null: no limit; 0 once closed or past the deadline),
--  "grace_seconds", "time_limit_minutes", "pass_mark", "layout", "review_policy",
--  "question_count", "answered_count", "flagged_count",
--  "questions": [{"id", "question", "type", "options": [text], "answer": int | null,
--                 "flagged": bool}],
--  "result_ready": bool}
CREATE FUNCTION cca_auth.assessment_state_as(role_name text, p_attempt_id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
    v_assessment text;
BEGIN
    SELECT t.assessment_id INTO v_assessment FROM assessment_attempts t
    WHERE t.id = p_attempt_id AND t.user_id = me.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no attempt %', p_attempt_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM cca_auth.assessment_expire(me.id, v_assessment, now_ts);
    PERFORM cca_auth.assessment_score_pending(me.id, v_assessment);
    RETURN cca_auth.assessment_state_doc(p_attempt_id, now_ts);
END
$$;

CREATE FUNCTION assessment_state(attempt_id text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.assessment_state_as(current_user::text, $1) $$;

-- save_answer(attempt_id text, question_id text, choice integer) -> jsonb: records the
-- choice (0-based option index; NULL clears it) the moment it is made. Last write wins.
-- flag_question(attempt_id text, question_id text, flagged boolean) -> jsonb: marks a
-- question for review (the learner's own reminder). Both return
-- {"attempt_id", "question_id", "answer": int | null, "flagged": bool, "saved_at",
--  "server_now", "deadline", "seconds_left", "answered_count", "question_count"}.
-- Refusals: P0002 not your attempt; CC003 already submitted; CC002 time is up (after
-- deadline + grace, whatever the client's clock says); 22023 unknown question or an index
-- out of range, naming the question.
CREATE FUNCTION cca_auth.assessment_put_doc(p_attempt_id text, p_question_id text,
                                            now_ts timestamptz) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'attempt_id', t.id, 'question_id', s.question_id, 'answer', s.choice,
        'flagged', s.flagged, 'saved_at', s.saved_at, 'server_now', now_ts,
        'deadline', t.deadline,
        'seconds_left', cca_auth.assessment_seconds_left(t.deadline, now_ts),
        'answered_count', (SELECT count(*) FROM assessment_answers x
                           WHERE x.attempt_id = t.id AND x.choice IS NOT NULL),
        'question_count', coalesce(jsonb_array_length(a.questions), 0))
    FROM assessment_attempts t
    JOIN assessments a ON a.id = t.assessment_id
    JOIN assessment_answers s ON s.attempt_id = t.id AND s.question_id = p_question_id
    WHERE t.id = p_attempt_id
$$;

CREATE FUNCTION cca_auth.save_answer_as(role_name text, p_attempt_id text, p_question_id text,
                                        p_choice integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
BEGIN
    PERFORM cca_auth.assessment_put(me.id, p_attempt_id, p_question_id, true, to_jsonb(p_choice),
                                    false, NULL, now_ts);
    RETURN cca_auth.assessment_put_doc(p_attempt_id, p_question_id, now_ts);
END
$$;

CREATE FUNCTION save_answer(attempt_id text, question_id text, choice integer) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.save_answer_as(current_user::text, $1, $2, $3) $$;

CREATE FUNCTION cca_auth.flag_question_as(role_name text, p_attempt_id text,
                                          p_question_id text, p_flagged boolean) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
BEGIN
    PERFORM cca_auth.assessment_put(me.id, p_attempt_id, p_question_id, false, NULL,
                                    true, p_flagged, now_ts);
    RETURN cca_auth.assessment_put_doc(p_attempt_id, p_question_id, now_ts);
END
$$;

CREATE FUNCTION flag_question(attempt_id text, question_id text, flagged boolean) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.flag_question_as(current_user::text, $1, $2, $3) $$;

-- submit_assessment(attempt_id text, answers jsonb DEFAULT NULL) -> jsonb: closes the
-- attempt with the saved answers. "answers" ({"question id": index | null}) are saved first,
-- all or nothing, with save_answer's checks. Returns NO score (fix 1):
-- {"attempt_id", "status": "submitted", "submitted_at", "answered_count", "question_count",
--  "result_ready": false}
-- The result is assessment_result(attempt_id), once this transaction has committed.
-- Refusals: P0002 not your attempt; CC003 already submitted; CC002 time is up; 22023 bad
-- answers (not an object, unknown question, not an option index).
DROP FUNCTION submit_assessment(text, jsonb);
DROP FUNCTION cca_auth.submit_assessment_as(text, text, jsonb);

CREATE FUNCTION cca_auth.submit_assessment_as(role_name text, p_attempt_id text, answers jsonb)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
    att assessment_attempts;
    qs jsonb;
    e record;
    v_choice integer;
BEGIN
    -- The row lock makes concurrent submissions (and saves) of one attempt take turns: the
    -- second submission sees it closed and is refused.
    SELECT t.* INTO att FROM assessment_attempts t WHERE t.id = p_attempt_id FOR UPDATE;
    IF NOT FOUND OR att.user_id <> me.id THEN
        RAISE EXCEPTION 'no attempt %', p_attempt_id USING ERRCODE = 'P0002';
    END IF;
    IF att.status = 'submitted' THEN
        RAISE EXCEPTION 'attempt % was already submitted', p_attempt_id USING ERRCODE = 'CC003';
    END IF;
    IF att.status = 'expired'
       OR (att.deadline IS NOT NULL AND now_ts > att.deadline + cca_assessment_grace()) THEN
        RAISE EXCEPTION 'time is up: the attempt ended at % (plus % grace)',
            att.deadline, cca_assessment_grace() USING ERRCODE = 'CC002';
    END IF;
    IF answers IS NOT NULL AND jsonb_typeof(answers) <> 'null' THEN
        IF jsonb_typeof(answers) <> 'object' THEN
            RAISE EXCEPTION 'answers must be a JSON object {"question id": option index}'
                USING ERRCODE = '22023';
        END IF;
        IF octet_length(answers::text) > 65536 THEN
            RAISE EXCEPTION 'answers are too large' USING ERRCODE = '54000';
        END IF;
        SELECT a.questions INTO qs FROM assessments a WHERE a.id = att.assessment_id;
        FOR e IN SELECT key, value FROM jsonb_each(answers) ORDER BY key LOOP
            v_choice := cca_auth.assessment_check_answer(qs, e.key, e.value);
            INSERT INTO assessment_answers AS s (attempt_id, question_id, choice, saved_at)
            VALUES (att.id, e.key, v_choice, now_ts)
            ON CONFLICT (attempt_id, question_id) DO UPDATE
                SET choice = EXCLUDED.choice, saved_at = EXCLUDED.saved_at;
        END LOOP;
    END IF;
    UPDATE assessment_attempts t
    SET status = 'submitted', closed_by = 'learner', submitted_at = now_ts,
        submit_xid = pg_current_xact_id()
    WHERE t.id = att.id;
    INSERT INTO analytics_events (event_type, user_id, metadata)
    VALUES ('assessment_submitted', me.id,
            jsonb_build_object('assessment_id', att.assessment_id, 'attempt_id', att.id));
    RETURN jsonb_build_object(
        'attempt_id', att.id, 'status', 'submitted', 'submitted_at', now_ts,
        'answered_count', (SELECT count(*) FROM assessment_answers s
                           WHERE s.attempt_id = att.id AND s.choice IS NOT NULL),
        'question_count', (SELECT coalesce(jsonb_array_length(a.questions), 0)
                           FROM assessments a WHERE a.id = att.assessment_id),
        'result_ready', false);
END
$$;

CREATE FUNCTION submit_assessment(attempt_id text, answers jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.submit_assessment_as(current_user::text, $1, $2) $$;

-- assessment_result(attempt_id text) -> jsonb: the result of one of the caller's attempts
-- (past ones too). Scores it first if its submission has committed.
-- Always: {"attempt_id", "assessment_id", "title", "attempt_no", "status", "closed_by",
--          "started_at", "submitted_at", "pass_mark", "review_policy", "result_ready"}
-- Not ready (open, or submitted by a transaction that has not committed, e.g. the current
-- one): + {"reason": text}; no score, no review.
-- Ready: + {"score", "passed", "correct_count", "question_count", "time_used_seconds",
--           "best_score", "attempts_used", "attempts_left", "review_available": bool,
--           "review_note": text | null,
--           "review": null | [{"id", "question", "options", "answer": int | null,
--                              "correct_answer": int, "is_correct": bool,
--                              "explanation": text | null, "flagged": bool}]}
-- The review is given only when the policy allows it and none of the caller's attempts at
-- this assessment is open or closed by an uncommitted transaction.
CREATE FUNCTION cca_auth.assessment_result_as(role_name text, p_attempt_id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me users := cca_auth.assessment_caller(role_name);
    now_ts timestamptz := clock_timestamp();
    att assessment_attempts;
    a assessments;
    st record;
    base jsonb;
    note text;
    v_assessment text;
BEGIN
    SELECT t.assessment_id INTO v_assessment FROM assessment_attempts t
    WHERE t.id = p_attempt_id AND t.user_id = me.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no attempt %', p_attempt_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM cca_auth.assessment_expire(me.id, v_assessment, now_ts);
    PERFORM cca_auth.assessment_score_pending(me.id, v_assessment);
    SELECT t.* INTO att FROM assessment_attempts t WHERE t.id = p_attempt_id;
    SELECT x.* INTO a FROM assessments x WHERE x.id = att.assessment_id;
    base := jsonb_build_object(
        'attempt_id', att.id, 'assessment_id', a.id, 'title', a.title,
        'attempt_no', att.attempt_no, 'status', att.status, 'closed_by', att.closed_by,
        'started_at', att.started_at, 'submitted_at', att.submitted_at,
        'pass_mark', a.passing_score, 'review_policy', a.review_policy,
        'result_ready', att.scored_at IS NOT NULL);
    IF att.scored_at IS NULL THEN
        RETURN base || jsonb_build_object('reason', CASE
            WHEN att.status = 'open' THEN 'the attempt is still open'
            ELSE 'the submission is not final yet: commit the transaction that submitted it, then ask again'
            END);
    END IF;
    SELECT * INTO st FROM cca_auth.assessment_standing(me.id, a.id);
    note := CASE
        WHEN st.unsettled > 0 THEN 'answers are not shown while an attempt is in progress'
        WHEN a.review_policy = 'never' THEN 'this assessment does not show its answers'
        WHEN a.review_policy = 'after_submit' THEN NULL
        WHEN st.passed OR st.attempts_used >= a.max_attempts
             OR (a.closes_at IS NOT NULL AND a.closes_at <= now_ts) THEN NULL
        ELSE format('answers are shown once you pass or have used all %s attempts',
                    a.max_attempts) END;
    RETURN base || jsonb_build_object(
        'score', att.score, 'passed', att.passed, 'correct_count', att.correct_count,
        'question_count', att.question_count, 'time_used_seconds', att.time_taken,
        'best_score', st.best_score, 'attempts_used', st.attempts_used,
        'attempts_left', CASE WHEN st.passed THEN 0
                              ELSE greatest(a.max_attempts - st.attempts_used, 0) END,
        'review_available', note IS NULL, 'review_note', note,
        'review', CASE WHEN note IS NULL THEN cca_auth.assessment_review(att.id) END);
END
$$;

CREATE FUNCTION assessment_result(attempt_id text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.assessment_result_as(current_user::text, $1) $$;

-- assessment_sweep() -> jsonb {"closed": n, "scored": n, "server_now"}: closes attempts whose
-- time is up and scores committed submissions. Admins and the superuser (cron) sweep
-- everybody's; anybody else their own.
CREATE FUNCTION cca_auth.assessment_sweep_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    scope text;
    now_ts timestamptz := clock_timestamp();
    n_closed integer;
    n_scored integer;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role = 'admin'
       OR (role_name = session_user::text
           AND (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = role_name)) THEN
        scope := NULL;
    ELSIF me.id IS NOT NULL THEN
        scope := me.id;
    ELSE
        RAISE EXCEPTION 'this database role is not linked to a CCA user' USING ERRCODE = '42501';
    END IF;
    n_closed := cca_auth.assessment_expire(scope, NULL, now_ts);
    n_scored := cca_auth.assessment_score_pending(scope, NULL);
    RETURN jsonb_build_object('closed', n_closed, 'scored', n_scored, 'server_now', now_ts);
END
$$;

CREATE FUNCTION assessment_sweep() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.assessment_sweep_as(current_user::text) $$;

-- ---------------------------------------------------------------------------------------
-- Attempts closed before 009 (and the seed's): their answers and score come from their
-- assessment_results row. Superuser only (no grant); run here and by the seed.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_assessment_backfill() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO assessment_answers (attempt_id, question_id, choice, saved_at)
    SELECT t.id, e.key, e.value::text::integer, t.submitted_at
    FROM assessment_attempts t
    JOIN assessment_results r ON r.id = t.result_id
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(r.answers) = 'object'
                                       THEN r.answers ELSE '{}'::jsonb END) e
    WHERE t.status = 'submitted' AND t.scored_at IS NULL
      AND jsonb_typeof(e.value) = 'number' AND e.value::text ~ '^[0-9]{1,6}$'
    ON CONFLICT DO NOTHING;
    UPDATE assessment_attempts t
    SET closed_by = 'learner', score = r.score, passed = r.score >= coalesce(a.passing_score, 70),
        question_count = k.n, correct_count = round(r.score * k.n / 100.0)::integer,
        time_taken = r.time_taken, scored_at = coalesce(t.submitted_at, r.completed_at)
    FROM assessment_results r, assessments a,
         LATERAL (SELECT count(*)::integer AS n FROM assessment_keys x
                  WHERE x.assessment_id = a.id) k
    WHERE r.id = t.result_id AND a.id = t.assessment_id
      AND t.status = 'submitted' AND t.scored_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
SELECT cca_assessment_backfill();

-- ---------------------------------------------------------------------------------------
-- Privileges and policies
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON assessment_answers FROM PUBLIC;
GRANT SELECT ON assessment_answers TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
ALTER TABLE assessment_answers ENABLE ROW LEVEL SECURITY;
-- The learner's own answers (no key in them); the trainer of the assessment; admins.
CREATE POLICY assessment_answers_select_own ON assessment_answers FOR SELECT
    USING (attempt_id IN (SELECT t.id FROM assessment_attempts t
                          WHERE t.user_id = (SELECT cca_auth.uid())));
CREATE POLICY assessment_answers_select_trainer ON assessment_answers FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'trainer'
           AND attempt_id IN (SELECT t.id FROM assessment_attempts t
                              JOIN assessments a ON a.id = t.assessment_id
                              WHERE a.created_by = (SELECT cca_auth.uid())));
CREATE POLICY assessment_answers_select_admin ON assessment_answers FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

GRANT EXECUTE ON FUNCTION
    assessment_list(), cca_auth.assessment_list_as(text),
    assessment_start(text), cca_auth.assessment_start_as(text, text),
    assessment_state(text), cca_auth.assessment_state_as(text, text),
    save_answer(text, text, integer), cca_auth.save_answer_as(text, text, text, integer),
    flag_question(text, text, boolean), cca_auth.flag_question_as(text, text, text, boolean),
    submit_assessment(text, jsonb), cca_auth.submit_assessment_as(text, text, jsonb),
    assessment_result(text), cca_auth.assessment_result_as(text, text),
    assessment_sweep(), cca_auth.assessment_sweep_as(text)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 007_assessments: answer keys out of the learners' reach, attempts timed by the server, and
-- exactly one scored result per person and assessment (issue 4 "Assessments").
-- assessments.questions keeps the spec's shape minus "correct": a trigger moves each key into
-- assessment_keys, a table learners have no privilege on. start_assessment / submit_assessment
-- are the only way to take an assessment; the server's clock (clock_timestamp()) decides.
SET LOCAL ROLE cca_owner;

-- The FK is deferred so the BEFORE trigger on assessments can file the keys of a row that is
-- being inserted.
CREATE TABLE assessment_keys (
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED,
    question_id TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct >= 0),
    PRIMARY KEY (assessment_id, question_id)
);

CREATE TABLE assessment_attempts (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    deadline TIMESTAMP WITH TIME ZONE, -- NULL: no time limit
    submitted_at TIMESTAMP WITH TIME ZONE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted', 'expired')),
    result_id TEXT REFERENCES assessment_results(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX assessment_attempts_one_open ON assessment_attempts (user_id, assessment_id)
    WHERE status = 'open';
CREATE INDEX idx_assessment_attempts_assessment ON assessment_attempts (assessment_id);

-- Splits questions into the public part and the key. Each question is an object with an "id"
-- (given "q<n>" when missing, unique within the assessment), "options" (array) and, when
-- written by a trainer, "correct" (0-based index into options). On UPDATE a question sent
-- without "correct" keeps its stored key; keys of removed questions are deleted.
CREATE FUNCTION assessments_extract_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q jsonb;
    n integer := 0;
    qid text;
    ids text[] := '{}';
    bad boolean;
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
        IF q ? 'correct' THEN
            bad := jsonb_typeof(q->'correct') <> 'number' OR (q->>'correct') !~ '^[0-9]{1,6}$';
            IF NOT bad AND jsonb_typeof(q->'options') = 'array' THEN
                bad := (q->>'correct')::integer >= jsonb_array_length(q->'options');
            END IF;
            IF bad THEN
                RAISE EXCEPTION 'question %: "correct" must be the index of one of its options',
                    qid USING ERRCODE = '22023';
            END IF;
            INSERT INTO assessment_keys (assessment_id, question_id, correct)
            VALUES (NEW.id, qid, (q->>'correct')::integer)
            ON CONFLICT (assessment_id, question_id) DO UPDATE SET correct = EXCLUDED.correct;
        END IF;
        public_questions := public_questions
            || jsonb_build_array((q - 'correct') || jsonb_build_object('id', qid));
    END LOOP;
    DELETE FROM assessment_keys WHERE assessment_id = NEW.id AND NOT (question_id = ANY (ids));
    NEW.questions := public_questions;
    RETURN NEW;
END
$$;

CREATE TRIGGER assessments_extract_keys_trigger
    BEFORE INSERT OR UPDATE OF questions ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_extract_keys();

-- An assessment's id cannot change under its keys (the FK is deferred, not ON UPDATE).
CREATE FUNCTION assessments_keep_id() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION 'assessments.id cannot change' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER assessments_keep_id_trigger BEFORE UPDATE OF id ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_keep_id();

-- ---------------------------------------------------------------------------------------
-- Taking an assessment
-- ---------------------------------------------------------------------------------------

-- Answers submitted up to this long after the deadline still count (a client that submits
-- when its timer hits zero must not lose the attempt to network latency).
CREATE FUNCTION cca_assessment_grace() RETURNS interval
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT interval '30 seconds' $$;

CREATE FUNCTION cca_auth.start_assessment_as(role_name text, p_assessment_id text)
RETURNS TABLE (attempt_id text, started_at timestamptz, deadline timestamptz, questions jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    me record;
    a record;
    att record;
    have_attempt boolean;
    now_ts timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.id IS NULL THEN
        RAISE EXCEPTION 'this database role is not linked to a CCA user' USING ERRCODE = '42501';
    END IF;
    SELECT x.id, x.time_limit, x.questions INTO a FROM assessments x WHERE x.id = p_assessment_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no assessment %', p_assessment_id USING ERRCODE = 'P0002';
    END IF;
    -- Two terminals starting at once get the same attempt.
    PERFORM pg_advisory_xact_lock(hashtext('cca_attempt'), hashtext(me.id || '/' || a.id));
    IF EXISTS (SELECT 1 FROM assessment_results r
               WHERE r.user_id = me.id AND r.assessment_id = a.id) THEN
        RAISE EXCEPTION 'assessment % is already completed', a.id USING ERRCODE = 'CC003';
    END IF;
    SELECT t.* INTO att FROM assessment_attempts t
    WHERE t.user_id = me.id AND t.assessment_id = a.id AND t.status = 'open'
    FOR UPDATE;
    have_attempt := FOUND;
    IF have_attempt AND att.deadline IS NOT NULL
       AND now_ts > att.deadline + cca_assessment_grace() THEN
        UPDATE assessment_attempts t SET status = 'expired' WHERE t.id = att.id;
        have_attempt := false;
    END IF;
    IF NOT have_attempt THEN
        INSERT INTO assessment_attempts AS t (user_id, assessment_id, started_at, deadline)
        VALUES (me.id, a.id, now_ts,
                CASE WHEN a.time_limit IS NOT NULL
                     THEN now_ts + a.time_limit * interval '1 minute' END)
        RETURNING t.* INTO att;
        INSERT INTO analytics_events (event_type, user_id, metadata)
        VALUES ('assessment_started', me.id,
                jsonb_build_object('assessment_id', a.id, 'attempt_id', att.id));
    END IF;
    RETURN QUERY SELECT att.id, att.started_at, att.deadline, coalesce(a.questions, '[]'::jsonb);
END
$$;

CREATE FUNCTION start_assessment(assessment_id text)
RETURNS TABLE (attempt_id text, started_at timestamptz, deadline timestamptz, questions jsonb)
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.start_assessment_as(current_user::text, $1) $$;

-- answers: a JSON object {"<question id>": <chosen option index>, ...}. Unknown question ids
-- are ignored, a missing or non-integer answer is wrong. Scored against assessment_keys.
CREATE FUNCTION cca_auth.submit_assessment_as(role_name text, p_attempt_id text, answers jsonb)
RETURNS TABLE (score float, passed boolean, correct_count integer, question_count integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    me record;
    att record;
    a record;
    now_ts timestamptz := clock_timestamp();
    n_total integer;
    n_right integer;
    kept jsonb;
    v_score float8;
    v_result_id text;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.id IS NULL THEN
        RAISE EXCEPTION 'this database role is not linked to a CCA user' USING ERRCODE = '42501';
    END IF;
    -- The row lock makes concurrent submissions of one attempt take turns: the second one
    -- sees status 'submitted' and is refused.
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
    IF answers IS NULL OR jsonb_typeof(answers) <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object {"question id": option index}'
            USING ERRCODE = '22023';
    END IF;
    IF octet_length(answers::text) > 65536 THEN
        RAISE EXCEPTION 'answers are too large' USING ERRCODE = '54000';
    END IF;

    SELECT x.id, x.passing_score INTO a FROM assessments x WHERE x.id = att.assessment_id;
    SELECT count(*)::integer,
           (count(*) FILTER (WHERE CASE WHEN (answers->>k.question_id) ~ '^[0-9]{1,6}$'
                                        THEN (answers->>k.question_id)::integer = k.correct
                                        ELSE false END))::integer,
           coalesce(jsonb_object_agg(k.question_id, answers->k.question_id)
                    FILTER (WHERE answers ? k.question_id), '{}'::jsonb)
    INTO n_total, n_right, kept
    FROM assessment_keys k WHERE k.assessment_id = a.id;
    IF n_total = 0 THEN
        RAISE EXCEPTION 'assessment % has no answer key', a.id USING ERRCODE = '22023';
    END IF;
    v_score := round(100.0 * n_right / n_total, 2);

    INSERT INTO assessment_results AS r (user_id, assessment_id, score, answers, completed_at,
                                         time_taken)
    VALUES (me.id, a.id, v_score, kept, now_ts,
            greatest(0, floor(extract(epoch FROM now_ts - att.started_at)))::integer)
    ON CONFLICT ON CONSTRAINT unique_user_assessment DO NOTHING
    RETURNING r.id INTO v_result_id;
    IF v_result_id IS NULL THEN
        RAISE EXCEPTION 'assessment % is already completed', a.id USING ERRCODE = 'CC003';
    END IF;
    UPDATE assessment_attempts t
    SET status = 'submitted', submitted_at = now_ts, result_id = v_result_id
    WHERE t.id = att.id;
    INSERT INTO analytics_events (event_type, user_id, metadata)
    VALUES ('assessment_submitted', me.id,
            jsonb_build_object('assessment_id', a.id, 'attempt_id', att.id, 'score', v_score));
    RETURN QUERY SELECT v_score, v_score >= coalesce(a.passing_score, 70), n_right, n_total;
END
$$;

CREATE FUNCTION submit_assessment(attempt_id text, answers jsonb)
RETURNS TABLE (score float, passed boolean, correct_count integer, question_count integer)
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.submit_assessment_as(current_user::text, $1, $2) $$;

-- ---------------------------------------------------------------------------------------
-- Privileges and policies
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON assessment_keys, assessment_attempts FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON assessment_keys TO cca_trainer, cca_admin;
GRANT SELECT ON assessment_attempts TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

ALTER TABLE assessment_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_attempts ENABLE ROW LEVEL SECURITY;

CREATE POLICY assessment_keys_trainer_own ON assessment_keys FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'trainer'
           AND assessment_id IN (SELECT a.id FROM assessments a
                                 WHERE a.created_by = (SELECT cca_auth.uid())))
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
                AND assessment_id IN (SELECT a.id FROM assessments a
                                      WHERE a.created_by = (SELECT cca_auth.uid())));
CREATE POLICY assessment_keys_admin_all ON assessment_keys FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

CREATE POLICY assessment_attempts_select_own ON assessment_attempts FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY assessment_attempts_select_admin ON assessment_attempts FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

GRANT EXECUTE ON FUNCTION start_assessment(text), cca_auth.start_assessment_as(text, text),
    submit_assessment(text, jsonb), cca_auth.submit_assessment_as(text, text, jsonb),
    cca_assessment_grace()
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 011_learning: the database half of the learner's own screens: the Progress tab, the reader,
-- the Recommendations tab and the chat's summary of one's own learning; plus a generator of a
-- company-sized data set for benchmarks (cca_seed_scale).
--
-- Every screen read is ONE function call returning one jsonb document; every write is a
-- function call. All of them are SECURITY INVOKER: they run as the learner's own login role,
-- so row-level security decides what they read and write and the specification's triggers
-- (completed_at, audit) fire on the learner's own statements. The only definer code here is a
-- trigger that writes analytics_events (which clients may not insert into).
-- The JSON shapes are documented at each function and in tests/db/README.md "Learning API".
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Identity helpers, made cheap (every RLS policy calls them once per table and statement).
-- cca_auth.identity compared users.db_role with current_user::text, whose collation is "C"
-- (name's), so the planner could not use the unique index on db_role (default collation) and
-- read all of users on every call: 0.4 ms per policy check at 5,000 people. The comparison is
-- now made in the column's collation. The helpers are plpgsql so their plans are cached for
-- the session (a non-inlinable SQL function is planned again at every call): 0.03 ms.
-- Same signatures, same semantics, same pinned search_path.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION cca_auth.identity(role_name text)
RETURNS TABLE (id text, email text, name text, app_role text, department text, db_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.email, u.name, u.role, u.department, u.db_role
    FROM public.users u
    JOIN pg_catalog.pg_roles r ON r.rolname = u.db_role
    WHERE u.db_role = role_name COLLATE "default"
      AND u.deactivated_at IS NULL
      AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER');
END
$$;

CREATE OR REPLACE FUNCTION cca_auth.uid() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN (SELECT i.id FROM cca_auth.identity(current_user::text) i); END $$;

CREATE OR REPLACE FUNCTION cca_auth.role() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE WHEN cca_auth.uid() IS NOT NULL THEN 'authenticated' ELSE 'anon' END;
END
$$;

CREATE OR REPLACE FUNCTION cca_auth.app_role() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN (SELECT i.app_role FROM cca_auth.identity(current_user::text) i); END $$;

CREATE OR REPLACE FUNCTION cca_auth.department() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN (SELECT i.department FROM cca_auth.identity(current_user::text) i); END $$;

-- ---------------------------------------------------------------------------------------
-- Schema
-- ---------------------------------------------------------------------------------------

-- learning_progress also tracks single learning content items (the reader): where the learner
-- stopped (read_position, a character offset into learning_content.content) and the seconds
-- actually spent. A content row tracks only its content (its course is rolled up into the
-- course's own row), so deleting the content deletes the row.
ALTER TABLE learning_progress
    ADD COLUMN content_id TEXT REFERENCES learning_content(id) ON DELETE CASCADE,
    ADD COLUMN read_position INTEGER NOT NULL DEFAULT 0 CHECK (read_position >= 0),
    ADD COLUMN time_spent INTEGER NOT NULL DEFAULT 0 CHECK (time_spent >= 0); -- seconds
ALTER TABLE learning_progress
    DROP CONSTRAINT learning_progress_has_target,
    ADD CONSTRAINT learning_progress_has_target
        CHECK (skill_id IS NOT NULL OR course_id IS NOT NULL OR content_id IS NOT NULL),
    ADD CONSTRAINT learning_progress_content_alone
        CHECK (content_id IS NULL OR (skill_id IS NULL AND course_id IS NULL));
CREATE UNIQUE INDEX unique_user_content ON learning_progress (user_id, content_id)
    WHERE content_id IS NOT NULL;
CREATE INDEX idx_learning_progress_content ON learning_progress (content_id)
    WHERE content_id IS NOT NULL;

-- The lessons of a course, in order: "what comes next" and the course roll-up.
CREATE TABLE course_contents (
    course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    content_id TEXT NOT NULL REFERENCES learning_content(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
    PRIMARY KEY (course_id, content_id),
    -- deferrable so an admin can renumber a course in one transaction
    CONSTRAINT course_contents_course_ordinal_key UNIQUE (course_id, ordinal)
        DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX idx_course_contents_content ON course_contents (content_id);

-- Seconds of reading per person, day and content item: the weekly time chart, the streak and
-- "time per topic this month". The day is the server's (current_date of the session).
CREATE TABLE learning_time (
    user_id TEXT NOT NULL DEFAULT cca_auth.uid() REFERENCES users(id) ON DELETE CASCADE,
    day DATE NOT NULL DEFAULT current_date,
    content_id TEXT NOT NULL REFERENCES learning_content(id) ON DELETE CASCADE,
    seconds INTEGER NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    PRIMARY KEY (user_id, day, content_id)
);
CREATE INDEX idx_learning_time_content ON learning_time (content_id);

-- Recommendations are tracked: when one was first opened (clicked_at), dismissed by the
-- learner (never offered again), or retired by a later refresh that no longer proposes it.
-- The three times are the server's (trigger below); once set they stay.
ALTER TABLE recommendations
    ADD COLUMN clicked_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN dismissed_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN retired_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX idx_recommendations_active ON recommendations (user_id, score DESC)
    WHERE retired_at IS NULL AND dismissed_at IS NULL;
CREATE INDEX idx_recommendations_dismissed ON recommendations (user_id, type, item_id)
    WHERE dismissed_at IS NOT NULL;

CREATE FUNCTION recommendations_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    -- a click, a dismissal and a retirement are history: they are not undone
    IF coalesce(OLD.clicked, false) THEN
        NEW.clicked := true;
        NEW.clicked_at := OLD.clicked_at;
    ELSIF coalesce(NEW.clicked, false) THEN
        NEW.clicked_at := now();
    ELSE
        NEW.clicked_at := NULL;
    END IF;
    IF OLD.dismissed_at IS NOT NULL THEN
        NEW.dismissed_at := OLD.dismissed_at;
    ELSIF NEW.dismissed_at IS NOT NULL THEN
        NEW.dismissed_at := now();
    END IF;
    IF OLD.retired_at IS NOT NULL THEN
        NEW.retired_at := OLD.retired_at;
    ELSIF NEW.retired_at IS NOT NULL THEN
        NEW.retired_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER recommendations_stamp_trigger BEFORE UPDATE ON recommendations
    FOR EACH ROW EXECUTE FUNCTION recommendations_stamp();

-- The first click and a dismissal are analytics events (definer: clients cannot insert there).
CREATE FUNCTION recommendations_log_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.clicked AND NOT coalesce(OLD.clicked, false) THEN
        INSERT INTO analytics_events (event_type, user_id, metadata)
        VALUES ('recommendation_clicked', NEW.user_id,
                jsonb_build_object('recommendation_id', NEW.id, 'type', NEW.type,
                                   'item_id', NEW.item_id, 'score', NEW.score));
    END IF;
    IF NEW.dismissed_at IS NOT NULL AND OLD.dismissed_at IS NULL THEN
        INSERT INTO analytics_events (event_type, user_id, metadata)
        VALUES ('recommendation_dismissed', NEW.user_id,
                jsonb_build_object('recommendation_id', NEW.id, 'type', NEW.type,
                                   'item_id', NEW.item_id, 'score', NEW.score));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recommendations_event_trigger
    AFTER UPDATE OF clicked, dismissed_at ON recommendations
    FOR EACH ROW
    WHEN ((NEW.clicked AND NOT coalesce(OLD.clicked, false))
          OR (NEW.dismissed_at IS NOT NULL AND OLD.dismissed_at IS NULL))
    EXECUTE FUNCTION recommendations_log_event();

-- ---------------------------------------------------------------------------------------
-- Privileges and row-level security for what is new
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON course_contents, learning_time FROM PUBLIC;

-- Reading positions and time are the learner's own; completed_at/started_at stay the server's.
GRANT INSERT (content_id, read_position, time_spent), UPDATE (read_position, time_spent)
    ON learning_progress TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
-- The day is the server's (default current_date): not insertable.
GRANT SELECT, INSERT (user_id, content_id, seconds), UPDATE (seconds) ON learning_time
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT SELECT ON course_contents TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT, UPDATE, DELETE ON course_contents TO cca_admin;
-- Dismiss and retire (a refresh) are the learner's; the score still is not (05).
GRANT UPDATE (dismissed_at, retired_at) ON recommendations
    TO cca_learner, cca_hr_manager, cca_trainer;

ALTER TABLE course_contents ENABLE ROW LEVEL SECURITY;
ALTER TABLE learning_time ENABLE ROW LEVEL SECURITY;

CREATE POLICY course_contents_select_authenticated ON course_contents FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
CREATE POLICY course_contents_admin_all ON course_contents FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

CREATE POLICY learning_time_select_own ON learning_time FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY learning_time_insert_own ON learning_time FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY learning_time_update_own ON learning_time FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY learning_time_select_admin ON learning_time FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

-- ---------------------------------------------------------------------------------------
-- Spec fix: get_user_learning_analytics counts skills and courses. Content rows (the reader)
-- are sub-items of courses or stand alone; they would otherwise weigh in the average progress
-- and the completion velocity as if each document were a course.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION get_user_learning_analytics(user_id_param text)
RETURNS TABLE (total_skills integer, completed_skills integer, total_courses integer,
               completed_courses integer, total_progress float, recent_activity jsonb,
               skill_distribution jsonb, learning_velocity float)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT
        count(DISTINCT lp.skill_id)::integer,
        (count(DISTINCT lp.skill_id) FILTER (WHERE lp.progress >= 100))::integer,
        count(DISTINCT lp.course_id)::integer,
        (count(DISTINCT lp.course_id) FILTER (WHERE lp.progress >= 100))::integer,
        coalesce(avg(lp.progress), 0)::float8,
        jsonb_build_object(
            'recent_messages', (SELECT count(*) FROM public.chat_messages cm
                                WHERE cm.user_id = user_id_param
                                  AND cm.created_at > now() - interval '7 days'),
            'recent_progress', (SELECT count(*) FROM public.learning_progress lp2
                                WHERE lp2.user_id = user_id_param
                                  AND lp2.updated_at > now() - interval '7 days'),
            'recent_recommendations', (SELECT count(*) FROM public.recommendations r
                                       WHERE r.user_id = user_id_param
                                         AND r.created_at > now() - interval '7 days')),
        coalesce((SELECT jsonb_object_agg(d.category, d.skill_count)
                  FROM (SELECT coalesce(s.category, 'Uncategorized') AS category,
                               count(*) AS skill_count
                        FROM public.learning_progress lp3
                        JOIN public.skills s ON s.id = lp3.skill_id
                        WHERE lp3.user_id = user_id_param
                        GROUP BY 1) d), '{}'::jsonb),
        (SELECT avg(extract(epoch FROM (lp4.completed_at - lp4.started_at)) / 3600)::float8
         FROM public.learning_progress lp4
         WHERE lp4.user_id = user_id_param
           AND (lp4.skill_id IS NOT NULL OR lp4.course_id IS NOT NULL)
           AND lp4.completed_at IS NOT NULL
           AND lp4.completed_at > now() - interval '30 days')
    FROM public.learning_progress lp
    WHERE lp.user_id = user_id_param
      AND (lp.skill_id IS NOT NULL OR lp.course_id IS NOT NULL)
$$;

-- The completion audit row names the content too (005 knew only skills and courses); as in
-- 010, user_id is left to the stamp (the acting person) and the learner is the subject.
CREATE OR REPLACE FUNCTION log_progress_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    action text;
BEGIN
    IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL) THEN
        action := 'completed';
    ELSIF TG_OP = 'UPDATE' AND NEW.completed_at IS NULL AND OLD.completed_at IS NOT NULL THEN
        action := 'reopened';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, user_id, subject_id, changes)
    VALUES ('learning_progress', NEW.id, action, NULL, NEW.user_id,
            jsonb_build_object('skill_id', NEW.skill_id, 'course_id', NEW.course_id,
                               'content_id', NEW.content_id,
                               'level', NEW.level, 'progress', NEW.progress));
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------

-- The caller's users.id; 42501 for a role that is not linked to a person.
CREATE FUNCTION cca_auth.require_uid() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me text := cca_auth.uid();
BEGIN
    IF me IS NULL THEN
        RAISE EXCEPTION 'role % is not linked to a person', current_user
            USING ERRCODE = '42501';
    END IF;
    RETURN me;
END
$$;

-- 'A', 'A and B', 'A, B and C'; more than max names end in 'and N more'.
CREATE FUNCTION cca_join_names(names text[], max_names integer DEFAULT 3) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer := coalesce(cardinality(names), 0);
BEGIN
    RETURN CASE
        WHEN n = 0 THEN ''
        WHEN n = 1 THEN names[1]
        WHEN n > max_names THEN array_to_string(names[1:max_names], ', ')
                                || ' and ' || (n - max_names) || ' more'
        ELSE array_to_string(names[1:n - 1], ', ') || ' and ' || names[n]
    END;
END
$$;

-- '45 s', '12 min', '2 h 05 min'.
CREATE FUNCTION cca_format_duration(seconds bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s bigint := greatest(coalesce(seconds, 0), 0);
BEGIN
    RETURN CASE
        WHEN s < 60 THEN s || ' s'
        WHEN s < 3600 THEN (s / 60) || ' min'
        ELSE (s / 3600) || ' h ' || lpad(((s % 3600) / 60)::text, 2, '0') || ' min'
    END;
END
$$;

-- Where the reader goes when the learner opens an item:
--   content -> that content; course -> its first lesson the caller has not completed (else
--   its first lesson); skill -> the first content tagged with the skill (metadata skill_id).
-- Returns {"content_id": text, "title": text, "course_id": text|null} or NULL (nothing to
-- read, e.g. a course without lessons).
CREATE FUNCTION cca_open_target(item_type text, item_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.uid();
    target jsonb;
BEGIN
    IF item_type = 'content' THEN
        SELECT jsonb_build_object('content_id', lc.id, 'title', lc.title, 'course_id', NULL)
        INTO target FROM learning_content lc WHERE lc.id = item_id;
    ELSIF item_type = 'course' THEN
        SELECT jsonb_build_object('content_id', lc.id, 'title', lc.title,
                                  'course_id', cc.course_id)
        INTO target
        FROM course_contents cc
        JOIN learning_content lc ON lc.id = cc.content_id
        LEFT JOIN learning_progress lp
               ON lp.user_id = me AND lp.content_id = cc.content_id
        WHERE cc.course_id = item_id
        ORDER BY coalesce(lp.progress, 0) >= 100, cc.ordinal
        LIMIT 1;
    ELSIF item_type = 'skill' THEN
        SELECT jsonb_build_object('content_id', lc.id, 'title', lc.title, 'course_id', NULL)
        INTO target
        FROM learning_content lc
        WHERE lc.metadata->>'skill_id' = item_id
        ORDER BY lc.title, lc.id
        LIMIT 1;
    END IF;
    RETURN target;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Progress tab
-- ---------------------------------------------------------------------------------------

-- cca_learning_dashboard() -> jsonb: the caller's Progress tab in one document.
-- {
--   "user":     {"id", "name", "department"},
--   "summary":  {"overall_completion": number 0..100 (average progress of the caller's
--                   courses, skills and content that is not part of a course; 0 when none),
--                "items_tracked": int,
--                "courses_in_progress", "courses_completed", "skills_in_progress",
--                "skills_completed", "content_in_progress", "content_completed": int,
--                "completed_last_30_days": int (velocity: items completed in 30 days),
--                "avg_hours_to_complete_30d": number|null (the spec's learning_velocity),
--                "streak_days": int (consecutive days with reading time, ending today or
--                   yesterday), "active_days_30d": int,
--                "time_last_12_weeks_seconds": int, "time_total_seconds": int},
--   "skills":   [{"id", "name", "category", "level" 1..5, "max_level": 5, "progress",
--                 "completed": bool}]                                     by name
--   "weekly_time": [{"week_start": "YYYY-MM-DD" (Monday), "seconds": int}] exactly 12,
--                 oldest first, the current week last, zeros included
--   "assessments": [{"id", "title", "score", "passing_score", "passed": bool,
--                 "completed_at"}]                                        newest first
--   "in_progress": [{"type": "course"|"content", "id", "title", "progress",
--                 "last_activity", "time_spent" (seconds), "items", "items_done" (courses:
--                 lessons; content: 1 / 0), "read_position" (content; null for courses),
--                 "next": {"content_id", "title", "course_id"}|null}]   last activity first,
--                 at most 20; a course's "next" is its first lesson not completed; content
--                 that belongs to a course is shown through its course
--   "start_here": [{"type", "id", "title", "reason", "open": {"content_id", "title",
--                 "course_id"}|null}]  up to 5 suggestions, only when the caller has no
--                 progress at all (the empty state); [] otherwise
-- }
-- 42501 when the role is not linked to a person.
CREATE FUNCTION cca_learning_dashboard() RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    today date := current_date;
    first_week date := date_trunc('week', current_date::timestamp)::date - 77;
    -- The caller's progress rows are read once (one pass through RLS, ~100 rows); every part
    -- below works on this array and joins the catalogue by primary key.
    mine learning_progress[];
    in_course text[];
    who jsonb;
    summary jsonb;
    timing jsonb;
    weeks jsonb;
    skills_doc jsonb;
    assessments_doc jsonb;
    doing jsonb;
    start jsonb := '[]'::jsonb;
BEGIN
    SELECT coalesce(array_agg(lp), '{}') INTO mine
    FROM learning_progress lp WHERE lp.user_id = me;
    -- the caller's lessons that belong to a course (shown through the course)
    SELECT coalesce(array_agg(DISTINCT cc.content_id), '{}') INTO in_course
    FROM course_contents cc
    WHERE cc.content_id = ANY (SELECT m.content_id FROM unnest(mine) m
                               WHERE m.content_id IS NOT NULL);

    SELECT jsonb_build_object('id', u.id, 'name', u.name, 'department', u.department)
    INTO who FROM users u WHERE u.id = me;

    SELECT jsonb_build_object(
        'overall_completion',
            round(coalesce(avg(m.progress) FILTER (WHERE m.content_id IS NULL
                                                     OR m.content_id <> ALL (in_course)), 0)::numeric, 1),
        'items_tracked', count(*) FILTER (WHERE m.content_id IS NULL
                                             OR m.content_id <> ALL (in_course)),
        'courses_in_progress', count(*) FILTER (WHERE m.course_id IS NOT NULL AND m.progress < 100),
        'courses_completed', count(*) FILTER (WHERE m.course_id IS NOT NULL AND m.progress >= 100),
        'skills_in_progress', count(*) FILTER (WHERE m.skill_id IS NOT NULL AND m.progress < 100),
        'skills_completed', count(*) FILTER (WHERE m.skill_id IS NOT NULL AND m.progress >= 100),
        'content_in_progress', count(*) FILTER (WHERE m.content_id IS NOT NULL AND m.progress < 100),
        'content_completed', count(*) FILTER (WHERE m.content_id IS NOT NULL AND m.progress >= 100),
        'completed_last_30_days', count(*) FILTER (WHERE m.completed_at > now() - interval '30 days'),
        'avg_hours_to_complete_30d',
            round((avg(extract(epoch FROM m.completed_at - m.started_at) / 3600)
                   FILTER (WHERE m.completed_at > now() - interval '30 days'
                             AND m.content_id IS NULL))::numeric, 1))
    INTO summary
    FROM unnest(mine) m;

    -- time: 12 weekly sums, the streak, active days, totals (one pass over the caller's days)
    WITH days AS MATERIALIZED (
        SELECT t.day, sum(t.seconds) AS seconds
        FROM learning_time t
        WHERE t.user_id = me AND t.seconds > 0
        GROUP BY t.day
    ),
    recent AS (
        SELECT d.day, today - d.day AS ago, row_number() OVER (ORDER BY d.day DESC) AS rn,
               min(today - d.day) OVER () AS newest
        FROM days d
        WHERE d.day <= today AND d.day > today - 400
    )
    SELECT jsonb_build_object(
        'streak_days', (SELECT count(*) FROM recent r
                        WHERE r.newest <= 1 AND r.ago - r.rn = r.newest - 1),
        'active_days_30d', (SELECT count(*) FROM days d
                            WHERE d.day > today - 30 AND d.day <= today),
        'time_last_12_weeks_seconds', (SELECT coalesce(sum(d.seconds), 0) FROM days d
                                       WHERE d.day >= first_week),
        'time_total_seconds', (SELECT coalesce(sum(d.seconds), 0) FROM days d)),
           (SELECT jsonb_agg(jsonb_build_object('week_start', w.week_start,
                                                'seconds', coalesce(s.seconds, 0))
                             ORDER BY w.week_start)
            FROM (SELECT first_week + 7 * k AS week_start FROM generate_series(0, 11) k) w
            LEFT JOIN (SELECT date_trunc('week', d.day::timestamp)::date AS week_start,
                              sum(d.seconds) AS seconds
                       FROM days d WHERE d.day >= first_week GROUP BY 1) s
                   ON s.week_start = w.week_start)
    INTO timing, weeks;
    summary := summary || timing;

    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', s.id, 'name', s.name, 'category', s.category, 'level', m.level,
               'max_level', 5, 'progress', m.progress, 'completed', m.progress >= 100)
             ORDER BY s.name, s.id), '[]'::jsonb)
    INTO skills_doc
    FROM unnest(mine) m
    JOIN skills s ON s.id = m.skill_id
    WHERE m.skill_id IS NOT NULL;

    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', a.id, 'title', a.title, 'score', r.score,
               'passing_score', a.passing_score,
               'passed', r.score >= coalesce(a.passing_score, 70),
               'completed_at', r.completed_at)
             ORDER BY r.completed_at DESC, a.title), '[]'::jsonb)
    INTO assessments_doc
    FROM assessment_results r
    JOIN assessments a ON a.id = r.assessment_id
    WHERE r.user_id = me;

    WITH lessons AS MATERIALIZED (
        -- the lessons of the caller's courses in progress, with the caller's progress
        SELECT cc.course_id, cc.content_id, cc.ordinal, p.progress, p.time_spent
        FROM unnest(mine) m
        JOIN course_contents cc ON cc.course_id = m.course_id
        LEFT JOIN unnest(mine) p ON p.content_id = cc.content_id
        WHERE m.course_id IS NOT NULL AND m.progress < 100
    ),
    per_course AS (
        SELECT l.course_id, count(*) AS items,
               count(*) FILTER (WHERE l.progress >= 100) AS items_done,
               coalesce(sum(l.time_spent), 0) AS seconds,
               (array_agg(l.content_id ORDER BY l.ordinal)
                    FILTER (WHERE coalesce(l.progress, 0) < 100))[1] AS next_id
        FROM lessons l
        GROUP BY l.course_id
    ),
    items AS (
        SELECT c.title, m.updated_at AS last_activity,
               jsonb_build_object(
                   'type', 'course', 'id', c.id, 'title', c.title, 'progress', m.progress,
                   'last_activity', m.updated_at, 'time_spent', coalesce(pc.seconds, 0),
                   'items', coalesce(pc.items, 0), 'items_done', coalesce(pc.items_done, 0),
                   'read_position', NULL,
                   'next', CASE WHEN nlc.id IS NOT NULL THEN
                               jsonb_build_object('content_id', nlc.id, 'title', nlc.title,
                                                  'course_id', c.id) END) AS doc
        FROM unnest(mine) m
        JOIN courses c ON c.id = m.course_id
        LEFT JOIN per_course pc ON pc.course_id = m.course_id
        LEFT JOIN learning_content nlc ON nlc.id = pc.next_id
        WHERE m.course_id IS NOT NULL AND m.progress < 100
        UNION ALL
        SELECT lc.title, m.updated_at,
               jsonb_build_object(
                   'type', 'content', 'id', lc.id, 'title', lc.title, 'progress', m.progress,
                   'last_activity', m.updated_at, 'time_spent', m.time_spent,
                   'items', 1, 'items_done', 0, 'read_position', m.read_position,
                   'next', jsonb_build_object('content_id', lc.id, 'title', lc.title,
                                              'course_id', NULL))
        FROM unnest(mine) m
        JOIN learning_content lc ON lc.id = m.content_id
        WHERE m.content_id IS NOT NULL AND m.progress < 100
          AND m.content_id <> ALL (in_course)
    )
    SELECT coalesce(jsonb_agg(x.doc ORDER BY x.last_activity DESC, x.title), '[]'::jsonb)
    INTO doing
    FROM (SELECT i.* FROM items i ORDER BY i.last_activity DESC, i.title LIMIT 20) x;

    IF cardinality(mine) = 0 THEN
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'type', c.type, 'id', c.item_id, 'title', c.title, 'reason', c.reason,
                   'open', cca_open_target(c.type, c.item_id)) ORDER BY c.ord), '[]'::jsonb)
        INTO start
        FROM (SELECT r.*, row_number() OVER () AS ord
              FROM cca_recommendation_candidates(5) r) c;
    END IF;

    RETURN jsonb_build_object('user', who, 'summary', summary, 'skills', skills_doc,
                              'weekly_time', weeks, 'assessments', assessments_doc,
                              'in_progress', doing, 'start_here', start);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Reader
-- ---------------------------------------------------------------------------------------

-- cca_reader_open(content_id text, course_id text DEFAULT NULL) -> jsonb: one content item
-- with where the caller stopped. Reads only (opening records nothing; the reader then sends
-- cca_record_reading).
-- {
--   "content":  {"id", "title", "content_type", "body" (the text), "length" (characters),
--                "source_path", "metadata"},
--   "progress": {"read_position" (character offset to resume at, 0 when never opened),
--                "progress" 0..100, "time_spent" (seconds), "started_at", "completed_at",
--                "last_activity"}  (the timestamps null when never opened)
--   "course":   {"id", "title", "index" (1-based), "count",
--                "prev": {"content_id", "title"}|null, "next": {"content_id", "title"}|null}
--               | null  -- the course given (when it contains the item), else the first
--                          course by title that contains it, else null
-- }
-- P0002 for unknown content, 42501 for a role not linked to a person.
CREATE FUNCTION cca_reader_open(p_content_id text, p_course_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    c learning_content;
    p learning_progress;
    the_course text;
    course_doc jsonb;
BEGIN
    SELECT * INTO c FROM learning_content lc WHERE lc.id = p_content_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no learning content %', p_content_id USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO p FROM learning_progress lp
    WHERE lp.user_id = me AND lp.content_id = p_content_id;

    SELECT cc.course_id INTO the_course
    FROM course_contents cc JOIN courses co ON co.id = cc.course_id
    WHERE cc.content_id = p_content_id
    ORDER BY cc.course_id IS NOT DISTINCT FROM p_course_id DESC, co.title, co.id
    LIMIT 1;

    IF the_course IS NOT NULL THEN
        SELECT jsonb_build_object(
                   'id', co.id, 'title', co.title, 'index', o.idx, 'count', o.cnt,
                   'prev', (SELECT jsonb_build_object('content_id', lc.id, 'title', lc.title)
                            FROM course_contents cc JOIN learning_content lc ON lc.id = cc.content_id
                            WHERE cc.course_id = co.id AND cc.ordinal < o.ordinal
                            ORDER BY cc.ordinal DESC LIMIT 1),
                   'next', (SELECT jsonb_build_object('content_id', lc.id, 'title', lc.title)
                            FROM course_contents cc JOIN learning_content lc ON lc.id = cc.content_id
                            WHERE cc.course_id = co.id AND cc.ordinal > o.ordinal
                            ORDER BY cc.ordinal LIMIT 1))
        INTO course_doc
        FROM courses co
        CROSS JOIN LATERAL (
            SELECT x.ordinal, x.idx, x.cnt
            FROM (SELECT cc.content_id, cc.ordinal,
                         row_number() OVER (ORDER BY cc.ordinal) AS idx,
                         count(*) OVER () AS cnt
                  FROM course_contents cc WHERE cc.course_id = co.id) x
            WHERE x.content_id = p_content_id
        ) o
        WHERE co.id = the_course;
    END IF;

    RETURN jsonb_build_object(
        'content', jsonb_build_object('id', c.id, 'title', c.title,
                                      'content_type', c.content_type, 'body', c.content,
                                      'length', char_length(c.content),
                                      'source_path', c.source_path, 'metadata', c.metadata),
        'progress', jsonb_build_object('read_position', coalesce(p.read_position, 0),
                                       'progress', coalesce(p.progress, 0),
                                       'time_spent', coalesce(p.time_spent, 0),
                                       'started_at', p.started_at,
                                       'completed_at', p.completed_at,
                                       'last_activity', p.updated_at),
        'course', course_doc);
END
$$;

-- cca_record_reading(content_id text, position integer DEFAULT NULL,
--                    seconds_delta integer DEFAULT 0, completed boolean DEFAULT false,
--                    percent float8 DEFAULT NULL) -> jsonb
-- The reader's one write, sent as the learner reads (every ~30 s, on leaving, on "mark as
-- complete"). Upserts the caller's learning_progress row of the content through RLS:
--   read_position := position (the resume point: character offset of the first visible
--                    character; NULL keeps the stored one; clamped to the text length),
--   progress      := greatest(stored, new) where new is 100 when completed, else percent
--                    (how far the learner has seen, 0..100), else position / length;
--                    reading back never lowers progress,
--   time_spent    += seconds_delta (0..86400; the seconds actually spent since the last call),
-- adds seconds_delta to today's learning_time, and rolls the content up into every course
-- that contains it: the caller's course row gets progress = greatest(stored, average progress
-- of the course's lessons, unread ones counting 0) (created when missing). The spec's
-- triggers set completed_at and write the audit row at 100, on the caller's own statements.
-- Returns {"content_id", "read_position", "progress", "time_spent", "completed_at",
--          "courses": [{"course_id", "progress", "completed_at"}]}.
-- 22023 bad argument, P0002 unknown content, 42501 role not linked to a person.
CREATE FUNCTION cca_record_reading(p_content_id text, p_position integer DEFAULT NULL,
                                   p_seconds_delta integer DEFAULT 0,
                                   p_completed boolean DEFAULT false,
                                   p_percent float8 DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    delta integer := coalesce(p_seconds_delta, 0);
    len integer;
    pct float8;
    row learning_progress;
    crow learning_progress;
    cid text;
    course_pct float8;
    courses jsonb := '[]'::jsonb;
BEGIN
    IF delta < 0 OR delta > 86400 THEN
        RAISE EXCEPTION 'seconds_delta must be between 0 and 86400, not %', delta
            USING ERRCODE = '22023';
    END IF;
    IF p_position < 0 THEN
        RAISE EXCEPTION 'position must not be negative' USING ERRCODE = '22023';
    END IF;
    IF p_percent < 0 OR p_percent > 100 OR p_percent = 'NaN'::float8 THEN
        RAISE EXCEPTION 'percent must be between 0 and 100, not %', p_percent
            USING ERRCODE = '22023';
    END IF;
    SELECT char_length(lc.content) INTO len FROM learning_content lc WHERE lc.id = p_content_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no learning content %', p_content_id USING ERRCODE = 'P0002';
    END IF;

    pct := CASE WHEN coalesce(p_completed, false) THEN 100
                WHEN p_percent IS NOT NULL THEN p_percent
                WHEN p_position IS NOT NULL AND len > 0
                    THEN least(100, p_position * 100.0 / len)
                ELSE 0 END;

    INSERT INTO learning_progress AS lp (user_id, content_id, progress, read_position, time_spent)
    VALUES (me, p_content_id, pct, least(coalesce(p_position, 0), len), delta)
    ON CONFLICT (user_id, content_id) WHERE content_id IS NOT NULL
    DO UPDATE SET progress = greatest(lp.progress, EXCLUDED.progress),
                  read_position = CASE WHEN p_position IS NULL THEN lp.read_position
                                       ELSE EXCLUDED.read_position END,
                  time_spent = lp.time_spent + EXCLUDED.time_spent
    RETURNING lp.* INTO row;

    IF delta > 0 THEN
        INSERT INTO learning_time AS t (user_id, content_id, seconds)
        VALUES (me, p_content_id, delta)
        ON CONFLICT (user_id, day, content_id) DO UPDATE SET seconds = t.seconds + EXCLUDED.seconds;
    END IF;

    FOR cid IN SELECT cc.course_id FROM course_contents cc
               WHERE cc.content_id = p_content_id ORDER BY cc.course_id LOOP
        SELECT avg(coalesce(p.progress, 0)) INTO course_pct
        FROM course_contents cc
        LEFT JOIN learning_progress p ON p.user_id = me AND p.content_id = cc.content_id
        WHERE cc.course_id = cid;
        INSERT INTO learning_progress AS lp (user_id, course_id, progress)
        VALUES (me, cid, least(course_pct, 100))
        ON CONFLICT (user_id, course_id) WHERE course_id IS NOT NULL
        DO UPDATE SET progress = greatest(lp.progress, EXCLUDED.progress)
        RETURNING lp.* INTO crow;
        courses := courses || jsonb_build_object('course_id', cid, 'progress', crow.progress,
                                                 'completed_at', crow.completed_at);
    END LOOP;

    RETURN jsonb_build_object('content_id', p_content_id, 'read_position', row.read_position,
                              'progress', row.progress, 'time_spent', row.time_spent,
                              'completed_at', row.completed_at, 'courses', courses);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Recommendations
-- ---------------------------------------------------------------------------------------

-- cca_recommendation_candidates(limit integer DEFAULT 10)
--   -> TABLE (type text, item_id text, title text, score float8, reason text, rule text)
-- What the database would recommend to the caller now, best first, nothing stored. Items
-- the caller completed or dismissed are never proposed; items whose prerequisites are not
-- met are proposed only as the missing step towards a goal. One row per item (its best rule):
--   continue    course 0.80..0.88, skill 0.78..0.85, content 0.75..0.80 (by progress)
--               "You are 40% through X; next up: L."
--   goal_gap    0.86  "Your goal "g" needs P before X."          (P doable now, X blocked)
--   ready       0.90 skill / 0.87 course  "You finished A; X builds on it."
--   goal        0.80  "Matches your goal "g"."                   (users.learning_profile goals)
--   next_level  0.70  "You completed beginner courses such as A; X is the next step at
--                      intermediate level."
--   start       0.55 beginner course / 0.50 level-1 skill / 0.45, 0.40 other: no prerequisites
-- The list mixes: up to three rows of each rule are taken first (best score first), then
-- the best of the rest; the result is ordered by score.
CREATE FUNCTION cca_recommendation_candidates(p_limit integer DEFAULT 10)
RETURNS TABLE (type text, item_id text, title text, score float8, reason text, rule text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH me AS MATERIALIZED (SELECT cca_auth.uid() AS id),
mine AS MATERIALIZED (
    SELECT lp.skill_id, lp.course_id, lp.content_id, lp.progress
    FROM public.learning_progress lp
    WHERE lp.user_id = (SELECT me.id FROM me)
),
done AS MATERIALIZED (
    SELECT m.skill_id AS id FROM mine m WHERE m.skill_id IS NOT NULL AND m.progress >= 100
    UNION
    SELECT m.course_id FROM mine m WHERE m.course_id IS NOT NULL AND m.progress >= 100
),
started AS MATERIALIZED (
    SELECT 'skill'::text AS type, m.skill_id AS id, m.progress
    FROM mine m WHERE m.skill_id IS NOT NULL AND m.progress < 100
    UNION ALL
    SELECT 'course', m.course_id, m.progress
    FROM mine m WHERE m.course_id IS NOT NULL AND m.progress < 100
),
dismissed AS MATERIALIZED (
    SELECT DISTINCT r.type, r.item_id
    FROM public.recommendations r
    WHERE r.user_id = (SELECT me.id FROM me) AND r.dismissed_at IS NOT NULL
),
goals AS MATERIALIZED (
    SELECT DISTINCT lower(btrim(g.value)) AS goal
    FROM public.users u
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(u.learning_profile->'goals') = 'array'
             THEN u.learning_profile->'goals' ELSE '[]'::jsonb END) g
    WHERE u.id = (SELECT me.id FROM me) AND length(btrim(g.value)) >= 3
),
catalog AS MATERIALIZED (
    SELECT 'skill'::text AS type, s.id, s.name AS title,
           coalesce(s.prerequisites, '{}') AS prereqs, coalesce(s.level, 1) AS rank,
           NULL::text AS difficulty
    FROM public.skills s
    UNION ALL
    SELECT 'course', c.id, c.title, coalesce(c.prerequisites, '{}'),
           CASE c.difficulty WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2
                             WHEN 'advanced' THEN 3 ELSE 2 END,
           c.difficulty
    FROM public.courses c
),
names AS MATERIALIZED (
    SELECT DISTINCT ON (k.id) k.id, k.title FROM catalog k ORDER BY k.id, k.type
),
prereq_status AS MATERIALIZED (
    SELECT k.type, k.id,
           count(*) FILTER (WHERE d.id IS NULL) AS missing,
           array_agg(coalesce(n.title, p.item) ORDER BY p.ord)
               FILTER (WHERE d.id IS NOT NULL) AS met_names,
           array_agg(p.item ORDER BY p.ord) FILTER (WHERE d.id IS NULL) AS missing_ids
    FROM catalog k
    CROSS JOIN LATERAL unnest(k.prereqs) WITH ORDINALITY AS p(item, ord)
    LEFT JOIN done d ON d.id = p.item
    LEFT JOIN names n ON n.id = p.item
    GROUP BY k.type, k.id
),
open_items AS MATERIALIZED (
    SELECT k.type, k.id, k.title, k.rank, k.difficulty,
           cardinality(k.prereqs) AS prereq_count,
           coalesce(ps.missing, 0) AS missing, ps.met_names, ps.missing_ids,
           st.progress AS started_progress
    FROM catalog k
    LEFT JOIN prereq_status ps ON ps.type = k.type AND ps.id = k.id
    LEFT JOIN started st ON st.type = k.type AND st.id = k.id
    WHERE NOT EXISTS (SELECT 1 FROM done d WHERE d.id = k.id)
      AND NOT EXISTS (SELECT 1 FROM dismissed x WHERE x.type = k.type AND x.item_id = k.id)
),
next_lesson AS (
    SELECT DISTINCT ON (cc.course_id) cc.course_id, lc.title
    FROM public.course_contents cc
    JOIN started st ON st.type = 'course' AND st.id = cc.course_id
    JOIN public.learning_content lc ON lc.id = cc.content_id
    LEFT JOIN mine m ON m.content_id = cc.content_id
    WHERE coalesce(m.progress, 0) < 100
    ORDER BY cc.course_id, cc.ordinal
),
top_done_course AS (
    SELECT c.title, CASE c.difficulty WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2
                                      WHEN 'advanced' THEN 3 ELSE 2 END AS rank,
           c.difficulty
    FROM public.courses c JOIN done d ON d.id = c.id
    ORDER BY 2 DESC, c.title
    LIMIT 1
),
rules AS (
    -- continue what is started
    SELECT o.type, o.id AS item_id, o.title, o.rank,
           round((CASE o.type WHEN 'course' THEN 0.80 + 0.08 * o.started_progress / 100
                              ELSE 0.78 + 0.07 * o.started_progress / 100 END)::numeric,
                 3)::float8 AS score,
           format('You are %s%% through %s; %s', round(o.started_progress)::int, o.title,
                  CASE WHEN nl.title IS NOT NULL THEN 'next up: ' || nl.title || '.'
                       ELSE 'pick up where you left off.' END) AS reason,
           'continue'::text AS rule
    FROM open_items o
    LEFT JOIN next_lesson nl ON o.type = 'course' AND nl.course_id = o.id
    WHERE o.started_progress IS NOT NULL
    UNION ALL
    -- content read partly that is not part of a course
    SELECT 'content', lc.id, lc.title, 1, round((0.75 + 0.05 * m.progress / 100)::numeric, 3),
           format('You are %s%% through "%s"; continue reading.', round(m.progress)::int,
                  lc.title),
           'continue'
    FROM mine m
    JOIN public.learning_content lc ON lc.id = m.content_id
    WHERE m.content_id IS NOT NULL AND m.progress < 100
      AND NOT EXISTS (SELECT 1 FROM public.course_contents cc WHERE cc.content_id = m.content_id)
      AND NOT EXISTS (SELECT 1 FROM dismissed x WHERE x.type = 'content' AND x.item_id = lc.id)
    UNION ALL
    -- every prerequisite completed: the next step builds on what was finished
    SELECT o.type, o.id, o.title, o.rank,
           CASE o.type WHEN 'skill' THEN 0.90 ELSE 0.87 END,
           format('You finished %s; %s builds on %s.', cca_join_names(o.met_names), o.title,
                  CASE WHEN cardinality(o.met_names) = 1 THEN 'it' ELSE 'them' END),
           'ready'
    FROM open_items o
    WHERE o.started_progress IS NULL AND o.prereq_count > 0 AND o.missing = 0
    UNION ALL
    -- a goal of the learner, doable now
    SELECT o.type, o.id, o.title, o.rank, 0.80,
           format('Matches your goal "%s".', g.goal), 'goal'
    FROM open_items o
    JOIN goals g ON position(g.goal IN lower(o.title)) > 0
                 OR position(lower(o.title) IN g.goal) > 0
    WHERE o.started_progress IS NULL AND o.missing = 0
    UNION ALL
    -- a goal that is blocked: its missing prerequisites that are doable now (the skill gap)
    SELECT p.type, p.id, p.title, p.rank, 0.86,
           format('Your goal "%s" needs %s before %s.', g.goal, p.title, o.title)
           || CASE WHEN p.started_progress IS NOT NULL
                   THEN format(' You are %s%% through it.', round(p.started_progress)::int)
                   ELSE '' END,
           'goal_gap'
    FROM open_items o
    JOIN goals g ON position(g.goal IN lower(o.title)) > 0
                 OR position(lower(o.title) IN g.goal) > 0
    CROSS JOIN LATERAL unnest(o.missing_ids) AS mi(id)
    JOIN open_items p ON p.id = mi.id AND p.missing = 0
    WHERE o.missing > 0
    UNION ALL
    -- one difficulty above the hardest course completed, prerequisites met
    SELECT o.type, o.id, o.title, o.rank, 0.70,
           format('You completed %s courses such as %s; %s is the next step at %s level.',
                  t.difficulty, t.title, o.title, o.difficulty),
           'next_level'
    FROM open_items o
    CROSS JOIN top_done_course t
    WHERE o.type = 'course' AND o.started_progress IS NULL AND o.missing = 0
      AND o.rank = t.rank + 1
    UNION ALL
    -- places to start: no prerequisites
    SELECT o.type, o.id, o.title, o.rank,
           CASE WHEN o.type = 'course' AND o.rank = 1 THEN 0.55
                WHEN o.type = 'skill' AND o.rank = 1 THEN 0.50
                WHEN o.type = 'course' THEN 0.45 ELSE 0.40 END,
           CASE WHEN o.rank = 1
                THEN format('A good place to start: %s needs no prerequisites.', o.title)
                ELSE format('%s needs no prerequisites.', o.title) END,
           'start'
    FROM open_items o
    WHERE o.started_progress IS NULL AND o.prereq_count = 0
),
best AS (
    SELECT DISTINCT ON (r.type, r.item_id) r.*
    FROM rules r
    ORDER BY r.type, r.item_id, r.score DESC, r.rule
),
ranked AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.rule
                                   ORDER BY b.score DESC, b.rank, b.title, b.item_id) AS rn
    FROM best b
)
SELECT x.type, x.item_id, x.title, x.score, x.reason, x.rule
FROM (
    -- a mix: up to three of each rule first, then the best of the rest
    SELECT k.* FROM ranked k
    ORDER BY k.rn <= 3 DESC, k.score DESC, k.rank, k.title, k.item_id
    LIMIT greatest(coalesce(p_limit, 10), 0)
) x
ORDER BY x.score DESC, x.rank, x.title, x.item_id;
END
$$;

-- cca_recommendations(refresh boolean DEFAULT false, limit integer DEFAULT 10) -> jsonb
-- The Recommendations tab. With refresh, or when the caller has no active recommendation, the
-- database first regenerates (cca_recommendation_candidates) and stores the result in
-- `recommendations` as the caller, through RLS: an active row that is proposed again with the
-- same score and reason is kept (so clicks and click-through stay meaningful); the other active
-- rows are retired (retired_at); new proposals are inserted. Dismissed items never return.
-- {
--   "generated_at": timestamptz|null (newest active row),
--   "items": [{"id" (recommendations.id: pass it to cca_recommendation_open / _dismiss),
--              "type": "skill"|"course"|"content", "item_id", "title", "score", "reason",
--              "clicked": bool, "created_at",
--              "open": {"content_id", "title", "course_id"}|null}]   best first, <= limit
-- }
-- limit is clamped to 1..50. 42501 for a role not linked to a person.
CREATE FUNCTION cca_recommendations(p_refresh boolean DEFAULT false,
                                    p_limit integer DEFAULT 10)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    lim integer := least(greatest(coalesce(p_limit, 10), 1), 50);
    doc jsonb;
BEGIN
    IF coalesce(p_refresh, false) OR NOT EXISTS (
           SELECT 1 FROM recommendations r
           WHERE r.user_id = me AND r.retired_at IS NULL AND r.dismissed_at IS NULL) THEN
        -- one refresh at a time per person (two tabs, a double key press)
        PERFORM pg_advisory_xact_lock(hashtextextended('cca_recommendations:' || me, 0));
        WITH cand AS MATERIALIZED (
            SELECT * FROM cca_recommendation_candidates(lim)
        ),
        retired AS (
            UPDATE recommendations r SET retired_at = now()
            WHERE r.user_id = me AND r.retired_at IS NULL AND r.dismissed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM cand c
                              WHERE c.type = r.type AND c.item_id = r.item_id
                                AND c.score = r.score AND c.reason IS NOT DISTINCT FROM r.reason)
            RETURNING r.id
        )
        INSERT INTO recommendations (user_id, type, item_id, score, reason)
        SELECT me, c.type, c.item_id, c.score, c.reason
        FROM cand c
        WHERE NOT EXISTS (SELECT 1 FROM recommendations r
                          WHERE r.user_id = me AND r.retired_at IS NULL
                            AND r.dismissed_at IS NULL
                            AND r.type = c.type AND r.item_id = c.item_id
                            AND r.score = c.score AND r.reason IS NOT DISTINCT FROM c.reason);
    END IF;

    SELECT jsonb_build_object(
               'generated_at', max(x.created_at),
               'items', coalesce(jsonb_agg(jsonb_build_object(
                   'id', x.id, 'type', x.type, 'item_id', x.item_id, 'title', x.title,
                   'score', x.score, 'reason', x.reason, 'clicked', x.clicked,
                   'created_at', x.created_at, 'open', cca_open_target(x.type, x.item_id))
                 ORDER BY x.score DESC, x.created_at DESC, x.id), '[]'::jsonb))
    INTO doc
    FROM (
        SELECT r.id, r.type, r.item_id, r.score, r.reason, coalesce(r.clicked, false) AS clicked,
               r.created_at,
               CASE r.type WHEN 'skill' THEN (SELECT s.name FROM skills s WHERE s.id = r.item_id)
                           WHEN 'course' THEN (SELECT c.title FROM courses c WHERE c.id = r.item_id)
                           ELSE (SELECT lc.title FROM learning_content lc WHERE lc.id = r.item_id)
               END AS title
        FROM recommendations r
        WHERE r.user_id = me AND r.retired_at IS NULL AND r.dismissed_at IS NULL
        ORDER BY r.score DESC, r.created_at DESC, r.id
        LIMIT lim
    ) x
    WHERE x.title IS NOT NULL;
    RETURN doc;
END
$$;

-- cca_recommendation_open(id text) -> jsonb: the learner opens a recommendation. Records the
-- click as the caller (clicked = true, clicked_at by the server on the first click, and an
-- analytics event 'recommendation_clicked' from the trigger), which recommendation_analytics
-- then counts. Returns {"id", "type", "item_id", "open": {"content_id", "title",
-- "course_id"}|null} so the screen can go to the reader. P0002 when the id is not one of
-- the caller's recommendations.
CREATE FUNCTION cca_recommendation_open(p_id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    r recommendations;
BEGIN
    UPDATE recommendations rec SET clicked = true
    WHERE rec.id = p_id AND rec.user_id = me
    RETURNING rec.* INTO r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no recommendation % of yours', p_id USING ERRCODE = 'P0002';
    END IF;
    RETURN jsonb_build_object('id', r.id, 'type', r.type, 'item_id', r.item_id,
                              'open', cca_open_target(r.type, r.item_id));
END
$$;

-- cca_recommendation_dismiss(id text) -> jsonb: the learner dismisses a recommendation; it
-- and every active recommendation of the same item get dismissed_at (analytics event
-- 'recommendation_dismissed'), and no refresh proposes the item again.
-- Returns {"id", "type", "item_id", "dismissed": int (rows)}. P0002 when not the caller's.
CREATE FUNCTION cca_recommendation_dismiss(p_id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    r recommendations;
    n integer;
BEGIN
    SELECT * INTO r FROM recommendations rec WHERE rec.id = p_id AND rec.user_id = me;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no recommendation % of yours', p_id USING ERRCODE = 'P0002';
    END IF;
    UPDATE recommendations rec SET dismissed_at = now()
    WHERE rec.user_id = me AND rec.dismissed_at IS NULL
      AND (rec.id = p_id OR (rec.type = r.type AND rec.item_id = r.item_id
                             AND rec.retired_at IS NULL));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN jsonb_build_object('id', r.id, 'type', r.type, 'item_id', r.item_id, 'dismissed', n);
END
$$;

-- ---------------------------------------------------------------------------------------
-- The chat knows the learner
-- ---------------------------------------------------------------------------------------

-- cca_learning_summary() -> jsonb: the caller's own learning, compact, for the chat to cite
-- like a passage. Only the caller's rows (RLS and user_id = the caller).
-- {
--   "user": {"name", "department"}, "as_of": "YYYY-MM-DD",
--   "figures": the dashboard's "summary" plus "time_this_month_seconds",
--              "assessments_taken", "assessments_failed",
--   "courses_in_progress": [{"title", "progress", "next": text|null}]   <= 5, latest first
--   "failed_assessments": [{"title", "score", "passing_score", "completed_at"}]
--   "time_this_month": [{"topic" (the course of the content, else its title), "seconds"}]
--                       <= 8, most time first
--   "top_recommendations": [{"type", "title", "reason"}]  <= 3 active stored ones
--   "text": the same as a few plain sentences (what the chat quotes)
-- }
CREATE FUNCTION cca_learning_summary() RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := cca_auth.require_uid();
    dash jsonb := cca_learning_dashboard();
    s jsonb := dash->'summary';
    month_start date := date_trunc('month', current_date::timestamp)::date;
    courses_doc jsonb;
    failed jsonb;
    topics jsonb;
    recs jsonb;
    month_seconds bigint;
    taken integer := jsonb_array_length(dash->'assessments');
    txt text;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('title', x.e->>'title',
                                                 'progress', (x.e->>'progress')::float8,
                                                 'next', x.e->'next'->>'title')
                              ORDER BY x.o), '[]'::jsonb)
    INTO courses_doc
    FROM (SELECT e, o FROM jsonb_array_elements(dash->'in_progress') WITH ORDINALITY AS y(e, o)
          WHERE e->>'type' = 'course' ORDER BY o LIMIT 5) x;

    SELECT coalesce(jsonb_agg(jsonb_build_object('title', e->>'title',
                                                 'score', (e->>'score')::float8,
                                                 'passing_score', (e->>'passing_score')::float8,
                                                 'completed_at', e->'completed_at')
                              ORDER BY o), '[]'::jsonb)
    INTO failed
    FROM jsonb_array_elements(dash->'assessments') WITH ORDINALITY AS x(e, o)
    WHERE NOT (e->>'passed')::boolean;

    SELECT coalesce(sum(lt.seconds), 0) INTO month_seconds
    FROM learning_time lt
    WHERE lt.user_id = me AND lt.day >= month_start;

    SELECT coalesce(jsonb_agg(jsonb_build_object('topic', t.topic, 'seconds', t.seconds)
                              ORDER BY t.seconds DESC, t.topic), '[]'::jsonb)
    INTO topics
    FROM (
        SELECT coalesce(co.title, lc.title) AS topic, sum(lt.seconds) AS seconds
        FROM learning_time lt
        JOIN learning_content lc ON lc.id = lt.content_id
        LEFT JOIN LATERAL (
            SELECT c.title FROM course_contents cc JOIN courses c ON c.id = cc.course_id
            WHERE cc.content_id = lt.content_id ORDER BY c.title LIMIT 1) co ON true
        WHERE lt.user_id = me AND lt.day >= month_start AND lt.seconds > 0
        GROUP BY 1
        ORDER BY 2 DESC, 1
        LIMIT 8
    ) t;

    SELECT coalesce(jsonb_agg(jsonb_build_object('type', x.type, 'title', x.title,
                                                 'reason', x.reason) ORDER BY x.n), '[]'::jsonb)
    INTO recs
    FROM (
        SELECT r.type, r.reason, row_number() OVER (ORDER BY r.score DESC, r.created_at DESC, r.id) AS n,
               CASE r.type WHEN 'skill' THEN (SELECT sk.name FROM skills sk WHERE sk.id = r.item_id)
                           WHEN 'course' THEN (SELECT c.title FROM courses c WHERE c.id = r.item_id)
                           ELSE (SELECT lc.title FROM learning_content lc WHERE lc.id = r.item_id)
               END AS title
        FROM recommendations r
        WHERE r.user_id = me AND r.retired_at IS NULL AND r.dismissed_at IS NULL
        ORDER BY r.score DESC, r.created_at DESC, r.id
        LIMIT 3
    ) x
    WHERE x.title IS NOT NULL;

    txt := format('Learning summary of %s on %s. Overall completion %s%%. Courses: %s completed, %s in progress. Skills: %s completed, %s in progress. Learning streak: %s day(s); %s item(s) completed in the last 30 days.',
                  dash->'user'->>'name', to_char(current_date, 'YYYY-MM-DD'),
                  s->>'overall_completion', s->>'courses_completed', s->>'courses_in_progress',
                  s->>'skills_completed', s->>'skills_in_progress', s->>'streak_days',
                  s->>'completed_last_30_days');
    txt := txt || CASE WHEN month_seconds > 0 THEN
        format(' Time spent learning this month: %s (%s).', cca_format_duration(month_seconds),
               (SELECT string_agg(format('%s %s', e->>'topic',
                                         cca_format_duration((e->>'seconds')::bigint)), ', '
                                  ORDER BY o)
                FROM jsonb_array_elements(topics) WITH ORDINALITY AS x(e, o)))
        ELSE ' No learning time recorded this month.' END;
    txt := txt || CASE WHEN jsonb_array_length(courses_doc) > 0 THEN
        ' In progress: ' || (SELECT string_agg(format('%s %s%%', e->>'title',
                                                      round((e->>'progress')::numeric))
                                               || coalesce(format(' (next: %s)', e->>'next'), ''),
                                               '; ' ORDER BY o)
                             FROM jsonb_array_elements(courses_doc) WITH ORDINALITY AS x(e, o))
        || '.'
        ELSE ' No course in progress.' END;
    txt := txt || CASE
        WHEN taken = 0 THEN ' No assessment taken yet.'
        WHEN jsonb_array_length(failed) = 0 THEN format(' Assessments: all %s passed.', taken)
        ELSE ' Assessments below the pass mark: '
             || (SELECT string_agg(format('%s %s (pass mark %s)', e->>'title',
                                          round((e->>'score')::numeric),
                                          round((e->>'passing_score')::numeric)), '; '
                                   ORDER BY o)
                 FROM jsonb_array_elements(failed) WITH ORDINALITY AS x(e, o)) || '.' END;
    txt := txt || CASE WHEN jsonb_array_length(recs) > 0 THEN
        ' Recommended next: ' || (SELECT string_agg(format('%s (%s)', e->>'title',
                                                           rtrim(e->>'reason', '.')), '; '
                                                    ORDER BY o)
                                  FROM jsonb_array_elements(recs) WITH ORDINALITY AS x(e, o))
        || '.'
        ELSE '' END;

    RETURN jsonb_build_object(
        'user', jsonb_build_object('name', dash->'user'->>'name',
                                   'department', dash->'user'->>'department'),
        'as_of', to_char(current_date, 'YYYY-MM-DD'),
        'figures', s || jsonb_build_object('time_this_month_seconds', month_seconds,
                                           'assessments_taken', taken,
                                           'assessments_failed', jsonb_array_length(failed)),
        'courses_in_progress', courses_doc,
        'failed_assessments', failed,
        'time_this_month', topics,
        'top_recommendations', recs,
        'text', txt);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Data at company scale (benchmarks; `cca seed --scale N` calls this)
-- ---------------------------------------------------------------------------------------

-- cca_seed_scale(factor numeric DEFAULT 1) -> jsonb: adds a generated company to the
-- database, deterministically (setseed; ids are numbered): at factor 1, 5,000 employees in 20
-- departments, 400 skills, 200 courses of 5 lessons each (1,000 learning_content rows, no
-- embeddings), about 500,000 learning_progress rows (skills, courses and the lessons that
-- roll up into them, consistent with cca_record_reading), one learning_time row per lesson
-- row, 50 assessments with 3 results per employee, 100,000 conversations with 1,000,000 chat
-- messages. Counts scale with factor (0 < factor <= 10; catalogue at least 40 skills and
-- 40 courses). The first 20 employees (one per department) are learners with login roles
-- cca_u_scale_01 .. cca_u_scale_20 (for benchmarks as a learner); the others have no login.
-- Superuser only (no grant, and checked): it runs with session_replication_role = replica, so
-- no trigger fires (no audit or analytics rows for generated history; completed_at is
-- written explicitly) and foreign keys are not re-checked (the generator keeps them).
-- Refuses to run twice (55000). Returns the counts and the seconds taken.
CREATE FUNCTION cca_seed_scale(factor numeric DEFAULT 1) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    logins constant integer := 20;
    lessons constant integer := 5;
    n_users integer;
    n_skills integer;
    n_courses integer;
    n_assess integer;
    n_msgs bigint;
    n_convs bigint;
    spu integer;
    cpu integer;
    apu integer;
    s_stride integer := 41;
    c_stride integer := 17;
    a_stride integer := 7;
    t0 timestamptz := clock_timestamp();
    topics text[] := ARRAY['Python', 'SQL', 'Kubernetes', 'Docker', 'Linux', 'Networking',
        'Cloud Architecture', 'Security Awareness', 'Incident Response', 'Data Analysis',
        'Machine Learning', 'Statistics', 'Excel', 'Negotiation', 'Public Speaking',
        'Writing', 'Project Management', 'Agile', 'Leadership', 'Coaching', 'Sales Discovery',
        'Customer Success', 'Accounting', 'Budgeting', 'Procurement', 'Logistics',
        'Quality Management', 'Lean', 'GDPR', 'Compliance', 'UX Research', 'Product Strategy',
        'Marketing Analytics', 'SEO', 'Java', 'JavaScript', 'React', 'Testing', 'Git',
        'Observability'];
    kinds text[] := ARRAY['Foundations', 'Essentials', 'Workshop', 'Deep Dive', 'Masterclass'];
    lesson_names text[] := ARRAY['Overview', 'Core ideas', 'Worked example', 'Common mistakes',
        'Practice'];
    categories text[] := ARRAY['Technical', 'Data', 'Cloud', 'Security', 'Management',
        'Soft Skills', 'Compliance', 'Product'];
    depts text[] := ARRAY['Engineering', 'Sales', 'Marketing', 'Finance', 'Human Resources',
        'Operations', 'Legal', 'Customer Support', 'Product', 'Design', 'IT', 'Data',
        'Security', 'Procurement', 'Logistics', 'Manufacturing', 'Quality', 'Research',
        'Communications', 'Facilities'];
    first_names text[] := ARRAY['Anna', 'Ben', 'Chloe', 'David', 'Elena', 'Farid', 'Greta',
        'Hugo', 'Ines', 'Jonas', 'Kira', 'Luca', 'Maya', 'Nils', 'Olga', 'Pavel', 'Rosa',
        'Sami', 'Tara', 'Yusuf'];
    last_names text[] := ARRAY['Almeida', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer',
        'Garcia', 'Hansen', 'Ivanova', 'Jensen', 'Kowalski', 'Larsen', 'Moreau', 'Novak',
        'Olsen', 'Peters', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka'];
    questions text[] := ARRAY['How do I get started with %s?', 'What are best practices for %s?',
        'Which course should I take next in %s?', 'Explain the basics of %s',
        'What is a common mistake in %s?', 'How long does it take to learn %s?',
        'Give me an example of %s at work', 'What should I read about %s?'];
    login_no integer;
    counts jsonb;
BEGIN
    IF NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false)
    THEN
        RAISE EXCEPTION 'cca_seed_scale is for the superuser' USING ERRCODE = '42501';
    END IF;
    IF factor IS NULL OR factor <= 0 OR factor > 10 THEN
        RAISE EXCEPTION 'factor must be in (0, 10], not %', factor USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM users u WHERE u.id LIKE 'scale-%') THEN
        RAISE EXCEPTION 'the generated company is already in this database'
            USING ERRCODE = '55000';
    END IF;

    n_users := greatest(logins + 30, round(5000 * factor))::integer;
    n_skills := greatest(40, round(400 * factor))::integer;
    n_courses := greatest(40, round(200 * factor))::integer;
    n_assess := greatest(5, round(50 * factor))::integer;
    n_msgs := round(1000000 * factor)::bigint;
    n_convs := ceil(n_msgs / 10.0)::bigint;
    spu := least(28, n_skills);
    cpu := least(16, n_courses);
    apu := least(3, n_assess);
    WHILE gcd(s_stride, n_skills) <> 1 LOOP s_stride := s_stride + 2; END LOOP;
    WHILE gcd(c_stride, n_courses) <> 1 LOOP c_stride := c_stride + 2; END LOOP;
    WHILE gcd(a_stride, n_assess) <> 1 LOOP a_stride := a_stride + 2; END LOOP;

    PERFORM setseed(0.4242);
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
    PERFORM set_config('session_replication_role', 'replica', true);

    -- people: 20 learners with login roles, then HR (one per department), trainers, learners
    FOR login_no IN 1..logins LOOP
        PERFORM cca_user_create(
            format('scale%s@scale.example.com', lpad(login_no::text, 6, '0')),
            first_names[1 + (login_no * 7) % 20] || ' ' || last_names[1 + (login_no * 13) % 20],
            'learner', depts[1 + (login_no - 1) % 20],
            format('cca_u_scale_%s', lpad(login_no::text, 2, '0')),
            format('scale-u-%s', lpad(login_no::text, 6, '0')));
    END LOOP;
    INSERT INTO users (id, email, name, role, department, created_at, updated_at)
    SELECT format('scale-u-%s', lpad(i::text, 6, '0')),
           format('scale%s@scale.example.com', lpad(i::text, 6, '0')),
           first_names[1 + (i * 7) % 20] || ' ' || last_names[1 + (i * 13) % 20],
           CASE WHEN i <= logins + 20 THEN 'hr_manager' WHEN i <= logins + 30 THEN 'trainer'
                ELSE 'learner' END,
           depts[1 + (i - 1) % 20], now() - interval '3 years', now()
    FROM generate_series(logins + 1, n_users) i;
    UPDATE users u
    SET learning_profile = jsonb_build_object(
            'goals', jsonb_build_array(lower(topics[1 + (x.i * 3) % 40])))
    FROM (SELECT i FROM generate_series(1, n_users) i WHERE i % 2 = 1) x
    WHERE u.id = format('scale-u-%s', lpad(x.i::text, 6, '0'));

    -- catalogue: skill n of a topic needs skill n-1 of it (and sometimes one of another)
    INSERT INTO skills (id, name, description, category, level, prerequisites, created_at)
    SELECT format('scale-s-%s', lpad(i::text, 4, '0')), topics[x.t] || ' ' || x.n,
           format('%s, stage %s', topics[x.t], x.n), categories[1 + (x.t - 1) % 8],
           least(5, 1 + (x.n - 1) / 2),
           CASE WHEN x.n = 1 THEN '{}'::text[]
                WHEN i % 7 = 0 AND i > 80
                    THEN ARRAY[format('scale-s-%s', lpad((i - 40)::text, 4, '0')),
                               format('scale-s-%s', lpad((i - 81)::text, 4, '0'))]
                ELSE ARRAY[format('scale-s-%s', lpad((i - 40)::text, 4, '0'))] END,
           now() - interval '2 years'
    FROM generate_series(1, n_skills) i
    CROSS JOIN LATERAL (SELECT 1 + (i - 1) % 40 AS t, 1 + (i - 1) / 40 AS n) x;

    -- course k of a topic needs course k-1 of it and skill k-1 of it
    INSERT INTO courses (id, title, description, duration, difficulty, prerequisites,
                         learning_objectives, created_at)
    SELECT format('scale-k-%s', lpad(i::text, 4, '0')),
           topics[x.t] || ' ' || kinds[x.k] || CASE WHEN x.series > 1 THEN ' ' || x.series ELSE '' END,
           format('%s for the %s level.', topics[x.t], lower(kinds[x.k])),
           60 + (i * 37) % 540,
           CASE WHEN x.k <= 2 THEN 'beginner' WHEN x.k <= 4 THEN 'intermediate' ELSE 'advanced' END,
           CASE WHEN i <= 40 THEN '{}'::text[]
                ELSE ARRAY[format('scale-k-%s', lpad((i - 40)::text, 4, '0'))]
                     || CASE WHEN x.k >= 2 AND (x.k - 2) * 40 + x.t <= n_skills
                             THEN ARRAY[format('scale-s-%s', lpad(((x.k - 2) * 40 + x.t)::text, 4, '0'))]
                             ELSE '{}'::text[] END END,
           ARRAY['Understand ' || topics[x.t], 'Apply ' || topics[x.t] || ' at work'],
           now() - interval '2 years'
    FROM generate_series(1, n_courses) i
    CROSS JOIN LATERAL (SELECT 1 + (i - 1) % 40 AS t, 1 + ((i - 1) / 40) % 5 AS k,
                               1 + (i - 1) / 200 AS series) x;

    INSERT INTO learning_content (id, title, content, content_type, source_service, metadata,
                                  created_by, created_at, updated_at)
    SELECT format('scale-c-%s-%s', lpad(i::text, 4, '0'), j),
           format('%s, lesson %s: %s', c.title, j, lesson_names[j]),
           format('%s. %s of %s. ', c.title, lesson_names[j], topics[1 + (i - 1) % 40])
           || repeat(format('In this part of %s you practise %s on an example from your own work, '
                            || 'note what changed and compare it with the checklist of the course. ',
                            c.title, lower(lesson_names[j])), 8),
           'lesson', 'scale-generator',
           jsonb_build_object('course_id', c.id,
                              'skill_id', format('scale-s-%s', lpad((1 + (i - 1) % 40)::text, 4, '0'))),
           format('scale-u-%s', lpad((logins + 21 + i % 10)::text, 6, '0')),
           now() - interval '1 year', now() - interval '1 year'
    FROM generate_series(1, n_courses) i
    JOIN courses c ON c.id = format('scale-k-%s', lpad(i::text, 4, '0'))
    CROSS JOIN generate_series(1, lessons) j;

    INSERT INTO course_contents (course_id, content_id, ordinal)
    SELECT format('scale-k-%s', lpad(i::text, 4, '0')),
           format('scale-c-%s-%s', lpad(i::text, 4, '0'), j), j - 1
    FROM generate_series(1, n_courses) i CROSS JOIN generate_series(1, lessons) j;

    -- skills of each person: progress, some completed
    INSERT INTO learning_progress (id, user_id, skill_id, level, progress, started_at,
                                   completed_at, updated_at)
    SELECT format('scale-ps-%s-%s', x.u, x.j), format('scale-u-%s', lpad(x.u::text, 6, '0')),
           format('scale-s-%s', lpad((1 + (x.u * 13 + x.j * s_stride) % n_skills)::text, 4, '0')),
           1 + floor(x.r2 * 5)::int, x.prog, x.upd - x.r3 * interval '90 days',
           CASE WHEN x.prog >= 100 THEN x.upd END, x.upd
    FROM (SELECT u, j, r2, r3,
                 CASE WHEN r1 < 0.4 THEN 100 ELSE floor((r1 - 0.4) / 0.6 * 95)::int END AS prog,
                 now() - (r4 * r4 * 400) * interval '1 day' AS upd
          FROM (SELECT u, j, random() AS r1, random() AS r2, random() AS r3, random() AS r4
                FROM generate_series(1, n_users) u CROSS JOIN generate_series(0, spu - 1) j) y
         ) x;

    -- courses of each person and the lessons read in order (the course's progress is the
    -- average of its lessons', as cca_record_reading rolls it up)
    CREATE TEMP TABLE cca_scale_uc ON COMMIT DROP AS
    SELECT u, j, 1 + (u * 7 + j * c_stride) % n_courses AS c,
           CASE WHEN r1 < 0.3 THEN lessons ELSE floor(r2 * lessons)::int END AS done,
           floor(r3 * 100)::int AS part,
           now() - (r4 * r4 * 300) * interval '1 day' AS upd,
           r5
    FROM (SELECT u, j, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                 random() AS r5
          FROM generate_series(1, n_users) u CROSS JOIN generate_series(0, cpu - 1) j) y;
    UPDATE cca_scale_uc SET part = 0 WHERE done = lessons;

    INSERT INTO learning_progress (id, user_id, course_id, level, progress, started_at,
                                   completed_at, updated_at)
    SELECT format('scale-pk-%s-%s', uc.u, uc.j), format('scale-u-%s', lpad(uc.u::text, 6, '0')),
           format('scale-k-%s', lpad(uc.c::text, 4, '0')), 1,
           (uc.done * 100 + uc.part) / lessons::float8,
           uc.upd - (10 + uc.r5 * 80) * interval '1 day',
           CASE WHEN uc.done = lessons THEN uc.upd END, uc.upd
    FROM cca_scale_uc uc;

    INSERT INTO learning_progress (id, user_id, content_id, level, progress, read_position,
                                   time_spent, started_at, completed_at, updated_at)
    SELECT format('scale-pc-%s-%s-%s', uc.u, uc.j, l), format('scale-u-%s', lpad(uc.u::text, 6, '0')),
           format('scale-c-%s-%s', lpad(uc.c::text, 4, '0'), l), 1,
           CASE WHEN l <= uc.done THEN 100 ELSE uc.part END,
           CASE WHEN l <= uc.done THEN 0 ELSE uc.part * 12 END,
           120 + ((uc.u * 31 + uc.j * 17 + l * 7) % 1500),
           uc.upd - (10 + uc.r5 * 80) * interval '1 day' * (lessons + 1 - l) / lessons,
           CASE WHEN l <= uc.done
                THEN uc.upd - (10 + uc.r5 * 80) * interval '1 day' * (lessons - l) / lessons END,
           uc.upd - (10 + uc.r5 * 80) * interval '1 day' * (lessons - l) / lessons
    FROM cca_scale_uc uc
    CROSS JOIN generate_series(1, lessons) l
    WHERE l <= uc.done OR (l = uc.done + 1 AND uc.part > 0);

    -- the reading time behind those lessons, on the day of their last activity
    INSERT INTO learning_time (user_id, day, content_id, seconds)
    SELECT lp.user_id, lp.updated_at::date, lp.content_id, lp.time_spent
    FROM learning_progress lp
    WHERE lp.id LIKE 'scale-pc-%';

    -- assessments (keys filed directly: the key-extraction trigger is off) and results
    INSERT INTO assessments (id, title, description, questions, difficulty, time_limit,
                             passing_score, created_by, created_at)
    SELECT format('scale-a-%s', lpad(i::text, 3, '0')),
           format('%s check %s', topics[1 + (i - 1) % 40], 1 + (i - 1) / 40),
           format('Checks the basics of %s', topics[1 + (i - 1) % 40]),
           jsonb_build_array(jsonb_build_object(
               'id', 'q1', 'type', 'multiple_choice',
               'question', format('Which statement about %s is right?', topics[1 + (i - 1) % 40]),
               'options', jsonb_build_array('the first', 'the second', 'the third', 'the fourth'))),
           (ARRAY['beginner', 'intermediate', 'advanced'])[1 + i % 3], 20, 60 + (i * 5) % 25,
           format('scale-u-%s', lpad((logins + 21 + i % 10)::text, 6, '0')),
           now() - interval '1 year'
    FROM generate_series(1, n_assess) i;
    INSERT INTO assessment_keys (assessment_id, question_id, correct)
    SELECT format('scale-a-%s', lpad(i::text, 3, '0')), 'q1', i % 4
    FROM generate_series(1, n_assess) i;
    INSERT INTO assessment_results (id, user_id, assessment_id, score, answers, completed_at,
                                    time_taken)
    SELECT format('scale-r-%s-%s', u, j), format('scale-u-%s', lpad(u::text, 6, '0')),
           format('scale-a-%s', lpad((1 + (u * 3 + j * a_stride) % n_assess)::text, 3, '0')),
           CASE WHEN r1 < 0.7 THEN 100 ELSE 0 END,
           jsonb_build_object('q1', CASE WHEN r1 < 0.7 THEN (1 + (u * 3 + j * a_stride) % n_assess) % 4
                                         ELSE ((1 + (u * 3 + j * a_stride) % n_assess) + 1) % 4 END),
           now() - (r2 * 300) * interval '1 day', 60 + floor(r3 * 1000)::int
    FROM (SELECT u, j, random() AS r1, random() AS r2, random() AS r3
          FROM generate_series(1, n_users) u CROSS JOIN generate_series(0, apu - 1) j) y;

    -- conversations of ten questions each, spread over people and the last year
    INSERT INTO conversations (id, user_id, title, created_at, updated_at)
    SELECT format('scale-v-%s', lpad(v::text, 7, '0')),
           format('scale-u-%s', lpad((1 + (v - 1) % n_users)::text, 6, '0')),
           format(questions[1 + v % 8], topics[1 + (v * 7) % 40]), x.ts,
           x.ts + interval '10 minutes'
    FROM (SELECT v, now() - random() * interval '365 days' AS ts
          FROM generate_series(1, n_convs) v) x;
    INSERT INTO chat_messages (id, user_id, conversation_id, message, response, confidence,
                               sources, processing_time, status, is_offline, abstain,
                               created_at, updated_at)
    SELECT format('scale-m-%s', lpad((x.v * 10 + k)::text, 8, '0')), cv.user_id, cv.id,
           format(questions[1 + (x.v + k) % 8], topics[1 + (x.v * 7 + k) % 40]),
           CASE WHEN k % 10 <> 9 THEN
               format('Start with the %s Foundations course; its first lesson gives an overview [1].',
                      topics[1 + (x.v * 7 + k) % 40]) END,
           CASE WHEN k % 10 <> 9 THEN 0.5 + ((x.v + k) % 50) / 100.0 END,
           CASE WHEN k = 0 THEN jsonb_build_array(jsonb_build_object(
                    'content_id', format('scale-c-%s-1', lpad((1 + (x.v * 7) % 40)::text, 4, '0')),
                    'passage_id', NULL, 'similarity', 0.8))
                WHEN k % 10 <> 9 THEN '[]'::jsonb END,
           300 + (x.v * 13 + k * 101) % 3000,
           CASE WHEN k % 10 = 9 THEN 'failed' ELSE 'answered' END,
           false, false,
           cv.created_at + k * interval '1 minute', cv.created_at + k * interval '1 minute'
    FROM (SELECT v FROM generate_series(0, n_convs - 1) v) x
    JOIN conversations cv ON cv.id = format('scale-v-%s', lpad((x.v + 1)::text, 7, '0'))
    CROSS JOIN generate_series(0, 9) k
    WHERE x.v * 10 + k < n_msgs;

    PERFORM set_config('session_replication_role', 'origin', true);
    ANALYZE users;
    ANALYZE skills;
    ANALYZE courses;
    ANALYZE learning_content;
    ANALYZE course_contents;
    ANALYZE learning_progress;
    ANALYZE learning_time;
    ANALYZE assessments;
    ANALYZE assessment_results;
    ANALYZE conversations;
    ANALYZE chat_messages;

    SELECT jsonb_build_object(
        'factor', factor,
        'users', (SELECT count(*) FROM users WHERE id LIKE 'scale-%'),
        'departments', (SELECT count(DISTINCT department) FROM users WHERE id LIKE 'scale-%'),
        'skills', (SELECT count(*) FROM skills WHERE id LIKE 'scale-%'),
        'courses', (SELECT count(*) FROM courses WHERE id LIKE 'scale-%'),
        'learning_content', (SELECT count(*) FROM learning_content WHERE id LIKE 'scale-%'),
        'learning_progress', (SELECT count(*) FROM learning_progress WHERE id LIKE 'scale-%'),
        'learning_time', (SELECT count(*) FROM learning_time WHERE user_id LIKE 'scale-%'),
        'assessment_results', (SELECT count(*) FROM assessment_results WHERE id LIKE 'scale-%'),
        'conversations', n_convs,
        'chat_messages', (SELECT count(*) FROM chat_messages WHERE id LIKE 'scale-%'),
        'login_roles', logins,
        'seconds', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1))
    INTO counts;
    RETURN counts;
END
$$;

GRANT EXECUTE ON FUNCTION cca_auth.require_uid(), cca_join_names(text[], integer),
    cca_format_duration(bigint), cca_open_target(text, text), cca_learning_dashboard(),
    cca_reader_open(text, text), cca_record_reading(text, integer, integer, boolean, float8),
    cca_recommendation_candidates(integer), cca_recommendations(boolean, integer),
    cca_recommendation_open(text), cca_recommendation_dismiss(text), cca_learning_summary()
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- Privileged changes to the new tables are audited like every other table's (010).
CREATE TRIGGER course_contents_row_audit_trigger AFTER INSERT OR UPDATE OR DELETE
    ON course_contents FOR EACH ROW EXECUTE FUNCTION cca_audit_row();
CREATE TRIGGER learning_time_row_audit_trigger AFTER INSERT OR UPDATE OR DELETE
    ON learning_time FOR EACH ROW EXECUTE FUNCTION cca_audit_row();

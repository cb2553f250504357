-- 012_department: the database half of the HR manager's Department tab and of the knowledge-gap
-- report. Every screen read is one function call returning one jsonb document (the people
-- table returns rows); the API is listed in tests/db/README.md "Department API".
--
-- Access is decided here, not in the client: each public function is a SECURITY INVOKER
-- wrapper that passes current_user to a SECURITY DEFINER body (cca_auth.*_for), which resolves
-- the caller through cca_auth.identity (membership checked, so the name cannot be forged) and
-- then: an admin may name any department, an HR manager gets their own department (naming
-- another one is refused with 42501), everyone else is refused (42501). The knowledge-gap
-- report is also open to trainers. (The wrappers pass current_user::text COLLATE "default":
-- current_user is a name, collation "C", which would otherwise become the collation of every
-- text comparison in the bodies and keep the planner off the indexes on text columns.)
-- The definer bodies read past row-level security (cca_owner owns the tables) and are therefore
-- the only place that decides what leaves.
--
-- Added to the schema:
--   course_requirements    mandatory courses with a due date, company-wide or per department
--   gap_*                  the knowledge-gap summary (owner-only tables, refreshed by
--                          knowledge_gaps_refresh(); question texts never leave them)
--   (optional) cca_settings 'report_min_group_size': raises the minimum group size (5)
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Mandatory courses. The spec has no notion of "mandatory with a due date": one row says that
-- a course must be completed by due_at, by everybody (department NULL) or by one department.
-- A person is overdue when due_at has passed and they have no completed progress row for the
-- course. Admins manage every row; an HR manager manages their own department's rows.
-- ---------------------------------------------------------------------------------------
CREATE TABLE course_requirements (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    department TEXT, -- NULL: every department
    due_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL DEFAULT cca_auth.uid(),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT course_requirements_once UNIQUE NULLS NOT DISTINCT (course_id, department)
);
CREATE INDEX idx_course_requirements_department ON course_requirements (department);

-- The knowledge-gap refresh reads the messages changed since its last run.
CREATE INDEX idx_chat_messages_updated ON chat_messages (updated_at);
-- Attempts of the people of a department (timed-out attempts count as failures).
CREATE INDEX idx_assessment_attempts_user ON assessment_attempts (user_id, assessment_id);
-- A department's progress rows by index only: the reports read these columns of every row of
-- the department's people, which lie scattered over the table (bench: 25,000 of 500,000 rows
-- in 15 ms instead of a 100 ms sequential scan). Costs an index entry per progress write.
CREATE INDEX idx_learning_progress_user_cover ON learning_progress (user_id)
    INCLUDE (course_id, skill_id, level, progress, started_at, completed_at, updated_at);

-- ---------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------

-- Aggregates over fewer people than this are hidden; a knowledge-gap topic needs this many
-- different askers. cca_settings 'report_min_group_size' (absent: 5) can raise it, never lower
-- it below 5.
CREATE FUNCTION cca_report_min_group() RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT greatest(5, coalesce((SELECT CASE WHEN s.value ~ '^[0-9]{1,6}$' THEN s.value::integer END
                                 FROM public.cca_settings s
                                 WHERE s.key = 'report_min_group_size'), 5))
$$;

-- A report period: '30d' (30 days), 'quarter' (3 months), 'year'; NULL means '30d'. Rolling
-- windows ending now; the previous period is the window of the same length before it.
CREATE FUNCTION cca_report_period(period text) RETURNS interval
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    CASE lower(btrim(coalesce(period, '30d')))
        WHEN '30d' THEN RETURN interval '30 days';
        WHEN 'quarter' THEN RETURN interval '3 months';
        WHEN 'year' THEN RETURN interval '1 year';
        ELSE
            RAISE EXCEPTION 'period must be 30d, quarter or year, not %', period
                USING ERRCODE = '22023';
    END CASE;
END
$$;

-- {"value", "previous", "change", "change_pct", "suppressed"}; all null when hidden.
CREATE FUNCTION cca_report_trend(value numeric, previous numeric, hidden boolean)
RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN hidden THEN
        jsonb_build_object('value', NULL, 'previous', NULL, 'change', NULL, 'change_pct', NULL,
                           'suppressed', true)
    ELSE
        jsonb_build_object('value', value, 'previous', previous, 'change', value - previous,
                           'change_pct',
                               CASE WHEN previous <> 0
                                    THEN round(100 * (value - previous) / abs(previous), 1) END,
                           'suppressed', false)
    END
$$;

-- A stored question is a knowledge gap when it was refused (abstain) or answered with a
-- confidence below this (core/confidence.h: 0 for an abstention, 0.45 for a strong match alone).
CREATE FUNCTION cca_gap_confidence_below() RETURNS float8
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT 0.4::float8 $$;

-- Internal (no grant): the department a caller may report on, or an error.
--   admin: the department named (P0002 when nobody is in it), else their own
--   hr_manager: their own; naming another department is refused (42501)
--   anyone else: refused (42501)
CREATE FUNCTION cca_auth.report_department(role_name text, department text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role = 'admin' THEN
        IF department IS NULL THEN
            IF me.department IS NULL THEN
                RAISE EXCEPTION 'name a department' USING ERRCODE = '22023';
            END IF;
            RETURN me.department;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM public.users u WHERE u.department = department) THEN
            RAISE EXCEPTION 'no department %', department USING ERRCODE = 'P0002';
        END IF;
        RETURN department;
    ELSIF me.app_role = 'hr_manager' THEN
        IF me.department IS NULL THEN
            RAISE EXCEPTION 'this HR manager has no department' USING ERRCODE = '42501';
        END IF;
        IF department IS NOT NULL AND department IS DISTINCT FROM me.department THEN
            RAISE EXCEPTION 'an HR manager sees only their own department'
                USING ERRCODE = '42501';
        END IF;
        RETURN me.department;
    END IF;
    RAISE EXCEPTION 'department reports are for HR managers and admins' USING ERRCODE = '42501';
END
$$;

-- Internal: the course and skill filters must name existing rows.
CREATE FUNCTION cca_auth.report_check_filters(course_id text, skill_id text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
BEGIN
    IF course_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.courses c WHERE c.id = course_id)
    THEN
        RAISE EXCEPTION 'no course %', course_id USING ERRCODE = 'P0002';
    END IF;
    IF skill_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.skills s WHERE s.id = skill_id)
    THEN
        RAISE EXCEPTION 'no skill %', skill_id USING ERRCODE = 'P0002';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Per person of a department (internal, no grant: it trusts its department argument).
--
-- Filters: course_id / skill_id narrow the learning items (progress rows of that course, of
-- that skill; both given: rows of either) and the assessments (those whose metadata names the
-- course_id / skill_id). items, completed, progress, assessments_* follow the filters;
-- last_activity and attention do not (they describe the person).
--
-- Activity: a progress row started, updated or completed, an assessment attempt started or a
-- result submitted, a question asked (its time only, never its text).
-- attention: [{"reason": "inactive", "last_activity"}]        no activity for 30 days
--            [{"reason": "failed_twice", "assessment_id", "assessment", "failures"}]
--            [{"reason": "overdue", "course_id", "course", "due_at"}]
-- A failure is a result below the passing score or an attempt that ran out of time (007 keeps
-- one result per person and assessment, so a second failure is a timed-out attempt).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_auth.dept_people_stats(dept text, f_course text, f_skill text)
RETURNS TABLE (user_id text, name text, email text, role text, joined_at timestamptz,
               items integer, completed integer, progress float8, last_activity timestamptz,
               assessments_taken integer, assessments_passed integer, attention jsonb)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH ppl AS MATERIALIZED (
        SELECT u.id, u.name, u.email, u.role, u.created_at
        FROM public.users u WHERE u.department = dept
    ),
    lp AS MATERIALIZED (
        SELECT p.user_id, p.course_id, p.progress, p.completed_at,
               greatest(p.started_at, p.updated_at, p.completed_at) AS touched,
               (f_course IS NULL AND f_skill IS NULL) OR p.course_id = f_course
                   OR p.skill_id = f_skill AS in_filter
        FROM ppl
        CROSS JOIN LATERAL (SELECT p0.course_id, p0.skill_id, p0.progress, p0.started_at,
                                   p0.completed_at, p0.updated_at, p0.user_id
                            FROM public.learning_progress p0
                            WHERE p0.user_id = ppl.id OFFSET 0) p
    ),
    lp_user AS (
        SELECT lp.user_id,
               count(*) FILTER (WHERE lp.in_filter) AS items,
               count(*) FILTER (WHERE lp.in_filter AND lp.completed_at IS NOT NULL) AS completed,
               avg(lp.progress) FILTER (WHERE lp.in_filter) AS progress,
               max(lp.touched) AS touched
        FROM lp GROUP BY lp.user_id
    ),
    asmt AS MATERIALIZED (
        SELECT a.id, a.title, coalesce(a.passing_score, 70) AS passing_score,
               (f_course IS NULL AND f_skill IS NULL) OR a.metadata->>'course_id' = f_course
                   OR a.metadata->>'skill_id' = f_skill AS in_filter
        FROM public.assessments a
    ),
    res AS MATERIALIZED (
        SELECT r.user_id, r.assessment_id, r.completed_at, r.score >= a.passing_score AS passed,
               a.in_filter
        FROM ppl
        CROSS JOIN LATERAL (SELECT * FROM public.assessment_results r0
                            WHERE r0.user_id = ppl.id OFFSET 0) r
        JOIN asmt a ON a.id = r.assessment_id
    ),
    res_user AS (
        SELECT res.user_id,
               count(*) FILTER (WHERE res.in_filter) AS taken,
               count(*) FILTER (WHERE res.in_filter AND res.passed) AS passed,
               max(res.completed_at) AS last
        FROM res GROUP BY res.user_id
    ),
    att AS MATERIALIZED (
        SELECT t.user_id, t.assessment_id, t.started_at,
               t.status = 'expired'
                   OR (t.status = 'open' AND t.deadline + cca_assessment_grace() < now())
                   AS timed_out
        FROM ppl
        CROSS JOIN LATERAL (SELECT * FROM public.assessment_attempts t0
                            WHERE t0.user_id = ppl.id OFFSET 0) t
    ),
    att_user AS (SELECT att.user_id, max(att.started_at) AS last FROM att GROUP BY att.user_id),
    failed AS (
        SELECT f.user_id,
               jsonb_agg(jsonb_build_object('reason', 'failed_twice',
                                            'assessment_id', f.assessment_id,
                                            'assessment', a.title, 'failures', f.n)
                         ORDER BY a.title, f.assessment_id) AS reasons
        FROM (SELECT x.user_id, x.assessment_id, count(*) AS n
              FROM (SELECT res.user_id, res.assessment_id FROM res WHERE NOT res.passed
                    UNION ALL
                    SELECT att.user_id, att.assessment_id FROM att WHERE att.timed_out) x
              GROUP BY x.user_id, x.assessment_id
              HAVING count(*) >= 2) f
        JOIN asmt a ON a.id = f.assessment_id
        GROUP BY f.user_id
    ),
    overdue AS (
        SELECT p.id AS user_id,
               jsonb_agg(jsonb_build_object('reason', 'overdue', 'course_id', cr.course_id,
                                            'course', c.title, 'due_at', cr.due_at)
                         ORDER BY cr.due_at, c.title) AS reasons
        FROM ppl p
        JOIN public.course_requirements cr
          ON (cr.department IS NULL OR cr.department = dept) AND cr.due_at < now()
        JOIN public.courses c ON c.id = cr.course_id
        WHERE NOT EXISTS (SELECT 1 FROM lp WHERE lp.user_id = p.id AND lp.course_id = cr.course_id
                                              AND lp.completed_at IS NOT NULL)
        GROUP BY p.id
    ),
    base AS (
        SELECT p.id, p.name, p.email, p.role, p.created_at,
               coalesce(lu.items, 0)::integer AS items,
               coalesce(lu.completed, 0)::integer AS completed,
               round(lu.progress::numeric, 1)::float8 AS progress,
               greatest(lu.touched, ru.last, au.last,
                        (SELECT max(cm.created_at) FROM public.chat_messages cm
                         WHERE cm.user_id = p.id)) AS last_activity,
               coalesce(ru.taken, 0)::integer AS taken,
               coalesce(ru.passed, 0)::integer AS passed,
               f.reasons AS failed, o.reasons AS overdue
        FROM ppl p
        LEFT JOIN lp_user lu ON lu.user_id = p.id
        LEFT JOIN res_user ru ON ru.user_id = p.id
        LEFT JOIN att_user au ON au.user_id = p.id
        LEFT JOIN failed f ON f.user_id = p.id
        LEFT JOIN overdue o ON o.user_id = p.id
    )
    SELECT b.id, b.name, b.email, b.role, b.created_at, b.items, b.completed, b.progress,
           b.last_activity, b.taken, b.passed,
           CASE WHEN b.last_activity IS NULL OR b.last_activity < now() - interval '30 days'
                THEN jsonb_build_array(jsonb_build_object('reason', 'inactive',
                                                          'last_activity', b.last_activity))
                ELSE '[]'::jsonb END
           || coalesce(b.failed, '[]'::jsonb) || coalesce(b.overdue, '[]'::jsonb)
    FROM base b
$$;

-- ---------------------------------------------------------------------------------------
-- The Department tab (internal builder; the public function is department_overview below).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_auth.dept_overview(dept text, period text, f_course text, f_skill text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    span interval := cca_report_period(period);
    k integer := cca_report_min_group();
    t_now timestamptz := now();
    t0 timestamptz := now() - span;
    tp timestamptz := now() - span - span;
    lo timestamptz := least(now() - span - span, now() - interval '84 days');
    filtered boolean := f_course IS NOT NULL OR f_skill IS NOT NULL;
    ids text[];
    hidden boolean;
    doc jsonb;
BEGIN
    PERFORM cca_auth.report_check_filters(f_course, f_skill);
    ids := ARRAY(SELECT u.id FROM users u WHERE u.department = dept ORDER BY u.id);
    hidden := cardinality(ids) < k;

    -- the department's progress rows, read once
    WITH lp AS MATERIALIZED (
        SELECT p.user_id, p.course_id, p.skill_id, p.level, p.progress, p.started_at,
               p.completed_at, p.updated_at
        FROM unnest(ids) AS x(id)
        CROSS JOIN LATERAL (SELECT p0.user_id, p0.course_id, p0.skill_id, p0.level, p0.progress,
                                   p0.started_at, p0.completed_at, p0.updated_at
                            FROM learning_progress p0 WHERE p0.user_id = x.id OFFSET 0) p
    ),
    items AS NOT MATERIALIZED (
        SELECT lp.user_id, lp.course_id, lp.progress, lp.started_at, lp.completed_at,
               lp.updated_at
        FROM lp
        WHERE NOT filtered OR lp.course_id = f_course OR lp.skill_id = f_skill
    ),
    asmt AS MATERIALIZED (
        SELECT a.id, a.title, coalesce(a.passing_score, 70) AS passing_score
        FROM assessments a
        WHERE NOT filtered OR a.metadata->>'course_id' = f_course
              OR a.metadata->>'skill_id' = f_skill
    ),
    res AS MATERIALIZED (
        SELECT r.user_id, r.assessment_id, r.score, r.completed_at, r.time_taken,
               r.score >= a.passing_score AS passed
        FROM unnest(ids) AS x(id)
        CROSS JOIN LATERAL (SELECT * FROM assessment_results r0 WHERE r0.user_id = x.id OFFSET 0) r
        JOIN asmt a ON a.id = r.assessment_id
    ),
    events AS MATERIALIZED (
        SELECT i.user_id, i.started_at AS at FROM items i WHERE i.started_at >= lo
        UNION ALL
        SELECT i.user_id, i.completed_at FROM items i WHERE i.completed_at >= lo
        UNION ALL
        SELECT i.user_id, i.updated_at FROM items i
        WHERE i.updated_at >= lo AND i.updated_at IS DISTINCT FROM i.started_at
          AND i.updated_at IS DISTINCT FROM i.completed_at
        UNION ALL
        SELECT r.user_id, r.completed_at FROM res r WHERE r.completed_at >= lo
        UNION ALL
        SELECT t.user_id, t.started_at
        FROM unnest(ids) AS x(id)
        CROSS JOIN LATERAL (SELECT * FROM assessment_attempts t0 WHERE t0.user_id = x.id OFFSET 0) t
        JOIN asmt a ON a.id = t.assessment_id
        WHERE t.started_at >= lo
        UNION ALL
        -- one index range per person (OFFSET 0 keeps these per-person lookups: flattened, the
        -- planner hashed a scan of the whole table or of the index's created_at range)
        SELECT cm.user_id, cm.created_at
        FROM unnest(ids) AS x(id)
        CROSS JOIN LATERAL (SELECT cm0.user_id, cm0.created_at FROM chat_messages cm0
                            WHERE cm0.user_id = x.id AND cm0.created_at >= lo OFFSET 0) cm
        WHERE NOT filtered
    ),
    head AS (
        SELECT
            (SELECT count(*) FROM users u WHERE u.department = dept AND u.created_at <= t0)
                AS people_prev,
            (SELECT count(*) FROM (SELECT DISTINCT e.user_id FROM events e WHERE e.at >= t0) a)
                AS active_now,
            (SELECT count(*) FROM (SELECT DISTINCT e.user_id FROM events e
                                   WHERE e.at >= tp AND e.at < t0) a) AS active_prev,
            (SELECT round(100.0 * count(*) FILTER (WHERE i.completed_at IS NOT NULL)
                          / nullif(count(*), 0), 1) FROM items i) AS compl_now,
            (SELECT round(100.0 * count(*) FILTER (WHERE i.completed_at <= t0)
                          / nullif(count(*), 0), 1) FROM items i WHERE i.started_at <= t0)
                AS compl_prev,
            (SELECT round(avg(i.progress)::numeric, 1) FROM items i) AS avg_progress,
            (SELECT count(*) FROM res r WHERE r.completed_at >= t0) AS taken_now,
            (SELECT count(*) FROM res r WHERE r.completed_at >= tp AND r.completed_at < t0)
                AS taken_prev,
            (SELECT count(*) FROM res r WHERE r.completed_at >= t0 AND r.passed) AS passed_now,
            (SELECT count(*) FROM res r
             WHERE r.completed_at >= tp AND r.completed_at < t0 AND r.passed) AS passed_prev,
            (SELECT coalesce(sum(c.duration), 0) FROM items i JOIN courses c ON c.id = i.course_id
             WHERE i.completed_at >= t0)
            + (SELECT round(coalesce(sum(r.time_taken), 0) / 60.0) FROM res r
               WHERE r.completed_at >= t0) AS time_now,
            (SELECT coalesce(sum(c.duration), 0) FROM items i JOIN courses c ON c.id = i.course_id
             WHERE i.completed_at >= tp AND i.completed_at < t0)
            + (SELECT round(coalesce(sum(r.time_taken), 0) / 60.0) FROM res r
               WHERE r.completed_at >= tp AND r.completed_at < t0) AS time_prev
    ),
    wk AS (
        -- per week and person first: two hash aggregates instead of a sort for the DISTINCT
        SELECT w.back, sum(w.n) AS n, count(*) AS active
        FROM (SELECT floor(extract(epoch FROM t_now - e.at) / 604800)::integer AS back,
                     e.user_id, count(*) AS n
              FROM events e
              WHERE e.at > t_now - interval '84 days' AND e.at <= t_now
              GROUP BY 1, 2) w
        GROUP BY w.back
    ),
    weekly AS (
        SELECT jsonb_build_object(
            'week_starts', jsonb_agg(to_char(t_now - (g + 1) * interval '7 days', 'YYYY-MM-DD')
                                     ORDER BY g DESC),
            'events', jsonb_agg(CASE WHEN NOT hidden THEN coalesce(wk.n, 0) END ORDER BY g DESC),
            'active_people', jsonb_agg(CASE WHEN NOT hidden THEN coalesce(wk.active, 0) END
                                       ORDER BY g DESC),
            'suppressed', hidden) AS j
        FROM generate_series(0, 11) g LEFT JOIN wk ON wk.back = g
    ),
    course_rows AS (
        SELECT lp.course_id, count(*) AS learners,
               count(*) FILTER (WHERE lp.completed_at IS NOT NULL) AS completed,
               avg(lp.progress) AS avg_progress
        FROM lp
        WHERE lp.course_id IS NOT NULL AND (f_course IS NULL OR lp.course_id = f_course)
        GROUP BY lp.course_id
    ),
    courses_due AS (
        SELECT cr.course_id, min(cr.due_at) AS due_at
        FROM course_requirements cr
        WHERE cr.department IS NULL OR cr.department = dept
        GROUP BY cr.course_id
    ),
    by_course AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'course_id', c.id, 'title', c.title, 'mandatory_due_at', d.due_at,
                   'learners', CASE WHEN NOT x.small THEN coalesce(r.learners, 0) END,
                   'completed', CASE WHEN NOT x.small THEN coalesce(r.completed, 0) END,
                   'completion_rate', CASE WHEN NOT x.small AND r.learners > 0
                                           THEN round(100.0 * r.completed / r.learners, 1) END,
                   'avg_progress', CASE WHEN NOT x.small
                                        THEN round(r.avg_progress::numeric, 1) END,
                   'suppressed', x.small) ORDER BY c.title, c.id), '[]'::jsonb) AS j
        FROM courses c
        LEFT JOIN course_rows r ON r.course_id = c.id
        LEFT JOIN courses_due d ON d.course_id = c.id
        CROSS JOIN LATERAL (SELECT coalesce(r.learners, 0) < k AS small) x
        WHERE (r.course_id IS NOT NULL OR d.course_id IS NOT NULL)
          AND (f_course IS NULL OR c.id = f_course)
    ),
    si AS MATERIALIZED (
        SELECT lp.user_id, lp.skill_id, lp.level
        FROM lp
        WHERE lp.skill_id IS NOT NULL AND (f_skill IS NULL OR lp.skill_id = f_skill)
    ),
    sk AS MATERIALIZED (
        SELECT s.id, s.name, s.category, count(*) AS holders, avg(si.level) AS avg_level,
               row_number() OVER (ORDER BY count(*) DESC, s.name, s.id) AS ord
        FROM si JOIN skills s ON s.id = si.skill_id
        GROUP BY s.id, s.name, s.category
        ORDER BY count(*) DESC, s.name, s.id
        LIMIT 20
    ),
    matrix AS (
        SELECT jsonb_build_object(
            'skills', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'skill_id', sk.id, 'name', sk.name, 'category', sk.category,
                           'holders', CASE WHEN sk.holders >= k THEN sk.holders END,
                           'avg_level', CASE WHEN sk.holders >= k
                                             THEN round(sk.avg_level, 1) END,
                           'suppressed', sk.holders < k) ORDER BY sk.ord), '[]'::jsonb)
                       FROM sk),
            'skills_total', (SELECT count(DISTINCT si.skill_id) FROM si),
            'people', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'user_id', m.id, 'name', m.name, 'levels', m.levels)
                           ORDER BY m.name, m.id), '[]'::jsonb)
                       FROM (SELECT u.id, u.name,
                                    coalesce(jsonb_agg(si.level ORDER BY sk.ord)
                                                 FILTER (WHERE sk.id IS NOT NULL),
                                             '[]'::jsonb) AS levels
                             FROM users u
                             LEFT JOIN sk ON true
                             LEFT JOIN si ON si.user_id = u.id AND si.skill_id = sk.id
                             WHERE u.id = ANY (ids)
                             GROUP BY u.id, u.name) m)) AS j
    ),
    pass_rates AS (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'assessment_id', x.id, 'title', x.title,
                   'takers', CASE WHEN x.takers >= k THEN x.takers END,
                   'passed', CASE WHEN x.takers >= k THEN x.passed END,
                   'pass_rate', CASE WHEN x.takers >= k
                                     THEN round(100.0 * x.passed / x.takers, 1) END,
                   'avg_score', CASE WHEN x.takers >= k THEN round(x.avg_score::numeric, 1) END,
                   'suppressed', x.takers < k) ORDER BY x.title, x.id), '[]'::jsonb) AS j
        FROM (SELECT a.id, a.title, count(*) AS takers, count(*) FILTER (WHERE r.passed) AS passed,
                     avg(r.score) AS avg_score
              FROM res r JOIN asmt a ON a.id = r.assessment_id
              WHERE r.completed_at >= t0
              GROUP BY a.id, a.title) x
    )
    SELECT jsonb_build_object(
        'department', dept,
        'period', lower(btrim(coalesce(period, '30d'))),
        'from', t0, 'to', t_now, 'previous_from', tp,
        'filters', jsonb_build_object('course_id', f_course, 'skill_id', f_skill),
        'min_group_size', k,
        'generated_at', t_now,
        'headline', jsonb_build_object(
            'people', cca_report_trend(cardinality(ids), h.people_prev, false),
            'active_learners', cca_report_trend(h.active_now, h.active_prev, hidden),
            'avg_completion', cca_report_trend(h.compl_now, h.compl_prev, hidden),
            'avg_progress', cca_report_trend(h.avg_progress, NULL, hidden),
            'assessments_taken', cca_report_trend(h.taken_now, h.taken_prev, hidden),
            'assessments_passed', cca_report_trend(h.passed_now, h.passed_prev, hidden),
            'time_spent_minutes', cca_report_trend(h.time_now, h.time_prev, hidden)),
        'charts', jsonb_build_object(
            'weekly_activity', (SELECT j FROM weekly),
            'completion_by_course', (SELECT j FROM by_course),
            'skills_matrix', (SELECT j FROM matrix),
            'assessment_pass_rates', (SELECT j FROM pass_rates)))
    INTO doc
    FROM head h;
    RETURN doc;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Public API: department tab
-- ---------------------------------------------------------------------------------------

-- department_list() -> jsonb: [{"department", "people"}], the departments the caller may
-- pick: every department for an admin, their own for an HR manager.
CREATE FUNCTION cca_auth.department_list_for(role_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role IS NULL OR me.app_role NOT IN ('admin', 'hr_manager') THEN
        RAISE EXCEPTION 'department reports are for HR managers and admins'
            USING ERRCODE = '42501';
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('department', d.department,
                                                         'people', d.people)
                                      ORDER BY d.department), '[]'::jsonb)
            FROM (SELECT u.department, count(*) AS people FROM users u
                  WHERE u.department IS NOT NULL
                    AND (me.app_role = 'admin' OR u.department = me.department)
                  GROUP BY u.department) d);
END
$$;

CREATE FUNCTION department_list() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.department_list_for(current_user::text COLLATE "default") $$;

-- department_overview(department text DEFAULT NULL, period text DEFAULT '30d',
--                     course_id text DEFAULT NULL, skill_id text DEFAULT NULL) -> jsonb
-- The Department tab in one document (shape in tests/db/README.md "Department API"):
-- {"department", "period", "from", "to", "previous_from", "filters": {"course_id", "skill_id"},
--  "min_group_size", "generated_at",
--  "headline": {"people" | "active_learners" | "avg_completion" | "avg_progress" |
--               "assessments_taken" | "assessments_passed" | "time_spent_minutes":
--               {"value", "previous", "change", "change_pct", "suppressed"}},
--  "charts": {"weekly_activity": {"week_starts": [12 dates], "events": [12], "active_people": [12],
--                                 "suppressed"},
--             "completion_by_course": [{"course_id", "title", "mandatory_due_at", "learners",
--                                       "completed", "completion_rate", "avg_progress",
--                                       "suppressed"}],
--             "skills_matrix": {"skills": [{"skill_id", "name", "category", "holders", "avg_level",
--                                           "suppressed"}], "skills_total",
--                               "people": [{"user_id", "name",
--                                           "levels": [level or null per skill]}]},
--             "assessment_pass_rates": [{"assessment_id", "title", "takers", "passed", "pass_rate",
--                                        "avg_score", "suppressed"}]}}
-- "Needs attention" is a people-table read: department_people(attention_only => true); it does
-- not change with the filters, so a filter change re-reads only this document.
CREATE FUNCTION cca_auth.department_overview_for(role_name text, department text, period text,
                                                 course_id text, skill_id text)
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.dept_overview(cca_auth.report_department(role_name, department),
                                    period, course_id, skill_id) $$;

CREATE FUNCTION department_overview(department text DEFAULT NULL, period text DEFAULT '30d',
                                    course_id text DEFAULT NULL, skill_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.department_overview_for(current_user::text COLLATE "default",
                                              $1, $2, $3, $4) $$;

-- department_people(department, course_id, skill_id, search, sort_by, descending,
--                   attention_only, limit_count, offset_count) -> rows
-- The people table: one row per person of the department. search matches name, email or role
-- (case-insensitive substring); sort_by is name | email | role | progress | items | completed |
-- last_activity | assessments_taken | assessments_passed (NULLs last, then by name);
-- total_count is the number of matching rows before limit/offset (for paging).
CREATE FUNCTION cca_auth.department_people_for(
    role_name text, department text, course_id text, skill_id text, search text, sort_by text,
    descending boolean, attention_only boolean, limit_count integer, offset_count integer)
RETURNS TABLE (user_id text, name text, email text, role text, progress float8, items integer,
               completed integer, last_activity timestamptz, assessments_taken integer,
               assessments_passed integer, attention jsonb, total_count integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    dept text := cca_auth.report_department(role_name, department);
    col text := lower(btrim(coalesce(sort_by, 'name')));
    pattern text;
BEGIN
    PERFORM cca_auth.report_check_filters(course_id, skill_id);
    IF col NOT IN ('name', 'email', 'role', 'progress', 'items', 'completed', 'last_activity',
                   'assessments_taken', 'assessments_passed') THEN
        RAISE EXCEPTION 'cannot sort people by %', sort_by USING ERRCODE = '22023';
    END IF;
    IF nullif(btrim(search), '') IS NOT NULL THEN
        pattern := '%' || replace(replace(replace(btrim(search), '\', '\\'), '%', '\%'), '_', '\_')
                   || '%';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT s.user_id, s.name, s.email, s.role, s.progress, s.items, s.completed,'
        ' s.last_activity, s.assessments_taken, s.assessments_passed, s.attention,'
        ' (count(*) OVER ())::integer'
        ' FROM cca_auth.dept_people_stats($1, $2, $3) s'
        ' WHERE ($4::text IS NULL OR s.name ILIKE $4 OR s.email ILIKE $4 OR s.role ILIKE $4)'
        '   AND (NOT $5 OR s.attention <> ''[]''::jsonb)'
        ' ORDER BY %s %s NULLS LAST, lower(s.name), s.user_id'
        ' LIMIT $6 OFFSET $7',
        CASE WHEN col IN ('name', 'email') THEN format('lower(s.%I)', col)
             ELSE format('s.%I', col) END,
        CASE WHEN coalesce(descending, false) THEN 'DESC' ELSE 'ASC' END)
    USING dept, course_id, skill_id, pattern, coalesce(attention_only, false),
          greatest(coalesce(limit_count, 100), 0), greatest(coalesce(offset_count, 0), 0);
END
$$;

CREATE FUNCTION department_people(
    department text DEFAULT NULL, course_id text DEFAULT NULL, skill_id text DEFAULT NULL,
    search text DEFAULT NULL, sort_by text DEFAULT 'name', descending boolean DEFAULT false,
    attention_only boolean DEFAULT false, limit_count integer DEFAULT 100,
    offset_count integer DEFAULT 0)
RETURNS TABLE (user_id text, name text, email text, role text, progress float8, items integer,
               completed integer, last_activity timestamptz, assessments_taken integer,
               assessments_passed integer, attention jsonb, total_count integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.department_people_for(current_user::text COLLATE "default",
                                                   $1, $2, $3, $4, $5, $6, $7, $8, $9) $$;

-- department_person(person_id text) -> jsonb
-- One person of the caller's department (any person for an admin); P0002 for anybody else,
-- whether they exist or not. Progress, skills and results; of the chat only a count.
-- {"user": {"id", "name", "email", "role", "department", "joined_at"},
--  "summary": {"items", "completed", "progress", "last_activity", "assessments_taken",
--              "assessments_passed", "questions_30d"},
--  "attention": [...as in the people table],
--  "courses": [{"course_id", "title", "progress", "level", "started_at", "completed_at",
--               "updated_at", "mandatory_due_at"}],
--  "skills": [{"skill_id", "name", "category", "level", "progress", "started_at", "completed_at"}],
--  "results": [{"assessment_id", "title", "score", "passing_score", "passed", "completed_at",
--               "time_taken_s"}],
--  "attempts": [{"assessment_id", "title", "status", "started_at", "submitted_at", "timed_out"}]}
CREATE FUNCTION cca_auth.department_person_for(role_name text, person_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    p users;
    s record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role IS NULL OR me.app_role NOT IN ('admin', 'hr_manager') THEN
        RAISE EXCEPTION 'department reports are for HR managers and admins'
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO p FROM users u WHERE u.id = person_id;
    IF NOT FOUND OR p.department IS NULL
       OR (me.app_role = 'hr_manager' AND p.department IS DISTINCT FROM me.department) THEN
        RAISE EXCEPTION 'no person % in your department', person_id USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO s FROM cca_auth.dept_people_stats(p.department, NULL, NULL) x
    WHERE x.user_id = p.id;
    RETURN jsonb_build_object(
        'user', jsonb_build_object('id', p.id, 'name', p.name, 'email', p.email, 'role', p.role,
                                   'department', p.department, 'joined_at', p.created_at),
        'summary', jsonb_build_object(
            'items', s.items, 'completed', s.completed, 'progress', s.progress,
            'last_activity', s.last_activity, 'assessments_taken', s.assessments_taken,
            'assessments_passed', s.assessments_passed,
            'questions_30d', (SELECT count(*) FROM chat_messages cm
                              WHERE cm.user_id = p.id
                                AND cm.created_at >= now() - interval '30 days')),
        'attention', s.attention,
        'courses', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'course_id', c.id, 'title', c.title, 'progress', lp.progress,
                        'level', lp.level, 'started_at', lp.started_at,
                        'completed_at', lp.completed_at, 'updated_at', lp.updated_at,
                        'mandatory_due_at', (SELECT min(cr.due_at) FROM course_requirements cr
                                             WHERE cr.course_id = c.id
                                               AND (cr.department IS NULL
                                                    OR cr.department = p.department)))
                        ORDER BY c.title, c.id), '[]'::jsonb)
                    FROM learning_progress lp JOIN courses c ON c.id = lp.course_id
                    WHERE lp.user_id = p.id),
        'skills', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'skill_id', sk.id, 'name', sk.name, 'category', sk.category,
                       'level', lp.level, 'progress', lp.progress, 'started_at', lp.started_at,
                       'completed_at', lp.completed_at) ORDER BY sk.name, sk.id), '[]'::jsonb)
                   FROM learning_progress lp JOIN skills sk ON sk.id = lp.skill_id
                   WHERE lp.user_id = p.id),
        'results', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'assessment_id', a.id, 'title', a.title, 'score', r.score,
                        'passing_score', coalesce(a.passing_score, 70),
                        'passed', r.score >= coalesce(a.passing_score, 70),
                        'completed_at', r.completed_at, 'time_taken_s', r.time_taken)
                        ORDER BY r.completed_at, a.id), '[]'::jsonb)
                    FROM assessment_results r JOIN assessments a ON a.id = r.assessment_id
                    WHERE r.user_id = p.id),
        'attempts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                         'assessment_id', a.id, 'title', a.title, 'status', t.status,
                         'started_at', t.started_at, 'submitted_at', t.submitted_at,
                         'timed_out', t.status = 'expired'
                             OR (t.status = 'open'
                                 AND t.deadline + cca_assessment_grace() < now()))
                         ORDER BY t.started_at, t.id), '[]'::jsonb)
                     FROM assessment_attempts t JOIN assessments a ON a.id = t.assessment_id
                     WHERE t.user_id = p.id));
END
$$;

CREATE FUNCTION department_person(person_id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.department_person_for(current_user::text COLLATE "default", $1) $$;

-- department_report(department, period, course_id, skill_id) -> jsonb: the export as JSON,
-- department_overview's document plus "people": every row of the people table (name order,
-- same columns as department_people without total_count) and "needs_attention":
-- [{"user_id", "name", "reasons": [...]}] for the people with a reason.
CREATE FUNCTION cca_auth.dept_report(dept text, period text, f_course text, f_skill text)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH s AS MATERIALIZED (SELECT * FROM cca_auth.dept_people_stats(dept, f_course, f_skill))
    SELECT cca_auth.dept_overview(dept, period, f_course, f_skill)
        || jsonb_build_object(
               'people', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'user_id', s.user_id, 'name', s.name, 'email', s.email,
                              'role', s.role, 'progress', s.progress, 'items', s.items,
                              'completed', s.completed, 'last_activity', s.last_activity,
                              'assessments_taken', s.assessments_taken,
                              'assessments_passed', s.assessments_passed,
                              'attention', s.attention)
                              ORDER BY lower(s.name), s.user_id), '[]'::jsonb) FROM s),
               'needs_attention', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                       'user_id', s.user_id, 'name', s.name,
                                       'reasons', s.attention)
                                       ORDER BY lower(s.name), s.user_id), '[]'::jsonb)
                                   FROM s WHERE s.attention <> '[]'::jsonb))
$$;

CREATE FUNCTION cca_auth.department_report_for(role_name text, department text, period text,
                                               course_id text, skill_id text)
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.dept_report(cca_auth.report_department(role_name, department),
                                  period, course_id, skill_id) $$;

CREATE FUNCTION department_report(department text DEFAULT NULL, period text DEFAULT '30d',
                                  course_id text DEFAULT NULL, skill_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.department_report_for(current_user::text COLLATE "default",
                                            $1, $2, $3, $4) $$;

-- department_report_rows(department, period, course_id, skill_id) -> rows for CSV: the same
-- report (it is unpacked from department_report's document), one value per row, in print order.
--   section       report | headline | weekly_activity | completion_by_course | skills |
--                 skills_matrix | assessment_pass_rates | people | needs_attention
--   subject_id, subject   what the row is about (course, skill, assessment, person, week)
--   item_id, item         a second dimension: the skill of a matrix cell, the assessment or
--                         course of an attention reason; else NULL
--   metric, value, previous   value/previous as text; NULL value: hidden (fewer people than
--                         min_group_size) or nothing to show
CREATE FUNCTION cca_auth.department_report_rows_for(role_name text, department text,
                                                    period text, course_id text, skill_id text)
RETURNS TABLE (section text, subject_id text, subject text, item_id text, item text,
               metric text, value text, previous text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    j jsonb := cca_auth.dept_report(cca_auth.report_department(role_name, department),
                                    period, course_id, skill_id);
BEGIN
    RETURN QUERY
    SELECT r.section, r.subject_id, r.subject, r.item_id, r.item, r.metric, r.value, r.previous
    FROM (
        SELECT 1 AS s, m.n AS a, 0::bigint AS b, 0::bigint AS c, 'report'::text AS section,
               NULL::text AS subject_id, NULL::text AS subject, NULL::text AS item_id,
               NULL::text AS item, m.key AS metric, m.value, NULL::text AS previous
        FROM (VALUES (1, 'department', j->>'department'), (2, 'period', j->>'period'),
                     (3, 'from', j->>'from'), (4, 'to', j->>'to'),
                     (5, 'previous_from', j->>'previous_from'),
                     (6, 'course_id', j#>>'{filters,course_id}'),
                     (7, 'skill_id', j#>>'{filters,skill_id}'),
                     (8, 'min_group_size', j->>'min_group_size'),
                     (9, 'generated_at', j->>'generated_at')) AS m(n, key, value)
        UNION ALL
        SELECT 2, h.n, 0, 0, 'headline', NULL, NULL, NULL, NULL, h.key,
               j->'headline'->h.key->>'value', j->'headline'->h.key->>'previous'
        FROM unnest(ARRAY['people', 'active_learners', 'avg_completion', 'avg_progress',
                          'assessments_taken', 'assessments_passed', 'time_spent_minutes'])
             WITH ORDINALITY AS h(key, n)
        UNION ALL
        SELECT 3, w.n, m.n, 0, 'weekly_activity', w.week, w.week, NULL, NULL, m.key,
               j#>>ARRAY['charts', 'weekly_activity', m.key, (w.n - 1)::text], NULL
        FROM jsonb_array_elements_text(j#>'{charts,weekly_activity,week_starts}')
             WITH ORDINALITY AS w(week, n)
        CROSS JOIN unnest(ARRAY['events', 'active_people']) WITH ORDINALITY AS m(key, n)
        UNION ALL
        SELECT 4, e.n, m.n, 0, 'completion_by_course', e.v->>'course_id', e.v->>'title', NULL,
               NULL, m.key, e.v->>m.key, NULL
        FROM jsonb_array_elements(j#>'{charts,completion_by_course}') WITH ORDINALITY AS e(v, n)
        CROSS JOIN unnest(ARRAY['learners', 'completed', 'completion_rate', 'avg_progress',
                                'mandatory_due_at']) WITH ORDINALITY AS m(key, n)
        UNION ALL
        SELECT 5, e.n, m.n, 0, 'skills', e.v->>'skill_id', e.v->>'name', NULL, NULL, m.key,
               e.v->>m.key, NULL
        FROM jsonb_array_elements(j#>'{charts,skills_matrix,skills}') WITH ORDINALITY AS e(v, n)
        CROSS JOIN unnest(ARRAY['holders', 'avg_level']) WITH ORDINALITY AS m(key, n)
        UNION ALL
        SELECT 6, pe.n, sk.n, 0, 'skills_matrix', pe.v->>'user_id', pe.v->>'name',
               sk.v->>'skill_id', sk.v->>'name', 'level', pe.v->'levels'->>(sk.n - 1)::integer,
               NULL
        FROM jsonb_array_elements(j#>'{charts,skills_matrix,people}') WITH ORDINALITY AS pe(v, n)
        CROSS JOIN jsonb_array_elements(j#>'{charts,skills_matrix,skills}')
             WITH ORDINALITY AS sk(v, n)
        WHERE pe.v->'levels'->>(sk.n - 1)::integer IS NOT NULL
        UNION ALL
        SELECT 7, e.n, m.n, 0, 'assessment_pass_rates', e.v->>'assessment_id', e.v->>'title',
               NULL, NULL, m.key, e.v->>m.key, NULL
        FROM jsonb_array_elements(j#>'{charts,assessment_pass_rates}') WITH ORDINALITY AS e(v, n)
        CROSS JOIN unnest(ARRAY['takers', 'passed', 'pass_rate', 'avg_score'])
             WITH ORDINALITY AS m(key, n)
        UNION ALL
        SELECT 8, e.n, m.n, 0, 'people', e.v->>'user_id', e.v->>'name', NULL, NULL, m.key,
               e.v->>m.key, NULL
        FROM jsonb_array_elements(j->'people') WITH ORDINALITY AS e(v, n)
        CROSS JOIN unnest(ARRAY['email', 'role', 'progress', 'items', 'completed',
                                'last_activity', 'assessments_taken', 'assessments_passed'])
             WITH ORDINALITY AS m(key, n)
        UNION ALL
        SELECT 9, e.n, x.n, 0, 'needs_attention', e.v->>'user_id', e.v->>'name',
               coalesce(x.v->>'assessment_id', x.v->>'course_id'),
               coalesce(x.v->>'assessment', x.v->>'course'), x.v->>'reason',
               coalesce(x.v->>'failures', x.v->>'due_at', x.v->>'last_activity'), NULL
        FROM jsonb_array_elements(j->'needs_attention') WITH ORDINALITY AS e(v, n)
        CROSS JOIN jsonb_array_elements(e.v->'reasons') WITH ORDINALITY AS x(v, n)
    ) r
    ORDER BY r.s, r.a, r.b, r.c;
END
$$;

CREATE FUNCTION department_report_rows(department text DEFAULT NULL, period text DEFAULT '30d',
                                       course_id text DEFAULT NULL, skill_id text DEFAULT NULL)
RETURNS TABLE (section text, subject_id text, subject text, item_id text, item text,
               metric text, value text, previous text)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.department_report_rows_for(current_user::text COLLATE "default",
                                                        $1, $2, $3, $4) $$;

-- ---------------------------------------------------------------------------------------
-- Knowledge gaps: what people ask that the knowledge base cannot answer.
--
-- A gap question is a stored question answered with abstain = true or a confidence below
-- cca_gap_confidence_below(). Its topic terms are the lexemes of to_tsvector('english',
-- message) (English stop words removed by the parser, plus gap_stopwords: generic question
-- words), three characters or more, not numbers. A topic is one such term; the terms asked
-- together with it by at least k people are its related terms; a term that comes with a more
-- frequent one in at least 80% of its askers' questions is shown inside that topic rather than
-- on its own. Nearest content: the learning content that the full-text index finds for the
-- topic's terms (ts_rank_cd, best three); skills: skills whose name or description has a term.
--
-- Privacy: the tables below have no grant at all. gap_questions keeps only the lexemes and
-- the asker of each gap question (deleted with the message, the user). The summary tables
-- hold only cells with at least k different askers (k = cca_report_min_group(), >= 5), and
-- the report applies the same test again. No name, no user id, no text leaves.
-- ---------------------------------------------------------------------------------------
CREATE TABLE gap_stopwords (
    lexeme TEXT PRIMARY KEY
);
INSERT INTO gap_stopwords (lexeme)
SELECT DISTINCT l FROM unnest(tsvector_to_array(to_tsvector('english',
    'use using get need want work know find way like make tell explain mean help go something '
    'anything please thanks thank hello question ask good best new one also would could '
    'should possible doe does happen exist give show right wrong example kind type thing'))) l
ON CONFLICT DO NOTHING;

CREATE TABLE gap_questions (
    message_id TEXT PRIMARY KEY REFERENCES chat_messages(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    asked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    lexemes TEXT[] NOT NULL
);
CREATE INDEX idx_gap_questions_asked ON gap_questions (asked_at);
CREATE INDEX idx_gap_questions_user ON gap_questions (user_id);

-- period: '30d' | 'quarter' | 'year'; department NULL: the whole company.
CREATE TABLE gap_topic_stats (
    lexeme TEXT NOT NULL,
    department TEXT,
    period TEXT NOT NULL,
    askers INTEGER NOT NULL,
    questions INTEGER NOT NULL
);
CREATE INDEX idx_gap_topic_stats_scope ON gap_topic_stats (period, department, askers DESC);
CREATE INDEX idx_gap_topic_stats_lexeme ON gap_topic_stats (lexeme, period);

CREATE TABLE gap_topic_months (
    lexeme TEXT NOT NULL,
    department TEXT,
    month DATE NOT NULL,
    askers INTEGER NOT NULL,
    questions INTEGER NOT NULL
);
CREATE INDEX idx_gap_topic_months_lexeme ON gap_topic_months (lexeme, month);

CREATE TABLE gap_topic_pairs (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    askers INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX idx_gap_topic_pairs_b ON gap_topic_pairs (b, askers DESC);

CREATE TABLE gap_topics (
    lexeme TEXT PRIMARY KEY,
    askers INTEGER NOT NULL,          -- company-wide, last year
    terms TEXT[] NOT NULL DEFAULT '{}',
    absorbed_into TEXT,
    skills JSONB NOT NULL DEFAULT '[]',
    nearest JSONB NOT NULL DEFAULT '[]'
);

CREATE TABLE gap_refresh_state (
    id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    watermark TIMESTAMP WITH TIME ZONE,
    refreshed_at TIMESTAMP WITH TIME ZONE,
    min_askers INTEGER,
    questions INTEGER,
    took_ms INTEGER
);
INSERT INTO gap_refresh_state (id) VALUES (true);

ALTER TABLE course_requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_stopwords ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_topic_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_topic_months ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_topic_pairs ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_topics ENABLE ROW LEVEL SECURITY;
ALTER TABLE gap_refresh_state ENABLE ROW LEVEL SECURITY;

-- knowledge_gaps_refresh() -> jsonb {"refreshed", "questions", "changed", "topics",
-- "refreshed_at", "took_ms"}: brings the summary up to date. Incremental for the questions
-- (messages updated since the last run, with a 10-minute margin for late commits), a full
-- recount for the summary (a few seconds on a million messages). The app calls it on a
-- schedule or when knowledge_gaps() reports an old "as_of". One refresh at a time: a second
-- caller returns at once with "refreshed": false. HR managers, trainers, admins; the superuser.
CREATE FUNCTION cca_auth.knowledge_gaps_refresh_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET work_mem = '64MB'
AS $$
DECLARE
    me record;
    k integer := cca_report_min_group();
    t_now timestamptz := now();
    started timestamptz := clock_timestamp();
    first_month date := (date_trunc('month', now()) - interval '11 months')::date;
    keep_from timestamptz := least(now() - interval '1 year',
                                   (date_trunc('month', now()) - interval '11 months'));
    wm timestamptz;
    n_changed integer;
    n_questions integer;
    n_topics integer;
    cand record;
    root text;
    stop text[];
    topics text[];
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF (me.app_role IS NULL OR me.app_role NOT IN ('hr_manager', 'trainer', 'admin'))
       AND NOT (role_name = session_user::text
                AND (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = role_name)) THEN
        RAISE EXCEPTION 'the knowledge-gap report is for HR managers, trainers and admins'
            USING ERRCODE = '42501';
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('cca_knowledge_gaps_refresh')) THEN
        RETURN jsonb_build_object('refreshed', false, 'reason', 'another refresh is running');
    END IF;
    SELECT s.watermark INTO wm FROM gap_refresh_state s FOR UPDATE;

    -- 1. the gap questions: messages changed since the last run are (re)classified
    DELETE FROM gap_questions g USING chat_messages cm
    WHERE g.message_id = cm.id AND cm.updated_at > coalesce(wm, '-infinity') - interval '10 minutes'
      AND NOT (cm.status = 'answered'
               AND (cm.abstain IS TRUE OR cm.confidence < cca_gap_confidence_below()));
    INSERT INTO gap_questions AS g (message_id, user_id, asked_at, lexemes)
    SELECT cm.id, cm.user_id, cm.created_at,
           ARRAY(SELECT l FROM unnest(tsvector_to_array(
                                  to_tsvector('english', left(cm.message, 4000)))) AS l
                 WHERE length(l) >= 3 AND l !~ '^[0-9._/:-]+$' ORDER BY l)
    FROM chat_messages cm
    WHERE cm.updated_at > coalesce(wm, '-infinity') - interval '10 minutes'
      AND cm.created_at >= keep_from
      AND cm.status = 'answered'
      AND (cm.abstain IS TRUE OR cm.confidence < cca_gap_confidence_below())
    ON CONFLICT (message_id) DO UPDATE
        SET user_id = EXCLUDED.user_id, asked_at = EXCLUDED.asked_at, lexemes = EXCLUDED.lexemes;
    GET DIAGNOSTICS n_changed = ROW_COUNT;
    DELETE FROM gap_questions g WHERE g.asked_at < keep_from;
    SELECT count(*) INTO n_questions FROM gap_questions;

    -- 2. counts per term, department and period / month, only cells of >= k askers. One row per
    -- term, person and month first (a person is in one department, so counting rows counts
    -- people); hash aggregates over about a million rows, hence work_mem.
    stop := ARRAY(SELECT s.lexeme FROM gap_stopwords s);
    DELETE FROM gap_topic_stats;
    DELETE FROM gap_topic_months;
    WITH per_month AS MATERIALIZED (
        SELECT l.lexeme, u.department, q.user_id,
               date_trunc('month', q.asked_at)::date AS month,
               count(*) FILTER (WHERE q.asked_at >= t_now - interval '3 months') AS n_quarter,
               count(*) FILTER (WHERE q.asked_at >= t_now - interval '30 days') AS n_30d,
               count(*) FILTER (WHERE q.asked_at >= t_now - interval '1 year') AS n_year,
               count(*) AS n
        FROM gap_questions q
        JOIN users u ON u.id = q.user_id
        CROSS JOIN LATERAL unnest(q.lexemes) AS l(lexeme)
        WHERE q.asked_at >= keep_from AND NOT (l.lexeme = ANY (stop))
        GROUP BY l.lexeme, u.department, q.user_id, date_trunc('month', q.asked_at)::date
    ),
    per_user AS (
        SELECT pm.lexeme, pm.department, pm.user_id, sum(pm.n_30d) AS n_30d,
               sum(pm.n_quarter) AS n_quarter, sum(pm.n_year) AS n_year
        FROM per_month pm GROUP BY pm.lexeme, pm.department, pm.user_id
    ),
    stats AS (
        INSERT INTO gap_topic_stats (lexeme, department, period, askers, questions)
        SELECT pu.lexeme, pu.department, v.period, count(*), sum(v.n)
        FROM per_user pu
        CROSS JOIN LATERAL (VALUES ('30d', pu.n_30d), ('quarter', pu.n_quarter),
                                   ('year', pu.n_year)) AS v(period, n)
        WHERE v.n > 0
        GROUP BY GROUPING SETS ((pu.lexeme, v.period), (pu.lexeme, pu.department, v.period))
        HAVING count(*) >= k AND (GROUPING(pu.department) = 1 OR pu.department IS NOT NULL)
        RETURNING 1
    )
    INSERT INTO gap_topic_months (lexeme, department, month, askers, questions)
    SELECT pm.lexeme, pm.department, pm.month, count(*), sum(pm.n)
    FROM per_month pm
    WHERE pm.month >= first_month
    GROUP BY GROUPING SETS ((pm.lexeme, pm.month), (pm.lexeme, pm.department, pm.month))
    HAVING count(*) >= k AND (GROUPING(pm.department) = 1 OR pm.department IS NOT NULL);

    -- 3. topics: every term shown somewhere, related terms, merging, nearest content
    DELETE FROM gap_topics;
    DELETE FROM gap_topic_pairs;
    INSERT INTO gap_topics (lexeme, askers)
    SELECT s.lexeme, max(s.askers) FILTER (WHERE s.department IS NULL AND s.period = 'year')
    FROM gap_topic_stats s GROUP BY s.lexeme;
    UPDATE gap_topics SET askers = 0 WHERE askers IS NULL;
    -- pairs of topic terms asked together, counted once per person (a < b, stored both ways)
    topics := ARRAY(SELECT g.lexeme FROM gap_topics g);
    INSERT INTO gap_topic_pairs (a, b, askers)
    SELECT d.a, d.b, d.askers
    FROM (SELECT x.a, x.b, count(*) AS askers
          FROM (SELECT DISTINCT q.user_id, a.l AS a, b.l AS b
                FROM gap_questions q
                CROSS JOIN LATERAL unnest(q.lexemes) AS a(l)
                CROSS JOIN LATERAL unnest(q.lexemes) AS b(l)
                WHERE q.asked_at >= t_now - interval '1 year' AND a.l < b.l
                  AND a.l = ANY (topics) AND b.l = ANY (topics)) x
          GROUP BY x.a, x.b
          HAVING count(*) >= k) p
    CROSS JOIN LATERAL (VALUES (p.a, p.b, p.askers), (p.b, p.a, p.askers)) AS d(a, b, askers);
    UPDATE gap_topics t
    SET terms = coalesce((SELECT array_agg(p.b ORDER BY p.askers DESC, p.b)
                          FROM (SELECT gp.b, gp.askers FROM gap_topic_pairs gp
                                WHERE gp.a = t.lexeme
                                ORDER BY gp.askers DESC, gp.b LIMIT 5) p), '{}');
    -- most asked first: a term joins an earlier topic it nearly always comes with
    FOR cand IN SELECT g.lexeme, g.askers FROM gap_topics g ORDER BY g.askers DESC, g.lexeme LOOP
        SELECT gp.a INTO root
        FROM gap_topic_pairs gp JOIN gap_topics r ON r.lexeme = gp.a
        WHERE gp.b = cand.lexeme AND r.absorbed_into IS NULL
          AND (r.askers > cand.askers OR (r.askers = cand.askers AND r.lexeme < cand.lexeme))
          AND gp.askers >= 0.8 * cand.askers AND cand.askers > 0
        ORDER BY gp.askers DESC, gp.a LIMIT 1;
        IF root IS NOT NULL THEN
            UPDATE gap_topics g SET absorbed_into = root WHERE g.lexeme = cand.lexeme;
        END IF;
    END LOOP;
    UPDATE gap_topics t
    SET nearest = coalesce((
            SELECT jsonb_agg(jsonb_build_object('content_id', n.id, 'title', n.title,
                                                'source_path', n.source_path,
                                                'rank', round(n.rank::numeric, 3))
                             ORDER BY n.rank DESC, n.title, n.id)
            FROM (SELECT lc.id, lc.title, lc.source_path, ts_rank_cd(lc.tsv, q.q) AS rank
                  FROM learning_content lc
                  WHERE lc.tsv OPERATOR(public.@@) q.q
                  ORDER BY 4 DESC, lc.title, lc.id LIMIT 3) n), '[]'),
        skills = coalesce((
            SELECT jsonb_agg(jsonb_build_object('skill_id', s.id, 'name', s.name)
                             ORDER BY s.name, s.id)
            FROM skills s
            WHERE to_tsvector('english', s.name || ' ' || coalesce(s.description, ''))
                  @@ q.q), '[]')
    FROM (SELECT g.lexeme,
                 string_agg(cca_auth.lexeme_query(w)::text, ' | ')::tsquery AS q
          FROM gap_topics g CROSS JOIN LATERAL unnest(g.lexeme || g.terms) AS w
          GROUP BY g.lexeme) q
    WHERE q.lexeme = t.lexeme;
    SELECT count(*) INTO n_topics FROM gap_topics WHERE absorbed_into IS NULL;

    UPDATE gap_refresh_state
    SET watermark = t_now, refreshed_at = t_now, min_askers = k, questions = n_questions,
        took_ms = (extract(epoch FROM clock_timestamp() - started) * 1000)::integer;
    RETURN jsonb_build_object(
        'refreshed', true, 'questions', n_questions, 'changed', n_changed, 'topics', n_topics,
        'refreshed_at', t_now,
        'took_ms', (extract(epoch FROM clock_timestamp() - started) * 1000)::integer);
END
$$;

CREATE FUNCTION knowledge_gaps_refresh() RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.knowledge_gaps_refresh_as(current_user::text COLLATE "default") $$;

-- knowledge_gaps(department text DEFAULT NULL, period text DEFAULT 'quarter',
--                topic_limit integer DEFAULT 50) -> jsonb
-- Trainers and admins: the whole company (department NULL) or one department; HR managers:
-- their own department only (another is refused with 42501). From the last refresh:
-- {"scope": "company" | department name, "period", "as_of" (refresh time, null before the
--  first), "min_askers", "months": [12 first days of month, oldest first],
--  "topics": [{"topic", "terms": [related terms], "askers", "questions",
--              "by_month": [questions per month, null when fewer than min_askers people],
--              "departments": [{"department", "askers", "questions"}] (company scope only,
--                              departments with at least min_askers askers),
--              "skills": [{"skill_id", "name"}],
--              "nearest_content": [{"content_id", "title", "source_path", "rank"}]}]}
-- Topics are ordered by askers, then questions; only topics with >= min_askers askers.
CREATE FUNCTION cca_auth.knowledge_gaps_for(role_name text, department text, period text,
                                            topic_limit integer)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    me record;
    scope text;
    p text := lower(btrim(coalesce(period, 'quarter')));
    k integer := cca_report_min_group();
    st gap_refresh_state;
    months date[];
BEGIN
    PERFORM cca_report_period(p);
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role IN ('admin', 'trainer') THEN
        scope := department;
        IF scope IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.department = scope)
        THEN
            RAISE EXCEPTION 'no department %', scope USING ERRCODE = 'P0002';
        END IF;
    ELSIF me.app_role = 'hr_manager' THEN
        scope := cca_auth.report_department(role_name, department);
    ELSE
        RAISE EXCEPTION 'the knowledge-gap report is for HR managers, trainers and admins'
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO st FROM gap_refresh_state;
    months := ARRAY(SELECT (date_trunc('month', coalesce(st.refreshed_at, now()))
                            - g * interval '1 month')::date
                    FROM generate_series(11, 0, -1) g);
    RETURN jsonb_build_object(
        'scope', coalesce(scope, 'company'),
        'period', p,
        'as_of', st.refreshed_at,
        'min_askers', k,
        'months', to_jsonb(months),
        'topics', (
            WITH s AS MATERIALIZED (
                SELECT gs.lexeme, gs.askers, gs.questions
                FROM gap_topic_stats gs
                WHERE gs.period = p AND gs.askers >= k
                  AND ((scope IS NULL AND gs.department IS NULL) OR gs.department = scope)
            ),
            v AS (
                SELECT s.lexeme, s.askers, s.questions, t.terms, t.skills, t.nearest
                FROM s JOIN gap_topics t ON t.lexeme = s.lexeme
                WHERE t.absorbed_into IS NULL
                   OR NOT EXISTS (SELECT 1 FROM s s2 WHERE s2.lexeme = t.absorbed_into)
                ORDER BY s.askers DESC, s.questions DESC, s.lexeme
                LIMIT greatest(coalesce(topic_limit, 50), 0)
            )
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                'topic', v.lexeme, 'terms', to_jsonb(v.terms), 'askers', v.askers,
                'questions', v.questions,
                'by_month', (SELECT jsonb_agg(m.questions ORDER BY g.n)
                             FROM unnest(months) WITH ORDINALITY AS g(month, n)
                             LEFT JOIN gap_topic_months m
                               ON m.lexeme = v.lexeme AND m.month = g.month AND m.askers >= k
                              AND ((scope IS NULL AND m.department IS NULL)
                                   OR m.department = scope)),
                'departments', CASE WHEN scope IS NULL THEN (
                    SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'department', d.department, 'askers', d.askers,
                               'questions', d.questions) ORDER BY d.askers DESC, d.department),
                           '[]'::jsonb)
                    FROM gap_topic_stats d
                    WHERE d.lexeme = v.lexeme AND d.period = p AND d.department IS NOT NULL
                      AND d.askers >= k) END,
                'skills', v.skills,
                'nearest_content', v.nearest)
                ORDER BY v.askers DESC, v.questions DESC, v.lexeme), '[]'::jsonb)
            FROM v));
END
$$;

CREATE FUNCTION knowledge_gaps(department text DEFAULT NULL, period text DEFAULT 'quarter',
                               topic_limit integer DEFAULT 50)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.knowledge_gaps_for(current_user::text COLLATE "default", $1, $2, $3) $$;

-- ---------------------------------------------------------------------------------------
-- Privileges and policies
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON course_requirements, gap_stopwords, gap_questions, gap_topic_stats,
    gap_topic_months, gap_topic_pairs, gap_topics, gap_refresh_state FROM PUBLIC;
GRANT SELECT ON course_requirements TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (id, course_id, department, due_at), UPDATE (course_id, department, due_at), DELETE
    ON course_requirements TO cca_hr_manager, cca_admin;
GRANT SELECT ON gap_stopwords TO cca_trainer, cca_admin;
GRANT INSERT, DELETE ON gap_stopwords TO cca_admin;

-- Everybody reads the requirements that apply to their department; an HR manager manages
-- their own department's; admins all.
CREATE POLICY course_requirements_select_own ON course_requirements FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated'
           AND (department IS NULL OR department = (SELECT cca_auth.department())));
CREATE POLICY course_requirements_hr_department ON course_requirements FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'hr_manager'
           AND department = (SELECT cca_auth.department()))
    WITH CHECK ((SELECT cca_auth.app_role()) = 'hr_manager'
                AND department = (SELECT cca_auth.department()));
CREATE POLICY course_requirements_admin_all ON course_requirements FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');
CREATE POLICY gap_stopwords_select ON gap_stopwords FOR SELECT
    USING ((SELECT cca_auth.app_role()) IN ('trainer', 'admin'));
CREATE POLICY gap_stopwords_admin_all ON gap_stopwords FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');
-- gap_questions, gap_topic_*, gap_topics, gap_refresh_state: no grant, no policy (owner only).

GRANT EXECUTE ON FUNCTION cca_report_min_group(), cca_report_period(text),
    cca_report_trend(numeric, numeric, boolean), cca_gap_confidence_below()
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION
    department_list(), cca_auth.department_list_for(text),
    department_overview(text, text, text, text),
    cca_auth.department_overview_for(text, text, text, text, text),
    department_people(text, text, text, text, text, boolean, boolean, integer, integer),
    cca_auth.department_people_for(text, text, text, text, text, text, boolean, boolean,
                                   integer, integer),
    department_person(text), cca_auth.department_person_for(text, text),
    department_report(text, text, text, text),
    cca_auth.department_report_for(text, text, text, text, text),
    department_report_rows(text, text, text, text),
    cca_auth.department_report_rows_for(text, text, text, text, text)
    TO cca_hr_manager, cca_admin;
GRANT EXECUTE ON FUNCTION
    knowledge_gaps(text, text, integer), cca_auth.knowledge_gaps_for(text, text, text, integer),
    knowledge_gaps_refresh(), cca_auth.knowledge_gaps_refresh_as(text)
    TO cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 021_reconcile: what the branches of 012, 013 and 018 needed from each other.
-- 1. The knowledge-gap report (012) precomputes the nearest content of each topic for
--    everybody; restricted content (018) came later. The report now shows a reader only the
--    nearest content they may read themselves (admins: all). Body otherwise as in 012.
-- 2. Privileged writes to the tables people edit (course_requirements: HR managers and
--    admins; gap_stopwords: admins) are audited like every other application table (010).
--    The gap_* summary tables are derived by a definer refresh and granted to nobody: they are
--    not audited (a refresh would flood the log with rows about nobody).
SET LOCAL ROLE cca_owner;

CREATE OR REPLACE FUNCTION cca_auth.knowledge_gaps_for(role_name text, department text, period text,
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
    is_all boolean := cca_auth.reads_all_content(role_name);
    tags text[] := cca_auth.reader_tags_for(role_name);
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
                'nearest_content', (
                    SELECT coalesce(jsonb_agg(n.e ORDER BY n.ord), '[]'::jsonb)
                    FROM jsonb_array_elements(v.nearest) WITH ORDINALITY AS n(e, ord)
                    JOIN learning_content lc ON lc.id = n.e->>'content_id'
                    WHERE is_all OR lc.readers && tags))
                ORDER BY v.askers DESC, v.questions DESC, v.lexeme), '[]'::jsonb)
            FROM v));
END
$$;

RESET ROLE;

CREATE TRIGGER course_requirements_row_audit_trigger AFTER INSERT OR UPDATE OR DELETE
    ON course_requirements FOR EACH ROW EXECUTE FUNCTION cca_audit_row();
CREATE TRIGGER gap_stopwords_row_audit_trigger AFTER INSERT OR UPDATE OR DELETE
    ON gap_stopwords FOR EACH ROW EXECUTE FUNCTION cca_audit_row();

-- 006_security: privileges, row-level security and the admin user-management functions
-- (issue 4). Privileges decide which columns and statements a group may use; policies decide
-- which rows. A role that is not linked to a users row passes no policy.
-- Every policy is listed with the test that covers it in tests/db/README.md.
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Table privileges
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON users, skills, courses, learning_content, content_passages, learning_progress,
    conversations, chat_messages, recommendations, assessments, assessment_results, audit_log,
    analytics_events, cca_settings FROM PUBLIC;

GRANT SELECT ON users, skills, courses, learning_content, content_passages, learning_progress,
    conversations, chat_messages, recommendations, assessments, assessment_results, cca_settings
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- Own profile: only the personal columns. Identity columns (id, email, role, department,
-- db_role) are not granted; admins may fix email and department, role goes through
-- cca_user_set_role.
GRANT UPDATE (name, learning_profile, preferences) ON users
    TO cca_learner, cca_hr_manager, cca_trainer;
GRANT UPDATE (name, email, department, learning_profile, preferences), DELETE ON users
    TO cca_admin;

GRANT INSERT, UPDATE, DELETE ON skills, courses TO cca_admin;
GRANT INSERT, UPDATE, DELETE ON learning_content, content_passages, assessments
    TO cca_trainer, cca_admin;

-- completed_at and started_at are the server's (trigger / default).
GRANT INSERT (id, user_id, skill_id, course_id, level, progress),
      UPDATE (level, progress) ON learning_progress
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT DELETE ON learning_progress TO cca_admin;

GRANT INSERT (id, user_id, title), UPDATE (title) ON conversations
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- A client inserts the question and later stores the outcome; the question itself, its owner
-- and its conversation are fixed once written.
GRANT INSERT (id, user_id, conversation_id, message, response, confidence, sources,
              processing_time, status, error, is_offline, abstain),
      UPDATE (response, confidence, sources, processing_time, status, error, is_offline, abstain)
    ON chat_messages TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

GRANT INSERT (id, user_id, type, item_id, score, reason), UPDATE (clicked) ON recommendations
    TO cca_learner, cca_hr_manager, cca_trainer;
GRANT INSERT, UPDATE, DELETE ON recommendations TO cca_admin;

GRANT INSERT, UPDATE, DELETE ON assessment_results TO cca_admin;
GRANT SELECT ON audit_log, analytics_events TO cca_admin;

GRANT SELECT ON user_learning_dashboard, learning_content_search, recommendation_analytics
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- ---------------------------------------------------------------------------------------
-- Function privileges (EXECUTE is revoked from PUBLIC by default privileges, 001)
-- ---------------------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION cca_auth.identity(text), cca_auth.uid(), cca_auth.role(),
    cca_auth.app_role(), cca_auth.department(), cca_whoami(),
    cca_match_sql(text, boolean), cca_hnsw_tune(integer, boolean),
    match_documents(vector, float, int, text[]), match_passages(vector, float, int, text[]),
    search_learning_content(text, text[], int), search_passages(text, text[], int),
    get_user_learning_analytics(text), generate_recommendations(text, integer)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION department_dashboard(), cca_auth.department_dashboard_for(text)
    TO cca_hr_manager, cca_admin;
GRANT EXECUTE ON FUNCTION cca_set_embed_meta(integer, text) TO cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION cca_reset_embeddings(integer, text) TO cca_admin;

DO $$
BEGIN
    IF (SELECT nspowner FROM pg_namespace WHERE nspname = 'auth') = 'cca_owner'::regrole THEN
        REVOKE ALL ON SCHEMA auth FROM PUBLIC;
        GRANT USAGE ON SCHEMA auth TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
        GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.app_role(), auth.department()
            TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Row-level security. The helpers are wrapped in (SELECT ...) so each is evaluated once per
-- statement (an InitPlan), not once per row. Tables are owned by cca_owner WITHOUT FORCE: its
-- SECURITY DEFINER helpers read past RLS, and no client ever is cca_owner.
-- ---------------------------------------------------------------------------------------
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE skills ENABLE ROW LEVEL SECURITY;
ALTER TABLE courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE learning_content ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_passages ENABLE ROW LEVEL SECURITY;
ALTER TABLE learning_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE recommendations ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE cca_settings ENABLE ROW LEVEL SECURITY;

-- users
CREATE POLICY users_select_own ON users FOR SELECT
    USING (id = (SELECT cca_auth.uid()));
CREATE POLICY users_update_own ON users FOR UPDATE
    USING (id = (SELECT cca_auth.uid()))
    WITH CHECK (id = (SELECT cca_auth.uid()));
-- The spec's HR policy selected from users inside a users policy (infinite recursion); the
-- caller's department now comes from the definer helper.
CREATE POLICY users_select_hr_department ON users FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'hr_manager'
           AND department = (SELECT cca_auth.department()));
CREATE POLICY users_admin_all ON users FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- skills, courses: the catalogue, read by every person, written by admins
CREATE POLICY skills_select_authenticated ON skills FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
CREATE POLICY skills_admin_all ON skills FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');
CREATE POLICY courses_select_authenticated ON courses FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
CREATE POLICY courses_admin_all ON courses FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- learning_content: read by every person; trainers write their own (created_by, a real
-- column instead of the spec's metadata->>'created_by' which the writer could set freely)
CREATE POLICY learning_content_select_authenticated ON learning_content FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
CREATE POLICY learning_content_trainer_insert ON learning_content FOR INSERT
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
                AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY learning_content_trainer_update ON learning_content FOR UPDATE
    USING ((SELECT cca_auth.app_role()) = 'trainer' AND created_by = (SELECT cca_auth.uid()))
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
                AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY learning_content_trainer_delete ON learning_content FOR DELETE
    USING ((SELECT cca_auth.app_role()) = 'trainer' AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY learning_content_admin_all ON learning_content FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- content_passages follow their document
CREATE POLICY content_passages_select_authenticated ON content_passages FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
-- (separate INSERT/UPDATE/DELETE policies: a FOR ALL policy would add its subquery to
-- every SELECT, i.e. to the exact vector scan)
CREATE POLICY content_passages_trainer_insert ON content_passages FOR INSERT
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
           AND EXISTS (SELECT 1 FROM learning_content lc
                       WHERE lc.id = content_passages.content_id
                         AND lc.created_by = (SELECT cca_auth.uid())));
CREATE POLICY content_passages_trainer_update ON content_passages FOR UPDATE
    USING ((SELECT cca_auth.app_role()) = 'trainer'
           AND EXISTS (SELECT 1 FROM learning_content lc
                       WHERE lc.id = content_passages.content_id
                         AND lc.created_by = (SELECT cca_auth.uid())))
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
           AND EXISTS (SELECT 1 FROM learning_content lc
                       WHERE lc.id = content_passages.content_id
                         AND lc.created_by = (SELECT cca_auth.uid())));
CREATE POLICY content_passages_trainer_delete ON content_passages FOR DELETE
    USING ((SELECT cca_auth.app_role()) = 'trainer'
           AND EXISTS (SELECT 1 FROM learning_content lc
                       WHERE lc.id = content_passages.content_id
                         AND lc.created_by = (SELECT cca_auth.uid())));
CREATE POLICY content_passages_admin_all ON content_passages FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- learning_progress
CREATE POLICY learning_progress_select_own ON learning_progress FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY learning_progress_insert_own ON learning_progress FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY learning_progress_update_own ON learning_progress FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
-- users is read under the HR manager's own users policy (their department): no recursion,
-- different table.
CREATE POLICY learning_progress_select_hr_department ON learning_progress FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'hr_manager'
           AND user_id IN (SELECT u.id FROM users u
                           WHERE u.department = (SELECT cca_auth.department())));
CREATE POLICY learning_progress_admin_all ON learning_progress FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- conversations and chat_messages: the owner's; admins read for support; HR never
CREATE POLICY conversations_select_own ON conversations FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY conversations_insert_own ON conversations FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY conversations_update_own ON conversations FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY conversations_select_admin ON conversations FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

CREATE POLICY chat_messages_select_own ON chat_messages FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY chat_messages_insert_own ON chat_messages FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY chat_messages_update_own ON chat_messages FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY chat_messages_select_admin ON chat_messages FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

-- recommendations
CREATE POLICY recommendations_select_own ON recommendations FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY recommendations_insert_own ON recommendations FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY recommendations_update_own ON recommendations FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY recommendations_admin_all ON recommendations FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- assessments: everybody reads (answer keys are elsewhere, 007); trainers write their own
CREATE POLICY assessments_select_authenticated ON assessments FOR SELECT
    USING ((SELECT cca_auth.role()) = 'authenticated');
CREATE POLICY assessments_trainer_insert ON assessments FOR INSERT
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
                AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY assessments_trainer_update ON assessments FOR UPDATE
    USING ((SELECT cca_auth.app_role()) = 'trainer' AND created_by = (SELECT cca_auth.uid()))
    WITH CHECK ((SELECT cca_auth.app_role()) = 'trainer'
                AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY assessments_trainer_delete ON assessments FOR DELETE
    USING ((SELECT cca_auth.app_role()) = 'trainer' AND created_by = (SELECT cca_auth.uid()));
CREATE POLICY assessments_admin_all ON assessments FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- assessment_results: written only by submit_assessment (definer); read by the learner, their
-- department's HR manager, the trainer who wrote the assessment, admins
CREATE POLICY assessment_results_select_own ON assessment_results FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY assessment_results_select_hr_department ON assessment_results FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'hr_manager'
           AND user_id IN (SELECT u.id FROM users u
                           WHERE u.department = (SELECT cca_auth.department())));
CREATE POLICY assessment_results_select_trainer ON assessment_results FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'trainer'
           AND assessment_id IN (SELECT a.id FROM assessments a
                                 WHERE a.created_by = (SELECT cca_auth.uid())));
CREATE POLICY assessment_results_admin_all ON assessment_results FOR ALL
    USING ((SELECT cca_auth.app_role()) = 'admin')
    WITH CHECK ((SELECT cca_auth.app_role()) = 'admin');

-- audit_log, analytics_events: written by definer triggers and functions only; admins read
CREATE POLICY audit_log_select_admin ON audit_log FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');
CREATE POLICY analytics_events_select_admin ON analytics_events FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');

-- cca_settings: embedding dimension and model, not personal data; readable by every group
-- member (cca doctor, ingest), written by definer functions only
CREATE POLICY cca_settings_select_all ON cca_settings FOR SELECT USING (true);

-- ---------------------------------------------------------------------------------------
-- User management (admin only). The public functions are SECURITY INVOKER wrappers that
-- pass current_user to a definer body, which checks that the caller is an admin (through
-- cca_auth.identity, so the name cannot be forged) and records who did it.
-- ---------------------------------------------------------------------------------------

-- Internal, superuser only (the seed uses it to get stable role names): creates or adopts
-- the login role db_role, links it to a new users row and grants the group role.
CREATE FUNCTION cca_user_create(email text, name text, role text, department text,
                                db_role text, id text DEFAULT NULL, actor_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    v_email text := lower(btrim(email));
    v_id text;
    r record;
BEGIN
    IF v_email IS NULL OR v_email !~ '^[^@\s]+@[^@\s]+$' THEN
        RAISE EXCEPTION 'invalid email address: %', email USING ERRCODE = '22023';
    END IF;
    IF name IS NULL OR btrim(name) = '' THEN
        RAISE EXCEPTION 'a user needs a name' USING ERRCODE = '22023';
    END IF;
    IF role IS NULL OR role NOT IN ('learner', 'hr_manager', 'trainer', 'admin') THEN
        RAISE EXCEPTION 'role must be learner, hr_manager, trainer or admin, not %', role
            USING ERRCODE = '22023';
    END IF;
    IF db_role IS NULL OR db_role !~ '^[a-z_][a-z0-9_]{0,62}$'
       OR db_role IN ('cca_owner', 'cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin')
       OR db_role LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'unsuitable login role name: %', db_role USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = v_email) THEN
        RAISE EXCEPTION 'a user with email % already exists', v_email USING ERRCODE = '23505';
    END IF;
    IF EXISTS (SELECT 1 FROM users u WHERE u.db_role = db_role) THEN
        RAISE EXCEPTION 'login role % already belongs to a user', db_role
            USING ERRCODE = '23505';
    END IF;

    SELECT * INTO r FROM pg_roles WHERE rolname = db_role;
    IF FOUND THEN
        -- Adopt a leftover role (roles outlive a dropped database) only if it is harmless.
        IF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
        THEN
            RAISE EXCEPTION 'login role % is privileged and cannot be linked to a user', db_role
                USING ERRCODE = '42501';
        END IF;
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT',
                       db_role);
    END IF;
    PERFORM cca_sync_group(db_role, role);

    INSERT INTO users (id, email, name, role, department, db_role)
    VALUES (coalesce(id, gen_random_uuid()::text), v_email, btrim(name), role,
            nullif(btrim(department), ''), db_role)
    RETURNING users.id INTO v_id;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', v_id, 'user_added', actor_id,
            jsonb_build_object('email', v_email, 'role', role, 'department', department,
                               'db_role', db_role));
    RETURN v_id;
END
$$;

-- Internal: make the group membership of a login role match an application role.
CREATE FUNCTION cca_sync_group(db_role text, app_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    g text;
    want text := 'cca_' || app_role;
BEGIN
    FOR g IN SELECT gr.rolname FROM pg_auth_members m
             JOIN pg_roles gr ON gr.oid = m.roleid
             JOIN pg_roles mr ON mr.oid = m.member
             WHERE mr.rolname = db_role
               AND gr.rolname IN ('cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin')
               AND gr.rolname <> want LOOP
        EXECUTE format('REVOKE %I FROM %I', g, db_role);
    END LOOP;
    IF NOT pg_has_role(db_role, want, 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', want, db_role);
    END IF;
END
$$;

-- The caller's users id when the caller is an admin, else an error.
CREATE FUNCTION cca_auth.require_admin(role_name text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role = 'admin' THEN
        RETURN me.id;
    END IF;
    -- The superuser itself (not a role it SET ROLE'd to) administers too, unattributed.
    IF role_name = session_user::text
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = role_name) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'only an admin can manage users' USING ERRCODE = '42501';
END
$$;

CREATE FUNCTION cca_auth.user_add_as(role_name text, email text, name text, role text,
                                     department text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    base text := left(regexp_replace(lower(split_part(btrim(email), '@', 1)), '[^a-z0-9]+', '_',
                                     'g'), 40);
    candidate text;
BEGIN
    LOOP
        candidate := 'cca_u_' || base || '_'
                     || substr(md5(gen_random_uuid()::text), 1, 6);
        EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = candidate);
    END LOOP;
    RETURN cca_user_create(email, name, role, department, candidate, NULL, actor);
END
$$;

CREATE FUNCTION cca_user_add(email text, name text, role text, department text)
RETURNS text
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_add_as(current_user::text, $1, $2, $3, $4) $$;

CREATE FUNCTION cca_auth.user_set_role_as(role_name text, email text, new_role text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u record;
BEGIN
    IF new_role IS NULL OR new_role NOT IN ('learner', 'hr_manager', 'trainer', 'admin') THEN
        RAISE EXCEPTION 'role must be learner, hr_manager, trainer or admin, not %', new_role
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO u FROM users WHERE lower(users.email) = lower(btrim(email)) FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user with email %', email USING ERRCODE = 'P0002';
    END IF;
    UPDATE users SET role = new_role WHERE users.id = u.id;
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role) THEN
        PERFORM cca_sync_group(u.db_role, new_role);
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', u.id, 'role_changed', actor,
            jsonb_build_object('from', u.role, 'to', new_role));
END
$$;

CREATE FUNCTION cca_user_set_role(email text, role text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_set_role_as(current_user::text, $1, $2) $$;

-- GDPR: everything stored about a person, as one JSON document.
CREATE FUNCTION cca_auth.export_user_as(role_name text, email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users;
    doc jsonb;
BEGIN
    SELECT * INTO u FROM users WHERE lower(users.email) = lower(btrim(email));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user with email %', email USING ERRCODE = 'P0002';
    END IF;
    doc := jsonb_build_object(
        'user', to_jsonb(u),
        'learning_progress', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.started_at), '[]')
                              FROM learning_progress x WHERE x.user_id = u.id),
        'conversations', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]')
                          FROM conversations x WHERE x.user_id = u.id),
        'chat_messages', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]')
                          FROM chat_messages x WHERE x.user_id = u.id),
        'recommendations', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]')
                            FROM recommendations x WHERE x.user_id = u.id),
        'assessment_results', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.completed_at),
                                               '[]')
                               FROM assessment_results x WHERE x.user_id = u.id),
        'analytics_events', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]')
                             FROM analytics_events x WHERE x.user_id = u.id),
        'audit_log', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.created_at), '[]')
                      FROM audit_log x WHERE x.user_id = u.id));
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', u.id, 'exported', actor, NULL);
    RETURN doc;
END
$$;

CREATE FUNCTION cca_export_user(email text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.export_user_as(current_user::text, $1) $$;

-- GDPR: forget a person. Their rows go (cascades), their analytics and audit trail are
-- removed, their content stays without an author, their login role is dropped. One audit row
-- records that an erasure happened, without personal data.
CREATE FUNCTION cca_auth.erase_user_as(role_name text, email text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE lower(users.email) = lower(btrim(email)) FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user with email %', email USING ERRCODE = 'P0002';
    END IF;
    IF u.id = actor THEN
        RAISE EXCEPTION 'an admin cannot erase themselves' USING ERRCODE = '42501';
    END IF;
    DELETE FROM analytics_events WHERE user_id = u.id;
    DELETE FROM audit_log WHERE user_id = u.id OR (table_name = 'users' AND record_id = u.id);
    DELETE FROM users WHERE id = u.id;
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role)
       AND u.db_role::name <> current_user AND u.db_role::name <> session_user THEN
        EXECUTE format('DROP ROLE %I', u.db_role);
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', u.id, 'erased', actor, NULL);
END
$$;

CREATE FUNCTION cca_erase_user(email text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.erase_user_as(current_user::text, $1) $$;

GRANT EXECUTE ON FUNCTION
    cca_user_add(text, text, text, text), cca_auth.user_add_as(text, text, text, text, text),
    cca_user_set_role(text, text), cca_auth.user_set_role_as(text, text, text),
    cca_export_user(text), cca_auth.export_user_as(text, text),
    cca_erase_user(text), cca_auth.erase_user_as(text, text),
    cca_auth.require_admin(text)
    TO cca_admin;

RESET ROLE;

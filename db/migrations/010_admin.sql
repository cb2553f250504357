-- 010_admin: the database half of administration (people, audit trail, GDPR, retention) and
-- four security fixes: every privileged change audited with who did it (A), row ids that a
-- client cannot choose (B), the migration ledger closed and a non-superuser demo role (C), an
-- append-only audit log (D). The SQL API for the admin screen and `cca gdpr/audit/retention/
-- user` is listed, with each JSON shape, in tests/db/README.md "Admin API"; every function
-- also states its contract where it is defined. Reads are one function call returning one
-- jsonb document; writes are function calls. All admin functions follow 006's pattern: an
-- INVOKER wrapper passes current_user to a DEFINER body in cca_auth that checks the caller
-- through cca_auth.require_admin (identity cannot be forged by passing another role name).

-- ---------------------------------------------------------------------------------------
-- C. The migration ledger: no application role reads or writes it. db/migrate.c creates it as
-- the bootstrap superuser (its owner, which bypasses RLS); clients learn the schema version
-- through cca_schema_ledger() below. Done as the superuser: cca_owner does not own it.
-- ---------------------------------------------------------------------------------------
DO $$
BEGIN
    IF to_regclass('public.schema_migrations') IS NOT NULL THEN
        REVOKE ALL ON public.schema_migrations
            FROM PUBLIC, cca_learner, cca_hr_manager, cca_trainer, cca_admin;
        GRANT SELECT ON public.schema_migrations TO cca_owner;
        ALTER TABLE public.schema_migrations ENABLE ROW LEVEL SECURITY;
        IF NOT EXISTS (SELECT 1 FROM pg_policy
                       WHERE polrelid = 'public.schema_migrations'::regclass
                         AND polname = 'schema_migrations_owner_read') THEN
            CREATE POLICY schema_migrations_owner_read ON public.schema_migrations
                FOR SELECT TO cca_owner USING (true);
        END IF;
    END IF;
END
$$;

SET LOCAL ROLE cca_owner;

-- The applied migrations, for `cca doctor` and `cca migrate --status` run by a client role.
-- Version numbers and checksums only; the ledger itself stays closed.
CREATE FUNCTION cca_schema_ledger()
RETURNS TABLE (version integer, name text, checksum text, applied_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT m.version, m.name, m.checksum, m.applied_at
      FROM public.schema_migrations m ORDER BY m.version $$;

-- ---------------------------------------------------------------------------------------
-- Schema additions
-- ---------------------------------------------------------------------------------------

-- A deactivated person keeps their data; their login role is NOLOGIN and their identity
-- resolves to nothing (cca_auth.identity below), so every policy refuses them.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP WITH TIME ZONE;

-- audit_log.user_id is WHO DID IT (the acting person, NULL for the superuser or an unlinked
-- role); subject_id is WHOM IT IS ABOUT (the person whose row changed); actor_role is the
-- database role the change was made as (the login role, or the demo's SET ROLE target) and
-- session_role the login role of the connection (e.g. cca_demo). Both are stamped by a
-- trigger, never taken from the writer.
ALTER TABLE audit_log ADD COLUMN subject_id TEXT,
                      ADD COLUMN actor_role TEXT,
                      ADD COLUMN session_role TEXT;
-- Rows written before 010: the completion trigger put the learner in user_id; user rows name
-- their person in record_id.
UPDATE audit_log SET subject_id = user_id WHERE table_name = 'learning_progress';
UPDATE audit_log SET subject_id = record_id WHERE table_name = 'users';

-- Keyset paging of the audit viewer: newest first by (created_at, id), per filter. The 003
-- single-column indexes stay (spec); these serve "ORDER BY created_at DESC, id DESC LIMIT n"
-- under each filter without a sort.
CREATE INDEX idx_audit_log_created_id ON audit_log (created_at, id);
CREATE INDEX idx_audit_log_user_created ON audit_log (user_id, created_at, id);
CREATE INDEX idx_audit_log_subject_created ON audit_log (subject_id, created_at, id);
CREATE INDEX idx_audit_log_table_created ON audit_log (table_name, created_at, id);
CREATE INDEX idx_audit_log_action_created ON audit_log (action, created_at, id);
CREATE INDEX idx_analytics_events_created_id ON analytics_events (created_at, id);
CREATE INDEX idx_analytics_events_user_created ON analytics_events (user_id, created_at, id);
CREATE INDEX idx_analytics_events_type_created ON analytics_events (event_type, created_at, id);

-- Transaction-private switches of the two maintenance paths (erasure: 'erase', retention:
-- 'retention'). A definer function inserts its row, does its work and deletes the row before
-- it returns, so no other transaction ever sees one. Clients have no privilege on it: it
-- cannot be used to silence the audit trail or to unlock the audit log.
CREATE TABLE cca_auth.maintenance (
    purpose TEXT NOT NULL CHECK (purpose IN ('erase', 'retention')),
    user_id TEXT
);
REVOKE ALL ON cca_auth.maintenance FROM PUBLIC;
ALTER TABLE cca_auth.maintenance ENABLE ROW LEVEL SECURITY;

-- Retention, in days; 0 keeps forever. Read by everybody (configuration), written by
-- cca_setting_set (admins).
INSERT INTO cca_settings (key, value) VALUES
    ('retention.chat_days', '365'),
    ('retention.analytics_days', '180'),
    ('retention.audit_days', '730')
ON CONFLICT (key) DO NOTHING;

-- ---------------------------------------------------------------------------------------
-- Identity: deactivated people resolve to nothing; who is acting
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION cca_auth.identity(role_name text)
RETURNS TABLE (id text, email text, name text, app_role text, department text, db_role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT u.id, u.email, u.name, u.role, u.department, u.db_role
    FROM public.users u
    JOIN pg_catalog.pg_roles r ON r.rolname = u.db_role
    WHERE u.db_role = role_name
      AND u.deactivated_at IS NULL
      AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
$$;

-- The role the client acts as: the SET ROLE target, else the login role. Unlike current_user
-- it is the same inside SECURITY DEFINER functions (they switch the user id, not the `role`
-- setting, and may not SET ROLE), and PostgreSQL checks membership whenever it is set, so
-- definer triggers can name the caller.
CREATE FUNCTION cca_auth.acting_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text
                  ELSE current_setting('role') END $$;

-- `--user EMAIL`: deactivated people have no login role to act as.
CREATE OR REPLACE FUNCTION cca_role_for_email(email text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT u.db_role FROM public.users u
      WHERE lower(u.email) = lower($1) AND u.deactivated_at IS NULL $$;

-- ---------------------------------------------------------------------------------------
-- A + D. The audit log: stamped, append-only, and fed by every table
-- ---------------------------------------------------------------------------------------

-- Every audit row records who did it, whatever code inserts it: the acting role, the session
-- role and (when the writer left it empty) the acting person. Rows about a person's users row
-- name that person as subject.
CREATE FUNCTION cca_auth.audit_log_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.actor_role := cca_auth.acting_role();
    NEW.session_role := session_user::text;
    IF NEW.user_id IS NULL THEN
        NEW.user_id := (SELECT i.id FROM cca_auth.identity(NEW.actor_role) i);
    END IF;
    IF NEW.subject_id IS NULL AND NEW.table_name = 'users' AND NEW.action <> 'imported' THEN
        NEW.subject_id := NEW.record_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_stamp_trigger BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION cca_auth.audit_log_stamp();

-- D. Nobody updates, deletes or truncates audit rows: not clients (no privilege either), not
-- admins, not cca_owner, not the superuser (short of disabling the trigger). The two
-- exceptions are the definer paths that hold their maintenance switch: the erasure
-- anonymises (UPDATE) and retention removes expired rows (DELETE).
CREATE FUNCTION cca_auth.audit_log_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND EXISTS (SELECT 1 FROM cca_auth.maintenance m WHERE m.purpose = 'erase') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM cca_auth.maintenance m WHERE m.purpose = 'retention') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER audit_log_guard_trigger BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION cca_auth.audit_log_guard();
CREATE TRIGGER audit_log_no_truncate_trigger BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.audit_log_guard();

-- An audit copy of a row: no vectors or tsvectors, long strings cut to 500 characters.
CREATE FUNCTION cca_auth.audit_compact(doc jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(jsonb_object_agg(e.key,
               CASE WHEN jsonb_typeof(e.value) = 'string' AND length(e.value #>> '{}') > 500
                    THEN to_jsonb(left(e.value #>> '{}', 500)
                                  || format(' [... %s characters]', length(e.value #>> '{}')))
                    ELSE e.value END), '{}'::jsonb)
    FROM jsonb_each(doc) e
    WHERE e.key NOT IN ('embedding', 'tsv')
$$;

-- A. One audit row per changed row: action insert/update/delete, who (user_id = the acting
-- person; actor_role/session_role by the stamp), whom (subject_id: users.id or the row's
-- user_id), what (changes: {"new": row} / {"old": row} / {"old": {changed columns},
-- "new": {changed columns}}). Not audited, on purpose:
--   * a person's changes to their own rows (subject = actor): self-service activity such as
--     asking a question or updating one's own progress, which would copy chat text here;
--   * the bootstrap superuser acting as itself (migrate, seed, ingest): it can disable any
--     trigger, so its audit would prove nothing;
--   * updates that only touch updated_at, embeddings or tsvectors;
--   * rows changed by the erasure and retention paths, which write one summary row each.
CREATE FUNCTION cca_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor_role text := cca_auth.acting_role();
    actor_id text;
    old_doc jsonb;
    new_doc jsonb;
    doc jsonb;
    subject_old text;
    subject_new text;
    diff_old jsonb;
    diff_new jsonb;
    changes jsonb;
    rec_id text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = actor_role AND r.rolsuper) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM cca_auth.maintenance) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_doc := to_jsonb(OLD) - 'embedding' - 'tsv';
        subject_old := CASE WHEN TG_TABLE_NAME = 'users' THEN old_doc->>'id'
                            ELSE old_doc->>'user_id' END;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_doc := to_jsonb(NEW) - 'embedding' - 'tsv';
        subject_new := CASE WHEN TG_TABLE_NAME = 'users' THEN new_doc->>'id'
                            ELSE new_doc->>'user_id' END;
    END IF;
    SELECT i.id INTO actor_id FROM cca_auth.identity(actor_role) i;
    IF actor_id IS NOT NULL AND coalesce(subject_new, subject_old) IS NOT NULL
       AND actor_id = coalesce(subject_new, actor_id)
       AND actor_id = coalesce(subject_old, actor_id) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(n.key, old_doc->n.key), jsonb_object_agg(n.key, n.value)
        INTO diff_old, diff_new
        FROM jsonb_each(new_doc) n
        WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM old_doc->n.key;
        IF diff_new IS NULL THEN
            RETURN NULL;
        END IF;
        changes := jsonb_build_object('old', cca_auth.audit_compact(diff_old),
                                      'new', cca_auth.audit_compact(diff_new));
    ELSIF TG_OP = 'INSERT' THEN
        changes := jsonb_build_object('new', cca_auth.audit_compact(new_doc));
    ELSE
        changes := jsonb_build_object('old', cca_auth.audit_compact(old_doc));
    END IF;
    doc := coalesce(new_doc, old_doc);
    rec_id := coalesce(doc->>'id', doc->>'key',
                       (doc->>'assessment_id') || '/' || (doc->>'question_id'), md5(doc::text));
    INSERT INTO audit_log (table_name, record_id, action, user_id, subject_id, changes)
    VALUES (TG_TABLE_NAME, rec_id, lower(TG_OP), actor_id,
            coalesce(subject_new, subject_old), changes);
    RETURN NULL;
END
$$;

-- Every table of the application except the two logs themselves (tested over the catalog in
-- 13_admin, so a table added later without this trigger fails the suite).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'skills', 'courses', 'learning_content', 'content_passages',
                             'learning_progress', 'conversations', 'chat_messages',
                             'recommendations', 'assessments', 'assessment_keys',
                             'assessment_results', 'assessment_attempts', 'assessment_answers',
                             'cca_settings'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON public.%I'
                       ' FOR EACH ROW EXECUTE FUNCTION public.cca_audit_row()',
                       t || '_row_audit_trigger', t);
    END LOOP;
END
$$;

-- The spec's completion audit row named the learner as user_id even when an admin changed the
-- row. Now user_id is left to the stamp (the acting person) and the learner is the subject.
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
                               'level', NEW.level, 'progress', NEW.progress));
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------------------
-- B. Row ids are the server's. With a chosen id, an INSERT of one's own row that collides
-- with someone else's invisible row failed with a duplicate-key error while a free id
-- succeeded: an existence oracle. On every table a learner can insert into, no group may
-- insert the id column (so any chosen id is refused with 42501, taken or not); the default
-- gen_random_uuid() applies. Content tables (skills, courses, learning_content, passages,
-- assessments) keep client ids: every linked person reads those rows anyway.
-- ---------------------------------------------------------------------------------------
REVOKE INSERT ON learning_progress, conversations, chat_messages, recommendations
    FROM cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (user_id, skill_id, course_id, level, progress) ON learning_progress
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (user_id, title) ON conversations
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (user_id, conversation_id, message, response, confidence, sources,
              processing_time, status, error, is_offline, abstain) ON chat_messages
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (user_id, type, item_id, score, reason) ON recommendations
    TO cca_learner, cca_hr_manager, cca_trainer;
GRANT INSERT (user_id, type, item_id, score, reason, clicked, created_at) ON recommendations
    TO cca_admin;

-- ---------------------------------------------------------------------------------------
-- Shared helpers
-- ---------------------------------------------------------------------------------------

-- Opaque keyset cursors: base64 of a JSON array of strings.
CREATE FUNCTION cca_auth.cursor_encode(parts text[]) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT translate(encode(convert_to(to_jsonb(parts)::text, 'UTF8'), 'base64'),
                       E'\n', '') $$;

CREATE FUNCTION cca_auth.cursor_decode(cursor text, part_count integer) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    j jsonb;
BEGIN
    IF cursor IS NULL OR cursor = '' THEN
        RETURN NULL;
    END IF;
    BEGIN
        j := convert_from(decode(cursor, 'base64'), 'UTF8')::jsonb;
    EXCEPTION WHEN others THEN
        j := NULL;
    END;
    IF j IS NULL OR jsonb_typeof(j) <> 'array' OR jsonb_array_length(j) <> part_count THEN
        RAISE EXCEPTION 'invalid paging cursor' USING ERRCODE = '22023';
    END IF;
    RETURN ARRAY(SELECT jsonb_array_elements_text(j));
END
$$;

-- The public tables with a column referencing users(id), found from the catalog (so a table
-- added later is exported, counted and erased without editing this file), with the columns
-- and what deleting the person does to them (c cascade, n set null, ...).
CREATE FUNCTION cca_auth.user_tables()
RETURNS TABLE (table_name text, columns text[], on_delete text[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cl.relname::text, array_agg(a.attname::text ORDER BY a.attname),
           array_agg(c.confdeltype::text ORDER BY a.attname)
    FROM pg_constraint c
    JOIN pg_class cl ON cl.oid = c.conrelid
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.confrelid = 'public.users'::regclass
      AND cl.relnamespace = 'public'::regnamespace AND c.conrelid <> 'public.users'::regclass
      AND cardinality(c.conkey) = 1
    GROUP BY cl.relname
    ORDER BY 1
$$;

-- One person as the admin API shows them.
CREATE FUNCTION cca_auth.person_json(u public.users) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
        'department', u.department, 'active', u.deactivated_at IS NULL,
        'deactivated_at', u.deactivated_at, 'db_role', u.db_role,
        'can_login', (SELECT r.rolcanlogin FROM pg_roles r WHERE r.rolname = u.db_role),
        'created_at', u.created_at, 'updated_at', u.updated_at)
$$;

-- {id, email, name} of a users id, or null (erased or unknown).
CREATE FUNCTION cca_auth.person_ref(user_id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name)
      FROM public.users u WHERE u.id = user_id $$;

-- The users row of an email (any case), or P0002.
CREATE FUNCTION cca_auth.user_by_email(email text) RETURNS public.users
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    u public.users;
BEGIN
    SELECT * INTO u FROM public.users x WHERE lower(x.email) = lower(btrim(user_by_email.email));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user with email %', email USING ERRCODE = 'P0002';
    END IF;
    RETURN u;
END
$$;

-- ---------------------------------------------------------------------------------------
-- C. The demo role: the private demo (`make run`, `cca --user EMAIL`) connects as a plain
-- LOGIN role that may SET ROLE to each person's login role, never as the superuser.
-- ---------------------------------------------------------------------------------------

-- cca_demo_role_setup(role_name text DEFAULT 'cca_demo') -> text. Superuser only (no grant).
-- Creates the role when missing (LOGIN NOINHERIT, no special attribute: it has no privilege of
-- its own and acts only after SET ROLE), makes it a member of every person's login role,
-- lets it call cca_role_for_email / cca_schema_ledger and read cca_settings, and records it
-- in cca_settings 'demo_role' so cca_user_create adds each new person's role to it. Never
-- run on a production database: there each person connects as their own role.
CREATE FUNCTION cca_demo_role_setup(role_name text DEFAULT 'cca_demo') RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r record;
    p record;
BEGIN
    IF role_name IS NULL OR role_name !~ '^[a-z_][a-z0-9_]{0,62}$'
       OR role_name IN ('cca_owner', 'cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin')
       OR role_name LIKE 'pg\_%' OR role_name LIKE 'cca\_u\_%'
       OR EXISTS (SELECT 1 FROM users u WHERE u.db_role = role_name) THEN
        RAISE EXCEPTION 'unsuitable demo role name: %', role_name USING ERRCODE = '22023';
    END IF;
    SELECT * INTO r FROM pg_roles WHERE rolname = role_name;
    IF NOT FOUND THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE'
                       ' NOREPLICATION NOBYPASSRLS', role_name);
    ELSIF r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
    THEN
        RAISE EXCEPTION 'role % is privileged and cannot be the demo role', role_name
            USING ERRCODE = '42501';
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN NOINHERIT', role_name);
    END IF;
    FOR p IN SELECT u.db_role FROM users u JOIN pg_roles pr ON pr.rolname = u.db_role
             WHERE NOT pg_has_role(role_name, u.db_role, 'MEMBER') LOOP
        EXECUTE format('GRANT %I TO %I', p.db_role, role_name);
    END LOOP;
    EXECUTE format('GRANT EXECUTE ON FUNCTION public.cca_role_for_email(text),'
                   ' public.cca_schema_ledger() TO %I', role_name);
    EXECUTE format('GRANT SELECT ON public.cca_settings TO %I', role_name);
    INSERT INTO cca_settings (key, value) VALUES ('demo_role', role_name)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    RETURN role_name;
END
$$;

-- 006's creator, plus: the demo role (if one is set up) may act as the new person.
CREATE OR REPLACE FUNCTION cca_user_create(email text, name text, role text, department text,
                                           db_role text, id text DEFAULT NULL,
                                           actor_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    v_email text := lower(btrim(email));
    v_id text;
    r record;
    demo text;
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
    demo := (SELECT s.value FROM cca_settings s WHERE s.key = 'demo_role');
    IF db_role = demo THEN
        RAISE EXCEPTION 'login role % is the demo role', db_role USING ERRCODE = '22023';
    END IF;

    SELECT * INTO r FROM pg_roles WHERE rolname = db_role;
    IF FOUND THEN
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
    IF demo IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_roles d WHERE d.rolname = demo AND NOT d.rolsuper)
       AND NOT pg_has_role(demo, db_role, 'MEMBER') THEN
        EXECUTE format('GRANT %I TO %I', db_role, demo);
    END IF;

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

-- ---------------------------------------------------------------------------------------
-- People and roles
-- ---------------------------------------------------------------------------------------

-- cca_admin_people(search, role, department, active, after, page_size) -> jsonb
--   search: substring of name or email (case-insensitive); role: learner|hr_manager|trainer|
--   admin; department: exact (case-insensitive), '' = no department; active: true/false/NULL
--   (all); after: the "next" cursor of the previous page; page_size 1..500 (default 50).
--   {"total": 9, "items": [person...], "next": "cursor" | null}, ordered by name then id;
--   person = {"id","email","name","role","department","active","deactivated_at","db_role",
--   "can_login","created_at","updated_at"}.
CREATE FUNCTION cca_auth.people_as(role_name text, search text, p_role text, p_department text,
                                   p_active boolean, after text, page_size integer)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    n integer := least(greatest(coalesce(page_size, 50), 1), 500);
    cur text[] := cca_auth.cursor_decode(after, 2);
    pat text := CASE WHEN nullif(btrim(search), '') IS NOT NULL
                     THEN '%' || replace(replace(replace(btrim(search), '\', '\\'), '%', '\%'),
                                         '_', '\_') || '%' END;
    result jsonb;
BEGIN
    WITH f AS (
        SELECT u AS usr, u.id, lower(u.name) AS sort_name, count(*) OVER () AS total
        FROM users u
        WHERE (pat IS NULL OR u.name ILIKE pat OR u.email ILIKE pat)
          AND (p_role IS NULL OR u.role = p_role)
          AND (p_department IS NULL
               OR (p_department = '' AND u.department IS NULL)
               OR lower(u.department) = lower(p_department))
          AND (p_active IS NULL OR (u.deactivated_at IS NULL) = p_active)
    ),
    page AS (
        SELECT f.*, row_number() OVER (ORDER BY f.sort_name, f.id) AS rn
        FROM f
        WHERE cur IS NULL OR (f.sort_name, f.id) > (cur[1], cur[2])
        ORDER BY f.sort_name, f.id
        LIMIT n + 1
    )
    SELECT jsonb_build_object(
        'total', coalesce((SELECT max(f.total) FROM f), 0),
        'items', coalesce((SELECT jsonb_agg(cca_auth.person_json(p.usr) ORDER BY p.rn)
                           FROM page p WHERE p.rn <= n), '[]'::jsonb),
        'next', (SELECT cca_auth.cursor_encode(ARRAY[p.sort_name, p.id]) FROM page p
                 WHERE p.rn = n AND EXISTS (SELECT 1 FROM page q WHERE q.rn = n + 1)))
    INTO result;
    RETURN result;
END
$$;

CREATE FUNCTION cca_admin_people(search text DEFAULT NULL, role text DEFAULT NULL,
                                 department text DEFAULT NULL, active boolean DEFAULT NULL,
                                 after text DEFAULT NULL, page_size integer DEFAULT 50)
RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.people_as(current_user::text, $1, $2, $3, $4, $5, $6) $$;

-- cca_admin_person(who text) -> jsonb; who = email or users id.
--   {"person": person, "rows": {"<table>": n, ...} (every table referencing users, plus
--   analytics_events), "audit": {"by": n, "about": n}, "last_activity": timestamptz|null}
CREATE FUNCTION cca_auth.person_as(role_name text, who text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users;
    t record;
    n bigint;
    counts jsonb := '{}'::jsonb;
BEGIN
    SELECT * INTO u FROM users x WHERE x.id = who OR lower(x.email) = lower(btrim(who));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', who USING ERRCODE = 'P0002';
    END IF;
    FOR t IN SELECT * FROM cca_auth.user_tables() LOOP
        EXECUTE format('SELECT count(*) FROM public.%I x WHERE %s', t.table_name,
                       (SELECT string_agg(format('x.%I = $1', c), ' OR ')
                        FROM unnest(t.columns) c))
            INTO n USING u.id;
        counts := counts || jsonb_build_object(t.table_name, n);
    END LOOP;
    counts := counts || jsonb_build_object(
        'analytics_events', (SELECT count(*) FROM analytics_events e WHERE e.user_id = u.id));
    RETURN jsonb_build_object(
        'person', cca_auth.person_json(u),
        'rows', counts,
        'audit', jsonb_build_object(
            'by', (SELECT count(*) FROM audit_log a WHERE a.user_id = u.id),
            'about', (SELECT count(*) FROM audit_log a WHERE a.subject_id = u.id)),
        'last_activity', greatest(
            u.updated_at,
            (SELECT max(m.created_at) FROM chat_messages m WHERE m.user_id = u.id),
            (SELECT max(p.updated_at) FROM learning_progress p WHERE p.user_id = u.id)));
END
$$;

CREATE FUNCTION cca_admin_person(who text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.person_as(current_user::text, $1) $$;

-- cca_admin_departments() -> jsonb: [{"department": "Sales"|null, "people": n, "active": n}]
CREATE FUNCTION cca_auth.departments_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
BEGIN
    RETURN coalesce((SELECT jsonb_agg(jsonb_build_object('department', d.department,
                                                         'people', d.people,
                                                         'active', d.active)
                                      ORDER BY d.department NULLS LAST)
                     FROM (SELECT u.department, count(*) AS people,
                                  count(*) FILTER (WHERE u.deactivated_at IS NULL) AS active
                           FROM users u GROUP BY u.department) d), '[]'::jsonb);
END
$$;

CREATE FUNCTION cca_admin_departments() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.departments_as(current_user::text) $$;

-- cca_user_set_department(email text, department text) -> jsonb person. '' or NULL clears.
-- Audited by the row trigger (old/new department, the admin as user_id).
CREATE FUNCTION cca_auth.user_set_department_as(role_name text, p_email text,
                                                p_department text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users := cca_auth.user_by_email(p_email);
BEGIN
    UPDATE users SET department = nullif(btrim(p_department), '') WHERE id = u.id
    RETURNING * INTO u;
    RETURN cca_auth.person_json(u);
END
$$;

CREATE FUNCTION cca_user_set_department(email text, department text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_set_department_as(current_user::text, $1, $2) $$;

-- cca_user_deactivate(email text) -> jsonb person. The person's data stays; their login role
-- becomes NOLOGIN (no new connection) and their identity resolves to nothing at once (an open
-- session, or the demo acting as them, sees and may do nothing). Refused for oneself and for
-- the last active admin (42501). Deactivating twice is a no-op.
CREATE FUNCTION cca_auth.user_deactivate_as(role_name text, p_email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users := cca_auth.user_by_email(p_email);
BEGIN
    IF u.id = actor THEN
        RAISE EXCEPTION 'an admin cannot deactivate themselves' USING ERRCODE = '42501';
    END IF;
    IF u.deactivated_at IS NOT NULL THEN
        RETURN cca_auth.person_json(u);
    END IF;
    IF u.role = 'admin' AND NOT EXISTS (SELECT 1 FROM users x WHERE x.role = 'admin'
                                        AND x.deactivated_at IS NULL AND x.id <> u.id) THEN
        RAISE EXCEPTION 'the last active admin cannot be deactivated' USING ERRCODE = '42501';
    END IF;
    UPDATE users SET deactivated_at = now() WHERE id = u.id RETURNING * INTO u;
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', u.db_role);
    END IF;
    RETURN cca_auth.person_json(u);
END
$$;

CREATE FUNCTION cca_user_deactivate(email text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_deactivate_as(current_user::text, $1) $$;

-- cca_user_reactivate(email text) -> jsonb person: LOGIN again, identity resolves again.
CREATE FUNCTION cca_auth.user_reactivate_as(role_name text, p_email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users := cca_auth.user_by_email(p_email);
BEGIN
    IF u.deactivated_at IS NOT NULL THEN
        UPDATE users SET deactivated_at = NULL WHERE id = u.id RETURNING * INTO u;
    END IF;
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role) THEN
        EXECUTE format('ALTER ROLE %I LOGIN', u.db_role);
    END IF;
    RETURN cca_auth.person_json(u);
END
$$;

CREATE FUNCTION cca_user_reactivate(email text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_reactivate_as(current_user::text, $1) $$;

-- cca_user_import(people jsonb, dry_run boolean DEFAULT true) -> jsonb
--   people: [{"email": ..., "name": ..., "role": ..., "department": ...}, ...] (the client
--   parses the CSV; at most 10000 entries). A new email needs name and role; for a known
--   email only the keys present are compared (a missing key leaves the value alone,
--   "department": "" or null clears it). Activation is never changed by an import.
--   All or nothing: with any error nothing is applied, dry run or not.
--   {"dry_run": bool, "applied": bool,
--    "counts": {"added": n, "changed": n, "unchanged": n, "errors": n},
--    "added": [{"email","name","role","department"}],
--    "changed": [{"email", "changes": {"name"|"role"|"department": {"from", "to"}}}],
--    "unchanged": ["email", ...],
--    "errors": [{"index": 0-based position, "email": text|null, "error": text}]}
CREATE FUNCTION cca_auth.user_import_as(role_name text, people jsonb, dry_run boolean)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    e record;
    item jsonb;
    v_email text;
    v_name text;
    v_role text;
    v_dep text;
    has_dep boolean;
    u users;
    ch jsonb;
    seen text[] := '{}';
    added jsonb := '[]';
    changed jsonb := '[]';
    unchanged jsonb := '[]';
    errors jsonb := '[]';
    is_applied boolean := false;
    a jsonb;
BEGIN
    IF people IS NULL OR jsonb_typeof(people) <> 'array' THEN
        RAISE EXCEPTION 'people must be a JSON array of {email, name, role, department}'
            USING ERRCODE = '22023';
    END IF;
    IF jsonb_array_length(people) > 10000 THEN
        RAISE EXCEPTION 'at most 10000 people per import' USING ERRCODE = '54000';
    END IF;
    FOR e IN SELECT value, ordinality - 1 AS idx FROM jsonb_array_elements(people)
                                                   WITH ORDINALITY LOOP
        item := e.value;
        IF jsonb_typeof(item) <> 'object' THEN
            errors := errors || jsonb_build_object('index', e.idx, 'email', NULL,
                                                   'error', 'not a JSON object');
            CONTINUE;
        END IF;
        v_email := lower(btrim(item->>'email'));
        IF v_email IS NULL OR v_email !~ '^[^@\s]+@[^@\s]+$' THEN
            errors := errors || jsonb_build_object('index', e.idx, 'email', item->>'email',
                                                   'error', 'invalid email address');
            CONTINUE;
        END IF;
        IF v_email = ANY (seen) THEN
            errors := errors || jsonb_build_object('index', e.idx, 'email', v_email,
                                                   'error', 'email appears twice in the import');
            CONTINUE;
        END IF;
        seen := seen || v_email;
        v_name := nullif(btrim(item->>'name'), '');
        v_role := nullif(btrim(lower(item->>'role')), '');
        has_dep := item ? 'department';
        v_dep := nullif(btrim(item->>'department'), '');
        IF item ? 'name' AND v_name IS NULL THEN
            errors := errors || jsonb_build_object('index', e.idx, 'email', v_email,
                                                   'error', 'empty name');
            CONTINUE;
        END IF;
        IF v_role IS NOT NULL AND v_role NOT IN ('learner', 'hr_manager', 'trainer', 'admin')
        THEN
            errors := errors || jsonb_build_object('index', e.idx, 'email', v_email,
                'error', format('role must be learner, hr_manager, trainer or admin, not %s',
                                item->>'role'));
            CONTINUE;
        END IF;
        SELECT * INTO u FROM users x WHERE lower(x.email) = v_email;
        IF NOT FOUND THEN
            IF v_name IS NULL OR v_role IS NULL THEN
                errors := errors || jsonb_build_object('index', e.idx, 'email', v_email,
                    'error', 'a new person needs a name and a role');
                CONTINUE;
            END IF;
            added := added || jsonb_build_object('email', v_email, 'name', v_name,
                                                 'role', v_role, 'department', v_dep);
            CONTINUE;
        END IF;
        ch := '{}';
        IF v_name IS NOT NULL AND v_name IS DISTINCT FROM u.name THEN
            ch := ch || jsonb_build_object('name', jsonb_build_object('from', u.name,
                                                                      'to', v_name));
        END IF;
        IF v_role IS NOT NULL AND v_role IS DISTINCT FROM u.role THEN
            ch := ch || jsonb_build_object('role', jsonb_build_object('from', u.role,
                                                                      'to', v_role));
        END IF;
        IF has_dep AND v_dep IS DISTINCT FROM u.department THEN
            ch := ch || jsonb_build_object('department',
                                           jsonb_build_object('from', u.department, 'to', v_dep));
        END IF;
        IF ch = '{}' THEN
            unchanged := unchanged || to_jsonb(v_email);
        ELSE
            changed := changed || jsonb_build_object('email', v_email, 'changes', ch);
        END IF;
    END LOOP;

    IF NOT coalesce(dry_run, true) AND jsonb_array_length(errors) = 0 THEN
        FOR a IN SELECT value FROM jsonb_array_elements(added) LOOP
            PERFORM cca_auth.user_add_as(role_name, a->>'email', a->>'name', a->>'role',
                                         a->>'department');
        END LOOP;
        FOR a IN SELECT value FROM jsonb_array_elements(changed) LOOP
            IF a->'changes' ? 'name' THEN
                UPDATE users SET name = a->'changes'->'name'->>'to'
                WHERE lower(email) = a->>'email';
            END IF;
            IF a->'changes' ? 'department' THEN
                UPDATE users SET department = a->'changes'->'department'->>'to'
                WHERE lower(email) = a->>'email';
            END IF;
            IF a->'changes' ? 'role' THEN
                PERFORM cca_auth.user_set_role_as(role_name, a->>'email',
                                                  a->'changes'->'role'->>'to');
            END IF;
        END LOOP;
        is_applied := true;
        INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
        VALUES ('users', 'import', 'imported', actor,
                jsonb_build_object('added', jsonb_array_length(added),
                                   'changed', jsonb_array_length(changed),
                                   'unchanged', jsonb_array_length(unchanged)));
    END IF;
    RETURN jsonb_build_object(
        'dry_run', coalesce(dry_run, true), 'applied', is_applied,
        'counts', jsonb_build_object('added', jsonb_array_length(added),
                                     'changed', jsonb_array_length(changed),
                                     'unchanged', jsonb_array_length(unchanged),
                                     'errors', jsonb_array_length(errors)),
        'added', added, 'changed', changed, 'unchanged', unchanged, 'errors', errors);
END
$$;

CREATE FUNCTION cca_user_import(people jsonb, dry_run boolean DEFAULT true) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.user_import_as(current_user::text, $1, $2) $$;

-- ---------------------------------------------------------------------------------------
-- Audit trail viewer
-- ---------------------------------------------------------------------------------------

-- cca_admin_audit(source, person, table_name, action, since, until, after, page_size) -> jsonb
--   source: 'audit' (audit_log, default) or 'analytics' (analytics_events); person: email or
--   users id (an erased person's id still works); on 'audit' it matches who did it OR whom it
--   is about; table_name: audit only; action: audit_log.action / analytics event_type;
--   since <= created_at < until; after: the "next" cursor of the previous page; page_size
--   1..500 (default 50). Newest first, keyset paging on (created_at, id): each page is one
--   index range scan whatever its depth (no OFFSET).
--   {"source": "audit", "items": [{"id", "at", "table", "record_id", "action",
--     "actor_id", "actor": {"id","email","name"}|null, "actor_role", "session_role",
--     "subject_id", "subject": {...}|null, "changes"}], "next": "cursor"|null}
--   {"source": "analytics", "items": [{"id", "at", "action", "user_id",
--     "user": {...}|null, "metadata"}], "next": ...}
CREATE FUNCTION cca_auth.audit_page_as(role_name text, source text, person text,
                                       p_table text, p_action text, since timestamptz,
                                       until timestamptz, after text, page_size integer)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    n integer := least(greatest(coalesce(page_size, 50), 1), 500);
    src text := coalesce(source, 'audit');
    cur text[] := cca_auth.cursor_decode(after, 2);
    cur_at timestamptz;
    person_id text;
    tbl text;
    cols text;
    conds text := '';
    inner_sql text;
    item_sql text;
    result jsonb;
BEGIN
    IF src NOT IN ('audit', 'analytics') THEN
        RAISE EXCEPTION 'source must be audit or analytics, not %', source
            USING ERRCODE = '22023';
    END IF;
    IF src = 'analytics' AND p_table IS NOT NULL THEN
        RAISE EXCEPTION 'analytics events have no table' USING ERRCODE = '22023';
    END IF;
    IF cur IS NOT NULL THEN
        cur_at := cur[1]::timestamp AT TIME ZONE 'UTC';
    END IF;
    IF person IS NOT NULL THEN
        IF position('@' IN person) > 0 THEN
            person_id := (SELECT u.id FROM users u WHERE lower(u.email) = lower(btrim(person)));
            IF person_id IS NULL THEN
                RAISE EXCEPTION 'no user with email %', person USING ERRCODE = 'P0002';
            END IF;
        ELSE
            person_id := person;
        END IF;
    END IF;

    IF src = 'audit' THEN
        tbl := 'audit_log';
        cols := 'a.id, a.created_at, a.table_name, a.record_id, a.action, a.user_id,'
             || ' a.subject_id, a.actor_role, a.session_role, a.changes';
        IF p_table IS NOT NULL THEN conds := conds || ' AND a.table_name = $2'; END IF;
        IF p_action IS NOT NULL THEN conds := conds || ' AND a.action = $3'; END IF;
    ELSE
        tbl := 'analytics_events';
        cols := 'a.id, a.created_at, a.event_type, a.user_id, a.metadata';
        IF p_action IS NOT NULL THEN conds := conds || ' AND a.event_type = $3'; END IF;
    END IF;
    IF since IS NOT NULL THEN conds := conds || ' AND a.created_at >= $4'; END IF;
    IF until IS NOT NULL THEN conds := conds || ' AND a.created_at < $5'; END IF;
    IF cur IS NOT NULL THEN conds := conds || ' AND (a.created_at, a.id) < ($6, $7)'; END IF;

    -- Only the filters given appear in the query, so the planner picks the index that has
    -- them (person, table, action or just time) and reads at most n + 1 entries of it.
    IF person_id IS NULL THEN
        inner_sql := format('SELECT %s FROM public.%I a WHERE true%s'
                            ' ORDER BY a.created_at DESC, a.id DESC LIMIT $8',
                            cols, tbl, conds);
    ELSIF src = 'analytics' THEN
        inner_sql := format('SELECT %s FROM public.%I a WHERE a.user_id = $1%s'
                            ' ORDER BY a.created_at DESC, a.id DESC LIMIT $8',
                            cols, tbl, conds);
    ELSE
        inner_sql := format('SELECT k.* FROM ('
                            '(SELECT %1$s FROM public.audit_log a WHERE a.user_id = $1%2$s'
                            ' ORDER BY a.created_at DESC, a.id DESC LIMIT $8)'
                            ' UNION ALL'
                            ' (SELECT %1$s FROM public.audit_log a WHERE a.subject_id = $1'
                            ' AND a.user_id IS DISTINCT FROM $1%2$s'
                            ' ORDER BY a.created_at DESC, a.id DESC LIMIT $8)) k'
                            ' ORDER BY k.created_at DESC, k.id DESC LIMIT $8',
                            cols, conds);
    END IF;

    IF src = 'audit' THEN
        item_sql := 'jsonb_build_object(''id'', p.id, ''at'', p.created_at,'
            || ' ''table'', p.table_name, ''record_id'', p.record_id, ''action'', p.action,'
            || ' ''actor_id'', p.user_id, ''actor'', cca_auth.person_ref(p.user_id),'
            || ' ''actor_role'', p.actor_role, ''session_role'', p.session_role,'
            || ' ''subject_id'', p.subject_id, ''subject'', cca_auth.person_ref(p.subject_id),'
            || ' ''changes'', p.changes)';
    ELSE
        item_sql := 'jsonb_build_object(''id'', p.id, ''at'', p.created_at,'
            || ' ''action'', p.event_type, ''user_id'', p.user_id,'
            || ' ''user'', cca_auth.person_ref(p.user_id), ''metadata'', p.metadata)';
    END IF;

    EXECUTE format(
        'WITH page AS MATERIALIZED (SELECT q.*, row_number() OVER'
        ' (ORDER BY q.created_at DESC, q.id DESC) AS rn FROM (%s) q)'
        ' SELECT jsonb_build_object(''source'', $10,'
        ' ''items'', coalesce((SELECT jsonb_agg(%s ORDER BY p.rn) FROM page p'
        '                       WHERE p.rn <= $9), ''[]''::jsonb),'
        ' ''next'', (SELECT cca_auth.cursor_encode(ARRAY[to_char(p.created_at AT TIME ZONE'
        ' ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US''), p.id]) FROM page p WHERE p.rn = $9'
        ' AND EXISTS (SELECT 1 FROM page x WHERE x.rn > $9)))',
        inner_sql, item_sql)
    INTO result
    USING person_id, p_table, p_action, since, until, cur_at, cur[2], n + 1, n, src;
    RETURN result;
END
$$;

CREATE FUNCTION cca_admin_audit(source text DEFAULT 'audit', person text DEFAULT NULL,
                                table_name text DEFAULT NULL, action text DEFAULT NULL,
                                since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL,
                                after text DEFAULT NULL, page_size integer DEFAULT 50)
RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.audit_page_as(current_user::text, $1, $2, $3, $4, $5, $6, $7, $8) $$;

-- ---------------------------------------------------------------------------------------
-- GDPR: export and erasure
-- ---------------------------------------------------------------------------------------

-- Everything stored about one person, as one document (internal, called by the export
-- functions):
--   {"format": "cca-export/1", "exported_at", "user": the users row,
--    "<table>": [rows] for every public table with a column referencing users(id) (found from
--        the catalog: learning_progress, conversations, chat_messages with their sources,
--        recommendations, assessment_results, assessment_attempts, and what they authored:
--        learning_content, assessments), without embeddings or tsvectors,
--    "analytics_events": [their events],
--    "audit_log": [entries about them, and entries by them ("changes" null when the entry is
--        about somebody else)]}
CREATE FUNCTION cca_auth.export_doc(uid text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    u users;
    t record;
    part jsonb;
    order_col text;
    doc jsonb;
BEGIN
    SELECT * INTO u FROM users x WHERE x.id = uid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', uid USING ERRCODE = 'P0002';
    END IF;
    doc := jsonb_build_object('format', 'cca-export/1', 'exported_at', now(),
                              'user', to_jsonb(u));
    FOR t IN SELECT * FROM cca_auth.user_tables() LOOP
        order_col := (SELECT a.attname::text FROM pg_attribute a
                      WHERE a.attrelid = format('public.%I', t.table_name)::regclass
                        AND a.attname IN ('created_at', 'started_at', 'completed_at')
                        AND NOT a.attisdropped
                      ORDER BY array_position(ARRAY['created_at', 'started_at', 'completed_at'],
                                              a.attname::text)
                      LIMIT 1);
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(x) - ''embedding'' - ''tsv'''
                       ' ORDER BY %s to_jsonb(x)::text), ''[]''::jsonb) FROM public.%I x WHERE %s',
                       CASE WHEN order_col IS NOT NULL THEN format('x.%I,', order_col)
                            ELSE '' END,
                       t.table_name,
                       (SELECT string_agg(format('x.%I = $1', c), ' OR ')
                        FROM unnest(t.columns) c))
            INTO part USING uid;
        doc := doc || jsonb_build_object(t.table_name, part);
    END LOOP;
    doc := doc || jsonb_build_object(
        'analytics_events',
        (SELECT coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.created_at, e.id), '[]'::jsonb)
         FROM analytics_events e WHERE e.user_id = uid),
        'audit_log',
        (SELECT coalesce(jsonb_agg(CASE WHEN a.subject_id = uid THEN to_jsonb(a)
                                        ELSE to_jsonb(a) || '{"changes": null}'::jsonb END
                                   ORDER BY a.created_at, a.id), '[]'::jsonb)
         FROM audit_log a WHERE a.subject_id = uid OR a.user_id = uid));
    RETURN doc;
END
$$;

-- cca_export_user(email) -> jsonb (admins): the document above; audited as 'exported'.
CREATE OR REPLACE FUNCTION cca_auth.export_user_as(role_name text, email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users := cca_auth.user_by_email(email);
BEGIN
    -- audited first, so the document lists its own export too
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', u.id, 'exported', actor, NULL);
    RETURN cca_auth.export_doc(u.id);
END
$$;

-- cca_export_me() -> jsonb (any linked person): their own document; audited as 'exported'.
CREATE FUNCTION cca_auth.export_me_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me text := (SELECT i.id FROM cca_auth.identity(role_name) i);
BEGIN
    IF me IS NULL THEN
        RAISE EXCEPTION 'this database role is not linked to a CCA user' USING ERRCODE = '42501';
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('users', me, 'exported', me, jsonb_build_object('self', true));
    RETURN cca_auth.export_doc(me);
END
$$;

CREATE FUNCTION cca_export_me() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.export_me_as(current_user::text) $$;

-- cca_erase_user(email) -> void (admins). Forgets a person:
--   * content they authored (every column referencing users with ON DELETE SET NULL, i.e.
--     learning_content.created_by, assessments.created_by) is reassigned to the erasing
--     admin (NULL when the superuser erases);
--   * their rows in every table referencing users ON DELETE CASCADE go with the users row;
--   * their analytics events are deleted;
--   * audit entries stay as events but lose personal data: "changes" is emptied on entries
--     about them and on any entry whose changes mention their email or name; their login
--     role name is removed from actor_role/session_role;
--   * their login role is dropped;
--   * one tombstone: action 'erased', user_id = the admin, subject_id = their (now dangling)
--     id, changes = {"removed": {"<table>": n}, "reassigned": {"<table>": n}} (counts only).
-- Refused for oneself (42501); unknown email P0002.
CREATE OR REPLACE FUNCTION cca_auth.erase_user_as(role_name text, email text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    u users;
    t record;
    i integer;
    n bigint;
    removed jsonb := '{}'::jsonb;
    reassigned jsonb := '{}'::jsonb;
    email_pat text;
    name_pat text;
    g text;
BEGIN
    SELECT * INTO u FROM users x WHERE lower(x.email) = lower(btrim(erase_user_as.email))
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user with email %', email USING ERRCODE = 'P0002';
    END IF;
    IF u.id = actor THEN
        RAISE EXCEPTION 'an admin cannot erase themselves' USING ERRCODE = '42501';
    END IF;
    INSERT INTO cca_auth.maintenance (purpose, user_id) VALUES ('erase', u.id);

    FOR t IN SELECT * FROM cca_auth.user_tables() LOOP
        FOR i IN 1 .. cardinality(t.columns) LOOP
            IF t.on_delete[i] = 'n' THEN
                EXECUTE format('UPDATE public.%I SET %I = $1 WHERE %I = $2',
                               t.table_name, t.columns[i], t.columns[i])
                    USING actor, u.id;
                GET DIAGNOSTICS n = ROW_COUNT;
                IF n > 0 THEN
                    reassigned := reassigned || jsonb_build_object(t.table_name, n);
                END IF;
            ELSE
                EXECUTE format('SELECT count(*) FROM public.%I WHERE %I = $1',
                               t.table_name, t.columns[i])
                    INTO n USING u.id;
                IF n > 0 THEN
                    removed := removed || jsonb_build_object(t.table_name, n);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    DELETE FROM analytics_events WHERE user_id = u.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        removed := removed || jsonb_build_object('analytics_events', n);
    END IF;

    email_pat := '%' || replace(replace(replace(u.email, '\', '\\'), '%', '\%'), '_', '\_')
                 || '%';
    name_pat := '%' || replace(replace(replace(btrim(u.name), '\', '\\'), '%', '\%'), '_', '\_')
                || '%';
    UPDATE audit_log SET changes = NULL
    WHERE changes IS NOT NULL
      AND (subject_id = u.id
           OR (table_name = 'users' AND record_id = u.id)
           OR changes::text ILIKE email_pat
           OR (length(btrim(u.name)) >= 3 AND changes::text ILIKE name_pat));
    UPDATE audit_log SET actor_role = NULL WHERE actor_role = u.db_role;
    UPDATE audit_log SET session_role = NULL WHERE session_role = u.db_role;

    DELETE FROM users WHERE id = u.id;
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role)
       AND u.db_role::name <> current_user AND u.db_role::name <> session_user THEN
        BEGIN
            EXECUTE format('DROP ROLE %I', u.db_role);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            -- The role still owns something (e.g. a temp table of an open session): it is
            -- disabled instead, and renamed, since its name is made from the email.
            FOR g IN SELECT gr.rolname FROM pg_auth_members m
                     JOIN pg_roles gr ON gr.oid = m.roleid
                     WHERE m.member = u.db_role::regrole LOOP
                EXECUTE format('REVOKE %I FROM %I', g, u.db_role);
            END LOOP;
            EXECUTE format('ALTER ROLE %I NOLOGIN', u.db_role);
            EXECUTE format('ALTER ROLE %I RENAME TO %I', u.db_role,
                           'cca_erased_' || substr(md5(gen_random_uuid()::text), 1, 12));
        END;
    END IF;
    DELETE FROM cca_auth.maintenance WHERE purpose = 'erase' AND user_id = u.id;
    INSERT INTO audit_log (table_name, record_id, action, user_id, subject_id, changes)
    VALUES ('users', u.id, 'erased', actor, u.id,
            jsonb_build_object('removed', removed, 'reassigned', reassigned));
END
$$;

-- ---------------------------------------------------------------------------------------
-- Settings and retention
-- ---------------------------------------------------------------------------------------

-- cca_admin_settings() -> jsonb: {"<key>": "<value>", ...} of cca_settings (admins).
CREATE FUNCTION cca_auth.settings_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
BEGIN
    RETURN coalesce((SELECT jsonb_object_agg(s.key, s.value ORDER BY s.key)
                     FROM cca_settings s), '{}'::jsonb);
END
$$;

CREATE FUNCTION cca_admin_settings() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.settings_as(current_user::text) $$;

-- cca_setting_set(key text, value text) -> jsonb settings (admins). Only the retention keys
-- (retention.chat_days, retention.analytics_days, retention.audit_days): a whole number of
-- days 0..36500, 0 = keep forever. Anything else is 22023. Audited by the row trigger.
CREATE FUNCTION cca_auth.setting_set_as(role_name text, p_key text, p_value text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    v text := btrim(p_value);
BEGIN
    IF p_key IS NULL OR p_key NOT IN ('retention.chat_days', 'retention.analytics_days',
                                      'retention.audit_days') THEN
        RAISE EXCEPTION 'unknown or read-only setting: %', p_key USING ERRCODE = '22023';
    END IF;
    IF v IS NULL OR v !~ '^[0-9]{1,5}$' OR v::integer > 36500 THEN
        RAISE EXCEPTION '% must be a number of days from 0 to 36500 (0 keeps forever), not %',
            p_key, p_value USING ERRCODE = '22023';
    END IF;
    INSERT INTO cca_settings (key, value) VALUES (p_key, v::integer::text)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    RETURN cca_auth.settings_as(role_name);
END
$$;

CREATE FUNCTION cca_setting_set(key text, value text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.setting_set_as(current_user::text, $1, $2) $$;

-- cca_retention_run(dry_run boolean DEFAULT true) -> jsonb (admins). Removes what is older
-- than its retention setting (0 or missing: kept):
--   chat_messages      created_at < now - retention.chat_days
--   conversations      last touched before that cutoff and with no message left after it
--   analytics_events   created_at < now - retention.analytics_days
--   audit_log          created_at < now - retention.audit_days, except erasure tombstones
--                      ('erased' rows are kept: the proof that a person was forgotten)
-- {"dry_run": bool, "at": timestamptz,
--  "settings": {"chat_days": n, "analytics_days": n, "audit_days": n},
--  "tables": {"<table>": {"cutoff": timestamptz|null, "rows": n}}}
-- A real run writes one audit row (action 'retention', changes = the counts) and no row per
-- deleted record.
CREATE FUNCTION cca_auth.retention_as(role_name text, dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    ts timestamptz := now();
    is_dry boolean := coalesce(dry_run, true);
    chat_days integer;
    analytics_days integer;
    audit_days integer;
    chat_cut timestamptz;
    analytics_cut timestamptz;
    audit_cut timestamptz;
    n_msg bigint := 0;
    n_conv bigint := 0;
    n_events bigint := 0;
    n_audit bigint := 0;
    tables jsonb;
BEGIN
    SELECT coalesce(max(s.value::integer) FILTER (WHERE s.key = 'retention.chat_days'), 0),
           coalesce(max(s.value::integer) FILTER (WHERE s.key = 'retention.analytics_days'), 0),
           coalesce(max(s.value::integer) FILTER (WHERE s.key = 'retention.audit_days'), 0)
    INTO chat_days, analytics_days, audit_days
    FROM cca_settings s WHERE s.key LIKE 'retention.%';
    chat_cut := CASE WHEN chat_days > 0 THEN ts - chat_days * interval '1 day' END;
    analytics_cut := CASE WHEN analytics_days > 0 THEN ts - analytics_days * interval '1 day' END;
    audit_cut := CASE WHEN audit_days > 0 THEN ts - audit_days * interval '1 day' END;

    IF is_dry THEN
        SELECT count(*) INTO n_msg FROM chat_messages m WHERE m.created_at < chat_cut;
        SELECT count(*) INTO n_conv FROM conversations c
        WHERE c.updated_at < chat_cut
          AND NOT EXISTS (SELECT 1 FROM chat_messages m
                          WHERE m.conversation_id = c.id AND m.created_at >= chat_cut);
        SELECT count(*) INTO n_events FROM analytics_events e WHERE e.created_at < analytics_cut;
        SELECT count(*) INTO n_audit FROM audit_log a
        WHERE a.created_at < audit_cut AND a.action <> 'erased';
    ELSE
        INSERT INTO cca_auth.maintenance (purpose) VALUES ('retention');
        DELETE FROM chat_messages m WHERE m.created_at < chat_cut;
        GET DIAGNOSTICS n_msg = ROW_COUNT;
        DELETE FROM conversations c
        WHERE c.updated_at < chat_cut
          AND NOT EXISTS (SELECT 1 FROM chat_messages m
                          WHERE m.conversation_id = c.id AND m.created_at >= chat_cut);
        GET DIAGNOSTICS n_conv = ROW_COUNT;
        DELETE FROM analytics_events e WHERE e.created_at < analytics_cut;
        GET DIAGNOSTICS n_events = ROW_COUNT;
        DELETE FROM audit_log a WHERE a.created_at < audit_cut AND a.action <> 'erased';
        GET DIAGNOSTICS n_audit = ROW_COUNT;
        DELETE FROM cca_auth.maintenance WHERE purpose = 'retention';
    END IF;
    tables := jsonb_build_object(
        'chat_messages', jsonb_build_object('cutoff', chat_cut, 'rows', n_msg),
        'conversations', jsonb_build_object('cutoff', chat_cut, 'rows', n_conv),
        'analytics_events', jsonb_build_object('cutoff', analytics_cut, 'rows', n_events),
        'audit_log', jsonb_build_object('cutoff', audit_cut, 'rows', n_audit));
    IF NOT is_dry THEN
        INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
        VALUES ('cca_settings', 'retention', 'retention', actor, tables);
    END IF;
    RETURN jsonb_build_object(
        'dry_run', is_dry, 'at', ts,
        'settings', jsonb_build_object('chat_days', chat_days, 'analytics_days', analytics_days,
                                       'audit_days', audit_days),
        'tables', tables);
END
$$;

CREATE FUNCTION cca_retention_run(dry_run boolean DEFAULT true) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.retention_as(current_user::text, $1) $$;

-- ---------------------------------------------------------------------------------------
-- Function privileges
-- ---------------------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION cca_schema_ledger(), cca_auth.acting_role(),
    cca_export_me(), cca_auth.export_me_as(text)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION
    cca_admin_people(text, text, text, boolean, text, integer),
    cca_auth.people_as(text, text, text, text, boolean, text, integer),
    cca_admin_person(text), cca_auth.person_as(text, text),
    cca_admin_departments(), cca_auth.departments_as(text),
    cca_user_set_department(text, text), cca_auth.user_set_department_as(text, text, text),
    cca_user_deactivate(text), cca_auth.user_deactivate_as(text, text),
    cca_user_reactivate(text), cca_auth.user_reactivate_as(text, text),
    cca_user_import(jsonb, boolean), cca_auth.user_import_as(text, jsonb, boolean),
    cca_admin_audit(text, text, text, text, timestamptz, timestamptz, text, integer),
    cca_auth.audit_page_as(text, text, text, text, text, timestamptz, timestamptz, text,
                           integer),
    cca_admin_settings(), cca_auth.settings_as(text),
    cca_setting_set(text, text), cca_auth.setting_set_as(text, text, text),
    cca_retention_run(boolean), cca_auth.retention_as(text, boolean)
    TO cca_admin;

RESET ROLE;

-- 13_admin: administration (people, audit viewer, GDPR export and erasure, retention) and the
-- four security fixes of 010: admin writes audited with who did it (A), row ids not choosable
-- by clients (B), the ledger closed and a non-superuser demo role (C), an append-only audit
-- log (D). Catalog-driven where a later table must be covered too.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(124);

-- helpers (rolled back with the rest) ---------------------------------------------------------
CREATE SCHEMA t13;
GRANT USAGE ON SCHEMA t13 TO PUBLIC;

-- Runs each statement; returns those that were NOT refused with 42501 (with their SQLSTATE).
CREATE FUNCTION t13.not_denied(calls text[]) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    c text;
    bad text[] := '{}';
BEGIN
    FOREACH c IN ARRAY calls LOOP
        BEGIN
            EXECUTE c;
            bad := bad || (c || ' -> allowed');
        EXCEPTION
            WHEN insufficient_privilege THEN NULL;
            WHEN others THEN bad := bad || (c || ' -> ' || SQLSTATE);
        END;
    END LOOP;
    RETURN bad;
END
$$;

-- Every text-like column of every table in public and cca_auth (from the catalog, so a table
-- added later is searched too) whose value matches pattern (ILIKE).
CREATE FUNCTION t13.find_text(pattern text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    c record;
    hit boolean;
    hits text[] := '{}';
BEGIN
    FOR c IN SELECT col.table_schema::text AS s, col.table_name::text AS t,
                    col.column_name::text AS cn
             FROM information_schema.columns col
             JOIN information_schema.tables tb
               ON tb.table_schema = col.table_schema AND tb.table_name = col.table_name
             WHERE col.table_schema IN ('public', 'cca_auth') AND tb.table_type = 'BASE TABLE'
               AND col.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json',
                                     'ARRAY')
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I::text ILIKE $1)',
                       c.s, c.t, c.cn) INTO hit USING pattern;
        IF hit THEN
            hits := hits || (c.s || '.' || c.t || '.' || c.cn);
        END IF;
    END LOOP;
    RETURN hits;
END
$$;

-- Tables with a column that refers to a person: a foreign key to users(id), or a column named
-- user_id / subject_id without one (the logs). For each, the export must hold exactly the
-- person's rows. Returns what is missing or miscounted.
CREATE FUNCTION t13.export_gaps(doc jsonb, uid text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    t record;
    n bigint;
    m bigint;
    bad text[] := '{}';
BEGIN
    FOR t IN SELECT cl.relname::text AS tbl, a.attname::text AS col
             FROM pg_constraint c
             JOIN pg_class cl ON cl.oid = c.conrelid
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
             WHERE c.contype = 'f' AND c.confrelid = 'public.users'::regclass
               AND c.conrelid <> 'public.users'::regclass
             UNION
             SELECT col.table_name::text, col.column_name::text
             FROM information_schema.columns col
             JOIN information_schema.tables tb
               ON tb.table_schema = col.table_schema AND tb.table_name = col.table_name
             WHERE col.table_schema = 'public' AND tb.table_type = 'BASE TABLE'
               AND col.column_name IN ('user_id', 'subject_id')
    LOOP
        IF NOT doc ? t.tbl OR jsonb_typeof(doc->t.tbl) <> 'array' THEN
            bad := bad || (t.tbl || ': missing');
            CONTINUE;
        END IF;
        EXECUTE format('SELECT count(*) FROM public.%I WHERE %I = $1', t.tbl, t.col)
            INTO n USING uid;
        SELECT count(*) INTO m FROM jsonb_array_elements(doc->t.tbl) e WHERE e->>t.col = uid;
        IF n <> m THEN
            bad := bad || format('%s.%s: %s rows, %s exported', t.tbl, t.col, n, m);
        END IF;
    END LOOP;
    RETURN bad;
END
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA t13 TO PUBLIC;

CREATE TEMP TABLE ids AS
SELECT '00000000-0000-4000-8000-000000000001'::text AS alice,
       '00000000-0000-4000-8000-000000000002'::text AS bob,
       '00000000-0000-4000-8000-000000000007'::text AS grace,
       '00000000-0000-4000-8000-000000000008'::text AS heidi,
       '00000000-0000-4000-8000-000000000009'::text AS ivan,
       session_user::text AS super;
GRANT SELECT ON ids TO PUBLIC;

-- ============================================================================================
-- C. The demo role and the migration ledger
-- ============================================================================================
SELECT ok((SELECT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb
                  AND NOT rolreplication AND NOT rolbypassrls AND NOT rolinherit
           FROM pg_roles WHERE rolname = 'cca_demo'),
          'cca_demo logs in, is not a superuser, has no special attribute, inherits nothing');
SELECT is((SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
           WHERE r.rolname <> 'cca_demo' AND pg_has_role('cca_demo', r.oid, 'MEMBER')
             AND r.rolname NOT IN (SELECT u.db_role FROM users u WHERE u.db_role IS NOT NULL)
             AND r.rolname NOT IN ('cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin')),
          NULL, 'cca_demo can act only as people (and, through them, their groups)');
SELECT is((SELECT array_agg(u.email::text) FROM users u
           WHERE NOT pg_has_role('cca_demo', u.db_role, 'MEMBER')), NULL,
          'cca_demo may act as every person');
SELECT ok(NOT pg_has_role('cca_demo', 'cca_owner', 'MEMBER')
          AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolsuper
                          AND pg_has_role('cca_demo', r.oid, 'MEMBER')),
          'cca_demo is no member of cca_owner or of a superuser');
SELECT is((SELECT array_agg(r.rolname::text) FROM pg_roles r
           WHERE pg_has_role(r.oid, 'cca_owner', 'MEMBER') AND r.rolname <> 'cca_owner'
             AND NOT r.rolsuper), NULL,
          'no role but superusers may become cca_owner');

SET LOCAL SESSION AUTHORIZATION cca_demo;
SELECT throws_ok($$SET ROLE cca_owner$$, '42501', NULL, 'the demo cannot become the owner');
SELECT throws_ok(format('SET ROLE %I', (SELECT super FROM ids)), '42501', NULL,
                 '... nor the superuser');
SELECT throws_ok($$SELECT count(*) FROM users$$, '42501', NULL,
                 'as itself the demo reads nothing');
SELECT is(cca_role_for_email('Alice@Example.com'), 'cca_u_alice',
          'the demo finds the role of --user EMAIL');
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT email FROM cca_whoami()), 'alice@example.com', 'the demo acts as alice');
SELECT is((SELECT count(*)::int FROM users), 1, '... with alice''s rights only');
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE demo_added AS
SELECT cca_user_add('demo.added@example.com', 'Demo Added', 'learner', 'Ops') AS id;
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT ok(pg_has_role('cca_demo', (SELECT db_role FROM users WHERE email = 'demo.added@example.com'),
                      'MEMBER'), 'a person added by cca user add can be acted as by the demo');
GRANT SELECT ON demo_added TO PUBLIC;
CREATE TEMP TABLE demo_role AS SELECT db_role FROM users WHERE email = 'demo.added@example.com';
GRANT SELECT ON demo_role TO PUBLIC;
SET LOCAL SESSION AUTHORIZATION cca_demo;
CREATE TEMP TABLE demo_switch AS SELECT set_config('role', (SELECT db_role FROM demo_role), true);
SELECT is((SELECT email FROM cca_whoami()), 'demo.added@example.com',
          '... and the demo then acts as the new person');
RESET ROLE;
RESET SESSION AUTHORIZATION;

-- the ledger
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'public.schema_migrations'::regclass),
          'schema_migrations has row-level security');
SELECT is((SELECT array_agg(g || ':' || p) FROM unnest(ARRAY['cca_learner', 'cca_hr_manager',
                'cca_trainer', 'cca_admin', 'cca_demo', 'public']) g,
                unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
           WHERE has_table_privilege(g, 'public.schema_migrations', p)), NULL,
          'no application role has any privilege on schema_migrations');
SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$SELECT count(*) FROM schema_migrations$$, '42501', NULL,
                 'an admin cannot read the ledger itself');
SELECT ok((SELECT max(version) FROM cca_schema_ledger()) >= 10,
          'but learns the schema version through cca_schema_ledger()');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cca_schema_ledger()),
          (SELECT count(*)::int FROM schema_migrations), 'the ledger function lists every migration');

-- ============================================================================================
-- B. Row ids are the server's
-- ============================================================================================
SELECT is((SELECT array_agg(g || ' ' || c.relname ORDER BY c.relname, g)
           FROM pg_class c CROSS JOIN unnest(ARRAY['cca_learner', 'cca_hr_manager',
                                                     'cca_trainer', 'cca_admin']) g
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND has_any_column_privilege('cca_learner', c.oid, 'INSERT')
             AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                         AND a.attname = 'id' AND NOT a.attisdropped
                         AND has_column_privilege(g, c.oid, a.attnum, 'INSERT'))), NULL,
          'no role may choose the id on any table a learner inserts into');
SET LOCAL ROLE cca_u_alice;
SELECT throws_ok($$INSERT INTO chat_messages (id, message) VALUES ('msg-bob-1', 'probe')$$,
                 '42501', NULL, 'a taken message id is refused ...');
SELECT throws_ok($$INSERT INTO chat_messages (id, message) VALUES ('msg-free-13', 'probe')$$,
                 '42501', NULL, '... exactly like a free one (no existence oracle)');
SELECT throws_ok($$INSERT INTO conversations (id, title) VALUES ('conv-bob-planning', 'probe')$$,
                 '42501', NULL, 'a taken conversation id is refused ...');
SELECT throws_ok($$INSERT INTO conversations (id, title) VALUES ('conv-free-13', 'probe')$$,
                 '42501', NULL, '... exactly like a free one');
SELECT throws_ok($$INSERT INTO learning_progress (id, skill_id) VALUES ('lp-bob-pm', 'skill-react')$$,
                 '42501', NULL, 'progress ids are not choosable either');
SELECT throws_ok($$INSERT INTO recommendations (id, type, item_id, score)
                   VALUES ('x', 'skill', 'skill-ml', 0.1)$$,
                 '42501', NULL, 'nor recommendation ids');
WITH i AS (INSERT INTO chat_messages (message) VALUES ('server id') RETURNING id)
SELECT matches((SELECT id FROM i), '^[0-9a-f-]{36}$', 'without an id the server assigns a fresh one');
RESET ROLE;

-- ============================================================================================
-- D. The audit log is append-only
-- ============================================================================================
SELECT is((SELECT array_agg(g || ':' || p) FROM unnest(ARRAY['cca_learner', 'cca_hr_manager',
                'cca_trainer', 'cca_admin', 'cca_demo', 'public']) g,
                unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
           WHERE has_table_privilege(g, 'public.audit_log', p)), NULL,
          'no application role may write, change, delete or truncate audit rows');
CREATE TEMP TABLE audit_before AS SELECT count(*)::int AS n FROM audit_log;
GRANT SELECT ON audit_before TO PUBLIC;
SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$UPDATE audit_log SET action = 'nothing happened'$$, '42501', NULL,
                 'an admin cannot rewrite audit rows');
SELECT throws_ok($$DELETE FROM audit_log$$, '42501', NULL, 'an admin cannot delete audit rows');
SELECT throws_ok($$TRUNCATE audit_log$$, '42501', NULL, 'an admin cannot truncate the audit log');
RESET ROLE;
SET LOCAL ROLE cca_owner;
SELECT throws_ok($$UPDATE audit_log SET action = 'nothing happened'$$, '42501', NULL,
                 'the owner cannot rewrite audit rows');
SELECT throws_ok($$DELETE FROM audit_log$$, '42501', NULL, 'the owner cannot delete them');
RESET ROLE;
SELECT throws_ok($$UPDATE audit_log SET changes = NULL$$, '42501', NULL,
                 'even the superuser cannot rewrite them (short of disabling the trigger)');
SELECT throws_ok($$DELETE FROM audit_log$$, '42501', NULL, '... or delete them');
SELECT throws_ok($$TRUNCATE audit_log$$, '42501', NULL, '... or truncate the table');
SELECT is((SELECT count(*)::int FROM audit_log), (SELECT n FROM audit_before),
          'the audit log is unchanged');

-- ============================================================================================
-- A. Every privileged change records who did it
-- ============================================================================================
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND c.relname NOT IN ('audit_log', 'analytics_events', 'schema_migrations')
             -- derived by a definer refresh and granted to nobody (012, 021)
             AND c.relname NOT IN ('gap_questions', 'gap_refresh_state')
             AND c.relname NOT LIKE 'gap\_topic%'
             AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                             WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                               AND t.tgfoid = 'public.cca_audit_row()'::regprocedure)), NULL,
          'every application table has the row audit trigger');

-- The defect: an admin changed three of a learner's progress rows and moved her to another
-- department; one audit row resulted, naming the learner.
CREATE TEMP TABLE seen AS SELECT id FROM audit_log;
GRANT SELECT ON seen TO PUBLIC;
SET LOCAL ROLE cca_u_grace;
UPDATE learning_progress SET progress = 100, level = 3
WHERE id IN ('lp-alice-data', 'lp-alice-course-data', 'lp-alice-python');
UPDATE users SET department = 'Platform' WHERE email = 'alice@example.com';
RESET ROLE;
SELECT results_eq($$SELECT record_id, user_id, subject_id, actor_role, session_role,
                           changes->'old'->>'level', changes->'new'->>'level',
                           changes->'new'->>'progress'
                    FROM audit_log WHERE table_name = 'learning_progress' AND action = 'update'
                    ORDER BY record_id$$,
                  format($$VALUES ('lp-alice-course-data', %1$L, %2$L, 'cca_u_grace', %3$L, '1', '3', '100'),
                                  ('lp-alice-data', %1$L, %2$L, 'cca_u_grace', %3$L, '1', '3', '100'),
                                  ('lp-alice-python', %1$L, %2$L, 'cca_u_grace', %3$L, '2', '3', NULL)$$,
                         (SELECT grace FROM ids), (SELECT alice FROM ids), session_user),
                  'each changed progress row is audited: the admin did it, about alice, old/new');
SELECT results_eq($$SELECT user_id, subject_id, changes FROM audit_log
                    WHERE table_name = 'users' AND action = 'update'$$,
                  format($$VALUES (%L, %L, '{"old": {"department": "Engineering"}, "new": {"department": "Platform"}}'::jsonb)$$,
                         (SELECT grace FROM ids), (SELECT alice FROM ids)),
                  'the department move is audited with the admin and the change');
SELECT results_eq($$SELECT record_id, user_id, subject_id FROM audit_log
                    WHERE action = 'completed' AND id NOT IN (SELECT id FROM seen)
                    ORDER BY record_id$$,
                  format($$VALUES ('lp-alice-course-data', %1$L, %2$L), ('lp-alice-data', %1$L, %2$L)$$,
                         (SELECT grace FROM ids), (SELECT alice FROM ids)),
                  'the completion rows name the admin as actor, not the learner');
-- (the completion rows the seed loaded by the superuser have no actor; their subject is alice)
SELECT is((SELECT count(*)::int FROM audit_log WHERE id NOT IN (SELECT id FROM seen)
           AND user_id = (SELECT alice FROM ids)), 0,
          'no row written by these changes names the learner as the one who did it');
-- through the demo: the session role is recorded as well
SET LOCAL SESSION AUTHORIZATION cca_demo;
SET LOCAL ROLE cca_u_grace;
SELECT is(cca_user_set_department('bob@example.com', 'Marketing')->>'department', 'Marketing',
          'cca_user_set_department moves a person');
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT results_eq($$SELECT user_id, actor_role, session_role, changes->'new'->>'department'
                    FROM audit_log WHERE table_name = 'users' AND record_id = (SELECT bob FROM ids)
                      AND action = 'update'$$,
                  format($$VALUES (%L, 'cca_u_grace', 'cca_demo', 'Marketing')$$, (SELECT grace FROM ids)),
                  'acting through the demo records the person, their role and the demo login');
-- self-service is not a privileged change
SET LOCAL ROLE cca_u_ivan;
UPDATE learning_progress SET progress = 25 WHERE id = 'lp-ivan-communication';
RESET ROLE;
SELECT is((SELECT count(*)::int FROM audit_log WHERE record_id = 'lp-ivan-communication'), 0,
          'a person updating their own progress writes no audit row');
-- a trainer's change to shared content is audited
SET LOCAL ROLE cca_u_erin;
UPDATE learning_content SET title = 'Feedback, revised' WHERE created_by = (SELECT id FROM users WHERE email = 'erin@example.com')
  AND id = (SELECT min(id) FROM learning_content WHERE created_by = (SELECT id FROM users WHERE email = 'erin@example.com'));
RESET ROLE;
SELECT is((SELECT count(*)::int FROM audit_log WHERE table_name = 'learning_content'
           AND action = 'update' AND actor_role = 'cca_u_erin'
           AND changes->'new'->>'title' = 'Feedback, revised'), 1,
          'a trainer''s change to shared content is audited');
SELECT is((SELECT actor_role FROM audit_log WHERE action = 'user_added'
           AND record_id = (SELECT id FROM demo_added)), 'cca_u_grace',
          'rows written by definer functions are stamped with the acting role too');

-- ============================================================================================
-- Only admins reach the admin API (each role; wrappers and definer bodies)
-- ============================================================================================
CREATE TEMP TABLE admin_calls AS SELECT ARRAY[
    $$SELECT cca_admin_people()$$,
    $$SELECT cca_admin_person('alice@example.com')$$,
    $$SELECT cca_admin_departments()$$,
    $$SELECT cca_user_set_department('bob@example.com', 'X')$$,
    $$SELECT cca_user_deactivate('bob@example.com')$$,
    $$SELECT cca_user_reactivate('bob@example.com')$$,
    $$SELECT cca_user_import('[]', false)$$,
    $$SELECT cca_admin_audit()$$,
    $$SELECT cca_admin_audit('analytics')$$,
    $$SELECT cca_export_user('bob@example.com')$$,
    $$SELECT cca_erase_user('bob@example.com')$$,
    $$SELECT cca_admin_settings()$$,
    $$SELECT cca_setting_set('retention.chat_days', '1')$$,
    $$SELECT cca_retention_run(true)$$,
    $$SELECT cca_retention_run(false)$$,
    $$SELECT cca_auth.people_as('cca_u_grace', NULL, NULL, NULL, NULL, NULL, 10)$$,
    $$SELECT cca_auth.audit_page_as('cca_u_grace', 'audit', NULL, NULL, NULL, NULL, NULL, NULL, 10)$$,
    $$SELECT cca_auth.erase_user_as('cca_u_grace', 'bob@example.com')$$,
    $$SELECT cca_auth.retention_as('cca_u_grace', false)$$,
    $$SELECT cca_auth.user_import_as('cca_u_grace', '[]', false)$$,
    $$SELECT cca_auth.export_doc('00000000-0000-4000-8000-000000000002')$$,
    $$SELECT cca_demo_role_setup('cca_demo')$$
] AS calls;
GRANT SELECT ON admin_calls TO PUBLIC;
SET LOCAL ROLE cca_u_alice;
SELECT is(t13.not_denied((SELECT calls FROM admin_calls)), '{}'::text[],
          'a learner is refused every admin function');
RESET ROLE;
SET LOCAL ROLE cca_u_carol;
SELECT is(t13.not_denied((SELECT calls FROM admin_calls)), '{}'::text[],
          'an HR manager is refused every admin function');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT is(t13.not_denied((SELECT calls FROM admin_calls)), '{}'::text[],
          'a trainer is refused every admin function');
RESET ROLE;
SET LOCAL SESSION AUTHORIZATION cca_demo;
SELECT is(t13.not_denied((SELECT calls FROM admin_calls)), '{}'::text[],
          'the demo role acting as itself is refused every admin function');
RESET SESSION AUTHORIZATION;
SET LOCAL ROLE cca_u_grace;
SELECT is(t13.not_denied(ARRAY[$$SELECT cca_admin_people()$$]),
          ARRAY['SELECT cca_admin_people() -> allowed'], 'the checker sees an allowed call');
RESET ROLE;

-- ============================================================================================
-- People
-- ============================================================================================
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE pages AS
WITH RECURSIVE p(n, doc) AS (
    SELECT 1, cca_admin_people(page_size => 4)
    UNION ALL
    SELECT n + 1, cca_admin_people(page_size => 4, after => doc->>'next')
    FROM p WHERE doc->>'next' IS NOT NULL AND n < 10
)
SELECT n, doc FROM p;
RESET ROLE;
SELECT is((SELECT (doc->>'total')::int FROM pages WHERE n = 1), (SELECT count(*)::int FROM users),
          'people: total counts everybody');
SELECT is((SELECT jsonb_array_length(doc->'items') FROM pages WHERE n = 1), 4,
          'people: a page holds page_size people');
SELECT is((SELECT array_agg(i->>'email' ORDER BY p.n, i.o) FROM pages p,
                  jsonb_array_elements(p.doc->'items') WITH ORDINALITY i(i, o)),
          (SELECT array_agg(email ORDER BY lower(name), id) FROM users),
          'people: following "next" visits everybody once, by name');
SET LOCAL ROLE cca_u_grace;
SELECT is((SELECT array_agg(i->>'email' ORDER BY i->>'email')
           FROM jsonb_array_elements(cca_admin_people(role => 'hr_manager')->'items') i),
          ARRAY['carol@example.com', 'dave@example.com'], 'people: filter by role');
SELECT is((SELECT array_agg(i->>'email' ORDER BY i->>'email')
           FROM jsonb_array_elements(cca_admin_people(department => 'sales')->'items') i),
          ARRAY['dave@example.com', 'ivan@example.com'], 'people: filter by department (any case)');
SELECT is((SELECT array_agg(i->>'email')
           FROM jsonb_array_elements(cca_admin_people(search => 'CHE')->'items') i),
          ARRAY['bob@example.com'], 'people: search name or email');
SELECT is(cca_admin_people(search => '100%_')->'items', '[]'::jsonb,
          'people: LIKE wildcards in the search are literal');
SELECT throws_ok($$SELECT cca_admin_people(after => 'not a cursor')$$, '22023', NULL,
                 'people: a bad cursor is refused');
SELECT is((cca_admin_person('alice@example.com')->'rows'->>'chat_messages')::int,
          (SELECT count(*)::int FROM chat_messages WHERE user_id = (SELECT alice FROM ids)),
          'person: counts of their rows per table');
-- deactivation
SELECT is(cca_user_deactivate('ivan@example.com')->'active', 'false'::jsonb,
          'deactivate: the person is inactive');
SELECT is(cca_admin_people(active => false)->'items'->0->>'email', 'ivan@example.com',
          'people: filter by active');
SELECT throws_ok($$SELECT cca_user_deactivate('grace@example.com')$$, '42501', NULL,
                 'deactivate: not oneself');
RESET ROLE;
SELECT throws_ok($$SELECT cca_user_deactivate('grace@example.com')$$, '42501', NULL,
                 'deactivate: not the last active admin');
SELECT ok(NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'cca_u_ivan'),
          'deactivate: the login role can no longer connect (NOLOGIN)');
SELECT is(cca_role_for_email('ivan@example.com'), NULL, 'deactivate: --user finds no role');
SELECT is((SELECT count(*)::int FROM learning_progress WHERE user_id = (SELECT ivan FROM ids)), 1,
          'deactivate: their data stays');
SET LOCAL ROLE cca_u_ivan;
SELECT is((SELECT count(*)::int FROM cca_whoami()) + (SELECT count(*)::int FROM learning_progress),
          0, 'deactivate: an open session resolves to nobody and sees nothing');
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
SELECT is(cca_user_reactivate('ivan@example.com')->'active', 'true'::jsonb, 'reactivate');
RESET ROLE;
SELECT ok((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'cca_u_ivan'),
          'reactivate: LOGIN again');
SET LOCAL ROLE cca_u_ivan;
SELECT is((SELECT email FROM cca_whoami()), 'ivan@example.com', 'reactivate: identity resolves again');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM audit_log WHERE table_name = 'users'
           AND record_id = (SELECT ivan FROM ids) AND action = 'update'
           AND changes->'new' ? 'deactivated_at'), 2,
          'deactivation and reactivation are audited');

-- bulk import
CREATE TEMP TABLE csv AS SELECT '[
    {"email": "Alice@Example.com", "name": "Alice Martin", "role": "learner", "department": "Platform"},
    {"email": "bob@example.com", "name": "Bob Chen", "role": "trainer", "department": "Marketing"},
    {"email": "nina@example.com", "name": "Nina Roth", "role": "hr_manager", "department": "Legal"},
    {"email": "carol@example.com", "department": ""}
]'::jsonb AS people, '[
    {"email": "ok@example.com", "name": "Ok", "role": "learner"},
    {"email": "not-an-email", "name": "X", "role": "learner"},
    {"email": "ok@example.com", "name": "Twice", "role": "learner"},
    {"email": "new@example.com", "name": "No Role"},
    {"email": "dave@example.com", "role": "boss"}
]'::jsonb AS bad;
GRANT SELECT ON csv TO PUBLIC;
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE dry AS SELECT cca_user_import((SELECT people FROM csv), true) AS r;
SELECT is((SELECT r->'counts' FROM dry),
          '{"added": 1, "changed": 2, "unchanged": 1, "errors": 0}'::jsonb,
          'import dry run: added / changed / unchanged / errors');
SELECT is((SELECT r->'changed' FROM dry),
          '[{"email": "bob@example.com", "changes": {"role": {"from": "learner", "to": "trainer"}}},
            {"email": "carol@example.com", "changes": {"department": {"from": "Engineering", "to": null}}}]'::jsonb,
          'import dry run: what would change, column by column');
RESET ROLE;
SELECT ok((SELECT count(*) FROM users WHERE email = 'nina@example.com') = 0
          AND (SELECT role FROM users WHERE email = 'bob@example.com') = 'learner',
          'import dry run: nothing changed');
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE badrun AS SELECT cca_user_import((SELECT bad FROM csv), false) AS r;
SELECT is((SELECT array_agg((e->>'index')::int ORDER BY (e->>'index')::int)
           FROM badrun, jsonb_array_elements(r->'errors') e), ARRAY[1, 2, 3, 4],
          'import: each bad entry is reported with its position');
SELECT is((SELECT r->'applied' FROM badrun), 'false'::jsonb, 'import: with errors nothing is applied');
CREATE TEMP TABLE goodrun AS SELECT cca_user_import((SELECT people FROM csv), false) AS r;
SELECT is((SELECT r->'applied' FROM goodrun), 'true'::jsonb, 'import: applied without errors');
RESET ROLE;
SELECT ok((SELECT u.role = 'hr_manager' AND u.department = 'Legal'
                  AND pg_has_role(u.db_role, 'cca_hr_manager', 'MEMBER')
           FROM users u WHERE u.email = 'nina@example.com'),
          'import: the new person exists with login role and group');
SELECT ok((SELECT role = 'trainer' AND pg_has_role(db_role, 'cca_trainer', 'MEMBER')
           FROM users WHERE email = 'bob@example.com')
          AND (SELECT department IS NULL FROM users WHERE email = 'carol@example.com'),
          'import: role (with membership) and department changes applied');
SELECT is((SELECT changes FROM audit_log WHERE action = 'imported'),
          '{"added": 1, "changed": 2, "unchanged": 1}'::jsonb, 'import: audited');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'user_added'
           AND subject_id = (SELECT id FROM users WHERE email = 'nina@example.com')
           AND user_id = (SELECT grace FROM ids)), 1, 'import: each addition audited');

-- ============================================================================================
-- Audit viewer
-- ============================================================================================
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE audit_pages AS
WITH RECURSIVE p(n, doc) AS (
    SELECT 1, cca_admin_audit(page_size => 7)
    UNION ALL
    SELECT n + 1, cca_admin_audit(page_size => 7, after => doc->>'next')
    FROM p WHERE doc->>'next' IS NOT NULL AND n < 1000
)
SELECT n, doc FROM p;
RESET ROLE;
-- (reading the log through the viewer writes nothing to it)
SELECT is((SELECT array_agg(i->>'id' ORDER BY p.n, i.o) FROM audit_pages p,
                  jsonb_array_elements(p.doc->'items') WITH ORDINALITY i(i, o)),
          (SELECT array_agg(id ORDER BY created_at DESC, id DESC) FROM audit_log),
          'audit viewer: pages are newest first and visit every row once');
SELECT is((SELECT jsonb_array_length(doc->'items') FROM audit_pages WHERE n = 1), 7,
          'audit viewer: page_size rows per page');
SET LOCAL ROLE cca_u_grace;
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(
               cca_admin_audit(person => 'alice@example.com', page_size => 500)->'items') i),
          (SELECT count(*)::int FROM audit_log WHERE user_id = (SELECT alice FROM ids)
                                                  OR subject_id = (SELECT alice FROM ids)),
          'audit viewer: by person, done by or about them');
SELECT is((SELECT array_agg(DISTINCT i->>'table') FROM jsonb_array_elements(
               cca_admin_audit(table_name => 'users', page_size => 500)->'items') i),
          ARRAY['users'], 'audit viewer: by table');
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(
               cca_admin_audit(action => 'completed', page_size => 500)->'items') i),
          (SELECT count(*)::int FROM audit_log WHERE action = 'completed'),
          'audit viewer: by action');
SELECT ok((SELECT count(*) FROM jsonb_array_elements(
               cca_admin_audit(since => now() - interval '10 days', until => now(),
                               page_size => 500)->'items') i)
          = (SELECT count(*) FROM audit_log WHERE created_at >= now() - interval '10 days'
                                              AND created_at < now())
          AND (SELECT count(*) FROM audit_log WHERE created_at < now()) > 0
          AND (SELECT count(*) FROM audit_log WHERE created_at >= now()) > 0,
          'audit viewer: by period (since <= at < until)');
SELECT is(cca_admin_audit(since => now() + interval '1 day')->'items', '[]'::jsonb,
          'audit viewer: an empty period is an empty page');
SELECT is(cca_admin_audit(person => 'alice@example.com', table_name => 'users',
                          action => 'update')->'items'->0->'actor'->>'email',
          'grace@example.com', 'audit viewer: items name the actor');
SELECT is((SELECT count(*)::int FROM jsonb_array_elements(
               cca_admin_audit('analytics', person => 'alice@example.com', page_size => 500)->'items') i),
          (SELECT count(*)::int FROM analytics_events WHERE user_id = (SELECT alice FROM ids)),
          'analytics viewer: by person');
SELECT throws_ok($$SELECT cca_admin_audit('analytics', table_name => 'users')$$, '22023', NULL,
                 'analytics events have no table');
SELECT throws_ok($$SELECT cca_admin_audit('nope')$$, '22023', NULL, 'an unknown source is refused');
RESET ROLE;

-- ============================================================================================
-- GDPR export
-- ============================================================================================
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE exports AS
SELECT cca_export_user('alice@example.com') AS alice, cca_export_user('erin@example.com') AS erin;
RESET ROLE;
SELECT is(t13.export_gaps((SELECT alice FROM exports), (SELECT alice FROM ids)), '{}'::text[],
          'export: every table referring to a person holds exactly their rows (a learner)');
SELECT is(t13.export_gaps((SELECT erin FROM exports),
                          (SELECT id FROM users WHERE email = 'erin@example.com')), '{}'::text[],
          'export: ... and a trainer, with the content she authored');
SELECT ok((SELECT jsonb_array_length(erin->'learning_content') > 0 FROM exports),
          'export: authored content is there');
SELECT ok((SELECT NOT (alice::text LIKE '%"embedding"%') FROM exports), 'export: no embeddings');
SET LOCAL ROLE cca_u_alice;
CREATE TEMP TABLE mine AS SELECT cca_export_me() AS doc;
RESET ROLE;
SELECT is(t13.export_gaps((SELECT doc FROM mine), (SELECT alice FROM ids)), '{}'::text[],
          'self-export: a learner exports everything about herself');
SELECT is((SELECT count(*)::int FROM mine, jsonb_array_elements(doc->'chat_messages') m
           WHERE m->>'user_id' <> (SELECT alice FROM ids)), 0, 'self-export: nobody else''s rows');
SET LOCAL SESSION AUTHORIZATION cca_demo;
SELECT throws_ok($$SELECT cca_export_me()$$, '42501', NULL,
                 'self-export needs a person (the demo role itself is none)');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'exported'
           AND subject_id = (SELECT alice FROM ids)), 2, 'exports are audited');

-- ============================================================================================
-- GDPR erasure
-- ============================================================================================
-- plant: a chat text only heidi wrote, content she authored, admin changes about her, her
-- own export, an analytics event
INSERT INTO conversations (id, user_id) VALUES ('conv-heidi-note', (SELECT heidi FROM ids));
INSERT INTO chat_messages (user_id, conversation_id, message)
VALUES ((SELECT heidi FROM ids), 'conv-heidi-note', 'violet kettle zq7 is my private note');
INSERT INTO learning_content (id, title, content, content_type, created_by)
VALUES ('heidi-doc', 'Team rituals', 'Stand-ups are short.', 'reference', (SELECT heidi FROM ids));
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE heidi_moved AS SELECT cca_user_set_department('heidi@example.com', 'Frontend');
UPDATE learning_progress SET progress = 90 WHERE id = 'lp-heidi-js';
UPDATE users SET learning_profile = '{"note": "violet kettle zq7 again"}'
WHERE email = 'heidi@example.com';
RESET ROLE;
SET LOCAL ROLE cca_u_heidi;
SELECT ok(cca_export_me() ? 'chat_messages', 'heidi exports her own data');
RESET ROLE;
SELECT ok(cardinality(t13.find_text('%Heidi Braun%')) > 0
          AND cardinality(t13.find_text('%heidi@example.com%')) > 0
          AND cardinality(t13.find_text('%violet kettle zq7%')) > 2,
          'before erasure her name, email and chat text are found (in several tables)');
SET LOCAL ROLE cca_u_grace;
SELECT lives_ok($$SELECT cca_erase_user('Heidi@Example.com')$$, 'an admin erases heidi');
RESET ROLE;
SELECT is(t13.find_text('%Heidi Braun%'), '{}'::text[], 'after erasure no table holds her name');
SELECT is(t13.find_text('%heidi@example.com%'), '{}'::text[], '... nor her email');
SELECT is(t13.find_text('%violet kettle zq7%'), '{}'::text[], '... nor her chat text');
SELECT is(t13.find_text('%cca\_u\_heidi%'), '{}'::text[], '... nor her login role name');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname = 'cca_u_heidi'), 0,
          'her login role is dropped');
SELECT is((SELECT created_by FROM learning_content WHERE id = 'heidi-doc'), (SELECT grace FROM ids),
          'content she authored stays, reassigned to the erasing admin');
SELECT results_eq($$SELECT user_id, subject_id, changes->'removed'->>'chat_messages',
                           changes->'reassigned'->>'learning_content'
                    FROM audit_log WHERE action = 'erased'$$,
                  format($$VALUES (%L, %L, '2', '1')$$, (SELECT grace FROM ids), (SELECT heidi FROM ids)),
                  'one tombstone: who erased whom, counts only');
SELECT ok((SELECT count(*) FROM audit_log WHERE subject_id = (SELECT heidi FROM ids)) > 2
          AND (SELECT count(*) FROM audit_log WHERE subject_id = (SELECT heidi FROM ids)
               AND action <> 'erased' AND changes IS NOT NULL) = 0,
          'the audit trail about her keeps its events, without their contents');
SELECT is((SELECT count(*)::int FROM analytics_events WHERE user_id = (SELECT heidi FROM ids)), 0,
          'her analytics events are gone');
-- a login role that still owns something (here a temp table) cannot be dropped: disabled
SET LOCAL ROLE cca_u_ivan;
CREATE TEMP TABLE ivan_scratch (x int);
RESET ROLE;
SET LOCAL ROLE cca_u_grace;
SELECT lives_ok($$SELECT cca_erase_user('ivan@example.com')$$,
                'erasing a person whose role still owns an object works');
RESET ROLE;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_u_ivan')
          AND (SELECT NOT r.rolcanlogin
                      AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid)
               FROM pg_roles r JOIN pg_class c ON c.relowner = r.oid
               WHERE c.relname = 'ivan_scratch'),
          '... its role is renamed, NOLOGIN and in no group');

-- ============================================================================================
-- Retention
-- ============================================================================================
SET LOCAL session_replication_role = replica; -- old rows as they would have been written then
INSERT INTO conversations (id, user_id, title, created_at, updated_at)
VALUES ('conv-old', (SELECT bob FROM ids), 'old', now() - interval '40 days', now() - interval '40 days');
INSERT INTO chat_messages (id, user_id, conversation_id, message, created_at)
VALUES ('msg-old', (SELECT bob FROM ids), 'conv-old', 'old question', now() - interval '40 days');
INSERT INTO analytics_events (event_type, user_id, created_at)
VALUES ('old_event', (SELECT bob FROM ids), now() - interval '200 days');
INSERT INTO audit_log (table_name, record_id, action, created_at) VALUES
    ('skills', 'x', 'update', now() - interval '800 days'),
    ('users', 'someone-erased', 'erased', now() - interval '800 days');
SET LOCAL session_replication_role = origin;
SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$SELECT cca_setting_set('retention.chat_days', 'soon')$$, '22023', NULL,
                 'retention: days must be a number');
SELECT throws_ok($$SELECT cca_setting_set('embed_dim', '3')$$, '22023', NULL,
                 'retention: other settings are not writable here');
SELECT is(cca_setting_set('retention.chat_days', '30')->>'retention.chat_days', '30',
          'retention: an admin sets chat_days');
CREATE TEMP TABLE ret_dry AS SELECT cca_retention_run(true) AS r;
RESET ROLE;
CREATE TEMP TABLE expect_ret AS SELECT
    (SELECT count(*) FROM chat_messages WHERE created_at < now() - interval '30 days') AS msgs,
    (SELECT count(*) FROM analytics_events WHERE created_at < now() - interval '180 days') AS events,
    (SELECT count(*) FROM audit_log WHERE created_at < now() - interval '730 days'
                                      AND action <> 'erased') AS audit;
SELECT is((SELECT jsonb_build_object('m', r->'tables'->'chat_messages'->'rows',
                                     'c', r->'tables'->'conversations'->'rows',
                                     'e', r->'tables'->'analytics_events'->'rows',
                                     'a', r->'tables'->'audit_log'->'rows') FROM ret_dry),
          (SELECT jsonb_build_object('m', msgs, 'c', 1, 'e', events, 'a', audit) FROM expect_ret),
          'retention dry run: counts per table of what expired');
SELECT ok((SELECT count(*) FROM chat_messages WHERE id = 'msg-old') = 1
          AND (SELECT msgs FROM expect_ret) >= 1 AND (SELECT audit FROM expect_ret) >= 1,
          'retention dry run: nothing removed');
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE ret_run AS SELECT cca_retention_run(false) AS r;
RESET ROLE;
SELECT is((SELECT r->'tables' FROM ret_run), (SELECT r->'tables' FROM ret_dry),
          'retention: the run removes what the dry run counted');
SELECT ok((SELECT count(*) FROM chat_messages WHERE created_at < now() - interval '30 days') = 0
          AND (SELECT count(*) FROM conversations WHERE id = 'conv-old') = 0
          AND (SELECT count(*) FROM analytics_events WHERE event_type = 'old_event') = 0
          AND (SELECT count(*) FROM audit_log WHERE record_id = 'x' AND table_name = 'skills') = 0,
          'retention: expired chats, conversations, events and audit rows are gone');
SELECT is((SELECT count(*)::int FROM audit_log WHERE record_id = 'someone-erased'), 1,
          'retention: erasure tombstones are kept');
SELECT is((SELECT user_id FROM audit_log WHERE action = 'retention'), (SELECT grace FROM ids),
          'retention: the run is audited once, with the admin');

SELECT * FROM finish();
ROLLBACK;

-- 08_function_security: ownership, roles, pinned search_path, no PUBLIC access to definer
-- functions, identity that cannot be forged, and definer functions that a hostile schema or
-- temp object cannot hijack.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(45);

-- roles and ownership -------------------------------------------------------------------------
SELECT has_role(r, 'role ' || r || ' exists')
FROM unnest(ARRAY['cca_owner', 'cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin']) AS r;
SELECT is((SELECT count(*)::int FROM pg_roles
           WHERE rolname IN ('cca_owner', 'cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin')
             AND NOT rolcanlogin AND NOT rolsuper AND NOT rolbypassrls), 5,
          'the group and owner roles cannot log in and are not privileged');
SELECT ok((SELECT rolcreaterole FROM pg_roles WHERE rolname = 'cca_owner'),
          'cca_owner has CREATEROLE (for cca_user_add)');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v')
             AND pg_get_userbyid(c.relowner) <> 'cca_owner'
             AND c.relname NOT IN ('schema_migrations')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e')), NULL,
          'every CCA table and view is owned by cca_owner');
SELECT is((SELECT array_agg(c.relname::text) FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND pg_get_userbyid(c.relowner) = 'cca_owner' AND NOT c.relrowsecurity), NULL,
          'row-level security is enabled on every table');
SELECT is((SELECT count(*)::int FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relforcerowsecurity), 0,
          'no FORCE RLS: the owner''s definer helpers read past RLS (no recursion); no client is the owner');
SELECT is((SELECT count(*)::int FROM pg_auth_members m
           WHERE m.member = 'cca_u_alice'::regrole
             AND m.roleid IN ('cca_learner'::regrole, 'cca_hr_manager'::regrole,
                              'cca_trainer'::regrole, 'cca_admin'::regrole)), 1,
          'a person''s login role is in exactly one group');
SELECT ok(pg_has_role('cca_u_carol', 'cca_hr_manager', 'MEMBER')
          AND pg_has_role('cca_u_grace', 'cca_admin', 'MEMBER')
          AND pg_has_role('cca_u_erin', 'cca_trainer', 'MEMBER'),
          'group membership follows users.role');
SELECT is((SELECT count(*)::int FROM users u JOIN pg_roles r ON r.rolname = u.db_role
           WHERE r.rolsuper OR r.rolcreaterole OR r.rolbypassrls), 0,
          'no person is linked to a privileged role');

-- functions -----------------------------------------------------------------------------------
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
           WHERE pg_get_userbyid(p.proowner) = 'cca_owner'
             AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                             WHERE c ~ '^search_path=pg_catalog, .*pg_temp$')), NULL,
          'every CCA function pins search_path (pg_catalog first, pg_temp last)');
SELECT ok((SELECT count(*) FROM pg_proc p WHERE pg_get_userbyid(p.proowner) = 'cca_owner'
           AND p.prosecdef) >= 20, 'there are definer functions to check');
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
           WHERE pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prosecdef
             AND has_function_privilege('public', p.oid, 'EXECUTE')), NULL,
          'no SECURITY DEFINER function is executable by PUBLIC');
SELECT is((SELECT array_agg(p.proname::text) FROM pg_proc p
           WHERE p.proname IN ('match_documents', 'match_passages', 'search_learning_content',
                               'search_passages', 'get_user_learning_analytics',
                               'generate_recommendations', 'uid', 'role', 'app_role', 'department')
             AND pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prosecdef), NULL,
          'query functions and identity helpers run as the caller (RLS applies)');
SELECT ok(NOT has_function_privilege('cca_learner', 'cca_role_for_email(text)', 'EXECUTE')
          AND NOT has_function_privilege('cca_admin', 'cca_role_for_email(text)', 'EXECUTE'),
          'cca_role_for_email is not for the people''s roles (superuser and demo role only)');
SELECT is(cca_role_for_email('Alice@Example.com'), 'cca_u_alice',
          'cca_role_for_email maps an email (any case) to the login role');
SELECT ok(NOT has_function_privilege('cca_admin', 'cca_user_create(text,text,text,text,text,text,text)', 'EXECUTE'),
          'the internal cca_user_create is for the superuser only');
SELECT ok((SELECT proleakproof AND pg_get_userbyid(proowner) = current_user
           FROM pg_proc WHERE proname = 'cca_ts_match'),
          'the leakproof full-text match is owned by the bootstrap superuser');
SELECT has_function('auth', 'uid', '{}'::name[], 'auth.uid() exists (schema auth created by CCA)');
SELECT has_function('cca_auth', 'uid', '{}'::name[], 'cca_auth.uid() exists');

-- identity cannot be forged (a real login: session_user is the employee) ------------------------
SET LOCAL SESSION AUTHORIZATION cca_u_alice;
SELECT is(session_user::text, 'cca_u_alice', 'logged in as alice');
SELECT is((SELECT count(*)::int FROM cca_auth.identity('cca_u_alice')), 1,
          'identity() answers for her own role');
SELECT is((SELECT count(*)::int FROM cca_auth.identity('cca_u_bob')), 0,
          'identity() refuses to reveal another person''s row');
SELECT is((SELECT count(*)::int FROM cca_auth.identity('cca_u_grace')), 0,
          '... including an admin''s');
SELECT throws_ok($$SET ROLE cca_u_bob$$, '42501', NULL, 'she cannot become bob');
SELECT throws_ok($$SET ROLE cca_admin$$, '42501', NULL, 'she cannot become the admin group');
SELECT throws_ok($$SET ROLE cca_owner$$, '42501', NULL, 'she cannot become the owner');
SELECT throws_ok($$SELECT * FROM cca_auth.start_assessment_as('cca_u_bob', 'assess-ml-concepts')$$,
                 '42501', NULL, 'a definer body called with another role name does not act for them');
SELECT throws_ok($$SELECT * FROM cca_auth.submit_assessment_as('cca_u_bob', 'x', '{}')$$,
                 '42501', NULL, '... nor submit for them');
SELECT throws_ok($$SELECT * FROM cca_auth.department_dashboard_for('cca_u_carol')$$, '42501', NULL,
                 '... nor borrow an HR manager''s dashboard');
SELECT throws_ok($$SELECT cca_auth.require_admin('cca_u_grace')$$, '42501', NULL,
                 'the admin check is not callable by a learner');
RESET SESSION AUTHORIZATION;

-- Stands in for "the transaction that submitted the attempt has committed" (see 09, 12).
CREATE FUNCTION pg_temp.settle(assessment text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public AS $$
    UPDATE public.assessment_attempts
    SET submit_xid = (SELECT min(xmin::text::bigint) FROM public.schema_migrations)::text::xid8
    WHERE assessment_id = assessment AND user_id = '00000000-0000-4000-8000-000000000001'
$$;

-- hijacking through search_path ----------------------------------------------------------------
-- An attacker controls a schema (here given to alice) and puts look-alike functions and an
-- always-true integer "=" in it, then puts it first on her search_path.
CREATE SCHEMA evil AUTHORIZATION cca_u_alice;
SET LOCAL SESSION AUTHORIZATION cca_u_alice;
-- Shared with everybody, so a definer function's owner could resolve names in it.
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE evil.calls (what text);
GRANT INSERT ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('pg_has_role') RETURNING true $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('clock_timestamp') RETURNING now() - interval '1 year' $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('lower') RETURNING $1 $$;
CREATE FUNCTION evil.always_eq(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.always_eq);
CREATE TEMP TABLE users (id text, email text, name text, role text, department text, db_role text);
INSERT INTO users VALUES ('fake', 'fake@example.com', 'Fake', 'admin', 'IT', 'cca_u_alice');
-- pg_catalog listed after her schema: it is no longer searched first.
SET LOCAL search_path = evil, pg_temp, pg_catalog, public;
SELECT is((SELECT id FROM cca_whoami()), '00000000-0000-4000-8000-000000000001',
          'a temp table named users does not change who she is');
SELECT is(cca_auth.app_role(), 'learner', '... nor her role');
SELECT is((SELECT app_role FROM cca_auth.identity(current_user::text)), 'learner',
          'the definer identity lookup, called directly, ignores her temp users table');
SELECT lives_ok($$SELECT * FROM cca_auth.start_assessment_as(current_user::text, 'assess-ml-concepts')$$,
                'she starts an assessment through the definer body with the hostile search_path');
SELECT lives_ok($$SELECT cca_auth.submit_assessment_as(current_user::text,
                      (SELECT id FROM public.assessment_attempts
                       WHERE assessment_id = 'assess-ml-concepts' AND status = 'open'), '{"q1": 3}')$$,
                'she submits a wrong answer through the definer body');
-- (009) scoring waits for the submission to commit: stand in for the commit, then score.
RESET SESSION AUTHORIZATION;
SELECT pg_temp.settle('assess-ml-concepts');
SET LOCAL SESSION AUTHORIZATION cca_u_alice;
SELECT results_eq($$SELECT (r->>'score')::float8, (r->>'passed')::boolean
                    FROM cca_auth.assessment_result_as(current_user::text,
                         (SELECT id FROM public.assessment_attempts
                          WHERE assessment_id = 'assess-ml-concepts')) r$$,
                  $$VALUES (0::float8, false)$$,
                  'a wrong answer scores 0: her always-true "=" was not used');
SELECT is((SELECT count(*)::int FROM evil.calls), 0, 'none of her look-alike functions was called');
SELECT ok((SELECT abs(extract(epoch FROM started_at - now())) < 3600 FROM public.assessment_attempts
           WHERE assessment_id = 'assess-ml-concepts'),
          'the attempt used the real clock');
RESET search_path;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM evil.calls), 0, 'confirmed as the superuser: no hijacked call');
DROP TABLE pg_temp.users;

-- policies do not recurse ----------------------------------------------------------------------
SET LOCAL ROLE cca_u_carol;
SELECT lives_ok($$SELECT count(*) FROM users$$, 'the HR users policy does not recurse');
SELECT lives_ok($$SELECT count(*) FROM learning_progress$$, 'the HR progress policy does not recurse');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

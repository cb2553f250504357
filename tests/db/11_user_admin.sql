-- 11_user_admin: admins add people (row + login role + group), change roles (membership
-- follows), export and erase a person; everything is audited; others cannot.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(30);

SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE added AS
SELECT cca_user_add('New.Person+cca@Example.com', 'New Person', 'learner', 'Ops') AS id;
RESET ROLE;
SELECT isnt((SELECT id FROM added), NULL, 'cca_user_add returns the new id');
SELECT results_eq($$SELECT email, name, role, department FROM users WHERE id = (SELECT id FROM added)$$,
                  $$VALUES ('new.person+cca@example.com', 'New Person', 'learner', 'Ops')$$,
                  'the users row is created (email lower-cased)');
SELECT matches((SELECT db_role FROM users WHERE id = (SELECT id FROM added)),
               '^cca_u_new_person_cca_[0-9a-f]{6}$', 'the login role is named from the email');
SELECT ok((SELECT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb
           FROM pg_roles WHERE rolname = (SELECT db_role FROM users WHERE id = (SELECT id FROM added))),
          'the login role can log in and has no special power');
SELECT ok(pg_has_role((SELECT db_role FROM users WHERE id = (SELECT id FROM added)), 'cca_learner', 'MEMBER'),
          'the login role is in cca_learner');
SELECT results_eq($$SELECT user_id, changes->>'email' FROM audit_log
                    WHERE action = 'user_added' AND record_id = (SELECT id FROM added)$$,
                  $$VALUES ('00000000-0000-4000-8000-000000000007', 'new.person+cca@example.com')$$,
                  'the addition is audited with the admin who did it');
CREATE FUNCTION pg_temp.as_new_person() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    who text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', (SELECT db_role FROM users WHERE email = 'new.person+cca@example.com'));
    SELECT email INTO who FROM cca_whoami();
    RESET ROLE;
    RETURN who;
END
$$;
SELECT is(pg_temp.as_new_person(), 'new.person+cca@example.com', 'the new person can act as themselves');

SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$SELECT cca_user_add('new.person+cca@example.com', 'Again', 'learner', NULL)$$, '23505', NULL,
                 'an email is added once');
SELECT throws_ok($$SELECT cca_user_add('x@example.com', 'X', 'superuser', NULL)$$, '22023', NULL,
                 'an unknown role is refused');
SELECT throws_ok($$SELECT cca_user_add('not-an-email', 'X', 'learner', NULL)$$, '22023', NULL,
                 'an invalid email is refused');
SELECT throws_ok($$SELECT cca_user_add('y@example.com', '', 'learner', NULL)$$, '22023', NULL,
                 'a name is required');
SELECT lives_ok($$SELECT cca_user_set_role('New.Person+cca@example.com', 'trainer')$$,
                'cca_user_set_role changes a role');
RESET ROLE;
SELECT is((SELECT role FROM users WHERE id = (SELECT id FROM added)), 'trainer', 'users.role is trainer');
SELECT ok(pg_has_role((SELECT db_role FROM users WHERE id = (SELECT id FROM added)), 'cca_trainer', 'MEMBER')
          AND NOT pg_has_role((SELECT db_role FROM users WHERE id = (SELECT id FROM added)), 'cca_learner', 'MEMBER'),
          'the group membership moved from cca_learner to cca_trainer');
SELECT results_eq($$SELECT changes->>'from', changes->>'to' FROM audit_log
                    WHERE action = 'role_changed' AND record_id = (SELECT id FROM added)$$,
                  $$VALUES ('learner', 'trainer')$$, 'the role change is audited');
SET LOCAL ROLE cca_u_grace;
SELECT throws_ok($$SELECT cca_user_set_role('nobody@example.com', 'admin')$$, 'P0002', NULL,
                 'an unknown email is reported');
RESET ROLE;

SET LOCAL ROLE cca_u_carol;
SELECT throws_ok($$SELECT cca_user_add('z@example.com', 'Z', 'admin', NULL)$$, '42501', NULL,
                 'an HR manager cannot add users');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT throws_ok($$SELECT cca_user_set_role('erin@example.com', 'admin')$$, '42501', NULL,
                 'a trainer cannot promote herself');
RESET ROLE;

-- the internal creator refuses privileged or reserved roles
SELECT throws_ok($$SELECT cca_user_create('s@example.com', 'S', 'learner', NULL, 'cca_super')$$, '42501', NULL,
                 'a privileged role cannot be linked to a person');
SELECT throws_ok($$SELECT cca_user_create('s@example.com', 'S', 'learner', NULL, 'cca_admin')$$, '22023', NULL,
                 'a group role cannot be linked to a person');
SELECT throws_ok($$SELECT cca_user_create('s@example.com', 'S', 'learner', NULL, 'Bad Name')$$, '22023', NULL,
                 'role names are plain identifiers');

-- GDPR
SET LOCAL ROLE cca_u_grace;
CREATE TEMP TABLE export AS SELECT cca_export_user('alice@example.com') AS doc;
SELECT is((SELECT doc->'user'->>'email' FROM export), 'alice@example.com', 'the export holds the profile');
SELECT is((SELECT jsonb_array_length(doc->'chat_messages') FROM export), 4, '... her chat messages');
SELECT is((SELECT jsonb_array_length(doc->'learning_progress') FROM export), 4, '... her progress');
SELECT lives_ok($$SELECT cca_erase_user('heidi@example.com')$$, 'an admin erases a person');
SELECT throws_ok($$SELECT cca_erase_user('grace@example.com')$$, '42501', NULL,
                 'an admin cannot erase themselves');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM users WHERE email = 'heidi@example.com'), 0, 'the person is gone');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE user_id = '00000000-0000-4000-8000-000000000008')
          + (SELECT count(*)::int FROM analytics_events WHERE user_id = '00000000-0000-4000-8000-000000000008')
          + (SELECT count(*)::int FROM assessment_results WHERE user_id = '00000000-0000-4000-8000-000000000008'),
          0, 'with their messages, analytics and results');
SELECT is((SELECT count(*)::int FROM pg_roles WHERE rolname = 'cca_u_heidi'), 0, 'their login role is dropped');
SELECT results_eq($$SELECT action, changes ? 'removed' FROM audit_log
                    WHERE record_id = '00000000-0000-4000-8000-000000000008' AND changes IS NOT NULL$$,
                  $$VALUES ('erased', true)$$,
                  'one tombstone says an erasure happened (with counts); entries about them keep no contents');

SELECT * FROM finish();
ROLLBACK;

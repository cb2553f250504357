-- roles.sql: the cluster roles CCA needs, for a server where CCA's migrating login may not
-- create roles (a managed PostgreSQL: Supabase, RDS, Cloud SQL, Azure Flexible Server).
-- The operator runs it once per cluster as the service's admin role (one with CREATEROLE:
-- `postgres` on Supabase and Azure, `rds_superuser` members on RDS, `cloudsqlsuperuser` on
-- Cloud SQL), naming the login that will run `cca migrate --no-roles`:
--
--   psql "host=db.example.com dbname=cca user=postgres" -v migrator=cca_migrator \
--        -f assets/sql/roles.sql
--
-- Also printed by `cca migrate --print-roles-sql`. Idempotent: existing roles are kept. What
-- it creates is what migration 001 creates on a self-hosted server (docs/managed.md):
--   cca_learner, cca_hr_manager, cca_trainer, cca_admin   group roles, NOLOGIN
--   cca_owner      NOLOGIN CREATEROLE: owns every CCA object; its SECURITY DEFINER
--                  functions create the employees' login roles (`cca user add`)
--   the group roles granted to cca_owner WITH ADMIN OPTION (PostgreSQL 16+ needs it to grant
--   them to new login roles)
--   cca_owner granted to the migrating login, which creates CCA's objects as cca_owner
--   USAGE on the vector extension's schema for CCA's roles, when the extension is installed
--   in one of its own (Supabase: `extensions`); install the extension first (the service's
--   way, e.g. CREATE EXTENSION vector SCHEMA extensions) and run this in CCA's database
\set ON_ERROR_STOP on
SELECT set_config('cca.migrator', :'migrator', false);

DO $$
DECLARE
    r text;
    migrator text := current_setting('cca.migrator');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = migrator) THEN
        RAISE EXCEPTION 'no role %: create the migrating login first (CREATE ROLE % LOGIN PASSWORD ...)',
            migrator, migrator;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = migrator AND rolsuper) THEN
        RAISE NOTICE '% is a superuser: plain `cca migrate` creates the roles itself', migrator;
    END IF;
    FOREACH r IN ARRAY ARRAY['cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_owner') THEN
        CREATE ROLE cca_owner NOLOGIN CREATEROLE;
    END IF;
    FOREACH r IN ARRAY ARRAY['cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_auth_members m
                       WHERE m.roleid = r::regrole AND m.member = 'cca_owner'::regrole
                         AND m.admin_option) THEN
            EXECUTE format('GRANT %I TO cca_owner WITH ADMIN OPTION', r);
        END IF;
    END LOOP;
    IF NOT pg_has_role(migrator, 'cca_owner', 'MEMBER') THEN
        EXECUTE format('GRANT cca_owner TO %I', migrator);
    END IF;
END
$$;

DO $$
DECLARE
    s text;
BEGIN
    SELECT n.nspname INTO s FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
    WHERE x.extname IN ('vector', 'cca_vector') ORDER BY x.extname = 'vector' DESC LIMIT 1;
    IF s IS NULL THEN
        RAISE NOTICE 'no vector extension in this database yet: install it, then run this again';
    ELSIF s NOT IN ('public', 'pg_catalog') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO cca_owner, cca_learner, cca_hr_manager,'
                       ' cca_trainer, cca_admin', s);
    END IF;
END
$$;

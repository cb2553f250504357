-- 001_extensions_roles: the vector extension, the group roles, the owner role and the schemas.
-- Runs as the bootstrap superuser inside one transaction (db/migrate.c). Every later migration
-- creates its objects as cca_owner (SET LOCAL ROLE), so no client role ever owns anything.
-- Contains no people: users and their login roles come from `cca user add` or the seed.

-- The vector type: real pgvector when the server has it, else CCA's exact fallback.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname IN ('vector', 'cca_vector')) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        CREATE EXTENSION vector SCHEMA public;
    ELSIF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'cca_vector') THEN
        CREATE EXTENSION cca_vector SCHEMA public;
    ELSE
        RAISE EXCEPTION 'no vector extension on this server'
            USING HINT = 'install pgvector, or run `make vector-install` for the CCA fallback';
    END IF;
END
$$;

-- Roles are cluster-wide: create each one only if it is missing, so a second database on the
-- same cluster (tests, staging) migrates cleanly.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- The owner of every CCA object. NOLOGIN: no client connects as it. CREATEROLE so that
    -- its SECURITY DEFINER user-management functions can create the employees' login roles.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_owner') THEN
        CREATE ROLE cca_owner NOLOGIN CREATEROLE;
    ELSE
        ALTER ROLE cca_owner NOLOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;

-- cca_owner grants the group roles to new login roles; PostgreSQL 16+ requires ADMIN OPTION
-- for that (15 accepts CREATEROLE alone).
DO $$
DECLARE
    g text;
BEGIN
    FOREACH g IN ARRAY ARRAY['cca_learner', 'cca_hr_manager', 'cca_trainer', 'cca_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_auth_members m
                       WHERE m.roleid = g::regrole AND m.member = 'cca_owner'::regrole
                         AND m.admin_option) THEN
            EXECUTE format('GRANT %I TO cca_owner WITH ADMIN OPTION', g);
        END IF;
    END LOOP;
END
$$;

-- The owner builds in public; clients may use it but never create in it (PG15 default,
-- restated here for clusters upgraded from older versions).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO cca_owner;
GRANT USAGE ON SCHEMA public TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- Functions are not executable by PUBLIC unless granted: every CCA function is granted to the
-- group roles that need it (006_security.sql).
ALTER DEFAULT PRIVILEGES FOR ROLE cca_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- cca_auth holds the identity helpers that policies use. `auth` is the spec's (Supabase's)
-- name: created here with thin wrappers only when no such schema exists (see 004).
CREATE SCHEMA IF NOT EXISTS cca_auth AUTHORIZATION cca_owner;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        CREATE SCHEMA auth AUTHORIZATION cca_owner;
    END IF;
END
$$;
REVOKE ALL ON SCHEMA cca_auth FROM PUBLIC;
GRANT USAGE ON SCHEMA cca_auth TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- Clients (after SET ROLE) read the migration ledger for `cca doctor`; db/migrate.c creates it
-- before running this file.
DO $$
BEGIN
    IF to_regclass('public.schema_migrations') IS NOT NULL THEN
        GRANT SELECT ON public.schema_migrations
            TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
    END IF;
END
$$;

-- Full-text match that row-level security lets use a GIN index. Under RLS the planner may
-- evaluate a caller's condition before the policies only if it is LEAKPROOF, and the built-in
-- @@ (ts_match_vq) is not marked so: a learner's search would scan every row. This is the same
-- C function, declared leakproof (it raises no data-dependent error), as the operator
-- OPERATOR(public.@@) with its own GIN operator class. Created here because only a superuser
-- may declare a function leakproof; owned by the bootstrap superuser so no one else can
-- redefine it. Unqualified @@ still resolves to pg_catalog's.
CREATE FUNCTION public.cca_ts_match(tsvector, tsquery) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'ts_match_vq';
CREATE OPERATOR public.@@ (
    LEFTARG = tsvector, RIGHTARG = tsquery, FUNCTION = public.cca_ts_match,
    RESTRICT = tsmatchsel, JOIN = tsmatchjoinsel
);
CREATE OPERATOR CLASS public.cca_tsvector_ops FOR TYPE tsvector USING gin AS
    OPERATOR 1 public.@@ (tsvector, tsquery),
    FUNCTION 1 gin_cmp_tslexeme(text, text),
    FUNCTION 2 gin_extract_tsvector(tsvector, internal, internal),
    FUNCTION 3 gin_extract_tsquery(tsvector, internal, smallint, internal, internal, internal,
                                   internal),
    FUNCTION 4 gin_tsquery_consistent(internal, smallint, tsvector, integer, internal, internal,
                                      internal, internal),
    FUNCTION 5 gin_cmp_prefix(text, text, smallint, internal),
    FUNCTION 6 gin_tsquery_triconsistent(internal, smallint, tsvector, integer, internal,
                                         internal, internal),
    STORAGE text;

-- 004_functions: identity helpers, embedding metadata, retrieval, search, analytics and
-- recommendations. Every function pins search_path (pg_catalog first, pg_temp last). Query
-- functions are SECURITY INVOKER so row-level security applies to the caller; the few
-- SECURITY DEFINER ones are owned by cca_owner, which owns the tables without FORCE RLS, so they
-- never recurse into the policies that call them.
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Identity. A person is the users row whose db_role is the caller's current_user (the login
-- role, or the role taken with the demo's SET ROLE, which needs membership). Nothing here reads
-- a setting a client can change.
-- ---------------------------------------------------------------------------------------

-- The users row of role_name, only when the session's login role may act as that role
-- (it is that role, a member of it, or a superuser). Definer: reads users past RLS, which is
-- what keeps the policies that call it from recursing. The membership test stops a client
-- from looking up somebody else's identity by passing another role name.
CREATE FUNCTION cca_auth.identity(role_name text)
RETURNS TABLE (id text, email text, name text, app_role text, department text, db_role text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT u.id, u.email, u.name, u.role, u.department, u.db_role
    FROM public.users u
    JOIN pg_catalog.pg_roles r ON r.rolname = u.db_role
    WHERE u.db_role = role_name
      AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
$$;

-- The public helpers are SECURITY INVOKER on purpose: inside a definer function current_user
-- would be the owner, not the caller.
CREATE FUNCTION cca_auth.uid() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT i.id FROM cca_auth.identity(current_user::text) i $$;

CREATE FUNCTION cca_auth.role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN cca_auth.uid() IS NOT NULL THEN 'authenticated' ELSE 'anon' END $$;

CREATE FUNCTION cca_auth.app_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT i.app_role FROM cca_auth.identity(current_user::text) i $$;

CREATE FUNCTION cca_auth.department() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT i.department FROM cca_auth.identity(current_user::text) i $$;

-- The spec's auth.uid() / auth.role(), as wrappers, only in a schema `auth` that CCA created
-- (001). Where `auth` already belongs to someone else (Supabase) it is left untouched.
DO $$
BEGIN
    IF (SELECT nspowner FROM pg_namespace WHERE nspname = 'auth') = 'cca_owner'::regrole THEN
        CREATE FUNCTION auth.uid() RETURNS text LANGUAGE sql STABLE
            SET search_path = pg_catalog, pg_temp AS 'SELECT cca_auth.uid()';
        CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE
            SET search_path = pg_catalog, pg_temp AS 'SELECT cca_auth.role()';
        CREATE FUNCTION auth.app_role() RETURNS text LANGUAGE sql STABLE
            SET search_path = pg_catalog, pg_temp AS 'SELECT cca_auth.app_role()';
        CREATE FUNCTION auth.department() RETURNS text LANGUAGE sql STABLE
            SET search_path = pg_catalog, pg_temp AS 'SELECT cca_auth.department()';
    END IF;
END
$$;

-- Rows a client inserts default to the caller.
ALTER TABLE learning_progress ALTER COLUMN user_id SET DEFAULT cca_auth.uid();
ALTER TABLE conversations ALTER COLUMN user_id SET DEFAULT cca_auth.uid();
ALTER TABLE chat_messages ALTER COLUMN user_id SET DEFAULT cca_auth.uid();
ALTER TABLE recommendations ALTER COLUMN user_id SET DEFAULT cca_auth.uid();
ALTER TABLE learning_content ALTER COLUMN created_by SET DEFAULT cca_auth.uid();
ALTER TABLE assessments ALTER COLUMN created_by SET DEFAULT cca_auth.uid();

-- The caller's own users row (empty for a role not linked to anybody).
CREATE FUNCTION cca_whoami()
RETURNS TABLE (id text, email text, name text, role text, department text, db_role text)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT i.id, i.email, i.name, i.app_role, i.department, i.db_role
      FROM cca_auth.identity(current_user::text) i $$;

-- The login role of a person, for `cca --user EMAIL` (demo SET ROLE). Superuser only: no
-- grant, and EXECUTE is revoked from PUBLIC by default privileges.
CREATE FUNCTION cca_role_for_email(email text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT u.db_role FROM public.users u WHERE lower(u.email) = lower($1) $$;

-- ---------------------------------------------------------------------------------------
-- Embedding dimension and model (issue 3 "Embedding dimension").
-- ---------------------------------------------------------------------------------------

-- Internal: retype both embedding columns to vector(dim). Only valid while no embedding is
-- stored. The HNSW indexes (pgvector) are rebuilt; pgvector indexes at most 2000 dimensions,
-- above that search is exact. PLAIN storage only fits a heap page up to about 2000 dimensions.
CREATE FUNCTION cca_alter_embedding_dim(dim integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    has_pgvector boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector');
    storage text := CASE WHEN dim <= 2000 THEN 'PLAIN' ELSE 'EXTERNAL' END;
BEGIN
    IF dim IS NULL OR dim < 1 OR dim > 16000 THEN
        RAISE EXCEPTION 'embedding dimension must be between 1 and 16000, not %', dim
            USING ERRCODE = '22023';
    END IF;
    IF has_pgvector THEN
        DROP INDEX IF EXISTS public.idx_learning_content_embedding;
        DROP INDEX IF EXISTS public.idx_content_passages_embedding;
    END IF;
    EXECUTE format('ALTER TABLE public.learning_content ALTER COLUMN embedding TYPE vector(%s)'
                   ' USING NULL, ALTER COLUMN embedding SET STORAGE %s', dim, storage);
    EXECUTE format('ALTER TABLE public.content_passages ALTER COLUMN embedding TYPE vector(%s)'
                   ' USING NULL, ALTER COLUMN embedding SET STORAGE %s', dim, storage);
    IF has_pgvector AND dim <= 2000 THEN
        CREATE INDEX idx_learning_content_embedding ON public.learning_content
            USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX idx_content_passages_embedding ON public.content_passages
            USING hnsw (embedding vector_cosine_ops);
    END IF;
END
$$;

-- Records the embedder about to write embeddings. Accepted when it matches what is recorded, or
-- when nothing is stored yet (then a different dimension retypes the columns). Otherwise fails
-- with SQLSTATE CC001 and tells the user to run `cca reindex`.
CREATE FUNCTION cca_set_embed_meta(dim integer, model text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cur_dim integer;
    cur_model text;
    has_embeddings boolean;
BEGIN
    IF dim IS NULL OR dim < 1 OR dim > 16000 THEN
        RAISE EXCEPTION 'embedding dimension must be between 1 and 16000, not %', dim
            USING ERRCODE = '22023';
    END IF;
    IF model IS NULL OR btrim(model) = '' THEN
        RAISE EXCEPTION 'embedding model name is empty' USING ERRCODE = '22023';
    END IF;
    -- One writer at a time decides the metadata: concurrent ingests serialise here.
    SELECT value::integer INTO cur_dim FROM cca_settings WHERE key = 'embed_dim' FOR UPDATE;
    SELECT value INTO cur_model FROM cca_settings WHERE key = 'embed_model';
    cur_dim := coalesce(cur_dim, 1536);
    has_embeddings := EXISTS (SELECT 1 FROM learning_content WHERE embedding IS NOT NULL)
                   OR EXISTS (SELECT 1 FROM content_passages WHERE embedding IS NOT NULL);
    IF has_embeddings AND (dim <> cur_dim OR (cur_model IS NOT NULL AND cur_model <> model)) THEN
        RAISE EXCEPTION 'stored embeddings come from "%" (% dimensions) but the configured embedder is "%" (% dimensions): run `cca reindex` to re-embed all content with the configured model',
            coalesce(cur_model, 'unknown'), cur_dim, model, dim
            USING ERRCODE = 'CC001',
                  HINT = 'run `cca reindex` to re-embed all content with the configured model';
    END IF;
    IF dim <> cur_dim THEN
        PERFORM cca_alter_embedding_dim(dim);
    END IF;
    INSERT INTO cca_settings (key, value) VALUES ('embed_dim', dim::text), ('embed_model', model)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
END
$$;

-- `cca reindex`: forget every embedding, retype the columns to dim and record the new model.
-- Admins (and the superuser) only, by grant.
CREATE FUNCTION cca_reset_embeddings(dim integer, model text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cur_dim integer;
BEGIN
    IF model IS NULL OR btrim(model) = '' THEN
        RAISE EXCEPTION 'embedding model name is empty' USING ERRCODE = '22023';
    END IF;
    SELECT value::integer INTO cur_dim FROM cca_settings WHERE key = 'embed_dim' FOR UPDATE;
    UPDATE learning_content SET embedding = NULL WHERE embedding IS NOT NULL;
    UPDATE content_passages SET embedding = NULL WHERE embedding IS NOT NULL;
    IF dim IS DISTINCT FROM cur_dim THEN
        PERFORM cca_alter_embedding_dim(dim);
    END IF;
    INSERT INTO cca_settings (key, value) VALUES ('embed_dim', dim::text), ('embed_model', model)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('cca_settings', 'embed_model', 'reset_embeddings', NULL,
            jsonb_build_object('dim', dim, 'model', model, 'previous_dim', cur_dim));
END
$$;

-- ---------------------------------------------------------------------------------------
-- Vector retrieval. The query text is built here once so that the tests EXPLAIN exactly what
-- the functions run. Parameters: $1 query vector, $2 count, $3 content types, $4 threshold.
-- The inner query orders by distance ascending with a LIMIT known at plan time (EXECUTE plans
-- with the values): pgvector's HNSW index scan, or on the fallback a top-N heapsort over an
-- exact scan. The threshold applies after ordering so it cannot push the index off.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_match_sql(kind text, has_types boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind = 'documents' THEN
        RETURN 'SELECT m.id, m.title, m.content, m.content_type,'
            || ' (1 - m.distance)::float8 AS similarity, m.metadata'
            || ' FROM (SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata,'
            || ' lc.embedding <=> $1 AS distance'
            || ' FROM public.learning_content lc WHERE lc.embedding IS NOT NULL'
            || CASE WHEN has_types THEN ' AND lc.content_type = ANY ($3)' ELSE '' END
            || ' ORDER BY lc.embedding <=> $1 LIMIT $2) m'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    ELSIF kind = 'passages' THEN
        RETURN 'SELECT m.id, m.content_id, lc.title, lc.content_type, lc.source_path,'
            || ' m.heading, m.body, (1 - m.distance)::float8 AS similarity'
            || ' FROM (SELECT p.id, p.content_id, p.heading, p.body,'
            || ' p.embedding <=> $1 AS distance'
            || ' FROM public.content_passages p WHERE p.embedding IS NOT NULL'
            || CASE WHEN has_types THEN ' AND p.content_id IN (SELECT t.id FROM'
                   || ' public.learning_content t WHERE t.content_type = ANY ($3))' ELSE '' END
            || ' ORDER BY p.embedding <=> $1 LIMIT $2) m'
            || ' JOIN public.learning_content lc ON lc.id = m.content_id'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    END IF;
    RAISE EXCEPTION 'cca_match_sql: unknown kind %', kind USING ERRCODE = '22023';
END
$$;

-- pgvector settings for one query, only where pgvector defines them: iterative scans so that a
-- content-type filter still yields match_count rows, and ef_search at least the count.
CREATE FUNCTION cca_hnsw_tune(match_count integer, has_types boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF has_types AND current_setting('hnsw.iterative_scan', true) IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;
    IF match_count > 40 AND current_setting('hnsw.ef_search', true) IS NOT NULL THEN
        PERFORM set_config('hnsw.ef_search', least(match_count, 1000)::text, true);
    END IF;
END
$$;

CREATE FUNCTION match_documents(
    query_embedding vector,
    match_threshold float DEFAULT 0.7,
    match_count int DEFAULT 5,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (id text, title text, content text, content_type text, similarity float,
               metadata jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    has_types boolean := content_types IS NOT NULL;
    k integer := CASE WHEN match_count IS NOT NULL THEN least(match_count, 1000) END;
BEGIN
    IF query_embedding IS NULL OR k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    PERFORM cca_hnsw_tune(k, has_types);
    RETURN QUERY EXECUTE cca_match_sql('documents', has_types)
        USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;

CREATE FUNCTION match_passages(
    query_embedding vector,
    match_threshold float,
    match_count int,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, similarity float)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    has_types boolean := content_types IS NOT NULL;
    k integer := CASE WHEN match_count IS NOT NULL THEN least(match_count, 1000) END;
BEGIN
    IF query_embedding IS NULL OR k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    PERFORM cca_hnsw_tune(k, has_types);
    RETURN QUERY EXECUTE cca_match_sql('passages', has_types)
        USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Full-text search over the stored tsvectors (GIN).
-- ---------------------------------------------------------------------------------------

-- Documents: web-search syntax ("quoted phrases", -exclusions, AND by default). A document
-- whose title matches the query ranks above every body-only match; inside each group by
-- ts_rank_cd. relevance_score = title_match + rank / (1 + rank), so it is monotone with order.
CREATE FUNCTION search_learning_content(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (id text, title text, content text, content_type text, relevance_score float,
               metadata jsonb)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
-- the parser's "query contains only stop words" notices are not for the user's screen
SET client_min_messages = warning
AS $$
    SELECT lc.id, lc.title, lc.content, lc.content_type,
           ((ts_filter(lc.tsv, '{a}') @@ q.query)::int + r.rank / (1 + r.rank))::float8,
           lc.metadata
    FROM (SELECT websearch_to_tsquery('english', coalesce(search_query, '')) AS query) q
    JOIN public.learning_content lc ON lc.tsv OPERATOR(public.@@) q.query
    CROSS JOIN LATERAL (SELECT ts_rank_cd(lc.tsv, q.query)::float8 AS rank) r
    WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
    ORDER BY 5 DESC, lc.created_at DESC, lc.id
    LIMIT greatest(coalesce(limit_count, 20), 0)
$$;

-- Passages: an OR of the stemmed words of the query, so a question whose words are not all in
-- a passage still finds it by the others; ranked with ts_rank_cd (title and heading weigh A).
CREATE FUNCTION search_passages(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, relevance_score float)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
    SELECT p.id, p.content_id, lc.title, lc.content_type, lc.source_path, p.heading, p.body,
           ts_rank_cd(p.tsv, q.query)::float8
    FROM (SELECT CASE WHEN numnode(t) > 0 THEN replace(t::text, ' & ', ' | ')::tsquery END
                 AS query
          FROM plainto_tsquery('english', coalesce(search_query, '')) t) q
    JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) q.query
    JOIN public.learning_content lc ON lc.id = p.content_id
    WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
    ORDER BY 8 DESC, p.content_id, p.ordinal
    LIMIT greatest(coalesce(limit_count, 20), 0)
$$;

-- ---------------------------------------------------------------------------------------
-- Analytics and recommendations (the spec's contracts, bodies fixed; see README).
-- ---------------------------------------------------------------------------------------

-- Always exactly one row (aggregates without GROUP BY), zeros for a user without progress.
-- Runs as the caller: another user's figures are visible only where RLS lets the caller see
-- that user's rows. learning_velocity keeps the spec's meaning: average hours from start to
-- completion over the last 30 days, NULL when nothing was completed.
CREATE FUNCTION get_user_learning_analytics(user_id_param text)
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
           AND lp4.completed_at IS NOT NULL
           AND lp4.completed_at > now() - interval '30 days')
    FROM public.learning_progress lp
    WHERE lp.user_id = user_id_param
$$;

-- Skills and courses the user has not completed, scored by readiness:
--   in progress                          skill 0.85 / course 0.80  "Continue ..."
--   every prerequisite completed         skill 0.90 / course 0.75  "Prerequisites met ..."
--   no prerequisites                     skill 0.60 / course 0.55  foundational
--   some prerequisite not completed      skill 0.30 / course 0.25  "Complete ... first: names"
-- Up to ceil(n/2) of each kind are preferred, the rest fills from either, so limit 1 gives one
-- row. Ties: skills by level, courses by difficulty (beginner < intermediate < advanced).
CREATE FUNCTION generate_recommendations(user_id_param text, limit_count integer DEFAULT 10)
RETURNS TABLE (id text, type text, title text, description text, score float, reason text)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH mine AS (
        SELECT lp.skill_id, lp.course_id, lp.progress
        FROM public.learning_progress lp
        WHERE lp.user_id = user_id_param
    ),
    done AS (
        SELECT skill_id AS item_id FROM mine WHERE skill_id IS NOT NULL AND progress >= 100
        UNION
        SELECT course_id FROM mine WHERE course_id IS NOT NULL AND progress >= 100
    ),
    names AS (
        SELECT s.id, s.name FROM public.skills s
        UNION ALL
        SELECT c.id, c.title FROM public.courses c
    ),
    candidates AS (
        SELECT s.id, 'skill'::text AS type, s.name AS title, s.description,
               EXISTS (SELECT 1 FROM mine m WHERE m.skill_id = s.id) AS started,
               cardinality(coalesce(s.prerequisites, '{}')) AS prereq_count,
               s.prerequisites, s.level AS tie
        FROM public.skills s
        WHERE NOT EXISTS (SELECT 1 FROM done d WHERE d.item_id = s.id)
        UNION ALL
        SELECT c.id, 'course'::text, c.title, c.description,
               EXISTS (SELECT 1 FROM mine m WHERE m.course_id = c.id),
               cardinality(coalesce(c.prerequisites, '{}')),
               c.prerequisites,
               CASE c.difficulty WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2
                                 WHEN 'advanced' THEN 3 ELSE 4 END
        FROM public.courses c
        WHERE NOT EXISTS (SELECT 1 FROM done d WHERE d.item_id = c.id)
    ),
    scored AS (
        SELECT c.id, c.type, c.title, c.description, c.tie,
               CASE WHEN c.started THEN CASE c.type WHEN 'skill' THEN 0.85 ELSE 0.80 END
                    WHEN c.prereq_count = 0 THEN CASE c.type WHEN 'skill' THEN 0.60 ELSE 0.55 END
                    WHEN u.missing = 0 THEN CASE c.type WHEN 'skill' THEN 0.90 ELSE 0.75 END
                    ELSE CASE c.type WHEN 'skill' THEN 0.30 ELSE 0.25 END
               END::float8 AS score,
               CASE WHEN c.started THEN CASE c.type WHEN 'skill'
                                             THEN 'Continue developing this skill'
                                             ELSE 'Continue this course' END
                    WHEN c.prereq_count = 0 THEN CASE c.type WHEN 'skill'
                                             THEN 'A foundational skill with no prerequisites'
                                             ELSE 'Course matches your skill development goals' END
                    WHEN u.missing = 0 THEN 'Prerequisites met - ready to learn'
                    ELSE 'Complete the prerequisites first: ' || u.missing_names
               END AS reason
        FROM candidates c
        CROSS JOIN LATERAL (
            SELECT count(*) AS missing,
                   string_agg(coalesce(n.name, p.item), ', ' ORDER BY p.ord) AS missing_names
            FROM unnest(coalesce(c.prerequisites, '{}')) WITH ORDINALITY AS p(item, ord)
            LEFT JOIN names n ON n.id = p.item
            WHERE NOT EXISTS (SELECT 1 FROM done d WHERE d.item_id = p.item)
        ) u
    ),
    ranked AS (
        SELECT s.*, row_number() OVER (PARTITION BY s.type
                                       ORDER BY s.score DESC, s.tie, s.title) AS rn
        FROM scored s
    ),
    picked AS (
        SELECT r.* FROM ranked r
        ORDER BY (r.rn <= ceil(greatest(coalesce(limit_count, 10), 0) / 2.0)) DESC,
                 r.score DESC, r.rn, r.type
        LIMIT greatest(coalesce(limit_count, 10), 0)
    )
    SELECT p.id, p.type, p.title, p.description, p.score, p.reason
    FROM picked p
    ORDER BY p.score DESC, p.title ASC
$$;

-- ---------------------------------------------------------------------------------------
-- HR aggregate dashboard: per person of the caller's department (all departments for an
-- admin), counts and averages only, never chat text.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_auth.department_dashboard_for(role_name text)
RETURNS TABLE (user_id text, name text, email text, role text, department text,
               total_items integer, completed_items integer, avg_progress float,
               chat_messages_7d integer, assessments_taken integer,
               avg_assessment_score float, last_activity timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role IS NULL OR me.app_role NOT IN ('hr_manager', 'admin') THEN
        RAISE EXCEPTION 'the department dashboard is for HR managers and admins'
            USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT u.id, u.name, u.email, u.role, u.department,
           (SELECT count(*) FROM learning_progress lp WHERE lp.user_id = u.id)::integer,
           (SELECT count(*) FROM learning_progress lp
            WHERE lp.user_id = u.id AND lp.progress >= 100)::integer,
           (SELECT coalesce(avg(lp.progress), 0) FROM learning_progress lp
            WHERE lp.user_id = u.id)::float8,
           (SELECT count(*) FROM chat_messages cm
            WHERE cm.user_id = u.id AND cm.created_at > now() - interval '7 days')::integer,
           (SELECT count(*) FROM assessment_results ar WHERE ar.user_id = u.id)::integer,
           (SELECT avg(ar.score) FROM assessment_results ar WHERE ar.user_id = u.id)::float8,
           u.updated_at
    FROM users u
    WHERE me.app_role = 'admin'
       OR (me.department IS NOT NULL AND u.department = me.department)
    ORDER BY u.department, u.name;
END
$$;

CREATE FUNCTION department_dashboard()
RETURNS TABLE (user_id text, name text, email text, role text, department text,
               total_items integer, completed_items integer, avg_progress float,
               chat_messages_7d integer, assessments_taken integer,
               avg_assessment_score float, last_activity timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.department_dashboard_for(current_user::text) $$;

RESET ROLE;

-- 016_reindex: reindex to another embedder (model or dimension) the way Onyx does it: the new
-- embeddings are built beside the old ones in cca_auth.content_passages_next (typed with the
-- new dimension), in batches the client commits one by one, so an interrupted run continues
-- where it stopped; retrieval keeps answering from the old column meanwhile; when every
-- passage has its new embedding, one transaction swaps them in (passages, and each document's
-- vector as the normalised mean of its passages, as ingest computes it), records embed_dim /
-- embed_model and drops the side table. The target and start time live in cca_settings
-- (reindex.model, reindex.dim, reindex.started_at); progress is the side table's row count.
--
-- Public functions are SECURITY INVOKER wrappers passing current_user to definer bodies that
-- check cca_auth.require_admin (an admin, or the bootstrap superuser as itself):
--   cca_reindex_begin(dim, model) -> state   start, or resume the same target
--   cca_reindex_todo(batch)       -> (id, heading, body) of passages without a new embedding
--   cca_reindex_put(ids text[], vectors text[]) -> int   store new embeddings (upsert)
--   cca_reindex_finish()          -> state   the atomic switch (55000 while any is missing)
--   cca_reindex_abort()           -> state   forget the run; the old index stays
--   cca_reindex_state()           -> state   for doctor and the admin tab; every group
-- state: {"active", "model", "dim", "done", "total", "started_at",
--         "current": {"model", "dim"}, "resumed"?}
SET LOCAL ROLE cca_owner;

-- v scaled to unit length through real[] (no l2_normalize in older pgvector); NULL stays NULL
-- and a zero vector stays as it is.
CREATE FUNCTION cca_auth.unit_vector(v vector) RETURNS vector
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE WHEN n.norm > 0
                THEN (SELECT array_agg((x / n.norm)::real ORDER BY i)
                      FROM unnest(v::real[]) WITH ORDINALITY u(x, i))::vector
                ELSE v END
    FROM (SELECT sqrt(sum((x::float8) * x)) AS norm FROM unnest(v::real[]) x) n
$$;

CREATE FUNCTION cca_auth.reindex_state() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    s jsonb := (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM cca_settings
                WHERE key IN ('reindex.model', 'reindex.dim', 'reindex.started_at',
                              'embed_model', 'embed_dim'));
    is_active boolean := s ? 'reindex.model'
                         AND to_regclass('cca_auth.content_passages_next') IS NOT NULL;
    done bigint := 0;
BEGIN
    IF is_active THEN
        EXECUTE 'SELECT count(*) FROM cca_auth.content_passages_next' INTO done;
    END IF;
    RETURN jsonb_build_object(
        'active', is_active,
        'model', CASE WHEN is_active THEN s ->> 'reindex.model' END,
        'dim', CASE WHEN is_active THEN (s ->> 'reindex.dim')::int END,
        'started_at', CASE WHEN is_active THEN s ->> 'reindex.started_at' END,
        'done', done,
        'total', (SELECT count(*) FROM content_passages),
        'current', jsonb_build_object('model', s ->> 'embed_model',
                                      'dim', (s ->> 'embed_dim')::int));
END
$$;

CREATE FUNCTION cca_auth.reindex_begin_as(role_name text, dim integer, model text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    cur_model text;
    cur_dim integer;
    is_resumed boolean;
BEGIN
    IF dim IS NULL OR dim < 1 OR dim > 16000 THEN
        RAISE EXCEPTION 'embedding dimension must be between 1 and 16000, not %', dim
            USING ERRCODE = '22023';
    END IF;
    IF model IS NULL OR btrim(model) = '' THEN
        RAISE EXCEPTION 'embedding model name is empty' USING ERRCODE = '22023';
    END IF;
    -- One reindex decides at a time (and ingest's cca_set_embed_meta waits here too).
    PERFORM 1 FROM cca_settings WHERE key = 'embed_dim' FOR UPDATE;
    SELECT value INTO cur_model FROM cca_settings WHERE key = 'reindex.model';
    SELECT value::integer INTO cur_dim FROM cca_settings WHERE key = 'reindex.dim';
    is_resumed := cur_model = model AND cur_dim = dim
                  AND to_regclass('cca_auth.content_passages_next') IS NOT NULL;
    IF NOT is_resumed THEN
        DROP TABLE IF EXISTS cca_auth.content_passages_next;
        EXECUTE format('CREATE TABLE cca_auth.content_passages_next ('
                       ' passage_id text PRIMARY KEY'
                       '   REFERENCES public.content_passages (id) ON DELETE CASCADE,'
                       ' embedding vector(%s) NOT NULL)', dim);
        EXECUTE format('ALTER TABLE cca_auth.content_passages_next'
                       ' ALTER COLUMN embedding SET STORAGE %s',
                       CASE WHEN dim <= 2000 THEN 'PLAIN' ELSE 'EXTERNAL' END);
        REVOKE ALL ON cca_auth.content_passages_next FROM PUBLIC;
        ALTER TABLE cca_auth.content_passages_next ENABLE ROW LEVEL SECURITY;
        INSERT INTO cca_settings (key, value)
        VALUES ('reindex.model', model), ('reindex.dim', dim::text),
               ('reindex.started_at', now()::text)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
        INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
        VALUES ('cca_settings', 'reindex', 'reindex_started', actor,
                jsonb_build_object('model', model, 'dim', dim,
                                   'from', jsonb_build_object(
                                       'model', (SELECT value FROM cca_settings
                                                 WHERE key = 'embed_model'),
                                       'dim', (SELECT value::int FROM cca_settings
                                               WHERE key = 'embed_dim'))));
    END IF;
    RETURN cca_auth.reindex_state() || jsonb_build_object('resumed', is_resumed);
END
$$;

CREATE FUNCTION cca_auth.reindex_require_active() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF to_regclass('cca_auth.content_passages_next') IS NULL
       OR NOT EXISTS (SELECT 1 FROM cca_settings WHERE key = 'reindex.model') THEN
        RAISE EXCEPTION 'no reindex is in progress (cca reindex starts one)'
            USING ERRCODE = '55000';
    END IF;
END
$$;

CREATE FUNCTION cca_auth.reindex_todo_as(role_name text, batch integer)
RETURNS TABLE (id text, heading text, body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM cca_auth.require_admin(role_name);
    PERFORM cca_auth.reindex_require_active();
    RETURN QUERY EXECUTE
        'SELECT p.id, p.heading, p.body FROM public.content_passages p'
        ' WHERE NOT EXISTS (SELECT 1 FROM cca_auth.content_passages_next n'
        '                   WHERE n.passage_id = p.id)'
        ' ORDER BY p.id LIMIT $1'
        USING least(greatest(coalesce(batch, 64), 1), 1000);
END
$$;

CREATE FUNCTION cca_auth.reindex_put_as(role_name text, ids text[], vectors text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM cca_auth.require_admin(role_name);
    PERFORM cca_auth.reindex_require_active();
    IF cardinality(ids) IS DISTINCT FROM cardinality(vectors) THEN
        RAISE EXCEPTION 'ids and vectors differ in length' USING ERRCODE = '22023';
    END IF;
    -- The column's type checks the dimension; a passage deleted meanwhile is skipped.
    EXECUTE 'INSERT INTO cca_auth.content_passages_next (passage_id, embedding)'
            ' SELECT u.id, u.v::vector FROM unnest($1, $2) AS u(id, v)'
            ' JOIN public.content_passages p ON p.id = u.id'
            ' ON CONFLICT (passage_id) DO UPDATE SET embedding = EXCLUDED.embedding'
        USING ids, vectors;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The new embedding of a passage, for the switch's ALTER ... USING (a subquery is not allowed
-- there, a function call is).
CREATE FUNCTION cca_auth.reindex_passage_vector(passage_id text) RETURNS vector
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v vector;
BEGIN
    EXECUTE 'SELECT embedding FROM cca_auth.content_passages_next WHERE passage_id = $1'
        INTO v USING passage_id;
    RETURN v;
END
$$;

-- A document's new vector: the normalised mean of its passages' new embeddings (the sum,
-- with vector_add, which pgvector and cca_vector both define, points the same way).
CREATE FUNCTION cca_auth.reindex_document_vector(content_id text) RETURNS vector
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v vector;
    total vector;
BEGIN
    FOR v IN EXECUTE 'SELECT n.embedding FROM public.content_passages p'
                     ' JOIN cca_auth.content_passages_next n ON n.passage_id = p.id'
                     ' WHERE p.content_id = $1' USING content_id LOOP
        total := CASE WHEN total IS NULL THEN v ELSE public.vector_add(total, v) END;
    END LOOP;
    RETURN cca_auth.unit_vector(total);
END
$$;

CREATE FUNCTION cca_auth.reindex_finish_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    has_pgvector boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector');
    new_model text;
    new_dim integer;
    old jsonb;
    missing bigint;
    total bigint;
    storage text;
BEGIN
    PERFORM cca_auth.reindex_require_active();
    PERFORM 1 FROM cca_settings WHERE key = 'embed_dim' FOR UPDATE;
    -- Writers wait from here to the commit; readers until the ALTERs below take their lock.
    LOCK TABLE public.content_passages, public.learning_content IN SHARE ROW EXCLUSIVE MODE;
    EXECUTE 'SELECT count(*) FROM public.content_passages p WHERE NOT EXISTS'
            ' (SELECT 1 FROM cca_auth.content_passages_next n WHERE n.passage_id = p.id)'
        INTO missing;
    IF missing > 0 THEN
        RAISE EXCEPTION '% passages have no new embedding yet', missing
            USING ERRCODE = '55000', HINT = 'run cca reindex again to embed them';
    END IF;
    SELECT value INTO new_model FROM cca_settings WHERE key = 'reindex.model';
    SELECT value::integer INTO new_dim FROM cca_settings WHERE key = 'reindex.dim';
    old := jsonb_build_object(
        'model', (SELECT value FROM cca_settings WHERE key = 'embed_model'),
        'dim', (SELECT value::int FROM cca_settings WHERE key = 'embed_dim'));
    SELECT count(*) INTO total FROM content_passages;
    storage := CASE WHEN new_dim <= 2000 THEN 'PLAIN' ELSE 'EXTERNAL' END;
    IF has_pgvector THEN
        DROP INDEX IF EXISTS public.idx_learning_content_embedding;
        DROP INDEX IF EXISTS public.idx_content_passages_embedding;
    END IF;
    -- Documents first: their vectors are computed from the side table.
    EXECUTE format('ALTER TABLE public.learning_content ALTER COLUMN embedding TYPE vector(%s)'
                   ' USING cca_auth.reindex_document_vector(id),'
                   ' ALTER COLUMN embedding SET STORAGE %s', new_dim, storage);
    EXECUTE format('ALTER TABLE public.content_passages ALTER COLUMN embedding TYPE vector(%s)'
                   ' USING cca_auth.reindex_passage_vector(id),'
                   ' ALTER COLUMN embedding SET STORAGE %s', new_dim, storage);
    IF has_pgvector AND new_dim <= 2000 THEN
        CREATE INDEX idx_learning_content_embedding ON public.learning_content
            USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX idx_content_passages_embedding ON public.content_passages
            USING hnsw (embedding vector_cosine_ops);
    END IF;
    INSERT INTO cca_settings (key, value)
    VALUES ('embed_dim', new_dim::text), ('embed_model', new_model)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    DELETE FROM cca_settings WHERE key IN ('reindex.model', 'reindex.dim', 'reindex.started_at');
    DROP TABLE cca_auth.content_passages_next;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('cca_settings', 'reindex', 'reindexed', actor,
            jsonb_build_object('from', old, 'to', jsonb_build_object('model', new_model,
                                                                    'dim', new_dim),
                               'passages', total));
    RETURN cca_auth.reindex_state() || jsonb_build_object('switched', true, 'previous', old);
END
$$;

CREATE FUNCTION cca_auth.reindex_abort_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    actor text := cca_auth.require_admin(role_name);
    target jsonb := cca_auth.reindex_state();
BEGIN
    PERFORM 1 FROM cca_settings WHERE key = 'embed_dim' FOR UPDATE;
    DROP TABLE IF EXISTS cca_auth.content_passages_next;
    DELETE FROM cca_settings WHERE key IN ('reindex.model', 'reindex.dim', 'reindex.started_at');
    IF (target ->> 'active')::boolean THEN
        INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
        VALUES ('cca_settings', 'reindex', 'reindex_aborted', actor,
                jsonb_build_object('model', target ->> 'model', 'dim', target -> 'dim',
                                   'done', target -> 'done'));
    END IF;
    RETURN cca_auth.reindex_state();
END
$$;

-- The public wrappers: the caller's role goes to the definer bodies.
-- The state holds only counts and model names (cca_settings is readable by every group).
CREATE FUNCTION cca_reindex_state() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.reindex_state() $$;
CREATE FUNCTION cca_reindex_begin(dim integer, model text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.reindex_begin_as(current_user::text, $1, $2) $$;
CREATE FUNCTION cca_reindex_todo(batch integer DEFAULT 64)
RETURNS TABLE (id text, heading text, body text)
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT * FROM cca_auth.reindex_todo_as(current_user::text, $1) $$;
CREATE FUNCTION cca_reindex_put(ids text[], vectors text[]) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.reindex_put_as(current_user::text, $1, $2) $$;
CREATE FUNCTION cca_reindex_finish() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.reindex_finish_as(current_user::text) $$;
CREATE FUNCTION cca_reindex_abort() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.reindex_abort_as(current_user::text) $$;

REVOKE ALL ON FUNCTION cca_auth.reindex_state(),
    cca_auth.reindex_begin_as(text, integer, text), cca_auth.reindex_require_active(),
    cca_auth.reindex_todo_as(text, integer), cca_auth.reindex_put_as(text, text[], text[]),
    cca_auth.reindex_passage_vector(text), cca_auth.reindex_document_vector(text),
    cca_auth.reindex_finish_as(text), cca_auth.reindex_abort_as(text),
    cca_reindex_state(), cca_reindex_begin(integer, text), cca_reindex_todo(integer),
    cca_reindex_put(text[], text[]), cca_reindex_finish(), cca_reindex_abort()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_reindex_state()
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION
    cca_reindex_begin(integer, text), cca_auth.reindex_begin_as(text, integer, text),
    cca_reindex_todo(integer), cca_auth.reindex_todo_as(text, integer),
    cca_reindex_put(text[], text[]), cca_auth.reindex_put_as(text, text[], text[]),
    cca_reindex_finish(), cca_auth.reindex_finish_as(text),
    cca_reindex_abort(), cca_auth.reindex_abort_as(text)
    TO cca_admin;

RESET ROLE;

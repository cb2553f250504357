-- 013_content: the database half of the trainer's Content tab (issue 14): content written in
-- the application with optimistic concurrency, passages re-chunked by the client and
-- re-embedded only where their text changed, archiving, the feedback loop (a learner marks an
-- answer helpful or not; the trainer sees the unhelpful answers that cited their content,
-- never who asked), review dates, and assessment authoring.
--
-- Writes are SECURITY INVOKER functions: row-level security (006) decides who may change what
-- (trainers their own content and assessments, admins everything) and the audit trigger
-- (010) records changes to shared rows. Reads that need figures across people (how often an
-- item was cited, thumbs-down counts, owners' names) are DEFINER bodies in cca_auth behind
-- INVOKER wrappers that pass current_user (010's pattern), open to trainers and admins only,
-- and return aggregates or content, never a learner's identity or question.
-- JSON shapes: tests/db/README.md "Content API". Errors: 42501 not yours / not a trainer,
-- P0002 no such item, 22023 bad input (the message says which field and why).
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Schema
-- ---------------------------------------------------------------------------------------

-- version: bumped by the server on every change of what a reader sees (title, text, type,
-- metadata, review date, archived); a save names the version it started from and is refused
-- when another save came first. updated_by: who made that change (NULL for the superuser).
-- review_by: when the content should be checked again; archived_at: withdrawn from retrieval
-- (its passages are removed) but kept and restorable.
ALTER TABLE learning_content
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN review_by DATE,
    ADD COLUMN archived_at TIMESTAMP WITH TIME ZONE;

-- The passage's identity for re-embedding: a passage whose heading and text are unchanged
-- keeps its row, id and embedding across saves.
ALTER TABLE content_passages
    ADD COLUMN embed_hash TEXT GENERATED ALWAYS AS
        (md5(coalesce(heading, '') || E'\n\n' || body)) STORED;
CREATE INDEX idx_content_passages_unembedded ON content_passages (content_id)
    WHERE embedding IS NULL;

CREATE FUNCTION learning_content_versioning() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        NEW.updated_by := coalesce(cca_auth.uid(), NEW.created_by);
        RETURN NEW;
    END IF;
    -- never taken from the writer (clearing updated_by is allowed: ON DELETE SET NULL)
    NEW.version := OLD.version;
    IF NEW.updated_by IS NOT NULL THEN
        NEW.updated_by := OLD.updated_by;
    END IF;
    IF NEW.title IS DISTINCT FROM OLD.title OR NEW.content IS DISTINCT FROM OLD.content
       OR NEW.content_type IS DISTINCT FROM OLD.content_type
       OR NEW.metadata IS DISTINCT FROM OLD.metadata
       OR NEW.review_by IS DISTINCT FROM OLD.review_by
       OR NEW.archived_at IS DISTINCT FROM OLD.archived_at THEN
        NEW.version := OLD.version + 1;
        NEW.updated_by := cca_auth.uid();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER learning_content_versioning_trigger BEFORE INSERT OR UPDATE ON learning_content
    FOR EACH ROW EXECUTE FUNCTION learning_content_versioning();

-- A learner's verdict on one answer: helpful or not, with an optional short reason. One per
-- answer; only the asker writes or reads it (admins read, as they read chats).
CREATE TABLE message_feedback (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    message_id TEXT NOT NULL UNIQUE REFERENCES chat_messages(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL DEFAULT cca_auth.uid() REFERENCES users(id) ON DELETE CASCADE,
    helpful BOOLEAN NOT NULL,
    reason TEXT CHECK (char_length(reason) <= 280),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
CREATE INDEX idx_message_feedback_unhelpful ON message_feedback (message_id) WHERE NOT helpful;
CREATE TRIGGER update_message_feedback_updated_at BEFORE UPDATE ON message_feedback
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

ALTER TABLE message_feedback ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON message_feedback FROM PUBLIC;
GRANT SELECT, DELETE ON message_feedback TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT INSERT (message_id, helpful, reason), UPDATE (helpful, reason) ON message_feedback
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

CREATE POLICY message_feedback_select_own ON message_feedback FOR SELECT
    USING (user_id = (SELECT cca_auth.uid()));
CREATE POLICY message_feedback_select_admin ON message_feedback FOR SELECT
    USING ((SELECT cca_auth.app_role()) = 'admin');
CREATE POLICY message_feedback_insert_own ON message_feedback FOR INSERT
    WITH CHECK (user_id = (SELECT cca_auth.uid())
                AND EXISTS (SELECT 1 FROM chat_messages m
                            WHERE m.id = message_feedback.message_id
                              AND m.user_id = (SELECT cca_auth.uid())));
CREATE POLICY message_feedback_update_own ON message_feedback FOR UPDATE
    USING (user_id = (SELECT cca_auth.uid()))
    WITH CHECK (user_id = (SELECT cca_auth.uid()));
CREATE POLICY message_feedback_delete_own ON message_feedback FOR DELETE
    USING (user_id = (SELECT cca_auth.uid()));

-- ---------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------

-- The caller's id and role when the caller is a trainer or an admin (or the superuser itself:
-- id NULL, role 'admin'), else 42501.
CREATE FUNCTION cca_auth.require_author(role_name text, OUT id text, OUT app_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
BEGIN
    SELECT * INTO me FROM cca_auth.identity(role_name);
    IF me.app_role IN ('trainer', 'admin') THEN
        id := me.id;
        app_role := me.app_role;
        RETURN;
    END IF;
    IF role_name = session_user::text
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = role_name) THEN
        id := NULL;
        app_role := 'admin';
        RETURN;
    END IF;
    RAISE EXCEPTION 'only trainers and admins author content' USING ERRCODE = '42501';
END
$$;

-- Whether the caller (invoker) may change content created by owner.
CREATE FUNCTION cca_content_can_edit(owner text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(cca_auth.app_role() = 'admin', false)
        OR coalesce(cca_auth.app_role() = 'trainer' AND owner = cca_auth.uid(), false)
        OR (cca_auth.uid() IS NULL AND (SELECT rolsuper FROM pg_roles
                                        WHERE rolname = current_user))
$$;

-- Skills of a content item from its metadata: "skills" (an array) and the seed's "skill_id".
CREATE FUNCTION cca_content_skills(meta jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(DISTINCT s), '[]'::jsonb)
    FROM (SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(meta->'skills') = 'array'
                                                THEN meta->'skills' ELSE '[]' END) AS s
          UNION
          SELECT meta->>'skill_id' WHERE meta->>'skill_id' IS NOT NULL) x
$$;

-- ---------------------------------------------------------------------------------------
-- Reads (trainers and admins)
-- ---------------------------------------------------------------------------------------

-- cca_content_list() -> {"today", "role", "items": [{id, title, content_type, difficulty,
-- skills, owner (name or null), is_mine, can_edit, version, updated_at, review_by, is_due,
-- archived, source_path, passages, unembedded, cited_30d, unhelpful}]}, by title.
-- cited_30d: answers of the last 30 days (anybody's) whose sources include the item;
-- unhelpful: answers marked not helpful that cited it. Counts only.
CREATE FUNCTION cca_auth.content_list_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    items jsonb;
BEGIN
    SELECT * INTO me FROM cca_auth.require_author(role_name);
    WITH cited AS (
        SELECT e->>'content_id' AS cid, count(DISTINCT m.id) AS n
        FROM chat_messages m
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(m.sources) = 'array'
                                                     THEN m.sources ELSE '[]' END) e
        WHERE m.created_at > now() - interval '30 days'
        GROUP BY 1
    ), down AS (
        SELECT e->>'content_id' AS cid, count(DISTINCT m.id) AS n
        FROM message_feedback f
        JOIN chat_messages m ON m.id = f.message_id
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(m.sources) = 'array'
                                                     THEN m.sources ELSE '[]' END) e
        WHERE NOT f.helpful
        GROUP BY 1
    ), pas AS (
        SELECT p.content_id, count(*) AS n, count(*) FILTER (WHERE p.embedding IS NULL) AS missing
        FROM content_passages p GROUP BY 1
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', lc.id, 'title', lc.title, 'content_type', lc.content_type,
               'difficulty', lc.metadata->>'difficulty',
               'skills', cca_content_skills(lc.metadata),
               'owner', u.name,
               'is_mine', me.id IS NOT NULL AND lc.created_by = me.id,
               'can_edit', me.app_role = 'admin' OR (me.id IS NOT NULL AND lc.created_by = me.id),
               'version', lc.version, 'updated_at', lc.updated_at, 'review_by', lc.review_by,
               'is_due', lc.review_by IS NOT NULL AND lc.review_by <= current_date,
               'archived', lc.archived_at IS NOT NULL, 'source_path', lc.source_path,
               'passages', coalesce(pas.n, 0), 'unembedded', coalesce(pas.missing, 0),
               'cited_30d', coalesce(cited.n, 0), 'unhelpful', coalesce(down.n, 0))
             ORDER BY lower(lc.title), lc.id), '[]'::jsonb)
    INTO items
    FROM learning_content lc
    LEFT JOIN users u ON u.id = lc.created_by
    LEFT JOIN pas ON pas.content_id = lc.id
    LEFT JOIN cited ON cited.cid = lc.id
    LEFT JOIN down ON down.cid = lc.id;
    RETURN jsonb_build_object('today', current_date, 'role', me.app_role, 'items', items);
END
$$;

CREATE FUNCTION cca_content_list() RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.content_list_as(current_user::text) $$;

-- cca_content_get(id) -> {id, title, content_type, body, difficulty, skills, prerequisites,
-- review_by, is_due, version, updated_at, updated_by (name), owner (name), can_edit, archived,
-- source_path}. P0002 when there is no such item.
CREATE FUNCTION cca_auth.content_get_as(role_name text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    doc jsonb;
BEGIN
    SELECT * INTO me FROM cca_auth.require_author(role_name);
    SELECT jsonb_build_object(
               'id', lc.id, 'title', lc.title, 'content_type', lc.content_type,
               'body', lc.content, 'difficulty', lc.metadata->>'difficulty',
               'skills', cca_content_skills(lc.metadata),
               'prerequisites', coalesce(CASE WHEN jsonb_typeof(lc.metadata->'prerequisites') = 'array'
                                              THEN lc.metadata->'prerequisites' END, '[]'),
               'review_by', lc.review_by,
               'is_due', lc.review_by IS NOT NULL AND lc.review_by <= current_date,
               'version', lc.version, 'updated_at', lc.updated_at,
               'updated_by', ub.name, 'owner', ow.name,
               'can_edit', me.app_role = 'admin' OR (me.id IS NOT NULL AND lc.created_by = me.id),
               'archived', lc.archived_at IS NOT NULL, 'source_path', lc.source_path)
    INTO doc
    FROM learning_content lc
    LEFT JOIN users ub ON ub.id = lc.updated_by
    LEFT JOIN users ow ON ow.id = lc.created_by
    WHERE lc.id = p_id;
    IF doc IS NULL THEN
        RAISE EXCEPTION 'no such content: %', p_id USING ERRCODE = 'P0002';
    END IF;
    RETURN doc;
END
$$;

CREATE FUNCTION cca_content_get(id text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.content_get_as(current_user::text, id) $$;

-- cca_content_feedback(id) -> {"items": [{day, answer, reason, passage_id, passage, heading,
-- still_current}]}: the answers marked not helpful that cited the item, newest first (at most
-- 200), with the passage they cited (as it was then; still_current when that passage is
-- still in the item). For the item's owner and admins only. Never the asker, their id, their
-- question or the exact time: the answer text and the cited passage are the trainer's to fix.
CREATE FUNCTION cca_auth.content_feedback_as(role_name text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    owner text;
    items jsonb;
BEGIN
    SELECT * INTO me FROM cca_auth.require_author(role_name);
    SELECT lc.created_by INTO owner FROM learning_content lc WHERE lc.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such content: %', p_id USING ERRCODE = 'P0002';
    END IF;
    IF me.app_role <> 'admin' AND owner IS DISTINCT FROM me.id THEN
        RAISE EXCEPTION 'feedback is shown to the content''s owner only' USING ERRCODE = '42501';
    END IF;
    SELECT coalesce(jsonb_agg(x.item ORDER BY x.at DESC), '[]'::jsonb) INTO items
    FROM (SELECT f.created_at AS at,
                 jsonb_build_object(
                     'day', (f.created_at AT TIME ZONE 'UTC')::date,
                     'answer', left(m.response, 4000),
                     'reason', f.reason,
                     'passage_id', e->>'passage_id',
                     'passage', left(coalesce(e->>'passage', p.body), 4000),
                     'heading', p.heading,
                     'still_current', p.id IS NOT NULL) AS item
          FROM message_feedback f
          JOIN chat_messages m ON m.id = f.message_id
          CROSS JOIN LATERAL (
              SELECT el AS e FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.sources) = 'array'
                                                            THEN m.sources ELSE '[]' END) el
              WHERE el->>'content_id' = p_id LIMIT 1) s
          LEFT JOIN content_passages p ON p.id = s.e->>'passage_id' AND p.content_id = p_id
          WHERE NOT f.helpful
          ORDER BY f.created_at DESC
          LIMIT 200) x;
    RETURN jsonb_build_object('items', items);
END
$$;

CREATE FUNCTION cca_content_feedback(id text) RETURNS jsonb
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT cca_auth.content_feedback_as(current_user::text, id) $$;

-- ---------------------------------------------------------------------------------------
-- Writes (INVOKER: row-level security applies)
-- ---------------------------------------------------------------------------------------

-- Replaces the passages of one item with passages ([{heading, body}] in order), keeping the
-- rows (ids and embeddings) of passages whose heading and text are unchanged. Returns
-- {"passages": n, "kept": k, "pending": [{id, ordinal}]}: the passages still to embed.
CREATE FUNCTION cca_content_put_passages(p_id text, passages jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n integer;
    kept integer;
    pending jsonb;
    plan jsonb;
BEGIN
    IF jsonb_typeof(passages) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'passages must be a JSON array' USING ERRCODE = '22023';
    END IF;
    n := jsonb_array_length(passages);
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(passages) e
               WHERE coalesce(btrim(e->>'body'), '') = '') THEN
        RAISE EXCEPTION 'a passage has no text' USING ERRCODE = '22023';
    END IF;
    -- new passage k (0-based) takes the row of the j-th old passage with the same hash when
    -- it is the j-th new occurrence of that hash
    WITH nw AS (
        SELECT (x.ord - 1)::integer AS ord, nullif(x.e->>'heading', '') AS heading,
               x.e->>'body' AS body,
               md5(coalesce(nullif(x.e->>'heading', ''), '') || E'\n\n' || (x.e->>'body')) AS hash
        FROM jsonb_array_elements(passages) WITH ORDINALITY x(e, ord)
    ), nwk AS (
        SELECT nw.*, row_number() OVER (PARTITION BY nw.hash ORDER BY nw.ord) AS k FROM nw
    ), od AS (
        SELECT p.id, p.embed_hash AS hash,
               row_number() OVER (PARTITION BY p.embed_hash ORDER BY p.ordinal) AS k
        FROM content_passages p WHERE p.content_id = p_id
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object('ord', nwk.ord, 'heading', nwk.heading,
                                                 'body', nwk.body, 'old_id', od.id)), '[]')
    INTO plan
    FROM nwk LEFT JOIN od ON od.hash = nwk.hash AND od.k = nwk.k;

    DELETE FROM content_passages p
    WHERE p.content_id = p_id
      AND p.id NOT IN (SELECT c.old_id FROM jsonb_to_recordset(plan) c(old_id text)
                       WHERE c.old_id IS NOT NULL);
    -- move kept passages out of the way first: (content_id, ordinal) is unique at every row
    UPDATE content_passages p SET ordinal = c.ord + n + 1000000
    FROM jsonb_to_recordset(plan) c(ord integer, old_id text)
    WHERE c.old_id = p.id AND p.ordinal <> c.ord;
    UPDATE content_passages p SET ordinal = c.ord
    FROM jsonb_to_recordset(plan) c(ord integer, old_id text)
    WHERE c.old_id = p.id AND p.ordinal <> c.ord;
    INSERT INTO content_passages (content_id, ordinal, heading, body)
    SELECT p_id, c.ord, c.heading, c.body
    FROM jsonb_to_recordset(plan) c(ord integer, heading text, body text, old_id text)
    WHERE c.old_id IS NULL;
    SELECT count(*) INTO kept FROM jsonb_to_recordset(plan) c(old_id text)
    WHERE c.old_id IS NOT NULL;
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'ordinal', p.ordinal)
                              ORDER BY p.ordinal), '[]'::jsonb)
    INTO pending
    FROM content_passages p WHERE p.content_id = p_id AND p.embedding IS NULL;
    RETURN jsonb_build_object('passages', n, 'kept', kept, 'pending', pending);
END
$$;

-- Checks and normalises an item document; raises 22023 naming the field.
CREATE FUNCTION cca_content_check(doc jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF coalesce(btrim(doc->>'title'), '') = '' THEN
        RAISE EXCEPTION 'title: a title is required' USING ERRCODE = '22023';
    END IF;
    IF char_length(doc->>'title') > 200 THEN
        RAISE EXCEPTION 'title: at most 200 characters' USING ERRCODE = '22023';
    END IF;
    IF coalesce(doc->>'content_type', '') NOT IN
       ('course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference') THEN
        RAISE EXCEPTION 'type: one of course, lesson, skill, assessment, tutorial, reference'
            USING ERRCODE = '22023';
    END IF;
    IF coalesce(btrim(doc->>'body'), '') = '' THEN
        RAISE EXCEPTION 'body: the text is empty' USING ERRCODE = '22023';
    END IF;
    IF octet_length(doc->>'body') > 4 * 1024 * 1024 THEN
        RAISE EXCEPTION 'body: at most 4 MiB' USING ERRCODE = '22023';
    END IF;
    IF doc->>'difficulty' IS NOT NULL
       AND doc->>'difficulty' NOT IN ('beginner', 'intermediate', 'advanced') THEN
        RAISE EXCEPTION 'difficulty: beginner, intermediate or advanced' USING ERRCODE = '22023';
    END IF;
    IF doc->>'review_by' IS NOT NULL AND doc->>'review_by' !~ '^\d{4}-\d{2}-\d{2}$' THEN
        RAISE EXCEPTION 'review by: a date as YYYY-MM-DD' USING ERRCODE = '22023';
    END IF;
    IF (doc ? 'skills' AND jsonb_typeof(doc->'skills') NOT IN ('array', 'null'))
       OR (doc ? 'prerequisites' AND jsonb_typeof(doc->'prerequisites') NOT IN ('array', 'null')) THEN
        RAISE EXCEPTION 'skills and prerequisites are lists' USING ERRCODE = '22023';
    END IF;
END
$$;

-- cca_content_save(id, version, doc) -> jsonb. doc: {title, content_type, body, difficulty,
-- skills [ids], prerequisites [ids], review_by "YYYY-MM-DD"|null, passages [{heading, body}]}.
-- id NULL creates an item owned by the caller. Otherwise version must be the one the editor
-- started from: when another save came first nothing is written and the reply is
-- {"conflict": true, "current": <cca_content_get document>}. On success:
-- {"id", "version", "updated_at", "passages", "kept", "pending": [{id, ordinal}]}: pending
-- passages have no embedding yet (cca_content_embed fills them). Another person's item:
-- 42501 (trainers change only their own); unknown id: P0002; bad fields: 22023.
CREATE FUNCTION cca_content_save(id text, version integer, doc jsonb) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    p_id text := id;
    p_version integer := version;
    cur learning_content;
    meta jsonb;
    new_version integer;
    new_updated timestamptz;
    parts jsonb;
    review date;
BEGIN
    PERFORM cca_content_check(doc);
    review := (doc->>'review_by')::date;
    meta := jsonb_strip_nulls(jsonb_build_object(
        'difficulty', doc->>'difficulty',
        'skills', CASE WHEN jsonb_typeof(doc->'skills') = 'array' THEN doc->'skills' END,
        'prerequisites', CASE WHEN jsonb_typeof(doc->'prerequisites') = 'array'
                              THEN doc->'prerequisites' END));
    IF p_id IS NULL THEN
        IF NOT cca_content_can_edit(cca_auth.uid()) THEN
            RAISE EXCEPTION 'only trainers and admins write content' USING ERRCODE = '42501';
        END IF;
        INSERT INTO learning_content AS lc (title, content, content_type, metadata, created_by,
                                            source_service, review_by)
        VALUES (btrim(doc->>'title'), doc->>'body', doc->>'content_type', meta, cca_auth.uid(),
                'cca-editor', review)
        RETURNING lc.id, lc.version, lc.updated_at INTO p_id, new_version, new_updated;
    ELSE
        SELECT * INTO cur FROM learning_content lc WHERE lc.id = p_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such content: %', p_id USING ERRCODE = 'P0002';
        END IF;
        IF NOT cca_content_can_edit(cur.created_by) THEN
            RAISE EXCEPTION 'this content is not yours: you can read it but not change it'
                USING ERRCODE = '42501';
        END IF;
        UPDATE learning_content lc
        SET title = btrim(doc->>'title'), content = doc->>'body',
            content_type = doc->>'content_type',
            metadata = coalesce(lc.metadata, '{}'::jsonb) - 'difficulty' - 'skills'
                       - 'prerequisites' || meta,
            review_by = review, archived_at = NULL
        WHERE lc.id = p_id AND lc.version = p_version
        RETURNING lc.version, lc.updated_at INTO new_version, new_updated;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('conflict', true,
                                      'current', cca_content_get(p_id));
        END IF;
    END IF;
    parts := cca_content_put_passages(p_id, coalesce(doc->'passages', '[]'::jsonb));
    RETURN jsonb_build_object('id', p_id, 'version', new_version, 'updated_at', new_updated)
           || parts;
END
$$;

-- cca_content_embed(ids, vectors) -> integer: stores the embeddings (vector text literals) of
-- passages that have none yet; returns how many were stored. A passage that was replaced by a
-- later save in the meantime is simply not found.
CREATE FUNCTION cca_content_embed(ids text[], vectors text[]) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    IF coalesce(array_length(ids, 1), 0) <> coalesce(array_length(vectors, 1), 0) THEN
        RAISE EXCEPTION 'one vector per passage' USING ERRCODE = '22023';
    END IF;
    UPDATE content_passages p SET embedding = v.e::vector
    FROM unnest(ids, vectors) v(id, e)
    WHERE p.id = v.id AND p.embedding IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- cca_content_embed_doc(id, version, vector) -> boolean: the item's own vector (the spec's
-- match_documents), stored when the item is still at that version.
CREATE FUNCTION cca_content_embed_doc(id text, version integer, vec text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE learning_content lc SET embedding = vec::vector
    WHERE lc.id = cca_content_embed_doc.id AND lc.version = cca_content_embed_doc.version
      AND lc.archived_at IS NULL;
    RETURN FOUND;
END
$$;

-- cca_content_unembedded(mine_only) -> {"items": [{id, version, title, body (only when the
-- item has no passages at all and must be chunked), doc (the item's own vector is missing),
-- pending: [{id, heading, body}]}]}: what is not searchable yet, at most 100 items (run again
-- until empty). Archived items are left out. mine_only: the caller's own items.
CREATE FUNCTION cca_content_unembedded(mine_only boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(x.item ORDER BY x.id), '[]'::jsonb))
    FROM (SELECT lc.id, jsonb_build_object(
                     'id', lc.id, 'version', lc.version, 'title', lc.title,
                     'body', CASE WHEN NOT EXISTS (SELECT 1 FROM content_passages p
                                                   WHERE p.content_id = lc.id)
                                  THEN lc.content END,
                     'doc', lc.embedding IS NULL,
                     'pending', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                     'id', p.id, 'heading', p.heading, 'body', p.body)
                                     ORDER BY p.ordinal), '[]'::jsonb)
                                 FROM content_passages p
                                 WHERE p.content_id = lc.id AND p.embedding IS NULL)) AS item
          FROM learning_content lc
          WHERE lc.archived_at IS NULL
            AND (NOT mine_only OR lc.created_by = cca_auth.uid())
            AND (lc.embedding IS NULL
                 OR NOT EXISTS (SELECT 1 FROM content_passages p WHERE p.content_id = lc.id)
                 OR EXISTS (SELECT 1 FROM content_passages p
                            WHERE p.content_id = lc.id AND p.embedding IS NULL))
          ORDER BY lc.id
          LIMIT 100) x
$$;

-- cca_content_unembedded_count() -> {"items", "passages"}: for `cca doctor`.
CREATE FUNCTION cca_content_unembedded_count() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'items', (SELECT count(*) FROM learning_content lc
                  WHERE lc.archived_at IS NULL
                    AND (lc.embedding IS NULL
                         OR NOT EXISTS (SELECT 1 FROM content_passages p
                                        WHERE p.content_id = lc.id)
                         OR EXISTS (SELECT 1 FROM content_passages p
                                    WHERE p.content_id = lc.id AND p.embedding IS NULL))),
        'passages', (SELECT count(*) FROM content_passages p WHERE p.embedding IS NULL))
$$;

-- cca_content_archive(id, version, archived) -> {"version"}: archiving withdraws the item from
-- retrieval (its passages and vector are removed; the text stays); restoring needs a save
-- (which re-chunks). Same refusals as a save; a stale version is a conflict (CC001).
CREATE FUNCTION cca_content_archive(id text, version integer, archived boolean) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cur learning_content;
    v integer;
BEGIN
    SELECT * INTO cur FROM learning_content lc WHERE lc.id = cca_content_archive.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such content: %', cca_content_archive.id USING ERRCODE = 'P0002';
    END IF;
    IF NOT cca_content_can_edit(cur.created_by) THEN
        RAISE EXCEPTION 'this content is not yours: you can read it but not change it'
            USING ERRCODE = '42501';
    END IF;
    UPDATE learning_content lc
    SET archived_at = CASE WHEN archived THEN coalesce(lc.archived_at, now()) END,
        embedding = CASE WHEN archived THEN NULL ELSE lc.embedding END
    WHERE lc.id = cur.id AND lc.version = cca_content_archive.version
    RETURNING lc.version INTO v;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'someone else changed this content meanwhile: reload it'
            USING ERRCODE = 'CC001';
    END IF;
    IF archived THEN
        DELETE FROM content_passages p WHERE p.content_id = cur.id;
    END IF;
    RETURN jsonb_build_object('version', v);
END
$$;

-- cca_content_delete(id, version) -> boolean: removes the item for good (its passages too).
CREATE FUNCTION cca_content_delete(id text, version integer) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    cur learning_content;
BEGIN
    SELECT * INTO cur FROM learning_content lc WHERE lc.id = cca_content_delete.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such content: %', cca_content_delete.id USING ERRCODE = 'P0002';
    END IF;
    IF NOT cca_content_can_edit(cur.created_by) THEN
        RAISE EXCEPTION 'this content is not yours: you can read it but not change it'
            USING ERRCODE = '42501';
    END IF;
    DELETE FROM learning_content lc
    WHERE lc.id = cur.id AND lc.version = cca_content_delete.version;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'someone else changed this content meanwhile: reload it'
            USING ERRCODE = 'CC001';
    END IF;
    RETURN true;
END
$$;

-- cca_message_feedback(message_id, helpful, reason) -> {"message_id", "helpful"}: the caller
-- marks one of their own answered messages; marking again replaces the verdict. The reason is
-- cut to 280 characters with control characters removed. P0002 for a message that is not the
-- caller's or not answered.
CREATE FUNCTION cca_message_feedback(message_id text, helpful boolean, reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    why text := nullif(btrim(left(regexp_replace(coalesce(reason, ''), '[[:cntrl:]]', ' ', 'g'),
                                  280)), '');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM chat_messages m
                   WHERE m.id = cca_message_feedback.message_id
                     AND m.user_id = cca_auth.uid() AND m.status = 'answered') THEN
        RAISE EXCEPTION 'no answer of yours with id %', cca_message_feedback.message_id
            USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO message_feedback AS f (message_id, helpful, reason)
    VALUES (cca_message_feedback.message_id, cca_message_feedback.helpful, why)
    ON CONFLICT ON CONSTRAINT message_feedback_message_id_key
    DO UPDATE SET helpful = EXCLUDED.helpful, reason = EXCLUDED.reason;
    RETURN jsonb_build_object('message_id', cca_message_feedback.message_id,
                              'helpful', cca_message_feedback.helpful);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Assessment authoring (INVOKER: trainers their own, admins all; keys by 007/009's trigger)
-- ---------------------------------------------------------------------------------------

-- cca_assessment_authoring_list() -> {"items": [{id, title, difficulty, time_limit,
-- passing_score, max_attempts, review_policy, layout, questions, can_edit, updated_at}]}.
CREATE FUNCTION cca_assessment_authoring_list() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'id', a.id, 'title', a.title, 'difficulty', a.difficulty, 'time_limit', a.time_limit,
        'passing_score', a.passing_score, 'max_attempts', a.max_attempts,
        'review_policy', a.review_policy, 'layout', a.layout,
        'questions', CASE WHEN jsonb_typeof(a.questions) = 'array'
                          THEN jsonb_array_length(a.questions) ELSE 0 END,
        'can_edit', cca_content_can_edit(a.created_by), 'updated_at', a.updated_at)
        ORDER BY lower(a.title), a.id), '[]'::jsonb))
    FROM assessments a
$$;

-- cca_assessment_authoring_get(id) -> the assessment with its questions; for the caller's own
-- (or an admin's) the questions carry "correct" and "explanation" from assessment_keys, for
-- others' they do not (row-level security on the keys).
CREATE FUNCTION cca_assessment_authoring_get(id text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'title', a.title, 'description', a.description,
        'difficulty', a.difficulty, 'time_limit', a.time_limit,
        'passing_score', a.passing_score, 'max_attempts', a.max_attempts,
        'review_policy', a.review_policy, 'layout', a.layout, 'skill_id', a.skill_id,
        'updated_at', a.updated_at, 'can_edit', cca_content_can_edit(a.created_by),
        'questions', coalesce((
            SELECT jsonb_agg(q.value || jsonb_strip_nulls(jsonb_build_object(
                       'correct', k.correct, 'explanation', k.explanation)) ORDER BY q.ord)
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(a.questions) = 'array'
                                           THEN a.questions ELSE '[]' END)
                 WITH ORDINALITY q(value, ord)
            LEFT JOIN assessment_keys k
              ON k.assessment_id = a.id AND k.question_id = q.value->>'id'), '[]'::jsonb))
    FROM assessments a WHERE a.id = cca_assessment_authoring_get.id
$$;

-- Validation with messages a trainer can act on (22023, naming the field or question).
CREATE FUNCTION cca_assessment_check(doc jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q jsonb;
    n integer := 0;
    opts integer;
BEGIN
    IF coalesce(btrim(doc->>'title'), '') = '' THEN
        RAISE EXCEPTION 'title: a title is required' USING ERRCODE = '22023';
    END IF;
    IF doc->>'time_limit' IS NULL OR (doc->>'time_limit') !~ '^\d{1,5}$'
       OR (doc->>'time_limit')::integer <= 0 THEN
        RAISE EXCEPTION 'time limit: a positive number of minutes' USING ERRCODE = '22023';
    END IF;
    IF doc->>'passing_score' IS NOT NULL AND ((doc->>'passing_score') !~ '^\d+(\.\d+)?$'
       OR (doc->>'passing_score')::float8 > 100) THEN
        RAISE EXCEPTION 'pass mark: a percentage from 0 to 100' USING ERRCODE = '22023';
    END IF;
    IF doc->>'max_attempts' IS NOT NULL AND ((doc->>'max_attempts') !~ '^\d{1,3}$'
       OR (doc->>'max_attempts')::integer NOT BETWEEN 1 AND 100) THEN
        RAISE EXCEPTION 'attempts: from 1 to 100' USING ERRCODE = '22023';
    END IF;
    IF doc->>'review_policy' IS NOT NULL
       AND doc->>'review_policy' NOT IN ('never', 'after_submit', 'after_close') THEN
        RAISE EXCEPTION 'review policy: never, after_submit or after_close' USING ERRCODE = '22023';
    END IF;
    IF doc->>'layout' IS NOT NULL AND doc->>'layout' NOT IN ('one_per_page', 'all_on_one') THEN
        RAISE EXCEPTION 'layout: one_per_page or all_on_one' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(doc->'questions') IS DISTINCT FROM 'array'
       OR jsonb_array_length(doc->'questions') = 0 THEN
        RAISE EXCEPTION 'questions: at least one question' USING ERRCODE = '22023';
    END IF;
    FOR q IN SELECT value FROM jsonb_array_elements(doc->'questions') LOOP
        n := n + 1;
        IF coalesce(btrim(q->>'question'), '') = '' THEN
            RAISE EXCEPTION 'question %: the question has no text', n USING ERRCODE = '22023';
        END IF;
        opts := CASE WHEN jsonb_typeof(q->'options') = 'array'
                     THEN jsonb_array_length(q->'options') ELSE 0 END;
        IF opts < 2 THEN
            RAISE EXCEPTION 'question %: at least two options', n USING ERRCODE = '22023';
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_array_elements(q->'options') o
                   WHERE coalesce(btrim(o #>> '{}'), '') = '') THEN
            RAISE EXCEPTION 'question %: an option is empty', n USING ERRCODE = '22023';
        END IF;
        IF jsonb_typeof(q->'correct') IS DISTINCT FROM 'number'
           OR (q->>'correct') !~ '^\d{1,3}$' OR (q->>'correct')::integer >= opts THEN
            RAISE EXCEPTION 'question %: choose the correct answer', n USING ERRCODE = '22023';
        END IF;
    END LOOP;
END
$$;

-- cca_assessment_authoring_save(id, updated_at, doc) -> {"id", "updated_at"} or
-- {"conflict": true, "current": <cca_assessment_authoring_get>} when the assessment changed
-- since updated_at. doc: {title, description, difficulty, time_limit (minutes), passing_score,
-- max_attempts, review_policy, layout, questions: [{id, question, options, correct,
-- explanation}]}. id NULL creates one owned by the caller.
CREATE FUNCTION cca_assessment_authoring_save(id text, updated_at timestamptz, doc jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    p_id text := id;
    owner text;
    stamp timestamptz;
    qs jsonb;
BEGIN
    PERFORM cca_assessment_check(doc);
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', coalesce(nullif(q.value->>'id', ''), 'q' || q.ord),
               'question', btrim(q.value->>'question'),
               'type', 'multiple_choice', 'options', q.value->'options',
               'correct', (q.value->>'correct')::integer,
               'explanation', nullif(btrim(q.value->>'explanation'), ''))
               ORDER BY q.ord), '[]'::jsonb)
    INTO qs FROM jsonb_array_elements(doc->'questions') WITH ORDINALITY q(value, ord);
    IF p_id IS NULL THEN
        IF NOT cca_content_can_edit(cca_auth.uid()) THEN
            RAISE EXCEPTION 'only trainers and admins write assessments' USING ERRCODE = '42501';
        END IF;
        INSERT INTO assessments AS a (title, description, difficulty, time_limit, passing_score,
                                      max_attempts, review_policy, layout, questions, created_by)
        VALUES (btrim(doc->>'title'), doc->>'description', doc->>'difficulty',
                (doc->>'time_limit')::integer, coalesce((doc->>'passing_score')::float8, 70),
                coalesce((doc->>'max_attempts')::integer, 1),
                coalesce(doc->>'review_policy', 'after_close'),
                coalesce(doc->>'layout', 'one_per_page'), qs, cca_auth.uid())
        RETURNING a.id, a.updated_at INTO p_id, stamp;
        RETURN jsonb_build_object('id', p_id, 'updated_at', stamp);
    END IF;
    SELECT a.created_by INTO owner FROM assessments a WHERE a.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such assessment: %', p_id USING ERRCODE = 'P0002';
    END IF;
    IF NOT cca_content_can_edit(owner) THEN
        RAISE EXCEPTION 'this assessment is not yours: you can read it but not change it'
            USING ERRCODE = '42501';
    END IF;
    UPDATE assessments a
    SET title = btrim(doc->>'title'), description = doc->>'description',
        difficulty = doc->>'difficulty', time_limit = (doc->>'time_limit')::integer,
        passing_score = coalesce((doc->>'passing_score')::float8, a.passing_score),
        max_attempts = coalesce((doc->>'max_attempts')::integer, a.max_attempts),
        review_policy = coalesce(doc->>'review_policy', a.review_policy),
        layout = coalesce(doc->>'layout', a.layout), questions = qs,
        updated_at = clock_timestamp()
    WHERE a.id = p_id
      AND date_trunc('milliseconds', a.updated_at)
          = date_trunc('milliseconds', cca_assessment_authoring_save.updated_at)
    RETURNING a.updated_at INTO stamp;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('conflict', true,
                                  'current', cca_assessment_authoring_get(p_id));
    END IF;
    RETURN jsonb_build_object('id', p_id, 'updated_at', stamp);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION cca_auth.require_author(text), cca_content_can_edit(text),
    cca_content_skills(jsonb), cca_auth.content_list_as(text), cca_content_list(),
    cca_auth.content_get_as(text, text), cca_content_get(text),
    cca_auth.content_feedback_as(text, text), cca_content_feedback(text),
    cca_content_put_passages(text, jsonb), cca_content_check(jsonb),
    cca_content_save(text, integer, jsonb), cca_content_embed(text[], text[]),
    cca_content_embed_doc(text, integer, text), cca_content_unembedded(boolean),
    cca_content_unembedded_count(), cca_content_archive(text, integer, boolean),
    cca_content_delete(text, integer), cca_message_feedback(text, boolean, text),
    cca_assessment_authoring_list(), cca_assessment_authoring_get(text),
    cca_assessment_check(jsonb), cca_assessment_authoring_save(text, timestamptz, jsonb),
    learning_content_versioning()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_auth.require_author(text), cca_content_can_edit(text),
    cca_content_skills(jsonb), cca_auth.content_list_as(text), cca_content_list(),
    cca_auth.content_get_as(text, text), cca_content_get(text),
    cca_auth.content_feedback_as(text, text), cca_content_feedback(text),
    cca_content_put_passages(text, jsonb), cca_content_check(jsonb),
    cca_content_save(text, integer, jsonb), cca_content_embed(text[], text[]),
    cca_content_embed_doc(text, integer, text), cca_content_unembedded(boolean),
    cca_content_archive(text, integer, boolean), cca_content_delete(text, integer),
    cca_assessment_authoring_list(), cca_assessment_authoring_get(text),
    cca_assessment_check(jsonb), cca_assessment_authoring_save(text, timestamptz, jsonb)
    TO cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION cca_content_unembedded_count(), cca_message_feedback(text, boolean, text)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

CREATE TRIGGER message_feedback_row_audit_trigger AFTER INSERT OR UPDATE OR DELETE
    ON message_feedback FOR EACH ROW EXECUTE FUNCTION cca_audit_row();

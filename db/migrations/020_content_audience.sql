-- 020_content_audience: the trainer's Content tab (013) reads content through definer
-- functions, which pass row-level security; restricted content (018) came after them. The
-- three readers of content bodies and titles now apply the same rule as the policies: a
-- trainer lists, opens and sees feedback only for content they may read (admins: all), and a
-- hidden item answers exactly like a missing one. Bodies otherwise as in 013.
SET LOCAL ROLE cca_owner;

CREATE OR REPLACE FUNCTION cca_auth.content_list_as(role_name text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    items jsonb;
    is_all boolean := cca_auth.reads_all_content(role_name);
    tags text[] := cca_auth.reader_tags_for(role_name);
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
    LEFT JOIN down ON down.cid = lc.id
    WHERE is_all OR lc.readers && tags;
    RETURN jsonb_build_object('today', current_date, 'role', me.app_role, 'items', items);
END
$$;

CREATE OR REPLACE FUNCTION cca_auth.content_get_as(role_name text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    doc jsonb;
    is_all boolean := cca_auth.reads_all_content(role_name);
    tags text[] := cca_auth.reader_tags_for(role_name);
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
    WHERE lc.id = p_id AND (is_all OR lc.readers && tags);
    IF doc IS NULL THEN
        RAISE EXCEPTION 'no such content: %', p_id USING ERRCODE = 'P0002';
    END IF;
    RETURN doc;
END
$$;

CREATE OR REPLACE FUNCTION cca_auth.content_feedback_as(role_name text, p_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me record;
    owner text;
    items jsonb;
    is_all boolean := cca_auth.reads_all_content(role_name);
    tags text[] := cca_auth.reader_tags_for(role_name);
BEGIN
    SELECT * INTO me FROM cca_auth.require_author(role_name);
    SELECT lc.created_by INTO owner FROM learning_content lc
    WHERE lc.id = p_id AND (is_all OR lc.readers && tags);
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

RESET ROLE;

-- 023_review_due: an answer that cites content past its review-by date says so in its sources.
-- The two passage retrievers gain a last column, review_due: true when the passage's document
-- has a review-by date that is today or earlier (the Content tab's is_due, 013). Everything
-- else they return, and how, is unchanged:
--  - match_passages keeps running cca_match_sql('passages', ...) (019: pgvector's HNSW or the
--    fallback's lists or the exact scan); the flag is joined on afterwards by the document's
--    id, so pgvector and cca_vector answer alike and the vector search plan is untouched. The
--    rows keep cca_match_sql's order (distance, then id), restored after the join. 019's
--    function-level settings are set again (a new function has none).
--  - search_passages is 018's, with the flag in its last SELECT.
-- Both stay SECURITY INVOKER: row-level security decides what the caller sees, as before, and
-- the flag is read from learning_content rows the caller may already read.
-- Return types change, so both are dropped and created again with 018's grants.
SET LOCAL ROLE cca_owner;

DROP FUNCTION match_passages(vector, float, int, text[]);
CREATE FUNCTION match_passages(
    query_embedding vector,
    match_threshold float,
    match_count int,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, similarity float, audience text,
               review_due boolean)
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
    RETURN QUERY EXECUTE
        'SELECT m.*, coalesce(d.review_by <= current_date, false)'
        || ' FROM (' || cca_match_sql('passages', has_types) || ') m'
        || ' LEFT JOIN LATERAL (SELECT lc.review_by FROM public.learning_content lc'
        || ' WHERE lc.id = m.content_id) d ON true'
        || ' ORDER BY m.similarity DESC, m.id'
        USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;
ALTER FUNCTION match_passages(vector, float, int, text[]) SET max_parallel_workers_per_gather = 0;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        ALTER FUNCTION match_passages(vector, float, int, text[]) SET enable_sort = off;
    END IF;
END
$$;

DROP FUNCTION search_passages(text, text[], int);
CREATE FUNCTION search_passages(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, relevance_score float,
               audience text, review_due boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
    WITH q AS MATERIALIZED (
        SELECT s.lexeme, s.df, cca_auth.lexeme_query(s.lexeme) AS tq,
               ln(1 + (s.n - s.df + 0.5) / (s.df + 0.5)) AS idf
        FROM cca_auth.passage_lexeme_stats(
                 tsvector_to_array(to_tsvector('english', coalesce(search_query, '')))) s
    ),
    essential AS MATERIALIZED (
        SELECT string_agg(r.tq_text, ' | ')::tsquery AS query
        FROM (SELECT q.tq::text AS tq_text,
                     sum(q.df) OVER (ORDER BY q.df, q.lexeme) AS running,
                     row_number() OVER (ORDER BY q.df, q.lexeme) AS rn
              FROM q) r
        WHERE r.running <= 400 OR r.rn = 1
    ),
    cand AS MATERIALIZED (
        SELECT p.id, p.ordinal, lc.source_path, p.tsv || ''::tsvector AS tsv
        FROM essential e
        JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) e.query
        JOIN public.learning_content lc ON lc.id = p.content_id
        WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
    ),
    tfs AS MATERIALIZED (
        SELECT c.id, c.source_path, c.ordinal, length(c.tsv)::float8 AS dl, q.idf,
               2 * ts_rank_cd('{0, 0, 0.5, 1}'::real[], c.tsv, q.tq, 0)::float8 AS tf
        FROM cand c CROSS JOIN q
    ),
    avg_len AS MATERIALIZED (
        SELECT greatest(avg(c.dl), 1) AS avgdl
        FROM (SELECT DISTINCT ON (tfs.id) tfs.dl FROM tfs) c
    ),
    top AS (
        SELECT t.id, min(t.source_path) AS source_path, min(t.ordinal) AS ordinal,
               sum(t.idf * t.tf * 2.2 / (t.tf + 1.2 * (0.25 + 0.75 * t.dl / a.avgdl))) AS score
        FROM tfs t CROSS JOIN avg_len a
        WHERE t.tf > 0
        GROUP BY t.id
        ORDER BY score DESC, source_path, ordinal
        LIMIT greatest(coalesce(limit_count, 20), 0)
    )
    SELECT p.id, p.content_id, lc.title, lc.content_type, lc.source_path, p.heading, p.body,
           top.score::float8, cca_auth.audience_label(lc.audience, lc.state),
           coalesce(lc.review_by <= current_date, false)
    FROM top
    JOIN public.content_passages p ON p.id = top.id
    JOIN public.learning_content lc ON lc.id = p.content_id
    ORDER BY top.score DESC, top.source_path, top.ordinal
$$;

REVOKE ALL ON FUNCTION match_passages(vector, float, int, text[]),
    search_passages(text, text[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION match_passages(vector, float, int, text[]),
    search_passages(text, text[], int)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

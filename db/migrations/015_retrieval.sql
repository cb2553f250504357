-- 015_retrieval: how common each word of a question is in the knowledge base, for the core's
-- evidence checks (core/retrieve: which of the question's important words the best passages
-- cover; a word no passage holds is important and uncovered, as in "bring my dog").
--
-- passage_term_stats(words): for each word (1-based ord, in the order given) the number of
-- passages whose tsvector holds its English stem (df; -1 when the word is a stop word or has
-- no lexeme), and the number of passages n. Collection-wide like BM25's statistics in 008
-- (cca_auth.passage_lexeme_stats, a definer function); the figures describe the whole
-- collection, never a passage's text. Runs with the caller's rights otherwise.
SET LOCAL ROLE cca_owner;

CREATE FUNCTION passage_term_stats(words text[])
RETURNS TABLE (ord int, df float8, n float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
    WITH w AS MATERIALIZED (
        SELECT x.ord::int AS ord,
               (tsvector_to_array(to_tsvector('english', coalesce(x.word, ''))))[1] AS lexeme
        FROM unnest(words) WITH ORDINALITY AS x(word, ord)
    ),
    s AS MATERIALIZED (
        SELECT * FROM cca_auth.passage_lexeme_stats(
            ARRAY(SELECT w.lexeme FROM w WHERE w.lexeme IS NOT NULL))
    ),
    total AS (
        SELECT greatest(coalesce((SELECT max(s.n) FROM s),
                                 (SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8 END
                                  FROM pg_catalog.pg_class c
                                  WHERE c.oid = 'public.content_passages'::regclass),
                                 (SELECT count(*) FROM public.content_passages)::float8), 1) AS n
    )
    SELECT w.ord,
           CASE WHEN w.lexeme IS NULL THEN -1::float8 ELSE coalesce(s.df, 0) END,
           total.n
    FROM w CROSS JOIN total LEFT JOIN s ON s.lexeme = w.lexeme
    ORDER BY w.ord
$$;

REVOKE ALL ON FUNCTION passage_term_stats(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION passage_term_stats(text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

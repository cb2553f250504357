-- 008_passage_bm25: full-text ranking of passages by BM25 instead of ts_rank_cd.
--
-- Why: search_passages ORs the question's words, and ts_rank_cd weighs every word alike, so
-- a passage that repeats a common word ("mean", "user", "day") outranks the one passage that
-- has the rare word the question is really about ("SEV1"). BM25 weighs each word by its
-- inverse document frequency and saturates repeats. On tests/eval (make eval) full-text
-- recall@1 rose from 0.82 to 0.94 and hybrid from 0.89 to 0.95 (131 questions).
--
-- Why it stays fast: ranking every passage that shares one word with the question reads
-- (and detoasts) most of the table on a big knowledge base: 8,800 of 10,000 passages for a
-- typical question, 0.3 s. Candidates here come only from the question's rarest words:
-- rarest first, while their document frequencies add up to at most 400 passages (always at
-- least the rarest word). Those candidates are then scored with every word of the question.
-- A passage that holds none of the rare words can only score on common ones, whose IDF is low;
-- it is not considered (MaxScore-style pruning). On the sample knowledge base the budget is
-- never reached, so the ranking is exact there.
--
-- Statistics: BM25 with k1 = 1.2, b = 0.75 (the textbook values, not tuned). Term frequency
-- counts title and heading words (weight A) twice, body words (B) once. Document length is the
-- number of distinct lexemes; the average length is taken over the candidates. Document
-- frequencies and the passage count are collection-wide (like Lucene's), not per caller:
-- common words come from the planner's statistics (pg_stats most_common_elems, kept by
-- ANALYZE/autovacuum), the others are counted exactly through the GIN index, which is cheap
-- because they are rare. Before the first ANALYZE every word is counted.
SET LOCAL ROLE cca_owner;

-- Row storage. The embedding is stored PLAIN (002: an exact scan reads it from the heap row),
-- so a passage row is always above the 2 KB toast target, and the toaster then moved every
-- other variable-length column out of line, down to the 36-byte id: each read of an id,
-- content_id or tsv was a TOAST fetch (a sort of 1,300 candidate ids touched 62,000 buffers).
-- With the target at its maximum the toaster first compresses body and tsv in the row and
-- moves out of line only what still does not fit, largest first. Applies to rows inserted
-- from now on; rows already stored keep their layout until re-ingested (or VACUUM FULL).
ALTER TABLE content_passages SET (toast_tuple_target = 8160);
ALTER TABLE learning_content SET (toast_tuple_target = 8160);

-- A tsquery matching exactly one lexeme, whatever characters it holds.
CREATE FUNCTION cca_auth.lexeme_query(lexeme text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery $$;

-- Document frequency of each lexeme over all passages and the number of passages n (df <= n).
-- Definer: the planner's statistics of a table under row-level security are visible to its
-- owner only; they describe the whole collection, which is what IDF needs.
CREATE FUNCTION cca_auth.passage_lexeme_stats(lexemes text[])
RETURNS TABLE (lexeme text, df float8, n float8)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH l AS (
        SELECT DISTINCT x.lexeme FROM unnest(lexemes) AS x(lexeme) WHERE x.lexeme <> ''
    ),
    mce AS MATERIALIZED (
        SELECT m.lexeme, m.freq
        FROM pg_catalog.pg_stats s
        CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
            AS m(lexeme, freq)
        WHERE s.schemaname = 'public' AND s.tablename = 'content_passages' AND s.attname = 'tsv'
          AND m.lexeme = ANY (lexemes)
    ),
    rel AS MATERIALIZED (
        SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8
                    ELSE (SELECT count(*) FROM public.content_passages)::float8 END AS n
        FROM pg_catalog.pg_class c
        WHERE c.oid = 'public.content_passages'::regclass
    ),
    d AS (
        SELECT l.lexeme,
               coalesce(mce.freq * rel.n,
                        (SELECT count(*) FROM public.content_passages p
                         WHERE p.tsv OPERATOR(public.@@) cca_auth.lexeme_query(l.lexeme)))::float8
                   AS df
        FROM l CROSS JOIN rel LEFT JOIN mce ON mce.lexeme = l.lexeme
    )
    SELECT d.lexeme, d.df, greatest(rel.n, d.df, 1) FROM d CROSS JOIN rel
$$;

-- Same contract as in 004: an OR of the question's stemmed words, so a passage missing some of
-- them is still found; filtered by the document's type; best first (ties by source path and
-- position); relevance_score is the BM25 score. Runs as the caller: RLS applies.
CREATE OR REPLACE FUNCTION search_passages(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, relevance_score float)
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
        -- || '' makes a detoasted copy, read once per candidate instead of once per word
        SELECT p.id, p.ordinal, lc.source_path, p.tsv || ''::tsvector AS tsv
        FROM essential e
        JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) e.query
        JOIN public.learning_content lc ON lc.id = p.content_id
        WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
    ),
    tfs AS MATERIALIZED (
        -- ts_rank_cd of a one-lexeme query with weights {D 0, C 0, B 0.5, A 1} is half the
        -- weighted term frequency
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
           top.score::float8
    FROM top
    JOIN public.content_passages p ON p.id = top.id
    JOIN public.learning_content lc ON lc.id = p.content_id
    ORDER BY top.score DESC, top.source_path, top.ordinal
$$;

GRANT EXECUTE ON FUNCTION cca_auth.lexeme_query(text), cca_auth.passage_lexeme_stats(text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

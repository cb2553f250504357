-- 026_ask_fast: the word statistics and the full-text search of `cca ask` at 100,000 passages.
--
-- Measured on one `cca ask` as a learner at 100,216 passages (auto_explain, bench_ask.sh's
-- synthetic corpus; dev VM under load):
--
-- 1. Word statistics. A question's words and their WordNet alternatives are 30-40 lexemes.
--    For a caller who reads every passage (027's shortcut, or an admin) each lexeme outside the
--    planner's most common elements was counted (count(*) over the GIN index: a bitmap heap scan
--    of every passage holding it, about 260 pages for a word in 0.25 % of the passages) and
--    counted twice, since passage_lexeme_stats' df is read twice from a CTE that is not
--    materialized: 160-700 ms per call, and each `cca ask` calls it twice (the client's
--    passage_term_stats, then search_passages). Now the document frequency of every lexeme is
--    kept in a table, cca_auth.passage_lexeme_df, up to date at ingest: statement triggers on
--    content_passages append the lexeme counts of the inserted rows and the negated counts of
--    the deleted ones to cca_auth.passage_lexeme_df_delta (one aggregated insert per
--    statement, i.e. per ingested document; a row trigger handles an edit of the text), and
--    every 64th statement folds the changes into passage_lexeme_df. (An upsert per statement
--    made the passage INSERTs 4 times slower; with appends and folds, `cca ingest` of 3,138
--    synthetic passages ran at 230-260 passages/s against 261-271 without the triggers, under
--    a load of 5-6 on 2 CPUs.) The statistics are then two index probes per lexeme, and
--    exact (the planner's element frequencies were an estimate).
--    For a caller who does not read everything (restricted passages exist and the caller is not
--    tagged for them), nothing changes: 018/027's cca_auth.passage_lexeme_stats answers, so
--    no count shows a word of a passage the caller cannot read. The collection's counts are
--    never readable by a client (the table is cca_owner's; only definer functions read it).
-- 2. Full text. search_passages (008) takes as candidates the passages holding its rarest words
--    while their counts add up to 400 at most, or at least the rarest one. When even the rarest
--    word is common (in the synthetic corpus "hotel" is in 11,783 passages) every passage
--    holding it was read and scored: 1.7-3.5 s. Now, when the rarest word is in more than 400
--    passages, the candidates are the passages holding the rarest words together (tsquery AND):
--    as few words as the counts say should meet in 400 passages at most (were the words
--    independent), and at most 400 of them; when fewer than limit_count passages hold them
--    together, passages holding the rarest word fill up the list (at most 400 more). Words
--    copied together from one text meet far more often than independent ones (the synthetic
--    corpus: "probation" in 1,966 passages, with "period" in most of them), so the 400 is
--    also a cap: reading a candidate costs 0.1-0.3 ms (its tsvector is out of line, the
--    embedding fills the row), and beyond 400 of them a question whose every word is common
--    ranks an arbitrary 400 of the passages that hold them together (the first in the table).
--    Below 400 (every question of the sample knowledge base) the candidates are 008's,
--    unchanged.
--
-- Writers of passages only append to the delta table; a fold takes a transaction advisory lock
-- (one key) first, so two folds cannot deadlock on the rows they update.
--
-- 027 also redefines cca_auth.passage_lexeme_stats; the functions here call it only for callers
-- that do not read everything, so whichever of 026 and 027 is applied last, both hold.

SET LOCAL ROLE cca_owner;

-- Passages holding each lexeme (all passages, whoever may read them): passage_lexeme_df plus the
-- sum of the changes not folded into it yet (passage_lexeme_df_delta). Rows whose count drops
-- to 0 stay (0 is the answer for a missing lexeme too).
CREATE TABLE cca_auth.passage_lexeme_df (
    lexeme text PRIMARY KEY,
    df bigint NOT NULL
);
-- Writers only append here (no row is updated, so concurrent ingests never wait on each
-- other); every 64th statement folds the changes into passage_lexeme_df.
CREATE TABLE cca_auth.passage_lexeme_df_delta (
    lexeme text NOT NULL,
    df bigint NOT NULL
);
CREATE INDEX passage_lexeme_df_delta_lexeme ON cca_auth.passage_lexeme_df_delta (lexeme);
CREATE SEQUENCE cca_auth.passage_lexeme_df_changes;
REVOKE ALL ON cca_auth.passage_lexeme_df, cca_auth.passage_lexeme_df_delta,
    cca_auth.passage_lexeme_df_changes FROM PUBLIC;

INSERT INTO cca_auth.passage_lexeme_df (lexeme, df)
SELECT x.lexeme, count(*)
FROM public.content_passages p CROSS JOIN LATERAL unnest(tsvector_to_array(p.tsv)) AS x(lexeme)
GROUP BY x.lexeme;

-- Folds the pending changes into passage_lexeme_df. One at a time (a transaction advisory
-- lock): two folds cannot deadlock on the rows they update. Definer: the tables are cca_owner's.
CREATE FUNCTION cca_auth.passage_lexeme_df_fold() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(2602602026);
    WITH moved AS (DELETE FROM cca_auth.passage_lexeme_df_delta RETURNING lexeme, df)
    INSERT INTO cca_auth.passage_lexeme_df AS t (lexeme, df)
    SELECT m.lexeme, sum(m.df) FROM moved m GROUP BY m.lexeme ORDER BY m.lexeme
    ON CONFLICT (lexeme) DO UPDATE SET df = t.df + excluded.df;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.passage_lexeme_df_fold() FROM PUBLIC;

-- After each change: every 64th one folds (a few thousand changed counts at once).
CREATE FUNCTION cca_auth.passage_lexeme_df_changed() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF nextval('cca_auth.passage_lexeme_df_changes') % 64 = 0 THEN
        PERFORM cca_auth.passage_lexeme_df_fold();
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.passage_lexeme_df_changed() FROM PUBLIC;

CREATE FUNCTION cca_auth.passage_lexeme_df_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    INSERT INTO cca_auth.passage_lexeme_df_delta (lexeme, df)
    SELECT x.lexeme, count(*)
    FROM new_rows r CROSS JOIN LATERAL unnest(tsvector_to_array(r.tsv)) AS x(lexeme)
    GROUP BY x.lexeme;
    PERFORM cca_auth.passage_lexeme_df_changed();
    RETURN NULL;
END
$$;

CREATE FUNCTION cca_auth.passage_lexeme_df_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    INSERT INTO cca_auth.passage_lexeme_df_delta (lexeme, df)
    SELECT x.lexeme, -count(*)
    FROM old_rows r CROSS JOIN LATERAL unnest(tsvector_to_array(r.tsv)) AS x(lexeme)
    GROUP BY x.lexeme;
    PERFORM cca_auth.passage_lexeme_df_changed();
    RETURN NULL;
END
$$;

-- An edit of a passage's text (title, heading or body): the lexemes it gained and lost.
CREATE FUNCTION cca_auth.passage_lexeme_df_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    INSERT INTO cca_auth.passage_lexeme_df_delta (lexeme, df)
    SELECT x.lexeme, 1 FROM unnest(tsvector_to_array(NEW.tsv)) AS x(lexeme)
    WHERE x.lexeme <> ALL (tsvector_to_array(OLD.tsv))
    UNION ALL
    SELECT x.lexeme, -1 FROM unnest(tsvector_to_array(OLD.tsv)) AS x(lexeme)
    WHERE x.lexeme <> ALL (tsvector_to_array(NEW.tsv));
    PERFORM cca_auth.passage_lexeme_df_changed();
    RETURN NULL;
END
$$;

CREATE FUNCTION cca_auth.passage_lexeme_df_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(2602602026);
    DELETE FROM cca_auth.passage_lexeme_df_delta;
    DELETE FROM cca_auth.passage_lexeme_df;
    RETURN NULL;
END
$$;

CREATE TRIGGER content_passages_lexeme_df_insert AFTER INSERT ON content_passages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_inserted();
CREATE TRIGGER content_passages_lexeme_df_delete AFTER DELETE ON content_passages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_deleted();
CREATE TRIGGER content_passages_lexeme_df_update AFTER UPDATE OF title, heading, body
    ON content_passages
    FOR EACH ROW WHEN (OLD.tsv IS DISTINCT FROM NEW.tsv)
    EXECUTE FUNCTION cca_auth.passage_lexeme_df_updated();
CREATE TRIGGER content_passages_lexeme_df_truncate AFTER TRUNCATE ON content_passages
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_truncated();

-- The word statistics of passage_term_stats and search_passages: for each distinct lexeme, the
-- passages holding it (df) and the passages there are (n), as the acting person may know them.
-- A caller who reads every passage (an admin, the superuser, or anyone tagged 'everyone' while
-- no passage is restricted, as 027) gets the collection's counts from passage_lexeme_df; any
-- other caller gets cca_auth.passage_lexeme_stats' (018, 027). Definer: the table is cca_owner's.
CREATE FUNCTION cca_auth.lexeme_df(lexemes text[])
RETURNS TABLE (lexeme text, df float8, n float8)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    who text := cca_auth.acting_role();
    reads_all boolean := cca_auth.reads_all_content(who);
    n_all float8;
BEGIN
    IF NOT reads_all
       AND 'everyone' = ANY (cca_auth.reader_tags_for(who))
       AND NOT EXISTS (SELECT 1 FROM public.content_passages p
                       WHERE NOT (p.readers OPERATOR(pg_catalog.@>) ARRAY['everyone'])) THEN
        reads_all := true;
    END IF;
    IF NOT reads_all THEN
        RETURN QUERY SELECT s.lexeme, s.df, s.n FROM cca_auth.passage_lexeme_stats(lexemes) s;
        RETURN;
    END IF;
    SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8
                ELSE (SELECT count(*) FROM public.content_passages)::float8 END INTO n_all
    FROM pg_class c WHERE c.oid = 'public.content_passages'::regclass;
    RETURN QUERY
    SELECT c.lexeme, c.df, greatest(n_all, c.df, 1)
    FROM (SELECT l.lexeme,
                 greatest(coalesce(t.df, 0)
                          + coalesce((SELECT sum(d.df) FROM cca_auth.passage_lexeme_df_delta d
                                      WHERE d.lexeme = l.lexeme), 0), 0)::float8 AS df
          FROM (SELECT DISTINCT x.lexeme FROM unnest(lexemes) AS x(lexeme)
                WHERE x.lexeme <> '') l
          LEFT JOIN cca_auth.passage_lexeme_df t ON t.lexeme = l.lexeme) c;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.lexeme_df(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_auth.lexeme_df(text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

-- 018's passage_term_stats, its statistics from cca_auth.lexeme_df.
CREATE OR REPLACE FUNCTION passage_term_stats(words text[])
RETURNS TABLE (ord int, df float8, n float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning SET jit = off
AS $$
    WITH w AS MATERIALIZED (
        SELECT x.ord::int AS ord,
               (tsvector_to_array(to_tsvector('english', coalesce(x.word, ''))))[1] AS lexeme
        FROM unnest(words) WITH ORDINALITY AS x(word, ord)
    ),
    s AS MATERIALIZED (
        SELECT * FROM cca_auth.lexeme_df(ARRAY(SELECT w.lexeme FROM w WHERE w.lexeme IS NOT NULL))
    ),
    total AS (
        SELECT greatest(coalesce((SELECT max(s.n) FROM s),
                                 cca_auth.passage_readable_count()), 1) AS n
    )
    SELECT w.ord,
           CASE WHEN w.lexeme IS NULL THEN -1::float8 ELSE coalesce(s.df, 0) END,
           total.n
    FROM w CROSS JOIN total LEFT JOIN s ON s.lexeme = w.lexeme
    ORDER BY w.ord
$$;

-- 023's search_passages: statistics from cca_auth.lexeme_df, and the candidates of a question
-- whose every word is common bounded (2 above). Scoring (BM25 over all the question's words),
-- columns, order and row-level security are 023's.
CREATE OR REPLACE FUNCTION search_passages(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, relevance_score float,
               audience text, review_due boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning SET jit = off
AS $$
    WITH q AS MATERIALIZED (
        SELECT s.lexeme, s.df, s.n, cca_auth.lexeme_query(s.lexeme) AS tq,
               ln(1 + (s.n - s.df + 0.5) / (s.df + 0.5)) AS idf
        FROM cca_auth.lexeme_df(
                 tsvector_to_array(to_tsvector('english', coalesce(search_query, '')))) s
    ),
    r AS MATERIALIZED (
        SELECT q.tq::text AS tq_text, q.df,
               sum(q.df) OVER w AS running,
               row_number() OVER w AS rn,
               -- passages expected to hold this word and every rarer one (independent words)
               exp(sum(ln(greatest(q.df, 0.5) / greatest(q.n, 1))) OVER w)
                   * max(q.n) OVER () AS together
        FROM q
        WINDOW w AS (ORDER BY q.df, q.lexeme)
    ),
    essential AS MATERIALIZED (
        SELECT string_agg(r.tq_text, ' | ')::tsquery AS query
        FROM r
        WHERE r.running <= 400 OR r.rn = 1
    ),
    -- only when the rarest word is in more than 400 passages
    together AS MATERIALIZED (
        SELECT string_agg(r.tq_text, ' & ' ORDER BY r.rn)::tsquery AS query
        FROM r
        WHERE (SELECT r1.df FROM r r1 WHERE r1.rn = 1) > 400
          AND r.rn <= coalesce((SELECT min(r2.rn) FROM r r2 WHERE r2.together <= 400),
                               (SELECT max(r3.rn) FROM r r3))
    ),
    cand_together AS MATERIALIZED (
        SELECT p.id, p.ordinal, lc.source_path, p.tsv || ''::tsvector AS tsv
        FROM together t
        JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) t.query
        JOIN public.learning_content lc ON lc.id = p.content_id
        WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
        LIMIT 400
    ),
    cand AS MATERIALIZED (
        SELECT * FROM cand_together
        UNION ALL
        (SELECT p.id, p.ordinal, lc.source_path, p.tsv || ''::tsvector AS tsv
         FROM essential e
         JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) e.query
         JOIN public.learning_content lc ON lc.id = p.content_id
         WHERE (content_types IS NULL OR lc.content_type = ANY (content_types))
           AND (SELECT count(*) FROM cand_together) < greatest(coalesce(limit_count, 20), 1)
           AND NOT EXISTS (SELECT 1 FROM cand_together ct WHERE ct.id = p.id)
         LIMIT CASE WHEN (SELECT count(*) FROM together WHERE query IS NOT NULL) > 0
                    THEN 400 END)
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

RESET ROLE;

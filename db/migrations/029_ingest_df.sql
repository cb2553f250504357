-- 029_ingest_df: 026's document frequencies kept up to date at a fraction of the ingest cost.
--
-- 026 appended one row per lexeme and statement to cca_auth.passage_lexeme_df_delta (a btree
-- index entry each) and folded every 64th statement by deleting those rows again: a document of
-- 40 passages of about 1,200 characters (bench_ingest.sh's corpus) holds about 1,300 distinct
-- lexemes, so 20,000 passages appended and deleted 630,000 rows. `cca ingest` stores one
-- document per transaction: a DELETE of its old passages, then one INSERT of its passages (up to
-- 200 per statement); the DELETE of a new document's (none) counted as a change too, so the fold
-- ran every 32 documents.
--
-- Now:
-- 1. A statement's changes are one row of cca_auth.passage_lexeme_df_pending: the lexemes and
--    their counts as two arrays (negative counts for deleted passages). No index: only folds
--    and the readers read the table, and a fold takes all of it.
-- 2. A statement that changes no passage (the DELETE before a new document's passages) adds no
--    row and does not count towards the fold.
-- 3. One trigger function for inserts and deletes (the transition table has one name in both
--    triggers); the row trigger for an edit of the text and the truncate trigger are 026's,
--    writing the new table.
-- 4. The fold sums the pending arrays and touches only the lexemes whose count changed (a
--    document replaced by the same text changes none); every 16th change folds, so a reader
--    sums at most 15 pending rows (about 20,000 array elements for documents of 40 passages).
-- cca_auth.lexeme_df (026) reads passage_lexeme_df plus the pending rows' counts of the
-- question's lexemes. cca_auth.passage_lexeme_df_delta is now a view of the pending changes in
-- 026's shape (one row per lexeme and statement), for inspection and 026's tests.
--
-- Applied on a database with data: 026's pending rows are folded first, so no change is lost.
--
-- Measured on bench_ingest.sh's synthetic 20,046 passages (500 documents, 2 CPUs shared with
-- other jobs, old and new alternated): the storing backend's CPU time replaying the documents'
-- DELETE and INSERT statements was 10.0-10.6 s with 026, 7.3-7.8 s with 029 and 6.1-6.4 s
-- without either (load 1.3-1.7): 029 costs 30 % of what 026 did, mostly its 31 folds (15-30 ms
-- each); the appends are within the noise. `cca ingest` end to end (read, chunk, embed,
-- store; scripts/bench_ingest.sh at load about 2): 1,053-1,077 passages/s with 026,
-- 1,169-1,241 with 029.

SET LOCAL ROLE cca_owner;

-- 026's pending changes into the counts (026's fold, under its lock), then its triggers go.
SELECT cca_auth.passage_lexeme_df_fold();
DROP TRIGGER content_passages_lexeme_df_insert ON content_passages;
DROP TRIGGER content_passages_lexeme_df_delete ON content_passages;
DROP TRIGGER content_passages_lexeme_df_update ON content_passages;
DROP TRIGGER content_passages_lexeme_df_truncate ON content_passages;
DROP FUNCTION cca_auth.passage_lexeme_df_inserted();
DROP FUNCTION cca_auth.passage_lexeme_df_deleted();
DROP TABLE cca_auth.passage_lexeme_df_delta;

-- One row per statement that changed passages: lexemes[i] gained dfs[i] passages (lost, when
-- negative). Writers only append; folds delete.
CREATE TABLE cca_auth.passage_lexeme_df_pending (
    lexemes text[] NOT NULL,
    dfs int[] NOT NULL,
    CHECK (cardinality(lexemes) = cardinality(dfs))
);
-- Stored out of line uncompressed: pglz made the append 3 times slower (0.6 ms for a
-- document of 1,300 lexemes) and each read of a row 3 times slower too.
ALTER TABLE cca_auth.passage_lexeme_df_pending
    ALTER lexemes SET STORAGE EXTERNAL, ALTER dfs SET STORAGE EXTERNAL;
REVOKE ALL ON cca_auth.passage_lexeme_df_pending FROM PUBLIC;

-- The pending changes as 026 kept them: one row per lexeme and statement.
CREATE VIEW cca_auth.passage_lexeme_df_delta AS
SELECT u.lexeme, u.df::bigint AS df
FROM cca_auth.passage_lexeme_df_pending p
CROSS JOIN LATERAL unnest(p.lexemes, p.dfs) AS u(lexeme, df);
REVOKE ALL ON cca_auth.passage_lexeme_df_delta FROM PUBLIC;

-- 026's fold, from the pending arrays; lexemes whose changes cancel out are left alone.
CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_df_fold() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(2602602026);
    WITH moved AS (DELETE FROM cca_auth.passage_lexeme_df_pending RETURNING lexemes, dfs)
    INSERT INTO cca_auth.passage_lexeme_df AS t (lexeme, df)
    SELECT u.lexeme, sum(u.df)
    FROM (SELECT unnest(m.lexemes) AS lexeme, unnest(m.dfs) AS df FROM moved m) u
    GROUP BY u.lexeme HAVING sum(u.df) <> 0 ORDER BY u.lexeme
    ON CONFLICT (lexeme) DO UPDATE SET df = t.df + excluded.df;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.passage_lexeme_df_fold() FROM PUBLIC;

-- 026's counter: every 16th change folds (a fold of 16 documents of 40 passages sums about
-- 20,000 array elements and updates about 2,000 counts: 10-30 ms; a reader sums at most 15
-- pending rows: 2-3 ms for a question's 40 lexemes, 0.5-1 ms folded).
CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_df_changed() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF nextval('cca_auth.passage_lexeme_df_changes') % 16 = 0 THEN
        PERFORM cca_auth.passage_lexeme_df_fold();
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.passage_lexeme_df_changed() FROM PUBLIC;

-- Inserted passages count +1 per lexeme, deleted ones -1: the transition table is changed_rows
-- in both triggers. A statement that changed no passage leaves no row and is not a change.
CREATE FUNCTION cca_auth.passage_lexeme_df_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    INSERT INTO cca_auth.passage_lexeme_df_pending (lexemes, dfs)
    SELECT array_agg(c.lexeme), array_agg(c.df)
    FROM (SELECT x.lexeme, per_row * count(*)::int AS df
          FROM (SELECT unnest(tsvector_to_array(r.tsv)) AS lexeme FROM changed_rows r) x
          GROUP BY x.lexeme) c
    HAVING count(*) > 0;
    IF FOUND THEN
        PERFORM cca_auth.passage_lexeme_df_changed();
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cca_auth.passage_lexeme_df_rows() FROM PUBLIC;

-- 026's: an edit of a passage's text (title, heading or body), the lexemes it gained and lost.
CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_df_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    INSERT INTO cca_auth.passage_lexeme_df_pending (lexemes, dfs)
    SELECT array_agg(c.lexeme), array_agg(c.df)
    FROM (SELECT x.lexeme, 1 AS df FROM unnest(tsvector_to_array(NEW.tsv)) AS x(lexeme)
          WHERE x.lexeme <> ALL (tsvector_to_array(OLD.tsv))
          UNION ALL
          SELECT x.lexeme, -1 FROM unnest(tsvector_to_array(OLD.tsv)) AS x(lexeme)
          WHERE x.lexeme <> ALL (tsvector_to_array(NEW.tsv))) c
    HAVING count(*) > 0;
    IF FOUND THEN
        PERFORM cca_auth.passage_lexeme_df_changed();
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_df_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(2602602026);
    DELETE FROM cca_auth.passage_lexeme_df_pending;
    DELETE FROM cca_auth.passage_lexeme_df;
    RETURN NULL;
END
$$;

CREATE TRIGGER content_passages_lexeme_df_insert AFTER INSERT ON content_passages
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_rows();
CREATE TRIGGER content_passages_lexeme_df_delete AFTER DELETE ON content_passages
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_rows();
CREATE TRIGGER content_passages_lexeme_df_update AFTER UPDATE OF title, heading, body
    ON content_passages
    FOR EACH ROW WHEN (OLD.tsv IS DISTINCT FROM NEW.tsv)
    EXECUTE FUNCTION cca_auth.passage_lexeme_df_updated();
CREATE TRIGGER content_passages_lexeme_df_truncate AFTER TRUNCATE ON content_passages
    FOR EACH STATEMENT EXECUTE FUNCTION cca_auth.passage_lexeme_df_truncated();

-- 026's word statistics; the pending changes are summed from the arrays (only the question's
-- lexemes are kept from them).
CREATE OR REPLACE FUNCTION cca_auth.lexeme_df(lexemes text[])
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
    WITH l AS MATERIALIZED (
        SELECT DISTINCT x.lexeme FROM unnest(lexemes) AS x(lexeme) WHERE x.lexeme <> ''
    ),
    pending AS MATERIALIZED (
        SELECT u.lexeme, sum(u.df) AS df
        FROM (SELECT unnest(d.lexemes) AS lexeme, unnest(d.dfs) AS df
              FROM cca_auth.passage_lexeme_df_pending d) u
        WHERE u.lexeme IN (SELECT l.lexeme FROM l)
        GROUP BY u.lexeme
    )
    SELECT c.lexeme, c.df, greatest(n_all, c.df, 1)
    FROM (SELECT l.lexeme,
                 greatest(coalesce(t.df, 0) + coalesce(p.df, 0), 0)::float8 AS df
          FROM l
          LEFT JOIN cca_auth.passage_lexeme_df t ON t.lexeme = l.lexeme
          LEFT JOIN pending p ON p.lexeme = l.lexeme) c;
END
$$;

RESET ROLE;

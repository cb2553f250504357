-- 027_vector_perf: `cca ask` at company scale (100,000 passages) without per-session costs
-- that do not depend on the answer.
--
-- Measured on one `cca ask` as a learner at 100,216 passages (auto_explain and strace; dev VM
-- under load, so the absolute figures are high; the shares are what matter):
--
-- 1. JIT. An exact vector scan of 100,000 rows costs the planner more than jit_above_cost
--    (the distance functions have COST 100), so every `cca ask` compiled the scan's
--    expressions with LLVM first: 19 functions, 17-81 ms of "Emission" per query, paid again
--    by every new session (each `cca ask` is one). The query runs once per session, so the
--    compiled code never pays back. The retrieval functions now run with jit = off.
-- 2. Word statistics. passage_term_stats and search_passages ask cca_auth.passage_lexeme_stats
--    for each word's document frequency. For a caller who does not read all content (every
--    learner), 018 checks, for each common word, that a passage the caller may read holds it
--    (EXISTS over the GIN index of tsv: a bitmap of every passage with the word, 23,000 for
--    "day" at 100,000 passages) so that no word of a hidden document shows in a count. That
--    was 5 bitmaps per question, twice per `cca ask`: 200-800 ms. When no passage is
--    restricted at all (no passage lacks the 'everyone' tag: a partial index that is empty then
--    answers in one probe), a caller tagged 'everyone' reads every passage, and the counts are
--    the collection's, as for an admin: exact, nothing to hide. With restricted passages the
--    018 checks run as before.
-- 3. The exact scan's sort. On the fallback without lists (below 10,000 passages, or where the
--    lists do not reach their recall target, as on the local embedder's vectors) the exact
--    query sorted its whole projection (id, content_id, heading, body, distance) with a
--    bounded top-N sort, which copies every row it is given before comparing it: each
--    passage's body, 100,000 times per query (77 of 636 ms in one learner's query). Now the
--    sort sees id and distance only, and the k rows are fetched again by primary key.
--
-- The body of passage_lexeme_stats is 018's with that one shortcut, and cca_match_sql is 019's
-- with that one change; their contracts (015, 018, 019) are unchanged.

SET LOCAL ROLE cca_owner;

-- The passages some caller cannot read (readers is NOT NULL since 018): empty on a knowledge
-- base without audiences or drafts.
CREATE INDEX idx_content_passages_restricted ON content_passages (id)
    WHERE NOT (readers @> ARRAY['everyone']);

CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_stats(lexemes text[])
RETURNS TABLE (lexeme text, df float8, n float8)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    who text := cca_auth.acting_role();
    tags text[] := cca_auth.reader_tags_for(who);
    reads_all boolean := cca_auth.reads_all_content(who);
    n_all float8;
    n_mine float8;
BEGIN
    -- 027: a caller tagged 'everyone' reads every passage when no passage is restricted (the
    -- partial index idx_content_passages_restricted is empty): exact, one index probe.
    IF NOT reads_all AND 'everyone' = ANY (tags)
       AND NOT EXISTS (SELECT 1 FROM public.content_passages p
                       WHERE NOT (p.readers OPERATOR(pg_catalog.@>) ARRAY['everyone'])) THEN
        reads_all := true;
    END IF;
    IF NOT reads_all THEN
        n_mine := cca_auth.passage_readable_count();
    END IF;
    SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8
                ELSE (SELECT count(*) FROM content_passages)::float8 END INTO n_all
    FROM pg_class c WHERE c.oid = 'public.content_passages'::regclass;
    IF NOT reads_all AND tags IS NULL THEN
        RETURN QUERY SELECT DISTINCT x.lexeme, 0::float8, 1::float8
                     FROM unnest(lexemes) AS x(lexeme) WHERE x.lexeme <> '';
        RETURN;
    END IF;
    RETURN QUERY
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
    d AS (
        SELECT l.lexeme,
               CASE
                   WHEN reads_all THEN
                       coalesce(mce.freq * n_all,
                                (SELECT count(*) FROM public.content_passages p
                                 WHERE p.tsv OPERATOR(public.@@)
                                       cca_auth.lexeme_query(l.lexeme)))::float8
                   WHEN mce.freq * n_all >= 100 THEN
                       CASE WHEN EXISTS (SELECT 1 FROM public.content_passages p
                                         WHERE p.tsv OPERATOR(public.@@)
                                               cca_auth.lexeme_query(l.lexeme)
                                           AND p.readers && tags)
                            THEN greatest(round(mce.freq * n_mine), 1) ELSE 0 END
                   ELSE (SELECT count(*) FROM public.content_passages p
                         WHERE p.tsv OPERATOR(public.@@) cca_auth.lexeme_query(l.lexeme)
                           AND p.readers && tags)::float8
               END AS df
        FROM l LEFT JOIN mce ON mce.lexeme = l.lexeme
    )
    SELECT d.lexeme, d.df, greatest(CASE WHEN reads_all THEN n_all ELSE n_mine END, d.df, 1)
    FROM d;
END
$$;

-- The query text of match_documents / match_passages (019's, see there), with one change for
-- the fallback's exact search (3 above).
CREATE OR REPLACE FUNCTION cca_match_sql(kind text, has_types boolean) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- 018_audience: passages report their document's audience label when it exists
    audience boolean := EXISTS (SELECT 1 FROM pg_attribute a
                                WHERE a.attrelid = 'public.learning_content'::regclass
                                  AND a.attname = 'audience' AND NOT a.attisdropped);
    pgvector boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector');
    indexed boolean;
    inner_cols text;
    near_cols text;
    tbl text;
    alias text;
    type_qual text;
    outer_sql text;
    exact_sql text;
BEGIN
    IF kind = 'documents' THEN
        inner_cols := 'lc.id, lc.title, lc.content, lc.content_type, lc.metadata,'
                      ' lc.embedding <=> $1 AS distance';
        near_cols := 'lc.id, lc.title, lc.content, lc.content_type, lc.metadata, n.distance';
        tbl := 'public.learning_content lc'; alias := 'lc';
        outer_sql := 'SELECT m.id, m.title, m.content, m.content_type,'
            || ' (1 - m.distance)::float8 AS similarity, m.metadata FROM (%s) m'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    ELSIF kind = 'passages' THEN
        inner_cols := 'p.id, p.content_id, p.heading, p.body, p.embedding <=> $1 AS distance';
        near_cols := 'p.id, p.content_id, p.heading, p.body, n.distance';
        tbl := 'public.content_passages p'; alias := 'p';
        outer_sql := 'SELECT m.id, m.content_id, lc.title, lc.content_type, lc.source_path,'
            || ' m.heading, m.body, (1 - m.distance)::float8 AS similarity'
            || CASE WHEN audience THEN ', cca_auth.audience_label(lc.audience, lc.state) AS audience'
                    ELSE '' END
            || ' FROM (%s) m JOIN public.learning_content lc ON lc.id = m.content_id'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    ELSE
        RAISE EXCEPTION 'cca_match_sql: unknown kind %', kind USING ERRCODE = '22023';
    END IF;
    -- the type filter is a qual on the scanned row (passages: their copy of content_type)
    type_qual := CASE WHEN has_types THEN ' AND ' || alias || '.content_type = ANY ($3)' ELSE '' END;
    exact_sql := 'SELECT ' || inner_cols || ' FROM ' || tbl || ' WHERE ' || alias
        || '.embedding IS NOT NULL' || type_qual
        || ' ORDER BY ' || alias || '.embedding <=> $1 LIMIT $2';
    -- 027, the fallback: the top-N sort keeps only id and distance; the k rows are fetched
    -- again by primary key (row-level security applies to both reads). The bounded sort copies
    -- every row it is given before comparing it, so sorting the whole projection copied each
    -- passage's body: 100,000 copies of about 1 KB per exact query.
    IF NOT pgvector THEN
        exact_sql := 'SELECT ' || near_cols || ' FROM (SELECT ' || alias || '.id, ' || alias
            || '.embedding <=> $1 AS distance FROM ' || tbl || ' WHERE ' || alias
            || '.embedding IS NOT NULL' || type_qual
            || ' ORDER BY ' || alias || '.embedding <=> $1 LIMIT $2) n JOIN ' || tbl
            || ' ON ' || alias || '.id = n.id ORDER BY n.distance, n.id LIMIT $2';
    END IF;
    -- SET cca.vector_exact = on: exact search whatever the index (pgvector: an ORDER BY
    -- expression that no index provides, so the scan is exact)
    IF current_setting('cca.vector_exact', true) = 'on' THEN
        RETURN format(outer_sql, replace(exact_sql, ' ORDER BY ' || alias || '.embedding <=> $1 LIMIT',
                                         ' ORDER BY (' || alias || '.embedding <=> $1) + 0 LIMIT'));
    END IF;
    indexed := NOT pgvector
        AND public.cca_vector_index_built((CASE kind WHEN 'passages' THEN 'p' ELSE 'd' END)::"char");
    IF NOT indexed THEN
        RETURN format(outer_sql, exact_sql);
    END IF;
    -- the lists: cca_vector_nearest (below) returns the k nearest ids and distances; the rows
    -- are fetched again by primary key (row-level security applies to both reads)
    RETURN format(outer_sql,
        'SELECT ' || near_cols || ' FROM public.cca_vector_nearest('
        || quote_literal(CASE kind WHEN 'passages' THEN 'p' ELSE 'd' END) || ', $1, $2, '
        || CASE WHEN has_types THEN '$3' ELSE 'NULL::text[]' END || ') n JOIN ' || tbl
        || ' ON ' || alias || '.id = n.id ORDER BY n.distance, n.id LIMIT $2');
END
$$;

-- One query per session: JIT compilation never pays back (see 1 above). Function-level SET,
-- restored on return; the bodies and result columns stay as they are.
ALTER FUNCTION match_documents(vector, float, int, text[]) SET jit = off;
ALTER FUNCTION match_passages(vector, float, int, text[]) SET jit = off;
ALTER FUNCTION cca_vector_nearest("char", vector, integer, text[]) SET jit = off;
ALTER FUNCTION search_passages(text, text[], int) SET jit = off;
ALTER FUNCTION passage_term_stats(text[]) SET jit = off;

RESET ROLE;

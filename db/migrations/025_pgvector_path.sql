-- 025_pgvector_path: the pgvector path checked on real pgvector 0.8.6 (issue 17), with the
-- local embedder's vectors (core/embed_local.c) of 1,000 to 100,000 passages of text and 200
-- questions of tests/eval as queries (scripts/bench_pgvector.sh; db/vector/README.md).
--
-- 1. Bulk ingest. `cca ingest` maintained the HNSW indexes row by row: 39 passages/s from
--    1,000 to 10,000 passages (load 7 on 2 CPUs). It now asks cca_vector_bulk_begin(n) once the
--    first passages of a load are stored, n the passages it expects from the bytes left; when
--    the load is at least 1,000 passages and a twentieth of the table, the two HNSW indexes
--    are dropped and cca_vector_index_maintain() (which ingest calls at the end, also after a
--    failure) builds them in one pass: 90,000 passages onto 10,000 loaded at 310 passages/s,
--    154/s with the build (load 6-7). Maintained row by row at 100,000 passages an insert
--    cost 71 ms (14 passages/s), the build 2.9 ms a row: below a twentieth of the table
--    maintaining them costs less than building the whole table again. Trainers may call it (they ingest); 019's zero-argument form (drop whatever
--    the size) stays for scripts.
-- 2. A rare content type. 019 made the type filter a qual that HNSW's iterative scan applies,
--    but the scan stops after hnsw.max_scan_tuples (20,000): at 100,000 passages a learner's
--    match_passages(k = 5, ARRAY['tutorial']) with 6 tutorial passages returned 0 rows after
--    7.5 s. Now a type with at most 2 % of the rows or 4 × k rows (at most 5,000; counted as
--    the caller, by the new index on content_passages.content_type, when the statistics do not
--    show it common) is searched exactly: a bitmap scan of those rows and a sort (k rows
--    whenever k exist, in milliseconds). Otherwise the HNSW scan may visit the whole table
--    (max_scan_tuples), so a filter or the policies never cut it short.
-- 3. ef_search = max(300, 3 × k, 300 × sqrt(rows / 10,000)), at most 1000 (949 at 100,000
--    rows); SET cca.hnsw_ef_search = N overrides it. Recall against exact search on these
--    vectors (default graph, m 16, ef_construction 64), 200 questions, k = 5 / 20 / 200:
--      10,000 passages: ef 40: 0.84 / 0.75 / 0.86; 100: 0.92 / 0.88 / 0.86;
--                       300: 0.975 / 0.966 / 0.92; 600: 0.99 / 0.99 / 0.974
--      100,000 passages: ef 100: 0.71 / 0.63 / 0.61; 300: 0.84 / 0.79 / 0.68;
--                        600: 0.90 / 0.87 / 0.79; 1000: 0.92 / 0.92 / 0.86
--    In a warm session of a server sized as pg.sh sizes it (the index in shared_buffers), as
--    the learner at 100,000: k = 20 at ef 300 0.83 in 15 ms, at ef 1000 0.94 in 43 ms, exact
--    428 ms. So the index stays ten times faster than exact search at pgvector's largest
--    ef_search, which is what 025 uses from about 100,000 rows; recall 0.95 is reached up to
--    about 10,000 passages and not at 100,000 on these vectors (hashed word features: a
--    question's nearest passages are barely nearer than the rest). SET cca.vector_exact = on
--    is the exact path; a real embedder's vectors reach 0.98-1.0 at ef 100 (bench_vector_index).
-- 4. The tuning is one function, cca_hnsw_tune(k, types, kind), called by match_documents and
--    match_passages (recreated with the same bodies, settings and grants); it still loads
--    pgvector's library first (019), so a fresh connection's first statement gets it all.

SET LOCAL ROLE cca_owner;

CREATE FUNCTION cca_vector_bulk_begin(expected_rows bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    have float8;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        RETURN jsonb_build_object('dropped', false);
    END IF;
    IF to_regclass('public.idx_content_passages_embedding') IS NULL
       AND to_regclass('public.idx_learning_content_embedding') IS NULL THEN
        RETURN jsonb_build_object('pgvector', true, 'dropped', true, 'hnsw', 'missing');
    END IF;
    SELECT greatest(c.reltuples, 0) INTO have FROM pg_class c
    WHERE c.oid = 'public.content_passages'::regclass;
    IF coalesce(expected_rows, 0) < 1000 OR expected_rows < have / 20 THEN
        RETURN jsonb_build_object('pgvector', true, 'dropped', false, 'rows', have,
                                  'expected', expected_rows);
    END IF;
    DROP INDEX IF EXISTS public.idx_content_passages_embedding;
    DROP INDEX IF EXISTS public.idx_learning_content_embedding;
    RETURN jsonb_build_object('pgvector', true, 'dropped', true, 'rows', have,
                              'expected', expected_rows);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Retrieval on pgvector (2 and 3 above)
-- ---------------------------------------------------------------------------------------
CREATE INDEX idx_content_passages_content_type ON content_passages (content_type);

-- The share of rows of these content types in the planner's statistics (most common values),
-- NULL when none of them is among those. Definer: pg_stats hides the statistics of a table
-- under row-level security from the roles it applies to; a share of types is no content.
CREATE FUNCTION cca_auth.content_type_share(kind text, types text[]) RETURNS float8
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT sum(v.f)::float8 FROM pg_stats s,
        unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(val, f)
    WHERE s.schemaname = 'public'
      AND s.tablename = CASE kind WHEN 'documents' THEN 'learning_content' ELSE 'content_passages' END
      AND s.attname = 'content_type' AND v.val = ANY (types)
$$;

-- pgvector's settings for one query of match_documents / match_passages; returns true when
-- the query must be exact (a rare type) instead. Does nothing on the fallback. See 2, 3.
CREATE FUNCTION cca_hnsw_tune(match_count integer, content_types text[], kind text)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ns text;
    tbl text := CASE kind WHEN 'documents' THEN 'public.learning_content'
                          ELSE 'public.content_passages' END;
    k integer := greatest(coalesce(match_count, 1), 1);
    n float8;
    typed bigint;
    common float8;
    seqscan text;
    ef integer;
    rare integer;
BEGIN
    SELECT e.extnamespace::regnamespace::text INTO ns FROM pg_extension e WHERE e.extname = 'vector';
    IF ns IS NULL THEN
        RETURN false;
    END IF;
    IF current_setting('hnsw.ef_search', true) IS NULL THEN
        -- any call into pgvector's library loads it, and with it its settings
        EXECUTE format('SELECT %s.vector_dims(%L::%s.vector)', ns, '[0]', ns);
    END IF;
    SELECT greatest(c.reltuples, 0) INTO n FROM pg_class c WHERE c.oid = tbl::regclass;
    -- a type with at most `rare` rows is searched exactly: 2 % of the table or 4 × k rows
    -- (then an HNSW scan would walk most of the graph to find k of them), at most 5,000
    rare := least(greatest(4 * k, ceil(n / 50)), 5000)::integer;
    IF content_types IS NOT NULL THEN
        -- the statistics' share of these types; a common one needs no count
        common := cca_auth.content_type_share(kind, content_types) * n;
    END IF;
    IF content_types IS NOT NULL AND coalesce(common, 0) < 2 * rare THEN
        -- as the caller: the rows of these types the caller may read, up to `rare` + 1 (an
        -- index scan of idx_*_content_type that stops there; row-level security's 1 %
        -- estimate would make it a sequential scan)
        seqscan := current_setting('enable_seqscan');
        PERFORM set_config('enable_seqscan', 'off', true);
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s t WHERE t.embedding IS NOT NULL'
                       ' AND t.content_type = ANY ($1) LIMIT %s) x', tbl, rare + 1)
            INTO typed USING content_types;
        PERFORM set_config('enable_seqscan', seqscan, true);
        IF typed <= rare THEN
            PERFORM set_config('enable_sort', 'on', true);
            RETURN true;
        END IF;
    END IF;
    PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    -- every row may be visited before k rows pass the filter and the policies
    PERFORM set_config('hnsw.max_scan_tuples', greatest(20000, ceil(n * 1.1))::bigint::text, true);
    -- 300 up to 10,000 rows, then growing with the square root of the table (949 at
    -- 100,000), at least 3 × k
    ef := coalesce(nullif(current_setting('cca.hnsw_ef_search', true), '')::integer,
                   greatest(300, 3 * k, ceil(300 * sqrt(n / 10000)))::integer);
    PERFORM set_config('hnsw.ef_search', least(greatest(ef, k, 1), 1000)::text, true);
    RETURN false;
END
$$;

-- The query text of one call of match_documents / match_passages: pgvector's settings for it
-- (cca_hnsw_tune, above) and, when those say exact, cca_match_sql's exact form
-- (cca.vector_exact for that call); otherwise cca_match_sql's text as it is.
CREATE FUNCTION cca_match_sql_for(kind text, k integer, content_types text[]) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    prev text;
    sql text;
BEGIN
    IF NOT cca_hnsw_tune(k, content_types, kind) THEN
        RETURN cca_match_sql(kind, content_types IS NOT NULL);
    END IF;
    prev := current_setting('cca.vector_exact', true);
    PERFORM set_config('cca.vector_exact', 'on', true);
    sql := cca_match_sql(kind, content_types IS NOT NULL);
    PERFORM set_config('cca.vector_exact', coalesce(prev, ''), true);
    RETURN sql;
END
$$;

-- match_documents and match_passages (004 / 023's), with the query text of the function above.
CREATE OR REPLACE FUNCTION match_documents(
    query_embedding vector,
    match_threshold float DEFAULT 0.7,
    match_count int DEFAULT 5,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (id text, title text, content text, content_type text, similarity float,
               metadata jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
SET max_parallel_workers_per_gather = 0 SET jit = off
AS $$
DECLARE
    k integer := CASE WHEN match_count IS NOT NULL THEN least(match_count, 1000) END;
    sql text;
BEGIN
    IF query_embedding IS NULL OR k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    sql := cca_match_sql_for('documents', k, content_types);
    RETURN QUERY EXECUTE sql USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;

CREATE OR REPLACE FUNCTION match_passages(
    query_embedding vector,
    match_threshold float,
    match_count int,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, similarity float, audience text,
               review_due boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
SET max_parallel_workers_per_gather = 0 SET jit = off
AS $$
DECLARE
    k integer := CASE WHEN match_count IS NOT NULL THEN least(match_count, 1000) END;
    sql text;
BEGIN
    IF query_embedding IS NULL OR k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    sql := cca_match_sql_for('passages', k, content_types);
    RETURN QUERY EXECUTE
        'SELECT m.*, coalesce(d.review_by <= current_date, false)'
        || ' FROM (' || sql || ') m'
        || ' LEFT JOIN LATERAL (SELECT lc.review_by FROM public.learning_content lc'
        || ' WHERE lc.id = m.content_id) d ON true'
        || ' ORDER BY m.similarity DESC, m.id'
        USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        ALTER FUNCTION match_documents(vector, float, int, text[]) SET enable_sort = off;
        ALTER FUNCTION match_passages(vector, float, int, text[]) SET enable_sort = off;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION cca_hnsw_tune(integer, text[], text), cca_auth.content_type_share(text, text[]),
    cca_match_sql_for(text, integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_hnsw_tune(integer, text[], text), cca_auth.content_type_share(text, text[]),
    cca_match_sql_for(text, integer, text[]) TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

REVOKE ALL ON FUNCTION cca_vector_bulk_begin(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_bulk_begin(bigint) TO cca_trainer, cca_admin;

RESET ROLE;

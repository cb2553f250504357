-- 030_vector_exact: the fallback's exact search without the executor (cca_vector 1.3).
--
-- Why: exact top-k over 100,000 passages of 1536 dimensions (PLAIN storage, prewarmed) took
-- about twice the time of the same arithmetic in C at the heap's layout: perf on the backend
-- gave the cosine kernel 36 %, buffer-mapping lookups 18 %, page pruning 7 %, and the rest to
-- the executor (tuple slots and deforming, the row-level security qual, the top-N sort).
-- cca_exact_top (db/vector/cca_exact.c) reads each page as a sequential scan does and keeps a
-- bounded heap: the executor's share is gone (figures: db/vector/README.md, "Exact search
-- without the executor").
--
-- How it keeps today's results and the policies:
-- - cca_vector_exact_candidates (a definer: the table's owner, whom the policies do not bind)
--   returns the tids of the `want` nearest rows of the whole table, and of every row tying with
--   the last of them. It returns nothing else: no distance, id or content; a tid is only a
--   place, which the caller cannot read where the policies hide the row.
-- - cca_vector_exact (as the caller) ranks those rows again with <=> (ties by id): the
--   policies apply there. When k of them are readable, they are the caller's exact top k (a
--   readable row outside the candidates is farther than every candidate). When the candidates
--   were every row (fewer than asked), the readable ones are the answer. Otherwise it asks
--   again with 20 times as many, then falls back to the SQL scan (019's query, ties by id). So
--   the rows are always those of the exact SQL scan. All of it runs under one snapshot (the
--   functions are STABLE), so the tids name the rows the caller's query sees.
-- - A type filter (match_* with content_types) is applied in the scan (cca_exact_top's text
--   filter on content_type), so a rare type does not widen the search.
-- SET cca.vector_exact_scan = sql keeps cca_vector_exact on the SQL scan (benchmarks).
-- cca_match_sql (027's, repeated whole) sends the fallback's exact path to cca_vector_exact:
-- both SET cca.vector_exact = on and a table without an approximate path; cca_vector_nearest
-- (024's, repeated whole) falls back to it instead of its own exact query. Where the server's
-- cca_vector is older than 1.3 the candidates are NULL and cca_vector_exact runs the SQL scan:
-- the same rows as before. On real pgvector nothing here is used (cca_match_sql's pgvector
-- branches are unchanged).

-- Bring the extension to 1.3 where the server has it (as 014 and 024 did). Runs as the
-- bootstrap superuser (the extension's owner); cca_exact_top is not granted to PUBLIC.
DO $$
DECLARE
    v text;
    fn regprocedure;
BEGIN
    SELECT extversion INTO v FROM pg_extension WHERE extname = 'cca_vector';
    IF v IS NULL THEN
        RETURN;
    END IF;
    IF v IN ('1.0', '1.1', '1.2') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_available_extension_versions
                        WHERE name = 'cca_vector' AND version = '1.3') THEN
            RAISE NOTICE 'cca_vector 1.3 is not installed on this server: exact search stays in SQL '
                         '(run `make vector-install`, then ALTER EXTENSION cca_vector UPDATE)';
            RETURN;
        END IF;
        ALTER EXTENSION cca_vector UPDATE TO '1.3';
    END IF;
    -- (the extension's functions without a schema, and granted only by who may: as 031)
    fn := to_regprocedure('cca_exact_top(regclass, name, vector, integer, name, text[])');
    IF fn IS NOT NULL THEN
        IF has_function_privilege(fn, 'EXECUTE WITH GRANT OPTION') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO cca_owner', fn);
        END IF;
    END IF;
END
$$;

SET LOCAL ROLE cca_owner;

-- The tids of the `want` rows of a kind nearest to q (and of every row tying with the last),
-- over the whole table, as its owner sees it; with types, over the rows of those content types.
-- NULL where cca_exact_top is not there (cca_vector older than 1.3, or pgvector).
CREATE FUNCTION cca_vector_exact_candidates(kind "char", q vector, want integer, types text[])
RETURNS tid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    tbl regclass := CASE kind WHEN 'p' THEN 'public.content_passages'::regclass
                              WHEN 'd' THEN 'public.learning_content'::regclass END;
    fn regprocedure := to_regprocedure('cca_exact_top(regclass, name, vector, integer, name, text[])');
    out tid[];
BEGIN
    IF tbl IS NULL OR q IS NULL OR want IS NULL OR want < 1 OR fn IS NULL
       OR NOT has_function_privilege(fn, 'EXECUTE') THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT cca_exact_top($1, ''embedding'', $2, $3, $4, $5)'
        INTO out USING tbl, q, want, CASE WHEN types IS NOT NULL THEN 'content_type' END::name, types;
    RETURN out;
END
$$;

-- The k rows of a kind nearest to q (with types: of those content types), as the caller (the
-- policies apply), best first (ties by id): exactly the exact SQL scan's rows (see the top).
CREATE FUNCTION cca_vector_exact(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    tbl text := CASE kind WHEN 'p' THEN 'public.content_passages' ELSE 'public.learning_content' END;
    type_qual text := CASE WHEN types IS NULL THEN '' ELSE ' AND x.content_type = ANY ($3)' END;
    want integer;
    cand tid[];
    ids text[];
    ds float8[];
BEGIN
    -- SET cca.vector_exact_scan = sql: the SQL scan only (benchmarks compare the two)
    IF q IS NOT NULL AND k IS NOT NULL AND k >= 1
       AND coalesce(current_setting('cca.vector_exact_scan', true), '') <> 'sql' THEN
        -- a margin for rows the caller may not read; then 20 times as many
        want := least(2 * k + 20, 100000);
        FOR attempt IN 1 .. 2 LOOP
            cand := public.cca_vector_exact_candidates(kind, q, want, types);
            EXIT WHEN cand IS NULL;
            EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
                 || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
                 || ' WHERE x.ctid = ANY ($4) AND x.embedding IS NOT NULL' || type_qual
                 || ' ORDER BY 2, 1 LIMIT $2) t'
                INTO ids, ds USING q, k, types, cand;
            -- k readable rows among the nearest, or the candidates were all of the rows
            IF coalesce(cardinality(ids), 0) >= k OR cardinality(cand) < want THEN
                RETURN QUERY SELECT u.id, u.d FROM unnest(ids, ds) AS u(id, d);
                RETURN;
            END IF;
            want := least(want * 20, 100000);
        END LOOP;
    END IF;
    RETURN QUERY EXECUTE 'SELECT x.id, x.embedding <=> $1 FROM ' || tbl || ' x'
        || ' WHERE x.embedding IS NOT NULL' || type_qual
        || ' ORDER BY x.embedding <=> $1, x.id LIMIT $2' USING q, k, types;
END
$$;

-- 024's cca_vector_nearest, with cca_vector_exact as its exact fallback.
CREATE OR REPLACE FUNCTION cca_vector_nearest(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    tbl text := CASE kind WHEN 'p' THEN 'public.content_passages' ELSE 'public.learning_content' END;
    type_qual text := CASE WHEN types IS NULL THEN '' ELSE ' AND x.content_type = ANY ($3)' END;
    cand text[];
    probes integer[];
    ids text[];
    ds float8[];
BEGIN
    cand := public.cca_vector_col_candidates(kind, q, k, types IS NOT NULL);
    IF cand IS NOT NULL THEN
        EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
             || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
             || ' WHERE x.id = ANY ($4) AND x.embedding IS NOT NULL' || type_qual
             || ' ORDER BY x.embedding <=> $1 LIMIT $2) t'
            INTO ids, ds USING q, k, types, cand;
    ELSE
        probes := public.cca_vector_probes(kind, q, k, types IS NOT NULL);
        IF probes IS NOT NULL THEN
            EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
                 || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
                 || ' WHERE x.embedding IS NOT NULL' || type_qual
                 || ' AND (x.vec_list = ANY ($4) OR x.vec_list IS NULL)'
                 || ' ORDER BY x.embedding <=> $1 LIMIT $2) t'
                INTO ids, ds USING q, k, types, probes;
        END IF;
    END IF;
    IF coalesce(cardinality(ids), 0) < k THEN
        RETURN QUERY SELECT * FROM public.cca_vector_exact(kind, q, k, types);
        RETURN;
    END IF;
    RETURN QUERY SELECT u.id, u.d FROM unnest(ids, ds) AS u(id, d);
END
$$;

-- 027's cca_match_sql, with the fallback's exact path through cca_vector_exact.
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
    -- 030, the fallback: cca_vector_exact gives the k nearest ids and distances (one heap scan
    -- in C where cca_vector is 1.3, else 027's SQL scan of id and distance); the k rows are
    -- fetched again by primary key (row-level security applies to both reads)
    IF NOT pgvector THEN
        exact_sql := 'SELECT ' || near_cols || ' FROM public.cca_vector_exact('
            || quote_literal(CASE kind WHEN 'passages' THEN 'p' ELSE 'd' END) || ', $1, $2, '
            || CASE WHEN has_types THEN '$3' ELSE 'NULL::text[]' END || ') n JOIN ' || tbl
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

REVOKE ALL ON FUNCTION cca_vector_exact_candidates("char", vector, integer, text[]),
    cca_vector_exact("char", vector, integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_exact_candidates("char", vector, integer, text[]),
    cca_vector_exact("char", vector, integer, text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 028_hnsw_graph: a denser HNSW graph on real pgvector, so that recall@5 and @20 reach 0.95 at
-- 100,000 passages of the local embedder (issue 17). Measured with pgvector 0.8.6 on
-- scripts/bench_pgvector.sh's corpus (100,010 passages through `cca ingest`, the embeddings of
-- 200 tests/eval questions as queries, exact top-20 as truth; 2 CPUs shared, load 3-7;
-- db/vector/README.md "HNSW build parameters"):
--
--     m   ef_construction  ef_search   recall@5  recall@20  warm p50   build (CPU)
--     16        64           1000        0.927     0.914      60-79 ms   251 s (257 s)
--     16       200           1000        0.956     0.938         70 ms   452 s (599 s)
--     32       128            400        0.945     0.932         84 ms   632 s (801 s)
--     32       128            600        0.971     0.961     83-143 ms
--     32       128           1000        0.983     0.981        209 ms
--     16        64     1000, 2,000 rows pulled (iterative scan), then the 20 nearest:
--                                         0.968     0.959        209 ms
--
-- The questions are sparse (about 100 of 1,536 coordinates) and the passages dense, and pgvector
-- caps ef_search at 1000: with its default graph (m 16, ef_construction 64) recall stayed at 0.93
-- / 0.91. A larger ef_construction alone does not reach 0.95 at k = 20; twice the links (m 32)
-- with ef_construction 128 does at ef_search 600, at the same latency as 025's 949 on the old
-- graph (each step of the search reads twice the neighbours). The index is as large (781 MB:
-- one 1,536-dimension vector fills most of a page either way). The price is the build: about
-- three times the CPU of pgvector's defaults (see 2).
--
-- 1. The HNSW indexes are built WITH (m = 32, ef_construction = 128), by
--    cca_vector_index_maintain() (which `cca ingest` and `cca reindex` call at the end): it now
--    also rebuilds an index whose options differ (003 / 004 / 016 build pgvector's defaults;
--    this migration rebuilds them now where the table is small, at most 20,000 rows, and leaves
--    a larger one to the next ingest, which rebuilds it once: minutes at 100,000 passages).
--    `ALTER DATABASE ... SET cca.hnsw_m = 16` and `cca.hnsw_ef_construction = 64` choose
--    another graph (a faster build, lower recall; the next maintain rebuilds to match).
-- 2. The build's memory: maintain sized maintenance_work_mem at 1 GB; pgvector builds the
--    graph in memory (about 7.4 KB a passage at 1,536 dimensions and m 32: 0.74 GB at 100,000)
--    and past that inserts into the index on disk, many times slower. It is now the graph's
--    estimate (1 GB at least), at most half of effective_cache_size (scripts/pg.sh sets that to
--    half the machine's memory).
-- 3. ef_search: 025's rule, max(300, 3 × k, 300 × sqrt(rows / 10,000)) at most 1000 (949 at
--    100,000), on the old graph; on a graph of m >= 32 and ef_construction >= 128,
--    max(300, 3 × k, 200 × sqrt(rows / 10,000)): 633 at 100,000 (recall 0.97 / 0.96 above).
--    cca_hnsw_tune reads the index's options (pg_class.reloptions), so an index left with the
--    old options keeps the old rule until it is rebuilt. SET cca.hnsw_ef_search = N still
--    overrides it.
-- On the fallback (no pgvector) nothing here changes: maintain's fallback branch is 024's,
-- cca_hnsw_tune returns false as before.

SET LOCAL ROLE cca_owner;

-- The HNSW build parameters (1): 32 and 128, or the settings cca.hnsw_m (4 to 64) and
-- cca.hnsw_ef_construction (at least 2 × m, at most 512).
CREATE FUNCTION cca_auth.hnsw_m() RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least(greatest(coalesce(nullif(current_setting('cca.hnsw_m', true), '')::integer, 32), 4), 64)
$$;

CREATE FUNCTION cca_auth.hnsw_ef_construction() RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least(greatest(coalesce(nullif(current_setting('cca.hnsw_ef_construction', true), '')::integer, 128),
                          2 * cca_auth.hnsw_m()), 512)
$$;

-- An index's HNSW option (pg_class.reloptions), or pgvector's default when it is not set.
CREATE FUNCTION cca_auth.hnsw_option(idx text, name text) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT split_part(o, '=', 2)::integer
                     FROM pg_class c, unnest(c.reloptions) o
                     WHERE c.oid = to_regclass(idx) AND split_part(o, '=', 1) = name),
                    CASE name WHEN 'm' THEN 16 ELSE 64 END)
$$;

-- Builds one HNSW index (dropping it first when it exists with other options); returns whether
-- it built. maintenance_work_mem: the graph's estimate (2), 1 GB at least, at most half of
-- effective_cache_size.
CREATE FUNCTION cca_auth.hnsw_build(idx text, tbl text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    m integer := cca_auth.hnsw_m();
    efc integer := cca_auth.hnsw_ef_construction();
    n float8;
    dims integer;
    want float8;
    cap float8;
BEGIN
    IF to_regclass(idx) IS NOT NULL THEN
        IF cca_auth.hnsw_option(idx, 'm') = m AND cca_auth.hnsw_option(idx, 'ef_construction') = efc THEN
            RETURN false;
        END IF;
        EXECUTE format('DROP INDEX %s', idx);
    END IF;
    SELECT greatest(c.reltuples, 0) INTO n FROM pg_class c WHERE c.oid = tbl::regclass;
    SELECT coalesce(nullif(a.atttypmod, -1), 1536) INTO dims FROM pg_attribute a
    WHERE a.attrelid = tbl::regclass AND a.attname = 'embedding';
    -- per element: the vector, the neighbour lists of layer 0 (2 m of 16 bytes) and upper
    -- layers, headers; a fifth more for the table's growth since its statistics
    want := 1.2 * n * (dims * 4 + 2 * m * 16 + 400) / 1024;                        -- kB
    cap := pg_size_bytes(current_setting('effective_cache_size')) / 2048;          -- kB
    PERFORM set_config('maintenance_work_mem',
                       greatest(1048576, least(want, cap))::bigint::text || 'kB', true);
    EXECUTE format('CREATE INDEX %s ON %s USING hnsw (embedding vector_cosine_ops)'
                   ' WITH (m = %s, ef_construction = %s)',
                   split_part(idx, '.', 2), tbl, m, efc);
    RETURN true;
END
$$;

-- cca_vector_index_maintain(): 024's, but with pgvector the HNSW indexes are built (or rebuilt
-- when their options differ) by cca_auth.hnsw_build (1, 2).
CREATE OR REPLACE FUNCTION cca_vector_index_maintain() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET maintenance_work_mem = '1GB'
AS $$
DECLARE
    k "char";
    n bigint;
    st cca_index.state;
    out jsonb := '[]';
    col jsonb;
    min_rows constant bigint := 10000;
    built text[] := '{}';
    -- The local embedder's questions are sparse and take the columnar path; on its dense
    -- passage vectors the IVF lists calibrate below the recall target and stay unused (0.80 at
    -- 100,000 passages), so they are not built for it: that build was most of a large
    -- ingest's time (330 of 677 s at 100,000 passages).
    local_model boolean := coalesce((SELECT value LIKE 'cca-local%' FROM cca_settings
                                     WHERE key = 'embed_model'), false);
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        IF cca_auth.hnsw_build('public.idx_content_passages_embedding', 'public.content_passages') THEN
            built := built || 'idx_content_passages_embedding'::text;
        END IF;
        IF cca_auth.hnsw_build('public.idx_learning_content_embedding', 'public.learning_content') THEN
            built := built || 'idx_learning_content_embedding'::text;
        END IF;
        RETURN jsonb_build_object('pgvector', true, 'built', to_jsonb(built),
                                  'm', cca_auth.hnsw_m(), 'ef_construction', cca_auth.hnsw_ef_construction());
    END IF;
    FOREACH k IN ARRAY ARRAY['p', 'd']::"char"[] LOOP
        SELECT * INTO st FROM cca_index.state s WHERE s.kind = k;
        EXECUTE format('SELECT count(*) FROM %s WHERE embedding IS NOT NULL',
                       cca_index.kind_table(k)) INTO n;
        IF st.kind IS NOT NULL AND NOT cca_index.current(st) AND n < min_rows THEN
            -- built for another embedder (a reindex since) and now small: exact search
            DELETE FROM cca_index.state WHERE kind = k;
            INSERT INTO cca_auth.maintenance (purpose) VALUES ('vector_index');
            EXECUTE format('UPDATE %s SET vec_list = NULL WHERE vec_list IS NOT NULL',
                           cca_index.kind_table(k));
            DELETE FROM cca_auth.maintenance WHERE purpose = 'vector_index';
            out := out || jsonb_build_object('kind', k, 'rows', n, 'dropped', true);
        ELSIF (st.kind IS NULL AND n >= min_rows
               OR st.kind IS NOT NULL AND (n >= 2 * st.built_rows OR NOT cca_index.current(st)))
              AND NOT local_model THEN
            out := out || cca_index.build(k, NULL);
        ELSIF st.probe_rows IS NOT NULL THEN
            out := out || jsonb_build_object('kind', k, 'rows', n, 'lists', st.lists,
                                             'assigned', cca_index.assign(k, false));
        END IF;
        col := cca_index.col_maintain(k, n);
        IF col IS NOT NULL THEN
            out := out || col;
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- cca_hnsw_tune: 025's, with the ef_search rule of 3.
CREATE OR REPLACE FUNCTION cca_hnsw_tune(match_count integer, content_types text[], kind text)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ns text;
    tbl text := CASE kind WHEN 'documents' THEN 'public.learning_content'
                          ELSE 'public.content_passages' END;
    idx text := CASE kind WHEN 'documents' THEN 'public.idx_learning_content_embedding'
                          ELSE 'public.idx_content_passages_embedding' END;
    k integer := greatest(coalesce(match_count, 1), 1);
    n float8;
    typed bigint;
    common float8;
    seqscan text;
    ef integer;
    per_sqrt integer;
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
    -- 300 up to 10,000 rows, then growing with the square root of the table: 200 × sqrt on
    -- 028's graph (633 at 100,000), 300 × sqrt on pgvector's default one (949), at least 3 × k
    per_sqrt := CASE WHEN cca_auth.hnsw_option(idx, 'm') >= 32
                      AND cca_auth.hnsw_option(idx, 'ef_construction') >= 128 THEN 200 ELSE 300 END;
    ef := coalesce(nullif(current_setting('cca.hnsw_ef_search', true), '')::integer,
                   greatest(300, 3 * k, ceil(per_sqrt * sqrt(n / 10000)))::integer);
    PERFORM set_config('hnsw.ef_search', least(greatest(ef, k, 1), 1000)::text, true);
    RETURN false;
END
$$;

REVOKE ALL ON FUNCTION cca_auth.hnsw_m(), cca_auth.hnsw_ef_construction(),
    cca_auth.hnsw_option(text, text), cca_auth.hnsw_build(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_auth.hnsw_m(), cca_auth.hnsw_ef_construction(),
    cca_auth.hnsw_option(text, text) TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 1: the indexes of a small table get 028's graph now (003 built pgvector's defaults); a
-- larger one waits for the next cca_vector_index_maintain() (the next ingest).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        IF (SELECT reltuples FROM pg_class WHERE oid = 'public.content_passages'::regclass) <= 20000 THEN
            PERFORM cca_auth.hnsw_build('public.idx_content_passages_embedding', 'public.content_passages');
        END IF;
        IF (SELECT reltuples FROM pg_class WHERE oid = 'public.learning_content'::regclass) <= 20000 THEN
            PERFORM cca_auth.hnsw_build('public.idx_learning_content_embedding', 'public.learning_content');
        END IF;
    END IF;
END
$$;

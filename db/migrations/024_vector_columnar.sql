-- 024_vector_columnar: an approximate path of the cca_vector fallback for sparse queries (the
-- local embedder's questions), where 019's IVF lists do not reach their recall target.
--
-- Why: the local embedder (core/embed_local.c) hashes a text's features into 1536 signed
-- buckets. A passage of ~1,000 characters sets nearly every bucket (1,170 non-zero at the
-- median of bench_ask's 100,216 passages); a question sets a few (102 at the median of
-- tests/eval's 131 questions, 10 to 203). The passages are spread almost evenly over the
-- sphere, so k-means lists do not separate them (019's calibration: recall@10 0.80, unused;
-- exact search ~280-420 ms at 100,000). But a question's inner product with a passage only
-- involves the question's non-zero dimensions, and the largest components covering 90 % of
-- its squared norm are ~50 of them: a copy of the passages stored dimension by dimension lets
-- a query read ~3 % of it.
--
-- The copy (cca_index.cols): the unit vectors quantised to int8 in column blocks -- one row per
-- (dimension, run of up to 8,000 rows): the int8 values of that component for every row of the
-- run and one scale. cca_index.col_rows maps a position to the row's id.
-- A query (cca_vector_col_candidates, a definer returning ids only) reads the blocks of
-- cca_top_dims(q, 0.9) and sums q[d] * scale * value per position in the C aggregate
-- cca_column_top (cca_vector 1.2); the best max(candidates, 3 × k) positions (4 × as many with
-- a type filter; SET cca.vector_candidates = N overrides the calibrated count for a session)
-- become ids, with every pending row's id added. cca_vector_nearest then ranks those rows
-- exactly with <=> on the real table, as the caller (row-level security applies), like 019's
-- probed lists; fewer than k readable rows: exact search, so k rows come back whenever k exist.
-- Which path a query takes (cca_vector_nearest): a query with at most a quarter of its
-- dimensions non-zero and a copy in use -> the columns; else the IVF lists if calibrated; else
-- exact. A dense query never takes the columns (clustered dense data keeps 019's lists).
-- SET cca.vector_exact = on is exact (cca_match_sql, unchanged).
-- Writes: an insert, or an update of the embedding, adds the row's id to cca_index.col_pending
-- (a trigger, only while a copy is in use): pending rows are always ranked, so they are seen at
-- once; a deleted row is gone (the rank reads the table). cca_vector_index_maintain() builds
-- the copy once a table has 2,000 embedded rows (below that an exact scan takes a few ms),
-- appends pending rows as new blocks once there are 256 of them, and rebuilds it when the table
-- has doubled, the embedder changed, or a quarter of the copy's positions are stale.
-- Calibration at build: 12 rows of the table, each cut to its 128 largest components (sparse,
-- but with its energy spread more evenly than a question's, so it reads ~100 columns), are
-- ranked exactly and through the copy; the smallest candidate count among 50, 100, 200 ...
-- 1,600 whose recall@10 reaches 0.98 is kept (50 at 100,000 passages; real questions: recall@5
-- 1.000, recall@20 0.991). When none does, the copy is dropped and not used.
--
-- On real pgvector nothing here is used (cca_match_sql never calls cca_vector_nearest there):
-- the tables stay empty. Where the cca_vector library on the server is older than 1.2 the
-- extension is not updated and the path is not used either (cca_index.col_available()).
-- Applies before or after 027 (a database migrated before 024 existed): cca_vector_nearest is
-- redefined whole with 027's jit = off; cca_match_sql is not touched.

-- Bring the extension to 1.2 where the server has it (as 014 did for 1.1). Runs as the
-- bootstrap superuser (the extension's owner).
DO $$
DECLARE
    v text;
BEGIN
    SELECT extversion INTO v FROM pg_extension WHERE extname = 'cca_vector';
    IF v IS NULL OR v NOT IN ('1.0', '1.1') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_available_extension_versions
                    WHERE name = 'cca_vector' AND version = '1.2') THEN
        RAISE NOTICE 'cca_vector 1.2 is not installed on this server: the columnar search path '
                     'stays unused (run `make vector-install`, then ALTER EXTENSION cca_vector UPDATE)';
        RETURN;
    END IF;
    ALTER EXTENSION cca_vector UPDATE TO '1.2';
END
$$;

SET LOCAL ROLE cca_owner;

-- kind as in 019: 'p' content_passages, 'd' learning_content
CREATE TABLE cca_index.col_state (
    kind "char" PRIMARY KEY CHECK (kind IN ('p', 'd')),
    built_rows bigint NOT NULL,     -- rows in the copy at the (re)build
    block_rows integer NOT NULL,    -- rows per column block
    next_pos integer NOT NULL,      -- the position the next appended row gets
    blocks integer NOT NULL,        -- column blocks per dimension
    -- a query reads the columns of its largest components covering this share of its squared norm
    query_share float8 NOT NULL,
    -- candidates per query, chosen by the calibration; NULL: the copy does not reach the
    -- recall target on this data and is not used
    candidates integer,
    recall float8,                  -- the calibration's recall@10 at candidates (or at the largest)
    model text,                     -- the embedder the copy was built for (as 019)
    dim integer,
    built_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE cca_index.cols (
    kind "char" NOT NULL,
    dim integer NOT NULL,           -- 1-based
    pos0 integer NOT NULL,          -- position of the block's first row
    scale real NOT NULL,
    vals bytea NOT NULL,            -- one int8 per row
    PRIMARY KEY (kind, dim, pos0)
);
-- 8,000 values and the row header fill one page: never compressed or moved out of line
ALTER TABLE cca_index.cols ALTER COLUMN vals SET STORAGE PLAIN;
CREATE TABLE cca_index.col_rows (
    kind "char" NOT NULL,
    pos integer NOT NULL,
    id text NOT NULL,
    PRIMARY KEY (kind, pos)
);
CREATE INDEX col_rows_id ON cca_index.col_rows (kind, id);
CREATE TABLE cca_index.col_pending (
    kind "char" NOT NULL,
    id text NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Whether the server's cca_vector has the columnar functions (1.2).
CREATE FUNCTION cca_index.col_available() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
                                                            AND d.objid = p.oid AND d.deptype = 'e'
                   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cca_vector'
                   WHERE p.proname = 'cca_column_top' AND p.prokind = 'a')
$$;

-- Whether a copy is in use for the embeddings stored now (calibrated, same model and dimension).
CREATE FUNCTION cca_index.col_current(st cca_index.col_state) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT st.candidates IS NOT NULL
       AND st.model IS NOT DISTINCT FROM (SELECT value FROM cca_settings WHERE key = 'embed_model')
       AND st.dim IS NOT DISTINCT FROM (SELECT value::integer FROM cca_settings WHERE key = 'embed_dim')
$$;

-- ---------------------------------------------------------------------------------------
-- Writes: a row inserted with an embedding, or whose embedding (or id) changed, is pending
-- while a copy of its table is in use. Definer: writers cannot reach cca_index.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_index.col_mark_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    k "char" := TG_ARGV[0];
BEGIN
    IF NEW.embedding IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.embedding IS DISTINCT FROM OLD.embedding OR NEW.id <> OLD.id)
       AND EXISTS (SELECT 1 FROM cca_index.col_state s WHERE s.kind = k AND s.candidates IS NOT NULL) THEN
        INSERT INTO cca_index.col_pending (kind, id) VALUES (k, NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- No column list and no WHEN clause: either would make the embedding column depend on the
-- trigger, and cca_alter_embedding_dim (004) and the reindex (016) retype that column.
CREATE TRIGGER content_passages_col_pending AFTER INSERT OR UPDATE ON content_passages
    FOR EACH ROW EXECUTE FUNCTION cca_index.col_mark_pending('p');
CREATE TRIGGER learning_content_col_pending AFTER INSERT OR UPDATE ON learning_content
    FOR EACH ROW EXECUTE FUNCTION cca_index.col_mark_pending('d');

-- ---------------------------------------------------------------------------------------
-- Building and extending the copy
-- ---------------------------------------------------------------------------------------
-- Adds the rows with these ids (those that exist and have an embedding) at the end of the
-- copy: in runs of block_rows, each one block per dimension; an id already in the copy loses
-- its old position. Returns the rows added.
CREATE FUNCTION cca_index.col_add(k "char", ids text[]) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    st cca_index.col_state;
    run text[];
    got text[];
    vecs vector[];
    added bigint := 0;
    i integer := 1;
BEGIN
    SELECT * INTO STRICT st FROM cca_index.col_state s WHERE s.kind = k;
    DELETE FROM cca_index.col_rows r WHERE r.kind = k AND r.id = ANY (ids);
    WHILE i <= coalesce(cardinality(ids), 0) LOOP
        run := ids[i : i + st.block_rows - 1];
        i := i + st.block_rows;
        EXECUTE format('SELECT array_agg(t.id ORDER BY u.o), array_agg(t.embedding ORDER BY u.o)'
                       ' FROM unnest($1) WITH ORDINALITY u(id, o) JOIN %s t ON t.id = u.id'
                       ' WHERE t.embedding IS NOT NULL', tbl)
            INTO got, vecs USING run;
        CONTINUE WHEN got IS NULL;
        INSERT INTO cca_index.cols (kind, dim, pos0, scale, vals)
            SELECT k, c.dim, st.next_pos, c.scale, c.vals FROM public.cca_columns(vecs) c;
        INSERT INTO cca_index.col_rows (kind, pos, id)
            SELECT k, st.next_pos + u.o::integer - 1, u.id FROM unnest(got) WITH ORDINALITY u(id, o);
        st.next_pos := st.next_pos + cardinality(got);
        st.blocks := st.blocks + 1;
        added := added + cardinality(got);
    END LOOP;
    UPDATE cca_index.col_state s SET next_pos = st.next_pos, blocks = st.blocks WHERE s.kind = k;
    RETURN added;
END
$$;

-- Appends the pending rows; returns how many.
CREATE FUNCTION cca_index.col_append(k "char") RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    ids text[];
BEGIN
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', cca_index.kind_table(k));
    -- the lock keeps writers out: nothing becomes pending between these two statements
    ids := ARRAY(SELECT p.id FROM cca_index.col_pending p WHERE p.kind = k ORDER BY p.id);
    DELETE FROM cca_index.col_pending p WHERE p.kind = k;
    RETURN cca_index.col_add(k, ids);
END
$$;

CREATE FUNCTION cca_index.col_drop(k "char") RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp
AS $$
    DELETE FROM cca_index.col_state WHERE kind = k;
    DELETE FROM cca_index.cols WHERE kind = k;
    DELETE FROM cca_index.col_rows WHERE kind = k;
    DELETE FROM cca_index.col_pending WHERE kind = k;
$$;

-- The copy's candidate ids for query q (NULL when no copy is in use for this kind, or q is not
-- sparse, or of another dimension): the n best positions' ids, then every pending id. Used by
-- cca_vector_col_candidates and the calibration.
CREATE FUNCTION cca_index.col_top_ids(k "char", q vector, n integer) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    dims integer[] := public.cca_top_dims(q, (SELECT s.query_share FROM cca_index.col_state s
                                              WHERE s.kind = k));
    top integer[];
BEGIN
    SELECT public.cca_column_top(c.pos0, c.dim, c.scale, c.vals, q, n) INTO top
    FROM cca_index.cols c WHERE c.kind = k AND c.dim = ANY (dims);
    RETURN ARRAY(SELECT r.id FROM unnest(top) WITH ORDINALITY u(pos, o)
                 JOIN cca_index.col_rows r ON r.kind = k AND r.pos = u.pos ORDER BY u.o)
        || ARRAY(SELECT p.id FROM cca_index.col_pending p WHERE p.kind = k);
END
$$;

-- (Re)builds the copy of a kind, calibrates it, and drops it again when it does not reach
-- target. Holds a SHARE lock on the table (writers wait; readers do not).
CREATE FUNCTION cca_index.col_build(k "char", target float8 DEFAULT 0.98,
                                    block_rows integer DEFAULT 8000, query_share float8 DEFAULT 0.9)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp SET client_min_messages = warning
SET max_parallel_workers_per_gather = 0 SET jit = off
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    ids text[];
    dim integer;
    n bigint;
    rec float8;
    chosen integer;
    chosen_recall float8;
    tries constant integer[] := ARRAY[50, 100, 200, 400, 800, 1600];
    t integer;
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', tbl);
    PERFORM cca_index.col_drop(k);
    -- physical order: the block runs then read neighbouring pages
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s WHERE embedding IS NOT NULL'
                   ' ORDER BY ctid) x', tbl) INTO ids;
    n := coalesce(cardinality(ids), 0);
    IF n = 0 THEN
        RETURN jsonb_build_object('kind', k, 'rows', 0, 'columns', false);
    END IF;
    EXECUTE format('SELECT vector_dims(embedding) FROM %s WHERE id = $1', tbl) INTO dim USING ids[1];
    INSERT INTO cca_index.col_state (kind, built_rows, block_rows, next_pos, blocks, query_share,
                                     candidates, model, dim)
    VALUES (k, n, block_rows, 0, 0, query_share, 0,
            (SELECT value FROM cca_settings WHERE key = 'embed_model'), dim);
    PERFORM cca_index.col_add(k, ids);
    -- calibration: 12 rows cut to their 128 largest components; recall@10 of the exact rank of
    -- the first N candidates is the share of the true 10 among them
    DROP TABLE IF EXISTS pg_temp.cca_col_q;
    CREATE TEMP TABLE cca_col_q (q vector, truth text[], cand text[]);
    EXECUTE format(
        'INSERT INTO pg_temp.cca_col_q (q) SELECT (SELECT array_agg(CASE WHEN r.rk <= 128 THEN r.x'
        '   ELSE 0 END ORDER BY r.d)::vector FROM (SELECT u.x, u.d, rank() OVER (ORDER BY abs(u.x) DESC, u.d) rk'
        '   FROM unnest(x.embedding::real[]) WITH ORDINALITY u(x, d)) r)'
        ' FROM %s x WHERE x.id = ANY ($1)', tbl)
        USING ARRAY(SELECT ids[1 + floor(random() * n)::integer] FROM generate_series(1, 12));
    EXECUTE format('UPDATE pg_temp.cca_col_q q SET truth = ARRAY(SELECT x.id FROM %s x'
                   ' WHERE x.embedding IS NOT NULL ORDER BY (x.embedding <=> q.q) + 0, x.id LIMIT 10)',
                   tbl);
    UPDATE pg_temp.cca_col_q q SET cand = cca_index.col_top_ids(k, q.q, tries[cardinality(tries)]);
    FOREACH t IN ARRAY tries LOOP
        SELECT avg((SELECT count(*) FROM unnest(q.truth) x WHERE x = ANY (q.cand[1 : t]))::float8
                   / greatest(cardinality(q.truth), 1)) INTO rec FROM pg_temp.cca_col_q q;
        chosen_recall := rec;
        IF rec >= target THEN
            chosen := t;
            EXIT;
        END IF;
    END LOOP;
    DROP TABLE pg_temp.cca_col_q;
    IF chosen IS NULL THEN
        PERFORM cca_index.col_drop(k);
        -- the failed calibration is remembered (exact search; the next try when it has doubled)
        INSERT INTO cca_index.col_state (kind, built_rows, block_rows, next_pos, blocks, query_share,
                                         recall, model, dim)
        VALUES (k, n, block_rows, 0, 0, query_share, chosen_recall,
                (SELECT value FROM cca_settings WHERE key = 'embed_model'), dim);
    ELSE
        UPDATE cca_index.col_state s SET candidates = chosen, recall = chosen_recall WHERE s.kind = k;
        -- (no CLUSTER: a block fills its page, so any order reads the same pages)
        ANALYZE cca_index.cols;
        ANALYZE cca_index.col_rows;
    END IF;
    RETURN jsonb_build_object('kind', k, 'rows', n, 'columns', chosen IS NOT NULL,
                              'candidates', chosen, 'recall', round(chosen_recall::numeric, 3),
                              'seconds', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));
END
$$;

-- The maintenance of one kind's copy (cca_vector_index_maintain): n embedded rows now.
CREATE FUNCTION cca_index.col_maintain(k "char", n bigint) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    st cca_index.col_state;
    min_rows constant bigint := 2000;
    pending bigint;
    mapped bigint;
BEGIN
    IF NOT cca_index.col_available() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO st FROM cca_index.col_state s WHERE s.kind = k;
    IF n < min_rows THEN
        IF st.kind IS NOT NULL THEN
            PERFORM cca_index.col_drop(k);
            RETURN jsonb_build_object('kind', k, 'rows', n, 'columns', 'dropped');
        END IF;
        RETURN NULL;
    END IF;
    IF st.kind IS NULL OR n >= 2 * st.built_rows
       OR st.model IS DISTINCT FROM (SELECT value FROM cca_settings WHERE key = 'embed_model')
       OR st.dim IS DISTINCT FROM (SELECT value::integer FROM cca_settings WHERE key = 'embed_dim') THEN
        RETURN cca_index.col_build(k);
    END IF;
    IF st.candidates IS NULL THEN
        RETURN NULL;
    END IF;
    -- stale positions (rows deleted or re-embedded since) take candidates' places: rebuild when
    -- they are a quarter of the copy, or when appends have made the blocks twice as many
    SELECT count(*) INTO mapped FROM cca_index.col_rows r WHERE r.kind = k;
    IF st.next_pos - mapped > st.next_pos / 4 OR n - mapped > st.next_pos / 4
       OR st.blocks > 2 * ceil(n / st.block_rows::float8) + 2 THEN
        RETURN cca_index.col_build(k);
    END IF;
    SELECT count(*) INTO pending FROM cca_index.col_pending p WHERE p.kind = k;
    IF pending >= 256 THEN
        RETURN jsonb_build_object('kind', k, 'rows', n, 'columns_appended', cca_index.col_append(k));
    END IF;
    RETURN jsonb_build_object('kind', k, 'rows', n, 'columns_pending', pending);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Public entry points
-- ---------------------------------------------------------------------------------------
-- cca_vector_columns_build([which]): (re)build the copy now, whatever the size (admins):
-- which = 'passages', 'documents' or NULL for both. {"pgvector": true} with pgvector,
-- {"columns": "unavailable"} where cca_vector is older than 1.2.
CREATE FUNCTION cca_vector_columns_build(which text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    out jsonb := '[]';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        RETURN jsonb_build_object('pgvector', true);
    END IF;
    IF NOT cca_index.col_available() THEN
        RETURN jsonb_build_object('columns', 'unavailable');
    END IF;
    IF which IS NOT NULL AND which NOT IN ('passages', 'documents') THEN
        RAISE EXCEPTION 'cca_vector_columns_build: which is passages, documents or NULL, not %', which
            USING ERRCODE = '22023';
    END IF;
    IF which IS NULL OR which = 'passages' THEN
        out := out || cca_index.col_build('p');
    END IF;
    IF which IS NULL OR which = 'documents' THEN
        out := out || cca_index.col_build('d');
    END IF;
    RETURN out;
END
$$;

-- The candidates of a query through the copy (see the top): ids only, the copy stays private.
-- NULL when the copy is not used for it: then cca_vector_nearest takes the IVF lists or exact
-- search.
CREATE FUNCTION cca_vector_col_candidates(kind "char", q vector, k integer, typed boolean DEFAULT false)
RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    st cca_index.col_state;
BEGIN
    IF q IS NULL OR k IS NULL OR k < 1 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO st FROM cca_index.col_state s WHERE s.kind = cca_vector_col_candidates.kind;
    IF st.kind IS NULL OR NOT cca_index.col_current(st) OR vector_dims(q) <> st.dim
       OR cardinality(public.cca_nonzero_dims(q)) > st.dim / 4 THEN
        RETURN NULL;
    END IF;
    -- SET cca.vector_candidates = N: a session's own candidate count (tests, benchmarks)
    RETURN cca_index.col_top_ids(st.kind, q,
        greatest(coalesce(nullif(current_setting('cca.vector_candidates', true), '')::integer,
                          st.candidates), 3 * k) * CASE WHEN typed THEN 4 ELSE 1 END);
END
$$;

-- 019's: whether a kind has an approximate path (its IVF lists, or now its columnar copy).
CREATE OR REPLACE FUNCTION cca_vector_index_built(kind "char") RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT EXISTS (SELECT 1 FROM cca_index.state s
                     WHERE s.kind = $1 AND s.probe_rows IS NOT NULL AND cca_index.current(s))
          OR EXISTS (SELECT 1 FROM cca_index.col_state c
                     WHERE c.kind = $1 AND cca_index.col_current(c)) $$;

-- 019's, with the columnar path first. The k nearest rows of a kind, as the caller (row-level
-- security applies): through the copy (its candidates and the pending rows, ranked exactly),
-- else the IVF lists (the probed lists and the pending rows, ranked exactly), else exact; when
-- the approximate path gives fewer than k rows (a rare type, rows the policies hide), exact
-- search, so k rows come back whenever k exist.
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
        RETURN QUERY EXECUTE 'SELECT x.id, x.embedding <=> $1 FROM ' || tbl || ' x'
            || ' WHERE x.embedding IS NOT NULL' || type_qual
            || ' ORDER BY x.embedding <=> $1 LIMIT $2' USING q, k, types;
        RETURN;
    END IF;
    RETURN QUERY SELECT u.id, u.d FROM unnest(ids, ds) AS u(id, d);
END
$$;

-- cca_vector_index_maintain(): 019's (but no IVF lists for the local embedder, whose questions
-- take the columnar path), and then each table's columnar copy (cca_index.col_maintain: built
-- at 2,000 embedded rows, pending rows appended, rebuilt when due).
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
        IF to_regclass('public.idx_content_passages_embedding') IS NULL THEN
            CREATE INDEX idx_content_passages_embedding ON public.content_passages
                USING hnsw (embedding vector_cosine_ops);
            built := built || 'idx_content_passages_embedding'::text;
        END IF;
        IF to_regclass('public.idx_learning_content_embedding') IS NULL THEN
            CREATE INDEX idx_learning_content_embedding ON public.learning_content
                USING hnsw (embedding vector_cosine_ops);
            built := built || 'idx_learning_content_embedding'::text;
        END IF;
        RETURN jsonb_build_object('pgvector', true, 'built', to_jsonb(built));
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

-- cca_vector_index_drop(): back to exact search only (019's, and the columnar copies).
CREATE OR REPLACE FUNCTION cca_vector_index_drop() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    DELETE FROM cca_index.state;
    INSERT INTO cca_auth.maintenance (purpose) VALUES ('vector_index');
    UPDATE content_passages SET vec_list = NULL WHERE vec_list IS NOT NULL;
    UPDATE learning_content SET vec_list = NULL WHERE vec_list IS NOT NULL;
    DELETE FROM cca_auth.maintenance WHERE purpose = 'vector_index';
    PERFORM cca_index.col_drop('p');
    PERFORM cca_index.col_drop('d');
END
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges (CREATE OR REPLACE keeps 019's on the functions it redefines)
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION cca_index.col_available(), cca_index.col_current(cca_index.col_state),
    cca_index.col_mark_pending(), cca_index.col_add("char", text[]), cca_index.col_append("char"),
    cca_index.col_drop("char"), cca_index.col_top_ids("char", vector, integer),
    cca_index.col_build("char", float8, integer, float8), cca_index.col_maintain("char", bigint),
    cca_vector_columns_build(text), cca_vector_col_candidates("char", vector, integer, boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_columns_build(text) TO cca_admin;
GRANT EXECUTE ON FUNCTION cca_vector_col_candidates("char", vector, integer, boolean)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

-- 019_vector_index: vector retrieval that keeps its index under row-level security, a
-- content-type filter that does not defeat it, pgvector settings that hold on a fresh
-- connection, and an approximate path (IVF lists) for the cca_vector fallback.
--
-- What changes, and why (measured on pgvector 0.8.6, 100,000 passages of 1536 dimensions):
--
-- 1. Passages carry their document's content_type (content_passages.content_type, kept in
--    step by triggers below, like 018 keeps `readers`). match_passages' type filter was
--    `p.content_id IN (SELECT ... learning_content WHERE content_type = ANY ($3))`: a
--    semi-join that pgvector could not drive from the HNSW index (159 ms against 2.2 ms
--    unfiltered). Now it is a plain filter on the scanned row, which HNSW's iterative scan
--    applies as it walks the graph, and which the fallback checks before the distance.
-- 2. The RLS policies' quals ((SELECT cca_auth.role()) = 'authenticated' OR ... 'admin', or
--    018's readers && (SELECT cca_auth.reader_tags())) are estimated to keep about 1 % of the
--    rows, so the planner believed the HNSW scan must walk 100 × k tuples and chose a
--    sequential scan + top-N sort for learners (k = 20 below ~16,000 passages; k = 200 even at
--    100,000: 244 ms). On pgvector, match_documents and match_passages now run with
--    enable_sort = off (a function-level SET, restored on return): the only way left to
--    produce ORDER BY distance LIMIT k is the index's own order. The policies stay as they
--    are (018 rewrites them), so this holds for any policy.
-- 3. cca_hnsw_tune loads pgvector's library before it reads hnsw.* (current_setting(...,
--    true) is NULL until the library is loaded in the backend, which a fresh connection whose
--    first vector came from a table has not done: the settings were skipped), always sets
--    hnsw.iterative_scan = relaxed_order (row-level security and the type filter drop rows the
--    index returns), and sets hnsw.ef_search from k: at the default 40 recall@5 on the local
--    embedder's vectors was 0.85.
-- 4. Both functions plan serially (max_parallel_workers_per_gather = 0): on 2 cores a parallel
--    exact scan of 10,000 rows was 1.4× slower than a serial one.
-- 5. The fallback (cca_vector, no index access method) gets IVF lists: k-means centroids of
--    the embeddings (cca_index.lists), each row's nearest centroid in a `vec_list` column with
--    a btree index, the table rewritten in list order. A query (cca_vector_nearest) computes
--    the distances to the centroids, probes the nearest lists (enough for the calibrated
--    number of rows) and ranks their rows exactly; rows written since the last assignment
--    (vec_list NULL) are always scanned too, so an insert or update is seen immediately. When
--    the probed lists yield fewer than k rows (a rare type, rows row-level security hides) it
--    runs the exact query, so k rows come back whenever k exist. The build calibrates itself on
--    40 of the table's rows and leaves the lists unused where no probe budget up to a quarter of
--    the table reaches recall@10 0.98 (then search stays exact). cca_vector_index_maintain()
--    builds the lists once a table has 10,000 embedded rows, rebuilds them when it has doubled
--    (or the embedder changed), and otherwise assigns the pending rows; below 10,000 rows
--    exact search is as fast and stays the only path. SET cca.vector_exact = on: exact search.
--
-- MERGE NOTE (018_audience, restricted content): 018 redefines cca_match_sql (passages gain an
-- `audience` column) and cca_hnsw_tune. This migration runs after it and replaces both again:
-- cca_match_sql below emits 018's audience column when learning_content.audience exists, so
-- the same file is right with and without 018. match_documents / match_passages themselves
-- are not recreated (their bodies are unchanged: tune, then EXECUTE cca_match_sql); only
-- function-level settings are added with ALTER FUNCTION, which does not depend on their
-- result columns. Policies are not touched.

-- ---------------------------------------------------------------------------------------
-- The schema of the fallback's lists: private to cca_owner; clients reach it only through the
-- definer functions below.
-- ---------------------------------------------------------------------------------------
CREATE SCHEMA cca_index AUTHORIZATION cca_owner;
REVOKE ALL ON SCHEMA cca_index FROM PUBLIC;

SET LOCAL ROLE cca_owner;

-- kind: 'p' content_passages, 'd' learning_content
CREATE TABLE cca_index.state (
    kind "char" PRIMARY KEY CHECK (kind IN ('p', 'd')),
    lists integer NOT NULL CHECK (lists > 0),
    built_rows bigint NOT NULL,
    -- rows to probe per query, chosen by the build's calibration; NULL: the lists do not reach
    -- the recall target on this data and exact search is used
    probe_rows integer,
    recall float8,            -- the calibration's recall@10 at probe_rows (or at the largest tried)
    -- the embedder the lists were built for (cca_settings embed_model / embed_dim): after a
    -- reindex (016, which retypes the column without row triggers) they no longer apply
    model text,
    dim integer,
    built_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE cca_index.lists (
    kind "char" NOT NULL REFERENCES cca_index.state ON DELETE CASCADE,
    list integer NOT NULL,
    centroid vector NOT NULL,
    size bigint NOT NULL DEFAULT 0,   -- rows assigned to it (at the last build or maintain)
    PRIMARY KEY (kind, list)
);
ALTER TABLE cca_index.lists ALTER COLUMN centroid SET STORAGE PLAIN;

ALTER TABLE content_passages ADD COLUMN content_type text;
ALTER TABLE content_passages ADD COLUMN vec_list integer;
ALTER TABLE learning_content ADD COLUMN vec_list integer;
CREATE INDEX idx_content_passages_vec_list ON content_passages (vec_list);
CREATE INDEX idx_learning_content_vec_list ON learning_content (vec_list);

-- The maintenance switch of 010 (the audit trigger skips rows changed while it is held):
-- assigning rows to lists changes vec_list only.
RESET ROLE;
ALTER TABLE cca_auth.maintenance DROP CONSTRAINT maintenance_purpose_check;
ALTER TABLE cca_auth.maintenance ADD CONSTRAINT maintenance_purpose_check
    CHECK (purpose IN ('erase', 'retention', 'vector_index'));
-- Backfill as the bootstrap superuser (whose changes the audit trigger does not record).
UPDATE content_passages p SET content_type = lc.content_type
FROM learning_content lc WHERE lc.id = p.content_id;
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- Triggers: a passage's content_type is its document's; a changed embedding is pending
-- (vec_list NULL) until it is assigned to a list. Definer: the copy must not depend on what
-- the writer can see. Outside the maintenance switch, vec_list cannot be set by a writer.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_index.passage_before() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.content_type := (SELECT lc.content_type FROM learning_content lc
                             WHERE lc.id = NEW.content_id);
        NEW.vec_list := NULL;
        RETURN NEW;
    END IF;
    IF NEW.content_id IS DISTINCT FROM OLD.content_id
       OR NEW.content_type IS DISTINCT FROM OLD.content_type THEN
        NEW.content_type := (SELECT lc.content_type FROM learning_content lc
                             WHERE lc.id = NEW.content_id);
    END IF;
    IF NEW.embedding IS DISTINCT FROM OLD.embedding THEN
        NEW.vec_list := NULL;
    ELSIF NEW.vec_list IS DISTINCT FROM OLD.vec_list
          AND NOT EXISTS (SELECT 1 FROM cca_auth.maintenance m WHERE m.purpose = 'vector_index') THEN
        NEW.vec_list := OLD.vec_list;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER content_passages_vector_trigger
    BEFORE INSERT OR UPDATE ON content_passages
    FOR EACH ROW EXECUTE FUNCTION cca_index.passage_before();

CREATE FUNCTION cca_index.content_before() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.embedding IS DISTINCT FROM OLD.embedding THEN
        NEW.vec_list := NULL;
    ELSIF NEW.vec_list IS DISTINCT FROM OLD.vec_list
          AND NOT EXISTS (SELECT 1 FROM cca_auth.maintenance m WHERE m.purpose = 'vector_index') THEN
        NEW.vec_list := OLD.vec_list;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER learning_content_vector_trigger
    BEFORE INSERT OR UPDATE ON learning_content
    FOR EACH ROW EXECUTE FUNCTION cca_index.content_before();

CREATE FUNCTION cca_index.content_type_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE content_passages SET content_type = NEW.content_type WHERE content_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER learning_content_type_sync_trigger
    AFTER UPDATE OF content_type ON learning_content
    FOR EACH ROW WHEN (OLD.content_type IS DISTINCT FROM NEW.content_type)
    EXECUTE FUNCTION cca_index.content_type_sync();

-- ---------------------------------------------------------------------------------------
-- The fallback's lists
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION cca_index.kind_table(kind "char") RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE kind WHEN 'p' THEN 'public.content_passages'
                       WHEN 'd' THEN 'public.learning_content' END $$;

-- The list of a vector: its nearest centroid (NULL for NULL).
CREATE FUNCTION cca_index.nearest_list(k "char", v vector) RETURNS integer
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT c.list FROM cca_index.lists c WHERE c.kind = k ORDER BY c.centroid <=> v LIMIT 1
$$;

-- Assigns rows of a kind to their nearest centroid and counts the lists' rows; returns the rows
-- assigned. all_rows: every row, by rewriting the table (ALTER COLUMN ... TYPE ... USING: no
-- dead row versions, which a CLUSTER in the same transaction would have to keep, and no row
-- triggers, so no audit rows); otherwise the pending rows (vec_list NULL), by an UPDATE under
-- the maintenance switch.
CREATE FUNCTION cca_index.assign(k "char", all_rows boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    n bigint;
BEGIN
    IF all_rows THEN
        EXECUTE format('ALTER TABLE %s ALTER COLUMN vec_list TYPE integer'
                       ' USING cca_index.nearest_list(%L, embedding)', tbl, k);
        EXECUTE format('SELECT count(*) FROM %s WHERE embedding IS NOT NULL', tbl) INTO n;
    ELSE
        INSERT INTO cca_auth.maintenance (purpose) VALUES ('vector_index');
        EXECUTE format('UPDATE %s t SET vec_list = cca_index.nearest_list($1, t.embedding)'
                       ' WHERE t.embedding IS NOT NULL AND t.vec_list IS NULL', tbl) USING k;
        GET DIAGNOSTICS n = ROW_COUNT;
        DELETE FROM cca_auth.maintenance WHERE purpose = 'vector_index';
    END IF;
    EXECUTE format('UPDATE cca_index.lists c SET size = (SELECT count(*) FROM %s t'
                   ' WHERE t.vec_list = c.list) WHERE c.kind = $1', tbl) USING k;
    RETURN n;
END
$$;

-- Whether a kind's lists were built for the embeddings stored now (same model and dimension).
CREATE FUNCTION cca_index.current(st cca_index.state) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT st.model IS NOT DISTINCT FROM (SELECT value FROM cca_settings WHERE key = 'embed_model')
       AND st.dim IS NOT DISTINCT FROM (SELECT value::integer FROM cca_settings WHERE key = 'embed_dim')
$$;

-- The lists to probe for query q: the nearest centroids, in order, until their lists hold
-- about `budget` rows.
CREATE FUNCTION cca_index.probe_lists(k "char", q vector, budget float8) RETURNS integer[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT ARRAY(SELECT o.list FROM (
               SELECT c.list, sum(c.size) OVER (ORDER BY c.centroid <=> q, c.list) - c.size AS before
               FROM cca_index.lists c WHERE c.kind = k) o
           WHERE o.before < budget)
$$;

-- Spherical k-means on a sample (cosine: centroids are normalised means), 4 iterations;
-- lists defaults to sqrt(rows); the sample is 24 rows per list.
-- Calibration, before any row is written: 40 rows of the table serve as queries; their exact 10
-- nearest rows are found, and assigned to lists; for probe budgets of 1,000, 2,000, 4,000 ...
-- rows up to a quarter of the table, the recall@10 the lists would give is the share of those
-- rows inside the probed lists (the probed rows are ranked exactly, so that is the recall).
-- The smallest budget reaching `target` (default 0.98) is kept; when none does, the lists are
-- not used (exact search) and no row is rewritten. Otherwise every row is assigned and the
-- table is rewritten in list order.
CREATE FUNCTION cca_index.build(k "char", want_lists integer, target float8 DEFAULT 0.98)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp SET client_min_messages = warning
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    n bigint;
    l integer;
    s integer;
    dim integer;
    assigned bigint := 0;
    budget float8;
    rec float8;
    chosen integer;
    chosen_recall float8;
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE format('SELECT count(*) FROM %s WHERE embedding IS NOT NULL', tbl) INTO n;
    DELETE FROM cca_index.state WHERE kind = k;
    IF n = 0 THEN
        RETURN jsonb_build_object('kind', k, 'rows', 0, 'lists', 0);
    END IF;
    l := least(greatest(coalesce(want_lists, round(sqrt(n))::integer), 1), n::integer, 4096);
    s := least(n, l::bigint * 24)::integer;
    EXECUTE format('SELECT vector_dims(embedding) FROM %s WHERE embedding IS NOT NULL LIMIT 1',
                   tbl) INTO dim;
    DROP TABLE IF EXISTS pg_temp.cca_ivf_sample, pg_temp.cca_ivf_centroids, pg_temp.cca_ivf_q;
    EXECUTE format('CREATE TEMP TABLE cca_ivf_sample (i serial, v vector(%s), list integer)', dim);
    ALTER TABLE pg_temp.cca_ivf_sample ALTER COLUMN v SET STORAGE PLAIN;
    EXECUTE format('CREATE TEMP TABLE cca_ivf_centroids (list integer PRIMARY KEY, c vector(%s))',
                   dim);
    ALTER TABLE pg_temp.cca_ivf_centroids ALTER COLUMN c SET STORAGE PLAIN;
    EXECUTE format('INSERT INTO pg_temp.cca_ivf_sample (v) SELECT embedding FROM %s'
                   ' WHERE embedding IS NOT NULL ORDER BY random() LIMIT $1', tbl) USING s;
    INSERT INTO pg_temp.cca_ivf_centroids
        SELECT row_number() OVER (ORDER BY random()), l2_normalize(v)
        FROM pg_temp.cca_ivf_sample ORDER BY random() LIMIT l;
    ANALYZE pg_temp.cca_ivf_centroids;
    FOR it IN 1 .. 4 LOOP
        UPDATE pg_temp.cca_ivf_sample x SET list = (SELECT c.list FROM pg_temp.cca_ivf_centroids c
                                                    ORDER BY c.c <=> x.v LIMIT 1);
        -- an empty list keeps its centroid
        UPDATE pg_temp.cca_ivf_centroids c SET c = m.c
        FROM (SELECT x.list, l2_normalize(avg(x.v)) AS c FROM pg_temp.cca_ivf_sample x
              GROUP BY x.list) m
        WHERE m.list = c.list AND vector_norm(m.c) > 0;
    END LOOP;
    INSERT INTO cca_index.state (kind, lists, built_rows, model, dim)
    VALUES (k, l, n, (SELECT value FROM cca_settings WHERE key = 'embed_model'), dim);
    -- list sizes estimated from the sample's last assignment (exact counts after the assignment)
    INSERT INTO cca_index.lists (kind, list, centroid, size)
        SELECT k, c.list, c.c, round((SELECT count(*) FROM pg_temp.cca_ivf_sample x
                                      WHERE x.list = c.list)::float8 * n / s)
        FROM pg_temp.cca_ivf_centroids c;

    -- calibration
    EXECUTE format('CREATE TEMP TABLE cca_ivf_q (id text, v vector(%s), truth text[], lists integer[])', dim);
    ALTER TABLE pg_temp.cca_ivf_q ALTER COLUMN v SET STORAGE PLAIN;
    EXECUTE format('INSERT INTO pg_temp.cca_ivf_q (id, v) SELECT id, embedding FROM %s'
                   ' WHERE embedding IS NOT NULL ORDER BY random() LIMIT 40', tbl);
    EXECUTE format('UPDATE pg_temp.cca_ivf_q q SET truth = ARRAY(SELECT x.id FROM %s x'
                   ' WHERE x.embedding IS NOT NULL AND x.id <> q.id'
                   ' ORDER BY x.embedding <=> q.v, x.id LIMIT 10)', tbl);
    -- the lists of the truth rows
    EXECUTE format('UPDATE pg_temp.cca_ivf_q q SET lists = ARRAY(SELECT (SELECT c.list FROM cca_index.lists c'
                   ' WHERE c.kind = $1 ORDER BY c.centroid <=> x.embedding LIMIT 1)'
                   ' FROM %s x WHERE x.id = ANY (q.truth))', tbl) USING k;
    budget := 1000;
    LOOP
        SELECT avg((SELECT count(*) FROM unnest(q.lists) t
                    WHERE t = ANY (cca_index.probe_lists(k, q.v, budget)))::float8
                   / greatest(cardinality(q.truth), 1))
        INTO rec FROM pg_temp.cca_ivf_q q;
        chosen_recall := rec;
        IF rec >= target THEN
            chosen := budget::integer;
            EXIT;
        END IF;
        EXIT WHEN budget >= n / 4.0;
        budget := least(budget * 2, n / 4.0);
    END LOOP;
    UPDATE cca_index.state SET probe_rows = chosen, recall = chosen_recall WHERE kind = k;
    DROP TABLE pg_temp.cca_ivf_sample, pg_temp.cca_ivf_centroids, pg_temp.cca_ivf_q;
    IF chosen IS NOT NULL THEN
        assigned := cca_index.assign(k, true);
        -- Rewrite the table in list order: a list's rows then share pages (a probe reads a run
        -- of pages, not one page per row), and the dead row versions of the assignment go away.
        -- Takes an ACCESS EXCLUSIVE lock for the rewrite: readers wait.
        EXECUTE format('CLUSTER %s USING %I', tbl,
                       CASE k WHEN 'p' THEN 'idx_content_passages_vec_list'
                              ELSE 'idx_learning_content_vec_list' END);
        EXECUTE format('ANALYZE %s', tbl);
    END IF;
    RETURN jsonb_build_object('kind', k, 'rows', n, 'lists', l, 'sample', s, 'assigned', assigned,
                              'probe_rows', chosen, 'recall', round(chosen_recall::numeric, 3),
                              'seconds', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));
END
$$;

-- cca_vector_index_build([which], [lists]): (re)build the fallback's lists now, whatever the
-- size: which = 'passages', 'documents' or NULL for both. With pgvector there is nothing to
-- build (HNSW maintains itself): returns {"pgvector": true}. Admins and the superuser.
CREATE FUNCTION cca_vector_index_build(which text DEFAULT NULL, lists integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    out jsonb := '[]';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        RETURN jsonb_build_object('pgvector', true);
    END IF;
    IF which IS NOT NULL AND which NOT IN ('passages', 'documents') THEN
        RAISE EXCEPTION 'cca_vector_index_build: which is passages, documents or NULL, not %', which
            USING ERRCODE = '22023';
    END IF;
    IF which IS NULL OR which = 'passages' THEN
        out := out || cca_index.build('p', lists);
    END IF;
    IF which IS NULL OR which = 'documents' THEN
        out := out || cca_index.build('d', lists);
    END IF;
    RETURN out;
END
$$;

-- cca_vector_index_drop(): back to exact search only.
CREATE FUNCTION cca_vector_index_drop() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    DELETE FROM cca_index.state;
    INSERT INTO cca_auth.maintenance (purpose) VALUES ('vector_index');
    UPDATE content_passages SET vec_list = NULL WHERE vec_list IS NOT NULL;
    UPDATE learning_content SET vec_list = NULL WHERE vec_list IS NOT NULL;
    DELETE FROM cca_auth.maintenance WHERE purpose = 'vector_index';
END
$$;

-- cca_vector_bulk_begin(): what an ingest of many passages calls first. pgvector: drops the
-- two HNSW indexes, so that the load does not maintain them row by row (140 passages/s at
-- 100,000 passages); cca_vector_index_maintain() builds them again at the end, in one pass.
-- Queries in between are exact. Fallback: nothing to do (new rows are pending, cheap).
CREATE FUNCTION cca_vector_bulk_begin() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        RETURN '{}';
    END IF;
    DROP INDEX IF EXISTS public.idx_content_passages_embedding;
    DROP INDEX IF EXISTS public.idx_learning_content_embedding;
    RETURN jsonb_build_object('pgvector', true, 'hnsw', 'dropped');
END
$$;

-- cca_vector_index_maintain(): what an ingest calls when it is done.
-- pgvector: builds the HNSW indexes when they are missing (after cca_vector_bulk_begin).
-- Fallback, per table: below 10,000 embedded rows nothing (exact search); at 10,000 the lists
-- are built, rebuilt when the table has doubled since, otherwise only the pending rows are
-- assigned. Cheap when nothing is due.
CREATE FUNCTION cca_vector_index_maintain() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET maintenance_work_mem = '1GB'
AS $$
DECLARE
    k "char";
    n bigint;
    st cca_index.state;
    out jsonb := '[]';
    min_rows constant bigint := 10000;
    built text[] := '{}';
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
        ELSIF st.kind IS NULL AND n >= min_rows
              OR st.kind IS NOT NULL AND (n >= 2 * st.built_rows OR NOT cca_index.current(st)) THEN
            out := out || cca_index.build(k, NULL);
        ELSIF st.probe_rows IS NOT NULL THEN
            out := out || jsonb_build_object('kind', k, 'rows', n, 'lists', st.lists,
                                             'assigned', cca_index.assign(k, false));
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- The lists to probe for a query: the nearest centroids, in order, until their lists hold about
-- the build's calibrated probe_rows (cca.vector_probe_rows, a session setting, overrides it),
-- times 3 with a type filter (the filter keeps a part of them), and at least 4 × k rows. NULL when the lists are not built
-- (exact search). Returns list numbers only. Definer: the centroids are averages of embeddings
-- and stay private.
CREATE FUNCTION cca_vector_probes(kind "char", q vector, k integer, typed boolean DEFAULT false)
RETURNS integer[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    want float8;
BEGIN
    SELECT s.probe_rows INTO want FROM cca_index.state s
    WHERE s.kind = cca_vector_probes.kind AND cca_index.current(s);
    IF q IS NULL OR want IS NULL THEN
        RETURN NULL;
    END IF;
    want := coalesce(nullif(current_setting('cca.vector_probe_rows', true), '')::float8, want);
    RETURN cca_index.probe_lists(kind, q, greatest(want * CASE WHEN typed THEN 3 ELSE 1 END, 4.0 * k));
END
$$;

-- ---------------------------------------------------------------------------------------
-- pgvector's settings for one query (see 3 above).
-- ef_search: max(100, 2 × k), at most 1000 (pgvector's maximum).
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION cca_hnsw_tune(match_count integer, has_types boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ns text;
BEGIN
    SELECT e.extnamespace::regnamespace::text INTO ns FROM pg_extension e WHERE e.extname = 'vector';
    IF ns IS NULL THEN
        RETURN;
    END IF;
    IF current_setting('hnsw.ef_search', true) IS NULL THEN
        -- any call into pgvector's library loads it, and with it its settings
        EXECUTE format('SELECT %s.vector_dims(%L::%s.vector)', ns, '[0]', ns);
    END IF;
    PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    PERFORM set_config('hnsw.ef_search',
                       least(greatest(100, 2 * coalesce(match_count, 0)), 1000)::text, true);
END
$$;

-- ---------------------------------------------------------------------------------------
-- The query text (see cca_match_sql in 004; 018 replaced it to add `audience`).
-- Parameters: $1 query vector, $2 count, $3 content types, $4 threshold.
--   pgvector: ORDER BY distance LIMIT k over the table, the type filter a plain qual.
--   fallback, lists not built: the same (an exact scan with a top-N heapsort).
--   fallback, lists built: the approximate query (probed lists + pending rows, ranked
--   exactly); if it yields fewer than k rows, the exact query (a one-time filter: it runs
--   only then).
-- The threshold applies outside, after the ordering.
-- ---------------------------------------------------------------------------------------
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

-- The k nearest rows of a kind through the lists, as the caller (row-level security applies):
-- the rows of the probed lists and the pending rows, ranked exactly. When that gives fewer
-- than k rows (a rare type, rows the policies hide), exact search over the table instead, so
-- k rows come back whenever k exist.
CREATE FUNCTION cca_vector_nearest(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    tbl text := CASE kind WHEN 'p' THEN 'public.content_passages' ELSE 'public.learning_content' END;
    type_qual text := CASE WHEN types IS NULL THEN ''
                           WHEN kind = 'p' THEN ' AND x.content_type = ANY ($3)'
                           ELSE ' AND x.content_type = ANY ($3)' END;
    ids text[];
    ds float8[];
BEGIN
    EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
         || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
         || ' WHERE x.embedding IS NOT NULL' || type_qual
         || ' AND (x.vec_list = ANY ($4) OR x.vec_list IS NULL)'
         || ' ORDER BY x.embedding <=> $1 LIMIT $2) t'
        INTO ids, ds
        USING q, k, types, public.cca_vector_probes(kind, q, k, types IS NOT NULL);
    IF coalesce(cardinality(ids), 0) < k THEN
        RETURN QUERY EXECUTE 'SELECT x.id, x.embedding <=> $1 FROM ' || tbl || ' x'
            || ' WHERE x.embedding IS NOT NULL' || type_qual
            || ' ORDER BY x.embedding <=> $1 LIMIT $2' USING q, k, types;
        RETURN;
    END IF;
    RETURN QUERY SELECT u.id, u.d FROM unnest(ids, ds) AS u(id, d);
END
$$;

-- Whether the fallback's lists of a kind are built (cca_match_sql, as the caller).
CREATE FUNCTION cca_vector_index_built(kind "char") RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT EXISTS (SELECT 1 FROM cca_index.state s
                     WHERE s.kind = $1 AND s.probe_rows IS NOT NULL AND cca_index.current(s)) $$;

-- ---------------------------------------------------------------------------------------
-- Function-level settings of the two retrieval functions (see 2 and 4 above). ALTER
-- FUNCTION keeps the body and the result columns as they are (018's included).
-- ---------------------------------------------------------------------------------------
ALTER FUNCTION match_documents(vector, float, int, text[]) SET max_parallel_workers_per_gather = 0;
ALTER FUNCTION match_passages(vector, float, int, text[]) SET max_parallel_workers_per_gather = 0;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        ALTER FUNCTION match_documents(vector, float, int, text[]) SET enable_sort = off;
        ALTER FUNCTION match_passages(vector, float, int, text[]) SET enable_sort = off;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION cca_index.passage_before(), cca_index.content_before(),
    cca_index.content_type_sync(), cca_index.kind_table("char"), cca_index.assign("char", boolean),
    cca_index.nearest_list("char", vector),
    cca_index.build("char", integer, float8), cca_index.probe_lists("char", vector, float8),
    cca_index.current(cca_index.state),
    cca_vector_index_build(text, integer),
    cca_vector_index_drop(), cca_vector_index_maintain(), cca_vector_bulk_begin(),
    cca_vector_probes("char", vector, integer, boolean),
    cca_vector_index_built("char"), cca_vector_nearest("char", vector, integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_index_build(text, integer), cca_vector_index_drop(),
    cca_vector_index_maintain(), cca_vector_bulk_begin() TO cca_admin;
GRANT EXECUTE ON FUNCTION cca_vector_index_maintain() TO cca_trainer;
GRANT EXECUTE ON FUNCTION cca_vector_probes("char", vector, integer, boolean), cca_vector_index_built("char"),
    cca_vector_nearest("char", vector, integer, text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;

RESET ROLE;

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
-- ---------------------------------------------------------------------------------------
-- 4. The fallback's sign-bit prefilter, for embeddings the lists do not suit.
--
-- On the local embedder's vectors the lists reach recall@10 0.79 with a quarter of the table
-- probed (their neighbourhoods are flat: the nearest passage has cosine 0.34-0.48, the median
-- 0.14-0.19), so 019 leaves them unused and every query scanned the whole table. The signs of
-- the coordinates still rank it well: measured there with 12 passages as queries, the C nearest
-- by Hamming distance of binary_quantize(embedding), ranked exactly by <=>, held the exact top
-- 5 / top 20 at C = 1,000 in 0.983 / 0.917 of cases and at C = 3,000 in 1.000 / 0.988.
--
-- cca_index.bits holds binary_quantize(embedding) of every embedded row of a kind (192 bytes at
-- 1536 dimensions: 23 MB at 100,000 passages instead of 785 MB). A row whose bits are current
-- has vec_list = -1 (lists are numbered from 1 and are not used for that kind); a written row
-- is pending (vec_list NULL, 019's triggers) and is always ranked exactly, so an insert or
-- update is seen at once; a deleted row's bits only take a candidate's place until the next
-- maintain. The build calibrates C as the lists do: 40 rows of the table as queries, their
-- exact 10 nearest, the smallest C of 1,000, 2,000, 4,000 ... (up to a quarter of the table)
-- that holds 0.98 of them; none: no bits (exact search). The query
-- (cca_vector_bits_nearest, a definer: the bits are private) takes the C nearest bits, ranks
-- those rows and the pending ones exactly, keeps only rows the caller may read (readers, as
-- the policies) and of the requested types, and returns ids and distances; the caller's
-- query reads the rows again under row-level security.
-- ---------------------------------------------------------------------------------------
ALTER TABLE cca_index.state ADD COLUMN bits_candidates integer;   -- C; NULL: no bits
ALTER TABLE cca_index.state ADD COLUMN bits_recall float8;        -- the calibration's recall@10
CREATE TABLE cca_index.bits (
    kind "char" NOT NULL REFERENCES cca_index.state ON DELETE CASCADE,
    id text NOT NULL,
    b bit varying NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Writes the bits of the pending rows of a kind (vec_list NULL) and marks them current, drops
-- the bits of rows that are gone; returns the rows written.
CREATE FUNCTION cca_index.bits_assign(k "char") RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    n bigint;
BEGIN
    EXECUTE format('INSERT INTO cca_index.bits (kind, id, b) SELECT $1, t.id, binary_quantize(t.embedding)'
                   ' FROM %s t WHERE t.embedding IS NOT NULL AND t.vec_list IS NULL'
                   ' ON CONFLICT (kind, id) DO UPDATE SET b = EXCLUDED.b', tbl) USING k;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO cca_auth.maintenance (purpose) VALUES ('vector_index');
    EXECUTE format('UPDATE %s t SET vec_list = -1 WHERE t.embedding IS NOT NULL AND t.vec_list IS NULL',
                   tbl);
    DELETE FROM cca_auth.maintenance WHERE purpose = 'vector_index';
    EXECUTE format('DELETE FROM cca_index.bits b WHERE b.kind = $1'
                   ' AND NOT EXISTS (SELECT 1 FROM %s t WHERE t.id = b.id AND t.embedding IS NOT NULL)',
                   tbl) USING k;
    RETURN n;
END
$$;

-- Builds the bits of a kind whose lists were built but not calibrated (state.probe_rows NULL):
-- calibration first, then every row (the table is rewritten once to mark them: no dead row
-- versions, no audit rows). Returns what it did.
CREATE FUNCTION cca_index.bits_build(k "char", target float8 DEFAULT 0.98) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp SET client_min_messages = warning
AS $$
DECLARE
    tbl text := cca_index.kind_table(k);
    n bigint;
    c integer;
    rec float8;
    chosen integer;
    chosen_recall float8;
    t0 timestamptz := clock_timestamp();
BEGIN
    UPDATE cca_index.state SET bits_candidates = NULL, bits_recall = NULL WHERE kind = k;
    DELETE FROM cca_index.bits WHERE kind = k;
    EXECUTE format('SELECT count(*) FROM %s WHERE embedding IS NOT NULL', tbl) INTO n;
    IF n = 0 OR NOT EXISTS (SELECT 1 FROM cca_index.state s WHERE s.kind = k) THEN
        RETURN jsonb_build_object('kind', k, 'bits', false);
    END IF;
    EXECUTE format('INSERT INTO cca_index.bits (kind, id, b) SELECT $1, t.id, binary_quantize(t.embedding)'
                   ' FROM %s t WHERE t.embedding IS NOT NULL', tbl) USING k;
    ANALYZE cca_index.bits;
    DROP TABLE IF EXISTS pg_temp.cca_bits_q;
    EXECUTE format('CREATE TEMP TABLE cca_bits_q AS SELECT t.id,'
                   ' binary_quantize(t.embedding)::bit varying AS qb,'
                   ' ARRAY(SELECT x.id FROM %s x WHERE x.embedding IS NOT NULL AND x.id <> t.id'
                   '       ORDER BY x.embedding <=> t.embedding, x.id LIMIT 10) AS truth,'
                   ' NULL::bigint[] AS ranks'
                   ' FROM %s t WHERE t.embedding IS NOT NULL ORDER BY random() LIMIT 40', tbl, tbl);
    -- each truth row's position in the candidate list: the other rows at its Hamming distance
    -- or nearer (ties counted against it); one ranking of the bits per sample query
    UPDATE pg_temp.cca_bits_q q SET ranks = ARRAY(
        SELECT r.pos FROM (SELECT o.id, count(*) OVER (ORDER BY o.b <~> q.qb) AS pos
                           FROM cca_index.bits o WHERE o.kind = k AND o.id <> q.id) r
        WHERE r.id = ANY (q.truth));
    c := 1000;
    LOOP
        SELECT avg((SELECT count(*) FROM unnest(q.ranks) r WHERE r <= c)::float8
                   / greatest(cardinality(q.truth), 1))
        INTO rec FROM pg_temp.cca_bits_q q;
        chosen_recall := rec;
        IF rec >= target THEN
            chosen := c;
            EXIT;
        END IF;
        EXIT WHEN c >= n / 4.0;
        c := least(c * 2, greatest(n / 4, 1))::integer;
    END LOOP;
    DROP TABLE pg_temp.cca_bits_q;
    IF chosen IS NULL THEN
        DELETE FROM cca_index.bits WHERE kind = k;
        UPDATE cca_index.state SET bits_recall = chosen_recall WHERE kind = k;
    ELSE
        EXECUTE format('ALTER TABLE %s ALTER COLUMN vec_list TYPE integer'
                       ' USING CASE WHEN embedding IS NULL THEN NULL ELSE -1 END', tbl);
        EXECUTE format('ANALYZE %s', tbl);
        UPDATE cca_index.state SET bits_candidates = chosen, bits_recall = chosen_recall
        WHERE kind = k;
    END IF;
    RETURN jsonb_build_object('kind', k, 'rows', n, 'bits', chosen IS NOT NULL,
                              'candidates', chosen, 'recall', round(chosen_recall::numeric, 3),
                              'seconds', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));
END
$$;

-- The k nearest rows of a kind through the bits, among the rows the caller may read and of the
-- given types (NULL: any): ids and exact distances, nearest first. Empty when the kind has no
-- bits. cca.vector_bits_candidates (a session setting) overrides the calibrated C.
CREATE FUNCTION cca_vector_bits_nearest(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    who text := cca_auth.acting_role();
    tags text[] := cca_auth.reader_tags_for(who);
    reads_all boolean := cca_auth.reads_all_content(who);
    c integer;
    tbl text := cca_index.kind_table(kind);
    cands text[];
BEGIN
    SELECT s.bits_candidates INTO c FROM cca_index.state s
    WHERE s.kind = cca_vector_bits_nearest.kind AND cca_index.current(s);
    IF c IS NULL OR q IS NULL OR tbl IS NULL OR NOT (reads_all OR tags IS NOT NULL) THEN
        RETURN;
    END IF;
    c := coalesce(nullif(current_setting('cca.vector_bits_candidates', true), '')::integer, c);
    cands := ARRAY(SELECT b.id FROM cca_index.bits b WHERE b.kind = cca_vector_bits_nearest.kind
                   ORDER BY b.b <~> binary_quantize(q) LIMIT greatest(c, k));
    RETURN QUERY EXECUTE format(
        'SELECT x.id, x.embedding <=> $1 FROM %s x'
        ' WHERE (x.id = ANY ($2) OR x.vec_list IS NULL) AND x.embedding IS NOT NULL'
        ' AND ($3 OR x.readers && $4) AND ($5 IS NULL OR x.content_type = ANY ($5))'
        ' ORDER BY x.embedding <=> $1, x.id LIMIT $6', tbl)
        USING q, cands, reads_all, tags, types, k;
END
$$;

-- 019's, and true too when the kind's bits are built.
CREATE OR REPLACE FUNCTION cca_vector_index_built(kind "char") RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT EXISTS (SELECT 1 FROM cca_index.state s
                     WHERE s.kind = $1 AND (s.probe_rows IS NOT NULL OR s.bits_candidates IS NOT NULL)
                       AND cca_index.current(s)) $$;

-- 019's, with the bits when the kind has them (instead of lists).
CREATE OR REPLACE FUNCTION cca_vector_nearest(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    tbl text := CASE kind WHEN 'p' THEN 'public.content_passages' ELSE 'public.learning_content' END;
    type_qual text := CASE WHEN types IS NULL THEN '' ELSE ' AND x.content_type = ANY ($3)' END;
    ids text[];
    ds float8[];
    probes integer[] := public.cca_vector_probes(kind, q, k, types IS NOT NULL);
BEGIN
    IF probes IS NOT NULL THEN
        EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
             || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
             || ' WHERE x.embedding IS NOT NULL' || type_qual
             || ' AND (x.vec_list = ANY ($4) OR x.vec_list IS NULL)'
             || ' ORDER BY x.embedding <=> $1 LIMIT $2) t'
            INTO ids, ds
            USING q, k, types, probes;
    ELSE
        -- the bits: rows the caller may read (the definer applies readers as the policies do;
        -- the caller's query reads them again under row-level security)
        SELECT array_agg(b.id ORDER BY b.distance, b.id), array_agg(b.distance ORDER BY b.distance, b.id)
        INTO ids, ds FROM public.cca_vector_bits_nearest(kind, q, k, types) b;
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

-- After a build of the lists: the bits when the lists were not calibrated (none otherwise).
CREATE FUNCTION cca_index.bits_if_needed(k "char") RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM cca_index.state s WHERE s.kind = k AND s.probe_rows IS NULL) THEN
        RETURN jsonb_build_array(cca_index.bits_build(k));
    END IF;
    RETURN '[]';
END
$$;

-- 019's, with the bits built after lists that were not calibrated, and their pending rows
-- written by maintain.
CREATE OR REPLACE FUNCTION cca_vector_index_build(which text DEFAULT NULL, lists integer DEFAULT NULL)
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
        out := out || cca_index.build('p', lists) || cca_index.bits_if_needed('p');
    END IF;
    IF which IS NULL OR which = 'documents' THEN
        out := out || cca_index.build('d', lists) || cca_index.bits_if_needed('d');
    END IF;
    RETURN out;
END
$$;

CREATE OR REPLACE FUNCTION cca_vector_index_maintain() RETURNS jsonb
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
            out := out || cca_index.build(k, NULL) || cca_index.bits_if_needed(k);
        ELSIF st.probe_rows IS NOT NULL THEN
            out := out || jsonb_build_object('kind', k, 'rows', n, 'lists', st.lists,
                                             'assigned', cca_index.assign(k, false));
        ELSIF st.bits_candidates IS NOT NULL THEN
            out := out || jsonb_build_object('kind', k, 'rows', n, 'bits', true,
                                             'assigned', cca_index.bits_assign(k));
        END IF;
    END LOOP;
    RETURN out;
END
$$;

REVOKE ALL ON FUNCTION cca_index.bits_assign("char"), cca_index.bits_build("char", float8),
    cca_index.bits_if_needed("char"), cca_vector_bits_nearest("char", vector, integer, text[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_bits_nearest("char", vector, integer, text[])
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;


-- One query per session: JIT compilation never pays back (see 1 above). Function-level SET,
-- restored on return; the bodies and result columns stay as they are.
ALTER FUNCTION match_documents(vector, float, int, text[]) SET jit = off;
ALTER FUNCTION match_passages(vector, float, int, text[]) SET jit = off;
ALTER FUNCTION cca_vector_nearest("char", vector, integer, text[]) SET jit = off;
ALTER FUNCTION search_passages(text, text[], int) SET jit = off;
ALTER FUNCTION passage_term_stats(text[]) SET jit = off;

RESET ROLE;

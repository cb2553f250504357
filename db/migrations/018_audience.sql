-- 018_audience: who may read a piece of learning content (issue: restricted content).
--
-- Each learning_content row has an audience (everyone by default, or a set of roles and/or
-- departments, any of which grants access) and a state (draft or published). Drafts are read
-- by their author and admins only; restricted content by its audience, its author and admins.
--
-- How it is enforced: row-level security on learning_content, content_passages and
-- course_contents, so every path that reads them as the caller (match_passages /
-- match_documents, search_passages / search_learning_content, cca_reader_open, the
-- recommendations, the views, the knowledge-gap report, exports, anything written later) sees
-- only what the caller may read. Nothing is filtered in C.
--
-- The rule is written once: cca_auth.content_readers(audience, state, author) turns a row's
-- audience into the set of reader tags that may read it ('everyone', 'role:hr_manager',
-- 'department:Engineering', 'user:<id>', 'role:admin'), stored in the generated column
-- learning_content.readers and copied to each passage (content_passages.readers, kept in step
-- by triggers). cca_auth.reader_tags() gives the caller's tags (NULL for a role linked to no
-- person). Both SELECT policies are the same array overlap, readers && (SELECT
-- cca_auth.reader_tags()): the caller's tags are an InitPlan evaluated once per statement and
-- each row costs one built-in array comparison, no function call (a CCA function pins its
-- search_path and so is never inlined: a call per row would double an exact vector scan).
-- The policy is not an ORDER BY, so pgvector's HNSW index scan still drives the vector query
-- (the policy is a filter on it; iterative scans refill the LIMIT, see cca_hnsw_tune), and
-- the fallback's exact scan filters before its top-N sort.
--
-- Collection statistics (BM25's document frequencies, passage_term_stats) were
-- collection-wide, read by a definer past RLS: a learner could learn that a word of an HR-only
-- document exists (df > 0). They now describe only what the caller may read (below).
SET LOCAL ROLE cca_owner;

-- ---------------------------------------------------------------------------------------
-- The rule
-- ---------------------------------------------------------------------------------------

-- The reader tags that may read a row: everyone, or the audience plus its author and admins;
-- a draft only its author and admins. The one place that says who reads content.
CREATE FUNCTION cca_auth.content_readers(audience text[], state text, author text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN state = 'published' AND coalesce(cardinality(audience), 0) = 0
            THEN ARRAY['everyone']
        WHEN state = 'published'
            THEN audience || ARRAY['role:admin'] || coalesce(ARRAY['user:' || author], '{}')
        ELSE ARRAY['role:admin'] || CASE WHEN author IS NULL THEN '{}'::text[]
                                         ELSE ARRAY['user:' || author] END
    END
$$;

-- The tags of a person acting as role_name: everyone, user:<id>, role:<role>,
-- department:<department>. NULL for a role linked to nobody (it reads no content), the
-- superuser included (it bypasses row-level security anyway). identity() checks that the
-- session may act as role_name.
CREATE FUNCTION cca_auth.reader_tags_for(role_name text) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tags text[];
BEGIN
    SELECT ARRAY['everyone', 'user:' || i.id, 'role:' || i.app_role]
           || CASE WHEN i.department IS NULL THEN '{}'::text[]
                   ELSE ARRAY['department:' || i.department] END
    INTO tags
    FROM cca_auth.identity(role_name) i;
    RETURN tags;
END
$$;

-- The caller's tags; policies wrap it in (SELECT ...) so it runs once per statement.
CREATE FUNCTION cca_auth.reader_tags() RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN cca_auth.reader_tags_for(current_user::text); END $$;

-- Whether a person acting as role_name reads all content (admins; a superuser or a role
-- with BYPASSRLS acting as itself).
CREATE FUNCTION cca_auth.reads_all_content(role_name text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r
                     WHERE r.rolname = role_name), false)
        OR coalesce(cca_auth.reader_tags_for(role_name) @> ARRAY['role:admin'], false);
END
$$;

-- What the sources panel shows about a restricted item: NULL for everyone, "Draft",
-- "HR only", "Engineering only", "HR, Engineering only".
CREATE FUNCTION cca_auth.audience_label(audience text[], state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN state = 'draft' THEN 'Draft'
        WHEN coalesce(cardinality(audience), 0) = 0 THEN NULL
        ELSE (SELECT string_agg(CASE a.tag
                                    WHEN 'role:hr_manager' THEN 'HR'
                                    WHEN 'role:trainer' THEN 'Trainers'
                                    WHEN 'role:admin' THEN 'Admins'
                                    WHEN 'role:learner' THEN 'Learners'
                                    ELSE substr(a.tag, strpos(a.tag, ':') + 1) END,
                                ', ' ORDER BY a.ord)
              FROM unnest(audience) WITH ORDINALITY AS a(tag, ord)) || ' only'
    END
$$;

-- An audience as given (`--audience role:hr_manager,department:engineering`, the Content
-- tab), checked and put in canonical form: entries "role:R" (learner, hr_manager, trainer,
-- admin) or "department:D" (a department some person belongs to, spelled as stored), without
-- duplicates, roles first. NULL or {} = everyone. 22023 names the entry refused. Definer: the
-- departments are read past users' row-level security (names only, never returned).
CREATE FUNCTION cca_auth.audience_normalize(audience text[]) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    entry text;
    kind text;
    val text;
    dept text;
    out text[] := '{}';
BEGIN
    FOREACH entry IN ARRAY coalesce(audience, '{}') LOOP
        kind := lower(btrim(split_part(coalesce(entry, ''), ':', 1)));
        val := btrim(substr(coalesce(entry, ''), strpos(coalesce(entry, ''), ':') + 1));
        IF strpos(coalesce(entry, ''), ':') = 0 OR val = '' THEN
            RAISE EXCEPTION 'audience entry "%" is not role:NAME or department:NAME', entry
                USING ERRCODE = '22023';
        ELSIF kind = 'role' THEN
            val := lower(val);
            IF val NOT IN ('learner', 'hr_manager', 'trainer', 'admin') THEN
                RAISE EXCEPTION 'unknown role "%" in the audience (learner, hr_manager, trainer, admin)',
                    val USING ERRCODE = '22023';
            END IF;
            entry := 'role:' || val;
        ELSIF kind = 'department' THEN
            SELECT min(u.department) INTO dept FROM users u
            WHERE lower(u.department) = lower(val);
            IF dept IS NULL THEN
                RAISE EXCEPTION 'unknown department "%" in the audience: nobody belongs to it', val
                    USING ERRCODE = '22023';
            END IF;
            entry := 'department:' || dept;
        ELSE
            RAISE EXCEPTION 'audience entry "%" is not role:NAME or department:NAME', entry
                USING ERRCODE = '22023';
        END IF;
        IF NOT entry = ANY (out) THEN
            out := out || entry;
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT e FROM unnest(out) e ORDER BY e LIKE 'department:%', e);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Columns
-- ---------------------------------------------------------------------------------------
ALTER TABLE learning_content
    ADD COLUMN audience TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN state TEXT NOT NULL DEFAULT 'published'
        CONSTRAINT learning_content_state_check CHECK (state IN ('draft', 'published')),
    ADD COLUMN readers TEXT[] GENERATED ALWAYS AS
        (cca_auth.content_readers(audience, state, created_by)) STORED;
-- A copy of the document's readers (trigger below), so the passage policy reads its own row.
ALTER TABLE content_passages ADD COLUMN readers TEXT[];

CREATE FUNCTION cca_auth.learning_content_audience_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.audience := cca_auth.audience_normalize(NEW.audience);
    RETURN NEW;
END
$$;

CREATE TRIGGER learning_content_audience_trigger
    BEFORE INSERT OR UPDATE OF audience ON learning_content
    FOR EACH ROW EXECUTE FUNCTION cca_auth.learning_content_audience_check();

-- Whatever a writer puts in content_passages.readers, it is its document's. Definer: the copy
-- must not depend on what the writer can see (a row it cannot see would get NULL: unreadable).
CREATE FUNCTION cca_auth.content_passages_copy_readers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.readers := (SELECT lc.readers FROM learning_content lc WHERE lc.id = NEW.content_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER content_passages_readers_trigger
    BEFORE INSERT OR UPDATE ON content_passages
    FOR EACH ROW EXECUTE FUNCTION cca_auth.content_passages_copy_readers();

CREATE FUNCTION cca_auth.learning_content_sync_readers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE content_passages SET readers = NEW.readers WHERE content_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER learning_content_readers_trigger
    AFTER UPDATE ON learning_content
    FOR EACH ROW WHEN (OLD.readers IS DISTINCT FROM NEW.readers)
    EXECUTE FUNCTION cca_auth.learning_content_sync_readers();

-- ---------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------
DROP POLICY learning_content_select_authenticated ON learning_content;
CREATE POLICY learning_content_select_readable ON learning_content FOR SELECT
    USING (readers OPERATOR(pg_catalog.&&) (SELECT cca_auth.reader_tags()));

DROP POLICY content_passages_select_authenticated ON content_passages;
CREATE POLICY content_passages_select_readable ON content_passages FOR SELECT
    USING (readers OPERATOR(pg_catalog.&&) (SELECT cca_auth.reader_tags()));

-- A course's lesson list names only lessons the caller may read (its length and positions
-- would otherwise tell that a hidden lesson exists). learning_content's policy applies inside.
DROP POLICY course_contents_select_authenticated ON course_contents;
CREATE POLICY course_contents_select_readable ON course_contents FOR SELECT
    USING (EXISTS (SELECT 1 FROM learning_content lc WHERE lc.id = course_contents.content_id));

-- ---------------------------------------------------------------------------------------
-- Retrieval
-- ---------------------------------------------------------------------------------------

-- pgvector: iterative index scans always (not only with a type filter), so rows the policy
-- hides are replaced by the next nearest ones and a query returns match_count rows whenever
-- that many readable ones exist (up to hnsw.max_scan_tuples visited, 20,000 by default).
-- relaxed_order: the callers order by distance again.
CREATE OR REPLACE FUNCTION cca_hnsw_tune(match_count integer, has_types boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('hnsw.iterative_scan', true) IS NOT NULL THEN
        PERFORM set_config('hnsw.iterative_scan', 'relaxed_order', true);
    END IF;
    IF match_count > 40 AND current_setting('hnsw.ef_search', true) IS NOT NULL THEN
        PERFORM set_config('hnsw.ef_search', least(match_count, 1000)::text, true);
    END IF;
END
$$;

-- Passages now carry the document's audience label (NULL = everyone) as a last column.
CREATE OR REPLACE FUNCTION cca_match_sql(kind text, has_types boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind = 'documents' THEN
        RETURN 'SELECT m.id, m.title, m.content, m.content_type,'
            || ' (1 - m.distance)::float8 AS similarity, m.metadata'
            || ' FROM (SELECT lc.id, lc.title, lc.content, lc.content_type, lc.metadata,'
            || ' lc.embedding <=> $1 AS distance'
            || ' FROM public.learning_content lc WHERE lc.embedding IS NOT NULL'
            || CASE WHEN has_types THEN ' AND lc.content_type = ANY ($3)' ELSE '' END
            || ' ORDER BY lc.embedding <=> $1 LIMIT $2) m'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    ELSIF kind = 'passages' THEN
        RETURN 'SELECT m.id, m.content_id, lc.title, lc.content_type, lc.source_path,'
            || ' m.heading, m.body, (1 - m.distance)::float8 AS similarity,'
            || ' cca_auth.audience_label(lc.audience, lc.state) AS audience'
            || ' FROM (SELECT p.id, p.content_id, p.heading, p.body,'
            || ' p.embedding <=> $1 AS distance'
            || ' FROM public.content_passages p WHERE p.embedding IS NOT NULL'
            || CASE WHEN has_types THEN ' AND p.content_id IN (SELECT t.id FROM'
                   || ' public.learning_content t WHERE t.content_type = ANY ($3))' ELSE '' END
            || ' ORDER BY p.embedding <=> $1 LIMIT $2) m'
            || ' JOIN public.learning_content lc ON lc.id = m.content_id'
            || ' WHERE 1 - m.distance > $4 ORDER BY m.distance, m.id';
    END IF;
    RAISE EXCEPTION 'cca_match_sql: unknown kind %', kind USING ERRCODE = '22023';
END
$$;

DROP FUNCTION match_passages(vector, float, int, text[]);
CREATE FUNCTION match_passages(
    query_embedding vector,
    match_threshold float,
    match_count int,
    content_types text[] DEFAULT NULL)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, similarity float, audience text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    has_types boolean := content_types IS NOT NULL;
    k integer := CASE WHEN match_count IS NOT NULL THEN least(match_count, 1000) END;
BEGIN
    IF query_embedding IS NULL OR k IS NULL OR k < 1 THEN
        RETURN;
    END IF;
    PERFORM cca_hnsw_tune(k, has_types);
    RETURN QUERY EXECUTE cca_match_sql('passages', has_types)
        USING query_embedding, k, content_types, coalesce(match_threshold, -2.0);
END
$$;

-- ---------------------------------------------------------------------------------------
-- Statistics that describe only what the caller may read
-- ---------------------------------------------------------------------------------------

-- The number of passages the acting person may read. Admins (and the superuser): all of them
-- (pg_class.reltuples, else a count). Others: from the planner's element statistics of
-- readers (the share of rows holding each of the caller's tags, summed: rows the caller can
-- read, nothing about the others), else an exact count of the rows they can read. Definer: the
-- statistics of a table under row-level security are visible to its owner only; the caller
-- is cca_auth.acting_role() (the SET ROLE target or the login role, which PostgreSQL checked).
CREATE FUNCTION cca_auth.passage_readable_count() RETURNS float8
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    who text := cca_auth.acting_role();
    tags text[] := cca_auth.reader_tags_for(who);
    total float8;
    share float8;
BEGIN
    SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8 END INTO total
    FROM pg_class c WHERE c.oid = 'public.content_passages'::regclass;
    IF cca_auth.reads_all_content(who) THEN
        RETURN coalesce(total, (SELECT count(*) FROM content_passages)::float8);
    END IF;
    IF tags IS NULL THEN
        RETURN 0;
    END IF;
    IF total IS NOT NULL THEN
        SELECT sum(m.freq) INTO share
        FROM pg_stats s
        CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
            AS m(tag, freq)
        WHERE s.schemaname = 'public' AND s.tablename = 'content_passages'
          AND s.attname = 'readers' AND m.tag = ANY (tags);
        IF share IS NOT NULL THEN
            RETURN round(total * least(share, 1));
        END IF;
    END IF;
    RETURN (SELECT count(*) FROM content_passages p WHERE p.readers && tags)::float8;
END
$$;

-- Same contract as 008 (document frequency of each lexeme, and n), over the passages the
-- acting person may read. A rare word (fewer than 100 passages collection-wide by the
-- statistics) is counted exactly among the readable passages through the GIN index; a common
-- one is estimated as its collection share times the caller's n, and only when at least one
-- readable passage holds it (otherwise 0). So no word of a document the caller may not read
-- shows in a count; what remains collection-wide is the share of words that are common
-- anyway, among passages the caller also reads.
CREATE OR REPLACE FUNCTION cca_auth.passage_lexeme_stats(lexemes text[])
RETURNS TABLE (lexeme text, df float8, n float8)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    who text := cca_auth.acting_role();
    tags text[] := cca_auth.reader_tags_for(who);
    reads_all boolean := cca_auth.reads_all_content(who);
    n_all float8;
    n_mine float8 := cca_auth.passage_readable_count();
BEGIN
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

-- 015's contract; n falls back to the caller's readable count (not the table's size) when
-- no word has a lexeme.
CREATE OR REPLACE FUNCTION passage_term_stats(words text[])
RETURNS TABLE (ord int, df float8, n float8)
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
    WITH w AS MATERIALIZED (
        SELECT x.ord::int AS ord,
               (tsvector_to_array(to_tsvector('english', coalesce(x.word, ''))))[1] AS lexeme
        FROM unnest(words) WITH ORDINALITY AS x(word, ord)
    ),
    s AS MATERIALIZED (
        SELECT * FROM cca_auth.passage_lexeme_stats(
            ARRAY(SELECT w.lexeme FROM w WHERE w.lexeme IS NOT NULL))
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

-- 008's BM25 search, plus the audience label as a last column.
DROP FUNCTION search_passages(text, text[], int);
CREATE FUNCTION search_passages(
    search_query text,
    content_types text[] DEFAULT NULL,
    limit_count int DEFAULT 20)
RETURNS TABLE (passage_id text, content_id text, title text, content_type text,
               source_path text, heading text, body text, relevance_score float,
               audience text)
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
        SELECT p.id, p.ordinal, lc.source_path, p.tsv || ''::tsvector AS tsv
        FROM essential e
        JOIN public.content_passages p ON p.tsv OPERATOR(public.@@) e.query
        JOIN public.learning_content lc ON lc.id = p.content_id
        WHERE content_types IS NULL OR lc.content_type = ANY (content_types)
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
           top.score::float8, cca_auth.audience_label(lc.audience, lc.state)
    FROM top
    JOIN public.content_passages p ON p.id = top.id
    JOIN public.learning_content lc ON lc.id = p.content_id
    ORDER BY top.score DESC, top.source_path, top.ordinal
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------
-- audience and state are written like the other columns (trainers their own rows, admins
-- any); readers is generated, passages' readers is overwritten by the trigger.
GRANT EXECUTE ON FUNCTION cca_auth.content_readers(text[], text, text),
    cca_auth.reader_tags_for(text), cca_auth.reader_tags(), cca_auth.reads_all_content(text),
    cca_auth.audience_label(text[], text), cca_auth.passage_readable_count(),
    match_passages(vector, float, int, text[]), search_passages(text, text[], int)
    TO cca_learner, cca_hr_manager, cca_trainer, cca_admin;
GRANT EXECUTE ON FUNCTION cca_auth.audience_normalize(text[]) TO cca_trainer, cca_admin;

RESET ROLE;

-- Existing passages take their document's readers (as the superuser: a backfill, not an
-- audited change), then the statistics the counts above use.
UPDATE content_passages p SET readers = lc.readers
FROM learning_content lc WHERE lc.id = p.content_id;
ALTER TABLE content_passages ALTER COLUMN readers SET NOT NULL;
ANALYZE content_passages;

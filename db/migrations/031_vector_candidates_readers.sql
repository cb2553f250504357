-- 031_vector_candidates_readers: the fallback's candidate definers return only rows the caller
-- may read (issue 17's paths, restricted content).
--
-- Why: cca_vector_exact_candidates (030) and cca_vector_col_candidates (024) are definers
-- granted to every role; they returned the tids / ids of the rows nearest a query vector over
-- the whole table. The caller could not read the hidden rows, but a learner calling a definer
-- directly with any vector learned that restricted passages near a topic exist, and their ids
-- (comparing with what they can read). Nothing about a row the caller may not read now leaves
-- either definer:
-- - The caller's filter (cca_auth.content_filter) is 018's SELECT policy for the acting person
--   (cca_auth.acting_role(): the SET ROLE target or the login role, the same inside a definer):
--   every row for a person who reads all content (admins: 006's admin policy; a superuser or
--   BYPASSRLS role; a member of the tables' owner, whom the policies do not bind), else the
--   rows whose readers overlap reader_tags_for(acting role) ('{}' for a role linked to nobody).
-- - Exact path: the filter runs inside the scan (cca_exact_top's readers_col / reader_tags,
--   cca_vector 1.3), so the tids are the caller's own readable top `want`: the margin and the
--   widening for hidden rows (030's 2k + 20, then 20 times as many) are gone, the definer is
--   asked for k. cca_vector_exact still ranks the tids as the caller (the policies apply) and
--   uses them only when the caller is the acting person (current_user = acting_role(); inside
--   some other definer it takes the SQL scan): then the filter is exactly the caller's
--   SELECT policies, so k readable candidates are the caller's exact top k, and fewer than k,
--   all readable, are all of their rows. A candidate the caller cannot read (a filter laxer
--   than the policies) sends it to the SQL scan. A filter stricter than the policies would
--   not be noticed (a readable row it skipped could be nearer): the two must stay the same
--   rule, which tests/db/18 pins (no other SELECT policy opens content, admins aside) and
--   tests/db/31 checks (each role's rows equal the SQL scan's).
-- - Columnar path: the copy's top positions are kept only where the row is readable, and the
--   copy is asked for more positions (at least twice as many, as many as the share found
--   readable suggests) until n readable ones are found (or every position is ranked); pending
--   rows likewise. So the ids are the caller's n best readable positions:
--   their number and order do not depend on hidden rows (a superset of the readable ones 024
--   returned, so recall is the same or better).
-- - 019's cca_vector_probes returns list numbers (which centroids are nearest, and how many
--   lists hold the rows wanted): no row's id or tid. Unchanged.
-- On real pgvector nothing here is used. Where cca_vector is older than 1.3 (or a build of 1.3
-- without the readers filter), the exact candidates are NULL and the SQL scan runs.

-- cca_exact_top with the readers filter (cca_vector 1.3) may be run by the tables' owner. The
-- extension's functions are named without a schema (the migration's search_path finds them
-- where the platform put the extension: docs/managed.md). Granted by whoever may grant it (the
-- extension's owner); a migrating login that may not (a managed server) says so, and the
-- exact path stays in SQL until the platform grants it.
DO $$
DECLARE
    fn regprocedure := to_regprocedure('cca_exact_top(regclass, name, vector, integer, name, text[],'
                                       ' name, text[])');
BEGIN
    IF fn IS NULL THEN
        RETURN;
    END IF;
    IF has_function_privilege(fn, 'EXECUTE WITH GRANT OPTION') THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO cca_owner', fn);
    ELSE
        RAISE NOTICE 'exact vector search stays in SQL: % may not grant EXECUTE on % to cca_owner '
                     '(the extension''s owner may: docs/managed.md)', current_user, fn;
    END IF;
END
$$;

SET LOCAL ROLE cca_owner;

-- The rows of tbl the acting person may read, as 018's and 006's SELECT policies say:
-- reads_all (no filter), else the rows whose readers overlap tags. Called inside definers,
-- where current_user is the owner: the caller is cca_auth.acting_role().
CREATE FUNCTION cca_auth.content_filter(tbl regclass, OUT reads_all boolean, OUT tags text[])
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    who text := cca_auth.acting_role();
BEGIN
    reads_all := cca_auth.reads_all_content(who)
        OR pg_has_role(who, (SELECT c.relowner FROM pg_class c WHERE c.oid = tbl), 'USAGE');
    tags := CASE WHEN reads_all THEN NULL ELSE coalesce(cca_auth.reader_tags_for(who), '{}') END;
END
$$;

-- The tids of the `want` rows of a kind nearest to q that the acting person may read (and of
-- every such row tying with the last); with types, of those content types. NULL where
-- cca_exact_top with the readers filter is not there (cca_vector older than 1.3, or pgvector).
CREATE OR REPLACE FUNCTION cca_vector_exact_candidates(kind "char", q vector, want integer, types text[])
RETURNS tid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    tbl regclass := CASE kind WHEN 'p' THEN 'public.content_passages'::regclass
                              WHEN 'd' THEN 'public.learning_content'::regclass END;
    fn regprocedure := to_regprocedure('cca_exact_top(regclass, name, vector, integer,'
                                       ' name, text[], name, text[])');
    f record;
    out tid[];
BEGIN
    IF tbl IS NULL OR q IS NULL OR want IS NULL OR want < 1 OR fn IS NULL
       OR NOT has_function_privilege(fn, 'EXECUTE') THEN
        RETURN NULL;
    END IF;
    f := cca_auth.content_filter(tbl);
    EXECUTE 'SELECT cca_exact_top($1, ''embedding'', $2, $3, $4, $5, $6, $7)'
        INTO out USING tbl, q, want, CASE WHEN types IS NOT NULL THEN 'content_type' END::name, types,
                       CASE WHEN NOT f.reads_all THEN 'readers' END::name, f.tags;
    RETURN out;
END
$$;

-- The k rows of a kind nearest to q (with types: of those content types), as the caller (the
-- policies apply), best first (ties by id): exactly the exact SQL scan's rows (see the top).
CREATE OR REPLACE FUNCTION cca_vector_exact(kind "char", q vector, k integer, types text[])
RETURNS TABLE (id text, distance float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    tbl text := CASE kind WHEN 'p' THEN 'public.content_passages' ELSE 'public.learning_content' END;
    type_qual text := CASE WHEN types IS NULL THEN '' ELSE ' AND x.content_type = ANY ($3)' END;
    cand tid[];
    ids text[];
    ds float8[];
BEGIN
    -- SET cca.vector_exact_scan = sql: the SQL scan only (benchmarks compare the two). The
    -- candidates are the acting person's readable rows: used only when that is the caller.
    IF q IS NOT NULL AND k IS NOT NULL AND k >= 1
       AND coalesce(current_setting('cca.vector_exact_scan', true), '') <> 'sql'
       AND current_user::text = cca_auth.acting_role() THEN
        cand := public.cca_vector_exact_candidates(kind, q, least(k, 100000), types);
        IF cand IS NOT NULL THEN
            EXECUTE 'SELECT array_agg(t.id ORDER BY t.d, t.id), array_agg(t.d ORDER BY t.d, t.id) FROM'
                 || ' (SELECT x.id, x.embedding <=> $1 AS d FROM ' || tbl || ' x'
                 || ' WHERE x.ctid = ANY ($4) AND x.embedding IS NOT NULL' || type_qual
                 || ' ORDER BY 2, 1 LIMIT $2) t'
                INTO ids, ds USING q, k, types, cand;
            -- k of them readable, or the candidates were every row the caller may read
            IF coalesce(cardinality(ids), 0) >= k
               OR cardinality(cand) < least(k, 100000) AND coalesce(cardinality(ids), 0) = cardinality(cand) THEN
                RETURN QUERY SELECT u.id, u.d FROM unnest(ids, ds) AS u(id, d);
                RETURN;
            END IF;
        END IF;
    END IF;
    RETURN QUERY EXECUTE 'SELECT x.id, x.embedding <=> $1 FROM ' || tbl || ' x'
        || ' WHERE x.embedding IS NOT NULL' || type_qual
        || ' ORDER BY x.embedding <=> $1, x.id LIMIT $2' USING q, k, types;
END
$$;

-- The candidates of a query through the copy (024's): ids only, and only of rows the acting
-- person may read; the copy stays private. NULL when the copy is not used for it: then
-- cca_vector_nearest takes the IVF lists or exact search.
CREATE OR REPLACE FUNCTION cca_vector_col_candidates(kind "char", q vector, k integer, typed boolean DEFAULT false)
RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET jit = off
AS $$
DECLARE
    st cca_index.col_state;
    f record;
    n integer;
    m integer;
    dims integer[];
    top integer[];
    ids text[];
    pending text[];
BEGIN
    IF q IS NULL OR k IS NULL OR k < 1 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO st FROM cca_index.col_state s WHERE s.kind = cca_vector_col_candidates.kind;
    IF st.kind IS NULL OR NOT cca_index.col_current(st) OR vector_dims(q) <> st.dim
       OR cardinality(cca_nonzero_dims(q)) > st.dim / 4 THEN
        RETURN NULL;
    END IF;
    -- SET cca.vector_candidates = N: a session's own candidate count (tests, benchmarks)
    n := greatest(coalesce(nullif(current_setting('cca.vector_candidates', true), '')::integer,
                           st.candidates), 3 * k) * CASE WHEN typed THEN 4 ELSE 1 END;
    f := cca_auth.content_filter(cca_index.kind_table(st.kind)::regclass);
    -- as 027: a caller tagged 'everyone' reads every passage when none is restricted (the
    -- partial index idx_content_passages_restricted is empty): the same ids, unfiltered
    IF NOT f.reads_all AND st.kind = 'p' AND 'everyone' = ANY (f.tags)
       AND NOT EXISTS (SELECT 1 FROM public.content_passages p
                       WHERE NOT (p.readers OPERATOR(pg_catalog.@>) ARRAY['everyone'])) THEN
        f.reads_all := true;
    END IF;
    IF f.reads_all THEN
        RETURN cca_index.col_top_ids(st.kind, q, n);
    END IF;
    IF cardinality(f.tags) = 0 THEN
        RETURN '{}';                -- reads nothing
    END IF;
    -- the n best positions of rows the caller may read: more positions (at least twice as
    -- many, as many as the share found readable suggests) until n of them are readable or
    -- every position has been ranked
    dims := cca_top_dims(q, st.query_share);
    m := n;
    LOOP
        SELECT cca_column_top(c.pos0, c.dim, c.scale, c.vals, q, m) INTO top
        FROM cca_index.cols c WHERE c.kind = st.kind AND c.dim = ANY (dims);
        IF st.kind = 'p' THEN
            SELECT array_agg(x.id ORDER BY u.o) INTO ids
            FROM unnest(top) WITH ORDINALITY u(pos, o)
            JOIN cca_index.col_rows r ON r.kind = 'p' AND r.pos = u.pos
            JOIN public.content_passages x ON x.id = r.id
            WHERE x.readers OPERATOR(pg_catalog.&&) f.tags;
        ELSE
            SELECT array_agg(x.id ORDER BY u.o) INTO ids
            FROM unnest(top) WITH ORDINALITY u(pos, o)
            JOIN cca_index.col_rows r ON r.kind = 'd' AND r.pos = u.pos
            JOIN public.learning_content x ON x.id = r.id
            WHERE x.readers OPERATOR(pg_catalog.&&) f.tags;
        END IF;
        EXIT WHEN coalesce(cardinality(ids), 0) >= n OR coalesce(cardinality(top), 0) < m;
        m := greatest(2 * m, ceil(1.25 * m * n / greatest(coalesce(cardinality(ids), 0), 1))::integer);
    END LOOP;
    IF st.kind = 'p' THEN
        pending := ARRAY(SELECT p.id FROM cca_index.col_pending p JOIN public.content_passages x ON x.id = p.id
                         WHERE p.kind = 'p' AND x.readers OPERATOR(pg_catalog.&&) f.tags ORDER BY p.id);
    ELSE
        pending := ARRAY(SELECT p.id FROM cca_index.col_pending p JOIN public.learning_content x ON x.id = p.id
                         WHERE p.kind = 'd' AND x.readers OPERATOR(pg_catalog.&&) f.tags ORDER BY p.id);
    END IF;
    RETURN coalesce(ids[1 : n], '{}') || pending;
END
$$;

REVOKE ALL ON FUNCTION cca_auth.content_filter(regclass) FROM PUBLIC;

RESET ROLE;

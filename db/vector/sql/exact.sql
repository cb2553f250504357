-- exact: cca_exact_top (1.3), the k nearest rows by one heap scan without the executor. Its
-- rows, ranked again with <=> (ties by id), must be exactly what the SQL scan
-- `ORDER BY embedding <=> q, id LIMIT k` returns: on random data with NULL and zero embeddings,
-- repeated vectors (ties), deleted and updated rows, rows of the same transaction, out-of-line
-- and compressed values, a type filter, and k larger than the table.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.17);
CREATE FUNCTION pg_temp.rv(dim int) RETURNS vector LANGUAGE sql VOLATILE AS $$
  SELECT array_agg(round((random() - 0.5)::numeric, 2))::real[]::vector FROM generate_series(1, dim)
$$;
-- the rows cca_exact_top returns, ranked again by (distance, id), the first k
CREATE FUNCTION pg_temp.c_top(tbl regclass, q vector, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
  tids tid[] := CASE WHEN types IS NULL THEN cca_exact_top(tbl, 'embedding', q, k)
                     ELSE cca_exact_top(tbl, 'embedding', q, k, 'ct', types) END;
  r text[];
BEGIN
  EXECUTE format('SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, embedding <=> $1 AS d FROM %s'
                 ' WHERE ctid = ANY ($2) ORDER BY 2, 1 LIMIT $3) s', tbl) INTO r USING q, tids, k;
  RETURN r;
END $$;
-- the SQL scan
CREATE FUNCTION pg_temp.sql_top(tbl regclass, q vector, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
  r text[];
BEGIN
  EXECUTE format('SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, embedding <=> $1 AS d FROM %s'
                 ' WHERE embedding IS NOT NULL AND ($4::text[] IS NULL OR ct = ANY ($4))'
                 ' ORDER BY 2, 1 LIMIT $3) s', tbl) INTO r USING q, tbl, k, types;
  RETURN r;
END $$;
-- queries: 12 random, one that is a stored vector (distance 0), the zero vector (NaN everywhere)
CREATE FUNCTION pg_temp.check(tbl regclass, ks int[], types text[] DEFAULT NULL)
RETURNS TABLE (k int, queries bigint, equal bigint, rows_min int, rows_max int)
LANGUAGE sql AS $$
  WITH q AS (SELECT i, pg_temp.rv(16) AS q FROM generate_series(1, 12) i
             UNION ALL SELECT 13, '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector(16)
             UNION ALL SELECT 14, '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]'::vector(16)),
       r AS (SELECT k, pg_temp.c_top(tbl, q, k, types) AS c, pg_temp.sql_top(tbl, q, k, types) AS s
               FROM q, unnest(ks) k)
  SELECT k, count(*), count(*) FILTER (WHERE c IS NOT DISTINCT FROM s),
         min(coalesce(cardinality(s), 0)), max(coalesce(cardinality(s), 0))
    FROM r GROUP BY k ORDER BY k
$$;

CREATE TABLE ex (id text PRIMARY KEY, ct text, embedding vector(16));
ALTER TABLE ex ALTER COLUMN embedding SET STORAGE PLAIN;
-- 2,000 rows: random, every 50th NULL, every 97th the zero vector, every 31st one of five
-- repeated vectors (ties at every distance they have), every 41st all ones
INSERT INTO ex
SELECT 'r' || lpad(i::text, 4, '0'), (ARRAY['guide', 'policy', 'faq'])[1 + i % 3],
       CASE WHEN i % 50 = 0 THEN NULL
            WHEN i % 97 = 0 THEN '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'
            WHEN i % 41 = 0 THEN '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]'
            WHEN i % 31 = 0 THEN (SELECT v FROM (VALUES (0, '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector),
                                                        (1, '[0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'), (2, '[0,0,-1,0,0,0,0,0,0,0,0,0,0,0,0,0]'),
                                                        (3, '[1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'), (4, '[0,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0]')) x(j, v)
                                   WHERE j = i % 5)
            ELSE pg_temp.rv(16) END
  FROM generate_series(1, 2000) i;
-- one query is a stored vector
INSERT INTO ex VALUES ('stored', 'faq', '[0.5,-0.25,0,0,0.125,0,0,0,0,0,0,0,0,0,0,0.5]');
-- deleted and updated rows leave dead versions on the pages
DELETE FROM ex WHERE id LIKE 'r%3';
UPDATE ex SET embedding = pg_temp.rv(16) WHERE id LIKE 'r%7' AND embedding IS NOT NULL;
SELECT * FROM pg_temp.check('ex', ARRAY[1, 5, 20, 100, 1900, 5000]);
-- the tids are the best first; ties with the k-th come along (all five-way ties of 1, 0, 0 ...)
SELECT cardinality(cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 1)) AS ties_of_1;
SELECT (SELECT count(*) FROM ex WHERE embedding = '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]') AS rows_equal_1;
-- the zero query: every distance NaN, so every embedded row ties
SELECT cardinality(cca_exact_top('ex', 'embedding', '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 3)) =
       (SELECT count(*) FROM ex WHERE embedding IS NOT NULL) AS zero_query_all_rows;
SELECT cca_exact_top('ex', 'embedding', '[0.5,-0.25,0,0,0.125,0,0,0,0,0,0,0,0,0,0,0.5]', 1) =
       ARRAY[(SELECT ctid FROM ex WHERE id = 'stored')] AS stored_first;
-- a type filter: the same as WHERE ct = ANY (types)
SELECT * FROM pg_temp.check('ex', ARRAY[1, 7, 700], ARRAY['faq']);
SELECT * FROM pg_temp.check('ex', ARRAY[3], ARRAY['policy', NULL, 'guide']);
SELECT * FROM pg_temp.check('ex', ARRAY[3], ARRAY['none']);
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 3, 'ct', NULL) AS any_of_null;

-- the readers filter (readers_col, reader_tags): only rows where `readers && tags`, the rows a
-- caller with those tags may read. A NULL readers, NULL or empty tags, and NULL elements on
-- either side never match; the content_type filter applies too.
ALTER TABLE ex ADD COLUMN readers text[];
UPDATE ex SET readers = CASE
    WHEN id LIKE '%1' THEN NULL
    WHEN id LIKE '%2' THEN '{}'
    WHEN id LIKE '%4' THEN ARRAY['role:hr', NULL]
    WHEN id LIKE '%5' THEN ARRAY['role:hr', 'user:u5']
    WHEN id LIKE '%6' THEN ARRAY[NULL, 'department:eng']
    ELSE ARRAY['everyone'] END;
CREATE FUNCTION pg_temp.c_top_r(tbl regclass, q vector, k int, types text[], tags text[],
                                OUT ids text[], OUT hidden bigint)
LANGUAGE plpgsql AS $$
DECLARE
  tids tid[] := cca_exact_top(tbl, 'embedding', q, k, CASE WHEN types IS NOT NULL THEN 'ct' END,
                              types, 'readers', tags);
BEGIN
  EXECUTE format('SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, embedding <=> $1 AS d FROM %s'
                 ' WHERE ctid = ANY ($2) ORDER BY 2, 1 LIMIT $3) s', tbl) INTO ids USING q, tids, k;
  -- every row returned, not only the first k: none outside the caller's tags
  EXECUTE format('SELECT count(*) FROM %s WHERE ctid = ANY ($1) AND NOT coalesce(readers && $2, false)', tbl)
    INTO hidden USING tids, tags;
END $$;
CREATE FUNCTION pg_temp.sql_top_r(tbl regclass, q vector, k int, types text[], tags text[]) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
  r text[];
BEGIN
  EXECUTE format('SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, embedding <=> $1 AS d FROM %s'
                 ' WHERE embedding IS NOT NULL AND ($3::text[] IS NULL OR ct = ANY ($3))'
                 ' AND readers && $4 ORDER BY 2, 1 LIMIT $2) s', tbl) INTO r USING q, k, types, tags;
  RETURN r;
END $$;
CREATE FUNCTION pg_temp.check_r(tbl regclass, ks int[], types text[], tags text[])
RETURNS TABLE (k int, queries bigint, equal bigint, hidden numeric, rows_min int, rows_max int)
LANGUAGE sql AS $$
  WITH q AS (SELECT i, pg_temp.rv(16) AS q FROM generate_series(1, 12) i
             UNION ALL SELECT 13, '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector(16)
             UNION ALL SELECT 14, '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector(16)),
       r AS (SELECT k, pg_temp.c_top_r(tbl, q, k, types, tags) AS c,
                    pg_temp.sql_top_r(tbl, q, k, types, tags) AS s
               FROM q, unnest(ks) k)
  SELECT k, count(*), count(*) FILTER (WHERE (c).ids IS NOT DISTINCT FROM s), sum((c).hidden),
         min(coalesce(cardinality(s), 0)), max(coalesce(cardinality(s), 0))
    FROM r GROUP BY k ORDER BY k
$$;
SELECT * FROM pg_temp.check_r('ex', ARRAY[1, 5, 100, 1900], NULL, ARRAY['everyone']);
SELECT * FROM pg_temp.check_r('ex', ARRAY[1, 5, 100, 1000], NULL, ARRAY['role:hr']);
SELECT * FROM pg_temp.check_r('ex', ARRAY[3, 300], NULL, ARRAY['user:u5', 'department:eng', NULL]);
SELECT * FROM pg_temp.check_r('ex', ARRAY[3, 300], ARRAY['faq'], ARRAY['role:hr']);
SELECT * FROM pg_temp.check_r('ex', ARRAY[3], ARRAY['faq', 'guide'], ARRAY['department:eng']);
-- rows without overlap are never returned: no tags, empty tags, a NULL tag, a tag nobody has
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 5, NULL, NULL, 'readers', NULL) AS null_tags,
       cca_exact_top('ex', 'embedding', pg_temp.rv(16), 5, NULL, NULL, 'readers', '{}') AS empty_tags,
       cca_exact_top('ex', 'embedding', pg_temp.rv(16), 5, NULL, NULL, 'readers', ARRAY[NULL]::text[]) AS null_tag,
       cca_exact_top('ex', 'embedding', pg_temp.rv(16), 5, NULL, NULL, 'readers', ARRAY['role:nobody']) AS nobody;
-- the rows with NULL or empty readers are not readable by anyone, even with every tag
SELECT count(*) AS null_or_empty_readers_returned FROM ex
 WHERE ctid = ANY (cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 5000, NULL, NULL, 'readers',
                                 ARRAY['everyone', 'role:hr', 'user:u5', 'department:eng']))
   AND (readers IS NULL OR readers = '{}');
-- the nearest row of all is hidden from a tag: it is not among that tag's 1 (and the ties)
SELECT (SELECT id FROM ex WHERE ctid = ANY (cca_exact_top('ex', 'embedding', e.embedding, 1))
         ORDER BY id LIMIT 1) = e.id AS nearest_is_hr,
       (SELECT count(*) FROM ex WHERE ctid = ANY (cca_exact_top('ex', 'embedding', e.embedding, 1,
                                                                NULL, NULL, 'readers', ARRAY['everyone']))
          AND id = e.id) AS hr_row_for_everyone
  FROM ex e WHERE e.id = 'r0005';
-- readers_col NULL: no filter
SELECT cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 3, NULL, NULL, NULL, ARRAY['x']) =
       cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 3) AS no_readers_col;
-- a readers column that is not text[], or missing
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 1, NULL, NULL, 'ct', ARRAY['x']);
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 1, NULL, NULL, 'nope', ARRAY['x']);

-- the same transaction: rows inserted, deleted and updated before the call are seen as a query
-- there sees them
BEGIN;
INSERT INTO ex SELECT 'n' || i, 'faq', '[0.5,-0.25,0,0,0.125,0,0,0,0,0,0,0,0,0,0,0.5]' FROM generate_series(1, 3) i;
DELETE FROM ex WHERE id = 'stored';
SELECT array_agg(id ORDER BY id) AS nearest
  FROM ex WHERE ctid = ANY (cca_exact_top('ex', 'embedding', '[0.5,-0.25,0,0,0.125,0,0,0,0,0,0,0,0,0,0,0.5]', 2));
SELECT * FROM pg_temp.check('ex', ARRAY[4, 30]);
ROLLBACK;
SELECT array_agg(id ORDER BY id) AS nearest_after_rollback
  FROM ex WHERE ctid = ANY (cca_exact_top('ex', 'embedding', '[0.5,-0.25,0,0,0.125,0,0,0,0,0,0,0,0,0,0,0.5]', 1));

-- out of line (the type's external storage) and compressed values
-- (a PLAIN filler makes the row longer than a page's quarter: the toaster moves the vector out
-- of line)
CREATE TABLE ex_toast (id text PRIMARY KEY, ct text, embedding vector(16), pad text, readers text[]);
ALTER TABLE ex_toast ALTER COLUMN embedding SET STORAGE EXTERNAL;
ALTER TABLE ex_toast ALTER COLUMN pad SET STORAGE PLAIN;
ALTER TABLE ex_toast SET (toast_tuple_target = 128);
INSERT INTO ex_toast SELECT id, ct, embedding, repeat('x', 2100), readers FROM ex;
SELECT pg_relation_size(reltoastrelid) > 0 AS some_out_of_line FROM pg_class WHERE oid = 'ex_toast'::regclass;
SELECT * FROM pg_temp.check('ex_toast', ARRAY[5, 50]);
-- readers out of line or compressed: 400 tags before the one that matters
UPDATE ex_toast SET readers = ARRAY(SELECT 'tag:' || g FROM generate_series(1, 400) g) || ARRAY['role:hr']
 WHERE id LIKE '%5';
SELECT count(*) FILTER (WHERE pg_column_compression(readers) IS NOT NULL) > 0
       AS readers_compressed FROM ex_toast WHERE id LIKE '%5';
SELECT * FROM pg_temp.check_r('ex_toast', ARRAY[5, 50], NULL, ARRAY['role:hr']);
CREATE TABLE ex_wide (id text PRIMARY KEY, ct text, embedding vector(1536));
ALTER TABLE ex_wide ALTER COLUMN embedding SET STORAGE EXTENDED;
-- mostly zeros: compressible, so stored compressed (inline or out of line)
INSERT INTO ex_wide SELECT 'w' || i, 'faq',
       (pg_temp.rv(8)::real[] || array_fill(0::real, ARRAY[1528]))::vector(1536) FROM generate_series(1, 300) i;
SELECT count(*) FILTER (WHERE pg_column_compression(embedding) IS NOT NULL) > 0 AS some_compressed FROM ex_wide;
SELECT k, count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.c_top('ex_wide', q, k) = pg_temp.sql_top('ex_wide', q, k)) AS equal
  FROM (SELECT (pg_temp.rv(8)::real[] || array_fill(0::real, ARRAY[1528]))::vector(1536) AS q
          FROM generate_series(1, 5)) q, unnest(ARRAY[1, 10]) k GROUP BY k ORDER BY k;

-- the float screen (rows shown farther than the k-th by more than its error bound are not
-- ranked in double): the same rows as the SQL scan where distances differ by less than float
-- can tell apart (a base vector and copies nudged by 1e-7 to 1e-4 of it), for norms past the
-- screen's range (components of 1e19 and 1e-20: ranked exactly), a length that is not a
-- multiple of the 16 lanes (37), and dense 1536-dimension rows
CREATE TABLE ex_screen (id text PRIMARY KEY, ct text, embedding vector(37));
CREATE FUNCTION pg_temp.base37() RETURNS real[] LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(((i * 7919) % 23 - 11)::real / 10) FROM generate_series(1, 37) i
$$;
INSERT INTO ex_screen
SELECT 's' || lpad(i::text, 4, '0'), NULL,
       CASE WHEN i % 4 = 0 THEN (SELECT array_agg(b * (1 + (random() - 0.5) * power(10, -4 - (i / 4) % 4)))
                                   FROM unnest(pg_temp.base37()) b WHERE i > 0)::vector
            WHEN i % 4 = 1 THEN (SELECT array_agg(b * (1 + (random() - 0.5) * 1e-7))
                                   FROM unnest(pg_temp.base37()) b WHERE i > 0)::vector
            WHEN i % 97 = 2 THEN (SELECT array_agg((random() - 0.5)::real * 1e19) FROM generate_series(1, 37) WHERE i > 0)::vector
            WHEN i % 89 = 2 THEN (SELECT array_agg((random() - 0.5)::real * 1e-20) FROM generate_series(1, 37) WHERE i > 0)::vector
            ELSE (SELECT array_agg((random() - 0.5)::real) FROM generate_series(1, 37) WHERE i > 0)::vector END
  FROM generate_series(1, 3000) i;
SELECT k, count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.c_top('ex_screen', q, k) = pg_temp.sql_top('ex_screen', q, k)) AS equal
  FROM (SELECT pg_temp.base37()::vector
        UNION ALL SELECT (SELECT array_agg(b * (1 + (random() - 0.5) * 1e-6)) FROM unnest(pg_temp.base37()) b WHERE j > 0)::vector
          FROM generate_series(1, 3) j
        UNION ALL SELECT (SELECT array_agg(-b) FROM unnest(pg_temp.base37()) b)::vector
        UNION ALL SELECT (SELECT array_agg(((random() - 0.5) * s + 0 * g)::real) FROM generate_series(1, 37) g)::vector
          FROM unnest(ARRAY[1, 1, 1e19, 1e-20]::real[]) s) q(q),
       unnest(ARRAY[1, 5, 50, 400]) k
 GROUP BY k ORDER BY k;
CREATE TABLE ex_dense (id text PRIMARY KEY, ct text, embedding vector(1536));
ALTER TABLE ex_dense ALTER COLUMN embedding SET STORAGE PLAIN;
INSERT INTO ex_dense SELECT 'd' || i, NULL, (SELECT array_agg((random() - 0.5)::real)
                                         FROM generate_series(1, 1536) g WHERE i > 0)::vector
  FROM generate_series(1, 600) i;
SELECT k, count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.c_top('ex_dense', q, k) = pg_temp.sql_top('ex_dense', q, k)) AS equal
  FROM (SELECT (SELECT array_agg((random() - 0.5)::real) FROM generate_series(1, 1536) g WHERE i > 0)::vector AS q
          FROM generate_series(1, 4) i) q, unnest(ARRAY[1, 20]) k GROUP BY k ORDER BY k;
DROP TABLE ex_screen, ex_dense;

-- edge cases
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 0) AS k_zero;
SELECT cca_exact_top('ex', 'embedding', NULL, 5) AS null_query, cca_exact_top('ex', 'embedding', '[1]', NULL) AS null_k;
CREATE TABLE ex_empty (id text, embedding vector(3));
SELECT cca_exact_top('ex_empty', 'embedding', '[1,2,3]', 5) AS empty_table;
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), -1);
SELECT cca_exact_top('ex', 'embedding', '[1,2,3]', 1);
SELECT cca_exact_top('ex', 'nope', '[1,2,3]', 1);
SELECT cca_exact_top('ex', 'ct', '[1,2,3]', 1);
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 1, 'id2', ARRAY['x']);
SELECT cca_exact_top('ex', 'embedding', pg_temp.rv(16), 1, 'embedding', ARRAY['x']);
CREATE VIEW ex_view AS SELECT * FROM ex;
SELECT cca_exact_top('ex_view', 'embedding', pg_temp.rv(16), 1);

-- privileges: SELECT is needed, and the function refuses where row-level security applies
CREATE ROLE regress_exact_reader;
CREATE ROLE regress_exact_none;
GRANT SELECT ON ex TO regress_exact_reader;
GRANT EXECUTE ON FUNCTION cca_exact_top(regclass, name, vector, integer, name, text[], name, text[])
   TO regress_exact_reader, regress_exact_none;
SET ROLE regress_exact_none;
SELECT cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 1);
RESET ROLE;
SET ROLE regress_exact_reader;
SELECT cardinality(cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 1)) AS reader;
RESET ROLE;
ALTER TABLE ex ENABLE ROW LEVEL SECURITY;
CREATE POLICY ex_faq ON ex FOR SELECT TO regress_exact_reader USING (ct = 'faq');
SET ROLE regress_exact_reader;
SELECT cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 1);
RESET ROLE;
-- the owner (here the superuser) is not subject to the policies: it may, and a caller then
-- ranks the rows with the policies applied
SELECT cardinality(cca_exact_top('ex', 'embedding', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]', 1)) AS owner;
DROP POLICY ex_faq ON ex;
REVOKE ALL ON ex FROM regress_exact_reader;
REVOKE EXECUTE ON FUNCTION cca_exact_top(regclass, name, vector, integer, name, text[], name, text[])
   FROM regress_exact_reader, regress_exact_none;
DROP ROLE regress_exact_reader;
DROP ROLE regress_exact_none;
DROP VIEW ex_view;
DROP TABLE ex, ex_toast, ex_wide, ex_empty;

-- exact top-N search: a top-N heapsort over a scan, distance computed once per row
CREATE TABLE passages (id text PRIMARY KEY, embedding vector(3));
ALTER TABLE passages ALTER COLUMN embedding SET STORAGE PLAIN;
INSERT INTO passages
  SELECT 'p' || i, ARRAY[cos(i), sin(i), (i % 7) / 7.0]::real[]::vector
    FROM generate_series(1, 1000) i;
ANALYZE passages;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT id, 1 - (embedding <=> '[1,0,0]') AS similarity
  FROM passages ORDER BY embedding <=> '[1,0,0]' LIMIT 5;
SELECT id, round((1 - (embedding <=> '[1,0,0]'))::numeric, 6) AS similarity
  FROM passages ORDER BY embedding <=> '[1,0,0]', id LIMIT 5;
-- the sort is bounded: a top-N heapsort keeping 5 rows, not a full sort
CREATE FUNCTION sort_method(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Sort Method' THEN RETURN substring(line FROM 'Sort Method: ([a-zA-Z -]+?) +Memory'); END IF;
  END LOOP;
  RETURN NULL;
END $$;
SELECT sort_method($$SELECT id, 1 - (embedding <=> '[1,0,0]') FROM passages
                     ORDER BY embedding <=> '[1,0,0]' LIMIT 5$$);
DROP FUNCTION sort_method(text);
-- the same with a parameter, as a client sends it
PREPARE q(vector) AS
  SELECT id FROM passages ORDER BY embedding <-> $1 LIMIT 3;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q('[1,0,0]');
EXECUTE q('[0,1,0.5]');
DEALLOCATE q;
RESET plan_cache_mode;
-- storage: the type defaults to external (like pgvector); the column above is plain
SELECT typstorage FROM pg_type WHERE typname = 'vector';
SELECT attstorage FROM pg_attribute WHERE attrelid = 'passages'::regclass AND attname = 'embedding';
-- the distance functions (vector, halfvec, bit) are parallel safe and immutable
SELECT proname, pg_get_function_identity_arguments(oid) AS args, provolatile, proparallel, procost
  FROM pg_proc
 WHERE proname IN ('cosine_distance', 'l2_distance', 'inner_product', 'vector_negative_inner_product',
                   'halfvec_negative_inner_product', 'hamming_distance', 'jaccard_distance')
 ORDER BY proname, args;
-- a 1536-dimension vector stays inline in a PLAIN column (no TOAST), 16000 does not fit
CREATE TABLE big (v vector);
ALTER TABLE big ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO big VALUES (array_fill(0.5::real, ARRAY[1536])::vector);
SELECT pg_column_size(v) FROM big;
INSERT INTO big VALUES (array_fill(0.5::real, ARRAY[16000])::vector);
-- with the type's default storage the 16000-dimension vector is stored out of line
CREATE TABLE big2 (v vector);
INSERT INTO big2 VALUES (array_fill(0.5::real, ARRAY[16000])::vector);
SELECT vector_dims(v), pg_column_size(v) FROM big2;
DROP TABLE passages, big, big2;

-- vector functions of 1.1: ||, subvector, binary_quantize, sum, avg; float edge cases
-- concatenation, up to the 16000-dimension limit
SELECT '[1,2]'::vector || '[3]' AS cat, vector_dims(array_fill(1::real, ARRAY[15999])::vector || '[1]');
SELECT array_fill(1::real, ARRAY[15999])::vector || '[1,2]';
-- subvector(v, start, count): 1-based, the range [start, start + count) clipped to v
SELECT subvector('[10,20,30,40]'::vector, 2, 2) AS middle,
       subvector('[10,20,30,40]'::vector, 1, 4) AS whole,
       subvector('[10,20,30,40]'::vector, 0, 2) AS before_start,
       subvector('[10,20,30,40]'::vector, 4, 100) AS past_end,
       subvector('[10,20,30,40]'::vector, -2147483645, 2147483647) AS huge_negative_start;
-- an empty range is an error (a vector has at least 1 dimension), also near int overflow
SELECT subvector('[10,20,30,40]'::vector, 5, 1);
SELECT subvector('[10,20,30,40]'::vector, 2, 0);
SELECT subvector('[10,20,30,40]'::vector, 2147483647, 2147483647);
-- Matryoshka: the first 256 dimensions of a 1536-dimension embedding, renormalized
SELECT vector_dims(e), round(vector_norm(e)::numeric, 6) AS norm
  FROM (SELECT l2_normalize(subvector(array_fill(0.5::real, ARRAY[1536])::vector, 1, 256)) AS e) s;
-- binary_quantize: 1 where the element is > 0 (0 and -0 give 0), first element = first bit
SELECT binary_quantize('[0.5,-0.5,0,-0,3e38,1e-45,-1e-45]'::vector) AS bits,
       pg_typeof(binary_quantize('[1]'::vector)) AS type,
       length(binary_quantize(array_fill(1::real, ARRAY[1536])::vector)) AS len;
-- sum and avg skip NULLs; no rows (or only NULLs) give NULL
CREATE TABLE agg (g int, v vector(3));
INSERT INTO agg VALUES (1, '[1,2,3]'), (1, '[3,4,5]'), (1, NULL), (2, '[-1,0,1e-3]'), (3, NULL);
SELECT g, sum(v), avg(v), count(v) FROM agg GROUP BY g ORDER BY g;
SELECT sum(v), avg(v) FROM agg WHERE false;
-- avg sums in double: the mean of 3e38 and 3e38 is 3e38 although the sum is not a float
SELECT avg(v) FROM unnest(ARRAY['[3e38]'::vector, '[3e38]', '[3e38]']) v;
SELECT sum(v) FROM unnest(ARRAY['[3e38]'::vector, '[3e38]']) v;
-- a mean of 1000 values of 0.1: no drift
SELECT avg('[0.1,-0.1]'::vector) = '[0.1,-0.1]' AS exact FROM generate_series(1, 1000);
-- different dimensions
SELECT avg(v) FROM unnest(ARRAY['[1,2]'::vector, '[1,2,3]']) v;
SELECT sum(v) FROM unnest(ARRAY['[1,2]'::vector, '[1,2,3]']) v;
-- the state functions: {count, sums...}; '{0}' is the empty state
SELECT vector_accum('{0}', '[1,2]') AS first, vector_accum('{2,4,6}', '[1,1]') AS third,
       vector_avg('{4,2,-8}') AS mean, vector_avg('{0}') AS none,
       vector_combine('{1,1,1}', '{2,2,2}') AS both, vector_combine('{0}', '{2,2,2}') AS left_empty;
SELECT vector_accum('{1,0,0}', '[1,2,3]');
SELECT vector_accum('{}', '[1]');
SELECT vector_avg('{1}');
SELECT vector_avg('{1,1e300}');
SELECT vector_combine('{1,1}', '{1,1,1}');
SELECT vector_combine('{0}', '{0}');
-- ... but the aggregates combine empty states to an empty state: a parallel avg() over no rows
-- is NULL (pgvector 0.8.6 raises "vector must have at least 1 dimension" there)
CREATE TABLE par (v vector(2));
ALTER TABLE par SET (parallel_workers = 2);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM par;
SELECT avg(v), sum(v) FROM par;
-- (sums exact in float, so the order the workers add them in does not matter)
INSERT INTO par SELECT ARRAY[i % 10, -(i % 10)]::real[] FROM generate_series(1, 10000) i;
SELECT avg(v), sum(v) FROM par;
SELECT avg(v) FROM par WHERE false;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE agg, par;
-- float edge cases as in pgvector: a product that underflows to zero is an error (a subnormal
-- result is fine), a distance past float's range is infinite, a cosine of infinities NaN
SELECT '[1e-20]'::vector * '[1e-20]' AS subnormal;
SELECT '[1e-30,1]'::vector * '[1e-30,1]';
SELECT '[0,1]'::vector * '[1e-30,1]' AS zero_times_tiny;
SELECT l2_distance('[2e38]'::vector, '[-2e38]') AS l2, inner_product('[2e38]'::vector, '[2e38]') AS ip,
       cosine_distance('[2e38]'::vector, '[2e38]') AS cos, l1_distance('[2e38]'::vector, '[-2e38]') AS l1,
       vector_l2_squared_distance('[2e19]'::vector, '[-2e19]') AS l2sq;
-- the norm is in double: it does not overflow
SELECT vector_norm('[3e37,4e37]')::real AS norm, l2_normalize('[3e38,3e38]'::vector) AS unit;

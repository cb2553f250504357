-- halfvec: vectors of half-precision floats (2 bytes per element)
-- input rounds to the nearest half, ties to even; output prints the float it widens to
SELECT '[1,-2.5,0.1,1.23456]'::halfvec AS rounded;
SELECT '[2049,2051,2050,2053]'::halfvec AS ties_to_even;
SELECT ' [ 65504 , -65519.99 ] '::halfvec AS largest;
-- tiny values: subnormals down to 2^-24 (5.96e-08), below half of that a signed zero
SELECT '[6e-05,1e-07,3e-08,2.9e-08,-1e-08,1e-46]'::halfvec AS tiny;
-- 11 significant bits: integers are exact up to 2048
SELECT '[2048,2047.5,0.000244140625]'::halfvec;
-- out of range: 65520 and beyond would round to infinity
SELECT '[65520]'::halfvec;
SELECT '[-1e5]'::halfvec;
SELECT '[1e39]'::halfvec;
SELECT '[NaN]'::halfvec;
SELECT '[-Infinity]'::halfvec;
SELECT '[]'::halfvec;
SELECT '[1,,2]'::halfvec;
SELECT '[1,2]x'::halfvec;
SELECT '(1,2)'::halfvec;
-- typmod
SELECT '[1,2,3]'::halfvec(3);
SELECT '[1,2,3]'::halfvec(4);
SELECT '[1]'::halfvec(0);
SELECT '[1]'::halfvec(16001);
CREATE TABLE ht (v halfvec(2));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ht'::regclass AND attname = 'v';
INSERT INTO ht VALUES ('[1,2,3]');
INSERT INTO ht VALUES ('[1,2]'::vector);
INSERT INTO ht VALUES (ARRAY[3,4]);
SELECT v FROM ht ORDER BY v;
DROP TABLE ht;
SELECT vector_dims('[1,2,3]'::halfvec), vector_dims(array_fill(1, ARRAY[16000])::halfvec);
SELECT array_fill(1, ARRAY[16001])::halfvec;
-- the binary form: int16 dim, int16 0, the 16-bit patterns big-endian (1 = 3c00, -2 = c000)
SELECT encode(halfvec_send('[1,-2,65504,5.9604645e-08]'), 'hex') AS wire;
-- casts: vector -> halfvec rounds (implicit), halfvec -> vector is exact (assignment)
SELECT '[0.1,3e-08]'::vector::halfvec AS to_half, '[0.1]'::halfvec::vector AS to_vector;
SELECT '[70000]'::vector::halfvec;
SELECT '[1,2,3]'::vector::halfvec(2);
SELECT v::halfvec::vector = v AS exact_for_halves
  FROM (SELECT '[0.5,-0.25,1024,6.1035156e-05,5.9604645e-08]'::vector AS v) s;
SELECT ARRAY[1,2]::halfvec AS ints, ARRAY[0.1,0.2]::real[]::halfvec AS reals,
       ARRAY[0.1,0.2]::double precision[]::halfvec AS doubles, ARRAY[0.1,0.2]::numeric[]::halfvec AS numerics;
SELECT '[0.1,-3]'::halfvec::real[] AS reals;
SELECT ARRAY[1e5]::real[]::halfvec;
SELECT ARRAY[100000]::halfvec;
SELECT ARRAY[1,NULL]::real[]::halfvec;
SELECT ARRAY[[1],[2]]::real[]::halfvec;
SELECT ARRAY[]::real[]::halfvec;
-- arithmetic: in float, rounded to half; overflow and underflow (to zero) are errors
SELECT '[1,2,3]'::halfvec + '[0.5,0.25,0.125]' AS sum, '[1,2,3]'::halfvec - '[3,2,1]' AS diff,
       '[1,2,3]'::halfvec * '[0.5,-2,0]' AS prod, '[1,2]'::halfvec || '[3]' AS cat;
SELECT '[2048]'::halfvec + '[1]' AS rounds_back;
SELECT '[40000]'::halfvec + '[40000]';
SELECT '[-40000]'::halfvec - '[40000]';
SELECT '[300]'::halfvec * '[300]';
SELECT '[0.001]'::halfvec * '[0.00001]';
SELECT '[0.001]'::halfvec * '[0.01]' AS subnormal_ok;
SELECT '[1,2]'::halfvec + '[1]';
SELECT array_fill(1, ARRAY[16000])::halfvec || '[1]';
-- comparison: element by element, then the shorter first; -0 = 0
SELECT '[1,2]'::halfvec < '[1,3]' AS lt, '[1,2]'::halfvec < '[1,2,0]' AS shorter_first,
       '[0]'::halfvec = '[-0]' AS zeros, '[1.0001]'::halfvec = '[1]' AS rounded_equal,
       halfvec_cmp('[2]', '[1,5]') AS cmp;
-- btree: an index orders as the operators do
CREATE TABLE hb (id int, v halfvec(2));
INSERT INTO hb SELECT i, ARRAY[i % 3, -i]::halfvec FROM generate_series(1, 9) i;
INSERT INTO hb VALUES (0, NULL);
CREATE INDEX ON hb (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM hb WHERE v = '[1,-4]';
SELECT * FROM hb WHERE v = '[1,-4]';
SELECT id, v FROM hb ORDER BY v;
RESET enable_seqscan;
DROP TABLE hb;
-- distances against hand-computed values ([1,2,3] and [4,5,6] are exact halves)
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' AS l2, l2_distance('[1,2,3]'::halfvec, '[4,5,6]') = sqrt(27::float8) AS l2_exact,
       '[1,2,3]'::halfvec <#> '[4,5,6]' AS neg_ip, inner_product('[1,2,3]'::halfvec, '[4,5,6]') AS ip,
       '[1,2,3]'::halfvec <+> '[4,6,8]' AS l1, halfvec_l2_squared_distance('[1,2,3]', '[4,5,6]') AS l2sq;
SELECT '[1,2]'::halfvec <=> '[2,4]' AS same_dir, '[1,0]'::halfvec <=> '[0,1]' AS orthogonal,
       '[1,2]'::halfvec <=> '[-1,-2]' AS opposite, '[0,0]'::halfvec <=> '[1,1]' AS zero;
SELECT inner_product('[65504,65504]'::halfvec, '[65504,65504]') AS no_overflow;
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
-- norms
SELECT l2_norm('[3,4]'::halfvec) AS norm, l2_norm('[65504,65504]'::halfvec) AS big_norm,
       l2_normalize('[3,4]'::halfvec) AS unit, l2_normalize('[0,0]'::halfvec) AS zero,
       l2_normalize('[6e-08,0]'::halfvec) AS tiny;
-- binary_quantize and subvector
SELECT binary_quantize('[1,-1,0,0.001,-0]'::halfvec) AS bits, subvector('[1,2,3,4]'::halfvec, 2, 2) AS sub;
SELECT subvector('[1,2,3,4]'::halfvec, 5, 2);
-- sum and avg: avg sums in double (65504 + 65504 is not a half)
SELECT sum(v), avg(v) FROM unnest(ARRAY['[1,2]'::halfvec, '[3,4]', NULL]) v;
SELECT avg(v) FROM unnest(ARRAY['[65504]'::halfvec, '[65504]']) v;
SELECT sum(v) FROM unnest(ARRAY['[65504]'::halfvec, '[65504]']) v;
SELECT avg(v), sum(v) FROM unnest(ARRAY[]::halfvec[]) v;
SELECT avg(v) FROM unnest(ARRAY['[1]'::halfvec, '[1,2]']) v;
SELECT halfvec_accum('{0}', '[0.5,2]') AS state, halfvec_avg('{2,1,4}') AS mean;
SELECT halfvec_avg('{1,1e6}');
-- the kernels: a halfvec distance equals the vector distance of the widened vectors, to the bit,
-- for every length mod 8 (unrolled part and tail) ...
SELECT count(*) AS lengths
  FROM (SELECT ARRAY(SELECT ((i * 37 + n) % 19 - 9) / 7.0 FROM generate_series(1, n) i)::real[]::halfvec AS a,
               ARRAY(SELECT ((i * 11 + n) % 23 - 11) / 3.0 FROM generate_series(1, n) i)::real[]::halfvec AS b
          FROM generate_series(1, 17) n) s
 WHERE l2_distance(a, b) = l2_distance(a::vector, b::vector)
   AND inner_product(a, b) = inner_product(a::vector, b::vector)
   AND cosine_distance(a, b) = cosine_distance(a::vector, b::vector)
   AND l1_distance(a, b) = l1_distance(a::vector, b::vector);
-- ... and for 190 pairs of 1536-dimension vectors; halving the storage moves the cosine
-- distance by less than 1e-3 (relative precision of a half: 2^-11)
WITH v AS (
  SELECT i, array_agg((((i * 7919 + d * 104729) % 2001 - 1000) / 997.0)::real ORDER BY d)::vector AS f
    FROM generate_series(1, 20) i, generate_series(1, 1536) d GROUP BY i),
p AS (SELECT x.f AS fa, y.f AS fb, x.f::halfvec AS ha, y.f::halfvec AS hb FROM v x, v y WHERE x.i < y.i)
SELECT count(*) AS pairs,
       bool_and(l2_distance(ha, hb) = l2_distance(ha::vector, hb::vector)
                AND inner_product(ha, hb) = inner_product(ha::vector, hb::vector)
                AND (ha <=> hb) = (ha::vector <=> hb::vector)) AS same_bits,
       max(abs((ha <=> hb) - (fa <=> fb))) < 1e-3 AS close_to_float
  FROM p;
SELECT cca_halfvec_kernel() IN ('avx2+f16c', 'baseline') AS kernel_known;
-- binary COPY round trip; the typmod applies to binary input
CREATE TABLE hc (id int, v halfvec(3));
INSERT INTO hc VALUES (1, '[1,2,3]'), (2, '[-0.1,6e-08,65504]'), (3, NULL);
SELECT current_setting('data_directory') || '/cca_vector_regress_halfvec.bin' AS binfile \gset
COPY hc TO :'binfile' WITH (FORMAT binary);
CREATE TABLE hc2 (id int, v halfvec(3));
COPY hc2 FROM :'binfile' WITH (FORMAT binary);
SELECT a.id, a.v, a.v = b.v AS same FROM hc a JOIN hc2 b USING (id) ORDER BY id;
CREATE TABLE hc4 (id int, v halfvec(4));
COPY hc4 FROM :'binfile' WITH (FORMAT binary);
-- hand-made binary payloads (one tuple, one field): good [1,2]; then bad ones
CREATE TABLE hr (v halfvec);
COPY hr FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\10\0\2\0\0\74\0\100\0\377\377"' WITH (FORMAT binary);
SELECT v FROM hr;
-- dim 2, one element of data
COPY hr FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\6\0\2\0\0\74\0\377\377"' WITH (FORMAT binary);
-- +Infinity (7c00) and NaN (7e00)
COPY hr FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\6\0\1\0\0\174\0\377\377"' WITH (FORMAT binary);
COPY hr FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\6\0\1\0\0\176\0\377\377"' WITH (FORMAT binary);
SELECT count(*) FROM hr;
DROP TABLE hc, hc2, hc4, hr;
-- storage: 2 bytes per element, so a 1536-dimension halfvec fits two to a page in a PLAIN column
CREATE TABLE hs (v halfvec(1536));
ALTER TABLE hs ALTER COLUMN v SET STORAGE PLAIN;
INSERT INTO hs SELECT array_fill(0.5::real, ARRAY[1536])::halfvec FROM generate_series(1, 10);
SELECT pg_column_size(v) AS bytes FROM hs LIMIT 1;
SELECT pg_relation_size('hs') / current_setting('block_size')::int AS pages;
DROP TABLE hs;

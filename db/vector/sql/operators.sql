-- operators and functions against hand-computed values
-- [1,2,3] and [4,5,6]: L2 = sqrt(27), inner = 32, cosine = 1 - 32/(sqrt(14)*sqrt(77))
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2,
       l2_distance('[1,2,3]'::vector, '[4,5,6]') = sqrt(27::float8) AS l2_exact;
SELECT '[1,2,3]'::vector <#> '[4,5,6]' AS neg_inner,
       inner_product('[1,2,3]'::vector, '[4,5,6]') AS inner;
SELECT abs(('[1,2,3]'::vector <=> '[4,5,6]') - (1 - 32 / (sqrt(14::float8) * sqrt(77::float8)))) < 1e-15
       AS cosine_ok,
       cosine_distance('[1,2,3]'::vector, '[4,5,6]') = ('[1,2,3]'::vector <=> '[4,5,6]') AS same_as_op;
SELECT '[1,2,3]'::vector <+> '[4,5,6]' AS l1, l1_distance('[1,2,3]'::vector, '[4,6,8]') AS l1b;
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]') AS l2_squared;
-- cosine: identical, opposite, orthogonal, zero vector
SELECT '[1,2,3]'::vector <=> '[2,4,6]' AS same_dir,
       '[1,2,3]'::vector <=> '[-1,-2,-3]' AS opposite,
       '[1,0]'::vector <=> '[0,1]' AS orthogonal;
SELECT '[0,0,0]'::vector <=> '[1,2,3]' AS zero_a,
       cosine_distance('[1,2,3]'::vector, '[0,0,0]') AS zero_b,
       '[0,0]'::vector <=> '[0,0]' AS both_zero;
-- norms
SELECT vector_norm('[3,4]'), vector_norm('[0,0]'), vector_norm('[1,2,3]') = sqrt(14::float8) AS exact;
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector),
       vector_norm(l2_normalize('[1,2,3]'::vector));
-- accumulation in double: 20000 terms, exact result in double
SELECT inner_product(array_fill(0.1::real, ARRAY[16000])::vector,
                     array_fill(10::real, ARRAY[16000])::vector)
       = 16000 * 10 * 0.1::real::float8 AS dot_in_double;
-- every length mod 8 takes the unrolled and the tail paths
SELECT n, abs(l2_distance(a, b) - sqrt(n * 4::float8)) < 1e-12 AS l2_ok,
       inner_product(a, b) = -n AS ip_ok,
       abs((a <=> b) - 2) < 1e-12 AS cos_ok
  FROM (SELECT n, array_fill(1::real, ARRAY[n])::vector AS a,
               array_fill(-1::real, ARRAY[n])::vector AS b
          FROM generate_series(1, 17) n) s
 WHERE NOT (abs(l2_distance(a, b) - sqrt(n * 4::float8)) < 1e-12
            AND inner_product(a, b) = -n AND abs((a <=> b) - 2) < 1e-12);
-- against a reference computed in SQL from the arrays
WITH v AS (
  SELECT i, array_agg((((i * 7919 + d * 104729) % 2001 - 1000) / 997.0)::real ORDER BY d) AS a
    FROM generate_series(1, 20) i, generate_series(1, 1536) d GROUP BY i),
p AS (
  SELECT x.a AS a, y.a AS b FROM v x, v y WHERE x.i < y.i),
r AS (
  SELECT a::vector AS va, b::vector AS vb,
         (SELECT sum(ea::float8 * eb::float8) FROM unnest(a, b) u(ea, eb)) AS dot,
         (SELECT sum(ea::float8 * ea::float8) FROM unnest(a, b) u(ea, eb)) AS na,
         (SELECT sum(eb::float8 * eb::float8) FROM unnest(a, b) u(ea, eb)) AS nb,
         (SELECT sum((ea::float8 - eb::float8) ^ 2) FROM unnest(a, b) u(ea, eb)) AS l2sq
    FROM p)
SELECT count(*) AS pairs,
       max(abs(inner_product(va, vb) - dot) / greatest(abs(dot), 1)) < 1e-12 AS ip_ok,
       max(abs((va <-> vb) - sqrt(l2sq)) / sqrt(l2sq)) < 1e-12 AS l2_ok,
       max(abs((va <=> vb) - (1 - dot / sqrt(na * nb)))) < 1e-12 AS cos_ok
  FROM r;
-- arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]';
SELECT '[3e38]'::vector + '[3e38]';
-- comparison and btree
SELECT '[1,2]'::vector = '[1,2]', '[1,2]'::vector <> '[1,3]', '[1,2]'::vector < '[1,3]',
       '[1,2]'::vector < '[1,2,0]', '[2]'::vector > '[1,9]', '[1,2]'::vector >= '[1,2]',
       '[1,2]'::vector <= '[1,1]', vector_cmp('[1,2]', '[1,2]');
CREATE TABLE vb (v vector);
INSERT INTO vb VALUES ('[3,1]'), ('[1,2,3]'), ('[1,2]'), ('[0]');
CREATE INDEX ON vb (v);
SET enable_seqscan = off;
SELECT v FROM vb WHERE v >= '[1,2]' ORDER BY v;
RESET enable_seqscan;
SELECT DISTINCT v FROM (VALUES ('[1,2]'::vector), ('[1,2]'), ('[2,1]')) s(v) ORDER BY v;
DROP TABLE vb;
-- commutators
SELECT ('[1,2]'::vector <-> '[3,5]') = ('[3,5]'::vector <-> '[1,2]') AS l2_comm,
       ('[1,2]'::vector <=> '[3,5]') = ('[3,5]'::vector <=> '[1,2]') AS cos_comm;
SELECT cca_vector_kernel() IN ('avx2', 'baseline') AS kernel_known;

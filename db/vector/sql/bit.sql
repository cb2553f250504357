-- distances between bit strings: hamming_distance (<~>) and jaccard_distance (<%>)
SELECT hamming_distance(B'1100', B'1010') AS hamming, B'1100' <~> B'1010' AS op,
       jaccard_distance(B'1100', B'1010') AS jaccard, B'1100' <%> B'1010' AS jop;
SELECT pg_typeof(B'1' <~> B'1'), pg_typeof(B'1' <%> B'1');
-- Jaccard: 1 - |a AND b| / |a OR b|; no bit set in either gives 1
SELECT jaccard_distance(B'1111', B'1111') AS same, jaccard_distance(B'1000', B'0100') AS disjoint,
       jaccard_distance(B'0000', B'0000') AS none, jaccard_distance(B'', B'') AS empty,
       jaccard_distance(B'1110', B'0111') AS half;
-- lengths must match (bit(n) and varbit alike)
SELECT hamming_distance(B'101', B'10');
SELECT jaccard_distance(B'101', B'1010'::varbit);
SELECT hamming_distance(B'101', B'010'::varbit(8)) AS varbit_ok;
-- against a reference in SQL, for lengths around the 8-byte words and bytes
WITH s AS (
  SELECT n,
         (SELECT string_agg(((i * 7 + n * 3) % 5 < 2)::int::text, '' ORDER BY i) FROM generate_series(1, n) i)::varbit AS a,
         (SELECT string_agg(((i * 11 + n) % 3 = 0)::int::text, '' ORDER BY i) FROM generate_series(1, n) i)::varbit AS b
    FROM unnest(ARRAY[1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1536]) n)
SELECT count(*) AS lengths,
       bool_and(hamming_distance(a, b) = length(replace((a # b)::text, '0', ''))) AS hamming_ok,
       bool_and(jaccard_distance(a, b) =
                1 - length(replace((a & b)::text, '0', ''))::float8 / length(replace((a | b)::text, '0', '')))
         AS jaccard_ok
  FROM s;
-- the binary-quantized prefilter: Hamming distance between sign bits approximates the angle
CREATE TABLE bq (id int, v vector(3));
INSERT INTO bq VALUES (1, '[1,1,1]'), (2, '[1,1,-1]'), (3, '[-1,-1,1]'), (4, '[-1,-1,-1]');
SELECT id, binary_quantize(v) AS bits, binary_quantize(v)::bit(3) <~> binary_quantize('[0.9,0.8,0.7]'::vector) AS hamming
  FROM bq ORDER BY hamming, id;
-- prefilter the 2 nearest by Hamming distance, rerank them exactly
SELECT id FROM (SELECT id, v FROM bq
                 ORDER BY binary_quantize(v)::bit(3) <~> binary_quantize('[0.9,0.8,-0.1]'::vector), id LIMIT 2) c
 ORDER BY v <=> '[0.9,0.8,-0.1]';
DROP TABLE bq;

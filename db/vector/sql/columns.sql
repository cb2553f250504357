-- columns: the columnar copy's functions (1.2). cca_nonzero_dims; cca_columns quantises unit
-- vectors per dimension (checked against the same arithmetic in SQL); the aggregate
-- cca_column_top ranks positions by the approximate inner product (checked against the sum
-- computed in SQL from the same blocks); edge cases: zero vectors, NULLs, mismatched dimensions.
SELECT cca_nonzero_dims('[0,1.5,0,-2,0]'), cca_nonzero_dims('[0,0,0]'), cca_nonzero_dims('[3]');
-- the largest components covering a share of the squared norm (4 + 2.25 + 2.25 + 0.25 = 8.75):
-- 4 is 46 %, with one 1.5 it is 71 %, with both 97 %, then all; returned in dimension order
-- (ties: the lower dimension first)
SELECT s, cca_top_dims('[0,1.5,0.5,-2,-1.5]', s) FROM unnest(ARRAY[0, 0.3, 0.46, 0.5, 0.71, 0.9, 0.98, 1, 2]) s;
-- the same in SQL
SELECT s, array_agg(d ORDER BY d) AS sql_dims
  FROM (SELECT d, sum(x * x) OVER (ORDER BY abs(x) DESC, d) - x * x AS before, sum(x * x) OVER () AS total
          FROM unnest('{0,1.5,0.5,-2,-1.5}'::real[]) WITH ORDINALITY u(x, d) WHERE x <> 0) z,
       unnest(ARRAY[0.3, 0.5, 0.9, 0.98]) s
 WHERE before < s * total GROUP BY s ORDER BY s;
SELECT cca_top_dims('[0,0]', 0.9) AS zero;
SELECT cca_top_dims('[1]', 'NaN');
CREATE TABLE cv (pos int, v vector(4));
INSERT INTO cv VALUES (0, '[1,2,3,4]'), (1, '[-4,0,0.5,1]'), (2, '[0,0,0,0]'), (3, '[0,3,0,-3]'),
                      (4, '[2,2,2,2]'), (5, '[0.001,-1,1,0]'), (6, NULL);
-- two blocks: positions 0..3 and 4..6
CREATE TABLE cblocks AS
  SELECT b.pos0, c.* FROM (SELECT 0 AS pos0, array_agg(v ORDER BY pos) a FROM cv WHERE pos < 4
                           UNION ALL
                           SELECT 4, array_agg(v ORDER BY pos) FROM cv WHERE pos >= 4) b,
                          cca_columns(b.a) c;
SELECT pos0, dim, round(scale::numeric, 6) AS scale, vals FROM cblocks ORDER BY pos0, dim;
-- the same quantisation in SQL: x / |v|, scale = max |x| / 127, round(x / scale); a NULL or zero
-- vector is a row of zeros
WITH u AS (SELECT pos, pos / 4 * 4 AS pos0, d, CASE WHEN vector_norm(v) > 0
                  THEN (v::real[])[d] / vector_norm(v) ELSE 0 END AS x
             FROM cv, generate_series(1, 4) d),
     s AS (SELECT pos0, d, max(abs(x)) / 127 AS scale FROM u GROUP BY pos0, d),
     q AS (SELECT u.pos0, u.d, u.pos,
                  CASE WHEN s.scale > 0 THEN round(u.x / s.scale) ELSE 0 END AS val
             FROM u JOIN s USING (pos0, d))
SELECT count(*) AS mismatches
  FROM q JOIN cblocks b ON b.pos0 = q.pos0 AND b.dim = q.d
 WHERE get_byte(b.vals, q.pos - q.pos0) <> (q.val::int + 256) % 256;
-- the approximate inner products, from the blocks, in SQL; the aggregate's order must agree
CREATE FUNCTION approx(q vector) RETURNS TABLE (pos int, s float8) LANGUAGE sql AS $$
  SELECT b.pos0 + i, sum((q::real[])[b.dim]::float8 * b.scale
                         * ((get_byte(b.vals, i) + 128) % 256 - 128))
    FROM cblocks b, generate_series(0, length(b.vals) - 1) i
   WHERE (q::real[])[b.dim] <> 0
   GROUP BY b.pos0 + i $$;
SELECT cca_column_top(pos0, dim, scale, vals, '[1,1,0,0]', 7) AS top7 FROM cblocks;
SELECT array_agg(pos ORDER BY s DESC, pos) AS sql_order FROM approx('[1,1,0,0]');
SELECT cca_column_top(pos0, dim, scale, vals, '[0,0.5,0,-1]', 3) AS top3 FROM cblocks;
SELECT (array_agg(pos ORDER BY s DESC, pos))[1:3] AS sql_top3 FROM approx('[0,0.5,0,-1]');
-- only the query's non-zero dimensions need to be read: the same answer
SELECT cca_column_top(pos0, dim, scale, vals, '[0,0.5,0,-1]', 3) AS top3_sparse FROM cblocks
 WHERE dim = ANY (cca_nonzero_dims('[0,0.5,0,-1]'));
-- n larger than the rows, n = 0, no rows, a zero query, NULL arguments
SELECT cca_column_top(pos0, dim, scale, vals, '[1,0,0,0]', 100) AS all_rows FROM cblocks;
SELECT cca_column_top(pos0, dim, scale, vals, '[1,0,0,0]', 0) AS none FROM cblocks;
SELECT cca_column_top(pos0, dim, scale, vals, '[1,0,0,0]', 3) IS NULL AS no_rows_is_null
  FROM cblocks WHERE false;
SELECT cca_column_top(pos0, dim, scale, vals, '[0,0,0,0]', 3) AS zero_query FROM cblocks;
SELECT cca_column_top(pos0, dim, scale, vals, NULL, 3) IS NULL AS null_query FROM cblocks;
SELECT cca_column_top(pos0, dim, scale, CASE WHEN pos0 = 4 THEN NULL ELSE vals END, '[1,1,1,1]', 7)
  AS null_block_skipped FROM cblocks;
-- a gap between blocks is not a position
SELECT cca_column_top(pos0 * 10, dim, scale, vals, '[1,1,1,1]', 10) AS with_gap FROM cblocks;
-- errors
SELECT cca_columns(ARRAY['[1,2]', '[1,2,3]']::vector[]);
SELECT cca_column_top(pos0, dim, scale, vals, '[1,1]', 3) FROM cblocks;
SELECT cca_column_top(-1, 1, 1, '\x01', '[1]', 3);
SELECT cca_column_top(0, 1, 1, '\x01', '[1]', -1);
SELECT count(*) AS empty FROM cca_columns('{}'::vector[]);
SELECT count(*) AS all_null FROM cca_columns(ARRAY[NULL, NULL]::vector[]);
DROP FUNCTION approx(vector);
DROP TABLE cv, cblocks;

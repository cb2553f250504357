-- cca_vector 1.1 -> 1.2: a dimension-major int8 copy of unit vectors and the approximate inner
-- products of a sparse query against it (cca_columns.c), for the fallback's columnar search
-- (db/migrations/024_vector_columnar.sql). A fresh CREATE EXTENSION runs 1.0, 1.0--1.1 and
-- this file; an existing database gets the same objects with ALTER EXTENSION cca_vector UPDATE.
\echo Use "ALTER EXTENSION cca_vector UPDATE TO '1.2'" to load this file. \quit

-- the 1-based dimensions of a vector that are not 0, in order
CREATE FUNCTION cca_nonzero_dims(vector) RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- the fewest dimensions of largest magnitude (ties: the lower dimension) whose squares sum to
-- `share` of the squared norm (share >= 1: every non-zero one), in dimension order: a query
-- reads only these columns
CREATE FUNCTION cca_top_dims(vector, double precision) RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- a run of rows as column blocks: for each dimension, the scale (the largest magnitude of that
-- component of the rows' unit vectors, / 127) and one int8 per row (round(x / scale)); a NULL
-- element is a row of zeros. COST: one pass over the rows per dimension.
CREATE FUNCTION cca_columns(vector[], OUT dim integer, OUT scale real, OUT vals bytea)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1536 COST 1000;

-- cca_column_top(pos0, dim, scale, vals, q, n): over column blocks, the n positions whose
-- approximate inner product with q (sum of q[dim] * scale * vals[i] at position pos0 + i) is
-- largest, best first. NULL over no rows.
CREATE FUNCTION cca_column_top_step(internal, integer, integer, real, bytea, vector, integer)
	RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cca_column_top_final(internal) RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE cca_column_top(integer, integer, real, bytea, vector, integer) (
	SFUNC = cca_column_top_step,
	STYPE = internal,
	FINALFUNC = cca_column_top_final
);

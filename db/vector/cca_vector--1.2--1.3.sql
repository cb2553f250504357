-- cca_vector 1.2 -> 1.3: exact nearest rows by one scan of the heap without the executor
-- (cca_exact.c), for the fallback's exact search (db/migrations/030_vector_exact.sql). A fresh
-- CREATE EXTENSION runs 1.0 and the upgrade scripts up to this one; an existing database gets
-- the same objects with ALTER EXTENSION cca_vector UPDATE.
\echo Use "ALTER EXTENSION cca_vector UPDATE TO '1.3'" to load this file. \quit

-- cca_exact_top(tbl, col, q, k [, filter_col, filter_vals [, readers_col, reader_tags]]): the
-- tids of the k visible rows of tbl whose col <=> q is smallest, nearest first (NULLs skipped;
-- with filter_col, only rows where filter_col = ANY (filter_vals); with readers_col, only rows
-- where readers_col && reader_tags), and every row that ties with the k-th. NULL when q or k is
-- NULL. Refuses to run where the table's row-level security applies to the current user;
-- needs SELECT on the table or the columns. Not granted to PUBLIC: it reads a whole table.
-- COST: a scan of the table, one distance per row.
CREATE FUNCTION cca_exact_top(tbl regclass, col name, q vector, k integer,
                              filter_col name DEFAULT NULL, filter_vals text[] DEFAULT NULL,
                              readers_col name DEFAULT NULL, reader_tags text[] DEFAULT NULL)
	RETURNS tid[]
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL RESTRICTED COST 100000;
REVOKE ALL ON FUNCTION cca_exact_top(regclass, name, vector, integer, name, text[], name, text[]) FROM PUBLIC;

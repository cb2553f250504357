-- 025_pgvector_path: the pgvector path checked on real pgvector 0.8.6 (issue 17), with the
-- local embedder's vectors, 1,000 to 100,000 passages.
--
-- 1. Bulk ingest. `cca ingest` maintained the HNSW indexes row by row: 39 passages/s from
--    1,000 to 10,000 passages (load 7 on 2 CPUs). It now asks cca_vector_bulk_begin(n) once the
--    first passages of a load are stored, n the passages it expects from the bytes left; when
--    the load is at least 1,000 passages and a fifth of the table, the two HNSW indexes are
--    dropped and cca_vector_index_maintain() (which ingest calls at the end, also after a
--    failure) builds them in one pass. Below that, maintaining them costs less than a build of
--    the whole table. Trainers may call it (they ingest); the zero-argument form of 019 (drop
--    whatever the size) stays for scripts.

SET LOCAL ROLE cca_owner;

CREATE FUNCTION cca_vector_bulk_begin(expected_rows bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    have float8;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        RETURN jsonb_build_object('dropped', false);
    END IF;
    IF to_regclass('public.idx_content_passages_embedding') IS NULL
       AND to_regclass('public.idx_learning_content_embedding') IS NULL THEN
        RETURN jsonb_build_object('pgvector', true, 'dropped', true, 'hnsw', 'missing');
    END IF;
    SELECT greatest(c.reltuples, 0) INTO have FROM pg_class c
    WHERE c.oid = 'public.content_passages'::regclass;
    IF coalesce(expected_rows, 0) < 1000 OR expected_rows < have / 5 THEN
        RETURN jsonb_build_object('pgvector', true, 'dropped', false, 'rows', have,
                                  'expected', expected_rows);
    END IF;
    DROP INDEX IF EXISTS public.idx_content_passages_embedding;
    DROP INDEX IF EXISTS public.idx_learning_content_embedding;
    RETURN jsonb_build_object('pgvector', true, 'dropped', true, 'rows', have,
                              'expected', expected_rows);
END
$$;

REVOKE ALL ON FUNCTION cca_vector_bulk_begin(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cca_vector_bulk_begin(bigint) TO cca_trainer, cca_admin;

RESET ROLE;

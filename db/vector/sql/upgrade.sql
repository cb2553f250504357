-- versions: a fresh install of the default version and a 1.0 database after
-- ALTER EXTENSION UPDATE must hold the same objects with the same definitions. (A fresh
-- install runs 1.0 and the update scripts today; this keeps a future direct install script
-- honest.) Runs first: nothing depends on the extension yet, so it can be dropped.
SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'cca_vector';
SELECT version FROM pg_available_extension_versions WHERE name = 'cca_vector' ORDER BY version;
CREATE FUNCTION pg_temp.members() RETURNS TABLE (obj text) LANGUAGE sql AS $$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
         || coalesce((SELECT format(' [%s %s %s %s cost %s]', p.prosrc, p.provolatile,
                                    p.proparallel, p.proisstrict, p.procost)
                        FROM pg_proc p WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid), '')
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'cca_vector' AND d.deptype = 'e'
$$;
CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.members();
SELECT count(*) AS objects FROM fresh;
DROP EXTENSION cca_vector;
CREATE EXTENSION cca_vector VERSION '1.0';
-- a 1.0 database with data in it
CREATE TABLE up (id int, v vector(3));
INSERT INTO up VALUES (1, '[1,2,3]'), (2, '[3,2,1]');
SELECT count(*) AS objects_1_0 FROM pg_temp.members();
ALTER EXTENSION cca_vector UPDATE TO '1.1';
SELECT extversion, (SELECT count(*) FROM pg_temp.members()) AS objects_1_1
  FROM pg_extension WHERE extname = 'cca_vector';
ALTER EXTENSION cca_vector UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'cca_vector';
-- no difference either way
(SELECT 'only fresh' AS side, obj FROM fresh EXCEPT SELECT 'only fresh', obj FROM pg_temp.members())
UNION ALL
(SELECT 'only updated', obj FROM pg_temp.members() EXCEPT SELECT 'only updated', obj FROM fresh);
-- the new functions work on the old rows
SELECT avg(v), sum(v), avg(v::halfvec) AS avg_half FROM up;
SELECT id, v || v AS twice, subvector(v, 2, 2), binary_quantize(v - '[2,2,2]') FROM up ORDER BY id;
SELECT cca_nonzero_dims(v), (SELECT array_agg(c.dim) FROM cca_columns(ARRAY[v]) c) AS dims
  FROM up ORDER BY id;
DROP TABLE up;

-- 014_vector_update: bring the cca_vector fallback extension to 1.1 (halfvec, bit distances,
-- binary_quantize, subvector, sum/avg(vector), ||), as a fresh CREATE EXTENSION installs it.
--
-- Why: 001 creates the extension at the server's default version, so a database migrated
-- while 1.0 was installed keeps 1.0 until someone runs ALTER EXTENSION ... UPDATE; a newer
-- server library alone does not add the SQL objects. Runs as the bootstrap superuser (the
-- extension's owner), like 001. Nothing to do with real pgvector, or when 1.1 is already in.
DO $$
DECLARE
    v text;
BEGIN
    SELECT extversion INTO v FROM pg_extension WHERE extname = 'cca_vector';
    IF v IS NULL OR v <> '1.0' THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_available_extension_versions
                    WHERE name = 'cca_vector' AND version = '1.1') THEN
        RAISE EXCEPTION 'cca_vector 1.1 is not installed on this server (the database has 1.0)'
            USING HINT = 'run `make vector-install` (or scripts/vector_ensure.sh) as root, then migrate again';
    END IF;
    ALTER EXTENSION cca_vector UPDATE TO '1.1';
END
$$;

-- 25_pgvector_path: 025 on real pgvector. With 1,000 passages: the inner query of
-- match_passages / match_documents, planned under the functions' own settings and 025's
-- tuning (028's ef_search), scans the HNSW index for every role (learner, HR, trainer, admin), k 1..200, with and
-- without a type filter; a rare type is searched exactly and returns k rows whenever k exist;
-- the settings hold on a fresh connection whose first statement is a learner's filtered
-- match_passages; a large load drops the HNSW indexes and cca_vector_index_maintain builds
-- them again with 028's graph (m 32, ef_construction 128; an index with other options is
-- rebuilt, cca.hnsw_m / cca.hnsw_ef_construction choose another); 032: documents below 10,000
-- rows are searched exactly. Skipped where the server has no pgvector (the fallback: 19_vector_index).
-- By hand against pgvector's sandbox: tests/db/README.md.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(19);

CREATE FUNCTION pg_temp.pgvector() RETURNS boolean LANGUAGE sql AS
    $$ SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') $$;
CREATE EXTENSION IF NOT EXISTS dblink;

-- 028: the indexes of the migrated and ingested sample knowledge base have its graph
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT array_agg(c.relname || ' ' || coalesce(c.reloptions::text, '{}') ORDER BY c.relname)
             FROM pg_class c WHERE c.relname IN ('idx_content_passages_embedding', 'idx_learning_content_embedding')),
            ARRAY['idx_content_passages_embedding {m=32,ef_construction=128}',
                  'idx_learning_content_embedding {m=32,ef_construction=128}'],
            'after migrate and ingest both HNSW indexes are built WITH (m = 32, ef_construction = 128)')
    ELSE skip('no pgvector on this server (the fallback''s paths: 19_vector_index)', 1) END;

-- the fresh connection first: it must see committed rows only (the sample knowledge base of
-- tests/db/run.sh: hundreds of 'reference' passages). Its first statement, as the learner:
CREATE FUNCTION pg_temp.fresh_as(who text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), who);
    r text;
BEGIN
    PERFORM dblink_connect('fresh25', conn);
    SELECT x INTO r FROM dblink('fresh25', sql) AS t(x text);
    PERFORM dblink_disconnect('fresh25');
    RETURN r;
END
$$;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(pg_temp.fresh_as((SELECT db_role FROM users WHERE email = 'alice@example.com'),
            $$SELECT count(*)::text FROM match_passages(
                  (SELECT embedding FROM content_passages WHERE embedding IS NOT NULL ORDER BY id LIMIT 1),
                  -2.0, 5, ARRAY['reference'])$$),
            '5', 'a fresh connection''s first statement, a learner''s filtered match_passages, returns k rows')
    ELSE skip('no pgvector on this server (the fallback''s paths: 19_vector_index)', 1) END;

-- A world of 1,000 passages: 100 documents (every tenth a 'tutorial', one 'lesson'), 10
-- passages each, unit vectors near 8 axes with a spread.
CREATE FUNCTION pg_temp.v(a int, t float8 DEFAULT 0, b int DEFAULT 1536) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT (SELECT array_agg(CASE WHEN g = a THEN 1 WHEN g = b THEN t
                                  WHEN g = 1000 + a THEN sin(t * 7) ELSE 0 END::real ORDER BY g)
            FROM generate_series(1, 1536) g)::vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.v(int, float8, int) TO PUBLIC;
DELETE FROM learning_content;
INSERT INTO learning_content (id, title, content, content_type, embedding)
SELECT 'd' || i, 'Doc ' || i, 'Body ' || i,
       CASE WHEN i = 50 THEN 'lesson' WHEN i % 10 = 0 THEN 'tutorial' ELSE 'reference' END,
       pg_temp.v(i % 8 + 1, i / 100.0)
FROM generate_series(1, 100) i;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p' || i || '-' || j, 'd' || i, j, 'H', 'Passage ' || i || '-' || j,
       pg_temp.v((i * 10 + j) % 8 + 1, (i * 10 + j) / 1000.0)
FROM generate_series(1, 100) i, generate_series(0, 9) j;
ANALYZE learning_content;
ANALYZE content_passages;

-- The plan of the inner query as a role: the function's SET clauses (pg_proc.proconfig), then
-- 025's tuning, then EXPLAIN of the text the function runs (the exact form when the tuning
-- says so).
CREATE FUNCTION pg_temp.plan_as(kind text, k int, types text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    fn text := CASE kind WHEN 'passages' THEN 'match_passages' ELSE 'match_documents' END;
    cfg text;
    line text;
    sql text;
    out text := '';
BEGIN
    FOR cfg IN SELECT unnest(p.proconfig) FROM pg_proc p
               WHERE p.proname = fn AND p.pronamespace = 'public'::regnamespace LOOP
        PERFORM set_config(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1), true);
    END LOOP;
    IF cca_hnsw_tune(k, types, kind) THEN
        PERFORM set_config('cca.vector_exact', 'on', true);
        out := 'exact: ';
    END IF;
    sql := cca_match_sql(kind, types IS NOT NULL);
    PERFORM set_config('cca.vector_exact', '', true);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql
        USING pg_temp.v(2, 0.3), k, types, -2.0::float8 LOOP
        out := out || line || E'\n';
    END LOOP;
    RETURN out;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_as(text, int, text[]) TO PUBLIC;
CREATE TEMP TABLE plans25 (who text, kind text, k int, types text, plan text);
GRANT ALL ON plans25 TO PUBLIC;
CREATE TEMP TABLE plans32 (who text, k int, plan text);
GRANT ALL ON plans32 TO PUBLIC;
-- the index's plans on this small world: 032's exact search of small tables off (plans32:
-- the documents' plans with it on, its default)
SET LOCAL cca.hnsw_exact_rows = 0;
DO $$
DECLARE
    who text;
    k int;
    t text;
BEGIN
    IF NOT pg_temp.pgvector() THEN
        RETURN;
    END IF;
    FOR who IN SELECT db_role FROM users
               WHERE email IN ('alice@example.com', 'carol@example.com', 'erin@example.com',
                               'grace@example.com') LOOP
        EXECUTE format('SET LOCAL ROLE %I', who);
        FOREACH k IN ARRAY ARRAY[1, 5, 20, 50, 200] LOOP
            FOREACH t IN ARRAY ARRAY['', 'tutorial', 'lesson'] LOOP
                INSERT INTO plans25 VALUES (who, 'passages', k, t,
                    pg_temp.plan_as('passages', k, CASE WHEN t <> '' THEN ARRAY[t] END));
                INSERT INTO plans25 VALUES (who, 'documents', k, t,
                    pg_temp.plan_as('documents', k, CASE WHEN t <> '' THEN ARRAY[t] END));
            END LOOP;
        END LOOP;
        PERFORM set_config('cca.hnsw_exact_rows', '', true);
        FOREACH k IN ARRAY ARRAY[1, 5, 20, 200] LOOP
            INSERT INTO plans32 VALUES (who, k, pg_temp.plan_as('documents', k, NULL));
        END LOOP;
        PERFORM set_config('cca.hnsw_exact_rows', '0', true);
        RESET ROLE;
    END LOOP;
END
$$;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT count(*)::int FROM plans25), 120, '120 plans: 4 roles, k 1..200, no filter / tutorial / lesson')
    ELSE skip('no pgvector on this server', 1) END;
-- 'tutorial' is 10 % of the rows: HNSW while k is small against it (4 × k < 100 passages,
-- 10 documents), exact above; 'lesson' (10 passages, 1 document) is rare: always exact.
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT array_agg(who || ' ' || kind || ' k=' || k || ' ' || types) FROM plans25
             WHERE types = '' AND plan !~ 'Index Scan using idx_(content_passages|learning_content)_embedding'),
            NULL, 'every role''s unfiltered query scans the HNSW index, k 1..200')
    ELSE skip('no pgvector on this server', 1) END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT array_agg(who || ' ' || kind || ' k=' || k || ' ' || types) FROM plans25
             WHERE types = 'lesson' AND (plan !~ '^exact: ' OR plan ~ '_embedding')),
            NULL, 'a rare type (10 passages, 1 document) is searched exactly, through the type index')
    ELSE skip('no pgvector on this server', 1) END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT (count(*) FILTER (WHERE plan ~ 'Index Scan using idx_(content_passages|learning_content)_embedding'
                                            AND plan ~ 'content_type = ANY'))::int
             FROM plans25 WHERE types = 'tutorial' AND plan !~ '^exact: '), 16,
            'a type of 10 % (k 1..20 of passages, k = 1 of documents): the HNSW index, the type a filter on its rows')
    ELSE skip('no pgvector on this server', 1) END;

-- k rows whenever k exist: a rare type, as the learner
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(2, 0.3), -2.0, 20, ARRAY['lesson'])), 10,
          'a learner''s match_passages with a rare type returns all 10 lesson passages (k = 20)');
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(2, 0.3), -2.0, 50, ARRAY['tutorial'])), 50,
          'and k = 50 of the 100 tutorial passages');
RESET ROLE;

-- 032, by default: documents below 10,000 rows are searched exactly, for every role and k;
-- passages keep the index from the first row; at 10,000 documents the index again
SET LOCAL cca.hnsw_exact_rows = '';
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT count(*) FILTER (WHERE plan ~ '^exact: ' AND plan !~ '_embedding')::int FROM plans32), 16,
            '032: match_documents on 100 documents is exact for every role, k 1..200 (16 plans)')
    ELSE skip('no pgvector on this server', 1) END;
UPDATE pg_class SET reltuples = 10000 WHERE oid = 'learning_content'::regclass;
SELECT CASE WHEN pg_temp.pgvector()
    THEN ok(NOT cca_hnsw_tune(5, NULL, 'documents') AND NOT cca_hnsw_tune(5, NULL, 'passages')
            AND pg_temp.plan_as('documents', 5, NULL) ~ 'Index Scan using idx_learning_content_embedding',
            '032: at 10,000 documents the HNSW index again; passages never searched exactly for their size')
    ELSE skip('no pgvector on this server', 1) END;
ANALYZE learning_content;

-- the settings of a tuned call: ef_search from k, iterative scans, a scan budget of the table
SELECT CASE WHEN pg_temp.pgvector()
    THEN ok((SELECT cca_hnsw_tune(200, NULL, 'passages') = false
                    AND current_setting('hnsw.ef_search')::int >= 200
                    AND current_setting('hnsw.iterative_scan') = 'relaxed_order'
                    AND current_setting('hnsw.max_scan_tuples')::int >= 1000),
            'cca_hnsw_tune: ef_search >= k, relaxed iterative scans, max_scan_tuples >= the table')
    ELSE skip('no pgvector on this server', 1) END;

-- bulk: a load of a twentieth of the table (and 1,000 rows) or more drops the HNSW indexes; maintain builds them
SELECT CASE WHEN pg_temp.pgvector()
    THEN ok((cca_vector_bulk_begin(10)->>'dropped')::boolean = false
            AND (cca_vector_bulk_begin(5000)->>'dropped')::boolean
            AND to_regclass('idx_content_passages_embedding') IS NULL
            AND cca_vector_index_maintain()->'built' ? 'idx_content_passages_embedding'
            AND to_regclass('idx_content_passages_embedding') IS NOT NULL,
            'cca_vector_bulk_begin(n): kept for 10 rows, dropped for 5,000; maintain builds them again')
    ELSE skip('no pgvector on this server', 1) END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT reloptions::text FROM pg_class WHERE relname = 'idx_content_passages_embedding'),
            '{m=32,ef_construction=128}', 'the index built after a bulk load has 028''s options')
    ELSE skip('no pgvector on this server', 1) END;

-- an index with pgvector's defaults (003, 004, 016 build those) is rebuilt by the next maintain;
-- then a maintain has nothing to build
DO $$
BEGIN
    IF pg_temp.pgvector() THEN
        DROP INDEX idx_content_passages_embedding;
        CREATE INDEX idx_content_passages_embedding ON content_passages USING hnsw (embedding vector_cosine_ops);
    END IF;
END
$$;
-- (each check of pg_class in a statement of its own: a statement sees the catalog as it began)
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(cca_vector_index_maintain()->'built', '["idx_content_passages_embedding"]',
            'maintain rebuilds an index of other options')
    ELSE skip('no pgvector on this server', 1) END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN ok((SELECT reloptions::text FROM pg_class WHERE relname = 'idx_content_passages_embedding')
                = '{m=32,ef_construction=128}'
            AND cca_vector_index_maintain()->'built' = '[]',
            'with 028''s options, once: the next maintain builds nothing')
    ELSE skip('no pgvector on this server', 1) END;

-- ef_search from the table's size and the graph: fake 100,000 rows (rolled back)
UPDATE pg_class SET reltuples = 100000 WHERE oid = 'content_passages'::regclass;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT cca_hnsw_tune(20, NULL, 'passages')::text || ' ' || current_setting('hnsw.ef_search')),
            'false 633', 'ef_search at 100,000 rows on 028''s graph: 200 × sqrt(10) = 633')
    ELSE skip('no pgvector on this server', 1) END;
-- the settings choose another graph; on pgvector's default one ef_search keeps 025's rule
SET LOCAL cca.hnsw_m = 16;
SET LOCAL cca.hnsw_ef_construction = 64;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(cca_vector_index_maintain()->'built',
            '["idx_content_passages_embedding", "idx_learning_content_embedding"]',
            'cca.hnsw_m = 16, cca.hnsw_ef_construction = 64: maintain rebuilds both indexes')
    ELSE skip('no pgvector on this server', 1) END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT array_agg(reloptions::text ORDER BY relname) FROM pg_class
             WHERE relname IN ('idx_content_passages_embedding', 'idx_learning_content_embedding')),
            ARRAY['{m=16,ef_construction=64}', '{m=16,ef_construction=64}'], 'with those options')
    ELSE skip('no pgvector on this server', 1) END;
-- (the build wrote the table's true size back)
UPDATE pg_class SET reltuples = 100000 WHERE oid = 'content_passages'::regclass;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT cca_hnsw_tune(20, NULL, 'passages')::text || ' ' || current_setting('hnsw.ef_search')),
            'false 949', 'on pgvector''s default graph ef_search keeps 025''s rule: 949 at 100,000 rows')
    ELSE skip('no pgvector on this server', 1) END;

SELECT * FROM finish();
ROLLBACK;

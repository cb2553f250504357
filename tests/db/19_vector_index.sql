-- 19_vector_index: 019's retrieval paths. Passages carry their document's type; the type filter
-- returns k rows whenever k exist; with pgvector the HNSW index drives every learner's and
-- admin's query (with and without a type filter, k from 1 to 200) and the settings hold on a
-- fresh connection; on the fallback the IVF lists drive the query, see inserts and deletes at
-- once, equal exact search when every list is probed, and cannot be tampered with.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(31);

-- A unit vector near axis `a` (1536 dimensions): component a = 1, component b = t.
CREATE FUNCTION pg_temp.v(a int, t float8 DEFAULT 0, b int DEFAULT 1536) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT (SELECT array_agg(CASE WHEN g = a THEN 1 WHEN g = b THEN t ELSE 0 END::real ORDER BY g)
            FROM generate_series(1, 1536) g)::vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.v(int, float8, int) TO PUBLIC;
CREATE FUNCTION pg_temp.pgvector() RETURNS boolean LANGUAGE sql AS
    $$ SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') $$;

-- 0. Concurrent writers, before this transaction touches the content tables: another session
-- inserts a document and its passage and commits; the next query here sees the passage at once
-- (with pgvector through HNSW, on the fallback through the exact or pending path); the other
-- session deletes them and vacuums the table; the passage is gone and exact search agrees.
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE FUNCTION pg_temp.remote(sql text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
BEGIN
    PERFORM dblink_connect('remote19', conn);
    PERFORM dblink_exec('remote19', sql);
    PERFORM dblink_disconnect('remote19');
END
$$;
SELECT pg_temp.remote($r$
    INSERT INTO learning_content (id, title, content, content_type) VALUES ('d-remote19', 'R', 'R', 'reference');
    INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
    VALUES ('p-remote19', 'd-remote19', 0, 'H', 'Remote',
            (SELECT array_agg(CASE WHEN g = 1000 THEN 1 ELSE 0 END::real ORDER BY g)
             FROM generate_series(1, 1536) g)::vector)$r$);
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT passage_id FROM match_passages(pg_temp.v(1000), -2.0, 1)), 'p-remote19',
          'a passage another session committed a moment ago is found at once');
RESET ROLE;
SELECT pg_temp.remote($r$DELETE FROM learning_content WHERE id = 'd-remote19'$r$);
SELECT pg_temp.remote('VACUUM content_passages');
SET LOCAL ROLE cca_u_alice;
SELECT isnt((SELECT passage_id FROM match_passages(pg_temp.v(1000), -2.0, 1)), 'p-remote19',
            'its deletion (and VACUUM) is seen at once');
SELECT is(ARRAY(SELECT passage_id FROM match_passages(pg_temp.v(1000), -2.0, 10)),
          ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                ORDER BY embedding <=> pg_temp.v(1000), id LIMIT 10),
          'and the 10 nearest are exact search''s');
RESET ROLE;

-- A world of our own: 40 documents ('reference', but 3 'tutorial'), 10 passages each, in 8
-- groups around the axes 1..8 (1,000 rows would be nicer, but this is a test).
DELETE FROM learning_content;
INSERT INTO learning_content (id, title, content, content_type, embedding)
SELECT 'd' || i, 'Doc ' || i, 'Body ' || i,
       CASE WHEN i IN (3, 17, 33) THEN 'tutorial' ELSE 'reference' END,
       pg_temp.v(i % 8 + 1, i / 100.0)
FROM generate_series(1, 40) i;
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
SELECT 'p' || i || '-' || j, 'd' || i, j, 'H', 'Passage ' || i || '-' || j,
       pg_temp.v((i * 10 + j) % 8 + 1, (i * 10 + j) / 1000.0)
FROM generate_series(1, 40) i, generate_series(0, 9) j;
ANALYZE learning_content;
ANALYZE content_passages;

-- 1. The passages' copy of the type ---------------------------------------------------------
SELECT is((SELECT count(*)::int FROM content_passages p JOIN learning_content lc ON lc.id = p.content_id
           WHERE p.content_type IS DISTINCT FROM lc.content_type), 0,
          'every passage carries its document''s content_type');
UPDATE learning_content SET content_type = 'lesson' WHERE id = 'd5';
SELECT is((SELECT array_agg(DISTINCT content_type) FROM content_passages WHERE content_id = 'd5'),
          ARRAY['lesson'], 'changing a document''s type changes its passages''');
UPDATE content_passages SET content_type = 'skill' WHERE id = 'p6-1';
SELECT is((SELECT content_type FROM content_passages WHERE id = 'p6-1'), 'reference',
          'a passage''s content_type cannot be set apart from its document''s');
UPDATE learning_content SET content_type = 'reference' WHERE id = 'd5';

-- 2. The type filter returns k rows whenever k exist (30 tutorial passages) -----------------
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(2), -2.0, 20, ARRAY['tutorial'])), 20,
          'a learner''s type-filtered match_passages returns k = 20 of the 30 tutorial passages');
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(2), -2.0, 50, ARRAY['tutorial'])), 30,
          'and all 30 when k is larger');
SELECT is((SELECT array_agg(DISTINCT content_type) FROM match_passages(pg_temp.v(2), -2.0, 50, ARRAY['tutorial'])),
          ARRAY['tutorial'], 'only tutorial passages');
SELECT is((SELECT count(*)::int FROM match_documents(pg_temp.v(2), -2.0, 5, ARRAY['tutorial'])), 3,
          'match_documents with a type filter: the 3 tutorials');
RESET ROLE;

-- 3. pgvector: the plan as learner and admin, under the functions' own settings -------------
-- The functions' SET clauses (pg_proc.proconfig) applied, then EXPLAIN of the text they run.
CREATE FUNCTION pg_temp.plan_as(fn text, kind text, k int, types text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    cfg text;
    line text;
    out text := '';
BEGIN
    FOR cfg IN SELECT unnest(p.proconfig) FROM pg_proc p WHERE p.proname = fn
                                                       AND p.pronamespace = 'public'::regnamespace LOOP
        PERFORM set_config(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1), true);
    END LOOP;
    PERFORM cca_hnsw_tune(k, types IS NOT NULL);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || cca_match_sql(kind, types IS NOT NULL)
        USING pg_temp.v(2), k, types, -2.0::float8 LOOP
        out := out || line || E'\n';
    END LOOP;
    RETURN out;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_as(text, text, int, text[]) TO PUBLIC;
CREATE TEMP TABLE hnsw_plans (who text, kind text, k int, typed boolean, plan text);
GRANT ALL ON hnsw_plans TO PUBLIC;
DO $$
DECLARE
    who text;
    k int;
    typed boolean;
BEGIN
    IF NOT pg_temp.pgvector() THEN
        RETURN;
    END IF;
    FOREACH who IN ARRAY ARRAY['cca_u_alice', 'cca_u_grace'] LOOP
        EXECUTE format('SET LOCAL ROLE %I', who);
        FOREACH k IN ARRAY ARRAY[1, 5, 20, 200] LOOP
            FOREACH typed IN ARRAY ARRAY[false, true] LOOP
                INSERT INTO hnsw_plans VALUES (who, 'passages', k, typed,
                    pg_temp.plan_as('match_passages', 'passages', k,
                                    CASE WHEN typed THEN ARRAY['tutorial'] END));
                INSERT INTO hnsw_plans VALUES (who, 'documents', k, typed,
                    pg_temp.plan_as('match_documents', 'documents', k,
                                    CASE WHEN typed THEN ARRAY['tutorial'] END));
            END LOOP;
        END LOOP;
        RESET ROLE;
    END LOOP;
END
$$;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT array_agg(who || ' ' || kind || ' k=' || k || CASE WHEN typed THEN ' typed' ELSE '' END)
             FROM hnsw_plans WHERE plan !~ 'Index Scan using idx_(content_passages|learning_content)_embedding'),
            NULL, 'pgvector: every plan (learner, admin; k 1..200; with and without a type filter) scans the HNSW index')
    ELSE pass('pgvector: HNSW plans (not installed: the fallback is tested below)') END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is((SELECT count(*)::int FROM hnsw_plans), 32, 'pgvector: 32 plans examined')
    ELSE pass('pgvector: plans examined (not installed)') END;

-- pgvector's settings on a fresh connection whose first vector comes from a table
CREATE FUNCTION pg_temp.fresh(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
    r text;
BEGIN
    PERFORM dblink_connect('fresh19', conn);
    SELECT x INTO r FROM dblink('fresh19', sql) AS t(x text);
    PERFORM dblink_disconnect('fresh19');
    RETURN r;
END
$$;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(pg_temp.fresh($$SELECT set_config('x.y', '1', false) || (SELECT cca_hnsw_tune(5, true))::text
                            || current_setting('hnsw.ef_search') || ' ' || current_setting('hnsw.iterative_scan')$$),
            '1100 relaxed_order', 'pgvector: a fresh connection gets ef_search 100 and iterative scans')
    ELSE is(pg_temp.fresh('SELECT coalesce(current_setting(''hnsw.ef_search'', true), ''none'') || (SELECT cca_hnsw_tune(5, true))::text'),
            'none', 'fallback: cca_hnsw_tune sets nothing') END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(pg_temp.fresh($$SELECT (SELECT cca_hnsw_tune(300, false))::text || current_setting('hnsw.ef_search')$$),
            '600', 'pgvector: ef_search is 2 × k above 50')
    ELSE pass('pgvector: ef_search (not installed)') END;
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(pg_temp.fresh($$SELECT count(*)::text FROM match_passages(
                                (SELECT embedding FROM content_passages WHERE embedding IS NOT NULL ORDER BY id LIMIT 1), -2.0, 5,
                                ARRAY[(SELECT content_type FROM content_passages WHERE embedding IS NOT NULL ORDER BY id LIMIT 1)])$$),
            '5', 'pgvector: a fresh connection''s type-filtered query with a vector from a table returns k rows')
    ELSE pass('pgvector: fresh connection query (not installed)') END;

-- 4. The fallback's lists --------------------------------------------------------------------
-- Below, on pgvector, cca_vector_index_build answers {"pgvector": true} and the rest is skipped.
SELECT CASE WHEN pg_temp.pgvector()
    THEN is(cca_vector_index_build(), '{"pgvector": true}', 'pgvector: nothing to build')
    ELSE is((SELECT jsonb_agg(e - 'seconds' - 'sample') FROM jsonb_array_elements(cca_vector_index_build(NULL, 8)) e),
            '[{"kind": "p", "rows": 400, "lists": 8, "assigned": 400, "probe_rows": 1000, "recall": 1.000},
              {"kind": "d", "rows": 40, "lists": 8, "assigned": 40, "probe_rows": 1000, "recall": 1.000}]',
            'fallback: 8 lists built for passages and documents, calibrated (recall@10 1 at 1,000 rows), every row assigned') END;
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE is((SELECT count(*)::int FROM content_passages WHERE vec_list IS NULL), 0,
            'fallback: no passage is left pending after the build') END;

CREATE FUNCTION pg_temp.ids(kind text, k int, types text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql AS $$
    SELECT CASE kind WHEN 'passages'
        THEN ARRAY(SELECT passage_id FROM match_passages(pg_temp.v(2, 0.3), -2.0, k, types))
        ELSE ARRAY(SELECT id FROM match_documents(pg_temp.v(2, 0.3), -2.0, k, types)) END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.ids(text, int, text[]) TO PUBLIC;
CREATE FUNCTION pg_temp.exact_ids(k int) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT id FROM content_passages WHERE embedding IS NOT NULL
                 ORDER BY embedding <=> pg_temp.v(2, 0.3), id LIMIT k)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.exact_ids(int) TO PUBLIC;

SET LOCAL ROLE cca_u_alice;
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE matches(pg_temp.plan_as('match_passages', 'passages', 20, NULL),
                 'Function Scan on cca_vector_nearest',
                 'fallback: a learner''s match_passages goes through the lists (cca_vector_nearest)') END;
-- the lists' index is read (this transaction's statistics of the index). 400 rows are a
-- sequential scan's size: a small probe budget and no sequential scans for this check.
CREATE TEMP TABLE scans AS SELECT pg_stat_get_xact_numscans('idx_content_passages_vec_list'::regclass) AS n;
GRANT SELECT ON scans TO PUBLIC;
SET LOCAL cca.vector_probe_rows = 50;
SET LOCAL enable_seqscan = off;
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE ok(cardinality(pg_temp.ids('passages', 20)) = 20
            AND pg_stat_get_xact_numscans('idx_content_passages_vec_list'::regclass) > (SELECT n FROM scans),
            'fallback: a learner''s match_passages scans the lists'' index') END;
RESET cca.vector_probe_rows;
RESET enable_seqscan;
SET LOCAL cca.vector_probe_rows = 1e12;
SELECT is(pg_temp.ids('passages', 25), pg_temp.exact_ids(25),
          'every list probed: the same 25 passages, in the same order, as exact search');
RESET cca.vector_probe_rows;
SELECT is(cardinality(pg_temp.ids('passages', 20)), 20, 'the default probes return k rows');
SELECT is(cardinality(pg_temp.ids('passages', 20, ARRAY['tutorial'])), 20,
          'a type filter still returns k rows whenever k exist (the exact query fills in)');
RESET ROLE;

-- inserts and updates are seen at once (pending rows are scanned exactly), deletes too
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding)
VALUES ('p-new', 'd1', 99, 'H', 'New', pg_temp.v(2, 0.3));
SET LOCAL ROLE cca_u_alice;
SELECT is((pg_temp.ids('passages', 1))[1], 'p-new', 'a passage inserted a moment ago is the nearest at once');
RESET ROLE;
UPDATE content_passages SET embedding = pg_temp.v(7) WHERE id = 'p-new';
SET LOCAL ROLE cca_u_alice;
SELECT isnt((pg_temp.ids('passages', 1))[1], 'p-new', 'its new embedding counts at once');
RESET ROLE;
DELETE FROM content_passages WHERE id = (SELECT (pg_temp.ids('passages', 1))[1]);
SET LOCAL ROLE cca_u_alice;
SELECT is(pg_temp.ids('passages', 5), pg_temp.exact_ids(5), 'a deleted passage is gone at once');
SET LOCAL cca.vector_exact = on;
SELECT is(pg_temp.ids('passages', 10), pg_temp.exact_ids(10), 'SET cca.vector_exact = on: exact search');
RESET cca.vector_exact;
RESET ROLE;

-- assignment: maintain assigns the pending rows; writers cannot move rows between lists
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE is((SELECT count(*)::int FROM content_passages WHERE vec_list IS NULL AND embedding IS NOT NULL), 1,
            'fallback: the updated passage is pending') END;
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE is((SELECT (e->>'assigned')::int FROM jsonb_array_elements(cca_vector_index_maintain()) e
             WHERE e->>'kind' = 'p'), 1, 'fallback: cca_vector_index_maintain assigns it') END;
SET LOCAL ROLE cca_u_grace;
UPDATE content_passages SET vec_list = -1 WHERE id = 'p2-1';
RESET ROLE;
SELECT isnt((SELECT vec_list FROM content_passages WHERE id = 'p2-1'), -1,
            'an admin''s UPDATE cannot set vec_list');
SELECT is((SELECT count(*)::int FROM audit_log WHERE table_name = 'content_passages'
             AND changes::text LIKE '%vec_list%'), 0, 'assigning lists writes no audit rows');

-- lists built for another embedder (a reindex retypes the column without row triggers) are
-- not used: exact search until cca_vector_index_maintain rebuilds them
INSERT INTO cca_settings (key, value) VALUES ('embed_model', 'another-model')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
SELECT CASE WHEN pg_temp.pgvector() THEN pass('fallback: (pgvector)')
    ELSE ok(NOT cca_vector_index_built('p') AND cca_vector_probes('p', pg_temp.v(2), 5) IS NULL
            AND cca_match_sql('passages', false) !~ 'cca_vector_nearest',
            'fallback: after a change of embedder the lists are not used') END;

SELECT * FROM finish();
ROLLBACK;

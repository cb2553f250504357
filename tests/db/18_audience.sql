-- 18_audience: restricted content (018). Three canary documents, each with a unique word in
-- its title and body: an HR-only handbook (role:hr_manager, by the trainer erin), an
-- Engineering runbook (department:Engineering) and a draft by the trainer frank. As every
-- role, through every path that reads content (tables, views, vector and full-text retrieval,
-- the reader, course lessons, term statistics, and every function the role may execute), a
-- canary shows exactly for its audience: its word never appears in a result, a count or an
-- error of anyone else. Also: audience validation, labels, passages following their document,
-- k results whenever k readable passages exist, and (pgvector only) the index plan.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(133);

CREATE FUNCTION pg_temp.v(i int, x float8, j int DEFAULT 2, y float8 DEFAULT 0) RETURNS vector
LANGUAGE sql IMMUTABLE AS $$
    SELECT (SELECT array_agg(CASE WHEN g = i THEN x WHEN g = j THEN y ELSE 0 END::real ORDER BY g)
            FROM generate_series(1, 1536) g)::vector
$$;
GRANT EXECUTE ON FUNCTION pg_temp.v(int, float8, int, float8) TO PUBLIC;

CREATE ROLE cca_test_aud_stranger LOGIN IN ROLE cca_learner;

-- the canaries (nearest to e1 of all passages, so retrieval would return them first) --------
INSERT INTO learning_content (id, title, content, content_type, audience, state, created_by,
                              embedding) VALUES
    ('audc-hr', 'Salary bands zqcanaryhr', 'The zqcanaryhr salary bands for every grade.',
     'reference', '{role:hr_manager}', 'published', '00000000-0000-4000-8000-000000000005',
     pg_temp.v(1, 1)),
    ('audc-eng', 'Incident runbook zqcanaryeng', 'Restart the zqcanaryeng cluster first.',
     'reference', '{department:engineering}', 'published', NULL, pg_temp.v(1, 1)),
    ('audc-draft', 'Unfinished zqcanarydraft', 'A zqcanarydraft lesson nobody should read yet.',
     'lesson', '{}', 'draft', '00000000-0000-4000-8000-000000000006', pg_temp.v(1, 1));
INSERT INTO content_passages (id, content_id, ordinal, heading, body, embedding) VALUES
    ('audp-hr', 'audc-hr', 0, 'Bands', 'The zqcanaryhr salary bands for every grade.', pg_temp.v(1, 1)),
    ('audp-eng', 'audc-eng', 0, 'Restart', 'Restart the zqcanaryeng cluster first.', pg_temp.v(1, 1)),
    ('audp-draft', 'audc-draft', 0, 'Draft', 'A zqcanarydraft lesson nobody should read yet.', pg_temp.v(1, 1));
-- a hidden lesson inside a sample course: its length must not tell
INSERT INTO course_contents (course_id, content_id, ordinal)
VALUES ('course-python-fundamentals', 'audc-hr', 9);
ANALYZE content_passages;
CREATE TEMP TABLE lessons AS
    SELECT count(*)::int - 1 AS n FROM course_contents WHERE course_id = 'course-python-fundamentals';
GRANT SELECT ON lessons TO PUBLIC;

-- canaries seen through each path, as the current role -------------------------------------
-- Returns (path, keys) with keys the sorted canaries (hr, eng, draft) whose word or id shows.
CREATE FUNCTION pg_temp.keys_in(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(k, ',' ORDER BY k), '')
    FROM unnest(ARRAY['draft', 'eng', 'hr']) k
    WHERE t LIKE '%zqcanary' || k || '%' OR t LIKE '%audc-' || k || '%'
       OR t LIKE '%audp-' || k || '%'
$$;
CREATE FUNCTION pg_temp.seen() RETURNS TABLE (path text, keys text) LANGUAGE plpgsql AS $$
DECLARE
    q vector := pg_temp.v(1, 1);
    words constant text := 'zqcanaryhr zqcanaryeng zqcanarydraft';
    t text;
    k text;
BEGIN
    path := 'learning_content';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '') FROM learning_content x));
    RETURN NEXT;
    path := 'content_passages';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '') FROM content_passages x));
    RETURN NEXT;
    path := 'learning_content_search view';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '') FROM learning_content_search x));
    RETURN NEXT;
    path := 'course_contents';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '') FROM course_contents x));
    RETURN NEXT;
    path := 'match_passages';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '')
                             FROM match_passages(q, -2, 20) x));
    RETURN NEXT;
    path := 'match_documents';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '')
                             FROM match_documents(q, -2, 20) x));
    RETURN NEXT;
    path := 'search_passages';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '')
                             FROM search_passages(words, NULL, 20) x));
    RETURN NEXT;
    path := 'search_learning_content';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(x::text, '|'), '')
                             FROM search_learning_content(replace(words, ' ', ' or '), NULL, 20) x));
    RETURN NEXT;
    -- a word counts as seen when its document frequency is not 0
    path := 'passage_term_stats';
    keys := pg_temp.keys_in((SELECT coalesce(string_agg(w, '|'), '')
                             FROM unnest(string_to_array(words, ' ')) WITH ORDINALITY u(w, o)
                             JOIN passage_term_stats(string_to_array(words, ' ')) s ON s.ord = o
                             WHERE s.df <> 0));
    RETURN NEXT;
    path := 'cca_reader_open';
    t := '';
    FOREACH k IN ARRAY ARRAY['audc-hr', 'audc-eng', 'audc-draft'] LOOP
        BEGIN
            t := t || (cca_reader_open(k)->'content')::text;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
    keys := pg_temp.keys_in(t);
    RETURN NEXT;
    path := 'course length in the reader';
    BEGIN
        keys := CASE WHEN (cca_reader_open('content-python-variables')->'course'->>'count')::int
                          = (SELECT n + 1 FROM lessons)
                     THEN 'hr' ELSE '' END;
    EXCEPTION WHEN OTHERS THEN
        keys := 'error: ' || SQLERRM;
    END;
    RETURN NEXT;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.seen(), pg_temp.keys_in(text) TO PUBLIC;

-- Every function the caller may execute, called with the canary words and with each canary
-- id (the role_name argument: the caller): rows "signature [input] keys" for each call whose
-- result or error shows canaries. Given words, only ids count as shown; given an id, only
-- words (a function may echo its input).
CREATE FUNCTION pg_temp.keys_shown(t text, given text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(k, ',' ORDER BY k), '')
    FROM unnest(ARRAY['draft', 'eng', 'hr']) k
    WHERE CASE WHEN given LIKE 'audc-%' THEN t LIKE '%zqcanary' || k || '%'
               ELSE t LIKE '%audc-' || k || '%' OR t LIKE '%audp-' || k || '%' END
$$;
CREATE FUNCTION pg_temp.functions_showing_canaries(OUT leaks text[], OUT answered integer)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
    variant text;
    args text;
    output text;
    shown text;
BEGIN
    leaks := '{}';
    answered := 0;
    FOR f IN SELECT p.oid, p.oid::regprocedure::text AS sig, p.proargtypes::oid[] AS types,
                    coalesce(p.proargnames, '{}') AS names
             FROM pg_proc p
             WHERE pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prokind = 'f'
               AND p.prorettype <> 'trigger'::regtype
               AND has_function_privilege(current_user, p.oid, 'EXECUTE')
               AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) t
                               WHERE t NOT IN ('text'::regtype, 'integer'::regtype,
                                               'boolean'::regtype, 'jsonb'::regtype,
                                               'text[]'::regtype, 'vector'::regtype,
                                               'double precision'::regtype)) LOOP
        FOREACH variant IN ARRAY ARRAY['zqcanaryhr zqcanaryeng zqcanarydraft', 'audc-hr',
                                       'audc-eng', 'audc-draft'] LOOP
            SELECT coalesce(string_agg(CASE
                       WHEN f.names[i - array_lower(f.types, 1) + 1] = 'role_name'
                           THEN quote_literal(current_user)
                       WHEN f.names[i - array_lower(f.types, 1) + 1] = 'content_types'
                           THEN 'NULL'
                       WHEN f.types[i] = 'text'::regtype THEN quote_literal(variant)
                       WHEN f.types[i] = 'text[]'::regtype
                           THEN quote_literal(string_to_array(variant, ' ')) || '::text[]'
                       WHEN f.types[i] = 'vector'::regtype THEN 'pg_temp.v(1, 1)'
                       WHEN f.types[i] = 'double precision'::regtype THEN '-2'
                       WHEN f.types[i] = 'integer'::regtype THEN '20'
                       WHEN f.types[i] = 'boolean'::regtype THEN 'true'
                       ELSE '''{}''::jsonb' END, ', ' ORDER BY i), '')
            INTO args FROM generate_subscripts(f.types, 1) i;
            BEGIN
                EXECUTE format('SELECT coalesce(string_agg(t::text, ''|''), '''') FROM %s(%s) t',
                               f.oid::regproc, args) INTO output;
                answered := answered + 1;
                shown := pg_temp.keys_shown(output, variant);
                IF shown <> '' THEN
                    leaks := leaks || format('%s [%s] %s', f.sig, variant, shown);
                END IF;
                RAISE EXCEPTION 'undo' USING ERRCODE = 'CC999';
            EXCEPTION WHEN OTHERS THEN
                shown := pg_temp.keys_shown(SQLERRM, variant);
                IF SQLSTATE <> 'CC999' AND shown <> '' THEN
                    leaks := leaks || format('%s [%s] error %s', f.sig, variant, shown);
                END IF;
            END;
        END LOOP;
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.functions_showing_canaries(), pg_temp.keys_shown(text, text)
    TO PUBLIC;

-- Every relation the caller may read, scanned for a canary word or id.
CREATE FUNCTION pg_temp.relations_showing_canaries() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n integer;
    hits text[] := '{}';
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
             WHERE c.relnamespace IN ('public'::regnamespace, 'cca_auth'::regnamespace)
               AND c.relkind IN ('r', 'v', 'm')
               AND has_table_privilege(current_user, c.oid, 'SELECT') LOOP
        EXECUTE format('SELECT count(*) FROM %s t WHERE t::text ~ ''zqcanary|aud[cp]-''', r.rel)
            INTO n;
        IF n > 0 THEN
            hits := hits || r.rel::text;
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT h FROM unnest(hits) h ORDER BY h);
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.relations_showing_canaries() TO PUBLIC;

-- The expected audience of each canary, per role.
CREATE TEMP TABLE expected (who text, keys text);
INSERT INTO expected VALUES
    ('cca_u_alice', 'eng'),               -- learner, Engineering
    ('cca_u_bob', ''),                    -- learner, Sales
    ('cca_u_carol', 'eng,hr'),            -- HR manager, Engineering
    ('cca_u_dave', 'hr'),                 -- HR manager, Sales
    ('cca_u_erin', 'hr'),                 -- trainer, author of the HR handbook
    ('cca_u_frank', 'draft'),             -- trainer, author of the draft
    ('cca_u_grace', 'draft,eng,hr'),      -- admin
    ('cca_test_aud_stranger', '');        -- a role linked to nobody
GRANT SELECT ON expected TO PUBLIC;

CREATE FUNCTION pg_temp.seen_as(who text) RETURNS TABLE (path text, keys text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', who, true);
    RETURN QUERY SELECT * FROM pg_temp.seen();
    PERFORM set_config('role', 'none', true);
END
$$;

-- 8 roles x 11 paths
-- (only the HR handbook is a course lesson)
SELECT is(s.keys, x.keys, e.who || ' sees ' || CASE WHEN x.keys = '' THEN 'no canary'
                                                    ELSE x.keys END || ' through ' || s.path)
FROM expected e CROSS JOIN LATERAL pg_temp.seen_as(e.who) s
CROSS JOIN LATERAL (SELECT CASE WHEN s.path LIKE 'course%' AND e.keys LIKE '%hr%' THEN 'hr'
                                WHEN s.path LIKE 'course%' THEN ''
                                ELSE e.keys END AS keys) x
WHERE s.path <> 'course length in the reader'
   OR e.who <> 'cca_test_aud_stranger'
ORDER BY e.who, s.path;

-- every function and relation, as people outside an audience ----------------------------------
SET LOCAL ROLE cca_u_bob;
SELECT is((pg_temp.functions_showing_canaries()).leaks, '{}'::text[],
          'no function a learner may execute shows a canary (result or error)');
SELECT cmp_ok((pg_temp.functions_showing_canaries()).answered, '>=', 40,
              '... and at least 40 calls answered (the scan is not vacuous)');
SELECT is(pg_temp.relations_showing_canaries(), '{}'::text[],
          'no table or view a learner may read shows a canary');
RESET ROLE;
SET LOCAL ROLE cca_u_alice;
SELECT is((SELECT array_agg(x) FROM unnest((pg_temp.functions_showing_canaries()).leaks) x
           WHERE substring(x from '[a-z,]+$') ~ '(^|,)(hr|draft)(,|$)'), NULL,
          'alice (Engineering) gets nothing of the HR handbook or the draft from any function');
SELECT is(pg_temp.relations_showing_canaries(), ARRAY['content_passages', 'learning_content',
                                                      'learning_content_search'],
          'alice reads the Engineering runbook in the content tables and view only');
RESET ROLE;
SET LOCAL ROLE cca_u_dave;
SELECT is((SELECT array_agg(x) FROM unnest((pg_temp.functions_showing_canaries()).leaks) x
           WHERE substring(x from '[a-z,]+$') ~ '(^|,)(eng|draft)(,|$)'), NULL,
          'dave (HR, Sales) gets nothing of the runbook or the draft from any function');
RESET ROLE;

-- counts and errors that would tell a hidden document exists ---------------------------------
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(1, 1), -2, 5)), 5,
          'k = 5 readable passages come back although the 3 nearest are hidden');
SELECT is((SELECT count(*)::int FROM match_documents(pg_temp.v(1, 1), -2, 5)), 5,
          'match_documents too');
SELECT throws_ok($$SELECT cca_reader_open('audc-hr')$$, 'P0002', 'no learning content audc-hr',
                 'opening a hidden document is "no learning content", as for one that does not exist');
SELECT throws_ok($$SELECT cca_reader_open('audc-none')$$, 'P0002', 'no learning content audc-none',
                 '(the same error for a missing one)');
SELECT throws_ok($$SELECT cca_record_reading('audc-draft', 10, 5)$$, 'P0002', NULL,
                 'reading progress on a hidden document is refused as unknown');
SELECT is((SELECT n FROM passage_term_stats(ARRAY['zqcanaryhr'])),
          (SELECT count(*)::float8 FROM content_passages),
          'the passage count of the term statistics is what bob may read');
RESET ROLE;
SET LOCAL ROLE cca_u_carol;
SELECT is((SELECT n FROM passage_term_stats(ARRAY['zqcanaryhr'])),
          (SELECT count(*)::float8 FROM content_passages),
          '... and what carol may read (more)');
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqcanaryhr'])), 1::float8,
          'carol counts the HR handbook''s word once');
RESET ROLE;

-- labels -------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_grace;
SELECT results_eq($$SELECT passage_id, audience FROM match_passages(pg_temp.v(1, 1), 0.99, 3)
                    ORDER BY passage_id$$,
                  $$VALUES ('audp-draft', 'Draft'), ('audp-eng', 'Engineering only'),
                           ('audp-hr', 'HR only')$$,
                  'match_passages labels restricted passages');
SELECT results_eq($$SELECT passage_id, audience FROM search_passages('zqcanaryhr zqcanaryeng')
                    ORDER BY passage_id$$,
                  $$VALUES ('audp-eng', 'Engineering only'), ('audp-hr', 'HR only')$$,
                  'search_passages labels them too');
SELECT is((SELECT count(*)::int FROM match_passages(pg_temp.v(1, 1), -2, 50)
           WHERE passage_id NOT LIKE 'audp-%' AND audience IS NOT NULL), 0,
          'content for everyone has no label');
RESET ROLE;
SELECT is(cca_auth.audience_label('{role:hr_manager,department:Engineering}', 'published'),
          'HR, Engineering only', 'several entries are listed');

-- audience validation and normal form --------------------------------------------------------
SELECT is((SELECT audience FROM learning_content WHERE id = 'audc-eng'),
          '{department:Engineering}'::text[], 'a department is stored as people''s spelling');
SELECT is(cca_auth.audience_normalize('{department:sales, ROLE:HR_Manager, role:hr_manager}'),
          '{role:hr_manager,department:Sales}'::text[],
          'entries are normalised, deduplicated, roles first');
SELECT throws_ok($$UPDATE learning_content SET audience = '{role:boss}' WHERE id = 'audc-eng'$$,
                 '22023', NULL, 'an unknown role is refused');
SELECT throws_ok($$UPDATE learning_content SET audience = '{department:Nowhere}' WHERE id = 'audc-eng'$$,
                 '22023', NULL, 'an unknown department is refused');
SELECT throws_ok($$UPDATE learning_content SET audience = '{everyone}' WHERE id = 'audc-eng'$$,
                 '22023', NULL, 'an entry that is not role: or department: is refused');
SELECT throws_ok($$UPDATE learning_content SET state = 'secret' WHERE id = 'audc-eng'$$,
                 '23514', NULL, 'the state is draft or published');
SELECT throws_ok($$UPDATE learning_content SET readers = '{everyone}' WHERE id = 'audc-eng'$$,
                 '428C9', NULL, 'readers is generated: nobody writes it');

-- writers ------------------------------------------------------------------------------------
SET LOCAL ROLE cca_u_alice;
SELECT throws_ok($$UPDATE learning_content SET audience = '{}' WHERE id = 'audc-eng'$$, '42501',
                 NULL, 'a learner cannot change an audience');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT lives_ok($$INSERT INTO learning_content (id, title, content, content_type, audience, state)
                  VALUES ('audc-erin', 'Trainers zqcanarytrn', 'For trainers.', 'lesson',
                          '{role:trainer}', 'draft')$$,
                'a trainer adds a restricted draft');
SELECT lives_ok($$INSERT INTO content_passages (id, content_id, ordinal, body, readers)
                  VALUES ('audp-erin', 'audc-erin', 0, 'For trainers zqcanarytrn.', '{everyone}')$$,
                '... with a passage whose readers she tries to set to everyone');
SELECT is((SELECT readers FROM content_passages WHERE id = 'audp-erin'),
          ARRAY['role:admin', 'user:00000000-0000-4000-8000-000000000005'],
          '... the passage takes its document''s readers instead (author and admins)');
SELECT is((SELECT count(*)::int FROM learning_content WHERE id = 'audc-draft'), 0,
          'she does not see frank''s draft');
WITH u AS (UPDATE learning_content SET state = 'published' WHERE id = 'audc-draft' RETURNING 1)
SELECT is((SELECT count(*)::int FROM u), 0, 'nor can she publish it');
SELECT lives_ok($$UPDATE learning_content SET state = 'published' WHERE id = 'audc-erin'$$,
                'she publishes her own');
RESET ROLE;
SELECT is((SELECT readers FROM content_passages WHERE id = 'audp-erin'),
          ARRAY['role:trainer', 'role:admin', 'user:00000000-0000-4000-8000-000000000005'],
          'its passages follow the document''s new readers');
SET LOCAL ROLE cca_u_frank;
SELECT is((SELECT count(*)::int FROM search_passages('zqcanarytrn')), 1,
          'another trainer now finds it');
RESET ROLE;
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT count(*)::int FROM search_passages('zqcanarytrn')), 0, 'a learner does not');
RESET ROLE;
UPDATE learning_content SET audience = '{}' WHERE id = 'audc-erin';
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT count(*)::int FROM search_passages('zqcanarytrn')), 1,
          'once for everyone, the learner finds it');
RESET ROLE;
DELETE FROM learning_content WHERE id = 'audc-erin';

-- the rule is one function, and the policies are the same overlap ------------------------------
SELECT is((SELECT array_agg(DISTINCT pg_get_expr(p.polqual, p.polrelid))
           FROM pg_policy p
           WHERE p.polname IN ('learning_content_select_readable', 'content_passages_select_readable')),
          ARRAY['(readers && ( SELECT cca_auth.reader_tags() AS reader_tags))'],
          'both SELECT policies are readers && the caller''s tags');
SELECT is((SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
           JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
           WHERE d.adrelid = 'learning_content'::regclass AND a.attname = 'readers'),
          'cca_auth.content_readers(audience, state, created_by)',
          'readers is computed by cca_auth.content_readers');
SELECT is((SELECT array_agg(p.polname::text ORDER BY p.polname) FROM pg_policy p
           WHERE p.polrelid IN ('learning_content'::regclass, 'content_passages'::regclass)
             AND p.polcmd IN ('r', '*') AND NOT p.polname ~ '_admin_all$'),
          ARRAY['content_passages_select_readable', 'learning_content_select_readable'],
          'no other SELECT policy opens content (admins aside)');
-- Definer functions read past row-level security: each one that reaches content is listed here
-- with why it is safe; a new one fails this test until audited.
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
           FROM pg_proc p
           WHERE pg_get_userbyid(p.proowner) = 'cca_owner' AND p.prosecdef
             AND p.prosrc ~ '\m(learning_content|content_passages|course_contents)\M'
             AND p.oid::regprocedure::text NOT IN (
                 -- admins: retype and empty the embedding columns (return nothing)
                 'cca_alter_embedding_dim(integer)', 'cca_reset_embeddings(integer,text)',
                 -- trainers/admins: whether any embedding is stored (no content)
                 'cca_set_embed_meta(integer,text)',
                 -- triggers keeping copies in step
                 'learning_content_sync_title()', 'cca_auth.content_passages_copy_readers()',
                 'cca_auth.learning_content_sync_readers()',
                 -- caller-scoped statistics (this migration)
                 'cca_auth.passage_lexeme_stats(text[])', 'cca_auth.passage_readable_count()',
                 -- admins (require_admin): re-embedding every passage whatever its audience
                 -- (016); reindex_state returns counts only
                 'cca_auth.reindex_begin_as(text,integer,text)', 'cca_auth.reindex_finish_as(text)',
                 'cca_auth.reindex_put_as(text,text[],text[])', 'cca_auth.reindex_state()',
                 'cca_auth.reindex_todo_as(text,integer)',
                 -- the Content tab (013, filtered by readers in 020): list, open, feedback
                 'cca_auth.content_list_as(text)', 'cca_auth.content_get_as(text,text)',
                 'cca_auth.content_feedback_as(text,text)',
                 -- precomputes each knowledge-gap topic's nearest content; the report
                 -- (knowledge_gaps_for, 021) shows a reader only what they may read
                 'cca_auth.knowledge_gaps_refresh_as(text)',
                 'cca_auth.knowledge_gaps_for(text,text,text,integer)',
                 -- 019: triggers keeping the passages' content_type and vec_list in step;
                 -- admins/trainers: assign rows to the fallback's lists or clear them (counts only)
                 'cca_index.content_type_sync()', 'cca_index.passage_before()',
                 'cca_vector_index_drop()', 'cca_vector_index_maintain()',
                 -- 026: caller-scoped statistics (the collection's counts only for a caller
                 -- who reads everything, else passage_lexeme_stats')
                 'cca_auth.lexeme_df(text[])',
                 -- 025: trainers/admins: drop the HNSW indexes for a large load (reads the
                 -- table's row estimate, no content)
                 'cca_vector_bulk_begin(bigint)',
                 -- 025: the share of content types in the planner's statistics (no content)
                 'cca_auth.content_type_share(text,text[])',
                 -- 030: the fallback's exact search: the tids of the nearest rows the acting
                 -- person may read (031: filtered in the scan by their reader tags; no content;
                 -- the caller ranks them with the policies applied)
                 'cca_vector_exact_candidates("char",vector,integer,text[])',
                 -- 024: the columnar copy's candidate ids; 031: only of rows the acting
                 -- person may read (the n best readable positions; no content)
                 'cca_vector_col_candidates("char",vector,integer,boolean)')),
          NULL, 'every definer function that reads content is audited');

-- the plan (pgvector only: the fallback always scans exactly; pgvector is not in CI) -----------
-- A few hundred rows are read faster by a sequential scan whatever the filter, so the plan is
-- checked on 2,000 more passages (random unit vectors, the index rebuilt in bulk), a third of
-- them HR-only: the learner's restricted query must stay on the HNSW index and still return
-- k readable rows.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        PERFORM setseed(0.18);
        DROP INDEX idx_content_passages_embedding;
        INSERT INTO content_passages (id, content_id, ordinal, body, embedding)
        SELECT 'bulk-' || g, CASE WHEN g % 3 = 0 THEN 'audc-hr' ELSE 'content-python-variables' END,
               1000 + g, 'bulk passage',
               (SELECT l2_normalize(array_agg(random() - 0.5)::real[]::vector(1536))
                FROM generate_series(1, 1536) WHERE g IS NOT NULL)
        FROM generate_series(1, 2000) g;
        SET LOCAL maintenance_work_mem = '256MB';
        CREATE INDEX idx_content_passages_embedding ON content_passages
            USING hnsw (embedding vector_cosine_ops);
        ANALYZE content_passages;
    END IF;
END
$$;
CREATE FUNCTION pg_temp.plan_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    out text := '';
    cfg text;
BEGIN
    -- under match_passages' own settings (019: enable_sort off with pgvector, serial plans)
    FOR cfg IN SELECT unnest(p.proconfig) FROM pg_proc p
               WHERE p.oid = 'public.match_passages(vector, float, int, text[])'::regprocedure LOOP
        PERFORM set_config(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1), true);
    END LOOP;
    PERFORM cca_hnsw_tune(5, false);
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ' || sql
        USING (SELECT embedding FROM content_passages WHERE id = 'bulk-7'), 5, NULL::text[],
              -2.0::float8
    LOOP
        out := out || line || E'\n';
    END LOOP;
    RETURN out;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_of(text) TO PUBLIC;
SET LOCAL ROLE cca_u_bob;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN matches(pg_temp.plan_of(cca_match_sql('passages', false)),
                 'Index Scan using idx_content_passages_embedding',
                 'as a learner, with a third of 2,000 passages hidden, match_passages stays on the HNSW index')
    ELSE skip('pgvector is not installed (the fallback scans exactly)', 1) END;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
    THEN results_eq($$SELECT count(*)::int, count(*) FILTER (WHERE audience IS NOT NULL)::int
                      FROM match_passages((SELECT embedding FROM content_passages WHERE id = 'bulk-7'),
                                          -2, 20)$$,
                    $$VALUES (20, 0)$$,
                    '... and returns k = 20 readable passages, none hidden (iterative scan)')
    ELSE skip('pgvector is not installed', 1) END;
RESET ROLE;

-- the trainer's Content tab (013 via 020) applies the same rule -----------------------------
SET LOCAL ROLE cca_u_frank;
SELECT ok(cca_content_list()::text !~ 'zqcanary(hr|eng)',
          'the Content tab lists no restricted content to a trainer outside its audience');
SELECT throws_ok($$SELECT cca_content_get('audc-hr')$$, 'P0002', NULL,
                 '... and opening it answers like a missing item');
SELECT ok(cca_content_list()::text ~ 'zqcanarydraft', '... while frank lists his own draft');
RESET ROLE;
SET LOCAL ROLE cca_u_erin;
SELECT ok(cca_content_get('audc-hr')::text ~ 'zqcanaryhr',
          'erin, in the audience (and its author), opens the HR handbook');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

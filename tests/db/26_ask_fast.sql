-- 26_ask_fast: what 026 changes for `cca ask` at scale. The document frequency of every lexeme
-- is kept in cca_auth.passage_lexeme_df, in step with content_passages whatever writes it
-- (insert, delete, a document deleted with its passages, an edit of the text, truncate); the
-- word statistics of a caller who reads everything come from it, those of any other caller are
-- 018's; full-text search bounds its candidates when every word of the question is common.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(23);

-- the counts a full recount gives, next to the kept ones
CREATE FUNCTION pg_temp.df_drift() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        SELECT x.lexeme, count(*) AS df
        FROM content_passages p CROSS JOIN LATERAL unnest(tsvector_to_array(p.tsv)) AS x(lexeme)
        GROUP BY x.lexeme) c
    FULL JOIN (SELECT u.lexeme, sum(u.df) AS df
               FROM (SELECT * FROM cca_auth.passage_lexeme_df
                     UNION ALL SELECT * FROM cca_auth.passage_lexeme_df_delta) u
               GROUP BY u.lexeme HAVING sum(u.df) > 0) k USING (lexeme)
    WHERE c.df IS DISTINCT FROM k.df
$$;


-- the count the readers see (kept plus pending changes)
CREATE FUNCTION pg_temp.df_of(l text) RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce((SELECT df FROM cca_auth.passage_lexeme_df WHERE lexeme = l), 0)
         + coalesce((SELECT sum(df) FROM cca_auth.passage_lexeme_df_delta WHERE lexeme = l), 0)::bigint
$$;

-- no fold during this file until it asks for one (the counter is the changes' sequence)
DO $$ BEGIN PERFORM setval('cca_auth.passage_lexeme_df_changes', 1); END $$;
SELECT cmp_ok((SELECT count(*)::int FROM (SELECT lexeme FROM cca_auth.passage_lexeme_df
                                            UNION SELECT lexeme FROM cca_auth.passage_lexeme_df_delta) l
               WHERE pg_temp.df_of(l.lexeme) > 0), '>', 100,
              'the sample knowledge base has its lexemes counted');
SELECT is(pg_temp.df_drift(), 0::bigint, 'the kept counts are the recount (after migrate, seed, ingest)');

-- a document of 450 passages: "zqaskone" in all of them, "zqasktwo" in 450 too, the two together
-- in 3; "zqaskrare" in 2
INSERT INTO learning_content (id, title, content, content_type, created_by)
VALUES ('af-doc', 'Ask fast handbook', 'Ask fast.', 'reference',
        '00000000-0000-4000-8000-000000000005');
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
SELECT 'af-' || g, 'af-doc', g, 'Section ' || g,
       CASE WHEN g <= 3 THEN 'The zqaskone rule and the zqasktwo rule meet here.'
            WHEN g <= 5 THEN 'A zqaskone note with zqaskrare words.'
            ELSE 'A zqaskone note number ' || g || '.' END
FROM generate_series(1, 450) g;
INSERT INTO learning_content (id, title, content, content_type, created_by)
VALUES ('af-doc2', 'Ask fast appendix', 'Ask fast too.', 'reference',
        '00000000-0000-4000-8000-000000000005');
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
SELECT 'af2-' || g, 'af-doc2', g, 'Part ' || g, 'Only zqasktwo in part ' || g || '.'
FROM generate_series(1, 447) g;
SELECT is(pg_temp.df_of('zqaskon'), 450::bigint,
          'an insert statement adds its passages'' lexemes');
SELECT is(pg_temp.df_drift(), 0::bigint, '... and every count is the recount');

UPDATE content_passages SET body = 'Now about zqaskedit only.' WHERE id = 'af-4';
SELECT is(pg_temp.df_of('zqaskrar'), 1::bigint,
          'an edit of the text takes off the words it removed');
SELECT is(pg_temp.df_of('zqaskedit'), 1::bigint,
          '... and adds those it brought');
UPDATE content_passages SET readers = readers WHERE content_id = 'af-doc';
SELECT is(pg_temp.df_drift(), 0::bigint, 'an update that leaves the text alone changes nothing');

DELETE FROM content_passages WHERE id IN ('af-100', 'af-101');
SELECT is(pg_temp.df_of('zqaskon'), 447::bigint,
          'a delete takes its passages'' lexemes off');
SELECT cmp_ok((SELECT count(*)::int FROM cca_auth.passage_lexeme_df_delta), '>', 0,
              'the changes are pending (the fold has not run)');
DO $$ BEGIN PERFORM cca_auth.passage_lexeme_df_fold(); END $$;
SELECT is((SELECT count(*)::int FROM cca_auth.passage_lexeme_df_delta), 0,
          'a fold moves every pending change ...');
SELECT is(pg_temp.df_drift(), 0::bigint, '... into the kept counts, which are the recount');
DO $$ BEGIN PERFORM setval('cca_auth.passage_lexeme_df_changes', 62); END $$;
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
VALUES ('af-fold-1', 'af-doc', 1001, 'Fold', 'The zqaskfold word.');
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
VALUES ('af-fold-2', 'af-doc', 1002, 'Fold', 'The zqaskfold word again.');
SELECT is((SELECT df FROM cca_auth.passage_lexeme_df WHERE lexeme = 'zqaskfold'), 2::bigint,
          'the 64th change folds by itself');

-- full text as a learner: "zqaskone" and "zqasktwo" are each in more than 400 passages
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT array_agg(passage_id ORDER BY passage_id)
           FROM (SELECT passage_id FROM search_passages('zqaskone zqasktwo', NULL, 3)) s),
          ARRAY['af-1', 'af-2', 'af-3'],
          'every word common: the passages holding them together come first');
SELECT is((SELECT count(*)::int FROM search_passages('zqaskone zqasktwo', NULL, 10)), 10,
          '... and passages holding the rarest word fill the list up to the limit');
SELECT is((SELECT count(*)::int FROM search_passages('zqaskone', NULL, 20)), 20,
          'one common word: the limit');
SELECT is((SELECT array_agg(passage_id ORDER BY passage_id)
           FROM search_passages('zqaskrare zqaskone', NULL, 20)),
          ARRAY['af-5'],
          'a rare word: its passages, as before (008)');
RESET ROLE;

-- statistics: the collection's for a caller who reads everything, 018's for the others
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqaskone'])), 447::float8,
          'the superuser''s df is the exact count');
SET LOCAL ROLE cca_u_bob;
SELECT throws_ok('SELECT * FROM cca_auth.passage_lexeme_df', '42501', NULL,
                 'a client cannot read the collection''s counts');
RESET ROLE;
-- one restricted document with a word of its own
INSERT INTO learning_content (id, title, content, content_type, audience, created_by)
VALUES ('af-hr', 'Pay zqaskhr', 'The zqaskhr bands.', 'reference', '{role:hr_manager}',
        '00000000-0000-4000-8000-000000000005');
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
VALUES ('af-hr-1', 'af-hr', 0, 'Pay zqaskhr', 'The zqaskhr bands.');
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqaskhr'])), 1::float8,
          'the superuser counts the restricted word');
SET LOCAL ROLE cca_u_bob;
SELECT is((SELECT df FROM passage_term_stats(ARRAY['zqaskhr'])), 0::float8,
          'with a restricted passage a learner does not count its word (018 answers)');
SELECT results_eq($$SELECT lexeme, df, n FROM cca_auth.lexeme_df(ARRAY['zqaskon', 'zqaskhr']) ORDER BY 1$$,
                  $$SELECT lexeme, df, n FROM cca_auth.passage_lexeme_stats(ARRAY['zqaskon', 'zqaskhr']) ORDER BY 1$$,
                  '... the same as passage_lexeme_stats');
RESET ROLE;

DELETE FROM learning_content WHERE id IN ('af-doc', 'af-hr');
SELECT is(pg_temp.df_drift(), 0::bigint,
          'deleting documents (their passages go with them) keeps every count');
TRUNCATE content_passages CASCADE;
SELECT is((SELECT count(*)::int FROM cca_auth.passage_lexeme_df) + (SELECT count(*)::int FROM cca_auth.passage_lexeme_df_delta), 0,
          'truncate empties the counts');

SELECT * FROM finish();
ROLLBACK;

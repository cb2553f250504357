-- 29_ingest_df: 029 keeps 026's document frequencies with one pending row per statement (the
-- lexemes and their counts as arrays) and folds every 16th change. The counts stay the
-- recount whatever writes the passages: a multi-row insert, a delete, a delete that removes
-- nothing (no row, no change counted), an edit of the text, a document deleted with its
-- passages, truncate, many statements across fold boundaries, and writers in other sessions
-- while a fold runs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(30);

-- the counts a full recount gives, next to the kept ones (folded plus pending)
CREATE FUNCTION pg_temp.df_drift() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        SELECT x.lexeme, count(*) AS df
        FROM content_passages p CROSS JOIN LATERAL unnest(tsvector_to_array(p.tsv)) AS x(lexeme)
        GROUP BY x.lexeme) c
    FULL JOIN (SELECT u.lexeme, sum(u.df) AS df
               FROM (SELECT lexeme, df FROM cca_auth.passage_lexeme_df
                     UNION ALL
                     SELECT unnest(lexemes), unnest(dfs) FROM cca_auth.passage_lexeme_df_pending) u
               GROUP BY u.lexeme HAVING sum(u.df) > 0) k USING (lexeme)
    WHERE c.df IS DISTINCT FROM k.df
$$;
-- what the readers get (the superuser reads every passage)
CREATE FUNCTION pg_temp.df_of(l text) RETURNS float8 LANGUAGE sql AS $$
    SELECT df FROM cca_auth.lexeme_df(ARRAY[l])
$$;
CREATE FUNCTION pg_temp.pending() RETURNS int LANGUAGE sql AS $$
    SELECT count(*)::int FROM cca_auth.passage_lexeme_df_pending
$$;
CREATE FUNCTION pg_temp.changes() RETURNS bigint LANGUAGE sql AS $$
    SELECT last_value FROM cca_auth.passage_lexeme_df_changes
$$;

SELECT is((SELECT relkind::text FROM pg_class
           WHERE oid = 'cca_auth.passage_lexeme_df_delta'::regclass), 'v',
          '026''s delta is a view of the pending arrays');
SELECT is(pg_temp.df_drift(), 0::bigint, 'the kept counts are the recount (after migrate, seed, ingest)');

-- Other sessions (dblink), before this one takes the fold's lock: two writers append at once
-- in open transactions, a third session folds meanwhile; nothing is lost. No change of theirs
-- reaches a multiple of 16 (the sequence is set), so only the third session folds.
CREATE FUNCTION pg_temp.sessions() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    conn text := format('host=%s port=%s dbname=%s user=%s',
                        split_part(current_setting('unix_socket_directories'), ',', 1),
                        current_setting('port'), current_database(), current_user);
    doc text := (SELECT min(id) FROM learning_content);
    kept int;
    result text;
BEGIN
    PERFORM setval('cca_auth.passage_lexeme_df_changes', 1);
    PERFORM dblink_connect('ing_a', conn);
    PERFORM dblink_connect('ing_b', conn);
    PERFORM dblink_connect('ing_f', conn);
    PERFORM dblink_exec('ing_a', 'BEGIN');
    PERFORM dblink_exec('ing_a', format(
        'INSERT INTO content_passages (id, content_id, ordinal, heading, body)'
        ' SELECT ''ingc-a-'' || g, %L, 9000 + g, ''Concurrent'', ''The zqingconc word.'''
        ' FROM generate_series(1, 3) g', doc));
    PERFORM dblink_exec('ing_b', 'BEGIN');
    PERFORM dblink_exec('ing_b', format(
        'INSERT INTO content_passages (id, content_id, ordinal, heading, body)'
        ' SELECT ''ingc-b-'' || g, %L, 9100 + g, ''Concurrent'', ''The zqingconc word too.'''
        ' FROM generate_series(1, 2) g', doc));
    PERFORM * FROM dblink('ing_f', 'SELECT cca_auth.passage_lexeme_df_fold()::text') AS t(x text);
    PERFORM dblink_exec('ing_a', 'COMMIT');
    PERFORM dblink_exec('ing_b', 'COMMIT');
    SELECT n INTO kept FROM dblink('ing_f',
        'SELECT count(*)::int FROM cca_auth.passage_lexeme_df_pending'
        ' WHERE ''zqingconc'' = ANY (lexemes)') AS t(n int);
    result := format('pending=%s df=%s drift=%s', kept, pg_temp.df_of('zqingconc'),
                     pg_temp.df_drift());
    -- the committed passages go again (one more change, no fold)
    PERFORM dblink_exec('ing_a', 'DELETE FROM content_passages WHERE id LIKE ''ingc-%''');
    PERFORM dblink_disconnect('ing_a');
    PERFORM dblink_disconnect('ing_b');
    PERFORM dblink_disconnect('ing_f');
    RETURN result;
END
$$;
SELECT is(pg_temp.sessions(), 'pending=2 df=5 drift=0',
          'two sessions append at once; a fold in a third meanwhile keeps their uncommitted changes');
SELECT is(pg_temp.df_of('zqingconc'), 0::float8, '... and their delete takes the word off again');
SELECT is(pg_temp.df_drift(), 0::bigint, '... every count the recount');

-- from here on no fold until the file asks for one
DO $$ BEGIN PERFORM cca_auth.passage_lexeme_df_fold();
            PERFORM setval('cca_auth.passage_lexeme_df_changes', 1); END $$;
SELECT is(pg_temp.pending(), 0, 'a fold leaves nothing pending');

INSERT INTO learning_content (id, title, content, content_type, created_by)
VALUES ('ing-doc', 'Ingest handbook', 'Ingest.', 'reference',
        '00000000-0000-4000-8000-000000000005');
-- 50 passages in one statement: "zqingall" in all, "zqinghalf" in 25
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
SELECT 'ing-' || g, 'ing-doc', g, 'Section ' || g,
       'The zqingall rule' || CASE WHEN g % 2 = 0 THEN ' and the zqinghalf rule.' ELSE '.' END
FROM generate_series(1, 50) g;
SELECT is(pg_temp.pending(), 1, 'a statement inserting 50 passages leaves one pending row');
SELECT is((SELECT d.dfs[array_position(d.lexemes, 'zqinghalf')]
           FROM cca_auth.passage_lexeme_df_pending d), 25,
          '... holding each lexeme once, with its passages');
SELECT is((SELECT cardinality(d.lexemes) = cardinality(ARRAY(SELECT DISTINCT unnest(d.lexemes)))
           FROM cca_auth.passage_lexeme_df_pending d), true, '... no lexeme twice');
SELECT is(pg_temp.changes(), 2::bigint, '... and counts as one change');
SELECT is(pg_temp.df_of('zqingal'), 50::float8, 'the readers count the pending passages');
SELECT is(pg_temp.df_drift(), 0::bigint, '... and every count is the recount');

DELETE FROM content_passages WHERE content_id = 'ing-none';
SELECT is(pg_temp.pending() || ' ' || pg_temp.changes(), '1 2',
          'a delete that removes no passage adds no row and is no change');

DELETE FROM content_passages WHERE id IN ('ing-2', 'ing-4', 'ing-5');
SELECT is(pg_temp.pending(), 2, 'a delete leaves one row');
SELECT is((SELECT d.dfs[array_position(d.lexemes, 'zqinghalf')]
           FROM cca_auth.passage_lexeme_df_pending d WHERE d.dfs[1] < 0), -2,
          '... with the passages it took off, negative');
SELECT is(pg_temp.df_of('zqingal') || ' ' || pg_temp.df_of('zqinghalf'), '47 23',
          '... and the readers see them gone');

UPDATE content_passages SET body = 'Now about zqingedit only.' WHERE id = 'ing-6';
SELECT is(pg_temp.df_of('zqingal') || ' ' || pg_temp.df_of('zqinghalf') || ' '
          || pg_temp.df_of('zqingedit'), '46 22 1',
          'an edit of the text takes off the words it removed and adds those it brought');
UPDATE content_passages SET readers = readers WHERE content_id = 'ing-doc';
SELECT is(pg_temp.pending() || ' ' || pg_temp.changes(), '3 4',
          'an update that leaves the text alone adds no row');
SELECT is(pg_temp.df_drift(), 0::bigint, '... every count the recount');

-- a word added and taken off again before a fold: the fold leaves it alone
INSERT INTO content_passages (id, content_id, ordinal, heading, body)
VALUES ('ing-gone', 'ing-doc', 500, 'Gone', 'The zqinggone word.');
DELETE FROM content_passages WHERE id = 'ing-gone';
DO $$ BEGIN PERFORM cca_auth.passage_lexeme_df_fold(); END $$;
SELECT is(pg_temp.pending(), 0, 'a fold moves every pending row ...');
SELECT is((SELECT df FROM cca_auth.passage_lexeme_df WHERE lexeme = 'zqingal'), 46::bigint,
          '... into the kept counts');
SELECT ok(NOT EXISTS (SELECT 1 FROM cca_auth.passage_lexeme_df WHERE lexeme = 'zqinggon'),
          '... and writes no count for a word whose changes cancel out');
SELECT is(pg_temp.df_of('zqinggon'), 0::float8, '... which the readers count 0');

-- 100 statements across six fold boundaries (changes 32, 48, ..., 112): the 5th, 21st, ...
-- and the 85th statement fold
DO $$ BEGIN PERFORM setval('cca_auth.passage_lexeme_df_changes', 27); END $$;
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        INSERT INTO content_passages (id, content_id, ordinal, heading, body)
        VALUES ('ing-many-' || i, 'ing-doc', 1000 + i, 'Many',
                'The zqingmany word' || CASE WHEN i % 3 = 0 THEN ' and zqingthird.' ELSE '.' END);
    END LOOP;
END
$$;
SELECT is(pg_temp.pending(), 15, 'after 100 changes from 28, the 112th folded: 15 pending');
SELECT is((SELECT df FROM cca_auth.passage_lexeme_df WHERE lexeme = 'zqingmani'), 85::bigint,
          '... the folds moved the 85 changes before it');
SELECT is(pg_temp.df_of('zqingmani') || ' ' || pg_temp.df_of('zqingthird'), '100 33',
          '... and the readers count all 100');
SELECT is(pg_temp.df_drift(), 0::bigint, '... every count the recount');

DELETE FROM learning_content WHERE id = 'ing-doc';
SELECT is(pg_temp.df_of('zqingmani') || ' ' || pg_temp.df_of('zqingal'), '0 0',
          'deleting a document takes its passages'' words off');
SELECT is(pg_temp.df_drift(), 0::bigint, '... every count the recount');

TRUNCATE content_passages CASCADE;
SELECT is((SELECT count(*)::int FROM cca_auth.passage_lexeme_df) + pg_temp.pending(), 0,
          'truncate empties the counts and the pending rows');

SELECT * FROM finish();
ROLLBACK;

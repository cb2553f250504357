-- 01_schema: every table, column, constraint and index of the specification (with the fixes
-- listed in tests/db/README.md), and that the constraints behave.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(242);

-- tables (16) -----------------------------------------------------------------------------
SELECT has_table('public', t, 'table ' || t || ' exists')
FROM unnest(ARRAY['users', 'learning_content', 'content_passages', 'skills', 'courses',
                  'learning_progress', 'conversations', 'chat_messages', 'recommendations',
                  'assessments', 'assessment_results', 'audit_log', 'analytics_events',
                  'cca_settings', 'assessment_keys', 'assessment_attempts']) AS t;

-- columns and types (spec columns + additions) --------------------------------------------
SELECT col_type_is('public', c.t, c.col, c.typ, c.t || '.' || c.col || ' is ' || c.typ)
FROM (VALUES
    ('users', 'id', 'text'), ('users', 'email', 'text'), ('users', 'name', 'text'),
    ('users', 'department', 'text'), ('users', 'role', 'text'),
    ('users', 'learning_profile', 'jsonb'), ('users', 'preferences', 'jsonb'),
    ('users', 'created_at', 'timestamp with time zone'),
    ('users', 'updated_at', 'timestamp with time zone'), ('users', 'db_role', 'text'),
    ('learning_content', 'title', 'text'), ('learning_content', 'content', 'text'),
    ('learning_content', 'content_type', 'text'), ('learning_content', 'embedding', 'vector(1536)'),
    ('learning_content', 'metadata', 'jsonb'), ('learning_content', 'source_service', 'text'),
    ('learning_content', 'created_by', 'text'), ('learning_content', 'source_path', 'text'),
    ('learning_content', 'content_hash', 'text'), ('learning_content', 'tsv', 'tsvector'),
    ('content_passages', 'content_id', 'text'), ('content_passages', 'ordinal', 'integer'),
    ('content_passages', 'title', 'text'), ('content_passages', 'heading', 'text'),
    ('content_passages', 'body', 'text'), ('content_passages', 'embedding', 'vector(1536)'),
    ('content_passages', 'tsv', 'tsvector'),
    ('skills', 'level', 'integer'), ('skills', 'prerequisites', 'text[]'),
    ('courses', 'duration', 'integer'), ('courses', 'difficulty', 'text'),
    ('courses', 'prerequisites', 'text[]'), ('courses', 'learning_objectives', 'text[]'),
    ('learning_progress', 'user_id', 'text'), ('learning_progress', 'skill_id', 'text'),
    ('learning_progress', 'course_id', 'text'), ('learning_progress', 'level', 'integer'),
    ('learning_progress', 'progress', 'double precision'),
    ('learning_progress', 'completed_at', 'timestamp with time zone'),
    ('learning_progress', 'started_at', 'timestamp with time zone'),
    ('conversations', 'user_id', 'text'), ('conversations', 'title', 'text'),
    ('chat_messages', 'message', 'text'), ('chat_messages', 'response', 'text'),
    ('chat_messages', 'confidence', 'double precision'), ('chat_messages', 'sources', 'jsonb'),
    ('chat_messages', 'processing_time', 'integer'), ('chat_messages', 'conversation_id', 'text'),
    ('chat_messages', 'status', 'text'), ('chat_messages', 'error', 'text'),
    ('chat_messages', 'is_offline', 'boolean'), ('chat_messages', 'abstain', 'boolean'),
    ('chat_messages', 'updated_at', 'timestamp with time zone'),
    ('recommendations', 'type', 'text'), ('recommendations', 'item_id', 'text'),
    ('recommendations', 'score', 'double precision'), ('recommendations', 'clicked', 'boolean'),
    ('assessments', 'questions', 'jsonb'), ('assessments', 'time_limit', 'integer'),
    ('assessments', 'passing_score', 'double precision'), ('assessments', 'created_by', 'text'),
    ('assessment_results', 'score', 'double precision'), ('assessment_results', 'answers', 'jsonb'),
    ('assessment_results', 'time_taken', 'integer'),
    ('audit_log', 'table_name', 'text'), ('audit_log', 'record_id', 'text'),
    ('audit_log', 'action', 'text'), ('audit_log', 'changes', 'jsonb'),
    ('analytics_events', 'event_type', 'text'), ('analytics_events', 'metadata', 'jsonb')
) AS c(t, col, typ);

SELECT is((SELECT attgenerated::text FROM pg_attribute
           WHERE attrelid = 'learning_content'::regclass AND attname = 'tsv'), 's',
          'learning_content.tsv is a stored generated column');
SELECT is((SELECT attgenerated::text FROM pg_attribute
           WHERE attrelid = 'content_passages'::regclass AND attname = 'tsv'), 's',
          'content_passages.tsv is a stored generated column');
SELECT is((SELECT attstorage::text FROM pg_attribute
           WHERE attrelid = 'learning_content'::regclass AND attname = 'embedding'), 'p',
          'learning_content.embedding has PLAIN storage (no TOAST fetch per row)');
SELECT is((SELECT attstorage::text FROM pg_attribute
           WHERE attrelid = 'content_passages'::regclass AND attname = 'embedding'), 'p',
          'content_passages.embedding has PLAIN storage');

-- not null, primary keys, unique ----------------------------------------------------------
SELECT col_not_null('public', c.t, c.col, c.t || '.' || c.col || ' is NOT NULL')
FROM (VALUES ('users', 'email'), ('users', 'name'), ('learning_content', 'title'),
             ('learning_content', 'content'), ('learning_content', 'content_type'),
             ('skills', 'name'), ('courses', 'title'), ('learning_progress', 'user_id'),
             ('chat_messages', 'user_id'), ('chat_messages', 'message'),
             ('chat_messages', 'status'), ('recommendations', 'type'),
             ('recommendations', 'item_id'), ('recommendations', 'score'),
             ('assessments', 'title'), ('assessment_results', 'score'),
             ('audit_log', 'table_name'), ('audit_log', 'record_id'), ('audit_log', 'action'),
             ('analytics_events', 'event_type'), ('content_passages', 'body'),
             ('conversations', 'user_id')) AS c(t, col);

SELECT col_is_pk('public', t, 'id', t || '.id is the primary key')
FROM unnest(ARRAY['users', 'learning_content', 'content_passages', 'skills', 'courses',
                  'learning_progress', 'conversations', 'chat_messages', 'recommendations',
                  'assessments', 'assessment_results', 'audit_log', 'analytics_events']) AS t;

SELECT col_is_unique('public', 'users', 'email', 'users.email is unique');
SELECT col_is_unique('public', 'users', 'db_role', 'users.db_role is unique');
SELECT col_is_unique('public', 'learning_content', 'source_path', 'learning_content.source_path is unique');
SELECT col_is_unique('public', 'assessment_results', ARRAY['user_id', 'assessment_id'],
                     'one result per user and assessment');
SELECT col_is_unique('public', 'content_passages', ARRAY['content_id', 'ordinal'],
                     'one passage per document and ordinal');

-- foreign keys and their ON DELETE rules ----------------------------------------------------
SELECT is((SELECT confdeltype::text FROM pg_constraint
           WHERE conrelid = (f.t)::regclass AND contype = 'f'
             AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                 WHERE attrelid = (f.t)::regclass AND attname = f.col)]),
          f.rule, f.t || '.' || f.col || ' references ' || f.ref || ' ON DELETE '
                  || CASE f.rule WHEN 'c' THEN 'CASCADE' ELSE 'SET NULL' END)
FROM (VALUES ('learning_progress', 'user_id', 'users', 'c'),
             ('learning_progress', 'skill_id', 'skills', 'n'),
             ('learning_progress', 'course_id', 'courses', 'n'),
             ('chat_messages', 'user_id', 'users', 'c'),
             ('chat_messages', 'conversation_id', 'conversations', 'c'),
             ('conversations', 'user_id', 'users', 'c'),
             ('recommendations', 'user_id', 'users', 'c'),
             ('assessment_results', 'user_id', 'users', 'c'),
             ('assessment_results', 'assessment_id', 'assessments', 'c'),
             ('content_passages', 'content_id', 'learning_content', 'c'),
             ('learning_content', 'created_by', 'users', 'n'),
             ('assessments', 'created_by', 'users', 'n')) AS f(t, col, ref, rule);
SELECT fk_ok('public', f.t, f.col, 'public', f.ref, 'id')
FROM (VALUES ('learning_progress', 'user_id', 'users'), ('learning_progress', 'skill_id', 'skills'),
             ('learning_progress', 'course_id', 'courses'), ('chat_messages', 'user_id', 'users'),
             ('chat_messages', 'conversation_id', 'conversations'),
             ('assessment_results', 'assessment_id', 'assessments'),
             ('content_passages', 'content_id', 'learning_content')) AS f(t, col, ref);

-- indexes of the spec (plus the search ones) --------------------------------------------------
SELECT has_index('public', i.t, i.idx, 'index ' || i.idx)
FROM (VALUES
    ('users', 'idx_users_email'), ('users', 'idx_users_department'), ('users', 'idx_users_role'),
    ('users', 'idx_users_created_at'), ('users', 'idx_users_learning_profile'),
    ('users', 'idx_users_preferences'),
    ('skills', 'idx_skills_category'), ('skills', 'idx_skills_level'), ('skills', 'idx_skills_name'),
    ('skills', 'idx_skills_metadata'),
    ('courses', 'idx_courses_difficulty'), ('courses', 'idx_courses_duration'),
    ('courses', 'idx_courses_title'), ('courses', 'idx_courses_metadata'),
    ('learning_content', 'idx_learning_content_type'),
    ('learning_content', 'idx_learning_content_source'),
    ('learning_content', 'idx_learning_content_created'),
    ('learning_content', 'idx_learning_content_metadata'),
    ('learning_content', 'idx_learning_content_tsv'),
    ('content_passages', 'idx_content_passages_tsv'),
    ('learning_progress', 'idx_learning_progress_user'),
    ('learning_progress', 'idx_learning_progress_skill'),
    ('learning_progress', 'idx_learning_progress_course'),
    ('learning_progress', 'idx_learning_progress_completed'),
    ('learning_progress', 'idx_learning_progress_started'),
    ('learning_progress', 'idx_learning_progress_user_skill'),
    ('learning_progress', 'idx_learning_progress_user_course'),
    ('learning_progress', 'idx_learning_progress_active'),
    ('learning_progress', 'unique_user_skill'), ('learning_progress', 'unique_user_course'),
    ('chat_messages', 'idx_chat_messages_user'), ('chat_messages', 'idx_chat_messages_created'),
    ('chat_messages', 'idx_chat_messages_confidence'), ('chat_messages', 'idx_chat_messages_sources'),
    ('chat_messages', 'idx_chat_messages_user_created'),
    ('chat_messages', 'idx_chat_messages_conversation'),
    ('recommendations', 'idx_recommendations_user'), ('recommendations', 'idx_recommendations_type'),
    ('recommendations', 'idx_recommendations_score'),
    ('recommendations', 'idx_recommendations_created'),
    ('recommendations', 'idx_recommendations_user_type'),
    ('recommendations', 'idx_recommendations_user_score'),
    ('assessments', 'idx_assessments_difficulty'), ('assessments', 'idx_assessments_title'),
    ('assessments', 'idx_assessments_questions'), ('assessments', 'idx_assessments_metadata'),
    ('assessment_results', 'idx_assessment_results_user'),
    ('assessment_results', 'idx_assessment_results_assessment'),
    ('assessment_results', 'idx_assessment_results_score'),
    ('assessment_results', 'idx_assessment_results_completed'),
    ('assessment_results', 'idx_assessment_results_answers'),
    ('audit_log', 'idx_audit_log_table'), ('audit_log', 'idx_audit_log_user'),
    ('audit_log', 'idx_audit_log_created'), ('audit_log', 'idx_audit_log_changes'),
    ('analytics_events', 'idx_analytics_events_type'), ('analytics_events', 'idx_analytics_events_user'),
    ('analytics_events', 'idx_analytics_events_created'),
    ('analytics_events', 'idx_analytics_events_metadata')) AS i(t, idx);

SELECT is((SELECT amname::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam
           WHERE c.relname = 'idx_learning_content_tsv'), 'gin', 'the tsvector index is GIN');
SELECT is((SELECT amname::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam
           WHERE c.relname = 'idx_users_learning_profile'), 'gin', 'JSONB indexes are GIN');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index
           WHERE indexrelid = 'idx_learning_progress_active'::regclass),
          '(completed_at IS NULL)', 'the active-progress index is partial');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'idx_chat_messages_recent'),
          'the NOW()-predicate index of the spec is not created (illegal; see README)');
SELECT is((SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
           WHERE c.relname IN ('learning_content', 'content_passages')
             AND pg_get_indexdef(i.indexrelid) ~ 'hnsw'),
          CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN 2 ELSE 0 END,
          'HNSW indexes exactly when pgvector is the vector extension');

-- constraints behave ---------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO users (email, name, role) VALUES ('x@example.com', 'X', 'boss')$$,
                 '23514', NULL, 'users.role CHECK rejects an unknown role');
SELECT throws_ok($$INSERT INTO users (email, name) VALUES ('alice@example.com', 'Dup')$$,
                 '23505', NULL, 'users.email is unique');
SELECT throws_ok($$INSERT INTO users (email) VALUES ('noname@example.com')$$,
                 '23502', NULL, 'users.name is required');
SELECT throws_ok($$INSERT INTO skills (name, level) VALUES ('S', 6)$$,
                 '23514', NULL, 'skills.level CHECK 1..5');
SELECT throws_ok($$INSERT INTO courses (title, difficulty) VALUES ('C', 'expert')$$,
                 '23514', NULL, 'courses.difficulty CHECK');
SELECT throws_ok($$INSERT INTO learning_content (title, content, content_type) VALUES ('T', 'C', 'video')$$,
                 '23514', NULL, 'learning_content.content_type CHECK');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, skill_id, progress)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'skill-react', 101)$$,
                 '23514', NULL, 'learning_progress.progress CHECK 0..100');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, progress)
                   VALUES ('00000000-0000-4000-8000-000000000001', 10)$$,
                 '23514', NULL, 'a progress row needs a skill or a course');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, skill_id)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'skill-python')$$,
                 '23505', NULL, 'one progress row per user and skill');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, course_id)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'course-python-fundamentals')$$,
                 '23505', NULL, 'one progress row per user and course');
SELECT lives_ok($$INSERT INTO learning_progress (user_id, course_id)
                  VALUES ('00000000-0000-4000-8000-000000000001', 'course-react'),
                         ('00000000-0000-4000-8000-000000000001', 'course-agile-pm')$$,
                'two course rows of one user (skill_id NULL in both) do not collide');
SELECT lives_ok($$INSERT INTO learning_progress (user_id, skill_id, course_id)
                  VALUES ('00000000-0000-4000-8000-000000000001', 'skill-react', 'course-database-design')$$,
                'a row may track a skill and a course together');
SELECT throws_ok($$INSERT INTO chat_messages (user_id, message, confidence)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'q', 1.5)$$,
                 '23514', NULL, 'chat_messages.confidence CHECK 0..1');
SELECT throws_ok($$INSERT INTO chat_messages (user_id, message, status)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'q', 'lost')$$,
                 '23514', NULL, 'chat_messages.status CHECK');
WITH x AS (INSERT INTO chat_messages (user_id, message)
           VALUES ('00000000-0000-4000-8000-000000000001', 'default?') RETURNING status)
SELECT is((SELECT status FROM x), 'pending', 'a new chat message is pending');
SELECT throws_ok($$INSERT INTO recommendations (user_id, type, item_id, score)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'video', 'x', 0.5)$$,
                 '23514', NULL, 'recommendations.type CHECK');
SELECT throws_ok($$INSERT INTO recommendations (user_id, type, item_id, score)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'skill', 'x', 2)$$,
                 '23514', NULL, 'recommendations.score CHECK 0..1');
SELECT throws_ok($$INSERT INTO assessments (title, passing_score) VALUES ('A', 101)$$,
                 '23514', NULL, 'assessments.passing_score CHECK 0..100');
SELECT throws_ok($$INSERT INTO assessment_results (user_id, assessment_id, score)
                   VALUES ('00000000-0000-4000-8000-000000000001', 'assess-python-basics', 50)$$,
                 '23505', NULL, 'unique_user_assessment');
SELECT throws_ok($$INSERT INTO assessment_results (user_id, assessment_id, score)
                   VALUES ('00000000-0000-4000-8000-000000000009', 'assess-python-basics', 120)$$,
                 '23514', NULL, 'assessment_results.score CHECK 0..100');
SELECT throws_ok($$INSERT INTO learning_progress (user_id, skill_id) VALUES ('nobody', 'skill-react')$$,
                 '23503', NULL, 'learning_progress.user_id must reference a user');

-- ON DELETE rules behave
SELECT lives_ok($$DELETE FROM courses WHERE id = 'course-database-design'$$,
                'deleting a course that a combined skill+course row references works');
SELECT is((SELECT course_id FROM learning_progress
           WHERE user_id = '00000000-0000-4000-8000-000000000001' AND skill_id = 'skill-react'),
          NULL, '... and SET NULL keeps the skill part of that row');
SELECT throws_ok($$DELETE FROM courses WHERE id = 'course-react'$$, '23514', NULL,
                 'deleting a course that is the only target of a progress row is refused (history kept)');
SELECT lives_ok($$DELETE FROM users WHERE id = '00000000-0000-4000-8000-000000000002'$$,
                'deleting a user works');
SELECT is((SELECT count(*)::int FROM chat_messages WHERE user_id = '00000000-0000-4000-8000-000000000002')
          + (SELECT count(*)::int FROM learning_progress WHERE user_id = '00000000-0000-4000-8000-000000000002')
          + (SELECT count(*)::int FROM conversations WHERE user_id = '00000000-0000-4000-8000-000000000002')
          + (SELECT count(*)::int FROM assessment_results WHERE user_id = '00000000-0000-4000-8000-000000000002'),
          0, '... and cascades to their messages, progress, conversations and results');
SELECT lives_ok($$DELETE FROM users WHERE id = '00000000-0000-4000-8000-000000000005'$$,
                'deleting a trainer works');
SELECT is((SELECT count(*)::int FROM learning_content WHERE id = 'content-scrum' AND created_by IS NULL),
          1, '... and their content stays, without an author (SET NULL)');

-- settings
SELECT ok((SELECT value FROM cca_settings WHERE key = 'embed_dim') ~ '^[0-9]+$',
          'cca_settings records the embedding dimension');

SELECT * FROM finish();
ROLLBACK;

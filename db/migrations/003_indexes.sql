-- 003_indexes: every index of the specification (fixed where PostgreSQL rejects it) plus the
-- full-text and vector indexes retrieval needs.
SET LOCAL ROLE cca_owner;

-- users (idx_users_email duplicates the UNIQUE index; kept because the spec names it)
CREATE INDEX idx_users_email ON users(email);
CREATE INDEX idx_users_department ON users(department);
CREATE INDEX idx_users_role ON users(role);
CREATE INDEX idx_users_created_at ON users(created_at);
CREATE INDEX idx_users_learning_profile ON users USING GIN (learning_profile);
CREATE INDEX idx_users_preferences ON users USING GIN (preferences);

-- skills
CREATE INDEX idx_skills_category ON skills(category);
CREATE INDEX idx_skills_level ON skills(level);
CREATE INDEX idx_skills_name ON skills(name);
CREATE INDEX idx_skills_metadata ON skills USING GIN (metadata);

-- courses
CREATE INDEX idx_courses_difficulty ON courses(difficulty);
CREATE INDEX idx_courses_duration ON courses(duration);
CREATE INDEX idx_courses_title ON courses(title);
CREATE INDEX idx_courses_metadata ON courses USING GIN (metadata);

-- learning_content
CREATE INDEX idx_learning_content_type ON learning_content(content_type);
CREATE INDEX idx_learning_content_source ON learning_content(source_service);
CREATE INDEX idx_learning_content_created ON learning_content(created_at);
CREATE INDEX idx_learning_content_metadata ON learning_content USING GIN (metadata);
-- cca_tsvector_ops (001): the GIN index stays usable for callers under row-level security.
CREATE INDEX idx_learning_content_tsv ON learning_content USING GIN (tsv cca_tsvector_ops);
CREATE INDEX idx_learning_content_created_by ON learning_content(created_by);

-- content_passages (content_id is covered by the UNIQUE (content_id, ordinal) index)
CREATE INDEX idx_content_passages_tsv ON content_passages USING GIN (tsv cca_tsvector_ops);

-- Vector indexes: HNSW with pgvector (the spec's ivfflat needs data to train its lists and
-- loses recall when built on an empty table). The fallback has no ANN index: exact scan.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
        CREATE INDEX idx_learning_content_embedding ON learning_content
            USING hnsw (embedding vector_cosine_ops);
        CREATE INDEX idx_content_passages_embedding ON content_passages
            USING hnsw (embedding vector_cosine_ops);
    END IF;
END
$$;

-- learning_progress (unique_user_skill / unique_user_course are in 002)
CREATE INDEX idx_learning_progress_user ON learning_progress(user_id);
CREATE INDEX idx_learning_progress_skill ON learning_progress(skill_id);
CREATE INDEX idx_learning_progress_course ON learning_progress(course_id);
CREATE INDEX idx_learning_progress_completed ON learning_progress(completed_at);
CREATE INDEX idx_learning_progress_started ON learning_progress(started_at);
CREATE INDEX idx_learning_progress_user_skill ON learning_progress(user_id, skill_id);
CREATE INDEX idx_learning_progress_user_course ON learning_progress(user_id, course_id);
CREATE INDEX idx_learning_progress_active ON learning_progress(user_id)
    WHERE completed_at IS NULL;

-- chat_messages. The spec's idx_chat_messages_recent (partial, WHERE created_at > NOW() - 30
-- days) is rejected: index predicates must be IMMUTABLE. Its plain form would duplicate
-- idx_chat_messages_user_created, which already serves "recent messages of a user" by a
-- backward scan, so it is dropped (tests/db/README.md "Spec fixes").
CREATE INDEX idx_chat_messages_user ON chat_messages(user_id);
CREATE INDEX idx_chat_messages_created ON chat_messages(created_at);
CREATE INDEX idx_chat_messages_confidence ON chat_messages(confidence);
CREATE INDEX idx_chat_messages_sources ON chat_messages USING GIN (sources);
CREATE INDEX idx_chat_messages_user_created ON chat_messages(user_id, created_at);
CREATE INDEX idx_chat_messages_conversation ON chat_messages(conversation_id, created_at);
CREATE INDEX idx_chat_messages_pending ON chat_messages(user_id) WHERE status = 'pending';

CREATE INDEX idx_conversations_user_updated ON conversations(user_id, updated_at);

-- recommendations
CREATE INDEX idx_recommendations_user ON recommendations(user_id);
CREATE INDEX idx_recommendations_type ON recommendations(type);
CREATE INDEX idx_recommendations_score ON recommendations(score);
CREATE INDEX idx_recommendations_created ON recommendations(created_at);
CREATE INDEX idx_recommendations_user_type ON recommendations(user_id, type);
CREATE INDEX idx_recommendations_user_score ON recommendations(user_id, score DESC);

-- assessments
CREATE INDEX idx_assessments_difficulty ON assessments(difficulty);
CREATE INDEX idx_assessments_title ON assessments(title);
CREATE INDEX idx_assessments_questions ON assessments USING GIN (questions);
CREATE INDEX idx_assessments_metadata ON assessments USING GIN (metadata);
CREATE INDEX idx_assessments_created_by ON assessments(created_by);

-- assessment_results
CREATE INDEX idx_assessment_results_user ON assessment_results(user_id);
CREATE INDEX idx_assessment_results_assessment ON assessment_results(assessment_id);
CREATE INDEX idx_assessment_results_score ON assessment_results(score);
CREATE INDEX idx_assessment_results_completed ON assessment_results(completed_at);
CREATE INDEX idx_assessment_results_answers ON assessment_results USING GIN (answers);

-- audit_log
CREATE INDEX idx_audit_log_table ON audit_log(table_name);
CREATE INDEX idx_audit_log_user ON audit_log(user_id);
CREATE INDEX idx_audit_log_created ON audit_log(created_at);
CREATE INDEX idx_audit_log_changes ON audit_log USING GIN (changes);

-- analytics_events
CREATE INDEX idx_analytics_events_type ON analytics_events(event_type);
CREATE INDEX idx_analytics_events_user ON analytics_events(user_id);
CREATE INDEX idx_analytics_events_created ON analytics_events(created_at);
CREATE INDEX idx_analytics_events_metadata ON analytics_events USING GIN (metadata);

RESET ROLE;

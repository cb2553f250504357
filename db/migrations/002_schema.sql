-- 002_schema: every table of the data specification plus the additions CCA relies on.
-- Owned by cca_owner. Deviations from the spec are listed in tests/db/README.md "Spec fixes".
SET LOCAL ROLE cca_owner;

CREATE TABLE users (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    email TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    department TEXT,
    role TEXT CHECK (role IN ('learner', 'hr_manager', 'trainer', 'admin')),
    learning_profile JSONB,
    preferences JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    -- The PostgreSQL login role this person connects as (issue 4): the identity policies use.
    db_role TEXT UNIQUE
);

CREATE TABLE skills (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    name TEXT NOT NULL,
    description TEXT,
    category TEXT,
    level INTEGER DEFAULT 1 CHECK (level >= 1 AND level <= 5),
    prerequisites TEXT[], -- prerequisite skill ids
    metadata JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE courses (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    title TEXT NOT NULL,
    description TEXT,
    duration INTEGER CHECK (duration >= 0), -- minutes
    difficulty TEXT CHECK (difficulty IN ('beginner', 'intermediate', 'advanced')),
    prerequisites TEXT[], -- prerequisite skill or course ids
    learning_objectives TEXT[],
    metadata JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE learning_content (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN
        ('course', 'lesson', 'skill', 'assessment', 'tutorial', 'reference')),
    embedding VECTOR(1536),
    metadata JSONB,
    source_service TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    source_path TEXT UNIQUE, -- the ingested file; NULL for seed rows
    content_hash TEXT,       -- hex BLAKE2b of the file bytes
    tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(content, '')), 'B')) STORED
);
-- A 1536-dimension vector is 6152 bytes: kept in the heap row, an exact scan pays no TOAST
-- fetch per row (issue 3 benchmark note).
ALTER TABLE learning_content ALTER COLUMN embedding SET STORAGE PLAIN;

-- A document split into passages for retrieval and citation (issue 6). The document title is
-- copied in (trigger in 005) because a generated column cannot read another table.
CREATE TABLE content_passages (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    content_id TEXT NOT NULL REFERENCES learning_content(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
    title TEXT,
    heading TEXT,
    body TEXT NOT NULL,
    embedding VECTOR(1536),
    tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(heading, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT content_passages_content_ordinal_key UNIQUE (content_id, ordinal)
);
ALTER TABLE content_passages ALTER COLUMN embedding SET STORAGE PLAIN;

CREATE TABLE learning_progress (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skill_id TEXT REFERENCES skills(id) ON DELETE SET NULL,
    course_id TEXT REFERENCES courses(id) ON DELETE SET NULL,
    level INTEGER DEFAULT 1 CHECK (level >= 1 AND level <= 5),
    progress FLOAT DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
    completed_at TIMESTAMP WITH TIME ZONE,
    started_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    -- A progress row tracks a skill, a course, or both; never nothing.
    CONSTRAINT learning_progress_has_target CHECK (skill_id IS NOT NULL OR course_id IS NOT NULL)
);
-- The spec's UNIQUE (user_id, skill_id) / (user_id, course_id), stated as what is meant: one
-- row per user and skill among rows that have a skill, same for courses.
CREATE UNIQUE INDEX unique_user_skill ON learning_progress (user_id, skill_id)
    WHERE skill_id IS NOT NULL;
CREATE UNIQUE INDEX unique_user_course ON learning_progress (user_id, course_id)
    WHERE course_id IS NOT NULL;

-- A conversation groups the turns of one chat so history can be reopened (issue 6).
CREATE TABLE conversations (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE chat_messages (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    response TEXT,
    confidence FLOAT CHECK (confidence >= 0 AND confidence <= 1),
    sources JSONB,
    processing_time INTEGER CHECK (processing_time >= 0), -- milliseconds
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'answered', 'cancelled', 'failed')),
    error TEXT,
    is_offline BOOLEAN,
    abstain BOOLEAN,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE recommendations (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL CHECK (type IN ('skill', 'course', 'content')),
    item_id TEXT NOT NULL,
    score FLOAT NOT NULL CHECK (score >= 0 AND score <= 1),
    reason TEXT,
    clicked BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    title TEXT NOT NULL,
    description TEXT,
    questions JSONB, -- array of {id, question, type, options}; answer keys live elsewhere (007)
    difficulty TEXT CHECK (difficulty IN ('beginner', 'intermediate', 'advanced')),
    time_limit INTEGER CHECK (time_limit > 0), -- minutes
    passing_score FLOAT DEFAULT 70 CHECK (passing_score >= 0 AND passing_score <= 100),
    metadata JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE assessment_results (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    score FLOAT NOT NULL CHECK (score >= 0 AND score <= 100),
    answers JSONB,
    completed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    time_taken INTEGER CHECK (time_taken >= 0), -- seconds
    CONSTRAINT unique_user_assessment UNIQUE (user_id, assessment_id)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    table_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    action TEXT NOT NULL,
    user_id TEXT,
    changes JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE analytics_events (
    id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    event_type TEXT NOT NULL,
    user_id TEXT,
    metadata JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- Database-wide settings: the embedding dimension and the model that produced the stored
-- embeddings (issue 3 "Embedding dimension"). Written only through definer functions (004).
CREATE TABLE cca_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO cca_settings (key, value) VALUES ('embed_dim', '1536');

RESET ROLE;

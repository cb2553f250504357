-- 005_triggers_views: the spec's triggers (updated_at, progress completion, chat message
-- analytics) made complete, the consistency triggers CCA adds, and the three views.
-- Trigger functions that write audit_log / analytics_events or touch other people's rows are
-- SECURITY DEFINER (owned by cca_owner), so clients need no privilege on those tables.
SET LOCAL ROLE cca_owner;

-- updated_at ------------------------------------------------------------------------------
CREATE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_learning_content_updated_at BEFORE UPDATE ON learning_content
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_skills_updated_at BEFORE UPDATE ON skills
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_courses_updated_at BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_learning_progress_updated_at BEFORE UPDATE ON learning_progress
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_assessments_updated_at BEFORE UPDATE ON assessments
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_chat_messages_updated_at BEFORE UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- users: identity columns are not the person's to change --------------------------------------
-- Column privileges already refuse these updates to clients; this guard also covers any path
-- that has the privilege (an admin's UPDATE, a future grant). role and db_role change only
-- through cca_user_set_role (which keeps the group membership in step); department and email
-- also by an admin.
CREATE FUNCTION users_guard_identity() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    is_system boolean := current_user = 'cca_owner'
        OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
BEGIN
    IF is_system THEN
        RETURN NEW;
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.db_role IS DISTINCT FROM OLD.db_role THEN
        RAISE EXCEPTION 'users.id, role and db_role change only through cca_user_set_role'
            USING ERRCODE = '42501';
    END IF;
    IF (NEW.department IS DISTINCT FROM OLD.department OR NEW.email IS DISTINCT FROM OLD.email)
       AND cca_auth.app_role() IS DISTINCT FROM 'admin' THEN
        RAISE EXCEPTION 'only an admin can change a department or an email'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_guard_identity_trigger BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_guard_identity();

-- learning progress completion -------------------------------------------------------------
-- Spec: completed_at when progress reaches 100, plus an audit row. Fixed: also on INSERT at
-- 100, and completed_at is cleared when progress drops below 100 again.
CREATE FUNCTION handle_progress_completion() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF coalesce(NEW.progress, 0) >= 100 THEN
        IF TG_OP = 'INSERT' THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        ELSIF coalesce(OLD.progress, 0) < 100 OR OLD.completed_at IS NULL THEN
            NEW.completed_at := now();
        END IF;
    ELSE
        NEW.completed_at := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER learning_progress_completion_trigger
    BEFORE INSERT OR UPDATE ON learning_progress
    FOR EACH ROW EXECUTE FUNCTION handle_progress_completion();

CREATE FUNCTION log_progress_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    action text;
BEGIN
    IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL) THEN
        action := 'completed';
    ELSIF TG_OP = 'UPDATE' AND NEW.completed_at IS NULL AND OLD.completed_at IS NOT NULL THEN
        action := 'reopened';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, user_id, changes)
    VALUES ('learning_progress', NEW.id, action, NEW.user_id,
            jsonb_build_object('skill_id', NEW.skill_id, 'course_id', NEW.course_id,
                               'level', NEW.level, 'progress', NEW.progress));
    RETURN NULL;
END
$$;

CREATE TRIGGER learning_progress_audit_trigger
    AFTER INSERT OR UPDATE OF progress, completed_at ON learning_progress
    FOR EACH ROW EXECUTE FUNCTION log_progress_completion();

-- chat messages ------------------------------------------------------------------------------
-- A message may only join a conversation of the same person.
CREATE FUNCTION chat_messages_check_conversation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.conversation_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM conversations c
           WHERE c.id = NEW.conversation_id AND c.user_id = NEW.user_id) THEN
        RAISE EXCEPTION 'conversation % does not belong to this user', NEW.conversation_id
            USING ERRCODE = '23503';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER chat_messages_conversation_trigger
    BEFORE INSERT OR UPDATE OF conversation_id, user_id ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION chat_messages_check_conversation();

-- Spec: user activity + an analytics event per message. Also: the conversation is touched and
-- gets the first question as its title.
CREATE FUNCTION handle_chat_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE users SET updated_at = now() WHERE id = NEW.user_id;
    IF NEW.conversation_id IS NOT NULL THEN
        UPDATE conversations
        SET updated_at = now(),
            title = coalesce(title, left(regexp_replace(btrim(NEW.message), '\s+', ' ', 'g'), 80))
        WHERE id = NEW.conversation_id;
    END IF;
    INSERT INTO analytics_events (event_type, user_id, metadata)
    VALUES ('chat_message', NEW.user_id,
            jsonb_build_object('message_id', NEW.id,
                               'message_length', length(NEW.message),
                               'has_response', NEW.response IS NOT NULL,
                               'confidence', NEW.confidence,
                               'processing_time', NEW.processing_time));
    RETURN NULL;
END
$$;

CREATE TRIGGER chat_message_processing_trigger
    AFTER INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION handle_chat_message();

-- A pending message that ends (answered, cancelled, failed) is an analytics event too.
CREATE FUNCTION handle_chat_message_finished() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.conversation_id IS NOT NULL THEN
        UPDATE conversations SET updated_at = now() WHERE id = NEW.conversation_id;
    END IF;
    INSERT INTO analytics_events (event_type, user_id, metadata)
    VALUES ('chat_message_finished', NEW.user_id,
            jsonb_build_object('message_id', NEW.id,
                               'status', NEW.status,
                               'has_response', NEW.response IS NOT NULL,
                               'confidence', NEW.confidence,
                               'processing_time', NEW.processing_time,
                               'is_offline', NEW.is_offline,
                               'abstain', NEW.abstain,
                               'source_count', CASE WHEN jsonb_typeof(NEW.sources) = 'array'
                                                    THEN jsonb_array_length(NEW.sources) END));
    RETURN NULL;
END
$$;

CREATE TRIGGER chat_message_finished_trigger
    AFTER UPDATE OF status ON chat_messages
    FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending')
    EXECUTE FUNCTION handle_chat_message_finished();

-- passages carry their document's title ------------------------------------------------------
CREATE FUNCTION content_passages_copy_title() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.title := (SELECT lc.title FROM learning_content lc WHERE lc.id = NEW.content_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER content_passages_title_trigger
    BEFORE INSERT OR UPDATE OF content_id, title ON content_passages
    FOR EACH ROW EXECUTE FUNCTION content_passages_copy_title();

CREATE FUNCTION learning_content_sync_title() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE content_passages SET title = NEW.title WHERE content_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER learning_content_title_trigger
    AFTER UPDATE OF title ON learning_content
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION learning_content_sync_title();

-- views --------------------------------------------------------------------------------------
-- security_invoker: the caller's privileges and row-level security apply to the tables read,
-- so a learner sees their own row, an HR manager their department.
CREATE VIEW user_learning_dashboard WITH (security_invoker = true) AS
SELECT
    u.id,
    u.name,
    u.email,
    u.department,
    u.role,
    COALESCE(stats.total_skills, 0) AS total_skills,
    COALESCE(stats.completed_skills, 0) AS completed_skills,
    COALESCE(stats.total_courses, 0) AS total_courses,
    COALESCE(stats.completed_courses, 0) AS completed_courses,
    COALESCE(stats.total_progress, 0) AS overall_progress,
    COALESCE(recent_messages.count, 0) AS recent_messages,
    COALESCE(recent_progress.count, 0) AS recent_progress_updates,
    COALESCE(stats.learning_velocity, 0) AS learning_velocity
FROM users u
LEFT JOIN LATERAL get_user_learning_analytics(u.id) stats ON true
LEFT JOIN LATERAL (
    SELECT COUNT(*) AS count
    FROM chat_messages cm
    WHERE cm.user_id = u.id
      AND cm.created_at > NOW() - INTERVAL '7 days'
) recent_messages ON true
LEFT JOIN LATERAL (
    SELECT COUNT(*) AS count
    FROM learning_progress lp
    WHERE lp.user_id = u.id
      AND lp.updated_at > NOW() - INTERVAL '7 days'
) recent_progress ON true;

CREATE VIEW learning_content_search WITH (security_invoker = true) AS
SELECT
    lc.id,
    lc.title,
    lc.content,
    lc.content_type,
    lc.source_service,
    lc.metadata,
    lc.created_at,
    lc.updated_at,
    CASE
        WHEN lc.content_type = 'course' THEN c.difficulty
        WHEN lc.content_type = 'skill' THEN s.level::TEXT
        ELSE NULL
    END AS difficulty_level,
    CASE WHEN lc.content_type = 'course' THEN c.duration ELSE NULL END AS duration,
    CASE WHEN lc.content_type = 'course' THEN c.learning_objectives ELSE NULL END
        AS learning_objectives
FROM learning_content lc
LEFT JOIN courses c ON lc.metadata->>'course_id' = c.id
LEFT JOIN skills s ON lc.metadata->>'skill_id' = s.id;

-- Spec fix: no ORDER BY inside the view (callers order), click_rate safe against zero rows.
CREATE VIEW recommendation_analytics WITH (security_invoker = true) AS
SELECT
    r.type,
    r.item_id,
    COUNT(*) AS total_recommendations,
    COUNT(*) FILTER (WHERE r.clicked) AS clicks,
    ROUND((COUNT(*) FILTER (WHERE r.clicked))::numeric * 100
          / NULLIF(COUNT(*), 0), 2)::float8 AS click_rate,
    AVG(r.score) AS avg_score,
    COUNT(DISTINCT r.user_id) AS unique_users
FROM recommendations r
WHERE r.created_at > NOW() - INTERVAL '30 days'
GROUP BY r.type, r.item_id;

RESET ROLE;

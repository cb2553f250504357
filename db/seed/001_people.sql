-- 001_people: sample employees for demos and tests, each with a PostgreSQL login role
-- (cca_u_<name>) in the group role of their application role. Loaded by `cca seed` only,
-- never by `cca migrate`. Ids are fixed so tests and docs can name people.
-- Roles are cluster-wide: cca_user_create adopts a harmless leftover role of the same name.

SELECT cca_user_create('alice@example.com', 'Alice Martin', 'learner', 'Engineering',
                       'cca_u_alice', '00000000-0000-4000-8000-000000000001');
SELECT cca_user_create('bob@example.com', 'Bob Chen', 'learner', 'Sales',
                       'cca_u_bob', '00000000-0000-4000-8000-000000000002');
SELECT cca_user_create('carol@example.com', 'Carol Diaz', 'hr_manager', 'Engineering',
                       'cca_u_carol', '00000000-0000-4000-8000-000000000003');
SELECT cca_user_create('dave@example.com', 'Dave Okafor', 'hr_manager', 'Sales',
                       'cca_u_dave', '00000000-0000-4000-8000-000000000004');
SELECT cca_user_create('erin@example.com', 'Erin Walsh', 'trainer', 'Learning',
                       'cca_u_erin', '00000000-0000-4000-8000-000000000005');
SELECT cca_user_create('frank@example.com', 'Frank Novak', 'trainer', 'Learning',
                       'cca_u_frank', '00000000-0000-4000-8000-000000000006');
SELECT cca_user_create('grace@example.com', 'Grace Lee', 'admin', 'IT',
                       'cca_u_grace', '00000000-0000-4000-8000-000000000007');
SELECT cca_user_create('heidi@example.com', 'Heidi Braun', 'learner', 'Engineering',
                       'cca_u_heidi', '00000000-0000-4000-8000-000000000008');
SELECT cca_user_create('ivan@example.com', 'Ivan Petrov', 'learner', 'Sales',
                       'cca_u_ivan', '00000000-0000-4000-8000-000000000009');

UPDATE users SET
    learning_profile = '{"goals": ["machine learning"], "interests": ["python", "data"], "level": "intermediate"}',
    preferences = '{"theme": "dark", "language": "en", "answer_length": "short"}'
WHERE id = '00000000-0000-4000-8000-000000000001';
UPDATE users SET
    learning_profile = '{"goals": ["team lead"], "interests": ["project management", "communication"]}',
    preferences = '{"theme": "light", "language": "en"}'
WHERE id = '00000000-0000-4000-8000-000000000002';
UPDATE users SET
    learning_profile = '{"goals": ["frontend"], "interests": ["javascript", "react"]}'
WHERE id = '00000000-0000-4000-8000-000000000008';

-- 003_activity: progress, conversations, chat history, recommendations and assessment results
-- so every screen has something real to show. Times are relative to the load time.

-- learning_progress. Rows at 100 get completed_at (the given one, else now) and an audit row
-- from the triggers.
INSERT INTO learning_progress (id, user_id, skill_id, course_id, level, progress, started_at,
                               completed_at) VALUES
('lp-alice-python', '00000000-0000-4000-8000-000000000001', 'skill-python', NULL, 2, 100,
    now() - interval '40 days', now() - interval '20 days'),
('lp-alice-data', '00000000-0000-4000-8000-000000000001', 'skill-data-analysis', NULL, 1, 60,
    now() - interval '15 days', NULL),
('lp-alice-course-python', '00000000-0000-4000-8000-000000000001', NULL,
    'course-python-fundamentals', 1, 100, now() - interval '30 days', now() - interval '10 days'),
('lp-alice-course-data', '00000000-0000-4000-8000-000000000001', NULL,
    'course-data-analysis-python', 1, 40, now() - interval '5 days', NULL),
('lp-bob-communication', '00000000-0000-4000-8000-000000000002', 'skill-communication', NULL, 2,
    100, now() - interval '25 days', now() - interval '3 days'),
('lp-bob-pm', '00000000-0000-4000-8000-000000000002', 'skill-pm', NULL, 1, 30,
    now() - interval '12 days', NULL),
('lp-bob-course-pm', '00000000-0000-4000-8000-000000000002', NULL, 'course-pm-fundamentals', 1,
    50, now() - interval '12 days', NULL),
('lp-heidi-js', '00000000-0000-4000-8000-000000000008', 'skill-javascript', NULL, 2, 80,
    now() - interval '20 days', NULL),
('lp-heidi-course-js', '00000000-0000-4000-8000-000000000008', NULL, 'course-advanced-js', 1, 20,
    now() - interval '6 days', NULL),
('lp-ivan-communication', '00000000-0000-4000-8000-000000000009', 'skill-communication', NULL, 1,
    20, now() - interval '2 days', NULL),
('lp-carol-leadership', '00000000-0000-4000-8000-000000000003', 'skill-leadership', NULL, 1, 50,
    now() - interval '9 days', NULL);

-- Conversations and their messages (the insert trigger records analytics and activity).
INSERT INTO conversations (id, user_id, title, created_at, updated_at) VALUES
('conv-alice-python', '00000000-0000-4000-8000-000000000001', 'How do I declare a variable in Python?',
    now() - interval '2 days', now() - interval '2 days'),
('conv-alice-ml', '00000000-0000-4000-8000-000000000001',
    'What is the difference between supervised and unsupervised learning?',
    now() - interval '1 day', now() - interval '1 day'),
('conv-bob-planning', '00000000-0000-4000-8000-000000000002', 'What are the steps of project planning?',
    now() - interval '3 days', now() - interval '3 days'),
('conv-heidi-react', '00000000-0000-4000-8000-000000000008', 'What are the React lifecycle phases?',
    now() - interval '4 hours', now() - interval '4 hours');

INSERT INTO chat_messages (id, user_id, conversation_id, message, response, confidence, sources,
                           processing_time, status, error, is_offline, abstain, created_at) VALUES
('msg-alice-1', '00000000-0000-4000-8000-000000000001', 'conv-alice-python',
    'How do I declare a variable in Python?',
    'Python has no declaration statement: a variable is created the moment you first assign a value to it, for example `x = 5` [1].',
    0.82,
    '[{"content_id": "content-python-variables", "passage_id": null, "title": "Python Variables", "passage": "A variable is created the moment you first assign a value to it.", "similarity": 0.86}]',
    1840, 'answered', NULL, false, false, now() - interval '2 days'),
('msg-alice-2', '00000000-0000-4000-8000-000000000001', 'conv-alice-python',
    'Do I need to give it a type?',
    'Offline answer: Unlike other programming languages, Python has no command for declaring a variable [1].',
    0.55,
    '[{"content_id": "content-python-variables", "passage_id": null, "title": "Python Variables", "passage": "Unlike other programming languages, Python has no command for declaring a variable.", "similarity": 0.61}]',
    35, 'answered', NULL, true, false, now() - interval '2 days' + interval '2 minutes'),
('msg-alice-3', '00000000-0000-4000-8000-000000000001', 'conv-alice-ml',
    'What is the difference between supervised and unsupervised learning?',
    'Supervised learning learns from labeled data, unsupervised learning finds structure in unlabeled data; both are approaches of machine learning, next to reinforcement learning [1].',
    0.77,
    '[{"content_id": "content-ml-overview", "passage_id": null, "title": "Machine Learning Overview", "passage": "It includes supervised learning, unsupervised learning, and reinforcement learning approaches.", "similarity": 0.81}]',
    2310, 'answered', NULL, false, false, now() - interval '1 day'),
('msg-alice-4', '00000000-0000-4000-8000-000000000001', 'conv-alice-ml',
    'Explain gradient descent in detail',
    'Gradient descent is an optimisation method that',
    NULL, '[]', 900, 'cancelled', 'cancelled by the user', false, false,
    now() - interval '1 day' + interval '5 minutes'),
('msg-bob-1', '00000000-0000-4000-8000-000000000002', 'conv-bob-planning',
    'What are the steps of project planning?',
    'Define objectives, identify tasks, estimate resources, create a timeline and manage risks [1].',
    0.88,
    '[{"content_id": "content-project-planning", "passage_id": null, "title": "Project Planning Techniques", "passage": "Successful project planning involves several key steps: defining objectives, identifying tasks, estimating resources, creating timelines, and managing risks.", "similarity": 0.9}]',
    1620, 'answered', NULL, false, false, now() - interval '3 days'),
('msg-bob-2', '00000000-0000-4000-8000-000000000002', 'conv-bob-planning',
    'What is the office wifi password?',
    'The knowledge base has nothing on this.',
    0.04, '[]', 120, 'answered', NULL, false, true, now() - interval '3 days' + interval '1 minute'),
('msg-bob-3', '00000000-0000-4000-8000-000000000002', 'conv-bob-planning',
    'Which roles does Scrum define?',
    NULL, NULL, NULL, 30010, 'failed', 'the language model did not answer within 30 s', false, NULL,
    now() - interval '1 hour'),
('msg-heidi-1', '00000000-0000-4000-8000-000000000008', 'conv-heidi-react',
    'What are the React lifecycle phases?',
    'Mounting, updating and unmounting [1].',
    0.79,
    '[{"content_id": "content-react-lifecycle", "passage_id": null, "title": "React Component Lifecycle", "passage": "React components have a lifecycle that includes mounting, updating, and unmounting phases.", "similarity": 0.84}]',
    1405, 'answered', NULL, false, false, now() - interval '4 hours');

INSERT INTO recommendations (user_id, type, item_id, score, reason, clicked, created_at) VALUES
('00000000-0000-4000-8000-000000000001', 'skill', 'skill-ml', 0.3,
    'Complete the prerequisites first: Data Analysis', false, now() - interval '6 days'),
('00000000-0000-4000-8000-000000000001', 'course', 'course-data-analysis-python', 0.8,
    'Continue this course', true, now() - interval '5 days'),
('00000000-0000-4000-8000-000000000001', 'content', 'content-ml-overview', 0.7,
    'Related to your goal: machine learning', true, now() - interval '1 day'),
('00000000-0000-4000-8000-000000000002', 'skill', 'skill-leadership', 0.3,
    'Complete the prerequisites first: Project Management', false, now() - interval '4 days'),
('00000000-0000-4000-8000-000000000002', 'course', 'course-agile-pm', 0.25,
    'Complete the prerequisites first: Project Management Fundamentals', true,
    now() - interval '4 days'),
('00000000-0000-4000-8000-000000000008', 'course', 'course-react', 0.25,
    'Complete the prerequisites first: Advanced JavaScript', false, now() - interval '2 days');

-- Results as submit_assessment would have stored them, with their attempts.
INSERT INTO assessment_results (id, user_id, assessment_id, score, answers, completed_at,
                                time_taken) VALUES
('result-alice-python', '00000000-0000-4000-8000-000000000001', 'assess-python-basics', 100,
    '{"q1": 1, "q2": 1}', now() - interval '9 days', 540),
('result-heidi-python', '00000000-0000-4000-8000-000000000008', 'assess-python-basics', 50,
    '{"q1": 1, "q2": 0}', now() - interval '3 days', 1210),
('result-bob-pm', '00000000-0000-4000-8000-000000000002', 'assess-pm-fundamentals', 0,
    '{"q1": 0}', now() - interval '2 days', 300);

INSERT INTO assessment_attempts (user_id, assessment_id, started_at, deadline, submitted_at,
                                 status, result_id)
SELECT r.user_id, r.assessment_id, r.completed_at - r.time_taken * interval '1 second',
       r.completed_at - r.time_taken * interval '1 second' + a.time_limit * interval '1 minute',
       r.completed_at, 'submitted', r.id
FROM assessment_results r JOIN assessments a ON a.id = r.assessment_id;

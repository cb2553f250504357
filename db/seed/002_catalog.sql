-- 002_catalog: the specification's sample skills, courses, learning content and assessments,
-- with prerequisites wired to real ids. Learning content has no embeddings here; `cca seed`
-- or `cca ingest` computes them with the configured embedder. The "correct" keys of the
-- assessment questions are moved into assessment_keys by the assessments trigger.

INSERT INTO skills (id, name, description, category, level, prerequisites) VALUES
('skill-python', 'Python Programming', 'Python programming language skills', 'Technical', 1, '{}'),
('skill-ml', 'Machine Learning', 'Machine learning algorithms and techniques', 'Technical', 2,
    '{skill-python,skill-data-analysis}'),
('skill-data-analysis', 'Data Analysis', 'Data analysis and visualization skills', 'Technical', 2,
    '{skill-python}'),
('skill-pm', 'Project Management', 'Project management methodologies', 'Management', 1, '{}'),
('skill-communication', 'Communication', 'Effective communication skills', 'Soft Skills', 1, '{}'),
('skill-leadership', 'Leadership', 'Leadership and team management', 'Management', 2,
    '{skill-communication,skill-pm}'),
('skill-javascript', 'JavaScript', 'JavaScript programming and web development', 'Technical', 1,
    '{}'),
('skill-react', 'React Development', 'React framework for web applications', 'Technical', 2,
    '{skill-javascript}'),
('skill-database-design', 'Database Design', 'Database design and optimization', 'Technical', 2,
    '{}'),
('skill-agile', 'Agile Methodology', 'Agile project management practices', 'Management', 1,
    '{skill-pm}');

INSERT INTO courses (id, title, description, duration, difficulty, prerequisites,
                     learning_objectives) VALUES
('course-python-fundamentals', 'Python Fundamentals', 'Learn Python programming basics', 480,
    'beginner', '{}', ARRAY['Variables and data types', 'Control structures', 'Functions', 'Modules']),
('course-ml-basics', 'Machine Learning Basics', 'Introduction to machine learning concepts', 720,
    'intermediate', '{course-python-fundamentals,skill-data-analysis}',
    ARRAY['Supervised learning', 'Unsupervised learning', 'Model evaluation', 'Feature engineering']),
('course-data-analysis-python', 'Data Analysis with Python', 'Data analysis using Python libraries',
    600, 'intermediate', '{course-python-fundamentals}',
    ARRAY['Pandas basics', 'Data visualization', 'Statistical analysis', 'Data cleaning']),
('course-pm-fundamentals', 'Project Management Fundamentals', 'Essential project management skills',
    360, 'beginner', '{}',
    ARRAY['Project planning', 'Risk management', 'Team coordination', 'Timeline management']),
('course-advanced-js', 'Advanced JavaScript', 'Advanced JavaScript concepts and patterns', 540,
    'intermediate', '{skill-javascript}',
    ARRAY['ES6+ features', 'Async programming', 'Design patterns', 'Performance optimization']),
('course-react', 'React Development', 'Building web applications with React', 600,
    'intermediate', '{course-advanced-js}',
    ARRAY['Component lifecycle', 'State management', 'Routing', 'Testing']),
('course-database-design', 'Database Design', 'Database design principles and best practices', 480,
    'intermediate', '{}', ARRAY['Normalization', 'Indexing', 'Query optimization', 'Data modeling']),
('course-agile-pm', 'Agile Project Management', 'Agile methodologies and practices', 420,
    'beginner', '{course-pm-fundamentals}',
    ARRAY['Scrum framework', 'Sprint planning', 'Retrospectives', 'Team collaboration']);

INSERT INTO learning_content (id, title, content, content_type, source_service, metadata,
                              created_by) VALUES
('content-python-variables', 'Python Variables', 'Variables in Python are containers for storing data values. Unlike other programming languages, Python has no command for declaring a variable. A variable is created the moment you first assign a value to it.', 'tutorial', 'content-studio', '{"difficulty": "beginner", "tags": ["python", "basics", "variables"], "skill_id": "skill-python"}',
    '00000000-0000-4000-8000-000000000005'),
('content-ml-overview', 'Machine Learning Overview', 'Machine learning is a subset of artificial intelligence that focuses on algorithms that can learn from data. It includes supervised learning, unsupervised learning, and reinforcement learning approaches.', 'tutorial', 'content-studio', '{"difficulty": "intermediate", "tags": ["ml", "ai", "algorithms"], "skill_id": "skill-ml"}',
    '00000000-0000-4000-8000-000000000006'),
('content-data-visualization', 'Data Visualization Best Practices', 'Effective data visualization helps communicate insights clearly. Key principles include choosing appropriate chart types, using consistent colors, and ensuring accessibility.', 'reference', 'content-studio', '{"difficulty": "intermediate", "tags": ["visualization", "data", "design"]}',
    NULL),
('content-project-planning', 'Project Planning Techniques', 'Successful project planning involves several key steps: defining objectives, identifying tasks, estimating resources, creating timelines, and managing risks.', 'tutorial', 'course-builder', '{"difficulty": "beginner", "tags": ["project", "planning", "management"]}',
    '00000000-0000-4000-8000-000000000005'),
('content-js-es6', 'JavaScript ES6 Features', 'ES6 introduced many new features to JavaScript including arrow functions, template literals, destructuring, and classes. These features make JavaScript more powerful and easier to use.', 'tutorial', 'content-studio', '{"difficulty": "intermediate", "tags": ["javascript", "es6", "modern"]}',
    NULL),
('content-react-lifecycle', 'React Component Lifecycle', 'React components have a lifecycle that includes mounting, updating, and unmounting phases. Understanding these phases helps optimize component performance and manage side effects.', 'tutorial', 'content-studio', '{"difficulty": "intermediate", "tags": ["react", "components", "lifecycle"]}',
    NULL),
('content-db-normalization', 'Database Normalization', 'Database normalization is the process of organizing data to reduce redundancy and improve data integrity. The main normal forms are 1NF, 2NF, and 3NF.', 'reference', 'content-studio', '{"difficulty": "intermediate", "tags": ["database", "normalization", "design"]}',
    NULL),
('content-scrum', 'Scrum Framework', 'Scrum is an agile framework for managing complex projects. It includes roles (Product Owner, Scrum Master, Development Team), events (Sprint, Daily Scrum), and artifacts (Product Backlog, Sprint Backlog).', 'tutorial', 'course-builder', '{"difficulty": "beginner", "tags": ["scrum", "agile", "framework"]}',
    '00000000-0000-4000-8000-000000000005'),
-- Catalogue entries as content, so learning_content_search can show difficulty and duration.
('content-course-python-fundamentals', 'Python Fundamentals course', 'A beginner course on Python: variables and data types, control structures, functions and modules. Eight hours, self-paced.', 'course', 'course-builder', '{"course_id": "course-python-fundamentals"}',
    '00000000-0000-4000-8000-000000000005'),
('content-skill-database-design', 'Database Design skill', 'Database design covers data modeling, normalization, indexing and query optimization for relational databases.', 'skill', 'content-studio', '{"skill_id": "skill-database-design"}',
    NULL);

INSERT INTO assessments (id, title, description, difficulty, time_limit, passing_score, questions,
                         created_by) VALUES
('assess-python-basics', 'Python Basics Assessment', 'Test your knowledge of Python fundamentals',
    'beginner', 30, 70, '[
    {
        "id": "q1",
        "question": "What is the correct way to create a variable in Python?",
        "type": "multiple_choice",
        "options": ["var x = 5", "x = 5", "int x = 5", "variable x = 5"],
        "correct": 1
    },
    {
        "id": "q2",
        "question": "Which keyword is used to define a function in Python?",
        "type": "multiple_choice",
        "options": ["function", "def", "func", "define"],
        "correct": 1
    }
]', '00000000-0000-4000-8000-000000000005'),
('assess-ml-concepts', 'Machine Learning Concepts', 'Assessment on machine learning fundamentals',
    'intermediate', 45, 75, '[
    {
        "id": "q1",
        "question": "What is the difference between supervised and unsupervised learning?",
        "type": "multiple_choice",
        "options": ["Supervised uses labeled data", "Unsupervised uses labeled data", "No difference", "Both use unlabeled data"],
        "correct": 0
    }
]', '00000000-0000-4000-8000-000000000006'),
('assess-pm-fundamentals', 'Project Management Fundamentals', 'Test your project management knowledge',
    'beginner', 25, 65, '[
    {
        "id": "q1",
        "question": "What is the first phase of project management?",
        "type": "multiple_choice",
        "options": ["Planning", "Execution", "Initiation", "Monitoring"],
        "correct": 2
    }
]', '00000000-0000-4000-8000-000000000005');

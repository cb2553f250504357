-- 004_assessments: assessments to take from the terminal, with explanations and different
-- settings (migration 009), and the seed's past attempts filled in (answers, score).
-- The keys and explanations are moved into assessment_keys by the assessments trigger.

-- The specification's three assessments: the skill each certifies, explanations.
UPDATE assessments SET skill_id = 'skill-python', questions = '[
    {"id": "q1", "question": "What is the correct way to create a variable in Python?",
     "type": "multiple_choice",
     "options": ["var x = 5", "x = 5", "int x = 5", "variable x = 5"], "correct": 1,
     "explanation": "Python has no declaration keyword: assigning a value creates the variable."},
    {"id": "q2", "question": "Which keyword is used to define a function in Python?",
     "type": "multiple_choice", "options": ["function", "def", "func", "define"], "correct": 1,
     "explanation": "Functions are defined with def name(parameters):"}
]' WHERE id = 'assess-python-basics';
UPDATE assessments SET skill_id = 'skill-ml', questions = '[
    {"id": "q1", "question": "What is the difference between supervised and unsupervised learning?",
     "type": "multiple_choice",
     "options": ["Supervised uses labeled data", "Unsupervised uses labeled data", "No difference",
                 "Both use unlabeled data"], "correct": 0,
     "explanation": "Supervised learning fits a model to examples whose answers (labels) are known; unsupervised learning finds structure in unlabeled data."}
]' WHERE id = 'assess-ml-concepts';
UPDATE assessments SET skill_id = 'skill-pm', questions = '[
    {"id": "q1", "question": "What is the first phase of project management?",
     "type": "multiple_choice", "options": ["Planning", "Execution", "Initiation", "Monitoring"],
     "correct": 2,
     "explanation": "Initiation defines the project and its sponsor before any planning starts."}
]' WHERE id = 'assess-pm-fundamentals';

-- Three more, for the learners to take: a practice quiz (answers after each attempt), a graded
-- one (answers once passed or out of attempts) and a certification (answers never shown).
INSERT INTO assessments (id, title, description, difficulty, time_limit, passing_score,
                         max_attempts, review_policy, layout, skill_id, skill_level, questions,
                         created_by) VALUES
('assess-sql-practice', 'SQL Practice Quiz', 'Practice the basics of relational databases and SQL',
    'beginner', 15, 60, 3, 'after_submit', 'all_on_one', 'skill-database-design', 1, '[
    {"id": "q1", "question": "Which SQL statement reads rows from a table?", "type": "multiple_choice",
     "options": ["GET", "SELECT", "READ", "FETCH ALL"], "correct": 1,
     "explanation": "SELECT ... FROM table returns rows; FETCH reads from a cursor."},
    {"id": "q2", "question": "What does a PRIMARY KEY guarantee?", "type": "multiple_choice",
     "options": ["The column is indexed for full-text search", "Values are unique and not null",
                 "The table is sorted by it", "Values are encrypted"], "correct": 1,
     "explanation": "A primary key is UNIQUE and NOT NULL; the index behind it does not sort the table."},
    {"id": "q3", "question": "Which normal form removes repeating groups?", "type": "multiple_choice",
     "options": ["First (1NF)", "Second (2NF)", "Third (3NF)", "Boyce-Codd (BCNF)"], "correct": 0,
     "explanation": "1NF requires atomic values: no repeating groups or lists in a column."},
    {"id": "q4", "question": "Which join keeps every row of the left table?", "type": "multiple_choice",
     "options": ["INNER JOIN", "LEFT JOIN", "CROSS JOIN", "SEMI JOIN"], "correct": 1,
     "explanation": "A LEFT (OUTER) JOIN keeps unmatched left rows, with NULLs on the right."},
    {"id": "q5", "question": "What does an index usually speed up?", "type": "multiple_choice",
     "options": ["Inserts", "Lookups and joins on the indexed columns", "Backups", "Schema changes"],
     "correct": 1,
     "explanation": "Indexes speed up reads that filter or join on their columns and slow writes a little."}
]', '00000000-0000-4000-8000-000000000005'),
('assess-agile-scrum', 'Scrum Essentials', 'Roles, events and artifacts of Scrum',
    'beginner', 10, 75, 2, 'after_close', 'one_per_page', 'skill-agile', 1, '[
    {"id": "q1", "question": "Who owns the Product Backlog?", "type": "multiple_choice",
     "options": ["The Scrum Master", "The Product Owner", "The Development Team", "The stakeholders"],
     "correct": 1,
     "explanation": "The Product Owner orders the Product Backlog and is accountable for it."},
    {"id": "q2", "question": "How long is the Daily Scrum?", "type": "multiple_choice",
     "options": ["15 minutes", "30 minutes", "One hour", "As long as needed"], "correct": 0,
     "explanation": "The Daily Scrum is time-boxed to 15 minutes."},
    {"id": "q3", "question": "What happens at the end of every Sprint?", "type": "multiple_choice",
     "options": ["A release to production", "The Sprint Review and the Retrospective",
                 "A new Product Owner is chosen", "The backlog is frozen"], "correct": 1,
     "explanation": "Each Sprint ends with a Sprint Review (the product) and a Retrospective (the way of working)."},
    {"id": "q4", "question": "Who removes impediments for the team?", "type": "multiple_choice",
     "options": ["The Product Owner", "The Scrum Master", "The customer", "Nobody"], "correct": 1,
     "explanation": "The Scrum Master serves the team by causing impediments to be removed."}
]', '00000000-0000-4000-8000-000000000005'),
('assess-data-analysis-cert', 'Data Analysis Certification', 'Certifies data analysis with Python',
    'intermediate', 20, 70, 1, 'never', 'one_per_page', 'skill-data-analysis', 2, '[
    {"id": "q1", "question": "Which pandas method gives summary statistics of numeric columns?",
     "type": "multiple_choice", "options": ["df.info()", "df.describe()", "df.head()", "df.stats()"],
     "correct": 1,
     "explanation": "describe() reports count, mean, std, min, quartiles and max."},
    {"id": "q2", "question": "Which chart suits the distribution of one numeric variable?",
     "type": "multiple_choice", "options": ["Pie chart", "Histogram", "Line chart", "Scatter plot"],
     "correct": 1, "explanation": "A histogram shows how values are distributed over bins."},
    {"id": "q3", "question": "The median is preferred to the mean when the data...",
     "type": "multiple_choice",
     "options": ["has outliers or is skewed", "is normally distributed", "is categorical",
                 "has no missing values"], "correct": 0,
     "explanation": "The median is robust to outliers; the mean is pulled towards them."},
    {"id": "q4", "question": "What does df.dropna() do by default?", "type": "multiple_choice",
     "options": ["Drops columns with any NaN", "Drops rows with any NaN", "Fills NaN with 0",
                 "Drops duplicate rows"], "correct": 1,
     "explanation": "dropna() removes rows containing at least one missing value (axis=0, how=any)."}
]', '00000000-0000-4000-8000-000000000006');

-- The past attempts of 003_activity: their answers and scores from the results.
SELECT cca_assessment_backfill();

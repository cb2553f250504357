-- 005_course_lessons: the lessons of the sample courses, in order (course_contents, 011), so
-- the Progress tab can say what comes next and the reader can roll reading up into a course.
-- No progress rows here: the sample progress of 003 stays as it is.

INSERT INTO course_contents (course_id, content_id, ordinal) VALUES
('course-python-fundamentals', 'content-course-python-fundamentals', 0),
('course-python-fundamentals', 'content-python-variables', 1),
('course-data-analysis-python', 'content-data-visualization', 0),
('course-ml-basics', 'content-ml-overview', 0),
('course-pm-fundamentals', 'content-project-planning', 0),
('course-agile-pm', 'content-scrum', 0),
('course-advanced-js', 'content-js-es6', 0),
('course-react', 'content-react-lifecycle', 0),
('course-database-design', 'content-skill-database-design', 0),
('course-database-design', 'content-db-normalization', 1);

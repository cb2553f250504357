-- the dimension typmod
CREATE TABLE tm (v vector(3));
INSERT INTO tm VALUES ('[1,2,3]');
INSERT INTO tm VALUES ('[1,2]');
INSERT INTO tm VALUES ('[1,2,3,4]');
INSERT INTO tm VALUES (ARRAY[4,5,6]);
INSERT INTO tm VALUES (ARRAY[4,5]::real[]);
UPDATE tm SET v = '[1,2]'::vector WHERE v = '[1,2,3]';
SELECT v FROM tm ORDER BY v;
SELECT '[1,2,3]'::vector(3), '[1,2,3]'::vector(2);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'tm'::regclass AND attname = 'v';
-- unconstrained vector columns take any dimension
CREATE TABLE tu (v vector);
INSERT INTO tu VALUES ('[1]'), ('[1,2,3,4,5]');
SELECT vector_dims(v) FROM tu ORDER BY 1;
-- invalid modifiers
CREATE TABLE tbad (v vector(0));
CREATE TABLE tbad (v vector(16001));
CREATE TABLE tbad (v vector(3,4));
SELECT '[1]'::vector(16000);
DROP TABLE tm, tu;

-- every input error has a clear message
SELECT '[1,2,3]'::vector(1536);
SELECT '[NaN,1]'::vector;
SELECT '[1,nan]'::vector;
SELECT '[Infinity]'::vector;
SELECT '[-inf,1]'::vector;
SELECT '[]'::vector;
SELECT '[ ]'::vector;
SELECT ''::vector;
SELECT '1,2,3'::vector;
SELECT '[1,2,3'::vector;
SELECT '[1,,2]'::vector;
SELECT '[1,2,]'::vector;
SELECT '[,1]'::vector;
SELECT '[1 2]'::vector;
SELECT '[1,abc]'::vector;
SELECT '[1,2]x'::vector;
SELECT '[1,2] ]'::vector;
SELECT '[1e39]'::vector;
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector;
-- different dimensions in operators and functions
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT l2_distance('[1]'::vector, '[1,2]');
SELECT '[1,2]'::vector + '[1]';
-- binary input is checked as strictly as text: hand-made binary COPY payloads
-- (header, one tuple of one field: int32 length, int16 dim, int16 unused, floats; trailer)
CREATE TABLE rb (v vector);
-- good: dim 2, [1, 2]
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\14\0\2\0\0\77\200\0\0\100\0\0\0\377\377"' WITH (FORMAT binary);
SELECT v FROM rb;
-- dim 2 but one float of data
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\10\0\2\0\0\77\200\0\0\377\377"' WITH (FORMAT binary);
-- dim 0
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\4\0\0\0\0\377\377"' WITH (FORMAT binary);
-- dim -1 (0xffff)
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\4\377\377\0\0\377\377"' WITH (FORMAT binary);
-- unused not 0
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\10\0\1\0\7\77\200\0\0\377\377"' WITH (FORMAT binary);
-- NaN (0x7fc00000)
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\10\0\1\0\0\177\300\0\0\377\377"' WITH (FORMAT binary);
-- +Infinity (0x7f800000)
COPY rb FROM PROGRAM 'printf "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\10\0\1\0\0\177\200\0\0\377\377"' WITH (FORMAT binary);
SELECT count(*) FROM rb;
DROP TABLE rb;

-- casts between vector and arrays
SELECT ARRAY[1,2,3]::vector;
SELECT ARRAY[1.5,2.25,-3]::real[]::vector;
SELECT ARRAY[1.5,2.25,-3]::double precision[]::vector;
SELECT ARRAY[1.5,2.25,-3]::numeric[]::vector;
SELECT '[1.5,2.25,-3]'::vector::real[];
SELECT '[0.1]'::vector::real[] = ARRAY[0.1::real] AS exact;
-- round trip of a real[] through vector
SELECT a::vector::real[] = a AS same
  FROM (SELECT ARRAY[0.1, -7.25, 1e-30, 3.4e38]::real[] AS a) s;
-- typmod applies to array casts too
SELECT ARRAY[1,2,3]::vector(3);
SELECT ARRAY[1,2,3]::vector(2);
-- errors
SELECT ARRAY[]::real[]::vector;
SELECT ARRAY[1,NULL,3]::real[]::vector;
SELECT ARRAY[[1,2],[3,4]]::real[]::vector;
SELECT ARRAY['NaN']::real[]::vector;
SELECT ARRAY['Infinity']::double precision[]::vector;
-- a double beyond float's range becomes infinite, which vector refuses
SELECT ARRAY[1e300]::double precision[]::vector;
SELECT ARRAY[1e39]::numeric[]::vector;
SELECT array_fill(1::real, ARRAY[16001])::vector;
-- vector to vector keeps the value
SELECT '[1,2]'::vector::vector;

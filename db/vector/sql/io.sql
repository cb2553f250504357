-- text input and output
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , -2.5 ,3e2 ] '::vector;
SELECT '[1.5,-2e-07,3.14159,0.1,100000000,1e-45]'::vector;
SELECT '[-0]'::vector;
-- below float's smallest subnormal: rounds to a signed zero, as float4 input does (not an error)
SELECT '[1e-50,-1e-46,1e-40]'::vector;
-- shortest round trip: the printed text reads back to the same floats
SELECT v::text::vector = v AS same
  FROM (SELECT '[0.1,0.2,0.3,0.333333343,1.17549435e-38,3.40282347e38]'::vector AS v) s;
SELECT '[0.1,0.2,0.3,0.333333343,1.17549435e-38,3.40282347e38]'::vector;
-- elements print as real does
SELECT '[0.7,1e-07,123456.79]'::vector::text = '[' || array_to_string(ARRAY[0.7,1e-07,123456.79]::real[], ',') || ']' AS like_real;
-- the binary format: int16 dim, int16 unused, float4 big-endian values
SELECT encode(vector_send('[1,2,3]'), 'hex') AS wire;
-- NULL handling: the functions are strict
SELECT NULL::vector, vector_dims(NULL::vector), l2_distance('[1]'::vector, NULL);
-- dimensions
SELECT vector_dims('[1,2,3]'::vector), vector_dims(array_fill(1.0::real, ARRAY[16000])::vector);

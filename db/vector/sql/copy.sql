-- binary COPY round trip (vector_send/vector_recv) and text COPY
CREATE TABLE cp (id int, v vector(3));
INSERT INTO cp VALUES (1, '[1,2,3]'), (2, '[-0.1,1e-07,3.4028235e38]'), (3, NULL);
-- the files live in the test cluster's data directory, private to it
SELECT current_setting('data_directory') || '/cca_vector_regress_copy.bin' AS binfile \gset
COPY cp TO :'binfile' WITH (FORMAT binary);
CREATE TABLE cp2 (id int, v vector(3));
COPY cp2 FROM :'binfile' WITH (FORMAT binary);
SELECT a.id, a.v, a.v = b.v AS same FROM cp a JOIN cp2 b USING (id) ORDER BY id;
-- the typmod is enforced on binary input
CREATE TABLE cp4 (id int, v vector(4));
COPY cp4 FROM :'binfile' WITH (FORMAT binary);
-- text COPY
SELECT current_setting('data_directory') || '/cca_vector_regress_copy.txt' AS txtfile \gset
COPY cp TO :'txtfile';
CREATE TABLE cp3 (id int, v vector(3));
COPY cp3 FROM :'txtfile';
SELECT count(*) FROM cp a JOIN cp3 b USING (id) WHERE a.v = b.v;
-- the wire format (bad binary input is in errors.sql)
SELECT encode(vector_send('[1,-2]'), 'hex') AS wire;
DROP TABLE cp, cp2, cp3, cp4;

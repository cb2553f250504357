/*
 * cca_bit: pgvector's distances between bit strings, for binary-quantized vectors.
 *
 *   hamming_distance(bit, bit)  <~>   the number of differing bits
 *   jaccard_distance(bit, bit)  <%>   1 - |a AND b| / |a OR b|, 1 when neither has a bit set
 *
 * Both need strings of the same length and return float8. A binary_quantize(embedding) of
 * 1536 dimensions is 192 bytes, a 32nd of the vector: the usual use is a cheap first pass
 * (ORDER BY binary_quantize(embedding)::bit(1536) <~> binary_quantize(q) LIMIT k * 10)
 * followed by an exact rerank of those candidates.
 */
#include "cca_vector.h"

#include "cca_vector_dist.h"

static void
bit_check_same_length(const VarBit *a, const VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

PG_FUNCTION_INFO_V1(hamming_distance);
Datum
hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	bit_check_same_length(a, b);
	/* PostgreSQL keeps the pad bits of the last byte zero */
	PG_RETURN_FLOAT8((double) cca_bit_hamming(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
}

PG_FUNCTION_INFO_V1(jaccard_distance);
Datum
jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	uint64		both;
	uint64		either;

	bit_check_same_length(a, b);
	cca_bit_jaccard_counts(VARBITS(a), VARBITS(b), VARBITBYTES(a), &both, &either);
	if (either == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 - (double) both / (double) either);
}

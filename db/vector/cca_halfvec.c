/*
 * cca_halfvec: the pgvector-compatible `halfvec` type, vectors of IEEE half-precision floats.
 *
 * Half the bytes of vector (2 per element): a 1536-dimension halfvec is 3080 bytes, so an
 * exact scan reads half as much. Range +-65504, 11 significant bits (about 3 decimal
 * digits): values are rounded to nearest (ties to even) on the way in, a magnitude of 65520
 * or more is out of range, and a tiny value becomes a signed zero. Elements print as the
 * float they widen to ([1.23456] reads back as [1.234375]).
 *
 * Arithmetic is done in float and rounded to half, distances and norms in double (the
 * products of two halves are exact), with the kernels of cca_vector_dist.c.
 *
 * On-disk layout: varlena header, int16 dim, int16 unused (always 0), binary16[dim].
 * Binary form: int16 dim, int16 0, then each element's 16 bits, big-endian.
 */
#include "cca_vector.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "cca_half.h"
#include "cca_vector_dist.h"

#define PG_RETURN_HALFVEC_P(v) PG_RETURN_POINTER(v)

struct halfvec *
halfvec_alloc(int dim)
{
	size_t		size = HALFVEC_SIZE(dim);
	struct halfvec *v = (struct halfvec *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

/* a finite float to half: "out of range" when it would round to infinity */
static uint16
half_from_float(float f)
{
	if (fabsf(f) >= CCA_HALF_OVERFLOW)
	{
		char		text[FLOAT_SHORTEST_DECIMAL_LEN];

		float_to_shortest_decimal_buf(f, text);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type halfvec", text)));
	}
	return cca_float_to_half(f);
}

static struct halfvec *
halfvec_from_floats(const float *values, int dim)
{
	struct halfvec *result = halfvec_alloc(dim);

	for (int i = 0; i < dim; i++)
		result->x[i] = half_from_float(values[i]);
	return result;
}

/* ---- IO -------------------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(halfvec_in);
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *values = cca_parse_elements(input, "halfvec", CCA_HALF_OVERFLOW, &dim);
	struct halfvec *result;

	cca_check_typmod(dim, typmod);
	result = halfvec_from_floats(values, dim);
	pfree(values);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_out);
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	size_t		cap = 2 + (size_t) v->dim * FLOAT_SHORTEST_DECIMAL_LEN + 1;
	char	   *out = palloc(cap);
	char	   *p = out;

	*p++ = '[';
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += cca_format_float(cca_half_to_float(v->x[i]), p);
	}
	*p++ = ']';
	*p = '\0';
	Assert((size_t) (p - out) < cap);
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(halfvec_typmod_in);
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cca_typmod_in(PG_GETARG_ARRAYTYPE_P(0), "halfvec"));
}

/* halfvec(halfvec, integer, boolean): the length coercion applied on assignment */
PG_FUNCTION_INFO_V1(halfvec_coerce);
Datum
halfvec_coerce(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);

	cca_check_typmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_HALFVEC_P(v);
}

PG_FUNCTION_INFO_V1(halfvec_recv);
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int			unused = pq_getmsgint(buf, sizeof(int16));
	struct halfvec *result;

	cca_check_dim_range("halfvec", dim);
	cca_check_typmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("expected unused to be 0, not %d", unused)));
	if ((size_t) (buf->len - buf->cursor) != sizeof(uint16) * (size_t) dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("halfvec binary data has %d bytes for %d dimensions",
						buf->len - buf->cursor, dim)));

	result = halfvec_alloc(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (uint16) pq_getmsgint(buf, sizeof(uint16));
		cca_check_element("halfvec", cca_half_to_float(result->x[i]));
	}
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_send);
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendint16(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- casts ------------------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(array_to_halfvec);
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	int			n;
	float	   *values = cca_array_to_floats(PG_GETARG_ARRAYTYPE_P(0), "halfvec", &n);
	struct halfvec *result;

	cca_check_typmod(n, PG_GETARG_INT32(1));
	result = halfvec_from_floats(values, n);
	pfree(values);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_to_float4);
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);
	ArrayType  *result;

	for (int i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(cca_half_to_float(v->x[i]));
	result = construct_array(elems, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
	pfree(elems);
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(vector_to_halfvec);
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);

	cca_check_typmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_HALFVEC_P(halfvec_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(halfvec_to_vector);
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	struct vector *result;

	cca_check_typmod(v->dim, PG_GETARG_INT32(1));
	result = vector_alloc(v->dim);
	for (int i = 0; i < v->dim; i++)
		result->x[i] = cca_half_to_float(v->x[i]);
	PG_RETURN_POINTER(result);
}

/* ---- distances ---------------------------------------------------------------------------- */

#define HALFVEC_PAIR(a, b) \
	struct halfvec *a = PG_GETARG_HALFVEC_P(0); \
	struct halfvec *b = PG_GETARG_HALFVEC_P(1); \
	cca_check_same_dims("halfvec", a->dim, b->dim)

PG_FUNCTION_INFO_V1(halfvec_l2_distance);
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_PAIR(a, b);
	PG_RETURN_FLOAT8(sqrt(cca_halfvec_l2_squared(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(halfvec_l2_squared_distance);
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_PAIR(a, b);
	PG_RETURN_FLOAT8(cca_halfvec_l2_squared(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_inner_product);
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HALFVEC_PAIR(a, b);
	PG_RETURN_FLOAT8(cca_halfvec_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_negative_inner_product);
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HALFVEC_PAIR(a, b);
	PG_RETURN_FLOAT8(-cca_halfvec_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(halfvec_cosine_distance);
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	struct cca_vector_sums s;

	HALFVEC_PAIR(a, b);
	cca_halfvec_cosine_sums(a->x, b->x, a->dim, &s);
	PG_RETURN_FLOAT8(cca_cosine_distance(&s));
}

PG_FUNCTION_INFO_V1(halfvec_l1_distance);
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HALFVEC_PAIR(a, b);
	PG_RETURN_FLOAT8(cca_halfvec_l1(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(cca_halfvec_kernel);
Datum
cca_halfvec_kernel(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(cca_halfvec_kernel_name()));
}

/* ---- functions on one halfvec ---------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(halfvec_vector_dims);
Datum
halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim);
}

PG_FUNCTION_INFO_V1(halfvec_l2_norm);
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_FLOAT8(sqrt(cca_halfvec_dot(v->x, v->x, v->dim)));
}

PG_FUNCTION_INFO_V1(halfvec_l2_normalize);
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	struct halfvec *result = halfvec_alloc(v->dim);
	double		norm = sqrt(cca_halfvec_dot(v->x, v->x, v->dim));

	/* the zero vector normalizes to itself; |x / norm| <= 1 cannot overflow */
	if (norm > 0.0)
		for (int i = 0; i < v->dim; i++)
			result->x[i] = cca_float_to_half((float) (cca_half_to_float(v->x[i]) / norm));
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_subvector);
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	int			first;
	int			n;
	struct halfvec *result;

	cca_subvector_range("halfvec", v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first,
						&n);
	result = halfvec_alloc(n);
	memcpy(result->x, v->x + first, sizeof(uint16) * n);
	PG_RETURN_HALFVEC_P(result);
}

/* bit i is 1 where v[i] > 0: the sign bit clear and not +0 */
PG_FUNCTION_INFO_V1(halfvec_binary_quantize);
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(0);
	VarBit	   *result = cca_bit_alloc(v->dim);

	cca_halfvec_binary_quantize(v->x, v->dim, VARBITS(result));
	PG_RETURN_VARBIT_P(result);
}

/* ---- arithmetic: in float, rounded to half ----------------------------------------------- */

enum halfvec_arith { HALFVEC_ADD, HALFVEC_SUB, HALFVEC_MUL };

static Datum
halfvec_arith(FunctionCallInfo fcinfo, enum halfvec_arith op)
{
	struct halfvec *result;

	HALFVEC_PAIR(a, b);
	result = halfvec_alloc(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		float		x = cca_half_to_float(a->x[i]);
		float		y = cca_half_to_float(b->x[i]);
		float		r = 0;

		switch (op)
		{
			case HALFVEC_ADD:
				r = x + y;
				break;
			case HALFVEC_SUB:
				r = x - y;
				break;
			case HALFVEC_MUL:
				r = x * y;
				break;
		}
		if (fabsf(r) >= CCA_HALF_OVERFLOW)
			cca_overflow_error();
		result->x[i] = cca_float_to_half(r);
		/* a product too small for half (below its smallest subnormal): zero */
		if (op == HALFVEC_MUL && (result->x[i] & 0x7fff) == 0 && x != 0 && y != 0)
			cca_underflow_error();
	}
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_add);
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALFVEC_ADD);
}

PG_FUNCTION_INFO_V1(halfvec_sub);
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALFVEC_SUB);
}

PG_FUNCTION_INFO_V1(halfvec_mul);
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HALFVEC_MUL);
}

PG_FUNCTION_INFO_V1(halfvec_concat);
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	struct halfvec *a = PG_GETARG_HALFVEC_P(0);
	struct halfvec *b = PG_GETARG_HALFVEC_P(1);
	struct halfvec *result;

	cca_check_dim_range("halfvec", a->dim + b->dim);
	result = halfvec_alloc(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* ---- avg (the state is vector's; halfvec_combine is in cca_vector.c) ------------------------ */

PG_FUNCTION_INFO_V1(halfvec_accum);
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	struct halfvec *v = PG_GETARG_HALFVEC_P(1);
	float	   *x = palloc(sizeof(float) * v->dim);
	ArrayType  *result;

	for (int i = 0; i < v->dim; i++)
		x[i] = cca_half_to_float(v->x[i]);
	result = cca_agg_accum(fcinfo, "halfvec_accum", x, v->dim);
	pfree(x);
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(halfvec_avg);
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	float	   *mean;
	int			dim;
	struct halfvec *result;

	if (!cca_agg_mean(PG_GETARG_ARRAYTYPE_P(0), "halfvec_avg", "halfvec", &mean, &dim))
		PG_RETURN_NULL();
	for (int i = 0; i < dim; i++)
		cca_check_element("halfvec", mean[i]);
	result = halfvec_from_floats(mean, dim);
	pfree(mean);
	PG_RETURN_HALFVEC_P(result);
}

/* ---- comparison (btree) ------------------------------------------------------------------- */

/* as vector: element by element (as floats: -0 = 0), then the shorter one first */
static int
halfvec_compare(const struct halfvec *a, const struct halfvec *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = cca_half_to_float(a->x[i]);
		float		y = cca_half_to_float(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

PG_FUNCTION_INFO_V1(halfvec_cmp);
Datum
halfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(halfvec_compare(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1)));
}

#define HALFVEC_CMP_FN(name, test) \
	PG_FUNCTION_INFO_V1(name); \
	Datum \
	name(PG_FUNCTION_ARGS) \
	{ \
		int c = halfvec_compare(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1)); \
		PG_RETURN_BOOL(test); \
	}

HALFVEC_CMP_FN(halfvec_lt, c < 0)
HALFVEC_CMP_FN(halfvec_le, c <= 0)
HALFVEC_CMP_FN(halfvec_eq, c == 0)
HALFVEC_CMP_FN(halfvec_ne, c != 0)
HALFVEC_CMP_FN(halfvec_ge, c >= 0)
HALFVEC_CMP_FN(halfvec_gt, c > 0)

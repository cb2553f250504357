/*
 * cca_vector: a pgvector-compatible `vector` type for PostgreSQL, written for CCA.
 *
 * Same SQL surface as pgvector for what CCA uses: type vector(n), text and binary IO,
 * casts with arrays, the distance operators <-> <#> <=> and their functions, norms,
 * arithmetic and a btree opclass. Exact search only (no index access method).
 *
 * On-disk layout: varlena header, int16 dim, int16 unused (always 0), float4[dim].
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "cca_vector_dist.h"

PG_MODULE_MAGIC;

#define VECTOR_MAX_DIM 16000

struct vector {
	int32 vl_len_;		/* varlena header: never touch directly */
	int16 dim;
	int16 unused;
	float x[FLEXIBLE_ARRAY_MEMBER];
};

#define VECTOR_SIZE(dim) (offsetof(struct vector, x) + sizeof(float) * (size_t) (dim))
#define DatumGetVector(d) ((struct vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(v) PG_RETURN_POINTER(v)

static struct vector *
vector_alloc(int dim)
{
	size_t size = VECTOR_SIZE(dim);
	struct vector *v = (struct vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

static void
vector_check_dim_range(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));
	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions", VECTOR_MAX_DIM)));
}

static void
vector_check_typmod(int dim, int32 typmod)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

static void
vector_check_element(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in vector")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in vector")));
}

static void
vector_check_same_dims(const struct vector *a, const struct vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a->dim, b->dim)));
}

static inline bool
vector_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void
vector_syntax_error(const char *input, const char *detail) pg_attribute_noreturn();

static void
vector_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type vector: \"%s\"", input),
			 errdetail("%s", detail)));
}

/* ---- text IO ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *p = input;
	int			capacity = 16;
	int			dim = 0;
	float	   *values = palloc(sizeof(float) * capacity);
	struct vector *result;

	while (vector_is_space(*p))
		p++;
	if (*p != '[')
		vector_syntax_error(input, "Vector contents must start with \"[\".");
	p++;
	while (vector_is_space(*p))
		p++;
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));

	for (;;)
	{
		char	   *end;
		float		value;

		while (vector_is_space(*p))
			p++;
		/* strtof would skip leading spaces and accept an empty string as an error only
		 * through end == p; reject anything that is not the start of a number here. */
		if (*p == '\0' || *p == ',' || *p == ']')
			vector_syntax_error(input, "Expected a number.");
		if (dim == VECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("vector cannot have more than %d dimensions", VECTOR_MAX_DIM)));

		errno = 0;
		value = strtof(p, &end);
		if (end == p)
			vector_syntax_error(input, "Expected a number.");
		if (errno == ERANGE && (value == 0.0f || isinf(value)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type vector",
							pnstrdup(p, end - p))));
		vector_check_element(value);

		if (dim == capacity)
		{
			capacity *= 2;
			values = repalloc(values, sizeof(float) * capacity);
		}
		values[dim++] = value;

		p = end;
		while (vector_is_space(*p))
			p++;
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ']')
		{
			p++;
			break;
		}
		if (*p == '\0')
			vector_syntax_error(input, "Unexpected end of input.");
		vector_syntax_error(input, "Expected \",\" or \"]\".");
	}

	while (vector_is_space(*p))
		p++;
	if (*p != '\0')
		vector_syntax_error(input, "Junk after closing right bracket.");

	vector_check_typmod(dim, typmod);

	result = vector_alloc(dim);
	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	/* '[' + dim numbers of at most FLOAT_SHORTEST_DECIMAL_LEN - 1 chars, separators, ']' */
	size_t		cap = 2 + (size_t) v->dim * FLOAT_SHORTEST_DECIMAL_LEN + 1;
	char	   *out = palloc(cap);
	char	   *p = out;

	*p++ = '[';
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(v->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	Assert((size_t) (p - out) < cap);
	PG_RETURN_CSTRING(out);
}

/* ---- typmod -------------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier")));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector must be at least 1")));
	if (mods[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector cannot exceed %d", VECTOR_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
}

/* vector(vector, integer, boolean): the length coercion applied on assignment */
PG_FUNCTION_INFO_V1(vector_coerce);
Datum
vector_coerce(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	vector_check_typmod(v->dim, typmod);
	PG_RETURN_VECTOR_P(v);
}

/* ---- binary IO ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			unused;
	struct vector *result;

	dim = pq_getmsgint(buf, sizeof(int16));
	unused = pq_getmsgint(buf, sizeof(int16));
	/* pq_getmsgint returns the int16 zero-extended: reinterpret it as signed */
	dim = (int16) dim;
	vector_check_dim_range(dim);
	vector_check_typmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("expected unused to be 0, not %d", unused)));
	/* the remaining bytes bound the dimension: never trust the header alone */
	if ((size_t) (buf->len - buf->cursor) != sizeof(float) * (size_t) dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("vector binary data has %d bytes for %d dimensions",
						buf->len - buf->cursor, dim)));

	result = vector_alloc(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		vector_check_element(result->x[i]);
	}
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- casts ---------------------------------------------------------------------------- */

/* array_to_vector(anyarray of int4/float4/float8/numeric, integer, boolean) */
PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	struct vector *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));
	if (elemtype != INT4OID && elemtype != FLOAT4OID && elemtype != FLOAT8OID &&
		elemtype != NUMERICOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported array element type %s", format_type_be(elemtype))));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	vector_check_dim_range(n);
	vector_check_typmod(n, typmod);

	result = vector_alloc(n);
	for (int i = 0; i < n; i++)
	{
		float		value;

		switch (elemtype)
		{
			case INT4OID:
				value = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				value = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				{
					double		d = DatumGetFloat8(elems[i]);

					value = (float) d;
					if (isinf(value) && !isinf(d))
						ereport(ERROR,
								(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
								 errmsg("value out of range: overflow")));
					break;
				}
			default:			/* NUMERICOID */
				value = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
				break;
		}
		vector_check_element(value);
		result->x[i] = value;
	}
	pfree(elems);
	pfree(nulls);
	PG_RETURN_VECTOR_P(result);
}

/* vector_to_float4(vector, integer, boolean) -> real[] */
PG_FUNCTION_INFO_V1(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);
	ArrayType  *result;

	for (int i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(v->x[i]);
	result = construct_array(elems, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
	pfree(elems);
	PG_RETURN_POINTER(result);
}

/* ---- distances ----------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(l2_distance);
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	vector_check_same_dims(a, b);
	PG_RETURN_FLOAT8(sqrt(cca_vector_l2_squared(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	vector_check_same_dims(a, b);
	PG_RETURN_FLOAT8(cca_vector_l2_squared(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	vector_check_same_dims(a, b);
	PG_RETURN_FLOAT8(cca_vector_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	vector_check_same_dims(a, b);
	PG_RETURN_FLOAT8(-cca_vector_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);
	struct cca_vector_sums s;
	double		similarity;

	vector_check_same_dims(a, b);
	cca_vector_cosine_sums(a->x, b->x, a->dim, &s);
	/* a zero vector has no direction: the distance is undefined */
	if (s.norm_a == 0.0 || s.norm_b == 0.0)
		PG_RETURN_FLOAT8(get_float8_nan());
	similarity = s.dot / sqrt(s.norm_a * s.norm_b);
	/* rounding can push |similarity| just past 1 */
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	PG_RETURN_FLOAT8(1.0 - similarity);
}

PG_FUNCTION_INFO_V1(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	vector_check_same_dims(a, b);
	PG_RETURN_FLOAT8(cca_vector_l1(a->x, b->x, a->dim));
}

/* ---- functions on one vector ------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(v->dim);
}

PG_FUNCTION_INFO_V1(vector_norm);
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_FLOAT8(sqrt(cca_vector_dot(v->x, v->x, v->dim)));
}

PG_FUNCTION_INFO_V1(l2_normalize);
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	struct vector *result = vector_alloc(v->dim);
	double		norm = sqrt(cca_vector_dot(v->x, v->x, v->dim));

	/* the zero vector normalizes to itself, as in pgvector */
	if (norm > 0.0)
	{
		for (int i = 0; i < v->dim; i++)
			result->x[i] = (float) (v->x[i] / norm);
		for (int i = 0; i < v->dim; i++)
			vector_check_element(result->x[i]);
	}
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(cca_vector_kernel);
Datum
cca_vector_kernel(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(cca_vector_kernel_name()));
}

/* ---- arithmetic ------------------------------------------------------------------------- */

enum vector_arith { VECTOR_ADD, VECTOR_SUB, VECTOR_MUL };

static Datum
vector_arith(FunctionCallInfo fcinfo, enum vector_arith op)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);
	struct vector *result;

	vector_check_same_dims(a, b);
	result = vector_alloc(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		switch (op)
		{
			case VECTOR_ADD:
				result->x[i] = a->x[i] + b->x[i];
				break;
			case VECTOR_SUB:
				result->x[i] = a->x[i] - b->x[i];
				break;
			case VECTOR_MUL:
				result->x[i] = a->x[i] * b->x[i];
				break;
		}
		if (isinf(result->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
	}
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(vector_add);
Datum
vector_add(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, VECTOR_ADD);
}

PG_FUNCTION_INFO_V1(vector_sub);
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, VECTOR_SUB);
}

PG_FUNCTION_INFO_V1(vector_mul);
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, VECTOR_MUL);
}

/* ---- comparison (btree) ----------------------------------------------------------------- */

/* Element by element, then the shorter vector first: a total order, like pgvector. */
static int
vector_compare(const struct vector *a, const struct vector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

PG_FUNCTION_INFO_V1(vector_cmp);
Datum
vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(vector_compare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)));
}

#define VECTOR_CMP_FN(name, test) \
	PG_FUNCTION_INFO_V1(name); \
	Datum \
	name(PG_FUNCTION_ARGS) \
	{ \
		int c = vector_compare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)); \
		PG_RETURN_BOOL(test); \
	}

VECTOR_CMP_FN(vector_lt, c < 0)
VECTOR_CMP_FN(vector_le, c <= 0)
VECTOR_CMP_FN(vector_eq, c == 0)
VECTOR_CMP_FN(vector_ne, c != 0)
VECTOR_CMP_FN(vector_ge, c >= 0)
VECTOR_CMP_FN(vector_gt, c > 0)

/*
 * cca_vector: a pgvector-compatible `vector` type for PostgreSQL, written for CCA.
 *
 * Same SQL surface as pgvector for the dense types: type vector(n), text and binary IO, casts
 * with arrays, the distance operators <-> <#> <=> <+> and their functions, norms, arithmetic,
 * concatenation, subvector, binary_quantize, sum and avg, and a btree opclass. Exact search
 * only (no index access method). halfvec is in cca_halfvec.c, the bit distances in cca_bit.c;
 * this file also holds the helpers they share (cca_vector.h).
 *
 * On-disk layout: varlena header, int16 dim, int16 unused (always 0), float4[dim].
 */
#include "cca_vector.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "cca_vector_dist.h"

PG_MODULE_MAGIC;

#define PG_RETURN_VECTOR_P(v) PG_RETURN_POINTER(v)

struct vector *
vector_alloc(int dim)
{
	size_t		size = VECTOR_SIZE(dim);
	struct vector *v = (struct vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = (int16) dim;
	return v;
}

/* ---- checks shared by the types ------------------------------------------------------------ */

void
cca_check_dim_range(const char *type, int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type)));
	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", type, VECTOR_MAX_DIM)));
}

void
cca_check_typmod(int dim, int32 typmod)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void
cca_check_element(const char *type, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", type)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", type)));
}

void
cca_check_same_dims(const char *type, int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different %s dimensions %d and %d", type, a, b)));
}

void
cca_overflow_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: overflow")));
}

void
cca_underflow_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: underflow")));
}

/* ---- text IO ---------------------------------------------------------------------- */

static inline bool
vector_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void
vector_syntax_error(const char *type, const char *input, const char *detail)
pg_attribute_noreturn();

static void
vector_syntax_error(const char *type, const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type, input),
			 errdetail("%s", detail)));
}

float *
cca_parse_elements(const char *input, const char *type, float out_of_range, int *dim_out)
{
	const char *p = input;
	int			capacity = 16;
	int			dim = 0;
	float	   *values = palloc(sizeof(float) * capacity);

	while (vector_is_space(*p))
		p++;
	if (*p != '[')
		vector_syntax_error(type, input, "Vector contents must start with \"[\".");
	p++;
	while (vector_is_space(*p))
		p++;
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type)));

	for (;;)
	{
		char	   *end;
		float		value;

		while (vector_is_space(*p))
			p++;
		/* strtof would skip leading spaces and accept an empty string as an error only
		 * through end == p; reject anything that is not the start of a number here. */
		if (*p == '\0' || *p == ',' || *p == ']')
			vector_syntax_error(type, input, "Expected a number.");
		if (dim == VECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot have more than %d dimensions", type, VECTOR_MAX_DIM)));

		errno = 0;
		value = strtof(p, &end);
		if (end == p)
			vector_syntax_error(type, input, "Expected a number.");
		/* overflow is an error; underflow gives the nearest float (a subnormal or +-0) */
		if ((errno == ERANGE && isinf(value)) ||
			(!isnan(value) && !isinf(value) && fabsf(value) >= out_of_range))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type %s", pnstrdup(p, end - p), type)));
		cca_check_element(type, value);

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
			vector_syntax_error(type, input, "Unexpected end of input.");
		vector_syntax_error(type, input, "Expected \",\" or \"]\".");
	}

	while (vector_is_space(*p))
		p++;
	if (*p != '\0')
		vector_syntax_error(type, input, "Junk after closing right bracket.");
	*dim_out = dim;
	return values;
}

int
cca_format_float(float f, char *out)
{
	return float_to_shortest_decimal_bufn(f, out);
}

PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *values = cca_parse_elements(input, "vector", INFINITY, &dim);
	struct vector *result;

	cca_check_typmod(dim, typmod);
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
		p += cca_format_float(v->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	Assert((size_t) (p - out) < cap);
	PG_RETURN_CSTRING(out);
}

/* ---- typmod -------------------------------------------------------------------------- */

int32
cca_typmod_in(ArrayType *ta, const char *type)
{
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
				 errmsg("dimensions for type %s must be at least 1", type)));
	if (mods[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", type, VECTOR_MAX_DIM)));
	return mods[0];
}

PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cca_typmod_in(PG_GETARG_ARRAYTYPE_P(0), "vector"));
}

/* vector(vector, integer, boolean): the length coercion applied on assignment */
PG_FUNCTION_INFO_V1(vector_coerce);
Datum
vector_coerce(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	cca_check_typmod(v->dim, typmod);
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
	cca_check_dim_range("vector", dim);
	cca_check_typmod(dim, typmod);
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
		cca_check_element("vector", result->x[i]);
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

float *
cca_array_to_floats(ArrayType *array, const char *type, int *count)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	float	   *values;

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
	cca_check_dim_range(type, n);

	values = palloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				values[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				values[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				/* beyond float's range: infinite, which the check below refuses */
				values[i] = (float) DatumGetFloat8(elems[i]);
				break;
			default:			/* NUMERICOID */
				values[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
				break;
		}
		cca_check_element(type, values[i]);
	}
	pfree(elems);
	pfree(nulls);
	*count = n;
	return values;
}

/* array_to_vector(anyarray of int4/float4/float8/numeric, integer, boolean) */
PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	int			n;
	float	   *values = cca_array_to_floats(PG_GETARG_ARRAYTYPE_P(0), "vector", &n);
	struct vector *result;

	cca_check_typmod(n, PG_GETARG_INT32(1));
	result = vector_alloc(n);
	memcpy(result->x, values, sizeof(float) * n);
	pfree(values);
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

	cca_check_same_dims("vector", a->dim, b->dim);
	PG_RETURN_FLOAT8(sqrt(cca_float_range(cca_vector_l2_squared(a->x, b->x, a->dim))));
}

PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	cca_check_same_dims("vector", a->dim, b->dim);
	PG_RETURN_FLOAT8(cca_float_range(cca_vector_l2_squared(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(inner_product);
Datum
inner_product(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	cca_check_same_dims("vector", a->dim, b->dim);
	PG_RETURN_FLOAT8(cca_float_range(cca_vector_dot(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(vector_negative_inner_product);
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	cca_check_same_dims("vector", a->dim, b->dim);
	PG_RETURN_FLOAT8(-cca_float_range(cca_vector_dot(a->x, b->x, a->dim)));
}

/* 1 - cos from the sums; shared with halfvec */
double
cca_cosine_distance(const struct cca_vector_sums *s)
{
	double		dot = cca_float_range(s->dot);
	double		na = cca_float_range(s->norm_a);
	double		nb = cca_float_range(s->norm_b);
	double		similarity;

	/* a zero vector has no direction: the distance is undefined */
	if (na == 0.0 || nb == 0.0)
		return get_float8_nan();
	/* an infinite sum (past float's range) gives NaN here, as in pgvector */
	similarity = dot / sqrt(na * nb);
	/* rounding can push |similarity| just past 1 */
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	return 1.0 - similarity;
}

PG_FUNCTION_INFO_V1(cosine_distance);
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);
	struct cca_vector_sums s;

	cca_check_same_dims("vector", a->dim, b->dim);
	cca_vector_cosine_sums(a->x, b->x, a->dim, &s);
	PG_RETURN_FLOAT8(cca_cosine_distance(&s));
}

PG_FUNCTION_INFO_V1(l1_distance);
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);

	cca_check_same_dims("vector", a->dim, b->dim);
	PG_RETURN_FLOAT8(cca_float_range(cca_vector_l1(a->x, b->x, a->dim)));
}

/* ---- functions on one vector ------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(v->dim);
}

/* the norm is computed in double throughout: [3e37,4e37] has the norm 5e37 */
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
			cca_check_element("vector", result->x[i]);
	}
	PG_RETURN_VECTOR_P(result);
}

void
cca_subvector_range(const char *type, int dim, int32 start, int32 count, int *first, int *n)
{
	/* in 64 bits: start + count must not wrap */
	int64		from = Max((int64) start, 1);
	int64		to = Min((int64) start + (int64) count, (int64) dim + 1);

	if (to <= from)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type)));
	*first = (int) (from - 1);
	*n = (int) (to - from);
}

/* subvector(v, start, count): count elements from the 1-based start, clipped to v */
PG_FUNCTION_INFO_V1(subvector);
Datum
subvector(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	int			first;
	int			n;
	struct vector *result;

	cca_subvector_range("vector", v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first, &n);
	result = vector_alloc(n);
	memcpy(result->x, v->x + first, sizeof(float) * n);
	PG_RETURN_VECTOR_P(result);
}

VarBit *
cca_bit_alloc(int nbits)
{
	int			size = VARBITTOTALLEN(nbits);
	VarBit	   *result = (VarBit *) palloc0(size);

	SET_VARSIZE(result, size);
	VARBITLEN(result) = nbits;
	return result;
}

/* binary_quantize(v): bit i is 1 where v[i] > 0 (most significant bit first) */
PG_FUNCTION_INFO_V1(binary_quantize);
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	VarBit	   *result = cca_bit_alloc(v->dim);

	cca_vector_binary_quantize(v->x, v->dim, VARBITS(result));
	PG_RETURN_VARBIT_P(result);
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

	cca_check_same_dims("vector", a->dim, b->dim);
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
				/* a product too small for float (not a subnormal: zero) */
				if (result->x[i] == 0 && a->x[i] != 0 && b->x[i] != 0)
					cca_underflow_error();
				break;
		}
		if (isinf(result->x[i]))
			cca_overflow_error();
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

/* a || b: the elements of a, then those of b */
PG_FUNCTION_INFO_V1(vector_concat);
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	struct vector *a = PG_GETARG_VECTOR_P(0);
	struct vector *b = PG_GETARG_VECTOR_P(1);
	struct vector *result;

	cca_check_dim_range("vector", a->dim + b->dim);
	result = vector_alloc(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* ---- avg (sum is vector_add) --------------------------------------------------------------- */

float8 *
cca_agg_state(ArrayType *state, const char *fn, int *len)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s: expected state array", fn)));
	*len = ARR_DIMS(state)[0];
	return (float8 *) ARR_DATA_PTR(state);
}

ArrayType *
cca_agg_state_build(const float8 *values, int len)
{
	Datum	   *elems = palloc(sizeof(Datum) * len);
	ArrayType  *result;

	for (int i = 0; i < len; i++)
		elems[i] = Float8GetDatum(values[i]);
	result = construct_array(elems, len, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							 TYPALIGN_DOUBLE);
	pfree(elems);
	return result;
}

/*
 * Adds one vector (dim floats) to the state {count, sums...}. The initial state '{0}' takes
 * the vector's dimensions. Called as an aggregate, it updates the state in place (the state
 * belongs to the aggregate), as float8_accum does.
 */
ArrayType *
cca_agg_accum(FunctionCallInfo fcinfo, const char *fn, const float *x, int dim)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			len;
	float8	   *sums = cca_agg_state(state, fn, &len);
	float8	   *out;
	ArrayType  *result = NULL;

	if (len > 1 && len - 1 != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", len - 1, dim)));
	if (len > 1 && AggCheckCallContext(fcinfo, NULL))
		out = sums;
	else
	{
		out = palloc0(sizeof(float8) * (dim + 1));
		out[0] = sums[0];
		if (len > 1)
			memcpy(out + 1, sums + 1, sizeof(float8) * dim);
	}
	out[0] += 1.0;
	for (int i = 0; i < dim; i++)
	{
		out[i + 1] += (float8) x[i];
		if (isinf(out[i + 1]))
			cca_overflow_error();
	}
	if (out == sums)
		result = state;
	else
	{
		result = cca_agg_state_build(out, dim + 1);
		pfree(out);
	}
	return result;
}

/*
 * Adds two states. A state with count 0 gives the other one unchanged. With is_strict (the
 * SQL functions vector_combine and halfvec_combine, as in pgvector) the result must have a
 * dimension, so two empty states are an error; the aggregates' own combine function
 * (cca_avg_combine) returns the empty state instead, so that a parallel avg() over no rows
 * is NULL rather than an error.
 */
static Datum
agg_combine(FunctionCallInfo fcinfo, const char *fn, bool is_strict)
{
	ArrayType  *state1 = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *state2 = PG_GETARG_ARRAYTYPE_P(1);
	int			len1;
	int			len2;
	float8	   *s1 = cca_agg_state(state1, fn, &len1);
	float8	   *s2 = cca_agg_state(state2, fn, &len2);
	ArrayType  *result;

	if (s1[0] == 0)
		result = cca_agg_state_build(s2, len2);
	else if (s2[0] == 0)
		result = cca_agg_state_build(s1, len1);
	else
	{
		float8	   *sum = palloc(sizeof(float8) * len1);

		if (len1 != len2)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("expected %d dimensions, not %d", len1 - 1, len2 - 1)));
		for (int i = 0; i < len1; i++)
		{
			sum[i] = s1[i] + s2[i];
			if (isinf(sum[i]))
				cca_overflow_error();
		}
		result = cca_agg_state_build(sum, len1);
		pfree(sum);
	}
	if (is_strict || ARR_DIMS(result)[0] > 1)
		cca_check_dim_range("vector", ARR_DIMS(result)[0] - 1);
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(vector_accum);
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(1);

	PG_RETURN_ARRAYTYPE_P(cca_agg_accum(fcinfo, "vector_accum", v->x, v->dim));
}

PG_FUNCTION_INFO_V1(vector_combine);
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, "vector_combine", true);
}

PG_FUNCTION_INFO_V1(halfvec_combine);
Datum
halfvec_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, "halfvec_combine", true);
}

PG_FUNCTION_INFO_V1(cca_avg_combine);
Datum
cca_avg_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, "cca_avg_combine", false);
}

/*
 * The mean as floats, or NULL (false) for a count of 0. The dimensions and every element are
 * checked for type.
 */
bool
cca_agg_mean(ArrayType *state, const char *fn, const char *type, float **mean, int *dim)
{
	int			len;
	float8	   *s = cca_agg_state(state, fn, &len);
	float	   *out;

	if (s[0] == 0)
		return false;
	cca_check_dim_range(type, len - 1);
	out = palloc(sizeof(float) * (len - 1));
	for (int i = 1; i < len; i++)
		out[i - 1] = (float) (s[i] / s[0]);
	*mean = out;
	*dim = len - 1;
	return true;
}

PG_FUNCTION_INFO_V1(vector_avg);
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	float	   *mean;
	int			dim;
	struct vector *result;

	if (!cca_agg_mean(PG_GETARG_ARRAYTYPE_P(0), "vector_avg", "vector", &mean, &dim))
		PG_RETURN_NULL();
	result = vector_alloc(dim);
	for (int i = 0; i < dim; i++)
	{
		cca_check_element("vector", mean[i]);
		result->x[i] = mean[i];
	}
	pfree(mean);
	PG_RETURN_VECTOR_P(result);
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

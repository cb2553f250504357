/*
 * cca_columns: a dimension-major ("columnar") int8 copy of unit vectors, and the approximate
 * inner products of a sparse query against it (extension version 1.2).
 *
 * The copy is made of column blocks: for one dimension d and a run of rows (positions pos0 ..
 * pos0 + len - 1), component d of every row's unit vector, quantised to int8 with one scale
 * per block (the block's largest magnitude maps to 127). A query reads only the blocks of the
 * dimensions where it is not zero, and adds q[d] * scale * value into one accumulator per
 * position: the inner product of the query with each row's unit vector, over the query's
 * non-zero dimensions (the others add nothing), up to the quantisation. The positions with
 * the largest sums are the candidates that the caller ranks again with the exact distance.
 *
 *   cca_nonzero_dims(vector) -> int4[]          the 1-based dimensions that are not 0
 *   cca_top_dims(vector, share) -> int4[]       the fewest dimensions of largest magnitude (ties:
 *                                               the lower first) whose squares sum to share of
 *                                               the squared norm (1: every non-zero one), in order
 *   cca_columns(vector[]) -> setof (dim, scale, vals)
 *                                               a run of rows as column blocks, one per
 *                                               dimension; a NULL element is a row of zeros
 *   cca_column_top(pos0, dim, scale, vals, q, n) -> int4[]
 *                                               aggregate: the n positions with the largest
 *                                               approximate inner product with q, best first
 *                                               (ties: the lower position first)
 *
 * The kernel (one block into the accumulators) is a plain loop that GCC vectorises, on x86-64
 * Linux also compiled for AVX2 and picked at load time (as cca_vector_dist.c's kernels).
 */
#include "cca_vector.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones) && defined(__gnu_linux__)
#define CCA_COL_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef CCA_COL_CLONES
#define CCA_COL_CLONES
#endif
/* GCC vectorises only at -O3 by default: this one loop is worth it (8 int8 -> float per
 * instruction with AVX2, 4 with SSE2; the server's -O2 left it scalar, 6 ns per value) */
#if defined(__GNUC__) && !defined(__clang__)
#define CCA_COL_VECTORISE __attribute__((optimize("tree-vectorize")))
#else
#define CCA_COL_VECTORISE
#endif

/* acc[i] += c * v[i] for i < n */
CCA_COL_CLONES CCA_COL_VECTORISE static void
column_axpy(float *restrict acc, const int8 *restrict v, int n, float c)
{
	for (int i = 0; i < n; i++)
		acc[i] += c * (float) v[i];
}

PG_FUNCTION_INFO_V1(cca_nonzero_dims);
Datum
cca_nonzero_dims(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	Datum	   *out = palloc(sizeof(Datum) * (size_t) Max(v->dim, 1));
	int			n = 0;

	for (int i = 0; i < v->dim; i++)
		if (v->x[i] != 0.0f)
			out[n++] = Int32GetDatum(i + 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/* qsort order of cca_top_dims: larger magnitude first, then the lower dimension */
static int
top_dims_cmp(const void *pa, const void *pb, void *arg)
{
	const float *x = arg;
	int			a = *(const int *) pa,
				b = *(const int *) pb;
	float		fa = fabsf(x[a]),
				fb = fabsf(x[b]);

	if (fa != fb)
		return fa > fb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int
int_cmp(const void *pa, const void *pb)
{
	int			a = *(const int *) pa,
				b = *(const int *) pb;

	return a < b ? -1 : a > b;
}

PG_FUNCTION_INFO_V1(cca_top_dims);
Datum
cca_top_dims(PG_FUNCTION_ARGS)
{
	struct vector *v = PG_GETARG_VECTOR_P(0);
	float8		share = PG_GETARG_FLOAT8(1);
	int		   *idx = palloc(sizeof(int) * (size_t) Max(v->dim, 1));
	Datum	   *out;
	int			n = 0,
				take = 0;
	double		total = 0.0,
				got = 0.0;

	if (isnan(share))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("cca_top_dims: share must be a number")));
	for (int i = 0; i < v->dim; i++)
		if (v->x[i] != 0.0f)
		{
			idx[n++] = i;
			total += (double) v->x[i] * (double) v->x[i];
		}
	qsort_arg(idx, n, sizeof(int), top_dims_cmp, v->x);
	if (share >= 1.0)
		take = n;
	else
		while (take < n && got < share * total)
		{
			got += (double) v->x[idx[take]] * (double) v->x[idx[take]];
			take++;
		}
	qsort(idx, take, sizeof(int), int_cmp);
	out = palloc(sizeof(Datum) * (size_t) Max(take, 1));
	for (int i = 0; i < take; i++)
		out[i] = Int32GetDatum(idx[i] + 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, take, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(cca_columns);
Datum
cca_columns(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			rows;
	int			dim = -1;
	float	   *unit;			/* rows x dim, row-major */
	int16		typlen;
	bool		typbyval;
	char		typalign;

	InitMaterializedSRF(fcinfo, 0);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("cca_columns: expected a one-dimensional array")));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &rows);
	for (int r = 0; r < rows; r++)
	{
		struct vector *v;

		if (nulls[r])
			continue;
		v = (struct vector *) PG_DETOAST_DATUM(elems[r]);
		if (dim < 0)
			dim = v->dim;
		else
			cca_check_same_dims("vector", dim, v->dim);
		elems[r] = PointerGetDatum(v);
	}
	if (dim < 0 || rows == 0)
		return (Datum) 0;		/* no rows: the empty set */
	if ((size_t) rows * (size_t) dim > MaxAllocHugeSize / sizeof(float))
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("cca_columns: too many rows in one block (%d)", rows)));
	unit = palloc_extended((size_t) rows * (size_t) dim * sizeof(float), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int r = 0; r < rows; r++)
	{
		struct vector *v;
		double		norm = 0.0;

		if (nulls[r])
			continue;
		v = (struct vector *) DatumGetPointer(elems[r]);
		for (int d = 0; d < dim; d++)
			norm += (double) v->x[d] * (double) v->x[d];
		norm = sqrt(norm);
		if (norm > 0.0)
			for (int d = 0; d < dim; d++)
				unit[(size_t) r * dim + d] = (float) (v->x[d] / norm);
	}
	for (int d = 0; d < dim; d++)
	{
		float		maxabs = 0.0f;
		float		scale;
		bytea	   *vals = palloc(VARHDRSZ + rows);
		int8	   *out = (int8 *) VARDATA(vals);
		Datum		values[3];
		bool		isnull[3] = {false, false, false};

		SET_VARSIZE(vals, VARHDRSZ + rows);
		for (int r = 0; r < rows; r++)
			maxabs = Max(maxabs, fabsf(unit[(size_t) r * dim + d]));
		scale = maxabs / 127.0f;
		for (int r = 0; r < rows; r++)
		{
			float		x = unit[(size_t) r * dim + d];
			long		q = scale > 0.0f ? lrintf(x / scale) : 0;

			out[r] = (int8) Max(-127, Min(127, q));
		}
		values[0] = Int32GetDatum(d + 1);
		values[1] = Float4GetDatum(scale);
		values[2] = PointerGetDatum(vals);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
		pfree(vals);
	}
	pfree(unit);
	return (Datum) 0;
}

/* ---- cca_column_top: the aggregate ----------------------------------------------------- */

struct column_top
{
	int			n;				/* how many positions to return */
	int			cap;			/* allocated positions */
	int			end;			/* one past the highest position written */
	float	   *acc;			/* approximate inner products, per position */
	bool	   *seen;			/* positions some block covered */
	int			qdim;			/* the query's dimensions */
	float	   *q;				/* the query (copied from the first row: detoasted once) */
};

static void
column_top_grow(struct column_top *st, int want)
{
	int			cap = st->cap ? st->cap : 4096;

	while (cap < want)
		cap = cap > INT_MAX / 2 ? INT_MAX : cap * 2;
	if (cap == st->cap)
		return;
	if (st->acc == NULL)
	{
		st->acc = palloc_extended(sizeof(float) * (size_t) cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		st->seen = palloc_extended((size_t) cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	else
	{
		st->acc = repalloc_huge(st->acc, sizeof(float) * (size_t) cap);
		st->seen = repalloc_huge(st->seen, (size_t) cap);
		memset(st->acc + st->cap, 0, sizeof(float) * (size_t) (cap - st->cap));
		memset(st->seen + st->cap, 0, (size_t) (cap - st->cap));
	}
	st->cap = cap;
}

/*
 * (state, pos0 int4, dim int4, scale float4, vals bytea, q vector, n int4): a row with a NULL
 * in any argument adds nothing. q and n are taken from the first row that counts (q is the same
 * on every row of a query; detoasting it once per row cost more than the sums).
 */
PG_FUNCTION_INFO_V1(cca_column_top_step);
Datum
cca_column_top_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	struct column_top *st;
	int32		pos0,
				dim;
	float		scale;
	bytea	   *vals;
	int			len;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "cca_column_top_step called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (struct column_top *) PG_GETARG_POINTER(0);
	for (int a = 1; a <= 6; a++)
		if (PG_ARGISNULL(a))
		{
			if (st == NULL)
				PG_RETURN_NULL();
			PG_RETURN_POINTER(st);
		}
	pos0 = PG_GETARG_INT32(1);
	dim = PG_GETARG_INT32(2);
	scale = PG_GETARG_FLOAT4(3);
	vals = PG_GETARG_BYTEA_PP(4);
	len = VARSIZE_ANY_EXHDR(vals);
	if (st == NULL)
	{
		int32		n = PG_GETARG_INT32(6);
		struct vector *q = PG_GETARG_VECTOR_P(5);

		if (n < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("cca_column_top: n must not be negative")));
		st = MemoryContextAllocZero(aggcxt, sizeof(*st));
		st->n = n;
		st->qdim = q->dim;
		st->q = MemoryContextAlloc(aggcxt, sizeof(float) * (size_t) q->dim);
		memcpy(st->q, q->x, sizeof(float) * (size_t) q->dim);
	}
	if (pos0 < 0 || len > INT_MAX - pos0)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("cca_column_top: position %d out of range", pos0)));
	if (dim < 1 || dim > st->qdim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("cca_column_top: dimension %d of a query with %d dimensions",
							   dim, st->qdim)));
	old = MemoryContextSwitchTo(aggcxt);
	column_top_grow(st, pos0 + len);
	MemoryContextSwitchTo(old);
	if (st->q[dim - 1] != 0.0f && scale != 0.0f)
		column_axpy(st->acc + pos0, (const int8 *) VARDATA_ANY(vals), len, st->q[dim - 1] * scale);
	memset(st->seen + pos0, 1, (size_t) len);
	st->end = Max(st->end, pos0 + len);
	PG_RETURN_POINTER(st);
}

/* heap order: the worst candidate at the root (lower score, or same score and higher position) */
static inline bool
top_worse(const float *acc, int a, int b)
{
	return acc[a] < acc[b] || (acc[a] == acc[b] && a > b);
}

static void
top_sift_down(int *heap, int size, int i, const float *acc)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					w = i,
					t;

		if (l < size && top_worse(acc, heap[l], heap[w]))
			w = l;
		if (r < size && top_worse(acc, heap[r], heap[w]))
			w = r;
		if (w == i)
			return;
		t = heap[i];
		heap[i] = heap[w];
		heap[w] = t;
		i = w;
	}
}

PG_FUNCTION_INFO_V1(cca_column_top_final);
Datum
cca_column_top_final(PG_FUNCTION_ARGS)
{
	struct column_top *st;
	int		   *heap;
	int			size = 0;
	Datum	   *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (struct column_top *) PG_GETARG_POINTER(0);
	heap = palloc(sizeof(int) * (size_t) Max(st->n, 1));
	for (int p = 0; p < st->end; p++)
	{
		if (!st->seen[p])
			continue;
		if (size < st->n)
		{
			/* sift up */
			int			i = size++;

			heap[i] = p;
			while (i > 0 && top_worse(st->acc, heap[i], heap[(i - 1) / 2]))
			{
				int			par = (i - 1) / 2,
							t = heap[i];

				heap[i] = heap[par];
				heap[par] = t;
				i = par;
			}
		}
		else if (size > 0 && top_worse(st->acc, heap[0], p))
		{
			heap[0] = p;
			top_sift_down(heap, size, 0, st->acc);
		}
	}
	/* pop the worst first: fill from the back, best first */
	out = palloc(sizeof(Datum) * (size_t) Max(size, 1));
	for (int k = size - 1; k >= 0; k--)
	{
		out[k] = Int32GetDatum(heap[0]);
		heap[0] = heap[k];
		top_sift_down(heap, k, 0, st->acc);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, size, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

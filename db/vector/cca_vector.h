/*
 * cca_vector.h: what the SQL-facing files of cca_vector share (vector, halfvec, bit).
 *
 * Layouts (varlena header first, as every PostgreSQL varlena):
 *   vector   int16 dim, int16 unused (0), float4[dim]
 *   halfvec  int16 dim, int16 unused (0), binary16[dim] (IEEE half-precision bit patterns)
 * Both are aligned to int4; both hold 1..16000 elements, all finite.
 */
#ifndef CCA_VECTOR_H
#define CCA_VECTOR_H

#include "postgres.h"

#include <float.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/varbit.h"

#define VECTOR_MAX_DIM 16000

struct vector {
	int32		vl_len_;		/* varlena header: never touch directly */
	int16		dim;
	int16		unused;
	float		x[FLEXIBLE_ARRAY_MEMBER];
};

struct halfvec {
	int32		vl_len_;
	int16		dim;
	int16		unused;
	uint16		x[FLEXIBLE_ARRAY_MEMBER];
};

#define VECTOR_SIZE(dim) (offsetof(struct vector, x) + sizeof(float) * (size_t) (dim))
#define HALFVEC_SIZE(dim) (offsetof(struct halfvec, x) + sizeof(uint16) * (size_t) (dim))
#define PG_GETARG_VECTOR_P(n) ((struct vector *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))
#define PG_GETARG_HALFVEC_P(n) ((struct halfvec *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

struct vector *vector_alloc(int dim);
struct halfvec *halfvec_alloc(int dim);

/* "<type> must have at least 1 dimension" / "<type> cannot have more than 16000 dimensions" */
void		cca_check_dim_range(const char *type, int dim);
/* "expected <typmod> dimensions, not <dim>" unless typmod is -1 */
void		cca_check_typmod(int dim, int32 typmod);
/* "NaN not allowed in <type>" / "infinite value not allowed in <type>" */
void		cca_check_element(const char *type, float value);
/* "different <type> dimensions <a> and <b>" */
void		cca_check_same_dims(const char *type, int a, int b);
void		cca_overflow_error(void) pg_attribute_noreturn();
void		cca_underflow_error(void) pg_attribute_noreturn();

/*
 * Parses the text form "[x, y, ...]" into palloc'd floats (*dim of them). Every element is
 * finite; an element whose magnitude reaches out_of_range (INFINITY for none) is an error
 * "<text>" is out of range for type <type>, as is one that overflows float.
 */
float	   *cca_parse_elements(const char *input, const char *type, float out_of_range,
							   int *dim);
/* writes the shortest text that reads back as f (as real prints it), not NUL-terminated;
 * returns its length */
int			cca_format_float(float f, char *out);
/* typmod input: one integer in 1..16000 */
int32		cca_typmod_in(ArrayType *mods, const char *type);
/* an integer[], real[], double precision[] or numeric[] as palloc'd floats, checked for type */
float	   *cca_array_to_floats(ArrayType *array, const char *type, int *count);

/* subvector(v, start, count): the 1-based range [start, start + count) clipped to 1..dim */
void		cca_subvector_range(const char *type, int dim, int32 start, int32 count,
								int *first, int *n);
/* a bit string of nbits bits, all zero */
VarBit	   *cca_bit_alloc(int nbits);

/*
 * avg(): the transition state is a float8[] {count, sum_1, ..., sum_dim}; '{0}' (the initial
 * state) has no dimensions yet. cca_agg_state checks the array ("<fn>: expected state array")
 * and returns its values.
 */
float8	   *cca_agg_state(ArrayType *state, const char *fn, int *len);
ArrayType  *cca_agg_state_build(const float8 *values, int len);
/* the transition function's work: adds dim floats to the state in argument 0 */
ArrayType  *cca_agg_accum(FunctionCallInfo fcinfo, const char *fn, const float *x, int dim);
/* the final function's work: false for a count of 0, else the mean as palloc'd floats */
bool		cca_agg_mean(ArrayType *state, const char *fn, const char *type, float **mean,
						 int *dim);

struct cca_vector_sums;
/* 1 - cos from the dot product and the squared norms; NaN for a zero vector */
double		cca_cosine_distance(const struct cca_vector_sums *sums);

/*
 * pgvector sums in float: a distance past float's range is infinite there. The kernels sum in
 * double; results are mapped the same way so that overflow looks the same.
 */
static inline double
cca_float_range(double x)
{
	if (x > FLT_MAX)
		return get_float8_infinity();
	if (x < -FLT_MAX)
		return -get_float8_infinity();
	return x;
}

#endif

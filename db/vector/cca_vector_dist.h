/*
 * cca_vector_dist: the distance kernels of cca_vector, plain C over float arrays.
 *
 * Pure (no PostgreSQL headers) so they can be benchmarked and checked on their own.
 * Products of two floats are exact in double and the sums are accumulated in double, so
 * the results are at least as accurate as pgvector's float accumulation.
 */
#ifndef CCA_VECTOR_DIST_H
#define CCA_VECTOR_DIST_H

struct cca_vector_sums {
	double dot;			/* sum of a[i] * b[i] */
	double norm_a;		/* sum of a[i]^2 */
	double norm_b;		/* sum of b[i]^2 */
};

/* sum of (a[i] - b[i])^2 over n elements */
double cca_vector_l2_squared(const float *restrict a, const float *restrict b, int n);
/* sum of a[i] * b[i] */
double cca_vector_dot(const float *restrict a, const float *restrict b, int n);
/* sum of |a[i] - b[i]| */
double cca_vector_l1(const float *restrict a, const float *restrict b, int n);
/* dot product and both squared norms in one pass */
void cca_vector_cosine_sums(const float *restrict a, const float *restrict b, int n,
							struct cca_vector_sums *out);
/* the instruction set the kernels were dispatched to on this CPU ("avx2" or "baseline") */
const char *cca_vector_kernel_name(void);

#endif

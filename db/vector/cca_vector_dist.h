/*
 * cca_vector_dist: the distance kernels of cca_vector, plain C over float arrays.
 *
 * Pure (no PostgreSQL headers) so they can be benchmarked and checked on their own.
 * Products of two floats are exact in double and the sums are accumulated in double, so
 * the results are at least as accurate as pgvector's float accumulation.
 */
#ifndef CCA_VECTOR_DIST_H
#define CCA_VECTOR_DIST_H

#include <stdint.h>

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

/*
 * A cheaper, approximate cosine_sums for screening rows (cca_exact.c): a . b and a . a summed
 * in float, in CCA_SCREEN_LANES partial sums (fused multiply-adds where the CPU has them), the
 * partial sums and the n % 16 last products added in double. Not the same bits on every CPU;
 * what holds everywhere is the bound of recursive summation (each step rounds at most twice,
 * once without FMA's single rounding): with m = 2 ceil(n / 16) + 2 and u = 2^-24,
 *     |dot - a . b| <= g sum |a[i] b[i]|,  |norm_a - a . a| <= g a . a,  g = m u / (1 - m u),
 * plus at most 2 n 2^-150 each from products and sums that underflow.
 */
#define CCA_SCREEN_LANES 16
void cca_vector_cosine_screen(const float *restrict a, const float *restrict b, int n,
							  double *dot, double *norm_a);

/*
 * The same four kernels over half-precision elements (IEEE binary16 bit patterns): each element
 * is widened exactly to double and the sums follow the same 8 lanes, so the results are the
 * float kernels' results on the widened values, with the same bits on every CPU.
 */
double cca_halfvec_l2_squared(const uint16_t *restrict a, const uint16_t *restrict b, int n);
double cca_halfvec_dot(const uint16_t *restrict a, const uint16_t *restrict b, int n);
double cca_halfvec_l1(const uint16_t *restrict a, const uint16_t *restrict b, int n);
void cca_halfvec_cosine_sums(const uint16_t *restrict a, const uint16_t *restrict b, int n,
							 struct cca_vector_sums *out);
/* "avx2+f16c" (hardware conversion, 4 double lanes per instruction) or "baseline" */
const char *cca_halfvec_kernel_name(void);

/*
 * binary quantization: bit i (most significant bit of byte i / 8 first) is 1 where x[i] > 0;
 * out holds (n + 7) / 8 bytes, the pad bits are zero. Branch-free: the signs of an embedding
 * are random, so a branch per element would mispredict half the time.
 */
void cca_vector_binary_quantize(const float *x, int n, uint8_t *out);
void cca_halfvec_binary_quantize(const uint16_t *x, int n, uint8_t *out);

/* bit strings of nbytes bytes (bits past the length must be zero in both) */
/* number of differing bits */
uint64_t cca_bit_hamming(const uint8_t *a, const uint8_t *b, int nbytes);
/* bits set in both (*both) and in either (*either) */
void cca_bit_jaccard_counts(const uint8_t *a, const uint8_t *b, int nbytes,
							uint64_t *both, uint64_t *either);

#endif

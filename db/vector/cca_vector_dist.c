/*
 * cca_vector_dist: see cca_vector_dist.h.
 *
 * Every kernel keeps 8 independent double accumulators (lanes): element i goes to lane
 * i % 8, the tail (n % 8 elements) is summed separately, and the lanes are added in order
 * at the end. The adds then do not form one serial dependency chain, and the order of the
 * additions is fixed by the source, so every build and every CPU gives the same bits.
 *
 * With GCC or clang the lanes are written with generic vector types (two vectors of four
 * doubles, loaded as two vectors of four floats): the compiler emits whole-vector loads,
 * conversions and multiply-adds for whatever instruction set it targets, without
 * -ffast-math. Other compilers get the same arithmetic as scalar code.
 *
 * On x86-64 Linux each kernel is also compiled for AVX2 and picked at load time by the
 * dynamic linker (target_clones, an ifunc): the build stays portable (no -march) and a
 * modern CPU does four double lanes per instruction instead of two.
 */
#include "cca_vector_dist.h"

#include <string.h>

#define CCA_LANES 8

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones) && defined(__gnu_linux__)
#define CCA_KERNEL __attribute__((target_clones("avx2", "default")))
#define CCA_HAVE_DISPATCH 1
#endif
#endif
#ifndef CCA_KERNEL
#define CCA_KERNEL
#endif

#if defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 9)
#define CCA_HAVE_VECTOR_TYPES 1

typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

/* Vectors travel by pointer: passing them by value would tie the ABI to the ISA. */

/* four floats at p (any alignment), widened to doubles exactly */
static inline void
load4(v4d *out, const float *p)
{
	v4f f;

	memcpy(&f, p, sizeof(f));
	*out = __builtin_convertvector(f, v4d);
}

/* lanes 0..3 then 4..7, in order */
static inline double
hsum(const v4d *lo, const v4d *hi)
{
	double lanes[CCA_LANES];
	double sum = 0.0;

	memcpy(lanes, lo, sizeof(*lo));
	memcpy(lanes + 4, hi, sizeof(*hi));
	for (int l = 0; l < CCA_LANES; l++)
		sum += lanes[l];
	return sum;
}
#endif

CCA_KERNEL double
cca_vector_l2_squared(const float *restrict a, const float *restrict b, int n)
{
	double sum = 0.0;
	double tail = 0.0;
	int i = 0;

#ifdef CCA_HAVE_VECTOR_TYPES
	v4d lo = {0}, hi = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		v4d x0, x1, y0, y1, d0, d1;

		load4(&x0, a + i);
		load4(&x1, a + i + 4);
		load4(&y0, b + i);
		load4(&y1, b + i + 4);
		d0 = x0 - y0;
		d1 = x1 - y1;
		lo += d0 * d0;
		hi += d1 * d1;
	}
	sum = hsum(&lo, &hi);
#else
	double acc[CCA_LANES] = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double d = (double) a[i + l] - (double) b[i + l];
			acc[l] += d * d;
		}
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
#endif
	for (; i < n; i++) {
		double d = (double) a[i] - (double) b[i];
		tail += d * d;
	}
	return sum + tail;
}

CCA_KERNEL double
cca_vector_dot(const float *restrict a, const float *restrict b, int n)
{
	double sum = 0.0;
	double tail = 0.0;
	int i = 0;

#ifdef CCA_HAVE_VECTOR_TYPES
	v4d lo = {0}, hi = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		v4d x0, x1, y0, y1;

		load4(&x0, a + i);
		load4(&x1, a + i + 4);
		load4(&y0, b + i);
		load4(&y1, b + i + 4);
		lo += x0 * y0;
		hi += x1 * y1;
	}
	sum = hsum(&lo, &hi);
#else
	double acc[CCA_LANES] = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++)
			acc[l] += (double) a[i + l] * (double) b[i + l];
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
#endif
	for (; i < n; i++)
		tail += (double) a[i] * (double) b[i];
	return sum + tail;
}

/* not on a hot path (no index uses it): the scalar lanes are enough */
CCA_KERNEL double
cca_vector_l1(const float *restrict a, const float *restrict b, int n)
{
	double acc[CCA_LANES] = {0};
	double sum = 0.0;
	double tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double d = (double) a[i + l] - (double) b[i + l];
			acc[l] += d < 0 ? -d : d;
		}
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
	for (; i < n; i++) {
		double d = (double) a[i] - (double) b[i];
		tail += d < 0 ? -d : d;
	}
	return sum + tail;
}

CCA_KERNEL void
cca_vector_cosine_sums(const float *restrict a, const float *restrict b, int n,
					   struct cca_vector_sums *out)
{
	double dot = 0.0, na = 0.0, nb = 0.0;
	double tdot = 0.0, tna = 0.0, tnb = 0.0;
	int i = 0;

#ifdef CCA_HAVE_VECTOR_TYPES
	v4d dlo = {0}, dhi = {0}, alo = {0}, ahi = {0}, blo = {0}, bhi = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		v4d x0, x1, y0, y1;

		load4(&x0, a + i);
		load4(&x1, a + i + 4);
		load4(&y0, b + i);
		load4(&y1, b + i + 4);
		dlo += x0 * y0;
		dhi += x1 * y1;
		alo += x0 * x0;
		ahi += x1 * x1;
		blo += y0 * y0;
		bhi += y1 * y1;
	}
	dot = hsum(&dlo, &dhi);
	na = hsum(&alo, &ahi);
	nb = hsum(&blo, &bhi);
#else
	double accd[CCA_LANES] = {0}, acca[CCA_LANES] = {0}, accb[CCA_LANES] = {0};

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double x = a[i + l], y = b[i + l];

			accd[l] += x * y;
			acca[l] += x * x;
			accb[l] += y * y;
		}
	for (int l = 0; l < CCA_LANES; l++) {
		dot += accd[l];
		na += acca[l];
		nb += accb[l];
	}
#endif
	for (; i < n; i++) {
		double x = a[i], y = b[i];

		tdot += x * y;
		tna += x * x;
		tnb += y * y;
	}
	out->dot = dot + tdot;
	out->norm_a = na + tna;
	out->norm_b = nb + tnb;
}

const char *
cca_vector_kernel_name(void)
{
#ifdef CCA_HAVE_DISPATCH
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return "avx2";
#endif
	return "baseline";
}

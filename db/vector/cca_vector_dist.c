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
 *
 * The halfvec kernels have the same lanes. Their baseline converts each half in software
 * (cca_half.h); on a CPU with AVX2 and F16C an ifunc picks a version that converts eight
 * halves per instruction. Neither uses FMA, so both give the same bits.
 */
#include "cca_vector_dist.h"

#include <string.h>

#include "cca_half.h"

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
#if defined(CCA_HAVE_DISPATCH) && __has_attribute(ifunc)
#define CCA_HAVE_IFUNC 1
#include <cpuid.h>
#include <immintrin.h>
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

static inline double
vector_l2_squared_portable(const float *restrict a, const float *restrict b, int n)
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

static inline double
vector_dot_portable(const float *restrict a, const float *restrict b, int n)
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

static inline void
vector_cosine_sums_portable(const float *restrict a, const float *restrict b, int n,
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

static inline void
vector_cosine_screen_portable(const float *restrict a, const float *restrict b, int n,
							  double *dot, double *norm_a)
{
	float		accd[CCA_SCREEN_LANES] = {0},
				acca[CCA_SCREEN_LANES] = {0};
	double		d = 0.0,
				na = 0.0;
	int			i = 0;

	for (; i + CCA_SCREEN_LANES <= n; i += CCA_SCREEN_LANES)
		for (int l = 0; l < CCA_SCREEN_LANES; l++) {
			accd[l] += a[i + l] * b[i + l];
			acca[l] += a[i + l] * a[i + l];
		}
	for (; i < n; i++) {
		d += (double) a[i] * (double) b[i];
		na += (double) a[i] * (double) a[i];
	}
	for (int l = 0; l < CCA_SCREEN_LANES; l++) {
		d += accd[l];
		na += acca[l];
	}
	*dot = d;
	*norm_a = na;
}

/* ---- vector: the AVX2 versions and the dispatch ----------------------------------------- */

#ifdef CCA_HAVE_IFUNC
/*
 * The same lanes and the same additions as the portable code, written with intrinsics: four
 * floats are widened by one vcvtps2pd from memory (GCC 12 lowers the generic vectors'
 * convertvector to two-element conversions and inserts, about twice the instructions), and
 * multiplies and adds stay separate (no FMA), so the bits are the portable code's.
 *
 * A vector read from a heap page does not sit behind the previous row's (one 6 KB vector per
 * 8 KB page at 1536 dimensions) and the hardware prefetcher stops at every 4 KB boundary, so
 * the scan waits on memory for most of the vector. The kernels prefetch both operands
 * CCA_PREFETCH_AHEAD elements ahead (3 KB of floats; the query stays cached, its prefetches
 * cost an instruction), which took an exact scan of 100,000 rows at an 8 KB stride from about
 * 135 to 60-80 ms of CPU in a standalone test on the dev VM. Prefetches never fault, so
 * reading ahead past the end is harmless.
 */
#define CCA_AVX2 __attribute__((target("avx2")))
#define CCA_PREFETCH_AHEAD 768
#define CCA_PREFETCH_STEP 16	/* floats per cache line */

/* lanes 0..3 then 4..7, in order, as the portable code adds them */
CCA_AVX2 static inline double
avx2_hsum(__m256d lo, __m256d hi)
{
	double lanes[CCA_LANES];
	double sum = 0.0;

	_mm256_storeu_pd(lanes, lo);
	_mm256_storeu_pd(lanes + 4, hi);
	for (int l = 0; l < CCA_LANES; l++)
		sum += lanes[l];
	return sum;
}

CCA_AVX2 static inline __m256d
avx2_load4(const float *p)
{
	return _mm256_cvtps_pd(_mm_loadu_ps(p));
}

/* the first lines of both operands, before the loop asks for them */
CCA_AVX2 static inline void
avx2_prefetch_start(const float *a, const float *b, int n)
{
	for (int i = 0; i < n && i < CCA_PREFETCH_AHEAD; i += CCA_PREFETCH_STEP) {
		_mm_prefetch((const char *) (a + i), _MM_HINT_T0);
		_mm_prefetch((const char *) (b + i), _MM_HINT_T0);
	}
}

/*
 * The loop of each kernel: blocks of 16 elements (two 8-lane steps in order, so the same
 * additions as 8 at a time) with one prefetch per operand per cache line, then 8 at a time.
 */
#define CCA_AVX2_LOOP(STEP) \
	do { \
		for (; i + 2 * CCA_LANES <= n; i += 2 * CCA_LANES) { \
			_mm_prefetch((const char *) (a + i + CCA_PREFETCH_AHEAD), _MM_HINT_T0); \
			_mm_prefetch((const char *) (b + i + CCA_PREFETCH_AHEAD), _MM_HINT_T0); \
			STEP(i); \
			STEP(i + CCA_LANES); \
		} \
		for (; i + CCA_LANES <= n; i += CCA_LANES) \
			STEP(i); \
	} while (0)

CCA_AVX2 static double
vector_l2_squared_avx2(const float *restrict a, const float *restrict b, int n)
{
	__m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
	double tail = 0.0;
	int i = 0;

#define L2_STEP(j) \
	do { \
		__m256d d0 = _mm256_sub_pd(avx2_load4(a + (j)), avx2_load4(b + (j))); \
		__m256d d1 = _mm256_sub_pd(avx2_load4(a + (j) + 4), avx2_load4(b + (j) + 4)); \
		lo = _mm256_add_pd(lo, _mm256_mul_pd(d0, d0)); \
		hi = _mm256_add_pd(hi, _mm256_mul_pd(d1, d1)); \
	} while (0)

	avx2_prefetch_start(a, b, n);
	CCA_AVX2_LOOP(L2_STEP);
#undef L2_STEP
	for (; i < n; i++) {
		double d = (double) a[i] - (double) b[i];

		tail += d * d;
	}
	return avx2_hsum(lo, hi) + tail;
}

CCA_AVX2 static double
vector_dot_avx2(const float *restrict a, const float *restrict b, int n)
{
	__m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
	double tail = 0.0;
	int i = 0;

#define DOT_STEP(j) \
	do { \
		lo = _mm256_add_pd(lo, _mm256_mul_pd(avx2_load4(a + (j)), avx2_load4(b + (j)))); \
		hi = _mm256_add_pd(hi, _mm256_mul_pd(avx2_load4(a + (j) + 4), avx2_load4(b + (j) + 4))); \
	} while (0)

	avx2_prefetch_start(a, b, n);
	CCA_AVX2_LOOP(DOT_STEP);
#undef DOT_STEP
	for (; i < n; i++)
		tail += (double) a[i] * (double) b[i];
	return avx2_hsum(lo, hi) + tail;
}

CCA_AVX2 static void
vector_cosine_sums_avx2(const float *restrict a, const float *restrict b, int n,
						struct cca_vector_sums *out)
{
	__m256d dlo = _mm256_setzero_pd(), dhi = _mm256_setzero_pd();
	__m256d alo = _mm256_setzero_pd(), ahi = _mm256_setzero_pd();
	__m256d blo = _mm256_setzero_pd(), bhi = _mm256_setzero_pd();
	double tdot = 0.0, tna = 0.0, tnb = 0.0;
	int i = 0;

#define COS_STEP(j) \
	do { \
		__m256d x0 = avx2_load4(a + (j)), x1 = avx2_load4(a + (j) + 4); \
		__m256d y0 = avx2_load4(b + (j)), y1 = avx2_load4(b + (j) + 4); \
		dlo = _mm256_add_pd(dlo, _mm256_mul_pd(x0, y0)); \
		dhi = _mm256_add_pd(dhi, _mm256_mul_pd(x1, y1)); \
		alo = _mm256_add_pd(alo, _mm256_mul_pd(x0, x0)); \
		ahi = _mm256_add_pd(ahi, _mm256_mul_pd(x1, x1)); \
		blo = _mm256_add_pd(blo, _mm256_mul_pd(y0, y0)); \
		bhi = _mm256_add_pd(bhi, _mm256_mul_pd(y1, y1)); \
	} while (0)

	avx2_prefetch_start(a, b, n);
	CCA_AVX2_LOOP(COS_STEP);
#undef COS_STEP
	for (; i < n; i++) {
		double x = a[i], y = b[i];

		tdot += x * y;
		tna += x * x;
		tnb += y * y;
	}
	out->dot = avx2_hsum(dlo, dhi) + tdot;
	out->norm_a = avx2_hsum(alo, ahi) + tna;
	out->norm_b = avx2_hsum(blo, bhi) + tnb;
}

/*
 * The screen (cca_vector_dist.h): 16 float lanes in two registers per sum, one fused
 * multiply-add per 8 elements and sum. About half the CPU of the double kernel above on an exact
 * scan; only a prefetches (b, the query, stays cached).
 */
__attribute__((target("avx2,fma"))) static void
vector_cosine_screen_avx2(const float *restrict a, const float *restrict b, int n,
						  double *dot, double *norm_a)
{
	__m256		d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
	__m256		a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	float		ld[CCA_SCREEN_LANES], la[CCA_SCREEN_LANES];
	double		d = 0.0, na = 0.0;
	int			i = 0;

	for (int j = 0; j < n && j < CCA_PREFETCH_AHEAD; j += CCA_PREFETCH_STEP)
		_mm_prefetch((const char *) (a + j), _MM_HINT_T0);
	for (; i + CCA_SCREEN_LANES <= n; i += CCA_SCREEN_LANES) {
		__m256		x0 = _mm256_loadu_ps(a + i), x1 = _mm256_loadu_ps(a + i + 8);

		_mm_prefetch((const char *) (a + i + CCA_PREFETCH_AHEAD), _MM_HINT_T0);
		d0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b + i), d0);
		d1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b + i + 8), d1);
		a0 = _mm256_fmadd_ps(x0, x0, a0);
		a1 = _mm256_fmadd_ps(x1, x1, a1);
	}
	for (; i < n; i++) {
		d += (double) a[i] * (double) b[i];
		na += (double) a[i] * (double) a[i];
	}
	_mm256_storeu_ps(ld, d0);
	_mm256_storeu_ps(ld + 8, d1);
	_mm256_storeu_ps(la, a0);
	_mm256_storeu_ps(la + 8, a1);
	for (int l = 0; l < CCA_SCREEN_LANES; l++) {
		d += ld[l];
		na += la[l];
	}
	*dot = d;
	*norm_a = na;
}

/*
 * The resolvers run while the dynamic linker relocates the module, before any sanitizer
 * runtime is set up: they and what they call must not be instrumented ("used": clang does
 * not count a reference from an ifunc attribute).
 */
#define CCA_RESOLVER __attribute__((used, no_sanitize("address", "undefined")))

typedef double (*cca_float_pair_fn)(const float *restrict, const float *restrict, int);
typedef void (*cca_float_sums_fn)(const float *restrict, const float *restrict, int,
								  struct cca_vector_sums *);

CCA_RESOLVER static int
cpu_has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

CCA_RESOLVER static int
cpu_has_avx2_fma(void)
{
	return cpu_has_avx2() && __builtin_cpu_supports("fma");
}

static double
vector_l2_squared_baseline(const float *restrict a, const float *restrict b, int n)
{
	return vector_l2_squared_portable(a, b, n);
}

static double
vector_dot_baseline(const float *restrict a, const float *restrict b, int n)
{
	return vector_dot_portable(a, b, n);
}

static void
vector_cosine_sums_baseline(const float *restrict a, const float *restrict b, int n,
							struct cca_vector_sums *out)
{
	vector_cosine_sums_portable(a, b, n, out);
}

CCA_RESOLVER static cca_float_pair_fn
resolve_vector_l2_squared(void)
{
	return cpu_has_avx2() ? vector_l2_squared_avx2 : vector_l2_squared_baseline;
}

CCA_RESOLVER static cca_float_pair_fn
resolve_vector_dot(void)
{
	return cpu_has_avx2() ? vector_dot_avx2 : vector_dot_baseline;
}

CCA_RESOLVER static cca_float_sums_fn
resolve_vector_cosine_sums(void)
{
	return cpu_has_avx2() ? vector_cosine_sums_avx2 : vector_cosine_sums_baseline;
}

typedef void (*cca_float_screen_fn)(const float *restrict, const float *restrict, int,
									double *, double *);

static void
vector_cosine_screen_baseline(const float *restrict a, const float *restrict b, int n,
							  double *dot, double *norm_a)
{
	vector_cosine_screen_portable(a, b, n, dot, norm_a);
}

CCA_RESOLVER static cca_float_screen_fn
resolve_vector_cosine_screen(void)
{
	return cpu_has_avx2_fma() ? vector_cosine_screen_avx2 : vector_cosine_screen_baseline;
}

double cca_vector_l2_squared(const float *restrict a, const float *restrict b, int n)
	__attribute__((ifunc("resolve_vector_l2_squared")));
double cca_vector_dot(const float *restrict a, const float *restrict b, int n)
	__attribute__((ifunc("resolve_vector_dot")));
void cca_vector_cosine_sums(const float *restrict a, const float *restrict b, int n,
							struct cca_vector_sums *out)
	__attribute__((ifunc("resolve_vector_cosine_sums")));
void cca_vector_cosine_screen(const float *restrict a, const float *restrict b, int n,
							  double *dot, double *norm_a)
	__attribute__((ifunc("resolve_vector_cosine_screen")));

#else

double
cca_vector_l2_squared(const float *restrict a, const float *restrict b, int n)
{
	return vector_l2_squared_portable(a, b, n);
}

double
cca_vector_dot(const float *restrict a, const float *restrict b, int n)
{
	return vector_dot_portable(a, b, n);
}

void
cca_vector_cosine_sums(const float *restrict a, const float *restrict b, int n,
					   struct cca_vector_sums *out)
{
	vector_cosine_sums_portable(a, b, n, out);
}

void
cca_vector_cosine_screen(const float *restrict a, const float *restrict b, int n,
						 double *dot, double *norm_a)
{
	vector_cosine_screen_portable(a, b, n, dot, norm_a);
}

#endif

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

CCA_KERNEL void
cca_vector_binary_quantize(const float *x, int n, uint8_t *out)
{
	int i = 0;

	for (; i + 8 <= n; i += 8) {
		unsigned int byte = 0;

		for (int k = 0; k < 8; k++)
			byte = (byte << 1) | (unsigned int) (x[i + k] > 0);
		out[i / 8] = (uint8_t) byte;
	}
	if (i < n) {
		unsigned int byte = 0;

		for (int k = 0; i + k < n; k++)
			byte |= (unsigned int) (x[i + k] > 0) << (7 - k);
		out[i / 8] = (uint8_t) byte;
	}
}

/* a half is > 0 when its bits are 0x0001..0x7fff (sign clear, not zero; no NaN is stored) */
static inline unsigned int
half_positive(uint16_t h)
{
	return (uint16_t) (h - 1) < 0x7fff;
}

void
cca_halfvec_binary_quantize(const uint16_t *x, int n, uint8_t *out)
{
	int i = 0;

	for (; i + 8 <= n; i += 8) {
		unsigned int byte = 0;

		for (int k = 0; k < 8; k++)
			byte = (byte << 1) | half_positive(x[i + k]);
		out[i / 8] = (uint8_t) byte;
	}
	if (i < n) {
		unsigned int byte = 0;

		for (int k = 0; i + k < n; k++)
			byte |= half_positive(x[i + k]) << (7 - k);
		out[i / 8] = (uint8_t) byte;
	}
}

/* ---- halfvec -------------------------------------------------------------------------- */

typedef double (*cca_half_pair_fn)(const uint16_t *restrict, const uint16_t *restrict, int);
typedef void (*cca_half_sums_fn)(const uint16_t *restrict, const uint16_t *restrict, int,
								 struct cca_vector_sums *);

static inline double
half_d(uint16_t h)
{
	return (double) cca_half_to_float(h);
}

static double
halfvec_l2_squared_baseline(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	double acc[CCA_LANES] = {0};
	double sum = 0.0, tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double d = half_d(a[i + l]) - half_d(b[i + l]);
			acc[l] += d * d;
		}
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
	for (; i < n; i++) {
		double d = half_d(a[i]) - half_d(b[i]);
		tail += d * d;
	}
	return sum + tail;
}

static double
halfvec_dot_baseline(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	double acc[CCA_LANES] = {0};
	double sum = 0.0, tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++)
			acc[l] += half_d(a[i + l]) * half_d(b[i + l]);
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
	for (; i < n; i++)
		tail += half_d(a[i]) * half_d(b[i]);
	return sum + tail;
}

/* not on a hot path: one version for every CPU */
double
cca_halfvec_l1(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	double acc[CCA_LANES] = {0};
	double sum = 0.0, tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double d = half_d(a[i + l]) - half_d(b[i + l]);
			acc[l] += d < 0 ? -d : d;
		}
	for (int l = 0; l < CCA_LANES; l++)
		sum += acc[l];
	for (; i < n; i++) {
		double d = half_d(a[i]) - half_d(b[i]);
		tail += d < 0 ? -d : d;
	}
	return sum + tail;
}

static void
halfvec_cosine_sums_baseline(const uint16_t *restrict a, const uint16_t *restrict b, int n,
							 struct cca_vector_sums *out)
{
	double accd[CCA_LANES] = {0}, acca[CCA_LANES] = {0}, accb[CCA_LANES] = {0};
	double dot = 0.0, na = 0.0, nb = 0.0, tdot = 0.0, tna = 0.0, tnb = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES)
		for (int l = 0; l < CCA_LANES; l++) {
			double x = half_d(a[i + l]), y = half_d(b[i + l]);

			accd[l] += x * y;
			acca[l] += x * x;
			accb[l] += y * y;
		}
	for (int l = 0; l < CCA_LANES; l++) {
		dot += accd[l];
		na += acca[l];
		nb += accb[l];
	}
	for (; i < n; i++) {
		double x = half_d(a[i]), y = half_d(b[i]);

		tdot += x * y;
		tna += x * x;
		tnb += y * y;
	}
	out->dot = dot + tdot;
	out->norm_a = na + tna;
	out->norm_b = nb + tnb;
}

#ifdef CCA_HAVE_IFUNC
#define CCA_HAVE_F16C 1
#endif

#ifdef CCA_HAVE_F16C
#define CCA_F16C __attribute__((target("avx2,f16c")))

/* eight halves at p: lanes 0..3 in *lo, 4..7 in *hi, widened exactly to double */
CCA_F16C static inline void
half8_load(__m256d *lo, __m256d *hi, const uint16_t *p)
{
	__m256		f = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));

	*lo = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
	*hi = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
}

/* lanes 0..3 then 4..7, in order, as the baseline adds them */
CCA_F16C static inline double
half8_hsum(__m256d lo, __m256d hi)
{
	double lanes[CCA_LANES];
	double sum = 0.0;

	_mm256_storeu_pd(lanes, lo);
	_mm256_storeu_pd(lanes + 4, hi);
	for (int l = 0; l < CCA_LANES; l++)
		sum += lanes[l];
	return sum;
}

CCA_F16C static double
halfvec_l2_squared_f16c(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	__m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
	double tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		__m256d x0, x1, y0, y1, d0, d1;

		half8_load(&x0, &x1, a + i);
		half8_load(&y0, &y1, b + i);
		d0 = _mm256_sub_pd(x0, y0);
		d1 = _mm256_sub_pd(x1, y1);
		lo = _mm256_add_pd(lo, _mm256_mul_pd(d0, d0));
		hi = _mm256_add_pd(hi, _mm256_mul_pd(d1, d1));
	}
	for (; i < n; i++) {
		double d = half_d(a[i]) - half_d(b[i]);
		tail += d * d;
	}
	return half8_hsum(lo, hi) + tail;
}

CCA_F16C static double
halfvec_dot_f16c(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	__m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
	double tail = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		__m256d x0, x1, y0, y1;

		half8_load(&x0, &x1, a + i);
		half8_load(&y0, &y1, b + i);
		lo = _mm256_add_pd(lo, _mm256_mul_pd(x0, y0));
		hi = _mm256_add_pd(hi, _mm256_mul_pd(x1, y1));
	}
	for (; i < n; i++)
		tail += half_d(a[i]) * half_d(b[i]);
	return half8_hsum(lo, hi) + tail;
}

CCA_F16C static void
halfvec_cosine_sums_f16c(const uint16_t *restrict a, const uint16_t *restrict b, int n,
						 struct cca_vector_sums *out)
{
	__m256d dlo = _mm256_setzero_pd(), dhi = _mm256_setzero_pd();
	__m256d alo = _mm256_setzero_pd(), ahi = _mm256_setzero_pd();
	__m256d blo = _mm256_setzero_pd(), bhi = _mm256_setzero_pd();
	double tdot = 0.0, tna = 0.0, tnb = 0.0;
	int i = 0;

	for (; i + CCA_LANES <= n; i += CCA_LANES) {
		__m256d x0, x1, y0, y1;

		half8_load(&x0, &x1, a + i);
		half8_load(&y0, &y1, b + i);
		dlo = _mm256_add_pd(dlo, _mm256_mul_pd(x0, y0));
		dhi = _mm256_add_pd(dhi, _mm256_mul_pd(x1, y1));
		alo = _mm256_add_pd(alo, _mm256_mul_pd(x0, x0));
		ahi = _mm256_add_pd(ahi, _mm256_mul_pd(x1, x1));
		blo = _mm256_add_pd(blo, _mm256_mul_pd(y0, y0));
		bhi = _mm256_add_pd(bhi, _mm256_mul_pd(y1, y1));
	}
	for (; i < n; i++) {
		double x = half_d(a[i]), y = half_d(b[i]);

		tdot += x * y;
		tna += x * x;
		tnb += y * y;
	}
	out->dot = half8_hsum(dlo, dhi) + tdot;
	out->norm_a = half8_hsum(alo, ahi) + tna;
	out->norm_b = half8_hsum(blo, bhi) + tnb;
}

/* AVX2 (which also says the OS saves the YMM registers) and F16C (CPUID leaf 1, ECX) */
CCA_RESOLVER static int
cpu_has_f16c(void)
{
	unsigned int eax, ebx, ecx, edx;

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return 0;
	return (ecx & bit_F16C) != 0;
}

/* ifunc resolvers: run by the dynamic linker when the module is loaded */
CCA_RESOLVER static cca_half_pair_fn
resolve_halfvec_l2_squared(void)
{
	return cpu_has_f16c() ? halfvec_l2_squared_f16c : halfvec_l2_squared_baseline;
}

CCA_RESOLVER static cca_half_pair_fn
resolve_halfvec_dot(void)
{
	return cpu_has_f16c() ? halfvec_dot_f16c : halfvec_dot_baseline;
}

CCA_RESOLVER static cca_half_sums_fn
resolve_halfvec_cosine_sums(void)
{
	return cpu_has_f16c() ? halfvec_cosine_sums_f16c : halfvec_cosine_sums_baseline;
}

double cca_halfvec_l2_squared(const uint16_t *restrict a, const uint16_t *restrict b, int n)
	__attribute__((ifunc("resolve_halfvec_l2_squared")));
double cca_halfvec_dot(const uint16_t *restrict a, const uint16_t *restrict b, int n)
	__attribute__((ifunc("resolve_halfvec_dot")));
void cca_halfvec_cosine_sums(const uint16_t *restrict a, const uint16_t *restrict b, int n,
							 struct cca_vector_sums *out)
	__attribute__((ifunc("resolve_halfvec_cosine_sums")));

#else

double
cca_halfvec_l2_squared(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	return halfvec_l2_squared_baseline(a, b, n);
}

double
cca_halfvec_dot(const uint16_t *restrict a, const uint16_t *restrict b, int n)
{
	return halfvec_dot_baseline(a, b, n);
}

void
cca_halfvec_cosine_sums(const uint16_t *restrict a, const uint16_t *restrict b, int n,
						struct cca_vector_sums *out)
{
	halfvec_cosine_sums_baseline(a, b, n, out);
}
#endif

const char *
cca_halfvec_kernel_name(void)
{
#ifdef CCA_HAVE_F16C
	if (cpu_has_f16c())
		return "avx2+f16c";
#endif
	return "baseline";
}

/* ---- bit ------------------------------------------------------------------------------ */

/* Eight bytes at a time; the POPCNT clone counts a word in one instruction. */
#ifdef CCA_HAVE_DISPATCH
#define CCA_POPCOUNT_KERNEL __attribute__((target_clones("popcnt", "default")))
#else
#define CCA_POPCOUNT_KERNEL
#endif

#if defined(__GNUC__) || defined(__clang__)
#define cca_popcount64(w) ((uint64_t) __builtin_popcountll(w))
#else
static inline uint64_t
cca_popcount64(uint64_t w)
{
	w = w - ((w >> 1) & 0x5555555555555555u);
	w = (w & 0x3333333333333333u) + ((w >> 2) & 0x3333333333333333u);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fu;
	return (w * 0x0101010101010101u) >> 56;
}
#endif

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

CCA_POPCOUNT_KERNEL uint64_t
cca_bit_hamming(const uint8_t *a, const uint8_t *b, int nbytes)
{
	uint64_t count = 0;
	int i = 0;

	for (; i + 8 <= nbytes; i += 8)
		count += cca_popcount64(load64(a + i) ^ load64(b + i));
	for (; i < nbytes; i++)
		count += cca_popcount64((uint64_t) (a[i] ^ b[i]));
	return count;
}

CCA_POPCOUNT_KERNEL void
cca_bit_jaccard_counts(const uint8_t *a, const uint8_t *b, int nbytes,
					   uint64_t *both, uint64_t *either)
{
	uint64_t and_count = 0, or_count = 0;
	int i = 0;

	for (; i + 8 <= nbytes; i += 8) {
		uint64_t x = load64(a + i), y = load64(b + i);

		and_count += cca_popcount64(x & y);
		or_count += cca_popcount64(x | y);
	}
	for (; i < nbytes; i++) {
		and_count += cca_popcount64((uint64_t) (a[i] & b[i]));
		or_count += cca_popcount64((uint64_t) (a[i] | b[i]));
	}
	*both = and_count;
	*either = or_count;
}

/*
 * kernel_check: checks cca_vector's kernels (db/vector/cca_vector_dist.c, cca_half.h) without
 * PostgreSQL. The source is included so that the static per-CPU versions can be compared:
 *   - half <-> float conversions against the F16C instructions (every half; every 61st float),
 *   - the halfvec kernels: the software-conversion baseline and the F16C version give the same
 *     bits, and both equal the float kernels on the widened values (lengths 0..40 and 1536),
 *   - the screen (float sums for exact search) within the error bound it states,
 *   - binary quantization and the bit distances against naive loops.
 * The F16C comparisons run only on a CPU that has F16C and AVX2. Prints "N passed, N failed".
 * Built and run by tests/vector/run.sh:  cc -O2 -std=gnu11 -o X tests/vector/kernel_check.c
 */
#include "../../db/vector/cca_vector_dist.c"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

static void
check(int ok, const char *what)
{
	if (ok)
		passed++;
	else {
		failed++;
		printf("FAILED: %s\n", what);
	}
}

/* xorshift: reproducible data without libc's rand() */
static uint64_t rng_state = 88172645463325252u;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* a finite half in [-2, 2], sometimes a subnormal or a signed zero */
static uint16_t
random_half(void)
{
	uint64_t r = rng();

	switch (r % 16) {
	case 0:
		return (uint16_t) ((r >> 8) & 0x83ff);	/* subnormal or zero, either sign */
	default:
		return cca_float_to_half((float) ((double) (r >> 11) / 9007199254740992.0 * 4.0 - 2.0));
	}
}

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

#ifdef CCA_HAVE_F16C
CCA_F16C static uint16_t
hw_float_to_half(float f)
{
	return (uint16_t) _cvtss_sh(f, 0);
}

CCA_F16C static float
hw_half_to_float(uint16_t h)
{
	return _cvtsh_ss(h);
}
#endif

static void
check_conversions(void)
{
	int ok = 1;

	/* round trips of every finite half */
	for (uint32_t h = 0; h < 0x10000; h++)
		if ((h & 0x7c00) != 0x7c00 && cca_float_to_half(cca_half_to_float((uint16_t) h)) != h)
			ok = 0;
	check(ok, "half -> float -> half is the identity on finite halves");
	check(cca_float_to_half(65504.0f) == 0x7bff && cca_float_to_half(65519.99f) == 0x7bff &&
		  cca_float_to_half(65520.0f) == 0x7c00 && cca_float_to_half(-1e-8f) == 0x8000 &&
		  cca_float_to_half(2049.0f) == 0x6800 && cca_float_to_half(3e-8f) == 0x0001,
		  "float -> half: range, signed zero, ties to even, smallest subnormal");
#ifdef CCA_HAVE_F16C
	if (cpu_has_f16c()) {
		ok = 1;
		for (uint32_t h = 0; h < 0x10000; h++) {
			float a = cca_half_to_float((uint16_t) h), b = hw_half_to_float((uint16_t) h);

			if (isnan(b) ? !isnan(a) : memcmp(&a, &b, sizeof(a)) != 0)
				ok = 0;
		}
		check(ok, "half -> float equals F16C on every half");
		ok = 1;
		for (uint64_t u = 0; u <= 0xffffffffu; u += 61) {
			float f = cca_bits_float((uint32_t) u);

			if (!isnan(f) && cca_float_to_half(f) != hw_float_to_half(f))
				ok = 0;
		}
		check(ok, "float -> half equals F16C (every 61st float)");
	}
#endif
}

/* the float kernels: the AVX2 versions (intrinsics, prefetch) give the portable code's bits */
static void
check_vector_kernels(void)
{
#ifdef CCA_HAVE_IFUNC
	static const int lengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 767, 768,
								  769, 1535, 1536, 1537, 3000};
	static float a[3000], b[3000];
	int same = 1;

	if (!cpu_has_avx2())
		return;
	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		int n = lengths[li];

		for (int rep = 0; rep < 20; rep++) {
			struct cca_vector_sums s, t;

			for (int i = 0; i < n; i++) {
				/* magnitudes from 1e-6 to 1e3, so rounding differences would show */
				a[i] = cca_half_to_float(random_half()) * (float) (1 + rep % 4);
				b[i] = cca_half_to_float(random_half()) / (float) (1 + rep % 3);
			}
			vector_cosine_sums_portable(a, b, n, &s);
			vector_cosine_sums_avx2(a, b, n, &t);
			if (!same_bits(vector_l2_squared_portable(a, b, n), vector_l2_squared_avx2(a, b, n)) ||
				!same_bits(vector_dot_portable(a, b, n), vector_dot_avx2(a, b, n)) ||
				!same_bits(s.dot, t.dot) || !same_bits(s.norm_a, t.norm_a) ||
				!same_bits(s.norm_b, t.norm_b))
				same = 0;
		}
	}
	check(same, "float kernels: portable and AVX2 give the same bits");
#endif
}

static void
check_halfvec_kernels(void)
{
	static const int lengths[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 1536};
	uint16_t a[1536], b[1536];
	float fa[1536], fb[1536];
	int same_as_float = 1, same_versions = 1;
	(void) same_versions;

	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		int n = lengths[li];

		for (int rep = 0; rep < 20; rep++) {
			struct cca_vector_sums s, t;

			for (int i = 0; i < n; i++) {
				a[i] = random_half();
				b[i] = random_half();
				fa[i] = cca_half_to_float(a[i]);
				fb[i] = cca_half_to_float(b[i]);
			}
			cca_halfvec_cosine_sums(a, b, n, &s);
			cca_vector_cosine_sums(fa, fb, n, &t);
			if (!same_bits(cca_halfvec_l2_squared(a, b, n), cca_vector_l2_squared(fa, fb, n)) ||
				!same_bits(cca_halfvec_dot(a, b, n), cca_vector_dot(fa, fb, n)) ||
				!same_bits(cca_halfvec_l1(a, b, n), cca_vector_l1(fa, fb, n)) ||
				!same_bits(s.dot, t.dot) || !same_bits(s.norm_a, t.norm_a) ||
				!same_bits(s.norm_b, t.norm_b))
				same_as_float = 0;
			if (!same_bits(halfvec_l2_squared_baseline(a, b, n), cca_vector_l2_squared(fa, fb, n)) ||
				!same_bits(halfvec_dot_baseline(a, b, n), cca_vector_dot(fa, fb, n)))
				same_as_float = 0;
#ifdef CCA_HAVE_F16C
			if (cpu_has_f16c()) {
				struct cca_vector_sums u;

				halfvec_cosine_sums_baseline(a, b, n, &s);
				halfvec_cosine_sums_f16c(a, b, n, &u);
				if (!same_bits(halfvec_l2_squared_baseline(a, b, n), halfvec_l2_squared_f16c(a, b, n)) ||
					!same_bits(halfvec_dot_baseline(a, b, n), halfvec_dot_f16c(a, b, n)) ||
					!same_bits(s.dot, u.dot) || !same_bits(s.norm_a, u.norm_a) ||
					!same_bits(s.norm_b, u.norm_b))
					same_versions = 0;
			}
#endif
		}
	}
	check(same_as_float, "halfvec kernels equal the float kernels on the widened values");
#ifdef CCA_HAVE_F16C
	if (cpu_has_f16c())
		check(same_versions, "halfvec kernels: baseline and F16C give the same bits");
#endif
	printf("# halfvec kernel on this CPU: %s, float kernel: %s\n", cca_halfvec_kernel_name(),
		   cca_vector_kernel_name());
}

static void
check_bits(void)
{
	float x[70] = {0};
	uint16_t h[70] = {0};
	uint8_t q[9], qh[9], a[200], b[200];
	int ok = 1;

	for (int n = 0; n <= 70; n++) {
		for (int i = 0; i < n; i++) {
			uint64_t r = rng() % 5;

			x[i] = r == 0 ? 0.0f : r == 1 ? -0.0f : r == 2 ? 1e-45f : r == 3 ? -0.5f : 3.0f;
			h[i] = cca_float_to_half(x[i]);
		}
		memset(q, 0xff, sizeof(q));
		memset(qh, 0xff, sizeof(qh));
		cca_vector_binary_quantize(x, n, q);
		cca_halfvec_binary_quantize(h, n, qh);
		for (int i = 0; i < n; i++) {
			int bit = (q[i / 8] >> (7 - i % 8)) & 1;
			int hbit = (qh[i / 8] >> (7 - i % 8)) & 1;

			if (bit != (x[i] > 0) || hbit != (cca_half_to_float(h[i]) > 0))
				ok = 0;
		}
		if (n % 8 && ((q[n / 8] | qh[n / 8]) & (0xff >> (n % 8))))
			ok = 0;			/* pad bits must be zero */
	}
	check(ok, "binary quantization: bit i is x[i] > 0, pad bits zero");

	ok = 1;
	for (int nbytes = 0; nbytes <= 200; nbytes += 1 + nbytes / 8) {
		uint64_t ham = 0, both = 0, either = 0, b2, e2;

		for (int i = 0; i < nbytes; i++) {
			a[i] = (uint8_t) rng();
			b[i] = (uint8_t) rng();
			for (int k = 0; k < 8; k++) {
				int x1 = (a[i] >> k) & 1, y1 = (b[i] >> k) & 1;

				ham += (uint64_t) (x1 != y1);
				both += (uint64_t) (x1 && y1);
				either += (uint64_t) (x1 || y1);
			}
		}
		cca_bit_jaccard_counts(a, b, nbytes, &b2, &e2);
		if (cca_bit_hamming(a, b, nbytes) != ham || b2 != both || e2 != either)
			ok = 0;
	}
	check(ok, "Hamming and Jaccard counts equal naive bit loops");
}

/*
 * The screen (cca_vector_cosine_screen): within the bound cca_vector_dist.h states, for the
 * portable version and, on a CPU with AVX2 and FMA, the FMA one; on data with cancellation
 * (b close to -a in half of the cases) and magnitudes from 1e-6 to 1e3.
 */
static void
check_screen_one(void (*fn)(const float *restrict, const float *restrict, int, double *, double *),
				 const char *what)
{
	static const int lengths[] = {0, 1, 15, 16, 17, 31, 33, 37, 767, 1536, 1537, 3000};
	static float a[3000], b[3000];
	int ok = 1;
	char msg[128];

	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		int n = lengths[li];
		double m = 2.0 * ((n + CCA_SCREEN_LANES - 1) / CCA_SCREEN_LANES) + 2.0;
		double u = ldexp(1.0, -24);
		double g = m * u / (1.0 - m * u);

		for (int rep = 0; rep < 40; rep++) {
			double dot = 0, na = 0, abs_dot = 0, sd, sna;

			for (int i = 0; i < n; i++) {
				a[i] = cca_half_to_float(random_half()) * (float) (1 + rep % 4);
				b[i] = rep % 2 ? -a[i] * (1.0f + cca_half_to_float(random_half()) / 4096.0f)
					: cca_half_to_float(random_half()) / (float) (1 + rep % 3);
				dot += (double) a[i] * b[i];
				na += (double) a[i] * a[i];
				abs_dot += fabs((double) a[i] * b[i]);
			}
			fn(a, b, n, &sd, &sna);
			/* the exact sums in double are within 1e-12 relative of the true ones */
			if (fabs(sd - dot) > g * abs_dot + 1e-12 * abs_dot + 1e-300 ||
				fabs(sna - na) > g * na + 1e-12 * na + 1e-300)
				ok = 0;
		}
	}
	snprintf(msg, sizeof msg, "screen within its bound: %s", what);
	check(ok, msg);
}

static void
check_screen(void)
{
	check_screen_one(vector_cosine_screen_portable, "portable");
#ifdef CCA_HAVE_IFUNC
	if (cpu_has_avx2_fma())
		check_screen_one(vector_cosine_screen_avx2, "avx2+fma");
#endif
}

int
main(void)
{
	check_conversions();
	check_vector_kernels();
	check_screen();
	check_halfvec_kernels();
	check_bits();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}

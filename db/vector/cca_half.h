/*
 * cca_half: IEEE 754 binary16 (half precision) <-> binary32 conversions in portable C.
 *
 * Pure (no PostgreSQL headers), shared by the halfvec type and its distance kernels.
 * float -> half rounds to nearest, ties to even, as the F16C instruction VCVTPS2PH does in
 * its default mode: the two agree on every float that is not a NaN. |f| >= 65520 becomes
 * infinity; |f| < 2^-25 becomes a signed zero. half -> float is exact.
 */
#ifndef CCA_HALF_H
#define CCA_HALF_H

#include <stdint.h>
#include <string.h>

/* the largest finite half (65504) and the smallest float that rounds to half infinity */
#define CCA_HALF_MAX 65504.0f
#define CCA_HALF_OVERFLOW 65520.0f

static inline uint32_t
cca_float_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float
cca_bits_float(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline uint16_t
cca_float_to_half(float f)
{
	uint32_t u = cca_float_bits(f);
	uint32_t sign = (u >> 16) & 0x8000;
	uint32_t h;

	u &= 0x7fffffff;
	if (u >= 0x7f800000)			/* infinity or NaN (a NaN stays a quiet NaN) */
		h = u > 0x7f800000 ? 0x7e00 : 0x7c00;
	else if (u >= 0x47800000)		/* >= 65536: beyond every rounding */
		h = 0x7c00;
	else if (u < 0x38800000)		/* below 2^-14, the smallest normal half */
	{
		/*
		 * Adding 0.5 puts the value in a binade whose float spacing is 2^-24, the spacing of
		 * the half subnormals, so the addition itself rounds (to nearest even) onto that grid.
		 */
		const float half = 0.5f;

		h = cca_float_bits(cca_bits_float(u) + half) - cca_float_bits(half);
	}
	else
	{
		/* rebias the exponent, round the 13 dropped bits to nearest even; a carry out of the
		 * mantissa bumps the exponent, up to infinity for [65520, 65536) */
		uint32_t odd = (u >> 13) & 1;

		u += ((uint32_t) (15 - 127) << 23) + 0xfff + odd;
		h = u >> 13;
	}
	return (uint16_t) (sign | h);
}

static inline float
cca_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t) (h & 0x8000) << 16;
	uint32_t u = (uint32_t) (h & 0x7fff) << 13;
	uint32_t exp = u & 0x0f800000;

	u += (uint32_t) (127 - 15) << 23;
	if (exp == 0x0f800000)			/* infinity or NaN */
		u += (uint32_t) (128 - 16) << 23;
	else if (exp == 0)				/* zero or subnormal: renormalise exactly */
	{
		u += 1u << 23;
		u = cca_float_bits(cca_bits_float(u) - cca_bits_float(113u << 23));
	}
	return cca_bits_float(u | sign);
}

#endif

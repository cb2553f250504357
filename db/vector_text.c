/* vector_text: pgvector text literals. Formatting writes digits itself (no printf, so no
 * locale); parsing runs strtof in the "C" numeric locale. */
#include "db/vector_text.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Switches this thread to the C numeric locale for the duration of a call. */
struct c_numeric {
    locale_t c;
    locale_t old;
};

static void c_numeric_enter(struct c_numeric *cn)
{
    cn->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    cn->old = cn->c ? uselocale(cn->c) : (locale_t)0;
}

static void c_numeric_leave(struct c_numeric *cn)
{
    if (cn->c) {
        uselocale(cn->old);
        freelocale(cn->c);
    }
}

/* --- formatting ----------------------------------------------------------------------------
 * snprintf("%.9g") plus a strtof check per value costs over 1 ms per 1536-dim vector, which
 * alone would cap ingest below 1000 passages/s. This formatter does the same job with integer
 * digits: 9 significant digits always read back to the same float (an error of one unit in the
 * ninth digit is 1e-8 relative, under the 2^-25 half-spacing of floats), and a shorter form is
 * used only when it lies clearly inside x's rounding interval, so every output round-trips. */

static const double pow10_tab[] = {
    1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22, 1e-21, 1e-20, 1e-19,
    1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9,  1e-8,  1e-7,  1e-6,
    1e-5,  1e-4,  1e-3,  1e-2,  1e-1,  1e0,   1e1,   1e2,   1e3,   1e4,   1e5,   1e6,   1e7,
    1e8,   1e9,   1e10,  1e11,  1e12,  1e13,  1e14,  1e15,  1e16,  1e17,  1e18,  1e19,  1e20,
    1e21,  1e22,  1e23,  1e24,  1e25,  1e26,  1e27,  1e28,  1e29,  1e30,  1e31,  1e32,  1e33,
    1e34,  1e35,  1e36,  1e37,  1e38,  1e39,  1e40,  1e41,  1e42,  1e43,  1e44,  1e45,  1e46,
    1e47,  1e48,  1e49,  1e50,  1e51,  1e52,  1e53,  1e54,  1e55,
};
#define POW10_MIN (-31)

static double pow10_of(int k)
{
    int i = k - POW10_MIN;
    assert(i >= 0 && i < (int)(sizeof pow10_tab / sizeof pow10_tab[0]));
    return pow10_tab[i];
}

/* Whether digits * 10^exp10 (as a decimal) reads back as x: inside x's rounding interval with
 * a margin far larger than the double arithmetic's error. */
static bool reads_back(float x, uint32_t digits, int exp10)
{
    double d = (double)digits;
    /* Two steps keep the power inside the table for subnormals. */
    if (exp10 < POW10_MIN) {
        d *= pow10_of(POW10_MIN);
        exp10 -= POW10_MIN;
    }
    d *= pow10_of(exp10);
    double ax = (double)x, below = (double)nextafterf(x, 0.0f);
    double above = (double)nextafterf(x, HUGE_VALF);
    double half = fmin(ax - below, above - ax) / 2;
    return fabs(d - ax) < half - ax * 1e-14;
}

/* Writes x like printf("%.*g", prec, x) with prec the smallest of 6..9 digits that reads
 * back; returns the length. out must hold 24 bytes. */
static size_t format_float(char *out, float x)
{
    char *p = out;
    if (signbit(x))
        *p++ = '-';
    float ax = fabsf(x);
    if (ax == 0.0f) {
        *p++ = '0';
        return (size_t)(p - out);
    }

    /* 9 significant digits: n in [1e8, 1e9) and ax ~= n * 10^(e10 - 8). */
    int e2;
    frexp((double)ax, &e2);
    int e10 = (int)floor((e2 - 1) * 0.30102999566398120);
    double m = 0;
    /* Two passes settle the estimate; bounded so that rounding at a decade boundary can
     * never make it oscillate. */
    for (int pass = 0; pass < 4; pass++) {
        int k = 8 - e10;
        m = (double)ax;
        if (k > 55) { /* subnormals: scale in two steps */
            m *= pow10_of(55);
            k -= 55;
        }
        m *= pow10_of(k);
        if (pass == 3)
            break; /* m belongs to this e10; the integer fix-up below finishes the job */
        if (m >= 1e9)
            e10++;
        else if (m < 1e8)
            e10--;
        else
            break;
    }
    uint64_t n = (uint64_t)llround(m);
    while (n >= 1000000000u) { /* rounded up into the next decade */
        n = (n + 5) / 10;
        e10++;
    }
    while (n > 0 && n < 100000000u) {
        n *= 10;
        e10--;
    }

    /* The shortest precision that still reads back. */
    int prec = 9;
    uint32_t digits = (uint32_t)n;
    static const uint32_t scale[] = {1000, 100, 10};
    for (int k = 6; k <= 8; k++) {
        uint32_t s = scale[k - 6];
        uint32_t d = (uint32_t)((n + s / 2) / s);
        int de = e10;
        if (d >= (uint32_t)pow10_of(k)) { /* rounding carried into a new digit */
            d /= 10;
            de++;
        }
        if (reads_back(ax, d, de - k + 1)) {
            digits = d;
            prec = k;
            e10 = de;
            break;
        }
    }

    /* Digits as text, trailing zeros dropped (what %g does). */
    char dig[10];
    int nd = prec;
    for (int i = prec - 1; i >= 0; i--) {
        dig[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;

    if (e10 < -4 || e10 >= prec) {
        *p++ = dig[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)nd - 1);
            p += nd - 1;
        }
        *p++ = 'e';
        *p++ = e10 < 0 ? '-' : '+';
        int ae = e10 < 0 ? -e10 : e10;
        if (ae >= 100)
            *p++ = (char)('0' + ae / 100);
        *p++ = (char)('0' + ae / 10 % 10);
        *p++ = (char)('0' + ae % 10);
    } else if (e10 < 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = -1; i > e10; i--)
            *p++ = '0';
        memcpy(p, dig, (size_t)nd);
        p += nd;
    } else {
        int int_digits = e10 + 1;
        for (int i = 0; i < int_digits; i++)
            *p++ = i < nd ? dig[i] : '0';
        if (nd > int_digits) {
            *p++ = '.';
            memcpy(p, dig + int_digits, (size_t)(nd - int_digits));
            p += nd - int_digits;
        }
    }
    return (size_t)(p - out);
}

enum err vector_text_append(struct buf *b, const float *v, size_t dim)
{
    if (dim == 0 || dim > VECTOR_TEXT_MAX_DIM)
        return ERR_INVALID;
    for (size_t i = 0; i < dim; i++)
        if (!isfinite(v[i]))
            return ERR_INVALID;

    size_t start = b->len;
    enum err e = buf_append_char(b, '[');
    char num[32];
    for (size_t i = 0; e == ERR_OK && i < dim; i++) {
        size_t n = format_float(num + 1, v[i]);
        num[0] = ',';
        e = i ? buf_append(b, num, n + 1) : buf_append(b, num + 1, n);
    }
    if (e == ERR_OK)
        e = buf_append_char(b, ']');
    if (e != ERR_OK && b->data) {
        b->len = start;
        b->data[start] = '\0';
    }
    return e;
}

enum err vector_text_format(const float *v, size_t dim, char **out)
{
    struct buf b;
    buf_init(&b, (size_t)VECTOR_TEXT_MAX_DIM * 20);
    enum err e = vector_text_append(&b, v, dim);
    if (e != ERR_OK) {
        buf_cleanup(&b);
        return e;
    }
    *out = buf_detach(&b);
    return ERR_OK;
}

_Static_assert(sizeof(float) == 4 && sizeof(uint32_t) == 4, "float must be IEEE single");

enum err vector_bin_encode(const float *v, size_t dim, char **out, int *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (dim == 0 || dim > VECTOR_TEXT_MAX_DIM)
        return ERR_INVALID;
    for (size_t i = 0; i < dim; i++)
        if (!isfinite(v[i]))
            return ERR_INVALID;
    size_t len = 4 + 4 * dim;
    unsigned char *b = xmalloc(len);
    b[0] = (unsigned char)(dim >> 8);
    b[1] = (unsigned char)dim;
    b[2] = 0;
    b[3] = 0;
    for (size_t i = 0; i < dim; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        unsigned char *p = b + 4 + 4 * i;
        p[0] = (unsigned char)(u >> 24);
        p[1] = (unsigned char)(u >> 16);
        p[2] = (unsigned char)(u >> 8);
        p[3] = (unsigned char)u;
    }
    *out = (char *)b;
    *out_len = (int)len;
    return ERR_OK;
}

/* --- parsing ------------------------------------------------------------------------------ */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const char *skip_space(const char *p)
{
    while (is_space(*p))
        p++;
    return p;
}

/* The end of a decimal number starting at p ([+-]digits[.digits][e[+-]digits]), or NULL. */
static const char *scan_number(const char *p)
{
    size_t digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    while (is_digit(*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return NULL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return NULL;
        while (is_digit(*p))
            p++;
    }
    return p;
}

static enum err parse_fail(enum err e, char *err, size_t errlen, const char *text, const char *at,
                           const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "invalid vector literal at byte %td: %s", at - text, why);
    return e;
}

enum err vector_text_parse(const char *text, float **out, size_t *out_dim, char *err,
                           size_t errlen)
{
    const char *p = skip_space(text);
    if (*p != '[')
        return parse_fail(ERR_INVALID, err, errlen, text, p, "expected '['");
    p = skip_space(p + 1);
    if (*p == ']')
        return parse_fail(ERR_INVALID, err, errlen, text, p, "a vector needs at least 1 value");

    size_t cap = 16, dim = 0;
    float *v = xmalloc(cap * sizeof *v);
    enum err e = ERR_OK;
    struct c_numeric cn;
    c_numeric_enter(&cn);
    for (;;) {
        p = skip_space(p);
        const char *end = scan_number(p);
        if (!end) {
            e = parse_fail(ERR_INVALID, err, errlen, text, p, "expected a decimal number");
            break;
        }
        if (dim == VECTOR_TEXT_MAX_DIM) {
            e = parse_fail(ERR_TOO_LARGE, err, errlen, text, p,
                           "more than 16000 dimensions");
            break;
        }
        char *num_end = NULL;
        errno = 0;
        float x = strtof(p, &num_end);
        if (num_end != end) {
            e = parse_fail(ERR_INVALID, err, errlen, text, p, "malformed number");
            break;
        }
        if (!isfinite(x) || (errno == ERANGE && fabsf(x) > 1.0f)) {
            e = parse_fail(ERR_INVALID, err, errlen, text, p, "value out of range for float");
            break;
        }
        if (dim == cap) {
            cap *= 2;
            v = xreallocarray(v, cap, sizeof *v);
        }
        v[dim++] = x;
        p = skip_space(end);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == ']') {
            p = skip_space(p + 1);
            if (*p != '\0')
                e = parse_fail(ERR_INVALID, err, errlen, text, p, "junk after ']'");
            break;
        }
        e = parse_fail(ERR_INVALID, err, errlen, text, p, "expected ',' or ']'");
        break;
    }
    c_numeric_leave(&cn);
    if (e != ERR_OK) {
        free(v);
        return e;
    }
    *out = v;
    *out_dim = dim;
    return ERR_OK;
}

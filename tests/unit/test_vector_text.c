/* test_vector_text: pgvector text literals, formatted shortest-round-trip and parsed strictly. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/vector_text.h"

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        float v[4];
        size_t dim;
        const char *want;
    } cases[] = {
        {{1, 2, 3}, 3, "[1,2,3]"},
        {{0.5f, -0.25f}, 2, "[0.5,-0.25]"},
        {{0.1f}, 1, "[0.1]"},
        {{0}, 1, "[0]"},
        {{-0.0f}, 1, "[-0]"},
        {{1e-7f, 3e20f}, 2, "[1e-07,3e+20]"},
        {{1.00000012f}, 1, "[1.0000001]"},
        {{0.333333343f}, 1, "[0.33333334]"},
        {{16777216.0f, -16777218.0f}, 2, "[16777216,-16777218]"},
        {{1.17549435e-38f}, 1, "[1.1754944e-38]"},
        {{3.40282347e+38f}, 1, "[3.4028235e+38]"},
        /* 9.99999998e-24 scaled to 9 digits lands on 999999999.8: once looped forever */
        {{1e-23f}, 1, "[1e-23]"},
        {{100000000.0f, 999999999.0f}, 2, "[1e+08,1e+09]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = NULL;
        assert_int_equal(vector_text_format(cases[i].v, cases[i].dim, &s), ERR_OK);
        assert_string_equal(s, cases[i].want);
        free(s);
    }
}

static void test_format_rejects(void **state)
{
    (void)state;
    float bad[3] = {1, NAN, 2};
    float inf[2] = {INFINITY, 0};
    float ok[1] = {1};
    char *s = NULL;
    assert_int_equal(vector_text_format(bad, 3, &s), ERR_INVALID);
    assert_int_equal(vector_text_format(inf, 2, &s), ERR_INVALID);
    assert_int_equal(vector_text_format(ok, 0, &s), ERR_INVALID);
    assert_int_equal(vector_text_format(ok, VECTOR_TEXT_MAX_DIM + 1, &s), ERR_INVALID);
    assert_null(s);

    /* A full buffer leaves it exactly as it was. */
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append_str(&b, "x="), ERR_OK);
    float many[4] = {0.123f, 0.456f, 0.789f, 1};
    assert_int_equal(vector_text_append(&b, many, 4), ERR_TOO_LARGE);
    assert_string_equal(buf_str(&b), "x=");
    assert_int_equal(b.len, 2);
    buf_cleanup(&b);
}

/* Every float formatted and parsed back is bit-identical, for a spread of magnitudes. */
static void test_round_trip(void **state)
{
    (void)state;
    enum { N = 1536 };
    float *v = malloc(N * sizeof *v);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        float mant = (float)(x & 0xffffff) / (float)0x1000000 - 0.5f;
        int exp = (int)(x >> 24) % 60 - 40;
        v[i] = ldexpf(mant, exp);
    }
    v[0] = 1.0f / 3.0f;
    v[1] = -0.0f;
    v[2] = 1.40129846e-45f; /* the smallest subnormal */
    char *s = NULL;
    assert_int_equal(vector_text_format(v, N, &s), ERR_OK);
    float *back = NULL;
    size_t dim = 0;
    assert_int_equal(vector_text_parse(s, &back, &dim, NULL, 0), ERR_OK);
    assert_int_equal(dim, N);
    assert_memory_equal(v, back, N * sizeof *v);
    free(back);
    free(s);
    free(v);
}

/* Floats next to every power of ten, where the digit count changes, all read back. */
static void test_round_trip_decade_edges(void **state)
{
    (void)state;
    enum { SPAN = 64 };
    struct buf b;
    buf_init(&b, 1 << 16);
    for (int p = -45; p <= 38; p++) {
        float t = (float)pow(10.0, p);
        float x = t;
        for (int i = 0; i < SPAN; i++)
            x = nextafterf(x, 0.0f);
        for (int i = 0; i < 2 * SPAN && isfinite(x); i++, x = nextafterf(x, HUGE_VALF)) {
            if (x == 0.0f)
                continue;
            buf_reset(&b);
            assert_int_equal(vector_text_append(&b, &x, 1), ERR_OK);
            float *back = NULL;
            size_t dim = 0;
            assert_int_equal(vector_text_parse(buf_str(&b), &back, &dim, NULL, 0), ERR_OK);
            if (memcmp(back, &x, sizeof x) != 0)
                fail_msg("%s does not read back as %.9g", buf_str(&b), (double)x);
            free(back);
        }
    }
    buf_cleanup(&b);
}

static void test_parse_accepts(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t dim;
        float v[4];
    } cases[] = {
        {"[1,2,3]", 3, {1, 2, 3}},
        {"  [ 1 , -2.5 ,+3e2 ]  ", 3, {1, -2.5f, 300}},
        {"[.5]", 1, {0.5f}},
        {"[5.]", 1, {5}},
        {"[1E-2,\t2\n]", 2, {0.01f, 2}},
        {"[-0]", 1, {-0.0f}},
        {"[1e-50]", 1, {0}}, /* underflow reads as zero, like the server */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float *v = NULL;
        size_t dim = 0;
        char err[128] = "";
        assert_int_equal(vector_text_parse(cases[i].text, &v, &dim, err, sizeof err), ERR_OK);
        assert_int_equal(dim, cases[i].dim);
        for (size_t k = 0; k < dim; k++)
            assert_true(v[k] == cases[i].v[k]);
        free(v);
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        {"", "byte 0: expected '['"},
        {"1,2", "byte 0: expected '['"},
        {"[]", "byte 1: a vector needs at least 1 value"},
        {"[ ]", "byte 2: a vector needs at least 1 value"},
        {"[1,2", "byte 4: expected ',' or ']'"},
        {"[1,,2]", "byte 3: expected a decimal number"},
        {"[1,2,]", "byte 5: expected a decimal number"},
        {"[nan]", "byte 1: expected a decimal number"},
        {"[NaN]", "byte 1: expected a decimal number"},
        {"[inf]", "byte 1: expected a decimal number"},
        {"[-Infinity]", "byte 1: expected a decimal number"},
        {"[0x10]", "byte 1: malformed number"},
        {"[1e]", "byte 1: expected a decimal number"},
        {"[1e+]", "byte 1: expected a decimal number"},
        {"[.]", "byte 1: expected a decimal number"},
        {"[-]", "byte 1: expected a decimal number"},
        {"[1 2]", "byte 3: expected ',' or ']'"},
        {"[1e39]", "byte 1: value out of range for float"},
        {"[-1e39]", "byte 1: value out of range for float"},
        {"[1] x", "byte 4: junk after ']'"},
        {"[1]]", "byte 3: junk after ']'"},
        {"{1,2}", "byte 0: expected '['"},
        {"[1;2]", "byte 2: expected ',' or ']'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float *v = (float *)&v; /* must stay untouched */
        size_t dim = 99;
        char err[128] = "";
        enum err e = vector_text_parse(cases[i].text, &v, &dim, err, sizeof err);
        if (e != ERR_INVALID || !strstr(err, cases[i].why))
            fail_msg("case %zu '%s': got %s '%s', want '%s'", i, cases[i].text, err_name(e),
                     err, cases[i].why);
        assert_ptr_equal(v, (float *)&v);
        assert_int_equal(dim, 99);
    }
}

static void test_parse_dimension_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_append_char(&b, '['), ERR_OK);
    for (int i = 0; i < VECTOR_TEXT_MAX_DIM; i++)
        assert_int_equal(buf_append_str(&b, i ? ",1" : "1"), ERR_OK);
    assert_int_equal(buf_append_char(&b, ']'), ERR_OK);
    float *v = NULL;
    size_t dim = 0;
    assert_int_equal(vector_text_parse(buf_str(&b), &v, &dim, NULL, 0), ERR_OK);
    assert_int_equal(dim, VECTOR_TEXT_MAX_DIM);
    free(v);

    b.len--; /* drop ']' and add one more value */
    assert_int_equal(buf_append_str(&b, ",1]"), ERR_OK);
    char err[128];
    assert_int_equal(vector_text_parse(buf_str(&b), &v, &dim, err, sizeof err), ERR_TOO_LARGE);
    assert_non_null(strstr(err, "more than 16000"));
    buf_cleanup(&b);
}

/* A locale with a decimal comma must not change the literal. */
static void test_locale_independent(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", "C.UTF-8"};
    const char *set = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !set; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    float v[2] = {0.5f, -1.25f};
    char *s = NULL;
    assert_int_equal(vector_text_format(v, 2, &s), ERR_OK);
    assert_string_equal(s, "[0.5,-1.25]");
    float *back = NULL;
    size_t dim = 0;
    assert_int_equal(vector_text_parse(s, &back, &dim, NULL, 0), ERR_OK);
    assert_true(back[0] == 0.5f && back[1] == -1.25f);
    free(back);
    free(s);
    setlocale(LC_NUMERIC, "C");
}

/* The binary form is what vector_recv reads: int16 dim, int16 0, big-endian float4s. */
static void test_bin_encode(void **state)
{
    (void)state;
    const float v[] = {1.0f, -2.5f, 0.0f};
    char *b = NULL;
    int len = -1;
    assert_int_equal(vector_bin_encode(v, 3, &b, &len), ERR_OK);
    assert_int_equal(len, 4 + 3 * 4);
    static const unsigned char want[] = {0x00, 0x03, 0x00, 0x00, 0x3f, 0x80, 0x00, 0x00,
                                         0xc0, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_memory_equal(b, want, sizeof want);
    free(b);

    /* A dimension above 255 needs the high byte. */
    float *big = calloc(1536, sizeof *big);
    assert_non_null(big);
    big[1535] = 0.1f;
    assert_int_equal(vector_bin_encode(big, 1536, &b, &len), ERR_OK);
    assert_int_equal(len, 4 + 1536 * 4);
    assert_int_equal((unsigned char)b[0], 0x06);
    assert_int_equal((unsigned char)b[1], 0x00);
    const unsigned char *last = (const unsigned char *)b + 4 + 1535 * 4;
    uint32_t u = (uint32_t)last[0] << 24 | (uint32_t)last[1] << 16 | (uint32_t)last[2] << 8 |
                 last[3];
    float back;
    memcpy(&back, &u, sizeof back);
    assert_true(back == 0.1f);
    free(b);

    /* Same refusals as the text form; nothing is allocated then. */
    big[7] = NAN;
    b = (char *)big; /* must be reset to NULL */
    assert_int_equal(vector_bin_encode(big, 1536, &b, &len), ERR_INVALID);
    assert_null(b);
    assert_int_equal(len, 0);
    big[7] = INFINITY;
    assert_int_equal(vector_bin_encode(big, 1536, &b, &len), ERR_INVALID);
    assert_int_equal(vector_bin_encode(v, 0, &b, &len), ERR_INVALID);
    assert_int_equal(vector_bin_encode(big, VECTOR_TEXT_MAX_DIM + 1, &b, &len), ERR_INVALID);
    assert_null(b);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),       cmocka_unit_test(test_format_rejects),
        cmocka_unit_test(test_round_trip),         cmocka_unit_test(test_round_trip_decade_edges),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_rejects),      cmocka_unit_test(test_parse_dimension_cap),
        cmocka_unit_test(test_locale_independent), cmocka_unit_test(test_bin_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

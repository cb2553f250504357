/* test_utf8: decoding (valid, invalid, overlong, truncated), widths of ASCII/CJK/emoji/
 * combining text, truncation to a width, cursor boundaries and sanitising of hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

static void test_utf8_decode_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        uint32_t cp;
        size_t used;
    } cases[] = {
        {"A", 1, 'A', 1},
        {"\xC3\xA9", 2, 0xE9, 2},
        {"\xE4\xB8\xAD", 3, 0x4E2D, 3},
        {"\xF0\x9F\x98\x80", 4, 0x1F600, 4},
        {"\xC0\xAF", 2, UTF8_REPLACEMENT, 1},         /* overlong '/' */
        {"\xE0\x80\xAF", 3, UTF8_REPLACEMENT, 1},     /* overlong 3-byte */
        {"\xED\xA0\x80", 3, UTF8_REPLACEMENT, 1},     /* surrogate */
        {"\xF4\x90\x80\x80", 4, UTF8_REPLACEMENT, 1}, /* > U+10FFFF */
        {"\xE4\xB8", 2, UTF8_REPLACEMENT, 1},         /* truncated */
        {"\x80", 1, UTF8_REPLACEMENT, 1},             /* lone continuation */
        {"\xFF", 1, UTF8_REPLACEMENT, 1},
        {"\xC3(", 2, UTF8_REPLACEMENT, 1}, /* bad continuation */
        {"\xEF\xBF\xBD", 3, UTF8_REPLACEMENT, 3}, /* the real U+FFFD */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0;
        size_t n = utf8_decode(cases[i].in, cases[i].len, &cp);
        assert_int_equal(cp, cases[i].cp);
        assert_int_equal(n, cases[i].used);
    }
    uint32_t cp;
    assert_int_equal(utf8_decode("", 0, &cp), 0);
}

static void test_utf8_encode_roundtrip(void **state)
{
    (void)state;
    static const uint32_t cps[] = {0x24, 0xA2, 0x939, 0x20AC, 0xD55C, 0x10348, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char out[4];
        size_t n = utf8_encode(cps[i], out);
        uint32_t back;
        assert_int_equal(utf8_decode(out, n, &back), n);
        assert_int_equal(back, cps[i]);
    }
    char out[4];
    assert_int_equal(utf8_encode(0xD800, out), 3);
    assert_memory_equal(out, "\xEF\xBF\xBD", 3);
}

static void test_utf8_validity(void **state)
{
    (void)state;
    assert_true(utf8_is_valid("plain", 5));
    const char *mixed = "caf\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80";
    assert_true(utf8_is_valid(mixed, strlen(mixed)));
    assert_true(utf8_is_valid("\xEF\xBF\xBD", 3));
    assert_false(utf8_is_valid("a\xC3", 2));
    assert_false(utf8_is_valid("\xC0\x80", 2));
}

static void test_utf8_widths(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t width;
    } cases[] = {
        {"", 0},
        {"hello", 5},
        {"caf\xC3\xA9", 4},                 /* precomposed e-acute */
        {"cafe\xCC\x81", 4},                /* e + combining acute */
        {"\xE4\xB8\xAD\xE6\x96\x87", 4},    /* CJK: 2 columns each */
        {"\xF0\x9F\x98\x80!", 3},           /* emoji is wide */
        {"\xEF\xBC\xA1", 2},                /* fullwidth A */
        {"a\xE2\x80\x8B" "b", 2},           /* zero width space */
        {"\xED\x95\x9C\xEA\xB8\x80", 4},    /* Hangul */
        {"x\xE2\x80\xAEy", 3},              /* a bidi override counts as its replacement */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(utf8_width(cases[i].s, strlen(cases[i].s)), cases[i].width);
    assert_int_equal(utf8_cp_width(0x0301), 0);
    assert_int_equal(utf8_cp_width(0x4E00), 2);
    assert_int_equal(utf8_cp_width('a'), 1);
}

static void test_utf8_fit(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t max_width;
        size_t bytes;
        size_t width;
    } cases[] = {
        {"hello", 3, 3, 3},
        {"hello", 10, 5, 5},
        {"\xE4\xB8\xAD\xE6\x96\x87", 3, 3, 2}, /* never half a wide char */
        {"\xE4\xB8\xAD\xE6\x96\x87", 1, 0, 0},
        {"e\xCC\x81" "x", 1, 3, 1},            /* the combining mark stays with its base */
        {"ab", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t w = 99;
        size_t n = utf8_fit(cases[i].s, strlen(cases[i].s), cases[i].max_width, &w);
        assert_int_equal(n, cases[i].bytes);
        assert_int_equal(w, cases[i].width);
    }
}

static void test_utf8_wrap_row(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t width, take, next;
    } cases[] = {
        {"short", 10, 5, 5},               /* all of it fits */
        {"one two three", 9, 7, 8},        /* at the last space that fits */
        {"one two three", 7, 7, 8},        /* the space just past the width */
        {"one   two", 5, 5, 6},            /* the next row starts after the spaces */
        {"abcdefgh", 3, 3, 3},             /* no space: what fits */
        {"\xE4\xB8\xAD\xE6\x96\x87", 1, 3, 3}, /* a wide character in 1 column: one char */
        {"", 4, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t next = 99;
        size_t take = utf8_wrap_row(cases[i].s, strlen(cases[i].s), cases[i].width, &next);
        assert_int_equal(take, cases[i].take);
        assert_int_equal(next, cases[i].next);
    }
}

static void test_utf8_boundaries(void **state)
{
    (void)state;
    const char *s = "ae\xCC\x81\xE4\xB8\xAD"; /* a, e+acute, CJK */
    size_t len = strlen(s);
    assert_int_equal(utf8_next(s, len, 0), 1);
    assert_int_equal(utf8_next(s, len, 1), 4);
    assert_int_equal(utf8_next(s, len, 4), 7);
    assert_int_equal(utf8_next(s, len, 7), 7);
    assert_int_equal(utf8_prev(s, len, 7), 4);
    assert_int_equal(utf8_prev(s, len, 4), 1);
    assert_int_equal(utf8_prev(s, len, 1), 0);
    assert_int_equal(utf8_prev(s, len, 0), 0);
}

static void test_utf8_sanitize_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"plain text\n\tok", 14, "plain text\n\tok"},
        {"a\x1b]0;pwned\x07z", 12, "az"},                 /* OSC title, BEL-terminated */
        {"a\x1b]0;pwned\x1b\\z", 13, "az"},               /* OSC, ST-terminated */
        {"a\x1b[2Jb\x1b[31mc", 12, "abc"},                /* CSI */
        {"a\x1bPqdata\x1b\\b", 11, "ab"},                 /* DCS */
        {"a\x1b_apc\x07" "b", 8, "ab"},                   /* APC */
        {"a\x1b(Bb", 5, "ab"},                            /* charset selection */
        {"a\x1b" "7b", 4, "ab"},                          /* two-byte ESC 7 */
        {"a\x1b]8;;http://x\x07link", 19, "alink"},        /* OSC 8 hyperlink opener */
        {"a\x1b]0;never", 10, "a"},                      /* an unterminated OSC eats the rest */
        /* An ESC inside an OSC aborts it and starts its own sequence, also removed. */
        {"a\x1b]0;t b\x1b[2Jc", 13, "ac"},
        {"a\xC2\x9B" "31mb", 7, "ab"},                    /* 8-bit CSI */
        {"a\xC2\x9D" "0;t\xC2\x9C" "b", 9, "ab"},         /* 8-bit OSC with 8-bit ST */
        {"line\r\n", 6, "line\n"},                        /* CR dropped */
        {"bell\x07", 5, "bell\xEF\xBF\xBD"},              /* lone C0 */
        {"del\x7f", 4, "del\xEF\xBF\xBD"},
        {"nul\0x", 5, "nul\xEF\xBF\xBDx"},
        {"c1\xC2\x85", 4, "c1\xEF\xBF\xBD"},              /* NEL */
        {"\xE2\x80\xAE" "evil", 7, "\xEF\xBF\xBD" "evil"},   /* RLO */
        {"\xE2\x81\xA6x\xE2\x81\xA9", 7, "\xEF\xBF\xBDx\xEF\xBF\xBD"}, /* isolates */
        {"bad\xFF\xC0", 5, "bad\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"ok \xE4\xB8\xAD \xF0\x9F\x98\x80", 11, "ok \xE4\xB8\xAD \xF0\x9F\x98\x80"},
        {"\x1b", 1, ""},
        {"", 0, ""},
        /* Invisible format characters are dropped: ZWSP, BOM, word joiner, tags, fillers. */
        {"al\xE2\x80\x8Bice", 8, "alice"},
        {"\xEF\xBB\xBF" "bob", 6, "bob"},
        {"a\xE2\x81\xA0" "b", 5, "ab"},
        {"x\xF3\xA0\x81\x81\xF3\xA0\x81\xBFy", 10, "xy"},
        {"\xE3\x85\xA4" "admin", 8, "admin"},
        {"a\xE2\x81\xAA" "b", 5, "ab"},
        /* ... but ZWJ, ZWNJ and variation selectors are part of real text. */
        {"\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB", 11,
         "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"},
        {"\xE2\x9D\xA4\xEF\xB8\x8F", 6, "\xE2\x9D\xA4\xEF\xB8\x8F"},
        {"\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE", 9, "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE"},
        /* Bidi overrides and isolates in a name or title cannot reorder what follows. */
        {"Alice \xE2\x80\xAEtxt.exe", 16, "Alice \xEF\xBF\xBDtxt.exe"},
        {"\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD", 12,
         "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9", 12,
         "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"line\xE2\x80\xA8sep", 10, "line\xEF\xBF\xBDsep"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 0;
        char *got = utf8_sanitize(cases[i].in, cases[i].len, &n);
        assert_string_equal(got, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        free(got);
    }
}

static void test_utf8_sanitize_output_is_safe(void **state)
{
    (void)state;
    /* Every byte value in every position: the result is valid UTF-8 with no ESC, no C0 but
     * \n and \t, and no C1/bidi code point. */
    char in[6];
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b += 3) {
            in[0] = 'x';
            in[1] = (char)a;
            in[2] = (char)b;
            in[3] = (char)0x9B;
            in[4] = (char)a;
            in[5] = 'y';
            size_t n;
            char *out = utf8_sanitize(in, sizeof in, &n);
            assert_true(utf8_is_valid(out, n));
            for (size_t i = 0; i < n;) {
                uint32_t cp;
                i += utf8_decode(out + i, n - i, &cp);
                if (cp != '\n' && cp != '\t')
                    assert_false(utf8_cp_is_unsafe(cp));
            }
            free(out);
        }
    }
}

static void test_utf8_sanitize_line(void **state)
{
    (void)state;
    size_t n = 0;
    char *got = utf8_sanitize_line("Ann\nLee\t\x1b]0;t\x07(HR)\xE2\x80\x8B", 21, &n);
    assert_string_equal(got, "Ann Lee (HR)");
    assert_int_equal(n, strlen(got));
    free(got);
    /* Every invisible code point is gone from both variants. */
    static const uint32_t invisible[] = {0x200B, 0x2060, 0x2064, 0xFEFF, 0x180E, 0x206F,
                                         0x3164, 0xFFA0, 0xE0001, 0xE007F, 0x1D173};
    for (size_t i = 0; i < sizeof invisible / sizeof invisible[0]; i++) {
        char in[8] = "a";
        size_t len = 1 + utf8_encode(invisible[i], in + 1);
        in[len++] = 'b';
        assert_true(utf8_cp_is_invisible(invisible[i]));
        char *a = utf8_sanitize(in, len, NULL);
        char *b = utf8_sanitize_line(in, len, NULL);
        assert_string_equal(a, "ab");
        assert_string_equal(b, "ab");
        free(a);
        free(b);
    }
    assert_false(utf8_cp_is_invisible(0x200D));
    assert_false(utf8_cp_is_invisible(0xFE0F));
    assert_false(utf8_cp_is_invisible('a'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode_table),
        cmocka_unit_test(test_utf8_encode_roundtrip),
        cmocka_unit_test(test_utf8_validity),
        cmocka_unit_test(test_utf8_widths),
        cmocka_unit_test(test_utf8_fit),
        cmocka_unit_test(test_utf8_wrap_row),
        cmocka_unit_test(test_utf8_boundaries),
        cmocka_unit_test(test_utf8_sanitize_table),
        cmocka_unit_test(test_utf8_sanitize_output_is_safe),
        cmocka_unit_test(test_utf8_sanitize_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

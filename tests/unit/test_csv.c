/* test_csv: RFC 4180 records: quotes, doubled quotes, embedded commas and line breaks, BOM,
 * CRLF/LF/CR, empty fields and lines, and every malformed input refused with its line. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/csv.h"

/* Renders the parse as "a|b;c|d" (records by ';', fields by '|') for table checks. */
static char *render(const char *text, size_t len)
{
    struct csv *c = NULL;
    struct csv_error ce;
    if (csv_parse(text, len, &c, &ce) != ERR_OK)
        return NULL;
    struct buf b;
    buf_init(&b, 1u << 20);
    for (size_t i = 0; i < csv_records(c); i++) {
        if (i)
            buf_append_char(&b, ';');
        for (size_t j = 0; j < csv_fields(c, i); j++) {
            if (j)
                buf_append_char(&b, '|');
            buf_append_str(&b, csv_get(c, i, j));
        }
    }
    csv_free(c);
    return buf_detach(&b);
}

static void good_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"a", "a"},
        {"a,b,c", "a|b|c"},
        {"a,b\n", "a|b"},
        {"a,b\r\nc,d\r\n", "a|b;c|d"},
        {"a,b\rc,d", "a|b;c|d"},
        {"a,b\nc,d", "a|b;c|d"},
        {"\xEF\xBB\xBF" "email,name\r\nx@y,X\r\n", "email|name;x@y|X"},
        {"\"a,b\",c", "a,b|c"},
        {"\"say \"\"hi\"\"\",x", "say \"hi\"|x"},
        {"\"line1\nline2\",x\ny,z", "line1\nline2|x;y|z"},
        {"\"line1\r\nline2\",x\r\n", "line1\r\nline2|x"},
        {"a,,c", "a||c"},
        {",", "|"},
        {"a,", "a|"},
        {"\"\",\"\"", "|"},
        {"a\n\n\nb\n", "a;b"},
        {"a\r\n\r\nb", "a;b"},
        {" a , b ", " a | b "},
        {"caf\xC3\xA9,\xE2\x82\xAC", "caf\xC3\xA9|\xE2\x82\xAC"},
        {"\"\"\"\"", "\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = render(cases[i].in, strlen(cases[i].in));
        if (!got || strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: %s: got %s, want %s", i, cases[i].in, got ? got : "(error)",
                     cases[i].out);
        free(got);
    }
}

static void bad_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        size_t line;
    } cases[] = {
        {"a,b\n\"open,c\nd", 13, 2},   /* never closed: the line it opened on */
        {"a,\"b\"c\n", 8, 1},          /* text after the closing quote */
        {"a\nb,c\"d\n", 8, 2},         /* a quote inside an unquoted field */
        {"a,b\nc\0d\n", 8, 2},         /* NUL */
        {"\"x\ny\"z", 6, 2},           /* text after a quote closed on line 2 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct csv *c = (struct csv *)1;
        struct csv_error ce = {0, NULL};
        assert_int_equal(csv_parse(cases[i].in, cases[i].len, &c, &ce), ERR_INVALID);
        assert_null(c);
        assert_non_null(ce.reason);
        if (ce.line != cases[i].line)
            fail_msg("case %zu: line %zu, want %zu (%s)", i, ce.line, cases[i].line, ce.reason);
    }
}

static void lines_and_access(void **state)
{
    (void)state;
    const char *text = "h1,h2\r\n\"multi\r\nline\",x\r\n\r\nlast,y";
    struct csv *c = NULL;
    assert_int_equal(csv_parse(text, strlen(text), &c, NULL), ERR_OK);
    assert_int_equal(csv_records(c), 3);
    assert_int_equal(csv_line(c, 0), 1);
    assert_int_equal(csv_line(c, 1), 2);
    assert_int_equal(csv_line(c, 2), 5);
    assert_int_equal(csv_fields(c, 2), 2);
    assert_string_equal(csv_get(c, 2, 1), "y");
    assert_null(csv_get(c, 2, 2));
    assert_null(csv_get(c, 3, 0));
    assert_int_equal(csv_fields(c, 9), 0);
    assert_int_equal(csv_line(c, 9), 0);
    csv_free(c);
    csv_free(NULL);
}

static void caps(void **state)
{
    (void)state;
    size_t n = (size_t)CSV_FIELD_MAX + 10;
    char *big = malloc(n + 3);
    memset(big, 'x', n);
    struct csv *c = NULL;
    struct csv_error ce;
    assert_int_equal(csv_parse(big, n, &c, &ce), ERR_TOO_LARGE);
    big[0] = '"';
    big[n] = '"';
    assert_int_equal(csv_parse(big, n + 1, &c, &ce), ERR_TOO_LARGE);
    free(big);
    /* More records than the cap. */
    size_t rows = (size_t)CSV_RECORDS_MAX + 1;
    char *many = malloc(rows * 2);
    for (size_t i = 0; i < rows; i++) {
        many[2 * i] = 'a';
        many[2 * i + 1] = '\n';
    }
    assert_int_equal(csv_parse(many, rows * 2, &c, &ce), ERR_TOO_LARGE);
    assert_null(c);
    assert_int_equal(csv_parse(many, (rows - 1) * 2, &c, &ce), ERR_OK);
    assert_int_equal(csv_records(c), rows - 1);
    csv_free(c);
    free(many);
}

/* The writer: one field at a time, quoting only what needs it, and defusing formulas. */
static void write_field_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool is_defused;
        const char *out;
    } cases[] = {
        {"plain", true, "plain"},
        {"", true, ""},
        {NULL, true, ""},
        {"a,b", true, "\"a,b\""},
        {"say \"hi\"", true, "\"say \"\"hi\"\"\""},
        {"two\nlines", true, "\"two\nlines\""},
        {"cr\rhere", true, "\"cr\rhere\""},
        {" spaced ", true, " spaced "},
        {"=1+2", true, "'=1+2"},
        {"=1+2", false, "=1+2"},
        {"+CMD|' /C calc'!A0", true, "'+CMD|' /C calc'!A0"},
        {"-2+3", true, "'-2+3"},
        {"@SUM(A1)", true, "'@SUM(A1)"},
        {"\tx", true, "'\tx"},
        {"=HYPERLINK(\"http://x\",\"a,b\")", true,
         "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\""},
        {"-3", true, "-3"},
        {"+1.5", true, "+1.5"},
        {"-2e3", true, "-2e3"},
        {"-.5", true, "-.5"},
        {"-", true, "'-"},
        {"-e3", true, "'-e3"},
        {"-1e", true, "'-1e"},
        {"a=b", true, "a=b"},
        {"Zo\xC3\xAB", true, "Zo\xC3\xAB"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        buf_init(&b, 1024);
        assert_int_equal(csv_append_field(&b, cases[i].in, cases[i].is_defused), ERR_OK);
        if (strcmp(buf_str(&b), cases[i].out) != 0)
            fail_msg("case %zu: got [%s], want [%s]", i, buf_str(&b), cases[i].out);
        buf_cleanup(&b);
    }
}

/* Records written by csv_append_record read back as the same fields (the defusing quote
 * aside), whatever the fields hold. */
static void write_round_trip(void **state)
{
    (void)state;
    const char *rows[][4] = {
        {"section", "subject", "metric", "value"},
        {"people", "Ann \"The Boss\", Jr.", "email", "ann@example.com"},
        {"people", "line\r\nbreak", "", "-12.5"},
        {"people", "", "x", ",\"\n"},
    };
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(csv_append_record(&b, rows[i], 4, true), ERR_OK);
    assert_true(strstr(buf_str(&b), "\r\n") != NULL);
    struct csv *c = NULL;
    struct csv_error ce;
    assert_int_equal(csv_parse(b.data, b.len, &c, &ce), ERR_OK);
    assert_int_equal(csv_records(c), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(csv_fields(c, i), 4);
        for (size_t j = 0; j < 4; j++)
            assert_string_equal(csv_get(c, i, j), rows[i][j]);
    }
    csv_free(c);
    buf_cleanup(&b);
    /* A full buffer says so. */
    buf_init(&b, 8);
    const char *wide[] = {"0123456789"};
    assert_int_equal(csv_append_record(&b, wide, 1, true), ERR_TOO_LARGE);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_table),
        cmocka_unit_test(bad_table),
        cmocka_unit_test(lines_and_access),
        cmocka_unit_test(caps),
        cmocka_unit_test(write_field_table),
        cmocka_unit_test(write_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

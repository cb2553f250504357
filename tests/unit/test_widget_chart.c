/* test_widget_chart: exact glyph strings of bars, sparklines, progress lines, column charts and
 * matrices for given values and widths, in Unicode and ASCII, and the roles the draw functions
 * give to each part. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/utf8.h"

#include "tui/widget_chart.h"

#include "fake_render.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define U true
#define A false

static void check(const char *what, size_t i, char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        print_error("%s case %zu:\n[%s]\nwant\n[%s]\n", what, i, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void test_chart_bar(void **state)
{
    (void)state;
    static const struct {
        double value, max;
        int width;
        bool is_unicode;
        const char *want;
    } cases[] = {
        {0.55, 1, 10, U, "█████▌    "},
        {0, 1, 5, U, "     "},
        {1, 1, 5, U, "█████"},
        {0.999, 1, 5, U, "████▉"}, /* almost full is not full */
        {0.001, 1, 5, U, "▏    "}, /* any progress shows */
        {3, 12, 4, U, "█   "},
        {1, 3, 1, U, "▍"},
        {1, 8, 1, U, "▏"},
        {2, 8, 1, U, "▎"},
        {5, 8, 1, U, "▋"},
        {6, 8, 1, U, "▊"},
        {5, 0, 3, U, "   "},
        {-2, 10, 3, U, "   "},
        {NAN, 10, 3, U, "   "},
        {20, 10, 3, U, "███"},
        {INFINITY, 10, 2, U, "██"},
        {1, 1, 0, U, ""},
        {1, 1, -4, U, ""},
        {0.55, 1, 10, A, "######----"},
        {0, 1, 4, A, "----"},
        {1, 1, 4, A, "####"},
        {0.99, 1, 4, A, "###-"},
        {0.01, 1, 4, A, "#---"},
        {1, 2, 1, A, "#"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *got = chart_bar(cases[i].value, cases[i].max, cases[i].width, cases[i].is_unicode);
        if (cases[i].width > 0)
            assert_int_equal(utf8_width(got, strlen(got)), (size_t)cases[i].width);
        check("bar", i, got, cases[i].want);
    }
}

static void test_chart_sparkline(void **state)
{
    (void)state;
    static const double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7};
    static const double zeros[] = {0, 0, 0};
    static const double tiny[] = {1, 100};
    static const double four[] = {9, 1, 2, 4};
    static const double with_nan[] = {NAN, 2, -3};
    static const struct {
        const double *values;
        size_t count;
        int width;
        bool is_unicode;
        const char *want;
    } cases[] = {
        {ramp, 8, 0, U, "▁▂▃▄▅▆▇█"}, {ramp, 8, 0, A, " .:-=+*#"}, {zeros, 3, 0, U, "▁▁▁"},
        {zeros, 3, 0, A, "   "},     {tiny, 2, 0, U, "▂█"},       {tiny, 2, 0, A, ".#"},
        {four, 4, 3, U, "▃▅█"}, /* the newest three, scaled among themselves */
        {four, 4, 3, A, ":=#"},      {four, 4, 10, U, "█▂▃▄"},    {with_nan, 3, 0, U, "▁█▁"},
        {ramp, 0, 0, U, ""},
    };
    for (size_t i = 0; i < N(cases); i++)
        check("sparkline", i,
              chart_sparkline(cases[i].values, cases[i].count, cases[i].width, cases[i].is_unicode),
              cases[i].want);
}

static void test_chart_progress(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        int label_width;
        double fraction;
        int width;
        bool is_unicode;
        const char *want;
    } cases[] = {
        {"Python Basics", 14, 0.55, 33, U, "Python Basics  [█████▌    ]  55 %"},
        {"Python Basics", 14, 0.55, 33, A, "Python Basics  [######----]  55 %"},
        {"SQL", 14, 1.0, 33, U, "SQL            [██████████] 100 %"},
        {"SQL", 14, 0, 33, A, "SQL            [----------]   0 %"},
        {"SQL", 14, 2.5, 33, A, "SQL            [##########] 100 %"},
        {"SQL", 14, NAN, 33, A, "SQL            [----------]   0 %"},
        {"SQL", 14, 0.996, 33, U, "SQL            [█████████▉]  99 %"},
        {"SQL", 14, 0.004, 33, U, "SQL            [▏         ]   1 %"},
        {"Python Basics", 6, 0.5, 20, U, "Pytho… [██▌  ]  50 %"},
        {NULL, 0, 0.25, 14, U, "[█▌    ]  25 %"},
        {"Python", 6, 0.5, 12, U, "Python  50 %"}, /* no room for a bar */
        {"Python", 6, 0.5, 9, A, "Py~  50 %"},
        {"Python", 6, 0.5, 5, A, " 50 %"},
        {"日本語コース", 6, 0.5, 20, U, "日本…  [██▌  ]  50 %"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *got = chart_progress(cases[i].label, cases[i].label_width, cases[i].fraction,
                                   cases[i].width, cases[i].is_unicode);
        assert_int_equal(utf8_width(got, strlen(got)), (size_t)cases[i].width);
        check("progress", i, got, cases[i].want);
    }
}

/* Expands a picture of eighths per bar ('0'..'8') into glyphs, each bar width columns wide and
 * followed by gap blanks; pads to total columns. */
static char *bars(const char *picture, int width, int gap, int total)
{
    static const char *const glyphs[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    struct buf b;
    buf_init(&b, 4096);
    int cols = 0;
    for (const char *p = picture; *p; p++) {
        for (int i = 0; i < width; i++)
            buf_append_str(&b, *p == '#' ? "#" : glyphs[*p - '0']);
        for (int i = 0; i < gap; i++)
            buf_append_char(&b, ' ');
        cols += width + gap;
    }
    for (; cols < total; cols++)
        buf_append_char(&b, ' ');
    return buf_detach(&b);
}

static void test_chart_columns(void **state)
{
    (void)state;
    static const double four[] = {1, 2, 3, 4};
    char *got = chart_columns(four, NULL, 4, 8, 2, U);
    check("columns", 0, got, "    ▄ █ \n▄ █ █ █ ");
    got = chart_columns(four, NULL, 4, 8, 2, A);
    check("columns", 1, got, "      # \n# # # # ");

    /* 12 weeks with labels: bars two columns wide, every second label */
    static const double weeks[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12};
    static const char *const labels[] = {"W1", "W2", "W3", "W4",  "W5",  "W6",
                                         "W7", "W8", "W9", "W10", "W11", "W12"};
    char *r2 = bars("000000000248", 2, 1, 36);
    char *r1 = bars("000002468888", 2, 1, 36);
    char *r0 = bars("024688888888", 2, 1, 36);
    char want[1024];
    snprintf(want, sizeof want, "%s\n%s\n%s\n%s", r2, r1, r0,
             "   W2    W4    W6    W8   W10   W12 ");
    check("columns", 2, chart_columns(weeks, labels, 12, 36, 4, U), want);
    free(r2);
    free(r1);
    free(r0);

    /* wide enough for every label: one per bar; slots never wider than 6 */
    static const char *const days[] = {"Mo", "Tu", "We", "Th"};
    r0 = bars("2468", 5, 1, 40);
    snprintf(want, sizeof want, "%s\n%-40s", r0, "Mo    Tu    We    Th");
    check("columns", 3, chart_columns(four, days, 4, 40, 2, U), want);
    free(r0);
    r1 = bars("000#", 5, 1, 40);
    r0 = bars("####", 5, 1, 40);
    snprintf(want, sizeof want, "%s\n%s\n%-40s", r1, r0, "Mo    Tu    We    Th");
    check("columns", 4, chart_columns(four, days, 4, 40, 3, A), want);
    free(r1);
    free(r0);

    /* more values than columns: the newest ones, one column each */
    static const double many[] = {50, 50, 50, 50, 50, 50, 1, 2, 3, 4};
    check("columns", 5, chart_columns(many, NULL, 10, 4, 1, U), "▂▄▆█");
    /* height 1 leaves no room for labels */
    check("columns", 6, chart_columns(many, labels, 10, 4, 1, U), "▂▄▆█");
    /* labels too wide even for all the room: cut */
    static const char *const long_labels[] = {"January", "February"};
    static const double two[] = {1, 1};
    check("columns", 7, chart_columns(two, long_labels, 2, 6, 2, A), "## ## \nFebr~ ");
    check("columns", 8, chart_columns(four, labels, 0, 5, 2, U), "     \n     ");
    check("columns", 9, chart_columns(four, NULL, 4, 0, 3, U), "");
    check("columns", 10, chart_columns(four, NULL, 4, 8, 0, U), "");
    static const double none[] = {0, 0};
    check("columns", 11, chart_columns(none, NULL, 2, 4, 2, U), "    \n    ");
}

static const char *const people[] = {"Ann", "Bob Builder"};
static const char *const skills[] = {"Py", "SQL", "Git"};
static const int levels[] = {0, 1, 2, 3, 4, 5};
static const char *const level_names[] = {"none", "1", "2", "3", "4", "5"};

static void test_chart_matrix(void **state)
{
    (void)state;
    assert_string_equal(chart_shade(-1, U), " ");
    assert_string_equal(chart_shade(1, U), "·");
    assert_string_equal(chart_shade(3, U), "▒");
    assert_string_equal(chart_shade(9, U), "█");
    assert_string_equal(chart_shade(2, A), ":");
    assert_string_equal(chart_shade(5, A), "#");
    check("legend", 0, chart_legend(level_names, U), "  none  · 1  ░ 2  ▒ 3  ▓ 4  █ 5");
    check("legend", 1, chart_legend(level_names, A), "  none  . 1  : 2  + 3  * 4  # 5");
    check("legend", 2, chart_legend(NULL, U), "");

    struct chart_matrix m = {people, 2, skills, 3, levels, level_names};
    static const struct {
        size_t first_row;
        int width, height;
        bool is_unicode;
        const char *want;
    } cases[] = {
        {0, 32, 5, U,
         "           Py  SQL Git          \n"
         "Ann            ··· ░░░          \n"
         "Bob Build… ▒▒▒ ▓▓▓ ███          \n"
         "  none  · 1  ░ 2  ▒ 3  ▓ 4  █ 5 "},
        {0, 32, 5, A,
         "           Py  SQL Git          \n"
         "Ann            ... :::          \n"
         "Bob Build~ +++ *** ###          \n"
         "  none  . 1  : 2  + 3  * 4  # 5 "},
        {0, 32, 3, U,
         "           Py  SQL Git          \n"
         "Ann            ··· ░░░          \n"
         "  none  · 1  ░ 2  ▒ 3  ▓ 4  █ 5 "},
        {0, 32, 2, U,
         "           Py  SQL Git          \n"
         "Ann            ··· ░░░          "},
        {1, 32, 5, U,
         "           Py  SQL Git          \n"
         "Bob Build… ▒▒▒ ▓▓▓ ███          \n"
         "  none  · 1  ░ 2  ▒ 3  ▓ 4  █ 5 "},
        {0, 30, 5, U, /* the legend is cut */
         "           Py  SQL Git        \n"
         "Ann            ··· ░░░        \n"
         "Bob Build… ▒▒▒ ▓▓▓ ███        \n"
         "  none  · 1  ░ 2  ▒ 3  ▓ 4  █…"},
    };
    for (size_t i = 0; i < N(cases); i++)
        check("matrix", i,
              chart_matrix_text(&m, cases[i].first_row, cases[i].width, cases[i].height,
                                cases[i].is_unicode),
              cases[i].want);

    /* no labels, no legend: cells 2 wide; then too narrow: cells 1 wide and fewer columns */
    struct chart_matrix bare = {NULL, 2, NULL, 3, levels, NULL};
    check("matrix", 10, chart_matrix_text(&bare, 0, 12, 5, U), "   ·· ░░    \n▒▒ ▓▓ ██    ");
    check("matrix", 11, chart_matrix_text(&bare, 0, 4, 5, A), "  . \n+ * ");
    check("matrix", 12, chart_matrix_text(&bare, 0, 0, 5, A), "");

    assert_int_equal(chart_matrix_body_height(&m, 10), 8);
    assert_int_equal(chart_matrix_body_height(&m, 3), 1);
    assert_int_equal(chart_matrix_body_height(&m, 2), 1);
    assert_int_equal(chart_matrix_body_height(&m, 0), 0);
    assert_int_equal(chart_matrix_body_height(&bare, 3), 3);
}

static void test_chart_draw(void **state)
{
    (void)state;
    static struct render r;
    fake_render_init(&r, 12, 40, true);
    chart_progress_draw(&r, 1, 2, 33, "Python Basics", 14, 0.55, THEME_CODE);
    char *got = fake_row(&r, 1, 2, 33);
    assert_string_equal(got, "Python Basics  [█████▌    ]  55 %");
    free(got);
    assert_int_equal(fake_role(&r, 1, 2), THEME_DEFAULT);      /* label */
    assert_int_equal(fake_role(&r, 1, 2 + 15), THEME_DEFAULT); /* [ */
    assert_int_equal(fake_role(&r, 1, 2 + 16), THEME_CODE);    /* bar */
    assert_int_equal(fake_role(&r, 1, 2 + 25), THEME_CODE);
    assert_int_equal(fake_role(&r, 1, 2 + 26), THEME_DEFAULT); /* ] */
    assert_int_equal(fake_role(&r, 1, 2 + 30), THEME_DEFAULT); /* percent */

    fake_render_init(&r, 12, 40, false);
    chart_bar_draw(&r, 0, 0, 4, 1, 2, THEME_MARKER);
    double spark[] = {0, 7};
    chart_sparkline_draw(&r, 0, 5, 2, spark, 2, THEME_CODE);
    got = fake_row(&r, 0, 0, 8);
    assert_string_equal(got, "##--  # ");
    free(got);
    assert_int_equal(fake_role(&r, 0, 0), THEME_MARKER);
    assert_int_equal(fake_role(&r, 0, 6), THEME_CODE);

    static const double four[] = {1, 2, 3, 4};
    static const char *const days[] = {"Mo", "Tu", "We", "Th"};
    struct layout_rect rect = {3, 1, 3, 12};
    chart_columns_draw(&r, &rect, four, days, 4, THEME_CODE);
    static const char *const want[] = {"         ## ", "## ## ## ## ", "Mo Tu We Th "};
    for (int i = 0; i < 3; i++) {
        got = fake_row(&r, 3 + i, 1, 12);
        assert_string_equal(got, want[i]);
        free(got);
    }
    assert_int_equal(fake_role(&r, 4, 1), THEME_CODE);
    assert_int_equal(fake_role(&r, 5, 1), THEME_NOTE);

    fake_render_init(&r, 12, 40, true);
    struct chart_matrix m = {people, 2, skills, 3, levels, level_names};
    struct layout_rect mrect = {0, 0, 5, 32};
    chart_matrix_draw(&r, &mrect, &m, 0, THEME_CODE);
    got = fake_row(&r, 2, 0, 32);
    assert_string_equal(got, "Bob Build… ▒▒▒ ▓▓▓ ███          ");
    free(got);
    assert_int_equal(fake_role(&r, 0, 11), THEME_TITLE);
    assert_int_equal(fake_role(&r, 2, 0), THEME_DEFAULT);
    assert_int_equal(fake_role(&r, 2, 11), THEME_CODE);
    assert_int_equal(fake_role(&r, 2, 21), THEME_CODE);
    assert_int_equal(fake_role(&r, 3, 2), THEME_NOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart_bar),      cmocka_unit_test(test_chart_sparkline),
        cmocka_unit_test(test_chart_progress), cmocka_unit_test(test_chart_columns),
        cmocka_unit_test(test_chart_matrix),   cmocka_unit_test(test_chart_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_widget_table: column widths for a table of sizes (plus invariants for every width),
 * cell fitting by display columns in Unicode and ASCII, exact header and row lines with sort
 * marks, and the stable row sort and text comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

#include "tui/widget_table.h"

#include "fake_render.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct table_column progress_cols[] = {
    {"Course", 10, 0, 2, TABLE_ALIGN_LEFT},
    {"Progress", 8, 20, 1, TABLE_ALIGN_LEFT},
    {"Score", 0, 0, 0, TABLE_ALIGN_RIGHT},
};
static const struct table_column fixed_cols[] = {
    {"A", 3, 0, 0, TABLE_ALIGN_LEFT},
    {"B", 4, 0, 0, TABLE_ALIGN_LEFT},
};
static const struct table_column even_cols[] = {
    {"a", 1, 0, 1, TABLE_ALIGN_LEFT},
    {"b", 1, 0, 1, TABLE_ALIGN_LEFT},
    {"c", 1, 0, 1, TABLE_ALIGN_LEFT},
};
static const struct table_column capped_cols[] = {
    {"X", 5, 3, 1, TABLE_ALIGN_LEFT}, /* max below min: stays at min */
};
static const struct table_column title_cols[] = {
    {"Name", 0, 0, 1, TABLE_ALIGN_LEFT},
    {"\xE6\x97\xA5\xE6\x9C\xAC", 0, 0, 0, TABLE_ALIGN_LEFT}, /* 日本: 4 columns */
};

static void test_table_widths(void **state)
{
    (void)state;
    static const struct {
        const struct table_column *cols;
        size_t count;
        int total;
        size_t want_shown;
        int want[3];
    } cases[] = {
        {progress_cols, 3, 40, 3, {18, 11, 7}},
        {progress_cols, 3, 29, 3, {10, 8, 7}},
        {progress_cols, 3, 28, 2, {16, 10, 0}}, /* Score no longer fits */
        {progress_cols, 3, 19, 1, {19, 0, 0}},
        {progress_cols, 3, 5, 1, {5, 0, 0}}, /* the first column shrinks, never hides */
        {progress_cols, 3, 0, 0, {0, 0, 0}},
        {progress_cols, 3, 100, 3, {69, 20, 7}}, /* Progress stops at its max */
        {fixed_cols, 2, 20, 2, {3, 4}},
        {fixed_cols, 2, 8, 1, {3, 0}},
        {even_cols, 3, 10, 3, {2, 2, 2}},
        {even_cols, 3, 11, 3, {3, 2, 2}},
        {even_cols, 3, 12, 3, {3, 3, 2}},
        {capped_cols, 1, 10, 1, {5}},
        {title_cols, 2, 16, 2, {8, 6}},
        {title_cols, 2, 13, 1, {13, 0}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got[3] = {-1, -1, -1};
        size_t shown = table_compute_widths(cases[i].cols, cases[i].count, cases[i].total, got);
        bool ok = shown == cases[i].want_shown;
        for (size_t c = 0; c < cases[i].count; c++)
            ok = ok && got[c] == cases[i].want[c];
        if (!ok)
            print_error("case %zu (total %d): shown %zu widths %d %d %d\n", i, cases[i].total,
                        shown, got[0], got[1], got[2]);
        assert_true(ok);
    }
}

/* For every width: shown columns have at least their min (except a lone shrunk first one),
 * the total never exceeds the width, and flex columns take all the room they may. */
static void test_table_width_invariants(void **state)
{
    (void)state;
    for (int total = 0; total <= 300; total++) {
        int w[3];
        size_t shown = table_compute_widths(progress_cols, 3, total, w);
        int sum = 0;
        for (size_t c = 0; c < 3; c++) {
            if (c >= shown) {
                assert_int_equal(w[c], 0);
                continue;
            }
            sum += w[c] + (c > 0 ? TABLE_GAP : 0);
            if (!(shown == 1 && c == 0))
                assert_true(w[c] >=
                            (progress_cols[c].min_width > 0 ? progress_cols[c].min_width : 7));
        }
        assert_true(sum <= total);
        if (shown > 0) /* Course has flex and no max: it takes whatever is left */
            assert_int_equal(sum, total);
        assert_true(w[1] <= 20);
    }
}

static void test_table_fit(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int width;
        enum table_align align;
        bool is_unicode;
        const char *want;
    } cases[] = {
        {"abc", 5, TABLE_ALIGN_LEFT, true, "abc  "},
        {"abc", 5, TABLE_ALIGN_RIGHT, true, "  abc"},
        {"abc", 6, TABLE_ALIGN_CENTER, true, " abc  "},
        {"abc", 3, TABLE_ALIGN_RIGHT, true, "abc"},
        {"abcdef", 4, TABLE_ALIGN_LEFT, true, "abc\xE2\x80\xA6"},
        {"abcdef", 4, TABLE_ALIGN_LEFT, false, "abc~"},
        {"abcdef", 4, TABLE_ALIGN_RIGHT, false, "abc~"},
        {"abcdef", 1, TABLE_ALIGN_LEFT, true, "\xE2\x80\xA6"},
        {"abc", 0, TABLE_ALIGN_LEFT, true, ""},
        {"abc", -3, TABLE_ALIGN_LEFT, true, ""},
        {"", 3, TABLE_ALIGN_LEFT, true, "   "},
        {NULL, 2, TABLE_ALIGN_LEFT, true, "  "},
        {"Python Basics", 15, TABLE_ALIGN_LEFT, true, "Python Basics  "},
        /* wide characters are never split: the cut leaves a blank column */
        {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 4, TABLE_ALIGN_LEFT, true,
         "\xE6\x97\xA5\xE2\x80\xA6 "},
        {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 6, TABLE_ALIGN_LEFT, true,
         "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 7, TABLE_ALIGN_RIGHT, true,
         " \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        {"\xF0\x9F\x8E\x93x", 2, TABLE_ALIGN_LEFT, true, "\xE2\x80\xA6 "},
        /* combining marks stay with their base and take no column */
        {"e\xCC\x81te", 3, TABLE_ALIGN_LEFT, true, "e\xCC\x81te"},
        {"e\xCC\x81tex", 3, TABLE_ALIGN_LEFT, true, "e\xCC\x81t\xE2\x80\xA6"},
        /* untrusted text: controls and escape sequences never reach the terminal */
        {"a\tb\nc", 5, TABLE_ALIGN_LEFT, true, "a b c"},
        {"x\x1b[31my", 3, TABLE_ALIGN_LEFT, true, "xy "},
        {"a\x07", 2, TABLE_ALIGN_LEFT, false, "a\xEF\xBF\xBD"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *got =
            table_fit_text(cases[i].text, cases[i].width, cases[i].align, cases[i].is_unicode);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu: [%s] want [%s]\n", i, got, cases[i].want);
        assert_string_equal(got, cases[i].want);
        if (cases[i].width > 0)
            assert_int_equal(utf8_width(got, strlen(got)), (size_t)cases[i].width);
        free(got);
    }
}

static const char *const courses[][2] = {
    {"Python Basics", "55"},
    {"SQL", "100"},
    {"\xC3\x9C"
     "bersicht",
     NULL},
};

static const char *course_cell(void *userdata, size_t row, size_t col)
{
    (void)userdata;
    return courses[row][col];
}

static const struct table_column course_cols[] = {
    {"Course", 8, 0, 1, TABLE_ALIGN_LEFT},
    {"Score", 0, 0, 0, TABLE_ALIGN_RIGHT},
};

static void test_table_lines(void **state)
{
    (void)state;
    struct table *t = table_new(course_cols, N(course_cols), course_cell, NULL);
    table_set_count(t, N(courses));
    static const struct {
        int width;
        long sort_col; /* -1: none */
        bool is_descending, is_unicode;
        const char *header;
        const char *rows[3];
    } cases[] = {
        {20,
         -1,
         false,
         true,
         "Course         Score",
         {"Python Bas\xE2\x80\xA6       55", "SQL              100",
          "\xC3\x9C"
          "bersicht"
          "           "}},
        {20,
         1,
         false,
         true,
         "Course       Score \xE2\x96\xB2",
         {"Python Bas\xE2\x80\xA6       55", "SQL              100",
          "\xC3\x9C"
          "bersicht"
          "           "}},
        {20, 1, true, true, "Course       Score \xE2\x96\xBC", {NULL}},
        {20, 0, true, false, "Course v       Score", {"Python Bas~       55", NULL}},
        {10, 0, false, false, "Course ^  ", {"Python Ba~", "SQL       ", NULL}},
        {24, 1, false, false, "Course           Score ^", {"Python Basics         55", NULL}},
        {0, -1, false, true, "", {"", NULL}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        table_set_sort(t, cases[i].sort_col < 0 ? SIZE_MAX : (size_t)cases[i].sort_col,
                       cases[i].is_descending);
        char *got = table_format_header(t, cases[i].width, cases[i].is_unicode);
        if (strcmp(got, cases[i].header) != 0)
            print_error("case %zu header: [%s]\n", i, got);
        assert_string_equal(got, cases[i].header);
        free(got);
        for (size_t r = 0; r < 3 && cases[i].rows[r]; r++) {
            got = table_format_row(t, r, cases[i].width, cases[i].is_unicode);
            if (strcmp(got, cases[i].rows[r]) != 0)
                print_error("case %zu row %zu: [%s]\n", i, r, got);
            assert_string_equal(got, cases[i].rows[r]);
            free(got);
        }
    }
    table_free(t);
}

static void test_table_model(void **state)
{
    (void)state;
    struct table *t = table_new(course_cols, N(course_cols), course_cell, NULL);
    assert_int_equal(table_selected(t), SIZE_MAX);
    table_set_count(t, 3);
    assert_int_equal(table_selected(t), 0);
    assert_true(list_end(table_list(t)));
    assert_int_equal(table_selected(t), 2);
    table_set_count(t, 1);
    assert_int_equal(table_selected(t), 0);

    size_t col = 9;
    bool desc = true;
    assert_false(table_sort_of(t, &col, &desc));
    assert_false(table_toggle_sort(t, 1)); /* a new column sorts ascending */
    assert_true(table_sort_of(t, &col, &desc));
    assert_int_equal(col, 1);
    assert_false(desc);
    assert_true(table_toggle_sort(t, 1)); /* the same column flips */
    assert_false(table_toggle_sort(t, 1));
    assert_true(table_toggle_sort(t, 1));
    assert_false(table_toggle_sort(t, 0)); /* another column starts ascending again */
    assert_true(table_sort_of(t, &col, &desc));
    assert_int_equal(col, 0);
    /* width 20: Course 0..10, gap 11..12, Score 13..19 */
    static const struct {
        int width, x;
        size_t want;
    } clicks[] = {{20, 0, 0},  {20, 10, 0},       {20, 11, SIZE_MAX}, {20, 12, SIZE_MAX},
                  {20, 13, 1}, {20, 19, 1},       {20, 20, SIZE_MAX}, {20, -1, SIZE_MAX},
                  {10, 9, 0},  {10, 13, SIZE_MAX}};
    for (size_t i = 0; i < N(clicks); i++)
        assert_int_equal(table_column_at(t, clicks[i].width, clicks[i].x), clicks[i].want);
    table_set_sort(t, 2, true); /* out of range: no sort */
    assert_false(table_sort_of(t, NULL, NULL));
    table_set_empty_text(t, "No courses yet");
    table_set_empty_text(t, NULL);
    table_set_empty_text(t, "No courses");
    table_free(t);
    table_free(NULL);
}

static int compare_ints(void *userdata, size_t a, size_t b)
{
    const int *keys = userdata;
    return (keys[a] > keys[b]) - (keys[a] < keys[b]);
}

static void test_table_sort_rows(void **state)
{
    (void)state;
    int scores[] = {3, 1, 3, 2, 1};
    size_t order[5] = {0, 1, 2, 3, 4};
    table_sort_rows(order, 5, compare_ints, scores, false);
    static const size_t asc[] = {1, 4, 3, 0, 2};
    assert_memory_equal(order, asc, sizeof asc);
    size_t order2[5] = {0, 1, 2, 3, 4};
    table_sort_rows(order2, 5, compare_ints, scores, true);
    static const size_t desc[] = {0, 2, 3, 1, 4};
    assert_memory_equal(order2, desc, sizeof desc);

    /* Every length up to 70 with few distinct keys: sorted, and equal keys keep their order. */
    uint32_t seed = 7;
    for (size_t n = 0; n <= 70; n++) {
        int keys[70];
        size_t idx[70];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            keys[i] = (int)((seed >> 16) % 5);
            idx[i] = i;
        }
        for (int d = 0; d < 2; d++) {
            for (size_t i = 0; i < n; i++)
                idx[i] = i;
            table_sort_rows(idx, n, compare_ints, keys, d == 1);
            bool seen[70] = {false};
            for (size_t i = 0; i < n; i++) {
                assert_false(seen[idx[i]]);
                seen[idx[i]] = true;
                if (i == 0)
                    continue;
                int a = keys[idx[i - 1]], b = keys[idx[i]];
                assert_true(d == 1 ? a >= b : a <= b);
                if (a == b)
                    assert_true(idx[i - 1] < idx[i]);
            }
        }
    }
}

static void test_table_compare_text(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"Week 2", "Week 10", -1},
        {"week 10", "Week 2", 1},
        {"a", "B", -1},
        {"Zebra", "apple", 1},
        {"abc", "abcd", -1},
        {"abcd", "abc", 1},
        {"x", "x", 0},
        {"A", "a", -1}, /* equal ignoring case: still ordered, "A" first */
        {"\xC3\x84rger", "\xC3\xA4rger", -1},
        {"\xC3\xA4rger", "Brot", 1}, /* ä sorts after the ASCII letters */
        {"007", "7", -1},
        {"a2b", "a10a", -1},
        {"v1.10", "v1.9", 1},
        {NULL, "a", -1},
        {"a", NULL, 1},
        {NULL, NULL, 0},
        {"", "a", -1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got = table_compare_text(cases[i].a, cases[i].b);
        int sign = (got > 0) - (got < 0);
        if (sign != cases[i].want)
            print_error("case %zu: %d\n", i, got);
        assert_int_equal(sign, cases[i].want);
        int back = table_compare_text(cases[i].b, cases[i].a);
        assert_int_equal((back > 0) - (back < 0), -cases[i].want);
    }
}

/* Drawing: header, visible rows after scrolling, the selection band, the empty text. */
static void test_table_draw(void **state)
{
    (void)state;
    static struct render r;
    fake_render_init(&r, 10, 30, true);
    struct table *t = table_new(course_cols, N(course_cols), course_cell, NULL);
    table_set_sort(t, 1, true);
    table_set_count(t, 3);
    struct layout_rect rect = {2, 1, 3, 20}; /* header and two rows */
    list_end(table_list(t));
    table_draw(t, &r, &rect, true);
    assert_int_equal(table_list(t)->height, 2);
    static const char *const want[] = {
        "                              ",
        "                              ",
        " Course       Score \xE2\x96\xBC         ",
        " SQL              100         ",
        " \xC3\x9C"
        "bersicht"
        "           "
        "         ",
        "                              ",
    };
    for (int y = 0; y < 6; y++) {
        char *got = fake_row(&r, y, 0, 30);
        if (strcmp(got, want[y]) != 0)
            print_error("row %d: [%s]\n", y, got);
        assert_string_equal(got, want[y]);
        free(got);
    }
    assert_int_equal(fake_role(&r, 2, 1), THEME_TITLE);
    assert_int_equal(fake_role(&r, 3, 1), THEME_DEFAULT);
    assert_int_equal(fake_role(&r, 4, 1), THEME_SELECTION);
    assert_int_equal(fake_role(&r, 4, 20), THEME_SELECTION); /* the band spans the width */
    assert_int_equal(fake_role(&r, 4, 21), THEME_DEFAULT);

    fake_render_init(&r, 10, 30, false);
    table_set_count(t, 0);
    table_set_empty_text(t, "No courses yet");
    table_draw(t, &r, &rect, true);
    char *got = fake_row(&r, 3, 1, 20);
    assert_string_equal(got, "No courses yet      ");
    free(got);
    assert_int_equal(fake_role(&r, 3, 1), THEME_NOTE);
    got = fake_row(&r, 2, 1, 20);
    assert_string_equal(got, "Course       Score v");
    free(got);
    table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_widths),       cmocka_unit_test(test_table_width_invariants),
        cmocka_unit_test(test_table_fit),          cmocka_unit_test(test_table_lines),
        cmocka_unit_test(test_table_model),        cmocka_unit_test(test_table_sort_rows),
        cmocka_unit_test(test_table_compare_text), cmocka_unit_test(test_table_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

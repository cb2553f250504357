/* test_layout: every rectangle for a table of terminal sizes, as text, plus the invariants
 * (inside the screen, no overlap) for every size from 1x1 to 200x80. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/layout.h"

static void test_layout_table(void **state)
{
    (void)state;
    static const struct {
        int rows, cols;
        bool has_sources;
        int input_lines;
        const char *want;
    } cases[] = {
        {24, 80, false, 1,
         "header 0,0 1x80\ntabs 1,0 1x80\nconversation 2,0 19x80\ninput 21,0 2x80\n"
         "status 23,0 1x80\n"},
        {24, 80, true, 1,
         "header 0,0 1x80\ntabs 1,0 1x80\nconversation 2,0 11x80\nseparator 13,0 1x80\n"
         "sources 14,0 7x80\ninput 21,0 2x80\nstatus 23,0 1x80\n"},
        {30, 120, true, 3,
         "header 0,0 1x120\ntabs 1,0 1x120\nconversation 2,0 23x77\nseparator 2,77 23x1\n"
         "sources 2,78 23x42\ninput 25,0 4x120\nstatus 29,0 1x120\n"},
        {20, 60, false, 20, /* the input is capped at a third of the screen */
         "header 0,0 1x60\ntabs 1,0 1x60\nconversation 2,0 10x60\ninput 12,0 7x60\n"
         "status 19,0 1x60\n"},
        {10, 40, true, 1,
         "header 0,0 1x40\ntabs 1,0 1x40\nconversation 2,0 2x40\nseparator 4,0 1x40\n"
         "sources 5,0 2x40\ninput 7,0 2x40\nstatus 9,0 1x40\n"},
        {9, 80, false, 1, "too small\n"},
        {24, 39, false, 1, "too small\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct layout_frame f;
        layout_frame_compute(cases[i].rows, cases[i].cols, &f);
        struct layout_params p = {.body = f.body,
                                  .screen_rows = cases[i].rows,
                                  .has_sources = cases[i].has_sources,
                                  .input_lines = cases[i].input_lines};
        struct layout l;
        layout_compute(&p, &l);
        char *got = layout_describe(&f, &l);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu (%dx%d):\n%s", i, cases[i].cols, cases[i].rows, got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static bool overlaps(const struct layout_rect *a, const struct layout_rect *b)
{
    if (a->h == 0 || a->w == 0 || b->h == 0 || b->w == 0)
        return false;
    return a->y < b->y + b->h && b->y < a->y + a->h && a->x < b->x + b->w && b->x < a->x + a->w;
}

static void test_layout_invariants(void **state)
{
    (void)state;
    for (int rows = 1; rows <= 80; rows++) {
        for (int cols = 1; cols <= 200; cols += 3) {
            for (int s = 0; s < 2; s++) {
                for (int lines = 1; lines <= 12; lines += 5) {
                    struct layout_frame f;
                    layout_frame_compute(rows, cols, &f);
                    assert_int_equal(f.is_too_small,
                                     rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS);
                    if (f.is_too_small)
                        continue;
                    struct layout_params p = {f.body, rows, s == 1, lines};
                    struct layout l;
                    layout_compute(&p, &l);
                    const struct layout_rect *r[] = {&f.header,  &f.tabs,    &l.conversation,
                                                     &l.separator, &l.sources, &l.input,
                                                     &f.status};
                    size_t n = sizeof r / sizeof r[0];
                    for (size_t i = 0; i < n; i++) {
                        assert_true(r[i]->y >= 0 && r[i]->x >= 0);
                        assert_true(r[i]->y + r[i]->h <= rows);
                        assert_true(r[i]->x + r[i]->w <= cols);
                        for (size_t j = i + 1; j < n; j++)
                            assert_false(overlaps(r[i], r[j]));
                    }
                    assert_true(l.conversation.h >= 1);
                    assert_true(l.input.h >= 2);
                    assert_int_equal(l.sources.h > 0, s == 1 && l.input.y - 2 >= 3);
                }
            }
        }
    }
}

/* The tabs that do not fit: the active one always shows, with its neighbours as they fit. */
static void test_tab_window(void **state)
{
    (void)state;
    const int w[] = {10, 10, 10, 10, 10};
    int first, end;
    layout_tab_window(w, 5, 0, 50, &first, &end); /* all fit exactly */
    assert_int_equal(first, 0);
    assert_int_equal(end, 5);
    layout_tab_window(w, 5, 0, 49, &first, &end); /* 4 tabs and the right marker */
    assert_int_equal(first, 0);
    assert_int_equal(end, 4);
    layout_tab_window(w, 5, 4, 49, &first, &end); /* the last: the left marker and 4 tabs */
    assert_int_equal(first, 1);
    assert_int_equal(end, 5);
    layout_tab_window(w, 5, 2, 34, &first, &end); /* among the first ones: no scrolling */
    assert_int_equal(first, 0);
    assert_int_equal(end, 3);
    layout_tab_window(w, 5, 2, 24, &first, &end); /* past them: both markers and 2 tabs */
    assert_int_equal(first, 1);
    assert_int_equal(end, 3);
    layout_tab_window(w, 5, 3, 5, &first, &end); /* too narrow for one: still the active one */
    assert_int_equal(first, 3);
    assert_int_equal(end, 4);
    for (int width = 0; width <= 60; width++) { /* the active tab is always in the run */
        for (int active = 0; active < 5; active++) {
            layout_tab_window(w, 5, active, width, &first, &end);
            assert_true(first <= active && active < end && end <= 5);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tab_window),
        cmocka_unit_test(test_layout_table),
        cmocka_unit_test(test_layout_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

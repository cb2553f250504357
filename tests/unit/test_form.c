/* test_form: typing into each kind of field, validation messages for a table of values, focus
 * and error bookkeeping, stepping numbers and choices, and the drawn rows (labels, values,
 * cursor, errors, scrolling) through the fake render. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/form.h"

#include "fake_render.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum { F_TITLE, F_KIND, F_LIMIT, F_PASS, F_NOTES, F_OFFSET };

static const char *const kinds[] = {"Quiz", "Exam", "Survey"};

static const char *no_bad_words(void *userdata, const char *value)
{
    int *calls = userdata;
    (*calls)++;
    return strstr(value, "bad") ? "Notes must be polite" : NULL;
}

static struct form *assessment_form(int *check_calls)
{
    struct form *f = form_new();
    assert_int_equal(form_add_text(f, "Title", true, 10), F_TITLE);
    assert_int_equal(form_add_choice(f, "Kind", kinds, N(kinds)), F_KIND);
    assert_int_equal(form_add_number(f, "Time limit", true, 1, 600), F_LIMIT);
    form_set_message(f, F_LIMIT, "Time limit must be a positive number of minutes");
    assert_int_equal(form_add_number(f, "Pass mark", false, 0, 100), F_PASS);
    assert_int_equal(form_add_text(f, "Notes", false, 0), F_NOTES);
    form_set_check(f, F_NOTES, no_bad_words, check_calls);
    assert_int_equal(form_add_number(f, "Offset", false, -10, 10), F_OFFSET);
    return f;
}

static void type(struct form *f, const char *s)
{
    form_insert(f, s, strlen(s));
}

static void test_form_text_editing(void **state)
{
    (void)state;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    assert_int_equal(form_count(f), 6);
    assert_int_equal(form_kind_of(f, F_KIND), FORM_CHOICE);
    assert_int_equal(form_focused(f), F_TITLE);
    assert_false(form_is_modified(f));

    type(f, "Grüße");
    assert_string_equal(form_text(f, F_TITLE), "Grüße");
    assert_int_equal(form_cursor(f), strlen("Grüße"));
    assert_true(form_is_modified(f));
    assert_true(form_backspace(f));
    assert_true(form_backspace(f)); /* ß is two bytes, removed whole */
    assert_string_equal(form_text(f, F_TITLE), "Grü");
    assert_true(form_home(f));
    assert_false(form_left(f));
    assert_true(form_right(f));
    assert_true(form_right(f));
    assert_int_equal(form_cursor(f), 2); /* after "Gr" */
    form_end(f);
    type(f, "\nline\ttwo\x07");
    assert_string_equal(form_text(f, F_TITLE), "Grü line two");
    assert_true(form_delete_word_back(f));
    assert_string_equal(form_text(f, F_TITLE), "Grü line ");
    assert_true(form_home(f));
    assert_true(form_word_right(f)); /* to the start of the next word */
    assert_true(form_kill_to_end(f));
    assert_string_equal(form_text(f, F_TITLE), "Grü ");
    assert_true(form_kill_to_start(f));
    assert_string_equal(form_text(f, F_TITLE), "");
    assert_false(form_backspace(f));
    assert_false(form_delete(f));
    assert_false(form_step(f, 1)); /* text fields do not step */
    assert_false(form_insert(f, "", 0));

    form_mark_clean(f);
    assert_false(form_is_modified(f));
    form_set_text(f, F_TITLE, "Loaded\nvalue");
    assert_string_equal(form_text(f, F_TITLE), "Loaded value");
    assert_true(form_is_modified(f));
    form_free(f);
    form_free(NULL);
}

static void test_form_numbers(void **state)
{
    (void)state;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    form_focus(f, F_LIMIT);
    assert_true(form_insert(f, "3a0 min", 7));
    assert_string_equal(form_text(f, F_LIMIT), "30");
    assert_false(form_insert(f, "-", 1)); /* min is 1: no sign */
    assert_false(form_insert(f, "abc", 3));
    long v = 0;
    assert_true(form_number(f, F_LIMIT, &v));
    assert_int_equal(v, 30);
    type(f, "0000000000000000000000");
    assert_int_equal(strlen(form_text(f, F_LIMIT)), 18); /* digits are capped */
    assert_false(form_number(f, F_LIMIT, &v));           /* out of range */

    form_focus(f, F_OFFSET);
    assert_true(form_insert(f, "-5", 2));
    assert_string_equal(form_text(f, F_OFFSET), "-5");
    assert_true(form_number(f, F_OFFSET, &v));
    assert_int_equal(v, -5);
    assert_false(form_insert(f, "-", 1)); /* one sign, at the start only */
    form_home(f);
    assert_false(form_insert(f, "7", 1)); /* nothing before the sign */
    assert_string_equal(form_text(f, F_OFFSET), "-5");
    form_set_text(f, F_OFFSET, "-");
    assert_false(form_number(f, F_OFFSET, &v));

    /* stepping: from a valid value, clamped; from nothing, the start of the range */
    static const struct {
        size_t field;
        const char *start;
        long delta;
        const char *want;
        bool want_changed;
    } steps[] = {
        {F_LIMIT, "30", 1, "31", true},         {F_LIMIT, "30", -5, "25", true},
        {F_LIMIT, "599", 5, "600", true},       {F_LIMIT, "600", 1, "600", false},
        {F_LIMIT, "1", -1, "1", false},         {F_LIMIT, "", 1, "1", true},
        {F_LIMIT, "9999", -1, "1", true},       {F_OFFSET, "", -1, "0", true},
        {F_OFFSET, "-9", -3, "-10", true},      {F_OFFSET, "3", LONG_MAX, "10", true},
        {F_OFFSET, "3", LONG_MIN, "-10", true},
    };
    for (size_t i = 0; i < N(steps); i++) {
        form_set_text(f, steps[i].field, steps[i].start);
        form_focus(f, steps[i].field);
        bool changed = form_step(f, steps[i].delta);
        if (strcmp(form_text(f, steps[i].field), steps[i].want) != 0 ||
            changed != steps[i].want_changed)
            print_error("step %zu: %s changed %d\n", i, form_text(f, steps[i].field), changed);
        assert_string_equal(form_text(f, steps[i].field), steps[i].want);
        assert_int_equal(changed, steps[i].want_changed);
    }
    form_set_number(f, F_PASS, 75);
    assert_string_equal(form_text(f, F_PASS), "75");
    assert_false(form_number(f, F_TITLE, &v)); /* not a number field */
    form_free(f);
}

static void test_form_choices(void **state)
{
    (void)state;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    form_focus(f, F_KIND);
    assert_string_equal(form_text(f, F_KIND), "Quiz");
    assert_true(form_right(f));
    assert_int_equal(form_choice(f, F_KIND), 1);
    assert_true(form_left(f));
    assert_true(form_left(f)); /* wraps to the last */
    assert_string_equal(form_text(f, F_KIND), "Survey");
    assert_true(form_insert(f, " ", 1)); /* space: next, wrapping */
    assert_string_equal(form_text(f, F_KIND), "Quiz");
    assert_true(form_insert(f, "e", 1)); /* a letter: the next option starting with it */
    assert_string_equal(form_text(f, F_KIND), "Exam");
    assert_true(form_insert(f, "S", 1));
    assert_false(form_insert(f, "s", 1)); /* already the only one */
    assert_false(form_insert(f, "x", 1));
    assert_true(form_step(f, 2));
    assert_string_equal(form_text(f, F_KIND), "Exam");
    assert_true(form_step(f, -4));
    assert_string_equal(form_text(f, F_KIND), "Quiz");
    assert_false(form_home(f)); /* no cursor in a choice */
    assert_false(form_backspace(f));
    assert_int_equal(form_cursor(f), 0);
    form_set_choice(f, F_KIND, 2);
    assert_int_equal(form_choice(f, F_KIND), 2);
    form_set_choice(f, F_KIND, 3); /* out of range: ignored */
    assert_int_equal(form_choice(f, F_KIND), 2);
    form_set_text(f, F_KIND, "Exam");
    assert_int_equal(form_choice(f, F_KIND), 1);
    form_set_text(f, F_KIND, "Poll");
    assert_int_equal(form_choice(f, F_KIND), 1);

    size_t empty = form_add_choice(f, "Nothing", NULL, 0);
    form_focus(f, empty);
    assert_string_equal(form_text(f, empty), "");
    assert_false(form_right(f));
    assert_false(form_insert(f, " ", 1));
    assert_null(form_check(f, empty));
    form_free(f);
}

static void test_form_focus(void **state)
{
    (void)state;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    assert_false(form_focus_prev(f));
    for (size_t i = 1; i < 6; i++) {
        assert_true(form_focus_next(f));
        assert_int_equal(form_focused(f), i);
    }
    assert_false(form_focus_next(f)); /* stops at the end */
    assert_int_equal(form_focused(f), 5);
    assert_true(form_focus_prev(f));
    assert_int_equal(form_focused(f), 4);
    form_focus(f, 99); /* ignored */
    assert_int_equal(form_focused(f), 4);
    form_free(f);

    struct form *none = form_new();
    assert_false(form_focus_next(none));
    assert_false(form_insert(none, "a", 1));
    assert_false(form_left(none));
    assert_false(form_step(none, 1));
    assert_true(form_validate(none, NULL, NULL));
    form_free(none);
}

static void test_form_validation(void **state)
{
    (void)state;
    static const struct {
        size_t field;
        const char *value;
        const char *want; /* NULL: valid */
    } cases[] = {
        {F_TITLE, "", "Title is required"},
        {F_TITLE, "   ", "Title is required"},
        {F_TITLE, "Python", NULL},
        {F_TITLE, "0123456789", NULL},
        {F_TITLE, "01234567890", "Title must be at most 10 characters"},
        {F_TITLE, "ÄÖÜäöüßÄÖÜ", NULL}, /* characters, not bytes */
        {F_TITLE, "日本語のコースです", NULL},
        {F_LIMIT, "", "Time limit must be a positive number of minutes"},
        {F_LIMIT, "0", "Time limit must be a positive number of minutes"},
        {F_LIMIT, "601", "Time limit must be a positive number of minutes"},
        {F_LIMIT, "45", NULL},
        {F_PASS, "", NULL},
        {F_PASS, "100", NULL},
        {F_PASS, "101", "Pass mark must be between 0 and 100"},
        {F_OFFSET, "-", "Offset must be a whole number"},
        {F_OFFSET, "-11", "Offset must be between -10 and 10"},
        {F_NOTES, "", NULL},
        {F_NOTES, "a bad idea", "Notes must be polite"},
        {F_NOTES, "fine", NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int calls = 0;
        struct form *f = assessment_form(&calls);
        form_set_text(f, cases[i].field, cases[i].value);
        const char *got = form_check(f, cases[i].field);
        if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want) != 0))
            print_error("case %zu: %s\n", i, got ? got : "(valid)");
        if (cases[i].want)
            assert_string_equal(got, cases[i].want);
        else
            assert_null(got);
        if (cases[i].field == F_NOTES) /* the own rule runs only after the built-in ones */
            assert_int_equal(calls, 1);
        form_free(f);
    }

    struct form *f = form_new();
    size_t min_only = form_add_number(f, "Seats", true, 1, LONG_MAX);
    size_t max_only = form_add_number(f, "Debt", true, LONG_MIN, 0);
    form_set_text(f, min_only, "0");
    assert_string_equal(form_check(f, min_only), "Seats must be at least 1");
    form_set_text(f, max_only, "5");
    assert_string_equal(form_check(f, max_only), "Debt must be at most 0");
    form_set_text(f, max_only, "99999999999999999999999");
    assert_string_equal(form_check(f, max_only), "Debt must be a whole number");
    form_free(f);
}

static void test_form_validate_all(void **state)
{
    (void)state;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    form_focus(f, F_NOTES);
    form_set_text(f, F_TITLE, "Python");
    form_set_text(f, F_LIMIT, "0");
    form_set_text(f, F_PASS, "200");
    size_t field = 99;
    const char *msg = NULL;
    assert_false(form_validate(f, &field, &msg));
    assert_int_equal(field, F_LIMIT);
    assert_string_equal(msg, "Time limit must be a positive number of minutes");
    assert_int_equal(form_focused(f), F_LIMIT); /* the first problem gets the focus */
    assert_null(form_error(f, F_TITLE));
    assert_non_null(form_error(f, F_LIMIT));
    assert_string_equal(form_error(f, F_PASS), "Pass mark must be between 0 and 100");
    type(f, "5"); /* editing a field clears its error only */
    assert_null(form_error(f, F_LIMIT));
    assert_non_null(form_error(f, F_PASS));
    assert_false(form_validate(f, NULL, NULL));
    assert_int_equal(form_focused(f), F_PASS);
    form_set_number(f, F_PASS, 80);
    assert_true(form_validate(f, &field, &msg));
    for (size_t i = 0; i < form_count(f); i++)
        assert_null(form_error(f, i));
    long v;
    assert_true(form_number(f, F_LIMIT, &v));
    assert_int_equal(v, 5);
    form_free(f);
}

static void check_row(const struct render *r, int y, const char *want)
{
    char *got = fake_row(r, y, 0, (int)utf8_width(want, strlen(want)));
    if (strcmp(got, want) != 0)
        print_error("row %d: [%s] want [%s]\n", y, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void test_form_draw(void **state)
{
    (void)state;
    static struct render r;
    int calls = 0;
    struct form *f = assessment_form(&calls);
    form_set_placeholder(f, F_PASS, "0-100");
    form_set_text(f, F_TITLE, "Python");
    form_set_text(f, F_LIMIT, "0");
    form_validate(f, NULL, NULL);
    fake_render_init(&r, 20, 40, true);
    struct layout_rect rect = {0, 0, 10, 30};
    form_draw(f, &r, &rect, true);
    check_row(&r, 0, "Title *      Python          ");
    check_row(&r, 1, "Kind         ‹ Quiz ›        ");
    check_row(&r, 2, "Time limit * 0               ");
    check_row(&r, 3, "             Time limit must b");
    check_row(&r, 4, "Pass mark    0-100           ");
    check_row(&r, 5, "Notes                        ");
    check_row(&r, 6, "Offset                       ");
    assert_int_equal(fake_role(&r, 0, 0), THEME_DEFAULT);
    assert_int_equal(fake_role(&r, 0, 13), THEME_INPUT);
    assert_int_equal(fake_role(&r, 2, 0), THEME_TITLE); /* focused by validation */
    assert_int_equal(fake_role(&r, 3, 13), THEME_ERROR);
    assert_int_equal(fake_role(&r, 4, 13), THEME_PLACEHOLDER);
    assert_int_equal(r.cursor_y, 2);
    assert_int_equal(r.cursor_x, 14);

    /* a short rect scrolls to the focused field; the choice is highlighted when focused */
    fake_render_init(&r, 20, 40, false);
    form_focus(f, F_OFFSET);
    struct layout_rect small = {0, 0, 3, 30};
    form_draw(f, &r, &small, true);
    check_row(&r, 0, "Pass mark    0-100           ");
    check_row(&r, 1, "Notes                        ");
    check_row(&r, 2, "Offset                       ");
    form_focus(f, F_KIND);
    form_draw(f, &r, &small, true);
    check_row(&r, 0, "Kind         < Quiz >        ");
    assert_int_equal(fake_role(&r, 0, 13), THEME_SELECTION);

    /* long text scrolls horizontally to keep the cursor in view */
    fake_render_init(&r, 20, 40, true);
    form_focus(f, F_NOTES);
    type(f, "abcdefghijklmnopqrstuvwxyz");
    struct layout_rect narrow = {0, 0, 10, 20};
    form_draw(f, &r, &narrow, true);
    /* labels take at most half: 10 columns, values 9 */
    check_row(&r, 4, "Notes      stuvwxyz ");
    assert_int_equal(r.cursor_x, 19);
    assert_int_equal(r.cursor_y, 4);
    form_home(f);
    form_draw(f, &r, &narrow, true);
    check_row(&r, 4, "Notes      abcdefghi");
    assert_int_equal(r.cursor_x, 11);
    form_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_text_editing), cmocka_unit_test(test_form_numbers),
        cmocka_unit_test(test_form_choices),      cmocka_unit_test(test_form_focus),
        cmocka_unit_test(test_form_validation),   cmocka_unit_test(test_form_validate_all),
        cmocka_unit_test(test_form_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

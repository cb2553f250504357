/* test_doc_editor: the Content tab's document editor: typing and undo/redo in word groups,
 * line splits and joins, wide and combining characters under the cursor and in soft wrap,
 * search and replace (one undo step for all), nano-style cut/paste of lines and selections,
 * go to line, the dirty flag across undo, and a 1 MB document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/doc_editor.h"

static void expect_text(struct doc_editor *e, const char *want)
{
    char *t = doc_editor_text(e, NULL);
    assert_string_equal(t, want);
    free(t);
}

static void type(struct doc_editor *e, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            doc_editor_newline(e);
        else
            doc_editor_insert(e, s, 1);
    }
}

static void test_type_undo_redo(void **state)
{
    (void)state;
    struct doc_editor *e = doc_editor_new(NULL, 0);
    assert_false(doc_editor_is_dirty(e));
    type(e, "hello world");
    expect_text(e, "hello world");
    assert_true(doc_editor_is_dirty(e));
    assert_true(doc_editor_undo(e));
    expect_text(e, "hello"); /* the second word is one step */
    assert_true(doc_editor_undo(e));
    expect_text(e, "");
    assert_false(doc_editor_is_dirty(e));
    assert_false(doc_editor_undo(e));
    assert_true(doc_editor_redo(e));
    assert_true(doc_editor_redo(e));
    expect_text(e, "hello world");
    assert_false(doc_editor_redo(e));
    /* a new edit after undo drops the redo branch */
    doc_editor_undo(e);
    type(e, "!");
    expect_text(e, "hello!");
    assert_false(doc_editor_redo(e));
    doc_editor_free(e);
}

static void test_lines_split_join(void **state)
{
    (void)state;
    struct doc_editor *e = doc_editor_new("ab\ncd", 5);
    assert_int_equal(doc_editor_line_count(e), 2);
    doc_editor_right(e);
    doc_editor_newline(e);
    expect_text(e, "a\nb\ncd");
    assert_int_equal(doc_editor_cursor(e).line, 1);
    assert_int_equal(doc_editor_cursor(e).col, 0);
    doc_editor_backspace(e);
    expect_text(e, "ab\ncd");
    doc_editor_end(e);
    doc_editor_delete(e); /* joins with the next line */
    expect_text(e, "abcd");
    doc_editor_undo(e);
    expect_text(e, "ab\ncd");
    doc_editor_undo(e);
    doc_editor_undo(e);
    expect_text(e, "ab\ncd");
    /* multi-line insert in the middle of a line keeps the tail */
    doc_editor_set_cursor(e, (struct doc_pos){0, 1});
    doc_editor_insert(e, "X\nY\nZ", 5);
    expect_text(e, "aX\nY\nZb\ncd");
    assert_int_equal(doc_editor_cursor(e).line, 2);
    assert_int_equal(doc_editor_cursor(e).col, 1);
    doc_editor_undo(e);
    expect_text(e, "ab\ncd");
    doc_editor_free(e);
}

static void test_wide_characters(void **state)
{
    (void)state;
    /* "日本" is 2 columns each, "é" as e + combining acute */
    const char *t = "\xE6\x97\xA5\xE6\x9C\xAC e\xCC\x81x";
    struct doc_editor *e = doc_editor_new(t, strlen(t));
    doc_editor_right(e);
    assert_int_equal(doc_editor_cursor(e).col, 3); /* one whole character */
    size_t row;
    int col;
    doc_editor_cursor_visual(e, 80, &row, &col);
    assert_int_equal(col, 2);
    doc_editor_backspace(e);
    expect_text(e, "\xE6\x9C\xAC e\xCC\x81x");
    /* soft wrap at 3 columns never splits a wide character */
    size_t off[8];
    size_t rows = doc_editor_wrap_line(e, 0, 3, off, 8);
    assert_true(rows >= 2);
    for (size_t i = 1; i < rows && i < 8; i++)
        assert_true(off[i] != 1 && off[i] != 2);
    /* invalid bytes and controls become U+FFFD, CR goes */
    doc_editor_set_text(e, "a\x01\xff\r\nb", 6);
    expect_text(e, "a\xEF\xBF\xBD\xEF\xBF\xBD\nb");
    doc_editor_free(e);
}

static void test_soft_wrap_up_down(void **state)
{
    (void)state;
    const char *t = "one two three four five six\nshort";
    struct doc_editor *e = doc_editor_new(t, strlen(t));
    size_t off[16];
    size_t rows = doc_editor_wrap_line(e, 0, 10, off, 16);
    assert_int_equal(rows, 3); /* "one two ", "three ", "four five ", "six" at spaces */
    (void)rows;
    assert_int_equal(off[1], 8);
    doc_editor_down(e, 10); /* a visual row, not the next line */
    assert_int_equal(doc_editor_cursor(e).line, 0);
    assert_int_equal(doc_editor_cursor(e).col, 8);
    doc_editor_down(e, 10);
    doc_editor_down(e, 10);
    doc_editor_down(e, 10);
    assert_int_equal(doc_editor_cursor(e).line, 1);
    doc_editor_up(e, 10);
    assert_int_equal(doc_editor_cursor(e).line, 0);
    /* scrolling keeps the cursor in a 2-row view */
    size_t top_line = 0, top_row = 0;
    doc_editor_bottom(e);
    doc_editor_scroll_to_cursor(e, 10, 2, &top_line, &top_row);
    assert_int_equal(top_line, 0);
    assert_int_equal(top_row, rows - 1);
    doc_editor_top(e);
    doc_editor_scroll_to_cursor(e, 10, 2, &top_line, &top_row);
    assert_int_equal(top_line, 0);
    assert_int_equal(top_row, 0);
    doc_editor_free(e);
}

static void test_search_replace(void **state)
{
    (void)state;
    const char *t = "Hotel rates\nhotel HOTEL\nnone";
    struct doc_editor *e = doc_editor_new(t, strlen(t));
    assert_true(doc_editor_find(e, "hotel"));
    struct doc_pos a, b;
    assert_true(doc_editor_selection(e, &a, &b));
    assert_int_equal(a.line, 0);
    assert_int_equal(b.col, 5);
    assert_true(doc_editor_find(e, "hotel"));
    assert_int_equal(doc_editor_cursor(e).line, 1);
    assert_true(doc_editor_replace(e, "hotel", "inn")); /* replaces the selected match */
    expect_text(e, "Hotel rates\ninn HOTEL\nnone");
    assert_false(doc_editor_find(e, "motel"));
    assert_int_equal(doc_editor_replace_all(e, "hotel", "B&B"), 2);
    expect_text(e, "B&B rates\ninn B&B\nnone");
    doc_editor_undo(e); /* all replacements are one step */
    expect_text(e, "Hotel rates\ninn HOTEL\nnone");
    doc_editor_free(e);
}

static void test_cut_copy_paste(void **state)
{
    (void)state;
    const char *t = "a\nb\nc\nd";
    struct doc_editor *e = doc_editor_new(t, strlen(t));
    doc_editor_down(e, 0);
    doc_editor_cut(e);
    doc_editor_cut(e); /* consecutive cuts accumulate */
    expect_text(e, "a\nd");
    assert_string_equal(doc_editor_clipboard(e), "b\nc\n");
    doc_editor_bottom(e);
    doc_editor_end(e);
    doc_editor_newline(e);
    doc_editor_paste(e);
    expect_text(e, "a\nd\nb\nc\n");
    /* a selection */
    doc_editor_top(e);
    doc_editor_toggle_mark(e);
    doc_editor_right(e);
    doc_editor_right(e);
    doc_editor_copy(e);
    assert_string_equal(doc_editor_clipboard(e), "a\n");
    doc_editor_toggle_mark(e);
    doc_editor_right(e);
    doc_editor_cut(e);
    assert_string_equal(doc_editor_clipboard(e), "d");
    expect_text(e, "a\n\nb\nc\n");
    doc_editor_free(e);
}

static void test_goto_and_find_text(void **state)
{
    (void)state;
    const char *t = "# T\n\nfirst\n\nHotels are paid up to 150 EUR.\nmore";
    struct doc_editor *e = doc_editor_new(t, strlen(t));
    assert_true(doc_editor_goto_line(e, 3));
    assert_int_equal(doc_editor_cursor(e).line, 2);
    assert_true(doc_editor_goto_line(e, 999));
    assert_int_equal(doc_editor_cursor(e).line, 5);
    assert_false(doc_editor_goto_line(e, 0));
    assert_true(doc_editor_find_text(e, "Hotels are paid up to 150 EUR.\nmore"));
    assert_int_equal(doc_editor_cursor(e).line, 4);
    assert_false(doc_editor_find_text(e, "not there"));
    doc_editor_free(e);
}

static void test_dirty_and_clean(void **state)
{
    (void)state;
    struct doc_editor *e = doc_editor_new("x", 1);
    type(e, "ab");
    doc_editor_mark_clean(e);
    assert_false(doc_editor_is_dirty(e));
    type(e, "c");
    assert_true(doc_editor_is_dirty(e));
    doc_editor_undo(e);
    assert_false(doc_editor_is_dirty(e)); /* back at the saved text */
    doc_editor_undo(e);
    assert_true(doc_editor_is_dirty(e));
    doc_editor_free(e);
}

static void test_large_document(void **state)
{
    (void)state;
    size_t n = 1024 * 1024;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    big[n] = '\0';
    struct doc_editor *e = doc_editor_new(big, n);
    assert_int_equal(doc_editor_len(e), n);
    doc_editor_goto_line(e, 8000);
    type(e, "xyz\n");
    assert_int_equal(doc_editor_len(e), n + 4);
    doc_editor_undo(e);
    doc_editor_undo(e);
    size_t len;
    char *t = doc_editor_text(e, &len);
    assert_int_equal(len, n);
    assert_memory_equal(t, big, n);
    free(t);
    /* the cap holds */
    char *more = malloc(4 * 1024 * 1024);
    memset(more, 'z', 4 * 1024 * 1024);
    assert_false(doc_editor_insert(e, more, 4 * 1024 * 1024));
    free(more);
    free(big);
    doc_editor_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_undo_redo),   cmocka_unit_test(test_lines_split_join),
        cmocka_unit_test(test_wide_characters),  cmocka_unit_test(test_soft_wrap_up_down),
        cmocka_unit_test(test_search_replace),   cmocka_unit_test(test_cut_copy_paste),
        cmocka_unit_test(test_goto_and_find_text), cmocka_unit_test(test_dirty_and_clean),
        cmocka_unit_test(test_large_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

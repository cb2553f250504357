/* test_editor: a table of key scripts applied to the input model, with the expected text and
 * cursor (shown as '|'), plus history walking and wrapping of wide text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "tui/editor.h"

/* Script: literal characters are typed; '<' starts a key name up to '>'. */
static void run_script(struct editor *e, const char *script)
{
    for (const char *p = script; *p;) {
        if (*p != '<') {
            size_t n = 1;
            while (p[n] && p[n] != '<')
                n++;
            editor_insert(e, p, n);
            p += n;
            continue;
        }
        const char *end = strchr(p, '>');
        assert_non_null(end);
        size_t n = (size_t)(end - p - 1);
        const char *k = p + 1;
#define KEY(name) (n == strlen(name) && strncmp(k, name, n) == 0)
        if (KEY("bs"))
            editor_backspace(e);
        else if (KEY("del"))
            editor_delete(e);
        else if (KEY("left"))
            editor_left(e);
        else if (KEY("right"))
            editor_right(e);
        else if (KEY("home"))
            editor_line_start(e);
        else if (KEY("end"))
            editor_line_end(e);
        else if (KEY("up"))
            editor_up(e);
        else if (KEY("down"))
            editor_down(e);
        else if (KEY("nl"))
            editor_insert_newline(e);
        else if (KEY("C-w"))
            editor_delete_word_back(e);
        else if (KEY("C-u"))
            editor_kill_to_line_start(e);
        else if (KEY("C-k"))
            editor_kill_to_line_end(e);
        else if (KEY("M-b"))
            editor_word_left(e);
        else if (KEY("M-f"))
            editor_word_right(e);
        else
            fail_msg("unknown key %.*s", (int)n, k);
#undef KEY
        p = end + 1;
    }
}

static char *show(const struct editor *e)
{
    size_t len;
    const char *t = editor_text(e, &len);
    size_t c = editor_cursor(e);
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_append(&b, t, c);
    buf_append_char(&b, '|');
    buf_append(&b, t + c, len - c);
    return buf_detach(&b);
}

static void test_editor_scripts(void **state)
{
    (void)state;
    static const struct {
        const char *script;
        const char *want;
    } cases[] = {
        {"", "|"},
        {"hello", "hello|"},
        {"hello<left><left>XY", "helXY|lo"},
        {"hello<bs><bs>", "hel|"},
        {"hello<home><del>", "|ello"},
        {"caf\xC3\xA9<left>x", "cafx|\xC3\xA9"},           /* one step over a 2-byte char */
        {"e\xCC\x81<left>x", "x|e\xCC\x81"},               /* over a combining cluster */
        {"\xE4\xB8\xAD\xE6\x96\x87<bs>", "\xE4\xB8\xAD|"},
        {"one two three<C-w>", "one two |"},
        {"one two   <C-w>", "one |"},
        {"abc<nl>def<up>", "abc|\ndef"},
        {"abcdef<nl>xy<up>", "ab|cdef\nxy"},                /* keeps the column */
        {"ab<nl>wxyz<home><right><up><down>", "ab\nw|xyz"},
        {"ab<nl>cd<up><end><down>", "ab\ncd|"},
        {"first<nl>second<C-u>", "first\n|"},
        {"first<nl><C-u>", "first|"},                      /* at a line start: join lines */
        {"hello world<home><C-k>", "|"},
        {"a b c<M-b><M-b>", "a |b c"},
        {"a b c<home><M-f>", "a |b c"},
        {"tab\there\r\x01!", "tab here!|"},                /* controls filtered, tab -> space */
        {"bad\xFF!", "bad\xEF\xBF\xBD!|"},
        {"<bs><del><left><right><up><down><C-w>", "|"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct editor *e = editor_new();
        run_script(e, cases[i].script);
        char *got = show(e);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu: %s\n", i, cases[i].script);
        assert_string_equal(got, cases[i].want);
        free(got);
        editor_free(e);
    }
}

static void test_editor_history(void **state)
{
    (void)state;
    struct editor *e = editor_new();
    assert_false(editor_history_prev(e));
    editor_set_text(e, "first");
    free(editor_take(e));
    editor_set_text(e, "second");
    free(editor_take(e));
    editor_set_text(e, "second"); /* a repeat is not recorded twice */
    free(editor_take(e));
    editor_set_text(e, "   ");   /* blank is not recorded */
    free(editor_take(e));
    editor_set_text(e, "draft");
    assert_true(editor_history_prev(e));
    assert_string_equal(editor_text(e, NULL), "second");
    assert_true(editor_history_prev(e));
    assert_string_equal(editor_text(e, NULL), "first");
    assert_false(editor_history_prev(e));
    assert_true(editor_history_next(e));
    assert_string_equal(editor_text(e, NULL), "second");
    assert_true(editor_history_next(e));
    assert_string_equal(editor_text(e, NULL), "draft"); /* the draft comes back */
    assert_false(editor_history_next(e));
    char *taken = editor_take(e);
    assert_string_equal(taken, "draft");
    free(taken);
    assert_true(editor_is_empty(e));
    for (int i = 0; i < EDITOR_HISTORY_MAX + 20; i++) {
        char s[16];
        s[0] = (char)('a' + i % 26);
        s[1] = (char)('a' + i / 26);
        s[2] = '\0';
        editor_history_add(e, s);
    }
    editor_free(e);
}

static void test_editor_wrap(void **state)
{
    (void)state;
    static const struct {
        const char *script;
        int width;
        size_t rows;
        size_t cursor_row;
        int cursor_col;
        const char *first_rows; /* rows joined with '/' */
    } cases[] = {
        {"", 10, 1, 0, 0, ""},
        {"hello", 10, 1, 0, 5, "hello"},
        {"abcdefghij", 5, 3, 2, 0, "abcde/fghij/"},     /* full rows: the cursor moves below */
        {"abcdefghij<left>", 5, 2, 1, 4, "abcde/fghij"},
        {"ab<nl>cd", 10, 2, 1, 2, "ab/cd"},
        {"ab<nl><nl>", 10, 3, 2, 0, "ab//"},
        {"\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, 2, 1, 2, "\xE4\xB8\xAD\xE6\x96\x87/\xE5\xAD\x97"},
        {"\xE4\xB8\xAD", 1, 2, 1, 0, "\xE4\xB8\xAD/"},   /* wider than the box: still progresses */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct editor *e = editor_new();
        run_script(e, cases[i].script);
        struct editor_row rows[16];
        size_t cr;
        int cc;
        size_t n = editor_wrap(e, cases[i].width, rows, 16, &cr, &cc);
        struct buf b;
        buf_init(&b, 4096);
        const char *t = editor_text(e, NULL);
        for (size_t r = 0; r < n && r < 16; r++) {
            if (r > 0)
                buf_append_char(&b, '/');
            buf_append(&b, t + rows[r].off, rows[r].len);
        }
        if (n != cases[i].rows || cr != cases[i].cursor_row || cc != cases[i].cursor_col)
            print_error("case %zu: rows %zu cursor %zu,%d [%s]\n", i, n, cr, cc, buf_str(&b));
        assert_int_equal(n, cases[i].rows);
        assert_int_equal(cr, cases[i].cursor_row);
        assert_int_equal(cc, cases[i].cursor_col);
        assert_string_equal(buf_str(&b), cases[i].first_rows);
        buf_cleanup(&b);
        editor_free(e);
    }
}

static void test_editor_cap(void **state)
{
    (void)state;
    struct editor *e = editor_new();
    char *big = malloc(EDITOR_MAX_LEN + 100);
    memset(big, 'x', EDITOR_MAX_LEN + 100);
    editor_insert(e, big, EDITOR_MAX_LEN + 100);
    size_t len;
    editor_text(e, &len);
    assert_int_equal(len, EDITOR_MAX_LEN);
    editor_insert(e, "y", 1);
    editor_text(e, &len);
    assert_int_equal(len, EDITOR_MAX_LEN);
    free(big);
    editor_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editor_scripts),
        cmocka_unit_test(test_editor_history),
        cmocka_unit_test(test_editor_wrap),
        cmocka_unit_test(test_editor_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

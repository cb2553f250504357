/* test_script: the headless test scripts, parsed into steps and described as text, for a
 * table of valid scripts and a table of mistakes with the message each must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "tui/keymap.h"
#include "tui/script.h"

/* "LINE kind args" per step, keys by their keymap names. */
static char *describe(const struct script *s)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < script_step_count(s); i++) {
        const struct script_step *st = script_step_at(s, i);
        buf_printf(&b, "%d ", st->line);
        switch (st->kind) {
        case SCRIPT_KEYS:
            buf_append_str(&b, "keys");
            for (size_t k = 0; k < st->event_count; k++) {
                char name[32];
                keymap_key_name(&st->events[k], name, sizeof name);
                buf_printf(&b, " %s", name);
            }
            break;
        case SCRIPT_SAVE_SCREEN:
            buf_printf(&b, "save %s", st->name);
            if (st->first_row)
                buf_printf(&b, " %d-%d", st->first_row, st->last_row);
            break;
        case SCRIPT_RESIZE:
            buf_printf(&b, "resize %dx%d", st->cols, st->rows);
            break;
        case SCRIPT_WAIT_IDLE:
            buf_append_str(&b, "wait");
            break;
        }
        buf_append_char(&b, '\n');
    }
    return buf_detach(&b);
}

static void test_script_valid(void **state)
{
    (void)state;
    static const struct {
        const char *script, *want;
    } cases[] = {
        {"", ""},
        {"# user: bob@example.com\n\n   \n# size: 100x30\n", ""},
        {"<Enter>\n", "1 keys Enter\n"},
        {"<Enter>", "1 keys Enter\n"}, /* no final newline */
        {"<Esc> <C-c> <M-1> <F1> <Up> <PgDn> <Tab>\n",
         "1 keys Esc Ctrl-C Alt-1 F1 Up PgDn Tab\n"},
        {"<C-c><C-c>\n", "1 keys Ctrl-C Ctrl-C\n"},
        {"<Tab> 1 y ? <\n", "1 keys Tab 1 y ? <\n"},
        {"<lt> <gt> <Space> <Del> <BS> <PageUp> <PageDown> <S-Tab> <Escape> <Return>\n",
         "1 keys < > Space Delete Backspace PgUp PgDn Shift-Tab Esc Enter\n"},
        {"<M-Enter> <Alt-s> <C-Left> <C-End> <S-Up> <M-C-x> <Ctrl-Q>\n",
         "1 keys Alt-Enter Alt-S Ctrl-Left Ctrl-End Shift-Up Alt-Ctrl-X Ctrl-Q\n"},
        {"type Hi é<Enter>\n", "1 keys H i Space é < E n t e r >\n"},
        {"type  two\n", "1 keys Space t w o\n"},
        {":save-screen start\n:save-screen tabs 1-2\n:save-screen row 3\n",
         "1 save start\n2 save tabs 1-2\n3 save row 3-3\n"},
        {":resize 100x30\n:wait-idle\n", "1 resize 100x30\n2 wait\n"},
        {"# c\r\n<Enter>\r\n:save-screen a.b_c-1\r\n", "2 keys Enter\n3 save a.b_c-1\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct script *s = NULL;
        char err[256] = "";
        enum err e = script_parse(cases[i].script, strlen(cases[i].script), &s, err, sizeof err);
        if (e != ERR_OK)
            print_error("case %zu: %s\n", i, err);
        assert_int_equal(e, ERR_OK);
        char *got = describe(s);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu:\n%s", i, got);
        assert_string_equal(got, cases[i].want);
        free(got);
        script_free(s);
    }
}

static void test_script_mistakes(void **state)
{
    (void)state;
    static const struct {
        const char *script, *want; /* want: a substring of the message */
    } cases[] = {
        {"Enter\n", "line 1: 'Enter' is not a key: write keys as <Name> or one character, and "
                    "text as 'type Enter'"},
        {"<Enter>\n<Nope>\n", "line 2: <Nope> is not a key name"},
        {"<Enter\n", "line 1: '<Enter' is not a key"},
        {"<>\n", "line 1: '<>' is not a key"},
        {"<C-1>\n", "<C-1> is not a key name"},
        {"# c\n\n<Tab> ab\n", "line 3: 'ab' is not a key"},
        {"  <Enter>\n", "line 1: a line must not start with blanks"},
        {"type a\tb\n", "control characters cannot be typed"},
        {"type \xff\n", "not valid UTF-8"},
        {":save-screen\n", ":save-screen needs a NAME"},
        {":save-screen ../x\n", ":save-screen needs a NAME"},
        {":save-screen .hidden\n", ":save-screen needs a NAME"},
        {":save-screen a/b\n", ":save-screen needs a NAME"},
        {":save-screen x 0-1\n", "ROWS is a row (3) or a range (1-2)"},
        {":save-screen x 3-2\n", "ROWS is a row"},
        {":save-screen x top\n", "ROWS is a row"},
        {":resize 100\n", ":resize needs COLSxROWS"},
        {":resize 0x30\n", ":resize needs COLSxROWS"},
        {":resize 100x30x2\n", ":resize needs COLSxROWS"},
        {":wait-idle now\n", "unknown command ':wait-idle now'"},
        {":frobnicate\n", "line 1: unknown command ':frobnicate'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct script *s = NULL;
        char err[256] = "";
        enum err e = script_parse(cases[i].script, strlen(cases[i].script), &s, err, sizeof err);
        if (e == ERR_OK || !strstr(err, cases[i].want))
            print_error("case %zu: got '%s'\n", i, err);
        assert_int_equal(e, ERR_INVALID);
        assert_null(s);
        assert_non_null(strstr(err, cases[i].want));
    }
}

static void test_script_load(void **state)
{
    (void)state;
    char path[] = "/tmp/cca-test-script.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("<F1>\n<Bad>\n", f);
    fclose(f);
    struct script *s = NULL;
    char err[512];
    assert_int_equal(script_load(path, &s, err, sizeof err), ERR_INVALID);
    char want[600];
    snprintf(want, sizeof want, "%s: line 2: <Bad> is not a key name", path);
    assert_memory_equal(err, want, strlen(want));
    unlink(path);
    assert_int_equal(script_load(path, &s, err, sizeof err), ERR_IO);
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_valid),
        cmocka_unit_test(test_script_mistakes),
        cmocka_unit_test(test_script_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_extedit: which editor command is chosen, and the private file the text travels
 * through: written 0600 in the state folder, read back with line ends and controls made safe,
 * size-capped, removed with the editor's backup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/extedit.h"
#include "core/mem.h"

static void command_choice(void **state)
{
    (void)state;
    assert_string_equal(extedit_command("code --wait", "vim", 0), "code --wait");
    assert_null(extedit_command("code --wait", "vim", 1));
    assert_string_equal(extedit_command(NULL, "vim", 0), "vim");
    assert_string_equal(extedit_command("", "vim", 0), "vim");
    assert_string_equal(extedit_command("  ", "vim", 0), "vim");
    assert_null(extedit_command(NULL, "vim", 1)); /* the user chose: no fallback */
    assert_string_equal(extedit_command(NULL, NULL, 0), "nano");
    assert_string_equal(extedit_command("", " \t", 1), "vi");
    assert_null(extedit_command(NULL, NULL, 2));
    assert_string_equal(extedit_status_words(127), "the editor was not found");
    assert_string_equal(extedit_status_words(0), "done");
    assert_string_equal(extedit_status_words(1), "the editor ended with an error");
}

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cca-extedit.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    setenv("XDG_STATE_HOME", tmpdir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static void write_read_remove(void **state)
{
    (void)state;
    char err[256] = "";
    char *path = NULL;
    const char *text = "# Title\n\nWide: \xE6\xBC\xA2\xE5\xAD\x97.\n";
    assert_int_equal(extedit_write("content-42/../x", text, strlen(text), &path, err, sizeof err),
                     ERR_OK);
    /* the hint keeps only letters, digits and '-': no way out of the folder */
    assert_non_null(strstr(path, "/cca/edit/content-42x-"));
    assert_int_equal(strcmp(path + strlen(path) - 3, ".md"), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* an editor saves with CR LF, a lone CR and an escape sequence */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("one\r\ntwo\rthree \x1b[31mred\x1b[0m\n\ttab\n", f);
    fclose(f);
    char *back = NULL;
    size_t len = 0;
    assert_int_equal(extedit_read(path, 1 << 20, &back, &len, err, sizeof err), ERR_OK);
    assert_string_equal(back, "one\ntwo\nthree red\n\ttab\n");
    assert_int_equal(len, strlen(back));
    free(back);

    /* over the cap: refused, nothing returned */
    assert_int_equal(extedit_read(path, 4, &back, &len, err, sizeof err), ERR_TOO_LARGE);
    assert_null(back);
    assert_non_null(strstr(err, "limit"));

    char *backup = xasprintf("%s~", path);
    f = fopen(backup, "w");
    assert_non_null(f);
    fclose(f);
    extedit_remove(path);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_not_equal(access(backup, F_OK), 0);
    free(backup);
    assert_int_equal(extedit_read(path, 1 << 20, &back, &len, err, sizeof err), ERR_NOT_FOUND);
    free(path);

    /* an empty text still gets a file for the editor to open */
    assert_int_equal(extedit_write("", "", 0, &path, err, sizeof err), ERR_OK);
    assert_int_equal(access(path, F_OK), 0);
    assert_null(strstr(path, "edit/-"));
    extedit_remove(path);
    free(path);
}

/* A link planted where the file goes is never written through. */
static void refuses_links(void **state)
{
    (void)state;
    char err[256] = "";
    char *path = NULL;
    assert_int_equal(extedit_write("x", "a", 1, &path, err, sizeof err), ERR_OK);
    char *target = xasprintf("%s/target", tmpdir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("secret", f);
    fclose(f);
    unlink(path);
    assert_int_equal(symlink(target, path), 0);
    char *back = NULL;
    size_t len;
    assert_int_equal(extedit_read(path, 1 << 20, &back, &len, err, sizeof err), ERR_PERMISSION);
    assert_null(back);
    unlink(path);
    free(target);
    free(path);
}

static void final_newline(void **state)
{
    (void)state;
    char a[] = "one\ntwo\n";
    size_t n = strlen(a);
    extedit_keep_final_newline("one\ntwo", 7, a, &n); /* added by the editor: dropped */
    assert_int_equal(n, 7);
    assert_string_equal(a, "one\ntwo");
    char b[] = "one\ntwo\n";
    n = strlen(b);
    extedit_keep_final_newline("one\n", 4, b, &n); /* the original had one: kept */
    assert_int_equal(n, 8);
    char c[] = "one\n\n";
    n = strlen(c);
    extedit_keep_final_newline("one", 3, c, &n); /* only the one newline goes */
    assert_string_equal(c, "one\n");
    char d[] = "";
    n = 0;
    extedit_keep_final_newline("", 0, d, &n);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(command_choice),
        cmocka_unit_test(final_newline),
        cmocka_unit_test_setup_teardown(write_read_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_links, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

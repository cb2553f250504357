/* test_draft: the typed question survives on disk per identity: save, load, replace, clear,
 * mode 0600 in a 0700 folder whatever the umask, the size cap, and the same refusals as the
 * unsent file (a link, a file others can write, another user's file). */
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

#include "core/draft.h"
#include "core/mem.h"

struct fx {
    char dir[64];
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cca-draft-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    setenv("XDG_STATE_HOME", f->dir, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(cmd);
    free(f);
    return 0;
}

static char *load_ok(const char *user)
{
    char *text = (char *)1;
    size_t len = 99;
    char err[512];
    assert_int_equal(draft_load(user, &text, &len, err, sizeof err), ERR_OK);
    if (text)
        assert_int_equal(len, strlen(text));
    else
        assert_int_equal(len, 0);
    return text;
}

static void save_load_clear_per_identity(void **state)
{
    struct fx *f = *state;
    char err[512];
    assert_null(load_ok(NULL));
    mode_t old = umask(0);
    assert_int_equal(draft_save("Alice@Example.com", "How many days\nof leave?", 23, err,
                                sizeof err),
                     ERR_OK);
    umask(old);
    assert_int_equal(draft_save(NULL, "mine", 4, err, sizeof err), ERR_OK);
    char *a = load_ok("alice@example.com"); /* emails are not case-sensitive */
    assert_string_equal(a, "How many days\nof leave?");
    free(a);
    char *own = load_ok(NULL);
    assert_string_equal(own, "mine");
    free(own);
    assert_null(load_ok("bob@example.com"));

    char *path = NULL;
    assert_int_equal(draft_path("alice@example.com", &path), ERR_OK);
    assert_non_null(strstr(path, f->dir));
    assert_null(strstr(path, "alice")); /* the name never carries the email's text */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *dir = xasprintf("%s/cca/drafts", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* Replacing leaves no temporary file behind. */
    assert_int_equal(draft_save("alice@example.com", "shorter", 7, err, sizeof err), ERR_OK);
    a = load_ok("alice@example.com");
    assert_string_equal(a, "shorter");
    free(a);
    char *cmd = xasprintf("test $(ls -A '%s' | wc -l) -eq 2", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);

    assert_int_equal(draft_clear("alice@example.com", err, sizeof err), ERR_OK);
    assert_null(load_ok("alice@example.com"));
    assert_int_not_equal(stat(path, &st), 0);
    assert_int_equal(draft_clear("alice@example.com", err, sizeof err), ERR_OK);
    free(dir);
    free(path);
}

static void size_cap(void **state)
{
    (void)state;
    char err[512];
    char *big = xmalloc(DRAFT_MAX_LEN + 1);
    memset(big, 'x', DRAFT_MAX_LEN + 1);
    assert_int_equal(draft_save(NULL, big, DRAFT_MAX_LEN + 1, err, sizeof err), ERR_TOO_LARGE);
    assert_int_equal(draft_save(NULL, big, DRAFT_MAX_LEN, err, sizeof err), ERR_OK);
    char *back = load_ok(NULL);
    assert_int_equal(strlen(back), DRAFT_MAX_LEN);
    free(back);
    free(big);
}

static void unsafe_files_are_refused(void **state)
{
    struct fx *f = *state;
    char err[1024];
    assert_int_equal(draft_save(NULL, "draft", 5, err, sizeof err), ERR_OK);
    char *path = NULL;
    assert_int_equal(draft_path(NULL, &path), ERR_OK);
    char *text = NULL;
    /* Others may write it. */
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(draft_load(NULL, &text, NULL, err, sizeof err), ERR_PERMISSION);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(draft_save(NULL, "x", 1, err, sizeof err), ERR_PERMISSION);
    assert_int_equal(chmod(path, 0600), 0);
    /* A link in its place is neither read, nor written through, nor replaced. */
    char *target = xasprintf("%s/victim.txt", f->dir);
    FILE *fp = fopen(target, "w");
    fputs("precious", fp);
    fclose(fp);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(draft_load(NULL, &text, NULL, err, sizeof err), ERR_PERMISSION);
    assert_non_null(strstr(err, "symbolic link"));
    assert_int_equal(draft_save(NULL, "overwrite", 9, err, sizeof err), ERR_PERMISSION);
    assert_int_equal(draft_clear(NULL, err, sizeof err), ERR_PERMISSION);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char buf[16] = "";
    fp = fopen(target, "r");
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "precious");
    unlink(path);
    /* Another user's file (root only). */
    if (geteuid() == 0) {
        assert_int_equal(draft_save(NULL, "draft", 5, err, sizeof err), ERR_OK);
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(draft_load(NULL, &text, NULL, err, sizeof err), ERR_PERMISSION);
        assert_non_null(strstr(err, "belongs to another user"));
    }
    assert_null(text);
    free(target);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(save_load_clear_per_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(size_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(unsafe_files_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_log: the log file is private (created 0600 whatever the umask; a link, another user's
 * file or one others can read or write is refused with the fix), and what is written is one
 * sanitised line per message. */
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

#include "core/log.h"
#include "core/mem.h"

struct fx {
    char dir[64];
    char *file;
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cca-log-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->file = xasprintf("%s/cca.log", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    log_close();
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(cmd);
    free(f->file);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *data = xcalloc(1, 65536);
    size_t n = fread(data, 1, 65535, fp);
    data[n] = '\0';
    fclose(fp);
    return data;
}

static void touch(const char *path, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
}

static void created_private_whatever_the_umask(void **state)
{
    struct fx *f = *state;
    mode_t old = umask(0);
    char err[512];
    assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_OK);
    umask(old);
    log_info("hello");
    log_close();
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* An existing private file is appended to. */
    assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_OK);
    log_info("again");
    log_close();
    char *text = slurp(f->file);
    assert_non_null(strstr(text, "info: hello\n"));
    assert_non_null(strstr(text, "info: again\n"));
    free(text);
}

static void unsafe_files_are_refused(void **state)
{
    struct fx *f = *state;
    static const struct {
        mode_t mode;
        const char *says;
    } cases[] = {
        {0644, "can be read by other users"},
        {0640, "can be read by other users"},
        {0666, "can be written by other users"},
        {0620, "can be written by other users"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        touch(f->file, cases[i].mode);
        char err[512] = "";
        assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_PERMISSION);
        if (!strstr(err, cases[i].says) || !strstr(err, "chmod 600"))
            fail_msg("mode %o: %s", (unsigned)cases[i].mode, err);
        log_info("must go nowhere");
        unlink(f->file);
    }
    /* A link is refused even when its target is private. */
    char *target = xasprintf("%s/real.log", f->dir);
    touch(target, 0600);
    assert_int_equal(symlink(target, f->file), 0);
    char err[512] = "";
    assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_PERMISSION);
    assert_non_null(strstr(err, "symbolic link"));
    unlink(f->file);
    /* A dangling link would otherwise create a file wherever it points. */
    char *nowhere = xasprintf("%s/created-through-link.log", f->dir);
    assert_int_equal(symlink(nowhere, f->file), 0);
    assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_PERMISSION);
    assert_int_not_equal(access(nowhere, F_OK), 0);
    unlink(f->file);
    /* A folder is not a log file. */
    assert_int_equal(mkdir(f->file, 0700), 0);
    assert_int_not_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_OK);
    rmdir(f->file);
    free(nowhere);
    free(target);
}

static void another_users_file_is_refused(void **state)
{
    struct fx *f = *state;
    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    touch(f->file, 0600);
    assert_int_equal(chown(f->file, 65534, 65534), 0);
    char err[512] = "";
    assert_int_equal(log_open(f->file, LOG_INFO, err, sizeof err), ERR_PERMISSION);
    assert_non_null(strstr(err, "belongs to another user"));
}

static void lines_are_sanitised(void **state)
{
    struct fx *f = *state;
    char err[512];
    assert_int_equal(log_open(f->file, LOG_DEBUG, err, sizeof err), ERR_OK);
    log_warn("server said: %s", "a\x1b]0;pwned\x07 b\x1b[2J c\xC2\x9B" "31m d\nforged: entry\x07");
    log_error("zero\xE2\x80\x8Bwidth");
    log_close();
    char *text = slurp(f->file);
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\x07'));
    assert_null(strstr(text, "\xC2\x9B"));
    assert_null(strstr(text, "\xE2\x80\x8B"));
    assert_non_null(strstr(text, "warn: server said: a b c d forged: entry"));
    assert_non_null(strstr(text, "error: zerowidth\n"));
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(created_private_whatever_the_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(unsafe_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(another_users_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(lines_are_sanitised, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_unsent: the unsent file written, read back and rewritten: records in order, defaults,
 * unreadable lines left alone, remove (one copy only), forget a stored question, clear,
 * permissions and the path rules. Each test runs in its own XDG_STATE_HOME. */
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

#include "core/mem.h"
#include "core/unsent.h"

struct fx {
    char dir[64];
    char *file;
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cca-unsent-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    setenv("XDG_STATE_HOME", f->dir, 1);
    f->file = xasprintf("%s/cca/unsent.jsonl", f->dir);
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
    free(f->file);
    free(f);
    return 0;
}

static void append_question(const char *q, const char *conversation)
{
    struct unsent_record r = {.kind = "question", .conversation_id = conversation,
                              .question = q, .reason = "database unreachable"};
    assert_int_equal(unsent_append(&r, NULL), ERR_OK);
}

static void append_raw(const struct fx *f, const char *text)
{
    FILE *fp = fopen(f->file, "a");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static size_t load_count(void)
{
    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    unsent_entries_free(e, n);
    return n;
}

static void missing_file_is_empty(void **state)
{
    struct fx *f = *state;
    struct unsent_entry *e = (struct unsent_entry *)1;
    size_t n = 7;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_null(e);
    assert_int_equal(n, 0);
    size_t removed = 9;
    assert_int_equal(unsent_clear(&removed), ERR_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(unsent_forget_question("q", &removed), ERR_OK);
    assert_int_equal(removed, 0);
    struct unsent_entry fake = {.line = (char *)"{\"question\":\"q\"}"};
    assert_int_equal(unsent_remove(&fake), ERR_NOT_FOUND);
    struct stat st;
    assert_int_not_equal(stat(f->file, &st), 0); /* nothing was created */
}

static void round_trip_in_order(void **state)
{
    struct fx *f = *state;
    append_question("How many days of leave carry over?", NULL);
    struct unsent_record a = {.kind = "answer", .conversation_id = "conv-1",
                              .message_id = "msg-1", .question = "Who approves travel?",
                              .answer = "Your manager [1].\nThen finance.", .status = "answered",
                              .reason = "database error"};
    char *path = NULL;
    assert_int_equal(unsent_append(&a, &path), ERR_OK);
    assert_string_equal(path, f->file);
    free(path);
    append_question("Caf\xc3\xa9 \"quotes\" \\ and \x1b[31m escapes", "conv-2");

    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].kind, "question");
    assert_string_equal(e[0].question, "How many days of leave carry over?");
    assert_null(e[0].conversation_id);
    assert_null(e[0].message_id);
    assert_null(e[0].answer);
    assert_string_equal(e[0].reason, "database unreachable");
    assert_non_null(e[0].saved_at);
    assert_int_equal(strlen(e[0].saved_at), 20); /* 2024-05-01T12:00:00Z */
    assert_string_equal(e[1].kind, "answer");
    assert_string_equal(e[1].conversation_id, "conv-1");
    assert_string_equal(e[1].message_id, "msg-1");
    assert_string_equal(e[1].answer, "Your manager [1].\nThen finance.");
    assert_string_equal(e[1].status, "answered");
    assert_string_equal(e[2].question, "Caf\xc3\xa9 \"quotes\" \\ and \x1b[31m escapes");
    assert_string_equal(e[2].conversation_id, "conv-2");
    assert_null(strchr(e[2].line, '\n'));
    unsent_entries_free(e, n);

    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *dir = xasprintf("%s/cca", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    free(dir);
}

static void unreadable_lines_are_left_alone(void **state)
{
    struct fx *f = *state;
    append_question("first", NULL);
    append_raw(f, "not json at all\n\n{\"kind\":\"question\"}\n[1,2]\n");
    append_raw(f, "{\"question\":\"no kind, no newline\"}");
    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].question, "first");
    assert_string_equal(e[1].question, "no kind, no newline");
    assert_string_equal(e[1].kind, "question"); /* the default */
    /* Removing the first keeps every unreadable line and ends the last one properly. */
    assert_int_equal(unsent_remove(&e[0]), ERR_OK);
    unsent_entries_free(e, n);

    FILE *fp = fopen(f->file, "r");
    assert_non_null(fp);
    char text[512];
    size_t len = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[len] = '\0';
    assert_string_equal(text, "not json at all\n{\"kind\":\"question\"}\n[1,2]\n"
                              "{\"question\":\"no kind, no newline\"}\n");
    assert_int_equal(load_count(), 1);
}

static void remove_takes_one_copy(void **state)
{
    struct fx *f = *state;
    append_question("a", NULL);
    append_question("b", NULL);
    append_question("c", NULL);
    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(unsent_remove(&e[1]), ERR_OK);
    assert_int_equal(unsent_remove(&e[1]), ERR_NOT_FOUND); /* already gone */
    assert_int_equal(unsent_remove(NULL), ERR_INVALID);
    /* A line appended twice byte for byte: one remove takes one copy. */
    append_raw(f, e[0].line);
    append_raw(f, "\n");
    unsent_entries_free(e, n);

    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].question, "a");
    assert_string_equal(e[1].question, "c");
    assert_string_equal(e[2].question, "a");
    assert_int_equal(unsent_remove(&e[0]), ERR_OK);
    unsent_entries_free(e, n);
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].question, "c");
    assert_string_equal(e[1].question, "a");
    assert_int_equal(unsent_remove(&e[0]), ERR_OK);
    assert_int_equal(unsent_remove(&e[1]), ERR_OK);
    unsent_entries_free(e, n);
    /* Nothing left: the file is gone, and the next append starts it again. */
    struct stat st;
    assert_int_not_equal(stat(f->file, &st), 0);
    append_question("d", NULL);
    assert_int_equal(load_count(), 1);
}

static void forget_only_matching_questions(void **state)
{
    (void)state;
    append_question("Where is the VPN guide?", NULL);
    append_question("Where is the VPN guide?", "conv-9");
    append_question("Where is the VPN guide? ", NULL); /* not the same text */
    struct unsent_record a = {.kind = "answer", .message_id = "m",
                              .question = "Where is the VPN guide?", .answer = "Here."};
    assert_int_equal(unsent_append(&a, NULL), ERR_OK);
    size_t removed = 0;
    assert_int_equal(unsent_forget_question("Where is the VPN guide?", &removed), ERR_OK);
    assert_int_equal(removed, 2);
    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].question, "Where is the VPN guide? ");
    assert_string_equal(e[1].kind, "answer");
    unsent_entries_free(e, n);
    assert_int_equal(unsent_forget_question("", &removed), ERR_INVALID);
    assert_int_equal(unsent_forget_question("nothing like it", &removed), ERR_OK);
    assert_int_equal(removed, 0);
}

static void clear_removes_everything(void **state)
{
    struct fx *f = *state;
    append_question("one", NULL);
    append_question("two", NULL);
    append_raw(f, "garbage\n");
    size_t removed = 0;
    assert_int_equal(unsent_clear(&removed), ERR_OK);
    assert_int_equal(removed, 3);
    struct stat st;
    assert_int_not_equal(stat(f->file, &st), 0);
    assert_int_equal(load_count(), 0);
}

static void path_rules(void **state)
{
    struct fx *f = *state;
    char *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    char *p = NULL;
    assert_int_equal(unsent_path(&p), ERR_OK);
    assert_string_equal(p, f->file);
    free(p);
    setenv("XDG_STATE_HOME", "relative/dir", 1);
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(unsent_path(&p), ERR_OK);
    assert_string_equal(p, "/home/someone/.local/state/cca/unsent.jsonl");
    free(p);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "also-relative", 1);
    assert_int_equal(unsent_path(&p), ERR_NOT_FOUND);
    assert_null(p);
    struct unsent_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(unsent_load(&e, &n), ERR_NOT_FOUND);
    if (home) {
        setenv("HOME", home, 1);
        free(home);
    } else {
        unsetenv("HOME");
    }
    setenv("XDG_STATE_HOME", f->dir, 1);
}

static void records_say_who_asked(void **state)
{
    (void)state;
    struct unsent_record a = {.kind = "question", .user = "Alice@Example.com",
                              .question = "What is my leave balance?"};
    struct unsent_record b = {.kind = "question", .user = "bob@example.com",
                              .question = "What is my leave balance?"};
    struct unsent_record own = {.kind = "question", .question = "What is my leave balance?"};
    assert_int_equal(unsent_append(&a, NULL), ERR_OK);
    assert_int_equal(unsent_append(&b, NULL), ERR_OK);
    assert_int_equal(unsent_append(&own, NULL), ERR_OK);
    struct unsent_file f;
    char err[512];
    assert_int_equal(unsent_read(&f, err, sizeof err), ERR_OK);
    assert_int_equal(f.count, 3);
    assert_string_equal(f.entries[0].user, "alice@example.com");
    assert_true(unsent_entry_is_from(&f.entries[0], "alice@example.com"));
    assert_true(unsent_entry_is_from(&f.entries[0], "ALICE@example.com"));
    assert_false(unsent_entry_is_from(&f.entries[0], "bob@example.com"));
    assert_false(unsent_entry_is_from(&f.entries[0], NULL));
    assert_null(f.entries[2].user);
    assert_true(unsent_entry_is_from(&f.entries[2], NULL));
    assert_false(unsent_entry_is_from(&f.entries[2], "alice@example.com"));
    assert_int_equal(f.entries[1].line_no, 2);
    unsent_file_cleanup(&f);
    /* Bob's stored question takes only Bob's copy away. */
    size_t removed = 0;
    assert_int_equal(
        unsent_forget_question_of("bob@example.com", "What is my leave balance?", &removed),
        ERR_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(unsent_read(&f, err, sizeof err), ERR_OK);
    assert_int_equal(f.count, 2);
    assert_string_equal(f.entries[0].user, "alice@example.com");
    assert_null(f.entries[1].user);
    unsent_file_cleanup(&f);
}

static void corrupt_lines_are_reported_by_number(void **state)
{
    struct fx *f = *state;
    append_question("first", NULL);
    append_raw(f, "not json at all\n\n{\"kind\":\"question\"}\n");
    append_question("second", NULL);
    append_raw(f, "{\"question\":\"cut");
    struct unsent_file uf;
    char err[512];
    assert_int_equal(unsent_read(&uf, err, sizeof err), ERR_OK);
    assert_int_equal(uf.count, 2);
    assert_int_equal(uf.entries[1].line_no, 5);
    assert_int_equal(uf.bad_count, 3);
    assert_int_equal(uf.bad_lines[0], 2);
    assert_int_equal(uf.bad_lines[1], 4);
    assert_int_equal(uf.bad_lines[2], 6);
    /* Sending the good ones leaves the bad lines in the file. */
    assert_int_equal(unsent_remove(&uf.entries[0]), ERR_OK);
    assert_int_equal(unsent_remove(&uf.entries[1]), ERR_OK);
    unsent_file_cleanup(&uf);
    assert_int_equal(unsent_read(&uf, err, sizeof err), ERR_OK);
    assert_int_equal(uf.count, 0);
    assert_int_equal(uf.bad_count, 3);
    unsent_file_cleanup(&uf);
}

static void read_status(char *err, size_t errlen, enum err want)
{
    struct unsent_file uf;
    enum err e = unsent_read(&uf, err, errlen);
    if (e != want)
        fail_msg("got %s (%s)", err_name(e), err);
    unsent_file_cleanup(&uf);
}

static void unsafe_files_are_refused(void **state)
{
    struct fx *f = *state;
    append_question("mine", NULL);
    char err[1024];
    /* Others may write: refused, with the fix; nothing is appended either. */
    assert_int_equal(chmod(f->file, 0666), 0);
    read_status(err, sizeof err, ERR_PERMISSION);
    assert_non_null(strstr(err, "can be written by other users"));
    assert_non_null(strstr(err, "chmod 600"));
    struct unsent_record r = {.kind = "question", .question = "more"};
    assert_int_equal(unsent_add(&r, NULL, err, sizeof err), ERR_PERMISSION);
    assert_int_equal(chmod(f->file, 0600), 0);
    /* Ours but readable by others: tightened, not refused. */
    assert_int_equal(chmod(f->file, 0644), 0);
    read_status(err, sizeof err, ERR_OK);
    struct stat st;
    assert_int_equal(stat(f->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A folder others may write: refused for writing. */
    char *dir = xasprintf("%s/cca", f->dir);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(unsent_add(&r, NULL, err, sizeof err), ERR_PERMISSION);
    assert_non_null(strstr(err, "chmod 700"));
    assert_int_equal(chmod(dir, 0700), 0);
    /* A symbolic link in place of the file: never read, written or replaced. */
    char *elsewhere = xasprintf("%s/elsewhere.jsonl", f->dir);
    assert_int_equal(rename(f->file, elsewhere), 0);
    assert_int_equal(symlink(elsewhere, f->file), 0);
    read_status(err, sizeof err, ERR_PERMISSION);
    assert_non_null(strstr(err, "symbolic link"));
    assert_int_equal(unsent_add(&r, NULL, err, sizeof err), ERR_PERMISSION);
    size_t removed = 0;
    assert_int_not_equal(unsent_clear(&removed), ERR_OK);
    assert_int_equal(lstat(f->file, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(elsewhere, &st), 0);
    off_t size_before = st.st_size;
    assert_int_equal(unsent_add(&r, NULL, err, sizeof err), ERR_PERMISSION);
    assert_int_equal(stat(elsewhere, &st), 0);
    assert_int_equal(st.st_size, size_before);
    unlink(f->file);
    /* Another user's file (root only: chown). */
    if (geteuid() == 0) {
        assert_int_equal(rename(elsewhere, f->file), 0);
        assert_int_equal(chown(f->file, 65534, 65534), 0);
        read_status(err, sizeof err, ERR_PERMISSION);
        assert_non_null(strstr(err, "belongs to another user"));
    }
    free(elsewhere);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(missing_file_is_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(round_trip_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_lines_are_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_takes_one_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(forget_only_matching_questions, setup, teardown),
        cmocka_unit_test_setup_teardown(clear_removes_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(path_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(records_say_who_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_lines_are_reported_by_number, setup, teardown),
        cmocka_unit_test_setup_teardown(unsafe_files_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

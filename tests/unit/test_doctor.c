/* test_doctor: `cca doctor` against the fake store with the local embedder and no LLM: one
 * line per check, FAIL lines for a database that is down, unmigrated, missing the vector
 * extension or holding another embedding model, and the matching exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/store.h"

#include "cli/cli.h"
#include "cli/commands.h"

#include "tests/fakes/fake_store.h"

/* What the next open_store hands out; tests set it before running the command. */
static struct scenario {
    enum err open_err;      /* open_store fails with this (ERR_OK: succeeds) */
    enum err open_user_err; /* the same, only when acting as a user */
    bool is_info_failing;
    int meta_dim; /* recorded embedding metadata, 0 for none */
    const char *meta_model;
    int open_calls;
} scenario;

static enum err fake_open(const struct config *cfg, bool act_as_user, struct store **out, char *err,
                          size_t errlen)
{
    (void)cfg;
    scenario.open_calls++;
    enum err e = act_as_user && scenario.open_user_err ? scenario.open_user_err : scenario.open_err;
    if (e != ERR_OK) {
        snprintf(err, errlen, "fake: cannot connect\n\tIs the server running?");
        return e;
    }
    struct store *s = fake_store_new();
    if (scenario.meta_dim)
        assert_int_equal(store_set_embed_meta(s, scenario.meta_dim, scenario.meta_model), ERR_OK);
    if (scenario.is_info_failing)
        fake_store_fail_op(s, "info", ERR_DB);
    *out = s;
    return ERR_OK;
}

void cli_error(const char *fmt, ...)
{
    (void)fmt;
}

/* Runs `cca doctor ARGS` with stdout captured; returns the exit status, *out the text. */
static int run_doctor(struct config *cfg, char **argv, int argc, char **out)
{
    struct cli cli = {.cfg = cfg, .prog = "cca", .open_store = fake_open};
    char path[] = "/tmp/cca-test-doctor-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(dup2(fd, STDOUT_FILENO) >= 0);
    int status = cmd_doctor(&cli, argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);

    off_t len = lseek(fd, 0, SEEK_END);
    assert_true(len >= 0 && len < 1024 * 1024);
    char *text = xmalloc((size_t)len + 1);
    assert_int_equal(pread(fd, text, (size_t)len, 0), len);
    text[len] = '\0';
    close(fd);
    unlink(path);
    *out = text;
    return status;
}

static int setup(void **state)
{
    (void)state;
    memset(&scenario, 0, sizeof scenario);
    unsetenv("NO_COLOR");
    return 0;
}

/* The line of a check ("FAIL  schema ...") or NULL. */
static const char *line_of(const char *text, const char *status, const char *check)
{
    char needle[64];
    snprintf(needle, sizeof needle, "%-4s  %-10s ", status, check);
    const char *p = strstr(text, needle);
    return p && (p == text || p[-1] == '\n') ? p : NULL;
}

struct doctor_case {
    const char *name;
    struct scenario scenario;
    const char *user;
    int expected_status;
    const char *expected[8][3]; /* {status, check, text in the line} */
};

static const struct doctor_case cases[] = {
    {"healthy",
     {0},
     NULL,
     0,
     {{"ok", "config", "defaults"},
      {"ok", "database", "connected as role cca_learner"},
      {"ok", "schema", "up to date"},
      {"ok", "vector", "fake (brute-force cosine)"},
      {"ok", "embedder", "local cca-local-v1"},
      {"ok", "embed-meta", "nothing embedded yet"},
      {"ok", "llm", "offline"}}},
    {"database down",
     {.open_err = ERR_DB_DOWN},
     NULL,
     1,
     {{"FAIL", "database", "fake: cannot connect Is the server running?"},
      {"ok", "embedder", "local"},
      {"ok", "llm", "offline"}}},
    {"info unreadable",
     {.is_info_failing = true},
     NULL,
     1,
     {{"FAIL", "database", "server information is not readable"}}},
    {"same model recorded",
     {.meta_dim = 64, .meta_model = "cca-local-v1"},
     NULL,
     0,
     {{"ok", "embed-meta", "agree: cca-local-v1, 64 dimensions"}}},
    {"other model recorded",
     {.meta_dim = 64, .meta_model = "text-embedding-3-small"},
     NULL,
     1,
     {{"FAIL", "embed-meta", "run `cca reindex`"}}},
    {"an older local model recorded",
     {.meta_dim = 64, .meta_model = "cca-local-v0"},
     NULL,
     1,
     {{"FAIL", "embed-meta", "this cca's local embedder is cca-local-v1: run `cca reindex`"}}},
    {"the word vectors' model recorded, the table missing",
     {.meta_dim = 64, .meta_model = "cca-local-v2"},
     NULL,
     1,
     {{"FAIL", "embed-meta", "word-vector table (wordvec.tbl, beside the WordNet table) was "
                             "not found"}}},
    {"other dimension recorded",
     {.meta_dim = 1536, .meta_model = "cca-local-v1"},
     NULL,
     1,
     {{"FAIL", "embed-meta", "1536-dimensional vectors (cca-local-v1) but the embedder makes 64"}}},
    {"user acted as", {0}, "learner@example.com", 0, {{"ok", "user", "learner@example.com"}}},
    {"user refused",
     {.open_user_err = ERR_PERMISSION},
     "mallory@example.com",
     1,
     {{"FAIL", "user", "cannot act as mallory@example.com: fake: cannot connect"},
      {"ok", "schema", "up to date"}}},
};

static void doctor_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct doctor_case *t = &cases[i];
        scenario = t->scenario;
        struct config cfg;
        config_init(&cfg);
        cfg.embed_dim = 64; /* small vectors keep the test quick */
        if (t->user)
            cfg.user = xstrdup(t->user);
        char *argv[] = {(char *)"doctor", NULL};
        char *out = NULL;
        int status = run_doctor(&cfg, argv, 1, &out);
        if (status != t->expected_status)
            fail_msg("%s: status %d, expected %d\n%s", t->name, status, t->expected_status, out);
        for (size_t k = 0; k < 8 && t->expected[k][0]; k++) {
            const char *line = line_of(out, t->expected[k][0], t->expected[k][1]);
            const char *eol = line ? strchr(line, '\n') : NULL;
            const char *hit = line ? strstr(line, t->expected[k][2]) : NULL;
            if (!line || !hit || (eol && hit > eol))
                fail_msg("%s: no '%s %s ... %s' line in:\n%s", t->name, t->expected[k][0],
                         t->expected[k][1], t->expected[k][2], out);
        }
        /* Every line is a check or the summary; nothing is printed twice. */
        assert_null(strstr(out, "\033"));
        free(out);
        config_cleanup(&cfg);
    }
}

static void json_output(void **state)
{
    (void)state;
    scenario.open_err = ERR_DB_DOWN;
    struct config cfg;
    config_init(&cfg);
    cfg.embed_dim = 64;
    char *argv[] = {(char *)"doctor", (char *)"--json", NULL};
    char *out = NULL;
    assert_int_equal(run_doctor(&cfg, argv, 2, &out), 1);
    assert_non_null(strstr(out, "{\"checks\":["));
    assert_non_null(strstr(out, "{\"check\":\"database\",\"status\":\"fail\",\"detail\":\"fake: "
                                "cannot connect Is the server running?\"}"));
    assert_non_null(strstr(out, "\"ok\":false"));
    assert_non_null(strstr(out, "\"failures\":1"));
    free(out);
    config_cleanup(&cfg);
}

static void bad_argument_is_usage_error(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    char *argv[] = {(char *)"doctor", (char *)"--frobnicate", NULL};
    char *out = NULL;
    assert_int_equal(run_doctor(&cfg, argv, 2, &out), 2);
    assert_int_equal(scenario.open_calls, 0);
    free(out);
    config_cleanup(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(doctor_cases, setup),
        cmocka_unit_test_setup(json_output, setup),
        cmocka_unit_test_setup(bad_argument_is_usage_error, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

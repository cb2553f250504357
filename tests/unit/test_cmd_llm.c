/* test_cmd_llm: `cca llm-check` against the fake server (offline, success with figures,
 * failure with the typed error). stdout and stderr are captured into temporary files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/mem.h"
#include "core/secret.h"
#include "tests/fakes/fake_llm.h"
#include "cli/cli.h"
#include "cli/commands.h"

/* main.c is not linked into unit tests: this stands in for it. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("cca: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static pid_t server_pid;
static int server_port;

static void server_start(const char *const *args)
{
    if (fake_llm_start(args, &server_pid, &server_port) != 0)
        fail_msg("fake server %s did not start", fake_llm_path());
}

static void server_stop(void)
{
    fake_llm_stop(server_pid);
}

struct output {
    int status;
    char out[4096];
    char err[4096];
};

static void slurp(FILE *f, char *dst, size_t cap)
{
    rewind(f);
    size_t n = fread(dst, 1, cap - 1, f);
    dst[n] = '\0';
    fclose(f);
}

/* Runs cmd_llm_check with stdout and stderr redirected. */
static void run_check(struct config *cfg, struct output *o, int argc, char **argv)
{
    struct cli cli = {.cfg = cfg, .prog = "cca"};
    fflush(stdout);
    fflush(stderr);
    FILE *out = tmpfile(), *err = tmpfile();
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    o->status = cmd_llm_check(&cli, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    slurp(out, o->out, sizeof o->out);
    slurp(err, o->err, sizeof o->err);
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = xstrdup(value);
}

static void set_key(struct secret **field, const char *value)
{
    secret_free(*field);
    *field = NULL;
    assert_int_equal(secret_new(value, field), ERR_OK);
}

static void test_cmd_llm_offline_without_llm(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg); /* provider none, local embeddings */
    struct output o;
    char cmd[] = "llm-check";
    char *argv[] = {cmd, NULL};
    run_check(&cfg, &o, 1, argv);
    assert_int_equal(o.status, 0);
    assert_string_equal(o.out, "offline (no LLM configured)\n");
    config_cleanup(&cfg);
}

static void config_for_server(struct config *cfg, const char *key)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", server_port);
    config_init(cfg);
    set_str(&cfg->llm_provider, "openai");
    set_str(&cfg->llm_base_url, url);
    set_key(&cfg->llm_api_key, key);
    set_str(&cfg->llm_model, "check-model");
    set_str(&cfg->embed_provider, "openai");
    set_str(&cfg->embed_model, "check-embed");
    cfg->embed_dim = 16;
}

static void test_cmd_llm_reports_latency_and_speed(void **state)
{
    (void)state;
    server_start((const char *const[]){"--tokens", "20", "--rate", "100", "--dim", "16",
                                       "--require-key", "sk-good", NULL});
    struct config cfg;
    config_for_server(&cfg, "sk-good");
    struct output o;
    char cmd[] = "llm-check";
    char *argv[] = {cmd, NULL};
    run_check(&cfg, &o, 1, argv);
    server_stop();
    if (o.status != 0)
        fail_msg("status %d, stderr: %s", o.status, o.err);
    assert_non_null(strstr(o.out, "model:        check-model\n"));
    assert_non_null(strstr(o.out, "first token:  "));
    assert_non_null(strstr(o.out, "tokens:       20 (reported by the server)\n"));
    assert_non_null(strstr(o.out, " tokens/s\n"));
    assert_non_null(strstr(o.out, "answer:       tok1 tok2"));
    assert_non_null(strstr(o.out, "embeddings:   check-embed, dimension 16, "));
    assert_null(strstr(o.out, "sk-good"));
    assert_null(strstr(o.err, "sk-good"));
    config_cleanup(&cfg);
}

static void test_cmd_llm_failure_is_typed_and_exits_1(void **state)
{
    (void)state;
    server_start((const char *const[]){"--require-key", "sk-good", NULL});
    struct config cfg;
    config_for_server(&cfg, "sk-bad");
    set_str(&cfg.embed_provider, "local");
    struct output o;
    char cmd[] = "llm-check", opt[] = "--no-stream";
    char *argv[] = {cmd, opt, NULL};
    run_check(&cfg, &o, 2, argv);
    server_stop();
    assert_int_equal(o.status, 1);
    assert_non_null(strstr(o.err, "AUTH"));
    assert_non_null(strstr(o.err, "Incorrect API key"));
    assert_null(strstr(o.err, "sk-bad"));
    config_cleanup(&cfg);
}

static void test_cmd_llm_usage_errors(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    struct output o;
    char cmd[] = "llm-check", bogus[] = "--bogus", help_opt[] = "--help";
    char *argv[] = {cmd, bogus, NULL};
    run_check(&cfg, &o, 2, argv);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "--bogus"));
    char *help[] = {cmd, help_opt, NULL};
    run_check(&cfg, &o, 2, help);
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "Usage: cca llm-check"));
    config_cleanup(&cfg);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_llm_offline_without_llm),
        cmocka_unit_test(test_cmd_llm_reports_latency_and_speed),
        cmocka_unit_test(test_cmd_llm_failure_is_typed_and_exits_1),
        cmocka_unit_test(test_cmd_llm_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

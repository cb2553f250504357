/* test_llm: component tests of the LLM client: the real loop, http and SSE parser against
 * tests/fakes/fake_llm_server on 127.0.0.1 (path in $CCA_FAKE_LLM, else
 * build/debug/fake_llm_server), one server per test, replaying tests/fixtures/sse.
 *
 * Server behaviours of issue 5 and where they are covered (test_sse.c for the parser alone):
 *   split at any byte, inside UTF-8 ....... test_sse_table_*, _random_*; here _any_split, _utf8_*
 *   CRLF/LF/CR, data: with/without space .. test_sse_table_* (crlf, cr_only, data_without_space);
 *                                           crlf_keepalive.txt in _provider_fixtures_any_split
 *   comment lines (: keep-alive) ........... comments_keepalive; crlf_keepalive.txt
 *   empty choices (Azure first, usage) ..... azure.txt, openai.txt, vllm.txt
 *   delta.content null/absent, role-only .. llamacpp.txt, ollama.txt, reasoning_tools.txt
 *   unknown fields (tools, reasoning, timings) reasoning_tools.txt, llamacpp.txt
 *   [DONE] or plain EOF .................... _plain_eof_without_done, no_done.txt
 *   error object inside the stream ......... _error_object_inside_stream, _error_event_type
 *   very long lines -> ERR_TOO_LARGE ....... test_sse_default_cap_is_one_mib, _event_over_cap
 *   refused / DNS / TLS .................... _connection_refused, _dns_failure, _tls_error_*
 *   connect and idle-read timeouts ......... _connect_timeout, _idle_timeout_*
 *   401/403, 404, 400 context, other 4xx/5xx _status_errors_are_typed
 *   429 Retry-After then success; exhausted  _429_retry_after_then_success, _429_exhausted_*,
 *                                           _503_*; no retry once text streamed: by design
 *   malformed JSON ......................... _malformed_json_in_stream, _malformed_completion
 *   stream cut short (partial text kept) ... _connection_dropped_mid_stream, _plain_eof_*
 *   cancel mid-stream, no callbacks after .. _cancel_inside_delta_callback, _cancel_mid_stream_*,
 *                                           _cancel_while_waiting_to_retry, _free_with_*
 *   Azure URL + api-key, bearer key, JSON .. _azure_deployment_*, _request_json_and_bearer_key
 *   embeddings batched, sorted, checked .... _embed_* */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/secret.h"
#include "tests/fakes/fake_llm.h"

#define SSE_DIR "tests/fixtures/sse/"
#define ERR_DIR "tests/fixtures/errors/"
#define ANSWER "Onboarding takes two weeks."

/* ---- the fake server ------------------------------------------------------------------- */

struct fake {
    pid_t pid;
    int port;
    char log_path[64];
    char url[128];
};

static void fake_start_v(struct fake *f, const char *const *args)
{
    snprintf(f->log_path, sizeof f->log_path, "/tmp/cca-test-llm-%ld.log", (long)getpid());
    unlink(f->log_path);
    const char *argv[64] = {"--log", f->log_path};
    size_t n = 2;
    for (size_t i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (fake_llm_start(argv, &f->pid, &f->port) != 0)
        fail_msg("fake server %s did not start (is it built? set CCA_FAKE_LLM)", fake_llm_path());
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/v1", f->port);
}

#define fake_start(f, ...) fake_start_v((f), (const char *const[]){__VA_ARGS__, NULL})

static void fake_stop(struct fake *f)
{
    fake_llm_stop(f->pid);
    unlink(f->log_path);
}

/* The server's request log (heap string). */
static char *fake_log(const struct fake *f)
{
    FILE *fp = fopen(f->log_path, "rb");
    struct buf b;
    buf_init(&b, 1 << 24);
    if (fp) {
        char tmp[4096];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
            buf_append(&b, tmp, n);
        fclose(fp);
    }
    return buf_detach(&b);
}

static int count_requests(const struct fake *f)
{
    char *log = fake_log(f);
    int n = 0;
    for (const char *p = log; (p = strstr(p, ">>> ")); p += 4)
        n++;
    free(log);
    return n;
}

/* ---- client set-up --------------------------------------------------------------------- */

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

static void set_key(struct secret **field, const char *value)
{
    secret_free(*field);
    *field = NULL;
    assert_int_equal(secret_new(value, field), ERR_OK);
}

static void cfg_for(struct config *c, const char *base_url)
{
    config_init(c);
    set_str(&c->llm_provider, "openai");
    set_str(&c->llm_base_url, base_url);
    set_key(&c->llm_api_key, "sk-test-123");
    set_str(&c->llm_model, "test-model");
    c->llm_connect_timeout_ms = 3000;
    c->llm_idle_timeout_ms = 5000;
    c->llm_max_retries = 3;
    set_str(&c->embed_provider, "openai");
    set_str(&c->embed_model, "test-embed");
    c->embed_batch_size = 64;
}

struct env {
    struct fake fake;
    struct config cfg;
    struct loop *loop;
    struct llm *llm;
};

static void env_open(struct env *env, const char *base_url)
{
    cfg_for(&env->cfg, base_url ? base_url : env->fake.url);
}

static void env_connect(struct env *env)
{
    char err[256];
    env->loop = loop_new();
    enum err e = llm_new(&env->cfg, env->loop, &env->llm, err, sizeof err);
    if (e)
        fail_msg("llm_new: %s: %s", err_name(e), err);
}

static void env_close(struct env *env)
{
    llm_free(env->llm);
    loop_free(env->loop);
    config_cleanup(&env->cfg);
    if (env->fake.pid > 0)
        fake_stop(&env->fake);
}

struct chat {
    struct buf text;
    int deltas;
    int done_calls;
    enum err err;
    char errmsg[512];
    struct llm_usage usage;
    int cancel_after; /* cancel from inside the delta callback after this many, 0: never */
    struct llm_request *req;
};

static void on_delta(void *userdata, const char *text, size_t len)
{
    struct chat *c = userdata;
    assert_int_equal(c->done_calls, 0);
    assert_true(len > 0);
    assert_int_equal(buf_append(&c->text, text, len), ERR_OK);
    c->deltas++;
    if (c->cancel_after && c->deltas == c->cancel_after)
        llm_request_cancel(c->req);
}

static void on_done(void *userdata, enum err e, const char *errmsg,
                    const struct llm_usage *usage)
{
    struct chat *c = userdata;
    c->done_calls++;
    c->err = e;
    snprintf(c->errmsg, sizeof c->errmsg, "%s", errmsg ? errmsg : "(null)");
    c->usage = *usage;
}

static const struct llm_message question[] = {
    {LLM_ROLE_SYSTEM, "You answer from the handbook."},
    {LLM_ROLE_USER, "How long is onboarding?"},
    {LLM_ROLE_ASSISTANT, "Let me check."},
    {LLM_ROLE_USER, "Well?"},
};

static void chat_init(struct chat *c)
{
    memset(c, 0, sizeof *c);
    buf_init(&c->text, 8 << 20);
    c->err = ERR__COUNT;
}

/* Runs the loop until done (or deadline_ms passes, which fails the test). */
static void run_until_done(struct env *env, const int *done_calls, long deadline_ms)
{
    int64_t end = loop_now_ms() + deadline_ms;
    while (*done_calls == 0) {
        if (loop_now_ms() > end)
            fail_msg("no answer within %ld ms", deadline_ms);
        loop_run_once(env->loop, 50);
    }
}

/* Runs the loop for ms milliseconds whatever happens. */
static void run_for(struct env *env, long ms)
{
    int64_t end = loop_now_ms() + ms;
    while (loop_now_ms() < end)
        loop_run_once(env->loop, 20);
}

static void chat_run(struct env *env, struct chat *c, bool stream)
{
    chat_init(c);
    enum err e = llm_chat_start(env->llm, question, 4, stream, on_delta, on_done, c, &c->req);
    assert_int_equal(e, ERR_OK);
    run_until_done(env, &c->done_calls, 15000);
    assert_int_equal(c->done_calls, 1);
}

static void chat_cleanup(struct chat *c)
{
    buf_cleanup(&c->text);
}

#define assert_err(got, want)                                                                  \
    do {                                                                                       \
        if ((got) != (want))                                                                   \
            fail_msg("got %s, want %s", err_name(got), err_name(want));                        \
    } while (0)

/* ---- streaming: real providers' shapes ------------------------------------------------- */

static void test_llm_stream_provider_fixtures_any_split(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int prompt_tokens; /* -1: the fixture has no usage */
    } fixtures[] = {
        {"openai.txt", 25},   {"azure.txt", 25},          {"ollama.txt", -1},
        {"llamacpp.txt", 25}, {"vllm.txt", 25},           {"crlf_keepalive.txt", -1},
        {"reasoning_tools.txt", -1}, {"no_done.txt", -1},
    };
    static const char *const splits[] = {"", ",chunk=1", ",chunk=7,delay=1", ",chunk=64"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
            char spec[256];
            snprintf(spec, sizeof spec, "sse=" SSE_DIR "%s%s", fixtures[i].file, splits[k]);
            struct env env = {0};
            fake_start(&env.fake, "-r", spec);
            env_open(&env, NULL);
            env_connect(&env);
            struct chat c;
            chat_run(&env, &c, true);
            if (c.err != ERR_OK || strcmp(buf_str(&c.text), ANSWER) != 0)
                fail_msg("%s: %s \"%s\" (%s)", spec, err_name(c.err), buf_str(&c.text),
                         c.errmsg);
            assert_int_equal(c.usage.prompt_tokens, fixtures[i].prompt_tokens);
            assert_true(c.usage.first_token_ms >= 0);
            assert_int_equal(c.usage.delta_count, c.deltas);
            chat_cleanup(&c);
            env_close(&env);
        }
    }
}

static void test_llm_stream_utf8_split_inside_sequences(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "utf8.txt,chunk=1");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), "Caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x94 "
                                          "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E "
                                          "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80");
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_default_stream_usage_and_escape_text(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--answer", "a \\e[31mred\\e[0m b");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    /* The client passes bytes through; sanitising is the caller's job. */
    assert_string_equal(buf_str(&c.text), "a \x1b[31mred\x1b[0m b");
    assert_int_equal(c.usage.prompt_tokens, 12);
    assert_int_equal(c.usage.completion_tokens, 3);
    assert_int_equal(c.deltas, 3);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_non_streamed_completion(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--answer", ANSWER);
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, false);
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), ANSWER);
    assert_int_equal(c.deltas, 1);
    assert_int_equal(c.usage.completion_tokens, 3);
    char *log = fake_log(&env.fake);
    assert_non_null(strstr(log, "\"stream\":false"));
    assert_null(strstr(log, "stream_options"));
    free(log);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_stream_answered_with_plain_json(void **state)
{
    (void)state;
    /* A server that ignores "stream": true and sends one completion is still understood. */
    struct env env = {0};
    fake_start(&env.fake, "-r", "json=tests/fixtures/chat/completion.json,chunk=10");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), ANSWER);
    assert_int_equal(c.usage.prompt_tokens, 25);
    chat_cleanup(&c);
    env_close(&env);
}

/* ---- streaming: broken streams ---------------------------------------------------------- */

static void test_llm_error_object_inside_stream(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "error_in_stream.txt,chunk=5");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_SERVER);
    assert_non_null(strstr(c.errmsg, "The server had an error"));
    assert_string_equal(buf_str(&c.text), "Onboarding");
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_error_event_type(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "header=Content-Type:text/event-stream,framing=chunked,"
                                "body=event: error\\ndata: overloaded\\n\\n");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_SERVER);
    assert_string_equal(c.errmsg, "overloaded");
    chat_cleanup(&c);
    env_close(&env);
}

/* A server that reports its failure inside the stream in any of the shapes seen in the wild
 * is never an empty success; neither is a stream with no text and no finish reason. */
static void test_llm_nonstandard_stream_errors(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum err want;
        const char *msg_part;
    } cases[] = {
        {"error_event_no_data.txt", ERR_SERVER, "reported an error"},
        {"error_field.txt", ERR_SERVER, "model overloaded, try again"},
        {"vllm_error_object.txt", ERR_CONTEXT, "maximum context length is 4096"},
        {"error_string_then_done.txt", ERR_SERVER, "upstream timed out"},
        {"finish_reason_error.txt", ERR_SERVER, "Provider returned error"},
        {"done_only.txt", ERR_PROTOCOL, "without an answer (no text and no finish reason, "
                                        "then [DONE])"},
        {"no_text_then_done.txt", ERR_PROTOCOL,
         "last event: {\"status\":\"queued\",\"queue_position\":3}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char spec[256];
        snprintf(spec, sizeof spec, "sse=" SSE_DIR "%s,chunk=3", cases[i].file);
        struct env env = {0};
        fake_start(&env.fake, "-r", spec);
        env_open(&env, NULL);
        env_connect(&env);
        struct chat c;
        chat_run(&env, &c, true);
        if (c.err != cases[i].want || !strstr(c.errmsg, cases[i].msg_part))
            fail_msg("%s: got %s \"%s\"", cases[i].file, err_name(c.err), c.errmsg);
        assert_int_equal(c.deltas, 0);
        chat_cleanup(&c);
        env_close(&env);
    }
}

/* A proxy's HTML error page becomes the status and a short plain reason: no markup, no
 * script, no escape sequence reaches the message (shown, logged and stored). */
static void test_llm_html_error_page(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        const char *want;
    } cases[] = {
        {"status=502,header=Content-Type:text/html,json=" ERR_DIR "nginx_502.html",
         "HTTP 502 Bad Gateway from the LLM server (an HTML error page)"},
        {"status=522,header=Content-Type:text/html,json=" ERR_DIR "cloudflare_522.html",
         "HTTP 522 Connection Timed Out from the LLM server (an HTML error page: "
         "\"llm.example.com | 522: Connection timed out & more\")"},
        {"status=503,header=Content-Type:text/html,body=<html><body><p>down</p></body></html>",
         "HTTP 503 Service Unavailable from the LLM server (an HTML error page)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct env env = {0};
        fake_start(&env.fake, "-r", cases[i].spec);
        env_open(&env, NULL);
        env.cfg.llm_max_retries = 0;
        env_connect(&env);
        struct chat c;
        chat_run(&env, &c, true);
        if (strcmp(c.errmsg, cases[i].want) != 0)
            fail_msg("%s: got \"%s\"", cases[i].spec, c.errmsg);
        assert_err(c.err, ERR_SERVER);
        assert_null(strchr(c.errmsg, '<'));
        assert_null(strchr(c.errmsg, '\x1b'));
        chat_cleanup(&c);
        env_close(&env);
    }
}

/* Whatever a server says in an error, the message passed on is one sanitised line of bounded
 * length. */
static void test_llm_error_message_is_one_safe_line(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r",
               "status=400,error=bad \\e]0;pwned\\x07 request\\n\\e[2Jsecond line \\xe2\\x80\\xae");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_HTTP);
    assert_null(strchr(c.errmsg, '\x1b'));
    assert_null(strchr(c.errmsg, '\x07'));
    assert_null(strchr(c.errmsg, '\n'));
    assert_null(strstr(c.errmsg, "\xe2\x80\xae"));
    if (!strstr(c.errmsg, "bad  request second line"))
        fail_msg("got \"%s\"", c.errmsg);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_malformed_json_in_stream(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "malformed.txt");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_PROTOCOL);
    assert_string_equal(buf_str(&c.text), "Onboarding");
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_malformed_completion(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "body={\"choices\": [oops");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, false);
    assert_err(c.err, ERR_PROTOCOL);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_connection_dropped_mid_stream(void **state)
{
    (void)state;
    struct env env = {0};
    /* Cut inside the third event, after two deltas' worth of bytes. */
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "openai.txt,chunk=40,drop=900");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TRUNCATED);
    assert_string_equal(buf_str(&c.text), "Onboarding takes");
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_plain_eof_without_done(void **state)
{
    (void)state;
    struct env env = {0};
    /* framing=close: the body ends when the connection closes, cleanly. */
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "no_done.txt,framing=close", "-r",
               "sse=" SSE_DIR "cut_short.txt,framing=close", "-r",
               "header=Content-Type:text/event-stream,body=: keep-alive\\n\\n");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true); /* finish_reason seen: a complete answer */
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), ANSWER);
    chat_cleanup(&c);
    chat_run(&env, &c, true); /* neither [DONE] nor finish_reason: cut short */
    assert_err(c.err, ERR_TRUNCATED);
    assert_string_equal(buf_str(&c.text), "Onboarding takes two");
    chat_cleanup(&c);
    chat_run(&env, &c, true); /* nothing at all */
    assert_err(c.err, ERR_PROTOCOL);
    assert_int_equal(c.deltas, 0);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_event_over_cap_is_too_large(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/cca-test-llm-big-%ld.txt", (long)getpid());
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: ", fp);
    for (int i = 0; i < (1 << 20) + 16; i++)
        fputc('a', fp);
    fputs("\n\n", fp);
    fclose(fp);
    char spec[128];
    snprintf(spec, sizeof spec, "sse=%s,chunk=65536", path);
    struct env env = {0};
    fake_start(&env.fake, "-r", spec);
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TOO_LARGE);
    assert_string_equal(buf_str(&c.text), "x");
    chat_cleanup(&c);
    env_close(&env);
    unlink(path);
}

/* ---- HTTP status errors ----------------------------------------------------------------- */

static void test_llm_status_errors_are_typed(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        enum err want;
        const char *msg_part;
    } cases[] = {
        {"status=401,error=Incorrect API key provided,code=invalid_api_key", ERR_AUTH,
         "HTTP 401: Incorrect API key"},
        {"status=403,error=Forbidden", ERR_AUTH, "Forbidden"},
        {"status=404,json=" ERR_DIR "ollama_model_not_found.json", ERR_MODEL, "not found"},
        {"status=404,json=" ERR_DIR "fastapi_detail.json", ERR_MODEL, "Not Found"},
        {"status=400,json=" ERR_DIR "context_length.json", ERR_CONTEXT, "maximum context"},
        {"status=400,json=" ERR_DIR "llamacpp_context.json", ERR_CONTEXT, "context size"},
        {"status=400,error=temperature is invalid", ERR_HTTP, "temperature"},
        {"status=500,error=boom,type=server_error", ERR_SERVER, "boom"},
        {"status=502,header=Content-Type:text/html,body=<html>\\n<h1>Bad Gateway</h1></html>",
         ERR_SERVER, "Bad Gateway"},
        {"status=429,json=" ERR_DIR "insufficient_quota.json", ERR_RATE_LIMIT, "quota"},
        {"status=302,header=Location:file:///etc/passwd,body=", ERR_HTTP, "HTTP 302"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct env env = {0};
        fake_start(&env.fake, "-r", cases[i].spec);
        env_open(&env, NULL);
        env_connect(&env);
        struct chat c;
        chat_run(&env, &c, true);
        if (c.err != cases[i].want || !strstr(c.errmsg, cases[i].msg_part))
            fail_msg("%s: got %s \"%s\"", cases[i].spec, err_name(c.err), c.errmsg);
        assert_int_equal(c.deltas, 0);
        /* Only 429 and 503 are retried, and not for an exhausted quota. */
        assert_int_equal(count_requests(&env.fake), 1);
        chat_cleanup(&c);
        env_close(&env);
    }
}

static void test_llm_429_retry_after_then_success(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "status=429,header=Retry-After:1,error=Rate limit reached",
               "-r", "status=429,header=retry-after-ms:50,error=Rate limit reached", "-r",
               "sse=" SSE_DIR "openai.txt");
    env_open(&env, NULL);
    env_connect(&env);
    int64_t start = loop_now_ms();
    struct chat c;
    chat_run(&env, &c, true);
    int64_t took = loop_now_ms() - start;
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), ANSWER);
    assert_int_equal(count_requests(&env.fake), 3);
    /* Retry-After: 1 (seconds) was honoured, then 50 ms. */
    assert_true(took >= 1000);
    assert_true(took < 4000);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_503_retried_with_backoff(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "status=503,error=overloaded", "-r",
               "sse=" SSE_DIR "vllm.txt");
    env_open(&env, NULL);
    env_connect(&env);
    int64_t start = loop_now_ms();
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    assert_true(loop_now_ms() - start >= 450); /* the first backoff step is 500 ms */
    assert_int_equal(count_requests(&env.fake), 2);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_429_exhausted_is_rate_limit(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--repeat-last", "-r",
               "status=429,header=retry-after-ms:20,error=Rate limit reached,type=requests");
    env_open(&env, NULL);
    env.cfg.llm_max_retries = 2;
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_RATE_LIMIT);
    assert_non_null(strstr(c.errmsg, "Rate limit reached"));
    assert_non_null(strstr(c.errmsg, "after 2 retries"));
    assert_int_equal(count_requests(&env.fake), 3);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_503_exhausted_is_server_error(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--repeat-last", "-r", "status=503,header=Retry-After:0,error=busy");
    env_open(&env, NULL);
    env.cfg.llm_max_retries = 1;
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_SERVER);
    assert_int_equal(count_requests(&env.fake), 2);
    chat_cleanup(&c);
    env_close(&env);
}

/* ---- transport failures ----------------------------------------------------------------- */

static void test_llm_connection_refused(void **state)
{
    (void)state;
    /* A port that was just free: bind, read it, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", ntohs(addr.sin_port));
    struct env env = {0};
    env_open(&env, url);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_CONNECT);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_dns_failure(void **state)
{
    (void)state;
    struct env env = {0};
    env_open(&env, "http://no-such-host.invalid/v1");
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_DNS);
    assert_non_null(strstr(c.errmsg, "no-such-host.invalid"));
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_tls_error_against_plain_http(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--answer", "never");
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/v1", env.fake.port);
    env_open(&env, url);
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TLS);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_connect_timeout(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--full-backlog");
    env_open(&env, NULL);
    env.cfg.llm_connect_timeout_ms = 300;
    env_connect(&env);
    int64_t start = loop_now_ms();
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TIMEOUT);
    assert_true(loop_now_ms() - start < 3000);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_idle_timeout_before_any_byte(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "hang");
    env_open(&env, NULL);
    env.cfg.llm_idle_timeout_ms = 300;
    env_connect(&env);
    int64_t start = loop_now_ms();
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TIMEOUT);
    assert_non_null(strstr(c.errmsg, "300 ms"));
    int64_t took = loop_now_ms() - start;
    assert_true(took >= 280 && took < 3000);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_idle_timeout_mid_stream_keeps_text(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "sse=" SSE_DIR "openai.txt,stall=900");
    env_open(&env, NULL);
    env.cfg.llm_idle_timeout_ms = 300;
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_TIMEOUT);
    assert_string_equal(buf_str(&c.text), "Onboarding takes");
    chat_cleanup(&c);
    env_close(&env);
}

/* ---- cancel and teardown ---------------------------------------------------------------- */

static void test_llm_cancel_inside_delta_callback(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--tokens", "50", "--rate", "100");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_init(&c);
    c.cancel_after = 3;
    assert_int_equal(llm_chat_start(env.llm, question, 4, true, on_delta, on_done, &c, &c.req),
                     ERR_OK);
    int64_t end = loop_now_ms() + 5000;
    while (c.deltas < 3 && loop_now_ms() < end)
        loop_run_once(env.loop, 50);
    run_for(&env, 300); /* the stream would go on: nothing more may arrive */
    assert_int_equal(c.deltas, 3);
    assert_int_equal(c.done_calls, 0);
    assert_string_equal(buf_str(&c.text), "tok1 tok2 tok3 ");
    chat_cleanup(&c);
    env_close(&env);
}

struct cancel_timer {
    struct llm_request *req;
    bool has_fired;
};

static void on_cancel_timer(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct cancel_timer *t = userdata;
    llm_request_cancel(t->req);
    t->has_fired = true;
}

static void test_llm_cancel_mid_stream_from_loop(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--tokens", "100", "--rate", "20");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_init(&c);
    assert_int_equal(llm_chat_start(env.llm, question, 4, true, on_delta, on_done, &c, &c.req),
                     ERR_OK);
    struct cancel_timer t = {.req = c.req};
    loop_timer_add(env.loop, 400, 0, on_cancel_timer, &t);
    run_for(&env, 900);
    assert_true(t.has_fired);
    assert_int_equal(c.done_calls, 0);
    assert_true(c.deltas >= 2 && c.deltas < 20);
    int seen = c.deltas;
    run_for(&env, 200);
    assert_int_equal(c.deltas, seen);
    assert_non_null(strstr(buf_str(&c.text), "tok1 tok2 "));
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_cancel_while_waiting_to_retry(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "status=429,header=Retry-After:5,error=wait");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat c;
    chat_init(&c);
    assert_int_equal(llm_chat_start(env.llm, question, 4, true, on_delta, on_done, &c, &c.req),
                     ERR_OK);
    struct cancel_timer t = {.req = c.req};
    loop_timer_add(env.loop, 300, 0, on_cancel_timer, &t);
    run_for(&env, 600);
    assert_true(t.has_fired);
    assert_int_equal(c.done_calls, 0);
    assert_int_equal(count_requests(&env.fake), 1);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_free_with_requests_in_flight(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--tokens", "100", "--rate", "20");
    env_open(&env, NULL);
    env_connect(&env);
    struct chat a, b;
    chat_init(&a);
    chat_init(&b);
    assert_int_equal(llm_chat_start(env.llm, question, 4, true, on_delta, on_done, &a, NULL),
                     ERR_OK);
    assert_int_equal(llm_chat_start(env.llm, question, 4, true, on_delta, on_done, &b, NULL),
                     ERR_OK);
    run_for(&env, 200);
    assert_true(a.deltas > 0 && b.deltas > 0);
    llm_free(env.llm); /* no callbacks, nothing leaks (ASan/valgrind) */
    env.llm = NULL;
    run_for(&env, 100);
    assert_int_equal(a.done_calls, 0);
    assert_int_equal(b.done_calls, 0);
    chat_cleanup(&a);
    chat_cleanup(&b);
    env_close(&env);
}

/* ---- requests as sent -------------------------------------------------------------------- */

static void test_llm_request_json_and_bearer_key(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--require-key", "sk-test-123");
    env_open(&env, NULL);
    env_connect(&env);
    assert_string_equal(llm_model(env.llm), "test-model");
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    char *log = fake_log(&env.fake);
    assert_non_null(strstr(log, ">>> POST /v1/chat/completions\n"));
    assert_non_null(strstr(log, "Authorization: Bearer sk-test-123\n"));
    assert_non_null(strstr(log, "Accept: text/event-stream\n"));
    assert_non_null(strstr(log, "\"model\":\"test-model\""));
    assert_non_null(strstr(log, "{\"role\":\"system\",\"content\":\"You answer from the "
                                "handbook.\"},{\"role\":\"user\""));
    assert_non_null(strstr(log, "{\"role\":\"assistant\",\"content\":\"Let me check.\"}"));
    assert_non_null(strstr(log, "\"temperature\":0.2"));
    assert_non_null(strstr(log, "\"max_tokens\":800"));
    assert_non_null(strstr(log, "\"stream\":true"));
    assert_non_null(strstr(log, "\"stream_options\":{\"include_usage\":true}"));
    assert_null(strstr(log, "Expect:"));
    free(log);
    chat_cleanup(&c);
    /* A wrong key is refused by the server and typed as an authentication error. */
    set_key(&env.cfg.llm_api_key, "sk-wrong");
    llm_free(env.llm);
    char err[128];
    assert_int_equal(llm_new(&env.cfg, env.loop, &env.llm, err, sizeof err), ERR_OK);
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_AUTH);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_azure_deployment_url_and_api_key_header(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--require-key", "az-key", "-r", "sse=" SSE_DIR "azure.txt,chunk=9");
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/openai/deployments/gpt4o/", env.fake.port);
    env_open(&env, url);
    set_str(&env.cfg.llm_provider, "azure");
    set_key(&env.cfg.llm_api_key, "az-key");
    set_str(&env.cfg.llm_api_version, "2024-06-01");
    env_connect(&env);
    struct chat c;
    chat_run(&env, &c, true);
    assert_err(c.err, ERR_OK);
    assert_string_equal(buf_str(&c.text), ANSWER);
    char *log = fake_log(&env.fake);
    assert_non_null(
        strstr(log, ">>> POST /openai/deployments/gpt4o/chat/completions?api-version=2024-06-01"));
    assert_non_null(strstr(log, "api-key: az-key\n"));
    assert_null(strstr(log, "Authorization"));
    assert_null(strstr(log, "stream_options"));
    free(log);
    chat_cleanup(&c);
    env_close(&env);
}

static void test_llm_config_validation(void **state)
{
    (void)state;
    struct config cfg;
    struct loop *loop = loop_new();
    struct llm *llm = NULL;
    char err[256];
    cfg_for(&cfg, "ftp://127.0.0.1/v1");
    assert_int_equal(llm_new(&cfg, loop, &llm, err, sizeof err), ERR_CONFIG);
    assert_null(llm);
    assert_non_null(strstr(err, "http://"));
    config_cleanup(&cfg);

    cfg_for(&cfg, "file:///etc/passwd");
    assert_int_equal(llm_new(&cfg, loop, &llm, err, sizeof err), ERR_CONFIG);
    config_cleanup(&cfg);

    /* Offline: the client exists but has no chat or embeddings endpoint. */
    config_init(&cfg);
    assert_int_equal(llm_new(&cfg, loop, &llm, err, sizeof err), ERR_OK);
    struct chat c;
    chat_init(&c);
    assert_int_equal(llm_chat_start(llm, question, 4, true, on_delta, on_done, &c, NULL),
                     ERR_UNSUPPORTED);
    const char *texts[] = {"a"};
    float *v = NULL;
    int dim = 0;
    assert_int_equal(llm_embed_sync(llm, loop, texts, 1, &v, &dim, NULL), ERR_UNSUPPORTED);
    llm_free(llm);
    llm_free(NULL);
    config_cleanup(&cfg);
    chat_cleanup(&c);
    loop_free(loop);
}

/* ---- embeddings -------------------------------------------------------------------------- */

static void test_llm_embed_sync_batches_in_order(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "--dim", "12");
    env_open(&env, NULL);
    env.cfg.embed_batch_size = 2;
    env_connect(&env);
    const char *texts[] = {"alpha", "beta", "gamma", "alpha", "delta \"quoted\""};
    float *v = NULL;
    int dim = 0;
    char *errmsg = NULL;
    assert_int_equal(llm_embed_sync(env.llm, env.loop, texts, 5, &v, &dim, &errmsg), ERR_OK);
    assert_null(errmsg);
    assert_int_equal(dim, 12);
    assert_int_equal(count_requests(&env.fake), 3);
    for (int i = 0; i < 5; i++) {
        double norm = 0;
        for (int k = 0; k < dim; k++)
            norm += (double)v[i * dim + k] * v[i * dim + k];
        assert_true(fabs(norm - 1.0) < 1e-4);
    }
    /* Same text, same vector: order was kept across batches. */
    assert_memory_equal(v, v + 3 * dim, (size_t)dim * sizeof *v);
    assert_true(memcmp(v, v + dim, (size_t)dim * sizeof *v) != 0);
    char *log = fake_log(&env.fake);
    assert_non_null(strstr(log, ">>> POST /v1/embeddings\n"));
    assert_non_null(strstr(log, "{\"model\":\"test-embed\",\"input\":[\"alpha\",\"beta\"]}"));
    assert_non_null(strstr(log, "Authorization: Bearer sk-test-123"));
    free(log);
    free(v);
    env_close(&env);
}

static void test_llm_embed_sorted_by_index(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "json=tests/fixtures/embeddings/reversed.json");
    env_open(&env, NULL);
    env_connect(&env);
    const char *texts[] = {"first", "second", "third"};
    float *v = NULL;
    int dim = 0;
    assert_int_equal(llm_embed_sync(env.llm, env.loop, texts, 3, &v, &dim, NULL), ERR_OK);
    assert_int_equal(dim, 2);
    static const float want[] = {1, 0, 0, 1, 0.5f, 0.5f};
    assert_memory_equal(v, want, sizeof want);
    free(v);
    env_close(&env);
}

static void test_llm_embed_bad_responses(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        enum err want;
        const char *msg_part;
    } cases[] = {
        {"json=tests/fixtures/embeddings/mixed_dims.json", ERR_PROTOCOL, "different dimensions"},
        {"json=tests/fixtures/embeddings/reversed.json", ERR_PROTOCOL, "asked for 2"},
        {"json=tests/fixtures/embeddings/duplicate_index.json", ERR_PROTOCOL, "index"},
        {"json=tests/fixtures/embeddings/not_numbers.json", ERR_PROTOCOL, "not a number"},
        {"body=[1 2", ERR_PROTOCOL, "not the JSON expected"},
        {"status=401,error=bad key", ERR_AUTH, "bad key"},
        {"status=404,json=" ERR_DIR "ollama_model_not_found.json", ERR_MODEL, "not found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct env env = {0};
        fake_start(&env.fake, "-r", cases[i].spec);
        env_open(&env, NULL);
        env_connect(&env);
        const char *texts[] = {"a", "b"};
        float *v = NULL;
        int dim = 0;
        char *errmsg = NULL;
        enum err e = llm_embed_sync(env.llm, env.loop, texts, 2, &v, &dim, &errmsg);
        if (e != cases[i].want || !errmsg || !strstr(errmsg, cases[i].msg_part))
            fail_msg("%s: got %s \"%s\"", cases[i].spec, err_name(e), errmsg ? errmsg : "");
        assert_null(v);
        assert_int_equal(dim, 0);
        free(errmsg);
        env_close(&env);
    }
}

struct embed_result {
    int calls;
    enum err err;
    int dim;
    size_t count;
};

static void on_embed(void *userdata, enum err e, const char *errmsg, const float *vectors,
                     size_t count, int dim)
{
    (void)errmsg;
    struct embed_result *r = userdata;
    r->calls++;
    r->err = e;
    r->dim = dim;
    r->count = count;
    assert_true(e != ERR_OK || vectors != NULL);
}

static void test_llm_embed_async_and_cancel(void **state)
{
    (void)state;
    struct env env = {0};
    fake_start(&env.fake, "-r", "embed,wait=300", "-r", "embed");
    env_open(&env, NULL);
    env_connect(&env);
    const char *texts[] = {"q"};
    struct embed_result slow = {0}, fast = {0};
    struct llm_request *req;
    assert_int_equal(llm_embed_start(env.llm, texts, 1, on_embed, &slow, &req), ERR_OK);
    run_for(&env, 50);
    llm_request_cancel(req);
    assert_int_equal(llm_embed_start(env.llm, texts, 1, on_embed, &fast, NULL), ERR_OK);
    run_until_done(&env, &fast.calls, 5000);
    run_for(&env, 400);
    assert_int_equal(slow.calls, 0);
    assert_int_equal(fast.calls, 1);
    assert_err(fast.err, ERR_OK);
    assert_int_equal(fast.dim, 8);
    assert_int_equal(fast.count, 1);
    env_close(&env);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_stream_provider_fixtures_any_split),
        cmocka_unit_test(test_llm_stream_utf8_split_inside_sequences),
        cmocka_unit_test(test_llm_default_stream_usage_and_escape_text),
        cmocka_unit_test(test_llm_non_streamed_completion),
        cmocka_unit_test(test_llm_stream_answered_with_plain_json),
        cmocka_unit_test(test_llm_error_object_inside_stream),
        cmocka_unit_test(test_llm_error_event_type),
        cmocka_unit_test(test_llm_nonstandard_stream_errors),
        cmocka_unit_test(test_llm_html_error_page),
        cmocka_unit_test(test_llm_error_message_is_one_safe_line),
        cmocka_unit_test(test_llm_malformed_json_in_stream),
        cmocka_unit_test(test_llm_malformed_completion),
        cmocka_unit_test(test_llm_connection_dropped_mid_stream),
        cmocka_unit_test(test_llm_plain_eof_without_done),
        cmocka_unit_test(test_llm_event_over_cap_is_too_large),
        cmocka_unit_test(test_llm_status_errors_are_typed),
        cmocka_unit_test(test_llm_429_retry_after_then_success),
        cmocka_unit_test(test_llm_503_retried_with_backoff),
        cmocka_unit_test(test_llm_429_exhausted_is_rate_limit),
        cmocka_unit_test(test_llm_503_exhausted_is_server_error),
        cmocka_unit_test(test_llm_connection_refused),
        cmocka_unit_test(test_llm_dns_failure),
        cmocka_unit_test(test_llm_tls_error_against_plain_http),
        cmocka_unit_test(test_llm_connect_timeout),
        cmocka_unit_test(test_llm_idle_timeout_before_any_byte),
        cmocka_unit_test(test_llm_idle_timeout_mid_stream_keeps_text),
        cmocka_unit_test(test_llm_cancel_inside_delta_callback),
        cmocka_unit_test(test_llm_cancel_mid_stream_from_loop),
        cmocka_unit_test(test_llm_cancel_while_waiting_to_retry),
        cmocka_unit_test(test_llm_free_with_requests_in_flight),
        cmocka_unit_test(test_llm_request_json_and_bearer_key),
        cmocka_unit_test(test_llm_azure_deployment_url_and_api_key_header),
        cmocka_unit_test(test_llm_config_validation),
        cmocka_unit_test(test_llm_embed_sync_batches_in_order),
        cmocka_unit_test(test_llm_embed_sorted_by_index),
        cmocka_unit_test(test_llm_embed_bad_responses),
        cmocka_unit_test(test_llm_embed_async_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

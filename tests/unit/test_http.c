/* test_http: the curl-on-loop adapter itself: schemes, headers, redirects not followed, and
 * starting/cancelling requests from inside callbacks (where libcurl forbids multi calls). */
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

#include "core/buf.h"
#include "core/http.h"
#include "core/loop.h"
#include "tests/fakes/fake_llm.h"

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

struct result {
    struct http *http;
    struct http_request *req;
    long status;
    char content_type[64];
    char location[128];
    struct buf body;
    int done_calls;
    enum err err;
    /* in on_body: start this follow-up request and cancel our own */
    const struct http_options *follow_up;
    struct result *follow_up_result;
};

static enum err on_response(void *userdata, struct http_request *req, long status)
{
    struct result *r = userdata;
    r->status = status;
    http_request_header(req, "content-type", r->content_type, sizeof r->content_type);
    http_request_header(req, "Location", r->location, sizeof r->location);
    assert_false(http_request_header(req, "X-Absent", r->location + 100, 4));
    return ERR_OK;
}

static void on_done(void *userdata, enum err e, const char *errmsg)
{
    (void)errmsg;
    struct result *r = userdata;
    r->done_calls++;
    r->err = e;
    /* Cancelling inside on_done is a harmless no-op. */
    http_request_cancel(r->req);
}

static enum err on_body(void *userdata, const char *data, size_t len);

static const struct http_callbacks callbacks = {on_response, on_body, on_done};

static enum err on_body(void *userdata, const char *data, size_t len)
{
    struct result *r = userdata;
    buf_append(&r->body, data, len);
    if (r->follow_up) {
        const struct http_options *next = r->follow_up;
        r->follow_up = NULL;
        assert_int_equal(http_request_start(r->http, next, &callbacks, r->follow_up_result,
                                            &r->follow_up_result->req),
                         ERR_OK);
        http_request_cancel(r->req);
    }
    return ERR_OK;
}

static void result_init(struct result *r, struct http *http)
{
    memset(r, 0, sizeof *r);
    r->http = http;
    buf_init(&r->body, 1 << 20);
    r->err = ERR__COUNT;
}

static void run_until(struct loop *loop, const int *done_calls, long ms)
{
    int64_t end = loop_now_ms() + ms;
    while (*done_calls == 0 && loop_now_ms() < end)
        loop_run_once(loop, 20);
}

static void test_http_only_http_and_https(void **state)
{
    (void)state;
    struct loop *loop = loop_new();
    struct http *http;
    assert_int_equal(http_new(loop, &http), ERR_OK);
    static const char *const urls[] = {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/",
                                       "dict://127.0.0.1/", "127.0.0.1/v1", ""};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        struct result r;
        result_init(&r, http);
        struct http_options opts = {.url = urls[i]};
        assert_int_equal(http_request_start(http, &opts, &callbacks, &r, &r.req), ERR_INVALID);
        assert_null(r.req);
        buf_cleanup(&r.body);
    }
    assert_int_equal(http_active_count(http), 0);
    http_free(http);
    http_free(NULL);
    loop_free(loop);
}

static void test_http_get_with_headers_and_no_redirects(void **state)
{
    (void)state;
    server_start((const char *const[]){"--model", "m1", "-r", "status=200", "-r",
                                       "status=302,header=Location:file:///etc/passwd,body=",
                                       NULL});
    struct loop *loop = loop_new();
    struct http *http;
    assert_int_equal(http_new(loop, &http), ERR_OK);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/models", server_port);
    const char *headers[] = {"X-Test: 1"};
    struct http_options opts = {.method = "GET", .url = url, .headers = headers,
                                .header_count = 1, .connect_timeout_ms = 2000,
                                .idle_timeout_ms = 5000};
    struct result r;
    result_init(&r, http);
    assert_int_equal(http_request_start(http, &opts, &callbacks, &r, &r.req), ERR_OK);
    assert_int_equal(http_active_count(http), 1);
    run_until(loop, &r.done_calls, 5000);
    assert_int_equal(r.done_calls, 1);
    assert_int_equal(r.err, ERR_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    assert_non_null(strstr(buf_str(&r.body), "\"m1\""));
    buf_cleanup(&r.body);

    result_init(&r, http);
    assert_int_equal(http_request_start(http, &opts, &callbacks, &r, &r.req), ERR_OK);
    run_until(loop, &r.done_calls, 5000);
    assert_int_equal(r.err, ERR_OK);
    assert_int_equal(r.status, 302); /* reported, not followed */
    assert_string_equal(r.location, "file:///etc/passwd");
    buf_cleanup(&r.body);
    assert_int_equal(http_active_count(http), 0);
    http_free(http);
    loop_free(loop);
    server_stop();
}

static void test_http_start_and_cancel_inside_body_callback(void **state)
{
    (void)state;
    server_start((const char *const[]){"--tokens", "200", "--rate", "50", NULL});
    struct loop *loop = loop_new();
    struct http *http;
    assert_int_equal(http_new(loop, &http), ERR_OK);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/chat/completions", server_port);
    const char *stream_body = "{\"stream\":true}";
    struct http_options slow = {.url = url, .body = stream_body, .body_len = strlen(stream_body)};
    struct http_options fast = {.url = url, .body = "{}", .body_len = 2};
    struct result a, b;
    result_init(&a, http);
    result_init(&b, http);
    a.follow_up = &fast;
    a.follow_up_result = &b;
    assert_int_equal(http_request_start(http, &slow, &callbacks, &a, &a.req), ERR_OK);
    run_until(loop, &b.done_calls, 5000);
    int64_t end = loop_now_ms() + 200;
    while (loop_now_ms() < end)
        loop_run_once(loop, 20);
    assert_int_equal(a.done_calls, 0);
    assert_int_equal(b.done_calls, 1);
    assert_int_equal(b.err, ERR_OK);
    assert_non_null(strstr(buf_str(&b.body), "chat.completion"));
    assert_int_equal(http_active_count(http), 0);
    buf_cleanup(&a.body);
    buf_cleanup(&b.body);
    http_free(http);
    loop_free(loop);
    server_stop();
}

static enum err refuse_body(void *userdata, const char *data, size_t len)
{
    (void)userdata;
    (void)data;
    (void)len;
    return ERR_TOO_LARGE;
}

static void test_http_callback_error_aborts_with_it(void **state)
{
    (void)state;
    server_start((const char *const[]){NULL});
    struct loop *loop = loop_new();
    struct http *http;
    assert_int_equal(http_new(loop, &http), ERR_OK);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/models", server_port);
    struct http_options opts = {.url = url};
    struct http_callbacks cb = {on_response, refuse_body, on_done};
    struct result r;
    result_init(&r, http);
    assert_int_equal(http_request_start(http, &opts, &cb, &r, &r.req), ERR_OK);
    run_until(loop, &r.done_calls, 5000);
    assert_int_equal(r.done_calls, 1);
    assert_int_equal(r.err, ERR_TOO_LARGE);
    buf_cleanup(&r.body);
    http_free(http);
    loop_free(loop);
    server_stop();
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_only_http_and_https),
        cmocka_unit_test(test_http_get_with_headers_and_no_redirects),
        cmocka_unit_test(test_http_start_and_cancel_inside_body_callback),
        cmocka_unit_test(test_http_callback_error_aborts_with_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

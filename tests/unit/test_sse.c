/* test_sse: the event-stream parser, table-driven. Every case is fed all at once, byte by
 * byte, and split at every one and every pair of positions; the events (and the error) must
 * be identical each time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/sse.h"

struct record {
    struct buf out;
    int count;
};

/* Renders each event as type{data}#id; data bytes below 0x20 appear as \xHH so a transcript
 * is one readable line. An event whose data is "STOP" makes the callback fail. */
static enum err record_event(void *userdata, const struct sse_event *ev)
{
    struct record *r = userdata;
    r->count++;
    assert_true(ev->data[ev->data_len] == '\0');
    buf_append_str(&r->out, ev->type);
    buf_append_char(&r->out, '{');
    for (size_t i = 0; i < ev->data_len; i++) {
        unsigned char c = (unsigned char)ev->data[i];
        if (c < 0x20)
            buf_printf(&r->out, "\\x%02X", c);
        else
            buf_append_char(&r->out, (char)c);
    }
    buf_append_char(&r->out, '}');
    if (ev->error) {
        assert_int_equal(strlen(ev->error), ev->error_len);
        buf_printf(&r->out, "!%s", ev->error);
    }
    if (ev->id[0])
        buf_printf(&r->out, "#%s", ev->id);
    buf_append_char(&r->out, ';');
    if (ev->data_len == 4 && memcmp(ev->data, "STOP", 4) == 0)
        return ERR_CANCELLED;
    return ERR_OK;
}

struct sse_case {
    const char *name;
    const char *input;
    size_t input_len; /* 0: strlen(input) */
    size_t max_event_len; /* 0: the default cap */
    const char *want;
    enum err want_err;
    long want_retry_ms;
};

static const struct sse_case cases[] = {
    {"lf", "data: hello\n\n", 0, 0, "message{hello};", ERR_OK, -1},
    {"crlf", "data: hello\r\n\r\ndata: two\r\n\r\n", 0, 0, "message{hello};message{two};", ERR_OK,
     -1},
    {"cr_only", "data: a\r\rdata: b\r\r", 0, 0, "message{a};message{b};", ERR_OK, -1},
    {"mixed_endings", "data: a\r\n\ndata: b\n\r\n", 0, 0, "message{a};message{b};", ERR_OK, -1},
    {"data_without_space", "data:x\n\n", 0, 0, "message{x};", ERR_OK, -1},
    {"data_two_spaces_keeps_one", "data:  x\n\n", 0, 0, "message{ x};", ERR_OK, -1},
    {"multi_line_data", "data: a\ndata: b\n\n", 0, 0, "message{a\\x0Ab};", ERR_OK, -1},
    {"comments_keepalive", ": keep-alive\n\ndata: x\n\n: ping\n\n:\n\n", 0, 0, "message{x};",
     ERR_OK, -1},
    {"event_type_and_id", "event: error\nid: 7\ndata: {}\n\ndata: next\n\n", 0, 0,
     "error{{}}#7;message{next}#7;", ERR_OK, -1},
    {"empty_data_field", "data\n\ndata:\n\n", 0, 0, "message{};message{};", ERR_OK, -1},
    {"no_data_no_event", "event: x\n\ndata: y\n\n", 0, 0, "message{y};", ERR_OK, -1},
    {"unknown_fields_and_retry", "foo: bar\nretry: 100\nretry: 1x\ndata: z\n\n", 0, 0,
     "message{z};", ERR_OK, 100},
    {"field_without_colon", "data\nfoo\n\n", 0, 0, "message{};", ERR_OK, -1},
    {"space_line_is_not_blank", "data: a\n \ndata: b\n\n", 0, 0, "message{a\\x0Ab};", ERR_OK,
     -1},
    {"bom", "\xEF\xBB\xBF" "data: b\n\n", 0, 0, "message{b};", ERR_OK, -1},
    {"bom_only_at_start", "data: a\n\n\xEF\xBB\xBF" "data: b\n\n", 0, 0, "message{a};", ERR_OK,
     -1},
    {"utf8_payload", "data: h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\n\n", 0, 0,
     "message{h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80};", ERR_OK, -1},
    {"nul_in_data", "data: a\0b\n\n", 11, 0, "message{a\\x00b};", ERR_OK, -1},
    {"id_with_nul_ignored", "id: 1\n\nid: a\0b\ndata: x\n\n", 25, 0, "message{x}#1;", ERR_OK, -1},
    {"done_without_blank_line", "data: a\n\ndata: [DONE]", 0, 0, "message{a};message{[DONE]};",
     ERR_OK, -1},
    {"pending_event_at_eof", "data: x\n", 0, 0, "message{x};", ERR_OK, -1},
    {"openai_stream",
     "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
     "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
     "data: [DONE]\n\n",
     0, 0,
     "message{{\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}};"
     "message{{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}};message{[DONE]};",
     ERR_OK, -1},
    {"exact_cap_fits", "data: 0123456789abcdef\n\n", 0, 16, "message{0123456789abcdef};",
     ERR_OK, -1},
    {"data_over_cap", "data: ok\n\ndata: 0123456789abcdefg\n\n", 0, 16, "message{ok};",
     ERR_TOO_LARGE, -1},
    {"data_lines_accumulate_over_cap", "data: 0123456\ndata: 0123456\ndata: 0\n\n", 0, 16, "",
     ERR_TOO_LARGE, -1},
    {"long_comment_line_over_cap",
     "data: a\n\n:0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789\n\n",
     0, 16, "message{a};", ERR_TOO_LARGE, -1},
    {"callback_error_stops", "data: a\n\ndata: STOP\n\ndata: c\n\n", 0, 0,
     "message{a};message{STOP};", ERR_CANCELLED, -1},
    {"empty_input", "", 0, 0, "", ERR_OK, -1},
    /* Beyond the standard: a server's failure is never swallowed. */
    {"error_event_without_data", "event: error\n\ndata: x\n\n", 0, 0, "error{};message{x};",
     ERR_OK, -1},
    {"error_field", "error: {\"message\":\"overloaded\"}\n\n", 0, 0,
     "message{}!{\"message\":\"overloaded\"};", ERR_OK, -1},
    {"error_field_with_data_and_lines", "data: a\nerror: one\nerror: two\n\ndata: b\n\n", 0, 0,
     "message{a}!one\ntwo;message{b};", ERR_OK, -1},
    {"error_field_at_eof", "error: boom", 0, 0, "message{}!boom;", ERR_OK, -1},
};

struct run {
    struct buf out;
    enum err err;
    long retry_ms;
};

/* Feeds the input cut at the given positions (sorted, may repeat), then finishes. */
static void run_split(const struct sse_case *c, const size_t *cuts, size_t cut_count,
                      struct run *run)
{
    size_t len = c->input_len ? c->input_len : strlen(c->input);
    struct record rec = {0};
    buf_init(&rec.out, 1 << 16);
    struct sse_parser *p = sse_parser_new(c->max_event_len, record_event, &rec);
    enum err e = ERR_OK;
    size_t pos = 0;
    for (size_t i = 0; i <= cut_count && !e; i++) {
        size_t end = i < cut_count ? cuts[i] : len;
        e = sse_parser_feed(p, c->input + pos, end - pos);
        pos = end;
    }
    enum err fin = sse_parser_finish(p);
    if (!e)
        e = fin;
    else
        assert_int_equal(fin, e); /* sticky */
    run->err = e;
    run->retry_ms = sse_parser_retry_ms(p);
    run->out = rec.out;
    sse_parser_free(p);
}

static void check_run(const struct sse_case *c, struct run *run, const char *how)
{
    if (strcmp(buf_str(&run->out), c->want) != 0 || run->err != c->want_err ||
        run->retry_ms != c->want_retry_ms) {
        fail_msg("case %s (%s): got \"%s\" %s retry %ld, want \"%s\" %s retry %ld", c->name, how,
                 buf_str(&run->out), err_name(run->err), run->retry_ms, c->want,
                 err_name(c->want_err), c->want_retry_ms);
    }
    buf_cleanup(&run->out);
}

static void test_sse_table_all_at_once(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run run;
        run_split(&cases[i], NULL, 0, &run);
        check_run(&cases[i], &run, "all at once");
    }
}

static void test_sse_table_byte_by_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct sse_case *c = &cases[i];
        size_t len = c->input_len ? c->input_len : strlen(c->input);
        size_t cuts[256];
        assert_true(len <= 256);
        for (size_t k = 0; k < len; k++)
            cuts[k] = k;
        struct run run;
        run_split(c, cuts, len, &run);
        check_run(c, &run, "byte by byte");
    }
}

static void test_sse_table_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct sse_case *c = &cases[i];
        size_t len = c->input_len ? c->input_len : strlen(c->input);
        for (size_t a = 0; a <= len; a++) {
            struct run run;
            run_split(c, &a, 1, &run);
            check_run(c, &run, "one split");
            for (size_t b = a; b <= len && len <= 64; b++) {
                size_t cuts[2] = {a, b};
                run_split(c, cuts, 2, &run);
                check_run(c, &run, "two splits");
            }
        }
    }
}

/* Random streams built from the format's own pieces: random splits must not change a thing. */
static void test_sse_random_streams_split_randomly(void **state)
{
    (void)state;
    static const char *const pieces[] = {"data:", "data: ", "event: e", "id: 4", "retry: 9",
                                         ":c", "\r", "\n", "\r\n", "x", "\xC3\xA9", "{}",
                                         " ", "\xEF\xBB\xBF", "[DONE]"};
    uint32_t seed = 12345;
#define NEXT() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    for (int round = 0; round < 400; round++) {
        char input[512];
        size_t len = 0;
        int count = (int)(NEXT() % 40);
        for (int i = 0; i < count; i++) {
            const char *p = pieces[NEXT() % (sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            memcpy(input + len, p, n);
            len += n;
        }
        input[len] = '\0';
        struct sse_case c = {"random", input, len, 8, NULL, ERR_OK, -1};
        struct run whole;
        run_split(&c, NULL, 0, &whole);
        size_t cuts[64];
        size_t cut_count = 0, pos = 0;
        while (cut_count < 64 && pos < len) {
            pos += 1 + NEXT() % 9;
            if (pos < len)
                cuts[cut_count++] = pos;
        }
        struct run split;
        run_split(&c, cuts, cut_count, &split);
        if (strcmp(buf_str(&whole.out), buf_str(&split.out)) != 0 || whole.err != split.err ||
            whole.retry_ms != split.retry_ms)
            fail_msg("round %d differs: \"%s\" %s vs \"%s\" %s", round, buf_str(&whole.out),
                     err_name(whole.err), buf_str(&split.out), err_name(split.err));
        buf_cleanup(&whole.out);
        buf_cleanup(&split.out);
    }
#undef NEXT
}

static void test_sse_default_cap_is_one_mib(void **state)
{
    (void)state;
    struct record rec = {0};
    buf_init(&rec.out, (size_t)4 << 20);
    struct sse_parser *p = sse_parser_new(0, record_event, &rec);
    static char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    assert_int_equal(sse_parser_feed(p, "data: ", 6), ERR_OK);
    for (size_t sent = 0; sent < SSE_MAX_EVENT_LEN; sent += sizeof chunk)
        assert_int_equal(sse_parser_feed(p, chunk, sizeof chunk), ERR_OK);
    assert_int_equal(sse_parser_feed(p, "\n\n", 2), ERR_OK);
    assert_int_equal(rec.count, 1);
    /* One byte more than the cap in one event fails, however it arrives. */
    assert_int_equal(sse_parser_feed(p, "data: ", 6), ERR_OK);
    enum err e = ERR_OK;
    for (size_t sent = 0; sent <= SSE_MAX_EVENT_LEN && !e; sent += sizeof chunk)
        e = sse_parser_feed(p, chunk, sizeof chunk);
    if (!e)
        e = sse_parser_feed(p, "\n\n", 2);
    assert_int_equal(e, ERR_TOO_LARGE);
    assert_int_equal(sse_parser_feed(p, "data: x\n\n", 9), ERR_TOO_LARGE);
    assert_int_equal(rec.count, 1);
    sse_parser_free(p);
    buf_cleanup(&rec.out);
}

static void test_sse_feed_after_finish_is_invalid(void **state)
{
    (void)state;
    struct record rec = {0};
    buf_init(&rec.out, 1024);
    struct sse_parser *p = sse_parser_new(0, record_event, &rec);
    assert_int_equal(sse_parser_finish(p), ERR_OK);
    assert_int_equal(sse_parser_feed(p, "data: x\n\n", 9), ERR_INVALID);
    assert_int_equal(sse_parser_finish(p), ERR_INVALID);
    assert_int_equal(rec.count, 0);
    sse_parser_free(p);
    sse_parser_free(NULL);
    buf_cleanup(&rec.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_table_all_at_once),
        cmocka_unit_test(test_sse_table_byte_by_byte),
        cmocka_unit_test(test_sse_table_every_split),
        cmocka_unit_test(test_sse_random_streams_split_randomly),
        cmocka_unit_test(test_sse_default_cap_is_one_mib),
        cmocka_unit_test(test_sse_feed_after_finish_is_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sse: event-stream parsing, line by line, with a line buffer and a data buffer both capped.
 * The state between feeds is only the partial line and a "skip the LF of a CRLF" flag, which
 * is what makes feeding byte by byte equivalent to feeding everything at once. */
#include "core/sse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

/* Room for a field name and its colon on top of the data cap. */
enum { SSE_LINE_SLACK = 64, SSE_SMALL_FIELD_MAX = 1024 };

struct sse_parser {
    sse_event_fn on_event;
    void *userdata;
    size_t max_event_len;
    struct buf line;
    struct buf data;
    struct buf type;
    struct buf id;
    struct buf error; /* the non-standard error: field */
    long retry_ms;
    bool has_data;      /* at least one data: line since the last dispatch */
    bool has_error;     /* at least one error: line since the last dispatch */
    bool skip_lf;       /* the previous byte was a CR ending a line */
    bool is_first_line; /* a BOM may only appear before the first line */
    bool is_finished;
    enum err err;
};

struct sse_parser *sse_parser_new(size_t max_event_len, sse_event_fn on_event, void *userdata)
{
    struct sse_parser *p = xcalloc(1, sizeof *p);
    p->on_event = on_event;
    p->userdata = userdata;
    p->max_event_len = max_event_len ? max_event_len : SSE_MAX_EVENT_LEN;
    buf_init(&p->line, p->max_event_len + SSE_LINE_SLACK);
    buf_init(&p->data, p->max_event_len + 1); /* + the '\n' every data line adds */
    buf_init(&p->type, SSE_SMALL_FIELD_MAX);
    buf_init(&p->id, SSE_SMALL_FIELD_MAX);
    buf_init(&p->error, SSE_SMALL_FIELD_MAX * 64);
    p->retry_ms = -1;
    p->is_first_line = true;
    return p;
}

void sse_parser_free(struct sse_parser *p)
{
    if (!p)
        return;
    buf_cleanup(&p->line);
    buf_cleanup(&p->data);
    buf_cleanup(&p->type);
    buf_cleanup(&p->id);
    buf_cleanup(&p->error);
    free(p);
}

long sse_parser_retry_ms(const struct sse_parser *p)
{
    return p->retry_ms;
}

static enum err dispatch(struct sse_parser *p)
{
    bool is_error_type = p->type.len == 5 && memcmp(p->type.data, "error", 5) == 0;
    if (!p->has_data && !p->has_error && !is_error_type) {
        buf_reset(&p->type);
        return ERR_OK;
    }
    size_t len = p->data.len;
    if (len > 0 && p->data.data[len - 1] == '\n')
        len--;
    struct sse_event ev = {
        .type = p->type.len ? buf_str(&p->type) : "message",
        .data = p->data.data ? p->data.data : "",
        .data_len = len,
        .id = buf_str(&p->id),
        .error = p->has_error ? buf_str(&p->error) : NULL,
        .error_len = p->error.len > 0 && p->error.data[p->error.len - 1] == '\n'
                         ? p->error.len - 1
                         : p->error.len,
    };
    if (p->has_error && p->error.len > 0 && p->error.data[p->error.len - 1] == '\n')
        p->error.data[p->error.len - 1] = '\0';
    if (p->data.data)
        p->data.data[len] = '\0';
    enum err e = p->on_event ? p->on_event(p->userdata, &ev) : ERR_OK;
    buf_reset(&p->data);
    buf_reset(&p->type);
    buf_reset(&p->error);
    p->has_data = false;
    p->has_error = false;
    return e;
}

static bool field_is(const char *name, size_t name_len, const char *want)
{
    return name_len == strlen(want) && memcmp(name, want, name_len) == 0;
}

static enum err process_line(struct sse_parser *p)
{
    const char *line = p->line.data ? p->line.data : "";
    size_t len = p->line.len;
    if (p->is_first_line) {
        p->is_first_line = false;
        if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            len -= 3;
        }
    }
    if (len == 0)
        return dispatch(p);
    if (line[0] == ':')
        return ERR_OK;

    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : len;
    const char *value = colon ? colon + 1 : line + len;
    size_t value_len = (size_t)(line + len - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }

    enum err e = ERR_OK;
    if (field_is(line, name_len, "data")) {
        e = buf_append(&p->data, value, value_len);
        if (!e)
            e = buf_append_char(&p->data, '\n');
        p->has_data = true;
    } else if (field_is(line, name_len, "error")) {
        e = buf_append(&p->error, value, value_len);
        if (!e)
            e = buf_append_char(&p->error, '\n');
        p->has_error = true;
    } else if (field_is(line, name_len, "event")) {
        buf_reset(&p->type);
        e = buf_append(&p->type, value, value_len);
    } else if (field_is(line, name_len, "id")) {
        if (!memchr(value, '\0', value_len)) {
            buf_reset(&p->id);
            e = buf_append(&p->id, value, value_len);
        }
    } else if (field_is(line, name_len, "retry")) {
        long ms = 0;
        bool is_valid = value_len > 0 && value_len <= 9;
        for (size_t i = 0; is_valid && i < value_len; i++) {
            if (value[i] < '0' || value[i] > '9')
                is_valid = false;
            else
                ms = ms * 10 + (value[i] - '0');
        }
        if (is_valid)
            p->retry_ms = ms;
    }
    /* Any other field is ignored, as the format requires. */
    return e;
}

static size_t find_eol(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || s[i] == '\r')
            return i;
    return len;
}

enum err sse_parser_feed(struct sse_parser *p, const void *data, size_t len)
{
    if (p->err)
        return p->err;
    if (p->is_finished)
        return ERR_INVALID;
    const unsigned char *s = data;
    size_t i = 0;
    while (i < len) {
        if (p->skip_lf) {
            p->skip_lf = false;
            if (s[i] == '\n') {
                i++;
                continue;
            }
        }
        size_t n = find_eol(s + i, len - i);
        enum err e = buf_append(&p->line, s + i, n);
        if (!e && i + n < len) {
            p->skip_lf = s[i + n] == '\r';
            e = process_line(p);
            buf_reset(&p->line);
        }
        if (e) {
            p->err = e;
            return e;
        }
        i += n + 1;
    }
    return ERR_OK;
}

enum err sse_parser_finish(struct sse_parser *p)
{
    if (p->err)
        return p->err;
    if (p->is_finished)
        return ERR_INVALID;
    p->is_finished = true;
    enum err e = ERR_OK;
    if (p->line.len > 0) {
        e = process_line(p);
        buf_reset(&p->line);
    }
    if (!e)
        e = dispatch(p);
    p->err = e;
    return e;
}

/* json_out: the JSON writer. Comma placement is tracked per nesting level; escaping walks
 * code points with utf8_decode so malformed input can never yield malformed JSON. */
#include "core/json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

void json_out_init(struct json_out *j, size_t max_len)
{
    memset(j, 0, sizeof *j);
    buf_init(&j->buf, max_len);
}

void json_out_cleanup(struct json_out *j)
{
    buf_cleanup(&j->buf);
    j->depth = 0;
}

static void fail(struct json_out *j, enum err e)
{
    if (j->err == ERR_OK)
        j->err = e;
}

static void put(struct json_out *j, const char *s, size_t len)
{
    if (j->err == ERR_OK)
        fail(j, buf_append(&j->buf, s, len));
}

/* Emits the separator owed before a value or key at the current level. */
static bool value_prefix(struct json_out *j)
{
    if (j->err != ERR_OK)
        return false;
    if (j->after_key) {
        j->after_key = false;
        return true;
    }
    if (j->depth > 0 && j->has_items[j->depth - 1])
        put(j, ",", 1);
    if (j->depth > 0)
        j->has_items[j->depth - 1] = true;
    else if (j->buf.len > 0)
        fail(j, ERR_INVALID); /* a second top-level value */
    return j->err == ERR_OK;
}

static void open_container(struct json_out *j, char c)
{
    if (!value_prefix(j))
        return;
    if (j->depth >= JSON_OUT_MAX_DEPTH) {
        fail(j, ERR_INVALID);
        return;
    }
    put(j, &c, 1);
    j->has_items[j->depth++] = false;
}

static void close_container(struct json_out *j, char c)
{
    if (j->err != ERR_OK)
        return;
    if (j->depth == 0 || j->after_key) {
        fail(j, ERR_INVALID);
        return;
    }
    j->depth--;
    put(j, &c, 1);
}

void json_out_object_begin(struct json_out *j)
{
    open_container(j, '{');
}

void json_out_object_end(struct json_out *j)
{
    close_container(j, '}');
}

void json_out_array_begin(struct json_out *j)
{
    open_container(j, '[');
}

void json_out_array_end(struct json_out *j)
{
    close_container(j, ']');
}

void json_out_key(struct json_out *j, const char *key)
{
    if (j->err == ERR_OK && (j->depth == 0 || j->after_key || !key)) {
        fail(j, ERR_INVALID);
        return;
    }
    if (!value_prefix(j))
        return;
    fail(j, json_out_escape(&j->buf, key, strlen(key)));
    put(j, ":", 1);
    j->after_key = true;
}

void json_out_stringn(struct json_out *j, const char *s, size_t len)
{
    if (!s) {
        json_out_null(j);
        return;
    }
    if (value_prefix(j))
        fail(j, json_out_escape(&j->buf, s, len));
}

void json_out_string(struct json_out *j, const char *s)
{
    json_out_stringn(j, s, s ? strlen(s) : 0);
}

void json_out_number(struct json_out *j, double v)
{
    if (!isfinite(v)) {
        json_out_null(j);
        return;
    }
    if (!value_prefix(j))
        return;
    /* The shortest of %.15g and %.17g that reads back as the same double: 0.53, not
     * 0.53000000000000003. strtod is locale-dependent, but so is printf's %g: they agree. */
    char text[32];
    snprintf(text, sizeof text, "%.15g", v);
    if (strtod(text, NULL) != v)
        snprintf(text, sizeof text, "%.17g", v);
    fail(j, buf_append_str(&j->buf, text));
}

void json_out_int(struct json_out *j, long v)
{
    if (value_prefix(j))
        fail(j, buf_printf(&j->buf, "%ld", v));
}

void json_out_bool(struct json_out *j, bool v)
{
    if (value_prefix(j))
        put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_out_null(struct json_out *j)
{
    if (value_prefix(j))
        put(j, "null", 4);
}

enum err json_out_finish(struct json_out *j, char **out)
{
    *out = NULL;
    if (j->err == ERR_OK && (j->depth != 0 || j->after_key || j->buf.len == 0))
        fail(j, ERR_INVALID);
    if (j->err != ERR_OK)
        return j->err;
    *out = buf_detach(&j->buf);
    return ERR_OK;
}

enum err json_out_escape(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start_len = b->len;
    enum err e = buf_append_char(b, '"');
    size_t i = 0;
    while (e == ERR_OK && i < len) {
        /* Copy the longest run that needs no escaping in one append. */
        size_t run = i;
        while (run < len) {
            unsigned char c = (unsigned char)s[run];
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            run++;
        }
        if (run > i) {
            e = buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = utf8_decode(s + i, len - i, &cp);
            char enc[4];
            size_t elen = utf8_encode(cp, enc); /* U+FFFD for malformed input */
            e = buf_append(b, enc, elen);
            i += n;
            continue;
        }
        char esc[7] = {'\\', 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        e = buf_append(b, esc, elen);
        i++;
    }
    if (e == ERR_OK)
        e = buf_append_char(b, '"');
    if (e != ERR_OK) {
        /* Leave the buffer as it was so a capped write never produces half a string. */
        b->len = start_len;
        if (b->data)
            b->data[b->len] = '\0';
    }
    return e;
}

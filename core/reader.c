/* reader: the reader's document, argument and clock. */
#include "core/reader.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

/* --- argument ------------------------------------------------------------------------------ */

#define COURSE_KEY "course="

enum err reader_arg_parse(const char *arg, struct reader_arg *out)
{
    memset(out, 0, sizeof *out);
    if (!arg)
        return ERR_INVALID;
    const char *hash = strchr(arg, '#');
    size_t id_len = hash ? (size_t)(hash - arg) : strlen(arg);
    if (id_len == 0)
        return ERR_INVALID;
    out->content_id = xstrndup(arg, id_len);
    while (hash) {
        const char *part = hash + 1;
        hash = strchr(part, '#');
        size_t n = hash ? (size_t)(hash - part) : strlen(part);
        if (n == 0)
            continue;
        size_t k = strlen(COURSE_KEY);
        if (n > k && strncmp(part, COURSE_KEY, k) == 0) {
            free(out->course_id);
            out->course_id = xstrndup(part + k, n - k);
        } else {
            free(out->passage_id);
            out->passage_id = xstrndup(part, n);
        }
    }
    return ERR_OK;
}

void reader_arg_cleanup(struct reader_arg *a)
{
    free(a->content_id);
    free(a->passage_id);
    free(a->course_id);
    memset(a, 0, sizeof *a);
}

char *reader_arg_format(const char *content_id, const char *passage_id, const char *course_id)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_append_str(&b, content_id ? content_id : "");
    if (passage_id && *passage_id)
        buf_printf(&b, "#%s", passage_id);
    if (course_id && *course_id)
        buf_printf(&b, "#" COURSE_KEY "%s", course_id);
    return buf_detach(&b);
}

/* --- document ------------------------------------------------------------------------------ */

static long char_count(const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Whether the line at s (up to its '\n') is an ATX heading or a code fence. */
static bool is_heading(const char *s, size_t len)
{
    size_t i = 0;
    while (i < 3 && i < len && s[i] == ' ')
        i++;
    size_t hashes = 0;
    while (i < len && s[i] == '#') {
        i++;
        hashes++;
    }
    return hashes >= 1 && hashes <= 6 && (i == len || s[i] == ' ' || s[i] == '\t');
}

static bool is_fence(const char *s, size_t len)
{
    size_t i = 0;
    while (i < 3 && i < len && s[i] == ' ')
        i++;
    return len - i >= 3 && (strncmp(s + i, "```", 3) == 0 || strncmp(s + i, "~~~", 3) == 0);
}

static void add_section(struct reader_doc *d, size_t *cap, size_t from, size_t to)
{
    if (to <= from)
        return;
    if (d->section_count == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        d->sections = xrealloc(d->sections, *cap * sizeof *d->sections);
    }
    long before = d->section_count ? d->sections[d->section_count - 1].char_off +
                                         d->sections[d->section_count - 1].char_len
                                   : 0;
    d->sections[d->section_count++] = (struct reader_section){
        .off = from,
        .len = to - from,
        .char_off = before,
        .char_len = char_count(d->body + from, to - from),
    };
}

/* Cuts the body before every heading outside a code fence. */
static void split_sections(struct reader_doc *d)
{
    size_t cap = 0, start = 0;
    bool in_fence = false;
    for (size_t i = 0; i < d->body_len;) {
        const char *nl = memchr(d->body + i, '\n', d->body_len - i);
        size_t end = nl ? (size_t)(nl - d->body) : d->body_len;
        const char *line = d->body + i;
        size_t len = end - i;
        if (is_fence(line, len))
            in_fence = !in_fence;
        else if (!in_fence && i > start && is_heading(line, len)) {
            add_section(d, &cap, start, i);
            start = i;
        }
        i = nl ? end + 1 : end;
    }
    add_section(d, &cap, start, d->body_len);
    if (d->section_count == 0) {
        d->sections = xcalloc(1, sizeof *d->sections);
        d->section_count = 1;
    }
}

static char *line_dup(const struct json_node *n)
{
    char *s = json_str_dup(n, NULL);
    if (!s)
        return NULL;
    char *line = utf8_sanitize_line(s, strlen(s), NULL);
    free(s);
    return line;
}

enum err reader_doc_parse(const char *text, size_t len, struct reader_doc **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *c = json_get(root, "content");
    if (!c || !json_get(c, "id")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct reader_doc *d = xcalloc(1, sizeof *d);
    d->content_id = json_str_dup(json_get(c, "id"), "");
    d->title = line_dup(json_get(c, "title"));
    if (!d->title)
        d->title = xstrdup("(untitled)");
    d->content_type = line_dup(json_get(c, "content_type"));
    d->body = json_str_dup(json_get(c, "body"), "");
    d->body_len = strlen(d->body);
    d->char_count = char_count(d->body, d->body_len);
    split_sections(d);

    const struct json_node *p = json_get(root, "progress");
    double pos = json_num(json_get(p, "read_position"), 0);
    d->read_position = pos > 0 && pos < 1e12 ? (long)pos : 0;
    double pct = json_num(json_get(p, "progress"), 0);
    d->progress = pct > 0 ? (pct < 100 ? pct : 100) : 0;
    double spent = json_num(json_get(p, "time_spent"), 0);
    d->time_spent_s = spent > 0 && spent < 1e12 ? (long)spent : 0;
    char *done = json_str_dup(json_get(p, "completed_at"), NULL);
    d->is_completed = done != NULL;
    free(done);

    const struct json_node *course = json_get(root, "course");
    if (course && json_get(course, "id")) {
        d->course_id = json_str_dup(json_get(course, "id"), NULL);
        d->course_title = line_dup(json_get(course, "title"));
        d->course_index = (int)json_num(json_get(course, "index"), 0);
        d->course_count = (int)json_num(json_get(course, "count"), 0);
        const struct json_node *prev = json_get(course, "prev");
        const struct json_node *next = json_get(course, "next");
        d->prev_id = json_str_dup(json_get(prev, "content_id"), NULL);
        d->prev_title = line_dup(json_get(prev, "title"));
        d->next_id = json_str_dup(json_get(next, "content_id"), NULL);
        d->next_title = line_dup(json_get(next, "title"));
    }
    json_doc_free(doc);
    *out = d;
    return ERR_OK;
}

void reader_doc_free(struct reader_doc *d)
{
    if (!d)
        return;
    free(d->content_id);
    free(d->title);
    free(d->content_type);
    free(d->body);
    free(d->sections);
    free(d->course_id);
    free(d->course_title);
    free(d->prev_id);
    free(d->prev_title);
    free(d->next_id);
    free(d->next_title);
    free(d);
}

size_t reader_section_at(const struct reader_doc *d, long char_pos, double *fraction)
{
    if (char_pos < 0)
        char_pos = 0;
    size_t i = 0;
    while (i + 1 < d->section_count && d->sections[i + 1].char_off <= char_pos)
        i++;
    if (fraction) {
        const struct reader_section *s = &d->sections[i];
        double f = s->char_len > 0 ? (double)(char_pos - s->char_off) / (double)s->char_len : 0;
        *fraction = f < 0 ? 0 : f > 1 ? 1 : f;
    }
    return i;
}

long reader_char_in_section(const struct reader_doc *d, size_t i, double fraction)
{
    if (d->section_count == 0)
        return 0;
    if (i >= d->section_count)
        return d->char_count;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    const struct reader_section *s = &d->sections[i];
    return s->char_off + (long)(fraction * (double)s->char_len + 0.5);
}

/* --- clock --------------------------------------------------------------------------------- */

void reader_clock_start(struct reader_clock *c, int64_t now_ms)
{
    c->is_running = true;
    c->last_ms = now_ms;
    c->last_key_ms = now_ms;
}

void reader_clock_key(struct reader_clock *c, int64_t now_ms)
{
    reader_clock_tick(c, now_ms);
    c->last_key_ms = now_ms;
}

void reader_clock_tick(struct reader_clock *c, int64_t now_ms)
{
    if (!c->is_running) {
        c->last_ms = now_ms;
        return;
    }
    int64_t from = c->last_ms;
    c->last_ms = now_ms;
    /* Only the part of the interval before the learner went idle counts. */
    int64_t until = c->last_key_ms + READER_IDLE_MS;
    int64_t to = now_ms < until ? now_ms : until;
    int64_t delta = to - from;
    if (delta <= 0)
        return;
    if (delta > READER_TICK_MAX_MS)
        delta = READER_TICK_MAX_MS;
    c->active_ms += delta;
}

void reader_clock_stop(struct reader_clock *c, int64_t now_ms)
{
    reader_clock_tick(c, now_ms);
    c->is_running = false;
}

long reader_clock_take(struct reader_clock *c)
{
    long s = (long)(c->active_ms / 1000);
    c->active_ms -= (int64_t)s * 1000;
    return s;
}

void reader_clock_give_back(struct reader_clock *c, long seconds)
{
    if (seconds > 0)
        c->active_ms += (int64_t)seconds * 1000;
}

/* transcript: messages -> display lines. Each message caches its wrapped lines for one width
 * and rewraps only when its text, state or the width changed, so streaming costs the length
 * of the growing answer, not of the whole conversation. */
#include "tui/transcript.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/markdown.h"
#include "core/mem.h"
#include "core/utf8.h"

#define INDENT 2
#define TAB_WIDTH 4
#define LINES_TEXT_MAX (64u << 20)

struct line_info {
    size_t text_off, text_len;
    size_t seg_off, seg_count;
};

struct message {
    enum transcript_kind kind;
    enum transcript_state state;
    struct buf text;
    char *note;
    /* The wrap cache: valid when wrapped_width == the transcript's width and !is_dirty. */
    int wrapped_width;
    bool is_dirty;
    struct buf ltext;
    struct transcript_seg *segs;
    size_t seg_count, seg_cap;
    struct line_info *lines;
    size_t line_count, line_cap;
    size_t first_line; /* global index of its first line */
};

struct transcript {
    struct message **msgs;
    size_t count, cap;
    int width, height;
    size_t total_lines;
    bool is_following;
    size_t anchor_msg;  /* the top line, as a message and a line inside it */
    size_t anchor_line;
};

/* --- messages ------------------------------------------------------------------------------- */

struct transcript *transcript_new(void)
{
    struct transcript *t = xcalloc(1, sizeof *t);
    t->width = 80;
    t->height = 24;
    t->is_following = true;
    return t;
}

static void message_free(struct message *m)
{
    buf_cleanup(&m->text);
    buf_cleanup(&m->ltext);
    free(m->note);
    free(m->segs);
    free(m->lines);
    free(m);
}

void transcript_clear(struct transcript *t)
{
    for (size_t i = 0; i < t->count; i++)
        message_free(t->msgs[i]);
    t->count = 0;
    t->total_lines = 0;
    t->is_following = true;
    t->anchor_msg = t->anchor_line = 0;
}

void transcript_free(struct transcript *t)
{
    if (!t)
        return;
    transcript_clear(t);
    free(t->msgs);
    free(t);
}

size_t transcript_add(struct transcript *t, enum transcript_kind kind, const char *text,
                      size_t len)
{
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->msgs = xreallocarray(t->msgs, t->cap, sizeof *t->msgs);
    }
    struct message *m = xcalloc(1, sizeof *m);
    m->kind = kind;
    m->state = TRANSCRIPT_DONE;
    m->is_dirty = true;
    buf_init(&m->text, TRANSCRIPT_MESSAGE_MAX);
    buf_init(&m->ltext, LINES_TEXT_MAX);
    buf_append(&m->text, text ? text : "", text ? (len > TRANSCRIPT_MESSAGE_MAX ? TRANSCRIPT_MESSAGE_MAX : len) : 0);
    t->msgs[t->count] = m;
    return t->count++;
}

enum err transcript_append(struct transcript *t, size_t index, const char *text, size_t len)
{
    if (index >= t->count)
        return ERR_INVALID;
    struct message *m = t->msgs[index];
    m->is_dirty = true;
    return buf_append(&m->text, text, len);
}

enum err transcript_replace(struct transcript *t, size_t index, const char *text, size_t len)
{
    if (index >= t->count)
        return ERR_INVALID;
    if (len > TRANSCRIPT_MESSAGE_MAX)
        return ERR_TOO_LARGE;
    struct message *m = t->msgs[index];
    m->is_dirty = true;
    buf_reset(&m->text);
    return buf_append(&m->text, text, len);
}

void transcript_set_state(struct transcript *t, size_t index, enum transcript_state state)
{
    if (index >= t->count || t->msgs[index]->state == state)
        return;
    t->msgs[index]->state = state;
    t->msgs[index]->is_dirty = true;
}

void transcript_set_note(struct transcript *t, size_t index, const char *note)
{
    if (index >= t->count)
        return;
    struct message *m = t->msgs[index];
    free(m->note);
    m->note = note ? xstrdup(note) : NULL;
    m->is_dirty = true;
}

size_t transcript_count(const struct transcript *t)
{
    return t->count;
}

const char *transcript_text(const struct transcript *t, size_t index, size_t *len)
{
    if (index >= t->count) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = t->msgs[index]->text.len;
    return buf_str(&t->msgs[index]->text);
}

enum transcript_kind transcript_kind_of(const struct transcript *t, size_t index)
{
    return index < t->count ? t->msgs[index]->kind : TRANSCRIPT_NOTICE;
}

/* --- line building -------------------------------------------------------------------------- */

static void add_seg(struct message *m, size_t off, size_t len, unsigned style, int citation)
{
    if (len == 0)
        return;
    if (m->seg_count > 0) {
        struct transcript_seg *last = &m->segs[m->seg_count - 1];
        struct line_info *li = &m->lines[m->line_count - 1];
        if (m->seg_count > li->seg_off && last->style == style && last->citation == 0 &&
            citation == 0 && last->off + last->len == off) {
            last->len += len;
            return;
        }
    }
    if (m->seg_count == m->seg_cap) {
        m->seg_cap = m->seg_cap ? m->seg_cap * 2 : 32;
        m->segs = xreallocarray(m->segs, m->seg_cap, sizeof *m->segs);
    }
    m->segs[m->seg_count++] =
        (struct transcript_seg){.off = off, .len = len, .style = style, .citation = citation};
    m->lines[m->line_count - 1].seg_count++;
}

static void begin_line(struct message *m)
{
    if (m->line_count == m->line_cap) {
        m->line_cap = m->line_cap ? m->line_cap * 2 : 16;
        m->lines = xreallocarray(m->lines, m->line_cap, sizeof *m->lines);
    }
    m->lines[m->line_count++] = (struct line_info){
        .text_off = m->ltext.len, .text_len = 0, .seg_off = m->seg_count, .seg_count = 0};
}

/* Appends text to the current line in a style; tabs become spaces. */
static void put(struct message *m, const char *s, size_t len, unsigned style, int citation)
{
    struct line_info *li = &m->lines[m->line_count - 1];
    size_t start = m->ltext.len - li->text_off;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\t')
            buf_append(&m->ltext, "    ", TAB_WIDTH);
        else
            buf_append_char(&m->ltext, s[i]);
    }
    size_t added = m->ltext.len - li->text_off - start;
    li->text_len += added;
    add_seg(m, start, added, style, citation);
}

static void put_spaces(struct message *m, size_t n, unsigned style)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(m, spaces, k, style, 0);
        n -= k;
    }
}

/* Columns of s[a, b), counting a tab as TAB_WIDTH. */
static size_t range_width(const char *s, size_t a, size_t b)
{
    size_t w = 0;
    while (a < b) {
        size_t t = a;
        while (t < b && s[t] != '\t')
            t++;
        w += utf8_width(s + a, t - a);
        if (t < b) {
            w += TAB_WIDTH;
            t++;
        }
        a = t;
    }
    return w;
}

/* How a block's text is styled: either markdown spans or one style for everything. */
struct styled {
    const char *text;
    size_t len;
    const struct markdown_span *spans;
    size_t span_count;
    unsigned base_style;
};

/* Emits one display line: indent, prefix, then text[a, b) with its styles. */
static void emit(struct message *m, const char *prefix, unsigned prefix_style,
                 const struct styled *st, size_t a, size_t b)
{
    begin_line(m);
    put_spaces(m, INDENT, 0);
    if (prefix && prefix[0])
        put(m, prefix, strlen(prefix), prefix_style, 0);
    if (!st->spans) {
        put(m, st->text + a, b - a, st->base_style, 0);
        return;
    }
    for (size_t i = 0; i < st->span_count && a < b; i++) {
        const struct markdown_span *sp = &st->spans[i];
        size_t s0 = sp->off, s1 = sp->off + sp->len;
        if (s1 <= a || s0 >= b)
            continue;
        size_t x0 = s0 > a ? s0 : a, x1 = s1 < b ? s1 : b;
        put(m, st->text + x0, x1 - x0, sp->style | st->base_style, sp->citation);
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Preformatted text: one display line per source line, hard-wrapped at avail columns. */
static void wrap_pre(struct message *m, const char *first, const char *next, unsigned pstyle,
                     const struct styled *st, size_t avail)
{
    size_t pos = 0;
    bool is_first = true;
    do {
        size_t end = pos;
        while (end < st->len && st->text[end] != '\n')
            end++;
        size_t a = pos;
        do {
            size_t b = a, w = 0;
            while (b < end) {
                size_t nb = utf8_next(st->text, end, b);
                size_t cw = range_width(st->text, b, nb);
                if (w + cw > avail && b > a)
                    break;
                w += cw;
                b = nb;
            }
            emit(m, is_first ? first : next, pstyle, st, a, b);
            is_first = false;
            a = b;
        } while (a < end);
        pos = end + 1;
    } while (pos <= st->len);
}

/* Flowing text: greedy word wrap; '\n' is a hard break; words longer than a line are split. */
static void wrap_flow(struct message *m, const char *first, const char *next, unsigned pstyle,
                      const struct styled *st, size_t avail)
{
    const char *s = st->text;
    size_t pos = 0;
    bool is_first = true;
#define EMIT(a, b)                                                                                 \
    do {                                                                                           \
        emit(m, is_first ? first : next, pstyle, st, (a), (b));                                    \
        is_first = false;                                                                          \
    } while (0)
    do {
        size_t end = pos;
        while (end < st->len && s[end] != '\n')
            end++;
        size_t line_start = pos, content_end = pos, w = 0, i = pos;
        bool has_content = false;
        while (i < end) {
            size_t tend = i;
            if (is_space(s[i])) {
                while (tend < end && is_space(s[tend]))
                    tend++;
                if (!has_content && line_start != pos) {
                    line_start = tend; /* no leading spaces on continuation lines */
                } else {
                    w += range_width(s, i, tend);
                }
                i = tend;
                continue;
            }
            while (tend < end && !is_space(s[tend]))
                tend++;
            size_t tw = range_width(s, i, tend);
            if (w + tw <= avail) {
                w += tw;
                content_end = tend;
                has_content = true;
                i = tend;
                continue;
            }
            if (has_content) {
                EMIT(line_start, content_end);
                line_start = i;
                w = 0;
                has_content = false;
                continue;
            }
            /* A word longer than a whole line: split it at the column limit. */
            line_start = i;
            size_t a = i;
            while (range_width(s, a, tend) > avail) {
                size_t n = utf8_fit(s + a, tend - a, avail, NULL);
                if (n == 0)
                    n = utf8_next(s, tend, a) - a;
                EMIT(a, a + n);
                a += n;
            }
            line_start = a;
            content_end = tend;
            w = range_width(s, a, tend);
            has_content = true;
            i = tend;
        }
        if (has_content || line_start == pos)
            EMIT(line_start, has_content ? content_end : line_start);
        pos = end + 1;
    } while (pos <= st->len);
#undef EMIT
}

static void blank_line(struct message *m)
{
    begin_line(m);
}

static void wrap_plain(struct message *m, const char *text, size_t len, unsigned style,
                       size_t avail)
{
    struct styled st = {.text = text, .len = len, .base_style = style};
    wrap_flow(m, "", "", 0, &st, avail);
}

static void wrap_markdown(struct message *m, size_t avail)
{
    struct markdown_doc doc;
    if (markdown_parse(m->text.data ? m->text.data : "", m->text.len, &doc) != ERR_OK) {
        markdown_doc_cleanup(&doc);
        wrap_plain(m, buf_str(&m->text), m->text.len, 0, avail);
        return;
    }
    for (size_t i = 0; i < doc.count; i++) {
        const struct markdown_block *b = &doc.blocks[i];
        if (b->has_gap_before)
            blank_line(m);
        size_t pw = utf8_width(b->first_prefix, strlen(b->first_prefix));
        size_t room = avail > pw + 1 ? avail - pw : 1;
        struct styled st = {
            .text = b->text, .len = b->len, .spans = b->spans, .span_count = b->span_count};
        switch (b->kind) {
        case MARKDOWN_BLOCK_RULE: {
            begin_line(m);
            put_spaces(m, INDENT, 0);
            put(m, b->first_prefix, strlen(b->first_prefix), b->prefix_style, 0);
            for (size_t k = 0; k < room; k++)
                put(m, "\xE2\x94\x80", 3, MARKDOWN_MARKER, 0);
            break;
        }
        case MARKDOWN_BLOCK_CODE:
        case MARKDOWN_BLOCK_TABLE:
            wrap_pre(m, b->first_prefix, b->next_prefix, b->prefix_style, &st, room);
            break;
        default:
            wrap_flow(m, b->first_prefix, b->next_prefix, b->prefix_style, &st, room);
            break;
        }
    }
    markdown_doc_cleanup(&doc);
}

static void layout_message(struct message *m, bool is_first, int width)
{
    buf_reset(&m->ltext);
    m->seg_count = 0;
    m->line_count = 0;
    size_t avail = width > INDENT + 1 ? (size_t)(width - INDENT) : 1;
    if (!is_first)
        blank_line(m);
    switch (m->kind) {
    case TRANSCRIPT_USER:
        begin_line(m);
        put(m, "You", 3, TRANSCRIPT_STYLE_LABEL | TRANSCRIPT_STYLE_USER, 0);
        wrap_plain(m, buf_str(&m->text), m->text.len, TRANSCRIPT_STYLE_USER, avail);
        break;
    case TRANSCRIPT_ASSISTANT:
        begin_line(m);
        put(m, "CCA", 3, TRANSCRIPT_STYLE_LABEL, 0);
        if (m->text.len == 0 &&
            (m->state == TRANSCRIPT_PENDING || m->state == TRANSCRIPT_STREAMING)) {
            const char *wait = m->state == TRANSCRIPT_PENDING ? "searching the knowledge base\xE2\x80\xA6"
                                                              : "\xE2\x80\xA6";
            wrap_plain(m, wait, strlen(wait), TRANSCRIPT_STYLE_NOTE, avail);
        } else {
            wrap_markdown(m, avail);
        }
        break;
    case TRANSCRIPT_DOCUMENT:
        wrap_markdown(m, avail);
        break;
    case TRANSCRIPT_NOTICE:
        wrap_plain(m, buf_str(&m->text), m->text.len, TRANSCRIPT_STYLE_NOTE, avail);
        break;
    case TRANSCRIPT_ERROR:
        wrap_plain(m, buf_str(&m->text), m->text.len, TRANSCRIPT_STYLE_ERROR, avail);
        break;
    }
    const char *note = m->note;
    if (!note && m->state == TRANSCRIPT_CANCELLED)
        note = "[cancelled]";
    if (note) {
        unsigned style = m->state == TRANSCRIPT_FAILED ? TRANSCRIPT_STYLE_ERROR
                                                       : TRANSCRIPT_STYLE_NOTE;
        wrap_plain(m, note, strlen(note), style, avail);
    }
    m->wrapped_width = width;
    m->is_dirty = false;
}

/* --- layout and scrolling ------------------------------------------------------------------- */

static void reflow(struct transcript *t)
{
    size_t total = 0;
    for (size_t i = 0; i < t->count; i++) {
        struct message *m = t->msgs[i];
        if (m->is_dirty || m->wrapped_width != t->width)
            layout_message(m, i == 0, t->width);
        m->first_line = total;
        total += m->line_count;
    }
    t->total_lines = total;
}

void transcript_resize(struct transcript *t, int width, int height)
{
    t->width = width > 0 ? width : 1;
    t->height = height > 0 ? height : 1;
}

size_t transcript_line_count(struct transcript *t)
{
    reflow(t);
    return t->total_lines;
}

bool transcript_line_at(struct transcript *t, size_t i, struct transcript_line *out)
{
    reflow(t);
    if (i >= t->total_lines)
        return false;
    size_t lo = 0, hi = t->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->msgs[mid]->first_line <= i)
            lo = mid;
        else
            hi = mid;
    }
    /* Skip messages with no lines that share a first_line with the next one. */
    while (lo + 1 < t->count && t->msgs[lo]->first_line + t->msgs[lo]->line_count <= i)
        lo++;
    const struct message *m = t->msgs[lo];
    const struct line_info *li = &m->lines[i - m->first_line];
    out->text = m->ltext.data ? m->ltext.data + li->text_off : "";
    out->len = li->text_len;
    out->segs = m->segs + li->seg_off;
    out->seg_count = li->seg_count;
    out->message = lo;
    return true;
}

static size_t max_top(const struct transcript *t)
{
    size_t h = (size_t)t->height;
    return t->total_lines > h ? t->total_lines - h : 0;
}

static void set_anchor(struct transcript *t, size_t top)
{
    t->anchor_msg = 0;
    t->anchor_line = top;
    for (size_t i = 0; i < t->count; i++) {
        const struct message *m = t->msgs[i];
        if (top >= m->first_line && top < m->first_line + m->line_count) {
            t->anchor_msg = i;
            t->anchor_line = top - m->first_line;
            return;
        }
    }
}

size_t transcript_top(struct transcript *t)
{
    reflow(t);
    if (t->is_following || t->count == 0)
        return max_top(t);
    size_t msg = t->anchor_msg < t->count ? t->anchor_msg : t->count - 1;
    const struct message *m = t->msgs[msg];
    size_t line = t->anchor_line < m->line_count ? t->anchor_line
                                                 : (m->line_count ? m->line_count - 1 : 0);
    size_t top = m->first_line + line;
    size_t mt = max_top(t);
    return top > mt ? mt : top;
}

void transcript_scroll(struct transcript *t, long lines)
{
    size_t top = transcript_top(t);
    size_t mt = max_top(t);
    if (lines < 0) {
        size_t up = (size_t)(-lines);
        top = up > top ? 0 : top - up;
    } else {
        top += (size_t)lines;
        if (top > mt)
            top = mt;
    }
    t->is_following = top >= mt;
    set_anchor(t, top);
}

void transcript_page(struct transcript *t, int pages)
{
    long step = t->height > 2 ? t->height - 2 : 1;
    transcript_scroll(t, step * pages);
}

void transcript_home(struct transcript *t)
{
    reflow(t);
    t->is_following = max_top(t) == 0;
    set_anchor(t, 0);
}

void transcript_end(struct transcript *t)
{
    t->is_following = true;
}

bool transcript_is_following(const struct transcript *t)
{
    return t->is_following;
}

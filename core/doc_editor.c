/* doc_editor: lines, cursor, selection, undo groups, search, cut buffer and soft wrap. */
#include "core/doc_editor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

struct dline {
    char *s;
    size_t len, cap;
};

enum op_kind { OP_INSERT, OP_DELETE };

struct op {
    enum op_kind kind;
    struct doc_pos at;   /* where the text was inserted / the start of what was deleted */
    char *text;
    size_t len;
    struct doc_pos cursor_before;
    unsigned long group;
    bool is_typing;
};

struct doc_editor {
    struct dline *lines;
    size_t count, cap;
    size_t total; /* bytes of text including newlines */
    struct doc_pos cur;
    struct doc_pos mark;
    bool has_mark;
    int want_x; /* sticky column of up/down, -1 when unset */

    struct op *ops;
    size_t op_count, op_cap;
    size_t undo_top;  /* ops [0, undo_top) are applied */
    size_t clean_top; /* undo_top when last clean; SIZE_MAX: never */
    unsigned long group;
    unsigned long generation;

    char *clip;
    bool last_was_line_cut;

    size_t *wrap; /* scratch offsets */
    size_t wrap_cap;
};

/* --- lines ----------------------------------------------------------------------------------- */

static void line_reserve(struct dline *l, size_t need)
{
    if (need + 1 <= l->cap)
        return;
    size_t cap = l->cap ? l->cap : 16;
    while (cap < need + 1)
        cap *= 2;
    l->s = xrealloc(l->s, cap);
    l->cap = cap;
}

static void lines_insert(struct doc_editor *e, size_t at, size_t n)
{
    if (e->count + n > e->cap) {
        size_t cap = e->cap ? e->cap : 16;
        while (cap < e->count + n)
            cap *= 2;
        e->lines = xreallocarray(e->lines, cap, sizeof *e->lines);
        e->cap = cap;
    }
    memmove(e->lines + at + n, e->lines + at, (e->count - at) * sizeof *e->lines);
    memset(e->lines + at, 0, n * sizeof *e->lines);
    e->count += n;
}

static void lines_remove(struct doc_editor *e, size_t at, size_t n)
{
    for (size_t i = at; i < at + n; i++)
        free(e->lines[i].s);
    memmove(e->lines + at, e->lines + at + n, (e->count - at - n) * sizeof *e->lines);
    e->count -= n;
}

/* Makes text safe to hold: valid UTF-8, no CR, no controls but tab and newline. */
static char *clean_text(const char *text, size_t len, size_t *out_len)
{
    struct buf b;
    buf_init(&b, (size_t)DOC_EDITOR_MAX_LEN * 2 + 16);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            buf_append_str(&b, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        if (cp == '\r') {
            i += n;
            continue;
        }
        if (cp == 0xFFFD)
            buf_append_str(&b, "\xEF\xBF\xBD"); /* decoded from invalid bytes too */
        else if (cp != '\n' && cp != '\t' &&
            (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || utf8_cp_is_unsafe(cp)))
            buf_append_str(&b, "\xEF\xBF\xBD");
        else
            buf_append(&b, text + i, n);
        i += n;
    }
    *out_len = b.len;
    return buf_detach(&b);
}

/* Inserts clean text at p without recording; returns the position after it. */
static struct doc_pos raw_insert(struct doc_editor *e, struct doc_pos p, const char *text,
                                 size_t len)
{
    struct dline *l = &e->lines[p.line];
    size_t tail_len = l->len - p.col;
    const char *nl = memchr(text, '\n', len);
    if (!nl) {
        line_reserve(l, l->len + len);
        memmove(l->s + p.col + len, l->s + p.col, tail_len);
        memcpy(l->s + p.col, text, len);
        l->len += len;
        l->s[l->len] = '\0';
        e->total += len;
        return (struct doc_pos){p.line, p.col + len};
    }
    size_t newlines = 0;
    for (size_t i = 0; i < len; i++)
        newlines += text[i] == '\n';
    char *tail = xmalloc(tail_len + 1);
    memcpy(tail, l->s + p.col, tail_len);
    lines_insert(e, p.line + 1, newlines);
    l = &e->lines[p.line];
    l->len = p.col;
    size_t first = (size_t)(nl - text);
    line_reserve(l, l->len + first);
    memcpy(l->s + l->len, text, first);
    l->len += first;
    l->s[l->len] = '\0';
    size_t li = p.line, off = first + 1;
    while (off <= len) {
        li++;
        const char *next = memchr(text + off, '\n', len - off);
        size_t seg = next ? (size_t)(next - (text + off)) : len - off;
        struct dline *d = &e->lines[li];
        line_reserve(d, seg + (next ? 0 : tail_len));
        memcpy(d->s, text + off, seg);
        d->len = seg;
        if (!next) {
            memcpy(d->s + seg, tail, tail_len);
            d->len += tail_len;
        }
        d->s[d->len] = '\0';
        off += seg + 1;
        if (!next)
            break;
    }
    free(tail);
    e->total += len;
    return (struct doc_pos){li, e->lines[li].len - tail_len};
}

static int pos_cmp(struct doc_pos a, struct doc_pos b)
{
    if (a.line != b.line)
        return a.line < b.line ? -1 : 1;
    return a.col < b.col ? -1 : a.col > b.col;
}

/* The text between from and to (from <= to) as a heap string. */
static char *range_text(const struct doc_editor *e, struct doc_pos from, struct doc_pos to,
                        size_t *out_len)
{
    struct buf b;
    buf_init(&b, SIZE_MAX / 2);
    for (size_t i = from.line; i <= to.line; i++) {
        const struct dline *l = &e->lines[i];
        size_t a = i == from.line ? from.col : 0;
        size_t z = i == to.line ? to.col : l->len;
        buf_append(&b, l->s + a, z - a);
        if (i != to.line)
            buf_append_char(&b, '\n');
    }
    *out_len = b.len;
    return buf_detach(&b);
}

static void raw_delete(struct doc_editor *e, struct doc_pos from, struct doc_pos to)
{
    struct dline *a = &e->lines[from.line];
    if (from.line == to.line) {
        memmove(a->s + from.col, a->s + to.col, a->len - to.col + 1);
        a->len -= to.col - from.col;
        e->total -= to.col - from.col;
        return;
    }
    struct dline *z = &e->lines[to.line];
    size_t removed = (a->len - from.col) + 1;
    for (size_t i = from.line + 1; i < to.line; i++)
        removed += e->lines[i].len + 1;
    removed += to.col;
    size_t tail = z->len - to.col;
    line_reserve(a, from.col + tail);
    memcpy(a->s + from.col, z->s + to.col, tail);
    a->len = from.col + tail;
    a->s[a->len] = '\0';
    lines_remove(e, from.line + 1, to.line - from.line);
    e->total -= removed;
}

/* The position len bytes of text after p. */
static struct doc_pos advance(struct doc_pos p, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            p.line++;
            p.col = 0;
        } else {
            p.col++;
        }
    }
    return p;
}

/* --- undo ------------------------------------------------------------------------------------ */

static void op_push(struct doc_editor *e, struct op *o)
{
    for (size_t i = e->undo_top; i < e->op_count; i++)
        free(e->ops[i].text);
    e->op_count = e->undo_top;
    if (e->clean_top != SIZE_MAX && e->clean_top > e->undo_top)
        e->clean_top = SIZE_MAX;
    if (e->op_count == e->op_cap) {
        e->op_cap = e->op_cap ? e->op_cap * 2 : 64;
        e->ops = xreallocarray(e->ops, e->op_cap, sizeof *e->ops);
    }
    e->ops[e->op_count++] = *o;
    e->undo_top = e->op_count;
}

static void do_insert(struct doc_editor *e, const char *text, size_t len, bool is_typing)
{
    struct doc_pos at = e->cur;
    struct op *last = e->undo_top ? &e->ops[e->undo_top - 1] : NULL;
    bool merge = is_typing && last && last->is_typing && last->kind == OP_INSERT &&
                 e->undo_top == e->op_count && e->clean_top != e->undo_top &&
                 pos_cmp(advance(last->at, last->text, last->len), at) == 0 &&
                 !(len == 1 && text[0] == ' ' && last->len && last->text[last->len - 1] != ' ');
    if (is_typing && !merge)
        e->group++;
    e->cur = raw_insert(e, at, text, len);
    if (merge) {
        last->text = xrealloc(last->text, last->len + len + 1);
        memcpy(last->text + last->len, text, len);
        last->len += len;
        last->text[last->len] = '\0';
    } else {
        struct op o = {.kind = OP_INSERT, .at = at, .text = xstrndup(text, len), .len = len,
                       .cursor_before = at, .group = e->group, .is_typing = is_typing};
        op_push(e, &o);
    }
    e->generation++;
}

static void do_delete(struct doc_editor *e, struct doc_pos from, struct doc_pos to)
{
    if (pos_cmp(from, to) >= 0)
        return;
    size_t len;
    char *text = range_text(e, from, to, &len);
    struct op o = {.kind = OP_DELETE, .at = from, .text = text, .len = len,
                   .cursor_before = e->cur, .group = e->group};
    raw_delete(e, from, to);
    op_push(e, &o);
    e->cur = from;
    e->generation++;
}

static void begin_group(struct doc_editor *e)
{
    e->group++;
    e->want_x = -1;
}

bool doc_editor_undo(struct doc_editor *e)
{
    if (e->undo_top == 0)
        return false;
    unsigned long g = e->ops[e->undo_top - 1].group;
    while (e->undo_top > 0 && e->ops[e->undo_top - 1].group == g) {
        struct op *o = &e->ops[--e->undo_top];
        if (o->kind == OP_INSERT)
            raw_delete(e, o->at, advance(o->at, o->text, o->len));
        else
            raw_insert(e, o->at, o->text, o->len);
        e->cur = o->cursor_before;
    }
    e->has_mark = false;
    e->want_x = -1;
    e->generation++;
    e->group++;
    return true;
}

bool doc_editor_redo(struct doc_editor *e)
{
    if (e->undo_top == e->op_count)
        return false;
    unsigned long g = e->ops[e->undo_top].group;
    while (e->undo_top < e->op_count && e->ops[e->undo_top].group == g) {
        struct op *o = &e->ops[e->undo_top++];
        if (o->kind == OP_INSERT) {
            e->cur = raw_insert(e, o->at, o->text, o->len);
        } else {
            raw_delete(e, o->at, advance(o->at, o->text, o->len));
            e->cur = o->at;
        }
        o->is_typing = false;
    }
    e->has_mark = false;
    e->want_x = -1;
    e->generation++;
    e->group++;
    return true;
}

/* --- life ------------------------------------------------------------------------------------ */

struct doc_editor *doc_editor_new(const char *text, size_t len)
{
    struct doc_editor *e = xcalloc(1, sizeof *e);
    lines_insert(e, 0, 1);
    line_reserve(&e->lines[0], 0);
    e->lines[0].s[0] = '\0';
    e->want_x = -1;
    if (text && len) {
        size_t n;
        char *clean = clean_text(text, len, &n);
        if (n > DOC_EDITOR_MAX_LEN)
            n = utf8_prev(clean, n, DOC_EDITOR_MAX_LEN + 1);
        raw_insert(e, e->cur, clean, n);
        free(clean);
    }
    e->cur = (struct doc_pos){0, 0};
    e->clean_top = 0;
    return e;
}

void doc_editor_free(struct doc_editor *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->count; i++)
        free(e->lines[i].s);
    free(e->lines);
    for (size_t i = 0; i < e->op_count; i++)
        free(e->ops[i].text);
    free(e->ops);
    free(e->clip);
    free(e->wrap);
    free(e);
}

char *doc_editor_text(const struct doc_editor *e, size_t *len)
{
    char *out = xmalloc(e->total + 1);
    size_t off = 0;
    for (size_t i = 0; i < e->count; i++) {
        memcpy(out + off, e->lines[i].s, e->lines[i].len);
        off += e->lines[i].len;
        if (i + 1 < e->count)
            out[off++] = '\n';
    }
    out[off] = '\0';
    if (len)
        *len = off;
    return out;
}

size_t doc_editor_len(const struct doc_editor *e) { return e->total; }
size_t doc_editor_line_count(const struct doc_editor *e) { return e->count; }

const char *doc_editor_line(const struct doc_editor *e, size_t i, size_t *len)
{
    if (i >= e->count) {
        *len = 0;
        return "";
    }
    *len = e->lines[i].len;
    return e->lines[i].s;
}

struct doc_pos doc_editor_cursor(const struct doc_editor *e) { return e->cur; }
bool doc_editor_is_dirty(const struct doc_editor *e) { return e->undo_top != e->clean_top; }
void doc_editor_mark_clean(struct doc_editor *e)
{
    e->clean_top = e->undo_top;
    e->group++;
}
unsigned long doc_editor_generation(const struct doc_editor *e) { return e->generation; }

/* --- editing --------------------------------------------------------------------------------- */

static bool delete_selection(struct doc_editor *e)
{
    struct doc_pos a, b;
    if (!doc_editor_selection(e, &a, &b))
        return false;
    e->has_mark = false;
    do_delete(e, a, b);
    return true;
}

bool doc_editor_insert(struct doc_editor *e, const char *text, size_t len)
{
    size_t n;
    char *clean = clean_text(text, len, &n);
    struct doc_pos a, b;
    size_t sel = 0;
    if (doc_editor_selection(e, &a, &b)) {
        size_t l;
        free(range_text(e, a, b, &l));
        sel = l;
    }
    if (n == 0 || e->total - sel + n > DOC_EDITOR_MAX_LEN) {
        free(clean);
        return false;
    }
    bool is_typing = n <= 4 && !memchr(clean, '\n', n) && !e->has_mark;
    if (!is_typing)
        begin_group(e);
    else
        e->want_x = -1;
    delete_selection(e);
    do_insert(e, clean, n, is_typing);
    if (!is_typing)
        e->group++;
    e->last_was_line_cut = false;
    free(clean);
    return true;
}

bool doc_editor_newline(struct doc_editor *e)
{
    return doc_editor_insert(e, "\n", 1);
}

bool doc_editor_backspace(struct doc_editor *e)
{
    begin_group(e);
    e->last_was_line_cut = false;
    if (delete_selection(e))
        return true;
    struct doc_pos to = e->cur, from = to;
    if (to.col > 0)
        from.col = utf8_prev(e->lines[to.line].s, e->lines[to.line].len, to.col);
    else if (to.line > 0)
        from = (struct doc_pos){to.line - 1, e->lines[to.line - 1].len};
    else
        return false;
    do_delete(e, from, to);
    return true;
}

bool doc_editor_delete(struct doc_editor *e)
{
    begin_group(e);
    e->last_was_line_cut = false;
    if (delete_selection(e))
        return true;
    struct doc_pos from = e->cur, to = from;
    const struct dline *l = &e->lines[from.line];
    if (from.col < l->len)
        to.col = utf8_next(l->s, l->len, from.col);
    else if (from.line + 1 < e->count)
        to = (struct doc_pos){from.line + 1, 0};
    else
        return false;
    do_delete(e, from, to);
    return true;
}

void doc_editor_set_text(struct doc_editor *e, const char *text, size_t len)
{
    begin_group(e);
    e->has_mark = false;
    do_delete(e, (struct doc_pos){0, 0},
              (struct doc_pos){e->count - 1, e->lines[e->count - 1].len});
    e->cur = (struct doc_pos){0, 0};
    if (text && len) {
        size_t n;
        char *clean = clean_text(text, len, &n);
        if (n > DOC_EDITOR_MAX_LEN)
            n = utf8_prev(clean, n, DOC_EDITOR_MAX_LEN + 1);
        do_insert(e, clean, n, false);
        free(clean);
    }
    e->cur = (struct doc_pos){0, 0};
    e->group++;
}

/* --- cursor ---------------------------------------------------------------------------------- */

static void moved(struct doc_editor *e)
{
    e->want_x = -1;
    e->last_was_line_cut = false;
    e->group++;
}

bool doc_editor_left(struct doc_editor *e)
{
    moved(e);
    if (e->cur.col > 0) {
        e->cur.col = utf8_prev(e->lines[e->cur.line].s, e->lines[e->cur.line].len, e->cur.col);
        return true;
    }
    if (e->cur.line == 0)
        return false;
    e->cur.line--;
    e->cur.col = e->lines[e->cur.line].len;
    return true;
}

bool doc_editor_right(struct doc_editor *e)
{
    moved(e);
    const struct dline *l = &e->lines[e->cur.line];
    if (e->cur.col < l->len) {
        e->cur.col = utf8_next(l->s, l->len, e->cur.col);
        return true;
    }
    if (e->cur.line + 1 >= e->count)
        return false;
    e->cur = (struct doc_pos){e->cur.line + 1, 0};
    return true;
}

static bool is_word_byte(char c)
{
    return (unsigned char)c >= 0x80 || c == '_' || (c >= '0' && c <= '9') ||
           (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool doc_editor_word_left(struct doc_editor *e)
{
    if (e->cur.col == 0)
        return doc_editor_left(e);
    moved(e);
    const struct dline *l = &e->lines[e->cur.line];
    size_t c = e->cur.col;
    while (c > 0 && !is_word_byte(l->s[c - 1]))
        c--;
    while (c > 0 && is_word_byte(l->s[c - 1]))
        c--;
    e->cur.col = c;
    return true;
}

bool doc_editor_word_right(struct doc_editor *e)
{
    const struct dline *l = &e->lines[e->cur.line];
    if (e->cur.col == l->len)
        return doc_editor_right(e);
    moved(e);
    size_t c = e->cur.col;
    while (c < l->len && !is_word_byte(l->s[c]))
        c++;
    while (c < l->len && is_word_byte(l->s[c]))
        c++;
    e->cur.col = c;
    return true;
}

bool doc_editor_home(struct doc_editor *e)
{
    moved(e);
    bool was = e->cur.col != 0;
    e->cur.col = 0;
    return was;
}

bool doc_editor_end(struct doc_editor *e)
{
    moved(e);
    size_t end = e->lines[e->cur.line].len;
    bool was = e->cur.col != end;
    e->cur.col = end;
    return was;
}

void doc_editor_top(struct doc_editor *e)
{
    moved(e);
    e->cur = (struct doc_pos){0, 0};
}

void doc_editor_bottom(struct doc_editor *e)
{
    moved(e);
    e->cur = (struct doc_pos){e->count - 1, e->lines[e->count - 1].len};
}

bool doc_editor_goto_line(struct doc_editor *e, size_t line)
{
    if (line == 0)
        return false;
    moved(e);
    e->cur = (struct doc_pos){line > e->count ? e->count - 1 : line - 1, 0};
    return true;
}

void doc_editor_set_cursor(struct doc_editor *e, struct doc_pos p)
{
    moved(e);
    if (p.line >= e->count)
        p.line = e->count - 1;
    const struct dline *l = &e->lines[p.line];
    if (p.col > l->len)
        p.col = l->len;
    while (p.col > 0 && p.col < l->len && ((unsigned char)l->s[p.col] & 0xC0) == 0x80)
        p.col--;
    e->cur = p;
}

/* --- wrapping -------------------------------------------------------------------------------- */

static size_t wrap_into(const char *s, size_t len, int width, size_t **buf, size_t *cap,
                        size_t max)
{
    size_t rows = 0;
    if (*cap == 0 && max == SIZE_MAX) {
        *cap = 64;
        *buf = xreallocarray(*buf, *cap, sizeof **buf);
    }
#define PUT(v)                                                                                 \
    do {                                                                                       \
        if (max == SIZE_MAX && rows == *cap) {                                                 \
            *cap *= 2;                                                                         \
            *buf = xreallocarray(*buf, *cap, sizeof **buf);                                    \
        }                                                                                      \
        if (rows < (max == SIZE_MAX ? *cap : max))                                             \
            (*buf)[rows] = (v);                                                                \
        rows++;                                                                                \
    } while (0)
    PUT(0);
    if (width <= 0)
        return rows;
    size_t start = 0, i = 0, last_break = 0;
    int x = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            n = 1;
            cp = 0xFFFD;
        }
        int w = cp == '\t' ? 4 : utf8_cp_width(cp);
        if (w < 0)
            w = 1;
        if (cp == ' ' && x + w > width) {
            /* a space past the edge hangs there: the next word starts the next row */
            i += n;
            last_break = i;
            x = width;
            continue;
        }
        if (x + w > width && i > start) {
            size_t cut = last_break > start ? last_break : i;
            PUT(cut);
            start = cut;
            last_break = start;
            x = (int)utf8_width(s + start, i - start);
            continue;
        }
        x += w;
        i += n;
        if (cp == ' ')
            last_break = i;
    }
#undef PUT
    return rows;
}

size_t doc_editor_wrap_line(const struct doc_editor *e, size_t i, int width, size_t *offsets,
                            size_t max)
{
    size_t cap = max;
    const struct dline *l = &e->lines[i];
    return wrap_into(l->s, l->len, width, &offsets, &cap, max);
}

/* Offsets of line i into the scratch buffer; returns the row count. */
static size_t wrap_scratch(const struct doc_editor *e, size_t i, int width)
{
    struct doc_editor *m = (struct doc_editor *)e; /* scratch only */
    const struct dline *l = &e->lines[i];
    return wrap_into(l->s, l->len, width, &m->wrap, &m->wrap_cap, SIZE_MAX);
}

static size_t row_of(const struct doc_editor *e, size_t rows, size_t col)
{
    size_t r = 0;
    while (r + 1 < rows && e->wrap[r + 1] <= col)
        r++;
    return r;
}

void doc_editor_cursor_visual(const struct doc_editor *e, int width, size_t *row, int *col)
{
    size_t rows = wrap_scratch(e, e->cur.line, width);
    size_t r = row_of(e, rows, e->cur.col);
    const char *s = e->lines[e->cur.line].s;
    *row = r;
    *col = (int)utf8_width(s + e->wrap[r], e->cur.col - e->wrap[r]);
}

/* The byte offset in row r of line i (wrapped in e->wrap, rows rows) closest to column x. */
static size_t col_at_x(const struct doc_editor *e, size_t i, size_t rows, size_t r, int x)
{
    const struct dline *l = &e->lines[i];
    size_t start = e->wrap[r];
    size_t end = r + 1 < rows ? utf8_prev(l->s, l->len, e->wrap[r + 1]) : l->len;
    size_t c = start;
    int w = 0;
    while (c < end) {
        size_t n = utf8_next(l->s, l->len, c) - c;
        int cw = (int)utf8_width(l->s + c, n);
        if (w + cw > x)
            break;
        w += cw;
        c += n;
    }
    return c;
}

static bool vertical(struct doc_editor *e, int width, int dir)
{
    size_t r;
    int x;
    doc_editor_cursor_visual(e, width, &r, &x);
    if (e->want_x < 0)
        e->want_x = x;
    int keep = e->want_x;
    size_t rows = wrap_scratch(e, e->cur.line, width);
    size_t line = e->cur.line, target;
    if (dir < 0) {
        if (r > 0) {
            target = r - 1;
        } else {
            if (line == 0)
                return false;
            line--;
            rows = wrap_scratch(e, line, width);
            target = rows - 1;
        }
    } else {
        if (r + 1 < rows) {
            target = r + 1;
        } else {
            if (line + 1 >= e->count)
                return false;
            line++;
            rows = wrap_scratch(e, line, width);
            target = 0;
        }
    }
    e->cur = (struct doc_pos){line, col_at_x(e, line, rows, target, keep)};
    e->last_was_line_cut = false;
    e->group++;
    e->want_x = keep;
    return true;
}

bool doc_editor_up(struct doc_editor *e, int width) { return vertical(e, width, -1); }
bool doc_editor_down(struct doc_editor *e, int width) { return vertical(e, width, 1); }

void doc_editor_scroll_to_cursor(const struct doc_editor *e, int width, int rows,
                                 size_t *top_line, size_t *top_row)
{
    if (rows < 1)
        rows = 1;
    size_t cr;
    int cx;
    doc_editor_cursor_visual(e, width, &cr, &cx);
    size_t cl = e->cur.line;
    if (*top_line >= e->count)
        *top_line = e->count - 1, *top_row = 0;
    if (cl < *top_line || (cl == *top_line && cr < *top_row)) {
        *top_line = cl;
        *top_row = cr;
        return;
    }
    /* count rows from the top to the cursor, giving up past the view */
    size_t seen = 0;
    for (size_t i = *top_line; i <= cl && seen < (size_t)rows; i++) {
        size_t n = wrap_scratch(e, i, width);
        size_t from = i == *top_line ? *top_row : 0;
        size_t to = i == cl ? cr + 1 : n;
        seen += to > from ? to - from : 0;
    }
    if (seen <= (size_t)rows)
        return;
    /* the cursor is the last row: walk back rows - 1 rows */
    size_t line = cl, row = cr, left = (size_t)rows - 1;
    while (left > 0) {
        if (row >= left) {
            row -= left;
            left = 0;
        } else {
            left -= row + 1;
            if (line == 0) {
                row = 0;
                break;
            }
            line--;
            row = wrap_scratch(e, line, width) - 1;
        }
    }
    *top_line = line;
    *top_row = row;
}

/* --- selection and cut buffer ------------------------------------------------------------------ */

void doc_editor_toggle_mark(struct doc_editor *e)
{
    e->has_mark = !e->has_mark;
    e->mark = e->cur;
    e->group++;
}

bool doc_editor_has_selection(const struct doc_editor *e)
{
    return e->has_mark && pos_cmp(e->mark, e->cur) != 0;
}

bool doc_editor_selection(const struct doc_editor *e, struct doc_pos *from, struct doc_pos *to)
{
    if (!doc_editor_has_selection(e))
        return false;
    bool mark_first = pos_cmp(e->mark, e->cur) < 0;
    *from = mark_first ? e->mark : e->cur;
    *to = mark_first ? e->cur : e->mark;
    return true;
}

static void line_range(const struct doc_editor *e, struct doc_pos *a, struct doc_pos *b)
{
    *a = (struct doc_pos){e->cur.line, 0};
    if (e->cur.line + 1 < e->count)
        *b = (struct doc_pos){e->cur.line + 1, 0};
    else
        *b = (struct doc_pos){e->cur.line, e->lines[e->cur.line].len};
}

bool doc_editor_copy(struct doc_editor *e)
{
    struct doc_pos a, b;
    bool is_sel = doc_editor_selection(e, &a, &b);
    if (!is_sel)
        line_range(e, &a, &b);
    size_t len;
    char *t = range_text(e, a, b, &len);
    if (!is_sel && (len == 0 || t[len - 1] != '\n')) {
        t = xrealloc(t, len + 2);
        t[len++] = '\n';
        t[len] = '\0';
    }
    free(e->clip);
    e->clip = t;
    e->has_mark = false;
    e->last_was_line_cut = false;
    return true;
}

bool doc_editor_cut(struct doc_editor *e)
{
    struct doc_pos a, b;
    begin_group(e);
    if (doc_editor_selection(e, &a, &b)) {
        size_t len;
        free(e->clip);
        e->clip = range_text(e, a, b, &len);
        e->has_mark = false;
        do_delete(e, a, b);
        e->last_was_line_cut = false;
        e->group++;
        return true;
    }
    if (e->count == 1 && e->lines[0].len == 0)
        return false;
    line_range(e, &a, &b);
    size_t len;
    char *t = range_text(e, a, b, &len);
    if (len == 0 || t[len - 1] != '\n') {
        t = xrealloc(t, len + 2);
        t[len++] = '\n';
        t[len] = '\0';
    }
    if (e->last_was_line_cut && e->clip) {
        char *joined = xasprintf("%s%s", e->clip, t);
        free(t);
        t = joined;
    }
    free(e->clip);
    e->clip = t;
    if (pos_cmp(a, b) == 0) {
        /* the last line is empty: remove the newline before it */
        if (a.line > 0)
            do_delete(e, (struct doc_pos){a.line - 1, e->lines[a.line - 1].len}, a);
    } else if (b.col != 0 && a.line > 0) {
        /* the last line: take its newline before it too */
        do_delete(e, (struct doc_pos){a.line - 1, e->lines[a.line - 1].len}, b);
        e->cur = (struct doc_pos){e->cur.line < e->count - 1 ? e->cur.line + 1 : e->cur.line, 0};
        if (e->cur.line >= e->count)
            e->cur.line = e->count - 1;
    } else {
        do_delete(e, a, b);
    }
    e->cur.col = 0;
    e->last_was_line_cut = true;
    e->group++;
    return true;
}

bool doc_editor_paste(struct doc_editor *e)
{
    if (!e->clip || !e->clip[0])
        return false;
    begin_group(e);
    delete_selection(e);
    size_t n = strlen(e->clip);
    if (e->total + n > DOC_EDITOR_MAX_LEN)
        return false;
    do_insert(e, e->clip, n, false);
    e->group++;
    e->last_was_line_cut = false;
    return true;
}

const char *doc_editor_clipboard(const struct doc_editor *e) { return e->clip; }

/* --- search ---------------------------------------------------------------------------------- */

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static const char *find_in(const char *s, size_t len, size_t from, const char *needle,
                           size_t nlen)
{
    if (nlen == 0 || len < nlen)
        return NULL;
    for (size_t i = from; i + nlen <= len; i++) {
        size_t k = 0;
        while (k < nlen && lower(s[i + k]) == lower(needle[k]))
            k++;
        if (k == nlen)
            return s + i;
    }
    return NULL;
}

bool doc_editor_find(struct doc_editor *e, const char *needle)
{
    size_t nlen = strlen(needle);
    if (nlen == 0 || memchr(needle, '\n', nlen))
        return false;
    for (size_t step = 0; step <= e->count; step++) {
        size_t i = (e->cur.line + step) % e->count;
        const struct dline *l = &e->lines[i];
        size_t from = step == 0 ? e->cur.col : 0;
        const char *hit = find_in(l->s, l->len, from, needle, nlen);
        if (step == e->count && hit && (size_t)(hit - l->s) >= e->cur.col)
            hit = NULL;
        if (hit) {
            size_t at = (size_t)(hit - l->s);
            moved(e);
            e->mark = (struct doc_pos){i, at};
            e->has_mark = true;
            e->cur = (struct doc_pos){i, at + nlen};
            return true;
        }
    }
    return false;
}

static bool selection_is(const struct doc_editor *e, const char *needle)
{
    struct doc_pos a, b;
    if (!doc_editor_selection(e, &a, &b) || a.line != b.line)
        return false;
    size_t nlen = strlen(needle);
    return b.col - a.col == nlen && find_in(e->lines[a.line].s + a.col, nlen, 0, needle, nlen);
}

bool doc_editor_replace(struct doc_editor *e, const char *needle, const char *with)
{
    if (selection_is(e, needle)) {
        begin_group(e);
        delete_selection(e);
        if (with[0])
            do_insert(e, with, strlen(with), false);
        e->group++;
    }
    return doc_editor_find(e, needle);
}

size_t doc_editor_replace_all(struct doc_editor *e, const char *needle, const char *with)
{
    size_t nlen = strlen(needle), wlen = strlen(with), n = 0;
    if (nlen == 0 || memchr(needle, '\n', nlen) || memchr(with, '\n', wlen))
        return 0;
    begin_group(e);
    e->has_mark = false;
    struct doc_pos keep = e->cur;
    for (size_t i = 0; i < e->count; i++) {
        size_t from = 0;
        const char *hit;
        while ((hit = find_in(e->lines[i].s, e->lines[i].len, from, needle, nlen))) {
            size_t at = (size_t)(hit - e->lines[i].s);
            if (e->total - nlen + wlen > DOC_EDITOR_MAX_LEN)
                goto out;
            do_delete(e, (struct doc_pos){i, at}, (struct doc_pos){i, at + nlen});
            if (wlen)
                do_insert(e, with, wlen, false);
            from = at + wlen;
            n++;
        }
    }
out:
    e->group++;
    doc_editor_set_cursor(e, keep);
    return n;
}

bool doc_editor_find_text(struct doc_editor *e, const char *text)
{
    /* the first non-blank line of text, at most 80 bytes, found exactly */
    while (*text == '\n' || *text == ' ')
        text++;
    size_t n = strcspn(text, "\n");
    if (n > 80)
        n = utf8_prev(text, n, 81);
    if (n == 0)
        return false;
    for (size_t i = 0; i < e->count; i++) {
        const struct dline *l = &e->lines[i];
        for (size_t c = 0; c + n <= l->len; c++)
            if (memcmp(l->s + c, text, n) == 0) {
                moved(e);
                e->has_mark = false;
                e->cur = (struct doc_pos){i, c};
                return true;
            }
    }
    return false;
}

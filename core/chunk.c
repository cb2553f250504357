/* chunk: Markdown-aware passage splitting. Lines are classified once (headings, fences,
 * front matter), then each section body is cut greedily at the best boundary before the
 * target size: a blank line, else a sentence end, else a line end, else a space. */
#include "core/chunk.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct chunk_line {
    size_t start;
    size_t end;       /* excluding '\n' */
    int heading;      /* 1..6 when the line is a heading, 0 otherwise */
    size_t htext;     /* heading text range */
    size_t htext_end;
    bool is_blank;
    bool is_fenced;   /* inside (or delimiting) a fenced code block */
    bool is_underline; /* a setext underline consumed by the line above */
};

struct chunk_out {
    struct chunk *items;
    size_t count;
    size_t cap;
};

/* ---- small scanners ----------------------------------------------------------------- */

static bool chunk_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool chunk_is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t chunk_count_chars(const char *t, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += !chunk_is_cont(t[i]);
    return n;
}

/* The byte offset n characters after from (at most to). */
static size_t chunk_advance(const char *t, size_t from, size_t to, size_t n)
{
    size_t i = from;
    while (i < to && n > 0) {
        i++;
        while (i < to && chunk_is_cont(t[i]))
            i++;
        n--;
    }
    return i;
}

/* The byte offset n characters before from (at least lo). */
static size_t chunk_retreat(const char *t, size_t lo, size_t from, size_t n)
{
    size_t i = from;
    while (i > lo && n > 0) {
        i--;
        while (i > lo && chunk_is_cont(t[i]))
            i--;
        n--;
    }
    return i;
}

static bool chunk_line_blank(const char *t, size_t s, size_t e)
{
    for (size_t i = s; i < e; i++)
        if (!chunk_is_space(t[i]))
            return false;
    return true;
}

/* A fence opener/closer: up to 3 spaces, then ``` or ~~~ (3 or more). */
static bool chunk_line_fence(const char *t, size_t s, size_t e, char *fc, size_t *flen)
{
    size_t i = s;
    while (i < e && i - s < 3 && t[i] == ' ')
        i++;
    if (i >= e || (t[i] != '`' && t[i] != '~'))
        return false;
    char c = t[i];
    size_t n = 0;
    while (i < e && t[i] == c) {
        i++;
        n++;
    }
    if (n < 3)
        return false;
    *fc = c;
    *flen = n;
    return true;
}

static int chunk_line_atx(const char *t, size_t s, size_t e, size_t *hs, size_t *he)
{
    size_t i = s;
    while (i < e && i - s < 3 && t[i] == ' ')
        i++;
    int level = 0;
    while (i < e && t[i] == '#' && level < 7) {
        i++;
        level++;
    }
    if (level == 0 || level > 6 || (i < e && t[i] != ' ' && t[i] != '\t' && t[i] != '\r'))
        return 0;
    while (i < e && chunk_is_space(t[i]))
        i++;
    size_t end = e;
    while (end > i && chunk_is_space(t[end - 1]))
        end--;
    /* A closing sequence of #s preceded by a space is not part of the text. */
    size_t k = end;
    while (k > i && t[k - 1] == '#')
        k--;
    if (k < end && (k == i || t[k - 1] == ' ' || t[k - 1] == '\t')) {
        end = k;
        while (end > i && chunk_is_space(t[end - 1]))
            end--;
    }
    *hs = i;
    *he = end;
    return level;
}

/* A setext underline: up to 3 spaces, then only '=' (level 1) or only '-' (level 2). */
static int chunk_line_setext(const char *t, size_t s, size_t e)
{
    size_t i = s;
    while (i < e && i - s < 3 && t[i] == ' ')
        i++;
    if (i >= e || (t[i] != '=' && t[i] != '-'))
        return 0;
    char c = t[i];
    size_t n = 0;
    while (i < e && t[i] == c) {
        i++;
        n++;
    }
    while (i < e && chunk_is_space(t[i]))
        i++;
    if (i != e || (c == '-' && n < 2))
        return 0;
    return c == '=' ? 1 : 2;
}

/* ---- line classification ------------------------------------------------------------ */

static struct chunk_line *chunk_lines(const char *t, size_t len, size_t *count,
                                      size_t *body_start)
{
    size_t cap = 64, n = 0;
    struct chunk_line *lines = xmalloc(cap * sizeof *lines);
    for (size_t s = 0; s < len;) {
        const char *nl = memchr(t + s, '\n', len - s);
        size_t e = nl ? (size_t)(nl - t) : len;
        if (n == cap) {
            cap *= 2;
            lines = xreallocarray(lines, cap, sizeof *lines);
        }
        struct chunk_line *l = &lines[n++];
        memset(l, 0, sizeof *l);
        l->start = s;
        l->end = e;
        l->is_blank = chunk_line_blank(t, s, e);
        s = nl ? e + 1 : len;
    }

    size_t first = 0;
    /* YAML front matter: "---" on the first line up to the next "---" or "...". */
    if (n > 1 && lines[0].end - lines[0].start >= 3 && memcmp(t, "---", 3) == 0 &&
        chunk_line_blank(t, lines[0].start + 3, lines[0].end)) {
        for (size_t i = 1; i < n; i++) {
            size_t ls = lines[i].start;
            if (lines[i].end - ls >= 3 &&
                (memcmp(t + ls, "---", 3) == 0 || memcmp(t + ls, "...", 3) == 0) &&
                chunk_line_blank(t, ls + 3, lines[i].end)) {
                first = i + 1;
                break;
            }
        }
        for (size_t i = 0; i < first; i++) {
            lines[i].is_fenced = true; /* treated as neither text nor heading */
            lines[i].is_blank = true;
        }
    }

    bool in_fence = false;
    char fence_char = 0;
    size_t fence_len = 0;
    for (size_t i = first; i < n; i++) {
        struct chunk_line *l = &lines[i];
        char fc;
        size_t fl;
        if (chunk_line_fence(t, l->start, l->end, &fc, &fl)) {
            if (!in_fence) {
                in_fence = true;
                fence_char = fc;
                fence_len = fl;
                l->is_fenced = true;
                continue;
            }
            if (fc == fence_char && fl >= fence_len) {
                in_fence = false;
                l->is_fenced = true;
                continue;
            }
        }
        if (in_fence) {
            l->is_fenced = true;
            continue;
        }
        l->heading = chunk_line_atx(t, l->start, l->end, &l->htext, &l->htext_end);
        if (l->heading || l->is_blank || i == first)
            continue;
        int level = chunk_line_setext(t, l->start, l->end);
        struct chunk_line *above = &lines[i - 1];
        bool above_starts_para = i - 1 == first || lines[i - 2].is_blank || lines[i - 2].heading;
        if (level && !above->is_blank && !above->heading && !above->is_fenced &&
            !above->is_underline && above_starts_para) {
            above->heading = level;
            size_t hs = above->start, he = above->end;
            while (hs < he && chunk_is_space(t[hs]))
                hs++;
            while (he > hs && chunk_is_space(t[he - 1]))
                he--;
            above->htext = hs;
            above->htext_end = he;
            l->is_underline = true;
        }
    }
    *count = n;
    *body_start = first < n ? lines[first].start : len;
    return lines;
}

/* ---- passages ----------------------------------------------------------------------- */

static void chunk_emit(struct chunk_out *o, const char *t, size_t s, size_t e,
                       const char *heading)
{
    while (s < e && chunk_is_space(t[s]))
        s++;
    while (e > s && chunk_is_space(t[e - 1]))
        e--;
    if (s == e)
        return;
    if (o->count == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 16;
        o->items = xreallocarray(o->items, o->cap, sizeof *o->items);
    }
    struct chunk *c = &o->items[o->count++];
    c->heading = heading ? xstrdup(heading) : NULL;
    c->text = xstrndup(t + s, e - s);
    c->offset = s;
    c->len = e - s;
}

/* The last position p in (lo, hi] where a new paragraph starts after a blank line. */
static size_t chunk_find_para(const char *t, size_t lo, size_t hi)
{
    for (size_t p = hi; p > lo; p--) {
        if (t[p - 1] != '\n')
            continue;
        size_t q = p - 1;
        while (q > lo && (t[q - 1] == ' ' || t[q - 1] == '\t' || t[q - 1] == '\r'))
            q--;
        if (q > lo && t[q - 1] == '\n')
            return p;
    }
    return 0;
}

static bool chunk_is_sentence_end(const char *t, size_t lo, size_t p)
{
    /* t[p-1] is white space and a sentence punctuation (maybe closed by a quote or bracket)
     * precedes it. */
    if (p < lo + 2 || !chunk_is_space(t[p - 1]))
        return false;
    size_t q = p - 1;
    if (q > lo && (t[q - 1] == '"' || t[q - 1] == ')' || t[q - 1] == '\''))
        q--;
    return q > lo && (t[q - 1] == '.' || t[q - 1] == '!' || t[q - 1] == '?' ||
                      t[q - 1] == ':' || t[q - 1] == ';');
}

static size_t chunk_find_sentence(const char *t, size_t lo, size_t hi)
{
    for (size_t p = hi; p > lo; p--)
        if (chunk_is_sentence_end(t, lo, p) && (p >= hi || !chunk_is_space(t[p])))
            return p;
    return 0;
}

static size_t chunk_find_byte(const char *t, size_t lo, size_t hi, char c)
{
    for (size_t p = hi; p > lo; p--)
        if (t[p - 1] == c)
            return p;
    return 0;
}

/* Where the next passage starts so that it repeats about overlap characters: the first
 * sentence start in [back, cut), else the first word start, else cut. */
static size_t chunk_overlap_start(const char *t, size_t pos, size_t cut, size_t overlap)
{
    if (overlap == 0)
        return cut;
    size_t back = chunk_retreat(t, pos + 1, cut, overlap);
    for (size_t p = back; p < cut; p++)
        if ((chunk_is_sentence_end(t, pos, p) || (p > pos && t[p - 1] == '\n')) &&
            !chunk_is_space(t[p]))
            return p;
    for (size_t p = back; p < cut; p++)
        if (p > pos && chunk_is_space(t[p - 1]) && !chunk_is_space(t[p]))
            return p;
    return cut;
}

static void chunk_section(struct chunk_out *o, const char *t, size_t s, size_t e,
                          const char *heading, size_t target, size_t overlap)
{
    size_t pos = s;
    while (pos < e) {
        while (pos < e && chunk_is_space(t[pos]))
            pos++;
        if (pos >= e)
            break;
        if (chunk_count_chars(t, pos, e) <= target + target / 4) {
            chunk_emit(o, t, pos, e, heading);
            break;
        }
        size_t limit = chunk_advance(t, pos, e, target);
        size_t lo = chunk_advance(t, pos, e, target / 3);
        size_t cut = chunk_find_para(t, lo, limit);
        if (!cut)
            cut = chunk_find_sentence(t, lo, limit);
        if (!cut)
            cut = chunk_find_byte(t, lo, limit, '\n');
        if (!cut)
            cut = chunk_find_byte(t, lo, limit, ' ');
        if (!cut)
            cut = limit; /* on a character boundary: chunk_advance counts characters */
        chunk_emit(o, t, pos, cut, heading);
        size_t next = chunk_overlap_start(t, pos, cut, overlap);
        pos = next > pos ? next : cut;
    }
}

static char *chunk_heading_path(const char *t, const struct chunk_line *stack[7])
{
    struct buf b;
    buf_init(&b, 7 * (CHUNK_HEADING_MAX + 3) + 1);
    for (int lv = 1; lv <= 6; lv++) {
        const struct chunk_line *l = stack[lv];
        if (!l || l->htext_end == l->htext)
            continue;
        size_t n = l->htext_end - l->htext;
        if (n > CHUNK_HEADING_MAX) {
            n = CHUNK_HEADING_MAX;
            while (n > 0 && chunk_is_cont(t[l->htext + n]))
                n--;
        }
        if (b.len)
            buf_append_str(&b, " > ");
        buf_append(&b, t + l->htext, n);
    }
    if (b.len == 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_detach(&b);
}

enum err chunk_split(const char *text, size_t len, int target_chars, int overlap_chars,
                     struct chunk **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t target = target_chars < CHUNK_MIN_TARGET ? CHUNK_MIN_TARGET : (size_t)target_chars;
    size_t overlap = overlap_chars < 0 ? 0 : (size_t)overlap_chars;
    if (overlap > target / 3)
        overlap = target / 3;
    if (len == 0)
        return ERR_OK;

    size_t nlines, body;
    struct chunk_line *lines = chunk_lines(text, len, &nlines, &body);
    struct chunk_out o = {NULL, 0, 0};
    const struct chunk_line *stack[7] = {NULL};
    char *path = NULL;
    for (size_t i = 0; i < nlines; i++) {
        const struct chunk_line *l = &lines[i];
        if (!l->heading)
            continue;
        chunk_section(&o, text, body, l->start, path, target, overlap);
        stack[l->heading] = l;
        for (int lv = l->heading + 1; lv <= 6; lv++)
            stack[lv] = NULL;
        free(path);
        path = chunk_heading_path(text, stack);
        /* The body starts after the heading line (and its setext underline). */
        size_t next = i + 1;
        if (next < nlines && lines[next].is_underline)
            next++;
        body = next < nlines ? lines[next].start : len;
        i = next - 1;
    }
    chunk_section(&o, text, body, len, path, target, overlap);
    free(path);
    free(lines);
    *out = o.items;
    *count = o.count;
    return ERR_OK;
}

void chunks_free(struct chunk *chunks, size_t count)
{
    if (!chunks)
        return;
    for (size_t i = 0; i < count; i++) {
        free(chunks[i].heading);
        free(chunks[i].text);
    }
    free(chunks);
}

char *chunk_title(const char *text, size_t len)
{
    size_t nlines, body;
    struct chunk_line *lines = chunk_lines(text, len, &nlines, &body);
    char *title = NULL;
    for (size_t i = 0; i < nlines; i++) {
        if (!lines[i].heading || lines[i].htext_end == lines[i].htext)
            continue;
        const struct chunk_line *stack[7] = {NULL};
        stack[1] = &lines[i];
        title = chunk_heading_path(text, stack);
        break;
    }
    free(lines);
    return title;
}

char *chunk_embed_text(const char *heading, const char *text)
{
    if (!heading || !*heading)
        return xstrdup(text);
    return xasprintf("%s\n\n%s", heading, text);
}

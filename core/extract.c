/* extract: the offline answerer. A sentence must share at least one question term to be
 * quoted on its merit; when fewer than two do, the opening sentences of the strongest passage
 * fill in, because retrieval already judged that passage relevant. */
#include "core/extract.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/terms.h"

enum {
    EXTRACT_MIN_WORDS = 4,
    EXTRACT_SENTENCE_MAX = 400, /* bytes quoted from one sentence */
    EXTRACT_PARA_MAX = 64 * 1024,
    EXTRACT_MAX_CANDIDATES = 2000,
    EXTRACT_TEXT_MAX = 64 * 1024,
};

/* ---- sentence splitting ------------------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_upper_start(const char *s, size_t len)
{
    if (len == 0)
        return false;
    unsigned char c = (unsigned char)s[0];
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '"' || c == '(' ||
           c == '\'' || c == '*' || c == '`' || c >= 0x80;
}

/* True when the word ending at s[end] (the byte before a '.') is an abbreviation. */
static bool is_abbreviation(const char *s, size_t end)
{
    static const char *const abbrevs[] = {"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr",
                                          "no", "fig", "approx", "inc", "ltd", "st", "jr"};
    size_t start = end;
    while (start > 0 && !is_space(s[start - 1]) && s[start - 1] != '(')
        start--;
    size_t wlen = end - start;
    if (wlen == 1)
        return true; /* initials: "J. Smith" */
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++) {
        size_t al = strlen(abbrevs[i]);
        if (al != wlen)
            continue;
        size_t k = 0;
        while (k < al) {
            char c = s[start + k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != abbrevs[i][k])
                break;
            k++;
        }
        if (k == al)
            return true;
    }
    return false;
}

static void split_paragraph(const char *p, size_t len, extract_sentence_fn fn, void *userdata)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c != '.' && c != '!' && c != '?')
            continue;
        /* Swallow closing quotes/brackets after the terminator. */
        size_t end = i + 1;
        while (end < len && (p[end] == '"' || p[end] == '\'' || p[end] == ')'))
            end++;
        if (end < len && !is_space(p[end]))
            continue; /* "3.5", "example.com" */
        size_t next = end;
        while (next < len && is_space(p[next]))
            next++;
        if (next < len && !is_upper_start(p + next, len - next))
            continue;
        if (c == '.' && is_abbreviation(p, i))
            continue;
        fn(userdata, p + start, end - start);
        start = next;
        i = next > 0 ? next - 1 : 0;
    }
    size_t tail = len;
    while (tail > start && is_space(p[tail - 1]))
        tail--;
    if (tail > start)
        fn(userdata, p + start, tail - start);
}

/* Returns the offset past a list or quote marker at the start of line (already left-trimmed). */
static size_t marker_len(const char *line, size_t len)
{
    size_t i = 0;
    if (len >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+' || line[0] == '>') &&
        (line[1] == ' ' || line[1] == '\t'))
        return 2;
    while (i < len && i < 4 && line[i] >= '0' && line[i] <= '9')
        i++;
    if (i > 0 && i + 1 < len && (line[i] == '.' || line[i] == ')') &&
        (line[i + 1] == ' ' || line[i + 1] == '\t'))
        return i + 2;
    return 0;
}

static void flush_paragraph(struct buf *para, extract_sentence_fn fn, void *userdata)
{
    if (para->len)
        split_paragraph(para->data, para->len, fn, userdata);
    buf_reset(para);
}

void extract_sentences(const char *text, extract_sentence_fn fn, void *userdata)
{
    struct buf para;
    buf_init(&para, EXTRACT_PARA_MAX);
    bool in_fence = false;
    const char *p = text ? text : "";
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t llen = eol ? (size_t)(eol - p) : strlen(p);
        const char *line = p;
        p = eol ? eol + 1 : p + llen;
        while (llen && is_space(*line)) {
            line++;
            llen--;
        }
        while (llen && is_space(line[llen - 1]))
            llen--;
        if (llen >= 3 && (memcmp(line, "```", 3) == 0 || memcmp(line, "~~~", 3) == 0)) {
            flush_paragraph(&para, fn, userdata);
            in_fence = !in_fence;
            continue;
        }
        if (in_fence)
            continue;
        if (llen == 0 || line[0] == '#' || line[0] == '|' ||
            (llen >= 3 && (memcmp(line, "---", 3) == 0 || memcmp(line, "***", 3) == 0))) {
            flush_paragraph(&para, fn, userdata);
            continue;
        }
        size_t m = marker_len(line, llen);
        if (m) {
            /* Each list item stands alone. */
            flush_paragraph(&para, fn, userdata);
            line += m;
            llen -= m;
        }
        if (para.len && buf_append_char(&para, ' ') != ERR_OK)
            flush_paragraph(&para, fn, userdata);
        if (buf_append(&para, line, llen) != ERR_OK) {
            flush_paragraph(&para, fn, userdata);
            /* A single line beyond the cap: take what fits. */
            (void)buf_append(&para, line, llen < EXTRACT_PARA_MAX ? llen : EXTRACT_PARA_MAX);
        }
    }
    flush_paragraph(&para, fn, userdata);
    buf_cleanup(&para);
}

/* ---- scoring ----------------------------------------------------------------------------- */

struct candidate {
    size_t passage;  /* index into the passages array */
    size_t position; /* sentence index inside the passage */
    char *text;
    struct terms terms;
    size_t overlap;
    double score;
    bool is_picked;
};

struct collect {
    struct candidate *v;
    size_t count;
    size_t cap;
    size_t passage;
    size_t position;
    const struct terms *question;
    double passage_score;
};

static size_t word_count(const char *s, size_t len)
{
    size_t n = 0;
    bool in_word = false;
    for (size_t i = 0; i < len; i++) {
        if (is_space(s[i])) {
            in_word = false;
        } else if (!in_word) {
            in_word = true;
            n++;
        }
    }
    return n;
}

/* Cuts at most max bytes at a UTF-8 boundary and a word boundary, adding "...". */
static char *quote_copy(const char *s, size_t len)
{
    if (len <= EXTRACT_SENTENCE_MAX)
        return xstrndup(s, len);
    size_t cut = EXTRACT_SENTENCE_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    size_t word_cut = cut;
    while (word_cut > EXTRACT_SENTENCE_MAX / 2 && !is_space(s[word_cut]))
        word_cut--;
    if (word_cut > EXTRACT_SENTENCE_MAX / 2)
        cut = word_cut;
    char *head = xstrndup(s, cut);
    char *out = xasprintf("%s...", head);
    free(head);
    return out;
}

static void collect_sentence(void *userdata, const char *s, size_t len)
{
    struct collect *c = userdata;
    size_t position = c->position++;
    if (c->count >= EXTRACT_MAX_CANDIDATES || word_count(s, len) < EXTRACT_MIN_WORDS)
        return;
    if (c->count == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
    }
    struct candidate *cand = &c->v[c->count++];
    memset(cand, 0, sizeof *cand);
    cand->passage = c->passage;
    cand->position = position;
    cand->text = quote_copy(s, len);
    terms_from_text(s, len, 0, &cand->terms);
    cand->overlap = terms_overlap(c->question, &cand->terms);
    double term_share =
        c->question->count ? (double)cand->overlap / (double)c->question->count : 0;
    /* Term overlap decides; retrieval strength breaks near-ties; an early sentence (the
     * topic sentence) gets a nudge. */
    cand->score = 0.75 * term_share + 0.25 * c->passage_score + (position == 0 ? 0.02 : 0);
}

static bool is_near_duplicate(const struct candidate *a, const struct candidate *b)
{
    if (strcmp(a->text, b->text) == 0)
        return true;
    size_t common = terms_overlap(&a->terms, &b->terms);
    size_t uni = a->terms.count + b->terms.count - common;
    return uni > 0 && (double)common / (double)uni >= 0.8;
}

static bool can_pick(const struct candidate *v, size_t count, size_t i)
{
    for (size_t k = 0; k < count; k++)
        if (v[k].is_picked && is_near_duplicate(&v[k], &v[i]))
            return false;
    return true;
}

static int by_score(const void *a, const void *b)
{
    const struct candidate *x = *(const struct candidate *const *)a;
    const struct candidate *y = *(const struct candidate *const *)b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->passage != y->passage)
        return x->passage < y->passage ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

enum err extract_answer(const char *question, const struct extract_passage *passages,
                        size_t count, struct extract_result *out)
{
    memset(out, 0, sizeof *out);
    if (!question || (!passages && count))
        return ERR_INVALID;
    struct terms q;
    terms_from_text(question, strlen(question), 64, &q);
    struct collect c = {.question = &q};
    for (size_t i = 0; i < count; i++) {
        c.passage = i;
        c.position = 0;
        c.passage_score = clamp01(passages[i].score);
        extract_sentences(passages[i].text, collect_sentence, &c);
    }
    enum err e = ERR_OK;
    struct candidate **order = NULL;
    if (c.count == 0) {
        e = ERR_NOT_FOUND;
        goto out;
    }
    order = xcalloc(c.count, sizeof *order);
    for (size_t i = 0; i < c.count; i++)
        order[i] = &c.v[i];
    qsort(order, c.count, sizeof *order, by_score);

    size_t picked = 0;
    double best = order[0]->score;
    for (size_t i = 0; i < c.count && picked < EXTRACT_MAX_SENTENCES; i++) {
        struct candidate *cand = order[i];
        if (cand->overlap == 0)
            break; /* sorted: the rest share nothing with the question either */
        if (picked >= EXTRACT_MIN_SENTENCES && cand->score < 0.6 * best)
            break;
        if (!can_pick(c.v, c.count, (size_t)(cand - c.v)))
            continue;
        cand->is_picked = true;
        picked++;
    }
    if (picked < EXTRACT_MIN_SENTENCES) {
        /* Fill from the strongest passage, in its own order. */
        size_t strongest = 0;
        for (size_t i = 1; i < count; i++)
            if (passages[i].score > passages[strongest].score)
                strongest = i;
        for (size_t i = 0; i < c.count && picked < EXTRACT_MIN_SENTENCES; i++) {
            if (c.v[i].passage != strongest || c.v[i].is_picked || !can_pick(c.v, c.count, i))
                continue;
            c.v[i].is_picked = true;
            picked++;
        }
    }

    struct buf b;
    buf_init(&b, EXTRACT_TEXT_MAX);
    e = buf_printf(&b, "%s\n\n", EXTRACT_HEADER);
    struct terms covered = {0};
    size_t covered_count = 0;
    /* c.v is already in passage order, then sentence order: read like the source. */
    for (size_t i = 0; e == ERR_OK && i < c.count; i++) {
        if (!c.v[i].is_picked)
            continue;
        e = buf_printf(&b, "- %s [%d]\n", c.v[i].text, passages[c.v[i].passage].number);
        out->sentence_count++;
        for (size_t k = 0; k < q.count; k++)
            if (!terms_contains(&covered, q.items[k]) && terms_contains(&c.v[i].terms, q.items[k])) {
                covered.items = xreallocarray(covered.items, covered.count + 1, sizeof(char *));
                covered.items[covered.count++] = xstrdup(q.items[k]);
                covered_count++;
            }
    }
    terms_cleanup(&covered);
    if (e != ERR_OK) {
        buf_cleanup(&b);
        out->sentence_count = 0;
        goto out;
    }
    out->text = buf_detach(&b);
    out->term_coverage = q.count ? (double)covered_count / (double)q.count : 0;
out:
    free(order);
    for (size_t i = 0; i < c.count; i++) {
        free(c.v[i].text);
        terms_cleanup(&c.v[i].terms);
    }
    free(c.v);
    terms_cleanup(&q);
    return e;
}

void extract_result_cleanup(struct extract_result *r)
{
    free(r->text);
    memset(r, 0, sizeof *r);
}

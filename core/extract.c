/* extract: the offline answerer. Every sentence of the retrieved passages is a candidate; its
 * score is a weighted blend of four signals, minus penalties for sentences that cannot answer
 * anything on their own:
 *   similarity  cosine to the question under the (local) embedder, so paraphrases count
 *               ("paid back" meets "reimbursed");
 *   lexical     the question's stemmed terms found in the sentence, each weighted by its
 *               rarity among the candidates (a term every sentence has says little);
 *   rank        the passage's retrieval rank and score: retrieval already judged it;
 *   heading     the question's terms in the sentence's section heading.
 * A sentence is quoted on its merit only when it shares a term with the question or is
 * close in meaning, and is not itself a question: the best, then those within KEEP_RATIO of
 * it, up to four. When fewer than two qualify, clean sentences of the strongest passage fill
 * in, because retrieval already judged that passage relevant. The best quote comes first;
 * the others follow passage by passage (by their best quote), each passage's in document
 * order.
 * Weights were set on tests/eval/questions.tsv (which sentence answers each question) and
 * checked on questions_heldout.tsv. */
#include "core/extract.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/terms.h"

enum {
    EXTRACT_MIN_WORDS = 4,
    EXTRACT_SHORT_WORDS = 6,      /* fewer words than this is a fragment */
    EXTRACT_HEADING_WORDS = 8,    /* a line without a full stop and at most this many words */
    EXTRACT_SENTENCE_MAX = 400,   /* bytes quoted from one sentence */
    EXTRACT_PARA_MAX = 64 * 1024,
    EXTRACT_MAX_CANDIDATES = 2000,
    EXTRACT_TEXT_MAX = 64 * 1024,
    EXTRACT_QUESTION_TERMS = 64,  /* one bit each in a candidate's mask */
    EXTRACT_EMBED_BATCH = 64,     /* sentences per call, after the question */
    EXTRACT_EMBED_DIM_MAX = 65536,
};

/* The blend. With an embedder: meaning and words share most of the weight. With the local
 * embedder's meaning part (cca-local-v2), at 0.40 a sentence near the question's topic but not
 * its point came first ("paid back for a hotel stay": staying with friends before the expense
 * claim); 0.25 (0.30 did not) gives every real-question case of tests/unit/test_extract its
 * expected first quote again. */
#define W_SIMILARITY 0.25
#define W_LEXICAL 0.45
#define W_RANK 0.10
#define W_HEADING 0.10
/* Without one, words carry it. */
#define W0_LEXICAL 0.72
#define W0_RANK 0.18
#define W0_HEADING 0.10
/* Rarity-weighted term share and plain term share, mixed so a sentence that answers several
 * parts of the question beats one that shares a single rare word. */
#define LEX_RARE_SHARE 0.6
#define PENALTY_QUESTION 0.30
#define PENALTY_HEADING 0.40
#define PENALTY_INTRO 0.10
#define PENALTY_FRAGMENT 0.40
#define PENALTY_SHORT 0.10
#define PENALTY_REFERENCE 0.15
/* Filling up to the minimum takes no question, heading or fragment. */
#define FILL_MAX_PENALTY 0.25
/* Cosine under which a sentence without a shared word is not quoted on its merit. */
#define MIN_SIMILARITY 0.20
/* Past the first, a sentence is quoted only when its score is this close to the best's. */
#define KEEP_RATIO 0.70

/* ---- sentence splitting ------------------------------------------------------------------ */

struct split_sink {
    /* is_item: a list item; is_whole: the sentence is its whole paragraph or item. */
    void (*sentence)(void *userdata, const char *s, size_t len, bool is_item, bool is_whole);
    void (*heading)(void *userdata, const char *s, size_t len); /* may be NULL */
    void *userdata;
};

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

/* Offset of the "**" closing a bold span opened at p[open], or len when it does not close. */
static size_t bold_close(const char *p, size_t len, size_t open)
{
    for (size_t k = open + 2; k + 1 < len; k++)
        if (p[k] == '*' && p[k + 1] == '*')
            return k;
    return len;
}

static void split_paragraph(const char *p, size_t len, bool is_item,
                            const struct split_sink *sink)
{
    size_t start = 0;
    size_t emitted = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '*' && i + 1 < len && p[i + 1] == '*') {
            /* A bold span is one unit: "**Can I? Really?** Yes." is never cut inside. */
            size_t close = bold_close(p, len, i);
            i = close < len ? close + 1 : i + 1;
            continue;
        }
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
        sink->sentence(sink->userdata, p + start, end - start, is_item,
                       start == 0 && next >= len);
        emitted++;
        start = next;
        i = next > 0 ? next - 1 : 0;
    }
    size_t tail = len;
    while (tail > start && is_space(p[tail - 1]))
        tail--;
    if (tail > start)
        sink->sentence(sink->userdata, p + start, tail - start, is_item, emitted == 0);
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

static void flush_paragraph(struct buf *para, bool *is_item, const struct split_sink *sink)
{
    if (para->len)
        split_paragraph(para->data, para->len, *is_item, sink);
    buf_reset(para);
    *is_item = false;
}

static void report_heading(const char *line, size_t len, const struct split_sink *sink)
{
    if (!sink->heading)
        return;
    while (len && (*line == '#' || is_space(*line))) {
        line++;
        len--;
    }
    while (len && (line[len - 1] == '#' || is_space(line[len - 1])))
        len--;
    sink->heading(sink->userdata, line, len);
}

static void split_text(const char *text, const struct split_sink *sink)
{
    struct buf para;
    buf_init(&para, EXTRACT_PARA_MAX);
    bool in_fence = false;
    bool is_item = false;
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
            flush_paragraph(&para, &is_item, sink);
            in_fence = !in_fence;
            continue;
        }
        if (in_fence)
            continue;
        if (llen == 0 || line[0] == '#' || line[0] == '|' ||
            (llen >= 3 && (memcmp(line, "---", 3) == 0 || memcmp(line, "***", 3) == 0))) {
            flush_paragraph(&para, &is_item, sink);
            if (llen && line[0] == '#')
                report_heading(line, llen, sink);
            continue;
        }
        size_t m = marker_len(line, llen);
        /* Inside a paragraph, "4000. The desk..." is a wrapped line, not a list: a numbered
         * item interrupts prose only when it starts a list at 1 (CommonMark's rule). */
        if (m && para.len && !is_item && line[0] >= '0' && line[0] <= '9' &&
            !(line[0] == '1' && m == 3))
            m = 0;
        if (m) {
            /* Each list item stands alone. */
            flush_paragraph(&para, &is_item, sink);
            is_item = line[0] != '>';
            line += m;
            llen -= m;
        }
        if (para.len && buf_append_char(&para, ' ') != ERR_OK)
            flush_paragraph(&para, &is_item, sink);
        if (buf_append(&para, line, llen) != ERR_OK) {
            flush_paragraph(&para, &is_item, sink);
            /* A single line beyond the cap: take what fits. */
            (void)buf_append(&para, line, llen < EXTRACT_PARA_MAX ? llen : EXTRACT_PARA_MAX);
        }
    }
    flush_paragraph(&para, &is_item, sink);
    buf_cleanup(&para);
}

struct plain_sink {
    extract_sentence_fn fn;
    void *userdata;
};

static void plain_sentence(void *userdata, const char *s, size_t len, bool is_item,
                           bool is_whole)
{
    (void)is_item;
    (void)is_whole;
    struct plain_sink *ps = userdata;
    ps->fn(ps->userdata, s, len);
}

void extract_sentences(const char *text, extract_sentence_fn fn, void *userdata)
{
    struct plain_sink ps = {fn, userdata};
    struct split_sink sink = {plain_sentence, NULL, &ps};
    split_text(text, &sink);
}

/* ---- candidates -------------------------------------------------------------------------- */

struct candidate {
    size_t passage;        /* index into the passages array */
    size_t position;       /* sentence index inside the passage */
    char *text;            /* as quoted (cut at EXTRACT_SENTENCE_MAX) */
    struct terms terms;
    uint64_t term_mask;    /* bit k: the question's k-th term is in the sentence */
    uint64_t heading_mask; /* bit k: ... is in the sentence's section heading */
    double penalty;
    double similarity;     /* cosine to the question, 0 without an embedder */
    double score;
    bool is_question;      /* ends in '?': quoted only to fill up, never on its merit */
    bool has_number;       /* holds a figure: digits or a number word */
    bool is_picked;
};

struct collect {
    struct candidate *v;
    size_t count;
    size_t cap;
    size_t passage;
    size_t position;
    const struct terms *question;
    uint64_t passage_heading_mask; /* from the passage's heading path */
    uint64_t heading_mask;         /* plus the latest heading inside its text */
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

static uint64_t question_mask(const struct terms *question, const struct terms *t)
{
    uint64_t mask = 0;
    for (size_t k = 0; k < question->count && k < EXTRACT_QUESTION_TERMS; k++)
        if (terms_contains(t, question->items[k]))
            mask |= UINT64_C(1) << k;
    return mask;
}

static uint64_t text_mask(const struct terms *question, const char *s, size_t len)
{
    struct terms t;
    terms_from_text(s, len, 0, &t);
    uint64_t mask = question_mask(question, &t);
    terms_cleanup(&t);
    return mask;
}

static bool is_closing_mark(char c)
{
    return c == '*' || c == '_' || c == '"' || c == '\'' || c == ')' || c == '`' || is_space(c);
}

/* What makes a sentence a poor quote on its own, as a score to subtract; *is_question when
 * it asks rather than answers. */
static double sentence_penalty(const char *s, size_t len, size_t words, bool is_item,
                               bool is_whole, bool *is_question)
{
    size_t end = len;
    while (end > 0 && is_closing_mark(s[end - 1]))
        end--;
    char last = end ? s[end - 1] : '\0';
    double penalty = 0;
    *is_question = last == '?';
    if (*is_question)
        penalty += PENALTY_QUESTION;
    else if (last == ':')
        penalty += PENALTY_INTRO; /* "The limits are:" introduces what was not quoted */
    /* A heading in disguise: one bold span alone ("**Expense claim.**"), or a short line of
     * its own without a full stop. */
    size_t close = len > 4 && memcmp(s, "**", 2) == 0 ? bold_close(s, len, 0) : len;
    bool is_all_bold = close < len && close + 2 >= end;
    if (is_all_bold ||
        (is_whole && !is_item && last != '.' && last != '!' && words <= EXTRACT_HEADING_WORDS))
        penalty += PENALTY_HEADING;
    /* Starts mid-sentence (a passage's overlap) or was cut inside code or brackets. */
    size_t ticks = 0, opens = 0, closes = 0;
    for (size_t i = 0; i < len; i++) {
        ticks += s[i] == '`';
        opens += s[i] == '(';
        closes += s[i] == ')';
    }
    if ((len && s[0] >= 'a' && s[0] <= 'z' && !is_item) || ticks % 2 || closes > opens)
        penalty += PENALTY_FRAGMENT;
    if (len > 4 && memcmp(s, "See ", 4) == 0)
        penalty += PENALTY_REFERENCE; /* points elsewhere instead of saying it */
    if (words < EXTRACT_SHORT_WORDS)
        penalty += PENALTY_SHORT;
    return penalty;
}

static void collect_sentence(void *userdata, const char *s, size_t len, bool is_item,
                             bool is_whole)
{
    struct collect *c = userdata;
    size_t position = c->position++;
    size_t words = word_count(s, len);
    if (c->count >= EXTRACT_MAX_CANDIDATES || words < EXTRACT_MIN_WORDS)
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
    cand->term_mask = question_mask(c->question, &cand->terms);
    cand->heading_mask = c->heading_mask;
    cand->penalty = sentence_penalty(s, len, words, is_item, is_whole, &cand->is_question);
}

static void collect_heading(void *userdata, const char *s, size_t len)
{
    struct collect *c = userdata;
    c->heading_mask = c->passage_heading_mask | text_mask(c->question, s, len);
}

/* The last part of a heading path "Policy > Travel > Hotels": the section's own heading. */
static uint64_t heading_path_mask(const struct terms *question, const char *path)
{
    if (!path)
        return 0;
    const char *last = path;
    for (const char *p = strstr(path, " > "); p; p = strstr(p + 3, " > "))
        last = p + 3;
    return text_mask(question, last, strlen(last));
}

/* ---- scoring ----------------------------------------------------------------------------- */

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static size_t popcount64(uint64_t v)
{
    size_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static double cosine(const float *a, const float *b, size_t dim)
{
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < dim; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

/* Fills each candidate's similarity; false when there is no embedder or it failed. Each
 * batch carries the question first, so no call embeds a lone text. */
static bool embed_candidates(const struct extract_embedder *em, const char *question,
                             struct candidate *v, size_t count)
{
    if (!em || !em->embed || em->dim <= 0 || em->dim > EXTRACT_EMBED_DIM_MAX || count == 0)
        return false;
    size_t dim = (size_t)em->dim;
    const char *texts[EXTRACT_EMBED_BATCH + 1];
    float *vecs = xreallocarray(NULL, (EXTRACT_EMBED_BATCH + 1) * dim, sizeof *vecs);
    bool is_ok = true;
    for (size_t base = 0; is_ok && base < count; base += EXTRACT_EMBED_BATCH) {
        size_t n = count - base < EXTRACT_EMBED_BATCH ? count - base : EXTRACT_EMBED_BATCH;
        texts[0] = question;
        for (size_t i = 0; i < n; i++)
            texts[i + 1] = v[base + i].text;
        if (em->embed(em->userdata, texts, n + 1, vecs) != ERR_OK) {
            is_ok = false;
            break;
        }
        for (size_t i = 0; i < n; i++)
            v[base + i].similarity = cosine(vecs, vecs + (i + 1) * dim, dim);
    }
    free(vecs);
    if (!is_ok)
        for (size_t i = 0; i < count; i++)
            v[i].similarity = 0;
    return is_ok;
}

/* Rank 0 is the strongest passage; ties keep the given order. */
static size_t *passage_ranks(const struct extract_passage *passages, size_t count)
{
    size_t *rank = xcalloc(count ? count : 1, sizeof *rank);
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < count; k++)
            if (passages[k].score > passages[i].score ||
                (passages[k].score == passages[i].score && k < i))
                rank[i]++;
    return rank;
}

struct scoring {
    double idf[EXTRACT_QUESTION_TERMS];
    double idf_found;   /* summed over the question terms some candidate has */
    double idf_all;     /* summed over all the question terms */
    size_t terms_found; /* how many question terms some candidate has */
    bool has_similarity;
    bool wants_number;  /* "how many / how much / how long ...": the answer is a quantity */
};

static void scoring_prepare(struct scoring *sc, const struct candidate *v, size_t count,
                            size_t question_terms)
{
    size_t n = question_terms < EXTRACT_QUESTION_TERMS ? question_terms : EXTRACT_QUESTION_TERMS;
    for (size_t k = 0; k < n; k++) {
        size_t df = 0;
        for (size_t i = 0; i < count; i++)
            df += (v[i].term_mask >> k) & 1;
        /* Rarity among these sentences (BM25's idf): a term half the candidates have weighs
         * ln 2, one that few have about ln(count), one that all have nearly 0. A term no
         * sentence has (only a heading, perhaps) counts as the rarest. */
        sc->idf[k] = log(1.0 + ((double)count - (double)df + 0.5) / ((double)df + 0.5));
        sc->idf_all += sc->idf[k];
        if (df) {
            sc->idf_found += sc->idf[k];
            sc->terms_found++;
        }
    }
}

/* The share of total the question terms in mask weigh. */
static double mask_weight(const struct scoring *sc, uint64_t mask, double total)
{
    double w = 0;
    for (size_t k = 0; mask; k++, mask >>= 1)
        if (mask & 1)
            w += sc->idf[k];
    return total > 0 ? w / total : 0;
}

/* A question that asks for a quantity is best answered by a sentence that states one. */
#define W_NUMBER 0.08

static bool asks_for_number(const char *question)
{
    static const char *const cues[] = {"how many", "how much", "how long", "how often",
                                       "how far", "how old", "what percentage", "how soon",
                                       "how quickly", "what is the limit", "up to what"};
    char low[256];
    size_t n = 0;
    for (; question[n] && n + 1 < sizeof low; n++)
        low[n] = (char)(question[n] >= 'A' && question[n] <= 'Z' ? question[n] + 32 : question[n]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++)
        if (strstr(low, cues[i]))
            return true;
    return false;
}

static bool states_number(const char *s)
{
    static const char *const words[] = {" one ", " two ", " three ", " four ", " five ",
                                        " six ", " seven ", " eight ", " nine ", " ten ",
                                        " twelve ", " fifteen ", " twenty ", " thirty ",
                                        " hundred ", " half "};
    for (const char *p = s; *p; p++)
        if (*p >= '0' && *p <= '9')
            return true;
    char low[EXTRACT_SENTENCE_MAX + 3];
    size_t n = 0;
    low[n++] = ' ';
    for (; *s && n + 2 < sizeof low; s++)
        low[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : (*s == ',' || *s == '.' ? ' ' : *s));
    low[n++] = ' ';
    low[n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(low, words[i]))
            return true;
    return false;
}

static double candidate_score(const struct scoring *sc, const struct candidate *cand,
                              double rank_prior)
{
    double rare = mask_weight(sc, cand->term_mask, sc->idf_found);
    double plain =
        sc->terms_found ? (double)popcount64(cand->term_mask) / (double)sc->terms_found : 0;
    double lexical = LEX_RARE_SHARE * rare + (1 - LEX_RARE_SHARE) * plain;
    double heading = mask_weight(sc, cand->heading_mask, sc->idf_all);
    double s;
    if (sc->has_similarity) {
        s = W_SIMILARITY * clamp01(cand->similarity) + W_LEXICAL * lexical +
            W_RANK * rank_prior + W_HEADING * heading;
    } else {
        s = W0_LEXICAL * lexical + W0_RANK * rank_prior + W0_HEADING * heading;
    }
    if (sc->wants_number && cand->has_number)
        s += W_NUMBER;
    return s - cand->penalty;
}

/* ---- selection --------------------------------------------------------------------------- */

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

static bool has_merit(const struct candidate *cand, bool has_similarity)
{
    return !cand->is_question &&
           (cand->term_mask != 0 || (has_similarity && cand->similarity >= MIN_SIMILARITY));
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

/* Picks in score order: every sentence with merit that scores close to the best, then, while
 * under the minimum, the next best with merit and no penalty. */
static size_t pick_on_merit(struct candidate **order, struct candidate *v, size_t count,
                            bool has_similarity)
{
    size_t picked = 0;
    double best = 0;
    for (size_t i = 0; i < count && picked < EXTRACT_MAX_SENTENCES; i++) {
        struct candidate *cand = order[i];
        if (!has_merit(cand, has_similarity))
            continue;
        if (picked == 0)
            best = cand->score;
        else if (cand->score <= 0 || cand->score < KEEP_RATIO * best)
            break;
        if (!can_pick(v, count, (size_t)(cand - v)))
            continue;
        cand->is_picked = true;
        picked++;
    }
    for (size_t i = 0; i < count && picked > 0 && picked < EXTRACT_MIN_SENTENCES; i++) {
        struct candidate *cand = order[i];
        if (cand->is_picked || !has_merit(cand, has_similarity) || cand->penalty > 0 ||
            cand->score <= 0 || !can_pick(v, count, (size_t)(cand - v)))
            continue;
        cand->is_picked = true;
        picked++;
    }
    return picked;
}

/* Fills up to the minimum from the strongest passage: its least penalised sentences, earlier
 * first; a question, heading or fragment only when nothing else was quoted. */
static size_t pick_fill(struct candidate *v, size_t count, size_t strongest, size_t picked)
{
    while (picked < EXTRACT_MIN_SENTENCES) {
        size_t best = count;
        for (size_t i = 0; i < count; i++) {
            if (v[i].passage != strongest || v[i].is_picked ||
                (picked > 0 && (v[i].is_question || v[i].penalty > FILL_MAX_PENALTY)) ||
                !can_pick(v, count, i))
                continue;
            if (best == count || v[i].penalty < v[best].penalty)
                best = i;
        }
        if (best == count)
            break;
        v[best].is_picked = true;
        picked++;
    }
    return picked;
}

static enum err write_answer(const struct candidate *v, size_t count,
                             const struct extract_passage *passages, size_t passage_count,
                             const struct terms *q, struct extract_result *out)
{
    double *passage_best = xcalloc(passage_count ? passage_count : 1, sizeof *passage_best);
    bool *has_pick = xcalloc(passage_count ? passage_count : 1, sizeof *has_pick);
    for (size_t i = 0; i < count; i++) {
        if (!v[i].is_picked)
            continue;
        size_t p = v[i].passage;
        if (!has_pick[p] || v[i].score > passage_best[p])
            passage_best[p] = v[i].score;
        has_pick[p] = true;
    }
    struct buf b;
    buf_init(&b, EXTRACT_TEXT_MAX);
    enum err e = buf_printf(&b, "%s\n\n", EXTRACT_HEADER);
    uint64_t covered = 0;
    size_t quoted = 0;
    /* The best quote of all comes first: it is what a reader sees first. */
    size_t top = count;
    for (size_t i = 0; i < count; i++)
        if (v[i].is_picked && (top == count || v[i].score > v[top].score))
            top = i;
    if (top < count && e == ERR_OK) {
        e = buf_printf(&b, "- %s [%d]\n", v[top].text, passages[v[top].passage].number);
        quoted++;
        covered |= v[top].term_mask;
    }
    /* Then passages in the order of their best quote; v is in passage order, then sentence
     * order, so each passage's other quotes read like the source. */
    for (;;) {
        size_t p = passage_count;
        for (size_t k = 0; k < passage_count; k++)
            if (has_pick[k] && (p == passage_count || passage_best[k] > passage_best[p]))
                p = k;
        if (p == passage_count || e != ERR_OK)
            break;
        has_pick[p] = false;
        for (size_t i = 0; e == ERR_OK && i < count; i++) {
            if (!v[i].is_picked || v[i].passage != p || i == top)
                continue;
            e = buf_printf(&b, "- %s [%d]\n", v[i].text, passages[p].number);
            quoted++;
            covered |= v[i].term_mask;
        }
    }
    free(passage_best);
    free(has_pick);
    if (e != ERR_OK) {
        buf_cleanup(&b);
        return e;
    }
    out->text = buf_detach(&b);
    out->sentence_count = quoted;
    out->term_coverage = q->count ? (double)popcount64(covered) / (double)q->count : 0;
    return ERR_OK;
}

enum err extract_answer(const char *question, const struct extract_passage *passages,
                        size_t count, const struct extract_embedder *embedder,
                        struct extract_result *out)
{
    memset(out, 0, sizeof *out);
    if (!question || (!passages && count))
        return ERR_INVALID;
    struct terms q;
    terms_from_text(question, strlen(question), EXTRACT_QUESTION_TERMS, &q);
    struct collect c = {.question = &q};
    struct split_sink sink = {collect_sentence, collect_heading, &c};
    for (size_t i = 0; i < count; i++) {
        c.passage = i;
        c.position = 0;
        c.passage_heading_mask = heading_path_mask(&q, passages[i].heading);
        c.heading_mask = c.passage_heading_mask;
        split_text(passages[i].text, &sink);
    }
    enum err e = ERR_OK;
    struct candidate **order = NULL;
    size_t *rank = NULL;
    if (c.count == 0) {
        e = ERR_NOT_FOUND;
        goto out;
    }
    struct scoring sc = {.has_similarity = embed_candidates(embedder, question, c.v, c.count),
                         .wants_number = asks_for_number(question)};
    scoring_prepare(&sc, c.v, c.count, q.count);
    for (size_t i = 0; i < c.count; i++)
        c.v[i].has_number = states_number(c.v[i].text);
    rank = passage_ranks(passages, count);
    order = xcalloc(c.count, sizeof *order);
    for (size_t i = 0; i < c.count; i++) {
        const struct extract_passage *p = &passages[c.v[i].passage];
        double prior = 0.5 * clamp01(p->score) + 0.5 / (1.0 + (double)rank[c.v[i].passage]);
        c.v[i].score = candidate_score(&sc, &c.v[i], prior);
        order[i] = &c.v[i];
    }
    qsort(order, c.count, sizeof *order, by_score);

    size_t picked = pick_on_merit(order, c.v, c.count, sc.has_similarity);
    if (picked < EXTRACT_MIN_SENTENCES) {
        size_t strongest = 0;
        for (size_t i = 1; i < count; i++)
            if (rank[i] < rank[strongest])
                strongest = i;
        (void)pick_fill(c.v, c.count, strongest, picked);
    }
    e = write_answer(c.v, c.count, passages, count, &q, out);
out:
    free(order);
    free(rank);
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

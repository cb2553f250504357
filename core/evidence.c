/* evidence: question terms weighted by rarity, and their coverage by a passage. */
#include "core/evidence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/terms.h"
#include "core/wordnet.h"

/* A term met only through a related lemma gets this share of its WordNet weight. */
#define EVIDENCE_ALT_CREDIT 0.6f
/* Words that frame a question rather than say what it is about ("what happens if", "is it
 * allowed"): kept, at this share of their weight. */
#define EVIDENCE_FRAME_WEIGHT 0.3

static const char *const frame_words[] = {
    "allow", "allowed", "anything", "get", "happen", "happens", "kind", "know", "like",
    "long", "many", "much", "need", "okay", "ok", "often", "possible", "still", "thing",
    "want", "way", "something", "go", "use", "make", "take", "give", "say", "mean",
};

static bool is_frame_word(const char *w)
{
    for (size_t i = 0; i < sizeof frame_words / sizeof frame_words[0]; i++)
        if (strcmp(frame_words[i], w) == 0)
            return true;
    return false;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

static bool is_alpha_word(const char *w)
{
    for (; *w; w++)
        if (*w < 'a' || *w > 'z')
            return false;
    return true;
}

static void add_alts(struct evidence_term *t, struct wordnet *wn)
{
    if (!wn || !is_alpha_word(t->word))
        return;
    const struct wordnet_term *wt;
    size_t n = wordnet_lookup(wn, t->word, &wt);
    for (size_t i = 0; i < n && t->alt_count < EVIDENCE_MAX_ALTS; i++) {
        const char *lemma = wt[i].lemma;
        size_t len = strlen(lemma);
        if (len == 0 || len >= EVIDENCE_WORD_MAX || strchr(lemma, '_') || strchr(lemma, '-'))
            continue;
        if (terms_is_stopword(lemma))
            continue;
        char stem[EVIDENCE_WORD_MAX];
        terms_stem(lemma, len, stem, sizeof stem);
        if (strcmp(stem, t->stem) == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < t->alt_count && !seen; k++)
            seen = strcmp(t->alts[k], stem) == 0;
        if (seen)
            continue;
        memcpy(t->alts[t->alt_count], stem, strlen(stem) + 1);
        memcpy(t->alt_words[t->alt_count], lemma, len + 1);
        t->alt_weight[t->alt_count] = wt[i].weight * EVIDENCE_ALT_CREDIT;
        t->alt_count++;
    }
}

void evidence_init(struct evidence *ev, const char *question, struct wordnet *wn)
{
    memset(ev, 0, sizeof *ev);
    const char *s = question ? question : "";
    size_t len = strlen(s), i = 0;
    while (i < len && ev->count < EVIDENCE_MAX_TERMS) {
        while (i < len && !is_word_byte((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < len && is_word_byte((unsigned char)s[i]))
            i++;
        /* "King's" and "don't": the apostrophe's tail is not a word of its own. */
        size_t wlen = i - start;
        if (wlen == 0 || wlen >= EVIDENCE_WORD_MAX)
            continue;
        char word[EVIDENCE_WORD_MAX];
        for (size_t k = 0; k < wlen; k++) {
            char c = s[start + k];
            word[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        word[wlen] = '\0';
        if (wlen == 1 || terms_is_stopword(word))
            continue;
        char stem[EVIDENCE_WORD_MAX];
        terms_stem(word, wlen, stem, sizeof stem);
        bool seen = false;
        for (size_t k = 0; k < ev->count && !seen; k++)
            seen = strcmp(ev->terms[k].stem, stem) == 0;
        if (seen)
            continue;
        struct evidence_term *t = &ev->terms[ev->count++];
        memcpy(t->word, word, wlen + 1);
        memcpy(t->stem, stem, strlen(stem) + 1);
        t->df = -1;
        t->alt_df = -1;
        t->idf = is_frame_word(word) ? EVIDENCE_FRAME_WEIGHT : 1.0;
        add_alts(t, wn);
    }
}

void evidence_set_stats(struct evidence *ev, const double *df, double n)
{
    if (n < 1)
        return;
    ev->has_stats = true;
    ev->passages = n;
    for (size_t i = 0; i < ev->count; i++) {
        struct evidence_term *t = &ev->terms[i];
        t->df = df[i];
        if (df[i] < 0) {
            t->idf = 0;
            continue;
        }
        double d = df[i] > n ? n : df[i];
        double idf = log(1 + (n - d + 0.5) / (d + 0.5));
        t->idf = is_frame_word(t->word) ? idf * EVIDENCE_FRAME_WEIGHT : idf;
    }
}

size_t evidence_stat_words(const struct evidence *ev, bool with_alts, const char **words,
                           size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->count && n < max; i++)
        words[n++] = ev->terms[i].word;
    for (size_t i = 0; with_alts && i < ev->count; i++)
        for (size_t k = 0; k < ev->terms[i].alt_count && n < max; k++)
            words[n++] = ev->terms[i].alt_words[k];
    return n;
}

void evidence_set_stats_all(struct evidence *ev, const double *df, size_t count, double n)
{
    if (count < ev->count)
        return;
    evidence_set_stats(ev, df, n);
    size_t at = ev->count;
    for (size_t i = 0; i < ev->count; i++) {
        struct evidence_term *t = &ev->terms[i];
        for (size_t k = 0; k < t->alt_count && at < count; k++, at++)
            if (df[at] > t->alt_df)
                t->alt_df = df[at];
        if (t->alt_df < 0)
            t->alt_df = 0;
    }
}

static bool has_digit(const char *w)
{
    for (; *w; w++)
        if (*w >= '0' && *w <= '9')
            return true;
    return false;
}

size_t evidence_unknown(const struct evidence *ev, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    if (!ev->has_stats)
        return 0;
    size_t named = 0, used = 0;
    for (size_t i = 0; i < ev->count; i++) {
        const struct evidence_term *t = &ev->terms[i];
        if (t->df != 0 || t->alt_df > 0 || t->idf <= 0 || is_frame_word(t->word) ||
            has_digit(t->word))
            continue;
        if (outlen > used) {
            int n = snprintf(out + used, outlen - used, "%s\"%s\"", named ? ", " : "", t->word);
            if (n > 0 && (size_t)n < outlen - used)
                used += (size_t)n;
            else
                out[used] = '\0';
        }
        named++;
    }
    return named;
}

double evidence_weight(const struct evidence *ev, uint64_t mask)
{
    double w = 0;
    for (size_t i = 0; i < ev->count; i++)
        if (mask & ((uint64_t)1 << i))
            w += ev->terms[i].idf;
    return w;
}

static void add_text(struct terms *set, const char *text)
{
    if (!text || !*text)
        return;
    struct terms more;
    terms_from_text(text, strlen(text), 0, &more);
    for (size_t i = 0; i < more.count; i++) {
        if (terms_contains(set, more.items[i])) {
            free(more.items[i]);
            continue;
        }
        set->items = xreallocarray(set->items, set->count + 1, sizeof *set->items);
        set->items[set->count++] = more.items[i];
    }
    free(more.items);
}

double evidence_coverage(const struct evidence *ev, const char *title, const char *heading,
                         const char *text, uint64_t *covered)
{
    if (covered)
        *covered = 0;
    double total = evidence_weight(ev, ~(uint64_t)0);
    if (ev->count == 0 || total <= 0)
        return 0;
    struct terms set = {0};
    add_text(&set, title);
    add_text(&set, heading);
    add_text(&set, text);
    double got = 0;
    for (size_t i = 0; i < ev->count; i++) {
        const struct evidence_term *t = &ev->terms[i];
        double credit = terms_contains(&set, t->stem) ? 1.0 : 0.0;
        for (size_t k = 0; credit < 1 && k < t->alt_count; k++)
            if (t->alt_weight[k] > credit && terms_contains(&set, t->alts[k]))
                credit = t->alt_weight[k];
        if (credit > 0 && covered)
            *covered |= (uint64_t)1 << i;
        got += credit * t->idf;
    }
    terms_cleanup(&set);
    return got / total;
}

static double evidence_top_idf(const struct evidence *ev)
{
    double top = 0;
    for (size_t i = 0; i < ev->count; i++)
        if (ev->terms[i].idf > top)
            top = ev->terms[i].idf;
    return top;
}

double evidence_important(const struct evidence *ev, uint64_t mask)
{
    double top = evidence_top_idf(ev), all = 0, held = 0;
    if (top <= 0)
        return -1;
    for (size_t i = 0; i < ev->count; i++) {
        const struct evidence_term *t = &ev->terms[i];
        if (t->idf < top / 2)
            continue;
        all += t->idf;
        if (mask & ((uint64_t)1 << i))
            held += t->idf;
    }
    return held / all;
}

size_t evidence_missing(const struct evidence *ev, uint64_t mask, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    double top = evidence_top_idf(ev);
    size_t named = 0, used = 0;
    for (size_t i = 0; i < ev->count && outlen; i++) {
        const struct evidence_term *t = &ev->terms[i];
        if ((mask & ((uint64_t)1 << i)) || t->idf <= 0 || t->idf < top / 2)
            continue;
        int n = snprintf(out + used, outlen - used, "%s\"%s\"", named ? ", " : "", t->word);
        if (n < 0 || (size_t)n >= outlen - used) {
            out[used] = '\0';
            break;
        }
        used += (size_t)n;
        named++;
    }
    return named;
}

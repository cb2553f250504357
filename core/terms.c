/* terms: tokenising and stop words; stemming is core/stem's Porter stemmer, the same one the
 * local embedder uses, so a question and a passage agree on "policies"/"policy". */
#include "core/terms.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/stem.h"

enum { TERMS_WORD_MAX = 64, TERMS_DEFAULT_MAX = 4096 };

static const char *const stopwords[] = {
    "a",     "about", "after", "all",   "also",  "am",    "an",    "and",   "any",   "are",
    "as",    "at",    "be",    "been",  "before", "being", "both",  "but",   "by",    "can",
    "could", "did",   "do",    "does",  "doing", "for",   "from",  "had",   "has",   "have",
    "having", "he",   "her",   "here",  "him",   "his",   "how",   "i",     "if",    "in",
    "into",  "is",    "it",    "its",   "just",  "me",    "more",  "most",  "my",    "no",
    "not",   "of",    "on",    "once",  "only",  "or",    "other", "our",   "out",   "own",
    "please", "same", "she",   "should", "so",   "some",  "such",  "tell",  "than",  "that",
    "the",   "their", "them",  "then",  "there", "these", "they",  "this",  "those", "through",
    "to",    "too",   "under", "up",    "us",    "very",  "was",   "we",    "were",  "what",
    "when",  "where", "which", "while", "who",   "whom",  "why",   "will",  "with",  "would",
    "you",   "your",
};

bool terms_is_stopword(const char *word)
{
    size_t lo = 0, hi = sizeof stopwords / sizeof stopwords[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(word, stopwords[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

size_t terms_stem(const char *word, size_t len, char *out, size_t outlen)
{
    if (outlen == 0)
        return 0;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, word, len);
    len = stem_porter(out, len);
    out[len] = '\0';
    return len;
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

void terms_from_text(const char *text, size_t len, size_t max_terms, struct terms *out)
{
    out->items = NULL;
    out->count = 0;
    if (max_terms == 0)
        max_terms = TERMS_DEFAULT_MAX;
    size_t cap = 0;
    size_t i = 0;
    while (i < len && out->count < max_terms) {
        while (i < len && !is_word_byte((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && is_word_byte((unsigned char)text[i]))
            i++;
        size_t wlen = i - start;
        if (wlen == 0 || wlen >= TERMS_WORD_MAX)
            continue;
        char word[TERMS_WORD_MAX];
        for (size_t k = 0; k < wlen; k++) {
            char c = text[start + k];
            word[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        word[wlen] = '\0';
        if (terms_is_stopword(word) || (wlen == 1 && !(word[0] >= '0' && word[0] <= '9')))
            continue;
        char stem[TERMS_WORD_MAX];
        terms_stem(word, wlen, stem, sizeof stem);
        if (terms_contains(out, stem))
            continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 16;
            out->items = xreallocarray(out->items, cap, sizeof *out->items);
        }
        out->items[out->count++] = xstrdup(stem);
    }
}

void terms_cleanup(struct terms *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->items[i]);
    free(t->items);
    t->items = NULL;
    t->count = 0;
}

bool terms_contains(const struct terms *t, const char *term)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i], term) == 0)
            return true;
    return false;
}

size_t terms_overlap(const struct terms *a, const struct terms *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->count; i++)
        n += terms_contains(b, a->items[i]);
    return n;
}

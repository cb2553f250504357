/* terms: turns English text into comparable terms for the offline answerer: lower-cased
 * words, stop words dropped, Porter stemming (core/stem: "policies" -> "polici",
 * "running" -> "run"). Pure; ASCII letters are folded, other bytes are kept as parts of words. */
#ifndef CCA_TERMS_H
#define CCA_TERMS_H

#include <stdbool.h>
#include <stddef.h>

/* A set of distinct terms; the struct owns the strings. */
struct terms {
    char **items;
    size_t count;
};

/* Splits text (len bytes) into distinct stemmed terms, stop words removed, at most max_terms
 * (0 means 4096). out must be released with terms_cleanup. */
void terms_from_text(const char *text, size_t len, size_t max_terms, struct terms *out);
void terms_cleanup(struct terms *t);
bool terms_contains(const struct terms *t, const char *term);
/* How many of a's terms are also in b. */
size_t terms_overlap(const struct terms *a, const struct terms *b);
/* The stem of one lower-case word (len bytes) into out (outlen bytes, NUL-terminated);
 * returns the stem's length. */
size_t terms_stem(const char *word, size_t len, char *out, size_t outlen);
bool terms_is_stopword(const char *word);

#endif

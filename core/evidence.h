/* evidence: how far a passage covers the question's important words. The question's content
 * words (stop words dropped, Porter-stemmed) are weighted by how rare they are in the
 * knowledge base (inverse document frequency from the store's collection statistics: a word
 * every passage holds says little, a word no passage holds is the question's point and
 * cannot be covered), and each may be met by its own stem or, at a lower weight, by a
 * WordNet synonym or hypernym ("vacation" by "holiday"). Used to rerank retrieval candidates
 * and to decide whether the knowledge base answers the question at all. Pure apart from the
 * optional WordNet lookups. */
#ifndef CCA_EVIDENCE_H
#define CCA_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wordnet;

enum { EVIDENCE_MAX_TERMS = 32, EVIDENCE_WORD_MAX = 48, EVIDENCE_MAX_ALTS = 12 };

struct evidence_term {
    char word[EVIDENCE_WORD_MAX]; /* lower-case, as asked (what the store's stats look up) */
    char stem[EVIDENCE_WORD_MAX];
    double df;                    /* passages holding it; -1 unknown or a stop word to the store */
    double idf;                   /* its weight; 0 leaves it out */
    size_t alt_count;
    char alts[EVIDENCE_MAX_ALTS][EVIDENCE_WORD_MAX]; /* stems of related WordNet lemmas */
    char alt_words[EVIDENCE_MAX_ALTS][EVIDENCE_WORD_MAX]; /* the lemmas themselves */
    float alt_weight[EVIDENCE_MAX_ALTS];             /* (0, 1]: credit when only an alt matches */
    double alt_df;     /* passages holding the most common related lemma; -1 unknown */
};

struct evidence {
    struct evidence_term terms[EVIDENCE_MAX_TERMS];
    size_t count;
    double passages;   /* passages in the collection, 0 when unknown */
    bool has_stats;
};

/* Tokenises question into its distinct content words with their stems and (wn may be NULL)
 * their related lemmas; every word weighs 1 until evidence_set_stats. */
void evidence_init(struct evidence *ev, const char *question, struct wordnet *wn);
/* Sets document frequencies (df[i] for terms[i]; -1 = stop word to the store, weight 0) out of
 * n passages: idf = ln(1 + (n - df + 0.5) / (df + 0.5)), the BM25 weight. */
void evidence_set_stats(struct evidence *ev, const double *df, double n);
/* The share in [0,1] of the question's weight that the passage (title, heading and text, any
 * may be NULL) covers; a term met only through a related lemma counts at its alt weight.
 * *covered (may be NULL) gets bit i set for each term i met by its own stem or a lemma. */
double evidence_coverage(const struct evidence *ev, const char *title, const char *heading,
                         const char *text, uint64_t *covered);
/* Words whose statistics evidence_set_stats expects, in order: each term's word, then (when
 * with_alts) its related lemmas. Writes at most max pointers (borrowed from ev) to words;
 * returns how many. */
size_t evidence_stat_words(const struct evidence *ev, bool with_alts, const char **words,
                           size_t max);
/* As evidence_set_stats, for the list evidence_stat_words(ev, true, ...) gave. */
void evidence_set_stats_all(struct evidence *ev, const double *df, size_t count, double n);
/* The important words the knowledge base has no word for: content words (no digits, not a
 * framing word) that no passage holds, nor any of their related lemmas ("dog" in a company
 * handbook). A question built on one is most likely not answered by it. Needs the stats with
 * alts; writes them like evidence_missing and returns how many. */
size_t evidence_unknown(const struct evidence *ev, char *out, size_t outlen);
/* Total weight of the terms, and of those in mask. */
double evidence_weight(const struct evidence *ev, uint64_t mask);
/* The share in [0,1] of the weight of the important words (idf at least half the largest)
 * that mask holds; -1 when no word weighs anything. */
double evidence_important(const struct evidence *ev, uint64_t mask);
/* Writes the important words (idf at least half the largest) not in mask, comma-separated,
 * into out (outlen bytes); returns how many were written. */
size_t evidence_missing(const struct evidence *ev, uint64_t mask, char *out, size_t outlen);

#endif

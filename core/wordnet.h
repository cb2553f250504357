/* wordnet: the only user of Debian's WordNet library (<wn.h>, data in /usr/share/wordnet or
 * $WNSEARCHDIR). Maps a normalised English word (or an underscore-joined collocation such as
 * "pay_back") to a small weighted set of related lemmas, so paraphrases meet in the local
 * embedder. Never fails hard: without the data files every lookup is simply empty. */
#ifndef CCA_WORDNET_H
#define CCA_WORDNET_H

#include <stdbool.h>
#include <stddef.h>

struct wordnet;

/* A lemma related to a looked-up word: a synonym of one of its most frequent senses
 * (weight 1 for the first sense, less for later ones) or of a direct hypernym (half that). */
struct wordnet_term {
    const char *lemma; /* lowercase, collocations joined by '_' */
    float weight;      /* (0, 1] */
};

/* Opens WordNet. Returns a usable object even when the database cannot be opened; then
 * wordnet_is_available is false and lookups return 0 terms. The library's global state is
 * shared by all instances; each instance keeps its own cache. */
struct wordnet *wordnet_new(void);
/* Frees the cache; NULL is a no-op. */
void wordnet_free(struct wordnet *wn);
bool wordnet_is_available(const struct wordnet *wn);

/* Looks word up (lowercase ASCII letters and '_', at most 63 bytes; anything else yields 0
 * terms) in every part of speech, through WordNet's morphology (paid -> pay). *terms receives a
 * borrowed array of at most WORDNET_MAX_TERMS entries, valid until the next wordnet_* call on
 * wn. Results, including misses, are cached. Returns the number of terms. */
size_t wordnet_lookup(struct wordnet *wn, const char *word, const struct wordnet_term **terms);

enum { WORDNET_MAX_TERMS = 16 };

#endif

/* wordnet: the only user of Debian's WordNet library (<wn.h>, data in /usr/share/wordnet or
 * $WNSEARCHDIR). Maps a normalised English word (or an underscore-joined collocation such as
 * "pay_back") to a small weighted set of related lemmas, so paraphrases meet in the local
 * embedder. Never fails hard: without the data files every lookup is simply empty. */
#ifndef CCA_WORDNET_H
#define CCA_WORDNET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct wordnet;

/* A lemma related to a looked-up word: a synonym of one of its most frequent senses
 * (weight 1 for the first sense, less for later ones) or of a direct hypernym (half that). */
struct wordnet_term {
    const char *lemma; /* lowercase, collocations joined by '_' */
    float weight;      /* (0, 1] */
};

/* Opens WordNet. Returns a usable object even when the database cannot be opened; then
 * wordnet_is_available is false and lookups return 0 terms. Lookups come from the
 * precomputed table (see wordnet_table_write) when one matching the data is found: the first
 * of $CCA_WORDNET_TABLE, <directory of the executable>/../share/cca/wordnet.tbl (an installed
 * cca) and the build's table (the CCA_WORDNET_TABLE macro, a development build). Otherwise, and for words the table
 * does not cover, they go through the library, whose global state is shared by all
 * instances; each instance keeps its own cache. */
struct wordnet *wordnet_new(void);
/* As wordnet_new, with the table at table_path only (NULL: the library only). A missing,
 * damaged or stale table (made from other WordNet data) is ignored. */
struct wordnet *wordnet_open(const char *table_path);
/* Frees the cache; NULL is a no-op. */
void wordnet_free(struct wordnet *wn);
bool wordnet_is_available(const struct wordnet *wn);
/* Whether lookups come from a precomputed table. */
bool wordnet_has_table(const struct wordnet *wn);
/* The path of the table in use (borrowed, valid while wn lives), or NULL. */
const char *wordnet_table_path(const struct wordnet *wn);

/* Looks word up (lowercase ASCII letters and '_', at most 63 bytes; anything else yields 0
 * terms) in every part of speech, through WordNet's morphology (paid -> pay). *terms receives a
 * borrowed array of at most WORDNET_MAX_TERMS entries, valid until the next wordnet_* call on
 * wn. Results, including misses, are cached. Returns the number of terms. */
size_t wordnet_lookup(struct wordnet *wn, const char *word, const struct wordnet_term **terms);

enum { WORDNET_MAX_TERMS = 16 };

/* Precomputes, through the library, the lookup of every word whose lookup is not empty:
 * every single word and every word followed by a particle ("pay_back"; the particles the
 * embedder joins), which is each lemma in WordNet's index files, each exception-list form and
 * each inflection the library's morphology maps onto a lemma. Writes them to path (through a
 * temporary file renamed over it) as a table that wordnet_open maps and binary-searches, so
 * a lookup costs microseconds and no parsing. Slow (seconds with a fast bin_search, minutes
 * without): meant for the build (scripts/gen_wordnet_table.c). On success *word_count gets the
 * number of words stored. ERR_NOT_FOUND when the WordNet data cannot be opened; err gets the
 * detail on any failure. */
enum err wordnet_table_write(const char *path, size_t *word_count, char *err, size_t err_len);

#endif

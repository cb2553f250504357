/* wordnet_table: the file of precomputed WordNet answers that core/wordnet maps instead of
 * asking the library (see wordnet_table_write in core/wordnet.h), and which words it holds.
 *   Reading: map the file, check it (every size and offset read from it is checked before
 *   use), binary-search a word.
 *   Writing: words in order with their terms; identical term lists are stored once, all
 *   strings in one pool; written to a temporary file renamed over the target.
 *   Coverage: the shapes of word the table answers for, and every word of those shapes whose
 *   answer can be non-empty, enumerated from WordNet's data files by inverting the library's
 *   morphology.
 * Knows nothing of the library itself; core/wordnet.c is the only user. */
#ifndef CCA_WORDNET_TABLE_H
#define CCA_WORDNET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/wordnet.h"

struct wordnet_table;
struct wordnet_table_writer;

/* Maps the table at path when it is intact and was made from data with this fingerprint;
 * NULL otherwise (missing, damaged, another format version or stale). */
struct wordnet_table *wordnet_table_open(const char *path, uint64_t fingerprint);
/* Unmaps; NULL is a no-op. */
void wordnet_table_free(struct wordnet_table *t);
/* Writes word's terms into out and returns their count; 0 when word is not in the table (or
 * its entry is damaged). The lemmas point into the mapping: valid until wordnet_table_free. */
size_t wordnet_table_find(const struct wordnet_table *t, const char *word,
                          struct wordnet_term out[WORDNET_MAX_TERMS]);

/* Whether the table answers for word (already checked by wordnet_lookup's rules): a single
 * word, or a word, '_' and one of the particles the embedder joins ("pay_back"). */
bool wordnet_table_covers(const char *word);

/* Every word the table covers whose lookup can be non-empty, from the WordNet data in dir:
 * the index entries, the exception-list forms, every form the library's suffix rules map onto
 * an entry, and for a two-word entry ending in a particle its first word in any of those
 * forms. *words receives a sorted array of *count unique strings, all owned by the caller
 * (free each, then the array). ERR_IO with err set when a data file cannot be read. */
enum err wordnet_table_words(const char *dir, char ***words, size_t *count, char *err,
                             size_t err_len);

struct wordnet_table_writer *wordnet_table_writer_new(void);
/* NULL is a no-op. */
void wordnet_table_writer_free(struct wordnet_table_writer *w);
/* Adds word with its n terms (1..WORDNET_MAX_TERMS; copies). Words must come in strictly
 * increasing strcmp order and weights be 1, 0.5 or 0.25; otherwise ERR_INVALID. */
enum err wordnet_table_writer_add(struct wordnet_table_writer *w, const char *word,
                                  const struct wordnet_term *terms, size_t n);
/* The number of words added so far. */
size_t wordnet_table_writer_count(const struct wordnet_table_writer *w);
/* Writes the table to path (through path.tmp.PID renamed over it) stamped with fingerprint.
 * ERR_IO or ERR_TOO_LARGE with err set on failure. */
enum err wordnet_table_writer_finish(struct wordnet_table_writer *w, const char *path,
                                     uint64_t fingerprint, char *err, size_t err_len);

#endif

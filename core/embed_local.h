/* embed_local: the offline embedder ("cca-local-v1"). Deterministic signed feature hashing of
 * the text itself into dim buckets: normalised words (lowercase, Latin accents folded,
 * stopwords dropped, Porter-stemmed), word bigrams, character 3-5-grams of each word, and
 * WordNet lemmas of the word's most frequent senses and their hypernyms at a lower weight (so
 * "reimburse" meets "repay" and "paid back"), each feature weighted 1 + ln(tf), the vector
 * L2-normalised.
 * What it is not: a language model. It has no notion of word order beyond pairs, no
 * corpus statistics (no IDF), and knows synonyms only as far as WordNet 3.0 lists them for
 * English; other languages get lexical and character n-gram features only. */
#ifndef CCA_EMBED_LOCAL_H
#define CCA_EMBED_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct embed_local;

/* The model name recorded with the vectors. Without WordNet the vectors differ, so they are
 * recorded under EMBED_LOCAL_MODEL_LEXICAL and the database refuses to mix the two. */
#define EMBED_LOCAL_MODEL "cca-local-v1"
#define EMBED_LOCAL_MODEL_LEXICAL "cca-local-v1-lexical"
enum { EMBED_LOCAL_MAX_DIM = 16000 };

/* Creates an embedder producing dim floats (1..EMBED_LOCAL_MAX_DIM, else ERR_INVALID). With
 * use_wordnet, opens WordNet; if its data is missing the embedder works lexically. */
enum err embed_local_new(int dim, bool use_wordnet, struct embed_local **out);
/* NULL is a no-op. */
void embed_local_free(struct embed_local *el);
/* EMBED_LOCAL_MODEL, or EMBED_LOCAL_MODEL_LEXICAL when WordNet is not in use. */
const char *embed_local_model(const struct embed_local *el);
int embed_local_dim(const struct embed_local *el);
bool embed_local_has_wordnet(const struct embed_local *el);

/* Writes the unit-length embedding of len bytes of text (UTF-8; invalid bytes act as
 * separators) into out (dim floats). A text without any word still gets a deterministic unit
 * vector. Never fails. */
void embed_local_text(struct embed_local *el, const char *text, size_t len, float *out);

#endif

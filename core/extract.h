/* extract: the offline answerer. Splits the retrieved passages into sentences, scores each
 * against the question, and quotes the best two to four, without near-duplicates, each with
 * its [n] citation, under a first line that says plainly this is an offline answer quoted
 * from the knowledge base. A sentence's score blends its meaning-similarity to the question
 * (through an optional embedding callback), its stemmed term overlap weighted by how rare
 * each term is among the retrieved sentences, its passage's retrieval rank, and a small
 * bonus when its section heading matches the question; questions, headings, list
 * introductions and fragments are marked down. Pure: the embedder is passed in. */
#ifndef CCA_EXTRACT_H
#define CCA_EXTRACT_H

#include <stddef.h>

#include "core/err.h"

#define EXTRACT_HEADER \
    "Offline answer (no language model configured) - quoted from your knowledge base:"

enum { EXTRACT_MIN_SENTENCES = 2, EXTRACT_MAX_SENTENCES = 4 };

struct extract_passage {
    int number;          /* the n cited as [n] */
    const char *text;
    double score;        /* retrieval strength in [0,1] (e.g. fused score over the best) */
    const char *heading; /* the section's heading path ("Policy > Hotels > Rates"), or NULL */
};

/* Embeds count NUL-terminated texts into out (count * dim floats, one unit-length vector
 * each). Called a few times per answer, with batches of at most 65 texts, never just one. */
typedef enum err (*extract_embed_fn)(void *userdata, const char *const *texts, size_t count,
                                     float *out);

struct extract_embedder {
    extract_embed_fn embed;
    void *userdata;
    int dim; /* floats per vector, 1..65536 */
};

struct extract_result {
    char *text;            /* header line, blank line, one "- sentence [n]" line each */
    size_t sentence_count; /* sentences quoted */
    double term_coverage;  /* share of the question's terms found in the quoted sentences */
};

/* Builds the answer. embedder may be NULL (or fail), and the scoring then uses words alone.
 * ERR_NOT_FOUND when the passages hold no usable sentence. out must be released with
 * extract_result_cleanup. */
enum err extract_answer(const char *question, const struct extract_passage *passages,
                        size_t count, const struct extract_embedder *embedder,
                        struct extract_result *out);
void extract_result_cleanup(struct extract_result *r);

/* Sentence splitting, exposed for tests: calls fn for each sentence of text, in order: line
 * breaks inside a paragraph become spaces, list/quote markers are removed, headings, tables
 * and fenced code are skipped, and a bold span ("**Q? Really?** Yes.") is never cut. s (len
 * bytes, not NUL-terminated) is valid during the call. */
typedef void (*extract_sentence_fn)(void *userdata, const char *s, size_t len);
void extract_sentences(const char *text, extract_sentence_fn fn, void *userdata);

#endif

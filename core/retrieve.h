/* retrieve: hybrid retrieval over the store: the vector retriever (store_match_passages) and
 * the full-text retriever (store_search_passages) each return candidates, fused by reciprocal
 * rank fusion: fused(p) = sum over retrievers r that returned p of 1 / (k + rank_r(p)).
 * Single-retriever modes exist for evaluation and `cca search --mode`. */
#ifndef CCA_RETRIEVE_H
#define CCA_RETRIEVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct evidence;
struct store;
struct store_passage;
struct wordnet;

enum retrieve_mode { RETRIEVE_HYBRID, RETRIEVE_VECTOR, RETRIEVE_FTS };

struct retrieve_params {
    enum retrieve_mode mode;
    const char *text;          /* the query text (full-text side) */
    const float *vector;       /* the query embedding (vector side); NULL skips that side */
    int dim;
    const char *const *types;  /* content types to keep; type_count 0 keeps all */
    size_t type_count;
    double threshold;          /* minimum cosine similarity for vector hits */
    int candidates;            /* asked from each retriever before fusion */
    int count;                 /* results kept after fusion */
    int rrf_k;                 /* the fusion constant k (60 by default) */
    const struct evidence *evidence; /* the question's weighted words (retrieve_evidence);
                                        NULL: hybrid mode builds them, other modes only fuse */
};

/* What happened on each side, for reasons and logs. */
struct retrieve_stats {
    size_t vector_hits;
    size_t fts_hits;
    size_t both_hits;          /* kept results that both retrievers returned */
    enum err vector_err;       /* ERR_OK, or why the vector side failed (hybrid carries on) */
    enum err fts_err;
    double best_coverage;      /* evidence coverage of the best kept passage, -1 without */
    uint64_t best_covered;     /* its covered terms (evidence_coverage's mask) */
    double doc_margin;         /* rerank score of the best passage minus that of the best
                                  passage of another document, 0 with one document */
    double fts_best;           /* the full-text list's best BM25 score (0 when it found
                                  nothing), -1 when full-text did not run */
    double best_important;     /* the largest share of the question's important words
                                  (evidence_important) one kept passage holds, -1 without */
    double vector_ms;          /* wall clock of the store's vector search, 0 when not run */
    double fts_ms;             /* and of its full-text search */
};

/* The rerank blend. Coverage (the question's rare words and their WordNet synonyms in the
 * passage) weighed half while the local embedder was lexical; with its meaning part the fused
 * ranks carry paraphrases that coverage cannot see, and 0.1 ranked best on the tuning
 * questions of tests/eval (0.5: recall@1 kb2 0.71, 0.3: 0.73, 0.1: 0.75; kb1 0.95 at all three). */
#define RETRIEVE_W_FUSED 0.9
#define RETRIEVE_W_COVER 0.1

/* Runs the retrievers of p->mode and fuses. With p->evidence, every fused candidate is then
 * reranked: score = RETRIEVE_W_FUSED * fused / best fused + RETRIEVE_W_COVER * coverage, so a
 * passage that holds the question's rare words (or their synonyms) rises above one that only
 * ranked well on common words or on n-gram noise. In hybrid mode one failing side is tolerated
 * (its error is in stats) unless both fail or the failure is ERR_DB_DOWN. *out (caller owns,
 * store_passages_free) is best first with vector/fts scores and ranks and fused_score set. */
enum err retrieve_run(struct store *s, const struct retrieve_params *p, struct store_passage **out,
                      size_t *out_count, struct retrieve_stats *stats);

/* Fills ev with the question's words (evidence_init, with WordNet when wn is not NULL),
 * weighted by the store's collection statistics when it has them. */
void retrieve_evidence(struct store *s, const char *question, struct wordnet *wn,
                       struct evidence *ev);

/* Reciprocal rank fusion of two ranked lists (either may be empty), identified by passage_id.
 * Takes ownership of both arrays (they are freed); *out (caller owns) holds at most count
 * merged passages, best first; ties keep the vector side's order, then the full-text side's. */
void retrieve_fuse(struct store_passage *vec, size_t vec_count, struct store_passage *fts,
                   size_t fts_count, int rrf_k, int count, struct store_passage **out,
                   size_t *out_count);

/* Parses "hybrid", "vector" or "fts"; false for anything else. */
bool retrieve_mode_parse(const char *name, enum retrieve_mode *out);
const char *retrieve_mode_name(enum retrieve_mode mode);

#endif

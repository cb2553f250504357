/* confidence: one number in [0,1] saying how far an answer can be trusted, from retrieval and
 * citation evidence only (never from the model's own words), plus a one-line reason. Pure.
 *
 * Definition (the README copies it):
 *   v1, v2  = the best and second-best cosine similarity among the passages given
 *             (-1 when the vector retriever found nothing), t = the match threshold.
 *   S (strength)  = clamp((v1 - t) / (0.60 - t)); when no passage has a similarity (only
 *                   full-text matched) S = 0.30 if full-text found anything, else 0.
 *   M (margin)    = clamp((v1 - v2) / 0.10); 0.5 when fewer than two passages have one;
 *                   a clear winner is more trustworthy than a tie among many weak ones.
 *   A (agreement) = the share of the top min(3, n) passages that BOTH retrievers returned.
 *   C (support)   = online: the share of the answer's sentences carrying a valid citation;
 *                   offline: the share of the question's terms found in the quoted sentences.
 *   confidence = 0.45*S + 0.15*M + 0.20*A + 0.20*C, rounded to two decimals. When C is
 *   unknown (no answer text) the other weights are scaled up to sum to 1. An abstention
 *   (nothing relevant) has confidence 0.
 */
#ifndef CCA_CONFIDENCE_H
#define CCA_CONFIDENCE_H

#include <stdbool.h>
#include <stddef.h>

struct confidence_passage {
    double similarity; /* cosine, -1 when only full-text found it */
    bool is_vector_hit;
    bool is_fts_hit;
};

struct confidence_input {
    const struct confidence_passage *passages; /* in the order given to the answer (best first) */
    size_t count;
    double threshold;  /* the configured cosine threshold */
    double support;    /* C in [0,1], or -1 when unknown */
    bool is_offline;   /* only changes the wording of the reasons */
    bool abstain;
};

/* The confidence in [0,1]; reasons (reasons_len bytes, may be 0) receives one line such as
 * "strong match (similarity 0.71); clear margin; 2/3 top passages found by both searches;
 * 4/4 sentences cited". */
double confidence_score(const struct confidence_input *in, char *reasons, size_t reasons_len);

#endif

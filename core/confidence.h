/* confidence: one number in [0,1] saying how far an answer can be trusted, from retrieval and
 * citation evidence only (never from the model's own words), a label in words, one line of
 * reasons, and the decision to refuse. Pure.
 *
 * Definition (the README copies it):
 *   v1, v2  = the best and second-best cosine similarity among the passages given
 *             (-1 when the vector retriever found nothing), t = the match threshold.
 *   K (keywords)  = how much of the question full-text search matched: the best BM25 score
 *                   divided by ln(1 + passages in the collection), about the number of the
 *                   question's rare words one passage holds. Kn = clamp(ln(K / 0.25) /
 *                   ln 32): 0 at K = 0.25, 1 at K = 8; 0.5 when unknown.
 *   I (important) = the share of the question's important words (inverse document frequency
 *                   at least half the largest) that one of the passages given holds (the
 *                   largest); 0.5 when unknown.
 *   E (evidence)  = the share of the question's words, weighted by their rarity in the
 *                   knowledge base (core/evidence), that the best passage holds (a synonym
 *                   counts partly); 0.5 when unknown.
 *   S (strength)  = clamp((v1 - t) / (0.60 - t)); when no passage has a similarity (only
 *                   full-text matched) S = 0.30 if full-text found anything, else 0. The
 *                   local embedder with its meaning part has its own scale: 0.30 for t and
 *                   0.60 (EMBED_LOCAL_SIM_ZERO, _STRONG).
 *   C (support)   = online: the share of the answer's sentences carrying a valid citation;
 *                   offline: the share of the question's terms found in the quoted sentences.
 *   evidence score  R = 0.65*Kn + 0.20*I + 0.10*S + 0.05*E
 *   confidence = 0.90*R + 0.10*C (R alone when C is unknown), rounded to two decimals. A
 *   refusal has confidence 0. The margin (v1 - v2) and the agreement of the two searches are
 *   named in the reasons but do not count: on tests/eval they did not separate answerable
 *   from unanswerable questions, while K did best (`make eval`, both knowledge bases).
 *
 * Refusal (confidence_should_abstain), before any answer is written: nothing retrieved, or
 * R below CONFIDENCE_MIN_SCORE: the question's rare words are not in the knowledge base
 * together, and the passages found miss its important words (none of them holding any
 * refuses whatever R). The reasons say which of these was weak and name the important words
 * the knowledge base never mentions, nor any word WordNet relates to them ("can I bring my
 * dog": no passage knows dogs). Such words alone do not refuse: paraphrases are full of them
 * ("groceries", "cinema").
 */
#ifndef CCA_CONFIDENCE_H
#define CCA_CONFIDENCE_H

#include <stdbool.h>
#include <stddef.h>

/* Chosen on the tuning questions of tests/eval (both knowledge bases) as the highest value
 * that wrongly refuses at most 5% of answerable questions on each (0.34 before the local
 * embedder had its meaning part). */
#define CONFIDENCE_MIN_SCORE 0.36

struct confidence_passage {
    double similarity; /* cosine, -1 when only full-text found it */
    bool is_vector_hit;
    bool is_fts_hit;
};

struct confidence_input {
    const struct confidence_passage *passages; /* in the order given to the answer (best first) */
    size_t count;
    double threshold;  /* the configured cosine threshold */
    double sim_zero;   /* the similarity where S starts (0: threshold), for an embedder whose
                          cosines run on a scale of their own (the local one's meaning part) */
    double sim_strong; /* and where it is full (0: 0.60) */
    double support;    /* C in [0,1], or -1 when unknown */
    double evidence;   /* E in [0,1], or -1 when unknown */
    double keywords;   /* K >= 0, or -1 when unknown */
    double important;  /* I in [0,1], or -1 when unknown */
    size_t unknown_count;  /* important words the knowledge base has no word for */
    const char *unknown;   /* those words, quoted and comma-separated, or NULL */
    bool is_offline;   /* only changes the wording of the reasons */
    bool abstain;
    const char *abstain_reason; /* why it was refused (reasons), or NULL */
};

/* The confidence in [0,1]; reasons (reasons_len bytes, may be 0) receives one line such as
 * "the best passage holds 80% of the question's key words; strong match (similarity 0.71);
 * 2/3 top passages found by both searches; 4/4 sentences cited". */
double confidence_score(const struct confidence_input *in, char *reasons, size_t reasons_len);

/* R, the evidence score in [0,1] (support is not used). */
double confidence_evidence_score(const struct confidence_input *in);

/* Whether to refuse rather than answer, from in (support is not used); why (whylen bytes)
 * receives the reason in words. */
bool confidence_should_abstain(const struct confidence_input *in, char *why, size_t whylen);

/* The confidence in words, for the screen: "strong evidence", "moderate evidence",
 * "weak evidence: check the sources", or "no answer" for a refusal. Static string. */
const char *confidence_label(double confidence, bool abstain);

#endif

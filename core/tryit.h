/* tryit: "Try it" in the content editor: which passages retrieval would give a question if the
 * draft being edited were published. The draft is chunked (core/chunk) and embedded with the
 * configured embedder in memory only, never stored; the rest of the knowledge base comes from
 * the store's two retrievers (store_content_tryit, leaving out the stored version of the item
 * being edited, so its old text does not compete). Both are ranked together the way
 * core/retrieve ranks a hybrid query: reciprocal rank fusion of a vector list and a full-text
 * list, then the rerank by the question's words. The draft has no full-text index until it is
 * saved, so its place in the full-text list is estimated from its share of the question's
 * words (see tryit_rank). On the loop the draft is embedded in steps of about 30 ms (or by
 * asynchronous requests to a remote embedder), so keys stay responsive; the store call runs
 * meanwhile. */
#ifndef CCA_TRYIT_H
#define CCA_TRYIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct chunk;
struct embedder;
struct evidence;
struct llm;
struct loop;
struct store;
struct store_passage;
struct tryit;

enum { TRYIT_SNIPPET_MAX = 240 /* bytes of the passage shown */ };

/* One passage as retrieval would rank it. Strings are sanitised one-line text, safe to show. */
struct tryit_hit {
    char *title;
    char *heading;     /* the section path, NULL when none */
    char *snippet;     /* the start of the passage, at most TRYIT_SNIPPET_MAX bytes */
    char *content_id;  /* "" for a passage of the draft */
    double similarity; /* cosine similarity to the question, -1 when not in the vector list */
    double fts_score;  /* full-text score (BM25), -1 when the full-text side did not find it
                          (always -1 for the draft: its place there is estimated) */
    bool is_fts;       /* in the full-text list (the draft: holds some of the question's words) */
    double coverage;   /* share of the question's words the passage holds, -1 when unjudged */
    double score;      /* the rank score: the blend retrieval sorts by */
    bool is_draft;
};

struct tryit_result {
    struct tryit_hit *hits; /* best first */
    size_t count;
    size_t draft_passages; /* passages the draft was cut into */
    size_t kb_candidates;  /* passages of the rest of the knowledge base that were ranked */
};

/* The knowledge base's candidates: each retriever's list, best first (store_passages_free). */
struct tryit_kb {
    struct store_passage *vec, *fts;
    size_t vec_count, fts_count;
};
void tryit_kb_cleanup(struct tryit_kb *kb);

/* Ranks at most count_max passages out of the draft's chunk_count chunks (their unit vectors
 * one after another in chunk_vecs, dim floats each; titled draft_title) and the knowledge
 * base's candidates (kb is taken: emptied here), against the question and its unit vector
 * query, as core/retrieve does:
 *  - the vector list: the draft's chunks at cosine >= threshold and kb->vec, by similarity
 *    (the draft first on a tie);
 *  - the full-text list: kb->fts in its order, with the draft's chunks that hold some of the
 *    question's words merged in by their share of those words (a chunk goes before the first
 *    stored passage that holds a smaller share);
 *  - fused by reciprocal rank (retrieve_fuse, constant rrf_k), then, when the question has
 *    content words, score = 0.5 * fused / best fused + 0.5 * coverage, else fused / best.
 * chunk_coverage (may be NULL: computed here) holds each chunk's tryit_chunk_coverage, so a
 * caller on the loop can spread that work over its steps. out is filled (caller frees with
 * tryit_result_cleanup). */
void tryit_rank(const char *question, const float *query, int dim, const char *draft_title,
                const struct chunk *chunks, const float *chunk_vecs, const double *chunk_coverage,
                size_t chunk_count, struct tryit_kb *kb, double threshold, int rrf_k, int count_max,
                struct tryit_result *out);
/* A draft chunk's share of the question's words ev (evidence_init of the question, without
 * statistics), with draft_title as its title; -1 when the question has no content words. */
double tryit_chunk_coverage(const struct evidence *ev, const char *draft_title,
                            const struct chunk *ch);
void tryit_result_cleanup(struct tryit_result *r);

/* Parses the reply of store_content_tryit, {"vector": [...], "fts": [...]} with elements
 * {"passage_id", "content_id", "title", "heading", "body", "score"}, into kb (cleared first;
 * tryit_kb_cleanup) with vector_score or fts_score and the ranks set. Elements that are not
 * objects or lack a numeric score are skipped. ERR_INVALID when it is not such an object. */
enum err tryit_kb_parse(const char *text, size_t len, struct tryit_kb *kb);

struct tryit_params {
    const char *question;
    const char *title; /* the draft's title */
    const char *body;  /* the draft's text, len bytes */
    size_t len;
    const char *exclude_id; /* the item being edited; NULL or "" for a new one */
    int chunk_chars, chunk_overlap;
    double threshold;
    int candidates; /* asked from the store */
    int count;      /* shown */
    int rrf_k;
};

/* The outcome: e is ERR_OK with r, or why it failed (msg: words to show, valid during the
 * call; r NULL). */
typedef void (*tryit_done_fn)(void *userdata, enum err e, const char *msg,
                              const struct tryit_result *r);

/* A job over p (everything copied). Borrows store, embedder, llm and loop (loop may be NULL:
 * then tryit_start runs it to the end before returning) for its life. With a remote embedder
 * (not embedder_is_local) and a loop, the question and the draft go to the embeddings
 * endpoint through llm (llm_embed_start, 32 passages a request) and the loop keeps running;
 * the local embedder works in steps of about 30 ms. */
struct tryit *tryit_new(struct store *s, struct embedder *emb, struct llm *llm, struct loop *loop,
                        const struct tryit_params *p);
/* Starts the job; done fires once (on the loop, never inside this call when there is one). */
void tryit_start(struct tryit *t, tryit_done_fn done, void *userdata);
bool tryit_is_running(const struct tryit *t);
/* Draft passages embedded so far, of how many. */
size_t tryit_embedded(const struct tryit *t);
size_t tryit_total(const struct tryit *t);
/* Stops the job (no callback after this) and frees it; NULL is a no-op. */
void tryit_free(struct tryit *t);

#endif

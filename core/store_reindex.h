/* store_reindex: reindexing to another embedder beside the live index (migration 016): start
 * or resume a run, the passages still to embed, their new embeddings, and the atomic switch.
 * Admin only, except the state (every person). Implemented by db/pg_reindex.c; replies through
 * fn, on the loop when one is attached, else before the call returns. */
#ifndef CCA_STORE_REINDEX_H
#define CCA_STORE_REINDEX_H

#include <stddef.h>

#include "core/store.h"

/* The state as one JSON document (core/reindex.h reindex_state_parse reads it). */
struct store_call *store_reindex_state(struct store *s, store_reply_fn fn, void *userdata);
/* Starts a run to model (dim), or resumes the run to the same target; replies with the state
 * (plus "resumed"). A run to another target is dropped first. */
struct store_call *store_reindex_begin(struct store *s, int dim, const char *model,
                                       store_reply_fn fn, void *userdata);
/* Up to batch passages without a new embedding: rows (id, heading, body). */
struct store_call *store_reindex_todo(struct store *s, int batch, store_reply_fn fn,
                                      void *userdata);
/* Stores count new embeddings (dim floats each, vectors[i * dim]) for ids; replies with the
 * number stored. ERR_INVALID for a non-finite value or the wrong dimension. */
struct store_call *store_reindex_put(struct store *s, const char *const *ids,
                                     const float *vectors, size_t count, int dim,
                                     store_reply_fn fn, void *userdata);
/* Switches to the new embeddings in one transaction and records the new embedder; replies
 * with the state. ERR_DB (55000) while a passage has no new embedding yet. */
struct store_call *store_reindex_finish(struct store *s, store_reply_fn fn, void *userdata);
/* Forgets the run; the old index stays. Replies with the state. */
struct store_call *store_reindex_abort(struct store *s, store_reply_fn fn, void *userdata);

#endif

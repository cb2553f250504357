/* embed: turns text into unit-length vectors of the configured dimension, either with the
 * local embedder (embed_local.c, offline, deterministic) or through the LLM client's
 * embeddings endpoint. Query embeddings are cached by a BLAKE2b hash of model and text. */
#ifndef CCA_EMBED_H
#define CCA_EMBED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct llm;
struct loop;
struct embedder;

/* Local when cfg->embed_provider is "local", else remote through llm (which must then be
 * non-NULL). Borrows cfg, llm and loop for its life. */
enum err embedder_new(const struct config *cfg, struct llm *llm, struct loop *loop,
                      struct embedder **out, char *err, size_t errlen);
void embedder_free(struct embedder *e);
/* The model name recorded with stored embeddings ("cca-local-v1" for the local one). */
const char *embedder_model(const struct embedder *e);
int embedder_dim(const struct embedder *e);
bool embedder_is_local(const struct embedder *e);

/* Embeds count texts into out (count * dim floats, allocated by the caller). Local: computed
 * at once. Remote: batched requests, running the loop until done (command-line use only;
 * the TUI uses llm_embed_start for remote query embeddings). A single text is looked up in,
 * and stored to, the query cache. On failure *errmsg (may be NULL) gets a heap string. */
enum err embedder_embed_sync(struct embedder *e, const char *const *texts, size_t count,
                             float *out, char **errmsg);

/* A remote embedding in flight (embedder_embed_start). */
struct embed_request;
/* Called once when an embedder_embed_start request ends: on success count unit vectors of
 * dim floats, valid during the call; else the error and a message valid during the call.
 * The request is already gone when this runs: forget the pointer, never cancel it here. */
typedef void (*embedder_done_fn)(void *userdata, enum err e, const char *errmsg,
                                 const float *vectors, size_t count);

/* Embeds count texts (at most the endpoint's batch size, [embeddings] batch_size) without
 * blocking the loop. Remote: one request on the loop; done fires later, never inside this
 * call; *out (may be NULL) lets the caller cancel. Local embedders compute at once: use
 * embedder_embed_sync for them (this returns ERR_UNSUPPORTED and never calls done). An error
 * returned here means done will not fire. */
enum err embedder_embed_start(struct embedder *e, const char *const *texts, size_t count,
                              embedder_done_fn done, void *userdata, struct embed_request **out);
/* The most texts embedder_embed_start takes at once. */
size_t embedder_batch_size(const struct embedder *e);
/* Cancels a request still in flight: done never fires. NULL is a no-op. */
void embed_request_cancel(struct embed_request *r);

/* How many embedder_embed_sync calls were answered from the query cache (for tests and
 * `cca doctor`). */
size_t embedder_cache_hits(const struct embedder *e);

#endif

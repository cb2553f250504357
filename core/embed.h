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

/* How many embedder_embed_sync calls were answered from the query cache (for tests and
 * `cca doctor`). */
size_t embedder_cache_hits(const struct embedder *e);

#endif

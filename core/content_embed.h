/* content_embed: embeds the passages of one content item that have no embedding yet and
 * stores them (core/store_content.h), then the item's own vector. On the loop it works in
 * steps of at most about 30 ms of embedding followed by one store call, so keys stay
 * responsive while a large document is re-embedded; without a loop (the `cca` subcommands)
 * content_embed_run_sync does the same at once. Also content_embed_all, which makes every
 * item in the database searchable (chunking the ones that have no passages at all), for
 * `cca seed` and `cca reindex --missing`. */
#ifndef CCA_CONTENT_EMBED_H
#define CCA_CONTENT_EMBED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct embedder;
struct loop;
struct store;
struct content_embed;

/* Progress: done of total passages; finished with e (ERR_OK or why it stopped) and a heap-free
 * message valid during the call. */
typedef void (*content_embed_done_fn)(void *userdata, enum err e, const char *msg);

/* A job for item id at version: count passages (ids[i], the text the embedder sees texts[i];
 * both copied) and the item's own vector from doc_text (copied; NULL: none). loop may be NULL.
 * Borrows store and embedder for its life. Nothing runs before content_embed_start. */
struct content_embed *content_embed_new(struct store *s, struct embedder *emb, struct loop *loop,
                                        const char *id, int version, const char *const *ids,
                                        const char *const *texts, size_t count,
                                        const char *doc_text);
/* Starts the job; done fires once at the end (on the loop, never inside this call when a loop
 * is given). */
void content_embed_start(struct content_embed *j, content_embed_done_fn done, void *userdata);
/* Without a loop: runs the whole job now; returns its outcome (*errmsg: heap, may be NULL). */
enum err content_embed_run_sync(struct content_embed *j, char **errmsg);
size_t content_embed_done_count(const struct content_embed *j);
size_t content_embed_total(const struct content_embed *j);
bool content_embed_is_running(const struct content_embed *j);
/* Stops the job (no callback after this) and frees it; NULL is a no-op. */
void content_embed_free(struct content_embed *j);

/* The text of an item used for its own vector: title, then the start of the body. Heap. */
char *content_embed_doc_text(const char *title, const char *body, size_t len);

/* Without a loop: chunks every item that has no passages, embeds every passage without an
 * embedding and every missing item vector, as the connected user (the superuser for `cca
 * seed`). *items and *passages count what was done; *errmsg as above. */
enum err content_embed_all(struct store *s, struct embedder *emb, int chunk_chars,
                           int chunk_overlap, size_t *items, size_t *passages, char **errmsg);

#endif

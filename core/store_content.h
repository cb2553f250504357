/* store_content: the trainer's Content tab and everything that keeps content searchable
 * (013_content.sql): the content list, one item, versioned saves, passage embeddings,
 * archiving, the feedback loop and assessment authoring. Every call runs as the calling user
 * (row-level security decides what may be changed). Replies come through fn: on the loop when
 * one is attached to the store, else before the call returns (the `cca` subcommands).
 * Replies are one JSON document in row 0, column 0 (shapes: tests/db/README.md "Content
 * API"). Implemented by db/pg_content.c. */
#ifndef CCA_STORE_CONTENT_H
#define CCA_STORE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/store.h"

/* Every item with its figures (trainers and admins). */
struct store_call *store_content_list(struct store *s, store_reply_fn fn, void *userdata);
/* One item with its body. */
struct store_call *store_content_get(struct store *s, const char *id, store_reply_fn fn,
                                     void *userdata);
/* Saves doc_json (see cca_content_save) over version of id, or creates an item (id NULL). The
 * reply is {"conflict": true, "current": ...} when another save came first. */
struct store_call *store_content_save(struct store *s, const char *id, int version,
                                      const char *doc_json, store_reply_fn fn, void *userdata);
/* Stores the embeddings (count vectors of dim floats, one after another) of count passages
 * that have none yet; the reply is how many were stored. */
struct store_call *store_content_embed(struct store *s, const char *const *passage_ids,
                                       size_t count, const float *vectors, int dim,
                                       store_reply_fn fn, void *userdata);
/* The item's own vector, stored when the item is still at version. */
struct store_call *store_content_embed_doc(struct store *s, const char *id, int version,
                                           const float *vector, int dim, store_reply_fn fn,
                                           void *userdata);
/* Records the embedder's dimension and model (refused when the stored ones differ). */
struct store_call *store_content_embed_meta(struct store *s, int dim, const char *model,
                                            store_reply_fn fn, void *userdata);
/* Replaces the passages of item id (passages_json: [{heading, body}] in order) keeping the
 * unchanged ones' embeddings (cca_content_put_passages); the reply lists the pending ones. */
struct store_call *store_content_put_passages(struct store *s, const char *id,
                                              const char *passages_json, store_reply_fn fn,
                                              void *userdata);
/* "Try it" (core/tryit): what the two retrievers return for question (full-text,
 * search_passages) and its unit vector query (dim floats; match_passages with threshold),
 * at most count each, best first, leaving out the passages of item exclude_id (NULL: none),
 * as the caller may read them: {"vector": [...], "fts": [...]} of {"passage_id",
 * "content_id", "title", "heading", "body", "score"}. */
struct store_call *store_content_tryit(struct store *s, const char *question, const float *query,
                                       int dim, double threshold, int count,
                                       const char *exclude_id, store_reply_fn fn,
                                       void *userdata);
/* What is not searchable yet (at most 100 items per call); mine_only: the caller's own. */
struct store_call *store_content_unembedded(struct store *s, bool mine_only, store_reply_fn fn,
                                            void *userdata);
/* {"items", "passages"} not yet embedded, for `cca doctor`. */
struct store_call *store_content_unembedded_count(struct store *s, store_reply_fn fn,
                                                  void *userdata);
struct store_call *store_content_archive(struct store *s, const char *id, int version,
                                         bool archived, store_reply_fn fn, void *userdata);
struct store_call *store_content_delete(struct store *s, const char *id, int version,
                                        store_reply_fn fn, void *userdata);
/* The unhelpful answers that cited the caller's item (never who asked). */
struct store_call *store_content_feedback(struct store *s, const char *id, store_reply_fn fn,
                                          void *userdata);
/* The caller marks their own answer helpful or not; reason may be NULL. */
struct store_call *store_message_feedback(struct store *s, const char *message_id, bool helpful,
                                          const char *reason, store_reply_fn fn,
                                          void *userdata);

/* Assessment authoring: the list, one with its questions (keys only for one's own), a save
 * over updated_at (NULL for a new one) of doc_json (see cca_assessment_authoring_save). */
struct store_call *store_assessment_authoring_list(struct store *s, store_reply_fn fn,
                                                   void *userdata);
struct store_call *store_assessment_authoring_get(struct store *s, const char *id,
                                                  store_reply_fn fn, void *userdata);
struct store_call *store_assessment_authoring_save(struct store *s, const char *id,
                                                   const char *updated_at, const char *doc_json,
                                                   store_reply_fn fn, void *userdata);

#endif

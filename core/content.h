/* content: the Content tab's models, read from the JSON the database returns
 * (core/store_content.h): the list of items with their figures, one item, the reply to a
 * save, the feedback on an item; the save document built from an edited text (chunked into
 * passages by core/chunk, so the database can keep unchanged passages' embeddings); and the
 * per-user drafts of unsaved edits. Pure except the draft files (core/private_file rules:
 * 0600, per user, no links). Every string parsed here is safe to show. */
#ifndef CCA_CONTENT_H
#define CCA_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct chunk;

struct content_item {
    char *id, *title, *content_type, *difficulty, *skills, *owner, *updated_at, *review_by;
    bool is_mine, can_edit, is_due, is_archived, is_file;
    int version, passages, unembedded, cited_30d, unhelpful;
};

struct content_list {
    char *role;
    struct content_item *items;
    size_t count;
};

/* One item as cca_content_get returns it. body is the raw text (controls other than newline
 * and tab removed); the other strings are one-line labels. */
struct content_doc {
    char *id, *title, *content_type, *difficulty, *skills, *prerequisites, *review_by;
    char *updated_at, *updated_by, *owner;
    char *body;
    size_t body_len;
    int version;
    bool can_edit, is_due, is_archived;
};

/* A passage still to embed after a save. */
struct content_pending {
    char *id;
    int ordinal;
};

struct content_save_reply {
    bool is_conflict;
    struct content_doc *current; /* the stored item when is_conflict */
    char *id;
    int version;
    int passages, kept;
    struct content_pending *pending;
    size_t pending_count;
};

/* The unhelpful answers that cited an item. */
struct content_feedback_item {
    char *day, *answer, *reason, *passage_id, *passage, *heading;
    bool is_current;
};

struct content_feedback {
    struct content_feedback_item *items;
    size_t count;
};

enum err content_list_parse(const char *text, size_t len, struct content_list **out);
void content_list_free(struct content_list *l);
enum err content_doc_parse(const char *text, size_t len, struct content_doc **out);
void content_doc_free(struct content_doc *d);
enum err content_save_reply_parse(const char *text, size_t len, struct content_save_reply **out);
void content_save_reply_free(struct content_save_reply *r);
enum err content_feedback_parse(const char *text, size_t len, struct content_feedback **out);
void content_feedback_free(struct content_feedback *f);

/* What a save sends besides the body; skills and prerequisites are comma-separated ids. */
struct content_meta {
    const char *title, *content_type, *difficulty, *skills, *prerequisites, *review_by;
};

/* Checks meta and body as the database will (so the form can say it first): NULL when fine,
 * else a static message naming the field ("title: a title is required"). */
const char *content_meta_check(const struct content_meta *m, const char *body, size_t len);

/* The cca_content_save document for body (len bytes) split into passages of about
 * chunk_chars (core/chunk). *json is a heap string; *chunks and *count: the passages in order
 * (their ordinals), owned by the caller (chunks_free). */
enum err content_save_doc(const struct content_meta *m, const char *body, size_t len,
                          int chunk_chars, int chunk_overlap, char **json, struct chunk **chunks,
                          size_t *count);

/* --- drafts ---------------------------------------------------------------------------- */
/* The unsaved text of content id ("new" for an item not saved yet) for user (an email),
 * with the version it started from, kept in content-drafts/ of the state folder. */
enum err content_draft_save(const char *user, const char *id, int version, const char *text,
                            size_t len, char *err, size_t errlen);
/* *text NULL when there is no draft. */
enum err content_draft_load(const char *user, const char *id, int *version, char **text,
                            size_t *len, char *err, size_t errlen);
enum err content_draft_clear(const char *user, const char *id);

#endif

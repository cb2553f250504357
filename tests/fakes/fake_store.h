/* fake_store: an in-memory implementation of core/store.h for unit tests. Documents and
 * passages with embeddings (brute-force cosine), naive full-text (word overlap), messages and
 * conversations, users. Failures are injected per operation or for the whole store ("down").
 * Never used by the product binary. */
#ifndef CCA_FAKE_STORE_H
#define CCA_FAKE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct store;

/* What the fake recorded for one document (borrowed views, valid until the next call). */
struct fake_store_doc {
    const char *content_id;
    const char *title;
    const char *content;
    const char *content_type;
    const char *source_service; /* may be NULL */
    const char *source_path;    /* may be NULL */
    const char *content_hash;   /* may be NULL */
    const char *embed_model;    /* may be NULL */
    bool has_embedding;
    int dim;
    size_t passage_count;
};

struct fake_store_passage {
    const char *passage_id;
    const char *content_id;
    int ordinal;
    const char *heading; /* may be NULL */
    const char *text;
    const float *embedding; /* NULL when none; dim floats */
    int dim;
};

/* One chat_messages row as the fake keeps it, including the outcome flags that
 * struct store_message does not carry. */
struct fake_store_message {
    const char *id;
    const char *conversation_id;
    const char *question;
    const char *status;       /* pending | answered | cancelled | failed */
    const char *response;     /* may be NULL */
    const char *error;        /* may be NULL */
    const char *sources_json; /* may be NULL */
    double confidence;        /* -1 when NULL */
    int processing_ms;        /* -1 when NULL */
    bool is_offline;
    bool abstain;
    int finish_count;         /* how many times store_message_finish hit this row */
};

/* A new empty store (whoami: demo learner "learner@example.com"). Free with store_free. */
struct store *fake_store_new(void);

/* Adds one document with a single passage in one call (copies everything). type defaults to
 * "tutorial" when NULL; embedding may be NULL (the passage is then found only by full-text).
 * *passage_id (may be NULL) receives a borrowed id valid for the store's life. */
void fake_store_add_passage(struct store *s, const char *title, const char *content_type,
                            const char *source_path, const char *heading, const char *text,
                            const float *embedding, int dim, const char **passage_id);

/* From now on the caller may not read the passage (as row-level security would hide it):
 * retrieval skips it and store_passages_readable says false. */
void fake_store_hide_passage(struct store *s, const char *passage_id);
/* Every call fails with ERR_DB_DOWN while down (is_connected false, reconnect fails too). */
void fake_store_set_down(struct store *s, bool is_down);
/* The named operation ("message_begin", "match_passages", ... as in struct store_ops) fails
 * with e from now on; ERR_OK clears it. Unknown names are ignored. */
void fake_store_fail_op(struct store *s, const char *op, enum err e);
/* How many times the named operation was called (including failed calls). */
int fake_store_calls(const struct store *s, const char *op);

size_t fake_store_doc_count(const struct store *s);
/* The i-th document in insertion order; false when out of range. */
bool fake_store_doc_get(const struct store *s, size_t i, struct fake_store_doc *out);
size_t fake_store_passage_count(const struct store *s);
bool fake_store_passage_get(const struct store *s, size_t i, struct fake_store_passage *out);
size_t fake_store_message_count(const struct store *s);
bool fake_store_message_get(const struct store *s, size_t i, struct fake_store_message *out);
/* The recorded embedding metadata (0 / NULL when unset). */
int fake_store_embed_dim(const struct store *s);
const char *fake_store_embed_model(const struct store *s);

#endif

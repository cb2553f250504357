/* store: the storage interface core/ defines and db/ implements (db/pg_store.c with libpq;
 * tests/fakes/fake_store.c for unit tests). Every call runs as the connected user, so
 * PostgreSQL's row-level security applies to all of it. Calls are synchronous and bounded by
 * the statement timeout; strings returned through out-parameters belong to the caller and are
 * released with the matching store_*_free function. */
#ifndef CCA_STORE_H
#define CCA_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct loop;
struct store;
struct store_call;

/* Rows of text from a store call: cells[row * cols + col], NULL for SQL NULL. Borrowed by the
 * reply callback for its duration. */
struct store_rows {
    size_t rows, cols;
    char **cells;
};

/* The reply to a store call: e and errmsg (never NULL, "" on success) tell how it went; rows
 * is NULL on error. Called exactly once per call unless the call was cancelled first. */
typedef void (*store_reply_fn)(void *userdata, enum err e, const char *errmsg,
                               const struct store_rows *rows);

struct store_user {
    char *id;
    char *email;
    char *name;
    char *role;       /* learner | hr_manager | trainer | admin */
    char *department; /* may be NULL */
    char *db_role;    /* the PostgreSQL role the user logs in as */
};

struct store_info {
    char *server_version;  /* "15.20" */
    int schema_version;    /* highest applied migration number, 0 if none */
    int pending_migrations;
    char *vector_impl;     /* "pgvector 0.8.0" or "cca_vector (exact fallback) 1.0" */
    int embed_dim;         /* recorded in the database, 0 if unset */
    char *embed_model;     /* recorded in the database, NULL if unset */
    char *session_role;    /* current_user after any SET ROLE */
};

/* One retrieval hit: a passage of a learning_content document. */
struct store_passage {
    char *content_id;   /* learning_content.id */
    char *passage_id;   /* content_passages.id */
    char *title;
    char *content_type;
    char *source_path;  /* metadata->>'source_path', may be NULL */
    char *heading;      /* section heading of the passage, may be NULL */
    char *text;
    double vector_score; /* cosine similarity, or -1 when the vector retriever did not return it */
    double fts_score;    /* ts_rank_cd, or -1 when full-text did not return it */
    int vector_rank;     /* 1-based, 0 when absent */
    int fts_rank;        /* 1-based, 0 when absent */
    double fused_score;  /* set by core/retrieve (RRF, then the rerank), 0 from the store */
    double coverage;     /* set by core/retrieve: the share of the question's weighted words the
                            passage covers (core/evidence), -1 when not judged */
    char *audience;      /* who may read the document when it is restricted, as the database
                            words it ("HR only", "Engineering only", "Draft"); NULL: everyone */
    bool is_due_for_review; /* the document is past its review-by date (023's review_due);
                               false when unknown */
};

/* A passage to store with a document. Borrowed by store_doc_replace. */
struct store_passage_in {
    int ordinal;
    const char *heading; /* may be NULL */
    const char *text;
    const float *embedding; /* dim floats */
};

struct store_doc_in {
    const char *title;
    const char *content;        /* the whole document text */
    const char *content_type;   /* tutorial|reference|lesson|course|skill|assessment */
    const char *source_service; /* --source NAME, may be NULL */
    const char *source_path;    /* absolute path, the identity used for re-ingest */
    const char *content_hash;   /* hex BLAKE2b of the file bytes */
    const float *embedding;     /* document-level embedding (dim floats), may be NULL */
    int dim;
    const char *embed_model;
    const struct store_passage_in *passages;
    size_t passage_count;
    /* Who may read it: comma-separated entries "role:R" / "department:D" (any of them
     * grants access; the database checks the names), "" for everyone; NULL keeps what is
     * stored (everyone for a new document). */
    const char *audience;
    const char *state; /* "draft" | "published"; NULL keeps what is stored (published) */
};

struct store_message {
    char *id;
    char *conversation_id;
    char *message;
    char *response;      /* may be NULL while pending */
    char *status;        /* pending | answered | cancelled | failed */
    char *error;         /* why it failed or was cancelled, may be NULL */
    char *sources_json;  /* JSON array, may be NULL */
    double confidence;   /* -1 when NULL */
    int processing_ms;   /* -1 when NULL */
    char *created_at;    /* ISO 8601 */
};

struct store_conversation {
    char *id;
    char *title;        /* the first question, shortened */
    char *updated_at;   /* ISO 8601 */
    int message_count;
};

/* The outcome of one question, written by store_message_finish. */
struct store_outcome {
    const char *status;       /* answered | cancelled | failed */
    const char *response;     /* may be NULL or partial */
    const char *error;        /* may be NULL */
    const char *sources_json; /* JSON array of {content_id, passage_id, title, passage, similarity} */
    double confidence;        /* [0,1], or -1 for NULL */
    int processing_ms;
    bool is_offline;
    bool abstain;
};

struct store_user_in {
    const char *email;
    const char *name;
    const char *role;
    const char *department; /* may be NULL */
    const char *db_role;    /* NULL: the database names the login role; else this name (the
                             * person's account on a shared host, for peer authentication;
                             * only the database's superuser may choose it) */
};

/* The implementation's table. Implementations embed struct store as their first member. */
struct store_ops {
    void (*free)(struct store *s);
    const char *(*errmsg)(const struct store *s);
    bool (*is_connected)(struct store *s);
    enum err (*reconnect)(struct store *s);
    enum err (*whoami)(struct store *s, struct store_user *out);
    enum err (*info)(struct store *s, struct store_info *out);
    enum err (*migrate)(struct store *s, bool status_only, char **report);
    enum err (*seed)(struct store *s, char **report);
    enum err (*set_embed_meta)(struct store *s, int dim, const char *model);
    enum err (*match_passages)(struct store *s, const float *query, int dim, double threshold,
                               int count, const char *const *types, size_t type_count,
                               struct store_passage **out, size_t *out_count);
    enum err (*search_passages)(struct store *s, const char *query, const char *const *types,
                                size_t type_count, int count, struct store_passage **out,
                                size_t *out_count);
    enum err (*term_stats)(struct store *s, const char *const *words, size_t count, double *df,
                           double *total);
    enum err (*passages_readable)(struct store *s, const char *const *passage_ids, size_t count,
                                  bool *readable);
    enum err (*doc_lookup)(struct store *s, const char *source_path, char **content_id,
                           char **content_hash);
    enum err (*doc_replace)(struct store *s, const struct store_doc_in *doc, char **content_id);
    enum err (*reindex_list)(struct store *s, char ***passage_ids, char ***texts, size_t *count);
    enum err (*reindex_set)(struct store *s, const char *passage_id, const float *embedding,
                            int dim);
    enum err (*message_begin)(struct store *s, const char *conversation_id, const char *question,
                              char **message_id, char **new_conversation_id);
    enum err (*message_finish)(struct store *s, const char *message_id,
                               const struct store_outcome *outcome);
    enum err (*conversations)(struct store *s, int limit, struct store_conversation **out,
                              size_t *out_count);
    enum err (*conversation_messages)(struct store *s, const char *conversation_id,
                                      struct store_message **out, size_t *out_count);
    enum err (*user_add)(struct store *s, const struct store_user_in *in, char **user_id);
    enum err (*user_set_role)(struct store *s, const char *email, const char *role);
    enum err (*user_list)(struct store *s, struct store_user **out, size_t *out_count);
    void (*attach_loop)(struct store *s, struct loop *loop);
    void (*call_cancel)(struct store *s, struct store_call *call);
    bool (*is_calling)(struct store *s);
};

/* A call in flight (store_<domain>.h functions return one, or NULL when the reply already
 * came). Implementations embed it as their first member. */
struct store_call {
    struct store *store;
};

struct store {
    const struct store_ops *ops;
};

/* Frees the store and closes its connection; NULL is a no-op. */
void store_free(struct store *s);
/* The last error's detail (server message), valid until the next call; never NULL. */
const char *store_errmsg(const struct store *s);
bool store_is_connected(struct store *s);
enum err store_reconnect(struct store *s);
enum err store_whoami(struct store *s, struct store_user *out);
enum err store_info(struct store *s, struct store_info *out);
/* Applies pending migrations (or only reports with status_only); *report is a heap string. */
enum err store_migrate(struct store *s, bool status_only, char **report);
/* Loads the sample data (demo users, progress, chats) into an empty database. */
enum err store_seed(struct store *s, char **report);
/* Records the embedding dimension and model on first use; ERR_DIM_MISMATCH if different
 * values are already recorded. */
enum err store_set_embed_meta(struct store *s, int dim, const char *model);
/* Passages by cosine similarity (match_passages in SQL), best first. */
enum err store_match_passages(struct store *s, const float *query, int dim, double threshold,
                              int count, const char *const *types, size_t type_count,
                              struct store_passage **out, size_t *out_count);
/* Passages by full-text rank, best first. */
enum err store_search_passages(struct store *s, const char *query, const char *const *types,
                               size_t type_count, int count, struct store_passage **out,
                               size_t *out_count);
/* How common each of count words (lower-case) is: df[i] = the number of passages holding its
 * English stem, -1 for a stop word; *total = the number of passages. Collection-wide figures
 * (BM25's statistics), never passage text. ERR_UNSUPPORTED when the store cannot tell. */
enum err store_term_stats(struct store *s, const char *const *words, size_t count, double *df,
                          double *total);
/* Which of count passages the caller may read now (readable[i]); a passage that is gone or
 * hidden is false. Row-level security decides. */
enum err store_passages_readable(struct store *s, const char *const *passage_ids, size_t count,
                                 bool *readable);
/* The stored document for source_path: ERR_NOT_FOUND when absent. */
enum err store_doc_lookup(struct store *s, const char *source_path, char **content_id,
                          char **content_hash);
/* Inserts or replaces (by source_path) a document and all its passages in one transaction. */
enum err store_doc_replace(struct store *s, const struct store_doc_in *doc, char **content_id);
/* Every passage (id and text) for re-embedding with the configured model. */
enum err store_reindex_list(struct store *s, char ***passage_ids, char ***texts, size_t *count);
enum err store_reindex_set(struct store *s, const char *passage_id, const float *embedding,
                           int dim);
/* Stores the question (status pending) before any model is called. conversation_id NULL
 * starts a new conversation whose id is returned in *new_conversation_id. */
enum err store_message_begin(struct store *s, const char *conversation_id, const char *question,
                             char **message_id, char **new_conversation_id);
enum err store_message_finish(struct store *s, const char *message_id,
                              const struct store_outcome *outcome);
/* The caller's conversations, most recent first. */
enum err store_conversations(struct store *s, int limit, struct store_conversation **out,
                             size_t *out_count);
/* The newest messages of a conversation shown or sent as history; older ones stay stored. */
#define STORE_CONVERSATION_WINDOW 500
/* The newest STORE_CONVERSATION_WINDOW messages of one conversation, oldest first, so a
 * conversation of any length opens in bounded time and memory. */
enum err store_conversation_messages(struct store *s, const char *conversation_id,
                                     struct store_message **out, size_t *out_count);
enum err store_user_add(struct store *s, const struct store_user_in *in, char **user_id);
enum err store_user_set_role(struct store *s, const char *email, const char *role);
enum err store_user_list(struct store *s, struct store_user **out, size_t *out_count);

/* From now on, calls of the domain interfaces (core/store_<domain>.h) run through loop on a
 * connection of their own and reply later, so a slow query never blocks a key press; without
 * a loop they run at once and reply before returning. */
void store_attach_loop(struct store *s, struct loop *loop);
/* Drops a call: its reply will not come. NULL is a no-op. */
void store_call_cancel(struct store_call *call);
/* Whether calls are queued or running (for tests that wait until idle). */
bool store_is_calling(struct store *s);
/* The text at row, col, or NULL (SQL NULL, or out of range). */
const char *store_rows_get(const struct store_rows *r, size_t row, size_t col);

void store_user_cleanup(struct store_user *u);
void store_users_free(struct store_user *u, size_t count);
void store_info_cleanup(struct store_info *i);
void store_passage_cleanup(struct store_passage *p);
void store_passages_free(struct store_passage *p, size_t count);
void store_messages_free(struct store_message *m, size_t count);
void store_conversations_free(struct store_conversation *c, size_t count);
void store_strv_free(char **v, size_t count);

#endif

/* ingest: puts Markdown and plain-text files into the knowledge base. Walks paths
 * (folders recursively), validates each file (readable, not binary, valid UTF-8, not empty),
 * skips unchanged files by content hash, splits the rest into passages (core/chunk), embeds
 * them in batches (core/embed) and stores each document with its passages in one
 * transaction (store_doc_replace). One bad file never stops the others; only fatal problems
 * (database down, embedding model mismatch, no permission, embedder failure) do.
 * Also re-embeds everything for `cca reindex`. No terminal output: progress goes to a
 * callback and results to a summary. */
#ifndef CCA_INGEST_H
#define CCA_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct embedder;
struct store;

struct ingest_progress {
    size_t files_done;     /* files handled so far (any outcome) */
    size_t files_total;    /* files found by the walk */
    size_t passages;       /* passages embedded so far */
    size_t passages_total; /* reindex only: passages to do; 0 while ingesting */
    double elapsed_s;
    double passages_per_s;
    const char *path;      /* the file being handled, NULL for reindex */
};

/* Called after each file and each embedding batch; p is valid during the call. */
typedef void (*ingest_progress_fn)(void *userdata, const struct ingest_progress *p);

struct ingest_options {
    const char *content_type;   /* tutorial|reference|lesson|course|skill|assessment */
    const char *source_service; /* --source NAME, may be NULL */
    int chunk_chars;
    int chunk_overlap;
    int batch_size;             /* texts per embedding call */
    ingest_progress_fn on_progress; /* may be NULL */
    void *userdata;
    /* --audience: comma-separated role:R / department:D entries, "" for everyone; --draft /
     * --publish: "draft" / "published". NULL keeps what is stored (a new document: everyone,
     * published). When either is set, unchanged files are stored again so it applies. */
    const char *audience;
    const char *state;
};

/* Fills o from cfg ([retrieval] chunk sizes, [embeddings] batch size) with content type
 * "reference", no source and no progress callback. */
void ingest_options_init(struct ingest_options *o, const struct config *cfg);

enum ingest_status {
    INGEST_ADDED,
    INGEST_UPDATED,
    INGEST_UNCHANGED,
    INGEST_SKIPPED, /* reason says why */
};

struct ingest_file {
    char *path;     /* absolute when it could be resolved, else as given */
    enum ingest_status status;
    char *reason;   /* skipped only: "invalid UTF-8 at byte 12", "binary file (NUL bytes)"... */
    size_t passages;
};

struct ingest_summary {
    size_t files_seen;
    size_t added;
    size_t updated;
    size_t unchanged;
    size_t skipped;
    size_t passages;    /* passages embedded and stored */
    double seconds;
    /* the vector indexes were dropped for a large load (store_index_bulk_begin): they must
     * be built again (store_index_maintain), even when the run failed */
    bool is_index_dropped;
    struct ingest_file *files; /* every file in the order handled; owned by the summary */
    size_t file_count;
};

/* Validates a file's bytes: ERR_OK, or ERR_INVALID with *reason (a static sentence, plus the
 * byte offset in *at for invalid UTF-8) for empty/whitespace-only, binary (NUL bytes) or
 * invalid UTF-8 data. */
enum err ingest_check_bytes(const char *data, size_t len, const char **reason, size_t *at);

/* True for the file names ingest reads from folders: *.md, *.markdown, *.txt (any case). */
bool ingest_is_supported_name(const char *name);

/* Ingests count paths (files or folders). sum is filled even on failure (what was done until
 * then) and must be released with ingest_summary_cleanup. Returns ERR_OK when every file was
 * handled (some may be skipped: see sum), or the fatal error that stopped the run, with a
 * heap message in *errmsg (may be NULL) that says what to do. */
enum err ingest_paths(struct store *s, struct embedder *e, const struct ingest_options *opt,
                      const char *const *paths, size_t count, struct ingest_summary *sum,
                      char **errmsg);

/* Re-embeds every stored passage with e (store_reindex_list, embed, store_reindex_set), then
 * records e's model and dimension (store_set_embed_meta). sum->passages counts the passages
 * re-embedded. Errors as for ingest_paths. */
enum err ingest_reindex(struct store *s, struct embedder *e, const struct ingest_options *opt,
                        struct ingest_summary *sum, char **errmsg);

void ingest_summary_cleanup(struct ingest_summary *sum);
/* "added", "updated", "unchanged" or "skipped". */
const char *ingest_status_name(enum ingest_status status);

#endif

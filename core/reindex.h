/* reindex: moving the knowledge base to another embedder without stopping answers. The new
 * embeddings are built beside the live ones in batches the database commits one by one
 * (core/store_reindex.h), so an interrupted run resumes where it stopped; the switch is one
 * transaction. Also reads and describes the state for `cca doctor` and the admin tab. No
 * curses, no SQL. */
#ifndef CCA_REINDEX_H
#define CCA_REINDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct embedder;
struct store;

struct reindex_state {
    bool is_active;       /* a run is in progress (or was interrupted) */
    char *model;          /* its target, NULL when none */
    int dim;
    long done, total;     /* passages embedded for the target, passages in all */
    char *started_at;     /* ISO text, NULL when none */
    char *current_model;  /* what the live index was built with, NULL if unknown */
    int current_dim;
};

/* Parses the state document (text, len bytes) into *out (reindex_state_cleanup). ERR_INVALID
 * when it is not the expected object. Strings are safe to show. */
enum err reindex_state_parse(const char *text, size_t len, struct reindex_state *out);
void reindex_state_cleanup(struct reindex_state *s);
/* One line for doctor and the admin tab: "reindex to MODEL (DIM): 4,200 of 10,000 passages"
 * or "index: MODEL (DIM), 10,000 passages; no reindex in progress". Appends to out. */
void reindex_state_describe(const struct reindex_state *s, struct buf *out);
/* Whether the live index needs a reindex to model (dim): it was built with another model or
 * dimension (a run to model that was interrupted leaves the live index on the old one, so it
 * is needed then too). Not when nothing is embedded yet: the first ingest records the model. */
bool reindex_is_needed(const struct reindex_state *s, const char *model, int dim);

struct reindex_progress {
    long done, total;
    double elapsed_s;
    double passages_per_s; /* this run's rate */
};
typedef void (*reindex_progress_fn)(void *userdata, const struct reindex_progress *p);

struct reindex_options {
    int batch_size;      /* passages per embedding call and commit; <= 0: 64 */
    long max_passages;   /* stop after embedding this many in this run (0: no limit); the run
                            stays resumable */
    reindex_progress_fn on_progress; /* may be NULL */
    void *userdata;
};

struct reindex_summary {
    bool is_resumed;     /* continued an interrupted run */
    bool is_switched;    /* the new embeddings are live */
    long embedded;       /* passages embedded by this run */
    long done, total;    /* at the end */
    double seconds;
    char *previous_model; /* before the switch (when switched), heap or NULL */
    int previous_dim;
};

/* Starts or resumes the run to e's model and dimension, embeds what is missing in batches
 * (each committed), and switches when nothing is missing. With max_passages reached it stops
 * early (ERR_OK, is_switched false). On failure *errmsg (heap, may be NULL) says why; what was
 * stored stays for the next run. */
enum err reindex_run(struct store *s, struct embedder *e, const struct reindex_options *opt,
                     struct reindex_summary *sum, char **errmsg);
void reindex_summary_cleanup(struct reindex_summary *sum);

#endif

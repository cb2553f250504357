/* store_progress: the learner's own progress, computed by the database for the calling user
 * (row-level security decides what that is). Implemented by db/pg_progress.c. */
#ifndef CCA_STORE_PROGRESS_H
#define CCA_STORE_PROGRESS_H

#include "core/store.h"

/* The progress overview of the calling user as one JSON document in row 0, column 0 (see
 * core/progress.h for its members). Replies through fn (on the loop when one is attached). */
struct store_call *store_progress_overview(struct store *s, store_reply_fn fn, void *userdata);

#endif

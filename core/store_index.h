/* store_index: upkeep of the vector indexes after the content changed (migration 019: HNSW on
 * pgvector, the fallback's lists). Implemented by db/pg_index.c. */
#ifndef CCA_STORE_INDEX_H
#define CCA_STORE_INDEX_H

#include <stdbool.h>

#include "core/err.h"
#include "core/store.h"

/* Brings the vector indexes up to date after an ingest (rebuilds what a bulk load dropped,
 * (re)builds the fallback's lists where the table is large enough); replies with a JSON
 * summary in row 0, column 0. Trainers and admins. */
struct store_call *store_index_maintain(struct store *s, store_reply_fn fn, void *userdata);

/* Before a load of about expected_rows new passages: where maintaining the vector indexes row
 * by row would cost more than building them again once (pgvector's HNSW, when the load is at
 * least a twentieth of the table and 1,000 rows), drops them; store_index_maintain builds them at
 * the end. Waits for the reply. *is_dropped: whether they were dropped (then the caller must
 * call store_index_maintain, even when the load fails). Trainers and admins. */
enum err store_index_bulk_begin(struct store *s, long expected_rows, bool *is_dropped);

#endif

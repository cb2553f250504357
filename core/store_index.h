/* store_index: upkeep of the vector indexes after the content changed (migration 019: HNSW on
 * pgvector, the fallback's lists). Implemented by db/pg_index.c. */
#ifndef CCA_STORE_INDEX_H
#define CCA_STORE_INDEX_H

#include "core/store.h"

/* Brings the vector indexes up to date after an ingest (rebuilds what a bulk load dropped,
 * (re)builds the fallback's lists where the table is large enough); replies with a JSON
 * summary in row 0, column 0. Trainers and admins. */
struct store_call *store_index_maintain(struct store *s, store_reply_fn fn, void *userdata);

#endif

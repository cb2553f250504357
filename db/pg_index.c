/* pg_index: core/store_index.h over PostgreSQL (019_vector_index.sql). */
#include "core/store_index.h"

#include "db/pg_call.h"

struct store_call *store_index_maintain(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_vector_index_maintain()::text", 0, NULL, fn, userdata);
}

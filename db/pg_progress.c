/* pg_progress: core/store_progress.h over PostgreSQL. */
#include "core/store_progress.h"

#include "db/pg_call.h"

struct store_call *store_progress_overview(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s,
                         "SELECT row_to_json(a)::text"
                         " FROM get_user_learning_analytics(cca_auth.uid()) a",
                         0, NULL, fn, userdata);
}

/* pg_chat: core/store_chat.h over PostgreSQL. Row-level security limits the update to the
 * caller's own messages (chat_messages_update_own). */
#include "core/store_chat.h"

#include <stdio.h>

#include "db/pg_call.h"

struct store_call *store_chat_close_interrupted(struct store *s, int older_than_s,
                                                store_reply_fn fn, void *userdata)
{
    char secs[16];
    snprintf(secs, sizeof secs, "%d", older_than_s > 0 ? older_than_s : 0);
    const char *p[] = {secs};
    return pg_store_call(s,
                         "WITH done AS (UPDATE chat_messages SET status = 'failed',"
                         " error = 'interrupted: CCA stopped before the answer was stored'"
                         " WHERE user_id = cca_auth.uid() AND status = 'pending'"
                         " AND updated_at < now() - make_interval(secs => $1::int)"
                         " RETURNING 1) SELECT count(*)::text FROM done",
                         1, p, fn, userdata);
}

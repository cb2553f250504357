/* pg_index: core/store_index.h over PostgreSQL (019_vector_index.sql). */
#include "core/store_index.h"

#include <stdio.h>
#include <string.h>

#include "db/pg_call.h"

struct store_call *store_index_maintain(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_vector_index_maintain()::text", 0, NULL, fn, userdata);
}

static void on_bulk_begin(void *userdata, enum err e, const char *errmsg,
                          const struct store_rows *rows)
{
    (void)errmsg;
    bool *is_dropped = userdata;
    const char *v = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    *is_dropped = v && strcmp(v, "t") == 0;
}

enum err store_index_bulk_begin(struct store *s, long expected_rows, bool *is_dropped)
{
    char n[32];
    snprintf(n, sizeof n, "%ld", expected_rows);
    const char *params[] = {n};
    *is_dropped = false;
    return pg_store_call_now(s,
                             "SELECT coalesce((cca_vector_bulk_begin($1::bigint)->>'dropped')::boolean,"
                             " false)",
                             1, params, on_bulk_begin, is_dropped);
}

/* pg_call: how the domain files of db/ (pg_<domain>.c, implementing core/store_<domain>.h)
 * run their SQL. One statement with text parameters; the rows come back through fn, on the
 * loop when one is attached to the store (store_attach_loop), else before this returns. */
#ifndef CCA_PG_CALL_H
#define CCA_PG_CALL_H

#include "core/store.h"

/* Copies sql and params. Returns the call for store_call_cancel, or NULL when the reply has
 * already been given (no loop, or a failure to send). A store that is not PostgreSQL replies
 * ERR_UNSUPPORTED. */
struct store_call *pg_store_call(struct store *s, const char *sql, int nparams,
                                 const char *const *params, store_reply_fn fn, void *userdata);

#endif

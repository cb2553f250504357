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

/* The same for a statement that only reads (a STABLE function, a SELECT): it may be served
 * by a replica of [database] replica_url that has replayed everything this store wrote (the
 * person's own writes are always seen) and is within replica_max_lag_s, else by the primary;
 * a failure on the replica is retried on the primary. Never for a statement that writes. */
struct store_call *pg_store_call_read(struct store *s, const char *sql, int nparams,
                                      const char *const *params, store_reply_fn fn,
                                      void *userdata);

/* The same statement run at once on the store's main connection, whether a loop is attached
 * or not: the reply is given before this returns. For the few paths that may wait (the chat's
 * retrieval step, the last write when the application closes); a screen never uses it for a
 * key press. Returns the reply's error. */
enum err pg_store_call_now(struct store *s, const char *sql, int nparams,
                           const char *const *params, store_reply_fn fn, void *userdata);

#endif

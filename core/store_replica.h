/* store_replica: where retrieval reads go when [database] replica_url names a streaming
 * replica, for `cca doctor` and the scale-out tests. Implemented by db/pg_store.c. */
#ifndef CCA_STORE_REPLICA_H
#define CCA_STORE_REPLICA_H

#include <stdbool.h>

#include "core/err.h"

struct store;

struct store_replica_state {
    bool is_configured;  /* a replica_url is set */
    bool is_usable;      /* the last check found it up, in recovery and within the lag limit */
    double lag_s;        /* replay lag at the last check (0 when caught up); -1 unknown */
    long reads_replica;  /* retrieval reads the replica served */
    long reads_primary;  /* retrieval reads sent to the primary instead */
    char why[256];       /* why the last read went to the primary; "" when it did not */
};

/* Checks the replica now (connecting when needed) against the primary's current WAL position
 * and fills *out (counters since the store was opened). ERR_OK also when the replica is down
 * or behind (then is_usable is false and why says what); ERR_UNSUPPORTED for a store that is
 * not PostgreSQL. */
enum err store_replica_check(struct store *s, struct store_replica_state *out);

#endif

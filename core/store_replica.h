/* store_replica: where reads go when [database] replica_url names streaming replicas (one or
 * several), for `cca doctor` and the scale-out tests. Retrieval, the learner's dashboards and
 * the department dashboards and reports may read from a replica; everything else, and every
 * write, goes to the primary. Implemented by db/pg_store.c. */
#ifndef CCA_STORE_REPLICA_H
#define CCA_STORE_REPLICA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct store;

struct store_replica_state {
    bool is_configured;  /* a replica_url is set */
    bool is_usable;      /* the last check found it up, in recovery and within the lag limit
                          * (all replicas: at least one is) */
    double lag_s;        /* replay lag at the last check (0 when caught up); -1 unknown (all
                          * replicas: the smallest lag of a usable one) */
    long reads_replica;  /* reads this replica served (all replicas: together) */
    long reads_primary;  /* reads sent to the primary instead (all replicas only) */
    char name[128];      /* where the replica points (host:port/dbname); "" for all */
    char why[512];       /* why it is skipped (all replicas: why the last read went to the
                          * primary); "" when it is not */
};

/* Checks every replica now (connecting when needed) against the primary's current WAL
 * position and fills *out with their sum (counters since the store was opened). ERR_OK also
 * when the replicas are down or behind (then is_usable is false and why says what);
 * ERR_UNSUPPORTED for a store that is not PostgreSQL. */
enum err store_replica_check(struct store *s, struct store_replica_state *out);

/* The number of replicas configured (0 for a store that is not PostgreSQL). */
size_t store_replica_count(struct store *s);

/* Checks replica i (0 <= i < store_replica_count) now, as above, and fills *out with its own
 * state. ERR_NOT_FOUND for an index out of range. */
enum err store_replica_check_one(struct store *s, size_t i, struct store_replica_state *out);

#endif

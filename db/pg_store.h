/* pg_store: the PostgreSQL implementation of core/store.h (libpq). */
#ifndef CCA_PG_STORE_H
#define CCA_PG_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct store;

struct pg_store_options {
    const char *conninfo;      /* libpq conninfo or URI */
    const char *act_as_email;  /* NULL: stay the connecting role; else SET ROLE to that user's role */
    int connect_timeout_s;
    int statement_timeout_ms;
    int answer_timeout_ms;     /* see struct pg_options; <= 0: derived from the statement timeout */
    bool is_pooled;            /* conninfo names a transaction-mode pooler: no session state;
                                * act_as_email and migrate are refused (ERR_UNSUPPORTED) */
    int idle_disconnect_s;     /* with a loop attached, connections idle this long are closed
                                * and reopened silently by the next query; <= 0: never */
    const char *replica_url;   /* a streaming replica for retrieval reads; NULL or "": none */
    bool is_replica_pooled;    /* replica_url names a transaction-mode pooler */
    int replica_max_lag_s;     /* a replica further behind is not read */
};

/* Connects (blocking, bounded by connect_timeout_s). On failure writes the reason (server
 * message and what to do) into err and returns ERR_DB_DOWN, ERR_NOT_FOUND (unknown user),
 * ERR_PERMISSION (not allowed to act as the user) or ERR_SCHEMA (not migrated). */
enum err pg_store_open(const struct pg_store_options *opt, struct store **out, char *err,
                       size_t errlen);

/* pg_store_open with the [database] settings of cfg; act_as_user: SET ROLE to cfg->user's role.
 * A pooled deployment pools its replicas too. */
enum err pg_store_open_config(const struct config *cfg, bool act_as_user, struct store **out,
                              char *err, size_t errlen);

/* store_migrate with --no-roles (is_no_roles: the cluster roles exist, none is created or
 * altered; see db/migrate.h). ERR_UNSUPPORTED for a store that is not PostgreSQL. */
enum err pg_store_migrate(struct store *s, bool status_only, bool is_no_roles, char **report);

#endif

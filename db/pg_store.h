/* pg_store: the PostgreSQL implementation of core/store.h (libpq). */
#ifndef CCA_PG_STORE_H
#define CCA_PG_STORE_H

#include <stddef.h>

#include "core/err.h"

struct store;

struct pg_store_options {
    const char *conninfo;      /* libpq conninfo or URI */
    const char *act_as_email;  /* NULL: stay the connecting role; else SET ROLE to that user's role */
    int connect_timeout_s;
    int statement_timeout_ms;
    int answer_timeout_ms;     /* see struct pg_options; <= 0: derived from the statement timeout */
};

/* Connects (blocking, bounded by connect_timeout_s). On failure writes the reason (server
 * message and what to do) into err and returns ERR_DB_DOWN, ERR_NOT_FOUND (unknown user),
 * ERR_PERMISSION (not allowed to act as the user) or ERR_SCHEMA (not migrated). */
enum err pg_store_open(const struct pg_store_options *opt, struct store **out, char *err,
                       size_t errlen);

#endif

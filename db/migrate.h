/* migrate: applies the SQL compiled into cca (db/sql_files.h: db/migrations/NNN_name.sql in
 * order, each in its own transaction) and records each in schema_migrations(version, name,
 * checksum, applied_at) with the BLAKE2b of its text; loads db/seed/NN_name.sql on request. Never
 * reads SQL from disk at run time. Errors leave their words in pg_errmsg. */
#ifndef CCA_MIGRATE_H
#define CCA_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct pg;

/* The version number and name of a migration path ("db/migrations/012_add_x.sql" -> 12 and
 * "012_add_x"). ERR_INVALID unless the file name is digits, '_', a name and ".sql". */
enum err migrate_parse_path(const char *path, int *version, char *name, size_t namelen);

/* Applies every pending migration under a database-wide advisory lock, so two migrators never
 * race; running it again is a no-op. A migration already applied whose text changed is
 * refused (ERR_SCHEMA naming the file) before anything runs. With status_only nothing is
 * changed. *report (heap, caller frees; set even on failure) lists what was applied, or with
 * status_only every migration as applied (with its date), pending or changed. */
enum err migrate_run(struct pg *pg, bool status_only, char **report);

/* How migrate_run_with runs the migrations. */
struct migrate_options {
    bool is_status_only;
    /* The cluster roles exist already (the operator ran assets/sql/roles.sql): migration 001
     * neither creates nor alters a role, and ERR_PERMISSION lists what is missing first. */
    bool is_no_roles;
};

/* migrate_run with options. On a managed server the runner adapts the shipped files as they
 * run (never what an applied migration recorded): the vector extension in a schema other
 * than public joins the functions' pinned search_path (refused when PUBLIC may create objects
 * there); a migrating role that is not a superuser gets 001's full-text operator without
 * LEAKPROOF and the GIN indexes without cca_tsvector_ops (the same rows, searches under
 * row-level security scan instead of using the index). *report says which adaptations ran. */
enum err migrate_run_with(struct pg *pg, const struct migrate_options *o, char **report);

/* The operator's role-creation script (assets/sql/roles.sql, compiled in); static text. */
const char *migrate_roles_sql(void);

/* The highest applied version (0 when none) and the number of compiled-in migrations not yet
 * applied. ERR_PERMISSION when the ledger is not readable by the session. */
enum err migrate_state(struct pg *pg, int *schema_version, int *pending);

/* Runs db/seed/NN_name.sql in one transaction, only on a migrated database with no users yet:
 * ERR_SCHEMA when migrations are pending, ERR_EXISTS when users exist. *report (heap, caller
 * frees) summarises what was loaded. */
enum err migrate_seed(struct pg *pg, char **report);

#endif

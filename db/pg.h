/* pg: one PostgreSQL connection (libpq) with the session set-up CCA needs, parameterised
 * queries, and errors mapped to enum err with the server's words kept in pg_errmsg. The only
 * file that includes libpq; db/pg_store.c and db/migrate.c use it. pg_exec and friends block,
 * bounded by connect_timeout, statement_timeout and a client-side answer timeout that also
 * catches a hung server; pg_send/pg_receive let the loop run queries without blocking. */
#ifndef CCA_PG_H
#define CCA_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct pg;
struct pg_res;

struct pg_options {
    const char *conninfo;     /* libpq conninfo or URI; "" or NULL: libpq's defaults (PG*) */
    int connect_timeout_s;    /* <= 0: libpq's default (wait forever) */
    int statement_timeout_ms; /* <= 0: no limit */
    /* How long a call waits for the server before giving up on it, whatever the server's own
     * statement_timeout does (a hung or stopped server never answers); <= 0: the statement
     * timeout plus 5 s, or 30 s when that is unlimited. */
    int answer_timeout_ms;
    /* The conninfo names a transaction-mode pooler (PgBouncer): pg_connect sets no session
     * state (it would be lost or leak across the pooler's server connections); the database's
     * role/database defaults must pin search_path and statement_timeout (docs/scaleout.md). */
    bool is_pooled;
    /* Act as this person (`cca --user EMAIL`): the session's role becomes their login role
     * (public.cca_role_for_email, then the `role` setting, as SET ROLE), in the same round trip
     * as the session settings. Not with is_pooled (the role would stay on the pooler's server
     * connection). NULL: the login role. ERR_NOT_FOUND (no such person, or their role is
     * missing) or ERR_PERMISSION (the login may not act as others, or not as them), with the
     * reason in pg_errmsg, fail the connect. */
    const char *act_as_email;
};

/* Run after every (re)connection, e.g. to SET ROLE; a non-OK return fails the connect. */
typedef enum err (*pg_on_connect_fn)(struct pg *pg, void *userdata);

/* A connection object, not yet connected (copies opt). Never NULL. */
struct pg *pg_new(const struct pg_options *opt);
/* Closes the connection and frees pg; NULL is a no-op. */
void pg_free(struct pg *pg);

/* (Re)connects, closing any previous connection, then pins the session: application_name
 * "cca" (unless the conninfo names one), client_encoding UTF8, statement_timeout, and
 * search_path "public, pg_temp" so no temporary object can shadow ours. ERR_DB_DOWN with
 * libpq's reason and a hint on failure. */
enum err pg_connect(struct pg *pg);
/* Whether the connection is up as far as libpq knows (no round trip); a parked connection
 * counts as up. */
bool pg_is_connected(const struct pg *pg);
/* fn runs at the end of every pg_connect (also the silent one after pg_park). */
void pg_set_on_connect(struct pg *pg, pg_on_connect_fn fn, void *userdata);
/* Closes an idle connection (none in flight, no transaction open) so it holds no server
 * backend; the next statement reconnects silently (pg_connect, then the on-connect hook).
 * Returns false, doing nothing, when the connection is busy, in a transaction or down. */
bool pg_park(struct pg *pg);
bool pg_is_parked(const struct pg *pg);
/* Milliseconds since the last statement finished (or the connection was made); 0 before. */
int64_t pg_idle_ms(const struct pg *pg);

/* The last error in plain words, valid until the next call on pg; "" when none. */
const char *pg_errmsg(const struct pg *pg);
/* The last error's SQLSTATE ("42P01"), "" when the error did not come from the server. */
const char *pg_sqlstate(const struct pg *pg);
/* Replaces the error message (printf-style), for callers that explain a failure better. */
void pg_set_errmsg(struct pg *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs one statement with text parameters ($1..$n; a NULL entry is SQL NULL). With out, the
 * rows are returned (caller frees with pg_res_free); without, they are discarded. Errors:
 * ERR_DB_DOWN (no connection, or it broke), ERR_SCHEMA (relation or function missing:
 * "run cca migrate"), ERR_PERMISSION (42501 and RLS refusals), ERR_DIM_MISMATCH (CC001),
 * ERR_TIME_UP (CC002) and ERR_CLOSED (CC003) from the assessment API,
 * ERR_EXISTS (unique violation), ERR_INVALID (check/not-null/data errors), ERR_NOT_FOUND
 * (P0002), ERR_TIMEOUT (statement timeout), else ERR_DB. */
enum err pg_exec(struct pg *pg, const char *sql, int nparams, const char *const *params,
                 struct pg_res **out);
/* pg_exec where some parameters are binary: formats[i] 1 marks params[i] as lengths[i] bytes
 * in the type's binary send format (e.g. vector_bin_encode), 0 as text; lengths and formats
 * may be NULL (all text). Results are text. Same errors as pg_exec. */
enum err pg_exec_bin(struct pg *pg, const char *sql, int nparams, const char *const *params,
                     const int *lengths, const int *formats, struct pg_res **out);
/* Runs a script of several statements (no parameters), e.g. a migration file. On a server
 * error *error_line (may be NULL) receives the 1-based line of the failing statement in sql,
 * or 0 when unknown. Same errors as pg_exec. */
enum err pg_exec_script(struct pg *pg, const char *sql, int *error_line);

/* --- asynchronous queries (one at a time per connection), for the loop --------------------- */

/* Sends one statement without waiting (text parameters as in pg_exec). ERR_DB_DOWN when there
 * is no connection; ERR_BUSY when a query is already in flight. */
enum err pg_send(struct pg *pg, const char *sql, int nparams, const char *const *params);
/* The connection's socket to watch for reading, or -1 when not connected. */
int pg_socket(const struct pg *pg);
/* Reads what the server sent. Sets *is_done once the statement's result is complete; then
 * returns its outcome like pg_exec and *out (may be NULL) gets the rows. */
enum err pg_receive(struct pg *pg, bool *is_done, struct pg_res **out);
/* Whether a statement sent by pg_send has not been received yet. */
bool pg_is_busy(const struct pg *pg);
/* Asks the server to stop the statement in flight (bounded by the connect timeout) and closes
 * the connection, so a hung server never keeps it: the next call reconnects. */
void pg_abandon(struct pg *pg);

/* BEGIN / COMMIT / ROLLBACK. pg_rollback is safe to call when no transaction is open and
 * keeps the earlier error message. */
enum err pg_begin(struct pg *pg);
enum err pg_commit(struct pg *pg);
void pg_rollback(struct pg *pg);

/* The identifier quoted for SQL ("Alice" -> "\"Alice\""), a heap string owned by the caller;
 * NULL (with pg_errmsg set) when there is no connection or the text is not valid. */
char *pg_quote_ident(struct pg *pg, const char *ident);

/* Where a conninfo or URI points, for messages: "host[:port]/dbname" (libpq's defaults shown
 * as "default"), never the user's password. A heap string owned by the caller. */
char *pg_conninfo_label(const char *conninfo);

/* x as decimal text in the C locale (for a parameter), 17 digits so it reads back exactly. */
void pg_double_text(double x, char out[32]);

size_t pg_res_rows(const struct pg_res *res);
int pg_res_cols(const struct pg_res *res);
/* The value at row, col as text; NULL for SQL NULL. Valid until pg_res_free. */
const char *pg_res_get(const struct pg_res *res, size_t row, int col);
/* A heap copy of the value (owned by the caller), NULL for SQL NULL. */
char *pg_res_dup(const struct pg_res *res, size_t row, int col);
/* The value parsed as an int/double/bool; def for NULL or unparsable text. */
int pg_res_int(const struct pg_res *res, size_t row, int col, int def);
double pg_res_double(const struct pg_res *res, size_t row, int col, double def);
bool pg_res_bool(const struct pg_res *res, size_t row, int col, bool def);
void pg_res_free(struct pg_res *res);

#endif

/* pg: the libpq connection, its session set-up, queries and error mapping. Keeps every
 * PGconn and PGresult inside this file. */
#include "db/pg.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/log.h"
#include "core/mem.h"

struct pg {
    PGconn *conn;
    char *conninfo;
    int connect_timeout_s;
    int statement_timeout_ms;
    int answer_timeout_ms;
    bool is_pooled;    /* behind a transaction-mode pooler: no session state */
    char *act_as_email; /* pg_options.act_as_email, or NULL */
    bool is_parked;    /* closed for idleness: the next statement reconnects */
    int64_t last_used_ms;
    pg_on_connect_fn on_connect;
    void *on_connect_ud;
    bool is_busy;      /* pg_send'ed, not fully received */
    PGresult *pending; /* the result received so far of the statement in flight */
    char errmsg[1024];
    char sqlstate[6];
};

struct pg_res {
    PGresult *r;
};

/* --- lifecycle --------------------------------------------------------------------------- */

struct pg *pg_new(const struct pg_options *opt)
{
    struct pg *pg = xcalloc(1, sizeof *pg);
    pg->conninfo = xstrdup(opt->conninfo ? opt->conninfo : "");
    pg->connect_timeout_s = opt->connect_timeout_s;
    pg->statement_timeout_ms = opt->statement_timeout_ms;
    pg->answer_timeout_ms = opt->answer_timeout_ms;
    pg->is_pooled = opt->is_pooled;
    pg->act_as_email = opt->act_as_email && *opt->act_as_email ? xstrdup(opt->act_as_email) : NULL;
    if (pg->answer_timeout_ms <= 0)
        pg->answer_timeout_ms =
            opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms + 5000 : 30000;
    return pg;
}

static void pg_close(struct pg *pg)
{
    pg->is_parked = false;
    if (pg->conn)
        PQfinish(pg->conn);
    pg->conn = NULL;
    pg->is_busy = false;
    PQclear(pg->pending);
    pg->pending = NULL;
}

void pg_free(struct pg *pg)
{
    if (!pg)
        return;
    pg_close(pg);
    free(pg->conninfo);
    free(pg->act_as_email);
    free(pg);
}

/* --- errors ------------------------------------------------------------------------------ */

void pg_set_errmsg(struct pg *pg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pg->errmsg, sizeof pg->errmsg, fmt, ap);
    va_end(ap);
}

const char *pg_errmsg(const struct pg *pg)
{
    return pg->errmsg;
}

const char *pg_sqlstate(const struct pg *pg)
{
    return pg->sqlstate;
}

/* libpq messages end with a newline and may span lines; the status line wants one line, so
 * every run of whitespace becomes one space. */
static void one_line(char *s)
{
    char *w = s;
    bool is_space_run = false;
    for (const char *r = s; *r; r++) {
        bool is_space = *r == '\n' || *r == '\t' || *r == ' ' || *r == '\r';
        if (is_space && (is_space_run || w == s))
            continue;
        is_space_run = is_space;
        *w++ = is_space ? ' ' : *r;
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

static void set_conn_error(struct pg *pg, const char *what)
{
    char detail[768];
    snprintf(detail, sizeof detail, "%s", pg->conn ? PQerrorMessage(pg->conn) : "");
    one_line(detail);
    pg->sqlstate[0] = '\0';
    pg_set_errmsg(pg, "%s: %s (is PostgreSQL running? `make run` starts the private one)", what,
                  *detail ? detail : "no connection");
}

static enum err map_sqlstate(const char *st)
{
    static const struct {
        const char *code; /* full SQLSTATE or a two-character class */
        enum err e;
    } map[] = {
        {"42P01", ERR_SCHEMA},     /* undefined_table */
        {"42883", ERR_SCHEMA},     /* undefined_function */
        {"3F000", ERR_SCHEMA},     /* invalid_schema_name */
        {"42704", ERR_SCHEMA},     /* undefined_object (e.g. type vector) */
        {"42501", ERR_PERMISSION}, /* insufficient_privilege, RLS refusals */
        {"CC001", ERR_DIM_MISMATCH},
        {"CC002", ERR_TIME_UP},    /* an assessment attempt past its deadline */
        {"CC003", ERR_CLOSED},     /* already submitted, passed, or no attempts left */
        {"23505", ERR_EXISTS},
        {"P0002", ERR_NOT_FOUND},
        {"57014", ERR_TIMEOUT},
        {"55P03", ERR_TIMEOUT}, /* lock_not_available */
        {"23", ERR_INVALID},    /* integrity constraint violations */
        {"22", ERR_INVALID},    /* data exceptions */
        {"08", ERR_DB_DOWN},
        {"57P", ERR_DB_DOWN}, /* admin/crash shutdown, cannot connect now */
        {"28", ERR_PERMISSION}, /* invalid authorization */
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(st, map[i].code, strlen(map[i].code)) == 0)
            return map[i].e;
    return ERR_DB;
}

/* Records a failed result's message and returns its error code. */
static enum err result_error(struct pg *pg, const PGresult *r, bool with_context)
{
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        set_conn_error(pg, "the connection to the database was lost");
        return ERR_DB_DOWN;
    }
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
    const char *context = r && with_context ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    snprintf(pg->sqlstate, sizeof pg->sqlstate, "%s", st ? st : "");
    if (!msg) {
        snprintf(pg->errmsg, sizeof pg->errmsg, "%s", PQerrorMessage(pg->conn));
        one_line(pg->errmsg);
        return ERR_DB;
    }
    enum err e = map_sqlstate(pg->sqlstate);
    if (e == ERR_SCHEMA && !with_context)
        pg_set_errmsg(pg, "the database is not set up: run cca migrate (%s)", msg);
    else
        pg_set_errmsg(pg, "%s%s%s%s%s%s%s", msg, detail ? "; " : "", detail ? detail : "",
                      hint ? "; hint: " : "", hint ? hint : "", context ? "; where: " : "",
                      context ? context : "");
    one_line(pg->errmsg);
    return e;
}

/* --- connection -------------------------------------------------------------------------- */

/* Server notices (e.g. "already exists, skipping") go to the log, never to the terminal. */
static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[512];
    snprintf(line, sizeof line, "%s", message);
    one_line(line);
    log_debug("postgres: %s", line);
}

bool pg_is_connected(const struct pg *pg)
{
    return pg->is_parked || (pg->conn && PQstatus(pg->conn) == CONNECTION_OK);
}

void pg_set_on_connect(struct pg *pg, pg_on_connect_fn fn, void *userdata)
{
    pg->on_connect = fn;
    pg->on_connect_ud = userdata;
}

static int64_t mono_ms(void);

bool pg_park(struct pg *pg)
{
    if (pg->is_parked)
        return true;
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK || pg->is_busy ||
        PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
        return false;
    pg_close(pg);
    pg->is_parked = true;
    return true;
}

bool pg_is_parked(const struct pg *pg)
{
    return pg->is_parked;
}

int64_t pg_idle_ms(const struct pg *pg)
{
    return pg->last_used_ms ? mono_ms() - pg->last_used_ms : 0;
}

static enum err session_setup(struct pg *pg);

enum err pg_connect(struct pg *pg)
{
    pg_close(pg);
    pg->errmsg[0] = '\0';
    pg->sqlstate[0] = '\0';

    char timeout[16] = "";
    if (pg->connect_timeout_s > 0)
        snprintf(timeout, sizeof timeout, "%d", pg->connect_timeout_s);
    /* Later keywords override what the conninfo (expanded from dbname) says; the fallback
     * application name applies only when the conninfo sets none. */
    /* TCP keepalives notice a peer that vanished (ignored on Unix sockets); the answer timeout
     * below notices a server that is there but does not answer. */
    const char *const keys[] = {"dbname", "connect_timeout", "fallback_application_name",
                                "client_encoding", "keepalives", "keepalives_idle",
                                "keepalives_interval", "keepalives_count", NULL};
    const char *const vals[] = {pg->conninfo, timeout, "cca", "UTF8", "1", "10", "5", "3", NULL};
    pg->conn = PQconnectdbParams(keys, vals, 1);
    if (!pg->conn) {
        pg_set_errmsg(pg, "cannot connect to the database: out of memory");
        return ERR_DB_DOWN;
    }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        set_conn_error(pg, "cannot connect to the database");
        pg_close(pg);
        return ERR_DB_DOWN;
    }
    PQsetNoticeProcessor(pg->conn, notice_to_log, NULL);
    pg->last_used_ms = mono_ms();

    enum err e = ERR_OK;
    /* Behind a transaction-mode pooler a session setting would stay on the server connection
     * (for the next client of the same role) or be missing on the next one: the database's
     * own defaults (ALTER DATABASE/ROLE ... SET search_path, statement_timeout) apply there
     * at every server connection instead (docs/scaleout.md). */
    if (!pg->is_pooled)
        e = session_setup(pg);
    if (e == ERR_OK && pg->on_connect)
        e = pg->on_connect(pg, pg->on_connect_ud);
    if (e != ERR_OK) {
        char msg[sizeof pg->errmsg];
        snprintf(msg, sizeof msg, "%s", pg->errmsg);
        pg_close(pg);
        snprintf(pg->errmsg, sizeof pg->errmsg, "%s", msg);
        return e;
    }
    return ERR_OK;
}

/* The session settings, and with act_as_email the person's role: one statement, one round
 * trip (a new connection is the first thing every `cca` command waits for). The role is set
 * only after the checks SET ROLE would make, so each failure has its own message. */
#define SESSION_SETTINGS                                                                           \
    "set_config('statement_timeout', $1, false),"                                                  \
    " set_config('search_path', 'public, ' || coalesce(("                                          \
    "  SELECT quote_ident(n.nspname) || ', ' FROM pg_extension x"                                  \
    "  JOIN pg_namespace n ON n.oid = x.extnamespace"                                              \
    "  WHERE x.extname IN ('vector', 'cca_vector')"                                                \
    "    AND n.nspname NOT IN ('public', 'pg_catalog')"                                            \
    "  ORDER BY x.extname = 'vector' DESC LIMIT 1), '') || 'pg_temp', false)"

static enum err session_setup(struct pg *pg)
{
    char stmt_timeout[16];
    snprintf(stmt_timeout, sizeof stmt_timeout, "%d",
             pg->statement_timeout_ms > 0 ? pg->statement_timeout_ms : 0);
    const char *params[] = {stmt_timeout, pg->act_as_email};
    struct pg_res *res = NULL;
    enum err e;
    if (!pg->act_as_email) {
        /* The vector extension may live in a schema of its own (a managed server's
         * "extensions"): then it follows public, so $n::vector and its operators resolve. */
        e = pg_exec(pg, "SELECT " SESSION_SETTINGS, 1, params, NULL);
    } else {
        e = pg_exec(pg,
                    "SELECT " SESSION_SETTINGS ", r.role,"
                    " CASE WHEN r.role IS NULL THEN 'no user'"
                    "  WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles g"
                    "                   WHERE g.rolname = r.role) THEN 'no role'"
                    "  WHEN NOT pg_catalog.pg_has_role(session_user, r.role, 'MEMBER')"
                    "   THEN 'not a member'"
                    "  ELSE pg_catalog.set_config('role', r.role, false) END"
                    " FROM (SELECT public.cca_role_for_email($2) AS role) r",
                    2, params, &res);
        if (e == ERR_PERMISSION) {
            pg_set_errmsg(pg, "cannot act as %s: only a connection allowed to act as other "
                              "users (the demo role cca_demo) may use --user; connect as your "
                              "own role instead",
                          pg->act_as_email);
            return e;
        }
    }
    if (e != ERR_OK) {
        pg_res_free(res);
        log_error("session set-up failed: %s", pg->errmsg);
        return e == ERR_DB_DOWN ? e : ERR_DB;
    }
    if (pg->act_as_email) {
        const char *role = pg_res_get(res, 0, 2);
        const char *set = pg_res_get(res, 0, 3);
        if (!role) {
            pg_set_errmsg(pg, "no user with email %s (see cca user list)", pg->act_as_email);
            e = ERR_NOT_FOUND;
        } else if (set && strcmp(set, "no role") == 0) {
            pg_set_errmsg(pg, "the database role %s of %s does not exist (recreate the user "
                              "with cca user add)",
                          role, pg->act_as_email);
            e = ERR_NOT_FOUND;
        } else if (set && strcmp(set, "not a member") == 0) {
            pg_set_errmsg(pg, "not allowed to act as %s: the connecting role is not a member of "
                              "its database role %s",
                          pg->act_as_email, role);
            e = ERR_PERMISSION;
        }
        pg_res_free(res);
    }
    return e;
}

/* --- queries ----------------------------------------------------------------------------- */

static enum err check_conn(struct pg *pg)
{
    if (pg->is_parked) {
        /* Closed for idleness: reconnect silently; a failure is reported like any other. */
        enum err e = pg_connect(pg);
        if (e != ERR_OK)
            log_warn("reconnect after idle disconnect failed: %s", pg->errmsg);
        else
            log_debug("reconnected after idle disconnect");
        return e;
    }
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
        return ERR_OK;
    set_conn_error(pg, "not connected to the database");
    return ERR_DB_DOWN;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Gives up on a server that does not answer: tries to cancel, then drops the connection. */
static enum err hung(struct pg *pg)
{
    int waited = pg->answer_timeout_ms;
    pg_abandon(pg);
    pg_set_errmsg(pg, "the database did not answer within %d s (the server may be hung or "
                      "overloaded); CCA will reconnect",
                  (waited + 999) / 1000);
    return ERR_DB_DOWN;
}

/* PQexecParams, but waiting at most answer_timeout_ms for the server: PQexec itself would wait
 * forever for a stopped backend. *out gets the last result (NULL on a broken connection). */
static enum err exec_bounded(struct pg *pg, const char *sql, int nparams,
                             const char *const *params, const int *lengths, const int *formats,
                             PGresult **out)
{
    *out = NULL;
    if (!PQsendQueryParams(pg->conn, sql, nparams, NULL, params, lengths, formats, 0)) {
        *out = NULL;
        return result_error(pg, NULL, false);
    }
    int64_t deadline = mono_ms() + pg->answer_timeout_ms;
    while (PQflush(pg->conn) == 1) {
        struct pollfd p = {.fd = PQsocket(pg->conn), .events = POLLOUT | POLLIN};
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return hung(pg);
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            break;
        if (p.revents & POLLIN)
            PQconsumeInput(pg->conn);
    }
    PGresult *last = NULL;
    for (;;) {
        while (PQisBusy(pg->conn)) {
            struct pollfd p = {.fd = PQsocket(pg->conn), .events = POLLIN};
            int64_t left = deadline - mono_ms();
            if (left <= 0) {
                PQclear(last);
                return hung(pg);
            }
            int n = poll(&p, 1, (int)left);
            if (n < 0 && errno != EINTR)
                break;
            if (n > 0 && !PQconsumeInput(pg->conn))
                break;
        }
        PGresult *r = PQgetResult(pg->conn);
        if (!r)
            break;
        PQclear(last);
        last = r;
    }
    *out = last;
    pg->last_used_ms = mono_ms();
    return ERR_OK;
}

enum err pg_exec(struct pg *pg, const char *sql, int nparams, const char *const *params,
                 struct pg_res **out)
{
    return pg_exec_bin(pg, sql, nparams, params, NULL, NULL, out);
}

enum err pg_exec_bin(struct pg *pg, const char *sql, int nparams, const char *const *params,
                     const int *lengths, const int *formats, struct pg_res **out)
{
    if (out)
        *out = NULL;
    enum err e = check_conn(pg);
    if (e != ERR_OK)
        return e;
    if (pg->is_busy) {
        pg_set_errmsg(pg, "internal: a query is already in flight on this connection");
        return ERR_BUSY;
    }
    PGresult *r = NULL;
    e = exec_bounded(pg, sql, nparams, params, lengths, formats, &r);
    if (e != ERR_OK)
        return e;
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        e = result_error(pg, r, false);
        PQclear(r);
        return e;
    }
    pg->errmsg[0] = '\0';
    pg->sqlstate[0] = '\0';
    if (out) {
        *out = xmalloc(sizeof **out);
        (*out)->r = r;
    } else {
        PQclear(r);
    }
    return ERR_OK;
}

/* The 1-based line of byte offset pos (1-based, in characters as the server counts them). */
static int line_of(const char *sql, long pos)
{
    int line = 1;
    long chars = 0;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars >= pos)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

enum err pg_exec_script(struct pg *pg, const char *sql, int *error_line)
{
    if (error_line)
        *error_line = 0;
    enum err e = check_conn(pg);
    if (e != ERR_OK)
        return e;
    /* PQexec runs every statement of the string and returns the last result, or the first
     * error (execution stops there). */
    PGresult *r = PQexec(pg->conn, sql);
    pg->last_used_ms = mono_ms();
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) {
        PQclear(r);
        pg->errmsg[0] = '\0';
        pg->sqlstate[0] = '\0';
        return ERR_OK;
    }
    e = result_error(pg, r, true);
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    if (pos && error_line) {
        char *end = NULL;
        errno = 0;
        long p = strtol(pos, &end, 10);
        if (errno == 0 && end != pos && *end == '\0' && p > 0)
            *error_line = line_of(sql, p);
    }
    PQclear(r);
    return e;
}

/* --- asynchronous ------------------------------------------------------------------------ */

enum err pg_send(struct pg *pg, const char *sql, int nparams, const char *const *params)
{
    enum err e = check_conn(pg);
    if (e != ERR_OK)
        return e;
    if (pg->is_busy) {
        pg_set_errmsg(pg, "internal: a query is already in flight on this connection");
        return ERR_BUSY;
    }
    if (!PQsendQueryParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0))
        return result_error(pg, NULL, false);
    /* Statements are small: flush now rather than watching for writability. */
    while (PQflush(pg->conn) == 1) {
        struct pollfd p = {.fd = PQsocket(pg->conn), .events = POLLOUT};
        if (poll(&p, 1, 1000) <= 0)
            break;
    }
    pg->is_busy = true;
    return ERR_OK;
}

int pg_socket(const struct pg *pg)
{
    return pg->conn ? PQsocket(pg->conn) : -1;
}

bool pg_is_busy(const struct pg *pg)
{
    return pg->is_busy;
}

enum err pg_receive(struct pg *pg, bool *is_done, struct pg_res **out)
{
    *is_done = false;
    if (out)
        *out = NULL;
    if (!pg->conn || !pg->is_busy) {
        *is_done = true;
        set_conn_error(pg, "not connected to the database");
        return ERR_DB_DOWN;
    }
    if (!PQconsumeInput(pg->conn)) {
        *is_done = true;
        pg->is_busy = false;
        return result_error(pg, NULL, false);
    }
    while (!PQisBusy(pg->conn)) {
        PGresult *r = PQgetResult(pg->conn);
        if (!r) {
            *is_done = true;
            break;
        }
        PQclear(pg->pending);
        pg->pending = r;
    }
    if (!*is_done)
        return ERR_OK;
    PGresult *last = pg->pending;
    pg->pending = NULL;
    pg->is_busy = false;
    pg->last_used_ms = mono_ms();
    ExecStatusType st = last ? PQresultStatus(last) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        enum err e = result_error(pg, last, false);
        PQclear(last);
        return e;
    }
    pg->errmsg[0] = '\0';
    pg->sqlstate[0] = '\0';
    if (out) {
        *out = xmalloc(sizeof **out);
        (*out)->r = last;
    } else {
        PQclear(last);
    }
    return ERR_OK;
}

void pg_abandon(struct pg *pg)
{
    if (!pg->conn)
        return;
    PGcancel *c = PQgetCancel(pg->conn);
    if (c) {
        char buf[256];
        PQcancel(c, buf, sizeof buf);
        PQfreeCancel(c);
    }
    pg_close(pg);
}

enum err pg_begin(struct pg *pg)
{
    return pg_exec(pg, "BEGIN", 0, NULL, NULL);
}

enum err pg_commit(struct pg *pg)
{
    return pg_exec(pg, "COMMIT", 0, NULL, NULL);
}

void pg_rollback(struct pg *pg)
{
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK ||
        PQtransactionStatus(pg->conn) == PQTRANS_IDLE)
        return;
    PGresult *r = PQexec(pg->conn, "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        log_warn("ROLLBACK failed: %s", PQerrorMessage(pg->conn));
    PQclear(r);
}

char *pg_quote_ident(struct pg *pg, const char *ident)
{
    if (check_conn(pg) != ERR_OK)
        return NULL;
    char *q = PQescapeIdentifier(pg->conn, ident, strlen(ident));
    if (!q) {
        snprintf(pg->errmsg, sizeof pg->errmsg, "%s", PQerrorMessage(pg->conn));
        one_line(pg->errmsg);
        return NULL;
    }
    char *copy = xstrdup(q);
    PQfreemem(q);
    return copy;
}

char *pg_conninfo_label(const char *conninfo)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &err);
    if (!opts) {
        PQfreemem(err);
        return xstrdup("(an unreadable connection string)");
    }
    const char *host = NULL, *port = NULL, *db = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0 || (!host && strcmp(o->keyword, "hostaddr") == 0))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
    }
    char *label = xasprintf("%s%s%s/%s", host ? host : "default", port ? ":" : "",
                            port ? port : "", db ? db : "default");
    PQconninfoFree(opts);
    return label;
}

void pg_double_text(double x, char out[32])
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    snprintf(out, 32, "%.17g", x);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
}

/* --- results ----------------------------------------------------------------------------- */

size_t pg_res_rows(const struct pg_res *res)
{
    int n = res ? PQntuples(res->r) : 0;
    return n > 0 ? (size_t)n : 0;
}

int pg_res_cols(const struct pg_res *res)
{
    return res && res->r ? PQnfields(res->r) : 0;
}

const char *pg_res_get(const struct pg_res *res, size_t row, int col)
{
    if (!res || row >= pg_res_rows(res) || col < 0 || col >= PQnfields(res->r))
        return NULL;
    if (PQgetisnull(res->r, (int)row, col))
        return NULL;
    return PQgetvalue(res->r, (int)row, col);
}

char *pg_res_dup(const struct pg_res *res, size_t row, int col)
{
    const char *v = pg_res_get(res, row, col);
    return v ? xstrdup(v) : NULL;
}

int pg_res_int(const struct pg_res *res, size_t row, int col, int def)
{
    const char *v = pg_res_get(res, row, col);
    if (!v)
        return def;
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < INT_MIN || x > INT_MAX)
        return def;
    return (int)x;
}

double pg_res_double(const struct pg_res *res, size_t row, int col, double def)
{
    const char *v = pg_res_get(res, row, col);
    if (!v)
        return def;
    /* The server always writes a decimal point; the process locale may expect a comma. */
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    if (end == v || *end)
        return def;
    return x;
}

bool pg_res_bool(const struct pg_res *res, size_t row, int col, bool def)
{
    const char *v = pg_res_get(res, row, col);
    if (!v)
        return def;
    return v[0] == 't';
}

void pg_res_free(struct pg_res *res)
{
    if (!res)
        return;
    PQclear(res->r);
    free(res);
}

/* pg_store: core/store.h over PostgreSQL. Holds the SQL text and the mapping from rows to
 * core structs; the connection, errors and libpq itself live in db/pg.c. Every value travels
 * as a query parameter; vectors in the binary send format (db/vector_text.h) cast with
 * $n::vector. */
#include "db/pg_store.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/loop.h"
#include "core/store.h"
#include "core/store_replica.h"
#include "db/migrate.h"
#include "db/pg_call.h"
#include "db/pg.h"
#include "db/vector_text.h"

/* A store call queued or in flight on the calls connection. */
struct pg_call {
    struct store_call base; /* first */
    struct pg_call *next;
    char *sql;
    int nparams;
    char **params;
    store_reply_fn fn;
    void *userdata;
    bool is_read;            /* read only: a replica may serve it (pg_store_call_read) */
    struct replica *replica; /* the replica it is in flight on; NULL: the primary */
};

/* One replica of [database] replica_url. */
struct replica {
    struct pg *pg;
    int64_t retry_ms; /* monotonic: do not try it again before this */
    struct store_replica_state state;
};

/* What a replica read returns, for read-your-writes: retrieval reads content; the screens
 * (dashboards, reports) read everything a person does, their questions included. */
enum read_kind { READ_RETRIEVAL, READ_SCREEN, READ_KIND_COUNT };

/* The primary's WAL position a replica read of one kind must have reached. */
struct barrier {
    char *lsn;     /* NULL: nothing written since the store was opened */
    bool is_stale; /* written since lsn was taken */
};

struct pg_store {
    struct store base; /* first: a struct store * is a struct pg_store * */
    struct pg *pg;
    char *act_as_email; /* NULL: stay the connecting role */
    struct pg_options options;
    /* Screen calls: a connection of their own, driven by the loop, one statement at a time. */
    struct loop *loop;
    struct pg *calls_pg;
    struct pg_call *head, *tail; /* head is in flight when inflight is set */
    struct pg *inflight;         /* calls_pg or a replica's connection; NULL: none */
    bool is_head_cancelled;
    int watched_fd;
    uint64_t answer_timer;
    /* Idle disconnect (with a loop attached): connections unused this long are parked. */
    int idle_disconnect_ms;
    uint64_t idle_timer;
    /* Streaming replicas for retrieval, dashboard and report reads (none: all on pg). */
    struct replica *replicas;
    size_t replica_count;
    size_t replica_next; /* round robin: the first one the next read tries */
    int replica_max_lag_s;
    struct store_replica_state rstate; /* all replicas: counters, why the last read did not */
    struct barrier barriers[READ_KIND_COUNT];
};

static struct pg_store *impl(struct store *s)
{
    return (struct pg_store *)s;
}

/* Passages per INSERT statement in doc_replace (4 parameters each). */
#define PASSAGE_BATCH 200

/* --- helpers ----------------------------------------------------------------------------- */

static void int_text(int x, char out[16])
{
    snprintf(out, 16, "%d", x);
}

/* A text[] literal for PostgreSQL ({"a","b\"c"}), or NULL for no filter. Heap, caller frees. */
static char *text_array_literal(const char *const *items, size_t count)
{
    if (!items || count == 0)
        return NULL;
    struct buf b;
    buf_init(&b, 1 << 20);
    enum err e = buf_append_char(&b, '{');
    for (size_t i = 0; e == ERR_OK && i < count; i++) {
        if (i)
            e = buf_append_char(&b, ',');
        if (e == ERR_OK)
            e = buf_append_char(&b, '"');
        for (const char *p = items[i] ? items[i] : ""; e == ERR_OK && *p; p++) {
            if (*p == '"' || *p == '\\')
                e = buf_append_char(&b, '\\');
            if (e == ERR_OK)
                e = buf_append_char(&b, *p);
        }
        if (e == ERR_OK)
            e = buf_append_char(&b, '"');
    }
    if (e == ERR_OK)
        e = buf_append_char(&b, '}');
    if (e != ERR_OK) {
        buf_cleanup(&b);
        return xstrdup("{}");
    }
    return buf_detach(&b);
}

#define STORE_WINDOW_TEXT STORE_STR(STORE_CONVERSATION_WINDOW)
#define STORE_STR(x) STORE_STR2(x)
#define STORE_STR2(x) #x

/* An ISO 8601 UTC timestamp expression for a timestamptz column. */
#define ISO_TS(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* --- connection and identity ------------------------------------------------------------- */

/* A connection with the store's options: with --user it acts as that person (pg_options'
 * act_as_email: the role is set in the session set-up's round trip). */
static struct pg *new_conn(struct pg_store *s, const struct pg_options *o)
{
    (void)s;
    return pg_new(o);
}

static enum err pgs_connect(struct pg_store *s)
{
    return pg_connect(s->pg);
}

static void calls_drop_all(struct pg_store *s);

static void pgs_free(struct store *st)
{
    struct pg_store *s = impl(st);
    calls_drop_all(s);
    if (s->loop && s->idle_timer)
        loop_timer_cancel(s->loop, s->idle_timer);
    pg_free(s->calls_pg);
    for (size_t i = 0; i < s->replica_count; i++)
        pg_free(s->replicas[i].pg);
    free(s->replicas);
    pg_free(s->pg);
    for (int k = 0; k < READ_KIND_COUNT; k++)
        free(s->barriers[k].lsn);
    free((char *)s->options.conninfo);
    free(s->act_as_email);
    free(s);
}

static const char *pgs_errmsg(const struct store *st)
{
    return pg_errmsg(((const struct pg_store *)st)->pg);
}

static bool pgs_is_connected(struct store *st)
{
    return pg_is_connected(impl(st)->pg);
}

static enum err pgs_reconnect(struct store *st)
{
    return pgs_connect(impl(st));
}

static void user_from_row(const struct pg_res *res, size_t row, struct store_user *u)
{
    u->id = pg_res_dup(res, row, 0);
    u->email = pg_res_dup(res, row, 1);
    u->name = pg_res_dup(res, row, 2);
    u->role = pg_res_dup(res, row, 3);
    u->department = pg_res_dup(res, row, 4);
    u->db_role = pg_res_dup(res, row, 5);
}

static enum err pgs_whoami(struct store *st, struct store_user *out)
{
    struct pg *pg = impl(st)->pg;
    *out = (struct store_user){0};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg,
                         "SELECT w.id, w.email, w.name, w.role, w.department, w.db_role,"
                         " current_user::text FROM (SELECT 1) one"
                         " LEFT JOIN cca_whoami() w ON true",
                         0, NULL, &res);
    if (e != ERR_OK)
        return e;
    if (!pg_res_get(res, 0, 0)) {
        pg_set_errmsg(pg, "the database role %s is not linked to any CCA user (use --user EMAIL "
                          "or connect as your own role)",
                      pg_res_get(res, 0, 6) ? pg_res_get(res, 0, 6) : "?");
        e = ERR_NOT_FOUND;
    } else {
        user_from_row(res, 0, out);
    }
    pg_res_free(res);
    return e;
}

/* --- read replicas ----------------------------------------------------------------------- */

/* After a failure a replica is not tried again for this long. */
#define REPLICA_RETRY_MS 30000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Something this store did on the primary may have written what a replica read returns: the
 * next replica read first takes the primary's WAL position as its barrier. The chat's own
 * messages (message_begin/finish) count for the screens only: retrieval never reads them,
 * and history is always read from the primary. */
static void wrote(struct pg_store *s)
{
    s->barriers[READ_RETRIEVAL].is_stale = true;
    s->barriers[READ_SCREEN].is_stale = true;
}

static void wrote_chat(struct pg_store *s)
{
    s->barriers[READ_SCREEN].is_stale = true;
}

static void why_set(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

#define REPLICA_WHY(r, ...) why_set((r)->state.why, sizeof (r)->state.why, __VA_ARGS__)

static void replica_back_off(struct replica *r, const char *what, const char *msg)
{
    REPLICA_WHY(r, "%s (%s); retrying it in %d s", what, msg, REPLICA_RETRY_MS / 1000);
    log_warn("replica %s: %s", r->state.name, r->state.why);
    r->state.is_usable = false;
    r->retry_ms = now_ms() + REPLICA_RETRY_MS;
}

/* A read on replica r failed: the read is retried on the primary. */
static void replica_failed(struct pg_store *s, struct replica *r, const char *msg)
{
    replica_back_off(r, "the replica failed", msg);
    r->state.reads_replica--;
    s->rstate.reads_replica--;
    s->rstate.reads_primary++;
    why_set(s->rstate.why, sizeof s->rstate.why, "%s: %s", r->state.name, r->state.why);
    pg_abandon(r->pg);
}

/* The primary's WAL position after this store's last write of what reads of kind k return
 * (NULL: nothing written since the store was opened). False when the primary does not say. */
static bool barrier_take(struct pg_store *s, enum read_kind k, const char **out)
{
    struct barrier *b = &s->barriers[k];
    /* Taken lazily, at the first replica read after a write: later than the write itself,
     * so at least as strict. */
    if (b->is_stale) {
        struct pg_res *res = NULL;
        if (pg_exec(s->pg, "SELECT pg_current_wal_insert_lsn()::text", 0, NULL, &res) != ERR_OK) {
            why_set(s->rstate.why, sizeof s->rstate.why,
                    "the primary's WAL position is unknown (%s)", pg_errmsg(s->pg));
            return false;
        }
        free(b->lsn);
        b->lsn = pg_res_dup(res, 0, 0);
        b->is_stale = false;
        pg_res_free(res);
    }
    *out = b->lsn;
    return true;
}

/* Whether replica r may serve a read now: up, in recovery, past barrier (the primary's WAL
 * position taken after this store's last write: you always read your own writes) and no
 * more than replica_max_lag_s behind (what others wrote, or you in another process, shows up
 * within that bound). */
static bool replica_ok(struct pg_store *s, struct replica *r, const char *barrier, bool force)
{
    int64_t now = now_ms();
    if (!force && now < r->retry_ms)
        return false;
    if (!pg_is_connected(r->pg) && pg_connect(r->pg) != ERR_OK) {
        replica_back_off(r, "the replica is down", pg_errmsg(r->pg));
        return false;
    }
    struct pg_res *res = NULL;
    const char *params[] = {barrier};
    enum err e = pg_exec(r->pg,
                         "SELECT pg_is_in_recovery(),"
                         " coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, $1 IS NULL),"
                         " CASE WHEN pg_last_wal_replay_lsn()"
                         " >= coalesce($1::pg_lsn, pg_last_wal_receive_lsn()) THEN 0"
                         " ELSE coalesce(extract(epoch FROM clock_timestamp()"
                         " - pg_last_xact_replay_timestamp()), -1) END::float8",
                         1, params, &res);
    if (e != ERR_OK) {
        replica_back_off(r, "the replica does not answer", pg_errmsg(r->pg));
        pg_abandon(r->pg);
        return false;
    }
    bool in_recovery = pg_res_bool(res, 0, 0, false);
    bool past_barrier = pg_res_bool(res, 0, 1, false);
    r->state.lag_s = pg_res_double(res, 0, 2, -1);
    pg_res_free(res);
    double lag = r->state.lag_s;
    bool ok = false;
    if (!in_recovery)
        REPLICA_WHY(r, "not a replica (not in recovery): not read");
    else if (!past_barrier && lag < 0)
        REPLICA_WHY(r, "the replica has not replayed your last write yet");
    else if (!past_barrier)
        REPLICA_WHY(r, "the replica has not replayed your last write yet (%.1f s behind)", lag);
    else if (lag < 0)
        REPLICA_WHY(r, "the replica's replay lag is unknown (nothing replayed since it started)");
    else if (lag > s->replica_max_lag_s)
        REPLICA_WHY(r, "the replica is %.1f s behind (replica_max_lag_s = %d)", lag,
                    s->replica_max_lag_s);
    else
        ok = true;
    if (ok)
        r->state.why[0] = '\0';
    r->state.is_usable = ok;
    return ok;
}

/* The replica a read of kind k goes to, round robin over those that may serve it now (one
 * that is busy with a screen's call is passed over); NULL: the primary, with s->rstate.why
 * saying why. */
static struct replica *replica_pick(struct pg_store *s, enum read_kind k)
{
    if (s->replica_count == 0)
        return NULL;
    const char *barrier = NULL;
    if (!barrier_take(s, k, &barrier)) {
        s->rstate.reads_primary++;
        return NULL;
    }
    struct buf why;
    buf_init(&why, 8192);
    for (size_t n = 0; n < s->replica_count; n++) {
        struct replica *r = &s->replicas[(s->replica_next + n) % s->replica_count];
        if (pg_is_busy(r->pg)) {
            REPLICA_WHY(r, "busy with another read");
        } else if (replica_ok(s, r, barrier, false)) {
            s->replica_next = (size_t)(r - s->replicas) + 1;
            r->state.reads_replica++;
            s->rstate.reads_replica++;
            s->rstate.why[0] = '\0';
            buf_cleanup(&why);
            log_debug("replica: read from %s", r->state.name);
            return r;
        }
        /* A replica waiting out its back-off keeps the reason it failed with. */
        (void)buf_printf(&why, "%s%s: %s", n ? "; " : "", r->state.name, r->state.why);
    }
    const char *text = buf_str(&why);
    if (s->replica_count == 1)
        text = s->replicas[0].state.why;
    snprintf(s->rstate.why, sizeof s->rstate.why, "%s", text);
    buf_cleanup(&why);
    s->rstate.reads_primary++;
    log_debug("replica: read from the primary: %s", s->rstate.why);
    return NULL;
}

static bool is_pg_store(const struct store *st)
{
    return st->ops->free == pgs_free;
}

size_t store_replica_count(struct store *st)
{
    return is_pg_store(st) ? impl(st)->replica_count : 0;
}

enum err store_replica_check_one(struct store *st, size_t i, struct store_replica_state *out)
{
    *out = (struct store_replica_state){.lag_s = -1};
    if (!is_pg_store(st))
        return ERR_UNSUPPORTED;
    struct pg_store *s = impl(st);
    if (i >= s->replica_count)
        return ERR_NOT_FOUND;
    struct replica *r = &s->replicas[i];
    const char *barrier = NULL;
    if (!barrier_take(s, READ_SCREEN, &barrier)) {
        *out = r->state;
        out->is_usable = false;
        snprintf(out->why, sizeof out->why, "%s", s->rstate.why);
        return ERR_OK;
    }
    if (pg_is_busy(r->pg)) {
        *out = r->state;
        return ERR_OK;
    }
    (void)replica_ok(s, r, barrier, true);
    *out = r->state;
    out->is_configured = true;
    return ERR_OK;
}

enum err store_replica_check(struct store *st, struct store_replica_state *out)
{
    *out = (struct store_replica_state){.lag_s = -1};
    if (!is_pg_store(st))
        return ERR_UNSUPPORTED;
    struct pg_store *s = impl(st);
    if (s->replica_count == 0)
        return ERR_OK;
    struct buf why;
    buf_init(&why, 8192);
    bool any = false;
    double lag = -1;
    for (size_t i = 0; i < s->replica_count; i++) {
        struct store_replica_state one;
        (void)store_replica_check_one(st, i, &one);
        if (one.is_usable) {
            any = true;
            if (lag < 0 || one.lag_s < lag)
                lag = one.lag_s;
        } else {
            (void)buf_printf(&why, "%s%s: %s", why.len ? "; " : "", one.name, one.why);
        }
    }
    *out = s->rstate;
    out->is_configured = true;
    out->is_usable = any;
    out->lag_s = lag;
    out->name[0] = '\0';
    if (any)
        out->why[0] = '\0';
    else if (s->replica_count == 1)
        snprintf(out->why, sizeof out->why, "%s", s->replicas[0].state.why);
    else
        snprintf(out->why, sizeof out->why, "%s", buf_str(&why));
    buf_cleanup(&why);
    return ERR_OK;
}

/* --- idle disconnect ---------------------------------------------------------------------- */

static void park_if_idle(struct pg_store *s, struct pg *pg)
{
    if (pg && !pg_is_parked(pg) && pg_is_connected(pg) &&
        pg_idle_ms(pg) >= s->idle_disconnect_ms && pg_park(pg))
        log_debug("idle for %d s: database connection closed until the next query",
                  s->idle_disconnect_ms / 1000);
}

static void on_idle_timer(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct pg_store *s = userdata;
    park_if_idle(s, s->pg);
    if (!s->head)
        park_if_idle(s, s->calls_pg);
    for (size_t i = 0; i < s->replica_count; i++)
        if (s->replicas[i].pg != s->inflight)
            park_if_idle(s, s->replicas[i].pg);
}

/* --- info, migrations, seed -------------------------------------------------------------- */

static enum err pgs_info(struct store *st, struct store_info *out)
{
    struct pg *pg = impl(st)->pg;
    *out = (struct store_info){0};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg,
                         "SELECT current_setting('server_version'), current_user::text,"
                         " (SELECT extversion FROM pg_extension WHERE extname = 'vector'),"
                         " (SELECT extversion FROM pg_extension WHERE extname = 'cca_vector'),"
                         " to_regclass('public.cca_settings') IS NOT NULL",
                         0, NULL, &res);
    if (e != ERR_OK)
        return e;
    out->server_version = pg_res_dup(res, 0, 0);
    out->session_role = pg_res_dup(res, 0, 1);
    const char *pgvector = pg_res_get(res, 0, 2), *fallback = pg_res_get(res, 0, 3);
    if (pgvector)
        out->vector_impl = xasprintf("pgvector %s", pgvector);
    else if (fallback)
        out->vector_impl = xasprintf("cca_vector %s (exact search)", fallback);
    else
        out->vector_impl = xstrdup("none");
    bool has_settings = pg_res_bool(res, 0, 4, false);
    pg_res_free(res);
    res = NULL;

    /* The rest is best effort: a role that may not read a table still gets the basics. */
    enum err sub = migrate_state(pg, &out->schema_version, &out->pending_migrations);
    if (sub == ERR_DB_DOWN)
        return sub;
    if (sub != ERR_OK)
        log_warn("info: migration state unavailable: %s", pg_errmsg(pg));
    if (has_settings) {
        sub = pg_exec(pg,
                      "SELECT (SELECT value FROM cca_settings WHERE key = 'embed_dim'),"
                      " (SELECT value FROM cca_settings WHERE key = 'embed_model')",
                      0, NULL, &res);
        if (sub == ERR_DB_DOWN)
            return sub;
        if (sub == ERR_OK) {
            out->embed_dim = pg_res_int(res, 0, 0, 0);
            out->embed_model = pg_res_dup(res, 0, 1);
        } else {
            log_warn("info: embedding settings unavailable: %s", pg_errmsg(pg));
        }
        pg_res_free(res);
    }
    return ERR_OK;
}

static enum err pgs_migrate(struct store *st, bool status_only, char **report)
{
    struct pg_store *s = impl(st);
    if (s->options.is_pooled && !status_only) {
        /* The migration lock is a session advisory lock: a transaction-mode pooler could hand
         * the unlock to another server connection. */
        pg_set_errmsg(s->pg, "cca migrate runs against PostgreSQL directly, not through a "
                             "pooler ([database] pooled = true): use --database with the "
                             "server's own address and CCA_DATABASE_POOLED=false");
        return ERR_UNSUPPORTED;
    }
    struct migrate_options o = {.is_status_only = status_only};
    return migrate_run_with(s->pg, &o, report);
}

enum err pg_store_migrate(struct store *st, bool status_only, bool is_no_roles, char **report)
{
    if (st->ops->free != pgs_free) {
        *report = NULL;
        return ERR_UNSUPPORTED;
    }
    struct pg_store *s = impl(st);
    if (s->options.is_pooled && !status_only)
        return pgs_migrate(st, status_only, report);
    struct migrate_options o = {.is_status_only = status_only, .is_no_roles = is_no_roles};
    return migrate_run_with(s->pg, &o, report);
}

static enum err pgs_seed(struct store *st, char **report)
{
    wrote(impl(st));
    return migrate_seed(impl(st)->pg, report);
}

static enum err pgs_set_embed_meta(struct store *st, int dim, const char *model)
{
    wrote(impl(st));
    char d[16];
    int_text(dim, d);
    const char *params[] = {d, model};
    return pg_exec(impl(st)->pg, "SELECT cca_set_embed_meta($1::int, $2)", 2, params, NULL);
}

/* --- retrieval --------------------------------------------------------------------------- */

/* Rows of (passage_id, content_id, title, content_type, source_path, heading, body, score,
 * audience, review_due). */
static void passages_from_rows(const struct pg_res *res, bool is_vector, struct store_passage **out,
                               size_t *out_count)
{
    size_t n = pg_res_rows(res);
    struct store_passage *p = xcalloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        p[i].passage_id = pg_res_dup(res, i, 0);
        p[i].content_id = pg_res_dup(res, i, 1);
        p[i].title = pg_res_dup(res, i, 2);
        p[i].content_type = pg_res_dup(res, i, 3);
        p[i].source_path = pg_res_dup(res, i, 4);
        p[i].heading = pg_res_dup(res, i, 5);
        p[i].text = pg_res_dup(res, i, 6);
        if (!p[i].text)
            p[i].text = xstrdup("");
        double score = pg_res_double(res, i, 7, 0);
        p[i].vector_score = is_vector ? score : -1;
        p[i].fts_score = is_vector ? -1 : score;
        p[i].vector_rank = is_vector ? (int)i + 1 : 0;
        p[i].fts_rank = is_vector ? 0 : (int)i + 1;
        p[i].audience = pg_res_dup(res, i, 8);
        const char *due = pg_res_get(res, i, 9);
        p[i].is_due_for_review = due && due[0] == 't';
    }
    *out = p;
    *out_count = n;
}

static enum err match_passages_on(struct pg *pg, const float *query, int dim,
                                   double threshold, int count, const char *const *types,
                                   size_t type_count, struct store_passage **out,
                                   size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (count <= 0)
        return ERR_OK;
    char *vec = NULL;
    int vec_len = 0;
    if (dim <= 0 || vector_bin_encode(query, (size_t)dim, &vec, &vec_len) != ERR_OK) {
        pg_set_errmsg(pg, "the query embedding is empty or not finite");
        return ERR_INVALID;
    }
    char thr[32], cnt[16];
    pg_double_text(threshold, thr);
    int_text(count, cnt);
    char *typ = text_array_literal(types, type_count);
    const char *params[] = {vec, thr, cnt, typ};
    const int lengths[] = {vec_len, 0, 0, 0};
    const int formats[] = {1, 0, 0, 0};
    struct pg_res *res = NULL;
    enum err e = pg_exec_bin(pg,
                         "SELECT passage_id, content_id, title, content_type, source_path,"
                         " heading, body, similarity, audience, review_due"
                         " FROM match_passages($1::vector, $2::float8, $3::int, $4::text[])",
                         4, params, lengths, formats, &res);
    if (e == ERR_OK)
        passages_from_rows(res, true, out, out_count);
    pg_res_free(res);
    free(typ);
    free(vec);
    return e;
}

static enum err search_passages_on(struct pg *pg, const char *query,
                                    const char *const *types, size_t type_count, int count,
                                    struct store_passage **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (count <= 0)
        return ERR_OK;
    char cnt[16];
    int_text(count, cnt);
    char *typ = text_array_literal(types, type_count);
    const char *params[] = {query ? query : "", typ, cnt};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg,
                         "SELECT passage_id, content_id, title, content_type, source_path,"
                         " heading, body, relevance_score, audience, review_due"
                         " FROM search_passages($1, $2::text[], $3::int)",
                         3, params, &res);
    if (e == ERR_OK)
        passages_from_rows(res, false, out, out_count);
    pg_res_free(res);
    free(typ);
    return e;
}

static enum err term_stats_on(struct pg *pg, const char *const *words, size_t count,
                               double *df, double *total)
{
    *total = 0;
    for (size_t i = 0; i < count; i++)
        df[i] = -1;
    if (count == 0)
        return ERR_OK;
    char *arr = text_array_literal(words, count);
    const char *params[] = {arr};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg, "SELECT ord, df, n FROM passage_term_stats($1::text[])", 1, params,
                         &res);
    if (e == ERR_OK) {
        for (size_t r = 0; r < pg_res_rows(res); r++) {
            double ord = pg_res_double(res, r, 0, 0);
            if (ord >= 1 && ord <= (double)count)
                df[(size_t)ord - 1] = pg_res_double(res, r, 1, -1);
            *total = pg_res_double(res, r, 2, 0);
        }
    }
    pg_res_free(res);
    free(arr);
    return e;
}

static enum err passages_readable_on(struct pg *pg, const char *const *passage_ids,
                                      size_t count, bool *readable)
{
    if (count == 0)
        return ERR_OK;
    char *arr = text_array_literal(passage_ids, count);
    const char *params[] = {arr};
    struct pg_res *res = NULL;
    /* As the caller: row-level security answers. */
    enum err e = pg_exec(pg, "SELECT id FROM content_passages WHERE id = ANY ($1::text[])", 1,
                         params, &res);
    if (e == ERR_OK) {
        for (size_t r = 0; r < pg_res_rows(res); r++) {
            const char *id = pg_res_get(res, r, 0);
            for (size_t i = 0; id && i < count; i++)
                if (passage_ids[i] && strcmp(passage_ids[i], id) == 0)
                    readable[i] = true;
        }
    }
    pg_res_free(res);
    free(arr);
    return e;
}

/* Retrieval reads go to the replica when it may serve them (read_pg); any failure there is
 * retried once on the primary, which then gives the answer or the error. */
#define ON_READ_PG(s, call)                                                                        \
    do {                                                                                           \
        struct replica *r_ = replica_pick(s, READ_RETRIEVAL);                                      \
        struct pg *pg = r_ ? r_->pg : (s)->pg;                                                     \
        e = call;                                                                                  \
        if (e != ERR_OK && r_) {                                                                   \
            replica_failed(s, r_, pg_errmsg(r_->pg));                                              \
            pg = (s)->pg;                                                                          \
            e = call;                                                                              \
        }                                                                                          \
    } while (0)

static enum err pgs_match_passages(struct store *st, const float *query, int dim,
                                   double threshold, int count, const char *const *types,
                                   size_t type_count, struct store_passage **out,
                                   size_t *out_count)
{
    enum err e;
    ON_READ_PG(impl(st), match_passages_on(pg, query, dim, threshold, count, types, type_count,
                                           out, out_count));
    return e;
}

static enum err pgs_search_passages(struct store *st, const char *query,
                                    const char *const *types, size_t type_count, int count,
                                    struct store_passage **out, size_t *out_count)
{
    enum err e;
    ON_READ_PG(impl(st),
               search_passages_on(pg, query, types, type_count, count, out, out_count));
    return e;
}

static enum err pgs_term_stats(struct store *st, const char *const *words, size_t count,
                               double *df, double *total)
{
    enum err e;
    ON_READ_PG(impl(st), term_stats_on(pg, words, count, df, total));
    return e;
}

static enum err pgs_passages_readable(struct store *st, const char *const *passage_ids,
                                      size_t count, bool *readable)
{
    enum err e;
    ON_READ_PG(impl(st), passages_readable_on(pg, passage_ids, count, readable));
    return e;
}

/* --- documents --------------------------------------------------------------------------- */

static enum err pgs_doc_lookup(struct store *st, const char *source_path, char **content_id,
                               char **content_hash)
{
    struct pg *pg = impl(st)->pg;
    *content_id = NULL;
    *content_hash = NULL;
    const char *params[] = {source_path};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg, "SELECT id, content_hash FROM learning_content WHERE source_path = $1",
                         1, params, &res);
    if (e != ERR_OK)
        return e;
    if (pg_res_rows(res) == 0) {
        pg_set_errmsg(pg, "no document for %s", source_path);
        e = ERR_NOT_FOUND;
    } else {
        *content_id = pg_res_dup(res, 0, 0);
        *content_hash = pg_res_dup(res, 0, 1);
    }
    pg_res_free(res);
    return e;
}

/* Inserts passages [from, to) of doc in one multi-row INSERT. */
static enum err insert_passages(struct pg *pg, const char *content_id,
                                const struct store_doc_in *doc, size_t from, size_t to)
{
    size_t rows = to - from;
    int nparams = 2 + 4 * (int)rows;
    const char **params = xcalloc((size_t)nparams, sizeof *params);
    int *lengths = xcalloc((size_t)nparams, sizeof *lengths);
    int *formats = xcalloc((size_t)nparams, sizeof *formats);
    char(*ordinals)[16] = xcalloc(rows, sizeof *ordinals);
    char **vectors = xcalloc(rows, sizeof *vectors);
    struct buf sql;
    buf_init(&sql, 1 << 20);
    enum err e = buf_append_str(&sql, "INSERT INTO content_passages"
                                      " (content_id, title, ordinal, heading, body, embedding)"
                                      " VALUES ");
    params[0] = content_id;
    params[1] = doc->title;
    for (size_t i = 0; e == ERR_OK && i < rows; i++) {
        const struct store_passage_in *p = &doc->passages[from + i];
        int base = 3 + 4 * (int)i;
        int_text(p->ordinal, ordinals[i]);
        /* Vectors travel binary: formatting and parsing 1,536 decimals per passage was the
         * largest single cost of ingest at both ends. */
        if (p->embedding && vector_bin_encode(p->embedding, (size_t)doc->dim, &vectors[i],
                                              &lengths[base + 2]) != ERR_OK) {
            pg_set_errmsg(pg, "passage %d of %s has an invalid embedding (empty or not finite)",
                          p->ordinal, doc->source_path);
            e = ERR_INVALID;
            break;
        }
        params[base - 1] = ordinals[i];
        params[base] = p->heading;
        params[base + 1] = p->text;
        params[base + 2] = vectors[i];
        formats[base + 2] = vectors[i] ? 1 : 0;
        e = buf_printf(&sql, "%s($1, $2, $%d::int, $%d, $%d, $%d::vector)", i ? ", " : "",
                       base, base + 1, base + 2, base + 3);
    }
    if (e == ERR_OK)
        e = pg_exec_bin(pg, buf_str(&sql), nparams, params, lengths, formats, NULL);
    else if (e == ERR_TOO_LARGE)
        pg_set_errmsg(pg, "internal: passage batch statement too long");
    buf_cleanup(&sql);
    for (size_t i = 0; i < rows; i++)
        free(vectors[i]);
    free(vectors);
    free(ordinals);
    free(formats);
    free(lengths);
    free(params);
    return e;
}

static enum err check_doc(struct pg *pg, const struct store_doc_in *doc)
{
    if (!doc->title || !doc->content || !doc->content_type || !doc->source_path) {
        pg_set_errmsg(pg, "a document needs a title, content, type and source path");
        return ERR_INVALID;
    }
    bool has_vectors = doc->embedding != NULL;
    for (size_t i = 0; i < doc->passage_count; i++) {
        if (!doc->passages[i].text) {
            pg_set_errmsg(pg, "passage %zu of %s has no text", i, doc->source_path);
            return ERR_INVALID;
        }
        has_vectors = has_vectors || doc->passages[i].embedding;
    }
    if (has_vectors && (doc->dim <= 0 || doc->dim > VECTOR_TEXT_MAX_DIM)) {
        pg_set_errmsg(pg, "embedding dimension %d is out of range", doc->dim);
        return ERR_INVALID;
    }
    return ERR_OK;
}

static enum err pgs_doc_replace(struct store *st, const struct store_doc_in *doc,
                                char **content_id)
{
    wrote(impl(st));
    struct pg *pg = impl(st)->pg;
    *content_id = NULL;
    enum err e = check_doc(pg, doc);
    if (e != ERR_OK)
        return e;
    char *doc_vec = NULL;
    int doc_vec_len = 0;
    if (doc->embedding &&
        vector_bin_encode(doc->embedding, (size_t)doc->dim, &doc_vec, &doc_vec_len) != ERR_OK) {
        pg_set_errmsg(pg, "the document embedding of %s is not finite", doc->source_path);
        return ERR_INVALID;
    }
    char *id = NULL;
    struct pg_res *res = NULL;
    if ((e = pg_begin(pg)) != ERR_OK)
        goto out;

    /* Upsert by source path. The creator (created_by defaults to the caller) is kept when a
     * document is replaced; RLS decides whether the caller may replace it at all. */
    /* The audience ($9, comma-separated) and state ($10) are kept when not given. */
    const char *params[] = {doc->title,          doc->content,     doc->content_type,
                            doc->source_service, doc->source_path, doc->content_hash,
                            doc->embed_model,    doc_vec,          doc->audience,
                            doc->state};
    const int lengths[] = {0, 0, 0, 0, 0, 0, 0, doc_vec_len, 0, 0};
    const int formats[] = {0, 0, 0, 0, 0, 0, 0, doc_vec ? 1 : 0, 0, 0};
    e = pg_exec_bin(pg,
                "INSERT INTO learning_content AS lc (title, content, content_type,"
                " source_service, metadata, source_path, content_hash, embedding, audience,"
                " state)"
                " VALUES ($1, $2, $3, $4, jsonb_strip_nulls(jsonb_build_object("
                "'source_path', $5::text, 'content_hash', $6::text, 'embed_model', $7::text)),"
                " $5, $6, $8::vector,"
                " coalesce(array_remove(string_to_array($9::text, ','), ''), '{}'),"
                " coalesce($10::text, 'published'))"
                " ON CONFLICT (source_path) DO UPDATE SET title = EXCLUDED.title,"
                " content = EXCLUDED.content, content_type = EXCLUDED.content_type,"
                " source_service = EXCLUDED.source_service,"
                " metadata = coalesce(lc.metadata, '{}'::jsonb) || EXCLUDED.metadata,"
                " content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding,"
                " audience = CASE WHEN $9::text IS NULL THEN lc.audience"
                " ELSE EXCLUDED.audience END,"
                " state = coalesce($10::text, lc.state)"
                " RETURNING id",
                10, params, lengths, formats, &res);
    if (e != ERR_OK)
        goto rollback;
    id = pg_res_dup(res, 0, 0);
    pg_res_free(res);
    res = NULL;
    if (!id) {
        pg_set_errmsg(pg, "storing %s returned no id", doc->source_path);
        e = ERR_DB;
        goto rollback;
    }
    const char *del[] = {id};
    if ((e = pg_exec(pg, "DELETE FROM content_passages WHERE content_id = $1", 1, del, NULL)) !=
        ERR_OK)
        goto rollback;
    for (size_t from = 0; from < doc->passage_count; from += PASSAGE_BATCH) {
        size_t to = from + PASSAGE_BATCH < doc->passage_count ? from + PASSAGE_BATCH
                                                              : doc->passage_count;
        if ((e = insert_passages(pg, id, doc, from, to)) != ERR_OK)
            goto rollback;
    }
    if ((e = pg_commit(pg)) != ERR_OK)
        goto rollback;
    *content_id = id;
    id = NULL;
    goto out;

rollback:
    pg_rollback(pg);
out:
    pg_res_free(res);
    free(id);
    free(doc_vec);
    return e;
}

static enum err pgs_reindex_list(struct store *st, char ***passage_ids, char ***texts,
                                 size_t *count)
{
    *passage_ids = NULL;
    *texts = NULL;
    *count = 0;
    struct pg_res *res = NULL;
    enum err e = pg_exec(impl(st)->pg,
                         "SELECT id, heading, body FROM content_passages"
                         " ORDER BY content_id, ordinal",
                         0, NULL, &res);
    if (e != ERR_OK)
        return e;
    size_t n = pg_res_rows(res);
    char **ids = xcalloc(n ? n : 1, sizeof *ids);
    char **bodies = xcalloc(n ? n : 1, sizeof *bodies);
    for (size_t i = 0; i < n; i++) {
        ids[i] = pg_res_dup(res, i, 0);
        /* Exactly the text ingest embedded, so a reindexed passage matches a fresh ingest. */
        const char *body = pg_res_get(res, i, 2);
        bodies[i] = chunk_embed_text(pg_res_get(res, i, 1), body ? body : "");
    }
    pg_res_free(res);
    *passage_ids = ids;
    *texts = bodies;
    *count = n;
    return ERR_OK;
}

static enum err pgs_reindex_set(struct store *st, const char *passage_id, const float *embedding,
                                int dim)
{
    wrote(impl(st));
    struct pg *pg = impl(st)->pg;
    char *vec = NULL;
    int vec_len = 0;
    if (dim <= 0 || vector_bin_encode(embedding, (size_t)dim, &vec, &vec_len) != ERR_OK) {
        pg_set_errmsg(pg, "the embedding for passage %s is empty or not finite", passage_id);
        return ERR_INVALID;
    }
    const char *params[] = {passage_id, vec};
    const int lengths[] = {0, vec_len};
    const int formats[] = {0, 1};
    struct pg_res *res = NULL;
    enum err e = pg_exec_bin(pg,
                             "UPDATE content_passages SET embedding = $2::vector WHERE id = $1"
                             " RETURNING 1",
                             2, params, lengths, formats, &res);
    if (e == ERR_OK && pg_res_rows(res) == 0) {
        pg_set_errmsg(pg, "no passage %s (or not yours to change)", passage_id);
        e = ERR_NOT_FOUND;
    }
    pg_res_free(res);
    free(vec);
    return e;
}

/* --- conversations ----------------------------------------------------------------------- */

static enum err pgs_message_begin(struct store *st, const char *conversation_id,
                                  const char *question, char **message_id,
                                  char **new_conversation_id)
{
    wrote_chat(impl(st));
    struct pg *pg = impl(st)->pg;
    *message_id = NULL;
    if (new_conversation_id)
        *new_conversation_id = NULL;
    /* One statement, so the conversation and the question are stored together or not at all.
     * An existing conversation must be visible to the caller (RLS), not merely exist. Triggers
     * touch conversations.updated_at (clients may not write it). */
    const char *params[] = {conversation_id, question};
    struct pg_res *res = NULL;
    enum err e = pg_exec(
        pg,
        "WITH me AS (SELECT id FROM cca_whoami()),"
        " target AS (SELECT c.id FROM conversations c WHERE c.id = $1),"
        " conv AS (INSERT INTO conversations (user_id, title)"
        "  SELECT me.id, left(btrim(regexp_replace($2, '\\s+', ' ', 'g')), 60) FROM me"
        "  WHERE $1::text IS NULL RETURNING id),"
        " msg AS (INSERT INTO chat_messages (user_id, conversation_id, message, status)"
        "  SELECT me.id, coalesce((SELECT id FROM target), (SELECT id FROM conv)), $2, 'pending'"
        "  FROM me WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM target)"
        "  RETURNING id, conversation_id)"
        " SELECT msg.id, msg.conversation_id, (SELECT count(*) FROM me),"
        "  (SELECT count(*) FROM target) FROM (SELECT 1) one LEFT JOIN msg ON true",
        2, params, &res);
    if (e != ERR_OK)
        return e;
    if (!pg_res_get(res, 0, 0)) {
        if (pg_res_int(res, 0, 2, 0) == 0) {
            pg_set_errmsg(pg, "this session is not a CCA user, so the question cannot be stored "
                              "(use --user EMAIL or connect as your own role)");
            e = ERR_PERMISSION;
        } else {
            pg_set_errmsg(pg, "no conversation %s", conversation_id ? conversation_id : "");
            e = ERR_NOT_FOUND;
        }
    } else {
        *message_id = pg_res_dup(res, 0, 0);
        if (new_conversation_id && !conversation_id)
            *new_conversation_id = pg_res_dup(res, 0, 1);
    }
    pg_res_free(res);
    return e;
}

static enum err pgs_message_finish(struct store *st, const char *message_id,
                                   const struct store_outcome *o)
{
    wrote_chat(impl(st));
    struct pg *pg = impl(st)->pg;
    char conf[32], ms[16];
    bool has_conf = o->confidence >= 0;
    if (has_conf)
        pg_double_text(o->confidence > 1 ? 1 : o->confidence, conf);
    int_text(o->processing_ms < 0 ? 0 : o->processing_ms, ms);
    const char *params[] = {message_id,
                            o->response,
                            o->status ? o->status : "failed",
                            o->error,
                            o->sources_json,
                            has_conf ? conf : NULL,
                            ms,
                            o->is_offline ? "true" : "false",
                            o->abstain ? "true" : "false"};
    struct pg_res *res = NULL;
    /* updated_at of the message and its conversation are set by triggers. */
    enum err e = pg_exec(pg,
                         "UPDATE chat_messages SET response = $2, status = $3,"
                         " error = $4, sources = $5::jsonb, confidence = $6::float8,"
                         " processing_time = $7::int, is_offline = $8::boolean,"
                         " abstain = $9::boolean WHERE id = $1 RETURNING 1",
                         9, params, &res);
    if (e == ERR_OK && pg_res_rows(res) == 0) {
        pg_set_errmsg(pg, "no message %s (or not yours to change)", message_id);
        e = ERR_NOT_FOUND;
    }
    pg_res_free(res);
    return e;
}

static enum err pgs_conversations(struct store *st, int limit, struct store_conversation **out,
                                  size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    char lim[16];
    int_text(limit > 0 ? limit : 50, lim);
    const char *params[] = {lim};
    struct pg_res *res = NULL;
    enum err e = pg_exec(impl(st)->pg,
                         "SELECT c.id, c.title, " ISO_TS("c.updated_at") ","
                         " (SELECT count(*) FROM chat_messages m WHERE m.conversation_id = c.id)"
                         " FROM conversations c"
                         " WHERE c.user_id = (SELECT id FROM cca_whoami())"
                         " ORDER BY c.updated_at DESC, c.id LIMIT $1::int",
                         1, params, &res);
    if (e != ERR_OK)
        return e;
    size_t n = pg_res_rows(res);
    struct store_conversation *c = xcalloc(n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i].id = pg_res_dup(res, i, 0);
        c[i].title = pg_res_dup(res, i, 1);
        c[i].updated_at = pg_res_dup(res, i, 2);
        c[i].message_count = pg_res_int(res, i, 3, 0);
    }
    pg_res_free(res);
    *out = c;
    *out_count = n;
    return ERR_OK;
}

static enum err pgs_conversation_messages(struct store *st, const char *conversation_id,
                                          struct store_message **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    const char *params[] = {conversation_id};
    struct pg_res *res = NULL;
    enum err e = pg_exec(impl(st)->pg,
                         "SELECT * FROM ("
                         "SELECT id, conversation_id, message, response, status, error,"
                         " sources::text, confidence, processing_time, " ISO_TS("created_at")
                         " AS created, created_at AS t"
                         " FROM chat_messages WHERE conversation_id = $1"
                         " ORDER BY created_at DESC, id DESC LIMIT " STORE_WINDOW_TEXT
                         ") newest ORDER BY t, id",
                         1, params, &res);
    if (e != ERR_OK)
        return e;
    size_t n = pg_res_rows(res);
    struct store_message *m = xcalloc(n ? n : 1, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        m[i].id = pg_res_dup(res, i, 0);
        m[i].conversation_id = pg_res_dup(res, i, 1);
        m[i].message = pg_res_dup(res, i, 2);
        m[i].response = pg_res_dup(res, i, 3);
        m[i].status = pg_res_dup(res, i, 4);
        m[i].error = pg_res_dup(res, i, 5);
        m[i].sources_json = pg_res_dup(res, i, 6);
        m[i].confidence = pg_res_double(res, i, 7, -1);
        m[i].processing_ms = pg_res_int(res, i, 8, -1);
        m[i].created_at = pg_res_dup(res, i, 9);
    }
    pg_res_free(res);
    *out = m;
    *out_count = n;
    return ERR_OK;
}

/* --- users (admin) ----------------------------------------------------------------------- */

static enum err pgs_user_add(struct store *st, const struct store_user_in *in, char **user_id)
{
    wrote(impl(st));
    struct pg *pg = impl(st)->pg;
    *user_id = NULL;
    const char *params[] = {in->email, in->name, in->role, in->department, in->db_role};
    struct pg_res *res = NULL;
    /* A chosen login role name goes through the superuser-only creator (006/010), which
     * adopts an existing unprivileged role of that name or creates it. */
    enum err e = in->db_role
                     ? pg_exec(pg, "SELECT cca_user_create($1, $2, $3, $4, $5)", 5, params, &res)
                     : pg_exec(pg, "SELECT cca_user_add($1, $2, $3, $4)", 4, params, &res);
    if (e == ERR_OK)
        *user_id = pg_res_dup(res, 0, 0);
    pg_res_free(res);
    return e;
}

static enum err pgs_user_set_role(struct store *st, const char *email, const char *role)
{
    wrote(impl(st));
    const char *params[] = {email, role};
    return pg_exec(impl(st)->pg, "SELECT cca_user_set_role($1, $2)", 2, params, NULL);
}

static enum err pgs_user_list(struct store *st, struct store_user **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    struct pg_res *res = NULL;
    enum err e = pg_exec(impl(st)->pg,
                         "SELECT id, email, name, role, department, db_role FROM users"
                         " ORDER BY lower(email)",
                         0, NULL, &res);
    if (e != ERR_OK)
        return e;
    size_t n = pg_res_rows(res);
    struct store_user *u = xcalloc(n ? n : 1, sizeof *u);
    for (size_t i = 0; i < n; i++)
        user_from_row(res, i, &u[i]);
    pg_res_free(res);
    *out = u;
    *out_count = n;
    return ERR_OK;
}

/* --- open -------------------------------------------------------------------------------- */

/* --- screen calls on the loop ------------------------------------------------------------- */

static void call_free(struct pg_call *c)
{
    for (int i = 0; i < c->nparams; i++)
        free(c->params[i]);
    free(c->params);
    free(c->sql);
    free(c);
}

/* The rows of res as a store_rows (cells borrowed from res). */
static void rows_view(const struct pg_res *res, struct store_rows *out)
{
    out->rows = pg_res_rows(res);
    out->cols = (size_t)pg_res_cols(res);
    out->cells = xcalloc(out->rows * out->cols + 1, sizeof *out->cells);
    for (size_t r = 0; r < out->rows; r++)
        for (size_t c = 0; c < out->cols; c++)
            out->cells[r * out->cols + c] = (char *)pg_res_get(res, r, (int)c);
}

static void reply(store_reply_fn fn, void *userdata, enum err e, const char *errmsg,
                  const struct pg_res *res)
{
    if (e != ERR_OK || !res) {
        fn(userdata, e, errmsg && errmsg[0] ? errmsg : err_str(e), NULL);
        return;
    }
    struct store_rows rows;
    rows_view(res, &rows);
    fn(userdata, ERR_OK, "", &rows);
    free(rows.cells);
}

static void unwatch(struct pg_store *s)
{
    if (s->watched_fd >= 0)
        loop_unwatch_fd(s->loop, s->watched_fd);
    s->watched_fd = -1;
    if (s->answer_timer)
        loop_timer_cancel(s->loop, s->answer_timer);
    s->answer_timer = 0;
}

static void calls_next(struct pg_store *s);
static int calls_timeout_ms(const struct pg_store *s);

/* The head call failed on its replica: that replica backs off and the call goes again, to
 * the primary. */
static void retry_on_primary(struct pg_store *s)
{
    struct pg_call *c = s->head;
    unwatch(s);
    replica_failed(s, c->replica, pg_errmsg(c->replica->pg));
    c->replica = NULL;
    c->is_read = false;
    s->inflight = NULL;
    calls_next(s);
}

/* The head call is over: pop it, reply unless cancelled, start the next. */
static void head_done(struct pg_store *s, enum err e, const char *errmsg, struct pg_res *res)
{
    struct pg_call *c = s->head;
    s->head = c->next;
    if (!s->head)
        s->tail = NULL;
    bool is_cancelled = s->is_head_cancelled;
    s->is_head_cancelled = false;
    unwatch(s);
    s->inflight = NULL;
    /* Copy the message: the reply may start new calls that overwrite it. */
    char *msg = xstrdup(errmsg ? errmsg : "");
    if (!is_cancelled)
        reply(c->fn, c->userdata, e, msg, res);
    free(msg);
    pg_res_free(res);
    call_free(c);
    calls_next(s);
}

static void on_calls_readable(struct loop *loop, int fd, int revents, void *userdata)
{
    (void)loop;
    (void)fd;
    (void)revents;
    struct pg_store *s = userdata;
    bool is_done = false;
    struct pg_res *res = NULL;
    enum err e = pg_receive(s->inflight, &is_done, &res);
    if (!is_done)
        return;
    if (e != ERR_OK && s->head->replica && !s->is_head_cancelled) {
        pg_res_free(res);
        retry_on_primary(s);
        return;
    }
    head_done(s, e, pg_errmsg(s->inflight), res);
}

static void on_calls_timeout(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct pg_store *s = userdata;
    s->answer_timer = 0;
    if (s->head->replica && !s->is_head_cancelled) {
        retry_on_primary(s);
        return;
    }
    unwatch(s);
    pg_abandon(s->inflight);
    char msg[160];
    snprintf(msg, sizeof msg, "the database did not answer within %d s; CCA will reconnect",
             calls_timeout_ms(s) / 1000);
    head_done(s, ERR_DB_DOWN, msg, NULL);
}

/* Screens' calls never block a key, so they may wait as long as the server's own statement
 * timeout allows (a lock, a big report) before the client gives up on the server. */
static int calls_timeout_ms(const struct pg_store *s)
{
    int derived = s->options.statement_timeout_ms > 0 ? s->options.statement_timeout_ms + 5000
                                                      : 30000;
    return s->options.answer_timeout_ms > derived ? s->options.answer_timeout_ms : derived;
}

static enum err calls_connect(struct pg_store *s)
{
    if (!s->calls_pg) {
        struct pg_options o = s->options;
        o.answer_timeout_ms = calls_timeout_ms(s);
        s->calls_pg = new_conn(s, &o);
    }
    if (pg_is_connected(s->calls_pg))
        return ERR_OK;
    return pg_connect(s->calls_pg);
}

/* Starts the head call unless one is in flight. A read goes to a replica that may serve it
 * (chosen now, after every earlier call of this store has finished, so the barrier covers
 * their writes), else to the calls connection of the primary. */
static void calls_next(struct pg_store *s)
{
    while (s->head && !s->inflight) {
        struct pg_call *c = s->head;
        c->replica = c->is_read ? replica_pick(s, READ_SCREEN) : NULL;
        if (c->replica &&
            pg_send(c->replica->pg, c->sql, c->nparams, (const char *const *)c->params) != ERR_OK) {
            replica_failed(s, c->replica, pg_errmsg(c->replica->pg));
            c->replica = NULL;
        }
        enum err e = ERR_OK;
        if (!c->replica) {
            e = calls_connect(s);
            if (e == ERR_OK)
                e = pg_send(s->calls_pg, c->sql, c->nparams, (const char *const *)c->params);
        }
        if (e != ERR_OK) {
            /* head_done starts the next call itself. */
            head_done(s, e, pg_errmsg(s->calls_pg), NULL);
            return;
        }
        s->inflight = c->replica ? c->replica->pg : s->calls_pg;
        s->watched_fd = pg_socket(s->inflight);
        loop_watch_fd(s->loop, s->watched_fd, LOOP_READ, on_calls_readable, s);
        s->answer_timer = loop_timer_add(s->loop, calls_timeout_ms(s), 0, on_calls_timeout, s);
        return;
    }
}

static void calls_drop_all(struct pg_store *s)
{
    if (s->loop)
        unwatch(s);
    while (s->head) {
        struct pg_call *c = s->head;
        s->head = c->next;
        call_free(c);
    }
    s->tail = NULL;
    if (s->inflight && pg_is_busy(s->inflight))
        pg_abandon(s->inflight);
    s->inflight = NULL;
}

static void pgs_attach_loop(struct store *st, struct loop *loop)
{
    struct pg_store *s = impl(st);
    if (s->loop) {
        calls_drop_all(s);
        if (s->idle_timer)
            loop_timer_cancel(s->loop, s->idle_timer);
        s->idle_timer = 0;
    }
    s->loop = loop;
    s->watched_fd = -1;
    if (loop && s->idle_disconnect_ms > 0) {
        int64_t every = s->idle_disconnect_ms / 4;
        every = every < 500 ? 500 : every > 30000 ? 30000 : every;
        s->idle_timer = loop_timer_add(loop, every, every, on_idle_timer, s);
    }
}

static void pgs_call_cancel(struct store *st, struct store_call *call)
{
    struct pg_store *s = impl(st);
    struct pg_call *prev = NULL;
    for (struct pg_call *c = s->head; c; prev = c, c = c->next) {
        if (&c->base != call)
            continue;
        if (c == s->head && s->inflight) {
            s->is_head_cancelled = true; /* its result is read and dropped */
            return;
        }
        if (prev)
            prev->next = c->next;
        else
            s->head = c->next;
        if (s->tail == c)
            s->tail = prev;
        call_free(c);
        return;
    }
}

static bool pgs_is_calling(struct store *st)
{
    return impl(st)->head != NULL;
}

/* A read without a loop: at once, on a replica that may serve it, else (or when it fails
 * there) on the primary. */
static void read_now(struct pg_store *s, const char *sql, int nparams, const char *const *params,
                     store_reply_fn fn, void *userdata)
{
    struct replica *r = replica_pick(s, READ_SCREEN);
    struct pg_res *res = NULL;
    enum err e = ERR_DB;
    if (r) {
        e = pg_exec(r->pg, sql, nparams, params, &res);
        if (e == ERR_OK) {
            reply(fn, userdata, e, "", res);
            pg_res_free(res);
            return;
        }
        replica_failed(s, r, pg_errmsg(r->pg));
        pg_res_free(res);
        res = NULL;
    }
    e = pg_exec(s->pg, sql, nparams, params, &res);
    reply(fn, userdata, e, pg_errmsg(s->pg), res);
    pg_res_free(res);
}

static struct store_call *call_add(struct store *st, bool is_read, const char *sql, int nparams,
                                   const char *const *params, store_reply_fn fn, void *userdata)
{
    if (st->ops->free != pgs_free) {
        fn(userdata, ERR_UNSUPPORTED, "this store has no such call", NULL);
        return NULL;
    }
    struct pg_store *s = impl(st);
    if (!is_read)
        wrote(s);
    if (!s->loop) {
        if (is_read) {
            read_now(s, sql, nparams, params, fn, userdata);
            return NULL;
        }
        struct pg_res *res = NULL;
        enum err e = pg_exec(s->pg, sql, nparams, params, &res);
        reply(fn, userdata, e, pg_errmsg(s->pg), res);
        pg_res_free(res);
        return NULL;
    }
    struct pg_call *c = xcalloc(1, sizeof *c);
    c->is_read = is_read;
    c->base.store = st;
    c->sql = xstrdup(sql);
    c->nparams = nparams;
    c->params = xcalloc((size_t)(nparams > 0 ? nparams : 1), sizeof *c->params);
    for (int i = 0; i < nparams; i++)
        c->params[i] = params[i] ? xstrdup(params[i]) : NULL;
    c->fn = fn;
    c->userdata = userdata;
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    if (s->head == c)
        calls_next(s);
    /* calls_next may have failed it at once (and replied): then it is gone. */
    for (struct pg_call *q = s->head; q; q = q->next)
        if (q == c)
            return &c->base;
    return NULL;
}

struct store_call *pg_store_call(struct store *st, const char *sql, int nparams,
                                 const char *const *params, store_reply_fn fn, void *userdata)
{
    return call_add(st, false, sql, nparams, params, fn, userdata);
}

struct store_call *pg_store_call_read(struct store *st, const char *sql, int nparams,
                                      const char *const *params, store_reply_fn fn,
                                      void *userdata)
{
    return call_add(st, true, sql, nparams, params, fn, userdata);
}

enum err pg_store_call_now(struct store *st, const char *sql, int nparams,
                           const char *const *params, store_reply_fn fn, void *userdata)
{
    if (st->ops->free != pgs_free) {
        fn(userdata, ERR_UNSUPPORTED, "this store has no such call", NULL);
        return ERR_UNSUPPORTED;
    }
    struct pg_store *s = impl(st);
    wrote(s);
    struct pg_res *res = NULL;
    enum err e = pg_exec(s->pg, sql, nparams, params, &res);
    reply(fn, userdata, e, pg_errmsg(s->pg), res);
    pg_res_free(res);
    return e;
}

static const struct store_ops pg_store_ops = {
    .free = pgs_free,
    .errmsg = pgs_errmsg,
    .is_connected = pgs_is_connected,
    .reconnect = pgs_reconnect,
    .whoami = pgs_whoami,
    .info = pgs_info,
    .migrate = pgs_migrate,
    .seed = pgs_seed,
    .set_embed_meta = pgs_set_embed_meta,
    .match_passages = pgs_match_passages,
    .search_passages = pgs_search_passages,
    .passages_readable = pgs_passages_readable,
    .term_stats = pgs_term_stats,
    .doc_lookup = pgs_doc_lookup,
    .doc_replace = pgs_doc_replace,
    .reindex_list = pgs_reindex_list,
    .reindex_set = pgs_reindex_set,
    .message_begin = pgs_message_begin,
    .message_finish = pgs_message_finish,
    .conversations = pgs_conversations,
    .conversation_messages = pgs_conversation_messages,
    .user_add = pgs_user_add,
    .user_set_role = pgs_user_set_role,
    .user_list = pgs_user_list,
    .attach_loop = pgs_attach_loop,
    .call_cancel = pgs_call_cancel,
    .is_calling = pgs_is_calling,
};

enum err pg_store_open(const struct pg_store_options *opt, struct store **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    struct pg_store *s = xcalloc(1, sizeof *s);
    s->base.ops = &pg_store_ops;
    s->watched_fd = -1;
    s->options = (struct pg_options){
        .conninfo = xstrdup(opt->conninfo ? opt->conninfo : ""),
        .connect_timeout_s = opt->connect_timeout_s,
        .statement_timeout_ms = opt->statement_timeout_ms,
        .answer_timeout_ms = opt->answer_timeout_ms,
        .is_pooled = opt->is_pooled,
    };
    s->idle_disconnect_ms = opt->idle_disconnect_s > 0 ? opt->idle_disconnect_s * 1000 : 0;
    if (opt->act_as_email && *opt->act_as_email)
        s->act_as_email = xstrdup(opt->act_as_email);
    s->options.act_as_email = s->act_as_email;
    s->pg = new_conn(s, &s->options);
    if (s->act_as_email && opt->is_pooled) {
        /* SET ROLE is session state: through a transaction-mode pooler it would stay on a
         * server connection that the next client of the same login gets. */
        if (err && errlen)
            snprintf(err, errlen,
                     "--user (acting as %s with SET ROLE) is for direct connections only; "
                     "through a pooler ([database] pooled = true) each person connects as "
                     "their own database role",
                     s->act_as_email);
        pgs_free(&s->base);
        return ERR_UNSUPPORTED;
    }
    char **urls = NULL;
    s->replica_count = config_url_list(opt->replica_url, &urls);
    s->replicas = s->replica_count ? xcalloc(s->replica_count, sizeof *s->replicas) : NULL;
    for (size_t i = 0; i < s->replica_count; i++) {
        struct replica *r = &s->replicas[i];
        struct pg_options ro = s->options;
        ro.conninfo = urls[i];
        ro.is_pooled = opt->is_replica_pooled;
        r->pg = new_conn(s, &ro);
        r->state.is_configured = true;
        r->state.lag_s = -1;
        char *label = pg_conninfo_label(urls[i]);
        snprintf(r->state.name, sizeof r->state.name, "%s", label);
        free(label);
    }
    config_url_list_free(urls, s->replica_count);
    s->replica_max_lag_s = opt->replica_max_lag_s;
    s->rstate.lag_s = -1;
    enum err e = pgs_connect(s);
    if (e != ERR_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s", pg_errmsg(s->pg));
        pgs_free(&s->base);
        return e;
    }
    *out = &s->base;
    return ERR_OK;
}

enum err pg_store_open_config(const struct config *cfg, bool act_as_user, struct store **out,
                              char *err, size_t errlen)
{
    struct pg_store_options opt = {
        .conninfo = cfg->db_url,
        .act_as_email = act_as_user ? cfg->user : NULL,
        .connect_timeout_s = cfg->db_connect_timeout_s,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .answer_timeout_ms = cfg->db_answer_timeout_ms,
        .is_pooled = cfg->db_pooled,
        .idle_disconnect_s = cfg->db_idle_disconnect_s,
        .replica_url = cfg->db_replica_url,
        .is_replica_pooled = cfg->db_pooled,
        .replica_max_lag_s = cfg->db_replica_max_lag_s,
    };
    return pg_store_open(&opt, out, err, errlen);
}

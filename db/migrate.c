/* migrate: the migration ledger, the advisory lock, and the seed loader. */
#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "db/pg.h"
#include "db/sql_files.h"

/* One advisory lock key for migrate and seed ("CCA-MIGR" in ASCII, as a bigint). */
#define MIGRATE_LOCK_KEY "4846957004425218642"

static const char migrations_dir[] = "db/migrations/";
static const char seed_dir[] = "db/seed/";

#define REPORT_MAX (1u << 20)

/* --- the compiled-in files ---------------------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

enum err migrate_parse_path(const char *path, int *version, char *name, size_t namelen)
{
    const char *base = base_name(path);
    size_t len = strlen(base);
    if (len < 5 || strcmp(base + len - 4, ".sql") != 0)
        return ERR_INVALID;
    size_t stem = len - 4;
    long v = 0;
    size_t i = 0;
    for (; i < stem && base[i] >= '0' && base[i] <= '9'; i++) {
        v = v * 10 + (base[i] - '0');
        if (v > 999999)
            return ERR_INVALID;
    }
    if (i == 0 || i + 1 >= stem || base[i] != '_' || v == 0)
        return ERR_INVALID;
    if (stem + 1 > namelen)
        return ERR_INVALID;
    memcpy(name, base, stem);
    name[stem] = '\0';
    *version = (int)v;
    return ERR_OK;
}

struct migration {
    int version;
    char name[128];
    const struct sql_file *file;
    char checksum[HASH_HEX_LEN + 1];
    /* from the ledger */
    bool is_applied;
    bool is_changed;
    char applied_at[40];
};

/* The compiled-in migrations in order; ERR_INVALID on a bad name or duplicate version. */
static enum err load_migrations(struct pg *pg, struct migration **out, size_t *count)
{
    struct migration *m = xcalloc(sql_file_count ? sql_file_count : 1, sizeof *m);
    size_t n = 0;
    for (unsigned i = 0; i < sql_file_count; i++) {
        const struct sql_file *f = &sql_files[i];
        if (!has_prefix(f->path, migrations_dir))
            continue;
        struct migration *cur = &m[n];
        if (migrate_parse_path(f->path, &cur->version, cur->name, sizeof cur->name) != ERR_OK) {
            pg_set_errmsg(pg, "bad migration file name %s (want NNN_name.sql)", f->path);
            free(m);
            return ERR_INVALID;
        }
        if (n > 0 && cur->version <= m[n - 1].version) {
            pg_set_errmsg(pg, "migration %s repeats or goes back on version %d", f->path,
                          cur->version);
            free(m);
            return ERR_INVALID;
        }
        cur->file = f;
        hash_blake2b_hex(f->text, f->len, cur->checksum);
        n++;
    }
    *out = m;
    *count = n;
    return ERR_OK;
}

/* Whether schema_migrations exists (visible through the pinned search_path). */
static enum err ledger_exists(struct pg *pg, bool *exists)
{
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg, "SELECT to_regclass('public.schema_migrations') IS NOT NULL", 0,
                         NULL, &res);
    if (e == ERR_OK)
        *exists = pg_res_bool(res, 0, 0, false);
    pg_res_free(res);
    return e;
}

/* Marks applied/changed migrations from the ledger; *unknown counts ledger rows this build
 * does not have (a newer cca migrated the database). */
static enum err read_ledger(struct pg *pg, struct migration *m, size_t count, int *max_version,
                            int *unknown)
{
    *max_version = 0;
    *unknown = 0;
    bool exists = false;
    enum err e = ledger_exists(pg, &exists);
    if (e != ERR_OK || !exists)
        return e;
    /* The ledger is closed to application roles (migration 010): they read it through
     * cca_schema_ledger(); the migrating superuser reads the table itself. */
    struct pg_res *res = NULL;
    e = pg_exec(pg,
                "SELECT has_table_privilege('public.schema_migrations', 'SELECT'),"
                " to_regprocedure('public.cca_schema_ledger()') IS NOT NULL",
                0, NULL, &res);
    if (e != ERR_OK)
        return e;
    bool via_function = !pg_res_bool(res, 0, 0, true) && pg_res_bool(res, 0, 1, false);
    pg_res_free(res);
    res = NULL;
    e = pg_exec(pg,
                via_function ? "SELECT version, checksum,"
                               " to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ')"
                               " FROM public.cca_schema_ledger() ORDER BY version"
                             : "SELECT version, checksum,"
                               " to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ')"
                               " FROM public.schema_migrations ORDER BY version",
                0, NULL, &res);
    if (e != ERR_OK)
        return e;
    for (size_t r = 0; r < pg_res_rows(res); r++) {
        int v = pg_res_int(res, r, 0, -1);
        const char *sum = pg_res_get(res, r, 1);
        const char *at = pg_res_get(res, r, 2);
        if (v > *max_version)
            *max_version = v;
        struct migration *hit = NULL;
        for (size_t i = 0; i < count && !hit; i++)
            if (m[i].version == v)
                hit = &m[i];
        if (!hit) {
            (*unknown)++;
            continue;
        }
        hit->is_applied = true;
        hit->is_changed = !sum || strcmp(sum, hit->checksum) != 0;
        snprintf(hit->applied_at, sizeof hit->applied_at, "%s", at ? at : "?");
    }
    pg_res_free(res);
    return ERR_OK;
}

/* --- migrate ------------------------------------------------------------------------------ */

static enum err lock_migrations(struct pg *pg)
{
    enum err e = pg_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
    if (e == ERR_TIMEOUT)
        pg_set_errmsg(pg, "another cca migrate or seed is running on this database: try again "
                          "when it has finished");
    return e;
}

/* Releases the lock, keeping the message of an earlier failure. */
static void unlock_migrations(struct pg *pg)
{
    if (!pg_is_connected(pg))
        return;
    char *kept = xstrdup(pg_errmsg(pg));
    (void)pg_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
    pg_set_errmsg(pg, "%s", kept);
    free(kept);
}

static enum err create_ledger(struct pg *pg)
{
    return pg_exec(pg,
                   "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                   " version integer PRIMARY KEY,"
                   " name text NOT NULL,"
                   " checksum text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   0, NULL, NULL);
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static enum err apply_one(struct pg *pg, const struct migration *m)
{
    enum err e = pg_begin(pg);
    if (e == ERR_OK)
        /* Building an index on a big table may take longer than a client's statement limit. */
        e = pg_exec(pg, "SET LOCAL statement_timeout = 0", 0, NULL, NULL);
    if (e != ERR_OK)
        return e;
    int line = 0;
    e = pg_exec_script(pg, m->file->text, &line);
    if (e != ERR_OK) {
        char *why = xstrdup(pg_errmsg(pg));
        pg_rollback(pg);
        if (line > 0)
            pg_set_errmsg(pg, "migration %s failed at line %d: %s", m->file->path, line, why);
        else
            pg_set_errmsg(pg, "migration %s failed: %s", m->file->path, why);
        free(why);
        return e == ERR_SCHEMA ? ERR_DB : e;
    }
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name, m->checksum};
    e = pg_exec(pg,
                "INSERT INTO public.schema_migrations (version, name, checksum)"
                " VALUES ($1::int, $2, $3)",
                3, params, NULL);
    if (e == ERR_OK)
        e = pg_commit(pg);
    if (e != ERR_OK)
        pg_rollback(pg);
    return e;
}

static void report_status(struct buf *rep, const struct migration *m, size_t count,
                          int unknown)
{
    for (size_t i = 0; i < count; i++) {
        if (m[i].is_changed)
            buf_printf(rep, "changed  %-32s applied %s, file differs since\n", m[i].name,
                       m[i].applied_at);
        else if (m[i].is_applied)
            buf_printf(rep, "applied  %-32s %s\n", m[i].name, m[i].applied_at);
        else
            buf_printf(rep, "pending  %s\n", m[i].name);
    }
    if (unknown > 0)
        buf_printf(rep, "note: the database has %d migration(s) this cca does not know (a "
                        "newer version migrated it)\n",
                   unknown);
}

/* ERR_SCHEMA naming the first changed file, or ERR_OK. */
static enum err refuse_changed(struct pg *pg, const struct migration *m, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (m[i].is_changed) {
            pg_set_errmsg(pg,
                          "migration %s was changed after it was applied (on %s): its checksum "
                          "differs. Restore the file and put the change in a new migration",
                          m[i].file->path, m[i].applied_at);
            return ERR_SCHEMA;
        }
    return ERR_OK;
}

enum err migrate_run(struct pg *pg, bool status_only, char **report)
{
    struct buf rep;
    buf_init(&rep, REPORT_MAX);
    struct migration *m = NULL;
    size_t count = 0;
    int max_version = 0, unknown = 0;
    bool is_locked = false;
    enum err e = load_migrations(pg, &m, &count);
    if (e != ERR_OK)
        goto out;

    if (status_only) {
        e = read_ledger(pg, m, count, &max_version, &unknown);
        if (e == ERR_OK) {
            report_status(&rep, m, count, unknown);
            e = refuse_changed(pg, m, count);
        }
        goto out;
    }

    e = lock_migrations(pg);
    if (e != ERR_OK)
        goto out;
    is_locked = true;
    if ((e = create_ledger(pg)) != ERR_OK)
        goto out;
    if ((e = read_ledger(pg, m, count, &max_version, &unknown)) != ERR_OK)
        goto out;
    if ((e = refuse_changed(pg, m, count)) != ERR_OK)
        goto out;

    size_t applied = 0;
    for (size_t i = 0; i < count; i++) {
        if (m[i].is_applied)
            continue;
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        e = apply_one(pg, &m[i]);
        if (e != ERR_OK)
            goto out;
        buf_printf(&rep, "applied  %-32s (%ld ms)\n", m[i].name, elapsed_ms(&start));
        applied++;
    }
    if (applied == 0)
        buf_printf(&rep, "the database is up to date (%zu migrations)\n", count);
    else
        buf_printf(&rep, "%zu migration(s) applied, %zu in total\n", applied, count);
    if (unknown > 0)
        buf_printf(&rep, "note: the database has %d migration(s) this cca does not know\n",
                   unknown);

out:
    if (is_locked)
        unlock_migrations(pg);
    free(m);
    *report = buf_detach(&rep);
    return e;
}

enum err migrate_state(struct pg *pg, int *schema_version, int *pending)
{
    struct migration *m = NULL;
    size_t count = 0;
    int unknown = 0;
    *schema_version = 0;
    *pending = 0;
    enum err e = load_migrations(pg, &m, &count);
    if (e == ERR_OK)
        e = read_ledger(pg, m, count, schema_version, &unknown);
    if (e == ERR_OK)
        for (size_t i = 0; i < count; i++)
            if (!m[i].is_applied)
                (*pending)++;
    free(m);
    return e;
}

/* --- seed --------------------------------------------------------------------------------- */

enum err migrate_seed(struct pg *pg, char **report)
{
    struct buf rep;
    buf_init(&rep, REPORT_MAX);
    struct pg_res *res = NULL;
    int version = 0, pending = 0;
    enum err e = migrate_state(pg, &version, &pending);
    if (e == ERR_OK && (version == 0 || pending > 0)) {
        pg_set_errmsg(pg, "the database is not fully migrated (%d migration(s) pending): run "
                          "cca migrate first",
                      pending);
        e = ERR_SCHEMA;
    }
    if (e != ERR_OK)
        goto out;

    if ((e = pg_begin(pg)) != ERR_OK)
        goto out;
    e = pg_exec(pg, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
    if (e == ERR_OK)
        e = pg_exec(pg, "SET LOCAL statement_timeout = 0", 0, NULL, NULL);
    if (e == ERR_OK)
        e = pg_exec(pg, "SELECT count(*) FROM public.users", 0, NULL, &res);
    if (e != ERR_OK)
        goto rollback;
    int users = pg_res_int(res, 0, 0, -1);
    pg_res_free(res);
    res = NULL;
    if (users != 0) {
        pg_set_errmsg(pg, "the database already has %d user(s): cca seed loads the sample data "
                          "only into an empty database",
                      users);
        e = ERR_EXISTS;
        goto rollback;
    }

    size_t files = 0;
    for (unsigned i = 0; i < sql_file_count; i++) {
        const struct sql_file *f = &sql_files[i];
        if (!has_prefix(f->path, seed_dir) || strcmp(f->path + strlen(f->path) - 4, ".sql"))
            continue;
        int line = 0;
        e = pg_exec_script(pg, f->text, &line);
        if (e != ERR_OK) {
            char *why = xstrdup(pg_errmsg(pg));
            if (line > 0)
                pg_set_errmsg(pg, "seed file %s failed at line %d: %s", f->path, line, why);
            else
                pg_set_errmsg(pg, "seed file %s failed: %s", f->path, why);
            free(why);
            if (e == ERR_SCHEMA)
                e = ERR_DB;
            goto rollback;
        }
        buf_printf(&rep, "loaded   %s\n", base_name(f->path));
        files++;
    }
    e = pg_exec(pg,
                "SELECT (SELECT count(*) FROM public.users),"
                " (SELECT count(*) FROM public.learning_content),"
                " (SELECT count(*) FROM public.chat_messages)",
                0, NULL, &res);
    if (e != ERR_OK)
        goto rollback;
    buf_printf(&rep, "%zu seed file(s): %d users, %d documents, %d chat messages\n", files,
               pg_res_int(res, 0, 0, 0), pg_res_int(res, 0, 1, 0), pg_res_int(res, 0, 2, 0));
    pg_res_free(res);
    res = NULL;
    e = pg_commit(pg);
    if (e == ERR_OK)
        goto out;

rollback:
    pg_res_free(res);
    pg_rollback(pg);
out:
    *report = buf_detach(&rep);
    return e;
}

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

/* --- managed servers ------------------------------------------------------------------- */

/* What the server lets the migrating role do (env_read). */
struct migrate_env {
    bool is_superuser;
    bool is_no_roles;
    char *vector_schema; /* the vector extension's schema, quoted; NULL: none or public */
};

/* A change the runner makes to a shipped migration's text as it runs it. From start up to
 * (not including) end is replaced by to; end NULL: start itself, every occurrence. A patch
 * whose start is missing from its file fails the migration rather than run it unadapted. */
struct patch {
    int version;
    const char *start, *end, *to;
};

/* --no-roles: 001 neither creates nor alters a role (check_roles ran first). */
static const struct patch no_roles_patches[] = {
    {1, "-- Roles are cluster-wide:", "-- The owner builds in public",
     "-- cca migrate --no-roles: the roles exist (assets/sql/roles.sql), checked before this "
     "file ran.\n\n"},
};

/* Not a superuser: only a superuser may declare a function LEAKPROOF, write one in LANGUAGE
 * internal or create an operator class. The operator stays (every later migration names
 * OPERATOR(public.@@)) over an inlined SQL function, so it means the same and an index on
 * the built-in operator class serves it; only searches under row-level security lose the
 * index (the planner must check the policies first). Row-level security itself is
 * untouched. */
static const struct patch not_superuser_patches[] = {
    {1, "CREATE FUNCTION public.cca_ts_match(tsvector, tsquery)", "",
     "-- cca migrate as a role that is not a superuser: not LEAKPROOF, no operator class.\n"
     "CREATE FUNCTION public.cca_ts_match(tsvector, tsquery) RETURNS boolean\n"
     "    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT $1 OPERATOR(pg_catalog.@@) "
     "$2';\n"
     "CREATE OPERATOR public.@@ (\n"
     "    LEFTARG = tsvector, RIGHTARG = tsquery, FUNCTION = public.cca_ts_match,\n"
     "    RESTRICT = tsmatchsel, JOIN = tsmatchjoinsel\n"
     ");\n"},
    {3, "tsv cca_tsvector_ops)", NULL, "tsv)"},
};

/* Replaces every occurrence of from in *text by to (heap, in place). */
static void replace_all(char **text, const char *from, const char *to)
{
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    const char *p = *text, *hit;
    size_t from_len = strlen(from);
    while ((hit = strstr(p, from)) != NULL) {
        buf_append(&b, p, (size_t)(hit - p));
        buf_append_str(&b, to);
        p = hit + from_len;
    }
    buf_append_str(&b, p);
    free(*text);
    *text = buf_detach(&b);
}

/* Applies the patches of version to *text; false when one does not match the file. */
static bool patch_text(char **text, const struct patch *p, size_t n, int version)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i].version != version)
            continue;
        char *start = strstr(*text, p[i].start);
        if (!start)
            return false;
        if (!p[i].end) {
            replace_all(text, p[i].start, p[i].to);
            continue;
        }
        const char *end = *p[i].end ? strstr(start, p[i].end) : start + strlen(start);
        if (!end)
            return false;
        char *patched = xasprintf("%.*s%s%s", (int)(start - *text), *text, p[i].to, end);
        free(*text);
        *text = patched;
    }
    return true;
}

/* The text migration m runs with on this server (heap); NULL with pg_errmsg set when a patch
 * does not fit the file. */
static char *text_for(struct pg *pg, const struct migrate_env *env, const struct migration *m)
{
    char *text = xstrdup(m->file->text);
    bool ok = true;
    if (env->is_no_roles)
        ok = patch_text(&text, no_roles_patches,
                        sizeof no_roles_patches / sizeof no_roles_patches[0], m->version);
    if (ok && !env->is_superuser)
        ok = patch_text(&text, not_superuser_patches,
                        sizeof not_superuser_patches / sizeof not_superuser_patches[0],
                        m->version);
    if (ok && env->vector_schema) {
        /* The functions that pin their search_path see the vector type and operators there,
         * after public; the one schema-qualified vector function follows the extension. */
        char *with = xasprintf("search_path = pg_catalog, public, %s, pg_temp", env->vector_schema);
        replace_all(&text, "search_path = pg_catalog, public, pg_temp", with);
        free(with);
        char *fn = xasprintf("%s.vector_add(", env->vector_schema);
        replace_all(&text, "public.vector_add(", fn);
        free(fn);
    }
    if (!ok) {
        pg_set_errmsg(pg, "migration %s does not have the text cca adapts for this server "
                          "(a modified build?): refusing to run it unadapted", m->file->path);
        free(text);
        return NULL;
    }
    return text;
}

/* What the migrating role may do here; refuses a vector schema that anyone may create
 * objects in (the functions' search_path would then be open to planted operators). */
static enum err env_read(struct pg *pg, const struct migrate_options *o, struct migrate_env *env)
{
    *env = (struct migrate_env){.is_no_roles = o->is_no_roles};
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg,
                         "SELECT coalesce((SELECT rolsuper FROM pg_roles"
                         "                 WHERE rolname = current_user), false),"
                         " n.nspname, quote_ident(n.nspname),"
                         " EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl,"
                         "          acldefault('n', n.nspowner))) a"
                         "         WHERE a.grantee = 0 AND a.privilege_type = 'CREATE'),"
                         " (SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname) FROM pg_roles r"
                         "  WHERE r.rolname IN ('cca_owner', 'cca_learner', 'cca_hr_manager',"
                         "                      'cca_trainer', 'cca_admin')"
                         "    AND NOT has_schema_privilege(r.oid, n.oid, 'USAGE'))"
                         " FROM (SELECT 1) one LEFT JOIN ("
                         "  SELECT ns.* FROM pg_extension x"
                         "  JOIN pg_namespace ns ON ns.oid = x.extnamespace"
                         "  WHERE x.extname IN ('vector', 'cca_vector')"
                         "  ORDER BY x.extname = 'vector' DESC LIMIT 1) n ON true",
                         0, NULL, &res);
    if (e != ERR_OK)
        return e;
    env->is_superuser = pg_res_bool(res, 0, 0, false);
    const char *schema = pg_res_get(res, 0, 1);
    bool is_open = pg_res_bool(res, 0, 3, false);
    if (schema && strcmp(schema, "public") != 0) {
        if (is_open) {
            pg_set_errmsg(pg, "the vector extension is in schema %s, where every role may create "
                              "objects: CCA's functions would search it. REVOKE CREATE ON SCHEMA "
                              "%s FROM PUBLIC, then run cca migrate again",
                          schema, pg_res_get(res, 0, 2));
            e = ERR_PERMISSION;
        } else if (pg_res_get(res, 0, 4)) {
            pg_set_errmsg(pg, "the vector extension is in schema %s, which %s may not use: "
                              "GRANT USAGE ON SCHEMA %s TO them (assets/sql/roles.sql does)",
                          schema, pg_res_get(res, 0, 4), pg_res_get(res, 0, 2));
            e = ERR_PERMISSION;
        } else {
            env->vector_schema = pg_res_dup(res, 0, 2);
        }
    }
    pg_res_free(res);
    return e;
}

/* --no-roles: every role and grant assets/sql/roles.sql makes, or ERR_PERMISSION listing what
 * is missing. cca_owner must also be what 001 makes it (no login, no superuser, no RLS
 * bypass): --no-roles never alters it, so a wrong one is refused, not repaired. */
static enum err check_roles(struct pg *pg)
{
    struct pg_res *res = NULL;
    enum err e = pg_exec(pg,
        "WITH want(role) AS (VALUES ('cca_learner'), ('cca_hr_manager'), ('cca_trainer'),"
        "                           ('cca_admin'))"
        "SELECT string_agg(what, '; ' ORDER BY n) FROM ("
        " SELECT 1 AS n, 'role ' || w.role || ' (NOLOGIN)' AS what FROM want w"
        "  WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = w.role)"
        " UNION ALL SELECT 2, 'role cca_owner (NOLOGIN CREATEROLE)'"
        "  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_owner')"
        " UNION ALL SELECT 3, 'cca_owner must be NOLOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS'"
        "  FROM pg_roles r WHERE r.rolname = 'cca_owner'"
        "   AND (r.rolcanlogin OR NOT r.rolcreaterole OR r.rolsuper OR r.rolbypassrls)"
        " UNION ALL SELECT 4, 'GRANT ' || w.role || ' TO cca_owner WITH ADMIN OPTION'"
        "  FROM want w WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cca_owner')"
        "   AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = w.role)"
        "   AND NOT EXISTS (SELECT 1 FROM pg_auth_members m"
        "                   WHERE m.roleid = to_regrole(w.role)"
        "                     AND m.member = to_regrole('cca_owner') AND m.admin_option)"
        " UNION ALL SELECT 5, format('GRANT cca_owner TO %I', current_user)"
        "  WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'cca_owner'"
        "                      AND pg_has_role(current_user, r.oid, 'MEMBER'))"
        ") missing",
        0, NULL, &res);
    if (e != ERR_OK)
        return e;
    const char *missing = pg_res_get(res, 0, 0);
    if (missing) {
        pg_set_errmsg(pg, "--no-roles: the roles CCA needs are not all there; "
                          "missing: %s. Have an admin role run assets/sql/roles.sql (cca migrate "
                          "--print-roles-sql) with -v migrator=<this login>",
                      missing);
        e = ERR_PERMISSION;
    }
    pg_res_free(res);
    return e;
}

/* The lines the report starts with: what is adapted on this server. */
static void report_env(struct buf *rep, const struct migrate_env *env, const struct migration *m,
                       size_t count)
{
    bool pending_1 = false, pending_3 = false;
    for (size_t i = 0; i < count; i++) {
        pending_1 |= !m[i].is_applied && m[i].version == 1;
        pending_3 |= !m[i].is_applied && m[i].version == 3;
    }
    if (env->is_no_roles && pending_1)
        buf_printf(rep, "notice   --no-roles: roles checked, none created or altered\n");
    if (!env->is_superuser && (pending_1 || pending_3))
        buf_printf(rep, "notice   not a superuser: full-text search keeps row-level security "
                        "but without LEAKPROOF: a learner's search scans instead of using the "
                        "GIN index (docs/managed.md)\n");
    if (env->vector_schema)
        buf_printf(rep, "notice   the vector extension is in schema %s: it joins the "
                        "functions' search_path after public\n",
                   env->vector_schema);
}

static enum err apply_one(struct pg *pg, const struct migrate_env *env, const struct migration *m)
{
    char *text = text_for(pg, env, m);
    if (!text)
        return ERR_SCHEMA;
    enum err e = pg_begin(pg);
    if (e == ERR_OK)
        /* Building an index on a big table may take longer than a client's statement limit. */
        e = pg_exec(pg, "SET LOCAL statement_timeout = 0", 0, NULL, NULL);
    if (e == ERR_OK && env->vector_schema) {
        char *sql = xasprintf("SET LOCAL search_path = public, %s, pg_temp", env->vector_schema);
        e = pg_exec(pg, sql, 0, NULL, NULL);
        free(sql);
    }
    if (e != ERR_OK) {
        free(text);
        return e;
    }
    int line = 0;
    e = pg_exec_script(pg, text, &line);
    free(text);
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
    struct migrate_options o = {.is_status_only = status_only};
    return migrate_run_with(pg, &o, report);
}

const char *migrate_roles_sql(void)
{
    for (unsigned i = 0; i < sql_file_count; i++)
        if (strcmp(sql_files[i].path, "assets/sql/roles.sql") == 0)
            return sql_files[i].text;
    return "";
}

enum err migrate_run_with(struct pg *pg, const struct migrate_options *o, char **report)
{
    bool status_only = o->is_status_only;
    struct migrate_env env = {0};
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
    if ((e = env_read(pg, o, &env)) != ERR_OK)
        goto out;
    if (o->is_no_roles && (e = check_roles(pg)) != ERR_OK)
        goto out;
    report_env(&rep, &env, m, count);

    size_t applied = 0;
    for (size_t i = 0; i < count; i++) {
        if (m[i].is_applied)
            continue;
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        e = apply_one(pg, &env, &m[i]);
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
    free(env.vector_schema);
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

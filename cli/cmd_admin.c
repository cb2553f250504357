/* cmd_admin.c: the administration subcommands `cca migrate`, `cca seed` and `cca user`.
 * They see the database only through core/store.h; who may do what is decided by
 * PostgreSQL (definer functions and row-level security), the CLI only reports it. */
#include "cli/commands.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/config.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_admin.h"
#include "core/store_learning.h"
#include "core/utf8.h"
#include "cli/admin_call.h"
#include "db/migrate.h"
#include "db/pg_store.h"

/* Prints text from the database or the command line, sanitised (no escape sequences or
 * controls reach the terminal). */
static void put_safe(const char *s)
{
    char *clean = utf8_sanitize(s ? s : "", s ? strlen(s) : 0, NULL);
    fputs(clean, stdout);
    free(clean);
}

/* A one-line label: no controls, escapes, bidi overrides or invisible characters, which
 * would spoof what admins and the status bar show (and an email must not hold a blank). */
static bool is_clean_label(const char *s, bool allow_space)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if ((cp == UTF8_REPLACEMENT && n == 1) || utf8_cp_is_unsafe(cp) ||
            utf8_cp_is_invisible(cp) || (!allow_space && (cp == ' ' || cp == 0xA0)))
            return false;
        i += n;
    }
    return true;
}

static bool is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Connects for an admin command; prints the reason and returns NULL on failure. */
static struct store *open_or_report(struct cli *cli, bool act_as_user)
{
    struct store *s = NULL;
    char err[1024] = "";
    if (cli->open_store(cli->cfg, act_as_user, &s, err, sizeof err) != ERR_OK) {
        cli_error("%s", *err ? err : "cannot connect to the database");
        return NULL;
    }
    return s;
}

/* Prints a store failure with what to do, returns the exit status 1. */
static int report_failure(struct store *s, enum err e, const char *what)
{
    const char *msg = store_errmsg(s);
    cli_error("%s: %s", what, *msg ? msg : err_str(e));
    return 1;
}

/* The same for user management, where a refusal means "not an admin". */
static int report_user_failure(struct store *s, enum err e, const char *what)
{
    const char *msg = store_errmsg(s);
    if (e == ERR_PERMISSION && !strstr(msg, "admin"))
        cli_error("%s: %s (only an admin can manage users: connect as an admin's role, or in "
                  "the demo use --user with an admin's email)",
                  what, *msg ? msg : err_str(e));
    else
        report_failure(s, e, what);
    return 1;
}

/* --- migrate ----------------------------------------------------------------------------- */

static void migrate_usage(FILE *out)
{
    fputs("Usage: cca migrate [--status] [--no-roles] [--print-roles-sql]\n\n"
          "Applies the database migrations compiled into cca, each in its own transaction, and\n"
          "records them in schema_migrations. Running it again is a no-op; a migration whose\n"
          "text changed after it was applied is refused. --status lists applied (with date)\n"
          "and pending migrations without changing anything.\n\n"
          "On a managed server (docs/managed.md), where the migrating login may not create\n"
          "roles: an admin runs the script --print-roles-sql prints (psql -v migrator=LOGIN\n"
          "-f roles.sql), then --no-roles migrates without creating or altering any role and\n"
          "lists what is missing if the roles are not all there. A login that is not a\n"
          "superuser, and a vector extension in another schema, are adapted to and reported.\n",
          out);
}

int cmd_migrate(struct cli *cli, int argc, char **argv)
{
    bool status_only = false, is_no_roles = false;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            migrate_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--status") == 0) {
            status_only = true;
            continue;
        }
        if (strcmp(argv[i], "--no-roles") == 0) {
            is_no_roles = true;
            continue;
        }
        if (strcmp(argv[i], "--print-roles-sql") == 0) {
            fputs(migrate_roles_sql(), stdout);
            return 0;
        }
        cli_error("migrate: unknown argument '%s'", argv[i]);
        migrate_usage(stderr);
        return 2;
    }
    /* Migrations run as the connecting role, never as a --user identity. */
    struct store *s = open_or_report(cli, false);
    if (!s)
        return 1;
    char *report = NULL;
    enum err e = pg_store_migrate(s, status_only, is_no_roles, &report);
    if (report)
        put_safe(report);
    free(report);
    int status = e == ERR_OK ? 0 : report_failure(s, e, "migrate");
    store_free(s);
    return status;
}

/* --- seed -------------------------------------------------------------------------------- */

/* `cca seed --scale N`: cca_seed_scale(N) adds a generated company (5,000 people per unit)
 * to a seeded database for benchmarks. It runs for minutes: no statement or answer timeout. */
static int seed_scale(struct cli *cli, double factor)
{
    cli->cfg->db_statement_timeout_ms = 0;
    cli->cfg->db_answer_timeout_ms = 6 * 3600 * 1000;
    struct store *s = open_or_report(cli, false);
    if (!s)
        return 1;
    char *report = NULL;
    enum err e = store_learning_seed_scale(s, factor, &report);
    if (e == ERR_OK && report) {
        put_safe(report);
        putchar('\n');
    }
    free(report);
    int status = e == ERR_OK ? 0 : report_failure(s, e, "seed --scale");
    store_free(s);
    return status;
}

int cmd_seed(struct cli *cli, int argc, char **argv)
{
    double scale = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            puts("Usage: cca seed [--scale N]\n\nLoads the sample data (demo users with their "
                 "database roles,\nskills, courses, content, progress, chats) in one "
                 "transaction. Only into a\nmigrated database that has no users yet, then "
                 "chunks and embeds the sample\ncontent with the configured embedder (as cca "
                 "reindex --missing).\n\n"
                 "  --scale N   instead, add a generated company for benchmarks "
                 "(cca_seed_scale):\n"
                 "              at 1, 5,000 employees, 200 courses, ~500,000 progress rows "
                 "and\n"
                 "              1,000,000 chat messages; N from 0.01 to 20. Superuser only, "
                 "once\n"
                 "              per database, after cca seed; takes about a minute per unit.");
            return 0;
        }
        const char *v = NULL;
        if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strncmp(argv[i], "--scale=", 8) == 0)
            v = argv[i] + 8;
        if (v) {
            char *end = NULL;
            scale = strtod(v, &end);
            if (!*v || !end || *end || !(scale > 0 && scale <= 10)) {
                cli_error("seed: --scale wants a number above 0 and at most 10, not '%s'", v);
                return 2;
            }
            continue;
        }
        cli_error("seed: unknown argument '%s'", argv[i]);
        return 2;
    }
    if (scale > 0)
        return seed_scale(cli, scale);
    struct store *s = open_or_report(cli, false);
    if (!s)
        return 1;
    char *report = NULL;
    enum err e = store_seed(s, &report);
    if (report)
        put_safe(report);
    free(report);
    int status = e == ERR_OK ? 0 : report_failure(s, e, "seed");
    store_free(s);
    /* The sample content is searchable right away: chunked and embedded like ingested files. */
    if (status == 0)
        status = cmd_embed_missing(cli);
    return status;
}

/* --- user -------------------------------------------------------------------------------- */

static void user_usage(FILE *out)
{
    fputs("Usage: cca user add EMAIL --name NAME --role ROLE [--department DEPT]\n"
          "                    [--login ACCOUNT] [--print-ident]\n"
          "       cca user set-role EMAIL ROLE\n"
          "       cca user set-department EMAIL DEPT     (\"\" clears it)\n"
          "       cca user deactivate EMAIL\n"
          "       cca user reactivate EMAIL\n"
          "       cca user list [--search S] [--role R] [--inactive | --all] [--json]\n"
          "       cca user import FILE.csv [--dry-run] [--json]\n\n"
          "ROLE is learner, hr_manager, trainer or admin. `add` creates the users row and the\n"
          "person's PostgreSQL login role. A deactivated person can no longer connect and\n"
          "their data stays; `reactivate` lets them in again. `list` shows active people\n"
          "(--inactive: deactivated ones, --all: both); --search matches name or email.\n"
          "`import` reads a CSV file with a header naming the columns email, name, role and\n"
          "department (any order; only email is required), adds new people and changes known\n"
          "ones, all or nothing; --dry-run shows what would change. Admin only: the database\n"
          "refuses anybody else, and writes every change to the audit log with who made it.\n\n"
          "  --login ACCOUNT  name the login role ACCOUNT, the person's account on the shared\n"
          "                   host, so that peer authentication lets them in as themselves\n"
          "                   (only the database's superuser, e.g. run as postgres; an existing\n"
          "                   unprivileged role of that name is adopted)\n"
          "  --print-ident    print only a pg_ident.conf block for map \"cca\" (comments and\n"
          "                   the map line), ready to append: cca user add ... >> pg_ident.conf\n",
          out);
}

static bool is_valid_role(const char *role)
{
    static const char *const roles[] = {"learner", "hr_manager", "trainer", "admin"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

/* Takes "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL when argv[*i] is another option.
 * *is_missing is set when the option is there without a value. */
static const char *take_value(int argc, char **argv, int *i, const char *opt, bool *is_missing)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *is_missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* A PostgreSQL login role name CCA accepts for a person (cca_user_create checks it too). */
static bool is_role_name(const char *s)
{
    static const char *const reserved[] = {"cca_owner", "cca_learner", "cca_hr_manager",
                                           "cca_trainer", "cca_admin"};
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(s, reserved[i]) == 0)
            return false;
    return strncmp(s, "pg_", 3) != 0;
}

/* The person's login role as the database recorded it (heap), or NULL. */
static char *user_db_role(struct store *s, const char *id)
{
    struct store_user *u = NULL;
    size_t n = 0;
    char *role = NULL;
    if (store_user_list(s, &u, &n) != ERR_OK)
        return NULL;
    for (size_t i = 0; i < n && !role; i++)
        if (u[i].id && strcmp(u[i].id, id) == 0 && u[i].db_role)
            role = xstrdup(u[i].db_role);
    store_users_free(u, n);
    return role;
}

/* The pg_ident.conf block for peer authentication: comments, then "cca ACCOUNT ROLE". All of
 * it is safe to append to pg_ident.conf. Names are the validated arguments and the role name
 * the database made from [a-z0-9_]. */
static void print_ident(const char *email, const char *role, const char *id,
                        const char *login, const char *db_role)
{
    printf("# cca: %s, %s, user id %s\n", email, role, id);
    if (login) {
        printf("# the account %s logs in as the role %s (created by cca user add: LOGIN,\n"
               "# no password, member of cca_%s only). pg_hba.conf needs, once, before the\n"
               "# other \"local\" lines:  local <database> all peer map=cca\n"
               "cca  %s  %s\n",
               login, login, role, login, login);
        return;
    }
    printf("# the login role %s was named by the database: map the person's account to it\n"
           "# (replace ACCOUNT) and have them connect with user=%s (PGUSER, or [database] url\n"
           "# in their ~/.config/cca/config.ini); or add them with --login ACCOUNT instead\n"
           "cca  ACCOUNT  %s\n",
           db_role, db_role, db_role);
}

static int user_add(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL, *name = NULL, *role = NULL, *dept = NULL, *login = NULL;
    bool wants_ident = false;
    for (int i = 2; i < argc; i++) {
        bool is_missing = false;
        const char *v;
        if (strcmp(argv[i], "--print-ident") == 0)
            wants_ident = true;
        else if ((v = take_value(argc, argv, &i, "--login", &is_missing)))
            login = v;
        else if ((v = take_value(argc, argv, &i, "--name", &is_missing)))
            name = v;
        else if ((v = take_value(argc, argv, &i, "--role", &is_missing)))
            role = v;
        else if ((v = take_value(argc, argv, &i, "--department", &is_missing)))
            dept = v;
        else if (is_missing) {
            cli_error("user add: %s needs a value", argv[i]);
            return 2;
        } else if (argv[i][0] != '-' && !email)
            email = argv[i];
        else {
            cli_error("user add: unexpected argument '%s'", argv[i]);
            user_usage(stderr);
            return 2;
        }
    }
    if (!email || !name || !role) {
        cli_error("user add: EMAIL, --name and --role are required");
        user_usage(stderr);
        return 2;
    }
    if (!strchr(email, '@') || !is_clean_label(email, false)) {
        cli_error("user add: '%s' is not an email address (no spaces, control or invisible "
                  "characters)",
                  email);
        return 2;
    }
    if (!is_clean_label(name, true) || (dept && !is_clean_label(dept, true))) {
        cli_error("user add: the name and department may not hold control characters, escape "
                  "sequences, bidi overrides or invisible characters");
        return 2;
    }
    if (!is_valid_role(role)) {
        cli_error("user add: unknown role '%s' (learner, hr_manager, trainer or admin)", role);
        return 2;
    }
    if (login && !is_role_name(login)) {
        cli_error("user add: --login '%s' cannot be a login role name (lower-case letters, "
                  "digits and '_', not starting with a digit, not pg_* or a CCA group); name "
                  "the role differently and map the account to it in pg_ident.conf",
                  login);
        return 2;
    }
    struct store *s = open_or_report(cli, true);
    if (!s)
        return 1;
    struct store_user_in in = {
        .email = email, .name = name, .role = role, .department = dept, .db_role = login};
    char *id = NULL;
    enum err e = store_user_add(s, &in, &id);
    int status = 0;
    if (e == ERR_OK && wants_ident) {
        char *db_role = login ? xstrdup(login) : user_db_role(s, id ? id : "");
        if (db_role && id && is_clean_label(id, false) && is_role_name(db_role)) {
            print_ident(email, role, id, login, db_role);
        } else {
            cli_error("user add: added, but the login role is not readable here: see cca user "
                      "list");
            status = 1;
        }
        free(db_role);
    } else if (e == ERR_OK) {
        fputs("added ", stdout);
        put_safe(email);
        fputs(" (", stdout);
        put_safe(name);
        printf(") as %s, user id ", role);
        put_safe(id ? id : "?");
        if (login)
            printf(", login role %s", login);
        fputc('\n', stdout);
    } else if (login && e == ERR_PERMISSION) {
        cli_error("user add: %s (--login needs the database's superuser: run it as the operator, "
                  "e.g. sudo -u postgres cca user add ...; an admin can add people without "
                  "--login)",
                  store_errmsg(s));
        status = 1;
    } else
        status = report_user_failure(s, e, "user add");
    free(id);
    store_free(s);
    return status;
}

static int user_set_role(struct cli *cli, int argc, char **argv)
{
    if (argc != 4) {
        user_usage(stderr);
        return 2;
    }
    const char *email = argv[2], *role = argv[3];
    if (!is_valid_role(role)) {
        cli_error("user set-role: unknown role '%s' (learner, hr_manager, trainer or admin)",
                  role);
        return 2;
    }
    struct store *s = open_or_report(cli, true);
    if (!s)
        return 1;
    enum err e = store_user_set_role(s, email, role);
    int status = 0;
    if (e == ERR_OK) {
        put_safe(email);
        printf(" is now %s\n", role);
    }
    else
        status = report_user_failure(s, e, "user set-role");
    store_free(s);
    return status;
}

static void print_users_json(const struct store_user *u, size_t n)
{
    struct json_out j;
    json_out_init(&j, 16u << 20);
    json_out_object_begin(&j);
    json_out_key(&j, "users");
    json_out_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        json_out_object_begin(&j);
        json_out_key(&j, "id");
        json_out_string(&j, u[i].id);
        json_out_key(&j, "email");
        json_out_string(&j, u[i].email);
        json_out_key(&j, "name");
        json_out_string(&j, u[i].name);
        json_out_key(&j, "role");
        json_out_string(&j, u[i].role);
        json_out_key(&j, "department");
        json_out_string(&j, u[i].department);
        json_out_key(&j, "db_role");
        json_out_string(&j, u[i].db_role);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    json_out_object_end(&j);
    cli_print_json(&j, "the user list");
}

/* Writes untrusted text (names come from the database) made safe for the terminal, padded to
 * width columns; newlines and tabs become spaces so a row stays one line. */
static void print_cell(const char *text, size_t width, bool is_last)
{
    const char *raw = text && *text ? text : "-";
    size_t len = 0;
    char *safe = utf8_sanitize(raw, strlen(raw), &len);
    for (size_t i = 0; i < len; i++)
        if (safe[i] == '\n' || safe[i] == '\t')
            safe[i] = ' ';
    fputs(safe, stdout);
    if (is_last) {
        putchar('\n');
    } else {
        for (size_t w = utf8_width(safe, len); w < width; w++)
            putchar(' ');
        putchar(' ');
    }
    free(safe);
}

/* Prints the people pages of cca_admin_people as a table or one JSON document. */
static void print_people(const struct json_node *const *items, size_t n, bool is_json)
{
    if (is_json) {
        struct json_out j;
        json_out_init(&j, 64u << 20);
        json_out_object_begin(&j);
        json_out_key(&j, "users");
        json_out_array_begin(&j);
        static const char *const keys[] = {"id",         "email",          "name",
                                           "role",       "department",     "db_role",
                                           "created_at", "deactivated_at"};
        for (size_t i = 0; i < n; i++) {
            json_out_object_begin(&j);
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
                char *v = json_str_dup(json_get(items[i], keys[k]), NULL);
                json_out_key(&j, keys[k]);
                json_out_string(&j, v);
                free(v);
            }
            json_out_key(&j, "active");
            json_out_bool(&j, json_bool(json_get(items[i], "active"), 1));
            json_out_object_end(&j);
        }
        json_out_array_end(&j);
        json_out_key(&j, "count");
        json_out_int(&j, (long)n);
        json_out_object_end(&j);
        cli_print_json(&j, "the user list");
        return;
    }
    printf("%-32s %-24s %-11s %-16s %s\n", "EMAIL", "NAME", "ROLE", "DEPARTMENT", "ACTIVE");
    for (size_t i = 0; i < n; i++) {
        char *email = admin_str(items[i], "email"), *name = admin_str(items[i], "name");
        char *role = admin_str(items[i], "role"), *dept = admin_str(items[i], "department");
        admin_put_cell(email, 32, false);
        admin_put_cell(name, 24, false);
        admin_put_cell(role, 11, false);
        admin_put_cell(dept, 16, false);
        admin_put_cell(json_bool(json_get(items[i], "active"), 1) ? "yes" : "no", 0, true);
        free(email);
        free(name);
        free(role);
        free(dept);
    }
    if (n == 0)
        puts("(nobody matches)");
}

/* `user list` for someone who is not an admin: the people row-level security shows them. */
static int user_list_visible(struct store *s, bool is_json)
{
    struct store_user *u = NULL;
    size_t n = 0;
    enum err e = store_user_list(s, &u, &n);
    if (e != ERR_OK)
        return report_user_failure(s, e, "user list");
    if (is_json) {
        print_users_json(u, n);
    } else {
        printf("%-32s %-24s %-11s %-16s %s\n", "EMAIL", "NAME", "ROLE", "DEPARTMENT", "DB ROLE");
        for (size_t i = 0; i < n; i++) {
            print_cell(u[i].email, 32, false);
            print_cell(u[i].name, 24, false);
            print_cell(u[i].role, 11, false);
            print_cell(u[i].department, 16, false);
            print_cell(u[i].db_role, 0, true);
        }
        if (n == 0)
            puts("(no users visible to this session)");
    }
    store_users_free(u, n);
    return 0;
}

static int user_list(struct cli *cli, int argc, char **argv)
{
    bool is_json = false;
    struct store_people_query q = {.active = 1, .page_size = 500};
    for (int i = 2; i < argc; i++) {
        bool is_missing = false;
        const char *v;
        if (strcmp(argv[i], "--json") == 0)
            is_json = true;
        else if (strcmp(argv[i], "--all") == 0)
            q.active = -1;
        else if (strcmp(argv[i], "--inactive") == 0)
            q.active = 0;
        else if ((v = admin_take_value(argc, argv, &i, "--search", &is_missing)))
            q.search = v;
        else if ((v = admin_take_value(argc, argv, &i, "--role", &is_missing)))
            q.role = v;
        else {
            cli_error(is_missing ? "user list: %s needs a value"
                                 : "user list: unknown argument '%s'",
                      argv[i]);
            return 2;
        }
    }
    if (q.role && !is_valid_role(q.role)) {
        cli_error("user list: unknown role '%s' (learner, hr_manager, trainer or admin)", q.role);
        return 2;
    }
    bool is_filtered = q.search || q.role || q.active != 1;
    struct store *s = open_or_report(cli, true);
    if (!s)
        return 1;
    /* Every page: the keyset cursor "next" until it is null. */
    struct json_doc **docs = NULL;
    size_t doc_count = 0, n = 0, cap = 0;
    const struct json_node **items = NULL;
    char *after = NULL;
    int status = 0;
    for (;;) {
        q.after = after;
        struct admin_reply r = {0};
        store_admin_people(s, &q, admin_call_reply, &r);
        if (r.e == ERR_PERMISSION && !is_filtered && doc_count == 0) {
            /* Not an admin: what row-level security lets this person see. */
            admin_reply_cleanup(&r);
            status = user_list_visible(s, is_json);
            goto out;
        }
        if (r.e != ERR_OK) {
            status = admin_call_failed(&r, "user list");
            admin_reply_cleanup(&r);
            goto out;
        }
        struct json_doc *doc = admin_reply_doc(&r, "user list");
        admin_reply_cleanup(&r);
        if (!doc) {
            status = 1;
            goto out;
        }
        docs = xreallocarray(docs, doc_count + 1, sizeof *docs);
        docs[doc_count++] = doc;
        const struct json_node *page = json_get(json_doc_root(doc), "items");
        for (size_t i = 0; i < json_len(page); i++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                items = xreallocarray(items, cap, sizeof *items);
            }
            items[n++] = json_at(page, i);
        }
        free(after);
        after = json_str_dup(json_get(json_doc_root(doc), "next"), NULL);
        if (!after || json_len(page) == 0)
            break;
    }
    print_people(items, n, is_json);
out:
    free(after);
    free(items);
    for (size_t i = 0; i < doc_count; i++)
        json_doc_free(docs[i]);
    free(docs);
    store_free(s);
    return status;
}

/* Prints what a person change left: "alice@example.com (Alice Martin): learner, Sales,
 * active". */
static void print_person_line(const char *verb, const char *text)
{
    struct json_doc *doc = NULL;
    if (!text || json_doc_parse(text, strlen(text), &doc) != ERR_OK) {
        puts(verb);
        return;
    }
    const struct json_node *p = json_doc_root(doc);
    char *email = admin_str(p, "email"), *name = admin_str(p, "name");
    char *role = admin_str(p, "role"), *dept = admin_str(p, "department");
    fputs(verb, stdout);
    fputc(' ', stdout);
    admin_put(stdout, email, NULL);
    fputs(" (", stdout);
    admin_put(stdout, name, NULL);
    fputs("): ", stdout);
    admin_put(stdout, role, NULL);
    fputs(", ", stdout);
    admin_put(stdout, dept, "no department");
    fputs(json_bool(json_get(p, "active"), 1) ? ", active" : ", deactivated (cannot connect; "
                                                             "their data stays)",
          stdout);
    fputc('\n', stdout);
    free(email);
    free(name);
    free(role);
    free(dept);
    json_doc_free(doc);
}

/* user deactivate|reactivate EMAIL, user set-department EMAIL DEPT */
static int user_change(struct cli *cli, int argc, char **argv)
{
    bool is_dept = strcmp(argv[1], "set-department") == 0;
    bool is_json = false;
    const char *args[2] = {NULL, NULL};
    int nargs = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            is_json = true;
        else if (nargs < (is_dept ? 2 : 1) && (argv[i][0] != '-' || (is_dept && nargs == 1)))
            args[nargs++] = argv[i];
        else {
            cli_error("user %s: unexpected argument '%s'", argv[1], argv[i]);
            user_usage(stderr);
            return 2;
        }
    }
    if (nargs != (is_dept ? 2 : 1)) {
        cli_error(is_dept ? "user set-department: EMAIL and DEPT are required (\"\" clears it)"
                          : "user %s: EMAIL is required",
                  argv[1]);
        return 2;
    }
    if (is_dept && *args[1] && !is_clean_label(args[1], true)) {
        cli_error("user set-department: the department may not hold control characters, "
                  "escape sequences, bidi overrides or invisible characters");
        return 2;
    }
    struct store *s = open_or_report(cli, true);
    if (!s)
        return 1;
    struct admin_reply r = {0};
    const char *verb;
    if (is_dept) {
        store_admin_set_department(s, args[0], *args[1] ? args[1] : NULL, admin_call_reply, &r);
        verb = "changed";
    } else {
        bool is_active = strcmp(argv[1], "reactivate") == 0;
        store_admin_set_active(s, args[0], is_active, admin_call_reply, &r);
        verb = is_active ? "reactivated" : "deactivated";
    }
    char what[64];
    snprintf(what, sizeof what, "user %s", argv[1]);
    int status = 0;
    if (r.e != ERR_OK)
        status = admin_call_failed(&r, what);
    else if (is_json)
        puts(r.text ? r.text : "null");
    else
        print_person_line(verb, r.text);
    admin_reply_cleanup(&r);
    store_free(s);
    return status;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        user_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (is_help(argv[i])) {
            user_usage(stdout);
            return 0;
        }
    if (strcmp(argv[1], "add") == 0)
        return user_add(cli, argc, argv);
    if (strcmp(argv[1], "set-role") == 0)
        return user_set_role(cli, argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return user_list(cli, argc, argv);
    if (strcmp(argv[1], "deactivate") == 0 || strcmp(argv[1], "reactivate") == 0 ||
        strcmp(argv[1], "set-department") == 0)
        return user_change(cli, argc, argv);
    if (strcmp(argv[1], "import") == 0)
        return cmd_user_import(cli, argc, argv);
    cli_error("user: unknown subcommand '%s'", argv[1]);
    user_usage(stderr);
    return 2;
}

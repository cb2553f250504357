/* cmd_gdpr.c: `cca audit`, `cca gdpr export|erase` and `cca retention`: the audit trail, the
 * GDPR rights and data retention from the command line (scriptable, --json where they print
 * data). The database does the work and decides who may (migration 010's Admin API). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/store_admin.h"
#include "core/utf8.h"
#include "cli/admin_call.h"
#include "cli/commands.h"

/* --- audit ------------------------------------------------------------------------------- */

static void audit_usage(FILE *out)
{
    fputs("Usage: cca audit [--person P] [--table T] [--action A] [--since D] [--until D]\n"
          "                 [--analytics] [--limit N] [--after CURSOR] [--json]\n\n"
          "The audit trail, newest first: who changed what, with their database role. P is an\n"
          "email or user id (who did it or whom it is about); D is a date or time (2026-01-31,\n"
          "'2026-01-31 12:00') or a span back from now (7d, 12h, 30m). --analytics reads the\n"
          "analytics events instead (--action is then the event type). --limit is 50 by\n"
          "default; with --json at most 500, and the document's \"next\" continues with\n"
          "--after. Admin only.\n",
          out);
}

/* "7d", "12h", "30m" as an ISO time that far back; anything else is passed on as given. */
static char *time_arg(const char *v)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno == 0 && end != v && n >= 0 && n < 1000000 && end[0] && !end[1] &&
        strchr("dhm", end[0])) {
        long unit = end[0] == 'd' ? 86400 : end[0] == 'h' ? 3600 : 60;
        time_t t = time(NULL) - (time_t)(n * unit);
        struct tm tm;
        gmtime_r(&t, &tm);
        char text[40];
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return xstrdup(text);
    }
    return xstrdup(v);
}

/* "2026-12-06T20:56:45.123+00:00" as "2026-12-06 20:56:45". */
static void put_time(const char *iso)
{
    char t[20];
    size_t n = iso ? strlen(iso) : 0;
    if (n >= 19) {
        memcpy(t, iso, 19);
        t[10] = ' ';
        t[19] = '\0';
        admin_put_cell(t, 19, false);
    } else {
        admin_put_cell(iso, 19, false);
    }
}

static char *who_text(const struct json_node *person, const char *fallback)
{
    char *email = json_str_dup(json_get(person, "email"), NULL);
    if (email)
        return email;
    return xstrdup(fallback && *fallback ? fallback : "-");
}

static void print_audit_items(const struct json_node *items, bool is_analytics)
{
    for (size_t i = 0; i < json_len(items); i++) {
        const struct json_node *it = json_at(items, i);
        char *at = admin_str(it, "at"), *action = admin_str(it, "action");
        put_time(at);
        admin_put_cell(action, 18, false);
        if (is_analytics) {
            char *uid = admin_str(it, "user_id");
            char *user = who_text(json_get(it, "user"), uid);
            admin_put_cell(user, 0, true);
            free(uid);
            free(user);
        } else {
            char *table = admin_str(it, "table"), *record = admin_str(it, "record_id");
            char *actor_role = admin_str(it, "actor_role"), *subject_id = admin_str(it, "subject_id");
            char *by = who_text(json_get(it, "actor"), actor_role);
            char *about = who_text(json_get(it, "subject"), subject_id);
            admin_put_cell(table, 20, false);
            admin_put_cell(by, 26, false);
            admin_put_cell(about, 26, false);
            admin_put_cell(record, 0, true);
            free(table);
            free(record);
            free(actor_role);
            free(subject_id);
            free(by);
            free(about);
        }
        free(at);
        free(action);
    }
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
    struct store_audit_query q = {.source = "audit"};
    bool is_json = false;
    long limit = 50;
    char *since = NULL, *until = NULL;
    int status = 2;
    for (int i = 1; i < argc; i++) {
        bool is_missing = false;
        const char *v;
        if (admin_is_help(argv[i])) {
            audit_usage(stdout);
            status = 0;
            goto out;
        } else if (strcmp(argv[i], "--json") == 0) {
            is_json = true;
        } else if (strcmp(argv[i], "--analytics") == 0) {
            q.source = "analytics";
        } else if ((v = admin_take_value(argc, argv, &i, "--person", &is_missing))) {
            q.person = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--table", &is_missing))) {
            q.table_name = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--action", &is_missing))) {
            q.action = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--since", &is_missing))) {
            free(since);
            since = time_arg(v);
        } else if ((v = admin_take_value(argc, argv, &i, "--until", &is_missing))) {
            free(until);
            until = time_arg(v);
        } else if ((v = admin_take_value(argc, argv, &i, "--after", &is_missing))) {
            q.after = v;
        } else if ((v = admin_take_value(argc, argv, &i, "--limit", &is_missing))) {
            char *end = NULL;
            limit = strtol(v, &end, 10);
            if (!*v || *end || limit < 1 || limit > 1000000) {
                cli_error("audit: --limit takes a number from 1 to 1000000");
                goto out;
            }
        } else {
            cli_error(is_missing ? "audit: %s needs a value" : "audit: unknown argument '%s'",
                      argv[i]);
            audit_usage(stderr);
            goto out;
        }
    }
    if (is_json && limit > 500) {
        cli_error("audit: --json prints one page of at most 500 entries; continue with --after "
                  "and the document's \"next\"");
        goto out;
    }
    if (q.table_name && strcmp(q.source, "analytics") == 0) {
        cli_error("audit: --table does not apply to --analytics");
        goto out;
    }
    q.since = since;
    q.until = until;
    struct store *s = admin_call_open(cli);
    status = 1;
    if (!s)
        goto out;
    bool is_analytics = strcmp(q.source, "analytics") == 0;
    if (!is_json) {
        printf("%-19s %-18s ", "AT", is_analytics ? "EVENT" : "ACTION");
        puts(is_analytics ? "USER"
                          : "TABLE                BY                         ABOUT        "
                            "              RECORD");
    }
    long shown = 0;
    char *after = q.after ? xstrdup(q.after) : NULL;
    status = 0;
    while (shown < limit) {
        q.after = after;
        q.page_size = (int)(limit - shown > 500 ? 500 : limit - shown);
        struct admin_reply r = {0};
        store_admin_audit(s, &q, admin_call_reply, &r);
        if (r.e != ERR_OK) {
            status = admin_call_failed(&r, "audit");
            admin_reply_cleanup(&r);
            break;
        }
        if (is_json) {
            puts(r.text ? r.text : "null");
            admin_reply_cleanup(&r);
            break;
        }
        struct json_doc *doc = admin_reply_doc(&r, "audit");
        admin_reply_cleanup(&r);
        if (!doc) {
            status = 1;
            break;
        }
        const struct json_node *items = json_get(json_doc_root(doc), "items");
        print_audit_items(items, is_analytics);
        shown += (long)json_len(items);
        free(after);
        after = json_str_dup(json_get(json_doc_root(doc), "next"), NULL);
        json_doc_free(doc);
        if (!after)
            break;
    }
    if (!is_json && status == 0) {
        if (shown == 0)
            puts("(no entries)");
        else if (after) {
            fputs("(more: --after ", stdout);
            admin_put(stdout, after, NULL);
            puts(")");
        }
    }
    free(after);
    store_free(s);
out:
    free(since);
    free(until);
    return status;
}

/* --- gdpr -------------------------------------------------------------------------------- */

static void gdpr_usage(FILE *out)
{
    fputs("Usage: cca gdpr export EMAIL --output FILE [--force]\n"
          "       cca gdpr export --me --output FILE [--force]\n"
          "       cca gdpr erase EMAIL [--yes] [--json]\n\n"
          "export writes everything stored about one person as one JSON document to FILE,\n"
          "created 0600 (an existing FILE is replaced only with --force; `-` writes to\n"
          "stdout). Admins export anybody; --me exports your own data. erase removes a\n"
          "person and their personal data for good (their authored content passes to you,\n"
          "audit entries keep the event without the data) after you type their email back;\n"
          "--yes skips the question for scripts. Both are written to the audit log.\n",
          out);
}

static void print_export_summary(const char *who, const char *path, const char *text,
                                 size_t len)
{
    struct json_doc *doc = NULL;
    fputs("exported ", stdout);
    admin_put(stdout, who, NULL);
    fputs(" to ", stdout);
    admin_put(stdout, path, NULL);
    printf(" (%zu bytes, mode 0600)", len);
    if (json_doc_parse(text, len, &doc) == ERR_OK) {
        const struct json_node *root = json_doc_root(doc);
        const char *sep = ": ";
        for (size_t i = 0;; i++) {
            const struct json_node *m = json_at(root, i);
            if (!m)
                break;
            size_t n = json_len(m);
            const char *key = json_key(m);
            /* Arrays of rows only: an object's members have keys ("user" is one row). */
            if (n == 0 || !key || json_key(json_at(m, 0)))
                continue;
            fputs(sep, stdout);
            admin_put(stdout, key, NULL);
            printf(" %zu", n);
            sep = ", ";
        }
        json_doc_free(doc);
    }
    fputc('\n', stdout);
}

static int gdpr_export(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL, *path = NULL;
    bool is_me = false, is_force = false;
    for (int i = 2; i < argc; i++) {
        bool is_missing = false;
        const char *v;
        if (strcmp(argv[i], "--me") == 0)
            is_me = true;
        else if (strcmp(argv[i], "--force") == 0)
            is_force = true;
        else if ((v = admin_take_value(argc, argv, &i, "--output", &is_missing)) ||
                 (v = admin_take_value(argc, argv, &i, "-o", &is_missing)))
            path = v;
        else if (!is_missing && argv[i][0] != '-' && !email)
            email = argv[i];
        else {
            cli_error(is_missing ? "gdpr export: %s needs a value"
                                 : "gdpr export: unexpected argument '%s'",
                      argv[i]);
            return 2;
        }
    }
    if (is_me == (email != NULL) || !path) {
        cli_error("gdpr export: give EMAIL or --me, and --output FILE");
        gdpr_usage(stderr);
        return 2;
    }
    bool is_stdout = strcmp(path, "-") == 0;
    struct stat st;
    if (!is_stdout && !is_force && lstat(path, &st) == 0) {
        cli_error("gdpr export: %s exists; nothing was written (use --force to replace it)",
                  path);
        return 1;
    }
    struct store *s = admin_call_open(cli);
    if (!s)
        return 1;
    struct admin_reply r = {0};
    store_admin_export(s, is_me ? NULL : email, admin_call_reply, &r);
    int status = 0;
    if (r.e != ERR_OK) {
        status = admin_call_failed(&r, "gdpr export");
    } else if (!r.text) {
        cli_error("gdpr export: the database returned no document");
        status = 1;
    } else if (is_stdout) {
        puts(r.text);
    } else {
        /* A trailing newline, as a text file has. */
        size_t len = strlen(r.text);
        char *data = xasprintf("%s\n", r.text);
        char err[1024] = "";
        enum err e = private_file_replace(path, data, len + 1, err, sizeof err);
        if (e != ERR_OK) {
            cli_error("gdpr export: %s", *err ? err : err_str(e));
            status = 1;
        } else {
            print_export_summary(is_me ? "your data" : email, path, r.text, len);
        }
        free(data);
    }
    admin_reply_cleanup(&r);
    store_free(s);
    return status;
}

/* Reads one line from the terminal into line (without the newline); false at end of input. */
static bool read_line(char *line, size_t size)
{
    if (!fgets(line, (int)size, stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return true;
}

/* Prints "table n, table n" of an object of counts; returns how many were printed. */
static int put_counts(const struct json_node *obj)
{
    int printed = 0;
    for (size_t i = 0;; i++) {
        const struct json_node *m = json_at(obj, i);
        if (!m)
            break;
        double n = json_num(m, 0);
        const char *key = json_key(m);
        if (n <= 0 || !key)
            continue;
        fputs(printed ? ", " : "", stdout);
        admin_put(stdout, key, NULL);
        printf(" %.0f", n);
        printed++;
    }
    return printed;
}

static int gdpr_erase(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL;
    bool is_yes = false, is_json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
            is_yes = true;
        else if (strcmp(argv[i], "--json") == 0)
            is_json = true;
        else if (argv[i][0] != '-' && !email)
            email = argv[i];
        else {
            cli_error("gdpr erase: unexpected argument '%s'", argv[i]);
            return 2;
        }
    }
    if (!email) {
        cli_error("gdpr erase: name the person's EMAIL");
        return 2;
    }
    if (!is_yes && !isatty(STDIN_FILENO)) {
        cli_error("gdpr erase: confirm on a terminal by typing the email, or pass --yes");
        return 2;
    }
    struct store *s = admin_call_open(cli);
    if (!s)
        return 1;
    int status = 1;
    struct json_doc *person = NULL, *tomb = NULL;
    char *id = NULL, *name = NULL;
    /* Who it is and what is stored, before anything goes. */
    struct admin_reply r = {0};
    store_admin_person(s, email, admin_call_reply, &r);
    if (r.e != ERR_OK) {
        admin_call_failed(&r, "gdpr erase");
        goto out;
    }
    person = admin_reply_doc(&r, "gdpr erase");
    if (!person)
        goto out;
    const struct json_node *root = json_doc_root(person);
    id = json_str_dup(json_get(json_get(root, "person"), "id"), NULL);
    name = admin_str(json_get(root, "person"), "name");
    if (!is_yes) {
        fputs("This erases ", stdout);
        admin_put(stdout, email, NULL);
        fputs(" (", stdout);
        admin_put(stdout, name, NULL);
        fputs(") and everything stored about them", stdout);
        if (json_get(root, "rows")) {
            fputs(": ", stdout);
            if (!put_counts(json_get(root, "rows")))
                fputs("no rows", stdout);
        }
        fputs(".\nIt cannot be undone. Type the email to confirm: ", stdout);
        fflush(stdout);
        char line[1024];
        if (!read_line(line, sizeof line) || strcmp(line, email) != 0) {
            cli_error("gdpr erase: the confirmation did not match %s; nothing was erased",
                      email);
            goto out;
        }
    }
    admin_reply_cleanup(&r);
    store_admin_erase(s, email, admin_call_reply, &r);
    if (r.e != ERR_OK) {
        admin_call_failed(&r, "gdpr erase");
        goto out;
    }
    status = 0;
    /* What it did: the tombstone's counts. */
    admin_reply_cleanup(&r);
    struct store_audit_query q = {.source = "audit", .person = id, .action = "erased",
                                  .page_size = 1};
    store_admin_audit(s, &q, admin_call_reply, &r);
    const struct json_node *changes = NULL;
    if (r.e == ERR_OK && r.text && json_doc_parse(r.text, strlen(r.text), &tomb) == ERR_OK)
        changes = json_get(json_at(json_get(json_doc_root(tomb), "items"), 0), "changes");
    if (is_json) {
        struct json_out j;
        json_out_init(&j, 1u << 20);
        json_out_object_begin(&j);
        json_out_key(&j, "erased");
        json_out_string(&j, email);
        json_out_key(&j, "id");
        json_out_string(&j, id);
        static const char *const parts[] = {"removed", "reassigned"};
        for (size_t k = 0; k < 2; k++) {
            const struct json_node *obj = json_get(changes, parts[k]);
            json_out_key(&j, parts[k]);
            json_out_object_begin(&j);
            for (size_t i = 0; json_at(obj, i); i++) {
                const struct json_node *m = json_at(obj, i);
                if (!json_key(m))
                    continue;
                json_out_key(&j, json_key(m));
                json_out_number(&j, json_num(m, 0));
            }
            json_out_object_end(&j);
        }
        json_out_object_end(&j);
        cli_print_json(&j, "the erasure summary");
        goto out;
    }
    fputs("erased ", stdout);
    admin_put(stdout, email, NULL);
    fputs(" (", stdout);
    admin_put(stdout, name, NULL);
    fputs(")", stdout);
    if (changes) {
        fputs("; removed: ", stdout);
        if (!put_counts(json_get(changes, "removed")))
            fputs("nothing", stdout);
        fputs("; reassigned to you: ", stdout);
        if (!put_counts(json_get(changes, "reassigned")))
            fputs("nothing", stdout);
    }
    puts("; audit entries about them keep the event without the data");
out:
    admin_reply_cleanup(&r);
    json_doc_free(person);
    json_doc_free(tomb);
    free(id);
    free(name);
    store_free(s);
    return status;
}

int cmd_gdpr(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || admin_is_help(argv[1])) {
        gdpr_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (admin_is_help(argv[i])) {
            gdpr_usage(stdout);
            return 0;
        }
    if (strcmp(argv[1], "export") == 0)
        return gdpr_export(cli, argc, argv);
    if (strcmp(argv[1], "erase") == 0)
        return gdpr_erase(cli, argc, argv);
    cli_error("gdpr: unknown subcommand '%s' (export or erase)", argv[1]);
    return 2;
}

/* --- retention --------------------------------------------------------------------------- */

static void retention_usage(FILE *out)
{
    fputs("Usage: cca retention [--dry-run | --apply] [--set KEY=DAYS]... [--json]\n\n"
          "Removes what is older than the retention settings: chat messages (and emptied\n"
          "conversations) after chat_days, analytics events after analytics_days, audit\n"
          "entries after audit_days (erasure records stay). 0 days keeps forever. Without\n"
          "--apply nothing is removed: it says how much would go, per table. --set changes a\n"
          "setting first (KEY: chat_days, analytics_days, audit_days). Admin only; run it\n"
          "from cron with --apply.\n",
          out);
}

static void print_retention(const struct json_node *root)
{
    bool is_dry = json_bool(json_get(root, "dry_run"), 1);
    const struct json_node *set = json_get(root, "settings");
    static const char *const keys[] = {"chat_days", "analytics_days", "audit_days"};
    fputs(is_dry ? "retention (dry run: nothing removed):" : "retention applied:", stdout);
    for (size_t k = 0; k < 3; k++) {
        double d = json_num(json_get(set, keys[k]), -1);
        printf(" %s %s", keys[k], d == 0 ? "forever" : "");
        if (d != 0)
            printf("%.0f", d);
    }
    fputc('\n', stdout);
    const struct json_node *tables = json_get(root, "tables");
    for (size_t i = 0;; i++) {
        const struct json_node *t = json_at(tables, i);
        if (!t)
            break;
        char *cutoff = json_str_dup(json_get(t, "cutoff"), NULL);
        printf("  %-18s %8.0f rows %s", json_key(t) ? json_key(t) : "?",
               json_num(json_get(t, "rows"), 0), is_dry ? "to remove" : "removed");
        if (cutoff) {
            fputs(", older than ", stdout);
            admin_put(stdout, cutoff, NULL);
        } else {
            fputs(" (kept forever)", stdout);
        }
        fputc('\n', stdout);
        free(cutoff);
    }
}

int cmd_retention(struct cli *cli, int argc, char **argv)
{
    bool is_apply = false, is_dry = false, is_json = false;
    const char **sets = xcalloc((size_t)argc + 1, sizeof *sets);
    size_t set_count = 0;
    int status = 2;
    for (int i = 1; i < argc; i++) {
        bool is_missing = false;
        const char *v;
        if (admin_is_help(argv[i])) {
            retention_usage(stdout);
            status = 0;
            goto done;
        } else if (strcmp(argv[i], "--apply") == 0) {
            is_apply = true;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            is_dry = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            is_json = true;
        } else if ((v = admin_take_value(argc, argv, &i, "--set", &is_missing))) {
            if (!strchr(v, '=')) {
                cli_error("retention: --set takes KEY=DAYS (chat_days=365)");
                goto done;
            }
            sets[set_count++] = v;
        } else {
            cli_error(is_missing ? "retention: %s needs a value"
                                 : "retention: unknown argument '%s'",
                      argv[i]);
            retention_usage(stderr);
            goto done;
        }
    }
    if (is_apply && is_dry) {
        cli_error("retention: --apply or --dry-run, not both");
        goto done;
    }
    struct store *s = admin_call_open(cli);
    status = 1;
    if (!s)
        goto done;
    struct admin_reply r = {0};
    for (size_t k = 0; k < set_count; k++) {
        const char *eq = strchr(sets[k], '=');
        char *key = xasprintf("retention.%.*s", (int)(eq - sets[k]), sets[k]);
        store_admin_setting_set(s, key, eq + 1, admin_call_reply, &r);
        free(key);
        if (r.e != ERR_OK) {
            admin_call_failed(&r, "retention --set");
            goto out;
        }
        if (!is_json) {
            fputs("set ", stdout);
            admin_put(stdout, sets[k], NULL);
            fputc('\n', stdout);
        }
    }
    store_admin_retention(s, !is_apply, admin_call_reply, &r);
    if (r.e != ERR_OK) {
        admin_call_failed(&r, "retention");
        goto out;
    }
    struct json_doc *doc = admin_reply_doc(&r, "retention");
    if (!doc)
        goto out;
    if (is_json)
        puts(r.text);
    else
        print_retention(json_doc_root(doc));
    json_doc_free(doc);
    status = 0;
out:
    admin_reply_cleanup(&r);
    store_free(s);
done:
    free(sets);
    return status;
}

/* cmd_import.c: `cca user import FILE.csv [--dry-run] [--json]`. Reads the CSV in C
 * (core/csv), hands the people to cca_user_import as JSON, and prints what would change or
 * what changed. The database checks every row and applies all of them or none. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/store_admin.h"
#include "core/utf8.h"
#include "cli/admin_call.h"
#include "cli/commands.h"

enum { IMPORT_ROWS_MAX = 10000 };

static const char *const columns[] = {"email", "name", "role", "department"};
enum { COLUMN_COUNT = sizeof columns / sizeof columns[0] };

static enum err read_file(const char *path, struct buf *out)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
    char chunk[65536];
    size_t n;
    enum err e = ERR_OK;
    while (e == ERR_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = buf_append(out, chunk, n);
    if (e == ERR_OK && ferror(f))
        e = ERR_IO;
    if (!is_stdin)
        fclose(f);
    return e;
}

/* A header cell names a column: trimmed, any case. */
static int column_of(const char *cell)
{
    size_t len = strlen(cell);
    while (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t'))
        len--;
    while (len && (*cell == ' ' || *cell == '\t')) {
        cell++;
        len--;
    }
    for (int k = 0; k < COLUMN_COUNT; k++)
        if (strlen(columns[k]) == len && strncasecmp(cell, columns[k], len) == 0)
            return k;
    return -1;
}

/* The people as cca_user_import takes them. A cell is trimmed; an empty name or role is "not
 * given" (a known person keeps theirs), an empty department clears it. */
static enum err people_json(const struct csv *c, const int *col_of_field, size_t field_count,
                            char **out)
{
    struct json_out j;
    json_out_init(&j, 64u << 20);
    json_out_array_begin(&j);
    for (size_t r = 1; r < csv_records(c); r++) {
        json_out_object_begin(&j);
        for (size_t f = 0; f < field_count; f++) {
            int k = col_of_field[f];
            if (k < 0)
                continue;
            const char *cell = csv_get(c, r, f);
            if (!cell)
                cell = "";
            while (*cell == ' ' || *cell == '\t')
                cell++;
            size_t len = strlen(cell);
            while (len && (cell[len - 1] == ' ' || cell[len - 1] == '\t'))
                len--;
            if (len == 0 && (k == 1 || k == 2))
                continue;
            json_out_key(&j, columns[k]);
            json_out_stringn(&j, cell, len);
        }
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    enum err e = json_out_finish(&j, out);
    json_out_cleanup(&j);
    return e;
}

static void put_change(const struct json_node *changes, const char *key, bool *is_first)
{
    const struct json_node *ch = json_get(changes, key);
    if (!ch)
        return;
    char *from = json_str_dup(json_get(ch, "from"), NULL);
    char *to = json_str_dup(json_get(ch, "to"), NULL);
    printf("%s %s ", *is_first ? "" : ";", key);
    *is_first = false;
    admin_put(stdout, from, "(none)");
    fputs(" -> ", stdout);
    admin_put(stdout, to, "(none)");
    free(from);
    free(to);
}

static void print_report(const struct json_node *root, const struct csv *c)
{
    const struct json_node *counts = json_get(root, "counts");
    bool is_applied = json_bool(json_get(root, "applied"), 0);
    long added = (long)json_num(json_get(counts, "added"), 0);
    long changed = (long)json_num(json_get(counts, "changed"), 0);
    long unchanged = (long)json_num(json_get(counts, "unchanged"), 0);
    long errors = (long)json_num(json_get(counts, "errors"), 0);
    const struct json_node *list = json_get(root, "added");
    for (size_t i = 0; i < json_len(list); i++) {
        const struct json_node *p = json_at(list, i);
        char *email = admin_str(p, "email"), *name = admin_str(p, "name");
        char *role = admin_str(p, "role"), *dept = admin_str(p, "department");
        fputs(is_applied ? "added    " : "add      ", stdout);
        admin_put(stdout, email, NULL);
        fputs(" (", stdout);
        admin_put(stdout, name, NULL);
        fputs(") as ", stdout);
        admin_put(stdout, role, NULL);
        fputs(", ", stdout);
        admin_put(stdout, dept, "no department");
        fputc('\n', stdout);
        free(email);
        free(name);
        free(role);
        free(dept);
    }
    list = json_get(root, "changed");
    for (size_t i = 0; i < json_len(list); i++) {
        const struct json_node *p = json_at(list, i);
        char *email = admin_str(p, "email");
        fputs(is_applied ? "changed  " : "change   ", stdout);
        admin_put(stdout, email, NULL);
        fputc(':', stdout);
        const struct json_node *changes = json_get(p, "changes");
        bool is_first = true;
        put_change(changes, "name", &is_first);
        put_change(changes, "role", &is_first);
        put_change(changes, "department", &is_first);
        fputc('\n', stdout);
        free(email);
    }
    list = json_get(root, "errors");
    for (size_t i = 0; i < json_len(list); i++) {
        const struct json_node *p = json_at(list, i);
        double index = json_num(json_get(p, "index"), -1);
        char *email = admin_str(p, "email"), *why = admin_str(p, "error");
        size_t line = index >= 0 ? csv_line(c, (size_t)index + 1) : 0;
        printf("error    line %zu ", line);
        admin_put(stdout, email, "(no email)");
        fputs(": ", stdout);
        admin_put(stdout, why, NULL);
        fputc('\n', stdout);
        free(email);
        free(why);
    }
    if (errors)
        printf("%ld error%s: nothing was imported (%ld to add, %ld to change, %ld unchanged)\n",
               errors, errors == 1 ? "" : "s", added, changed, unchanged);
    else if (is_applied)
        printf("imported: %ld added, %ld changed, %ld unchanged\n", added, changed, unchanged);
    else
        printf("dry run: %ld to add, %ld to change, %ld unchanged; nothing was changed (run "
               "without --dry-run to apply)\n",
               added, changed, unchanged);
}

int cmd_user_import(struct cli *cli, int argc, char **argv)
{
    const char *path = NULL;
    bool is_dry = false, is_json = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0)
            is_dry = true;
        else if (strcmp(argv[i], "--json") == 0)
            is_json = true;
        else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !path)
            path = argv[i];
        else {
            cli_error("user import: unexpected argument '%s' (cca user import FILE.csv "
                      "[--dry-run] [--json])",
                      argv[i]);
            return 2;
        }
    }
    if (!path) {
        cli_error("user import: name the CSV file (cca user import FILE.csv [--dry-run])");
        return 2;
    }
    struct buf text;
    buf_init(&text, CSV_TEXT_MAX);
    enum err e = read_file(path, &text);
    if (e != ERR_OK) {
        cli_error("user import: cannot read %s: %s", path,
                  e == ERR_TOO_LARGE ? "larger than 32 MiB" : e == ERR_NOT_FOUND
                                                                   ? "no such file"
                                                                   : strerror(errno));
        buf_cleanup(&text);
        return 1;
    }
    struct csv *c = NULL;
    struct csv_error ce = {0, NULL};
    e = csv_parse(buf_str(&text), text.len, &c, &ce);
    buf_cleanup(&text);
    if (e != ERR_OK) {
        cli_error("user import: %s line %zu: %s", path, ce.line,
                  ce.reason ? ce.reason : err_str(e));
        return 1;
    }
    int status = 1;
    char *people = NULL;
    struct store *s = NULL;
    struct admin_reply r = {0};
    size_t field_count = csv_fields(c, 0);
    int *col_of_field = xcalloc(field_count ? field_count : 1, sizeof *col_of_field);
    bool seen[COLUMN_COUNT] = {false};
    if (csv_records(c) == 0) {
        cli_error("user import: %s is empty (it needs a header: email,name,role,department)",
                  path);
        goto out;
    }
    for (size_t f = 0; f < field_count; f++) {
        int k = column_of(csv_get(c, 0, f));
        if (k < 0 || seen[k]) {
            cli_error("user import: %s line 1: %s column '%s' (the header names email, name, "
                      "role and department, each once)",
                      path, k < 0 ? "unknown" : "repeated", csv_get(c, 0, f));
            goto out;
        }
        seen[k] = true;
        col_of_field[f] = k;
    }
    if (!seen[0]) {
        cli_error("user import: %s line 1: the header has no email column", path);
        goto out;
    }
    for (size_t rec = 1; rec < csv_records(c); rec++)
        if (csv_fields(c, rec) != field_count) {
            cli_error("user import: %s line %zu: %zu fields where the header has %zu", path,
                      csv_line(c, rec), csv_fields(c, rec), field_count);
            goto out;
        }
    if (csv_records(c) - 1 > IMPORT_ROWS_MAX) {
        cli_error("user import: %s has %zu people; at most %d per import", path,
                  csv_records(c) - 1, IMPORT_ROWS_MAX);
        goto out;
    }
    if (people_json(c, col_of_field, field_count, &people) != ERR_OK) {
        cli_error("user import: %s is too large", path);
        goto out;
    }
    s = admin_call_open(cli);
    if (!s)
        goto out;
    store_admin_import(s, people, is_dry, admin_call_reply, &r);
    if (r.e != ERR_OK) {
        admin_call_failed(&r, "user import");
        goto out;
    }
    struct json_doc *doc = admin_reply_doc(&r, "user import");
    if (!doc)
        goto out;
    const struct json_node *root = json_doc_root(doc);
    long errors = (long)json_num(json_get(json_get(root, "counts"), "errors"), 0);
    if (is_json)
        puts(r.text);
    else
        print_report(root, c);
    json_doc_free(doc);
    status = errors ? 1 : 0;
out:
    admin_reply_cleanup(&r);
    store_free(s);
    free(people);
    free(col_of_field);
    csv_free(c);
    return status;
}

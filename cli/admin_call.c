/* admin_call: shared plumbing of the admin commands; see admin_call.h. */
#include "cli/admin_call.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "cli/cli.h"

void admin_call_reply(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    struct admin_reply *r = userdata;
    r->e = e;
    free(r->errmsg);
    r->errmsg = xstrdup(errmsg ? errmsg : "");
    free(r->text);
    const char *t = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    r->text = t ? xstrdup(t) : NULL;
}

void admin_reply_cleanup(struct admin_reply *r)
{
    free(r->errmsg);
    free(r->text);
    r->errmsg = r->text = NULL;
}

struct json_doc *admin_reply_doc(const struct admin_reply *r, const char *what)
{
    struct json_doc *doc = NULL;
    if (!r->text || json_doc_parse(r->text, strlen(r->text), &doc) != ERR_OK) {
        cli_error("%s: the database answered something unexpected", what);
        return NULL;
    }
    return doc;
}

struct store *admin_call_open(struct cli *cli)
{
    struct store *s = NULL;
    char err[1024] = "";
    if (cli->open_store(cli->cfg, true, &s, err, sizeof err) != ERR_OK) {
        cli_error("%s", *err ? err : "cannot connect to the database");
        return NULL;
    }
    return s;
}

int admin_call_failed(const struct admin_reply *r, const char *what)
{
    const char *msg = r->errmsg && *r->errmsg ? r->errmsg : err_str(r->e);
    if (r->e == ERR_PERMISSION && !strstr(msg, "admin"))
        cli_error("%s: %s (only an admin may: use --user with an admin's email)", what, msg);
    else
        cli_error("%s: %s", what, msg);
    return 1;
}

void admin_put(FILE *out, const char *text, const char *dash)
{
    const char *raw = text && *text ? text : dash ? dash : "";
    size_t len = 0;
    char *safe = utf8_sanitize(raw, strlen(raw), &len);
    for (size_t i = 0; i < len; i++)
        if (safe[i] == '\n' || safe[i] == '\t' || safe[i] == '\r')
            safe[i] = ' ';
    fputs(safe, out);
    free(safe);
}

void admin_put_cell(const char *text, size_t width, bool is_last)
{
    const char *raw = text && *text ? text : "-";
    size_t len = 0;
    char *safe = utf8_sanitize(raw, strlen(raw), &len);
    for (size_t i = 0; i < len; i++)
        if (safe[i] == '\n' || safe[i] == '\t' || safe[i] == '\r')
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

char *admin_str(const struct json_node *n, const char *key)
{
    return json_str_dup(json_get(n, key), "");
}

bool admin_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

const char *admin_take_value(int argc, char **argv, int *i, const char *opt, bool *is_missing)
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

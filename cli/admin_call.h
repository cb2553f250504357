/* admin_call: what the admin commands (cli/cmd_admin.c, cli/cmd_gdpr.c) share: a store call
 * waited for (no loop is attached on the command line, so the reply comes before the call
 * returns), its document parsed, failures reported the same way, and text printed safely. */
#ifndef CCA_ADMIN_CALL_H
#define CCA_ADMIN_CALL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"
#include "core/store.h"

struct cli;
struct json_doc;
struct json_node;

/* The reply of one call: text is row 0, column 0 (NULL for SQL NULL or on error). */
struct admin_reply {
    enum err e;
    char *errmsg; /* "" on success */
    char *text;
};

/* A store_reply_fn filling the struct admin_reply at userdata. */
void admin_call_reply(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows);
void admin_reply_cleanup(struct admin_reply *r);
/* Parses r->text; on failure reports "what: ..." and returns NULL. The caller frees the doc. */
struct json_doc *admin_reply_doc(const struct admin_reply *r, const char *what);

/* Connects as the acting user (--user); reports and returns NULL on failure. */
struct store *admin_call_open(struct cli *cli);
/* Reports a failed reply as "cca: what: message", naming the cure for a refusal; returns 1. */
int admin_call_failed(const struct admin_reply *r, const char *what);

/* Writes untrusted text sanitised (no escapes, controls, bidi or invisible characters; line
 * breaks and tabs become spaces) to out; NULL or "" prints dash when dash is not NULL. */
void admin_put(FILE *out, const char *text, const char *dash);
/* The same padded to width columns (plus one space), or ended by a newline when is_last. */
void admin_put_cell(const char *text, size_t width, bool is_last);
/* A string member as sanitised heap text ("" when missing); the caller frees. */
char *admin_str(const struct json_node *n, const char *key);
/* Whether arg is -h or --help. */
bool admin_is_help(const char *arg);
/* Takes "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL when argv[*i] is something else.
 * *is_missing is set when the option is there without a value. */
const char *admin_take_value(int argc, char **argv, int *i, const char *opt, bool *is_missing);

#endif

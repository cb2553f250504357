/* cli: what every `cca` subcommand receives from main.c, which wires core, db and tui.
 * Subcommands live in cli/cmd_*.c and see the database only through core/store.h. */
#ifndef CCA_CLI_H
#define CCA_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct store;

struct cli {
    struct config *cfg;   /* loaded and validated; owned by main.c */
    const char *prog;     /* "cca" */
    bool is_stdout_tty;
    bool is_stderr_tty;
    /* Connects to the database. With act_as_user, the session becomes cfg->user (SET ROLE to
     * that user's login role) when set. On failure writes a readable message into err. The
     * caller owns *out (store_free). */
    enum err (*open_store)(const struct config *cfg, bool act_as_user, struct store **out,
                           char *err, size_t errlen);
};

/* A subcommand: argv[0] is the subcommand name. Returns the process exit status
 * (0 success, 1 failure, 2 usage error). */
typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

/* Prints "cca: " + the message to stderr (for subcommands, never while curses is active). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct json_out;
/* Finishes j and prints it on stdout with a newline, then cleans j up. When it outgrew its
 * limit, says on stderr that what ("the user list") is too large to print as JSON and returns
 * false. */
bool cli_print_json(struct json_out *j, const char *what);

#endif

/* tui: the full-screen app's one entry point. The command line (cli/cmd_tui.c) parses the
 * arguments, wires the database in through open_store, and calls tui_run; nothing in tui/
 * knows how the store is implemented. */
#ifndef CCA_TUI_H
#define CCA_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct store;

/* Connects as the configured user; writes a readable reason into err on failure. The caller
 * owns *out (store_free). */
typedef enum err (*tui_open_store_fn)(const struct config *cfg, struct store **out, char *err,
                                      size_t errlen);

struct tui_options {
    struct config *cfg;           /* borrowed for the run */
    tui_open_store_fn open_store;
    const char *screen;           /* the screen to open on ("chat", "progress", ...), NULL: chat */
};

/* Runs the app until the user quits. Returns the process exit status: 0, or 1 when the
 * terminal could not be set up (the reason is on stderr), 2 for an unknown screen name. */
int tui_run(const struct tui_options *opt);

#endif

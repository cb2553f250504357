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
    /* Screen tests and smoke runs (tui/headless.h): */
    bool is_headless;             /* no terminal: curses draws into memory, sized by LINES/COLUMNS */
    const char *script_path;      /* the key source instead of the terminal (needs is_headless) */
    const char *screen_dir;       /* where :save-screen writes, NULL: the current directory */
    long exit_after_frames;       /* > 0: quit with 0 after painting this many frames */
};

/* Runs the app until the user quits. Returns the process exit status: 0, or 1 when the
 * terminal could not be set up or a script line failed (the reason is on stderr), 2 for an
 * unknown screen name, a screen the user's role lacks or a script that does not parse. */
int tui_run(const struct tui_options *opt);

#endif

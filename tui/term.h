/* term: the terminal's life: curses setup and teardown, restoring the terminal on exit, on a
 * fatal error (mem's hook) and on SIGTERM/SIGINT/SIGHUP, resize on SIGWINCH, suspend on
 * SIGTSTP with a full repaint on SIGCONT. Signal handlers only write a byte to a self-pipe
 * that the loop watches; the rest happens on the loop. */
#ifndef CCA_TUI_TERM_H
#define CCA_TUI_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct loop;
struct term;

enum term_event {
    TERM_EVENT_QUIT,    /* SIGTERM, SIGINT or SIGHUP: leave cleanly */
    TERM_EVENT_RESIZE,  /* the size changed: the layout must be recomputed */
    TERM_EVENT_REPAINT, /* after a suspend: everything must be drawn again */
};

typedef void (*term_event_fn)(void *userdata, enum term_event ev);

struct term_options {
    bool use_mouse;   /* report wheel events */
    bool use_color;   /* false for NO_COLOR / ui.no_color */
    bool is_headless; /* no terminal: curses writes to /dev/null and reads nothing; the size
                         comes from LINES and COLUMNS (default 80x24) */
};

/* Puts the terminal in full-screen mode (stdin and stdout must be a terminal, unless headless)
 * and watches the signal pipe on loop. On failure writes the reason into err. */
enum err term_open(const struct term_options *opt, struct loop *loop, term_event_fn fn,
                   void *userdata, struct term **out, char *err, size_t errlen);
/* Leaves full-screen mode and restores the terminal and the signal handlers. NULL: no-op. */
void term_close(struct term *t);
/* Restores the terminal now (async-signal-unsafe parts skipped); safe to call twice. Used as
 * the fatal hook of core/mem. */
void term_restore(void);

/* Asks the kernel for the size and tells curses; *rows, *cols get it. */
void term_update_size(struct term *t, int *rows, int *cols);
/* Sets the size curses draws at (headless: the terminal has none of its own). */
void term_set_size(struct term *t, int rows, int cols);
/* The current size as curses knows it. */
void term_size(int *rows, int *cols);
/* True when colours can be used (the terminal has them and they were not turned off). */
bool term_has_color(const struct term *t);
/* Number of colours the terminal has (8, 16, 256). */
int term_color_count(const struct term *t);

/* Stops the process (Ctrl-Z), restoring the terminal first; returns after SIGCONT. Headless:
 * does nothing. */
void term_suspend(struct term *t);
/* Runs argv (argv[0] looked up in PATH) with the terminal, as a shell runs a program: the
 * full screen is left first and restored (and must be repainted) after; Ctrl-C and Ctrl-\
 * go to the program meanwhile, and when it is suspended (Ctrl-Z) CCA stops with it until the
 * shell continues the job. Waits for it: the loop stands still until it ends. Headless:
 * the program runs with /dev/null for its input and output. *exit_status gets its exit
 * status (127 when it could not be executed, 128 + n when signal n ended it). ERR_IO (err
 * says why) when it could not be started at all. */
enum err term_run(struct term *t, const char *const *argv, int *exit_status, char *err,
                  size_t errlen);
/* Sends text to the system clipboard with OSC 52 (base64), written to the terminal directly;
 * inside tmux/screen the sequence is passed through. Returns ERR_TOO_LARGE above 100 kB,
 * ERR_UNSUPPORTED when headless. */
enum err term_copy_to_clipboard(struct term *t, const char *text, size_t len);

#endif

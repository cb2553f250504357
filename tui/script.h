/* script: the key script of the headless screen tests (`cca tui --headless --script FILE`),
 * parsed into steps. Pure: no curses, no I/O beyond reading the file in script_load.
 *
 * One step per line; every step waits until the app is idle first (tui/headless):
 *   <Enter> <Esc> <Tab> <C-c> <M-1> <F1> <Up> <PgDn>  keys, several per line, delivered
 *   q  1  ?                        together; a bare token is one character (<lt> is '<',
 *                                  <Space> a space); names as in config.ini [keys]
 *   type How many days?            the rest of the line as typed text (one key per character)
 *   :save-screen NAME [ROWS]       the screen into SCREEN_DIR/NAME.screen; ROWS (1-based,
 *                                  "1-2" or "3") saves only those rows
 *   :resize 100x30                 the terminal becomes 100 columns by 30 rows
 *   :wait-idle                     only the wait (every line waits anyway)
 *   # comment                      ignored (the runner reads "# user:" and such headers)
 */
#ifndef CCA_TUI_SCRIPT_H
#define CCA_TUI_SCRIPT_H

#include <stddef.h>

#include "core/err.h"
#include "tui/input.h"

struct script;

enum script_kind {
    SCRIPT_KEYS,        /* events: keys or typed text */
    SCRIPT_SAVE_SCREEN, /* name */
    SCRIPT_RESIZE,      /* rows, cols */
    SCRIPT_WAIT_IDLE,
};

struct script_step {
    enum script_kind kind;
    int line;                   /* 1-based line number in the script */
    const char *text;           /* the line as written, for messages */
    const struct input_event *events;
    size_t event_count;
    const char *name;           /* SCRIPT_SAVE_SCREEN: letters, digits, '-', '_', '.' */
    int first_row, last_row;    /* SCRIPT_SAVE_SCREEN: 1-based and inclusive; 0: all rows */
    int rows, cols;             /* SCRIPT_RESIZE */
};

/* Parses a script (len bytes). ERR_INVALID with "line N: why" in err on the first bad line. The
 * caller owns *out (script_free). */
enum err script_parse(const char *text, size_t len, struct script **out, char *err,
                      size_t errlen);
/* Reads and parses the file path; errors start with the path ("path: line N: why"). */
enum err script_load(const char *path, struct script **out, char *err, size_t errlen);
/* NULL is a no-op. */
void script_free(struct script *s);

size_t script_step_count(const struct script *s);
/* Step i (< script_step_count), valid until script_free. */
const struct script_step *script_step_at(const struct script *s, size_t i);

#endif

/* screen_dump: the in-memory curses screen as text (tig save_display), for the headless screen
 * tests: what the last paint put on the screen, one line per row, without colours. */
#ifndef CCA_TUI_SCREEN_DUMP_H
#define CCA_TUI_SCREEN_DUMP_H

#include <stddef.h>

#include "core/err.h"

struct buf;

/* Appends rows first_row..last_row (0-based, inclusive, clipped to the screen) to out as
 * UTF-8: one line per row, each ended by '\n', trailing spaces trimmed; a wide character is
 * written once although it covers two cells. ERR_TOO_LARGE when out's cap is reached. */
enum err screen_dump_text(struct buf *out, int first_row, int last_row);
/* Writes rows first_row..last_row (as screen_dump_text; last_row < 0: to the bottom) to the
 * file path, replacing it. On failure writes the reason into err. */
enum err screen_dump_write(const char *path, int first_row, int last_row, char *err,
                           size_t errlen);

#endif

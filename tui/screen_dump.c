/* screen_dump: reads stdscr back cell by cell (mvwinnwstr skips the second cell of a wide
 * character) and encodes it as UTF-8 itself, so the output does not depend on the locale. */
#include "tui/screen_dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tui/curses.h"

/* Cells can carry combining characters besides their base: room for a few each. */
#define CHARS_PER_CELL 5

enum err screen_dump_text(struct buf *out, int first_row, int last_row)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr);
    if (first_row < 0)
        first_row = 0;
    if (last_row < 0 || last_row >= rows)
        last_row = rows - 1;
    if (rows <= 0 || cols <= 0)
        return ERR_OK;
    size_t cap = (size_t)cols * CHARS_PER_CELL + 1;
    wchar_t *line = xcalloc(cap, sizeof *line);
    struct buf row;
    buf_init(&row, cap * 4 + 1);
    enum err e = ERR_OK;
    for (int y = first_row; y <= last_row && e == ERR_OK; y++) {
        buf_reset(&row);
        int n = mvwinnwstr(stdscr, y, 0, line, (int)cap - 1);
        for (int i = 0; i < n && line[i]; i++) {
            char enc[4];
            uint32_t cp = (uint32_t)line[i];
            size_t len = utf8_encode(cp, enc);
            buf_append(&row, enc, len);
        }
        size_t len = row.len;
        while (len > 0 && row.data[len - 1] == ' ')
            len--;
        e = buf_append(out, row.data ? row.data : "", len);
        if (e == ERR_OK)
            e = buf_append_char(out, '\n');
    }
    buf_cleanup(&row);
    free(line);
    return e;
}

enum err screen_dump_write(const char *path, int first_row, int last_row, char *err,
                           size_t errlen)
{
    struct buf text;
    buf_init(&text, 16 * 1024 * 1024);
    enum err e = screen_dump_text(&text, first_row, last_row);
    if (e != ERR_OK) {
        snprintf(err, errlen, "%s: the screen is too large to save", path);
        buf_cleanup(&text);
        return e;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        buf_cleanup(&text);
        return ERR_IO;
    }
    if ((text.len && fwrite(text.data, 1, text.len, f) != text.len) || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        buf_cleanup(&text);
        return ERR_IO;
    }
    buf_cleanup(&text);
    return ERR_OK;
}

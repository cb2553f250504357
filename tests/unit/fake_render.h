/* fake_render: the render primitives widgets use (text, fill, box, cursor, unicode flag),
 * drawn into an in-memory grid of cells with their roles, so widget drawing is tested as text
 * without curses. Include it from exactly one file of a test binary: it defines render_*, so
 * the linker never pulls tui/render.o out of libcca.a for these symbols. */
#ifndef CCA_TESTS_FAKE_RENDER_H
#define CCA_TESTS_FAKE_RENDER_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

#include "tui/render.h"

#define FAKE_ROWS 40
#define FAKE_COLS 120

struct fake_cell {
    char text[8];   /* one character with its combining marks; "" right of a wide one */
    int role;       /* enum theme_role */
    unsigned attrs; /* THEME_ATTR_* */
};

struct render {
    bool is_unicode;
    int rows, cols;
    struct fake_cell cells[FAKE_ROWS][FAKE_COLS];
    int cursor_y, cursor_x; /* -1 when hidden */
};

static inline void fake_render_init(struct render *r, int rows, int cols, bool is_unicode)
{
    memset(r, 0, sizeof *r);
    r->is_unicode = is_unicode;
    r->rows = rows < FAKE_ROWS ? rows : FAKE_ROWS;
    r->cols = cols < FAKE_COLS ? cols : FAKE_COLS;
    r->cursor_y = r->cursor_x = -1;
    for (int y = 0; y < FAKE_ROWS; y++)
        for (int x = 0; x < FAKE_COLS; x++)
            memcpy(r->cells[y][x].text, " ", 2);
}

static inline bool fake_inside(const struct render *r, int y, int x)
{
    return y >= 0 && y < r->rows && x >= 0 && x < r->cols;
}

bool render_is_unicode(const struct render *r)
{
    return r->is_unicode;
}

void render_fill(struct render *r, const struct layout_rect *rect, enum theme_role role)
{
    for (int y = rect->y; y < rect->y + rect->h; y++)
        for (int x = rect->x; x < rect->x + rect->w; x++)
            if (fake_inside(r, y, x)) {
                memcpy(r->cells[y][x].text, " ", 2);
                r->cells[y][x].role = (int)role;
                r->cells[y][x].attrs = 0;
            }
}

int render_text_attr(struct render *r, int y, int x, int max_width, const char *text,
                     enum theme_role role, unsigned attrs)
{
    size_t len = strlen(text), used = 0;
    size_t n = max_width > 0 ? utf8_fit(text, len, (size_t)max_width, &used) : 0;
    int col = x;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t step = utf8_decode(text + i, n - i, &cp);
        int w = utf8_cp_width(cp);
        if (w == 0) { /* a combining mark joins the previous cell */
            if (col > x && fake_inside(r, y, col - 1)) {
                struct fake_cell *c = &r->cells[y][col - 1];
                size_t have = strlen(c->text);
                if (have + step < sizeof c->text) {
                    memcpy(c->text + have, text + i, step);
                    c->text[have + step] = 0;
                }
            }
            i += step;
            continue;
        }
        for (int k = 0; k < w; k++) {
            if (!fake_inside(r, y, col + k))
                continue;
            struct fake_cell *c = &r->cells[y][col + k];
            c->role = (int)role;
            c->attrs = attrs;
            if (k == 0) {
                memcpy(c->text, text + i, step);
                c->text[step] = 0;
            } else {
                c->text[0] = 0;
            }
        }
        col += w;
        i += step;
    }
    return (int)used;
}

int render_text(struct render *r, int y, int x, int max_width, const char *text,
                enum theme_role role)
{
    return render_text_attr(r, y, x, max_width, text, role, 0);
}

void render_cursor(struct render *r, int y, int x)
{
    r->cursor_y = y;
    r->cursor_x = x;
}

void render_box(struct render *r, const struct layout_rect *rect, const char *title,
                const char *footer, enum theme_role role)
{
    render_fill(r, rect, role);
    for (int x = rect->x; x < rect->x + rect->w; x++) {
        render_text(r, rect->y, x, 1, "-", THEME_BORDER);
        render_text(r, rect->y + rect->h - 1, x, 1, "-", THEME_BORDER);
    }
    if (title)
        render_text(r, rect->y, rect->x + 2, rect->w - 4, title, THEME_TITLE);
    if (footer)
        render_text(r, rect->y + rect->h - 1, rect->x + 2, rect->w - 4, footer, THEME_HINT);
}

/* Row y as text from column x, w columns wide (heap string). */
static inline char *fake_row(const struct render *r, int y, int x, int w)
{
    char *out = xmalloc((size_t)w * 8 + 1);
    size_t len = 0;
    for (int i = x; i < x + w && i < r->cols; i++) {
        size_t n = strlen(r->cells[y][i].text);
        memcpy(out + len, r->cells[y][i].text, n);
        len += n;
    }
    out[len] = 0;
    return out;
}

/* The role drawn at y,x. */
static inline int fake_role(const struct render *r, int y, int x)
{
    return r->cells[y][x].role;
}

#endif

/* render: the only place that draws. Paints models (transcript, editor, sources, status)
 * into layout rectangles of the one curses screen; nothing is sent to the terminal until
 * render_present, which makes a single doupdate. Text given here may be untrusted: it is
 * clipped by display width, and callers pass only sanitised UTF-8 (core/utf8). */
#ifndef CCA_TUI_RENDER_H
#define CCA_TUI_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/theme.h"

struct editor;
struct transcript;
struct render;

/* Copies the theme; has_color false draws with attributes only. */
struct render *render_new(const struct theme *theme, bool has_color, int color_count);
/* Whether block and line-drawing glyphs (U+2580..U+259F, U+2500..) may be used; false under
 * TERM=linux/vt100, non-UTF-8 locales and NO_COLOR, where widgets draw ASCII instead. */
void render_set_unicode(struct render *r, bool is_unicode);
bool render_is_unicode(const struct render *r);
/* NULL is a no-op. */
void render_free(struct render *r);

/* Blanks the whole screen (after a resize or when an overlay closes). */
void render_erase(struct render *r);
/* Makes the next present repaint every cell (Ctrl-L, after a suspend). */
void render_force_full(struct render *r);
/* Fills a rectangle with the role's background. */
void render_fill(struct render *r, const struct layout_rect *rect, enum theme_role role);
/* Draws text clipped to max_width columns at y,x; returns the columns used. */
int render_text(struct render *r, int y, int x, int max_width, const char *text,
                enum theme_role role);
/* render_text with extra attributes on top of the role (THEME_ATTR_* bits). */
int render_text_attr(struct render *r, int y, int x, int max_width, const char *text,
                     enum theme_role role, unsigned attrs);
/* Draws a frame around rect (its outermost cells) with title on the top border and footer on
 * the bottom one (either may be NULL), and fills the inside with role. */
void render_box(struct render *r, const struct layout_rect *rect, const char *title,
                const char *footer, enum theme_role role);
/* Shows the cursor at y,x in the next present (hidden otherwise). */
void render_cursor(struct render *r, int y, int x);

void render_header(struct render *r, const struct layout_rect *rect, const char *title,
                   const char *right);
/* Tabs numbered from 1 (Alt-n), the active one highlighted. */
void render_tabs(struct render *r, const struct layout_rect *rect, const char *const *names,
                 size_t count, size_t active);
/* Draws the visible lines of t (resizing it to the rectangle) and a scroll mark when the
 * view is not at the bottom. */
void render_transcript(struct render *r, const struct layout_rect *rect, struct transcript *t);
/* Draws the input box (first row is its border with label) and places the cursor. */
void render_editor(struct render *r, const struct layout_rect *rect, const struct editor *e,
                   const char *label, const char *placeholder, bool is_focused);

struct render_source {
    int number;         /* [n] */
    const char *title;
    const char *detail; /* heading or path, may be NULL */
    double score;       /* similarity, < 0 when unknown */
    const char *tag;    /* "cited" / "not cited", NULL while the answer is being written */
};

void render_sources(struct render *r, const struct layout_rect *rect,
                    const struct render_source *items, size_t count, size_t selected,
                    bool is_focused, const char *empty_text);
void render_separator(struct render *r, const struct layout_rect *rect, bool is_vertical);

struct render_status {
    const char *db;          /* "db ok" / "db down" */
    enum theme_role db_role; /* THEME_STATUS_OK / THEME_STATUS_ERROR */
    const char *model;       /* model name or "offline" */
    const char *activity;    /* "answering 2.1 s · 35 tok/s", may be NULL */
    const char *message;     /* a report, may be NULL */
    bool is_message_error;
    const char *hints;       /* key hints on the right */
};

void render_status(struct render *r, const struct layout_rect *rect,
                   const struct render_status *s);

/* Overlays: a centred box over whatever is drawn. */
struct render_help_line {
    const char *keys; /* NULL: text is a section title */
    const char *text;
};
/* The help box: its rows from scroll on (a key's text wraps to the box). */
void render_help(struct render *r, int rows, int cols, const char *title,
                 const struct render_help_line *lines, size_t count, int scroll);
/* The help box's rows in all, for the scroll's bound. */
int render_help_rows(int rows, int cols, const struct render_help_line *lines, size_t count);
/* A question box ("Leave the assessment? y/n"). */
void render_confirm(struct render *r, int rows, int cols, const char *title, const char *text,
                    const char *footer);
void render_list_overlay(struct render *r, int rows, int cols, const char *title,
                         const char *const *items, size_t count, size_t selected,
                         const char *footer);
/* Shows t wrapped inside the box (t is resized to it), from its current scroll position. */
void render_text_overlay(struct render *r, int rows, int cols, const char *title,
                         struct transcript *t, const char *footer);
/* Below the minimum size: says how big the terminal must be. */
void render_too_small(struct render *r, int rows, int cols, int min_rows, int min_cols);

/* Places the cursor (hidden unless an editor asked for it this frame) and sends the frame. */
void render_present(struct render *r);

#endif

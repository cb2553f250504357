/* page: a scrolling page of text rows, some of them items the learner can select (the
 * Progress and Recommendations tabs). A screen rebuilds the rows for the width on every draw;
 * the selection (an item number) and the scroll position survive the rebuild. Pure but for
 * page_draw, which uses only tui/render. */
#ifndef CCA_TUI_PAGE_H
#define CCA_TUI_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/actions.h"
#include "tui/layout.h"
#include "tui/theme.h"

struct render;

struct page_row {
    char *text; /* one line, sanitised */
    enum theme_role role;
    long item; /* the item this row shows, or -1 */
};

struct page {
    struct page_row *rows;
    size_t count, cap;
    size_t scroll;     /* first row shown */
    long selected;     /* selected item, -1 when there is none */
    long item_count;   /* items added since the last page_clear */
    bool follows;      /* the view follows the selection (arrow keys) */
    int height;        /* rows of the last draw */
    bool is_searching; /* the search prompt is open (/) */
    char query[128];   /* the search text, UTF-8 */
};

void page_init(struct page *p);
void page_cleanup(struct page *p);
/* Removes the rows (before a rebuild); selection and scroll stay. */
void page_clear(struct page *p);
/* Adds a row (copies text; newlines end it). item >= 0 makes it part of that item (give every
 * row of an item the same number; numbers go up from 0 in order). */
void page_add(struct page *p, enum theme_role role, long item, const char *text);
void page_addf(struct page *p, enum theme_role role, long item, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds each line of text (split at '\n') as a row. */
void page_add_lines(struct page *p, enum theme_role role, long item, const char *text);
/* Moves the selection or the view for the generic movement actions; true when handled. */
bool page_key(struct page *p, enum action a);
/* The list keys: / opens the search prompt (typing searches item titles as you type, Enter
 * keeps the match, Esc closes), n finds the next match. ev may be NULL. True when handled;
 * *message (may be NULL) gets a static note for the status bar ("No match"). */
struct input_event;
bool page_search_key(struct page *p, enum action a, const struct input_event *ev,
                     const char **message);
/* The selected item, or -1. */
long page_selected(const struct page *p);
/* Draws the rows that fit in rect from the scroll position (keeping the selection visible),
 * the selected item's rows in THEME_SELECTION when is_focused with a mark in the first column,
 * rows cut with an ellipsis, a "more" mark on the last column when rows are cut off below or
 * above, and the search prompt on the last row while it is open. */
void page_draw(struct page *p, struct render *r, const struct layout_rect *rect, bool is_focused);

#endif

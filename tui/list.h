/* list: the one selection model behind every list and table (neomutt menu/move.c, htop Panel):
 * an item count, the selected item, the first visible item and the page height, kept
 * consistent by every call, plus case-insensitive UTF-8 search over the items' text. Pure: no
 * curses, no allocation; the caller owns the items and draws them. */
#ifndef CCA_TUI_LIST_H
#define CCA_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded by value; read the fields freely, change them only through list_* so that
 * selected < count (or 0 when empty), top <= selected < top + height and the view never shows
 * blank rows below the last item while there are items above it. */
struct list {
    size_t count;    /* items */
    size_t selected; /* the selected item; 0 when the list is empty */
    size_t top;      /* the first visible item */
    int height;      /* visible rows (a page); 0 until the first draw */
};

/* The text of item index, borrowed until the next call; NULL counts as "". */
typedef const char *(*list_text_fn)(void *userdata, size_t index);

/* An empty list of height 0. */
void list_init(struct list *l);
/* Sets the number of items (they were added, removed or reloaded): the selection stays on the
 * same index, clamped to the last item, and stays visible. */
void list_set_count(struct list *l, size_t count);
/* Sets the visible rows (after a resize; negative counts as 0) and keeps the selection visible,
 * moving the view as little as possible. */
void list_set_height(struct list *l, int height);
/* Selects index (clamped to the last item) and scrolls it into view; false if nothing
 * changed. */
bool list_select(struct list *l, size_t index);

/* Moves the selection by delta items (negative: up), clamped to the ends; false if nothing
 * changed. */
bool list_move(struct list *l, long delta);
bool list_up(struct list *l);
bool list_down(struct list *l);
/* Moves the selection and the view by one page (height rows), clamped: the selected row keeps
 * its place on screen unless an end is reached. */
bool list_page_up(struct list *l);
bool list_page_down(struct list *l);
bool list_home(struct list *l);
bool list_end(struct list *l);
/* Scrolls the view by rows (mouse wheel; negative: up) and drags the selection along only as
 * far as needed to keep it visible; false if nothing changed. */
bool list_scroll(struct list *l, long rows);

/* Items shown: min(height, count - top). */
size_t list_visible_count(const struct list *l);
/* The screen row (0-based inside the list's rectangle) of item index; false when it is not
 * visible. */
bool list_row_of(const struct list *l, size_t index, int *row);
/* Selects the item shown on visible row (a click); false when the row shows no item. */
bool list_select_row(struct list *l, int row);

/* cp folded to lower case: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters;
 * other code points are returned unchanged. Locale-free. */
uint32_t list_fold_case(uint32_t cp);
/* True when text contains query ignoring case (list_fold_case). Invalid UTF-8 compares as
 * U+FFFD. An empty query matches nothing. */
bool list_text_matches(const char *text, const char *query);

enum list_search {
    LIST_SEARCH_HERE, /* from the selected item on, the selected one included (as you type) */
    LIST_SEARCH_NEXT, /* after the selected item ("n") */
    LIST_SEARCH_PREV, /* before the selected item, going up ("N") */
};

/* Finds the first item in the direction how, wrapping around the ends, whose text (from text
 * with userdata) matches query, and selects it. False, with the selection unchanged, when no
 * item matches or the query is empty. *is_wrapped (may be NULL) tells whether the search went
 * past an end. */
bool list_search(struct list *l, enum list_search how, const char *query, list_text_fn text,
                 void *userdata, bool *is_wrapped);

#endif

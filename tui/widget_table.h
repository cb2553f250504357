/* table: rows and columns over the caller's data: column widths for the space there is, a
 * header with the sort mark, a selection from tui/list, and truncation by display columns.
 * Cells come from a callback, so the caller keeps its rows; sorting is the caller's, with a
 * stable index sort here. Pure but for table_draw, which uses only tui/render. */
#ifndef CCA_TUI_WIDGET_TABLE_H
#define CCA_TUI_WIDGET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/layout.h"
#include "tui/list.h"

struct render;

#define TABLE_GAP 2 /* blank columns between two columns */

enum table_align {
    TABLE_ALIGN_LEFT,
    TABLE_ALIGN_RIGHT, /* numbers */
    TABLE_ALIGN_CENTER,
};

struct table_column {
    const char *title;
    int min_width; /* columns it never goes below while shown; <= 0: the title's width plus
                      2 (room for the sort mark) */
    int max_width; /* columns it never grows beyond; <= 0: no limit */
    int flex;      /* share of the space left once every column has its min_width; 0 keeps
                      the column at min_width */
    enum table_align align;
};

/* Widths for total_width columns: columns are shown from the left while their min_width (plus
 * TABLE_GAP between them) fits, the rest get 0 (hidden; the first column is shrunk to the
 * total rather than hidden); the space left goes to shown flex columns in proportion to flex,
 * never past max_width, remainders one column at a time from the left. Pure; widths has count
 * entries. Returns the number of columns shown. */
size_t table_compute_widths(const struct table_column *cols, size_t count, int total_width,
                            int *widths);

/* text made exactly width columns wide: sanitised (controls dropped, newlines and tabs become
 * spaces), aligned with spaces, and cut by display columns with "…" (ASCII "~" when
 * !is_unicode) when it does not fit. Returns a heap string owned by the caller ("" when width
 * <= 0). */
char *table_fit_text(const char *text, int width, enum table_align align, bool is_unicode);

/* The text of the cell at row, col, borrowed until the next call; NULL counts as "". */
typedef const char *(*table_cell_fn)(void *userdata, size_t row, size_t col);

struct table;

/* A table with count columns (copied, titles included) and no rows; cell and userdata are
 * borrowed for the table's life. */
struct table *table_new(const struct table_column *cols, size_t count, table_cell_fn cell,
                        void *userdata);
/* NULL is a no-op. */
void table_free(struct table *t);

/* The selection model (borrowed for the table's life): move, page and search through it. */
struct list *table_list(struct table *t);
/* Sets the number of rows (list_set_count). */
void table_set_count(struct table *t, size_t rows);
/* The selected row, or SIZE_MAX when the table is empty. */
size_t table_selected(const struct table *t);
/* The line shown when there are no rows ("No courses yet"; copies; NULL shows nothing). */
void table_set_empty_text(struct table *t, const char *text);

/* Marks column col as the sort column (▲ ascending, ▼ descending; ASCII ^ v); col out of range
 * removes the mark. The caller sorts its rows (table_sort_rows). */
void table_set_sort(struct table *t, size_t col, bool is_descending);
/* Clicking or pressing the sort key on col: the same column flips direction, another one
 * sorts ascending. Returns the new direction (true: descending). */
bool table_toggle_sort(struct table *t, size_t col);
/* The sort column and direction; false when the table is not sorted. */
bool table_sort_of(const struct table *t, size_t *col, bool *is_descending);

/* The column drawn at column x (0-based inside a table width columns wide), for a click on the
 * header; SIZE_MAX on a gap, a hidden column or past the last one. */
size_t table_column_at(const struct table *t, int width, int x);

/* Compares rows a and b: < 0, 0 or > 0 as for qsort. */
typedef int (*table_compare_fn)(void *userdata, size_t a, size_t b);
/* Sorts order[0..count) (row numbers) stably by cmp; descending reverses the comparison and
 * keeps equal rows in their order. */
void table_sort_rows(size_t *order, size_t count, table_compare_fn cmp, void *userdata,
                     bool is_descending);
/* Compares two texts for sorting: case-insensitively (list_text_matches' folding), with runs
 * of ASCII digits compared by value ("Week 2" < "Week 10"); NULL sorts first. */
int table_compare_text(const char *a, const char *b);

/* The header line width columns wide (titles aligned like their column, the sort mark kept
 * visible) and row row's line: heap strings owned by the caller. */
char *table_format_header(const struct table *t, int width, bool is_unicode);
char *table_format_row(const struct table *t, size_t row, int width, bool is_unicode);

/* Draws the header on rect's first row and the visible rows below it (setting the list's
 * height to rect->h - 1); the selected row in THEME_SELECTION when is_focused, bold
 * otherwise; the empty text in THEME_NOTE. */
void table_draw(struct table *t, struct render *r, const struct layout_rect *rect, bool is_focused);

#endif

/* layout: window rectangles from the terminal size. Pure: no curses; tested as text. The
 * frame (header, tabs, body, status) is the same for every screen; the chat screen splits its
 * body into conversation, sources and input. */
#ifndef CCA_TUI_LAYOUT_H
#define CCA_TUI_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 40
#define LAYOUT_MIN_ROWS 10
/* From this width on, the sources panel sits beside the conversation, else below it. */
#define LAYOUT_BESIDE_COLS 100
#define LAYOUT_INPUT_MAX_LINES 8

struct layout_rect {
    int y, x;   /* top-left cell */
    int h, w;   /* rows, columns; 0 when absent */
};

struct layout_frame {
    bool is_too_small;           /* below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS: only a notice */
    struct layout_rect header;   /* title, user, role, department */
    struct layout_rect tabs;     /* the screens this user has */
    struct layout_rect body;     /* the active screen's */
    struct layout_rect status;
};

/* The frame for a rows x cols terminal; rectangles never overlap and stay on screen. */
void layout_frame_compute(int rows, int cols, struct layout_frame *out);

struct layout_params {
    struct layout_rect body; /* the chat screen's body */
    int screen_rows;         /* the terminal's rows (the input never takes over a third) */
    bool has_sources;        /* the sources panel is open */
    int input_lines;         /* lines the input text needs (at least 1) */
};

struct layout {
    bool is_sources_beside;
    struct layout_rect conversation;
    struct layout_rect separator;    /* between conversation and sources (a column or a row) */
    struct layout_rect sources;      /* h == 0 when closed; its first row is the title */
    struct layout_rect input;        /* first row is the box's top border */
};

/* Splits the chat body; every rectangle stays inside params->body. */
void layout_compute(const struct layout_params *params, struct layout *out);
/* The tabs shown when they do not all fit in width columns: tab i takes widths[i] columns (its
 * label and the gap after it); a marker for hidden tabs on either side takes
 * LAYOUT_TAB_MARKER_COLS. Sets [*first, *end) to the run of tabs shown: all of them when they
 * fit; else from the first as long as that run holds active, or the run ending with active and
 * reaching as far left as fits. */
#define LAYOUT_TAB_MARKER_COLS 2
void layout_tab_window(const int *widths, int count, int active, int width, int *first,
                       int *end);

/* One line per rectangle ("name y,x hxw") of the frame and then of the chat body (l may be
 * NULL), a heap string owned by the caller. */
char *layout_describe(const struct layout_frame *f, const struct layout *l);

#endif

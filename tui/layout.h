/* layout: window rectangles from the terminal size. Pure: no curses; tested as text. */
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

struct layout_params {
    int rows, cols;
    bool has_sources;  /* the sources panel is open */
    int input_lines;   /* lines the input text needs (at least 1) */
};

struct layout {
    bool is_too_small;     /* below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS: show only a notice */
    bool is_sources_beside;
    struct layout_rect header;       /* title, user, role, department */
    struct layout_rect tabs;         /* the screens that exist */
    struct layout_rect conversation;
    struct layout_rect separator;    /* between conversation and sources (a column or a row) */
    struct layout_rect sources;      /* h == 0 when closed; its first row is the title */
    struct layout_rect input;        /* first row is the box's top border */
    struct layout_rect status;
};

/* Computes every rectangle for params; rectangles never overlap and stay on screen. */
void layout_compute(const struct layout_params *params, struct layout *out);
/* One line per rectangle ("name y,x hxw"), a heap string owned by the caller. */
char *layout_describe(const struct layout *l);

#endif

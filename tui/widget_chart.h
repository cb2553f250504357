/* chart: bars, sparklines, progress bars, column charts and shaded matrices as text. The
 * builders are pure and return heap strings (owned by the caller) of exact display widths, in
 * block glyphs or, when !is_unicode (render_is_unicode false: TERM=linux, non-UTF-8 locale),
 * in ASCII; the *_draw functions only place them with tui/render. NaN and negative values
 * count as 0. */
#ifndef CCA_TUI_WIDGET_CHART_H
#define CCA_TUI_WIDGET_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/theme.h"

struct render;

#define CHART_LEVEL_MAX 5 /* matrix levels are 0..5 (none, then skill levels 1..5) */

/* value/max as a bar exactly width cells wide, in eighths of a cell (▏▎▍▌▋▊▉█, then blanks;
 * ASCII '#' then '-'). A value above 0 shows at least an eighth and a value below max is never
 * drawn full; max <= 0 draws an empty bar. "" when width <= 0. */
char *chart_bar(double value, double max, int width, bool is_unicode);

/* One cell per value, scaled from 0 to the largest value: ▁▂▃▄▅▆▇█ (ASCII " .:-=+*#"); a value
 * above 0 is never drawn at the lowest level. When width > 0 and there are more values, only
 * the last width are drawn (the newest). */
char *chart_sparkline(const double *values, size_t count, int width, bool is_unicode);

/* "Python Basics  [█████▌    ]  55 %": label fitted to label_width columns (none when
 * label_width <= 0) and a space, the bar in brackets, the percent right-aligned in " NNN %";
 * exactly width columns. The percent is rounded but shows 100 only when complete and 1 for any
 * progress; without room for a bar, the label (cut to leave room) and the percent. fraction
 * is clamped to 0..1. */
char *chart_progress(const char *label, int label_width, double fraction, int width,
                     bool is_unicode);

/* A column chart of count values in width x height cells: height lines joined by '\n', each
 * width columns. Each value gets a slot of width/count columns (at most 6: a bar of slot-1
 * columns and a gap; with less than a column each, only the last width values); heights are in
 * eighths of a cell (▁..█; ASCII '#' in whole cells), scaled to the largest value. With labels
 * (count strings, may be NULL) and height >= 2, the last line holds them: left-aligned under
 * their bars, or, when they are wider than a bar, every k-th one (counted back from the last
 * bar) right-aligned to its bar's end over the room of the bars it skips. */
char *chart_columns(const double *values, const char *const *labels, size_t count, int width,
                    int height, bool is_unicode);

/* The glyph for a matrix level (clamped to 0..CHART_LEVEL_MAX): " ·░▒▓█" (ASCII " .:+*#");
 * static. */
const char *chart_shade(int level, bool is_unicode);

/* A shaded matrix (skills by person, weeks by day): rows with labels, columns with labels. */
struct chart_matrix {
    const char *const *row_labels; /* rows strings; NULL: no label column */
    size_t rows;
    const char *const *col_labels; /* cols strings; NULL: no header line */
    size_t cols;
    const int *levels;              /* rows * cols, row-major */
    const char *const *level_names; /* CHART_LEVEL_MAX + 1 names for the legend; NULL: none */
};

/* The legend: "g name" for every level, two spaces apart; "" when names is NULL. */
char *chart_legend(const char *const *names, bool is_unicode);
/* Data rows that fit in height lines beside the header and the legend (the legend is dropped
 * before the last data row). */
int chart_matrix_body_height(const struct chart_matrix *m, int height);
/* The matrix in width x height cells from data row first_row on: the header line (labels cut to
 * the cell width), one line per row (label column up to a third of the width, then each cell as
 * its glyph repeated over the cell width, cells one column apart; cells are as wide as the
 * longest column label, 2..8, shrunk to fit, and columns that do not fit at 1 are left out),
 * then the legend right below the rows; at most height lines joined by '\n', each width
 * columns. */
char *chart_matrix_text(const struct chart_matrix *m, size_t first_row, int width, int height,
                        bool is_unicode);

/* Draw functions: the same text placed with render (Unicode or ASCII as render_is_unicode
 * says); bars and cells in role, labels and legends in THEME_DEFAULT / THEME_NOTE. */
void chart_bar_draw(struct render *r, int y, int x, int width, double value, double max,
                    enum theme_role role);
void chart_sparkline_draw(struct render *r, int y, int x, int width, const double *values,
                          size_t count, enum theme_role role);
void chart_progress_draw(struct render *r, int y, int x, int width, const char *label,
                         int label_width, double fraction, enum theme_role role);
void chart_columns_draw(struct render *r, const struct layout_rect *rect, const double *values,
                        const char *const *labels, size_t count, enum theme_role role);
void chart_matrix_draw(struct render *r, const struct layout_rect *rect,
                       const struct chart_matrix *m, size_t first_row, enum theme_role role);

#endif

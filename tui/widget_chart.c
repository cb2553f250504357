/* chart: glyph strings from numbers (pure), and their placement with render. */
#include "tui/widget_chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#include "tui/render.h"
#include "tui/widget_table.h"

#define TEXT_MAX_LEN (1u << 20)
#define FULL_BLOCK "\xE2\x96\x88"
#define COLUMN_SLOT_MAX 6
#define MATRIX_CELL_MIN 2
#define MATRIX_CELL_MAX 8

/* ▏▎▍▌▋▊▉ for 1..7 eighths, left-aligned. */
static const char *const left_blocks[8] = {
    "",
    "\xE2\x96\x8F",
    "\xE2\x96\x8E",
    "\xE2\x96\x8D",
    "\xE2\x96\x8C",
    "\xE2\x96\x8B",
    "\xE2\x96\x8A",
    "\xE2\x96\x89",
};
/* " ▁▂▃▄▅▆▇█" for 0..8 eighths, bottom-aligned. */
static const char *const lower_blocks[9] = {
    " ",
    "\xE2\x96\x81",
    "\xE2\x96\x82",
    "\xE2\x96\x83",
    "\xE2\x96\x84",
    "\xE2\x96\x85",
    "\xE2\x96\x86",
    "\xE2\x96\x87",
    FULL_BLOCK,
};
static const char ascii_spark[] = " .:-=+*#";
static const char *const shades[CHART_LEVEL_MAX + 1] = {
    " ", "\xC2\xB7", "\xE2\x96\x91", "\xE2\x96\x92", "\xE2\x96\x93", FULL_BLOCK,
};
static const char *const ascii_shades[CHART_LEVEL_MAX + 1] = {" ", ".", ":", "+", "*", "#"};

/* ---- helpers --------------------------------------------------------------------------- */

static double clean(double v)
{
    return isnan(v) || v < 0 ? 0 : v;
}

/* v / max in 0..1; 0 when max is not positive. */
static double ratio(double v, double max)
{
    v = clean(v);
    if (!(max > 0) || isinf(max))
        return 0;
    if (isinf(v) || v >= max)
        return 1;
    return v / max;
}

/* frac of steps, rounded, but never 0 for progress above 0 and never all for less than 1. */
static long scaled(double frac, long steps)
{
    if (steps <= 0)
        return 0;
    long n = lround(frac * (double)steps);
    if (frac > 0 && n == 0)
        n = 1;
    if (frac < 1 && n >= steps && steps > 1)
        n = steps - 1;
    return n > steps ? steps : n;
}

static void repeat(struct buf *b, const char *s, long n)
{
    for (long i = 0; i < n; i++)
        buf_append_str(b, s);
}

static void pad_to(struct buf *b, size_t line_start, int width)
{
    int w = (int)utf8_width(b->data ? b->data + line_start : "", b->len - line_start);
    repeat(b, " ", width - w);
}

static void append_fit(struct buf *b, const char *text, int width, bool is_unicode)
{
    char *s = table_fit_text(text, width, TABLE_ALIGN_LEFT, is_unicode);
    buf_append_str(b, s);
    free(s);
}

static double max_of(const double *values, size_t count)
{
    double hi = 0;
    for (size_t i = 0; i < count; i++)
        if (clean(values[i]) > hi)
            hi = clean(values[i]);
    return hi;
}

/* ---- bars, sparklines, progress --------------------------------------------------------- */

static void append_bar(struct buf *b, double frac, int width, bool is_unicode)
{
    if (width <= 0)
        return;
    if (!is_unicode) {
        long n = scaled(frac, width);
        repeat(b, "#", n);
        repeat(b, "-", width - n);
        return;
    }
    long e = scaled(frac, (long)width * 8);
    repeat(b, FULL_BLOCK, e / 8);
    buf_append_str(b, left_blocks[e % 8]);
    repeat(b, " ", width - e / 8 - (e % 8 ? 1 : 0));
}

char *chart_bar(double value, double max, int width, bool is_unicode)
{
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    append_bar(&b, ratio(value, max), width, is_unicode);
    return buf_detach(&b);
}

char *chart_sparkline(const double *values, size_t count, int width, bool is_unicode)
{
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    size_t first = width > 0 && count > (size_t)width ? count - (size_t)width : 0;
    double hi = max_of(values + first, count - first);
    for (size_t i = first; i < count; i++) {
        long level = scaled(ratio(values[i], hi), 7);
        if (is_unicode)
            buf_append_str(&b, lower_blocks[level + 1]);
        else
            buf_append_char(&b, ascii_spark[level]);
    }
    return buf_detach(&b);
}

static int percent_of(double frac)
{
    return (int)scaled(frac, 100);
}

/* The parts of a progress line: the label with its gap, the bar in brackets with its gap (""
 * without room for it), the percent. */
struct progress_parts {
    char *label, *bar, *percent;
};

static void progress_split(const char *label, int label_width, double fraction, int width,
                           bool is_unicode, struct progress_parts *p)
{
    double frac = ratio(fraction, 1);
    int bar_width = width - (label_width > 0 ? label_width + 1 : 0) - 2 - 6;
    /* Without room for the bar the percent matters more than the label. */
    int lw = bar_width >= 1 ? label_width : label_width < width - 6 ? label_width : width - 6;
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    if (lw > 0) {
        append_fit(&b, label, lw, is_unicode);
        buf_append_char(&b, ' ');
    }
    p->label = buf_detach(&b);
    if (bar_width >= 1) {
        buf_append_char(&b, '[');
        append_bar(&b, frac, bar_width, is_unicode);
        buf_append_str(&b, "] ");
    }
    p->bar = buf_detach(&b);
    buf_printf(&b, "%3d %%", percent_of(frac));
    p->percent = buf_detach(&b);
}

static void progress_free(struct progress_parts *p)
{
    free(p->label);
    free(p->bar);
    free(p->percent);
}

char *chart_progress(const char *label, int label_width, double fraction, int width,
                     bool is_unicode)
{
    struct progress_parts p;
    progress_split(label, label_width, fraction, width, is_unicode, &p);
    char *joined = xasprintf("%s%s%s", p.label, p.bar, p.percent);
    progress_free(&p);
    char *out = table_fit_text(joined, width, TABLE_ALIGN_LEFT, is_unicode);
    free(joined);
    return out;
}

/* ---- column chart ---------------------------------------------------------------------- */

struct columns_layout {
    size_t first, shown; /* values drawn: [first, first + shown) */
    int slot, bar_width;
    int bar_rows;
    bool has_labels;
};

static void columns_layout(size_t count, bool has_labels, int width, int height,
                           struct columns_layout *l)
{
    memset(l, 0, sizeof *l);
    l->has_labels = has_labels && height >= 2;
    l->bar_rows = height - (l->has_labels ? 1 : 0);
    if (count == 0 || width <= 0)
        return;
    l->shown = count;
    l->slot = width / (int)(count < (size_t)width ? count : (size_t)width);
    if (count > (size_t)width) {
        l->shown = (size_t)width;
        l->slot = 1;
    }
    l->first = count - l->shown;
    if (l->slot > COLUMN_SLOT_MAX)
        l->slot = COLUMN_SLOT_MAX;
    l->bar_width = l->slot > 1 ? l->slot - 1 : 1;
}

char *chart_columns(const double *values, const char *const *labels, size_t count, int width,
                    int height, bool is_unicode)
{
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    if (width <= 0 || height <= 0)
        return buf_detach(&b);
    struct columns_layout l;
    columns_layout(count, labels != NULL, width, height, &l);
    double hi = max_of(values + l.first, l.shown);
    for (int row = l.bar_rows - 1; row >= 0; row--) {
        size_t start = b.len;
        for (size_t j = 0; j < l.shown; j++) {
            double frac = ratio(values[l.first + j], hi);
            const char *glyph;
            if (is_unicode) {
                long fill = scaled(frac, (long)l.bar_rows * 8) - (long)row * 8;
                glyph = lower_blocks[fill < 0 ? 0 : fill > 8 ? 8 : fill];
            } else {
                glyph = scaled(frac, l.bar_rows) > row ? "#" : " ";
            }
            repeat(&b, glyph, l.bar_width);
            repeat(&b, " ", l.slot - l.bar_width);
        }
        pad_to(&b, start, width);
        if (row > 0 || l.has_labels)
            buf_append_char(&b, '\n');
    }
    if (l.has_labels) {
        size_t start = b.len;
        int label_w = 0;
        for (size_t j = 0; j < l.shown; j++) {
            const char *s = labels[l.first + j] ? labels[l.first + j] : "";
            int w = (int)utf8_width(s, strlen(s));
            label_w = w > label_w ? w : label_w;
        }
        size_t every = 1;
        while (every < l.shown && (int)every * l.slot - 1 < label_w)
            every++;
        for (size_t j = 0; j < l.shown; j++) {
            if ((l.shown - 1 - j) % every != 0)
                continue;
            /* One label per slot: left-aligned under its bar. Fewer labels: each ends where
             * its bar ends and takes the room of the unlabelled bars to its left. */
            int col = (int)j * l.slot, room = l.bar_width;
            enum table_align align = TABLE_ALIGN_LEFT;
            if (every > 1) {
                int end = col + l.bar_width;
                room = (int)every * l.slot - 1;
                col = end - room < 0 ? 0 : end - room;
                room = end - col;
                align = TABLE_ALIGN_RIGHT;
            }
            pad_to(&b, start, col);
            char *s = table_fit_text(labels[l.first + j], room, align, is_unicode);
            buf_append_str(&b, s);
            free(s);
        }
        pad_to(&b, start, width);
    }
    return buf_detach(&b);
}

/* ---- matrix ---------------------------------------------------------------------------- */

const char *chart_shade(int level, bool is_unicode)
{
    level = level < 0 ? 0 : level > CHART_LEVEL_MAX ? CHART_LEVEL_MAX : level;
    return is_unicode ? shades[level] : ascii_shades[level];
}

char *chart_legend(const char *const *names, bool is_unicode)
{
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    for (int k = 0; names && k <= CHART_LEVEL_MAX; k++)
        buf_printf(&b, "%s%s %s", k > 0 ? "  " : "", chart_shade(k, is_unicode),
                   names[k] ? names[k] : "");
    return buf_detach(&b);
}

struct matrix_layout {
    int label_width; /* 0 without row labels */
    int x0;          /* first cell column */
    int cell_width;
    size_t cols_shown;
    bool has_header, has_legend;
    int body; /* data rows that fit */
};

static int max_width_of(const char *const *s, size_t count)
{
    int w = 0;
    for (size_t i = 0; s && i < count; i++) {
        int n = s[i] ? (int)utf8_width(s[i], strlen(s[i])) : 0;
        w = n > w ? n : w;
    }
    return w;
}

static void matrix_layout(const struct chart_matrix *m, int width, int height,
                          struct matrix_layout *l)
{
    memset(l, 0, sizeof *l);
    if (m->row_labels) {
        int w = max_width_of(m->row_labels, m->rows);
        l->label_width = w > width / 3 ? width / 3 : w;
        if (l->label_width < 1)
            l->label_width = 1;
        l->x0 = l->label_width + 1;
    }
    int avail = width - l->x0;
    if (m->cols > 0 && avail > 0) {
        int want = m->col_labels ? max_width_of(m->col_labels, m->cols) : MATRIX_CELL_MIN;
        want = want < MATRIX_CELL_MIN   ? MATRIX_CELL_MIN
               : want > MATRIX_CELL_MAX ? MATRIX_CELL_MAX
                                        : want;
        int fit = (int)(((long)avail + 1) / (long)m->cols) - 1;
        l->cell_width = want < fit ? want : fit;
        l->cols_shown = m->cols;
        if (l->cell_width < 1) {
            l->cell_width = 1;
            l->cols_shown = (size_t)(avail + 1) / 2;
        }
    }
    l->has_header = m->col_labels != NULL && height >= 1;
    int lines = height - (l->has_header ? 1 : 0);
    l->has_legend = m->level_names != NULL && lines >= 2;
    l->body = lines - (l->has_legend ? 1 : 0);
    if (l->body < 0)
        l->body = 0;
}

int chart_matrix_body_height(const struct chart_matrix *m, int height)
{
    struct matrix_layout l;
    matrix_layout(m, 80, height, &l); /* the rows do not depend on the width */
    return l.body;
}

char *chart_matrix_text(const struct chart_matrix *m, size_t first_row, int width, int height,
                        bool is_unicode)
{
    struct buf b;
    buf_init(&b, TEXT_MAX_LEN);
    if (width <= 0 || height <= 0)
        return buf_detach(&b);
    struct matrix_layout l;
    matrix_layout(m, width, height, &l);
    bool is_first = true;
    if (l.has_header) {
        repeat(&b, " ", l.x0);
        for (size_t c = 0; c < l.cols_shown; c++) {
            if (c > 0)
                buf_append_char(&b, ' ');
            append_fit(&b, m->col_labels[c], l.cell_width, is_unicode);
        }
        pad_to(&b, 0, width);
        is_first = false;
    }
    for (size_t row = first_row; row < m->rows && row - first_row < (size_t)l.body; row++) {
        if (!is_first)
            buf_append_char(&b, '\n');
        is_first = false;
        size_t start = b.len;
        if (l.label_width > 0) {
            append_fit(&b, m->row_labels[row], l.label_width, is_unicode);
            buf_append_char(&b, ' ');
        }
        for (size_t c = 0; c < l.cols_shown; c++) {
            if (c > 0)
                buf_append_char(&b, ' ');
            repeat(&b, chart_shade(m->levels[row * m->cols + c], is_unicode), l.cell_width);
        }
        pad_to(&b, start, width);
    }
    if (l.has_legend) {
        if (!is_first)
            buf_append_char(&b, '\n');
        char *legend = chart_legend(m->level_names, is_unicode);
        append_fit(&b, legend, width, is_unicode);
        free(legend);
    }
    return buf_detach(&b);
}

/* ---- drawing --------------------------------------------------------------------------- */

void chart_bar_draw(struct render *r, int y, int x, int width, double value, double max,
                    enum theme_role role)
{
    char *s = chart_bar(value, max, width, render_is_unicode(r));
    render_text(r, y, x, width, s, role);
    free(s);
}

void chart_sparkline_draw(struct render *r, int y, int x, int width, const double *values,
                          size_t count, enum theme_role role)
{
    char *s = chart_sparkline(values, count, width, render_is_unicode(r));
    render_text(r, y, x, width, s, role);
    free(s);
}

void chart_progress_draw(struct render *r, int y, int x, int width, const char *label,
                         int label_width, double fraction, enum theme_role role)
{
    bool is_unicode = render_is_unicode(r);
    struct progress_parts p;
    progress_split(label, label_width, fraction, width, is_unicode, &p);
    int used = render_text(r, y, x, width, p.label, THEME_DEFAULT);
    if (*p.bar) {
        /* brackets in the default role, the bar itself in role */
        size_t len = strlen(p.bar);
        used += render_text(r, y, x + used, width - used, "[", THEME_DEFAULT);
        p.bar[len - 2] = 0;
        used += render_text(r, y, x + used, width - used, p.bar + 1, role);
        used += render_text(r, y, x + used, width - used, "] ", THEME_DEFAULT);
    }
    render_text(r, y, x + used, width - used, p.percent, THEME_DEFAULT);
    progress_free(&p);
}

/* Draws text's '\n'-separated lines from rect's top, line i in roles(i). */
static void draw_lines(struct render *r, const struct layout_rect *rect, char *text,
                       enum theme_role first_role, enum theme_role role, enum theme_role last_role,
                       bool has_first, bool has_last)
{
    int count = 1;
    for (char *p = text; *p; p++)
        count += *p == '\n';
    char *line = text;
    for (int i = 0; i < count && i < rect->h; i++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        enum theme_role rl = has_first && i == 0          ? first_role
                             : has_last && i == count - 1 ? last_role
                                                          : role;
        render_text(r, rect->y + i, rect->x, rect->w, line, rl);
        if (!nl)
            break;
        line = nl + 1;
    }
}

void chart_columns_draw(struct render *r, const struct layout_rect *rect, const double *values,
                        const char *const *labels, size_t count, enum theme_role role)
{
    if (rect->h <= 0 || rect->w <= 0)
        return;
    render_fill(r, rect, THEME_DEFAULT);
    char *s = chart_columns(values, labels, count, rect->w, rect->h, render_is_unicode(r));
    draw_lines(r, rect, s, role, role, THEME_NOTE, false, labels != NULL && rect->h >= 2);
    free(s);
}

void chart_matrix_draw(struct render *r, const struct layout_rect *rect,
                       const struct chart_matrix *m, size_t first_row, enum theme_role role)
{
    if (rect->h <= 0 || rect->w <= 0)
        return;
    bool is_unicode = render_is_unicode(r);
    render_fill(r, rect, THEME_DEFAULT);
    struct matrix_layout l;
    matrix_layout(m, rect->w, rect->h, &l);
    char *s = chart_matrix_text(m, first_row, rect->w, rect->h, is_unicode);
    draw_lines(r, rect, s, THEME_TITLE, THEME_DEFAULT, THEME_NOTE, l.has_header, l.has_legend);
    free(s);
    /* The cells again, in role. */
    int y = rect->y + (l.has_header ? 1 : 0);
    for (size_t row = first_row; row < m->rows && row - first_row < (size_t)l.body; row++, y++) {
        int x = rect->x + l.x0;
        for (size_t c = 0; c < l.cols_shown; c++) {
            struct buf cell;
            buf_init(&cell, TEXT_MAX_LEN);
            repeat(&cell, chart_shade(m->levels[row * m->cols + c], is_unicode), l.cell_width);
            render_text(r, y, x, rect->x + rect->w - x, buf_str(&cell), role);
            buf_cleanup(&cell);
            x += l.cell_width + 1;
        }
    }
}

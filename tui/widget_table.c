/* table: widths, cell fitting, sort marks and row lines are pure; table_draw only places the
 * finished lines with render_text. */
#include "tui/widget_table.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#include "tui/render.h"

#define ELLIPSIS "\xE2\x80\xA6"
#define SORT_UP "\xE2\x96\xB2"
#define SORT_DOWN "\xE2\x96\xBC"
#define LINE_MAX_LEN (1u << 20)

struct table {
    struct table_column *cols; /* titles point into titles */
    char **titles;             /* owned copies */
    size_t col_count;
    table_cell_fn cell;
    void *userdata;
    struct list list;
    bool has_sort;
    size_t sort_col;
    bool is_descending;
    char *empty_text;
};

/* ---- widths ---------------------------------------------------------------------------- */

static int column_min(const struct table_column *c)
{
    if (c->min_width > 0)
        return c->min_width;
    int w = c->title ? (int)utf8_width(c->title, strlen(c->title)) : 0;
    return w + 2; /* room for the sort mark */
}

static int column_max(const struct table_column *c)
{
    if (c->max_width <= 0)
        return 0;
    int min = column_min(c);
    return c->max_width > min ? c->max_width : min;
}

static bool can_grow(const struct table_column *c, int width)
{
    int max = column_max(c);
    return c->flex > 0 && (max == 0 || width < max);
}

size_t table_compute_widths(const struct table_column *cols, size_t count, int total_width,
                            int *widths)
{
    size_t shown = 0;
    int used = 0;
    for (size_t i = 0; i < count; i++)
        widths[i] = 0;
    for (; shown < count; shown++) {
        int need = column_min(&cols[shown]) + (shown > 0 ? TABLE_GAP : 0);
        if (used + need > total_width)
            break;
        widths[shown] = column_min(&cols[shown]);
        used += need;
    }
    if (shown == 0) {
        if (count > 0 && total_width > 0) {
            widths[0] = total_width;
            return 1;
        }
        return 0;
    }
    int extra = total_width - used;
    while (extra > 0) {
        long weights = 0;
        for (size_t i = 0; i < shown; i++)
            if (can_grow(&cols[i], widths[i]))
                weights += cols[i].flex;
        if (weights == 0)
            break;
        int given = 0;
        for (size_t i = 0; i < shown; i++) {
            if (!can_grow(&cols[i], widths[i]))
                continue;
            int share = (int)((long)extra * cols[i].flex / weights);
            int max = column_max(&cols[i]);
            if (max > 0 && share > max - widths[i])
                share = max - widths[i];
            widths[i] += share;
            given += share;
        }
        if (given == 0) {
            /* Every share rounded down to 0: hand out the remainder a column at a time. */
            for (size_t i = 0; i < shown && extra - given > 0; i++) {
                if (can_grow(&cols[i], widths[i])) {
                    widths[i]++;
                    given++;
                }
            }
        }
        extra -= given;
    }
    return shown;
}

/* ---- cells ----------------------------------------------------------------------------- */

static void append_spaces(struct buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_append_char(b, ' ');
}

/* Appends text fitted to width columns (see table_fit_text) to b. */
static void append_fitted(struct buf *b, const char *text, int width, enum table_align align,
                          bool is_unicode)
{
    if (width <= 0)
        return;
    size_t len;
    char *s = utf8_sanitize(text ? text : "", text ? strlen(text) : 0, &len);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || s[i] == '\t')
            s[i] = ' ';
    int w = (int)utf8_width(s, len);
    if (w <= width) {
        int pad = width - w;
        int left = align == TABLE_ALIGN_RIGHT ? pad : align == TABLE_ALIGN_CENTER ? pad / 2 : 0;
        append_spaces(b, left);
        buf_append(b, s, len);
        append_spaces(b, pad - left);
    } else {
        size_t used;
        size_t n = utf8_fit(s, len, (size_t)width - 1, &used);
        buf_append(b, s, n);
        buf_append_str(b, is_unicode ? ELLIPSIS : "~");
        append_spaces(b, width - 1 - (int)used);
    }
    free(s);
}

char *table_fit_text(const char *text, int width, enum table_align align, bool is_unicode)
{
    struct buf b;
    buf_init(&b, LINE_MAX_LEN);
    append_fitted(&b, text, width, align, is_unicode);
    return buf_detach(&b);
}

/* ---- the table ------------------------------------------------------------------------- */

struct table *table_new(const struct table_column *cols, size_t count, table_cell_fn cell,
                        void *userdata)
{
    struct table *t = xcalloc(1, sizeof *t);
    t->cols = xcalloc(count ? count : 1, sizeof *t->cols);
    t->titles = xcalloc(count ? count : 1, sizeof *t->titles);
    for (size_t i = 0; i < count; i++) {
        t->titles[i] = xstrdup(cols[i].title ? cols[i].title : "");
        t->cols[i] = cols[i];
        t->cols[i].title = t->titles[i];
    }
    t->col_count = count;
    t->cell = cell;
    t->userdata = userdata;
    list_init(&t->list);
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->col_count; i++)
        free(t->titles[i]);
    free(t->titles);
    free(t->cols);
    free(t->empty_text);
    free(t);
}

struct list *table_list(struct table *t)
{
    return &t->list;
}

void table_set_count(struct table *t, size_t rows)
{
    list_set_count(&t->list, rows);
}

size_t table_selected(const struct table *t)
{
    return t->list.count == 0 ? SIZE_MAX : t->list.selected;
}

void table_set_empty_text(struct table *t, const char *text)
{
    free(t->empty_text);
    t->empty_text = text ? xstrdup(text) : NULL;
}

void table_set_sort(struct table *t, size_t col, bool is_descending)
{
    t->has_sort = col < t->col_count;
    t->sort_col = t->has_sort ? col : 0;
    t->is_descending = t->has_sort && is_descending;
}

bool table_toggle_sort(struct table *t, size_t col)
{
    bool desc = t->has_sort && t->sort_col == col ? !t->is_descending : false;
    table_set_sort(t, col, desc);
    return t->is_descending;
}

bool table_sort_of(const struct table *t, size_t *col, bool *is_descending)
{
    if (col)
        *col = t->sort_col;
    if (is_descending)
        *is_descending = t->is_descending;
    return t->has_sort;
}

size_t table_column_at(const struct table *t, int width, int x)
{
    int *w = xcalloc(t->col_count ? t->col_count : 1, sizeof *w);
    table_compute_widths(t->cols, t->col_count, width, w);
    size_t found = SIZE_MAX;
    int start = 0;
    for (size_t i = 0; i < t->col_count && w[i] > 0; i++) {
        if (x >= start && x < start + w[i]) {
            found = i;
            break;
        }
        start += w[i] + TABLE_GAP;
    }
    free(w);
    return found;
}

/* ---- sorting --------------------------------------------------------------------------- */

struct sort_ctx {
    table_compare_fn cmp;
    void *userdata;
    bool is_descending;
};

static int compare(const struct sort_ctx *c, size_t a, size_t b)
{
    return c->is_descending ? c->cmp(c->userdata, b, a) : c->cmp(c->userdata, a, b);
}

/* Bottom-up merge sort: stable, O(n log n), with the caller's context (qsort has neither). */
void table_sort_rows(size_t *order, size_t count, table_compare_fn cmp, void *userdata,
                     bool is_descending)
{
    if (count < 2)
        return;
    struct sort_ctx c = {cmp, userdata, is_descending};
    size_t *tmp = xreallocarray(NULL, count, sizeof *tmp);
    size_t *src = order, *dst = tmp;
    for (size_t run = 1; run < count; run *= 2) {
        for (size_t lo = 0; lo < count; lo += 2 * run) {
            size_t mid = lo + run < count ? lo + run : count;
            size_t hi = lo + 2 * run < count ? lo + 2 * run : count;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = compare(&c, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        size_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != order)
        memcpy(order, src, count * sizeof *order);
    free(tmp);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int table_compare_text(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    size_t alen = strlen(a), blen = strlen(b);
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        if (is_digit(a[i]) && is_digit(b[j])) {
            while (a[i] == '0' && is_digit(a[i + 1]))
                i++;
            while (b[j] == '0' && is_digit(b[j + 1]))
                j++;
            size_t ni = 0, nj = 0;
            while (is_digit(a[i + ni]))
                ni++;
            while (is_digit(b[j + nj]))
                nj++;
            if (ni != nj)
                return ni < nj ? -1 : 1;
            int d = memcmp(a + i, b + j, ni);
            if (d != 0)
                return d < 0 ? -1 : 1;
            i += ni;
            j += nj;
            continue;
        }
        uint32_t ca, cb;
        i += utf8_decode(a + i, alen - i, &ca);
        j += utf8_decode(b + j, blen - j, &cb);
        ca = list_fold_case(ca);
        cb = list_fold_case(cb);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    if (i < alen || j < blen)
        return i < alen ? 1 : -1;
    int d = strcmp(a, b); /* equal but for case or leading zeros: still a total order */
    return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/* ---- lines ----------------------------------------------------------------------------- */

/* Widths for width columns into a heap array of col_count entries. */
static int *widths_for(const struct table *t, int width)
{
    int *w = xcalloc(t->col_count ? t->col_count : 1, sizeof *w);
    table_compute_widths(t->cols, t->col_count, width, w);
    return w;
}

/* Pads the line to width columns. */
static char *finish_line(struct buf *b, int width)
{
    int w = (int)utf8_width(buf_str(b), b->len);
    append_spaces(b, width - w);
    return buf_detach(b);
}

char *table_format_header(const struct table *t, int width, bool is_unicode)
{
    struct buf b;
    buf_init(&b, LINE_MAX_LEN);
    int *w = widths_for(t, width);
    for (size_t i = 0; i < t->col_count && w[i] > 0; i++) {
        if (i > 0)
            append_spaces(&b, TABLE_GAP);
        const struct table_column *c = &t->cols[i];
        if (t->has_sort && t->sort_col == i && w[i] >= 3) {
            const char *mark = !is_unicode        ? (t->is_descending ? " v" : " ^")
                               : t->is_descending ? " " SORT_DOWN
                                                  : " " SORT_UP;
            int title_w = (int)utf8_width(c->title, strlen(c->title));
            int room = w[i] - 2;
            int pad = room > title_w ? room - title_w : 0;
            /* The mark follows the title, so a right-aligned title moves left to make room. */
            if (c->align == TABLE_ALIGN_RIGHT)
                append_spaces(&b, pad);
            else if (c->align == TABLE_ALIGN_CENTER)
                append_spaces(&b, pad / 2);
            append_fitted(&b, c->title, room - pad, TABLE_ALIGN_LEFT, is_unicode);
            buf_append_str(&b, mark);
            if (c->align == TABLE_ALIGN_LEFT)
                append_spaces(&b, pad);
            else if (c->align == TABLE_ALIGN_CENTER)
                append_spaces(&b, pad - pad / 2);
        } else {
            append_fitted(&b, c->title, w[i], c->align, is_unicode);
        }
    }
    free(w);
    return finish_line(&b, width);
}

char *table_format_row(const struct table *t, size_t row, int width, bool is_unicode)
{
    struct buf b;
    buf_init(&b, LINE_MAX_LEN);
    int *w = widths_for(t, width);
    for (size_t i = 0; i < t->col_count && w[i] > 0; i++) {
        if (i > 0)
            append_spaces(&b, TABLE_GAP);
        const char *text = t->cell ? t->cell(t->userdata, row, i) : NULL;
        append_fitted(&b, text, w[i], t->cols[i].align, is_unicode);
    }
    free(w);
    return finish_line(&b, width);
}

void table_draw(struct table *t, struct render *r, const struct layout_rect *rect, bool is_focused)
{
    if (rect->h <= 0 || rect->w <= 0)
        return;
    bool is_unicode = render_is_unicode(r);
    render_fill(r, rect, THEME_DEFAULT);
    char *line = table_format_header(t, rect->w, is_unicode);
    render_text_attr(r, rect->y, rect->x, rect->w, line, THEME_TITLE, THEME_ATTR_BOLD);
    free(line);
    list_set_height(&t->list, rect->h - 1);
    if (t->list.count == 0) {
        if (t->empty_text && rect->h > 1)
            render_text(r, rect->y + 1, rect->x, rect->w, t->empty_text, THEME_NOTE);
        return;
    }
    size_t shown = list_visible_count(&t->list);
    for (size_t i = 0; i < shown; i++) {
        size_t row = t->list.top + i;
        int y = rect->y + 1 + (int)i;
        line = table_format_row(t, row, rect->w, is_unicode);
        if (row == t->list.selected && is_focused) {
            struct layout_rect band = {y, rect->x, 1, rect->w};
            render_fill(r, &band, THEME_SELECTION);
            render_text(r, y, rect->x, rect->w, line, THEME_SELECTION);
        } else if (row == t->list.selected) {
            render_text_attr(r, y, rect->x, rect->w, line, THEME_DEFAULT, THEME_ATTR_BOLD);
        } else {
            render_text(r, y, rect->x, rect->w, line, THEME_DEFAULT);
        }
        free(line);
    }
}

/* layout: rows x cols -> rectangles. The body gets whatever the frame leaves; in the chat
 * body, the conversation gets whatever the input and the sources leave. */
#include "tui/layout.h"

#include <stddef.h>

#include "core/buf.h"

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static struct layout_rect rect(int y, int x, int h, int w)
{
    return (struct layout_rect){.y = y, .x = x, .h = h < 0 ? 0 : h, .w = w < 0 ? 0 : w};
}

void layout_frame_compute(int rows, int cols, struct layout_frame *out)
{
    *out = (struct layout_frame){0};
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->is_too_small = true;
        return;
    }
    out->header = rect(0, 0, 1, cols);
    out->tabs = rect(1, 0, 1, cols);
    out->body = rect(2, 0, rows - 3, cols);
    out->status = rect(rows - 1, 0, 1, cols);
}

void layout_compute(const struct layout_params *p, struct layout *out)
{
    *out = (struct layout){0};
    const struct layout_rect *b = &p->body;
    if (b->h < 3 || b->w < 1)
        return;
    /* The input grows with its text but never takes more than a third of the screen. */
    int max_input = clamp(p->screen_rows / 3, 1, LAYOUT_INPUT_MAX_LINES);
    int input_h = clamp(p->input_lines, 1, max_input) + 1;
    if (input_h > b->h - 1)
        input_h = b->h - 1;
    out->input = rect(b->y + b->h - input_h, b->x, input_h, b->w);
    int top = b->y, middle_h = out->input.y - top;

    if (!p->has_sources || middle_h < 3) {
        out->conversation = rect(top, b->x, middle_h, b->w);
        return;
    }
    if (b->w >= LAYOUT_BESIDE_COLS) {
        out->is_sources_beside = true;
        int sw = clamp(b->w * 35 / 100, 30, 60);
        int cw = b->w - sw - 1;
        out->conversation = rect(top, b->x, middle_h, cw);
        out->separator = rect(top, b->x + cw, middle_h, 1);
        out->sources = rect(top, b->x + cw + 1, middle_h, sw);
        return;
    }
    int sh = clamp(middle_h * 2 / 5, middle_h >= 7 ? 3 : 1, middle_h - 2);
    int ch = middle_h - sh - 1;
    out->conversation = rect(top, b->x, ch, b->w);
    out->separator = rect(top + ch, b->x, 1, b->w);
    out->sources = rect(top + ch + 1, b->x, sh, b->w);
}

static void describe(struct buf *b, const char *name, const struct layout_rect *r)
{
    if (r->h > 0 && r->w > 0)
        buf_printf(b, "%s %d,%d %dx%d\n", name, r->y, r->x, r->h, r->w);
}

char *layout_describe(const struct layout_frame *f, const struct layout *l)
{
    struct buf b;
    buf_init(&b, 4096);
    if (f->is_too_small) {
        buf_append_str(&b, "too small\n");
        return buf_detach(&b);
    }
    describe(&b, "header", &f->header);
    describe(&b, "tabs", &f->tabs);
    if (l) {
        describe(&b, "conversation", &l->conversation);
        describe(&b, "separator", &l->separator);
        describe(&b, "sources", &l->sources);
        describe(&b, "input", &l->input);
    } else {
        describe(&b, "body", &f->body);
    }
    describe(&b, "status", &f->status);
    return buf_detach(&b);
}

static int run_width(const int *widths, int first, int end, int count)
{
    int w = 0;
    for (int i = first; i < end; i++)
        w += widths[i];
    return w + (first > 0 ? LAYOUT_TAB_MARKER_COLS : 0) + (end < count ? LAYOUT_TAB_MARKER_COLS : 0);
}

void layout_tab_window(const int *widths, int count, int active, int width, int *first,
                       int *end)
{
    *first = 0;
    *end = count;
    if (count <= 0 || run_width(widths, 0, count, count) <= width)
        return;
    if (active < 0 || active >= count)
        active = 0;
    /* From the first tab while the active one is among those that fit, so the bar moves only
     * when it must; else the run that ends with the active tab and reaches as far left as it
     * can, then right. */
    int a = 0, b = 0;
    while (b < count && run_width(widths, a, b + 1, count) <= width)
        b++;
    if (active >= b) {
        a = active;
        b = active + 1;
        while (a > 0 && run_width(widths, a - 1, b, count) <= width)
            a--;
        while (b < count && run_width(widths, a, b + 1, count) <= width)
            b++;
    }
    *first = a;
    *end = b;
}

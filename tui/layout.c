/* layout: rows x cols -> rectangles. The conversation gets whatever the fixed parts leave. */
#include "tui/layout.h"

#include "core/buf.h"

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static struct layout_rect rect(int y, int x, int h, int w)
{
    return (struct layout_rect){.y = y, .x = x, .h = h < 0 ? 0 : h, .w = w < 0 ? 0 : w};
}

void layout_compute(const struct layout_params *p, struct layout *out)
{
    *out = (struct layout){0};
    int rows = p->rows, cols = p->cols;
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->is_too_small = true;
        return;
    }
    out->header = rect(0, 0, 1, cols);
    out->tabs = rect(1, 0, 1, cols);
    out->status = rect(rows - 1, 0, 1, cols);
    /* The input grows with its text but never takes more than a third of the screen. */
    int max_input = clamp(rows / 3, 1, LAYOUT_INPUT_MAX_LINES);
    int input_h = clamp(p->input_lines, 1, max_input) + 1;
    out->input = rect(rows - 1 - input_h, 0, input_h, cols);
    int top = 2, middle_h = out->input.y - top;

    if (!p->has_sources || middle_h < 3) {
        out->conversation = rect(top, 0, middle_h, cols);
        return;
    }
    if (cols >= LAYOUT_BESIDE_COLS) {
        out->is_sources_beside = true;
        int sw = clamp(cols * 35 / 100, 30, 60);
        int cw = cols - sw - 1;
        out->conversation = rect(top, 0, middle_h, cw);
        out->separator = rect(top, cw, middle_h, 1);
        out->sources = rect(top, cw + 1, middle_h, sw);
        return;
    }
    int sh = clamp(middle_h * 2 / 5, middle_h >= 7 ? 3 : 1, middle_h - 2);
    int ch = middle_h - sh - 1;
    out->conversation = rect(top, 0, ch, cols);
    out->separator = rect(top + ch, 0, 1, cols);
    out->sources = rect(top + ch + 1, 0, sh, cols);
}

char *layout_describe(const struct layout *l)
{
    struct buf b;
    buf_init(&b, 4096);
    if (l->is_too_small) {
        buf_append_str(&b, "too small\n");
        return buf_detach(&b);
    }
    const struct {
        const char *name;
        const struct layout_rect *r;
    } parts[] = {
        {"header", &l->header},   {"tabs", &l->tabs},       {"conversation", &l->conversation},
        {"separator", &l->separator}, {"sources", &l->sources}, {"input", &l->input},
        {"status", &l->status},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const struct layout_rect *r = parts[i].r;
        if (r->h > 0 && r->w > 0)
            buf_printf(&b, "%s %d,%d %dx%d\n", parts[i].name, r->y, r->x, r->h, r->w);
    }
    return buf_detach(&b);
}

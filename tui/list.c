/* list: selection, paging and search over count items; every change ends in clamp_view so the
 * invariants in list.h hold after any call. */
#include "tui/list.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

/* A page is at least one row, so moving works before the first draw. */
static size_t page_rows(const struct list *l)
{
    return l->height > 0 ? (size_t)l->height : 1;
}

static size_t max_top(const struct list *l)
{
    size_t h = page_rows(l);
    return l->count > h ? l->count - h : 0;
}

static void clamp_view(struct list *l)
{
    if (l->count == 0) {
        l->selected = 0;
        l->top = 0;
        return;
    }
    if (l->selected >= l->count)
        l->selected = l->count - 1;
    size_t h = page_rows(l);
    if (l->selected < l->top)
        l->top = l->selected;
    else if (l->selected >= l->top + h)
        l->top = l->selected - h + 1;
    if (l->top > max_top(l))
        l->top = max_top(l);
}

/* Applies a new selection and view and reports whether either changed. */
static bool update(struct list *l, size_t selected, size_t top)
{
    size_t old_sel = l->selected, old_top = l->top;
    l->selected = selected;
    l->top = top;
    clamp_view(l);
    return l->selected != old_sel || l->top != old_top;
}

void list_init(struct list *l)
{
    memset(l, 0, sizeof *l);
}

void list_set_count(struct list *l, size_t count)
{
    l->count = count;
    clamp_view(l);
}

void list_set_height(struct list *l, int height)
{
    l->height = height > 0 ? height : 0;
    clamp_view(l);
}

bool list_select(struct list *l, size_t index)
{
    return update(l, index, l->top);
}

bool list_move(struct list *l, long delta)
{
    if (l->count == 0)
        return false;
    size_t sel = l->selected;
    if (delta < 0) {
        size_t d = (size_t)(-(delta + 1)) + 1; /* no overflow for LONG_MIN */
        sel = d >= sel ? 0 : sel - d;
    } else {
        size_t d = (size_t)delta;
        sel = d >= l->count - 1 - sel ? l->count - 1 : sel + d;
    }
    return update(l, sel, l->top);
}

bool list_up(struct list *l)
{
    return list_move(l, -1);
}

bool list_down(struct list *l)
{
    return list_move(l, 1);
}

bool list_page_up(struct list *l)
{
    if (l->count == 0)
        return false;
    size_t h = page_rows(l);
    size_t top = l->top >= h ? l->top - h : 0;
    size_t sel = l->selected >= h ? l->selected - h : 0;
    return update(l, sel, top);
}

bool list_page_down(struct list *l)
{
    if (l->count == 0)
        return false;
    size_t h = page_rows(l);
    size_t top = l->top + h > max_top(l) ? max_top(l) : l->top + h;
    size_t sel = l->selected + h >= l->count ? l->count - 1 : l->selected + h;
    return update(l, sel, top);
}

bool list_home(struct list *l)
{
    return update(l, 0, 0);
}

bool list_end(struct list *l)
{
    if (l->count == 0)
        return false;
    return update(l, l->count - 1, max_top(l));
}

bool list_scroll(struct list *l, long rows)
{
    if (l->count == 0 || rows == 0)
        return false;
    size_t top = l->top;
    if (rows < 0) {
        size_t d = (size_t)(-(rows + 1)) + 1;
        top = d >= top ? 0 : top - d;
    } else {
        size_t d = (size_t)rows;
        top = d >= max_top(l) - top ? max_top(l) : top + d;
    }
    size_t h = page_rows(l);
    size_t sel = l->selected;
    if (sel < top)
        sel = top;
    else if (sel >= top + h)
        sel = top + h - 1;
    return update(l, sel, top);
}

size_t list_visible_count(const struct list *l)
{
    size_t h = l->height > 0 ? (size_t)l->height : 0;
    size_t left = l->count - l->top;
    return left < h ? left : h;
}

bool list_row_of(const struct list *l, size_t index, int *row)
{
    if (index < l->top || index - l->top >= list_visible_count(l))
        return false;
    if (row)
        *row = (int)(index - l->top);
    return true;
}

bool list_select_row(struct list *l, int row)
{
    if (row < 0 || (size_t)row >= list_visible_count(l))
        return false;
    return list_select(l, l->top + (size_t)row);
}

/* ---- search -------------------------------------------------------------------------- */

/* Simple case folding to lower case for the scripts the product's users write in; the C
 * library's towlower would depend on the locale. */
uint32_t list_fold_case(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 32;
    if (cp == 0x178)
        return 0xFF;
    if (cp == 0x130) /* I with dot above */
        return 'i';
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
        return cp | 1;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return (cp & 1) ? cp + 1 : cp;
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
        return cp + 32;
    if (cp == 0x3C2) /* final sigma */
        return 0x3C3;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    return cp;
}

bool list_text_matches(const char *text, const char *query)
{
    if (!text || !query || !*query)
        return false;
    size_t tlen = strlen(text), qlen = strlen(query);
    for (size_t start = 0; start < tlen;) {
        size_t t = start, q = 0;
        while (q < qlen && t < tlen) {
            uint32_t a, b;
            size_t na = utf8_decode(text + t, tlen - t, &a);
            size_t nb = utf8_decode(query + q, qlen - q, &b);
            if (list_fold_case(a) != list_fold_case(b))
                break;
            t += na;
            q += nb;
        }
        if (q == qlen)
            return true;
        uint32_t cp;
        start += utf8_decode(text + start, tlen - start, &cp);
    }
    return false;
}

bool list_search(struct list *l, enum list_search how, const char *query, list_text_fn text,
                 void *userdata, bool *is_wrapped)
{
    if (is_wrapped)
        *is_wrapped = false;
    if (l->count == 0 || !query || !*query)
        return false;
    size_t first = how == LIST_SEARCH_HERE ? 0 : 1;
    size_t last = how == LIST_SEARCH_HERE ? l->count - 1 : l->count;
    for (size_t step = first; step <= last; step++) {
        size_t idx;
        bool wrapped;
        if (how == LIST_SEARCH_PREV) {
            wrapped = step > l->selected;
            idx = (l->selected + l->count - step % l->count) % l->count;
        } else {
            wrapped = l->selected + step >= l->count;
            idx = (l->selected + step) % l->count;
        }
        const char *s = text(userdata, idx);
        if (list_text_matches(s ? s : "", query)) {
            if (is_wrapped)
                *is_wrapped = wrapped;
            list_select(l, idx);
            return true;
        }
    }
    return false;
}

/* page: rows, selection and scrolling for the learner's tabs. */
#include "tui/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

#include "tui/input.h"
#include "tui/list.h"
#include "tui/render.h"
#include "tui/widget_table.h"

void page_init(struct page *p)
{
    memset(p, 0, sizeof *p);
    p->selected = -1;
}

void page_clear(struct page *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->rows[i].text);
    p->count = 0;
    p->item_count = 0;
}

void page_cleanup(struct page *p)
{
    page_clear(p);
    free(p->rows);
    memset(p, 0, sizeof *p);
    p->selected = -1;
}

void page_add(struct page *p, enum theme_role role, long item, const char *text)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->rows = xrealloc(p->rows, p->cap * sizeof *p->rows);
    }
    const char *t = text ? text : "";
    const char *nl = strchr(t, '\n');
    size_t len = nl ? (size_t)(nl - t) : strlen(t);
    p->rows[p->count++] =
        (struct page_row){.text = utf8_sanitize_line(t, len, NULL), .role = role, .item = item};
    if (item >= 0 && item + 1 > p->item_count)
        p->item_count = item + 1;
}

void page_addf(struct page *p, enum theme_role role, long item, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        page_add(p, role, item, small);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    page_add(p, role, item, big);
    free(big);
}

void page_add_lines(struct page *p, enum theme_role role, long item, const char *text)
{
    const char *s = text ? text : "";
    for (;;) {
        const char *nl = strchr(s, '\n');
        page_add(p, role, item, s);
        if (!nl)
            break;
        s = nl + 1;
    }
}

long page_selected(const struct page *p)
{
    return p->selected >= 0 && p->selected < p->item_count ? p->selected : -1;
}

static size_t max_scroll(const struct page *p)
{
    size_t h = p->height > 0 ? (size_t)p->height : 1;
    return p->count > h ? p->count - h : 0;
}

bool page_key(struct page *p, enum action a)
{
    int h = p->height > 1 ? p->height : 1;
    switch (a) {
    case ACTION_UP:
    case ACTION_DOWN:
        if (p->item_count > 0) {
            long s = p->selected < 0 ? 0 : p->selected + (a == ACTION_DOWN ? 1 : -1);
            if (s < 0)
                s = 0;
            if (s >= p->item_count)
                s = p->item_count - 1;
            /* At the first item, Up shows the top of the page (the summary). */
            if (a == ACTION_UP && p->selected == 0)
                p->scroll = 0;
            p->selected = s;
            p->follows = true;
            return true;
        }
        /* Nothing to select: the arrows scroll. */
        a = a == ACTION_UP ? ACTION_SCROLL_UP : ACTION_SCROLL_DOWN;
        break;
    default:
        break;
    }
    switch (a) {
    case ACTION_SCROLL_UP:
        if (p->scroll > 0)
            p->scroll--;
        break;
    case ACTION_SCROLL_DOWN:
        if (p->scroll < max_scroll(p))
            p->scroll++;
        break;
    case ACTION_PAGE_UP:
        p->scroll = p->scroll > (size_t)h ? p->scroll - (size_t)h : 0;
        break;
    case ACTION_PAGE_DOWN:
        p->scroll += (size_t)h;
        if (p->scroll > max_scroll(p))
            p->scroll = max_scroll(p);
        break;
    case ACTION_SCROLL_TOP:
        p->scroll = 0;
        if (p->item_count)
            p->selected = 0;
        break;
    case ACTION_SCROLL_BOTTOM:
        p->scroll = max_scroll(p);
        if (p->item_count)
            p->selected = p->item_count - 1;
        break;
    default:
        return false;
    }
    p->follows = a == ACTION_SCROLL_TOP || a == ACTION_SCROLL_BOTTOM;
    return true;
}

/* --- search -------------------------------------------------------------------------------- */

/* The first row of each item is its title. */
static const char *item_title(const struct page *p, long item)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->rows[i].item == item)
            return p->rows[i].text;
    return "";
}

static bool find_match(struct page *p, long from, bool include_from)
{
    if (!p->query[0] || p->item_count == 0)
        return false;
    for (long k = include_from ? 0 : 1; k <= p->item_count; k++) {
        long i = ((from < 0 ? 0 : from) + k) % p->item_count;
        if (list_text_matches(item_title(p, i), p->query)) {
            p->selected = i;
            p->follows = true;
            return true;
        }
    }
    return false;
}

bool page_search_key(struct page *p, enum action a, const struct input_event *ev,
                     const char **message)
{
    if (message)
        *message = NULL;
    if (!p->is_searching) {
        if (a == ACTION_SEARCH) {
            p->is_searching = true;
            p->query[0] = '\0';
            return true;
        }
        if (a == ACTION_SEARCH_NEXT) {
            if (!p->query[0]) {
                if (message)
                    *message = "No search yet: / searches the list.";
            } else if (!find_match(p, p->selected, false) && message) {
                *message = "No match.";
            }
            return true;
        }
        return false;
    }
    /* The prompt is open: it takes every key but the frame's. */
    size_t len = strlen(p->query);
    if (a == ACTION_CANCEL || a == ACTION_INTERRUPT) {
        p->is_searching = false;
        return true;
    }
    if (a == ACTION_OPEN || (ev && ev->kind == INPUT_CHAR && (ev->cp == '\r' || ev->cp == '\n'))) {
        p->is_searching = false;
        if (p->query[0] && !find_match(p, p->selected, true) && message)
            *message = "No match.";
        return true;
    }
    if (ev && ((ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKSPACE) ||
               (ev->kind == INPUT_CHAR && (ev->cp == 127 || ev->cp == 8)))) {
        if (len)
            p->query[utf8_prev(p->query, len, len)] = '\0';
        return true;
    }
    if (ev && ev->kind == INPUT_CHAR && !ev->is_alt && ev->cp >= 32 && ev->cp != 127) {
        char enc[4];
        size_t n = utf8_encode(ev->cp, enc);
        if (len + n < sizeof p->query) {
            memcpy(p->query + len, enc, n);
            p->query[len + n] = '\0';
            (void)find_match(p, p->selected, true);
        }
        return true;
    }
    return true;
}

/* The first and last rows of item, false when it has none. */
static bool item_rows(const struct page *p, long item, size_t *first, size_t *last)
{
    bool found = false;
    for (size_t i = 0; i < p->count; i++) {
        if (p->rows[i].item != item)
            continue;
        if (!found)
            *first = i;
        *last = i;
        found = true;
    }
    return found;
}

void page_draw(struct page *p, struct render *r, const struct layout_rect *rect, bool is_focused)
{
    render_fill(r, rect, THEME_DEFAULT);
    if (rect->h <= 0 || rect->w <= 0)
        return;
    p->height = rect->h;
    if (p->item_count == 0)
        p->selected = -1;
    else if (p->selected >= p->item_count)
        p->selected = p->item_count - 1;
    else if (p->selected < 0)
        p->selected = 0;
    if (p->scroll > max_scroll(p))
        p->scroll = max_scroll(p);
    size_t first = 0, last = 0;
    if (p->selected >= 0 && item_rows(p, p->selected, &first, &last)) {
        size_t h = (size_t)rect->h;
        if (p->follows) {
            if (last >= p->scroll + h)
                p->scroll = last + 1 - h;
            if (first < p->scroll)
                p->scroll = first;
        } else if (last < p->scroll || first >= p->scroll + h) {
            /* The view moved away from the selection: select what is on screen. */
            for (size_t i = p->scroll; i < p->count && i < p->scroll + h; i++) {
                if (p->rows[i].item >= 0) {
                    p->selected = p->rows[i].item;
                    break;
                }
            }
        }
    }
    for (int y = 0; y < rect->h; y++) {
        size_t i = p->scroll + (size_t)y;
        if (i >= p->count)
            break;
        const struct page_row *row = &p->rows[i];
        bool is_sel = is_focused && row->item >= 0 && row->item == p->selected;
        enum theme_role role = is_sel ? THEME_SELECTION : row->role;
        if (is_sel) {
            struct layout_rect line = {rect->y + y, rect->x, 1, rect->w};
            render_fill(r, &line, THEME_SELECTION);
            if (i == 0 || p->rows[i - 1].item != row->item)
                render_text(r, rect->y + y, rect->x, 1, render_is_unicode(r) ? "\xE2\x96\xB8" : ">",
                            THEME_SELECTION);
        }
        int w = rect->w - 2;
        if (w > 0 && utf8_width(row->text, strlen(row->text)) > (size_t)w) {
            char *cut = table_fit_text(row->text, w, TABLE_ALIGN_LEFT, render_is_unicode(r));
            render_text(r, rect->y + y, rect->x + 1, w, cut, role);
            free(cut);
        } else {
            render_text(r, rect->y + y, rect->x + 1, w, row->text, role);
        }
    }
    if (p->is_searching) {
        char prompt[160];
        snprintf(prompt, sizeof prompt, "/%s", p->query);
        struct layout_rect line = {rect->y + rect->h - 1, rect->x, 1, rect->w};
        render_fill(r, &line, THEME_INPUT);
        render_text(r, line.y, rect->x + 1, rect->w - 2, prompt, THEME_INPUT);
        render_cursor(r, line.y, rect->x + 1 + (int)utf8_width(prompt, strlen(prompt)));
        return;
    }
    bool has_above = p->scroll > 0;
    bool has_below = p->scroll + (size_t)rect->h < p->count;
    bool is_unicode = render_is_unicode(r);
    if (has_above)
        render_text(r, rect->y, rect->x + rect->w - 1, 1, is_unicode ? "\xE2\x86\x91" : "^",
                    THEME_NOTE);
    if (has_below)
        render_text(r, rect->y + rect->h - 1, rect->x + rect->w - 1, 1,
                    is_unicode ? "\xE2\x86\x93" : "v", THEME_NOTE);
}

/* render: models -> curses cells. Widths always come from core/utf8 and every string is
 * clipped to its rectangle, so a wide or combining character can never spill over. */
#include "tui/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/markdown.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tui/actions.h"
#include "tui/curses.h"
#include "tui/editor.h"
#include "tui/transcript.h"

struct render {
    struct theme theme;
    bool has_color;
    int color_count;
    attr_t attrs[THEME__COUNT];
    bool wants_cursor;
    int cursor_y, cursor_x;
    bool is_unicode;
};

/* --- colours -------------------------------------------------------------------------------- */

/* Maps a theme colour onto what the terminal has; *extra gets A_BOLD for bright colours on
 * 8-colour terminals. */
static short fit_color(short c, int count, attr_t *extra)
{
    if (c < 0 || c < count)
        return c;
    if (c < 16) {
        if (extra)
            *extra |= A_BOLD;
        return (short)(c - 8);
    }
    if (c >= 232) /* grey ramp */
        return c < 244 ? COLOR_BLACK : COLOR_WHITE;
    int v = c - 16, rr = v / 36, gg = (v / 6) % 6, bb = v % 6;
    short basic = (short)((rr >= 3 ? 1 : 0) | (gg >= 3 ? 2 : 0) | (bb >= 3 ? 4 : 0));
    return basic;
}

static attr_t theme_attrs(unsigned a)
{
    attr_t out = A_NORMAL;
    if (a & THEME_ATTR_BOLD)
        out |= A_BOLD;
    if (a & THEME_ATTR_DIM)
        out |= A_DIM;
    if (a & THEME_ATTR_UNDERLINE)
        out |= A_UNDERLINE;
    if (a & THEME_ATTR_REVERSE)
        out |= A_REVERSE;
#ifdef A_ITALIC
    if (a & THEME_ATTR_ITALIC)
        out |= A_ITALIC;
#endif
    return out;
}

struct render *render_new(const struct theme *theme, bool has_color, int color_count)
{
    struct render *r = xcalloc(1, sizeof *r);
    r->theme = *theme;
    r->has_color = has_color;
    r->color_count = color_count;
    r->is_unicode = true;
    for (int i = 0; i < THEME__COUNT; i++) {
        const struct theme_style *st = &theme->roles[i];
        attr_t a = theme_attrs(st->attrs);
        if (has_color && i + 1 < COLOR_PAIRS) {
            short fg = fit_color(st->fg, color_count, &a);
            short bg = fit_color(st->bg, color_count, NULL);
            init_pair((short)(i + 1), fg, bg);
            a |= COLOR_PAIR(i + 1);
        }
        r->attrs[i] = a;
    }
    return r;
}

void render_free(struct render *r)
{
    free(r);
}

/* --- primitives ----------------------------------------------------------------------------- */

static void set_role(struct render *r, enum theme_role role, attr_t extra)
{
    attrset(r->attrs[role] | extra);
}

static int put_clipped(int y, int x, int max_width, const char *s, size_t len)
{
    if (max_width <= 0 || len == 0)
        return 0;
    size_t w;
    size_t n = utf8_fit(s, len, (size_t)max_width, &w);
    if (n > 0)
        mvaddnstr(y, x, s, (int)n);
    return (int)w;
}

static void fill_row(struct render *r, int y, int x, int width, enum theme_role role)
{
    if (width <= 0)
        return;
    set_role(r, role, 0);
    mvhline(y, x, ' ', width);
}

/* Box drawing with Unicode characters (not ACS), so they read the same in every UTF-8
 * terminal and in tmux captures. */
static void draw_hline(int y, int x, int width)
{
    for (int i = 0; i < width; i++)
        mvaddstr(y, x + i, "\xE2\x94\x80");
}

static void draw_vline(int y, int x, int height)
{
    for (int i = 0; i < height; i++)
        mvaddstr(y + i, x, "\xE2\x94\x82");
}

void render_erase(struct render *r)
{
    set_role(r, THEME_DEFAULT, 0);
    bkgdset(' ' | r->attrs[THEME_DEFAULT]);
    erase();
}

void render_force_full(struct render *r)
{
    (void)r;
    clearok(curscr, TRUE);
}

void render_fill(struct render *r, const struct layout_rect *rect, enum theme_role role)
{
    for (int y = 0; y < rect->h; y++)
        fill_row(r, rect->y + y, rect->x, rect->w, role);
}

int render_text(struct render *r, int y, int x, int max_width, const char *text,
                enum theme_role role)
{
    set_role(r, role, 0);
    return put_clipped(y, x, max_width, text, strlen(text));
}

int render_text_attr(struct render *r, int y, int x, int max_width, const char *text,
                     enum theme_role role, unsigned attrs)
{
    set_role(r, role, theme_attrs(attrs));
    return put_clipped(y, x, max_width, text, strlen(text));
}

void render_set_unicode(struct render *r, bool is_unicode)
{
    r->is_unicode = is_unicode;
}

bool render_is_unicode(const struct render *r)
{
    return r->is_unicode;
}

void render_cursor(struct render *r, int y, int x)
{
    r->wants_cursor = true;
    r->cursor_y = y;
    r->cursor_x = x;
}

/* --- header, tabs, separators --------------------------------------------------------------- */

void render_header(struct render *r, const struct layout_rect *rect, const char *title,
                   const char *right)
{
    fill_row(r, rect->y, rect->x, rect->w, THEME_HEADER);
    set_role(r, THEME_HEADER, 0);
    int used = put_clipped(rect->y, rect->x + 1, rect->w - 2, title, strlen(title));
    if (right && right[0]) {
        int room = rect->w - used - 4;
        int rw = (int)utf8_width(right, strlen(right));
        if (room > 0) {
            int x = rw <= room ? rect->x + rect->w - 1 - rw : rect->x + used + 3;
            put_clipped(rect->y, x, room, right, strlen(right));
        }
    }
}

void render_tabs(struct render *r, const struct layout_rect *rect, const char *const *names,
                 size_t count, size_t active)
{
    fill_row(r, rect->y, rect->x, rect->w, THEME_TAB);
    enum { MAX_TABS = 32 };
    char labels[MAX_TABS][64];
    int widths[MAX_TABS];
    if (count > MAX_TABS)
        count = MAX_TABS;
    for (size_t i = 0; i < count; i++) {
        if (i < 9)
            snprintf(labels[i], sizeof labels[i], " %zu %s ", i + 1, names[i]);
        else
            snprintf(labels[i], sizeof labels[i], " %s ", names[i]);
        widths[i] = (int)utf8_width(labels[i], strlen(labels[i])) + 1;
    }
    /* When they do not all fit, the run around the active tab, with a marker on each side
     * where tabs are hidden (Alt-number still reaches them). */
    int first, end;
    layout_tab_window(widths, (int)count, (int)active, rect->w - 1, &first, &end);
    int x = rect->x + 1, right = rect->x + rect->w;
    set_role(r, THEME_TAB, 0);
    if (first > 0)
        x += put_clipped(rect->y, x - 1, right - x + 1, r->is_unicode ? "\xE2\x80\xB9 " : "< ",
                         r->is_unicode ? 4 : 2) - 1;
    for (int i = first; i < end && x < right; i++) {
        set_role(r, (size_t)i == active ? THEME_TAB_ACTIVE : THEME_TAB, 0);
        x += put_clipped(rect->y, x, right - x, labels[i], strlen(labels[i]));
        x += 1;
    }
    if (end < (int)count && x < right) {
        set_role(r, THEME_TAB, 0);
        put_clipped(rect->y, x, right - x, r->is_unicode ? "\xE2\x80\xBA" : ">",
                    r->is_unicode ? 3 : 1);
    }
}

void render_separator(struct render *r, const struct layout_rect *rect, bool is_vertical)
{
    set_role(r, THEME_BORDER, 0);
    if (is_vertical)
        draw_vline(rect->y, rect->x, rect->h);
    else
        draw_hline(rect->y, rect->x, rect->w);
}

/* --- transcript ----------------------------------------------------------------------------- */

static enum theme_role role_for_style(unsigned style, attr_t *extra)
{
    if (style & MARKDOWN_BOLD)
        *extra |= A_BOLD;
#ifdef A_ITALIC
    if (style & MARKDOWN_ITALIC)
        *extra |= A_ITALIC;
#endif
    if (style & MARKDOWN_STRIKE)
        *extra |= A_DIM;
    if (style & TRANSCRIPT_STYLE_ERROR)
        return THEME_ERROR;
    if (style & MARKDOWN_CITATION)
        return THEME_CITATION;
    if (style & TRANSCRIPT_STYLE_LABEL)
        return style & TRANSCRIPT_STYLE_USER ? THEME_LABEL_USER : THEME_LABEL_ASSISTANT;
    if (style & TRANSCRIPT_STYLE_NOTE)
        return THEME_NOTE;
    if (style & MARKDOWN_CODE)
        return THEME_CODE;
    if (style & MARKDOWN_HEADING)
        return THEME_HEADING;
    if (style & MARKDOWN_URL)
        return THEME_URL;
    if (style & MARKDOWN_LINK)
        return THEME_LINK;
    if (style & MARKDOWN_MARKER)
        return THEME_MARKER;
    if (style & MARKDOWN_QUOTE)
        return THEME_QUOTE;
    if (style & TRANSCRIPT_STYLE_USER)
        return THEME_USER;
    return THEME_DEFAULT;
}

static void draw_line(struct render *r, int y, int x, int width, const struct transcript_line *l)
{
    int used = 0;
    for (size_t s = 0; s < l->seg_count && used < width; s++) {
        const struct transcript_seg *seg = &l->segs[s];
        attr_t extra = 0;
        enum theme_role role = role_for_style(seg->style, &extra);
        set_role(r, role, extra);
        used += put_clipped(y, x + used, width - used, l->text + seg->off, seg->len);
    }
}

void render_transcript(struct render *r, const struct layout_rect *rect, struct transcript *t)
{
    render_fill(r, rect, THEME_DEFAULT);
    if (rect->h <= 0 || rect->w <= 0)
        return;
    transcript_resize(t, rect->w - 1, rect->h);
    size_t total = transcript_line_count(t);
    size_t top = transcript_top(t);
    for (int row = 0; row < rect->h; row++) {
        struct transcript_line line;
        if (!transcript_line_at(t, top + (size_t)row, &line))
            break;
        draw_line(r, rect->y + row, rect->x, rect->w - 1, &line);
    }
    if (!transcript_is_following(t) && total > (size_t)rect->h) {
        char mark[48];
        size_t below = total - top - (size_t)rect->h;
        snprintf(mark, sizeof mark, " \xE2\x86\x93 %zu more ", below);
        int w = (int)utf8_width(mark, strlen(mark));
        set_role(r, THEME_SELECTION, 0);
        put_clipped(rect->y + rect->h - 1, rect->x + rect->w - w - 1, w, mark, strlen(mark));
    }
}

/* --- editor --------------------------------------------------------------------------------- */

#define EDITOR_ROWS_MAX 512

void render_editor(struct render *r, const struct layout_rect *rect, const struct editor *e,
                   const char *label, const char *placeholder, bool is_focused)
{
    if (rect->h < 2)
        return;
    set_role(r, THEME_BORDER, 0);
    draw_hline(rect->y, rect->x, rect->w);
    if (label && label[0]) {
        char l[96];
        snprintf(l, sizeof l, " %s ", label);
        set_role(r, is_focused ? THEME_TITLE : THEME_BORDER, 0);
        put_clipped(rect->y, rect->x + 2, rect->w - 4, l, strlen(l));
    }
    struct layout_rect body = {rect->y + 1, rect->x, rect->h - 1, rect->w};
    render_fill(r, &body, THEME_INPUT);
    int prompt_w = 2;
    int width = rect->w - prompt_w - 1;
    if (width < 1)
        width = 1;
    set_role(r, THEME_MARKER, 0);
    mvaddstr(body.y, body.x, "\xE2\x80\xBA "); /* › */
    size_t len;
    const char *text = editor_text(e, &len);
    if (len == 0 && placeholder) {
        set_role(r, THEME_PLACEHOLDER, 0);
        put_clipped(body.y, body.x + prompt_w, width, placeholder, strlen(placeholder));
        if (is_focused) {
            r->wants_cursor = true;
            r->cursor_y = body.y;
            r->cursor_x = body.x + prompt_w;
        }
        return;
    }
    struct editor_row rows[EDITOR_ROWS_MAX];
    size_t cursor_row;
    int cursor_col;
    size_t count = editor_wrap(e, width, rows, EDITOR_ROWS_MAX, &cursor_row, &cursor_col);
    if (count > EDITOR_ROWS_MAX)
        count = EDITOR_ROWS_MAX;
    /* Keep the cursor's row in view. */
    size_t first = 0;
    if (cursor_row >= (size_t)body.h)
        first = cursor_row - (size_t)body.h + 1;
    set_role(r, THEME_INPUT, 0);
    for (int i = 0; i < body.h && first + (size_t)i < count; i++) {
        const struct editor_row *row = &rows[first + (size_t)i];
        put_clipped(body.y + i, body.x + prompt_w, width, text + row->off, row->len);
    }
    if (is_focused && cursor_row >= first && cursor_row < first + (size_t)body.h) {
        r->wants_cursor = true;
        r->cursor_y = body.y + (int)(cursor_row - first);
        r->cursor_x = body.x + prompt_w + cursor_col;
    }
}

/* --- sources -------------------------------------------------------------------------------- */

void render_sources(struct render *r, const struct layout_rect *rect,
                    const struct render_source *items, size_t count, size_t selected,
                    bool is_focused, const char *empty_text)
{
    render_fill(r, rect, THEME_DEFAULT);
    if (rect->h <= 0)
        return;
    set_role(r, is_focused ? THEME_TITLE : THEME_BORDER, 0);
    const char *title = is_focused ? "Sources  (\xE2\x86\x91\xE2\x86\x93 Enter: passage)"
                                   : "Sources";
    put_clipped(rect->y, rect->x + 1, rect->w - 2, title, strlen(title));
    if (count == 0) {
        set_role(r, THEME_NOTE, 0);
        if (rect->h > 1)
            put_clipped(rect->y + 1, rect->x + 1, rect->w - 2, empty_text, strlen(empty_text));
        return;
    }
    /* Each source takes two rows (title, detail) when there is room, else one. */
    int per = rect->h - 1 >= (int)count * 2 ? 2 : 1;
    int visible = (rect->h - 1) / per;
    size_t first = selected >= (size_t)visible ? selected - (size_t)visible + 1 : 0;
    for (int i = 0; i < visible && first + (size_t)i < count; i++) {
        const struct render_source *s = &items[first + (size_t)i];
        bool is_sel = is_focused && first + (size_t)i == selected;
        int y = rect->y + 1 + i * per;
        fill_row(r, y, rect->x, rect->w, is_sel ? THEME_SELECTION : THEME_DEFAULT);
        char num[16];
        snprintf(num, sizeof num, "[%d] ", s->number);
        /* Sources the answer did not cite are only what retrieval found: dimmed. */
        set_role(r, is_sel ? THEME_SELECTION
                    : (s->tag && strcmp(s->tag, "cited") != 0) ? THEME_NOTE
                                                                : THEME_CITATION,
                 0);
        int x = rect->x + 1;
        x += put_clipped(y, x, rect->w - 2, num, strlen(num));
        set_role(r, is_sel ? THEME_SELECTION : THEME_TITLE, 0);
        put_clipped(y, x, rect->x + rect->w - 1 - x, s->title, strlen(s->title));
        if (per == 2) {
            char detail[320];
            const char *tag = s->tag ? s->tag : "";
            const char *sep = s->tag ? " \xC2\xB7 " : "";
            if (s->score >= 0)
                snprintf(detail, sizeof detail, "%s%s%.2f  %s", tag, sep, s->score,
                         s->detail ? s->detail : "");
            else
                snprintf(detail, sizeof detail, "%s%s%s", tag, sep, s->detail ? s->detail : "");
            set_role(r, THEME_NOTE, 0);
            put_clipped(y + 1, rect->x + 5, rect->w - 6, detail, strlen(detail));
        }
    }
}

/* --- status bar ----------------------------------------------------------------------------- */

void render_status(struct render *r, const struct layout_rect *rect,
                   const struct render_status *s)
{
    fill_row(r, rect->y, rect->x, rect->w, THEME_STATUS);
    int x = rect->x + 1, end = rect->x + rect->w - 1;
    int hints_w = s->hints ? (int)utf8_width(s->hints, strlen(s->hints)) : 0;
    if (hints_w > rect->w / 2)
        hints_w = 0;
    int left_end = end - (hints_w ? hints_w + 2 : 0);
    set_role(r, s->db_role, 0);
    x += put_clipped(rect->y, x, left_end - x, s->db, strlen(s->db));
    const char *parts[3] = {s->model, s->activity, s->message};
    for (int i = 0; i < 3; i++) {
        if (!parts[i] || !parts[i][0] || x + 3 >= left_end)
            continue;
        set_role(r, THEME_STATUS, 0);
        x += put_clipped(rect->y, x, left_end - x, " \xE2\x94\x82 ", 5);
        enum theme_role role = i == 2 && s->is_message_error ? THEME_STATUS_ERROR
                               : i == 1                      ? THEME_STATUS_WARN
                                                             : THEME_STATUS;
        set_role(r, role, 0);
        x += put_clipped(rect->y, x, left_end - x, parts[i], strlen(parts[i]));
    }
    if (hints_w) {
        set_role(r, THEME_HINT, 0);
        put_clipped(rect->y, end - hints_w, hints_w, s->hints, strlen(s->hints));
    }
}

/* --- overlays ------------------------------------------------------------------------------- */

static struct layout_rect overlay_box(int rows, int cols, int want_h, int want_w)
{
    int h = want_h < rows - 2 ? want_h : rows - 2;
    int w = want_w < cols - 4 ? want_w : cols - 4;
    if (h < 3)
        h = rows;
    if (w < 10)
        w = cols;
    return (struct layout_rect){(rows - h) / 2, (cols - w) / 2, h, w};
}

static void draw_box_role(struct render *r, const struct layout_rect *b, const char *title,
                          const char *footer, enum theme_role role);

static void draw_box(struct render *r, const struct layout_rect *b, const char *title,
                     const char *footer)
{
    draw_box_role(r, b, title, footer, THEME_OVERLAY);
}

void render_box(struct render *r, const struct layout_rect *rect, const char *title,
                const char *footer, enum theme_role role)
{
    if (rect->h < 2 || rect->w < 2)
        return;
    draw_box_role(r, rect, title, footer, role);
}

static void draw_box_role(struct render *r, const struct layout_rect *b, const char *title,
                          const char *footer, enum theme_role role)
{
    render_fill(r, b, role);
    set_role(r, THEME_BORDER, 0);
    draw_hline(b->y, b->x + 1, b->w - 2);
    draw_hline(b->y + b->h - 1, b->x + 1, b->w - 2);
    draw_vline(b->y + 1, b->x, b->h - 2);
    draw_vline(b->y + 1, b->x + b->w - 1, b->h - 2);
    mvaddstr(b->y, b->x, "\xE2\x94\x8C");
    mvaddstr(b->y, b->x + b->w - 1, "\xE2\x94\x90");
    mvaddstr(b->y + b->h - 1, b->x, "\xE2\x94\x94");
    mvaddstr(b->y + b->h - 1, b->x + b->w - 1, "\xE2\x94\x98");
    if (title && title[0]) {
        char t[160];
        snprintf(t, sizeof t, " %s ", title);
        set_role(r, THEME_TITLE, 0);
        put_clipped(b->y, b->x + 2, b->w - 4, t, strlen(t));
    }
    if (footer && footer[0]) {
        char f[160];
        snprintf(f, sizeof f, " %s ", footer);
        set_role(r, THEME_NOTE, 0);
        int fw = (int)utf8_width(f, strlen(f));
        int fx = b->x + b->w - 2 - fw;
        put_clipped(b->y + b->h - 1, fx > b->x + 1 ? fx : b->x + 1, b->w - 3, f, strlen(f));
    }
}

/* The bytes of keys ("A  B  C": alternatives two spaces apart) that fit in width columns: all
 * of it, else the whole alternatives that fit, else a clipped first one. */
static size_t help_keys_fit(const char *keys, int width)
{
    size_t len = strlen(keys);
    if ((int)utf8_width(keys, len) <= width)
        return len;
    size_t best = 0;
    for (const char *sep = strstr(keys, "  "); sep; sep = strstr(sep + 2, "  ")) {
        size_t n = (size_t)(sep - keys);
        if ((int)utf8_width(keys, n) > width)
            break;
        best = n;
    }
    return best > 0 ? best : len;
}

/* The help box's columns: the keys column as wide as the longest keys within a third of the
 * box, the text in the rest. */
struct help_cols {
    int keys_w, text_w;
    size_t wrap_w; /* text_w, at least 1: the width the text wraps at */
};

static struct help_cols help_cols(int rows, int cols, const struct render_help_line *lines,
                                  size_t count)
{
    int box_w = overlay_box(rows, cols, 1, 90).w;
    struct help_cols c = {box_w >= 80 ? 28 : 22, 0, 0};
    for (size_t i = 0; i < count; i++) {
        int w = lines[i].keys ? (int)utf8_width(lines[i].keys, strlen(lines[i].keys)) : 0;
        if (w + 1 > c.keys_w && w + 1 <= box_w / 3)
            c.keys_w = w + 1; /* two spaces before the text */
    }
    c.text_w = box_w - c.keys_w - 6;
    c.wrap_w = c.text_w > 1 ? (size_t)c.text_w : 1;
    return c;
}

/* The rows of one entry: a title is one row, a key's text wraps to the text column. */
static int help_entry_rows(const struct render_help_line *l, size_t wrap_w)
{
    if (!l->keys)
        return 1;
    size_t len = strlen(l->text), off = 0, next;
    int n = 0;
    do {
        (void)utf8_wrap_row(l->text + off, len - off, wrap_w, &next);
        off += next;
        n++;
    } while (off < len);
    return n;
}

static int help_total_rows(const struct render_help_line *lines, size_t count, size_t wrap_w)
{
    int total = 0;
    for (size_t i = 0; i < count; i++)
        total += help_entry_rows(&lines[i], wrap_w);
    return total;
}

int render_help_rows(int rows, int cols, const struct render_help_line *lines, size_t count)
{
    return help_total_rows(lines, count, help_cols(rows, cols, lines, count).wrap_w);
}

void render_help(struct render *r, int rows, int cols, const char *title,
                 const struct render_help_line *lines, size_t count, int scroll)
{
    struct help_cols c = help_cols(rows, cols, lines, count);
    int total = help_total_rows(lines, count, c.wrap_w);
    struct layout_rect b = overlay_box(rows, cols, total + 2, 90);
    draw_box(r, &b, title, "Esc closes  \xE2\x86\x91\xE2\x86\x93 scroll");
    int inner = b.h - 2;
    int row = 0; /* of all the entries' rows; those from scroll on are drawn */
    for (size_t i = 0; i < count && row - scroll < inner; i++) {
        if (!lines[i].keys) {
            if (row >= scroll) {
                set_role(r, THEME_TITLE, 0);
                put_clipped(b.y + 1 + row - scroll, b.x + 2, b.w - 4, lines[i].text,
                            strlen(lines[i].text));
            }
            row++;
            continue;
        }
        const char *s = lines[i].text;
        size_t len = strlen(s), off = 0, next;
        do {
            size_t take = utf8_wrap_row(s + off, len - off, c.wrap_w, &next);
            if (row >= scroll && row - scroll < inner) {
                int y = b.y + 1 + row - scroll;
                if (off == 0) {
                    set_role(r, THEME_CITATION, 0);
                    put_clipped(y, b.x + 3, c.keys_w, lines[i].keys,
                                help_keys_fit(lines[i].keys, c.keys_w));
                }
                set_role(r, THEME_OVERLAY, 0);
                put_clipped(y, b.x + 4 + c.keys_w, c.text_w, s + off, take);
            }
            off += next;
            row++;
        } while (off < len);
    }
}

void render_confirm(struct render *r, int rows, int cols, const char *title, const char *text,
                    const char *footer)
{
    int w = (int)utf8_width(text, strlen(text)) + 6;
    struct layout_rect b = overlay_box(rows, cols, 5, w < 40 ? 40 : w);
    draw_box(r, &b, title, footer);
    set_role(r, THEME_OVERLAY, 0);
    put_clipped(b.y + 2, b.x + 3, b.w - 6, text, strlen(text));
}

void render_list_overlay(struct render *r, int rows, int cols, const char *title,
                         const char *const *items, size_t count, size_t selected,
                         const char *footer)
{
    struct layout_rect b = overlay_box(rows, cols, (int)count + 4, 90);
    draw_box(r, &b, title, footer);
    int inner = b.h - 2;
    if (count == 0) {
        set_role(r, THEME_NOTE, 0);
        put_clipped(b.y + 1, b.x + 2, b.w - 4, "(nothing yet)", 13);
        return;
    }
    size_t first = selected >= (size_t)inner ? selected - (size_t)inner + 1 : 0;
    for (int i = 0; i < inner && first + (size_t)i < count; i++) {
        bool is_sel = first + (size_t)i == selected;
        int y = b.y + 1 + i;
        fill_row(r, y, b.x + 1, b.w - 2, is_sel ? THEME_SELECTION : THEME_OVERLAY);
        set_role(r, is_sel ? THEME_SELECTION : THEME_OVERLAY, 0);
        const char *s = items[first + (size_t)i];
        put_clipped(y, b.x + 2, b.w - 4, s, strlen(s));
    }
}

void render_text_overlay(struct render *r, int rows, int cols, const char *title,
                         struct transcript *t, const char *footer)
{
    struct layout_rect b = overlay_box(rows, cols, rows - 2, 100);
    draw_box(r, &b, title, footer);
    struct layout_rect inner = {b.y + 1, b.x + 1, b.h - 2, b.w - 2};
    render_transcript(r, &inner, t);
}

void render_too_small(struct render *r, int rows, int cols, int min_rows, int min_cols)
{
    render_erase(r);
    char lines[3][96];
    snprintf(lines[0], sizeof lines[0], "Terminal too small (%dx%d).", cols, rows);
    snprintf(lines[1], sizeof lines[1], "CCA needs %dx%d.", min_cols, min_rows);
    snprintf(lines[2], sizeof lines[2], "Ctrl-Q quits.");
    int first = rows > 3 ? (rows - 3) / 2 : 0;
    for (int i = 0; i < 3 && first + i < rows; i++) {
        set_role(r, i == 2 ? THEME_NOTE : THEME_ERROR, 0);
        int w = (int)utf8_width(lines[i], strlen(lines[i]));
        put_clipped(first + i, w < cols ? (cols - w) / 2 : 0, cols, lines[i], strlen(lines[i]));
    }
}

void render_present(struct render *r)
{
    if (r->wants_cursor) {
        curs_set(1);
        move(r->cursor_y, r->cursor_x);
    } else {
        curs_set(0);
    }
    r->wants_cursor = false;
    wnoutrefresh(stdscr);
    doupdate();
}

/* editor: a gap-free byte buffer (inputs are small: one question), a cursor, a history ring. */
#include "tui/editor.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

struct editor {
    struct buf text;
    size_t cursor;
    char **history; /* oldest first */
    size_t history_count;
    size_t history_pos; /* == history_count when not browsing */
    char *draft;        /* the text being typed before browsing started */
};

struct editor *editor_new(void)
{
    struct editor *e = xcalloc(1, sizeof *e);
    buf_init(&e->text, EDITOR_MAX_LEN);
    buf_append(&e->text, "", 0);
    e->history = xcalloc(EDITOR_HISTORY_MAX, sizeof *e->history);
    return e;
}

void editor_free(struct editor *e)
{
    if (!e)
        return;
    buf_cleanup(&e->text);
    for (size_t i = 0; i < e->history_count; i++)
        free(e->history[i]);
    free(e->history);
    free(e->draft);
    free(e);
}

const char *editor_text(const struct editor *e, size_t *len)
{
    if (len)
        *len = e->text.len;
    return buf_str(&e->text);
}

size_t editor_cursor(const struct editor *e)
{
    return e->cursor;
}

bool editor_is_empty(const struct editor *e)
{
    return e->text.len == 0;
}

bool editor_is_blank(const struct editor *e)
{
    for (size_t i = 0; i < e->text.len; i++)
        if (e->text.data[i] != ' ' && e->text.data[i] != '\n')
            return false;
    return true;
}

/* --- raw edits ------------------------------------------------------------------------------ */

static void splice(struct editor *e, size_t at, size_t remove, const char *ins, size_t ins_len)
{
    struct buf nb;
    buf_init(&nb, EDITOR_MAX_LEN);
    buf_append(&nb, e->text.data, at);
    buf_append(&nb, ins, ins_len);
    buf_append(&nb, e->text.data + at + remove, e->text.len - at - remove);
    buf_cleanup(&e->text);
    e->text = nb;
    if (!e->text.data)
        buf_append(&e->text, "", 0);
}

void editor_insert(struct editor *e, const char *text, size_t len)
{
    struct buf clean;
    buf_init(&clean, EDITOR_MAX_LEN);
    size_t room = EDITOR_MAX_LEN - e->text.len;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        char enc[4];
        size_t m = 0;
        if (cp == '\n')
            m = 1, enc[0] = '\n';
        else if (cp == '\t')
            m = 1, enc[0] = ' ';
        else if (cp == UTF8_REPLACEMENT && n == 1)
            m = utf8_encode(UTF8_REPLACEMENT, enc);
        else if (!utf8_cp_is_unsafe(cp))
            m = utf8_encode(cp, enc);
        if (clean.len + m > room)
            break;
        buf_append(&clean, enc, m);
        i += n;
    }
    if (clean.len > 0) {
        splice(e, e->cursor, 0, clean.data, clean.len);
        e->cursor += clean.len;
    }
    buf_cleanup(&clean);
}

void editor_insert_newline(struct editor *e)
{
    editor_insert(e, "\n", 1);
}

void editor_set_text(struct editor *e, const char *text)
{
    editor_clear(e);
    editor_insert(e, text, strlen(text));
}

void editor_clear(struct editor *e)
{
    buf_reset(&e->text);
    e->cursor = 0;
}

static size_t line_start_of(const struct editor *e, size_t off)
{
    while (off > 0 && e->text.data[off - 1] != '\n')
        off--;
    return off;
}

static size_t line_end_of(const struct editor *e, size_t off)
{
    while (off < e->text.len && e->text.data[off] != '\n')
        off++;
    return off;
}

/* --- editing -------------------------------------------------------------------------------- */

bool editor_backspace(struct editor *e)
{
    if (e->cursor == 0)
        return false;
    size_t prev = utf8_prev(e->text.data, e->text.len, e->cursor);
    splice(e, prev, e->cursor - prev, NULL, 0);
    e->cursor = prev;
    return true;
}

bool editor_delete(struct editor *e)
{
    if (e->cursor >= e->text.len)
        return false;
    size_t next = utf8_next(e->text.data, e->text.len, e->cursor);
    splice(e, e->cursor, next - e->cursor, NULL, 0);
    return true;
}

static bool is_space_at(const struct editor *e, size_t off)
{
    char c = e->text.data[off];
    return c == ' ' || c == '\n';
}

static size_t word_start_before(const struct editor *e, size_t off)
{
    while (off > 0 && is_space_at(e, off - 1))
        off--;
    while (off > 0 && !is_space_at(e, off - 1))
        off--;
    return off;
}

bool editor_delete_word_back(struct editor *e)
{
    if (e->cursor == 0)
        return false;
    size_t start = word_start_before(e, e->cursor);
    splice(e, start, e->cursor - start, NULL, 0);
    e->cursor = start;
    return true;
}

bool editor_kill_to_line_start(struct editor *e)
{
    size_t start = line_start_of(e, e->cursor);
    if (start == e->cursor)
        return editor_backspace(e); /* at a line start, join with the previous line */
    splice(e, start, e->cursor - start, NULL, 0);
    e->cursor = start;
    return true;
}

bool editor_kill_to_line_end(struct editor *e)
{
    size_t end = line_end_of(e, e->cursor);
    if (end == e->cursor)
        return editor_delete(e);
    splice(e, e->cursor, end - e->cursor, NULL, 0);
    return true;
}

/* --- movement ------------------------------------------------------------------------------- */

bool editor_left(struct editor *e)
{
    if (e->cursor == 0)
        return false;
    e->cursor = utf8_prev(e->text.data, e->text.len, e->cursor);
    return true;
}

bool editor_right(struct editor *e)
{
    if (e->cursor >= e->text.len)
        return false;
    e->cursor = utf8_next(e->text.data, e->text.len, e->cursor);
    return true;
}

bool editor_word_left(struct editor *e)
{
    if (e->cursor == 0)
        return false;
    e->cursor = word_start_before(e, e->cursor);
    return true;
}

bool editor_word_right(struct editor *e)
{
    size_t off = e->cursor;
    if (off >= e->text.len)
        return false;
    while (off < e->text.len && !is_space_at(e, off))
        off++;
    while (off < e->text.len && is_space_at(e, off))
        off++;
    e->cursor = off;
    return true;
}

bool editor_line_start(struct editor *e)
{
    size_t s = line_start_of(e, e->cursor);
    bool moved = s != e->cursor;
    e->cursor = s;
    return moved;
}

bool editor_line_end(struct editor *e)
{
    size_t s = line_end_of(e, e->cursor);
    bool moved = s != e->cursor;
    e->cursor = s;
    return moved;
}

/* The byte offset in [start, end) that is closest to column col without passing it. */
static size_t offset_at_column(const struct editor *e, size_t start, size_t end, size_t col)
{
    size_t off = start, w = 0;
    while (off < end) {
        size_t next = utf8_next(e->text.data, end, off);
        size_t cw = utf8_width(e->text.data + off, next - off);
        if (w + cw > col)
            break;
        w += cw;
        off = next;
    }
    return off;
}

bool editor_up(struct editor *e)
{
    size_t start = line_start_of(e, e->cursor);
    if (start == 0)
        return false;
    size_t col = utf8_width(e->text.data + start, e->cursor - start);
    size_t prev_start = line_start_of(e, start - 1);
    e->cursor = offset_at_column(e, prev_start, start - 1, col);
    return true;
}

bool editor_down(struct editor *e)
{
    size_t end = line_end_of(e, e->cursor);
    if (end >= e->text.len)
        return false;
    size_t start = line_start_of(e, e->cursor);
    size_t col = utf8_width(e->text.data + start, e->cursor - start);
    size_t next_start = end + 1;
    e->cursor = offset_at_column(e, next_start, line_end_of(e, next_start), col);
    return true;
}

/* --- history -------------------------------------------------------------------------------- */

void editor_history_add(struct editor *e, const char *text)
{
    if (!text || !text[0])
        return;
    if (e->history_count > 0 && strcmp(e->history[e->history_count - 1], text) == 0)
        return;
    if (e->history_count == EDITOR_HISTORY_MAX) {
        free(e->history[0]);
        memmove(e->history, e->history + 1, (EDITOR_HISTORY_MAX - 1) * sizeof *e->history);
        e->history_count--;
    }
    e->history[e->history_count++] = xstrdup(text);
    e->history_pos = e->history_count;
}

char *editor_take(struct editor *e)
{
    char *s = xstrdup(buf_str(&e->text));
    if (!editor_is_blank(e))
        editor_history_add(e, s);
    editor_clear(e);
    e->history_pos = e->history_count;
    free(e->draft);
    e->draft = NULL;
    return s;
}

bool editor_history_prev(struct editor *e)
{
    if (e->history_pos == 0)
        return false;
    if (e->history_pos == e->history_count) {
        free(e->draft);
        e->draft = xstrdup(buf_str(&e->text));
    }
    e->history_pos--;
    editor_set_text(e, e->history[e->history_pos]);
    return true;
}

bool editor_history_next(struct editor *e)
{
    if (e->history_pos >= e->history_count)
        return false;
    e->history_pos++;
    if (e->history_pos == e->history_count) {
        editor_set_text(e, e->draft ? e->draft : "");
        free(e->draft);
        e->draft = NULL;
    } else {
        editor_set_text(e, e->history[e->history_pos]);
    }
    return true;
}

/* --- wrapping ------------------------------------------------------------------------------- */

size_t editor_wrap(const struct editor *e, int width, struct editor_row *rows, size_t max_rows,
                   size_t *cursor_row, int *cursor_col)
{
    size_t w_max = width > 0 ? (size_t)width : 1;
    const char *s = buf_str(&e->text);
    size_t len = e->text.len, off = 0, count = 0;
    *cursor_row = 0;
    *cursor_col = 0;
    for (;;) {
        size_t line_end = line_end_of(e, off);
        /* Rows of this logical line; an empty line is one empty row. */
        size_t row_start = off;
        do {
            size_t n = utf8_fit(s + row_start, line_end - row_start, w_max, NULL);
            if (n == 0 && row_start < line_end) /* a character wider than the box */
                n = utf8_next(s, line_end, row_start) - row_start;
            size_t row_end = row_start + n;
            if (count < max_rows)
                rows[count] = (struct editor_row){.off = row_start, .len = row_end - row_start};
            bool is_last_row = row_end >= line_end;
            size_t c = e->cursor;
            if (c >= row_start && (c < row_end || (is_last_row && c == row_end))) {
                size_t cw = utf8_width(s + row_start, c - row_start);
                if (cw >= w_max) { /* the cursor after a full row continues below */
                    *cursor_row = count + 1;
                    *cursor_col = 0;
                } else {
                    *cursor_row = count;
                    *cursor_col = (int)cw;
                }
            }
            count++;
            row_start = row_end;
        } while (row_start < line_end);
        if (line_end >= len)
            break;
        off = line_end + 1;
    }
    /* A cursor pushed past a full last row needs a row of its own. */
    if (*cursor_row >= count) {
        if (count < max_rows)
            rows[count] = (struct editor_row){.off = len, .len = 0};
        count++;
    }
    return count;
}

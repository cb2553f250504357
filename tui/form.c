/* form: fields over tui/editor (text and number) or an option index (choice); validation
 * builds its messages from the label unless the field has its own. */
#include "tui/form.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#include "tui/editor.h"
#include "tui/list.h"
#include "tui/render.h"
#include "tui/widget_table.h"

#define NUMBER_DIGITS_MAX 18 /* always fits in a long of 64 bits */

struct field {
    enum form_kind kind;
    char *label;
    bool is_required;
    struct editor *ed; /* text and number */
    size_t max_chars;
    long min, max;
    char **options;
    size_t option_count;
    size_t choice;
    char *message; /* replaces the built-in messages */
    form_check_fn check;
    void *check_userdata;
    char *placeholder;
    char *problem; /* the last form_check result */
    char *error;   /* stored by form_validate */
    size_t scroll; /* first byte shown */
};

struct form {
    struct field *fields;
    size_t count, cap;
    size_t focused;
    size_t top; /* first field drawn */
    bool is_modified;
};

struct form *form_new(void)
{
    return xcalloc(1, sizeof(struct form));
}

void form_free(struct form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        struct field *fl = &f->fields[i];
        free(fl->label);
        editor_free(fl->ed);
        for (size_t k = 0; k < fl->option_count; k++)
            free(fl->options[k]);
        free(fl->options);
        free(fl->message);
        free(fl->placeholder);
        free(fl->problem);
        free(fl->error);
    }
    free(f->fields);
    free(f);
}

static struct field *add(struct form *f, enum form_kind kind, const char *label)
{
    if (f->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->fields = xreallocarray(f->fields, f->cap, sizeof *f->fields);
    }
    struct field *fl = &f->fields[f->count++];
    memset(fl, 0, sizeof *fl);
    fl->kind = kind;
    fl->label = xstrdup(label ? label : "");
    if (kind != FORM_CHOICE)
        fl->ed = editor_new();
    return fl;
}

size_t form_add_text(struct form *f, const char *label, bool is_required, size_t max_chars)
{
    struct field *fl = add(f, FORM_TEXT, label);
    fl->is_required = is_required;
    fl->max_chars = max_chars;
    return f->count - 1;
}

size_t form_add_choice(struct form *f, const char *label, const char *const *options, size_t count)
{
    struct field *fl = add(f, FORM_CHOICE, label);
    fl->options = xcalloc(count ? count : 1, sizeof *fl->options);
    for (size_t i = 0; i < count; i++)
        fl->options[i] = xstrdup(options[i] ? options[i] : "");
    fl->option_count = count;
    return f->count - 1;
}

size_t form_add_number(struct form *f, const char *label, bool is_required, long min, long max)
{
    struct field *fl = add(f, FORM_NUMBER, label);
    fl->is_required = is_required;
    fl->min = min <= max ? min : max;
    fl->max = min <= max ? max : min;
    return f->count - 1;
}

static void replace(char **slot, const char *text)
{
    free(*slot);
    *slot = text ? xstrdup(text) : NULL;
}

void form_set_message(struct form *f, size_t field, const char *message)
{
    replace(&f->fields[field].message, message);
}

void form_set_check(struct form *f, size_t field, form_check_fn check, void *userdata)
{
    f->fields[field].check = check;
    f->fields[field].check_userdata = userdata;
}

void form_set_placeholder(struct form *f, size_t field, const char *text)
{
    replace(&f->fields[field].placeholder, text);
}

size_t form_count(const struct form *f)
{
    return f->count;
}

enum form_kind form_kind_of(const struct form *f, size_t field)
{
    return f->fields[field].kind;
}

/* ---- values ---------------------------------------------------------------------------- */

const char *form_text(const struct form *f, size_t field)
{
    const struct field *fl = &f->fields[field];
    if (fl->kind == FORM_CHOICE)
        return fl->option_count ? fl->options[fl->choice] : "";
    return editor_text(fl->ed, NULL);
}

/* Parses a whole number made only of an optional '-' and digits. */
static bool parse_long(const char *s, long *out)
{
    if (!*s || (s[0] == '-' && !s[1]))
        return false;
    for (const char *p = s[0] == '-' ? s + 1 : s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno != 0)
        return false;
    *out = v;
    return true;
}

bool form_number(const struct form *f, size_t field, long *out)
{
    const struct field *fl = &f->fields[field];
    long v;
    if (fl->kind != FORM_NUMBER || !parse_long(form_text(f, field), &v))
        return false;
    if (v < fl->min || v > fl->max)
        return false;
    if (out)
        *out = v;
    return true;
}

size_t form_choice(const struct form *f, size_t field)
{
    return f->fields[field].choice;
}

static void changed(struct form *f, struct field *fl)
{
    f->is_modified = true;
    free(fl->error);
    fl->error = NULL;
}

/* Text with newlines (and CR) turned into spaces: fields are one line. */
static char *one_line(const char *text, size_t len)
{
    char *s = xstrndup(text, len);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || s[i] == '\r')
            s[i] = ' ';
    return s;
}

/* Keeps what a number field accepts at the cursor: digits, and '-' at the very start when
 * negative numbers are allowed. */
static char *number_chars(const struct field *fl, const char *text, size_t len)
{
    size_t have;
    const char *cur = editor_text(fl->ed, &have);
    size_t at = editor_cursor(fl->ed);
    size_t digits = 0;
    for (size_t i = 0; i < have; i++)
        digits += cur[i] >= '0' && cur[i] <= '9';
    bool can_minus = fl->min < 0 && at == 0 && cur[0] != '-';
    char *out = xmalloc(len + 1);
    size_t n = 0;
    if (at == 0 && cur[0] == '-')
        len = 0; /* nothing goes before the sign */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '-' && can_minus && n == 0) {
            out[n++] = c;
        } else if (c >= '0' && c <= '9' && digits < NUMBER_DIGITS_MAX) {
            out[n++] = c;
            digits++;
        }
        can_minus = false;
    }
    out[n] = 0;
    return out;
}

static void set_editor_text(struct field *fl, const char *text)
{
    char *s = one_line(text ? text : "", text ? strlen(text) : 0);
    editor_clear(fl->ed);
    editor_insert(fl->ed, s, strlen(s));
    free(s);
    fl->scroll = 0;
}

void form_set_text(struct form *f, size_t field, const char *text)
{
    struct field *fl = &f->fields[field];
    if (fl->kind == FORM_CHOICE) {
        for (size_t i = 0; i < fl->option_count; i++)
            if (text && strcmp(fl->options[i], text) == 0)
                form_set_choice(f, field, i);
        return;
    }
    set_editor_text(fl, text);
    changed(f, fl);
}

void form_set_number(struct form *f, size_t field, long value)
{
    char *s = xasprintf("%ld", value);
    form_set_text(f, field, s);
    free(s);
}

void form_set_choice(struct form *f, size_t field, size_t option)
{
    struct field *fl = &f->fields[field];
    if (fl->kind != FORM_CHOICE || option >= fl->option_count)
        return;
    fl->choice = option;
    changed(f, fl);
}

bool form_is_modified(const struct form *f)
{
    return f->is_modified;
}

void form_mark_clean(struct form *f)
{
    f->is_modified = false;
}

/* ---- focus ----------------------------------------------------------------------------- */

size_t form_focused(const struct form *f)
{
    return f->focused;
}

void form_focus(struct form *f, size_t field)
{
    if (field < f->count)
        f->focused = field;
}

bool form_focus_next(struct form *f)
{
    if (f->focused + 1 >= f->count)
        return false;
    f->focused++;
    return true;
}

bool form_focus_prev(struct form *f)
{
    if (f->focused == 0)
        return false;
    f->focused--;
    return true;
}

/* ---- editing --------------------------------------------------------------------------- */

static struct field *focused(struct form *f)
{
    return f->count ? &f->fields[f->focused] : NULL;
}

/* The focused field when it holds text (text or number), else NULL. */
static struct field *focused_text(struct form *f)
{
    struct field *fl = focused(f);
    return fl && fl->kind != FORM_CHOICE ? fl : NULL;
}

static bool pick(struct form *f, struct field *fl, size_t option)
{
    if (option == fl->choice)
        return false;
    fl->choice = option;
    changed(f, fl);
    return true;
}

static bool cycle(struct form *f, struct field *fl, long delta)
{
    if (fl->option_count == 0)
        return false;
    long n = (long)fl->option_count;
    long i = ((long)fl->choice + delta % n + n) % n;
    return pick(f, fl, (size_t)i);
}

/* The next option after the current one (wrapping) whose first letter is cp, ignoring case. */
static bool pick_by_letter(struct form *f, struct field *fl, uint32_t cp)
{
    for (size_t step = 1; step <= fl->option_count; step++) {
        size_t i = (fl->choice + step) % fl->option_count;
        const char *o = fl->options[i];
        uint32_t first;
        if (*o && utf8_decode(o, strlen(o), &first) && list_fold_case(first) == list_fold_case(cp))
            return pick(f, fl, i);
    }
    return false;
}

bool form_insert(struct form *f, const char *text, size_t len)
{
    struct field *fl = focused(f);
    if (!fl || len == 0)
        return false;
    if (fl->kind == FORM_CHOICE) {
        uint32_t cp;
        utf8_decode(text, len, &cp);
        return cp == ' ' ? cycle(f, fl, 1) : pick_by_letter(f, fl, cp);
    }
    char *s = fl->kind == FORM_NUMBER ? number_chars(fl, text, len) : one_line(text, len);
    size_t before;
    editor_text(fl->ed, &before);
    editor_insert(fl->ed, s, strlen(s));
    free(s);
    size_t after;
    editor_text(fl->ed, &after);
    if (after == before)
        return false;
    changed(f, fl);
    return true;
}

/* Runs an editor edit on the focused text field and records a change. */
static bool edit(struct form *f, bool (*op)(struct editor *))
{
    struct field *fl = focused_text(f);
    if (!fl || !op(fl->ed))
        return false;
    changed(f, fl);
    return true;
}

/* Runs an editor cursor move on the focused text field. */
static bool move(struct form *f, bool (*op)(struct editor *))
{
    struct field *fl = focused_text(f);
    return fl && op(fl->ed);
}

bool form_backspace(struct form *f)
{
    return edit(f, editor_backspace);
}

bool form_delete(struct form *f)
{
    return edit(f, editor_delete);
}

bool form_delete_word_back(struct form *f)
{
    return edit(f, editor_delete_word_back);
}

bool form_kill_to_start(struct form *f)
{
    return edit(f, editor_kill_to_line_start);
}

bool form_kill_to_end(struct form *f)
{
    return edit(f, editor_kill_to_line_end);
}

bool form_left(struct form *f)
{
    struct field *fl = focused(f);
    if (fl && fl->kind == FORM_CHOICE)
        return cycle(f, fl, -1);
    return move(f, editor_left);
}

bool form_right(struct form *f)
{
    struct field *fl = focused(f);
    if (fl && fl->kind == FORM_CHOICE)
        return cycle(f, fl, 1);
    return move(f, editor_right);
}

bool form_word_left(struct form *f)
{
    return move(f, editor_word_left);
}

bool form_word_right(struct form *f)
{
    return move(f, editor_word_right);
}

bool form_home(struct form *f)
{
    return move(f, editor_line_start);
}

bool form_end(struct form *f)
{
    return move(f, editor_line_end);
}

bool form_step(struct form *f, long delta)
{
    struct field *fl = focused(f);
    if (!fl || fl->kind == FORM_TEXT || delta == 0)
        return false;
    if (fl->kind == FORM_CHOICE)
        return cycle(f, fl, delta);
    long v;
    if (!parse_long(editor_text(fl->ed, NULL), &v) || v < fl->min || v > fl->max) {
        v = fl->min > 0 ? fl->min : fl->max < 0 ? fl->max : 0;
    } else {
        long sum;
        if (__builtin_add_overflow(v, delta, &sum))
            sum = delta > 0 ? LONG_MAX : LONG_MIN;
        v = sum < fl->min ? fl->min : sum > fl->max ? fl->max : sum;
    }
    char *s = xasprintf("%ld", v);
    bool is_same = strcmp(s, editor_text(fl->ed, NULL)) == 0;
    if (!is_same) {
        set_editor_text(fl, s);
        changed(f, fl);
    }
    free(s);
    return !is_same;
}

size_t form_cursor(const struct form *f)
{
    if (f->count == 0 || f->fields[f->focused].kind == FORM_CHOICE)
        return 0;
    return editor_cursor(f->fields[f->focused].ed);
}

/* ---- validation ------------------------------------------------------------------------ */

static size_t char_count(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
    }
    return n;
}

static bool is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return false;
    return true;
}

/* The built-in problem of a field as a heap string, or NULL. */
static char *builtin_problem(const struct field *fl, const char *value)
{
    if (fl->kind == FORM_CHOICE)
        return NULL;
    if (is_blank(value))
        return fl->is_required ? xasprintf("%s is required", fl->label) : NULL;
    if (fl->kind == FORM_TEXT) {
        if (fl->max_chars > 0 && char_count(value) > fl->max_chars)
            return xasprintf("%s must be at most %zu characters", fl->label, fl->max_chars);
        return NULL;
    }
    long v;
    if (!parse_long(value, &v))
        return xasprintf("%s must be a whole number", fl->label);
    if (v >= fl->min && v <= fl->max)
        return NULL;
    if (fl->max == LONG_MAX)
        return xasprintf("%s must be at least %ld", fl->label, fl->min);
    if (fl->min == LONG_MIN)
        return xasprintf("%s must be at most %ld", fl->label, fl->max);
    return xasprintf("%s must be between %ld and %ld", fl->label, fl->min, fl->max);
}

const char *form_check(struct form *f, size_t field)
{
    struct field *fl = &f->fields[field];
    free(fl->problem);
    fl->problem = NULL;
    const char *value = form_text(f, field);
    char *p = builtin_problem(fl, value);
    if (p && fl->message) {
        free(p);
        p = xstrdup(fl->message);
    }
    if (!p && fl->check) {
        const char *own = fl->check(fl->check_userdata, value);
        if (own)
            p = xstrdup(own);
    }
    fl->problem = p;
    return p;
}

bool form_validate(struct form *f, size_t *field, const char **message)
{
    bool is_first = true;
    for (size_t i = 0; i < f->count; i++) {
        struct field *fl = &f->fields[i];
        const char *p = form_check(f, i);
        replace(&fl->error, p);
        if (p && is_first) {
            is_first = false;
            f->focused = i;
            if (field)
                *field = i;
            if (message)
                *message = fl->error;
        }
    }
    return is_first;
}

const char *form_error(const struct form *f, size_t field)
{
    return f->fields[field].error;
}

/* ---- drawing --------------------------------------------------------------------------- */

static int field_rows(const struct field *fl)
{
    return fl->error ? 2 : 1;
}

/* Moves the scroll offset so the cursor stays inside width columns (one kept for the cursor
 * at the end), scrolling as little as possible. */
static void follow_cursor(struct field *fl, int width)
{
    size_t len;
    const char *text = editor_text(fl->ed, &len);
    size_t cursor = editor_cursor(fl->ed);
    if ((int)utf8_width(text, len) <= width - 1)
        fl->scroll = 0;
    else if (fl->scroll > cursor)
        fl->scroll = cursor;
    while (fl->scroll < cursor &&
           (int)utf8_width(text + fl->scroll, cursor - fl->scroll) > width - 1)
        fl->scroll = utf8_next(text, len, fl->scroll);
}

static void draw_value(struct field *fl, struct render *r, int y, int x, int width, bool has_cursor,
                       bool is_focused)
{
    struct layout_rect band = {y, x, 1, width};
    if (fl->kind == FORM_CHOICE) {
        bool u = render_is_unicode(r);
        const char *o = fl->option_count ? fl->options[fl->choice] : "";
        char *s = xasprintf("%s %s %s", u ? "\xE2\x80\xB9" : "<", o, u ? "\xE2\x80\xBA" : ">");
        enum theme_role role = is_focused ? THEME_SELECTION : THEME_INPUT;
        render_fill(r, &band, THEME_INPUT);
        char *fit = table_fit_text(s, width, TABLE_ALIGN_LEFT, u);
        int w = (int)utf8_width(s, strlen(s));
        render_text(r, y, x, w < width ? w : width, fit, role);
        free(fit);
        free(s);
        return;
    }
    render_fill(r, &band, THEME_INPUT);
    size_t len;
    const char *text = editor_text(fl->ed, &len);
    if (len == 0 && fl->placeholder)
        render_text(r, y, x, width, fl->placeholder, THEME_PLACEHOLDER);
    follow_cursor(fl, width);
    render_text(r, y, x, width, text + fl->scroll, THEME_INPUT);
    if (has_cursor) {
        size_t cursor = editor_cursor(fl->ed);
        int col = (int)utf8_width(text + fl->scroll, cursor - fl->scroll);
        render_cursor(r, y, x + col);
    }
}

void form_draw(struct form *f, struct render *r, const struct layout_rect *rect, bool is_focused)
{
    if (rect->h <= 0 || rect->w <= 0)
        return;
    render_fill(r, rect, THEME_DEFAULT);
    if (f->count == 0)
        return;
    /* Keep the focused field (and its error row) on screen. */
    if (f->top > f->focused)
        f->top = f->focused;
    for (;;) {
        int rows = 0;
        for (size_t i = f->top; i <= f->focused; i++)
            rows += field_rows(&f->fields[i]);
        if (rows <= rect->h || f->top == f->focused)
            break;
        f->top++;
    }
    int label_w = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct field *fl = &f->fields[i];
        int w = (int)utf8_width(fl->label, strlen(fl->label)) + (fl->is_required ? 2 : 0);
        label_w = w > label_w ? w : label_w;
    }
    if (label_w > rect->w / 2)
        label_w = rect->w / 2;
    int vx = rect->x + label_w + 1, vw = rect->w - label_w - 1;
    bool u = render_is_unicode(r);
    int y = rect->y;
    for (size_t i = f->top; i < f->count && y < rect->y + rect->h; i++) {
        struct field *fl = &f->fields[i];
        bool is_this = is_focused && i == f->focused;
        char *label = xasprintf("%s%s", fl->label, fl->is_required ? " *" : "");
        char *fit = table_fit_text(label, label_w, TABLE_ALIGN_LEFT, u);
        if (is_this)
            render_text_attr(r, y, rect->x, label_w, fit, THEME_TITLE, THEME_ATTR_BOLD);
        else
            render_text(r, y, rect->x, label_w, fit, fl->error ? THEME_ERROR : THEME_DEFAULT);
        free(fit);
        free(label);
        if (vw > 0)
            draw_value(fl, r, y, vx, vw, is_this && fl->kind != FORM_CHOICE, is_this);
        y++;
        if (fl->error && y < rect->y + rect->h) {
            render_text(r, y, vx > rect->x ? vx : rect->x, vw > 0 ? vw : rect->w, fl->error,
                        THEME_ERROR);
            y++;
        }
    }
}

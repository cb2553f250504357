/* keymap: the default bindings and the [keys] overrides. Control keys arrive as characters
 * below 32, so Ctrl-J (10) and Enter (13, with nonl) stay distinct; Alt-x is ESC then x. */
#include "tui/keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/utf8.h"

const struct action_info *actions_all(size_t *count)
{
    static const struct action_info table[] = {
#define ACTION_INFO(id, scope, name, help) {ACTION_##id, ACTION_SCOPE_##scope, name, help},
        ACTION_TABLE(ACTION_INFO)
#undef ACTION_INFO
    };
    *count = sizeof table / sizeof table[0];
    return table;
}

enum action action_by_name(const char *name)
{
    size_t n;
    const struct action_info *all = actions_all(&n);
    for (size_t i = 1; i < n; i++)
        if (strcasecmp(all[i].name, name) == 0)
            return all[i].action;
    return ACTION_NONE;
}

static enum action_scope scope_of(enum action a)
{
    size_t n;
    const struct action_info *all = actions_all(&n);
    return (size_t)a < n ? all[a].scope : ACTION_SCOPE_GENERIC;
}

#define CTRL(c) ((uint32_t)((c) & 0x1f))

struct binding {
    struct input_event ev;
    enum action action;
    int arg;
};

struct keymap {
    struct binding *b;
    size_t count, cap;
};

#define CH(c, alt) {.kind = INPUT_CHAR, .cp = (c), .is_alt = (alt)}
#define KEY(k, alt) {.kind = INPUT_KEY, .key = (k), .is_alt = (alt)}
#define WHEEL(k) {.kind = INPUT_MOUSE, .key = (k)}

static const struct binding defaults[] = {
    {KEY(INPUT_KEY_F1, false), ACTION_HELP, 0},
    {CH(CTRL('T'), false), ACTION_NEXT_TAB, 0},
    {KEY(INPUT_KEY_F6, false), ACTION_NEXT_TAB, 0},
    {KEY(INPUT_KEY_F5, false), ACTION_PREV_TAB, 0},
    {CH(27, false), ACTION_CANCEL, 0},
    {CH(CTRL('C'), false), ACTION_INTERRUPT, 0},
    {KEY(INPUT_KEY_UP, false), ACTION_UP, 0},
    {KEY(INPUT_KEY_DOWN, false), ACTION_DOWN, 0},
    {KEY(INPUT_KEY_PAGE_UP, false), ACTION_PAGE_UP, 0},
    {KEY(INPUT_KEY_PAGE_DOWN, false), ACTION_PAGE_DOWN, 0},
    {KEY(INPUT_KEY_SHIFT_UP, false), ACTION_SCROLL_UP, 0},
    {WHEEL(INPUT_KEY_WHEEL_UP), ACTION_SCROLL_UP, 0},
    {KEY(INPUT_KEY_SHIFT_DOWN, false), ACTION_SCROLL_DOWN, 0},
    {WHEEL(INPUT_KEY_WHEEL_DOWN), ACTION_SCROLL_DOWN, 0},
    {KEY(INPUT_KEY_CTRL_HOME, false), ACTION_SCROLL_TOP, 0},
    {KEY(INPUT_KEY_HOME, false), ACTION_SCROLL_TOP, 0},
    {KEY(INPUT_KEY_CTRL_END, false), ACTION_SCROLL_BOTTOM, 0},
    {KEY(INPUT_KEY_END, false), ACTION_SCROLL_BOTTOM, 0},
    {CH(CTRL('L'), false), ACTION_REDRAW, 0},
    {CH(CTRL('Z'), false), ACTION_SUSPEND, 0},
    {CH(CTRL('Q'), false), ACTION_QUIT, 0},
    {KEY(INPUT_KEY_F10, false), ACTION_QUIT, 0},
    /* list */
    {CH('\r', false), ACTION_OPEN, 0},
    {KEY(INPUT_KEY_ENTER, false), ACTION_OPEN, 0},
    {CH('/', false), ACTION_SEARCH, 0},
    {CH('n', false), ACTION_SEARCH_NEXT, 0},
    {CH('r', false), ACTION_REFRESH, 0},
    /* chat */
    {CH('\r', false), ACTION_SEND, 0},
    {KEY(INPUT_KEY_ENTER, false), ACTION_SEND, 0},
    {CH(CTRL('N'), false), ACTION_NEW_CONVERSATION, 0},
    {CH(CTRL('O'), false), ACTION_CONVERSATIONS, 0},
    {KEY(INPUT_KEY_F2, false), ACTION_CONVERSATIONS, 0},
    {KEY(INPUT_KEY_F3, false), ACTION_TOGGLE_SOURCES, 0},
    {CH('s', true), ACTION_TOGGLE_SOURCES, 0},
    {CH('\t', false), ACTION_FOCUS_NEXT, 0},
    {KEY(INPUT_KEY_BACKTAB, false), ACTION_FOCUS_NEXT, 0},
    {CH(CTRL('Y'), false), ACTION_COPY_ANSWER, 0},
    {CH(CTRL('R'), false), ACTION_RETRY, 0},
    /* editor */
    {CH('\r', true), ACTION_NEWLINE, 0},
    {CH('\n', true), ACTION_NEWLINE, 0},
    {KEY(INPUT_KEY_ENTER, true), ACTION_NEWLINE, 0},
    {CH('\n', false), ACTION_NEWLINE, 0},
    {KEY(INPUT_KEY_LEFT, false), ACTION_LEFT, 0},
    {CH(CTRL('B'), false), ACTION_LEFT, 0},
    {KEY(INPUT_KEY_RIGHT, false), ACTION_RIGHT, 0},
    {CH(CTRL('F'), false), ACTION_RIGHT, 0},
    {CH('b', true), ACTION_WORD_LEFT, 0},
    {KEY(INPUT_KEY_CTRL_LEFT, false), ACTION_WORD_LEFT, 0},
    {KEY(INPUT_KEY_LEFT, true), ACTION_WORD_LEFT, 0},
    {CH('f', true), ACTION_WORD_RIGHT, 0},
    {KEY(INPUT_KEY_CTRL_RIGHT, false), ACTION_WORD_RIGHT, 0},
    {KEY(INPUT_KEY_RIGHT, true), ACTION_WORD_RIGHT, 0},
    {KEY(INPUT_KEY_HOME, false), ACTION_LINE_START, 0},
    {CH(CTRL('A'), false), ACTION_LINE_START, 0},
    {KEY(INPUT_KEY_END, false), ACTION_LINE_END, 0},
    {CH(CTRL('E'), false), ACTION_LINE_END, 0},
    {KEY(INPUT_KEY_BACKSPACE, false), ACTION_BACKSPACE, 0},
    {CH(127, false), ACTION_BACKSPACE, 0},
    {CH(CTRL('H'), false), ACTION_BACKSPACE, 0},
    {KEY(INPUT_KEY_DELETE, false), ACTION_DELETE, 0},
    {CH(CTRL('D'), false), ACTION_DELETE, 0},
    {CH(CTRL('W'), false), ACTION_DELETE_WORD, 0},
    {CH(127, true), ACTION_DELETE_WORD, 0},
    {CH(CTRL('U'), false), ACTION_KILL_LINE_START, 0},
    {CH(CTRL('K'), false), ACTION_KILL_LINE_END, 0},
};

static void push(struct keymap *km, const struct binding *b)
{
    if (km->count == km->cap) {
        km->cap = km->cap ? km->cap * 2 : 128;
        km->b = xrealloc(km->b, km->cap * sizeof *km->b);
    }
    km->b[km->count++] = *b;
}

struct keymap *keymap_new(void)
{
    struct keymap *km = xcalloc(1, sizeof *km);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        push(km, &defaults[i]);
    for (int d = 1; d <= 9; d++) {
        struct binding b = {CH((uint32_t)('0' + d), true), ACTION_GOTO_TAB, d};
        push(km, &b);
    }
    return km;
}

void keymap_free(struct keymap *km)
{
    if (!km)
        return;
    free(km->b);
    free(km);
}

static bool same_key(const struct input_event *a, const struct input_event *b)
{
    if (a->kind != b->kind || a->is_alt != b->is_alt)
        return false;
    return a->kind == INPUT_CHAR ? a->cp == b->cp : a->key == b->key;
}

/* --- key names ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    enum input_key key;
} key_names[] = {
    {"Up", INPUT_KEY_UP},           {"Down", INPUT_KEY_DOWN},
    {"Left", INPUT_KEY_LEFT},       {"Right", INPUT_KEY_RIGHT},
    {"Home", INPUT_KEY_HOME},       {"End", INPUT_KEY_END},
    {"PgUp", INPUT_KEY_PAGE_UP},    {"PgDn", INPUT_KEY_PAGE_DOWN},
    {"Insert", INPUT_KEY_INSERT},   {"Delete", INPUT_KEY_DELETE},
    {"Backspace", INPUT_KEY_BACKSPACE}, {"Shift-Tab", INPUT_KEY_BACKTAB},
    {"Ctrl-Left", INPUT_KEY_CTRL_LEFT}, {"Ctrl-Right", INPUT_KEY_CTRL_RIGHT},
    {"Ctrl-Home", INPUT_KEY_CTRL_HOME}, {"Ctrl-End", INPUT_KEY_CTRL_END},
    {"Shift-Up", INPUT_KEY_SHIFT_UP},   {"Shift-Down", INPUT_KEY_SHIFT_DOWN},
    {"WheelUp", INPUT_KEY_WHEEL_UP},    {"WheelDown", INPUT_KEY_WHEEL_DOWN},
    {"F1", INPUT_KEY_F1},   {"F2", INPUT_KEY_F2},   {"F3", INPUT_KEY_F3},
    {"F4", INPUT_KEY_F4},   {"F5", INPUT_KEY_F5},   {"F6", INPUT_KEY_F6},
    {"F7", INPUT_KEY_F7},   {"F8", INPUT_KEY_F8},   {"F9", INPUT_KEY_F9},
    {"F10", INPUT_KEY_F10}, {"F11", INPUT_KEY_F11}, {"F12", INPUT_KEY_F12},
};

static const struct {
    const char *name;
    uint32_t cp;
} char_names[] = {
    {"Enter", '\r'}, {"Tab", '\t'}, {"Esc", 27}, {"Space", ' '}, {"Backspace", 127},
};

bool keymap_parse_key(const char *name, struct input_event *ev)
{
    *ev = (struct input_event){.kind = INPUT_CHAR};
    for (;;) {
        if (strncasecmp(name, "M-", 2) == 0 || strncasecmp(name, "Alt-", 4) == 0) {
            ev->is_alt = true;
            name += name[1] == '-' ? 2 : 4;
            continue;
        }
        break;
    }
    bool is_ctrl = false;
    if ((strncasecmp(name, "C-", 2) == 0 || strncasecmp(name, "Ctrl-", 5) == 0) &&
        strlen(name) == (size_t)(name[1] == '-' ? 3 : 6)) {
        is_ctrl = true;
        name += name[1] == '-' ? 2 : 5;
    }
    if (is_ctrl) {
        char c = name[0];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '[' || c == '\\' ||
              c == ']' || c == '_'))
            return false;
        ev->cp = CTRL((uint32_t)c);
        return true;
    }
    if (name[0] == '\0')
        return false;
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
        if (strcasecmp(name, key_names[i].name) == 0) {
            ev->kind = key_names[i].key == INPUT_KEY_WHEEL_UP ||
                               key_names[i].key == INPUT_KEY_WHEEL_DOWN
                           ? INPUT_MOUSE
                           : INPUT_KEY;
            ev->key = key_names[i].key;
            return true;
        }
    }
    for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++) {
        if (strcasecmp(name, char_names[i].name) == 0) {
            ev->cp = char_names[i].cp;
            return true;
        }
    }
    /* One printable character, possibly multi-byte. */
    uint32_t cp;
    size_t n = utf8_decode(name, strlen(name), &cp);
    if (n == 0 || name[n] != '\0' || cp < 32 || cp == 127)
        return false;
    ev->cp = cp;
    return true;
}

void keymap_key_name(const struct input_event *ev, char *out, size_t outlen)
{
    const char *alt = ev->is_alt ? "Alt-" : "";
    if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_ENTER) {
        snprintf(out, outlen, "%sEnter", alt);
        return;
    }
    if (ev->kind != INPUT_CHAR) {
        for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
            if (key_names[i].key == ev->key) {
                snprintf(out, outlen, "%s%s", alt, key_names[i].name);
                return;
            }
        }
        snprintf(out, outlen, "%s?", alt);
        return;
    }
    for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++) {
        if (char_names[i].cp == ev->cp) {
            snprintf(out, outlen, "%s%s", alt, char_names[i].name);
            return;
        }
    }
    if (ev->cp < 32) {
        snprintf(out, outlen, "%sCtrl-%c", alt, (char)(ev->cp + 'A' - 1));
        return;
    }
    char enc[8];
    size_t n = utf8_encode(ev->cp, enc);
    enc[n] = '\0';
    snprintf(out, outlen, "%s%s", alt, ev->is_alt && ev->cp >= 'a' && ev->cp <= 'z'
                                           ? (char[]){(char)(ev->cp - 32), '\0'}
                                           : enc);
}

/* --- binding and lookup --------------------------------------------------------------------- */

enum err keymap_bind(struct keymap *km, const char *action_name, const char *keys, char *err,
                     size_t errlen)
{
    enum action a = action_by_name(action_name);
    if (a == ACTION_NONE || a == ACTION_GOTO_TAB) {
        snprintf(err, errlen, "[keys] %s: no such action (F1 in CCA lists the actions by name)",
                 action_name);
        return ERR_CONFIG;
    }
    struct input_event evs[16];
    size_t n = 0;
    char *copy = xstrdup(keys);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        if (n == sizeof evs / sizeof evs[0] || !keymap_parse_key(tok, &evs[n])) {
            snprintf(err, errlen, "[keys] %s: '%s' is not a key name (try C-x, M-x, F5, Enter, "
                                  "PgDn or one character)",
                     action_name, tok);
            free(copy);
            return ERR_CONFIG;
        }
        n++;
    }
    free(copy);
    size_t w = 0;
    for (size_t i = 0; i < km->count; i++) {
        bool drop = km->b[i].action == a;
        for (size_t k = 0; !drop && k < n; k++)
            drop = same_key(&km->b[i].ev, &evs[k]);
        if (!drop)
            km->b[w++] = km->b[i];
    }
    km->count = w;
    /* Overrides go first so they win over any default of a more general scope. */
    for (size_t k = 0; k < n; k++) {
        struct binding b = {evs[k], a, 0};
        for (int twice = 0; twice < 2; twice++) {
            push(km, &b);
            memmove(km->b + 1, km->b, (km->count - 1) * sizeof *km->b);
            km->b[0] = b;
            /* Enter arrives as CR or as curses' KEY_ENTER: bind both. */
            if (b.ev.kind != INPUT_CHAR || b.ev.cp != '\r')
                break;
            b.ev = (struct input_event){.kind = INPUT_KEY, .key = INPUT_KEY_ENTER,
                                        .is_alt = b.ev.is_alt};
        }
    }
    return ERR_OK;
}

enum action keymap_lookup(const struct keymap *km, const struct input_event *ev,
                          unsigned scopes, int *arg)
{
    static const enum action_scope order[] = {ACTION_SCOPE_CHAT, ACTION_SCOPE_EDITOR,
                                              ACTION_SCOPE_LIST, ACTION_SCOPE_GENERIC};
    scopes |= ACTION_SCOPE_GENERIC;
    for (size_t s = 0; s < sizeof order / sizeof order[0]; s++) {
        if (!(scopes & order[s]))
            continue;
        for (size_t i = 0; i < km->count; i++) {
            const struct binding *b = &km->b[i];
            if (scope_of(b->action) != order[s] || !same_key(&b->ev, ev))
                continue;
            if (arg)
                *arg = b->arg;
            return b->action;
        }
    }
    return ACTION_NONE;
}

static bool has_token(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return true;
    return false;
}

void keymap_describe(const struct keymap *km, enum action action, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    if (action == ACTION_GOTO_TAB) {
        snprintf(out, outlen, "Alt-1..9");
        return;
    }
    for (size_t i = 0; i < km->count && used + 1 < outlen; i++) {
        if (km->b[i].action != action)
            continue;
        char name[32];
        keymap_key_name(&km->b[i].ev, name, sizeof name);
        if (has_token(out, name)) /* Enter twice (CR and KEY_ENTER) */
            continue;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? "  " : "", name);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
}

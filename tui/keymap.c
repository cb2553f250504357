/* keymap: the default bindings. Control keys arrive as characters below 32, so Ctrl-J (10)
 * and Enter (13, with nonl) stay distinct; Alt-x is ESC then x. */
#include "tui/keymap.h"

#include <stddef.h>

#include "tui/actions.h"

const struct action_info *actions_all(size_t *count)
{
    static const struct action_info table[] = {
#define ACTION_INFO(id, name, keys, help) {ACTION_##id, name, keys, help},
        ACTION_TABLE(ACTION_INFO)
#undef ACTION_INFO
    };
    *count = sizeof table / sizeof table[0];
    return table;
}

#define CTRL(c) ((uint32_t)((c) & 0x1f))

struct binding {
    enum input_kind kind;
    uint32_t cp;
    enum input_key key;
    bool is_alt;
    enum action action;
};

static const struct binding bindings[] = {
    {INPUT_CHAR, '\r', 0, false, ACTION_SEND},
    {INPUT_KEY, 0, INPUT_KEY_ENTER, false, ACTION_SEND},
    {INPUT_CHAR, '\r', 0, true, ACTION_NEWLINE},
    {INPUT_CHAR, '\n', 0, true, ACTION_NEWLINE},
    {INPUT_KEY, 0, INPUT_KEY_ENTER, true, ACTION_NEWLINE},
    {INPUT_CHAR, '\n', 0, false, ACTION_NEWLINE},
    {INPUT_CHAR, 27, 0, false, ACTION_CANCEL},
    {INPUT_CHAR, CTRL('C'), 0, false, ACTION_INTERRUPT},
    {INPUT_CHAR, CTRL('N'), 0, false, ACTION_NEW_CONVERSATION},
    {INPUT_CHAR, CTRL('O'), 0, false, ACTION_CONVERSATIONS},
    {INPUT_KEY, 0, INPUT_KEY_F2, false, ACTION_CONVERSATIONS},
    {INPUT_KEY, 0, INPUT_KEY_F3, false, ACTION_TOGGLE_SOURCES},
    {INPUT_CHAR, 's', 0, true, ACTION_TOGGLE_SOURCES},
    {INPUT_CHAR, '\t', 0, false, ACTION_FOCUS_NEXT},
    {INPUT_KEY, 0, INPUT_KEY_BACKTAB, false, ACTION_FOCUS_NEXT},
    {INPUT_CHAR, CTRL('Y'), 0, false, ACTION_COPY_ANSWER},
    {INPUT_CHAR, CTRL('R'), 0, false, ACTION_RETRY},
    {INPUT_KEY, 0, INPUT_KEY_PAGE_UP, false, ACTION_PAGE_UP},
    {INPUT_KEY, 0, INPUT_KEY_PAGE_DOWN, false, ACTION_PAGE_DOWN},
    {INPUT_KEY, 0, INPUT_KEY_SHIFT_UP, false, ACTION_SCROLL_UP},
    {INPUT_KEY, 0, INPUT_KEY_SHIFT_DOWN, false, ACTION_SCROLL_DOWN},
    {INPUT_MOUSE, 0, INPUT_KEY_WHEEL_UP, false, ACTION_SCROLL_UP},
    {INPUT_MOUSE, 0, INPUT_KEY_WHEEL_DOWN, false, ACTION_SCROLL_DOWN},
    {INPUT_KEY, 0, INPUT_KEY_CTRL_HOME, false, ACTION_SCROLL_TOP},
    {INPUT_KEY, 0, INPUT_KEY_CTRL_END, false, ACTION_SCROLL_BOTTOM},
    {INPUT_KEY, 0, INPUT_KEY_UP, false, ACTION_UP},
    {INPUT_KEY, 0, INPUT_KEY_DOWN, false, ACTION_DOWN},
    {INPUT_KEY, 0, INPUT_KEY_LEFT, false, ACTION_LEFT},
    {INPUT_CHAR, CTRL('B'), 0, false, ACTION_LEFT},
    {INPUT_KEY, 0, INPUT_KEY_RIGHT, false, ACTION_RIGHT},
    {INPUT_CHAR, CTRL('F'), 0, false, ACTION_RIGHT},
    {INPUT_CHAR, 'b', 0, true, ACTION_WORD_LEFT},
    {INPUT_KEY, 0, INPUT_KEY_CTRL_LEFT, false, ACTION_WORD_LEFT},
    {INPUT_KEY, 0, INPUT_KEY_LEFT, true, ACTION_WORD_LEFT},
    {INPUT_CHAR, 'f', 0, true, ACTION_WORD_RIGHT},
    {INPUT_KEY, 0, INPUT_KEY_CTRL_RIGHT, false, ACTION_WORD_RIGHT},
    {INPUT_KEY, 0, INPUT_KEY_RIGHT, true, ACTION_WORD_RIGHT},
    {INPUT_KEY, 0, INPUT_KEY_HOME, false, ACTION_LINE_START},
    {INPUT_CHAR, CTRL('A'), 0, false, ACTION_LINE_START},
    {INPUT_KEY, 0, INPUT_KEY_END, false, ACTION_LINE_END},
    {INPUT_CHAR, CTRL('E'), 0, false, ACTION_LINE_END},
    {INPUT_KEY, 0, INPUT_KEY_BACKSPACE, false, ACTION_BACKSPACE},
    {INPUT_CHAR, 127, 0, false, ACTION_BACKSPACE},
    {INPUT_CHAR, CTRL('H'), 0, false, ACTION_BACKSPACE},
    {INPUT_KEY, 0, INPUT_KEY_DELETE, false, ACTION_DELETE},
    {INPUT_CHAR, CTRL('D'), 0, false, ACTION_DELETE},
    {INPUT_CHAR, CTRL('W'), 0, false, ACTION_DELETE_WORD},
    {INPUT_CHAR, 127, 0, true, ACTION_DELETE_WORD},
    {INPUT_CHAR, CTRL('U'), 0, false, ACTION_KILL_LINE_START},
    {INPUT_CHAR, CTRL('K'), 0, false, ACTION_KILL_LINE_END},
    {INPUT_KEY, 0, INPUT_KEY_F1, false, ACTION_HELP},
    {INPUT_CHAR, CTRL('L'), 0, false, ACTION_REDRAW},
    {INPUT_CHAR, CTRL('Z'), 0, false, ACTION_SUSPEND},
    {INPUT_CHAR, CTRL('Q'), 0, false, ACTION_QUIT},
    {INPUT_KEY, 0, INPUT_KEY_F10, false, ACTION_QUIT},
};

enum action keymap_lookup(const struct input_event *ev, int *arg)
{
    if (ev->kind == INPUT_CHAR && ev->is_alt && ev->cp >= '1' && ev->cp <= '9') {
        if (arg)
            *arg = (int)(ev->cp - '0');
        return ACTION_SHOW_SOURCE;
    }
    for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++) {
        const struct binding *b = &bindings[i];
        if (b->kind != ev->kind || b->is_alt != ev->is_alt)
            continue;
        if (ev->kind == INPUT_CHAR ? b->cp == ev->cp : b->key == ev->key)
            return b->action;
    }
    return ACTION_NONE;
}

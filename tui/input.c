/* input: curses keys -> input events. ESC followed at once by another key is Alt+key; a
 * lone ESC (nothing within ESCDELAY) is Esc. Extended keys (Ctrl-Left...) are recognised by
 * their terminfo names. */
#include "tui/input.h"

#include <string.h>

#include "tui/curses.h"

static enum input_key named_key(int code)
{
    const char *name = keyname(code);
    if (!name)
        return INPUT_KEY_NONE;
    static const struct {
        const char *name;
        enum input_key key;
    } names[] = {
        {"kLFT5", INPUT_KEY_CTRL_LEFT}, {"kRIT5", INPUT_KEY_CTRL_RIGHT},
        {"kHOM5", INPUT_KEY_CTRL_HOME}, {"kEND5", INPUT_KEY_CTRL_END},
        {"kUP", INPUT_KEY_SHIFT_UP},    {"kDN", INPUT_KEY_SHIFT_DOWN},
        {"kUP2", INPUT_KEY_SHIFT_UP},   {"kDN2", INPUT_KEY_SHIFT_DOWN},
        {"kLFT3", INPUT_KEY_LEFT},      {"kRIT3", INPUT_KEY_RIGHT}, /* Alt-arrows */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].key;
    return INPUT_KEY_NONE;
}

static enum input_key map_key(int code)
{
    if (code >= KEY_F(1) && code <= KEY_F(12))
        return (enum input_key)(INPUT_KEY_F1 + (code - KEY_F(1)));
    switch (code) {
    case KEY_UP: return INPUT_KEY_UP;
    case KEY_DOWN: return INPUT_KEY_DOWN;
    case KEY_LEFT: return INPUT_KEY_LEFT;
    case KEY_RIGHT: return INPUT_KEY_RIGHT;
    case KEY_HOME: return INPUT_KEY_HOME;
    case KEY_END: return INPUT_KEY_END;
    case KEY_PPAGE: return INPUT_KEY_PAGE_UP;
    case KEY_NPAGE: return INPUT_KEY_PAGE_DOWN;
    case KEY_IC: return INPUT_KEY_INSERT;
    case KEY_DC: return INPUT_KEY_DELETE;
    case KEY_BACKSPACE: return INPUT_KEY_BACKSPACE;
    case KEY_ENTER: return INPUT_KEY_ENTER;
    case KEY_BTAB: return INPUT_KEY_BACKTAB;
    case KEY_SR: return INPUT_KEY_SHIFT_UP;
    case KEY_SF: return INPUT_KEY_SHIFT_DOWN;
    case KEY_SLEFT: return INPUT_KEY_CTRL_LEFT;
    case KEY_SRIGHT: return INPUT_KEY_CTRL_RIGHT;
    default: return named_key(code);
    }
}

/* One key into ev; false when nothing is pending. */
static bool read_one(struct input_event *ev, bool *is_resize)
{
    wint_t ch;
    int rc = wget_wch(stdscr, &ch);
    if (rc == ERR)
        return false;
    memset(ev, 0, sizeof *ev);
    if (rc == KEY_CODE_YES) {
        if (ch == KEY_RESIZE) {
            *is_resize = true;
            ev->kind = INPUT_RESIZE;
            return true;
        }
        if (ch == KEY_MOUSE) {
            MEVENT me;
            ev->kind = INPUT_MOUSE;
            ev->key = INPUT_KEY_NONE;
            if (getmouse(&me) == OK) {
                if (me.bstate & BUTTON4_PRESSED)
                    ev->key = INPUT_KEY_WHEEL_UP;
#ifdef BUTTON5_PRESSED
                else if (me.bstate & BUTTON5_PRESSED)
                    ev->key = INPUT_KEY_WHEEL_DOWN;
#endif
            }
            return true;
        }
        ev->kind = INPUT_KEY;
        ev->key = map_key((int)ch);
        return true;
    }
    ev->kind = INPUT_CHAR;
    ev->cp = (uint32_t)ch;
    return true;
}

int input_drain(input_event_fn fn, void *userdata)
{
    int count = 0;
    struct input_event ev;
    bool is_resize = false;
    while (read_one(&ev, &is_resize)) {
        if (ev.kind == INPUT_CHAR && ev.cp == 27) {
            /* ESC: if another key is already here, it is Alt+that key. */
            struct input_event next;
            bool dummy = false;
            if (read_one(&next, &dummy)) {
                if (next.kind == INPUT_CHAR && (next.cp == '[' || next.cp == 'O')) {
                    /* An escape sequence curses did not recognise (TERM does not match the
                     * terminal): drop it whole instead of typing its bytes. */
                    struct input_event rest;
                    while (read_one(&rest, &dummy) && rest.kind == INPUT_CHAR &&
                           !(rest.cp >= 0x40 && rest.cp <= 0x7E && rest.cp != '[' &&
                             rest.cp != 'O'))
                        ;
                    continue;
                }
                if (next.kind == INPUT_CHAR || next.kind == INPUT_KEY) {
                    next.is_alt = true;
                    ev = next;
                } else {
                    fn(userdata, &ev);
                    count++;
                    ev = next;
                }
            }
        }
        if (ev.kind == INPUT_MOUSE && ev.key == INPUT_KEY_NONE)
            continue;
        fn(userdata, &ev);
        count++;
    }
    return count;
}

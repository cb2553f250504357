/* input: the key source. Reads every pending key from curses when stdin is readable (curses
 * buffers internally, so it drains until ERR) and turns it into input events with our own key
 * codes, so nothing outside term/input/render sees curses. */
#ifndef CCA_TUI_INPUT_H
#define CCA_TUI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

enum input_kind {
    INPUT_CHAR,   /* a character; cp < 32 are control keys (Ctrl-A = 1) */
    INPUT_KEY,    /* a special key: enum input_key */
    INPUT_MOUSE,  /* a wheel step: key is INPUT_KEY_WHEEL_UP/DOWN */
    INPUT_RESIZE, /* the terminal changed size */
};

enum input_key {
    INPUT_KEY_NONE,
    INPUT_KEY_UP, INPUT_KEY_DOWN, INPUT_KEY_LEFT, INPUT_KEY_RIGHT,
    INPUT_KEY_HOME, INPUT_KEY_END, INPUT_KEY_PAGE_UP, INPUT_KEY_PAGE_DOWN,
    INPUT_KEY_INSERT, INPUT_KEY_DELETE, INPUT_KEY_BACKSPACE, INPUT_KEY_ENTER, INPUT_KEY_BACKTAB,
    INPUT_KEY_CTRL_LEFT, INPUT_KEY_CTRL_RIGHT, INPUT_KEY_CTRL_HOME, INPUT_KEY_CTRL_END,
    INPUT_KEY_SHIFT_UP, INPUT_KEY_SHIFT_DOWN,
    INPUT_KEY_WHEEL_UP, INPUT_KEY_WHEEL_DOWN,
    INPUT_KEY_F1, INPUT_KEY_F2, INPUT_KEY_F3, INPUT_KEY_F4, INPUT_KEY_F5, INPUT_KEY_F6,
    INPUT_KEY_F7, INPUT_KEY_F8, INPUT_KEY_F9, INPUT_KEY_F10, INPUT_KEY_F11, INPUT_KEY_F12,
};

struct input_event {
    enum input_kind kind;
    uint32_t cp;          /* INPUT_CHAR */
    enum input_key key;   /* INPUT_KEY, INPUT_MOUSE */
    bool is_alt;          /* the key came after ESC (Alt/Meta) */
};

typedef void (*input_event_fn)(void *userdata, const struct input_event *ev);

/* Reads keys until none is pending, calling fn for each; never blocks. Returns the number
 * of events delivered. */
int input_drain(input_event_fn fn, void *userdata);

#endif

/* keymap: input events -> actions, from the built-in defaults of actions.h. Pure. */
#ifndef CCA_TUI_KEYMAP_H
#define CCA_TUI_KEYMAP_H

#include "tui/actions.h"
#include "tui/input.h"

/* The action bound to ev, or ACTION_NONE (for plain characters, which the screen inserts).
 * For ACTION_SHOW_SOURCE, *arg (may be NULL) gets the digit n. */
enum action keymap_lookup(const struct input_event *ev, int *arg);

#endif

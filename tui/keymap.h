/* keymap: input events -> actions. Built-in defaults, then config.ini's [keys] overrides by
 * action name; lookups search the scopes a screen has, most specific first. Pure: no curses. */
#ifndef CCA_TUI_KEYMAP_H
#define CCA_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "tui/actions.h"
#include "tui/input.h"

struct keymap;

/* The default bindings. Never NULL. */
struct keymap *keymap_new(void);
/* NULL is a no-op. */
void keymap_free(struct keymap *km);

/* Rebinds an action by its config name to keys, a list of key names separated by spaces or
 * commas ("C-x", "Ctrl-X", "M-s", "Alt-S", "F5", "Enter", "PgDn", "?"): the action's default
 * keys are dropped, and the keys stop meaning anything else. ERR_CONFIG with the reason in err
 * for an unknown action or key name (the keymap is unchanged then). */
enum err keymap_bind(struct keymap *km, const char *action_name, const char *keys, char *err,
                     size_t errlen);

/* The action bound to ev within scopes (enum action_scope bits; searched as the screen's own
 * scope, editor, list, generic), or ACTION_NONE. *arg (may be NULL) gets the number of
 * numbered actions (goto-tab). */
enum action keymap_lookup(const struct keymap *km, const struct input_event *ev,
                          unsigned scopes, int *arg);

/* The keys bound to action, as shown in help ("Ctrl-Q  F10"), into out; "" when unbound. */
void keymap_describe(const struct keymap *km, enum action action, char *out, size_t outlen);

/* Parses one key name into *ev; false when it is not a key name. */
bool keymap_parse_key(const char *name, struct input_event *ev);
/* The name of a key, as keymap_parse_key reads it back. */
void keymap_key_name(const struct input_event *ev, char *out, size_t outlen);

#endif

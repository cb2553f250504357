/* screen: the contract between the frame (tui/app.c) and the screens that plug into it. The
 * frame owns the terminal, the header, the tab bar, the status bar, the help overlay, screen
 * switching and the database connection; a screen owns the body rectangle between them, its
 * keys (a keymap scope) and its models. Screens are listed once, in tui/screens.def, with the
 * roles that see them. */
#ifndef CCA_TUI_SCREEN_H
#define CCA_TUI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "tui/actions.h"
#include "tui/input.h"
#include "tui/layout.h"

struct buf;
struct config;
struct llm;
struct loop;
struct rag;
struct render;
struct store;

/* Dirty regions: what must be drawn again before the next sleep. The frame's regions are the
 * low bits; a screen's own regions are SCREEN_DIRTY_OWN(n) and imply the body. */
enum screen_dirty {
    SCREEN_DIRTY_HEADER = 1 << 0,
    SCREEN_DIRTY_TABS = 1 << 1,
    SCREEN_DIRTY_BODY = 1 << 2, /* the whole body: the screen erases and draws all of it */
    SCREEN_DIRTY_STATUS = 1 << 3,
    SCREEN_DIRTY_ALL = 0x7fffffff,
};
#define SCREEN_DIRTY_OWN(n) (1u << (8 + (n))) /* n in 0..22, the screen's private regions */

/* Roles, as the database names them (cca_auth.app_role()); a bit each for the registry. */
enum screen_role {
    SCREEN_ROLE_LEARNER = 1 << 0,
    SCREEN_ROLE_HR_MANAGER = 1 << 1,
    SCREEN_ROLE_TRAINER = 1 << 2,
    SCREEN_ROLE_ADMIN = 1 << 3,
    SCREEN_ROLE_ANY = 0xf,
};

/* The role bit for a role name from the database; 0 for an unknown or missing one. */
unsigned screen_role_from_name(const char *name);

/* Who is using the app, from the database (never from a client setting). */
struct screen_user {
    const char *id;         /* users.id, NULL while unknown */
    const char *email;
    const char *name;
    const char *role;       /* learner | hr_manager | trainer | admin */
    const char *department; /* may be NULL */
    unsigned role_bit;      /* enum screen_role */
};

/* What the frame lends every screen. The pointers change when the database comes and goes;
 * screens are told through on_connection. */
struct screen_ctx {
    const struct config *cfg;
    struct loop *loop;
    struct store *store;  /* NULL while the database is unreachable; calls made through the
                             loop (core/store_call.h) never block a key press */
    struct rag *rag;      /* NULL while the database is unreachable */
    struct llm *llm;      /* NULL when offline */
    bool is_db_up;
    const char *db_error; /* why the database is unreachable, or NULL */
    const struct screen_user *user;

    void *app;
    /* Marks regions dirty; rendering happens before the loop sleeps. */
    void (*invalidate)(void *app, unsigned dirty);
    /* Like invalidate, but merged over a short timer (token bursts). */
    void (*invalidate_soon)(void *app, unsigned dirty);
    /* A short message in the status bar for a few seconds. */
    void (*report)(void *app, bool is_error, const char *msg);
    /* Copies text to the clipboard (OSC 52). */
    bool (*copy)(void *app, const char *text, size_t len);
    /* The database looks down: reconnect in the background. */
    void (*db_lost)(void *app);
    /* Switches to the screen named name ("chat", ...) and hands it arg (screen-specific, e.g.
     * a content id to open); false when this user has no such screen. */
    bool (*open_screen)(void *app, const char *name, const char *arg);
    /* Runs the shell command `command "$path"` (an editor the user chose) with the terminal:
     * the frame leaves the full screen, waits for it, then repaints everything (as after
     * Ctrl-Z). *exit_status as term_run's (127: not found). ERR_IO with err when it could not
     * be started. */
    enum err (*run_with_terminal)(void *app, const char *command, const char *path,
                                  int *exit_status, char *err, size_t errlen);
};

/* Every hook but free and draw may be NULL. */
struct screen_ops {
    void (*free)(void *self);
    /* The screen becomes visible (arg from open_screen, or NULL) / stops being visible. */
    void (*on_enter)(void *self, const char *arg);
    void (*on_leave)(void *self);
    /* Whether the user may leave now; when not, *question gets what to ask ("The clock keeps
     * running. Leave the assessment?") and the frame asks before switching or quitting. */
    bool (*can_leave)(void *self, const char **question);
    /* About four times a second while the screen is visible (countdowns, elapsed time).
     * now_ms is core/uiclock's, which stands still under CCA_FAKE_CLOCK=1 (screen tests):
     * take start times for anything shown from uiclock_now_ms() too. */
    void (*on_tick)(void *self, int64_t now_ms);
    /* A key: action is what the keymap found in the screen's scopes (ACTION_NONE for text);
     * returns true when handled. arg is the digit of numbered actions. */
    bool (*on_key)(void *self, enum action action, int arg, const struct input_event *ev);
    /* The database connected or was lost (ctx pointers changed). */
    void (*on_connection)(void *self);
    /* Draws the dirty parts of the body; dirty has SCREEN_DIRTY_BODY for all of it, or only
     * the screen's own bits. */
    void (*draw)(void *self, struct render *r, const struct layout_rect *body, unsigned dirty);
    /* Draws the screen's overlay if one is open; returns true if it did. */
    bool (*draw_overlay)(void *self, struct render *r, int rows, int cols);
    /* Appends what the screen is doing to the status bar ("answering 2.1 s · 35 tok/s"). */
    void (*activity)(void *self, struct buf *out);
    /* Key hints for the status bar. */
    const char *(*hints)(void *self);
    /* True while work is in flight (an answer streams, a query runs). */
    bool (*is_busy)(void *self);
    /* The screen's own character keys for the help overlay: pairs of keys and what they do
     * ("f", "Flag the question for review"), NULL-terminated; may be NULL. */
    const char *const *help;
    /* Actions of the screen's key scopes it does not handle (the list's search on a screen
     * without one), ending with ACTION_NONE; left out of the help. May be NULL. */
    const enum action *unused;
};

struct screen {
    const struct screen_ops *ops;
    void *self;
};

typedef struct screen (*screen_new_fn)(struct screen_ctx *ctx);

/* One line of tui/screens.def. */
struct screen_entry {
    const char *name;       /* for `cca tui NAME` and open_screen */
    const char *title;      /* in the tab bar */
    screen_new_fn create;
    unsigned roles;         /* enum screen_role bits that see it */
    unsigned scopes;        /* enum action_scope bits its keys come from, besides generic */
};

/* The registry in tab order; *count gets its length. */
const struct screen_entry *screen_registry(size_t *count);
/* The entry named name, or NULL. */
const struct screen_entry *screen_find(const char *name);

#endif

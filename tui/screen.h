/* screen: the framework screens plug into (chat now; dashboard, recommendations, assessments
 * later). The app owns the terminal, the header, the tab bar, the status bar, the help overlay
 * and the database connection; a screen owns the area between them, its keys and its models.
 * Only screens that exist are listed in the tab bar. */
#ifndef CCA_TUI_SCREEN_H
#define CCA_TUI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

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

/* Dirty regions: what must be drawn again before the next sleep. */
enum screen_dirty {
    SCREEN_DIRTY_HEADER = 1 << 0,
    SCREEN_DIRTY_CONVERSATION = 1 << 1,
    SCREEN_DIRTY_SOURCES = 1 << 2,
    SCREEN_DIRTY_INPUT = 1 << 3,
    SCREEN_DIRTY_STATUS = 1 << 4,
    SCREEN_DIRTY_LAYOUT = 1 << 5, /* the layout changed: erase and draw everything */
    SCREEN_DIRTY_ALL = 0xff,
};

/* What the app lends every screen. The pointers change when the database comes and goes;
 * screens are told through on_connection. */
struct screen_ctx {
    const struct config *cfg;
    struct loop *loop;
    struct store *store; /* NULL while the database is unreachable */
    struct rag *rag;     /* NULL while the database is unreachable */
    struct llm *llm;     /* NULL when offline */
    bool is_db_up;
    const char *db_error; /* why the database is unreachable, or NULL */

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
};

struct screen_ops {
    const char *title; /* in the tab bar */
    void (*free)(void *self);
    /* A key: action is ACTION_NONE for text; returns true when handled. arg is the digit of
     * ACTION_SHOW_SOURCE. */
    bool (*on_key)(void *self, enum action action, int arg, const struct input_event *ev);
    /* The database connected or was lost (ctx pointers changed). */
    void (*on_connection)(void *self);
    /* Layout wishes: sources panel open, lines the input needs at this width. */
    void (*layout_params)(void *self, int cols, struct layout_params *p);
    /* Draws the dirty regions of the screen's area. */
    void (*draw)(void *self, struct render *r, const struct layout *l, unsigned dirty);
    /* Draws the screen's overlay if one is open; returns true if it did. */
    bool (*draw_overlay)(void *self, struct render *r, int rows, int cols);
    /* Appends what the screen is doing to the status bar ("answering 2.1 s · 35 tok/s"). */
    void (*activity)(void *self, struct buf *out);
    /* Key hints for the status bar. */
    const char *(*hints)(void *self);
    /* True while work is in flight (an answer streams). */
    bool (*is_busy)(void *self);
};

struct screen {
    const struct screen_ops *ops;
    void *self;
};

/* The chat screen (tui/screen_chat.c). Borrows ctx for its life. */
struct screen screen_chat_new(struct screen_ctx *ctx);

#endif

/* headless: runs the app without a terminal for the screen tests (`cca tui --headless`). The
 * key source is a script (tui/script): before each line it waits until the app is idle (no
 * store call, no busy screen, nothing to repaint, no timer due), then feeds the line's keys
 * or runs its command (:save-screen writes the screen with screen_dump). It also ends smoke
 * runs after N frames (--exit-after-frames, htop -n). The app stays in charge of everything
 * else; this module only reads its idle state and feeds it events through the hooks below. */
#ifndef CCA_TUI_HEADLESS_H
#define CCA_TUI_HEADLESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "tui/input.h"

struct headless;
struct loop;
struct term;

/* What the app lends the driver. */
struct headless_app {
    void *app;
    /* NULL when the app is idle, else what it is busy with ("a store call in flight"). */
    const char *(*busy_reason)(void *app);
    /* One key (or INPUT_RESIZE after the size changed), as if it came from the terminal. */
    void (*deliver)(void *app, const struct input_event *ev);
    /* Marks the whole screen for repainting (each frame of --exit-after-frames is full). */
    void (*repaint)(void *app);
};

struct headless_options {
    const char *script_path; /* NULL: no key source */
    const char *screen_dir;  /* where :save-screen writes; NULL: the current directory */
    long exit_after_frames;  /* > 0: quit after painting this many frames */
    int idle_timeout_ms;     /* how long a line may wait for idle; 0: 15 s */
};

/* Loads the script (errors, with the script's line, go to err). The caller owns *out
 * (headless_free). */
enum err headless_new(const struct headless_options *opt, struct headless **out, char *err,
                      size_t errlen);
/* Starts driving: call once the terminal is open and after the app's paint hook was added to
 * loop, so the driver's idle check runs right after each paint. Borrows all three. */
void headless_start(struct headless *h, struct loop *loop, struct term *term,
                    const struct headless_app *app);
/* The app painted a frame. */
void headless_on_frame(struct headless *h);
/* The exit status of the run: 0 when the script ran to its end (or there was none), 1 when a
 * line failed (timeout, a screen that could not be saved, the app quit before the end);
 * *message (may be NULL) gets the reason, valid until headless_free. */
int headless_status(struct headless *h, const char **message);
/* NULL is a no-op. */
void headless_free(struct headless *h);

#endif

/* headless: the script driver of the screen tests. Its before-sleep hook runs right after the
 * app's paint: when the app is idle it schedules the next line on a 0 ms timer (so the loop
 * does not sleep), else it waits, woken by the app's own events, the periodic tick or its
 * deadline timer. No sleeps anywhere: a line runs as soon as the app is idle. */
#include "tui/headless.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/mem.h"
#include "tui/screen_dump.h"
#include "tui/script.h"
#include "tui/term.h"

#define IDLE_TIMEOUT_MS 15000

struct headless {
    struct script *script;
    char *script_path;
    char *screen_dir;
    long exit_after_frames, frames;
    int idle_timeout_ms;

    struct loop *loop;
    struct term *term;
    struct headless_app app;

    size_t next;          /* the script line to run next */
    bool is_script_done;  /* the last line ran and the app was idle after it */
    int64_t wait_start_ms;
    uint64_t step_timer, nudge_timer, deadline_timer;
    char *failure;
};

enum err headless_new(const struct headless_options *opt, struct headless **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    struct headless *h = xcalloc(1, sizeof *h);
    if (opt->script_path) {
        enum err e = script_load(opt->script_path, &h->script, err, errlen);
        if (e != ERR_OK) {
            free(h);
            return e;
        }
        h->script_path = xstrdup(opt->script_path);
    }
    h->screen_dir = xstrdup(opt->screen_dir && opt->screen_dir[0] ? opt->screen_dir : ".");
    h->exit_after_frames = opt->exit_after_frames;
    h->idle_timeout_ms = opt->idle_timeout_ms > 0 ? opt->idle_timeout_ms : IDLE_TIMEOUT_MS;
    *out = h;
    return ERR_OK;
}

void headless_free(struct headless *h)
{
    if (!h)
        return;
    if (h->loop) {
        loop_timer_cancel(h->loop, h->step_timer);
        loop_timer_cancel(h->loop, h->nudge_timer);
        loop_timer_cancel(h->loop, h->deadline_timer);
    }
    script_free(h->script);
    free(h->script_path);
    free(h->screen_dir);
    free(h->failure);
    free(h);
}

/* Where the script stands, for messages: "chat.keys:12 (<Enter>)". */
static char *where(const struct headless *h, size_t index)
{
    if (index >= script_step_count(h->script))
        return xasprintf("%s: after the last line", h->script_path);
    const struct script_step *st = script_step_at(h->script, index);
    return xasprintf("%s:%d (%s)", h->script_path, st->line, st->text);
}

static void fail(struct headless *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct headless *h, const char *fmt, ...)
{
    if (h->failure)
        return;
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    h->failure = xstrdup(why);
    loop_stop(h->loop);
}

static void on_deadline(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct headless *h = userdata;
    h->deadline_timer = 0; /* only wakes the loop: the hook sees the time is up */
}

static void start_wait(struct headless *h)
{
    h->wait_start_ms = loop_now_ms();
    if (h->deadline_timer)
        loop_timer_cancel(h->loop, h->deadline_timer);
    h->deadline_timer = loop_timer_add(h->loop, h->idle_timeout_ms + 1, 0, on_deadline, h);
}

static void run_step(struct headless *h, const struct script_step *st)
{
    switch (st->kind) {
    case SCRIPT_KEYS:
        for (size_t i = 0; i < st->event_count; i++)
            h->app.deliver(h->app.app, &st->events[i]);
        break;
    case SCRIPT_SAVE_SCREEN: {
        char *path = xasprintf("%s/%s.screen", h->screen_dir, st->name);
        char err[512];
        int first = st->first_row ? st->first_row - 1 : 0;
        int last = st->last_row ? st->last_row - 1 : -1;
        if (screen_dump_write(path, first, last, err, sizeof err) != ERR_OK) {
            char *at = where(h, h->next - 1);
            fail(h, "%s: the screen could not be saved: %s", at, err);
            free(at);
        }
        free(path);
        break;
    }
    case SCRIPT_RESIZE: {
        term_set_size(h->term, st->rows, st->cols);
        struct input_event ev = {.kind = INPUT_RESIZE};
        h->app.deliver(h->app.app, &ev);
        break;
    }
    case SCRIPT_WAIT_IDLE:
        break;
    }
}

static void on_step(struct loop *loop, uint64_t id, void *userdata)
{
    (void)id;
    struct headless *h = userdata;
    h->step_timer = 0;
    if (h->next >= script_step_count(h->script)) {
        h->is_script_done = true;
        loop_stop(loop);
        return;
    }
    const struct script_step *st = script_step_at(h->script, h->next++);
    run_step(h, st);
    start_wait(h);
}

static void on_nudge(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct headless *h = userdata;
    h->nudge_timer = 0; /* only keeps the loop from sleeping between frames */
}

static void before_sleep(struct loop *loop, void *userdata)
{
    struct headless *h = userdata;
    if (h->script && !h->is_script_done && !h->step_timer && !h->failure) {
        const char *busy = h->app.busy_reason(h->app.app);
        if (!busy) {
            h->step_timer = loop_timer_add(loop, 0, 0, on_step, h);
        } else if (loop_now_ms() - h->wait_start_ms >= h->idle_timeout_ms) {
            char *at = where(h, h->next);
            fail(h, "%s: the app was not idle within %d s (still busy: %s)", at,
                 h->idle_timeout_ms / 1000, busy);
            free(at);
        }
    }
    if (h->exit_after_frames > 0) {
        h->app.repaint(h->app.app);
        if (!h->nudge_timer)
            h->nudge_timer = loop_timer_add(loop, 0, 0, on_nudge, h);
    }
}

void headless_start(struct headless *h, struct loop *loop, struct term *term,
                    const struct headless_app *app)
{
    h->loop = loop;
    h->term = term;
    h->app = *app;
    loop_add_before_sleep(loop, before_sleep, h);
    if (h->script)
        start_wait(h);
}

void headless_on_frame(struct headless *h)
{
    h->frames++;
    if (h->exit_after_frames > 0 && h->frames >= h->exit_after_frames)
        loop_stop(h->loop);
}

int headless_status(struct headless *h, const char **message)
{
    bool is_stopped_by_frames = h->exit_after_frames > 0 && h->frames >= h->exit_after_frames;
    if (!h->failure && h->script && !h->is_script_done && !is_stopped_by_frames &&
        h->next < script_step_count(h->script)) {
        char *at = where(h, h->next);
        h->failure = xasprintf("%s: the app quit before this line ran", at);
        free(at);
    }
    if (message)
        *message = h->failure;
    return h->failure ? 1 : 0;
}

/* screen_progress: the learner's Progress tab. Asks the database through the loop when it
 * becomes visible (or on r), shows "loading" meanwhile and the reason when it fails; never
 * blocks a key. The figures come from core/progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/progress.h"
#include "core/store.h"
#include "core/store_progress.h"
#include "core/utf8.h"
#include "tui/render.h"
#include "tui/screen.h"

enum load_state { LOAD_NONE, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

struct progress_screen {
    struct screen_ctx *ctx;
    enum load_state state;
    struct store_call *call;
    struct progress *data;
    char *error;
    int64_t loaded_ms;
};

#define RELOAD_AFTER_MS 30000

static void invalidate(struct progress_screen *p)
{
    p->ctx->invalidate(p->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void on_reply(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct progress_screen *p = userdata;
    p->call = NULL;
    free(p->error);
    p->error = NULL;
    const char *text = store_rows_get(rows, 0, 0);
    struct progress *data = NULL;
    if (e == ERR_OK && text)
        e = progress_parse(text, strlen(text), &data);
    else if (e == ERR_OK)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK) {
        p->state = LOAD_FAILED;
        p->error = utf8_sanitize(errmsg && errmsg[0] ? errmsg : err_str(e),
                                 strlen(errmsg && errmsg[0] ? errmsg : err_str(e)), NULL);
        if (e == ERR_DB_DOWN)
            p->ctx->db_lost(p->ctx->app);
    } else {
        progress_free(p->data);
        p->data = data;
        p->state = LOAD_DONE;
        p->loaded_ms = loop_now_ms();
    }
    invalidate(p);
}

static void load(struct progress_screen *p)
{
    if (p->call)
        return;
    if (!p->ctx->store || !p->ctx->is_db_up) {
        p->state = LOAD_FAILED;
        free(p->error);
        p->error = xstrdup("The database is not reachable; CCA keeps retrying.");
        invalidate(p);
        return;
    }
    p->state = LOAD_RUNNING;
    invalidate(p);
    p->call = store_progress_overview(p->ctx->store, on_reply, p);
}

static void progress_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct progress_screen *p = self;
    if (p->state != LOAD_RUNNING &&
        (p->state != LOAD_DONE || loop_now_ms() - p->loaded_ms > RELOAD_AFTER_MS))
        load(p);
}

static void progress_on_connection(void *self)
{
    struct progress_screen *p = self;
    if (p->ctx->is_db_up && p->state == LOAD_FAILED)
        load(p);
}

static bool progress_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    (void)ev;
    struct progress_screen *p = self;
    if (a == ACTION_REFRESH) {
        load(p);
        return true;
    }
    return false;
}

/* "[█████░░░░░]" or "[#####-----]", width cells inside the brackets. */
static void bar(struct buf *b, double fraction, int width, bool is_unicode)
{
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int full = (int)(fraction * width + 0.5);
    buf_append_char(b, '[');
    for (int i = 0; i < width; i++)
        buf_append_str(b, i < full ? (is_unicode ? "\xE2\x96\x88" : "#")
                                   : (is_unicode ? "\xE2\x96\x91" : "-"));
    buf_append_char(b, ']');
}

static void line(struct render *r, const struct layout_rect *body, int *y, enum theme_role role,
                 const char *text)
{
    if (*y >= body->y + body->h)
        return;
    render_text(r, *y, body->x + 2, body->w - 4, text, role);
    (*y)++;
}

static void progress_draw(void *self, struct render *r, const struct layout_rect *body,
                          unsigned dirty)
{
    (void)dirty;
    struct progress_screen *p = self;
    render_fill(r, body, THEME_DEFAULT);
    int y = body->y + 1;
    line(r, body, &y, THEME_HEADING, "Your progress");
    y++;
    if (p->state == LOAD_RUNNING && !p->data) {
        line(r, body, &y, THEME_NOTE, "Loading your progress\xE2\x80\xA6");
        return;
    }
    if (p->state == LOAD_FAILED) {
        line(r, body, &y, THEME_ERROR, "Your progress could not be loaded:");
        line(r, body, &y, THEME_ERROR, p->error ? p->error : "unknown error");
        y++;
        line(r, body, &y, THEME_NOTE, "Press r to try again.");
        return;
    }
    const struct progress *d = p->data;
    if (!d)
        return;
    if (progress_is_empty(d)) {
        line(r, body, &y, THEME_DEFAULT, "You have not started any course or skill yet.");
        line(r, body, &y, THEME_NOTE,
             "Start here: ask the Chat \"what should I learn first?\", or open a course from "
             "your recommendations.");
        return;
    }
    bool is_unicode = render_is_unicode(r);
    struct buf b;
    buf_init(&b, 4096);
    double courses = d->total_courses ? (double)d->completed_courses / d->total_courses : 0;
    buf_printf(&b, "Courses   %d of %d completed  ", d->completed_courses, d->total_courses);
    bar(&b, courses, 20, is_unicode);
    line(r, body, &y, THEME_DEFAULT, buf_str(&b));
    buf_reset(&b);
    double skills = d->total_skills ? (double)d->completed_skills / d->total_skills : 0;
    buf_printf(&b, "Skills    %d of %d completed  ", d->completed_skills, d->total_skills);
    bar(&b, skills, 20, is_unicode);
    line(r, body, &y, THEME_DEFAULT, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "Average completion of what you started: %.0f %%", d->average_percent);
    line(r, body, &y, THEME_DEFAULT, buf_str(&b));
    buf_reset(&b);
    if (d->velocity_hours >= 0)
        buf_printf(&b, "Velocity: %.1f h per completed item (last 30 days)", d->velocity_hours);
    else
        buf_append_str(&b, "Velocity: nothing completed in the last 30 days");
    line(r, body, &y, THEME_DEFAULT, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "Last 7 days: %d questions asked \xC2\xB7 %d items progressed \xC2\xB7 "
                   "%d recommendations",
               d->recent_messages, d->recent_progress, d->recent_recommendations);
    line(r, body, &y, THEME_NOTE, buf_str(&b));
    if (d->category_count) {
        y++;
        line(r, body, &y, THEME_HEADING, "Skills by category");
        for (size_t i = 0; i < d->category_count; i++) {
            buf_reset(&b);
            buf_printf(&b, "  %-24s %d", d->categories[i].name, d->categories[i].count);
            line(r, body, &y, THEME_DEFAULT, buf_str(&b));
        }
    }
    buf_cleanup(&b);
}

static void progress_activity(void *self, struct buf *out)
{
    struct progress_screen *p = self;
    if (p->state == LOAD_RUNNING)
        buf_append_str(out, "loading\xE2\x80\xA6");
}

static const char *progress_hints(void *self)
{
    struct progress_screen *p = self;
    if (p->state == LOAD_RUNNING)
        return "F1 keys";
    return "r refresh \xC2\xB7 Alt-1 chat \xC2\xB7 F1 keys \xC2\xB7 Ctrl-Q quit";
}

static bool progress_is_busy(void *self)
{
    return ((struct progress_screen *)self)->call != NULL;
}

static void progress_free_screen(void *self)
{
    struct progress_screen *p = self;
    store_call_cancel(p->call);
    progress_free(p->data);
    free(p->error);
    free(p);
}

static const struct screen_ops progress_ops = {
    .free = progress_free_screen,
    .on_enter = progress_on_enter,
    .on_key = progress_on_key,
    .on_connection = progress_on_connection,
    .draw = progress_draw,
    .activity = progress_activity,
    .hints = progress_hints,
    .is_busy = progress_is_busy,
};

struct screen screen_progress_new(struct screen_ctx *ctx);

struct screen screen_progress_new(struct screen_ctx *ctx)
{
    struct progress_screen *p = xcalloc(1, sizeof *p);
    p->ctx = ctx;
    return (struct screen){.ops = &progress_ops, .self = p};
}

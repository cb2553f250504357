/* screen_recommend: the Recommendations tab over cca_recommendations(): what the database
 * generated and stored for the learner, best first, each with its reason in plain words.
 * Enter records the click (cca_recommendation_open) and opens the item in the reader; d
 * dismisses it for good; r regenerates. Every call goes through the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/reader.h"
#include "core/recommend.h"
#include "core/store.h"
#include "core/store_learning.h"
#include "core/utf8.h"

#include "tui/input.h"
#include "tui/page.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_chart.h"

#define RECOMMEND_LIMIT 10

enum load_state { LOAD_NONE, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

struct recommend_screen {
    struct screen_ctx *ctx;
    enum load_state state;
    bool is_refresh;           /* the load in flight regenerates */
    struct store_call *call;   /* the list */
    struct store_call *action; /* an open or a dismissal */
    char *action_id;           /* the recommendation it is for */
    struct recommend_list *list;
    char *error;
    struct page page;
};

static void invalidate(struct recommend_screen *s)
{
    s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void report(struct recommend_screen *s, bool is_error, const char *msg)
{
    s->ctx->report(s->ctx->app, is_error, msg);
}

static void failed(struct recommend_screen *s, enum err e, const char *what, const char *errmsg)
{
    char *m = xasprintf("%s: %s", what, errmsg && errmsg[0] ? errmsg : err_str(e));
    report(s, true, m);
    free(m);
    if (e == ERR_DB_DOWN)
        s->ctx->db_lost(s->ctx->app);
}

static void on_list(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct recommend_screen *s = userdata;
    s->call = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    struct recommend_list *l = NULL;
    if (e == ERR_OK && text)
        e = recommend_parse(text, strlen(text), &l);
    else if (e == ERR_OK)
        e = ERR_NOT_FOUND;
    free(s->error);
    s->error = NULL;
    if (e != ERR_OK) {
        const char *why = errmsg && errmsg[0] ? errmsg : err_str(e);
        s->error = utf8_sanitize_line(why, strlen(why), NULL);
        s->state = LOAD_FAILED;
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
    } else {
        recommend_list_free(s->list);
        s->list = l;
        s->state = LOAD_DONE;
        if (s->is_refresh)
            report(s, false,
                   l->count ? "Recommendations generated again from your progress."
                            : "Nothing to recommend right now.");
    }
    s->is_refresh = false;
    invalidate(s);
}

static void load(struct recommend_screen *s, bool refresh)
{
    if (s->call) {
        /* A refresh asked for while the plain list loads replaces it. */
        if (!refresh || s->is_refresh)
            return;
        store_call_cancel(s->call);
        s->call = NULL;
    }
    if (!s->ctx->store || !s->ctx->is_db_up) {
        s->state = LOAD_FAILED;
        free(s->error);
        s->error = xstrdup("The database is not reachable; CCA keeps retrying.");
        invalidate(s);
        return;
    }
    s->state = LOAD_RUNNING;
    s->is_refresh = refresh;
    s->call = store_learning_recommendations(s->ctx->store, refresh, RECOMMEND_LIMIT, on_list, s);
    invalidate(s);
}

static void recommend_on_enter(void *self, const char *arg)
{
    (void)arg;
    load(self, false);
}

static void recommend_on_connection(void *self)
{
    struct recommend_screen *s = self;
    if (!s->ctx->is_db_up) {
        store_call_cancel(s->call);
        store_call_cancel(s->action);
        s->call = s->action = NULL;
        if (s->state == LOAD_RUNNING)
            s->state = s->list ? LOAD_DONE : LOAD_NONE;
        return;
    }
    if (s->state == LOAD_FAILED || s->state == LOAD_NONE)
        load(s, false);
}

static long find_item(const struct recommend_screen *s, const char *id)
{
    for (size_t i = 0; s->list && id && i < s->list->count; i++)
        if (strcmp(s->list->items[i].id, id) == 0)
            return (long)i;
    return -1;
}

static void on_opened(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct recommend_screen *s = userdata;
    s->action = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    char *content = NULL, *course = NULL;
    if (e == ERR_OK && text)
        e = recommend_open_parse(text, strlen(text), &content, &course);
    long i = find_item(s, s->action_id);
    if (i >= 0)
        s->list->items[i].is_clicked = true;
    if (e == ERR_NOT_FOUND) {
        report(s, false, "Nothing to read for it yet: ask the Chat about it.");
    } else if (e != ERR_OK) {
        failed(s, e, "Could not open it", errmsg);
    } else {
        char *arg = reader_arg_format(content, NULL, course);
        if (!s->ctx->open_screen(s->ctx->app, "reader", arg))
            report(s, true, "The reader is not available for your role.");
        free(arg);
    }
    free(content);
    free(course);
    invalidate(s);
}

static void on_dismissed(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    (void)rows;
    struct recommend_screen *s = userdata;
    s->action = NULL;
    if (e != ERR_OK) {
        failed(s, e, "Could not dismiss it", errmsg);
    } else {
        long i = find_item(s, s->action_id);
        if (i >= 0) {
            char *m = xasprintf("Dismissed \"%s\": it will not be recommended again.",
                                s->list->items[i].title);
            recommend_remove(s->list, (size_t)i);
            report(s, false, m);
            free(m);
        }
    }
    invalidate(s);
}

static const struct recommend_item *selected(const struct recommend_screen *s)
{
    long i = page_selected(&s->page);
    return s->list && i >= 0 && (size_t)i < s->list->count ? &s->list->items[i] : NULL;
}

static void act(struct recommend_screen *s, bool is_open)
{
    const struct recommend_item *it = selected(s);
    if (!it)
        return;
    if (s->action) {
        report(s, false, "Still busy with the last one.");
        return;
    }
    if (!s->ctx->store || !s->ctx->is_db_up) {
        report(s, true, "The database is not reachable; try again when it is back.");
        return;
    }
    free(s->action_id);
    s->action_id = xstrdup(it->id);
    s->action = is_open
                    ? store_learning_recommendation_open(s->ctx->store, it->id, on_opened, s)
                    : store_learning_recommendation_dismiss(s->ctx->store, it->id, on_dismissed, s);
    invalidate(s);
}

static bool recommend_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct recommend_screen *s = self;
    const char *note = NULL;
    if (page_search_key(&s->page, a, ev, &note)) {
        if (note)
            report(s, false, note);
        invalidate(s);
        return true;
    }
    switch (a) {
    case ACTION_REFRESH:
        load(s, true);
        return true;
    case ACTION_OPEN:
        act(s, true);
        return true;
    case ACTION_NONE:
        if (ev->kind == INPUT_CHAR && !ev->is_alt && ev->cp == 'd') {
            act(s, false);
            return true;
        }
        return false;
    default:
        break;
    }
    if (page_key(&s->page, a)) {
        invalidate(s);
        return true;
    }
    return false;
}

static void build(struct recommend_screen *s, int width, bool is_unicode)
{
    struct page *pg = &s->page;
    page_clear(pg);
    if (!s->list) {
        if (s->state == LOAD_FAILED) {
            page_add(pg, THEME_ERROR, -1, "Your recommendations could not be loaded:");
            page_add(pg, THEME_ERROR, -1, s->error ? s->error : "unknown error");
            page_add(pg, THEME_DEFAULT, -1, "");
            page_add(pg, THEME_NOTE, -1, "Press r to try again.");
        } else {
            page_add(pg, THEME_NOTE, -1, "Loading your recommendations\xE2\x80\xA6");
        }
        return;
    }
    if (s->state == LOAD_FAILED)
        page_addf(pg, THEME_ERROR, -1, "Not up to date (%s); r tries again.",
                  s->error ? s->error : "error");
    if (s->list->count == 0) {
        page_add(pg, THEME_DEFAULT, -1,
                 "Nothing to recommend right now: you have completed or dismissed everything "
                 "that fits.");
        page_add(pg, THEME_NOTE, -1, "r generates them again from your latest progress.");
        return;
    }
    int bar_w = 10;
    for (size_t i = 0; i < s->list->count; i++) {
        const struct recommend_item *it = &s->list->items[i];
        char *bar = chart_bar(it->score, 1.0, bar_w, is_unicode);
        page_addf(pg, THEME_DEFAULT, (long)i, "%s \xC2\xB7 %s%s", it->title, it->type,
                  it->is_clicked ? " \xC2\xB7 opened" : "");
        page_addf(pg, THEME_NOTE, (long)i, "    [%s]  %s", bar, it->reason);
        free(bar);
        if (it->open_title && (!it->title || strcmp(it->open_title, it->title) != 0))
            page_addf(pg, THEME_NOTE, (long)i, "    opens: %s", it->open_title);
        else if (!it->open_content_id)
            page_add(pg, THEME_NOTE, (long)i, "    nothing to read for it yet");
        if (i + 1 < s->list->count)
            page_add(pg, THEME_DEFAULT, -1, "");
    }
    (void)width;
}

static void recommend_draw(void *self, struct render *r, const struct layout_rect *body,
                           unsigned dirty)
{
    (void)dirty;
    struct recommend_screen *s = self;
    render_fill(r, body, THEME_DEFAULT);
    if (body->h < 3)
        return;
    render_text(r, body->y, body->x + 1, body->w - 2,
                "Recommended for you \xC2\xB7 Enter opens \xC2\xB7 d dismisses \xC2\xB7 "
                "r generates again",
                THEME_HEADING);
    build(s, body->w - 2, render_is_unicode(r));
    struct layout_rect rest = {body->y + 2, body->x, body->h - 2, body->w};
    page_draw(&s->page, r, &rest, true);
}

static void recommend_activity(void *self, struct buf *out)
{
    struct recommend_screen *s = self;
    if (s->call)
        buf_append_str(out, s->is_refresh ? "generating\xE2\x80\xA6" : "loading\xE2\x80\xA6");
    else if (s->action)
        buf_append_str(out, "saving\xE2\x80\xA6");
}

static const char *recommend_hints(void *self)
{
    (void)self;
    return "Enter open \xC2\xB7 d dismiss \xC2\xB7 r refresh \xC2\xB7 F1 keys";
}

static bool recommend_is_busy(void *self)
{
    struct recommend_screen *s = self;
    return s->call || s->action;
}

static void recommend_free(void *self)
{
    struct recommend_screen *s = self;
    store_call_cancel(s->call);
    store_call_cancel(s->action);
    recommend_list_free(s->list);
    page_cleanup(&s->page);
    free(s->action_id);
    free(s->error);
    free(s);
}

static const char *const recommend_help[] = {
    "d",
    "Dismiss the selected recommendation (it does not come back)",
    NULL,
};

static const struct screen_ops recommend_ops = {
    .free = recommend_free,
    .on_enter = recommend_on_enter,
    .on_key = recommend_on_key,
    .on_connection = recommend_on_connection,
    .draw = recommend_draw,
    .activity = recommend_activity,
    .hints = recommend_hints,
    .is_busy = recommend_is_busy,
    .help = recommend_help,
};

struct screen screen_recommend_new(struct screen_ctx *ctx);

struct screen screen_recommend_new(struct screen_ctx *ctx)
{
    struct recommend_screen *s = xcalloc(1, sizeof *s);
    s->ctx = ctx;
    page_init(&s->page);
    return (struct screen){.ops = &recommend_ops, .self = s};
}

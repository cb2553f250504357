/* screen_progress: the learner's Progress tab over cca_learning_dashboard(): the summary
 * (completion, courses, skills, streak and velocity), what is in progress with what comes
 * next (Enter opens it in the reader), time per week for the last 12 weeks, skills with their
 * level and assessment results against their pass mark; a new employee sees where to start.
 * Asks the database through the loop each time it becomes visible (the old figures stay
 * while the new ones load) and never blocks a key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/progress.h"
#include "core/reader.h"
#include "core/store.h"
#include "core/store_learning.h"
#include "core/uiclock.h"
#include "core/utf8.h"

#include "tui/input.h"
#include "tui/page.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_chart.h"
#include "tui/widget_table.h"

enum load_state { LOAD_NONE, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

struct progress_screen {
    struct screen_ctx *ctx;
    enum load_state state;
    struct store_call *call;
    struct progress *data;
    char *error;
    struct page page;
};

static void invalidate(struct progress_screen *p)
{
    p->ctx->invalidate(p->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void on_reply(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct progress_screen *p = userdata;
    p->call = NULL;
    free(p->error);
    p->error = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    struct progress *data = NULL;
    if (e == ERR_OK && text)
        e = progress_parse(text, strlen(text), &data);
    else if (e == ERR_OK)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK) {
        const char *why = errmsg && errmsg[0] ? errmsg : err_str(e);
        p->state = LOAD_FAILED;
        p->error = utf8_sanitize_line(why, strlen(why), NULL);
        if (e == ERR_DB_DOWN)
            p->ctx->db_lost(p->ctx->app);
    } else {
        progress_free(p->data);
        p->data = data;
        p->state = LOAD_DONE;
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
    p->call = store_learning_dashboard(p->ctx->store, on_reply, p);
}

/* Fresh figures every time the tab is shown: reading elsewhere changes them. */
static void progress_on_enter(void *self, const char *arg)
{
    (void)arg;
    load(self);
}

static void progress_on_connection(void *self)
{
    struct progress_screen *p = self;
    if (!p->ctx->is_db_up) {
        store_call_cancel(p->call);
        p->call = NULL;
        if (p->state == LOAD_RUNNING)
            p->state = p->data ? LOAD_DONE : LOAD_NONE;
        return;
    }
    if (p->state == LOAD_FAILED || p->state == LOAD_NONE)
        load(p);
}

/* The reader's argument for item i of the list (in progress, or a place to start). */
static char *target_arg(const struct progress_screen *p, long i)
{
    const struct progress *d = p->data;
    if (!d || i < 0)
        return NULL;
    const struct progress_target *t = NULL;
    const char *course = NULL;
    if (progress_is_empty(d)) {
        if ((size_t)i < d->start_count)
            t = &d->starts[i].open;
    } else if ((size_t)i < d->item_count) {
        t = &d->items[i].next;
        course = t->course_id ? t->course_id : d->items[i].is_course ? d->items[i].id : NULL;
    }
    if (!t || !t->content_id)
        return NULL;
    return reader_arg_format(t->content_id, NULL, course ? course : t->course_id);
}

static bool progress_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct progress_screen *p = self;
    const char *note = NULL;
    if (page_search_key(&p->page, a, ev, &note)) {
        if (note)
            p->ctx->report(p->ctx->app, false, note);
        invalidate(p);
        return true;
    }
    switch (a) {
    case ACTION_REFRESH:
        load(p);
        return true;
    case ACTION_OPEN: {
        char *target = target_arg(p, page_selected(&p->page));
        if (!target) {
            p->ctx->report(p->ctx->app, false,
                           p->data && p->page.item_count
                               ? "Nothing to read here yet: see the Recommendations tab."
                               : "Nothing selected.");
            return true;
        }
        if (!p->ctx->open_screen(p->ctx->app, "reader", target))
            p->ctx->report(p->ctx->app, true, "The reader is not available for your role.");
        free(target);
        return true;
    }
    default:
        break;
    }
    if (page_key(&p->page, a)) {
        invalidate(p);
        return true;
    }
    return false;
}

/* --- drawing -------------------------------------------------------------------------------- */

static const char *check_mark(bool is_unicode, bool ok)
{
    if (is_unicode)
        return ok ? "\xE2\x9C\x93" : "\xE2\x9C\x97";
    return ok ? "+" : "x";
}

static void add_blank(struct page *pg)
{
    page_add(pg, THEME_DEFAULT, -1, "");
}

static void build_empty(struct progress_screen *p, int width, bool is_unicode)
{
    (void)width;
    (void)is_unicode;
    const struct progress *d = p->data;
    struct page *pg = &p->page;
    page_add(pg, THEME_DEFAULT, -1,
             "Welcome! You have not started a course or a skill yet: nothing is tracked.");
    add_blank(pg);
    if (d->start_count) {
        page_add(pg, THEME_HEADING, -1, "Good places to start (Enter opens it in the reader)");
        for (size_t i = 0; i < d->start_count; i++) {
            const struct progress_start *s = &d->starts[i];
            page_addf(pg, THEME_DEFAULT, (long)i, "%s%s%s", s->title, s->type ? " \xC2\xB7 " : "",
                      s->type ? s->type : "");
            if (s->reason && s->reason[0])
                page_addf(pg, THEME_NOTE, (long)i, "    %s", s->reason);
        }
        add_blank(pg);
    }
    page_add(pg, THEME_NOTE, -1,
             "Your time, courses, skills and assessment results appear here as you go.");
    page_add(pg, THEME_NOTE, -1,
             "Ask the Chat \"what should I learn first?\", or open the Recommendations tab.");
}

static void build_summary(struct progress_screen *p, int width, bool is_unicode)
{
    const struct progress *d = p->data;
    const struct progress_summary *s = &d->summary;
    struct page *pg = &p->page;
    int bar_w = width - 4 < 56 ? width - 4 : 56;
    char *bar =
        chart_progress("Overall completion", 19, s->overall_completion / 100.0, bar_w, is_unicode);
    page_add(pg, THEME_DEFAULT, -1, bar);
    free(bar);
    if (width >= 76) {
        page_addf(pg, THEME_DEFAULT, -1,
                  "Courses  %d completed \xC2\xB7 %d in progress     Skills  %d completed "
                  "\xC2\xB7 %d in progress",
                  s->courses_completed, s->courses_in_progress, s->skills_completed,
                  s->skills_in_progress);
    } else {
        page_addf(pg, THEME_DEFAULT, -1, "Courses  %d completed \xC2\xB7 %d in progress",
                  s->courses_completed, s->courses_in_progress);
        page_addf(pg, THEME_DEFAULT, -1, "Skills   %d completed \xC2\xB7 %d in progress",
                  s->skills_completed, s->skills_in_progress);
    }
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "Streak  %d day%s \xC2\xB7 %d completed in the last 30 days", s->streak_days,
               s->streak_days == 1 ? "" : "s", s->completed_last_30_days);
    /* The spec's learning velocity: hours from start to completion, averaged over the last 30
     * days' completions; "480.0 h" reads better as 20 days. */
    char pace[96] = "";
    if (s->avg_hours_to_complete >= 0) {
        double h = s->avg_hours_to_complete;
        if (h < 1)
            snprintf(pace, sizeof pace, "%.0f min", h * 60);
        else if (h < 48)
            snprintf(pace, sizeof pace, "%.1f h", h);
        else if (h < 240 && fabs(h / 24 - round(h / 24)) >= 0.05)
            snprintf(pace, sizeof pace, "%.1f days", h / 24);
        else
            snprintf(pace, sizeof pace, "%.0f days", h / 24);
    }
    char tail[128];
    snprintf(tail, sizeof tail, " \xC2\xB7 %s on average to complete", pace);
    bool is_wide = utf8_width(buf_str(&b), b.len) + utf8_width(tail, strlen(tail)) <=
                   (size_t)(width > 0 ? width : 0);
    if (*pace && is_wide)
        buf_append_str(&b, tail);
    page_add(pg, THEME_DEFAULT, -1, buf_str(&b));
    if (*pace && !is_wide)
        page_addf(pg, THEME_DEFAULT, -1, "Pace    %s on average from start to completion", pace);
    buf_cleanup(&b);
}

static void build_in_progress(struct progress_screen *p, int width, bool is_unicode)
{
    const struct progress *d = p->data;
    struct page *pg = &p->page;
    add_blank(pg);
    if (d->item_count == 0) {
        page_add(pg, THEME_HEADING, -1, "In progress");
        if (d->summary.courses_completed + d->summary.content_completed > 0)
            page_add(pg, THEME_DEFAULT, -1,
                     "Every course and reading you started is complete. Well done!");
        else
            page_add(pg, THEME_DEFAULT, -1, "No course or reading in progress.");
        page_add(pg, THEME_NOTE, -1,
                 "The Recommendations tab says what could come next; skills grow as you "
                 "complete courses.");
        return;
    }
    page_add(pg, THEME_HEADING, -1, "In progress (Enter opens what comes next in the reader)");
    int bar_w = width - 4 < 60 ? width - 4 : 60;
    int label_w = bar_w / 2;
    time_t now = (time_t)uiclock_wall_s();
    for (size_t i = 0; i < d->item_count; i++) {
        const struct progress_item *it = &d->items[i];
        char *line = chart_progress(it->title, label_w, it->progress / 100.0, bar_w, is_unicode);
        page_add(pg, THEME_DEFAULT, (long)i, line);
        free(line);
        char ago[32], spent[32];
        progress_format_ago(it->last_activity, now, ago, sizeof ago);
        progress_format_duration(it->time_spent_s, spent, sizeof spent);
        struct buf b;
        buf_init(&b, 4096);
        buf_printf(&b, "    %s", it->is_course ? "course" : "reading");
        if (it->is_course && it->items)
            buf_printf(&b, " \xC2\xB7 %d of %d lessons done", it->items_done, it->items);
        if (ago[0])
            buf_printf(&b, " \xC2\xB7 last activity %s", ago);
        if (it->time_spent_s > 0)
            buf_printf(&b, " \xC2\xB7 %s spent", spent);
        if (it->next.title && it->is_course)
            buf_printf(&b, " \xC2\xB7 next: %s", it->next.title);
        page_add(pg, THEME_NOTE, (long)i, buf_str(&b));
        buf_cleanup(&b);
    }
}

static void build_time(struct progress_screen *p, int width, bool is_unicode)
{
    const struct progress *d = p->data;
    struct page *pg = &p->page;
    char week[32], weeks[32], total[32];
    progress_format_duration((long)d->week_seconds[PROGRESS_WEEKS - 1], week, sizeof week);
    progress_format_duration(d->summary.time_12_weeks_s, weeks, sizeof weeks);
    progress_format_duration(d->summary.time_total_s, total, sizeof total);
    add_blank(pg);
    page_addf(pg, THEME_HEADING, -1,
              "Time spent reading, per week \xC2\xB7 this week %s \xC2\xB7 12 weeks %s \xC2\xB7 "
              "in all %s",
              week, weeks, total);
    if (d->summary.time_12_weeks_s <= 0) {
        page_add(pg, THEME_NOTE, -1,
                 "No reading time in the last 12 weeks: the reader counts the minutes you read.");
        return;
    }
    /* Weeks counted back from this one ("now", "1w", ... "11w"): the same every week. */
    const char *labels[PROGRESS_WEEKS];
    char lab[PROGRESS_WEEKS][8];
    for (size_t i = 0; i < PROGRESS_WEEKS; i++) {
        size_t back = PROGRESS_WEEKS - 1 - i;
        if (back == 0)
            snprintf(lab[i], sizeof lab[i], "now");
        else
            snprintf(lab[i], sizeof lab[i], "%zuw", back);
        labels[i] = lab[i];
    }
    int chart_w = width - 4 < 72 ? width - 4 : 72;
    char *chart = chart_columns(d->week_seconds, labels, PROGRESS_WEEKS, chart_w, 5, is_unicode);
    page_add_lines(pg, THEME_CITATION, -1, chart);
    free(chart);
}

static void build_skills(struct progress_screen *p, int width, bool is_unicode)
{
    const struct progress *d = p->data;
    struct page *pg = &p->page;
    if (d->skill_count == 0)
        return;
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Skills (level out of 5)");
    int name_w = width / 3 < 30 ? width / 3 : 30;
    for (size_t i = 0; i < d->skill_count; i++) {
        const struct progress_skill *s = &d->skills[i];
        char *name = table_fit_text(s->name, name_w, TABLE_ALIGN_LEFT, is_unicode);
        char *bar = chart_bar(s->level, s->max_level, 10, is_unicode);
        page_addf(pg, THEME_DEFAULT, -1, "%s  [%s] %d/%d  %3.0f %%%s%s", name, bar, s->level,
                  s->max_level, s->progress, s->is_completed ? "  " : "",
                  s->is_completed ? check_mark(is_unicode, true) : "");
        free(name);
        free(bar);
    }
}

static void build_assessments(struct progress_screen *p, int width, bool is_unicode)
{
    const struct progress *d = p->data;
    struct page *pg = &p->page;
    if (d->assessment_count == 0)
        return;
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Assessments (score against the pass mark)");
    int name_w = width / 3 < 34 ? width / 3 : 34;
    for (size_t i = 0; i < d->assessment_count; i++) {
        const struct progress_assessment *a = &d->assessments[i];
        char *name = table_fit_text(a->title, name_w, TABLE_ALIGN_LEFT, is_unicode);
        char score[24];
        if (a->score >= 0)
            snprintf(score, sizeof score, "%3.0f", a->score);
        else
            snprintf(score, sizeof score, "  -");
        page_addf(pg, a->is_passed ? THEME_DEFAULT : THEME_ERROR, -1,
                  "%s %s  %s  pass mark %.0f  %s", check_mark(is_unicode, a->is_passed), name,
                  score, a->passing_score, a->is_passed ? "passed" : "below the pass mark");
        free(name);
    }
}

static void build(struct progress_screen *p, int width, bool is_unicode)
{
    struct page *pg = &p->page;
    page_clear(pg);
    const struct progress *d = p->data;
    if (!d) {
        if (p->state == LOAD_FAILED) {
            page_add(pg, THEME_ERROR, -1, "Your progress could not be loaded:");
            page_add(pg, THEME_ERROR, -1, p->error ? p->error : "unknown error");
            add_blank(pg);
            page_add(pg, THEME_NOTE, -1, "Press r to try again.");
        } else {
            page_add(pg, THEME_NOTE, -1, "Loading your progress\xE2\x80\xA6");
        }
        return;
    }
    if (p->state == LOAD_FAILED) {
        page_addf(pg, THEME_ERROR, -1, "Not up to date (%s); r tries again.",
                  p->error ? p->error : "error");
    }
    if (progress_is_empty(d)) {
        build_empty(p, width, is_unicode);
        return;
    }
    build_summary(p, width, is_unicode);
    build_in_progress(p, width, is_unicode);
    build_time(p, width, is_unicode);
    build_skills(p, width, is_unicode);
    build_assessments(p, width, is_unicode);
}

static void progress_draw(void *self, struct render *r, const struct layout_rect *body,
                          unsigned dirty)
{
    (void)dirty;
    struct progress_screen *p = self;
    render_fill(r, body, THEME_DEFAULT);
    if (body->h < 3)
        return;
    const char *name = p->data && p->data->user_name ? p->data->user_name : NULL;
    char title[256];
    snprintf(title, sizeof title, "Your progress%s%s", name ? " \xC2\xB7 " : "", name ? name : "");
    render_text(r, body->y, body->x + 1, body->w - 2, title, THEME_HEADING);
    build(p, body->w - 2, render_is_unicode(r));
    struct layout_rect rest = {body->y + 1, body->x, body->h - 1, body->w};
    page_draw(&p->page, r, &rest, true);
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
    if (p->data && p->page.item_count)
        return "Enter read \xC2\xB7 r refresh \xC2\xB7 F1 keys";
    return "r refresh \xC2\xB7 F1 keys \xC2\xB7 Ctrl-Q quit";
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
    page_cleanup(&p->page);
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
    page_init(&p->page);
    return (struct screen){.ops = &progress_ops, .self = p};
}

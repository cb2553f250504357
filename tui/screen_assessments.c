/* screen_assessments: the Assessments tab. The list of assessments (a table), the rules before
 * a start, the questions (one per page or all on one page) with a countdown taken from the
 * server, the summary and the submit, the result with its review, and past attempts. Every
 * choice is saved through the loop as it is made; the server decides deadlines, scores and
 * reviews (core/assessment.h holds the state machine). Never blocks a key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assessment.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_assessments.h"
#include "core/uiclock.h"
#include "core/utf8.h"
#include "tui/list.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_countdown.h"
#include "tui/widget_table.h"

#define SUSPEND_GAP_MS 2000   /* a tick this late means the process was stopped (Ctrl-Z) */
#define RESULT_POLL_MS 1000   /* asking again for a result that is not final yet */
#define RESULT_POLLS_MAX 30

enum view {
    VIEW_LIST,
    VIEW_RULES,     /* before a start: the rules, and a confirmation */
    VIEW_QUESTIONS, /* the attempt */
    VIEW_SUMMARY,   /* unanswered and flagged questions, then submit */
    VIEW_RESULT,
    VIEW_HISTORY,   /* past attempts of one assessment */
};

struct assess_screen;

/* One save in flight per question. */
struct save_slot {
    struct assess_screen *s;
    struct store_call *call;
    struct assessment_save save;
    bool is_active;
};

struct assess_screen {
    struct screen_ctx *ctx;
    enum view view;

    /* the list */
    struct assessment_list *list;
    struct table *table;
    struct store_call *list_call;
    char *list_error;
    bool want_resume;   /* once the list is in: resume an open attempt, show a pending result */
    char cell[160];

    /* rules and history: the assessment they are about */
    char *item_id;
    struct list history;

    /* the attempt */
    struct store_call *start_call, *state_call, *submit_call;
    struct assessment_attempt *att;
    struct save_slot *slots;
    size_t current;     /* the question shown (or highlighted on one page) */
    struct list summary; /* questions, then "Submit" */
    bool is_confirming_submit;
    char *attempt_error;
    int64_t last_tick_ms;
    char last_countdown[24];
    bool is_pumping;
    bool want_refresh; /* ask for the state again when the call in flight replies */
    int body_w, body_h;

    /* the result */
    struct store_call *result_call;
    struct assessment_result *result;
    char *result_attempt_id;
    char *result_error;
    char *lost;         /* questions not saved before the attempt closed, or NULL */
    int result_polls;
    int64_t result_poll_at;
    enum view result_back; /* where Esc goes from the result */

    int scroll;         /* first line of long pages (rules, questions, result) */
    int page_lines;     /* lines of the page last drawn */
};

/* The countdown's clock (core/uiclock: it stands still in screen tests). Timers such as the
 * result's polling use loop_now_ms. */
static int64_t clock_ms(void)
{
    return uiclock_now_ms();
}

static void invalidate(struct assess_screen *s)
{
    s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void report(struct assess_screen *s, bool is_error, const char *msg)
{
    s->ctx->report(s->ctx->app, is_error, msg);
}

static bool db_ready(struct assess_screen *s)
{
    return s->ctx->store && s->ctx->is_db_up;
}

static char *clean(const char *msg, enum err e)
{
    const char *m = msg && msg[0] ? msg : err_str(e);
    return utf8_sanitize_line(m, strlen(m), NULL);
}

static const struct assessment_info *item_by_id(const struct assess_screen *s, const char *id)
{
    for (size_t i = 0; s->list && id && i < s->list->count; i++)
        if (s->list->items[i].id && strcmp(s->list->items[i].id, id) == 0)
            return &s->list->items[i];
    return NULL;
}

static const struct assessment_info *selected_item(const struct assess_screen *s)
{
    size_t i = table_selected(s->table);
    return s->list && i < s->list->count ? &s->list->items[i] : NULL;
}

/* --- the attempt's lifetime ------------------------------------------------------------------ */

static void drop_attempt(struct assess_screen *s)
{
    if (s->att)
        for (size_t i = 0; i < s->att->question_count; i++)
            store_call_cancel(s->slots[i].call);
    free(s->slots);
    s->slots = NULL;
    store_call_cancel(s->state_call);
    store_call_cancel(s->submit_call);
    s->state_call = s->submit_call = NULL;
    s->want_refresh = false;
    assessment_attempt_free(s->att);
    s->att = NULL;
    s->is_confirming_submit = false;
    free(s->attempt_error);
    s->attempt_error = NULL;
}

static void adopt_attempt(struct assess_screen *s, struct assessment_attempt *a)
{
    drop_attempt(s);
    s->att = a;
    s->slots = xcalloc(a->question_count ? a->question_count : 1, sizeof *s->slots);
    for (size_t i = 0; i < a->question_count; i++)
        s->slots[i].s = s;
    /* Resume where there is something to do: the first question not answered. */
    s->current = 0;
    for (size_t i = 0; i < a->question_count; i++) {
        if (a->questions[i].answer < 0) {
            s->current = i;
            break;
        }
    }
    list_init(&s->summary);
    list_set_count(&s->summary, a->question_count + 1);
    s->scroll = 0;
    s->last_tick_ms = 0;
    s->last_countdown[0] = '\0';
    s->view = VIEW_QUESTIONS;
}

static void load_list(struct assess_screen *s);
static void fetch_result(struct assess_screen *s, const char *attempt_id, enum view back);

/* --- saving ---------------------------------------------------------------------------------- */

static void pump_saves(struct assess_screen *s);

static void on_saved(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct save_slot *slot = userdata;
    struct assess_screen *s = slot->s;
    slot->call = NULL;
    slot->is_active = false;
    if (!s->att)
        return;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    enum assessment_save_outcome out =
        assessment_attempt_saved(s->att, &slot->save, e, errmsg, text, clock_ms());
    char msg[256];
    switch (out) {
    case ASSESSMENT_SAVED:
        pump_saves(s); /* a choice changed while this one was on its way */
        break;
    case ASSESSMENT_SAVE_RETRY:
        snprintf(msg, sizeof msg,
                 "Question %zu not saved: the database is unreachable. It is sent again when "
                 "the database is back, before the deadline.",
                 slot->save.question + 1);
        report(s, true, msg);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        break;
    case ASSESSMENT_SAVE_TOO_LATE:
        report(s, true, "Time is up: the server no longer takes answers for this attempt.");
        fetch_result(s, s->att->attempt_id, VIEW_LIST);
        break;
    case ASSESSMENT_SAVE_CLOSED:
        report(s, true, "This attempt was already submitted (another terminal?).");
        fetch_result(s, s->att->attempt_id, VIEW_LIST);
        break;
    case ASSESSMENT_SAVE_REFUSED: {
        char *why = clean(errmsg, e);
        snprintf(msg, sizeof msg, "Question %zu not saved: %s", slot->save.question + 1, why);
        free(why);
        report(s, true, msg);
        break;
    }
    }
    invalidate(s);
}

/* Sends every save that is due; replies may come back at once (no connection). */
static void pump_saves(struct assess_screen *s)
{
    if (!s->att || !db_ready(s) || s->is_pumping)
        return;
    s->is_pumping = true;
    struct assessment_save sv;
    while (s->att && db_ready(s) && assessment_attempt_next_save(s->att, clock_ms(), &sv)) {
        struct save_slot *slot = &s->slots[sv.question];
        const struct assessment_question *q = &s->att->questions[sv.question];
        slot->save = sv;
        slot->is_active = true;
        struct store_call *c =
            sv.kind == ASSESSMENT_SAVE_ANSWER
                ? store_assessment_save_answer(s->ctx->store, s->att->attempt_id, q->id,
                                               sv.choice, on_saved, slot)
                : store_assessment_flag(s->ctx->store, s->att->attempt_id, q->id,
                                        sv.is_flagged, on_saved, slot);
        if (slot->is_active)
            slot->call = c;
    }
    s->is_pumping = false;
}

static bool saves_in_flight(const struct assess_screen *s)
{
    for (size_t i = 0; s->att && i < s->att->question_count; i++)
        if (s->slots[i].is_active)
            return true;
    return false;
}

/* --- replies --------------------------------------------------------------------------------- */

static void after_phase(struct assess_screen *s)
{
    if (s->att && s->att->phase == ASSESSMENT_PHASE_CLOSED && !s->result_call &&
        !(s->result && s->result_attempt_id &&
          strcmp(s->result_attempt_id, s->att->attempt_id) == 0))
        fetch_result(s, s->att->attempt_id, VIEW_LIST);
}

/* A start or state reply: a new attempt, or news of the one on screen. */
static void take_attempt(struct assess_screen *s, enum err e, const char *errmsg,
                         const struct store_rows *rows, bool is_start)
{
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (e == ERR_OK && !text)
        e = ERR_PROTOCOL;
    if (e != ERR_OK) {
        char *why = clean(errmsg, e);
        if (is_start || !s->att) {
            free(s->attempt_error);
            s->attempt_error = why;
            why = NULL;
        } else {
            char msg[300];
            snprintf(msg, sizeof msg, "The attempt could not be read again: %s", why);
            report(s, true, msg);
        }
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        if (e == ERR_CLOSED && s->item_id)
            load_list(s);
        free(why);
        invalidate(s);
        return;
    }
    int64_t now = clock_ms();
    if (s->att && !is_start && assessment_attempt_update(s->att, text, strlen(text), now) == ERR_OK) {
        after_phase(s);
        pump_saves(s);
        invalidate(s);
        return;
    }
    struct assessment_attempt *a = NULL;
    if (assessment_attempt_parse(text, strlen(text), now, &a) != ERR_OK) {
        free(s->attempt_error);
        s->attempt_error = xstrdup("The database sent an attempt CCA cannot read.");
        invalidate(s);
        return;
    }
    if (s->att && strcmp(s->att->attempt_id, a->attempt_id) == 0) {
        /* The same attempt started again (Enter twice): keep what is on screen. */
        assessment_attempt_free(a);
        assessment_attempt_update(s->att, text, strlen(text), now);
    } else {
        bool was_resumed = a->was_resumed || !is_start;
        adopt_attempt(s, a);
        if (was_resumed) {
            struct assessment_summary sum;
            assessment_attempt_summarize(s->att, &sum);
            char msg[200];
            snprintf(msg, sizeof msg,
                     "Attempt resumed: same deadline, %zu answer%s kept.", sum.answered,
                     sum.answered == 1 ? "" : "s");
            report(s, false, msg);
        }
    }
    after_phase(s);
    pump_saves(s);
    invalidate(s);
}

static void on_started(void *userdata, enum err e, const char *errmsg,
                       const struct store_rows *rows)
{
    struct assess_screen *s = userdata;
    s->start_call = NULL;
    take_attempt(s, e, errmsg, rows, true);
}

static void refresh_state(struct assess_screen *s);

static void on_state(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct assess_screen *s = userdata;
    s->state_call = NULL;
    if (e == ERR_NOT_FOUND && s->att) {
        report(s, true, "The attempt is gone from the database.");
        drop_attempt(s);
        s->view = VIEW_LIST;
        load_list(s);
        return;
    }
    take_attempt(s, e, errmsg, rows, false);
    if (s->want_refresh) {
        s->want_refresh = false;
        refresh_state(s);
    }
}

static void refresh_state(struct assess_screen *s)
{
    if (!s->att || !db_ready(s))
        return;
    if (s->state_call) {
        /* The reply on its way may predate what made us ask (a resume): ask once more. */
        s->want_refresh = true;
        return;
    }
    s->state_call = store_assessment_state(s->ctx->store, s->att->attempt_id, on_state, s);
}

static void open_attempt(struct assess_screen *s, const char *attempt_id)
{
    if (s->state_call || !db_ready(s))
        return;
    s->state_call = store_assessment_state(s->ctx->store, attempt_id, on_state, s);
}

static void on_result(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    struct assess_screen *s = userdata;
    s->result_call = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    struct assessment_result *r = NULL;
    if (e == ERR_OK)
        e = text ? assessment_result_parse(text, strlen(text), &r) : ERR_PROTOCOL;
    free(s->result_error);
    s->result_error = NULL;
    if (e != ERR_OK) {
        s->result_error = clean(errmsg, e);
        if (e == ERR_DB_DOWN) {
            s->ctx->db_lost(s->ctx->app);
            s->result_poll_at = loop_now_ms() + RESULT_POLL_MS * 3;
        }
        s->view = VIEW_RESULT;
        invalidate(s);
        return;
    }
    assessment_result_free(s->result);
    s->result = r;
    s->view = VIEW_RESULT;
    s->scroll = 0;
    if (!r->is_ready && s->result_polls < RESULT_POLLS_MAX) {
        s->result_polls++;
        s->result_poll_at = loop_now_ms() + RESULT_POLL_MS;
    } else {
        s->result_poll_at = 0;
    }
    if (r->is_ready && s->att && strcmp(s->att->attempt_id, r->attempt_id) == 0) {
        /* The attempt is over: what was not saved before it closed is said on the result. */
        struct assessment_summary sum;
        assessment_attempt_summarize(s->att, &sum);
        free(s->lost);
        s->lost = sum.unsaved ? assessment_attempt_numbers(s->att, ASSESSMENT_PICK_UNSAVED) : NULL;
        drop_attempt(s);
        /* Best score, attempts and status have changed. */
        load_list(s);
    }
    invalidate(s);
}

static void fetch_result(struct assess_screen *s, const char *attempt_id, enum view back)
{
    if (s->result_call)
        return;
    if (!s->result_attempt_id || strcmp(s->result_attempt_id, attempt_id) != 0) {
        free(s->result_attempt_id);
        s->result_attempt_id = xstrdup(attempt_id);
        assessment_result_free(s->result);
        s->result = NULL;
        s->result_polls = 0;
        free(s->lost);
        s->lost = NULL;
    }
    s->result_back = back;
    s->result_poll_at = 0;
    if (!db_ready(s)) {
        free(s->result_error);
        s->result_error = xstrdup("The database is not reachable; the result is asked for "
                                  "again when it is back.");
        s->result_poll_at = loop_now_ms() + RESULT_POLL_MS * 3;
        if (!s->att)
            s->view = VIEW_RESULT;
        return;
    }
    s->result_call = store_assessment_result(s->ctx->store, attempt_id, on_result, s);
    invalidate(s);
}

static void on_submitted(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    (void)rows;
    struct assess_screen *s = userdata;
    s->submit_call = NULL;
    if (!s->att)
        return;
    assessment_attempt_submitted(s->att, e, clock_ms());
    if (e == ERR_OK) {
        report(s, false, "Submitted. The result follows.");
    } else if (e == ERR_TIME_UP) {
        report(s, true, "Time is up: the server had already closed the attempt with the answers "
                        "saved until the deadline.");
    } else if (e == ERR_CLOSED) {
        report(s, true, "This attempt was already submitted.");
    } else {
        char *why = clean(errmsg, e);
        char msg[300];
        snprintf(msg, sizeof msg, "Not submitted: %s. Your answers are kept; try again.", why);
        free(why);
        report(s, true, msg);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
    }
    after_phase(s);
    invalidate(s);
}

static void submit(struct assess_screen *s)
{
    s->is_confirming_submit = false;
    if (!s->att)
        return;
    if (!db_ready(s)) {
        report(s, true, "Not submitted: the database is unreachable. Your answers are kept.");
        return;
    }
    enum err e = assessment_attempt_begin_submit(s->att);
    if (e == ERR_TIME_UP) {
        report(s, true, "Time is up: the server submits the attempt with your saved answers.");
        return;
    }
    if (e != ERR_OK)
        return;
    char *answers = assessment_attempt_answers_json(s->att);
    s->submit_call = store_assessment_submit(s->ctx->store, s->att->attempt_id, answers,
                                             on_submitted, s);
    free(answers);
    invalidate(s);
}

/* --- the list -------------------------------------------------------------------------------- */

static void resume_or_show_pending(struct assess_screen *s)
{
    for (size_t i = 0; i < s->list->count; i++) {
        const struct assessment_info *it = &s->list->items[i];
        if (it->open_attempt_id) {
            list_select(table_list(s->table), i);
            free(s->item_id);
            s->item_id = xstrdup(it->id);
            open_attempt(s, it->open_attempt_id);
            return;
        }
    }
    for (size_t i = 0; i < s->list->count; i++) {
        const struct assessment_past *p = assessment_info_pending(&s->list->items[i]);
        if (p) {
            list_select(table_list(s->table), i);
            free(s->item_id);
            s->item_id = xstrdup(s->list->items[i].id);
            fetch_result(s, p->attempt_id, VIEW_LIST);
            return;
        }
    }
}

static void on_list(void *userdata, enum err e, const char *errmsg,
                    const struct store_rows *rows)
{
    struct assess_screen *s = userdata;
    s->list_call = NULL;
    free(s->list_error);
    s->list_error = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    struct assessment_list *l = NULL;
    if (e == ERR_OK)
        e = text ? assessment_list_parse(text, strlen(text), &l) : ERR_PROTOCOL;
    if (e != ERR_OK) {
        s->list_error = clean(errmsg, e);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        invalidate(s);
        return;
    }
    assessment_list_free(s->list);
    s->list = l;
    table_set_count(s->table, l->count);
    if (s->want_resume && !s->att) {
        s->want_resume = false;
        resume_or_show_pending(s);
    }
    s->want_resume = false;
    invalidate(s);
}

static void load_list(struct assess_screen *s)
{
    if (s->list_call)
        return;
    if (!db_ready(s)) {
        free(s->list_error);
        s->list_error = xstrdup("The database is not reachable; CCA keeps retrying.");
        invalidate(s);
        return;
    }
    s->list_call = store_assessment_list(s->ctx->store, on_list, s);
    invalidate(s);
}

static const char *cell(void *userdata, size_t row, size_t col)
{
    struct assess_screen *s = userdata;
    if (!s->list || row >= s->list->count)
        return "";
    const struct assessment_info *it = &s->list->items[row];
    char *c = s->cell;
    size_t n = sizeof s->cell;
    switch (col) {
    case 0:
        return it->title;
    case 1:
        return assessment_status_label(it->status);
    case 2:
        if (!it->skill_name)
            return "-";
        if (it->skill_level > 0)
            snprintf(c, n, "%s (level %d)", it->skill_name, it->skill_level);
        else
            snprintf(c, n, "%s", it->skill_name);
        return c;
    case 3:
        return it->difficulty ? it->difficulty : "-";
    case 4:
        snprintf(c, n, "%d", it->question_count);
        return c;
    case 5:
        if (!it->time_limit_minutes)
            return "none";
        snprintf(c, n, "%d min", it->time_limit_minutes);
        return c;
    case 6:
        snprintf(c, n, "%.0f %%", it->pass_mark);
        return c;
    case 7:
        snprintf(c, n, "%d of %d", it->attempts_used, it->max_attempts);
        return c;
    case 8:
        snprintf(c, n, "%d", it->attempts_left);
        return c;
    default:
        if (it->best_score < 0)
            return "-";
        snprintf(c, n, "%.0f %%", it->best_score);
        return c;
    }
}

/* Status comes second: when the terminal is narrow the columns on the right go first, and the
 * lines under the table repeat every figure of the selected assessment. */
static const struct table_column columns[] = {
    {"Assessment", 12, 0, 3, TABLE_ALIGN_LEFT},
    {"Status", 16, 0, 0, TABLE_ALIGN_LEFT},
    {"Skill", 8, 0, 2, TABLE_ALIGN_LEFT},
    {"Difficulty", 8, 0, 1, TABLE_ALIGN_LEFT},
    {"Qs", 4, 0, 0, TABLE_ALIGN_RIGHT},
    {"Time", 7, 0, 0, TABLE_ALIGN_RIGHT},
    {"Pass", 6, 0, 0, TABLE_ALIGN_RIGHT},
    {"Used", 6, 0, 0, TABLE_ALIGN_RIGHT},
    {"Left", 6, 0, 0, TABLE_ALIGN_RIGHT},
    {"Best", 6, 0, 0, TABLE_ALIGN_RIGHT},
};

/* Enter on the list: what the assessment's state calls for. */
static void open_item(struct assess_screen *s)
{
    const struct assessment_info *it = selected_item(s);
    if (!it)
        return;
    free(s->item_id);
    s->item_id = xstrdup(it->id);
    free(s->attempt_error);
    s->attempt_error = NULL;
    s->scroll = 0;
    const struct assessment_past *pending = assessment_info_pending(it);
    if (it->open_attempt_id) {
        open_attempt(s, it->open_attempt_id);
    } else if (it->status == ASSESSMENT_STATUS_AVAILABLE) {
        s->view = VIEW_RULES;
    } else if (pending) {
        fetch_result(s, pending->attempt_id, VIEW_LIST);
    } else if (it->attempt_count) {
        list_init(&s->history);
        list_set_count(&s->history, it->attempt_count);
        list_end(&s->history);
        s->view = VIEW_HISTORY;
    } else {
        s->view = VIEW_RULES; /* closed or not open yet: the rules say so, the server decides */
    }
    invalidate(s);
}

static void start(struct assess_screen *s)
{
    if (s->start_call || !s->item_id)
        return;
    if (!db_ready(s)) {
        report(s, true, "The database is not reachable; the assessment cannot start now.");
        return;
    }
    free(s->attempt_error);
    s->attempt_error = NULL;
    s->start_call = store_assessment_start(s->ctx->store, s->item_id, on_started, s);
    invalidate(s);
}

/* --- pages: wrapped lines drawn from a scroll position ------------------------------------------ */

struct line {
    char *text;
    enum theme_role role;
    unsigned attrs;
};

struct page {
    struct line *lines;
    size_t count, cap;
    int width;
};

static void page_push(struct page *p, const char *text, size_t len, enum theme_role role,
                      unsigned attrs)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->lines = xrealloc(p->lines, p->cap * sizeof *p->lines);
    }
    char *t = xmalloc(len + 1);
    memcpy(t, text, len);
    t[len] = '\0';
    p->lines[p->count++] = (struct line){t, role, attrs};
}

/* Adds text wrapped at spaces to the page width; continuation lines are indented like the
 * text after prefix. text must be sanitised. */
static void page_add(struct page *p, enum theme_role role, unsigned attrs, const char *prefix,
                     const char *text)
{
    size_t indent = utf8_width(prefix, strlen(prefix));
    size_t width = p->width > (int)indent + 8 ? (size_t)p->width - indent : 8;
    struct buf b;
    buf_init(&b, 1u << 20);
    const char *t = text ? text : "";
    bool is_first = true;
    do {
        /* One paragraph at a time: a newline always breaks. */
        const char *nl = strchr(t, '\n');
        size_t plen = nl ? (size_t)(nl - t) : strlen(t);
        const char *end = t + plen;
        do {
            size_t next;
            size_t take = utf8_wrap_row(t, (size_t)(end - t), width, &next);
            buf_reset(&b);
            if (is_first)
                buf_append_str(&b, prefix);
            else
                for (size_t k = 0; k < indent; k++)
                    buf_append_char(&b, ' ');
            buf_append(&b, t, take);
            page_push(p, b.data, b.len, role, attrs);
            is_first = false;
            t += next;
        } while (t < end);
        t = nl ? nl + 1 : end;
    } while (*t);
    buf_cleanup(&b);
}

static void page_blank(struct page *p)
{
    page_push(p, "", 0, THEME_DEFAULT, 0);
}

static void page_addf(struct page *p, enum theme_role role, const char *prefix, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static void page_addf(struct page *p, enum theme_role role, const char *prefix, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    text = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    page_add(p, role, 0, prefix, text);
    free(text);
}

static void page_free(struct page *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->lines[i].text);
    free(p->lines);
}

/* Draws the page's lines from s->scroll (clamped) into rect, with a mark when more follows. */
static void page_draw(struct assess_screen *s, struct page *p, struct render *r,
                      const struct layout_rect *rect)
{
    int max_top = (int)p->count - rect->h;
    if (max_top < 0)
        max_top = 0;
    if (s->scroll > max_top)
        s->scroll = max_top;
    if (s->scroll < 0)
        s->scroll = 0;
    s->page_lines = (int)p->count;
    for (int row = 0; row < rect->h && (size_t)(s->scroll + row) < p->count; row++) {
        const struct line *l = &p->lines[s->scroll + row];
        render_text_attr(r, rect->y + row, rect->x, rect->w, l->text, l->role, l->attrs);
    }
    if (s->scroll < max_top)
        render_text(r, rect->y + rect->h - 1, rect->x + rect->w - 10, 10,
                    render_is_unicode(r) ? "  more \xE2\x86\x93" : "  more v", THEME_NOTE);
}

/* --- drawing ---------------------------------------------------------------------------------- */

static const char *policy_text(const char *policy)
{
    if (policy && strcmp(policy, "never") == 0)
        return "The correct answers are never shown.";
    if (policy && strcmp(policy, "after_submit") == 0)
        return "The correct answers and explanations are shown after each attempt.";
    return "The correct answers are shown once you pass or have used every attempt.";
}

static void draw_list(struct assess_screen *s, struct render *r, const struct layout_rect *body)
{
    int x = body->x + 1, w = body->w - 2;
    render_text(r, body->y, x, w, "Assessments", THEME_HEADING);
    if (!s->list) {
        if (s->list_error) {
            render_text(r, body->y + 2, x, w, "The assessments could not be loaded:", THEME_ERROR);
            render_text(r, body->y + 3, x, w, s->list_error, THEME_ERROR);
            render_text(r, body->y + 5, x, w, "Press r to try again.", THEME_NOTE);
        } else {
            render_text(r, body->y + 2, x, w, "Loading the assessments\xE2\x80\xA6", THEME_NOTE);
        }
        return;
    }
    int detail_h = body->h >= 14 ? 6 : 0;
    struct layout_rect t = {body->y + 2, x, body->h - 2 - detail_h, w};
    if (t.h < 2)
        t.h = 2;
    table_draw(s->table, r, &t, true);
    if (s->list_error)
        render_text(r, body->y + 1, x, w, s->list_error, THEME_ERROR);
    const struct assessment_info *it = selected_item(s);
    if (!detail_h || !it)
        return;
    struct page p = {.width = w};
    char best[32] = "none yet";
    if (it->best_score >= 0)
        snprintf(best, sizeof best, "%.0f %%", it->best_score);
    char limit[32] = "no time limit";
    if (it->time_limit_minutes)
        snprintf(limit, sizeof limit, "%d min", it->time_limit_minutes);
    page_addf(&p, THEME_DEFAULT, "",
              "%s \xC2\xB7 %s%s \xC2\xB7 %d questions \xC2\xB7 %s \xC2\xB7 pass mark %.0f %%",
              assessment_status_label(it->status), it->skill_name ? "skill " : "no skill",
              it->skill_name ? it->skill_name : "", it->question_count, limit, it->pass_mark);
    page_addf(&p, THEME_DEFAULT, "", "Attempts: %d used, %d left \xC2\xB7 best score: %s",
              it->attempts_used, it->attempts_left, best);
    if (it->description && it->description[0])
        page_add(&p, THEME_NOTE, 0, "", it->description);
    const char *what;
    switch (it->status) {
    case ASSESSMENT_STATUS_IN_PROGRESS:
        what = "Enter resumes your attempt: the clock is running.";
        break;
    case ASSESSMENT_STATUS_AVAILABLE:
        what = "Enter shows the rules before you start.";
        break;
    case ASSESSMENT_STATUS_RESULT_PENDING:
        what = "Enter shows the result of your last attempt.";
        break;
    default:
        what = it->attempt_count ? "Enter shows your past attempts." : "Not open now.";
        break;
    }
    page_add(&p, THEME_NOTE, 0, "", what);
    int y0 = body->y + body->h - detail_h + 1;
    for (size_t i = 0; i < p.count && (int)i < detail_h - 1; i++)
        render_text(r, y0 + (int)i, x, w, p.lines[i].text, p.lines[i].role);
    page_free(&p);
}

static void draw_rules(struct assess_screen *s, struct render *r, const struct layout_rect *body)
{
    const struct assessment_info *it = item_by_id(s, s->item_id);
    struct page p = {.width = body->w - 4};
    if (!it) {
        page_add(&p, THEME_NOTE, 0, "", "Loading\xE2\x80\xA6");
    } else {
        page_add(&p, THEME_HEADING, 0, "", it->title);
        page_blank(&p);
        if (it->description && it->description[0]) {
            page_add(&p, THEME_DEFAULT, 0, "", it->description);
            page_blank(&p);
        }
        page_add(&p, THEME_TITLE, 0, "", "Before you start");
        page_addf(&p, THEME_DEFAULT, "  ", "Questions: %d, shown %s.", it->question_count,
                  it->is_one_per_page ? "one per page" : "all on one page");
        if (it->time_limit_minutes)
            page_addf(&p, THEME_DEFAULT, "  ",
                      "Time limit: %d minute%s, from the moment you start. The clock keeps "
                      "running if you leave this tab or close CCA.",
                      it->time_limit_minutes, it->time_limit_minutes == 1 ? "" : "s");
        else
            page_add(&p, THEME_DEFAULT, 0, "  ", "No time limit.");
        page_addf(&p, THEME_DEFAULT, "  ", "Pass mark: %.0f %%.", it->pass_mark);
        page_addf(&p, THEME_DEFAULT, "  ",
                  "Attempts: this is attempt %d of %d (%d left after this one).",
                  it->attempts_used + 1, it->max_attempts,
                  it->attempts_left > 0 ? it->attempts_left - 1 : 0);
        if (it->time_limit_minutes)
            page_add(&p, THEME_DEFAULT, 0, "  ",
                     "At the end of the time the attempt is submitted with the answers saved "
                     "by then; answers after the deadline are refused by the server.");
        page_add(&p, THEME_DEFAULT, 0, "  ",
                 "Every answer is saved on the server as you choose it: if the terminal closes, "
                 "reopen CCA and the attempt resumes with the same deadline.");
        page_add(&p, THEME_DEFAULT, 0, "  ", policy_text(it->review_policy));
        page_blank(&p);
        if (s->start_call)
            page_add(&p, THEME_NOTE, 0, "", "Starting\xE2\x80\xA6");
        else
            page_add(&p, THEME_TITLE, 0, "",
                     "Start now? Enter or y starts the clock; Esc goes back.");
    }
    if (s->attempt_error) {
        page_blank(&p);
        page_add(&p, THEME_ERROR, 0, "Not started: ", s->attempt_error);
    }
    struct layout_rect rect = {body->y + 1, body->x + 2, body->h - 1, body->w - 4};
    page_draw(s, &p, r, &rect);
    page_free(&p);
}

static const char *save_text(const struct assess_screen *s, const struct assessment_question *q,
                             enum theme_role *role)
{
    *role = THEME_NOTE;
    switch (assessment_question_view(q, s->ctx->is_db_up)) {
    case ASSESSMENT_VIEW_SAVED:
        return "saved";
    case ASSESSMENT_VIEW_SAVING:
        return "saving\xE2\x80\xA6";
    case ASSESSMENT_VIEW_DB_DOWN:
        *role = THEME_ERROR;
        return "not saved: the database is unreachable";
    case ASSESSMENT_VIEW_LATE:
        *role = THEME_ERROR;
        return "not saved: time is up";
    case ASSESSMENT_VIEW_REFUSED:
        *role = THEME_ERROR;
        return q->error ? q->error : "not saved";
    default:
        return "not answered";
    }
}

/* One question into the page; returns the line it starts on. */
static size_t add_question(struct assess_screen *s, struct page *p, size_t i, bool is_unicode)
{
    const struct assessment_question *q = &s->att->questions[i];
    size_t start = p->count;
    bool is_current = i == s->current;
    enum theme_role role;
    const char *st = save_text(s, q, &role);
    char head[256];
    snprintf(head, sizeof head, "%sQuestion %zu of %zu \xC2\xB7 ", is_current && !s->att->is_one_per_page
             ? (is_unicode ? "\xE2\x96\xB6 " : "> ") : "", i + 1, s->att->question_count);
    struct buf b;
    buf_init(&b, 4096);
    buf_append_str(&b, head);
    buf_append_str(&b, st);
    if (q->is_flagged)
        buf_append_str(&b, " \xC2\xB7 flagged for review");
    page_add(p, role == THEME_ERROR ? THEME_ERROR : THEME_TITLE, 0, "", buf_str(&b));
    buf_cleanup(&b);
    page_add(p, THEME_DEFAULT, THEME_ATTR_BOLD, "  ", q->text);
    for (size_t k = 0; k < q->option_count; k++) {
        bool is_chosen = (int)k == q->answer;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "   %s %zu %c) ",
                 is_chosen ? (is_unicode ? "(\xE2\x97\x8F)" : "(*)") : "( )", k + 1,
                 (char)('a' + (k < 26 ? k : 25)));
        page_add(p, is_chosen ? THEME_SELECTION : THEME_DEFAULT, 0, prefix, q->options[k]);
    }
    return start;
}

static void draw_attempt_header(struct assess_screen *s, struct render *r,
                                const struct layout_rect *body)
{
    const struct assessment_attempt *a = s->att;
    int x = body->x + 1, w = body->w - 2;
    char right[80] = "";
    enum theme_role right_role = THEME_TITLE;
    if (a->has_deadline) {
        struct countdown c;
        countdown_format(assessment_attempt_ms_left(a, clock_ms()), &c);
        snprintf(s->last_countdown, sizeof s->last_countdown, "%s", c.text);
        /* The last minute says so in words too (NO_COLOR, screen readers). */
        snprintf(right, sizeof right,
                 c.is_expired ? "Time is up" : (c.is_warning ? "Last minute \xC2\xB7 Time left %s"
                                                             : "Time left %s"),
                 c.text);
        if (c.is_warning)
            right_role = THEME_ERROR;
    } else {
        snprintf(right, sizeof right, "No time limit");
    }
    int rw = (int)utf8_width(right, strlen(right));
    char title[512];
    snprintf(title, sizeof title, "%s \xC2\xB7 attempt %d of %d", a->title, a->attempt_no,
             a->max_attempts);
    render_text(r, body->y, x, w - rw - 2, title, THEME_HEADING);
    render_text_attr(r, body->y, x + w - rw, rw, right, right_role,
                     right_role == THEME_ERROR ? THEME_ATTR_REVERSE | THEME_ATTR_BOLD : 0);
    struct assessment_summary sum;
    assessment_attempt_summarize(a, &sum);
    char line[256];
    snprintf(line, sizeof line, "Answered %zu of %zu \xC2\xB7 flagged %zu%s", sum.answered,
             a->question_count, sum.flagged,
             sum.unsaved ? (s->ctx->is_db_up ? " \xC2\xB7 saving\xE2\x80\xA6"
                                             : " \xC2\xB7 not saved: the database is unreachable")
                         : "");
    render_text(r, body->y + 1, x, w, line, sum.unsaved && !s->ctx->is_db_up ? THEME_ERROR
                                                                              : THEME_NOTE);
    const char *banner = NULL;
    switch (a->phase) {
    case ASSESSMENT_PHASE_TIME_UP:
        banner = "Time is up. The server closes the attempt with the answers saved by then; "
                 "the result follows.";
        break;
    case ASSESSMENT_PHASE_SUBMITTING:
        banner = "Submitting\xE2\x80\xA6";
        break;
    case ASSESSMENT_PHASE_CLOSED:
        banner = "The attempt is closed. Waiting for the result\xE2\x80\xA6";
        break;
    default:
        break;
    }
    if (banner)
        render_text_attr(r, body->y + 2, x, w, banner, THEME_ERROR, THEME_ATTR_BOLD);
}

static void draw_questions(struct assess_screen *s, struct render *r,
                           const struct layout_rect *body)
{
    bool is_unicode = render_is_unicode(r);
    draw_attempt_header(s, r, body);
    struct page p = {.width = body->w - 4};
    size_t anchor = 0, anchor_end = 0;
    if (s->att->is_one_per_page) {
        if (s->current < s->att->question_count)
            add_question(s, &p, s->current, is_unicode);
    } else {
        for (size_t i = 0; i < s->att->question_count; i++) {
            size_t at = add_question(s, &p, i, is_unicode);
            if (i == s->current)
                anchor = at;
            if (i == s->current + 1)
                anchor_end = at;
            page_blank(&p);
        }
        if (!anchor_end)
            anchor_end = p.count;
    }
    if (s->att->question_count == 0)
        page_add(&p, THEME_NOTE, 0, "", "This assessment has no questions.");
    struct layout_rect rect = {body->y + 4, body->x + 2, body->h - 4, body->w - 4};
    /* On one page the current question is kept in view. */
    if (!s->att->is_one_per_page) {
        if ((int)anchor < s->scroll || (int)anchor_end > s->scroll + rect.h)
            s->scroll = (int)anchor;
    }
    page_draw(s, &p, r, &rect);
    page_free(&p);
}

static void draw_summary(struct assess_screen *s, struct render *r, const struct layout_rect *body)
{
    draw_attempt_header(s, r, body);
    const struct assessment_attempt *a = s->att;
    int x = body->x + 2, w = body->w - 4;
    int y = body->y + 4;
    struct assessment_summary sum;
    assessment_attempt_summarize(a, &sum);
    char *unanswered = assessment_attempt_numbers(a, ASSESSMENT_PICK_UNANSWERED);
    char *flagged = assessment_attempt_numbers(a, ASSESSMENT_PICK_FLAGGED);
    char line[600];
    render_text(r, y++, x, w, "Summary before submitting", THEME_HEADING);
    snprintf(line, sizeof line, "Unanswered (%zu): %s", sum.unanswered, unanswered);
    render_text(r, y++, x, w, line, sum.unanswered ? THEME_ERROR : THEME_DEFAULT);
    snprintf(line, sizeof line, "Flagged for review (%zu): %s", sum.flagged, flagged);
    render_text(r, y++, x, w, line, THEME_DEFAULT);
    if (sum.unsaved) {
        char *unsaved = assessment_attempt_numbers(a, ASSESSMENT_PICK_UNSAVED);
        snprintf(line, sizeof line, "Not saved yet (%zu): %s (sent with the submission)",
                 sum.unsaved, unsaved);
        render_text(r, y++, x, w, line, THEME_ERROR);
        free(unsaved);
    }
    free(unanswered);
    free(flagged);
    y++;
    struct layout_rect lr = {y, x, body->y + body->h - y, w};
    if (lr.h < 1)
        return;
    list_set_height(&s->summary, lr.h);
    bool is_unicode = render_is_unicode(r);
    for (size_t i = s->summary.top; i < s->summary.count && (int)(i - s->summary.top) < lr.h;
         i++) {
        int row = lr.y + (int)(i - s->summary.top);
        bool is_sel = i == s->summary.selected;
        if (i == a->question_count) {
            render_text(r, row, lr.x, lr.w, "  Submit my answers (S)",
                        is_sel ? THEME_SELECTION : THEME_TITLE);
            continue;
        }
        const struct assessment_question *q = &a->questions[i];
        char opt[16] = "-";
        if (q->answer >= 0)
            snprintf(opt, sizeof opt, "%d", q->answer + 1);
        enum theme_role role;
        const char *st = save_text(s, q, &role);
        snprintf(line, sizeof line, "  %3zu  %-10s %-3s %s  ", i + 1,
                 q->answer >= 0 ? "answered" : "unanswered",
                 q->is_flagged ? (is_unicode ? "\xE2\x9A\x91" : "F") : "", opt);
        struct buf b;
        buf_init(&b, 4096);
        buf_append_str(&b, line);
        buf_append_str(&b, st);
        buf_append_str(&b, "  ");
        buf_append_str(&b, q->text);
        char *one = utf8_sanitize_line(b.data, b.len, NULL);
        render_text(r, row, lr.x, lr.w, one,
                    is_sel ? THEME_SELECTION : (q->answer < 0 ? THEME_ERROR : THEME_DEFAULT));
        free(one);
        buf_cleanup(&b);
    }
}

static void add_review(struct page *p, const struct assessment_result *res, bool is_unicode)
{
    for (size_t i = 0; i < res->review_count; i++) {
        const struct assessment_review_item *it = &res->review[i];
        char head[64];
        snprintf(head, sizeof head, "%zu. ", i + 1);
        page_add(p, THEME_TITLE, 0, head, it->question);
        for (size_t k = 0; k < it->option_count; k++) {
            bool is_theirs = (int)k == it->answer, is_right = (int)k == it->correct_answer;
            const char *mark = is_right ? (is_unicode ? "\xE2\x9C\x93" : "+")
                                        : (is_theirs ? (is_unicode ? "\xE2\x9C\x97" : "x") : " ");
            char prefix[64];
            snprintf(prefix, sizeof prefix, "   %s %c) ", mark, (char)('a' + (k < 26 ? k : 25)));
            struct buf b;
            buf_init(&b, 1u << 20);
            buf_append_str(&b, it->options[k]);
            if (is_theirs && is_right)
                buf_append_str(&b, "  (your answer, correct)");
            else if (is_theirs)
                buf_append_str(&b, "  (your answer)");
            else if (is_right)
                buf_append_str(&b, "  (correct answer)");
            page_add(p, is_right ? THEME_TITLE : (is_theirs ? THEME_ERROR : THEME_DEFAULT), 0,
                     prefix, buf_str(&b));
            buf_cleanup(&b);
        }
        if (it->answer < 0)
            page_add(p, THEME_ERROR, 0, "   ", "Not answered.");
        if (it->explanation && it->explanation[0])
            page_add(p, THEME_NOTE, 0, "   Why: ", it->explanation);
        page_blank(p);
    }
}

static void draw_result(struct assess_screen *s, struct render *r, const struct layout_rect *body)
{
    struct page p = {.width = body->w - 4};
    const struct assessment_result *res = s->result;
    bool is_unicode = render_is_unicode(r);
    if (!res) {
        if (s->result_error) {
            page_add(&p, THEME_ERROR, 0, "The result could not be loaded: ", s->result_error);
            page_add(&p, THEME_NOTE, 0, "", "Press r to ask again, Esc for the list.");
        } else {
            page_add(&p, THEME_NOTE, 0, "", "Loading the result\xE2\x80\xA6");
        }
    } else {
        char line[512];
        snprintf(line, sizeof line, "Result \xC2\xB7 %s \xC2\xB7 attempt %d", res->title,
                 res->attempt_no);
        page_add(&p, THEME_HEADING, 0, "", line);
        page_blank(&p);
        if (res->closed_by && strcmp(res->closed_by, "timeout") == 0)
            page_add(&p, THEME_ERROR, THEME_ATTR_BOLD, "",
                     "Time is up: the attempt was submitted at its deadline with the answers "
                     "saved until then.");
        if (s->lost)
            page_addf(&p, THEME_ERROR, "",
                      "Not saved before the attempt closed: question %s (the database was "
                      "unreachable).",
                      s->lost);
        if (!res->is_ready) {
            page_add(&p, THEME_NOTE, 0, "", "The result is not final yet: ");
            page_add(&p, THEME_NOTE, 0, "  ", res->reason ? res->reason : "");
            page_add(&p, THEME_NOTE, 0, "",
                     s->result_poll_at ? "Asking again\xE2\x80\xA6" : "Press r to ask again.");
        } else {
            snprintf(line, sizeof line, "Score %.0f %% \xC2\xB7 %s (pass mark %.0f %%)", res->score,
                     res->is_passed ? "passed" : "not passed", res->pass_mark);
            page_add(&p, res->is_passed ? THEME_TITLE : THEME_ERROR, THEME_ATTR_BOLD, "", line);
            char used[32];
            assessment_format_seconds(res->time_used_seconds, used, sizeof used);
            snprintf(line, sizeof line,
                     "%d of %d correct \xC2\xB7 time used %s \xC2\xB7 attempts used %d, left %d",
                     res->correct_count, res->question_count, used, res->attempts_used,
                     res->attempts_left);
            page_add(&p, THEME_DEFAULT, 0, "", line);
            if (res->best_score >= 0) {
                snprintf(line, sizeof line, "Your best score: %.0f %%", res->best_score);
                page_add(&p, THEME_DEFAULT, 0, "", line);
            }
            if (res->is_passed)
                page_add(&p, THEME_NOTE, 0, "",
                         "Your progress is updated: the Progress tab shows it.");
            page_blank(&p);
            if (res->is_review_available && res->review_count) {
                page_add(&p, THEME_HEADING, 0, "", "Review");
                add_review(&p, res, is_unicode);
            } else {
                page_add(&p, THEME_NOTE, 0, "No review: ",
                         res->review_note ? res->review_note : "none is available.");
            }
        }
        if (s->result_error)
            page_add(&p, THEME_ERROR, 0, "", s->result_error);
    }
    struct layout_rect rect = {body->y + 1, body->x + 2, body->h - 1, body->w - 4};
    page_draw(s, &p, r, &rect);
    page_free(&p);
}

static void draw_history(struct assess_screen *s, struct render *r, const struct layout_rect *body)
{
    const struct assessment_info *it = item_by_id(s, s->item_id);
    int x = body->x + 2, w = body->w - 4;
    if (!it) {
        render_text(r, body->y + 1, x, w, "Loading\xE2\x80\xA6", THEME_NOTE);
        return;
    }
    char line[512];
    snprintf(line, sizeof line, "Past attempts \xC2\xB7 %s", it->title);
    render_text(r, body->y + 1, x, w, line, THEME_HEADING);
    render_text(r, body->y + 2, x, w, policy_text(it->review_policy), THEME_NOTE);
    list_set_count(&s->history, it->attempt_count);
    struct layout_rect lr = {body->y + 4, x, body->h - 4, w};
    if (lr.h < 1)
        return;
    list_set_height(&s->history, lr.h);
    for (size_t i = s->history.top; i < it->attempt_count && (int)(i - s->history.top) < lr.h;
         i++) {
        const struct assessment_past *p = &it->attempts[i];
        char score[48] = "result pending";
        if (p->is_result_ready && p->score >= 0)
            snprintf(score, sizeof score, "%.0f %% %s", p->score,
                     p->passed == 1 ? "passed" : "not passed");
        else if (strcmp(p->status, "open") == 0)
            snprintf(score, sizeof score, "in progress");
        /* Status in words; no dates (the server's, in its time zone, say little here). */
        const char *how = strcmp(p->status, "expired") == 0 ? "closed at the deadline"
                          : strcmp(p->status, "open") == 0  ? "open"
                                                             : "submitted";
        snprintf(line, sizeof line, "  Attempt %-3d %-24s %s", p->attempt_no, how, score);
        render_text(r, lr.y + (int)(i - s->history.top), lr.x, lr.w, line,
                    i == s->history.selected ? THEME_SELECTION : THEME_DEFAULT);
    }
}

static void assess_draw(void *self, struct render *r, const struct layout_rect *body,
                        unsigned dirty)
{
    (void)dirty;
    struct assess_screen *s = self;
    render_fill(r, body, THEME_DEFAULT);
    if (s->body_w && (s->body_w != body->w || s->body_h != body->h))
        refresh_state(s); /* resized: the countdown is re-read from the server */
    s->body_w = body->w;
    s->body_h = body->h;
    if ((s->view == VIEW_QUESTIONS || s->view == VIEW_SUMMARY) && !s->att)
        s->view = VIEW_LIST;
    if ((s->view == VIEW_QUESTIONS || s->view == VIEW_SUMMARY) && s->att) {
        if (s->view == VIEW_SUMMARY)
            draw_summary(s, r, body);
        else
            draw_questions(s, r, body);
        return;
    }
    switch (s->view) {
    case VIEW_RULES:
        draw_rules(s, r, body);
        break;
    case VIEW_RESULT:
        draw_result(s, r, body);
        break;
    case VIEW_HISTORY:
        draw_history(s, r, body);
        break;
    default:
        draw_list(s, r, body);
        if (s->attempt_error && !s->att)
            render_text(r, body->y + body->h - 1, body->x + 1, body->w - 2, s->attempt_error,
                        THEME_ERROR);
        break;
    }
}

static bool assess_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct assess_screen *s = self;
    if (!s->is_confirming_submit || !s->att)
        return false;
    struct assessment_summary sum;
    assessment_attempt_summarize(s->att, &sum);
    char text[300];
    if (sum.unanswered)
        snprintf(text, sizeof text,
                 "Submit your answers now? %zu question%s unanswered. You cannot change them "
                 "afterwards.",
                 sum.unanswered, sum.unanswered == 1 ? " is" : "s are");
    else
        snprintf(text, sizeof text,
                 "Submit your answers now? You cannot change them afterwards.");
    render_confirm(r, rows, cols, "Submit", text, "y submit \xC2\xB7 n or Esc back");
    return true;
}

/* --- keys ------------------------------------------------------------------------------------ */

static void go_question(struct assess_screen *s, long delta)
{
    if (!s->att || !s->att->question_count)
        return;
    long n = (long)s->att->question_count;
    long next = (long)s->current + delta;
    if (next >= n) {
        /* Past the last question: the summary. */
        s->view = VIEW_SUMMARY;
        list_select(&s->summary, s->att->question_count);
        return;
    }
    if (next < 0)
        next = 0;
    s->current = (size_t)next;
    if (s->att->is_one_per_page)
        s->scroll = 0;
}

static void choose(struct assess_screen *s, int choice)
{
    enum err e = assessment_attempt_choose(s->att, s->current, choice);
    if (e == ERR_TIME_UP)
        report(s, true, "Time is up: answers are no longer accepted.");
    else if (e == ERR_CLOSED)
        report(s, true, "The attempt is closed.");
    else if (e == ERR_INVALID)
        report(s, true, "That question has no such option.");
    pump_saves(s);
}

/* The option a key chooses: 1-9, a-e (f, n, p, s are commands), A-Z; -2 for none. */
static int key_option(const struct input_event *ev)
{
    if (ev->kind != INPUT_CHAR || ev->is_alt)
        return -2;
    uint32_t c = ev->cp;
    if (c >= '1' && c <= '9')
        return (int)(c - '1');
    if (c >= 'a' && c <= 'e')
        return (int)(c - 'a');
    if (c >= 'A' && c <= 'Z' && c != 'S')
        return (int)(c - 'A');
    if (c == '0' || c == 'x')
        return -1;
    return -2;
}

static bool is_char(const struct input_event *ev, uint32_t c)
{
    return ev->kind == INPUT_CHAR && !ev->is_alt && ev->cp == c;
}

static bool is_key(const struct input_event *ev, enum input_key k)
{
    return ev->kind == INPUT_KEY && ev->key == k;
}

static bool questions_key(struct assess_screen *s, enum action a, const struct input_event *ev)
{
    if (a == ACTION_SEARCH_NEXT || is_char(ev, 'n') || a == ACTION_DOWN || a == ACTION_OPEN ||
        is_key(ev, INPUT_KEY_RIGHT)) {
        go_question(s, 1);
        return true;
    }
    if (is_char(ev, 'p') || a == ACTION_UP || is_key(ev, INPUT_KEY_LEFT)) {
        go_question(s, -1);
        return true;
    }
    if (is_char(ev, 'f')) {
        enum err e = assessment_attempt_toggle_flag(s->att, s->current);
        if (e == ERR_TIME_UP)
            report(s, true, "Time is up: flags are no longer saved.");
        pump_saves(s);
        return true;
    }
    if (is_char(ev, 's')) {
        s->view = VIEW_SUMMARY;
        list_select(&s->summary, s->current);
        return true;
    }
    if (a == ACTION_REFRESH) {
        refresh_state(s);
        return true;
    }
    if (a == ACTION_PAGE_DOWN || a == ACTION_SCROLL_DOWN) {
        s->scroll += a == ACTION_PAGE_DOWN ? (s->body_h > 8 ? s->body_h - 6 : 1) : 1;
        return true;
    }
    if (a == ACTION_PAGE_UP || a == ACTION_SCROLL_UP) {
        s->scroll -= a == ACTION_PAGE_UP ? (s->body_h > 8 ? s->body_h - 6 : 1) : 1;
        return true;
    }
    if (a == ACTION_SCROLL_TOP) {
        s->current = 0;
        s->scroll = 0;
        return true;
    }
    if (a == ACTION_SCROLL_BOTTOM) {
        if (s->att->question_count)
            s->current = s->att->question_count - 1;
        return true;
    }
    if (a == ACTION_CANCEL) {
        report(s, false, "The attempt is running: s for the summary and submit; another tab or "
                         "Ctrl-Q leaves it (the clock keeps running).");
        return true;
    }
    if (a == ACTION_NONE) {
        int opt = key_option(ev);
        if (opt != -2) {
            choose(s, opt);
            return true;
        }
        if (is_key(ev, INPUT_KEY_DELETE) || is_key(ev, INPUT_KEY_BACKSPACE) ||
            is_char(ev, 127)) {
            choose(s, -1);
            return true;
        }
    }
    return false;
}

static bool summary_key(struct assess_screen *s, enum action a, const struct input_event *ev)
{
    struct list *l = &s->summary;
    if (a == ACTION_UP || is_char(ev, 'p') || a == ACTION_DOWN || a == ACTION_SEARCH_NEXT ||
        is_char(ev, 'n') || a == ACTION_PAGE_UP || a == ACTION_PAGE_DOWN ||
        a == ACTION_SCROLL_TOP || a == ACTION_SCROLL_BOTTOM) {
        if (a == ACTION_UP || is_char(ev, 'p'))
            list_up(l);
        else if (a == ACTION_PAGE_UP)
            list_page_up(l);
        else if (a == ACTION_PAGE_DOWN)
            list_page_down(l);
        else if (a == ACTION_SCROLL_TOP)
            list_home(l);
        else if (a == ACTION_SCROLL_BOTTOM)
            list_end(l);
        else
            list_down(l);
        return true;
    }
    bool is_submit = is_char(ev, 'S') ||
                     (a == ACTION_OPEN && s->summary.selected == s->att->question_count);
    if (is_submit) {
        if (s->att->phase == ASSESSMENT_PHASE_OPEN)
            s->is_confirming_submit = true;
        else if (s->att->phase == ASSESSMENT_PHASE_TIME_UP)
            report(s, true, "Time is up: the server submits the attempt with your saved answers.");
        return true;
    }
    if (a == ACTION_OPEN) {
        s->current = s->summary.selected;
        s->view = VIEW_QUESTIONS;
        s->scroll = 0;
        return true;
    }
    if (a == ACTION_CANCEL || is_char(ev, 's')) {
        s->view = VIEW_QUESTIONS;
        return true;
    }
    if (a == ACTION_REFRESH) {
        refresh_state(s);
        return true;
    }
    return false;
}

static void back_to_list(struct assess_screen *s)
{
    s->view = VIEW_LIST;
    s->scroll = 0;
    free(s->attempt_error);
    s->attempt_error = NULL;
    load_list(s);
}

static bool assess_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct assess_screen *s = self;
    bool handled = false;
    if (s->is_confirming_submit) {
        if (is_char(ev, 'y') || is_char(ev, 'Y'))
            submit(s);
        else if (a == ACTION_CANCEL || is_char(ev, 'n') || is_char(ev, 'N'))
            s->is_confirming_submit = false;
        s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_ALL);
        return true;
    }
    if ((s->view == VIEW_QUESTIONS || s->view == VIEW_SUMMARY) && !s->att)
        s->view = VIEW_LIST;
    switch (s->view) {
    case VIEW_QUESTIONS:
        handled = questions_key(s, a, ev);
        break;
    case VIEW_SUMMARY:
        handled = summary_key(s, a, ev);
        break;
    case VIEW_RULES:
        if (a == ACTION_OPEN || is_char(ev, 'y')) {
            start(s);
            handled = true;
        } else if (a == ACTION_CANCEL || is_char(ev, 'q')) {
            back_to_list(s);
            handled = true;
        } else if (a == ACTION_DOWN || a == ACTION_SCROLL_DOWN || a == ACTION_PAGE_DOWN) {
            s->scroll += a == ACTION_PAGE_DOWN ? 10 : 1;
            handled = true;
        } else if (a == ACTION_UP || a == ACTION_SCROLL_UP || a == ACTION_PAGE_UP) {
            s->scroll -= a == ACTION_PAGE_UP ? 10 : 1;
            handled = true;
        }
        break;
    case VIEW_RESULT:
        if (a == ACTION_CANCEL || a == ACTION_OPEN || is_char(ev, 'q')) {
            if (s->result_back == VIEW_HISTORY && item_by_id(s, s->item_id)) {
                s->view = VIEW_HISTORY;
                invalidate(s);
            } else {
                back_to_list(s);
            }
            handled = true;
        } else if (a == ACTION_REFRESH && s->result_attempt_id) {
            char *id = xstrdup(s->result_attempt_id);
            s->result_polls = 0;
            fetch_result(s, id, s->result_back);
            free(id);
            handled = true;
        } else if (a == ACTION_DOWN || a == ACTION_SCROLL_DOWN) {
            s->scroll++;
            handled = true;
        } else if (a == ACTION_UP || a == ACTION_SCROLL_UP) {
            s->scroll--;
            handled = true;
        } else if (a == ACTION_PAGE_DOWN || a == ACTION_PAGE_UP) {
            int page = s->body_h > 4 ? s->body_h - 3 : 1;
            s->scroll += a == ACTION_PAGE_DOWN ? page : -page;
            handled = true;
        } else if (a == ACTION_SCROLL_TOP) {
            s->scroll = 0;
            handled = true;
        } else if (a == ACTION_SCROLL_BOTTOM) {
            s->scroll = s->page_lines;
            handled = true;
        }
        break;
    case VIEW_HISTORY: {
        const struct assessment_info *it = item_by_id(s, s->item_id);
        if (a == ACTION_UP) {
            list_up(&s->history);
            handled = true;
        } else if (a == ACTION_DOWN) {
            list_down(&s->history);
            handled = true;
        } else if (a == ACTION_OPEN && it && s->history.selected < it->attempt_count) {
            const struct assessment_past *p = &it->attempts[s->history.selected];
            if (strcmp(p->status, "open") == 0) {
                open_attempt(s, p->attempt_id);
            } else {
                char *id = xstrdup(p->attempt_id);
                fetch_result(s, id, VIEW_HISTORY);
                free(id);
                s->view = VIEW_RESULT;
            }
            handled = true;
        } else if (a == ACTION_CANCEL || is_char(ev, 'q')) {
            back_to_list(s);
            handled = true;
        }
        break;
    }
    default:
        if (a == ACTION_OPEN) {
            open_item(s);
            handled = true;
        } else if (a == ACTION_REFRESH) {
            load_list(s);
            handled = true;
        } else if (is_char(ev, 'h')) {
            const struct assessment_info *it = selected_item(s);
            if (it && it->attempt_count) {
                free(s->item_id);
                s->item_id = xstrdup(it->id);
                list_init(&s->history);
                list_set_count(&s->history, it->attempt_count);
                list_end(&s->history);
                s->view = VIEW_HISTORY;
            } else if (it) {
                report(s, false, "No attempts yet.");
            }
            handled = true;
        } else if (s->list) {
            struct list *l = table_list(s->table);
            handled = true;
            switch (a) {
            case ACTION_UP:
                list_up(l);
                break;
            case ACTION_DOWN:
                list_down(l);
                break;
            case ACTION_PAGE_UP:
                list_page_up(l);
                break;
            case ACTION_PAGE_DOWN:
                list_page_down(l);
                break;
            case ACTION_SCROLL_TOP:
                list_home(l);
                break;
            case ACTION_SCROLL_BOTTOM:
                list_end(l);
                break;
            default:
                handled = false;
                break;
            }
        }
        break;
    }
    if (handled)
        invalidate(s);
    return handled;
}

/* --- hooks ----------------------------------------------------------------------------------- */

static void assess_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct assess_screen *s = self;
    if (s->att && s->att->phase != ASSESSMENT_PHASE_CLOSED) {
        /* Back to a running attempt: the clock is re-read from the server. */
        if (s->view != VIEW_SUMMARY)
            s->view = VIEW_QUESTIONS;
        refresh_state(s);
        pump_saves(s);
        return;
    }
    /* Opening the tab (or `cca tui assessments`) resumes an attempt left running, or shows
     * a result that came while no client was there. */
    if (s->view == VIEW_LIST || !s->list) {
        s->want_resume = true;
        load_list(s);
    }
}

static bool assess_can_leave(void *self, const char **question)
{
    struct assess_screen *s = self;
    if (s->att && (s->att->phase == ASSESSMENT_PHASE_OPEN ||
                   s->att->phase == ASSESSMENT_PHASE_SUBMITTING)) {
        *question = s->att->has_deadline
                        ? "An assessment is running and its clock keeps running while you are "
                          "away. Your saved answers are kept. Leave it?"
                        : "An assessment is open. Your saved answers are kept. Leave it?";
        return false;
    }
    return true;
}

static void assess_on_tick(void *self, int64_t now_ms)
{
    struct assess_screen *s = self;
    bool is_late = s->last_tick_ms && now_ms - s->last_tick_ms > SUSPEND_GAP_MS;
    s->last_tick_ms = now_ms;
    if (s->att && s->att->phase != ASSESSMENT_PHASE_CLOSED) {
        /* After a stop (Ctrl-Z, SIGSTOP) the server says how much time is left. */
        if (is_late)
            refresh_state(s);
        unsigned ev = assessment_attempt_tick(s->att, now_ms);
        if (ev & ASSESSMENT_EVENT_FIVE_MINUTES)
            report(s, false, "5 minutes left.");
        if (ev & ASSESSMENT_EVENT_ONE_MINUTE)
            report(s, true, "1 minute left.");
        if (ev & ASSESSMENT_EVENT_TIME_UP) {
            report(s, true, "Time is up: the attempt is submitted with your saved answers.");
            s->is_confirming_submit = false;
            s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_ALL);
        }
        if (ev & ASSESSMENT_EVENT_REFRESH)
            refresh_state(s);
        pump_saves(s);
        if (s->att && s->att->has_deadline) {
            struct countdown c;
            countdown_format(assessment_attempt_ms_left(s->att, now_ms), &c);
            if (strcmp(c.text, s->last_countdown) != 0)
                invalidate(s);
        }
    }
    if (s->result_poll_at && loop_now_ms() >= s->result_poll_at && s->result_attempt_id &&
        db_ready(s)) {
        char *id = xstrdup(s->result_attempt_id);
        fetch_result(s, id, s->result_back);
        free(id);
    }
}

static void assess_on_connection(void *self)
{
    struct assess_screen *s = self;
    if (!s->ctx->is_db_up)
        return;
    if (s->att) {
        refresh_state(s);
        pump_saves(s);
    } else if (!s->list || s->list_error) {
        load_list(s);
    }
}

static void assess_activity(void *self, struct buf *out)
{
    struct assess_screen *s = self;
    if (saves_in_flight(s))
        buf_append_str(out, "saving\xE2\x80\xA6");
    else if (s->submit_call)
        buf_append_str(out, "submitting\xE2\x80\xA6");
    else if (s->list_call || s->start_call || s->state_call || s->result_call)
        buf_append_str(out, "loading\xE2\x80\xA6");
}

static const char *assess_hints(void *self)
{
    struct assess_screen *s = self;
    switch (s->view) {
    case VIEW_QUESTIONS:
        if (!s->att)
            break;
        return "1-9 answer \xC2\xB7 n/p \xC2\xB7 f flag \xC2\xB7 s summary";
    case VIEW_SUMMARY:
        return "Enter open \xC2\xB7 S submit \xC2\xB7 Esc back";
    case VIEW_RULES:
        return "Enter start \xC2\xB7 Esc back \xC2\xB7 F1 keys";
    case VIEW_RESULT:
        return "Esc back \xC2\xB7 PgDn more \xC2\xB7 F1 keys";
    case VIEW_HISTORY:
        return "Enter result \xC2\xB7 Esc back \xC2\xB7 F1 keys";
    default:
        break;
    }
    return "Enter open \xC2\xB7 h history \xC2\xB7 F1 keys";
}

static bool assess_is_busy(void *self)
{
    struct assess_screen *s = self;
    return s->list_call || s->start_call || s->state_call || s->submit_call || s->result_call ||
           saves_in_flight(s);
}

static void assess_free(void *self)
{
    struct assess_screen *s = self;
    drop_attempt(s);
    store_call_cancel(s->list_call);
    store_call_cancel(s->start_call);
    store_call_cancel(s->result_call);
    assessment_list_free(s->list);
    assessment_result_free(s->result);
    table_free(s->table);
    free(s->list_error);
    free(s->item_id);
    free(s->result_attempt_id);
    free(s->result_error);
    free(s->lost);
    free(s);
}

static const char *const assess_help[] = {
    "Enter", "List: open the assessment (rules, resume, result or past attempts)",
    "h", "List: past attempts of the assessment, to review",
    "1-9, a-e, A-Z", "Question: choose an option (saved on the server at once)",
    "0, x, Delete", "Question: clear the answer",
    "n, Right, Down, Enter", "Question: next question (after the last: the summary)",
    "p, Left, Up", "Question: previous question",
    "f", "Question: flag or unflag it for review",
    "s", "Question: the summary of unanswered and flagged questions",
    "S", "Summary: submit (asks first)",
    "r", "Read again from the database (the attempt's clock too)",
    NULL, NULL,
};

static const enum action no_search[] = {ACTION_SEARCH, ACTION_SEARCH_NEXT, ACTION_NONE};

static const struct screen_ops assess_ops = {
    .free = assess_free,
    .on_enter = assess_on_enter,
    .can_leave = assess_can_leave,
    .on_tick = assess_on_tick,
    .on_key = assess_on_key,
    .on_connection = assess_on_connection,
    .draw = assess_draw,
    .draw_overlay = assess_draw_overlay,
    .activity = assess_activity,
    .hints = assess_hints,
    .is_busy = assess_is_busy,
    .help = assess_help,
    .unused = no_search,
};

struct screen screen_assessments_new(struct screen_ctx *ctx);

struct screen screen_assessments_new(struct screen_ctx *ctx)
{
    struct assess_screen *s = xcalloc(1, sizeof *s);
    s->ctx = ctx;
    s->table = table_new(columns, sizeof columns / sizeof columns[0], cell, s);
    table_set_empty_text(s->table, "No assessment is open to you now.");
    list_init(&s->history);
    list_init(&s->summary);
    return (struct screen){.ops = &assess_ops, .self = s};
}

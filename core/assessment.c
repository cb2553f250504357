/* assessment: JSON -> assessment structs, and the attempt's state machine (clock, saves,
 * submit). */
#include "core/assessment.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/mem.h"

/* --- reading --------------------------------------------------------------------------------- */

static char *str(const struct json_node *n, const char *key)
{
    return json_str_dup(json_get(n, key), NULL);
}

/* A one-line label: newlines and tabs (kept by json_str_dup) become spaces. */
static char *label(const struct json_node *n, const char *key, const char *def)
{
    char *s = json_str_dup(json_get(n, key), def);
    for (char *p = s; p && *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    return s;
}

static int num_int(const struct json_node *n, const char *key, int def, int lo, int hi)
{
    double v = json_num(json_get(n, key), NAN);
    if (isnan(v) || v < lo || v > hi)
        return def;
    return (int)v;
}

/* An option index: a whole number in 0..count-1, else -1. */
static int index_of(const struct json_node *n, size_t count)
{
    double v = json_num(n, -1);
    if (v < 0 || v >= (double)count || v != floor(v))
        return -1;
    return (int)v;
}

static int64_t seconds_to_ms(double s)
{
    if (isnan(s) || s <= 0)
        return 0;
    if (s > 1e9)
        s = 1e9;
    return (int64_t)llround(s * 1000.0);
}

static char **options_dup(const struct json_node *arr, size_t *count)
{
    size_t n = json_len(arr);
    if (n > ASSESSMENT_OPTIONS_MAX)
        n = ASSESSMENT_OPTIONS_MAX;
    char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        char *s = json_str_dup(json_at(arr, i), "");
        for (char *p = s; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        out[i] = s;
    }
    *count = n;
    return out;
}

static void options_free(char **o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(o[i]);
    free(o);
}

/* --- the list -------------------------------------------------------------------------------- */

static enum assessment_status status_of(const char *s)
{
    static const char *const names[] = {"available", "in_progress", "result_pending",
                                        "passed", "no_attempts_left", "closed"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return (enum assessment_status)i;
    return ASSESSMENT_STATUS_UNKNOWN;
}

const char *assessment_status_label(enum assessment_status status)
{
    switch (status) {
    case ASSESSMENT_STATUS_AVAILABLE:
        return "available";
    case ASSESSMENT_STATUS_IN_PROGRESS:
        return "in progress";
    case ASSESSMENT_STATUS_RESULT_PENDING:
        return "result pending";
    case ASSESSMENT_STATUS_PASSED:
        return "passed";
    case ASSESSMENT_STATUS_NO_ATTEMPTS_LEFT:
        return "no attempts left";
    case ASSESSMENT_STATUS_CLOSED:
        return "closed";
    default:
        return "unknown";
    }
}

static void info_parse(const struct json_node *m, struct assessment_info *it)
{
    it->id = str(m, "id");
    it->title = label(m, "title", "Untitled");
    it->description = str(m, "description");
    it->difficulty = label(m, "difficulty", NULL);
    const struct json_node *skill = json_get(m, "skill");
    it->skill_name = label(skill, "name", NULL);
    it->skill_level = num_int(skill, "level", 0, 0, 100);
    it->question_count = num_int(m, "question_count", 0, 0, 1000000);
    it->time_limit_minutes = num_int(m, "time_limit_minutes", 0, 0, 1000000);
    it->pass_mark = json_num(json_get(m, "pass_mark"), 70);
    it->max_attempts = num_int(m, "max_attempts", 1, 0, 1000);
    it->attempts_used = num_int(m, "attempts_used", 0, 0, 1000000);
    it->attempts_left = num_int(m, "attempts_left", 0, 0, 1000000);
    it->best_score = json_num(json_get(m, "best_score"), -1);
    it->is_passed = json_bool(json_get(m, "passed"), 0);
    it->review_policy = label(m, "review_policy", "after_close");
    char *layout = str(m, "layout");
    it->is_one_per_page = !layout || strcmp(layout, "all_on_one") != 0;
    free(layout);
    char *status = str(m, "status");
    it->status = status_of(status);
    free(status);
    it->open_attempt_id = str(json_get(m, "open_attempt"), "attempt_id");
    const struct json_node *atts = json_get(m, "attempts");
    size_t n = json_len(atts);
    if (n > 1000)
        n = 1000;
    it->attempts = xcalloc(n ? n : 1, sizeof *it->attempts);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *t = json_at(atts, i);
        char *id = str(t, "attempt_id");
        if (!id)
            continue;
        struct assessment_past *p = &it->attempts[it->attempt_count++];
        p->attempt_id = id;
        p->attempt_no = num_int(t, "attempt_no", 0, 0, 1000000);
        p->status = label(t, "status", "");
        p->started_at = str(t, "started_at");
        p->submitted_at = str(t, "submitted_at");
        p->is_result_ready = json_bool(json_get(t, "result_ready"), 0);
        p->score = json_num(json_get(t, "score"), -1);
        p->passed = json_bool(json_get(t, "passed"), -1);
    }
}

enum err assessment_list_parse(const char *text, size_t len, struct assessment_list **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *items = json_get(json_doc_root(doc), "assessments");
    if (!items) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct assessment_list *l = xcalloc(1, sizeof *l);
    size_t n = json_len(items);
    if (n > 10000)
        n = 10000;
    l->items = xcalloc(n ? n : 1, sizeof *l->items);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(items, i);
        if (!json_get(m, "id"))
            continue;
        info_parse(m, &l->items[l->count++]);
    }
    json_doc_free(doc);
    *out = l;
    return ERR_OK;
}

void assessment_list_free(struct assessment_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        struct assessment_info *it = &l->items[i];
        free(it->id);
        free(it->title);
        free(it->description);
        free(it->difficulty);
        free(it->skill_name);
        free(it->review_policy);
        free(it->open_attempt_id);
        for (size_t k = 0; k < it->attempt_count; k++) {
            free(it->attempts[k].attempt_id);
            free(it->attempts[k].status);
            free(it->attempts[k].started_at);
            free(it->attempts[k].submitted_at);
        }
        free(it->attempts);
    }
    free(l->items);
    free(l);
}

const struct assessment_past *assessment_info_pending(const struct assessment_info *info)
{
    for (size_t i = info->attempt_count; i-- > 0;) {
        const struct assessment_past *p = &info->attempts[i];
        if (strcmp(p->status, "open") != 0 && !p->is_result_ready)
            return p;
    }
    return NULL;
}

/* --- the attempt: parsing and merging --------------------------------------------------------- */

static void question_cleanup(struct assessment_question *q)
{
    free(q->id);
    free(q->text);
    options_free(q->options, q->option_count);
    free(q->error);
}

void assessment_attempt_free(struct assessment_attempt *a)
{
    if (!a)
        return;
    free(a->attempt_id);
    free(a->assessment_id);
    free(a->title);
    free(a->description);
    free(a->review_policy);
    for (size_t i = 0; i < a->question_count; i++)
        question_cleanup(&a->questions[i]);
    free(a->questions);
    free(a);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool assessment_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + n;
    int64_t frac_ms = 0;
    if (*p == '.') {
        int64_t scale = 100;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac_ms += (*p - '0') * scale;
    }
    int64_t offset_s = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
            return false;
        offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != '\0')
        return false;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *ms = t * 1000 + frac_ms;
    return true;
}

/* How long ago, by the server's clock, the deadline passed (0 when not, or unknown). */
static int64_t overdue_ms(const struct json_node *root)
{
    char *deadline = json_str_dup(json_get(root, "deadline"), NULL);
    char *now = json_str_dup(json_get(root, "server_now"), NULL);
    int64_t d = 0, n = 0, late = 0;
    if (assessment_parse_time(deadline, &d) && assessment_parse_time(now, &n) && n > d)
        late = n - d;
    free(deadline);
    free(now);
    return late;
}

/* Phase and clock from a document: server status first, then the deadline. */
static void apply_clock(struct assessment_attempt *a, const struct json_node *root, int64_t now)
{
    const struct json_node *left = json_get(root, "seconds_left");
    double seconds = json_num(left, NAN);
    a->has_deadline = !isnan(seconds);
    a->ms_left = a->has_deadline ? seconds_to_ms(seconds) : 0;
    a->synced_ms = now;
    char *status = str(root, "status");
    bool is_closed = status && strcmp(status, "open") != 0;
    free(status);
    if (is_closed)
        a->phase = ASSESSMENT_PHASE_CLOSED;
    else if (a->phase == ASSESSMENT_PHASE_SUBMITTING)
        ; /* the submit's own reply decides */
    else if (a->has_deadline && a->ms_left <= 0) {
        if (a->phase != ASSESSMENT_PHASE_TIME_UP)
            a->announced |= ASSESSMENT_EVENT_FIVE_MINUTES | ASSESSMENT_EVENT_ONE_MINUTE |
                            ASSESSMENT_EVENT_TIME_UP;
        a->phase = ASSESSMENT_PHASE_TIME_UP;
        /* The server closes it once the grace is over: ask again just after. */
        int64_t grace_left = a->grace_ms - overdue_ms(root);
        a->refresh_at_ms = now + (grace_left > 0 ? grace_left : 0) + 1000;
    } else
        a->phase = ASSESSMENT_PHASE_OPEN;
    a->is_result_ready = json_bool(json_get(root, "result_ready"), 0);
}

enum err assessment_attempt_parse(const char *text, size_t len, int64_t now_ms,
                                  struct assessment_attempt **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *qs = json_get(root, "questions");
    char *id = str(root, "attempt_id");
    if (!id || !qs) {
        free(id);
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct assessment_attempt *a = xcalloc(1, sizeof *a);
    a->attempt_id = id;
    a->assessment_id = str(root, "assessment_id");
    a->title = label(root, "title", "Untitled");
    a->description = str(root, "description");
    a->review_policy = label(root, "review_policy", "after_close");
    char *layout = str(root, "layout");
    a->is_one_per_page = !layout || strcmp(layout, "all_on_one") != 0;
    free(layout);
    a->attempt_no = num_int(root, "attempt_no", 1, 0, 1000000);
    a->max_attempts = num_int(root, "max_attempts", 1, 0, 1000);
    a->time_limit_minutes = num_int(root, "time_limit_minutes", 0, 0, 1000000);
    a->pass_mark = json_num(json_get(root, "pass_mark"), 70);
    a->grace_ms = (int64_t)num_int(root, "grace_seconds", 30, 0, 3600) * 1000;
    a->was_resumed = json_bool(json_get(root, "resumed"), 0);
    size_t n = json_len(qs);
    if (n > ASSESSMENT_QUESTIONS_MAX)
        n = ASSESSMENT_QUESTIONS_MAX;
    a->questions = xcalloc(n ? n : 1, sizeof *a->questions);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(qs, i);
        char *qid = str(m, "id");
        if (!qid)
            continue;
        struct assessment_question *q = &a->questions[a->question_count++];
        q->id = qid;
        q->text = json_str_dup(json_get(m, "question"), "");
        q->options = options_dup(json_get(m, "options"), &q->option_count);
        q->answer = q->saved_answer = index_of(json_get(m, "answer"), q->option_count);
        q->is_flagged = q->is_saved_flagged = json_bool(json_get(m, "flagged"), 0);
    }
    apply_clock(a, root, now_ms);
    /* Thresholds already behind on arrival are not announced (the countdown shows them). */
    int64_t left = a->ms_left;
    if (a->has_deadline && left <= ASSESSMENT_FIVE_MINUTES_MS)
        a->announced |= ASSESSMENT_EVENT_FIVE_MINUTES;
    if (a->has_deadline && left <= ASSESSMENT_ONE_MINUTE_MS)
        a->announced |= ASSESSMENT_EVENT_ONE_MINUTE;
    json_doc_free(doc);
    *out = a;
    return ERR_OK;
}

static bool differs(const struct assessment_question *q)
{
    return q->answer != q->saved_answer || q->is_flagged != q->is_saved_flagged;
}

enum err assessment_attempt_update(struct assessment_attempt *a, const char *text, size_t len,
                                   int64_t now_ms)
{
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    char *id = str(root, "attempt_id");
    const struct json_node *qs = json_get(root, "questions");
    if (!id || !qs || strcmp(id, a->attempt_id) != 0) {
        free(id);
        json_doc_free(doc);
        return ERR_INVALID;
    }
    free(id);
    size_t n = json_len(qs);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(qs, i);
        char *qid = str(m, "id");
        for (size_t k = 0; qid && k < a->question_count; k++) {
            struct assessment_question *q = &a->questions[k];
            if (strcmp(q->id, qid) != 0)
                continue;
            bool is_pending = differs(q) || q->is_sending;
            q->saved_answer = index_of(json_get(m, "answer"), q->option_count);
            q->is_saved_flagged = json_bool(json_get(m, "flagged"), 0);
            if (!is_pending) {
                q->answer = q->saved_answer;
                q->is_flagged = q->is_saved_flagged;
            }
            if (!differs(q))
                q->unsaved = ASSESSMENT_UNSAVED_NONE;
            break;
        }
        free(qid);
    }
    apply_clock(a, root, now_ms);
    json_doc_free(doc);
    return ERR_OK;
}

/* --- the clock -------------------------------------------------------------------------------- */

int64_t assessment_attempt_ms_left(const struct assessment_attempt *a, int64_t now_ms)
{
    if (!a->has_deadline)
        return INT64_MAX;
    return a->ms_left - (now_ms - a->synced_ms);
}

unsigned assessment_attempt_tick(struct assessment_attempt *a, int64_t now_ms)
{
    unsigned ev = 0;
    if (!a->has_deadline)
        return 0;
    int64_t left = assessment_attempt_ms_left(a, now_ms);
    if (a->phase == ASSESSMENT_PHASE_OPEN) {
        if (left <= 0) {
            a->phase = ASSESSMENT_PHASE_TIME_UP;
            ev |= ASSESSMENT_EVENT_TIME_UP | ASSESSMENT_EVENT_REFRESH;
            a->announced |= ASSESSMENT_EVENT_FIVE_MINUTES | ASSESSMENT_EVENT_ONE_MINUTE |
                            ASSESSMENT_EVENT_TIME_UP;
            /* Confirm with the server now; then again once its grace is over. */
            a->refresh_at_ms = now_ms + a->grace_ms + left + 1000;
            if (a->refresh_at_ms < now_ms + 1000)
                a->refresh_at_ms = now_ms + 1000;
            return ev;
        }
        if (left <= ASSESSMENT_ONE_MINUTE_MS && !(a->announced & ASSESSMENT_EVENT_ONE_MINUTE)) {
            ev |= ASSESSMENT_EVENT_ONE_MINUTE;
            a->announced |= ASSESSMENT_EVENT_ONE_MINUTE | ASSESSMENT_EVENT_FIVE_MINUTES;
        } else if (left <= ASSESSMENT_FIVE_MINUTES_MS &&
                   !(a->announced & ASSESSMENT_EVENT_FIVE_MINUTES)) {
            /* After a jump (a re-read after a suspend) "5 minutes left" would be wrong. */
            if (left > ASSESSMENT_FIVE_MINUTES_MS - ASSESSMENT_ONE_MINUTE_MS)
                ev |= ASSESSMENT_EVENT_FIVE_MINUTES;
            a->announced |= ASSESSMENT_EVENT_FIVE_MINUTES;
        }
    } else if (a->phase == ASSESSMENT_PHASE_TIME_UP && now_ms >= a->refresh_at_ms) {
        ev |= ASSESSMENT_EVENT_REFRESH;
        a->refresh_at_ms = now_ms + 3000;
    }
    return ev;
}

/* --- answering and saving ---------------------------------------------------------------------- */

enum err assessment_attempt_choose(struct assessment_attempt *a, size_t q, int choice)
{
    if (q >= a->question_count)
        return ERR_INVALID;
    struct assessment_question *qu = &a->questions[q];
    if (choice < -1 || (choice >= 0 && (size_t)choice >= qu->option_count))
        return ERR_INVALID;
    if (a->phase != ASSESSMENT_PHASE_OPEN)
        return a->phase == ASSESSMENT_PHASE_TIME_UP ? ERR_TIME_UP : ERR_CLOSED;
    qu->answer = choice;
    free(qu->error);
    qu->error = NULL;
    if (qu->unsaved != ASSESSMENT_UNSAVED_DB_DOWN)
        qu->unsaved = ASSESSMENT_UNSAVED_NONE;
    return ERR_OK;
}

enum err assessment_attempt_toggle_flag(struct assessment_attempt *a, size_t q)
{
    if (q >= a->question_count)
        return ERR_INVALID;
    if (a->phase != ASSESSMENT_PHASE_OPEN)
        return a->phase == ASSESSMENT_PHASE_TIME_UP ? ERR_TIME_UP : ERR_CLOSED;
    a->questions[q].is_flagged = !a->questions[q].is_flagged;
    return ERR_OK;
}

bool assessment_attempt_next_save(struct assessment_attempt *a, int64_t now_ms,
                                  struct assessment_save *out)
{
    if (a->phase != ASSESSMENT_PHASE_OPEN && a->phase != ASSESSMENT_PHASE_TIME_UP)
        return false;
    /* Past the deadline the server still takes saves during its grace, not after. */
    if (a->has_deadline && assessment_attempt_ms_left(a, now_ms) < -a->grace_ms)
        return false;
    if (now_ms < a->retry_at_ms)
        return false;
    for (size_t i = 0; i < a->question_count; i++) {
        struct assessment_question *q = &a->questions[i];
        if (q->is_sending || !differs(q))
            continue;
        if (q->unsaved == ASSESSMENT_UNSAVED_TIME_UP || q->unsaved == ASSESSMENT_UNSAVED_REFUSED)
            continue;
        *out = (struct assessment_save){.question = i};
        if (q->answer != q->saved_answer) {
            out->kind = ASSESSMENT_SAVE_ANSWER;
            out->choice = q->answer;
        } else {
            out->kind = ASSESSMENT_SAVE_FLAG;
            out->is_flagged = q->is_flagged;
        }
        q->is_sending = true;
        return true;
    }
    return false;
}

enum assessment_save_outcome assessment_attempt_saved(struct assessment_attempt *a,
                                                      const struct assessment_save *s,
                                                      enum err e, const char *errmsg,
                                                      const char *text, int64_t now_ms)
{
    if (s->question >= a->question_count)
        return ASSESSMENT_SAVE_REFUSED;
    struct assessment_question *q = &a->questions[s->question];
    q->is_sending = false;
    struct json_doc *doc = NULL;
    if (e == ERR_OK && (!text || json_doc_parse(text, strlen(text), &doc) != ERR_OK))
        e = ERR_PROTOCOL;
    switch (e) {
    case ERR_OK: {
        const struct json_node *root = json_doc_root(doc);
        q->saved_answer = index_of(json_get(root, "answer"), q->option_count);
        q->is_saved_flagged = json_bool(json_get(root, "flagged"), 0);
        q->unsaved = ASSESSMENT_UNSAVED_NONE;
        free(q->error);
        q->error = NULL;
        double seconds = json_num(json_get(root, "seconds_left"), NAN);
        if (a->has_deadline && !isnan(seconds)) {
            a->ms_left = seconds_to_ms(seconds);
            a->synced_ms = now_ms;
        }
        json_doc_free(doc);
        return ASSESSMENT_SAVED;
    }
    case ERR_DB_DOWN:
    case ERR_CONNECT:
    case ERR_TIMEOUT:
        q->unsaved = ASSESSMENT_UNSAVED_DB_DOWN;
        a->retry_at_ms = now_ms + 2000;
        return ASSESSMENT_SAVE_RETRY;
    case ERR_TIME_UP:
        q->unsaved = ASSESSMENT_UNSAVED_TIME_UP;
        a->phase = ASSESSMENT_PHASE_CLOSED;
        return ASSESSMENT_SAVE_TOO_LATE;
    case ERR_CLOSED:
        a->phase = ASSESSMENT_PHASE_CLOSED;
        return ASSESSMENT_SAVE_CLOSED;
    default:
        /* The server will not take it: show what it holds, and why. */
        q->unsaved = ASSESSMENT_UNSAVED_REFUSED;
        free(q->error);
        q->error = xstrdup(errmsg && errmsg[0] ? errmsg : err_str(e));
        if (s->kind == ASSESSMENT_SAVE_ANSWER)
            q->answer = q->saved_answer;
        else
            q->is_flagged = q->is_saved_flagged;
        return ASSESSMENT_SAVE_REFUSED;
    }
}

enum assessment_save_view assessment_question_view(const struct assessment_question *q,
                                                   bool is_db_up)
{
    if (q->unsaved == ASSESSMENT_UNSAVED_REFUSED && q->error)
        return ASSESSMENT_VIEW_REFUSED;
    if (differs(q) || q->is_sending) {
        if (q->unsaved == ASSESSMENT_UNSAVED_TIME_UP)
            return ASSESSMENT_VIEW_LATE;
        if (q->unsaved == ASSESSMENT_UNSAVED_DB_DOWN || !is_db_up)
            return ASSESSMENT_VIEW_DB_DOWN;
        return ASSESSMENT_VIEW_SAVING;
    }
    return q->answer >= 0 || q->is_flagged ? ASSESSMENT_VIEW_SAVED : ASSESSMENT_VIEW_NONE;
}

bool assessment_attempt_has_unsaved(const struct assessment_attempt *a)
{
    for (size_t i = 0; i < a->question_count; i++)
        if (differs(&a->questions[i]) || a->questions[i].is_sending)
            return true;
    return false;
}

/* --- summary and submit ------------------------------------------------------------------------ */

static bool picked(const struct assessment_question *q, enum assessment_pick pick)
{
    switch (pick) {
    case ASSESSMENT_PICK_UNANSWERED:
        return q->answer < 0;
    case ASSESSMENT_PICK_FLAGGED:
        return q->is_flagged;
    case ASSESSMENT_PICK_UNSAVED:
        return q->answer != q->saved_answer || q->is_sending;
    }
    return false;
}

void assessment_attempt_summarize(const struct assessment_attempt *a,
                                  struct assessment_summary *out)
{
    *out = (struct assessment_summary){0};
    for (size_t i = 0; i < a->question_count; i++) {
        const struct assessment_question *q = &a->questions[i];
        if (picked(q, ASSESSMENT_PICK_UNANSWERED))
            out->unanswered++;
        else
            out->answered++;
        if (picked(q, ASSESSMENT_PICK_FLAGGED))
            out->flagged++;
        if (picked(q, ASSESSMENT_PICK_UNSAVED))
            out->unsaved++;
    }
}

char *assessment_attempt_numbers(const struct assessment_attempt *a, enum assessment_pick pick)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    for (size_t i = 0; i < a->question_count; i++)
        if (picked(&a->questions[i], pick))
            buf_printf(&b, "%s%zu", b.len ? ", " : "", i + 1);
    if (!b.len)
        buf_append_str(&b, "none");
    char *s = xstrdup(buf_str(&b));
    buf_cleanup(&b);
    return s;
}

enum err assessment_attempt_begin_submit(struct assessment_attempt *a)
{
    switch (a->phase) {
    case ASSESSMENT_PHASE_OPEN:
        a->phase = ASSESSMENT_PHASE_SUBMITTING;
        return ERR_OK;
    case ASSESSMENT_PHASE_TIME_UP:
        return ERR_TIME_UP;
    case ASSESSMENT_PHASE_SUBMITTING:
        return ERR_BUSY;
    default:
        return ERR_CLOSED;
    }
}

char *assessment_attempt_answers_json(const struct assessment_attempt *a)
{
    struct json_out j;
    json_out_init(&j, 1u << 20);
    json_out_object_begin(&j);
    for (size_t i = 0; i < a->question_count; i++) {
        json_out_key(&j, a->questions[i].id);
        if (a->questions[i].answer >= 0)
            json_out_int(&j, a->questions[i].answer);
        else
            json_out_null(&j);
    }
    json_out_object_end(&j);
    char *out = NULL;
    if (json_out_finish(&j, &out) != ERR_OK)
        out = xstrdup("{}");
    json_out_cleanup(&j);
    return out;
}

void assessment_attempt_submitted(struct assessment_attempt *a, enum err e, int64_t now_ms)
{
    if (e == ERR_OK || e == ERR_CLOSED || e == ERR_TIME_UP) {
        a->phase = ASSESSMENT_PHASE_CLOSED;
        if (e == ERR_OK)
            for (size_t i = 0; i < a->question_count; i++)
                a->questions[i].saved_answer = a->questions[i].answer;
        return;
    }
    a->phase = ASSESSMENT_PHASE_OPEN;
    if (a->has_deadline && assessment_attempt_ms_left(a, now_ms) <= 0) {
        a->phase = ASSESSMENT_PHASE_TIME_UP;
        a->refresh_at_ms = now_ms;
    }
}

/* --- the result ------------------------------------------------------------------------------- */

enum err assessment_result_parse(const char *text, size_t len, struct assessment_result **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    char *id = str(root, "attempt_id");
    if (!id || !json_get(root, "result_ready")) {
        free(id);
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct assessment_result *r = xcalloc(1, sizeof *r);
    r->attempt_id = id;
    r->assessment_id = str(root, "assessment_id");
    r->title = label(root, "title", "Untitled");
    r->status = label(root, "status", "");
    r->closed_by = label(root, "closed_by", NULL);
    r->review_policy = label(root, "review_policy", "after_close");
    r->attempt_no = num_int(root, "attempt_no", 1, 0, 1000000);
    r->is_ready = json_bool(json_get(root, "result_ready"), 0);
    r->reason = str(root, "reason");
    r->pass_mark = json_num(json_get(root, "pass_mark"), 70);
    r->score = json_num(json_get(root, "score"), 0);
    r->best_score = json_num(json_get(root, "best_score"), -1);
    r->is_passed = json_bool(json_get(root, "passed"), 0);
    r->correct_count = num_int(root, "correct_count", 0, 0, 1000000);
    r->question_count = num_int(root, "question_count", 0, 0, 1000000);
    r->time_used_seconds = num_int(root, "time_used_seconds", 0, 0, 1000000000);
    r->attempts_used = num_int(root, "attempts_used", 0, 0, 1000000);
    r->attempts_left = num_int(root, "attempts_left", 0, 0, 1000000);
    r->is_review_available = json_bool(json_get(root, "review_available"), 0);
    r->review_note = str(root, "review_note");
    const struct json_node *rev = json_get(root, "review");
    size_t n = json_len(rev);
    if (n > ASSESSMENT_QUESTIONS_MAX)
        n = ASSESSMENT_QUESTIONS_MAX;
    r->review = xcalloc(n ? n : 1, sizeof *r->review);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(rev, i);
        struct assessment_review_item *it = &r->review[r->review_count++];
        it->question = json_str_dup(json_get(m, "question"), "");
        it->options = options_dup(json_get(m, "options"), &it->option_count);
        it->answer = index_of(json_get(m, "answer"), it->option_count);
        it->correct_answer = index_of(json_get(m, "correct_answer"), it->option_count);
        it->is_correct = json_bool(json_get(m, "is_correct"), 0);
        it->is_flagged = json_bool(json_get(m, "flagged"), 0);
        it->explanation = str(m, "explanation");
    }
    json_doc_free(doc);
    *out = r;
    return ERR_OK;
}

void assessment_result_free(struct assessment_result *r)
{
    if (!r)
        return;
    free(r->attempt_id);
    free(r->assessment_id);
    free(r->title);
    free(r->status);
    free(r->closed_by);
    free(r->review_policy);
    free(r->reason);
    free(r->review_note);
    for (size_t i = 0; i < r->review_count; i++) {
        free(r->review[i].question);
        options_free(r->review[i].options, r->review[i].option_count);
        free(r->review[i].explanation);
    }
    free(r->review);
    free(r);
}

void assessment_format_seconds(int64_t seconds, char *out, size_t size)
{
    if (seconds < 0)
        seconds = 0;
    int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
    if (h > 0)
        snprintf(out, size, "%" PRId64 ":%02" PRId64 ":%02" PRId64, h, m, s);
    else
        snprintf(out, size, "%" PRId64 ":%02" PRId64, m, s);
}

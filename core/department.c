/* department: the Department API's JSON -> structs, figures as text, and the report's CSV. */
#include "core/department.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

enum {
    DEPARTMENT_LIST_MAX = 5000, /* rows kept of any one array */
    DEPARTMENT_MATRIX_SKILLS_MAX = 64,
};

/* --- small readers ------------------------------------------------------------------------- */

static size_t capped_len(const struct json_node *n)
{
    size_t len = json_len(n);
    return len > DEPARTMENT_LIST_MAX ? DEPARTMENT_LIST_MAX : len;
}

static int as_int(const struct json_node *n)
{
    double v = json_num(n, 0);
    return v > 0 && v < 1e9 ? (int)v : 0;
}

static double as_num(const struct json_node *n, bool *has)
{
    double v = json_num(n, NAN);
    *has = !isnan(v) && !isinf(v);
    return *has ? v : 0;
}

static double as_percent(const struct json_node *n)
{
    double v = json_num(n, 0);
    return v > 0 ? (v < 100 ? v : 100) : 0;
}

/* A one-line, safe copy of a string member, or NULL. */
static char *line_dup(const struct json_node *n)
{
    char *s = json_str_dup(n, NULL);
    if (!s)
        return NULL;
    char *line = utf8_sanitize_line(s, strlen(s), NULL);
    free(s);
    return line;
}

static char *line_or(const struct json_node *n, const char *def)
{
    char *s = line_dup(n);
    return s ? s : xstrdup(def);
}

static bool is_suppressed(const struct json_node *n)
{
    return json_bool(json_get(n, "suppressed"), 0) != 0;
}

static void strings_free(char **s, size_t count)
{
    for (size_t i = 0; s && i < count; i++)
        free(s[i]);
    free(s);
}

/* Whether the document is an array (json_len is 0 for an empty one and for anything else). */
static bool is_array_text(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    return i < len && text[i] == '[';
}

static enum err open_doc(const char *text, size_t len, struct json_doc **doc)
{
    *doc = NULL;
    if (!text)
        return ERR_INVALID;
    return json_doc_parse(text, len, doc);
}

/* --- filters ------------------------------------------------------------------------------- */

static const char *const period_names[DEPARTMENT_PERIOD_COUNT] = {"30d", "quarter", "year"};
static const char *const period_titles[DEPARTMENT_PERIOD_COUNT] = {"last 30 days", "last quarter",
                                                                   "last year"};

const char *department_period_name(enum department_period p)
{
    return p < DEPARTMENT_PERIOD_COUNT ? period_names[p] : period_names[0];
}

const char *department_period_title(enum department_period p)
{
    return p < DEPARTMENT_PERIOD_COUNT ? period_titles[p] : period_titles[0];
}

bool department_period_parse(const char *name, enum department_period *out)
{
    for (int i = 0; name && i < DEPARTMENT_PERIOD_COUNT; i++) {
        if (strcmp(name, period_names[i]) == 0) {
            *out = (enum department_period)i;
            return true;
        }
    }
    return false;
}

/* --- department_list() -------------------------------------------------------------------- */

enum err department_list_parse(const char *text, size_t len, struct department_list *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    enum err e = open_doc(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!is_array_text(text, len)) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    size_t n = capped_len(root);
    out->items = xcalloc(n + 1, sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(root, i);
        char *name = line_dup(json_get(x, "department"));
        if (!name)
            continue;
        out->items[out->count].name = name;
        out->items[out->count].people = as_int(json_get(x, "people"));
        out->count++;
    }
    json_doc_free(doc);
    return ERR_OK;
}

void department_list_cleanup(struct department_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i].name);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* --- department_overview() ----------------------------------------------------------------- */

static const char *const headline_keys[DEPARTMENT_HEADLINE_COUNT] = {
    "people",         "active_learners",    "avg_completion",
    "assessments_taken", "assessments_passed", "time_spent_minutes",
};
static const char *const headline_titles[DEPARTMENT_HEADLINE_COUNT] = {
    "People",          "Active learners",    "Average completion",
    "Assessments taken", "Assessments passed", "Time spent",
};

const char *department_headline_key(enum department_headline h)
{
    return h < DEPARTMENT_HEADLINE_COUNT ? headline_keys[h] : "";
}

const char *department_headline_title(enum department_headline h)
{
    return h < DEPARTMENT_HEADLINE_COUNT ? headline_titles[h] : "";
}

static void parse_courses(const struct json_node *a, struct department_overview *o)
{
    size_t n = capped_len(a);
    o->courses = xcalloc(n + 1, sizeof *o->courses);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_course *c = &o->courses[o->course_count++];
        c->course_id = line_or(json_get(x, "course_id"), "");
        c->title = line_or(json_get(x, "title"), "Untitled");
        c->mandatory_due_at = line_dup(json_get(x, "mandatory_due_at"));
        c->is_suppressed = is_suppressed(x);
        c->learners = as_int(json_get(x, "learners"));
        c->completed = as_int(json_get(x, "completed"));
        c->completion_rate = as_percent(json_get(x, "completion_rate"));
        c->avg_progress = as_percent(json_get(x, "avg_progress"));
    }
}

static void parse_assessments(const struct json_node *a, struct department_overview *o)
{
    size_t n = capped_len(a);
    o->assessments = xcalloc(n + 1, sizeof *o->assessments);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_assessment *t = &o->assessments[o->assessment_count++];
        t->assessment_id = line_or(json_get(x, "assessment_id"), "");
        t->title = line_or(json_get(x, "title"), "Untitled");
        t->is_suppressed = is_suppressed(x);
        t->takers = as_int(json_get(x, "takers"));
        t->passed = as_int(json_get(x, "passed"));
        t->pass_rate = as_percent(json_get(x, "pass_rate"));
        t->avg_score = as_percent(json_get(x, "avg_score"));
    }
}

static void parse_matrix(const struct json_node *m, struct department_overview *o)
{
    const struct json_node *skills = json_get(m, "skills");
    size_t ns = json_len(skills);
    if (ns > DEPARTMENT_MATRIX_SKILLS_MAX)
        ns = DEPARTMENT_MATRIX_SKILLS_MAX;
    o->skills = xcalloc(ns + 1, sizeof *o->skills);
    for (size_t i = 0; i < ns; i++) {
        const struct json_node *x = json_at(skills, i);
        struct department_skill *s = &o->skills[o->skill_count++];
        s->skill_id = line_or(json_get(x, "skill_id"), "");
        s->name = line_or(json_get(x, "name"), "?");
        s->category = line_or(json_get(x, "category"), "");
        s->is_suppressed = is_suppressed(x);
        s->holders = as_int(json_get(x, "holders"));
        bool has;
        s->avg_level = as_num(json_get(x, "avg_level"), &has);
    }
    double total = json_num(json_get(m, "skills_total"), (double)ns);
    o->skills_total = total > (double)ns && total < 1e6 ? (size_t)total : ns;
    const struct json_node *people = json_get(m, "people");
    size_t np = capped_len(people);
    o->matrix_people = xcalloc(np + 1, sizeof *o->matrix_people);
    o->levels = xcalloc(np * (ns ? ns : 1) + 1, sizeof *o->levels);
    for (size_t i = 0; i < np; i++) {
        const struct json_node *x = json_at(people, i);
        o->matrix_people[i] = line_or(json_get(x, "name"), "?");
        const struct json_node *lv = json_get(x, "levels");
        for (size_t j = 0; j < ns; j++) {
            double v = json_num(json_at(lv, j), 0);
            o->levels[i * ns + j] = v >= 5 ? 5 : v > 0 ? (int)v : 0;
        }
    }
    o->matrix_people_count = np;
}

enum err department_overview_parse(const char *text, size_t len, struct department_overview **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = open_doc(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *head = json_get(root, "headline");
    if (!head) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct department_overview *o = xcalloc(1, sizeof *o);
    o->department = line_or(json_get(root, "department"), "");
    o->period = line_or(json_get(root, "period"), "30d");
    o->course_filter = line_dup(json_get(json_get(root, "filters"), "course_id"));
    o->skill_filter = line_dup(json_get(json_get(root, "filters"), "skill_id"));
    o->min_group_size = as_int(json_get(root, "min_group_size"));
    for (int h = 0; h < DEPARTMENT_HEADLINE_COUNT; h++) {
        const struct json_node *f = json_get(head, headline_keys[h]);
        struct department_figure *fig = &o->headline[h];
        fig->is_suppressed = is_suppressed(f);
        fig->value = as_num(json_get(f, "value"), &fig->has_value);
        fig->previous = as_num(json_get(f, "previous"), &fig->has_previous);
    }
    const struct json_node *charts = json_get(root, "charts");
    const struct json_node *weekly = json_get(charts, "weekly_activity");
    o->is_weekly_suppressed = is_suppressed(weekly);
    for (size_t i = 0; i < DEPARTMENT_WEEKS; i++) {
        o->week_starts[i] = line_dup(json_at(json_get(weekly, "week_starts"), i));
        o->week_events[i] = json_num(json_at(json_get(weekly, "events"), i), 0);
        o->week_active[i] = json_num(json_at(json_get(weekly, "active_people"), i), 0);
    }
    parse_courses(json_get(charts, "completion_by_course"), o);
    parse_assessments(json_get(charts, "assessment_pass_rates"), o);
    parse_matrix(json_get(charts, "skills_matrix"), o);
    json_doc_free(doc);
    *out = o;
    return ERR_OK;
}

void department_overview_free(struct department_overview *o)
{
    if (!o)
        return;
    free(o->department);
    free(o->period);
    free(o->course_filter);
    free(o->skill_filter);
    for (size_t i = 0; i < DEPARTMENT_WEEKS; i++)
        free(o->week_starts[i]);
    for (size_t i = 0; i < o->course_count; i++) {
        free(o->courses[i].course_id);
        free(o->courses[i].title);
        free(o->courses[i].mandatory_due_at);
    }
    free(o->courses);
    for (size_t i = 0; i < o->assessment_count; i++) {
        free(o->assessments[i].assessment_id);
        free(o->assessments[i].title);
    }
    free(o->assessments);
    for (size_t i = 0; i < o->skill_count; i++) {
        free(o->skills[i].skill_id);
        free(o->skills[i].name);
        free(o->skills[i].category);
    }
    free(o->skills);
    strings_free(o->matrix_people, o->matrix_people_count);
    free(o->levels);
    free(o);
}

/* --- people -------------------------------------------------------------------------------- */

static void parse_reasons(const struct json_node *a, struct department_reason **out,
                          size_t *count)
{
    size_t n = capped_len(a);
    *out = xcalloc(n + 1, sizeof **out);
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        char *why = json_str_dup(json_get(x, "reason"), "");
        struct department_reason *r = &(*out)[*count];
        if (strcmp(why, "inactive") == 0) {
            r->kind = DEPARTMENT_REASON_INACTIVE;
            r->when = line_dup(json_get(x, "last_activity"));
        } else if (strcmp(why, "failed_twice") == 0) {
            r->kind = DEPARTMENT_REASON_FAILED_TWICE;
            r->subject = line_dup(json_get(x, "assessment"));
            r->failures = as_int(json_get(x, "failures"));
        } else if (strcmp(why, "overdue") == 0) {
            r->kind = DEPARTMENT_REASON_OVERDUE;
            r->subject = line_dup(json_get(x, "course"));
            r->when = line_dup(json_get(x, "due_at"));
        } else {
            free(why);
            continue; /* a reason this client does not know */
        }
        free(why);
        (*count)++;
    }
}

static void reasons_free(struct department_reason *r, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(r[i].subject);
        free(r[i].when);
    }
    free(r);
}

enum err department_people_parse(const char *text, size_t len, struct department_people *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    enum err e = open_doc(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    size_t n = capped_len(root);
    if (!is_array_text(text, len)) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    out->items = xcalloc(n + 1, sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(root, i);
        struct department_person_row *p = &out->items[out->count++];
        p->user_id = line_or(json_get(x, "user_id"), "");
        p->name = line_or(json_get(x, "name"), "?");
        p->email = line_or(json_get(x, "email"), "");
        p->role = line_or(json_get(x, "role"), "");
        p->progress = as_num(json_get(x, "progress"), &p->has_progress);
        p->items = as_int(json_get(x, "items"));
        p->completed = as_int(json_get(x, "completed"));
        p->last_activity = line_dup(json_get(x, "last_activity"));
        p->assessments_taken = as_int(json_get(x, "assessments_taken"));
        p->assessments_passed = as_int(json_get(x, "assessments_passed"));
        parse_reasons(json_get(x, "attention"), &p->reasons, &p->reason_count);
        if (i == 0)
            out->total = as_int(json_get(x, "total_count"));
    }
    if (out->total < (long)out->count)
        out->total = (long)out->count;
    json_doc_free(doc);
    return ERR_OK;
}

static void person_row_cleanup(struct department_person_row *p)
{
    free(p->user_id);
    free(p->name);
    free(p->email);
    free(p->role);
    free(p->last_activity);
    reasons_free(p->reasons, p->reason_count);
}

void department_people_append(struct department_people *p, struct department_people *more)
{
    p->items = xreallocarray(p->items, p->count + more->count + 1, sizeof *p->items);
    memcpy(p->items + p->count, more->items, more->count * sizeof *more->items);
    p->count += more->count;
    if (more->total > p->total)
        p->total = more->total;
    free(more->items);
    memset(more, 0, sizeof *more);
}

void department_people_cleanup(struct department_people *p)
{
    for (size_t i = 0; i < p->count; i++)
        person_row_cleanup(&p->items[i]);
    free(p->items);
    memset(p, 0, sizeof *p);
}

void department_reason_describe(const struct department_reason *r, long long now,
                                struct buf *out)
{
    char when[48];
    department_format_when(r->when, now, when, sizeof when);
    switch (r->kind) {
    case DEPARTMENT_REASON_INACTIVE:
        if (when[0])
            buf_printf(out, "no activity in 30 days (last: %s)", when);
        else
            buf_append_str(out, "no activity yet");
        break;
    case DEPARTMENT_REASON_FAILED_TWICE:
        buf_printf(out, "failed %s %s", r->subject ? r->subject : "an assessment",
                   r->failures > 2 ? "more than twice" : "twice");
        if (r->failures > 2)
            buf_printf(out, " (%d times)", r->failures);
        break;
    case DEPARTMENT_REASON_OVERDUE:
        buf_printf(out, "overdue mandatory course: %s", r->subject ? r->subject : "?");
        if (when[0])
            buf_printf(out, " (due %s)", when);
        break;
    }
}

const char *department_reasons_short(const struct department_person_row *p, char *out,
                                     size_t outlen)
{
    static const char *const words[] = {"inactive", "failed twice", "overdue"};
    size_t used = 0;
    out[0] = '\0';
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < p->reason_count && used < outlen; i++) {
        int k = (int)p->reasons[i].kind;
        if (k < 0 || k > 2 || seen[k])
            continue;
        seen[k] = true;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", words[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return out;
}

/* --- department_person() ------------------------------------------------------------------- */

enum err department_person_parse(const char *text, size_t len, struct department_person **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = open_doc(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *u = json_get(root, "user");
    if (!u) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct department_person *p = xcalloc(1, sizeof *p);
    p->name = line_or(json_get(u, "name"), "?");
    p->email = line_or(json_get(u, "email"), "");
    p->role = line_or(json_get(u, "role"), "");
    p->department = line_or(json_get(u, "department"), "");
    p->joined_at = line_dup(json_get(u, "joined_at"));
    const struct json_node *s = json_get(root, "summary");
    p->items = as_int(json_get(s, "items"));
    p->completed = as_int(json_get(s, "completed"));
    p->progress = as_num(json_get(s, "progress"), &p->has_progress);
    p->last_activity = line_dup(json_get(s, "last_activity"));
    p->assessments_taken = as_int(json_get(s, "assessments_taken"));
    p->assessments_passed = as_int(json_get(s, "assessments_passed"));
    p->questions_30d = as_int(json_get(s, "questions_30d"));
    parse_reasons(json_get(root, "attention"), &p->reasons, &p->reason_count);

    const struct json_node *a = json_get(root, "courses");
    size_t n = capped_len(a);
    p->courses = xcalloc(n + 1, sizeof *p->courses);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_person_course *c = &p->courses[p->course_count++];
        c->title = line_or(json_get(x, "title"), "Untitled");
        c->progress = as_percent(json_get(x, "progress"));
        c->completed_at = line_dup(json_get(x, "completed_at"));
        c->updated_at = line_dup(json_get(x, "updated_at"));
        c->mandatory_due_at = line_dup(json_get(x, "mandatory_due_at"));
    }
    a = json_get(root, "skills");
    n = capped_len(a);
    p->skills = xcalloc(n + 1, sizeof *p->skills);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_person_skill *k = &p->skills[p->skill_count++];
        k->name = line_or(json_get(x, "name"), "?");
        k->category = line_or(json_get(x, "category"), "");
        k->level = as_int(json_get(x, "level"));
        k->progress = as_percent(json_get(x, "progress"));
        char *done = json_str_dup(json_get(x, "completed_at"), NULL);
        k->is_completed = done != NULL;
        free(done);
    }
    a = json_get(root, "results");
    n = capped_len(a);
    p->results = xcalloc(n + 1, sizeof *p->results);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_person_result *r = &p->results[p->result_count++];
        r->title = line_or(json_get(x, "title"), "Untitled");
        r->score = as_num(json_get(x, "score"), &r->has_score);
        bool has;
        r->passing_score = as_num(json_get(x, "passing_score"), &has);
        r->is_passed = json_bool(json_get(x, "passed"), 0) != 0;
        r->completed_at = line_dup(json_get(x, "completed_at"));
    }
    a = json_get(root, "attempts");
    n = capped_len(a);
    p->attempts = xcalloc(n + 1, sizeof *p->attempts);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        struct department_person_attempt *t = &p->attempts[p->attempt_count++];
        t->title = line_or(json_get(x, "title"), "Untitled");
        t->status = line_or(json_get(x, "status"), "");
        t->started_at = line_dup(json_get(x, "started_at"));
        t->is_timed_out = json_bool(json_get(x, "timed_out"), 0) != 0;
    }
    json_doc_free(doc);
    *out = p;
    return ERR_OK;
}

void department_person_free(struct department_person *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->email);
    free(p->role);
    free(p->department);
    free(p->joined_at);
    free(p->last_activity);
    reasons_free(p->reasons, p->reason_count);
    for (size_t i = 0; i < p->course_count; i++) {
        free(p->courses[i].title);
        free(p->courses[i].completed_at);
        free(p->courses[i].updated_at);
        free(p->courses[i].mandatory_due_at);
    }
    free(p->courses);
    for (size_t i = 0; i < p->skill_count; i++) {
        free(p->skills[i].name);
        free(p->skills[i].category);
    }
    free(p->skills);
    for (size_t i = 0; i < p->result_count; i++) {
        free(p->results[i].title);
        free(p->results[i].completed_at);
    }
    free(p->results);
    for (size_t i = 0; i < p->attempt_count; i++) {
        free(p->attempts[i].title);
        free(p->attempts[i].status);
        free(p->attempts[i].started_at);
    }
    free(p->attempts);
    free(p);
}

/* --- knowledge_gaps() ---------------------------------------------------------------------- */

static char **string_array(const struct json_node *a, const char *member, size_t *count)
{
    size_t n = capped_len(a);
    char **out = xcalloc(n + 1, sizeof *out);
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(a, i);
        char *s = line_dup(member ? json_get(x, member) : x);
        if (s)
            out[(*count)++] = s;
    }
    return out;
}

enum err department_gaps_parse(const char *text, size_t len, struct department_gaps **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = open_doc(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *topics = json_get(root, "topics");
    if (!json_get(root, "scope")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct department_gaps *g = xcalloc(1, sizeof *g);
    g->scope = line_or(json_get(root, "scope"), "company");
    g->period = line_or(json_get(root, "period"), "quarter");
    g->as_of = line_dup(json_get(root, "as_of"));
    g->min_askers = as_int(json_get(root, "min_askers"));
    size_t n = capped_len(topics);
    g->topics = xcalloc(n + 1, sizeof *g->topics);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *x = json_at(topics, i);
        struct department_gap_topic *t = &g->topics[g->topic_count++];
        t->topic = line_or(json_get(x, "topic"), "?");
        t->terms = string_array(json_get(x, "terms"), NULL, &t->term_count);
        t->askers = as_int(json_get(x, "askers"));
        t->questions = as_int(json_get(x, "questions"));
        for (size_t m = 0; m < DEPARTMENT_MONTHS; m++)
            t->by_month[m] = json_num(json_at(json_get(x, "by_month"), m), 0);
        const struct json_node *d = json_get(x, "departments");
        size_t nd = capped_len(d);
        t->departments = xcalloc(nd + 1, sizeof *t->departments);
        for (size_t j = 0; j < nd; j++) {
            const struct json_node *y = json_at(d, j);
            char *name = line_dup(json_get(y, "department"));
            if (!name)
                continue;
            struct department_gap_count *c = &t->departments[t->department_count++];
            c->department = name;
            c->askers = as_int(json_get(y, "askers"));
            c->questions = as_int(json_get(y, "questions"));
        }
        t->skills = string_array(json_get(x, "skills"), "name", &t->skill_count);
        t->nearest = string_array(json_get(x, "nearest_content"), "title", &t->nearest_count);
    }
    json_doc_free(doc);
    *out = g;
    return ERR_OK;
}

void department_gaps_free(struct department_gaps *g)
{
    if (!g)
        return;
    free(g->scope);
    free(g->period);
    free(g->as_of);
    for (size_t i = 0; i < g->topic_count; i++) {
        struct department_gap_topic *t = &g->topics[i];
        free(t->topic);
        strings_free(t->terms, t->term_count);
        for (size_t j = 0; j < t->department_count; j++)
            free(t->departments[j].department);
        free(t->departments);
        strings_free(t->skills, t->skill_count);
        strings_free(t->nearest, t->nearest_count);
    }
    free(g->topics);
    free(g);
}

void department_gaps_refresh_describe(const char *text, size_t len, struct buf *out)
{
    struct json_doc *doc;
    if (open_doc(text, len, &doc) != ERR_OK) {
        buf_append_str(out, "Knowledge gaps: the database answered something unexpected.");
        return;
    }
    const struct json_node *root = json_doc_root(doc);
    if (!json_bool(json_get(root, "refreshed"), 0)) {
        buf_append_str(out, "Another refresh of the knowledge gaps is running; try again soon.");
    } else {
        int q = as_int(json_get(root, "questions")), t = as_int(json_get(root, "topics"));
        buf_printf(out, "Knowledge gaps recomputed: %d gap question%s, %d topic%s.", q,
                   q == 1 ? "" : "s", t, t == 1 ? "" : "s");
    }
    json_doc_free(doc);
}

/* --- figures as text ----------------------------------------------------------------------- */

static bool is_percent(enum department_headline h)
{
    return h == DEPARTMENT_AVG_COMPLETION;
}

static void format_number(enum department_headline h, double v, char *out, size_t outlen)
{
    if (is_percent(h)) {
        snprintf(out, outlen, "%.1f %%", v);
    } else if (h == DEPARTMENT_TIME_SPENT) {
        long m = lround(v);
        if (m >= 60)
            snprintf(out, outlen, "%ld h %02ld min", m / 60, m % 60);
        else
            snprintf(out, outlen, "%ld min", m);
    } else {
        snprintf(out, outlen, "%.0f", v);
    }
}

void department_format_value(enum department_headline h, bool has, double value, char *out,
                             size_t outlen)
{
    if (!has)
        snprintf(out, outlen, "-");
    else
        format_number(h, value, out, outlen);
}

void department_format_trend(enum department_headline h, const struct department_figure *f,
                             bool is_unicode, char *out, size_t outlen)
{
    out[0] = '\0';
    if (f->is_suppressed || !f->has_value || !f->has_previous)
        return;
    double d = f->value - f->previous;
    double mag = fabs(d);
    char num[32];
    if (is_percent(h))
        snprintf(num, sizeof num, "%.1f", mag);
    else if (h == DEPARTMENT_TIME_SPENT)
        format_number(h, mag, num, sizeof num);
    else
        snprintf(num, sizeof num, "%.0f", mag);
    bool is_zero = is_percent(h) ? mag < 0.05 : mag < 0.5;
    if (is_zero)
        snprintf(out, outlen, "= 0");
    else if (d > 0)
        snprintf(out, outlen, "%s%s", is_unicode ? "\xE2\x96\xB2 " : "+", num);
    else
        snprintf(out, outlen, "%s%s", is_unicode ? "\xE2\x96\xBC " : "-", num);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long long department_parse_time(const char *iso)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 || d < 1 ||
        d > 31)
        return 0;
    long long t = days_from_civil(y, mo, d) * 86400;
    if (strlen(iso) <= 11 || (iso[10] != 'T' && iso[10] != ' '))
        return t; /* a date alone */
    if (sscanf(iso + 11, "%2d:%2d:%2d", &h, &mi, &se) == 3)
        t += h * 3600LL + mi * 60LL + se;
    /* the offset the database wrote ("+00:00", "-05:30", "Z") */
    const char *z = iso + 11 + strcspn(iso + 11, "+-Z");
    int oh = 0, om = 0;
    if ((*z == '+' || *z == '-') && sscanf(z + 1, "%2d:%2d", &oh, &om) >= 1)
        t -= (*z == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
    return t;
}

void department_format_when(const char *iso, long long now, char *out, size_t outlen)
{
    out[0] = '\0';
    long long t = department_parse_time(iso);
    if (t == 0)
        return;
    /* whole days between the two instants, towards zero: stable over a run a few seconds
     * long, whatever the time of day */
    long long days = (t - now) / 86400;
    if (days == 0)
        snprintf(out, outlen, "today");
    else if (days == -1)
        snprintf(out, outlen, "yesterday");
    else if (days == 1)
        snprintf(out, outlen, "tomorrow");
    else if (days < -365 || days > 365)
        snprintf(out, outlen, "%.10s", iso);
    else if (days < -13)
        snprintf(out, outlen, "%lld weeks ago", -days / 7);
    else if (days < 0)
        snprintf(out, outlen, "%lld days ago", -days);
    else if (days > 13)
        snprintf(out, outlen, "in %lld weeks", days / 7);
    else
        snprintf(out, outlen, "in %lld days", days);
}

/* --- CSV ----------------------------------------------------------------------------------- */

enum err department_csv_write(const char *const *cells, size_t rows, struct buf *out)
{
    static const char *const header[DEPARTMENT_CSV_COLUMNS] = {
        "section", "subject_id", "subject", "item_id", "item", "metric", "value", "previous"};
    enum err e = csv_append_record(out, header, DEPARTMENT_CSV_COLUMNS, true);
    for (size_t i = 0; e == ERR_OK && i < rows; i++)
        e = csv_append_record(out, cells + i * DEPARTMENT_CSV_COLUMNS, DEPARTMENT_CSV_COLUMNS,
                              true);
    return e;
}

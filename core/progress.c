/* progress: the dashboard JSON -> struct progress. */
#include "core/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

enum { PROGRESS_LIST_MAX = 200 };

static int as_int(const struct json_node *n)
{
    double v = json_num(n, 0);
    return v > 0 && v < 1e9 ? (int)v : 0;
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

static void target_parse(const struct json_node *n, struct progress_target *t)
{
    t->content_id = json_str_dup(json_get(n, "content_id"), NULL);
    t->course_id = json_str_dup(json_get(n, "course_id"), NULL);
    t->title = line_dup(json_get(n, "title"));
}

static void target_cleanup(struct progress_target *t)
{
    free(t->content_id);
    free(t->course_id);
    free(t->title);
}

static size_t capped_len(const struct json_node *n)
{
    size_t len = json_len(n);
    return len > PROGRESS_LIST_MAX ? PROGRESS_LIST_MAX : len;
}

enum err progress_parse(const char *text, size_t len, struct progress **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *sum = json_get(root, "summary");
    if (!sum) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct progress *p = xcalloc(1, sizeof *p);
    p->user_name = line_dup(json_get(json_get(root, "user"), "name"));
    struct progress_summary *s = &p->summary;
    s->overall_completion = as_percent(json_get(sum, "overall_completion"));
    s->items_tracked = as_int(json_get(sum, "items_tracked"));
    s->courses_in_progress = as_int(json_get(sum, "courses_in_progress"));
    s->courses_completed = as_int(json_get(sum, "courses_completed"));
    s->skills_in_progress = as_int(json_get(sum, "skills_in_progress"));
    s->skills_completed = as_int(json_get(sum, "skills_completed"));
    s->content_in_progress = as_int(json_get(sum, "content_in_progress"));
    s->content_completed = as_int(json_get(sum, "content_completed"));
    s->completed_last_30_days = as_int(json_get(sum, "completed_last_30_days"));
    s->avg_hours_to_complete = json_num(json_get(sum, "avg_hours_to_complete_30d"), -1);
    s->streak_days = as_int(json_get(sum, "streak_days"));
    s->active_days_30d = as_int(json_get(sum, "active_days_30d"));
    s->time_12_weeks_s = as_int(json_get(sum, "time_last_12_weeks_seconds"));
    s->time_total_s = as_int(json_get(sum, "time_total_seconds"));

    const struct json_node *skills = json_get(root, "skills");
    p->skill_count = capped_len(skills);
    p->skills = xcalloc(p->skill_count + 1, sizeof *p->skills);
    for (size_t i = 0; i < p->skill_count; i++) {
        const struct json_node *k = json_at(skills, i);
        struct progress_skill *sk = &p->skills[i];
        sk->name = line_dup(json_get(k, "name"));
        if (!sk->name)
            sk->name = xstrdup("(unnamed skill)");
        sk->category = line_dup(json_get(k, "category"));
        sk->level = as_int(json_get(k, "level"));
        sk->max_level = as_int(json_get(k, "max_level"));
        if (sk->max_level <= 0)
            sk->max_level = 5;
        if (sk->level > sk->max_level)
            sk->level = sk->max_level;
        sk->progress = as_percent(json_get(k, "progress"));
        sk->is_completed = json_bool(json_get(k, "completed"), 0) != 0;
    }

    /* Exactly twelve weeks, oldest first; a shorter array fills the newest slots. */
    const struct json_node *weeks = json_get(root, "weekly_time");
    size_t wn = json_len(weeks);
    if (wn > PROGRESS_WEEKS)
        wn = PROGRESS_WEEKS;
    for (size_t i = 0; i < wn; i++) {
        const struct json_node *w = json_at(weeks, json_len(weeks) - wn + i);
        size_t slot = PROGRESS_WEEKS - wn + i;
        double v = json_num(json_get(w, "seconds"), 0);
        p->week_seconds[slot] = v > 0 ? v : 0;
        p->week_start[slot] = line_dup(json_get(w, "week_start"));
    }

    const struct json_node *as = json_get(root, "assessments");
    p->assessment_count = capped_len(as);
    p->assessments = xcalloc(p->assessment_count + 1, sizeof *p->assessments);
    for (size_t i = 0; i < p->assessment_count; i++) {
        const struct json_node *a = json_at(as, i);
        struct progress_assessment *x = &p->assessments[i];
        x->title = line_dup(json_get(a, "title"));
        if (!x->title)
            x->title = xstrdup("(untitled assessment)");
        x->score = json_num(json_get(a, "score"), -1);
        x->passing_score = json_num(json_get(a, "passing_score"), 0);
        x->is_passed = json_bool(json_get(a, "passed"), 0) != 0;
        x->completed_at = line_dup(json_get(a, "completed_at"));
    }

    const struct json_node *ip = json_get(root, "in_progress");
    p->item_count = capped_len(ip);
    p->items = xcalloc(p->item_count + 1, sizeof *p->items);
    for (size_t i = 0; i < p->item_count; i++) {
        const struct json_node *n = json_at(ip, i);
        struct progress_item *it = &p->items[i];
        char *type = json_str_dup(json_get(n, "type"), "");
        it->is_course = strcmp(type, "course") == 0;
        free(type);
        it->id = json_str_dup(json_get(n, "id"), NULL);
        it->title = line_dup(json_get(n, "title"));
        if (!it->title)
            it->title = xstrdup("(untitled)");
        it->progress = as_percent(json_get(n, "progress"));
        it->last_activity = line_dup(json_get(n, "last_activity"));
        it->time_spent_s = as_int(json_get(n, "time_spent"));
        it->items = as_int(json_get(n, "items"));
        it->items_done = as_int(json_get(n, "items_done"));
        const struct json_node *next = json_get(n, "next");
        if (next && json_get(next, "content_id"))
            target_parse(next, &it->next);
        else if (!it->is_course && it->id) /* content opens itself */
            it->next = (struct progress_target){xstrdup(it->id), NULL, xstrdup(it->title)};
    }

    const struct json_node *st = json_get(root, "start_here");
    p->start_count = capped_len(st);
    p->starts = xcalloc(p->start_count + 1, sizeof *p->starts);
    for (size_t i = 0; i < p->start_count; i++) {
        const struct json_node *n = json_at(st, i);
        struct progress_start *x = &p->starts[i];
        x->type = line_dup(json_get(n, "type"));
        x->title = line_dup(json_get(n, "title"));
        if (!x->title)
            x->title = xstrdup("(untitled)");
        x->reason = line_dup(json_get(n, "reason"));
        const struct json_node *open = json_get(n, "open");
        if (open && json_get(open, "content_id"))
            target_parse(open, &x->open);
    }
    json_doc_free(doc);
    *out = p;
    return ERR_OK;
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    free(p->user_name);
    for (size_t i = 0; i < p->skill_count; i++) {
        free(p->skills[i].name);
        free(p->skills[i].category);
    }
    free(p->skills);
    for (size_t i = 0; i < PROGRESS_WEEKS; i++)
        free(p->week_start[i]);
    for (size_t i = 0; i < p->assessment_count; i++) {
        free(p->assessments[i].title);
        free(p->assessments[i].completed_at);
    }
    free(p->assessments);
    for (size_t i = 0; i < p->item_count; i++) {
        free(p->items[i].id);
        free(p->items[i].title);
        free(p->items[i].last_activity);
        target_cleanup(&p->items[i].next);
    }
    free(p->items);
    for (size_t i = 0; i < p->start_count; i++) {
        free(p->starts[i].type);
        free(p->starts[i].title);
        free(p->starts[i].reason);
        target_cleanup(&p->starts[i].open);
    }
    free(p->starts);
    free(p);
}

bool progress_is_empty(const struct progress *p)
{
    return p->summary.items_tracked == 0 && p->item_count == 0 && p->skill_count == 0 &&
           p->assessment_count == 0;
}

void progress_format_duration(long seconds, char *out, size_t outlen)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds >= 3600)
        snprintf(out, outlen, "%ld h %02ld min", seconds / 3600, (seconds % 3600) / 60);
    else if (seconds >= 60 || seconds == 0)
        snprintf(out, outlen, "%ld min", seconds / 60);
    else
        snprintf(out, outlen, "%ld s", seconds);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void progress_format_ago(const char *iso, time_t now, char *out, size_t outlen)
{
    out[0] = '\0';
    int y, m, d;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return;
    /* Dates are compared in UTC, as the database writes them. */
    long then = days_from_civil(y, m, d);
    long today = (long)(now / 86400);
    long ago = today - then;
    if (ago <= 0)
        snprintf(out, outlen, "today");
    else if (ago == 1)
        snprintf(out, outlen, "yesterday");
    else if (ago < 14)
        snprintf(out, outlen, "%ld days ago", ago);
    else if (ago < 365)
        snprintf(out, outlen, "%ld weeks ago", ago / 7);
    else
        snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
}

/* progress: the learner's Progress tab, read from the JSON of cca_learning_dashboard()
 * (core/store_learning.h; tests/db/README.md "Learning API"). Pure: no I/O; every string is
 * safe to show (sanitised, one line). */
#ifndef CCA_PROGRESS_H
#define CCA_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"

#define PROGRESS_WEEKS 12

/* What to open in the reader: a content item, in a course or not. */
struct progress_target {
    char *content_id; /* NULL: nothing to open */
    char *course_id;  /* may be NULL */
    char *title;      /* may be NULL */
};

struct progress_summary {
    double overall_completion; /* 0..100 */
    int items_tracked;
    int courses_in_progress, courses_completed;
    int skills_in_progress, skills_completed;
    int content_in_progress, content_completed;
    int completed_last_30_days;
    double avg_hours_to_complete; /* < 0: nothing completed in 30 days */
    int streak_days, active_days_30d;
    long time_12_weeks_s, time_total_s;
};

struct progress_skill {
    char *name, *category;
    int level, max_level; /* 1..5 */
    double progress;      /* 0..100 */
    bool is_completed;
};

struct progress_assessment {
    char *title;
    double score, passing_score; /* score < 0: not scored */
    bool is_passed;
    char *completed_at; /* ISO 8601, may be NULL */
};

/* A course or content item in progress, latest activity first. */
struct progress_item {
    bool is_course;
    char *id, *title;
    double progress;     /* 0..100 */
    char *last_activity; /* ISO 8601, may be NULL */
    long time_spent_s;
    int items, items_done;       /* lessons of a course */
    struct progress_target next; /* what comes next (a course's first lesson not completed) */
};

/* A place to start, for someone with no progress at all. */
struct progress_start {
    char *type, *title, *reason;
    struct progress_target open;
};

struct progress {
    char *user_name; /* may be NULL */
    struct progress_summary summary;
    struct progress_skill *skills;
    size_t skill_count;
    double week_seconds[PROGRESS_WEEKS]; /* oldest first, this week last */
    char *week_start[PROGRESS_WEEKS];    /* "YYYY-MM-DD", may be NULL */
    struct progress_assessment *assessments;
    size_t assessment_count;
    struct progress_item *items;
    size_t item_count;
    struct progress_start *starts;
    size_t start_count;
};

/* Parses text (len bytes). The caller owns *out (progress_free). ERR_INVALID when it is not
 * the dashboard document. */
enum err progress_parse(const char *text, size_t len, struct progress **out);
/* NULL is a no-op. */
void progress_free(struct progress *p);
/* True when the learner has no progress at all (a new employee): the empty state. */
bool progress_is_empty(const struct progress *p);

/* seconds as "2 h 05 min", "12 min", "40 s" or "0 min" into out (outlen bytes). */
void progress_format_duration(long seconds, char *out, size_t outlen);
/* How long ago the ISO 8601 timestamp iso was, seen at now: "today", "yesterday",
 * "3 days ago", "5 weeks ago", or the date "2025-01-31" beyond a year; "" when iso is NULL or
 * unreadable. */
void progress_format_ago(const char *iso, time_t now, char *out, size_t outlen);

#endif

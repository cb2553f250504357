/* department: the HR manager's Department tab and `cca report department`, read from the JSON
 * of the Department API (core/store_department.h; tests/db/README.md "Department API"): the
 * overview, the people table, one person, the knowledge gaps; plus the CSV the report is
 * written as. Pure: no I/O. Every string is safe to show (sanitised, one line); a figure the
 * database hid below the minimum group size is marked is_suppressed, never guessed at. */
#ifndef CCA_DEPARTMENT_H
#define CCA_DEPARTMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define DEPARTMENT_WEEKS 12
#define DEPARTMENT_MONTHS 12

/* --- filters ------------------------------------------------------------------------------ */

enum department_period {
    DEPARTMENT_PERIOD_30D,
    DEPARTMENT_PERIOD_QUARTER,
    DEPARTMENT_PERIOD_YEAR,
    DEPARTMENT_PERIOD_COUNT,
};

/* "30d", "quarter", "year" (the API's names); static. */
const char *department_period_name(enum department_period p);
/* "last 30 days", "last quarter", "last year"; static. */
const char *department_period_title(enum department_period p);
/* The period named name; false (and *out unchanged) for anything else. */
bool department_period_parse(const char *name, enum department_period *out);

/* --- department_list() ---------------------------------------------------------------------- */

struct department_choice {
    char *name;
    int people;
};

struct department_list {
    struct department_choice *items;
    size_t count;
};

/* Parses text (len bytes) into *out (department_list_cleanup). ERR_INVALID when it is not an
 * array; elements without a name are skipped. */
enum err department_list_parse(const char *text, size_t len, struct department_list *out);
void department_list_cleanup(struct department_list *l);

/* --- department_overview() ------------------------------------------------------------------ */

enum department_headline {
    DEPARTMENT_PEOPLE,
    DEPARTMENT_ACTIVE_LEARNERS,
    DEPARTMENT_AVG_COMPLETION,
    DEPARTMENT_ASSESSMENTS_TAKEN,
    DEPARTMENT_ASSESSMENTS_PASSED,
    DEPARTMENT_TIME_SPENT,
    DEPARTMENT_HEADLINE_COUNT,
};

/* The API's key ("active_learners") and a title ("Active learners"); static. */
const char *department_headline_key(enum department_headline h);
const char *department_headline_title(enum department_headline h);

/* One headline figure: value in the period and in the one before it. */
struct department_figure {
    bool has_value, has_previous, is_suppressed;
    double value, previous; /* percentages for avg_completion, minutes for time spent */
};

struct department_course {
    char *course_id, *title;
    char *mandatory_due_at; /* ISO 8601, NULL when not mandatory */
    bool is_suppressed;     /* fewer learners than the minimum group */
    int learners, completed;
    double completion_rate, avg_progress; /* percentages */
};

struct department_skill {
    char *skill_id, *name, *category;
    bool is_suppressed;
    int holders;
    double avg_level;
};

struct department_assessment {
    char *assessment_id, *title;
    bool is_suppressed;
    int takers, passed;
    double pass_rate, avg_score;
};

struct department_overview {
    char *department, *period;
    char *course_filter, *skill_filter; /* ids, NULL when not filtered */
    int min_group_size;
    struct department_figure headline[DEPARTMENT_HEADLINE_COUNT];
    bool is_weekly_suppressed;
    char *week_starts[DEPARTMENT_WEEKS]; /* "YYYY-MM-DD", oldest first; may be NULL */
    double week_events[DEPARTMENT_WEEKS], week_active[DEPARTMENT_WEEKS];
    struct department_course *courses;
    size_t course_count;
    struct department_assessment *assessments;
    size_t assessment_count;
    /* The skills matrix: people x skills, levels[person * skill_count + skill] 0 (none) to 5. */
    struct department_skill *skills;
    size_t skill_count, skills_total;
    char **matrix_people;
    size_t matrix_people_count;
    int *levels;
};

/* Parses text (len bytes). The caller owns *out (department_overview_free). ERR_INVALID when it
 * is not the overview document (no headline). */
enum err department_overview_parse(const char *text, size_t len, struct department_overview **out);
/* NULL is a no-op. */
void department_overview_free(struct department_overview *o);

/* --- department_people() and "needs attention" ---------------------------------------------- */

enum department_reason_kind {
    DEPARTMENT_REASON_INACTIVE,     /* when: the last activity (NULL: never) */
    DEPARTMENT_REASON_FAILED_TWICE, /* subject: the assessment; failures */
    DEPARTMENT_REASON_OVERDUE,      /* subject: the course; when: its due date */
};

struct department_reason {
    enum department_reason_kind kind;
    char *subject; /* may be NULL */
    char *when;    /* ISO 8601, may be NULL */
    int failures;
};

struct department_person_row {
    char *user_id, *name, *email, *role;
    bool has_progress;
    double progress; /* 0..100 */
    int items, completed;
    char *last_activity; /* ISO 8601, NULL: never */
    int assessments_taken, assessments_passed;
    struct department_reason *reasons;
    size_t reason_count;
};

struct department_people {
    struct department_person_row *items;
    size_t count;
    long total; /* rows matching before paging */
};

/* Parses a JSON array of department_people rows into *out (department_people_cleanup).
 * ERR_INVALID when it is not an array. */
enum err department_people_parse(const char *text, size_t len, struct department_people *out);
/* Moves the rows of more to the end of p (a next page); more is left empty. */
void department_people_append(struct department_people *p, struct department_people *more);
void department_people_cleanup(struct department_people *p);

/* What a reason says in a sentence, with dates relative to now (seconds since the epoch):
 * "no activity since 5 weeks ago", "failed Python Basics twice", "overdue: Security (due
 * 3 days ago)". Appends to out. */
void department_reason_describe(const struct department_reason *r, long long now,
                                struct buf *out);
/* The reasons in a few words for a table cell ("inactive, overdue"); static text or "". */
const char *department_reasons_short(const struct department_person_row *p, char *out,
                                     size_t outlen);

/* --- department_person() ------------------------------------------------------------------- */

struct department_person_course {
    char *title;
    double progress;
    char *completed_at, *updated_at, *mandatory_due_at; /* ISO 8601 or NULL */
};

struct department_person_skill {
    char *name, *category;
    int level;
    double progress;
    bool is_completed;
};

struct department_person_result {
    char *title;
    bool has_score;
    double score, passing_score;
    bool is_passed;
    char *completed_at;
};

struct department_person_attempt {
    char *title, *status, *started_at;
    bool is_timed_out;
};

struct department_person {
    char *name, *email, *role, *department, *joined_at;
    int items, completed, assessments_taken, assessments_passed, questions_30d;
    bool has_progress;
    double progress;
    char *last_activity;
    struct department_reason *reasons;
    size_t reason_count;
    struct department_person_course *courses;
    size_t course_count;
    struct department_person_skill *skills;
    size_t skill_count;
    struct department_person_result *results;
    size_t result_count;
    struct department_person_attempt *attempts;
    size_t attempt_count;
};

/* Parses text into *out (department_person_free). ERR_INVALID without a "user". */
enum err department_person_parse(const char *text, size_t len, struct department_person **out);
void department_person_free(struct department_person *p);

/* --- knowledge_gaps() ----------------------------------------------------------------------- */

struct department_gap_count {
    char *department;
    int askers, questions;
};

struct department_gap_topic {
    char *topic;
    char **terms;
    size_t term_count;
    int askers, questions;
    double by_month[DEPARTMENT_MONTHS]; /* oldest first; 0 where hidden */
    struct department_gap_count *departments;
    size_t department_count;
    char **skills;  /* names */
    size_t skill_count;
    char **nearest; /* content titles, best first */
    size_t nearest_count;
};

struct department_gaps {
    char *scope, *period;
    char *as_of; /* ISO 8601, NULL before the first refresh */
    int min_askers;
    struct department_gap_topic *topics;
    size_t topic_count;
};

enum err department_gaps_parse(const char *text, size_t len, struct department_gaps **out);
void department_gaps_free(struct department_gaps *g);
/* The reply of knowledge_gaps_refresh() in a sentence ("Knowledge gaps recomputed: 205 gap
 * questions, 12 topics." or "Another refresh is running; try again in a moment.")
 * into out. */
void department_gaps_refresh_describe(const char *text, size_t len, struct buf *out);

/* --- figures as text ------------------------------------------------------------------------ */

/* The value of a headline figure as text ("42", "67.5 %", "12 h 30 min"), "hidden" when
 * suppressed, "-" without a value; into out (outlen bytes). */
void department_format_value(enum department_headline h, bool has, double value, char *out,
                             size_t outlen);
/* The change against the previous period: "▲ 3", "▼ 2.5", "= 0" (ASCII "+3", "-2.5", "=");
 * "" when either value is missing or suppressed. Percent figures change in points. */
void department_format_trend(enum department_headline h, const struct department_figure *f,
                             bool is_unicode, char *out, size_t outlen);
/* An ISO 8601 time ("2026-01-31T09:00:00.5+00:00", or a date) as seconds since the epoch;
 * 0 when unreadable. */
long long department_parse_time(const char *iso);
/* An ISO 8601 time relative to now (seconds since the epoch), in whole days towards zero:
 * "today", "yesterday", "3 days ago", "5 weeks ago", "in 4 days", or the date beyond a year;
 * "" when unreadable. */
void department_format_when(const char *iso, long long now, char *out, size_t outlen);

/* --- CSV -------------------------------------------------------------------------------------- */

enum { DEPARTMENT_CSV_COLUMNS = 8 };

/* Appends the CSV file of department_report_rows: a header line (section, subject_id, subject,
 * item_id, item, metric, value, previous) and one record per row of cells (rows x 8, row-major,
 * NULL for an empty cell), RFC 4180 with CRLF, formula-like cells defused (core/csv.h).
 * ERR_TOO_LARGE at out's cap. */
enum err department_csv_write(const char *const *cells, size_t rows, struct buf *out);

#endif

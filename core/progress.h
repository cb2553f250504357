/* progress: the learner's progress overview, read from the JSON the database returns
 * (core/store_progress.h). Pure: no I/O; every string is safe to show. */
#ifndef CCA_PROGRESS_H
#define CCA_PROGRESS_H

#include <stddef.h>

#include "core/err.h"

struct progress_category {
    char *name;
    int count;
};

struct progress {
    int total_skills, completed_skills;
    int total_courses, completed_courses;
    double average_percent;   /* over every progress row, 0..100 */
    double velocity_hours;    /* mean hours to complete an item in the last 30 days, < 0: none */
    int recent_messages, recent_progress, recent_recommendations; /* last 7 days */
    struct progress_category *categories; /* skills per category */
    size_t category_count;
};

/* Parses text (len bytes). The caller owns *out (progress_free). ERR_INVALID when it is not
 * the expected JSON object. */
enum err progress_parse(const char *text, size_t len, struct progress **out);
/* NULL is a no-op. */
void progress_free(struct progress *p);
/* True when the learner has no progress at all (a new employee). */
int progress_is_empty(const struct progress *p);

#endif

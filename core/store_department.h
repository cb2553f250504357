/* store_department: the HR manager's Department tab, `cca report department` and the
 * knowledge-gap report, over the Department API of migration 012 (tests/db/README.md
 * "Department API"). The database decides who may read what: an admin any department, an HR
 * manager only their own (another is refused with ERR_PERMISSION and the server's message),
 * trainers only the knowledge gaps. Implemented by db/pg_department.c; other stores reply
 * ERR_UNSUPPORTED. Replies come through fn, on the loop when one is attached
 * (store_attach_loop), else before the call returns. The reads a screen shows (overview,
 * people, person, gaps) carry the server's clock in row 0, column 1 (seconds since the epoch as
 * text), so that "3 days ago" is measured on the clock the database measured with. */
#ifndef CCA_STORE_DEPARTMENT_H
#define CCA_STORE_DEPARTMENT_H

#include <stdbool.h>

#include "core/store.h"

/* What a report reads: every member may be NULL (the caller's own department, '30d', no
 * course or skill filter). Borrowed for the call. */
struct store_department_query {
    const char *department;
    const char *period; /* "30d" | "quarter" | "year" */
    const char *course_id;
    const char *skill_id;
};

/* department_list(): the departments the caller may pick, JSON in row 0, column 0. */
struct store_call *store_department_list(struct store *s, store_reply_fn fn, void *userdata);

/* department_overview(...): the tab's figures and charts, JSON in row 0, column 0. */
struct store_call *store_department_overview(struct store *s,
                                             const struct store_department_query *q,
                                             store_reply_fn fn, void *userdata);

/* One page of department_people(...) as a JSON array of its rows (in the order asked for) in
 * row 0, column 0. */
struct store_department_people_query {
    struct store_department_query filter; /* period is ignored */
    const char *search;                   /* NULL: everybody */
    const char *sort_by;                  /* NULL: "name" */
    bool is_descending;
    bool is_attention_only;
    int limit;  /* <= 0: 100 */
    int offset; /* rows to skip */
};
struct store_call *store_department_people(struct store *s,
                                           const struct store_department_people_query *q,
                                           store_reply_fn fn, void *userdata);

/* department_person(person_id): one person's progress, skills and results (never a chat text),
 * JSON in row 0, column 0; ERR_NOT_FOUND for anybody the caller may not see. */
struct store_call *store_department_person(struct store *s, const char *person_id,
                                           store_reply_fn fn, void *userdata);

/* department_report(...): the overview plus every person and the needs-attention list, JSON in
 * row 0, column 0 (`--json`). */
struct store_call *store_department_report(struct store *s,
                                           const struct store_department_query *q,
                                           store_reply_fn fn, void *userdata);

/* department_report_rows(...): the same report one value per row, 8 text columns (section,
 * subject_id, subject, item_id, item, metric, value, previous), in the order to write them. */
struct store_call *store_department_report_rows(struct store *s,
                                                const struct store_department_query *q,
                                                store_reply_fn fn, void *userdata);

/* knowledge_gaps(department, period, topic_limit): the report from the last refresh, JSON in
 * row 0, column 0. department NULL: the company for trainers and admins, one's own for HR
 * managers; topic_limit <= 0: 50. */
struct store_call *store_department_gaps(struct store *s, const char *department,
                                         const char *period, int topic_limit, store_reply_fn fn,
                                         void *userdata);

/* knowledge_gaps_refresh(): brings the summary up to date (seconds on a big company), JSON in
 * row 0, column 0 ({"refreshed": false} when another refresh is running). */
struct store_call *store_department_gaps_refresh(struct store *s, store_reply_fn fn,
                                                 void *userdata);

#endif

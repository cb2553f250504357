/* pg_department: core/store_department.h over PostgreSQL: one SQL function call each, every
 * value a text parameter cast in the statement, named arguments where the function has many.
 * Every call but the refresh only reads (STABLE functions): a replica may serve it. */
#include <stdio.h>

#include "core/store_department.h"

#include "db/pg_call.h"

/* The server's clock beside each document a screen shows (core/store_department.h). */
#define SERVER_NOW ", extract(epoch FROM now())::bigint::text"

#define QUERY_PARAMS(q)                                                                            \
    {(q) ? (q)->department : NULL, (q) && (q)->period ? (q)->period : "30d",                      \
     (q) ? (q)->course_id : NULL, (q) ? (q)->skill_id : NULL}

struct store_call *store_department_list(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call_read(s, "SELECT department_list()::text", 0, NULL, fn, userdata);
}

struct store_call *store_department_overview(struct store *s,
                                             const struct store_department_query *q,
                                             store_reply_fn fn, void *userdata)
{
    const char *params[] = QUERY_PARAMS(q);
    return pg_store_call_read(s, "SELECT department_overview($1, $2, $3, $4)::text" SERVER_NOW, 4,
                         params, fn, userdata);
}

struct store_call *store_department_people(struct store *s,
                                           const struct store_department_people_query *q,
                                           store_reply_fn fn, void *userdata)
{
    char limit[16], offset[16];
    snprintf(limit, sizeof limit, "%d", q->limit > 0 ? q->limit : 100);
    snprintf(offset, sizeof offset, "%d", q->offset > 0 ? q->offset : 0);
    const char *params[] = {q->filter.department,
                            q->filter.course_id,
                            q->filter.skill_id,
                            q->search && *q->search ? q->search : NULL,
                            q->sort_by ? q->sort_by : "name",
                            q->is_descending ? "true" : "false",
                            q->is_attention_only ? "true" : "false",
                            limit,
                            offset};
    /* The rows as one JSON array, in the function's order (its sort and paging). */
    return pg_store_call_read(s,
                         "SELECT coalesce(json_agg(p ORDER BY p.ordinality), '[]')::text" SERVER_NOW
                         " FROM department_people(department => $1, course_id => $2,"
                         " skill_id => $3, search => $4, sort_by => $5,"
                         " descending => $6::boolean, attention_only => $7::boolean,"
                         " limit_count => $8::integer, offset_count => $9::integer)"
                         " WITH ORDINALITY AS p",
                         9, params, fn, userdata);
}

struct store_call *store_department_person(struct store *s, const char *person_id,
                                           store_reply_fn fn, void *userdata)
{
    const char *params[] = {person_id};
    return pg_store_call_read(s, "SELECT department_person($1)::text" SERVER_NOW, 1, params, fn,
                         userdata);
}

struct store_call *store_department_report(struct store *s,
                                           const struct store_department_query *q,
                                           store_reply_fn fn, void *userdata)
{
    const char *params[] = QUERY_PARAMS(q);
    return pg_store_call_read(s, "SELECT department_report($1, $2, $3, $4)::text", 4, params, fn,
                         userdata);
}

struct store_call *store_department_report_rows(struct store *s,
                                                const struct store_department_query *q,
                                                store_reply_fn fn, void *userdata)
{
    const char *params[] = QUERY_PARAMS(q);
    return pg_store_call_read(s,
                         "SELECT section, subject_id, subject, item_id, item, metric, value,"
                         " previous FROM department_report_rows($1, $2, $3, $4)",
                         4, params, fn, userdata);
}

struct store_call *store_department_gaps(struct store *s, const char *department,
                                         const char *period, int topic_limit, store_reply_fn fn,
                                         void *userdata)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", topic_limit > 0 ? topic_limit : 50);
    const char *params[] = {department, period ? period : "quarter", limit};
    return pg_store_call_read(s, "SELECT knowledge_gaps($1, $2, $3::integer)::text" SERVER_NOW, 3,
                         params, fn, userdata);
}

struct store_call *store_department_gaps_refresh(struct store *s, store_reply_fn fn,
                                                 void *userdata)
{
    return pg_store_call(s, "SELECT knowledge_gaps_refresh()::text", 0, NULL, fn, userdata);
}

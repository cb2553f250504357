/* pg_assessments: core/store_assessments.h over PostgreSQL. Only the SQL text lives here; the
 * functions it calls are migration 009's, which decide everything against the server clock. */
#include "core/store_assessments.h"

#include <stdio.h>

#include "db/pg_call.h"

struct store_call *store_assessment_list(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT assessment_list()::text", 0, NULL, fn, userdata);
}

struct store_call *store_assessment_start(struct store *s, const char *assessment_id,
                                          store_reply_fn fn, void *userdata)
{
    const char *params[] = {assessment_id};
    return pg_store_call(s, "SELECT assessment_start($1)::text", 1, params, fn, userdata);
}

struct store_call *store_assessment_state(struct store *s, const char *attempt_id,
                                          store_reply_fn fn, void *userdata)
{
    const char *params[] = {attempt_id};
    return pg_store_call(s, "SELECT assessment_state($1)::text", 1, params, fn, userdata);
}

struct store_call *store_assessment_save_answer(struct store *s, const char *attempt_id,
                                                const char *question_id, int choice,
                                                store_reply_fn fn, void *userdata)
{
    char number[16];
    snprintf(number, sizeof number, "%d", choice);
    const char *params[] = {attempt_id, question_id, choice >= 0 ? number : NULL};
    return pg_store_call(s, "SELECT save_answer($1, $2, $3::integer)::text", 3, params, fn,
                         userdata);
}

struct store_call *store_assessment_flag(struct store *s, const char *attempt_id,
                                         const char *question_id, bool is_flagged,
                                         store_reply_fn fn, void *userdata)
{
    const char *params[] = {attempt_id, question_id, is_flagged ? "true" : "false"};
    return pg_store_call(s, "SELECT flag_question($1, $2, $3::boolean)::text", 3, params, fn,
                         userdata);
}

struct store_call *store_assessment_submit(struct store *s, const char *attempt_id,
                                           const char *answers_json, store_reply_fn fn,
                                           void *userdata)
{
    const char *params[] = {attempt_id, answers_json};
    return pg_store_call(s, "SELECT submit_assessment($1, $2::jsonb)::text", 2, params, fn,
                         userdata);
}

struct store_call *store_assessment_result(struct store *s, const char *attempt_id,
                                           store_reply_fn fn, void *userdata)
{
    const char *params[] = {attempt_id};
    return pg_store_call(s, "SELECT assessment_result($1)::text", 1, params, fn, userdata);
}

struct store_call *store_assessment_sweep(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT assessment_sweep()::text", 0, NULL, fn, userdata);
}

/* store_assessments: the learner's timed assessments, through the SQL API of migration 009
 * (tests/db/README.md "Assessments API"). Every call runs as the connected user against the
 * server's clock; each reply is one JSON document in row 0, column 0 (core/assessment.h reads
 * them). Refusals come back as enum err: ERR_PERMISSION (42501), ERR_NOT_FOUND (P0002),
 * ERR_INVALID (22023), ERR_TIME_UP (CC002), ERR_CLOSED (CC003), ERR_DB (55000: not open, or
 * the previous submission is not committed; the message says which). Implemented by
 * db/pg_assessments.c. Replies through fn, on the loop when one is attached. */
#ifndef CCA_STORE_ASSESSMENTS_H
#define CCA_STORE_ASSESSMENTS_H

#include <stdbool.h>

#include "core/store.h"

/* assessment_list(): the assessments open to the caller or already attempted. */
struct store_call *store_assessment_list(struct store *s, store_reply_fn fn, void *userdata);
/* assessment_start(id): the caller's open attempt (resumed) or a new one. Copies id. */
struct store_call *store_assessment_start(struct store *s, const char *assessment_id,
                                          store_reply_fn fn, void *userdata);
/* assessment_state(attempt): the attempt document, closing it first if its time is up. */
struct store_call *store_assessment_state(struct store *s, const char *attempt_id,
                                          store_reply_fn fn, void *userdata);
/* save_answer(attempt, question, choice): choice is the 0-based option, < 0 clears it. */
struct store_call *store_assessment_save_answer(struct store *s, const char *attempt_id,
                                                const char *question_id, int choice,
                                                store_reply_fn fn, void *userdata);
/* flag_question(attempt, question, flagged). */
struct store_call *store_assessment_flag(struct store *s, const char *attempt_id,
                                         const char *question_id, bool is_flagged,
                                         store_reply_fn fn, void *userdata);
/* submit_assessment(attempt, answers): answers_json ({"question id": index | null}, may be
 * NULL) is saved first, all or nothing; the reply carries no score. */
struct store_call *store_assessment_submit(struct store *s, const char *attempt_id,
                                           const char *answers_json, store_reply_fn fn,
                                           void *userdata);
/* assessment_result(attempt): score and review as the review policy allows; past attempts
 * too. */
struct store_call *store_assessment_result(struct store *s, const char *attempt_id,
                                           store_reply_fn fn, void *userdata);
/* assessment_sweep(): closes attempts whose time is up and scores committed submissions. */
struct store_call *store_assessment_sweep(struct store *s, store_reply_fn fn, void *userdata);

#endif

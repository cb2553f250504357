/* test_assessment: the assessment model. The countdown comes from the server's seconds_left and
 * the caller's monotonic clock (never from wall-clock strings); announcements fire once; the
 * attempt's phases (open, time up, submitting, closed); every answer's save state through
 * success, an unreachable database, a late answer and a refusal; what the summary lists; and
 * the list and result documents as migration 009 writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/assessment.h"
#include "core/mem.h"

/* An attempt document like assessment_state's: three questions, q2 answered (option 1). */
static char *state_doc(const char *status, const char *seconds_left, const char *server_now,
                       const char *deadline)
{
    return xasprintf(
        "{\"attempt_id\": \"att-1\", \"assessment_id\": \"a-1\", \"title\": \"SQL\\nQuiz\","
        " \"description\": \"d\", \"attempt_no\": 2, \"max_attempts\": 3, \"status\": \"%s\","
        " \"started_at\": \"2030-01-01T10:00:00+00:00\", \"deadline\": \"%s\","
        " \"server_now\": \"%s\", \"seconds_left\": %s, \"grace_seconds\": 30,"
        " \"time_limit_minutes\": 15, \"pass_mark\": 60, \"layout\": \"all_on_one\","
        " \"review_policy\": \"after_submit\", \"question_count\": 3, \"answered_count\": 1,"
        " \"flagged_count\": 0, \"result_ready\": false, \"questions\": ["
        "  {\"id\": \"q1\", \"question\": \"One?\", \"type\": \"multiple_choice\","
        "   \"options\": [\"a\", \"b\", \"c\"], \"answer\": null, \"flagged\": false},"
        "  {\"id\": \"q2\", \"question\": \"Two?\", \"options\": [\"x\", \"y\"], \"answer\": 1,"
        "   \"flagged\": false},"
        "  {\"id\": \"q\\\"3\", \"question\": \"Three?\", \"options\": [\"p\", \"q\", \"r\", \"s\"],"
        "   \"answer\": null, \"flagged\": true}]}",
        status, deadline, server_now, seconds_left);
}

static struct assessment_attempt *open_attempt(const char *seconds_left, int64_t now)
{
    char *doc = state_doc("open", seconds_left, "2030-01-01T10:00:00+00:00",
                          "2030-01-01T10:15:00+00:00");
    struct assessment_attempt *a = NULL;
    assert_int_equal(assessment_attempt_parse(doc, strlen(doc), now, &a), ERR_OK);
    free(doc);
    return a;
}

static char *saved_doc(int answer, bool flagged, const char *seconds_left)
{
    char number[16];
    snprintf(number, sizeof number, "%d", answer);
    return xasprintf("{\"attempt_id\": \"att-1\", \"question_id\": \"q1\", \"answer\": %s,"
                     " \"flagged\": %s, \"saved_at\": \"x\", \"seconds_left\": %s}",
                     answer >= 0 ? number : "null", flagged ? "true" : "false", seconds_left);
}

static void test_parse_attempt(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("600.250", 1000);
    assert_string_equal(a->attempt_id, "att-1");
    assert_string_equal(a->title, "SQL Quiz"); /* one line */
    assert_false(a->is_one_per_page);
    assert_int_equal(a->attempt_no, 2);
    assert_int_equal(a->max_attempts, 3);
    assert_int_equal(a->grace_ms, 30000);
    assert_int_equal(a->question_count, 3);
    assert_int_equal(a->questions[0].answer, -1);
    assert_int_equal(a->questions[1].answer, 1);
    assert_int_equal(a->questions[1].saved_answer, 1);
    assert_true(a->questions[2].is_flagged);
    assert_string_equal(a->questions[2].id, "q\"3");
    assert_int_equal(a->questions[2].option_count, 4);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_OPEN);
    assessment_attempt_free(a);

    static const char *const bad[] = {"", "[]", "{\"attempt_id\": \"x\"}", "{\"questions\": []}",
                                      "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = (void *)1;
        assert_int_not_equal(assessment_attempt_parse(bad[i], strlen(bad[i]), 0, &a), ERR_OK);
        assert_null(a);
    }
}

/* The countdown is the server's seconds_left less the monotonic time since the reply. The
 * wall-clock strings in the document (server_now, deadline) change nothing. */
static void test_countdown_from_server_seconds(void **state)
{
    (void)state;
    static const struct {
        const char *seconds_left, *server_now;
        int64_t received, now, want;
    } cases[] = {
        {"600.250", "2030-01-01T10:00:00+00:00", 1000, 1000, 600250},
        {"600.250", "2030-01-01T10:00:00+00:00", 1000, 61000, 540250},
        {"600.250", "1999-12-31T23:59:59+00:00", 1000, 61000, 540250}, /* "wrong" clock */
        {"600.250", "2030-01-01T10:00:00+00:00", -5000, 595250, 0},
        {"0.5", "2030-01-01T10:00:00+00:00", 0, 1500, -1000}, /* past: negative */
        {"59.999", "2030-01-01T10:00:00+00:00", 7, 7, 59999},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *doc = state_doc("open", cases[i].seconds_left, cases[i].server_now,
                              "2030-01-01T10:15:00+00:00");
        struct assessment_attempt *a = NULL;
        assert_int_equal(assessment_attempt_parse(doc, strlen(doc), cases[i].received, &a),
                         ERR_OK);
        if (assessment_attempt_ms_left(a, cases[i].now) != cases[i].want)
            fail_msg("case %zu: %lld ms left, want %lld", i,
                     (long long)assessment_attempt_ms_left(a, cases[i].now),
                     (long long)cases[i].want);
        assessment_attempt_free(a);
        free(doc);
    }
    /* No time limit: no deadline, never time up. */
    char *doc = state_doc("open", "null", "2030-01-01T10:00:00+00:00", "null");
    struct assessment_attempt *a = NULL;
    assert_int_equal(assessment_attempt_parse(doc, strlen(doc), 0, &a), ERR_OK);
    assert_false(a->has_deadline);
    assert_true(assessment_attempt_ms_left(a, INT64_C(1) << 40) == INT64_MAX);
    assert_int_equal(assessment_attempt_tick(a, INT64_C(1) << 40), 0);
    assessment_attempt_free(a);
    free(doc);
}

/* Five minutes and one minute are announced once each, when crossed; time up moves to TIME_UP,
 * asks for the state and stops answers. */
static void test_announcements_and_time_up(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("400", 0);
    assert_int_equal(assessment_attempt_tick(a, 0), 0);
    assert_int_equal(assessment_attempt_tick(a, 99999), 0); /* 300.001 s left */
    assert_int_equal(assessment_attempt_tick(a, 100000), ASSESSMENT_EVENT_FIVE_MINUTES);
    assert_int_equal(assessment_attempt_tick(a, 100250), 0);
    assert_int_equal(assessment_attempt_tick(a, 339999), 0);
    assert_int_equal(assessment_attempt_tick(a, 340000), ASSESSMENT_EVENT_ONE_MINUTE);
    assert_int_equal(assessment_attempt_tick(a, 350000), 0);
    assert_int_equal(assessment_attempt_choose(a, 0, 2), ERR_OK);
    unsigned ev = assessment_attempt_tick(a, 400000);
    assert_int_equal(ev, ASSESSMENT_EVENT_TIME_UP | ASSESSMENT_EVENT_REFRESH);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_TIME_UP);
    assert_int_equal(assessment_attempt_choose(a, 0, 1), ERR_TIME_UP);
    assert_int_equal(assessment_attempt_toggle_flag(a, 0), ERR_TIME_UP);
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_TIME_UP);
    /* The answer chosen before the end is still sent during the grace, not after. */
    struct assessment_save s;
    assert_true(assessment_attempt_next_save(a, 410000, &s));
    assert_int_equal(s.choice, 2);
    a->questions[0].is_sending = false;
    assert_false(assessment_attempt_next_save(a, 430001, &s));
    /* Then the state is asked for again once the server's grace is over. */
    assert_int_equal(assessment_attempt_tick(a, 420000), 0);
    assert_int_equal(assessment_attempt_tick(a, 431000), ASSESSMENT_EVENT_REFRESH);
    assert_int_equal(assessment_attempt_tick(a, 432000), 0);
    assert_int_equal(assessment_attempt_tick(a, 434000), ASSESSMENT_EVENT_REFRESH);
    assessment_attempt_free(a);

    /* Already inside the last minute on arrival (resumed): only time up is left to say. */
    a = open_attempt("45", 0);
    assert_int_equal(assessment_attempt_tick(a, 1000), 0);
    assert_int_equal(assessment_attempt_tick(a, 45000) & ASSESSMENT_EVENT_TIME_UP,
                     ASSESSMENT_EVENT_TIME_UP);
    assessment_attempt_free(a);

    /* A re-read that jumps from 9:59 to 1:02 does not say "5 minutes left"; 1 minute later. */
    a = open_attempt("599", 0);
    char *doc = state_doc("open", "62", "2030-01-01T10:00:00+00:00", "2030-01-01T10:15:00+00:00");
    assert_int_equal(assessment_attempt_update(a, doc, strlen(doc), 1000), ERR_OK);
    free(doc);
    assert_int_equal(assessment_attempt_tick(a, 1250), 0);
    assert_int_equal(assessment_attempt_tick(a, 3000), ASSESSMENT_EVENT_ONE_MINUTE);
    assessment_attempt_free(a);

    /* Four minutes left on arrival: five is not announced, one is. */
    a = open_attempt("240", 0);
    assert_int_equal(assessment_attempt_tick(a, 1), 0);
    assert_int_equal(assessment_attempt_tick(a, 180000), ASSESSMENT_EVENT_ONE_MINUTE);
    assessment_attempt_free(a);
}

/* A re-read of the state (after Ctrl-Z, a resize, or time up) resynchronises the countdown,
 * and a jump past a threshold is announced at the next tick. */
static void test_update_resyncs(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("360", 0);
    /* Suspended for a while: the client's clock says 6 min - 10 s, the server says 30 s. */
    char *doc = state_doc("open", "30", "2030-01-01T10:14:30+00:00", "2030-01-01T10:15:00+00:00");
    assert_int_equal(assessment_attempt_update(a, doc, strlen(doc), 10000), ERR_OK);
    free(doc);
    assert_int_equal(assessment_attempt_ms_left(a, 10000), 30000);
    assert_int_equal(assessment_attempt_tick(a, 10250), ASSESSMENT_EVENT_ONE_MINUTE);

    /* Past the deadline but in the grace: TIME_UP; ask again when the grace (by the server's
     * own two times: 10 s late) is over. */
    doc = state_doc("open", "0", "2030-01-01T10:15:10.500+00:00", "2030-01-01T10:15:00+00:00");
    assert_int_equal(assessment_attempt_update(a, doc, strlen(doc), 50000), ERR_OK);
    free(doc);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_TIME_UP);
    assert_int_equal(a->refresh_at_ms, 50000 + 19500 + 1000);

    /* The server closed it. */
    doc = state_doc("expired", "0", "2030-01-01T10:16:00+00:00", "2030-01-01T10:15:00+00:00");
    assert_int_equal(assessment_attempt_update(a, doc, strlen(doc), 90000), ERR_OK);
    free(doc);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_CLOSED);

    /* Another attempt's document is refused and changes nothing. */
    char *other = xasprintf("{\"attempt_id\": \"att-2\", \"questions\": [], \"status\": \"open\"}");
    assert_int_equal(assessment_attempt_update(a, other, strlen(other), 0), ERR_INVALID);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_CLOSED);
    free(other);
    assessment_attempt_free(a);
}

/* Choices made here and not saved yet survive a re-read; the rest follows the server (another
 * terminal answering the same attempt). */
static void test_update_keeps_unsaved_choices(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("600", 0);
    assert_int_equal(assessment_attempt_choose(a, 0, 2), ERR_OK); /* not sent yet */
    char *doc = state_doc("open", "590", "x", "y");
    /* The server now says q2 is answered 0 (another terminal) and q1 unanswered. */
    char *p = strstr(doc, "\"answer\": 1");
    assert_non_null(p);
    p[10] = '0';
    assert_int_equal(assessment_attempt_update(a, doc, strlen(doc), 10000), ERR_OK);
    free(doc);
    assert_int_equal(a->questions[0].answer, 2);
    assert_int_equal(a->questions[0].saved_answer, -1);
    assert_int_equal(a->questions[1].answer, 0);
    assert_int_equal(assessment_question_view(&a->questions[0], true), ASSESSMENT_VIEW_SAVING);
    assert_int_equal(assessment_question_view(&a->questions[1], true), ASSESSMENT_VIEW_SAVED);
    assessment_attempt_free(a);
}

static void test_save_state_machine(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("600", 0);
    struct assessment_question *q = &a->questions[0];
    struct assessment_save s;
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_NONE);
    assert_false(assessment_attempt_next_save(a, 0, &s));
    assert_int_equal(assessment_attempt_choose(a, 0, 3), ERR_INVALID); /* 3 options */
    assert_int_equal(assessment_attempt_choose(a, 7, 0), ERR_INVALID);
    assert_int_equal(assessment_attempt_choose(a, 0, 1), ERR_OK);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_SAVING);
    assert_int_equal(assessment_question_view(q, false), ASSESSMENT_VIEW_DB_DOWN);
    assert_true(assessment_attempt_has_unsaved(a));
    assert_true(assessment_attempt_next_save(a, 0, &s));
    assert_int_equal(s.question, 0);
    assert_int_equal(s.kind, ASSESSMENT_SAVE_ANSWER);
    assert_int_equal(s.choice, 1);
    assert_false(assessment_attempt_next_save(a, 0, &s)); /* one in flight per question */

    /* Changed again while the first save is on its way: sent after it. */
    assert_int_equal(assessment_attempt_choose(a, 0, 2), ERR_OK);
    char *doc = saved_doc(1, false, "500");
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_OK, "", doc, 100000), ASSESSMENT_SAVED);
    free(doc);
    assert_int_equal(assessment_attempt_ms_left(a, 100000), 500000); /* resynchronised */
    assert_int_equal(q->saved_answer, 1);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_SAVING);
    assert_true(assessment_attempt_next_save(a, 100000, &s));
    assert_int_equal(s.choice, 2);

    /* The database is down: kept, reported plainly, retried (not before 2 s), then saved. */
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_DB_DOWN, "gone", NULL, 101000),
                     ASSESSMENT_SAVE_RETRY);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_DB_DOWN);
    assert_int_equal(q->answer, 2);
    assert_false(assessment_attempt_next_save(a, 102000, &s));
    assert_true(assessment_attempt_next_save(a, 103000, &s));
    assert_int_equal(s.choice, 2);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_DB_DOWN);
    doc = saved_doc(2, false, "400");
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_OK, "", doc, 104000), ASSESSMENT_SAVED);
    free(doc);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_SAVED);
    assert_false(assessment_attempt_has_unsaved(a) && !a->questions[2].is_flagged);

    /* Flags are saved the same way. */
    assert_int_equal(assessment_attempt_toggle_flag(a, 0), ERR_OK);
    assert_true(assessment_attempt_next_save(a, 105000, &s));
    assert_int_equal(s.kind, ASSESSMENT_SAVE_FLAG);
    assert_true(s.is_flagged);
    doc = saved_doc(2, true, "390");
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_OK, "", doc, 105000), ASSESSMENT_SAVED);
    free(doc);
    assert_true(q->is_saved_flagged);

    /* Refused (bad input): the choice is taken back and the reason kept. */
    assert_int_equal(assessment_attempt_choose(a, 1, 0), ERR_OK);
    assert_true(assessment_attempt_next_save(a, 106000, &s));
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_INVALID, "question q2: no", NULL,
                                              106000),
                     ASSESSMENT_SAVE_REFUSED);
    assert_int_equal(a->questions[1].answer, 1);
    assert_int_equal(assessment_question_view(&a->questions[1], true), ASSESSMENT_VIEW_REFUSED);
    assert_string_equal(a->questions[1].error, "question q2: no");

    /* Time is up on the server (CC002): closed, the late answer says so. */
    assert_int_equal(assessment_attempt_choose(a, 0, 0), ERR_OK);
    assert_true(assessment_attempt_next_save(a, 107000, &s));
    assert_int_equal(assessment_attempt_saved(a, &s, ERR_TIME_UP, "time is up", NULL, 107000),
                     ASSESSMENT_SAVE_TOO_LATE);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_CLOSED);
    assert_int_equal(assessment_question_view(q, true), ASSESSMENT_VIEW_LATE);
    assert_false(assessment_attempt_next_save(a, 108000, &s));
    assert_int_equal(assessment_attempt_choose(a, 0, 1), ERR_CLOSED);
    assessment_attempt_free(a);
}

static void test_summary(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("600", 0);
    struct assessment_summary sum;
    assessment_attempt_summarize(a, &sum);
    assert_int_equal(sum.answered, 1);
    assert_int_equal(sum.unanswered, 2);
    assert_int_equal(sum.flagged, 1);
    assert_int_equal(sum.unsaved, 0);
    char *s = assessment_attempt_numbers(a, ASSESSMENT_PICK_UNANSWERED);
    assert_string_equal(s, "1, 3");
    free(s);
    s = assessment_attempt_numbers(a, ASSESSMENT_PICK_FLAGGED);
    assert_string_equal(s, "3");
    free(s);
    assert_int_equal(assessment_attempt_choose(a, 0, 0), ERR_OK);
    assert_int_equal(assessment_attempt_choose(a, 2, 3), ERR_OK);
    assert_int_equal(assessment_attempt_toggle_flag(a, 2), ERR_OK);
    assessment_attempt_summarize(a, &sum);
    assert_int_equal(sum.answered, 3);
    assert_int_equal(sum.unanswered, 0);
    assert_int_equal(sum.flagged, 0);
    assert_int_equal(sum.unsaved, 2);
    s = assessment_attempt_numbers(a, ASSESSMENT_PICK_UNANSWERED);
    assert_string_equal(s, "none");
    free(s);
    s = assessment_attempt_numbers(a, ASSESSMENT_PICK_UNSAVED);
    assert_string_equal(s, "1, 3");
    free(s);
    assessment_attempt_free(a);
}

static void test_submit(void **state)
{
    (void)state;
    struct assessment_attempt *a = open_attempt("600", 0);
    assert_int_equal(assessment_attempt_choose(a, 2, 3), ERR_OK);
    char *json = assessment_attempt_answers_json(a);
    assert_string_equal(json, "{\"q1\":null,\"q2\":1,\"q\\\"3\":3}");
    free(json);
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_OK);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_SUBMITTING);
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_BUSY);
    struct assessment_save s;
    assert_false(assessment_attempt_next_save(a, 0, &s)); /* the submit carries them */
    assert_int_equal(assessment_attempt_choose(a, 0, 0), ERR_CLOSED);
    /* The database went away: back to answering, nothing lost. */
    assessment_attempt_submitted(a, ERR_DB_DOWN, 1000);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_OPEN);
    assert_int_equal(a->questions[2].answer, 3);
    /* ...and when the time ran out meanwhile, to TIME_UP. */
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_OK);
    assessment_attempt_submitted(a, ERR_DB_DOWN, 700000);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_TIME_UP);
    a->phase = ASSESSMENT_PHASE_OPEN;
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_OK);
    assessment_attempt_submitted(a, ERR_OK, 2000);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_CLOSED);
    assert_false(assessment_attempt_has_unsaved(a) && a->questions[2].answer != 3);
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_CLOSED);
    assessment_attempt_free(a);

    /* Already submitted elsewhere (CC003) also closes it. */
    a = open_attempt("600", 0);
    assert_int_equal(assessment_attempt_begin_submit(a), ERR_OK);
    assessment_attempt_submitted(a, ERR_CLOSED, 0);
    assert_int_equal(a->phase, ASSESSMENT_PHASE_CLOSED);
    assessment_attempt_free(a);
}

static const char list_doc[] =
    "{\"server_now\": \"2030-01-01T10:00:00+00:00\", \"assessments\": ["
    " {\"id\": \"a1\", \"title\": \"Data\\u001b[31m\", \"description\": \"x\","
    "  \"difficulty\": \"beginner\", \"skill\": {\"id\": \"s\", \"name\": \"SQL\", \"level\": 2},"
    "  \"question_count\": 5, \"time_limit_minutes\": 15, \"pass_mark\": 60, \"max_attempts\": 3,"
    "  \"attempts_used\": 2, \"attempts_left\": 1, \"best_score\": 40, \"passed\": false,"
    "  \"review_policy\": \"after_submit\", \"layout\": \"all_on_one\", \"status\": \"result_pending\","
    "  \"open_attempt\": null, \"attempts\": ["
    "   {\"attempt_id\": \"t1\", \"attempt_no\": 1, \"status\": \"submitted\", \"result_ready\": true,"
    "    \"score\": 40, \"passed\": false},"
    "   {\"attempt_id\": \"t2\", \"attempt_no\": 2, \"status\": \"expired\", \"result_ready\": false,"
    "    \"score\": null, \"passed\": null}]},"
    " {\"id\": \"a2\", \"title\": \"Open\", \"skill\": null, \"question_count\": 2,"
    "  \"time_limit_minutes\": null, \"pass_mark\": 70, \"max_attempts\": 1, \"attempts_used\": 1,"
    "  \"attempts_left\": 0, \"best_score\": null, \"passed\": false, \"layout\": \"one_per_page\","
    "  \"status\": \"in_progress\", \"open_attempt\": {\"attempt_id\": \"t3\", \"deadline\": null,"
    "  \"seconds_left\": null}, \"attempts\": [{\"attempt_id\": \"t3\", \"attempt_no\": 1,"
    "  \"status\": \"open\", \"result_ready\": false}]},"
    " {\"title\": \"no id: skipped\"}]}";

static void test_list(void **state)
{
    (void)state;
    struct assessment_list *l = NULL;
    assert_int_equal(assessment_list_parse(list_doc, strlen(list_doc), &l), ERR_OK);
    assert_int_equal(l->count, 2);
    const struct assessment_info *a = &l->items[0];
    assert_null(strchr(a->title, 0x1b));
    assert_string_equal(a->skill_name, "SQL");
    assert_int_equal(a->skill_level, 2);
    assert_int_equal(a->time_limit_minutes, 15);
    assert_int_equal(a->attempts_left, 1);
    assert_true(a->best_score == 40);
    assert_false(a->is_one_per_page);
    assert_int_equal(a->status, ASSESSMENT_STATUS_RESULT_PENDING);
    assert_null(a->open_attempt_id);
    const struct assessment_past *p = assessment_info_pending(a);
    assert_non_null(p);
    assert_string_equal(p->attempt_id, "t2");
    assert_true(a->attempts[0].score == 40);
    assert_true(a->attempts[1].score < 0);
    assert_int_equal(a->attempts[1].passed, -1);
    const struct assessment_info *b = &l->items[1];
    assert_null(b->skill_name);
    assert_int_equal(b->time_limit_minutes, 0);
    assert_true(b->best_score < 0);
    assert_true(b->is_one_per_page);
    assert_int_equal(b->status, ASSESSMENT_STATUS_IN_PROGRESS);
    assert_string_equal(b->open_attempt_id, "t3");
    assert_null(assessment_info_pending(b)); /* open: not a result to show */
    assert_string_equal(assessment_status_label(b->status), "in progress");
    assessment_list_free(l);
    assert_int_equal(assessment_list_parse("{}", 2, &l), ERR_INVALID);
    assert_null(l);
}

static void test_result(void **state)
{
    (void)state;
    const char *ready =
        "{\"attempt_id\": \"t1\", \"assessment_id\": \"a1\", \"title\": \"SQL\", \"attempt_no\": 1,"
        " \"status\": \"expired\", \"closed_by\": \"timeout\", \"pass_mark\": 60,"
        " \"review_policy\": \"after_submit\", \"result_ready\": true, \"score\": 66.67,"
        " \"passed\": true, \"correct_count\": 2, \"question_count\": 3, \"time_used_seconds\": 905,"
        " \"best_score\": 66.67, \"attempts_used\": 1, \"attempts_left\": 0,"
        " \"review_available\": true, \"review_note\": null, \"review\": ["
        "  {\"id\": \"q1\", \"question\": \"One?\", \"options\": [\"a\", \"b\"], \"answer\": null,"
        "   \"correct_answer\": 1, \"is_correct\": false, \"explanation\": \"Because.\","
        "   \"flagged\": true}]}";
    struct assessment_result *r = NULL;
    assert_int_equal(assessment_result_parse(ready, strlen(ready), &r), ERR_OK);
    assert_true(r->is_ready);
    assert_true(r->is_passed);
    assert_string_equal(r->closed_by, "timeout");
    assert_int_equal(r->time_used_seconds, 905);
    assert_int_equal(r->review_count, 1);
    assert_int_equal(r->review[0].answer, -1);
    assert_int_equal(r->review[0].correct_answer, 1);
    assert_string_equal(r->review[0].explanation, "Because.");
    assert_true(r->review[0].is_flagged);
    assessment_result_free(r);

    const char *none =
        "{\"attempt_id\": \"t1\", \"title\": \"SQL\", \"status\": \"submitted\","
        " \"result_ready\": true, \"score\": 20, \"passed\": false, \"review_available\": false,"
        " \"review_note\": \"answers are shown once you pass\", \"review\": null}";
    assert_int_equal(assessment_result_parse(none, strlen(none), &r), ERR_OK);
    assert_false(r->is_review_available);
    assert_int_equal(r->review_count, 0);
    assert_string_equal(r->review_note, "answers are shown once you pass");
    assessment_result_free(r);

    const char *pending = "{\"attempt_id\": \"t1\", \"result_ready\": false, \"reason\": \"open\"}";
    assert_int_equal(assessment_result_parse(pending, strlen(pending), &r), ERR_OK);
    assert_false(r->is_ready);
    assert_string_equal(r->reason, "open");
    assessment_result_free(r);
    assert_int_equal(assessment_result_parse("{}", 2, &r), ERR_INVALID);
}

static void test_time_and_format(void **state)
{
    (void)state;
    int64_t a = 0, b = 0;
    assert_true(assessment_parse_time("2030-01-01T10:15:00+00:00", &a));
    assert_true(assessment_parse_time("2030-01-01T11:15:00.250+01:00", &b));
    assert_int_equal(b - a, 250);
    assert_true(assessment_parse_time("1970-01-01T00:00:01Z", &a));
    assert_int_equal(a, 1000);
    assert_true(assessment_parse_time("2024-02-29T23:59:59.999-05:30", &a));
    assert_true(assessment_parse_time("2024-03-01T05:29:59.999+00:00", &b));
    assert_int_equal(a, b);
    assert_false(assessment_parse_time("yesterday", &a));
    assert_false(assessment_parse_time(NULL, &a));
    char s[32];
    static const struct {
        int64_t seconds;
        const char *want;
    } cases[] = {{0, "0:00"}, {-5, "0:00"}, {59, "0:59"}, {905, "15:05"}, {3723, "1:02:03"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assessment_format_seconds(cases[i].seconds, s, sizeof s);
        assert_string_equal(s, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_attempt),
        cmocka_unit_test(test_countdown_from_server_seconds),
        cmocka_unit_test(test_announcements_and_time_up),
        cmocka_unit_test(test_update_resyncs),
        cmocka_unit_test(test_update_keeps_unsaved_choices),
        cmocka_unit_test(test_save_state_machine),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_submit),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_result),
        cmocka_unit_test(test_time_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

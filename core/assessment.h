/* assessment: the learner's timed assessments as the database describes them
 * (core/store_assessments.h): the list, one attempt with its countdown and the save state of
 * every answer, the summary before submitting, and the result with its review. Pure: no I/O
 * and no clock of its own (callers pass monotonic milliseconds, taken when a reply arrived);
 * the server decides deadlines, scores and what may be reviewed. Every string is safe to show. */
#ifndef CCA_ASSESSMENT_H
#define CCA_ASSESSMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ASSESSMENT_QUESTIONS_MAX 500 /* questions kept from one document */
#define ASSESSMENT_OPTIONS_MAX 26    /* options kept per question */
#define ASSESSMENT_FIVE_MINUTES_MS 300000
#define ASSESSMENT_ONE_MINUTE_MS 60000

/* --- the list (assessment_list()) ---------------------------------------------------------- */

enum assessment_status {
    ASSESSMENT_STATUS_AVAILABLE,
    ASSESSMENT_STATUS_IN_PROGRESS,
    ASSESSMENT_STATUS_RESULT_PENDING,
    ASSESSMENT_STATUS_PASSED,
    ASSESSMENT_STATUS_NO_ATTEMPTS_LEFT,
    ASSESSMENT_STATUS_CLOSED,
    ASSESSMENT_STATUS_UNKNOWN,
};

/* One past or running attempt of an assessment. */
struct assessment_past {
    char *attempt_id;
    int attempt_no;
    char *status;       /* open | submitted | expired */
    char *started_at;   /* ISO 8601 from the server, may be NULL */
    char *submitted_at; /* may be NULL */
    bool is_result_ready;
    double score;       /* 0..100, < 0 until the result is ready */
    int passed;         /* 1, 0, or -1 until the result is ready */
};

struct assessment_info {
    char *id, *title, *description, *difficulty;
    char *skill_name; /* NULL when the assessment certifies no skill */
    int skill_level;  /* 0 when unknown */
    int question_count;
    int time_limit_minutes; /* 0: no limit */
    double pass_mark;
    int max_attempts, attempts_used, attempts_left;
    double best_score; /* < 0: nothing scored yet */
    bool is_passed;
    char *review_policy; /* never | after_submit | after_close */
    bool is_one_per_page;
    enum assessment_status status;
    char *open_attempt_id; /* the running attempt to resume, or NULL */
    struct assessment_past *attempts; /* oldest first */
    size_t attempt_count;
};

struct assessment_list {
    struct assessment_info *items; /* by title, as the server orders them */
    size_t count;
};

/* Parses assessment_list()'s document (len bytes). The caller owns *out
 * (assessment_list_free). ERR_INVALID when it is not that document. */
enum err assessment_list_parse(const char *text, size_t len, struct assessment_list **out);
/* NULL is a no-op. */
void assessment_list_free(struct assessment_list *l);
/* The attempt whose result the learner has not been able to see yet: the newest closed one
 * whose result is not ready (closed by the server at its deadline while no client ran, or
 * just submitted), or NULL. Borrowed from info. */
const struct assessment_past *assessment_info_pending(const struct assessment_info *info);
/* "available", "in progress", ... for the status column; never NULL. */
const char *assessment_status_label(enum assessment_status status);

/* --- one attempt (assessment_start / assessment_state) -------------------------------------- */

enum assessment_phase {
    ASSESSMENT_PHASE_OPEN,       /* answering; the countdown runs */
    ASSESSMENT_PHASE_TIME_UP,    /* the countdown reached 0: no new answers; saves already made
                                    are still sent during the server's grace, after which the
                                    server closes the attempt with what it holds */
    ASSESSMENT_PHASE_SUBMITTING, /* submit_assessment is on its way */
    ASSESSMENT_PHASE_CLOSED,     /* submitted or expired on the server: the result follows */
};

/* Why the last save of a question failed. */
enum assessment_unsaved {
    ASSESSMENT_UNSAVED_NONE,
    ASSESSMENT_UNSAVED_DB_DOWN, /* unreachable or too slow: sent again when it is back */
    ASSESSMENT_UNSAVED_TIME_UP, /* refused: the deadline (plus grace) had passed */
    ASSESSMENT_UNSAVED_REFUSED, /* refused for another reason (question->error) */
};

/* What the screen shows beside a question. */
enum assessment_save_view {
    ASSESSMENT_VIEW_NONE,    /* nothing chosen and nothing to save */
    ASSESSMENT_VIEW_SAVED,   /* the server holds what is shown */
    ASSESSMENT_VIEW_SAVING,  /* on its way, or about to be sent */
    ASSESSMENT_VIEW_DB_DOWN, /* not saved: the database is unreachable (retried when back) */
    ASSESSMENT_VIEW_LATE,    /* not saved: time is up, the server refused it */
    ASSESSMENT_VIEW_REFUSED, /* not saved: the server refused it (question->error says why) */
};

struct assessment_question {
    char *id;
    char *text;
    char **options;
    size_t option_count;
    int answer;       /* the learner's choice as shown, -1: none */
    int saved_answer; /* what the server holds, -1: none */
    bool is_flagged, is_saved_flagged;
    bool is_sending;  /* a save of this question is in flight */
    enum assessment_unsaved unsaved;
    char *error;      /* the server's refusal, or NULL */
};

struct assessment_attempt {
    char *attempt_id, *assessment_id, *title, *description, *review_policy;
    bool is_one_per_page;
    int attempt_no, max_attempts;
    int time_limit_minutes; /* 0: none */
    double pass_mark;
    bool has_deadline;
    int64_t ms_left;   /* the server's seconds_left, in ms, at synced_ms */
    int64_t synced_ms; /* the caller's monotonic clock when that reply arrived */
    int64_t grace_ms;  /* the server accepts saves this long after the deadline */
    enum assessment_phase phase;
    bool is_result_ready;
    bool was_resumed;  /* assessment_start resumed an attempt already running */
    unsigned announced;   /* enum assessment_event bits already given */
    int64_t refresh_at_ms; /* TIME_UP: when to ask the server for the state again */
    int64_t retry_at_ms;   /* no save is sent before this (after a timeout) */
    struct assessment_question *questions;
    size_t question_count;
};

/* Parses an attempt document received at now_ms. The caller owns *out
 * (assessment_attempt_free). ERR_INVALID when it is not one. Thresholds already passed are
 * not announced again. */
enum err assessment_attempt_parse(const char *text, size_t len, int64_t now_ms,
                                  struct assessment_attempt **out);
/* Merges a fresh attempt document of the same attempt (assessment_state) received at now_ms:
 * the clock, the phase and what the server holds. Choices the server does not hold yet stay
 * on screen (and are still to be saved); the others follow the server (another terminal).
 * ERR_INVALID when it is not the document of this attempt; a is unchanged then. */
enum err assessment_attempt_update(struct assessment_attempt *a, const char *text, size_t len,
                                   int64_t now_ms);
/* NULL is a no-op. */
void assessment_attempt_free(struct assessment_attempt *a);

/* Milliseconds left at now_ms, from the server's figure and the time since it arrived (the
 * wall clock plays no part); negative once past; INT64_MAX without a deadline. */
int64_t assessment_attempt_ms_left(const struct assessment_attempt *a, int64_t now_ms);

enum assessment_event {
    ASSESSMENT_EVENT_FIVE_MINUTES = 1 << 0, /* five minutes left (announce it) */
    ASSESSMENT_EVENT_ONE_MINUTE = 1 << 1,   /* one minute left */
    ASSESSMENT_EVENT_TIME_UP = 1 << 2,      /* the countdown reached 0: phase is now TIME_UP */
    ASSESSMENT_EVENT_REFRESH = 1 << 3,      /* ask the server for the state now */
};
/* Advances the clock-driven part of the state machine to now_ms and returns the events
 * (enum assessment_event bits) that happened; each announcement is given once. */
unsigned assessment_attempt_tick(struct assessment_attempt *a, int64_t now_ms);

/* Sets question q's answer (choice -1 clears it); it is saved by the next saves. ERR_INVALID
 * for a question or option out of range, ERR_TIME_UP once answers are no longer taken
 * (phase other than OPEN). */
enum err assessment_attempt_choose(struct assessment_attempt *a, size_t q, int choice);
/* Flags or unflags question q for review; errors as assessment_attempt_choose. */
enum err assessment_attempt_toggle_flag(struct assessment_attempt *a, size_t q);

enum assessment_save_kind { ASSESSMENT_SAVE_ANSWER, ASSESSMENT_SAVE_FLAG };

/* One save to send: save_answer(question, choice) or flag_question(question, is_flagged). */
struct assessment_save {
    size_t question;
    enum assessment_save_kind kind;
    int choice;
    bool is_flagged;
};
/* The next save to send at now_ms, marking its question as sending: false when there is none,
 * or when the server no longer takes saves (closed, submitting, past the deadline plus grace)
 * or a retry is not due yet. The caller sends it and reports with assessment_attempt_saved. */
bool assessment_attempt_next_save(struct assessment_attempt *a, int64_t now_ms,
                                  struct assessment_save *out);

enum assessment_save_outcome {
    ASSESSMENT_SAVED,         /* the server holds it */
    ASSESSMENT_SAVE_RETRY,    /* the database is unreachable or slow: kept, sent again later */
    ASSESSMENT_SAVE_TOO_LATE, /* time is up (CC002): the attempt is closing; phase CLOSED */
    ASSESSMENT_SAVE_CLOSED,   /* already submitted (CC003), e.g. from another terminal */
    ASSESSMENT_SAVE_REFUSED,  /* refused (bad input, permission): the choice is taken back */
};
/* The reply to save s: e with errmsg, or the saved-answer document (text) on success, received
 * at now_ms (which also resynchronises the countdown). */
enum assessment_save_outcome assessment_attempt_saved(struct assessment_attempt *a,
                                                      const struct assessment_save *s,
                                                      enum err e, const char *errmsg,
                                                      const char *text, int64_t now_ms);
/* What to show beside question q; is_db_up tells whether the database is reachable now. */
enum assessment_save_view assessment_question_view(const struct assessment_question *q,
                                                   bool is_db_up);
/* True while some choice shown is not held by the server. */
bool assessment_attempt_has_unsaved(const struct assessment_attempt *a);

/* The summary page before submitting. */
struct assessment_summary {
    size_t answered, unanswered, flagged, unsaved;
};
void assessment_attempt_summarize(const struct assessment_attempt *a,
                                  struct assessment_summary *out);
enum assessment_pick { ASSESSMENT_PICK_UNANSWERED, ASSESSMENT_PICK_FLAGGED, ASSESSMENT_PICK_UNSAVED };
/* The 1-based numbers of the questions picked ("2, 5, 7"; "none"): a heap string. */
char *assessment_attempt_numbers(const struct assessment_attempt *a, enum assessment_pick pick);

/* Starts submitting: ERR_OK (phase SUBMITTING), ERR_TIME_UP once time is up (the server closes
 * the attempt itself), ERR_CLOSED when already closed, ERR_BUSY while submitting. */
enum err assessment_attempt_begin_submit(struct assessment_attempt *a);
/* The answers as shown, for submit_assessment: {"question id": index | null, ...} for every
 * question. Heap string. */
char *assessment_attempt_answers_json(const struct assessment_attempt *a);
/* The submit's reply: ERR_OK, ERR_CLOSED and ERR_TIME_UP close the attempt (phase CLOSED);
 * another error returns to answering (OPEN, or TIME_UP when the time ran out meanwhile). */
void assessment_attempt_submitted(struct assessment_attempt *a, enum err e, int64_t now_ms);

/* --- the result (assessment_result()) -------------------------------------------------------- */

struct assessment_review_item {
    char *question;
    char **options;
    size_t option_count;
    int answer;         /* the learner's, -1: none */
    int correct_answer; /* -1: unknown */
    bool is_correct, is_flagged;
    char *explanation;  /* may be NULL */
};

struct assessment_result {
    char *attempt_id, *assessment_id, *title, *status, *closed_by, *review_policy;
    int attempt_no;
    bool is_ready;
    char *reason; /* why it is not ready, or NULL */
    double pass_mark, score, best_score; /* best_score < 0: none */
    bool is_passed;
    int correct_count, question_count, time_used_seconds, attempts_used, attempts_left;
    bool is_review_available;
    char *review_note; /* why there is no review, or NULL */
    struct assessment_review_item *review;
    size_t review_count;
};

/* Parses assessment_result()'s document. The caller owns *out (assessment_result_free).
 * ERR_INVALID when it is not one. */
enum err assessment_result_parse(const char *text, size_t len, struct assessment_result **out);
/* NULL is a no-op. */
void assessment_result_free(struct assessment_result *r);

/* An ISO 8601 timestamp as the server writes it ("2025-03-01T10:00:00.123+01:00") in ms since
 * the epoch; false when it is not one. Used only to compare two of the server's times. */
bool assessment_parse_time(const char *s, int64_t *ms);
/* seconds as "M:SS" under an hour, else "H:MM:SS" (negative counts as 0). */
void assessment_format_seconds(int64_t seconds, char *out, size_t size);

#endif

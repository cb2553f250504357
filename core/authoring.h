/* authoring: the Authoring tab's model of one assessment being written: read from the JSON of
 * cca_assessment_authoring_list/get (core/store_content.h), edited (metadata, questions,
 * options, the correct answer, explanations), checked with the database's own rules and
 * messages (013_content.sql cca_assessment_check) so the editor can say them first, and
 * written back as the save document. Pure: no I/O, no curses. Every label parsed here is safe
 * to show; the answer keys of others' assessments never reach it (the server withholds them). */
#ifndef CCA_AUTHORING_H
#define CCA_AUTHORING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum {
    AUTHORING_OPTIONS_MAX = 6,     /* options a question may have in the editor */
    AUTHORING_QUESTIONS_MAX = 200, /* questions kept from a document or added */
    AUTHORING_TEXT_MAX = 2000,     /* bytes kept of a question, an option or an explanation */
};

/* The review policies and layouts the database accepts, in the order the editor offers
 * them; NULL-terminated. */
extern const char *const authoring_review_policies[];
extern const char *const authoring_layouts[];
extern const char *const authoring_difficulties[]; /* "" (none) first */

/* One row of cca_assessment_authoring_list. */
struct authoring_item {
    char *id, *title, *difficulty, *review_policy, *layout, *updated_at; /* updated_at shown */
    int time_limit, max_attempts, questions;
    double passing_score;
    bool can_edit;
};

struct authoring_list {
    struct authoring_item *items;
    size_t count;
};

struct authoring_question {
    char *id; /* the stored question id, "" for a new one */
    char *text;
    char *options[AUTHORING_OPTIONS_MAX];
    size_t option_count;
    int correct;       /* 0-based option index, -1 when none is chosen */
    char *explanation; /* "" when there is none */
    bool is_draft;     /* generated (cloze, LLM) and not yet reviewed by the trainer */
};

/* One assessment as cca_assessment_authoring_get returns it, or a new one. */
struct authoring_doc {
    char *id;         /* "" until the first save */
    char *updated_at; /* exactly as the server sent it (the save's conflict check); "" new */
    char *title, *description, *difficulty; /* difficulty "" for none */
    long time_limit;                        /* minutes */
    double passing_score;
    long max_attempts;
    char *review_policy, *layout;
    bool can_edit;
    bool has_keys; /* the questions carry their correct answers (one's own, or admin) */
    struct authoring_question *questions;
    size_t count;
};

/* The save's reply: the stored id and stamp, or the assessment as it is now when someone
 * else saved after updated_at. */
struct authoring_save_reply {
    bool is_conflict;
    struct authoring_doc *current; /* when is_conflict; owned by the reply */
    char *id, *updated_at;
};

/* Parsers: ERR_INVALID when the text is not the expected document; *out belongs to the
 * caller (the matching _free, NULL is a no-op). */
enum err authoring_list_parse(const char *text, size_t len, struct authoring_list **out);
void authoring_list_free(struct authoring_list *l);
enum err authoring_doc_parse(const char *text, size_t len, struct authoring_doc **out);
void authoring_doc_free(struct authoring_doc *d);
enum err authoring_save_reply_parse(const char *text, size_t len,
                                    struct authoring_save_reply **out);
void authoring_save_reply_free(struct authoring_save_reply *r);

/* A new assessment with the database's defaults (20 minutes, pass mark 70, one attempt,
 * review after close, one question per page) and no questions; the caller owns it. */
struct authoring_doc *authoring_doc_new(void);

/* --- questions (every index must be < d->count; strings are copied) ------------------------ */

/* Inserts an empty question (two empty options, none correct) at index at (clamped to the
 * end); returns its index, or -1 at AUTHORING_QUESTIONS_MAX. */
long authoring_question_insert(struct authoring_doc *d, size_t at);
/* Appends q, taking ownership of its strings (q is cleared); -1 when full (q is freed). */
long authoring_question_append(struct authoring_doc *d, struct authoring_question *q);
void authoring_question_delete(struct authoring_doc *d, size_t i);
/* Moves question i by delta places (clamped); returns its new index. */
size_t authoring_question_move(struct authoring_doc *d, size_t i, long delta);
/* Replaces question i's text, options (count of them, at most AUTHORING_OPTIONS_MAX kept;
 * blank ones dropped, and correct moves with its option, becoming -1 when its option is
 * dropped), correct answer and explanation; lines are sanitised. Marks it reviewed. */
void authoring_question_set(struct authoring_doc *d, size_t i, const char *text,
                            const char *const *options, size_t count, int correct,
                            const char *explanation);
void authoring_question_cleanup(struct authoring_question *q);

/* --- checks and the save document ---------------------------------------------------------- */

/* Checks d as cca_assessment_check will, plus what only the editor knows (a drafted question
 * not reviewed yet). True when it may be saved; else msg (msglen bytes) gets the first
 * problem as the database words it ("question 2: at least two options") and *question
 * (may be NULL) the 0-based question index, or -1 for the metadata. */
bool authoring_check(const struct authoring_doc *d, char *msg, size_t msglen, long *question);

/* The question part of authoring_check for question q at index (0-based; messages count
 * from 1). */
bool authoring_question_check(const struct authoring_question *q, size_t index, char *msg,
                              size_t msglen);

/* The cca_assessment_authoring_save document for d ({title, description, difficulty,
 * time_limit, passing_score, max_attempts, review_policy, layout, questions: [{id, question,
 * options, correct, explanation}]}); *json is a heap string for the caller. */
enum err authoring_doc_json(const struct authoring_doc *d, char **json);

/* How two versions differ, for the conflict screen: one line per difference ("title: A → B",
 * "question 3: only in theirs"), at most max_lines; heap strings in *lines (the caller frees
 * each and the array), *count of them. */
void authoring_doc_diff(const struct authoring_doc *mine, const struct authoring_doc *theirs,
                        size_t max_lines, char ***lines, size_t *count);

#endif

/* cloze: drafts fill-in-the-blank questions from a content item's passages, offline: it picks
 * informative sentences, blanks one key term in each (a number, a name or term written with
 * capitals, or a long content word, whichever is most specific to its passage: frequent
 * there, rare in the rest of the item) and draws up to three distractors of the same kind from
 * the item's other terms. Deterministic (same passages, same questions), pure, and every
 * string it returns is sanitised. The questions are drafts: a trainer reviews them. */
#ifndef CCA_CLOZE_H
#define CCA_CLOZE_H

#include <stddef.h>

#include "core/err.h"

enum {
    CLOZE_OPTIONS_MAX = 4, /* the answer and up to three distractors */
    CLOZE_BLANK_LEN = 5,   /* the blank is this many underscores */
};

struct cloze_question {
    char *question; /* the sentence with the term blanked ("A sprint lasts _____ weeks.") */
    char *answer;   /* the blanked term */
    char *options[CLOZE_OPTIONS_MAX]; /* distinct, the answer among them */
    size_t option_count;              /* 3 or 4 */
    int correct;                      /* the answer's index in options */
    char *explanation;                /* the whole sentence, as the passage says it */
};

struct cloze_set {
    struct cloze_question *items;
    size_t count;
};

/* Drafts at most max_questions questions from count passages (Markdown or plain text, any
 * bytes: invalid UTF-8 and controls are cleaned), in the order their sentences appear. A
 * passage set without a usable sentence gives count 0 and ERR_OK. out is released with
 * cloze_set_cleanup. */
enum err cloze_generate(const char *const *passages, size_t count, size_t max_questions,
                        struct cloze_set *out);
void cloze_set_cleanup(struct cloze_set *s);

#endif

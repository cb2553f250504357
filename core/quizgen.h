/* quizgen: asking a language model for multiple-choice questions about a content item's
 * passages, and reading its reply. The prompt comes from the template assets/prompts/quiz.txt
 * (passages go in as data, never as instructions); the reply is untrusted: it is searched for
 * its JSON, every question is checked (text, two to six distinct options, a correct one in
 * range) and sanitised, the rest dropped. What comes back are drafts for a trainer to review.
 * Pure but for quizgen_template_load. */
#ifndef CCA_QUIZGEN_H
#define CCA_QUIZGEN_H

#include <stddef.h>

#include "core/err.h"

struct authoring_question;

enum {
    QUIZGEN_PASSAGES_MAX_LEN = 12000, /* bytes of passages put in one prompt */
    QUIZGEN_REPLY_MAX = 256u << 10,   /* bytes of reply read */
};

/* Reads <assets_dir>/prompts/quiz.txt into *out (heap, the caller frees). err gets the
 * reason on failure (ERR_NOT_FOUND, ERR_IO, ERR_TOO_LARGE, ERR_UTF8). */
enum err quizgen_template_load(const char *assets_dir, char **out, char *err, size_t errlen);

/* The user message: template with {{count}} replaced by max_questions and {{passages}} by the
 * passages numbered [1], [2], ... (as many as fit QUIZGEN_PASSAGES_MAX_LEN, the first ones
 * first). One pass: text inserted is never substituted again. Heap string for the caller. */
char *quizgen_prompt(const char *template_text, const char *const *passages, size_t count,
                     size_t max_questions);

/* Reads the model's reply (len bytes: a JSON object {"questions": [...]} or an array, maybe in
 * a ```json fence or with prose around it) into at most max questions, each {question,
 * options, correct (0-based), explanation}; invalid ones are skipped. *out is a heap array of
 * *count questions marked as drafts (authoring_question_cleanup each, then free the array).
 * ERR_INVALID when no JSON is found; ERR_OK with *count 0 when none was usable. */
enum err quizgen_parse(const char *text, size_t len, size_t max, struct authoring_question **out,
                       size_t *count);

#endif

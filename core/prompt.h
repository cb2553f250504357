/* prompt: assembles the messages for one question: the system prompt, recent conversation
 * turns and the numbered passages (delimited as data) with the question, under a size budget.
 * Building is pure; only the template readers touch the file system. */
#ifndef CCA_PROMPT_H
#define CCA_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/llm.h"

enum {
    PROMPT_TEMPLATE_MAX = 64 * 1024,      /* bytes per template file */
    PROMPT_HISTORY_ANSWER_MAX = 2000,     /* bytes kept of each earlier answer */
    PROMPT_DEFAULT_BUDGET = 24 * 1024,    /* bytes for all messages (about 6k tokens) */
    PROMPT_MIN_PASSAGE = 200,             /* a first passage is cut rather than dropped */
};

/* The two templates. user.txt may use {{passages}}, {{question}} and {{passage_count}}. */
struct prompt_templates {
    char *system;
    char *user;
};

struct prompt_passage {
    int number;          /* the n the answer cites as [n] */
    const char *title;
    const char *heading; /* may be NULL */
    const char *text;
};

struct prompt_turn {
    const char *question;
    const char *answer;
};

struct prompt_input {
    const char *question;
    const struct prompt_passage *passages; /* best first */
    size_t passage_count;
    const struct prompt_turn *history;     /* oldest first */
    size_t history_count;
    size_t budget_len;                     /* bytes for all messages; 0 = the default */
};

/* The messages point into strings the prompt owns. */
struct prompt {
    struct llm_message *messages;
    size_t count;
    char **owned;
    size_t owned_count;
    size_t passages_used; /* passages that fit, always a prefix of the input */
    size_t history_used;  /* most recent turns that fit */
    bool is_truncated;    /* a passage was cut or passages/turns were left out */
    size_t total_len;     /* bytes of all message contents */
};

/* Reads the template dir/prompts/name (at most PROMPT_TEMPLATE_MAX bytes of valid UTF-8) into
 * *out (heap). On failure writes "path: reason" into err. */
enum err prompt_template_read(const char *dir, const char *name, char **out, char *err,
                              size_t errlen);

/* Reads dir/prompts/system.txt and dir/prompts/user.txt (each at most PROMPT_TEMPLATE_MAX
 * bytes of valid UTF-8). On failure writes "path: reason" into err. */
enum err prompt_templates_load(const char *dir, struct prompt_templates *out, char *err,
                               size_t errlen);
void prompt_templates_cleanup(struct prompt_templates *t);

/* Builds the messages: system, then the recent turns that fit (user/assistant pairs), then
 * the user message with the passages that fit and the question. ERR_TOO_LARGE when even the
 * system prompt and the question exceed the budget. out must be released with
 * prompt_cleanup. */
enum err prompt_build(const struct prompt_templates *t, const struct prompt_input *in,
                      struct prompt *out);
void prompt_cleanup(struct prompt *p);

/* Appends one passage as a data block to a heap string: attributes are escaped and any
 * <passage>/<passages> tag inside the text is defused, so a passage can never close its own
 * delimiters. Exposed for tests. */
char *prompt_format_passage(const struct prompt_passage *p, size_t max_text_len);

#endif

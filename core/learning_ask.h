/* learning_ask: questions about the learner's own learning in the chat ("what's my
 * progress?", "which assessments did I fail?"). A classifier tells them from questions about
 * the knowledge base; the learner's record (cca_learning_summary(), read through the learner's
 * own connection) becomes source [1] "Your learning record", and offline the answer is built
 * from its figures. Pure: no I/O; core/rag.c does the fetching. */
#ifndef CCA_LEARNING_ASK_H
#define CCA_LEARNING_ASK_H

#include <stddef.h>

#include "core/err.h"

#define LEARNING_ASK_TITLE "Your learning record"
#define LEARNING_ASK_HEADER                                                                        \
    "Offline answer (no language model configured) - from your learning record:"

enum learning_ask_topic {
    LEARNING_ASK_NONE,        /* not about the asker's own learning */
    LEARNING_ASK_PROGRESS,    /* completion, courses, skills, streak */
    LEARNING_ASK_NEXT,        /* what to learn next */
    LEARNING_ASK_ASSESSMENTS, /* results against the pass mark */
    LEARNING_ASK_TIME,        /* time spent learning */
};

/* What question (UTF-8) asks about the asker's own learning record, or LEARNING_ASK_NONE.
 * Deliberately narrow: it needs the asker ("I", "my", "me") and words about their learning,
 * so policy questions that mention "I" stay with the knowledge base. */
enum learning_ask_topic learning_ask_classify(const char *question);
/* The topic's name for logs and tests ("progress"). Static. */
const char *learning_ask_topic_name(enum learning_ask_topic topic);

/* The passage for the record: *heading ("as of 2025-01-31") and *text (the summary's plain
 * sentences), heap strings safe to show, the caller frees them. ERR_INVALID when json
 * (len bytes) is not the summary document. */
enum err learning_ask_passage(const char *json, size_t len, char **heading, char **text);

/* The offline answer to a question of topic from the summary document: LEARNING_ASK_HEADER, a
 * blank line, then "- sentence [1]" lines built from the record's figures (the time of a
 * topic the question names, the failed assessments, ...). Heap, the caller frees.
 * ERR_INVALID when json is not the summary document. */
enum err learning_ask_answer(enum learning_ask_topic topic, const char *question, const char *json,
                             size_t len, char **out);

#endif

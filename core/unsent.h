/* unsent: the local safety net for questions (and answers) the database could not take. One
 * JSON object per line is appended to $XDG_STATE_HOME/cca/unsent.jsonl, or
 * ~/.local/state/cca/unsent.jsonl when XDG_STATE_HOME is unset or not absolute; the folder is
 * created 0700 and the file 0600, because questions can be personal. */
#ifndef CCA_UNSENT_H
#define CCA_UNSENT_H

#include "core/err.h"

struct unsent_record {
    const char *kind;            /* "question" (never stored) or "answer" (outcome not stored) */
    const char *conversation_id; /* may be NULL */
    const char *message_id;      /* may be NULL */
    const char *question;
    const char *answer;          /* may be NULL */
    const char *status;          /* may be NULL */
    const char *reason;          /* why it is here, may be NULL */
};

/* The file's path as a heap string; ERR_NOT_FOUND when neither XDG_STATE_HOME nor HOME is
 * usable. */
enum err unsent_path(char **out);

/* Appends one line {"saved_at", "kind", "conversation_id", "message_id", "question",
 * "answer", "status", "reason"}; *path_out (may be NULL) receives the file's path. */
enum err unsent_append(const struct unsent_record *r, char **path_out);

#endif

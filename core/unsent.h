/* unsent: the local safety net for questions (and answers) the database could not take. One
 * JSON object per line is appended to $XDG_STATE_HOME/cca/unsent.jsonl, or
 * ~/.local/state/cca/unsent.jsonl when XDG_STATE_HOME is unset or not absolute; the folder is
 * created 0700 and the file 0600, because questions can be personal. */
#ifndef CCA_UNSENT_H
#define CCA_UNSENT_H

#include <stddef.h>

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

/* One record read back. Every string is owned by the entry (freed by unsent_entries_free). */
struct unsent_entry {
    char *saved_at;        /* ISO 8601 UTC, may be NULL */
    char *kind;            /* "question" or "answer"; never NULL */
    char *conversation_id; /* may be NULL */
    char *message_id;      /* may be NULL */
    char *question;        /* never NULL nor empty */
    char *answer;          /* may be NULL */
    char *status;          /* may be NULL */
    char *reason;          /* may be NULL */
    char *line;            /* the record exactly as stored: its identity for unsent_remove */
};

/* Reads every record, oldest first, into *out (caller frees with unsent_entries_free). A
 * missing file gives 0 records. Lines that are not a JSON object with a question are skipped
 * (and logged), never changed. ERR_TOO_LARGE when the file is over 64 MiB. */
enum err unsent_load(struct unsent_entry **out, size_t *out_count);
void unsent_entries_free(struct unsent_entry *e, size_t count);

/* Rewrites of the file (remove, forget, clear) hold a lock that unsent_append also takes, and
 * replace the file atomically (write a copy, then rename), so a crash or a concurrent cca
 * never loses a record. The file is deleted when nothing is left. */

/* Removes the first record identical to e->line; ERR_NOT_FOUND when it is no longer there. */
enum err unsent_remove(const struct unsent_entry *e);
/* Removes every "question" record whose question is exactly question (it has now been
 * stored); *removed (may be NULL) gets how many. */
enum err unsent_forget_question(const char *question, size_t *removed);
/* Removes every line, readable or not; *removed (may be NULL) gets how many. */
enum err unsent_clear(size_t *removed);

#endif

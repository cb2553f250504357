/* unsent: the local safety net for questions (and answers) the database could not take. One
 * JSON object per line is appended to $XDG_STATE_HOME/cca/unsent.jsonl, or
 * ~/.local/state/cca/unsent.jsonl when XDG_STATE_HOME is unset or not absolute; the folder is
 * created 0700 and the file 0600, because questions can be personal. Each record says who
 * asked, so a question is only ever sent again as that person. A file that is a symbolic
 * link, belongs to another user or can be written by others is refused (core/private_file),
 * and a line that is not a record is never dropped silently: it is reported and kept. */
#ifndef CCA_UNSENT_H
#define CCA_UNSENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct unsent_record {
    const char *kind;            /* "question" (never stored) or "answer" (outcome not stored) */
    const char *user;            /* who asked: the email CCA acted as (--user / CCA_USER), NULL
                                  * for the account's own database identity */
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

/* Appends one line {"saved_at", "kind", "user", "conversation_id", "message_id", "question",
 * "answer", "status", "reason"}; *path_out (may be NULL) receives the file's path. An unsafe
 * file or folder gives ERR_PERMISSION; err (may be NULL) gets every failure's message. */
enum err unsent_add(const struct unsent_record *r, char **path_out, char *err, size_t errlen);
/* unsent_add that logs the message instead (callers without a place to show it). */
enum err unsent_append(const struct unsent_record *r, char **path_out);

/* One record read back. Every string is owned by the entry (freed by unsent_entries_free). */
struct unsent_entry {
    char *saved_at;        /* ISO 8601 UTC, may be NULL */
    char *kind;            /* "question" or "answer"; never NULL */
    char *user;            /* who asked (lower case), NULL: the account's own identity */
    char *conversation_id; /* may be NULL */
    char *message_id;      /* may be NULL */
    char *question;        /* never NULL nor empty */
    char *answer;          /* may be NULL */
    char *status;          /* may be NULL */
    char *reason;          /* may be NULL */
    char *line;            /* the record exactly as stored: its identity for unsent_remove */
    size_t line_no;        /* 1-based line in the file when read */
};

/* The whole file as read: the records, and the lines that are not records (kept in the file
 * as they are: a line is never dropped without the user being told). */
struct unsent_file {
    struct unsent_entry *entries;
    size_t count;
    size_t *bad_lines;     /* 1-based line numbers, ascending */
    size_t bad_count;
};

/* Reads the file into *out (unsent_file_cleanup frees it). A missing file gives nothing.
 * ERR_PERMISSION for an unsafe file, ERR_TOO_LARGE over 64 MiB, ERR_IO; err (may be NULL)
 * gets the message with the fix. */
enum err unsent_read(struct unsent_file *out, char *err, size_t errlen);
void unsent_file_cleanup(struct unsent_file *f);

/* True when e was asked by user (an email, compared without case; NULL is the account's own
 * identity, which only matches records kept without a user). */
bool unsent_entry_is_from(const struct unsent_entry *e, const char *user);

/* Reads every record, oldest first, into *out (caller frees with unsent_entries_free). A
 * missing file gives 0 records. Lines that are not a JSON object with a question are skipped
 * here (a warning names their line numbers in the log), never changed. ERR_TOO_LARGE when
 * the file is over 64 MiB, ERR_PERMISSION when it is unsafe (logged). Prefer unsent_read. */
enum err unsent_load(struct unsent_entry **out, size_t *out_count);
void unsent_entries_free(struct unsent_entry *e, size_t count);

/* Rewrites of the file (remove, forget, clear) hold a lock that unsent_append also takes, and
 * replace the file atomically (write a copy, then rename), so a crash or a concurrent cca
 * never loses a record. The file is deleted when nothing is left. */

/* Removes the first record identical to e->line; ERR_NOT_FOUND when it is no longer there. */
enum err unsent_remove(const struct unsent_entry *e);
/* Removes every "question" record of user (as unsent_entry_is_from) whose question is
 * exactly question (it has now been stored); *removed (may be NULL) gets how many. */
enum err unsent_forget_question_of(const char *user, const char *question, size_t *removed);
/* The same for every user's records: kept for callers that do not know the user yet; prefer
 * unsent_forget_question_of, which cannot take away another person's question. */
enum err unsent_forget_question(const char *question, size_t *removed);
/* Removes every line, readable or not; *removed (may be NULL) gets how many. */
enum err unsent_clear(size_t *removed);

#endif

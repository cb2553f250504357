/* draft: the question being typed, kept on disk so closing the terminal does not lose it. One
 * file per identity, drafts/<name>.txt in the user's state folder ($XDG_STATE_HOME/cca or
 * ~/.local/state/cca), written atomically (a private temporary file renamed over the old
 * one), mode 0600, with the same refusals as the unsent file (core/private_file): no symbolic
 * links, no other user's files, nothing others can write. Pure file I/O: no loop, no timers;
 * the caller decides when to save (say, a second after the last key, and on quit). */
#ifndef CCA_DRAFT_H
#define CCA_DRAFT_H

#include <stddef.h>

#include "core/err.h"

enum { DRAFT_MAX_LEN = 256 * 1024 };

/* The draft file of user (an email, NULL for the account's own identity) as a heap string:
 * drafts/default.txt, or drafts/<first 32 hex digits of BLAKE2b(lower-cased email)>.txt so
 * the name never depends on what the email contains. ERR_NOT_FOUND without a usable
 * XDG_STATE_HOME or HOME. */
enum err draft_path(const char *user, char **out);

/* Saves text (len bytes, at most DRAFT_MAX_LEN: ERR_TOO_LARGE) as user's draft; len 0 clears
 * it. ERR_PERMISSION when the file or folder is unsafe, ERR_IO; err (may be NULL) gets the
 * message with the fix. */
enum err draft_save(const char *user, const char *text, size_t len, char *err, size_t errlen);

/* Loads user's draft into *text (heap, NUL-terminated, caller frees) and *len (may be NULL).
 * No draft: ERR_OK with *text NULL. Same errors as draft_save, ERR_TOO_LARGE for a file over
 * DRAFT_MAX_LEN; the text is returned as stored (the caller sanitises before showing it). */
enum err draft_load(const char *user, char **text, size_t *len, char *err, size_t errlen);

/* Removes user's draft (the question was sent); no draft is not an error. */
enum err draft_clear(const char *user, char *err, size_t errlen);

#endif

/* private_file: the user's own state files (the unsent questions, input drafts) in
 * $XDG_STATE_HOME/cca, or ~/.local/state/cca when XDG_STATE_HOME is unset or not absolute.
 * The folder is created 0700 and files 0600; nothing is read or written through a symbolic
 * link, in a file another user owns, or in a file or folder others can write to: those are
 * refused with a message that says how to fix it. Replacement is atomic (a private temporary
 * file renamed over the old one). */
#ifndef CCA_PRIVATE_FILE_H
#define CCA_PRIVATE_FILE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* The path of name inside the state folder, as a heap string; ERR_NOT_FOUND when neither
 * XDG_STATE_HOME nor HOME is an absolute path. */
enum err private_file_path(const char *name, char **out);

/* Creates the folders above path (mode 0700) and checks the one holding it: it must belong to
 * the user and not be writable by others. ERR_PERMISSION (err says why and what to do) or
 * ERR_IO. */
enum err private_file_prepare_dir(const char *path, char *err, size_t errlen);

/* Opens path with flags (O_CREAT files get 0600) without following a symbolic link, then
 * checks what was opened: a regular file of the user's that others cannot write (one others
 * can read is tightened to 0600). Returns the descriptor, or -1 with *e set: ERR_NOT_FOUND
 * when it does not exist (no message), ERR_PERMISSION when unsafe, ERR_IO otherwise; err (may
 * be NULL) gets the message. */
int private_file_open(const char *path, int flags, enum err *e, char *err, size_t errlen);

/* Reads the whole file (at most max bytes) into out, which the caller initialised. A missing
 * file gives ERR_NOT_FOUND and leaves out empty. Same checks as private_file_open;
 * ERR_TOO_LARGE over max. */
enum err private_file_read(const char *path, size_t max, struct buf *out, char *err,
                           size_t errlen);

/* Replaces path with len bytes of data, atomically, mode 0600 (len 0 removes it). Refuses
 * (ERR_PERMISSION) an existing path that fails the checks, so a link planted in its place is
 * never written through or replaced silently. */
enum err private_file_replace(const char *path, const char *data, size_t len, char *err,
                              size_t errlen);

#endif

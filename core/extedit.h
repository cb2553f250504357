/* extedit: editing a text in the user's own editor ("open in $EDITOR"): which command to run
 * ($VISUAL, else $EDITOR, else nano, else vi) and the private file the text travels through
 * (core/private_file: the user's state folder, 0600, no links). Running the command with the
 * terminal is the frame's (tui/term's term_run); this module never forks and never touches
 * the terminal. */
#ifndef CCA_EXTEDIT_H
#define CCA_EXTEDIT_H

#include <stddef.h>

#include "core/err.h"

/* The shell command of choice number attempt (0 first): visual when set and not blank, else
 * editor when set and not blank (no fallback then: the user chose), else "nano" and then "vi".
 * NULL when there is no such choice. Borrowed: points into the arguments or a static. */
const char *extedit_command(const char *visual, const char *editor, unsigned attempt);

/* Writes len bytes of text to a new private file named after hint (letters, digits and '-'
 * kept, the rest dropped) and the process id, ending in ".md" so the editor knows it as
 * Markdown. *path (heap, the caller's) names it. ERR_PERMISSION or ERR_IO with err set. */
enum err extedit_write(const char *hint, const char *text, size_t len, char **path, char *err,
                       size_t errlen);

/* Reads the file back as text for the editor: CR LF and lone CR become LF, controls other
 * than newline and tab and invalid UTF-8 are made safe (utf8_sanitize); *text (heap, the
 * caller's) and *len. ERR_TOO_LARGE over max bytes; the checks of private_file_read. */
enum err extedit_read(const char *path, size_t max, char **text, size_t *len, char *err,
                      size_t errlen);

/* Editors end a saved file with a newline: when text (*len bytes) ends with one newline that
 * orig (orig_len bytes) did not end with, it is dropped (*len shrinks), so opening and saving
 * without a change changes nothing. */
void extedit_keep_final_newline(const char *orig, size_t orig_len, char *text, size_t *len);

/* Removes the file (and any backup the editor left beside it: path~). */
void extedit_remove(const char *path);

/* Words for the status line about how the command ended: status is the exit status (as
 * waitpid's WEXITSTATUS, or 128 + signal), 127 meaning the command was not found. Static. */
const char *extedit_status_words(int status);

#endif

/* log: levelled messages to a log file. Never writes to the terminal while curses is active:
 * without a file, messages go to stderr only when log_set_stderr(true) was called. Messages
 * are sanitised (no escape sequences, controls or invisible characters) and kept on one
 * line. */
#ifndef CCA_LOG_H
#define CCA_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Opens (appends to) path; NULL closes any open file. A new file is created with mode 0600
 * whatever the umask. Refuses (ERR_PERMISSION, the reason and the fix in err) a symbolic
 * link, something that is not a regular file, a file of another user, or one that others can
 * read or write; ERR_IO when it cannot be opened (err says why). err may be NULL. */
enum err log_open(const char *path, enum log_level min_level, char *err, size_t errlen);
void log_close(void);
/* Whether messages without a log file may go to stderr (false while curses runs). */
void log_set_stderr(bool enabled);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif

/* log: the process log. The only mutable state is the open file and the threshold. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE *log_file;
static enum log_level log_min = LOG_INFO;
static bool log_to_stderr;

enum err log_open(const char *path, enum log_level min_level)
{
    log_close();
    log_min = min_level;
    if (!path || !*path)
        return ERR_OK;
    log_file = fopen(path, "a");
    if (!log_file)
        return ERR_IO;
    setvbuf(log_file, NULL, _IOLBF, 0);
    return ERR_OK;
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void log_set_stderr(bool enabled)
{
    log_to_stderr = enabled;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < log_min)
        return;
    FILE *out = log_file ? log_file : (log_to_stderr ? stderr : NULL);
    if (!out)
        return;
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(out, "%s %s: ", stamp, names[level]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

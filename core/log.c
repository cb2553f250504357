/* log: the process log. The only mutable state is the open file and the threshold. Every
 * message is sanitised (core/utf8) and kept on one line before it is written, because log
 * messages quote servers, documents and users: a log viewed with cat or tail must not be able
 * to retitle or clear the terminal, and a newline in a quoted text must not forge an entry. */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/utf8.h"

enum { LOG_LINE_MAX = 8192 };

static FILE *log_file;
static enum log_level log_min = LOG_INFO;
static bool log_to_stderr;

static void msg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void msg_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Opens path for appending, creating it 0600; refuses a file that is not private. */
static int open_private(const char *path, char *err, size_t errlen)
{
    bool is_created = true;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                  0600);
    if (fd < 0 && errno == EEXIST) {
        is_created = false;
        fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (fd < 0) {
        if (errno == ELOOP)
            msg_set(err, errlen,
                    "log file %s is a symbolic link; CCA does not write its log through a link "
                    "(someone else could aim it at another file): name the real file in "
                    "[general] log_file",
                    path);
        else
            msg_set(err, errlen, "cannot open the log file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *problem = NULL;
    char fix[64] = "";
    if (fstat(fd, &st) != 0) {
        msg_set(err, errlen, "cannot check the log file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* umask can only take permissions away, but a created file is set to exactly 0600 so
     * the log never depends on it. */
    if (is_created && fchmod(fd, 0600) == 0)
        st.st_mode = (st.st_mode & ~(mode_t)0777) | 0600;
    if (!S_ISREG(st.st_mode))
        problem = "is not a regular file";
    else if (st.st_uid != geteuid())
        problem = "belongs to another user";
    else if (st.st_mode & 022) {
        problem = "can be written by other users";
        snprintf(fix, sizeof fix, "chmod 600");
    } else if (st.st_mode & 044) {
        problem = "can be read by other users (the log quotes questions and answers)";
        snprintf(fix, sizeof fix, "chmod 600");
    }
    if (problem) {
        if (fix[0])
            msg_set(err, errlen, "log file %s %s (mode %04o); run: %s %s", path, problem,
                    (unsigned)(st.st_mode & 07777), fix, path);
        else
            msg_set(err, errlen,
                    "log file %s %s (owner uid %ld); name a file of your own in [general] "
                    "log_file",
                    path, problem, (long)st.st_uid);
        close(fd);
        return -1;
    }
    /* O_NONBLOCK was only there so opening a FIFO could not hang. */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

enum err log_open(const char *path, enum log_level min_level, char *err, size_t errlen)
{
    log_close();
    log_min = min_level;
    msg_set(err, errlen, "%s", "");
    if (!path || !*path)
        return ERR_OK;
    int fd = open_private(path, err, errlen);
    if (fd < 0)
        return ERR_PERMISSION;
    log_file = fdopen(fd, "a");
    if (!log_file) {
        msg_set(err, errlen, "cannot open the log file %s: %s", path, strerror(errno));
        close(fd);
        return ERR_IO;
    }
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
    char text[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    /* A message cut at the cap may end inside a character: sanitising turns that into
     * U+FFFD rather than passing half a sequence on. */
    char *clean = utf8_sanitize_line(text, len, NULL);
    fprintf(out, "%s %s: %s%s\n", stamp, names[level], clean,
            (size_t)n >= sizeof text ? " [...]" : "");
    free(clean);
}

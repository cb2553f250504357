/* private_file: open-then-fstat (no check-then-use race), O_NOFOLLOW everywhere, and one
 * wording of each refusal so users learn one fix. */
#include "core/private_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

enum { FIX_MAX = 8192 };

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

enum err private_file_path(const char *name, char **out)
{
    *out = NULL;
    const char *state = getenv("XDG_STATE_HOME");
    if (state && state[0] == '/') {
        *out = xasprintf("%s/cca/%s", state, name);
        return ERR_OK;
    }
    const char *home = getenv("HOME");
    if (!home || home[0] != '/')
        return ERR_NOT_FOUND;
    *out = xasprintf("%s/.local/state/cca/%s", home, name);
    return ERR_OK;
}

/* The problem with st (a file when is_dir is false), or NULL when it is safe. */
static const char *problem_of(const struct stat *st, bool is_dir, char *fix, size_t fixlen,
                              const char *path)
{
    fix[0] = '\0';
    if (is_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
        snprintf(fix, fixlen, "move it away (mv %s %s.old)", path, path);
        return is_dir ? "is not a folder" : "is not a regular file";
    }
    if (st->st_uid != geteuid()) {
        snprintf(fix, fixlen, "move it away (mv %s %s.old) so CCA can start a file of yours",
                 path, path);
        return "belongs to another user";
    }
    if (st->st_mode & 022) {
        snprintf(fix, fixlen, "run: chmod %s %s", is_dir ? "700" : "600", path);
        return "can be written by other users";
    }
    return NULL;
}

static enum err refuse(const char *path, const char *problem, const struct stat *st,
                       const char *fix, char *err, size_t errlen)
{
    msg_set(err, errlen, "%s %s (owner uid %ld, mode %04o), so CCA does not use it: %s", path,
            problem, (long)st->st_uid, (unsigned)(st->st_mode & 07777), fix);
    return ERR_PERMISSION;
}

enum err private_file_prepare_dir(const char *path, char *err, size_t errlen)
{
    char *dir = xstrdup(path);
    enum err e = ERR_OK;
    char *last = strrchr(dir, '/');
    if (!last || last == dir) {
        free(dir);
        return ERR_OK;
    }
    *last = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            msg_set(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            e = ERR_IO;
        }
        *p = '/';
        if (e != ERR_OK)
            goto out;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        msg_set(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        e = ERR_IO;
        goto out;
    }
    /* Only the folder that holds the file: its parents (a shared /home, say) are the
     * system's business, but whoever can write this one can swap the file. */
    struct stat st;
    if (stat(dir, &st) != 0) {
        msg_set(err, errlen, "cannot check %s: %s", dir, strerror(errno));
        e = ERR_IO;
        goto out;
    }
    char fix[FIX_MAX];
    const char *problem = problem_of(&st, true, fix, sizeof fix, dir);
    if (problem)
        e = refuse(dir, problem, &st, fix, err, errlen);
out:
    free(dir);
    return e;
}

int private_file_open(const char *path, int flags, enum err *e, char *err, size_t errlen)
{
    *e = ERR_OK;
    msg_set(err, errlen, "%s", "");
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
    if (fd < 0) {
        if (errno == ENOENT) {
            *e = ERR_NOT_FOUND;
        } else if (errno == ELOOP) {
            msg_set(err, errlen,
                    "%s is a symbolic link, so CCA does not use it (whoever made it could send "
                    "your questions elsewhere): replace it with a file of your own (rm %s)",
                    path, path);
            *e = ERR_PERMISSION;
        } else {
            msg_set(err, errlen, "cannot open %s: %s", path, strerror(errno));
            *e = errno == EACCES ? ERR_PERMISSION : ERR_IO;
        }
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        msg_set(err, errlen, "cannot check %s: %s", path, strerror(errno));
        close(fd);
        *e = ERR_IO;
        return -1;
    }
    char fix[FIX_MAX];
    const char *problem = problem_of(&st, false, fix, sizeof fix, path);
    if (problem) {
        *e = refuse(path, problem, &st, fix, err, errlen);
        close(fd);
        return -1;
    }
    /* Ours, but readable by others (made by hand, or by an older version): tighten it. */
    if (st.st_mode & 044)
        (void)fchmod(fd, 0600);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

enum err private_file_read(const char *path, size_t max, struct buf *out, char *err,
                           size_t errlen)
{
    enum err e;
    int fd = private_file_open(path, O_RDONLY, &e, err, errlen);
    if (fd < 0)
        return e;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            msg_set(err, errlen, "cannot read %s: %s", path, strerror(errno));
            e = ERR_IO;
            break;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > max || buf_append(out, chunk, (size_t)n) != ERR_OK) {
            msg_set(err, errlen, "%s is larger than %zu bytes", path, max);
            e = ERR_TOO_LARGE;
            break;
        }
    }
    close(fd);
    return e;
}

static enum err write_all(int fd, const char *data, size_t len, const char *path, char *err,
                          size_t errlen)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            msg_set(err, errlen, "cannot write %s: %s", path, w < 0 ? strerror(errno) : "no space");
            return ERR_IO;
        }
        done += (size_t)w;
    }
    return ERR_OK;
}

enum err private_file_replace(const char *path, const char *data, size_t len, char *err,
                              size_t errlen)
{
    /* What is there now must pass the checks (a planted link is reported, not replaced). */
    enum err e;
    int fd = private_file_open(path, O_RDONLY, &e, err, errlen);
    if (fd >= 0)
        close(fd);
    else if (e != ERR_NOT_FOUND)
        return e;
    if (len == 0) {
        if (unlink(path) != 0 && errno != ENOENT) {
            msg_set(err, errlen, "cannot remove %s: %s", path, strerror(errno));
            return ERR_IO;
        }
        return ERR_OK;
    }
    e = private_file_prepare_dir(path, err, errlen);
    if (e != ERR_OK)
        return e;
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    (void)unlink(tmp); /* a leftover of a crashed run of this pid */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        msg_set(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return ERR_IO;
    }
    (void)fchmod(fd, 0600); /* whatever the umask */
    e = write_all(fd, data, len, tmp, err, errlen);
    if (e == ERR_OK && fsync(fd) != 0) {
        msg_set(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        e = ERR_IO;
    }
    if (close(fd) != 0 && e == ERR_OK) {
        msg_set(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        e = ERR_IO;
    }
    if (e == ERR_OK && rename(tmp, path) != 0) {
        msg_set(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        e = ERR_IO;
    }
    if (e != ERR_OK)
        unlink(tmp);
    free(tmp);
    return e;
}

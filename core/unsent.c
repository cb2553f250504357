/* unsent: append-only JSON lines. A line is written with a single write(2) on an O_APPEND
 * descriptor so concurrent cca processes never interleave inside a record. */
#include "core/unsent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/json_out.h"
#include "core/log.h"
#include "core/mem.h"

enum { UNSENT_LINE_MAX = 8u << 20 };

enum err unsent_path(char **out)
{
    *out = NULL;
    const char *state = getenv("XDG_STATE_HOME");
    if (state && state[0] == '/') {
        *out = xasprintf("%s/cca/unsent.jsonl", state);
        return ERR_OK;
    }
    const char *home = getenv("HOME");
    if (!home || home[0] != '/')
        return ERR_NOT_FOUND;
    *out = xasprintf("%s/.local/state/cca/unsent.jsonl", home);
    return ERR_OK;
}

/* mkdir -p for the folders of path (not the file itself), mode 0700. */
static enum err make_parents(const char *path)
{
    char *dir = xstrdup(path);
    enum err e = ERR_OK;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            log_warn("unsent: cannot create %s: %s", dir, strerror(errno));
            e = ERR_IO;
            break;
        }
        *p = '/';
    }
    free(dir);
    return e;
}

static void add_field(struct json_out *j, const char *key, const char *value)
{
    json_out_key(j, key);
    json_out_string(j, value);
}

enum err unsent_append(const struct unsent_record *r, char **path_out)
{
    if (path_out)
        *path_out = NULL;
    char *path = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK)
        return e;
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    struct json_out j;
    json_out_init(&j, UNSENT_LINE_MAX);
    json_out_object_begin(&j);
    add_field(&j, "saved_at", stamp);
    add_field(&j, "kind", r->kind ? r->kind : "question");
    add_field(&j, "conversation_id", r->conversation_id);
    add_field(&j, "message_id", r->message_id);
    add_field(&j, "question", r->question);
    add_field(&j, "answer", r->answer);
    add_field(&j, "status", r->status);
    add_field(&j, "reason", r->reason);
    json_out_object_end(&j);
    char *line = NULL;
    e = json_out_finish(&j, &line);
    json_out_cleanup(&j);
    if (e != ERR_OK)
        goto out;
    size_t len = strlen(line);
    char *with_nl = xasprintf("%s\n", line);
    free(line);
    line = with_nl;
    len++;

    e = make_parents(path);
    if (e != ERR_OK)
        goto out;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("unsent: cannot open %s: %s", path, strerror(errno));
        e = ERR_IO;
        goto out;
    }
    ssize_t w = write(fd, line, len);
    if (w < 0 || (size_t)w != len) {
        log_warn("unsent: cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
        e = ERR_IO;
    }
    if (close(fd) != 0 && e == ERR_OK)
        e = ERR_IO;
out:
    free(line);
    if (e == ERR_OK && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    return e;
}

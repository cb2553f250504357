/* unsent: JSON lines. A line is written with a single write(2) on an O_APPEND descriptor so
 * concurrent cca processes never interleave inside a record; rewrites (remove, clear) and
 * appends take an fcntl lock on a sibling "unsent.jsonl.lock" file, so an append never lands
 * in a file that is about to be replaced. */
#include "core/unsent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/log.h"
#include "core/mem.h"

enum {
    UNSENT_LINE_MAX = 8u << 20,  /* one record */
    UNSENT_FILE_MAX = 64u << 20, /* the whole file, when read back */
};

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

/* Takes the write lock on path + ".lock" (waiting for it); the descriptor, or -1 when the
 * lock cannot be had. Closing the descriptor releases the lock. */
static int lock_take(const char *path)
{
    char *lock_path = xasprintf("%s.lock", path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("unsent: cannot open %s: %s", lock_path, strerror(errno));
        free(lock_path);
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int rc;
    do
        rc = fcntl(fd, F_SETLKW, &fl);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        log_warn("unsent: cannot lock %s: %s", lock_path, strerror(errno));
        close(fd);
        fd = -1;
    }
    free(lock_path);
    return fd;
}

static void lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
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
    /* Without the lock the record is still appended: losing the question would be worse than
     * racing a rewrite. */
    int lock = lock_take(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("unsent: cannot open %s: %s", path, strerror(errno));
        e = ERR_IO;
        lock_release(lock);
        goto out;
    }
    ssize_t w = write(fd, line, len);
    if (w < 0 || (size_t)w != len) {
        log_warn("unsent: cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
        e = ERR_IO;
    }
    if (close(fd) != 0 && e == ERR_OK)
        e = ERR_IO;
    lock_release(lock);
out:
    free(line);
    if (e == ERR_OK && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    return e;
}

/* --- reading back ------------------------------------------------------------------------- */

/* Reads the whole file into b; a missing file leaves b empty. */
static enum err read_file(const char *path, struct buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ERR_OK;
        log_warn("unsent: cannot open %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    enum err e = ERR_OK;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_warn("unsent: cannot read %s: %s", path, strerror(errno));
            e = ERR_IO;
            break;
        }
        if (n == 0)
            break;
        e = buf_append(b, chunk, (size_t)n);
        if (e != ERR_OK) {
            log_warn("unsent: %s is larger than %u bytes", path, (unsigned)UNSENT_FILE_MAX);
            break;
        }
    }
    close(fd);
    return e;
}

static const char *const entry_keys[] = {"saved_at", "kind",   "conversation_id", "message_id",
                                         "question", "answer", "status",          "reason"};
enum { ENTRY_KEY_COUNT = sizeof entry_keys / sizeof entry_keys[0] };

static void entry_cleanup(struct unsent_entry *e)
{
    free(e->saved_at);
    free(e->kind);
    free(e->conversation_id);
    free(e->message_id);
    free(e->question);
    free(e->answer);
    free(e->status);
    free(e->reason);
    free(e->line);
    memset(e, 0, sizeof *e);
}

/* Parses one line into *e; false (and *e empty) when it is not a record. */
static bool entry_parse(const char *line, size_t len, struct unsent_entry *e)
{
    memset(e, 0, sizeof *e);
    if (len > UNSENT_LINE_MAX)
        return false;
    char *v[ENTRY_KEY_COUNT];
    if (json_object_strings(line, len, entry_keys, ENTRY_KEY_COUNT, UNSENT_LINE_MAX, v) !=
        ERR_OK)
        return false;
    *e = (struct unsent_entry){
        .saved_at = v[0],
        .kind = v[1],
        .conversation_id = v[2],
        .message_id = v[3],
        .question = v[4],
        .answer = v[5],
        .status = v[6],
        .reason = v[7],
    };
    if (!e->question || !e->question[0]) {
        entry_cleanup(e);
        return false;
    }
    if (!e->kind)
        e->kind = xstrdup("question");
    e->line = xstrndup(line, len);
    return true;
}

/* Calls fn for each line of data (without its newline; a last line without one counts). */
static void for_each_line(const char *data, size_t len,
                          void (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
    size_t start = 0;
    while (start < len) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;
        fn(ctx, data + start, end - start);
        start = end + 1;
    }
}

struct load_ctx {
    struct unsent_entry *items;
    size_t count, cap;
    size_t bad;
};

static void load_line(void *ctx, const char *line, size_t len)
{
    struct load_ctx *l = ctx;
    if (len == 0)
        return;
    struct unsent_entry e;
    if (!entry_parse(line, len, &e)) {
        l->bad++;
        return;
    }
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xreallocarray(l->items, l->cap, sizeof *l->items);
    }
    l->items[l->count++] = e;
}

enum err unsent_load(struct unsent_entry **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    char *path = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK)
        return e;
    struct buf b;
    buf_init(&b, UNSENT_FILE_MAX);
    e = read_file(path, &b);
    if (e == ERR_OK && b.len) {
        struct load_ctx l = {0};
        for_each_line(b.data, b.len, load_line, &l);
        if (l.bad)
            log_warn("unsent: %zu unreadable line(s) in %s left as they are", l.bad, path);
        *out = l.items;
        *out_count = l.count;
    }
    buf_cleanup(&b);
    free(path);
    return e;
}

void unsent_entries_free(struct unsent_entry *e, size_t count)
{
    for (size_t i = 0; e && i < count; i++)
        entry_cleanup(&e[i]);
    free(e);
}

/* --- rewriting ---------------------------------------------------------------------------- */

/* Decides whether a line stays; called for every non-empty line, in order. */
typedef bool (*keep_fn)(void *ctx, const char *line, size_t len);

struct rewrite_ctx {
    keep_fn keep;
    void *keep_ctx;
    struct buf out;
    size_t removed;
    enum err err;
};

static void rewrite_line(void *ctx, const char *line, size_t len)
{
    struct rewrite_ctx *r = ctx;
    if (len == 0 || r->err != ERR_OK)
        return;
    if (!r->keep(r->keep_ctx, line, len)) {
        r->removed++;
        return;
    }
    r->err = buf_append(&r->out, line, len);
    if (r->err == ERR_OK)
        r->err = buf_append_char(&r->out, '\n');
}

/* Writes data to a fresh sibling file and renames it over path. */
static enum err replace_file(const char *path, const char *data, size_t len)
{
    if (len == 0) {
        if (unlink(path) != 0 && errno != ENOENT) {
            log_warn("unsent: cannot remove %s: %s", path, strerror(errno));
            return ERR_IO;
        }
        return ERR_OK;
    }
    char *tmp = xasprintf("%s.tmp", path);
    enum err e = ERR_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("unsent: cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return ERR_IO;
    }
    size_t done = 0;
    while (done < len && e == ERR_OK) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            log_warn("unsent: cannot write %s: %s", tmp, w < 0 ? strerror(errno) : "no space");
            e = ERR_IO;
            break;
        }
        done += (size_t)w;
    }
    if (e == ERR_OK && fsync(fd) != 0)
        e = ERR_IO;
    if (close(fd) != 0 && e == ERR_OK)
        e = ERR_IO;
    if (e == ERR_OK && rename(tmp, path) != 0) {
        log_warn("unsent: cannot replace %s: %s", path, strerror(errno));
        e = ERR_IO;
    }
    if (e != ERR_OK)
        unlink(tmp);
    free(tmp);
    return e;
}

/* Keeps the lines keep() accepts, under the lock; *removed gets how many went. */
static enum err rewrite(keep_fn keep, void *keep_ctx, size_t *removed)
{
    *removed = 0;
    char *path = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK)
        return e;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        free(path);
        return ERR_OK; /* nothing to rewrite; no need to create the folder for a lock */
    }
    int lock = lock_take(path);
    if (lock < 0) {
        free(path);
        return ERR_IO;
    }
    struct buf in;
    buf_init(&in, UNSENT_FILE_MAX);
    struct rewrite_ctx r = {.keep = keep, .keep_ctx = keep_ctx};
    buf_init(&r.out, UNSENT_FILE_MAX);
    e = read_file(path, &in);
    if (e == ERR_OK && in.len)
        for_each_line(in.data, in.len, rewrite_line, &r);
    if (e == ERR_OK)
        e = r.err;
    if (e == ERR_OK && r.removed)
        e = replace_file(path, r.out.data, r.out.len);
    if (e == ERR_OK)
        *removed = r.removed;
    buf_cleanup(&r.out);
    buf_cleanup(&in);
    lock_release(lock);
    free(path);
    return e;
}

struct remove_ctx {
    const char *line;
    size_t len;
    bool is_done;
};

static bool keep_unless_identical(void *ctx, const char *line, size_t len)
{
    struct remove_ctx *r = ctx;
    if (r->is_done || len != r->len || memcmp(line, r->line, len) != 0)
        return true;
    r->is_done = true; /* only the first copy */
    return false;
}

enum err unsent_remove(const struct unsent_entry *e)
{
    if (!e || !e->line)
        return ERR_INVALID;
    struct remove_ctx r = {.line = e->line, .len = strlen(e->line)};
    size_t removed = 0;
    enum err err = rewrite(keep_unless_identical, &r, &removed);
    if (err == ERR_OK && removed == 0)
        return ERR_NOT_FOUND;
    return err;
}

struct forget_ctx {
    const char *question;
};

static bool keep_unless_question(void *ctx, const char *line, size_t len)
{
    const struct forget_ctx *f = ctx;
    struct unsent_entry e;
    if (!entry_parse(line, len, &e))
        return true;
    bool is_match = strcmp(e.kind, "question") == 0 && strcmp(e.question, f->question) == 0;
    entry_cleanup(&e);
    return !is_match;
}

enum err unsent_forget_question(const char *question, size_t *removed)
{
    size_t n = 0;
    if (removed)
        *removed = 0;
    if (!question || !question[0])
        return ERR_INVALID;
    struct forget_ctx f = {.question = question};
    enum err e = rewrite(keep_unless_question, &f, &n);
    if (removed)
        *removed = n;
    return e;
}

static bool keep_nothing(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    (void)line;
    (void)len;
    return false;
}

enum err unsent_clear(size_t *removed)
{
    size_t n = 0;
    enum err e = rewrite(keep_nothing, NULL, &n);
    if (removed)
        *removed = n;
    return e;
}

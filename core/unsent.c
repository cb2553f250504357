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
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/private_file.h"

enum {
    UNSENT_LINE_MAX = 8u << 20,  /* one record */
    UNSENT_FILE_MAX = 64u << 20, /* the whole file, when read back */
};

enum err unsent_path(char **out)
{
    return private_file_path("unsent.jsonl", out);
}

/* Takes the write lock on path + ".lock" (waiting for it); the descriptor, or -1 when the
 * lock cannot be had. Closing the descriptor releases the lock. */
static int lock_take(const char *path)
{
    char *lock_path = xasprintf("%s.lock", path);
    enum err e;
    char why[512];
    int fd = private_file_open(lock_path, O_RDWR | O_CREAT, &e, why, sizeof why);
    if (fd < 0) {
        log_warn("unsent: %s", why);
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

/* A user as recorded and compared: emails are not case-sensitive. */
static char *user_key(const char *user)
{
    if (!user || !*user)
        return NULL;
    char *u = xstrdup(user);
    for (char *p = u; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return u;
}

enum err unsent_add(const struct unsent_record *r, char **path_out, char *err, size_t errlen)
{
    if (path_out)
        *path_out = NULL;
    char *path = NULL, *line = NULL, *user = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK) {
        if (err && errlen)
            snprintf(err, errlen, "neither XDG_STATE_HOME nor HOME is an absolute path");
        return e;
    }
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    user = user_key(r->user);
    struct json_out j;
    json_out_init(&j, UNSENT_LINE_MAX);
    json_out_object_begin(&j);
    add_field(&j, "saved_at", stamp);
    add_field(&j, "kind", r->kind ? r->kind : "question");
    add_field(&j, "user", user);
    add_field(&j, "conversation_id", r->conversation_id);
    add_field(&j, "message_id", r->message_id);
    add_field(&j, "question", r->question);
    add_field(&j, "answer", r->answer);
    add_field(&j, "status", r->status);
    add_field(&j, "reason", r->reason);
    json_out_object_end(&j);
    e = json_out_finish(&j, &line);
    json_out_cleanup(&j);
    if (e != ERR_OK) {
        if (err && errlen)
            snprintf(err, errlen, "the record is larger than %u bytes", (unsigned)UNSENT_LINE_MAX);
        goto out;
    }
    char *with_nl = xasprintf("%s\n", line);
    free(line);
    line = with_nl;
    size_t len = strlen(line);

    e = private_file_prepare_dir(path, err, errlen);
    if (e != ERR_OK)
        goto out;
    /* Without the lock the record is still appended: losing the question would be worse than
     * racing a rewrite. */
    int lock = lock_take(path);
    int fd = private_file_open(path, O_WRONLY | O_CREAT | O_APPEND, &e, err, errlen);
    if (fd < 0) {
        lock_release(lock);
        goto out;
    }
    ssize_t w = write(fd, line, len);
    if (w < 0 || (size_t)w != len) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write %s: %s", path,
                     w < 0 ? strerror(errno) : "short write");
        e = ERR_IO;
    }
    if (close(fd) != 0 && e == ERR_OK)
        e = ERR_IO;
    lock_release(lock);
out:
    free(line);
    free(user);
    if (e == ERR_OK && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    return e;
}

enum err unsent_append(const struct unsent_record *r, char **path_out)
{
    char why[1024] = "";
    enum err e = unsent_add(r, path_out, why, sizeof why);
    if (e != ERR_OK)
        log_warn("unsent: %s", why[0] ? why : err_str(e));
    return e;
}

/* --- reading back ------------------------------------------------------------------------- */

/* Reads the whole file into b; a missing file leaves b empty. */
static enum err read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
    enum err e = private_file_read(path, UNSENT_FILE_MAX, b, err, errlen);
    return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static const char *const entry_keys[] = {"saved_at", "kind",   "conversation_id", "message_id",
                                         "question", "answer", "status",          "reason",
                                         "user"};
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
    free(e->user);
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
        .user = v[8],
    };
    if (!e->question || !e->question[0]) {
        entry_cleanup(e);
        return false;
    }
    if (!e->kind)
        e->kind = xstrdup("question");
    if (e->user) {
        char *u = user_key(e->user);
        free(e->user);
        e->user = u;
    }
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
    struct unsent_file *f;
    size_t cap, bad_cap;
    size_t line_no;
};

static void load_line(void *ctx, const char *line, size_t len)
{
    struct load_ctx *l = ctx;
    l->line_no++;
    if (len == 0)
        return;
    struct unsent_entry e;
    if (!entry_parse(line, len, &e)) {
        if (l->f->bad_count == l->bad_cap) {
            l->bad_cap = l->bad_cap ? l->bad_cap * 2 : 8;
            l->f->bad_lines = xreallocarray(l->f->bad_lines, l->bad_cap, sizeof *l->f->bad_lines);
        }
        l->f->bad_lines[l->f->bad_count++] = l->line_no;
        return;
    }
    e.line_no = l->line_no;
    if (l->f->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->f->entries = xreallocarray(l->f->entries, l->cap, sizeof *l->f->entries);
    }
    l->f->entries[l->f->count++] = e;
}

enum err unsent_read(struct unsent_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    char *path = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK) {
        if (err && errlen)
            snprintf(err, errlen, "neither XDG_STATE_HOME nor HOME is an absolute path");
        return e;
    }
    struct buf b;
    buf_init(&b, UNSENT_FILE_MAX);
    e = read_file(path, &b, err, errlen);
    if (e == ERR_OK && b.len) {
        struct load_ctx l = {.f = out};
        for_each_line(b.data, b.len, load_line, &l);
    }
    buf_cleanup(&b);
    free(path);
    return e;
}

void unsent_file_cleanup(struct unsent_file *f)
{
    unsent_entries_free(f->entries, f->count);
    free(f->bad_lines);
    memset(f, 0, sizeof *f);
}

bool unsent_entry_is_from(const struct unsent_entry *e, const char *user)
{
    if (!user || !*user)
        return !e->user;
    return e->user && strcasecmp(e->user, user) == 0;
}

enum err unsent_load(struct unsent_entry **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    struct unsent_file f;
    char why[1024];
    enum err e = unsent_read(&f, why, sizeof why);
    if (e != ERR_OK) {
        if (e != ERR_NOT_FOUND)
            log_warn("unsent: %s", why);
        return e;
    }
    if (f.bad_count)
        log_warn("unsent: %zu line(s) of the unsent file are not records (line %zu%s); they "
                 "are kept as they are (cca unsent lists them)",
                 f.bad_count, f.bad_lines[0], f.bad_count > 1 ? " and more" : "");
    *out = f.entries;
    *out_count = f.count;
    f.entries = NULL;
    f.count = 0;
    unsent_file_cleanup(&f);
    return ERR_OK;
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

/* Keeps the lines keep() accepts, under the lock; *removed gets how many went. */
static enum err rewrite(keep_fn keep, void *keep_ctx, size_t *removed)
{
    *removed = 0;
    char *path = NULL;
    enum err e = unsent_path(&path);
    if (e != ERR_OK)
        return e;
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        free(path);
        return ERR_OK; /* nothing to rewrite; no need to create the folder for a lock */
    }
    char why[1024] = "";
    int lock = lock_take(path);
    if (lock < 0) {
        free(path);
        return ERR_IO;
    }
    struct buf in;
    buf_init(&in, UNSENT_FILE_MAX);
    struct rewrite_ctx r = {.keep = keep, .keep_ctx = keep_ctx};
    buf_init(&r.out, UNSENT_FILE_MAX);
    e = read_file(path, &in, why, sizeof why);
    if (e == ERR_OK && in.len)
        for_each_line(in.data, in.len, rewrite_line, &r);
    if (e == ERR_OK)
        e = r.err;
    if (e == ERR_OK && r.removed)
        e = private_file_replace(path, r.out.data, r.out.len, why, sizeof why);
    if (e != ERR_OK && why[0])
        log_warn("unsent: %s", why);
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
    const char *user;
    bool is_any_user;
};

static bool keep_unless_question(void *ctx, const char *line, size_t len)
{
    const struct forget_ctx *f = ctx;
    struct unsent_entry e;
    if (!entry_parse(line, len, &e))
        return true;
    bool is_match = strcmp(e.kind, "question") == 0 && strcmp(e.question, f->question) == 0 &&
                    (f->is_any_user || unsent_entry_is_from(&e, f->user));
    entry_cleanup(&e);
    return !is_match;
}

static enum err forget(const char *user, bool is_any_user, const char *question,
                       size_t *removed)
{
    size_t n = 0;
    if (removed)
        *removed = 0;
    if (!question || !question[0])
        return ERR_INVALID;
    struct forget_ctx f = {.question = question, .user = user, .is_any_user = is_any_user};
    enum err e = rewrite(keep_unless_question, &f, &n);
    if (removed)
        *removed = n;
    return e;
}

enum err unsent_forget_question_of(const char *user, const char *question, size_t *removed)
{
    return forget(user, false, question, removed);
}

enum err unsent_forget_question(const char *question, size_t *removed)
{
    return forget(NULL, true, question, removed);
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

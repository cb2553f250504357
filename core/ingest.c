/* ingest: files -> validated text -> passages -> embeddings -> one store transaction per
 * document. The walk, the checks and the bookkeeping live here; splitting is core/chunk,
 * embedding core/embed, storage core/store. */
/* realpath(3) is XSI: the source path must be canonical so re-ingest finds the document. */
#if !defined(_XOPEN_SOURCE) && !defined(_DEFAULT_SOURCE)
#define _XOPEN_SOURCE 700
#endif
#include "core/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_index.h"
#include "core/utf8.h"

enum {
    INGEST_MAX_FILE = 16 * 1024 * 1024, /* bytes: larger files are skipped */
    INGEST_MAX_DEPTH = 32,              /* folder nesting followed by the walk */
    INGEST_MAX_FILES = 100000,          /* files one run accepts from folders */
};

/* ---- helpers ------------------------------------------------------------------------ */

static double ingest_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *ingest_status_name(enum ingest_status status)
{
    switch (status) {
    case INGEST_ADDED:
        return "added";
    case INGEST_UPDATED:
        return "updated";
    case INGEST_UNCHANGED:
        return "unchanged";
    case INGEST_SKIPPED:
        return "skipped";
    }
    return "skipped";
}

void ingest_options_init(struct ingest_options *o, const struct config *cfg)
{
    memset(o, 0, sizeof *o);
    o->content_type = "reference";
    o->chunk_chars = cfg->rag_chunk_chars;
    o->chunk_overlap = cfg->rag_chunk_overlap;
    o->batch_size = cfg->embed_batch_size > 0 ? cfg->embed_batch_size : 64;
}

bool ingest_is_supported_name(const char *name)
{
    static const char *const exts[] = {".md", ".markdown", ".txt"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n <= m)
            continue;
        bool same = true;
        for (size_t k = 0; k < m && same; k++) {
            char c = name[n - m + k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            same = c == exts[i][k];
        }
        if (same)
            return true;
    }
    return false;
}

enum err ingest_check_bytes(const char *data, size_t len, const char **reason, size_t *at)
{
    *reason = NULL;
    *at = 0;
    if (memchr(data, '\0', len)) {
        *reason = "binary file (contains NUL bytes)";
        return ERR_INVALID;
    }
    bool has_text = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(data + i, len - i, &cp);
        if (cp == UTF8_REPLACEMENT && n == 1) {
            *reason = "invalid UTF-8";
            *at = i;
            return ERR_INVALID;
        }
        if (!(cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
              cp == '\v' || cp == 0xFEFF))
            has_text = true;
        i += n;
    }
    if (!has_text) {
        *reason = "empty file";
        return ERR_INVALID;
    }
    return ERR_OK;
}

/* ---- the summary -------------------------------------------------------------------- */

static struct ingest_file *ingest_file_add(struct ingest_summary *sum, const char *path)
{
    sum->files = xreallocarray(sum->files, sum->file_count + 1, sizeof *sum->files);
    struct ingest_file *f = &sum->files[sum->file_count++];
    memset(f, 0, sizeof *f);
    f->path = xstrdup(path);
    sum->files_seen++;
    return f;
}

static void ingest_skip(struct ingest_summary *sum, struct ingest_file *f, char *reason)
{
    f->status = INGEST_SKIPPED;
    f->reason = reason;
    sum->skipped++;
    log_debug("ingest: skipped %s: %s", f->path, reason);
}

void ingest_summary_cleanup(struct ingest_summary *sum)
{
    for (size_t i = 0; i < sum->file_count; i++) {
        free(sum->files[i].path);
        free(sum->files[i].reason);
    }
    free(sum->files);
    memset(sum, 0, sizeof *sum);
}

/* ---- the walk ----------------------------------------------------------------------- */

struct ingest_target {
    char *path;
    char *problem; /* why it cannot be read, NULL when fine */
};

struct ingest_walk {
    struct ingest_target *items;
    size_t count;
    dev_t dirs_dev[INGEST_MAX_DEPTH + 1]; /* folders on the current path, against loops */
    ino_t dirs_ino[INGEST_MAX_DEPTH + 1];
    size_t depth;
    bool is_truncated;
};

static void ingest_walk_add(struct ingest_walk *w, const char *path, char *problem)
{
    if (w->count >= INGEST_MAX_FILES) {
        w->is_truncated = true;
        free(problem);
        return;
    }
    w->items = xreallocarray(w->items, w->count + 1, sizeof *w->items);
    w->items[w->count].path = xstrdup(path);
    w->items[w->count].problem = problem;
    w->count++;
}

static int ingest_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ingest_walk_dir(struct ingest_walk *w, const char *dir, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->dirs_dev[i] == st->st_dev && w->dirs_ino[i] == st->st_ino)
            return; /* a symlink loop */
    if (w->depth >= INGEST_MAX_DEPTH) {
        ingest_walk_add(w, dir, xstrdup("folder nested too deeply"));
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ingest_walk_add(w, dir, xasprintf("cannot open folder: %s", strerror(errno)));
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* hidden files, ".", ".." */
        names = xreallocarray(names, n + 1, sizeof *names);
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, ingest_name_cmp);

    w->dirs_dev[w->depth] = st->st_dev;
    w->dirs_ino[w->depth] = st->st_ino;
    w->depth++;
    for (size_t i = 0; i < n; i++) {
        size_t dl = strlen(dir);
        char *child = xasprintf("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]);
        struct stat cst;
        if (stat(child, &cst) != 0) {
            if (ingest_is_supported_name(names[i]))
                ingest_walk_add(w, child, xasprintf("cannot read: %s", strerror(errno)));
        } else if (S_ISDIR(cst.st_mode)) {
            ingest_walk_dir(w, child, &cst);
        } else if (S_ISREG(cst.st_mode) && ingest_is_supported_name(names[i])) {
            ingest_walk_add(w, child, NULL);
        }
        free(child);
        free(names[i]);
    }
    w->depth--;
    free(names);
}

static void ingest_walk_path(struct ingest_walk *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        ingest_walk_add(w, path, xasprintf("cannot read: %s", strerror(errno)));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        ingest_walk_dir(w, path, &st);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        ingest_walk_add(w, path, xstrdup("not a regular file"));
        return;
    }
    /* A file named explicitly is still only read when it is Markdown or text. */
    ingest_walk_add(w, path,
                    ingest_is_supported_name(path)
                        ? NULL
                        : xstrdup("unsupported file type (only .md, .markdown and .txt)"));
}

/* ---- one file ----------------------------------------------------------------------- */

struct ingest_run {
    struct store *store;
    struct embedder *emb;
    const struct ingest_options *opt;
    struct ingest_summary *sum;
    double started;
    size_t files_total;
    char **errmsg;
};

static void ingest_report(struct ingest_run *r, const char *path, size_t passages_total)
{
    if (!r->opt->on_progress)
        return;
    double elapsed = ingest_now() - r->started;
    struct ingest_progress p = {
        .files_done = r->sum->file_count,
        .files_total = r->files_total,
        .passages = r->sum->passages,
        .passages_total = passages_total,
        .elapsed_s = elapsed,
        .passages_per_s = elapsed > 0 ? (double)r->sum->passages / elapsed : 0,
        .path = path,
    };
    r->opt->on_progress(r->opt->userdata, &p);
}

/* Reads at most INGEST_MAX_FILE bytes; on failure returns a heap reason. */
static char *ingest_read(const char *path, struct buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xasprintf("cannot read: %s", strerror(errno));
    char *problem = NULL;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            problem = xasprintf("cannot read: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (buf_append(out, chunk, (size_t)n) != ERR_OK) {
            problem = xasprintf("file too large (over %d MiB)", INGEST_MAX_FILE / (1024 * 1024));
            break;
        }
    }
    close(fd);
    return problem;
}

/* The document text as stored: without a UTF-8 byte order mark, CRLF turned into LF. */
static char *ingest_normalise(const char *data, size_t len, size_t *out_len)
{
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    char *t = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            continue;
        t[n++] = data[i];
    }
    t[n] = '\0';
    *out_len = n;
    return t;
}

static char *ingest_title_from_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return xstrndup(base, n);
}

/* Errors that would hit every following file too stop the run. */
static bool ingest_is_fatal(enum err e)
{
    return e == ERR_DB_DOWN || e == ERR_PERMISSION || e == ERR_SCHEMA || e == ERR_DIM_MISMATCH;
}

static enum err ingest_store_error(struct ingest_run *r, enum err e, const char *what)
{
    if (r->errmsg) {
        if (e == ERR_PERMISSION)
            *r->errmsg = xasprintf("%s: permission denied: adding content needs the trainer or "
                                   "admin role (%s)",
                                   what, store_errmsg(r->store));
        else
            *r->errmsg = xasprintf("%s: %s: %s", what, err_str(e), store_errmsg(r->store));
    }
    return e;
}

static enum err ingest_embed_passages(struct ingest_run *r, const struct chunk *chunks,
                                      size_t count, float *vecs, const char *path)
{
    int dim = embedder_dim(r->emb);
    size_t batch = r->opt->batch_size > 0 ? (size_t)r->opt->batch_size : 64;
    char **texts = xcalloc(batch, sizeof *texts);
    enum err rc = ERR_OK;
    for (size_t off = 0; off < count && rc == ERR_OK; off += batch) {
        size_t n = count - off < batch ? count - off : batch;
        for (size_t i = 0; i < n; i++)
            texts[i] = chunk_embed_text(chunks[off + i].heading, chunks[off + i].text);
        char *msg = NULL;
        rc = embedder_embed_sync(r->emb, (const char *const *)texts, n,
                                 vecs + off * (size_t)dim, &msg);
        for (size_t i = 0; i < n; i++) {
            free(texts[i]);
            texts[i] = NULL;
        }
        if (rc != ERR_OK) {
            if (r->errmsg)
                *r->errmsg = xasprintf("embedding %s failed: %s", path,
                                       msg ? msg : err_str(rc));
            free(msg);
            break;
        }
        r->sum->passages += n;
        ingest_report(r, path, 0);
    }
    free(texts);
    return rc;
}

static enum err ingest_file(struct ingest_run *r, const struct ingest_target *t)
{
    char *abs = t->problem ? NULL : realpath(t->path, NULL);
    struct ingest_file *f = ingest_file_add(r->sum, abs ? abs : t->path);
    free(abs);
    if (t->problem) {
        ingest_skip(r->sum, f, xstrdup(t->problem));
        return ERR_OK;
    }

    enum err rc = ERR_OK;
    struct buf raw;
    buf_init(&raw, INGEST_MAX_FILE);
    char *text = NULL, *title = NULL, *content_id = NULL, *old_hash = NULL;
    struct chunk *chunks = NULL;
    size_t nchunks = 0;
    float *vecs = NULL, *doc_vec = NULL;
    struct store_passage_in *pin = NULL;

    char *problem = ingest_read(f->path, &raw);
    if (problem) {
        ingest_skip(r->sum, f, problem);
        goto out;
    }
    const char *reason;
    size_t at;
    if (ingest_check_bytes(raw.data ? raw.data : "", raw.len, &reason, &at) != ERR_OK) {
        ingest_skip(r->sum, f,
                    strcmp(reason, "invalid UTF-8") == 0
                        ? xasprintf("%s at byte %zu", reason, at)
                        : xstrdup(reason));
        goto out;
    }

    char hash[HASH_HEX_LEN + 1];
    hash_blake2b_hex(raw.data, raw.len, hash);
    enum err lk = store_doc_lookup(r->store, f->path, &content_id, &old_hash);
    if (lk == ERR_OK && old_hash && strcmp(old_hash, hash) == 0 && !r->opt->audience &&
        !r->opt->state) {
        f->status = INGEST_UNCHANGED;
        r->sum->unchanged++;
        goto out;
    }
    if (lk != ERR_OK && lk != ERR_NOT_FOUND) {
        if (ingest_is_fatal(lk)) {
            rc = ingest_store_error(r, lk, f->path);
            ingest_skip(r->sum, f, xasprintf("not stored: %s", err_str(lk)));
            goto out;
        }
        ingest_skip(r->sum, f, xasprintf("database error: %s", store_errmsg(r->store)));
        goto out;
    }
    bool is_update = lk == ERR_OK;

    size_t text_len;
    text = ingest_normalise(raw.data, raw.len, &text_len);
    chunk_split(text, text_len, r->opt->chunk_chars, r->opt->chunk_overlap, &chunks, &nchunks);
    if (nchunks == 0) {
        ingest_skip(r->sum, f, xstrdup("no text to index (headings only)"));
        goto out;
    }
    title = chunk_title(text, text_len);
    if (!title)
        title = ingest_title_from_name(f->path);

    int dim = embedder_dim(r->emb);
    vecs = xreallocarray(NULL, nchunks * (size_t)dim, sizeof *vecs);
    rc = ingest_embed_passages(r, chunks, nchunks, vecs, f->path);
    if (rc != ERR_OK) {
        ingest_skip(r->sum, f, xasprintf("not stored: embedding failed (%s)", err_str(rc)));
        goto out;
    }

    /* The document's own vector: the normalised mean of its passages. */
    doc_vec = xcalloc((size_t)dim, sizeof *doc_vec);
    pin = xcalloc(nchunks, sizeof *pin);
    for (size_t i = 0; i < nchunks; i++) {
        const float *v = vecs + i * (size_t)dim;
        for (int d = 0; d < dim; d++)
            doc_vec[d] += v[d];
        pin[i].ordinal = (int)i;
        pin[i].heading = chunks[i].heading;
        pin[i].text = chunks[i].text;
        pin[i].embedding = v;
    }
    double norm = 0;
    for (int d = 0; d < dim; d++)
        norm += (double)doc_vec[d] * doc_vec[d];
    if (norm > 0)
        for (int d = 0; d < dim; d++)
            doc_vec[d] = (float)(doc_vec[d] / sqrt(norm));

    struct store_doc_in doc = {
        .title = title,
        .content = text,
        .content_type = r->opt->content_type ? r->opt->content_type : "reference",
        .source_service = r->opt->source_service,
        .source_path = f->path,
        .content_hash = hash,
        .embedding = doc_vec,
        .dim = dim,
        .embed_model = embedder_model(r->emb),
        .passages = pin,
        .passage_count = nchunks,
        .audience = r->opt->audience,
        .state = r->opt->state,
    };
    char *new_id = NULL;
    enum err st = store_doc_replace(r->store, &doc, &new_id);
    free(new_id);
    if (st != ERR_OK) {
        r->sum->passages -= nchunks; /* embedded but not stored */
        if (ingest_is_fatal(st))
            rc = ingest_store_error(r, st, f->path);
        ingest_skip(r->sum, f, xasprintf("not stored: %s", store_errmsg(r->store)));
        goto out;
    }
    f->passages = nchunks;
    f->status = is_update ? INGEST_UPDATED : INGEST_ADDED;
    if (is_update)
        r->sum->updated++;
    else
        r->sum->added++;

out:
    free(pin);
    free(doc_vec);
    free(vecs);
    chunks_free(chunks, nchunks);
    free(title);
    free(text);
    free(content_id);
    free(old_hash);
    buf_cleanup(&raw);
    return rc;
}

/* ---- runs --------------------------------------------------------------------------- */

static enum err ingest_meta(struct store *s, struct embedder *e, bool is_reindex, char **errmsg)
{
    enum err rc = store_set_embed_meta(s, embedder_dim(e), embedder_model(e));
    if (rc == ERR_OK || !errmsg)
        return rc;
    if (rc == ERR_DIM_MISMATCH && is_reindex) {
        *errmsg = xasprintf("the passages were re-embedded with '%s' but the database kept its "
                            "recorded embedding model: %s",
                            embedder_model(e), store_errmsg(s));
    } else if (rc == ERR_DIM_MISMATCH) {
        struct store_info info;
        memset(&info, 0, sizeof info);
        bool has_info = store_info(s, &info) == ERR_OK && info.embed_model;
        *errmsg = xasprintf(
            "the database holds embeddings of model '%s' (%d dimensions) but the configured "
            "embedder is '%s' (%d dimensions); run `cca reindex` to re-embed all content with "
            "the configured model, or set [embeddings] model and dim to match the database",
            has_info ? info.embed_model : "?", has_info ? info.embed_dim : 0, embedder_model(e),
            embedder_dim(e));
        store_info_cleanup(&info);
    } else {
        *errmsg = xasprintf("cannot record the embedding model: %s: %s", err_str(rc),
                            store_errmsg(s));
    }
    return rc;
}

enum err ingest_paths(struct store *s, struct embedder *e, const struct ingest_options *opt,
                      const char *const *paths, size_t count, struct ingest_summary *sum,
                      char **errmsg)
{
    memset(sum, 0, sizeof *sum);
    if (errmsg)
        *errmsg = NULL;
    double started = ingest_now();
    enum err rc = ingest_meta(s, e, false, errmsg);
    if (rc != ERR_OK)
        return rc;

    struct ingest_walk w;
    memset(&w, 0, sizeof w);
    for (size_t i = 0; i < count; i++)
        ingest_walk_path(&w, paths[i]);
    if (w.is_truncated)
        log_warn("ingest: more than %d files; the rest are ignored", INGEST_MAX_FILES);

    /* The bytes still to read, for the size of the load (below). */
    double bytes_left = 0;
    for (size_t i = 0; i < w.count; i++) {
        struct stat st;
        if (!w.items[i].problem && stat(w.items[i].path, &st) == 0)
            bytes_left += (double)st.st_size;
    }
    double chars_per_passage = opt->chunk_chars > opt->chunk_overlap
                                   ? (double)(opt->chunk_chars - opt->chunk_overlap)
                                   : 1000.0;
    bool is_bulk_asked = false;

    struct ingest_run r = {s, e, opt, sum, started, w.count, errmsg};
    ingest_report(&r, NULL, 0);
    for (size_t i = 0; i < w.count && rc == ERR_OK; i++) {
        struct stat st;
        if (!w.items[i].problem && stat(w.items[i].path, &st) == 0)
            bytes_left -= (double)st.st_size;
        rc = ingest_file(&r, &w.items[i]);
        ingest_report(&r, sum->files[sum->file_count - 1].path, 0);
        /* A large load: once the first passages are stored (so a run over unchanged files
         * never asks), the store may drop the vector indexes that every insert would maintain
         * and build them once at the end (cca ingest calls store_index_maintain). The size is
         * estimated from the bytes left; the store decides. */
        if (rc == ERR_OK && !is_bulk_asked && sum->passages > 0) {
            is_bulk_asked = true;
            long expected = (long)sum->passages + (long)(bytes_left / chars_per_passage);
            if (store_index_bulk_begin(s, expected, &sum->is_index_dropped) != ERR_OK)
                sum->is_index_dropped = false;
        }
    }
    for (size_t i = 0; i < w.count; i++) {
        free(w.items[i].path);
        free(w.items[i].problem);
    }
    free(w.items);
    sum->seconds = ingest_now() - started;
    return rc;
}

enum err ingest_reindex(struct store *s, struct embedder *e, const struct ingest_options *opt,
                        struct ingest_summary *sum, char **errmsg)
{
    memset(sum, 0, sizeof *sum);
    if (errmsg)
        *errmsg = NULL;
    double started = ingest_now();
    char **ids = NULL, **texts = NULL;
    size_t n = 0;
    enum err rc = store_reindex_list(s, &ids, &texts, &n);
    if (rc != ERR_OK) {
        if (errmsg)
            *errmsg = xasprintf("cannot list the stored passages: %s: %s", err_str(rc),
                                store_errmsg(s));
        return rc;
    }
    struct ingest_run r = {s, e, opt, sum, started, 0, errmsg};
    int dim = embedder_dim(e);
    size_t batch = opt->batch_size > 0 ? (size_t)opt->batch_size : 64;
    float *vecs = xreallocarray(NULL, batch * (size_t)dim, sizeof *vecs);
    for (size_t off = 0; off < n && rc == ERR_OK; off += batch) {
        size_t m = n - off < batch ? n - off : batch;
        char *msg = NULL;
        rc = embedder_embed_sync(e, (const char *const *)texts + off, m, vecs, &msg);
        if (rc != ERR_OK) {
            if (errmsg)
                *errmsg = xasprintf("embedding failed: %s", msg ? msg : err_str(rc));
            free(msg);
            break;
        }
        for (size_t i = 0; i < m && rc == ERR_OK; i++) {
            rc = store_reindex_set(s, ids[off + i], vecs + i * (size_t)dim, dim);
            if (rc != ERR_OK && errmsg)
                *errmsg = xasprintf("cannot store the new embedding: %s: %s", err_str(rc),
                                    store_errmsg(s));
            else
                sum->passages++;
        }
        ingest_report(&r, NULL, n);
    }
    free(vecs);
    store_strv_free(ids, n);
    store_strv_free(texts, n);
    if (rc == ERR_OK)
        rc = ingest_meta(s, e, true, errmsg);
    sum->seconds = ingest_now() - started;
    return rc;
}

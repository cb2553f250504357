/* reindex: the client's half of a reindex (016_reindex does the rest); see reindex.h. */
#include "core/reindex.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/chunk.h"
#include "core/embed.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_reindex.h"

/* --- state ------------------------------------------------------------------------------- */

enum err reindex_state_parse(const char *text, size_t len, struct reindex_state *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc = NULL;
    if (!text || json_doc_parse(text, len, &doc) != ERR_OK)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc);
    if (json_bool(json_get(root, "active"), -1) < 0) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    out->is_active = json_bool(json_get(root, "active"), 0);
    out->model = json_str_dup(json_get(root, "model"), NULL);
    out->dim = (int)json_num(json_get(root, "dim"), 0);
    out->done = (long)json_num(json_get(root, "done"), 0);
    out->total = (long)json_num(json_get(root, "total"), 0);
    out->started_at = json_str_dup(json_get(root, "started_at"), NULL);
    const struct json_node *cur = json_get(root, "current");
    out->current_model = json_str_dup(json_get(cur, "model"), NULL);
    out->current_dim = (int)json_num(json_get(cur, "dim"), 0);
    json_doc_free(doc);
    return ERR_OK;
}

void reindex_state_cleanup(struct reindex_state *s)
{
    free(s->model);
    free(s->started_at);
    free(s->current_model);
    memset(s, 0, sizeof *s);
}

/* 10000 as "10,000". */
static void append_count(struct buf *out, long n)
{
    char digits[32];
    int len = 0;
    unsigned long v = n < 0 ? 0 : (unsigned long)n;
    do {
        digits[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && len < 30);
    for (int i = len - 1; i >= 0; i--) {
        buf_append_char(out, digits[i]);
        if (i && i % 3 == 0)
            buf_append_char(out, ',');
    }
}

void reindex_state_describe(const struct reindex_state *s, struct buf *out)
{
    if (s->is_active) {
        buf_printf(out, "reindex to %s (%d): ", s->model ? s->model : "?", s->dim);
        append_count(out, s->done);
        buf_append_str(out, " of ");
        append_count(out, s->total);
        buf_append_str(out, " passages");
        if (s->current_model)
            buf_printf(out, "; answering from %s (%d) meanwhile", s->current_model,
                       s->current_dim);
        return;
    }
    buf_printf(out, "index: %s (%d), ", s->current_model ? s->current_model : "no model yet",
               s->current_dim);
    append_count(out, s->total);
    buf_append_str(out, " passages; no reindex in progress");
}

bool reindex_is_needed(const struct reindex_state *s, const char *model, int dim)
{
    if (!s->current_model)
        return false;
    return !model || strcmp(s->current_model, model) != 0 || s->current_dim != dim;
}

/* --- the run ----------------------------------------------------------------------------- */

struct reply {
    enum err e;
    char *errmsg;
    char *text;
    size_t rows;
    char **ids;    /* todo: rows ids */
    char **texts;  /* todo: what to embed */
};

static void reply_clear(struct reply *r)
{
    for (size_t i = 0; i < r->rows; i++) {
        free(r->ids ? r->ids[i] : NULL);
        free(r->texts ? r->texts[i] : NULL);
    }
    free(r->ids);
    free(r->texts);
    free(r->errmsg);
    free(r->text);
    memset(r, 0, sizeof *r);
}

static void on_doc(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct reply *r = userdata;
    r->e = e;
    r->errmsg = xstrdup(errmsg ? errmsg : "");
    const char *t = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    r->text = t ? xstrdup(t) : NULL;
}

static void on_todo(void *userdata, enum err e, const char *errmsg,
                    const struct store_rows *rows)
{
    struct reply *r = userdata;
    r->e = e;
    r->errmsg = xstrdup(errmsg ? errmsg : "");
    if (e != ERR_OK || !rows)
        return;
    r->rows = rows->rows;
    r->ids = xcalloc(rows->rows ? rows->rows : 1, sizeof *r->ids);
    r->texts = xcalloc(rows->rows ? rows->rows : 1, sizeof *r->texts);
    for (size_t i = 0; i < rows->rows; i++) {
        const char *id = store_rows_get(rows, i, 0), *body = store_rows_get(rows, i, 2);
        r->ids[i] = xstrdup(id ? id : "");
        /* Exactly the text ingest embeds, so a reindexed passage matches a fresh ingest. */
        r->texts[i] = chunk_embed_text(store_rows_get(rows, i, 1), body ? body : "");
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum err fail(struct reply *r, char **errmsg, const char *what)
{
    if (errmsg)
        *errmsg = xasprintf("%s: %s", what, r->errmsg && *r->errmsg ? r->errmsg : err_str(r->e));
    return r->e;
}

/* Reads the state from a reply into sum's counts. */
static void take_counts(const struct reply *r, struct reindex_summary *sum)
{
    struct reindex_state st;
    if (r->text && reindex_state_parse(r->text, strlen(r->text), &st) == ERR_OK) {
        sum->done = st.done;
        sum->total = st.total;
        reindex_state_cleanup(&st);
    }
}

enum err reindex_run(struct store *s, struct embedder *e, const struct reindex_options *opt,
                     struct reindex_summary *sum, char **errmsg)
{
    memset(sum, 0, sizeof *sum);
    if (errmsg)
        *errmsg = NULL;
    double started = now_s();
    int dim = embedder_dim(e);
    size_t batch = opt->batch_size > 0 ? (size_t)opt->batch_size : 64;
    struct reply r = {0};
    enum err rc;

    store_reindex_begin(s, dim, embedder_model(e), on_doc, &r);
    if (r.e != ERR_OK) {
        rc = fail(&r, errmsg, "cannot start the reindex");
        goto out;
    }
    take_counts(&r, sum);
    {
        struct json_doc *doc = NULL;
        if (r.text && json_doc_parse(r.text, strlen(r.text), &doc) == ERR_OK)
            sum->is_resumed = json_bool(json_get(json_doc_root(doc), "resumed"), 0);
        json_doc_free(doc);
    }
    reply_clear(&r);

    float *vecs = xreallocarray(NULL, batch * (size_t)dim, sizeof *vecs);
    /* A passage added while the switch waited is embedded in another round. */
    for (int round = 0; round < 3; round++) {
        for (;;) {
            if (opt->max_passages > 0 && sum->embedded >= opt->max_passages) {
                free(vecs);
                rc = ERR_OK;
                goto out;
            }
            size_t want = batch;
            if (opt->max_passages > 0 && (long)want > opt->max_passages - sum->embedded)
                want = (size_t)(opt->max_passages - sum->embedded);
            store_reindex_todo(s, (int)want, on_todo, &r);
            if (r.e != ERR_OK) {
                free(vecs);
                rc = fail(&r, errmsg, "cannot list the passages to embed");
                goto out;
            }
            if (r.rows == 0) {
                reply_clear(&r);
                break;
            }
            char *msg = NULL;
            rc = embedder_embed_sync(e, (const char *const *)r.texts, r.rows, vecs, &msg);
            if (rc != ERR_OK) {
                if (errmsg)
                    *errmsg = xasprintf("embedding failed: %s", msg ? msg : err_str(rc));
                free(msg);
                free(vecs);
                goto out;
            }
            size_t n = r.rows;
            char **ids = r.ids;
            r.ids = NULL;
            for (size_t i = 0; i < n; i++)
                free(r.texts[i]);
            free(r.texts);
            r.texts = NULL;
            r.rows = 0;
            reply_clear(&r);
            store_reindex_put(s, (const char *const *)ids, vecs, n, dim, on_doc, &r);
            for (size_t i = 0; i < n; i++)
                free(ids[i]);
            free(ids);
            if (r.e != ERR_OK) {
                free(vecs);
                rc = fail(&r, errmsg, "cannot store the new embeddings");
                goto out;
            }
            reply_clear(&r);
            sum->embedded += (long)n;
            sum->done += (long)n;
            if (sum->done > sum->total)
                sum->total = sum->done;
            if (opt->on_progress) {
                double elapsed = now_s() - started;
                struct reindex_progress p = {
                    .done = sum->done,
                    .total = sum->total,
                    .elapsed_s = elapsed,
                    .passages_per_s = elapsed > 0 ? (double)sum->embedded / elapsed : 0,
                };
                opt->on_progress(opt->userdata, &p);
            }
        }
        store_reindex_finish(s, on_doc, &r);
        if (r.e == ERR_OK) {
            take_counts(&r, sum);
            struct json_doc *doc = NULL;
            if (r.text && json_doc_parse(r.text, strlen(r.text), &doc) == ERR_OK) {
                const struct json_node *prev = json_get(json_doc_root(doc), "previous");
                sum->previous_model = json_str_dup(json_get(prev, "model"), NULL);
                sum->previous_dim = (int)json_num(json_get(prev, "dim"), 0);
            }
            json_doc_free(doc);
            sum->is_switched = true;
            sum->done = sum->total;
            free(vecs);
            rc = ERR_OK;
            goto out;
        }
        /* Only "some passage has no new embedding yet" is worth another round. */
        if (!strstr(r.errmsg, "no new embedding") || round == 2) {
            free(vecs);
            rc = fail(&r, errmsg, "cannot switch to the new embeddings");
            goto out;
        }
        reply_clear(&r);
    }
    free(vecs);
    rc = ERR_OK;
out:
    reply_clear(&r);
    sum->seconds = now_s() - started;
    return rc;
}

void reindex_summary_cleanup(struct reindex_summary *sum)
{
    free(sum->previous_model);
    sum->previous_model = NULL;
}

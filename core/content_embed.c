/* content_embed: time-sliced embedding of a content item's new passages, and the whole-
 * database pass that leaves nothing unembedded. */
#include "core/content_embed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/embed.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_content.h"
#include "core/utf8.h"

enum {
    STEP_BUDGET_MS = 30, /* embedding per step before the store call */
    STEP_MAX = 32,       /* passages per store call */
    DOC_TEXT_MAX = 2000, /* bytes of the body in the item's own vector */
};

struct content_embed {
    struct store *store;
    struct embedder *emb;
    struct loop *loop;
    char *id;
    int version;
    char **ids, **texts;
    size_t count, next, stored;
    char *doc_text;
    int dim;
    float *vecs; /* STEP_MAX * dim */
    size_t batch;
    struct store_call *call;
    struct embed_request *req; /* a remote embedding in flight (on the loop only) */
    uint64_t timer;
    bool is_remote; /* the embeddings endpoint, asked without blocking the loop */
    bool is_running, is_waiting, is_doc_sent, is_finished;
    enum err result;
    char *errmsg;
    content_embed_done_fn done;
    void *userdata;
};

char *content_embed_doc_text(const char *title, const char *body, size_t len)
{
    size_t n = len > DOC_TEXT_MAX ? utf8_prev(body, len, DOC_TEXT_MAX + 1) : len;
    return xasprintf("%s\n\n%.*s", title ? title : "", (int)n, body ? body : "");
}

struct content_embed *content_embed_new(struct store *s, struct embedder *emb, struct loop *loop,
                                        const char *id, int version, const char *const *ids,
                                        const char *const *texts, size_t count,
                                        const char *doc_text)
{
    struct content_embed *j = xcalloc(1, sizeof *j);
    j->store = s;
    j->emb = emb;
    j->loop = loop;
    j->id = xstrdup(id);
    j->version = version;
    j->count = count;
    j->ids = xcalloc(count ? count : 1, sizeof *j->ids);
    j->texts = xcalloc(count ? count : 1, sizeof *j->texts);
    for (size_t i = 0; i < count; i++) {
        j->ids[i] = xstrdup(ids[i]);
        j->texts[i] = xstrdup(texts[i]);
    }
    j->doc_text = doc_text ? xstrdup(doc_text) : NULL;
    j->dim = embedder_dim(emb);
    j->vecs = xreallocarray(NULL, (size_t)STEP_MAX * (size_t)j->dim, sizeof *j->vecs);
    j->is_remote = loop && !embedder_is_local(emb);
    return j;
}

static void finish(struct content_embed *j, enum err e, const char *msg)
{
    j->is_running = false;
    j->is_finished = true;
    j->result = e;
    free(j->errmsg);
    j->errmsg = msg ? xstrdup(msg) : NULL;
    if (j->done)
        j->done(j->userdata, e, msg ? msg : "");
}

static void step(struct content_embed *j);

static void on_timer(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct content_embed *j = userdata;
    j->timer = 0;
    step(j);
}

static void next_step(struct content_embed *j)
{
    if (j->loop)
        j->timer = loop_timer_add(j->loop, 0, 0, on_timer, j);
    /* without a loop the sync driver calls step again */
}

static void on_stored(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    (void)rows;
    struct content_embed *j = userdata;
    j->call = NULL;
    j->is_waiting = false;
    if (e != ERR_OK) {
        finish(j, e, errmsg);
        return;
    }
    if (!j->is_doc_sent) {
        j->stored += j->batch;
        j->next += j->batch;
    }
    j->batch = 0;
    next_step(j);
}

/* The remote embedder's reply: the item's vector or a batch of passages, then their store
 * call. */
static void on_embedded(void *userdata, enum err e, const char *errmsg, const float *vectors,
                        size_t count)
{
    struct content_embed *j = userdata;
    j->req = NULL;
    if (e != ERR_OK) {
        char *why = xasprintf("embedding failed: %s", errmsg);
        finish(j, e, why);
        free(why);
        return;
    }
    memcpy(j->vecs, vectors, count * (size_t)j->dim * sizeof *j->vecs);
    if (j->is_doc_sent) {
        j->call = store_content_embed_doc(j->store, j->id, j->version, j->vecs, j->dim,
                                          on_stored, j);
        return;
    }
    j->call = store_content_embed(j->store, (const char *const *)(j->ids + j->next), j->batch,
                                  j->vecs, j->dim, on_stored, j);
}

/* One remote request for the item's vector (is_doc) or the next batch of passages. */
static void step_remote(struct content_embed *j, bool is_doc)
{
    size_t n = 1;
    const char *const *texts = (const char *const *)&j->doc_text;
    if (!is_doc) {
        size_t max = embedder_batch_size(j->emb) < STEP_MAX ? embedder_batch_size(j->emb)
                                                             : STEP_MAX;
        n = j->count - j->next < max ? j->count - j->next : max;
        texts = (const char *const *)(j->texts + j->next);
        j->batch = n;
    } else {
        j->is_doc_sent = true;
    }
    j->is_waiting = true;
    enum err e = embedder_embed_start(j->emb, texts, n, on_embedded, j, &j->req);
    if (e != ERR_OK)
        finish(j, e, "embedding failed: the request could not be started");
}

static void step(struct content_embed *j)
{
    if (!j->is_running)
        return;
    if (j->is_remote) {
        if (j->next < j->count)
            step_remote(j, false);
        else if (j->doc_text && !j->is_doc_sent)
            step_remote(j, true);
        else
            finish(j, ERR_OK, NULL);
        return;
    }
    if (j->next >= j->count) {
        if (j->doc_text && !j->is_doc_sent) {
            char *msg = NULL;
            const char *t = j->doc_text;
            enum err e = embedder_embed_sync(j->emb, &t, 1, j->vecs, &msg);
            if (e != ERR_OK) {
                finish(j, e, msg ? msg : err_str(e));
                free(msg);
                return;
            }
            j->is_doc_sent = true;
            j->is_waiting = true;
            j->call = store_content_embed_doc(j->store, j->id, j->version, j->vecs, j->dim,
                                              on_stored, j);
            return;
        }
        finish(j, ERR_OK, NULL);
        return;
    }
    int64_t t0 = loop_now_ms();
    size_t n = 0;
    while (j->next + n < j->count && n < STEP_MAX) {
        char *msg = NULL;
        const char *t = j->texts[j->next + n];
        enum err e = embedder_embed_sync(j->emb, &t, 1, j->vecs + n * (size_t)j->dim, &msg);
        if (e != ERR_OK) {
            finish(j, e, msg ? msg : err_str(e));
            free(msg);
            return;
        }
        n++;
        if (loop_now_ms() - t0 >= STEP_BUDGET_MS)
            break;
    }
    j->batch = n;
    j->is_waiting = true;
    j->call = store_content_embed(j->store, (const char *const *)(j->ids + j->next), n, j->vecs,
                                  j->dim, on_stored, j);
}

void content_embed_start(struct content_embed *j, content_embed_done_fn done, void *userdata)
{
    j->done = done;
    j->userdata = userdata;
    j->is_running = true;
    if (j->loop)
        next_step(j);
}

enum err content_embed_run_sync(struct content_embed *j, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    j->is_running = true;
    while (j->is_running && !j->is_finished) {
        size_t before = j->next;
        bool was_doc = j->is_doc_sent;
        step(j);
        if (j->is_running && j->next == before && j->is_doc_sent == was_doc && !j->is_finished)
            break; /* no progress: a store that never replied */
    }
    if (!j->is_finished)
        return ERR_DB;
    if (errmsg && j->errmsg)
        *errmsg = xstrdup(j->errmsg);
    return j->result;
}

size_t content_embed_done_count(const struct content_embed *j) { return j->stored; }
size_t content_embed_total(const struct content_embed *j) { return j->count; }
bool content_embed_is_running(const struct content_embed *j) { return j && j->is_running; }

void content_embed_free(struct content_embed *j)
{
    if (!j)
        return;
    store_call_cancel(j->call);
    embed_request_cancel(j->req);
    if (j->timer && j->loop)
        loop_timer_cancel(j->loop, j->timer);
    for (size_t i = 0; i < j->count; i++) {
        free(j->ids[i]);
        free(j->texts[i]);
    }
    free(j->ids);
    free(j->texts);
    free(j->doc_text);
    free(j->vecs);
    free(j->id);
    free(j->errmsg);
    free(j);
}

/* --- the whole database ------------------------------------------------------------------------ */

struct sync_reply {
    enum err e;
    char *msg;
    char *text;
    bool has;
};

static void on_sync(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct sync_reply *r = userdata;
    r->has = true;
    r->e = e;
    r->msg = xstrdup(errmsg ? errmsg : "");
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    r->text = t ? xstrdup(t) : NULL;
}

static void sync_cleanup(struct sync_reply *r)
{
    free(r->msg);
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* The passages JSON of one body. */
static char *passages_json(const char *body, size_t len, int chunk_chars, int overlap)
{
    struct chunk *chunks = NULL;
    size_t n = 0;
    chunk_split(body, len, chunk_chars, overlap, &chunks, &n);
    struct json_out j;
    json_out_init(&j, 64u << 20);
    json_out_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        json_out_object_begin(&j);
        json_out_key(&j, "heading");
        if (chunks[i].heading)
            json_out_string(&j, chunks[i].heading);
        else
            json_out_null(&j);
        json_out_key(&j, "body");
        json_out_string(&j, chunks[i].text);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    char *out = NULL;
    json_out_finish(&j, &out);
    json_out_cleanup(&j);
    chunks_free(chunks, n);
    return out;
}

static enum err embed_item(struct store *s, struct embedder *emb, const struct json_node *it,
                           int chunk_chars, int overlap, size_t *passages, char **errmsg)
{
    char *id = json_str_dup(json_get(it, "id"), "");
    char *title = json_str_dup(json_get(it, "title"), "");
    int version = (int)json_num(json_get(it, "version"), 1);
    char *body = json_text_dup(json_get(it, "body"), 16u << 20, NULL);
    enum err e = ERR_OK;
    struct sync_reply r = {0};
    struct json_doc *pend_doc = NULL;
    const struct json_node *pending = json_get(it, "pending");
    if (body) {
        /* no passages at all: chunk first */
        char *pj = passages_json(body, strlen(body), chunk_chars, overlap);
        store_content_put_passages(s, id, pj ? pj : "[]", on_sync, &r);
        free(pj);
        if (!r.has || r.e != ERR_OK) {
            e = r.has ? r.e : ERR_DB;
            *errmsg = xasprintf("%s: %s", title, r.msg ? r.msg : "no reply");
            goto out;
        }
        sync_cleanup(&r);
        /* the pending list with texts comes from a fresh look */
        store_content_unembedded(s, false, on_sync, &r);
        if (!r.has || r.e != ERR_OK || !r.text) {
            e = r.has ? r.e : ERR_DB;
            *errmsg = xasprintf("%s: %s", title, r.msg ? r.msg : "no reply");
            goto out;
        }
        if (json_doc_parse(r.text, strlen(r.text), &pend_doc) != ERR_OK) {
            e = ERR_PROTOCOL;
            goto out;
        }
        const struct json_node *items = json_get(json_doc_root(pend_doc), "items");
        pending = NULL;
        for (size_t i = 0; i < json_len(items); i++) {
            char *other = json_str_dup(json_get(json_at(items, i), "id"), "");
            if (strcmp(other, id) == 0)
                pending = json_get(json_at(items, i), "pending");
            free(other);
        }
    }
    size_t n = json_len(pending);
    char **ids = xcalloc(n ? n : 1, sizeof *ids);
    char **texts = xcalloc(n ? n : 1, sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *p = json_at(pending, i);
        ids[i] = json_str_dup(json_get(p, "id"), "");
        char *heading = json_str_dup(json_get(p, "heading"), NULL);
        char *text = json_text_dup(json_get(p, "body"), 1u << 20, NULL);
        texts[i] = chunk_embed_text(heading, text ? text : "");
        free(heading);
        free(text);
    }
    bool wants_doc = json_bool(json_get(it, "doc"), 0) || body;
    char *doc_text = NULL;
    if (wants_doc) {
        /* the body may be absent (item already chunked): the passages stand in */
        struct buf b;
        buf_init(&b, 8192);
        for (size_t i = 0; i < n && b.len < DOC_TEXT_MAX; i++)
            buf_printf(&b, "%s\n", texts[i]);
        buf_append_str(&b, "");
        doc_text = content_embed_doc_text(title, body ? body : buf_str(&b),
                                          body ? strlen(body) : b.len);
        buf_cleanup(&b);
    }
    struct content_embed *job = content_embed_new(s, emb, NULL, id, version,
                                                  (const char *const *)ids,
                                                  (const char *const *)texts, n, doc_text);
    char *msg = NULL;
    e = content_embed_run_sync(job, &msg);
    *passages += content_embed_done_count(job);
    if (e != ERR_OK)
        *errmsg = xasprintf("%s: %s", title, msg ? msg : err_str(e));
    free(msg);
    content_embed_free(job);
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
        free(texts[i]);
    }
    free(ids);
    free(texts);
    free(doc_text);
out:
    sync_cleanup(&r);
    json_doc_free(pend_doc);
    free(id);
    free(title);
    free(body);
    return e;
}

enum err content_embed_all(struct store *s, struct embedder *emb, int chunk_chars,
                           int chunk_overlap, size_t *items, size_t *passages, char **errmsg)
{
    *items = *passages = 0;
    *errmsg = NULL;
    struct sync_reply r = {0};
    store_content_embed_meta(s, embedder_dim(emb), embedder_model(emb), on_sync, &r);
    if (!r.has || r.e != ERR_OK) {
        enum err e = r.has ? r.e : ERR_DB;
        *errmsg = xstrdup(r.msg ? r.msg : "no reply");
        sync_cleanup(&r);
        return e;
    }
    sync_cleanup(&r);
    /* items handled once are not tried again (a body of headings only has no passages) */
    char **seen = NULL;
    size_t seen_count = 0;
    enum err result = ERR_OK;
    for (int round = 0; round < 100000 && result == ERR_OK; round++) {
        store_content_unembedded(s, false, on_sync, &r);
        if (!r.has || r.e != ERR_OK || !r.text) {
            result = r.has ? r.e : ERR_DB;
            *errmsg = xstrdup(r.msg ? r.msg : "no reply");
            sync_cleanup(&r);
            break;
        }
        struct json_doc *doc;
        if (json_doc_parse(r.text, strlen(r.text), &doc) != ERR_OK) {
            sync_cleanup(&r);
            result = ERR_PROTOCOL;
            break;
        }
        sync_cleanup(&r);
        const struct json_node *list = json_get(json_doc_root(doc), "items");
        size_t fresh = 0;
        for (size_t i = 0; i < json_len(list) && result == ERR_OK; i++) {
            char *id = json_str_dup(json_get(json_at(list, i), "id"), "");
            bool is_seen = false;
            for (size_t k = 0; k < seen_count && !is_seen; k++)
                is_seen = strcmp(seen[k], id) == 0;
            if (is_seen) {
                free(id);
                continue;
            }
            seen = xreallocarray(seen, seen_count + 1, sizeof *seen);
            seen[seen_count++] = id;
            fresh++;
            result = embed_item(s, emb, json_at(list, i), chunk_chars, chunk_overlap, passages,
                                errmsg);
            if (result == ERR_OK)
                (*items)++;
        }
        json_doc_free(doc);
        if (fresh == 0)
            break;
    }
    for (size_t k = 0; k < seen_count; k++)
        free(seen[k]);
    free(seen);
    return result;
}

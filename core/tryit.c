/* tryit: the ranking of draft and knowledge-base passages together, the parse of the store's
 * reply, and the job that embeds the draft in steps while the store call runs. */
#include "core/tryit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/embed.h"
#include "core/evidence.h"
#include "core/json.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/retrieve.h"
#include "core/store.h"
#include "core/store_content.h"
#include "core/utf8.h"

enum {
    STEP_BUDGET_MS = 30, /* embedding per loop step */
    QUESTION_MAX = 4096, /* bytes of the question kept */
};

/* --- ranking ---------------------------------------------------------------------------------- */

#define DRAFT_PREFIX "draft:" /* passage ids of the draft's chunks (never a stored id) */

static bool is_draft_id(const char *id)
{
    return id && strncmp(id, DRAFT_PREFIX, sizeof DRAFT_PREFIX - 1) == 0;
}

static double dot(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int i = 0; i < dim; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

static char *line_of(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--; /* cut at a character boundary */
    }
    return utf8_sanitize_line(s, len, NULL);
}

static struct store_passage draft_passage(size_t i, const char *title, const struct chunk *ch)
{
    char id[32];
    snprintf(id, sizeof id, DRAFT_PREFIX "%zu", i);
    return (struct store_passage){.passage_id = xstrdup(id),
                                  .content_id = xstrdup(""),
                                  .title = xstrdup(title && title[0] ? title : "(untitled draft)"),
                                  .content_type = xstrdup(""),
                                  .heading = ch->heading ? xstrdup(ch->heading) : NULL,
                                  .text = xstrdup(ch->text ? ch->text : ""),
                                  .vector_score = -1,
                                  .fts_score = -1,
                                  .coverage = -1};
}

struct ranked {
    struct store_passage p;
    double key;   /* similarity or coverage */
    size_t order; /* input order, for stable ties */
};

static int by_key(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_score(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->p.fused_score != y->p.fused_score)
        return x->p.fused_score < y->p.fused_score ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The vector list: the draft's chunks above the threshold, then kb's, sorted by similarity. */
static void vector_list(const float *query, int dim, const char *title, const struct chunk *chunks,
                        const float *vecs, const double *cov, size_t chunk_count,
                        struct store_passage *kb, size_t kb_count, double threshold,
                        struct store_passage **out, size_t *out_count)
{
    struct ranked *r = xcalloc(chunk_count + kb_count + 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < chunk_count && query && dim > 0; i++) {
        double sim = dot(query, vecs + i * (size_t)dim, dim);
        if (sim < threshold)
            continue;
        r[n].p = draft_passage(i, title, &chunks[i]);
        r[n].p.vector_score = sim;
        r[n].p.coverage = cov[i];
        r[n].key = sim;
        r[n].order = n;
        n++;
    }
    for (size_t i = 0; i < kb_count; i++) {
        if (kb[i].vector_score < threshold) {
            store_passage_cleanup(&kb[i]);
            continue;
        }
        r[n].p = kb[i];
        r[n].key = kb[i].vector_score;
        r[n].order = n;
        n++;
    }
    free(kb);
    if (n > 1)
        qsort(r, n, sizeof *r, by_key);
    struct store_passage *v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = r[i].p;
    free(r);
    *out = v;
    *out_count = n;
}

/* The full-text list: kb's order kept, the draft's chunks that hold some of the question's
 * words merged in by coverage. */
static void fts_list(const struct evidence *ev, const char *title, const struct chunk *chunks,
                     const double *cov, size_t chunk_count, struct store_passage *kb,
                     size_t kb_count, struct store_passage **out, size_t *out_count)
{
    struct ranked *d = xcalloc(chunk_count + 1, sizeof *d);
    size_t nd = 0;
    for (size_t i = 0; i < chunk_count && ev->count > 0; i++) {
        if (cov[i] <= 0)
            continue;
        d[nd].p = draft_passage(i, title, &chunks[i]);
        d[nd].p.coverage = cov[i];
        d[nd].key = cov[i];
        d[nd].order = nd;
        nd++;
    }
    if (nd > 1)
        qsort(d, nd, sizeof *d, by_key);
    for (size_t k = 0; k < kb_count && ev->count > 0; k++) /* once each: kept for the rerank */
        kb[k].coverage = evidence_coverage(ev, kb[k].title, kb[k].heading, kb[k].text, NULL);
    struct store_passage *v = xcalloc(nd + kb_count + 1, sizeof *v);
    size_t n = 0, i = 0, k = 0;
    while (i < nd || k < kb_count) {
        bool take_draft = i < nd;
        if (take_draft && k < kb_count)
            take_draft = d[i].key > kb[k].coverage;
        v[n++] = take_draft ? d[i++].p : kb[k++];
    }
    free(d);
    free(kb);
    *out = v;
    *out_count = n;
}

double tryit_chunk_coverage(const struct evidence *ev, const char *draft_title,
                            const struct chunk *ch)
{
    if (ev->count == 0)
        return -1;
    const char *t = draft_title && draft_title[0] ? draft_title : NULL;
    return evidence_coverage(ev, t, ch->heading, ch->text, NULL);
}

void tryit_rank(const char *question, const float *query, int dim, const char *draft_title,
                const struct chunk *chunks, const float *chunk_vecs, const double *chunk_coverage,
                size_t chunk_count, struct tryit_kb *kb, double threshold, int rrf_k, int count_max,
                struct tryit_result *out)
{
    memset(out, 0, sizeof *out);
    out->draft_passages = chunk_count;
    out->kb_candidates = kb->vec_count + kb->fts_count;
    struct evidence *ev = xcalloc(1, sizeof *ev);
    evidence_init(ev, question ? question : "", NULL);
    double *cov = xcalloc(chunk_count + 1, sizeof *cov);
    for (size_t i = 0; i < chunk_count; i++)
        cov[i] =
            chunk_coverage ? chunk_coverage[i] : tryit_chunk_coverage(ev, draft_title, &chunks[i]);
    struct store_passage *vec, *fts, *fused;
    size_t vec_count, fts_count, n;
    vector_list(query, dim, draft_title, chunks, chunk_vecs, cov, chunk_count, kb->vec,
                kb->vec_count, threshold, &vec, &vec_count);
    fts_list(ev, draft_title, chunks, cov, chunk_count, kb->fts, kb->fts_count, &fts, &fts_count);
    free(cov);
    memset(kb, 0, sizeof *kb);
    retrieve_fuse(vec, vec_count, fts, fts_count, rrf_k, -1, &fused, &n);

    struct ranked *r = xcalloc(n + 1, sizeof *r);
    double best = 0;
    for (size_t i = 0; i < n; i++)
        if (fused[i].fused_score > best)
            best = fused[i].fused_score;
    for (size_t i = 0; i < n; i++) {
        r[i].p = fused[i];
        r[i].order = i;
        double f = best > 0 ? fused[i].fused_score / best : 0;
        if (ev->count > 0) {
            if (r[i].p.coverage < 0) /* the draft's and the full-text hits' are known */
                r[i].p.coverage =
                    evidence_coverage(ev, fused[i].title, fused[i].heading, fused[i].text, NULL);
            r[i].p.fused_score = RETRIEVE_W_FUSED * f + RETRIEVE_W_COVER * r[i].p.coverage;
        } else {
            r[i].p.coverage = -1;
            r[i].p.fused_score = f;
        }
    }
    free(fused);
    free(ev);
    if (n > 1)
        qsort(r, n, sizeof *r, by_score);
    size_t keep = count_max >= 0 && (size_t)count_max < n ? (size_t)count_max : n;
    out->hits = keep ? xcalloc(keep, sizeof *out->hits) : NULL;
    for (size_t i = 0; i < keep; i++) {
        const struct store_passage *p = &r[i].p;
        struct tryit_hit *h = &out->hits[i];
        h->title = line_of(p->title ? p->title : "Untitled", 512);
        h->heading = line_of(p->heading, 512);
        h->snippet = line_of(p->text ? p->text : "", TRYIT_SNIPPET_MAX);
        h->content_id = xstrdup(p->content_id ? p->content_id : "");
        h->is_draft = is_draft_id(p->passage_id);
        h->similarity = p->vector_rank > 0 ? p->vector_score : -1;
        h->fts_score = p->fts_rank > 0 && !h->is_draft ? p->fts_score : -1;
        h->is_fts = p->fts_rank > 0;
        h->coverage = p->coverage;
        h->score = p->fused_score;
    }
    out->count = keep;
    for (size_t i = 0; i < n; i++)
        store_passage_cleanup(&r[i].p);
    free(r);
}

void tryit_kb_cleanup(struct tryit_kb *kb)
{
    store_passages_free(kb->vec, kb->vec_count);
    store_passages_free(kb->fts, kb->fts_count);
    memset(kb, 0, sizeof *kb);
}

void tryit_result_cleanup(struct tryit_result *r)
{
    for (size_t i = 0; r && i < r->count; i++) {
        free(r->hits[i].title);
        free(r->hits[i].heading);
        free(r->hits[i].snippet);
        free(r->hits[i].content_id);
    }
    if (r) {
        free(r->hits);
        memset(r, 0, sizeof *r);
    }
}

static void parse_list(const struct json_node *arr, bool is_vector, struct store_passage **out,
                       size_t *out_count)
{
    size_t total = json_is_array(arr) ? json_len(arr) : 0;
    struct store_passage *p = xcalloc(total + 1, sizeof *p);
    size_t n = 0;
    for (size_t i = 0; i < total; i++) {
        const struct json_node *it = json_at(arr, i);
        double score = json_num(json_get(it, "score"), NAN);
        if (!json_is_object(it) || isnan(score))
            continue;
        p[n] = (struct store_passage){
            .passage_id = json_str_dup(json_get(it, "passage_id"), ""),
            .content_id = json_str_dup(json_get(it, "content_id"), ""),
            .title = json_str_dup(json_get(it, "title"), "Untitled"),
            .heading = json_str_dup(json_get(it, "heading"), NULL),
            .text = json_str_dup(json_get(it, "body"), ""),
            .vector_score = is_vector ? score : -1,
            .fts_score = is_vector ? -1 : score,
            .vector_rank = is_vector ? (int)n + 1 : 0,
            .fts_rank = is_vector ? 0 : (int)n + 1,
            .coverage = -1,
        };
        n++;
    }
    if (n == 0) {
        free(p);
        p = NULL;
    }
    *out = p;
    *out_count = n;
}

enum err tryit_kb_parse(const char *text, size_t len, struct tryit_kb *kb)
{
    memset(kb, 0, sizeof *kb);
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!json_is_object(root)) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    parse_list(json_get(root, "vector"), true, &kb->vec, &kb->vec_count);
    parse_list(json_get(root, "fts"), false, &kb->fts, &kb->fts_count);
    json_doc_free(doc);
    return ERR_OK;
}

/* --- the job ---------------------------------------------------------------------------------- */

struct tryit {
    struct store *store;
    struct embedder *emb;
    struct llm *llm;
    struct loop *loop;
    bool is_remote;          /* the embeddings endpoint, asked without blocking the loop */
    struct embed_request *req; /* remote: the batch in flight */
    size_t batch;            /* remote: chunks in that batch */
    struct tryit_params p;   /* strings below are the owned copies */
    char *question, *title, *body, *exclude_id;
    int dim;
    float *query;
    struct chunk *chunks;
    size_t chunk_count, embedded;
    float *vecs;
    struct evidence *ev; /* the question's words */
    double *cov;         /* each embedded chunk's coverage of them */
    struct store_call *call;
    bool has_kb;
    struct tryit_kb kb;
    uint64_t timer;
    bool is_running, is_started;
    tryit_done_fn done;
    void *userdata;
};

struct tryit *tryit_new(struct store *s, struct embedder *emb, struct llm *llm, struct loop *loop,
                        const struct tryit_params *p)
{
    struct tryit *t = xcalloc(1, sizeof *t);
    t->store = s;
    t->emb = emb;
    t->llm = llm;
    t->loop = loop;
    t->is_remote = !embedder_is_local(emb) && llm && loop;
    t->p = *p;
    size_t qlen = p->question ? strlen(p->question) : 0;
    t->question =
        xstrndup(p->question ? p->question : "", qlen < QUESTION_MAX ? qlen : QUESTION_MAX);
    t->title = xstrdup(p->title ? p->title : "");
    t->body = xstrndup(p->body ? p->body : "", p->body ? p->len : 0);
    t->p.len = p->body ? p->len : 0;
    t->exclude_id = p->exclude_id && p->exclude_id[0] ? xstrdup(p->exclude_id) : NULL;
    /* the owned copies above are used from here on, never the caller's pointers */
    t->p.question = t->p.title = t->p.body = t->p.exclude_id = NULL;
    t->dim = embedder_dim(emb);
    return t;
}

static void finish(struct tryit *t, enum err e, const char *msg)
{
    t->is_running = false;
    struct tryit_result r = {0};
    if (e == ERR_OK) {
        tryit_rank(t->question, t->query, t->dim, t->title, t->chunks, t->vecs, t->cov, t->embedded,
                   &t->kb, t->p.threshold, t->p.rrf_k, t->p.count, &r);
    }
    tryit_done_fn done = t->done;
    t->done = NULL;
    if (done)
        done(t->userdata, e, msg ? msg : err_str(e), e == ERR_OK ? &r : NULL);
    tryit_result_cleanup(&r);
}

static void step(struct tryit *t);

static void on_timer(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct tryit *t = userdata;
    t->timer = 0;
    step(t);
}

static void on_kb(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct tryit *t = userdata;
    t->call = NULL;
    const char *text = rows ? store_rows_get(rows, 0, 0) : NULL;
    if (e == ERR_OK && !text)
        e = ERR_PROTOCOL;
    if (e == ERR_OK)
        e = tryit_kb_parse(text, strlen(text), &t->kb);
    if (e != ERR_OK) {
        finish(t, e, errmsg && errmsg[0] ? errmsg : NULL);
        return;
    }
    t->has_kb = true;
    if (t->embedded == t->chunk_count && t->is_started)
        finish(t, ERR_OK, NULL);
}

static bool embed_one(struct tryit *t, const char *text, float *out)
{
    char *msg = NULL;
    enum err e = embedder_embed_sync(t->emb, &text, 1, out, &msg);
    if (e != ERR_OK) {
        char *why = xasprintf("embedding failed: %s", msg ? msg : err_str(e));
        free(msg);
        store_call_cancel(t->call);
        t->call = NULL;
        finish(t, e, why);
        free(why);
        return false;
    }
    free(msg);
    return true;
}

/* With the question's vector in t->query: the chunks and the store call. False when the job
 * ended (an error). */
static bool after_query(struct tryit *t)
{
    enum err e = chunk_split(t->body, t->p.len, t->p.chunk_chars, t->p.chunk_overlap, &t->chunks,
                             &t->chunk_count);
    if (e != ERR_OK) {
        finish(t, e, "the draft could not be cut into passages");
        return false;
    }
    t->vecs = xreallocarray(NULL, (t->chunk_count ? t->chunk_count : 1) * (size_t)t->dim,
                            sizeof *t->vecs);
    t->cov = xcalloc(t->chunk_count + 1, sizeof *t->cov);
    t->ev = xcalloc(1, sizeof *t->ev);
    evidence_init(t->ev, t->question, NULL);
    int want = t->p.candidates > t->p.count ? t->p.candidates : t->p.count;
    t->call = store_content_tryit(t->store, t->question, t->query, t->dim, t->p.threshold, want,
                                  t->exclude_id, on_kb, t);
    return t->is_running; /* false: the store replied at once, with an error */
}

/* --- remote embeddings: one request at a time, the loop keeps running --------------------------
 */

enum { REMOTE_BATCH = 32 };

static void remote_next(struct tryit *t);

/* Checks a reply of count vectors (want expected) and copies them, unit length, to out; on a
 * problem the job ends with it. */
/* A remote reply: unit vectors of the embedder's dimension (core/embed checked and
 * normalised them) copied to out, or the job ends with why. */
static bool remote_accept(struct tryit *t, enum err e, const char *errmsg, const float *vectors,
                          size_t count, size_t want, float *out)
{
    if (e == ERR_OK && (count != want || !vectors))
        e = ERR_PROTOCOL;
    if (e != ERR_OK) {
        char *why = xasprintf("embedding failed: %s", errmsg && errmsg[0] ? errmsg : err_str(e));
        store_call_cancel(t->call);
        t->call = NULL;
        finish(t, e, why);
        free(why);
        return false;
    }
    memcpy(out, vectors, count * (size_t)t->dim * sizeof *out);
    return true;
}

static void on_remote_batch(void *userdata, enum err e, const char *errmsg, const float *vectors,
                            size_t count)
{
    struct tryit *t = userdata;
    t->req = NULL;
    if (!remote_accept(t, e, errmsg, vectors, count, t->batch,
                       t->vecs + t->embedded * (size_t)t->dim))
        return;
    for (size_t i = 0; i < t->batch; i++)
        t->cov[t->embedded + i] =
            tryit_chunk_coverage(t->ev, t->title, &t->chunks[t->embedded + i]);
    t->embedded += t->batch;
    t->batch = 0;
    remote_next(t);
}

static void remote_next(struct tryit *t)
{
    if (t->embedded >= t->chunk_count) {
        if (t->has_kb)
            finish(t, ERR_OK, NULL);
        return;
    }
    size_t n = t->chunk_count - t->embedded;
    size_t max = embedder_batch_size(t->emb) < REMOTE_BATCH ? embedder_batch_size(t->emb)
                                                             : REMOTE_BATCH;
    n = n < max ? n : max;
    char *texts[REMOTE_BATCH];
    for (size_t i = 0; i < n; i++)
        texts[i] =
            chunk_embed_text(t->chunks[t->embedded + i].heading, t->chunks[t->embedded + i].text);
    t->batch = n;
    enum err e =
        embedder_embed_start(t->emb, (const char *const *)texts, n, on_remote_batch, t, &t->req);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    if (e != ERR_OK) {
        t->req = NULL;
        on_remote_batch(t, e, "the request could not be started", NULL, 0);
    }
}

static void on_remote_query(void *userdata, enum err e, const char *errmsg, const float *vectors,
                            size_t count)
{
    struct tryit *t = userdata;
    t->req = NULL;
    if (!remote_accept(t, e, errmsg, vectors, count, 1, t->query))
        return;
    if (after_query(t))
        remote_next(t);
}

/* First step: the question's vector, the store call, the chunks; then the draft's passages in
 * budgeted steps (local) or batches (remote). The job ends when both sides are in. */
static void step(struct tryit *t)
{
    if (!t->is_running)
        return;
    if (!t->is_started) {
        t->is_started = true;
        t->query = xreallocarray(NULL, (size_t)t->dim, sizeof *t->query);
        if (t->is_remote) {
            const char *texts[] = {t->question};
            enum err e = embedder_embed_start(t->emb, texts, 1, on_remote_query, t, &t->req);
            if (e != ERR_OK) {
                t->req = NULL;
                on_remote_query(t, e, "the request could not be started", NULL, 0);
            }
            return;
        }
        if (!embed_one(t, t->question, t->query))
            return;
        if (!after_query(t))
            return;
    }
    int64_t t0 = loop_now_ms();
    while (t->embedded < t->chunk_count) {
        const struct chunk *ch = &t->chunks[t->embedded];
        char *text = chunk_embed_text(ch->heading, ch->text);
        bool ok = embed_one(t, text, t->vecs + t->embedded * (size_t)t->dim);
        free(text);
        if (!ok)
            return;
        t->cov[t->embedded] = tryit_chunk_coverage(t->ev, t->title, ch);
        t->embedded++;
        if (t->loop && loop_now_ms() - t0 >= STEP_BUDGET_MS)
            break;
    }
    if (t->embedded < t->chunk_count) {
        t->timer = loop_timer_add(t->loop, 0, 0, on_timer, t);
        return;
    }
    if (t->has_kb)
        finish(t, ERR_OK, NULL);
}

void tryit_start(struct tryit *t, tryit_done_fn done, void *userdata)
{
    t->done = done;
    t->userdata = userdata;
    t->is_running = true;
    if (t->loop)
        t->timer = loop_timer_add(t->loop, 0, 0, on_timer, t);
    else
        step(t);
}

bool tryit_is_running(const struct tryit *t)
{
    return t && t->is_running;
}

size_t tryit_embedded(const struct tryit *t)
{
    return t ? t->embedded : 0;
}

size_t tryit_total(const struct tryit *t)
{
    return t ? t->chunk_count : 0;
}

void tryit_free(struct tryit *t)
{
    if (!t)
        return;
    if (t->timer)
        loop_timer_cancel(t->loop, t->timer);
    embed_request_cancel(t->req);
    store_call_cancel(t->call);
    chunks_free(t->chunks, t->chunk_count);
    tryit_kb_cleanup(&t->kb);
    free(t->vecs);
    free(t->cov);
    free(t->ev);
    free(t->query);
    free(t->question);
    free(t->title);
    free(t->body);
    free(t->exclude_id);
    free(t);
}

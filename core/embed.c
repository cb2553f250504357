/* embed: the embedder seen by the rest of core: the local one (embed_local) or the LLM
 * client's embeddings endpoint, behind one call, plus the query cache (an LRU of single-text
 * embeddings keyed by BLAKE2b(model NUL text)). */
#include "core/embed.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/embed_local.h"
#include "core/hash.h"
#include "core/llm.h"
#include "core/log.h"
#include "core/mem.h"

enum { EMBED_CACHE_SIZE = 256 };

struct embed_cache_entry {
    char key[HASH_HEX_LEN + 1];
    float *vec;         /* dim floats, NULL when the slot is free */
    uint64_t last_used; /* the embedder's tick at the last hit */
};

struct embedder {
    int dim;
    char *model;
    int batch_size;
    struct embed_local *local; /* NULL when remote */
    struct llm *llm;           /* borrowed; remote only */
    struct loop *loop;         /* borrowed; remote only */
    struct embed_cache_entry cache[EMBED_CACHE_SIZE];
    uint64_t tick;
    size_t hits;
};

enum err embedder_new(const struct config *cfg, struct llm *llm, struct loop *loop,
                      struct embedder **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->embed_dim < 1 || cfg->embed_dim > EMBED_LOCAL_MAX_DIM) {
        snprintf(err, errlen, "embedding dimension %d is out of range (1..%d)", cfg->embed_dim,
                 EMBED_LOCAL_MAX_DIM);
        return ERR_CONFIG;
    }
    bool is_local = !cfg->embed_provider || strcmp(cfg->embed_provider, "local") == 0;
    if (!is_local && (!llm || !loop)) {
        snprintf(err, errlen, "the '%s' embeddings provider needs the LLM client",
                 cfg->embed_provider);
        return ERR_INVALID;
    }
    struct embedder *e = xcalloc(1, sizeof *e);
    e->dim = cfg->embed_dim;
    e->batch_size = cfg->embed_batch_size > 0 ? cfg->embed_batch_size : 64;
    if (is_local) {
        enum err rc = embed_local_new(e->dim, true, &e->local);
        if (rc != ERR_OK) {
            snprintf(err, errlen, "cannot create the local embedder: %s", err_str(rc));
            free(e);
            return rc;
        }
        e->model = xstrdup(embed_local_model(e->local));
        if (!embed_local_has_wordnet(e->local))
            log_warn("WordNet data not found: the local embedder works lexically (%s)",
                     e->model);
        else if (!embed_local_has_wordvec(e->local) && e->dim >= 400)
            log_warn("the word-vector table (wordvec.tbl) was not found: the local embedder "
                     "has no meaning part (%s)", e->model);
    } else {
        e->llm = llm;
        e->loop = loop;
        e->model = xstrdup(cfg->embed_model);
    }
    *out = e;
    return ERR_OK;
}

void embedder_free(struct embedder *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < EMBED_CACHE_SIZE; i++)
        free(e->cache[i].vec);
    embed_local_free(e->local);
    free(e->model);
    free(e);
}

const char *embedder_model(const struct embedder *e)
{
    return e->model;
}

int embedder_dim(const struct embedder *e)
{
    return e->dim;
}

bool embedder_is_local(const struct embedder *e)
{
    return e->local != NULL;
}

size_t embedder_cache_hits(const struct embedder *e)
{
    return e->hits;
}

/* ---- query cache -------------------------------------------------------------------- */

static void embed_cache_key(const struct embedder *e, const char *text,
                            char key[HASH_HEX_LEN + 1])
{
    size_t mlen = strlen(e->model), tlen = strlen(text);
    char *msg = xmalloc(mlen + 1 + tlen);
    memcpy(msg, e->model, mlen);
    msg[mlen] = '\0';
    memcpy(msg + mlen + 1, text, tlen);
    hash_blake2b_hex(msg, mlen + 1 + tlen, key);
    free(msg);
}

static bool embed_cache_get(struct embedder *e, const char *key, float *out)
{
    for (size_t i = 0; i < EMBED_CACHE_SIZE; i++) {
        struct embed_cache_entry *c = &e->cache[i];
        if (c->vec && memcmp(c->key, key, HASH_HEX_LEN) == 0) {
            memcpy(out, c->vec, (size_t)e->dim * sizeof *out);
            c->last_used = ++e->tick;
            return true;
        }
    }
    return false;
}

static void embed_cache_put(struct embedder *e, const char *key, const float *vec)
{
    struct embed_cache_entry *victim = &e->cache[0];
    for (size_t i = 0; i < EMBED_CACHE_SIZE; i++) {
        struct embed_cache_entry *c = &e->cache[i];
        if (!c->vec) {
            victim = c;
            break;
        }
        if (c->last_used < victim->last_used)
            victim = c;
    }
    if (!victim->vec)
        victim->vec = xmalloc((size_t)e->dim * sizeof *victim->vec);
    memcpy(victim->key, key, HASH_HEX_LEN + 1);
    memcpy(victim->vec, vec, (size_t)e->dim * sizeof *vec);
    victim->last_used = ++e->tick;
}

/* ---- embedding ---------------------------------------------------------------------- */

static void embed_normalise(float *v, int dim)
{
    double norm = 0;
    for (int i = 0; i < dim; i++)
        norm += (double)v[i] * v[i];
    if (norm <= 0)
        return;
    float inv = (float)(1.0 / sqrt(norm));
    for (int i = 0; i < dim; i++)
        v[i] *= inv;
}

/* Checks a reply of the embeddings endpoint (count vectors of dim floats for want texts)
 * and copies the vectors, at unit length, to out; else returns why with *msg (heap). */
static enum err remote_accept(const struct embedder *e, const float *vectors, size_t count,
                              int dim, size_t want, float *out, char **msg)
{
    if (dim != e->dim) {
        *msg = xasprintf("the embeddings endpoint returned %d dimensions for model '%s' but "
                         "[embeddings] dim is %d",
                         dim, e->model, e->dim);
        return ERR_DIM_MISMATCH;
    }
    if (count != want || !vectors) {
        *msg = xasprintf("the embeddings endpoint returned %zu vectors for %zu texts", count,
                         want);
        return ERR_PROTOCOL;
    }
    for (size_t i = 0; i < count; i++) {
        float *dst = out + i * (size_t)dim;
        memcpy(dst, vectors + i * (size_t)dim, (size_t)dim * sizeof *dst);
        embed_normalise(dst, dim);
    }
    return ERR_OK;
}

static enum err embed_remote(struct embedder *e, const char *const *texts, size_t count,
                             float *out, char **errmsg)
{
    for (size_t off = 0; off < count; off += (size_t)e->batch_size) {
        size_t n = count - off < (size_t)e->batch_size ? count - off : (size_t)e->batch_size;
        float *vecs = NULL;
        int dim = 0;
        char *msg = NULL;
        enum err rc = llm_embed_sync(e->llm, e->loop, texts + off, n, &vecs, &dim, &msg);
        if (rc != ERR_OK) {
            if (errmsg)
                *errmsg = msg ? msg : xstrdup(err_str(rc));
            else
                free(msg);
            free(vecs);
            return rc;
        }
        free(msg);
        msg = NULL;
        rc = remote_accept(e, vecs, n, dim, n, out + off * (size_t)e->dim, &msg);
        free(vecs);
        if (rc != ERR_OK) {
            if (errmsg)
                *errmsg = msg;
            else
                free(msg);
            return rc;
        }
    }
    return ERR_OK;
}

enum err embedder_embed_sync(struct embedder *e, const char *const *texts, size_t count,
                             float *out, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (count == 0)
        return ERR_OK;
    char key[HASH_HEX_LEN + 1];
    if (count == 1) {
        embed_cache_key(e, texts[0], key);
        if (embed_cache_get(e, key, out)) {
            e->hits++;
            return ERR_OK;
        }
    }
    if (e->local) {
        for (size_t i = 0; i < count; i++)
            embed_local_text(e->local, texts[i], strlen(texts[i]), out + i * (size_t)e->dim);
    } else {
        enum err rc = embed_remote(e, texts, count, out, errmsg);
        if (rc != ERR_OK)
            return rc;
    }
    if (count == 1)
        embed_cache_put(e, key, out);
    return ERR_OK;
}

/* ---- without blocking ----------------------------------------------------------------- */

struct embed_request {
    struct embedder *e;
    struct llm_request *req;
    size_t count;
    embedder_done_fn done;
    void *userdata;
};

static void on_remote_done(void *userdata, enum err rc, const char *errmsg, const float *vectors,
                           size_t count, int dim)
{
    struct embed_request *r = userdata;
    struct embedder *e = r->e;
    float *out = NULL;
    char *msg = NULL;
    if (rc == ERR_OK) {
        out = xreallocarray(NULL, r->count * (size_t)e->dim, sizeof *out);
        rc = remote_accept(e, vectors, count, dim, r->count, out, &msg);
    }
    embedder_done_fn done = r->done;
    void *ud = r->userdata;
    free(r); /* the llm client frees its request after this returns */
    done(ud, rc, msg ? msg : errmsg && errmsg[0] ? errmsg : err_str(rc), rc == ERR_OK ? out : NULL,
         rc == ERR_OK ? count : 0);
    free(out);
    free(msg);
}

enum err embedder_embed_start(struct embedder *e, const char *const *texts, size_t count,
                              embedder_done_fn done, void *userdata, struct embed_request **out)
{
    if (out)
        *out = NULL;
    if (e->local || !e->llm)
        return ERR_UNSUPPORTED;
    if (count == 0 || count > (size_t)e->batch_size)
        return ERR_INVALID;
    struct embed_request *r = xcalloc(1, sizeof *r);
    *r = (struct embed_request){.e = e, .count = count, .done = done, .userdata = userdata};
    enum err rc = llm_embed_start(e->llm, texts, count, on_remote_done, r, &r->req);
    if (rc != ERR_OK) {
        free(r);
        return rc;
    }
    if (out)
        *out = r;
    return ERR_OK;
}

size_t embedder_batch_size(const struct embedder *e)
{
    return e->batch_size > 0 ? (size_t)e->batch_size : 1;
}

void embed_request_cancel(struct embed_request *r)
{
    if (!r)
        return;
    llm_request_cancel(r->req);
    free(r);
}

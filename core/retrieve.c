/* retrieve: calls the two retrievers and merges them. Each side keeps its own rank: the store
 * sets vector_rank/fts_rank 1-based per list, and fusion copies the other side's score and rank
 * onto the merged entry so callers can show both. */
#include "core/retrieve.h"

#include <stdlib.h>
#include <string.h>

#include "core/evidence.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/wordnet.h"

bool retrieve_mode_parse(const char *name, enum retrieve_mode *out)
{
    if (!name)
        return false;
    if (strcmp(name, "hybrid") == 0)
        *out = RETRIEVE_HYBRID;
    else if (strcmp(name, "vector") == 0)
        *out = RETRIEVE_VECTOR;
    else if (strcmp(name, "fts") == 0 || strcmp(name, "fulltext") == 0)
        *out = RETRIEVE_FTS;
    else
        return false;
    return true;
}

const char *retrieve_mode_name(enum retrieve_mode mode)
{
    switch (mode) {
    case RETRIEVE_HYBRID: return "hybrid";
    case RETRIEVE_VECTOR: return "vector";
    case RETRIEVE_FTS: return "fts";
    }
    return "hybrid";
}

struct fused {
    struct store_passage p;
    size_t order; /* first-seen position: vector list first, then full-text */
};

static int fused_cmp(const void *a, const void *b)
{
    const struct fused *x = a, *y = b;
    if (x->p.fused_score != y->p.fused_score)
        return x->p.fused_score < y->p.fused_score ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool same_passage(const struct store_passage *a, const struct store_passage *b)
{
    return a->passage_id && b->passage_id && strcmp(a->passage_id, b->passage_id) == 0;
}

void retrieve_fuse(struct store_passage *vec, size_t vec_count, struct store_passage *fts,
                   size_t fts_count, int rrf_k, int count, struct store_passage **out,
                   size_t *out_count)
{
    if (rrf_k < 1)
        rrf_k = 1;
    size_t total = vec_count + fts_count;
    struct fused *v = xcalloc(total + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < vec_count; i++) {
        v[n].p = vec[i];
        v[n].p.vector_rank = (int)i + 1; /* rank within the list we were given */
        v[n].p.fts_score = -1;
        v[n].p.fts_rank = 0;
        v[n].p.fused_score = 1.0 / (rrf_k + (double)(i + 1));
        v[n].order = n;
        n++;
    }
    for (size_t i = 0; i < fts_count; i++) {
        struct fused *hit = NULL;
        for (size_t k = 0; k < vec_count; k++) {
            if (same_passage(&v[k].p, &fts[i])) {
                hit = &v[k];
                break;
            }
        }
        double rrf = 1.0 / (rrf_k + (double)(i + 1));
        if (hit) {
            if (hit->p.fts_rank == 0) { /* a duplicate in the full-text list counts once */
                hit->p.fts_score = fts[i].fts_score;
                hit->p.fts_rank = (int)i + 1;
                hit->p.fused_score += rrf;
            }
            store_passage_cleanup(&fts[i]);
            continue;
        }
        v[n].p = fts[i];
        v[n].p.vector_score = -1;
        v[n].p.vector_rank = 0;
        v[n].p.fts_rank = (int)i + 1;
        v[n].p.fused_score = rrf;
        v[n].order = n;
        n++;
    }
    /* The elements moved into v; only the arrays remain. */
    free(vec);
    free(fts);
    qsort(v, n, sizeof *v, fused_cmp);
    size_t keep = count >= 0 && (size_t)count < n ? (size_t)count : n;
    struct store_passage *res = keep ? xcalloc(keep, sizeof *res) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (i < keep)
            res[i] = v[i].p;
        else
            store_passage_cleanup(&v[i].p);
    }
    free(v);
    *out = res;
    *out_count = keep;
}

/* A candidate with the mask of the question's terms it covers, kept through the sort so the
 * important-word share of the kept ones needs no second pass over their text. */
struct ranked {
    struct store_passage p;
    uint64_t covered;
};

static int rerank_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->p.fused_score != y->p.fused_score)
        return x->p.fused_score < y->p.fused_score ? 1 : -1;
    return 0;
}

static bool same_doc(const struct store_passage *a, const struct store_passage *b)
{
    return a->content_id && b->content_id && strcmp(a->content_id, b->content_id) == 0;
}

/* Reranks all n fused candidates by evidence and keeps the best count. */
static void rerank(const struct evidence *ev, struct store_passage *v, size_t n, int count,
                   size_t *out_count, struct retrieve_stats *stats)
{
    double best = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].fused_score > best)
            best = v[i].fused_score;
    struct ranked *r = xcalloc(n ? n : 1, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i].p = v[i];
        r[i].p.coverage =
            evidence_coverage(ev, v[i].title, v[i].heading, v[i].text, &r[i].covered);
        double f = best > 0 ? v[i].fused_score / best : 0;
        /* qsort is not stable; the input order breaks ties (it is the fused order). */
        r[i].p.fused_score = RETRIEVE_W_FUSED * f + RETRIEVE_W_COVER * r[i].p.coverage -
                             (double)i * 1e-9;
    }
    if (n > 1)
        qsort(r, n, sizeof *r, rerank_cmp);
    size_t keep = count >= 0 && (size_t)count < n ? (size_t)count : n;
    for (size_t i = 0; i < n; i++)
        v[i] = r[i].p;
    for (size_t i = keep; i < n; i++)
        store_passage_cleanup(&v[i]);
    *out_count = keep;
    if (keep > 0) {
        stats->best_coverage = v[0].coverage;
        stats->best_covered = r[0].covered;
        stats->best_important = evidence_important(ev, r[0].covered);
        for (size_t i = 1; i < keep; i++) {
            double important = evidence_important(ev, r[i].covered);
            if (important > stats->best_important)
                stats->best_important = important;
        }
        for (size_t i = 1; i < keep; i++) {
            if (!same_doc(&v[0], &v[i])) {
                stats->doc_margin = v[0].fused_score - v[i].fused_score;
                break;
            }
        }
    }
    free(r);
}

void retrieve_evidence(struct store *s, const char *question, struct wordnet *wn,
                       struct evidence *ev)
{
    evidence_init(ev, question, wn);
    if (ev->count == 0)
        return;
    enum { MAX_WORDS = EVIDENCE_MAX_TERMS * (EVIDENCE_MAX_ALTS + 1) };
    const char *words[MAX_WORDS];
    double df[MAX_WORDS];
    double n = 0;
    size_t count = evidence_stat_words(ev, true, words, MAX_WORDS);
    enum err e = store_term_stats(s, words, count, df, &n);
    if (e == ERR_OK && n >= 1)
        evidence_set_stats_all(ev, df, count, n);
    else if (e != ERR_UNSUPPORTED)
        log_warn("retrieve: word statistics unavailable: %s (%s)", err_str(e), store_errmsg(s));
}

enum err retrieve_run(struct store *s, const struct retrieve_params *p, struct store_passage **out,
                      size_t *out_count, struct retrieve_stats *stats)
{
    struct retrieve_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    *out = NULL;
    *out_count = 0;
    if (!p || p->count <= 0)
        return ERR_INVALID;
    int candidates = p->candidates > p->count ? p->candidates : p->count;
    bool want_vec = p->mode != RETRIEVE_FTS;
    bool want_fts = p->mode != RETRIEVE_VECTOR;
    if (want_vec && (!p->vector || p->dim <= 0)) {
        if (p->mode == RETRIEVE_VECTOR)
            return ERR_INVALID;
        want_vec = false;
        stats->vector_err = ERR_UNSUPPORTED;
    }
    if (want_fts && (!p->text || !*p->text)) {
        if (p->mode == RETRIEVE_FTS)
            return ERR_INVALID;
        want_fts = false;
    }

    struct store_passage *vec = NULL, *fts = NULL;
    size_t vec_count = 0, fts_count = 0;
    if (want_vec) {
        int64_t t0 = loop_now_us();
        stats->vector_err = store_match_passages(s, p->vector, p->dim, p->threshold, candidates,
                                                 p->types, p->type_count, &vec, &vec_count);
        stats->vector_ms = (double)(loop_now_us() - t0) / 1000.0;
        if (stats->vector_err != ERR_OK)
            log_warn("retrieve: vector search failed: %s (%s)", err_str(stats->vector_err),
                     store_errmsg(s));
    }
    if (want_fts && stats->vector_err != ERR_DB_DOWN) {
        int64_t t0 = loop_now_us();
        stats->fts_err = store_search_passages(s, p->text, p->types, p->type_count, candidates,
                                               &fts, &fts_count);
        stats->fts_ms = (double)(loop_now_us() - t0) / 1000.0;
        if (stats->fts_err != ERR_OK)
            log_warn("retrieve: full-text search failed: %s (%s)", err_str(stats->fts_err),
                     store_errmsg(s));
    }
    enum err e = ERR_OK;
    if (stats->vector_err == ERR_DB_DOWN || stats->fts_err == ERR_DB_DOWN)
        e = ERR_DB_DOWN;
    else if (want_vec && stats->vector_err != ERR_OK && (!want_fts || stats->fts_err != ERR_OK))
        e = stats->vector_err;
    else if (want_fts && stats->fts_err != ERR_OK && !want_vec)
        e = stats->fts_err;
    else if (want_fts && stats->fts_err != ERR_OK && stats->vector_err != ERR_OK)
        e = stats->fts_err;
    if (e != ERR_OK) {
        store_passages_free(vec, vec_count);
        store_passages_free(fts, fts_count);
        return e;
    }
    stats->vector_hits = vec_count;
    stats->fts_hits = fts_count;
    stats->fts_best = !want_fts || stats->fts_err != ERR_OK ? -1
                      : fts_count > 0                        ? fts[0].fts_score
                                                             : 0;
    stats->best_coverage = -1;
    stats->best_important = -1;
    const struct evidence *ev = p->evidence;
    struct evidence *own = NULL;
    if (!ev && p->mode == RETRIEVE_HYBRID && p->text) {
        struct wordnet *wn = wordnet_new();
        own = xcalloc(1, sizeof *own);
        retrieve_evidence(s, p->text, wordnet_is_available(wn) ? wn : NULL, own);
        wordnet_free(wn);
        ev = own;
    }
    if (ev) {
        retrieve_fuse(vec, vec_count, fts, fts_count, p->rrf_k, -1, out, out_count);
        rerank(ev, *out, *out_count, p->count, out_count, stats);
        free(own);
    } else {
        retrieve_fuse(vec, vec_count, fts, fts_count, p->rrf_k, p->count, out, out_count);
        for (size_t i = 0; i < *out_count; i++)
            (*out)[i].coverage = -1;
    }
    for (size_t i = 0; i < *out_count; i++)
        stats->both_hits += (*out)[i].vector_rank > 0 && (*out)[i].fts_rank > 0;
    return ERR_OK;
}

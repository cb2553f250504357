/* bench_tryit: what "Try it" costs on the loop for a 1 MB draft with the local embedder:
 * cutting it into passages, embedding them (the job does this in steps of about 30 ms, so
 * this is the total spread over steps, not one pause) with each one's share of the
 * question's words, and ranking them with 40 knowledge-base candidates (one step). Prints
 * milliseconds; asserts nothing (scripts/bench_tryit.sh, part of `make bench`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/chunk.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/evidence.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/tryit.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
    size_t n = 1024 * 1024;
    char *doc = xcalloc(n + 1, 1);
    const char *para = "Hotels are paid up to 150 EUR per night in capital cities; elsewhere 110 "
                       "EUR. Book through the travel desk before the trip. ";
    size_t off = 0, k = 0;
    while (off < n) {
        const char *piece = (k % 12 == 11) ? "\n\n## Section\n\n" : para;
        size_t m = strlen(piece);
        if (off + m > n)
            m = n - off;
        memcpy(doc + off, piece, m);
        off += m;
        k++;
    }
    struct config cfg;
    config_init(&cfg);
    struct embedder *emb;
    char err[256];
    if (embedder_new(&cfg, NULL, NULL, &emb, err, sizeof err) != ERR_OK) {
        fprintf(stderr, "bench_tryit: %s\n", err);
        return 1;
    }
    int dim = embedder_dim(emb);
    double t0 = now_ms();
    struct chunk *chunks;
    size_t count;
    chunk_split(doc, n, cfg.rag_chunk_chars, cfg.rag_chunk_overlap, &chunks, &count);
    double t1 = now_ms();
    float *vecs = xcalloc(count * (size_t)dim, sizeof *vecs);
    double *cov = xcalloc(count + 1, sizeof *cov);
    const char *q[] = {"How much is a hotel night in a capital city?"};
    struct evidence *ev = xcalloc(1, sizeof *ev);
    evidence_init(ev, q[0], NULL);
    double slowest = 0;
    for (size_t i = 0; i < count; i++) {
        double a = now_ms();
        char *text = chunk_embed_text(chunks[i].heading, chunks[i].text);
        const char *texts[] = {text};
        embedder_embed_sync(emb, texts, 1, vecs + i * (size_t)dim, NULL);
        free(text);
        cov[i] = tryit_chunk_coverage(ev, "Draft", &chunks[i]);
        double d = now_ms() - a;
        slowest = d > slowest ? d : slowest;
    }
    double t2 = now_ms();
    float *query = xcalloc((size_t)dim, sizeof *query);
    embedder_embed_sync(emb, q, 1, query, NULL);
    struct tryit_kb kb = {.vec = xcalloc(40, sizeof(struct store_passage)), .vec_count = 40};
    for (size_t i = 0; i < 40; i++)
        kb.vec[i] = (struct store_passage){.passage_id = xasprintf("kb-%zu", i),
                                           .content_id = xstrdup("kb"),
                                           .title = xstrdup("Travel policy"),
                                           .text = xstrdup(para),
                                           .vector_score = 0.5 - (double)i / 100};
    double t3 = now_ms();
    struct tryit_result r;
    tryit_rank(q[0], query, dim, "Draft", chunks, vecs, cov, count, &kb, cfg.rag_match_threshold,
               cfg.rag_rrf_k, 8, &r);
    double t4 = now_ms();
    printf("tryit (1 MB draft, local embedder, %d dims): %zu passages; chunk %.1f ms, embed and "
           "judge words %.0f ms in all (%.2f ms a passage, slowest %.2f ms; spread over 30 ms "
           "steps), rank with 40 KB candidates %.1f ms\n",
           dim, count, t1 - t0, t2 - t1, count ? (t2 - t1) / (double)count : 0, slowest, t4 - t3);
    tryit_result_cleanup(&r);
    chunks_free(chunks, count);
    free(vecs);
    free(cov);
    free(ev);
    free(query);
    free(doc);
    embedder_free(emb);
    config_cleanup(&cfg);
    return 0;
}

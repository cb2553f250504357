/* bench_embed: passages per second of the local embedder on the sample knowledge base's
 * passages (about 1200 characters each), one core: the first pass with a cold word cache
 * (every WordNet lookup paid), then repeated passes (warm). Built and run by
 * scripts/bench_ingest.sh; prints one line per measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/embed_local.h"
#include "core/mem.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_embed FILE.md...\n");
        return 2;
    }
    char **texts = NULL;
    size_t count = 0, bytes = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            continue;
        struct buf b;
        buf_init(&b, 64u << 20);
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
            buf_append(&b, tmp, n);
        fclose(f);
        struct chunk *c;
        size_t nc;
        chunk_split(buf_str(&b), b.len, 1200, 150, &c, &nc);
        for (size_t k = 0; k < nc; k++) {
            texts = xreallocarray(texts, count + 1, sizeof *texts);
            texts[count++] = chunk_embed_text(c[k].heading, c[k].text);
            bytes += strlen(texts[count - 1]);
        }
        chunks_free(c, nc);
        buf_cleanup(&b);
    }
    if (count == 0)
        return 1;
    struct embed_local *el;
    if (embed_local_new(1536, true, &el) != ERR_OK)
        return 1;
    float *v = xmalloc(1536 * sizeof *v);
    double t0 = now_s();
    for (size_t i = 0; i < count; i++)
        embed_local_text(el, texts[i], strlen(texts[i]), v);
    double cold = now_s() - t0;
    size_t warm_n = 0;
    t0 = now_s();
    while (warm_n < 20000)
        for (size_t i = 0; i < count; i++, warm_n++)
            embed_local_text(el, texts[i], strlen(texts[i]), v);
    double warm = now_s() - t0;
    printf("embedder: %s, %zu passages of %zu chars on average\n", embed_local_model(el), count,
           bytes / count);
    printf("embedder: cold cache %.0f passages/s, warm %.0f passages/s (one core)\n",
           (double)count / cold, (double)warm_n / warm);
    for (size_t i = 0; i < count; i++)
        free(texts[i]);
    free(texts);
    free(v);
    embed_local_free(el);
    return 0;
}

/* wordvec: the word vector table, mapped and binary-searched. */
#include "core/wordvec.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/share_path.h"

#define WORDVEC_MAGIC "CCAWV002"
enum {
    WV_HEADER = 24 + 4 * WORDVEC_DIM, /* the fields, then the common direction */
    WV_RECORD = WORDVEC_WORD_BYTES + 8 + WORDVEC_DIM,
};

struct wordvec {
    const unsigned char *map;
    size_t len;
    size_t count;
    float common[WORDVEC_DIM];
};

double wordvec_weight(long rank)
{
    double p = 1.0 / (((double)rank + 1) * WORDVEC_ZIPF_H);
    return WORDVEC_SIF_A / (WORDVEC_SIF_A + p);
}

static uint32_t wv_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

struct wordvec *wordvec_open(const char *path)
{
    if (!path || !*path)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= WV_HEADER)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    const unsigned char *m = map;
    size_t len = (size_t)st.st_size;
    size_t count = wv_u32(m + 12);
    if (memcmp(m, WORDVEC_MAGIC, 8) != 0 || wv_u32(m + 8) != WORDVEC_DIM ||
        wv_u32(m + 16) != WORDVEC_WORD_BYTES || count == 0 ||
        (len - WV_HEADER) / WV_RECORD != count || (len - WV_HEADER) % WV_RECORD != 0) {
        munmap(map, len);
        return NULL;
    }
    struct wordvec *wv = xcalloc(1, sizeof *wv);
    wv->map = m;
    wv->len = len;
    wv->count = count;
    memcpy(wv->common, m + 24, sizeof wv->common);
    return wv;
}

struct wordvec *wordvec_new(void)
{
    const char *env = getenv("CCA_WORDVEC_TABLE");
    if (env && *env)
        return wordvec_open(env);
    /* An installed cca's own table first; the build's is the fallback of a development build. */
    char path[4096];
    if (share_path("wordvec.tbl", path, sizeof path)) {
        struct wordvec *wv = wordvec_open(path);
        if (wv)
            return wv;
    }
#ifdef CCA_WORDVEC_TABLE
    return wordvec_open(CCA_WORDVEC_TABLE);
#else
    return NULL;
#endif
}

void wordvec_free(struct wordvec *wv)
{
    if (!wv)
        return;
    munmap((void *)wv->map, wv->len);
    free(wv);
}

const float *wordvec_common(const struct wordvec *wv)
{
    return wv ? wv->common : NULL;
}

static int wv_cmp(const char *word, size_t len, const unsigned char *rec)
{
    size_t n = len < WORDVEC_WORD_BYTES ? len : WORDVEC_WORD_BYTES;
    int c = memcmp(word, rec, n);
    if (c != 0)
        return c;
    if (len < WORDVEC_WORD_BYTES)
        return rec[len] == '\0' ? 0 : -1;
    return 0;
}

long wordvec_find(const struct wordvec *wv, const char *word, size_t len, float *out)
{
    if (!wv || len == 0 || len >= WORDVEC_WORD_BYTES)
        return -1;
    size_t lo = 0, hi = wv->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *rec = wv->map + WV_HEADER + mid * WV_RECORD;
        int c = wv_cmp(word, len, rec);
        if (c == 0) {
            float scale;
            memcpy(&scale, rec + WORDVEC_WORD_BYTES, sizeof scale);
            const signed char *v = (const signed char *)(rec + WORDVEC_WORD_BYTES + 8);
            for (int i = 0; i < WORDVEC_DIM; i++)
                out[i] = scale * (float)v[i];
            return (long)wv_u32(rec + WORDVEC_WORD_BYTES + 4);
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* gen_wordnet_table: writes the local embedder's precomputed WordNet table (see
 * wordnet_table_write in core/wordnet.h). Built and run by the Makefile:
 *   gen_wordnet_table OUT.tbl
 * Prints one line. Without WordNet data it writes nothing and exits 0 (the embedder then works
 * lexically, as it would anyway); any other failure exits 1.
 *
 * Speed: the table is every WordNet answer computed once, through the library, and the
 * library spends nearly all its time in bin_search, which finds a line in a sorted file by
 * seeking and reading a FILE. This program defines its own bin_search, which the library's
 * calls reach through the dynamic linker (the library is shared and calls it through its PLT):
 * the same probe sequence as the library's (libwordnet binsrch.c: byte-offset bisection,
 * skipping to the next line, comparing the text before the first space), over a copy of the
 * file in memory, so the answers are the library's own, tens of times faster. The copy is
 * made the first time a stream is searched. This needs the shared library (Debian's
 * libwordnet.so; the static one would clash on the name); should the library stop calling
 * through its PLT, the table comes out the same, only in minutes instead of seconds.
 * tests/unit/test_embed_local.c checks the table against the unmodified library. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/wordnet.h"

enum {
    LINE_LEN = 25 * 1024, /* the library's line buffer */
    KEY_MAX = 1024,       /* the library's key buffer */
    STREAMS_MAX = 32,
};

/* The library's declarations (wn.h is included by core/wordnet.c only). */
char *bin_search(char *searchkey, FILE *fp);
extern long last_bin_search_offset;

struct stream_copy {
    FILE *fp;
    char *text;
    long len;
};

static struct stream_copy copies[STREAMS_MAX];
static size_t copy_count;
static unsigned long fast_count, slow_count;

/* The whole content of fp, copied once; NULL when it cannot be read (then the library's own
 * bin_search serves). */
static const struct stream_copy *stream_copy_get(FILE *fp)
{
    for (size_t i = 0; i < copy_count; i++)
        if (copies[i].fp == fp)
            return &copies[i];
    if (copy_count == STREAMS_MAX || fseek(fp, 0, SEEK_END) != 0)
        return NULL;
    long len = ftell(fp);
    if (len < 0 || fseek(fp, 0, SEEK_SET) != 0)
        return NULL;
    char *text = xmalloc((size_t)len + 1);
    if (fread(text, 1, (size_t)len, fp) != (size_t)len) {
        free(text);
        return NULL;
    }
    text[len] = '\0';
    copies[copy_count] = (struct stream_copy){fp, text, len};
    return &copies[copy_count++];
}

/* The library's bin_search, step for step, over memory: fseek(mid - 1), skip to the next
 * line unless mid is 1, fgets the line (at most LINE_LEN - 1 bytes; at the end of the file
 * fgets reads nothing and the previous line stays), take its key (the bytes before the first
 * space; none, or KEY_MAX or more, ends the search), compare, halve. Lines are compared in
 * place and copied out only when found. */
char *bin_search(char *searchkey, FILE *fp)
{
    static char line[LINE_LEN];
    const struct stream_copy *c = stream_copy_get(fp);
    if (!c) {
        char *(*next)(char *, FILE *);
        *(void **)&next = dlsym(RTLD_NEXT, "bin_search");
        slow_count++;
        return next ? next(searchkey, fp) : NULL;
    }
    fast_count++;
    const char *text = c->text;
    size_t search_len = strlen(searchkey);
    long top = 0, bot = c->len, mid = c->len / 2, diff;
    long line_at = 0, line_len = -1; /* the current line; -1: none read yet (empty) */
    for (;;) {
        long at = mid - 1 < 0 ? 0 : mid - 1;
        if (mid != 1) {
            const char *nl = memchr(text + at, '\n', (size_t)(c->len - at));
            at = nl ? (long)(nl - text) + 1 : c->len;
        }
        last_bin_search_offset = at;
        if (at < c->len) {
            long max = c->len - at < LINE_LEN - 1 ? c->len - at : LINE_LEN - 1;
            const char *nl = memchr(text + at, '\n', (size_t)max);
            line_at = at;
            line_len = nl ? (long)(nl - text) - at + 1 : max;
        }
        if (line_len < 0)
            return NULL;
        const char *space = memchr(text + line_at, ' ', (size_t)line_len);
        if (!space || space - (text + line_at) >= KEY_MAX)
            return NULL;
        size_t klen = (size_t)(space - (text + line_at));
        int cmp = memcmp(text + line_at, searchkey, klen < search_len ? klen : search_len);
        if (cmp == 0)
            cmp = klen < search_len ? -1 : klen > search_len;
        if (cmp == 0) {
            memcpy(line, text + line_at, (size_t)line_len);
            line[line_len] = '\0';
            return line;
        }
        if (cmp < 0) {
            top = mid;
            diff = (bot - top) / 2;
        } else {
            bot = mid;
            diff = (bot - top) / 2;
        }
        mid = top + diff;
        if (diff == 0)
            return NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_wordnet_table OUT.tbl\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t words = 0;
    char err[512];
    enum err rc = wordnet_table_write(argv[1], &words, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t i = 0; i < copy_count; i++)
        free(copies[i].text);
    if (rc == ERR_NOT_FOUND) {
        printf("gen_wordnet_table: %s; no table (the local embedder works lexically)\n", err);
        return 0;
    }
    if (rc != ERR_OK) {
        fprintf(stderr, "gen_wordnet_table: %s\n", err);
        return 1;
    }
    printf("gen_wordnet_table: %zu words in %s (%.1f s; %lu searches in memory, %lu by the "
           "library)\n",
           words, argv[1],
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, fast_count,
           slow_count);
    return 0;
}

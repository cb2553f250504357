/* wordnet: WordNet lookups for the local embedder, cached per instance. The only file that
 * includes <wn.h>; nothing of the library leaks through core/wordnet.h. */
#include "core/wordnet.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/mem.h"

/* wn.h predates prototypes and defines unused static strings: silence only that header. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include <wn.h>
#pragma GCC diagnostic pop

enum {
    WN_WORD_MAX = 64,       /* bytes, including the NUL */
    WN_SENSES = 2,          /* most frequent senses used per part of speech */
    WN_HYPERNYMS = 2,       /* hypernyms followed per sense */
    WN_CANDIDATES = 96,     /* lemmas collected before keeping the best WORDNET_MAX_TERMS */
    WN_CACHE_MAX = 65536,   /* cached words before the cache starts over */
};

struct wn_entry {
    char *word;
    uint32_t first; /* index into terms */
    uint32_t count;
};

struct wordnet {
    bool is_available;
    struct wn_entry *entries;
    size_t entry_count;
    size_t entry_cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t slot_cap; /* power of two */
    struct wordnet_term *terms;
    size_t term_count;
    size_t term_cap;
};

/* The library reports problems through this hook; its default prints to stderr, which must
 * never happen while curses owns the terminal. */
static int wordnet_quiet(char *msg)
{
    (void)msg;
    return -1;
}

/* The library binary-searches its index and data files with fseek/fgets: one system call
 * and a 4 KiB copy per probe, about 50 probes per new word. Reading them from memory instead
 * (the files are mapped read-only and wrapped in fmemopen streams, which the library uses
 * like any FILE) makes a lookup about ten times faster. The library's database is global, so
 * this happens once per process; without it everything still works, only slower. */
static void wordnet_map_files(void)
{
    static bool is_mapped; /* guards the library's own global FILE table */
    if (is_mapped)
        return;
    is_mapped = true;
    static const char *const parts[] = {NULL, "noun", "verb", "adj", "adv"};
    const char *dir = SetSearchdir(); /* $WNSEARCHDIR, $WNHOME/dict or the built-in path */
    for (int pos = 1; pos <= 4; pos++) {
        for (int kind = 0; kind < 2; kind++) {
            FILE **slot = kind == 0 ? &indexfps[pos] : &datafps[pos];
            char path[4096];
            int n = snprintf(path, sizeof path, "%s/%s.%s", dir, kind == 0 ? "index" : "data",
                             parts[pos]);
            if (!*slot || n < 0 || (size_t)n >= sizeof path)
                continue;
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            struct stat st;
            void *map = MAP_FAILED;
            if (fstat(fileno(f), &st) == 0 && st.st_size > 0)
                map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
            fclose(f);
            if (map == MAP_FAILED)
                continue;
            FILE *mem = fmemopen(map, (size_t)st.st_size, "r");
            if (!mem) {
                munmap(map, (size_t)st.st_size);
                continue;
            }
            /* Every probe seeks: a small buffer keeps each refill cheap. */
            setvbuf(mem, NULL, _IOFBF, 512);
            fclose(*slot);
            *slot = mem; /* the mapping lives as long as the process */
        }
    }
}

struct wordnet *wordnet_new(void)
{
    struct wordnet *wn = xcalloc(1, sizeof *wn);
    display_message = wordnet_quiet;
    wn->is_available = wninit() == 0;
    if (wn->is_available)
        wordnet_map_files();
    wn->slot_cap = 1024;
    wn->slots = xcalloc(wn->slot_cap, sizeof *wn->slots);
    return wn;
}

static void wordnet_reset(struct wordnet *wn)
{
    for (size_t i = 0; i < wn->entry_count; i++)
        free(wn->entries[i].word);
    for (size_t i = 0; i < wn->term_count; i++)
        free((char *)wn->terms[i].lemma);
    wn->entry_count = 0;
    wn->term_count = 0;
    memset(wn->slots, 0, wn->slot_cap * sizeof *wn->slots);
}

void wordnet_free(struct wordnet *wn)
{
    if (!wn)
        return;
    wordnet_reset(wn);
    free(wn->entries);
    free(wn->terms);
    free(wn->slots);
    free(wn);
}

bool wordnet_is_available(const struct wordnet *wn)
{
    return wn->is_available;
}

/* ---- cache -------------------------------------------------------------------------- */

static uint64_t wordnet_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ^ (h >> 29);
}

static void wordnet_grow_slots(struct wordnet *wn)
{
    free(wn->slots);
    wn->slot_cap *= 2;
    wn->slots = xcalloc(wn->slot_cap, sizeof *wn->slots);
    for (size_t i = 0; i < wn->entry_count; i++) {
        size_t at = wordnet_hash(wn->entries[i].word) & (wn->slot_cap - 1);
        while (wn->slots[at])
            at = (at + 1) & (wn->slot_cap - 1);
        wn->slots[at] = (uint32_t)i + 1;
    }
}

/* Returns the slot where word is or would be. */
static size_t wordnet_find(const struct wordnet *wn, const char *word)
{
    size_t at = wordnet_hash(word) & (wn->slot_cap - 1);
    while (wn->slots[at] && strcmp(wn->entries[wn->slots[at] - 1].word, word) != 0)
        at = (at + 1) & (wn->slot_cap - 1);
    return at;
}

/* ---- lookup ------------------------------------------------------------------------- */

struct wn_candidate {
    char lemma[WN_WORD_MAX];
    float weight;
};

struct wn_collect {
    struct wn_candidate c[WN_CANDIDATES];
    size_t count;
};

static void wordnet_add_lemma(struct wn_collect *col, const char *raw, float weight)
{
    char lemma[WN_WORD_MAX];
    size_t n = 0;
    /* Lowercase and drop adjective markers such as "galore(ip)". */
    for (; raw[n] && raw[n] != '(' && n < sizeof lemma - 1; n++) {
        char ch = raw[n];
        lemma[n] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    lemma[n] = '\0';
    if (n == 0)
        return;
    for (size_t i = 0; i < col->count; i++) {
        if (strcmp(col->c[i].lemma, lemma) == 0) {
            if (weight > col->c[i].weight)
                col->c[i].weight = weight;
            return;
        }
    }
    if (col->count == WN_CANDIDATES)
        return;
    memcpy(col->c[col->count].lemma, lemma, n + 1);
    col->c[col->count].weight = weight;
    col->count++;
}

static void wordnet_add_synset(struct wn_collect *col, SynsetPtr ss, float weight)
{
    for (int i = 0; i < ss->wcount; i++)
        wordnet_add_lemma(col, ss->words[i], weight);
}

/* The index entry for word in pos, directly or through its base form (paid -> pay). */
static IndexPtr wordnet_index(const char *word, int pos)
{
    char buf[WN_WORD_MAX];
    size_t len = strlen(word);
    memcpy(buf, word, len + 1);
    IndexPtr idx = index_lookup(buf, pos);
    if (idx)
        return idx;
    char *base = morphstr(buf, pos);
    if (!base || strlen(base) >= sizeof buf)
        return NULL;
    char base_buf[WN_WORD_MAX];
    memcpy(base_buf, base, strlen(base) + 1);
    return index_lookup(base_buf, pos);
}

static void wordnet_collect(const char *word, struct wn_collect *col)
{
    static const int parts[] = {NOUN, VERB, ADJ, ADV};
    IndexPtr idx[4] = {NULL, NULL, NULL, NULL};
    for (size_t p = 0; p < 4; p++)
        idx[p] = wordnet_index(word, parts[p]);

    char buf[WN_WORD_MAX];
    memcpy(buf, word, strlen(word) + 1);
    /* Sense by sense across parts of speech, so the most frequent senses come first. */
    for (int rank = 0; rank < WN_SENSES; rank++) {
        float w = 1.0f / (float)(rank + 1);
        for (size_t p = 0; p < 4; p++) {
            if (!idx[p] || rank >= idx[p]->off_cnt)
                continue;
            SynsetPtr ss = read_synset(parts[p], (long)idx[p]->offset[rank], buf);
            if (!ss)
                continue;
            wordnet_add_synset(col, ss, w);
            int followed = 0;
            for (int i = 0; i < ss->ptrcount && followed < WN_HYPERNYMS; i++) {
                if (ss->ptrtyp[i] != HYPERPTR && ss->ptrtyp[i] != SIMPTR)
                    continue;
                SynsetPtr up = read_synset(ss->ppos[i], ss->ptroff[i], buf);
                if (up) {
                    wordnet_add_synset(col, up, w * 0.5f);
                    free_synset(up);
                }
                followed++;
            }
            free_synset(ss);
        }
    }
    for (size_t p = 0; p < 4; p++)
        if (idx[p])
            free_index(idx[p]);
}

static bool wordnet_word_ok(const char *word)
{
    size_t n = 0;
    for (; word[n]; n++) {
        char ch = word[n];
        if (!((ch >= 'a' && ch <= 'z') || ch == '_'))
            return false;
    }
    return n >= 2 && n < WN_WORD_MAX;
}

size_t wordnet_lookup(struct wordnet *wn, const char *word, const struct wordnet_term **terms)
{
    *terms = NULL;
    if (!wn->is_available || !wordnet_word_ok(word))
        return 0;
    size_t at = wordnet_find(wn, word);
    if (wn->slots[at]) {
        const struct wn_entry *e = &wn->entries[wn->slots[at] - 1];
        *terms = e->count ? &wn->terms[e->first] : NULL;
        return e->count;
    }

    if (wn->entry_count >= WN_CACHE_MAX)
        wordnet_reset(wn);
    struct wn_collect col;
    col.count = 0;
    wordnet_collect(word, &col);

    /* Keep the heaviest terms; insertion order breaks ties so results are deterministic. */
    size_t keep = 0;
    size_t order[WORDNET_MAX_TERMS];
    bool used[WN_CANDIDATES] = {false};
    while (keep < WORDNET_MAX_TERMS) {
        size_t best = col.count;
        for (size_t i = 0; i < col.count; i++)
            if (!used[i] && (best == col.count || col.c[i].weight > col.c[best].weight))
                best = i;
        if (best == col.count)
            break;
        used[best] = true;
        order[keep++] = best;
    }

    if (wn->term_count + keep > wn->term_cap) {
        wn->term_cap = (wn->term_cap ? wn->term_cap * 2 : 1024) + keep;
        wn->terms = xreallocarray(wn->terms, wn->term_cap, sizeof *wn->terms);
    }
    if (wn->entry_count == wn->entry_cap) {
        wn->entry_cap = wn->entry_cap ? wn->entry_cap * 2 : 256;
        wn->entries = xreallocarray(wn->entries, wn->entry_cap, sizeof *wn->entries);
    }
    struct wn_entry *e = &wn->entries[wn->entry_count];
    e->word = xstrdup(word);
    e->first = (uint32_t)wn->term_count;
    e->count = (uint32_t)keep;
    for (size_t i = 0; i < keep; i++) {
        wn->terms[wn->term_count].lemma = xstrdup(col.c[order[i]].lemma);
        wn->terms[wn->term_count].weight = col.c[order[i]].weight;
        wn->term_count++;
    }
    wn->entry_count++;
    if (wn->entry_count * 2 > wn->slot_cap)
        wordnet_grow_slots(wn);
    else
        wn->slots[at] = (uint32_t)wn->entry_count;

    *terms = keep ? &wn->terms[e->first] : NULL;
    return keep;
}

/* wordnet: WordNet lookups for the local embedder. The only file that includes <wn.h>;
 * nothing of the library leaks through core/wordnet.h.
 *
 * Two sources give identical answers. The library path resolves a word (index lookups plus
 * the library's morphology), reads the synsets of its most frequent senses and their
 * hypernyms and keeps the best lemmas: about a millisecond per new word, paid again by every
 * new process. The table path answers from a file precomputed at build time by running the
 * library path over every word whose answer can be non-empty (wordnet_table_write; the format
 * and the list of words are core/wordnet_table's): a binary search in a read-only mapping, a
 * few microseconds, nothing parsed at start-up. */
#include "core/wordnet.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/share_path.h"
#include "core/wordnet_table.h"

/* wn.h predates prototypes and defines unused static strings: silence only that header. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include <wn.h>
#pragma GCC diagnostic pop

enum {
    WN_WORD_MAX = 64,      /* bytes, including the NUL */
    WN_SENSES = 2,         /* most frequent senses used per part of speech */
    WN_HYPERNYMS = 2,      /* hypernyms followed per sense */
    WN_CANDIDATES = 96,    /* lemmas collected before keeping the best WORDNET_MAX_TERMS */
    WN_CACHE_MAX = 65536,  /* cached words before the cache starts over */
    WN_PROBE_BYTES = 4096, /* bytes of each end of a data file in the fingerprint */
};

/* What decides a lookup's answer besides the data files, folded into the fingerprint so a
 * table made under other rules is stale. Bump WN_ALGORITHM when the lookup itself changes. */
enum { WN_ALGORITHM = 1 };
static const uint32_t wn_rules[] = {WN_ALGORITHM, WN_WORD_MAX,   WN_SENSES,
                                    WN_HYPERNYMS, WN_CANDIDATES, WORDNET_MAX_TERMS};

static const char *const wn_part_names[] = {NULL, "noun", "verb", "adj", "adv"};

struct wn_entry {
    char *word;
    uint32_t first; /* index into terms */
    uint32_t count;
};

enum wn_lib_state { WN_LIB_UNTRIED, WN_LIB_OK, WN_LIB_FAILED };

struct wordnet {
    bool is_available;
    struct wordnet_table *table; /* NULL: the library answers everything */
    char *table_path;
    struct wordnet_term scratch[WORDNET_MAX_TERMS]; /* the last table answer */
    enum wn_lib_state lib;

    /* The library path's cache. */
    struct wn_entry *entries;
    size_t entry_count;
    size_t entry_cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t slot_cap; /* power of two */
    struct wordnet_term *terms;
    size_t term_count;
    size_t term_cap;
};

/* ---- the library -------------------------------------------------------------------- */

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
    const char *dir = SetSearchdir(); /* $WNSEARCHDIR, $WNHOME/dict or the built-in path */
    for (int pos = 1; pos <= 4; pos++) {
        for (int kind = 0; kind < 2; kind++) {
            FILE **slot = kind == 0 ? &indexfps[pos] : &datafps[pos];
            char path[4096];
            int n = snprintf(path, sizeof path, "%s/%s.%s", dir, kind == 0 ? "index" : "data",
                             wn_part_names[pos]);
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

/* Opens the library once per instance (its state is global and survives). */
static bool wordnet_lib_ready(struct wordnet *wn)
{
    if (wn->lib == WN_LIB_UNTRIED) {
        display_message = wordnet_quiet;
        wn->lib = wninit() == 0 ? WN_LIB_OK : WN_LIB_FAILED;
        if (wn->lib == WN_LIB_OK)
            wordnet_map_files();
    }
    return wn->lib == WN_LIB_OK;
}

/* ---- the fingerprint of the data ---------------------------------------------------- */

static uint64_t wordnet_fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Folds in every file the lookups read: each one's size, modification time and first and
 * last WN_PROBE_BYTES. Cheap (a few dozen system calls) and stable across installs of the
 * same package; any edit of the data changes the time. False when a file is missing. */
static bool wordnet_fingerprint(uint64_t *out)
{
    static const char *const kinds[] = {"index", "data", "exc"};
    const char *dir = SetSearchdir();
    uint64_t h = wordnet_fnv(1469598103934665603ull, wn_rules, sizeof wn_rules);
    for (int pos = 1; pos <= 4; pos++) {
        for (size_t k = 0; k < 3; k++) {
            char name[16], path[4096];
            if (k == 2)
                snprintf(name, sizeof name, "%s.exc", wn_part_names[pos]);
            else
                snprintf(name, sizeof name, "%s.%s", kinds[k], wn_part_names[pos]);
            int n = snprintf(path, sizeof path, "%s/%s", dir, name);
            if (n < 0 || (size_t)n >= sizeof path)
                return false;
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return false;
            struct stat st;
            unsigned char buf[2 * WN_PROBE_BYTES];
            size_t got = 0;
            bool ok = fstat(fd, &st) == 0 && st.st_size >= 0;
            if (ok) {
                size_t size = (size_t)st.st_size;
                size_t head = size < WN_PROBE_BYTES ? size : WN_PROBE_BYTES;
                size_t tail = size - head < WN_PROBE_BYTES ? size - head : WN_PROBE_BYTES;
                ok = pread(fd, buf, head, 0) == (ssize_t)head &&
                     pread(fd, buf + head, tail, (off_t)(size - tail)) == (ssize_t)tail;
                got = head + tail;
            }
            close(fd);
            if (!ok)
                return false;
            uint64_t meta[2] = {(uint64_t)st.st_size, (uint64_t)st.st_mtime};
            h = wordnet_fnv(h, name, strlen(name));
            h = wordnet_fnv(h, meta, sizeof meta);
            h = wordnet_fnv(h, buf, got);
        }
    }
    *out = h;
    return true;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

struct wordnet *wordnet_open(const char *table_path)
{
    struct wordnet *wn = xcalloc(1, sizeof *wn);
    wn->slot_cap = 1024;
    wn->slots = xcalloc(wn->slot_cap, sizeof *wn->slots);
    uint64_t fingerprint;
    if (table_path && wordnet_fingerprint(&fingerprint))
        wn->table = wordnet_table_open(table_path, fingerprint);
    if (wn->table) {
        /* The data it was made from is there (the fingerprint read it); the library opens
         * only if a word outside the table comes. */
        wn->table_path = xstrdup(table_path);
        wn->is_available = true;
        return wn;
    }
    wn->is_available = wordnet_lib_ready(wn);
    return wn;
}

struct wordnet *wordnet_new(void)
{
    const char *env = getenv("CCA_WORDNET_TABLE");
    if (env && *env)
        return wordnet_open(env);
    /* An installed cca's own table first; the build's (the source tree's) is the fallback of
     * a development build. */
    struct wordnet *wn = NULL;
    char path[4096];
    if (share_path("wordnet.tbl", path, sizeof path)) {
        if (access(path, R_OK) == 0) {
            wn = wordnet_open(path);
            if (wn->table)
                return wn;
        }
    }
#ifdef CCA_WORDNET_TABLE
    struct wordnet *built = wordnet_open(CCA_WORDNET_TABLE);
    if (built->table || !wn) {
        wordnet_free(wn);
        return built;
    }
    wordnet_free(built);
#endif
    return wn ? wn : wordnet_open(NULL);
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
    wordnet_table_free(wn->table);
    free(wn->table_path);
    free(wn->entries);
    free(wn->terms);
    free(wn->slots);
    free(wn);
}

bool wordnet_is_available(const struct wordnet *wn)
{
    return wn->is_available;
}

bool wordnet_has_table(const struct wordnet *wn)
{
    return wn->table != NULL;
}

const char *wordnet_table_path(const struct wordnet *wn)
{
    return wn->table_path;
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

/* ---- lookup through the library ----------------------------------------------------- */

struct wn_candidate {
    char lemma[WN_WORD_MAX];
    float weight;
};

struct wn_collect {
    struct wn_candidate c[WN_CANDIDATES];
    size_t count;
};

/* A sense's lemmas as the library yields them, before normalisation. The library path adds
 * them to a collection at once; the table writer records them (struct wn_gen) and replays
 * them for every word with that sense, so each synset is read once. */
typedef void wn_emit_fn(void *ctx, const char *raw, bool is_hypernym);

/* Lowercases raw and drops adjective markers such as "galore(ip)"; returns the length. */
static size_t wordnet_normalise(const char *raw, char lemma[WN_WORD_MAX])
{
    size_t n = 0;
    for (; raw[n] && raw[n] != '(' && n < WN_WORD_MAX - 1; n++) {
        char ch = raw[n];
        lemma[n] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    lemma[n] = '\0';
    return n;
}

/* Adds a normalised lemma; a repeated one keeps its highest weight and first position. */
static void wordnet_add_lemma(struct wn_collect *col, const char *lemma, size_t n, float weight)
{
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

/* Emits the lemmas of the synset at offset in pos, then those of its first WN_HYPERNYMS
 * hypernyms (or similar adjectives). */
static void wordnet_read_sense(int pos, long offset, char *buf, wn_emit_fn *emit, void *ctx)
{
    SynsetPtr ss = read_synset(pos, offset, buf);
    if (!ss)
        return;
    for (int i = 0; i < ss->wcount; i++)
        emit(ctx, ss->words[i], false);
    int followed = 0;
    for (int i = 0; i < ss->ptrcount && followed < WN_HYPERNYMS; i++) {
        if (ss->ptrtyp[i] != HYPERPTR && ss->ptrtyp[i] != SIMPTR)
            continue;
        SynsetPtr up = read_synset(ss->ppos[i], ss->ptroff[i], buf);
        if (up) {
            for (int k = 0; k < up->wcount; k++)
                emit(ctx, up->words[k], true);
            free_synset(up);
        }
        followed++;
    }
    free_synset(ss);
}

struct wn_direct {
    struct wn_collect *col;
    float weight;
};

static void wordnet_emit_direct(void *ctx, const char *raw, bool is_hypernym)
{
    struct wn_direct *d = ctx;
    char lemma[WN_WORD_MAX];
    size_t n = wordnet_normalise(raw, lemma);
    wordnet_add_lemma(d->col, lemma, n, is_hypernym ? d->weight * 0.5f : d->weight);
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

/* The sense reader: the library path reads each sense (gen NULL); the table writer passes
 * its recorder. */
struct wn_gen;
static void wordnet_gen_sense(struct wn_gen *gen, int pos, long offset, char *buf,
                              struct wn_collect *col, float weight);

static void wordnet_collect(struct wn_gen *gen, const char *word, struct wn_collect *col)
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
            long offset = (long)idx[p]->offset[rank];
            if (gen) {
                wordnet_gen_sense(gen, parts[p], offset, buf, col, w);
            } else {
                struct wn_direct d = {col, w};
                wordnet_read_sense(parts[p], offset, buf, wordnet_emit_direct, &d);
            }
        }
    }
    for (size_t p = 0; p < 4; p++)
        if (idx[p])
            free_index(idx[p]);
}

/* Keeps the heaviest terms; insertion order breaks ties so results are deterministic. Writes
 * their indices into order and returns how many. */
static size_t wordnet_select(const struct wn_collect *col, size_t order[WORDNET_MAX_TERMS])
{
    size_t keep = 0;
    bool used[WN_CANDIDATES] = {false};
    while (keep < WORDNET_MAX_TERMS) {
        size_t best = col->count;
        for (size_t i = 0; i < col->count; i++)
            if (!used[i] && (best == col->count || col->c[i].weight > col->c[best].weight))
                best = i;
        if (best == col->count)
            break;
        used[best] = true;
        order[keep++] = best;
    }
    return keep;
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

static size_t wordnet_lib_lookup(struct wordnet *wn, const char *word,
                                 const struct wordnet_term **terms)
{
    size_t at = wordnet_find(wn, word);
    if (wn->slots[at]) {
        const struct wn_entry *e = &wn->entries[wn->slots[at] - 1];
        *terms = e->count ? &wn->terms[e->first] : NULL;
        return e->count;
    }

    if (wn->entry_count >= WN_CACHE_MAX) {
        wordnet_reset(wn);
        at = wordnet_find(wn, word);
    }
    struct wn_collect col;
    col.count = 0;
    wordnet_collect(NULL, word, &col);
    size_t order[WORDNET_MAX_TERMS];
    size_t keep = wordnet_select(&col, order);

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

size_t wordnet_lookup(struct wordnet *wn, const char *word, const struct wordnet_term **terms)
{
    *terms = NULL;
    if (!wn->is_available || !wordnet_word_ok(word))
        return 0;
    if (wn->table && wordnet_table_covers(word)) {
        size_t n = wordnet_table_find(wn->table, word, wn->scratch);
        *terms = n ? wn->scratch : NULL;
        return n;
    }
    if (!wordnet_lib_ready(wn))
        return 0;
    return wordnet_lib_lookup(wn, word, terms);
}

/* ---- the table writer --------------------------------------------------------------- */

/* The senses read so far, keyed by part of speech and offset: each a run of items in items,
 * an item being (offset of a normalised lemma in text) << 1 | is_hypernym. Many words share
 * senses (pay, pays, paid, paying), so each synset is read once. */
struct wn_gen {
    char *text;
    size_t text_len;
    size_t text_cap;
    uint64_t *items;
    size_t item_count;
    size_t item_cap;
    uint64_t *keys; /* open addressing: pos << 32 | offset, 0 = empty */
    uint32_t *first;
    uint32_t *count;
    size_t cap; /* power of two */
    size_t used;
};

static void wordnet_emit_record(void *ctx, const char *raw, bool is_hypernym)
{
    struct wn_gen *gen = ctx;
    char lemma[WN_WORD_MAX];
    size_t n = wordnet_normalise(raw, lemma);
    if (n == 0)
        return;
    if (gen->text_len + n + 1 > gen->text_cap) {
        gen->text_cap = (gen->text_cap ? gen->text_cap * 2 : 1 << 20) + n + 1;
        gen->text = xrealloc(gen->text, gen->text_cap);
    }
    if (gen->item_count == gen->item_cap) {
        gen->item_cap = gen->item_cap ? gen->item_cap * 2 : 1 << 16;
        gen->items = xreallocarray(gen->items, gen->item_cap, sizeof *gen->items);
    }
    gen->items[gen->item_count++] = (uint64_t)gen->text_len << 1 | (is_hypernym ? 1u : 0u);
    memcpy(gen->text + gen->text_len, lemma, n + 1);
    gen->text_len += n + 1;
}

static size_t wordnet_gen_slot(const struct wn_gen *gen, uint64_t key)
{
    size_t mask = gen->cap - 1;
    size_t at = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 24) & mask;
    while (gen->keys[at] && gen->keys[at] != key)
        at = (at + 1) & mask;
    return at;
}

static void wordnet_gen_grow(struct wn_gen *gen)
{
    struct wn_gen old = *gen;
    gen->cap = old.cap ? old.cap * 2 : 1 << 16;
    gen->keys = xcalloc(gen->cap, sizeof *gen->keys);
    gen->first = xcalloc(gen->cap, sizeof *gen->first);
    gen->count = xcalloc(gen->cap, sizeof *gen->count);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t at = wordnet_gen_slot(gen, old.keys[i]);
        gen->keys[at] = old.keys[i];
        gen->first[at] = old.first[i];
        gen->count[at] = old.count[i];
    }
    free(old.keys);
    free(old.first);
    free(old.count);
}

static void wordnet_gen_sense(struct wn_gen *gen, int pos, long offset, char *buf,
                              struct wn_collect *col, float weight)
{
    if ((gen->used + 1) * 2 > gen->cap)
        wordnet_gen_grow(gen);
    uint64_t key = (uint64_t)pos << 32 | (uint64_t)(uint32_t)offset;
    size_t at = wordnet_gen_slot(gen, key);
    if (!gen->keys[at]) {
        size_t first = gen->item_count;
        wordnet_read_sense(pos, offset, buf, wordnet_emit_record, gen);
        gen->keys[at] = key;
        gen->first[at] = (uint32_t)first;
        gen->count[at] = (uint32_t)(gen->item_count - first);
        gen->used++;
    }
    for (uint32_t i = 0; i < gen->count[at]; i++) {
        uint64_t item = gen->items[gen->first[at] + i];
        const char *lemma = gen->text + (item >> 1);
        wordnet_add_lemma(col, lemma, strlen(lemma), (item & 1) ? weight * 0.5f : weight);
    }
}

enum err wordnet_table_write(const char *path, size_t *word_count, char *err, size_t err_len)
{
    *word_count = 0;
    err[0] = '\0';
    struct wordnet probe;
    memset(&probe, 0, sizeof probe);
    uint64_t fingerprint;
    if (!wordnet_lib_ready(&probe) || !wordnet_fingerprint(&fingerprint)) {
        snprintf(err, err_len, "WordNet data not found in %s", SetSearchdir());
        return ERR_NOT_FOUND;
    }
    char **words;
    size_t count;
    enum err rc = wordnet_table_words(SetSearchdir(), &words, &count, err, err_len);
    if (rc != ERR_OK)
        return rc;
    struct wn_gen gen;
    memset(&gen, 0, sizeof gen);
    struct wordnet_table_writer *w = wordnet_table_writer_new();
    for (size_t i = 0; i < count && rc == ERR_OK; i++) {
        struct wn_collect col;
        col.count = 0;
        wordnet_collect(&gen, words[i], &col);
        size_t order[WORDNET_MAX_TERMS];
        size_t keep = wordnet_select(&col, order);
        struct wordnet_term terms[WORDNET_MAX_TERMS];
        for (size_t k = 0; k < keep; k++) {
            terms[k].lemma = col.c[order[k]].lemma;
            terms[k].weight = col.c[order[k]].weight;
        }
        if (keep)
            rc = wordnet_table_writer_add(w, words[i], terms, keep);
        if (rc != ERR_OK)
            snprintf(err, err_len, "%s: an answer the table cannot hold", words[i]);
    }
    if (rc == ERR_OK)
        rc = wordnet_table_writer_finish(w, path, fingerprint, err, err_len);
    if (rc == ERR_OK)
        *word_count = wordnet_table_writer_count(w);
    wordnet_table_writer_free(w);
    for (size_t i = 0; i < count; i++)
        free(words[i]);
    free(words);
    free(gen.text);
    free(gen.items);
    free(gen.keys);
    free(gen.first);
    free(gen.count);
    return rc;
}

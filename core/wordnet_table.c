/* wordnet_table: the precomputed WordNet answers on disk, and the words they cover.
 *
 * Format (native byte order, checked through byte_order): a header, then word_count entries
 * {key, list} sorted by strcmp of the key, then list_len u32 holding the term lists (a count,
 * then count terms; words with the same answer share one list), then the string pool
 * (NUL-terminated keys, then lemmas; offset 0 is an empty string). A term is
 * (offset of the lemma in the pool << 2) | the code of its weight. */
#include "core/wordnet_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

enum {
    WT_VERSION = 1,
    WT_BYTE_ORDER = 0x01020304,
    WT_WORD_MAX = 64, /* bytes with the NUL, as wordnet_lookup accepts */
};

/* The weights a lookup can produce, by code: 1/(rank + 1) for the two senses, halved for a
 * hypernym. */
static const float wt_weights[] = {1.0f, 0.5f, 0.25f};

/* The particles core/embed_local joins to the previous word ("pay back"). A collocation with
 * another second word is not in the table and goes to the library. */
static const char *const wt_particles[] = {"away", "back", "down", "in", "off",
                                           "on",   "out",  "over", "up"};

struct wt_header {
    char magic[8];       /* "CCAWNTBL" */
    uint32_t version;    /* WT_VERSION */
    uint32_t byte_order; /* WT_BYTE_ORDER as the writer stored it */
    uint64_t fingerprint;
    uint32_t word_count;
    uint32_t list_len; /* u32 in the lists */
    uint32_t pool_len; /* bytes, the last one NUL */
    uint32_t reserved[3];
};

struct wt_word {
    uint32_t key;  /* offset in the pool */
    uint32_t list; /* index in the lists */
};

struct wordnet_table {
    void *map;
    size_t map_len;
    const struct wt_word *words;
    uint32_t word_count;
    const uint32_t *lists;
    uint32_t list_len;
    const char *pool;
    uint32_t pool_len;
};

static uint64_t wt_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h ^ (h >> 31);
}

/* The fingerprint of the data (from core/wordnet) mixed with what decides which words the
 * table covers, so a table made under other rules is stale. */
static uint64_t wt_stamp(uint64_t fingerprint)
{
    uint64_t h = fingerprint;
    for (size_t i = 0; i < sizeof wt_particles / sizeof wt_particles[0]; i++)
        h = (h ^ wt_hash(wt_particles[i], strlen(wt_particles[i]) + 1)) * 1099511628211ull;
    return h;
}

/* ---- reading ------------------------------------------------------------------------ */

struct wordnet_table *wordnet_table_open(const char *path, uint64_t fingerprint)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(struct wt_header))
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    size_t len = (size_t)st.st_size;
    struct wt_header h;
    memcpy(&h, map, sizeof h);
    /* The sizes come from the file: add them up in 64 bits before trusting any. */
    uint64_t need = (uint64_t)sizeof h + (uint64_t)h.word_count * sizeof(struct wt_word) +
                    (uint64_t)h.list_len * sizeof(uint32_t) + h.pool_len;
    const char *base = map;
    if (memcmp(h.magic, "CCAWNTBL", 8) != 0 || h.version != WT_VERSION ||
        h.byte_order != WT_BYTE_ORDER || h.fingerprint != wt_stamp(fingerprint) || need != len ||
        h.pool_len == 0 || base[len - 1] != '\0') {
        munmap(map, len);
        return NULL;
    }
    struct wordnet_table *t = xcalloc(1, sizeof *t);
    t->map = map;
    t->map_len = len;
    t->words = (const struct wt_word *)(const void *)(base + sizeof h);
    t->word_count = h.word_count;
    t->lists =
        (const uint32_t *)(const void *)(base + sizeof h + (size_t)h.word_count * sizeof *t->words);
    t->list_len = h.list_len;
    t->pool = base + (len - h.pool_len);
    t->pool_len = h.pool_len;
    return t;
}

void wordnet_table_free(struct wordnet_table *t)
{
    if (!t)
        return;
    munmap(t->map, t->map_len);
    free(t);
}

size_t wordnet_table_find(const struct wordnet_table *t, const char *word,
                          struct wordnet_term out[WORDNET_MAX_TERMS])
{
    uint32_t lo = 0, hi = t->word_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t key = t->words[mid].key;
        if (key >= t->pool_len)
            return 0; /* damaged */
        int c = strcmp(t->pool + key, word);
        if (c < 0) {
            lo = mid + 1;
            continue;
        }
        if (c > 0) {
            hi = mid;
            continue;
        }
        uint32_t at = t->words[mid].list;
        if (at >= t->list_len)
            return 0;
        uint32_t count = t->lists[at];
        if (count > WORDNET_MAX_TERMS || count > t->list_len - at - 1)
            return 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t term = t->lists[at + 1 + i];
            uint32_t lemma = term >> 2, code = term & 3u;
            if (lemma >= t->pool_len || code >= sizeof wt_weights / sizeof wt_weights[0])
                return 0;
            out[i].lemma = t->pool + lemma;
            out[i].weight = wt_weights[code];
        }
        return count;
    }
    return 0;
}

/* ---- coverage ----------------------------------------------------------------------- */

static bool wt_is_particle(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof wt_particles / sizeof wt_particles[0]; i++)
        if (strlen(wt_particles[i]) == len && memcmp(wt_particles[i], s, len) == 0)
            return true;
    return false;
}

/* Lowercase letters, alone or followed by '_' and a particle, 2..63 bytes. */
static bool wt_is_covered(const char *s, size_t len)
{
    if (len < 2 || len >= WT_WORD_MAX)
        return false;
    size_t letters = 0;
    while (letters < len && s[letters] >= 'a' && s[letters] <= 'z')
        letters++;
    if (letters == len)
        return true;
    return letters > 0 && s[letters] == '_' && wt_is_particle(s + letters + 1, len - letters - 1);
}

bool wordnet_table_covers(const char *word)
{
    return wt_is_covered(word, strlen(word));
}

/* Interned strings with dense ids (open addressing on id + 1). */
struct wt_strtab {
    char **str;
    size_t count;
    size_t cap;
    uint32_t *slots;
    size_t slot_cap; /* power of two */
};

static void wt_strtab_init(struct wt_strtab *t)
{
    memset(t, 0, sizeof *t);
    t->slot_cap = 1 << 12;
    t->slots = xcalloc(t->slot_cap, sizeof *t->slots);
}

static void wt_strtab_cleanup(struct wt_strtab *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->str[i]);
    free(t->str);
    free(t->slots);
}

/* The slot holding s[0..len), or the empty slot where it would go. */
static size_t wt_strtab_slot(const struct wt_strtab *t, const char *s, size_t len)
{
    size_t mask = t->slot_cap - 1;
    size_t at = (size_t)wt_hash(s, len) & mask;
    while (t->slots[at]) {
        const char *o = t->str[t->slots[at] - 1];
        if (strncmp(o, s, len) == 0 && o[len] == '\0')
            break;
        at = (at + 1) & mask;
    }
    return at;
}

/* The id of s, or UINT32_MAX when it was never interned. */
static uint32_t wt_strtab_find(const struct wt_strtab *t, const char *s, size_t len)
{
    size_t at = wt_strtab_slot(t, s, len);
    return t->slots[at] ? t->slots[at] - 1 : UINT32_MAX;
}

static uint32_t wt_strtab_intern(struct wt_strtab *t, const char *s, size_t len)
{
    size_t at = wt_strtab_slot(t, s, len);
    if (t->slots[at])
        return t->slots[at] - 1;
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->str = xreallocarray(t->str, t->cap, sizeof *t->str);
    }
    uint32_t id = (uint32_t)t->count++;
    t->str[id] = xstrndup(s, len);
    t->slots[at] = id + 1;
    if (t->count * 2 > t->slot_cap) {
        free(t->slots);
        t->slot_cap *= 2;
        t->slots = xcalloc(t->slot_cap, sizeof *t->slots);
        for (size_t i = 0; i < t->count; i++)
            t->slots[wt_strtab_slot(t, t->str[i], strlen(t->str[i]))] = (uint32_t)i + 1;
    }
    return id;
}

/* The suffix rules of the library's morphology (morph.c, WordNet 3.0), per part of speech: a
 * form ending in suffix has a base form ending in ending, tried in this order. Adverbs have
 * exception lists only. */
struct wt_rule {
    const char *suffix, *ending;
};
static const struct wt_rule wt_noun_rules[] = {
    {"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
    {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"},
};
static const struct wt_rule wt_verb_rules[] = {
    {"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
    {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""},
};
static const struct wt_rule wt_adj_rules[] = {
    {"er", ""},
    {"est", ""},
    {"er", "e"},
    {"est", "e"},
};

enum wt_part { WT_NOUN, WT_VERB, WT_ADJ, WT_ADV, WT_PARTS };
static const char *const wt_part_names[WT_PARTS] = {"noun", "verb", "adj", "adv"};

/* A small list of forms. */
struct wt_forms {
    char (*v)[WT_WORD_MAX];
    size_t count;
    size_t cap;
};

/* Appends a[0..alen) followed by b, unless too long. */
static void wt_forms_add(struct wt_forms *f, const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen + blen >= WT_WORD_MAX)
        return;
    if (f->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->v = xreallocarray(f->v, f->cap, sizeof *f->v);
    }
    memcpy(f->v[f->count], a, alen);
    memcpy(f->v[f->count] + alen, b, blen + 1);
    f->count++;
}

static bool wt_ends_with(const char *s, size_t len, const char *end)
{
    size_t n = strlen(end);
    return n <= len && memcmp(s + len - n, end, n) == 0;
}

/* Adds every form the suffix rules of part map onto base[0..len) (walking -> walk), including
 * the noun rule for "-ful" compounds, which inflects what precedes "ful"
 * (boxesful -> boxful). */
static void wt_inflect(const char *base, size_t len, enum wt_part part, struct wt_forms *f)
{
    const struct wt_rule *rules = NULL;
    size_t n = 0;
    if (part == WT_NOUN) {
        rules = wt_noun_rules;
        n = sizeof wt_noun_rules / sizeof wt_noun_rules[0];
    } else if (part == WT_VERB) {
        rules = wt_verb_rules;
        n = sizeof wt_verb_rules / sizeof wt_verb_rules[0];
    } else if (part == WT_ADJ) {
        rules = wt_adj_rules;
        n = sizeof wt_adj_rules / sizeof wt_adj_rules[0];
    }
    for (size_t i = 0; i < n; i++)
        if (wt_ends_with(base, len, rules[i].ending))
            wt_forms_add(f, base, len - strlen(rules[i].ending), rules[i].suffix);
    if (part != WT_NOUN || len <= 3 || !wt_ends_with(base, len, "ful"))
        return;
    size_t stem = len - 3;
    for (size_t i = 0; i < n; i++) {
        if (!wt_ends_with(base, stem, rules[i].ending))
            continue;
        char tmp[WT_WORD_MAX];
        size_t cut = stem - strlen(rules[i].ending), sl = strlen(rules[i].suffix);
        if (cut + sl >= sizeof tmp)
            continue;
        memcpy(tmp, base, cut);
        memcpy(tmp + cut, rules[i].suffix, sl + 1);
        wt_forms_add(f, tmp, cut + sl, "ful");
    }
}

/* A data file read whole and split into NUL-terminated lines. */
struct wt_file {
    char *text;
    char **lines;
    size_t line_count;
};

static void wt_file_free(struct wt_file *f)
{
    free(f->text);
    free(f->lines);
    memset(f, 0, sizeof *f);
}

static enum err wt_file_read(const char *dir, const char *name, struct wt_file *f, char *err,
                             size_t err_len)
{
    memset(f, 0, sizeof *f);
    char *path = xasprintf("%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        free(path);
        return ERR_IO;
    }
    size_t cap = 1 << 16, len = 0, got;
    f->text = xmalloc(cap);
    while ((got = fread(f->text + len, 1, cap - len - 1, fp)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            f->text = xrealloc(f->text, cap);
        }
    }
    bool is_ok = !ferror(fp);
    fclose(fp);
    if (!is_ok) {
        snprintf(err, err_len, "%s: read error", path);
        free(path);
        wt_file_free(f);
        return ERR_IO;
    }
    free(path);
    f->text[len] = '\0';
    size_t line_cap = 0;
    for (char *p = f->text; *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (f->line_count == line_cap) {
            line_cap = line_cap ? line_cap * 2 : 4096;
            f->lines = xreallocarray(f->lines, line_cap, sizeof *f->lines);
        }
        f->lines[f->line_count++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    return ERR_OK;
}

/* The exception lists: every (base, form) pair, as base id << 32 | form id, sorted. */
struct wt_exceptions {
    struct wt_strtab strings;
    uint64_t *pairs;
    size_t count;
    size_t cap;
};

static int wt_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Adds the exception-list forms of base[0..len) (paid for pay). */
static void wt_exception_forms(const struct wt_exceptions *e, const char *base, size_t len,
                               struct wt_forms *f)
{
    uint32_t id = wt_strtab_find(&e->strings, base, len);
    if (id == UINT32_MAX)
        return;
    size_t lo = 0, hi = e->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((e->pairs[mid] >> 32) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < e->count && (e->pairs[lo] >> 32) == id; lo++) {
        const char *form = e->strings.str[(uint32_t)e->pairs[lo]];
        wt_forms_add(f, form, strlen(form), "");
    }
}

static void wt_want(struct wt_strtab *words, const char *s, size_t len)
{
    if (wt_is_covered(s, len))
        wt_strtab_intern(words, s, len);
}

/* Reads the four exception lists: each form is a candidate itself. */
static enum err wt_read_exceptions(const char *dir, struct wt_exceptions *e,
                                   struct wt_strtab *words, char *err, size_t err_len)
{
    for (int part = 0; part < WT_PARTS; part++) {
        char name[16];
        snprintf(name, sizeof name, "%s.exc", wt_part_names[part]);
        struct wt_file f;
        enum err rc = wt_file_read(dir, name, &f, err, err_len);
        if (rc != ERR_OK)
            return rc;
        for (size_t i = 0; i < f.line_count; i++) {
            const char *line = f.lines[i];
            size_t klen = strcspn(line, " ");
            wt_want(words, line, klen);
            uint64_t form = wt_strtab_intern(&e->strings, line, klen);
            for (const char *b = line + klen; *b;) {
                b += strspn(b, " ");
                size_t blen = strcspn(b, " ");
                if (blen == 0)
                    continue;
                if (e->count == e->cap) {
                    e->cap = e->cap ? e->cap * 2 : 4096;
                    e->pairs = xreallocarray(e->pairs, e->cap, sizeof *e->pairs);
                }
                e->pairs[e->count++] =
                    (uint64_t)wt_strtab_intern(&e->strings, b, blen) << 32 | form;
                b += blen;
            }
        }
        wt_file_free(&f);
    }
    if (e->count)
        qsort(e->pairs, e->count, sizeof *e->pairs, wt_cmp_u64);
    return ERR_OK;
}

/* The candidates from one index entry of part: the entry, its inflections, and for a
 * two-word entry every inflection or exception form of each word that ends in a particle
 * (the library morphs a collocation word by word, or only its verb before a preposition). */
static void wt_entry_words(const char *entry, size_t len, enum wt_part part,
                           const struct wt_exceptions *e, struct wt_strtab *words,
                           struct wt_forms *a, struct wt_forms *b)
{
    wt_want(words, entry, len);
    a->count = 0;
    wt_inflect(entry, len, part, a);
    for (size_t k = 0; k < a->count; k++)
        wt_want(words, a->v[k], strlen(a->v[k]));

    const char *us = memchr(entry, '_', len);
    if (!us || memchr(us + 1, '_', len - (size_t)(us + 1 - entry)))
        return;
    size_t flen = (size_t)(us - entry), llen = len - flen - 1;
    a->count = 0;
    b->count = 0;
    wt_forms_add(a, entry, flen, "");
    wt_forms_add(b, us + 1, llen, "");
    wt_inflect(entry, flen, part, a);
    wt_inflect(us + 1, llen, part, b);
    wt_exception_forms(e, entry, flen, a);
    wt_exception_forms(e, us + 1, llen, b);
    for (size_t j = 0; j < b->count; j++) {
        size_t blen = strlen(b->v[j]);
        if (!wt_is_particle(b->v[j], blen))
            continue;
        for (size_t i = 0; i < a->count; i++) {
            char colloc[2 * WT_WORD_MAX + 1];
            size_t alen = strlen(a->v[i]);
            memcpy(colloc, a->v[i], alen);
            colloc[alen] = '_';
            memcpy(colloc + alen + 1, b->v[j], blen + 1);
            wt_want(words, colloc, alen + 1 + blen);
        }
    }
}

static int wt_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Why this is every word with a non-empty answer: a lookup answers from an exact index entry
 * in some part of speech, reached from the word itself or from what the library's morphology
 * returns for it, which is the first base of its exception-list line, or a suffix rule applied
 * to the whole string, or (for a collocation) to each word separately, or for a verb before a
 * preposition to the verb alone. Inverting each of those from the entries gives the list;
 * it may hold words whose answer is still empty, which the writer drops. */
enum err wordnet_table_words(const char *dir, char ***words, size_t *count, char *err,
                             size_t err_len)
{
    *words = NULL;
    *count = 0;
    struct wt_strtab found;
    wt_strtab_init(&found);
    struct wt_exceptions e;
    memset(&e, 0, sizeof e);
    wt_strtab_init(&e.strings);
    struct wt_forms a = {0}, b = {0};
    enum err rc = wt_read_exceptions(dir, &e, &found, err, err_len);
    for (int part = 0; rc == ERR_OK && part < WT_PARTS; part++) {
        char name[16];
        snprintf(name, sizeof name, "index.%s", wt_part_names[part]);
        struct wt_file f;
        rc = wt_file_read(dir, name, &f, err, err_len);
        if (rc != ERR_OK)
            break;
        for (size_t i = 0; i < f.line_count; i++) {
            const char *line = f.lines[i];
            size_t len = strcspn(line, " ");
            /* The licence at the top is indented. */
            if (line[0] != ' ' && len > 0 && len < WT_WORD_MAX)
                wt_entry_words(line, len, (enum wt_part)part, &e, &found, &a, &b);
        }
        wt_file_free(&f);
    }
    free(a.v);
    free(b.v);
    free(e.pairs);
    wt_strtab_cleanup(&e.strings);
    if (rc != ERR_OK) {
        wt_strtab_cleanup(&found);
        return rc;
    }
    qsort(found.str, found.count, sizeof *found.str, wt_cmp_str);
    *words = found.str; /* the strings and their array change hands; the slots go */
    *count = found.count;
    free(found.slots);
    return ERR_OK;
}

/* ---- writing ------------------------------------------------------------------------ */

struct wordnet_table_writer {
    struct wt_word *words; /* key: offset among the keys; list: index in lists */
    size_t word_count;
    size_t word_cap;
    char *keys; /* the keys, NUL-terminated, in order */
    size_t keys_len;
    size_t keys_cap;
    size_t last_key; /* offset of the previous key in keys */
    struct wt_strtab lemmas;
    uint32_t *lists; /* count, then count terms (lemma id << 2 | weight code) */
    size_t list_len;
    size_t list_cap;
    uint32_t *list_slots; /* open addressing: list start + 1 */
    size_t list_slot_cap;
    size_t list_count;
};

struct wordnet_table_writer *wordnet_table_writer_new(void)
{
    struct wordnet_table_writer *w = xcalloc(1, sizeof *w);
    wt_strtab_init(&w->lemmas);
    w->list_slot_cap = 1 << 12;
    w->list_slots = xcalloc(w->list_slot_cap, sizeof *w->list_slots);
    return w;
}

void wordnet_table_writer_free(struct wordnet_table_writer *w)
{
    if (!w)
        return;
    free(w->words);
    free(w->keys);
    wt_strtab_cleanup(&w->lemmas);
    free(w->lists);
    free(w->list_slots);
    free(w);
}

size_t wordnet_table_writer_count(const struct wordnet_table_writer *w)
{
    return w->word_count;
}

/* The slot of the list list[0..1 + list[0]), or the empty slot where it would go. */
static size_t wt_list_slot(const struct wordnet_table_writer *w, const uint32_t *list)
{
    size_t bytes = (1 + (size_t)list[0]) * sizeof *list;
    size_t mask = w->list_slot_cap - 1;
    size_t at = (size_t)wt_hash(list, bytes) & mask;
    while (w->list_slots[at] && memcmp(&w->lists[w->list_slots[at] - 1], list, bytes) != 0)
        at = (at + 1) & mask;
    return at;
}

/* The start of an equal list already stored, or of this one stored now. */
static uint32_t wt_list_intern(struct wordnet_table_writer *w, const uint32_t *list)
{
    size_t at = wt_list_slot(w, list);
    if (w->list_slots[at])
        return w->list_slots[at] - 1;
    size_t n = 1 + (size_t)list[0];
    if (w->list_len + n > w->list_cap) {
        w->list_cap = (w->list_cap ? w->list_cap * 2 : 1 << 16) + n;
        w->lists = xreallocarray(w->lists, w->list_cap, sizeof *w->lists);
    }
    uint32_t start = (uint32_t)w->list_len;
    memcpy(w->lists + start, list, n * sizeof *list);
    w->list_len += n;
    w->list_slots[at] = start + 1;
    if (++w->list_count * 2 > w->list_slot_cap) {
        free(w->list_slots);
        w->list_slot_cap *= 2;
        w->list_slots = xcalloc(w->list_slot_cap, sizeof *w->list_slots);
        for (size_t i = 0; i < w->list_len; i += 1 + w->lists[i])
            w->list_slots[wt_list_slot(w, &w->lists[i])] = (uint32_t)i + 1;
    }
    return start;
}

enum err wordnet_table_writer_add(struct wordnet_table_writer *w, const char *word,
                                  const struct wordnet_term *terms, size_t n)
{
    if (n == 0 || n > WORDNET_MAX_TERMS || !*word ||
        (w->word_count && strcmp(w->keys + w->last_key, word) >= 0) ||
        w->word_count >= UINT32_MAX / 2)
        return ERR_INVALID;
    uint32_t list[1 + WORDNET_MAX_TERMS];
    list[0] = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        uint32_t code = 0;
        while (code < 3 && wt_weights[code] != terms[i].weight)
            code++;
        size_t len = strlen(terms[i].lemma);
        if (code == 3 || len == 0)
            return ERR_INVALID;
        list[1 + i] = wt_strtab_intern(&w->lemmas, terms[i].lemma, len) << 2 | code;
    }
    size_t len = strlen(word) + 1;
    if (w->keys_len + len > w->keys_cap) {
        w->keys_cap = (w->keys_cap ? w->keys_cap * 2 : 1 << 16) + len;
        w->keys = xrealloc(w->keys, w->keys_cap);
    }
    if (w->word_count == w->word_cap) {
        w->word_cap = w->word_cap ? w->word_cap * 2 : 4096;
        w->words = xreallocarray(w->words, w->word_cap, sizeof *w->words);
    }
    memcpy(w->keys + w->keys_len, word, len);
    w->last_key = w->keys_len;
    w->words[w->word_count].key = (uint32_t)w->keys_len;
    w->words[w->word_count].list = wt_list_intern(w, list);
    w->word_count++;
    w->keys_len += len;
    return ERR_OK;
}

enum err wordnet_table_writer_finish(struct wordnet_table_writer *w, const char *path,
                                     uint64_t fingerprint, char *err, size_t err_len)
{
    /* The pool: an empty string at 0 (never a key or a lemma), the keys, the lemmas. */
    uint64_t lemma_bytes = 0;
    for (size_t i = 0; i < w->lemmas.count; i++)
        lemma_bytes += strlen(w->lemmas.str[i]) + 1;
    uint64_t pool_len = 1 + (uint64_t)w->keys_len + lemma_bytes;
    if (pool_len >= (1u << 30) || w->list_len >= UINT32_MAX) {
        snprintf(err, err_len, "%s: table too large", path);
        return ERR_TOO_LARGE;
    }
    char *pool = xmalloc((size_t)pool_len);
    uint32_t *lemma_at = xreallocarray(NULL, w->lemmas.count + 1, sizeof *lemma_at);
    pool[0] = '\0';
    memcpy(pool + 1, w->keys, w->keys_len);
    size_t at = 1 + w->keys_len;
    for (size_t i = 0; i < w->lemmas.count; i++) {
        size_t n = strlen(w->lemmas.str[i]) + 1;
        memcpy(pool + at, w->lemmas.str[i], n);
        lemma_at[i] = (uint32_t)at;
        at += n;
    }
    struct wt_word *words = xreallocarray(NULL, w->word_count + 1, sizeof *words);
    for (size_t i = 0; i < w->word_count; i++) {
        words[i].key = w->words[i].key + 1;
        words[i].list = w->words[i].list;
    }
    uint32_t *lists = xreallocarray(NULL, w->list_len + 1, sizeof *lists);
    for (size_t i = 0; i < w->list_len; i += 1 + w->lists[i]) {
        lists[i] = w->lists[i];
        for (uint32_t k = 1; k <= w->lists[i]; k++)
            lists[i + k] = lemma_at[w->lists[i + k] >> 2] << 2 | (w->lists[i + k] & 3u);
    }

    struct wt_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, "CCAWNTBL", 8);
    h.version = WT_VERSION;
    h.byte_order = WT_BYTE_ORDER;
    h.fingerprint = wt_stamp(fingerprint);
    h.word_count = (uint32_t)w->word_count;
    h.list_len = (uint32_t)w->list_len;
    h.pool_len = (uint32_t)pool_len;
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool is_ok = f != NULL;
    if (f) {
        is_ok = fwrite(&h, sizeof h, 1, f) == 1 &&
                fwrite(words, sizeof *words, w->word_count, f) == w->word_count &&
                fwrite(lists, sizeof *lists, w->list_len, f) == w->list_len &&
                fwrite(pool, 1, (size_t)pool_len, f) == (size_t)pool_len;
        is_ok = fclose(f) == 0 && is_ok;
    }
    if (is_ok && rename(tmp, path) != 0)
        is_ok = false;
    if (!is_ok) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(lists);
    free(words);
    free(lemma_at);
    free(pool);
    return is_ok ? ERR_OK : ERR_IO;
}

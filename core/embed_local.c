/* embed_local: the offline feature-hashing embedder. Pure computation over the text plus the
 * WordNet lookups of core/wordnet; per-word features are computed once and cached, so a
 * passage costs one cache probe per word plus the accumulation of its features. */
#include "core/embed_local.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/stem.h"
#include "core/utf8.h"
#include "core/wordnet.h"
#include "core/wordvec.h"

enum {
    EL_WORD_MAX = 48,          /* bytes; longer tokens (URLs, hashes, base64) are ignored */
    EL_NGRAM_MIN = 3,
    EL_NGRAM_MAX = 5,
    EL_CACHE_WORDS = 65536,    /* cached words before the cache starts over */
};

/* Relative weights of the feature families. A word's own stem counts 1, its character
 * n-grams together half a word (near-misses, typos, compounds), and its WordNet lemmas
 * together as much as the word: spread over up to 16 lemmas, each stays small, so exact
 * matches still win while paraphrases ("vacation"/"holiday") meet. Tuned on tests/eval. */
#define EL_W_WORD 1.0f
#define EL_W_BIGRAM 0.5f
#define EL_W_NGRAMS 0.5f
#define EL_W_WORDNET 1.0f
/* With the word vectors (core/wordvec), the last WORDVEC_DIM dimensions hold the meaning part:
 * the sum of the text's content words' GloVe vectors, each weighted by smooth inverse frequency
 * (wordvec_weight), less its component along the direction all texts share (wordvec_common),
 * so that unrelated passages are not alike merely for being English. Each part is
 * scaled to unit length and the two are weighted so that the cosine of two texts is
 * EL_W_MEANING * (meaning cosine) + (1 - EL_W_MEANING) * (hashed-feature cosine). Chosen on the
 * tuning questions of tests/eval (0.3, 0.5, 0.7 measured; the meaning part alone is worse). */
#define EL_W_MEANING 0.7

/* Hash namespaces keep a word, a bigram and an n-gram with the same bytes apart. */
enum el_ns { EL_NS_WORD = 1, EL_NS_BIGRAM, EL_NS_NGRAM, EL_NS_LEMMA, EL_NS_EMPTY };

struct el_feat {
    uint64_t h;
    float w;
};

struct el_word {
    char *word;         /* the normalised token (cache key) */
    size_t len;
    uint64_t stem_hash; /* for bigrams */
    uint32_t first;     /* features in el->feats */
    uint32_t count;
    bool is_stop;
    bool is_alpha;      /* a-z only: eligible for WordNet collocations */
    uint32_t dense;     /* its weighted word vector in el->dense, or EL_NO_DENSE */
};

#define EL_NO_DENSE UINT32_MAX

struct el_slot {
    uint64_t h;
    float sum;
    uint32_t count; /* 0 = empty */
};

struct embed_local {
    int dim;
    struct wordnet *wn; /* NULL when WordNet is off or unavailable */
    struct wordvec *wv; /* NULL when the word vectors are unavailable */
    int lex_dim;        /* buckets of the hashed features; the rest holds the meaning part */
    float *dense;       /* cached weighted word vectors, WORDVEC_DIM floats each */
    size_t dense_count;
    size_t dense_cap;
    float acc_dense[WORDVEC_DIM]; /* the text's weighted sum (zero without word vectors) */

    struct el_word *words;
    size_t word_count;
    size_t word_cap;
    uint32_t *word_slots; /* open addressing: index + 1, 0 = empty */
    size_t word_slot_cap;
    struct el_feat *feats;
    size_t feat_count;
    size_t feat_cap;

    struct el_slot *acc; /* feature accumulator for the text being embedded */
    size_t acc_cap;
    uint32_t *acc_used;  /* occupied slots, to clear them cheaply */
    size_t acc_used_count;
};

/* ---- hashing ------------------------------------------------------------------------ */

static uint64_t el_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t el_hash(enum el_ns ns, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ ((uint64_t)ns * 0x9e3779b97f4a7c15ull);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    h = el_mix(h);
    return h ? h : 1;
}

/* ---- normalisation ------------------------------------------------------------------ */

static const char *const el_stopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "aren", "arent", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "cannot", "cant", "could", "couldn", "couldnt",
    "did", "didn", "didnt", "do", "does", "doesn", "doesnt", "doing", "don", "dont", "during",
    "each", "either", "else", "etc", "even", "ever", "every", "few", "for", "from", "further",
    "get", "gets", "got", "had", "hadn", "has", "hasn", "hasnt", "have", "haven", "havent",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however",
    "i", "if", "in", "into", "is", "isn", "isnt", "it", "its", "itself", "just", "let", "lets",
    "ll", "may", "me", "might", "more", "most", "much", "must", "mustn", "my", "myself", "need",
    "needs", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "or",
    "other", "others", "our", "ours", "ourselves", "out", "over", "own", "per", "please",
    "quite", "rather", "re", "really", "same", "shall", "shan", "she", "should", "shouldn",
    "so", "some", "such", "than", "that", "thats", "the", "their", "theirs", "them",
    "themselves", "then", "there", "therefore", "these", "they", "thing", "things", "this",
    "those", "though", "through", "thus", "to", "too", "under", "until", "up", "upon", "us",
    "ve", "very", "via", "was", "wasn", "we", "were", "weren", "what", "whatever", "when",
    "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "within", "without", "won", "wont", "would", "wouldn", "yes", "yet", "you", "your", "yours",
    "yourself", "yourselves",
};

static int el_strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool el_is_stopword(const char *word)
{
    return bsearch(&word, el_stopwords, sizeof el_stopwords / sizeof el_stopwords[0],
                   sizeof el_stopwords[0], el_strcmp_ptr) != NULL;
}

/* Particles that turn the previous word into a WordNet collocation ("pay back", "time off"). */
static bool el_is_particle(const char *w, size_t len)
{
    static const char *const particles[] = {"away", "back", "down", "in", "off",
                                            "on",   "out",  "over", "up"};
    for (size_t i = 0; i < sizeof particles / sizeof particles[0]; i++)
        if (strlen(particles[i]) == len && memcmp(particles[i], w, len) == 0)
            return true;
    return false;
}

/* Latin Extended-A (U+0100..U+017F) folded to its base letter. */
static const char el_latin_ext_a[] = "aaaaaa"
                                     "cccccccc"
                                     "dddd"
                                     "eeeeeeeeee"
                                     "gggggggg"
                                     "hhhh"
                                     "iiiiiiiiii"
                                     "ii"
                                     "jj"
                                     "kkk"
                                     "llllllllll"
                                     "nnnnnnnnn"
                                     "oooooo"
                                     "oo"
                                     "rrrrrr"
                                     "ssssssss"
                                     "tttttt"
                                     "uuuuuuuuuuuu"
                                     "ww"
                                     "yyy"
                                     "zzzzzz"
                                     "s";
_Static_assert(sizeof el_latin_ext_a == 129, "one letter per code point U+0100..U+017F");

/* Latin-1 letters U+00C0..U+00FF folded to ASCII; "" marks the two symbols in the block. */
static const char *const el_latin1[64] = {
    "a", "a", "a", "a", "a",  "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o",  "o", "o",  "",   "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a",  "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o",  "o", "o",  "",   "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Writes the lowercase, accent-folded form of a word character into out and returns its
 * length; 0 when cp separates words. */
static size_t el_fold(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            out[0] = (char)(cp - 'A' + 'a');
            return 1;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            out[0] = (char)cp;
            return 1;
        }
        return 0;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        const char *s = el_latin1[cp - 0xC0];
        size_t n = strlen(s);
        memcpy(out, s, n);
        return n;
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        out[0] = el_latin_ext_a[cp - 0x100];
        return 1;
    }
    if (cp >= 0x391 && cp <= 0x3A9)
        return utf8_encode(cp + 0x20, out); /* Greek capitals */
    if (cp >= 0x410 && cp <= 0x42F)
        return utf8_encode(cp + 0x20, out); /* Cyrillic capitals */
    if (cp >= 0x400 && cp <= 0x40F)
        return utf8_encode(cp + 0x50, out);
    bool is_letter = (cp >= 0x180 && cp <= 0x24F) || (cp >= 0x3AC && cp <= 0x3FF) ||
                     (cp >= 0x430 && cp <= 0x4FF) || (cp >= 0x531 && cp <= 0x587) ||
                     (cp >= 0x5D0 && cp <= 0x5EA) || (cp >= 0x620 && cp <= 0x64A) ||
                     (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                     (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF);
    return is_letter ? utf8_encode(cp, out) : 0;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

enum err embed_local_new(int dim, bool use_wordnet, struct embed_local **out)
{
    *out = NULL;
    if (dim < 1 || dim > EMBED_LOCAL_MAX_DIM)
        return ERR_INVALID;
    struct embed_local *el = xcalloc(1, sizeof *el);
    el->dim = dim;
    if (use_wordnet) {
        el->wn = wordnet_new();
        if (!wordnet_is_available(el->wn)) {
            wordnet_free(el->wn);
            el->wn = NULL;
        }
    }
    el->lex_dim = dim;
    if (use_wordnet && dim >= 4 * WORDVEC_DIM) {
        el->wv = el->wn ? wordvec_new() : NULL;
        if (el->wv)
            el->lex_dim = dim - WORDVEC_DIM;
    }
    el->word_slot_cap = 4096;
    el->word_slots = xcalloc(el->word_slot_cap, sizeof *el->word_slots);
    el->acc_cap = 4096;
    el->acc = xcalloc(el->acc_cap, sizeof *el->acc);
    el->acc_used = xcalloc(el->acc_cap, sizeof *el->acc_used);
    *out = el;
    return ERR_OK;
}

static void el_cache_clear(struct embed_local *el)
{
    for (size_t i = 0; i < el->word_count; i++)
        free(el->words[i].word);
    el->word_count = 0;
    el->feat_count = 0;
    el->dense_count = 0;
    memset(el->word_slots, 0, el->word_slot_cap * sizeof *el->word_slots);
}

void embed_local_free(struct embed_local *el)
{
    if (!el)
        return;
    el_cache_clear(el);
    free(el->words);
    free(el->word_slots);
    free(el->feats);
    free(el->acc);
    free(el->acc_used);
    free(el->dense);
    wordvec_free(el->wv);
    wordnet_free(el->wn);
    free(el);
}

const char *embed_local_model(const struct embed_local *el)
{
    return el->wv ? EMBED_LOCAL_MODEL : el->wn ? EMBED_LOCAL_MODEL_WORDNET
                                               : EMBED_LOCAL_MODEL_LEXICAL;
}

int embed_local_dim(const struct embed_local *el)
{
    return el->dim;
}

bool embed_local_has_wordnet(const struct embed_local *el)
{
    return el->wn != NULL;
}

bool embed_local_has_wordvec(const struct embed_local *el)
{
    return el->wv != NULL;
}

/* ---- per-word features (cached) ----------------------------------------------------- */

static void el_feat_push(struct embed_local *el, uint64_t h, float w)
{
    if (el->feat_count == el->feat_cap) {
        el->feat_cap = el->feat_cap ? el->feat_cap * 2 : 4096;
        el->feats = xreallocarray(el->feats, el->feat_cap, sizeof *el->feats);
    }
    el->feats[el->feat_count].h = h;
    el->feats[el->feat_count].w = w;
    el->feat_count++;
}

static void el_push_lemmas(struct embed_local *el, const struct wordnet_term *terms, size_t n,
                           void (*push)(struct embed_local *, uint64_t, float))
{
    float sumsq = 0;
    for (size_t i = 0; i < n; i++)
        sumsq += terms[i].weight * terms[i].weight;
    if (sumsq <= 0)
        return;
    float scale = EL_W_WORDNET / sqrtf(sumsq);
    for (size_t i = 0; i < n; i++)
        push(el, el_hash(EL_NS_LEMMA, terms[i].lemma, strlen(terms[i].lemma)),
             terms[i].weight * scale);
}

static void el_word_features(struct embed_local *el, struct el_word *w)
{
    const char *word = w->word;
    size_t len = w->len;
    bool is_digits = true;
    w->is_alpha = true;
    for (size_t i = 0; i < len; i++) {
        if (word[i] < '0' || word[i] > '9')
            is_digits = false;
        if (word[i] < 'a' || word[i] > 'z')
            w->is_alpha = false;
    }
    w->is_stop = el_is_stopword(word);
    w->first = (uint32_t)el->feat_count;
    w->dense = EL_NO_DENSE;
    if (w->is_stop)
        return;
    if (el->wv && !is_digits) {
        if (el->dense_count == el->dense_cap) {
            el->dense_cap = el->dense_cap ? el->dense_cap * 2 : 1024;
            el->dense = xreallocarray(el->dense, el->dense_cap * WORDVEC_DIM, sizeof *el->dense);
        }
        float *v = el->dense + el->dense_count * WORDVEC_DIM;
        long rank = wordvec_find(el->wv, word, len, v);
        if (rank >= 0) {
            float wt = (float)wordvec_weight(rank);
            for (int i = 0; i < WORDVEC_DIM; i++)
                v[i] *= wt;
            w->dense = (uint32_t)el->dense_count++;
        }
    }

    char stem[EL_WORD_MAX + 1];
    memcpy(stem, word, len + 1);
    size_t stem_len = w->is_alpha ? stem_porter(stem, len) : len;
    w->stem_hash = el_hash(EL_NS_WORD, stem, stem_len);
    el_feat_push(el, w->stem_hash, EL_W_WORD);
    if (is_digits)
        goto out;

    /* Character n-grams of "<word>", on code point boundaries. */
    char marked[EL_WORD_MAX + 3];
    size_t marked_len = len + 2;
    marked[0] = '<';
    memcpy(marked + 1, word, len);
    marked[len + 1] = '>';
    size_t bounds[EL_WORD_MAX + 3];
    size_t nb = 0;
    for (size_t i = 0; i < marked_len;) {
        bounds[nb++] = i;
        uint32_t cp;
        i += utf8_decode(marked + i, marked_len - i, &cp);
    }
    bounds[nb] = marked_len; /* nb code points, bounds[0..nb] */
    size_t total = 0;
    for (size_t n = EL_NGRAM_MIN; n <= EL_NGRAM_MAX; n++)
        if (nb >= n)
            total += nb - n + 1;
    if (total > 0) {
        float wn = EL_W_NGRAMS / sqrtf((float)total);
        for (size_t n = EL_NGRAM_MIN; n <= EL_NGRAM_MAX; n++)
            for (size_t i = 0; i + n <= nb; i++)
                el_feat_push(el, el_hash(EL_NS_NGRAM, marked + bounds[i], bounds[i + n] - bounds[i]),
                             wn);
    }

    if (el->wn && w->is_alpha) {
        const struct wordnet_term *terms;
        size_t n = wordnet_lookup(el->wn, word, &terms);
        el_push_lemmas(el, terms, n, el_feat_push);
    }
out:
    w->count = (uint32_t)el->feat_count - w->first;
}

static uint64_t el_key_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h ^ (h >> 31);
}

static void el_word_slots_grow(struct embed_local *el)
{
    free(el->word_slots);
    el->word_slot_cap *= 2;
    el->word_slots = xcalloc(el->word_slot_cap, sizeof *el->word_slots);
    size_t mask = el->word_slot_cap - 1;
    for (size_t i = 0; i < el->word_count; i++) {
        size_t at = el_key_hash(el->words[i].word, el->words[i].len) & mask;
        while (el->word_slots[at])
            at = (at + 1) & mask;
        el->word_slots[at] = (uint32_t)i + 1;
    }
}

/* The cached entry for a normalised token; returns its index. */
static size_t el_word_get(struct embed_local *el, const char *tok, size_t len)
{
    size_t mask = el->word_slot_cap - 1;
    size_t at = el_key_hash(tok, len) & mask;
    while (el->word_slots[at]) {
        const struct el_word *w = &el->words[el->word_slots[at] - 1];
        if (w->len == len && memcmp(w->word, tok, len) == 0)
            return el->word_slots[at] - 1;
        at = (at + 1) & mask;
    }
    if (el->word_count == el->word_cap) {
        el->word_cap = el->word_cap ? el->word_cap * 2 : 1024;
        el->words = xreallocarray(el->words, el->word_cap, sizeof *el->words);
    }
    size_t idx = el->word_count++;
    struct el_word *w = &el->words[idx];
    memset(w, 0, sizeof *w);
    w->word = xstrndup(tok, len);
    w->len = len;
    el_word_features(el, w);
    if (el->word_count * 2 > el->word_slot_cap)
        el_word_slots_grow(el);
    else
        el->word_slots[at] = (uint32_t)idx + 1;
    return idx;
}

/* ---- accumulation ------------------------------------------------------------------- */

static void el_acc_grow(struct embed_local *el)
{
    struct el_slot *old = el->acc;
    size_t old_cap = el->acc_cap;
    el->acc_cap *= 2;
    el->acc = xcalloc(el->acc_cap, sizeof *el->acc);
    el->acc_used = xreallocarray(el->acc_used, el->acc_cap, sizeof *el->acc_used);
    el->acc_used_count = 0;
    size_t mask = el->acc_cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].count)
            continue;
        size_t at = old[i].h & mask;
        while (el->acc[at].count)
            at = (at + 1) & mask;
        el->acc[at] = old[i];
        el->acc_used[el->acc_used_count++] = (uint32_t)at;
    }
    free(old);
}

static void el_acc_add(struct embed_local *el, uint64_t h, float w)
{
    if ((el->acc_used_count + 1) * 2 > el->acc_cap)
        el_acc_grow(el);
    size_t mask = el->acc_cap - 1;
    size_t at = h & mask;
    while (el->acc[at].count && el->acc[at].h != h)
        at = (at + 1) & mask;
    if (!el->acc[at].count) {
        el->acc[at].h = h;
        el->acc[at].sum = 0;
        el->acc_used[el->acc_used_count++] = (uint32_t)at;
    }
    el->acc[at].sum += w;
    el->acc[at].count++;
}

static void el_acc_word(struct embed_local *el, size_t idx)
{
    const struct el_word *w = &el->words[idx];
    for (uint32_t i = 0; i < w->count; i++)
        el_acc_add(el, el->feats[w->first + i].h, el->feats[w->first + i].w);
}

static void el_collocation(struct embed_local *el, size_t prev, const char *tok, size_t len)
{
    const struct el_word *p = &el->words[prev];
    if (!el->wn || !p->is_alpha || p->is_stop || p->len + 1 + len >= 64)
        return;
    char colloc[64];
    memcpy(colloc, p->word, p->len);
    colloc[p->len] = '_';
    memcpy(colloc + p->len + 1, tok, len);
    colloc[p->len + 1 + len] = '\0';
    const struct wordnet_term *terms;
    size_t n = wordnet_lookup(el->wn, colloc, &terms);
    el_push_lemmas(el, terms, n, el_acc_add);
}

/* ---- the text ----------------------------------------------------------------------- */

struct el_state {
    size_t prev_raw;     /* previous token (stopword or not), SIZE_MAX at start */
    size_t prev_content; /* previous non-stopword token, SIZE_MAX at start */
};

static void el_token(struct embed_local *el, struct el_state *st, const char *tok, size_t len)
{
    if (len < 2 && (unsigned char)tok[0] < 0x80)
        return; /* single letters and digits carry nothing */
    if (st->prev_raw != SIZE_MAX && el_is_particle(tok, len))
        el_collocation(el, st->prev_raw, tok, len);
    size_t idx = el_word_get(el, tok, len);
    st->prev_raw = idx;
    if (el->words[idx].is_stop)
        return;
    el_acc_word(el, idx);
    if (el->words[idx].dense != EL_NO_DENSE) {
        const float *v = el->dense + (size_t)el->words[idx].dense * WORDVEC_DIM;
        for (int i = 0; i < WORDVEC_DIM; i++)
            el->acc_dense[i] += v[i];
    }
    if (st->prev_content != SIZE_MAX) {
        uint64_t a = el->words[st->prev_content].stem_hash;
        uint64_t b = el->words[idx].stem_hash;
        uint64_t h = el_mix(a * 0x9e3779b97f4a7c15ull ^ b ^ ((uint64_t)EL_NS_BIGRAM << 56));
        el_acc_add(el, h ? h : 1, EL_W_BIGRAM);
    }
    st->prev_content = idx;
}

static bool el_is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019;
}

void embed_local_text(struct embed_local *el, const char *text, size_t len, float *out)
{
    /* The cache only starts over between texts, so indices stay valid within one. */
    if (el->word_count >= EL_CACHE_WORDS)
        el_cache_clear(el);

    struct el_state st = {SIZE_MAX, SIZE_MAX};
    memset(el->acc_dense, 0, sizeof el->acc_dense);
    char tok[EL_WORD_MAX + 4];
    size_t tlen = 0;
    bool is_too_long = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        char folded[4];
        size_t flen = el_fold(cp, folded);
        if (flen) {
            if (tlen + flen <= EL_WORD_MAX) {
                memcpy(tok + tlen, folded, flen);
                tlen += flen;
            } else {
                is_too_long = true;
            }
            i += n;
            continue;
        }
        if (el_is_apostrophe(cp) && tlen > 0 && i + n < len) {
            /* "don't" joins into "dont"; a possessive "'s" is dropped. */
            uint32_t next, after = ' ';
            size_t n2 = utf8_decode(text + i + n, len - i - n, &next);
            char tmp[4];
            if (i + n + n2 < len)
                utf8_decode(text + i + n + n2, len - i - n - n2, &after);
            if ((next == 's' || next == 'S') && el_fold(after, tmp) == 0) {
                i += n + n2;
            } else if (el_fold(next, tmp) != 0) {
                i += n;
                continue;
            } else {
                i += n;
            }
        } else {
            i += n;
        }
        if (tlen && !is_too_long) {
            tok[tlen] = '\0';
            el_token(el, &st, tok, tlen);
        }
        tlen = 0;
        is_too_long = false;
    }
    if (tlen && !is_too_long) {
        tok[tlen] = '\0';
        el_token(el, &st, tok, tlen);
    }

    for (int d = 0; d < el->dim; d++)
        out[d] = 0.0f;
    if (el->acc_used_count == 0)
        el_acc_add(el, el_hash(EL_NS_EMPTY, "", 0), 1.0f);
    uint64_t dim = (uint64_t)el->lex_dim;
    for (size_t i = 0; i < el->acc_used_count; i++) {
        struct el_slot *s = &el->acc[el->acc_used[i]];
        float v = (s->sum / (float)s->count) * (1.0f + logf((float)s->count));
        size_t bucket = (size_t)(((s->h >> 32) * dim) >> 32);
        out[bucket] += (s->h & 1) ? -v : v;
        s->count = 0;
    }
    el->acc_used_count = 0;

    double norm = 0;
    for (int d = 0; d < el->lex_dim; d++)
        norm += (double)out[d] * out[d];
    if (norm <= 0) {
        /* Every feature cancelled out in its bucket: vanishingly rare, still a unit vector. */
        out[0] = 1.0f;
        return;
    }
    if (el->wv) {
        const float *c = wordvec_common(el->wv);
        double along = 0;
        for (int i = 0; i < WORDVEC_DIM; i++)
            along += (double)el->acc_dense[i] * c[i];
        for (int i = 0; i < WORDVEC_DIM; i++)
            el->acc_dense[i] -= (float)(along * c[i]);
    }
    double dnorm = 0;
    for (int i = 0; i < WORDVEC_DIM; i++)
        dnorm += (double)el->acc_dense[i] * el->acc_dense[i];
    if (dnorm <= 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (int d = 0; d < el->lex_dim; d++)
            out[d] *= inv;
        return;
    }
    /* Each part at unit length, weighted so that the cosine of two texts is the blend of
     * their lexical and their meaning cosines. */
    float lex = (float)(sqrt(1.0 - EL_W_MEANING) / sqrt(norm));
    for (int d = 0; d < el->lex_dim; d++)
        out[d] *= lex;
    float mean = (float)(sqrt(EL_W_MEANING) / sqrt(dnorm));
    for (int i = 0; i < WORDVEC_DIM; i++)
        out[el->lex_dim + i] = el->acc_dense[i] * mean;
}

/* cloze: sentences from passages, the terms in them, and the blanks and distractors chosen
 * from those terms. Sizes are capped (sentences, terms), so a huge item costs bounded work. */
#include "core/cloze.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/terms.h"
#include "core/utf8.h"

enum {
    SENTENCE_MAX = 2000, /* sentences looked at */
    TERM_MAX = 8192,     /* distinct terms kept */
    OCC_MAX = 48,        /* terms looked at in one sentence */
    SENTENCE_BYTES_MAX = 400,
    WORDS_MIN = 6,
    WORDS_MAX = 45,
    WORD_LEN_MIN = 6, /* a lower-case word shorter than this is not a key term */
};

enum kind { KIND_NUMBER, KIND_NAME, KIND_WORD };

struct term {
    char *key;     /* lower case, for comparing */
    char *text;    /* as first written */
    char stem[64]; /* of the last word (distractors must not be forms of the answer) */
    enum kind kind;
    int df; /* passages it occurs in */
    int tf; /* occurrences in the item */
    size_t last_passage;
};

struct occ {
    size_t term, offset, len; /* in the sentence's text */
};

struct sentence {
    char *text;
    size_t passage;
    size_t words;
    struct occ occ[OCC_MAX];
    size_t occ_count;
};

struct ctx {
    struct term *terms;
    size_t term_count;
    struct sentence *sentences;
    size_t sentence_count;
    size_t passage_count;
};

static uint32_t fnv(const char *s, uint32_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_word_byte(char c)
{
    return is_upper(c) || is_lower(c) || is_digit(c) || (unsigned char)c >= 0x80;
}

/* --- sentences ------------------------------------------------------------------------------ */

/* Appends line (len bytes) without its Markdown marks: list bullets, quote marks, emphasis and
 * code ticks, link targets. */
static void clean_line(struct buf *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
        i++;
    if (i + 1 < len && (s[i] == '-' || s[i] == '*' || s[i] == '+') && s[i + 1] == ' ')
        i += 2;
    size_t d = i;
    while (d < len && is_digit(s[d]))
        d++;
    if (d > i && d + 1 < len && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ')
        i = d + 2;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '*' || c == '`' ||
            (c == '_' &&
             (i == 0 || !is_word_byte(s[i - 1]) || i + 1 == len || !is_word_byte(s[i + 1]))))
            continue;
        if (c == '[' || c == ']')
            continue;
        if (c == '(' && i > 0 && s[i - 1] == ']') { /* [text](target): drop the target */
            while (i < len && s[i] != ')')
                i++;
            continue;
        }
        buf_append_char(b, c == '\t' ? ' ' : c);
    }
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool w = is_word_byte(*s);
        if (w && !in)
            n++;
        in = w;
    }
    return n;
}

static void add_sentence(struct ctx *c, size_t passage, const char *s, size_t len)
{
    while (len && (*s == ' '))
        s++, len--;
    while (len && s[len - 1] == ' ')
        len--;
    if (len < 20 || len > SENTENCE_BYTES_MAX || c->sentence_count >= SENTENCE_MAX)
        return;
    char last = s[len - 1];
    if (last == '?' || last == ':' || last == ',')
        return;
    char *text = utf8_sanitize_line(s, len, NULL);
    size_t words = count_words(text);
    if (words < WORDS_MIN || words > WORDS_MAX) {
        free(text);
        return;
    }
    c->sentences = xreallocarray(c->sentences, c->sentence_count + 1, sizeof *c->sentences);
    struct sentence *x = &c->sentences[c->sentence_count++];
    memset(x, 0, sizeof *x);
    x->text = text;
    x->passage = passage;
    x->words = words;
}

/* Splits one cleaned line into sentences at ". ", "! " or "? " before a capital or digit. */
static void split_sentences(struct ctx *c, size_t passage, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i + 2 < len; i++) {
        if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i + 1] == ' ' &&
            (is_upper(s[i + 2]) || is_digit(s[i + 2]))) {
            /* "e.g. X", "Dr. X": a one or two letter word before the dot is no sentence end */
            size_t w = i;
            while (w > start && is_word_byte(s[w - 1]))
                w--;
            if (s[i] == '.' && i - w <= 2 && i > w && !is_digit(s[i - 1]))
                continue;
            add_sentence(c, passage, s + start, i + 1 - start);
            start = i + 2;
        }
    }
    add_sentence(c, passage, s + start, len - start);
}

static void passage_sentences(struct ctx *c, size_t passage, const char *text)
{
    size_t len = strlen(text);
    struct buf para;
    buf_init(&para, 1u << 20);
    bool in_code = false;
    for (size_t at = 0; at <= len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + at;
        size_t n = end - at;
        size_t lead = 0;
        while (lead < n && line[lead] == ' ')
            lead++;
        bool is_fence = n - lead >= 3 && memcmp(line + lead, "```", 3) == 0;
        bool is_blank = lead == n;
        bool is_item = n - lead >= 2 && (line[lead] == '-' || line[lead] == '*' ||
                                         line[lead] == '+' || is_digit(line[lead]));
        bool is_special =
            n > lead && (line[lead] == '#' || line[lead] == '|' || memchr(line, '|', n) != NULL);
        /* a paragraph ends at a blank line, a heading, a list item, a table or code */
        if (is_fence || is_blank || is_item || is_special || in_code) {
            if (para.len)
                split_sentences(c, passage, para.data, para.len);
            buf_reset(&para);
        }
        if (is_fence)
            in_code = !in_code;
        else if (!in_code && !is_blank && !is_special) {
            if (para.len)
                buf_append_char(&para, ' ');
            clean_line(&para, line, n);
        }
        if (!nl)
            break;
        at = end + 1;
    }
    if (para.len)
        split_sentences(c, passage, para.data, para.len);
    buf_cleanup(&para);
}

/* --- terms ------------------------------------------------------------------------------------ */

static size_t term_find(struct ctx *c, const char *key)
{
    for (size_t i = 0; i < c->term_count; i++)
        if (strcmp(c->terms[i].key, key) == 0)
            return i;
    return SIZE_MAX;
}

static size_t term_add(struct ctx *c, const char *text, size_t len, enum kind kind, size_t passage)
{
    char *key = xstrndup(text, len);
    for (char *k = key; *k; k++)
        if (is_upper(*k))
            *k = (char)(*k - 'A' + 'a');
    size_t i = term_find(c, key);
    if (i == SIZE_MAX) {
        if (c->term_count >= TERM_MAX) {
            free(key);
            return SIZE_MAX;
        }
        c->terms = xreallocarray(c->terms, c->term_count + 1, sizeof *c->terms);
        i = c->term_count++;
        struct term *t = &c->terms[i];
        memset(t, 0, sizeof *t);
        t->key = key;
        t->text = xstrndup(text, len);
        t->kind = kind;
        t->last_passage = SIZE_MAX;
        const char *w = strrchr(key, ' ');
        w = w ? w + 1 : key;
        terms_stem(w, strlen(w), t->stem, sizeof t->stem);
    } else {
        free(key);
    }
    struct term *t = &c->terms[i];
    t->tf++;
    if (t->last_passage != passage) {
        t->df++;
        t->last_passage = passage;
    }
    return i;
}

/* Words after which a lower-case word is most likely a noun: "the policy", "your manager". */
static bool is_determiner(const char *w, size_t len)
{
    static const char *const dets[] = {
        "a",     "an",  "the", "your", "our", "their", "its", "this", "these", "those", "each",
        "every", "any", "no",  "some", "of",  "his",   "her", "my",   "all",   "both",  "per"};
    for (size_t i = 0; i < sizeof dets / sizeof dets[0]; i++)
        if (strlen(dets[i]) == len && strncasecmp(dets[i], w, len) == 0)
            return true;
    return false;
}

/* The terms of sentence x: numbers, runs of capitalised words (not the sentence's first word
 * alone, unless it is an acronym) and long lower-case content words after a determiner (so
 * mostly nouns: "the _____ of the policy", not "employees _____ 30 days"). */
static void sentence_terms(struct ctx *c, struct sentence *x)
{
    const char *s = x->text;
    size_t len = strlen(s);
    size_t i = 0;
    bool is_first = true;
    size_t prev_at = 0, prev_len = 0;
    while (i < len && x->occ_count < OCC_MAX) {
        if (!is_word_byte(s[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < len &&
               (is_word_byte(s[i]) ||
                ((s[i] == '-' || s[i] == '\'' || s[i] == '.' || s[i] == ',') && i + 1 < len &&
                 is_word_byte(s[i + 1]) && (s[i] == '-' || s[i] == '\'' || is_digit(s[i - 1])))))
            i++;
        if (i < len && s[i] == '%' && is_digit(s[a]))
            i++;
        size_t z = i;
        bool after_det = prev_len && is_determiner(s + prev_at, prev_len);
        prev_at = a;
        prev_len = z - a;
        bool was_first = is_first;
        is_first = false;
        enum kind kind;
        bool has_upper_inside = false, is_all_caps = true;
        for (size_t k = a; k < z; k++) {
            if (k > a && is_upper(s[k]))
                has_upper_inside = true;
            if (is_lower(s[k]))
                is_all_caps = false;
        }
        if (is_digit(s[a])) {
            kind = KIND_NUMBER;
        } else if (is_upper(s[a]) &&
                   (!was_first || (is_all_caps && z - a >= 2) || has_upper_inside)) {
            kind = KIND_NAME;
            /* join the following capitalised words: "Product Owner", "Sprint Review" */
            while (i + 1 < len && s[i] == ' ' && is_upper(s[i + 1])) {
                size_t j = i + 1;
                while (j < len && (is_word_byte(s[j]) || s[j] == '-'))
                    j++;
                i = j;
                z = j;
            }
        } else if (is_lower(s[a]) && z - a >= WORD_LEN_MIN && after_det) {
            char *w = xstrndup(s + a, z - a);
            bool is_stop = terms_is_stopword(w);
            bool is_plain = true;
            for (char *k = w; *k; k++)
                is_plain &= is_lower(*k) || *k == '-';
            free(w);
            /* participles after a determiner are mostly adjectives ("every working day") */
            bool is_participle = (z - a > 3 && memcmp(s + z - 3, "ing", 3) == 0) ||
                                 (z - a > 2 && memcmp(s + z - 2, "ed", 2) == 0);
            if (is_stop || !is_plain || is_participle)
                continue;
            kind = KIND_WORD;
        } else {
            continue;
        }
        size_t t = term_add(c, s + a, z - a, kind, x->passage);
        if (t == SIZE_MAX)
            continue;
        x->occ[x->occ_count++] = (struct occ){t, a, z - a};
    }
}

/* --- choosing ------------------------------------------------------------------------------ */

static double term_score(const struct ctx *c, size_t t, size_t passage_tf)
{
    const struct term *x = &c->terms[t];
    double idf = log(1.0 + (double)c->passage_count / (double)(x->df ? x->df : 1));
    double weight = x->kind == KIND_NUMBER ? 2.0 : x->kind == KIND_NAME ? 1.4 : 1.0;
    /* a term everywhere in the item is its topic: blanking it asks nothing */
    double spread = x->df * 2 > (int)c->passage_count + 1 && c->passage_count > 2 ? 0.5 : 1.0;
    return (double)passage_tf * idf * weight * spread + strlen(x->key) / 40.0;
}

static size_t passage_tf(const struct ctx *c, size_t t, size_t passage)
{
    size_t n = 0;
    for (size_t i = 0; i < c->sentence_count; i++)
        if (c->sentences[i].passage == passage)
            for (size_t k = 0; k < c->sentences[i].occ_count; k++)
                n += c->sentences[i].occ[k].term == t;
    return n ? n : 1;
}

static bool sentence_has(const struct sentence *x, const struct term *t)
{
    /* by text: the term may be written inside another one ("Sprint Review") */
    size_t kl = strlen(t->key);
    for (const char *p = x->text; *p; p++)
        if (strncasecmp(p, t->key, kl) == 0 && (p == x->text || !is_word_byte(p[-1])) &&
            !is_word_byte(p[kl]))
            return true;
    return false;
}

/* Numbers like the answer when the item has too few of its own: the leading integer changed,
 * the rest kept ("30 days" -> "15 days", "60 days", "31 days"). */
static size_t number_variants(const char *answer, char out[][32], size_t max)
{
    char *end;
    long v = strtol(answer, &end, 10);
    if (end == answer || v < 0 || v > 100000000)
        return 0;
    long cand[] = {v * 2, v / 2, v + 1, v > 1 ? v - 1 : v + 2, v + 10, v * 3};
    size_t n = 0;
    for (size_t i = 0; i < sizeof cand / sizeof cand[0] && n < max; i++) {
        if (cand[i] <= 0 || cand[i] == v)
            continue;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%ld%.16s", cand[i], end);
        tmp[31] = '\0';
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= strcmp(out[k], tmp) == 0;
        if (!dup)
            memcpy(out[n++], tmp, 32);
    }
    return n;
}

/* A rough part of speech from the ending, so that a verb's distractors are verbs. */
static int word_class(const char *key)
{
    static const char *const endings[] = {"ed",   "ing", "ly", "tion", "sion", "ity", "ment",
                                          "ness", "ies", "s",  "able", "ive",  "al",  "ous"};
    size_t len = strlen(key);
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
        size_t n = strlen(endings[i]);
        if (len > n + 2 && strcmp(key + len - n, endings[i]) == 0)
            return (int)i;
    }
    return -1;
}

static int word_count(const char *key)
{
    int n = 1;
    for (; *key; key++)
        n += *key == ' ';
    return n;
}

struct cand {
    size_t term;
    long cost;
};

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost < y->cost ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* Fills q's options for answer term t blanked in sentence x; false when fewer than two
 * distractors exist. */
static bool make_options(struct ctx *c, const struct sentence *x, size_t t,
                         struct cloze_question *q)
{
    const struct term *ans = &c->terms[t];
    struct cand *cands = xcalloc(c->term_count ? c->term_count : 1, sizeof *cands);
    size_t n = 0;
    uint32_t seed = fnv(x->text, 2166136261u);
    for (size_t i = 0; i < c->term_count; i++) {
        const struct term *d = &c->terms[i];
        if (i == t || d->kind != ans->kind || strcmp(d->stem, ans->stem) == 0 ||
            strstr(d->key, ans->key) || strstr(ans->key, d->key) || sentence_has(x, d))
            continue;
        long dl = (long)strlen(d->key) - (long)strlen(ans->key);
        long cost = (dl < 0 ? -dl : dl) * 16 + (long)(fnv(d->key, seed) % 16);
        if (ans->kind == KIND_WORD && word_class(d->key) != word_class(ans->key))
            cost += 400;
        if (ans->kind == KIND_NAME && word_count(d->key) != word_count(ans->key))
            cost += 200;
        cands[n++] = (struct cand){i, cost};
    }
    qsort(cands, n, sizeof *cands, cand_cmp);
    char *opts[CLOZE_OPTIONS_MAX];
    size_t count = 0;
    opts[count++] = xstrdup(ans->text);
    for (size_t i = 0; i < n && count < CLOZE_OPTIONS_MAX; i++) {
        const struct term *d = &c->terms[cands[i].term];
        bool dup = false;
        for (size_t k = 0; k < count; k++)
            dup |= strcasecmp(opts[k], d->text) == 0;
        for (size_t k = 1; k < count && !dup; k++) {
            char st[64];
            const char *w = strrchr(opts[k], ' ');
            w = w ? w + 1 : opts[k];
            char *low = xstrdup(w);
            for (char *p = low; *p; p++)
                if (is_upper(*p))
                    *p = (char)(*p - 'A' + 'a');
            terms_stem(low, strlen(low), st, sizeof st);
            dup |= strcmp(st, d->stem) == 0;
            free(low);
        }
        if (!dup)
            opts[count++] = xstrdup(d->text);
    }
    free(cands);
    if (ans->kind == KIND_NUMBER && count < CLOZE_OPTIONS_MAX) {
        char var[6][32];
        size_t m = number_variants(ans->text, var, 6);
        for (size_t i = 0; i < m && count < CLOZE_OPTIONS_MAX; i++) {
            bool dup = false;
            for (size_t k = 0; k < count; k++)
                dup |= strcmp(opts[k], var[i]) == 0;
            if (!dup)
                opts[count++] = xstrdup(var[i]);
        }
    }
    if (count < 3) {
        for (size_t k = 0; k < count; k++)
            free(opts[k]);
        return false;
    }
    /* the answer's place depends on the sentence, so it is not always first */
    size_t at = seed % count;
    char *a = opts[0];
    memmove(&opts[0], &opts[1], (count - 1) * sizeof *opts);
    memmove(&opts[at + 1], &opts[at], (count - 1 - at) * sizeof *opts);
    opts[at] = a;
    for (size_t k = 0; k < count; k++) {
        q->options[k] = utf8_sanitize_line(opts[k], strlen(opts[k]), NULL);
        free(opts[k]);
    }
    q->option_count = count;
    q->correct = (int)at;
    return true;
}

struct pick {
    size_t sentence, occ;
    double score;
};

static int pick_by_score(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->sentence < y->sentence ? -1 : x->sentence > y->sentence;
}

static int pick_by_place(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    return x->sentence < y->sentence ? -1 : x->sentence > y->sentence;
}

enum err cloze_generate(const char *const *passages, size_t count, size_t max_questions,
                        struct cloze_set *out)
{
    memset(out, 0, sizeof *out);
    struct ctx c = {0};
    c.passage_count = count;
    for (size_t p = 0; p < count; p++)
        if (passages[p])
            passage_sentences(&c, p, passages[p]);
    for (size_t i = 0; i < c.sentence_count; i++)
        sentence_terms(&c, &c.sentences[i]);

    /* the best term of every sentence */
    struct pick *picks = xcalloc(c.sentence_count ? c.sentence_count : 1, sizeof *picks);
    size_t pick_count = 0;
    for (size_t i = 0; i < c.sentence_count; i++) {
        const struct sentence *x = &c.sentences[i];
        double best = 0;
        size_t best_occ = SIZE_MAX;
        for (size_t k = 0; k < x->occ_count; k++) {
            double s = term_score(&c, x->occ[k].term, passage_tf(&c, x->occ[k].term, x->passage));
            if (s > best) {
                best = s;
                best_occ = k;
            }
        }
        if (best_occ == SIZE_MAX)
            continue;
        /* mid-length sentences with several terms say something worth asking */
        double richness = 1.0 + 0.05 * (double)(x->occ_count < 8 ? x->occ_count : 8);
        picks[pick_count++] = (struct pick){i, best_occ, best * richness};
    }
    qsort(picks, pick_count, sizeof *picks, pick_by_score);

    /* take the best, at most two per passage while others have some, one per answer */
    struct pick *chosen = xcalloc(max_questions ? max_questions : 1, sizeof *chosen);
    struct cloze_question *qs = xcalloc(max_questions ? max_questions : 1, sizeof *qs);
    size_t n = 0;
    size_t *per_passage = xcalloc(count ? count : 1, sizeof *per_passage);
    for (int round = 0; round < 2 && n < max_questions; round++) {
        for (size_t i = 0; i < pick_count && n < max_questions; i++) {
            struct pick *p = &picks[i];
            if (p->score < 0)
                continue;
            const struct sentence *x = &c.sentences[p->sentence];
            if (round == 0 && per_passage[x->passage] >= 2)
                continue;
            size_t t = x->occ[p->occ].term;
            bool used = false;
            for (size_t k = 0; k < n; k++)
                used |= c.sentences[chosen[k].sentence].occ[chosen[k].occ].term == t;
            if (used)
                continue;
            struct cloze_question q = {0};
            if (!make_options(&c, x, t, &q)) {
                p->score = -1;
                continue;
            }
            const struct occ *o = &x->occ[p->occ];
            struct buf b;
            buf_init(&b, 4096);
            buf_append(&b, x->text, o->offset);
            for (int k = 0; k < CLOZE_BLANK_LEN; k++)
                buf_append_char(&b, '_');
            buf_append_str(&b, x->text + o->offset + o->len);
            q.question = buf_detach(&b);
            q.answer = xstrndup(x->text + o->offset, o->len);
            q.explanation = xstrdup(x->text);
            p->score = -1;
            chosen[n] = *p;
            qs[n++] = q;
            per_passage[x->passage]++;
        }
    }
    /* in the order the sentences appear */
    size_t *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort by sentence: n is small */
        for (size_t k = i; k > 0 && pick_by_place(&chosen[order[k - 1]], &chosen[order[k]]) > 0;
             k--) {
            size_t tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    out->items = xcalloc(n ? n : 1, sizeof *out->items);
    for (size_t i = 0; i < n; i++)
        out->items[i] = qs[order[i]];
    out->count = n;

    free(order);
    free(per_passage);
    free(chosen);
    free(qs);
    free(picks);
    for (size_t i = 0; i < c.sentence_count; i++)
        free(c.sentences[i].text);
    free(c.sentences);
    for (size_t i = 0; i < c.term_count; i++)
        free(c.terms[i].key), free(c.terms[i].text);
    free(c.terms);
    return ERR_OK;
}

void cloze_set_cleanup(struct cloze_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        struct cloze_question *q = &s->items[i];
        free(q->question), free(q->answer), free(q->explanation);
        for (size_t k = 0; k < q->option_count; k++)
            free(q->options[k]);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* stem: Porter's algorithm, steps 1a-5b, written from the published description
 * (M.F. Porter, "An algorithm for suffix stripping", 1980). Works on one buffer in place. */
#include "core/stem.h"

#include <stdbool.h>
#include <string.h>

struct stem {
    char *b;  /* the word */
    size_t k; /* length of the word */
    size_t j; /* length of the stem before the suffix being tested */
};

static bool stem_is_cons(const struct stem *z, size_t i)
{
    switch (z->b[i]) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
        return false;
    case 'y':
        return i == 0 ? true : !stem_is_cons(z, i - 1);
    default:
        return true;
    }
}

/* m(): the number of vowel-consonant sequences in b[0..j). */
static int stem_measure(const struct stem *z)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (i >= z->j)
            return n;
        if (!stem_is_cons(z, i))
            break;
        i++;
    }
    i++;
    for (;;) {
        for (;;) {
            if (i >= z->j)
                return n;
            if (stem_is_cons(z, i))
                break;
            i++;
        }
        i++;
        n++;
        for (;;) {
            if (i >= z->j)
                return n;
            if (!stem_is_cons(z, i))
                break;
            i++;
        }
        i++;
    }
}

static bool stem_has_vowel(const struct stem *z)
{
    for (size_t i = 0; i < z->j; i++)
        if (!stem_is_cons(z, i))
            return true;
    return false;
}

/* A double consonant ending at position i (inclusive). */
static bool stem_double_cons(const struct stem *z, size_t i)
{
    return i >= 1 && z->b[i] == z->b[i - 1] && stem_is_cons(z, i);
}

/* cvc ending at i where the last c is not w, x or y ("hop" -> "hope"). */
static bool stem_cvc(const struct stem *z, size_t i)
{
    if (i < 2 || !stem_is_cons(z, i) || stem_is_cons(z, i - 1) || !stem_is_cons(z, i - 2))
        return false;
    char ch = z->b[i];
    return ch != 'w' && ch != 'x' && ch != 'y';
}

/* When the word ends with s, sets j to the stem length and returns true. */
static bool stem_ends(struct stem *z, const char *s)
{
    size_t n = strlen(s);
    if (n > z->k || memcmp(z->b + z->k - n, s, n) != 0)
        return false;
    z->j = z->k - n;
    return true;
}

/* Replaces the suffix after j with s. */
static void stem_set_to(struct stem *z, const char *s)
{
    size_t n = strlen(s);
    memcpy(z->b + z->j, s, n);
    z->k = z->j + n;
}

static void stem_replace_if_measured(struct stem *z, const char *s)
{
    if (stem_measure(z) > 0)
        stem_set_to(z, s);
}

/* ---- steps -------------------------------------------------------------------------- */

static void stem_step1ab(struct stem *z)
{
    if (z->b[z->k - 1] == 's') {
        if (stem_ends(z, "sses"))
            z->k -= 2;
        else if (stem_ends(z, "ies"))
            stem_set_to(z, "i");
        else if (z->k >= 2 && z->b[z->k - 2] != 's')
            z->k--;
    }
    if (stem_ends(z, "eed")) {
        if (stem_measure(z) > 0)
            z->k--;
    } else if ((stem_ends(z, "ed") || stem_ends(z, "ing")) && stem_has_vowel(z)) {
        z->k = z->j;
        if (stem_ends(z, "at"))
            stem_set_to(z, "ate");
        else if (stem_ends(z, "bl"))
            stem_set_to(z, "ble");
        else if (stem_ends(z, "iz"))
            stem_set_to(z, "ize");
        else if (stem_double_cons(z, z->k - 1)) {
            char ch = z->b[z->k - 1];
            if (ch != 'l' && ch != 's' && ch != 'z')
                z->k--;
        } else {
            z->j = z->k;
            if (stem_measure(z) == 1 && stem_cvc(z, z->k - 1))
                stem_set_to(z, "e");
        }
    }
}

static void stem_step1c(struct stem *z)
{
    if (stem_ends(z, "y") && stem_has_vowel(z))
        z->b[z->k - 1] = 'i';
}

struct stem_rule {
    const char *suffix;
    const char *replacement;
};

static void stem_apply_rules(struct stem *z, const struct stem_rule *rules, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (stem_ends(z, rules[i].suffix)) {
            stem_replace_if_measured(z, rules[i].replacement);
            return;
        }
    }
}

static void stem_step2(struct stem *z)
{
    static const struct stem_rule rules[] = {
        {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},   {"anci", "ance"},
        {"izer", "ize"},    {"bli", "ble"},     {"alli", "al"},     {"entli", "ent"},
        {"eli", "e"},       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
        {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"}, {"fulness", "ful"},
        {"ousness", "ous"}, {"aliti", "al"},    {"iviti", "ive"},   {"biliti", "ble"},
        {"logi", "log"},
    };
    stem_apply_rules(z, rules, sizeof rules / sizeof rules[0]);
}

static void stem_step3(struct stem *z)
{
    static const struct stem_rule rules[] = {
        {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
        {"ical", "ic"},  {"ful", ""},   {"ness", ""},
    };
    stem_apply_rules(z, rules, sizeof rules / sizeof rules[0]);
}

static void stem_step4(struct stem *z)
{
    static const char *const suffixes[] = {
        "al",  "ance", "ence", "er",  "ic",  "able", "ible", "ant", "ement", "ment",
        "ent", "ion",  "ou",   "ism", "ate", "iti",  "ous",  "ive", "ize",
    };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (!stem_ends(z, suffixes[i]))
            continue;
        /* The table lists "ement" before "ment" before "ent": the longest match is the only
         * one tried, as in the original algorithm. */
        if (strcmp(suffixes[i], "ion") == 0) {
            if (z->j >= 1 && (z->b[z->j - 1] == 's' || z->b[z->j - 1] == 't') &&
                stem_measure(z) > 1)
                z->k = z->j;
            return;
        }
        if (stem_measure(z) > 1)
            z->k = z->j;
        return;
    }
}

static void stem_step5(struct stem *z)
{
    z->j = z->k;
    if (z->b[z->k - 1] == 'e') {
        z->j = z->k - 1;
        int m = stem_measure(z);
        if (m > 1 || (m == 1 && !stem_cvc(z, z->k - 2)))
            z->k--;
    }
    z->j = z->k;
    if (z->b[z->k - 1] == 'l' && stem_double_cons(z, z->k - 1) && stem_measure(z) > 1)
        z->k--;
}

size_t stem_porter(char *word, size_t len)
{
    if (len <= 2)
        return len;
    for (size_t i = 0; i < len; i++)
        if (word[i] < 'a' || word[i] > 'z')
            return len;
    struct stem z = {word, len, 0};
    stem_step1ab(&z);
    if (z.k > 2) {
        stem_step1c(&z);
        stem_step2(&z);
        stem_step3(&z);
        stem_step4(&z);
        stem_step5(&z);
    }
    return z.k;
}

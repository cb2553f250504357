/* lang: counts each profile's function words among the text's words; a letter only one of
 * the languages writes (ß, ñ, ł, ...) counts as one more word for it. */
#include "core/lang.h"

#include <stdbool.h>
#include <string.h>

struct profile {
    const char *name;
    const char *const *words;
    const char *const *letters; /* UTF-8 sequences that mark the language */
};

static const char *const en_words[] = {
    "the", "is", "are", "what", "how", "can", "do", "does", "i", "my", "to", "of", "and",
    "in", "for", "when", "who", "which", "where", "should", "will", "with", "it", "on",
    "a", "an", "be", "have", "there", "get", "much", "many", "if", "we", "our", NULL};
static const char *const de_words[] = {
    "der", "die", "das", "und", "ist", "ich", "nicht", "wie", "viele", "was", "wann", "wo",
    "ein", "eine", "mit", "für", "fur", "auf", "habe", "haben", "kann", "darf", "muss",
    "mein", "meine", "pro", "jahr", "bei", "zu", "den", "dem", "sind", "wer", "welche", NULL};
static const char *const fr_words[] = {
    "le", "la", "les", "de", "des", "du", "et", "est", "je", "ai", "pas", "que", "qui",
    "combien", "comment", "quand", "pour", "avec", "sur", "mon", "ma", "mes", "puis",
    "peux", "dois", "une", "un", "par", "depuis", "au", "aux", "quel", "quelle", NULL};
static const char *const es_words[] = {
    "el", "la", "los", "las", "de", "y", "es", "que", "cuántos", "cuantos", "cómo", "como",
    "cuándo", "puedo", "tengo", "mi", "mis", "para", "por", "con", "una", "un", "desde",
    "del", "qué", "días", "dias", "semana", NULL};
static const char *const nl_words[] = {
    "de", "het", "een", "en", "is", "ik", "niet", "hoe", "veel", "wat", "wanneer", "waar",
    "mijn", "voor", "met", "op", "kan", "mag", "moet", "heb", "hebben", "per", "jaar",
    "welke", "wie", "zijn", "dagen", NULL};
static const char *const pl_words[] = {
    "i", "w", "z", "na", "do", "nie", "jak", "ile", "co", "czy", "kiedy", "mi", "mam",
    "moge", "mogę", "jest", "się", "sie", "tym", "roku", "dni", "dla", "przez", NULL};
static const char *const it_words[] = {
    "il", "lo", "la", "gli", "le", "di", "e", "è", "che", "quanti", "quante", "come",
    "quando", "posso", "ho", "mio", "mia", "per", "con", "una", "un", "giorni", "anno", NULL};
static const char *const pt_words[] = {
    "o", "a", "os", "as", "de", "e", "é", "que", "quantos", "quantas", "como", "quando",
    "posso", "tenho", "meu", "minha", "para", "por", "com", "uma", "um", "dias", "ano",
    "não", "nao", NULL};

static const char *const de_letters[] = {"ß", "ä", "ö", "ü", NULL};
static const char *const fr_letters[] = {"ç", "è", "ê", "à", "ù", "œ", NULL};
static const char *const es_letters[] = {"ñ", "¿", "¡", NULL};
static const char *const pl_letters[] = {"ł", "ą", "ę", "ś", "ż", "ź", "ć", "ń", NULL};
static const char *const pt_letters[] = {"ã", "õ", NULL};
static const char *const none[] = {NULL};

static const struct profile profiles[] = {
    {"en", en_words, none},
    {"German", de_words, de_letters},
    {"French", fr_words, fr_letters},
    {"Spanish", es_words, es_letters},
    {"Dutch", nl_words, none},
    {"Polish", pl_words, pl_letters},
    {"Italian", it_words, none},
    {"Portuguese", pt_words, pt_letters},
};
enum { LANG_COUNT = sizeof profiles / sizeof profiles[0], LANG_WORD_MAX = 32 };

static bool in_list(const char *const *list, const char *w)
{
    for (; *list; list++)
        if (strcmp(*list, w) == 0)
            return true;
    return false;
}

/* Lower-cases ASCII letters; other bytes (UTF-8 letters) are kept as they are. */
static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

const char *lang_guess(const char *text)
{
    if (!text)
        return "en";
    int score[LANG_COUNT] = {0};
    size_t len = strlen(text), i = 0;
    while (i < len) {
        while (i < len && !is_word_byte((unsigned char)text[i]))
            i++;
        size_t start = i;
        while (i < len && is_word_byte((unsigned char)text[i]))
            i++;
        size_t wlen = i - start;
        if (wlen == 0 || wlen >= LANG_WORD_MAX)
            continue;
        char w[LANG_WORD_MAX];
        for (size_t k = 0; k < wlen; k++) {
            char c = text[start + k];
            w[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        w[wlen] = '\0';
        for (size_t p = 0; p < LANG_COUNT; p++)
            score[p] += in_list(profiles[p].words, w);
    }
    for (size_t p = 1; p < LANG_COUNT; p++)
        for (const char *const *l = profiles[p].letters; *l; l++)
            if (strstr(text, *l))
                score[p]++;
    size_t best = 0;
    for (size_t p = 1; p < LANG_COUNT; p++)
        if (score[p] > score[best])
            best = p;
    if (best == 0 || score[best] < 2 || score[best] <= score[0])
        return "en";
    return profiles[best].name;
}

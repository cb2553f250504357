/* json: the project's JSON reader, on cJSON. Every document is copied into a NUL-terminated
 * buffer first so cJSON never reads past what the caller gave, and the tree is freed before
 * returning: no cJSON type leaves this file. */
#include "core/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/mem.h"
#include "core/utf8.h"

/* Parses text (len bytes) as one JSON value with nothing after it; NULL when it is not. */
static enum err parse(const char *text, size_t len, cJSON **out)
{
    *out = NULL;
    if (len > JSON_TEXT_MAX)
        return ERR_TOO_LARGE;
    /* An embedded NUL would make cJSON stop early and accept what precedes it. */
    if (memchr(text, '\0', len))
        return ERR_INVALID;
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    /* The length includes the NUL: cJSON's "require_null_terminated" looks for it. */
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, true);
    free(copy);
    if (!root)
        return ERR_INVALID;
    *out = root;
    return ERR_OK;
}

/* A heap copy of s cut at max bytes (on a character boundary) and made valid UTF-8. */
static char *dup_clean(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len > max) {
        len = max;
        /* Step back over at most three continuation bytes to the start of the character. */
        for (int k = 0; k < 3 && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80; k++)
            len--;
    }
    if (utf8_is_valid(s, len))
        return xstrndup(s, len);
    char *out = xmalloc(len * 3 + 1); /* each bad byte becomes the 3-byte U+FFFD */
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        o += utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return out;
}

/* The string member key of obj, cleaned, or NULL when missing or not a string. */
static char *member_string(const cJSON *obj, const char *key, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v) || !v->valuestring)
        return NULL;
    return dup_clean(v->valuestring, max);
}


enum err json_object_strings(const char *text, size_t len, const char *const *keys,
                             size_t key_count, size_t value_max, char **values)
{
    for (size_t i = 0; i < key_count; i++)
        values[i] = NULL;
    if (!text)
        return ERR_INVALID;
    cJSON *root = NULL;
    enum err e = parse(text, len, &root);
    if (e != ERR_OK)
        return e;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return ERR_INVALID;
    }
    for (size_t i = 0; i < key_count; i++)
        values[i] = member_string(root, keys[i], value_max);
    cJSON_Delete(root);
    return ERR_OK;
}

/* --- read-only document ------------------------------------------------------------------- */

struct json_doc {
    cJSON *root;
};

enum err json_doc_parse(const char *text, size_t len, struct json_doc **out)
{
    *out = NULL;
    cJSON *root = NULL;
    enum err e = parse(text, len, &root);
    if (e != ERR_OK)
        return e;
    *out = xmalloc(sizeof **out);
    (*out)->root = root;
    return ERR_OK;
}

void json_doc_free(struct json_doc *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    free(doc);
}

const struct json_node *json_doc_root(const struct json_doc *doc)
{
    return doc ? (const struct json_node *)doc->root : NULL;
}

const struct json_node *json_get(const struct json_node *n, const char *key)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsObject(j))
        return NULL;
    return (const struct json_node *)cJSON_GetObjectItemCaseSensitive(j, key);
}

size_t json_len(const struct json_node *n)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !(cJSON_IsArray(j) || cJSON_IsObject(j)))
        return 0;
    int k = cJSON_GetArraySize(j);
    return k > 0 ? (size_t)k : 0;
}

const struct json_node *json_at(const struct json_node *n, size_t i)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !(cJSON_IsArray(j) || cJSON_IsObject(j)) || i > (size_t)INT32_MAX)
        return NULL;
    return (const struct json_node *)cJSON_GetArrayItem(j, (int)i);
}

double json_num(const struct json_node *n, double def)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return def;
    return j->valuedouble;
}

int json_bool(const struct json_node *n, int def)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsBool(j))
        return def;
    return cJSON_IsTrue(j) ? 1 : 0;
}

char *json_str_dup(const struct json_node *n, const char *def)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsString(j) || !j->valuestring)
        return def ? xstrdup(def) : NULL;
    char *cut = dup_clean(j->valuestring, JSON_STRING_MAX);
    char *safe = utf8_sanitize(cut, strlen(cut), NULL);
    free(cut);
    return safe;
}

char *json_text_dup(const struct json_node *n, size_t max, size_t *len)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsString(j) || !j->valuestring)
        return NULL;
    char *cut = dup_clean(j->valuestring, max);
    char *safe = utf8_sanitize(cut, strlen(cut), len);
    free(cut);
    return safe;
}

const char *json_key(const struct json_node *n)
{
    const cJSON *j = (const cJSON *)n;
    return j ? j->string : NULL;
}

char *json_str_dup_max(const struct json_node *n, size_t max)
{
    const cJSON *j = (const cJSON *)n;
    if (!j || !cJSON_IsString(j) || !j->valuestring)
        return NULL;
    return dup_clean(j->valuestring, max);
}

int json_is_array(const struct json_node *n)
{
    return n && cJSON_IsArray((const cJSON *)n);
}

int json_is_object(const struct json_node *n)
{
    return n && cJSON_IsObject((const cJSON *)n);
}

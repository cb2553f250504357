/* json: reads back the JSON the project stores itself (the lines of the unsent file, the
 * documents the database returns to the screens) into core structs. Pure: no I/O. The only cJSON user outside
 * core/llm_*.c. Never trusts its input: sizes and counts are capped, a member of the wrong
 * type counts as missing, and strings come out as valid UTF-8 (bad bytes become U+FFFD). */
#ifndef CCA_JSON_H
#define CCA_JSON_H

#include <stddef.h>

#include "core/err.h"

enum {
    JSON_TEXT_MAX = 8u << 20,           /* bytes of one document either parser accepts */
    JSON_STRING_MAX = 256u << 10,       /* bytes json_str_dup keeps of one string */
};

/* Reads the string members named by keys from a JSON object (text, len bytes). values[i]
 * receives a heap string (valid UTF-8, cut at value_max bytes) or NULL when the member is
 * missing or not a string; the caller frees each. ERR_TOO_LARGE when len exceeds
 * JSON_TEXT_MAX, ERR_INVALID when the text is not a JSON object (every values[i] is NULL). */
enum err json_object_strings(const char *text, size_t len, const char *const *keys,
                             size_t key_count, size_t value_max, char **values);

/* --- a read-only document, for the models that read what the database returns as JSON --- */

struct json_doc;
struct json_node; /* a value inside a json_doc; valid until json_doc_free */

/* Parses one JSON value (len bytes, nothing after it). The caller owns *out (json_doc_free).
 * ERR_TOO_LARGE above JSON_TEXT_MAX, ERR_INVALID when it is not JSON. */
enum err json_doc_parse(const char *text, size_t len, struct json_doc **out);
/* NULL is a no-op. */
void json_doc_free(struct json_doc *doc);
const struct json_node *json_doc_root(const struct json_doc *doc);
/* The member key of an object, or NULL (missing, or n is not an object; n may be NULL). */
const struct json_node *json_get(const struct json_node *n, const char *key);
/* The length of an array (0 for anything else), and its element i (NULL out of range). */
size_t json_len(const struct json_node *n);
const struct json_node *json_at(const struct json_node *n, size_t i);
/* The value as a number, def when it is not one (or NULL). */
double json_num(const struct json_node *n, double def);
/* The value as a boolean, def when it is not one. */
int json_bool(const struct json_node *n, int def);
/* A heap copy of a string value made valid UTF-8 with control characters and escape
 * sequences removed (safe to show; the caller frees), or a copy of def (NULL stays NULL)
 * when it is not a string. */
char *json_str_dup(const struct json_node *n, const char *def);
/* Like json_str_dup for long texts (a document body): cut at max bytes instead of the passage
 * cap; *len (may be NULL) gets the length. NULL when n is not a string. */
char *json_text_dup(const struct json_node *n, size_t max, size_t *len);
/* A heap copy of a string value as valid UTF-8 (bad bytes become U+FFFD) cut at max bytes on
 * a character boundary, escapes and controls kept (for storage, not for the screen); NULL
 * when it is not a string. */
char *json_str_dup_max(const struct json_node *n, size_t max);
/* What kind of value n is (0 for NULL). */
int json_is_array(const struct json_node *n);
int json_is_object(const struct json_node *n);
/* The key of an object member reached by json_at over an object, or NULL. */
const char *json_key(const struct json_node *n);

#endif

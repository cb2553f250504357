/* json: reads back the JSON the project stores itself (the sources column of chat_messages,
 * the lines of the unsent file) into core structs. Pure: no I/O. The only cJSON user outside
 * core/llm_*.c. Never trusts its input: sizes and counts are capped, a member of the wrong
 * type counts as missing, and strings come out as valid UTF-8 (bad bytes become U+FFFD). */
#ifndef CCA_JSON_H
#define CCA_JSON_H

#include <stddef.h>

#include "core/err.h"
#include "core/rag.h"

enum {
    JSON_TEXT_MAX = 8u << 20,           /* bytes of one document either parser accepts */
    JSON_SOURCES_COUNT_MAX = 64,        /* sources kept from one array; the rest is ignored */
    JSON_SOURCE_NUMBER_MAX = 999,       /* the largest [n] accepted from the "n" member */
    JSON_SOURCE_FIELD_MAX = 4096,       /* bytes kept of an id, title, heading or path */
    JSON_SOURCE_PASSAGE_MAX = 256u << 10, /* bytes kept of a passage */
};

/* Parses a sources array as core/rag.c stores it:
 *   [{"n", "content_id", "passage_id", "title", "heading", "source_path", "passage",
 *     "similarity", "audience"}, ...]
 * into *out (a heap array the caller frees with json_sources_free) and *out_count. Tolerant:
 * elements that are not objects are skipped; a missing or invalid "n" becomes the element's
 * position (1-based); an element whose number is already taken is skipped; a missing title is
 * "Untitled", missing ids and passage are "", missing heading, source_path and audience are
 * NULL (no audience: everyone, as in sources stored before restricted content existed);
 * similarity outside [0,1] or null is -1 (full-text only). Strings longer than the caps are cut
 * at a character boundary. The stored form keeps no full-text or fused score: fts_score is -1
 * and fused_score 0. text NULL or empty gives no sources. ERR_TOO_LARGE when len exceeds
 * JSON_TEXT_MAX, ERR_INVALID when it is not JSON or not an array; *out is NULL on error. */
enum err json_sources_parse(const char *text, size_t len, struct rag_source **out,
                            size_t *out_count);
/* Frees what json_sources_parse returned; NULL is a no-op. */
void json_sources_free(struct rag_source *s, size_t count);

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
/* The key of an object member reached by json_at over an object, or NULL. */
const char *json_key(const struct json_node *n);

#endif

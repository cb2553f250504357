/* sources: struct source arrays <-> the JSON stored with each answer. Reading goes through
 * core/json's read-only document API, writing through core/json_out. */
#include "core/sources.h"

#include <math.h>
#include <stdlib.h>

#include "core/json.h"
#include "core/json_out.h"
#include "core/log.h"
#include "core/mem.h"

void sources_free(struct source *s, size_t count)
{
    for (size_t i = 0; s && i < count; i++) {
        free(s[i].content_id);
        free(s[i].passage_id);
        free(s[i].title);
        free(s[i].heading);
        free(s[i].source_path);
        free(s[i].text);
        free(s[i].audience);
    }
    free(s);
}

char *sources_to_json(const struct source *s, size_t count)
{
    struct json_out j;
    json_out_init(&j, SOURCES_JSON_MAX);
    json_out_array_begin(&j);
    for (size_t i = 0; i < count; i++) {
        json_out_object_begin(&j);
        json_out_key(&j, "n");
        json_out_int(&j, s[i].number);
        json_out_key(&j, "content_id");
        json_out_string(&j, s[i].content_id);
        json_out_key(&j, "passage_id");
        json_out_string(&j, s[i].passage_id);
        json_out_key(&j, "title");
        json_out_string(&j, s[i].title);
        json_out_key(&j, "heading");
        json_out_string(&j, s[i].heading);
        json_out_key(&j, "source_path");
        json_out_string(&j, s[i].source_path);
        json_out_key(&j, "passage");
        json_out_string(&j, s[i].text);
        if (s[i].audience) { /* absent: everyone (sources stored before 018 have none) */
            json_out_key(&j, "audience");
            json_out_string(&j, s[i].audience);
        }
        if (s[i].is_due_for_review) { /* absent: not due (or stored before 023) */
            json_out_key(&j, "review_due");
            json_out_bool(&j, true);
        }
        json_out_key(&j, "similarity");
        if (s[i].similarity >= 0)
            json_out_number(&j, s[i].similarity);
        else
            json_out_null(&j);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    char *out = NULL;
    if (json_out_finish(&j, &out) != ERR_OK) {
        log_warn("sources: too large to store");
        out = xstrdup("[]");
    }
    json_out_cleanup(&j);
    return out;
}

/* The "n" member when it is a whole number in range, else 0. */
static int member_number(const struct json_node *obj)
{
    double d = json_num(json_get(obj, "n"), 0);
    if (d < 1 || d > SOURCES_NUMBER_MAX || d != floor(d))
        return 0;
    return (int)d;
}

static double member_similarity(const struct json_node *obj)
{
    double d = json_num(json_get(obj, "similarity"), -1);
    return d < 0 || d > 1 ? -1 : d;
}

static char *member_string_or(const struct json_node *obj, const char *key, size_t max,
                              const char *dflt)
{
    char *s = json_str_dup_max(json_get(obj, key), max);
    return s ? s : xstrdup(dflt);
}

static bool number_taken(const struct source *s, size_t count, int n)
{
    for (size_t i = 0; i < count; i++)
        if (s[i].number == n)
            return true;
    return false;
}

enum err sources_from_json(const char *text, size_t len, struct source **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (!text || len == 0)
        return ERR_OK;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!json_is_array(root)) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct source *s = xcalloc(SOURCES_COUNT_MAX, sizeof *s);
    size_t n = 0;
    size_t total = json_len(root);
    for (size_t position = 1; position <= total && n < SOURCES_COUNT_MAX; position++) {
        const struct json_node *item = json_at(root, position - 1);
        if (!json_is_object(item))
            continue;
        int number = member_number(item);
        if (number == 0)
            number = position <= SOURCES_NUMBER_MAX ? (int)position : 0;
        if (number == 0 || number_taken(s, n, number))
            continue;
        s[n++] = (struct source){
            .number = number,
            .content_id = member_string_or(item, "content_id", SOURCES_FIELD_MAX, ""),
            .passage_id = member_string_or(item, "passage_id", SOURCES_FIELD_MAX, ""),
            .title = member_string_or(item, "title", SOURCES_FIELD_MAX, "Untitled"),
            .heading = json_str_dup_max(json_get(item, "heading"), SOURCES_FIELD_MAX),
            .source_path = json_str_dup_max(json_get(item, "source_path"), SOURCES_FIELD_MAX),
            .text = member_string_or(item, "passage", SOURCES_PASSAGE_MAX, ""),
            .audience = json_str_dup_max(json_get(item, "audience"), SOURCES_FIELD_MAX),
            .similarity = member_similarity(item),
            .is_due_for_review = json_bool(json_get(item, "review_due"), 0) == 1,
            .fts_score = -1,
            .fused_score = 0,
        };
    }
    json_doc_free(doc);
    if (n == 0) {
        free(s);
        return ERR_OK;
    }
    *out = s;
    *out_count = n;
    return ERR_OK;
}

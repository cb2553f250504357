/* recommend: the recommendations JSON -> struct recommend_list. */
#include "core/recommend.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

enum { RECOMMEND_MAX = 100 };

static char *line_dup(const struct json_node *n, const char *def)
{
    char *s = json_str_dup(n, def);
    if (!s)
        return NULL;
    char *line = utf8_sanitize_line(s, strlen(s), NULL);
    free(s);
    return line;
}

static void item_cleanup(struct recommend_item *it)
{
    free(it->id);
    free(it->type);
    free(it->item_id);
    free(it->title);
    free(it->reason);
    free(it->created_at);
    free(it->open_content_id);
    free(it->open_course_id);
    free(it->open_title);
}

enum err recommend_parse(const char *text, size_t len, struct recommend_list **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *items = json_get(root, "items");
    if (!items) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct recommend_list *l = xcalloc(1, sizeof *l);
    l->generated_at = line_dup(json_get(root, "generated_at"), NULL);
    size_t n = json_len(items);
    if (n > RECOMMEND_MAX)
        n = RECOMMEND_MAX;
    l->items = xcalloc(n + 1, sizeof *l->items);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *j = json_at(items, i);
        char *id = json_str_dup(json_get(j, "id"), NULL);
        if (!id)
            continue; /* nothing to click or dismiss */
        struct recommend_item *it = &l->items[l->count++];
        it->id = id;
        it->type = line_dup(json_get(j, "type"), "item");
        it->item_id = json_str_dup(json_get(j, "item_id"), NULL);
        it->title = line_dup(json_get(j, "title"), "(untitled)");
        it->reason = line_dup(json_get(j, "reason"), "");
        double s = json_num(json_get(j, "score"), 0);
        it->score = s > 0 ? (s < 1 ? s : 1) : 0;
        it->is_clicked = json_bool(json_get(j, "clicked"), 0) != 0;
        it->created_at = line_dup(json_get(j, "created_at"), NULL);
        const struct json_node *open = json_get(j, "open");
        it->open_content_id = json_str_dup(json_get(open, "content_id"), NULL);
        it->open_course_id = json_str_dup(json_get(open, "course_id"), NULL);
        it->open_title = line_dup(json_get(open, "title"), NULL);
    }
    json_doc_free(doc);
    *out = l;
    return ERR_OK;
}

void recommend_list_free(struct recommend_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        item_cleanup(&l->items[i]);
    free(l->items);
    free(l->generated_at);
    free(l);
}

void recommend_remove(struct recommend_list *l, size_t i)
{
    if (i >= l->count)
        return;
    item_cleanup(&l->items[i]);
    memmove(&l->items[i], &l->items[i + 1], (l->count - i - 1) * sizeof *l->items);
    l->count--;
}

enum err recommend_open_parse(const char *text, size_t len, char **content_id, char **course_id)
{
    *content_id = NULL;
    *course_id = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *open = json_get(json_doc_root(doc), "open");
    *content_id = json_str_dup(json_get(open, "content_id"), NULL);
    *course_id = json_str_dup(json_get(open, "course_id"), NULL);
    json_doc_free(doc);
    if (!*content_id || !**content_id) {
        free(*content_id);
        free(*course_id);
        *content_id = *course_id = NULL;
        return ERR_NOT_FOUND;
    }
    return ERR_OK;
}

/* progress: JSON -> struct progress. */
#include "core/progress.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

static int as_int(const struct json_node *n)
{
    double v = json_num(n, 0);
    return v > 0 && v < 1e9 ? (int)v : 0;
}

enum err progress_parse(const char *text, size_t len, struct progress **out)
{
    *out = NULL;
    struct json_doc *doc = NULL;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!json_get(root, "total_skills")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct progress *p = xcalloc(1, sizeof *p);
    p->total_skills = as_int(json_get(root, "total_skills"));
    p->completed_skills = as_int(json_get(root, "completed_skills"));
    p->total_courses = as_int(json_get(root, "total_courses"));
    p->completed_courses = as_int(json_get(root, "completed_courses"));
    p->average_percent = json_num(json_get(root, "total_progress"), 0);
    if (p->average_percent < 0 || p->average_percent > 100)
        p->average_percent = 0;
    p->velocity_hours = json_num(json_get(root, "learning_velocity"), -1);
    const struct json_node *recent = json_get(root, "recent_activity");
    p->recent_messages = as_int(json_get(recent, "recent_messages"));
    p->recent_progress = as_int(json_get(recent, "recent_progress"));
    p->recent_recommendations = as_int(json_get(recent, "recent_recommendations"));
    const struct json_node *dist = json_get(root, "skill_distribution");
    size_t n = json_len(dist);
    if (n > 64)
        n = 64;
    p->categories = xcalloc(n ? n : 1, sizeof *p->categories);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(dist, i);
        const char *key = json_key(m);
        if (!key)
            continue;
        /* Category names are written by people: made safe to show like any other text. */
        p->categories[p->category_count].name = utf8_sanitize(key, strlen(key), NULL);
        p->categories[p->category_count++].count = as_int(m);
    }
    json_doc_free(doc);
    *out = p;
    return ERR_OK;
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->category_count; i++)
        free(p->categories[i].name);
    free(p->categories);
    free(p);
}

int progress_is_empty(const struct progress *p)
{
    return p->total_skills == 0 && p->total_courses == 0;
}

/* admin: the admin tab's models from the Admin API's JSON; see admin.h. */
#include "core/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"

enum { DETAIL_MAX = 240 };

static char *str(const struct json_node *n, const char *key, const char *def)
{
    return json_str_dup(json_get(n, key), def);
}

static void person_read(const struct json_node *n, struct admin_person *p)
{
    p->id = str(n, "id", "");
    p->email = str(n, "email", "");
    p->name = str(n, "name", "");
    p->role = str(n, "role", "");
    p->department = str(n, "department", "");
    p->is_active = json_bool(json_get(n, "active"), 1);
}

static void person_cleanup(struct admin_person *p)
{
    free(p->id);
    free(p->email);
    free(p->name);
    free(p->role);
    free(p->department);
    memset(p, 0, sizeof *p);
}

static enum err parse_root(const char *text, size_t len, struct json_doc **doc)
{
    *doc = NULL;
    if (!text || json_doc_parse(text, len, doc) != ERR_OK)
        return ERR_INVALID;
    return ERR_OK;
}

enum err admin_people_parse(const char *text, size_t len, struct admin_people *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    if (parse_root(text, len, &doc) != ERR_OK)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc), *items = json_get(root, "items");
    if (!items) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    out->count = json_len(items);
    out->items = xcalloc(out->count ? out->count : 1, sizeof *out->items);
    for (size_t i = 0; i < out->count; i++)
        person_read(json_at(items, i), &out->items[i]);
    out->total = (long)json_num(json_get(root, "total"), (double)out->count);
    out->next = str(root, "next", NULL);
    json_doc_free(doc);
    return ERR_OK;
}

void admin_people_cleanup(struct admin_people *p)
{
    for (size_t i = 0; i < p->count; i++)
        person_cleanup(&p->items[i]);
    free(p->items);
    free(p->next);
    memset(p, 0, sizeof *p);
}

void admin_people_append(struct admin_people *dst, struct admin_people *src)
{
    dst->items = xreallocarray(dst->items, dst->count + src->count + 1, sizeof *dst->items);
    memcpy(dst->items + dst->count, src->items, src->count * sizeof *src->items);
    dst->count += src->count;
    free(dst->next);
    dst->next = src->next;
    dst->total = src->total;
    free(src->items);
    memset(src, 0, sizeof *src);
}

/* "2026-12-06T21:01:41.02+00:00" -> "2026-12-06 21:01:41". */
static char *short_time(const struct json_node *n)
{
    char *iso = json_str_dup(n, "");
    if (strlen(iso) >= 19) {
        iso[10] = ' ';
        iso[19] = '\0';
    }
    return iso;
}

static char *who(const struct json_node *person, const char *fallback)
{
    char *email = str(person, "email", NULL);
    if (email && *email)
        return email;
    free(email);
    return xstrdup(fallback && *fallback ? fallback : "-");
}

/* A compact one-line view of a JSON object: "key: value, key: {...}". */
static void compact(struct buf *b, const struct json_node *n, int depth)
{
    if (!n || b->len > DETAIL_MAX)
        return;
    const struct json_node *first = json_at(n, 0);
    if (first && json_key(first)) {
        if (depth > 0)
            buf_append_char(b, '{');
        for (size_t i = 0; json_at(n, i) && b->len <= DETAIL_MAX; i++) {
            const struct json_node *m = json_at(n, i);
            if (i)
                buf_append_str(b, ", ");
            buf_append_str(b, json_key(m));
            buf_append_str(b, ": ");
            compact(b, m, depth + 1);
        }
        if (depth > 0)
            buf_append_char(b, '}');
        return;
    }
    if (json_len(n) > 0) {
        buf_printf(b, "[%zu]", json_len(n));
        return;
    }
    char *s = json_str_dup(n, NULL);
    if (s) {
        buf_append_str(b, s);
        free(s);
        return;
    }
    int bv = json_bool(n, -1);
    if (bv >= 0) {
        buf_append_str(b, bv ? "true" : "false");
        return;
    }
    double v = json_num(n, 1e300);
    if (v != 1e300)
        buf_printf(b, "%g", v);
    else
        buf_append_str(b, "none");
}

enum err admin_audit_parse(const char *text, size_t len, struct admin_audit *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    if (parse_root(text, len, &doc) != ERR_OK)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc), *items = json_get(root, "items");
    if (!items) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    char *source = str(root, "source", "audit");
    bool is_analytics = strcmp(source, "analytics") == 0;
    free(source);
    out->count = json_len(items);
    out->items = xcalloc(out->count ? out->count : 1, sizeof *out->items);
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < out->count; i++) {
        const struct json_node *it = json_at(items, i);
        struct admin_audit_item *a = &out->items[i];
        a->at = short_time(json_get(it, "at"));
        a->action = str(it, "action", "");
        buf_reset(&b);
        if (is_analytics) {
            char *uid = str(it, "user_id", NULL);
            a->table = xstrdup("");
            a->by = who(json_get(it, "user"), uid);
            a->about = xstrdup("-");
            compact(&b, json_get(it, "metadata"), 0);
            free(uid);
        } else {
            char *role = str(it, "actor_role", NULL), *sid = str(it, "subject_id", NULL);
            a->table = str(it, "table", "");
            a->by = who(json_get(it, "actor"), role);
            a->about = who(json_get(it, "subject"), sid);
            compact(&b, json_get(it, "changes"), 0);
            free(role);
            free(sid);
        }
        a->detail = xstrdup(buf_str(&b));
    }
    buf_cleanup(&b);
    out->next = str(root, "next", NULL);
    json_doc_free(doc);
    return ERR_OK;
}

void admin_audit_cleanup(struct admin_audit *a)
{
    for (size_t i = 0; i < a->count; i++) {
        struct admin_audit_item *it = &a->items[i];
        free(it->at);
        free(it->action);
        free(it->table);
        free(it->by);
        free(it->about);
        free(it->detail);
    }
    free(a->items);
    free(a->next);
    memset(a, 0, sizeof *a);
}

void admin_audit_append(struct admin_audit *dst, struct admin_audit *src)
{
    dst->items = xreallocarray(dst->items, dst->count + src->count + 1, sizeof *dst->items);
    memcpy(dst->items + dst->count, src->items, src->count * sizeof *src->items);
    dst->count += src->count;
    free(dst->next);
    dst->next = src->next;
    free(src->items);
    memset(src, 0, sizeof *src);
}

/* The members of an object of numbers. */
static struct admin_count *counts_read(const struct json_node *obj, size_t *count,
                                       const char *inner)
{
    size_t n = 0;
    while (json_at(obj, n))
        n++;
    struct admin_count *c = xcalloc(n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        const struct json_node *m = json_at(obj, i);
        c[i].name = xstrdup(json_key(m) ? json_key(m) : "?");
        c[i].value = json_num(inner ? json_get(m, inner) : m, 0);
    }
    *count = n;
    return c;
}

static void counts_free(struct admin_count *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].name);
    free(c);
}

enum err admin_person_detail_parse(const char *text, size_t len, struct admin_person_detail *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    if (parse_root(text, len, &doc) != ERR_OK)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc), *p = json_get(root, "person");
    if (!p) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    person_read(p, &out->person);
    out->db_role = str(p, "db_role", "");
    out->created_at = short_time(json_get(p, "created_at"));
    out->last_activity = short_time(json_get(root, "last_activity"));
    out->rows = counts_read(json_get(root, "rows"), &out->row_count, NULL);
    out->audit_by = (long)json_num(json_get(json_get(root, "audit"), "by"), 0);
    out->audit_about = (long)json_num(json_get(json_get(root, "audit"), "about"), 0);
    json_doc_free(doc);
    return ERR_OK;
}

void admin_person_detail_cleanup(struct admin_person_detail *d)
{
    person_cleanup(&d->person);
    free(d->db_role);
    free(d->created_at);
    free(d->last_activity);
    counts_free(d->rows, d->row_count);
    memset(d, 0, sizeof *d);
}

enum err admin_retention_parse(const char *text, size_t len, struct admin_retention *out)
{
    memset(out, 0, sizeof *out);
    struct json_doc *doc;
    if (parse_root(text, len, &doc) != ERR_OK)
        return ERR_INVALID;
    const struct json_node *root = json_doc_root(doc), *set = json_get(root, "settings");
    if (!set || !json_get(root, "tables")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    out->is_dry_run = json_bool(json_get(root, "dry_run"), 1);
    out->chat_days = (long)json_num(json_get(set, "chat_days"), 0);
    out->analytics_days = (long)json_num(json_get(set, "analytics_days"), 0);
    out->audit_days = (long)json_num(json_get(set, "audit_days"), 0);
    out->tables = counts_read(json_get(root, "tables"), &out->table_count, "rows");
    json_doc_free(doc);
    return ERR_OK;
}

void admin_retention_cleanup(struct admin_retention *r)
{
    counts_free(r->tables, r->table_count);
    memset(r, 0, sizeof *r);
}

bool admin_is_role(const char *role)
{
    static const char *const roles[] = {"learner", "hr_manager", "trainer", "admin"};
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

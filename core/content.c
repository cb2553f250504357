/* content: parsing the Content API's JSON, building save documents, drafts on disk. */
#include "core/content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/doc_editor.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/utf8.h"

/* --- parsing --------------------------------------------------------------------------------- */

/* A one-line label (NULL stays NULL unless def). */
static char *label(const struct json_node *n, const char *def)
{
    char *s = json_str_dup(n, def);
    if (!s)
        return NULL;
    char *line = utf8_sanitize_line(s, strlen(s), NULL);
    free(s);
    return line;
}

/* A JSON array of strings joined with ", ". */
static char *joined(const struct json_node *arr)
{
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < json_len(arr); i++) {
        char *s = label(json_at(arr, i), NULL);
        if (!s)
            continue;
        if (b.len)
            buf_append_str(&b, ", ");
        buf_append_str(&b, s);
        free(s);
    }
    buf_append_str(&b, "");
    return buf_detach(&b);
}

static int num(const struct json_node *n, const char *key)
{
    return (int)json_num(json_get(n, key), 0);
}

static bool flag(const struct json_node *n, const char *key)
{
    return json_bool(json_get(n, key), 0) != 0;
}

/* "2026-05-01T10:42:00.12+00:00" -> "2026-05-01 10:42" */
static char *stamp(const struct json_node *n)
{
    char *s = label(n, NULL);
    if (!s)
        return NULL;
    if (strlen(s) >= 16 && s[10] == 'T') {
        s[10] = ' ';
        s[16] = '\0';
    }
    return s;
}

enum err content_list_parse(const char *text, size_t len, struct content_list **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    const struct json_node *items = json_get(root, "items");
    if (!items) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    struct content_list *l = xcalloc(1, sizeof *l);
    l->role = label(json_get(root, "role"), "");
    l->count = json_len(items);
    l->items = xcalloc(l->count ? l->count : 1, sizeof *l->items);
    for (size_t i = 0; i < l->count; i++) {
        const struct json_node *n = json_at(items, i);
        struct content_item *it = &l->items[i];
        it->id = json_str_dup(json_get(n, "id"), "");
        it->title = label(json_get(n, "title"), "");
        it->content_type = label(json_get(n, "content_type"), "");
        it->difficulty = label(json_get(n, "difficulty"), "");
        it->skills = joined(json_get(n, "skills"));
        it->owner = label(json_get(n, "owner"), "");
        it->updated_at = stamp(json_get(n, "updated_at"));
        it->review_by = label(json_get(n, "review_by"), "");
        it->is_mine = flag(n, "is_mine");
        it->can_edit = flag(n, "can_edit");
        it->is_due = flag(n, "is_due");
        it->is_archived = flag(n, "archived");
        char *path = label(json_get(n, "source_path"), NULL);
        it->is_file = path != NULL;
        free(path);
        it->version = num(n, "version");
        it->passages = num(n, "passages");
        it->unembedded = num(n, "unembedded");
        it->cited_30d = num(n, "cited_30d");
        it->unhelpful = num(n, "unhelpful");
    }
    json_doc_free(doc);
    *out = l;
    return ERR_OK;
}

void content_list_free(struct content_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        struct content_item *it = &l->items[i];
        free(it->id), free(it->title), free(it->content_type), free(it->difficulty);
        free(it->skills), free(it->owner), free(it->updated_at), free(it->review_by);
    }
    free(l->items);
    free(l->role);
    free(l);
}

static struct content_doc *doc_from(const struct json_node *n)
{
    struct content_doc *d = xcalloc(1, sizeof *d);
    d->id = json_str_dup(json_get(n, "id"), "");
    d->title = label(json_get(n, "title"), "");
    d->content_type = label(json_get(n, "content_type"), "reference");
    d->difficulty = label(json_get(n, "difficulty"), "");
    d->skills = joined(json_get(n, "skills"));
    d->prerequisites = joined(json_get(n, "prerequisites"));
    d->review_by = label(json_get(n, "review_by"), "");
    d->updated_at = stamp(json_get(n, "updated_at"));
    d->updated_by = label(json_get(n, "updated_by"), "");
    d->owner = label(json_get(n, "owner"), "");
    d->body = json_text_dup(json_get(n, "body"), DOC_EDITOR_MAX_LEN, &d->body_len);
    if (!d->body)
        d->body = xstrdup("");
    d->version = num(n, "version");
    d->can_edit = flag(n, "can_edit");
    d->is_due = flag(n, "is_due");
    d->is_archived = flag(n, "archived");
    return d;
}

enum err content_doc_parse(const char *text, size_t len, struct content_doc **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    if (!json_get(root, "id")) {
        json_doc_free(doc);
        return ERR_INVALID;
    }
    *out = doc_from(root);
    json_doc_free(doc);
    return ERR_OK;
}

void content_doc_free(struct content_doc *d)
{
    if (!d)
        return;
    free(d->id), free(d->title), free(d->content_type), free(d->difficulty), free(d->skills);
    free(d->prerequisites), free(d->review_by), free(d->updated_at), free(d->updated_by);
    free(d->owner), free(d->body);
    free(d);
}

enum err content_save_reply_parse(const char *text, size_t len, struct content_save_reply **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *root = json_doc_root(doc);
    struct content_save_reply *r = xcalloc(1, sizeof *r);
    r->is_conflict = flag(root, "conflict");
    if (r->is_conflict) {
        r->current = doc_from(json_get(root, "current"));
    } else {
        r->id = json_str_dup(json_get(root, "id"), "");
        r->version = num(root, "version");
        r->passages = num(root, "passages");
        r->kept = num(root, "kept");
        const struct json_node *p = json_get(root, "pending");
        r->pending_count = json_len(p);
        r->pending = xcalloc(r->pending_count ? r->pending_count : 1, sizeof *r->pending);
        for (size_t i = 0; i < r->pending_count; i++) {
            r->pending[i].id = json_str_dup(json_get(json_at(p, i), "id"), "");
            r->pending[i].ordinal = num(json_at(p, i), "ordinal");
        }
    }
    json_doc_free(doc);
    *out = r;
    return ERR_OK;
}

void content_save_reply_free(struct content_save_reply *r)
{
    if (!r)
        return;
    content_doc_free(r->current);
    free(r->id);
    for (size_t i = 0; i < r->pending_count; i++)
        free(r->pending[i].id);
    free(r->pending);
    free(r);
}

enum err content_feedback_parse(const char *text, size_t len, struct content_feedback **out)
{
    *out = NULL;
    struct json_doc *doc;
    enum err e = json_doc_parse(text, len, &doc);
    if (e != ERR_OK)
        return e;
    const struct json_node *items = json_get(json_doc_root(doc), "items");
    struct content_feedback *f = xcalloc(1, sizeof *f);
    f->count = json_len(items);
    f->items = xcalloc(f->count ? f->count : 1, sizeof *f->items);
    for (size_t i = 0; i < f->count; i++) {
        const struct json_node *n = json_at(items, i);
        struct content_feedback_item *it = &f->items[i];
        it->day = label(json_get(n, "day"), "");
        it->answer = json_str_dup(json_get(n, "answer"), "");
        it->reason = label(json_get(n, "reason"), "");
        it->passage_id = json_str_dup(json_get(n, "passage_id"), "");
        it->passage = json_str_dup(json_get(n, "passage"), "");
        it->heading = label(json_get(n, "heading"), "");
        it->is_current = flag(n, "still_current");
    }
    json_doc_free(doc);
    *out = f;
    return ERR_OK;
}

void content_feedback_free(struct content_feedback *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        struct content_feedback_item *it = &f->items[i];
        free(it->day), free(it->answer), free(it->reason), free(it->passage_id);
        free(it->passage), free(it->heading);
    }
    free(f->items);
    free(f);
}

/* --- saving ---------------------------------------------------------------------------------- */

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t')
            return false;
    return true;
}

static bool is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0'), day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const char *content_meta_check(const struct content_meta *m, const char *body, size_t len)
{
    static const char *const types[] = {"course",   "lesson",   "skill",
                                        "assessment", "tutorial", "reference"};
    if (!m->title || is_blank(m->title, strlen(m->title)))
        return "title: a title is required";
    if (utf8_width(m->title, strlen(m->title)) > 200)
        return "title: at most 200 characters";
    bool is_type = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        is_type |= m->content_type && strcmp(m->content_type, types[i]) == 0;
    if (!is_type)
        return "type: one of course, lesson, skill, assessment, tutorial, reference";
    if (m->difficulty && m->difficulty[0] && strcmp(m->difficulty, "beginner") != 0 &&
        strcmp(m->difficulty, "intermediate") != 0 && strcmp(m->difficulty, "advanced") != 0)
        return "difficulty: beginner, intermediate or advanced";
    if (m->review_by && m->review_by[0] && !is_date(m->review_by))
        return "review by: a date as YYYY-MM-DD";
    if (!body || is_blank(body, len))
        return "body: the text is empty";
    if (len > DOC_EDITOR_MAX_LEN)
        return "body: at most 4 MiB";
    return NULL;
}

/* "a, b,c" -> ["a","b","c"] */
static void id_list(struct json_out *j, const char *csv)
{
    json_out_array_begin(j);
    const char *p = csv ? csv : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t k = n;
        while (k > 0 && p[k - 1] == ' ')
            k--;
        if (k)
            json_out_stringn(j, p, k);
        p += n;
    }
    json_out_array_end(j);
}

enum err content_save_doc(const struct content_meta *m, const char *body, size_t len,
                          int chunk_chars, int chunk_overlap, char **json, struct chunk **chunks,
                          size_t *count)
{
    *json = NULL;
    enum err e = chunk_split(body, len, chunk_chars, chunk_overlap, chunks, count);
    if (e != ERR_OK)
        return e;
    struct json_out j;
    json_out_init(&j, (size_t)DOC_EDITOR_MAX_LEN * 4);
    json_out_object_begin(&j);
    json_out_key(&j, "title");
    json_out_string(&j, m->title);
    json_out_key(&j, "content_type");
    json_out_string(&j, m->content_type);
    json_out_key(&j, "body");
    json_out_stringn(&j, body, len);
    json_out_key(&j, "difficulty");
    if (m->difficulty && m->difficulty[0])
        json_out_string(&j, m->difficulty);
    else
        json_out_null(&j);
    json_out_key(&j, "review_by");
    if (m->review_by && m->review_by[0])
        json_out_string(&j, m->review_by);
    else
        json_out_null(&j);
    json_out_key(&j, "skills");
    id_list(&j, m->skills);
    json_out_key(&j, "prerequisites");
    id_list(&j, m->prerequisites);
    json_out_key(&j, "passages");
    json_out_array_begin(&j);
    for (size_t i = 0; i < *count; i++) {
        json_out_object_begin(&j);
        json_out_key(&j, "heading");
        if ((*chunks)[i].heading)
            json_out_string(&j, (*chunks)[i].heading);
        else
            json_out_null(&j);
        json_out_key(&j, "body");
        json_out_string(&j, (*chunks)[i].text);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    json_out_object_end(&j);
    e = json_out_finish(&j, json);
    json_out_cleanup(&j);
    if (e != ERR_OK) {
        chunks_free(*chunks, *count);
        *chunks = NULL;
        *count = 0;
    }
    return e;
}

/* --- drafts ---------------------------------------------------------------------------------- */

enum { DRAFT_HEADER_MAX = 64 };

static enum err draft_file(const char *user, const char *id, char **out)
{
    char who[HASH_HEX_LEN + 1], what[HASH_HEX_LEN + 1];
    const char *u = user ? user : "";
    hash_blake2b_hex(u, strlen(u), who);
    hash_blake2b_hex(id, strlen(id), what);
    who[32] = what[32] = '\0';
    char name[192];
    snprintf(name, sizeof name, "content-drafts/%s-%s.md", who, what);
    return private_file_path(name, out);
}

enum err content_draft_save(const char *user, const char *id, int version, const char *text,
                            size_t len, char *err, size_t errlen)
{
    char *path;
    enum err e = draft_file(user, id, &path);
    if (e != ERR_OK)
        return e;
    e = private_file_prepare_dir(path, err, errlen);
    if (e == ERR_OK) {
        struct buf b;
        buf_init(&b, (size_t)DOC_EDITOR_MAX_LEN + DRAFT_HEADER_MAX);
        buf_printf(&b, "cca-draft 1 %d\n", version);
        e = buf_append(&b, text, len);
        if (e == ERR_OK)
            e = private_file_replace(path, b.data, b.len, err, errlen);
        buf_cleanup(&b);
    }
    free(path);
    return e;
}

enum err content_draft_load(const char *user, const char *id, int *version, char **text,
                            size_t *len, char *err, size_t errlen)
{
    *text = NULL;
    char *path;
    enum err e = draft_file(user, id, &path);
    if (e != ERR_OK)
        return e;
    struct buf b;
    buf_init(&b, (size_t)DOC_EDITOR_MAX_LEN + DRAFT_HEADER_MAX);
    e = private_file_read(path, (size_t)DOC_EDITOR_MAX_LEN + DRAFT_HEADER_MAX, &b, err, errlen);
    free(path);
    if (e == ERR_NOT_FOUND) {
        buf_cleanup(&b);
        return ERR_OK;
    }
    if (e == ERR_OK) {
        const char *nl = b.len ? memchr(b.data, '\n', b.len) : NULL;
        int v = 0;
        if (!nl || sscanf(b.data, "cca-draft 1 %d", &v) != 1) {
            e = ERR_INVALID;
        } else {
            size_t off = (size_t)(nl - b.data) + 1;
            *version = v;
            *text = xstrndup(b.data + off, b.len - off);
            if (len)
                *len = strlen(*text);
        }
    }
    buf_cleanup(&b);
    return e;
}

enum err content_draft_clear(const char *user, const char *id)
{
    char *path;
    enum err e = draft_file(user, id, &path);
    if (e != ERR_OK)
        return e;
    char err[256];
    e = private_file_replace(path, "", 0, err, sizeof err);
    free(path);
    return e == ERR_NOT_FOUND ? ERR_OK : e;
}

/* pg_content: core/store_content.h over PostgreSQL (013_content.sql). SQL text and parameter
 * encoding only; the rules live in the database. */
#include "core/store_content.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/mem.h"
#include "db/pg_call.h"
#include "db/vector_text.h"

/* A failure to encode is answered like a failed call. */
static struct store_call *fail(store_reply_fn fn, void *userdata, enum err e)
{
    fn(userdata, e, err_str(e), NULL);
    return NULL;
}

struct store_call *store_content_list(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_content_list()::text", 0, NULL, fn, userdata);
}

struct store_call *store_content_get(struct store *s, const char *id, store_reply_fn fn,
                                     void *userdata)
{
    const char *p[] = {id};
    return pg_store_call(s, "SELECT cca_content_get($1)::text", 1, p, fn, userdata);
}

struct store_call *store_content_save(struct store *s, const char *id, int version,
                                      const char *doc_json, store_reply_fn fn, void *userdata)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {id, id ? v : NULL, doc_json};
    return pg_store_call(s, "SELECT cca_content_save($1, $2::int, $3::jsonb)::text", 3, p, fn,
                         userdata);
}

/* A text[] literal of quoted elements: {"a","b"}; elements hold no quote or backslash (ids
 * are the server's, vectors are numbers). */
static void array_open(struct buf *b, size_t i)
{
    buf_append_str(b, i == 0 ? "{\"" : ",\"");
}

struct store_call *store_content_embed(struct store *s, const char *const *passage_ids,
                                       size_t count, const float *vectors, int dim,
                                       store_reply_fn fn, void *userdata)
{
    struct buf ids, vecs;
    buf_init(&ids, 1u << 20);
    buf_init(&vecs, 256u << 20);
    enum err e = ERR_OK;
    for (size_t i = 0; i < count && e == ERR_OK; i++) {
        for (const char *c = passage_ids[i]; *c; c++)
            if (*c == '"' || *c == '\\')
                e = ERR_INVALID;
        array_open(&ids, i);
        buf_append_str(&ids, passage_ids[i]);
        buf_append_char(&ids, '"');
        array_open(&vecs, i);
        if (e == ERR_OK)
            e = vector_text_append(&vecs, vectors + i * (size_t)dim, (size_t)dim);
        buf_append_char(&vecs, '"');
    }
    buf_append_str(&ids, count ? "}" : "{}");
    buf_append_str(&vecs, count ? "}" : "{}");
    struct store_call *c = NULL;
    if (e != ERR_OK) {
        fail(fn, userdata, e);
    } else {
        const char *p[] = {buf_str(&ids), buf_str(&vecs)};
        c = pg_store_call(s, "SELECT cca_content_embed($1::text[], $2::text[])::text", 2, p, fn,
                          userdata);
    }
    buf_cleanup(&ids);
    buf_cleanup(&vecs);
    return c;
}

struct store_call *store_content_embed_doc(struct store *s, const char *id, int version,
                                           const float *vector, int dim, store_reply_fn fn,
                                           void *userdata)
{
    char *text = NULL;
    enum err e = vector_text_format(vector, (size_t)dim, &text);
    if (e != ERR_OK)
        return fail(fn, userdata, e);
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {id, v, text};
    struct store_call *c = pg_store_call(
        s, "SELECT cca_content_embed_doc($1, $2::int, $3)::text", 3, p, fn, userdata);
    free(text);
    return c;
}

struct store_call *store_content_embed_meta(struct store *s, int dim, const char *model,
                                            store_reply_fn fn, void *userdata)
{
    char d[16];
    snprintf(d, sizeof d, "%d", dim);
    const char *p[] = {d, model};
    return pg_store_call(s, "SELECT cca_set_embed_meta($1::int, $2)::text", 2, p, fn, userdata);
}

struct store_call *store_content_put_passages(struct store *s, const char *id,
                                              const char *passages_json, store_reply_fn fn,
                                              void *userdata)
{
    const char *p[] = {id, passages_json};
    return pg_store_call(s, "SELECT cca_content_put_passages($1, $2::jsonb)::text", 2, p, fn,
                         userdata);
}

/* The item's own passages are asked for too and dropped, so count others still come back. */
struct store_call *store_content_tryit(struct store *s, const char *question, const float *query,
                                       int dim, double threshold, int count,
                                       const char *exclude_id, store_reply_fn fn,
                                       void *userdata)
{
    char *vec = NULL;
    enum err e = vector_text_format(query, (size_t)dim, &vec);
    if (e != ERR_OK)
        return fail(fn, userdata, e);
    char thr[32], cnt[16];
    snprintf(thr, sizeof thr, "%.6f", threshold);
    snprintf(cnt, sizeof cnt, "%d", count > 0 ? count : 1);
    const char *p[] = {vec, thr, cnt, exclude_id && exclude_id[0] ? exclude_id : NULL,
                       question ? question : ""};
    struct store_call *c = pg_store_call(
        s,
        "WITH own AS (SELECT count(*)::int AS n FROM content_passages x WHERE x.content_id = $4),"
        " v AS (SELECT k.* FROM own, match_passages($1::vector, $2::float8,"
        "   least(1000, $3::int + own.n), NULL) k WHERE k.content_id IS DISTINCT FROM $4"
        "   ORDER BY k.similarity DESC, k.passage_id LIMIT $3::int),"
        " f AS (SELECT k.*, row_number() OVER () AS rn FROM own,"
        "   search_passages($5, NULL, least(1000, $3::int + own.n)) k"
        "   WHERE k.content_id IS DISTINCT FROM $4),"
        " f2 AS (SELECT * FROM f ORDER BY rn LIMIT $3::int)"
        " SELECT json_build_object("
        " 'vector', (SELECT coalesce(json_agg(json_build_object('passage_id', v.passage_id,"
        "   'content_id', v.content_id, 'title', v.title, 'heading', v.heading, 'body', v.body,"
        "   'score', v.similarity) ORDER BY v.similarity DESC, v.passage_id), '[]') FROM v),"
        " 'fts', (SELECT coalesce(json_agg(json_build_object('passage_id', f2.passage_id,"
        "   'content_id', f2.content_id, 'title', f2.title, 'heading', f2.heading, 'body', f2.body,"
        "   'score', f2.relevance_score) ORDER BY f2.rn), '[]') FROM f2))::text",
        5, p, fn, userdata);
    free(vec);
    return c;
}

struct store_call *store_content_unembedded(struct store *s, bool mine_only, store_reply_fn fn,
                                            void *userdata)
{
    const char *p[] = {mine_only ? "true" : "false"};
    return pg_store_call(s, "SELECT cca_content_unembedded($1::boolean)::text", 1, p, fn,
                         userdata);
}

struct store_call *store_content_unembedded_count(struct store *s, store_reply_fn fn,
                                                  void *userdata)
{
    return pg_store_call(s, "SELECT cca_content_unembedded_count()::text", 0, NULL, fn,
                         userdata);
}

struct store_call *store_content_archive(struct store *s, const char *id, int version,
                                         bool archived, store_reply_fn fn, void *userdata)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {id, v, archived ? "true" : "false"};
    return pg_store_call(s, "SELECT cca_content_archive($1, $2::int, $3::boolean)::text", 3, p,
                         fn, userdata);
}

struct store_call *store_content_delete(struct store *s, const char *id, int version,
                                        store_reply_fn fn, void *userdata)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {id, v};
    return pg_store_call(s, "SELECT cca_content_delete($1, $2::int)::text", 2, p, fn, userdata);
}

struct store_call *store_content_feedback(struct store *s, const char *id, store_reply_fn fn,
                                          void *userdata)
{
    const char *p[] = {id};
    return pg_store_call(s, "SELECT cca_content_feedback($1)::text", 1, p, fn, userdata);
}

struct store_call *store_message_feedback(struct store *s, const char *message_id, bool helpful,
                                          const char *reason, store_reply_fn fn,
                                          void *userdata)
{
    const char *p[] = {message_id, helpful ? "true" : "false", reason};
    return pg_store_call(s, "SELECT cca_message_feedback($1, $2::boolean, $3)::text", 3, p, fn,
                         userdata);
}

struct store_call *store_assessment_authoring_list(struct store *s, store_reply_fn fn,
                                                   void *userdata)
{
    return pg_store_call(s, "SELECT cca_assessment_authoring_list()::text", 0, NULL, fn,
                         userdata);
}

struct store_call *store_assessment_authoring_get(struct store *s, const char *id,
                                                  store_reply_fn fn, void *userdata)
{
    const char *p[] = {id};
    return pg_store_call(s, "SELECT cca_assessment_authoring_get($1)::text", 1, p, fn,
                         userdata);
}

struct store_call *store_assessment_authoring_save(struct store *s, const char *id,
                                                   const char *updated_at, const char *doc_json,
                                                   store_reply_fn fn, void *userdata)
{
    const char *p[] = {id, updated_at, doc_json};
    return pg_store_call(s,
                         "SELECT cca_assessment_authoring_save($1, $2::timestamptz, $3::jsonb)"
                         "::text",
                         3, p, fn, userdata);
}

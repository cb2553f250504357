/* pg_reindex: core/store_reindex.h over PostgreSQL (016_reindex's functions). */
#include "core/store_reindex.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "db/pg_call.h"
#include "db/vector_text.h"

struct store_call *store_reindex_state(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_reindex_state()::text", 0, NULL, fn, userdata);
}

struct store_call *store_reindex_begin(struct store *s, int dim, const char *model,
                                       store_reply_fn fn, void *userdata)
{
    char d[16];
    snprintf(d, sizeof d, "%d", dim);
    const char *params[] = {d, model};
    return pg_store_call(s, "SELECT cca_reindex_begin($1::int, $2)::text", 2, params, fn,
                         userdata);
}

struct store_call *store_reindex_todo(struct store *s, int batch, store_reply_fn fn,
                                      void *userdata)
{
    char b[16];
    snprintf(b, sizeof b, "%d", batch);
    const char *params[] = {b};
    return pg_store_call(s, "SELECT id, heading, body FROM cca_reindex_todo($1::int)", 1,
                         params, fn, userdata);
}

/* An element of a PostgreSQL array literal: quoted, with " and \ escaped. */
static void array_element(struct buf *b, const char *s, bool is_first)
{
    if (!is_first)
        buf_append_char(b, ',');
    buf_append_char(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_append_char(b, '\\');
        buf_append_char(b, *s);
    }
    buf_append_char(b, '"');
}

struct store_call *store_reindex_put(struct store *s, const char *const *ids,
                                     const float *vectors, size_t count, int dim,
                                     store_reply_fn fn, void *userdata)
{
    /* Both arrays as text literals: a vector's literal holds no quote or backslash. */
    struct buf id_list, vec_list, one;
    buf_init(&id_list, 64u << 20);
    buf_init(&vec_list, 256u << 20);
    buf_init(&one, 1u << 20);
    buf_append_char(&id_list, '{');
    buf_append_char(&vec_list, '{');
    enum err e = dim > 0 ? ERR_OK : ERR_INVALID;
    for (size_t i = 0; i < count && e == ERR_OK; i++) {
        buf_reset(&one);
        e = vector_text_append(&one, vectors + i * (size_t)dim, (size_t)dim);
        if (e != ERR_OK)
            break;
        array_element(&id_list, ids[i], i == 0);
        array_element(&vec_list, buf_str(&one), i == 0);
    }
    buf_append_char(&id_list, '}');
    if (buf_append_char(&vec_list, '}') != ERR_OK && e == ERR_OK)
        e = ERR_TOO_LARGE;
    struct store_call *call = NULL;
    if (e != ERR_OK) {
        fn(userdata, e, "a new embedding is empty, not finite or too large", NULL);
    } else {
        const char *params[] = {buf_str(&id_list), buf_str(&vec_list)};
        call = pg_store_call(s, "SELECT cca_reindex_put($1::text[], $2::text[])", 2, params,
                             fn, userdata);
    }
    buf_cleanup(&id_list);
    buf_cleanup(&vec_list);
    buf_cleanup(&one);
    return call;
}

struct store_call *store_reindex_finish(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_reindex_finish()::text", 0, NULL, fn, userdata);
}

struct store_call *store_reindex_abort(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call(s, "SELECT cca_reindex_abort()::text", 0, NULL, fn, userdata);
}

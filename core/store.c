/* store: dispatch from the public store_* calls to the implementation's ops, and the
 * cleanup helpers for the result structs. */
#include "core/store.h"

#include <stdlib.h>

void store_free(struct store *s)
{
    if (s)
        s->ops->free(s);
}

const char *store_errmsg(const struct store *s)
{
    const char *m = s ? s->ops->errmsg(s) : NULL;
    return m ? m : "";
}

#define STORE_CALL(s, op, ...) ((s)->ops->op ? (s)->ops->op((s), __VA_ARGS__) : ERR_UNSUPPORTED)

bool store_is_connected(struct store *s)
{
    return s->ops->is_connected ? s->ops->is_connected(s) : false;
}

enum err store_reconnect(struct store *s)
{
    return s->ops->reconnect ? s->ops->reconnect(s) : ERR_UNSUPPORTED;
}

enum err store_whoami(struct store *s, struct store_user *out)
{
    return STORE_CALL(s, whoami, out);
}

enum err store_info(struct store *s, struct store_info *out)
{
    return STORE_CALL(s, info, out);
}

enum err store_migrate(struct store *s, bool status_only, char **report)
{
    return STORE_CALL(s, migrate, status_only, report);
}

enum err store_seed(struct store *s, char **report)
{
    return STORE_CALL(s, seed, report);
}

enum err store_set_embed_meta(struct store *s, int dim, const char *model)
{
    return STORE_CALL(s, set_embed_meta, dim, model);
}

enum err store_match_passages(struct store *s, const float *query, int dim, double threshold,
                              int count, const char *const *types, size_t type_count,
                              struct store_passage **out, size_t *out_count)
{
    return STORE_CALL(s, match_passages, query, dim, threshold, count, types, type_count, out,
                      out_count);
}

enum err store_search_passages(struct store *s, const char *query, const char *const *types,
                               size_t type_count, int count, struct store_passage **out,
                               size_t *out_count)
{
    return STORE_CALL(s, search_passages, query, types, type_count, count, out, out_count);
}

enum err store_term_stats(struct store *s, const char *const *words, size_t count, double *df,
                          double *total)
{
    return STORE_CALL(s, term_stats, words, count, df, total);
}

enum err store_passages_readable(struct store *s, const char *const *passage_ids, size_t count,
                                 bool *readable)
{
    for (size_t i = 0; i < count; i++)
        readable[i] = false;
    return STORE_CALL(s, passages_readable, passage_ids, count, readable);
}

enum err store_doc_lookup(struct store *s, const char *source_path, char **content_id,
                          char **content_hash)
{
    return STORE_CALL(s, doc_lookup, source_path, content_id, content_hash);
}

enum err store_doc_replace(struct store *s, const struct store_doc_in *doc, char **content_id)
{
    return STORE_CALL(s, doc_replace, doc, content_id);
}

enum err store_reindex_list(struct store *s, char ***passage_ids, char ***texts, size_t *count)
{
    return STORE_CALL(s, reindex_list, passage_ids, texts, count);
}

enum err store_reindex_set(struct store *s, const char *passage_id, const float *embedding,
                           int dim)
{
    return STORE_CALL(s, reindex_set, passage_id, embedding, dim);
}

enum err store_message_begin(struct store *s, const char *conversation_id, const char *question,
                             char **message_id, char **new_conversation_id)
{
    return STORE_CALL(s, message_begin, conversation_id, question, message_id,
                      new_conversation_id);
}

enum err store_message_finish(struct store *s, const char *message_id,
                              const struct store_outcome *outcome)
{
    return STORE_CALL(s, message_finish, message_id, outcome);
}

enum err store_conversations(struct store *s, int limit, struct store_conversation **out,
                             size_t *out_count)
{
    return STORE_CALL(s, conversations, limit, out, out_count);
}

enum err store_conversation_messages(struct store *s, const char *conversation_id,
                                     struct store_message **out, size_t *out_count)
{
    return STORE_CALL(s, conversation_messages, conversation_id, out, out_count);
}

enum err store_user_add(struct store *s, const struct store_user_in *in, char **user_id)
{
    return STORE_CALL(s, user_add, in, user_id);
}

enum err store_user_set_role(struct store *s, const char *email, const char *role)
{
    return STORE_CALL(s, user_set_role, email, role);
}

enum err store_user_list(struct store *s, struct store_user **out, size_t *out_count)
{
    return STORE_CALL(s, user_list, out, out_count);
}

void store_attach_loop(struct store *s, struct loop *loop)
{
    if (s && s->ops->attach_loop)
        s->ops->attach_loop(s, loop);
}

void store_call_cancel(struct store_call *call)
{
    if (call && call->store->ops->call_cancel)
        call->store->ops->call_cancel(call->store, call);
}

bool store_is_calling(struct store *s)
{
    return s && s->ops->is_calling && s->ops->is_calling(s);
}

const char *store_rows_get(const struct store_rows *r, size_t row, size_t col)
{
    if (!r || row >= r->rows || col >= r->cols)
        return NULL;
    return r->cells[row * r->cols + col];
}

void store_user_cleanup(struct store_user *u)
{
    if (!u)
        return;
    free(u->id);
    free(u->email);
    free(u->name);
    free(u->role);
    free(u->department);
    free(u->db_role);
    *u = (struct store_user){0};
}

void store_users_free(struct store_user *u, size_t count)
{
    for (size_t i = 0; u && i < count; i++)
        store_user_cleanup(&u[i]);
    free(u);
}

void store_info_cleanup(struct store_info *i)
{
    if (!i)
        return;
    free(i->server_version);
    free(i->vector_impl);
    free(i->embed_model);
    free(i->session_role);
    *i = (struct store_info){0};
}

void store_passage_cleanup(struct store_passage *p)
{
    if (!p)
        return;
    free(p->content_id);
    free(p->passage_id);
    free(p->title);
    free(p->content_type);
    free(p->source_path);
    free(p->heading);
    free(p->text);
    free(p->audience);
    *p = (struct store_passage){0};
}

void store_passages_free(struct store_passage *p, size_t count)
{
    for (size_t i = 0; p && i < count; i++)
        store_passage_cleanup(&p[i]);
    free(p);
}

void store_messages_free(struct store_message *m, size_t count)
{
    for (size_t i = 0; m && i < count; i++) {
        free(m[i].id);
        free(m[i].conversation_id);
        free(m[i].message);
        free(m[i].response);
        free(m[i].status);
        free(m[i].error);
        free(m[i].sources_json);
        free(m[i].created_at);
    }
    free(m);
}

void store_conversations_free(struct store_conversation *c, size_t count)
{
    for (size_t i = 0; c && i < count; i++) {
        free(c[i].id);
        free(c[i].title);
        free(c[i].updated_at);
    }
    free(c);
}

void store_strv_free(char **v, size_t count)
{
    for (size_t i = 0; v && i < count; i++)
        free(v[i]);
    free(v);
}

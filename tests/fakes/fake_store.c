/* fake_store: the in-memory core/store.h for unit tests. Brute-force cosine for vectors,
 * case-insensitive word overlap for full-text (any query word matches, score = matched
 * fraction; PostgreSQL's plainto_tsquery is stricter), deterministic UUID-shaped ids. */
#include "tests/fakes/fake_store.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/store.h"

struct fdoc {
    char *content_id;
    char *title;
    char *content;
    char *content_type;
    char *source_service;
    char *source_path;
    char *content_hash;
    char *embed_model;
    float *embedding;
    int dim;
};

struct fpassage {
    char *passage_id;
    size_t doc; /* index into docs */
    int ordinal;
    char *heading;
    char *text;
    float *embedding;
    int dim;
    bool is_live; /* false once its document was replaced */
    bool is_hidden; /* fake_store_hide_passage: the caller may not read it */
};

struct fmsg {
    char *id;
    char *conversation_id;
    char *question;
    char *status;
    char *response;
    char *error;
    char *sources_json;
    double confidence;
    int processing_ms;
    bool is_offline;
    bool abstain;
    int finish_count;
    int seq;
};

struct fconv {
    char *id;
    char *title;
    int updated_seq;
};

struct fuser {
    char *id;
    char *email;
    char *name;
    char *role;
    char *department;
};

#define FAKE_OPS(X)                                                                            \
    X(whoami) X(info) X(migrate) X(seed) X(set_embed_meta) X(match_passages)                  \
    X(search_passages) X(doc_lookup) X(doc_replace) X(reindex_list) X(reindex_set)            \
    X(message_begin) X(message_finish) X(conversations) X(conversation_messages) X(user_add)  \
    X(user_set_role) X(user_list) X(reconnect) X(passages_readable)

enum fop {
#define FOP_ENUM(n) FOP_##n,
    FAKE_OPS(FOP_ENUM)
#undef FOP_ENUM
        FOP__COUNT
};

static const char *const fop_names[] = {
#define FOP_NAME(n) #n,
    FAKE_OPS(FOP_NAME)
#undef FOP_NAME
};

struct fake {
    struct store base; /* first: the store handle is this struct */
    struct fdoc *docs;
    size_t doc_count;
    struct fpassage *passages;
    size_t passage_count;
    struct fmsg *msgs;
    size_t msg_count;
    struct fconv *convs;
    size_t conv_count;
    struct fuser *users;
    size_t user_count;
    int embed_dim;
    char *embed_model;
    bool is_down;
    enum err fail[FOP__COUNT];
    int calls[FOP__COUNT];
    unsigned next_id;
    int seq;
    char errmsg[256];
};

static struct fake *F(struct store *s)
{
    return (struct fake *)s;
}

static const struct fake *CF(const struct store *s)
{
    return (const struct fake *)s;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static char *new_id(struct fake *f)
{
    f->next_id++;
    return xasprintf("00000000-0000-4000-8000-%012x", f->next_id);
}

/* Counts the call and returns the injected failure, if any. */
static enum err enter(struct fake *f, enum fop op)
{
    f->calls[op]++;
    if (f->is_down) {
        snprintf(f->errmsg, sizeof f->errmsg, "fake store: server closed the connection");
        return ERR_DB_DOWN;
    }
    if (f->fail[op] != ERR_OK) {
        snprintf(f->errmsg, sizeof f->errmsg, "fake store: injected failure in %s",
                 fop_names[op]);
        return f->fail[op];
    }
    f->errmsg[0] = '\0';
    return ERR_OK;
}

static bool type_allowed(const char *type, const char *const *types, size_t type_count)
{
    if (type_count == 0)
        return true;
    for (size_t i = 0; i < type_count; i++)
        if (types[i] && type && strcmp(types[i], type) == 0)
            return true;
    return false;
}

static void fill_hit(const struct fake *f, const struct fpassage *p, struct store_passage *out)
{
    const struct fdoc *d = &f->docs[p->doc];
    *out = (struct store_passage){
        .content_id = xstrdup(d->content_id),
        .passage_id = xstrdup(p->passage_id),
        .title = xstrdup(d->title),
        .content_type = xstrdup(d->content_type),
        .source_path = dup_or_null(d->source_path),
        .heading = dup_or_null(p->heading),
        .text = xstrdup(p->text),
        .vector_score = -1,
        .fts_score = -1,
    };
}

/* ---- store ops --------------------------------------------------------------------------- */

static void fake_free(struct store *s)
{
    struct fake *f = F(s);
    for (size_t i = 0; i < f->doc_count; i++) {
        struct fdoc *d = &f->docs[i];
        free(d->content_id);
        free(d->title);
        free(d->content);
        free(d->content_type);
        free(d->source_service);
        free(d->source_path);
        free(d->content_hash);
        free(d->embed_model);
        free(d->embedding);
    }
    free(f->docs);
    for (size_t i = 0; i < f->passage_count; i++) {
        free(f->passages[i].passage_id);
        free(f->passages[i].heading);
        free(f->passages[i].text);
        free(f->passages[i].embedding);
    }
    free(f->passages);
    for (size_t i = 0; i < f->msg_count; i++) {
        struct fmsg *m = &f->msgs[i];
        free(m->id);
        free(m->conversation_id);
        free(m->question);
        free(m->status);
        free(m->response);
        free(m->error);
        free(m->sources_json);
    }
    free(f->msgs);
    for (size_t i = 0; i < f->conv_count; i++) {
        free(f->convs[i].id);
        free(f->convs[i].title);
    }
    free(f->convs);
    for (size_t i = 0; i < f->user_count; i++) {
        free(f->users[i].id);
        free(f->users[i].email);
        free(f->users[i].name);
        free(f->users[i].role);
        free(f->users[i].department);
    }
    free(f->users);
    free(f->embed_model);
    free(f);
}

static const char *fake_errmsg(const struct store *s)
{
    return CF(s)->errmsg;
}

static bool fake_is_connected(struct store *s)
{
    return !F(s)->is_down;
}

static enum err fake_reconnect(struct store *s)
{
    return enter(F(s), FOP_reconnect);
}

static enum err fake_whoami(struct store *s, struct store_user *out)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_whoami);
    if (e != ERR_OK)
        return e;
    *out = (struct store_user){
        .id = xstrdup("00000000-0000-4000-8000-00000000ffff"),
        .email = xstrdup("learner@example.com"),
        .name = xstrdup("Demo Learner"),
        .role = xstrdup("learner"),
        .department = xstrdup("Engineering"),
        .db_role = xstrdup("cca_learner"),
    };
    return ERR_OK;
}

static enum err fake_info(struct store *s, struct store_info *out)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_info);
    if (e != ERR_OK)
        return e;
    *out = (struct store_info){
        .server_version = xstrdup("fake"),
        .schema_version = 1,
        .pending_migrations = 0,
        .vector_impl = xstrdup("fake (brute-force cosine)"),
        .embed_dim = f->embed_dim,
        .embed_model = dup_or_null(f->embed_model),
        .session_role = xstrdup("cca_learner"),
    };
    return ERR_OK;
}

static enum err fake_migrate(struct store *s, bool status_only, char **report)
{
    enum err e = enter(F(s), FOP_migrate);
    if (e != ERR_OK)
        return e;
    *report = xstrdup(status_only ? "fake store: schema up to date\n"
                                  : "fake store: nothing to apply\n");
    return ERR_OK;
}

static enum err fake_seed(struct store *s, char **report)
{
    enum err e = enter(F(s), FOP_seed);
    if (e != ERR_OK)
        return e;
    *report = xstrdup("fake store: nothing to seed\n");
    return ERR_OK;
}

static enum err fake_set_embed_meta(struct store *s, int dim, const char *model)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_set_embed_meta);
    if (e != ERR_OK)
        return e;
    if (f->embed_dim == 0 && !f->embed_model) {
        f->embed_dim = dim;
        f->embed_model = dup_or_null(model);
        return ERR_OK;
    }
    if (f->embed_dim != dim || !model || !f->embed_model || strcmp(model, f->embed_model) != 0) {
        snprintf(f->errmsg, sizeof f->errmsg, "fake store: database holds %d-dim %s", f->embed_dim,
                 f->embed_model ? f->embed_model : "(none)");
        return ERR_DIM_MISMATCH;
    }
    return ERR_OK;
}

static double cosine(const float *a, const float *b, int dim)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < dim; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    if (na <= 0 || nb <= 0)
        return 0;
    return dot / (sqrt(na) * sqrt(nb));
}

struct scored {
    size_t idx;
    double score;
};

static int scored_cmp(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->idx < y->idx ? -1 : x->idx > y->idx; /* stable: insertion order */
}

static enum err fake_match_passages(struct store *s, const float *query, int dim,
                                    double threshold, int count, const char *const *types,
                                    size_t type_count, struct store_passage **out,
                                    size_t *out_count)
{
    struct fake *f = F(s);
    *out = NULL;
    *out_count = 0;
    enum err e = enter(f, FOP_match_passages);
    if (e != ERR_OK)
        return e;
    if (f->embed_dim && dim != f->embed_dim) {
        snprintf(f->errmsg, sizeof f->errmsg, "fake store: expected %d dimensions, not %d",
                 f->embed_dim, dim);
        return ERR_DIM_MISMATCH;
    }
    struct scored *sc = xcalloc(f->passage_count + 1, sizeof *sc);
    size_t n = 0;
    for (size_t i = 0; i < f->passage_count; i++) {
        const struct fpassage *p = &f->passages[i];
        if (!p->is_live || p->is_hidden || !p->embedding || p->dim != dim ||
            !type_allowed(f->docs[p->doc].content_type, types, type_count))
            continue;
        double sim = cosine(query, p->embedding, dim);
        if (sim < threshold)
            continue;
        sc[n++] = (struct scored){i, sim};
    }
    qsort(sc, n, sizeof *sc, scored_cmp);
    if (count >= 0 && n > (size_t)count)
        n = (size_t)count;
    if (n) {
        *out = xcalloc(n, sizeof **out);
        for (size_t i = 0; i < n; i++) {
            fill_hit(f, &f->passages[sc[i].idx], &(*out)[i]);
            (*out)[i].vector_score = sc[i].score;
            (*out)[i].vector_rank = (int)i + 1;
        }
    }
    *out_count = n;
    free(sc);
    return ERR_OK;
}

/* Lower-cased words of at least two alphanumeric bytes (bytes >= 0x80 count as letters). */
static size_t words_of(const char *text, char ***out)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        const unsigned char *start = p;
        while (*p && (isalnum(*p) || *p >= 0x80))
            p++;
        size_t len = (size_t)(p - start);
        if (len < 2)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xreallocarray(v, cap, sizeof *v);
        }
        char *w = xstrndup((const char *)start, len);
        for (char *c = w; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        v[n++] = w;
    }
    *out = v;
    return n;
}

static bool words_contain(char **v, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], w) == 0)
            return true;
    return false;
}

static enum err fake_search_passages(struct store *s, const char *query, const char *const *types,
                                     size_t type_count, int count, struct store_passage **out,
                                     size_t *out_count)
{
    struct fake *f = F(s);
    *out = NULL;
    *out_count = 0;
    enum err e = enter(f, FOP_search_passages);
    if (e != ERR_OK)
        return e;
    char **qw = NULL;
    size_t qn = words_of(query ? query : "", &qw);
    struct scored *sc = xcalloc(f->passage_count + 1, sizeof *sc);
    size_t n = 0;
    for (size_t i = 0; qn && i < f->passage_count; i++) {
        const struct fpassage *p = &f->passages[i];
        if (!p->is_live || p->is_hidden ||
            !type_allowed(f->docs[p->doc].content_type, types, type_count))
            continue;
        char *hay = xasprintf("%s %s %s", f->docs[p->doc].title, p->heading ? p->heading : "",
                              p->text);
        char **pw = NULL;
        size_t pn = words_of(hay, &pw);
        size_t hits = 0;
        for (size_t q = 0; q < qn; q++)
            if (!words_contain(qw, q, qw[q]) && words_contain(pw, pn, qw[q]))
                hits++;
        store_strv_free(pw, pn);
        free(hay);
        if (hits)
            sc[n++] = (struct scored){i, (double)hits / (double)qn};
    }
    store_strv_free(qw, qn);
    qsort(sc, n, sizeof *sc, scored_cmp);
    if (count >= 0 && n > (size_t)count)
        n = (size_t)count;
    if (n) {
        *out = xcalloc(n, sizeof **out);
        for (size_t i = 0; i < n; i++) {
            fill_hit(f, &f->passages[sc[i].idx], &(*out)[i]);
            (*out)[i].fts_score = sc[i].score;
            (*out)[i].fts_rank = (int)i + 1;
        }
    }
    *out_count = n;
    free(sc);
    return ERR_OK;
}

static struct fdoc *doc_by_path(struct fake *f, const char *source_path)
{
    for (size_t i = 0; source_path && i < f->doc_count; i++)
        if (f->docs[i].source_path && strcmp(f->docs[i].source_path, source_path) == 0)
            return &f->docs[i];
    return NULL;
}

static enum err fake_doc_lookup(struct store *s, const char *source_path, char **content_id,
                                char **content_hash)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_doc_lookup);
    if (e != ERR_OK)
        return e;
    const struct fdoc *d = doc_by_path(f, source_path);
    if (!d)
        return ERR_NOT_FOUND;
    if (content_id)
        *content_id = xstrdup(d->content_id);
    if (content_hash)
        *content_hash = dup_or_null(d->content_hash);
    return ERR_OK;
}

static float *copy_floats(const float *v, int dim)
{
    if (!v || dim <= 0)
        return NULL;
    float *c = xreallocarray(NULL, (size_t)dim, sizeof *c);
    memcpy(c, v, (size_t)dim * sizeof *c);
    return c;
}

static void add_passage(struct fake *f, size_t doc, int ordinal, const char *heading,
                        const char *text, const float *embedding, int dim)
{
    f->passages = xreallocarray(f->passages, f->passage_count + 1, sizeof *f->passages);
    f->passages[f->passage_count++] = (struct fpassage){
        .passage_id = new_id(f),
        .doc = doc,
        .ordinal = ordinal,
        .heading = dup_or_null(heading),
        .text = xstrdup(text ? text : ""),
        .embedding = copy_floats(embedding, dim),
        .dim = embedding ? dim : 0,
        .is_live = true,
    };
}

static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = dup_or_null(src);
}

static enum err fake_doc_replace(struct store *s, const struct store_doc_in *doc, char **content_id)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_doc_replace);
    if (e != ERR_OK)
        return e;
    if (!doc || !doc->title || !doc->content || !doc->content_type)
        return ERR_INVALID;
    struct fdoc *d = doc_by_path(f, doc->source_path);
    if (d) {
        size_t di = (size_t)(d - f->docs);
        for (size_t i = 0; i < f->passage_count; i++)
            if (f->passages[i].doc == di)
                f->passages[i].is_live = false;
    } else {
        f->docs = xreallocarray(f->docs, f->doc_count + 1, sizeof *f->docs);
        d = &f->docs[f->doc_count++];
        *d = (struct fdoc){.content_id = new_id(f)};
    }
    set_str(&d->title, doc->title);
    set_str(&d->content, doc->content);
    set_str(&d->content_type, doc->content_type);
    set_str(&d->source_service, doc->source_service);
    set_str(&d->source_path, doc->source_path);
    set_str(&d->content_hash, doc->content_hash);
    set_str(&d->embed_model, doc->embed_model);
    free(d->embedding);
    d->embedding = copy_floats(doc->embedding, doc->dim);
    d->dim = doc->dim;
    size_t di = (size_t)(d - f->docs);
    for (size_t i = 0; i < doc->passage_count; i++) {
        const struct store_passage_in *p = &doc->passages[i];
        add_passage(f, di, p->ordinal, p->heading, p->text, p->embedding, doc->dim);
    }
    if (content_id)
        *content_id = xstrdup(d->content_id);
    return ERR_OK;
}

static enum err fake_reindex_list(struct store *s, char ***passage_ids, char ***texts,
                                  size_t *count)
{
    struct fake *f = F(s);
    *passage_ids = NULL;
    *texts = NULL;
    *count = 0;
    enum err e = enter(f, FOP_reindex_list);
    if (e != ERR_OK)
        return e;
    size_t n = 0;
    char **ids = xcalloc(f->passage_count + 1, sizeof *ids);
    char **tx = xcalloc(f->passage_count + 1, sizeof *tx);
    for (size_t i = 0; i < f->passage_count; i++) {
        if (!f->passages[i].is_live)
            continue;
        ids[n] = xstrdup(f->passages[i].passage_id);
        tx[n] = xstrdup(f->passages[i].text);
        n++;
    }
    *passage_ids = ids;
    *texts = tx;
    *count = n;
    return ERR_OK;
}

static enum err fake_reindex_set(struct store *s, const char *passage_id, const float *embedding,
                                 int dim)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_reindex_set);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < f->passage_count; i++) {
        struct fpassage *p = &f->passages[i];
        if (p->is_live && strcmp(p->passage_id, passage_id) == 0) {
            free(p->embedding);
            p->embedding = copy_floats(embedding, dim);
            p->dim = embedding ? dim : 0;
            return ERR_OK;
        }
    }
    return ERR_NOT_FOUND;
}

static struct fconv *conv_find(struct fake *f, const char *id)
{
    for (size_t i = 0; id && i < f->conv_count; i++)
        if (strcmp(f->convs[i].id, id) == 0)
            return &f->convs[i];
    return NULL;
}

static enum err fake_message_begin(struct store *s, const char *conversation_id,
                                   const char *question, char **message_id,
                                   char **new_conversation_id)
{
    struct fake *f = F(s);
    if (message_id)
        *message_id = NULL;
    if (new_conversation_id)
        *new_conversation_id = NULL;
    enum err e = enter(f, FOP_message_begin);
    if (e != ERR_OK)
        return e;
    if (!question)
        return ERR_INVALID;
    struct fconv *c = conv_find(f, conversation_id);
    if (conversation_id && !c) {
        snprintf(f->errmsg, sizeof f->errmsg, "fake store: no conversation %s", conversation_id);
        return ERR_NOT_FOUND;
    }
    if (!c) {
        f->convs = xreallocarray(f->convs, f->conv_count + 1, sizeof *f->convs);
        c = &f->convs[f->conv_count++];
        size_t tlen = strlen(question) > 60 ? 60 : strlen(question);
        *c = (struct fconv){.id = new_id(f), .title = xstrndup(question, tlen)};
        if (new_conversation_id)
            *new_conversation_id = xstrdup(c->id);
    }
    c->updated_seq = ++f->seq;
    f->msgs = xreallocarray(f->msgs, f->msg_count + 1, sizeof *f->msgs);
    struct fmsg *m = &f->msgs[f->msg_count++];
    *m = (struct fmsg){
        .id = new_id(f),
        .conversation_id = xstrdup(c->id),
        .question = xstrdup(question),
        .status = xstrdup("pending"),
        .confidence = -1,
        .processing_ms = -1,
        .seq = f->seq,
    };
    if (message_id)
        *message_id = xstrdup(m->id);
    return ERR_OK;
}

static enum err fake_message_finish(struct store *s, const char *message_id,
                                    const struct store_outcome *o)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_message_finish);
    if (e != ERR_OK)
        return e;
    if (!o || !o->status || !message_id)
        return ERR_INVALID;
    for (size_t i = 0; i < f->msg_count; i++) {
        struct fmsg *m = &f->msgs[i];
        if (strcmp(m->id, message_id) != 0)
            continue;
        if (o->confidence != -1 && (o->confidence < 0 || o->confidence > 1)) {
            snprintf(f->errmsg, sizeof f->errmsg, "fake store: confidence out of range");
            return ERR_INVALID; /* the CHECK constraint in the schema */
        }
        set_str(&m->status, o->status);
        set_str(&m->response, o->response);
        set_str(&m->error, o->error);
        set_str(&m->sources_json, o->sources_json);
        m->confidence = o->confidence;
        m->processing_ms = o->processing_ms;
        m->is_offline = o->is_offline;
        m->abstain = o->abstain;
        m->finish_count++;
        struct fconv *c = conv_find(f, m->conversation_id);
        if (c)
            c->updated_seq = ++f->seq;
        return ERR_OK;
    }
    return ERR_NOT_FOUND;
}

static char *stamp(int seq)
{
    return xasprintf("2024-01-01T%02d:%02d:%02dZ", (seq / 3600) % 24, (seq / 60) % 60, seq % 60);
}

static enum err fake_conversations(struct store *s, int limit, struct store_conversation **out,
                                   size_t *out_count)
{
    struct fake *f = F(s);
    *out = NULL;
    *out_count = 0;
    enum err e = enter(f, FOP_conversations);
    if (e != ERR_OK)
        return e;
    struct scored *sc = xcalloc(f->conv_count + 1, sizeof *sc);
    for (size_t i = 0; i < f->conv_count; i++)
        sc[i] = (struct scored){i, f->convs[i].updated_seq};
    qsort(sc, f->conv_count, sizeof *sc, scored_cmp);
    size_t n = f->conv_count;
    if (limit >= 0 && n > (size_t)limit)
        n = (size_t)limit;
    if (n)
        *out = xcalloc(n, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        const struct fconv *c = &f->convs[sc[i].idx];
        int count = 0;
        for (size_t m = 0; m < f->msg_count; m++)
            count += strcmp(f->msgs[m].conversation_id, c->id) == 0;
        (*out)[i] = (struct store_conversation){
            .id = xstrdup(c->id),
            .title = xstrdup(c->title),
            .updated_at = stamp(c->updated_seq),
            .message_count = count,
        };
    }
    *out_count = n;
    free(sc);
    return ERR_OK;
}

static enum err fake_conversation_messages(struct store *s, const char *conversation_id,
                                           struct store_message **out, size_t *out_count)
{
    struct fake *f = F(s);
    *out = NULL;
    *out_count = 0;
    enum err e = enter(f, FOP_conversation_messages);
    if (e != ERR_OK)
        return e;
    if (!conv_find(f, conversation_id))
        return ERR_NOT_FOUND;
    size_t n = 0;
    struct store_message *v = xcalloc(f->msg_count + 1, sizeof *v);
    for (size_t i = 0; i < f->msg_count; i++) {
        const struct fmsg *m = &f->msgs[i];
        if (strcmp(m->conversation_id, conversation_id) != 0)
            continue;
        v[n++] = (struct store_message){
            .id = xstrdup(m->id),
            .conversation_id = xstrdup(m->conversation_id),
            .message = xstrdup(m->question),
            .response = dup_or_null(m->response),
            .status = xstrdup(m->status),
            .error = dup_or_null(m->error),
            .sources_json = dup_or_null(m->sources_json),
            .confidence = m->confidence,
            .processing_ms = m->processing_ms,
            .created_at = stamp(m->seq),
        };
    }
    if (n == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *out_count = n;
    return ERR_OK;
}

static enum err fake_user_add(struct store *s, const struct store_user_in *in, char **user_id)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_user_add);
    if (e != ERR_OK)
        return e;
    if (!in || !in->email || !in->name || !in->role)
        return ERR_INVALID;
    for (size_t i = 0; i < f->user_count; i++)
        if (strcmp(f->users[i].email, in->email) == 0)
            return ERR_EXISTS;
    f->users = xreallocarray(f->users, f->user_count + 1, sizeof *f->users);
    struct fuser *u = &f->users[f->user_count++];
    *u = (struct fuser){
        .id = new_id(f),
        .email = xstrdup(in->email),
        .name = xstrdup(in->name),
        .role = xstrdup(in->role),
        .department = dup_or_null(in->department),
    };
    if (user_id)
        *user_id = xstrdup(u->id);
    return ERR_OK;
}

static enum err fake_user_set_role(struct store *s, const char *email, const char *role)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_user_set_role);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < f->user_count; i++) {
        if (strcmp(f->users[i].email, email) == 0) {
            set_str(&f->users[i].role, role);
            return ERR_OK;
        }
    }
    return ERR_NOT_FOUND;
}

static enum err fake_user_list(struct store *s, struct store_user **out, size_t *out_count)
{
    struct fake *f = F(s);
    *out = NULL;
    *out_count = 0;
    enum err e = enter(f, FOP_user_list);
    if (e != ERR_OK)
        return e;
    if (f->user_count)
        *out = xcalloc(f->user_count, sizeof **out);
    for (size_t i = 0; i < f->user_count; i++) {
        const struct fuser *u = &f->users[i];
        (*out)[i] = (struct store_user){
            .id = xstrdup(u->id),
            .email = xstrdup(u->email),
            .name = xstrdup(u->name),
            .role = xstrdup(u->role),
            .department = dup_or_null(u->department),
            .db_role = xasprintf("cca_%s", u->role),
        };
    }
    *out_count = f->user_count;
    return ERR_OK;
}

static enum err fake_passages_readable(struct store *s, const char *const *passage_ids,
                                       size_t count, bool *readable);

static const struct store_ops fake_ops = {
    .free = fake_free,
    .errmsg = fake_errmsg,
    .is_connected = fake_is_connected,
    .reconnect = fake_reconnect,
    .whoami = fake_whoami,
    .info = fake_info,
    .migrate = fake_migrate,
    .seed = fake_seed,
    .set_embed_meta = fake_set_embed_meta,
    .match_passages = fake_match_passages,
    .search_passages = fake_search_passages,
    .passages_readable = fake_passages_readable,
    .doc_lookup = fake_doc_lookup,
    .doc_replace = fake_doc_replace,
    .reindex_list = fake_reindex_list,
    .reindex_set = fake_reindex_set,
    .message_begin = fake_message_begin,
    .message_finish = fake_message_finish,
    .conversations = fake_conversations,
    .conversation_messages = fake_conversation_messages,
    .user_add = fake_user_add,
    .user_set_role = fake_user_set_role,
    .user_list = fake_user_list,
};

/* ---- test controls ----------------------------------------------------------------------- */

struct store *fake_store_new(void)
{
    struct fake *f = xcalloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    return &f->base;
}

void fake_store_add_passage(struct store *s, const char *title, const char *content_type,
                            const char *source_path, const char *heading, const char *text,
                            const float *embedding, int dim, const char **passage_id)
{
    struct fake *f = F(s);
    f->docs = xreallocarray(f->docs, f->doc_count + 1, sizeof *f->docs);
    f->docs[f->doc_count] = (struct fdoc){
        .content_id = new_id(f),
        .title = xstrdup(title ? title : "Untitled"),
        .content = xstrdup(text ? text : ""),
        .content_type = xstrdup(content_type ? content_type : "tutorial"),
        .source_path = dup_or_null(source_path),
        .dim = dim,
    };
    f->doc_count++;
    add_passage(f, f->doc_count - 1, 0, heading, text, embedding, dim);
    if (passage_id)
        *passage_id = f->passages[f->passage_count - 1].passage_id;
}

void fake_store_set_down(struct store *s, bool is_down)
{
    F(s)->is_down = is_down;
}

static int fop_find(const char *op)
{
    for (int i = 0; op && i < FOP__COUNT; i++)
        if (strcmp(fop_names[i], op) == 0)
            return i;
    return -1;
}

void fake_store_hide_passage(struct store *s, const char *passage_id)
{
    struct fake *f = F(s);
    for (size_t i = 0; i < f->passage_count; i++)
        if (strcmp(f->passages[i].passage_id, passage_id) == 0)
            f->passages[i].is_hidden = true;
}

static enum err fake_passages_readable(struct store *s, const char *const *passage_ids,
                                       size_t count, bool *readable)
{
    struct fake *f = F(s);
    enum err e = enter(f, FOP_passages_readable);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; passage_ids[i] && k < f->passage_count; k++)
            if (f->passages[k].is_live && !f->passages[k].is_hidden &&
                strcmp(f->passages[k].passage_id, passage_ids[i]) == 0)
                readable[i] = true;
    return ERR_OK;
}

void fake_store_fail_op(struct store *s, const char *op, enum err e)
{
    int i = fop_find(op);
    if (i >= 0)
        F(s)->fail[i] = e;
}

int fake_store_calls(const struct store *s, const char *op)
{
    int i = fop_find(op);
    return i >= 0 ? CF(s)->calls[i] : 0;
}

size_t fake_store_doc_count(const struct store *s)
{
    return CF(s)->doc_count;
}

bool fake_store_doc_get(const struct store *s, size_t i, struct fake_store_doc *out)
{
    const struct fake *f = CF(s);
    if (i >= f->doc_count)
        return false;
    const struct fdoc *d = &f->docs[i];
    size_t pc = 0;
    for (size_t p = 0; p < f->passage_count; p++)
        pc += f->passages[p].is_live && f->passages[p].doc == i;
    *out = (struct fake_store_doc){
        .content_id = d->content_id,
        .title = d->title,
        .content = d->content,
        .content_type = d->content_type,
        .source_service = d->source_service,
        .source_path = d->source_path,
        .content_hash = d->content_hash,
        .embed_model = d->embed_model,
        .has_embedding = d->embedding != NULL,
        .dim = d->dim,
        .passage_count = pc,
    };
    return true;
}

/* Live passages only, in insertion order. */
size_t fake_store_passage_count(const struct store *s)
{
    const struct fake *f = CF(s);
    size_t n = 0;
    for (size_t i = 0; i < f->passage_count; i++)
        n += f->passages[i].is_live;
    return n;
}

bool fake_store_passage_get(const struct store *s, size_t i, struct fake_store_passage *out)
{
    const struct fake *f = CF(s);
    for (size_t k = 0; k < f->passage_count; k++) {
        const struct fpassage *p = &f->passages[k];
        if (!p->is_live)
            continue;
        if (i-- == 0) {
            *out = (struct fake_store_passage){
                .passage_id = p->passage_id,
                .content_id = f->docs[p->doc].content_id,
                .ordinal = p->ordinal,
                .heading = p->heading,
                .text = p->text,
                .embedding = p->embedding,
                .dim = p->dim,
            };
            return true;
        }
    }
    return false;
}

size_t fake_store_message_count(const struct store *s)
{
    return CF(s)->msg_count;
}

bool fake_store_message_get(const struct store *s, size_t i, struct fake_store_message *out)
{
    const struct fake *f = CF(s);
    if (i >= f->msg_count)
        return false;
    const struct fmsg *m = &f->msgs[i];
    *out = (struct fake_store_message){
        .id = m->id,
        .conversation_id = m->conversation_id,
        .question = m->question,
        .status = m->status,
        .response = m->response,
        .error = m->error,
        .sources_json = m->sources_json,
        .confidence = m->confidence,
        .processing_ms = m->processing_ms,
        .is_offline = m->is_offline,
        .abstain = m->abstain,
        .finish_count = m->finish_count,
    };
    return true;
}

int fake_store_embed_dim(const struct store *s)
{
    return CF(s)->embed_dim;
}

const char *fake_store_embed_model(const struct store *s)
{
    return CF(s)->embed_model;
}

/* pg_learning: core/store_learning.h over PostgreSQL: one SQL function call each, every value
 * a text parameter cast in the statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/store_learning.h"

#include "db/pg_call.h"

struct store_call *store_learning_dashboard(struct store *s, store_reply_fn fn, void *userdata)
{
    return pg_store_call_read(s, "SELECT cca_learning_dashboard()::text", 0, NULL, fn, userdata);
}

struct store_call *store_learning_reader_open(struct store *s, const char *content_id,
                                              const char *course_id, const char *passage_id,
                                              store_reply_fn fn, void *userdata)
{
    /* The passage's offset is the position of its text in the document, in characters like
     * read_position; passages are cut from the text as it is stored. */
    const char *params[] = {content_id, course_id, passage_id};
    return pg_store_call_read(s,
                         "SELECT cca_reader_open($1, $2)::text,"
                         " (SELECT nullif(strpos(c.content, p.body), 0) - 1"
                         "  FROM content_passages p JOIN learning_content c ON c.id = p.content_id"
                         "  WHERE p.id = $3 AND p.content_id = $1)",
                         3, params, fn, userdata);
}

#define RECORD_SQL                                                                                 \
    "SELECT cca_record_reading($1, $2::integer, $3::integer, $4::boolean, $5::float8)::text"

struct reading_params {
    char position[24], seconds[24], percent[32];
    const char *values[5];
};

static void reading_params(const struct store_reading *r, struct reading_params *p)
{
    snprintf(p->position, sizeof p->position, "%ld", r->position);
    snprintf(p->seconds, sizeof p->seconds, "%ld",
             r->seconds < 0       ? 0
             : r->seconds > 86400 ? 86400
                                  : r->seconds);
    snprintf(p->percent, sizeof p->percent, "%.2f", r->percent > 100 ? 100.0 : r->percent);
    p->values[0] = r->content_id;
    p->values[1] = r->position >= 0 ? p->position : NULL;
    p->values[2] = p->seconds;
    p->values[3] = r->is_completed ? "true" : "false";
    p->values[4] = r->percent >= 0 ? p->percent : NULL;
}

struct store_call *store_learning_record(struct store *s, const struct store_reading *r,
                                         store_reply_fn fn, void *userdata)
{
    struct reading_params p;
    reading_params(r, &p);
    return pg_store_call(s, RECORD_SQL, 5, p.values, fn, userdata);
}

static void ignore_reply(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    (void)userdata;
    (void)e;
    (void)errmsg;
    (void)rows;
}

enum err store_learning_record_now(struct store *s, const struct store_reading *r)
{
    struct reading_params p;
    reading_params(r, &p);
    return pg_store_call_now(s, RECORD_SQL, 5, p.values, ignore_reply, NULL);
}

struct store_call *store_learning_recommendations(struct store *s, bool refresh, int limit,
                                                  store_reply_fn fn, void *userdata)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 10);
    const char *params[] = {refresh ? "true" : "false", lim};
    return pg_store_call(s, "SELECT cca_recommendations($1::boolean, $2::integer)::text", 2, params,
                         fn, userdata);
}

struct store_call *store_learning_recommendation_open(struct store *s, const char *id,
                                                      store_reply_fn fn, void *userdata)
{
    const char *params[] = {id};
    return pg_store_call(s, "SELECT cca_recommendation_open($1)::text", 1, params, fn, userdata);
}

struct store_call *store_learning_recommendation_dismiss(struct store *s, const char *id,
                                                         store_reply_fn fn, void *userdata)
{
    const char *params[] = {id};
    return pg_store_call(s, "SELECT cca_recommendation_dismiss($1)::text", 1, params, fn, userdata);
}

/* Keeps the text of row 0, column 0. */
static void keep_text(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    (void)errmsg;
    char **out = userdata;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    *out = text ? xstrdup(text) : NULL;
}

static enum err one_text(struct store *s, const char *sql, int nparams, const char *const *params,
                         char **json)
{
    *json = NULL;
    enum err e = pg_store_call_now(s, sql, nparams, params, keep_text, json);
    if (e == ERR_OK && !*json)
        e = ERR_NOT_FOUND;
    return e;
}

enum err store_learning_summary(struct store *s, char **json)
{
    return one_text(s, "SELECT cca_learning_summary()::text", 0, NULL, json);
}

enum err store_learning_seed_scale(struct store *s, double factor, char **json)
{
    char f[32];
    snprintf(f, sizeof f, "%.6g", factor);
    const char *params[] = {f};
    return one_text(s, "SELECT cca_seed_scale($1::numeric)::text", 1, params, json);
}

/* store_learning: the learner's own screens over the Learning API of migration 011 (see
 * tests/db/README.md "Learning API"). Every call acts for the connected person only: the SQL
 * functions take no user id, run as the caller, and row-level security decides what is read
 * and written. Implemented by db/pg_learning.c; other stores reply ERR_UNSUPPORTED. Replies
 * come through fn, on the loop when one is attached (store_attach_loop), else before the call
 * returns; the *_now calls always answer before returning. */
#ifndef CCA_STORE_LEARNING_H
#define CCA_STORE_LEARNING_H

#include <stdbool.h>

#include "core/store.h"

/* cca_learning_dashboard(): one JSON document in row 0, column 0 (core/progress.h). */
struct store_call *store_learning_dashboard(struct store *s, store_reply_fn fn, void *userdata);

/* cca_reader_open(content_id, course_id): the JSON document in column 0 (core/reader.h);
 * column 1 holds the character offset in the body where passage_id starts, or NULL (no
 * passage asked for, not of this content, or not found). course_id and passage_id may be
 * NULL. */
struct store_call *store_learning_reader_open(struct store *s, const char *content_id,
                                              const char *course_id, const char *passage_id,
                                              store_reply_fn fn, void *userdata);

/* One reading heartbeat (cca_record_reading): position is the character offset to resume at
 * (< 0 keeps the stored one), seconds the reading time since the last heartbeat (0..86400),
 * percent how far the learner read (< 0: none); is_completed marks the content complete. */
struct store_reading {
    const char *content_id;
    long position;
    long seconds;
    double percent;
    bool is_completed;
};

struct store_call *store_learning_record(struct store *s, const struct store_reading *r,
                                         store_reply_fn fn, void *userdata);
/* The same at once on the main connection (the last write when the application closes). */
enum err store_learning_record_now(struct store *s, const struct store_reading *r);

/* cca_recommendations(refresh, limit): the stored recommendations (regenerated first when
 * refresh is true or none is active), JSON in row 0 (core/recommend.h). */
struct store_call *store_learning_recommendations(struct store *s, bool refresh, int limit,
                                                  store_reply_fn fn, void *userdata);
/* cca_recommendation_open(id): records the click; JSON {id, type, item_id, open} in row 0. */
struct store_call *store_learning_recommendation_open(struct store *s, const char *id,
                                                      store_reply_fn fn, void *userdata);
/* cca_recommendation_dismiss(id): the item never comes back; JSON in row 0. */
struct store_call *store_learning_recommendation_dismiss(struct store *s, const char *id,
                                                         store_reply_fn fn, void *userdata);

/* cca_learning_summary() at once, for the chat: *json (heap, the caller frees) gets the
 * document. ERR_UNSUPPORTED for a store that is not PostgreSQL; store_errmsg has the detail of
 * a failure. */
enum err store_learning_summary(struct store *s, char **json);

/* cca_seed_scale(factor) at once (superuser only): *json (heap, the caller frees) gets its
 * report. */
enum err store_learning_seed_scale(struct store *s, double factor, char **json);

#endif

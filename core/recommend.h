/* recommend: the Recommendations tab's model, read from the JSON of cca_recommendations() and
 * cca_recommendation_open() (core/store_learning.h). The database generates, stores and
 * explains them; this only reads. Pure; every string is safe to show. */
#ifndef CCA_RECOMMEND_H
#define CCA_RECOMMEND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct recommend_item {
    char *id;   /* recommendations.id */
    char *type; /* skill | course | content */
    char *item_id;
    char *title, *reason;
    double score; /* 0..1 */
    bool is_clicked;
    char *created_at; /* ISO 8601, may be NULL */
    /* What Enter opens in the reader (NULL content_id: nothing to read yet). */
    char *open_content_id, *open_course_id, *open_title;
};

struct recommend_list {
    char *generated_at; /* may be NULL */
    struct recommend_item *items;
    size_t count;
};

/* Parses text (len bytes). The caller owns *out (recommend_list_free). ERR_INVALID when it is
 * not the recommendations document. */
enum err recommend_parse(const char *text, size_t len, struct recommend_list **out);
/* NULL is a no-op. */
void recommend_list_free(struct recommend_list *l);
/* Removes item i (after a dismissal) keeping the order. */
void recommend_remove(struct recommend_list *l, size_t i);
/* The reader's target from the reply of cca_recommendation_open(): *content_id and *course_id
 * (heap, NULL when absent). ERR_NOT_FOUND when there is nothing to open. */
enum err recommend_open_parse(const char *text, size_t len, char **content_id, char **course_id);

#endif

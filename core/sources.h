/* sources: the passages an answer was given as [1], [2]...: the one owner of the list, which
 * frees it and turns it into the JSON stored with the answer (chat_messages.sources) and back.
 * Pure: no I/O; never trusts stored JSON (counts and sizes capped). */
#ifndef CCA_SOURCES_H
#define CCA_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum {
    SOURCES_JSON_MAX = 4u << 20,   /* bytes of the stored array */
    SOURCES_COUNT_MAX = 64,        /* sources kept from one array; the rest is ignored */
    SOURCES_NUMBER_MAX = 999,      /* the largest [n] accepted from the "n" member */
    SOURCES_FIELD_MAX = 4096,      /* bytes kept of an id, title, heading, path or audience */
    SOURCES_PASSAGE_MAX = 256u << 10, /* bytes kept of a passage */
};

/* A passage given to the answer as [n]. */
struct source {
    int number;          /* the n in [n], 1-based */
    char *content_id;
    char *passage_id;
    char *title;
    char *heading;       /* may be NULL */
    char *source_path;   /* may be NULL */
    char *text;
    double similarity;   /* cosine similarity, -1 if only full-text found it */
    double fts_score;    /* -1 if only the vector retriever found it */
    double fused_score;
    double coverage;     /* share of the question's key words the passage holds, -1 unknown */
    char *audience;      /* "HR only", "Draft" ... for restricted documents; NULL: everyone */
    bool is_due_for_review; /* its document is past its review-by date when the answer was
                               given (stored as "review_due": true) */
    bool is_cited;       /* the final answer cites it as [n] (set in the answer of on_done) */
};

/* The stored form of count sources:
 *   [{"n", "content_id", "passage_id", "title", "heading", "source_path", "passage",
 *     "similarity", "audience", "review_due"}, ...]
 * ("audience" only for restricted documents, "review_due": true only for content past its
 * review-by date). A heap string owned by the caller; "[]" when the
 * sources are too large to store (SOURCES_JSON_MAX). */
char *sources_to_json(const struct source *s, size_t count);

/* Parses a sources array as core/rag.c stores it:
 *   [{"n", "content_id", "passage_id", "title", "heading", "source_path", "passage",
 *     "similarity", "audience"}, ...]
 * into *out (a heap array the caller frees with sources_free) and *out_count. Tolerant:
 * elements that are not objects are skipped; a missing or invalid "n" becomes the element's
 * position (1-based); an element whose number is already taken is skipped; a missing title is
 * "Untitled", missing ids and passage are "", missing heading, source_path and audience are
 * NULL (no audience: everyone, as in sources stored before restricted content existed);
 * similarity outside [0,1] or null is -1 (full-text only); "review_due": true sets
 * is_due_for_review (anything else, or none: false). Strings longer than the caps are cut
 * at a character boundary. The stored form keeps no full-text or fused score: fts_score is -1
 * and fused_score 0. text NULL or empty gives no sources. ERR_TOO_LARGE when len exceeds
 * the JSON size cap (JSON_TEXT_MAX), ERR_INVALID when it is not JSON or not an array; *out is NULL on error. */
enum err sources_from_json(const char *text, size_t len, struct source **out,
                           size_t *out_count);
/* Frees an array of count sources (each member and the array); NULL is a no-op. */
void sources_free(struct source *s, size_t count);

#endif

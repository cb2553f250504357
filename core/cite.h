/* cite: finds the [n] / [n, m] / [n-m] citations in an answer, checks them against the
 * passages that were given (1..passage_count), removes the ones that point nowhere, and
 * reports which passages were cited and how much of the answer carries a citation. Pure. */
#ifndef CCA_CITE_H
#define CCA_CITE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Citation lists longer than this or numbers above CITE_MAX_NUMBER are not citations. */
enum { CITE_MAX_NUMBER = 999, CITE_MAX_LIST = 16 };

struct cite_report {
    char *text;             /* the answer with invalid citations removed (heap, caller owns) */
    bool *is_cited;         /* passage_count flags: is_cited[n-1] when [n] appears */
    size_t passage_count;
    size_t cited_count;     /* distinct valid passages cited */
    size_t valid_count;     /* valid citation numbers seen (with repeats) */
    size_t invalid_count;   /* numbers removed because no such passage was given */
    size_t sentence_count;  /* sentences (or list items) with at least 3 words */
    size_t sentences_cited; /* of those, how many end with or contain a valid citation */
};

/* Checks answer (len bytes) against passages 1..passage_count. Always succeeds for valid
 * arguments; out must be released with cite_report_cleanup. */
enum err cite_check(const char *answer, size_t len, size_t passage_count,
                    struct cite_report *out);
/* sentences_cited / sentence_count, or 0 when the answer has no sentence. */
double cite_sentence_coverage(const struct cite_report *r);
void cite_report_cleanup(struct cite_report *r);

#endif

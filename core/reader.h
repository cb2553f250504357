/* reader: the model of the Reader screen. Reads the JSON of cca_reader_open() (see
 * tests/db/README.md "Learning API"), splits the body into sections at Markdown headings so a
 * display line can be mapped back to a character offset (read_position is counted in
 * characters, as the database counts them), parses and formats the screen's argument, and
 * keeps the reading clock: seconds count only while the reader is visible and a key arrived
 * in the last READER_IDLE_MS. Pure: no I/O, no curses; every string is safe to show. */
#ifndef CCA_READER_H
#define CCA_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define READER_IDLE_MS 120000   /* no key for this long: the learner is away, time stops */
#define READER_FLUSH_MS 15000   /* a heartbeat at most this often */
#define READER_TICK_MAX_MS 1000 /* one tick never adds more (a suspended process) */

/* --- the screen's argument: CONTENT_ID[#PASSAGE_ID][#course=COURSE_ID] ------------------ */

struct reader_arg {
    char *content_id;
    char *passage_id; /* NULL: resume where the learner stopped */
    char *course_id;  /* NULL: the database picks the content's first course */
};

/* Parses arg (from ctx->open_screen). ERR_INVALID for an empty content id. Ids holding '#'
 * cannot be passed. The caller releases out with reader_arg_cleanup (also after a failure). */
enum err reader_arg_parse(const char *arg, struct reader_arg *out);
void reader_arg_cleanup(struct reader_arg *a);
/* The argument for content_id (passage_id and course_id may be NULL); heap, caller frees. */
char *reader_arg_format(const char *content_id, const char *passage_id, const char *course_id);

/* --- the document ----------------------------------------------------------------------- */

/* A run of the body from one heading to the next (the first may have none). */
struct reader_section {
    size_t off, len;         /* bytes of body */
    long char_off, char_len; /* the same in characters */
};

struct reader_doc {
    char *content_id, *title, *content_type;
    char *body; /* sanitised Markdown */
    size_t body_len;
    long char_count; /* characters in body */
    struct reader_section *sections;
    size_t section_count;
    /* the learner's progress when opened */
    long read_position; /* characters */
    double progress;    /* 0..100 */
    long time_spent_s;
    bool is_completed;
    /* the course it was opened in, or none */
    char *course_id, *course_title;
    int course_index, course_count;                    /* 1-based */
    char *prev_id, *prev_title, *next_id, *next_title; /* may be NULL */
};

/* Parses the reader document (len bytes). The caller owns *out (reader_doc_free). ERR_INVALID
 * when it is not one. */
enum err reader_doc_parse(const char *text, size_t len, struct reader_doc **out);
/* NULL is a no-op. */
void reader_doc_free(struct reader_doc *d);
/* The section holding character char_pos (clamped to the document), and in *fraction (may be
 * NULL) how far into it, 0..1. */
size_t reader_section_at(const struct reader_doc *d, long char_pos, double *fraction);
/* The character offset fraction (0..1) of the way through section i. */
long reader_char_in_section(const struct reader_doc *d, size_t i, double fraction);

/* --- the reading clock ------------------------------------------------------------------ */

struct reader_clock {
    bool is_running;     /* the reader is visible */
    int64_t last_ms;     /* the last tick or start */
    int64_t last_key_ms; /* the last key (or the opening of a document) */
    int64_t active_ms;   /* counted and not yet taken */
};

/* The reader became visible at now_ms (counts as a key: opening is an action). */
void reader_clock_start(struct reader_clock *c, int64_t now_ms);
/* A key arrived. */
void reader_clock_key(struct reader_clock *c, int64_t now_ms);
/* Counts the time since the last tick when visible and not idle; call it often (each tick,
 * and before stopping or taking). A gap above READER_TICK_MAX_MS counts as that much. */
void reader_clock_tick(struct reader_clock *c, int64_t now_ms);
/* The reader was hidden (counts up to now_ms first). */
void reader_clock_stop(struct reader_clock *c, int64_t now_ms);
/* Whole seconds counted so far, removed from the clock (the rest stays for next time). */
long reader_clock_take(struct reader_clock *c);
/* Gives seconds back after a failed write, so they go with the next one. */
void reader_clock_give_back(struct reader_clock *c, long seconds);

#endif

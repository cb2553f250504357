/* json_out: a small streaming JSON writer into a capped buffer, for command-line output and
 * the sources column. Pure. Strings are escaped per RFC 8259 and invalid UTF-8 becomes U+FFFD,
 * so the output is always valid JSON. The cJSON users stay llm_*.c only. */
#ifndef CCA_JSON_OUT_H
#define CCA_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum { JSON_OUT_MAX_DEPTH = 32 };

/* Writer state. The first error (ERR_TOO_LARGE from the cap, ERR_INVALID for misuse such as
 * too deep nesting) sticks and later calls do nothing; check json_out_finish. */
struct json_out {
    struct buf buf;
    enum err err;
    int depth;
    bool has_items[JSON_OUT_MAX_DEPTH]; /* a comma is due before the next item */
    bool after_key;                     /* the next value follows "key": */
};

/* Starts an empty document that may grow to max_len bytes. */
void json_out_init(struct json_out *j, size_t max_len);
void json_out_cleanup(struct json_out *j);

void json_out_object_begin(struct json_out *j);
void json_out_object_end(struct json_out *j);
void json_out_array_begin(struct json_out *j);
void json_out_array_end(struct json_out *j);
/* Writes "key": inside an object; the next call writes its value. */
void json_out_key(struct json_out *j, const char *key);
/* A string value; NULL writes null. */
void json_out_string(struct json_out *j, const char *s);
void json_out_stringn(struct json_out *j, const char *s, size_t len);
/* A number; NaN and infinities (not representable in JSON) write null. */
void json_out_number(struct json_out *j, double v);
void json_out_int(struct json_out *j, long v);
void json_out_bool(struct json_out *j, bool v);
void json_out_null(struct json_out *j);

/* Checks the document is complete (every container closed) and hands its text to the caller
 * (heap string) in *out. On error *out is NULL and the writer's error is returned. */
enum err json_out_finish(struct json_out *j, char **out);

/* Appends s (len bytes) as a quoted, escaped JSON string to b. */
enum err json_out_escape(struct buf *b, const char *s, size_t len);

#endif

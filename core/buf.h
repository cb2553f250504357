/* buf: a growable byte buffer with a mandatory cap (curl dynbuf). Data is always
 * NUL-terminated so it can be read as a C string; len excludes the terminator. */
#ifndef CCA_BUF_H
#define CCA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

struct buf {
    char *data;     /* NULL until the first append */
    size_t len;     /* bytes used, excluding the terminating NUL */
    size_t cap;     /* bytes allocated */
    size_t max_len; /* appends that would exceed this fail with ERR_TOO_LARGE */
};

/* Initialises an empty buffer that may hold at most max_len bytes. */
void buf_init(struct buf *b, size_t max_len);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_cleanup(struct buf *b);
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Appends len bytes (copies). ERR_TOO_LARGE leaves the buffer unchanged. */
enum err buf_append(struct buf *b, const void *data, size_t len);
enum err buf_append_str(struct buf *b, const char *s);
enum err buf_append_char(struct buf *b, char c);
enum err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum err buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Hands the NUL-terminated data to the caller (never NULL) and empties the buffer. */
char *buf_detach(struct buf *b);
/* The contents as a C string, valid until the next change; "" when empty. */
const char *buf_str(const struct buf *b);

#endif

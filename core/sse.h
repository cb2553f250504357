/* sse: an incremental Server-Sent-Events parser (the WHATWG event-stream format). Pure: bytes
 * in, events out through a callback; no I/O. Every buffer it fills from the wire is capped. */
#ifndef CCA_SSE_H
#define CCA_SSE_H

#include <stddef.h>

#include "core/err.h"

struct sse_parser;

/* The suggested cap on one event's data (and on one line): 1 MiB. */
enum { SSE_MAX_EVENT_LEN = 1 << 20 };

/* One dispatched event. Every string is NUL-terminated and valid only during the callback. */
struct sse_event {
    const char *type; /* the event: field, "message" when absent */
    const char *data; /* the data: lines joined with '\n' (no trailing '\n'); may hold NULs */
    size_t data_len;  /* bytes in data */
    const char *id;   /* the last id: field seen so far, "" when none */
    /* Not in the standard: some LLM servers report a failure in an "error:" field. Its value
     * (several joined with '\n'), NUL-terminated, or NULL when the event had none. */
    const char *error;
    size_t error_len;
};

/* Receives each event; returning anything but ERR_OK stops the parser, and that error is
 * returned by the sse_parser_feed or sse_parser_finish call that dispatched the event. */
typedef enum err (*sse_event_fn)(void *userdata, const struct sse_event *ev);

/* A parser that calls on_event for each complete event. An event's data and any one line are
 * limited to max_event_len bytes (0 means SSE_MAX_EVENT_LEN). Never returns NULL. */
struct sse_parser *sse_parser_new(size_t max_event_len, sse_event_fn on_event, void *userdata);
/* NULL is a no-op. */
void sse_parser_free(struct sse_parser *p);

/* Feeds len bytes, split anywhere (inside a line, a CRLF or a UTF-8 sequence). Lines may end
 * with CRLF, LF or CR; a leading UTF-8 BOM is skipped; comment lines (":...") are ignored.
 * Beyond the standard, so a server's failure is never lost: an event with an "error:" field,
 * or of type "error", is dispatched even without data.
 * Returns ERR_TOO_LARGE when a line or an event's data exceeds the cap, or the callback's
 * error. Errors are sticky: later calls return the same error without parsing. */
enum err sse_parser_feed(struct sse_parser *p, const void *data, size_t len);
/* Ends the stream. Unlike a browser, a final line without its terminator and an event without
 * its closing blank line are still dispatched (servers that just close the connection).
 * Returns the sticky error, or the callback's; feeding after finish returns ERR_INVALID. */
enum err sse_parser_finish(struct sse_parser *p);

/* The reconnection time from the last valid retry: field, -1 when none was seen. */
long sse_parser_retry_ms(const struct sse_parser *p);

#endif

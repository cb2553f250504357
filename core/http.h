/* http: asynchronous HTTP(S) requests on the loop, the only libcurl user. Requests run through
 * curl's multi *socket* API, whose sockets and timer are watched by core/loop, so nothing ever
 * blocks; the body is handed over in chunks as it arrives; any request can be cancelled.
 * Only http and https are allowed, TLS peers are verified and redirects are not followed. */
#ifndef CCA_HTTP_H
#define CCA_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct loop;
struct http;
struct http_request;

struct http_options {
    const char *method;          /* NULL: POST when body is set, else GET */
    const char *url;             /* http:// or https:// */
    const char *const *headers;  /* "Name: value" lines; copied, and wiped when freed since
                                    they may carry an API key */
    size_t header_count;
    const char *body;            /* copied; may be NULL */
    size_t body_len;
    long connect_timeout_ms;     /* 0: libcurl's default (300 s) */
    long idle_timeout_ms;        /* no byte received for this long ends the request with
                                    ERR_TIMEOUT; 0: no limit */
};

/* The callbacks of one request. None of them may free the http client. */
struct http_callbacks {
    /* The final response's headers are complete (status is the HTTP status; http_request_header
     * works from here on). Returning an error aborts the request with that error. May be NULL. */
    enum err (*on_response)(void *userdata, struct http_request *req, long status);
    /* A piece of the body, len > 0 bytes. Returning an error aborts the request with it. */
    enum err (*on_body)(void *userdata, const char *data, size_t len);
    /* Called exactly once unless the request was cancelled: ERR_OK when the whole body
     * arrived, else the transport failure (ERR_CONNECT, ERR_DNS, ERR_TLS, ERR_TIMEOUT,
     * ERR_TRUNCATED, ...) or the error a callback returned. errmsg describes it (valid during
     * the call). The request is freed right after this returns. */
    void (*on_done)(void *userdata, enum err e, const char *errmsg);
};

/* A client whose requests run on loop (borrowed for the client's life). */
enum err http_new(struct loop *loop, struct http **out);
/* Cancels every request in flight (no callbacks fire) and frees the client. NULL is a no-op.
 * Must not be called from inside one of its callbacks. */
void http_free(struct http *http);

/* Starts a request (copies opts and its strings). ERR_INVALID for a URL that is not http(s).
 * *out (may be NULL) is valid until on_done returns or http_request_cancel is called. */
enum err http_request_start(struct http *http, const struct http_options *opts,
                            const struct http_callbacks *cb, void *userdata,
                            struct http_request **out);
/* Stops the request: after this returns none of its callbacks fire. Safe inside its own
 * on_response/on_body callbacks (the request is then freed once libcurl returns); inside its
 * on_done it does nothing. */
void http_request_cancel(struct http_request *req);

/* Copies the value of the final response's header name (case-insensitive), trimmed, into out
 * (outlen bytes, truncated); false when absent. Valid from on_response until on_done. */
bool http_request_header(const struct http_request *req, const char *name, char *out,
                         size_t outlen);

/* The number of requests in flight (started, not yet done or cancelled). */
size_t http_active_count(const struct http *http);

#endif

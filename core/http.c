/* http: libcurl's multi socket API mapped onto core/loop. curl tells us which sockets to watch
 * (socket callback) and when to call it back (timer callback); the loop tells curl what became
 * ready. User callbacks run inside curl's callbacks, where libcurl forbids multi calls, so adds
 * and cancels made there are deferred until curl returns ("depth" counts the nesting). */
#include "core/http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/secret.h"

#ifndef CCA_VERSION
#define CCA_VERSION "dev"
#endif

/* Response headers kept for http_request_header; a server sending more is refused. */
enum { HTTP_MAX_HEADER_BYTES = 64 * 1024 };

struct http_request {
    struct http *http;
    struct http_request *prev, *next; /* the client's list of live requests */
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct http_callbacks cb;
    void *userdata;
    struct buf resp_headers;
    long idle_timeout_ms;
    int64_t last_activity_ms;
    uint64_t idle_timer;
    enum err abort_err;   /* set when a callback or the idle timer stopped the transfer */
    char abort_msg[160];
    bool is_added;        /* handed to the multi handle */
    bool has_response;    /* on_response was called */
    bool is_cancelled;    /* no more callbacks; free once curl lets go */
    bool is_done;         /* inside on_done */
    char errbuf[CURL_ERROR_SIZE];
};

struct http {
    struct loop *loop;
    CURLM *multi;
    uint64_t timer_id;
    int depth; /* > 0 while inside curl_multi_socket_action */
    struct http_request *head;
};

static void drive(struct http *http, curl_socket_t fd, int ev_bitmask);

/* ---- request bookkeeping ---------------------------------------------------------------- */

static void wipe_slist(struct curl_slist *list)
{
    for (struct curl_slist *l = list; l; l = l->next)
        if (l->data)
            secret_memzero(l->data, strlen(l->data));
    curl_slist_free_all(list);
}

static void request_free(struct http_request *req)
{
    struct http *http = req->http;
    if (req->idle_timer)
        loop_timer_cancel(http->loop, req->idle_timer);
    if (req->prev)
        req->prev->next = req->next;
    else
        http->head = req->next;
    if (req->next)
        req->next->prev = req->prev;
    if (req->is_added)
        curl_multi_remove_handle(http->multi, req->easy);
    curl_easy_cleanup(req->easy);
    wipe_slist(req->headers);
    free(req->body);
    buf_cleanup(&req->resp_headers);
    free(req);
}

static enum err map_curl_error(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return ERR_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return ERR_UNSUPPORTED;
    case CURLE_URL_MALFORMAT:
        return ERR_INVALID;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ERR_DNS;
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
        return ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return ERR_TLS;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return ERR_TRUNCATED;
    case CURLE_GOT_NOTHING:
        return ERR_SERVER;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
        return ERR_PROTOCOL;
    case CURLE_OUT_OF_MEMORY:
        return ERR_NOMEM;
    case CURLE_LOGIN_DENIED:
        return ERR_AUTH;
    default:
        return ERR_IO;
    }
}

/* Ends a request that is not cancelled: one on_done, then free. Never inside curl. */
static void request_finish(struct http_request *req, enum err e, const char *msg)
{
    if (req->is_added) {
        curl_multi_remove_handle(req->http->multi, req->easy);
        req->is_added = false;
    }
    req->is_done = true;
    if (req->cb.on_done)
        req->cb.on_done(req->userdata, e, msg);
    request_free(req);
}

/* ---- curl callbacks --------------------------------------------------------------------- */

static size_t on_curl_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct http_request *req = userdata;
    size_t len = size * nmemb;
    if (req->is_cancelled || req->abort_err)
        return 0;
    req->last_activity_ms = loop_now_ms();
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
        buf_reset(&req->resp_headers); /* a new response (after a 1xx) */
    if (!(len == 2 && data[0] == '\r') && !(len == 1 && data[0] == '\n')) {
        if (buf_append(&req->resp_headers, data, len)) {
            req->abort_err = ERR_TOO_LARGE;
            snprintf(req->abort_msg, sizeof req->abort_msg, "response headers over %d bytes",
                     HTTP_MAX_HEADER_BYTES);
            return 0;
        }
        return len;
    }
    long status = 0;
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    if ((status >= 100 && status < 200) || req->has_response)
        return len;
    req->has_response = true;
    if (req->cb.on_response) {
        enum err e = req->cb.on_response(req->userdata, req, status);
        if (req->is_cancelled)
            return 0;
        if (e) {
            req->abort_err = e;
            return 0;
        }
    }
    return len;
}

static size_t on_curl_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct http_request *req = userdata;
    size_t len = size * nmemb;
    if (req->is_cancelled || req->abort_err)
        return 0;
    req->last_activity_ms = loop_now_ms();
    if (len == 0 || !req->cb.on_body)
        return len;
    enum err e = req->cb.on_body(req->userdata, data, len);
    if (req->is_cancelled)
        return 0;
    if (e) {
        req->abort_err = e;
        return 0;
    }
    return len;
}

static void on_fd_ready(struct loop *loop, int fd, int revents, void *userdata)
{
    (void)loop;
    int ev = 0;
    if (revents & LOOP_READ)
        ev |= CURL_CSELECT_IN;
    if (revents & LOOP_WRITE)
        ev |= CURL_CSELECT_OUT;
    if (revents & LOOP_ERROR)
        ev |= CURL_CSELECT_ERR;
    drive(userdata, fd, ev);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    struct http *http = userp;
    if (what == CURL_POLL_REMOVE) {
        loop_unwatch_fd(http->loop, s);
        return 0;
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= LOOP_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= LOOP_WRITE;
    return loop_watch_fd(http->loop, s, events, on_fd_ready, http) == ERR_OK ? 0 : -1;
}

static void on_curl_timeout(struct loop *loop, uint64_t timer_id, void *userdata)
{
    (void)loop;
    (void)timer_id;
    struct http *http = userdata;
    http->timer_id = 0;
    drive(http, CURL_SOCKET_TIMEOUT, 0);
}

/* curl asks for one timer; 0 means "as soon as possible", which must not recurse into curl
 * from here, so it becomes a loop timer due now. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct http *http = userp;
    if (http->timer_id) {
        loop_timer_cancel(http->loop, http->timer_id);
        http->timer_id = 0;
    }
    if (timeout_ms >= 0)
        http->timer_id = loop_timer_add(http->loop, timeout_ms, 0, on_curl_timeout, http);
    return 0;
}

/* ---- driving the multi handle ----------------------------------------------------------- */

static void add_pending(struct http *http)
{
    for (struct http_request *req = http->head, *next; req; req = next) {
        next = req->next;
        if (req->is_added || req->is_cancelled)
            continue;
        if (curl_multi_add_handle(http->multi, req->easy) != CURLM_OK) {
            request_finish(req, ERR_NOMEM, "libcurl refused the request");
            continue;
        }
        req->is_added = true;
    }
}

/* Finishes what curl reports done and frees what was cancelled inside callbacks. */
static void reap(struct http *http)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(http->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        struct http_request *req = (struct http_request *)(void *)priv;
        CURLcode code = msg->data.result;
        if (!req || req->is_cancelled)
            continue;
        enum err e;
        const char *text;
        if (req->abort_err) {
            e = req->abort_err;
            text = req->abort_msg[0] ? req->abort_msg : err_str(e);
        } else {
            e = map_curl_error(code);
            text = req->errbuf[0] ? req->errbuf : curl_easy_strerror(code);
        }
        request_finish(req, e, e ? text : "");
    }
    for (struct http_request *req = http->head, *next; req; req = next) {
        next = req->next;
        if (req->is_cancelled)
            request_free(req);
    }
    add_pending(http);
}

static void drive(struct http *http, curl_socket_t fd, int ev_bitmask)
{
    int running = 0;
    http->depth++;
    curl_multi_socket_action(http->multi, fd, ev_bitmask, &running);
    http->depth--;
    if (http->depth == 0)
        reap(http);
}

static void on_idle_timer(struct loop *loop, uint64_t timer_id, void *userdata)
{
    (void)timer_id;
    struct http_request *req = userdata;
    req->idle_timer = 0;
    int64_t quiet_ms = loop_now_ms() - req->last_activity_ms;
    if (quiet_ms < req->idle_timeout_ms) {
        req->idle_timer =
            loop_timer_add(loop, req->idle_timeout_ms - quiet_ms, 0, on_idle_timer, req);
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "no data from the server for %ld ms", req->idle_timeout_ms);
    request_finish(req, ERR_TIMEOUT, msg);
}

/* ---- public API ------------------------------------------------------------------------- */

enum err http_new(struct loop *loop, struct http **out)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ERR_NOMEM;
    struct http *http = xcalloc(1, sizeof *http);
    http->loop = loop;
    http->multi = curl_multi_init();
    if (!http->multi) {
        free(http);
        curl_global_cleanup();
        return ERR_NOMEM;
    }
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
    *out = http;
    return ERR_OK;
}

void http_free(struct http *http)
{
    if (!http)
        return;
    while (http->head)
        request_free(http->head);
    curl_multi_cleanup(http->multi);
    if (http->timer_id)
        loop_timer_cancel(http->loop, http->timer_id);
    free(http);
    curl_global_cleanup();
}

size_t http_active_count(const struct http *http)
{
    size_t n = 0;
    for (const struct http_request *req = http->head; req; req = req->next)
        if (!req->is_cancelled)
            n++;
    return n;
}

static bool is_http_url(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static enum err setup_easy(struct http_request *req, const struct http_options *opts)
{
    CURL *e = req->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                          \
    do {                                                                                       \
        if (rc == CURLE_OK)                                                                    \
            rc = curl_easy_setopt(e, opt, val);                                                \
    } while (0)
    SET(CURLOPT_URL, opts->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_USERAGENT, "cca/" CCA_VERSION);
    SET(CURLOPT_ERRORBUFFER, req->errbuf);
    SET(CURLOPT_PRIVATE, (void *)req);
    SET(CURLOPT_HEADERFUNCTION, on_curl_header);
    SET(CURLOPT_HEADERDATA, (void *)req);
    SET(CURLOPT_WRITEFUNCTION, on_curl_write);
    SET(CURLOPT_WRITEDATA, (void *)req);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    if (opts->connect_timeout_ms > 0)
        SET(CURLOPT_CONNECTTIMEOUT_MS, opts->connect_timeout_ms);
    if (opts->body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)opts->body_len);
        SET(CURLOPT_POSTFIELDS, req->body);
    }
    if (opts->method && strcmp(opts->method, "GET") != 0 && strcmp(opts->method, "POST") != 0)
        SET(CURLOPT_CUSTOMREQUEST, opts->method);
    else if (opts->method && strcmp(opts->method, "GET") == 0 && opts->body)
        SET(CURLOPT_CUSTOMREQUEST, "GET");
    SET(CURLOPT_HTTPHEADER, req->headers);
#undef SET
    return rc == CURLE_OK ? ERR_OK : ERR_INVALID;
}

enum err http_request_start(struct http *http, const struct http_options *opts,
                            const struct http_callbacks *cb, void *userdata,
                            struct http_request **out)
{
    if (out)
        *out = NULL;
    if (!is_http_url(opts->url))
        return ERR_INVALID;
    struct http_request *req = xcalloc(1, sizeof *req);
    req->http = http;
    req->cb = *cb;
    req->userdata = userdata;
    req->idle_timeout_ms = opts->idle_timeout_ms;
    buf_init(&req->resp_headers, HTTP_MAX_HEADER_BYTES);
    req->easy = curl_easy_init();
    if (!req->easy) {
        free(req);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < opts->header_count; i++) {
        struct curl_slist *l = curl_slist_append(req->headers, opts->headers[i]);
        if (!l)
            goto oom;
        req->headers = l;
    }
    /* A POST over 1 KiB would otherwise wait for "100 Continue" first. */
    struct curl_slist *l = curl_slist_append(req->headers, "Expect:");
    if (!l)
        goto oom;
    req->headers = l;
    if (opts->body) {
        req->body = xmalloc(opts->body_len + 1);
        memcpy(req->body, opts->body, opts->body_len);
        req->body[opts->body_len] = '\0';
    }
    req->next = http->head;
    if (http->head)
        http->head->prev = req;
    http->head = req;

    enum err e = setup_easy(req, opts);
    if (e) {
        request_free(req);
        return e;
    }
    req->last_activity_ms = loop_now_ms();
    if (req->idle_timeout_ms > 0)
        req->idle_timer = loop_timer_add(http->loop, req->idle_timeout_ms, 0, on_idle_timer, req);
    if (http->depth == 0) {
        if (curl_multi_add_handle(http->multi, req->easy) != CURLM_OK) {
            request_free(req);
            return ERR_NOMEM;
        }
        req->is_added = true;
    }
    if (out)
        *out = req;
    return ERR_OK;

oom:
    wipe_slist(req->headers);
    curl_easy_cleanup(req->easy);
    free(req);
    return ERR_NOMEM;
}

void http_request_cancel(struct http_request *req)
{
    if (!req || req->is_done || req->is_cancelled)
        return;
    req->is_cancelled = true;
    if (req->idle_timer) {
        loop_timer_cancel(req->http->loop, req->idle_timer);
        req->idle_timer = 0;
    }
    if (req->http->depth == 0)
        request_free(req);
}

bool http_request_header(const struct http_request *req, const char *name, char *out,
                         size_t outlen)
{
    size_t name_len = strlen(name);
    const char *p = buf_str(&req->resp_headers);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t line_len = eol ? (size_t)(eol - p) : strlen(p);
        if (line_len > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1;
            const char *end = p + line_len;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
            if (outlen > 0) {
                size_t n = (size_t)(end - v);
                if (n >= outlen)
                    n = outlen - 1;
                memcpy(out, v, n);
                out[n] = '\0';
            }
            return true;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return false;
}

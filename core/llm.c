/* llm: the provider-neutral request machine. One llm_request is one logical call: it may make
 * several HTTP attempts (429/503 retried with backoff before any text), feeds the body to the
 * SSE parser or a capped buffer, turns chunks into deltas through the provider's ops, and ends
 * with exactly one callback unless cancelled. Nothing here blocks the loop. */
#include "core/llm.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/http.h"
#include "core/llm_provider.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/secret.h"
#include "core/sse.h"
#include "core/utf8.h"

enum {
    LLM_MAX_ANSWER_BYTES = 4 << 20,     /* one answer */
    LLM_MAX_COMPLETION_BYTES = 8 << 20, /* one non-streamed response body */
    LLM_MAX_ERROR_BYTES = 64 << 10,     /* the part of an error body we keep */
    LLM_MAX_RETRY_DELAY_MS = 60000,     /* a longer Retry-After is not waited for */
    LLM_BACKOFF_BASE_MS = 500,
    LLM_BACKOFF_MAX_MS = 8000,
    LLM_MAX_MESSAGE_BYTES = 400, /* of a server's error message passed on */
    LLM_EXCERPT_BYTES = 120,     /* of an event we could not use, quoted in an error */
};
static const size_t LLM_MAX_EMBED_BYTES = (size_t)64 << 20;

enum llm_kind { LLM_KIND_CHAT, LLM_KIND_EMBED };

struct llm {
    struct loop *loop;
    struct http *http;
    const struct llm_provider_ops *chat_ops;  /* NULL: no chat endpoint configured */
    const struct llm_provider_ops *embed_ops; /* NULL: embeddings are local */
    struct llm_endpoint chat, embed;
    double temperature;
    int max_tokens;
    long connect_timeout_ms;
    long idle_timeout_ms;
    int max_retries;
    int embed_batch_size;
    struct llm_request *head; /* live requests */
};

struct llm_request {
    struct llm *llm;
    struct llm_request *prev, *next;
    enum llm_kind kind;
    const struct llm_provider_ops *ops;
    char *url;
    char *body;
    struct secret *auth; /* the authentication header, in guarded memory */
    bool is_stream;
    size_t embed_count;

    struct http_request *http;
    uint64_t retry_timer;
    int attempt; /* retries made so far */

    /* per attempt */
    long status;
    bool is_event_stream;
    struct sse_parser *sse;
    struct buf raw;
    bool saw_done;
    bool saw_finish;
    long retry_after_ms; /* what the server asked for, -1 when it did not */
    enum err fail; /* decided while parsing */
    char *failmsg;
    char *last_unused; /* excerpt of the last event that said nothing we know */

    size_t text_bytes;
    struct llm_usage usage;
    int64_t start_ms;

    llm_delta_fn on_delta;
    llm_done_fn on_done;
    llm_embed_fn on_embed;
    void *userdata;

    int busy;          /* > 0 while our frames are on the stack (callbacks may cancel) */
    bool is_cancelled; /* no more callbacks; freed when busy drops to 0 */
    bool is_finishing; /* inside the final callback */
};

static enum err attempt_start(struct llm_request *req);

/* ---- provider-neutral helpers ----------------------------------------------------------- */

void llm_parsed_init(struct llm_parsed *p)
{
    memset(p, 0, sizeof *p);
    p->prompt_tokens = -1;
    p->completion_tokens = -1;
}

void llm_parsed_cleanup(struct llm_parsed *p)
{
    free(p->text);
    free(p->finish_reason);
    free(p->error_message);
    free(p->error_code);
    llm_parsed_init(p);
}

static bool contains_nocase(const char *haystack, const char *needle)
{
    if (!haystack)
        return false;
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return false;
}

static bool mentions_context(const char *code, const char *message)
{
    return contains_nocase(code, "context") || contains_nocase(message, "context length") ||
           contains_nocase(message, "context size") ||
           contains_nocase(message, "context window") ||
           contains_nocase(message, "maximum context");
}

/* The error for a non-2xx status, given the parsed error body. */
static enum err classify_status(long status, const char *code, const char *message)
{
    if (status == 401 || status == 403)
        return ERR_AUTH;
    if (status == 404)
        return ERR_MODEL;
    if (status == 413)
        return ERR_CONTEXT;
    if ((status == 400 || status == 422) && mentions_context(code, message))
        return ERR_CONTEXT;
    if (status == 429)
        return ERR_RATE_LIMIT;
    if (status >= 500 && status <= 599)
        return ERR_SERVER;
    return ERR_HTTP;
}

/* The error for an error object inside a 200 response or a stream. */
static enum err classify_inband(const char *code, const char *message)
{
    if (mentions_context(code, message))
        return ERR_CONTEXT;
    if (contains_nocase(code, "rate_limit") || contains_nocase(code, "429"))
        return ERR_RATE_LIMIT;
    if (contains_nocase(code, "auth") || contains_nocase(code, "api_key"))
        return ERR_AUTH;
    return ERR_SERVER;
}

static bool parse_ms(const char *text, long scale, long *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    while (*end == ' ')
        end++;
    if (end == text || *end || errno || !(v >= 0) || v > 1e9)
        return false;
    *out = (long)(v * (double)scale);
    return true;
}

/* ---- request lifecycle ----------------------------------------------------------------- */

static void attempt_reset(struct llm_request *req)
{
    sse_parser_free(req->sse);
    req->sse = NULL;
    buf_cleanup(&req->raw);
    req->status = 0;
    req->is_event_stream = false;
    req->saw_done = false;
    req->saw_finish = false;
    req->retry_after_ms = -1;
    req->fail = ERR_OK;
    free(req->failmsg);
    req->failmsg = NULL;
    free(req->last_unused);
    req->last_unused = NULL;
}

static void request_free(struct llm_request *req)
{
    struct llm *llm = req->llm;
    if (req->retry_timer)
        loop_timer_cancel(llm->loop, req->retry_timer);
    if (req->http)
        http_request_cancel(req->http);
    if (req->prev)
        req->prev->next = req->next;
    else
        llm->head = req->next;
    if (req->next)
        req->next->prev = req->prev;
    attempt_reset(req);
    free(req->url);
    free(req->body);
    secret_free(req->auth);
    free(req);
}

/* One line of at most max bytes of untrusted text, sanitised (heap). Server messages travel on
 * to status lines, logs and the database: no escapes, no newlines, no pages of text. */
static char *clean_excerpt(const char *text, size_t len, size_t max)
{
    char *clean = utf8_sanitize_line(text, len, &len);
    if (len > max) {
        size_t cut = max;
        while (cut > 0 && ((unsigned char)clean[cut] & 0xC0) == 0x80)
            cut--;
        char *cut_copy = xmalloc(cut + 4);
        memcpy(cut_copy, clean, cut);
        memcpy(cut_copy + cut, "...", 4);
        free(clean);
        clean = cut_copy;
    }
    return clean;
}

/* Ends the request with its one callback, then frees it. */
static void request_finish(struct llm_request *req, enum err e, const char *raw_msg,
                           const float *vectors, size_t count, int dim)
{
    req->is_finishing = true;
    char *msg = raw_msg ? clean_excerpt(raw_msg, strlen(raw_msg), LLM_MAX_MESSAGE_BYTES) : NULL;
    req->usage.total_ms = (long)(loop_now_ms() - req->start_ms);
    if (e) /* the caller reports it to the user; this is the trace */
        log_debug("llm: %s request failed: %s: %s", req->kind == LLM_KIND_CHAT ? "chat" : "embed",
                 err_name(e), msg ? msg : "");
    if (req->kind == LLM_KIND_CHAT && req->on_done)
        req->on_done(req->userdata, e, e ? (msg ? msg : err_str(e)) : "", &req->usage);
    else if (req->kind == LLM_KIND_EMBED && req->on_embed)
        req->on_embed(req->userdata, e, e ? (msg ? msg : err_str(e)) : "", e ? NULL : vectors,
                      e ? 0 : count, e ? 0 : dim);
    free(msg);
    request_free(req);
}

static void set_fail(struct llm_request *req, enum err e, char *heap_msg)
{
    if (!req->fail) {
        req->fail = e;
        req->failmsg = heap_msg;
    } else {
        free(heap_msg);
    }
}

/* Hands text to the caller. Returns ERR_CANCELLED when the caller cancelled meanwhile. */
static enum err deliver_text(struct llm_request *req, const char *text, size_t len)
{
    if (len == 0)
        return ERR_OK;
    if (req->text_bytes + len > LLM_MAX_ANSWER_BYTES) {
        set_fail(req, ERR_TOO_LARGE, xasprintf("the answer is over %d bytes", LLM_MAX_ANSWER_BYTES));
        return ERR_TOO_LARGE;
    }
    req->text_bytes += len;
    if (req->usage.first_token_ms < 0)
        req->usage.first_token_ms = (long)(loop_now_ms() - req->start_ms);
    req->usage.delta_count++;
    req->busy++;
    if (req->on_delta)
        req->on_delta(req->userdata, text, len);
    req->busy--;
    return req->is_cancelled ? ERR_CANCELLED : ERR_OK;
}

/* Applies one parsed chunk or completion. */
static enum err apply_parsed(struct llm_request *req, struct llm_parsed *p)
{
    if (p->error_message) {
        enum err e = classify_inband(p->error_code, p->error_message);
        set_fail(req, e, xstrdup(p->error_message));
        return e;
    }
    if (p->prompt_tokens >= 0)
        req->usage.prompt_tokens = p->prompt_tokens;
    if (p->completion_tokens >= 0)
        req->usage.completion_tokens = p->completion_tokens;
    if (p->finish_reason) {
        req->saw_finish = true;
        if (strcmp(p->finish_reason, "content_filter") == 0 && req->text_bytes == 0 &&
            p->text_len == 0) {
            set_fail(req, ERR_SERVER,
                     xstrdup("the server's content filter withheld the answer"));
            return ERR_SERVER;
        }
    }
    return deliver_text(req, p->text, p->text_len);
}

static enum err on_sse_event(void *userdata, const struct sse_event *ev)
{
    struct llm_request *req = userdata;
    if (req->saw_done)
        return ERR_OK; /* anything after [DONE] is not ours to interpret */
    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        req->saw_done = true;
        return ERR_OK;
    }
    if (strcmp(ev->type, "error") == 0 || ev->error) {
        /* "event: error" and the non-standard "error:" field: the payload is the error. */
        const char *body = ev->error ? ev->error : ev->data;
        size_t body_len = ev->error ? ev->error_len : ev->data_len;
        char *message = NULL, *code = NULL;
        req->ops->parse_error(body, body_len, &message, &code);
        enum err e = classify_inband(code, message);
        set_fail(req, e, message ? message : xstrdup("the server reported an error"));
        free(code);
        return e;
    }
    if (ev->data_len == 0)
        return ERR_OK;
    struct llm_parsed p;
    llm_parsed_init(&p);
    char *errmsg = NULL;
    enum err e = req->ops->parse_chat(ev->data, ev->data_len, true, &p, &errmsg);
    if (e) {
        set_fail(req, e, errmsg);
    } else {
        bool is_unused = !p.text && !p.finish_reason && !p.error_message &&
                         p.prompt_tokens < 0 && p.completion_tokens < 0;
        if (is_unused) {
            free(req->last_unused);
            req->last_unused = clean_excerpt(ev->data, ev->data_len, LLM_EXCERPT_BYTES);
        }
        e = apply_parsed(req, &p);
    }
    llm_parsed_cleanup(&p);
    return e;
}

/* ---- HTTP callbacks --------------------------------------------------------------------- */

static enum err on_http_response(void *userdata, struct http_request *hreq, long status)
{
    struct llm_request *req = userdata;
    req->status = status;
    char type[128] = "";
    http_request_header(hreq, "Content-Type", type, sizeof type);
    req->is_event_stream = contains_nocase(type, "text/event-stream");
    bool is_ok = status >= 200 && status <= 299;
    char value[64];
    long ms;
    if (http_request_header(hreq, "retry-after-ms", value, sizeof value) &&
        parse_ms(value, 1, &ms))
        req->retry_after_ms = ms;
    else if (http_request_header(hreq, "Retry-After", value, sizeof value) &&
             parse_ms(value, 1000, &ms))
        req->retry_after_ms = ms;
    size_t cap = LLM_MAX_ERROR_BYTES;
    if (is_ok)
        cap = req->kind == LLM_KIND_EMBED ? LLM_MAX_EMBED_BYTES : LLM_MAX_COMPLETION_BYTES;
    buf_init(&req->raw, cap);
    if (is_ok && req->kind == LLM_KIND_CHAT && req->is_event_stream)
        req->sse = sse_parser_new(SSE_MAX_EVENT_LEN, on_sse_event, req);
    return ERR_OK;
}

static enum err on_http_body(void *userdata, const char *data, size_t len)
{
    struct llm_request *req = userdata;
    enum err e = ERR_OK;
    req->busy++;
    if (req->sse) {
        e = sse_parser_feed(req->sse, data, len);
        if (e == ERR_TOO_LARGE)
            set_fail(req, e, xasprintf("one event of the stream is over %d bytes",
                                       SSE_MAX_EVENT_LEN));
    } else if (buf_append(&req->raw, data, len)) {
        /* Keep the start of an error body; anything else that large is refused. */
        if (req->status >= 200 && req->status <= 299) {
            e = ERR_TOO_LARGE;
            set_fail(req, e, xasprintf("the response is over %zu bytes", req->raw.max_len));
        }
    }
    req->busy--;
    if (req->is_cancelled) {
        if (req->busy == 0)
            request_free(req);
        return ERR_CANCELLED;
    }
    return e;
}

static void on_retry_timer(struct loop *loop, uint64_t timer_id, void *userdata)
{
    (void)loop;
    (void)timer_id;
    struct llm_request *req = userdata;
    req->retry_timer = 0;
    enum err e = attempt_start(req);
    if (e)
        request_finish(req, e, "could not start the retry", NULL, 0, 0);
}

/* A 429 or 503 before any text: waits as the server asks (retry-after-ms, Retry-After in
 * seconds) or backs off exponentially, a bounded number of times. */
static bool maybe_retry(struct llm_request *req, const char *code)
{
    if (req->status != 429 && req->status != 503)
        return false;
    if (req->usage.delta_count > 0 || req->attempt >= req->llm->max_retries)
        return false;
    if (contains_nocase(code, "insufficient_quota"))
        return false; /* waiting does not refill a quota */
    long delay_ms = LLM_BACKOFF_BASE_MS << (req->attempt < 5 ? req->attempt : 5);
    if (delay_ms > LLM_BACKOFF_MAX_MS)
        delay_ms = LLM_BACKOFF_MAX_MS;
    if (req->retry_after_ms >= 0)
        delay_ms = req->retry_after_ms;
    if (delay_ms > LLM_MAX_RETRY_DELAY_MS)
        return false;
    req->attempt++;
    log_info("llm: HTTP %ld, retry %d of %d in %ld ms", req->status, req->attempt,
             req->llm->max_retries, delay_ms);
    req->retry_timer = loop_timer_add(req->llm->loop, delay_ms, 0, on_retry_timer, req);
    return true;
}

/* The standard reason phrase of an HTTP status, "" for unusual ones. */
static const char *status_reason(long status)
{
    static const struct {
        long status;
        const char *reason;
    } reasons[] = {
        {400, "Bad Request"},         {401, "Unauthorized"},          {403, "Forbidden"},
        {404, "Not Found"},           {405, "Method Not Allowed"},    {408, "Request Timeout"},
        {413, "Payload Too Large"},   {429, "Too Many Requests"},     {500, "Internal Server Error"},
        {502, "Bad Gateway"},         {503, "Service Unavailable"},   {504, "Gateway Timeout"},
        {520, "Unknown Error"},       {521, "Web Server Is Down"},    {522, "Connection Timed Out"},
        {524, "A Timeout Occurred"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return status >= 500 ? "Server Error" : "Error";
}

static void finish_status_error(struct llm_request *req)
{
    char *message = NULL, *code = NULL;
    req->ops->parse_error(req->raw.data, req->raw.len, &message, &code);
    if (maybe_retry(req, code)) {
        free(message);
        free(code);
        return;
    }
    enum err e = classify_status(req->status, code, message);
    char *text;
    if (code && strcmp(code, "html") == 0) {
        /* A proxy or gateway answered instead of the model server. */
        const char *reason = status_reason(req->status);
        char plain[96];
        snprintf(plain, sizeof plain, "%ld %s", req->status, reason);
        bool is_title_useful = message && strcasecmp(message, reason) != 0 &&
                               strcasecmp(message, plain) != 0;
        text = xasprintf("HTTP %ld %s from the LLM server (an HTML error page%s%s%s)%s",
                         req->status, reason, is_title_useful ? ": \"" : "",
                         is_title_useful ? message : "", is_title_useful ? "\"" : "",
                         req->attempt > 0 ? " after retries" : "");
    } else if (req->attempt > 0)
        text = xasprintf("HTTP %ld: %s (after %d retries)", req->status,
                         message ? message : err_str(e), req->attempt);
    else
        text = xasprintf("HTTP %ld: %s", req->status, message ? message : err_str(e));
    free(message);
    free(code);
    request_finish(req, e, text, NULL, 0, 0);
    free(text);
}

static void finish_chat(struct llm_request *req)
{
    if (req->sse) {
        req->busy++;
        enum err e = sse_parser_finish(req->sse);
        req->busy--;
        if (req->is_cancelled) {
            request_free(req);
            return;
        }
        if (e) {
            request_finish(req, req->fail ? req->fail : e, req->failmsg, NULL, 0, 0);
            return;
        }
        /* [DONE] alone proves nothing: a stream with no text and no finish reason never
         * answered, whatever its last line says. */
        if (req->saw_finish || (req->saw_done && req->usage.delta_count > 0)) {
            request_finish(req, ERR_OK, NULL, NULL, 0, 0);
        } else if (req->usage.delta_count > 0) {
            request_finish(req, ERR_TRUNCATED, "the stream ended before the answer was complete",
                           NULL, 0, 0);
        } else {
            char *m = xasprintf("the stream ended without an answer (no text and no finish "
                                "reason%s%s%s)",
                                req->last_unused ? "; last event: " : "",
                                req->last_unused ? req->last_unused : "",
                                req->saw_done ? ", then [DONE]" : "");
            request_finish(req, ERR_PROTOCOL, m, NULL, 0, 0);
            free(m);
        }
        return;
    }
    /* A whole completion: asked for, or sent by a server that does not stream. */
    struct llm_parsed p;
    llm_parsed_init(&p);
    char *errmsg = NULL;
    enum err e = req->ops->parse_chat(buf_str(&req->raw), req->raw.len, false, &p, &errmsg);
    if (!e) {
        req->busy++;
        e = apply_parsed(req, &p);
        req->busy--;
    } else {
        set_fail(req, e, errmsg);
    }
    llm_parsed_cleanup(&p);
    if (req->is_cancelled) {
        if (req->busy == 0)
            request_free(req);
        return;
    }
    request_finish(req, e ? (req->fail ? req->fail : e) : ERR_OK, req->failmsg, NULL, 0, 0);
}

static void finish_embed(struct llm_request *req)
{
    float *vectors = NULL;
    int dim = 0;
    char *errmsg = NULL;
    enum err e = req->ops->parse_embeddings(buf_str(&req->raw), req->raw.len, req->embed_count,
                                            &vectors, &dim, &errmsg);
    if (e == ERR_PROTOCOL) {
        /* A 200 carrying an error object is the server's error, not a malformed reply. */
        char *message = NULL, *code = NULL;
        req->ops->parse_error(req->raw.data, req->raw.len, &message, &code);
        if (message && code) {
            e = classify_inband(code, message);
            free(errmsg);
            errmsg = message;
            message = NULL;
        }
        free(message);
        free(code);
    }
    request_finish(req, e, errmsg, vectors, req->embed_count, dim);
    free(vectors);
    free(errmsg);
}

static void on_http_done(void *userdata, enum err e, const char *errmsg)
{
    struct llm_request *req = userdata;
    req->http = NULL; /* http frees it once we return */
    if (req->fail) {
        request_finish(req, req->fail, req->failmsg, NULL, 0, 0);
        return;
    }
    if (e) {
        /* A connection lost after text arrived is a cut-short answer, whatever curl calls it. */
        if (req->usage.delta_count > 0 && (e == ERR_SERVER || e == ERR_CONNECT || e == ERR_IO))
            e = ERR_TRUNCATED;
        request_finish(req, e, errmsg, NULL, 0, 0);
        return;
    }
    if (req->status < 200 || req->status > 299) {
        finish_status_error(req);
        return;
    }
    if (req->kind == LLM_KIND_EMBED)
        finish_embed(req);
    else
        finish_chat(req);
}

/* ---- attempts --------------------------------------------------------------------------- */

static enum err attempt_start(struct llm_request *req)
{
    struct llm *llm = req->llm;
    attempt_reset(req);
    const char *headers[4];
    size_t n = 0;
    headers[n++] = "Content-Type: application/json";
    headers[n++] = req->kind == LLM_KIND_CHAT && req->is_stream ? "Accept: text/event-stream"
                                                               : "Accept: application/json";
    if (req->auth)
        headers[n++] = secret_str(req->auth);
    struct http_options opts = {
        .method = "POST",
        .url = req->url,
        .headers = headers,
        .header_count = n,
        .body = req->body,
        .body_len = strlen(req->body),
        .connect_timeout_ms = llm->connect_timeout_ms,
        .idle_timeout_ms = llm->idle_timeout_ms,
    };
    struct http_callbacks cb = {
        .on_response = on_http_response,
        .on_body = on_http_body,
        .on_done = on_http_done,
    };
    return http_request_start(llm->http, &opts, &cb, req, &req->http);
}

static struct llm_request *request_new(struct llm *llm, enum llm_kind kind,
                                       const struct llm_provider_ops *ops,
                                       const struct llm_endpoint *ep)
{
    struct llm_request *req = xcalloc(1, sizeof *req);
    req->llm = llm;
    req->kind = kind;
    req->ops = ops;
    req->url = kind == LLM_KIND_CHAT ? ops->chat_url(ep) : ops->embed_url(ep);
    req->auth = ops->auth_header(ep);
    req->usage.prompt_tokens = -1;
    req->usage.completion_tokens = -1;
    req->usage.first_token_ms = -1;
    req->start_ms = loop_now_ms();
    buf_init(&req->raw, LLM_MAX_ERROR_BYTES);
    req->next = llm->head;
    if (llm->head)
        llm->head->prev = req;
    llm->head = req;
    return req;
}

/* ---- public API ------------------------------------------------------------------------- */

static bool is_http_url(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static enum err endpoint_init(struct llm_endpoint *ep, const char *provider, const char *base_url,
                              const char *api_version, const char *model, struct secret *key,
                              const char *section, char *err, size_t errlen)
{
    ep->is_azure = provider && strcasecmp(provider, "azure") == 0;
    if (!base_url || !*base_url) {
        snprintf(err, errlen, "[%s] base_url is required for provider %s", section, provider);
        return ERR_CONFIG;
    }
    if (!is_http_url(base_url)) {
        snprintf(err, errlen, "[%s] base_url must start with http:// or https://", section);
        return ERR_CONFIG;
    }
    size_t len = strlen(base_url);
    while (len > 0 && base_url[len - 1] == '/')
        len--;
    ep->base_url = xstrndup(base_url, len);
    ep->api_version = xstrdup(api_version && *api_version ? api_version : "2024-06-01");
    ep->model = xstrdup(model ? model : "");
    ep->key = secret_ref(key); /* shared: the key stays one copy in guarded memory */
    return ERR_OK;
}

static void endpoint_cleanup(struct llm_endpoint *ep)
{
    free(ep->base_url);
    free(ep->api_version);
    free(ep->model);
    secret_free(ep->key);
    memset(ep, 0, sizeof *ep);
}

static const struct llm_provider_ops *find_provider(const char *name)
{
    if (name && (strcasecmp(name, "openai") == 0 || strcasecmp(name, "azure") == 0))
        return &llm_openai_ops;
    return NULL;
}

static bool is_none(const char *provider)
{
    return !provider || !*provider || strcasecmp(provider, "none") == 0 ||
           strcasecmp(provider, "local") == 0;
}

enum err llm_new(const struct config *cfg, struct loop *loop, struct llm **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    struct llm *llm = xcalloc(1, sizeof *llm);
    llm->loop = loop;
    llm->temperature = cfg->llm_temperature;
    llm->max_tokens = cfg->llm_max_tokens;
    llm->connect_timeout_ms = cfg->llm_connect_timeout_ms > 0 ? cfg->llm_connect_timeout_ms : 0;
    llm->idle_timeout_ms = cfg->llm_idle_timeout_ms > 0 ? cfg->llm_idle_timeout_ms : 0;
    llm->max_retries = cfg->llm_max_retries > 0 ? cfg->llm_max_retries : 0;
    llm->embed_batch_size = cfg->embed_batch_size > 0 ? cfg->embed_batch_size : 64;
    enum err e = ERR_OK;

    if (!is_none(cfg->llm_provider)) {
        llm->chat_ops = find_provider(cfg->llm_provider);
        if (!llm->chat_ops) {
            snprintf(err, errlen, "[llm] unknown provider '%s' (none, openai or azure)",
                     cfg->llm_provider);
            e = ERR_CONFIG;
            goto out;
        }
        e = endpoint_init(&llm->chat, cfg->llm_provider, cfg->llm_base_url, cfg->llm_api_version,
                          cfg->llm_model, cfg->llm_api_key, "llm", err, errlen);
        if (e)
            goto out;
    }
    if (!is_none(cfg->embed_provider)) {
        llm->embed_ops = find_provider(cfg->embed_provider);
        if (!llm->embed_ops) {
            snprintf(err, errlen, "[embeddings] unknown provider '%s' (local, openai or azure)",
                     cfg->embed_provider);
            e = ERR_CONFIG;
            goto out;
        }
        const char *base = cfg->embed_base_url && *cfg->embed_base_url ? cfg->embed_base_url
                                                                         : cfg->llm_base_url;
        struct secret *key =
            !secret_is_empty(cfg->embed_api_key) ? cfg->embed_api_key : cfg->llm_api_key;
        e = endpoint_init(&llm->embed, cfg->embed_provider, base, cfg->llm_api_version,
                          cfg->embed_model, key, "embeddings", err, errlen);
        if (e)
            goto out;
    }
    e = http_new(loop, &llm->http);
    if (e)
        snprintf(err, errlen, "cannot initialise libcurl");
out:
    if (e) {
        llm_free(llm);
        return e;
    }
    *out = llm;
    return ERR_OK;
}

void llm_free(struct llm *llm)
{
    if (!llm)
        return;
    while (llm->head)
        request_free(llm->head);
    http_free(llm->http);
    endpoint_cleanup(&llm->chat);
    endpoint_cleanup(&llm->embed);
    free(llm);
}

const char *llm_model(const struct llm *llm)
{
    return llm->chat.model ? llm->chat.model : "";
}

/* Starts the first attempt of a prepared request; on failure the request is freed. */
static enum err request_submit(struct llm_request *req, struct llm_request **out)
{
    enum err e = attempt_start(req);
    if (e) {
        request_free(req);
        return e;
    }
    if (out)
        *out = req;
    return ERR_OK;
}

enum err llm_chat_start(struct llm *llm, const struct llm_message *messages, size_t count,
                        bool stream, llm_delta_fn on_delta, llm_done_fn on_done, void *userdata,
                        struct llm_request **out)
{
    if (out)
        *out = NULL;
    if (!llm->chat_ops)
        return ERR_UNSUPPORTED;
    if (count == 0)
        return ERR_INVALID;
    struct llm_request *req = request_new(llm, LLM_KIND_CHAT, llm->chat_ops, &llm->chat);
    req->is_stream = stream;
    req->body = req->ops->chat_body(&llm->chat, messages, count, llm->temperature,
                                    llm->max_tokens, stream);
    req->on_delta = on_delta;
    req->on_done = on_done;
    req->userdata = userdata;
    return request_submit(req, out);
}

enum err llm_embed_start(struct llm *llm, const char *const *texts, size_t count,
                         llm_embed_fn on_done, void *userdata, struct llm_request **out)
{
    if (out)
        *out = NULL;
    if (!llm->embed_ops)
        return ERR_UNSUPPORTED;
    if (count == 0)
        return ERR_INVALID;
    struct llm_request *req = request_new(llm, LLM_KIND_EMBED, llm->embed_ops, &llm->embed);
    req->embed_count = count;
    req->body = req->ops->embed_body(&llm->embed, texts, count);
    req->on_embed = on_done;
    req->userdata = userdata;
    return request_submit(req, out);
}

void llm_request_cancel(struct llm_request *req)
{
    if (!req || req->is_cancelled || req->is_finishing)
        return;
    req->is_cancelled = true;
    if (req->retry_timer) {
        loop_timer_cancel(req->llm->loop, req->retry_timer);
        req->retry_timer = 0;
    }
    if (req->http) {
        http_request_cancel(req->http);
        req->http = NULL;
    }
    if (req->busy == 0)
        request_free(req);
}

/* ---- blocking convenience -------------------------------------------------------------- */

struct embed_wait {
    bool is_done;
    enum err err;
    char *errmsg;
    float *vectors;
    size_t count;
    int dim;
};

static void on_embed_done(void *userdata, enum err e, const char *errmsg, const float *vectors,
                          size_t count, int dim)
{
    struct embed_wait *w = userdata;
    w->is_done = true;
    w->err = e;
    if (e) {
        w->errmsg = xstrdup(errmsg ? errmsg : err_str(e));
        return;
    }
    w->vectors = xreallocarray(NULL, count * (size_t)dim, sizeof *w->vectors);
    memcpy(w->vectors, vectors, count * (size_t)dim * sizeof *w->vectors);
    w->count = count;
    w->dim = dim;
}

enum err llm_embed_sync(struct llm *llm, struct loop *loop, const char *const *texts,
                        size_t count, float **vectors, int *dim, char **errmsg)
{
    *vectors = NULL;
    *dim = 0;
    if (errmsg)
        *errmsg = NULL;
    if (count == 0)
        return ERR_INVALID;
    size_t batch = (size_t)llm->embed_batch_size;
    float *all = NULL;
    int d = 0;
    enum err e = ERR_OK;
    for (size_t first = 0; first < count && !e; first += batch) {
        size_t n = count - first < batch ? count - first : batch;
        struct embed_wait w = {0};
        struct llm_request *req;
        e = llm_embed_start(llm, texts + first, n, on_embed_done, &w, &req);
        if (e) {
            if (errmsg)
                *errmsg = xasprintf("cannot start the embeddings request: %s", err_str(e));
            break;
        }
        while (!w.is_done) {
            if (!loop_run_once(loop, -1)) {
                llm_request_cancel(req);
                w.is_done = true;
                w.err = ERR_CANCELLED;
                w.errmsg = xstrdup("the loop was stopped");
            }
        }
        e = w.err;
        if (!e && d && w.dim != d) {
            e = ERR_PROTOCOL;
            w.errmsg = xasprintf("batches came back with different dimensions (%d and %d)", d,
                                 w.dim);
        }
        if (!e) {
            if (!all) {
                d = w.dim;
                all = xreallocarray(NULL, count * (size_t)d, sizeof *all);
            }
            memcpy(all + first * (size_t)d, w.vectors, n * (size_t)d * sizeof *all);
        }
        if (e && errmsg)
            *errmsg = w.errmsg;
        else
            free(w.errmsg);
        free(w.vectors);
    }
    if (e) {
        free(all);
        return e;
    }
    *vectors = all;
    *dim = d;
    return ERR_OK;
}

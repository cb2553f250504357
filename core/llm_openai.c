/* llm_openai: the OpenAI-compatible provider (OpenAI, Azure OpenAI, Ollama /v1, llama.cpp,
 * vLLM, LM Studio, OpenRouter). Builds request JSON and reads responses with cJSON; it trusts
 * nothing about the shape of what comes back and ignores what it does not know. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/llm_provider.h"
#include "core/mem.h"
#include "core/secret.h"
#include "core/utf8.h"

/* Embeddings larger than this are refused rather than allocated. */
enum { OPENAI_MAX_DIM = 65536 };

/* ---- requests ---------------------------------------------------------------------------- */

static char *endpoint_url(const struct llm_endpoint *ep, const char *path)
{
    if (ep->is_azure && ep->api_version && *ep->api_version)
        return xasprintf("%s%s?api-version=%s", ep->base_url, path, ep->api_version);
    return xasprintf("%s%s", ep->base_url, path);
}

static char *openai_chat_url(const struct llm_endpoint *ep)
{
    return endpoint_url(ep, "/chat/completions");
}

static char *openai_embed_url(const struct llm_endpoint *ep)
{
    return endpoint_url(ep, "/embeddings");
}

static struct secret *openai_auth_header(const struct llm_endpoint *ep)
{
    if (secret_is_empty(ep->key))
        return NULL;
    struct secret *h = NULL;
    if (secret_new_prefixed(ep->is_azure ? "api-key: " : "Authorization: Bearer ", ep->key, &h))
        xmalloc((size_t)-1); /* no guarded memory: abort like any allocation failure */
    return h;
}

static const char *role_name(enum llm_role role)
{
    switch (role) {
    case LLM_ROLE_SYSTEM:
        return "system";
    case LLM_ROLE_ASSISTANT:
        return "assistant";
    case LLM_ROLE_USER:
    default:
        return "user";
    }
}

/* cJSON only fails to allocate; treat that like every other allocation failure. */
static void *check_alloc(void *p)
{
    if (!p) {
        xmalloc((size_t)-1); /* aborts through the OOM hook */
    }
    return p;
}

static char *print_and_free(cJSON *root)
{
    char *text = check_alloc(cJSON_PrintUnformatted(root));
    cJSON_Delete(root);
    char *out = xstrdup(text);
    cJSON_free(text);
    return out;
}

static char *openai_chat_body(const struct llm_endpoint *ep, const struct llm_message *messages,
                              size_t count, double temperature, int max_tokens, bool stream)
{
    cJSON *root = check_alloc(cJSON_CreateObject());
    if (ep->model && *ep->model)
        check_alloc(cJSON_AddStringToObject(root, "model", ep->model));
    cJSON *list = check_alloc(cJSON_AddArrayToObject(root, "messages"));
    for (size_t i = 0; i < count; i++) {
        cJSON *m = check_alloc(cJSON_CreateObject());
        cJSON_AddItemToArray(list, m);
        check_alloc(cJSON_AddStringToObject(m, "role", role_name(messages[i].role)));
        check_alloc(cJSON_AddStringToObject(m, "content",
                                            messages[i].content ? messages[i].content : ""));
    }
    if (temperature >= 0)
        check_alloc(cJSON_AddNumberToObject(root, "temperature", temperature));
    if (max_tokens > 0)
        check_alloc(cJSON_AddNumberToObject(root, "max_tokens", max_tokens));
    check_alloc(cJSON_AddBoolToObject(root, "stream", stream));
    /* The usage chunk at the end of a stream. Azure's older api-versions reject the field. */
    if (stream && !ep->is_azure) {
        cJSON *opts = check_alloc(cJSON_AddObjectToObject(root, "stream_options"));
        check_alloc(cJSON_AddTrueToObject(opts, "include_usage"));
    }
    return print_and_free(root);
}

static char *openai_embed_body(const struct llm_endpoint *ep, const char *const *texts,
                               size_t count)
{
    cJSON *root = check_alloc(cJSON_CreateObject());
    if (ep->model && *ep->model)
        check_alloc(cJSON_AddStringToObject(root, "model", ep->model));
    cJSON *input = check_alloc(cJSON_AddArrayToObject(root, "input"));
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(input, check_alloc(cJSON_CreateString(texts[i] ? texts[i] : "")));
    return print_and_free(root);
}

/* ---- responses --------------------------------------------------------------------------- */

static char *dup_string(const cJSON *item)
{
    return cJSON_IsString(item) && item->valuestring ? xstrdup(item->valuestring) : NULL;
}

static int read_count(const cJSON *obj, const char *name)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble) || n->valuedouble < 0 ||
        n->valuedouble > 2e9)
        return -1;
    return (int)n->valuedouble;
}

/* Fills message and code from an "error" member: an object (OpenAI and most), a string
 * (Ollama's native API), or nothing. */
static void read_error_object(const cJSON *err, char **message, char **code)
{
    if (cJSON_IsString(err)) {
        *message = dup_string(err);
        return;
    }
    if (!cJSON_IsObject(err))
        return;
    *message = dup_string(cJSON_GetObjectItemCaseSensitive(err, "message"));
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(err, "code");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(err, "type");
    struct buf b;
    buf_init(&b, 512);
    if (cJSON_IsString(c) && c->valuestring)
        buf_append_str(&b, c->valuestring);
    else if (cJSON_IsNumber(c))
        buf_printf(&b, "%d", (int)c->valuedouble);
    if (cJSON_IsString(t) && t->valuestring) {
        if (b.len)
            buf_append_char(&b, ' ');
        buf_append_str(&b, t->valuestring);
    }
    *code = b.len ? buf_detach(&b) : NULL;
    buf_cleanup(&b);
    if (!*message)
        *message = xstrdup("unspecified error");
}

static enum err openai_parse_chat(const char *json, size_t len, bool is_stream,
                                  struct llm_parsed *out, char **errmsg)
{
    *errmsg = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *errmsg = xstrdup(is_stream ? "malformed JSON in the event stream"
                                    : "malformed JSON in the response");
        return ERR_PROTOCOL;
    }
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (err && !cJSON_IsNull(err) && !cJSON_IsFalse(err)) {
        read_error_object(err, &out->error_message, &out->error_code);
        if (!out->error_message)
            out->error_message = xstrdup("unspecified error");
        cJSON_Delete(root);
        return ERR_OK;
    }
    /* vLLM and others: {"object":"error","message":...,"type":...,"code":400}; some
     * gateways: {"type":"error","message":...}. The object itself is the error. */
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "object");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    bool is_error_object = (cJSON_IsString(object) && strcmp(object->valuestring, "error") == 0) ||
                           (cJSON_IsString(type) && strcmp(type->valuestring, "error") == 0);
    if (is_error_object && !cJSON_GetObjectItemCaseSensitive(root, "choices")) {
        read_error_object(root, &out->error_message, &out->error_code);
        cJSON_Delete(root);
        return ERR_OK;
    }
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    if (cJSON_IsObject(usage)) {
        out->prompt_tokens = read_count(usage, "prompt_tokens");
        out->completion_tokens = read_count(usage, "completion_tokens");
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
    /* Several choices only come with n > 1, which we never ask for: follow index 0. */
    const cJSON *choice = NULL;
    const cJSON *c;
    const cJSON *list = cJSON_IsArray(choices) ? choices : NULL;
    cJSON_ArrayForEach(c, list)
    {
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(c, "index");
        if (cJSON_IsObject(c) && (!cJSON_IsNumber(index) || index->valuedouble == 0)) {
            choice = c;
            break;
        }
    }
    if (!is_stream && !choice) {
        cJSON_Delete(root);
        *errmsg = xstrdup("the response has no choices");
        return ERR_PROTOCOL;
    }
    if (choice) {
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(choice, is_stream ? "delta" : "message");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(body, "content");
        if (cJSON_IsString(content) && content->valuestring && content->valuestring[0]) {
            out->text = xstrdup(content->valuestring);
            out->text_len = strlen(out->text);
        }
        free(out->finish_reason);
        out->finish_reason = dup_string(cJSON_GetObjectItemCaseSensitive(choice, "finish_reason"));
        /* OpenRouter and others end a failed generation with finish_reason "error". */
        if (out->finish_reason && strcmp(out->finish_reason, "error") == 0) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(choice, "error");
            read_error_object(e, &out->error_message, &out->error_code);
            if (!out->error_message)
                out->error_message = xstrdup("the server stopped the answer with an error");
        }
    }
    cJSON_Delete(root);
    return ERR_OK;
}

static enum err openai_parse_embeddings(const char *json, size_t len, size_t count,
                                        float **vectors, int *dim, char **errmsg)
{
    *vectors = NULL;
    *dim = 0;
    *errmsg = NULL;
    enum err e = ERR_PROTOCOL;
    float *out = NULL;
    unsigned char *seen = NULL;
    int d = 0;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
        *errmsg = xstrdup("the embeddings response is not the JSON expected");
        goto out;
    }
    size_t n = (size_t)cJSON_GetArraySize(data);
    if (n != count) {
        *errmsg = xasprintf("asked for %zu embeddings, got %zu", count, n);
        goto out;
    }
    seen = xcalloc(count ? count : 1, 1);
    size_t position = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data)
    {
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
        const cJSON *emb = cJSON_GetObjectItemCaseSensitive(item, "embedding");
        size_t at = position++;
        if (cJSON_IsNumber(index)) {
            if (index->valuedouble < 0 || index->valuedouble >= (double)count ||
                index->valuedouble != (double)(size_t)index->valuedouble) {
                *errmsg = xstrdup("an embedding has an index out of range");
                goto out;
            }
            at = (size_t)index->valuedouble;
        }
        if (seen[at]) {
            *errmsg = xasprintf("two embeddings have index %zu", at);
            goto out;
        }
        seen[at] = 1;
        if (cJSON_IsString(emb)) {
            *errmsg = xstrdup("base64 embeddings are not supported");
            goto out;
        }
        if (!cJSON_IsArray(emb)) {
            *errmsg = xstrdup("an embedding is missing");
            goto out;
        }
        int size = cJSON_GetArraySize(emb);
        if (!d) {
            if (size <= 0) {
                *errmsg = xstrdup("an embedding is empty");
                goto out;
            }
            if (size > OPENAI_MAX_DIM) {
                *errmsg = xasprintf("embedding dimension %d is over %d", size, OPENAI_MAX_DIM);
                e = ERR_TOO_LARGE;
                goto out;
            }
            d = size;
            out = xreallocarray(NULL, count * (size_t)d, sizeof *out);
        } else if (size != d) {
            *errmsg = xasprintf("embeddings of different dimensions (%d and %d)", d, size);
            goto out;
        }
        size_t k = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, emb)
        {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                *errmsg = xstrdup("an embedding holds something that is not a number");
                goto out;
            }
            out[at * (size_t)d + k++] = (float)v->valuedouble;
        }
    }
    if (count == 0) {
        *errmsg = xstrdup("no inputs");
        e = ERR_INVALID;
        goto out;
    }
    *vectors = out;
    *dim = d;
    out = NULL;
    e = ERR_OK;
out:
    free(out);
    free(seen);
    cJSON_Delete(root);
    return e;
}

enum { HTML_TITLE_MAX = 120 };

/* Case-insensitive search in the first len bytes. */
static const char *find_nocase(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && (s[i + k] | 0x20) == (needle[k] | 0x20))
            k++;
        if (k == n)
            return s + i;
    }
    return NULL;
}

static bool looks_like_html(const char *body, size_t len)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    if (i >= len || body[i] != '<')
        return false;
    size_t head = len - i < 2048 ? len - i : 2048;
    return find_nocase(body + i, head, "<html") || find_nocase(body + i, head, "<!doctype") ||
           find_nocase(body + i, head, "<head") || find_nocase(body + i, head, "<body") ||
           find_nocase(body + i, head, "<title") || find_nocase(body + i, head, "<h1");
}

/* The text of the first <tag>...</tag> of an HTML page, tags stripped, the common entities
 * decoded, whitespace collapsed, at most HTML_TITLE_MAX bytes; NULL when absent or empty. */
static char *html_element_text(const char *body, size_t len, const char *tag)
{
    char open[16], close[16];
    snprintf(open, sizeof open, "<%s", tag);
    snprintf(close, sizeof close, "</%s", tag);
    const char *start = find_nocase(body, len, open);
    if (!start)
        return NULL;
    const char *gt = memchr(start, '>', len - (size_t)(start - body));
    if (!gt)
        return NULL;
    gt++;
    const char *end = find_nocase(gt, len - (size_t)(gt - body), close);
    if (!end)
        end = body + len;
    static const struct {
        const char *name;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
                    {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}};
    struct buf b;
    buf_init(&b, HTML_TITLE_MAX + 8);
    bool in_tag = false, was_space = true;
    for (const char *p = gt; p < end && b.len < HTML_TITLE_MAX; p++) {
        char c = *p;
        if (in_tag) {
            in_tag = c != '>';
            continue;
        }
        if (c == '<') {
            in_tag = true;
            c = ' ';
        } else if (c == '&') {
            for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
                size_t n = strlen(entities[k].name);
                if ((size_t)(end - p) >= n && strncmp(p, entities[k].name, n) == 0) {
                    c = entities[k].c;
                    p += n - 1;
                    break;
                }
            }
        }
        bool is_space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (is_space) {
            if (!was_space)
                buf_append_char(&b, ' ');
        } else if ((unsigned char)c >= 0x20 && c != 0x7f) {
            buf_append_char(&b, c);
        }
        was_space = is_space;
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    /* A cut inside a UTF-8 sequence: drop the partial character. */
    while (b.len > 0 && ((unsigned char)b.data[b.len - 1] & 0xC0) == 0x80)
        b.len--;
    if (b.len > 0 && ((unsigned char)b.data[b.len - 1] & 0xC0) == 0xC0)
        b.len--;
    if (b.data)
        b.data[b.len] = '\0';
    char *s = b.len ? buf_detach(&b) : NULL;
    buf_cleanup(&b);
    return s;
}

/* A short, single-line excerpt of a body that is neither JSON nor HTML (plain text), with any
 * escape sequence removed whole (not just its ESC). */
static char *excerpt(const char *body, size_t len)
{
    size_t clean_len = 0;
    char *clean = utf8_sanitize_line(body, len < 4096 ? len : 4096, &clean_len);
    struct buf b;
    buf_init(&b, 200);
    bool was_space = true;
    for (size_t i = 0; i < clean_len && b.len < 199; i++) {
        bool is_space = clean[i] == ' ';
        if (!is_space || !was_space)
            buf_append_char(&b, clean[i]);
        was_space = is_space;
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    /* A character cut at the cap becomes U+FFFD when the message is sanitised again. */
    char *s = b.len ? buf_detach(&b) : NULL;
    buf_cleanup(&b);
    free(clean);
    return s;
}

static void openai_parse_error(const char *body, size_t len, char **message, char **code)
{
    *message = NULL;
    *code = NULL;
    if (!body || !len)
        return;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (cJSON_IsObject(root)) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
        const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
        if (err && !cJSON_IsNull(err)) {
            read_error_object(err, message, code);
        } else if (cJSON_IsString(detail)) {
            *message = dup_string(detail);
        } else if (cJSON_IsArray(detail)) {
            *message = dup_string(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(detail, 0), "msg"));
        } else {
            *message = dup_string(cJSON_GetObjectItemCaseSensitive(root, "message"));
        }
    }
    cJSON_Delete(root);
    if (!*message && looks_like_html(body, len)) {
        /* A proxy's error page: its title (or first heading) says it; the markup does not
         * belong in a status line, a log or the stored answer. */
        *message = html_element_text(body, len, "title");
        if (!*message)
            *message = html_element_text(body, len, "h1");
        *code = xstrdup("html");
        return;
    }
    if (!*message)
        *message = excerpt(body, len);
}

const struct llm_provider_ops llm_openai_ops = {
    .name = "openai",
    .chat_url = openai_chat_url,
    .embed_url = openai_embed_url,
    .auth_header = openai_auth_header,
    .chat_body = openai_chat_body,
    .embed_body = openai_embed_body,
    .parse_chat = openai_parse_chat,
    .parse_embeddings = openai_parse_embeddings,
    .parse_error = openai_parse_error,
};

/* llm_provider: the table a provider implements for core/llm.c (curl vtls style): URLs,
 * headers and request JSON out; streamed chunks, whole responses, embeddings and error bodies
 * in. Internal to core/llm*.c; providers never touch the network or the loop. */
#ifndef CCA_LLM_PROVIDER_H
#define CCA_LLM_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/llm.h"

struct secret;

/* Where and as whom to send one kind of request (chat or embeddings). */
struct llm_endpoint {
    bool is_azure;            /* deployment URL + ?api-version=, "api-key" header */
    char *base_url;           /* without a trailing '/' */
    char *api_version;        /* azure only */
    char *model;
    struct secret *key;       /* shared with the config; NULL or "" means no key */
};

/* What one streamed chunk or one whole completion said. Strings are heap-owned. */
struct llm_parsed {
    char *text;               /* answer text, NULL when the chunk had none */
    size_t text_len;
    char *finish_reason;      /* NULL until the server says why it stopped */
    int prompt_tokens;        /* -1 when absent */
    int completion_tokens;    /* -1 when absent */
    char *error_message;      /* an error object inside a 200 response or stream */
    char *error_code;         /* its code and type, space separated, may be NULL */
};

void llm_parsed_init(struct llm_parsed *p);
void llm_parsed_cleanup(struct llm_parsed *p);

struct llm_provider_ops {
    const char *name;
    /* Heap URLs for the endpoint. */
    char *(*chat_url)(const struct llm_endpoint *ep);
    char *(*embed_url)(const struct llm_endpoint *ep);
    /* The authentication header line in guarded memory (the caller frees it with
     * secret_free), NULL without a key. */
    struct secret *(*auth_header)(const struct llm_endpoint *ep);
    /* Request bodies (heap JSON). */
    char *(*chat_body)(const struct llm_endpoint *ep, const struct llm_message *messages,
                       size_t count, double temperature, int max_tokens, bool stream);
    char *(*embed_body)(const struct llm_endpoint *ep, const char *const *texts, size_t count);
    /* One streamed event's data (is_stream) or a whole completion. ERR_PROTOCOL (with *errmsg,
     * heap) when it is not the JSON expected; unknown fields are ignored. */
    enum err (*parse_chat)(const char *json, size_t len, bool is_stream, struct llm_parsed *out,
                           char **errmsg);
    /* An embeddings response for count inputs: *vectors (heap, count*dim floats, ordered by
     * the inputs) and *dim. ERR_PROTOCOL when malformed, short or of mixed dimensions. */
    enum err (*parse_embeddings)(const char *json, size_t len, size_t count, float **vectors,
                                 int *dim, char **errmsg);
    /* The human message and code/type of an error body (both heap or NULL); never fails. */
    void (*parse_error)(const char *body, size_t len, char **message, char **code);
};

/* OpenAI and every OpenAI-compatible server, and Azure OpenAI (core/llm_openai.c). */
extern const struct llm_provider_ops llm_openai_ops;

#endif

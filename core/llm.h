/* llm: the provider-neutral client for streamed chat completions and embeddings over an
 * OpenAI-compatible HTTP API (OpenAI, Azure OpenAI, Ollama /v1, llama.cpp, vLLM, LM Studio).
 * Requests run on the caller's loop and never block it; llm_openai.c is the one provider. */
#ifndef CCA_LLM_H
#define CCA_LLM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct config;
struct loop;
struct llm;
struct llm_request;

enum llm_role { LLM_ROLE_SYSTEM, LLM_ROLE_USER, LLM_ROLE_ASSISTANT };

struct llm_message {
    enum llm_role role;
    const char *content;
};

struct llm_usage {
    int prompt_tokens;     /* -1 when the server did not say */
    int completion_tokens; /* -1 when the server did not say */
    long first_token_ms;   /* from the request start, -1 if no text arrived */
    long total_ms;
    int delta_count;       /* text deltas received */
};

/* Called for each piece of answer text, as it arrives; text is valid UTF-8 only when the
 * server sent valid UTF-8 (the caller sanitises), len bytes, not NUL-terminated. */
typedef void (*llm_delta_fn)(void *userdata, const char *text, size_t len);
/* Called exactly once when a chat request ends (ERR_OK, or the failure). errmsg is the
 * server's message or a description, valid during the call. The request is freed by the
 * client right after this returns. */
typedef void (*llm_done_fn)(void *userdata, enum err e, const char *errmsg,
                            const struct llm_usage *usage);
/* Called once when an embeddings request ends. On success vectors holds count*dim floats,
 * owned by the client and valid during the call. */
typedef void (*llm_embed_fn)(void *userdata, enum err e, const char *errmsg,
                             const float *vectors, size_t count, int dim);

/* Creates a client from the [llm] section (chat) and [embeddings] section (embed) of cfg
 * (copies what it needs; the API key is shared by reference, never copied). Requests run on
 * loop. */
enum err llm_new(const struct config *cfg, struct loop *loop, struct llm **out, char *err,
                 size_t errlen);
/* Cancels every request in flight (no callbacks fire) and wipes the key. NULL is a no-op. */
void llm_free(struct llm *llm);
/* The chat model name (borrowed, valid for the client's life). */
const char *llm_model(const struct llm *llm);

/* Starts a chat completion with the messages (copied). stream=false asks for one response
 * and delivers it as a single delta. *out (may be NULL) lets the caller cancel. */
enum err llm_chat_start(struct llm *llm, const struct llm_message *messages, size_t count,
                        bool stream, llm_delta_fn on_delta, llm_done_fn on_done, void *userdata,
                        struct llm_request **out);
/* Starts an embeddings request for count texts (copied) in one batch. */
enum err llm_embed_start(struct llm *llm, const char *const *texts, size_t count,
                         llm_embed_fn on_done, void *userdata, struct llm_request **out);
/* Cancels a request still in flight: after this returns, none of its callbacks fire and it is
 * freed. Text already delivered stays with the caller. */
void llm_request_cancel(struct llm_request *req);

/* Blocking conveniences for the command line: run the loop until the request ends.
 * llm_embed_sync writes count*dim floats into a heap array *vectors owned by the caller. */
enum err llm_embed_sync(struct llm *llm, struct loop *loop, const char *const *texts,
                        size_t count, float **vectors, int *dim, char **errmsg);

#endif

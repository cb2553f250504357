/* rag: one question's journey: store the question, embed it, retrieve passages (hybrid:
 * vector + full-text, fused by reciprocal rank), build the prompt, stream the answer (LLM) or
 * build an extractive one (offline), score confidence, store the outcome. Drives itself on the
 * loop; events go to the caller's callbacks. */
#ifndef CCA_RAG_H
#define CCA_RAG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/sources.h"

struct config;
struct loop;
struct store;
struct llm;
struct store_passage;
struct rag;
struct rag_turn;

enum rag_state {
    RAG_STATE_IDLE,
    RAG_STATE_RETRIEVING,
    RAG_STATE_GENERATING,
    RAG_STATE_DONE,
    RAG_STATE_FAILED,
    RAG_STATE_CANCELLED,
};

/* Where a turn's time went, in milliseconds (wall clock; 0 for a step that did not run). */
struct rag_phases {
    double store_question; /* storing the question (and a new conversation) */
    double embed;          /* embedding the question */
    double word_stats;     /* the collection statistics of the question's words */
    double vector;         /* vector search */
    double full_text;      /* full-text search */
    double answer;         /* the offline answer, or the model's until its last token */
    double store_answer;   /* storing the outcome */
};

struct rag_answer {
    enum rag_state state;   /* DONE, FAILED or CANCELLED */
    char *message_id;       /* NULL when the question could not be stored */
    char *conversation_id;
    char *question;
    char *text;             /* the answer (partial when failed/cancelled) */
    bool is_offline;        /* extractive answer, no LLM */
    bool abstain;           /* nothing relevant was found */
    double confidence;      /* [0,1] */
    char *confidence_reasons; /* one line, human readable */
    const char *confidence_label; /* the confidence in words for the screen ("weak evidence:
                                     check the sources"); static, never NULL */
    struct source *sources;
    size_t source_count;
    long processing_ms;
    long first_token_ms;    /* -1 when offline or no text */
    int token_count;        /* streamed deltas */
    enum err error;         /* ERR_OK when DONE */
    char *errmsg;           /* plain words with what to do, NULL when DONE */
    bool is_stored;         /* the outcome reached the database */
    struct rag_phases phases;
};

struct rag_events {
    /* The state changed (retrieving -> generating ...). */
    void (*on_state)(void *userdata, enum rag_state state);
    /* Retrieval finished: the numbered sources the answer may cite (valid during the call). */
    void (*on_sources)(void *userdata, const struct source *sources, size_t count);
    /* A piece of answer text (already sanitised UTF-8), len bytes. */
    void (*on_delta)(void *userdata, const char *text, size_t len);
    /* The turn ended; answer is valid during the call. The turn is freed right after. */
    void (*on_done)(void *userdata, const struct rag_answer *answer);
};

/* Creates the pipeline. llm may be NULL (offline: extractive answers and the local embedder).
 * Borrows cfg, loop, store and llm for its whole life. */
enum err rag_new(const struct config *cfg, struct loop *loop, struct store *store,
                 struct llm *llm, struct rag **out, char *err, size_t errlen);
void rag_free(struct rag *rag);

/* Starts a turn. conversation_id NULL starts a new conversation. Events fire from the loop
 * (on_done may fire before rag_ask returns only when it returns ERR_OK for an offline answer
 * that needed no I/O: callers must cope). *out (may be NULL) lets the caller cancel. */
enum err rag_ask(struct rag *rag, const char *conversation_id, const char *question,
                 const struct rag_events *events, void *userdata, struct rag_turn **out);
/* Cancels a turn in flight: the partial answer is stored as cancelled and on_done fires with
 * state CANCELLED before this returns. */
void rag_cancel(struct rag_turn *turn);

/* Whether a model's answer (len bytes) opens with the system prompt's refusal, "I don't know
 * based on the knowledge base" (any case, either apostrophe, after Markdown emphasis). */
bool rag_is_model_refusal(const char *text, size_t len);

/* Hybrid retrieval alone (for `cca search`): passages with vector, full-text and fused scores,
 * best first. type_count 0 means every type. */
enum err rag_retrieve(struct rag *rag, const char *query, const char *const *types,
                      size_t type_count, int count, struct store_passage **out,
                      size_t *out_count);


#endif

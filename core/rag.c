/* rag: one question's journey as a small state machine on the loop. Every step after rag_ask
 * runs from a loop timer or an LLM callback, so the caller's events never fire inside rag_ask
 * and the loop keeps turning while the model streams. Knows nothing of curl, cJSON or libpq:
 * it talks to core/store.h, core/llm.h and core/embed.h only. */
#include "core/rag.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cite.h"
#include "core/confidence.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/embed_local.h"
#include "core/evidence.h"
#include "core/extract.h"
#include "core/json.h"
#include "core/json_out.h"
#include "core/lang.h"
#include "core/learning_ask.h"
#include "core/llm.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/prompt.h"
#include "core/retrieve.h"
#include "core/store.h"
#include "core/store_learning.h"
#include "core/unsent.h"
#include "core/utf8.h"
#include "core/wordnet.h"

#ifndef CCA_ASSETS_DIR
#define CCA_ASSETS_DIR "assets"
#endif

enum {
    RAG_QUESTION_MAX = 8 * 1024,     /* bytes of one question */
    RAG_ANSWER_MAX = 4u << 20,       /* bytes of one answer (STYLE: 4 MiB) */
    RAG_NEAREST_COUNT = 3,           /* titles named when abstaining */
    RAG_REASONS_MAX = 512,
};

#define RAG_ABSTAIN_TEXT "The knowledge base has nothing on this."
/* What the system prompt (assets/prompts/system.txt, rule 4) tells the model to say when the
 * passages do not hold the answer; an answer that opens with it is a refusal. */
#define RAG_MODEL_REFUSAL "I don't know based on the knowledge base"

struct rag {
    const struct config *cfg;
    struct loop *loop;
    struct store *store;
    struct llm *llm;              /* NULL or unused when offline */
    struct embedder *embedder;
    struct prompt_templates templates;
    struct wordnet *wn;           /* related words for the evidence checks; may be unavailable */
    bool is_online;
    struct rag_turn *turns;       /* in flight, for rag_free */
};

struct rag_turn {
    struct rag *rag;
    struct rag_turn *next;
    struct rag_events ev;
    void *userdata;
    char *question;
    char *conversation_in;        /* as asked; NULL starts a new conversation */
    char *message_id;
    char *conversation_id;
    enum rag_state state;
    int64_t start_ms;
    long first_token_ms;
    uint64_t timer;
    struct llm_request *req;
    bool is_embedding;            /* req is the embeddings request */
    float *vector;
    int dim;
    char *degraded;               /* why retrieval ran on one side only, or NULL */
    struct source *sources;
    size_t source_count;
    size_t both_hits;
    struct evidence *evidence;    /* the question's weighted words */
    struct retrieve_stats stats;  /* of the retrieval that gave the sources */
    struct buf answer;            /* exactly what on_delta received */
    char tail[4];                 /* an incomplete UTF-8 sequence held back between deltas */
    size_t tail_len;
    int token_count;
    bool is_offline;
    double offline_support;       /* question-term coverage of the extractive answer */
    bool is_quiet;                /* rag_free: finish without callbacks */
    char *abstain_reason;         /* why the question was refused, or NULL */
    struct rag_phases phases;     /* where the time went (rag.h) */
    int64_t mark_us;              /* start of the phase being timed */
    enum learning_ask_topic personal; /* a question about the asker's own learning */
    char *record;                 /* then their cca_learning_summary() (JSON), or NULL */
};

/* ---- small helpers ----------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static long elapsed_ms(const struct rag_turn *t)
{
    return (long)(loop_now_ms() - t->start_ms);
}

/* Milliseconds since t->mark_us; moves the mark to now. */
static double lap_ms(struct rag_turn *t)
{
    int64_t now = loop_now_us();
    double ms = (double)(now - t->mark_us) / 1000.0;
    t->mark_us = now;
    return ms;
}

static void set_state(struct rag_turn *t, enum rag_state s)
{
    t->state = s;
    if (t->ev.on_state && !t->is_quiet)
        t->ev.on_state(t->userdata, s);
}

static void turn_unlink(struct rag_turn *t)
{
    for (struct rag_turn **pp = &t->rag->turns; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            return;
        }
    }
}

static void turn_free(struct rag_turn *t)
{
    if (!t)
        return;
    turn_unlink(t);
    if (t->timer)
        loop_timer_cancel(t->rag->loop, t->timer);
    if (t->req)
        llm_request_cancel(t->req);
    free(t->question);
    free(t->conversation_in);
    free(t->message_id);
    free(t->conversation_id);
    free(t->vector);
    free(t->degraded);
    free(t->evidence);
    free(t->abstain_reason);
    free(t->record);
    sources_free(t->sources, t->source_count);
    buf_cleanup(&t->answer);
    free(t);
}

/* Copies s into out as valid UTF-8 without NUL bytes (PostgreSQL text accepts neither):
 * each malformed byte or NUL becomes U+FFFD. */
static enum err append_clean_utf8(struct buf *out, const char *s, size_t len)
{
    if (utf8_is_valid(s, len) && !memchr(s, '\0', len))
        return buf_append(out, s, len);
    enum err e = ERR_OK;
    size_t i = 0;
    while (e == ERR_OK && i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == 0)
            cp = UTF8_REPLACEMENT;
        char enc[4];
        e = buf_append(out, enc, utf8_encode(cp, enc));
        i += n;
    }
    return e;
}

/* Bytes at the end of s that start a multi-byte sequence not yet complete. */
static size_t incomplete_tail(const char *s, size_t len)
{
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned char c = (unsigned char)s[len - k];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > k ? k : 0;
    }
    return 0;
}

/* Appends answer text and forwards the same bytes to on_delta. */
static enum err emit_text(struct rag_turn *t, const char *text, size_t len, bool is_final)
{
    struct buf piece;
    buf_init(&piece, RAG_ANSWER_MAX);
    enum err e = ERR_OK;
    if (t->tail_len)
        e = buf_append(&piece, t->tail, t->tail_len);
    if (e == ERR_OK)
        e = buf_append(&piece, text, len);
    t->tail_len = 0;
    size_t keep = piece.len;
    if (e == ERR_OK && !is_final) {
        size_t hold = incomplete_tail(piece.data ? piece.data : "", piece.len);
        memcpy(t->tail, piece.data + piece.len - hold, hold);
        t->tail_len = hold;
        keep -= hold;
    }
    size_t before = t->answer.len;
    if (e == ERR_OK && keep)
        e = append_clean_utf8(&t->answer, piece.data, keep);
    if (e == ERR_OK && t->answer.len > before && t->ev.on_delta && !t->is_quiet)
        t->ev.on_delta(t->userdata, t->answer.data + before, t->answer.len - before);
    buf_cleanup(&piece);
    return e;
}

/* ---- outcome ----------------------------------------------------------------------------- */

static const char *status_of(enum rag_state s)
{
    return s == RAG_STATE_DONE ? "answered" : s == RAG_STATE_CANCELLED ? "cancelled" : "failed";
}

/* Whether text holds the citation [n], alone or in a list such as [1, 3] or [2-4]. */
static bool text_cites(const char *text, int n)
{
    for (const char *p = strchr(text, '['); p; p = strchr(p + 1, '[')) {
        const char *q = p + 1;
        long prev = -1;
        bool is_range = false;
        for (;;) {
            if (*q < '0' || *q > '9')
                break;
            char *end;
            long v = strtol(q, &end, 10);
            if (v == n || (is_range && prev <= n && n <= v))
                return true;
            prev = v;
            q = end;
            while (*q == ' ')
                q++;
            is_range = *q == '-';
            if (*q != ',' && *q != '-')
                break;
            q++;
            while (*q == ' ')
                q++;
        }
    }
    return false;
}

/* Ends the turn: scores, stores and reports it, then frees it. errmsg is copied. */
/* The sources as the confidence formula sees them; the caller frees the array. */
static struct confidence_passage *confidence_passages(const struct source *s, size_t count)
{
    struct confidence_passage *cp = xcalloc(count + 1, sizeof *cp);
    for (size_t i = 0; i < count; i++) {
        cp[i].similarity = s[i].similarity;
        cp[i].is_vector_hit = s[i].similarity >= 0;
        cp[i].is_fts_hit = s[i].fts_score >= 0;
    }
    return cp;
}

/* The confidence formula's similarity scale: the local embedder's own with its meaning part,
 * else the configured threshold's (0). */
static bool rag_has_meaning(const struct rag *rag)
{
    return embedder_is_local(rag->embedder) &&
           strcmp(embedder_model(rag->embedder), EMBED_LOCAL_MODEL) == 0;
}

static double rag_sim_zero(const struct rag *rag)
{
    return rag_has_meaning(rag) ? EMBED_LOCAL_SIM_ZERO : 0;
}

static double rag_sim_strong(const struct rag *rag)
{
    return rag_has_meaning(rag) ? EMBED_LOCAL_SIM_STRONG : 0;
}

/* K of the confidence formula: the best full-text score in units of one rare word (the
 * largest inverse document frequency BM25 can give, ln(1 + n)); -1 when unknown. */
static double turn_keywords(const struct rag_turn *t)
{
    if (!t->evidence || !t->evidence->has_stats || t->evidence->passages < 1 ||
        t->stats.fts_best < 0)
        return -1;
    return t->stats.fts_best / log(1 + t->evidence->passages);
}

bool rag_is_model_refusal(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && text[i] && strchr(" \t\r\n*_>#\"", text[i])) /* space, Markdown emphasis */
        i++;
    for (const char *p = RAG_MODEL_REFUSAL; *p; p++) {
        if (*p == '\'' && i + 3 <= len && memcmp(text + i, "\xE2\x80\x99", 3) == 0) {
            i += 3; /* the typographic apostrophe */
            continue;
        }
        char c = i < len ? text[i] : '\0';
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        char want = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if (c != want)
            return false;
        i++;
    }
    return true;
}

/* The refusal shown in place of a model's "I don't know": the titles it was given, so the
 * reader knows where the search looked, but none of the model's other words (they would be
 * uncited, or worse, outside knowledge). */
static char *model_refusal_text(const struct rag_turn *t)
{
    struct buf b;
    buf_init(&b, 1024);
    (void)buf_printf(&b, "%s\nWhy: the model found no answer in the passages it was given.",
                     RAG_ABSTAIN_TEXT);
    size_t named = 0;
    for (size_t i = 0; i < t->source_count && named < RAG_NEAREST_COUNT; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || strcmp(t->sources[k].title, t->sources[i].title) == 0;
        if (seen)
            continue;
        (void)buf_printf(&b, "%s\"%s\"", named ? ", " : "\nThe closest material: ",
                         t->sources[i].title);
        named++;
    }
    if (named)
        (void)buf_append_char(&b, '.');
    return buf_detach(&b);
}

static void turn_finish(struct rag_turn *t, enum rag_state state, enum err error,
                        const char *errmsg, bool abstain)
{
    struct rag *rag = t->rag;
    if (t->timer) {
        loop_timer_cancel(rag->loop, t->timer);
        t->timer = 0;
    }
    if (t->req) {
        llm_request_cancel(t->req);
        t->req = NULL;
    }
    if (t->tail_len)
        (void)emit_text(t, "", 0, true); /* a dangling partial character becomes U+FFFD */
    if (state == RAG_STATE_DONE && t->phases.answer == 0 && t->mark_us)
        t->phases.answer = lap_ms(t);

    struct rag_answer a = {
        .state = state,
        .message_id = t->message_id,
        .conversation_id = t->conversation_id,
        .question = t->question,
        .is_offline = t->is_offline,
        .abstain = abstain,
        .sources = t->sources,
        .source_count = t->source_count,
        .first_token_ms = t->first_token_ms,
        .token_count = t->token_count,
        .error = error,
    };
    char reasons[RAG_REASONS_MAX] = "";
    char *text = NULL;
    double support = -1;
    if (t->answer.len > 0 && !abstain) {
        struct cite_report cr;
        if (cite_check(t->answer.data, t->answer.len, t->source_count, &cr) == ERR_OK) {
            if (cr.invalid_count)
                log_info("rag: removed %zu citation(s) to passages that were not given",
                         cr.invalid_count);
            text = cr.text;
            cr.text = NULL;
            if (!t->is_offline)
                support = cite_sentence_coverage(&cr);
            /* Online, a model that says the passages do not answer has refused: its refusal
             * counts as one (confidence 0, nothing marked cited), and the screen shows a.text
             * in place of what streamed. */
            if (!t->is_offline && state == RAG_STATE_DONE &&
                rag_is_model_refusal(t->answer.data, t->answer.len)) {
                free(text);
                text = model_refusal_text(t);
                abstain = true;
                a.abstain = true;
                free(t->abstain_reason);
                t->abstain_reason = xstrdup("the model found no answer in the passages");
            }
            /* Online, an answer that cites no passage has no support: it is refused, and the
             * screen shows a.text (the refusal) in place of what streamed. */
            else if (!t->is_offline && state == RAG_STATE_DONE && cr.valid_count == 0) {
                free(text);
                text = xasprintf("%s\nThe model's answer cited none of the passages it was "
                                 "given, so it is not shown.", RAG_ABSTAIN_TEXT);
                abstain = true;
                a.abstain = true;
                free(t->abstain_reason);
                t->abstain_reason = xstrdup("the model's answer cited no passage");
            }
            cite_report_cleanup(&cr);
        }
    }
    if (!text)
        text = xstrdup(buf_str(&t->answer));
    a.text = text;
    for (size_t i = 0; i < t->source_count; i++)
        t->sources[i].is_cited = !abstain && text_cites(text, t->sources[i].number);

    struct confidence_passage *cp = confidence_passages(t->sources, t->source_count);
    char unknown[128] = "";
    struct confidence_input ci = {
        .passages = cp,
        .count = t->source_count,
        .threshold = rag->cfg->rag_match_threshold,
        .sim_zero = rag_sim_zero(rag),
        .sim_strong = rag_sim_strong(rag),
        .support = t->is_offline ? t->offline_support : support,
        .evidence = t->stats.best_coverage,
        .keywords = turn_keywords(t),
        .important = t->stats.best_important,
        .unknown_count = t->evidence ? evidence_unknown(t->evidence, unknown, sizeof unknown) : 0,
        .unknown = unknown,
        .is_offline = t->is_offline,
        .abstain = abstain,
        .abstain_reason = t->abstain_reason,
    };
    a.confidence = confidence_score(&ci, reasons, sizeof reasons);
    a.confidence_label = confidence_label(a.confidence, abstain);
    free(cp);
    if (t->degraded) {
        size_t used = strlen(reasons);
        snprintf(reasons + used, sizeof reasons - used, "; %s", t->degraded);
    }
    a.confidence_reasons = reasons;
    a.processing_ms = elapsed_ms(t);
    char *msg = dup_or_null(errmsg);
    a.errmsg = msg;

    if (t->message_id) {
        char *sj = sources_to_json(t->sources, t->source_count);
        struct store_outcome o = {
            .status = status_of(state),
            .response = text,
            .error = msg,
            .sources_json = sj,
            .confidence = state == RAG_STATE_DONE ? a.confidence : -1,
            .processing_ms = (int)a.processing_ms,
            .is_offline = t->is_offline,
            .abstain = abstain,
        };
        int64_t t0 = loop_now_us();
        enum err se = store_message_finish(rag->store, t->message_id, &o);
        t->phases.store_answer = (double)(loop_now_us() - t0) / 1000.0;
        a.is_stored = se == ERR_OK;
        if (se != ERR_OK) {
            log_error("rag: could not store the outcome of %s: %s (%s)", t->message_id,
                      err_str(se), store_errmsg(rag->store));
            struct unsent_record r = {
                .kind = "answer",
                .user = rag->cfg->user,
                .conversation_id = t->conversation_id,
                .message_id = t->message_id,
                .question = t->question,
                .answer = text,
                .status = o.status,
                .reason = err_str(se),
            };
            (void)unsent_append(&r, NULL);
        }
        free(sj);
    }

    a.phases = t->phases;
    t->state = state;
    if (!t->is_quiet) {
        if (t->ev.on_state)
            t->ev.on_state(t->userdata, state);
        if (t->ev.on_done)
            t->ev.on_done(t->userdata, &a);
    }
    free(text);
    free(msg);
    turn_free(t);
}

/* ---- steps ------------------------------------------------------------------------------- */

static void step_store(struct loop *loop, uint64_t id, void *userdata);
static void step_retrieve(struct loop *loop, uint64_t id, void *userdata);

static void schedule(struct rag_turn *t, loop_timer_fn fn)
{
    t->timer = loop_timer_add(t->rag->loop, 0, 0, fn, t);
}

static void store_failed(struct rag_turn *t, enum err e)
{
    struct rag *rag = t->rag;
    const char *detail = store_errmsg(rag->store);
    enum err shown = store_is_connected(rag->store) ? e : ERR_DB_DOWN;
    struct unsent_record r = {
        .kind = "question",
        .user = rag->cfg->user,
        .conversation_id = t->conversation_in,
        .question = t->question,
        .reason = err_str(shown),
    };
    char *path = NULL;
    enum err ue = unsent_append(&r, &path);
    char *msg;
    if (ue == ERR_OK)
        msg = xasprintf("Could not save your question: %s%s%s. It was kept in %s; ask again "
                        "when the database is back (cca doctor shows what is wrong).",
                        err_str(shown), *detail ? ": " : "", detail, path);
    else
        msg = xasprintf("Could not save your question: %s%s%s, and it could not be kept "
                        "locally either (%s). Copy it before leaving.",
                        err_str(shown), *detail ? ": " : "", detail, err_str(ue));
    log_error("rag: %s", msg);
    free(path);
    turn_finish(t, RAG_STATE_FAILED, shown, msg, false);
    free(msg);
}

static void embed_done(void *userdata, enum err e, const char *errmsg, const float *vectors,
                       size_t count, int dim)
{
    struct rag_turn *t = userdata;
    t->req = NULL;
    t->is_embedding = false;
    t->phases.embed = lap_ms(t);
    if (e == ERR_OK && count == 1 && dim > 0 && vectors) {
        t->vector = xreallocarray(NULL, (size_t)dim, sizeof *t->vector);
        memcpy(t->vector, vectors, (size_t)dim * sizeof *t->vector);
        t->dim = dim;
    } else {
        /* Keep going on full-text alone and say so in the reasons. */
        log_warn("rag: query embedding failed: %s (%s)", err_str(e), errmsg ? errmsg : "");
        t->degraded = xasprintf("embedding failed (%s), keyword search only",
                                e == ERR_OK ? "empty response" : err_str(e));
    }
    schedule(t, step_retrieve);
}

static void step_store(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct rag_turn *t = userdata;
    struct rag *rag = t->rag;
    t->timer = 0;
    set_state(t, RAG_STATE_RETRIEVING);
    char *new_conv = NULL;
    t->mark_us = loop_now_us();
    enum err e = store_message_begin(rag->store, t->conversation_in, t->question, &t->message_id,
                                     &new_conv);
    t->phases.store_question = lap_ms(t);
    if (e != ERR_OK) {
        free(new_conv);
        store_failed(t, e);
        return;
    }
    t->conversation_id = new_conv ? new_conv : xstrdup(t->conversation_in);

    if (embedder_is_local(rag->embedder)) {
        int dim = embedder_dim(rag->embedder);
        t->vector = xreallocarray(NULL, (size_t)dim, sizeof *t->vector);
        const char *texts[] = {t->question};
        char *errmsg = NULL;
        e = embedder_embed_sync(rag->embedder, texts, 1, t->vector, &errmsg);
        if (e != ERR_OK) {
            log_warn("rag: local embedding failed: %s (%s)", err_str(e), errmsg ? errmsg : "");
            free(t->vector);
            t->vector = NULL;
            t->degraded = xasprintf("embedding failed (%s), keyword search only", err_str(e));
        } else {
            t->dim = dim;
        }
        free(errmsg);
        t->phases.embed = lap_ms(t);
        step_retrieve(rag->loop, 0, t);
        return;
    }
    const char *texts[] = {t->question};
    t->is_embedding = true;
    e = llm_embed_start(rag->llm, texts, 1, embed_done, t, &t->req);
    if (e != ERR_OK) {
        t->req = NULL;
        embed_done(t, e, "could not start the request", NULL, 0, 0);
    }
}

/* Nearest material for an abstention: the closest titles with no threshold at all. */
static char *abstain_text(struct rag_turn *t)
{
    struct rag *rag = t->rag;
    struct buf b;
    buf_init(&b, 4096);
    (void)buf_append_str(&b, RAG_ABSTAIN_TEXT);
    if (t->abstain_reason)
        (void)buf_printf(&b, "\nWhy: %s.", t->abstain_reason);
    struct store_passage *near = NULL;
    size_t n = 0;
    if (t->vector &&
        store_match_passages(rag->store, t->vector, t->dim, -1.0, RAG_NEAREST_COUNT * 3, NULL, 0,
                             &near, &n) == ERR_OK &&
        n > 0) {
        (void)buf_append_str(&b, "\nThe closest material: ");
        size_t named = 0;
        for (size_t i = 0; i < n && named < RAG_NEAREST_COUNT; i++) {
            bool seen = false;
            for (size_t k = 0; k < i; k++)
                seen = seen || strcmp(near[k].title, near[i].title) == 0;
            if (seen)
                continue;
            (void)buf_printf(&b, "%s\"%s\"", named ? ", " : "", near[i].title);
            named++;
        }
        (void)buf_append_char(&b, '.');
    } else if (t->vector) {
        (void)buf_append_str(&b, "\nThe knowledge base holds no documents yet; add some with "
                                 "`cca ingest PATH`.");
    }
    store_passages_free(near, n);
    return buf_detach(&b);
}

static void chat_delta(void *userdata, const char *text, size_t len)
{
    struct rag_turn *t = userdata;
    if (t->first_token_ms < 0)
        t->first_token_ms = elapsed_ms(t);
    t->token_count++;
    if (emit_text(t, text, len, false) != ERR_OK) {
        /* Over the answer cap: stop the model, keep what we have. */
        turn_finish(t, RAG_STATE_FAILED, ERR_TOO_LARGE,
                    "The answer grew beyond 4 MiB and was cut off.", false);
    }
}

static char *llm_failure_text(const struct rag *rag, enum err e, const char *detail)
{
    const char *d = detail && *detail ? detail : err_str(e);
    const char *url = rag->cfg->llm_base_url ? rag->cfg->llm_base_url : "(unset)";
    switch (e) {
    case ERR_CONNECT:
    case ERR_DNS:
    case ERR_TLS:
    case ERR_TIMEOUT:
        return xasprintf("Could not reach the language model at %s (%s). Check that the server "
                         "is running and [llm] base_url is right (cca llm-check tests it). "
                         "Your question was saved.",
                         url, d);
    case ERR_AUTH:
        return xasprintf("The language model rejected the API key (%s). Set [llm] api_key or "
                         "CCA_LLM_API_KEY. Your question was saved.",
                         d);
    case ERR_MODEL:
        return xasprintf("The server does not know the model '%s' (%s). Set [llm] model. Your "
                         "question was saved.",
                         rag->cfg->llm_model ? rag->cfg->llm_model : "", d);
    case ERR_RATE_LIMIT:
        return xasprintf("The language model is rate limiting requests (%s). Wait a moment and "
                         "ask again. Your question was saved.",
                         d);
    case ERR_CONTEXT:
        return xasprintf("The question and passages are too long for the model (%s). Lower "
                         "[retrieval] match_count. Your question was saved.",
                         d);
    default:
        return xasprintf("The language model failed: %s (%s). Run cca llm-check to diagnose. "
                         "Your question was saved.",
                         err_str(e), d);
    }
}

static void chat_done(void *userdata, enum err e, const char *errmsg,
                      const struct llm_usage *usage)
{
    struct rag_turn *t = userdata;
    t->req = NULL; /* the client frees it after we return */
    (void)usage; /* first_token_ms is measured from the question, not the request */
    if (e == ERR_OK) {
        turn_finish(t, RAG_STATE_DONE, ERR_OK, NULL, false);
        return;
    }
    if (e == ERR_CANCELLED) {
        turn_finish(t, RAG_STATE_CANCELLED, ERR_CANCELLED, "Cancelled.", false);
        return;
    }
    char *msg = llm_failure_text(t->rag, e, errmsg);
    log_error("rag: %s", msg);
    turn_finish(t, RAG_STATE_FAILED, e, msg, false);
    free(msg);
}

/* Marks (keep[i] = false) the turns among msgs whose answer drew on a passage the asker may
 * not read now: its audience changed, the document became a draft, or the conversation is
 * read by someone else (an admin). Such an answer quotes that passage, so it is not sent to
 * the model again. When the store cannot tell, every answer that had sources is left out. */
static void history_drop_unreadable(struct rag *rag, const struct store_message *msgs,
                                    size_t count, bool *keep)
{
    struct source **src = xcalloc(count + 1, sizeof *src);
    size_t *src_count = xcalloc(count + 1, sizeof *src_count);
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        const char *sj = msgs[i].sources_json;
        if (!keep[i] || !sj)
            continue;
        if (sources_from_json(sj, strlen(sj), &src[i], &src_count[i]) != ERR_OK) {
            keep[i] = false; /* unreadable sources: cannot be checked */
            continue;
        }
        total += src_count[i];
    }
    const char **ids = xcalloc(total + 1, sizeof *ids);
    bool *readable = xcalloc(total + 1, sizeof *readable);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < src_count[i]; k++)
            ids[n++] = src[i][k].passage_id;
    enum err e = store_passages_readable(rag->store, ids, n, readable);
    if (e != ERR_OK)
        log_warn("rag: sources of earlier answers cannot be checked (%s); those answers are "
                 "not sent", err_str(e));
    n = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < src_count[i]; k++)
            if (e != ERR_OK || !readable[n++])
                keep[i] = false;
        sources_free(src[i], src_count[i]);
    }
    free(readable);
    free(ids);
    free(src_count);
    free(src);
}

/* Earlier answered turns of the conversation, oldest first, at most cfg->rag_history_turns,
 * without those whose sources the asker may no longer read. */
static void load_history(struct rag_turn *t, struct store_message **msgs, size_t *count,
                         struct prompt_turn **turns, size_t *turn_count)
{
    struct rag *rag = t->rag;
    *msgs = NULL;
    *count = 0;
    *turns = NULL;
    *turn_count = 0;
    if (!t->conversation_in || rag->cfg->rag_history_turns <= 0)
        return;
    enum err e = store_conversation_messages(rag->store, t->conversation_in, msgs, count);
    if (e != ERR_OK) {
        log_warn("rag: history unavailable: %s (%s)", err_str(e), store_errmsg(rag->store));
        return;
    }
    *turns = xcalloc(*count + 1, sizeof **turns);
    bool *keep = xcalloc(*count + 1, sizeof *keep);
    for (size_t i = 0; i < *count; i++) {
        const struct store_message *m = &(*msgs)[i];
        keep[i] = !(t->message_id && m->id && strcmp(m->id, t->message_id) == 0) &&
                  m->status && strcmp(m->status, "answered") == 0 && m->response && m->message;
    }
    history_drop_unreadable(rag, *msgs, *count, keep);
    for (size_t i = 0; i < *count; i++)
        if (keep[i])
            (*turns)[(*turn_count)++] = (struct prompt_turn){(*msgs)[i].message,
                                                             (*msgs)[i].response};
    free(keep);
    size_t max = (size_t)rag->cfg->rag_history_turns;
    if (*turn_count > max) {
        memmove(*turns, *turns + (*turn_count - max), max * sizeof **turns);
        *turn_count = max;
    }
}

static void start_online(struct rag_turn *t)
{
    struct rag *rag = t->rag;
    struct store_message *msgs;
    size_t msg_count;
    struct prompt_turn *history;
    size_t history_count;
    load_history(t, &msgs, &msg_count, &history, &history_count);

    struct prompt_passage *pp = xcalloc(t->source_count + 1, sizeof *pp);
    for (size_t i = 0; i < t->source_count; i++)
        pp[i] = (struct prompt_passage){t->sources[i].number, t->sources[i].title,
                                        t->sources[i].heading, t->sources[i].text};
    struct prompt_input in = {
        .question = t->question,
        .passages = pp,
        .passage_count = t->source_count,
        .history = history,
        .history_count = history_count,
    };
    struct prompt p;
    enum err e = prompt_build(&rag->templates, &in, &p);
    free(pp);
    free(history);
    store_messages_free(msgs, msg_count);
    if (e != ERR_OK) {
        turn_finish(t, RAG_STATE_FAILED, e,
                    "The question is too long to send to the model; shorten it.", false);
        return;
    }
    /* Only the passages that fitted were given; the rest must not be cited or listed. */
    if (p.passages_used < t->source_count) {
        for (size_t i = p.passages_used; i < t->source_count; i++) {
            struct source *s = &t->sources[i];
            free(s->content_id);
            free(s->passage_id);
            free(s->title);
            free(s->heading);
            free(s->source_path);
            free(s->text);
            free(s->audience);
        }
        t->source_count = p.passages_used;
    }
    if (t->ev.on_sources && !t->is_quiet)
        t->ev.on_sources(t->userdata, t->sources, t->source_count);
    set_state(t, RAG_STATE_GENERATING);
    e = llm_chat_start(rag->llm, p.messages, p.count, true, chat_delta, chat_done, t, &t->req);
    prompt_cleanup(&p);
    if (e != ERR_OK) {
        t->req = NULL;
        char *msg = llm_failure_text(rag, e, NULL);
        turn_finish(t, RAG_STATE_FAILED, e, msg, false);
        free(msg);
    }
}

/* The offline answerer compares its candidate sentences with the question through the
 * embedder; only a local one is used, since a remote one would block the loop. */
static enum err offline_embed(void *userdata, const char *const *texts, size_t count,
                              float *out)
{
    char *errmsg = NULL;
    enum err e = embedder_embed_sync(userdata, texts, count, out, &errmsg);
    if (e != ERR_OK)
        log_warn("rag: sentence embedding failed: %s (%s)", err_str(e), errmsg ? errmsg : "");
    free(errmsg);
    return e;
}

static void start_offline(struct rag_turn *t)
{
    if (t->ev.on_sources && !t->is_quiet)
        t->ev.on_sources(t->userdata, t->sources, t->source_count);
    set_state(t, RAG_STATE_GENERATING);
    double best = 0;
    for (size_t i = 0; i < t->source_count; i++)
        if (t->sources[i].fused_score > best)
            best = t->sources[i].fused_score;
    struct extract_passage *ep = xcalloc(t->source_count + 1, sizeof *ep);
    for (size_t i = 0; i < t->source_count; i++)
        ep[i] = (struct extract_passage){
            .number = t->sources[i].number,
            .text = t->sources[i].text,
            .score = best > 0 ? t->sources[i].fused_score / best : 0,
            .heading = t->sources[i].heading,
        };
    struct embedder *embedder = t->rag->embedder;
    struct extract_embedder em = {offline_embed, embedder, embedder_dim(embedder)};
    struct extract_result r;
    enum err e = extract_answer(t->question, ep, t->source_count,
                                embedder_is_local(embedder) ? &em : NULL, &r);
    free(ep);
    if (e != ERR_OK) {
        /* Passages with no quotable sentence (tables, code): point at them instead. */
        struct buf b;
        buf_init(&b, 64 * 1024);
        (void)buf_printf(&b, "%s\n\nNo sentence in the matching passages could be quoted; "
                             "see the sources:\n",
                         EXTRACT_HEADER);
        for (size_t i = 0; i < t->source_count; i++)
            (void)buf_printf(&b, "- %s [%d]\n", t->sources[i].title, t->sources[i].number);
        r.text = buf_detach(&b);
        r.term_coverage = 0;
        r.sentence_count = 0;
    }
    t->first_token_ms = -1;
    e = emit_text(t, r.text, strlen(r.text), true);
    double coverage = r.term_coverage;
    extract_result_cleanup(&r);
    if (e != ERR_OK) {
        turn_finish(t, RAG_STATE_FAILED, e, "The offline answer could not be built.", false);
        return;
    }
    /* Offline, C in the confidence is how much of the question the quotes cover. */
    t->offline_support = coverage;
    turn_finish(t, RAG_STATE_DONE, ERR_OK, NULL, false);
}

/* ---- the learner's own record ------------------------------------------------------------ */

/* A question about the asker's own learning reads their record through their own connection
 * (row-level security: nobody else's figures can come back) and gives it as source [1]. */
static void fetch_record(struct rag_turn *t)
{
    char *json = NULL;
    enum err e = store_learning_summary(t->rag->store, &json);
    if (e != ERR_OK) {
        log_warn("rag: the learning record is unavailable: %s (%s)", err_str(e),
                 store_errmsg(t->rag->store));
        free(json);
        t->personal = LEARNING_ASK_NONE;
        return;
    }
    t->record = json;
}

static void add_record_source(struct rag_turn *t)
{
    char *heading = NULL, *text = NULL;
    if (learning_ask_passage(t->record, strlen(t->record), &heading, &text) != ERR_OK) {
        log_warn("rag: the learning record is unreadable");
        free(t->record);
        t->record = NULL;
        return;
    }
    struct source *s = xcalloc(t->source_count + 1, sizeof *s);
    s[0] = (struct source){.number = 1,
                               .title = xstrdup(LEARNING_ASK_TITLE),
                               .heading = heading,
                               .text = text,
                               .similarity = -1,
                               .fts_score = -1,
                               .fused_score = 1,
                               .coverage = 1};
    for (size_t i = 0; i < t->source_count; i++) {
        s[i + 1] = t->sources[i];
        s[i + 1].number = (int)i + 2;
    }
    free(t->sources);
    t->sources = s;
    t->source_count++;
    t->stats.best_coverage = 1; /* the record is what was asked about */
}

/* Offline: the answer is built from the record's figures, cited as [1]. */
static void answer_from_record(struct rag_turn *t)
{
    if (t->ev.on_sources && !t->is_quiet)
        t->ev.on_sources(t->userdata, t->sources, t->source_count);
    set_state(t, RAG_STATE_GENERATING);
    char *text = NULL;
    enum err e = learning_ask_answer(t->personal, t->question, t->record, strlen(t->record),
                                     &text);
    t->first_token_ms = -1;
    if (e == ERR_OK)
        e = emit_text(t, text, strlen(text), true);
    free(text);
    if (e != ERR_OK) {
        turn_finish(t, RAG_STATE_FAILED, e, "The answer from your learning record could not be "
                                            "built.", false);
        return;
    }
    t->offline_support = 1;
    turn_finish(t, RAG_STATE_DONE, ERR_OK, NULL, false);
}

static void step_retrieve(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct rag_turn *t = userdata;
    struct rag *rag = t->rag;
    const struct config *cfg = rag->cfg;
    t->timer = 0;
    const char *lang = lang_guess(t->question);
    if (strcmp(lang, "en") != 0) {
        /* Quoting English passages for a question in another language helps nobody. */
        t->is_offline = !rag->is_online;
        t->abstain_reason = xasprintf("the question seems to be in %s; the knowledge base is "
                                      "in English", lang);
        if (t->ev.on_sources && !t->is_quiet)
            t->ev.on_sources(t->userdata, NULL, 0);
        char *text = xasprintf("The knowledge base is in English, and this question seems to "
                               "be in %s. Please ask it in English.", lang);
        (void)emit_text(t, text, strlen(text), true);
        free(text);
        turn_finish(t, RAG_STATE_DONE, ERR_OK, NULL, true);
        return;
    }
    t->personal = learning_ask_classify(t->question);
    if (t->personal != LEARNING_ASK_NONE)
        fetch_record(t);
    t->evidence = xcalloc(1, sizeof *t->evidence);
    (void)lap_ms(t);
    retrieve_evidence(rag->store, t->question, rag->wn, t->evidence);
    t->phases.word_stats = lap_ms(t);
    struct retrieve_params p = {
        .mode = RETRIEVE_HYBRID,
        .text = t->question,
        .evidence = t->evidence,
        .vector = t->vector,
        .dim = t->dim,
        .threshold = cfg->rag_match_threshold,
        .candidates = cfg->rag_candidates,
        .count = cfg->rag_match_count > 0 ? cfg->rag_match_count : 5,
        .rrf_k = cfg->rag_rrf_k,
    };
    struct store_passage *hits = NULL;
    size_t n = 0;
    struct retrieve_stats st;
    enum err e = retrieve_run(rag->store, &p, &hits, &n, &st);
    t->stats = st;
    t->phases.vector = st.vector_ms;
    t->phases.full_text = st.fts_ms;
    (void)lap_ms(t); /* the answer is timed from here */
    if (e != ERR_OK) {
        const char *detail = store_errmsg(rag->store);
        char *msg = xasprintf("Searching the knowledge base failed: %s%s%s. Your question was "
                              "saved; ask again in a moment (cca doctor shows what is wrong).",
                              err_str(e), *detail ? ": " : "", detail);
        log_error("rag: %s", msg);
        turn_finish(t, RAG_STATE_FAILED, e, msg, false);
        free(msg);
        return;
    }
    if (t->vector && st.vector_err != ERR_OK && !t->degraded)
        t->degraded = xasprintf("vector search failed (%s), keyword search only",
                                err_str(st.vector_err));
    t->both_hits = st.both_hits;
    t->sources = n ? xcalloc(n, sizeof *t->sources) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct store_passage *h = &hits[i];
        t->sources[i] = (struct source){
            .number = (int)i + 1,
            .content_id = h->content_id,
            .passage_id = h->passage_id,
            .title = h->title ? h->title : xstrdup("Untitled"),
            .heading = h->heading,
            .source_path = h->source_path,
            .text = h->text ? h->text : xstrdup(""),
            .similarity = h->vector_rank > 0 ? h->vector_score : -1,
            .fts_score = h->fts_rank > 0 ? h->fts_score : -1,
            .fused_score = h->fused_score,
            .coverage = h->coverage,
            .audience = h->audience,
            .is_due_for_review = h->is_due_for_review,
        };
        free(h->content_type);
    }
    free(hits); /* the strings moved into the sources */
    t->source_count = n;
    if (t->record)
        add_record_source(t);

    /* Refusal is decided on the evidence before any answer is written, online too. */
    char unknown[128] = "";
    char why[384] = "";
    struct confidence_passage *cp = confidence_passages(t->sources, t->source_count);
    struct confidence_input ci = {
        .passages = cp,
        .count = n,
        .threshold = cfg->rag_match_threshold,
        .sim_zero = rag_sim_zero(rag),
        .sim_strong = rag_sim_strong(rag),
        .support = -1,
        .evidence = st.best_coverage,
        .keywords = turn_keywords(t),
        .important = st.best_important,
        .unknown_count = evidence_unknown(t->evidence, unknown, sizeof unknown),
        .unknown = unknown,
    };
    bool refuse = !t->record && confidence_should_abstain(&ci, why, sizeof why);
    free(cp);
    if (refuse) {
        sources_free(t->sources, t->source_count);
        t->sources = NULL;
        t->source_count = 0;
        t->abstain_reason = xstrdup(why);
        t->is_offline = !rag->is_online;
        if (t->ev.on_sources && !t->is_quiet)
            t->ev.on_sources(t->userdata, NULL, 0);
        char *text = abstain_text(t);
        (void)emit_text(t, text, strlen(text), true);
        free(text);
        turn_finish(t, RAG_STATE_DONE, ERR_OK, NULL, true);
        return;
    }
    if (rag->is_online) {
        start_online(t);
    } else {
        t->is_offline = true;
        if (t->record)
            answer_from_record(t);
        else
            start_offline(t);
    }
}

/* ---- public ------------------------------------------------------------------------------ */

enum err rag_new(const struct config *cfg, struct loop *loop, struct store *store,
                 struct llm *llm, struct rag **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg || !loop || !store)
        return ERR_INVALID;
    struct rag *rag = xcalloc(1, sizeof *rag);
    rag->cfg = cfg;
    rag->loop = loop;
    rag->store = store;
    rag->llm = llm;
    rag->is_online = llm && config_has_llm(cfg);
    rag->wn = wordnet_new();
    if (!wordnet_is_available(rag->wn)) {
        wordnet_free(rag->wn);
        rag->wn = NULL;
    }
    enum err e = embedder_new(cfg, llm, loop, &rag->embedder, err, errlen);
    if (e != ERR_OK)
        goto fail;
    if (rag->is_online) {
        const char *dir = cfg->assets_dir && *cfg->assets_dir ? cfg->assets_dir : CCA_ASSETS_DIR;
        e = prompt_templates_load(dir, &rag->templates, err, errlen);
        if (e != ERR_OK)
            goto fail;
    }
    *out = rag;
    return ERR_OK;
fail:
    rag_free(rag);
    return e;
}

void rag_free(struct rag *rag)
{
    if (!rag)
        return;
    /* Turns still in flight are stored as cancelled, without callbacks: the caller is gone. */
    while (rag->turns) {
        struct rag_turn *t = rag->turns;
        t->is_quiet = true;
        if (t->req) {
            llm_request_cancel(t->req);
            t->req = NULL;
        }
        turn_finish(t, RAG_STATE_CANCELLED, ERR_CANCELLED, "The application closed.", false);
    }
    embedder_free(rag->embedder);
    wordnet_free(rag->wn);
    prompt_templates_cleanup(&rag->templates);
    free(rag);
}

enum err rag_ask(struct rag *rag, const char *conversation_id, const char *question,
                 const struct rag_events *events, void *userdata, struct rag_turn **out)
{
    if (out)
        *out = NULL;
    if (!rag || !question || !events)
        return ERR_INVALID;
    size_t len = strlen(question);
    size_t start = 0;
    while (start < len && (question[start] == ' ' || question[start] == '\t' ||
                           question[start] == '\n' || question[start] == '\r'))
        start++;
    size_t end = len;
    while (end > start && (question[end - 1] == ' ' || question[end - 1] == '\t' ||
                           question[end - 1] == '\n' || question[end - 1] == '\r'))
        end--;
    if (end == start)
        return ERR_INVALID;
    if (end - start > RAG_QUESTION_MAX)
        return ERR_TOO_LARGE;
    if (!utf8_is_valid(question + start, end - start) ||
        memchr(question + start, '\0', end - start))
        return ERR_UTF8;
    struct rag_turn *t = xcalloc(1, sizeof *t);
    t->rag = rag;
    t->ev = *events;
    t->userdata = userdata;
    t->question = xstrndup(question + start, end - start);
    t->conversation_in = conversation_id && *conversation_id ? xstrdup(conversation_id) : NULL;
    t->start_ms = loop_now_ms();
    t->first_token_ms = -1;
    t->offline_support = -1;
    t->state = RAG_STATE_IDLE;
    buf_init(&t->answer, RAG_ANSWER_MAX);
    t->next = rag->turns;
    rag->turns = t;
    schedule(t, step_store);
    if (out)
        *out = t;
    return ERR_OK;
}

void rag_cancel(struct rag_turn *turn)
{
    if (!turn)
        return;
    struct rag *rag = turn->rag;
    if (turn->req) {
        llm_request_cancel(turn->req);
        turn->req = NULL;
    }
    if (!turn->message_id) {
        /* Cancelled before the question reached the database: store it anyway, as cancelled,
         * so the history shows what was asked. */
        char *new_conv = NULL;
        if (store_message_begin(rag->store, turn->conversation_in, turn->question,
                                &turn->message_id, &new_conv) == ERR_OK)
            turn->conversation_id = new_conv ? new_conv : dup_or_null(turn->conversation_in);
        else
            free(new_conv);
    }
    turn_finish(turn, RAG_STATE_CANCELLED, ERR_CANCELLED, "Cancelled.", false);
}

enum err rag_retrieve(struct rag *rag, const char *query, const char *const *types,
                      size_t type_count, int count, struct store_passage **out,
                      size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (!rag || !query || !*query)
        return ERR_INVALID;
    int dim = embedder_dim(rag->embedder);
    float *vec = xreallocarray(NULL, (size_t)dim, sizeof *vec);
    const char *texts[] = {query};
    char *errmsg = NULL;
    enum err e = embedder_embed_sync(rag->embedder, texts, 1, vec, &errmsg);
    if (e != ERR_OK) {
        log_warn("rag: query embedding failed: %s (%s); keyword search only", err_str(e),
                 errmsg ? errmsg : "");
        free(vec);
        vec = NULL;
    }
    free(errmsg);
    struct evidence *ev = xcalloc(1, sizeof *ev);
    retrieve_evidence(rag->store, query, rag->wn, ev);
    struct retrieve_params p = {
        .mode = RETRIEVE_HYBRID,
        .text = query,
        .evidence = ev,
        .vector = vec,
        .dim = vec ? dim : 0,
        .types = types,
        .type_count = type_count,
        .threshold = rag->cfg->rag_match_threshold,
        .candidates = rag->cfg->rag_candidates,
        .count = count > 0 ? count : rag->cfg->rag_match_count,
        .rrf_k = rag->cfg->rag_rrf_k,
    };
    e = retrieve_run(rag->store, &p, out, out_count, NULL);
    free(ev);
    free(vec);
    return e;
}


/* screen_chat: the chat screen's controller. Keys become editor, transcript and rag calls;
 * rag events update the transcript and the sources and mark regions dirty. Never draws by
 * itself (render does) and never blocks: answers stream through core/rag on the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/draft.h"
#include "core/err.h"
#include "core/json.h"
#include "core/sources.h"
#include "core/learning_ask.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/rag.h"
#include "core/reader.h"
#include "core/store.h"
#include "core/store_chat.h"
#include "core/store_content.h"
#include "core/uiclock.h"
#include "core/unsent.h"
#include "core/utf8.h"
#include "tui/editor.h"
#include "tui/list.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/transcript.h"

#define CONVERSATION_LIST_MAX 100

struct source_copy {
    int number;
    char *title;
    char *detail; /* heading and path */
    char *text;
    double similarity;
    char *content_id; /* "" when the source is no document (the learner's own record) */
    char *passage_id;
    bool is_cited;
};

/* The chat's own dirty regions inside its body. */
#define CHAT_DIRTY_CONVERSATION SCREEN_DIRTY_OWN(0)
#define CHAT_DIRTY_SOURCES SCREEN_DIRTY_OWN(1)
#define CHAT_DIRTY_INPUT SCREEN_DIRTY_OWN(2)

enum overlay { OVERLAY_NONE, OVERLAY_CONVERSATIONS, OVERLAY_PASSAGE };
enum focus { FOCUS_INPUT, FOCUS_SOURCES };

struct chat {
    struct screen_ctx *ctx;
    struct transcript *transcript;
    struct editor *editor;

    struct source_copy *sources;
    size_t source_count;
    bool is_sources_open;
    bool has_final_sources; /* the sources carry the final answer's cited flags */
    enum focus focus;
    size_t selected_source;

    char *conversation_id;
    struct rag_turn *turn;
    bool is_turn_finished; /* on_done fired for the turn being started */
    size_t answer_index;
    char *question;        /* the question in flight */
    char *unanswered;      /* the last question that got no answer (Ctrl-R) */
    enum rag_state rag_state;
    int64_t started_ms, first_token_ms;
    int token_count;

    enum overlay overlay;
    struct store_conversation *convs;
    size_t conv_count;
    struct list conv_list; /* selection and paging in the conversations overlay */
    char **conv_items;
    struct transcript *passage;
    char *passage_title;

    struct layout layout; /* of the last draw */
    bool has_layout;

    /* The feedback loop: the last stored answer can be marked helpful (+) or not (-, then an
     * optional reason typed in the input). */
    char *last_message_id;
    struct store_call *sweep_call; /* closing interrupted questions, once per run */
    bool has_swept;
    bool is_feedback_pending; /* the input takes the reason for a "not helpful" */
    struct store_call *feedback_call;

    /* The typed, unsent question kept on disk (core/draft) so a closed terminal loses none. */
    char *draft_saved;   /* the text last written, "" when none */
    uint64_t draft_timer;
    /* From Enter until the question is stored (or queued, or back in the input), the draft
     * file keeps it: a kill in between must not lose it. */
    bool is_draft_held;
};

#define DRAFT_SAVE_MS 1000

/* --- helpers -------------------------------------------------------------------------------- */

static char *clean(const char *s)
{
    return s ? utf8_sanitize(s, strlen(s), NULL) : xstrdup("");
}

/* One line for lists and titles: newlines and tabs become spaces. */
static char *clean_line(const char *s)
{
    char *c = clean(s);
    for (char *p = c; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    return c;
}

static void invalidate(struct chat *c, unsigned dirty)
{
    c->ctx->invalidate(c->ctx->app, dirty);
}

static void report(struct chat *c, bool is_error, const char *msg)
{
    c->ctx->report(c->ctx->app, is_error, msg);
}

static void sources_clear(struct chat *c)
{
    for (size_t i = 0; i < c->source_count; i++) {
        free(c->sources[i].title);
        free(c->sources[i].detail);
        free(c->sources[i].text);
        free(c->sources[i].content_id);
        free(c->sources[i].passage_id);
    }
    free(c->sources);
    c->sources = NULL;
    c->source_count = 0;
    c->selected_source = 0;
    if (c->focus == FOCUS_SOURCES)
        c->focus = FOCUS_INPUT;
}

static void conversations_clear(struct chat *c)
{
    store_conversations_free(c->convs, c->conv_count);
    for (size_t i = 0; i < c->conv_count; i++)
        free(c->conv_items[i]);
    free(c->conv_items);
    c->convs = NULL;
    c->conv_items = NULL;
    c->conv_count = 0;
    list_init(&c->conv_list);
}

static void overlay_close(struct chat *c)
{
    if (c->overlay == OVERLAY_NONE)
        return;
    c->overlay = OVERLAY_NONE;
    conversations_clear(c);
    transcript_free(c->passage);
    c->passage = NULL;
    free(c->passage_title);
    c->passage_title = NULL;
    invalidate(c, SCREEN_DIRTY_ALL);
}

/* --- rag events ----------------------------------------------------------------------------- */

static void ev_state(void *userdata, enum rag_state state)
{
    struct chat *c = userdata;
    c->rag_state = state;
    if (state == RAG_STATE_GENERATING)
        transcript_set_state(c->transcript, c->answer_index, TRANSCRIPT_STREAMING);
    c->ctx->invalidate_soon(c->ctx->app, CHAT_DIRTY_CONVERSATION | SCREEN_DIRTY_STATUS);
}

/* The sources panel shows src (copied, sanitised): a fresh answer's or a reopened one's. */
static void sources_set(struct chat *c, const struct source *src, size_t count)
{
    sources_clear(c);
    c->has_final_sources = false;
    if (count == 0)
        return;
    c->sources = xcalloc(count, sizeof *c->sources);
    for (size_t i = 0; i < count; i++) {
        struct source_copy *s = &c->sources[i];
        s->number = src[i].number;
        s->title = clean_line(src[i].title ? src[i].title : "(untitled)");
        struct buf d;
        buf_init(&d, 4096);
        if (src[i].is_due_for_review) /* past its review-by date: it may be out of date */
            buf_append_str(&d, "due for review");
        if (src[i].audience && src[i].audience[0]) { /* "HR only": the document is restricted */
            if (d.len)
                buf_append_str(&d, " \xC2\xB7 ");
            buf_append_str(&d, src[i].audience);
        }
        if (src[i].heading && src[i].heading[0]) {
            if (d.len)
                buf_append_str(&d, " \xC2\xB7 ");
            buf_append_str(&d, src[i].heading);
        }
        if (src[i].source_path && src[i].source_path[0]) {
            if (d.len)
                buf_append_str(&d, " \xC2\xB7 ");
            buf_append_str(&d, src[i].source_path);
        }
        s->detail = clean_line(buf_str(&d));
        buf_cleanup(&d);
        s->text = clean(src[i].text);
        s->similarity = src[i].similarity;
        s->content_id = xstrdup(src[i].content_id ? src[i].content_id : "");
        s->passage_id = xstrdup(src[i].passage_id ? src[i].passage_id : "");
        s->is_cited = src[i].is_cited;
    }
    c->source_count = count;
    invalidate(c, CHAT_DIRTY_SOURCES | SCREEN_DIRTY_STATUS);
}

static void draft_release(struct chat *c);

static void ev_sources(void *userdata, const struct source *src, size_t count)
{
    sources_set(userdata, src, count);
    draft_release(userdata); /* retrieval runs after the question was stored */
}

static void ev_delta(void *userdata, const char *text, size_t len)
{
    struct chat *c = userdata;
    if (c->token_count++ == 0)
        c->first_token_ms = uiclock_now_ms();
    /* rag sanitises deltas; an escape split across two deltas is caught here as well. */
    char *safe = utf8_sanitize(text, len, &len);
    if (transcript_append(c->transcript, c->answer_index, safe, len) != ERR_OK)
        log_warn("chat: answer longer than the transcript keeps; the rest is not shown");
    free(safe);
    transcript_set_state(c->transcript, c->answer_index, TRANSCRIPT_STREAMING);
    c->ctx->invalidate_soon(c->ctx->app, CHAT_DIRTY_CONVERSATION | SCREEN_DIRTY_STATUS);
}

static char *outcome_note(const struct rag_answer *a)
{
    struct buf b;
    buf_init(&b, 4096);
    if (a->is_offline)
        buf_append_str(&b, "offline answer (no LLM configured) \xC2\xB7 ");
    if (a->abstain)
        buf_append_str(&b, "nothing relevant in the knowledge base \xC2\xB7 ");
    /* In words first: a number alone does not say whether to trust the answer. */
    if (a->confidence_label && a->confidence_label[0] && !a->abstain)
        buf_printf(&b, "%s \xC2\xB7 ", a->confidence_label);
    buf_printf(&b, "confidence %.2f", a->confidence);
    if (a->source_count)
        buf_printf(&b, " \xC2\xB7 %zu source%s (F3)", a->source_count,
                   a->source_count == 1 ? "" : "s");
    buf_printf(&b, " \xC2\xB7 %.1f s", (double)uiclock_shown_ms(a->processing_ms) / 1000.0);
    if (!a->is_stored)
        buf_append_str(&b, " \xC2\xB7 not saved to the database");
    char *s = clean_line(buf_str(&b));
    buf_cleanup(&b);
    return s;
}

/* The question is stored now: copies kept in the unsent file while the database was down
 * (by this screen or an earlier `cca ask`) are no longer waiting. */
static void forget_unsent(const char *user, const char *question)
{
    size_t removed = 0;
    enum err e = unsent_forget_question_of(user, question, &removed);
    if (e != ERR_OK)
        log_warn("chat: could not update the unsent file: %s", err_str(e));
    else if (removed)
        log_info("chat: %zu unsent cop%s of the question removed: it is stored now", removed,
                 removed == 1 ? "y" : "ies");
}

static void ev_done(void *userdata, const struct rag_answer *a)
{
    struct chat *c = userdata;
    size_t idx = c->answer_index;
    c->is_turn_finished = true;
    c->turn = NULL;
    c->rag_state = a->state;
    size_t have = 0;
    transcript_text(c->transcript, idx, &have);
    /* A finished answer is shown as stored: citations the model invented are gone from it,
     * and an answer with no supporting citation has become the refusal. */
    if (a->text && a->text[0] && (have == 0 || a->state == RAG_STATE_DONE)) {
        char *safe = clean(a->text);
        transcript_replace(c->transcript, idx, safe, strlen(safe));
        free(safe);
        have = strlen(a->text);
    }
    if (a->state == RAG_STATE_DONE) {
        sources_set(c, a->sources, a->source_count);
        c->has_final_sources = true;
    }
    if (a->conversation_id && a->conversation_id[0]) {
        free(c->conversation_id);
        c->conversation_id = xstrdup(a->conversation_id);
    }
    if (a->message_id && a->question)
        forget_unsent(c->ctx->cfg->user, a->question);
    if (a->state == RAG_STATE_DONE) {
        free(c->last_message_id);
        c->last_message_id = a->message_id && a->is_stored ? xstrdup(a->message_id) : NULL;
        transcript_set_state(c->transcript, idx, TRANSCRIPT_DONE);
        char *note = outcome_note(a);
        transcript_set_note(c->transcript, idx, note);
        free(note);
        free(c->unanswered);
        c->unanswered = NULL;
    } else if (a->state == RAG_STATE_CANCELLED) {
        transcript_set_state(c->transcript, idx, TRANSCRIPT_CANCELLED);
        transcript_set_note(c->transcript, idx,
                            have ? "[cancelled] the partial answer above was kept"
                                 : "[cancelled] before any answer arrived");
    } else {
        transcript_set_state(c->transcript, idx, TRANSCRIPT_FAILED);
        char *why = clean_line(a->errmsg ? a->errmsg : err_str(a->error));
        char *note = xasprintf("%s Your question is back in the input: press Enter to try "
                               "again.",
                               why);
        transcript_set_note(c->transcript, idx, note);
        free(note);
        free(why);
        const char *q = a->question ? a->question : c->question;
        if (q) {
            free(c->unanswered);
            c->unanswered = xstrdup(q);
            if (editor_is_empty(c->editor))
                editor_set_text(c->editor, q);
        }
        if (a->error == ERR_DB_DOWN || a->error == ERR_DB)
            c->ctx->db_lost(c->ctx->app);
    }
    free(c->question);
    c->question = NULL;
    draft_release(c);
    invalidate(c, CHAT_DIRTY_CONVERSATION | CHAT_DIRTY_INPUT | SCREEN_DIRTY_STATUS |
                      CHAT_DIRTY_SOURCES | SCREEN_DIRTY_BODY);
}

static const struct rag_events chat_events = {
    .on_state = ev_state,
    .on_sources = ev_sources,
    .on_delta = ev_delta,
    .on_done = ev_done,
};

/* --- commands ------------------------------------------------------------------------------- */

static void cancel_turn(struct chat *c)
{
    if (c->turn)
        rag_cancel(c->turn); /* on_done (CANCELLED) fires before this returns */
    c->turn = NULL;
}

static void draft_write(struct chat *c);

static void send_question(struct chat *c)
{
    if (editor_is_blank(c->editor))
        return;
    if (c->turn) {
        report(c, false, "An answer is still being written: press Esc to stop it first.");
        return;
    }
    if (!c->ctx->rag) {
        report(c, true, "The database is not reachable, so nothing can be answered yet. Your "
                        "question stays in the input; press Enter again once the status bar "
                        "says the database is back.");
        return;
    }
    char *q = editor_take(c->editor);
    transcript_add(c->transcript, TRANSCRIPT_USER, q, strlen(q));
    c->answer_index = transcript_add(c->transcript, TRANSCRIPT_ASSISTANT, "", 0);
    transcript_set_state(c->transcript, c->answer_index, TRANSCRIPT_PENDING);
    transcript_end(c->transcript);
    sources_clear(c);
    c->started_ms = uiclock_now_ms();
    c->first_token_ms = -1;
    c->token_count = 0;
    c->rag_state = RAG_STATE_RETRIEVING;
    c->is_turn_finished = false;
    free(c->question);
    c->question = xstrdup(q);
    struct rag_turn *turn = NULL;
    enum err e = rag_ask(c->ctx->rag, c->conversation_id, q, &chat_events, c, &turn);
    if (e != ERR_OK) {
        transcript_set_state(c->transcript, c->answer_index, TRANSCRIPT_FAILED);
        char *note = xasprintf("Could not ask: %s. Your question is back in the input.",
                               e == ERR_TOO_LARGE ? "the question is too long" : err_str(e));
        transcript_set_note(c->transcript, c->answer_index, note);
        free(note);
        if (editor_is_empty(c->editor))
            editor_set_text(c->editor, q);
        free(c->unanswered);
        c->unanswered = xstrdup(q);
        free(c->question);
        c->question = NULL;
    } else if (!c->is_turn_finished) {
        c->turn = turn;
    }
    /* Until the question is safely stored the draft file keeps it (ev_sources/ev_done): it is
     * written now, since typing may not have paused long enough for the timer to do it. */
    if (c->turn) {
        char err[512] = "";
        if (strcmp(c->draft_saved, q) != 0 &&
            draft_save(c->ctx->cfg->user, q, strlen(q), err, sizeof err) == ERR_OK) {
            free(c->draft_saved);
            c->draft_saved = xstrdup(q);
        }
        c->is_draft_held = true;
    } else {
        draft_write(c);
    }
    free(q);
    invalidate(c, SCREEN_DIRTY_ALL);
}

static void new_conversation(struct chat *c)
{
    cancel_turn(c);
    transcript_clear(c->transcript);
    sources_clear(c);
    free(c->conversation_id);
    c->conversation_id = NULL;
    const char *n = "New conversation. Ask about policies, courses, tools and how work is done "
                    "here; answers cite the company's learning content.";
    transcript_add(c->transcript, TRANSCRIPT_NOTICE, n, strlen(n));
    invalidate(c, SCREEN_DIRTY_ALL);
}

static void open_conversation_list(struct chat *c)
{
    if (!c->ctx->store) {
        report(c, true, "Past conversations live in the database, which is not reachable.");
        return;
    }
    conversations_clear(c);
    enum err e = store_conversations(c->ctx->store, CONVERSATION_LIST_MAX, &c->convs,
                                     &c->conv_count);
    if (e != ERR_OK) {
        char *m = xasprintf("Could not list conversations: %s.", err_str(e));
        report(c, true, m);
        free(m);
        log_warn("chat: conversations: %s", store_errmsg(c->ctx->store));
        c->convs = NULL;
        c->conv_count = 0;
        if (!store_is_connected(c->ctx->store))
            c->ctx->db_lost(c->ctx->app);
        return;
    }
    list_set_count(&c->conv_list, c->conv_count);
    list_set_height(&c->conv_list, 10);
    c->conv_items = xcalloc(c->conv_count ? c->conv_count : 1, sizeof *c->conv_items);
    for (size_t i = 0; i < c->conv_count; i++) {
        char *title = clean_line(c->convs[i].title ? c->convs[i].title : "(untitled)");
        char *when = clean_line(c->convs[i].updated_at ? c->convs[i].updated_at : "");
        /* "2024-05-01T12:30:00" -> "2024-05-01 12:30" */
        if (strlen(when) >= 16) {
            when[10] = ' ';
            when[16] = '\0';
        }
        c->conv_items[i] = xasprintf("%s  %s  (%d)", when, title, c->convs[i].message_count);
        free(title);
        free(when);
    }
    c->overlay = OVERLAY_CONVERSATIONS;
    invalidate(c, SCREEN_DIRTY_ALL);
}

static enum transcript_state state_from_status(const char *status)
{
    if (!status)
        return TRANSCRIPT_DONE;
    if (strcmp(status, "cancelled") == 0)
        return TRANSCRIPT_CANCELLED;
    if (strcmp(status, "failed") == 0)
        return TRANSCRIPT_FAILED;
    return TRANSCRIPT_DONE;
}

static void reopen_selected(struct chat *c)
{
    size_t sel = c->conv_list.selected;
    if (sel >= c->conv_count)
        return;
    char *id = xstrdup(c->convs[sel].id);
    char *title = clean_line(c->convs[sel].title);
    overlay_close(c);
    struct store_message *msgs = NULL;
    size_t n = 0;
    enum err e = store_conversation_messages(c->ctx->store, id, &msgs, &n);
    if (e != ERR_OK) {
        char *m = xasprintf("Could not open the conversation: %s.", err_str(e));
        report(c, true, m);
        free(m);
        free(id);
        free(title);
        return;
    }
    cancel_turn(c);
    transcript_clear(c->transcript);
    sources_clear(c);
    char *head = xasprintf("Reopened: %s", title);
    transcript_add(c->transcript, TRANSCRIPT_NOTICE, head, strlen(head));
    free(head);
    if (n >= STORE_CONVERSATION_WINDOW) {
        char *older = xasprintf("Showing the newest %d messages; the older ones are kept but "
                                "not shown.",
                                STORE_CONVERSATION_WINDOW);
        transcript_add(c->transcript, TRANSCRIPT_NOTICE, older, strlen(older));
        free(older);
    }
    /* Like after a fresh answer, the sources panel holds the last answer's sources. */
    struct source *last_src = NULL;
    size_t last_count = 0;
    for (size_t i = 0; i < n; i++) {
        struct source *src = NULL;
        size_t src_count = 0;
        if (msgs[i].sources_json) {
            enum err je = sources_from_json(msgs[i].sources_json, strlen(msgs[i].sources_json),
                                             &src, &src_count);
            if (je != ERR_OK)
                log_warn("chat: the sources of message %s are unreadable: %s",
                         msgs[i].id ? msgs[i].id : "?", err_str(je));
        }
        char *q = clean(msgs[i].message);
        transcript_add(c->transcript, TRANSCRIPT_USER, q, strlen(q));
        free(q);
        char *r = clean(msgs[i].response);
        size_t a = transcript_add(c->transcript, TRANSCRIPT_ASSISTANT, r, strlen(r));
        free(r);
        enum transcript_state st = state_from_status(msgs[i].status);
        transcript_set_state(c->transcript, a, st);
        if (msgs[i].status && strcmp(msgs[i].status, "pending") == 0) {
            transcript_set_note(c->transcript, a, "no answer was stored for this question");
        } else if (msgs[i].error && st != TRANSCRIPT_DONE) {
            char *why = clean_line(msgs[i].error);
            transcript_set_note(c->transcript, a, why);
            free(why);
        } else if (msgs[i].confidence >= 0 || src_count) {
            char note[96];
            int used = 0;
            if (msgs[i].confidence >= 0)
                used = snprintf(note, sizeof note, "confidence %.2f", msgs[i].confidence);
            if (src_count && used >= 0 && (size_t)used < sizeof note)
                snprintf(note + used, sizeof note - (size_t)used, "%s%zu source%s%s",
                         used ? " \xC2\xB7 " : "", src_count, src_count == 1 ? "" : "s",
                         i + 1 == n ? " (F3)" : "");
            transcript_set_note(c->transcript, a, note);
        }
        if (i + 1 == n) {
            last_src = src;
            last_count = src_count;
        } else {
            sources_free(src, src_count);
        }
    }
    sources_set(c, last_src, last_count);
    sources_free(last_src, last_count);
    store_messages_free(msgs, n);
    free(c->conversation_id);
    c->conversation_id = id;
    free(title);
    transcript_end(c->transcript);
    invalidate(c, SCREEN_DIRTY_ALL);
}

static void show_passage(struct chat *c, int number)
{
    const struct source_copy *s = NULL;
    for (size_t i = 0; i < c->source_count; i++)
        if (c->sources[i].number == number)
            s = &c->sources[i];
    if (!s) {
        char m[96];
        if (c->source_count)
            snprintf(m, sizeof m, "There is no source [%d] for this answer.", number);
        else
            snprintf(m, sizeof m, "No sources yet: ask a question first.");
        report(c, false, m);
        return;
    }
    overlay_close(c);
    c->overlay = OVERLAY_PASSAGE;
    c->passage = transcript_new();
    if (s->detail[0])
        transcript_add(c->passage, TRANSCRIPT_NOTICE, s->detail, strlen(s->detail));
    transcript_add(c->passage, TRANSCRIPT_DOCUMENT, s->text, strlen(s->text));
    transcript_home(c->passage);
    c->passage_title = xasprintf("[%d] %s", s->number, s->title);
    for (size_t i = 0; i < c->source_count; i++)
        if (&c->sources[i] == s)
            c->selected_source = i;
    invalidate(c, SCREEN_DIRTY_ALL);
}

/* The passage on show, opened in the reader at that passage; the learner's own record opens
 * the Progress tab. */
static void open_in_reader(struct chat *c)
{
    if (c->selected_source >= c->source_count)
        return;
    const struct source_copy *s = &c->sources[c->selected_source];
    if (!s->content_id[0]) {
        bool is_record = strcmp(s->title, LEARNING_ASK_TITLE) == 0;
        if (!is_record || !c->ctx->open_screen(c->ctx->app, "progress", NULL))
            report(c, false, "This source is not a document the reader can open.");
        else
            overlay_close(c);
        return;
    }
    char *arg = reader_arg_format(s->content_id, s->passage_id[0] ? s->passage_id : NULL, NULL);
    overlay_close(c);
    if (!c->ctx->open_screen(c->ctx->app, "reader", arg))
        report(c, true, "The reader is not available for your role.");
    free(arg);
}

static void copy_last_answer(struct chat *c)
{
    for (size_t i = transcript_count(c->transcript); i-- > 0;) {
        if (transcript_kind_of(c->transcript, i) != TRANSCRIPT_ASSISTANT)
            continue;
        size_t len;
        const char *t = transcript_text(c->transcript, i, &len);
        if (len == 0)
            continue;
        if (c->ctx->copy(c->ctx->app, t, len)) {
            char m[96];
            snprintf(m, sizeof m, "Copied the last answer (%zu bytes) with OSC 52.", len);
            report(c, false, m);
        } else {
            report(c, true, "Could not copy: the answer is too large or the terminal is "
                            "not writable.");
        }
        return;
    }
    report(c, false, "There is no answer to copy yet.");
}

/* Ctrl-R: the last question of this session that got no answer, else the oldest question
 * kept in the unsent file while the database was down (it leaves the file once stored). */
static void retry_unanswered(struct chat *c)
{
    if (c->unanswered) {
        editor_set_text(c->editor, c->unanswered);
        return;
    }
    struct unsent_entry *e = NULL;
    size_t n = 0;
    const struct unsent_entry *oldest = NULL;
    size_t waiting = 0;
    if (unsent_load(&e, &n) == ERR_OK) {
        for (size_t i = 0; i < n; i++) {
            /* Only this person's questions: the file may hold another --user's. */
            if (strcmp(e[i].kind, "question") != 0 ||
                !unsent_entry_is_from(&e[i], c->ctx->cfg->user))
                continue;
            if (!oldest)
                oldest = &e[i];
            waiting++;
        }
    }
    if (!oldest) {
        report(c, false, "There is no unanswered question to retry.");
        unsent_entries_free(e, n);
        return;
    }
    /* The file is outside the app: its text is shown only once sanitised. */
    char *q = clean(oldest->question);
    editor_set_text(c->editor, q);
    free(q);
    char *when = clean_line(oldest->saved_at ? oldest->saved_at : "an earlier day");
    /* "2024-05-01T12:30:00Z" -> "2024-05-01 12:30 UTC" */
    if (strlen(when) == 20 && when[10] == 'T' && when[19] == 'Z') {
        char *pretty = xasprintf("%.10s %.5s UTC", when, when + 11);
        free(when);
        when = pretty;
    }
    bool is_elsewhere = oldest->conversation_id &&
                        (!c->conversation_id || strcmp(oldest->conversation_id,
                                                       c->conversation_id) != 0);
    char *m = xasprintf("A question kept on %s while the database was down%s: Enter asks it "
                        "(%zu waiting).",
                        when, is_elsewhere ? ", first asked in another conversation" : "",
                        waiting);
    report(c, false, m);
    free(m);
    free(when);
    unsent_entries_free(e, n);
}

/* --- keys ----------------------------------------------------------------------------------- */

static bool key_in_overlay(struct chat *c, enum action a, const struct input_event *ev)
{
    if (a == ACTION_QUIT || a == ACTION_REDRAW || a == ACTION_SUSPEND)
        return false;
    if (c->overlay == OVERLAY_CONVERSATIONS) {
        struct list *l = &c->conv_list;
        switch (a) {
        case ACTION_UP:
        case ACTION_SCROLL_UP:
            list_up(l);
            break;
        case ACTION_DOWN:
        case ACTION_SCROLL_DOWN:
            list_down(l);
            break;
        case ACTION_PAGE_UP:
            list_page_up(l);
            break;
        case ACTION_PAGE_DOWN:
            list_page_down(l);
            break;
        case ACTION_LINE_START:
        case ACTION_SCROLL_TOP:
            list_home(l);
            break;
        case ACTION_LINE_END:
        case ACTION_SCROLL_BOTTOM:
            list_end(l);
            break;
        case ACTION_SEND:
            reopen_selected(c);
            return true;
        case ACTION_CANCEL:
        case ACTION_CONVERSATIONS:
        case ACTION_INTERRUPT:
            overlay_close(c);
            return true;
        default:
            if (ev->kind == INPUT_CHAR && ev->cp == 'q' && !ev->is_alt) {
                overlay_close(c);
                return true;
            }
            break;
        }
        invalidate(c, SCREEN_DIRTY_ALL);
        return true;
    }
    /* The passage viewer. */
    switch (a) {
    case ACTION_UP:
    case ACTION_SCROLL_UP:
        transcript_scroll(c->passage, -1);
        break;
    case ACTION_DOWN:
    case ACTION_SCROLL_DOWN:
        transcript_scroll(c->passage, 1);
        break;
    case ACTION_PAGE_UP:
        transcript_page(c->passage, -1);
        break;
    case ACTION_PAGE_DOWN:
        transcript_page(c->passage, 1);
        break;
    case ACTION_LINE_START:
    case ACTION_SCROLL_TOP:
        transcript_home(c->passage);
        break;
    case ACTION_LINE_END:
    case ACTION_SCROLL_BOTTOM:
        transcript_end(c->passage);
        break;
    case ACTION_CANCEL:
    case ACTION_SEND:
    case ACTION_INTERRUPT:
        overlay_close(c);
        return true;
    default:
        if (ev->kind == INPUT_CHAR && !ev->is_alt && ev->cp >= '1' && ev->cp <= '9') {
            show_passage(c, (int)(ev->cp - '0'));
            return true;
        }
        if (ev->kind == INPUT_CHAR && ev->cp == 'o' && !ev->is_alt) {
            open_in_reader(c);
            return true;
        }
        if (ev->kind == INPUT_CHAR && ev->cp == 'q' && !ev->is_alt) {
            overlay_close(c);
            return true;
        }
        break;
    }
    invalidate(c, SCREEN_DIRTY_ALL);
    return true;
}

static bool key_in_sources(struct chat *c, enum action a, const struct input_event *ev)
{
    switch (a) {
    case ACTION_UP:
        if (c->selected_source > 0)
            c->selected_source--;
        invalidate(c, CHAT_DIRTY_SOURCES);
        return true;
    case ACTION_DOWN:
        if (c->selected_source + 1 < c->source_count)
            c->selected_source++;
        invalidate(c, CHAT_DIRTY_SOURCES);
        return true;
    case ACTION_SEND:
        if (c->selected_source < c->source_count)
            show_passage(c, c->sources[c->selected_source].number);
        return true;
    case ACTION_FOCUS_NEXT:
    case ACTION_CANCEL:
        c->focus = FOCUS_INPUT;
        invalidate(c, CHAT_DIRTY_SOURCES | CHAT_DIRTY_INPUT);
        return true;
    default:
        break;
    }
    if (ev->kind == INPUT_CHAR && !ev->is_alt && ev->cp >= '1' && ev->cp <= '9') {
        show_passage(c, (int)(ev->cp - '0'));
        return true;
    }
    /* Typing goes back to the question. */
    if (a == ACTION_NONE && ev->kind == INPUT_CHAR && ev->cp >= 32) {
        c->focus = FOCUS_INPUT;
        invalidate(c, CHAT_DIRTY_SOURCES | CHAT_DIRTY_INPUT);
    }
    return false;
}

/* --- the draft on disk ------------------------------------------------------------------ */

static void draft_write(struct chat *c)
{
    if (c->is_draft_held)
        return;
    size_t len = 0;
    const char *text = editor_text(c->editor, &len);
    if (strcmp(text, c->draft_saved) == 0)
        return;
    char err[512] = "";
    enum err e = len ? draft_save(c->ctx->cfg->user, text, len, err, sizeof err)
                     : draft_clear(c->ctx->cfg->user, err, sizeof err);
    if (e != ERR_OK) {
        log_warn("chat: draft not kept: %s", err[0] ? err : err_str(e));
        return;
    }
    free(c->draft_saved);
    c->draft_saved = xstrdup(text);
}

/* The question in flight is stored, queued or back in the input: the draft may follow the
 * input again. */
static void draft_release(struct chat *c)
{
    if (!c->is_draft_held)
        return;
    c->is_draft_held = false;
    draft_write(c);
}

static void on_draft_timer(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct chat *c = userdata;
    c->draft_timer = 0;
    draft_write(c);
}

/* After a key: the input changed, so write it a moment after typing pauses. */
static void draft_touch(struct chat *c)
{
    const char *text = editor_text(c->editor, NULL);
    if (strcmp(text, c->draft_saved) == 0)
        return;
    if (c->draft_timer)
        loop_timer_cancel(c->ctx->loop, c->draft_timer);
    c->draft_timer = loop_timer_add(c->ctx->loop, DRAFT_SAVE_MS, 0, on_draft_timer, c);
}

static void draft_restore(struct chat *c)
{
    char *text = NULL;
    size_t len = 0;
    char err[512] = "";
    enum err e = draft_load(c->ctx->cfg->user, &text, &len, err, sizeof err);
    if (e != ERR_OK) {
        log_warn("chat: draft not read: %s", err[0] ? err : err_str(e));
        return;
    }
    if (!text)
        return;
    char *safe = utf8_sanitize(text, len, NULL);
    editor_set_text(c->editor, safe);
    free(c->draft_saved);
    c->draft_saved = xstrdup(editor_text(c->editor, NULL));
    free(safe);
    free(text);
    transcript_add(c->transcript, TRANSCRIPT_NOTICE,
                   "The question you were typing last time is back in the input.",
                   strlen("The question you were typing last time is back in the input."));
}

/* --- feedback on answers ------------------------------------------------------------------- */

static void on_feedback(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    (void)rows;
    struct chat *c = userdata;
    c->feedback_call = NULL;
    if (e != ERR_OK) {
        char *m = xasprintf("Your feedback was not stored: %s", errmsg);
        report(c, true, m);
        free(m);
        return;
    }
    report(c, false, "Thank you: the feedback is stored with the answer (trainers see it "
                     "without your name).");
}

static void feedback_send(struct chat *c, bool is_helpful, const char *reason)
{
    c->is_feedback_pending = false;
    if (!c->last_message_id || !c->ctx->store) {
        report(c, true, "There is no stored answer to give feedback on.");
        return;
    }
    store_call_cancel(c->feedback_call);
    c->feedback_call = store_message_feedback(c->ctx->store, c->last_message_id, is_helpful,
                                              reason && reason[0] ? reason : NULL, on_feedback, c);
}

static bool chat_on_key_inner(struct chat *c, enum action a, int arg,
                              const struct input_event *ev);

static bool chat_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    struct chat *c = self;
    bool is_handled = chat_on_key_inner(c, a, arg, ev);
    draft_touch(c);
    return is_handled;
}

static bool chat_on_key_inner(struct chat *c, enum action a, int arg,
                              const struct input_event *ev)
{
    (void)arg;
    if (c->overlay != OVERLAY_NONE)
        return key_in_overlay(c, a, ev);
    if (c->focus == FOCUS_SOURCES && key_in_sources(c, a, ev))
        return true;
    struct editor *e = c->editor;
    unsigned input = CHAT_DIRTY_INPUT | SCREEN_DIRTY_BODY;
    switch (a) {
    case ACTION_NONE:
        if (ev->kind != INPUT_CHAR || ev->cp < 32 || ev->cp == 127 || ev->is_alt)
            return false;
        if (ev->cp == '?' && editor_is_empty(e))
            return false; /* the app opens the help */
        if ((ev->cp == '+' || ev->cp == '-') && editor_is_empty(e) && !c->turn &&
            !c->is_feedback_pending && c->last_message_id) {
            if (ev->cp == '+') {
                feedback_send(c, true, NULL);
            } else {
                c->is_feedback_pending = true;
                report(c, false, "Not helpful: type why (optional) and press Enter, or Esc to "
                                 "send it without a reason.");
            }
            invalidate(c, input);
            return true;
        }
        {
            char enc[4];
            size_t n = utf8_encode(ev->cp, enc);
            editor_insert(e, enc, n);
        }
        invalidate(c, input);
        return true;
    case ACTION_SEND:
        if (c->is_feedback_pending) {
            char *why = editor_take(e);
            feedback_send(c, false, why);
            free(why);
            invalidate(c, input);
            return true;
        }
        send_question(c);
        return true;
    case ACTION_NEWLINE:
        editor_insert_newline(e);
        invalidate(c, input);
        return true;
    case ACTION_CANCEL:
    case ACTION_INTERRUPT:
        if (c->is_feedback_pending && a == ACTION_CANCEL) {
            feedback_send(c, false, NULL);
            invalidate(c, input);
            return true;
        }
        if (!c->turn)
            return false;
        cancel_turn(c);
        return true;
    case ACTION_NEW_CONVERSATION:
        new_conversation(c);
        return true;
    case ACTION_CONVERSATIONS:
        open_conversation_list(c);
        return true;
    case ACTION_TOGGLE_SOURCES:
        c->is_sources_open = !c->is_sources_open;
        if (!c->is_sources_open)
            c->focus = FOCUS_INPUT;
        invalidate(c, SCREEN_DIRTY_ALL);
        return true;
    case ACTION_FOCUS_NEXT:
        if (c->source_count == 0) {
            report(c, false, "No sources yet: they appear with an answer.");
            return true;
        }
        c->is_sources_open = true;
        c->focus = FOCUS_SOURCES;
        invalidate(c, SCREEN_DIRTY_ALL);
        return true;
    case ACTION_COPY_ANSWER:
        copy_last_answer(c);
        return true;
    case ACTION_RETRY:
        retry_unanswered(c);
        invalidate(c, input);
        return true;
    case ACTION_PAGE_UP:
        transcript_page(c->transcript, -1);
        break;
    case ACTION_PAGE_DOWN:
        transcript_page(c->transcript, 1);
        break;
    case ACTION_SCROLL_UP:
        transcript_scroll(c->transcript, ev->kind == INPUT_MOUSE ? -3 : -1);
        break;
    case ACTION_SCROLL_DOWN:
        transcript_scroll(c->transcript, ev->kind == INPUT_MOUSE ? 3 : 1);
        break;
    case ACTION_SCROLL_TOP:
        transcript_home(c->transcript);
        break;
    case ACTION_SCROLL_BOTTOM:
        transcript_end(c->transcript);
        break;
    case ACTION_UP:
        if (!editor_up(e))
            editor_history_prev(e);
        invalidate(c, input);
        return true;
    case ACTION_DOWN:
        if (!editor_down(e))
            editor_history_next(e);
        invalidate(c, input);
        return true;
    case ACTION_LEFT:
        editor_left(e);
        invalidate(c, input);
        return true;
    case ACTION_RIGHT:
        editor_right(e);
        invalidate(c, input);
        return true;
    case ACTION_WORD_LEFT:
        editor_word_left(e);
        invalidate(c, input);
        return true;
    case ACTION_WORD_RIGHT:
        editor_word_right(e);
        invalidate(c, input);
        return true;
    case ACTION_LINE_START:
        if (editor_is_empty(e))
            transcript_home(c->transcript);
        else
            editor_line_start(e);
        invalidate(c, input | CHAT_DIRTY_CONVERSATION);
        return true;
    case ACTION_LINE_END:
        if (editor_is_empty(e))
            transcript_end(c->transcript);
        else
            editor_line_end(e);
        invalidate(c, input | CHAT_DIRTY_CONVERSATION);
        return true;
    case ACTION_BACKSPACE:
        editor_backspace(e);
        invalidate(c, input);
        return true;
    case ACTION_DELETE:
        editor_delete(e);
        invalidate(c, input);
        return true;
    case ACTION_DELETE_WORD:
        editor_delete_word_back(e);
        invalidate(c, input);
        return true;
    case ACTION_KILL_LINE_START:
        editor_kill_to_line_start(e);
        invalidate(c, input);
        return true;
    case ACTION_KILL_LINE_END:
        editor_kill_to_line_end(e);
        invalidate(c, input);
        return true;
    default:
        return false;
    }
    invalidate(c, CHAT_DIRTY_CONVERSATION);
    return true;
}

/* --- drawing -------------------------------------------------------------------------------- */

static void chat_layout(struct chat *c, const struct layout_rect *body, struct layout *l)
{
    size_t cr;
    int cc;
    int width = body->w - 3 > 1 ? body->w - 3 : 1;
    struct layout_params p = {
        .body = *body,
        .screen_rows = body->h + 3,
        .has_sources = c->is_sources_open,
        .input_lines = (int)editor_wrap(c->editor, width, NULL, 0, &cr, &cc),
    };
    layout_compute(&p, l);
}

static void chat_draw(void *self, struct render *r, const struct layout_rect *body,
                      unsigned dirty)
{
    struct chat *c = self;
    struct layout l;
    chat_layout(c, body, &l);
    if (!c->has_layout || memcmp(&l, &c->layout, sizeof l) != 0)
        dirty = SCREEN_DIRTY_ALL;
    c->layout = l;
    c->has_layout = true;
    if (dirty & SCREEN_DIRTY_BODY)
        render_fill(r, body, THEME_DEFAULT);
    bool is_all = (dirty & SCREEN_DIRTY_BODY) != 0;
    if (is_all || (dirty & CHAT_DIRTY_CONVERSATION))
        render_transcript(r, &l.conversation, c->transcript);
    if (l.sources.h > 0 && (is_all || (dirty & CHAT_DIRTY_SOURCES))) {
        struct render_source items[64];
        size_t n = c->source_count < 64 ? c->source_count : 64;
        for (size_t i = 0; i < n; i++)
            items[i] = (struct render_source){.number = c->sources[i].number,
                                              .title = c->sources[i].title,
                                              .detail = c->sources[i].detail,
                                              .score = c->sources[i].similarity,
                                              .tag = !c->has_final_sources ? NULL
                                                     : c->sources[i].is_cited ? "cited"
                                                                              : "not cited"};
        render_separator(r, &l.separator, l.is_sources_beside);
        render_sources(r, &l.sources, items, n, c->selected_source,
                       c->focus == FOCUS_SOURCES && c->overlay == OVERLAY_NONE,
                       c->turn ? "searching\xE2\x80\xA6" : "Sources of the answer appear here.");
    }
    /* The input is always drawn, so the cursor lands in it. */
    const char *label = c->is_feedback_pending
                            ? "Why was the answer not helpful? (optional; Enter sends, Esc skips)"
                        : c->turn ? "Answering \xE2\x80\x94 Esc stops it; you can type the next "
                                    "question"
                                  : "Your question";
    render_editor(r, &l.input, c->editor, label,
                  "Ask about policies, courses, tools\xE2\x80\xA6  Enter sends \xC2\xB7 "
                  "Alt-Enter new line \xC2\xB7 F1 keys",
                  c->focus == FOCUS_INPUT && c->overlay == OVERLAY_NONE);
}

static bool chat_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct chat *c = self;
    if (c->overlay == OVERLAY_CONVERSATIONS) {
        render_list_overlay(r, rows, cols, "Past conversations",
                            (const char *const *)c->conv_items, c->conv_count, c->conv_list.selected,
                            "Enter opens \xC2\xB7 Esc closes");
        return true;
    }
    if (c->overlay == OVERLAY_PASSAGE) {
        render_text_overlay(r, rows, cols, c->passage_title, c->passage,
                            "o opens in the reader \xC2\xB7 1-9 other sources \xC2\xB7 "
                            "\xE2\x86\x91\xE2\x86\x93 PgUp PgDn \xC2\xB7 Esc closes");
        return true;
    }
    return false;
}

static void chat_activity(void *self, struct buf *out)
{
    struct chat *c = self;
    if (!c->turn)
        return;
    int64_t now = uiclock_now_ms();
    double elapsed = (double)(now - c->started_ms) / 1000.0;
    if (c->token_count == 0) {
        buf_printf(out, "%s %.1f s", c->rag_state == RAG_STATE_GENERATING ? "waiting for the model"
                                                                          : "searching",
                   elapsed);
        return;
    }
    double streaming = (double)(now - c->first_token_ms) / 1000.0;
    double rate = streaming > 0.05 ? c->token_count / streaming : 0;
    buf_printf(out, "answering %.1f s \xC2\xB7 %.0f tok/s", elapsed, rate);
}

static const char *chat_hints(void *self)
{
    struct chat *c = self;
    if (c->turn)
        return "Esc stop \xC2\xB7 F1 keys";
    return "F1 keys \xC2\xB7 F2 history \xC2\xB7 F3 sources \xC2\xB7 Ctrl-Q quit";
}

static bool chat_is_busy(void *self)
{
    return ((struct chat *)self)->turn != NULL;
}

/* A question left 'pending' by a CCA that was killed mid-answer is marked interrupted once
 * it is clearly not in progress elsewhere (another terminal of the same person). */
#define INTERRUPTED_AFTER_S 600

static void on_interrupted(void *userdata, enum err e, const char *errmsg,
                           const struct store_rows *rows)
{
    struct chat *c = userdata;
    c->sweep_call = NULL;
    if (e != ERR_OK) {
        log_warn("chat: interrupted questions not closed: %s", errmsg);
        return;
    }
    const char *n = store_rows_get(rows, 0, 0);
    if (n && strcmp(n, "0") != 0)
        log_info("chat: %s interrupted question(s) marked failed", n);
}

static void chat_on_connection(void *self)
{
    struct chat *c = self;
    if (c->ctx->is_db_up && c->ctx->store && !c->sweep_call && !c->has_swept) {
        c->has_swept = true;
        c->sweep_call =
            store_chat_close_interrupted(c->ctx->store, INTERRUPTED_AFTER_S, on_interrupted, c);
    }
    if (!c->ctx->rag)
        c->turn = NULL; /* the turn died with the old pipeline */
    invalidate(c, SCREEN_DIRTY_ALL);
}

static void chat_free(void *self)
{
    struct chat *c = self;
    if (!c)
        return;
    if (c->draft_timer)
        loop_timer_cancel(c->ctx->loop, c->draft_timer);
    draft_write(c); /* quitting keeps what was typed */
    free(c->draft_saved);
    store_call_cancel(c->feedback_call);
    store_call_cancel(c->sweep_call);
    free(c->last_message_id);
    cancel_turn(c);
    overlay_close(c);
    sources_clear(c);
    transcript_free(c->transcript);
    editor_free(c->editor);
    free(c->conversation_id);
    free(c->question);
    free(c->unanswered);
    free(c);
}

static const char *const chat_help[] = {
    "Tab then 1-9", "Open the passage cited as [n]",
    "+  -", "The last answer was helpful / not helpful (empty input; - asks why)",
    "o (in a passage)", "Open it in the reader (your record: the Progress tab)",
    NULL,
};

static const struct screen_ops chat_ops = {
    .free = chat_free,
    .on_key = chat_on_key,
    .on_connection = chat_on_connection,
    .draw = chat_draw,
    .draw_overlay = chat_draw_overlay,
    .activity = chat_activity,
    .hints = chat_hints,
    .is_busy = chat_is_busy,
    .help = chat_help,
};

struct screen screen_chat_new(struct screen_ctx *ctx);

struct screen screen_chat_new(struct screen_ctx *ctx)
{
    struct chat *c = xcalloc(1, sizeof *c);
    c->ctx = ctx;
    c->transcript = transcript_new();
    c->editor = editor_new();
    c->first_token_ms = -1;
    c->draft_saved = xstrdup("");
    list_init(&c->conv_list);
    const char *hello = "Welcome to CCA, the Contextual Corporate Assistant. Ask a question "
                        "about the company's policies, courses and tools; answers cite their "
                        "sources as [1], [2]. F1 lists every key.";
    transcript_add(c->transcript, TRANSCRIPT_NOTICE, hello, strlen(hello));
    draft_restore(c);
    return (struct screen){.ops = &chat_ops, .self = c};
}

/* screen_content: the trainer's Content tab (trainers and admins). A list of every content item
 * with its figures; Enter opens one in a nano-like editor (core/doc_editor) with its metadata
 * beside it and an optional preview; Ctrl-S saves with the version the edit started from (a
 * save that comes second is shown as a conflict to resolve), then the changed passages are
 * re-embedded in the background (core/content_embed) while the editor stays responsive.
 * Unsaved text is kept as a draft on disk (core/content) and offered back on the next open.
 * Database calls go through the loop; nothing here blocks a key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/config.h"
#include "core/content.h"
#include "core/content_embed.h"
#include "core/doc_editor.h"
#include "core/embed.h"
#include "core/extedit.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/store.h"
#include "core/store_content.h"
#include "core/tryit.h"
#include "core/utf8.h"
#include "tui/form.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_table.h"

#define CTRL(c) ((c) & 0x1f)

enum mode { MODE_LIST, MODE_EDIT };
enum prompt { PROMPT_NONE, PROMPT_FIND, PROMPT_REPLACE_WHAT, PROMPT_REPLACE_WITH, PROMPT_GOTO,
              PROMPT_TRYIT };
/* The metadata form's fields, in order. */
enum meta_field { META_TITLE, META_TYPE, META_DIFFICULTY, META_SKILLS, META_PREREQ, META_REVIEW,
                  META__COUNT };
enum overlay { OVERLAY_NONE, OVERLAY_DRAFT, OVERLAY_CONFLICT, OVERLAY_COMPARE, OVERLAY_DELETE,
               OVERLAY_FEEDBACK, OVERLAY_TRYIT };

struct content_screen {
    struct screen_ctx *ctx;
    enum mode mode;
    struct store_call *call;
    bool is_loading;
    char *error;

    struct content_list *list;
    size_t selected, top;

    /* the open item */
    struct content_doc *doc; /* as loaded (id "" for a new one) */
    struct doc_editor *ed;
    /* the metadata: edited in the form beside the text; the strings follow it (meta_sync) */
    struct form *meta;
    bool is_form_focused;
    bool has_meta_pane; /* drawn beside the text; else the form opens over it */
    char *title, *type, *difficulty, *skills, *prereq, *review_by;
    bool is_meta_dirty;
    int version;
    bool is_readonly;
    size_t top_line, top_row;
    int view_width, view_rows;
    bool has_preview;
    char *status; /* the editor's own line: "saved version 3 · embedding 4/9" */

    enum prompt prompt;
    struct buf prompt_text;
    char *find_what;
    char *goto_text; /* after opening: put the cursor at this passage */

    enum overlay overlay;
    char *draft_text;
    size_t draft_len;
    int draft_version;
    struct content_doc *theirs; /* a conflict */
    struct content_feedback *feedback;
    size_t feedback_sel;

    unsigned long saved_generation;
    int64_t last_change_ms;

    struct embedder *emb;
    struct content_embed *job;
    struct chunk *chunks;
    size_t chunk_count;

    /* "Try it": the question, the job and its outcome */
    char *try_question;
    struct tryit *try_job;
    struct tryit_result try_result;
    char *try_error;
};

static const char *const content_help[] = {
    "Enter", "Open the selected item (list); a new line (editor)",
    "n", "New item (list)",
    "a / d", "Archive or restore / delete your item (list)",
    "f", "Answers marked unhelpful that cited the item (list)",
    "Ctrl-S, Ctrl-O", "Save (editor)",
    "Ctrl-X, Esc", "Close the editor (unsaved text stays as a draft)",
    "Alt-U / Alt-E, Ctrl-Y", "Undo / redo",
    "Ctrl-K / Alt-6 / Ctrl-U", "Cut / copy / paste the line or the selection",
    "Alt-A, Ctrl-^", "Start or end a selection",
    "Ctrl-W, Ctrl-F / Alt-W", "Find / find next",
    "Ctrl-\\, Alt-R", "Replace (y one, a all)",
    "Alt-G, Ctrl-_", "Go to line",
    "Alt-P", "Show or hide the preview",
    "Alt-I", "Try it: which passages a question finds, this draft and the rest",
    "Alt-O", "Open the text in your own editor ($VISUAL, $EDITOR, else nano or vi)",
    "Alt-T Alt-Y Alt-D Alt-K Alt-Q Alt-V", "Edit title, type, difficulty, skills, prerequisites, review date in the form",
    "Tab, Up/Down (form)", "Next / previous field; Left/Right or Space choose a type or difficulty",
    "Enter, Esc (form)", "Back to the text (the changes stay; Ctrl-S saves)",
    NULL,
};

static void invalidate(struct content_screen *c)
{
    c->ctx->invalidate(c->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void set_status(struct content_screen *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_status(struct content_screen *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    free(c->status);
    c->status = utf8_sanitize_line(tmp, strlen(tmp), NULL);
    invalidate(c);
}

static char *safe_msg(const char *errmsg, enum err e)
{
    const char *m = errmsg && errmsg[0] ? errmsg : err_str(e);
    return utf8_sanitize_line(m, strlen(m), NULL);
}

static const char *user_key(const struct content_screen *c)
{
    return c->ctx->user && c->ctx->user->email ? c->ctx->user->email : "";
}

/* --- loading the list -------------------------------------------------------------------------- */

static void on_list(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct content_screen *c = userdata;
    c->call = NULL;
    c->is_loading = false;
    free(c->error);
    c->error = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_list *l = NULL;
    if (e == ERR_OK && t)
        e = content_list_parse(t, strlen(t), &l);
    if (e != ERR_OK || !l) {
        c->error = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        if (e == ERR_DB_DOWN)
            c->ctx->db_lost(c->ctx->app);
    } else {
        content_list_free(c->list);
        c->list = l;
        if (c->selected >= l->count)
            c->selected = l->count ? l->count - 1 : 0;
    }
    invalidate(c);
}

static bool db_ready(struct content_screen *c)
{
    if (c->ctx->store && c->ctx->is_db_up)
        return true;
    free(c->error);
    c->error = xstrdup("The database is not reachable; CCA keeps retrying.");
    invalidate(c);
    return false;
}

static void load_list(struct content_screen *c)
{
    if (c->call || !db_ready(c))
        return;
    c->is_loading = true;
    invalidate(c);
    c->call = store_content_list(c->ctx->store, on_list, c);
}

/* --- the editor: open, close, drafts ------------------------------------------------------------ */

static void meta_free(struct content_screen *c)
{
    free(c->title), free(c->type), free(c->difficulty), free(c->skills), free(c->prereq);
    free(c->review_by);
    c->title = c->type = c->difficulty = c->skills = c->prereq = c->review_by = NULL;
    form_free(c->meta);
    c->meta = NULL;
    c->is_form_focused = false;
}

/* --- the metadata form ------------------------------------------------------------------------ */

static const char *const type_options[] = {"tutorial", "reference", "lesson",
                                           "course",   "skill",     "assessment"};
/* The first option stands for no difficulty (stored as ""). */
static const char *const difficulty_options[] = {"none", "beginner", "intermediate", "advanced"};

static const char *check_review(void *userdata, const char *value)
{
    (void)userdata;
    struct content_meta m = {"t", "tutorial", "", "", "", value};
    return content_meta_check(&m, "x", 1) ? "YYYY-MM-DD, or empty" : NULL;
}

static char *field_value(const struct form *f, enum meta_field k)
{
    const char *v = form_text(f, k);
    if (k == META_DIFFICULTY && form_choice(f, k) == 0)
        v = "";
    return utf8_sanitize_line(v, strlen(v), NULL);
}

/* The strings the rest of the screen reads, from the form. */
static void meta_sync(struct content_screen *c)
{
    if (!c->meta)
        return;
    char **dst[META__COUNT] = {&c->title, &c->type, &c->difficulty, &c->skills, &c->prereq,
                               &c->review_by};
    for (int k = 0; k < META__COUNT; k++) {
        free(*dst[k]);
        *dst[k] = field_value(c->meta, (enum meta_field)k);
    }
    if (form_is_modified(c->meta))
        c->is_meta_dirty = true;
}

static void meta_load(struct content_screen *c, const struct content_doc *d)
{
    form_free(c->meta);
    struct form *f = c->meta = form_new();
    form_add_text(f, "Title", true, 200);
    form_add_choice(f, "Type", type_options, sizeof type_options / sizeof type_options[0]);
    form_add_choice(f, "Difficulty", difficulty_options,
                    sizeof difficulty_options / sizeof difficulty_options[0]);
    form_add_text(f, "Skills", false, 500);
    form_set_placeholder(f, META_SKILLS, "ids, comma-separated");
    form_add_text(f, "Prerequisites", false, 500);
    form_set_placeholder(f, META_PREREQ, "ids, comma-separated");
    form_add_text(f, "Review by", false, 10);
    form_set_placeholder(f, META_REVIEW, "YYYY-MM-DD");
    form_set_check(f, META_REVIEW, check_review, c);
    form_set_message(f, META_TITLE, "1 to 200 characters");
    form_set_text(f, META_TITLE, d->title);
    form_set_text(f, META_TYPE, d->content_type[0] ? d->content_type : "reference");
    if (d->difficulty[0])
        form_set_text(f, META_DIFFICULTY, d->difficulty);
    else
        form_set_choice(f, META_DIFFICULTY, 0);
    form_set_text(f, META_SKILLS, d->skills);
    form_set_text(f, META_PREREQ, d->prerequisites);
    form_set_text(f, META_REVIEW, d->review_by);
    form_mark_clean(f);
    c->is_form_focused = false;
    c->is_meta_dirty = false;
    meta_sync(c);
}

static void tryit_stop(struct content_screen *c)
{
    tryit_free(c->try_job);
    c->try_job = NULL;
    tryit_result_cleanup(&c->try_result);
    free(c->try_error);
    c->try_error = NULL;
}

static void close_editor(struct content_screen *c)
{
    tryit_stop(c);
    doc_editor_free(c->ed);
    c->ed = NULL;
    content_doc_free(c->doc);
    c->doc = NULL;
    content_doc_free(c->theirs);
    c->theirs = NULL;
    meta_free(c);
    free(c->draft_text);
    c->draft_text = NULL;
    c->overlay = OVERLAY_NONE;
    c->prompt = PROMPT_NONE;
    c->mode = MODE_LIST;
}

static const char *draft_id(const struct content_screen *c)
{
    return c->doc && c->doc->id[0] ? c->doc->id : "new";
}

static void open_doc(struct content_screen *c, struct content_doc *d)
{
    close_editor(c);
    c->doc = d;
    c->ed = doc_editor_new(d->body, d->body_len);
    meta_load(c, d);
    c->version = d->version;
    c->is_readonly = !d->can_edit;
    c->is_meta_dirty = false;
    c->top_line = c->top_row = 0;
    c->saved_generation = doc_editor_generation(c->ed);
    c->mode = MODE_EDIT;
    free(c->status);
    c->status = NULL;
    if (c->is_readonly) {
        set_status(c, "Read-only: only its owner%s%s%s or an admin can change this item.",
                   d->owner[0] ? " (" : "", d->owner, d->owner[0] ? ")" : "");
        return;
    }
    char err[256] = "";
    char *text = NULL;
    size_t len = 0;
    int v = 0;
    if (content_draft_load(user_key(c), draft_id(c), &v, &text, &len, err, sizeof err) == ERR_OK &&
        text) {
        if (len != d->body_len || memcmp(text, d->body, len) != 0) {
            c->draft_text = text;
            c->draft_len = len;
            c->draft_version = v;
            c->overlay = OVERLAY_DRAFT;
            text = NULL;
        }
        free(text);
    } else if (err[0]) {
        set_status(c, "Drafts are off: %s", err);
    }
}

static void on_item(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct content_screen *c = userdata;
    c->call = NULL;
    c->is_loading = false;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_doc *d = NULL;
    if (e == ERR_OK && t)
        e = content_doc_parse(t, strlen(t), &d);
    if (e != ERR_OK || !d) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        c->ctx->report(c->ctx->app, true, m);
        free(m);
        invalidate(c);
        return;
    }
    open_doc(c, d);
    if (c->goto_text) {
        if (!doc_editor_find_text(c->ed, c->goto_text))
            set_status(c, "The cited passage is no longer in the text.");
        free(c->goto_text);
        c->goto_text = NULL;
    }
    invalidate(c);
}

static void open_selected(struct content_screen *c)
{
    if (!c->list || c->selected >= c->list->count || c->call || !db_ready(c))
        return;
    c->is_loading = true;
    c->call = store_content_get(c->ctx->store, c->list->items[c->selected].id, on_item, c);
    invalidate(c);
}

static void open_new(struct content_screen *c)
{
    struct content_doc *d = xcalloc(1, sizeof *d);
    d->id = xstrdup("");
    d->title = xstrdup("");
    d->content_type = xstrdup("tutorial");
    d->difficulty = xstrdup("");
    d->skills = xstrdup("");
    d->prerequisites = xstrdup("");
    d->review_by = xstrdup("");
    d->updated_at = xstrdup("");
    d->updated_by = xstrdup("");
    d->owner = xstrdup("");
    d->body = xstrdup("");
    d->can_edit = true;
    open_doc(c, d);
    set_status(c, "New item: write the text; Alt-T sets the title; Ctrl-S saves.");
}

static void keep_draft(struct content_screen *c)
{
    if (!c->ed || c->is_readonly || doc_editor_generation(c->ed) == c->saved_generation)
        return;
    size_t len;
    char *text = doc_editor_text(c->ed, &len);
    char err[256] = "";
    if (doc_editor_is_dirty(c->ed)) {
        if (content_draft_save(user_key(c), draft_id(c), c->version, text, len, err,
                               sizeof err) != ERR_OK)
            set_status(c, "The draft could not be kept: %s", err);
    } else {
        content_draft_clear(user_key(c), draft_id(c));
    }
    c->saved_generation = doc_editor_generation(c->ed);
    free(text);
}

/* --- saving and embedding ------------------------------------------------------------------------ */

static void on_embedded(void *userdata, enum err e, const char *msg)
{
    struct content_screen *c = userdata;
    size_t n = content_embed_done_count(c->job), total = content_embed_total(c->job);
    if (e == ERR_OK)
        c->ctx->report(c->ctx->app, false, "Saved and searchable: every passage is embedded.");
    else {
        char *m = safe_msg(msg, e);
        set_status(c, "Embedding stopped after %zu of %zu passages: %s (cca reindex --missing "
                      "finishes it)", n, total, m);
        free(m);
    }
    chunks_free(c->chunks, c->chunk_count);
    c->chunks = NULL;
    c->chunk_count = 0;
    invalidate(c);
}

static bool ensure_embedder(struct content_screen *c, char *err, size_t errlen)
{
    if (c->emb)
        return true;
    if (embedder_new(c->ctx->cfg, c->ctx->llm, c->ctx->loop, &c->emb, err, errlen) != ERR_OK) {
        c->emb = NULL;
        return false;
    }
    return true;
}

static void start_embedding(struct content_screen *c, const struct content_save_reply *r,
                            const char *body, size_t len)
{
    content_embed_free(c->job);
    c->job = NULL;
    char err[256] = "";
    if (!ensure_embedder(c, err, sizeof err)) {
        set_status(c, "Saved, but not embedded: %s", err);
        return;
    }
    char **ids = xcalloc(r->pending_count + 1, sizeof *ids);
    char **texts = xcalloc(r->pending_count + 1, sizeof *texts);
    size_t n = 0;
    for (size_t i = 0; i < r->pending_count; i++) {
        int o = r->pending[i].ordinal;
        if (o < 0 || (size_t)o >= c->chunk_count)
            continue;
        ids[n] = r->pending[i].id;
        texts[n] = chunk_embed_text(c->chunks[o].heading, c->chunks[o].text);
        n++;
    }
    char *doc_text = content_embed_doc_text(c->title, body, len);
    c->job = content_embed_new(c->ctx->store, c->emb, c->ctx->loop, r->id, r->version,
                               (const char *const *)ids, (const char *const *)texts, n,
                               doc_text);
    content_embed_start(c->job, on_embedded, c);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(ids);
    free(texts);
    free(doc_text);
}

static void save(struct content_screen *c, int over_version);

static void on_saved(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct content_screen *c = userdata;
    c->call = NULL;
    c->is_loading = false;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_save_reply *r = NULL;
    if (e == ERR_OK && t)
        e = content_save_reply_parse(t, strlen(t), &r);
    if (e != ERR_OK || !r) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        set_status(c, "Not saved: %s", m);
        free(m);
        if (e == ERR_DB_DOWN)
            c->ctx->db_lost(c->ctx->app);
        return;
    }
    if (r->is_conflict) {
        content_doc_free(c->theirs);
        c->theirs = r->current;
        r->current = NULL;
        c->overlay = OVERLAY_CONFLICT;
        set_status(c, "Not saved: %s saved version %d at %s after you started.",
                   c->theirs->updated_by[0] ? c->theirs->updated_by : "someone",
                   c->theirs->version, c->theirs->updated_at ? c->theirs->updated_at : "?");
        content_save_reply_free(r);
        return;
    }
    size_t len;
    char *body = doc_editor_text(c->ed, &len);
    content_draft_clear(user_key(c), draft_id(c));
    if (!c->doc->id[0]) {
        free(c->doc->id);
        c->doc->id = xstrdup(r->id);
        content_draft_clear(user_key(c), "new");
    }
    c->version = r->version;
    c->doc->version = r->version;
    doc_editor_mark_clean(c->ed);
    c->saved_generation = doc_editor_generation(c->ed);
    c->is_meta_dirty = false;
    form_mark_clean(c->meta);
    set_status(c, "Saved version %d: %d passages, %d unchanged, %zu to embed.", r->version,
               r->passages, r->kept, r->pending_count);
    start_embedding(c, r, body, len);
    free(body);
    content_save_reply_free(r);
    free(c->error);
    c->error = NULL;
    invalidate(c);
}

static void save(struct content_screen *c, int over_version)
{
    if (c->is_readonly || c->call || !db_ready(c))
        return;
    size_t len;
    char *body = doc_editor_text(c->ed, &len);
    struct content_meta m = {c->title, c->type, c->difficulty, c->skills, c->prereq,
                             c->review_by};
    const char *problem = content_meta_check(&m, body, len);
    if (problem) {
        set_status(c, "Not saved: %s", problem);
        free(body);
        return;
    }
    chunks_free(c->chunks, c->chunk_count);
    c->chunks = NULL;
    c->chunk_count = 0;
    char *json = NULL;
    enum err e = content_save_doc(&m, body, len, c->ctx->cfg->rag_chunk_chars,
                                  c->ctx->cfg->rag_chunk_overlap, &json, &c->chunks,
                                  &c->chunk_count);
    free(body);
    if (e != ERR_OK) {
        set_status(c, "Not saved: %s", err_str(e));
        return;
    }
    content_embed_free(c->job);
    c->job = NULL;
    c->is_loading = true;
    set_status(c, "Saving\xE2\x80\xA6");
    c->call = store_content_save(c->ctx->store, c->doc->id[0] ? c->doc->id : NULL, over_version,
                                 json, on_saved, c);
    free(json);
}

/* --- "Try it" ------------------------------------------------------------------------------------ */

static void on_tried(void *userdata, enum err e, const char *msg, const struct tryit_result *r)
{
    struct content_screen *c = userdata;
    tryit_result_cleanup(&c->try_result);
    free(c->try_error);
    c->try_error = NULL;
    if (e != ERR_OK || !r) {
        c->try_error = safe_msg(msg, e);
        if (e == ERR_DB_DOWN)
            c->ctx->db_lost(c->ctx->app);
    } else {
        /* the job's result is valid during the call: keep a copy of the hits */
        c->try_result = *r;
        c->try_result.hits = r->count ? xcalloc(r->count, sizeof *r->hits) : NULL;
        for (size_t i = 0; i < r->count; i++) {
            const struct tryit_hit *h = &r->hits[i];
            struct tryit_hit *mine = &c->try_result.hits[i];
            *mine = *h;
            mine->title = xstrdup(h->title);
            mine->heading = h->heading ? xstrdup(h->heading) : NULL;
            mine->snippet = xstrdup(h->snippet);
            mine->content_id = xstrdup(h->content_id);
        }
    }
    invalidate(c);
}

/* Ranks the passages of the text in the editor (in memory) with the rest of the knowledge
 * base for the question; the overlay shows the outcome when it comes. */
static void tryit_begin(struct content_screen *c, const char *question)
{
    tryit_stop(c);
    free(c->try_question);
    c->try_question = utf8_sanitize_line(question, strlen(question), NULL);
    c->overlay = OVERLAY_TRYIT;
    if (!c->try_question[0]) {
        c->try_error = xstrdup("Type a question a learner might ask.");
        return;
    }
    if (!c->ctx->store || !c->ctx->is_db_up) {
        c->try_error = xstrdup("The database is not reachable; CCA keeps retrying.");
        return;
    }
    char err[256] = "";
    if (!ensure_embedder(c, err, sizeof err)) {
        c->try_error = xasprintf("No embedder: %s", err);
        return;
    }
    size_t len;
    char *body = doc_editor_text(c->ed, &len);
    const struct config *cfg = c->ctx->cfg;
    struct tryit_params p = {
        .question = c->try_question, .title = c->title, .body = body, .len = len,
        .exclude_id = c->doc && c->doc->id[0] ? c->doc->id : NULL,
        .chunk_chars = cfg->rag_chunk_chars, .chunk_overlap = cfg->rag_chunk_overlap,
        .threshold = cfg->rag_match_threshold, .candidates = cfg->rag_candidates,
        .count = 8, .rrf_k = cfg->rag_rrf_k};
    c->try_job = tryit_new(c->ctx->store, c->emb, c->ctx->llm, c->ctx->loop, &p);
    free(body);
    tryit_start(c->try_job, on_tried, c);
}

/* --- "open in $EDITOR" -------------------------------------------------------------------------- */

/* Hands the text to the user's editor through a private file and takes back what it saved as
 * one change (Alt-U undoes it). The terminal is the editor's meanwhile; on any failure the
 * text stays as it was and the status line says why. */
static void edit_outside(struct content_screen *c)
{
    if (c->is_readonly) {
        set_status(c, "Read-only: your editor would have nothing to save into.");
        return;
    }
    if (c->call) {
        set_status(c, "Wait until the save is done.");
        return;
    }
    size_t len;
    char *body = doc_editor_text(c->ed, &len);
    char err[512] = "";
    char *path = NULL;
    if (extedit_write(draft_id(c), body, len, &path, err, sizeof err) != ERR_OK) {
        set_status(c, "Not opened in your editor: %s", err);
        free(body);
        return;
    }
    const char *visual = getenv("VISUAL"), *editor = getenv("EDITOR");
    const char *cmd = NULL, *tried = NULL; /* tried: the last command run */
    int status = -1;
    enum err e = ERR_OK;
    for (unsigned k = 0; (cmd = extedit_command(visual, editor, k)) != NULL; k++) {
        tried = cmd;
        e = c->ctx->run_with_terminal(c->ctx->app, cmd, path, &status, err, sizeof err);
        if (e != ERR_OK || status != 127)
            break;
    }
    cmd = tried ? tried : "nano or vi";
    char *shown = utf8_sanitize_line(cmd, strlen(cmd), NULL);
    if (e != ERR_OK) {
        set_status(c, "Unchanged: %s", err);
    } else if (status == 127 && (!visual || !visual[0]) && (!editor || !editor[0])) {
        set_status(c, "Unchanged: neither nano nor vi is installed; set EDITOR to your editor.");
    } else if (status != 0) {
        set_status(c, "Unchanged: %s (\"%.60s\" exited with %d).", extedit_status_words(status),
                   shown, status);
    } else {
        char *text = NULL;
        size_t tlen = 0;
        enum err re = extedit_read(path, DOC_EDITOR_MAX_LEN, &text, &tlen, err, sizeof err);
        if (re == ERR_OK)
            extedit_keep_final_newline(body, len, text, &tlen);
        if (re != ERR_OK) {
            set_status(c, "Unchanged: the edited file could not be read back: %s", err);
        } else if (tlen == len && memcmp(text, body, len) == 0) {
            set_status(c, "No change made in your editor.");
        } else {
            doc_editor_set_text(c->ed, text, tlen);
            c->last_change_ms = loop_now_ms();
            set_status(c, "The text from your editor is in (Alt-U undoes it as one change).");
        }
        free(text);
    }
    free(shown);
    extedit_remove(path);
    free(path);
    free(body);
}

/* --- list actions ---------------------------------------------------------------------------------- */

static void on_changed(void *userdata, enum err e, const char *errmsg,
                       const struct store_rows *rows)
{
    (void)rows;
    struct content_screen *c = userdata;
    c->call = NULL;
    c->is_loading = false;
    if (e != ERR_OK) {
        char *m = safe_msg(errmsg, e);
        c->ctx->report(c->ctx->app, true, m);
        free(m);
    }
    load_list(c);
}

static void on_feedback(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    struct content_screen *c = userdata;
    c->call = NULL;
    c->is_loading = false;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_feedback *f = NULL;
    if (e == ERR_OK && t)
        e = content_feedback_parse(t, strlen(t), &f);
    if (e != ERR_OK || !f) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        c->ctx->report(c->ctx->app, true, m);
        free(m);
        invalidate(c);
        return;
    }
    content_feedback_free(c->feedback);
    c->feedback = f;
    c->feedback_sel = 0;
    c->overlay = OVERLAY_FEEDBACK;
    invalidate(c);
}

/* --- prompts --------------------------------------------------------------------------------------- */

static const char *prompt_label(enum prompt p)
{
    switch (p) {
    case PROMPT_FIND: return "Find: ";
    case PROMPT_REPLACE_WHAT: return "Replace: ";
    case PROMPT_REPLACE_WITH: return "With (Enter: y one by one, a all): ";
    case PROMPT_GOTO: return "Go to line: ";
    case PROMPT_TRYIT: return "Try it, a question: ";
    case PROMPT_NONE: break;
    }
    return "";
}

static void prompt_open(struct content_screen *c, enum prompt p, const char *initial)
{
    if (c->is_readonly && p >= PROMPT_REPLACE_WHAT && p != PROMPT_GOTO && p != PROMPT_TRYIT)
        return;
    c->prompt = p;
    buf_reset(&c->prompt_text);
    if (initial)
        buf_append_str(&c->prompt_text, initial);
    invalidate(c);
}

static void prompt_done(struct content_screen *c)
{
    enum prompt p = c->prompt;
    const char *text = buf_str(&c->prompt_text);
    c->prompt = PROMPT_NONE;
    if (p == PROMPT_FIND) {
        free(c->find_what);
        c->find_what = xstrdup(text);
        if (!doc_editor_find(c->ed, text))
            set_status(c, "\"%s\" is not in the text.", text);
    } else if (p == PROMPT_REPLACE_WHAT) {
        free(c->find_what);
        c->find_what = xstrdup(text);
        prompt_open(c, PROMPT_REPLACE_WITH, NULL);
        return;
    } else if (p == PROMPT_REPLACE_WITH) {
        /* "a" prefix convention avoided: Enter replaces all; the count is reported */
        size_t n = doc_editor_replace_all(c->ed, c->find_what ? c->find_what : "", text);
        set_status(c, "Replaced %zu occurrence%s (Alt-U undoes them all).", n, n == 1 ? "" : "s");
    } else if (p == PROMPT_TRYIT) {
        tryit_begin(c, text);
    } else if (p == PROMPT_GOTO) {
        char *end;
        unsigned long line = strtoul(text, &end, 10);
        if (!doc_editor_goto_line(c->ed, line))
            set_status(c, "A line number from 1 to %zu.", doc_editor_line_count(c->ed));
    }
    invalidate(c);
}

static bool prompt_key(struct content_screen *c, enum action a, const struct input_event *ev)
{
    if (a == ACTION_CANCEL || (ev->kind == INPUT_CHAR && ev->cp == CTRL('C'))) {
        c->prompt = PROMPT_NONE;
    } else if ((ev->kind == INPUT_CHAR && (ev->cp == '\r' || ev->cp == '\n')) ||
               (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_ENTER)) {
        prompt_done(c);
        return true;
    } else if ((ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKSPACE) ||
               (ev->kind == INPUT_CHAR && (ev->cp == 127 || ev->cp == CTRL('H')))) {
        size_t len = c->prompt_text.len;
        if (len) {
            size_t at = utf8_prev(c->prompt_text.data, len, len);
            c->prompt_text.len = at;
            c->prompt_text.data[at] = '\0';
        }
    } else if (ev->kind == INPUT_CHAR && ev->cp >= 32 && !ev->is_alt) {
        char tmp[4];
        size_t n = utf8_encode(ev->cp, tmp);
        buf_append(&c->prompt_text, tmp, n);
    }
    invalidate(c);
    return true;
}

/* --- keys -------------------------------------------------------------------------------------- */

static bool list_key(struct content_screen *c, enum action a, const struct input_event *ev)
{
    size_t count = c->list ? c->list->count : 0;
    const struct content_item *it = count ? &c->list->items[c->selected] : NULL;
    if (c->overlay == OVERLAY_DELETE) {
        if (ev->kind == INPUT_CHAR && (ev->cp == 'y' || ev->cp == 'Y') && it && !c->call) {
            c->call = store_content_delete(c->ctx->store, it->id, it->version, on_changed, c);
            c->is_loading = true;
        }
        c->overlay = OVERLAY_NONE;
        invalidate(c);
        return true;
    }
    if (c->overlay == OVERLAY_FEEDBACK) {
        size_t n = c->feedback ? c->feedback->count : 0;
        if (a == ACTION_UP && c->feedback_sel > 0)
            c->feedback_sel--;
        else if (a == ACTION_DOWN && c->feedback_sel + 1 < n)
            c->feedback_sel++;
        else if (a == ACTION_OPEN && n) {
            /* open the editor at the cited passage once the item is loaded */
            c->overlay = OVERLAY_NONE;
            free(c->goto_text);
            c->goto_text = xstrdup(c->feedback->items[c->feedback_sel].passage);
            open_selected(c);
        } else if (a == ACTION_CANCEL || (ev->kind == INPUT_CHAR && ev->cp == 'q'))
            c->overlay = OVERLAY_NONE;
        invalidate(c);
        return true;
    }
    switch (a) {
    case ACTION_UP:
        if (c->selected > 0)
            c->selected--;
        break;
    case ACTION_DOWN:
        if (c->selected + 1 < count)
            c->selected++;
        break;
    case ACTION_PAGE_UP:
        c->selected = c->selected > 10 ? c->selected - 10 : 0;
        break;
    case ACTION_PAGE_DOWN:
        c->selected = count && c->selected + 10 < count ? c->selected + 10 : (count ? count - 1 : 0);
        break;
    case ACTION_SCROLL_TOP:
        c->selected = 0;
        break;
    case ACTION_SCROLL_BOTTOM:
        c->selected = count ? count - 1 : 0;
        break;
    case ACTION_OPEN:
        free(c->goto_text);
        c->goto_text = NULL;
        open_selected(c);
        break;
    case ACTION_REFRESH:
        load_list(c);
        break;
    default:
        if (ev->kind != INPUT_CHAR || ev->is_alt)
            return false;
        if (ev->cp == 'n') {
            open_new(c);
        } else if (ev->cp == 'a' && it && it->can_edit && !c->call && db_ready(c)) {
            c->is_loading = true;
            c->call = store_content_archive(c->ctx->store, it->id, it->version, !it->is_archived,
                                            on_changed, c);
            c->ctx->report(c->ctx->app, false,
                           it->is_archived ? "Restored: open it and save to make it searchable."
                                           : "Archived: it no longer appears in answers.");
        } else if (ev->cp == 'd' && it && it->can_edit) {
            c->overlay = OVERLAY_DELETE;
        } else if (ev->cp == 'f' && it && !c->call && db_ready(c)) {
            c->is_loading = true;
            c->call = store_content_feedback(c->ctx->store, it->id, on_feedback, c);
        } else {
            return false;
        }
    }
    invalidate(c);
    return true;
}

static bool overlay_edit_key(struct content_screen *c, const struct input_event *ev)
{
    uint32_t k = ev->kind == INPUT_CHAR ? ev->cp : 0;
    if (c->overlay == OVERLAY_TRYIT) {
        /* Alt-I asks again; any other key closes (a running job stops) */
        c->overlay = OVERLAY_NONE;
        if (ev->kind == INPUT_CHAR && ev->is_alt && (k == 'i' || k == 'I')) {
            prompt_open(c, PROMPT_TRYIT, c->try_question);
        } else if (tryit_is_running(c->try_job)) {
            tryit_stop(c);
        }
        invalidate(c);
        return true;
    }
    if (c->overlay == OVERLAY_DRAFT) {
        if (k == 'y' || k == 'Y') {
            doc_editor_set_text(c->ed, c->draft_text, c->draft_len);
            set_status(c, "Your unsaved draft is back (Alt-U shows the stored text).");
        } else if (k == 'n' || k == 'N') {
            content_draft_clear(user_key(c), draft_id(c));
        } else {
            return true;
        }
        free(c->draft_text);
        c->draft_text = NULL;
        c->overlay = OVERLAY_NONE;
    } else if (c->overlay == OVERLAY_CONFLICT || c->overlay == OVERLAY_COMPARE) {
        if (k == 'm' || k == 'M') { /* keep mine: save over their version */
            c->overlay = OVERLAY_NONE;
            c->version = c->theirs->version;
            save(c, c->theirs->version);
        } else if (k == 't' || k == 'T') { /* take theirs; undo brings mine back */
            c->overlay = OVERLAY_NONE;
            doc_editor_set_text(c->ed, c->theirs->body, c->theirs->body_len);
            c->version = c->theirs->version;
            form_set_text(c->meta, META_TITLE, c->theirs->title);
            meta_sync(c);
            set_status(c, "Their version %d is in the editor; Alt-U brings yours back to merge.",
                       c->version);
        } else if (k == 'e' || k == 'E' || k == 27) { /* edit: merge by hand, save over theirs */
            c->overlay = OVERLAY_NONE;
            c->version = c->theirs->version;
            set_status(c, "Merge by hand; Ctrl-S saves over version %d.", c->version);
        } else if (k == 'c' || k == 'C') {
            c->overlay = c->overlay == OVERLAY_COMPARE ? OVERLAY_CONFLICT : OVERLAY_COMPARE;
        }
    }
    invalidate(c);
    return true;
}

/* Puts the keys in the metadata form, on field k. */
static void form_enter(struct content_screen *c, enum meta_field k)
{
    if (c->is_readonly) {
        set_status(c, "Read-only: only its owner or an admin can change this item.");
        return;
    }
    form_focus(c->meta, k);
    form_end(c->meta);
    c->is_form_focused = true;
    invalidate(c);
}

static void form_leave(struct content_screen *c, bool is_checked)
{
    static const char *const labels[META__COUNT] = {"Title",  "Type",          "Difficulty",
                                                    "Skills", "Prerequisites", "Review by"};
    const char *problem = NULL;
    size_t field = 0;
    if (is_checked && !form_validate(c->meta, &field, &problem)) {
        set_status(c, "%s: %s", labels[field % META__COUNT], problem);
        return; /* stay on the field to fix it */
    }
    c->is_form_focused = false;
    if (c->is_meta_dirty)
        set_status(c, "Changed: Ctrl-S saves.");
    invalidate(c);
}

static bool edit_key(struct content_screen *c, enum action a, const struct input_event *ev);

static bool form_key(struct content_screen *c, enum action a, const struct input_event *ev)
{
    struct form *f = c->meta;
    uint32_t k = ev->kind == INPUT_CHAR ? ev->cp : 0;
    if (ev->kind == INPUT_CHAR && ev->is_alt) {
        static const char keys[] = "tydkqv";
        const char *at = k < 128 ? strchr(keys, (int)k) : NULL;
        if (at && *at)
            form_focus(f, (size_t)(at - keys));
        else if (k == 'o' || k == 'O' || k == 'i' || k == 'I' || k == 'p' || k == 'P') {
            form_leave(c, false); /* the text's own Alt keys still work */
            return edit_key(c, a, ev);
        } else {
            return true;
        }
    } else if (k == 27 || a == ACTION_CANCEL) {
        form_leave(c, false);
    } else if (k == '\r' || k == '\n' || (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_ENTER)) {
        form_leave(c, true);
    } else if (k == CTRL('S') || k == CTRL('O')) {
        form_leave(c, false);
        save(c, c->version);
    } else if (k == '\t' || (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_DOWN)) {
        form_focus_next(f);
    } else if (ev->kind == INPUT_KEY && (ev->key == INPUT_KEY_BACKTAB || ev->key == INPUT_KEY_UP)) {
        form_focus_prev(f);
    } else if (ev->kind == INPUT_KEY) {
        switch (ev->key) {
        case INPUT_KEY_LEFT: form_left(f); break;
        case INPUT_KEY_RIGHT: form_right(f); break;
        case INPUT_KEY_CTRL_LEFT: form_word_left(f); break;
        case INPUT_KEY_CTRL_RIGHT: form_word_right(f); break;
        case INPUT_KEY_HOME: form_home(f); break;
        case INPUT_KEY_END: form_end(f); break;
        case INPUT_KEY_BACKSPACE: form_backspace(f); break;
        case INPUT_KEY_DELETE: form_delete(f); break;
        default: return true;
        }
    } else if (k == 127 || k == CTRL('H')) {
        form_backspace(f);
    } else if (k == CTRL('D')) {
        form_delete(f);
    } else if (k == CTRL('W')) {
        form_delete_word_back(f);
    } else if (k == CTRL('U')) {
        form_kill_to_start(f);
    } else if (k == CTRL('K')) {
        form_kill_to_end(f);
    } else if (k == CTRL('A')) {
        form_home(f);
    } else if (k == CTRL('E')) {
        form_end(f);
    } else if (k >= 32) {
        char tmp[4];
        size_t n = utf8_encode(k, tmp);
        form_insert(f, tmp, n);
    }
    meta_sync(c);
    invalidate(c);
    return true;
}

static bool edit_key(struct content_screen *c, enum action a, const struct input_event *ev)
{
    if (c->overlay != OVERLAY_NONE)
        return overlay_edit_key(c, ev);
    if (c->prompt != PROMPT_NONE)
        return prompt_key(c, a, ev);
    if (c->is_form_focused && c->meta)
        return form_key(c, a, ev);
    struct doc_editor *e = c->ed;
    int w = c->view_width > 0 ? c->view_width : 80;
    bool ro = c->is_readonly;
    if (ev->kind == INPUT_KEY) {
        switch (ev->key) {
        case INPUT_KEY_UP: doc_editor_up(e, w); break;
        case INPUT_KEY_DOWN: doc_editor_down(e, w); break;
        case INPUT_KEY_LEFT: ev->is_alt ? doc_editor_word_left(e) : doc_editor_left(e); break;
        case INPUT_KEY_RIGHT: ev->is_alt ? doc_editor_word_right(e) : doc_editor_right(e); break;
        case INPUT_KEY_CTRL_LEFT: doc_editor_word_left(e); break;
        case INPUT_KEY_CTRL_RIGHT: doc_editor_word_right(e); break;
        case INPUT_KEY_HOME: doc_editor_home(e); break;
        case INPUT_KEY_END: doc_editor_end(e); break;
        case INPUT_KEY_CTRL_HOME: doc_editor_top(e); break;
        case INPUT_KEY_CTRL_END: doc_editor_bottom(e); break;
        case INPUT_KEY_PAGE_UP:
        case INPUT_KEY_WHEEL_UP:
            for (int i = 0; i < (ev->key == INPUT_KEY_PAGE_UP ? c->view_rows - 1 : 3); i++)
                doc_editor_up(e, w);
            break;
        case INPUT_KEY_PAGE_DOWN:
        case INPUT_KEY_WHEEL_DOWN:
            for (int i = 0; i < (ev->key == INPUT_KEY_PAGE_DOWN ? c->view_rows - 1 : 3); i++)
                doc_editor_down(e, w);
            break;
        case INPUT_KEY_BACKSPACE: if (!ro) doc_editor_backspace(e); break;
        case INPUT_KEY_DELETE: if (!ro) doc_editor_delete(e); break;
        case INPUT_KEY_ENTER: if (!ro) doc_editor_newline(e); break;
        default: return false;
        }
    } else if (ev->kind == INPUT_MOUSE) {
        for (int i = 0; i < 3; i++)
            ev->key == INPUT_KEY_WHEEL_UP ? doc_editor_up(e, w) : doc_editor_down(e, w);
    } else if (ev->kind == INPUT_CHAR && ev->is_alt) {
        switch (ev->cp) {
        case 'u': case 'U': if (!ro) doc_editor_undo(e); break;
        case 'e': case 'E': if (!ro) doc_editor_redo(e); break;
        case '6': case 'c': doc_editor_copy(e); break;
        case 'a': case 'A': doc_editor_toggle_mark(e); break;
        case 'w': case 'W':
            if (c->find_what && !doc_editor_find(e, c->find_what))
                set_status(c, "No more matches.");
            break;
        case 'r': case 'R': prompt_open(c, PROMPT_REPLACE_WHAT, c->find_what); break;
        case 'g': case 'G': prompt_open(c, PROMPT_GOTO, NULL); break;
        case 'p': case 'P': c->has_preview = !c->has_preview; break;
        case 'i': case 'I': prompt_open(c, PROMPT_TRYIT, c->try_question); break;
        case 'o': case 'O': edit_outside(c); break;
        case 't': form_enter(c, META_TITLE); break;
        case 'y': form_enter(c, META_TYPE); break;
        case 'd': form_enter(c, META_DIFFICULTY); break;
        case 'k': form_enter(c, META_SKILLS); break;
        case 'q': form_enter(c, META_PREREQ); break;
        case 'v': form_enter(c, META_REVIEW); break;
        case 'b': doc_editor_word_left(e); break;
        case 'f': doc_editor_word_right(e); break;
        default: return false;
        }
    } else if (ev->kind == INPUT_CHAR) {
        uint32_t k = ev->cp;
        if (k == 27) {
            if (doc_editor_has_selection(e)) {
                doc_editor_toggle_mark(e);
            } else {
                keep_draft(c);
                bool was_dirty = doc_editor_is_dirty(e) || c->is_meta_dirty;
                close_editor(c);
                if (was_dirty)
                    c->ctx->report(c->ctx->app, false,
                                   "Closed; your unsaved text is kept as a draft.");
                load_list(c);
            }
        } else if (k == CTRL('X')) {
            keep_draft(c);
            close_editor(c);
            load_list(c);
        } else if (k == CTRL('S') || k == CTRL('O')) {
            save(c, c->version);
        } else if (k == CTRL('Y')) {
            if (!ro) doc_editor_redo(e);
        } else if (k == CTRL('K')) {
            if (!ro) doc_editor_cut(e);
        } else if (k == CTRL('U') || k == CTRL('V')) {
            if (!ro) doc_editor_paste(e);
        } else if (k == 30) { /* Ctrl-^ */
            doc_editor_toggle_mark(e);
        } else if (k == CTRL('W') || k == CTRL('F')) {
            prompt_open(c, PROMPT_FIND, c->find_what);
        } else if (k == 28) { /* Ctrl-\ */
            prompt_open(c, PROMPT_REPLACE_WHAT, c->find_what);
        } else if (k == 31) { /* Ctrl-_ */
            prompt_open(c, PROMPT_GOTO, NULL);
        } else if (k == CTRL('A')) {
            doc_editor_home(e);
        } else if (k == CTRL('E')) {
            doc_editor_end(e);
        } else if (k == CTRL('D')) {
            if (!ro) doc_editor_delete(e);
        } else if (k == 127 || k == CTRL('H')) {
            if (!ro) doc_editor_backspace(e);
        } else if (k == '\r' || k == '\n') {
            if (!ro) doc_editor_newline(e);
        } else if (k == '\t') {
            if (!ro) doc_editor_insert(e, "    ", 4);
        } else if (k >= 32) {
            char tmp[4];
            size_t n = utf8_encode(k, tmp);
            if (!ro && !doc_editor_insert(e, tmp, n))
                set_status(c, "The text is at its 4 MiB limit.");
        } else {
            return false;
        }
    }
    if (doc_editor_generation(e) != c->saved_generation)
        c->last_change_ms = loop_now_ms();
    invalidate(c);
    return true;
}

static bool content_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct content_screen *c = self;
    if (c->mode == MODE_EDIT && c->ed)
        return edit_key(c, a, ev);
    return list_key(c, a, ev);
}

/* --- drawing ------------------------------------------------------------------------------------- */

/* One column of the list and the space after it; a text cut short ends in an ellipsis. */
static void cell(struct buf *b, const char *text, int width, bool is_unicode)
{
    char *fitted = table_fit_text(text ? text : "", width, TABLE_ALIGN_LEFT, is_unicode);
    buf_append_str(b, fitted);
    buf_append_char(b, ' ');
    free(fitted);
}

static void draw_list(struct content_screen *c, struct render *r, const struct layout_rect *body)
{
    int y = body->y;
    render_text(r, y++, body->x + 1, body->w - 2,
                "Content \xC2\xB7 Enter open \xC2\xB7 n new \xC2\xB7 f feedback \xC2\xB7 a archive "
                "\xC2\xB7 d delete \xC2\xB7 r refresh",
                THEME_HEADING);
    if (c->error) {
        render_text(r, y++, body->x + 1, body->w - 2, c->error, THEME_ERROR);
    }
    if (!c->list) {
        render_text(r, y, body->x + 1, body->w - 2,
                    c->is_loading ? "Loading the content\xE2\x80\xA6" : "", THEME_NOTE);
        return;
    }
    /* narrow terminals drop difficulty, skills and the time of the last change */
    bool is_wide = body->w >= 120, uni = render_is_unicode(r);
    int fixed = 10 + 12 + 11 + 6 + 5 + 3 + (is_wide ? 13 + 14 + 17 : 0);
    int tw = body->w - 2 - fixed;
    if (tw < 12)
        tw = 12;
    struct buf b;
    buf_init(&b, 8192);
    buf_append_str(&b, "   ");
    cell(&b, "Title", tw, uni);
    cell(&b, "Type", 9, uni);
    if (is_wide) {
        cell(&b, "Difficulty", 12, uni);
        cell(&b, "Skills", 13, uni);
    }
    cell(&b, "Owner", 11, uni);
    if (is_wide)
        cell(&b, "Last change", 16, uni);
    cell(&b, "Review by", 10, uni);
    cell(&b, "Cited", 5, uni);
    cell(&b, "Down", 4, uni);
    render_text(r, y++, body->x + 1, body->w - 2, buf_str(&b), THEME_TITLE);
    int rows = body->y + body->h - y;
    if (rows < 1)
        rows = 1;
    if (c->selected < c->top)
        c->top = c->selected;
    if (c->selected >= c->top + (size_t)rows)
        c->top = c->selected - (size_t)rows + 1;
    for (size_t i = c->top; i < c->list->count && y < body->y + body->h; i++) {
        const struct content_item *it = &c->list->items[i];
        buf_reset(&b);
        buf_append_str(&b, it->is_due ? "!" : " ");
        buf_append_str(&b, it->can_edit ? "\xE2\x9C\x8E " : "  ");
        char title[512];
        snprintf(title, sizeof title, "%s%s%s", it->title, it->is_archived ? " (archived)" : "",
                 it->unembedded ? " (not embedded)" : "");
        cell(&b, title, tw, uni);
        cell(&b, it->content_type, 9, uni);
        if (is_wide) {
            cell(&b, it->difficulty, 12, uni);
            cell(&b, it->skills, 13, uni);
        }
        cell(&b, it->owner[0] ? it->owner : "\xE2\x80\x94", 11, uni);
        if (is_wide)
            cell(&b, it->updated_at, 16, uni);
        cell(&b, it->review_by[0] ? it->review_by : "\xE2\x80\x94", 10, uni);
        char n[32];
        snprintf(n, sizeof n, "%5d", it->cited_30d);
        cell(&b, n, 5, uni);
        snprintf(n, sizeof n, "%4d", it->unhelpful);
        cell(&b, n, 4, uni);
        enum theme_role role = i == c->selected ? THEME_SELECTION
                               : it->is_due     ? THEME_STATUS_WARN
                               : it->is_archived ? THEME_NOTE
                                                 : THEME_DEFAULT;
        render_text(r, y++, body->x + 1, body->w - 2, buf_str(&b), role);
    }
    if (c->list->count == 0)
        render_text(r, y, body->x + 1, body->w - 2, "No content yet: n writes the first item.",
                    THEME_NOTE);
    buf_cleanup(&b);
}

/* The text rows of the editor (or the preview when is_preview: Markdown marks toned down). */
static void draw_text(struct content_screen *c, struct render *r, const struct layout_rect *box,
                      bool is_preview, bool with_cursor)
{
    struct doc_editor *e = c->ed;
    int w = box->w, rows = box->h;
    if (w < 4 || rows < 1)
        return;
    size_t top_line = c->top_line, top_row = c->top_row;
    if (with_cursor) {
        doc_editor_scroll_to_cursor(e, w, rows, &c->top_line, &c->top_row);
        top_line = c->top_line;
        top_row = c->top_row;
    } else {
        top_row = 0;
    }
    struct doc_pos sa = {0, 0}, sb = {0, 0};
    bool has_sel = doc_editor_selection(e, &sa, &sb);
    struct doc_pos cur = doc_editor_cursor(e);
    size_t offsets_cap = 256;
    size_t *offsets = xcalloc(offsets_cap, sizeof *offsets);
    int y = box->y;
    bool in_code = false;
    for (size_t li = top_line; li < doc_editor_line_count(e) && y < box->y + rows; li++) {
        size_t len;
        const char *s = doc_editor_line(e, li, &len);
        enum theme_role role = THEME_DEFAULT;
        size_t skip = 0;
        if (len >= 3 && memcmp(s, "```", 3) == 0)
            in_code = !in_code, role = THEME_CODE;
        else if (in_code)
            role = THEME_CODE;
        else if (len && s[0] == '#') {
            role = THEME_HEADING;
            if (is_preview)
                while (skip < len && (s[skip] == '#' || s[skip] == ' '))
                    skip++;
        } else if (len && s[0] == '>')
            role = THEME_QUOTE;
        size_t n = doc_editor_wrap_line(e, li, w, offsets, offsets_cap);
        if (n > offsets_cap) {
            offsets_cap = n;
            offsets = xreallocarray(offsets, offsets_cap, sizeof *offsets);
            n = doc_editor_wrap_line(e, li, w, offsets, offsets_cap);
        }
        for (size_t row = li == top_line ? top_row : 0; row < n && y < box->y + rows; row++) {
            size_t a = offsets[row], z = row + 1 < n ? offsets[row + 1] : len;
            if (row == 0 && skip && skip < z)
                a = skip;
            char *seg = xstrndup(s + a, z - a);
            for (char *t = seg; *t; t++)
                if (*t == '\t')
                    *t = ' ';
            bool row_selected = has_sel && !is_preview &&
                                (li > sa.line || (li == sa.line && z > sa.col)) &&
                                (li < sb.line || (li == sb.line && a < sb.col));
            render_text(r, y, box->x, w, seg, row_selected ? THEME_SELECTION : role);
            free(seg);
            if (with_cursor && li == cur.line && cur.col >= a &&
                (cur.col < z || row + 1 == n)) {
                int x = (int)utf8_width(s + a, cur.col - a);
                render_cursor(r, y, box->x + (x < w ? x : w - 1));
            }
            y++;
        }
    }
    free(offsets);
}

static void draw_meta(struct content_screen *c, struct render *r, const struct layout_rect *box)
{
    int y = box->y;
    int x = box->x + 1, w = box->w - 2;
    struct content_meta m = {c->title, c->type, c->difficulty, c->skills, c->prereq,
                             c->review_by};
    render_text(r, y++, x, w, "Metadata", THEME_HEADING);
    /* six fields and up to six error rows */
    int form_h = box->y + box->h - y - 4;
    if (form_h > 2 * META__COUNT)
        form_h = 2 * META__COUNT;
    struct layout_rect fr = {y, x, form_h, w};
    form_draw(c->meta, r, &fr, c->is_form_focused);
    y += META__COUNT;
    for (int k = 0; k < META__COUNT; k++)
        y += form_error(c->meta, (size_t)k) != NULL;
    if (y < box->y + box->h)
        render_text(r, y++, x, w,
                    c->is_form_focused ? "Tab field \xC2\xB7 \xE2\x86\x90\xE2\x86\x92 choose "
                                         "\xC2\xB7 Enter done"
                                       : "Alt-T/Y/D/K/Q/V edit a field",
                    THEME_HINT);
    y++;
    const char *problem = content_meta_check(&m, "x", 1);
    if (problem && y < box->y + box->h)
        render_text(r, y++, x, w, problem, THEME_ERROR);
    if (c->doc && c->doc->is_due && y < box->y + box->h)
        render_text(r, y++, x, w, "Past its review date", THEME_STATUS_WARN);
    if (c->doc && y < box->y + box->h) {
        char line[256];
        snprintf(line, sizeof line, "Version %d%s%s", c->version,
                 c->doc->owner[0] ? " \xC2\xB7 " : "", c->doc->owner);
        render_text(r, y++, x, w, line, THEME_NOTE);
    }
    if (c->job && content_embed_is_running(c->job) && y < box->y + box->h) {
        char line[128];
        snprintf(line, sizeof line, "Embedding %zu/%zu",
                 content_embed_done_count(c->job), content_embed_total(c->job));
        render_text(r, y++, x, w, line, THEME_STATUS_WARN);
    }
}

static void draw_edit(struct content_screen *c, struct render *r, const struct layout_rect *body)
{
    int meta_w = body->w >= 110 ? 38 : body->w >= 90 ? 30 : 0;
    c->has_meta_pane = meta_w > 0;
    struct layout_rect text = {body->y + 1, body->x + 1, body->h - 3, body->w - 2 - meta_w};
    struct buf b;
    buf_init(&b, 1024);
    struct doc_pos cur = doc_editor_cursor(c->ed);
    buf_printf(&b, "%s%s  line %zu/%zu, col %zu%s%s", c->title[0] ? c->title : "(untitled)",
               doc_editor_is_dirty(c->ed) || c->is_meta_dirty ? " *" : "", cur.line + 1,
               doc_editor_line_count(c->ed), cur.col + 1, c->is_readonly ? "  [read-only]" : "",
               c->has_preview ? "  [preview]" : "");
    render_text(r, body->y, body->x + 1, body->w - 2, buf_str(&b), THEME_TITLE);
    buf_cleanup(&b);
    if (meta_w) {
        struct layout_rect meta = {body->y + 1, body->x + body->w - meta_w, body->h - 3, meta_w};
        draw_meta(c, r, &meta);
    }
    if (c->has_preview) {
        struct layout_rect left = text, right = text;
        left.w = text.w / 2 - 1;
        right.x = text.x + left.w + 2;
        right.w = text.w - left.w - 2;
        c->view_width = left.w;
        c->view_rows = left.h;
        draw_text(c, r, &left, false,
                  c->prompt == PROMPT_NONE && c->overlay == OVERLAY_NONE && !c->is_form_focused);
        struct layout_rect sep = {text.y, text.x + left.w, text.h, 1};
        render_separator(r, &sep, true);
        size_t keep_line = c->top_line, keep_row = c->top_row;
        draw_text(c, r, &right, true, false);
        c->top_line = keep_line, c->top_row = keep_row;
    } else {
        c->view_width = text.w;
        c->view_rows = text.h;
        draw_text(c, r, &text, false,
                  c->prompt == PROMPT_NONE && c->overlay == OVERLAY_NONE && !c->is_form_focused);
    }
    int y = body->y + body->h - 2;
    if (c->prompt != PROMPT_NONE) {
        char line[2048];
        snprintf(line, sizeof line, "%s%s", prompt_label(c->prompt), buf_str(&c->prompt_text));
        int used = render_text(r, y, body->x + 1, body->w - 2, line, THEME_INPUT);
        render_cursor(r, y, body->x + 1 + used);
    } else if (c->status) {
        render_text(r, y, body->x + 1, body->w - 2, c->status, THEME_NOTE);
    }
    render_text(r, y + 1, body->x + 1, body->w - 2,
                "^S save  ^X close  ^K cut  ^U paste  M-6 copy  M-A mark  ^W find  ^\\ replace  "
                "M-G line  M-U undo  M-E redo  M-P preview  M-I try it  M-O $EDITOR  F1 all keys",
                THEME_HINT);
}

static void content_draw(void *self, struct render *r, const struct layout_rect *body,
                         unsigned dirty)
{
    (void)dirty;
    struct content_screen *c = self;
    render_fill(r, body, THEME_DEFAULT);
    if (c->mode == MODE_EDIT && c->ed)
        draw_edit(c, r, body);
    else
        draw_list(c, r, body);
}

static void draw_tryit(struct content_screen *c, struct render *r, int rows, int cols)
{
    struct layout_rect box = {2, 2, rows - 4, cols - 4};
    char line[1024];
    snprintf(line, sizeof line, "Try it: \"%s\"", c->try_question ? c->try_question : "");
    render_box(r, &box, line, "Alt-I another question \xC2\xB7 any other key closes",
               THEME_OVERLAY);
    int x = 4, w = cols - 8, y = 3, bottom = rows - 4;
    if (c->try_error) {
        render_text(r, y, x, w, c->try_error, THEME_ERROR);
        return;
    }
    if (tryit_is_running(c->try_job)) {
        snprintf(line, sizeof line, "Ranking\xE2\x80\xA6 this draft's passages embedded: %zu of %zu",
                 tryit_embedded(c->try_job), tryit_total(c->try_job));
        render_text(r, y, x, w, line, THEME_NOTE);
        return;
    }
    const struct tryit_result *res = &c->try_result;
    snprintf(line, sizeof line,
             "What the chat would retrieve if this draft were saved (the draft: %zu passage%s; "
             "the rest: %zu candidates):",
             res->draft_passages, res->draft_passages == 1 ? "" : "s", res->kb_candidates);
    render_text(r, y++, x, w, line, THEME_NOTE);
    if (res->count == 0 && y < bottom)
        render_text(r, y++, x, w, "Nothing is close enough to the question.", THEME_OVERLAY);
    for (size_t i = 0; i < res->count && y + 1 < bottom; i++) {
        const struct tryit_hit *h = &res->hits[i];
        char sim[32] = "", fts[32] = "", words[32] = "";
        if (h->similarity >= 0)
            snprintf(sim, sizeof sim, " \xC2\xB7 similarity %.2f", h->similarity);
        if (h->fts_score >= 0)
            snprintf(fts, sizeof fts, " \xC2\xB7 words found %.1f", h->fts_score);
        if (h->coverage >= 0)
            snprintf(words, sizeof words, " \xC2\xB7 covers %.0f%%", h->coverage * 100);
        /* heading paths of ingested files start with the title: say it once */
        const char *heading = h->heading;
        size_t tlen = strlen(h->title);
        if (heading && strncmp(heading, h->title, tlen) == 0 && strncmp(heading + tlen, " > ", 3) == 0)
            heading += tlen + 3;
        else if (heading && strcmp(heading, h->title) == 0)
            heading = NULL;
        snprintf(line, sizeof line, "%zu. %s%s%s%s  score %.2f%s%s%s", i + 1,
                 h->is_draft ? "[draft] " : "", h->title, heading ? " > " : "",
                 heading ? heading : "", h->score, sim, fts, words);
        render_text(r, y++, x, w, line, h->is_draft ? THEME_STATUS_WARN : THEME_OVERLAY);
        snprintf(line, sizeof line, "   %s", h->snippet);
        render_text(r, y++, x, w, line, THEME_QUOTE);
    }
}

static bool content_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct content_screen *c = self;
    char text[4096];
    switch (c->overlay) {
    case OVERLAY_NONE:
        if (c->mode == MODE_EDIT && c->is_form_focused && !c->has_meta_pane && c->meta) {
            /* too narrow for the pane: the form opens over the text */
            int h = META__COUNT + 3, w = cols - 8 < 70 ? cols - 8 : 70;
            for (int k = 0; k < META__COUNT; k++)
                h += form_error(c->meta, (size_t)k) != NULL;
            struct layout_rect box = {(rows - h) / 2, (cols - w) / 2, h, w};
            render_box(r, &box, "Metadata",
                       "Tab field \xC2\xB7 \xE2\x86\x90\xE2\x86\x92 choose \xC2\xB7 Enter back to the text",
                       THEME_OVERLAY);
            struct layout_rect fr = {box.y + 1, box.x + 2, box.h - 2, box.w - 4};
            form_draw(c->meta, r, &fr, true);
            return true;
        }
        return false;
    case OVERLAY_DRAFT:
        snprintf(text, sizeof text,
                 "You have unsaved changes to this item from an earlier session (started from "
                 "version %d; %zu bytes). Restore them?",
                 c->draft_version, c->draft_len);
        render_confirm(r, rows, cols, "Unsaved draft", text, "y restore \xC2\xB7 n discard");
        return true;
    case OVERLAY_DELETE:
        render_confirm(r, rows, cols, "Delete",
                       "Delete this item for good? Archiving (a) keeps it and can be undone.",
                       "y delete \xC2\xB7 any other key keeps it");
        return true;
    case OVERLAY_CONFLICT:
        snprintf(text, sizeof text,
                 "%s saved version %d at %s while you were editing version %d. Nothing was "
                 "overwritten: keep yours (saved over theirs), take theirs (Alt-U brings yours "
                 "back), merge by hand, or compare both side by side first.",
                 c->theirs->updated_by[0] ? c->theirs->updated_by : "Someone",
                 c->theirs->version, c->theirs->updated_at ? c->theirs->updated_at : "?",
                 c->version);
        render_confirm(r, rows, cols, "Someone else saved first", text,
                       "m keep mine \xC2\xB7 t take theirs \xC2\xB7 e merge by hand \xC2\xB7 c compare");
        return true;
    case OVERLAY_COMPARE: {
        struct layout_rect box = {1, 1, rows - 2, cols - 2};
        render_box(r, &box, "Yours | theirs (lines that differ are marked >)",
                   "m keep mine \xC2\xB7 t take theirs \xC2\xB7 e edit \xC2\xB7 c back", THEME_OVERLAY);
        int half = (cols - 6) / 2;
        const char *theirs = c->theirs->body;
        for (int y = 0; y < rows - 4; y++) {
            size_t mlen;
            const char *mine = doc_editor_line(c->ed, (size_t)y, &mlen);
            const char *nl = theirs ? strchr(theirs, '\n') : NULL;
            size_t tlen = theirs ? (nl ? (size_t)(nl - theirs) : strlen(theirs)) : 0;
            bool differ = (size_t)y >= doc_editor_line_count(c->ed) || !theirs || mlen != tlen ||
                          memcmp(mine, theirs, mlen) != 0;
            char *a = utf8_sanitize_line(mine, (size_t)y < doc_editor_line_count(c->ed) ? mlen : 0,
                                         NULL);
            char *b = utf8_sanitize_line(theirs ? theirs : "", tlen, NULL);
            render_text(r, 2 + y, 2, 1, differ ? ">" : " ", THEME_MARKER);
            render_text(r, 2 + y, 3, half - 1, a, differ ? THEME_STATUS_WARN : THEME_OVERLAY);
            render_text(r, 2 + y, 4 + half, half - 1, b, differ ? THEME_STATUS_WARN : THEME_OVERLAY);
            free(a);
            free(b);
            theirs = theirs && nl ? nl + 1 : NULL;
        }
        return true;
    }
    case OVERLAY_TRYIT:
        draw_tryit(c, r, rows, cols);
        return true;
    case OVERLAY_FEEDBACK: {
        struct layout_rect box = {2, 2, rows - 4, cols - 4};
        render_box(r, &box, "Answers marked unhelpful that cited this item (the asker is not shown)",
                   "Up/Down \xC2\xB7 Enter open the editor at the passage \xC2\xB7 Esc close",
                   THEME_OVERLAY);
        int y = 3;
        size_t n = c->feedback ? c->feedback->count : 0;
        if (n == 0)
            render_text(r, y, 4, cols - 8, "No answer that cited it was marked unhelpful.",
                        THEME_OVERLAY);
        for (size_t i = 0; i < n && y < rows - 4; i++) {
            const struct content_feedback_item *it = &c->feedback->items[i];
            char line[1024];
            snprintf(line, sizeof line, "%s  %s%s%s", it->day, it->reason[0] ? "\"" : "",
                     it->reason[0] ? it->reason : "(no reason given)", it->reason[0] ? "\"" : "");
            render_text(r, y++, 4, cols - 8, line,
                        i == c->feedback_sel ? THEME_SELECTION : THEME_OVERLAY);
            char *ans = utf8_sanitize_line(it->answer, strlen(it->answer), NULL);
            char *pas = utf8_sanitize_line(it->passage, strlen(it->passage), NULL);
            snprintf(line, sizeof line, "  answer: %s", ans);
            render_text(r, y++, 4, cols - 8, line, THEME_NOTE);
            snprintf(line, sizeof line, "  cited%s: %s", it->is_current ? "" : " (since changed)",
                     pas);
            render_text(r, y++, 4, cols - 8, line, THEME_QUOTE);
            free(ans);
            free(pas);
        }
        return true;
    }
    }
    return false;
}

/* --- hooks -------------------------------------------------------------------------------------- */

static void content_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct content_screen *c = self;
    if (c->mode == MODE_LIST)
        load_list(c);
}

static void content_on_leave(void *self)
{
    keep_draft(self);
}

static void content_on_tick(void *self, int64_t now_ms)
{
    struct content_screen *c = self;
    if (c->ed && doc_editor_generation(c->ed) != c->saved_generation &&
        now_ms - c->last_change_ms > 1000)
        keep_draft(c);
    if ((c->job && content_embed_is_running(c->job)) || tryit_is_running(c->try_job))
        invalidate(c);
}

static void content_on_connection(void *self)
{
    struct content_screen *c = self;
    if (c->ctx->is_db_up && c->mode == MODE_LIST && (!c->list || c->error)) {
        c->call = NULL;
        load_list(c);
    }
    if (!c->ctx->is_db_up) {
        /* calls on the old connection are gone */
        content_embed_free(c->job);
        c->job = NULL;
        if (tryit_is_running(c->try_job)) {
            tryit_stop(c);
            c->try_error = xstrdup("The database connection was lost; Alt-I tries again.");
        }
    }
}

static void content_activity(void *self, struct buf *out)
{
    struct content_screen *c = self;
    if (c->job && content_embed_is_running(c->job))
        buf_printf(out, "embedding %zu/%zu", content_embed_done_count(c->job),
                   content_embed_total(c->job));
    else if (tryit_is_running(c->try_job))
        buf_append_str(out, "trying\xE2\x80\xA6");
    else if (c->call)
        buf_append_str(out, "loading\xE2\x80\xA6");
}

static const char *content_hints(void *self)
{
    struct content_screen *c = self;
    if (c->mode == MODE_EDIT && c->is_form_focused)
        return "Tab next field \xC2\xB7 Enter back to the text \xC2\xB7 Ctrl-S save";
    if (c->mode == MODE_EDIT)
        return "Ctrl-S save \xC2\xB7 Alt-I try it \xC2\xB7 Esc close \xC2\xB7 F1 keys";
    return "Enter open \xC2\xB7 n new \xC2\xB7 f feedback \xC2\xB7 F1 keys \xC2\xB7 Ctrl-Q quit";
}

static bool content_is_busy(void *self)
{
    struct content_screen *c = self;
    return c->call != NULL || (c->job && content_embed_is_running(c->job)) ||
           tryit_is_running(c->try_job);
}

static bool content_can_leave(void *self, const char **question)
{
    struct content_screen *c = self;
    keep_draft(c);
    (void)question;
    return true;
}

static void content_free_screen(void *self)
{
    struct content_screen *c = self;
    keep_draft(c);
    store_call_cancel(c->call);
    content_embed_free(c->job);
    embedder_free(c->emb);
    chunks_free(c->chunks, c->chunk_count);
    close_editor(c);
    free(c->try_question);
    content_list_free(c->list);
    content_feedback_free(c->feedback);
    buf_cleanup(&c->prompt_text);
    free(c->find_what);
    free(c->goto_text);
    free(c->status);
    free(c->error);
    free(c);
}

static const enum action no_search[] = {ACTION_SEARCH, ACTION_SEARCH_NEXT, ACTION_NONE};

static const struct screen_ops content_ops = {
    .free = content_free_screen,
    .on_enter = content_on_enter,
    .on_leave = content_on_leave,
    .can_leave = content_can_leave,
    .on_tick = content_on_tick,
    .on_key = content_on_key,
    .on_connection = content_on_connection,
    .draw = content_draw,
    .draw_overlay = content_draw_overlay,
    .activity = content_activity,
    .hints = content_hints,
    .is_busy = content_is_busy,
    .help = content_help,
    .unused = no_search,
};

struct screen screen_content_new(struct screen_ctx *ctx);

struct screen screen_content_new(struct screen_ctx *ctx)
{
    struct content_screen *c = xcalloc(1, sizeof *c);
    c->ctx = ctx;
    buf_init(&c->prompt_text, 4096);
    return (struct screen){.ops = &content_ops, .self = c};
}

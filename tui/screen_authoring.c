/* screen_authoring: the Authoring tab (trainers and admins): the assessments, one's own
 * editable and the rest read-only (their answer keys never reach this screen); Enter opens one
 * in an editor with its settings in a form (tui/form) beside the list of questions, n starts a
 * new one. A question is edited in a dialog (text, up to six options, the correct one, an
 * explanation). g drafts fill-in-the-blank questions from a content item's passages
 * (core/cloze), offline; drafts must be reviewed before a save. Ctrl-S saves over the stamp
 * the edit started from: a save that comes second is refused and shown as a conflict to
 * resolve. The model and its checks are core/authoring; database calls go through the loop. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/authoring.h"
#include "core/buf.h"
#include "core/chunk.h"
#include "core/cloze.h"
#include "core/config.h"
#include "core/content.h"
#include "core/llm.h"
#include "core/mem.h"
#include "core/quizgen.h"
#include "core/store.h"
#include "core/store_content.h"
#include "core/utf8.h"
#include "tui/form.h"
#include "tui/list.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_table.h"

#define CTRL(c) ((c) & 0x1f)
#define DOT " \xC2\xB7 "

enum { CLOZE_DRAFTS = 5 };

enum mode { MODE_LIST, MODE_EDIT };
enum focus { FOCUS_FORM, FOCUS_QUESTIONS };
enum overlay { OVERLAY_NONE, OVERLAY_QUESTION, OVERLAY_CONFLICT, OVERLAY_COMPARE,
               OVERLAY_PICK, OVERLAY_DISCARD };

/* The settings form's fields, in order. */
enum field { F_TITLE, F_DESCRIPTION, F_DIFFICULTY, F_TIME, F_PASS, F_ATTEMPTS, F_REVIEW,
             F_LAYOUT };
/* The question dialog's fields: the text, the options, the correct one, the explanation. */
enum { QF_TEXT = 0, QF_OPTION = 1, QF_CORRECT = QF_OPTION + AUTHORING_OPTIONS_MAX,
       QF_EXPLANATION };

struct authoring_screen {
    struct screen_ctx *ctx;
    enum mode mode;
    struct store_call *call;
    char *error;

    struct authoring_list *list;
    struct table *table;

    /* the open assessment */
    struct authoring_doc *doc;
    struct form *meta;
    bool is_dirty; /* the questions changed (the form knows its own changes) */
    enum focus focus;
    size_t q_sel, q_top;
    struct authoring_question undo; /* the last deleted question, for u */
    long undo_at;
    char *status;
    bool is_status_error;

    enum overlay overlay;
    struct form *qform;
    long q_editing; /* the question the dialog edits */
    bool q_is_new;  /* the dialog's question was just added: Esc removes it */
    struct authoring_doc *theirs;
    char **diff;
    size_t diff_count;
    struct content_list *contents;
    size_t pick_sel;
    bool is_llm_draft;            /* the picked item's questions come from the LLM (G) */
    struct llm_request *llm_req;  /* the LLM writing questions */
    struct buf llm_reply;
    bool is_reply_too_large;
    char *draft_source;           /* the title of the item the LLM drafts from */
};

static const char *const authoring_help[] = {
    "Enter", "Open the assessment (list); edit the question (editor)",
    "n", "New assessment (list)",
    "A-Z", "Jump to the next title starting with that letter (list)",
    "r", "Load the list again (list)",
    "Tab, Shift-Tab", "Move between the settings and the questions",
    "a", "Add a question after the selected one",
    "d, Delete / u", "Delete the selected question / bring it back",
    "K / J, Shift-Up / Shift-Down", "Move the selected question up / down",
    "g", "Draft fill-in-the-blank questions from content, offline",
    "G", "Draft questions from content with the LLM",
    "Ctrl-S", "Save (refused, with both versions, if someone saved first)",
    "Esc", "Close the dialog or the editor (asks if unsaved)",
    NULL,
};

static const char *const difficulty_labels[] = {"none", "beginner", "intermediate", "advanced"};
static const char *const correct_labels[] = {"none", "A", "B", "C", "D", "E", "F"};

/* --- small helpers ------------------------------------------------------------------------ */

static void invalidate(struct authoring_screen *s)
{
    s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void set_status(struct authoring_screen *s, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_status(struct authoring_screen *s, bool is_error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    free(s->status);
    s->status = utf8_sanitize_line(tmp, strlen(tmp), NULL);
    s->is_status_error = is_error;
    invalidate(s);
}

static char *safe_msg(const char *errmsg, enum err e)
{
    const char *m = errmsg && errmsg[0] ? errmsg : err_str(e);
    return utf8_sanitize_line(m, strlen(m), NULL);
}

static bool db_ready(struct authoring_screen *s)
{
    if (s->ctx->store && s->ctx->is_db_up)
        return true;
    set_status(s, true, "The database is not reachable; CCA keeps retrying.");
    return false;
}

static bool is_dirty(const struct authoring_screen *s)
{
    return s->doc && s->doc->can_edit && (s->is_dirty || (s->meta && form_is_modified(s->meta)));
}

static void diff_free(struct authoring_screen *s)
{
    for (size_t i = 0; i < s->diff_count; i++)
        free(s->diff[i]);
    free(s->diff);
    s->diff = NULL;
    s->diff_count = 0;
}

/* --- the list ------------------------------------------------------------------------------ */

static const struct table_column list_columns[] = {
    {"Title", 20, 0, 1, TABLE_ALIGN_LEFT},
    {"Questions", 0, 0, 0, TABLE_ALIGN_RIGHT},
    {"Time", 8, 0, 0, TABLE_ALIGN_RIGHT},
    {"Pass", 6, 0, 0, TABLE_ALIGN_RIGHT},
    {"Attempts", 0, 0, 0, TABLE_ALIGN_RIGHT},
    {"Review", 13, 0, 0, TABLE_ALIGN_LEFT},
    {"Layout", 13, 0, 0, TABLE_ALIGN_LEFT},
};

static const char *list_cell(void *userdata, size_t row, size_t col)
{
    struct authoring_screen *s = userdata;
    static char tmp[512];
    if (!s->list || row >= s->list->count)
        return "";
    const struct authoring_item *it = &s->list->items[row];
    switch (col) {
    case 0:
        snprintf(tmp, sizeof tmp, "%s%s", it->can_edit ? "\xE2\x9C\x8E " : "  ", it->title);
        return tmp;
    case 1: snprintf(tmp, sizeof tmp, "%d", it->questions); return tmp;
    case 2: snprintf(tmp, sizeof tmp, "%d min", it->time_limit); return tmp;
    case 3: snprintf(tmp, sizeof tmp, "%g %%", it->passing_score); return tmp;
    case 4: snprintf(tmp, sizeof tmp, "%d", it->max_attempts); return tmp;
    case 5: return it->review_policy;
    case 6: return it->layout;
    }
    return "";
}

static void on_list(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct authoring_screen *s = userdata;
    s->call = NULL;
    free(s->error);
    s->error = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct authoring_list *l = NULL;
    if (e == ERR_OK && t)
        e = authoring_list_parse(t, strlen(t), &l);
    if (e != ERR_OK || !l) {
        s->error = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
    } else {
        authoring_list_free(s->list);
        s->list = l;
        table_set_count(s->table, l->count);
    }
    invalidate(s);
}

static void load_list(struct authoring_screen *s)
{
    if (s->call || !db_ready(s))
        return;
    invalidate(s);
    s->call = store_assessment_authoring_list(s->ctx->store, on_list, s);
}

/* --- the editor: open and close ------------------------------------------------------------- */

static size_t index_of(const char *const *list, const char *value)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], value) == 0)
            return i;
    return 0;
}

/* A loaded form shows the start of every text (the cursor would otherwise sit at the end),
 * is clean and has its first field focused. */
static void show_starts(struct form *f)
{
    for (size_t i = 0; i < form_count(f); i++) {
        form_focus(f, i);
        form_home(f);
    }
    form_mark_clean(f);
    form_focus(f, 0);
}

static const char *check_pass(void *userdata, const char *value)
{
    (void)userdata;
    char *end;
    double v = strtod(value, &end);
    if (!value[0] || *end || !(v >= 0 && v <= 100))
        return "pass mark: a percentage from 0 to 100";
    return NULL;
}

static void meta_build(struct authoring_screen *s)
{
    form_free(s->meta);
    struct form *f = form_new();
    size_t review_count = 0, layout_count = 0;
    while (authoring_review_policies[review_count])
        review_count++;
    while (authoring_layouts[layout_count])
        layout_count++;
    form_add_text(f, "Title", true, 200);
    form_set_message(f, F_TITLE, "title: a title is required");
    form_add_text(f, "Description", false, 500);
    form_add_choice(f, "Difficulty", difficulty_labels, 4);
    form_add_number(f, "Time limit (min)", true, 1, 99999);
    form_set_message(f, F_TIME, "time limit: a positive number of minutes");
    form_add_text(f, "Pass mark (%)", true, 8);
    form_set_message(f, F_PASS, "pass mark: a percentage from 0 to 100");
    form_set_check(f, F_PASS, check_pass, s);
    form_add_number(f, "Attempts", true, 1, 100);
    form_set_message(f, F_ATTEMPTS, "attempts: from 1 to 100");
    form_add_choice(f, "Review", authoring_review_policies, review_count);
    form_add_choice(f, "Layout", authoring_layouts, layout_count);
    const struct authoring_doc *d = s->doc;
    form_set_text(f, F_TITLE, d->title);
    form_set_text(f, F_DESCRIPTION, d->description);
    form_set_choice(f, F_DIFFICULTY, index_of(authoring_difficulties, d->difficulty));
    if (d->time_limit > 0)
        form_set_number(f, F_TIME, d->time_limit);
    char pass[32];
    snprintf(pass, sizeof pass, "%g", d->passing_score);
    form_set_text(f, F_PASS, pass);
    form_set_number(f, F_ATTEMPTS, d->max_attempts);
    form_set_choice(f, F_REVIEW, index_of(authoring_review_policies, d->review_policy));
    form_set_choice(f, F_LAYOUT, index_of(authoring_layouts, d->layout));
    show_starts(f);
    s->meta = f;
}

/* The form's values into the document (invalid numbers become values the checks refuse). */
static void meta_apply(struct authoring_screen *s)
{
    struct authoring_doc *d = s->doc;
    struct form *f = s->meta;
    free(d->title), d->title = xstrdup(form_text(f, F_TITLE));
    free(d->description), d->description = xstrdup(form_text(f, F_DESCRIPTION));
    free(d->difficulty), d->difficulty = xstrdup(authoring_difficulties[form_choice(f, F_DIFFICULTY)]);
    long v;
    d->time_limit = form_number(f, F_TIME, &v) ? v : 0;
    d->max_attempts = form_number(f, F_ATTEMPTS, &v) ? v : 0;
    char *end;
    const char *pass = form_text(f, F_PASS);
    double p = strtod(pass, &end);
    d->passing_score = pass[0] && !*end ? p : -1;
    free(d->review_policy);
    d->review_policy = xstrdup(authoring_review_policies[form_choice(f, F_REVIEW)]);
    free(d->layout), d->layout = xstrdup(authoring_layouts[form_choice(f, F_LAYOUT)]);
}

static void close_editor(struct authoring_screen *s)
{
    /* a save or a read still on its way would land on a closed editor */
    store_call_cancel(s->call);
    s->call = NULL;
    llm_request_cancel(s->llm_req);
    s->llm_req = NULL;
    free(s->draft_source);
    s->draft_source = NULL;
    authoring_doc_free(s->doc);
    s->doc = NULL;
    authoring_doc_free(s->theirs);
    s->theirs = NULL;
    diff_free(s);
    form_free(s->meta);
    s->meta = NULL;
    form_free(s->qform);
    s->qform = NULL;
    authoring_question_cleanup(&s->undo);
    s->undo_at = -1;
    s->overlay = OVERLAY_NONE;
    s->mode = MODE_LIST;
    free(s->status);
    s->status = NULL;
}

static void open_doc(struct authoring_screen *s, struct authoring_doc *d)
{
    close_editor(s);
    s->doc = d;
    s->mode = MODE_EDIT;
    s->is_dirty = false;
    s->q_sel = s->q_top = 0;
    s->focus = FOCUS_FORM;
    meta_build(s);
    if (!d->can_edit)
        set_status(s, false, "Read-only: only its author or an admin can change it (its answer "
                             "key is not shown).");
}

static void on_item(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct authoring_screen *s = userdata;
    s->call = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct authoring_doc *d = NULL;
    if (e == ERR_OK && t)
        e = authoring_doc_parse(t, strlen(t), &d);
    if (e != ERR_OK || !d) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_NOT_FOUND : e);
        s->ctx->report(s->ctx->app, true, m);
        free(m);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        invalidate(s);
        return;
    }
    open_doc(s, d);
    invalidate(s);
}

static void open_selected(struct authoring_screen *s)
{
    size_t i = table_selected(s->table);
    if (!s->list || i >= s->list->count || s->call || !db_ready(s))
        return;
    s->call = store_assessment_authoring_get(s->ctx->store, s->list->items[i].id, on_item, s);
    invalidate(s);
}

/* --- saving ---------------------------------------------------------------------------------- */

static void on_saved(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct authoring_screen *s = userdata;
    s->call = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct authoring_save_reply *r = NULL;
    if (e == ERR_OK && t)
        e = authoring_save_reply_parse(t, strlen(t), &r);
    if (e != ERR_OK || !r) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        set_status(s, true, "Not saved: %s", m);
        free(m);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        return;
    }
    if (r->is_conflict) {
        authoring_doc_free(s->theirs);
        s->theirs = r->current;
        r->current = NULL;
        diff_free(s);
        authoring_doc_diff(s->doc, s->theirs, 64, &s->diff, &s->diff_count);
        s->overlay = OVERLAY_CONFLICT;
        set_status(s, true, "Not saved: someone else saved this assessment after you opened it.");
        authoring_save_reply_free(r);
        return;
    }
    free(s->doc->id), s->doc->id = xstrdup(r->id);
    free(s->doc->updated_at), s->doc->updated_at = xstrdup(r->updated_at);
    s->is_dirty = false;
    form_mark_clean(s->meta);
    set_status(s, false, "Saved: %zu question%s. Learners find it in their Assessments tab.",
               s->doc->count, s->doc->count == 1 ? "" : "s");
    authoring_save_reply_free(r);
}

static void save(struct authoring_screen *s)
{
    if (!s->doc->can_edit) {
        set_status(s, true, "Read-only: this assessment is not yours.");
        return;
    }
    if (s->call || !db_ready(s))
        return;
    const char *msg = NULL;
    size_t field = 0;
    if (!form_validate(s->meta, &field, &msg)) {
        s->focus = FOCUS_FORM;
        set_status(s, true, "Not saved: %s", msg ? msg : "check the settings");
        return;
    }
    meta_apply(s);
    char problem[256];
    long q = -1;
    if (!authoring_check(s->doc, problem, sizeof problem, &q)) {
        if (q >= 0) {
            s->focus = FOCUS_QUESTIONS;
            s->q_sel = (size_t)q;
        }
        set_status(s, true, "Not saved: %s", problem);
        return;
    }
    char *json = NULL;
    enum err e = authoring_doc_json(s->doc, &json);
    if (e != ERR_OK) {
        set_status(s, true, "Not saved: %s", err_str(e));
        return;
    }
    set_status(s, false, "Saving\xE2\x80\xA6");
    s->call = store_assessment_authoring_save(s->ctx->store, s->doc->id[0] ? s->doc->id : NULL,
                                              s->doc->updated_at[0] ? s->doc->updated_at : NULL,
                                              json, on_saved, s);
    free(json);
}

/* --- the question dialog ------------------------------------------------------------------- */

static void qform_open(struct authoring_screen *s, size_t i, bool is_new)
{
    const struct authoring_question *q = &s->doc->questions[i];
    form_free(s->qform);
    struct form *f = form_new();
    form_add_text(f, "Question", true, AUTHORING_TEXT_MAX);
    form_set_message(f, QF_TEXT, "the question has no text");
    for (size_t k = 0; k < AUTHORING_OPTIONS_MAX; k++) {
        char label[32];
        snprintf(label, sizeof label, "Option %c", (char)('A' + k));
        form_add_text(f, label, k < 2, AUTHORING_TEXT_MAX);
        if (k < 2)
            form_set_message(f, QF_OPTION + k, "at least two options");
        else
            form_set_placeholder(f, QF_OPTION + k, "empty: no such option");
        if (k < q->option_count)
            form_set_text(f, QF_OPTION + k, q->options[k]);
    }
    form_add_choice(f, "Correct", correct_labels, AUTHORING_OPTIONS_MAX + 1);
    form_set_choice(f, QF_CORRECT, q->correct >= 0 ? (size_t)q->correct + 1 : 0);
    form_add_text(f, "Explanation", false, AUTHORING_TEXT_MAX);
    form_set_placeholder(f, QF_EXPLANATION, "shown in the review, if the policy allows");
    form_set_text(f, QF_TEXT, q->text);
    form_set_text(f, QF_EXPLANATION, q->explanation);
    show_starts(f);
    s->qform = f;
    s->q_editing = (long)i;
    s->q_is_new = is_new;
    s->overlay = OVERLAY_QUESTION;
}

static void qform_apply(struct authoring_screen *s)
{
    struct form *f = s->qform;
    const char *opts[AUTHORING_OPTIONS_MAX];
    for (size_t k = 0; k < AUTHORING_OPTIONS_MAX; k++)
        opts[k] = form_text(f, QF_OPTION + k);
    size_t i = (size_t)s->q_editing;
    authoring_question_set(s->doc, i, form_text(f, QF_TEXT), opts, AUTHORING_OPTIONS_MAX,
                           (int)form_choice(f, QF_CORRECT) - 1, form_text(f, QF_EXPLANATION));
    s->is_dirty = true;
    form_free(s->qform);
    s->qform = NULL;
    s->overlay = OVERLAY_NONE;
    /* say at once what this question still lacks */
    char problem[256];
    if (!authoring_question_check(&s->doc->questions[i], i, problem, sizeof problem))
        set_status(s, true, "%s", problem);
    else
        set_status(s, false, "Question %zu changed; Ctrl-S saves.", i + 1);
}

/* --- drafting from content ------------------------------------------------------------------ */

/* Appends drafted questions (taking their strings) and says how many came from where. */
static void add_drafts(struct authoring_screen *s, struct authoring_question *qs, size_t n,
                       const char *title, const char *how)
{
    size_t added = 0, first = s->doc->count;
    for (size_t i = 0; i < n; i++) {
        qs[i].is_draft = true;
        if (authoring_question_append(s->doc, &qs[i]) >= 0)
            added++;
    }
    if (!added) {
        set_status(s, true, "No usable question came from \"%s\"%s; a writes one by hand.", title,
                   how);
        return;
    }
    s->is_dirty = true;
    s->focus = FOCUS_QUESTIONS;
    s->q_sel = first;
    set_status(s, false, "Drafted %zu question%s from \"%s\"%s: review each (Enter) before saving.",
               added, added == 1 ? "" : "s", title, how);
}

static void draft_cloze(struct authoring_screen *s, const char *title, const char *const *texts,
                        size_t n)
{
    struct cloze_set set = {0};
    cloze_generate(texts, n, CLOZE_DRAFTS, &set);
    struct authoring_question *qs = xcalloc(set.count ? set.count : 1, sizeof *qs);
    for (size_t i = 0; i < set.count; i++) {
        struct cloze_question *c = &set.items[i];
        struct authoring_question *q = &qs[i];
        q->text = c->question;
        c->question = NULL;
        for (size_t k = 0; k < c->option_count; k++) {
            q->options[k] = c->options[k];
            c->options[k] = NULL;
        }
        q->option_count = c->option_count;
        c->option_count = 0;
        q->correct = c->correct;
        q->explanation = xasprintf("The text says: \"%s\"", c->explanation);
    }
    add_drafts(s, qs, set.count, title, "");
    free(qs);
    cloze_set_cleanup(&set);
}

static void on_llm_delta(void *userdata, const char *text, size_t len)
{
    struct authoring_screen *s = userdata;
    if (buf_append(&s->llm_reply, text, len) != ERR_OK)
        s->is_reply_too_large = true;
}

static void on_llm_done(void *userdata, enum err e, const char *errmsg,
                        const struct llm_usage *usage)
{
    (void)usage;
    struct authoring_screen *s = userdata;
    s->llm_req = NULL;
    char *title = s->draft_source;
    s->draft_source = NULL;
    if (e != ERR_OK) {
        char *m = safe_msg(errmsg, e);
        set_status(s, true, "The LLM could not write questions: %s (g drafts offline).", m);
        free(m);
    } else if (s->is_reply_too_large) {
        set_status(s, true, "The LLM's reply was too long to read (g drafts offline).");
    } else if (s->doc) {
        struct authoring_question *qs = NULL;
        size_t n = 0;
        if (quizgen_parse(s->llm_reply.data ? s->llm_reply.data : "", s->llm_reply.len,
                          CLOZE_DRAFTS, &qs, &n) != ERR_OK)
            set_status(s, true, "The LLM's reply held no questions (g drafts offline).");
        else
            add_drafts(s, qs, n, title ? title : "", " with the LLM");
        for (size_t i = 0; i < n; i++)
            authoring_question_cleanup(&qs[i]);
        free(qs);
    }
    free(title);
    buf_reset(&s->llm_reply);
    invalidate(s);
}

static void ask_llm(struct authoring_screen *s, const char *title, const char *const *texts,
                    size_t n)
{
    char err[512] = "";
    char *tmpl = NULL;
    const struct config *cfg = s->ctx->cfg;
    if (!s->ctx->llm) {
        set_status(s, true, "No LLM is configured: g drafts offline from the passages.");
        return;
    }
    if (quizgen_template_load(cfg ? cfg->assets_dir : NULL, &tmpl, err, sizeof err) != ERR_OK) {
        set_status(s, true, "The quiz prompt is missing: %s", err);
        return;
    }
    char *user = quizgen_prompt(tmpl, texts, n, CLOZE_DRAFTS);
    free(tmpl);
    struct llm_message msgs[] = {
        {LLM_ROLE_SYSTEM, "You write assessment questions from learning content. You reply "
                          "with JSON only."},
        {LLM_ROLE_USER, user},
    };
    buf_reset(&s->llm_reply);
    s->is_reply_too_large = false;
    enum err e = llm_chat_start(s->ctx->llm, msgs, 2, false, on_llm_delta, on_llm_done, s,
                                &s->llm_req);
    free(user);
    if (e != ERR_OK) {
        s->llm_req = NULL;
        set_status(s, true, "The LLM could not be asked: %s (g drafts offline).", err_str(e));
        return;
    }
    free(s->draft_source);
    s->draft_source = xstrdup(title);
    set_status(s, false, "Asking the LLM for questions about \"%s\"\xE2\x80\xA6 (Esc stops)",
               title);
}

static void on_contents(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    struct authoring_screen *s = userdata;
    s->call = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_list *l = NULL;
    if (e == ERR_OK && t)
        e = content_list_parse(t, strlen(t), &l);
    if (e != ERR_OK || !l) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        set_status(s, true, "The content list could not be read: %s", m);
        free(m);
        return;
    }
    content_list_free(s->contents);
    s->contents = l;
    if (s->pick_sel >= l->count)
        s->pick_sel = 0;
    s->overlay = l->count ? OVERLAY_PICK : OVERLAY_NONE;
    if (!l->count)
        set_status(s, true, "There is no content to draft questions from.");
    invalidate(s);
}

static void on_content_item(void *userdata, enum err e, const char *errmsg,
                            const struct store_rows *rows)
{
    struct authoring_screen *s = userdata;
    s->call = NULL;
    const char *t = rows ? store_rows_get(rows, 0, 0) : NULL;
    struct content_doc *d = NULL;
    if (e == ERR_OK && t)
        e = content_doc_parse(t, strlen(t), &d);
    if (e != ERR_OK || !d || !s->doc) {
        char *m = safe_msg(errmsg, e == ERR_OK ? ERR_PROTOCOL : e);
        set_status(s, true, "The content could not be read: %s", m);
        free(m);
        content_doc_free(d);
        return;
    }
    /* the passages as the knowledge base cuts them (core/chunk, the configured size) */
    struct chunk *chunks = NULL;
    size_t n = 0;
    const struct config *cfg = s->ctx->cfg;
    e = chunk_split(d->body, d->body_len, cfg ? cfg->rag_chunk_chars : 1200,
                    cfg ? cfg->rag_chunk_overlap : 150, &chunks, &n);
    const char **texts = xcalloc(n ? n : 1, sizeof *texts);
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        texts[i] = chunks[i].text;
    if (e != ERR_OK)
        set_status(s, true, "No drafts: %s", err_str(e));
    else if (s->is_llm_draft)
        ask_llm(s, d->title, texts, n);
    else
        draft_cloze(s, d->title, texts, n);
    free(texts);
    chunks_free(chunks, n);
    content_doc_free(d);
    invalidate(s);
}

static void pick_open(struct authoring_screen *s, bool is_llm)
{
    if (!s->doc->can_edit) {
        set_status(s, true, "Read-only: this assessment is not yours.");
        return;
    }
    if (is_llm && !s->ctx->llm) {
        set_status(s, true, "No LLM is configured: g drafts offline from the passages.");
        return;
    }
    if (s->llm_req)
        return;
    s->is_llm_draft = is_llm;
    if (s->call || !db_ready(s))
        return;
    s->call = store_content_list(s->ctx->store, on_contents, s);
}

/* --- keys ------------------------------------------------------------------------------------ */

static bool is_enter(const struct input_event *ev, enum action a)
{
    return a == ACTION_OPEN || a == ACTION_SEND ||
           (ev->kind == INPUT_CHAR && (ev->cp == '\r' || ev->cp == '\n') && !ev->is_alt) ||
           (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_ENTER);
}

/* Editing keys for a form with the focus (the settings or the question dialog). Returns true
 * when the key was a form key. */
static bool form_key(struct form *f, enum action a, const struct input_event *ev, bool *changed)
{
    if (ev->kind == INPUT_CHAR && ev->cp >= 32 && ev->cp != 127 && !ev->is_alt) {
        char text[4];
        size_t n = utf8_encode(ev->cp, text);
        *changed = form_insert(f, text, n);
        return true;
    }
    switch (a) {
    case ACTION_LEFT: *changed = form_left(f); return true;
    case ACTION_RIGHT: *changed = form_right(f); return true;
    case ACTION_WORD_LEFT: *changed = form_word_left(f); return true;
    case ACTION_WORD_RIGHT: *changed = form_word_right(f); return true;
    case ACTION_LINE_START:
    case ACTION_SCROLL_TOP: *changed = form_home(f); return true;
    case ACTION_LINE_END:
    case ACTION_SCROLL_BOTTOM: *changed = form_end(f); return true;
    case ACTION_BACKSPACE: *changed = form_backspace(f); return true;
    case ACTION_DELETE: *changed = form_delete(f); return true;
    case ACTION_DELETE_WORD: *changed = form_delete_word_back(f); return true;
    case ACTION_KILL_LINE_START: *changed = form_kill_to_start(f); return true;
    case ACTION_KILL_LINE_END: *changed = form_kill_to_end(f); return true;
    default: return false;
    }
}

static bool question_dialog_key(struct authoring_screen *s, enum action a,
                                const struct input_event *ev)
{
    struct form *f = s->qform;
    bool changed = false;
    if (a == ACTION_CANCEL) {
        if (s->q_is_new) {
            authoring_question_delete(s->doc, (size_t)s->q_editing);
            if (s->q_sel >= s->doc->count && s->q_sel)
                s->q_sel--;
        }
        form_free(s->qform);
        s->qform = NULL;
        s->overlay = OVERLAY_NONE;
    } else if (is_enter(ev, a)) {
        qform_apply(s);
    } else if (a == ACTION_UP || (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB)) {
        if (!form_focus_prev(f))
            form_focus(f, form_count(f) - 1);
    } else if (a == ACTION_DOWN || (ev->kind == INPUT_CHAR && ev->cp == '\t')) {
        if (!form_focus_next(f))
            form_focus(f, 0);
    } else {
        form_key(f, a, ev, &changed);
    }
    invalidate(s);
    return true;
}

static bool pick_key(struct authoring_screen *s, enum action a, const struct input_event *ev)
{
    size_t n = s->contents ? s->contents->count : 0;
    if (a == ACTION_UP && s->pick_sel > 0)
        s->pick_sel--;
    else if (a == ACTION_DOWN && s->pick_sel + 1 < n)
        s->pick_sel++;
    else if (a == ACTION_PAGE_DOWN)
        s->pick_sel = s->pick_sel + 10 < n ? s->pick_sel + 10 : (n ? n - 1 : 0);
    else if (a == ACTION_PAGE_UP)
        s->pick_sel = s->pick_sel > 10 ? s->pick_sel - 10 : 0;
    else if (is_enter(ev, a) && n && !s->call && db_ready(s)) {
        s->overlay = OVERLAY_NONE;
        set_status(s, false, "Reading \"%s\"\xE2\x80\xA6", s->contents->items[s->pick_sel].title);
        s->call = store_content_get(s->ctx->store, s->contents->items[s->pick_sel].id,
                                    on_content_item, s);
    } else if (a == ACTION_CANCEL) {
        s->overlay = OVERLAY_NONE;
    } else if (ev->kind == INPUT_CHAR && ev->cp > 32 && ev->cp < 127 && !ev->is_alt) {
        /* a letter: the next title that starts with it */
        uint32_t want = list_fold_case(ev->cp);
        for (size_t step = 1; step <= n; step++) {
            size_t i = (s->pick_sel + step) % n;
            uint32_t cp = 0;
            const char *t = s->contents->items[i].title;
            utf8_decode(t, strlen(t), &cp);
            if (list_fold_case(cp) == want) {
                s->pick_sel = i;
                break;
            }
        }
    }
    invalidate(s);
    return true;
}

static bool conflict_key(struct authoring_screen *s, enum action a, const struct input_event *ev)
{
    uint32_t k = ev->kind == INPUT_CHAR && !ev->is_alt ? ev->cp : 0;
    if (k == 'm' || k == 'M') { /* keep mine: save over their stamp */
        s->overlay = OVERLAY_NONE;
        free(s->doc->updated_at);
        s->doc->updated_at = xstrdup(s->theirs->updated_at);
        save(s);
    } else if (k == 'r' || k == 'R' || k == 't' || k == 'T') { /* take theirs */
        struct authoring_doc *theirs = s->theirs;
        s->theirs = NULL;
        open_doc(s, theirs);
        set_status(s, false, "Their version is loaded; your changes were dropped.");
    } else if (k == 'c' || k == 'C') {
        s->overlay = s->overlay == OVERLAY_COMPARE ? OVERLAY_CONFLICT : OVERLAY_COMPARE;
    } else if (a == ACTION_CANCEL || k == 'e' || k == 'E') {
        s->overlay = OVERLAY_NONE;
        set_status(s, true, "Not saved: someone else saved first. Ctrl-S asks again; m keeps "
                            "yours, r takes theirs.");
    }
    invalidate(s);
    return true;
}

static void delete_question(struct authoring_screen *s)
{
    if (!s->doc->count)
        return;
    authoring_question_cleanup(&s->undo);
    s->undo = s->doc->questions[s->q_sel];
    s->doc->questions[s->q_sel].id = NULL; /* moved into undo; the delete frees nothing */
    s->doc->questions[s->q_sel].text = NULL;
    s->doc->questions[s->q_sel].explanation = NULL;
    s->doc->questions[s->q_sel].option_count = 0;
    authoring_question_delete(s->doc, s->q_sel);
    s->undo_at = (long)s->q_sel;
    if (s->q_sel >= s->doc->count && s->q_sel)
        s->q_sel--;
    s->is_dirty = true;
    set_status(s, false, "Question deleted (u brings it back).");
}

static void undelete_question(struct authoring_screen *s)
{
    if (s->undo_at < 0 || !s->undo.text)
        return;
    long at = authoring_question_append(s->doc, &s->undo);
    if (at < 0)
        return;
    s->q_sel = authoring_question_move(s->doc, (size_t)at, s->undo_at - at);
    s->undo_at = -1;
    set_status(s, false, "Question %zu is back.", s->q_sel + 1);
}

static void leave_editor(struct authoring_screen *s)
{
    close_editor(s);
    load_list(s);
}

static bool edit_key(struct authoring_screen *s, enum action a, const struct input_event *ev)
{
    switch (s->overlay) {
    case OVERLAY_QUESTION:
        return question_dialog_key(s, a, ev);
    case OVERLAY_PICK:
        return pick_key(s, a, ev);
    case OVERLAY_CONFLICT:
    case OVERLAY_COMPARE:
        return conflict_key(s, a, ev);
    case OVERLAY_DISCARD:
        if (ev->kind == INPUT_CHAR && (ev->cp == 'y' || ev->cp == 'Y'))
            leave_editor(s);
        else
            s->overlay = OVERLAY_NONE;
        invalidate(s);
        return true;
    case OVERLAY_NONE:
        break;
    }
    bool is_editable = s->doc->can_edit;
    uint32_t k = ev->kind == INPUT_CHAR && !ev->is_alt ? ev->cp : 0;
    if (k == CTRL('S')) {
        save(s);
        return true;
    }
    if (a == ACTION_CANCEL && s->llm_req) {
        llm_request_cancel(s->llm_req);
        s->llm_req = NULL;
        free(s->draft_source);
        s->draft_source = NULL;
        set_status(s, false, "Stopped: the LLM drafts nothing.");
        return true;
    }
    if (a == ACTION_CANCEL || k == CTRL('X')) {
        if (is_dirty(s))
            s->overlay = OVERLAY_DISCARD;
        else
            leave_editor(s);
        invalidate(s);
        return true;
    }
    /* Two panes: Tab and Shift-Tab switch between them (the settings keep their field; Up,
     * Down and Enter move between fields), as the hint line says. */
    if (k == '\t' || (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB)) {
        s->focus = s->focus == FOCUS_FORM ? FOCUS_QUESTIONS : FOCUS_FORM;
        invalidate(s);
        return true;
    }
    if (s->focus == FOCUS_FORM) {
        bool changed = false;
        if (a == ACTION_UP) {
            form_focus_prev(s->meta);
        } else if (a == ACTION_DOWN || is_enter(ev, a)) {
            if (!form_focus_next(s->meta))
                s->focus = FOCUS_QUESTIONS;
        } else if (!is_editable) {
            if (k < 32 && a != ACTION_BACKSPACE && a != ACTION_DELETE && a != ACTION_LEFT &&
                a != ACTION_RIGHT)
                return false;
            set_status(s, true, "Read-only: this assessment is not yours.");
        } else if (!form_key(s->meta, a, ev, &changed)) {
            return false;
        }
        invalidate(s);
        return true;
    }
    /* the questions */
    size_t n = s->doc->count;
    bool is_key = ev->kind == INPUT_KEY;
    bool is_move_up = k == 'K' || (is_key && ev->key == INPUT_KEY_SHIFT_UP) ||
                      (is_key && ev->key == INPUT_KEY_UP && ev->is_alt);
    bool is_move_down = k == 'J' || (is_key && ev->key == INPUT_KEY_SHIFT_DOWN) ||
                        (is_key && ev->key == INPUT_KEY_DOWN && ev->is_alt);
    if ((is_move_up || is_move_down) && is_editable && n) {
        s->q_sel = authoring_question_move(s->doc, s->q_sel, is_move_up ? -1 : 1);
        s->is_dirty = true;
    } else if (a == ACTION_UP) {
        if (s->q_sel > 0)
            s->q_sel--;
        else {
            s->focus = FOCUS_FORM;
            form_focus(s->meta, form_count(s->meta) - 1);
        }
    } else if (a == ACTION_DOWN) {
        if (s->q_sel + 1 < n)
            s->q_sel++;
    } else if (a == ACTION_SCROLL_TOP || a == ACTION_LINE_START) {
        s->q_sel = 0;
    } else if (a == ACTION_SCROLL_BOTTOM || a == ACTION_LINE_END) {
        s->q_sel = n ? n - 1 : 0;
    } else if (is_enter(ev, a)) {
        if (!is_editable)
            set_status(s, true, "Read-only: this assessment is not yours.");
        else if (n)
            qform_open(s, s->q_sel, false);
    } else if (k == 'a' || k == 'A' || k == 'o') {
        if (!is_editable) {
            set_status(s, true, "Read-only: this assessment is not yours.");
        } else {
            long at = authoring_question_insert(s->doc, n ? s->q_sel + 1 : 0);
            if (at < 0) {
                set_status(s, true, "At most %d questions.", AUTHORING_QUESTIONS_MAX);
            } else {
                s->q_sel = (size_t)at;
                s->is_dirty = true;
                qform_open(s, (size_t)at, true);
            }
        }
    } else if ((k == 'd' || (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_DELETE) ||
                a == ACTION_DELETE) && is_editable) {
        delete_question(s);
    } else if (k == 'u' && is_editable) {
        undelete_question(s);
    } else if (k == 'g' || k == 'G') {
        pick_open(s, k == 'G');
    } else {
        return false;
    }
    invalidate(s);
    return true;
}

static bool list_key(struct authoring_screen *s, enum action a, const struct input_event *ev)
{
    struct list *l = table_list(s->table);
    uint32_t k = ev->kind == INPUT_CHAR && !ev->is_alt ? ev->cp : 0;
    switch (a) {
    case ACTION_UP: list_up(l); break;
    case ACTION_DOWN: list_down(l); break;
    case ACTION_PAGE_UP: list_page_up(l); break;
    case ACTION_PAGE_DOWN: list_page_down(l); break;
    case ACTION_SCROLL_TOP:
    case ACTION_LINE_START: list_home(l); break;
    case ACTION_SCROLL_BOTTOM:
    case ACTION_LINE_END: list_end(l); break;
    case ACTION_SCROLL_UP: list_scroll(l, -3); break;
    case ACTION_SCROLL_DOWN: list_scroll(l, 3); break;
    case ACTION_OPEN: open_selected(s); break;
    case ACTION_REFRESH: load_list(s); break;
    default:
        if (k == 'n' && !s->call) {
            open_doc(s, authoring_doc_new());
            set_status(s, false, "New assessment: fill in the settings, then a adds questions "
                                 "(Tab moves to them); Ctrl-S saves.");
        } else if (is_enter(ev, a)) {
            open_selected(s);
        } else if (k >= 'A' && k <= 'Z' && s->list && s->list->count) {
            /* a capital letter: the next title that starts with it */
            size_t n = s->list->count, at = table_selected(s->table);
            for (size_t step = 1; step <= n; step++) {
                size_t i = (at + step) % n;
                if (list_fold_case((unsigned char)s->list->items[i].title[0]) ==
                    list_fold_case(k)) {
                    list_select(l, i);
                    break;
                }
            }
        } else {
            return false;
        }
    }
    invalidate(s);
    return true;
}

static bool authoring_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct authoring_screen *s = self;
    if (s->mode == MODE_EDIT && s->doc)
        return edit_key(s, a, ev);
    return list_key(s, a, ev);
}

/* --- drawing --------------------------------------------------------------------------------- */

static void draw_list(struct authoring_screen *s, struct render *r, const struct layout_rect *body)
{
    int y = body->y;
    render_text(r, y++, body->x + 1, body->w - 2,
                "Assessments" DOT "Enter open" DOT "n new" DOT "r refresh" DOT
                "\xE2\x9C\x8E yours to edit",
                THEME_HEADING);
    if (s->error) {
        render_text(r, y++, body->x + 1, body->w - 2, s->error, THEME_ERROR);
        render_text(r, y++, body->x + 1, body->w - 2, "Press r to try again.", THEME_NOTE);
    }
    if (!s->list) {
        render_text(r, y, body->x + 1, body->w - 2, s->call ? "Loading\xE2\x80\xA6" : "",
                    THEME_NOTE);
        return;
    }
    struct layout_rect rect = {.y = y, .x = body->x + 1, .h = body->y + body->h - y,
                               .w = body->w - 2};
    table_draw(s->table, r, &rect, true);
}

/* The question at i in one line ("3. Who orders the backlog?  (3 options)"); *is_bad when it
 * would not pass the checks yet (drawn in the warning colour). */
static void question_line(const struct authoring_screen *s, size_t i, struct buf *b,
                          bool *is_bad)
{
    const struct authoring_question *q = &s->doc->questions[i];
    char msg[8];
    bool bad = s->doc->can_edit && !authoring_question_check(q, i, msg, sizeof msg);
    buf_printf(b, "%2zu. %s%s", i + 1, q->is_draft ? "[draft] " : "",
               q->text[0] ? q->text : "(no text)");
    buf_printf(b, "  (%zu option%s)", q->option_count, q->option_count == 1 ? "" : "s");
    *is_bad = bad;
}

static void draw_questions(struct authoring_screen *s, struct render *r,
                           const struct layout_rect *box)
{
    int x = box->x, w = box->w, y = box->y, bottom = box->y + box->h;
    bool has_focus = s->focus == FOCUS_QUESTIONS && s->overlay == OVERLAY_NONE;
    char head[128];
    snprintf(head, sizeof head, "%sQuestions (%zu)%s", has_focus ? "\xE2\x96\xB8 " : "",
             s->doc->count,
             s->doc->can_edit ? DOT "a add" DOT "Enter edit" DOT "d delete" DOT "K/J move" DOT
                                    "g draft from content"
                              : "");
    render_text(r, y++, x, w, head, has_focus ? THEME_TITLE : THEME_HEADING);
    if (s->doc->count == 0) {
        render_text(r, y++, x, w,
                    s->doc->can_edit ? "No questions yet: a adds one, g drafts some from content."
                                     : "No questions.",
                    THEME_NOTE);
        return;
    }
    if (s->q_sel >= s->doc->count)
        s->q_sel = s->doc->count - 1;
    /* the list takes what the details of the selected question leave */
    const struct authoring_question *sel = &s->doc->questions[s->q_sel];
    int detail_rows = 3 + (int)sel->option_count + 1;
    int list_rows = bottom - y - detail_rows;
    if (list_rows < 3)
        list_rows = bottom - y > 3 ? 3 : bottom - y;
    if (s->q_sel < s->q_top)
        s->q_top = s->q_sel;
    if (list_rows > 0 && s->q_sel >= s->q_top + (size_t)list_rows)
        s->q_top = s->q_sel - (size_t)list_rows + 1;
    struct buf b;
    buf_init(&b, 8192);
    for (size_t i = s->q_top; i < s->doc->count && y < box->y + 1 + list_rows; i++) {
        buf_reset(&b);
        bool is_bad = false;
        question_line(s, i, &b, &is_bad);
        enum theme_role role = i == s->q_sel && has_focus ? THEME_SELECTION
                               : is_bad                  ? THEME_STATUS_WARN
                                                         : THEME_DEFAULT;
        render_text(r, y, x, 2, i == s->q_sel ? "\xE2\x96\xB8 " : "  ", THEME_MARKER);
        render_text(r, y++, x + 2, w - 2, buf_str(&b), role);
    }
    y++;
    if (y < bottom) {
        buf_reset(&b);
        buf_printf(&b, "Question %zu", s->q_sel + 1);
        render_text(r, y++, x, w, buf_str(&b), THEME_HEADING);
    }
    if (y < bottom)
        render_text(r, y++, x + 1, w - 1, sel->text[0] ? sel->text : "(no text)",
                    THEME_DEFAULT);
    for (size_t k = 0; k < sel->option_count && y < bottom; k++) {
        buf_reset(&b);
        bool is_right = (int)k == sel->correct;
        buf_printf(&b, "%s %c) %s", is_right ? "\xE2\x97\x8F" : "\xE2\x97\x8B", (char)('A' + k),
                   sel->options[k][0] ? sel->options[k] : "(empty)");
        render_text(r, y++, x + 2, w - 2, buf_str(&b), is_right ? THEME_STATUS_OK : THEME_DEFAULT);
    }
    if (y < bottom) {
        buf_reset(&b);
        if (!s->doc->has_keys && !s->doc->can_edit)
            buf_append_str(&b, "The answer key is the author's and is not shown.");
        else if (sel->correct < 0)
            buf_append_str(&b, "No correct answer chosen.");
        else if (sel->explanation[0])
            buf_printf(&b, "Why: %s", sel->explanation);
        render_text(r, y++, x + 1, w - 1, buf_str(&b),
                    s->doc->can_edit && sel->correct < 0 ? THEME_STATUS_WARN : THEME_NOTE);
    }
    buf_cleanup(&b);
}

static void draw_edit(struct authoring_screen *s, struct render *r, const struct layout_rect *body)
{
    struct buf b;
    buf_init(&b, 1024);
    const char *title = form_text(s->meta, F_TITLE);
    buf_printf(&b, "%s%s%s%s", s->doc->id[0] ? "Assessment: " : "New assessment: ",
               title[0] ? title : "(untitled)", is_dirty(s) ? " *" : "",
               s->doc->can_edit ? "" : "  [read-only]");
    render_text(r, body->y, body->x + 1, body->w - 2, buf_str(&b), THEME_TITLE);
    buf_cleanup(&b);
    int top = body->y + 2, h = body->h - 4;
    bool is_wide = body->w >= 96;
    int form_w = is_wide ? 44 : body->w - 2;
    int form_h = is_wide ? h : (int)form_count(s->meta) + 2;
    if (!is_wide && form_h > h / 2)
        form_h = h / 2;
    render_text(r, top - 1, body->x + 1, form_w,
                s->focus == FOCUS_FORM && s->overlay == OVERLAY_NONE ? "\xE2\x96\xB8 Settings"
                                                                     : "Settings",
                s->focus == FOCUS_FORM && s->overlay == OVERLAY_NONE ? THEME_TITLE
                                                                     : THEME_HEADING);
    struct layout_rect fr = {.y = top, .x = body->x + 1, .h = form_h, .w = form_w};
    form_draw(s->meta, r, &fr, s->focus == FOCUS_FORM && s->overlay == OVERLAY_NONE);
    struct layout_rect qr;
    if (is_wide) {
        struct layout_rect sep = {top - 1, body->x + form_w + 2, h + 1, 1};
        render_separator(r, &sep, true);
        qr = (struct layout_rect){.y = top - 1, .x = body->x + form_w + 4, .h = h + 1,
                                  .w = body->w - form_w - 5};
    } else {
        qr = (struct layout_rect){.y = top + form_h, .x = body->x + 1, .h = h - form_h,
                                  .w = body->w - 2};
    }
    draw_questions(s, r, &qr);
    int y = body->y + body->h - 2;
    if (s->status)
        render_text(r, y, body->x + 1, body->w - 2, s->status,
                    s->is_status_error ? THEME_ERROR : THEME_NOTE);
    render_text(r, y + 1, body->x + 1, body->w - 2,
                s->doc->can_edit
                    ? "^S save  Tab settings/questions  a add  Enter edit  d delete  K/J move  "
                      "g/G draft  Esc close  F1 keys"
                    : "Tab settings/questions  Esc close  F1 keys",
                THEME_HINT);
}

static void authoring_draw(void *self, struct render *r, const struct layout_rect *body,
                           unsigned dirty)
{
    (void)dirty;
    struct authoring_screen *s = self;
    render_fill(r, body, THEME_DEFAULT);
    if (body->h < 6)
        return;
    if (s->mode == MODE_EDIT && s->doc)
        draw_edit(s, r, body);
    else
        draw_list(s, r, body);
}

static struct layout_rect centred(int rows, int cols, int w, int h)
{
    if (w > cols - 2)
        w = cols - 2;
    if (h > rows - 2)
        h = rows - 2;
    return (struct layout_rect){.y = (rows - h) / 2, .x = (cols - w) / 2, .h = h, .w = w};
}

static bool authoring_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct authoring_screen *s = self;
    switch (s->overlay) {
    case OVERLAY_NONE:
        return false;
    case OVERLAY_QUESTION: {
        int h = (int)form_count(s->qform) + 3;
        for (size_t i = 0; i < form_count(s->qform); i++)
            h += form_error(s->qform, i) ? 1 : 0;
        char title[64];
        snprintf(title, sizeof title, "Question %ld", s->q_editing + 1);
        struct layout_rect box = centred(rows, cols, 90, h);
        render_box(r, &box, title, "Enter keep" DOT "Tab/Up/Down field" DOT
                   "Space/Left/Right pick the correct one" DOT "Esc cancel", THEME_DEFAULT);
        struct layout_rect inner = {.y = box.y + 1, .x = box.x + 2, .h = box.h - 2,
                                    .w = box.w - 4};
        form_draw(s->qform, r, &inner, true);
        return true;
    }
    case OVERLAY_PICK: {
        size_t n = s->contents->count;
        const char **items = xcalloc(n ? n : 1, sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = s->contents->items[i].title;
        render_list_overlay(r, rows, cols, "Draft questions from which content?", items, n,
                            s->pick_sel, "a letter jumps" DOT "Enter draft" DOT "Esc cancel");
        free(items);
        return true;
    }
    case OVERLAY_DISCARD:
        render_confirm(r, rows, cols, "Unsaved changes",
                       "Close the editor and drop the changes to this assessment?",
                       "y drop them" DOT "any other key keeps editing");
        return true;
    case OVERLAY_CONFLICT: {
        struct layout_rect box = centred(rows, cols, 88, 8);
        render_box(r, &box, "Someone else saved first",
                   "c compare" DOT "m keep mine" DOT "r reload theirs" DOT "Esc keep editing",
                   THEME_OVERLAY);
        struct buf b;
        buf_init(&b, 4096);
        buf_printf(&b, "Theirs: \"%s\"" DOT "%zu question%s" DOT "%zu difference%s from yours.",
                   s->theirs->title, s->theirs->count, s->theirs->count == 1 ? "" : "s",
                   s->diff_count, s->diff_count == 1 ? "" : "s");
        const char *lines[] = {
            "Someone else saved this assessment after you opened it. Nothing was overwritten.",
            buf_str(&b),
            "",
            "c compares the two; m saves yours over theirs; r reloads theirs (yours is dropped).",
        };
        for (int i = 0; i < 4 && i < box.h - 2; i++)
            render_text(r, box.y + 2 + i, box.x + 2, box.w - 4, lines[i], THEME_OVERLAY);
        buf_cleanup(&b);
        return true;
    }
    case OVERLAY_COMPARE: {
        int h = (int)s->diff_count + 2;
        struct layout_rect box = centred(rows, cols, cols - 4, h < 6 ? 6 : h);
        render_box(r, &box, "Yours and theirs: what differs",
                   "m keep mine" DOT "r reload theirs" DOT "c back" DOT "Esc keep editing",
                   THEME_OVERLAY);
        for (size_t i = 0; i < s->diff_count && (int)i < box.h - 2; i++)
            render_text(r, box.y + 1 + (int)i, box.x + 2, box.w - 4, s->diff[i], THEME_OVERLAY);
        return true;
    }
    }
    return false;
}

/* --- hooks ------------------------------------------------------------------------------------ */

static void authoring_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct authoring_screen *s = self;
    if (s->mode == MODE_LIST && !s->call)
        load_list(s);
}

static void authoring_on_connection(void *self)
{
    struct authoring_screen *s = self;
    if (!s->ctx->is_db_up)
        s->call = NULL; /* calls on the old connection are gone */
    else if (s->mode == MODE_LIST && (!s->list || s->error))
        load_list(s);
}

static void authoring_activity(void *self, struct buf *out)
{
    struct authoring_screen *s = self;
    if (s->llm_req)
        buf_append_str(out, "the LLM writes questions\xE2\x80\xA6");
    else if (s->call)
        buf_append_str(out, "asking the database\xE2\x80\xA6");
}

static const char *authoring_hints(void *self)
{
    struct authoring_screen *s = self;
    if (s->overlay == OVERLAY_QUESTION)
        return "Enter keep" DOT "Esc cancel";
    if (s->mode == MODE_EDIT)
        return "Ctrl-S save" DOT "Esc close" DOT "F1 keys";
    return "Enter open" DOT "n new" DOT "F1 keys" DOT "Ctrl-Q quit";
}

static bool authoring_is_busy(void *self)
{
    struct authoring_screen *s = self;
    return s->call != NULL || s->llm_req != NULL;
}

static bool authoring_can_leave(void *self, const char **question)
{
    struct authoring_screen *s = self;
    if (s->mode == MODE_EDIT && (is_dirty(s) || s->overlay == OVERLAY_QUESTION)) {
        *question = "This assessment has unsaved changes. Leave the Authoring tab anyway?";
        return false;
    }
    return true;
}

static void authoring_free(void *self)
{
    struct authoring_screen *s = self;
    store_call_cancel(s->call);
    close_editor(s);
    authoring_list_free(s->list);
    content_list_free(s->contents);
    table_free(s->table);
    buf_cleanup(&s->llm_reply);
    free(s->error);
    free(s);
}

static const enum action no_search[] = {ACTION_SEARCH, ACTION_SEARCH_NEXT, ACTION_NONE};

static const struct screen_ops authoring_ops = {
    .free = authoring_free,
    .on_enter = authoring_on_enter,
    .can_leave = authoring_can_leave,
    .on_key = authoring_on_key,
    .on_connection = authoring_on_connection,
    .draw = authoring_draw,
    .draw_overlay = authoring_draw_overlay,
    .activity = authoring_activity,
    .hints = authoring_hints,
    .is_busy = authoring_is_busy,
    .help = authoring_help,
    .unused = no_search,
};

struct screen screen_authoring_new(struct screen_ctx *ctx);

struct screen screen_authoring_new(struct screen_ctx *ctx)
{
    struct authoring_screen *s = xcalloc(1, sizeof *s);
    s->ctx = ctx;
    s->undo.correct = -1;
    s->undo_at = -1;
    buf_init(&s->llm_reply, QUIZGEN_REPLY_MAX);
    s->table = table_new(list_columns, sizeof list_columns / sizeof list_columns[0], list_cell, s);
    table_set_empty_text(s->table, "No assessments yet: n writes the first one.");
    return (struct screen){.ops = &authoring_ops, .self = s};
}

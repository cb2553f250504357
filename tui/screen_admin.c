/* screen_admin: the admin's tab, three sections switched with Tab: People (search, add,
 * change role or department, deactivate/reactivate, GDPR export and erasure), the Audit trail
 * (filters, newest first, paged with the keyset cursor) and Retention & index (settings, what
 * is due, the embedder and any reindex in progress). Every read and write is one call of the
 * Admin API through the loop (core/store_admin.h), so no key waits for the database; the
 * database decides who may. Models in core/admin and core/reindex. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/admin.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/reindex.h"
#include "core/store.h"
#include "core/store_admin.h"
#include "core/store_reindex.h"
#include "core/utf8.h"
#include "tui/form.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_table.h"

enum view { VIEW_PEOPLE, VIEW_AUDIT, VIEW_DATA, VIEW_COUNT };
static const char *const view_titles[VIEW_COUNT] = {"People", "Audit trail",
                                                    "Retention & index"};

/* What the call in flight is for (one at a time). */
enum op {
    OP_NONE,
    OP_PEOPLE,
    OP_PEOPLE_MORE,
    OP_AUDIT,
    OP_AUDIT_MORE,
    OP_PERSON,
    OP_CHANGE, /* add, role, department, (de)activation: reload the people after */
    OP_EXPORT,
    OP_ERASE,
    OP_ERASE_REPORT,
    OP_SETTING,
    OP_RETENTION,
    OP_RETENTION_APPLY,
    OP_REINDEX,
};

enum dialog {
    DIALOG_NONE,
    DIALOG_SEARCH,
    DIALOG_ADD,
    DIALOG_ROLE,
    DIALOG_DEPT,
    DIALOG_EXPORT,
    DIALOG_ERASE,
    DIALOG_FILTER,
    DIALOG_RETENTION,
};

enum confirm { CONFIRM_NONE, CONFIRM_ACTIVE, CONFIRM_APPLY };

static const char *const role_options[] = {"learner", "hr_manager", "trainer", "admin"};
static const char *const source_options[] = {"audit log", "analytics events"};
static const char *const active_titles[] = {"deactivated", "active", "everyone"};

struct admin_screen {
    struct screen_ctx *ctx;
    enum view view;
    struct store_call *call;
    enum op op;
    char *error; /* the last load failure, shown in the body */

    struct admin_people people;
    struct table *people_table;
    char *search;
    int active_filter; /* 1 active, 0 deactivated, -1 everyone */
    bool has_people;

    struct admin_audit audit;
    struct table *audit_table;
    char *f_person, *f_table, *f_action, *f_since, *f_until;
    bool f_analytics;
    bool has_audit;

    struct admin_retention retention;
    bool has_retention;
    struct reindex_state reindex;
    bool has_reindex;

    enum dialog dialog;
    struct form *form;
    char *target_email; /* the person a dialog or confirmation is about */
    char *target_id;
    char *target_name;
    bool target_is_active;
    enum confirm confirm;

    /* A text box over the body (person details, erasure report, audit entry); lines. */
    char **box_lines;
    size_t box_count;
    char *box_title;
};

/* --- small helpers ----------------------------------------------------------------------- */

static void invalidate(struct admin_screen *p)
{
    p->ctx->invalidate(p->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void report(struct admin_screen *p, bool is_error, const char *msg)
{
    p->ctx->report(p->ctx->app, is_error, msg);
}

static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src && *src ? xstrdup(src) : NULL;
}

static void box_clear(struct admin_screen *p)
{
    for (size_t i = 0; i < p->box_count; i++)
        free(p->box_lines[i]);
    free(p->box_lines);
    free(p->box_title);
    p->box_lines = NULL;
    p->box_count = 0;
    p->box_title = NULL;
}

static void box_add(struct admin_screen *p, const char *line)
{
    p->box_lines = xreallocarray(p->box_lines, p->box_count + 1, sizeof *p->box_lines);
    p->box_lines[p->box_count++] = utf8_sanitize(line, strlen(line), NULL);
}

static void dialog_close(struct admin_screen *p)
{
    form_free(p->form);
    p->form = NULL;
    p->dialog = DIALOG_NONE;
}

static const struct admin_person *selected_person(struct admin_screen *p)
{
    size_t i = table_selected(p->people_table);
    return i < p->people.count ? &p->people.items[i] : NULL;
}

static bool has_store(struct admin_screen *p)
{
    if (p->ctx->store && p->ctx->is_db_up)
        return true;
    report(p, true, "The database is not reachable; CCA keeps retrying.");
    return false;
}

/* --- table cells ------------------------------------------------------------------------- */

static const struct table_column people_columns[] = {
    {"Name", 12, 30, 2, TABLE_ALIGN_LEFT},       {"Email", 14, 36, 3, TABLE_ALIGN_LEFT},
    {"Role", 10, 11, 0, TABLE_ALIGN_LEFT},       {"Department", 10, 20, 1, TABLE_ALIGN_LEFT},
    {"Status", 11, 11, 0, TABLE_ALIGN_LEFT},
};

static const char *people_cell(void *userdata, size_t row, size_t col)
{
    struct admin_screen *p = userdata;
    if (row >= p->people.count)
        return "";
    const struct admin_person *x = &p->people.items[row];
    switch (col) {
    case 0:
        return x->name;
    case 1:
        return x->email;
    case 2:
        return x->role;
    case 3:
        return *x->department ? x->department : "-";
    default:
        return x->is_active ? "active" : "deactivated";
    }
}

static const struct table_column audit_columns[] = {
    {"At", 19, 19, 0, TABLE_ALIGN_LEFT},     {"Action", 12, 18, 0, TABLE_ALIGN_LEFT},
    {"Table", 12, 20, 0, TABLE_ALIGN_LEFT},  {"By", 17, 28, 1, TABLE_ALIGN_LEFT},
    {"About", 17, 28, 1, TABLE_ALIGN_LEFT},  {"Changes", 8, 0, 2, TABLE_ALIGN_LEFT},
};

static const char *audit_cell(void *userdata, size_t row, size_t col)
{
    struct admin_screen *p = userdata;
    if (row >= p->audit.count)
        return "";
    const struct admin_audit_item *x = &p->audit.items[row];
    switch (col) {
    case 0:
        return x->at;
    case 1:
        return x->action;
    case 2:
        return x->table;
    case 3:
        return x->by;
    case 4:
        return x->about;
    default:
        return x->detail;
    }
}

/* --- calls ------------------------------------------------------------------------------- */

static void on_reply(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows);

static void start(struct admin_screen *p, enum op op, struct store_call *(*fn)(struct admin_screen *))
{
    if (p->call || !has_store(p))
        return;
    p->op = op;
    p->call = fn(p);
    invalidate(p);
}

static struct store_call *call_people(struct admin_screen *p)
{
    struct store_people_query q = {.search = p->search,
                                   .active = p->active_filter,
                                   .after = p->op == OP_PEOPLE_MORE ? p->people.next : NULL,
                                   .page_size = 200};
    return store_admin_people(p->ctx->store, &q, on_reply, p);
}

static struct store_call *call_audit(struct admin_screen *p)
{
    struct store_audit_query q = {.source = p->f_analytics ? "analytics" : "audit",
                                  .person = p->f_person,
                                  .table_name = p->f_analytics ? NULL : p->f_table,
                                  .action = p->f_action,
                                  .since = p->f_since,
                                  .until = p->f_until,
                                  .after = p->op == OP_AUDIT_MORE ? p->audit.next : NULL,
                                  .page_size = 100};
    return store_admin_audit(p->ctx->store, &q, on_reply, p);
}

static struct store_call *call_retention(struct admin_screen *p)
{
    return store_admin_retention(p->ctx->store, p->op != OP_RETENTION_APPLY, on_reply, p);
}

static struct store_call *call_reindex(struct admin_screen *p)
{
    return store_reindex_state(p->ctx->store, on_reply, p);
}

static struct store_call *call_person(struct admin_screen *p)
{
    return store_admin_person(p->ctx->store, p->target_email, on_reply, p);
}

static struct store_call *call_erase_report(struct admin_screen *p)
{
    struct store_audit_query q = {
        .source = "audit", .person = p->target_id, .action = "erased", .page_size = 1};
    return store_admin_audit(p->ctx->store, &q, on_reply, p);
}

static void load_view(struct admin_screen *p)
{
    free(p->error);
    p->error = NULL;
    if (p->view == VIEW_PEOPLE)
        start(p, OP_PEOPLE, call_people);
    else if (p->view == VIEW_AUDIT)
        start(p, OP_AUDIT, call_audit);
    else
        start(p, OP_RETENTION, call_retention);
}

static void show_person(struct admin_screen *p, const char *text)
{
    struct admin_person_detail d;
    if (admin_person_detail_parse(text, strlen(text), &d) != ERR_OK) {
        report(p, true, "The database answered something unexpected.");
        return;
    }
    box_clear(p);
    p->box_title = xstrdup("Person");
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "%s <%s>", d.person.name, d.person.email);
    box_add(p, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "%s, %s, %s", d.person.role,
               *d.person.department ? d.person.department : "no department",
               d.person.is_active ? "active" : "deactivated: cannot connect, data kept");
    box_add(p, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "login role %s; since %s; last activity %s", d.db_role, d.created_at,
               *d.last_activity ? d.last_activity : "none");
    box_add(p, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "audit log: %ld entries by them, %ld about them", d.audit_by, d.audit_about);
    box_add(p, buf_str(&b));
    box_add(p, "");
    box_add(p, "Stored rows:");
    for (size_t i = 0; i < d.row_count; i++) {
        buf_reset(&b);
        buf_printf(&b, "  %-24s %8.0f", d.rows[i].name, d.rows[i].value);
        box_add(p, buf_str(&b));
    }
    buf_cleanup(&b);
    admin_person_detail_cleanup(&d);
}

static void write_export(struct admin_screen *p, const char *text)
{
    const char *path = p->form ? form_text(p->form, 0) : NULL;
    if (!path || !*path) {
        report(p, true, "No file named.");
        return;
    }
    size_t len = strlen(text);
    char *data = xasprintf("%s\n", text);
    char err[512] = "";
    enum err e = private_file_replace(path, data, len + 1, err, sizeof err);
    free(data);
    struct buf b;
    buf_init(&b, 1024);
    if (e != ERR_OK)
        buf_printf(&b, "Export not written: %s", *err ? err : err_str(e));
    else
        buf_printf(&b, "Exported %s to %s (%zu bytes, mode 0600).", p->target_email, path,
                   len + 1);
    report(p, e != ERR_OK, buf_str(&b));
    buf_cleanup(&b);
    if (e == ERR_OK)
        dialog_close(p);
}

static void show_erase_report(struct admin_screen *p, const char *text)
{
    struct admin_audit a;
    box_clear(p);
    p->box_title = xstrdup("Erased");
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "%s (%s) was erased.", p->target_email, p->target_name ? p->target_name : "");
    box_add(p, buf_str(&b));
    if (text && admin_audit_parse(text, strlen(text), &a) == ERR_OK && a.count) {
        box_add(p, "");
        buf_reset(&b);
        buf_printf(&b, "What it did: %s", a.items[0].detail);
        box_add(p, buf_str(&b));
    }
    box_add(p, "");
    box_add(p, "Audit entries about them keep the event without the data.");
    if (text)
        admin_audit_cleanup(&a);
    buf_cleanup(&b);
}

static void on_reply(void *userdata, enum err e, const char *errmsg,
                     const struct store_rows *rows)
{
    struct admin_screen *p = userdata;
    enum op op = p->op;
    p->call = NULL;
    p->op = OP_NONE;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (e != ERR_OK) {
        const char *why = errmsg && *errmsg ? errmsg : err_str(e);
        if (e == ERR_DB_DOWN)
            p->ctx->db_lost(p->ctx->app);
        if (op == OP_PEOPLE || op == OP_AUDIT || op == OP_RETENTION) {
            free(p->error);
            p->error = utf8_sanitize(why, strlen(why), NULL);
        } else if (op != OP_REINDEX) {
            char *safe = utf8_sanitize(why, strlen(why), NULL);
            report(p, true, safe);
            free(safe);
        }
        invalidate(p);
        return;
    }
    switch (op) {
    case OP_PEOPLE:
    case OP_PEOPLE_MORE: {
        struct admin_people page;
        if (!text || admin_people_parse(text, strlen(text), &page) != ERR_OK) {
            set_str(&p->error, "The database answered something unexpected.");
            break;
        }
        if (op == OP_PEOPLE) {
            admin_people_cleanup(&p->people);
            p->people = page;
        } else {
            admin_people_append(&p->people, &page);
        }
        p->has_people = true;
        table_set_count(p->people_table, p->people.count);
        break;
    }
    case OP_AUDIT:
    case OP_AUDIT_MORE: {
        struct admin_audit page;
        if (!text || admin_audit_parse(text, strlen(text), &page) != ERR_OK) {
            set_str(&p->error, "The database answered something unexpected.");
            break;
        }
        if (op == OP_AUDIT) {
            admin_audit_cleanup(&p->audit);
            p->audit = page;
        } else {
            admin_audit_append(&p->audit, &page);
        }
        p->has_audit = true;
        table_set_count(p->audit_table, p->audit.count);
        break;
    }
    case OP_PERSON:
        if (text)
            show_person(p, text);
        break;
    case OP_CHANGE:
        dialog_close(p);
        report(p, false, "Saved; the audit log records who changed it.");
        start(p, OP_PEOPLE, call_people);
        break;
    case OP_EXPORT:
        if (text)
            write_export(p, text);
        break;
    case OP_ERASE:
        dialog_close(p);
        start(p, OP_ERASE_REPORT, call_erase_report);
        break;
    case OP_ERASE_REPORT:
        show_erase_report(p, text);
        start(p, OP_PEOPLE, call_people);
        break;
    case OP_SETTING:
        dialog_close(p);
        report(p, false, "Retention settings saved.");
        start(p, OP_RETENTION, call_retention);
        break;
    case OP_RETENTION:
    case OP_RETENTION_APPLY:
        admin_retention_cleanup(&p->retention);
        p->has_retention =
            text && admin_retention_parse(text, strlen(text), &p->retention) == ERR_OK;
        if (op == OP_RETENTION_APPLY)
            report(p, false, "Retention applied; the audit log records the counts.");
        start(p, OP_REINDEX, call_reindex);
        break;
    case OP_REINDEX:
        reindex_state_cleanup(&p->reindex);
        p->has_reindex =
            text && reindex_state_parse(text, strlen(text), &p->reindex) == ERR_OK;
        break;
    case OP_NONE:
        break;
    }
    invalidate(p);
}

/* --- dialogs ----------------------------------------------------------------------------- */

static const char *check_email(void *userdata, const char *value)
{
    (void)userdata;
    if (!strchr(value, '@') || strchr(value, ' '))
        return "An email address, like name@example.com";
    return NULL;
}

static const char *check_erase(void *userdata, const char *value)
{
    struct admin_screen *p = userdata;
    if (!p->target_email || strcmp(value, p->target_email) != 0)
        return "Type the email exactly as shown";
    return NULL;
}

static const char *check_days(void *userdata, const char *value)
{
    (void)userdata;
    (void)value;
    return NULL;
}

static void dialog_open(struct admin_screen *p, enum dialog d)
{
    dialog_close(p);
    const struct admin_person *x = selected_person(p);
    bool needs_person = d == DIALOG_ROLE || d == DIALOG_DEPT || d == DIALOG_EXPORT ||
                        d == DIALOG_ERASE;
    if (needs_person && !x) {
        report(p, true, "Select a person first.");
        return;
    }
    if (needs_person) {
        set_str(&p->target_email, x->email);
        set_str(&p->target_id, x->id);
        set_str(&p->target_name, x->name);
    }
    p->form = form_new();
    p->dialog = d;
    switch (d) {
    case DIALOG_SEARCH:
        form_add_text(p->form, "Name or email contains", false, 200);
        form_add_choice(p->form, "Show", active_titles, 3);
        if (p->search)
            form_set_text(p->form, 0, p->search);
        form_set_choice(p->form, 1, p->active_filter < 0 ? 2 : (size_t)p->active_filter);
        break;
    case DIALOG_ADD:
        form_add_text(p->form, "Email", true, 320);
        form_set_check(p->form, 0, check_email, p);
        form_add_text(p->form, "Name", true, 200);
        form_add_choice(p->form, "Role", role_options, 4);
        form_add_text(p->form, "Department", false, 200);
        break;
    case DIALOG_ROLE:
        form_add_choice(p->form, "Role", role_options, 4);
        form_set_text(p->form, 0, x->role);
        break;
    case DIALOG_DEPT:
        form_add_text(p->form, "Department", false, 200);
        form_set_text(p->form, 0, x->department);
        form_set_placeholder(p->form, 0, "empty: no department");
        break;
    case DIALOG_EXPORT: {
        form_add_text(p->form, "Write to file", true, 1024);
        char *name = xasprintf("cca-export-%s.json", x->email);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '_';
        form_set_text(p->form, 0, name);
        free(name);
        static const char *const replace[] = {"no", "yes"};
        form_add_choice(p->form, "Replace an existing file", replace, 2);
        break;
    }
    case DIALOG_ERASE:
        form_add_text(p->form, "Type the email to confirm", true, 320);
        form_set_check(p->form, 0, check_erase, p);
        form_set_placeholder(p->form, 0, x->email);
        break;
    case DIALOG_FILTER:
        form_add_choice(p->form, "Source", source_options, 2);
        form_set_choice(p->form, 0, p->f_analytics ? 1 : 0);
        form_add_text(p->form, "Person (email or id)", false, 320);
        form_add_text(p->form, "Table (audit log)", false, 64);
        form_add_text(p->form, "Action / event", false, 64);
        form_add_text(p->form, "Since (2026-01-31)", false, 64);
        form_add_text(p->form, "Until", false, 64);
        if (p->f_person)
            form_set_text(p->form, 1, p->f_person);
        if (p->f_table)
            form_set_text(p->form, 2, p->f_table);
        if (p->f_action)
            form_set_text(p->form, 3, p->f_action);
        if (p->f_since)
            form_set_text(p->form, 4, p->f_since);
        if (p->f_until)
            form_set_text(p->form, 5, p->f_until);
        break;
    case DIALOG_RETENTION:
        form_add_number(p->form, "Chat messages: days (0 keeps)", true, 0, 36500);
        form_add_number(p->form, "Analytics events: days", true, 0, 36500);
        form_add_number(p->form, "Audit log: days", true, 0, 36500);
        form_set_check(p->form, 0, check_days, p);
        if (p->has_retention) {
            form_set_number(p->form, 0, p->retention.chat_days);
            form_set_number(p->form, 1, p->retention.analytics_days);
            form_set_number(p->form, 2, p->retention.audit_days);
        }
        break;
    case DIALOG_NONE:
        break;
    }
    form_mark_clean(p->form);
    form_focus(p->form, 0);
    invalidate(p);
}

/* The retention settings are written one call at a time: the first differing one now, the
 * rest when its reply comes (OP_SETTING reloads, and submitting again sends the next). */
static bool retention_next_change(struct admin_screen *p)
{
    static const char *const keys[] = {"retention.chat_days", "retention.analytics_days",
                                       "retention.audit_days"};
    long cur[3] = {p->retention.chat_days, p->retention.analytics_days,
                   p->retention.audit_days};
    for (size_t i = 0; i < 3; i++) {
        long v = 0;
        if (!form_number(p->form, i, &v) || v == cur[i])
            continue;
        char value[24];
        snprintf(value, sizeof value, "%ld", v);
        p->op = OP_SETTING;
        p->call = store_admin_setting_set(p->ctx->store, keys[i], value, on_reply, p);
        if (i == 0)
            p->retention.chat_days = v;
        else if (i == 1)
            p->retention.analytics_days = v;
        else
            p->retention.audit_days = v;
        return true;
    }
    return false;
}

static void dialog_submit(struct admin_screen *p)
{
    const char *msg = NULL;
    if (!form_validate(p->form, NULL, &msg)) {
        invalidate(p);
        return;
    }
    if (p->call) {
        report(p, true, "Wait for the database to answer first.");
        return;
    }
    if (p->dialog != DIALOG_SEARCH && p->dialog != DIALOG_FILTER && !has_store(p))
        return;
    struct store *s = p->ctx->store;
    switch (p->dialog) {
    case DIALOG_SEARCH: {
        set_str(&p->search, form_text(p->form, 0));
        size_t c = form_choice(p->form, 1);
        p->active_filter = c == 2 ? -1 : (int)c;
        dialog_close(p);
        table_list(p->people_table)->selected = 0;
        start(p, OP_PEOPLE, call_people);
        return;
    }
    case DIALOG_FILTER:
        p->f_analytics = form_choice(p->form, 0) == 1;
        set_str(&p->f_person, form_text(p->form, 1));
        set_str(&p->f_table, form_text(p->form, 2));
        set_str(&p->f_action, form_text(p->form, 3));
        set_str(&p->f_since, form_text(p->form, 4));
        set_str(&p->f_until, form_text(p->form, 5));
        dialog_close(p);
        start(p, OP_AUDIT, call_audit);
        return;
    case DIALOG_ADD: {
        const char *dept = form_text(p->form, 3);
        p->op = OP_CHANGE;
        p->call = store_admin_user_add(s, form_text(p->form, 0), form_text(p->form, 1),
                                       form_text(p->form, 2), *dept ? dept : NULL, on_reply, p);
        break;
    }
    case DIALOG_ROLE:
        p->op = OP_CHANGE;
        p->call = store_admin_set_role(s, p->target_email, form_text(p->form, 0), on_reply, p);
        break;
    case DIALOG_DEPT: {
        const char *dept = form_text(p->form, 0);
        p->op = OP_CHANGE;
        p->call = store_admin_set_department(s, p->target_email, *dept ? dept : NULL, on_reply,
                                             p);
        break;
    }
    case DIALOG_EXPORT: {
        struct stat st;
        if (form_choice(p->form, 1) == 0 && lstat(form_text(p->form, 0), &st) == 0) {
            report(p, true, "That file exists: choose another name, or Replace: yes.");
            return;
        }
        p->op = OP_EXPORT;
        p->call = store_admin_export(s, p->target_email, on_reply, p);
        break;
    }
    case DIALOG_ERASE:
        p->op = OP_ERASE;
        p->call = store_admin_erase(s, p->target_email, on_reply, p);
        break;
    case DIALOG_RETENTION:
        if (!retention_next_change(p)) {
            dialog_close(p);
            report(p, false, "Nothing changed.");
        }
        break;
    case DIALOG_NONE:
        break;
    }
    invalidate(p);
}

/* Keys while a dialog is open: it is modal. */
static bool dialog_key(struct admin_screen *p, enum action a, const struct input_event *ev)
{
    struct form *f = p->form;
    bool is_changed = false;
    switch (a) {
    case ACTION_CANCEL:
        dialog_close(p);
        invalidate(p);
        return true;
    case ACTION_OPEN:
    case ACTION_SEND:
        dialog_submit(p);
        return true;
    case ACTION_UP:
        is_changed = form_focus_prev(f);
        break;
    case ACTION_DOWN:
        is_changed = form_focus_next(f);
        break;
    case ACTION_LEFT:
        is_changed = form_left(f);
        break;
    case ACTION_RIGHT:
        is_changed = form_right(f);
        break;
    case ACTION_WORD_LEFT:
        is_changed = form_word_left(f);
        break;
    case ACTION_WORD_RIGHT:
        is_changed = form_word_right(f);
        break;
    case ACTION_LINE_START:
    case ACTION_SCROLL_TOP:
        is_changed = form_home(f);
        break;
    case ACTION_LINE_END:
    case ACTION_SCROLL_BOTTOM:
        is_changed = form_end(f);
        break;
    case ACTION_BACKSPACE:
        is_changed = form_backspace(f);
        break;
    case ACTION_DELETE:
        is_changed = form_delete(f);
        break;
    case ACTION_DELETE_WORD:
        is_changed = form_delete_word_back(f);
        break;
    case ACTION_KILL_LINE_START:
        is_changed = form_kill_to_start(f);
        break;
    case ACTION_KILL_LINE_END:
        is_changed = form_kill_to_end(f);
        break;
    default:
        if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB) {
            if (!form_focus_prev(f))
                form_focus(f, form_count(f) - 1);
            is_changed = true;
        } else if (ev->kind == INPUT_CHAR && ev->cp == '\t') {
            if (!form_focus_next(f))
                form_focus(f, 0);
            is_changed = true;
        } else if (ev->kind == INPUT_CHAR && ev->cp >= 32 && ev->cp != 127 && !ev->is_alt) {
            char text[4];
            size_t n = utf8_encode(ev->cp, text);
            is_changed = form_insert(f, text, n);
        }
        break;
    }
    if (is_changed)
        invalidate(p);
    return true;
}

/* --- keys -------------------------------------------------------------------------------- */

static struct table *current_table(struct admin_screen *p)
{
    return p->view == VIEW_PEOPLE ? p->people_table
           : p->view == VIEW_AUDIT ? p->audit_table
                                   : NULL;
}

static void switch_view(struct admin_screen *p, int delta)
{
    p->view = (enum view)(((int)p->view + delta + VIEW_COUNT) % VIEW_COUNT);
    free(p->error);
    p->error = NULL;
    bool has = p->view == VIEW_PEOPLE  ? p->has_people
               : p->view == VIEW_AUDIT ? p->has_audit
                                       : p->has_retention;
    if (!has || p->view == VIEW_DATA)
        load_view(p);
    p->ctx->invalidate(p->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void show_audit_entry(struct admin_screen *p)
{
    size_t i = table_selected(p->audit_table);
    if (i >= p->audit.count)
        return;
    const struct admin_audit_item *x = &p->audit.items[i];
    box_clear(p);
    p->box_title = xstrdup("Audit entry");
    struct buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "%s  %s %s", x->at, x->action, x->table);
    box_add(p, buf_str(&b));
    buf_reset(&b);
    buf_printf(&b, "by %s, about %s", x->by, x->about);
    box_add(p, buf_str(&b));
    box_add(p, "");
    /* The changes wrapped at about 70 columns. */
    const char *d = x->detail;
    size_t len = strlen(d);
    while (len > 0) {
        size_t width = 0;
        size_t cut = utf8_fit(d, len, 70, &width);
        if (cut == 0)
            cut = len;
        buf_reset(&b);
        buf_append(&b, d, cut);
        box_add(p, buf_str(&b));
        d += cut;
        len -= cut;
    }
    buf_cleanup(&b);
}

static bool admin_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct admin_screen *p = self;
    if (p->dialog != DIALOG_NONE)
        return dialog_key(p, a, ev);
    if (p->box_count) {
        if (a == ACTION_CANCEL || a == ACTION_OPEN ||
            (ev->kind == INPUT_CHAR && (ev->cp == 'q' || ev->cp == ' '))) {
            box_clear(p);
            invalidate(p);
        }
        return true;
    }
    if (p->confirm != CONFIRM_NONE) {
        bool is_yes = ev->kind == INPUT_CHAR && (ev->cp == 'y' || ev->cp == 'Y');
        bool is_no = a == ACTION_CANCEL || (ev->kind == INPUT_CHAR && (ev->cp == 'n' ||
                                                                       ev->cp == 'N'));
        if (!is_yes && !is_no)
            return true;
        enum confirm c = p->confirm;
        p->confirm = CONFIRM_NONE;
        if (is_yes && !p->call && has_store(p)) {
            if (c == CONFIRM_ACTIVE) {
                p->op = OP_CHANGE;
                p->call = store_admin_set_active(p->ctx->store, p->target_email,
                                                 !p->target_is_active, on_reply, p);
            } else {
                start(p, OP_RETENTION_APPLY, call_retention);
            }
        }
        invalidate(p);
        return true;
    }
    struct table *t = current_table(p);
    struct list *l = t ? table_list(t) : NULL;
    bool is_moved = false;
    switch (a) {
    case ACTION_UP:
        is_moved = l && list_up(l);
        break;
    case ACTION_DOWN:
        is_moved = l && list_down(l);
        break;
    case ACTION_PAGE_UP:
        is_moved = l && list_page_up(l);
        break;
    case ACTION_PAGE_DOWN:
        is_moved = l && list_page_down(l);
        break;
    case ACTION_SCROLL_TOP:
    case ACTION_LINE_START:
        is_moved = l && list_home(l);
        break;
    case ACTION_SCROLL_BOTTOM:
    case ACTION_LINE_END:
        is_moved = l && list_end(l);
        break;
    case ACTION_REFRESH:
        load_view(p);
        return true;
    case ACTION_SEARCH:
        if (p->view == VIEW_PEOPLE)
            dialog_open(p, DIALOG_SEARCH);
        else if (p->view == VIEW_AUDIT)
            dialog_open(p, DIALOG_FILTER);
        return true;
    case ACTION_OPEN:
        if (p->view == VIEW_PEOPLE && selected_person(p)) {
            set_str(&p->target_email, selected_person(p)->email);
            start(p, OP_PERSON, call_person);
        } else if (p->view == VIEW_AUDIT) {
            show_audit_entry(p);
            invalidate(p);
        }
        return true;
    default:
        break;
    }
    if (is_moved) {
        invalidate(p);
        return true;
    }
    if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB) {
        switch_view(p, -1);
        return true;
    }
    if (ev->kind != INPUT_CHAR || ev->is_alt)
        return false;
    uint32_t c = ev->cp;
    if (c == '\t') {
        switch_view(p, 1);
        return true;
    }
    if (c == 'm' && (p->view == VIEW_PEOPLE ? p->people.next : p->audit.next) &&
        p->view != VIEW_DATA) {
        start(p, p->view == VIEW_PEOPLE ? OP_PEOPLE_MORE : OP_AUDIT_MORE,
              p->view == VIEW_PEOPLE ? call_people : call_audit);
        return true;
    }
    if (p->view == VIEW_PEOPLE) {
        const struct admin_person *x = selected_person(p);
        switch (c) {
        case 'a':
            dialog_open(p, DIALOG_ADD);
            return true;
        case 'o':
            dialog_open(p, DIALOG_ROLE);
            return true;
        case 'd':
            dialog_open(p, DIALOG_DEPT);
            return true;
        case 'e':
            dialog_open(p, DIALOG_EXPORT);
            return true;
        case 'E':
            dialog_open(p, DIALOG_ERASE);
            return true;
        case 'x':
            if (x) {
                set_str(&p->target_email, x->email);
                set_str(&p->target_name, x->name);
                p->target_is_active = x->is_active;
                p->confirm = CONFIRM_ACTIVE;
                invalidate(p);
            }
            return true;
        default:
            return false;
        }
    }
    if (p->view == VIEW_AUDIT && c == 'f') {
        dialog_open(p, DIALOG_FILTER);
        return true;
    }
    if (p->view == VIEW_DATA) {
        if (c == 'e') {
            dialog_open(p, DIALOG_RETENTION);
            return true;
        }
        if (c == 'A') {
            p->confirm = CONFIRM_APPLY;
            invalidate(p);
            return true;
        }
    }
    return false;
}

/* --- drawing ----------------------------------------------------------------------------- */

static void line(struct render *r, const struct layout_rect *body, int *y, enum theme_role role,
                 const char *text)
{
    if (*y >= body->y + body->h)
        return;
    render_text(r, *y, body->x + 1, body->w - 2, text, role);
    (*y)++;
}

static void draw_sections(struct admin_screen *p, struct render *r, const struct layout_rect *body)
{
    int x = body->x + 1;
    for (int v = 0; v < VIEW_COUNT; v++) {
        char label[64];
        snprintf(label, sizeof label, v == (int)p->view ? "[%s]" : " %s ", view_titles[v]);
        x += render_text_attr(r, body->y, x, body->x + body->w - x, label,
                              v == (int)p->view ? THEME_HEADING : THEME_NOTE,
                              v == (int)p->view ? THEME_ATTR_BOLD : 0);
        x += 2;
    }
    render_text(r, body->y, x, body->x + body->w - x, "(Tab: next section)", THEME_NOTE);
}

static void draw_data(struct admin_screen *p, struct render *r, const struct layout_rect *body,
                      int y)
{
    struct buf b;
    buf_init(&b, 4096);
    line(r, body, &y, THEME_HEADING, "Retention");
    if (p->has_retention) {
        const struct admin_retention *rt = &p->retention;
        buf_printf(&b, "Keep chat messages %ld days \xC2\xB7 analytics events %ld days \xC2\xB7 "
                       "audit log %ld days (0 keeps forever)",
                   rt->chat_days, rt->analytics_days, rt->audit_days);
        line(r, body, &y, THEME_DEFAULT, buf_str(&b));
        line(r, body, &y, THEME_NOTE, "Due now (a dry run: nothing is removed until you apply):");
        for (size_t i = 0; i < rt->table_count; i++) {
            buf_reset(&b);
            buf_printf(&b, "  %-20s %10.0f rows", rt->tables[i].name, rt->tables[i].value);
            line(r, body, &y, THEME_DEFAULT, buf_str(&b));
        }
    } else if (!p->error) {
        line(r, body, &y, THEME_NOTE, "Loading\xE2\x80\xA6");
    }
    y++;
    line(r, body, &y, THEME_HEADING, "Embeddings");
    if (p->has_reindex) {
        buf_reset(&b);
        reindex_state_describe(&p->reindex, &b);
        line(r, body, &y, p->reindex.is_active ? THEME_ERROR : THEME_DEFAULT, buf_str(&b));
        if (p->reindex.is_active)
            line(r, body, &y, THEME_NOTE,
                 "Run `cca reindex` with the new embedder to continue; answers come from the "
                 "old index until it switches.");
    } else {
        line(r, body, &y, THEME_NOTE, "(not known yet)");
    }
    buf_cleanup(&b);
}

static void admin_draw(void *self, struct render *r, const struct layout_rect *body,
                       unsigned dirty)
{
    (void)dirty;
    struct admin_screen *p = self;
    render_fill(r, body, THEME_DEFAULT);
    if (body->h < 4)
        return;
    draw_sections(p, r, body);
    int y = body->y + 1;
    struct buf b;
    buf_init(&b, 4096);
    if (p->view == VIEW_PEOPLE) {
        buf_printf(&b, "Showing %s", active_titles[p->active_filter < 0 ? 2 : p->active_filter]);
        if (p->search)
            buf_printf(&b, " matching \"%s\"", p->search);
        if (p->has_people)
            buf_printf(&b, ": %zu of %ld", p->people.count, p->people.total);
        if (p->people.next)
            buf_append_str(&b, " (m: more)");
    } else if (p->view == VIEW_AUDIT) {
        buf_printf(&b, "%s, newest first", p->f_analytics ? "Analytics events" : "Audit log");
        if (p->f_person)
            buf_printf(&b, " \xC2\xB7 person %s", p->f_person);
        if (p->f_table && !p->f_analytics)
            buf_printf(&b, " \xC2\xB7 table %s", p->f_table);
        if (p->f_action)
            buf_printf(&b, " \xC2\xB7 action %s", p->f_action);
        if (p->f_since)
            buf_printf(&b, " \xC2\xB7 since %s", p->f_since);
        if (p->f_until)
            buf_printf(&b, " \xC2\xB7 until %s", p->f_until);
        if (p->has_audit)
            buf_printf(&b, ": %zu shown%s", p->audit.count, p->audit.next ? " (m: more)" : "");
    }
    if (p->view != VIEW_DATA) {
        char *safe = utf8_sanitize(buf_str(&b), b.len, NULL);
        line(r, body, &y, THEME_NOTE, safe);
        free(safe);
    }
    buf_cleanup(&b);
    if (p->error) {
        y++;
        line(r, body, &y, THEME_ERROR, "Could not load:");
        line(r, body, &y, THEME_ERROR, p->error);
        line(r, body, &y, THEME_NOTE, "Press r to try again.");
        return;
    }
    if (p->view == VIEW_DATA) {
        draw_data(p, r, body, y);
        return;
    }
    struct table *t = current_table(p);
    bool has = p->view == VIEW_PEOPLE ? p->has_people : p->has_audit;
    if (!has) {
        y++;
        line(r, body, &y, THEME_NOTE, "Loading\xE2\x80\xA6");
        return;
    }
    struct layout_rect rect = {.y = y, .x = body->x + 1, .h = body->y + body->h - y,
                               .w = body->w - 2};
    table_draw(t, r, &rect, p->dialog == DIALOG_NONE && !p->box_count);
}

/* A box of w x h centred in rows x cols. */
static struct layout_rect centred(int rows, int cols, int w, int h)
{
    if (w > cols - 2)
        w = cols - 2;
    if (h > rows - 2)
        h = rows - 2;
    return (struct layout_rect){.y = (rows - h) / 2, .x = (cols - w) / 2, .h = h, .w = w};
}

static const char *dialog_title(struct admin_screen *p, struct buf *b)
{
    switch (p->dialog) {
    case DIALOG_SEARCH:
        return "Find people";
    case DIALOG_ADD:
        return "Add a person";
    case DIALOG_ROLE:
        buf_printf(b, "Role of %s", p->target_email);
        return buf_str(b);
    case DIALOG_DEPT:
        buf_printf(b, "Department of %s", p->target_email);
        return buf_str(b);
    case DIALOG_EXPORT:
        buf_printf(b, "Export everything about %s (GDPR)", p->target_email);
        return buf_str(b);
    case DIALOG_ERASE:
        buf_printf(b, "ERASE %s for good", p->target_email);
        return buf_str(b);
    case DIALOG_FILTER:
        return "Filter the audit trail";
    case DIALOG_RETENTION:
        return "Retention settings";
    case DIALOG_NONE:
        break;
    }
    return "";
}

static bool admin_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct admin_screen *p = self;
    if (p->dialog != DIALOG_NONE) {
        struct buf b;
        buf_init(&b, 1024);
        const char *title = dialog_title(p, &b);
        char *safe_title = utf8_sanitize(title, strlen(title), NULL);
        int h = (int)form_count(p->form) + 3 + (p->dialog == DIALOG_ERASE ? 2 : 0);
        for (size_t i = 0; i < form_count(p->form); i++)
            h += form_error(p->form, i) ? 1 : 0;
        struct layout_rect box = centred(rows, cols, 72, h);
        render_box(r, &box, safe_title, "Enter save \xC2\xB7 Tab next field \xC2\xB7 Esc cancel",
                   THEME_DEFAULT);
        struct layout_rect inner = {.y = box.y + 1, .x = box.x + 2, .h = box.h - 2,
                                    .w = box.w - 4};
        if (p->dialog == DIALOG_ERASE && inner.h > 3) {
            render_text(r, inner.y, inner.x, inner.w,
                        "Removes the person and their personal data; it cannot be undone.",
                        THEME_ERROR);
            inner.y += 2;
            inner.h -= 2;
        }
        form_draw(p->form, r, &inner, true);
        free(safe_title);
        buf_cleanup(&b);
        return true;
    }
    if (p->box_count) {
        int h = (int)p->box_count + 2;
        struct layout_rect box = centred(rows, cols, 78, h);
        render_box(r, &box, p->box_title, "Esc or Enter closes", THEME_DEFAULT);
        for (size_t i = 0; i < p->box_count && (int)i < box.h - 2; i++)
            render_text(r, box.y + 1 + (int)i, box.x + 2, box.w - 4, p->box_lines[i],
                        THEME_DEFAULT);
        return true;
    }
    if (p->confirm != CONFIRM_NONE) {
        struct buf b;
        buf_init(&b, 1024);
        if (p->confirm == CONFIRM_ACTIVE)
            buf_printf(&b,
                       p->target_is_active
                           ? "Deactivate %s? They can no longer connect; their data stays."
                           : "Reactivate %s? They can connect again.",
                       p->target_email);
        else
            buf_append_str(&b, "Apply retention now? What is due is removed for good.");
        char *safe = utf8_sanitize(buf_str(&b), b.len, NULL);
        render_confirm(r, rows, cols, p->confirm == CONFIRM_APPLY ? "Retention" : "Person",
                       safe, "y yes \xC2\xB7 n no");
        free(safe);
        buf_cleanup(&b);
        return true;
    }
    return false;
}

/* --- hooks ------------------------------------------------------------------------------- */

static void admin_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct admin_screen *p = self;
    bool has = p->view == VIEW_PEOPLE  ? p->has_people
               : p->view == VIEW_AUDIT ? p->has_audit
                                       : p->has_retention;
    if (!has && !p->call)
        load_view(p);
}

static void admin_on_connection(void *self)
{
    struct admin_screen *p = self;
    if (p->ctx->is_db_up && p->error)
        load_view(p);
}

static void admin_activity(void *self, struct buf *out)
{
    struct admin_screen *p = self;
    if (p->call)
        buf_append_str(out, "asking the database\xE2\x80\xA6");
}

static const char *admin_hints(void *self)
{
    struct admin_screen *p = self;
    if (p->dialog != DIALOG_NONE)
        return "Enter save \xC2\xB7 Esc cancel";
    switch (p->view) {
    case VIEW_PEOPLE:
        return "Tab section \xC2\xB7 / find \xC2\xB7 a add \xC2\xB7 o role \xC2\xB7 F1 keys";
    case VIEW_AUDIT:
        return "Tab section \xC2\xB7 f filter \xC2\xB7 m more \xC2\xB7 Enter entry \xC2\xB7 F1 keys";
    default:
        return "Tab section \xC2\xB7 e settings \xC2\xB7 A apply \xC2\xB7 F1 keys";
    }
}

static bool admin_is_busy(void *self)
{
    return ((struct admin_screen *)self)->call != NULL;
}

static bool admin_can_leave(void *self, const char **question)
{
    struct admin_screen *p = self;
    if (p->dialog != DIALOG_NONE && p->form && form_is_modified(p->form)) {
        *question = "Leave the form? What you typed is lost.";
        return false;
    }
    return true;
}

static void admin_free(void *self)
{
    struct admin_screen *p = self;
    store_call_cancel(p->call);
    dialog_close(p);
    box_clear(p);
    table_free(p->people_table);
    table_free(p->audit_table);
    admin_people_cleanup(&p->people);
    admin_audit_cleanup(&p->audit);
    admin_retention_cleanup(&p->retention);
    reindex_state_cleanup(&p->reindex);
    free(p->error);
    free(p->search);
    free(p->f_person);
    free(p->f_table);
    free(p->f_action);
    free(p->f_since);
    free(p->f_until);
    free(p->target_email);
    free(p->target_id);
    free(p->target_name);
    free(p);
}

static const char *const admin_help[] = {
    "Tab, Shift-Tab", "Next / previous section: People, Audit trail, Retention & index",
    "/", "People: find by name or email, active or deactivated; Audit: filters",
    "a", "People: add a person",
    "o", "People: change the selected person's role",
    "d", "People: change the selected person's department",
    "x", "People: deactivate or reactivate the selected person",
    "e", "People: export everything about the selected person (GDPR); Retention: settings",
    "E", "People: erase the selected person (type their email to confirm)",
    "Enter", "People: details and stored rows; Audit: the whole entry",
    "f", "Audit: filter by person, table, action and period",
    "m", "Load the next page",
    "A", "Retention: apply it now (asks first)",
    NULL,
};

static const struct screen_ops admin_ops = {
    .free = admin_free,
    .on_enter = admin_on_enter,
    .can_leave = admin_can_leave,
    .on_key = admin_on_key,
    .on_connection = admin_on_connection,
    .draw = admin_draw,
    .draw_overlay = admin_draw_overlay,
    .activity = admin_activity,
    .hints = admin_hints,
    .is_busy = admin_is_busy,
    .help = admin_help,
};

struct screen screen_admin_new(struct screen_ctx *ctx);

struct screen screen_admin_new(struct screen_ctx *ctx)
{
    struct admin_screen *p = xcalloc(1, sizeof *p);
    p->ctx = ctx;
    p->active_filter = 1;
    p->people_table = table_new(people_columns, sizeof people_columns / sizeof people_columns[0],
                                people_cell, p);
    table_set_empty_text(p->people_table, "Nobody matches.");
    p->audit_table = table_new(audit_columns, sizeof audit_columns / sizeof audit_columns[0],
                               audit_cell, p);
    table_set_empty_text(p->audit_table, "No entries match.");
    return (struct screen){.ops = &admin_ops, .self = p};
}

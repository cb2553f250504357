/* screen_department: the Department tab of HR managers and admins, in three sections switched
 * with Tab: Overview (headline figures with their trend, weekly activity, completion by course,
 * the skills coverage matrix, pass rates; filters for period, course and skill), People (a
 * sortable, searchable table, "needs attention", Enter for one person's progress, skills and
 * results, never their chat) and Knowledge gaps (topics asked about without a good answer).
 * Trainers get the Knowledge gaps section only. `e` writes the report as CSV (mode 0600).
 * Every read is one call of the Department API through the loop (core/store_department.h);
 * the database decides who may read which department, and its refusal is shown as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/department.h"
#include "core/mem.h"
#include "core/private_file.h"
#include "core/store.h"
#include "core/store_department.h"
#include "core/uiclock.h"
#include "core/utf8.h"
#include "tui/form.h"
#include "tui/page.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/widget_chart.h"
#include "tui/widget_table.h"

enum section { SEC_OVERVIEW, SEC_PEOPLE, SEC_GAPS, SEC_COUNT };
static const char *const section_titles[SEC_COUNT] = {"Overview", "People", "Knowledge gaps"};

enum { PEOPLE_PAGE = 200, EXPORT_MAX = 64u << 20, GAP_TOPICS = 50 };

/* The people table's columns and the sort_by name of each (NULL: not sortable). */
static const struct table_column people_columns[] = {
    {"Name", 12, 30, 3, TABLE_ALIGN_LEFT},
    {"Role", 10, 11, 0, TABLE_ALIGN_LEFT},
    {"Progress", 10, 10, 0, TABLE_ALIGN_RIGHT},
    {"Last activity", 15, 15, 0, TABLE_ALIGN_LEFT},
    {"Passed", 8, 8, 0, TABLE_ALIGN_RIGHT},
    {"Needs attention", 10, 40, 2, TABLE_ALIGN_LEFT},
};
#define PEOPLE_COLUMNS (sizeof people_columns / sizeof people_columns[0])
static const char *const sort_names[PEOPLE_COLUMNS] = {"name", "role", "progress",
                                                       "last_activity", "assessments_passed", NULL};

struct department_screen {
    struct screen_ctx *ctx;
    enum section section;
    bool is_trainer; /* the knowledge gaps only */
    bool is_admin;

    /* filters */
    char *department; /* NULL: the caller's own */
    enum department_period period;
    char *course_id, *course_title; /* NULL: every course */
    char *skill_id, *skill_name;
    /* what the filters cycle through, kept from the last unfiltered overview */
    char **course_ids, **course_titles;
    size_t course_choices;
    char **skill_ids, **skill_names;
    size_t skill_choices;

    struct store_call *c_overview, *c_people, *c_attention, *c_person, *c_gaps, *c_list,
        *c_export, *c_refresh;

    struct department_overview *overview;
    char *overview_error;
    struct page overview_page;

    struct department_people people;
    bool has_people;
    bool is_people_more; /* the call in flight reads the next page */
    char *people_error;
    struct table *table;
    char *search;
    size_t sort_col;
    bool is_descending;
    bool is_searching;
    struct buf search_text;
    struct department_people attention;
    bool has_attention;
    char cell[128];

    struct department_person *person; /* shown instead of the section while set */
    struct page person_page;

    struct department_gaps *gaps;
    char *gaps_error;
    struct page gaps_page;

    struct department_list choices; /* the department chooser, open while is_choosing */
    bool is_choosing;
    size_t choice_sel;

    long long server_now; /* the database's clock at the last reply, 0 before */

    struct form *export_form; /* the export dialog, open while set */
    char *export_path;
};

/* --- helpers -------------------------------------------------------------------------------- */

static void invalidate(struct department_screen *d)
{
    d->ctx->invalidate(d->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void report(struct department_screen *d, bool is_error, const char *msg)
{
    d->ctx->report(d->ctx->app, is_error, msg);
}

static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src && *src ? xstrdup(src) : NULL;
}

/* The server's message as it is (sanitised), with a word on what it means. */
static char *failure_text(enum err e, const char *errmsg)
{
    const char *why = errmsg && *errmsg ? errmsg : err_str(e);
    char *safe = utf8_sanitize_line(why, strlen(why), NULL);
    char *text = e == ERR_PERMISSION ? xasprintf("The database refused: %s", safe)
                                     : xasprintf("%s", safe);
    free(safe);
    return text;
}

static bool db_ready(struct department_screen *d)
{
    if (d->ctx->store && d->ctx->is_db_up)
        return true;
    report(d, true, "The database is not reachable; CCA keeps retrying.");
    return false;
}

static void cancel(struct store_call **c)
{
    store_call_cancel(*c);
    *c = NULL;
}

static struct store_department_query query_of(const struct department_screen *d)
{
    return (struct store_department_query){.department = d->department,
                                           .period = department_period_name(d->period),
                                           .course_id = d->course_id,
                                           .skill_id = d->skill_id};
}

/* "3 days ago" is measured on the database's clock (every read brings it), else on ours. */
static long long now_s(const struct department_screen *d)
{
    return d->server_now > 0 ? d->server_now : (long long)uiclock_wall_s();
}

static void keep_server_now(struct department_screen *d, const struct store_rows *rows)
{
    const char *t = rows && rows->cols > 1 ? store_rows_get(rows, 0, 1) : NULL;
    char *end = NULL;
    long long v = t ? strtoll(t, &end, 10) : 0;
    if (t && end && *end == '\0' && v > 0)
        d->server_now = v;
}

static void strings_free(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

/* --- loading -------------------------------------------------------------------------------- */

static void load_overview(struct department_screen *d);
static void load_people(struct department_screen *d, bool is_more);
static void load_attention(struct department_screen *d);
static void load_gaps(struct department_screen *d);

/* The choices the course and skill filters cycle through, from an overview that has every
 * course and skill (no filter of that dimension). */
static void keep_choices(struct department_screen *d, const struct department_overview *o)
{
    if (!o->course_filter) {
        strings_free(d->course_ids, d->course_choices);
        strings_free(d->course_titles, d->course_choices);
        d->course_ids = xcalloc(o->course_count + 1, sizeof *d->course_ids);
        d->course_titles = xcalloc(o->course_count + 1, sizeof *d->course_titles);
        for (size_t i = 0; i < o->course_count; i++) {
            d->course_ids[i] = xstrdup(o->courses[i].course_id);
            d->course_titles[i] = xstrdup(o->courses[i].title);
        }
        d->course_choices = o->course_count;
    }
    if (!o->skill_filter) {
        strings_free(d->skill_ids, d->skill_choices);
        strings_free(d->skill_names, d->skill_choices);
        d->skill_ids = xcalloc(o->skill_count + 1, sizeof *d->skill_ids);
        d->skill_names = xcalloc(o->skill_count + 1, sizeof *d->skill_names);
        for (size_t i = 0; i < o->skill_count; i++) {
            d->skill_ids[i] = xstrdup(o->skills[i].skill_id);
            d->skill_names[i] = xstrdup(o->skills[i].name);
        }
        d->skill_choices = o->skill_count;
    }
}

/* Replaces *slot with why a call failed (NULL when e is ERR_OK) and tells the frame when the
 * database is gone; true when the call failed. */
static bool keep_failure(struct department_screen *d, enum err e, const char *errmsg,
                         char **slot)
{
    free(*slot);
    *slot = NULL;
    if (e == ERR_OK)
        return false;
    *slot = failure_text(e, errmsg);
    if (e == ERR_DB_DOWN)
        d->ctx->db_lost(d->ctx->app);
    return true;
}

static void on_overview(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_overview = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_overview *o = NULL;
    if (e == ERR_OK)
        e = text ? department_overview_parse(text, strlen(text), &o) : ERR_PROTOCOL;
    if (!keep_failure(d, e, errmsg, &d->overview_error)) {
        department_overview_free(d->overview);
        d->overview = o;
        keep_choices(d, o);
        if (!d->department && o->department[0] && d->is_admin)
            set_str(&d->department, o->department);
    }
    invalidate(d);
}

static void load_overview(struct department_screen *d)
{
    if (d->is_trainer || !db_ready(d))
        return;
    cancel(&d->c_overview);
    struct store_department_query q = query_of(d);
    d->c_overview = store_department_overview(d->ctx->store, &q, on_overview, d);
    invalidate(d);
}

static void on_people(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_people = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_people page;
    if (e == ERR_OK)
        e = text ? department_people_parse(text, strlen(text), &page) : ERR_PROTOCOL;
    if (!keep_failure(d, e, errmsg, &d->people_error)) {
        if (d->is_people_more) {
            department_people_append(&d->people, &page);
        } else {
            department_people_cleanup(&d->people);
            d->people = page;
            d->has_people = true;
        }
    }
    d->is_people_more = false;
    table_set_count(d->table, d->people.count);
    invalidate(d);
}

static void load_people(struct department_screen *d, bool is_more)
{
    if (d->is_trainer || !db_ready(d))
        return;
    cancel(&d->c_people);
    struct store_department_people_query q = {
        .filter = query_of(d),
        .search = d->search,
        .sort_by = sort_names[d->sort_col] ? sort_names[d->sort_col] : "name",
        .is_descending = d->is_descending,
        .limit = PEOPLE_PAGE,
        .offset = is_more ? (int)d->people.count : 0,
    };
    d->is_people_more = is_more;
    if (!is_more)
        table_list(d->table)->selected = 0;
    d->c_people = store_department_people(d->ctx->store, &q, on_people, d);
    invalidate(d);
}

static void on_attention(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_attention = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_people page;
    if (e == ERR_OK)
        e = text ? department_people_parse(text, strlen(text), &page) : ERR_PROTOCOL;
    if (e == ERR_OK) {
        department_people_cleanup(&d->attention);
        d->attention = page;
        d->has_attention = true;
    } else if (!d->people_error) {
        d->people_error = failure_text(e, errmsg);
    }
    invalidate(d);
}

/* Needs attention does not depend on the filters: read with the department, the first 100. */
static void load_attention(struct department_screen *d)
{
    if (d->is_trainer || !db_ready(d))
        return;
    cancel(&d->c_attention);
    struct store_department_people_query q = {.filter = {.department = d->department},
                                              .is_attention_only = true,
                                              .limit = 100};
    d->c_attention = store_department_people(d->ctx->store, &q, on_attention, d);
}

static void on_gaps(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_gaps = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_gaps *g = NULL;
    if (e == ERR_OK)
        e = text ? department_gaps_parse(text, strlen(text), &g) : ERR_PROTOCOL;
    if (!keep_failure(d, e, errmsg, &d->gaps_error)) {
        department_gaps_free(d->gaps);
        d->gaps = g;
    }
    invalidate(d);
}

/* HR managers: their department's gaps; trainers and admins: the whole company's, with the
 * departments each topic comes from. */
static void load_gaps(struct department_screen *d)
{
    if (!db_ready(d))
        return;
    cancel(&d->c_gaps);
    d->c_gaps = store_department_gaps(d->ctx->store, NULL, department_period_name(d->period),
                                      GAP_TOPICS, on_gaps, d);
    invalidate(d);
}

static void on_refreshed(void *userdata, enum err e, const char *errmsg,
                         const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_refresh = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (e != ERR_OK || !text) {
        char *m = failure_text(e == ERR_OK ? ERR_PROTOCOL : e, errmsg);
        report(d, true, m);
        free(m);
        invalidate(d);
        return;
    }
    struct buf b;
    buf_init(&b, 1024);
    department_gaps_refresh_describe(text, strlen(text), &b);
    report(d, false, buf_str(&b));
    buf_cleanup(&b);
    load_gaps(d);
}

static void on_person(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_person = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_person *p = NULL;
    if (e == ERR_OK)
        e = text ? department_person_parse(text, strlen(text), &p) : ERR_PROTOCOL;
    if (e != ERR_OK) {
        char *m = failure_text(e, errmsg);
        report(d, true, m);
        free(m);
    } else {
        department_person_free(d->person);
        d->person = p;
        page_cleanup(&d->person_page);
        page_init(&d->person_page);
    }
    invalidate(d);
}

static void on_list(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_list = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    if (text)
        keep_server_now(d, rows);
    struct department_list l;
    if (e == ERR_OK)
        e = text ? department_list_parse(text, strlen(text), &l) : ERR_PROTOCOL;
    if (e != ERR_OK) {
        char *m = failure_text(e, errmsg);
        report(d, true, m);
        free(m);
    } else {
        department_list_cleanup(&d->choices);
        d->choices = l;
        d->is_choosing = true;
        d->choice_sel = 0;
        const char *cur = d->department ? d->department
                          : d->overview  ? d->overview->department
                                         : NULL;
        for (size_t i = 0; cur && i < l.count; i++)
            if (strcmp(l.items[i].name, cur) == 0)
                d->choice_sel = i;
    }
    invalidate(d);
}

static void load_all(struct department_screen *d)
{
    if (!d->is_trainer) {
        load_overview(d);
        load_people(d, false);
        load_attention(d);
    }
    if (d->is_trainer || d->section == SEC_GAPS)
        load_gaps(d);
}

/* --- export --------------------------------------------------------------------------------- */

static void export_close(struct department_screen *d)
{
    form_free(d->export_form);
    d->export_form = NULL;
}

static void on_export(void *userdata, enum err e, const char *errmsg,
                      const struct store_rows *rows)
{
    struct department_screen *d = userdata;
    d->c_export = NULL;
    if (e != ERR_OK || !rows || rows->cols != DEPARTMENT_CSV_COLUMNS) {
        char *m = failure_text(e == ERR_OK ? ERR_PROTOCOL : e, errmsg);
        char *msg = xasprintf("Not exported: %s", m);
        report(d, true, msg);
        free(msg);
        free(m);
        invalidate(d);
        return;
    }
    struct buf b;
    buf_init(&b, EXPORT_MAX);
    enum err w = department_csv_write((const char *const *)rows->cells, rows->rows, &b);
    char err[512] = "";
    if (w == ERR_OK)
        w = private_file_replace(d->export_path, b.data ? b.data : "", b.len, err, sizeof err);
    char *msg = w == ERR_OK ? xasprintf("Exported %zu rows to %s (mode 0600).", rows->rows,
                                        d->export_path)
                            : xasprintf("Not exported: %s", *err ? err : err_str(w));
    char *safe = utf8_sanitize_line(msg, strlen(msg), NULL);
    report(d, w != ERR_OK, safe);
    free(safe);
    free(msg);
    buf_cleanup(&b);
    invalidate(d);
}

static void export_open(struct department_screen *d)
{
    export_close(d);
    d->export_form = form_new();
    form_add_text(d->export_form, "Write CSV to file", true, 1024);
    const char *dept = d->department        ? d->department
                       : d->overview        ? d->overview->department
                       : d->ctx->user && d->ctx->user->department ? d->ctx->user->department
                                                                  : "department";
    char *name = xasprintf("department-%s-%s.csv", dept, department_period_name(d->period));
    for (char *c = name; *c; c++)
        if (*c == '/' || *c == ' ')
            *c = '_';
    form_set_text(d->export_form, 0, name);
    free(name);
    static const char *const replace[] = {"no", "yes"};
    form_add_choice(d->export_form, "Replace an existing file", replace, 2);
    form_mark_clean(d->export_form);
    form_focus(d->export_form, 0);
    invalidate(d);
}

static void export_submit(struct department_screen *d)
{
    if (!form_validate(d->export_form, NULL, NULL)) {
        invalidate(d);
        return;
    }
    const char *path = form_text(d->export_form, 0);
    struct stat st;
    if (form_choice(d->export_form, 1) == 0 && lstat(path, &st) == 0) {
        report(d, true, "That file exists: choose another name, or Replace: yes.");
        return;
    }
    if (d->c_export || !db_ready(d))
        return;
    set_str(&d->export_path, path);
    export_close(d);
    struct store_department_query q = query_of(d);
    d->c_export = store_department_report_rows(d->ctx->store, &q, on_export, d);
    invalidate(d);
}

static bool export_key(struct department_screen *d, enum action a, const struct input_event *ev)
{
    struct form *f = d->export_form;
    bool is_changed = false;
    if (a == ACTION_CANCEL) {
        export_close(d);
        invalidate(d);
        return true;
    }
    if (a == ACTION_OPEN) {
        export_submit(d);
        return true;
    }
    if (a == ACTION_UP)
        is_changed = form_focus_prev(f);
    else if (a == ACTION_DOWN)
        is_changed = form_focus_next(f);
    else if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_LEFT)
        is_changed = form_left(f);
    else if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_RIGHT)
        is_changed = form_right(f);
    else if (ev->kind == INPUT_KEY && (ev->key == INPUT_KEY_HOME))
        is_changed = form_home(f);
    else if (ev->kind == INPUT_KEY && (ev->key == INPUT_KEY_END))
        is_changed = form_end(f);
    else if ((ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKSPACE) ||
             (ev->kind == INPUT_CHAR && (ev->cp == 127 || ev->cp == 8)))
        is_changed = form_backspace(f);
    else if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_DELETE)
        is_changed = form_delete(f);
    else if (ev->kind == INPUT_CHAR && ev->cp == 21) /* Ctrl-U */
        is_changed = form_kill_to_start(f);
    else if ((ev->kind == INPUT_CHAR && ev->cp == '\t') ||
             (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB)) {
        if (!form_focus_next(f))
            form_focus(f, 0);
        is_changed = true;
    } else if (ev->kind == INPUT_CHAR && ev->cp >= 32 && ev->cp != 127 && !ev->is_alt) {
        char text[4];
        size_t n = utf8_encode(ev->cp, text);
        is_changed = form_insert(f, text, n);
    }
    if (is_changed)
        invalidate(d);
    return true;
}

/* --- filters -------------------------------------------------------------------------------- */

/* Steps a filter to the next choice (none, then each one, then none again). */
static void cycle(char **id, char **title, char *const *ids, char *const *titles, size_t count)
{
    size_t next = 0;
    if (*id) {
        for (size_t i = 0; i < count; i++)
            if (strcmp(ids[i], *id) == 0)
                next = i + 1;
    }
    if (next >= count || (!*id && count == 0)) {
        set_str(id, NULL);
        set_str(title, NULL);
        return;
    }
    set_str(id, ids[next]);
    set_str(title, titles[next]);
}

static void filter_changed(struct department_screen *d, bool is_people_too)
{
    load_overview(d);
    /* the people table narrows its progress to the course or skill; needs attention and the
     * knowledge gaps describe the person and the questions, whatever the filter */
    if (is_people_too)
        load_people(d, false);
    if (d->section == SEC_GAPS || d->gaps)
        load_gaps(d);
}

/* --- keys ----------------------------------------------------------------------------------- */

static void switch_section(struct department_screen *d, int delta)
{
    if (d->is_trainer)
        return;
    d->section = (enum section)(((int)d->section + delta + SEC_COUNT) % SEC_COUNT);
    if (d->section == SEC_GAPS && !d->gaps && !d->c_gaps)
        load_gaps(d);
    invalidate(d);
}

static bool search_key(struct department_screen *d, enum action a, const struct input_event *ev)
{
    if (a == ACTION_CANCEL) {
        d->is_searching = false;
    } else if ((ev->kind == INPUT_CHAR && (ev->cp == '\r' || ev->cp == '\n')) ||
               (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_ENTER)) {
        d->is_searching = false;
        const char *q = buf_str(&d->search_text);
        char *clean = utf8_sanitize_line(q, strlen(q), NULL);
        set_str(&d->search, clean);
        free(clean);
        load_people(d, false);
    } else if ((ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKSPACE) ||
               (ev->kind == INPUT_CHAR && (ev->cp == 127 || ev->cp == 8))) {
        size_t len = d->search_text.len;
        if (len) {
            size_t at = utf8_prev(d->search_text.data, len, len);
            d->search_text.len = at;
            d->search_text.data[at] = '\0';
        }
    } else if (ev->kind == INPUT_CHAR && ev->cp >= 32 && ev->cp != 127 && !ev->is_alt &&
               d->search_text.len < 200) {
        char tmp[4];
        size_t n = utf8_encode(ev->cp, tmp);
        buf_append(&d->search_text, tmp, n);
    }
    invalidate(d);
    return true;
}

static bool chooser_key(struct department_screen *d, enum action a, const struct input_event *ev)
{
    (void)ev;
    if (a == ACTION_CANCEL) {
        d->is_choosing = false;
    } else if (a == ACTION_UP && d->choice_sel > 0) {
        d->choice_sel--;
    } else if (a == ACTION_DOWN && d->choice_sel + 1 < d->choices.count) {
        d->choice_sel++;
    } else if (a == ACTION_OPEN && d->choice_sel < d->choices.count) {
        d->is_choosing = false;
        set_str(&d->department, d->choices.items[d->choice_sel].name);
        /* courses and skills differ from one department to another */
        set_str(&d->course_id, NULL);
        set_str(&d->course_title, NULL);
        set_str(&d->skill_id, NULL);
        set_str(&d->skill_name, NULL);
        department_person_free(d->person);
        d->person = NULL;
        department_people_cleanup(&d->attention);
        d->has_attention = false;
        load_overview(d);
        load_people(d, false);
        load_attention(d);
    }
    invalidate(d);
    return true;
}

static void open_person(struct department_screen *d)
{
    size_t i = table_selected(d->table);
    if (i >= d->people.count || !db_ready(d))
        return;
    cancel(&d->c_person);
    d->c_person = store_department_person(d->ctx->store, d->people.items[i].user_id, on_person, d);
    invalidate(d);
}

static bool person_key(struct department_screen *d, enum action a, const struct input_event *ev)
{
    if (a == ACTION_CANCEL || (ev->kind == INPUT_CHAR && ev->cp == 'q') ||
        (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKSPACE)) {
        department_person_free(d->person);
        d->person = NULL;
        invalidate(d);
        return true;
    }
    if (page_key(&d->person_page, a)) {
        invalidate(d);
        return true;
    }
    return false;
}

static bool people_key(struct department_screen *d, enum action a)
{
    struct list *l = table_list(d->table);
    bool is_moved = false;
    switch (a) {
    case ACTION_UP:
        is_moved = list_up(l);
        break;
    case ACTION_DOWN:
        is_moved = list_down(l);
        break;
    case ACTION_PAGE_UP:
        is_moved = list_page_up(l);
        break;
    case ACTION_PAGE_DOWN:
        is_moved = list_page_down(l);
        break;
    case ACTION_SCROLL_TOP:
        is_moved = list_home(l);
        break;
    case ACTION_SCROLL_BOTTOM:
        is_moved = list_end(l);
        break;
    case ACTION_OPEN:
        open_person(d);
        return true;
    case ACTION_SEARCH:
        d->is_searching = true;
        buf_reset(&d->search_text);
        if (d->search)
            buf_append_str(&d->search_text, d->search);
        invalidate(d);
        return true;
    default:
        return false;
    }
    if (is_moved)
        invalidate(d);
    return true;
}

static bool department_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct department_screen *d = self;
    if (d->export_form)
        return export_key(d, a, ev);
    if (d->is_choosing)
        return chooser_key(d, a, ev);
    if (d->is_searching)
        return search_key(d, a, ev);
    if (d->person)
        return person_key(d, a, ev);
    if (ev->kind == INPUT_KEY && ev->key == INPUT_KEY_BACKTAB) {
        switch_section(d, -1);
        return true;
    }
    if (a == ACTION_REFRESH) {
        if (d->section == SEC_GAPS || d->is_trainer)
            load_gaps(d);
        else
            load_all(d);
        return true;
    }
    if (d->section == SEC_PEOPLE && !d->is_trainer && people_key(d, a))
        return true;
    struct page *pg = d->section == SEC_GAPS || d->is_trainer ? &d->gaps_page : &d->overview_page;
    if (d->section != SEC_PEOPLE && page_key(pg, a)) {
        invalidate(d);
        return true;
    }
    if (ev->kind != INPUT_CHAR || ev->is_alt)
        return false;
    uint32_t c = ev->cp;
    if (c == '\t') {
        switch_section(d, 1);
        return true;
    }
    if (c == 'R' && (d->section == SEC_GAPS || d->is_trainer)) {
        if (!d->c_refresh && db_ready(d)) {
            d->c_refresh = store_department_gaps_refresh(d->ctx->store, on_refreshed, d);
            invalidate(d);
        }
        return true;
    }
    if (c == 'p') {
        d->period = (enum department_period)((d->period + 1) % DEPARTMENT_PERIOD_COUNT);
        if (d->is_trainer)
            load_gaps(d);
        else
            filter_changed(d, false);
        return true;
    }
    if (d->is_trainer)
        return false;
    switch (c) {
    case 'c':
        cycle(&d->course_id, &d->course_title, d->course_ids, d->course_titles, d->course_choices);
        filter_changed(d, true);
        return true;
    case 'k':
        cycle(&d->skill_id, &d->skill_name, d->skill_ids, d->skill_names, d->skill_choices);
        filter_changed(d, true);
        return true;
    case 'x':
        set_str(&d->course_id, NULL);
        set_str(&d->course_title, NULL);
        set_str(&d->skill_id, NULL);
        set_str(&d->skill_name, NULL);
        filter_changed(d, true);
        return true;
    case 'd':
        if (!d->c_list && db_ready(d))
            d->c_list = store_department_list(d->ctx->store, on_list, d);
        invalidate(d);
        return true;
    case 'e':
        export_open(d);
        return true;
    default:
        break;
    }
    if (d->section == SEC_PEOPLE) {
        if (c == 's' || c == 'S') {
            if (c == 's') {
                do
                    d->sort_col = (d->sort_col + 1) % PEOPLE_COLUMNS;
                while (!sort_names[d->sort_col]);
                d->is_descending = false;
            } else {
                d->is_descending = !d->is_descending;
            }
            table_set_sort(d->table, d->sort_col, d->is_descending);
            load_people(d, false);
            return true;
        }
        if (c == 'm' && d->people.count < (size_t)d->people.total) {
            load_people(d, true);
            return true;
        }
    }
    return false;
}

/* --- drawing: overview ------------------------------------------------------------------------ */

static void add_blank(struct page *pg)
{
    page_add(pg, THEME_DEFAULT, -1, "");
}

static void build_headline(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_overview *o = d->overview;
    struct page *pg = &d->overview_page;
    char prev_title[32];
    snprintf(prev_title, sizeof prev_title, "%s",
             d->period == DEPARTMENT_PERIOD_30D ? "previous 30 days"
             : d->period == DEPARTMENT_PERIOD_QUARTER ? "previous quarter"
                                                      : "previous year");
    page_addf(pg, THEME_HEADING, -1, "%-20s %12s  %16s  %s", "", "this period", prev_title,
              "change");
    bool has_hidden = false;
    for (int h = 0; h < DEPARTMENT_HEADLINE_COUNT; h++) {
        const struct department_figure *f = &o->headline[h];
        char value[32], previous[32], trend[48];
        if (f->is_suppressed) {
            has_hidden = true;
            page_addf(pg, THEME_NOTE, -1, "%-20s %12s", department_headline_title(h), "hidden");
            continue;
        }
        department_format_value(h, f->has_value, f->value, value, sizeof value);
        department_format_value(h, f->has_previous, f->previous, previous, sizeof previous);
        department_format_trend(h, f, is_unicode, trend, sizeof trend);
        page_addf(pg, THEME_DEFAULT, -1, "%-20s %12s  %16s  %s", department_headline_title(h),
                  value, previous, trend);
    }
    if (has_hidden)
        page_addf(pg, THEME_NOTE, -1,
                  "hidden: fewer than %d people, so that no one person can be singled out",
                  o->min_group_size > 0 ? o->min_group_size : 5);
    (void)width;
}

static void build_weekly(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_overview *o = d->overview;
    struct page *pg = &d->overview_page;
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Weekly activity, last 12 weeks (learning events)");
    if (o->is_weekly_suppressed) {
        page_addf(pg, THEME_NOTE, -1, "hidden: fewer than %d people in the department",
                  o->min_group_size > 0 ? o->min_group_size : 5);
        return;
    }
    double total = 0;
    for (size_t i = 0; i < DEPARTMENT_WEEKS; i++)
        total += o->week_events[i];
    if (total <= 0) {
        page_add(pg, THEME_NOTE, -1, "No learning activity in the last 12 weeks.");
        return;
    }
    const char *labels[DEPARTMENT_WEEKS];
    char lab[DEPARTMENT_WEEKS][8];
    for (size_t i = 0; i < DEPARTMENT_WEEKS; i++) {
        size_t back = DEPARTMENT_WEEKS - 1 - i;
        snprintf(lab[i], sizeof lab[i], back ? "%zuw" : "now", back);
        labels[i] = lab[i];
    }
    int chart_w = width - 2 < 72 ? width - 2 : 72;
    char *chart = chart_columns(o->week_events, labels, DEPARTMENT_WEEKS, chart_w, 5, is_unicode);
    page_add_lines(pg, THEME_CITATION, -1, chart);
    free(chart);
    char *spark = chart_sparkline(o->week_active, DEPARTMENT_WEEKS, 0, is_unicode);
    page_addf(pg, THEME_DEFAULT, -1, "Active people per week  %s  (this week %.0f)", spark,
              o->week_active[DEPARTMENT_WEEKS - 1]);
    free(spark);
}

static void build_courses(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_overview *o = d->overview;
    struct page *pg = &d->overview_page;
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Completion by course");
    if (o->course_count == 0) {
        page_add(pg, THEME_NOTE, -1, "Nobody in the department has started a course.");
        return;
    }
    int bar_w = width - 18 < 60 ? width - 18 : 60;
    if (bar_w < 20)
        bar_w = width;
    int label_w = bar_w / 2;
    long long now = now_s(d);
    for (size_t i = 0; i < o->course_count; i++) {
        const struct department_course *c = &o->courses[i];
        char due[96] = "";
        if (c->mandatory_due_at) {
            char when[32];
            department_format_when(c->mandatory_due_at, now, when, sizeof when);
            snprintf(due, sizeof due, "  mandatory, due %s", when);
        }
        if (c->is_suppressed) {
            char *name = table_fit_text(c->title, label_w, TABLE_ALIGN_LEFT, is_unicode);
            page_addf(pg, THEME_NOTE, -1, "%s  hidden (fewer than %d learners)%s", name,
                      o->min_group_size > 0 ? o->min_group_size : 5, due);
            free(name);
            continue;
        }
        char *bar = chart_progress(c->title, label_w, c->completion_rate / 100.0, bar_w,
                                   is_unicode);
        page_addf(pg, THEME_DEFAULT, -1, "%s  %d/%d%s", bar, c->completed, c->learners, due);
        free(bar);
    }
}

static void build_matrix(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_overview *o = d->overview;
    struct page *pg = &d->overview_page;
    add_blank(pg);
    if (o->skills_total > o->skill_count)
        page_addf(pg, THEME_HEADING, -1, "Skills coverage (the %zu most held of %zu skills)",
                  o->skill_count, o->skills_total);
    else
        page_add(pg, THEME_HEADING, -1, "Skills coverage (level 1-5 per person)");
    if (o->skill_count == 0 || o->matrix_people_count == 0) {
        page_add(pg, THEME_NOTE, -1, "Nobody in the department has a skill recorded yet.");
        return;
    }
    static const char *const level_names[CHART_LEVEL_MAX + 1] = {"none",    "1 basic",
                                                                 "2",       "3",
                                                                 "4",       "5 expert"};
    const char **cols = xcalloc(o->skill_count, sizeof *cols);
    for (size_t j = 0; j < o->skill_count; j++)
        cols[j] = o->skills[j].name;
    struct chart_matrix m = {.row_labels = (const char *const *)o->matrix_people,
                             .rows = o->matrix_people_count,
                             .col_labels = cols,
                             .cols = o->skill_count,
                             .levels = o->levels,
                             .level_names = level_names};
    char *text = chart_matrix_text(&m, 0, width, (int)o->matrix_people_count + 2, is_unicode);
    page_add_lines(pg, THEME_CITATION, -1, text);
    free(text);
    free(cols);
    /* The department's figures per skill (hidden below the minimum group). */
    struct buf b;
    buf_init(&b, 1u << 16);
    for (size_t j = 0; j < o->skill_count; j++) {
        const struct department_skill *s = &o->skills[j];
        if (j)
            buf_append_str(&b, " \xC2\xB7 ");
        if (s->is_suppressed)
            buf_printf(&b, "%s: hidden", s->name);
        else
            buf_printf(&b, "%s: %d people, avg %.1f", s->name, s->holders, s->avg_level);
    }
    page_add(pg, THEME_NOTE, -1, buf_str(&b));
    buf_cleanup(&b);
}

static void build_pass_rates(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_overview *o = d->overview;
    struct page *pg = &d->overview_page;
    add_blank(pg);
    page_addf(pg, THEME_HEADING, -1, "Pass rates per assessment (%s)",
              department_period_title(d->period));
    if (o->assessment_count == 0) {
        page_add(pg, THEME_NOTE, -1, "No assessment was taken in the period.");
        return;
    }
    int bar_w = width - 26 < 60 ? width - 26 : 60;
    if (bar_w < 20)
        bar_w = width;
    int label_w = bar_w / 2;
    for (size_t i = 0; i < o->assessment_count; i++) {
        const struct department_assessment *a = &o->assessments[i];
        if (a->is_suppressed) {
            char *name = table_fit_text(a->title, label_w, TABLE_ALIGN_LEFT, is_unicode);
            page_addf(pg, THEME_NOTE, -1, "%s  hidden (fewer than %d took it)", name,
                      o->min_group_size > 0 ? o->min_group_size : 5);
            free(name);
            continue;
        }
        char *bar = chart_progress(a->title, label_w, a->pass_rate / 100.0, bar_w, is_unicode);
        page_addf(pg, THEME_DEFAULT, -1, "%s  %d/%d, avg %.0f", bar, a->passed, a->takers,
                  a->avg_score);
        free(bar);
    }
}

static void build_overview(struct department_screen *d, int width, bool is_unicode)
{
    struct page *pg = &d->overview_page;
    page_clear(pg);
    if (d->overview_error) {
        page_add(pg, THEME_ERROR, -1, d->overview_error);
        page_add(pg, THEME_NOTE, -1, "r tries again.");
        if (!d->overview)
            return;
        add_blank(pg);
    }
    if (!d->overview) {
        page_add(pg, THEME_NOTE, -1, "Loading the department\xE2\x80\xA6");
        return;
    }
    build_headline(d, width, is_unicode);
    build_weekly(d, width, is_unicode);
    build_courses(d, width, is_unicode);
    build_matrix(d, width, is_unicode);
    build_pass_rates(d, width, is_unicode);
}

/* --- drawing: people -------------------------------------------------------------------------- */

static const char *people_cell(void *userdata, size_t row, size_t col)
{
    struct department_screen *d = userdata;
    if (row >= d->people.count)
        return "";
    const struct department_person_row *p = &d->people.items[row];
    switch (col) {
    case 0:
        return p->name;
    case 1:
        return p->role;
    case 2:
        if (!p->has_progress)
            return "-";
        snprintf(d->cell, sizeof d->cell, "%.0f %%", p->progress);
        return d->cell;
    case 3:
        if (!p->last_activity)
            return "never";
        department_format_when(p->last_activity, now_s(d), d->cell, sizeof d->cell);
        return d->cell;
    case 4:
        snprintf(d->cell, sizeof d->cell, "%d/%d", p->assessments_passed, p->assessments_taken);
        return d->cell;
    default:
        return department_reasons_short(p, d->cell, sizeof d->cell);
    }
}

static void draw_people(struct department_screen *d, struct render *r,
                        const struct layout_rect *area)
{
    int y = area->y;
    struct buf b;
    buf_init(&b, 1024);
    if (d->is_searching) {
        buf_printf(&b, "Search name, email or role: %s", buf_str(&d->search_text));
        int used = render_text(r, y, area->x, area->w, buf_str(&b), THEME_INPUT);
        render_cursor(r, y, area->x + used);
    } else {
        if (d->has_people)
            buf_printf(&b, "%zu of %ld %s", d->people.count, d->people.total,
                       d->people.total == 1 ? "person" : "people");
        if (d->search)
            buf_printf(&b, " matching \"%s\"", d->search);
        buf_printf(&b, " \xC2\xB7 sorted by %s%s", people_columns[d->sort_col].title,
                   d->is_descending ? ", descending" : "");
        if (d->people.count < (size_t)d->people.total)
            buf_append_str(&b, " \xC2\xB7 m more");
        char *safe = utf8_sanitize_line(buf_str(&b), b.len, NULL);
        render_text(r, y, area->x, area->w, safe, THEME_NOTE);
        free(safe);
    }
    buf_cleanup(&b);
    y++;
    if (d->people_error) {
        render_text(r, y++, area->x, area->w, d->people_error, THEME_ERROR);
        render_text(r, y++, area->x, area->w, "r tries again.", THEME_NOTE);
        return;
    }
    if (!d->has_people) {
        render_text(r, y, area->x, area->w, "Loading the people\xE2\x80\xA6", THEME_NOTE);
        return;
    }
    int left = area->y + area->h - y;
    size_t need = d->attention.count;
    int att_h = 0;
    if (d->has_attention)
        att_h = (int)(need == 0 ? 1 : need) + 2;
    if (att_h > left / 2)
        att_h = left / 2;
    struct layout_rect rect = {.y = y, .x = area->x, .h = left - att_h, .w = area->w};
    if (rect.h >= 2)
        table_draw(d->table, r, &rect, !d->is_searching && !d->export_form && !d->is_choosing);
    y = rect.y + rect.h + 1;
    if (att_h < 2 || y >= area->y + area->h)
        return;
    char title[96];
    snprintf(title, sizeof title, "Needs attention (%zu) \xC2\xB7 not narrowed by the filters",
             need);
    render_text(r, y++, area->x, area->w, title, THEME_HEADING);
    long long now = now_s(d);
    for (size_t i = 0; i < need && y < area->y + area->h; i++) {
        const struct department_person_row *p = &d->attention.items[i];
        struct buf line;
        buf_init(&line, 4096);
        buf_printf(&line, "%s: ", p->name);
        for (size_t k = 0; k < p->reason_count; k++) {
            if (k)
                buf_append_str(&line, "; ");
            department_reason_describe(&p->reasons[k], now, &line);
        }
        char *safe = utf8_sanitize_line(buf_str(&line), line.len, NULL);
        render_text(r, y++, area->x + 1, area->w - 1, safe, THEME_DEFAULT);
        free(safe);
        buf_cleanup(&line);
    }
    if (need == 0)
        render_text(r, y, area->x + 1, area->w - 1,
                    "Nobody: everyone was active in 30 days, with no repeated failure and no "
                    "overdue mandatory course.",
                    THEME_NOTE);
}

/* --- drawing: one person ---------------------------------------------------------------------- */

static void build_person(struct department_screen *d, int width, bool is_unicode)
{
    const struct department_person *p = d->person;
    struct page *pg = &d->person_page;
    page_clear(pg);
    long long now = now_s(d);
    char when[48];
    page_addf(pg, THEME_HEADING, -1, "%s \xC2\xB7 %s \xC2\xB7 %s", p->name, p->role,
              p->department);
    page_addf(pg, THEME_NOTE, -1, "%s", p->email);
    department_format_when(p->last_activity, now, when, sizeof when);
    page_addf(pg, THEME_DEFAULT, -1,
              "%d of %d items completed \xC2\xB7 progress %.0f %% \xC2\xB7 last activity %s",
              p->completed, p->items, p->has_progress ? p->progress : 0.0,
              when[0] ? when : "never");
    page_addf(pg, THEME_DEFAULT, -1,
              "Assessments: %d passed of %d taken \xC2\xB7 questions asked in 30 days: %d "
              "(what they asked is never shown)",
              p->assessments_passed, p->assessments_taken, p->questions_30d);
    if (p->reason_count) {
        add_blank(pg);
        page_add(pg, THEME_HEADING, -1, "Needs attention");
        for (size_t i = 0; i < p->reason_count; i++) {
            struct buf b;
            buf_init(&b, 1024);
            department_reason_describe(&p->reasons[i], now, &b);
            page_addf(pg, THEME_ERROR, -1, "  %s", buf_str(&b));
            buf_cleanup(&b);
        }
    }
    int bar_w = width - 4 < 60 ? width - 4 : 60;
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Courses");
    if (p->course_count == 0)
        page_add(pg, THEME_NOTE, -1, "  none started");
    for (size_t i = 0; i < p->course_count; i++) {
        const struct department_person_course *c = &p->courses[i];
        char *bar = chart_progress(c->title, bar_w / 2, c->progress / 100.0, bar_w, is_unicode);
        char due[96] = "";
        if (c->mandatory_due_at) {
            department_format_when(c->mandatory_due_at, now, when, sizeof when);
            snprintf(due, sizeof due, "  mandatory, due %s", when);
        }
        page_addf(pg, THEME_DEFAULT, -1, "  %s%s", bar, due);
        free(bar);
    }
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Skills (level out of 5)");
    if (p->skill_count == 0)
        page_add(pg, THEME_NOTE, -1, "  none recorded");
    for (size_t i = 0; i < p->skill_count; i++) {
        const struct department_person_skill *s = &p->skills[i];
        char *name = table_fit_text(s->name, bar_w / 2, TABLE_ALIGN_LEFT, is_unicode);
        char *bar = chart_bar(s->level, 5, 10, is_unicode);
        page_addf(pg, THEME_DEFAULT, -1, "  %s  [%s] %d/5  %3.0f %%%s", name, bar, s->level,
                  s->progress, s->is_completed ? "  completed" : "");
        free(name);
        free(bar);
    }
    add_blank(pg);
    page_add(pg, THEME_HEADING, -1, "Assessment results");
    if (p->result_count == 0)
        page_add(pg, THEME_NOTE, -1, "  none yet");
    for (size_t i = 0; i < p->result_count; i++) {
        const struct department_person_result *x = &p->results[i];
        department_format_when(x->completed_at, now, when, sizeof when);
        page_addf(pg, x->is_passed ? THEME_DEFAULT : THEME_ERROR, -1,
                  "  %s  %s %.0f (pass mark %.0f)  %s", x->is_passed ? "passed" : "failed",
                  x->title, x->score, x->passing_score, when);
    }
    size_t shown = 0;
    for (size_t i = 0; i < p->attempt_count; i++) {
        const struct department_person_attempt *t = &p->attempts[i];
        if (!t->is_timed_out)
            continue;
        if (shown++ == 0) {
            add_blank(pg);
            page_add(pg, THEME_HEADING, -1, "Attempts that ran out of time");
        }
        department_format_when(t->started_at, now, when, sizeof when);
        page_addf(pg, THEME_DEFAULT, -1, "  %s  started %s", t->title, when);
    }
}

/* --- drawing: knowledge gaps ------------------------------------------------------------------ */

static void build_gaps(struct department_screen *d, int width, bool is_unicode)
{
    struct page *pg = &d->gaps_page;
    page_clear(pg);
    if (d->gaps_error) {
        page_add(pg, THEME_ERROR, -1, d->gaps_error);
        page_add(pg, THEME_NOTE, -1, "r tries again.");
        if (!d->gaps)
            return;
        add_blank(pg);
    }
    const struct department_gaps *g = d->gaps;
    if (!g) {
        page_add(pg, THEME_NOTE, -1, "Loading the knowledge gaps\xE2\x80\xA6");
        return;
    }
    char when[48];
    department_format_when(g->as_of, now_s(d), when, sizeof when);
    page_addf(pg, THEME_NOTE, -1,
              "Questions asked without a good answer, by topic \xC2\xB7 %s \xC2\xB7 %s",
              strcmp(g->scope, "company") == 0 ? "the whole company" : g->scope,
              department_period_title(d->period));
    int k = g->min_askers > 0 ? g->min_askers : 5;
    if (g->as_of)
        page_addf(pg, THEME_NOTE, -1,
                  "Computed %s (R recomputes) \xC2\xB7 topics asked by %d people or more; no "
                  "question text, no name",
                  when, k);
    else
        page_addf(pg, THEME_NOTE, -1,
                  "Not computed yet: R computes it \xC2\xB7 topics asked by %d people or more; "
                  "no question text, no name",
                  k);
    add_blank(pg);
    if (g->topic_count == 0) {
        page_addf(pg, THEME_DEFAULT, -1,
                  "No knowledge gap: no topic was asked about by %d people or more without a "
                  "good answer.",
                  g->min_askers > 0 ? g->min_askers : 5);
        return;
    }
    for (size_t i = 0; i < g->topic_count; i++) {
        const struct department_gap_topic *t = &g->topics[i];
        char *spark = chart_sparkline(t->by_month, DEPARTMENT_MONTHS, 0, is_unicode);
        struct buf b;
        buf_init(&b, 8192);
        buf_printf(&b, "%s  %d people, %d questions  %s", t->topic, t->askers, t->questions,
                   spark);
        free(spark);
        page_add(pg, THEME_HEADING, -1, buf_str(&b));
        buf_reset(&b);
        if (t->term_count) {
            buf_append_str(&b, "  with: ");
            for (size_t j = 0; j < t->term_count; j++)
                buf_printf(&b, "%s%s", j ? ", " : "", t->terms[j]);
            page_add(pg, THEME_DEFAULT, -1, buf_str(&b));
            buf_reset(&b);
        }
        if (t->department_count) {
            buf_append_str(&b, "  departments: ");
            for (size_t j = 0; j < t->department_count; j++)
                buf_printf(&b, "%s%s %d", j ? " \xC2\xB7 " : "", t->departments[j].department,
                           t->departments[j].askers);
            page_add(pg, THEME_DEFAULT, -1, buf_str(&b));
            buf_reset(&b);
        }
        buf_append_str(&b, "  nearest content: ");
        if (t->nearest_count == 0)
            buf_append_str(&b, "none: write some");
        for (size_t j = 0; j < t->nearest_count; j++)
            buf_printf(&b, "%s%s", j ? " \xC2\xB7 " : "", t->nearest[j]);
        page_add(pg, THEME_NOTE, -1, buf_str(&b));
        if (t->skill_count) {
            buf_reset(&b);
            buf_append_str(&b, "  skills: ");
            for (size_t j = 0; j < t->skill_count; j++)
                buf_printf(&b, "%s%s", j ? ", " : "", t->skills[j]);
            page_add(pg, THEME_NOTE, -1, buf_str(&b));
        }
        buf_cleanup(&b);
    }
    (void)width;
}

/* --- drawing: the frame of the tab ------------------------------------------------------------ */

static void draw_sections(struct department_screen *d, struct render *r,
                          const struct layout_rect *body)
{
    int x = body->x + 1;
    if (d->is_trainer) {
        render_text_attr(r, body->y, x, body->w - 2, "Knowledge gaps (the whole company)",
                         THEME_HEADING, THEME_ATTR_BOLD);
        return;
    }
    for (int v = 0; v < SEC_COUNT; v++) {
        char label[64];
        snprintf(label, sizeof label, v == (int)d->section ? "[%s]" : " %s ", section_titles[v]);
        x += render_text_attr(r, body->y, x, body->x + body->w - x, label,
                              v == (int)d->section ? THEME_HEADING : THEME_NOTE,
                              v == (int)d->section ? THEME_ATTR_BOLD : 0);
        x += 1;
    }
    render_text(r, body->y, x, body->x + body->w - x, "(Tab)", THEME_NOTE);
}

static void draw_filters(struct department_screen *d, struct render *r,
                         const struct layout_rect *body)
{
    struct buf b;
    buf_init(&b, 1024);
    const char *dept = d->overview ? d->overview->department
                       : d->department ? d->department
                       : d->ctx->user && d->ctx->user->department ? d->ctx->user->department
                                                                  : "your department";
    if (d->is_trainer)
        buf_printf(&b, "%s \xC2\xB7 p period", department_period_title(d->period));
    else
        buf_printf(&b, "%s \xC2\xB7 %s (p) \xC2\xB7 course: %s (c) \xC2\xB7 skill: %s (k)", dept,
                   department_period_title(d->period), d->course_title ? d->course_title : "all",
                   d->skill_name ? d->skill_name : "all");
    char *safe = utf8_sanitize_line(buf_str(&b), b.len, NULL);
    render_text(r, body->y + 1, body->x + 1, body->w - 2, safe, THEME_NOTE);
    free(safe);
    buf_cleanup(&b);
}

static void department_draw(void *self, struct render *r, const struct layout_rect *body,
                            unsigned dirty)
{
    (void)dirty;
    struct department_screen *d = self;
    render_fill(r, body, THEME_DEFAULT);
    if (body->h < 4)
        return;
    bool is_unicode = render_is_unicode(r);
    int width = body->w - 2;
    struct layout_rect rest = {body->y + 2, body->x + 1, body->h - 2, body->w - 2};
    if (d->person) {
        render_text_attr(r, body->y, body->x + 1, body->w - 2, "Person (Esc: back to the table)",
                         THEME_HEADING, THEME_ATTR_BOLD);
        build_person(d, width, is_unicode);
        struct layout_rect pr = {body->y + 1, body->x, body->h - 1, body->w};
        page_draw(&d->person_page, r, &pr, true);
        return;
    }
    draw_sections(d, r, body);
    draw_filters(d, r, body);
    if (d->is_trainer || d->section == SEC_GAPS) {
        build_gaps(d, width, is_unicode);
        struct layout_rect pr = {rest.y, body->x, rest.h, body->w};
        page_draw(&d->gaps_page, r, &pr, true);
    } else if (d->section == SEC_OVERVIEW) {
        build_overview(d, width, is_unicode);
        struct layout_rect pr = {rest.y, body->x, rest.h, body->w};
        page_draw(&d->overview_page, r, &pr, true);
    } else {
        draw_people(d, r, &rest);
    }
}

static bool department_draw_overlay(void *self, struct render *r, int rows, int cols)
{
    struct department_screen *d = self;
    if (d->export_form) {
        int w = cols - 4 < 72 ? cols - 4 : 72;
        int h = 4;
        struct layout_rect box = {(rows - h) / 2, (cols - w) / 2, h, w};
        render_box(r, &box, "Export the report as CSV (mode 0600)",
                   "Enter write \xC2\xB7 Tab next field \xC2\xB7 Esc cancel", THEME_DEFAULT);
        struct layout_rect inner = {box.y + 1, box.x + 2, box.h - 2, box.w - 4};
        form_draw(d->export_form, r, &inner, true);
        return true;
    }
    if (d->is_choosing) {
        const char **items = xcalloc(d->choices.count + 1, sizeof *items);
        char **owned = xcalloc(d->choices.count + 1, sizeof *owned);
        for (size_t i = 0; i < d->choices.count; i++) {
            owned[i] = xasprintf("%s (%d %s)", d->choices.items[i].name,
                                 d->choices.items[i].people,
                                 d->choices.items[i].people == 1 ? "person" : "people");
            items[i] = owned[i];
        }
        render_list_overlay(r, rows, cols,
                            d->is_admin ? "Department" : "Department (yours only)", items,
                            d->choices.count, d->choice_sel, "Enter choose \xC2\xB7 Esc cancel");
        for (size_t i = 0; i < d->choices.count; i++)
            free(owned[i]);
        free(owned);
        free(items);
        return true;
    }
    return false;
}

/* --- hooks ------------------------------------------------------------------------------------ */

/* The role as the database last said (it can change when the connection comes back). */
static void take_role(struct department_screen *d)
{
    unsigned role = d->ctx->user ? d->ctx->user->role_bit : 0;
    bool was_trainer = d->is_trainer;
    d->is_trainer = role == SCREEN_ROLE_TRAINER;
    d->is_admin = role == SCREEN_ROLE_ADMIN;
    if (d->is_trainer)
        d->section = SEC_GAPS;
    else if (was_trainer)
        d->section = SEC_OVERVIEW;
}

static void department_on_enter(void *self, const char *arg)
{
    (void)arg;
    struct department_screen *d = self;
    take_role(d);
    if (d->is_trainer) {
        if (!d->gaps && !d->c_gaps)
            load_gaps(d);
        return;
    }
    if (!d->overview && !d->c_overview)
        load_all(d);
}

static void department_on_connection(void *self)
{
    struct department_screen *d = self;
    if (!d->ctx->is_db_up) {
        /* calls on the old connection are gone */
        cancel(&d->c_overview);
        cancel(&d->c_people);
        cancel(&d->c_attention);
        cancel(&d->c_person);
        cancel(&d->c_gaps);
        cancel(&d->c_list);
        cancel(&d->c_export);
        cancel(&d->c_refresh);
        return;
    }
    if (d->is_trainer ? !d->gaps : !d->overview || d->overview_error)
        load_all(d);
}

static void department_activity(void *self, struct buf *out)
{
    struct department_screen *d = self;
    if (d->c_refresh)
        buf_append_str(out, "refreshing\xE2\x80\xA6");
    else if (d->c_export)
        buf_append_str(out, "exporting\xE2\x80\xA6");
    else if (d->c_overview || d->c_people || d->c_attention || d->c_person || d->c_gaps ||
             d->c_list)
        buf_append_str(out, "loading\xE2\x80\xA6");
}

static const char *department_hints(void *self)
{
    struct department_screen *d = self;
    if (d->export_form)
        return "Enter write \xC2\xB7 Esc cancel";
    if (d->person)
        return "Esc back \xC2\xB7 F1 keys";
    if (d->is_trainer || d->section == SEC_GAPS)
        return "R recompute \xC2\xB7 p period \xC2\xB7 F1 keys";
    if (d->section == SEC_PEOPLE)
        return "Enter person \xC2\xB7 / find \xC2\xB7 s sort \xC2\xB7 F1 keys";
    return "Tab \xC2\xB7 p c k filter \xC2\xB7 e export \xC2\xB7 F1 keys";
}

static bool department_is_busy(void *self)
{
    struct department_screen *d = self;
    return d->c_overview || d->c_people || d->c_attention || d->c_person || d->c_gaps ||
           d->c_list || d->c_export || d->c_refresh;
}

static bool department_can_leave(void *self, const char **question)
{
    (void)self;
    (void)question;
    return true;
}

static void department_free(void *self)
{
    struct department_screen *d = self;
    cancel(&d->c_overview);
    cancel(&d->c_people);
    cancel(&d->c_attention);
    cancel(&d->c_person);
    cancel(&d->c_gaps);
    cancel(&d->c_list);
    cancel(&d->c_export);
    cancel(&d->c_refresh);
    export_close(d);
    free(d->department);
    free(d->course_id);
    free(d->course_title);
    free(d->skill_id);
    free(d->skill_name);
    strings_free(d->course_ids, d->course_choices);
    strings_free(d->course_titles, d->course_choices);
    strings_free(d->skill_ids, d->skill_choices);
    strings_free(d->skill_names, d->skill_choices);
    department_overview_free(d->overview);
    free(d->overview_error);
    page_cleanup(&d->overview_page);
    department_people_cleanup(&d->people);
    department_people_cleanup(&d->attention);
    free(d->people_error);
    table_free(d->table);
    free(d->search);
    buf_cleanup(&d->search_text);
    department_person_free(d->person);
    page_cleanup(&d->person_page);
    department_gaps_free(d->gaps);
    free(d->gaps_error);
    page_cleanup(&d->gaps_page);
    department_list_cleanup(&d->choices);
    free(d->export_path);
    free(d);
}

static const char *const department_help[] = {
    "Tab, Shift-Tab", "Next / previous section: Overview, People, Knowledge gaps",
    "p", "Period: last 30 days, quarter, year (each against the one before)",
    "c / k", "Filter by the next course / skill (after the last: all)",
    "x", "Clear the course and skill filters",
    "d", "Choose the department (admins: any; HR managers: their own)",
    "e", "Export the report (figures and people) to a CSV file, mode 0600",
    "r", "Load again",
    "Enter", "People: the selected person's progress, skills and results",
    "/", "People: find by name, email or role (Enter applies, empty clears)",
    "s / S", "People: sort by the next column / reverse the order",
    "m", "People: load the next page",
    "R", "Knowledge gaps: recompute them now (may take a while on a big company)",
    NULL,
};

static const struct screen_ops department_ops = {
    .free = department_free,
    .on_enter = department_on_enter,
    .can_leave = department_can_leave,
    .on_key = department_on_key,
    .on_connection = department_on_connection,
    .draw = department_draw,
    .draw_overlay = department_draw_overlay,
    .activity = department_activity,
    .hints = department_hints,
    .is_busy = department_is_busy,
    .help = department_help,
};

struct screen screen_department_new(struct screen_ctx *ctx);

struct screen screen_department_new(struct screen_ctx *ctx)
{
    struct department_screen *d = xcalloc(1, sizeof *d);
    d->ctx = ctx;
    take_role(d);
    page_init(&d->overview_page);
    page_init(&d->person_page);
    page_init(&d->gaps_page);
    buf_init(&d->search_text, 1024);
    d->table = table_new(people_columns, PEOPLE_COLUMNS, people_cell, d);
    table_set_empty_text(d->table, "Nobody matches.");
    table_set_sort(d->table, 0, false);
    return (struct screen){.ops = &department_ops, .self = d};
}

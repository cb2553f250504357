/* app: the frame of the full-screen assistant. Owns the loop wiring (stdin, signal pipe,
 * timers, the before-sleep paint), the database connection and its reconnect backoff, the
 * header, the tab bar, the status bar, the help and confirm overlays, and switching between
 * the screens of tui/screens.def that the user's role (from the database) has. Screens own
 * their bodies. Never exits on an error: problems become status messages. */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/llm.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/rag.h"
#include "core/store.h"
#include "core/uiclock.h"
#include "core/unsent.h"
#include "core/utf8.h"
#include "tui/headless.h"
#include "tui/input.h"
#include "tui/keymap.h"
#include "tui/layout.h"
#include "tui/render.h"
#include "tui/screen.h"
#include "tui/term.h"
#include "tui/theme.h"
#include "tui/tui.h"

#define REPAINT_MERGE_MS 30
#define STATUS_MESSAGE_MS 6000
#define TICK_MS 250
#define RECONNECT_FIRST_MS 1000
#define RECONNECT_MAX_MS 30000
#define QUIT_CONFIRM_MS 2000
#define MAX_SCREENS 16

struct app {
    tui_open_store_fn open_store;
    struct config *cfg;
    struct loop *loop;
    struct term *term;
    struct render *render;

    struct screen_ctx ctx;
    struct keymap *keymap;
    /* The screens this user has, in tab order; instances are made on first visit. */
    const struct screen_entry *entries[MAX_SCREENS];
    struct screen screens[MAX_SCREENS];
    size_t screen_count, active;
    unsigned role_bit; /* 0 until the database said who this is */
    struct screen_user user;
    char *user_id, *user_name, *user_role, *user_dept;

    struct store *store;
    struct rag *rag;
    struct llm *llm;
    char *llm_error;
    char *user_line; /* header: name · role · department */
    char *user_email; /* status bar: who this session acts as (sanitised), may be NULL */
    char db_error[512];
    int64_t reconnect_delay_ms;
    uint64_t reconnect_timer;
    int64_t reconnect_at_ms;

    unsigned dirty;
    unsigned soon_dirty;
    uint64_t soon_timer;
    int rows, cols;
    struct layout_frame frame;
    bool has_layout;

    bool is_help_open;
    int help_scroll;
    struct render_help_line *help;
    size_t help_count;
    char **help_keys; /* owned strings behind help[].keys */
    /* A question before leaving a screen: pending_tab (or quitting when SIZE_MAX). */
    const char *confirm;
    size_t pending_tab;
    char *message;
    bool is_message_error;
    uint64_t message_timer;
    int64_t last_interrupt_ms;

    FILE *trace;        /* CCA_BENCH_TRACE: paint and echo timings */
    int64_t start_us;
    bool has_painted;
    bool is_ready_paint_pending; /* the first paint after connecting */
    int64_t key_us;     /* when the first unpainted key arrived, 0 if none */
    int64_t switch_us;  /* when the active tab changed, until its first idle paint; 0 if none */

    struct headless *headless; /* screen tests and smoke runs, else NULL */
    char busy_why[128];
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- dirty regions and messages ------------------------------------------------------------- */

static void invalidate(void *userdata, unsigned dirty)
{
    struct app *a = userdata;
    a->dirty |= dirty;
}

static void on_soon(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct app *a = userdata;
    a->soon_timer = 0;
    a->dirty |= a->soon_dirty;
    a->soon_dirty = 0;
}

static void invalidate_soon(void *userdata, unsigned dirty)
{
    struct app *a = userdata;
    a->soon_dirty |= dirty;
    if (!a->soon_timer)
        a->soon_timer = loop_timer_add(a->loop, REPAINT_MERGE_MS, 0, on_soon, a);
}

static void on_message_expired(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct app *a = userdata;
    a->message_timer = 0;
    free(a->message);
    a->message = NULL;
    a->dirty |= SCREEN_DIRTY_STATUS;
}

static void report(void *userdata, bool is_error, const char *msg)
{
    struct app *a = userdata;
    free(a->message);
    a->message = utf8_sanitize(msg, strlen(msg), NULL);
    for (char *p = a->message; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    a->is_message_error = is_error;
    if (a->message_timer)
        loop_timer_cancel(a->loop, a->message_timer);
    a->message_timer = loop_timer_add(a->loop, STATUS_MESSAGE_MS, 0, on_message_expired, a);
    a->dirty |= SCREEN_DIRTY_STATUS;
    if (is_error)
        log_warn("tui: %s", msg);
}

static bool copy_text(void *userdata, const char *text, size_t len)
{
    struct app *a = userdata;
    return term_copy_to_clipboard(a->term, text, len) == ERR_OK;
}

/* --- the database --------------------------------------------------------------------------- */

static void user_clear(struct app *a)
{
    free(a->user_id);
    free(a->user_name);
    free(a->user_role);
    free(a->user_dept);
    a->user_id = a->user_name = a->user_role = a->user_dept = NULL;
}

static char *clean_dup(const char *s)
{
    return s ? utf8_sanitize_line(s, strlen(s), NULL) : NULL;
}

static void screens_for_role(struct app *a);

/* Who this is, from the database; the header line and the tabs follow from it. */
static void set_user_line(struct app *a)
{
    free(a->user_line);
    a->user_line = NULL;
    free(a->user_email);
    a->user_email = NULL;
    struct store_user u = {0};
    if (a->store && store_whoami(a->store, &u) == ERR_OK) {
        if (u.email)
            a->user_email = clean_dup(u.email);
        user_clear(a);
        a->user_id = clean_dup(u.id);
        a->user_name = clean_dup(u.name);
        a->user_role = clean_dup(u.role);
        a->user_dept = clean_dup(u.department);
        a->role_bit = screen_role_from_name(u.role);
        struct buf b;
        buf_init(&b, 1024);
        buf_append_str(&b, u.name && u.name[0] ? u.name : (u.email ? u.email : "?"));
        if (u.role)
            buf_printf(&b, " \xC2\xB7 %s", u.role);
        if (u.department && u.department[0])
            buf_printf(&b, " \xC2\xB7 %s", u.department);
        a->user_line = utf8_sanitize_line(b.data, b.len, NULL);
        buf_cleanup(&b);
        store_user_cleanup(&u);
        a->user = (struct screen_user){.id = a->user_id,
                                       .email = a->user_email,
                                       .name = a->user_name,
                                       .role = a->user_role,
                                       .department = a->user_dept,
                                       .role_bit = a->role_bit};
        screens_for_role(a);
        return;
    }
    store_user_cleanup(&u);
    const char *who = a->cfg->user ? a->cfg->user : "database login";
    a->user_line = utf8_sanitize(who, strlen(who), NULL);
    if (a->cfg->user)
        a->user_email = utf8_sanitize(a->cfg->user, strlen(a->cfg->user), NULL);
}

static void notify_screens(struct app *a)
{
    a->ctx.store = a->store;
    a->ctx.rag = a->rag;
    a->ctx.is_db_up = a->store && a->rag && store_is_connected(a->store);
    a->ctx.db_error = a->db_error[0] ? a->db_error : NULL;
    for (size_t i = 0; i < a->screen_count; i++)
        if (a->screens[i].ops && a->screens[i].ops->on_connection)
            a->screens[i].ops->on_connection(a->screens[i].self);
    a->dirty |= SCREEN_DIRTY_ALL;
}

static void schedule_reconnect(struct app *a);

/* Connects (blocking, bounded by the connect timeout) and builds the pipeline. */
static bool try_connect(struct app *a)
{
    char err[512] = "";
    if (!a->store) {
        if (a->open_store(a->cfg, &a->store, err, sizeof err) != ERR_OK) {
            a->store = NULL;
            snprintf(a->db_error, sizeof a->db_error, "%s", err[0] ? err : "cannot connect");
            return false;
        }
        /* Screens' queries run on the loop, never between a key and its echo. */
        store_attach_loop(a->store, a->loop);
    } else if (!store_is_connected(a->store)) {
        enum err e = store_reconnect(a->store);
        if (e != ERR_OK) {
            snprintf(a->db_error, sizeof a->db_error, "%s: %s", err_str(e),
                     store_errmsg(a->store));
            return false;
        }
    }
    if (!a->rag) {
        enum err e = rag_new(a->cfg, a->loop, a->store, a->llm, &a->rag, err, sizeof err);
        if (e != ERR_OK) {
            a->rag = NULL;
            snprintf(a->db_error, sizeof a->db_error, "%s", err[0] ? err : err_str(e));
            return false;
        }
    }
    a->db_error[0] = '\0';
    a->reconnect_delay_ms = RECONNECT_FIRST_MS;
    set_user_line(a);
    return true;
}

/* Questions kept in the unsent file while the database was down. */
static size_t unsent_waiting(const char *user)
{
    struct unsent_entry *e = NULL;
    size_t n = 0, waiting = 0;
    if (unsent_load(&e, &n) != ERR_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].kind, "question") == 0 && unsent_entry_is_from(&e[i], user))
            waiting++;
    unsent_entries_free(e, n);
    return waiting;
}

/* The database is reachable (again): say so, and what is waiting to be asked. */
static void report_db_up(struct app *a, bool was_down)
{
    size_t waiting = unsent_waiting(a->cfg->user);
    if (waiting == 0) {
        if (was_down)
            report(a, false, "The database is back.");
        return;
    }
    /* Short enough for the status bar of an 80-column terminal. */
    char *m = xasprintf("%s%zu unsent question%s: Ctrl-R or `cca unsent --send`",
                        was_down ? "Database back \xC2\xB7 " : "", waiting,
                        waiting == 1 ? "" : "s");
    report(a, false, m);
    free(m);
}

static void on_reconnect(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct app *a = userdata;
    a->reconnect_timer = 0;
    bool was_down = !a->ctx.is_db_up;
    if (try_connect(a)) {
        notify_screens(a);
        if (was_down)
            report_db_up(a, true);
    } else {
        char *clean = utf8_sanitize(a->db_error, strlen(a->db_error), NULL);
        log_warn("tui: database still unreachable: %s", clean);
        free(clean);
        notify_screens(a);
        schedule_reconnect(a);
    }
}

static void schedule_reconnect(struct app *a)
{
    if (a->reconnect_timer)
        return;
    a->reconnect_timer = loop_timer_add(a->loop, a->reconnect_delay_ms, 0, on_reconnect, a);
    a->reconnect_at_ms = uiclock_now_ms() + a->reconnect_delay_ms;
    a->reconnect_delay_ms *= 2;
    if (a->reconnect_delay_ms > RECONNECT_MAX_MS)
        a->reconnect_delay_ms = RECONNECT_MAX_MS;
    a->dirty |= SCREEN_DIRTY_STATUS;
}

static void db_lost(void *userdata)
{
    struct app *a = userdata;
    if (a->store && store_is_connected(a->store) && a->rag)
        return;
    if (!a->db_error[0] && a->store)
        snprintf(a->db_error, sizeof a->db_error, "%s", store_errmsg(a->store));
    a->ctx.is_db_up = false;
    schedule_reconnect(a);
}

/* --- screens -------------------------------------------------------------------------------- */

/* The active screen, made on its first visit. */
static struct screen *screen_at(struct app *a, size_t i)
{
    if (!a->screens[i].ops)
        a->screens[i] = a->entries[i]->create(&a->ctx);
    return &a->screens[i];
}

static struct screen *active(struct app *a)
{
    return screen_at(a, a->active);
}

/* The tabs of the user's role; the chat (first in the registry) is always there, also before
 * the database has said who the user is. Screens already made keep their state. */
static void screens_for_role(struct app *a)
{
    size_t n;
    const struct screen_entry *reg = screen_registry(&n);
    const struct screen_entry *was_active = a->screen_count ? a->entries[a->active] : NULL;
    struct screen old[MAX_SCREENS];
    const struct screen_entry *old_entries[MAX_SCREENS];
    size_t old_count = a->screen_count;
    memcpy(old, a->screens, sizeof old);
    memcpy(old_entries, a->entries, sizeof old_entries);
    a->screen_count = 0;
    a->active = 0;
    for (size_t i = 0; i < n && a->screen_count < MAX_SCREENS; i++) {
        bool is_visible = i == 0 || (a->role_bit & reg[i].roles);
        if (!is_visible)
            continue;
        size_t k = a->screen_count++;
        a->entries[k] = &reg[i];
        a->screens[k] = (struct screen){0};
        for (size_t o = 0; o < old_count; o++) {
            if (old_entries[o] == &reg[i]) {
                a->screens[k] = old[o];
                old[o].ops = NULL;
            }
        }
        if (&reg[i] == was_active)
            a->active = k;
    }
    for (size_t o = 0; o < old_count; o++)
        if (old[o].ops)
            old[o].ops->free(old[o].self);
    a->dirty |= SCREEN_DIRTY_ALL;
}

static size_t find_tab(struct app *a, const char *name)
{
    for (size_t i = 0; i < a->screen_count; i++)
        if (strcmp(a->entries[i]->name, name) == 0)
            return i;
    return SIZE_MAX;
}

static void help_free(struct app *a);

/* Switches without asking; arg goes to the screen's on_enter. */
static void switch_to(struct app *a, size_t tab, const char *arg)
{
    if (tab >= a->screen_count)
        return;
    if (tab != a->active) {
        struct screen *from = active(a);
        if (from->ops->on_leave)
            from->ops->on_leave(from->self);
    }
    a->active = tab;
    if (a->trace)
        a->switch_us = now_us();
    struct screen *to = active(a);
    if (to->ops->on_enter)
        to->ops->on_enter(to->self, arg);
    help_free(a);
    a->is_help_open = false;
    a->dirty = SCREEN_DIRTY_ALL;
}

/* Switches, or asks first when the screen would rather not be left (a running assessment). */
static void request_tab(struct app *a, size_t tab)
{
    if (tab >= a->screen_count || tab == a->active)
        return;
    struct screen *from = active(a);
    const char *question = NULL;
    if (from->ops->can_leave && !from->ops->can_leave(from->self, &question)) {
        a->confirm = question ? question : "Leave this screen?";
        a->pending_tab = tab;
        a->dirty = SCREEN_DIRTY_ALL;
        return;
    }
    switch_to(a, tab, NULL);
}

static bool open_screen(void *userdata, const char *name, const char *arg)
{
    struct app *a = userdata;
    size_t tab = find_tab(a, name);
    if (tab == SIZE_MAX)
        return false;
    switch_to(a, tab, arg);
    return true;
}

static void resize(struct app *a);

static enum err run_with_terminal(void *userdata, const char *command, const char *path,
                                  int *exit_status, char *err, size_t errlen)
{
    struct app *a = userdata;
    /* exec: the editor itself is the child, so its Ctrl-Z reaches term_run's waitpid */
    char *script = xasprintf("exec %s \"$1\"", command);
    const char *argv[] = {"/bin/sh", "-c", script, "sh", path, NULL};
    enum err e = term_run(a->term, argv, exit_status, err, errlen);
    free(script);
    render_force_full(a->render);
    resize(a);
    return e;
}

static void on_tick(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct app *a = userdata;
    struct screen *s = active(a);
    if ((s->ops->is_busy && s->ops->is_busy(s->self)) || a->reconnect_timer)
        a->dirty |= SCREEN_DIRTY_STATUS;
    if (s->ops->on_tick)
        s->ops->on_tick(s->self, uiclock_now_ms());
    /* A connection that dropped while idle shows up here, not only on the next question. */
    if (a->store && a->ctx.is_db_up && !store_is_connected(a->store)) {
        a->ctx.is_db_up = false;
        snprintf(a->db_error, sizeof a->db_error, "%s", store_errmsg(a->store));
        schedule_reconnect(a);
    }
}

/* --- help ----------------------------------------------------------------------------------- */

static void help_free(struct app *a)
{
    for (size_t i = 0; i < a->help_count; i++)
        free(a->help_keys[i]);
    free(a->help_keys);
    free(a->help);
    a->help = NULL;
    a->help_keys = NULL;
    a->help_count = 0;
}

static void help_add(struct app *a, size_t *cap, const char *keys, const char *text, bool own)
{
    if (a->help_count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        a->help = xrealloc(a->help, *cap * sizeof *a->help);
        a->help_keys = xrealloc(a->help_keys, *cap * sizeof *a->help_keys);
    }
    a->help_keys[a->help_count] = own ? (char *)keys : NULL;
    a->help[a->help_count++] = (struct render_help_line){keys, text};
}

static bool is_unused(const struct screen *s, enum action action)
{
    for (const enum action *u = s->ops->unused; u && *u != ACTION_NONE; u++)
        if (*u == action)
            return true;
    return false;
}

/* The help of the active screen, generated from the bindings of its scopes, the screen's own
 * keys first, so the help and the keys can never disagree. */
static void help_build(struct app *a)
{
    help_free(a);
    size_t cap = 0;
    const struct screen_entry *e = a->entries[a->active];
    struct screen *s = active(a);
    static const struct {
        enum action_scope scope;
        const char *title;
    } sections[] = {
        {ACTION_SCOPE_CHAT, "Chat"},
        {ACTION_SCOPE_LIST, "Lists"},
        {ACTION_SCOPE_EDITOR, "Editing text"},
        {ACTION_SCOPE_GENERIC, "Everywhere"},
    };
    if (s->ops->help && s->ops->help[0]) {
        help_add(a, &cap, NULL, "On this screen", false);
        for (size_t i = 0; s->ops->help[i] && s->ops->help[i + 1]; i += 2)
            help_add(a, &cap, s->ops->help[i], s->ops->help[i + 1], false);
    }
    size_t n;
    const struct action_info *all = actions_all(&n);
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        if (!((e->scopes | ACTION_SCOPE_GENERIC) & sections[k].scope))
            continue;
        help_add(a, &cap, NULL, sections[k].title, false);
        for (size_t i = 1; i < n; i++) {
            if (all[i].scope != sections[k].scope || is_unused(s, all[i].action))
                continue;
            char keys[96];
            keymap_describe(a->keymap, all[i].action, keys, sizeof keys);
            if (!keys[0])
                continue;
            help_add(a, &cap, xstrdup(keys), all[i].help, true);
        }
    }
}

/* --- painting ------------------------------------------------------------------------------- */

static void status_text(struct app *a, struct render_status *st, struct buf *db,
                        struct buf *activity)
{
    struct screen *s = active(a);
    if (a->ctx.is_db_up) {
        buf_append_str(db, "\xE2\x97\x8F database");
        st->db_role = THEME_STATUS_OK;
    } else {
        buf_append_str(db, "\xE2\x97\x8B database down");
        if (a->reconnect_timer) {
            int64_t left = a->reconnect_at_ms - uiclock_now_ms();
            buf_printf(db, ", retrying in %lld s", (long long)(left > 0 ? (left + 999) / 1000 : 0));
        }
        st->db_role = THEME_STATUS_ERROR;
    }
    st->db = buf_str(db);
    st->model = a->llm ? llm_model(a->llm) : "offline (no LLM)";
    if (s->ops->activity)
        s->ops->activity(s->self, activity);
    st->activity = activity->len ? buf_str(activity) : NULL;
    if (a->message) {
        st->message = a->message;
        st->is_message_error = a->is_message_error;
    } else if (!a->ctx.is_db_up && a->db_error[0]) {
        st->message = a->db_error;
        st->is_message_error = true;
    }
    /* Who this session acts as, unless a report or an activity needs the room. */
    if (a->user_email && !st->message && !st->activity) {
        buf_printf(db, " \xC2\xB7 %s", a->user_email);
        st->db = buf_str(db);
    }
    st->hints = s->ops->hints ? s->ops->hints(s->self) : "F1 keys \xC2\xB7 Ctrl-Q quit";
    /* A message that would be cut short takes the hints' place until it expires. */
    if (st->message && st->hints) {
        const char *parts[] = {st->db, st->model, st->activity, st->message, st->hints};
        size_t need = 2;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            if (parts[i] && parts[i][0])
                need += utf8_width(parts[i], strlen(parts[i])) + 3;
        if (need > (size_t)(a->cols > 0 ? a->cols : 0))
            st->hints = NULL;
    }
}

static void paint(struct loop *loop, void *userdata)
{
    (void)loop;
    struct app *a = userdata;
    if (!a->dirty || !a->render)
        return;
    int64_t t0 = now_us();
    struct render *r = a->render;
    unsigned dirty = a->dirty;
    a->dirty = 0;
    struct layout_frame f;
    layout_frame_compute(a->rows, a->cols, &f);
    if (f.is_too_small) {
        render_too_small(r, a->rows, a->cols, LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS);
        render_present(r);
        a->has_layout = false;
        if (a->headless)
            headless_on_frame(a->headless);
        return;
    }
    if (!a->has_layout || memcmp(&f, &a->frame, sizeof f) != 0)
        dirty = SCREEN_DIRTY_ALL;
    a->frame = f;
    a->has_layout = true;
    if (dirty == SCREEN_DIRTY_ALL)
        render_erase(r);
    if (dirty & SCREEN_DIRTY_HEADER)
        render_header(r, &f.header, "CCA \xC2\xB7 Contextual Corporate Assistant",
                      a->user_line ? a->user_line : "");
    if (dirty & (SCREEN_DIRTY_HEADER | SCREEN_DIRTY_TABS)) {
        const char *names[MAX_SCREENS];
        for (size_t i = 0; i < a->screen_count; i++)
            names[i] = a->entries[i]->title;
        render_tabs(r, &f.tabs, names, a->screen_count, a->active);
    }
    struct screen *s = active(a);
    unsigned body = dirty == SCREEN_DIRTY_ALL ? SCREEN_DIRTY_ALL : dirty & ~0xffu;
    if (dirty & SCREEN_DIRTY_BODY)
        body = SCREEN_DIRTY_ALL;
    s->ops->draw(s->self, r, &f.body, body);
    {
        struct render_status st = {0};
        struct buf db, activity;
        buf_init(&db, 1024);
        buf_init(&activity, 1024);
        status_text(a, &st, &db, &activity);
        render_status(r, &f.status, &st);
        buf_cleanup(&db);
        buf_cleanup(&activity);
    }
    /* Overlays go on top of whatever was redrawn beneath them; whoever closes one marks
     * everything dirty so the cells it covered come back. */
    if (s->ops->draw_overlay)
        s->ops->draw_overlay(s->self, r, a->rows, a->cols);
    if (a->is_help_open) {
        char title[96];
        snprintf(title, sizeof title, "Keys \xC2\xB7 %s", a->entries[a->active]->title);
        render_help(r, a->rows, a->cols, title, a->help, a->help_count, a->help_scroll);
    }
    if (a->confirm)
        render_confirm(r, a->rows, a->cols, "Are you sure?", a->confirm,
                       "y yes \xC2\xB7 n or Esc no");
    render_present(r);
    if (a->trace) {
        int64_t t1 = now_us();
        if (!a->has_painted)
            fprintf(a->trace, "first_paint_ms %.1f\n", (double)(t1 - a->start_us) / 1000.0);
        if (a->is_ready_paint_pending)
            fprintf(a->trace, "ready_paint_ms %.1f\n", (double)(t1 - a->start_us) / 1000.0);
        if (a->key_us)
            fprintf(a->trace, "echo_us %lld\n", (long long)(t1 - a->key_us));
        fprintf(a->trace, "paint_us %lld\n", (long long)(t1 - t0));
        /* A tab is ready when it painted with nothing in flight (its data has arrived). */
        if (a->switch_us && !(s->ops->is_busy && s->ops->is_busy(s->self))) {
            fprintf(a->trace, "tab_ready_ms %s %.1f\n", a->entries[a->active]->name,
                    (double)(t1 - a->switch_us) / 1000.0);
            a->switch_us = 0;
        }
        fflush(a->trace);
    }
    a->has_painted = true;
    a->is_ready_paint_pending = false;
    a->key_us = 0;
    if (a->headless)
        headless_on_frame(a->headless);
}

/* --- input ---------------------------------------------------------------------------------- */

static void quit(struct app *a)
{
    loop_stop(a->loop);
}

/* Quits, or asks first when the active screen would rather not be left. */
static void request_quit(struct app *a)
{
    struct screen *s = active(a);
    const char *question = NULL;
    if (s->ops->can_leave && !s->ops->can_leave(s->self, &question)) {
        a->confirm = question ? question : "Quit CCA?";
        a->pending_tab = SIZE_MAX;
        a->dirty = SCREEN_DIRTY_ALL;
        return;
    }
    quit(a);
}

static void resize(struct app *a)
{
    term_update_size(a->term, &a->rows, &a->cols);
    a->has_layout = false;
    a->dirty = SCREEN_DIRTY_ALL;
}

static void open_help(struct app *a)
{
    help_build(a);
    a->is_help_open = true;
    a->help_scroll = 0;
    a->dirty = SCREEN_DIRTY_ALL;
}

static bool help_key(struct app *a, enum action act, const struct input_event *ev)
{
    int inner = a->rows - 4;
    int max_scroll = render_help_rows(a->rows, a->cols, a->help, a->help_count) -
                     (inner > 1 ? inner : 1);
    switch (act) {
    case ACTION_UP:
    case ACTION_SCROLL_UP:
        if (a->help_scroll > 0)
            a->help_scroll--;
        break;
    case ACTION_DOWN:
    case ACTION_SCROLL_DOWN:
        if (a->help_scroll < max_scroll)
            a->help_scroll++;
        break;
    case ACTION_PAGE_DOWN:
        a->help_scroll += inner;
        if (a->help_scroll > max_scroll)
            a->help_scroll = max_scroll > 0 ? max_scroll : 0;
        break;
    case ACTION_PAGE_UP:
        a->help_scroll -= inner;
        if (a->help_scroll < 0)
            a->help_scroll = 0;
        break;
    case ACTION_QUIT:
        request_quit(a);
        a->is_help_open = false;
        break;
    case ACTION_REDRAW:
        render_force_full(a->render);
        break;
    default:
        if (act == ACTION_NONE && !(ev->kind == INPUT_CHAR && (ev->cp == 'q' || ev->cp == '?')))
            return true;
        a->is_help_open = false;
        break;
    }
    a->dirty = SCREEN_DIRTY_ALL;
    return true;
}

static void confirm_key(struct app *a, const struct input_event *ev, enum action act)
{
    bool is_yes = ev->kind == INPUT_CHAR && (ev->cp == 'y' || ev->cp == 'Y');
    bool is_no = act == ACTION_CANCEL ||
                 (ev->kind == INPUT_CHAR && (ev->cp == 'n' || ev->cp == 'N'));
    if (!is_yes && !is_no)
        return;
    a->confirm = NULL;
    a->dirty = SCREEN_DIRTY_ALL;
    if (!is_yes)
        return;
    if (a->pending_tab == SIZE_MAX)
        quit(a);
    else
        switch_to(a, a->pending_tab, NULL);
}

static void on_event(void *userdata, const struct input_event *ev)
{
    struct app *a = userdata;
    if (ev->kind == INPUT_RESIZE) {
        /* curses already knows the size (resizeterm queued this key): only relayout. */
        term_size(&a->rows, &a->cols);
        a->has_layout = false;
        a->dirty = SCREEN_DIRTY_ALL;
        return;
    }
    if (a->trace && !a->key_us)
        a->key_us = now_us();
    int arg = 0;
    unsigned scopes = a->entries[a->active]->scopes;
    enum action act = keymap_lookup(a->keymap, ev, scopes, &arg);
    if (a->confirm) {
        confirm_key(a, ev, act);
        return;
    }
    if (a->is_help_open && help_key(a, act, ev))
        return;
    switch (act) {
    case ACTION_QUIT:
        request_quit(a);
        return;
    case ACTION_REDRAW:
        render_force_full(a->render);
        resize(a);
        return;
    case ACTION_SUSPEND:
        term_suspend(a->term);
        resize(a);
        return;
    case ACTION_HELP:
        open_help(a);
        return;
    case ACTION_NEXT_TAB:
        request_tab(a, (a->active + 1) % a->screen_count);
        return;
    case ACTION_PREV_TAB:
        request_tab(a, (a->active + a->screen_count - 1) % a->screen_count);
        return;
    case ACTION_GOTO_TAB:
        if (arg >= 1 && (size_t)arg <= a->screen_count)
            request_tab(a, (size_t)arg - 1);
        return;
    default:
        break;
    }
    struct screen *s = active(a);
    if (s->ops->on_key && s->ops->on_key(s->self, act, arg, ev))
        return;
    if (act == ACTION_NONE && ev->kind == INPUT_CHAR && ev->cp == '?' && !ev->is_alt) {
        open_help(a);
        return;
    }
    if (act == ACTION_INTERRUPT) {
        int64_t now = loop_now_ms();
        if (a->last_interrupt_ms && now - a->last_interrupt_ms < QUIT_CONFIRM_MS) {
            request_quit(a);
            return;
        }
        a->last_interrupt_ms = now;
        report(a, false, "Press Ctrl-C again to quit (or Ctrl-Q).");
    }
}

static void on_stdin(struct loop *loop, int fd, int revents, void *userdata)
{
    (void)loop;
    (void)fd;
    (void)revents;
    struct app *a = userdata;
    if (a->trace && !a->key_us)
        a->key_us = now_us();
    input_drain(on_event, a);
}

static void on_term_event(void *userdata, enum term_event ev)
{
    struct app *a = userdata;
    switch (ev) {
    case TERM_EVENT_QUIT:
        quit(a);
        break;
    case TERM_EVENT_RESIZE:
        resize(a);
        break;
    case TERM_EVENT_REPAINT:
        render_force_full(a->render);
        a->dirty = SCREEN_DIRTY_ALL;
        break;
    }
}

/* --- headless (screen tests, smoke runs) -------------------------------------------------- */

/* What keeps the app from being idle, for the script driver: NULL when idle. */
static const char *busy_reason(void *userdata)
{
    struct app *a = userdata;
    if (a->dirty || a->soon_dirty)
        return "a repaint is pending";
    if (a->store && store_is_calling(a->store))
        return "a database call is queued or running";
    for (size_t i = 0; i < a->screen_count; i++) {
        const struct screen *s = &a->screens[i];
        if (s->ops && s->ops->is_busy && s->ops->is_busy(s->self)) {
            snprintf(a->busy_why, sizeof a->busy_why, "the %s screen is busy",
                     a->entries[i]->title);
            return a->busy_why;
        }
    }
    if (loop_has_pending_timers(a->loop))
        return "a timer is due";
    return NULL;
}

static void repaint_all(void *userdata)
{
    struct app *a = userdata;
    a->dirty = SCREEN_DIRTY_ALL;
}

/* --- setup ---------------------------------------------------------------------------------- */

/* Wide characters need a UTF-8 locale; fall back to C.UTF-8 when the environment has none. */
static void ensure_utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0))
        return;
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        log_warn("tui: no UTF-8 locale; non-ASCII text may not display correctly");
}

static void load_theme(struct app *a, struct theme *theme, bool has_color)
{
    theme_init_default(theme);
    const char *dir = a->cfg->assets_dir ? a->cfg->assets_dir : CCA_ASSETS_DIR;
    const char *name = has_color ? (a->cfg->ui_theme ? a->cfg->ui_theme : "default")
                                 : "monochrome";
    char err[512];
    if (theme_load(theme, dir, name, err, sizeof err) != ERR_OK) {
        theme_init_default(theme);
        log_warn("tui: theme: %s", err);
        if (has_color || strcmp(name, "monochrome") != 0) {
            char *m = xasprintf("Theme not loaded (%s); using the built-in one.", err);
            report(a, true, m);
            free(m);
        }
    }
    if (!has_color)
        theme_strip_colors(theme);
}

/* Block and box glyphs need a UTF-8 terminal that draws them: not the Linux console, not a
 * vt100, and not under NO_COLOR, whose users often read through tools that mangle them. */
static bool wants_unicode(bool has_color_wish)
{
    const char *cs = nl_langinfo(CODESET);
    if (!cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0))
        return false;
    const char *t = getenv("TERM");
    if (!t || strcmp(t, "linux") == 0 || strncmp(t, "vt1", 3) == 0 || strncmp(t, "vt2", 3) == 0 ||
        strcmp(t, "dumb") == 0)
        return false;
    return has_color_wish;
}

static void app_free(struct app *a)
{
    for (size_t i = 0; i < a->screen_count; i++)
        if (a->screens[i].ops)
            a->screens[i].ops->free(a->screens[i].self);
    rag_free(a->rag);
    store_free(a->store);
    llm_free(a->llm);
    render_free(a->render);
    keymap_free(a->keymap);
    help_free(a);
    free(a->llm_error);
    free(a->user_line);
    free(a->user_email);
    user_clear(a);
    free(a->message);
    if (a->trace)
        fclose(a->trace);
    headless_free(a->headless);
}

int tui_run(const struct tui_options *opt)
{
    const struct screen_entry *wanted = NULL;
    if (opt->screen) {
        wanted = screen_find(opt->screen);
        if (!wanted) {
            size_t n;
            const struct screen_entry *reg = screen_registry(&n);
            fprintf(stderr, "cca: no screen '%s' (", opt->screen);
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", reg[i].name);
            fprintf(stderr, ")\n");
            return 2;
        }
    }
    struct app *a = xcalloc(1, sizeof *a);
    if (opt->is_headless || opt->exit_after_frames > 0) {
        struct headless_options hopt = {.script_path = opt->script_path,
                                        .screen_dir = opt->screen_dir,
                                        .exit_after_frames = opt->exit_after_frames};
        char herr[1024];
        if (headless_new(&hopt, &a->headless, herr, sizeof herr) != ERR_OK) {
            fprintf(stderr, "cca: %s\n", herr);
            free(a);
            return 2;
        }
    }
    a->start_us = now_us();
    a->open_store = opt->open_store;
    a->cfg = opt->cfg;
    /* Someone is waiting at the keyboard: a server that does not answer in 5 s is reported
     * (and reconnected to) rather than waited for. */
    if (a->cfg->db_answer_timeout_ms <= 0)
        a->cfg->db_answer_timeout_ms = 5000;
    a->reconnect_delay_ms = RECONNECT_FIRST_MS;
    const char *trace = getenv("CCA_BENCH_TRACE");
    if (trace && trace[0])
        a->trace = fopen(trace, "a");
    ensure_utf8_locale();
    a->loop = loop_new();
    a->keymap = keymap_new();
    a->ctx = (struct screen_ctx){
        .cfg = a->cfg,
        .loop = a->loop,
        .user = &a->user,
        .app = a,
        .invalidate = invalidate,
        .invalidate_soon = invalidate_soon,
        .report = report,
        .copy = copy_text,
        .db_lost = db_lost,
        .open_screen = open_screen,
        .run_with_terminal = run_with_terminal,
    };
    screens_for_role(a);

    char err[512] = "";
    for (size_t i = 0; i < a->cfg->key_count; i++) {
        if (keymap_bind(a->keymap, a->cfg->keys[i].action, a->cfg->keys[i].keys, err,
                        sizeof err) != ERR_OK) {
            fprintf(stderr, "cca: %s\n", err);
            app_free(a);
            loop_free(a->loop);
            free(a);
            return 2;
        }
    }
    if (config_has_llm(a->cfg)) {
        if (llm_new(a->cfg, a->loop, &a->llm, err, sizeof err) != ERR_OK) {
            a->llm = NULL;
            a->llm_error = xasprintf("The LLM could not be set up (%s): answering offline.", err);
        }
    }
    a->ctx.llm = a->llm;

    /* A screen asked for by name needs the role first: the database decides who sees it. */
    if (wanted && wanted != screen_registry(&(size_t){0})) {
        if (!try_connect(a)) {
            fprintf(stderr, "cca: cannot open the %s screen: %s\n", wanted->title, a->db_error);
            app_free(a);
            loop_free(a->loop);
            free(a);
            return 1;
        }
        size_t tab = find_tab(a, wanted->name);
        if (tab == SIZE_MAX) {
            fprintf(stderr, "cca: the %s screen is not for your role (%s)\n", wanted->title,
                    a->user_role ? a->user_role : "unknown");
            app_free(a);
            loop_free(a->loop);
            free(a);
            return 2;
        }
        a->active = tab;
    }

    struct term_options topt = {
        .use_mouse = a->cfg->ui_mouse,
        .use_color = !a->cfg->ui_no_color && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]),
        .is_headless = opt->is_headless,
    };
    if (term_open(&topt, a->loop, on_term_event, a, &a->term, err, sizeof err) != ERR_OK) {
        fprintf(stderr, "cca: %s\n", err);
        app_free(a);
        loop_free(a->loop);
        free(a);
        return 1;
    }
    struct theme theme;
    bool has_color = term_has_color(a->term);
    load_theme(a, &theme, has_color);
    a->render = render_new(&theme, has_color, term_color_count(a->term));
    render_set_unicode(a->render, wants_unicode(topt.use_color));

    if (!opt->is_headless)
        loop_watch_fd(a->loop, STDIN_FILENO, LOOP_READ, on_stdin, a);
    loop_add_before_sleep(a->loop, paint, a);
    if (a->headless)
        headless_start(a->headless, a->loop, a->term,
                       &(struct headless_app){.app = a,
                                              .busy_reason = busy_reason,
                                              .deliver = on_event,
                                              .repaint = repaint_all});
    uint64_t tick = loop_timer_add(a->loop, TICK_MS, TICK_MS, on_tick, a);

    /* First paint before connecting, so a slow database never leaves a blank terminal. */
    resize(a);
    bool is_connected = a->store && a->rag;
    if (!is_connected) {
        snprintf(a->db_error, sizeof a->db_error, "connecting\xE2\x80\xA6");
        set_user_line(a);
        paint(a->loop, a);
        if (!try_connect(a))
            schedule_reconnect(a);
    }
    notify_screens(a);
    switch_to(a, a->active, NULL);
    a->is_ready_paint_pending = true;
    if (a->llm_error)
        report(a, true, a->llm_error);
    else if (!a->ctx.is_db_up)
        report(a, true, "The database is not reachable; CCA keeps retrying. `cca doctor` "
                        "shows what is wrong.");
    else
        report_db_up(a, false);

    loop_run(a->loop);

    loop_timer_cancel(a->loop, tick);
    int status = 0;
    char *failure = NULL;
    if (a->headless) {
        const char *why = NULL;
        status = headless_status(a->headless, &why);
        failure = why ? xstrdup(why) : NULL;
    }
    /* Screens first (in app_free): cancelling a turn fires its events into the screen. */
    struct term *term = a->term;
    app_free(a);
    loop_unwatch_fd(a->loop, STDIN_FILENO);
    term_close(term);
    loop_free(a->loop);
    free(a);
    if (failure)
        fprintf(stderr, "cca: %s\n", failure);
    free(failure);
    return status;
}

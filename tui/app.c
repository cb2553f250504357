/* app: the full-screen assistant's controller. Owns the loop wiring (stdin, signal pipe,
 * timers, the before-sleep paint), the database connection and its reconnect backoff, the
 * header, tab bar, status bar and help overlay; screens own the rest. Never exits on an
 * error: problems become status messages and the app keeps running. */
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
#include "core/unsent.h"
#include "core/utf8.h"
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
#define MAX_SCREENS 8

struct app {
    tui_open_store_fn open_store;
    struct config *cfg;
    struct loop *loop;
    struct term *term;
    struct render *render;

    struct screen_ctx ctx;
    struct screen screens[MAX_SCREENS];
    size_t screen_count, active;

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
    struct layout layout;
    bool has_layout;

    bool is_help_open;
    int help_scroll;
    char *message;
    bool is_message_error;
    uint64_t message_timer;
    int64_t last_interrupt_ms;

    FILE *trace;        /* CCA_BENCH_TRACE: paint and echo timings */
    int64_t start_us;
    bool has_painted;
    bool is_ready_paint_pending; /* the first paint after connecting */
    int64_t key_us;     /* when the first unpainted key arrived, 0 if none */
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

static void set_user_line(struct app *a)
{
    free(a->user_line);
    a->user_line = NULL;
    free(a->user_email);
    a->user_email = NULL;
    struct store_user u = {0};
    if (a->store && store_whoami(a->store, &u) == ERR_OK) {
        if (u.email)
            a->user_email = utf8_sanitize(u.email, strlen(u.email), NULL);
        struct buf b;
        buf_init(&b, 1024);
        buf_append_str(&b, u.name && u.name[0] ? u.name : (u.email ? u.email : "?"));
        if (u.role)
            buf_printf(&b, " \xC2\xB7 %s", u.role);
        if (u.department && u.department[0])
            buf_printf(&b, " \xC2\xB7 %s", u.department);
        a->user_line = utf8_sanitize(b.data, b.len, NULL);
        buf_cleanup(&b);
        store_user_cleanup(&u);
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
        if (a->screens[i].ops->on_connection)
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
static size_t unsent_waiting(void)
{
    struct unsent_entry *e = NULL;
    size_t n = 0, waiting = 0;
    if (unsent_load(&e, &n) != ERR_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].kind, "question") == 0)
            waiting++;
    unsent_entries_free(e, n);
    return waiting;
}

/* The database is reachable (again): say so, and what is waiting to be asked. */
static void report_db_up(struct app *a, bool was_down)
{
    size_t waiting = unsent_waiting();
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
    a->reconnect_at_ms = loop_now_ms() + a->reconnect_delay_ms;
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

static void on_tick(struct loop *loop, uint64_t id, void *userdata)
{
    (void)loop;
    (void)id;
    struct app *a = userdata;
    struct screen *s = &a->screens[a->active];
    if ((s->ops->is_busy && s->ops->is_busy(s->self)) || a->reconnect_timer)
        a->dirty |= SCREEN_DIRTY_STATUS;
    /* A connection that dropped while idle shows up here, not only on the next question. */
    if (a->store && a->ctx.is_db_up && !store_is_connected(a->store)) {
        a->ctx.is_db_up = false;
        snprintf(a->db_error, sizeof a->db_error, "%s", store_errmsg(a->store));
        schedule_reconnect(a);
    }
}

/* --- painting ------------------------------------------------------------------------------- */

static void status_text(struct app *a, struct render_status *st, struct buf *db,
                        struct buf *activity)
{
    struct screen *s = &a->screens[a->active];
    if (a->ctx.is_db_up) {
        buf_append_str(db, "\xE2\x97\x8F database");
        st->db_role = THEME_STATUS_OK;
    } else {
        buf_append_str(db, "\xE2\x97\x8B database down");
        if (a->reconnect_timer) {
            int64_t left = a->reconnect_at_ms - loop_now_ms();
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
    /* Who this session acts as, unless a report needs the room for a moment. */
    if (a->user_email && !st->message) {
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
    if (a->rows < LAYOUT_MIN_ROWS || a->cols < LAYOUT_MIN_COLS) {
        render_too_small(r, a->rows, a->cols, LAYOUT_MIN_ROWS, LAYOUT_MIN_COLS);
        render_present(r);
        a->has_layout = false;
        return;
    }
    struct screen *s = &a->screens[a->active];
    struct layout_params p = {.rows = a->rows, .cols = a->cols, .input_lines = 1};
    if (s->ops->layout_params)
        s->ops->layout_params(s->self, a->cols, &p);
    p.rows = a->rows;
    p.cols = a->cols;
    struct layout l;
    layout_compute(&p, &l);
    if (!a->has_layout || memcmp(&l, &a->layout, sizeof l) != 0)
        dirty = SCREEN_DIRTY_ALL;
    a->layout = l;
    a->has_layout = true;
    if (dirty & SCREEN_DIRTY_LAYOUT)
        dirty = SCREEN_DIRTY_ALL;
    if (dirty == SCREEN_DIRTY_ALL)
        render_erase(r);
    if (dirty & SCREEN_DIRTY_HEADER) {
        render_header(r, &l.header, "CCA \xC2\xB7 Contextual Corporate Assistant",
                      a->user_line ? a->user_line : "");
        const char *names[MAX_SCREENS];
        for (size_t i = 0; i < a->screen_count; i++)
            names[i] = a->screens[i].ops->title;
        render_tabs(r, &l.tabs, names, a->screen_count, a->active);
    }
    /* The input is always drawn so the cursor lands in it. */
    s->ops->draw(s->self, r, &l, dirty | SCREEN_DIRTY_INPUT);
    {
        struct render_status st = {0};
        struct buf db, activity;
        buf_init(&db, 1024);
        buf_init(&activity, 1024);
        status_text(a, &st, &db, &activity);
        render_status(r, &l.status, &st);
        buf_cleanup(&db);
        buf_cleanup(&activity);
    }
    /* Overlays go on top of whatever was redrawn beneath them; whoever closes one marks
     * everything dirty so the cells it covered come back. */
    if (s->ops->draw_overlay)
        s->ops->draw_overlay(s->self, r, a->rows, a->cols);
    if (a->is_help_open)
        render_help(r, a->rows, a->cols, a->help_scroll);
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
        fflush(a->trace);
    }
    a->has_painted = true;
    a->is_ready_paint_pending = false;
    a->key_us = 0;
}

/* --- input ---------------------------------------------------------------------------------- */

static void quit(struct app *a)
{
    loop_stop(a->loop);
}

static void resize(struct app *a)
{
    term_update_size(a->term, &a->rows, &a->cols);
    a->has_layout = false;
    a->dirty = SCREEN_DIRTY_ALL;
}

static bool help_key(struct app *a, enum action act, const struct input_event *ev)
{
    size_t n;
    actions_all(&n);
    switch (act) {
    case ACTION_UP:
    case ACTION_SCROLL_UP:
        if (a->help_scroll > 0)
            a->help_scroll--;
        break;
    case ACTION_DOWN:
    case ACTION_SCROLL_DOWN:
        if (a->help_scroll + 1 < (int)n - 1)
            a->help_scroll++;
        break;
    case ACTION_QUIT:
        quit(a);
        return true;
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
    enum action act = keymap_lookup(ev, &arg);
    if (a->is_help_open && help_key(a, act, ev))
        return;
    switch (act) {
    case ACTION_QUIT:
        quit(a);
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
        a->is_help_open = true;
        a->help_scroll = 0;
        a->dirty = SCREEN_DIRTY_ALL;
        return;
    default:
        break;
    }
    struct screen *s = &a->screens[a->active];
    if (s->ops->on_key(s->self, act, arg, ev))
        return;
    if (act == ACTION_NONE && ev->kind == INPUT_CHAR && ev->cp == '?' && !ev->is_alt) {
        a->is_help_open = true;
        a->help_scroll = 0;
        a->dirty = SCREEN_DIRTY_ALL;
        return;
    }
    if (act == ACTION_INTERRUPT) {
        int64_t now = loop_now_ms();
        if (a->last_interrupt_ms && now - a->last_interrupt_ms < QUIT_CONFIRM_MS) {
            quit(a);
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

int tui_run(const struct tui_options *opt)
{
    struct app *a = xcalloc(1, sizeof *a);
    a->start_us = now_us();
    a->open_store = opt->open_store;
    a->cfg = opt->cfg;
    a->reconnect_delay_ms = RECONNECT_FIRST_MS;
    const char *trace = getenv("CCA_BENCH_TRACE");
    if (trace && trace[0])
        a->trace = fopen(trace, "a");
    ensure_utf8_locale();
    a->loop = loop_new();

    char err[512] = "";
    if (config_has_llm(a->cfg)) {
        if (llm_new(a->cfg, a->loop, &a->llm, err, sizeof err) != ERR_OK) {
            a->llm = NULL;
            a->llm_error = xasprintf("The LLM could not be set up (%s): answering offline.", err);
        }
    }

    struct term_options topt = {
        .use_mouse = a->cfg->ui_mouse,
        .use_color = !a->cfg->ui_no_color && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]),
    };
    if (term_open(&topt, a->loop, on_term_event, a, &a->term, err, sizeof err) != ERR_OK) {
        fprintf(stderr, "cca: %s\n", err);
        llm_free(a->llm);
        free(a->llm_error);
        loop_free(a->loop);
        if (a->trace)
            fclose(a->trace);
        free(a);
        return 1;
    }
    struct theme theme;
    bool has_color = term_has_color(a->term);
    load_theme(a, &theme, has_color);
    a->render = render_new(&theme, has_color, term_color_count(a->term));

    a->ctx = (struct screen_ctx){
        .cfg = a->cfg,
        .loop = a->loop,
        .llm = a->llm,
        .app = a,
        .invalidate = invalidate,
        .invalidate_soon = invalidate_soon,
        .report = report,
        .copy = copy_text,
        .db_lost = db_lost,
    };
    a->screens[a->screen_count++] = screen_chat_new(&a->ctx);
    loop_watch_fd(a->loop, STDIN_FILENO, LOOP_READ, on_stdin, a);
    loop_add_before_sleep(a->loop, paint, a);
    uint64_t tick = loop_timer_add(a->loop, TICK_MS, TICK_MS, on_tick, a);

    /* First paint before connecting, so a slow database never leaves a blank terminal. */
    resize(a);
    snprintf(a->db_error, sizeof a->db_error, "connecting\xE2\x80\xA6");
    set_user_line(a);
    paint(a->loop, a);
    if (!try_connect(a))
        schedule_reconnect(a);
    notify_screens(a);
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
    /* Screens first: cancelling a turn fires its events into the screen. */
    for (size_t i = 0; i < a->screen_count; i++)
        a->screens[i].ops->free(a->screens[i].self);
    rag_free(a->rag);
    store_free(a->store);
    llm_free(a->llm);
    render_free(a->render);
    loop_unwatch_fd(a->loop, STDIN_FILENO);
    term_close(a->term);
    loop_free(a->loop);
    free(a->llm_error);
    free(a->user_line);
    free(a->user_email);
    free(a->message);
    if (a->trace)
        fclose(a->trace);
    free(a);
    return 0;
}

/* screen_reader: the Reader tab. Opens a learning content item (rendered Markdown, through
 * tui/transcript) at the place the learner stopped or at a cited passage, and records reading
 * through the learner's own connection (cca_record_reading, so row-level security and the
 * triggers apply): how far they read and the time actually spent, counted by core/reader's
 * clock only while this screen is visible and a key arrived in the last two minutes. A
 * heartbeat goes through the loop every READER_FLUSH_MS, on leaving the tab and on opening
 * another item; the application closing (quit, SIGTERM, SIGHUP) writes the rest at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/reader.h"
#include "core/store.h"
#include "core/store_learning.h"
#include "core/utf8.h"

#include "tui/render.h"
#include "tui/screen.h"
#include "tui/transcript.h"

enum load_state { LOAD_NONE, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

struct reader_screen {
    struct screen_ctx *ctx;
    enum load_state state;
    struct reader_arg arg; /* what is open or opening */
    struct store_call *open_call;
    struct reader_doc *doc;
    char *error;
    struct transcript *text;
    long target_char; /* where to scroll once laid out, -1 when done */
    int text_height;  /* rows of the text at the last draw */

    struct reader_clock clock;
    bool is_visible;
    int64_t last_flush_ms;
    struct store_call *flush_call;
    long flush_seconds; /* the seconds the call in flight carries */
    struct store_call *complete_call;
    long sent_position; /* what the database has, to skip empty heartbeats */
    double seen_percent, sent_percent;
};

static void invalidate(struct reader_screen *s)
{
    s->ctx->invalidate(s->ctx->app, SCREEN_DIRTY_BODY | SCREEN_DIRTY_STATUS);
}

static void report(struct reader_screen *s, bool is_error, const char *msg)
{
    s->ctx->report(s->ctx->app, is_error, msg);
}

static bool db_ready(const struct reader_screen *s)
{
    return s->ctx->store && s->ctx->is_db_up;
}

/* --- position ------------------------------------------------------------------------------ */

/* The character offset shown at the top of the text. */
static long top_position(struct reader_screen *s)
{
    if (!s->doc || !s->text)
        return 0;
    size_t total = transcript_line_count(s->text);
    if (total == 0)
        return 0;
    size_t top = transcript_top(s->text);
    struct transcript_line line;
    if (!transcript_line_at(s->text, top, &line))
        return 0;
    size_t msg = line.message;
    size_t first = top, last = top;
    while (first > 0 && transcript_line_at(s->text, first - 1, &line) && line.message == msg)
        first--;
    while (transcript_line_at(s->text, last + 1, &line) && line.message == msg)
        last++;
    double fraction = last > first ? (double)(top - first) / (double)(last - first + 1) : 0;
    return reader_char_in_section(s->doc, msg, fraction);
}

/* Scrolls so that character pos is at the top (the text is laid out for its width). */
static void scroll_to(struct reader_screen *s, long pos)
{
    double fraction;
    size_t sec = reader_section_at(s->doc, pos, &fraction);
    size_t total = transcript_line_count(s->text);
    size_t first = SIZE_MAX, count = 0;
    struct transcript_line line;
    for (size_t i = 0; i < total && transcript_line_at(s->text, i, &line); i++) {
        if (line.message == sec) {
            if (first == SIZE_MAX)
                first = i;
            count++;
        } else if (first != SIZE_MAX) {
            break;
        }
    }
    transcript_home(s->text);
    if (first == SIZE_MAX)
        return;
    /* A section starts with the blank line between it and the one before. */
    size_t line_no = first + (size_t)(fraction * (double)count);
    if (sec > 0 && fraction == 0 && count > 1)
        line_no++;
    transcript_scroll(s->text, (long)line_no);
}

/* How far the learner has seen, in percent: the bottom of the view over the document. The
 * database hears 100 only from "mark as complete". */
static void note_seen(struct reader_screen *s)
{
    if (!s->doc || !s->text || s->text_height <= 0)
        return;
    size_t total = transcript_line_count(s->text);
    if (total == 0)
        return;
    size_t bottom = transcript_top(s->text) + (size_t)s->text_height;
    double pct = bottom >= total ? 100.0 : 100.0 * (double)bottom / (double)total;
    if (pct > 99)
        pct = 99;
    if (pct > s->seen_percent)
        s->seen_percent = pct;
}

/* --- writing ------------------------------------------------------------------------------- */

static void on_flush(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    (void)rows;
    struct reader_screen *s = userdata;
    s->flush_call = NULL;
    if (e != ERR_OK) {
        /* The seconds go with the next heartbeat. */
        reader_clock_give_back(&s->clock, s->flush_seconds);
        s->sent_position = -1;
        log_warn("reader: recording progress failed: %s", errmsg);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
    } else if (s->doc) {
        s->doc->time_spent_s += s->flush_seconds;
        if (s->sent_percent > s->doc->progress)
            s->doc->progress = s->sent_percent;
    }
    s->flush_seconds = 0;
    invalidate(s);
}

/* The heartbeat: time, position and how far read, unless nothing changed. Through the loop,
 * or at once when is_now (the application is closing). */
static void flush(struct reader_screen *s, bool is_now)
{
    if (!s->doc || s->state != LOAD_DONE || s->flush_call || !db_ready(s))
        return;
    reader_clock_tick(&s->clock, loop_now_ms());
    note_seen(s);
    long position = top_position(s);
    long seconds = reader_clock_take(&s->clock);
    if (seconds == 0 && position == s->sent_position && s->seen_percent <= s->sent_percent)
        return;
    struct store_reading r = {
        .content_id = s->doc->content_id,
        .position = position,
        .seconds = seconds,
        .percent = s->seen_percent > s->sent_percent ? s->seen_percent : -1,
        .is_completed = false,
    };
    s->last_flush_ms = loop_now_ms();
    s->sent_position = position;
    if (s->seen_percent > s->sent_percent)
        s->sent_percent = s->seen_percent;
    if (is_now) {
        enum err e = store_learning_record_now(s->ctx->store, &r);
        if (e != ERR_OK)
            log_warn("reader: the last reading of %s (%ld s) was not recorded: %s",
                     s->doc->content_id, seconds, store_errmsg(s->ctx->store));
        return;
    }
    s->flush_seconds = seconds;
    s->flush_call = store_learning_record(s->ctx->store, &r, on_flush, s);
}

static void on_complete(void *userdata, enum err e, const char *errmsg,
                        const struct store_rows *rows)
{
    (void)rows;
    struct reader_screen *s = userdata;
    s->complete_call = NULL;
    if (e != ERR_OK) {
        char *m = xasprintf("Could not mark it complete: %s", errmsg);
        report(s, true, m);
        free(m);
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
    } else {
        if (s->doc) {
            s->doc->is_completed = true;
            s->doc->progress = 100;
        }
        report(s, false,
               s->doc && s->doc->next_id ? "Marked complete. n opens the next lesson."
                                         : "Marked complete: the Progress tab shows it.");
    }
    invalidate(s);
}

static void mark_complete(struct reader_screen *s)
{
    if (!s->doc || s->state != LOAD_DONE)
        return;
    if (!db_ready(s)) {
        report(s, true, "The database is not reachable; try again when it is back.");
        return;
    }
    if (s->complete_call)
        return;
    flush(s, false);
    struct store_reading r = {
        .content_id = s->doc->content_id,
        .position = top_position(s),
        .seconds = 0,
        .percent = -1,
        .is_completed = true,
    };
    s->complete_call = store_learning_record(s->ctx->store, &r, on_complete, s);
}

/* --- opening ------------------------------------------------------------------------------- */

static void build_text(struct reader_screen *s)
{
    transcript_free(s->text);
    s->text = transcript_new();
    const struct reader_doc *d = s->doc;
    for (size_t i = 0; i < d->section_count; i++)
        transcript_add(s->text, TRANSCRIPT_DOCUMENT, d->body + d->sections[i].off,
                       d->sections[i].len);
    transcript_home(s->text);
}

static void on_open(void *userdata, enum err e, const char *errmsg, const struct store_rows *rows)
{
    struct reader_screen *s = userdata;
    s->open_call = NULL;
    const char *text = e == ERR_OK ? store_rows_get(rows, 0, 0) : NULL;
    struct reader_doc *doc = NULL;
    if (e == ERR_OK && text)
        e = reader_doc_parse(text, strlen(text), &doc);
    else if (e == ERR_OK)
        e = ERR_NOT_FOUND;
    free(s->error);
    s->error = NULL;
    if (e != ERR_OK) {
        const char *why = errmsg && errmsg[0] ? errmsg : err_str(e);
        s->error = utf8_sanitize_line(why, strlen(why), NULL);
        s->state = LOAD_FAILED;
        if (e == ERR_DB_DOWN)
            s->ctx->db_lost(s->ctx->app);
        invalidate(s);
        return;
    }
    reader_doc_free(s->doc);
    s->doc = doc;
    s->state = LOAD_DONE;
    const char *passage = store_rows_get(rows, 0, 1);
    long at = passage ? strtol(passage, NULL, 10) : -1;
    if (s->arg.passage_id && at < 0)
        report(s, false,
               "The cited passage is no longer in this document; opened where you "
               "stopped.");
    s->target_char = at >= 0 ? at : doc->read_position;
    s->sent_position = doc->read_position;
    s->seen_percent = s->sent_percent = doc->progress < 99 ? doc->progress : 99;
    build_text(s);
    /* Reading starts now: the time before the text arrived is not this item's. */
    (void)reader_clock_take(&s->clock);
    reader_clock_key(&s->clock, loop_now_ms());
    s->last_flush_ms = loop_now_ms();
    invalidate(s);
}

static void open_item(struct reader_screen *s, const char *arg)
{
    struct reader_arg a;
    if (reader_arg_parse(arg, &a) != ERR_OK) {
        reader_arg_cleanup(&a);
        report(s, true, "Nothing to open.");
        return;
    }
    /* What was being read is recorded before anything else opens. */
    flush(s, false);
    store_call_cancel(s->open_call);
    s->open_call = NULL;
    reader_arg_cleanup(&s->arg);
    s->arg = a;
    if (!db_ready(s)) {
        s->state = LOAD_FAILED;
        free(s->error);
        s->error = xstrdup("The database is not reachable; CCA keeps retrying.");
        invalidate(s);
        return;
    }
    s->state = LOAD_RUNNING;
    s->open_call = store_learning_reader_open(s->ctx->store, a.content_id, a.course_id,
                                              a.passage_id, on_open, s);
    invalidate(s);
}

/* The previous or next lesson of the course it was opened in. */
static void open_neighbour(struct reader_screen *s, bool is_next)
{
    const char *id = s->doc ? (is_next ? s->doc->next_id : s->doc->prev_id) : NULL;
    if (!id) {
        report(s, false,
               s->doc && s->doc->course_id ? (is_next ? "This is the last lesson of the course."
                                                      : "This is the first lesson of the course.")
                                           : "This item is not part of a course.");
        return;
    }
    char *arg = reader_arg_format(id, NULL, s->doc->course_id);
    open_item(s, arg);
    free(arg);
}

/* --- screen hooks -------------------------------------------------------------------------- */

static void reader_on_enter(void *self, const char *arg)
{
    struct reader_screen *s = self;
    s->is_visible = true;
    reader_clock_start(&s->clock, loop_now_ms());
    if (arg && *arg)
        open_item(s, arg);
    invalidate(s);
}

static void reader_on_leave(void *self)
{
    struct reader_screen *s = self;
    reader_clock_stop(&s->clock, loop_now_ms());
    s->is_visible = false;
    flush(s, false);
}

static void reader_on_tick(void *self, int64_t shown_ms)
{
    (void)shown_ms; /* the display clock stands still in screen tests; reading time is real */
    struct reader_screen *s = self;
    int64_t now_ms = loop_now_ms();
    reader_clock_tick(&s->clock, now_ms);
    if (now_ms - s->last_flush_ms >= READER_FLUSH_MS)
        flush(s, false);
}

static void reader_on_connection(void *self)
{
    struct reader_screen *s = self;
    if (!s->ctx->is_db_up) {
        store_call_cancel(s->open_call);
        s->open_call = NULL;
        if (s->flush_call) {
            store_call_cancel(s->flush_call);
            s->flush_call = NULL;
            reader_clock_give_back(&s->clock, s->flush_seconds);
            s->flush_seconds = 0;
        }
        store_call_cancel(s->complete_call);
        s->complete_call = NULL;
        if (s->state == LOAD_RUNNING)
            s->state = s->doc ? LOAD_DONE : LOAD_FAILED;
        return;
    }
    if (s->state == LOAD_FAILED && s->arg.content_id) {
        char *arg = reader_arg_format(s->arg.content_id, s->arg.passage_id, s->arg.course_id);
        open_item(s, arg);
        free(arg);
    }
}

static bool reader_on_key(void *self, enum action a, int arg, const struct input_event *ev)
{
    (void)arg;
    struct reader_screen *s = self;
    reader_clock_key(&s->clock, loop_now_ms());
    if (s->text) {
        bool moved = true;
        switch (a) {
        case ACTION_UP:
        case ACTION_SCROLL_UP:
            transcript_scroll(s->text, -1);
            break;
        case ACTION_DOWN:
        case ACTION_SCROLL_DOWN:
            transcript_scroll(s->text, 1);
            break;
        case ACTION_PAGE_UP:
            transcript_page(s->text, -1);
            break;
        case ACTION_PAGE_DOWN:
            transcript_page(s->text, 1);
            break;
        case ACTION_SCROLL_TOP:
            transcript_home(s->text);
            break;
        case ACTION_SCROLL_BOTTOM:
            transcript_end(s->text);
            break;
        default:
            moved = false;
            break;
        }
        if (moved) {
            invalidate(s);
            return true;
        }
    }
    if (a != ACTION_NONE || ev->kind != INPUT_CHAR || ev->is_alt)
        return false;
    switch (ev->cp) {
    case ' ':
        if (s->text)
            transcript_page(s->text, 1);
        break;
    case 'c':
        mark_complete(s);
        break;
    case 'n':
        open_neighbour(s, true);
        break;
    case 'p':
        open_neighbour(s, false);
        break;
    case 'r':
        if (s->arg.content_id) {
            char *again = reader_arg_format(s->arg.content_id, NULL, s->arg.course_id);
            open_item(s, again);
            free(again);
        }
        break;
    default:
        return false;
    }
    invalidate(s);
    return true;
}

static void draw_empty(struct reader_screen *s, struct render *r, const struct layout_rect *b)
{
    int y = b->y + 1;
    int x = b->x + 2, w = b->w - 4;
    if (s->state == LOAD_RUNNING) {
        render_text(r, y, x, w, "Opening\xE2\x80\xA6", THEME_NOTE);
        return;
    }
    if (s->state == LOAD_FAILED) {
        render_text(r, y++, x, w, "This item could not be opened:", THEME_ERROR);
        render_text(r, y++, x, w, s->error ? s->error : "unknown error", THEME_ERROR);
        render_text(r, y + 1, x, w, "r tries again.", THEME_NOTE);
        return;
    }
    render_text(r, y++, x, w, "Nothing is open in the reader yet.", THEME_HEADING);
    y++;
    render_text(r, y++, x, w,
                "Open a course or a lesson with Enter on the Progress or Recommendations tab,",
                THEME_DEFAULT);
    render_text(r, y++, x, w, "or a cited passage from a chat answer (Tab, its number, then o).",
                THEME_DEFAULT);
    y++;
    render_text(r, y, x, w,
                "The reader remembers where you stopped and counts the minutes you read.",
                THEME_NOTE);
}

static void reader_draw(void *self, struct render *r, const struct layout_rect *body,
                        unsigned dirty)
{
    (void)dirty;
    struct reader_screen *s = self;
    render_fill(r, body, THEME_DEFAULT);
    if (!s->doc || !s->text) {
        draw_empty(s, r, body);
        return;
    }
    const struct reader_doc *d = s->doc;
    bool is_unicode = render_is_unicode(r);
    struct layout_rect text = {body->y + 2, body->x + 1, body->h - 3, body->w - 1};
    if (text.h >= 1) {
        s->text_height = text.h;
        transcript_resize(s->text, text.w - 1, text.h);
        if (s->target_char >= 0) {
            scroll_to(s, s->target_char);
            s->target_char = -1;
        }
        render_transcript(r, &text, s->text);
        note_seen(s);
    }
    struct buf b;
    buf_init(&b, 8192);
    buf_append_str(&b, d->title);
    if (d->course_title)
        buf_printf(&b, "  \xC2\xB7  %s, lesson %d of %d", d->course_title, d->course_index,
                   d->course_count);
    render_text(r, body->y, body->x + 1, body->w - 2, buf_str(&b), THEME_HEADING);
    buf_reset(&b);
    long minutes = (d->time_spent_s + s->clock.active_ms / 1000 + s->flush_seconds) / 60;
    if (d->is_completed)
        buf_printf(&b, "%s completed", is_unicode ? "\xE2\x9C\x93" : "+");
    else
        buf_printf(&b, "%.0f %% read",
                   s->seen_percent > d->progress ? s->seen_percent : d->progress);
    buf_printf(&b, " \xC2\xB7 %ld min spent", minutes);
    if (d->content_type)
        buf_printf(&b, " \xC2\xB7 %s", d->content_type);
    if (s->state == LOAD_RUNNING)
        buf_append_str(&b, " \xC2\xB7 opening\xE2\x80\xA6");
    render_text(r, body->y + 1, body->x + 1, body->w - 2, buf_str(&b), THEME_NOTE);
    if (text.h < 1) {
        buf_cleanup(&b);
        return;
    }
    buf_reset(&b);
    size_t total = transcript_line_count(s->text);
    bool at_end = transcript_top(s->text) + (size_t)text.h >= total;
    if (at_end && !d->is_completed)
        buf_append_str(&b, "End of the text \xC2\xB7 c marks it complete");
    else
        buf_append_str(&b, d->is_completed ? "Completed" : "c mark complete");
    if (d->next_id)
        buf_printf(&b, " \xC2\xB7 n next: %s", d->next_title ? d->next_title : "lesson");
    if (d->prev_id)
        buf_append_str(&b, " \xC2\xB7 p previous");
    render_text(r, body->y + body->h - 1, body->x + 1, body->w - 2, buf_str(&b),
                at_end && !d->is_completed ? THEME_TITLE : THEME_HINT);
    buf_cleanup(&b);
}

static void reader_activity(void *self, struct buf *out)
{
    struct reader_screen *s = self;
    if (s->open_call)
        buf_append_str(out, "opening\xE2\x80\xA6");
    else if (s->complete_call)
        buf_append_str(out, "saving\xE2\x80\xA6");
}

static const char *reader_hints(void *self)
{
    struct reader_screen *s = self;
    if (!s->doc)
        return "F1 keys \xC2\xB7 Ctrl-Q quit";
    return "PgDn/Space read \xC2\xB7 c complete \xC2\xB7 F1 keys";
}

static bool reader_is_busy(void *self)
{
    struct reader_screen *s = self;
    return s->open_call || s->complete_call;
}

static void reader_free(void *self)
{
    struct reader_screen *s = self;
    /* The application is closing (or the role changed): the rest is written at once. */
    reader_clock_stop(&s->clock, loop_now_ms());
    store_call_cancel(s->open_call);
    store_call_cancel(s->complete_call);
    store_call_cancel(s->flush_call);
    s->flush_call = NULL;
    if (s->is_visible || s->clock.active_ms >= 1000)
        flush(s, true);
    reader_doc_free(s->doc);
    reader_arg_cleanup(&s->arg);
    transcript_free(s->text);
    free(s->error);
    free(s);
}

static const char *const reader_help[] = {
    "PgDn, Space", "Read on (PgUp, Up, Down, Home, End move too)",
    "c",           "Mark it complete",
    "n",           "Next lesson of the course",
    "p",           "Previous lesson of the course",
    "r",           "Open it again from the database",
    NULL,
};

static const struct screen_ops reader_ops = {
    .free = reader_free,
    .on_enter = reader_on_enter,
    .on_leave = reader_on_leave,
    .on_tick = reader_on_tick,
    .on_key = reader_on_key,
    .on_connection = reader_on_connection,
    .draw = reader_draw,
    .activity = reader_activity,
    .hints = reader_hints,
    .is_busy = reader_is_busy,
    .help = reader_help,
};

struct screen screen_reader_new(struct screen_ctx *ctx);

struct screen screen_reader_new(struct screen_ctx *ctx)
{
    struct reader_screen *s = xcalloc(1, sizeof *s);
    s->ctx = ctx;
    s->target_char = -1;
    s->sent_position = -1;
    return (struct screen){.ops = &reader_ops, .self = s};
}

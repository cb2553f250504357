/* transcript: the conversation as messages, wrapped into display lines for a width, with a
 * scroll position that follows new text while at the bottom. Pure: no curses; answers are
 * rendered from Markdown (core/markdown), widths come from core/utf8. */
#ifndef CCA_TUI_TRANSCRIPT_H
#define CCA_TUI_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TRANSCRIPT_MESSAGE_MAX (4u << 20) /* one answer */

enum transcript_kind {
    TRANSCRIPT_USER,      /* a question, shown as typed */
    TRANSCRIPT_ASSISTANT, /* an answer, Markdown */
    TRANSCRIPT_NOTICE,    /* a line from the app ("New conversation") */
    TRANSCRIPT_ERROR,     /* a problem, in plain words */
    TRANSCRIPT_DOCUMENT,  /* Markdown without a label (a passage shown on its own) */
};

enum transcript_state {
    TRANSCRIPT_DONE,
    TRANSCRIPT_PENDING,   /* waiting for the first text */
    TRANSCRIPT_STREAMING,
    TRANSCRIPT_CANCELLED,
    TRANSCRIPT_FAILED,
};

/* Style bits of display segments: the enum markdown_style bits plus these. */
enum transcript_style {
    TRANSCRIPT_STYLE_USER = 1 << 12,
    TRANSCRIPT_STYLE_LABEL = 1 << 13, /* "You" / "CCA" */
    TRANSCRIPT_STYLE_NOTE = 1 << 14,  /* dim meta text: notes, "cancelled" */
    TRANSCRIPT_STYLE_ERROR = 1 << 15,
};

struct transcript_seg {
    size_t off, len;  /* bytes into the line's text */
    unsigned style;
    int citation;     /* n of a [n] citation, else 0 */
};

/* One display line; everything is borrowed until the next transcript_* call that changes
 * or reflows the transcript. The text holds no tabs or controls. */
struct transcript_line {
    const char *text;
    size_t len;
    const struct transcript_seg *segs; /* cover text in order */
    size_t seg_count;
    size_t message; /* index of the message the line belongs to */
};

struct transcript;

struct transcript *transcript_new(void);
/* NULL is a no-op. */
void transcript_free(struct transcript *t);
/* Removes every message; the view follows the bottom again. */
void transcript_clear(struct transcript *t);

/* Adds a message (copies the text) and returns its index. */
size_t transcript_add(struct transcript *t, enum transcript_kind kind, const char *text,
                      size_t len);
/* Appends text to a message (copies); ERR_TOO_LARGE beyond TRANSCRIPT_MESSAGE_MAX. */
enum err transcript_append(struct transcript *t, size_t index, const char *text, size_t len);
/* Replaces a message's text (copies): the final answer after its stream. */
enum err transcript_replace(struct transcript *t, size_t index, const char *text, size_t len);
void transcript_set_state(struct transcript *t, size_t index, enum transcript_state state);
/* A short line shown under the message (copies; NULL removes it): sources, confidence, the
 * reason of a failure. Shown as an error when the message failed. */
void transcript_set_note(struct transcript *t, size_t index, const char *note);

size_t transcript_count(const struct transcript *t);
/* The message text, valid until it changes; *len may be NULL. */
const char *transcript_text(const struct transcript *t, size_t index, size_t *len);
enum transcript_kind transcript_kind_of(const struct transcript *t, size_t index);

/* Sets the pane size in columns and rows; lines are rewrapped lazily. */
void transcript_resize(struct transcript *t, int width, int height);
/* Number of display lines at the current width (rewraps what changed). */
size_t transcript_line_count(struct transcript *t);
/* Fills *out with display line i; false when i is out of range. */
bool transcript_line_at(struct transcript *t, size_t i, struct transcript_line *out);

/* The first visible display line. While following, the view shows the newest lines. */
size_t transcript_top(struct transcript *t);
/* Scrolls by lines (negative: towards older text), by pages, or to either end. */
void transcript_scroll(struct transcript *t, long lines);
void transcript_page(struct transcript *t, int pages);
void transcript_home(struct transcript *t);
void transcript_end(struct transcript *t);
/* True while the view sticks to the newest line. */
bool transcript_is_following(const struct transcript *t);

#endif

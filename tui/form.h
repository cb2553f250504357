/* form: labelled fields a screen edits (content editor, assessment settings, admin): single-line
 * UTF-8 text (tui/editor underneath), a choice of one of N options, an integer with bounds;
 * required flags, validation with messages, focus, and read-back as strings or numbers. The
 * model is pure; form_draw only uses tui/render. Editing functions act on the focused field and
 * return false when nothing changed. */
#ifndef CCA_TUI_FORM_H
#define CCA_TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"

struct render;

enum form_kind {
    FORM_TEXT,   /* one line of text */
    FORM_CHOICE, /* one of a fixed list of options */
    FORM_NUMBER, /* an integer typed as digits (and a leading '-' when min < 0) */
};

/* A field's own rule beyond the built-in ones: NULL when value (the text as typed) is fine,
 * else the message to show (copied by the form). Called only when the built-in checks pass. */
typedef const char *(*form_check_fn)(void *userdata, const char *value);

struct form;

struct form *form_new(void);
/* NULL is a no-op. */
void form_free(struct form *f);

/* Adding fields returns the field's index (0, 1, ... in order); labels and options are copied.
 * max_chars (in characters, 0: no limit) and min..max are checked by form_validate. A choice
 * starts on its first option; a choice with no options is always empty. */
size_t form_add_text(struct form *f, const char *label, bool is_required, size_t max_chars);
size_t form_add_choice(struct form *f, const char *label, const char *const *options, size_t count);
size_t form_add_number(struct form *f, const char *label, bool is_required, long min, long max);
/* Replaces every built-in message of field ("Time limit must be a positive number of
 * minutes"; copies). */
void form_set_message(struct form *f, size_t field, const char *message);
/* Adds a rule for field; userdata is borrowed for the form's life. */
void form_set_check(struct form *f, size_t field, form_check_fn check, void *userdata);
/* Dim text shown while a text or number field is empty (copies; NULL removes it). */
void form_set_placeholder(struct form *f, size_t field, const char *text);

size_t form_count(const struct form *f);
enum form_kind form_kind_of(const struct form *f, size_t field);

/* The value as text: what was typed (text, number) or the chosen option ("" for a choice
 * without options); borrowed until the field changes. */
const char *form_text(const struct form *f, size_t field);
/* A number field's value; false when it is empty, not a whole number or outside min..max. */
bool form_number(const struct form *f, size_t field, long *out);
/* A choice field's option index. */
size_t form_choice(const struct form *f, size_t field);
/* Setting values (loading a record) marks the form modified and clears the field's error;
 * newlines become spaces, controls are dropped. On a choice, form_set_text selects the option
 * equal to text; an unknown option or index is ignored. */
void form_set_text(struct form *f, size_t field, const char *text);
void form_set_number(struct form *f, size_t field, long value);
void form_set_choice(struct form *f, size_t field, size_t option);

/* True once a value changed since form_new or form_mark_clean (ask before discarding). */
bool form_is_modified(const struct form *f);
void form_mark_clean(struct form *f);

/* Focus: the focused field's index (0 when there is none). Next and previous stop at the ends
 * and return false there, so the screen can move on to its buttons. */
size_t form_focused(const struct form *f);
void form_focus(struct form *f, size_t field);
bool form_focus_next(struct form *f);
bool form_focus_prev(struct form *f);

/* Typing into the focused field: text fields take the text (newlines become spaces); number
 * fields keep only the digits (and a '-' at the start when min < 0), at most 18 of them; on a
 * choice, space picks the next option and a letter the next option starting with it. */
bool form_insert(struct form *f, const char *text, size_t len);
bool form_backspace(struct form *f);
bool form_delete(struct form *f);
bool form_delete_word_back(struct form *f); /* Ctrl-W */
bool form_kill_to_start(struct form *f);    /* Ctrl-U */
bool form_kill_to_end(struct form *f);      /* Ctrl-K */
/* Left/right move the cursor by a character, or pick the previous/next option of a choice
 * (wrapping). */
bool form_left(struct form *f);
bool form_right(struct form *f);
bool form_word_left(struct form *f);
bool form_word_right(struct form *f);
bool form_home(struct form *f);
bool form_end(struct form *f);
/* Steps the focused choice by delta options (wrapping) or number by delta (from min, or 0
 * when in range, if empty or invalid; clamped to min..max). False for text fields. */
bool form_step(struct form *f, long delta);
/* The cursor in the focused text or number field as a byte offset into form_text. */
size_t form_cursor(const struct form *f);

/* Checks one field against its rules: NULL when it is valid, else the message (borrowed until
 * the form changes). Does not store the error. */
const char *form_check(struct form *f, size_t field);
/* Checks every field, stores each field's error for form_error and form_draw, and focuses the
 * first invalid field. True when all are valid; else *field and *message (either may be NULL)
 * get the first problem (message borrowed until the field changes). */
bool form_validate(struct form *f, size_t *field, const char **message);
/* The error stored by the last form_validate for field, cleared when the field changes;
 * NULL when there is none. */
const char *form_error(const struct form *f, size_t field);

/* Draws one row per field (the label, " *" when required, then the value: text in
 * THEME_INPUT scrolled to keep the cursor visible, a choice as "‹ option ›") and a row under
 * each field with an error, in THEME_ERROR. Scrolls to keep the focused field visible; when
 * is_focused the focused label is bold and text fields get the cursor. */
void form_draw(struct form *f, struct render *r, const struct layout_rect *rect, bool is_focused);

#endif

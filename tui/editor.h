/* editor: the input box model: a multi-line UTF-8 buffer with a cursor and a history of sent
 * entries. Pure: no curses; the cursor never sits inside a character or a combining cluster. */
#ifndef CCA_TUI_EDITOR_H
#define CCA_TUI_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

#define EDITOR_MAX_LEN (64u * 1024u) /* one question */
#define EDITOR_HISTORY_MAX 200

struct editor;

/* One visual row of the wrapped text: bytes [off, off + len) of editor_text. */
struct editor_row {
    size_t off, len;
};

struct editor *editor_new(void);
/* NULL is a no-op. */
void editor_free(struct editor *e);

/* The text (NUL-terminated, valid until the next change) and its length in *len (may be NULL). */
const char *editor_text(const struct editor *e, size_t *len);
/* The cursor as a byte offset into the text. */
size_t editor_cursor(const struct editor *e);
bool editor_is_empty(const struct editor *e);
/* True when the text is blank (only spaces and newlines). */
bool editor_is_blank(const struct editor *e);

/* Inserts text at the cursor (copies). Invalid UTF-8 becomes U+FFFD, CR is dropped, tabs
 * become a space and other controls are dropped; text beyond EDITOR_MAX_LEN is cut. */
void editor_insert(struct editor *e, const char *text, size_t len);
void editor_insert_newline(struct editor *e);
/* Replaces the whole text; the cursor goes to the end. */
void editor_set_text(struct editor *e, const char *text);
void editor_clear(struct editor *e);

/* Editing at the cursor; each returns false when there was nothing to do. */
bool editor_backspace(struct editor *e);
bool editor_delete(struct editor *e);
bool editor_delete_word_back(struct editor *e); /* Ctrl-W */
bool editor_kill_to_line_start(struct editor *e); /* Ctrl-U */
bool editor_kill_to_line_end(struct editor *e);   /* Ctrl-K */

/* Cursor movement; each returns false when the cursor could not move. */
bool editor_left(struct editor *e);
bool editor_right(struct editor *e);
bool editor_word_left(struct editor *e);
bool editor_word_right(struct editor *e);
bool editor_line_start(struct editor *e);
bool editor_line_end(struct editor *e);
/* Moves to the previous/next logical line, keeping the column; false on the first/last line
 * (the caller then walks the history). */
bool editor_up(struct editor *e);
bool editor_down(struct editor *e);

/* Hands the text to the caller (heap string), records it in the history when not blank and
 * not equal to the newest entry, and empties the editor. */
char *editor_take(struct editor *e);
/* Adds an entry to the history without touching the text (copies). */
void editor_history_add(struct editor *e, const char *text);
/* Walks the history: the first step back saves the current text as a draft that stepping
 * past the newest entry restores. False when there is nowhere to go. */
bool editor_history_prev(struct editor *e);
bool editor_history_next(struct editor *e);

/* Wraps the text to width columns (character wrap; a '\n' always starts a row). Fills at
 * most max_rows rows and returns the total number of rows; *cursor_row and *cursor_col
 * (columns) locate the cursor, which after a full row continues on the next one. */
size_t editor_wrap(const struct editor *e, int width, struct editor_row *rows, size_t max_rows,
                   size_t *cursor_row, int *cursor_col);

#endif

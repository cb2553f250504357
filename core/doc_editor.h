/* doc_editor: the model of a multi-line document editor (the Content tab's Markdown body):
 * UTF-8 text kept as an array of lines, a cursor, an optional selection, undo/redo in
 * groups, search and replace, a cut buffer of lines or selections, go to line, and soft
 * wrapping for the view. Pure: no curses, no I/O. Edits cost O(line length) plus O(lines)
 * for a line split or join, so a keystroke in a 1 MB document stays well under a
 * millisecond; the whole text is assembled only when asked for (doc_editor_text). Positions
 * are (line, byte offset in the line), always on a character boundary. */
#ifndef CCA_DOC_EDITOR_H
#define CCA_DOC_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

enum { DOC_EDITOR_MAX_LEN = 4 * 1024 * 1024 }; /* bytes of one document (the database's cap) */

struct doc_editor;

struct doc_pos {
    size_t line;
    size_t col; /* bytes into the line */
};

/* A new editor holding text (len bytes, copied; may be NULL for an empty document). Invalid
 * UTF-8 becomes U+FFFD, CR is dropped, controls other than tab become U+FFFD. */
struct doc_editor *doc_editor_new(const char *text, size_t len);
/* NULL is a no-op. */
void doc_editor_free(struct doc_editor *e);

/* The whole text joined with '\n', as a heap string the caller frees; *len (may be NULL) gets
 * its length. */
char *doc_editor_text(const struct doc_editor *e, size_t *len);
size_t doc_editor_len(const struct doc_editor *e); /* bytes, newlines counted */
size_t doc_editor_line_count(const struct doc_editor *e);
/* Line i (not NUL-terminated) and its length; valid until the next change. */
const char *doc_editor_line(const struct doc_editor *e, size_t i, size_t *len);
struct doc_pos doc_editor_cursor(const struct doc_editor *e);
/* Whether the text differs from what doc_editor_mark_clean last saw (undo back to that
 * point counts as clean). */
bool doc_editor_is_dirty(const struct doc_editor *e);
void doc_editor_mark_clean(struct doc_editor *e);
/* Counts changes (for draft timers): grows by one with every edit, undo and redo. */
unsigned long doc_editor_generation(const struct doc_editor *e);

/* --- editing (each is one undo step; typing merges into words) ---------------------------- */
/* Inserts text at the cursor, replacing the selection if there is one; sanitised as for
 * doc_editor_new. False when the document would pass DOC_EDITOR_MAX_LEN. */
bool doc_editor_insert(struct doc_editor *e, const char *text, size_t len);
bool doc_editor_newline(struct doc_editor *e);
bool doc_editor_backspace(struct doc_editor *e); /* or deletes the selection */
bool doc_editor_delete(struct doc_editor *e);    /* or deletes the selection */
bool doc_editor_undo(struct doc_editor *e);
bool doc_editor_redo(struct doc_editor *e);
/* Replaces the whole text (one undo step); the cursor goes to the start. */
void doc_editor_set_text(struct doc_editor *e, const char *text, size_t len);

/* --- cursor -------------------------------------------------------------------------------- */
bool doc_editor_left(struct doc_editor *e);
bool doc_editor_right(struct doc_editor *e);
bool doc_editor_word_left(struct doc_editor *e);
bool doc_editor_word_right(struct doc_editor *e);
bool doc_editor_home(struct doc_editor *e);
bool doc_editor_end(struct doc_editor *e);
/* Up/down by one visual row of the view wrapped at width columns (soft wrap), keeping the
 * column; at width 0, by logical line. */
bool doc_editor_up(struct doc_editor *e, int width);
bool doc_editor_down(struct doc_editor *e, int width);
void doc_editor_top(struct doc_editor *e);
void doc_editor_bottom(struct doc_editor *e);
/* Moves to the start of line (1-based, clamped); false for 0. */
bool doc_editor_goto_line(struct doc_editor *e, size_t line);
/* Moves to pos (clamped to the text and to a character boundary). */
void doc_editor_set_cursor(struct doc_editor *e, struct doc_pos pos);

/* --- selection and the cut buffer ----------------------------------------------------------- */
/* Starts a selection at the cursor (it extends as the cursor moves), or ends it. */
void doc_editor_toggle_mark(struct doc_editor *e);
bool doc_editor_has_selection(const struct doc_editor *e);
/* The selection as [*from, *to); false when there is none. */
bool doc_editor_selection(const struct doc_editor *e, struct doc_pos *from, struct doc_pos *to);
/* Cuts the selection, or else the cursor's whole line (consecutive line cuts accumulate, as in
 * nano), into the cut buffer. */
bool doc_editor_cut(struct doc_editor *e);
/* Copies the selection, or else the cursor's line, into the cut buffer. */
bool doc_editor_copy(struct doc_editor *e);
/* Inserts the cut buffer at the cursor. */
bool doc_editor_paste(struct doc_editor *e);
/* The cut buffer (may be NULL), valid until the next cut or copy. */
const char *doc_editor_clipboard(const struct doc_editor *e);

/* --- search and replace --------------------------------------------------------------------- */
/* Finds needle (ASCII letters match either case; no newline) after the cursor, wrapping to the
 * top; selects the match and puts the cursor at its end. False when there is none. */
bool doc_editor_find(struct doc_editor *e, const char *needle);
/* When the selection is exactly a match of needle, replaces it with with and finds the next;
 * else only finds. False when there is no match. */
bool doc_editor_replace(struct doc_editor *e, const char *needle, const char *with);
/* Replaces every match (one undo step); returns how many. */
size_t doc_editor_replace_all(struct doc_editor *e, const char *needle, const char *with);
/* Finds text (which may span lines) from the top and puts the cursor at its start; false when
 * absent. For "open the editor at that passage". */
bool doc_editor_find_text(struct doc_editor *e, const char *text);

/* --- the view (soft wrap) ------------------------------------------------------------------- */
/* Visual row starts of line i wrapped at width columns (at spaces when a word fits, else
 * anywhere): offsets[0] = 0, up to max offsets; returns the number of rows (>= 1). */
size_t doc_editor_wrap_line(const struct doc_editor *e, size_t i, int width, size_t *offsets,
                            size_t max);
/* Keeps the cursor inside a view of rows x width whose first visual row is (*top_line,
 * *top_row); adjusts them. */
void doc_editor_scroll_to_cursor(const struct doc_editor *e, int width, int rows,
                                 size_t *top_line, size_t *top_row);
/* The cursor's visual row inside its line and its column, at width. */
void doc_editor_cursor_visual(const struct doc_editor *e, int width, size_t *row, int *col);

#endif

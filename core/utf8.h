/* utf8: decoding, display width in terminal columns, safe truncation and sanitising of
 * untrusted text. Pure: no locale, no I/O; the width tables come from the C library's wcwidth
 * (C.UTF-8) so they agree with what ncursesw draws. */
#ifndef CCA_UTF8_H
#define CCA_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s (len bytes, len > 0) into *cp and returns the bytes it used
 * (1..4). Invalid, overlong, surrogate or truncated sequences give U+FFFD and consume 1 byte,
 * so a decoder loop always advances. Returns 0 only when len is 0. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Writes cp as UTF-8 into out (4 bytes) and returns the length; invalid code points are
 * written as U+FFFD. */
size_t utf8_encode(uint32_t cp, char out[4]);
/* True when s (len bytes) is well-formed UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

/* Columns one code point takes: 0 (combining, zero-width), 1, or 2 (CJK, emoji). Control and
 * unassigned code points count as 1, the width of the U+FFFD that utf8_sanitize puts there. */
int utf8_cp_width(uint32_t cp);
/* True for code points the terminal must never receive (controls, bidi overrides, unassigned). */
bool utf8_cp_is_unsafe(uint32_t cp);
/* Columns the string takes (tabs count as 1: callers expand them first). */
size_t utf8_width(const char *s, size_t len);
/* The number of bytes of s (len bytes) that fit in max_width columns without splitting a
 * character; combining marks stay with their base. *width (may be NULL) gets the columns used. */
size_t utf8_fit(const char *s, size_t len, size_t max_width, size_t *width);
/* Bytes of the previous / next character boundary from offset off (code point granularity,
 * skipping combining marks so the cursor never lands inside a cluster). */
size_t utf8_prev(const char *s, size_t len, size_t off);
size_t utf8_next(const char *s, size_t len, size_t off);
/* One row of s (len bytes) wrapped at width columns: the bytes on the row (all of them when
 * they fit, else up to the last space that fits, else what fits, at least one character when
 * len > 0). *next gets where the next row starts: after the row and the spaces that follow. */
size_t utf8_wrap_row(const char *s, size_t len, size_t width, size_t *next);

/* True for invisible format characters that can hide or spoof text (U+200B zero-width space,
 * U+2060-2064, U+FEFF, U+180E, U+206A-206F, Hangul fillers, U+FFF9-FFFB, tag characters
 * U+E0000-E007F, ...). ZWJ, ZWNJ and variation selectors are not: real text needs them. */
bool utf8_cp_is_invisible(uint32_t cp);

/* Makes untrusted text (LLM output, documents, names) safe to show: escape sequences (CSI,
 * OSC, DCS, SOS, PM, APC, and two-byte ESC x) are removed whole, CR is dropped, invisible
 * format characters (utf8_cp_is_invisible) are dropped, other C0/C1 controls and DEL, bidi
 * overrides and isolates (U+202A-202E, U+2066-2069, U+200E/F, U+061C), unassigned code points
 * and invalid UTF-8 become U+FFFD; newline and tab stay. Returns a heap string owned by the
 * caller; *out_len (may be NULL) gets its length. Right-to-left letters are text and stay (a
 * bidi-aware terminal still shows them right to left), but no override or isolate survives to
 * disguise the order of the text around them. */
char *utf8_sanitize(const char *s, size_t len, size_t *out_len);
/* The same for one-line labels (names, titles, status text, log lines): newlines and tabs
 * become spaces as well. */
char *utf8_sanitize_line(const char *s, size_t len, size_t *out_len);

#endif

/* utf8: decoding, widths, truncation and sanitising. Pure; never trusts the bytes it reads
 * (every loop advances by at least one byte and stays inside len). */
#include "core/utf8.h"

#include <stdlib.h>

#include "core/buf.h"
#include "core/mem.h"

struct utf8_range {
    uint32_t first, last;
};

#include "core/utf8_tables.inc"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool in_table(const struct utf8_range *t, size_t n, uint32_t cp)
{
    if (n == 0 || cp < t[0].first || cp > t[n - 1].last)
        return false;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp > t[mid].last)
            lo = mid + 1;
        else if (cp < t[mid].first)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* --- decoding --------------------------------------------------------------------------- */

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    if (len == 0) {
        *cp = UTF8_REPLACEMENT;
        return 0;
    }
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = UTF8_REPLACEMENT;
        return 1;
    }
    if (len < need) {
        *cp = UTF8_REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = UTF8_REPLACEMENT;
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = UTF8_REPLACEMENT;
        return 1;
    }
    *cp = v;
    return need;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = UTF8_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_is_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        /* A decoded U+FFFD of three bytes is the real character; one byte means invalid. */
        if (cp == UTF8_REPLACEMENT && n == 1)
            return false;
        i += n;
    }
    return true;
}

/* --- widths ----------------------------------------------------------------------------- */

static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

bool utf8_cp_is_unsafe(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return true;
    if (is_bidi_control(cp))
        return true;
    return in_table(utf8_unprintable, COUNT_OF(utf8_unprintable), cp);
}

int utf8_cp_width(uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7F)
        return 1;
    if (cp == 0 || utf8_cp_is_unsafe(cp))
        return 1;
    if (in_table(utf8_zero_width, COUNT_OF(utf8_zero_width), cp))
        return 0;
    if (in_table(utf8_double_width, COUNT_OF(utf8_double_width), cp))
        return 2;
    return 1;
}

size_t utf8_width(const char *s, size_t len)
{
    size_t w = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        w += (size_t)utf8_cp_width(cp);
    }
    return w;
}

size_t utf8_fit(const char *s, size_t len, size_t max_width, size_t *width)
{
    size_t w = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        size_t cw = (size_t)utf8_cp_width(cp);
        if (w + cw > max_width)
            break;
        w += cw;
        i += n;
    }
    if (width)
        *width = w;
    return i;
}

static bool is_zero_width_at(const char *s, size_t len, size_t off, size_t *n)
{
    uint32_t cp;
    *n = utf8_decode(s + off, len - off, &cp);
    return cp != 0 && utf8_cp_width(cp) == 0 && !utf8_cp_is_unsafe(cp);
}

size_t utf8_next(const char *s, size_t len, size_t off)
{
    if (off >= len)
        return len;
    uint32_t cp;
    off += utf8_decode(s + off, len - off, &cp);
    size_t n;
    while (off < len && is_zero_width_at(s, len, off, &n))
        off += n;
    return off;
}

size_t utf8_wrap_row(const char *s, size_t len, size_t width, size_t *next)
{
    size_t take = utf8_fit(s, len, width, NULL);
    if (take < len) {
        size_t k = take;
        while (k > 0 && s[k] != ' ')
            k--;
        if (k > 0)
            take = k;
        else if (take == 0)
            take = utf8_next(s, len, 0);
    }
    size_t n = take;
    while (n < len && s[n] == ' ')
        n++;
    *next = n;
    return take;
}

size_t utf8_prev(const char *s, size_t len, size_t off)
{
    if (off > len)
        off = len;
    /* Walk forward from the start of the line-independent run: simple and always correct,
     * since utf8_next defines the boundaries. Inputs here are edit buffers (small). */
    size_t pos = 0, prev = 0;
    while (pos < off) {
        prev = pos;
        pos = utf8_next(s, len, pos);
    }
    return prev;
}

/* --- sanitising ------------------------------------------------------------------------- */

/* Invisible format characters that only serve to hide or spoof text: zero-width space, word
 * joiner and invisible operators, BOM, the deprecated format controls, interlinear annotation,
 * Hangul fillers (blank-looking letters), shorthand format controls, musical format controls
 * and the tag characters (used to smuggle invisible text). ZWJ/ZWNJ (emoji sequences, Persian
 * and Indic spelling) and variation selectors stay: real text needs them. */
static const struct utf8_range invisible[] = {
    {0x115F, 0x1160}, {0x180E, 0x180E}, {0x200B, 0x200B}, {0x2060, 0x2064},
    {0x206A, 0x206F}, {0x3164, 0x3164}, {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0},
    {0xFFF9, 0xFFFB}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE007F},
};

bool utf8_cp_is_invisible(uint32_t cp)
{
    return in_table(invisible, COUNT_OF(invisible), cp);
}

/* Length of an escape sequence starting at s[0] == ESC (or a C1 introducer given as its
 * 7-bit final byte in intro), consuming through its terminator or to the end of input. */
static size_t string_body_len(const char *s, size_t len, size_t i)
{
    /* OSC/DCS/SOS/PM/APC bodies end at BEL, ESC \ or the C1 ST (U+009C as UTF-8 C2 9C). */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x07)
            return i + 1;
        /* ESC \ is the terminator; any other ESC aborts the string (as terminals do) and
         * starts a sequence of its own, which is then removed in turn. */
        if (c == 0x1B)
            return (i + 1 < len && s[i + 1] == '\\') ? i + 2 : i;
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0x9C)
            return i + 2;
        i++;
    }
    return len;
}

static size_t csi_body_len(const char *s, size_t len, size_t i)
{
    /* Parameter and intermediate bytes 0x20-0x3F, then one final byte 0x40-0x7E. Anything
     * else ends the sequence without being part of it. */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c <= 0x3F) {
            i++;
            continue;
        }
        if (c >= 0x40 && c <= 0x7E)
            return i + 1;
        return i;
    }
    return len;
}

/* Given the byte after an introducer (ESC x or C1), returns where the sequence ends. */
static size_t sequence_end(const char *s, size_t len, size_t i, unsigned char kind)
{
    switch (kind) {
    case '[':
        return csi_body_len(s, len, i);
    case ']':
    case 'P':
    case 'X':
    case '^':
    case '_':
        return string_body_len(s, len, i);
    default:
        return i;
    }
}

static char *sanitize(const char *s, size_t len, size_t *out_len, bool is_line)
{
    struct buf b;
    /* The output is at most 3 bytes per input byte (one byte -> U+FFFD). */
    buf_init(&b, len * 3 + 16);
    static const char repl[] = "\xEF\xBF\xBD";
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1B) {
            if (i + 1 >= len) {
                i++;
                continue;
            }
            unsigned char k = (unsigned char)s[i + 1];
            if (k == '[' || k == ']' || k == 'P' || k == 'X' || k == '^' || k == '_') {
                i = sequence_end(s, len, i + 2, k);
            } else if (k >= 0x20 && k <= 0x2F) {
                /* ESC with intermediates (charset selection like ESC ( B): skip them and
                 * the final byte. */
                size_t j = i + 1;
                while (j < len && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2F)
                    j++;
                i = j < len ? j + 1 : len;
            } else if (k >= 0x30 && k <= 0x7E) {
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (c == '\r') {
            i++;
            continue;
        }
        if (c == '\n' || c == '\t') {
            buf_append_char(&b, is_line ? ' ' : (char)c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        /* 8-bit C1 introducers arrive as U+0080..U+009F in UTF-8 text. */
        if (cp == 0x9B || cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F) {
            unsigned char kind = cp == 0x9B ? '[' : cp == 0x9D ? ']' : cp == 0x90 ? 'P' : 'X';
            i = sequence_end(s, len, i + n, kind);
            continue;
        }
        bool is_invalid = cp == UTF8_REPLACEMENT && n == 1;
        if (!is_invalid && utf8_cp_is_invisible(cp)) {
            i += n;
            continue;
        }
        if (is_invalid || cp == 0 || utf8_cp_is_unsafe(cp))
            buf_append(&b, repl, 3);
        else
            buf_append(&b, s + i, n);
        i += n;
    }
    if (out_len)
        *out_len = b.len;
    return buf_detach(&b);
}

char *utf8_sanitize(const char *s, size_t len, size_t *out_len)
{
    return sanitize(s, len, out_len, false);
}

char *utf8_sanitize_line(const char *s, size_t len, size_t *out_len)
{
    return sanitize(s, len, out_len, true);
}

/* script: parses the headless test scripts line by line into steps (see script.h for the
 * syntax). Key names are keymap's, plus a few aliases test authors reach for. */
#include "tui/script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "tui/keymap.h"

#define SCRIPT_MAX_LEN (1024 * 1024)
#define SCRIPT_MAX_SIZE 1000 /* rows or columns of :resize */

struct step_owned {
    struct script_step pub;
    char *text;
    struct input_event *events;
    char *name;
};

struct script {
    struct step_owned *steps;
    size_t count, cap;
};

static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"lt", "<"},          {"gt", ">"},
    {"Escape", "Esc"},    {"Return", "Enter"},     {"CR", "Enter"},
    {"BS", "Backspace"},  {"Del", "Delete"},       {"Ins", "Insert"},
    {"PageUp", "PgUp"},   {"PageDown", "PgDn"},
    {"S-Tab", "Shift-Tab"}, {"BackTab", "Shift-Tab"},
    {"S-Up", "Shift-Up"}, {"S-Down", "Shift-Down"},
    {"C-Left", "Ctrl-Left"}, {"C-Right", "Ctrl-Right"},
    {"C-Home", "Ctrl-Home"}, {"C-End", "Ctrl-End"},
};

/* One <name> into *ev: M-/Alt- prefixes, an alias or a keymap key name. */
static bool parse_name(const char *name, struct input_event *ev)
{
    bool is_alt = false;
    for (;;) {
        if (strncasecmp(name, "M-", 2) == 0 && name[2]) {
            name += 2;
        } else if (strncasecmp(name, "Alt-", 4) == 0 && name[4]) {
            name += 4;
        } else {
            break;
        }
        is_alt = true;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strcasecmp(name, aliases[i].alias) == 0) {
            name = aliases[i].name;
            break;
        }
    }
    if (!keymap_parse_key(name, ev))
        return false;
    ev->is_alt = ev->is_alt || is_alt;
    return true;
}

static struct step_owned *add_step(struct script *s, enum script_kind kind, int line,
                                   const char *text, size_t len)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->steps = xreallocarray(s->steps, s->cap, sizeof *s->steps);
    }
    struct step_owned *st = &s->steps[s->count++];
    memset(st, 0, sizeof *st);
    st->text = xstrndup(text, len);
    st->pub.kind = kind;
    st->pub.line = line;
    return st;
}

static void push_event(struct step_owned *st, size_t *cap, const struct input_event *ev)
{
    if (st->pub.event_count == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        st->events = xreallocarray(st->events, *cap, sizeof *st->events);
    }
    st->events[st->pub.event_count++] = *ev;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* "type TEXT": one character event per code point. */
static bool parse_type(struct step_owned *st, const char *p, size_t len, char *why,
                       size_t whylen)
{
    size_t cap = 0;
    if (!utf8_is_valid(p, len)) {
        snprintf(why, whylen, "the text is not valid UTF-8");
        return false;
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(p + i, len - i, &cp);
        if (cp < 32 || cp == 127) {
            snprintf(why, whylen, "control characters cannot be typed: use a key (<Tab>)");
            return false;
        }
        struct input_event ev = {.kind = INPUT_CHAR, .cp = cp};
        push_event(st, &cap, &ev);
    }
    return true;
}

/* A line of keys: tokens separated by blanks, each one character or one or more <name>s. */
static bool parse_keys(struct step_owned *st, const char *p, size_t len, char *why,
                       size_t whylen)
{
    size_t cap = 0;
    size_t i = 0;
    while (i < len) {
        if (is_space(p[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && !is_space(p[i]))
            i++;
        const char *tok = p + start;
        size_t tlen = i - start;
        if (tok[0] != '<' || tlen == 1) {
            uint32_t cp;
            size_t n = utf8_decode(tok, tlen, &cp);
            if (n != tlen || cp == UTF8_REPLACEMENT) {
                snprintf(why, whylen,
                         "'%.*s' is not a key: write keys as <Name> or one character, and "
                         "text as 'type %.*s'",
                         (int)tlen, tok, (int)tlen, tok);
                return false;
            }
            struct input_event ev = {.kind = INPUT_CHAR, .cp = cp};
            push_event(st, &cap, &ev);
            continue;
        }
        for (size_t k = 0; k < tlen;) {
            const char *close = tok[k] == '<' ? memchr(tok + k, '>', tlen - k) : NULL;
            if (!close || close == tok + k + 1) {
                snprintf(why, whylen, "'%.*s' is not a key: write <Name>, e.g. <Enter>",
                         (int)tlen, tok);
                return false;
            }
            size_t nlen = (size_t)(close - (tok + k + 1));
            char name[64];
            struct input_event ev;
            if (nlen >= sizeof name) {
                snprintf(why, whylen, "'%.*s' is not a key name", (int)tlen, tok);
                return false;
            }
            memcpy(name, tok + k + 1, nlen);
            name[nlen] = '\0';
            if (!parse_name(name, &ev)) {
                snprintf(why, whylen,
                         "<%s> is not a key name (try <Enter>, <Esc>, <Tab>, <C-c>, <M-1>, "
                         "<F1>, <Up>, <PgDn>, <lt>)",
                         name);
                return false;
            }
            push_event(st, &cap, &ev);
            k = (size_t)(close - tok) + 1;
        }
    }
    return true;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

/* ":command ARG": the test commands. */
static bool parse_command(struct script *s, int line_no, const char *line, size_t len,
                          char *why, size_t whylen)
{
    size_t n = 1;
    while (n < len && !is_space(line[n]))
        n++;
    const char *cmd = line + 1;
    size_t clen = n - 1;
    while (n < len && is_space(line[n]))
        n++;
    const char *arg = line + n;
    size_t alen = len - n;
    while (alen > 0 && is_space(arg[alen - 1]))
        alen--;
    if (clen == 11 && strncmp(cmd, "save-screen", 11) == 0) {
        size_t nlen = 0;
        while (nlen < alen && !is_space(arg[nlen]))
            nlen++;
        bool is_ok = nlen > 0 && nlen < 128 && arg[0] != '.';
        for (size_t i = 0; is_ok && i < nlen; i++)
            is_ok = is_name_char(arg[i]);
        if (!is_ok) {
            snprintf(why, whylen, ":save-screen needs a NAME of letters, digits, '-', '_' "
                                  "and '.' (not first)");
            return false;
        }
        int first = 0, last = 0;
        const char *rows = arg + nlen;
        size_t rlen = alen - nlen;
        while (rlen > 0 && is_space(*rows)) {
            rows++;
            rlen--;
        }
        if (rlen > 0) {
            char spec[32];
            int used = 0;
            if (rlen < sizeof spec) {
                memcpy(spec, rows, rlen);
                spec[rlen] = '\0';
                if (sscanf(spec, "%d-%d%n", &first, &last, &used) == 2 && (size_t)used == rlen)
                    ;
                else if (sscanf(spec, "%d%n", &first, &used) == 1 && (size_t)used == rlen)
                    last = first;
                else
                    first = last = 0;
            }
            if (first < 1 || last < first || last > SCRIPT_MAX_SIZE) {
                snprintf(why, whylen, ":save-screen NAME ROWS: ROWS is a row (3) or a range "
                                      "(1-2), counted from 1");
                return false;
            }
        }
        struct step_owned *st = add_step(s, SCRIPT_SAVE_SCREEN, line_no, line, len);
        st->name = xstrndup(arg, nlen);
        st->pub.first_row = first;
        st->pub.last_row = last;
        return true;
    }
    if (clen == 6 && strncmp(cmd, "resize", 6) == 0) {
        char spec[32];
        int cols = 0, rows = 0, used = 0;
        if (alen > 0 && alen < sizeof spec) {
            memcpy(spec, arg, alen);
            spec[alen] = '\0';
            if (sscanf(spec, "%dx%d%n", &cols, &rows, &used) != 2 || (size_t)used != alen)
                cols = rows = 0;
        }
        if (cols < 1 || rows < 1 || cols > SCRIPT_MAX_SIZE || rows > SCRIPT_MAX_SIZE) {
            snprintf(why, whylen, ":resize needs COLSxROWS, e.g. :resize 100x30");
            return false;
        }
        struct step_owned *st = add_step(s, SCRIPT_RESIZE, line_no, line, len);
        st->pub.cols = cols;
        st->pub.rows = rows;
        return true;
    }
    if (clen == 9 && strncmp(cmd, "wait-idle", 9) == 0 && alen == 0) {
        add_step(s, SCRIPT_WAIT_IDLE, line_no, line, len);
        return true;
    }
    snprintf(why, whylen, "unknown command '%.*s' (there are :save-screen NAME, :resize "
                          "COLSxROWS and :wait-idle)",
             (int)(len > 60 ? 60 : len), line);
    return false;
}

static bool parse_line(struct script *s, int line_no, const char *line, size_t len, char *why,
                       size_t whylen)
{
    size_t lead = 0;
    while (lead < len && is_space(line[lead]))
        lead++;
    if (lead == len || line[lead] == '#')
        return true;
    if (lead > 0) {
        snprintf(why, whylen, "a line must not start with blanks");
        return false;
    }
    if (line[0] == ':')
        return parse_command(s, line_no, line, len, why, whylen);
    if (len >= 5 && strncmp(line, "type ", 5) == 0) {
        struct step_owned *st = add_step(s, SCRIPT_KEYS, line_no, line, len);
        return parse_type(st, line + 5, len - 5, why, whylen);
    }
    struct step_owned *st = add_step(s, SCRIPT_KEYS, line_no, line, len);
    return parse_keys(st, line, len, why, whylen);
}

enum err script_parse(const char *text, size_t len, struct script **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    struct script *s = xcalloc(1, sizeof *s);
    int line_no = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t llen = end - i;
        if (llen > 0 && text[i + llen - 1] == '\r')
            llen--;
        line_no++;
        char why[256] = "";
        if (!parse_line(s, line_no, text + i, llen, why, sizeof why)) {
            snprintf(err, errlen, "line %d: %s", line_no, why);
            script_free(s);
            return ERR_INVALID;
        }
        i = nl ? end + 1 : len;
    }
    for (size_t i = 0; i < s->count; i++) {
        struct step_owned *st = &s->steps[i];
        st->pub.text = st->text;
        st->pub.events = st->events;
        st->pub.name = st->name;
    }
    *out = s;
    return ERR_OK;
}

enum err script_load(const char *path, struct script **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ERR_IO;
    }
    struct buf b;
    buf_init(&b, SCRIPT_MAX_LEN);
    char chunk[8192];
    size_t n;
    enum err e = ERR_OK;
    while (e == ERR_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        e = buf_append(&b, chunk, n);
    bool is_read_error = ferror(f) != 0;
    fclose(f);
    if (e != ERR_OK || is_read_error) {
        snprintf(err, errlen, "%s: %s", path,
                 e != ERR_OK ? "larger than 1 MiB" : "could not be read");
        buf_cleanup(&b);
        return e != ERR_OK ? e : ERR_IO;
    }
    char why[512];
    e = script_parse(b.data ? b.data : "", b.len, out, why, sizeof why);
    if (e != ERR_OK)
        snprintf(err, errlen, "%s: %s", path, why);
    buf_cleanup(&b);
    return e;
}

void script_free(struct script *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->steps[i].text);
        free(s->steps[i].events);
        free(s->steps[i].name);
    }
    free(s->steps);
    free(s);
}

size_t script_step_count(const struct script *s)
{
    return s->count;
}

const struct script_step *script_step_at(const struct script *s, size_t i)
{
    return &s->steps[i].pub;
}

/* csv: RFC 4180 records into one arena of NUL-terminated fields. Pure; never guesses at a
 * malformed file. */
#include "core/csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct csv_record {
    size_t first; /* index of its first field in offsets */
    size_t count;
    size_t line;
};

struct csv {
    char *arena;       /* every field, NUL-terminated */
    size_t *offsets;   /* field k starts at arena + offsets[k] */
    size_t field_count, field_cap;
    struct csv_record *records;
    size_t record_count, record_cap;
};

static void add_field(struct csv *c, struct buf *arena, const char *s, size_t len)
{
    if (c->field_count == c->field_cap) {
        c->field_cap = c->field_cap ? c->field_cap * 2 : 16;
        c->offsets = xreallocarray(c->offsets, c->field_cap, sizeof *c->offsets);
    }
    c->offsets[c->field_count++] = arena->len;
    buf_append(arena, s, len);
    buf_append_char(arena, '\0');
}

static void add_record(struct csv *c, size_t first, size_t line)
{
    if (c->record_count == c->record_cap) {
        c->record_cap = c->record_cap ? c->record_cap * 2 : 16;
        c->records = xreallocarray(c->records, c->record_cap, sizeof *c->records);
    }
    c->records[c->record_count++] =
        (struct csv_record){.first = first, .count = c->field_count - first, .line = line};
}

static enum err fail(struct csv_error *error, size_t line, const char *reason, enum err e)
{
    if (error) {
        error->line = line;
        error->reason = reason;
    }
    return e;
}

enum err csv_parse(const char *text, size_t len, struct csv **out, struct csv_error *error)
{
    *out = NULL;
    if (error) {
        error->line = 0;
        error->reason = NULL;
    }
    if (len > CSV_TEXT_MAX)
        return fail(error, 0, "the file is larger than 32 MiB", ERR_TOO_LARGE);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    struct csv *c = xcalloc(1, sizeof *c);
    struct buf arena, field;
    /* Fields hold at most the text plus a terminator each. */
    buf_init(&arena, (size_t)CSV_TEXT_MAX * 2 + 16);
    buf_init(&field, (size_t)CSV_FIELD_MAX + 16);
    enum err e = ERR_OK;
    size_t line = 1, i = 0;
    while (i < len) {
        /* One record. An empty line is no record. */
        if (text[i] == '\n' || text[i] == '\r') {
            if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
                i++;
            i++;
            line++;
            continue;
        }
        if (c->record_count >= CSV_RECORDS_MAX) {
            e = fail(error, line, "more than 100000 records", ERR_TOO_LARGE);
            goto out;
        }
        size_t first = c->field_count, record_line = line;
        bool is_record_done = false;
        while (!is_record_done) {
            buf_reset(&field);
            if (i < len && text[i] == '"') {
                size_t quote_line = line;
                i++;
                for (;;) {
                    if (i >= len) {
                        e = fail(error, quote_line, "a quoted field is never closed",
                                 ERR_INVALID);
                        goto out;
                    }
                    char ch = text[i];
                    if (ch == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            buf_append_char(&field, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (ch == '\0') {
                        e = fail(error, line, "a NUL byte", ERR_INVALID);
                        goto out;
                    }
                    if (ch == '\n' || (ch == '\r' && !(i + 1 < len && text[i + 1] == '\n')))
                        line++;
                    buf_append_char(&field, ch);
                    i++;
                    if (field.len > CSV_FIELD_MAX) {
                        e = fail(error, line, "a field is longer than 64 KiB", ERR_TOO_LARGE);
                        goto out;
                    }
                }
                if (i < len && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    e = fail(error, line, "text after the closing quote of a field",
                             ERR_INVALID);
                    goto out;
                }
            } else {
                while (i < len && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    if (text[i] == '"') {
                        e = fail(error, line,
                                 "a quote inside an unquoted field (quote the whole field and "
                                 "double the quote)",
                                 ERR_INVALID);
                        goto out;
                    }
                    if (text[i] == '\0') {
                        e = fail(error, line, "a NUL byte", ERR_INVALID);
                        goto out;
                    }
                    buf_append_char(&field, text[i]);
                    i++;
                    if (field.len > CSV_FIELD_MAX) {
                        e = fail(error, line, "a field is longer than 64 KiB", ERR_TOO_LARGE);
                        goto out;
                    }
                }
            }
            add_field(c, &arena, buf_str(&field), field.len);
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            /* End of record: a line break (CRLF, LF or CR) or the end of the text. */
            if (i < len) {
                if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
                    i++;
                i++;
                line++;
            }
            is_record_done = true;
        }
        add_record(c, first, record_line);
    }
out:
    buf_cleanup(&field);
    if (e != ERR_OK) {
        buf_cleanup(&arena);
        csv_free(c);
        return e;
    }
    buf_append_char(&arena, '\0'); /* a non-NULL arena even for an empty file */
    c->arena = buf_detach(&arena);
    *out = c;
    return ERR_OK;
}

void csv_free(struct csv *c)
{
    if (!c)
        return;
    free(c->arena);
    free(c->offsets);
    free(c->records);
    free(c);
}

size_t csv_records(const struct csv *c)
{
    return c ? c->record_count : 0;
}

size_t csv_fields(const struct csv *c, size_t i)
{
    return c && i < c->record_count ? c->records[i].count : 0;
}

const char *csv_get(const struct csv *c, size_t i, size_t j)
{
    if (!c || i >= c->record_count || j >= c->records[i].count)
        return NULL;
    return c->arena + c->offsets[c->records[i].first + j];
}

size_t csv_line(const struct csv *c, size_t i)
{
    return c && i < c->record_count ? c->records[i].line : 0;
}

/* --- writing ------------------------------------------------------------------------------- */

static bool is_number(const char *s)
{
    size_t i = 0;
    if (s[i] == '-' || s[i] == '+')
        i++;
    size_t digits = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '-' || s[i] == '+')
            i++;
        if (s[i] < '0' || s[i] > '9')
            return false;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return s[i] == '\0';
}

bool csv_is_formula(const char *text)
{
    if (!text)
        return false;
    switch (text[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return !is_number(text);
    default:
        return false;
    }
}

enum err csv_append_field(struct buf *b, const char *field, bool is_defused)
{
    if (!field)
        return ERR_OK;
    bool is_quoted = strpbrk(field, ",\"\r\n") != NULL;
    enum err e = ERR_OK;
    if (is_quoted)
        e = buf_append_char(b, '"');
    if (e == ERR_OK && is_defused && csv_is_formula(field))
        e = buf_append_char(b, '\'');
    for (const char *p = field; e == ERR_OK && *p; p++) {
        if (*p == '"')
            e = buf_append_char(b, '"');
        if (e == ERR_OK)
            e = buf_append_char(b, *p);
    }
    if (e == ERR_OK && is_quoted)
        e = buf_append_char(b, '"');
    return e;
}

enum err csv_append_record(struct buf *b, const char *const *fields, size_t count,
                           bool is_defused)
{
    enum err e = ERR_OK;
    for (size_t i = 0; e == ERR_OK && i < count; i++) {
        if (i)
            e = buf_append_char(b, ',');
        if (e == ERR_OK)
            e = csv_append_field(b, fields[i], is_defused);
    }
    if (e == ERR_OK)
        e = buf_append_str(b, "\r\n");
    return e;
}

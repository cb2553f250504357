/* csv: a small RFC 4180 reader for the files admins import (`cca user import`), and the writer
 * of the reports (`cca report department --csv`). Pure: no I/O.
 * Fields are separated by commas, records by CRLF or LF (a lone CR too); a field in double
 * quotes may hold commas, line breaks and "" for a quote. A UTF-8 byte order mark is skipped
 * and empty lines are ignored. Never trusts its input: sizes are capped and a malformed file is
 * refused with the line of the problem, never guessed at. */
#ifndef CCA_CSV_H
#define CCA_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#include "core/err.h"

enum {
    CSV_TEXT_MAX = 32u << 20,  /* bytes of one file */
    CSV_FIELD_MAX = 64u << 10, /* bytes of one field */
    CSV_RECORDS_MAX = 100000,  /* records of one file */
};

struct csv;

/* Where and why a parse failed: line is 1-based (the line the problem is on). */
struct csv_error {
    size_t line;
    const char *reason; /* static text */
};

/* Parses text (len bytes). The caller owns *out (csv_free). ERR_INVALID for a malformed file
 * (a quote inside an unquoted field, text after a closing quote, an unterminated quoted field,
 * a NUL byte), ERR_TOO_LARGE beyond the caps; then *out is NULL and *error (may be NULL) says
 * where. Fields are returned as they are (no trimming, no UTF-8 repair). */
enum err csv_parse(const char *text, size_t len, struct csv **out, struct csv_error *error);
/* NULL is a no-op. */
void csv_free(struct csv *c);
/* The number of records (the header, when there is one, is record 0). */
size_t csv_records(const struct csv *c);
/* The number of fields of record i (0 out of range). */
size_t csv_fields(const struct csv *c, size_t i);
/* Field j of record i, NUL-terminated, or NULL out of range; valid until csv_free. */
const char *csv_get(const struct csv *c, size_t i, size_t j);
/* The line record i starts on (1-based), for messages; 0 out of range. */
size_t csv_line(const struct csv *c, size_t i);

/* --- writing --------------------------------------------------------------------------------- */

/* Whether a spreadsheet would run text as a formula: it begins with = + - @, a tab or a CR and
 * is not simply a number ("-3", "+1.5", "-2e3" are numbers). */
bool csv_is_formula(const char *text);
/* Appends one field to b: in double quotes, with quotes doubled, when it holds a comma, a quote,
 * a CR or a LF; as it is otherwise; NULL is an empty field. With is_defused, a field
 * csv_is_formula finds gets a ' in front (inside the quotes when quoted), so that a name like
 * "=HYPERLINK(...)" stays text when the file is opened in a spreadsheet. ERR_TOO_LARGE at b's
 * cap. */
enum err csv_append_field(struct buf *b, const char *field, bool is_defused);
/* Appends a record: count fields (csv_append_field) separated by commas, ended by CRLF. */
enum err csv_append_record(struct buf *b, const char *const *fields, size_t count,
                           bool is_defused);

#endif

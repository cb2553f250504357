/* vector_text: float arrays <-> pgvector's text literal "[1,0.5,-2]". Pure (no libpq, no
 * I/O) and independent of the process locale: the TUI calls setlocale(), and a decimal
 * comma must never reach the database. */
#ifndef CCA_VECTOR_TEXT_H
#define CCA_VECTOR_TEXT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* pgvector's (and cca_vector's) limit on dimensions. */
#define VECTOR_TEXT_MAX_DIM 16000

/* Appends the literal for dim floats to b, each value in the shortest decimal form that reads
 * back to the same float ("%.9g" at most). ERR_INVALID when dim is 0 or above
 * VECTOR_TEXT_MAX_DIM or a value is NaN or infinite (the database refuses them);
 * ERR_TOO_LARGE when b's cap is reached. On error b is left as it was. */
enum err vector_text_append(struct buf *b, const float *v, size_t dim);

/* The literal as a heap string owned by the caller (same rules as vector_text_append). */
enum err vector_text_format(const float *v, size_t dim, char **out);

/* The binary send/receive form of a vector (what vector_recv reads): int16 dim, int16 0, then
 * dim float4, all big-endian; 4 + 4 * dim bytes into *out (heap, caller frees), *out_len its
 * size. Same ERR_INVALID rules as vector_text_append. Cheaper than text at both ends: no
 * digits to write here and none to parse in the server. */
enum err vector_bin_encode(const float *v, size_t dim, char **out, int *out_len);

/* Parses a literal strictly: '[', one or more decimal numbers separated by ',', ']', with
 * spaces allowed around numbers and brackets; no NaN, infinity, hex, empty vector, overflow
 * or more than VECTOR_TEXT_MAX_DIM values. On success *out is a heap array of *out_dim floats
 * owned by the caller. On failure returns ERR_INVALID (ERR_TOO_LARGE for too many values)
 * and, when err is not NULL, a one-line reason with the byte offset. */
enum err vector_text_parse(const char *text, float **out, size_t *out_dim, char *err,
                           size_t errlen);

#endif

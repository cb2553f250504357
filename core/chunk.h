/* chunk: splits a Markdown or plain-text document into passages for retrieval: along headings
 * first (each passage knows its heading path, "Policy > Hotels > Rates"), then paragraphs,
 * then sentences, with a little overlap between consecutive passages of one section.
 * Pure: no I/O. Every passage is a contiguous slice of the document. */
#ifndef CCA_CHUNK_H
#define CCA_CHUNK_H

#include <stddef.h>

#include "core/err.h"

struct chunk {
    char *heading; /* the heading path joined by " > ", NULL before the first heading */
    char *text;    /* the passage, trimmed: equal to the document's bytes [offset, offset+len) */
    size_t offset; /* bytes from the start of the document */
    size_t len;    /* bytes */
};

enum { CHUNK_MIN_TARGET = 200, CHUNK_HEADING_MAX = 200 };

/* Splits len bytes of text (valid UTF-8, '\n' line ends; '\r' is tolerated) into passages of
 * about target_chars characters (raised to CHUNK_MIN_TARGET; a passage may reach 1.25 times
 * the target to avoid a tiny tail), consecutive passages of one section sharing about
 * overlap_chars characters (clamped to a third of the target), cut at sentence or word
 * boundaries. Headings inside fenced code blocks are not headings; YAML front matter is
 * skipped. *out is a heap array owned by the caller (chunks_free); a document without text
 * gives *count 0. */
enum err chunk_split(const char *text, size_t len, int target_chars, int overlap_chars,
                     struct chunk **out, size_t *count);
void chunks_free(struct chunk *chunks, size_t count);

/* The text of the document's first heading (ATX "# T" or setext), trimmed and capped at
 * CHUNK_HEADING_MAX bytes; NULL when there is none. Heap string owned by the caller. */
char *chunk_title(const char *text, size_t len);

/* The text the embedder sees for a passage: "heading\n\ntext", or text alone when heading is
 * NULL. The heading gives a passage the context of its section. Heap string for the caller. */
char *chunk_embed_text(const char *heading, const char *text);

#endif

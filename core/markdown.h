/* markdown: parses Markdown (CommonMark + GitHub tables and strikethrough, via md4c, its only
 * user) into styled blocks that tui/transcript wraps to a width. Pure; knows nothing about the
 * screen. Citations like [3] are marked so they can be highlighted and selected. */
#ifndef CCA_MARKDOWN_H
#define CCA_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Style bits of a span; several may be combined. */
enum markdown_style {
    MARKDOWN_PLAIN = 0,
    MARKDOWN_BOLD = 1 << 0,
    MARKDOWN_ITALIC = 1 << 1,
    MARKDOWN_CODE = 1 << 2,      /* inline code or a code block line */
    MARKDOWN_LINK = 1 << 3,      /* link text */
    MARKDOWN_URL = 1 << 4,       /* " (https://...)" shown after link text */
    MARKDOWN_HEADING = 1 << 5,
    MARKDOWN_CITATION = 1 << 6,  /* [n]; the span's citation holds n */
    MARKDOWN_QUOTE = 1 << 7,     /* text inside a block quote */
    MARKDOWN_STRIKE = 1 << 8,
    MARKDOWN_MARKER = 1 << 9,    /* list bullets, quote bars, rules */
};

struct markdown_span {
    size_t off, len;   /* bytes into the block's text */
    unsigned style;    /* enum markdown_style bits */
    int citation;      /* n for a [n] citation, else 0 */
};

enum markdown_block_kind {
    MARKDOWN_BLOCK_PARAGRAPH,
    MARKDOWN_BLOCK_HEADING,
    MARKDOWN_BLOCK_CODE,  /* preformatted: never reflowed, '\n' separates lines */
    MARKDOWN_BLOCK_TABLE, /* preformatted rows with padded columns */
    MARKDOWN_BLOCK_RULE,  /* a horizontal rule: text is empty, draw a line */
};

struct markdown_block {
    enum markdown_block_kind kind;
    int level;            /* heading level 1..6, else 0 */
    char *first_prefix;   /* drawn before the block's first line ("• ", "2. ", "│ "), "" if none */
    char *next_prefix;    /* drawn before its other lines (same width as first_prefix) */
    unsigned prefix_style; /* style of the prefixes */
    char *text;           /* the block's text; '\n' is a hard line break */
    size_t len;
    struct markdown_span *spans; /* cover text in order, without gaps */
    size_t span_count;
    bool has_gap_before;  /* a blank line separates it from the previous block */
};

/* The parse result; owns every block, string and span. */
struct markdown_doc {
    struct markdown_block *blocks;
    size_t count;
};

/* Parses len bytes of Markdown (expected to be sanitised UTF-8) into out, which the caller
 * releases with markdown_doc_cleanup (also after a failure). ERR_TOO_LARGE above 4 MiB. */
enum err markdown_parse(const char *text, size_t len, struct markdown_doc *out);
void markdown_doc_cleanup(struct markdown_doc *doc);

/* Finds the citations [n] (1 <= n <= 999) in plain text: returns the number of the one at
 * text[0] and its length in *len, or 0 when text does not start with a citation. */
int markdown_citation_at(const char *text, size_t len, size_t *cite_len);

#endif

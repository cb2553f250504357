/* markdown: md4c callbacks -> styled blocks. The only md4c user. Containers (quotes, lists)
 * become line prefixes; leaves (paragraphs, headings, code, tables, rules) become blocks. */
#include "core/markdown.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#define MARKDOWN_MAX_LEN (4u << 20)
#define MAX_DEPTH 32 /* deeper containers are flattened into the deepest one */
#define MAX_TABLE_COLS 32

enum container_kind { CONTAINER_QUOTE, CONTAINER_UL, CONTAINER_OL, CONTAINER_LI };

struct container {
    enum container_kind kind;
    bool is_tight;        /* lists */
    unsigned next_number; /* ordered lists */
    char delimiter;       /* ordered lists: '.' or ')' */
    char marker[16];      /* list items: "• " or "12. " */
    bool has_leaf;        /* list items: the marker was used */
};

struct table_row {
    char *cells[MAX_TABLE_COLS];
    size_t cell_count;
    bool is_header;
};

struct parser {
    struct markdown_doc *doc;
    size_t block_cap;
    enum err error;

    struct container stack[MAX_DEPTH];
    size_t depth;
    size_t overflow_depth; /* containers beyond MAX_DEPTH, ignored */

    bool in_leaf;
    struct markdown_block leaf;
    struct buf text;
    struct markdown_span *spans;
    size_t span_count, span_cap;
    bool has_gap_pending;

    int bold, italic, code, link, strike, heading;
    char *href;
    size_t link_text_start;

    bool in_table;
    struct table_row *rows;
    size_t row_count, row_cap;
    bool in_cell;
    bool is_header_row;
    struct buf cell;
};

/* --- helpers ---------------------------------------------------------------------------- */

static unsigned current_style(const struct parser *p)
{
    unsigned s = 0;
    if (p->bold)
        s |= MARKDOWN_BOLD;
    if (p->italic)
        s |= MARKDOWN_ITALIC;
    if (p->code)
        s |= MARKDOWN_CODE;
    if (p->link)
        s |= MARKDOWN_LINK;
    if (p->strike)
        s |= MARKDOWN_STRIKE;
    if (p->heading)
        s |= MARKDOWN_HEADING;
    for (size_t i = 0; i < p->depth; i++)
        if (p->stack[i].kind == CONTAINER_QUOTE)
            s |= MARKDOWN_QUOTE;
    return s;
}

static void push_span(struct markdown_span **spans, size_t *count, size_t *cap,
                      struct markdown_span sp)
{
    if (sp.len == 0)
        return;
    if (*count > 0) {
        struct markdown_span *last = &(*spans)[*count - 1];
        if (last->style == sp.style && last->citation == 0 && sp.citation == 0 &&
            last->off + last->len == sp.off) {
            last->len += sp.len;
            return;
        }
    }
    if (*count == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *spans = xreallocarray(*spans, *cap, sizeof **spans);
    }
    (*spans)[(*count)++] = sp;
}

static void add_text_styled(struct parser *p, const char *s, size_t len, unsigned style)
{
    if (p->error || len == 0)
        return;
    size_t off = p->text.len;
    if (buf_append(&p->text, s, len) != ERR_OK) {
        p->error = ERR_TOO_LARGE;
        return;
    }
    push_span(&p->spans, &p->span_count, &p->span_cap,
              (struct markdown_span){.off = off, .len = len, .style = style});
}

static struct markdown_block *new_block(struct parser *p)
{
    struct markdown_doc *d = p->doc;
    if (d->count == p->block_cap) {
        p->block_cap = p->block_cap ? p->block_cap * 2 : 8;
        d->blocks = xreallocarray(d->blocks, p->block_cap, sizeof *d->blocks);
    }
    struct markdown_block *b = &d->blocks[d->count++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Builds the prefixes of a new leaf from the open containers; uses up list markers. */
static void make_prefixes(struct parser *p, char **first, char **next)
{
    struct buf f, n;
    buf_init(&f, 4096);
    buf_init(&n, 4096);
    for (size_t i = 0; i < p->depth; i++) {
        struct container *c = &p->stack[i];
        if (c->kind == CONTAINER_QUOTE) {
            buf_append_str(&f, "\xE2\x94\x82 "); /* │ */
            buf_append_str(&n, "\xE2\x94\x82 ");
        } else if (c->kind == CONTAINER_LI) {
            size_t w = utf8_width(c->marker, strlen(c->marker));
            if (!c->has_leaf) {
                buf_append_str(&f, c->marker);
                c->has_leaf = true;
            } else {
                for (size_t k = 0; k < w; k++)
                    buf_append_char(&f, ' ');
            }
            for (size_t k = 0; k < w; k++)
                buf_append_char(&n, ' ');
        }
    }
    *first = buf_detach(&f);
    *next = buf_detach(&n);
}

static bool in_tight_list(const struct parser *p)
{
    for (size_t i = p->depth; i > 0; i--) {
        const struct container *c = &p->stack[i - 1];
        if (c->kind == CONTAINER_UL || c->kind == CONTAINER_OL)
            return c->is_tight;
    }
    return false;
}

static void begin_leaf(struct parser *p, enum markdown_block_kind kind, int level);

/* --- citations -------------------------------------------------------------------------- */

int markdown_citation_at(const char *text, size_t len, size_t *cite_len)
{
    if (len < 3 || text[0] != '[')
        return 0;
    int n = 0;
    size_t i = 1;
    while (i < len && i <= 3 && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + (text[i] - '0');
        i++;
    }
    if (i == 1 || i >= len || text[i] != ']' || n < 1)
        return 0;
    *cite_len = i + 1;
    return n;
}

/* Splits spans so that each [n] outside code is its own CITATION span. */
static void split_citations(const char *text, struct markdown_span **spans, size_t *count)
{
    struct markdown_span *out = NULL;
    size_t out_count = 0, out_cap = 0;
    for (size_t s = 0; s < *count; s++) {
        struct markdown_span sp = (*spans)[s];
        if (sp.style & (MARKDOWN_CODE | MARKDOWN_URL)) {
            push_span(&out, &out_count, &out_cap, sp);
            continue;
        }
        size_t start = sp.off, end = sp.off + sp.len, i = sp.off;
        while (i < end) {
            size_t clen;
            int n = text[i] == '[' ? markdown_citation_at(text + i, end - i, &clen) : 0;
            if (n == 0) {
                i++;
                continue;
            }
            push_span(&out, &out_count, &out_cap,
                      (struct markdown_span){.off = start, .len = i - start, .style = sp.style});
            push_span(&out, &out_count, &out_cap,
                      (struct markdown_span){.off = i,
                                             .len = clen,
                                             .style = sp.style | MARKDOWN_CITATION,
                                             .citation = n});
            i += clen;
            start = i;
        }
        push_span(&out, &out_count, &out_cap,
                  (struct markdown_span){.off = start, .len = end - start, .style = sp.style});
    }
    free(*spans);
    *spans = out;
    *count = out_count;
}

/* --- leaves ----------------------------------------------------------------------------- */

static void end_leaf(struct parser *p)
{
    if (!p->in_leaf)
        return;
    p->in_leaf = false;
    struct markdown_block b = p->leaf;
    /* Code blocks end with the newline of their last line. */
    if (b.kind == MARKDOWN_BLOCK_CODE && p->text.len > 0 && p->text.data[p->text.len - 1] == '\n') {
        p->text.len--;
        p->text.data[p->text.len] = '\0';
        if (p->span_count > 0) {
            struct markdown_span *last = &p->spans[p->span_count - 1];
            if (--last->len == 0)
                p->span_count--;
        }
    }
    b.len = p->text.len;
    b.text = buf_detach(&p->text);
    if (b.kind != MARKDOWN_BLOCK_CODE)
        split_citations(b.text, &p->spans, &p->span_count);
    b.spans = p->spans;
    b.span_count = p->span_count;
    p->spans = NULL;
    p->span_count = p->span_cap = 0;
    *new_block(p) = b;
    p->has_gap_pending = !in_tight_list(p);
}

static void begin_leaf(struct parser *p, enum markdown_block_kind kind, int level)
{
    end_leaf(p);
    p->in_leaf = true;
    memset(&p->leaf, 0, sizeof p->leaf);
    p->leaf.kind = kind;
    p->leaf.level = level;
    p->leaf.has_gap_before = p->has_gap_pending && p->doc->count > 0;
    p->leaf.prefix_style = MARKDOWN_MARKER;
    p->has_gap_pending = false;
    make_prefixes(p, &p->leaf.first_prefix, &p->leaf.next_prefix);
    buf_reset(&p->text);
}

static void add_rule(struct parser *p)
{
    begin_leaf(p, MARKDOWN_BLOCK_RULE, 0);
    end_leaf(p);
    p->has_gap_pending = true;
}

/* --- tables ----------------------------------------------------------------------------- */

static void table_reset(struct parser *p)
{
    for (size_t r = 0; r < p->row_count; r++)
        for (size_t c = 0; c < p->rows[r].cell_count; c++)
            free(p->rows[r].cells[c]);
    free(p->rows);
    p->rows = NULL;
    p->row_count = p->row_cap = 0;
    buf_cleanup(&p->cell);
    p->in_cell = false;
}

static void table_finish(struct parser *p)
{
    size_t widths[MAX_TABLE_COLS] = {0};
    size_t cols = 0;
    for (size_t r = 0; r < p->row_count; r++) {
        if (p->rows[r].cell_count > cols)
            cols = p->rows[r].cell_count;
        for (size_t c = 0; c < p->rows[r].cell_count; c++) {
            size_t w = utf8_width(p->rows[r].cells[c], strlen(p->rows[r].cells[c]));
            if (w > widths[c])
                widths[c] = w;
        }
    }
    begin_leaf(p, MARKDOWN_BLOCK_TABLE, 0);
    for (size_t r = 0; r < p->row_count && !p->error; r++) {
        const struct table_row *row = &p->rows[r];
        if (r > 0)
            add_text_styled(p, "\n", 1, MARKDOWN_PLAIN);
        for (size_t c = 0; c < cols; c++) {
            const char *cell = c < row->cell_count ? row->cells[c] : "";
            size_t w = utf8_width(cell, strlen(cell));
            if (c > 0)
                add_text_styled(p, " \xE2\x94\x82 ", 5, MARKDOWN_MARKER);
            add_text_styled(p, cell, strlen(cell), row->is_header ? MARKDOWN_BOLD : 0);
            for (; w < widths[c]; w++)
                add_text_styled(p, " ", 1, row->is_header ? MARKDOWN_BOLD : 0);
        }
        if (row->is_header && (r + 1 == p->row_count || !p->rows[r + 1].is_header)) {
            add_text_styled(p, "\n", 1, MARKDOWN_PLAIN);
            for (size_t c = 0; c < cols; c++) {
                if (c > 0)
                    add_text_styled(p, "\xE2\x94\x80\xE2\x94\xBC\xE2\x94\x80", 9,
                                    MARKDOWN_MARKER);
                for (size_t k = 0; k < widths[c]; k++)
                    add_text_styled(p, "\xE2\x94\x80", 3, MARKDOWN_MARKER);
            }
        }
    }
    end_leaf(p);
    table_reset(p);
}

/* --- md4c callbacks --------------------------------------------------------------------- */

static void push_container(struct parser *p, struct container c)
{
    if (p->depth == MAX_DEPTH) {
        p->overflow_depth++;
        return;
    }
    p->stack[p->depth++] = c;
}

static void pop_container(struct parser *p)
{
    if (p->overflow_depth > 0) {
        p->overflow_depth--;
        return;
    }
    if (p->depth > 0)
        p->depth--;
}

static int on_enter_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
    struct parser *p = userdata;
    if (p->in_table) {
        if (type == MD_BLOCK_THEAD)
            p->is_header_row = true;
        else if (type == MD_BLOCK_TBODY)
            p->is_header_row = false;
        else if (type == MD_BLOCK_TR) {
            if (p->row_count == p->row_cap) {
                p->row_cap = p->row_cap ? p->row_cap * 2 : 8;
                p->rows = xreallocarray(p->rows, p->row_cap, sizeof *p->rows);
            }
            memset(&p->rows[p->row_count], 0, sizeof p->rows[0]);
            p->rows[p->row_count++].is_header = p->is_header_row;
        } else if (type == MD_BLOCK_TH || type == MD_BLOCK_TD) {
            buf_reset(&p->cell);
            p->in_cell = true;
        }
        return 0;
    }
    if (p->in_leaf)
        end_leaf(p);
    switch (type) {
    case MD_BLOCK_QUOTE:
        push_container(p, (struct container){.kind = CONTAINER_QUOTE});
        break;
    case MD_BLOCK_UL: {
        const MD_BLOCK_UL_DETAIL *d = detail;
        push_container(p, (struct container){.kind = CONTAINER_UL, .is_tight = d->is_tight});
        break;
    }
    case MD_BLOCK_OL: {
        const MD_BLOCK_OL_DETAIL *d = detail;
        push_container(p, (struct container){.kind = CONTAINER_OL,
                                             .is_tight = d->is_tight,
                                             .next_number = d->start,
                                             .delimiter = d->mark_delimiter});
        break;
    }
    case MD_BLOCK_LI: {
        struct container li = {.kind = CONTAINER_LI};
        struct container *list = p->depth > 0 && p->overflow_depth == 0 ? &p->stack[p->depth - 1]
                                                                         : NULL;
        if (list && list->kind == CONTAINER_OL) {
            unsigned n = list->next_number++ % 1000000u;
            char digits[8];
            size_t k = sizeof digits;
            do {
                digits[--k] = (char)('0' + n % 10);
                n /= 10;
            } while (n && k > 0);
            size_t dl = sizeof digits - k;
            memcpy(li.marker, digits + k, dl);
            li.marker[dl] = list->delimiter == ')' ? ')' : '.';
            li.marker[dl + 1] = ' ';
            li.marker[dl + 2] = '\0';
        } else {
            memcpy(li.marker, "\xE2\x80\xA2 ", 5); /* "• " */
        }
        push_container(p, li);
        break;
    }
    case MD_BLOCK_HR:
        add_rule(p);
        break;
    case MD_BLOCK_H: {
        const MD_BLOCK_H_DETAIL *d = detail;
        begin_leaf(p, MARKDOWN_BLOCK_HEADING, (int)d->level);
        p->heading++;
        break;
    }
    case MD_BLOCK_CODE:
    case MD_BLOCK_HTML:
        begin_leaf(p, MARKDOWN_BLOCK_CODE, 0);
        p->code++;
        break;
    case MD_BLOCK_P:
        begin_leaf(p, MARKDOWN_BLOCK_PARAGRAPH, 0);
        break;
    case MD_BLOCK_TABLE:
        p->in_table = true;
        p->is_header_row = false;
        break;
    default:
        break;
    }
    return p->error ? 1 : 0;
}

static int on_leave_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
    (void)detail;
    struct parser *p = userdata;
    if (p->in_table) {
        if ((type == MD_BLOCK_TH || type == MD_BLOCK_TD) && p->in_cell && p->row_count > 0) {
            struct table_row *row = &p->rows[p->row_count - 1];
            if (row->cell_count < MAX_TABLE_COLS)
                row->cells[row->cell_count++] = buf_detach(&p->cell);
            else
                buf_reset(&p->cell);
            p->in_cell = false;
        } else if (type == MD_BLOCK_TABLE) {
            p->in_table = false;
            table_finish(p);
        }
        return p->error ? 1 : 0;
    }
    switch (type) {
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
    case MD_BLOCK_LI:
        end_leaf(p);
        pop_container(p);
        if (type != MD_BLOCK_LI)
            p->has_gap_pending = !in_tight_list(p) || p->depth == 0;
        break;
    case MD_BLOCK_H:
        end_leaf(p);
        if (p->heading > 0)
            p->heading--;
        p->has_gap_pending = true;
        break;
    case MD_BLOCK_CODE:
    case MD_BLOCK_HTML:
        end_leaf(p);
        if (p->code > 0)
            p->code--;
        p->has_gap_pending = true;
        break;
    case MD_BLOCK_P:
        end_leaf(p);
        break;
    default:
        break;
    }
    return p->error ? 1 : 0;
}

static int on_enter_span(MD_SPANTYPE type, void *detail, void *userdata)
{
    struct parser *p = userdata;
    switch (type) {
    case MD_SPAN_EM:
        p->italic++;
        break;
    case MD_SPAN_STRONG:
        p->bold++;
        break;
    case MD_SPAN_CODE:
        p->code++;
        break;
    case MD_SPAN_DEL:
        p->strike++;
        break;
    case MD_SPAN_A: {
        const MD_SPAN_A_DETAIL *d = detail;
        if (p->link++ == 0) {
            free(p->href);
            p->href = xstrndup(d->href.text, d->href.size);
            p->link_text_start = p->text.len;
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

static int on_leave_span(MD_SPANTYPE type, void *detail, void *userdata)
{
    (void)detail;
    struct parser *p = userdata;
    switch (type) {
    case MD_SPAN_EM:
        p->italic--;
        break;
    case MD_SPAN_STRONG:
        p->bold--;
        break;
    case MD_SPAN_CODE:
        p->code--;
        break;
    case MD_SPAN_DEL:
        p->strike--;
        break;
    case MD_SPAN_A:
        if (--p->link == 0 && p->href) {
            /* Show the target unless the text already is the target (autolinks). */
            size_t tlen = p->text.len - p->link_text_start;
            size_t hlen = strlen(p->href);
            bool same = p->in_leaf && p->link_text_start <= p->text.len &&
                        (tlen == hlen && memcmp(p->text.data + p->link_text_start, p->href,
                                                hlen) == 0);
            if (!same && hlen > 0 && !p->in_table && p->in_leaf) {
                add_text_styled(p, " (", 2, current_style(p) | MARKDOWN_URL);
                add_text_styled(p, p->href, hlen, current_style(p) | MARKDOWN_URL);
                add_text_styled(p, ")", 1, current_style(p) | MARKDOWN_URL);
            }
            free(p->href);
            p->href = NULL;
        }
        break;
    default:
        break;
    }
    return p->error ? 1 : 0;
}

/* Decodes the HTML entity md4c hands over as-is ("&amp;", "&#x41;"); unknown ones stay. */
static size_t decode_entity(const char *s, size_t len, char out[8])
{
    static const struct {
        const char *name;
        const char *utf8;
    } named[] = {
        {"&amp;", "&"},  {"&lt;", "<"},   {"&gt;", ">"},         {"&quot;", "\""},
        {"&apos;", "'"}, {"&nbsp;", " "}, {"&mdash;", "\xE2\x80\x94"}, {"&ndash;", "\xE2\x80\x93"},
        {"&hellip;", "\xE2\x80\xA6"}, {"&copy;", "\xC2\xA9"}, {"&euro;", "\xE2\x82\xAC"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if (n == len && memcmp(s, named[i].name, n) == 0) {
            size_t m = strlen(named[i].utf8);
            memcpy(out, named[i].utf8, m);
            return m;
        }
    }
    if (len >= 4 && s[1] == '#') {
        uint32_t cp = 0;
        bool hex = s[2] == 'x' || s[2] == 'X';
        for (size_t i = hex ? 3 : 2; i + 1 < len; i++) {
            char c = s[i];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0 || cp > 0x10FFFF)
                return 0;
            cp = cp * (hex ? 16 : 10) + (uint32_t)d;
        }
        /* Controls would undo the sanitising done before parsing. */
        if (cp == 0 || utf8_cp_is_unsafe(cp))
            cp = UTF8_REPLACEMENT;
        return utf8_encode(cp, out);
    }
    return 0;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    struct parser *p = userdata;
    if (p->in_table) {
        if (!p->in_cell)
            return 0;
        char ent[8];
        size_t n;
        if (type == MD_TEXT_ENTITY && (n = decode_entity(text, size, ent)) > 0)
            buf_append(&p->cell, ent, n);
        else if (type == MD_TEXT_BR || type == MD_TEXT_SOFTBR)
            buf_append_char(&p->cell, ' ');
        else if (type == MD_TEXT_NULLCHAR)
            buf_append_str(&p->cell, "\xEF\xBF\xBD");
        else
            buf_append(&p->cell, text, size);
        return 0;
    }
    if (!p->in_leaf)
        begin_leaf(p, MARKDOWN_BLOCK_PARAGRAPH, 0);
    unsigned style = current_style(p);
    switch (type) {
    case MD_TEXT_NULLCHAR:
        add_text_styled(p, "\xEF\xBF\xBD", 3, style);
        break;
    case MD_TEXT_BR:
        add_text_styled(p, "\n", 1, style);
        break;
    case MD_TEXT_SOFTBR:
        add_text_styled(p, " ", 1, style);
        break;
    case MD_TEXT_ENTITY: {
        char ent[8];
        size_t n = decode_entity(text, size, ent);
        if (n > 0)
            add_text_styled(p, ent, n, style);
        else
            add_text_styled(p, text, size, style);
        break;
    }
    default:
        add_text_styled(p, text, size, style);
        break;
    }
    return p->error ? 1 : 0;
}

/* --- entry points ----------------------------------------------------------------------- */

enum err markdown_parse(const char *text, size_t len, struct markdown_doc *out)
{
    memset(out, 0, sizeof *out);
    if (len > MARKDOWN_MAX_LEN)
        return ERR_TOO_LARGE;
    struct parser p = {.doc = out};
    buf_init(&p.text, MARKDOWN_MAX_LEN * 2);
    buf_init(&p.cell, 64 * 1024);
    MD_PARSER parser = {
        .abi_version = 0,
        .flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEURLAUTOLINKS |
                 MD_FLAG_PERMISSIVEWWWAUTOLINKS | MD_FLAG_NOHTML,
        .enter_block = on_enter_block,
        .leave_block = on_leave_block,
        .enter_span = on_enter_span,
        .leave_span = on_leave_span,
        .text = on_text,
    };
    int rc = md_parse(text ? text : "", (MD_SIZE)len, &parser, &p);
    end_leaf(&p);
    table_reset(&p);
    buf_cleanup(&p.text);
    free(p.spans);
    free(p.href);
    if (p.error)
        return p.error;
    return rc == 0 ? ERR_OK : ERR_NOMEM;
}

void markdown_doc_cleanup(struct markdown_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->count; i++) {
        struct markdown_block *b = &doc->blocks[i];
        free(b->first_prefix);
        free(b->next_prefix);
        free(b->text);
        free(b->spans);
    }
    free(doc->blocks);
    doc->blocks = NULL;
    doc->count = 0;
}

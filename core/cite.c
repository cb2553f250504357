/* cite: a single left-to-right scan. A bracket group is a citation only when it holds nothing
 * but numbers, commas, spaces and ranges ("[2]", "[1, 3]", "[2-4]"), so "[x]", "[1.5]" and
 * Markdown links "[text](url)" pass through untouched. Sentences are counted on the cleaned
 * text; a citation that follows the sentence's full stop ("... leave. [2]") still counts for
 * that sentence. */
#include "core/cite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

enum { CITE_TEXT_MAX = 8u << 20 };

struct group {
    size_t end;               /* offset just past ']' */
    int numbers[CITE_MAX_LIST * 4];
    size_t count;
};

/* Parses a citation group starting at s[i] == '['; false when it is not one. */
static bool parse_group(const char *s, size_t len, size_t i, struct group *g)
{
    size_t p = i + 1;
    g->count = 0;
    int prev = -1;
    bool in_range = false;
    size_t items = 0;
    for (;;) {
        while (p < len && s[p] == ' ')
            p++;
        if (p >= len || s[p] < '0' || s[p] > '9')
            return false;
        long v = 0;
        size_t digits = 0;
        while (p < len && s[p] >= '0' && s[p] <= '9') {
            if (++digits > 4)
                return false;
            v = v * 10 + (s[p] - '0');
            p++;
        }
        if (v > CITE_MAX_NUMBER)
            return false;
        if (++items > CITE_MAX_LIST)
            return false;
        if (in_range) {
            if (prev < 0 || v < prev || v - prev > CITE_MAX_LIST)
                return false;
            for (int k = prev + 1; k <= v && g->count < sizeof g->numbers / sizeof g->numbers[0];
                 k++)
                g->numbers[g->count++] = k;
            in_range = false;
            prev = -1;
        } else {
            if (g->count >= sizeof g->numbers / sizeof g->numbers[0])
                return false;
            g->numbers[g->count++] = (int)v;
            prev = (int)v;
        }
        while (p < len && s[p] == ' ')
            p++;
        if (p < len && s[p] == ']') {
            if (in_range)
                return false;
            /* "[1](http://...)" is a Markdown link, not a citation. */
            if (p + 1 < len && s[p + 1] == '(')
                return false;
            g->end = p + 1;
            return true;
        }
        if (p < len && s[p] == ',') {
            p++;
            continue;
        }
        if (p < len && s[p] == '-' && prev >= 0) {
            in_range = true;
            p++;
            continue;
        }
        return false;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Counts sentences and which ones carry a citation: a sentence ends at . ! ? followed by
 * space or end, or at a newline; citations right after the terminator belong to it. */
static void count_sentences(const char *s, size_t len, struct cite_report *r)
{
    size_t words = 0;
    bool in_word = false, has_cite = false;
    size_t i = 0;
    while (i <= len) {
        bool at_end = i == len;
        char c = at_end ? '\0' : s[i];
        if (!at_end && c == '[') {
            struct group g;
            if (parse_group(s, len, i, &g)) {
                has_cite = true;
                in_word = false;
                i = g.end;
                continue;
            }
        }
        bool is_term = !at_end && (c == '.' || c == '!' || c == '?') &&
                       (i + 1 == len || is_space(s[i + 1]));
        bool is_break = at_end || c == '\n' || is_term;
        if (!is_break) {
            if (!is_space(c) && !in_word) {
                in_word = true;
                words++;
            } else if (is_space(c)) {
                in_word = false;
            }
            i++;
            continue;
        }
        i++;
        if (is_term) {
            /* Swallow trailing citations: "... leave. [2] [3]" */
            size_t p = i;
            for (;;) {
                while (p < len && (s[p] == ' ' || s[p] == '\t'))
                    p++;
                struct group g;
                if (p < len && s[p] == '[' && parse_group(s, len, p, &g)) {
                    has_cite = true;
                    p = g.end;
                    i = p;
                    continue;
                }
                break;
            }
        }
        if (words >= 3) {
            r->sentence_count++;
            if (has_cite)
                r->sentences_cited++;
        }
        words = 0;
        in_word = false;
        has_cite = false;
    }
}

enum err cite_check(const char *answer, size_t len, size_t passage_count,
                    struct cite_report *out)
{
    memset(out, 0, sizeof *out);
    if (!answer && len)
        return ERR_INVALID;
    out->passage_count = passage_count;
    out->is_cited = xcalloc(passage_count + 1, sizeof *out->is_cited);
    struct buf b;
    buf_init(&b, CITE_TEXT_MAX);
    enum err e = ERR_OK;
    size_t i = 0;
    while (e == ERR_OK && i < len) {
        struct group g;
        if (answer[i] != '[' || !parse_group(answer, len, i, &g)) {
            size_t next = i + 1;
            while (next < len && answer[next] != '[')
                next++;
            e = buf_append(&b, answer + i, next - i);
            i = next;
            continue;
        }
        size_t kept = 0;
        char tmp[CITE_MAX_LIST * 4 * 6 + 4];
        size_t tlen = 0;
        tmp[tlen++] = '[';
        for (size_t k = 0; k < g.count; k++) {
            int n = g.numbers[k];
            if (n < 1 || (size_t)n > passage_count) {
                out->invalid_count++;
                continue;
            }
            out->valid_count++;
            if (!out->is_cited[n - 1]) {
                out->is_cited[n - 1] = true;
                out->cited_count++;
            }
            /* Write the kept numbers back as a plain list (ranges are expanded). */
            int w = snprintf(tmp + tlen, sizeof tmp - tlen, "%s%d", kept ? ", " : "", n);
            if (w > 0 && (size_t)w < sizeof tmp - tlen)
                tlen += (size_t)w;
            kept++;
        }
        tmp[tlen++] = ']';
        if (kept) {
            e = buf_append(&b, tmp, tlen);
        } else {
            /* The whole group goes; so does the space before it ("leave [9]." -> "leave."). */
            while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
                b.len--;
            if (b.data)
                b.data[b.len] = '\0';
        }
        i = g.end;
    }
    if (e != ERR_OK) {
        buf_cleanup(&b);
        free(out->is_cited);
        memset(out, 0, sizeof *out);
        return e;
    }
    out->text = buf_detach(&b);
    count_sentences(out->text, strlen(out->text), out);
    return ERR_OK;
}

double cite_sentence_coverage(const struct cite_report *r)
{
    if (r->sentence_count == 0)
        return 0;
    return (double)r->sentences_cited / (double)r->sentence_count;
}

void cite_report_cleanup(struct cite_report *r)
{
    free(r->text);
    free(r->is_cited);
    memset(r, 0, sizeof *r);
}

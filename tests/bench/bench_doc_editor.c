/* bench_doc_editor: keystroke latency of the Content tab's editor model in a 1 MB Markdown
 * document: typing a character, a newline, backspace, moving down a soft-wrapped row and
 * keeping the cursor in view (what one key costs before drawing). Prints p50/p99/max in
 * microseconds; asserts nothing (scripts/bench_editor.sh, part of `make bench`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/doc_editor.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    size_t n = 1024 * 1024;
    char *doc = malloc(n + 1);
    const char *para = "Hotels are paid up to 150 EUR per night in capital cities; elsewhere 110 "
                       "EUR. Book through the travel desk. \xE6\x97\xA5\xE6\x9C\xAC ";
    size_t pl = strlen(para), off = 0, k = 0;
    while (off < n) {
        const char *piece = (k % 12 == 11) ? "\n\n## Section\n\n" : para;
        size_t m = strlen(piece);
        if (off + m > n)
            m = n - off;
        memcpy(doc + off, piece, m);
        off += m;
        k++;
    }
    doc[n] = '\0';
    (void)pl;
    struct doc_editor *e = doc_editor_new(doc, n);
    enum { KEYS = 5000 };
    double *t = malloc(KEYS * sizeof *t);
    size_t top_line = 0, top_row = 0;
    doc_editor_goto_line(e, doc_editor_line_count(e) / 2);
    for (int i = 0; i < KEYS; i++) {
        double t0 = now_us();
        switch (i % 5) {
        case 0: doc_editor_insert(e, "x", 1); break;
        case 1: doc_editor_newline(e); break;
        case 2: doc_editor_backspace(e); break;
        case 3: doc_editor_down(e, 100); break;
        default: doc_editor_insert(e, "\xC3\xA9", 2); break;
        }
        doc_editor_scroll_to_cursor(e, 100, 40, &top_line, &top_row);
        t[i] = now_us() - t0;
    }
    qsort(t, KEYS, sizeof *t, cmp);
    printf("doc editor, 1 MB document (%zu lines): keystroke p50 %.1f us, p99 %.1f us, max %.1f us"
           " (goal <= 5000 us)\n",
           doc_editor_line_count(e), t[KEYS / 2], t[KEYS * 99 / 100], t[KEYS - 1]);
    double t0 = now_us();
    size_t len;
    free(doc_editor_text(e, &len));
    printf("doc editor: whole text for a save or a draft (%zu bytes) %.1f ms\n", len,
           (now_us() - t0) / 1000);
    free(t);
    free(doc);
    doc_editor_free(e);
    return 0;
}

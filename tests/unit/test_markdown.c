/* test_markdown: Markdown -> styled blocks, described as text so each case reads as a table:
 * "KIND[+]<first prefix|next prefix>" then the spans as "style:text", style letters
 * B bold, I italic, K code, L link, U url, H heading, C citation n, Q quote, S strike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/markdown.h"

static void describe_style(struct buf *b, unsigned style, int citation)
{
    static const struct {
        unsigned bit;
        char letter;
    } letters[] = {
        {MARKDOWN_BOLD, 'B'},    {MARKDOWN_ITALIC, 'I'}, {MARKDOWN_CODE, 'K'},
        {MARKDOWN_LINK, 'L'},    {MARKDOWN_URL, 'U'},    {MARKDOWN_HEADING, 'H'},
        {MARKDOWN_CITATION, 'C'}, {MARKDOWN_QUOTE, 'Q'}, {MARKDOWN_STRIKE, 'S'},
        {MARKDOWN_MARKER, 'M'},
    };
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (style & letters[i].bit)
            buf_append_char(b, letters[i].letter);
    if (citation)
        buf_printf(b, "%d", citation);
}

static char *describe(const char *md)
{
    struct markdown_doc doc;
    enum err e = markdown_parse(md, strlen(md), &doc);
    assert_int_equal(e, ERR_OK);
    struct buf b;
    buf_init(&b, 1 << 20);
    static const char *const kinds[] = {"P", "H", "CODE", "TABLE", "RULE"};
    for (size_t i = 0; i < doc.count; i++) {
        const struct markdown_block *blk = &doc.blocks[i];
        buf_printf(&b, "%s%s", kinds[blk->kind], blk->has_gap_before ? "+" : "");
        if (blk->level)
            buf_printf(&b, "%d", blk->level);
        if (blk->first_prefix[0] || blk->next_prefix[0])
            buf_printf(&b, "<%s|%s>", blk->first_prefix, blk->next_prefix);
        size_t covered = 0;
        for (size_t s = 0; s < blk->span_count; s++) {
            const struct markdown_span *sp = &blk->spans[s];
            assert_int_equal(sp->off, covered); /* spans cover the text without gaps */
            covered += sp->len;
            buf_append_char(&b, ' ');
            describe_style(&b, sp->style, sp->citation);
            buf_printf(&b, ":%.*s", (int)sp->len, blk->text + sp->off);
        }
        assert_int_equal(covered, blk->len);
        buf_append_char(&b, '\n');
    }
    markdown_doc_cleanup(&doc);
    return buf_detach(&b);
}

static void test_markdown_blocks(void **state)
{
    (void)state;
    static const struct {
        const char *md;
        const char *want;
    } cases[] = {
        {"", ""},
        {"Hello **world**", "P :Hello  B:world\n"},
        {"*it* ~~gone~~", "P I:it :  S:gone\n"},
        {"# Title\n\nBody text.", "H1 H:Title\nP+ :Body text.\n"},
        {"Expenses are paid [1] within days [2].",
         "P :Expenses are paid  C1:[1] : within days  C2:[2] :.\n"},
        {"**See [3]**", "P B:See  BC3:[3]\n"},
        {"`a[1]b` [0] [1000] [x]", "P K:a[1]b : [0] [1000] [x]\n"},
        {"- one\n- two\n", "P<• |  > :one\nP<• |  > :two\n"},
        {"- one\n\n- two\n", "P<• |  > :one\nP+<• |  > :two\n"},
        {"3. three\n4. four", "P<3. |   > :three\nP<4. |   > :four\n"},
        {"- a\n  - b\n", "P<• |  > :a\nP<  • |    > :b\n"},
        {"> quoted *text*", "P<│ |│ > Q:quoted  IQ:text\n"},
        {"```c\nint x;\n  y();\n```\nafter",
         "CODE K:int x;\n  y();\nP+ :after\n"},
        {"[docs](https://x.example/a)", "P L:docs U: (https://x.example/a)\n"},
        {"<https://x.example>", "P L:https://x.example\n"},
        {"a &amp; b &#65; &#x1b; &bogus;", "P :a & b A \xEF\xBF\xBD &bogus;\n"},
        {"line one\nline two  \nthree", "P :line one line two\nthree\n"},
        {"above\n\n---\n\nbelow", "P :above\nRULE+\nP+ :below\n"},
        {"| a | bb |\n|---|---|\n| ccc | d |",
         "TABLE B:a   M: │  B:bb :\n M:────┼─── :\nccc M: │  :d \n"},
        {"<script>x</script>", "P :<script>x</script>\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = describe(cases[i].md);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu: %s\n got: [%s]\nwant: [%s]\n", i, cases[i].md, got,
                        cases[i].want);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void test_markdown_citation_at(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int n;
        size_t len;
    } cases[] = {
        {"[1]", 1, 3}, {"[12] x", 12, 4}, {"[999]", 999, 5}, {"[1000]", 0, 0},
        {"[0]", 0, 0}, {"[]", 0, 0},       {"[a]", 0, 0},    {"[1", 0, 0},
        {"x[1]", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        assert_int_equal(markdown_citation_at(cases[i].s, strlen(cases[i].s), &len), cases[i].n);
        if (cases[i].n)
            assert_int_equal(len, cases[i].len);
    }
}

static void test_markdown_hostile_input(void **state)
{
    (void)state;
    /* Deep nesting, unbalanced markers and a long line must parse without error or leak. */
    char deep[4000];
    size_t n = 0;
    for (int i = 0; i < 600 && n + 4 < sizeof deep; i++) {
        deep[n++] = '>';
        deep[n++] = ' ';
        deep[n++] = '-';
        deep[n++] = ' ';
    }
    memcpy(deep + n, "x", 2);
    struct markdown_doc doc;
    assert_int_equal(markdown_parse(deep, strlen(deep), &doc), ERR_OK);
    assert_true(doc.count >= 1);
    markdown_doc_cleanup(&doc);
    const char *weird = "**unclosed _mixed `code [1](x \n\n| a |\n|--\n[";
    assert_int_equal(markdown_parse(weird, strlen(weird), &doc), ERR_OK);
    markdown_doc_cleanup(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_blocks),
        cmocka_unit_test(test_markdown_citation_at),
        cmocka_unit_test(test_markdown_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

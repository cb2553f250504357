/* test_chunk: passage splitting along headings, paragraphs and sentences; heading paths,
 * overlap, sizes, fences, front matter, titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/chunk.h"
#include "core/utf8.h"

static size_t chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Every passage is the document's slice at its offset, trimmed, and valid UTF-8. */
static void check_slices(const char *doc, const struct chunk *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(c[i].text), c[i].len);
        assert_memory_equal(doc + c[i].offset, c[i].text, c[i].len);
        assert_true(c[i].len > 0);
        assert_true(c[i].text[0] != ' ' && c[i].text[0] != '\n');
        assert_true(c[i].text[c[i].len - 1] != ' ' && c[i].text[c[i].len - 1] != '\n');
        assert_true(utf8_is_valid(c[i].text, c[i].len));
    }
}

static void test_chunk_headings_give_paths(void **state)
{
    (void)state;
    const char *doc = "Preface line.\n\n"
                      "# Travel Policy\n\nApplies to all staff.\n\n"
                      "## Hotels\n\nUp to 150 EUR a night.\n\n"
                      "### Long stays\n\nAsk your manager.\n\n"
                      "## Meals ##\n\nThirty euros a day.\n\n"
                      "# Other\n\nEnd.\n";
    struct chunk *c;
    size_t n;
    assert_int_equal(chunk_split(doc, strlen(doc), 1200, 150, &c, &n), ERR_OK);
    static const struct {
        const char *heading;
        const char *text;
    } want[] = {
        {NULL, "Preface line."},
        {"Travel Policy", "Applies to all staff."},
        {"Travel Policy > Hotels", "Up to 150 EUR a night."},
        {"Travel Policy > Hotels > Long stays", "Ask your manager."},
        {"Travel Policy > Meals", "Thirty euros a day."},
        {"Other", "End."},
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        if (want[i].heading)
            assert_string_equal(c[i].heading, want[i].heading);
        else
            assert_null(c[i].heading);
        assert_string_equal(c[i].text, want[i].text);
    }
    check_slices(doc, c, n);
    chunks_free(c, n);
}

static void test_chunk_fences_setext_front_matter(void **state)
{
    (void)state;
    const char *doc = "---\ntitle: x\n# not a heading either\n---\n"
                      "Guide\n=====\n\nIntro.\n\n"
                      "```sh\n# a comment, not a heading\nls\n```\n\n"
                      "Setup\n-----\n\nInstall it.\n\n"
                      "#hashtag is not a heading\n";
    struct chunk *c;
    size_t n;
    assert_int_equal(chunk_split(doc, strlen(doc), 1200, 0, &c, &n), ERR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].heading, "Guide");
    assert_non_null(strstr(c[0].text, "# a comment, not a heading"));
    assert_null(strstr(c[0].text, "title: x"));
    assert_string_equal(c[1].heading, "Guide > Setup");
    assert_string_equal(c[1].text, "Install it.\n\n#hashtag is not a heading");
    check_slices(doc, c, n);
    chunks_free(c, n);

    char *title = chunk_title(doc, strlen(doc));
    assert_string_equal(title, "Guide");
    free(title);
}

static void test_chunk_title(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        const char *title;
    } cases[] = {
        {"# Hello World #\n\ntext", "Hello World"},
        {"intro\n\n## Second level first\n", "Second level first"},
        {"no heading at all\n", NULL},
        {"```\n# fenced\n```\n", NULL},
        {"#\n\n# Real\n", "Real"},
        {"   ### Indented  \n", "Indented"},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = chunk_title(cases[i].doc, strlen(cases[i].doc));
        if (cases[i].title)
            assert_string_equal(t, cases[i].title);
        else
            assert_null(t);
        free(t);
    }
}

/* A long section becomes several passages near the target, cut at sentence ends, each
 * repeating the end of the previous one. */
static void test_chunk_long_section_sizes_and_overlap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_append_str(&b, "# Long\n\n");
    for (int p = 0; p < 12; p++) {
        for (int s = 0; s < 8; s++)
            buf_printf(&b, "Paragraph %d sentence %d says something about the policy. ", p, s);
        buf_append_str(&b, "\n\n");
    }
    const int target = 600, overlap = 100;
    struct chunk *c;
    size_t n;
    assert_int_equal(chunk_split(b.data, b.len, target, overlap, &c, &n), ERR_OK);
    assert_true(n >= 8);
    check_slices(b.data, c, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = chars(c[i].text, c[i].len);
        assert_true(len <= (size_t)target + target / 4);
        if (i + 1 < n) {
            assert_true(len >= (size_t)target / 3);
            /* The cut is at a sentence end. */
            assert_int_equal(c[i].text[c[i].len - 1], '.');
            /* Overlap: the next passage starts before this one ends. */
            assert_true(c[i + 1].offset < c[i].offset + c[i].len);
            assert_true(c[i + 1].offset + (size_t)overlap + 80 >= c[i].offset + c[i].len);
            assert_true(c[i + 1].offset > c[i].offset);
        }
        assert_string_equal(c[i].heading, "Long");
    }
    /* Together the passages cover the whole section. */
    assert_int_equal(c[0].offset, strlen("# Long\n\n"));
    assert_int_equal(c[n - 1].offset + c[n - 1].len, b.len - strlen(" \n\n"));
    chunks_free(c, n);
    buf_cleanup(&b);
}

/* Text without any break still splits, on character boundaries (multi-byte too). */
static void test_chunk_unbreakable_utf8(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        buf_append_str(&b, "\xC3\xA9\xE6\x97\xA5"); /* é日, no spaces */
    struct chunk *c;
    size_t n;
    assert_int_equal(chunk_split(b.data, b.len, 300, 50, &c, &n), ERR_OK);
    assert_true(n >= 6);
    check_slices(b.data, c, n);
    chunks_free(c, n);
    buf_cleanup(&b);
}

static void test_chunk_empty_and_headings_only(void **state)
{
    (void)state;
    static const char *const docs[] = {"", "   \n\n  \n", "# A\n\n## B\n\n### C\n"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct chunk *c = (struct chunk *)1;
        size_t n = 99;
        assert_int_equal(chunk_split(docs[i], strlen(docs[i]), 1200, 150, &c, &n), ERR_OK);
        assert_int_equal(n, 0);
        chunks_free(c, n);
    }
}

static void test_chunk_crlf_and_small_target(void **state)
{
    (void)state;
    const char *doc = "# T\r\n\r\nOne.\r\n\r\nTwo.\r\n";
    struct chunk *c;
    size_t n;
    /* A target below the minimum is raised; an overlap above a third of it is clamped. */
    assert_int_equal(chunk_split(doc, strlen(doc), 1, 5000, &c, &n), ERR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].heading, "T");
    assert_string_equal(c[0].text, "One.\r\n\r\nTwo.");
    chunks_free(c, n);
}

static void test_chunk_embed_text(void **state)
{
    (void)state;
    char *a = chunk_embed_text("Policy > Hotels", "Up to 150 EUR.");
    assert_string_equal(a, "Policy > Hotels\n\nUp to 150 EUR.");
    free(a);
    char *b = chunk_embed_text(NULL, "Plain.");
    assert_string_equal(b, "Plain.");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_headings_give_paths),
        cmocka_unit_test(test_chunk_fences_setext_front_matter),
        cmocka_unit_test(test_chunk_title),
        cmocka_unit_test(test_chunk_long_section_sizes_and_overlap),
        cmocka_unit_test(test_chunk_unbreakable_utf8),
        cmocka_unit_test(test_chunk_empty_and_headings_only),
        cmocka_unit_test(test_chunk_crlf_and_small_target),
        cmocka_unit_test(test_chunk_embed_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

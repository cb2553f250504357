/* test_extract: sentence splitting, term matching, and the offline answer: labelled, cited,
 * 2-4 sentences, no duplicates, a fallback when nothing overlaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/extract.h"
#include "core/terms.h"

struct collected {
    char items[16][256];
    size_t count;
};

static void collect(void *userdata, const char *s, size_t len)
{
    struct collected *c = userdata;
    if (c->count < 16)
        snprintf(c->items[c->count++], 256, "%.*s", (int)len, s);
}

static void sentences_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expected[6];
    } cases[] = {
        {"One sentence. Two sentence! Three?", {"One sentence.", "Two sentence!", "Three?"}},
        {"Use e.g. a laptop. Version 3.5 is out. Visit example.com today.",
         {"Use e.g. a laptop.", "Version 3.5 is out.", "Visit example.com today."}},
        {"# Heading\n\nA paragraph that\nspans lines. Next one.",
         {"A paragraph that spans lines.", "Next one."}},
        {"- item one\n- item two\n1. numbered\n> quoted text",
         {"item one", "item two", "numbered", "quoted text"}},
        {"Before.\n```\ncode. Not a sentence.\n```\nAfter.", {"Before.", "After."}},
        {"| a | b |\n|---|---|\nText.", {"Text."}},
        {"Dr. Smith said so. J. Doe agreed.", {"Dr. Smith said so.", "J. Doe agreed."}},
        {"lower case. continues here.", {"lower case. continues here."}},
        {"", {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct collected c = {0};
        extract_sentences(cases[i].text, collect, &c);
        size_t n = 0;
        while (n < 6 && cases[i].expected[n])
            n++;
        print_message("case %zu\n", i);
        assert_int_equal(c.count, n);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(c.items[k], cases[i].expected[k]);
    }
}

static void terms_stem_and_stop(void **state)
{
    (void)state;
    struct terms q, p;
    const char *question = "How do I request parental leave policies?";
    const char *passage = "Requests for Parental Leave follow the policy below.";
    terms_from_text(question, strlen(question), 0, &q);
    terms_from_text(passage, strlen(passage), 0, &p);
    assert_false(terms_contains(&q, "how"));
    assert_false(terms_contains(&q, "do"));
    assert_int_equal(q.count, 4); /* request parent leav polici */
    assert_int_equal(terms_overlap(&q, &p), 4);
    terms_cleanup(&q);
    terms_cleanup(&p);
    /* Duplicates collapse; the limit holds. */
    terms_from_text("leave leaves leaving", 20, 0, &q);
    assert_int_equal(q.count, 1);
    terms_cleanup(&q);
    terms_from_text("alpha beta gamma delta", 22, 2, &q);
    assert_int_equal(q.count, 2);
    terms_cleanup(&q);
}

static size_t count_lines_starting(const char *s, const char *prefix)
{
    size_t n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = s; p && *p;) {
        if (strncmp(p, prefix, pl) == 0)
            n++;
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

static void answer_quotes_best_sentences(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {
        {1,
         "Our office opens at nine. Parental leave lasts sixteen weeks for every parent. The "
         "cafeteria serves lunch daily.",
         1.0},
        {2,
         "To request parental leave, submit the form in the HR portal. Parental leave lasts "
         "sixteen weeks for every parent. Parking is free.",
         0.8},
        {3, "Expense reports are due monthly. Travel needs approval from a manager.", 0.3},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("How long is parental leave and how do I request it?",
                                    passages, 3, &r),
                     ERR_OK);
    print_message("%s", r.text);
    assert_true(strncmp(r.text, EXTRACT_HEADER "\n\n", strlen(EXTRACT_HEADER) + 2) == 0);
    assert_non_null(strstr(r.text, "- Parental leave lasts sixteen weeks for every parent. [1]\n"));
    assert_non_null(strstr(r.text, "- To request parental leave, submit the form in the HR "
                                   "portal. [2]\n"));
    /* The duplicate sentence in passage 2 is not quoted twice. */
    assert_null(strstr(r.text, "every parent. [2]"));
    assert_null(strstr(r.text, "cafeteria"));
    assert_null(strstr(r.text, "Expense"));
    assert_true(r.sentence_count >= 2 && r.sentence_count <= 4);
    assert_int_equal(count_lines_starting(r.text, "- "), r.sentence_count);
    assert_true(r.term_coverage > 0.5);
    extract_result_cleanup(&r);
}

static void answer_at_most_four(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {
        {1,
         "Security training covers phishing basics. Security training covers password rules. "
         "Security training covers device locking. Security training covers badge use. "
         "Security training covers travel safety. Security training covers reporting.",
         1.0},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("security training", passages, 1, &r), ERR_OK);
    assert_int_equal(r.sentence_count, 4);
    extract_result_cleanup(&r);
}

static void fallback_without_overlap(void **state)
{
    (void)state;
    /* Retrieval found it (e.g. by meaning) but no word matches: quote the strongest passage. */
    const struct extract_passage passages[] = {
        {1, "Weak passage sentence one here. Weak passage sentence two here.", 0.2},
        {2, "Strong passage opening sentence here. Strong passage second sentence here.", 0.9},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("vacation?", passages, 2, &r), ERR_OK);
    assert_int_equal(r.sentence_count, 2);
    assert_non_null(strstr(r.text, "- Strong passage opening sentence here. [2]"));
    assert_non_null(strstr(r.text, "- Strong passage second sentence here. [2]"));
    assert_true(r.term_coverage == 0);
    extract_result_cleanup(&r);
}

static void nothing_quotable(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {{1, "```\ncode only\n```\n| a | b |", 1.0}};
    struct extract_result r;
    assert_int_equal(extract_answer("code", passages, 1, &r), ERR_NOT_FOUND);
    assert_null(r.text);
    assert_int_equal(extract_answer("code", NULL, 0, &r), ERR_NOT_FOUND);
}

static void long_sentence_is_cut(void **state)
{
    (void)state;
    char text[2000];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "Budget ");
    while (n < 1500)
        n += (size_t)snprintf(text + n, sizeof text - n, "words and more words ");
    snprintf(text + n, sizeof text - n, "end.");
    const struct extract_passage passages[] = {{1, text, 1.0}, {2, "Budget rules are simple "
                                                                "here.", 0.5}};
    struct extract_result r;
    assert_int_equal(extract_answer("budget", passages, 2, &r), ERR_OK);
    const char *line = strstr(r.text, "- Budget words");
    assert_non_null(line);
    const char *eol = strchr(line, '\n');
    assert_true(eol - line < 420);
    assert_non_null(strstr(line, "... [1]"));
    extract_result_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sentences_table),
        cmocka_unit_test(terms_stem_and_stop),
        cmocka_unit_test(answer_quotes_best_sentences),
        cmocka_unit_test(answer_at_most_four),
        cmocka_unit_test(fallback_without_overlap),
        cmocka_unit_test(nothing_quotable),
        cmocka_unit_test(long_sentence_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

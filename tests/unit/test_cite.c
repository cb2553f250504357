/* test_cite: citations are found in every supported shape, invalid ones are removed with
 * their space, non-citations are left alone, coverage counts sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cite.h"

struct cite_case {
    const char *answer;
    size_t passages;
    const char *text;      /* expected cleaned text */
    const char *cited;     /* expected flags, e.g. "101" for [1] and [3] */
    size_t invalid;
    size_t sentences;
    size_t sentences_cited;
};

static const struct cite_case cases[] = {
    {"Employees get 25 days of leave [1].", 3, "Employees get 25 days of leave [1].", "100", 0,
     1, 1},
    {"Leave is 25 days [1, 3]. Ask HR first [2].", 3, "Leave is 25 days [1, 3]. Ask HR first [2].",
     "111", 0, 2, 2},
    {"Leave is 25 days [1,2]. Nothing here is cited at all.", 2,
     "Leave is 25 days [1, 2]. Nothing here is cited at all.", "11", 0, 2, 1},
    {"See the guide [9].", 3, "See the guide.", "000", 1, 1, 0},
    {"See the guide [2, 9].", 3, "See the guide [2].", "010", 1, 1, 1},
    {"Ranges work too [1-3].", 4, "Ranges work too [1, 2, 3].", "1110", 0, 1, 1},
    {"Zero is never valid [0].", 2, "Zero is never valid.", "00", 1, 1, 0},
    {"Citation after the stop. [2]\nNext line has none here.", 2,
     "Citation after the stop. [2]\nNext line has none here.", "01", 0, 2, 1},
    {"A [link](http://x) and [x] and [1.5] and [] stay.", 2,
     "A [link](http://x) and [x] and [1.5] and [] stay.", "00", 0, 1, 0},
    {"Huge [123456789] is not a citation.", 2, "Huge [123456789] is not a citation.", "00", 0, 1,
     0},
    {"- first item with a citation [1]\n- second item without one", 1,
     "- first item with a citation [1]\n- second item without one", "1", 0, 2, 1},
    {"Adjacent groups [1][2] work.", 2, "Adjacent groups [1][2] work.", "11", 0, 1, 1},
    {"Unclosed [1 stays", 2, "Unclosed [1 stays", "00", 0, 1, 0},
    {"", 2, "", "00", 0, 0, 0},
    {"Short. Ok.", 1, "Short. Ok.", "0", 0, 0, 0},
};

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct cite_case *c = &cases[i];
        struct cite_report r;
        assert_int_equal(cite_check(c->answer, strlen(c->answer), c->passages, &r), ERR_OK);
        print_message("case %zu: %s\n", i, c->answer);
        assert_string_equal(r.text, c->text);
        size_t cited = 0;
        for (size_t k = 0; k < c->passages; k++) {
            assert_int_equal(r.is_cited[k], c->cited[k] == '1');
            cited += c->cited[k] == '1';
        }
        assert_int_equal(r.cited_count, cited);
        assert_int_equal(r.invalid_count, c->invalid);
        assert_int_equal(r.sentence_count, c->sentences);
        assert_int_equal(r.sentences_cited, c->sentences_cited);
        cite_report_cleanup(&r);
    }
}

static void coverage(void **state)
{
    (void)state;
    const char *a = "One fact here [1]. Another fact here [2]. A third fact, uncited.";
    struct cite_report r;
    assert_int_equal(cite_check(a, strlen(a), 2, &r), ERR_OK);
    assert_true(cite_sentence_coverage(&r) > 0.66 && cite_sentence_coverage(&r) < 0.67);
    assert_int_equal(r.valid_count, 2);
    cite_report_cleanup(&r);
    /* No passages at all: every citation is invalid. */
    assert_int_equal(cite_check("It says so [1].", 15, 0, &r), ERR_OK);
    assert_string_equal(r.text, "It says so.");
    assert_int_equal(r.invalid_count, 1);
    assert_true(cite_sentence_coverage(&r) == 0);
    cite_report_cleanup(&r);
}

static void not_nul_terminated(void **state)
{
    (void)state;
    /* Only len bytes are read: the "[1]" past len must not count. */
    const char buf[] = "Text that ends here [1]";
    struct cite_report r;
    assert_int_equal(cite_check(buf, 20, 1, &r), ERR_OK);
    assert_string_equal(r.text, "Text that ends here ");
    assert_int_equal(r.cited_count, 0);
    cite_report_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(coverage),
        cmocka_unit_test(not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

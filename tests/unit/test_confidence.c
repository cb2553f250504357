/* test_confidence: the documented formula, component by component, plus its bounds and the
 * reasons line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/confidence.h"

#define P(sim, v, f) {sim, v, f}

static double score(const struct confidence_passage *p, size_t n, double support, char *r,
                    size_t rlen)
{
    struct confidence_input in = {
        .passages = p, .count = n, .threshold = 0.15, .support = support};
    return confidence_score(&in, r, rlen);
}

static void formula_cases(void **state)
{
    (void)state;
    /* S=1 (0.75 >= 0.60), M=1 (margin 0.35), A=1 (both found top 3 of 3), C=1 -> 1.00 */
    const struct confidence_passage all[] = {P(0.75, 1, 1), P(0.40, 1, 1), P(0.30, 1, 1)};
    assert_true(fabs(score(all, 3, 1.0, NULL, 0) - 1.00) < 1e-9);
    /* S=(0.375-0.15)/0.45=0.5, M=(0.375-0.325)/0.1=0.5, A=0, C=0
       -> 0.45*0.5 + 0.15*0.5 = 0.30 */
    const struct confidence_passage mid[] = {P(0.375, 1, 0), P(0.325, 1, 0)};
    assert_true(fabs(score(mid, 2, 0.0, NULL, 0) - 0.30) < 1e-9);
    /* Same with C unknown: 0.30 / 0.80 = 0.375 -> 0.38 (rounded to two decimals). */
    assert_true(fabs(score(mid, 2, -1, NULL, 0) - 0.38) < 1e-9);
    /* Keyword-only: S=0.30, M=0.5, A=0, C=0.5 -> 0.135+0.075+0.10 = 0.31 */
    const struct confidence_passage kw[] = {P(-1, 0, 1)};
    assert_true(fabs(score(kw, 1, 0.5, NULL, 0) - 0.31) < 1e-9);
    /* Below the threshold gives S=0: 0 + 0.15*M(0.5, single) + 0.20*A(1) + 0 = 0.275 -> 0.28 */
    const struct confidence_passage weak[] = {P(0.10, 1, 1)};
    assert_true(fabs(score(weak, 1, 0.0, NULL, 0) - 0.28) < 1e-9);
}

static void more_evidence_scores_higher(void **state)
{
    (void)state;
    const struct confidence_passage strong[] = {P(0.70, 1, 1), P(0.50, 1, 0)};
    const struct confidence_passage weak[] = {P(0.30, 1, 0), P(0.29, 1, 0)};
    assert_true(score(strong, 2, 1.0, NULL, 0) > score(weak, 2, 1.0, NULL, 0));
    assert_true(score(strong, 2, 1.0, NULL, 0) > score(strong, 2, 0.0, NULL, 0));
}

static void abstain_and_bounds(void **state)
{
    (void)state;
    char r[256];
    struct confidence_input in = {.count = 0, .threshold = 0.15, .support = -1, .abstain = true};
    assert_true(confidence_score(&in, r, sizeof r) == 0);
    assert_string_equal(r, "nothing in the knowledge base matched the question");
    /* Out-of-range inputs never leave [0,1]. */
    const struct confidence_passage odd[] = {P(5.0, 1, 1)};
    double s = score(odd, 1, 7.0, NULL, 0);
    assert_true(s >= 0 && s <= 1);
    /* A threshold above the strong point does not divide by zero. */
    struct confidence_input hi = {.passages = odd, .count = 1, .threshold = 0.9, .support = 1};
    s = confidence_score(&hi, NULL, 0);
    assert_true(s >= 0 && s <= 1 && !isnan(s));
}

static void reasons_line(void **state)
{
    (void)state;
    char r[256];
    const struct confidence_passage p[] = {P(0.72, 1, 1), P(0.41, 1, 0), P(-1, 0, 1)};
    score(p, 3, 0.75, r, sizeof r);
    assert_string_equal(r, "strong match (similarity 0.72); clear margin over the next; 1/3 top "
                           "passages found by both searches; 75% of sentences cited");
    assert_null(strchr(r, '\n'));
    /* A tiny buffer is truncated, never overrun. */
    char small[8];
    score(p, 3, 0.75, small, sizeof small);
    assert_int_equal(strlen(small), 7);
    struct confidence_input off = {
        .passages = p, .count = 1, .threshold = 0.15, .support = 0.5, .is_offline = true};
    confidence_score(&off, r, sizeof r);
    assert_non_null(strstr(r, "quotes cover 50% of the question's terms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formula_cases),
        cmocka_unit_test(more_evidence_scores_higher),
        cmocka_unit_test(abstain_and_bounds),
        cmocka_unit_test(reasons_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

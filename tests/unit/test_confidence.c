/* test_confidence: the documented formula, component by component, plus its bounds, the
 * reasons line, the refusal decision and the label; and the evidence (core/evidence) and
 * language guess (core/lang) it is fed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/confidence.h"
#include "core/evidence.h"
#include "core/lang.h"

#define P(sim, v, f) {sim, v, f}

static double score_k(const struct confidence_passage *p, size_t n, double support,
                      double evidence, double keywords, double important, char *r, size_t rlen)
{
    struct confidence_input in = {.passages = p, .count = n, .threshold = 0.15,
                                  .support = support, .evidence = evidence,
                                  .keywords = keywords, .important = important};
    return confidence_score(&in, r, rlen);
}

static double score_e(const struct confidence_passage *p, size_t n, double support,
                      double evidence, char *r, size_t rlen)
{
    return score_k(p, n, support, evidence, -1, -1, r, rlen);
}

static double score(const struct confidence_passage *p, size_t n, double support, char *r,
                    size_t rlen)
{
    return score_e(p, n, support, -1, r, rlen);
}

static void formula_cases(void **state)
{
    (void)state;
    /* K=8 (Kn=1), I=1, S=1 (0.75 >= 0.60), E=1, C=1 -> 1.00 */
    const struct confidence_passage all[] = {P(0.75, 1, 1), P(0.40, 1, 1), P(0.30, 1, 1)};
    assert_true(fabs(score_k(all, 3, 1.0, 1.0, 8.0, 1.0, NULL, 0) - 1.00) < 1e-9);
    /* K=1: Kn = ln(4)/ln(32) = 0.4; I=0.5; S=(0.375-0.15)/0.45=0.5; E=0.4
       -> R = 0.65*0.4 + 0.20*0.5 + 0.10*0.5 + 0.05*0.4 = 0.43; C=0 -> 0.90*0.43 = 0.387 */
    const struct confidence_passage mid[] = {P(0.375, 1, 0), P(0.325, 1, 0)};
    assert_true(fabs(score_k(mid, 2, 0.0, 0.4, 1.0, 0.5, NULL, 0) - 0.39) < 1e-9);
    /* Same with C unknown: R alone. */
    assert_true(fabs(score_k(mid, 2, -1, 0.4, 1.0, 0.5, NULL, 0) - 0.43) < 1e-9);
    /* Keyword-only: S=0.30; K at or below 0.25 gives Kn=0; I=1, E=0.2
       -> R = 0.20 + 0.03 + 0.01 = 0.24; C=0.5 -> 0.216 + 0.05 = 0.266 */
    const struct confidence_passage kw[] = {P(-1, 0, 1)};
    assert_true(fabs(score_k(kw, 1, 0.5, 0.2, 0.25, 1.0, NULL, 0) - 0.27) < 1e-9);
    /* An embedder's own similarity scale: S = (0.55 - 0.40) / (0.70 - 0.40) = 0.5, where the
       configured threshold alone would give S = 1 (0.55 - 0.15 > 0.60 - 0.15 is false: 0.89). */
    const struct confidence_passage sim[] = {P(0.55, 1, 1)};
    struct confidence_input scaled = {.passages = sim, .count = 1, .threshold = 0.15,
                                      .sim_zero = 0.40, .sim_strong = 0.70, .support = -1,
                                      .evidence = 1, .keywords = 8, .important = 1};
    /* R = 0.65 + 0.20 + 0.10 * 0.5 + 0.05 = 0.95 */
    assert_true(fabs(confidence_score(&scaled, NULL, 0) - 0.95) < 1e-9);
    scaled.sim_zero = scaled.sim_strong = 0; /* S = (0.55 - 0.15) / 0.45 = 0.889 -> 0.99 */
    assert_true(fabs(confidence_score(&scaled, NULL, 0) - 0.99) < 1e-9);
    /* K, I and E unknown count 0.5; below the threshold S=0: 0.325 + 0.10 + 0.025 = 0.45 */
    const struct confidence_passage weak[] = {P(0.10, 1, 1)};
    assert_true(fabs(score(weak, 1, -1, NULL, 0) - 0.45) < 1e-9);
    assert_true(fabs(confidence_evidence_score(&(struct confidence_input){
                         .passages = weak, .count = 1, .threshold = 0.15, .support = 1,
                         .evidence = -1, .keywords = -1, .important = -1}) -
                     0.45) < 1e-9);
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
    score_e(p, 3, 0.75, 0.8, r, sizeof r);
    assert_true(strncmp(r, "the best passage holds 80% of the question's key words; strong",
                        62) == 0);
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

static void refusal_decision(void **state)
{
    (void)state;
    char why[256];
    struct confidence_input in = {.count = 0, .evidence = -1};
    assert_true(confidence_should_abstain(&in, why, sizeof why));
    assert_string_equal(why, "nothing in the knowledge base matched the question");
    in.count = 3;
    in.evidence = 0.5;
    in.keywords = 2.0;
    in.important = 0.5;
    in.unknown_count = 1;
    in.unknown = "\"groceries\"";
    /* A word the knowledge base lacks does not refuse on its own: paraphrases have them. */
    assert_false(confidence_should_abstain(&in, why, sizeof why));
    /* Strong keywords carry a passage that holds little of the question's weighted words. */
    in.evidence = 0.1;
    assert_false(confidence_should_abstain(&in, why, sizeof why));
    /* Few rare words together: R = 0.65*0.053 + 0.10 + 0.005 < 0.38. */
    in.keywords = 0.3;
    assert_true(confidence_should_abstain(&in, why, sizeof why));
    assert_string_equal(why, "no passage holds the question's rare words together (0.3); the "
                             "passages found hold at most 50% of its important words; the "
                             "knowledge base never mentions \"groceries\"");
    /* However strong the rest, passages without any important word refuse. */
    in.keywords = 8;
    in.important = 0;
    assert_true(confidence_should_abstain(&in, why, sizeof why));
    assert_string_equal(why, "no passage found holds any of the question's important words; "
                             "the knowledge base never mentions \"groceries\"");
    /* Unknown evidence never refuses. */
    in.evidence = -1;
    in.keywords = -1;
    in.important = -1;
    assert_false(confidence_should_abstain(&in, NULL, 0));
    /* A refusal's reasons are its reason. */
    char r[128];
    struct confidence_input ab = {.count = 2, .abstain = true, .abstain_reason = "why not"};
    assert_true(confidence_score(&ab, r, sizeof r) == 0);
    assert_string_equal(r, "why not");
    assert_string_equal(confidence_label(0.9, false), "strong evidence");
    assert_string_equal(confidence_label(0.5, false), "moderate evidence");
    assert_string_equal(confidence_label(0.2, false), "weak evidence: check the sources");
    assert_string_equal(confidence_label(0.9, true), "no answer");
}

static void evidence_coverage_weights_rare_words(void **state)
{
    (void)state;
    struct evidence ev;
    evidence_init(&ev, "Can I bring my dog to the office?", NULL);
    assert_int_equal(ev.count, 3); /* bring, dog, office */
    assert_string_equal(ev.terms[1].word, "dog");
    /* Without statistics every word weighs 1. */
    assert_true(fabs(evidence_coverage(&ev, "Office", NULL, "Bring a badge.", NULL) - 2.0 / 3) <
                1e-9);
    /* dog in no passage, office in most: covering the office says little. */
    const double df[] = {5, 0, 150};
    evidence_set_stats(&ev, df, 200);
    uint64_t mask;
    double c = evidence_coverage(&ev, NULL, "Office hours", "The office opens at 7.", &mask);
    assert_true(c > 0 && c < 0.1);
    assert_true(mask == 4);
    /* bring and dog are the important words (idf at least half dog's); office is not. */
    assert_true(evidence_important(&ev, mask) == 0);
    assert_true(fabs(evidence_important(&ev, 2) - ev.terms[1].idf /
                                                   (ev.terms[0].idf + ev.terms[1].idf)) < 1e-9);
    assert_true(fabs(evidence_important(&ev, 7) - 1) < 1e-9);
    char missing[64];
    assert_int_equal(evidence_missing(&ev, mask, missing, sizeof missing), 2);
    assert_string_equal(missing, "\"bring\", \"dog\"");
    /* A stop word to the store (df -1) weighs nothing. */
    const double df2[] = {-1, 1, 1};
    evidence_set_stats(&ev, df2, 10);
    assert_true(ev.terms[0].idf == 0);
    /* Unknown words need the alternatives' statistics too. */
    const double all[] = {5, 0, 150};
    evidence_set_stats_all(&ev, all, 3, 200);
    char unknown[64];
    assert_int_equal(evidence_unknown(&ev, unknown, sizeof unknown), 1);
    assert_string_equal(unknown, "\"dog\"");
}

static void language_guess(void **state)
{
    (void)state;
    assert_string_equal(lang_guess("Wie viele Urlaubstage habe ich pro Jahr?"), "German");
    assert_string_equal(lang_guess("Combien de jours de congé ai-je par an ?"), "French");
    assert_string_equal(lang_guess("¿Puedo trabajar desde casa dos días por semana?"),
                        "Spanish");
    assert_string_equal(lang_guess("Ile dni urlopu mi przysługuje w tym roku?"), "Polish");
    assert_string_equal(lang_guess("Hoeveel vakantiedagen heb ik per jaar?"), "Dutch");
    assert_string_equal(lang_guess("What do I get if I work on King's Day?"), "en");
    assert_string_equal(lang_guess("I celebrate Diwali, can I get that day off?"), "en");
    assert_string_equal(lang_guess("Is the café in the Gdańsk office open?"), "en");
    assert_string_equal(lang_guess(""), "en");
    assert_string_equal(lang_guess(NULL), "en");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formula_cases),
        cmocka_unit_test(more_evidence_scores_higher),
        cmocka_unit_test(abstain_and_bounds),
        cmocka_unit_test(reasons_line),
        cmocka_unit_test(refusal_decision),
        cmocka_unit_test(evidence_coverage_weights_rare_words),
        cmocka_unit_test(language_guess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

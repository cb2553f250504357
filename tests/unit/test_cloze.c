/* test_cloze: questions drafted from a fixed set of passages: each blanks a real term of its
 * sentence (the sentence comes back whole when the answer fills the blank), the answer is
 * among three or four distinct options, distractors are of the answer's kind and not already
 * in the sentence; the same passages give the same questions; hostile bytes never come out;
 * nothing usable gives nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/cloze.h"

static const char *const passages[] = {
    "# Sprints\n\nScrum organises work in sprints. A sprint lasts at most 4 weeks and ends "
    "with the Sprint Review. The Product Owner orders the Product Backlog by value.\n",
    "## Daily Scrum\n\nThe Daily Scrum is a 15 minute event for the Developers. It happens at "
    "the same time and place every working day to reduce complexity.\n",
    "## Retrospective\n\nThe Sprint Retrospective concludes the sprint and is timeboxed to a "
    "maximum of 3 hours. The Scrum Master facilitates the retrospective for the whole team.\n"
    "- Each item is **estimated** by the Developers before planning starts.\n",
};

static bool is_digitish(const char *s)
{
    return s[0] >= '0' && s[0] <= '9';
}

static void blanks_real_terms(void **state)
{
    (void)state;
    struct cloze_set s;
    assert_int_equal(cloze_generate(passages, 3, 10, &s), ERR_OK);
    assert_true(s.count >= 5);
    bool has_number = false, has_name = false;
    for (size_t i = 0; i < s.count; i++) {
        const struct cloze_question *q = &s.items[i];
        /* the blank filled with the answer is the sentence, which is in a passage */
        const char *blank = strstr(q->question, "_____");
        assert_non_null(blank);
        struct buf b;
        buf_init(&b, 4096);
        buf_append(&b, q->question, (size_t)(blank - q->question));
        buf_append_str(&b, q->answer);
        buf_append_str(&b, blank + 5);
        assert_string_equal(buf_str(&b), q->explanation);
        bool found = false;
        for (size_t p = 0; p < 3; p++)
            found |= strstr(passages[p], q->explanation) != NULL ||
                     strstr(passages[p], q->answer) != NULL;
        assert_true(found);
        buf_cleanup(&b);
        /* three or four distinct options, the answer where correct says */
        assert_in_range(q->option_count, 3, CLOZE_OPTIONS_MAX);
        assert_in_range(q->correct, 0, (int)q->option_count - 1);
        assert_string_equal(q->options[q->correct], q->answer);
        for (size_t a = 0; a < q->option_count; a++) {
            for (size_t z = a + 1; z < q->option_count; z++)
                assert_true(strcasecmp(q->options[a], q->options[z]) != 0);
            if ((int)a == q->correct)
                continue;
            /* a distractor is of the answer's kind and not given away by the sentence */
            assert_int_equal(is_digitish(q->options[a]), is_digitish(q->answer));
            assert_null(strstr(q->question, q->options[a]));
        }
        has_number |= is_digitish(q->answer);
        has_name |= strchr(q->answer, ' ') != NULL;
    }
    assert_true(has_number); /* "15" minutes or "3" hours */
    /* the number specific to the Daily Scrum passage is the one asked about there */
    bool asks_fifteen = false;
    for (size_t i = 0; i < s.count; i++)
        asks_fifteen |= strcmp(s.items[i].answer, "15") == 0 &&
                        strstr(s.items[i].question, "Daily Scrum is a _____ minute") != NULL;
    assert_true(asks_fifteen);
    assert_true(has_name);   /* "Sprint Review", "Product Backlog", "Scrum Master" ... */
    cloze_set_cleanup(&s);
}

static void deterministic(void **state)
{
    (void)state;
    struct cloze_set a, b;
    cloze_generate(passages, 3, 10, &a);
    cloze_generate(passages, 3, 10, &b);
    assert_int_equal(a.count, b.count);
    bool answer_not_always_first = false;
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.items[i].question, b.items[i].question);
        assert_int_equal(a.items[i].correct, b.items[i].correct);
        for (size_t k = 0; k < a.items[i].option_count; k++)
            assert_string_equal(a.items[i].options[k], b.items[i].options[k]);
        answer_not_always_first |= a.items[i].correct != 0;
    }
    assert_true(answer_not_always_first);
    cloze_set_cleanup(&a);
    cloze_set_cleanup(&b);
    /* at most max_questions, in passage order */
    cloze_generate(passages, 3, 2, &a);
    assert_int_equal(a.count, 2);
    struct buf all;
    buf_init(&all, 1u << 16);
    for (size_t p = 0; p < 3; p++)
        buf_append_str(&all, passages[p]);
    const char *first = strstr(buf_str(&all), a.items[0].explanation);
    const char *second = strstr(buf_str(&all), a.items[1].explanation);
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    buf_cleanup(&all);
    cloze_set_cleanup(&a);
}

static void sanitised(void **state)
{
    (void)state;
    const char *hostile[] = {
        "The \x1b[31mFirewall Policy\x1b[0m blocks port 8080 for every Remote Office today. "
        "The Security Team reviews the Access List every 90 days without exception. "
        "Each Branch Office sends its Audit Report within 30 days of the quarter\x07 end.",
    };
    struct cloze_set s;
    cloze_generate(hostile, 1, 10, &s);
    assert_true(s.count >= 1);
    for (size_t i = 0; i < s.count; i++) {
        const struct cloze_question *q = &s.items[i];
        assert_null(strchr(q->question, '\x1b'));
        assert_null(strchr(q->question, '\x07'));
        assert_null(strchr(q->explanation, '\x1b'));
        for (size_t k = 0; k < q->option_count; k++)
            assert_null(strchr(q->options[k], '\x1b'));
    }
    cloze_set_cleanup(&s);
}

static void nothing_usable(void **state)
{
    (void)state;
    const char *few[] = {"# Title\n\nShort.\n\n```\ncode() is not a sentence at all here\n```\n",
                         "| a | b |\n|---|---|\n| table row with many words in it | x |\n"};
    struct cloze_set s;
    assert_int_equal(cloze_generate(few, 2, 10, &s), ERR_OK);
    assert_int_equal(s.count, 0);
    cloze_set_cleanup(&s);
    assert_int_equal(cloze_generate(NULL, 0, 10, &s), ERR_OK);
    assert_int_equal(s.count, 0);
    cloze_set_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blanks_real_terms),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(sanitised),
        cmocka_unit_test(nothing_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_quizgen: the quiz prompt (passages numbered and inserted once, the count, the budget)
 * and the reading of a model's reply: JSON found in a fence or in prose, questions checked
 * (each kind of bad one dropped), answers given as text mapped to their index, hostile text
 * sanitised, the maximum kept, and no JSON refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/authoring.h"
#include "core/quizgen.h"

static void free_questions(struct authoring_question *qs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        authoring_question_cleanup(&qs[i]);
    free(qs);
}

static void prompt(void **state)
{
    (void)state;
    const char *passages[] = {"Leave is 30 days.", "Sick leave needs a note {{count}}."};
    char *p = quizgen_prompt("Write {{count}}.\n<p>\n{{passages}}</p>", passages, 2, 5);
    assert_non_null(strstr(p, "Write 5."));
    assert_non_null(strstr(p, "[1] Leave is 30 days."));
    /* text inserted for a placeholder is not substituted again */
    assert_non_null(strstr(p, "[2] Sick leave needs a note {{count}}."));
    free(p);

    /* passages beyond the budget are left out, the first always kept */
    char *big = malloc(QUIZGEN_PASSAGES_MAX_LEN);
    memset(big, 'x', QUIZGEN_PASSAGES_MAX_LEN - 1);
    big[QUIZGEN_PASSAGES_MAX_LEN - 1] = '\0';
    const char *many[] = {big, "second"};
    p = quizgen_prompt("{{passages}}", many, 2, 3);
    assert_non_null(strstr(p, "[1] xxx"));
    assert_null(strstr(p, "second"));
    free(p);
    free(big);
}

static const char reply[] =
    "Here are the questions you asked for:\n"
    "```json\n"
    "{\"questions\": [\n"
    " {\"question\": \"How many days of annual leave?\", \"options\": [\"25\", \"30\", \"35\"],"
    "  \"correct\": 1, \"explanation\": \"The policy says 30 [1].\"},\n"
    " {\"question\": \"No options\", \"options\": [], \"correct\": 0},\n"
    " {\"question\": \"Out of range\", \"options\": [\"a\", \"b\"], \"correct\": 2},\n"
    " {\"question\": \"Same twice\", \"options\": [\"a\", \"a\"], \"correct\": 0},\n"
    " {\"question\": \"\", \"options\": [\"a\", \"b\"], \"correct\": 0},\n"
    " {\"question\": \"Seven options\", \"options\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\"],"
    "  \"correct\": 0},\n"
    " {\"question\": \"Who approves \\u001b[31mleave?\", \"options\": [\"Your manager\","
    "  \"HR\\u001b]0;pwned\\u0007\", \"IT\"], \"answer\": \"Your manager\"},\n"
    " {\"question\": \"Third valid?\", \"options\": [\"yes\", \"no\"], \"correct\": 0}\n"
    "]}\n"
    "```\n"
    "Let me know if you need more.";

static void parse_reply(void **state)
{
    (void)state;
    struct authoring_question *qs = NULL;
    size_t n = 0;
    assert_int_equal(quizgen_parse(reply, strlen(reply), 10, &qs, &n), ERR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(qs[0].text, "How many days of annual leave?");
    assert_int_equal(qs[0].option_count, 3);
    assert_int_equal(qs[0].correct, 1);
    assert_string_equal(qs[0].explanation, "The policy says 30 [1].");
    assert_true(qs[0].is_draft); /* the trainer reviews every one */
    assert_string_equal(qs[0].id, "");
    /* escape sequences are gone; the answer given as text became its index */
    assert_null(strchr(qs[1].text, '\x1b'));
    assert_null(strchr(qs[1].options[1], '\x1b'));
    assert_null(strchr(qs[1].options[1], '\x07'));
    assert_int_equal(qs[1].correct, 0);
    assert_string_equal(qs[2].text, "Third valid?");
    free_questions(qs, n);

    /* at most max */
    assert_int_equal(quizgen_parse(reply, strlen(reply), 2, &qs, &n), ERR_OK);
    assert_int_equal(n, 2);
    free_questions(qs, n);
}

static void other_shapes(void **state)
{
    (void)state;
    const char bare[] = "Sure! [{\"question\": \"Q?\", \"options\": [\"a\", \"b\"], \"correct\": 1}]";
    struct authoring_question *qs = NULL;
    size_t n = 0;
    assert_int_equal(quizgen_parse(bare, strlen(bare), 5, &qs, &n), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(qs[0].correct, 1);
    free_questions(qs, n);

    const char none[] = "{\"questions\": [{\"question\": \"Q?\", \"options\": [\"a\"]}]}";
    assert_int_equal(quizgen_parse(none, strlen(none), 5, &qs, &n), ERR_OK);
    assert_int_equal(n, 0);
    free_questions(qs, n);

    const char prose[] = "I cannot help with that.";
    assert_int_equal(quizgen_parse(prose, strlen(prose), 5, &qs, &n), ERR_INVALID);
    assert_null(qs);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prompt),
        cmocka_unit_test(parse_reply),
        cmocka_unit_test(other_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

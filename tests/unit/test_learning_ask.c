/* test_learning_ask: the personal-learning classifier on a table of questions both ways (the
 * asker's own record vs. the knowledge base, including the evaluation set's questions that
 * say "I" or "my"), the record passage, and the offline answers built from a learner's figures
 * (the figures of the record given, never anything else). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/learning_ask.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_classify_personal(void **state)
{
    (void)state;
    static const struct {
        const char *q;
        enum learning_ask_topic want;
    } cases[] = {
        {"what's my progress?", LEARNING_ASK_PROGRESS},
        {"What is my progress", LEARNING_ASK_PROGRESS},
        {"How am I doing?", LEARNING_ASK_PROGRESS},
        {"how far have I got with my courses?", LEARNING_ASK_PROGRESS},
        {"Which courses have I completed?", LEARNING_ASK_PROGRESS},
        {"What have I finished so far?", LEARNING_ASK_PROGRESS},
        {"show my learning streak", LEARNING_ASK_PROGRESS},
        {"What are my skill levels?", LEARNING_ASK_PROGRESS},
        {"my completion rate", LEARNING_ASK_PROGRESS},
        {"WHAT'S MY PROGRESS", LEARNING_ASK_PROGRESS},
        {"what should I learn next?", LEARNING_ASK_NEXT},
        {"What should I study?", LEARNING_ASK_NEXT},
        {"Which course should I take next?", LEARNING_ASK_NEXT},
        {"Can you recommend me a course?", LEARNING_ASK_NEXT},
        {"what do you suggest I learn", LEARNING_ASK_NEXT},
        {"Where should I start learning?", LEARNING_ASK_NEXT},
        {"which assessments did I fail?", LEARNING_ASK_ASSESSMENTS},
        {"Did I pass the Python quiz?", LEARNING_ASK_ASSESSMENTS},
        {"What were my test results?", LEARNING_ASK_ASSESSMENTS},
        {"show me my exam scores", LEARNING_ASK_ASSESSMENTS},
        {"Have I failed any assessment?", LEARNING_ASK_ASSESSMENTS},
        {"how long have I spent on Python this month?", LEARNING_ASK_TIME},
        {"How much time did I spend learning this week?", LEARNING_ASK_TIME},
        {"how many hours have I spent reading?", LEARNING_ASK_TIME},
        {"What is my learning time?", LEARNING_ASK_TIME},
    };
    for (size_t i = 0; i < N(cases); i++) {
        enum learning_ask_topic got = learning_ask_classify(cases[i].q);
        if (got != cases[i].want)
            print_error("\"%s\": %s, want %s\n", cases[i].q, learning_ask_topic_name(got),
                        learning_ask_topic_name(cases[i].want));
        assert_int_equal(got, cases[i].want);
    }
}

static void test_classify_knowledge_base(void **state)
{
    (void)state;
    /* Questions for the knowledge base, many from tests/eval with "I" or "my" in them. */
    static const char *const cases[] = {
        "How do I get paid back for a hotel?",
        "Within how many days must I submit an expense claim after a trip?",
        "Am I allowed to fly business class?",
        "What should I do if I clicked a link in a suspicious email?",
        "How many holidays do I have per year?",
        "How much time off do I get when my partner has a baby?",
        "What happens on my first day at the company?",
        "How do I undo my last commit but keep the changes?",
        "Is it okay to force push after rebasing my feature branch?",
        "What is overfitting and how do I avoid it?",
        "How is my performance rated at the end of the year?",
        "What happens if I am underperforming?",
        "How do I write tests with pytest?",
        "How should I split time series data for training?",
        "How do I pass the security awareness test?",
        "Can I expense my course fees?",
        "Is there an allowance for my internet costs at home?",
        "What do I do next after reporting a phishing email?",
        "How long do I have to submit my expenses?",
        "How long should I train my machine learning model?",
        "What is the maximum hotel rate per night in London?",
        "How long does it take to learn Python?",
        "What is the progress bar in the deploy tool?",
        "How do I create a virtual environment for a Python project?",
        "Which metrics should I use for an imbalanced classification problem?",
        "How many colleagues should I ask for peer feedback?",
        "How much can I spend when I take a client out to dinner?",
        "Can I save this year's training money for next year?",
        "",
        "my",
    };
    for (size_t i = 0; i < N(cases); i++) {
        enum learning_ask_topic got = learning_ask_classify(cases[i]);
        if (got != LEARNING_ASK_NONE)
            print_error("\"%s\": %s, want none\n", cases[i], learning_ask_topic_name(got));
        assert_int_equal(got, LEARNING_ASK_NONE);
    }
    assert_int_equal(learning_ask_classify(NULL), LEARNING_ASK_NONE);
}

/* Two learners' records: the answers must carry the figures of the one given. */
static const char *alice =
    "{\"user\": {\"name\": \"Alice Martin\", \"department\": \"Engineering\"},"
    " \"as_of\": \"2025-03-14\","
    " \"figures\": {\"overall_completion\": 75.0, \"items_tracked\": 4,"
    "  \"courses_in_progress\": 1, \"courses_completed\": 1, \"skills_in_progress\": 1,"
    "  \"skills_completed\": 1, \"streak_days\": 3, \"completed_last_30_days\": 2,"
    "  \"time_this_month_seconds\": 4500, \"time_last_12_weeks_seconds\": 7200,"
    "  \"time_total_seconds\": 9000, \"assessments_taken\": 1, \"assessments_failed\": 0},"
    " \"courses_in_progress\": [{\"title\": \"Data Analysis with Python\", \"progress\": 40,"
    "  \"next\": \"Data Visualization Best Practices\"}],"
    " \"failed_assessments\": [],"
    " \"time_this_month\": [{\"topic\": \"Data Analysis with Python\", \"seconds\": 3900},"
    "  {\"topic\": \"Scrum\", \"seconds\": 600}],"
    " \"top_recommendations\": [{\"type\": \"course\", \"title\": \"Machine Learning\","
    "  \"reason\": \"Related to your goal: machine learning.\"}],"
    " \"text\": \"Learning summary of Alice Martin on 2025-03-14. Overall completion "
    "75.0%.\\u001b[31m\"}";

static const char *heidi =
    "{\"user\": {\"name\": \"Heidi Braun\"}, \"as_of\": \"2025-03-14\","
    " \"figures\": {\"overall_completion\": 50.0, \"items_tracked\": 2,"
    "  \"assessments_taken\": 2, \"assessments_failed\": 1, \"time_this_month_seconds\": 0},"
    " \"courses_in_progress\": [], \"time_this_month\": [], \"top_recommendations\": [],"
    " \"failed_assessments\": [{\"title\": \"Python Basics Assessment\", \"score\": 50,"
    "  \"passing_score\": 70, \"completed_at\": \"2025-03-03T10:00:00+00:00\"}],"
    " \"text\": \"Learning summary of Heidi Braun.\"}";

static char *answer(enum learning_ask_topic t, const char *q, const char *json)
{
    char *out = NULL;
    assert_int_equal(learning_ask_answer(t, q, json, strlen(json), &out), ERR_OK);
    assert_non_null(out);
    assert_true(strncmp(out, LEARNING_ASK_HEADER, strlen(LEARNING_ASK_HEADER)) == 0);
    return out;
}

static void test_answers(void **state)
{
    (void)state;
    char *a = answer(LEARNING_ASK_PROGRESS, "what's my progress?", alice);
    assert_non_null(strstr(a, "overall completion is 75% over 4 tracked items [1]"));
    assert_non_null(strstr(a, "Data Analysis with Python 40% (next: Data Visualization"));
    assert_non_null(strstr(a, "Learning streak: 3 days"));
    assert_null(strstr(a, "Heidi"));
    free(a);

    a = answer(LEARNING_ASK_PROGRESS, "what's my progress?", heidi);
    assert_non_null(strstr(a, "overall completion is 50% over 2 tracked items"));
    assert_null(strstr(a, "75%"));
    free(a);

    a = answer(LEARNING_ASK_ASSESSMENTS, "which assessments did I fail?", heidi);
    assert_non_null(strstr(a, "You took 2 assessments; 1 is below the pass mark [1]"));
    assert_non_null(strstr(a, "Python Basics Assessment: 50, pass mark 70, taken on 2025-03-03"));
    free(a);
    a = answer(LEARNING_ASK_ASSESSMENTS, "which assessments did I fail?", alice);
    assert_non_null(strstr(a, "You took 1 assessment and passed it [1]"));
    free(a);

    a = answer(LEARNING_ASK_TIME, "how long have I spent on Python this month?", alice);
    assert_non_null(strstr(a, "This month you spent 1 h 05 min on \"python\": Data Analysis "
                              "with Python 1 h 05 min [1]"));
    assert_non_null(strstr(a, "You spent 1 h 15 min learning this month in all [1]"));
    free(a);
    a = answer(LEARNING_ASK_TIME, "how long have I spent on Kubernetes this month?", alice);
    assert_non_null(strstr(a, "No learning time on \"kubernetes\" is recorded this month"));
    free(a);
    a = answer(LEARNING_ASK_TIME, "how much time did I spend learning?", alice);
    assert_non_null(strstr(a, "By topic: Data Analysis with Python 1 h 05 min, Scrum 10 min"));
    free(a);

    a = answer(LEARNING_ASK_NEXT, "what should I learn next?", alice);
    assert_non_null(strstr(a, "Recommended next: Machine Learning (course): Related to your "
                              "goal: machine learning [1]"));
    assert_non_null(strstr(a, "the next lesson is Data Visualization Best Practices [1]"));
    free(a);
    a = answer(LEARNING_ASK_NEXT, "what should I learn next?", heidi);
    assert_non_null(strstr(a, "holds no recommendation yet"));
    free(a);

    char *out = (char *)1;
    assert_int_equal(learning_ask_answer(LEARNING_ASK_PROGRESS, "q", "[]", 2, &out), ERR_INVALID);
    assert_null(out);
}

static void test_passage(void **state)
{
    (void)state;
    char *heading, *text;
    assert_int_equal(learning_ask_passage(alice, strlen(alice), &heading, &text), ERR_OK);
    assert_string_equal(heading, "as of 2025-03-14");
    assert_non_null(strstr(text, "Learning summary of Alice Martin"));
    /* The escape sequence in the stored text never reaches the screen. */
    assert_null(strchr(text, '\x1b'));
    free(heading);
    free(text);
    assert_int_equal(learning_ask_passage("{\"text\": \"x\"}", 13, &heading, &text), ERR_INVALID);
    assert_null(heading);
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_personal),
        cmocka_unit_test(test_classify_knowledge_base),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_passage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

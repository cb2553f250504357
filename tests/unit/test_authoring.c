/* test_authoring: the Authoring tab's model: the authoring API's documents read (keys only
 * when the server sent them, labels made safe), every check's message as the database words
 * it, the save document read back field for field, question editing (insert, move, delete,
 * blank options dropped with the correct answer following its option), the save reply and the
 * conflict's list of differences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/authoring.h"

static const char own_json[] =
    "{\"id\": \"a1\", \"title\": \"Scrum \\u001b[31mBasics\", \"description\": \"Roles\","
    " \"difficulty\": \"beginner\", \"time_limit\": 15, \"passing_score\": 62.5,"
    " \"max_attempts\": 3, \"review_policy\": \"after_submit\", \"layout\": \"all_on_one\","
    " \"skill_id\": null, \"updated_at\": \"2026-12-06T10:42:00.123456+00:00\","
    " \"can_edit\": true, \"questions\": ["
    "  {\"id\": \"q1\", \"question\": \"Who orders the backlog?\", \"type\": \"multiple_choice\","
    "   \"options\": [\"Product Owner\", \"Scrum Master\", \"Developers\"], \"correct\": 0,"
    "   \"explanation\": \"The PO owns it.\"},"
    "  {\"id\": \"q2\", \"question\": \"Longest sprint?\", \"options\": [\"2 weeks\", \"1 month\"],"
    "   \"correct\": 1}]}";

static const char others_json[] =
    "{\"id\": \"a2\", \"title\": \"Theirs\", \"time_limit\": 10, \"passing_score\": 70,"
    " \"max_attempts\": 1, \"review_policy\": \"never\", \"layout\": \"one_per_page\","
    " \"updated_at\": \"2026-12-06T10:00:00+00:00\", \"can_edit\": false, \"questions\": ["
    "  {\"id\": \"q1\", \"question\": \"Pick one\", \"options\": [\"A\", \"B\"]}]}";

static struct authoring_doc *parse(const char *json)
{
    struct authoring_doc *d = NULL;
    assert_int_equal(authoring_doc_parse(json, strlen(json), &d), ERR_OK);
    assert_non_null(d);
    return d;
}

static void own_document(void **state)
{
    (void)state;
    struct authoring_doc *d = parse(own_json);
    assert_string_equal(d->id, "a1");
    assert_string_equal(d->title, "Scrum Basics"); /* the escape sequence is gone */
    assert_string_equal(d->updated_at, "2026-12-06T10:42:00.123456+00:00");
    assert_int_equal(d->time_limit, 15);
    assert_true(d->passing_score == 62.5);
    assert_int_equal(d->max_attempts, 3);
    assert_string_equal(d->review_policy, "after_submit");
    assert_string_equal(d->layout, "all_on_one");
    assert_true(d->can_edit);
    assert_true(d->has_keys);
    assert_int_equal(d->count, 2);
    assert_int_equal(d->questions[0].option_count, 3);
    assert_int_equal(d->questions[0].correct, 0);
    assert_string_equal(d->questions[0].explanation, "The PO owns it.");
    assert_int_equal(d->questions[1].correct, 1);
    assert_string_equal(d->questions[1].explanation, "");
    char msg[256];
    assert_true(authoring_check(d, msg, sizeof msg, NULL));
    authoring_doc_free(d);
}

static void others_document(void **state)
{
    (void)state;
    struct authoring_doc *d = parse(others_json);
    assert_false(d->can_edit);
    assert_false(d->has_keys); /* the server withheld the key: nothing to show */
    assert_int_equal(d->questions[0].correct, -1);
    authoring_doc_free(d);
}

static void refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "[]", "{\"items\": []}", "not json", "{\"title\": "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct authoring_doc *d = (struct authoring_doc *)1;
        assert_int_not_equal(authoring_doc_parse(bad[i], strlen(bad[i]), &d), ERR_OK);
        assert_null(d);
    }
    struct authoring_save_reply *r = (struct authoring_save_reply *)1;
    assert_int_not_equal(authoring_save_reply_parse("{}", 2, &r), ERR_OK);
    assert_null(r);
    struct authoring_list *l = (struct authoring_list *)1;
    assert_int_not_equal(authoring_list_parse("{}", 2, &l), ERR_OK);
    assert_null(l);
}

/* --- checks ------------------------------------------------------------------------------- */

static void set_title(struct authoring_doc *d) { free(d->title), d->title = strdup("  "); }
static void set_time0(struct authoring_doc *d) { d->time_limit = 0; }
static void set_time_neg(struct authoring_doc *d) { d->time_limit = -5; }
static void set_pass_high(struct authoring_doc *d) { d->passing_score = 100.5; }
static void set_pass_neg(struct authoring_doc *d) { d->passing_score = -1; }
static void set_attempts(struct authoring_doc *d) { d->max_attempts = 0; }
static void set_policy(struct authoring_doc *d)
{
    free(d->review_policy), d->review_policy = strdup("sometimes");
}
static void set_layout(struct authoring_doc *d) { free(d->layout), d->layout = strdup("grid"); }
static void set_no_questions(struct authoring_doc *d)
{
    while (d->count)
        authoring_question_delete(d, 0);
}
static void set_q2_text(struct authoring_doc *d)
{
    free(d->questions[1].text), d->questions[1].text = strdup("");
}
static void set_q2_one_option(struct authoring_doc *d)
{
    const char *opts[] = {"only", ""};
    authoring_question_set(d, 1, "Longest sprint?", opts, 2, 0, "");
}
static void set_q1_no_correct(struct authoring_doc *d) { d->questions[0].correct = -1; }
static void set_q1_empty_option(struct authoring_doc *d)
{
    free(d->questions[0].options[2]), d->questions[0].options[2] = strdup(" ");
}
static void set_q1_same_options(struct authoring_doc *d)
{
    free(d->questions[0].options[2]), d->questions[0].options[2] = strdup("Scrum Master");
}
static void set_q2_draft(struct authoring_doc *d) { d->questions[1].is_draft = true; }

static void checks(void **state)
{
    (void)state;
    const struct {
        void (*change)(struct authoring_doc *);
        const char *message;
        long question;
    } cases[] = {
        {set_title, "title: a title is required", -1},
        {set_time0, "time limit: a positive number of minutes", -1},
        {set_time_neg, "time limit: a positive number of minutes", -1},
        {set_pass_high, "pass mark: a percentage from 0 to 100", -1},
        {set_pass_neg, "pass mark: a percentage from 0 to 100", -1},
        {set_attempts, "attempts: from 1 to 100", -1},
        {set_policy, "review policy: never, after_submit or after_close", -1},
        {set_layout, "layout: one_per_page or all_on_one", -1},
        {set_no_questions, "questions: at least one question", -1},
        {set_q2_text, "question 2: the question has no text", 1},
        {set_q2_one_option, "question 2: at least two options", 1},
        {set_q1_no_correct, "question 1: choose the correct answer", 0},
        {set_q1_empty_option, "question 1: an option is empty", 0},
        {set_q1_same_options, "question 1: two options are the same", 0},
        {set_q2_draft, "question 2: a drafted question: review it (Enter) before saving", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct authoring_doc *d = parse(own_json);
        cases[i].change(d);
        char msg[256];
        long q = 99;
        assert_false(authoring_check(d, msg, sizeof msg, &q));
        assert_string_equal(msg, cases[i].message);
        assert_int_equal(q, cases[i].question);
        authoring_doc_free(d);
    }
}

/* --- the save document --------------------------------------------------------------------- */

static void round_trip(void **state)
{
    (void)state;
    struct authoring_doc *d = parse(own_json);
    long at = authoring_question_insert(d, 1);
    assert_int_equal(at, 1);
    const char *opts[] = {"\"quoted\" \\ back", "Ünïcødé ✓", "line\nbreak"};
    authoring_question_set(d, 1, "A new one?", opts, 3, 2, "because");
    char *json = NULL;
    assert_int_equal(authoring_doc_json(d, &json), ERR_OK);
    assert_null(strstr(json, "\"id\": \"a1\"")); /* the id travels as a parameter */
    struct authoring_doc *back = parse(json);
    assert_string_equal(back->title, d->title);
    assert_string_equal(back->description, d->description);
    assert_string_equal(back->difficulty, "beginner");
    assert_int_equal(back->time_limit, 15);
    assert_true(back->passing_score == 62.5);
    assert_int_equal(back->max_attempts, 3);
    assert_string_equal(back->review_policy, "after_submit");
    assert_string_equal(back->layout, "all_on_one");
    assert_int_equal(back->count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(back->questions[i].id, d->questions[i].id);
        assert_string_equal(back->questions[i].text, d->questions[i].text);
        assert_int_equal(back->questions[i].option_count, d->questions[i].option_count);
        for (size_t k = 0; k < d->questions[i].option_count; k++)
            assert_string_equal(back->questions[i].options[k], d->questions[i].options[k]);
        assert_int_equal(back->questions[i].correct, d->questions[i].correct);
        assert_string_equal(back->questions[i].explanation, d->questions[i].explanation);
    }
    assert_string_equal(back->questions[1].options[2], "line break");
    assert_string_equal(back->questions[1].id, ""); /* a new question: the server names it */
    free(json);

    /* a new assessment: no difficulty and no description are null, not "" */
    struct authoring_doc *n = authoring_doc_new();
    assert_int_equal(authoring_doc_json(n, &json), ERR_OK);
    assert_non_null(strstr(json, "\"difficulty\":null"));
    assert_non_null(strstr(json, "\"description\":null"));
    assert_non_null(strstr(json, "\"time_limit\":20"));
    free(json);
    authoring_doc_free(n);
    authoring_doc_free(back);
    authoring_doc_free(d);
}

/* --- editing questions ---------------------------------------------------------------------- */

static void editing(void **state)
{
    (void)state;
    struct authoring_doc *d = authoring_doc_new();
    char msg[256];
    assert_false(authoring_check(d, msg, sizeof msg, NULL));
    assert_string_equal(msg, "title: a title is required");
    for (int i = 0; i < 3; i++)
        assert_int_equal(authoring_question_insert(d, 99), i);
    const char *a[] = {"x", "y"};
    authoring_question_set(d, 0, "first", a, 2, 0, "");
    authoring_question_set(d, 1, "second", a, 2, 1, "");
    authoring_question_set(d, 2, "third", a, 2, 1, "");
    assert_int_equal(authoring_question_move(d, 0, 1), 1);
    assert_string_equal(d->questions[0].text, "second");
    assert_string_equal(d->questions[1].text, "first");
    assert_int_equal(authoring_question_move(d, 2, -5), 0);
    assert_string_equal(d->questions[0].text, "third");
    assert_int_equal(authoring_question_move(d, 0, 7), 2);
    assert_string_equal(d->questions[2].text, "third");
    authoring_question_delete(d, 0);
    assert_int_equal(d->count, 2);
    assert_string_equal(d->questions[0].text, "first");

    /* blank options are dropped and the correct answer follows its option */
    const char *b[] = {"", "keep", "  ", "right"};
    authoring_question_set(d, 0, "q", b, 4, 3, "");
    assert_int_equal(d->questions[0].option_count, 2);
    assert_string_equal(d->questions[0].options[1], "right");
    assert_int_equal(d->questions[0].correct, 1);
    /* the correct option dropped: none is chosen any more */
    authoring_question_set(d, 0, "q", b, 4, 2, "");
    assert_int_equal(d->questions[0].correct, -1);

    /* a drafted question becomes reviewed when the trainer sets it */
    struct authoring_question q = {0};
    q.text = strdup("drafted _____");
    q.options[0] = strdup("a");
    q.options[1] = strdup("b");
    q.option_count = 2;
    q.correct = 0;
    q.is_draft = true;
    long i = authoring_question_append(d, &q);
    assert_int_equal(i, 2);
    assert_null(q.text); /* ownership moved */
    assert_true(d->questions[2].is_draft);
    assert_string_equal(d->questions[2].id, "");
    const char *opts[] = {d->questions[2].options[0], d->questions[2].options[1]};
    char *text = strdup(d->questions[2].text);
    char *o0 = strdup(opts[0]), *o1 = strdup(opts[1]);
    const char *copy[] = {o0, o1};
    authoring_question_set(d, 2, text, copy, 2, 0, "");
    assert_false(d->questions[2].is_draft);
    free(text), free(o0), free(o1);
    authoring_doc_free(d);
}

/* --- replies and the list ------------------------------------------------------------------ */

static void replies(void **state)
{
    (void)state;
    const char ok[] = "{\"id\": \"a9\", \"updated_at\": \"2026-12-06T11:00:00.5+00:00\"}";
    struct authoring_save_reply *r = NULL;
    assert_int_equal(authoring_save_reply_parse(ok, strlen(ok), &r), ERR_OK);
    assert_false(r->is_conflict);
    assert_string_equal(r->id, "a9");
    assert_string_equal(r->updated_at, "2026-12-06T11:00:00.5+00:00");
    authoring_save_reply_free(r);

    char conflict[4096];
    snprintf(conflict, sizeof conflict, "{\"conflict\": true, \"current\": %s}", own_json);
    assert_int_equal(authoring_save_reply_parse(conflict, strlen(conflict), &r), ERR_OK);
    assert_true(r->is_conflict);
    assert_non_null(r->current);
    assert_int_equal(r->current->count, 2);

    struct authoring_doc *mine = parse(own_json);
    free(mine->title), mine->title = strdup("Mine");
    authoring_question_delete(mine, 1);
    char **lines;
    size_t n;
    authoring_doc_diff(mine, r->current, 10, &lines, &n);
    assert_int_equal(n, 2);
    assert_string_equal(lines[0], "title: yours \"Mine\", theirs \"Scrum Basics\"");
    assert_string_equal(lines[1], "question 2: only in theirs: Longest sprint?");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    authoring_doc_free(mine);
    authoring_save_reply_free(r);

    const char list[] =
        "{\"items\": [{\"id\": \"a1\", \"title\": \"One\\nTwo\", \"difficulty\": null,"
        " \"time_limit\": 15, \"passing_score\": 60, \"max_attempts\": 3,"
        " \"review_policy\": \"after_submit\", \"layout\": \"all_on_one\", \"questions\": 4,"
        " \"can_edit\": false, \"updated_at\": \"2026-12-06T10:42:00.1+00:00\"}]}";
    struct authoring_list *l = NULL;
    assert_int_equal(authoring_list_parse(list, strlen(list), &l), ERR_OK);
    assert_int_equal(l->count, 1);
    assert_string_equal(l->items[0].title, "One Two");
    assert_string_equal(l->items[0].difficulty, "");
    assert_string_equal(l->items[0].updated_at, "2026-12-06 10:42");
    assert_int_equal(l->items[0].questions, 4);
    assert_false(l->items[0].can_edit);
    authoring_list_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_document), cmocka_unit_test(others_document),
        cmocka_unit_test(refused),      cmocka_unit_test(checks),
        cmocka_unit_test(round_trip),   cmocka_unit_test(editing),
        cmocka_unit_test(replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

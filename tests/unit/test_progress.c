/* test_progress: the Progress tab's model from a dashboard document (a learner mid-way and a
 * new employee), the duration and "ago" wording, and the Recommendations tab's model
 * (cca_recommendations and cca_recommendation_open replies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/progress.h"
#include "core/recommend.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *midway =
    "{\"user\": {\"id\": \"u1\", \"name\": \"Alice\\nMartin\", \"department\": \"Eng\"},"
    " \"summary\": {\"overall_completion\": 75.0, \"items_tracked\": 4,"
    "  \"courses_in_progress\": 1, \"courses_completed\": 1, \"skills_in_progress\": 1,"
    "  \"skills_completed\": 1, \"content_in_progress\": 0, \"content_completed\": 2,"
    "  \"completed_last_30_days\": 2, \"avg_hours_to_complete_30d\": 480.0,"
    "  \"streak_days\": 3, \"active_days_30d\": 5, \"time_last_12_weeks_seconds\": 5400,"
    "  \"time_total_seconds\": 7200},"
    " \"skills\": [{\"id\": \"s1\", \"name\": \"Python\", \"category\": \"Technical\","
    "  \"level\": 9, \"max_level\": 5, \"progress\": 140, \"completed\": true}],"
    " \"weekly_time\": [{\"week_start\": \"2025-01-06\", \"seconds\": 60},"
    "  {\"week_start\": \"2025-01-13\", \"seconds\": -5}],"
    " \"assessments\": [{\"id\": \"a1\", \"title\": \"Basics\", \"score\": 50,"
    "  \"passing_score\": 70, \"passed\": false, \"completed_at\": \"2025-01-10T10:00:00Z\"}],"
    " \"in_progress\": [{\"type\": \"course\", \"id\": \"k1\", \"title\": \"Data\","
    "  \"progress\": 40, \"last_activity\": \"2025-01-14T08:00:00Z\", \"time_spent\": 600,"
    "  \"items\": 5, \"items_done\": 2, \"read_position\": null,"
    "  \"next\": {\"content_id\": \"c3\", \"title\": \"Charts\", \"course_id\": \"k1\"}},"
    "  {\"type\": \"content\", \"id\": \"c9\", \"title\": \"Scrum\", \"progress\": 10,"
    "   \"next\": null}],"
    " \"start_here\": []}";

static void test_parse_midway(void **state)
{
    (void)state;
    struct progress *p = NULL;
    assert_int_equal(progress_parse(midway, strlen(midway), &p), ERR_OK);
    assert_false(progress_is_empty(p));
    assert_string_equal(p->user_name, "Alice Martin"); /* one line */
    assert_true(p->summary.overall_completion == 75.0);
    assert_int_equal(p->summary.courses_completed, 1);
    assert_int_equal(p->summary.streak_days, 3);
    assert_true(p->summary.avg_hours_to_complete == 480.0);
    assert_int_equal(p->summary.time_12_weeks_s, 5400);
    assert_int_equal(p->skill_count, 1);
    assert_int_equal(p->skills[0].level, 5); /* clamped to the maximum */
    assert_true(p->skills[0].progress == 100);
    assert_true(p->skills[0].is_completed);
    /* A short weekly array fills the newest weeks; negative time counts as none. */
    assert_true(p->week_seconds[PROGRESS_WEEKS - 2] == 60);
    assert_true(p->week_seconds[PROGRESS_WEEKS - 1] == 0);
    assert_true(p->week_seconds[0] == 0);
    assert_string_equal(p->week_start[PROGRESS_WEEKS - 1], "2025-01-13");
    assert_null(p->week_start[0]);
    assert_int_equal(p->assessment_count, 1);
    assert_false(p->assessments[0].is_passed);
    assert_true(p->assessments[0].score == 50);
    assert_int_equal(p->item_count, 2);
    assert_true(p->items[0].is_course);
    assert_int_equal(p->items[0].items_done, 2);
    assert_string_equal(p->items[0].next.content_id, "c3");
    assert_string_equal(p->items[0].next.course_id, "k1");
    /* Content in progress opens itself. */
    assert_false(p->items[1].is_course);
    assert_string_equal(p->items[1].next.content_id, "c9");
    progress_free(p);
}

static void test_parse_new_employee(void **state)
{
    (void)state;
    const char *text =
        "{\"user\": {\"name\": \"Nina\"}, \"summary\": {\"items_tracked\": 0,"
        " \"avg_hours_to_complete_30d\": null}, \"skills\": [], \"weekly_time\": [],"
        " \"assessments\": [], \"in_progress\": [], \"start_here\": [{\"type\": \"course\","
        " \"id\": \"k\", \"title\": \"Python Fundamentals\", \"reason\": \"No prerequisites\","
        " \"open\": {\"content_id\": \"c1\", \"title\": \"Variables\", \"course_id\": \"k\"}},"
        " {\"type\": \"skill\", \"id\": \"s\", \"title\": \"Leadership\", \"open\": null}]}";
    struct progress *p = NULL;
    assert_int_equal(progress_parse(text, strlen(text), &p), ERR_OK);
    assert_true(progress_is_empty(p));
    assert_true(p->summary.avg_hours_to_complete < 0);
    assert_int_equal(p->start_count, 2);
    assert_string_equal(p->starts[0].open.content_id, "c1");
    assert_null(p->starts[1].open.content_id);
    progress_free(p);

    p = (struct progress *)1;
    assert_int_equal(progress_parse("{\"skills\": []}", 14, &p), ERR_INVALID);
    assert_null(p);
    assert_int_equal(progress_parse("not json", 8, &p), ERR_INVALID);
    progress_free(NULL);
}

static void test_format(void **state)
{
    (void)state;
    static const struct {
        long s;
        const char *want;
    } d[] = {{0, "0 min"},    {-3, "0 min"},        {40, "40 s"},        {60, "1 min"},
             {719, "11 min"}, {3600, "1 h 00 min"}, {7500, "2 h 05 min"}};
    char out[32];
    for (size_t i = 0; i < N(d); i++) {
        progress_format_duration(d[i].s, out, sizeof out);
        assert_string_equal(out, d[i].want);
    }
    time_t now = 1736942400; /* 2025-01-15 12:00 UTC */
    static const struct {
        const char *iso, *want;
    } a[] = {{"2025-01-15T01:00:00Z", "today"},
             {"2025-01-16T01:00:00Z", "today"},
             {"2025-01-14T23:59:00Z", "yesterday"},
             {"2025-01-10", "5 days ago"},
             {"2024-12-01T00:00:00Z", "6 weeks ago"},
             {"2023-05-02", "2023-05-02"},
             {"garbage", ""},
             {NULL, ""}};
    for (size_t i = 0; i < N(a); i++) {
        progress_format_ago(a[i].iso, now, out, sizeof out);
        assert_string_equal(out, a[i].want);
    }
}

static void test_recommend(void **state)
{
    (void)state;
    const char *text =
        "{\"generated_at\": \"2025-01-15T10:00:00Z\", \"items\": ["
        "{\"id\": \"r1\", \"type\": \"course\", \"item_id\": \"k1\", \"title\": \"Data\","
        " \"score\": 0.8, \"reason\": \"Continue\\u0007 this course\", \"clicked\": true,"
        " \"open\": {\"content_id\": \"c3\", \"title\": \"Charts\", \"course_id\": \"k1\"}},"
        "{\"type\": \"skill\", \"title\": \"no id: skipped\"},"
        "{\"id\": \"r2\", \"type\": \"skill\", \"item_id\": \"s1\", \"title\": \"Leadership\","
        " \"score\": 7, \"reason\": \"Next step\", \"clicked\": false, \"open\": null}]}";
    struct recommend_list *l = NULL;
    assert_int_equal(recommend_parse(text, strlen(text), &l), ERR_OK);
    assert_int_equal(l->count, 2);
    assert_string_equal(l->items[0].id, "r1");
    assert_null(strchr(l->items[0].reason, '\a'));
    assert_true(l->items[0].is_clicked);
    assert_string_equal(l->items[0].open_content_id, "c3");
    assert_true(l->items[1].score == 1);
    assert_null(l->items[1].open_content_id);
    recommend_remove(l, 0);
    assert_int_equal(l->count, 1);
    assert_string_equal(l->items[0].id, "r2");
    recommend_remove(l, 5);
    assert_int_equal(l->count, 1);
    recommend_list_free(l);

    char *content, *course;
    const char *open = "{\"id\": \"r1\", \"open\": {\"content_id\": \"c3\", \"course_id\": null}}";
    assert_int_equal(recommend_open_parse(open, strlen(open), &content, &course), ERR_OK);
    assert_string_equal(content, "c3");
    assert_null(course);
    free(content);
    const char *none = "{\"id\": \"r2\", \"open\": null}";
    assert_int_equal(recommend_open_parse(none, strlen(none), &content, &course), ERR_NOT_FOUND);
    assert_null(content);
    assert_int_equal(recommend_parse("{}", 2, &l), ERR_INVALID);
    assert_null(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_midway),
        cmocka_unit_test(test_parse_new_employee),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_recommend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

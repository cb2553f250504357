/* test_department: the Department API's documents read into structs (figures, hidden cells,
 * matrix levels, reasons, gaps), bad documents refused, figures and dates as text, and the
 * report's CSV read back field for field with formulas defused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/department.h"

static const char overview_json[] =
    "{\"department\": \"Engineering\", \"period\": \"quarter\", \"min_group_size\": 5,"
    " \"filters\": {\"course_id\": \"co1\", \"skill_id\": null},"
    " \"headline\": {"
    "  \"people\": {\"value\": 53, \"previous\": 49, \"change\": 4, \"suppressed\": false},"
    "  \"active_learners\": {\"value\": null, \"previous\": null, \"suppressed\": true},"
    "  \"avg_completion\": {\"value\": 60.4, \"previous\": 54.5, \"suppressed\": false},"
    "  \"assessments_taken\": {\"value\": 25, \"previous\": null, \"suppressed\": false},"
    "  \"assessments_passed\": {\"value\": 21, \"previous\": 21, \"suppressed\": false},"
    "  \"time_spent_minutes\": {\"value\": 20688, \"previous\": 10160, \"suppressed\": false}},"
    " \"charts\": {"
    "  \"weekly_activity\": {\"week_starts\": [\"2026-09-13\", \"2026-09-20\"],"
    "    \"events\": [3, 6, 2, 7, 0, 3, 1, 2, 4, 5, 5, 8], \"active_people\": [1, 2],"
    "    \"suppressed\": false},"
    "  \"completion_by_course\": ["
    "    {\"course_id\": \"co1\", \"title\": \"Git \\u001b[31mFoundations\\nx\", \"learners\": 25,"
    "     \"completed\": 4, \"completion_rate\": 16, \"avg_progress\": 55.5,"
    "     \"mandatory_due_at\": \"2026-12-01T00:00:00+00:00\", \"suppressed\": false},"
    "    {\"course_id\": \"co2\", \"title\": \"Tiny\", \"learners\": null, \"suppressed\": true}],"
    "  \"skills_matrix\": {\"skills_total\": 84, \"skills\": ["
    "      {\"skill_id\": \"s1\", \"name\": \"Git\", \"holders\": 12, \"avg_level\": 2.5},"
    "      {\"skill_id\": \"s2\", \"name\": \"Java\", \"holders\": null, \"suppressed\": true}],"
    "    \"people\": [{\"name\": \"Ann\", \"levels\": [3, null]},"
    "                 {\"name\": \"Bo\", \"levels\": [null, 9]}]},"
    "  \"assessment_pass_rates\": [{\"assessment_id\": \"a1\", \"title\": \"Basics\","
    "    \"takers\": 10, \"passed\": 8, \"pass_rate\": 80, \"avg_score\": 77.5}]}}";

static void overview(void **state)
{
    (void)state;
    struct department_overview *o = NULL;
    assert_int_equal(department_overview_parse(overview_json, strlen(overview_json), &o), ERR_OK);
    assert_string_equal(o->department, "Engineering");
    assert_string_equal(o->period, "quarter");
    assert_string_equal(o->course_filter, "co1");
    assert_null(o->skill_filter);
    assert_int_equal(o->min_group_size, 5);
    const struct department_figure *f = o->headline;
    assert_true(f[DEPARTMENT_PEOPLE].has_value && f[DEPARTMENT_PEOPLE].has_previous);
    assert_true(f[DEPARTMENT_PEOPLE].value == 53 && f[DEPARTMENT_PEOPLE].previous == 49);
    assert_true(f[DEPARTMENT_ACTIVE_LEARNERS].is_suppressed);
    assert_false(f[DEPARTMENT_ACTIVE_LEARNERS].has_value);
    assert_true(f[DEPARTMENT_ASSESSMENTS_TAKEN].has_value);
    assert_false(f[DEPARTMENT_ASSESSMENTS_TAKEN].has_previous);
    assert_false(o->is_weekly_suppressed);
    assert_true(o->week_events[11] == 8 && o->week_events[4] == 0);
    assert_string_equal(o->week_starts[1], "2026-09-20");
    assert_null(o->week_starts[2]);
    assert_true(o->week_active[1] == 2 && o->week_active[2] == 0);
    assert_int_equal(o->course_count, 2);
    /* untrusted titles come out on one line without the escape sequence */
    assert_null(strchr(o->courses[0].title, '\x1b'));
    assert_null(strchr(o->courses[0].title, '\n'));
    assert_non_null(strstr(o->courses[0].title, "Foundations"));
    assert_int_equal(o->courses[0].completed, 4);
    assert_true(o->courses[0].completion_rate == 16);
    assert_non_null(o->courses[0].mandatory_due_at);
    assert_true(o->courses[1].is_suppressed);
    assert_null(o->courses[1].mandatory_due_at);
    assert_int_equal(o->skill_count, 2);
    assert_int_equal(o->skills_total, 84);
    assert_true(o->skills[0].avg_level == 2.5 && !o->skills[0].is_suppressed);
    assert_true(o->skills[1].is_suppressed);
    assert_int_equal(o->matrix_people_count, 2);
    assert_string_equal(o->matrix_people[1], "Bo");
    /* levels: null is none, above 5 is clamped */
    assert_int_equal(o->levels[0], 3);
    assert_int_equal(o->levels[1], 0);
    assert_int_equal(o->levels[2], 0);
    assert_int_equal(o->levels[3], 5);
    assert_int_equal(o->assessment_count, 1);
    assert_int_equal(o->assessments[0].passed, 8);
    assert_true(o->assessments[0].pass_rate == 80);
    department_overview_free(o);
    department_overview_free(NULL);
}

static void refused_documents(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "[]", "{}", "{\"charts\": {}}", "not json", "42"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct department_overview *o = (void *)1;
        assert_int_not_equal(department_overview_parse(bad[i], strlen(bad[i]), &o), ERR_OK);
        assert_null(o);
        struct department_person *p = (void *)1;
        assert_int_not_equal(department_person_parse(bad[i], strlen(bad[i]), &p), ERR_OK);
        assert_null(p);
        struct department_gaps *g = (void *)1;
        assert_int_not_equal(department_gaps_parse(bad[i], strlen(bad[i]), &g), ERR_OK);
        assert_null(g);
    }
    struct department_people pp;
    assert_int_equal(department_people_parse("{}", 2, &pp), ERR_INVALID);
    assert_int_equal(department_people_parse("  []", 4, &pp), ERR_OK);
    assert_int_equal(pp.count, 0);
    assert_int_equal(pp.total, 0);
    department_people_cleanup(&pp);
    struct department_list l;
    assert_int_equal(department_list_parse("{\"department\": \"x\"}", 19, &l), ERR_INVALID);
    assert_int_equal(l.count, 0);
    const char *list = "[{\"department\": \"IT\", \"people\": 1}, {}]";
    assert_int_equal(department_list_parse(list, strlen(list), &l), ERR_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].name, "IT");
    assert_int_equal(l.items[0].people, 1);
    department_list_cleanup(&l);
}

static const char people_json[] =
    "[{\"user_id\": \"u1\", \"name\": \"Ann\", \"email\": \"ann@x\", \"role\": \"learner\","
    "  \"progress\": 75, \"items\": 4, \"completed\": 2, \"last_activity\": null,"
    "  \"assessments_taken\": 3, \"assessments_passed\": 1, \"total_count\": 7,"
    "  \"attention\": [{\"reason\": \"inactive\", \"last_activity\": null},"
    "                 {\"reason\": \"failed_twice\", \"assessment\": \"Basics\", \"failures\": 2},"
    "                 {\"reason\": \"overdue\", \"course\": \"Security\","
    "                  \"due_at\": \"2026-01-20T12:00:00+00:00\"},"
    "                 {\"reason\": \"something_new\"}]},"
    " {\"user_id\": \"u2\", \"name\": \"Bo\", \"progress\": null, \"attention\": [],"
    "  \"total_count\": 7}]";

static void people(void **state)
{
    (void)state;
    struct department_people p;
    assert_int_equal(department_people_parse(people_json, strlen(people_json), &p), ERR_OK);
    assert_int_equal(p.count, 2);
    assert_int_equal(p.total, 7);
    const struct department_person_row *a = &p.items[0];
    assert_string_equal(a->name, "Ann");
    assert_true(a->has_progress && a->progress == 75);
    assert_null(a->last_activity);
    assert_int_equal(a->assessments_passed, 1);
    /* the reason this client does not know is left out */
    assert_int_equal(a->reason_count, 3);
    assert_int_equal(a->reasons[1].kind, DEPARTMENT_REASON_FAILED_TWICE);
    assert_string_equal(a->reasons[1].subject, "Basics");
    char cell[64];
    assert_string_equal(department_reasons_short(a, cell, sizeof cell),
                        "inactive, failed twice, overdue");
    assert_false(p.items[1].has_progress);
    assert_string_equal(department_reasons_short(&p.items[1], cell, sizeof cell), "");

    long long now = department_parse_time("2026-01-30T12:00:00+00:00");
    struct buf b;
    buf_init(&b, 4096);
    department_reason_describe(&a->reasons[0], now, &b);
    assert_string_equal(buf_str(&b), "no activity yet");
    buf_reset(&b);
    department_reason_describe(&a->reasons[1], now, &b);
    assert_string_equal(buf_str(&b), "failed Basics twice");
    buf_reset(&b);
    department_reason_describe(&a->reasons[2], now, &b);
    assert_string_equal(buf_str(&b), "overdue mandatory course: Security (due 10 days ago)");
    buf_cleanup(&b);

    /* a next page goes after the rows it follows */
    struct department_people more;
    assert_int_equal(department_people_parse(people_json, strlen(people_json), &more), ERR_OK);
    department_people_append(&p, &more);
    assert_int_equal(p.count, 4);
    assert_int_equal(more.count, 0);
    assert_string_equal(p.items[3].name, "Bo");
    department_people_cleanup(&more);
    department_people_cleanup(&p);
}

static void person(void **state)
{
    (void)state;
    static const char json[] =
        "{\"user\": {\"id\": \"u1\", \"name\": \"Alice\", \"email\": \"a@x\", \"role\": "
        "\"learner\", \"department\": \"Eng\"},"
        " \"summary\": {\"items\": 4, \"completed\": 2, \"progress\": 75, \"questions_30d\": 4,"
        "  \"assessments_taken\": 1, \"assessments_passed\": 1,"
        "  \"last_activity\": \"2026-12-06T21:31:37.5+00:00\"},"
        " \"attention\": [],"
        " \"courses\": [{\"title\": \"Python\", \"progress\": 140, \"completed_at\": null}],"
        " \"skills\": [{\"name\": \"Py\", \"level\": 2, \"progress\": 100,"
        "   \"completed_at\": \"2026-11-16T00:00:00+00:00\"}, {\"name\": \"SQL\", \"level\": 1}],"
        " \"results\": [{\"title\": \"Basics\", \"score\": 100, \"passing_score\": 70,"
        "   \"passed\": true}],"
        " \"attempts\": [{\"title\": \"Basics\", \"status\": \"expired\", \"timed_out\": true}]}";
    struct department_person *p = NULL;
    assert_int_equal(department_person_parse(json, strlen(json), &p), ERR_OK);
    assert_string_equal(p->name, "Alice");
    assert_string_equal(p->department, "Eng");
    assert_int_equal(p->questions_30d, 4);
    assert_int_equal(p->course_count, 1);
    assert_true(p->courses[0].progress == 100); /* clamped */
    assert_int_equal(p->skill_count, 2);
    assert_true(p->skills[0].is_completed);
    assert_false(p->skills[1].is_completed);
    assert_true(p->results[0].is_passed && p->results[0].has_score);
    assert_true(p->attempts[0].is_timed_out);
    department_person_free(p);
}

static void gaps(void **state)
{
    (void)state;
    static const char json[] =
        "{\"scope\": \"company\", \"period\": \"quarter\", \"as_of\": null, \"min_askers\": 5,"
        " \"topics\": [{\"topic\": \"polici\", \"terms\": [\"leav\", \"remot\"], \"askers\": 12,"
        "   \"questions\": 30, \"by_month\": [null, 1, 2, 3, null, 5, 6, 7, 8, 9, 10, 11],"
        "   \"departments\": [{\"department\": \"Sales\", \"askers\": 7, \"questions\": 9}],"
        "   \"skills\": [{\"skill_id\": \"s\", \"name\": \"HR\"}],"
        "   \"nearest_content\": [{\"content_id\": \"c\", \"title\": \"Leave policy\"}]}]}";
    struct department_gaps *g = NULL;
    assert_int_equal(department_gaps_parse(json, strlen(json), &g), ERR_OK);
    assert_string_equal(g->scope, "company");
    assert_null(g->as_of);
    assert_int_equal(g->topic_count, 1);
    const struct department_gap_topic *t = &g->topics[0];
    assert_int_equal(t->term_count, 2);
    assert_string_equal(t->terms[1], "remot");
    assert_true(t->by_month[0] == 0 && t->by_month[11] == 11);
    assert_int_equal(t->department_count, 1);
    assert_int_equal(t->departments[0].askers, 7);
    assert_string_equal(t->skills[0], "HR");
    assert_string_equal(t->nearest[0], "Leave policy");
    department_gaps_free(g);

    struct buf b;
    buf_init(&b, 1024);
    const char *done =
        "{\"refreshed\": true, \"questions\": 205, \"topics\": 1, \"took_ms\": 1200}";
    department_gaps_refresh_describe(done, strlen(done), &b);
    assert_string_equal(buf_str(&b), "Knowledge gaps recomputed: 205 gap questions, 1 topic.");
    buf_reset(&b);
    department_gaps_refresh_describe("{\"refreshed\": false}", 20, &b);
    assert_non_null(strstr(buf_str(&b), "Another refresh"));
    buf_cleanup(&b);
}

static void figures(void **state)
{
    (void)state;
    static const struct {
        enum department_headline h;
        struct department_figure f;
        bool is_unicode;
        const char *value, *trend;
    } cases[] = {
        {DEPARTMENT_PEOPLE, {true, true, false, 53, 49}, true, "53", "\xE2\x96\xB2 4"},
        {DEPARTMENT_PEOPLE, {true, true, false, 49, 53}, true, "49", "\xE2\x96\xBC 4"},
        {DEPARTMENT_PEOPLE, {true, true, false, 49, 53}, false, "49", "-4"},
        {DEPARTMENT_PEOPLE, {true, true, false, 53, 49}, false, "53", "+4"},
        {DEPARTMENT_PEOPLE, {true, true, false, 7, 7}, true, "7", "= 0"},
        {DEPARTMENT_PEOPLE, {true, false, false, 7, 0}, true, "7", ""},
        {DEPARTMENT_PEOPLE, {false, false, true, 0, 0}, true, "-", ""},
        {DEPARTMENT_AVG_COMPLETION, {true, true, false, 60.44, 54.5}, true, "60.4 %",
         "\xE2\x96\xB2 5.9"},
        {DEPARTMENT_AVG_COMPLETION, {true, true, false, 54.52, 54.5}, true, "54.5 %", "= 0"},
        {DEPARTMENT_TIME_SPENT, {true, true, false, 20688, 10160}, true, "344 h 48 min",
         "\xE2\x96\xB2 175 h 28 min"},
        {DEPARTMENT_TIME_SPENT, {true, true, false, 45, 50}, false, "45 min", "-5 min"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char value[32], trend[48];
        department_format_value(cases[i].h, cases[i].f.has_value, cases[i].f.value, value,
                                sizeof value);
        department_format_trend(cases[i].h, &cases[i].f, cases[i].is_unicode, trend,
                                sizeof trend);
        if (strcmp(value, cases[i].value) != 0 || strcmp(trend, cases[i].trend) != 0)
            fail_msg("case %zu: [%s] [%s], want [%s] [%s]", i, value, trend, cases[i].value,
                     cases[i].trend);
    }
}

static void dates(void **state)
{
    (void)state;
    long long now = department_parse_time("2026-03-10T12:00:00+00:00");
    assert_true(now > 0);
    assert_int_equal(department_parse_time("2026-03-10T13:30:00+01:30"), now);
    assert_int_equal(department_parse_time("2026-03-10T12:00:00Z"), now);
    assert_int_equal(department_parse_time("2026-03-10"), now - 12 * 3600);
    assert_int_equal(department_parse_time("yesterday"), 0);
    assert_int_equal(department_parse_time(NULL), 0);
    static const struct {
        const char *iso, *want;
    } cases[] = {
        {"2026-03-10T11:59:30.123+00:00", "today"},
        {"2026-03-09T23:00:00+00:00", "today"}, /* 13 hours ago: not a whole day */
        {"2026-03-09T11:00:00+00:00", "yesterday"},
        {"2026-03-05T12:00:00+00:00", "5 days ago"},
        {"2026-02-01T12:00:00+00:00", "5 weeks ago"},
        {"2026-03-11T13:00:00+00:00", "tomorrow"},
        {"2026-03-14T12:00:00+00:00", "in 4 days"},
        {"2026-05-14T12:00:00+00:00", "in 9 weeks"},
        {"2024-01-31T00:00:00+00:00", "2024-01-31"},
        {"garbage", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[48];
        department_format_when(cases[i].iso, now, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu (%s): [%s], want [%s]", i, cases[i].iso, out, cases[i].want);
    }
    enum department_period p = DEPARTMENT_PERIOD_30D;
    assert_true(department_period_parse("year", &p));
    assert_int_equal(p, DEPARTMENT_PERIOD_YEAR);
    assert_false(department_period_parse("week", &p));
    assert_int_equal(p, DEPARTMENT_PERIOD_YEAR);
    assert_string_equal(department_period_name(DEPARTMENT_PERIOD_QUARTER), "quarter");
}

static void csv_file(void **state)
{
    (void)state;
    const char *cells[] = {
        "headline", NULL, NULL, NULL, NULL, "people", "53", "49",
        "people", "u1", "=HYPERLINK(\"http://evil\",\"x\")", NULL, NULL, "email", "a@x", NULL,
        "people", "u2", "O'Neil, \"Bo\"\nJr.", NULL, NULL, "progress", "-2.5", NULL,
        "people", "u3", "@admin", NULL, NULL, "role", "+learner", NULL,
    };
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(department_csv_write(cells, 4, &b), ERR_OK);
    assert_true(strncmp(b.data, "section,subject_id,subject,item_id,item,metric,value,previous\r\n",
                        63) == 0);
    struct csv *c = NULL;
    struct csv_error ce;
    assert_int_equal(csv_parse(b.data, b.len, &c, &ce), ERR_OK);
    assert_int_equal(csv_records(c), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(csv_fields(c, i), DEPARTMENT_CSV_COLUMNS);
    assert_string_equal(csv_get(c, 1, 6), "53");
    assert_string_equal(csv_get(c, 1, 1), "");
    assert_string_equal(csv_get(c, 2, 2), "'=HYPERLINK(\"http://evil\",\"x\")");
    assert_string_equal(csv_get(c, 3, 2), "O'Neil, \"Bo\"\nJr.");
    assert_string_equal(csv_get(c, 3, 6), "-2.5"); /* a number stays a number */
    assert_string_equal(csv_get(c, 4, 2), "'@admin");
    assert_string_equal(csv_get(c, 4, 6), "'+learner");
    csv_free(c);
    buf_cleanup(&b);
    buf_init(&b, 16);
    assert_int_equal(department_csv_write(cells, 4, &b), ERR_TOO_LARGE);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overview), cmocka_unit_test(refused_documents),
        cmocka_unit_test(people),   cmocka_unit_test(person),
        cmocka_unit_test(gaps),     cmocka_unit_test(figures),
        cmocka_unit_test(dates),    cmocka_unit_test(csv_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

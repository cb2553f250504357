/* test_reader: the reader's argument round trip, the document's sections (cut at headings
 * outside code fences, character offsets for multi-byte text), the mapping between character
 * positions and sections, and the reading clock (only visible, non-idle time counts; a
 * suspended process does not add its pause). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/reader.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_arg(void **state)
{
    (void)state;
    static const struct {
        const char *arg, *content, *passage, *course;
    } cases[] = {
        {"c1", "c1", NULL, NULL},
        {"c1#p9", "c1", "p9", NULL},
        {"c1#course=k2", "c1", NULL, "k2"},
        {"c1#p9#course=k2", "c1", "p9", "k2"},
        {"c1#course=k2#p9", "c1", "p9", "k2"},
        {"c1##", "c1", NULL, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct reader_arg a;
        assert_int_equal(reader_arg_parse(cases[i].arg, &a), ERR_OK);
        assert_string_equal(a.content_id, cases[i].content);
        if (cases[i].passage)
            assert_string_equal(a.passage_id, cases[i].passage);
        else
            assert_null(a.passage_id);
        if (cases[i].course)
            assert_string_equal(a.course_id, cases[i].course);
        else
            assert_null(a.course_id);
        /* Formatting what was parsed gives an argument that parses the same. */
        char *again = reader_arg_format(a.content_id, a.passage_id, a.course_id);
        struct reader_arg b;
        assert_int_equal(reader_arg_parse(again, &b), ERR_OK);
        assert_string_equal(b.content_id, a.content_id);
        assert_true((a.passage_id == NULL) == (b.passage_id == NULL));
        assert_true((a.course_id == NULL) == (b.course_id == NULL));
        reader_arg_cleanup(&a);
        reader_arg_cleanup(&b);
        free(again);
    }
    struct reader_arg a;
    assert_int_equal(reader_arg_parse("", &a), ERR_INVALID);
    reader_arg_cleanup(&a);
    assert_int_equal(reader_arg_parse("#p1", &a), ERR_INVALID);
    reader_arg_cleanup(&a);
    assert_int_equal(reader_arg_parse(NULL, &a), ERR_INVALID);
}

static struct reader_doc *parse(const char *body)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"content\": {\"id\": \"c1\", \"title\": \"T\\u001b[2J\", \"content_type\": "
             "\"tutorial\", \"body\": \"%s\"}, \"progress\": {\"read_position\": 12, "
             "\"progress\": 40, \"time_spent\": 90, \"completed_at\": null},"
             " \"course\": {\"id\": \"k\", \"title\": \"K\", \"index\": 2, \"count\": 3,"
             " \"prev\": {\"content_id\": \"c0\", \"title\": \"Zero\"}, \"next\": null}}",
             body);
    struct reader_doc *d = NULL;
    assert_int_equal(reader_doc_parse(json, strlen(json), &d), ERR_OK);
    return d;
}

static void test_sections(void **state)
{
    (void)state;
    /* "é" is two bytes and one character; the heading inside the fence does not cut. */
    struct reader_doc *d =
        parse("Intro \\u00e9t\\u00e9.\\n\\n# One\\nText.\\n```\\n# not a heading\\n```\\n"
              "## Two\\nMore.\\n#hashtag is no heading\\n");
    assert_string_equal(d->title, "T");
    assert_string_equal(d->content_type, "tutorial");
    assert_int_equal(d->read_position, 12);
    assert_int_equal(d->time_spent_s, 90);
    assert_false(d->is_completed);
    assert_string_equal(d->course_id, "k");
    assert_int_equal(d->course_index, 2);
    assert_string_equal(d->prev_id, "c0");
    assert_null(d->next_id);
    assert_int_equal(d->section_count, 3);
    assert_int_equal(d->sections[0].off, 0);
    assert_true(strncmp(d->body + d->sections[1].off, "# One", 5) == 0);
    assert_true(strncmp(d->body + d->sections[2].off, "## Two", 6) == 0);
    /* "Intro été.\n\n" = 12 characters, 14 bytes. */
    assert_int_equal(d->sections[0].len, 14);
    assert_int_equal(d->sections[0].char_len, 12);
    assert_int_equal(d->sections[1].char_off, 12);
    long total = 0;
    for (size_t i = 0; i < d->section_count; i++)
        total += d->sections[i].char_len;
    assert_int_equal(total, d->char_count);
    assert_int_equal(d->sections[d->section_count - 1].off + d->sections[d->section_count - 1].len,
                     d->body_len);

    double f;
    assert_int_equal(reader_section_at(d, 0, &f), 0);
    assert_true(f == 0);
    assert_int_equal(reader_section_at(d, 12, &f), 1);
    assert_true(f == 0);
    assert_int_equal(reader_section_at(d, d->char_count + 50, &f), 2);
    assert_true(f == 1);
    assert_int_equal(reader_section_at(d, -5, NULL), 0);
    assert_int_equal(reader_char_in_section(d, 1, 0), 12);
    assert_int_equal(reader_char_in_section(d, 2, 1), d->char_count);
    assert_int_equal(reader_char_in_section(d, 99, 0.5), d->char_count);
    /* A position maps to a section and back. */
    for (long pos = 0; pos <= d->char_count; pos++) {
        size_t s = reader_section_at(d, pos, &f);
        long back = reader_char_in_section(d, s, f);
        assert_true(back == pos);
    }
    reader_doc_free(d);

    d = parse("");
    assert_int_equal(d->section_count, 1);
    assert_int_equal(d->char_count, 0);
    assert_int_equal(reader_section_at(d, 10, NULL), 0);
    reader_doc_free(d);

    struct reader_doc *bad = (struct reader_doc *)1;
    assert_int_equal(reader_doc_parse("{\"progress\": {}}", 16, &bad), ERR_INVALID);
    assert_null(bad);
}

static void test_clock(void **state)
{
    (void)state;
    struct reader_clock c = {0};
    /* Hidden: nothing counts. */
    reader_clock_tick(&c, 1000);
    reader_clock_tick(&c, 5000);
    assert_int_equal(reader_clock_take(&c), 0);

    reader_clock_start(&c, 10000);
    for (int64_t t = 10250; t <= 20000; t += 250)
        reader_clock_tick(&c, t);
    assert_int_equal(reader_clock_take(&c), 10);
    /* No key for two minutes: the clock stops at the idle limit. */
    for (int64_t t = 20250; t <= 10000 + READER_IDLE_MS + 30000; t += 250)
        reader_clock_tick(&c, t);
    assert_int_equal(reader_clock_take(&c), READER_IDLE_MS / 1000 - 10);
    /* A key starts it again. */
    reader_clock_key(&c, 200000);
    reader_clock_tick(&c, 200500);
    reader_clock_tick(&c, 201000);
    /* A suspended process (no tick for an hour) adds at most one tick's worth. */
    reader_clock_tick(&c, 201000 + 3600000);
    assert_int_equal(reader_clock_take(&c), 2);
    /* The remainder under a second stays for next time; seconds can be given back. */
    reader_clock_key(&c, 4000000);
    reader_clock_tick(&c, 4000600);
    assert_int_equal(reader_clock_take(&c), 0);
    reader_clock_tick(&c, 4001200);
    assert_int_equal(reader_clock_take(&c), 1);
    reader_clock_give_back(&c, 7);
    assert_int_equal(reader_clock_take(&c), 7);
    /* Hidden again: stops counting. */
    reader_clock_stop(&c, 4001400);
    reader_clock_tick(&c, 4009000);
    assert_int_equal(reader_clock_take(&c), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arg),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_json: the sources column read back (valid, missing fields, wrong types, null
 * similarity, duplicates, malformed, huge, deeply nested, embedded NUL, bad UTF-8, caps) and
 * the flat-object reader the unsent file uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/sources.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/rag.h"

#define NONE ((const char *)1) /* expect NULL */

struct want_source {
    int number;
    const char *content_id;
    const char *title;
    const char *heading; /* NONE: NULL */
    const char *path;    /* NONE: NULL */
    const char *passage;
    double similarity;
};

static void check_string(const char *got, const char *want)
{
    if (want == NONE)
        assert_null(got);
    else
        assert_string_equal(got, want);
}

static void sources_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *json;
        enum err err;
        size_t count;
        struct want_source want[3];
    } cases[] = {
        {"as rag.c writes it",
         "[{\"n\":1,\"content_id\":\"c1\",\"passage_id\":\"p1\",\"title\":\"Leave\","
         "\"heading\":\"Carry-over\",\"source_path\":\"/kb/leave.md\",\"passage\":\"Up to 5 "
         "days.\",\"similarity\":0.82},"
         "{\"n\":2,\"content_id\":\"c2\",\"passage_id\":\"p2\",\"title\":\"Travel\","
         "\"heading\":null,\"source_path\":null,\"passage\":\"Book early.\","
         "\"similarity\":null}]",
         ERR_OK, 2,
         {{1, "c1", "Leave", "Carry-over", "/kb/leave.md", "Up to 5 days.", 0.82},
          {2, "c2", "Travel", NONE, NONE, "Book early.", -1}}},
        {"as jsonb returns it (keys reordered, spaces)",
         "[{\"n\": 3, \"title\": \"T\", \"heading\": \"H\", \"passage\": \"x\", "
         "\"content_id\": \"c\", \"similarity\": 0.5, \"passage_id\": \"p\", "
         "\"source_path\": \"/a\"}]",
         ERR_OK, 1, {{3, "c", "T", "H", "/a", "x", 0.5}}},
        {"seed style: no n, no heading, null passage_id",
         "[{\"content_id\": \"content-project-planning\", \"passage_id\": null, \"title\": "
         "\"Project Planning\", \"passage\": \"Define objectives.\", \"similarity\": 0.9}]",
         ERR_OK, 1,
         {{1, "content-project-planning", "Project Planning", NONE, NONE, "Define objectives.",
           0.9}}},
        {"empty object: every default", "[{}]", ERR_OK, 1, {{1, "", "Untitled", NONE, NONE, "", -1}}},
        {"wrong types count as missing",
         "[{\"n\":\"1\",\"content_id\":7,\"title\":[\"x\"],\"heading\":{},\"source_path\":true,"
         "\"passage\":3.5,\"similarity\":\"0.9\"}]",
         ERR_OK, 1, {{1, "", "Untitled", NONE, NONE, "", -1}}},
        {"non-objects are skipped but keep their position",
         "[1, \"two\", null, {\"title\":\"Fourth\"}]", ERR_OK, 1,
         {{4, "", "Fourth", NONE, NONE, "", -1}}},
        {"bad n falls back to the position",
         "[{\"n\":0,\"title\":\"a\"},{\"n\":-2,\"title\":\"b\"},{\"n\":1.5,\"title\":\"c\"}]",
         ERR_OK, 3,
         {{1, "", "a", NONE, NONE, "", -1},
          {2, "", "b", NONE, NONE, "", -1},
          {3, "", "c", NONE, NONE, "", -1}}},
        {"huge n falls back to the position", "[{\"n\":1e300,\"title\":\"a\"}]", ERR_OK, 1,
         {{1, "", "a", NONE, NONE, "", -1}}},
        {"a taken number is skipped",
         "[{\"n\":1,\"title\":\"a\"},{\"n\":1,\"title\":\"b\"},{\"title\":\"c\"}]", ERR_OK, 2,
         {{1, "", "a", NONE, NONE, "", -1}, {3, "", "c", NONE, NONE, "", -1}}},
        {"similarity out of range is -1",
         "[{\"similarity\":1.5},{\"similarity\":-0.2},{\"similarity\":0}]", ERR_OK, 3,
         {{1, "", "Untitled", NONE, NONE, "", -1},
          {2, "", "Untitled", NONE, NONE, "", -1},
          {3, "", "Untitled", NONE, NONE, "", 0}}},
        {"invalid UTF-8 becomes U+FFFD", "[{\"title\":\"caf\xe9 \xff\"}]", ERR_OK, 1,
         {{1, "", "caf\xef\xbf\xbd \xef\xbf\xbd", NONE, NONE, "", -1}}},
        {"escapes decode; \\u0000 ends the string",
         "[{\"title\":\"a\\\"b\\u00e9\",\"passage\":\"x\\u0000y\"}]", ERR_OK, 1,
         {{1, "", "a\"b\xc3\xa9", NONE, NONE, "x", -1}}},
        {"empty array", "[]", ERR_OK, 0, {{0}}},
        {"empty text", "", ERR_OK, 0, {{0}}},
        {"not an array", "{\"n\":1}", ERR_INVALID, 0, {{0}}},
        {"a bare string", "\"[]\"", ERR_INVALID, 0, {{0}}},
        {"truncated", "[{\"n\":1,\"title\":\"Lea", ERR_INVALID, 0, {{0}}},
        {"trailing garbage", "[] x", ERR_INVALID, 0, {{0}}},
        {"two documents", "[][]", ERR_INVALID, 0, {{0}}},
        {"not JSON", "sources: none", ERR_INVALID, 0, {{0}}},
        {"single quotes", "[{'n':1}]", ERR_INVALID, 0, {{0}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case: %s\n", cases[i].name);
        struct source *s = (struct source *)1;
        size_t n = 99;
        enum err e = sources_from_json(cases[i].json, strlen(cases[i].json), &s, &n);
        assert_int_equal(e, cases[i].err);
        assert_int_equal(n, cases[i].count);
        if (n == 0)
            assert_null(s);
        for (size_t k = 0; k < n; k++) {
            const struct want_source *w = &cases[i].want[k];
            assert_int_equal(s[k].number, w->number);
            assert_string_equal(s[k].content_id, w->content_id);
            assert_non_null(s[k].passage_id);
            assert_string_equal(s[k].title, w->title);
            check_string(s[k].heading, w->heading);
            check_string(s[k].source_path, w->path);
            assert_string_equal(s[k].text, w->passage);
            assert_float_equal(s[k].similarity, w->similarity, 1e-9);
            assert_float_equal(s[k].fts_score, -1, 0);
        }
        sources_free(s, n);
    }
}

static void sources_null_and_embedded_nul(void **state)
{
    (void)state;
    struct source *s = NULL;
    size_t n = 5;
    assert_int_equal(sources_from_json(NULL, 0, &s, &n), ERR_OK);
    assert_null(s);
    assert_int_equal(n, 0);
    /* "[]" followed by a NUL and more: the NUL must not hide the rest. */
    static const char nul[] = "[]\0[{\"title\":\"x\"}]";
    assert_int_equal(sources_from_json(nul, sizeof nul - 1, &s, &n), ERR_INVALID);
    assert_null(s);
    /* The length is honoured: only the first 2 bytes of "[]garbage" are read. */
    assert_int_equal(sources_from_json("[]garbage", 2, &s, &n), ERR_OK);
    assert_int_equal(n, 0);
    sources_free(NULL, 0);
}

/* What rag.c writes reads back the same (the round trip the chat screen relies on). */
static void sources_round_trip(void **state)
{
    (void)state;
    struct json_out j;
    json_out_init(&j, 1 << 20);
    json_out_array_begin(&j);
    for (int i = 1; i <= 5; i++) {
        char title[32], passage[64];
        snprintf(title, sizeof title, "Doc %d", i);
        snprintf(passage, sizeof passage, "Line one of %d.\nLine two \"quoted\".", i);
        json_out_object_begin(&j);
        json_out_key(&j, "n");
        json_out_int(&j, i);
        json_out_key(&j, "content_id");
        json_out_string(&j, "c");
        json_out_key(&j, "passage_id");
        json_out_string(&j, "p");
        json_out_key(&j, "title");
        json_out_string(&j, title);
        json_out_key(&j, "heading");
        json_out_string(&j, i % 2 ? "H" : NULL);
        json_out_key(&j, "source_path");
        json_out_string(&j, NULL);
        json_out_key(&j, "passage");
        json_out_string(&j, passage);
        json_out_key(&j, "similarity");
        if (i == 3)
            json_out_null(&j);
        else
            json_out_number(&j, 0.1 * i);
        json_out_object_end(&j);
    }
    json_out_array_end(&j);
    char *text = NULL;
    assert_int_equal(json_out_finish(&j, &text), ERR_OK);
    json_out_cleanup(&j);

    struct source *s = NULL;
    size_t n = 0;
    assert_int_equal(sources_from_json(text, strlen(text), &s, &n), ERR_OK);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "Line one of %zu.\nLine two \"quoted\".", i + 1);
        assert_int_equal(s[i].number, (int)i + 1);
        assert_string_equal(s[i].text, want);
        if (i % 2 == 0)
            assert_string_equal(s[i].heading, "H");
        else
            assert_null(s[i].heading);
        assert_null(s[i].source_path);
        assert_float_equal(s[i].similarity, i == 2 ? -1 : 0.1 * (double)(i + 1), 1e-9);
    }
    sources_free(s, n);
    free(text);
}

/* "Due for review" survives the stored form: written only when set, read only from a real
 * true (a string, a number or an absent member is not due). */
static void sources_review_due(void **state)
{
    (void)state;
    struct source in[2] = {
        {.number = 1, .content_id = (char *)"c1", .passage_id = (char *)"p1",
         .title = (char *)"Old", .text = (char *)"t", .similarity = 0.5,
         .is_due_for_review = true},
        {.number = 2, .content_id = (char *)"c2", .passage_id = (char *)"p2",
         .title = (char *)"Fresh", .text = (char *)"t", .similarity = -1},
    };
    char *text = sources_to_json(in, 2);
    assert_non_null(strstr(text, "\"review_due\":true"));
    struct source *s = NULL;
    size_t n = 0;
    assert_int_equal(sources_from_json(text, strlen(text), &s, &n), ERR_OK);
    assert_int_equal(n, 2);
    assert_true(s[0].is_due_for_review);
    assert_false(s[1].is_due_for_review);
    sources_free(s, n);
    /* written for the due source only */
    const char *first = strstr(text, "review_due");
    assert_null(strstr(first + 1, "review_due"));
    free(text);

    const char *odd = "[{\"n\":1,\"review_due\":\"true\"},{\"n\":2,\"review_due\":1},"
                      "{\"n\":3,\"review_due\":false},{\"n\":4,\"review_due\":true}]";
    assert_int_equal(sources_from_json(odd, strlen(odd), &s, &n), ERR_OK);
    assert_int_equal(n, 4);
    assert_false(s[0].is_due_for_review);
    assert_false(s[1].is_due_for_review);
    assert_false(s[2].is_due_for_review);
    assert_true(s[3].is_due_for_review);
    sources_free(s, n);
}

static void sources_caps(void **state)
{
    (void)state;
    /* More elements than kept: the first SOURCES_COUNT_MAX survive. */
    struct buf b;
    buf_init(&b, (size_t)JSON_TEXT_MAX * 2);
    buf_append_char(&b, '[');
    for (int i = 0; i < SOURCES_COUNT_MAX + 10; i++)
        buf_printf(&b, "%s{\"n\":%d}", i ? "," : "", i + 1);
    buf_append_char(&b, ']');
    struct source *s = NULL;
    size_t n = 0;
    assert_int_equal(sources_from_json(b.data, b.len, &s, &n), ERR_OK);
    assert_int_equal(n, SOURCES_COUNT_MAX);
    assert_int_equal(s[n - 1].number, SOURCES_COUNT_MAX);
    sources_free(s, n);

    /* A long title and passage are cut at a character boundary, never inside "é". */
    buf_reset(&b);
    buf_append_str(&b, "[{\"title\":\"");
    buf_append_char(&b, 'a');
    for (int i = 0; i < SOURCES_FIELD_MAX; i++)
        buf_append_str(&b, "\xc3\xa9");
    buf_append_str(&b, "\",\"passage\":\"");
    for (size_t i = 0; i < SOURCES_PASSAGE_MAX + 100; i++)
        buf_append_char(&b, 'p');
    buf_append_str(&b, "\"}]");
    assert_int_equal(sources_from_json(b.data, b.len, &s, &n), ERR_OK);
    assert_int_equal(n, 1);
    size_t tl = strlen(s[0].title);
    assert_true(tl <= SOURCES_FIELD_MAX);
    assert_true(tl >= SOURCES_FIELD_MAX - 3);
    assert_int_equal(tl % 2, 1); /* "a" + whole 2-byte characters */
    assert_int_equal(strlen(s[0].text), SOURCES_PASSAGE_MAX);
    sources_free(s, n);

    /* Over the document cap: refused before parsing. */
    buf_reset(&b);
    buf_append_char(&b, '[');
    while (b.len <= JSON_TEXT_MAX)
        buf_append_str(&b, "                                                             ");
    buf_append_char(&b, ']');
    s = (struct source *)1;
    assert_int_equal(sources_from_json(b.data, b.len, &s, &n), ERR_TOO_LARGE);
    assert_null(s);
    assert_int_equal(n, 0);

    /* Nesting far deeper than cJSON allows is an error, not a crash. */
    buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        buf_append_char(&b, '[');
    for (int i = 0; i < 100000; i++)
        buf_append_char(&b, ']');
    assert_int_equal(sources_from_json(b.data, b.len, &s, &n), ERR_INVALID);
    assert_null(s);
    buf_cleanup(&b);
}

static void object_strings_table(void **state)
{
    (void)state;
    static const char *const keys[] = {"kind", "question", "conversation_id", "missing"};
    static const struct {
        const char *json;
        enum err err;
        const char *want[4]; /* NONE: NULL */
    } cases[] = {
        {"{\"kind\":\"question\",\"question\":\"Why?\",\"conversation_id\":null}", ERR_OK,
         {"question", "Why?", NONE, NONE}},
        {"{\"question\":\"a\\nb\",\"kind\":5,\"conversation_id\":\"c-1\",\"extra\":[1,2]}",
         ERR_OK, {NONE, "a\nb", "c-1", NONE}},
        {"{\"question\":\"\\u00e9\\ud83d\\ude00\"}", ERR_OK,
         {NONE, "\xc3\xa9\xf0\x9f\x98\x80", NONE, NONE}},
        {"{\"question\":\"0123456789ABCDEF\"}", ERR_OK, {NONE, "0123456789", NONE, NONE}},
        {"{}", ERR_OK, {NONE, NONE, NONE, NONE}},
        {"[\"kind\"]", ERR_INVALID, {NONE, NONE, NONE, NONE}},
        {"{\"kind\":\"question\"", ERR_INVALID, {NONE, NONE, NONE, NONE}},
        {"", ERR_INVALID, {NONE, NONE, NONE, NONE}},
        {"null", ERR_INVALID, {NONE, NONE, NONE, NONE}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case %zu: %s\n", i, cases[i].json);
        char *v[4];
        assert_int_equal(json_object_strings(cases[i].json, strlen(cases[i].json), keys, 4, 10,
                                             v),
                         cases[i].err);
        for (size_t k = 0; k < 4; k++) {
            check_string(v[k], cases[i].want[k]);
            free(v[k]);
        }
    }
    char *v[1] = {(char *)1};
    assert_int_equal(json_object_strings(NULL, 0, keys, 1, 10, v), ERR_INVALID);
    assert_null(v[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sources_table),
        cmocka_unit_test(sources_null_and_embedded_nul),
        cmocka_unit_test(sources_round_trip),
        cmocka_unit_test(sources_caps),
        cmocka_unit_test(sources_review_due),
        cmocka_unit_test(object_strings_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

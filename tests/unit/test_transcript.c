/* test_transcript: messages wrapped to a width, shown as text ("|" marks the pane's right
 * edge is never passed), styles of citations and notes, and scrolling that follows the bottom
 * or stays anchored while text streams in and the pane is resized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/markdown.h"
#include "core/utf8.h"
#include "tui/transcript.h"

static char *render_all(struct transcript *t, int width)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    size_t n = transcript_line_count(t);
    for (size_t i = 0; i < n; i++) {
        struct transcript_line line;
        assert_true(transcript_line_at(t, i, &line));
        assert_true(utf8_width(line.text, line.len) <= (size_t)width);
        size_t covered = 0;
        for (size_t s = 0; s < line.seg_count; s++) {
            assert_int_equal(line.segs[s].off, covered);
            covered += line.segs[s].len;
        }
        assert_int_equal(covered, line.len);
        buf_append(&b, line.text, line.len);
        buf_append_char(&b, '\n');
    }
    return buf_detach(&b);
}

static void test_transcript_wrap_table(void **state)
{
    (void)state;
    static const struct {
        enum transcript_kind kind;
        const char *text;
        int width;
        const char *want;
    } cases[] = {
        {TRANSCRIPT_USER, "hello world", 20, "You\n  hello world\n"},
        {TRANSCRIPT_USER, "the quick brown fox jumps", 12, "You\n  the quick\n  brown fox\n  jumps\n"},
        {TRANSCRIPT_USER, "abcdefghijklmno", 7, "You\n  abcde\n  fghij\n  klmno\n"},
        {TRANSCRIPT_USER, "a  b   ", 20, "You\n  a  b\n"},
        {TRANSCRIPT_USER, "one\n\ntwo", 20, "You\n  one\n  \n  two\n"},
        {TRANSCRIPT_USER, "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE4\xB8\xAD\xE6\x96\x87", 7,
         "You\n  \xE4\xB8\xAD\xE6\x96\x87\n  \xE5\xAD\x97\xE4\xB8\xAD\n  \xE6\x96\x87\n"},
        {TRANSCRIPT_USER, "caf\xC3\xA9 cafe\xCC\x81 na\xC3\xAFve", 12,
         "You\n  caf\xC3\xA9 cafe\xCC\x81\n  na\xC3\xAFve\n"},
        {TRANSCRIPT_ASSISTANT, "# Title\n\nSome *text* [1].", 30,
         "CCA\n  Title\n\n  Some text [1].\n"},
        {TRANSCRIPT_ASSISTANT, "- first item here\n- second", 14,
         "CCA\n  \xE2\x80\xA2 first item\n    here\n  \xE2\x80\xA2 second\n"},
        {TRANSCRIPT_ASSISTANT, "```\nif (x)\n\treturn 1;\n```", 30,
         "CCA\n  if (x)\n      return 1;\n"},
        {TRANSCRIPT_ASSISTANT, "```\nabcdefghij\n```", 8, "CCA\n  abcdef\n  ghij\n"},
        {TRANSCRIPT_ASSISTANT, "> quoted words", 30, "CCA\n  \xE2\x94\x82 quoted words\n"},
        {TRANSCRIPT_ASSISTANT, "a\n\n---", 8, "CCA\n  a\n\n  \xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\n"},
        {TRANSCRIPT_NOTICE, "New conversation", 40, "  New conversation\n"},
        {TRANSCRIPT_USER, "x", 1, "You\n  x\n"}, /* degenerate width: still progresses */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct transcript *t = transcript_new();
        transcript_resize(t, cases[i].width, 10);
        transcript_add(t, cases[i].kind, cases[i].text, strlen(cases[i].text));
        struct buf b;
        buf_init(&b, 1 << 20);
        size_t n = transcript_line_count(t);
        for (size_t k = 0; k < n; k++) {
            struct transcript_line line;
            transcript_line_at(t, k, &line);
            if (cases[i].width > 2)
                assert_true(utf8_width(line.text, line.len) <= (size_t)cases[i].width);
            buf_append(&b, line.text, line.len);
            buf_append_char(&b, '\n');
        }
        if (strcmp(buf_str(&b), cases[i].want) != 0)
            print_error("case %zu:\n%s", i, buf_str(&b));
        assert_string_equal(buf_str(&b), cases[i].want);
        buf_cleanup(&b);
        transcript_free(t);
    }
}

static void test_transcript_styles(void **state)
{
    (void)state;
    struct transcript *t = transcript_new();
    transcript_resize(t, 40, 10);
    const char *q = "How do I claim?";
    transcript_add(t, TRANSCRIPT_USER, q, strlen(q));
    size_t a = transcript_add(t, TRANSCRIPT_ASSISTANT, "", 0);
    transcript_set_state(t, a, TRANSCRIPT_STREAMING);
    const char *part = "Use the **form** [2]";
    assert_int_equal(transcript_append(t, a, part, strlen(part)), ERR_OK);
    transcript_set_state(t, a, TRANSCRIPT_CANCELLED);
    char *all = render_all(t, 40);
    assert_string_equal(all, "You\n  How do I claim?\n\nCCA\n  Use the form [2]\n  [cancelled]\n");
    free(all);
    struct transcript_line line;
    assert_true(transcript_line_at(t, 4, &line));
    assert_int_equal(line.message, 1);
    bool saw_bold = false, saw_cite = false;
    for (size_t s = 0; s < line.seg_count; s++) {
        if (line.segs[s].style & MARKDOWN_BOLD)
            saw_bold = memcmp(line.text + line.segs[s].off, "form", 4) == 0;
        if (line.segs[s].style & MARKDOWN_CITATION) {
            saw_cite = line.segs[s].citation == 2;
            assert_memory_equal(line.text + line.segs[s].off, "[2]", 3);
        }
    }
    assert_true(saw_bold);
    assert_true(saw_cite);
    assert_true(transcript_line_at(t, 5, &line));
    assert_true(line.segs[line.seg_count - 1].style & TRANSCRIPT_STYLE_NOTE);
    transcript_set_state(t, a, TRANSCRIPT_FAILED);
    transcript_set_note(t, a, "The assistant could not be reached.");
    assert_true(transcript_line_at(t, 5, &line));
    assert_true(line.segs[line.seg_count - 1].style & TRANSCRIPT_STYLE_ERROR);
    assert_false(transcript_line_at(t, 99, &line));
    transcript_free(t);
}

static void add_numbered(struct transcript *t, int count)
{
    for (int i = 0; i < count; i++) {
        char s[32];
        int n = 0;
        s[n++] = 'm';
        s[n++] = (char)('0' + i / 10);
        s[n++] = (char)('0' + i % 10);
        transcript_add(t, TRANSCRIPT_NOTICE, s, (size_t)n);
    }
}

static void test_transcript_scrolling(void **state)
{
    (void)state;
    struct transcript *t = transcript_new();
    transcript_resize(t, 40, 10);
    assert_int_equal(transcript_top(t), 0);
    add_numbered(t, 30); /* 1 + 29 * 2 = 59 lines */
    assert_int_equal(transcript_line_count(t), 59);
    assert_true(transcript_is_following(t));
    assert_int_equal(transcript_top(t), 49);
    transcript_scroll(t, -5);
    assert_false(transcript_is_following(t));
    assert_int_equal(transcript_top(t), 44);
    /* New text below does not move an anchored view. */
    add_numbered(t, 3);
    assert_int_equal(transcript_top(t), 44);
    transcript_page(t, -1);
    assert_int_equal(transcript_top(t), 36);
    transcript_home(t);
    assert_int_equal(transcript_top(t), 0);
    transcript_scroll(t, -3);
    assert_int_equal(transcript_top(t), 0);
    transcript_scroll(t, 1000);
    assert_true(transcript_is_following(t));
    assert_int_equal(transcript_top(t), transcript_line_count(t) - 10);
    transcript_page(t, -2);
    transcript_end(t);
    assert_true(transcript_is_following(t));
    /* A resize keeps following. */
    transcript_resize(t, 20, 5);
    assert_int_equal(transcript_top(t), transcript_line_count(t) - 5);
    transcript_clear(t);
    assert_int_equal(transcript_line_count(t), 0);
    assert_int_equal(transcript_top(t), 0);
    transcript_free(t);
}

static void test_transcript_anchor_across_resize(void **state)
{
    (void)state;
    struct transcript *t = transcript_new();
    transcript_resize(t, 80, 5);
    const char *long_text = "one two three four five six seven eight nine ten eleven twelve";
    for (int i = 0; i < 10; i++)
        transcript_add(t, TRANSCRIPT_USER, long_text, strlen(long_text));
    transcript_home(t);
    transcript_scroll(t, 9); /* message 3's first line ("You") at width 80 */
    struct transcript_line line;
    assert_true(transcript_line_at(t, transcript_top(t), &line));
    size_t msg = line.message;
    transcript_resize(t, 20, 5); /* narrower: more lines per message */
    assert_true(transcript_line_at(t, transcript_top(t), &line));
    assert_int_equal(line.message, msg);
    transcript_free(t);
}

static void test_transcript_streaming_cost_and_cap(void **state)
{
    (void)state;
    struct transcript *t = transcript_new();
    transcript_resize(t, 60, 20);
    size_t a = transcript_add(t, TRANSCRIPT_ASSISTANT, "", 0);
    transcript_set_state(t, a, TRANSCRIPT_PENDING);
    assert_int_equal(transcript_line_count(t), 2); /* label + "searching..." */
    transcript_set_state(t, a, TRANSCRIPT_STREAMING);
    for (int i = 0; i < 500; i++) {
        assert_int_equal(transcript_append(t, a, "word ", 5), ERR_OK);
        if (i % 50 == 0)
            (void)transcript_line_count(t);
    }
    assert_true(transcript_line_count(t) > 40);
    char *big = malloc(TRANSCRIPT_MESSAGE_MAX);
    memset(big, 'x', TRANSCRIPT_MESSAGE_MAX);
    assert_int_equal(transcript_append(t, a, big, TRANSCRIPT_MESSAGE_MAX), ERR_TOO_LARGE);
    free(big);
    assert_int_equal(transcript_append(t, 99, "x", 1), ERR_INVALID);
    transcript_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcript_wrap_table),
        cmocka_unit_test(test_transcript_styles),
        cmocka_unit_test(test_transcript_scrolling),
        cmocka_unit_test(test_transcript_anchor_across_resize),
        cmocka_unit_test(test_transcript_streaming_cost_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_json_out: the writer always produces valid JSON: commas, nesting, escapes, invalid
 * UTF-8, non-finite numbers, misuse and the cap. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/json_out.h"

static void escape_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"", 0, "\"\""},
        {"plain", 5, "\"plain\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"l1\nl2\tx\r", 8, "\"l1\\nl2\\tx\\r\""},
        {"\x01\x1f", 2, "\"\\u0001\\u001f\""},
        {"\x1b[31m", 5, "\"\\u001b[31m\""},
        {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},
        {"bad\xff!", 5, "\"bad\xef\xbf\xbd!\""},
        {"cut\xe2\x82", 5, "\"cut\xef\xbf\xbd\xef\xbf\xbd\""},
        {"nul\0x", 5, "\"nul\\u0000x\""},
        {"</script>", 9, "\"</script>\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf b;
        buf_init(&b, 1024);
        assert_int_equal(json_out_escape(&b, cases[i].in, cases[i].len), ERR_OK);
        assert_string_equal(buf_str(&b), cases[i].out);
        buf_cleanup(&b);
    }
}

static void document(void **state)
{
    (void)state;
    struct json_out j;
    json_out_init(&j, 4096);
    json_out_object_begin(&j);
    json_out_key(&j, "answer");
    json_out_string(&j, "yes [1]");
    json_out_key(&j, "confidence");
    json_out_number(&j, 0.5);
    json_out_key(&j, "nan");
    json_out_number(&j, NAN);
    json_out_key(&j, "abstain");
    json_out_bool(&j, false);
    json_out_key(&j, "missing");
    json_out_string(&j, NULL);
    json_out_key(&j, "sources");
    json_out_array_begin(&j);
    json_out_int(&j, 1);
    json_out_object_begin(&j);
    json_out_object_end(&j);
    json_out_array_begin(&j);
    json_out_array_end(&j);
    json_out_array_end(&j);
    json_out_object_end(&j);
    char *out = NULL;
    assert_int_equal(json_out_finish(&j, &out), ERR_OK);
    assert_string_equal(out, "{\"answer\":\"yes [1]\",\"confidence\":0.5,\"nan\":null,"
                             "\"abstain\":false,\"missing\":null,\"sources\":[1,{},[]]}");
    free(out);
    json_out_cleanup(&j);
}

/* Numbers print in their shortest exact form: 0.53 stays 0.53, and what cannot be shorter
 * keeps all 17 digits so it reads back as the same double. */
static void numbers_are_shortest_exact(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *out;
    } cases[] = {
        {0.53, "0.53"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3.0, "0.33333333333333331"},
        {42, "42"},
        {-0.25, "-0.25"},
        {1e21, "1e+21"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct json_out j;
        json_out_init(&j, 256);
        json_out_number(&j, cases[i].v);
        char *out = NULL;
        assert_int_equal(json_out_finish(&j, &out), ERR_OK);
        assert_string_equal(out, cases[i].out);
        free(out);
    }
}

static void misuse_is_reported(void **state)
{
    (void)state;
    char *out = (char *)1;
    struct json_out j;
    /* An unclosed object. */
    json_out_init(&j, 4096);
    json_out_object_begin(&j);
    assert_int_equal(json_out_finish(&j, &out), ERR_INVALID);
    assert_null(out);
    json_out_cleanup(&j);
    /* A key outside an object. */
    json_out_init(&j, 4096);
    json_out_array_begin(&j);
    json_out_key(&j, "k");
    json_out_array_end(&j);
    assert_int_equal(json_out_finish(&j, &out), ERR_INVALID);
    json_out_cleanup(&j);
    /* Two top-level values. */
    json_out_init(&j, 4096);
    json_out_int(&j, 1);
    json_out_int(&j, 2);
    assert_int_equal(json_out_finish(&j, &out), ERR_INVALID);
    json_out_cleanup(&j);
    /* Too deep. */
    json_out_init(&j, 4096);
    for (int i = 0; i < JSON_OUT_MAX_DEPTH + 1; i++)
        json_out_array_begin(&j);
    assert_int_equal(json_out_finish(&j, &out), ERR_INVALID);
    json_out_cleanup(&j);
    /* An empty document. */
    json_out_init(&j, 4096);
    assert_int_equal(json_out_finish(&j, &out), ERR_INVALID);
    json_out_cleanup(&j);
}

static void cap_is_enforced(void **state)
{
    (void)state;
    struct json_out j;
    json_out_init(&j, 16);
    json_out_array_begin(&j);
    json_out_string(&j, "this string does not fit");
    json_out_array_end(&j);
    char *out = NULL;
    assert_int_equal(json_out_finish(&j, &out), ERR_TOO_LARGE);
    assert_null(out);
    json_out_cleanup(&j);
    /* A failed escape leaves the buffer as it was. */
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append_str(&b, "ab"), ERR_OK);
    assert_int_equal(json_out_escape(&b, "0123456789", 10), ERR_TOO_LARGE);
    assert_string_equal(buf_str(&b), "ab");
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_table),
        cmocka_unit_test(document),
        cmocka_unit_test(numbers_are_shortest_exact),
        cmocka_unit_test(misuse_is_reported),
        cmocka_unit_test(cap_is_enforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

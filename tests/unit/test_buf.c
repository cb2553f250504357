/* test_buf: the capped buffer never exceeds its cap and always stays NUL-terminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"

static void append_and_detach(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1024);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_append_str(&b, "hello"), ERR_OK);
    assert_int_equal(buf_append_char(&b, ' '), ERR_OK);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), ERR_OK);
    assert_string_equal(buf_str(&b), "hello 42-x");
    assert_int_equal(b.len, 10);
    char *s = buf_detach(&b);
    assert_string_equal(s, "hello 42-x");
    assert_int_equal(b.len, 0);
    assert_null(b.data);
    free(s);
    buf_cleanup(&b);
}

static void cap_is_enforced(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "12345678", 8), ERR_OK);
    assert_int_equal(buf_append(&b, "9", 1), ERR_TOO_LARGE);
    assert_int_equal(buf_printf(&b, "%s", "x"), ERR_TOO_LARGE);
    assert_string_equal(buf_str(&b), "12345678");
    /* An append so large that len + extra would overflow size_t is refused too. */
    assert_int_equal(buf_append(&b, "", SIZE_MAX), ERR_TOO_LARGE);
    buf_cleanup(&b);
}

static void consume_front(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64);
    buf_append_str(&b, "abcdef");
    buf_consume(&b, 2);
    assert_string_equal(buf_str(&b), "cdef");
    buf_consume(&b, 100);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
}

static void grows_past_initial_capacity(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_append(&b, "ab", 2), ERR_OK);
    assert_int_equal(b.len, 20000);
    assert_int_equal(strlen(buf_str(&b)), 20000);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_and_detach),
        cmocka_unit_test(cap_is_enforced),
        cmocka_unit_test(consume_front),
        cmocka_unit_test(grows_past_initial_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

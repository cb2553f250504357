/* test_widget_countdown: the text and warning state for a table of times left, including the
 * rounding at second and minute edges and the extremes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/widget_countdown.h"

static void test_countdown_format(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *want;
        bool is_warning, is_expired;
    } cases[] = {
        {(12 * 60 + 5) * 1000, "12:05", false, false},
        {(12 * 60 + 5) * 1000 - 999, "12:05", false, false}, /* rounded up */
        {(12 * 60 + 5) * 1000 - 1000, "12:04", false, false},
        {(3600 + 2 * 60 + 3) * 1000, "1:02:03", false, false},
        {3600 * 1000, "1:00:00", false, false},
        {3600 * 1000 - 1, "1:00:00", false, false},
        {3600 * 1000 - 1000, "59:59", false, false},
        {(int64_t)100 * 3600 * 1000, "100:00:00", false, false},
        {61 * 1000, "1:01", false, false},
        {60 * 1000 + 1, "1:01", false, false},
        {60 * 1000, "1:00", true, false}, /* the last minute */
        {59 * 1000 + 1, "1:00", true, false},
        {59 * 1000, "0:59", true, false},
        {1, "0:01", true, false},
        {0, "0:00", true, true},
        {-5000, "0:00", true, true},
        {INT64_MIN, "0:00", true, true},
        {INT64_MAX, "2562047788015:12:56", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct countdown c;
        memset(&c, 0x55, sizeof c);
        countdown_format(cases[i].ms, &c);
        if (strcmp(c.text, cases[i].want) != 0 || c.is_warning != cases[i].is_warning ||
            c.is_expired != cases[i].is_expired)
            print_error("case %zu: %s warning %d expired %d\n", i, c.text, c.is_warning,
                        c.is_expired);
        assert_string_equal(c.text, cases[i].want);
        assert_int_equal(c.is_warning, cases[i].is_warning);
        assert_int_equal(c.is_expired, cases[i].is_expired);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countdown_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

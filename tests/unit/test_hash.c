/* test_hash: BLAKE2b-256 hex digests against the RFC 7693 / reference test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"

static void test_hash_known_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        const char *hex;
    } cases[] = {
        {"", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"},
        {"abc", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[HASH_HEX_LEN + 1];
        hash_blake2b_hex(cases[i].input, strlen(cases[i].input), out);
        assert_string_equal(out, cases[i].hex);
    }
}

static void test_hash_null_empty_and_distinct(void **state)
{
    (void)state;
    char a[HASH_HEX_LEN + 1], b[HASH_HEX_LEN + 1];
    hash_blake2b_hex(NULL, 0, a);
    hash_blake2b_hex("", 0, b);
    assert_string_equal(a, b);
    hash_blake2b_hex("model\ntext", 10, a);
    hash_blake2b_hex("model\ntexu", 10, b);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), HASH_HEX_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_known_vectors),
        cmocka_unit_test(test_hash_null_empty_and_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_secret: keys in guarded memory, shared by reference (one copy however many holders),
 * core dumps off while a key is held, and, end to end, an API key read from a config file and
 * from the environment exists exactly once in the process's memory after config_load and
 * llm_new. The key is kept XOR-masked in the test so the search does not find the test's own
 * copy. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/llm.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/secret.h"

enum { MASK = 0x5A, KEY_LEN = 40 };

static void test_secret_shared_and_prefixed(void **state)
{
    (void)state;
    struct secret *s = NULL;
    assert_int_equal(secret_new("sk-abc", &s), ERR_OK);
    struct secret *t = secret_ref(s);
    assert_ptr_equal(s, t);
    assert_string_equal(secret_str(t), "sk-abc");
    secret_free(s); /* one reference left: still readable */
    assert_string_equal(secret_str(t), "sk-abc");
    struct secret *h = NULL;
    assert_int_equal(secret_new_prefixed("Authorization: Bearer ", t, &h), ERR_OK);
    assert_string_equal(secret_str(h), "Authorization: Bearer sk-abc");
    assert_int_equal(secret_len(h), 28);
    secret_free(h);
    secret_free(t);
    assert_null(secret_ref(NULL));
    assert_true(secret_is_empty(NULL));
    secret_free(NULL);
}

static void test_secret_disables_core_dumps(void **state)
{
    (void)state;
    struct secret *empty = NULL;
    assert_int_equal(secret_new("", &empty), ERR_OK);
    secret_free(empty);
    struct secret *s = NULL;
    assert_int_equal(secret_new("sk-dump", &s), ERR_OK);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
    assert_int_equal(rl.rlim_max, 0);
    secret_free(s);
}

/* Counts occurrences of the masked key in every readable mapping of this process. */
static int count_in_memory(const unsigned char *masked, size_t len)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    FILE *mem = fopen("/proc/self/mem", "rb");
    assert_non_null(maps);
    assert_non_null(mem);
    int count = 0;
    char line[512];
    unsigned char *chunk = xmalloc(1 << 20);
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
            continue;
        if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]"))
            continue;
        /* Sanitizer shadow memory: terabytes reserved, nothing of ours. */
        if (hi - lo > (1ul << 30))
            continue;
        for (unsigned long at = lo; at < hi;) {
            size_t want = hi - at > (1u << 20) ? (1u << 20) : (size_t)(hi - at);
            if (fseek(mem, (long)at, SEEK_SET) != 0)
                break;
            size_t got = fread(chunk, 1, want, mem);
            clearerr(mem);
            if (got < len)
                break;
            for (size_t i = 0; i + len <= got; i++) {
                if ((chunk[i] ^ MASK) != masked[0])
                    continue;
                size_t k = 1;
                while (k < len && (chunk[i + k] ^ MASK) == masked[k])
                    k++;
                count += k == len;
            }
            /* Overlap the next chunk so a key across the boundary is still seen. */
            at += got > len ? got - len + 1 : got;
        }
    }
    free(chunk);
    fclose(mem);
    fclose(maps);
    return count;
}

/* Writes the unmasked key (len bytes) into out (len + 1) and returns out. */
static char *unmask(const unsigned char *masked, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)(masked[i] ^ MASK);
    out[len] = '\0';
    return out;
}

static void expect_one_copy(const unsigned char *masked, size_t len, const char *where)
{
    int n = count_in_memory(masked, len);
    if (n != 1)
        fail_msg("%s: the key is %d times in memory, want 1", where, n);
}

static void test_secret_key_exists_once(void **state)
{
    (void)state;
    unsigned char masked[KEY_LEN];
    srand((unsigned)getpid());
    for (size_t i = 0; i < KEY_LEN; i++)
        masked[i] = (unsigned char)((i < 3 ? "sk-"[i] : 'a' + rand() % 26) ^ MASK);

    char dir[] = "/tmp/cca-secret-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/config.ini", dir);
    /* write(2) from a buffer wiped afterwards: stdio would leave a copy in its buffer. */
    char key[KEY_LEN + 1];
    char text[256];
    int text_len = snprintf(text, sizeof text,
                            "[llm]\nbase_url = http://127.0.0.1:9/v1\napi_key = \"%s\"\n",
                            unmask(masked, KEY_LEN, key));
    secret_memzero(key, sizeof key);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, (size_t)text_len), text_len);
    close(fd);
    secret_memzero(text, sizeof text);

    struct config c;
    config_init(&c);
    char err[512] = "", *warning = NULL;
    assert_int_equal(config_load(&c, path, &warning, err, sizeof err), ERR_OK);
    free(warning);
    expect_one_copy(masked, KEY_LEN, "after config_load from a file");
    struct loop *loop = loop_new();
    struct llm *llm = NULL;
    assert_int_equal(llm_new(&c, loop, &llm, err, sizeof err), ERR_OK);
    expect_one_copy(masked, KEY_LEN, "after llm_new");
    llm_free(llm);
    loop_free(loop);
    config_cleanup(&c);
    assert_int_equal(count_in_memory(masked, KEY_LEN), 0);

    /* The same key from the environment: the variable's bytes are wiped. */
    setenv("CCA_LLM_API_KEY", unmask(masked, KEY_LEN, key), 1);
    secret_memzero(key, sizeof key);
    config_init(&c);
    assert_int_equal(config_apply_env(&c, err, sizeof err), ERR_OK);
    expect_one_copy(masked, KEY_LEN, "after reading CCA_LLM_API_KEY");
    config_cleanup(&c);

    unlink(path);
    rmdir(dir);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_shared_and_prefixed),
        cmocka_unit_test(test_secret_disables_core_dumps),
        cmocka_unit_test(test_secret_key_exists_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

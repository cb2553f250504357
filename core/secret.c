/* secret: guarded allocations for keys. A small heap handle carries the reference count (the
 * guarded block is read-only once written, so it cannot hold a counter); the bytes and their
 * NUL live in one sodium_malloc block. */
#include "core/secret.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <sodium.h>

#include "core/mem.h"

enum { SECRET_MAX_LEN = 1 << 20 };

struct secret {
    unsigned refs;
    size_t len;
    char *bytes; /* sodium_malloc: len bytes + NUL */
};

enum err secret_disable_core_dumps(void)
{
    enum err e = ERR_OK;
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        e = ERR_IO;
#endif
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        e = ERR_IO;
    return e;
}

/* A secret of len bytes holding a then b; made read-only once written. */
static enum err make(size_t len, const char *a, size_t a_len, const char *b, size_t b_len,
                     struct secret **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return ERR_NOMEM;
    if (len > SECRET_MAX_LEN)
        return ERR_TOO_LARGE;
    if (len)
        (void)secret_disable_core_dumps(); /* best effort: the block is excluded anyway */
    char *bytes = sodium_malloc(len + 1);
    if (!bytes)
        return ERR_NOMEM;
    if (a_len)
        memcpy(bytes, a, a_len);
    if (b_len)
        memcpy(bytes + a_len, b, b_len);
    bytes[len] = '\0';
    sodium_mprotect_readonly(bytes);
    struct secret *s = xmalloc(sizeof *s);
    s->refs = 1;
    s->len = len;
    s->bytes = bytes;
    *out = s;
    return ERR_OK;
}

enum err secret_new(const char *value, struct secret **out)
{
    size_t len = value ? strlen(value) : 0;
    return make(len, value, len, NULL, 0, out);
}

enum err secret_new_prefixed(const char *prefix, const struct secret *s, struct secret **out)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t slen = secret_len(s);
    return make(plen + slen, prefix, plen, secret_str(s), slen, out);
}

struct secret *secret_ref(struct secret *s)
{
    if (s)
        s->refs++;
    return s;
}

void secret_free(struct secret *s)
{
    if (!s || --s->refs > 0)
        return;
    /* sodium_free wipes the block (and makes it writable first) before unmapping it. */
    sodium_free(s->bytes);
    free(s);
}

const char *secret_str(const struct secret *s)
{
    return s ? s->bytes : "";
}

size_t secret_len(const struct secret *s)
{
    return s ? s->len : 0;
}

bool secret_is_empty(const struct secret *s)
{
    return !s || s->len == 0;
}

void secret_memzero(void *p, size_t len)
{
    if (p && len)
        sodium_memzero(p, len);
}


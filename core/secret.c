/* secret: guarded allocations for keys. One sodium_malloc block per secret holding the
 * length, the bytes and a NUL; made read-only after it is written. */
#include "core/secret.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct secret {
    size_t len;
    char bytes[]; /* len bytes + NUL */
};

enum err secret_new(const char *value, struct secret **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return ERR_NOMEM;
    size_t len = value ? strlen(value) : 0;
    if (len > (size_t)1 << 20)
        return ERR_TOO_LARGE;
    /* sodium_malloc places the block against a guard page, so it is only aligned when its
     * size is a multiple of the alignment: round up. */
    size_t size = (sizeof(struct secret) + len + 1 + 15) & ~(size_t)15;
    struct secret *s = sodium_malloc(size);
    if (!s)
        return ERR_NOMEM;
    s->len = len;
    if (len)
        memcpy(s->bytes, value, len);
    s->bytes[len] = '\0';
    sodium_mprotect_readonly(s);
    *out = s;
    return ERR_OK;
}

void secret_free(struct secret *s)
{
    /* sodium_free wipes the block (and makes it writable first) before unmapping it. */
    if (s)
        sodium_free(s);
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

void secret_free_string(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

/* secret: API keys and other secrets in guarded memory (libsodium's sodium_malloc: guard pages,
 * no swap, wiped on free). The only libsodium user besides core/hash.c. Secrets are never
 * logged; callers must not copy them into ordinary heap memory they do not wipe. */
#ifndef CCA_SECRET_H
#define CCA_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct secret;

/* Copies the NUL-terminated value into guarded memory (read-only once written). value may
 * be NULL, which makes an empty secret. ERR_NOMEM when guarded memory cannot be had (mlock
 * limits are not an error; sodium falls back). */
enum err secret_new(const char *value, struct secret **out);
/* Wipes and frees; NULL is a no-op. */
void secret_free(struct secret *s);
/* The secret as a C string, borrowed until secret_free; never NULL ("" when empty). */
const char *secret_str(const struct secret *s);
size_t secret_len(const struct secret *s);
/* True when the secret holds no bytes (no key configured). */
bool secret_is_empty(const struct secret *s);

/* Overwrites len bytes at p with zeros in a way the compiler may not remove. NULL is a no-op. */
void secret_memzero(void *p, size_t len);
/* Wipes a heap string (up to its NUL) and frees it; NULL is a no-op. */
void secret_free_string(char *s);

#endif

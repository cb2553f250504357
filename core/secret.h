/* secret: API keys and other secrets in guarded memory (libsodium's sodium_malloc: guard pages,
 * locked against swap, excluded from core dumps, wiped on free). The only libsodium user
 * besides core/hash.c. A secret is shared by reference, so a key read once exists once in the
 * process however many modules hold it. Secrets are never logged; callers must not copy them
 * into ordinary heap memory they do not wipe. */
#ifndef CCA_SECRET_H
#define CCA_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct secret;

/* Copies the NUL-terminated value into guarded memory (read-only once written). value may
 * be NULL, which makes an empty secret. ERR_NOMEM when guarded memory cannot be had (mlock
 * limits are not an error; sodium falls back). Holding a non-empty secret turns core dumps
 * off for the rest of the process (secret_disable_core_dumps). */
enum err secret_new(const char *value, struct secret **out);
/* A secret holding prefix followed by s's bytes ("Authorization: Bearer " + key), built in
 * guarded memory so the key never passes through the ordinary heap. */
enum err secret_new_prefixed(const char *prefix, const struct secret *s, struct secret **out);
/* Shares s: returns s with one more reference (NULL gives NULL). Each reference is dropped
 * with secret_free; the bytes are wiped when the last one goes. */
struct secret *secret_ref(struct secret *s);
/* Drops one reference; the last one wipes and frees. NULL is a no-op. */
void secret_free(struct secret *s);
/* The secret as a C string, borrowed until secret_free; never NULL ("" when empty). */
const char *secret_str(const struct secret *s);
size_t secret_len(const struct secret *s);
/* True when the secret holds no bytes (no key configured); NULL counts as empty. */
bool secret_is_empty(const struct secret *s);

/* Makes the process non-dumpable (Linux PR_SET_DUMPABLE 0: no core file, no ptrace or
 * /proc/PID/mem by other processes of the same user) and sets RLIMIT_CORE to 0. Irreversible
 * by design; called by secret_new. ERR_IO when either call failed (the other still applies). */
enum err secret_disable_core_dumps(void);

/* Overwrites len bytes at p with zeros in a way the compiler may not remove. NULL is a no-op. */
void secret_memzero(void *p, size_t len);

#endif

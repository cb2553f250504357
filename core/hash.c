/* hash: BLAKE2b-256 hex digests. One of the two libsodium users (with secret.c). */
#include "core/hash.h"

#include <sodium.h>

void hash_blake2b_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
    static const unsigned char empty[1];
    unsigned char digest[32];
    /* crypto_generichash is a pure function of its input and never fails for a 32-byte
     * output without a key; sodium_init is not needed for it. */
    crypto_generichash(digest, sizeof digest, data ? data : empty, len, NULL, 0);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof digest; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[HASH_HEX_LEN] = '\0';
}
